"""The visibility spec, read from the README's "Who sees what" tables (not from the code).

`SPEC.posts[row][relation]` is the set of surface letters where a viewer in that relation sees
a post in that row's state; likewise `SPEC.stories`; `SPEC.users[row][relation]` is a bool.
`SPEC.entry_points` maps each entry point to its table and its surface letters or row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"
NOBODY = "\u2013"  # the en dash of an empty cell

RELATIONS = (
    "anonymous",
    "self",
    "approved follower",
    "pending requester",
    "stranger",
    "blocked by",
    "blocking",
    "muted",
    "moderator",
)

# Post rows of the spec, as (status, account privacies the row covers, deleted).
POST_ROWS: dict[str, tuple[str, tuple[bool, ...], bool]] = {
    "PUBLISHED, public account": ("published", (False,), False),
    "PUBLISHED, private account": ("published", (True,), False),
    "FLAGGED": ("flagged", (False, True), False),
    "REMOVED": ("removed", (False, True), False),
    "PROCESSING": ("processing", (False, True), False),
    "FAILED": ("failed", (False, True), False),
    "deleted": ("published", (False, True), True),
}
# Story rows, as (media ready, expired, privacies).
STORY_ROWS: dict[str, tuple[bool, bool, tuple[bool, ...]]] = {
    "live, public account": (True, False, (False,)),
    "live, private account": (True, False, (True,)),
    "media not READY yet": (False, False, (False, True)),
    "expired": (True, True, (False, True)),
}
USER_ROWS = (
    "profile",
    "in lists of users",
    "their comments",
    "their followers and following, public account",
    "their followers and following, private account",
    "notifications from them",
)


@dataclass(frozen=True)
class EntryPoint:
    name: str
    table: str  # Posts, Stories or Users
    where: str  # surface letters ("L", "H D") or a Users row


@dataclass(frozen=True)
class Spec:
    posts: dict[str, dict[str, frozenset[str]]]
    stories: dict[str, dict[str, frozenset[str]]]
    users: dict[str, dict[str, bool]]
    entry_points: list[EntryPoint]

    def post_expected(self, status_row: str, relation: str, surfaces: str) -> bool:
        """Visible on any of the surfaces (an entry point using two shows the union)."""
        return bool(self.posts[status_row][relation] & set(surfaces.split()))

    def story_expected(self, row: str, relation: str, surfaces: str) -> bool:
        return bool(self.stories[row][relation] & set(surfaces.split()))


def _table(text: str, heading: str) -> list[list[str]]:
    """Rows (cells stripped) of the first table after `heading`, header row included."""
    start = text.index(f"\n{heading}\n")
    rows: list[list[str]] = []
    for line in text[start:].splitlines()[1:]:
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if not all(re.fullmatch(r"-+", c) for c in cells):
                rows.append(cells)
        elif rows:
            break
    return rows


def _grid(rows: list[list[str]], known_rows: object) -> dict[str, dict[str, list[str]]]:
    header, *body = rows
    assert tuple(header[1:]) == RELATIONS, header
    grid = {row[0]: dict(zip(RELATIONS, row[1:], strict=True)) for row in body}
    assert set(grid) == set(known_rows), sorted(grid)  # type: ignore[call-overload]
    return {
        name: {rel: cell.split() for rel, cell in cells.items()} for name, cells in grid.items()
    }


def _letters(cell: list[str]) -> frozenset[str]:
    return frozenset() if cell == [NOBODY] else frozenset(cell)


def load(readme: Path = README) -> Spec:
    text = readme.read_text()
    posts = _grid(_table(text, "#### Posts"), POST_ROWS)
    stories = _grid(_table(text, "#### Stories"), STORY_ROWS)
    users = _grid(_table(text, "#### Users"), USER_ROWS)
    for table in (posts, stories):
        for cells in table.values():
            for cell in cells.values():
                assert set(_letters(cell)) <= set("LPHDR"), cell
    header, *entries = _table(text, "#### Entry points")
    assert header == ["entry point", "table", "row or surface"], header
    return Spec(
        posts={r: {rel: _letters(c) for rel, c in cells.items()} for r, cells in posts.items()},
        stories={r: {rel: _letters(c) for rel, c in cells.items()} for r, cells in stories.items()},
        users={r: {rel: c != [NOBODY] for rel, c in cells.items()} for r, cells in users.items()},
        entry_points=[EntryPoint(name, table, where) for name, table, where in entries],
    )


SPEC = load()
