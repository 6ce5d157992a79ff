from __future__ import annotations

import strawberry


@strawberry.input(
    description="A rectangle of the upright photo, in fractions 0..1 of its width and height;"
    " width/height of the result must lie between 4:5 and 1.91:1."
)
class CropInput:
    x: float
    y: float
    width: float
    height: float
