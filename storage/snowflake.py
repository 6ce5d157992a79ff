"""The layout of Snapfeed's time-sortable ids (migrations/postgres/0002_media_posts.sql):
milliseconds since 2025-01-01 in the high bits, a 22-bit sequence in the low ones."""

from __future__ import annotations

EPOCH_MS = 1_735_689_600_000
SEQUENCE_BITS = 22


def ms_of(item_id: int) -> int:
    """When the id was drawn, in Unix milliseconds."""
    return (item_id >> SEQUENCE_BITS) + EPOCH_MS


def first_id_at(unix_ms: int) -> int:
    """The smallest id drawn at or after `unix_ms`: ids >= it are no older."""
    return max(0, unix_ms - EPOCH_MS) << SEQUENCE_BITS
