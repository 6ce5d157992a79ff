"""The photo filters: each a look made of a colour matrix, tone curves and a vignette.

A look runs once on the largest variant, after cropping and resizing and before the smaller
sizes are cut from it, so every size shows the same look for a fraction of the cost of
filtering the original. Everything is 8-bit integer lookups or Pillow's own fixed passes:
the same input gives the same bytes on every run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from itertools import pairwise

from PIL import Image, ImageChops

Point = tuple[int, int]
IDENTITY: tuple[Point, ...] = ((0, 0), (255, 255))
# ITU-R BT.601 luma, as Pillow's own RGB -> L conversion weighs the channels.
_LUMA = (0.299, 0.587, 0.114)


@dataclass(frozen=True)
class Look:
    """`saturation` 0 is black and white; `gains` warm or cool the whole frame; curves are
    control points of monotone tone curves (`tone` for every channel, then one per channel);
    `vignette` is how much the corners darken (0..1)."""

    saturation: float = 1.0
    gains: tuple[float, float, float] = (1.0, 1.0, 1.0)
    tone: tuple[Point, ...] = IDENTITY
    red: tuple[Point, ...] = IDENTITY
    green: tuple[Point, ...] = IDENTITY
    blue: tuple[Point, ...] = IDENTITY
    vignette: float = 0.0


LOOKS: dict[str, Look] = {
    # Punchy: more contrast and colour, shadows and highlights pushed towards cyan.
    "CLARENDON": Look(
        saturation=1.35,
        tone=((0, 0), (60, 48), (128, 134), (196, 214), (255, 255)),
        red=((0, 0), (128, 124), (255, 250)),
        blue=((0, 18), (128, 136), (255, 255)),
    ),
    # Washed out: lifted blacks, softened whites, muted colour, a little yellow.
    "GINGHAM": Look(
        saturation=0.8,
        gains=(1.02, 1.0, 0.96),
        tone=((0, 38), (128, 136), (255, 232)),
    ),
    # Warm and vivid: reds and yellows pop, cool tones lean green.
    "JUNO": Look(
        saturation=1.3,
        tone=((0, 0), (70, 62), (190, 204), (255, 255)),
        red=((0, 0), (128, 140), (255, 255)),
        green=((0, 4), (128, 130), (255, 252)),
        blue=((0, 0), (128, 116), (255, 240)),
    ),
    # Bright and airy: exposure up, colour slightly muted, a cool lift in the shadows.
    "LARK": Look(
        saturation=0.9,
        tone=((0, 14), (128, 150), (255, 255)),
        red=((0, 0), (128, 122), (255, 250)),
        blue=((0, 10), (128, 134), (255, 255)),
    ),
    # Quiet: a touch less colour, firm mid-tones, warm lights and a soft vignette.
    "LUDWIG": Look(
        saturation=0.85,
        gains=(1.03, 1.0, 0.97),
        tone=((0, 6), (64, 56), (192, 206), (255, 250)),
        vignette=0.25,
    ),
    # Black and white with strong contrast and slightly lifted shadows.
    "MOON": Look(
        saturation=0.0,
        tone=((0, 24), (64, 52), (128, 134), (192, 216), (255, 246)),
    ),
    # Dusty vintage: faded, pale, warm.
    "REYES": Look(
        saturation=0.75,
        gains=(1.04, 1.0, 0.93),
        tone=((0, 48), (128, 150), (255, 236)),
    ),
    # Warm and faded, gold highlights, a light vignette.
    "VALENCIA": Look(
        saturation=1.08,
        gains=(1.05, 1.0, 0.9),
        tone=((0, 24), (128, 140), (255, 246)),
        red=((0, 8), (128, 138), (255, 255)),
        vignette=0.2,
    ),
}
FILTER_NAMES = ("NONE", *LOOKS)


def monotone_curve(points: Sequence[Point]) -> list[int]:
    """256 levels through `points` (x strictly increasing, 0 and 255 included) by monotone
    cubic (Fritsch-Carlson) interpolation: smooth, and never overshooting or reversing."""
    xs = [float(x) for x, _ in points]
    ys = [float(y) for _, y in points]
    if xs[0] != 0 or xs[-1] != 255 or any(b <= a for a, b in pairwise(xs)):
        raise ValueError(f"curve x values must rise strictly from 0 to 255: {points}")
    n = len(xs)
    slopes = [(ys[i + 1] - ys[i]) / (xs[i + 1] - xs[i]) for i in range(n - 1)]
    tangents = [slopes[0], *[(a + b) / 2 for a, b in pairwise(slopes)]]
    tangents.append(slopes[-1])
    for i, slope in enumerate(slopes):
        if slope == 0:
            tangents[i] = tangents[i + 1] = 0.0
            continue
        a, b = tangents[i] / slope, tangents[i + 1] / slope
        if a < 0:
            tangents[i] = 0.0
        if b < 0:
            tangents[i + 1] = 0.0
        if a * a + b * b > 9:  # keeps the segment monotone
            scale = 3 / (a * a + b * b) ** 0.5
            tangents[i], tangents[i + 1] = scale * a * slope, scale * b * slope
    levels: list[int] = []
    segment = 0
    for x in range(256):
        while segment < n - 2 and x > xs[segment + 1]:
            segment += 1
        x0, x1 = xs[segment], xs[segment + 1]
        h = x1 - x0
        t = (x - x0) / h
        h00 = (1 + 2 * t) * (1 - t) ** 2
        h10 = t * (1 - t) ** 2
        h01 = t * t * (3 - 2 * t)
        h11 = t * t * (t - 1)
        y = (
            h00 * ys[segment]
            + h10 * h * tangents[segment]
            + h01 * ys[segment + 1]
            + h11 * h * tangents[segment + 1]
        )
        levels.append(min(255, max(0, round(y))))
    return levels


def colour_matrix(saturation: float, gains: tuple[float, float, float]) -> tuple[float, ...]:
    """Pillow's 12-value RGB matrix: each channel pulled towards (or away from) the luma by
    `saturation`, then scaled by its gain."""
    rows: list[float] = []
    for channel, gain in enumerate(gains):
        for other, weight in enumerate(_LUMA):
            own = saturation if other == channel else 0.0
            rows.append(gain * (own + (1 - saturation) * weight))
        rows.append(0.0)
    return tuple(rows)


@cache
def _lut(look: Look) -> list[int]:
    """The look's tone curves as one 768-entry table for Image.point: channel(tone(v))."""
    tone = monotone_curve(look.tone)
    table: list[int] = []
    for points in (look.red, look.green, look.blue):
        channel = monotone_curve(points)
        table.extend(channel[tone[v]] for v in range(256))
    return table


@cache
def _vignette_mask(strength: float) -> Image.Image:
    """Brightness factors (255 = unchanged) over a square that is stretched to each frame,
    so the vignette covers the same fraction of it at every size."""
    # radial_gradient: 256 x 256, 0 at the centre, 255 about the corners.
    distance = Image.radial_gradient("L")
    fade = [round(255 * (1 - strength * _smoothstep(0.45, 1.0, v / 255))) for v in range(256)]
    return distance.point(fade)


def _smoothstep(edge0: float, edge1: float, x: float) -> float:
    t = min(1.0, max(0.0, (x - edge0) / (edge1 - edge0)))
    return t * t * (3 - 2 * t)


def apply_filter(image: Image.Image, name: str) -> Image.Image:
    """`image` (RGB or RGBA) with the look `name` applied; NONE returns it unchanged.

    Alpha is kept as it is. KeyError for a name that is not in FILTER_NAMES.
    """
    if name == "NONE":
        return image
    look = LOOKS[name]
    alpha = image.getchannel("A") if image.mode == "RGBA" else None
    rgb = image.convert("RGB") if image.mode != "RGB" else image
    if look.saturation != 1.0 or look.gains != (1.0, 1.0, 1.0):
        rgb = rgb.convert("RGB", colour_matrix(look.saturation, look.gains))
    rgb = rgb.point(_lut(look))
    if look.vignette > 0:
        mask = _vignette_mask(look.vignette).resize(rgb.size, Image.Resampling.BILINEAR)
        rgb = ImageChops.multiply(rgb, Image.merge("RGB", (mask, mask, mask)))
    if alpha is not None:
        rgb.putalpha(alpha)
    return rgb
