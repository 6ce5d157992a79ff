from __future__ import annotations

import strawberry


@strawberry.input
class CreateUploadInput:
    content_type: str = strawberry.field(
        description="image/jpeg, image/png, image/webp, image/heic, video/mp4, video/quicktime"
    )
    byte_size: int = strawberry.field(description="The upload URL refuses anything larger.")
