"""The clients: each acts in turn as one of its own users, picking actions by weight, and
keeps what the server acknowledged for the audit."""

from __future__ import annotations

import asyncio
import random
import uuid
from dataclasses import dataclass, field

from resolvers.feed.hooks import BACKFILL_POSTS

from .client import Answer, Api, User, photo
from .config import (
    ACTIONS,
    CLIENTS,
    COMMENT,
    CREATE_POST,
    CREATE_UPLOAD,
    FEED,
    FOLLOW,
    LIKE,
    MAX_USERS,
    REGISTER,
    UNLIKE,
)

RETRY_FOR_S = 60.0  # a post's steps are retried this long while the server cannot answer
POOL = 500  # post ids kept for likes and comments (the newest seen in feeds)


@dataclass
class World:
    """Users, and everything the server acknowledged."""

    users: list[User] = field(default_factory=list)
    pool: list[str] = field(default_factory=list)  # post ids seen in feeds
    posts: dict[str, str] = field(default_factory=dict)  # post id -> author id (createPost ok)
    posts_unanswered: int = 0  # createPost never answered (retried RETRY_FOR_S)
    follows: set[tuple[str, str]] = field(default_factory=set)
    # (user id, post id) -> liked after the user's last answered like/unlike; None: a later
    # request was not answered, so the state is unknown.
    likes: dict[tuple[str, str], bool | None] = field(default_factory=dict)
    comments: set[str] = field(default_factory=set)
    registered: int = 0

    def own(self, client: int) -> list[User]:
        return [u for u in self.users if u.client == client]

    def see(self, post_ids: list[str]) -> None:
        fresh = [p for p in post_ids if p not in self.pool]
        self.pool.extend(fresh)
        del self.pool[:-POOL]


async def register(api: Api, world: World, username: str, client: int) -> User | None:
    answer = await api.gql("register", REGISTER, {"u": username})
    if not answer.ok or answer.data is None:
        return None
    payload = answer.data["register"]
    user = User(username, payload["token"], payload["user"]["id"], client)
    world.users.append(user)
    world.registered += 1
    return user


async def follow(api: Api, world: World, user: User, target: User) -> bool:
    answer = await api.gql("follow", FOLLOW, {"id": target.global_id}, user.token)
    if answer.ok:
        world.follows.add((user.global_id, target.global_id))
        user.follows.add(target.global_id)
    return answer.ok


async def _retried(
    api: Api, kind: str, query: str, variables: dict[str, object], user: User
) -> Answer:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + RETRY_FOR_S
    while True:
        answer = await api.gql(kind, query, variables, user.token)
        if answer.ok or not answer.retryable or loop.time() > deadline:
            return answer
        await asyncio.sleep(0.5)


async def post(api: Api, world: World, user: User, rnd: random.Random, caption: str) -> str | None:
    """createUpload, PUT the bytes to its URL, createPost: each step retried while the server
    cannot answer (createPost with one idempotency key, so a retry never makes two posts)."""
    data = photo(rnd)
    upload_input = {"contentType": "image/jpeg", "byteSize": len(data)}
    loop = asyncio.get_running_loop()
    deadline = loop.time() + RETRY_FOR_S
    while True:
        ticket = await _retried(api, "post.upload", CREATE_UPLOAD, {"input": upload_input}, user)
        if not ticket.ok or ticket.data is None:
            return None
        upload = ticket.data["createUpload"]
        headers = {h["name"]: h["value"] for h in upload["uploadHeaders"]}
        put = await api.put(upload["uploadUrl"], data, headers)
        if put.ok:
            break
        if not put.retryable or loop.time() > deadline:
            return None
        await asyncio.sleep(0.5)
    post_input = {
        "mediaIds": [upload["media"]["id"]],
        "caption": caption,
        "idempotencyKey": uuid.uuid4().hex,
    }
    answer = await _retried(api, "post.create", CREATE_POST, {"input": post_input}, user)
    if not answer.ok or answer.data is None:
        world.posts_unanswered += answer.retryable
        return None
    post_id: str = answer.data["createPost"]["id"]
    world.posts[post_id] = user.global_id
    return post_id


async def act(api: Api, world: World, client: int, rnd: random.Random, step: int) -> None:
    users = world.own(client)
    user = rnd.choice(users)
    action = rnd.choices(list(ACTIONS), weights=list(ACTIONS.values()))[0]
    if action == "register" and len(world.users) < MAX_USERS:
        await register(api, world, f"soak{client}x{step}", client)
    elif action in ("feed", "feed.ranked"):
        order = "RANKED" if action == "feed.ranked" else "CHRONOLOGICAL"
        answer = await api.gql(action, FEED, {"first": 20, "order": order}, user.token)
        if answer.ok and answer.data is not None:
            world.see([e["node"]["id"] for e in answer.data["feed"]["edges"]])
    elif action == "follow":
        others = [u for u in world.users if u is not user and u.global_id not in user.follows]
        if others:
            await follow(api, world, user, rnd.choice(others))
    elif action == "post":
        # A follow backfills the followee's newest BACKFILL_POSTS, by design: with no more
        # posts than that per author, every feed must equal the pull query exactly.
        if sum(a == user.global_id for a in world.posts.values()) < BACKFILL_POSTS:
            await post(api, world, user, rnd, f"soak {user.username} {step}")
    elif action in ("like", "comment") and world.pool:
        post_id = rnd.choice(world.pool)
        if action == "comment":
            answer = await api.gql(
                "comment", COMMENT, {"id": post_id, "body": f"nice {step}"}, user.token
            )
            if answer.ok and answer.data is not None:
                world.comments.add(answer.data["addComment"]["id"])
        else:
            await _like(api, world, user, post_id, LIKE, True)
    elif action == "unlike":
        liked = [p for (u, p), state in world.likes.items() if u == user.global_id and state]
        if liked:
            await _like(api, world, user, rnd.choice(liked), UNLIKE, False)


async def _like(api: Api, world: World, user: User, post_id: str, query: str, liked: bool) -> None:
    answer = await api.gql("like" if liked else "unlike", query, {"id": post_id}, user.token)
    key = (user.global_id, post_id)
    if answer.ok:
        world.likes[key] = liked
    elif answer.retryable:
        world.likes[key] = None


async def client_loop(
    api: Api, world: World, client: int, until: float, rnd: random.Random
) -> None:
    step = 0
    while api.recorder.now() < until:
        step += 1
        await act(api, world, client, rnd, step)
        await asyncio.sleep(rnd.uniform(0.0, 0.1))


async def setup(api: Api, world: World, users: int, rnd: random.Random) -> None:
    """Users spread over the clients, each following a few others."""
    for i in range(users):
        for _ in range(20):
            if await register(api, world, f"soakuser{i}", i % CLIENTS):
                break
            await asyncio.sleep(0.5)
        else:
            raise RuntimeError(f"could not register soakuser{i}")
    for user in world.users:
        for target in rnd.sample([u for u in world.users if u is not user], 5):
            await follow(api, world, user, target)
