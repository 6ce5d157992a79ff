"""The ranked feed's aggregates, kept by likes and comments through a batched worker job."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from resolvers.deps import Deps
from resolvers.feed.rank import WINDOW_DAYS
from schema import global_id
from storage import feed_signals, keys
from tests.social import Social

# The ranked feed's Redis keys (sessions, seen and followee sets, suggestions) on one node
# and on a Redis Cluster.
pytestmark = pytest.mark.usefixtures("redis_kind")

LIKE = "mutation($id: ID!) { likePost(postId: $id) { likeCount } }"
UNLIKE = "mutation($id: ID!) { unlikePost(postId: $id) { likeCount } }"
COMMENT = "mutation($id: ID!, $body: String!) { addComment(postId: $id, body: $body) { id } }"
DELETE_COMMENT = "mutation($id: ID!) { deleteComment(id: $id) }"


async def like(social: Social, who: str, post_id: int, *, undo: bool = False) -> None:
    gid = global_id.encode("Post", post_id)
    (await social.gql(UNLIKE if undo else LIKE, {"id": gid}, token=social.tokens[who])).ok()


async def affinity(deps: Deps, viewer: int, author: int) -> tuple[int, int] | None:
    row = await deps.db.fetchrow(
        "SELECT likes, comments FROM feed_affinity WHERE viewer_id = $1 AND author_id = $2",
        viewer,
        author,
    )
    return None if row is None else (row["likes"], row["comments"])


async def kind_likes(deps: Deps, viewer: int) -> tuple[int, int, int] | None:
    row = await deps.db.fetchrow(
        "SELECT photo, video, carousel FROM feed_kind_likes WHERE viewer_id = $1", viewer
    )
    return None if row is None else (row["photo"], row["video"], row["carousel"])


async def post_engagement(deps: Deps, post_id: int) -> int | None:
    value: int | None = await deps.db.fetchval(
        "SELECT engagement FROM feed_post_engagement WHERE post_id = $1", post_id
    )
    return value


async def followee_engagement(deps: Deps, viewer: int) -> dict[int, int]:
    now_ms = int(deps.clock().timestamp() * 1000)
    total: dict[int, int] = {}
    for key in feed_signals.followee_engagement_keys(
        viewer, now_ms=now_ms, window_days=WINDOW_DAYS
    ):
        for member, score in await deps.redis.zrange(key, 0, -1, withscores=True):
            total[int(member)] = total.get(int(member), 0) + int(score)
    return {p: n for p, n in total.items() if n > 0}


async def add_media(deps: Deps, post_id: int, owner: int, kinds: list[str]) -> None:
    for position, kind in enumerate(kinds):
        await deps.db.execute(
            "INSERT INTO media (owner_id, kind, status, content_type, byte_size, post_id,"
            " position) VALUES ($1, $2, 'ready', 'image/jpeg', 1, $3, $4)",
            owner,
            kind,
            post_id,
            position,
        )


async def test_likes_fold_into_affinity_kinds_and_followers_sets(social: Social) -> None:
    for name in ("reader", "friend", "author", "away"):
        await social.user(name)
    await social.follow("reader", "friend")
    await social.follow("away", "friend")
    await social.follow("author", "friend")  # the author follows the liker too
    await social.make_inactive("away")
    deps = social.deps
    reader, friend, author, away = (
        social.raw_id(n) for n in ("reader", "friend", "author", "away")
    )
    photo = await social.post("author", "a photo")
    video = await social.post("author", "a video")
    carousel = await social.post("author", "a carousel")
    await add_media(deps, video, author, ["video"])
    await add_media(deps, carousel, author, ["photo", "video"])

    for post_id in (photo, video, carousel):
        await like(social, "friend", post_id)
    await like(social, "friend", photo)  # liking again changes nothing
    await like(social, "author", photo)  # one's own post counts for nothing
    assert await social.run_jobs() >= 1  # the drain job

    assert await affinity(deps, friend, author) == (3, 0)
    assert await kind_likes(deps, friend) == (1, 1, 1)
    assert await post_engagement(deps, photo) == 2  # every like counts for the post
    assert await affinity(deps, author, author) is None
    assert await kind_likes(deps, author) is None
    # The friend's active followers hear of it, except the author of the posts.
    assert await followee_engagement(deps, reader) == {photo: 1, video: 1, carousel: 1}
    assert await followee_engagement(deps, away) == {}  # inactive: skipped, as by fan-out
    assert await followee_engagement(deps, author) == {}
    assert await deps.redis.llen(keys.ENGAGEMENT_EVENTS) == 0  # type: ignore[misc]

    await like(social, "friend", video, undo=True)
    await like(social, "friend", video, undo=True)  # unliking again changes nothing
    await social.run_jobs()
    assert await affinity(deps, friend, author) == (2, 0)
    assert await kind_likes(deps, friend) == (1, 0, 1)
    assert await post_engagement(deps, video) == 0
    assert await followee_engagement(deps, reader) == {photo: 1, carousel: 1}


async def test_a_celebrity_liker_is_not_pushed_to_followers(
    social: Social, tune: Callable[..., None]
) -> None:
    for name in ("star", "fan", "other", "author"):
        await social.user(name)
    await social.follow("fan", "star")
    await social.follow("other", "star")
    tune(celebrity_followers=2)
    post_id = await social.post("author", "liked by a star")
    await like(social, "star", post_id)
    await like(social, "fan", post_id)
    await social.run_jobs()
    deps = social.deps
    assert await followee_engagement(deps, social.raw_id("fan")) == {}
    assert await followee_engagement(deps, social.raw_id("other")) == {}
    # The star's own affinity is kept all the same.
    assert await affinity(deps, social.raw_id("star"), social.raw_id("author")) == (1, 0)


async def test_many_likes_queue_one_drain_job(social: Social) -> None:
    await social.user("author")
    post_ids = [await social.post("author", f"p{i}") for i in range(3)]
    for i in range(4):
        await social.user(f"fan{i}")
        for post_id in post_ids:
            await like(social, f"fan{i}", post_id)
    assert await social.deps.redis.llen(keys.ENGAGEMENT_EVENTS) == 12  # type: ignore[misc]
    assert await social.run_jobs() == 1
    for i in range(4):
        assert await affinity(social.deps, social.raw_id(f"fan{i}"), social.raw_id("author")) == (
            3,
            0,
        )
    # The next like after a drain queues a new job.
    await like(social, "author", post_ids[0])
    await like(social, "fan0", post_ids[0], undo=True)
    assert await social.run_jobs() == 1
    assert await affinity(social.deps, social.raw_id("fan0"), social.raw_id("author")) == (2, 0)


async def test_comments_count_twice_and_leave_with_their_deletion(social: Social) -> None:
    for name in ("reader", "friend", "author"):
        await social.user(name)
    await social.follow("reader", "friend")
    post_id = await social.post("author", "talk to me")
    gid = global_id.encode("Post", post_id)
    added = await social.gql(COMMENT, {"id": gid, "body": "nice"}, token=social.tokens["friend"])
    await social.run_jobs()
    deps, friend, author = social.deps, social.raw_id("friend"), social.raw_id("author")
    assert await affinity(deps, friend, author) == (0, 1)
    assert await kind_likes(deps, friend) is None  # comments say nothing of kinds
    assert await post_engagement(deps, post_id) == 2  # a comment counts as two likes
    assert await followee_engagement(deps, social.raw_id("reader")) == {post_id: 1}
    # The post's author deletes the comment: it leaves the commenter's affinity.
    comment_id = added.ok()["addComment"]["id"]
    (await social.gql(DELETE_COMMENT, {"id": comment_id}, token=social.tokens["author"])).ok()
    await social.run_jobs()
    assert await affinity(deps, friend, author) == (0, 0)
    assert await followee_engagement(deps, social.raw_id("reader")) == {}
