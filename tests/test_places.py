"""Places end to end: tagging posts, postsNear (distance, order, cursors, visibility, index
use under a generic plan) and place search."""

from __future__ import annotations

import json
import random
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from resolvers import geo
from resolvers.deps import Deps
from schema import global_id
from storage import places
from tests import media_samples
from tests.client import GraphQLClient, create_post, upload

RunJobs = Callable[[], Awaitable[int]]

PARIS = (48.8566, 2.3522)
NEAR = """query($lat: Float!, $lon: Float!, $r: Float, $first: Int, $after: String) {
  postsNear(latitude: $lat, longitude: $lon, radiusKm: $r, first: $first, after: $after) {
    edges { cursor node { caption place { name latitude longitude } } }
    pageInfo { hasNextPage endCursor }
  }
}"""
POST = "query($id: ID!) { post(id: $id) { location place { name latitude longitude } } }"
SEARCH = "query($q: String!) { search(query: $q) { places { name latitude longitude } } }"


def _offset(km_north: float, km_east: float, origin: tuple[float, float] = PARIS) -> dict[str, Any]:
    """A point this many km north and east of `origin` (flat approximation, fine at 60 km)."""
    lat = origin[0] + km_north / geo.KM_PER_DEGREE
    lon = origin[1] + km_east / (geo.KM_PER_DEGREE * 0.6579)  # cos(48.86 degrees)
    return {"latitude": lat, "longitude": lon}


async def _post(
    gql: GraphQLClient, token: str, caption: str, place: dict[str, Any] | None, **fields: Any
) -> str:
    media_id = await upload(gql, token, media_samples.jpeg(64, 64), "image/jpeg")
    result = await create_post(gql, token, [media_id], caption=caption, place=place, **fields)
    post_id: str = result.ok()["createPost"]["id"]
    return post_id


async def _near(
    gql: GraphQLClient,
    *,
    at: tuple[float, float] = PARIS,
    radius: float | None = None,
    first: int = 20,
    after: str | None = None,
    token: str | None = None,
) -> dict[str, Any]:
    variables = {"lat": at[0], "lon": at[1], "r": radius, "first": first, "after": after}
    if radius is None:
        del variables["r"]
    connection: dict[str, Any] = (await gql(NEAR, variables, token=token)).ok()["postsNear"]
    return connection


def _captions(connection: dict[str, Any]) -> list[str]:
    return [edge["node"]["caption"] for edge in connection["edges"]]


async def test_a_post_carries_its_place(gql: GraphQLClient, run_jobs: RunJobs) -> None:
    token, _ = await gql.register("traveller")
    spot = {"name": "  Café   de Flore ", "latitude": 48.85405, "longitude": 2.33257}
    tagged = await _post(gql, token, "coffee", spot)
    named = await _post(gql, token, "home", {"name": "Home"}, location="My flat")
    await run_jobs()
    assert (await gql(POST, {"id": tagged}, token=token)).ok()["post"] == {
        "location": "Café de Flore",  # the place's name, when no location is given
        "place": {"name": "Café de Flore", "latitude": 48.85405, "longitude": 2.33257},
    }
    assert (await gql(POST, {"id": named}, token=token)).ok()["post"] == {
        "location": "My flat",
        "place": {"name": "Home", "latitude": None, "longitude": None},
    }


@pytest.mark.parametrize(
    ("place", "field"),
    [
        ({"name": "X", "latitude": 91, "longitude": 0}, "place.latitude"),
        ({"name": "X", "latitude": 0, "longitude": -180.5}, "place.longitude"),
        ({"name": "X", "latitude": 10}, "place.longitude"),
        ({"name": "X", "longitude": 10}, "place.latitude"),
        ({"name": " "}, "place.name"),
    ],
)
async def test_a_bad_place_is_bad_user_input(
    gql: GraphQLClient, deps: Deps, place: dict[str, Any], field: str
) -> None:
    token, _ = await gql.register("lost")
    media_id = await upload(gql, token, media_samples.jpeg(64, 64), "image/jpeg")
    result = await create_post(gql, token, [media_id], place=place)
    assert result.codes == ["BAD_USER_INPUT"]
    assert result.errors[0]["extensions"]["field"] == field
    assert await deps.db.fetchval("SELECT count(*) FROM places") == 0


async def test_posts_near_by_distance_newest_first_with_stable_cursors(
    gql: GraphQLClient, run_jobs: RunJobs
) -> None:
    token, _ = await gql.register("local")
    await _post(gql, token, "centre", {"name": "Hôtel de Ville", **_offset(0, 0)})
    await _post(gql, token, "3 km", {"name": "Bastille", **_offset(0, 3)})
    await _post(gql, token, "8 km", {"name": "Vincennes", **_offset(-2, 7.7)})
    await _post(gql, token, "60 km", {"name": "Meaux", **_offset(0, 60)})
    await _post(gql, token, "untagged", None)
    await _post(gql, token, "nameonly", {"name": "Paris"})
    await _post(gql, token, "4.9 km", {"name": "Edge", **_offset(4.9, 0)})
    await run_jobs()

    assert _captions(await _near(gql)) == ["4.9 km", "3 km", "centre"]  # default radius 5
    assert _captions(await _near(gql, radius=1)) == ["centre"]
    assert _captions(await _near(gql, radius=10)) == ["4.9 km", "8 km", "3 km", "centre"]
    assert _captions(await _near(gql, radius=50)) == ["4.9 km", "8 km", "3 km", "centre"]
    assert _captions(await _near(gql, at=(49.0, 3.2), radius=50)) == ["60 km"]

    # Page by page; a post arriving in between does not shift the later pages.
    first = await _near(gql, radius=10, first=2)
    assert _captions(first) == ["4.9 km", "8 km"] and first["pageInfo"]["hasNextPage"]
    await _post(gql, token, "newer", {"name": "Châtelet", **_offset(0.5, 0)})
    await run_jobs()
    second = await _near(gql, radius=10, first=2, after=first["pageInfo"]["endCursor"])
    assert _captions(second) == ["3 km", "centre"] and not second["pageInfo"]["hasNextPage"]
    assert _captions(await _near(gql, radius=10, first=1)) == ["newer"]


@pytest.mark.parametrize(
    ("variables", "field"),
    [
        ({"r": 50.01}, "radiusKm"),
        ({"r": 0}, "radiusKm"),
        ({"r": -3}, "radiusKm"),
        ({"lat": 90.1}, "latitude"),
        ({"lon": 181}, "longitude"),
        ({"first": 51}, "first"),
        ({"after": "bm90IGEgY3Vyc29y"}, "after"),
    ],
)
async def test_posts_near_refuses_bad_arguments(
    gql: GraphQLClient, variables: dict[str, Any], field: str
) -> None:
    result = await gql(NEAR, {"lat": PARIS[0], "lon": PARIS[1], **variables})
    assert result.codes == ["BAD_USER_INPUT"]
    assert result.errors[0]["extensions"]["field"] == field


async def test_posts_near_follows_the_visibility_policy(
    gql: GraphQLClient, run_jobs: RunJobs
) -> None:
    public, _ = await gql.register("public")
    private, private_id = await gql.register("private")
    follower, _ = await gql.register("follower")
    stranger, stranger_id = await gql.register("stranger")
    await gql("mutation { updateProfile(input: {isPrivate: true}) { id } }", token=private)
    await gql(
        "mutation($id: ID!) { follow(userId: $id) { status } }", {"id": private_id}, token=follower
    )
    requests = await gql("{ followRequests { edges { node { id } } } }", token=private)
    [request] = requests.ok()["followRequests"]["edges"]
    await gql(
        "mutation($id: ID!) { approveFollowRequest(userId: $id) { id } }",
        {"id": request["node"]["id"]},
        token=private,
    )
    spot = {"name": "Louvre", **_offset(1, -1)}
    await _post(gql, public, "public", spot)
    await _post(gql, private, "private", spot)
    deleted = await _post(gql, public, "deleted", spot)
    await run_jobs()
    await gql("mutation($id: ID!) { deletePost(id: $id) }", {"id": deleted}, token=public)

    assert _captions(await _near(gql)) == ["public"]  # anonymous
    assert _captions(await _near(gql, token=stranger)) == ["public"]
    assert _captions(await _near(gql, token=follower)) == ["private", "public"]
    assert _captions(await _near(gql, token=private)) == ["private", "public"]
    # A block either way hides the other's posts.
    await gql("mutation($id: ID!) { block(userId: $id) { id } }", {"id": stranger_id}, token=public)
    assert _captions(await _near(gql, token=stranger)) == []


async def test_gps_in_exif_never_fills_a_place(gql: GraphQLClient, run_jobs: RunJobs) -> None:
    token, _ = await gql.register("gps")
    # The sample's GPS points at the Eiffel Tower (48.8581 N, 2.2944 E).
    media_id = await upload(gql, token, media_samples.jpeg(200, 150, gps=True), "image/jpeg")
    post_id = (await create_post(gql, token, [media_id], caption="tower")).ok()["createPost"]["id"]
    await run_jobs()
    assert (await gql(POST, {"id": post_id}, token=token)).ok()["post"]["place"] is None
    assert _captions(await _near(gql, at=(48.8581, 2.2944), radius=2)) == []


async def _bulk_posts(deps: Deps, author_id: int, count: int) -> None:
    """Published, tagged posts scattered over France (rows as the media job leaves them)."""
    rnd = random.Random(11)
    rows = []
    for _ in range(count):
        lat, lon = rnd.uniform(43.0, 50.5), rnd.uniform(-1.5, 7.5)
        rows.append((author_id, lat, lon, geo.encode(lat, lon)))
    await deps.db.executemany(
        "INSERT INTO posts (author_id, status, published_at, latitude, longitude, geohash)"
        " VALUES ($1, 'published', now(), $2, $3, $4)",
        rows,
    )
    await deps.db.execute("ANALYZE posts")


@pytest.mark.parametrize("radius", [0.3, 5, 20, 50])
async def test_posts_near_reads_an_index_under_a_generic_plan(
    gql: GraphQLClient, deps: Deps, radius: float
) -> None:
    _, user_id = await gql.register("mapper")
    await _bulk_posts(deps, global_id.decode_as(user_id, "User", field="id"), 4000)
    precision, cells = geo.covering(*PARIS, radius)
    sql = places.near_sql(precision)
    async with deps.db.acquire() as conn:
        await conn.execute("SET plan_cache_mode = force_generic_plan")
        try:
            await conn.execute(
                f"PREPARE near (text[], bigint, float8, float8, float8, bigint, int) AS {sql}"
            )
            # EXECUTE takes values, not bind parameters (cells are [0-9a-z]: safe to quote).
            cell_list = ", ".join(f"'{c}'" for c in cells)
            values = f"ARRAY[{cell_list}]::text[], {places.NO_CURSOR}, {PARIS[0]}, {PARIS[1]}"
            execute = f"EXECUTE near ({values}, {radius}, NULL, 21)"
            plan = "\n".join(r[0] for r in await conn.fetch(f"EXPLAIN {execute}"))
            found = await conn.fetch(execute)
        finally:
            await conn.execute("DEALLOCATE near")
            await conn.execute("RESET plan_cache_mode")
    assert "(id < $2)" in plan, plan  # a generic plan: the parameters stay parameters
    assert f"posts_geocell{precision}_idx" in plan, plan
    assert "Seq Scan on posts" not in plan, plan
    # The same answer as the brute-force rule.
    expected = await deps.db.fetch(
        "SELECT id, latitude, longitude FROM posts WHERE geohash IS NOT NULL ORDER BY id DESC"
    )
    within = [
        r["id"]
        for r in expected
        if geo.haversine_km(*PARIS, r["latitude"], r["longitude"]) <= radius
    ]
    assert [r["id"] for r in found] == within[:21]


async def test_search_finds_places_by_prefix_most_used_first(
    gql: GraphQLClient, run_jobs: RunJobs
) -> None:
    token, _ = await gql.register("tagger")
    secret, _ = await gql.register("secret")
    await gql("mutation { updateProfile(input: {isPrivate: true}) { id } }", token=secret)
    louvre = {"name": "Louvre Museum", **_offset(1, -1)}
    lourdes = {"name": "Lourdes", "latitude": 43.0915, "longitude": -0.0457}
    for _ in range(3):
        await _post(gql, token, "art", louvre)
    await _post(gql, token, "pilgrims", lourdes)
    await _post(gql, token, "loud", {"name": "Loud Bar"})
    await _post(gql, secret, "hidden", {"name": "Lounge Secret", "latitude": 1.0, "longitude": 1.0})
    doomed = await _post(gql, token, "doomed", {"name": "Lousy Diner"})
    await run_jobs()
    await gql("mutation($id: ID!) { deletePost(id: $id) }", {"id": doomed}, token=token)

    result = (await gql(SEARCH, {"q": "LOU"}, token=token)).ok()["search"]["places"]
    # Most used first; a place only in private posts, or only in deleted ones, is never shown.
    assert [p["name"] for p in result] == ["Louvre Museum", "Loud Bar", "Lourdes"]
    assert result[0]["latitude"] == pytest.approx(louvre["latitude"])
    assert [p["name"] for p in (await gql(SEARCH, {"q": "lourdes"})).ok()["search"]["places"]] == [
        "Lourdes"
    ]
    assert (await gql(SEARCH, {"q": "lounge"}, token=secret)).ok()["search"]["places"] == []

    # The account goes public: its places count (and are found) from then on.
    await gql("mutation { updateProfile(input: {isPrivate: false}) { id } }", token=secret)
    found = (await gql(SEARCH, {"q": "lounge"})).ok()["search"]["places"]
    assert [p["name"] for p in found] == ["Lounge Secret"]


async def test_place_counts_follow_publish_delete_and_privacy(
    gql: GraphQLClient, run_jobs: RunJobs, deps: Deps
) -> None:
    token, _ = await gql.register("counter")
    spot = {"name": "Pont Neuf", **_offset(0.2, -0.6)}
    first = await _post(gql, token, "a", spot)
    await _post(gql, token, "b", spot)

    async def count() -> int:
        value: int = await deps.db.fetchval("SELECT post_count FROM places")
        return value

    assert await count() == 0  # still processing
    await run_jobs()
    assert await count() == 2
    await gql("mutation { updateProfile(input: {isPrivate: true}) { id } }", token=token)
    assert await count() == 0
    await gql("mutation { updateProfile(input: {isPrivate: false}) { id } }", token=token)
    assert await count() == 2
    await gql("mutation($id: ID!) { deletePost(id: $id) }", {"id": first}, token=token)
    assert await count() == 1
    await run_jobs()  # the clean-up purges the deleted post's row
    assert await count() == 1
    assert await deps.db.fetchval("SELECT count(*) FROM places") == 1


UPLOAD_POST = """mutation($file: Upload!, $place: PlaceInput) {
  uploadPost(file: $file, caption: "one go", place: $place) { id location place { name } }
}"""


async def _upload_post(gql: GraphQLClient, token: str, place: dict[str, Any]) -> dict[str, Any]:
    operations = {"query": UPLOAD_POST, "variables": {"file": None, "place": place}}
    response = await gql.http.post(
        "/graphql",
        data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.file"]})},
        files={"0": ("photo.jpg", media_samples.jpeg(320, 240), "image/jpeg")},
        headers={"Authorization": f"Bearer {token}"},
    )
    body: dict[str, Any] = response.json()
    return body


async def test_upload_post_takes_a_place(gql: GraphQLClient, run_jobs: RunJobs, deps: Deps) -> None:
    token, _ = await gql.register("oneshot")
    body = await _upload_post(gql, token, {"name": "Pont Neuf", **_offset(0.2, -0.6)})
    assert body["data"]["uploadPost"]["location"] == "Pont Neuf"
    assert body["data"]["uploadPost"]["place"] == {"name": "Pont Neuf"}
    await run_jobs()
    assert _captions(await _near(gql, radius=2)) == ["one go"]

    refused = await _upload_post(gql, token, {"name": "Nowhere", "latitude": 100, "longitude": 0})
    assert refused["errors"][0]["extensions"] == {
        "code": "BAD_USER_INPUT",
        "field": "place.latitude",
    }
    assert await deps.db.fetchval("SELECT count(*) FROM media") == 1  # nothing stored
