"""The media pipeline end to end on the local-disk backend: HTTP upload, real worker."""

from __future__ import annotations

import io
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from resolvers.deps import Deps
from tests import media_samples
from tests.client import GraphQLClient, create_post, upload

RunJobs = Callable[[], Awaitable[int]]

POST = """query($id: ID!) { post(id: $id) {
  id status caption hashtags location failureReason likeCount commentCount
  author { username postCount }
  media {
    id kind status width height blurhash url thumb: url(size: THUMBNAIL) failureReason
    variants { size url width height contentType }
  }
} }"""


async def _post(gql: GraphQLClient, post_id: str, token: str | None = None) -> Any:
    return (await gql(POST, {"id": post_id}, token=token)).ok()["post"]


async def _publish(gql: GraphQLClient, token: str, *images: bytes, **fields: Any) -> str:
    media_ids = [await upload(gql, token, data, "image/jpeg") for data in images]
    created = (await create_post(gql, token, media_ids, **fields)).ok()["createPost"]
    return str(created["id"])


async def test_photo_goes_from_upload_to_published_with_variants(
    gql: GraphQLClient, run_jobs: RunJobs
) -> None:
    token, _ = await gql.register("photographer")
    media_id = await upload(gql, token, media_samples.jpeg(1600, 1200, gps=True), "image/jpeg")
    created = await create_post(
        gql, token, [media_id], caption="Sunset at #Beach with #beach #SUN", location=" Nice "
    )
    post = created.ok()["createPost"]
    # Returned at once, before any image work.
    assert post["status"] == "PROCESSING"
    assert post["hashtags"] == ["beach", "sun"]
    assert post["location"] == "Nice"
    pending = await _post(gql, post["id"], token)
    assert pending["media"][0]["status"] == "PROCESSING" and pending["media"][0]["url"] is None

    assert await run_jobs() == 2  # processing, then fan-out of the published post
    done = await _post(gql, post["id"], token)
    assert done["status"] == "PUBLISHED"
    assert done["author"]["postCount"] == 1
    [item] = done["media"]
    assert (item["kind"], item["status"], item["width"], item["height"]) == (
        "PHOTO", "READY", 1600, 1200,
    )  # fmt: skip
    assert item["blurhash"] and len(item["blurhash"]) == 28  # 4x3 components
    sizes = [(v["size"], v["width"], v["height"]) for v in item["variants"]]
    assert sizes == [
        ("THUMBNAIL", 150, 113),
        ("SMALL", 320, 240),
        ("FEED", 640, 480),
        ("FULL", 1080, 810),
    ]
    assert item["url"] == item["variants"][2]["url"]
    assert item["thumb"] == item["variants"][0]["url"]
    for variant in item["variants"]:
        assert variant["contentType"] == "image/webp"
        assert variant["url"].startswith("http://snapfeed.test/media/")
        response = await gql.http.get(variant["url"])
        assert response.status_code == 200
        assert response.headers["content-type"] == "image/webp"
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert response.headers["etag"]
        image = Image.open(io.BytesIO(response.content))
        assert image.format == "WEBP"
        assert image.size == (variant["width"], variant["height"])
        assert not image.getexif() and "exif" not in image.info
        # The ETag lets browsers and CDNs revalidate without the body.
        again = await gql.http.get(
            variant["url"], headers={"if-none-match": response.headers["etag"]}
        )
        assert again.status_code == 304


async def test_orientation_applied_and_small_images_never_upscaled(
    gql: GraphQLClient, run_jobs: RunJobs
) -> None:
    token, _ = await gql.register("rotator")
    # Stored landscape 400x300, displayed portrait (orientation 6 = rotate 90°).
    post_id = await _publish(gql, token, media_samples.jpeg(400, 300, orientation=6))
    await run_jobs()
    [item] = (await _post(gql, post_id, token))["media"]
    assert (item["width"], item["height"]) == (300, 400)
    widths = [v["width"] for v in item["variants"]]
    assert widths == [150, 300, 300, 300]
    assert max(widths) <= 300


async def test_png_and_heic_are_accepted(gql: GraphQLClient, run_jobs: RunJobs) -> None:
    token, _ = await gql.register("iphone")
    heic = await upload(gql, token, media_samples.heic(800, 600), "image/heic")
    png = await upload(gql, token, media_samples.png(700, 500), "image/png")
    post_id = (await create_post(gql, token, [heic, png])).ok()["createPost"]["id"]
    await run_jobs()
    post = await _post(gql, post_id, token)
    assert post["status"] == "PUBLISHED"
    assert [(m["width"], m["height"]) for m in post["media"]] == [(800, 600), (700, 500)]


async def test_non_image_bytes_fail_the_post_cleanly(
    gql: GraphQLClient, run_jobs: RunJobs, deps: Deps
) -> None:
    token, _ = await gql.register("prankster")
    good = await upload(gql, token, media_samples.jpeg(600, 400), "image/jpeg")
    bad = await upload(gql, token, b"this is not an image at all" * 10, "image/jpeg")
    post_id = (await create_post(gql, token, [good, bad])).ok()["createPost"]["id"]
    await run_jobs()
    post = await _post(gql, post_id, token)
    assert post["status"] == "FAILED"
    assert post["failureReason"]
    assert [m["status"] for m in post["media"]] == ["FAILED", "FAILED"]
    assert all(m["variants"] == [] for m in post["media"])
    assert post["author"]["postCount"] == 0
    # Nothing half-written: no variant of either media is left behind.
    assert [k async for k in deps.objects.iter_keys("media/")] == []
    # Others never see a failed post, nor its reason.
    stranger, _ = await gql.register("stranger")
    assert await _post(gql, post_id, stranger) is None


@pytest.mark.parametrize(
    ("content_type", "size", "code"),
    [
        ("image/jpeg", 31 * 2**20, "PAYLOAD_TOO_LARGE"),
        ("video/mp4", 201 * 2**20, "PAYLOAD_TOO_LARGE"),
        ("image/gif", 1000, "BAD_USER_INPUT"),
        ("application/pdf", 1000, "BAD_USER_INPUT"),
        ("image/jpeg", 0, "BAD_USER_INPUT"),
    ],
)
async def test_create_upload_validates_type_and_size(
    gql: GraphQLClient, content_type: str, size: int, code: str
) -> None:
    token, _ = await gql.register("uploader")
    result = await gql(
        """mutation($input: CreateUploadInput!) { createUpload(input: $input) { uploadUrl } }""",
        {"input": {"contentType": content_type, "byteSize": size}},
        token=token,
    )
    assert result.codes == [code]


async def _ticket(gql: GraphQLClient, token: str, size: int) -> dict[str, Any]:
    result = await gql(
        """mutation($input: CreateUploadInput!) {
          createUpload(input: $input) { media { id } uploadUrl uploadHeaders { name value } }
        }""",
        {"input": {"contentType": "image/jpeg", "byteSize": size}},
        token=token,
    )
    ticket: dict[str, Any] = result.ok()["createUpload"]
    return ticket


async def test_upload_url_refuses_more_bytes_wrong_type_and_tampering(
    gql: GraphQLClient, deps: Deps
) -> None:
    token, _ = await gql.register("cheater")
    ticket = await _ticket(gql, token, 1000)
    url = ticket["uploadUrl"]
    too_big = await gql.http.put(url, content=b"x" * 1001, headers={"content-type": "image/jpeg"})
    assert too_big.status_code == 413
    wrong_type = await gql.http.put(url, content=b"x" * 10, headers={"content-type": "image/png"})
    assert wrong_type.status_code == 415
    tampered = await gql.http.put(
        url[:-3] + "abc", content=b"x", headers={"content-type": "image/jpeg"}
    )
    assert tampered.status_code == 403
    assert [k async for k in deps.objects.iter_keys("originals/")] == []
    # Not uploaded yet, so it cannot be posted.
    result = await create_post(gql, token, [ticket["media"]["id"]])
    assert result.codes == ["BAD_USER_INPUT"]


async def test_expired_upload_url_is_refused(
    gql: GraphQLClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    token, _ = await gql.register("latecomer")
    ticket = await _ticket(gql, token, 10)
    later = time.time() + 901
    monkeypatch.setattr("server.media_routes.time.time", lambda: later)
    response = await gql.http.put(
        ticket["uploadUrl"], content=b"x" * 10, headers={"content-type": "image/jpeg"}
    )
    assert response.status_code == 403


async def test_media_rules_not_found_conflict(gql: GraphQLClient) -> None:
    alice, _ = await gql.register("alice")
    bob, _ = await gql.register("bob")
    alices = await upload(gql, alice, media_samples.jpeg(300, 300), "image/jpeg")
    # Someone else's media looks missing: its existence is not bob's to learn.
    assert (await create_post(gql, bob, [alices])).codes == ["NOT_FOUND"]
    missing = "TWVkaWE6OTk5OTk5OTk"  # Media:99999999
    assert (await create_post(gql, alice, [missing])).codes == ["NOT_FOUND"]
    assert (await create_post(gql, alice, ["not-an-id"])).codes == ["BAD_USER_INPUT"]
    assert (await create_post(gql, alice, [alices, alices])).codes == ["BAD_USER_INPUT"]
    assert (await create_post(gql, alice, [])).codes == ["BAD_USER_INPUT"]
    too_long = await create_post(gql, alice, [alices], caption="x" * 2201)
    assert too_long.codes == ["BAD_USER_INPUT"]
    (await create_post(gql, alice, [alices])).ok()
    assert (await create_post(gql, alice, [alices])).codes == ["CONFLICT"]
    assert (await create_post(gql, None or "", [alices])).codes == ["UNAUTHENTICATED"]


async def test_idempotency_key_returns_the_same_post(gql: GraphQLClient, deps: Deps) -> None:
    token, _ = await gql.register("retrier")
    media_id = await upload(gql, token, media_samples.jpeg(300, 300), "image/jpeg")
    first = (await create_post(gql, token, [media_id], idempotencyKey="k-1")).ok()["createPost"]
    again = (await create_post(gql, token, [media_id], idempotencyKey="k-1")).ok()["createPost"]
    assert again["id"] == first["id"]
    assert await deps.db.fetchval("SELECT count(*) FROM posts") == 1


async def test_carousel_of_ten_keeps_its_order_and_eleven_is_refused(
    gql: GraphQLClient, run_jobs: RunJobs
) -> None:
    token, _ = await gql.register("carousel")
    ids = [
        await upload(gql, token, media_samples.jpeg(200 + i * 10, 200), "image/jpeg")
        for i in range(11)
    ]
    assert (await create_post(gql, token, ids)).codes == ["BAD_USER_INPUT"]
    post_id = (await create_post(gql, token, ids[:10])).ok()["createPost"]["id"]
    await run_jobs()
    post = await _post(gql, post_id, token)
    assert post["status"] == "PUBLISHED"
    assert [m["id"] for m in post["media"]] == ids[:10]
    assert [m["width"] for m in post["media"]] == [200 + i * 10 for i in range(10)]


async def test_rerun_after_a_crash_leaves_one_set_of_rows(
    gql: GraphQLClient, run_jobs: RunJobs, deps: Deps
) -> None:
    from storage import media
    from workers.media import process_post
    from workers.renditions import process_media

    token, _ = await gql.register("crashy")
    post_id = await _publish(gql, token, media_samples.jpeg(500, 400), media_samples.jpeg(450, 400))
    row_id = int(await deps.db.fetchval("SELECT id FROM posts"))
    # The worker died after finishing the first media: its variants and row are written.
    [first, _second] = await media.by_post_ids(deps.db, [row_id])
    await process_media(deps, first)
    keys_before = [k async for k in deps.objects.iter_keys("media/")]
    assert len(keys_before) == 4

    assert await process_post({"deps": deps, "job_try": 1}, row_id) == "published"
    assert await process_post({"deps": deps, "job_try": 1}, row_id) == "published"
    await run_jobs()  # the original job, still queued, finds nothing left to do
    keys = [k async for k in deps.objects.iter_keys("media/")]
    assert len(keys) == 8 and set(keys_before) <= set(keys)
    assert await deps.db.fetchval("SELECT count(*) FROM media") == 2
    assert await deps.db.fetchval("SELECT post_count FROM users") == 1
    post = await _post(gql, post_id, token)
    assert [len(m["variants"]) for m in post["media"]] == [4, 4]


async def test_transient_failures_are_retried(
    gql: GraphQLClient, deps: Deps, monkeypatch: pytest.MonkeyPatch
) -> None:
    from arq import Retry

    from workers.media import process_post

    token, _ = await gql.register("flaky")
    await _publish(gql, token, media_samples.jpeg(300, 300))
    row_id = int(await deps.db.fetchval("SELECT id FROM posts"))

    async def unavailable(*_args: object, **_kwargs: object) -> None:
        raise ConnectionError("object store unavailable")

    monkeypatch.setattr(deps.objects, "put", unavailable)
    with pytest.raises(Retry):
        await process_post({"deps": deps, "job_try": 1}, row_id)
    assert await deps.db.fetchval("SELECT status FROM posts") == "processing"
    # Out of retries: the post fails with a reason instead of hanging in PROCESSING.
    assert await process_post({"deps": deps, "job_try": 99}, row_id) == "failed"
    assert await deps.db.fetchval("SELECT status FROM posts") == "failed"


async def test_reconciler_requeues_stuck_posts(
    gql: GraphQLClient, run_jobs: RunJobs, deps: Deps
) -> None:
    from workers.media import reconcile_stuck_posts

    token, _ = await gql.register("stuck")
    post_id = await _publish(gql, token, media_samples.jpeg(300, 300))
    await deps.redis.flushdb()  # the job was lost
    ctx = {"deps": deps}
    assert await reconcile_stuck_posts(ctx) == 0  # too young to be called stuck
    await deps.db.execute("UPDATE posts SET created_at = now() - interval '10 minutes'")
    assert await reconcile_stuck_posts(ctx) == 1
    assert await reconcile_stuck_posts(ctx) == 0  # already queued: not doubled
    assert await run_jobs() == 2  # processing, then fan-out
    assert (await _post(gql, post_id, token))["status"] == "PUBLISHED"


async def test_upload_post_multipart(gql: GraphQLClient, run_jobs: RunJobs) -> None:
    import json

    token, _ = await gql.register("simple")
    operations = {
        "query": "mutation($file: Upload!, $c: String) { uploadPost(file: $file, caption: $c)"
        " { id status caption } }",
        "variables": {"file": None, "c": "one request #easy"},
    }
    response = await gql.http.post(
        "/graphql",
        data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.file"]})},
        files={"0": ("photo.jpg", media_samples.jpeg(640, 480), "image/jpeg")},
        headers={"Authorization": f"Bearer {token}"},
    )
    body = response.json()
    assert "errors" not in body, body
    post = body["data"]["uploadPost"]
    assert post["status"] == "PROCESSING"
    await run_jobs()
    done = await _post(gql, post["id"], token)
    assert done["status"] == "PUBLISHED" and done["hashtags"] == ["easy"]
    assert done["media"][0]["width"] == 640


async def test_delete_post(gql: GraphQLClient, run_jobs: RunJobs, deps: Deps) -> None:
    token, _ = await gql.register("deleter")
    other, _ = await gql.register("other")
    post_id = await _publish(gql, token, media_samples.jpeg(300, 300))
    await run_jobs()
    delete = "mutation($id: ID!) { deletePost(id: $id) }"
    assert (await gql(delete, {"id": post_id}, token=other)).codes == ["FORBIDDEN"]
    assert (await gql(delete, {"id": post_id}, token=token)).ok() == {"deletePost": True}
    # Gone from reads at once, objects removed in the background.
    assert await _post(gql, post_id, token) is None
    assert (await gql("{ viewer { postCount } }", token=token)).ok()["viewer"]["postCount"] == 0
    assert (await gql(delete, {"id": post_id}, token=token)).codes == ["NOT_FOUND"]
    await run_jobs()
    assert [k async for k in deps.objects.iter_keys("")] == []
    assert await deps.db.fetchval("SELECT count(*) FROM media") == 0


async def test_private_authors_posts_are_hidden_from_strangers(
    gql: GraphQLClient, run_jobs: RunJobs
) -> None:
    owner, _ = await gql.register("secretive")
    await gql("mutation { updateProfile(input: {isPrivate: true}) { id } }", token=owner)
    post_id = await _publish(gql, owner, media_samples.jpeg(300, 300))
    await run_jobs()
    stranger, _ = await gql.register("nosy")
    assert await _post(gql, post_id, stranger) is None
    node = await gql("query($id: ID!) { node(id: $id) { id } }", {"id": post_id}, token=stranger)
    assert node.ok() == {"node": None}
    assert (await _post(gql, post_id, owner))["status"] == "PUBLISHED"


async def test_video_gets_an_mp4_and_a_poster(
    gql: GraphQLClient, run_jobs: RunJobs, tmp_path: Path
) -> None:
    token, _ = await gql.register("filmmaker")
    media_id = await upload(gql, token, media_samples.mp4(tmp_path / "in.mp4"), "video/mp4")
    post_id = (await create_post(gql, token, [media_id])).ok()["createPost"]["id"]
    await run_jobs()
    result = await gql(
        """query($id: ID!) { post(id: $id) { status media {
             kind status width height durationMs videoUrl url variants { size width } } } }""",
        {"id": post_id},
        token=token,
    )
    post = result.ok()["post"]
    assert post["status"] == "PUBLISHED"
    [item] = post["media"]
    assert item["kind"] == "VIDEO" and item["status"] == "READY"
    assert item["height"] <= 720 and 1500 <= item["durationMs"] <= 2500
    assert [v["size"] for v in item["variants"]] == ["THUMBNAIL", "SMALL", "FEED", "FULL"]
    video = await gql.http.get(item["videoUrl"])
    assert video.status_code == 200 and video.headers["content-type"] == "video/mp4"
    assert video.content.index(b"moov") < video.content.index(b"mdat")  # +faststart
