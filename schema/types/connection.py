from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

import strawberry

from resolvers.cursors import Page
from schema.types.edge import Edge
from schema.types.page_info import PageInfo

T = TypeVar("T")
R = TypeVar("R")


@strawberry.type
class Connection(Generic[T]):
    """Named `UserConnection`, `PostConnection`, ... by Strawberry after the node type."""

    edges: list[Edge[T]]
    page_info: PageInfo

    @classmethod
    def from_page(cls, page: Page[R], convert: Callable[[R], T]) -> Connection[T]:
        return cls(
            edges=[Edge(cursor=cursor, node=convert(item)) for cursor, item in page.items],
            page_info=PageInfo.of(page),
        )

    @staticmethod
    def empty_page_info() -> PageInfo:
        return PageInfo.empty()
