"""Great-circle distances and geohash cells: which cells can hold a point within a radius.

A geohash cell of precision p is a rectangle of the longitude/latitude grid with ceil(5p/2)
longitude bits and floor(5p/2) latitude bits. Posts store the precision-6 geohash of their
place, and indexes on its first 3, 4, 5 and 6 characters let a radius query read, cell by
cell, only the posts of the few cells covering the circle's bounding box (storage/places.py).
"""

from __future__ import annotations

import math

EARTH_RADIUS_KM = 6371.0088  # mean radius (IUGG)
KM_PER_DEGREE = math.pi * EARTH_RADIUS_KM / 180
BASE32 = "0123456789bcdefghjkmnpqrstuvwxyz"
STORED_PRECISION = 6
# Indexed prefix lengths, finest first (migrations/postgres: posts_geocell{n}_idx).
PRECISIONS = (6, 5, 4, 3)
# The finest precision whose covering has at most this many cells is used; the coarsest
# takes what it needs (a radius around a pole spans every longitude).
MAX_CELLS = 40

Box = tuple[float, float, float, float]  # south, north, west, east (degrees)


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance on the mean Earth sphere (the same formula as the SQL)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin(math.radians(lat2 - lat1) / 2) ** 2
        + math.cos(phi1) * math.cos(phi2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def _bits(precision: int) -> tuple[int, int]:
    """(longitude bits, latitude bits) of a geohash of this length."""
    total = 5 * precision
    return (total + 1) // 2, total // 2


def _index(value: float, low: float, high: float, bits: int) -> int:
    """The grid column (or row) holding `value`; the top edge belongs to the last one."""
    count = 1 << bits
    return min(count - 1, max(0, math.floor((value - low) / (high - low) * count)))


def _hash(lon_index: int, lat_index: int, precision: int) -> str:
    """Interleave the bits (longitude first, most significant first) into base32."""
    lon_bits, lat_bits = _bits(precision)
    value = 0
    for i in range(5 * precision):
        if i % 2 == 0:
            bit = (lon_index >> (lon_bits - 1 - i // 2)) & 1
        else:
            bit = (lat_index >> (lat_bits - 1 - i // 2)) & 1
        value = (value << 1) | bit
    return "".join(BASE32[(value >> (5 * (precision - 1 - k))) & 31] for k in range(precision))


def encode(latitude: float, longitude: float, precision: int = STORED_PRECISION) -> str:
    lon_bits, lat_bits = _bits(precision)
    return _hash(
        _index(longitude, -180.0, 180.0, lon_bits),
        _index(latitude, -90.0, 90.0, lat_bits),
        precision,
    )


def bounding_boxes(latitude: float, longitude: float, radius_km: float) -> list[Box]:
    """Boxes that hold every point within `radius_km`: one, or two across the antimeridian;
    every longitude when the circle reaches a pole."""
    dlat = radius_km / KM_PER_DEGREE
    south, north = latitude - dlat, latitude + dlat
    if south <= -90 or north >= 90:
        return [(max(south, -90.0), min(north, 90.0), -180.0, 180.0)]
    # The widest the circle gets is at its pole-side edge: asin over the latitude's cosine.
    ratio = math.sin(radius_km / EARTH_RADIUS_KM) / math.cos(math.radians(latitude))
    if ratio >= 1:
        return [(south, north, -180.0, 180.0)]
    dlon = math.degrees(math.asin(ratio))
    west, east = longitude - dlon, longitude + dlon
    if west < -180:
        return [(south, north, west + 360, 180.0), (south, north, -180.0, east)]
    if east > 180:
        return [(south, north, west, 180.0), (south, north, -180.0, east - 360)]
    return [(south, north, west, east)]


def cells(boxes: list[Box], precision: int) -> list[str]:
    """Every geohash cell of this precision that overlaps one of the boxes, sorted."""
    lon_bits, lat_bits = _bits(precision)
    found: set[str] = set()
    for south, north, west, east in boxes:
        rows = range(_index(south, -90, 90, lat_bits), _index(north, -90, 90, lat_bits) + 1)
        columns = range(_index(west, -180, 180, lon_bits), _index(east, -180, 180, lon_bits) + 1)
        if len(rows) * len(columns) > 4096:
            raise ValueError("too many cells: use a coarser precision")
        found.update(_hash(column, row, precision) for row in rows for column in columns)
    return sorted(found)


def covering(latitude: float, longitude: float, radius_km: float) -> tuple[int, list[str]]:
    """(precision, cells): the finest indexed precision covering the circle in at most
    MAX_CELLS cells, else the coarsest."""
    boxes = bounding_boxes(latitude, longitude, radius_km)
    for precision in PRECISIONS:
        lon_bits, lat_bits = _bits(precision)
        estimate = sum(
            (_index(n, -90, 90, lat_bits) - _index(s, -90, 90, lat_bits) + 1)
            * (_index(e, -180, 180, lon_bits) - _index(w, -180, 180, lon_bits) + 1)
            for s, n, w, e in boxes
        )
        if estimate <= MAX_CELLS or precision == PRECISIONS[-1]:
            return precision, cells(boxes, precision)
    raise AssertionError("unreachable")
