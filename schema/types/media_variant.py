from __future__ import annotations

import strawberry

from resolvers.media import VariantView
from schema.types.media_size import MediaSize


@strawberry.type
class MediaVariant:
    size: MediaSize
    url: str
    width: int
    height: int
    content_type: str

    @classmethod
    def from_view(cls, view: VariantView) -> MediaVariant:
        return cls(
            size=MediaSize(view.size),
            url=view.url,
            width=view.width,
            height=view.height,
            content_type=view.content_type,
        )
