"""`node(id:)`: global id -> object, for every type that implements Node."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from schema import global_id
from schema.info import Info
from schema.types.comment import Comment
from schema.types.media import Media
from schema.types.node import Node
from schema.types.notification import Notification
from schema.types.post import Post
from schema.types.report import Report
from schema.types.story import Story
from schema.types.user import User

_LOADERS: dict[str, Callable[[Info, int], Awaitable[Node | None]]] = {
    "User": User.load_visible,
    "Post": Post.load,
    "Media": Media.load,
    "Story": Story.load,
    "Comment": Comment.load,
    "Report": Report.load,
    "Notification": Notification.load,
}


async def resolve_node(info: Info, node_id: str) -> Node | None:
    decoded = global_id.decode(node_id)
    if decoded is None or decoded[0] not in _LOADERS:
        return None
    type_name, row_id = decoded
    return await _LOADERS[type_name](info, row_id)
