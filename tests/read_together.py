"""Differential checks of pages read with their owner (schema/lookahead.py): the answers
with the lookahead on must be the answers with it off."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from types import ModuleType
from typing import Any

import pytest

from schema import lookahead


async def answers_alike(
    monkeypatch: pytest.MonkeyPatch,
    module: ModuleType,
    reads_together: str,
    answers: Callable[[], Awaitable[Any]],
) -> tuple[bool, Any]:
    """`answers()` with the lookahead on, after checking they equal its answers with the
    lookahead off; and whether `module.<reads_together>` read a page with its owner."""
    read: list[bool] = []
    real = getattr(module, reads_together)

    async def spied(*args: Any, **kwargs: Any) -> Any:
        found = await real(*args, **kwargs)
        read.append(found is not None)
        return found

    with monkeypatch.context() as patch:
        patch.setattr(module, reads_together, spied)
        together = await answers()
    with monkeypatch.context() as patch:
        patch.setattr(lookahead, "child_arguments", lambda *_: None)
        assert together == await answers()
    return any(read), together


def selections(page: str, owner_type: str, *, first_0: bool) -> dict[str, tuple[str, bool]]:
    """Selections of `posts { <page> }` under an `owner_type` field, and whether the owner's
    resolver may read the page with it (`first_0`: also a page of none)."""
    twice = f"a: posts(first: 2) {{ {page} }} b: posts(first: 2) {{ {page} }}"
    return {
        "literal": (f"posts(first: 2) {{ {page} }}", True),
        "variables": (f"posts(first: $first, after: $after) {{ {page} }}", True),
        "defaults": (f"posts {{ {page} }}", True),
        "fragment": ("...page", True),
        "inline fragment": (f"... on {owner_type} {{ posts(first: 2) {{ {page} }} }}", True),
        "asked twice alike": (twice, True),
        "two pages": (f"a: posts(first: 2) {{ {page} }} b: posts(first: 3) {{ {page} }}", False),
        "skipped": (f"posts(first: 2) @include(if: false) {{ {page} }}", False),
        "not asked": ("__typename", False),
        "first 0": (f"posts(first: 0) {{ {page} }}", first_0),
        "bad first": (f"posts(first: 51) {{ {page} }}", False),
        "bad cursor": (f'posts(after: "bogus") {{ {page} }}', False),
    }


def owner_query(owner: str, fields: str, selection: str, page: str, owner_type: str) -> str:
    """A query of `owner` (a field given `$name`) selecting `fields` and `selection` (one of
    `selections`)."""
    variables = (
        "$name: String!, $first: Int, $after: String" if "$" in selection else ("$name: String!")
    )
    query = f"query ({variables}) {{ {owner} {{ {fields} {selection} }} }}"
    if "...page" in selection:
        query += f" fragment page on {owner_type} {{ posts(first: 2) {{ {page} }} }}"
    return query
