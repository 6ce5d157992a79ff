"""Hashtags in captions. Pure functions."""

from __future__ import annotations

import re

MAX_HASHTAGS = 30
MAX_HASHTAG_LENGTH = 100

# A tag is '#' plus letters, digits and underscores in any script, not glued to a word before it
# (so 'a#b' and URLs' fragments are not tags).
_HASHTAG_RE = re.compile(r"(?<![\w#&])#(\w+)", re.UNICODE)


def parse_hashtags(caption: str | None) -> list[str]:
    """Lower-case tags without '#', first occurrence order, no duplicates, at most 30."""
    if not caption:
        return []
    tags: list[str] = []
    for match in _HASHTAG_RE.finditer(caption):
        tag = match.group(1).lower()
        if tag.isdigit() or len(tag) > MAX_HASHTAG_LENGTH or tag in tags:
            continue
        tags.append(tag)
        if len(tags) == MAX_HASHTAGS:
            break
    return tags


def normalize_hashtag(name: str) -> str:
    return name.strip().lstrip("#").lower()
