"""Every entry point x every relation x every state, against the README's visibility tables.

The matrix is generated from the README's "Entry points" table; what each cell expects is read
from its "Posts", "Stories" and "Users" tables (tests/visibility_spec.py), never from the code
under test. A probe runs one entry point for one viewer over HTTP (or WebSocket); a selection
says what the entry point lists at all (the home feed holds followees' posts only, explore
leaves them out), which the tables leave to each entry point.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from graphql import GraphQLObjectType

from resolvers import live
from resolvers.deps import Deps
from schema import global_id
from schema.schema import build_schema
from storage.settings import Settings
from tests.client import GraphQLClient
from tests.safety_helpers import connect, listening, receive, subscribe
from tests.visibility_spec import POST_ROWS, RELATIONS, SPEC, STORY_ROWS, EntryPoint
from tests.visibility_world import SIGNED_IN, SPOT, World
from workers.notifications import fold

RunJobs = Callable[[], Awaitable[int]]
Seen = set[str] | int | bool
Probe = Callable[[World, str], Awaitable[Seen]]

# Entry points of the spec not served yet: (root type, field, argument or None). Once one is
# served, test_pending_entry_points fails until it gets a probe below.
PENDING: dict[str, tuple[str, str, str | None]] = {}
FOLLOWEES = ("self", "approved follower", "muted")  # whose home feed and tray hold the owner's
RANKED = "`feed(order: RANKED)`"
SUGGESTED_USERS = "`suggestedUsers`"
GRID = ("PUBLISHED, public account", "PUBLISHED, private account", "FLAGGED", "REMOVED", "deleted")


# ---- probes: what one viewer sees through one entry point ------------------------------------


def _rows_where(w: World, found: Callable[[str], bool]) -> set[str]:
    return {row for row in w.post_rows if found(row)}


async def _lookup(w: World, viewer: str, query: str, key: str, ids: dict[str, str]) -> set[str]:
    seen = set()
    for row, node_id in ids.items():
        if (await w.call(viewer, query, id=node_id)).ok()[key] is not None:
            seen.add(row)
    return seen


async def probe_post(w: World, viewer: str) -> Seen:
    query = "query($id: ID!) { post(id: $id) { id } }"
    return await _lookup(w, viewer, query, "post", w.post_gids())


async def probe_post_node(w: World, viewer: str) -> Seen:
    query = "query($id: ID!) { node(id: $id) { ... on Post { id } } }"
    return await _lookup(w, viewer, query, "node", w.post_gids())


async def probe_media_node(w: World, viewer: str) -> Seen:
    query = "query($id: ID!) { node(id: $id) { ... on Media { id } } }"
    return await _lookup(w, viewer, query, "node", w.media_gids)


async def probe_comments(w: World, viewer: str) -> Seen:
    query = "query($id: ID!) { node(id: $id) { ... on Comment { body } } }"
    return await _lookup(w, viewer, query, "node", w.hub_comment_gids)


def _acting(mutation: str) -> Probe:
    """Visible unless the answer is NOT_FOUND or FORBIDDEN (reporting one's own post is a
    BAD_USER_INPUT about a post one sees)."""

    async def probe(w: World, viewer: str) -> Seen:
        seen = set()
        for row, post_id in w.post_gids().items():
            codes = (await w.call(viewer, mutation, id=post_id)).codes
            if not {"NOT_FOUND", "FORBIDDEN"} & set(codes):
                seen.add(row)
        return seen

    return probe


async def probe_post_updated(w: World, viewer: str) -> Seen:
    gids = w.post_gids()
    ops = {f"op{i}": row for i, row in enumerate(gids)}
    ws = await connect(w.live_url, w.tokens[viewer])
    async with ws:
        query = "subscription($id: ID!) { postUpdated(id: $id) { id } }"
        for op, row in ops.items():
            await subscribe(ws, query, {"id": gids[row]}, op=op)
        answers: dict[str, str] = {}
        # A refused subscription answers at once; the others wait for a change of their post.
        await asyncio.sleep(0.3)
        for post_id in w.posts.values():
            await live.post_changed(w.deps, post_id)
        while len(answers) < len(ops):
            message = await receive(ws)
            # Refused: an error (or a `next` carrying errors, then `complete`).
            shown = message["type"] == "next" and not message["payload"].get("errors")
            answers.setdefault(message["id"], "shown" if shown else "refused")
    return {ops[op] for op, kind in answers.items() if kind == "shown"}


async def probe_grid(w: World, viewer: str) -> Seen:
    query = """query($u: String!) { user(username: $u) {
      posts(first: 50) { edges { node { id } } } } }"""
    user = (await w.call(viewer, query, u="owner")).ok()["user"]
    ids = {e["node"]["id"] for e in user["posts"]["edges"]} if user else set()
    return _rows_where(w, lambda row: w.post_gids()[row] in ids)


async def probe_feed(w: World, viewer: str) -> Seen:
    query = "{ feed(first: 50) { edges { node { id } } } }"
    ids = {e["node"]["id"] for e in (await w.call(viewer, query)).ok()["feed"]["edges"]}
    return _rows_where(w, lambda row: w.post_gids()[row] in ids)


async def _through_hub(w: World, viewer: str) -> None:
    """The viewer follows the hub, who follows the owner: the owner is a friend of a friend,
    so their posts are candidates for the viewer's suggestions (and they a suggested user)."""
    if viewer != "hub":
        await w.call(
            viewer, "mutation($id: ID!) { follow(userId: $id) { status } }", id=w.ids["hub"]
        )


async def probe_ranked_feed(w: World, viewer: str) -> Seen:
    await _through_hub(w, viewer)
    query = "{ feed(first: 50, order: RANKED) { edges { node { id } } } }"
    ids = {e["node"]["id"] for e in (await w.call(viewer, query)).ok()["feed"]["edges"]}
    return _rows_where(w, lambda row: w.post_gids()[row] in ids)


async def probe_suggested_users(w: World, viewer: str) -> Seen:
    await _through_hub(w, viewer)
    found = (await w.call(viewer, "{ suggestedUsers(first: 50) { username } }")).ok()
    return {"username": "owner"} in found["suggestedUsers"]


async def probe_feed_updates(w: World, viewer: str) -> Seen:
    """Every post of the owner, then the viewer's own sentinel post, published into the
    viewer's live feed as fan-out would: the subscription passes on those it may show."""
    ws = await connect(w.live_url, w.tokens[viewer])
    async with ws:
        await subscribe(ws, "subscription { feedUpdates { id } }")
        await listening(w.deps, 1, f"live:feed:{w.raw_ids[viewer]}")
        viewer_id = w.raw_ids[viewer]
        for post_id in w.posts.values():
            await live.post_entered_feeds(w.deps, [viewer_id], post_id)
        sentinel = await w.sentinel_post(viewer)
        await live.post_entered_feeds(w.deps, [viewer_id], sentinel)
        ids = set()
        while (
            got := (await receive(ws))["payload"]["data"]["feedUpdates"]["id"]
        ) != global_id.encode("Post", sentinel):
            ids.add(got)
    return _rows_where(w, lambda row: w.post_gids()[row] in ids)


async def probe_explore(w: World, viewer: str) -> Seen:
    query = "{ explore(first: 50) { edges { node { id } } } }"
    ids = {e["node"]["id"] for e in (await w.call(viewer, query)).ok()["explore"]["edges"]}
    return _rows_where(w, lambda row: w.post_gids()[row] in ids)


async def probe_hashtag_posts(w: World, viewer: str) -> Seen:
    query = '{ hashtag(name: "vis") { posts(first: 50) { edges { node { id } } } } }'
    tag = (await w.call(viewer, query)).ok()["hashtag"]
    ids = {e["node"]["id"] for e in tag["posts"]["edges"]} if tag else set()
    return _rows_where(w, lambda row: w.post_gids()[row] in ids)


async def probe_posts_near(w: World, viewer: str) -> Seen:
    query = """query($lat: Float!, $lon: Float!) {
      postsNear(latitude: $lat, longitude: $lon, radiusKm: 1, first: 50) {
        edges { node { id } } } }"""
    found = (await w.call(viewer, query, lat=SPOT[0], lon=SPOT[1])).ok()["postsNear"]
    ids = {e["node"]["id"] for e in found["edges"]}
    return _rows_where(w, lambda row: w.post_gids()[row] in ids)


async def probe_saved(w: World, viewer: str) -> Seen:
    """Every post of the owner saved by the viewer (rows as savePost leaves them, whatever
    the viewer may see now): the list shows those it may."""
    await w.deps.db.execute(
        "INSERT INTO saves (user_id, post_id) SELECT $1, unnest($2::bigint[])",
        w.raw_ids[viewer],
        list(w.posts.values()),
    )
    query = "{ savedPosts(first: 50) { edges { node { id } } } }"
    ids = {e["node"]["id"] for e in (await w.call(viewer, query)).ok()["savedPosts"]["edges"]}
    return _rows_where(w, lambda row: w.post_gids()[row] in ids)


async def _liked_by(w: World, viewer: str, liker: str = "owner", at: str = "now()") -> None:
    """`liker` likes a post of the viewer's own (rows and event as likePost leaves them,
    whatever stands between them now), then the fold runs."""
    post_id = await w.sentinel_post(viewer)
    await w.deps.db.execute(
        "WITH liked AS (INSERT INTO likes (post_id, user_id, created_at)"
        f" VALUES ($1, $2, {at}) RETURNING post_id)"
        " INSERT INTO notification_events (recipient_id, kind, actor_id, post_id)"
        " SELECT $3, 'like', $2, post_id FROM liked",
        post_id,
        w.raw_ids[liker],
        w.raw_ids[viewer],
    )
    await fold(w.deps)


async def probe_notifications(w: World, viewer: str) -> Seen:
    await _liked_by(w, viewer)
    query = "{ notifications(first: 50) { edges { node { actors { username } } } } }"
    edges = (await w.call(viewer, query)).ok()["notifications"]["edges"]
    return any({"username": "owner"} in e["node"]["actors"] for e in edges)


async def probe_notification_received(w: World, viewer: str) -> Seen:
    """The owner's like, then the hub's (an older one, so listed after it in one burst)."""
    ws = await connect(w.live_url, w.tokens[viewer])
    async with ws:
        await subscribe(ws, "subscription { notificationReceived { actors { username } } }")
        await listening(w.deps, 1, f"live:notifications:{w.raw_ids[viewer]}")
        await _liked_by(w, viewer)
        await _liked_by(w, viewer, "hub", "now() - interval '1 day'")
        actors: set[str] = set()
        while "hub" not in actors:
            note = (await receive(ws))["payload"]["data"]["notificationReceived"]
            actors |= {a["username"] for a in note["actors"]}
    return "owner" in actors


async def probe_hashtag_count(w: World, viewer: str) -> Seen:
    tag = (await w.call(viewer, '{ hashtag(name: "vis") { postCount } }')).ok()["hashtag"]
    return 0 if tag is None else int(tag["postCount"])


async def probe_search_count(w: World, viewer: str) -> Seen:
    query = '{ search(query: "#vi") { hashtags { name postCount } } }'
    found = (await w.call(viewer, query)).ok()["search"]["hashtags"]
    return sum(int(t["postCount"]) for t in found if t["name"] == "vis")


async def _stories(w: World, viewer: str, query: str, key: str) -> set[str]:
    seen = set()
    for row, story_id in w.story_gids.items():
        result = await w.call(viewer, query, id=story_id)
        if not result.codes and result.data[key] is not None:
            seen.add(row)
    return seen


async def probe_reels(w: World, viewer: str) -> Seen:
    query = "{ storyReels { author { username } stories { id } } }"
    tray = (await w.call(viewer, query)).ok()["storyReels"]
    ids = {s["id"] for reel in tray for s in reel["stories"]}
    return {row for row, story_id in w.story_gids.items() if story_id in ids}


async def probe_story_node(w: World, viewer: str) -> Seen:
    query = "query($id: ID!) { node(id: $id) { ... on Story { id } } }"
    return await _stories(w, viewer, query, "node")


async def probe_mark_seen(w: World, viewer: str) -> Seen:
    query = "mutation($id: ID!) { markStorySeen(storyId: $id) { id } }"
    return await _stories(w, viewer, query, "markStorySeen")


async def probe_user(w: World, viewer: str) -> Seen:
    user = (await w.call(viewer, 'query { user(username: "owner") { id } }')).ok()["user"]
    return user is not None


async def probe_user_node(w: World, viewer: str) -> Seen:
    query = "query($id: ID!) { node(id: $id) { ... on User { id } } }"
    return (await w.call(viewer, query, id=w.ids["owner"])).ok()["node"] is not None


async def probe_search_users(w: World, viewer: str) -> Seen:
    found = (await w.call(viewer, '{ search(query: "owne") { users { username } } }')).ok()
    return {"username": "owner"} in found["search"]["users"]


async def probe_lists(w: World, viewer: str) -> Seen:
    """The owner in a third party's followers and following (both, or neither)."""
    query = """{ user(username: "hub") {
      followers(first: 50) { edges { node { username } } }
      following(first: 50) { edges { node { username } } } } }"""
    hub = (await w.call(viewer, query)).ok()["user"]
    listed = [
        "owner" in {e["node"]["username"] for e in hub[kind]["edges"]}
        for kind in ("followers", "following")
    ]
    assert listed[0] == listed[1], listed
    return listed[0]


async def probe_their_comments(w: World, viewer: str) -> Seen:
    query = """query($id: ID!) { post(id: $id) {
      comments(first: 50) { edges { node { author { username } } } } } }"""
    post = (await w.call(viewer, query, id=w.hub_post_gid)).ok()["post"]
    authors = {e["node"]["author"]["username"] for e in post["comments"]["edges"]}
    by_node = (
        await w.call(viewer, "query($id: ID!) { node(id: $id) { id } }", id=w.owner_comment_gid)
    ).ok()["node"]
    assert ("owner" in authors) == (by_node is not None)
    return "owner" in authors


async def probe_owner_lists(w: World, viewer: str) -> Seen:
    query = """{ user(username: "owner") {
      followers(first: 50) { edges { node { id } } }
      following(first: 50) { edges { node { id } } } } }"""
    owner = (await w.call(viewer, query)).ok()["user"]
    if owner is None:
        return False
    shown = [bool(owner[kind]["edges"]) for kind in ("followers", "following")]
    assert shown[0] == shown[1], shown
    return shown[0]


PROBES: dict[str, Probe] = {
    "`post(id)`": probe_post,
    "`node(id)` of a Post": probe_post_node,
    "`node(id)` of a Media": probe_media_node,
    "`Post.comments`": probe_comments,
    "`likePost`": _acting("mutation($id: ID!) { likePost(postId: $id) { id } }"),
    "`addComment`": _acting('mutation($id: ID!) { addComment(postId: $id, body: "x") { id } }'),
    "`reportPost`": _acting("mutation($id: ID!) { reportPost(postId: $id, reason: SPAM) }"),
    "`postUpdated(id)`": probe_post_updated,
    "`user.posts`": probe_grid,
    "`feed`": probe_feed,
    RANKED: probe_ranked_feed,
    SUGGESTED_USERS: probe_suggested_users,
    "`feedUpdates`": probe_feed_updates,
    "`explore`": probe_explore,
    "`hashtag.posts`": probe_hashtag_posts,
    "`postsNear`": probe_posts_near,
    "`hashtag.postCount`": probe_hashtag_count,
    "`savedPosts`": probe_saved,
    "`notifications`": probe_notifications,
    "`notificationReceived`": probe_notification_received,
    "`search` hashtag counts": probe_search_count,
    "`storyReels`": probe_reels,
    "`node(id)` of a Story": probe_story_node,
    "`markStorySeen`": probe_mark_seen,
    "`user(username)`": probe_user,
    "`node(id)` of a User": probe_user_node,
    "`search` users": probe_search_users,
    "`followers` and `following` lists": probe_lists,
    "comments on a visible post": probe_their_comments,
    "`user.followers` and `user.following`": probe_owner_lists,
}
# Entry points that act or listen: only for someone signed in.
SIGNED_IN_ONLY = {
    "`likePost`",
    "`addComment`",
    "`reportPost`",
    "`postUpdated(id)`",
    "`feed`",
    RANKED,
    SUGGESTED_USERS,
    "`feedUpdates`",
    "`storyReels`",
    "`markStorySeen`",
    "`savedPosts`",
    "`notifications`",
    "`notificationReceived`",
}
LIVE = {"`postUpdated(id)`", "`feedUpdates`", "`notificationReceived`"}


def selected(entry: str, relation: str, row: str, private: bool) -> bool:
    """What the entry point lists at all, visibility aside."""
    if entry in ("`feed`", "`storyReels`"):
        return relation in FOLLOWEES and row not in ("PROCESSING", "FAILED")
    if entry in (RANKED, SUGGESTED_USERS):
        # Followees' posts, and suggestions of anyone else the viewer has not asked to
        # follow; the viewer, followees and those asked are never suggested users.
        if entry == SUGGESTED_USERS and relation in FOLLOWEES:
            return False
        return relation != "pending requester" and row not in ("PROCESSING", "FAILED")
    if entry == "`explore`":
        return relation not in FOLLOWEES
    if entry == "`user.posts`":
        return row in GRID
    if entry == "`search` hashtag counts":
        return not private  # a tag of private posts only is never suggested
    return True


def expected(entry: EntryPoint, relation: str, private: bool) -> Seen:
    if entry.table == "Users":
        row = entry.where
        if row.startswith("their followers and following"):
            row += ", private account" if private else ", public account"
        return SPEC.users[row][relation] and selected(entry.name, relation, row, private)
    if entry.table == "Stories":
        rows = [r for r, (_, _, privacies) in STORY_ROWS.items() if private in privacies]
        return {
            r
            for r in rows
            if selected(entry.name, relation, r, private)
            and SPEC.story_expected(r, relation, entry.where)
        }
    rows = [r for r, (_, privacies, _) in POST_ROWS.items() if private in privacies]
    where = entry.where
    if entry.name == RANKED:  # a followee's posts as the home feed, anyone else's suggested
        where = "H" if relation in FOLLOWEES else "D"
    seen = {
        r
        for r in rows
        if selected(entry.name, relation, r, private) and SPEC.post_expected(r, relation, where)
    }
    return len(seen) if entry.name in ("`hashtag.postCount`", "`search` hashtag counts") else seen


MATRIX = [e for e in SPEC.entry_points if e.name not in PENDING and e.name not in LIVE]
LIVE_MATRIX = [e for e in SPEC.entry_points if e.name in LIVE]


def test_every_entry_point_of_the_spec_is_probed_or_pending() -> None:
    names = {e.name for e in SPEC.entry_points}
    assert names == set(PROBES) | set(PENDING)


@pytest.mark.parametrize("name", sorted(PENDING))
def test_pending_entry_points(name: str) -> None:
    root, field, argument = PENDING[name]
    served = build_schema(Settings())._schema.get_type(root)
    assert isinstance(served, GraphQLObjectType)
    exists = field in served.fields and (argument is None or argument in served.fields[field].args)
    assert not exists, (
        f"{name} is served now: give it a probe (and a selection) in {__name__}, so the"
        " visibility matrix covers it, and take it out of PENDING"
    )
    pytest.skip(f"{name} is not served yet; the matrix covers it once it is")


def _ids(entries: list[EntryPoint]) -> list[str]:
    return [e.name.replace("`", "") for e in entries]


async def _check(entry: EntryPoint, private: bool, world: World) -> None:
    await world.build(private=private)
    wrong: list[tuple[str, Any, Any]] = []
    for relation in RELATIONS:
        if relation == "anonymous" and entry.name in SIGNED_IN_ONLY:
            continue
        got = await PROBES[entry.name](world, SIGNED_IN.get(relation, ""))
        want = expected(entry, relation, private)
        if got != want:
            wrong.append((relation, want, got))
    assert wrong == [], f"{entry.name}, {'private' if private else 'public'} account"


@pytest.mark.parametrize("private", [False, True], ids=["public", "private"])
@pytest.mark.parametrize("entry", MATRIX, ids=_ids(MATRIX))
async def test_entry_point(
    entry: EntryPoint,
    private: bool,
    gql: GraphQLClient,
    deps: Deps,
    run_jobs: RunJobs,
    tune: Callable[..., None],
) -> None:
    tune(flag_threshold=1000)  # reports made by the probes must not change the world
    await _check(entry, private, World(gql, deps, run_jobs))


@pytest.mark.parametrize("private", [False, True], ids=["public", "private"])
@pytest.mark.parametrize("entry", LIVE_MATRIX, ids=_ids(LIVE_MATRIX))
async def test_live_entry_point(
    entry: EntryPoint,
    private: bool,
    gql: GraphQLClient,
    deps: Deps,
    run_jobs: RunJobs,
    live_url: str,
) -> None:
    world = World(gql, deps, run_jobs)
    world.live_url = live_url
    await _check(entry, private, world)
