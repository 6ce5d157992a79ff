"""Untrusted photo in, upright metadata-free WebP variants plus BlurHash and dHash out."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import IO

import pillow_heif
from PIL import Image, ImageCms, ImageFile, JpegImagePlugin, PngImagePlugin, WebPImagePlugin

from resolvers.media_edits import crop_problem
from workers.imaging.filters import apply_filter
from workers.imaging.geometry import (
    Box,
    Fractions,
    box_size,
    crop_box,
    draft_request,
    oriented_size,
    scale_box,
    stored_box,
    variant_plan,
)
from workers.imaging.hashes import blurhash_of, dhash64

# Importing a plugin registers its opener in Image.OPEN, which _open_header reads.
_PLUGINS = (JpegImagePlugin, PngImagePlugin, WebPImagePlugin)
pillow_heif.register_heif_opener()

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "HEIF"}
# Cheap magic-number checks first; HEIF last because its check parses the ftyp box.
_OPEN_ORDER = ("JPEG", "PNG", "WEBP", "HEIF")

CONTENT_TYPE = "image/webp"
WEBP_QUALITY = 80
# libwebp's default effort; 0-2 are ~3x faster but skip the RD-optimised token coding.
WEBP_METHOD = 4
WEBP_MAX_SIDE = 16383
# Box-reduce by an integer factor before Lanczos when shrinking more than 2x (e.g. HEIF, PNG):
# the same trade libjpeg's DCT scaling makes for JPEG via draft(), at a fraction of the cost of
# a 4x-wide Lanczos kernel over 12 MP.
REDUCING_GAP = 1.0

_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))

UNSUPPORTED = "This is not a supported image (use JPEG, PNG, WebP or HEIC)"
CORRUPT = "The image data is corrupt or truncated"


class MediaRejected(Exception):
    """Permanent, client-safe reason the media cannot be used (shown to the post's author)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Variant:
    size: str
    width: int
    height: int
    content_type: str
    data: bytes


@dataclass(frozen=True)
class ProcessedImage:
    width: int
    height: int
    source_format: str
    variants: list[Variant]
    blurhash: str
    phash: int


def process_image(
    path: Path,
    *,
    max_pixels: int = 50_000_000,
    max_bytes: int = 30 * 2**20,
    crop: Fractions | None = None,
    filter_name: str = "NONE",
) -> ProcessedImage:
    """Decode, orient, crop, filter and re-encode `path`; raises MediaRejected for unusable
    input (a crop is checked against the upright size here, whatever the API checked).

    The crop (fractions of the upright image) is cut before resizing; the filter runs once on
    the largest variant, before the smaller ones are cut from it, so all sizes look alike.
    CPU-bound and synchronous: run it in a worker thread. Other exceptions (I/O errors,
    MemoryError) are transient or bugs, not the uploader's fault.
    """
    size = os.stat(path).st_size
    if size > max_bytes:
        raise MediaRejected(f"The file is too large (limit {max_bytes / 2**20:g} MB)")
    if size == 0:
        raise MediaRejected("The file is empty")
    with open(path, "rb") as fp:
        with _decoding():
            im = _open_header(fp, os.fspath(path))
        width, height = im.size
        # Header only so far: refuse bombs before a single pixel is decoded.
        if width * height > max_pixels:
            raise MediaRejected(f"The image is too large (limit {max_pixels / 1e6:g} megapixels)")
        with _decoding():
            orientation = _orientation(im)
            upright_w, upright_h = oriented_size(width, height, orientation)
            if crop is not None and (problem := crop_problem(crop, upright_w, upright_h)):
                raise MediaRejected(f"crop: {problem}")
            box = crop_box(upright_w, upright_h, crop)
            out_w, out_h = box_size(box)
            plan = variant_plan(out_w, out_h)
            if any(h > WEBP_MAX_SIDE for _, _, h in plan):
                raise MediaRejected("The image is too tall for its width")
            # JPEG: decode at 1/2, 1/4 or 1/8 scale; HEIF: use an embedded thumbnail if one is
            # big enough. Both stay >= the largest variant. Other formats ignore it.
            im.draft("RGB", draft_request(width, height, orientation, crop))
            im.load()
        source_format = "JPEG" if im.format == "MPO" else str(im.format)
        icc = im.info.get("icc_profile")
        pixels = _resizable(im)

    # Largest variant first, in stored orientation (transposing 1 MP is cheaper than 12 MP),
    # cut from the crop's part of the decoded pixels (which may be a draft-scaled copy).
    _, full_w, full_h = plan[-1]
    region = scale_box(
        stored_box(box, width, height, orientation),
        pixels.width / width,
        pixels.height / height,
    )
    current = _shrink(pixels, oriented_size(full_w, full_h, orientation), REDUCING_GAP, region)
    if orientation in _TRANSPOSE:
        current = current.transpose(_TRANSPOSE[orientation])
    current = _to_srgb(current, icc if isinstance(icc, bytes) else None)
    # The perceptual hash describes the photo as taken, not the look given to it (moderation
    # matches re-uploads by it): from an unfiltered thumbnail-sized copy.
    _, thumb_w, thumb_h = plan[0]
    phash = None if filter_name == "NONE" else dhash64(_shrink(current, (thumb_w, thumb_h), 2.0))
    current = apply_filter(current, filter_name)

    variants: list[Variant] = []
    data = b""
    for name, w, h in reversed(plan):
        if current.size != (w, h) or not data:
            current = _shrink(current, (w, h), None)
            data = _encode_webp(current)
        # A variant no smaller than the previous one reuses its bytes (small originals).
        variants.append(Variant(name, w, h, CONTENT_TYPE, data))
    variants.reverse()
    return ProcessedImage(
        width=out_w,
        height=out_h,
        source_format=source_format,
        variants=variants,
        blurhash=blurhash_of(current),
        phash=dhash64(current) if phash is None else phash,
    )


@contextmanager
def _decoding() -> Iterator[None]:
    """Turn decoder failures on hostile bytes into a rejection.

    Pillow and libheif raise a wide, undocumented mix (SyntaxError, OSError, ValueError,
    struct.error, RuntimeError...) for malformed input, so anything but MemoryError counts.
    """
    try:
        yield
    except (MediaRejected, MemoryError):
        raise
    except Exception as exc:
        raise MediaRejected(CORRUPT) from exc


def _open_header(fp: IO[bytes], filename: str) -> ImageFile.ImageFile:
    """Image.open() restricted to ALLOWED_FORMATS and without its decompression-bomb check.

    Image.open() raises or *warns* (an error under -W error) about bombs itself, against a global
    limit; we read the header the same way it does and apply our own limit instead.
    """
    prefix = fp.read(16)
    for name in _OPEN_ORDER:
        factory, accept = Image.OPEN[name]
        if accept is not None and accept(prefix) is not True:
            continue
        fp.seek(0)
        return factory(fp, filename)
    raise MediaRejected(UNSUPPORTED)


def _orientation(im: Image.Image) -> int:
    # getexif() also reads XMP tiff:Orientation and PNG "Raw profile type exif", like
    # ImageOps.exif_transpose. pillow-heif applies HEIF irot/imir itself and resets this to 1.
    value = im.getexif().get(0x0112, 1)
    return value if isinstance(value, int) and value in _TRANSPOSE else 1


def _resizable(im: Image.Image) -> Image.Image:
    """A mode Pillow resamples properly (8-bit L/RGB/RGBA/CMYK), transparency kept as alpha."""
    if im.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        # convert("L") would clip 16-bit values at 255 instead of scaling them.
        return im.point(lambda v: v * (1 / 256)).convert("L")
    if im.mode in ("LA", "La", "PA", "RGBa") or "transparency" in im.info:
        return im.convert("RGBA")
    if im.mode in ("L", "RGB", "RGBA", "CMYK"):
        return im
    return im.convert("RGB")


def _shrink(
    im: Image.Image, size: tuple[int, int], reducing_gap: float | None, box: Box | None = None
) -> Image.Image:
    """`im` (or its `box` part) resampled to `size`."""
    if box is None or box == (0, 0, im.width, im.height):
        if im.size == size:
            return im
        box = None
    return im.resize(size, Image.Resampling.LANCZOS, box=box, reducing_gap=reducing_gap)


def _to_srgb(im: Image.Image, icc: bytes | None) -> Image.Image:
    """RGB or RGBA in sRGB with empty info, so nothing from the source leaks into outputs."""
    target = "RGBA" if im.mode == "RGBA" else "RGB"
    out: Image.Image | None = None
    if icc:
        try:
            source = ImageCms.ImageCmsProfile(BytesIO(icc))
            out = ImageCms.profileToProfile(im, source, _SRGB, outputMode=target)
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            out = None  # unusable or mismatched profile: treat the pixels as sRGB
    if out is None:
        out = im if im.mode == target else im.convert(target)
    # Only our own decoded/resized copies reach here, so dropping their info is safe.
    out.info = {}
    return out


def _encode_webp(im: Image.Image) -> bytes:
    buffer = BytesIO()
    im.save(buffer, "WEBP", quality=WEBP_QUALITY, method=WEBP_METHOD)
    return buffer.getvalue()
