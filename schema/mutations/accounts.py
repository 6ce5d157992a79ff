from __future__ import annotations

from typing import TypeVar

import strawberry

from resolvers import accounts
from resolvers.accounts import ProfileChanges
from resolvers.errors import unauthenticated
from schema.info import Info
from schema.types.auth_payload import AuthPayload
from schema.types.register_input import RegisterInput
from schema.types.update_profile_input import UpdateProfileInput
from schema.types.user import User

T = TypeVar("T")


@strawberry.type
class AccountMutations:
    @strawberry.mutation
    async def register(self, info: Info, input: RegisterInput) -> AuthPayload:
        session = await accounts.register(
            info.context.deps,
            username=input.username,
            password=input.password,
            display_name=input.display_name,
            client_ip=info.context.client_ip,
        )
        return AuthPayload(token=session.token, user=User.from_row(session.user))

    @strawberry.mutation
    async def login(self, info: Info, username: str, password: str) -> AuthPayload:
        session = await accounts.login(
            info.context.deps,
            username=username,
            password=password,
            client_ip=info.context.client_ip,
        )
        return AuthPayload(token=session.token, user=User.from_row(session.user))

    @strawberry.mutation(description="Revokes the token this request was made with.")
    async def logout(self, info: Info) -> bool:
        ctx = info.context
        ctx.require_viewer()
        if ctx.token is None:
            raise unauthenticated()
        return await accounts.logout(ctx.deps, ctx.token)

    @strawberry.mutation
    async def update_profile(self, info: Info, input: UpdateProfileInput) -> User:
        ctx = info.context
        viewer_id = ctx.require_viewer()
        changes = ProfileChanges(
            display_name=_given(input.display_name),
            set_display_name=input.display_name is not strawberry.UNSET,
            bio=_given(input.bio),
            set_bio=input.bio is not strawberry.UNSET,
            is_private=_given(input.is_private),
        )
        return User.from_row(await accounts.update_profile(ctx.deps, viewer_id, changes))


def _given(value: T | None) -> T | None:
    """None for both a left-out field (UNSET) and an explicit null."""
    return None if value is strawberry.UNSET else value
