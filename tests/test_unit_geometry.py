from __future__ import annotations

import pytest

from workers.imaging.geometry import (
    SIZES,
    draft_request,
    fit_width,
    jpeg_draft_scale,
    oriented_size,
    scaled_size,
    variant_plan,
)


def test_sizes_are_ordered_smallest_first() -> None:
    assert list(SIZES) == ["THUMBNAIL", "SMALL", "FEED", "FULL"]
    assert list(SIZES.values()) == [150, 320, 640, 1080]


@pytest.mark.parametrize(
    ("width", "height", "target", "expected"),
    [
        (4032, 3024, 1080, (1080, 810)),
        (3024, 4032, 1080, (1080, 1440)),
        (4032, 3024, 150, (150, 113)),  # 112.5 rounds half up
        (3024, 4032, 320, (320, 427)),  # 426.67
        (400, 300, 150, (150, 113)),
        (400, 300, 400, (400, 300)),  # target == width: unchanged
        (400, 300, 640, (400, 300)),  # never upscaled
        (100, 100, 150, (100, 100)),
        (641, 480, 640, (640, 479)),
        (1080, 1080, 1080, (1080, 1080)),
        (1, 5000, 150, (1, 5000)),
        (5000, 1, 150, (150, 1)),  # 0.03 px is still one row
        (3, 2, 2, (2, 1)),
    ],
)
def test_fit_width(width: int, height: int, target: int, expected: tuple[int, int]) -> None:
    assert fit_width(width, height, target) == expected


@pytest.mark.parametrize(("width", "height", "target"), [(0, 10, 10), (10, 0, 10), (10, 10, 0)])
def test_fit_width_rejects_empty_sizes(width: int, height: int, target: int) -> None:
    with pytest.raises(ValueError):
        fit_width(width, height, target)


@pytest.mark.parametrize(
    ("width", "height", "expected"),
    [
        (4032, 3024, [(150, 113), (320, 240), (640, 480), (1080, 810)]),
        (3024, 4032, [(150, 200), (320, 427), (640, 853), (1080, 1440)]),
        (400, 300, [(150, 113), (320, 240), (400, 300), (400, 300)]),
        (100, 100, [(100, 100)] * 4),
        (1, 5000, [(1, 5000)] * 4),
        (1080, 1080, [(150, 150), (320, 320), (640, 640), (1080, 1080)]),
    ],
)
def test_variant_plan(width: int, height: int, expected: list[tuple[int, int]]) -> None:
    plan = variant_plan(width, height)
    assert [name for name, _, _ in plan] == list(SIZES)
    assert [(w, h) for _, w, h in plan] == expected
    assert all(w <= width for _, w, _ in plan)


@pytest.mark.parametrize(
    ("orientation", "expected"),
    [
        (None, (4032, 3024)),
        (1, (4032, 3024)),
        (2, (4032, 3024)),
        (3, (4032, 3024)),
        (4, (4032, 3024)),
        (5, (3024, 4032)),
        (6, (3024, 4032)),
        (7, (3024, 4032)),
        (8, (3024, 4032)),
        (0, (4032, 3024)),  # invalid values leave the image as stored
        (9, (4032, 3024)),
    ],
)
def test_oriented_size(orientation: int | None, expected: tuple[int, int]) -> None:
    assert oriented_size(4032, 3024, orientation) == expected


@pytest.mark.parametrize(
    ("width", "height", "orientation", "expected"),
    [
        (4032, 3024, 1, (1080, 810)),
        # Displayed portrait: 1080 px across once upright means 1080 rows as stored.
        (4032, 3024, 6, (1440, 1080)),
        (3024, 4032, None, (1080, 1440)),
        (400, 300, 6, (400, 300)),
    ],
)
def test_draft_request(
    width: int, height: int, orientation: int | None, expected: tuple[int, int]
) -> None:
    assert draft_request(width, height, orientation) == expected


@pytest.mark.parametrize(
    ("width", "height", "wanted", "scale"),
    [
        (4032, 3024, (1080, 810), 2),  # 1/4 would be 1008 px, too small
        (4032, 3024, (1440, 1080), 2),
        (8064, 6048, (1080, 810), 4),
        (12000, 9000, (1080, 810), 8),
        (1000, 800, (1000, 800), 1),
        (2160, 1000, (1080, 500), 2),
    ],
)
def test_jpeg_draft_scale(width: int, height: int, wanted: tuple[int, int], scale: int) -> None:
    assert jpeg_draft_scale(width, height, wanted) == scale
    decoded = scaled_size(width, height, scale)
    assert decoded[0] >= wanted[0] and decoded[1] >= wanted[1]


@pytest.mark.parametrize(
    ("width", "height", "scale", "expected"),
    [(4032, 3024, 2, (2016, 1512)), (4031, 3023, 2, (2016, 1512)), (4032, 3024, 8, (504, 378))],
)
def test_scaled_size_rounds_up(
    width: int, height: int, scale: int, expected: tuple[int, int]
) -> None:
    assert scaled_size(width, height, scale) == expected
