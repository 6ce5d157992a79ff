"""The policy's predicates against the README's spec tables, cell by cell (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from storage.visibility import (
    Relation,
    Surface,
    is_expired,
    may_interact,
    may_notify,
    may_see_comment,
    may_see_content,
    may_see_media,
    may_see_post,
    may_see_story,
    may_see_user,
    status_shown,
)
from tests.visibility_spec import POST_ROWS, RELATIONS, SPEC, STORY_ROWS, USER_ROWS

OWNER, VIEWER = 7, 8


def relation(name: str, *, private: bool) -> Relation:
    """The spec's relations as facts (see the README's relation table)."""
    base = Relation(VIEWER, OWNER, private)
    return {
        "anonymous": Relation(None, OWNER, private),
        "self": Relation(OWNER, OWNER, private),
        "approved follower": base.but(follow_state="active"),
        "pending requester": base.but(follow_state="pending"),
        "stranger": base,
        "blocked by": base.but(blocked_by=True),
        "blocking": base.but(blocking=True),
        "muted": base.but(follow_state="active", muted=True),
        "moderator": base.but(moderator=True),
    }[name]


POST_SURFACES = (Surface.LOOKUP, Surface.PROFILE, Surface.HOME, Surface.DISCOVERY)
POST_CASES = [
    (row, private, rel, surface)
    for row, (_, privacies, _) in POST_ROWS.items()
    for private in privacies
    for rel in RELATIONS
    for surface in POST_SURFACES
]


@pytest.mark.parametrize(("row", "private", "rel", "surface"), POST_CASES)
def test_posts(row: str, private: bool, rel: str, surface: Surface) -> None:
    status, _, deleted = POST_ROWS[row]
    expected = surface.value in SPEC.posts[row][rel]
    seen = may_see_post(relation(rel, private=private), status, surface, deleted=deleted)
    assert seen is expected


@pytest.mark.parametrize("status", ["processing", "published", "failed", "flagged", "removed"])
@pytest.mark.parametrize("rel", RELATIONS)
@pytest.mark.parametrize("private", [False, True])
def test_every_surface_shows_a_subset_of_lookups(status: str, rel: str, private: bool) -> None:
    # Pages prime the single-lookup loader with their cards: that is only right if so.
    facts = relation(rel, private=private)
    for surface in POST_SURFACES:
        if may_see_post(facts, status, surface):
            assert may_see_post(facts, status, Surface.LOOKUP), surface


STORY_CASES = [
    (row, private, rel, surface)
    for row, (_, _, privacies) in STORY_ROWS.items()
    for private in privacies
    for rel in RELATIONS
    for surface in (Surface.LOOKUP, Surface.REELS)
]


@pytest.mark.parametrize(("row", "private", "rel", "surface"), STORY_CASES)
def test_stories(row: str, private: bool, rel: str, surface: Surface) -> None:
    ready, expired, _ = STORY_ROWS[row]
    expected = surface.value in SPEC.stories[row][rel]
    facts = relation(rel, private=private)
    assert may_see_story(facts, media_ready=ready, expired=expired, surface=surface) is expected


def _user_answer(row: str, facts: Relation) -> bool:
    if row == "profile":
        return may_see_user(facts, listed=False)
    if row == "in lists of users":
        return may_see_user(facts, listed=True)
    if row == "their comments":
        # Listed under a post and looked up alike.
        listed = may_see_comment(facts, post_visible=True, surface=Surface.PROFILE)
        assert may_see_comment(facts, post_visible=True, surface=Surface.LOOKUP) is listed
        return listed
    if row.startswith("their followers and following"):
        return may_see_content(facts)
    assert row == "notifications from them"
    return may_notify(facts)


@pytest.mark.parametrize("row", USER_ROWS)
@pytest.mark.parametrize("rel", RELATIONS)
def test_users(row: str, rel: str) -> None:
    private = row.endswith("private account")
    assert _user_answer(row, relation(rel, private=private)) is SPEC.users[row][rel]


@pytest.mark.parametrize(
    ("rel", "status", "shown"),
    [
        ("self", "flagged", "flagged"),
        ("moderator", "flagged", "flagged"),
        ("approved follower", "flagged", "published"),  # reports are not the followers' news
        ("self", "removed", "removed"),
        ("stranger", "published", "published"),
        ("approved follower", "processing", "processing"),
    ],
)
def test_status_shown(rel: str, status: str, shown: str) -> None:
    assert status_shown(relation(rel, private=False), status) == shown


@pytest.mark.parametrize(
    ("rel", "allowed"),
    [(name, name not in ("blocked by", "blocking")) for name in RELATIONS],
)
def test_interactions_stop_at_blocks(rel: str, allowed: bool) -> None:
    assert may_interact(relation(rel, private=False)) is allowed


def test_a_comment_of_a_hidden_post_is_hidden_even_to_moderators() -> None:
    for rel in RELATIONS:
        facts = relation(rel, private=False)
        assert not may_see_comment(facts, post_visible=False, surface=Surface.LOOKUP)
    blocked_mod = relation("moderator", private=False).but(blocked_by=True)
    assert may_see_comment(blocked_mod, post_visible=True, surface=Surface.LOOKUP)
    assert not may_see_comment(blocked_mod, post_visible=True, surface=Surface.PROFILE)


@pytest.mark.parametrize(
    ("owner", "in_use", "container", "visible"),
    [
        (True, False, False, True),  # an upload not used yet: its owner's only
        (False, False, False, False),
        (True, True, True, True),
        (False, True, True, True),  # where its post or story shows
        (False, True, False, False),
        (True, True, False, False),  # its post deleted, its story expired: not even the owner
    ],
)
def test_media(owner: bool, in_use: bool, container: bool, visible: bool) -> None:
    shown = may_see_media(viewer_is_owner=owner, in_use=in_use, container_visible=container)
    assert shown is visible


T0 = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("now", "expired"),
    [
        (T0 - timedelta(hours=1), False),
        (T0 - timedelta(microseconds=1), False),
        (T0, True),  # gone at its expiry time exactly
        (T0 + timedelta(days=3), True),
    ],
)
def test_expiry(now: datetime, expired: bool) -> None:
    assert is_expired(T0, now) is expired


def test_moderators_cannot_be_shut_out_of_lookups() -> None:
    # Blocking a moderator, or going private, hides nothing from moderation.
    mod = relation("moderator", private=True).but(blocked_by=True)
    for status in ("published", "flagged", "removed"):
        assert may_see_post(mod, status, Surface.LOOKUP)
        assert not may_see_post(mod, status, Surface.PROFILE)
    assert not may_see_post(mod, "processing", Surface.LOOKUP)
