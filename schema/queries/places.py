from __future__ import annotations

import strawberry

from resolvers import places
from schema.info import Info
from schema.types.post_connection import PostConnection, post_connection
from storage.visibility import Surface


@strawberry.type
class PlaceQueries:
    @strawberry.field(
        description="Published posts tagged within radiusKm (at most 50) of the point, by"
        " great-circle distance, newest first; those the viewer may see in discovery."
    )
    async def posts_near(
        self,
        info: Info,
        latitude: float,
        longitude: float,
        radius_km: float | None = 5.0,
        first: int | None = 20,
        after: str | None = None,
    ) -> PostConnection:
        ctx = info.context
        page = await places.posts_near(
            ctx.deps,
            ctx.viewer_id,
            latitude=latitude,
            longitude=longitude,
            radius_km=5.0 if radius_km is None else radius_km,
            first=20 if first is None else first,
            after=after,
        )
        return await post_connection(info, page, Surface.DISCOVERY)
