"""Perceptual hash (dHash) and BlurHash placeholders."""

from __future__ import annotations

# blurhash.encode() calls Image.getdata(), deprecated in Pillow 12+ (an error under the test
# suite's filterwarnings), builds a Python list per pixel and closes the caller's image; the cffi
# function it wraps takes a plain RGB buffer, so call that directly.
from blurhash._functions import ffi as _ffi  # type: ignore[import-untyped]
from blurhash._functions import lib as _lib
from PIL import Image

_U64 = (1 << 64) - 1
BLURHASH_COMPONENTS = (4, 3)
# The encoder output buffer size blurhash.encode allocates for up to 9x9 components.
_BLURHASH_BUFFER = 2 + 4 + (9 * 9 - 1) * 2 + 1
# BlurHash is a 4x3-component cosine fit; more than ~32 px per side changes nothing visible.
_BLURHASH_MAX_SIDE = 32


def flatten(image: Image.Image, background: tuple[int, int, int] = (255, 255, 255)) -> Image.Image:
    """RGB version of `image`; transparent areas become `background`, not their hidden colour."""
    if image.mode == "RGB":
        return image
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, background)
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return image.convert("RGB")


def to_signed64(value: int) -> int:
    """Reinterpret an unsigned 64-bit value as two's complement, so it fits PostgreSQL bigint."""
    value &= _U64
    return value - (1 << 64) if value >= 1 << 63 else value


def dhash64(image: Image.Image) -> int:
    """64-bit difference hash: 9x8 greyscale, one bit per horizontally adjacent pair."""
    small = flatten(image).convert("L").resize((9, 8), Image.Resampling.LANCZOS)
    pixels = small.tobytes()
    bits = 0
    for row in range(8):
        for col in range(8):
            left = pixels[row * 9 + col]
            bits = (bits << 1) | (pixels[row * 9 + col + 1] > left)
    return to_signed64(bits)


def hamming(a: int, b: int) -> int:
    """Number of differing bits between two 64-bit hashes (signed or unsigned)."""
    return ((a ^ b) & _U64).bit_count()


def blurhash_of(image: Image.Image) -> str:
    """4x3-component BlurHash, computed from a copy shrunk to at most 32 px per side."""
    small = flatten(image)
    if max(small.size) > _BLURHASH_MAX_SIDE:
        small = small.copy()
        small.thumbnail((_BLURHASH_MAX_SIDE, _BLURHASH_MAX_SIDE), Image.Resampling.BOX)
    width, height = small.size
    rgb = small.tobytes()
    destination = _ffi.new("char[]", _BLURHASH_BUFFER)
    result = _lib.create_hash_from_pixels(
        BLURHASH_COMPONENTS[0],
        BLURHASH_COMPONENTS[1],
        width,
        height,
        _ffi.from_buffer("uint8_t[]", rgb),
        width * 3,
        destination,
    )
    if result == _ffi.NULL:
        raise ValueError("blurhash encoding failed")
    encoded: str = _ffi.string(result).decode("ascii")
    return encoded
