from __future__ import annotations

import strawberry


@strawberry.type
class HttpHeader:
    name: str
    value: str
