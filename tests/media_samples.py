"""Photos and videos made on the fly for the media tests."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

from PIL import Image, ImageDraw

GPS_IFD = 0x8825
ORIENTATION = 0x0112


def photo(width: int, height: int, *, color: tuple[int, int, int] = (200, 80, 40)) -> Image.Image:
    image = Image.new("RGB", (width, height), color)
    draw = ImageDraw.Draw(image)
    # A marker in the top-left corner, to check orientation was applied.
    draw.rectangle((0, 0, width // 4, height // 4), fill=(0, 0, 255))
    draw.ellipse((width // 3, height // 3, width // 2, height // 2), fill=(255, 255, 0))
    return image


def jpeg(
    width: int,
    height: int,
    *,
    orientation: int | None = None,
    gps: bool = False,
    color: tuple[int, int, int] = (200, 80, 40),
) -> bytes:
    exif = Image.Exif()
    if orientation is not None:
        exif[ORIENTATION] = orientation
    if gps:
        exif[GPS_IFD] = {1: "N", 2: (48.0, 51.0, 29.0), 3: "E", 4: (2.0, 17.0, 40.0)}
    out = io.BytesIO()
    photo(width, height, color=color).save(out, "JPEG", quality=85, exif=exif.tobytes())
    return out.getvalue()


def png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    photo(width, height).save(out, "PNG")
    return out.getvalue()


def heic(width: int, height: int, *, orientation: int | None = None) -> bytes:
    """`orientation` (EXIF numbering) becomes irot/imir boxes, as a phone writes them."""
    import pillow_heif

    pillow_heif.register_heif_opener()
    exif = Image.Exif()
    if orientation is not None:
        exif[ORIENTATION] = orientation
    out = io.BytesIO()
    photo(width, height).save(out, "HEIF", quality=80, exif=exif.tobytes())
    return out.getvalue()


def jpeg_with_late_header(width: int, height: int) -> bytes:
    """A JPEG whose size lies past the first 128 KiB (three large comment segments first)."""
    comment = b"\xff\xfe" + (65000).to_bytes(2, "big") + b"x" * 64998
    data = jpeg(width, height)
    return data[:2] + comment * 3 + data[2:]


def mp4(path: Path, *, seconds: int = 2, size: str = "640x480") -> bytes:
    import imageio_ffmpeg  # type: ignore[import-untyped]

    subprocess.run(
        [
            imageio_ffmpeg.get_ffmpeg_exe(),
            "-v", "error", "-y",
            "-f", "lavfi", "-i", f"testsrc=duration={seconds}:size={size}:rate=10",
            "-f", "lavfi", "-i", f"sine=duration={seconds}",
            "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest",
            str(path),
        ],
        check=True,
        timeout=60,
    )  # fmt: skip
    return path.read_bytes()
