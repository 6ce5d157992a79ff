"""Registration, sign-in with throttling, bearer tokens and profiles."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from resolvers import live
from resolvers.deps import Deps
from resolvers.errors import AppError, ErrorCode, rate_limited
from resolvers.feed import hooks
from resolvers.validation import check_password, clean_bio, clean_display_name, clean_username
from storage import follows, hashtags, keys, notifications, ratelimit, tokens, users
from storage.tokens import TokenOwner
from storage.users import UserRow

_WRONG_CREDENTIALS = "Wrong username or password"
REGISTER_WINDOW_SECONDS = 3600  # SNAPFEED_REGISTER_RATE counts registrations per hour


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


def _taken() -> AppError:
    return AppError(ErrorCode.CONFLICT, "That username is taken", field="username")


async def register(
    deps: Deps, *, username: str, password: str, display_name: str | None, client_ip: str
) -> Session:
    username = clean_username(username)
    check_password(password)
    display_name = clean_display_name(display_name)
    limit = deps.settings.register_rate
    rate_key = [keys.registrations_by_ip(client_ip)]
    if limit:
        [(count, ttl)] = await ratelimit.hit(deps.redis, rate_key, REGISTER_WINDOW_SECONDS)
        if count > limit:
            raise rate_limited(ttl)
    # A taken name costs no password hash and no registration (the insert below still decides).
    if await users.credentials(deps.db, username) is not None:
        if limit:
            await ratelimit.take_back(deps.redis, rate_key)
        raise _taken()
    password_hash = await deps.passwords.hash(password)
    user = await users.insert(
        deps.db, username=username, password_hash=password_hash, display_name=display_name
    )
    if user is None:
        raise _taken()
    return await _issue_token(deps, user)


@dataclass(frozen=True)
class LoginCounts:
    """Attempts in the current window, this one included, with the seconds each has left."""

    pair: tuple[int, int]  # this username from this address
    address: tuple[int, int]  # this address, any username
    account: tuple[int, int]  # this username, any address


def login_wait(
    counts: LoginCounts, *, per_pair: int, per_address: int, per_account: int
) -> int | None:
    """Seconds to wait before this attempt may be checked, or None to check it now.

    Nobody can lock an account: past the account-wide limit only addresses that have
    already failed against this username wait; the owner elsewhere still signs in.
    """
    (pair, pair_ttl), (address, address_ttl) = counts.pair, counts.address
    account, account_ttl = counts.account
    if pair > per_pair:
        return pair_ttl
    if address > per_address:
        return address_ttl
    if account > per_account and pair > 1:
        return account_ttl
    return None


async def login(deps: Deps, *, username: str, password: str, client_ip: str) -> Session:
    settings = deps.settings
    username = username.strip().lower()[:64]
    counters = [
        keys.login_failures_by_ip_and_user(client_ip, username),
        keys.login_failures_by_ip(client_ip),
        keys.login_failures_by_user(username),
    ]
    # Count the attempt before checking it, atomically, so parallel guesses cannot slip
    # past the limit; a successful sign-in takes its attempt back.
    pair, address, account = await ratelimit.hit(
        deps.redis, counters, settings.login_window_seconds
    )
    wait = login_wait(
        LoginCounts(pair, address, account),
        per_pair=settings.login_max_failures_per_user,
        per_address=settings.login_max_failures_per_ip,
        per_account=settings.login_max_failures_per_account,
    )
    if wait is not None:
        raise rate_limited(wait)

    credentials = await users.credentials(deps.db, username)
    ok = await deps.passwords.verify(credentials.password_hash if credentials else None, password)
    if credentials is None or not ok:
        raise AppError(ErrorCode.UNAUTHENTICATED, _WRONG_CREDENTIALS)
    await ratelimit.take_back(deps.redis, counters)
    if deps.passwords.needs_rehash(credentials.password_hash):
        await users.set_password_hash(
            deps.db, credentials.user_id, await deps.passwords.hash(password)
        )
    [user] = await users.by_ids(deps.db, [credentials.user_id])
    return await _issue_token(deps, user)


async def authenticate(deps: Deps, token: str, *, fresh: bool = False) -> TokenOwner | None:
    """The token's owner while the token lives. Remembered for a few seconds per process
    (resolvers/sessions.py); `fresh` asks the database whatever is remembered."""
    token_hash = hash_token(token)
    if not fresh:
        cached = deps.sessions.get(token_hash)
        if cached is not None:
            return cached
    owner = await tokens.user_for(deps.db, token_hash, active_days=deps.settings.active_days)
    if owner is not None:
        deps.sessions.put(token_hash, owner)
    return owner


async def logout(deps: Deps, token: str) -> bool:
    token_hash = hash_token(token)
    revoked = await tokens.revoke(deps.db, token_hash)
    deps.sessions.forget(token_hash)
    # Every process forgets it and ends its live sockets.
    await live.token_revoked(deps, token_hash)
    return revoked


async def update_profile(deps: Deps, viewer_id: int, changes: ProfileChanges) -> UserRow:
    display_name = clean_display_name(changes.display_name)
    bio = clean_bio(changes.bio)
    async with deps.db.acquire() as conn, conn.transaction():
        was_private = (await follows.lock_users(conn, [viewer_id])).get(viewer_id)
        user = await users.update_profile(
            conn,
            viewer_id,
            display_name=display_name,
            set_display_name=changes.set_display_name,
            bio=bio,
            set_bio=changes.set_bio,
            is_private=changes.is_private,
        )
        if changes.is_private is not None and changes.is_private != was_private:
            await hashtags.recount_author(conn, viewer_id, now_public=not changes.is_private)
        approved: list[int] = []
        marked: set[int] = set()
        if changes.is_private is False:
            # Going public lets everyone who asked in.
            approved = await follows.activate_all_pending(conn, viewer_id)
            if approved:
                await follows.lock_users(conn, approved)
                marked = await follows.adjust_counts(conn, approved, viewer_id, +1)
                await notifications.append(conn, "follow", [(viewer_id, f) for f in approved])
                [user] = await users.by_ids(conn, [viewer_id])
    for follower_id in approved:
        await hooks.after_follow(deps, follower_id, viewer_id, user.follower_count)
        if follower_id in marked:  # backfilled: no rebuild needed (see graph._joined)
            await tokens.clear_feed_stale(deps.db, follower_id)
    return user
