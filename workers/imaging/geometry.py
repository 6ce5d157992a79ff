"""Pure size arithmetic for media variants: no I/O, no Pillow."""

from __future__ import annotations

# Target widths, smallest first; the resize cascade walks this in reverse.
SIZES: dict[str, int] = {"THUMBNAIL": 150, "SMALL": 320, "FEED": 640, "FULL": 1080}

# EXIF orientations whose transform is a transpose or a 90/270 degree rotation.
_AXIS_SWAPPING = frozenset({5, 6, 7, 8})

# libjpeg (as driven by Pillow's JpegImageFile.draft) decodes at 1/1, 1/2, 1/4 or 1/8 scale.
JPEG_DRAFT_SCALES = (8, 4, 2, 1)

# A crop as fractions of the upright image: x, y, width, height.
Fractions = tuple[float, float, float, float]
# A rectangle in pixels: left, top, right, bottom.
Box = tuple[float, float, float, float]


def fit_width(width: int, height: int, target_width: int) -> tuple[int, int]:
    """Scale to `target_width` keeping the aspect ratio; never upscale; each side >= 1."""
    if width < 1 or height < 1 or target_width < 1:
        raise ValueError(f"sizes must be positive: {width}x{height} -> {target_width}")
    if target_width >= width:
        return width, height
    # Round half up with integers so results do not depend on float or banker's rounding.
    new_height = (2 * height * target_width + width) // (2 * width)
    return target_width, max(1, new_height)


def variant_plan(width: int, height: int) -> list[tuple[str, int, int]]:
    """One (size_name, width, height) per SIZES entry, in SIZES order."""
    return [(name, *fit_width(width, height, target)) for name, target in SIZES.items()]


def swaps_axes(orientation: int | None) -> bool:
    return orientation in _AXIS_SWAPPING


def oriented_size(width: int, height: int, orientation: int | None) -> tuple[int, int]:
    """Size after applying the EXIF orientation (5..8 swap width and height)."""
    return (height, width) if swaps_axes(orientation) else (width, height)


def draft_request(
    width: int, height: int, orientation: int | None, crop: Fractions | None = None
) -> tuple[int, int]:
    """The size, in stored (un-rotated) pixels, that the decoder must deliver at least.

    That is the largest variant (width-limited in the *oriented* frame) mapped back to the
    stored frame, so a portrait photo stored sideways still gets 1080 px across once upright;
    with a crop, enough that the cropped part still holds the largest variant.
    """
    upright_w, upright_h = oriented_size(width, height, orientation)
    crop_w, crop_h = box_size(crop_box(upright_w, upright_h, crop))
    full_w, full_h = fit_width(crop_w, crop_h, max(SIZES.values()))
    # Integer ceilings: without a crop this is exactly the largest variant's size.
    wanted = (-(-upright_w * full_w // crop_w), -(-upright_h * full_h // crop_h))
    return oriented_size(min(wanted[0], upright_w), min(wanted[1], upright_h), orientation)


def crop_box(width: int, height: int, crop: Fractions | None) -> Box:
    """A crop given as fractions (x, y, width, height) of a `width` x `height` frame, in
    pixels (left, top, right, bottom); the whole frame without a crop."""
    if crop is None:
        return (0.0, 0.0, float(width), float(height))
    x, y, w, h = crop
    return (x * width, y * height, min(1.0, x + w) * width, min(1.0, y + h) * height)


def box_size(box: Box) -> tuple[int, int]:
    """Whole pixels a box spans (at least one each way)."""
    left, top, right, bottom = box
    return max(1, round(right - left)), max(1, round(bottom - top))


def stored_box(box: Box, width: int, height: int, orientation: int | None) -> Box:
    """A box of the upright image as a box of the stored one (`width` x `height` as stored),
    for an EXIF orientation whose transform (workers.imaging.image._TRANSPOSE) makes it
    upright."""
    left, top, right, bottom = box
    if orientation == 2:  # mirrored
        return (width - right, top, width - left, bottom)
    if orientation == 3:  # upside down
        return (width - right, height - bottom, width - left, height - top)
    if orientation == 4:  # mirrored upside down
        return (left, height - bottom, right, height - top)
    if orientation == 5:  # transposed
        return (top, left, bottom, right)
    if orientation == 6:  # stored turned left: upright after a quarter turn clockwise
        return (top, height - right, bottom, height - left)
    if orientation == 7:  # transverse
        return (width - bottom, height - right, width - top, height - left)
    if orientation == 8:  # stored turned right
        return (width - bottom, left, width - top, right)
    return box


def scale_box(box: Box, sx: float, sy: float) -> Box:
    left, top, right, bottom = box
    return (left * sx, top * sy, right * sx, bottom * sy)


def jpeg_draft_scale(width: int, height: int, request: tuple[int, int]) -> int:
    """The denominator Pillow's JPEG draft picks: the largest 1/s keeping both sides >= request."""
    ratio = min(width // request[0], height // request[1])
    return next(s for s in JPEG_DRAFT_SCALES if ratio >= s or s == 1)


def scaled_size(width: int, height: int, scale: int) -> tuple[int, int]:
    """Size libjpeg produces when decoding at 1/scale (it rounds up)."""
    return -(-width // scale), -(-height // scale)
