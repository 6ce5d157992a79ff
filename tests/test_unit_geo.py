"""Great-circle distance, geohashes, and the cells covering a radius."""

from __future__ import annotations

import math
import random

import pytest

from resolvers.errors import AppError
from resolvers.geo import (
    MAX_CELLS,
    bounding_boxes,
    covering,
    encode,
    haversine_km,
)
from resolvers.places import Place, clean_place, name_key


@pytest.mark.parametrize(
    ("latitude", "longitude", "precision", "expected"),
    [
        (57.64911, 10.40744, 11, "u4pruydqqvj"),  # the example of the geohash paper
        (57.64911, 10.40744, 6, "u4pruy"),
        (0.0, 0.0, 6, "s00000"),
        (-90.0, -180.0, 6, "000000"),
        (90.0, 180.0, 6, "zzzzzz"),  # the top and right edges belong to the last cell
        (48.8584, 2.2945, 6, "u09tun"),
        (-33.8568, 151.2153, 5, "r3gx2"),
    ],
)
def test_encode(latitude: float, longitude: float, precision: int, expected: str) -> None:
    assert encode(latitude, longitude, precision) == expected


@pytest.mark.parametrize(
    ("a", "b", "km"),
    [
        ((48.8566, 2.3522), (51.5074, -0.1278), 343.5),  # Paris - London
        ((0.0, 0.0), (0.0, 1.0), 111.2),
        ((10.0, 179.9), (10.0, -179.9), 21.9),  # across the antimeridian
        ((0.0, 0.0), (0.0, 180.0), 20015.1),  # half way round
        ((45.0, 45.0), (45.0, 45.0), 0.0),
    ],
)
def test_haversine(a: tuple[float, float], b: tuple[float, float], km: float) -> None:
    assert haversine_km(*a, *b) == pytest.approx(km, abs=0.1)
    assert haversine_km(*b, *a) == pytest.approx(km, abs=0.1)


@pytest.mark.parametrize(
    ("centre", "radius", "expected"),
    [
        ((0.0, 0.0), 111.195, [(-1.0, 1.0, -1.0, 1.0)]),
        # Across the antimeridian: two boxes.
        ((0.0, 179.5), 111.195, [(-1.0, 1.0, 178.5, 180.0), (-1.0, 1.0, -180.0, -179.5)]),
        ((0.0, -179.5), 111.195, [(-1.0, 1.0, 179.5, 180.0), (-1.0, 1.0, -180.0, -178.5)]),
        # Reaching a pole: every longitude.
        ((89.5, 10.0), 111.195, [(88.5, 90.0, -180.0, 180.0)]),
        ((-89.5, 10.0), 111.195, [(-90.0, -88.5, -180.0, 180.0)]),
    ],
)
def test_bounding_boxes(
    centre: tuple[float, float], radius: float, expected: list[tuple[float, ...]]
) -> None:
    boxes = bounding_boxes(*centre, radius)
    assert len(boxes) == len(expected)
    for box, want in zip(boxes, expected, strict=True):
        assert box == pytest.approx(want, abs=1e-3)


def test_a_box_widens_with_latitude() -> None:
    [(_, _, west, east)] = bounding_boxes(60.0, 10.0, 50)
    # 50 km at 60 degrees north is about 0.9 degrees of longitude each way.
    assert east - west == pytest.approx(2 * 50 / (111.195 * math.cos(math.radians(60))), rel=0.01)


def _destination(lat: float, lon: float, bearing: float, km: float) -> tuple[float, float]:
    phi, lam, delta = math.radians(lat), math.radians(lon), km / 6371.0088
    phi2 = math.asin(
        math.sin(phi) * math.cos(delta) + math.cos(phi) * math.sin(delta) * math.cos(bearing)
    )
    lam2 = lam + math.atan2(
        math.sin(bearing) * math.sin(delta) * math.cos(phi),
        math.cos(delta) - math.sin(phi) * math.sin(phi2),
    )
    lon2 = (math.degrees(lam2) + 540) % 360 - 180
    return math.degrees(phi2), lon2


@pytest.mark.parametrize(
    ("centre", "radius"),
    [
        ((48.8566, 2.3522), 0.2),
        ((48.8566, 2.3522), 5),
        ((48.8566, 2.3522), 50),
        ((0.0, 0.0), 50),  # the corner of four hemispheres' cells
        ((-33.8688, 151.2093), 12),
        ((64.1466, -21.9426), 50),  # far north: wide in longitude
        ((0.3, 179.98), 30),  # across the antimeridian
        ((-16.5, -179.9), 50),
        ((89.95, 45.0), 20),  # around the pole
        ((-89.99, 0.0), 50),
    ],
)
def test_the_cells_hold_every_point_within_the_radius(
    centre: tuple[float, float], radius: float
) -> None:
    precision, cells = covering(*centre, radius)
    assert len(set(cells)) == len(cells)
    held = set(cells)
    rnd = random.Random(7)
    for _ in range(3000):
        # Points spread over the disc, many on its edge.
        km = radius * min(1.0, math.sqrt(rnd.random()) * 1.05)
        lat, lon = _destination(*centre, rnd.uniform(0, 2 * math.pi), km)
        assert haversine_km(*centre, lat, lon) <= radius + 1e-6
        assert encode(lat, lon, precision) in held, (lat, lon)


@pytest.mark.parametrize(
    ("centre", "radius", "precision"),
    [
        ((48.8566, 2.3522), 0.5, 6),
        ((48.8566, 2.3522), 5, 5),
        ((48.8566, 2.3522), 50, 4),
        ((64.1466, -21.9426), 50, 3),  # wider in longitude up north
        ((0.0, 10.0), 25, 4),
        ((89.95, 45.0), 20, 3),
    ],
)
def test_covering_picks_the_finest_precision_within_the_cell_budget(
    centre: tuple[float, float], radius: float, precision: int
) -> None:
    found, cells = covering(*centre, radius)
    assert found == precision
    assert len(cells) <= MAX_CELLS or precision == 3


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("  Café   de Flore ", 48.854, 2.3326), Place("Café de Flore", 48.854, 2.3326)),
        (("Home", None, None), Place("Home")),
        (("Pole", 90.0, -180.0), Place("Pole", 90.0, -180.0)),
        (("Nowhere", -0.0, -0.0), Place("Nowhere", 0.0, 0.0)),
        (("Fine", 1.23456789, -2.000000049), Place("Fine", 1.234568, -2.0)),
    ],
)
def test_clean_place(args: tuple[str, float | None, float | None], expected: Place) -> None:
    assert clean_place(*args) == expected


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("", 1.0, 1.0), "place.name"),
        (("   ", None, None), "place.name"),
        (("x" * 201, None, None), "place.name"),
        (("A", 1.0, None), "place.longitude"),
        (("A", None, 1.0), "place.latitude"),
        (("A", 90.5, 0.0), "place.latitude"),
        (("A", -91.0, 0.0), "place.latitude"),
        (("A", 0.0, 180.01), "place.longitude"),
        (("A", 0.0, -200.0), "place.longitude"),
        (("A", math.nan, 0.0), "place.latitude"),
    ],
)
def test_bad_places_name_the_field(
    args: tuple[str, float | None, float | None], field: str
) -> None:
    with pytest.raises(AppError) as raised:
        clean_place(*args)
    assert raised.value.code == "BAD_USER_INPUT"
    assert raised.value.extensions["field"] == field


@pytest.mark.parametrize(
    ("name", "key"), [("Café de Flore", "café de flore"), ("  NEW\tYork ", "new york")]
)
def test_name_key(name: str, key: str) -> None:
    assert name_key(name) == key
