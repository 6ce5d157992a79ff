"""A feed cache built while fan-outs run loses nothing (found by bench/soak.py: one feed in
300 missed a post until its cache expired)."""

from __future__ import annotations

from typing import Any

import pytest

from resolvers.deps import Deps
from resolvers.feed import fanout
from tests.social import Social, published_post

pytestmark = pytest.mark.usefixtures("redis_kind")


def _between_read_and_build(
    deps: Deps, monkeypatch: pytest.MonkeyPatch, meanwhile: Any
) -> list[int]:
    """Run `meanwhile()` right after the first read of a stored feed, before the cache that
    read builds is stored."""
    real_page = deps.feeds.page
    reads: list[int] = []

    async def page(user_id: int, *, before: int | None, limit: int) -> list[int]:
        ids = await real_page(user_id, before=before, limit=limit)
        reads.append(user_id)
        if len(reads) == 1:
            await meanwhile()
        return ids

    monkeypatch.setattr(deps.feeds, "page", page)
    return reads


async def test_a_post_fanned_out_while_a_cache_is_built_reaches_it(
    social: Social, deps: Deps, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("reader", "ada"):
        await social.user(name)
    await social.follow("reader", "ada")
    await social.post("ada", "first")
    reader = social.raw_id("reader")
    await deps.feed_cache.drop_feeds([reader])
    late = await published_post(deps, social.raw_id("ada"), "late")
    # The fan-out finds no built cache for the reader, so it only writes the store.
    reads = _between_read_and_build(deps, monkeypatch, lambda: fanout.fan_out(deps, late))
    assert await social.captions("reader") == ["late", "first"]
    assert len(reads) == 2  # the second read found the arrival
    cached = (await deps.feed_cache.read_feed_and_celebrities(reader, before=None, limit=10)).cached
    assert cached.built and late in cached.ids


async def test_a_cache_built_while_a_followee_leaves_is_dropped(
    social: Social, deps: Deps, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("reader", "ada", "bob"):
        await social.user(name)
    await social.follow("reader", "ada")
    await social.follow("reader", "bob")
    await social.post("ada", "ada's")
    await social.post("bob", "bob's")
    reader, ada = social.raw_id("reader"), social.raw_id("ada")
    await deps.feed_cache.drop_feeds([reader])

    async def unfollowed() -> None:  # as the unfollow hook does it
        await deps.feeds.remove_author(reader, ada)
        await deps.feed_cache.drop_feeds([reader])

    _between_read_and_build(deps, monkeypatch, unfollowed)
    assert await social.captions("reader") == ["bob's"]
    # The cache built from the first read held ada's post: it is gone, not served stale.
    cached = (await deps.feed_cache.read_feed_and_celebrities(reader, before=None, limit=10)).cached
    assert not cached.built
