"""Registration, sign-in with throttling, bearer tokens and profiles."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from resolvers import feed, live
from resolvers.deps import Deps
from resolvers.errors import AppError, ErrorCode, rate_limited
from resolvers.validation import check_password, clean_bio, clean_display_name, clean_username
from storage import follows, keys, ratelimit, tokens, users
from storage.tokens import TokenOwner
from storage.users import UserRow

_WRONG_CREDENTIALS = "Wrong username or password"


@dataclass(frozen=True)
class Session:
    token: str
    user: UserRow


@dataclass(frozen=True)
class ProfileChanges:
    display_name: str | None = None
    set_display_name: bool = False
    bio: str | None = None
    set_bio: bool = False
    is_private: bool | None = None


def hash_token(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def bearer_token(header: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, if any."""
    if not header:
        return None
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


async def _issue_token(deps: Deps, user: UserRow) -> Session:
    token = secrets.token_urlsafe(32)
    expires_at = datetime.now(UTC) + timedelta(days=deps.settings.token_ttl_days)
    await tokens.insert(
        deps.db, token_hash=hash_token(token), user_id=user.id, expires_at=expires_at
    )
    return Session(token, user)


async def register(
    deps: Deps, *, username: str, password: str, display_name: str | None
) -> Session:
    username = clean_username(username)
    check_password(password)
    display_name = clean_display_name(display_name)
    password_hash = await deps.passwords.hash(password)
    user = await users.insert(
        deps.db, username=username, password_hash=password_hash, display_name=display_name
    )
    if user is None:
        raise AppError(ErrorCode.CONFLICT, "That username is taken", field="username")
    return await _issue_token(deps, user)


async def login(deps: Deps, *, username: str, password: str, client_ip: str) -> Session:
    settings = deps.settings
    username = username.strip().lower()[:64]
    user_key, ip_key = keys.login_failures_by_user(username), keys.login_failures_by_ip(client_ip)
    # Count the attempt before checking it, atomically, so parallel guesses cannot slip
    # past the limit; a successful sign-in takes its attempt back.
    (user_count, user_ttl), (ip_count, ip_ttl) = await ratelimit.hit(
        deps.redis, [user_key, ip_key], settings.login_window_seconds
    )
    if user_count > settings.login_max_failures_per_user:
        raise rate_limited(user_ttl)
    if ip_count > settings.login_max_failures_per_ip:
        raise rate_limited(ip_ttl)

    credentials = await users.credentials(deps.db, username)
    ok = await deps.passwords.verify(credentials.password_hash if credentials else None, password)
    if credentials is None or not ok:
        raise AppError(ErrorCode.UNAUTHENTICATED, _WRONG_CREDENTIALS)
    await ratelimit.take_back(deps.redis, [user_key, ip_key])
    if deps.passwords.needs_rehash(credentials.password_hash):
        await users.set_password_hash(
            deps.db, credentials.user_id, await deps.passwords.hash(password)
        )
    [user] = await users.by_ids(deps.db, [credentials.user_id])
    return await _issue_token(deps, user)


async def authenticate(deps: Deps, token: str) -> TokenOwner | None:
    return await tokens.user_for(deps.db, hash_token(token), active_days=deps.settings.active_days)


async def logout(deps: Deps, token: str) -> bool:
    revoked = await tokens.revoke(deps.db, hash_token(token))
    await live.token_revoked(deps, hash_token(token))  # ends this token's live sockets
    return revoked


async def update_profile(deps: Deps, viewer_id: int, changes: ProfileChanges) -> UserRow:
    display_name = clean_display_name(changes.display_name)
    bio = clean_bio(changes.bio)
    async with deps.db.acquire() as conn, conn.transaction():
        user = await users.update_profile(
            conn,
            viewer_id,
            display_name=display_name,
            set_display_name=changes.set_display_name,
            bio=bio,
            set_bio=changes.set_bio,
            is_private=changes.is_private,
        )
        approved: list[int] = []
        if changes.is_private is False:
            # Going public lets everyone who asked in.
            approved = await follows.activate_all_pending(conn, viewer_id)
            if approved:
                await follows.lock_users(conn, approved)
                await follows.adjust_counts(conn, approved, viewer_id, +1)
                [user] = await users.by_ids(conn, [viewer_id])
    for follower_id in approved:
        await feed.after_follow(deps, follower_id, viewer_id, user.follower_count)
    return user
