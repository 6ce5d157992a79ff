from __future__ import annotations

import strawberry

from storage.places import PlaceRow


@strawberry.type(description="A tagged location: a name, with coordinates when given.")
class Place:
    name: str
    latitude: float | None = strawberry.field(description="WGS 84 degrees; both or neither.")
    longitude: float | None

    @classmethod
    def from_row(cls, row: PlaceRow) -> Place:
        return cls(name=row.name, latitude=row.latitude, longitude=row.longitude)
