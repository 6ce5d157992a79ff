"""Relay global ids: opaque strings that name a type and a row id."""

from __future__ import annotations

import base64
import binascii
import functools

import strawberry

from resolvers.errors import bad_input


# Pages repeat ids (authors, media of a post seen again): a lookup is cheaper than base64.
# An ID already, so that a field reading one makes no call to wrap it (a page reads ~40).
@functools.lru_cache(maxsize=16_384)
def encode(type_name: str, row_id: int) -> strawberry.ID:
    return strawberry.ID(
        base64.urlsafe_b64encode(f"{type_name}:{row_id}".encode()).decode().rstrip("=")
    )


def decode(global_id: str) -> tuple[str, int] | None:
    """(type name, row id), or None when the id is not one of ours."""
    try:
        padded = global_id + "=" * (-len(global_id) % 4)
        type_name, _, raw_id = (
            base64.urlsafe_b64decode(padded.encode("ascii")).decode().partition(":")
        )
    except (ValueError, binascii.Error, UnicodeError):
        return None
    # ASCII only: "²".isdigit() is true, yet int("²") fails.
    if not (type_name.isascii() and type_name.isalpha()):
        return None
    if not (raw_id.isascii() and raw_id.isdigit()) or len(raw_id) > 19:
        return None
    row_id = int(raw_id)
    return (type_name, row_id) if row_id < 2**63 else None


def decode_as(global_id: str, type_name: str, *, field: str) -> int:
    """The row id of a `type_name` id; BAD_USER_INPUT for anything else."""
    decoded = decode(global_id)
    if decoded is None or decoded[0] != type_name:
        raise bad_input(f"`{field}` is not a valid {type_name} id", field=field)
    return decoded[1]
