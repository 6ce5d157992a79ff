from __future__ import annotations

from enum import Enum

import strawberry


@strawberry.enum(description="A look the worker gives a photo's variants (never its original).")
class PhotoFilter(Enum):
    NONE = "NONE"
    CLARENDON = "CLARENDON"
    GINGHAM = "GINGHAM"
    JUNO = "JUNO"
    LARK = "LARK"
    LUDWIG = "LUDWIG"
    MOON = "MOON"
    REYES = "REYES"
    VALENCIA = "VALENCIA"
