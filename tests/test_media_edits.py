"""Filters and crops end to end: createPost and uploadPost, the real worker, the variants."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from io import BytesIO
from typing import Any

import pytest
from PIL import Image, ImageChops, ImageStat

from resolvers.deps import Deps
from schema import global_id
from storage.objects.base import original_key
from tests import media_samples
from tests.client import GraphQLClient, create_post, upload

RunJobs = Callable[[], Awaitable[int]]

POST = """query($id: ID!) { post(id: $id) {
  status failureReason
  media { id status filter width height variants { size url width height } }
} }"""


async def _post(gql: GraphQLClient, post_id: str, token: str) -> Any:
    return (await gql(POST, {"id": post_id}, token=token)).ok()["post"]


async def _image(gql: GraphQLClient, url: str) -> Image.Image:
    response = await gql.http.get(url)
    assert response.status_code == 200
    return Image.open(BytesIO(response.content)).convert("RGB")


def _greyness(image: Image.Image) -> float:
    r, g, b = image.split()
    return max(
        ImageStat.Stat(ImageChops.difference(r, g)).mean[0],
        ImageStat.Stat(ImageChops.difference(g, b)).mean[0],
    )


async def test_filter_and_crop_reach_every_variant_not_the_original(
    gql: GraphQLClient, run_jobs: RunJobs, deps: Deps
) -> None:
    token, _ = await gql.register("editor")
    original = media_samples.jpeg(1600, 1200)
    edited = await upload(gql, token, original, "image/jpeg")
    plain = await upload(gql, token, media_samples.jpeg(800, 600), "image/jpeg")
    created = await create_post(
        gql,
        token,
        [plain, edited],
        edits=[
            # The top-left square, 1200 x 1200 once cropped, in black and white.
            {
                "mediaId": edited,
                "filter": "MOON",
                "crop": {"x": 0, "y": 0, "width": 0.75, "height": 1},
            }
        ],
    )
    post_id = created.ok()["createPost"]["id"]
    await run_jobs()

    post = await _post(gql, post_id, token)
    assert post["status"] == "PUBLISHED"
    first, second = post["media"]
    assert (first["filter"], first["width"], first["height"]) == ("NONE", 800, 600)
    assert (second["filter"], second["width"], second["height"]) == ("MOON", 1200, 1200)
    assert [(v["width"], v["height"]) for v in second["variants"]] == [
        (150, 150), (320, 320), (640, 640), (1080, 1080),
    ]  # fmt: skip
    for variant in second["variants"]:
        assert _greyness(await _image(gql, variant["url"])) < 2
    assert _greyness(await _image(gql, first["variants"][0]["url"])) > 20

    # The original is kept exactly as uploaded.
    media_id = global_id.decode_as(edited, "Media", field="id")
    stored = deps.settings.media_root / original_key(media_id)
    assert stored.read_bytes() == original


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        ({"crop": {"x": 0, "y": 0, "width": 0.3, "height": 1}}, "edits[0].crop"),  # 2:5
        ({"crop": {"x": 0, "y": 0, "width": 1, "height": 0.3}}, "edits[0].crop"),  # 5:1
        ({"crop": {"x": 0.5, "y": 0, "width": 0.6, "height": 0.6}}, "edits[0].crop"),  # outside
        ({"crop": {"x": -0.1, "y": 0, "width": 0.5, "height": 0.5}}, "edits[0].crop"),
    ],
)
async def test_a_bad_crop_is_bad_user_input_naming_the_field(
    gql: GraphQLClient, deps: Deps, edit: dict[str, Any], field: str
) -> None:
    token, _ = await gql.register("cropper")
    media_id = await upload(gql, token, media_samples.jpeg(1200, 1200), "image/jpeg")
    result = await create_post(gql, token, [media_id], edits=[{"mediaId": media_id, **edit}])
    assert result.codes == ["BAD_USER_INPUT"]
    assert result.errors[0]["extensions"]["field"] == field
    # Nothing was created, and the media is still free to use.
    assert await deps.db.fetchval("SELECT count(*) FROM posts") == 0
    assert (await create_post(gql, token, [media_id])).ok()


async def test_a_crop_is_checked_against_the_upright_photo(gql: GraphQLClient) -> None:
    token, _ = await gql.register("sideways")
    # Stored 1600 x 900 (16:9) but upright 900 x 1600: the whole frame is too tall a crop.
    media_id = await upload(gql, token, media_samples.jpeg(1600, 900, orientation=6), "image/jpeg")
    whole = {"x": 0, "y": 0, "width": 1, "height": 1}
    result = await create_post(gql, token, [media_id], edits=[{"mediaId": media_id, "crop": whole}])
    assert result.codes == ["BAD_USER_INPUT"]
    assert "aspect ratio 0.562" in result.errors[0]["message"]
    half = {"x": 0, "y": 0, "width": 1, "height": 0.5}  # 900 x 800 upright
    assert (
        await create_post(gql, token, [media_id], edits=[{"mediaId": media_id, "crop": half}])
    ).ok()


async def test_edits_name_the_posts_media_once_and_photos_only(gql: GraphQLClient) -> None:
    token, _ = await gql.register("strict")
    photo = await upload(gql, token, media_samples.jpeg(400, 400), "image/jpeg")
    other = await upload(gql, token, media_samples.jpeg(400, 400), "image/jpeg")
    twice = await create_post(
        gql, token, [photo], edits=[{"mediaId": photo}, {"mediaId": photo, "filter": "JUNO"}]
    )
    assert twice.codes == ["BAD_USER_INPUT"]
    assert twice.errors[0]["extensions"]["field"] == "edits[1].mediaId"
    stranger = await create_post(gql, token, [photo], edits=[{"mediaId": other}])
    assert stranger.errors[0]["extensions"]["field"] == "edits[0].mediaId"
    not_media = await create_post(gql, token, [photo], edits=[{"mediaId": "nonsense"}])
    assert not_media.errors[0]["extensions"]["field"] == "edits[0].mediaId"

    ticket = await gql(
        """mutation { createUpload(input: {contentType: "video/mp4", byteSize: 1000}) {
             media { id } } }""",
        token=token,
    )
    video = ticket.ok()["createUpload"]["media"]["id"]
    for edit in ({"filter": "LARK"}, {"crop": {"x": 0, "y": 0, "width": 1, "height": 1}}):
        refused = await create_post(gql, token, [video], edits=[{"mediaId": video, **edit}])
        assert refused.codes == ["BAD_USER_INPUT"]
        assert refused.errors[0]["extensions"]["field"] == "edits[0]"
        assert "Only photos" in refused.errors[0]["message"]


@pytest.mark.parametrize("orientation", [None, 6])
async def test_a_heic_crop_is_checked_against_its_upright_size_at_create_post(
    gql: GraphQLClient, run_jobs: RunJobs, deps: Deps, orientation: int | None
) -> None:
    """A phone's HEIC: its size (and rotation) read from the meta box, before any post is made."""
    token, _ = await gql.register("heic")
    data = media_samples.heic(800, 600, orientation=orientation)
    upright = (600, 800) if orientation == 6 else (800, 600)
    media_id = await upload(gql, token, data, "image/heic")
    # The top half and the whole: upright 600 x 800, the whole is taller than 4:5; upright
    # 800 x 600, the half is wider than 1.91:1. Read unrotated, both answers would swap.
    half = {"x": 0, "y": 0, "width": 1, "height": 0.5}
    whole = {"x": 0, "y": 0, "width": 1, "height": 1}
    bad, good = (whole, half) if orientation == 6 else (half, whole)
    refused = await create_post(gql, token, [media_id], edits=[{"mediaId": media_id, "crop": bad}])
    assert refused.codes == ["BAD_USER_INPUT"]
    assert refused.errors[0]["extensions"]["field"] == "edits[0].crop"
    assert "aspect ratio" in refused.errors[0]["message"]
    assert await deps.db.fetchval("SELECT count(*) FROM posts") == 0

    created = await create_post(gql, token, [media_id], edits=[{"mediaId": media_id, "crop": good}])
    post_id = created.ok()["createPost"]["id"]
    await run_jobs()
    post = await _post(gql, post_id, token)
    assert post["status"] == "PUBLISHED"
    [item] = post["media"]
    assert (item["width"], item["height"]) == (upright[0], int(upright[1] * good["height"]))


async def test_the_worker_fails_a_crop_it_could_not_check_before(
    gql: GraphQLClient, run_jobs: RunJobs
) -> None:
    """A size past the first bytes the API reads: the worker checks and fails the post with why."""
    token, _ = await gql.register("late")
    data = media_samples.jpeg_with_late_header(800, 800)
    media_id = await upload(gql, token, data, "image/jpeg")
    tall = {"x": 0, "y": 0, "width": 0.5, "height": 1}
    created = await create_post(gql, token, [media_id], edits=[{"mediaId": media_id, "crop": tall}])
    post_id = created.ok()["createPost"]["id"]
    await run_jobs()
    post = await _post(gql, post_id, token)
    assert post["status"] == "FAILED"
    assert "crop" in post["failureReason"] and "aspect ratio" in post["failureReason"]


UPLOAD_POST = """mutation(
  $file: Upload!, $filter: PhotoFilter, $crop: CropInput, $location: String
) {
  uploadPost(file: $file, caption: "one go", filter: $filter, crop: $crop, location: $location) {
    id location media { filter }
  }
}"""


async def _upload_post(
    gql: GraphQLClient, token: str, data: bytes, content_type: str, **variables: Any
) -> dict[str, Any]:
    operations = {"query": UPLOAD_POST, "variables": {"file": None, **variables}}
    response = await gql.http.post(
        "/graphql",
        data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.file"]})},
        files={"0": ("upload", data, content_type)},
        headers={"Authorization": f"Bearer {token}"},
    )
    body: dict[str, Any] = response.json()
    return body


async def test_upload_post_takes_a_filter_and_a_crop(gql: GraphQLClient, run_jobs: RunJobs) -> None:
    token, _ = await gql.register("oneshot")
    body = await _upload_post(
        gql,
        token,
        media_samples.jpeg(1000, 800),
        "image/jpeg",
        filter="VALENCIA",
        crop={"x": 0.1, "y": 0, "width": 0.8, "height": 1},
        location="Lisbon",
    )
    assert "errors" not in body, body
    created = body["data"]["uploadPost"]
    assert created["location"] == "Lisbon"
    await run_jobs()
    post = await _post(gql, created["id"], token)
    assert post["status"] == "PUBLISHED"
    [item] = post["media"]
    assert (item["filter"], item["width"], item["height"]) == ("VALENCIA", 800, 800)


@pytest.mark.parametrize(
    ("variables", "field"),
    [
        ({"crop": {"x": 0, "y": 0, "width": 0.2, "height": 1}}, "crop"),
        ({"crop": {"x": 0.9, "y": 0, "width": 0.2, "height": 0.2}}, "crop"),
    ],
)
async def test_upload_post_refuses_a_bad_crop_before_storing(
    gql: GraphQLClient, deps: Deps, variables: dict[str, Any], field: str
) -> None:
    token, _ = await gql.register("oneshot")
    body = await _upload_post(gql, token, media_samples.jpeg(1000, 800), "image/jpeg", **variables)
    assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": field}
    assert await deps.db.fetchval("SELECT count(*) FROM media") == 0


async def test_upload_post_refuses_a_bad_heic_crop_before_storing(
    gql: GraphQLClient, deps: Deps
) -> None:
    token, _ = await gql.register("oneshot")
    whole = {"x": 0, "y": 0, "width": 1, "height": 1}  # 600 x 800 upright: taller than 4:5
    body = await _upload_post(
        gql, token, media_samples.heic(800, 600, orientation=6), "image/heic", crop=whole
    )
    assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "crop"}
    assert await deps.db.fetchval("SELECT count(*) FROM media") == 0


async def test_upload_post_refuses_a_filter_on_a_video(gql: GraphQLClient, tmp_path: Any) -> None:
    token, _ = await gql.register("filmmaker")
    body = await _upload_post(
        gql, token, media_samples.mp4(tmp_path / "clip.mp4", seconds=1), "video/mp4", filter="MOON"
    )
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert body["errors"][0]["extensions"]["field"] == "filter"
