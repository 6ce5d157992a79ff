"""Places on posts, posts near a point, and places by name.

Coordinates only ever come from the author's PlaceInput: GPS in a photo's EXIF is stripped
by the worker and never fills a place.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import asyncpg

from resolvers import cursors, geo
from resolvers.cursors import Page
from resolvers.deps import Deps
from resolvers.errors import bad_input
from storage import places
from storage.places import PlaceRow

NAME_MAX = 200
MAX_RADIUS_KM = 50.0
CURSOR_KIND = "near"
# Decimal places kept: 6 is about 0.1 m, finer than any phone's fix. One place is one name at
# one spot, so rounding lets two posts of the same spot share it.
COORDINATE_DECIMALS = 6


@dataclass(frozen=True)
class Place:
    name: str
    latitude: float | None = None
    longitude: float | None = None

    @property
    def key(self) -> str:
        return name_key(self.name)


def name_key(name: str) -> str:
    """What place search compares: lower case, runs of white space as one space."""
    return " ".join(name.split()).lower()


def check_latitude(value: float, *, field: str) -> float:
    if not math.isfinite(value) or not -90 <= value <= 90:
        raise bad_input("Latitude must be between -90 and 90", field=field)
    return value


def check_longitude(value: float, *, field: str) -> float:
    if not math.isfinite(value) or not -180 <= value <= 180:
        raise bad_input("Longitude must be between -180 and 180", field=field)
    return value


def clean_place(
    name: str, latitude: float | None, longitude: float | None, *, field: str = "place"
) -> Place:
    """A PlaceInput's values, validated: a name of 1 to 200 characters, and latitude and
    longitude both or neither, in range (rounded to COORDINATE_DECIMALS)."""
    cleaned = " ".join(name.split())
    if not 1 <= len(cleaned) <= NAME_MAX:
        raise bad_input(f"A place name has 1 to {NAME_MAX} characters", field=f"{field}.name")
    if (latitude is None) != (longitude is None):
        missing = "longitude" if longitude is None else "latitude"
        raise bad_input("Give both latitude and longitude, or neither", field=f"{field}.{missing}")
    if latitude is None or longitude is None:
        return Place(cleaned)
    lat = check_latitude(latitude, field=f"{field}.latitude")
    lon = check_longitude(longitude, field=f"{field}.longitude")
    # -0.0 and 0.0 are one spot (and one row of the unique key).
    return Place(
        cleaned, round(lat, COORDINATE_DECIMALS) + 0.0, round(lon, COORDINATE_DECIMALS) + 0.0
    )


async def tag_post(conn: asyncpg.Connection, post_id: int, place: Place) -> None:
    """In the transaction inserting the post."""
    geohash = None
    if place.latitude is not None and place.longitude is not None:
        geohash = geo.encode(place.latitude, place.longitude)
    await places.tag_post(
        conn,
        post_id,
        name=place.name,
        name_key=place.key,
        latitude=place.latitude,
        longitude=place.longitude,
        geohash=geohash,
    )


def check_radius(radius_km: float) -> float:
    if not math.isfinite(radius_km) or not 0 < radius_km <= MAX_RADIUS_KM:
        raise bad_input(
            f"radiusKm must be greater than 0 and at most {MAX_RADIUS_KM:g}", field="radiusKm"
        )
    return radius_km


async def posts_near(
    deps: Deps,
    viewer_id: int | None,
    *,
    latitude: float,
    longitude: float,
    radius_km: float,
    first: int,
    after: str | None,
) -> Page[int]:
    """Ids of the published posts tagged within `radius_km` (great-circle) of the point that
    the viewer may see in discovery, newest first. The cursor is the last post's id, so new
    posts never shift a later page."""
    cursors.check_first(first, deps.settings.max_page_size)
    check_latitude(latitude, field="latitude")
    check_longitude(longitude, field="longitude")
    check_radius(radius_km)
    before = cursors.decode_id(after, CURSOR_KIND)
    if first == 0:
        return Page(items=[], has_next=False)
    precision, cells = geo.covering(latitude, longitude, radius_km)
    ids = await places.near_ids(
        deps.db,
        precision=precision,
        cells=cells,
        latitude=latitude,
        longitude=longitude,
        radius_km=radius_km,
        viewer_id=viewer_id,
        before=before,
        limit=first + 1,
    )
    return cursors.page_of(ids, first, lambda post_id: cursors.encode(CURSOR_KIND, post_id))


_SPACES = re.compile(r"\s+")


async def search(deps: Deps, query: str, *, first: int, viewer_id: int | None) -> list[PlaceRow]:
    """Places whose name starts with `query` (already cleaned, lower-case), the exact name
    first, then the most used; only places of public posts the viewer may see."""
    prefix = _SPACES.sub(" ", query)
    if not prefix or not first:
        return []
    return await places.by_prefix(deps.db, prefix, limit=first, viewer_id=viewer_id)
