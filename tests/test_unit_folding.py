"""The fold's decisions, from events and what holds now (resolvers/folding.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from resolvers.folding import day_key, dedupe, plan
from storage.notification_facts import CommentFact, Event, Facts, FollowFact, PostFact
from storage.notification_folding import Add, Remove, Repoint, Tell, Untell

T = datetime(2026, 11, 29, 23, 30, tzinfo=UTC)
AUTHOR, ADA, BOB = 1, 2, 3
POST, COMMENT, OTHER_COMMENT = 10, 20, 21


def ev(kind: str, recipient: int, actor: int | None, post: int | None = None,
       comment: int | None = None) -> Event:  # fmt: skip
    return Event(1, recipient, kind, actor, post, comment, T)


def facts(**changes: object) -> Facts:
    found = Facts(posts={POST: PostFact(AUTHOR, "published", T)})
    for name, value in changes.items():
        setattr(found, name, value)
    return found


def like_add(actor: int) -> Add:
    return Add(AUTHOR, "like", "post:10", POST, None, actor, None, T, once=True)


@pytest.mark.parametrize(
    ("event", "held", "adds", "removes"),
    [
        # A like that still holds folds in; one undone since takes its actor out.
        (ev("like", AUTHOR, ADA, POST), facts(likes={(POST, ADA): T}), [like_add(ADA)], []),
        (ev("like", AUTHOR, ADA, POST), facts(), [], [Remove(AUTHOR, "like", "post:10", ADA)]),
        # Nobody hears of their own doings, nor across a block.
        (ev("like", AUTHOR, AUTHOR, POST), facts(likes={(POST, AUTHOR): T}), [], []),
        (
            ev("like", AUTHOR, ADA, POST),
            facts(likes={(POST, ADA): T}, blocked={(AUTHOR, ADA)}),
            [],
            [],
        ),
        # A deleted post tells nothing (its facts are gone).
        (ev("like", AUTHOR, ADA, POST), facts(posts={}, likes={(POST, ADA): T}), [], []),
        # Follows: active folds per day; pending is a request; gone takes both out.
        (
            ev("follow", AUTHOR, ADA),
            facts(follows={(ADA, AUTHOR): FollowFact("active", T)}),
            [Add(AUTHOR, "follow", "day:2026-11-29", None, None, ADA, None, T, once=True)],
            [Remove(AUTHOR, "follow_request", "user:2", ADA)],
        ),
        (
            ev("follow", AUTHOR, ADA),
            facts(follows={(ADA, AUTHOR): FollowFact("pending", T)}),
            [Add(AUTHOR, "follow_request", "user:2", None, None, ADA, None, T, once=True)],
            [Remove(AUTHOR, "follow", None, ADA)],
        ),
        (
            ev("follow", AUTHOR, ADA),
            facts(),
            [],
            [Remove(AUTHOR, "follow", None, ADA), Remove(AUTHOR, "follow_request", "user:2", ADA)],
        ),
        (
            ev("follow_accepted", ADA, AUTHOR),
            facts(follows={(ADA, AUTHOR): FollowFact("active", T)}),
            [Add(ADA, "follow_accepted", "user:1", None, None, AUTHOR, None, T, once=True)],
            [],
        ),
        # Mentions: only when the mentioned may see the post, and it still names them.
        (
            ev("mention", ADA, AUTHOR, POST),
            facts(mentioned={(POST, ADA)}, may_see={(ADA, POST)}),
            [Add(ADA, "mention", "post:10", POST, None, AUTHOR, None, T, once=True)],
            [],
        ),
        (ev("mention", ADA, AUTHOR, POST), facts(mentioned={(POST, ADA)}), [], []),
        (
            ev("mention", ADA, BOB, POST, COMMENT),
            facts(comments={COMMENT: CommentFact(POST, BOB, T)}, may_see={(ADA, POST)}),
            [Add(ADA, "mention", "comment:20", POST, COMMENT, BOB, None, T, once=True)],
            [],
        ),
        (ev("mention", ADA, BOB, POST, COMMENT), facts(may_see={(ADA, POST)}), [], []),
    ],
)
def test_plan(event: Event, held: Facts, adds: list[Add], removes: list[Remove]) -> None:
    decided = plan([event], held)
    assert (decided.adds, decided.removes) == (adds, removes)


def test_comments_fold_each_time_and_a_deleted_one_is_replaced_or_leaves() -> None:
    comment = ev("comment", AUTHOR, ADA, POST, COMMENT)
    held = facts(comments={COMMENT: CommentFact(POST, ADA, T)})
    assert plan([comment], held).adds == [
        Add(AUTHOR, "comment", "post:10", POST, None, ADA, COMMENT, T, once=False)
    ]
    # Deleted, while another of hers remains there: she stays, shown with that one.
    held = facts(newest_comment={(POST, ADA): OTHER_COMMENT})
    assert plan([comment], held).repoints == [
        Repoint(AUTHOR, "comment", "post:10", ADA, COMMENT, OTHER_COMMENT)
    ]
    assert plan([comment], facts()).removes == [Remove(AUTHOR, "comment", "post:10", ADA)]


@pytest.mark.parametrize(
    ("kind", "status", "told"),
    [
        ("post_published", "published", True),
        ("post_published", "flagged", True),  # it went live, to followers
        ("post_published", "failed", False),
        ("post_failed", "failed", True),
        ("post_removed", "removed", True),
        ("post_removed", "published", False),  # restored before the fold
    ],
)
def test_the_system_tells_the_author(kind: str, status: str, told: bool) -> None:
    held = facts(posts={POST: PostFact(AUTHOR, status, T)})
    decided = plan([ev(kind, AUTHOR, None, POST)], held)
    assert decided.tells == ([Tell(AUTHOR, kind, "post:10", POST, T)] if told else [])
    # What no longer holds is taken back (a restored post's POST_REMOVED).
    assert decided.untells == ([] if told else [Untell(AUTHOR, kind, "post:10")])


def test_a_deleted_post_or_another_author_tells_nothing() -> None:
    for held in (facts(posts={}), facts(posts={POST: PostFact(BOB, "removed", T)})):
        decided = plan([ev("post_removed", AUTHOR, None, POST)], held)
        assert (decided.tells, decided.untells) == ([], [])


@pytest.mark.parametrize(
    ("at", "key"),
    [
        (T, "day:2026-11-29"),
        (T + timedelta(minutes=45), "day:2026-11-30"),
        (datetime(2026, 11, 30, 1, 0, tzinfo=UTC).astimezone(), "day:2026-11-30"),
    ],
)
def test_follows_fold_per_utc_day(at: datetime, key: str) -> None:
    assert day_key(at) == key


def test_dedupe_drops_only_once_adds_already_present() -> None:
    once, again = like_add(ADA), Add(AUTHOR, "comment", "post:10", POST, None, ADA, 1, T, False)
    assert dedupe([once, again, like_add(BOB)], {0, 1}) == [again, like_add(BOB)]
