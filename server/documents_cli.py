"""`snapfeed documents add FILE...`: register trusted documents ahead of time.

A file is one of:
- an Apollo persisted query manifest (`{"format": "apollo-persisted-query-manifest",
  "operations": [{"id", "name", "type", "body"}]}`, from generate-persisted-query-manifest),
- a Relay persisted query map (`{"<id>": "<text>"}`, relay-compiler's `persistConfig` with
  `"algorithm": "SHA256"`),
- any other file: its whole text is one document (clients must send exactly that text).

Ids must be the SHA-256 (hex) of the text, as Apollo's and Relay's clients send it. Every
document is checked against the schema first; if any is invalid nothing is registered.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import asyncpg
from graphql import GraphQLError, GraphQLSchema, OperationDefinitionNode, parse, validate

from resolvers.documents import sha256_hex
from storage import documents
from storage.documents import TrustedDocument


class DocumentFileError(ValueError):
    """A file that cannot be registered, with the reason."""


def _document(body: str, declared_id: str | None, where: str) -> TrustedDocument:
    if not isinstance(body, str) or not body.strip():
        raise DocumentFileError(f"{where}: no document text")
    digest = sha256_hex(body)
    if declared_id is not None and declared_id.lower() != digest:
        raise DocumentFileError(
            f"{where}: id {declared_id!r} is not the SHA-256 of its text (expected {digest};"
            " generate the manifest with SHA-256)"
        )
    return TrustedDocument(sha256=digest, body=body, operation_names=())


def parse_file(name: str, text: str) -> list[TrustedDocument]:
    """The documents one file holds (see the module docstring for the formats)."""
    if not name.endswith(".json"):
        return [_document(text, None, name)]
    try:
        data: Any = json.loads(text)
    except ValueError as exc:
        raise DocumentFileError(f"{name}: not JSON ({exc})") from None
    if isinstance(data, dict) and isinstance(data.get("operations"), list):
        found = []
        for i, operation in enumerate(data["operations"]):
            if not isinstance(operation, dict):
                raise DocumentFileError(f"{name}: operations[{i}] is not an object")
            declared = operation.get("id")
            found.append(
                _document(
                    operation.get("body"),  # type: ignore[arg-type]
                    declared if isinstance(declared, str) else None,
                    f"{name}: operations[{i}]",
                )
            )
        return found
    if isinstance(data, dict) and all(isinstance(v, str) for v in data.values()):
        return [_document(body, key, f"{name}: {key}") for key, body in data.items()]
    raise DocumentFileError(f"{name}: neither an Apollo manifest nor a Relay persisted query map")


def checked(schema: GraphQLSchema, found: Iterable[TrustedDocument]) -> list[TrustedDocument]:
    """The documents with their operation names; DocumentFileError for any invalid one."""
    result: dict[str, TrustedDocument] = {}
    for doc in found:
        try:
            tree = parse(doc.body)
        except GraphQLError as exc:
            raise DocumentFileError(f"{doc.sha256[:12]}: {exc.message}") from None
        errors = validate(schema, tree)
        if errors:
            raise DocumentFileError(f"{doc.sha256[:12]}: {errors[0].message}")
        names = tuple(
            d.name.value
            for d in tree.definitions
            if isinstance(d, OperationDefinitionNode) and d.name is not None
        )
        result[doc.sha256] = TrustedDocument(doc.sha256, doc.body, names)
    return list(result.values())


def load(paths: Sequence[Path], schema: GraphQLSchema) -> list[TrustedDocument]:
    found: list[TrustedDocument] = []
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise DocumentFileError(f"{path}: {exc}") from None
        found += parse_file(str(path), text)
    return checked(schema, found)


async def add(database_url: str, docs: Sequence[TrustedDocument]) -> tuple[int, int]:
    """(newly registered, registered in all)."""
    conn = await asyncpg.connect(database_url)
    try:
        added = await documents.add_trusted(conn, docs)
        return added, await documents.count_trusted(conn)
    finally:
        await conn.close()
