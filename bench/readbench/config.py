"""What is measured: the requests of issue 10, their targets, the goals, the seed sizes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from feedbench.graph import CAPTION_WORDS

# Seed sizes per user (the graph and posts come from bench/feedbench/graph.py).
FOLLOWS_PER_USER = 60
POSTS_PER_USER = 5
VIEWERS = 500  # distinct signed-in users whose tokens wrk rotates
TARGET_COMMENTS = 60  # comments on the post the comments request reads
TAGS = tuple(CAPTION_WORDS.split())
# The ratio phase: slices of each request alternating with the floor's (readbench/pairs.py).
PAIRS = 10
SLICE_SECONDS = 1

# Goals of issue 10.
RATIO_GOAL = 3.0  # API CPU per request, at most this many times the `{ __typename }` floor
PAGES_PER_S_GOAL = 500.0  # feed pages/s with `serve --workers 2` at 16 connections
P95_GOAL_MS = 25.0
THROUGHPUT_WORKERS = 2

NODE_FIELDS = "id caption author { username } media { url } likeCount commentCount"
PAGE_INFO = "pageInfo { hasNextPage endCursor }"


def _edges(path: tuple[str, ...]) -> Callable[[dict[str, Any]], int]:
    def count(data: dict[str, Any]) -> int:
        node: Any = data
        for key in path:
            node = node[key]
        return len(node["edges"])

    return count


@dataclass(frozen=True)
class Request:
    name: str
    query: str
    # Names of the targets (Targets fields) passed as GraphQL variables.
    variables: dict[str, str] = field(default_factory=dict)
    # Items in the answer (edges), to refuse measuring an empty page; None: nothing to count.
    items: Callable[[dict[str, Any]], int] | None = None
    ratio_goal: bool = False  # held to RATIO_GOAL x the floor


FLOOR = "__typename"
FEED = "feed"

REQUESTS: tuple[Request, ...] = (
    Request(FLOOR, "query { __typename }"),
    Request("viewer", "query { viewer { username } }"),
    Request(
        FEED,
        f"query {{ feed(first: 20) {{ edges {{ node {{ {NODE_FIELDS} }} }} {PAGE_INFO} }} }}",
        items=_edges(("feed",)),
        ratio_goal=True,
    ),
    # A new ranked session per request (no `after`): candidates, ranking and the stored
    # session; bench/ranking.py measures it on a community with real ranking aggregates.
    Request(
        "feed.ranked",
        f"query {{ feed(first: 20, order: RANKED) {{ edges {{ reason node {{ {NODE_FIELDS} }} }}"
        f" {PAGE_INFO} }} }}",
        items=_edges(("feed",)),
    ),
    Request(
        "user.posts",
        "query ($username: String!) { user(username: $username) { posts(first: 12) {"
        " edges { node { id media { url(size: SMALL) } likeCount } } } } }",
        variables={"username": "username"},
        items=_edges(("user", "posts")),
        ratio_goal=True,
    ),
    Request(
        "explore",
        f"query {{ explore(first: 20) {{ edges {{ node {{ {NODE_FIELDS} }} }} {PAGE_INFO} }} }}",
        items=_edges(("explore",)),
        ratio_goal=True,
    ),
    Request(
        "hashtag.posts",
        "query ($name: String!) { hashtag(name: $name) { posts(first: 20) {"
        f" edges {{ node {{ {NODE_FIELDS} }} }} {PAGE_INFO} }} }} }}",
        variables={"name": "hashtag"},
        items=_edges(("hashtag", "posts")),
        ratio_goal=True,
    ),
    Request(
        "post.comments",
        "query ($id: ID!) { post(id: $id) { comments(first: 20) {"
        " edges { node { body author { username } } } } } }",
        variables={"id": "post_id"},
        items=_edges(("post", "comments")),
        ratio_goal=True,
    ),
)

# The GraphQL id of the target post, asked of the API (the id encoding is the schema's).
POST_ID_QUERY = (
    "query ($username: String!) { user(username: $username) {"
    " posts(first: 1) { edges { node { id commentCount } } } } }"
)


@dataclass
class Targets:
    """What the requests with variables point at, picked after seeding."""

    username: str = ""
    hashtag: str = ""
    post_id: str = ""  # GraphQL id, filled in once an API server answers

    def variables(self, request: Request) -> dict[str, str]:
        return {name: getattr(self, attr) for name, attr in request.variables.items()}
