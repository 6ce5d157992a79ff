"""The photo filters: curves, colour matrices and looks, as pure functions over images."""

from __future__ import annotations

import dataclasses
import random
from io import BytesIO
from itertools import pairwise
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageDraw, ImageStat

from resolvers.media_edits import FILTERS
from workers.imaging import hamming, process_image
from workers.imaging.filters import (
    FILTER_NAMES,
    LOOKS,
    apply_filter,
    colour_matrix,
    monotone_curve,
)

LOOK_NAMES = sorted(LOOKS)


def scene(width: int = 240, height: int = 180, seed: int = 3) -> Image.Image:
    rnd = random.Random(seed)
    gx = Image.linear_gradient("L").rotate(90).resize((width, height))
    gy = Image.linear_gradient("L").resize((width, height))
    image = Image.merge("RGB", (gx, gy, ImageChops.invert(gx)))
    draw = ImageDraw.Draw(image)
    for _ in range(10):
        x, y, r = rnd.randrange(width), rnd.randrange(height), rnd.randrange(8, width // 4)
        fill = (rnd.randrange(256), rnd.randrange(256), rnd.randrange(256))
        draw.ellipse((x - r, y - r, x + r, y + r), fill=fill)
    return image


def test_the_schema_the_api_and_the_worker_know_the_same_filters() -> None:
    assert set(FILTER_NAMES) == FILTERS
    assert len(LOOKS) == 8


@pytest.mark.parametrize(
    ("points", "checks"),
    [
        (((0, 0), (255, 255)), {0: 0, 64: 64, 128: 128, 255: 255}),
        (((0, 40), (255, 230)), {0: 40, 255: 230, 128: 135}),  # a straight fade
        (((0, 0), (128, 160), (255, 255)), {0: 0, 128: 160, 255: 255}),  # through the points
        (((0, 0), (64, 64), (192, 64), (255, 255)), {100: 64, 150: 64}),  # flat stays flat
    ],
)
def test_monotone_curve_passes_through_its_points(
    points: tuple[tuple[int, int], ...], checks: dict[int, int]
) -> None:
    levels = monotone_curve(points)
    assert len(levels) == 256
    assert all(0 <= v <= 255 for v in levels)
    assert all(b >= a for a, b in pairwise(levels))
    for x, y in checks.items():
        assert levels[x] == y


@pytest.mark.parametrize("name", LOOK_NAMES)
def test_every_look_curve_is_monotone(name: str) -> None:
    look = LOOKS[name]
    for points in (look.tone, look.red, look.green, look.blue):
        levels = monotone_curve(points)
        assert all(b >= a for a, b in pairwise(levels))


@pytest.mark.parametrize(
    "points",
    [((1, 0), (255, 255)), ((0, 0), (254, 255)), ((0, 0), (100, 50), (100, 60), (255, 255))],
)
def test_monotone_curve_needs_rising_x_from_0_to_255(points: tuple[tuple[int, int], ...]) -> None:
    with pytest.raises(ValueError):
        monotone_curve(points)


@pytest.mark.parametrize(
    ("saturation", "gains", "pixel", "expected"),
    [
        (1.0, (1.0, 1.0, 1.0), (10, 120, 250), (10, 120, 250)),
        (0.0, (1.0, 1.0, 1.0), (255, 0, 0), (76, 76, 76)),  # 0.299 * 255
        (0.0, (1.0, 1.0, 1.0), (10, 120, 250), (102, 102, 102)),  # 101.93
        (1.0, (1.1, 1.0, 0.9), (100, 100, 100), (110, 100, 90)),
        (2.0, (1.0, 1.0, 1.0), (120, 100, 100), (134, 94, 94)),  # away from the grey
    ],
)
def test_colour_matrix(
    saturation: float,
    gains: tuple[float, float, float],
    pixel: tuple[int, int, int],
    expected: tuple[int, int, int],
) -> None:
    out = Image.new("RGB", (1, 1), pixel).convert("RGB", colour_matrix(saturation, gains))
    assert out.getpixel((0, 0)) == expected


def test_none_is_the_image_itself() -> None:
    image = scene()
    assert apply_filter(image, "NONE") is image


@pytest.mark.parametrize("name", LOOK_NAMES)
def test_each_look_changes_the_photo_and_keeps_its_shape(name: str) -> None:
    image = scene()
    out = apply_filter(image, name)
    assert (out.mode, out.size) == ("RGB", image.size)
    assert ImageChops.difference(out, image).getbbox() is not None
    assert image.tobytes() == scene().tobytes(), "the input must not change"


@pytest.mark.parametrize("name", LOOK_NAMES)
def test_each_look_is_deterministic(name: str) -> None:
    assert apply_filter(scene(), name).tobytes() == apply_filter(scene(), name).tobytes()


def test_the_looks_differ_from_each_other() -> None:
    renders = {name: apply_filter(scene(), name).tobytes() for name in LOOK_NAMES}
    assert len(set(renders.values())) == len(LOOK_NAMES)


def test_moon_is_black_and_white() -> None:
    out = apply_filter(scene(), "MOON")
    r, g, b = out.split()
    assert r.tobytes() == g.tobytes() == b.tobytes()


@pytest.mark.parametrize(("name", "warmer"), [("VALENCIA", True), ("REYES", True)])
def test_warm_looks_shift_grey_towards_red(name: str, warmer: bool) -> None:
    r, _, b = apply_filter(Image.new("RGB", (8, 8), (128, 128, 128)), name).getpixel((4, 4))  # type: ignore[misc]
    assert (r > b) is warmer


@pytest.mark.parametrize("name", [n for n in LOOK_NAMES if LOOKS[n].vignette > 0])
def test_a_vignette_darkens_the_corners_not_the_centre(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(LOOKS, "UNVIGNETTED", dataclasses.replace(LOOKS[name], vignette=0.0))
    flat = Image.new("RGB", (300, 200), (150, 150, 150))
    out = apply_filter(flat, name).convert("L")
    without = apply_filter(flat, "UNVIGNETTED").convert("L")
    centre, corner, plain = out.getpixel((150, 100)), out.getpixel((0, 0)), without.getpixel((0, 0))
    assert isinstance(centre, int) and isinstance(corner, int) and isinstance(plain, int)
    assert abs(centre - plain) <= 1
    assert corner < plain - 20


@pytest.mark.parametrize("name", LOOK_NAMES)
def test_a_look_is_the_same_at_every_size(name: str) -> None:
    """Filtering the large size then shrinking it gives what filtering a small copy gives
    (so cutting the smaller variants from the filtered large one is faithful)."""
    large = scene(960, 720)
    small_size = (120, 90)
    shrunk_after = apply_filter(large, name).resize(small_size, Image.Resampling.LANCZOS)
    filtered_small = apply_filter(large.resize(small_size, Image.Resampling.LANCZOS), name)
    diff = ImageStat.Stat(ImageChops.difference(shrunk_after, filtered_small)).mean
    assert max(diff) < 4


def test_alpha_is_kept() -> None:
    image = scene().convert("RGBA")
    image.putalpha(Image.linear_gradient("L").resize(image.size))
    out = apply_filter(image, "JUNO")
    assert out.mode == "RGBA"
    assert out.getchannel("A").tobytes() == image.getchannel("A").tobytes()


@pytest.mark.parametrize("name", ["NONE", "CLARENDON", "LUDWIG", "MOON"])
def test_processing_with_a_filter_writes_the_same_bytes_twice(tmp_path: Path, name: str) -> None:
    path = tmp_path / "photo.jpg"
    scene(1600, 1200).save(path, quality=90)
    first = process_image(path, filter_name=name, crop=(0.1, 0.1, 0.8, 0.75))
    second = process_image(path, filter_name=name, crop=(0.1, 0.1, 0.8, 0.75))
    assert [v.data for v in first.variants] == [v.data for v in second.variants]
    assert (first.blurhash, first.phash) == (second.blurhash, second.phash)


def test_the_filter_reaches_every_variant_and_not_the_hash(tmp_path: Path) -> None:
    path = tmp_path / "photo.jpg"
    scene(1600, 1200).save(path, quality=90)
    plain = process_image(path)
    moon = process_image(path, filter_name="MOON")
    # The perceptual hash is the photo's as taken (moderation matches re-uploads by it).
    assert hamming(moon.phash, plain.phash) <= 2
    for variant in moon.variants:
        with Image.open(BytesIO(variant.data)) as decoded:
            r, g, b = decoded.convert("RGB").split()
            # WebP's chroma subsampling leaves a trace of colour, no more.
            assert max(ImageStat.Stat(ImageChops.difference(r, b)).mean) < 2
            assert max(ImageStat.Stat(ImageChops.difference(g, b)).mean) < 2
    assert plain.blurhash != moon.blurhash
