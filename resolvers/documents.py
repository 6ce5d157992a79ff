"""Which document a request runs: persisted queries and trusted documents.

Apollo's automatic persisted queries: a client sends `extensions.persistedQuery.sha256Hash`
alone; an unknown hash answers PERSISTED_QUERY_NOT_FOUND and the client sends the text with
the hash, which is checked (a hash that does not match its text is refused) and remembered
in Redis, for every API process, once the operation has run without a request error.

Trusted documents are registered ahead of time (`snapfeed documents add`) in PostgreSQL.
They always answer to their hash; with SNAPFEED_TRUSTED_DOCUMENTS on, nothing else runs.

Documents are addressed by their content, so each process keeps the texts it has seen
without ever having to forget a changed one.
"""

from __future__ import annotations

import hashlib
import re
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from resolvers.errors import AppError, ErrorCode
from storage import documents

if TYPE_CHECKING:
    from resolvers.deps import Deps

# Unused automatic persisted queries are forgotten after this long (each use renews it).
REMEMBER_SECONDS = 7 * 24 * 3600
# Apollo Client matches this message (and the code) to send the text of its query.
NOT_FOUND_MESSAGE = "PersistedQueryNotFound"
ONLY_TRUSTED = "Only operations registered ahead of time run on this server"

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def requested_hash(extensions: Mapping[str, Any] | None) -> str | None:
    """The hash of `extensions.persistedQuery` (version 1), None when there is none."""
    persisted = (extensions or {}).get("persistedQuery")
    if persisted is None:
        return None
    if not isinstance(persisted, Mapping) or persisted.get("version") != 1:
        raise AppError(ErrorCode.BAD_USER_INPUT, "Unsupported persistedQuery version (use 1)")
    digest = persisted.get("sha256Hash")
    if not isinstance(digest, str) or not _SHA256.match(digest.lower()):
        raise AppError(ErrorCode.BAD_USER_INPUT, "persistedQuery.sha256Hash must be 64 hex digits")
    return digest.lower()


@dataclass(frozen=True)
class Resolved:
    query: str
    # Remember the text under this hash once the operation ran without a request error.
    remember_as: str | None = None


class PersistedDocuments:
    """One per process: resolves requests, caching texts by hash (trusted or not)."""

    def __init__(self, cache_size: int = 1024) -> None:
        self.cache_size = cache_size
        self._texts: OrderedDict[str, tuple[str, bool]] = OrderedDict()  # hash: (text, trusted)

    async def resolve(
        self, deps: Deps, query: str | None, extensions: Mapping[str, Any] | None
    ) -> Resolved | None:
        """The document to run; None when the request runs as sent (or has no query)."""
        trusted_only = deps.settings.trusted_documents
        wanted = requested_hash(extensions)
        if wanted is not None and not query:
            query = None  # graphql-ws clients must send a string: "" stands for none
        if wanted is None:
            if not trusted_only or query is None:
                return None
            if await self._trusted(deps, sha256_hex(query)) is None:
                raise AppError(ErrorCode.FORBIDDEN, ONLY_TRUSTED)
            return Resolved(query)
        if query is not None:
            if sha256_hex(query) != wanted:
                raise AppError(ErrorCode.BAD_USER_INPUT, "provided sha does not match query")
            if trusted_only:
                if await self._trusted(deps, wanted) is None:
                    raise AppError(ErrorCode.FORBIDDEN, ONLY_TRUSTED)
                return Resolved(query)
            return Resolved(query, remember_as=wanted)
        text = await self._lookup(deps, wanted, trusted_only=trusted_only)
        if text is None:
            raise AppError(ErrorCode.PERSISTED_QUERY_NOT_FOUND, NOT_FOUND_MESSAGE)
        return Resolved(text)

    async def remember(self, deps: Deps, digest: str, text: str) -> None:
        await documents.remember(deps.redis, digest, text, REMEMBER_SECONDS)
        self._keep(digest, text, trusted=False)

    async def _lookup(self, deps: Deps, digest: str, *, trusted_only: bool) -> str | None:
        cached = self._texts.get(digest)
        if cached is not None and (cached[1] or not trusted_only):
            self._texts.move_to_end(digest)
            return cached[0]
        if not trusted_only:
            text = await documents.remembered(deps.redis, digest, REMEMBER_SECONDS)
            if text is not None:
                self._keep(digest, text, trusted=False)
                return text
        return await self._trusted(deps, digest)

    async def _trusted(self, deps: Deps, digest: str) -> str | None:
        cached = self._texts.get(digest)
        if cached is not None and cached[1]:
            return cached[0]
        # Not found is not cached: a document registered a moment ago works at once.
        text = await documents.trusted_body(deps.db, digest)
        if text is not None:
            self._keep(digest, text, trusted=True)
        return text

    def _keep(self, digest: str, text: str, *, trusted: bool) -> None:
        previous = self._texts.get(digest)
        self._texts[digest] = (text, trusted or (previous is not None and previous[1]))
        self._texts.move_to_end(digest)
        while len(self._texts) > self.cache_size:
            self._texts.popitem(last=False)
