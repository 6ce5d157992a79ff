from __future__ import annotations

from typing import Any

import strawberry

from resolvers.cursors import Page


@strawberry.type(description="The four fields of the Relay cursor-connections spec.")
class PageInfo:
    has_next_page: bool
    has_previous_page: bool = strawberry.field(
        description="False when paging forward with first/after."
    )
    start_cursor: str | None
    end_cursor: str | None

    @classmethod
    def of(cls, page: Page[Any]) -> PageInfo:
        return cls(
            has_next_page=page.has_next,
            # Connections page forward only (first/after); the Relay spec lets such a page
            # answer false rather than look backwards.
            has_previous_page=False,
            start_cursor=page.start_cursor,
            end_cursor=page.end_cursor,
        )

    @classmethod
    def empty(cls) -> PageInfo:
        return cls(has_next_page=False, has_previous_page=False, start_cursor=None, end_cursor=None)
