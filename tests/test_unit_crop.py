"""Crops: the rules a crop must follow, and its geometry against Pillow's own transposes."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image

from resolvers.errors import AppError
from resolvers.media_edits import (
    Edit,
    EditInput,
    clean_edits,
    crop_bounds_problem,
    crop_problem,
    upright_size,
)
from storage.media import MediaRow
from workers.imaging import MediaRejected, process_image
from workers.imaging.geometry import (
    box_size,
    crop_box,
    draft_request,
    scale_box,
    stored_box,
)
from workers.imaging.image import _TRANSPOSE

Crop = tuple[float, float, float, float]


@pytest.mark.parametrize(
    ("crop", "problem"),
    [
        ((0, 0, 1, 1), None),
        ((0.25, 0.1, 0.5, 0.5), None),
        ((0.5, 0.5, 0.5, 0.5), None),  # touching the far edges
        ((0.2, 0.2, 0.8 + 1e-9, 0.8), None),  # a hair over, from float arithmetic
        ((-0.1, 0, 0.5, 0.5), "x and y must be at least 0"),
        ((0, -0.01, 0.5, 0.5), "x and y must be at least 0"),
        ((0, 0, 0, 0.5), "width and height must be greater than 0"),
        ((0, 0, 0.5, -1), "width and height must be greater than 0"),
        ((0.6, 0, 0.5, 0.5), "the rectangle must lie inside the image"),
        ((0, 0.9, 0.5, 0.2), "the rectangle must lie inside the image"),
        ((0, 0, float("nan"), 0.5), "values must be finite numbers"),
        ((0, 0, float("inf"), 0.5), "values must be finite numbers"),
    ],
)
def test_crop_bounds(crop: Crop, problem: str | None) -> None:
    found = crop_bounds_problem(crop)
    assert (found is None) if problem is None else (found is not None and problem in found)


@pytest.mark.parametrize(
    ("crop", "size", "ok"),
    [
        ((0, 0, 1, 1), (1080, 1080), True),  # 1:1
        ((0, 0, 1, 1), (1080, 1350), True),  # exactly 4:5
        ((0, 0, 1, 1), (1910, 1000), True),  # exactly 1.91:1
        ((0, 0, 1, 1), (1080, 1351), False),  # taller than 4:5
        ((0, 0, 1, 1), (1920, 1000), False),  # wider than 1.91:1
        ((0, 0, 1, 0.5), (1000, 1000), False),  # 2:1
        ((0, 0, 0.75, 1), (4032, 3024), True),  # a square from a landscape photo
        ((0, 0, 0.5, 1), (4032, 3024), False),  # 2:3 portrait from it: too tall
        ((0, 0, 0.6, 1), (4032, 3024), True),  # 0.8 exactly
        ((0, 0, 1, 0.5625), (1080, 1920), True),  # a square from a portrait photo
        ((0.0, 0.0, 1e-5, 1e-5), (4000, 3000), False),  # under a pixel
    ],
)
def test_crop_aspect_ratio_must_lie_between_4_5_and_1_91(
    crop: Crop, size: tuple[int, int], ok: bool
) -> None:
    assert (crop_problem(crop, *size) is None) is ok


def _row(media_id: int, kind: str) -> MediaRow:
    return MediaRow(
        media_id, 1, kind, "pending", "image/jpeg", 10, None, None, None, None, None, None, None,
        (), None, None, None, "0" * 32, "none", None,  # type: ignore[arg-type]
    )  # fmt: skip


@pytest.mark.parametrize(
    ("edits", "field"),
    [
        ([EditInput(9, "NONE", None)], "edits[0].mediaId"),  # not one of the post's
        ([EditInput(1, "JUNO", None), EditInput(1, "MOON", None)], "edits[1].mediaId"),
        ([EditInput(1, "SEPIA", None)], "edits[0].filter"),
        ([EditInput(1, "NONE", (0.5, 0, 0.6, 0.5))], "edits[0].crop"),
        ([EditInput(1, "NONE", None), EditInput(2, "MOON", None)], "edits[1]"),  # a video
        ([EditInput(2, "NONE", (0, 0, 1, 1))], "edits[0]"),  # a crop on a video
    ],
)
def test_bad_edits_name_their_field(edits: list[EditInput], field: str) -> None:
    rows = {1: _row(1, "photo"), 2: _row(2, "video")}
    with pytest.raises(AppError) as raised:
        clean_edits(edits, [1, 2], rows)
    assert raised.value.code == "BAD_USER_INPUT"
    assert raised.value.extensions["field"] == field


def test_good_edits_are_keyed_by_media() -> None:
    rows = {1: _row(1, "photo"), 2: _row(2, "video"), 3: _row(3, "photo")}
    cleaned = clean_edits(
        [EditInput(3, "MOON", (0, 0, 1, 1)), EditInput(2, "NONE", None)], [1, 2, 3], rows
    )
    assert cleaned == {3: Edit("MOON", (0, 0, 1, 1)), 2: Edit()}
    assert clean_edits(None, [1], rows) == {}


def _pattern(width: int, height: int) -> Image.Image:
    """Every pixel different, so a misplaced crop cannot pass."""
    image = Image.new("RGB", (width, height))
    image.putdata(
        [
            (x * 40 % 256, y * 40 % 256, (x + y * width) % 256)
            for y in range(height)
            for x in range(width)
        ]
    )
    return image


@pytest.mark.parametrize("orientation", [1, 2, 3, 4, 5, 6, 7, 8])
@pytest.mark.parametrize("box", [(1, 2, 4, 5), (0, 0, 3, 1), (2, 0, 5, 5)])
def test_stored_box_is_the_upright_box_in_the_stored_frame(
    orientation: int, box: tuple[int, int, int, int]
) -> None:
    stored = _pattern(7, 5) if orientation < 5 else _pattern(6, 5)
    op = _TRANSPOSE.get(orientation)
    upright = stored if op is None else stored.transpose(op)
    expected = upright.crop(box)
    where = stored_box(tuple(map(float, box)), stored.width, stored.height, orientation)  # type: ignore[arg-type]
    cut = stored.crop(tuple(round(v) for v in where))  # type: ignore[arg-type]
    got = cut if op is None else cut.transpose(op)
    assert got.tobytes() == expected.tobytes()


@pytest.mark.parametrize(
    ("width", "height", "crop", "box", "size"),
    [
        (4000, 3000, None, (0, 0, 4000, 3000), (4000, 3000)),
        (4000, 3000, (0.25, 0, 0.75, 1), (1000, 0, 4000, 3000), (3000, 3000)),
        (4000, 3000, (0, 0, 1, 1.2), (0, 0, 4000, 3000), (4000, 3000)),  # clipped to the frame
        (10, 10, (0, 0, 0.01, 0.01), (0, 0, 0.1, 0.1), (1, 1)),  # at least one pixel
    ],
)
def test_crop_box(
    width: int,
    height: int,
    crop: Crop | None,
    box: tuple[float, float, float, float],
    size: tuple[int, int],
) -> None:
    assert crop_box(width, height, crop) == pytest.approx(box)
    assert box_size(crop_box(width, height, crop)) == size


@pytest.mark.parametrize(
    ("width", "height", "orientation", "crop", "expected"),
    [
        (4032, 3024, 1, None, (1080, 810)),  # as without a crop
        (4032, 3024, 6, None, (1440, 1080)),
        # A quarter of the width must still give 1080 px: the whole frame is 4x that.
        (4032, 3024, 1, (0, 0, 0.25, 0.25), (4032, 3024)),
        (8064, 6048, 1, (0, 0, 0.5, 0.5), (2160, 1620)),
        # Portrait upright from a sideways phone photo, cropped to its top half.
        (4032, 3024, 6, (0, 0, 1, 0.5), (1440, 1080)),
        (4032, 3024, 6, (0, 0, 0.5, 0.5), (2880, 2160)),
    ],
)
def test_draft_request_with_a_crop(
    width: int, height: int, orientation: int, crop: Crop | None, expected: tuple[int, int]
) -> None:
    assert draft_request(width, height, orientation, crop) == expected


def test_scale_box() -> None:
    assert scale_box((10, 20, 30, 40), 0.5, 0.25) == (5, 5, 15, 10)


def _pixels(image: Image.Image) -> list[tuple[int, int, int]]:
    data = image.tobytes()
    return [(data[i], data[i + 1], data[i + 2]) for i in range(0, len(data), 3)]


def _upright_marked(width: int, height: int) -> Image.Image:
    """Blue everywhere but a red top-left quarter, upright."""
    image = Image.new("RGB", (width, height), (0, 0, 255))
    image.paste((255, 0, 0), (0, 0, width // 2, height // 2))
    return image


# The transpose that stores an upright image so that EXIF `orientation` makes it upright again.
_INVERSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}


@pytest.mark.parametrize("orientation", [1, 2, 3, 4, 5, 6, 7, 8])
def test_process_image_crops_the_upright_image(tmp_path: Path, orientation: int) -> None:
    upright = _upright_marked(1600, 1200)
    stored = upright.transpose(_INVERSE[orientation]) if orientation in _INVERSE else upright
    exif = Image.Exif()
    exif[0x0112] = orientation
    path = tmp_path / "photo.jpg"
    stored.save(path, quality=92, exif=exif)
    assert upright_size(path.read_bytes()[:65536]) == (1600, 1200)

    # The red quarter is 800 x 600, 4:3.
    result = process_image(path, crop=(0.0, 0.0, 0.5, 0.5))

    assert (result.width, result.height) == (800, 600)
    assert [(v.width, v.height) for v in result.variants][-1] == (800, 600)
    with Image.open(BytesIO(result.variants[-1].data)) as full:
        for red, _, blue in _pixels(full.convert("RGB").resize((8, 6), Image.Resampling.BOX)):
            assert red > 200 and blue < 60


def test_a_crop_larger_than_the_largest_variant_is_resized(tmp_path: Path) -> None:
    path = tmp_path / "wide.jpg"
    _upright_marked(4000, 2000).save(path, quality=90)

    result = process_image(path, crop=(0.5, 0.0, 0.5, 1.0))  # the blue right half, square

    assert (result.width, result.height) == (2000, 2000)
    assert [(v.width, v.height) for v in result.variants] == [
        (150, 150), (320, 320), (640, 640), (1080, 1080),
    ]  # fmt: skip
    with Image.open(BytesIO(result.variants[-1].data)) as full:
        for red, _, blue in _pixels(full.convert("RGB").resize((8, 8), Image.Resampling.BOX)):
            assert blue > 200 and red < 60


def test_the_worker_refuses_a_crop_of_the_wrong_shape(tmp_path: Path) -> None:
    path = tmp_path / "photo.jpg"
    _upright_marked(1000, 1000).save(path, quality=90)
    with pytest.raises(MediaRejected, match="crop: its aspect ratio"):
        process_image(path, crop=(0, 0, 1, 0.4))
