from __future__ import annotations

import strawberry

from schema.types.crop_input import CropInput
from schema.types.photo_filter import PhotoFilter


@strawberry.input(description="How one photo of a post is shown; photos only.")
class MediaEditInput:
    media_id: strawberry.ID
    filter: PhotoFilter | None = PhotoFilter.NONE
    crop: CropInput | None = None
