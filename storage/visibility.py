"""Who may see what: Snapfeed's one visibility policy.

The rule is written here twice, side by side, and nowhere else:

- as predicates over facts already in hand (`may_see_post`, `may_see_user`, `may_see_story`,
  `may_see_comment`, `may_see_content`, `may_see_media`, `may_notify`), for rows already
  loaded: a page of post cards, a single lookup, a live event;
- as SQL fragments (`post_visible_sql`, `story_visible_sql`, `user_listed_sql`,
  `blocked_sql`), embedded by every storage query that lists content, so that a page is
  filtered inside its query and stays full.

The facts are a `Relation`: the viewer's relation to the owner of the thing (author of a
post, story or comment; the user themselves). `RELATION_COLUMNS` adds them to any query that
already joins the owner, in the same statement; `relations()` loads them for a batch of users.
The README's "Visibility" section is the spec, as tables; tests/test_visibility_matrix.py runs
every entry point against them and tests/test_unit_visibility.py runs both forms here.

Examples::

    rel = Relation(viewer_id=7, owner_id=9, owner_private=True, follow_state="active")
    may_see_post(rel, "published", Surface.HOME)                      # True: approved follower
    may_see_post(rel.but(muted=True), "published", Surface.HOME)      # False: muted
    may_see_post(rel.but(muted=True), "published", Surface.PROFILE)   # True: mutes hide feeds only
    may_see_post(rel, "flagged", Surface.DISCOVERY)                   # False: out of discovery

    # A listing query (the viewer's id is $2, posts are `p`, their authors `u`):
    f"SELECT ... FROM posts p JOIN users u ON u.id = p.author_id"
    f" WHERE p.hashtags @> ARRAY[$1] AND {post_visible_sql(Surface.DISCOVERY, viewer='$2')}"

    # A notification from `actor` to `recipient` (notifications, ranked feed, suggestions):
    may_notify(relation_of_recipient_to_actor)           # predicate
    f"... AND NOT {blocked_sql('n.actor_id', 'n.recipient_id')}"   # SQL
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any, NamedTuple

from storage.types import Executor


class Surface(StrEnum):
    """Where something is shown; the same post may be visible on one and not another."""

    LOOKUP = "L"  # by id: post, node, a post's comments, likes and comments on it, postUpdated
    PROFILE = "P"  # a user's grid (and, later, saved posts)
    HOME = "H"  # the home feed and feedUpdates (mutes apply)
    DISCOVERY = "D"  # explore, hashtag pages and counts, search, suggestions, postsNear
    REELS = "R"  # stories: the tray (mutes apply); a story by id is LOOKUP


# Posts a moderator may look up whatever the account's privacy or blocks, so that nobody can
# hide content from moderation by going private or blocking the moderators.
MODERATED_STATES = frozenset({"published", "flagged", "removed"})
# What a follower's home feed holds (fan-out, backfill, rebuild): FLAGGED stays until acted on.
FEED_STATES = ("published", "flagged")
# A user's grid: posts that went live, whatever happened to them since.
GRID_STATES = ("published", "flagged", "removed")


# A named tuple, not a frozen dataclass: a page builds one per post, and a frozen dataclass
# sets each of its eight fields through object.__setattr__ (2.3 us against 0.55 us).
class Relation(NamedTuple):
    """The viewer's relation to the owner of what is shown (a user, an author)."""

    viewer_id: int | None  # None: anonymous
    owner_id: int
    owner_private: bool = False
    follow_state: str | None = None  # the viewer's follow of the owner: active, pending, None
    blocked_by: bool = False  # the owner has blocked the viewer
    blocking: bool = False  # the viewer has blocked the owner
    muted: bool = False  # the viewer has muted the owner
    moderator: bool = False  # the viewer is a moderator

    @property
    def is_self(self) -> bool:
        return self.viewer_id == self.owner_id

    @property
    def approved(self) -> bool:
        return self.follow_state == "active"

    @property
    def blocked(self) -> bool:
        """A block either way: neither sees the other."""
        return self.blocked_by or self.blocking

    def but(self, **changes: Any) -> Relation:
        return self._replace(**changes)


def anonymous(owner_id: int, *, owner_private: bool = False) -> Relation:
    return Relation(viewer_id=None, owner_id=owner_id, owner_private=owner_private)


# ---------------------------------------------------------------------------------------------
# Predicates


def may_see_post(rel: Relation, status: str, surface: Surface, *, deleted: bool = False) -> bool:
    """May the viewer see a post of `rel.owner_id` in `status` on `surface`?

    Deleted: nobody. Discovery shows PUBLISHED only, the author's own posts included. Authors
    see their own posts in any state; moderators look up any live or moderated post. Otherwise
    a block either way hides everything; PUBLISHED needs a public account or an approved
    follow, FLAGGED an approved follow; mutes hide from the home feed.
    """
    if deleted:
        return False
    if surface is Surface.DISCOVERY and status != "published":
        return False
    if rel.is_self:
        return True
    if rel.moderator and surface is Surface.LOOKUP and status in MODERATED_STATES:
        return True
    if rel.blocked or status not in FEED_STATES:
        return False
    if surface is Surface.HOME and (rel.viewer_id is None or rel.muted):
        return False
    if status == "flagged":
        return rel.approved
    return not rel.owner_private or rel.approved


def status_shown(rel: Relation, status: str) -> str:
    """The status the viewer is told: a FLAGGED post looks PUBLISHED to its followers (only
    its author and moderators learn it was reported)."""
    if status == "flagged" and not (rel.is_self or rel.moderator):
        return "published"
    return status


def may_see_user(rel: Relation, *, listed: bool) -> bool:
    """The profile itself (`listed=False`: user, node) or an entry in a list of users
    (`listed=True`: someone's followers or following, search, suggestions).

    To the blocked user the blocker does not exist; the blocker still finds the blocked
    user's bare profile (to unblock), but in no list.
    """
    if rel.is_self:
        return True
    return not (rel.blocked if listed else rel.blocked_by)


def may_see_content(rel: Relation) -> bool:
    """A user's follower and following lists (and whether their grid can hold anything):
    public or approved, never across a block. The blocker's view of the blocked is bare."""
    if rel.is_self:
        return True
    return not rel.blocked and (not rel.owner_private or rel.approved)


def may_see_story(rel: Relation, *, media_ready: bool, expired: bool, surface: Surface) -> bool:
    """Nobody sees an expired story; its author sees it in any state before that; others once
    its media is READY, as they may see the author's posts; mutes hide it from the tray."""
    if expired:
        return False
    if rel.is_self:
        return True
    if rel.blocked or not media_ready:
        return False
    if surface is Surface.REELS and (rel.viewer_id is None or rel.muted):
        return False
    return not rel.owner_private or rel.approved


def is_expired(expires_at: datetime, now: datetime) -> bool:
    """A story is gone at its expiry time exactly, by the application's clock."""
    return now >= expires_at


def may_see_comment(rel: Relation, *, post_visible: bool, surface: Surface) -> bool:
    """`rel` is the viewer's relation to the comment's author: a comment shows where its post
    does, unless a block stands between its author and the viewer (moderators look up any)."""
    if not post_visible:
        return False
    if rel.moderator and surface is Surface.LOOKUP:
        return True
    return rel.is_self or not rel.blocked


def may_see_media(*, viewer_is_owner: bool, in_use: bool, container_visible: bool) -> bool:
    """A media is its owner's until used; then it shows where its post or story does (so
    not even to its owner once the post is deleted or the story expired)."""
    return container_visible if in_use else viewer_is_owner


def may_interact(rel: Relation) -> bool:
    """Follow, mention, comment on or like the owner's things: never across a block."""
    return rel.is_self or not rel.blocked


def may_notify(rel: Relation) -> bool:
    """Hook for notifications (and anything else one user sends another): `rel` is the
    recipient's relation to the actor. Nothing passes across a block, either way, and
    nobody is told of their own doings."""
    return rel.viewer_id is not None and not rel.is_self and not rel.blocked


# ---------------------------------------------------------------------------------------------
# SQL fragments: the same rule, for queries that list. `viewer` is an SQL expression (a
# parameter such as '$2', or 'NULL::bigint' for anyone), aliases name the query's own rows.


def blocked_sql(a: str, b: str) -> str:
    """True when `a` has blocked `b` or `b` has blocked `a` (two primary-key probes)."""
    return (
        "EXISTS (SELECT 1 FROM blocks bk WHERE"
        f" (bk.blocker_id = {a} AND bk.blocked_id = {b})"
        f" OR (bk.blocker_id = {b} AND bk.blocked_id = {a}))"
    )


def approved_sql(viewer: str, owner: str) -> str:
    return (
        "EXISTS (SELECT 1 FROM follows vf WHERE"
        f" vf.follower_id = {viewer} AND vf.followee_id = {owner} AND vf.state = 'active')"
    )


def muted_sql(viewer: str, owner: str) -> str:
    return f"EXISTS (SELECT 1 FROM mutes mu WHERE mu.muter_id = {viewer} AND mu.muted_id = {owner})"


def moderator_sql(viewer: str) -> str:
    return f"EXISTS (SELECT 1 FROM users vm WHERE vm.id = {viewer} AND vm.is_moderator)"


def sql_list(states: Sequence[str]) -> str:
    """Constant states as an SQL list: ('a', 'b') -> 'a', 'b'."""
    return ", ".join(f"'{s}'" for s in states)


def post_visible_sql(surface: Surface, *, viewer: str, post: str = "p", author: str = "u") -> str:
    """`may_see_post` as a condition on `post` (a posts row) and `author` (its users row)."""
    owner = f"{post}.author_id"
    if surface is Surface.DISCOVERY:
        own = f"({owner} = {viewer} AND {post}.status = 'published')"
        shown = f"{post}.status = 'published' AND (NOT {author}.is_private OR {{approved}})"
    else:
        own = f"{owner} = {viewer}"
        shown = (
            f"(({post}.status = 'published' AND NOT {author}.is_private)"
            f" OR ({post}.status IN ({sql_list(FEED_STATES)}) AND {{approved}}))"
        )
    others = (
        f"{shown.format(approved=approved_sql(viewer, owner))} AND NOT {blocked_sql(viewer, owner)}"
    )
    if surface is Surface.HOME:
        others += f" AND {viewer} IS NOT NULL AND NOT {muted_sql(viewer, owner)}"
    alternatives = [own, f"({others})"]
    if surface is Surface.LOOKUP:
        alternatives.append(
            f"({post}.status IN ({sql_list(sorted(MODERATED_STATES))}) AND {moderator_sql(viewer)})"
        )
    return f"({post}.deleted_at IS NULL AND ({' OR '.join(alternatives)}))"


def story_visible_sql(
    surface: Surface,
    *,
    viewer: str,
    now: str,
    story: str = "s",
    media: str = "m",
    author: str = "u",
) -> str:
    """`may_see_story` as a condition on `story`, its `media` and its `author`."""
    owner = f"{story}.author_id"
    others = (
        f"{media}.status = 'ready' AND NOT {blocked_sql(viewer, owner)}"
        f" AND (NOT {author}.is_private OR {approved_sql(viewer, owner)})"
    )
    if surface is Surface.REELS:
        others += f" AND {viewer} IS NOT NULL AND NOT {muted_sql(viewer, owner)}"
    return f"({story}.expires_at > {now} AND ({owner} = {viewer} OR ({others})))"


def user_listed_sql(*, viewer: str, user: str) -> str:
    """`may_see_user(listed=True)` for the user whose id is the expression `user`."""
    return f"({user} = {viewer} OR NOT {blocked_sql(viewer, user)})"


def walls_sql(viewer: str) -> str:
    """The ids (column `user_id`) of the users blocked either way with `viewer`: the authors
    whose comments `user_listed_sql` hides from them. Empty for an anonymous viewer."""
    return (
        f"SELECT blocked_id AS user_id FROM blocks WHERE blocker_id = {viewer}"
        f" UNION SELECT blocker_id FROM blocks WHERE blocked_id = {viewer}"
    )


# ---------------------------------------------------------------------------------------------
# Facts


def relation_columns(*, viewer: str, owner: str) -> str:
    """Select-list items giving a query's rows the block, mute and moderator facts of
    `Relation` (read back with `relation_from`); the follow state and privacy the caller
    usually has already."""
    return (
        f"EXISTS (SELECT 1 FROM blocks bk WHERE bk.blocker_id = {owner}"
        f" AND bk.blocked_id = {viewer}) AS rel_blocked_by,"
        f" EXISTS (SELECT 1 FROM blocks bk WHERE bk.blocker_id = {viewer}"
        f" AND bk.blocked_id = {owner}) AS rel_blocking,"
        f" {muted_sql(viewer, owner)} AS rel_muted,"
        f" {moderator_sql(viewer)} AS rel_moderator"
    )


def relation_from(
    record: Mapping[str, Any],
    *,
    viewer_id: int | None,
    owner_id: int,
    owner_private: bool,
    follow_state: str | None,
) -> Relation:
    return Relation(
        viewer_id,
        owner_id,
        owner_private,
        follow_state,
        record["rel_blocked_by"],
        record["rel_blocking"],
        record["rel_muted"],
        record["rel_moderator"],
    )


_RELATIONS = f"""
SELECT u.id, u.is_private, f.state, {relation_columns(viewer="$1", owner="u.id")}
FROM users u
LEFT JOIN follows f ON f.follower_id = $1 AND f.followee_id = u.id
WHERE u.id = ANY($2::bigint[])
"""


async def relations(db: Executor, viewer_id: int, owner_ids: Sequence[int]) -> dict[int, Relation]:
    """A signed-in viewer's relation to each of these users, in one query (missing users are
    left out). An anonymous viewer needs no query: `anonymous(owner)`."""
    records = await db.fetch(_RELATIONS, viewer_id, list(owner_ids))
    return {
        r["id"]: relation_from(
            r,
            viewer_id=viewer_id,
            owner_id=r["id"],
            owner_private=r["is_private"],
            follow_state=r["state"],
        )
        for r in records
    }
