from __future__ import annotations

from typing import Generic, TypeVar

import strawberry

T = TypeVar("T")


@strawberry.type
class Edge(Generic[T]):
    """Named `UserEdge`, `PostEdge`, ... by Strawberry after the node type."""

    cursor: str
    node: T
