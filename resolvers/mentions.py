"""@mentions in captions and comments: parsed with the username rules, resolved when written.

The text is kept as written; what a mention names is decided once, when the caption or
comment is saved (a later change of username does not move it).
"""

from __future__ import annotations

import re

from resolvers.deps import Deps
from storage import mentions

# At most this many users are mentioned by one caption or comment; later ones stay text.
MAX_MENTIONS = 20

# An '@' that does not continue a word or an address (ada@example.com mentions nobody),
# then 3 to 30 username characters (resolvers/validation.py), then no more of them.
_MENTION = re.compile(r"(?<![a-z0-9._@])@([a-z0-9._]{3,30})(?![a-z0-9._])", re.IGNORECASE)


def parse_mentions(text: str | None) -> list[tuple[str, ...]]:
    """The mentions of a text in order, each once, as the usernames it may name: "@ada." at
    the end of a sentence names `ada.` if that user exists, else `ada`."""
    found: list[tuple[str, ...]] = []
    seen: set[str] = set()
    for match in _MENTION.finditer(text or ""):
        name = match.group(1).lower()
        bare = name.rstrip(".")
        names = (name, bare) if bare != name and len(bare) >= 3 else (name,)
        if name in seen:
            continue
        seen.add(name)
        found.append(names)
        if len(found) == MAX_MENTIONS:
            break
    return found


def pick(parsed: list[tuple[str, ...]], existing: dict[str, int]) -> list[int]:
    """The user each mention names (its first username that exists), each user once."""
    picked: list[int] = []
    for names in parsed:
        for name in names:
            user_id = existing.get(name)
            if user_id is not None:
                if user_id not in picked:
                    picked.append(user_id)
                break
    return picked


async def resolve(deps: Deps, text: str | None, author_id: int) -> list[int]:
    """The users a text mentions, in order: none the author is blocked with either way."""
    parsed = parse_mentions(text)
    if not parsed:
        return []
    names = sorted({name for names in parsed for name in names})
    return pick(parsed, await mentions.user_ids(deps.db, names, author_id))
