from __future__ import annotations

from datetime import datetime

import strawberry

from schema.types.http_header import HttpHeader
from schema.types.media import Media


@strawberry.type
class UploadTicket:
    media: Media
    upload_url: str
    upload_headers: list[HttpHeader]
    expires_at: datetime
