from __future__ import annotations

import strawberry

from resolvers import graph
from resolvers.errors import not_found
from schema import global_id
from schema.info import Info
from schema.types.follow_payload import FollowPayload
from schema.types.follow_status import FollowStatus
from schema.types.user import User


async def _user(info: Info, user_id: int) -> User:
    user = await User.load_visible(info, user_id)
    if user is None:
        raise not_found("User")
    return user


async def _payload(info: Info, target: int, relation: graph.Relation) -> FollowPayload:
    return FollowPayload(
        user=await _user(info, target), status=FollowStatus.from_relation(relation)
    )


@strawberry.type
class GraphMutations:
    @strawberry.mutation(description="Follow a user; REQUESTED when their account is private.")
    async def follow(self, info: Info, user_id: strawberry.ID) -> FollowPayload:
        viewer_id = info.context.require_viewer()
        target = global_id.decode_as(user_id, "User", field="userId")
        status = await graph.follow(info.context.deps, viewer_id, target)
        return await _payload(info, target, status)

    @strawberry.mutation
    async def unfollow(self, info: Info, user_id: strawberry.ID) -> FollowPayload:
        viewer_id = info.context.require_viewer()
        target = global_id.decode_as(user_id, "User", field="userId")
        status = await graph.unfollow(info.context.deps, viewer_id, target)
        return await _payload(info, target, status)

    @strawberry.mutation
    async def approve_follow_request(self, info: Info, user_id: strawberry.ID) -> User:
        viewer_id = info.context.require_viewer()
        requester = global_id.decode_as(user_id, "User", field="userId")
        await graph.approve_request(info.context.deps, viewer_id, requester)
        return await _user(info, requester)

    @strawberry.mutation(
        description="Drop one of the viewer's followers (or their request); idempotent."
    )
    async def remove_follower(self, info: Info, user_id: strawberry.ID) -> User:
        viewer_id = info.context.require_viewer()
        follower = global_id.decode_as(user_id, "User", field="userId")
        await graph.remove_follower(info.context.deps, viewer_id, follower)
        return await _user(info, follower)

    @strawberry.mutation
    async def reject_follow_request(self, info: Info, user_id: strawberry.ID) -> User:
        viewer_id = info.context.require_viewer()
        requester = global_id.decode_as(user_id, "User", field="userId")
        await graph.reject_request(info.context.deps, viewer_id, requester)
        return await _user(info, requester)
