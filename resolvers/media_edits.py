"""Edits a post's author asks for: a filter and a crop per photo, applied by the worker.

The rules are pure functions, shared with the worker (which checks a crop again against the
decoded image, whatever was known here).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from io import BytesIO

from PIL import Image

from resolvers.errors import bad_input
from resolvers.heif_header import heif_upright_size
from storage.media import MediaRow

FILTERS = frozenset(
    {"NONE", "CLARENDON", "GINGHAM", "JUNO", "LARK", "LUDWIG", "MOON", "REYES", "VALENCIA"}
)
# Width / height of a cropped photo: from 4:5 (portrait) to 1.91:1 (landscape).
MIN_ASPECT = 4 / 5
MAX_ASPECT = 1.91
# Clients compute fractions in floating point: a hair outside a bound is still on it.
_SLACK = 1e-6
_ASPECT_SLACK = 1e-4
# Bytes read from an upload to learn its size and orientation before the worker runs.
HEADER_BYTES = 128 * 1024
_ORIENTATION = 0x0112

Crop = tuple[float, float, float, float]  # x, y, width, height: fractions of the upright image


@dataclass(frozen=True)
class Edit:
    filter: str = "NONE"
    crop: Crop | None = None

    @property
    def is_empty(self) -> bool:
        return self.filter == "NONE" and self.crop is None

    @property
    def key(self) -> str:
        """The same text for the same edits: uploads share a rendition only when it matches."""
        if self.crop is None:
            return self.filter.lower()
        return self.filter.lower() + ";crop=" + ",".join(f"{v:.6f}" for v in self.crop)


NO_EDIT = Edit()


@dataclass(frozen=True)
class EditInput:
    """One MediaEditInput, as the schema hands it over."""

    media_id: int
    filter: str
    crop: Crop | None


def as_crop(values: Sequence[float] | None) -> Crop | None:
    """A stored crop (four numbers) as a Crop."""
    if values is None:
        return None
    x, y, width, height = values
    return (x, y, width, height)


def crop_bounds_problem(crop: Crop) -> str | None:
    """What is wrong with a crop rectangle whatever the image (None when it is fine)."""
    x, y, w, h = crop
    if not all(math.isfinite(v) for v in crop):
        return "values must be finite numbers"
    if x < 0 or y < 0:
        return "x and y must be at least 0"
    if w <= 0 or h <= 0:
        return "width and height must be greater than 0"
    if x + w > 1 + _SLACK or y + h > 1 + _SLACK:
        return "the rectangle must lie inside the image (x + width and y + height at most 1)"
    return None


def crop_problem(crop: Crop, upright_width: int, upright_height: int) -> str | None:
    """What is wrong with a crop of an image this size once upright (None when it is fine)."""
    if problem := crop_bounds_problem(crop):
        return problem
    _, _, w, h = crop
    if w * upright_width < 1 or h * upright_height < 1:
        return "the rectangle must be at least one pixel each way"
    aspect = (w * upright_width) / (h * upright_height)
    if aspect < MIN_ASPECT * (1 - _ASPECT_SLACK) or aspect > MAX_ASPECT * (1 + _ASPECT_SLACK):
        return f"its aspect ratio {aspect:.3f} must lie between 4:5 (0.8) and 1.91:1"
    return None


def clean_edits(
    edits: Sequence[EditInput] | None, media_ids: Sequence[int], rows: Mapping[int, MediaRow]
) -> dict[int, Edit]:
    """The edits by media id: each names a media of the post, at most once, and only photos
    take a filter or a crop. BAD_USER_INPUT naming the field otherwise."""
    cleaned: dict[int, Edit] = {}
    for index, item in enumerate(edits or ()):
        where = f"edits[{index}]"
        if item.media_id not in media_ids:
            raise bad_input(
                "An edit must name one of the post's mediaIds", field=f"{where}.mediaId"
            )
        if item.media_id in cleaned:
            raise bad_input("At most one edit per media", field=f"{where}.mediaId")
        if item.filter not in FILTERS:
            raise bad_input("Unknown filter", field=f"{where}.filter")
        if item.crop is not None and (problem := crop_bounds_problem(item.crop)):
            raise bad_input(f"Invalid crop: {problem}", field=f"{where}.crop")
        edit = Edit(item.filter, item.crop)
        row = rows.get(item.media_id)
        if row is not None and row.kind != "photo" and not edit.is_empty:
            raise bad_input("Only photos take a filter or a crop", field=where)
        cleaned[item.media_id] = edit
    return cleaned


def check_crop_fits(edit: Edit, upright_size: tuple[int, int] | None, *, field: str) -> None:
    """BAD_USER_INPUT when the crop does not suit an image of this upright size (unknown
    sizes pass: the worker checks again and fails the post with the reason)."""
    if edit.crop is None or upright_size is None:
        return
    if problem := crop_problem(edit.crop, *upright_size):
        raise bad_input(f"Invalid crop: {problem}", field=field)


def upright_size(head: bytes) -> tuple[int, int] | None:
    """Width and height, once upright, of a JPEG, PNG, WebP or HEIC/HEIF from its first bytes;
    None when they cannot tell (another format, or the header lies further in)."""
    if head[4:8] == b"ftyp":
        return heif_upright_size(head)
    try:
        with warnings.catch_warnings():
            # A header claiming a huge image: the worker refuses it by our own pixel limit.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(BytesIO(head), formats=("JPEG", "PNG", "WEBP")) as image:
                width, height = image.size
                orientation = image.getexif().get(_ORIENTATION, 1)
    except Exception:  # hostile or truncated bytes: the worker decides
        return None
    if orientation in (5, 6, 7, 8):
        return height, width
    return width, height
