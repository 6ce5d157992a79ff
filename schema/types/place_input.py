from __future__ import annotations

import strawberry

from resolvers.places import Place


@strawberry.input(
    description="A place to tag: latitude -90..90 and longitude -180..180, both or neither."
    " Never filled from a photo's GPS data."
)
class PlaceInput:
    name: str
    latitude: float | None = None
    longitude: float | None = None

    def to_place(self) -> Place:
        """Not validated yet: the domain does that."""
        return Place(self.name, self.latitude, self.longitude)
