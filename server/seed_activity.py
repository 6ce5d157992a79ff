"""Demo activity for `demo`'s notifications: likes, comments and mentions from the others.

Runs after the demo users, follows and posts exist (server/seed.py); likes and comments wait
until the worker has published `demo`'s posts, as a real client would.
"""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from typing import Any, Protocol

POSTS_OF = """query($u: String!) { user(username: $u) {
  posts(first: 50) { edges { node { id status } } } } }"""
LIKE = "mutation($id: ID!) { likePost(postId: $id) { id } }"
COMMENT = "mutation($id: ID!, $body: String!) { addComment(postId: $id, body: $body) { id } }"

REMARKS = ["Love this!", "What a view", "Beautiful colours", "Take me there", "So good"]


class Person(Protocol):
    username: str
    token: str


class Caller(Protocol):
    def call(self, query: str, variables: dict[str, Any], token: str | None = None) -> Any: ...


def published_posts(seeder: Caller, person: Person, *, wait_seconds: float) -> list[str]:
    """Ids of the person's posts once the worker has processed them (or what is published
    when the wait is over)."""
    deadline = time.monotonic() + wait_seconds
    while True:
        data = seeder.call(POSTS_OF, {"u": person.username}, person.token)
        nodes = [e["node"] for e in data["user"]["posts"]["edges"]]
        if all(n["status"] != "PROCESSING" for n in nodes) or time.monotonic() > deadline:
            return [n["id"] for n in nodes if n["status"] == "PUBLISHED"]
        time.sleep(0.5)


def activity(
    seeder: Caller,
    demo: Person,
    others: Sequence[Person],
    rng: random.Random,
    *,
    wait_seconds: float = 120,
) -> int:
    """Likes and comments (some mentioning `demo`) on demo's posts; how many were made."""
    made = 0
    if not others:
        return made
    for post_id in published_posts(seeder, demo, wait_seconds=wait_seconds):
        for person in rng.sample(others, k=rng.randint(1, len(others))):
            seeder.call(LIKE, {"id": post_id}, person.token)
            made += 1
        for person in rng.sample(others, k=min(len(others), rng.randint(1, 3))):
            body = rng.choice(REMARKS)
            if rng.random() < 0.3:
                body = f"@{demo.username} {body.lower()}"
            seeder.call(COMMENT, {"id": post_id, "body": body}, person.token)
            made += 1
    return made


def taste(
    seeder: Caller,
    demo: Person,
    favourites: Sequence[Person],
    friends: Sequence[Person],
    strangers: Sequence[Person],
    rng: random.Random,
    *,
    wait_seconds: float = 120,
) -> int:
    """What makes demo's RANKED feed differ from the newest-first one: demo likes all but
    the newest post of a few favourite authors (and comments on one), so their new posts
    come first; friends demo follows like the newest post of people demo does not follow
    yet, which the ranked feed then suggests. Returns how many likes and comments."""
    made = 0
    for favourite in favourites:
        older = published_posts(seeder, favourite, wait_seconds=wait_seconds)[1:]
        for post_id in older:
            seeder.call(LIKE, {"id": post_id}, demo.token)
            made += 1
        if older:
            body = rng.choice(REMARKS)
            seeder.call(COMMENT, {"id": older[0], "body": body}, demo.token)
            made += 1
    for stranger in strangers:
        for post_id in published_posts(seeder, stranger, wait_seconds=wait_seconds)[:1]:
            for friend in friends:
                seeder.call(LIKE, {"id": post_id}, friend.token)
                made += 1
    return made
