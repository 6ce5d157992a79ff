"""Attacks on media URLs: guessing a private user's variant URLs, and reusing upload URLs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from resolvers.deps import Deps
from storage import media
from storage.objects.base import IMMUTABLE_CACHE_CONTROL, original_key
from tests import media_samples
from tests.client import GraphQLClient, create_post, upload
from workers.rekey import rekey_legacy_media
from workers.renditions import process_media

RunJobs = Callable[[], Awaitable[int]]

GO_PRIVATE = "mutation($p: Boolean!) { updateProfile(input: {isPrivate: $p}) { isPrivate } }"
URLS = """query($id: ID!) { post(id: $id) { media { url videoUrl variants { size url } } } }"""
DELETE = "mutation($id: ID!) { deletePost(id: $id) }"
SIZES = ("thumbnail", "small", "feed", "full")


async def _published(gql: GraphQLClient, run_jobs: RunJobs, token: str) -> tuple[str, str]:
    """(post id, media id) of a new published photo post."""
    media_id = await upload(gql, token, media_samples.jpeg(1200, 900), "image/jpeg")
    post_id = (await create_post(gql, token, [media_id])).ok()["createPost"]["id"]
    assert await run_jobs() == 2
    return str(post_id), media_id


async def _variant_urls(gql: GraphQLClient, post_id: str, token: str) -> list[str]:
    post = (await gql(URLS, {"id": post_id}, token=token)).ok()["post"]
    return [v["url"] for v in post["media"][0]["variants"]]


async def test_private_photo_cannot_be_found_from_its_id(
    gql: GraphQLClient, run_jobs: RunJobs, deps: Deps
) -> None:
    owner, _ = await gql.register("hidden")
    await gql(GO_PRIVATE, {"p": True}, token=owner)
    post_id, _ = await _published(gql, run_jobs, owner)
    raw_id, secret = await deps.db.fetchrow("SELECT id, key_secret FROM media")
    assert len(secret) == 32 and int(secret, 16) >= 0  # 128 bits, hex

    # What an attacker who bracketed the id tries: the old layout, and anything under the id.
    wrong_secret = ("0" if secret[0] != "0" else "1") + secret[1:]
    guesses = [f"/media/{raw_id}/{size}.webp" for size in SIZES] + [
        f"/media/{raw_id}/",
        f"/media/{raw_id}/{wrong_secret}/feed.webp",
        f"/media/{raw_id}/video.mp4",
    ]
    for guess in guesses:
        for method in ("HEAD", "GET"):
            response = await gql.http.request(method, guess)
            assert response.status_code == 404, (method, guess)

    # The owner's URLs carry the secret and serve the photo.
    urls = await _variant_urls(gql, post_id, owner)
    assert urls == [f"http://snapfeed.test/media/{raw_id}/{secret}/{s}.webp" for s in SIZES]
    for url in urls:
        response = await gql.http.get(url)
        assert response.status_code == 200
        assert response.headers["cache-control"] == IMMUTABLE_CACHE_CONTROL

    # Going public later shows strangers the very same (immutable, cached) URLs.
    await gql(GO_PRIVATE, {"p": False}, token=owner)
    stranger, _ = await gql.register("stranger")
    assert await _variant_urls(gql, post_id, stranger) == urls


async def test_each_media_has_its_own_secret_and_reprocessing_keeps_the_keys(
    gql: GraphQLClient, run_jobs: RunJobs, deps: Deps
) -> None:
    token, _ = await gql.register("twice")
    await _published(gql, run_jobs, token)
    await _published(gql, run_jobs, token)
    rows = await deps.db.fetch("SELECT id FROM media ORDER BY id")
    first, second = await media.by_ids(deps.db, [r["id"] for r in rows])
    assert first.key_secret != second.key_secret
    assert all(first.key_secret in v.key for v in first.variants)
    keys_before = [k async for k in deps.objects.iter_keys("media/")]

    # A re-run job (after a crash, or by the reconciler) writes the very same keys.
    await process_media(deps, first)
    [again] = await media.by_ids(deps.db, [first.id])
    assert again.variants == first.variants and again.key_secret == first.key_secret
    assert [k async for k in deps.objects.iter_keys("media/")] == keys_before


async def test_variants_of_earlier_versions_move_to_unguessable_keys(
    gql: GraphQLClient, run_jobs: RunJobs, deps: Deps, tmp_path: Any
) -> None:
    token, _ = await gql.register("veteran")
    post_id, _ = await _published(gql, run_jobs, token)
    [row] = await media.by_ids(deps.db, [int(await deps.db.fetchval("SELECT id FROM media"))])
    # Put the post back as a version without key secrets left it.
    legacy = []
    for variant in row.variants:
        old_key = f"media/{row.id}/{variant.size.lower()}.webp"
        await deps.objects.download(variant.key, tmp_path / "v")
        await deps.objects.put_file(old_key, tmp_path / "v", content_type=variant.content_type)
        await deps.objects.delete([variant.key])
        legacy.append({**variant.to_json(), "key": old_key})
    # (Media then had no rendition: de-duplication came later.)
    await deps.db.execute(
        "UPDATE media SET variants = $1, rendition_id = NULL WHERE id = $2", legacy, row.id
    )
    await deps.db.execute("DELETE FROM media_renditions")
    old_url = f"/media/{row.id}/feed.webp"
    assert (await gql.http.get(old_url)).status_code == 200

    ctx = {"deps": deps}
    assert await rekey_legacy_media(ctx) == 1
    assert await rekey_legacy_media(ctx) == 0  # nothing left to move
    assert (await gql.http.get(old_url)).status_code == 404
    urls = await _variant_urls(gql, post_id, token)
    assert all(f"/media/{row.id}/{row.key_secret}/" in url for url in urls)
    for url in urls:
        assert (await gql.http.get(url)).status_code == 200
    keys = [k async for k in deps.objects.iter_keys("media/")]
    assert keys == sorted(f"media/{row.id}/{row.key_secret}/{s}.webp" for s in SIZES)


async def _ticket(gql: GraphQLClient, token: str, data: bytes) -> dict[str, Any]:
    result = await gql(
        """mutation($n: Int!) { createUpload(input: {contentType: "image/jpeg", byteSize: $n}) {
             media { id } uploadUrl uploadHeaders { name value } } }""",
        {"n": len(data)},
        token=token,
    )
    ticket: dict[str, Any] = result.ok()["createUpload"]
    return ticket


async def _put(gql: GraphQLClient, ticket: dict[str, Any], data: bytes) -> int:
    headers = {h["name"]: h["value"] for h in ticket["uploadHeaders"]}
    response = await gql.http.put(ticket["uploadUrl"], content=data, headers=headers)
    return response.status_code


async def test_upload_url_cannot_overwrite_a_published_original(
    gql: GraphQLClient, run_jobs: RunJobs, deps: Deps
) -> None:
    token, _ = await gql.register("publisher")
    photo = media_samples.jpeg(400, 300)
    swap = media_samples.jpeg(400, 300, color=(0, 0, 0))
    ticket = await _ticket(gql, token, photo)
    assert await _put(gql, ticket, photo) == 200
    assert await _put(gql, ticket, swap) == 409  # used once already
    post_id = (await create_post(gql, token, [ticket["media"]["id"]])).ok()["createPost"]["id"]
    assert await _put(gql, ticket, swap) == 409  # attached to a post
    await run_jobs()
    assert await _put(gql, ticket, swap) == 409  # processed and published
    raw_id = int(await deps.db.fetchval("SELECT id FROM media"))
    assert deps.objects.file_path(original_key(raw_id)).read_bytes() == photo  # type: ignore[attr-defined]
    assert (await gql(URLS, {"id": post_id}, token=token)).ok()["post"]["media"][0]["url"]


async def test_upload_url_cannot_recreate_a_deleted_original(
    gql: GraphQLClient, run_jobs: RunJobs, deps: Deps
) -> None:
    token, _ = await gql.register("regretful")
    photo = media_samples.jpeg(400, 300)
    ticket = await _ticket(gql, token, photo)
    assert await _put(gql, ticket, photo) == 200
    post_id = (await create_post(gql, token, [ticket["media"]["id"]])).ok()["createPost"]["id"]
    await run_jobs()
    assert (await gql(DELETE, {"id": post_id}, token=token)).ok() == {"deletePost": True}
    await run_jobs()
    assert [k async for k in deps.objects.iter_keys("")] == []

    # The URL has not expired, but its media is gone: nothing may be stored any more.
    assert await _put(gql, ticket, photo) == 410
    assert [k async for k in deps.objects.iter_keys("")] == []


async def test_upload_url_of_a_story_or_an_unused_upload(gql: GraphQLClient, deps: Deps) -> None:
    token, _ = await gql.register("storyteller")
    photo = media_samples.jpeg(400, 300)
    ticket = await _ticket(gql, token, photo)
    assert await _put(gql, ticket, photo) == 200
    share = "mutation($m: ID!) { createStory(mediaId: $m) { id } }"
    (await gql(share, {"m": ticket["media"]["id"]}, token=token)).ok()
    raw_id = int(await deps.db.fetchval("SELECT id FROM media"))
    deps.objects.file_path(original_key(raw_id)).unlink()  # type: ignore[attr-defined]
    assert await _put(gql, ticket, photo) == 409  # claimed by the story, even with no file

    never_used = await _ticket(gql, token, photo)
    await deps.db.execute("DELETE FROM media WHERE post_id IS NULL AND status = 'pending'")
    assert await _put(gql, never_used, photo) == 410  # purged as abandoned
