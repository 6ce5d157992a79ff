"""process_image on generated inputs: sizes, orientation, metadata stripping, hashes, refusals."""

from __future__ import annotations

import random
import struct
import zlib
from io import BytesIO
from pathlib import Path
from typing import Any

import pillow_heif
import pytest
from PIL import Image, ImageChops, ImageCms, ImageDraw, ImageFile, JpegImagePlugin

from workers.imaging import (
    MediaRejected,
    ProcessedImage,
    blurhash_of,
    dhash64,
    hamming,
    process_image,
    variant_plan,
)


def photo(width: int, height: int, seed: int = 1) -> Image.Image:
    """Not flat colour: gradients plus random shapes, so hashes and codecs have work to do."""
    rnd = random.Random(seed)
    gx = Image.linear_gradient("L").rotate(90).resize((width, height))
    gy = Image.linear_gradient("L").resize((width, height))
    image = Image.merge("RGB", (gx, gy, ImageChops.invert(gy)))
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x, y, r = rnd.randrange(width), rnd.randrange(height), rnd.randrange(width // 5) + 4
        fill = (rnd.randrange(256), rnd.randrange(256), rnd.randrange(256))
        draw.ellipse((x - r, y - r, x + r, y + r), fill=fill)
    return image


def webp_chunks(data: bytes) -> list[bytes]:
    assert data[:4] == b"RIFF" and data[8:12] == b"WEBP"
    chunks, offset = [], 12
    while offset + 8 <= len(data):
        fourcc, size = data[offset : offset + 4], struct.unpack_from("<I", data, offset + 4)[0]
        chunks.append(fourcc)
        offset += 8 + size + (size & 1)
    return chunks


def assert_clean_variants(result: ProcessedImage) -> None:
    """Right sizes in SIZES order, decodable WebP, nothing but pixels inside."""
    plan = variant_plan(result.width, result.height)
    assert [(v.size, v.width, v.height) for v in result.variants] == plan
    for variant in result.variants:
        assert variant.content_type == "image/webp"
        assert variant.width <= result.width
        assert set(webp_chunks(variant.data)) <= {b"VP8 ", b"VP8L", b"VP8X", b"ALPH"}
        with Image.open(BytesIO(variant.data)) as decoded:
            assert decoded.format == "WEBP"
            assert decoded.size == (variant.width, variant.height)
            assert not {"exif", "icc_profile", "xmp"} & decoded.info.keys()
            assert len(decoded.getexif()) == 0


def save(image: Image.Image, path: Path, **params: Any) -> Path:
    image.save(path, **params)
    return path


def test_phone_jpeg_is_rotated_and_stripped(tmp_path: Path) -> None:
    # Stored landscape, top half red; orientation 6 (rotate 90 deg clockwise) puts red on the right.
    image = Image.new("RGB", (4032, 3024), (0, 0, 255))
    image.paste((255, 0, 0), (0, 0, 4032, 1512))
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x010F] = "PhoneMaker"
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (52.0, 13.0, 37.0), 3: "E", 4: (21.0, 0.0, 42.0)})
    path = save(image, tmp_path / "phone.jpg", quality=90, exif=exif)
    with Image.open(path) as stored:
        assert stored.getexif().get_ifd(0x8825), "fixture must really carry GPS"

    result = process_image(path)

    assert (result.width, result.height, result.source_format) == (3024, 4032, "JPEG")
    assert [(v.width, v.height) for v in result.variants][-1] == (1080, 1440)
    assert_clean_variants(result)
    for variant in result.variants:
        assert b"PhoneMaker" not in variant.data
    thumb = Image.open(BytesIO(result.variants[0].data)).convert("RGB")
    red, _, blue = thumb.getpixel((thumb.width * 3 // 4, thumb.height // 2))  # type: ignore[misc]
    assert red > 200 and blue < 60
    red, _, blue = thumb.getpixel((thumb.width // 4, thumb.height // 2))  # type: ignore[misc]
    assert blue > 200 and red < 60


def test_jpeg_is_decoded_at_reduced_scale(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[tuple[int, int] | None, tuple[int, int]]] = []
    original = JpegImagePlugin.JpegImageFile.draft

    def spy(
        self: JpegImagePlugin.JpegImageFile, mode: str | None, size: tuple[int, int] | None
    ) -> tuple[str, tuple[int, int, float, float]] | None:
        result = original(self, mode, size)
        seen.append((size, self.size))
        return result

    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "draft", spy)
    exif = Image.Exif()
    exif[0x0112] = 6
    path = save(photo(4032, 3024), tmp_path / "big.jpg", quality=85, exif=exif)

    result = process_image(path)

    # FULL is 1080x1440 upright = 1440x1080 as stored; 1/2 scale is the smallest that covers it.
    assert seen == [((1440, 1080), (2016, 1512))]
    assert result.variants[-1].width == 1080


def test_png_alpha_is_kept(tmp_path: Path) -> None:
    image = Image.new("RGBA", (800, 600), (0, 128, 0, 255))
    image.paste((0, 0, 0, 0), (400, 0, 800, 600))
    result = process_image(save(image, tmp_path / "alpha.png"))

    assert result.source_format == "PNG"
    assert_clean_variants(result)
    decoded = Image.open(BytesIO(result.variants[1].data))
    assert decoded.mode == "RGBA"
    assert decoded.getpixel((10, 10))[3] == 255  # type: ignore[index]
    assert decoded.getpixel((decoded.width - 10, 10))[3] == 0  # type: ignore[index]


def test_small_image_is_never_upscaled(tmp_path: Path) -> None:
    result = process_image(save(photo(400, 300), tmp_path / "small.webp", quality=90))

    assert result.source_format == "WEBP"
    assert [(v.width, v.height) for v in result.variants] == [
        (150, 113),
        (320, 240),
        (400, 300),
        (400, 300),
    ]
    assert result.variants[2].data == result.variants[3].data  # encoded once
    assert_clean_variants(result)


def test_heic(tmp_path: Path) -> None:
    path = tmp_path / "iphone.heic"
    pillow_heif.from_pillow(photo(640, 480)).save(path, quality=70)
    result = process_image(path)

    assert (result.width, result.height, result.source_format) == (640, 480, "HEIF")
    assert_clean_variants(result)


def test_multi_picture_jpeg_counts_as_jpeg(tmp_path: Path) -> None:
    # Phones write MPO (a JPEG plus depth/preview frames); Pillow names the format "MPO".
    image = photo(600, 400)
    path = save(
        image, tmp_path / "portrait-mode.jpg", format="MPO", save_all=True, append_images=[image]
    )
    with Image.open(path) as stored:
        assert stored.format == "MPO"
    result = process_image(path)

    assert result.source_format == "JPEG"
    assert_clean_variants(result)


def test_cmyk_jpeg_becomes_rgb(tmp_path: Path) -> None:
    image = Image.new("RGB", (500, 400), (220, 30, 30)).convert("CMYK")
    result = process_image(save(image, tmp_path / "print.jpg", quality=95))

    assert_clean_variants(result)
    decoded = Image.open(BytesIO(result.variants[0].data))
    assert decoded.mode == "RGB"
    red, green, blue = decoded.getpixel((20, 20))  # type: ignore[misc]
    assert red > 180 and green < 80 and blue < 80


def swapped_primaries_profile() -> bytes:
    """sRGB with its red and blue primaries exchanged: converting from it swaps R and B."""
    profile = bytearray(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    offsets = {
        bytes(profile[132 + 12 * i : 136 + 12 * i]): 132 + 12 * i
        for i in range(struct.unpack_from(">I", profile, 128)[0])
    }
    red, blue = offsets[b"rXYZ"] + 4, offsets[b"bXYZ"] + 4
    profile[red : red + 8], profile[blue : blue + 8] = (
        profile[blue : blue + 8],
        profile[red : red + 8],
    )
    profile[84:100] = bytes(16)  # the profile ID (MD5) no longer matches
    return bytes(profile)


def test_icc_profile_is_applied_then_dropped(tmp_path: Path) -> None:
    image = Image.new("RGB", (300, 200), (255, 0, 0))
    path = save(image, tmp_path / "wide-gamut.png", icc_profile=swapped_primaries_profile())
    result = process_image(path)

    assert_clean_variants(result)
    red, _, blue = Image.open(BytesIO(result.variants[0].data)).getpixel((5, 5))  # type: ignore[misc]
    assert blue > 200 and red < 60


@pytest.mark.parametrize(
    ("mode", "colour", "expected_mode", "expected_red"),
    [
        ("L", 100, "RGB", 100),
        ("I;16", 40000, "RGB", 156),  # 16-bit scaled to 8-bit, not clipped at 255
        ("1", 1, "RGB", 255),
        ("LA", (100, 128), "RGBA", 100),
        ("P", 3, "RGB", 3),
    ],
)
def test_odd_modes(
    tmp_path: Path, mode: str, colour: int | tuple[int, int], expected_mode: str, expected_red: int
) -> None:
    result = process_image(save(Image.new(mode, (320, 200), colour), tmp_path / "odd.png"))

    assert_clean_variants(result)
    decoded = Image.open(BytesIO(result.variants[0].data))
    assert decoded.mode == expected_mode
    assert abs(decoded.getpixel((10, 10))[0] - expected_red) <= 3  # type: ignore[index]


def test_hashes(tmp_path: Path) -> None:
    base = photo(1200, 900, seed=1)
    similar = base.resize((1000, 750)).point(lambda v: min(255, v + 6))
    other = photo(1200, 900, seed=2)
    a = process_image(save(base, tmp_path / "a.jpg", quality=90))
    b = process_image(save(similar, tmp_path / "b.jpg", quality=40))
    c = process_image(save(other, tmp_path / "c.jpg", quality=90))

    for result in (a, b, c):
        assert -(2**63) <= result.phash < 2**63
        assert len(result.blurhash) == 28  # 2 header + 4 DC + 2 per each of 11 AC components
        assert result.blurhash[0] == "L"  # base83 of (4 - 1) + (3 - 1) * 9
    assert hamming(a.phash, b.phash) <= 6
    assert hamming(a.phash, c.phash) >= 16
    assert a.blurhash != c.blurhash


def test_dhash_bits_and_sign() -> None:
    rising = Image.linear_gradient("L").rotate(90).resize((90, 80))  # brighter to the right
    assert dhash64(rising) == -1  # all 64 bits set, as a signed bigint
    assert dhash64(rising.transpose(Image.Transpose.FLIP_LEFT_RIGHT)) == 0
    assert hamming(0, -1) == 64
    assert hamming(-1, -1) == 0
    assert hamming(1, 3) == 1
    assert blurhash_of(Image.new("RGBA", (64, 48), (0, 0, 0, 0))) == blurhash_of(
        Image.new("RGB", (64, 48), "white")
    )


def png_header_claiming(width: int, height: int) -> bytes:
    """A tiny real PNG whose IHDR claims another size (CRC fixed, pixel data not)."""
    buffer = BytesIO()
    Image.new("RGB", (1, 1)).save(buffer, "PNG")
    data = bytearray(buffer.getvalue())
    struct.pack_into(">II", data, 16, width, height)
    struct.pack_into(">I", data, 29, zlib.crc32(bytes(data[12:29])))
    return bytes(data)


def jpeg_bytes() -> bytes:
    buffer = BytesIO()
    photo(600, 400).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def gif_bytes() -> bytes:
    buffer = BytesIO()
    Image.new("P", (32, 32)).save(buffer, "GIF")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"hello, this is not an image\n" * 10, "not a supported image"),
        (gif_bytes(), "not a supported image"),
        (b"BM" + bytes(100), "not a supported image"),
        (jpeg_bytes()[:4000], "corrupt or truncated"),
        (b"\xff\xd8\xff" + bytes(50), "corrupt or truncated"),
        (b"", "empty"),
        (png_header_claiming(20000, 20000), "too large"),  # Pillow's own check would raise
        (png_header_claiming(10000, 9000), "too large"),  # ... or warn
    ],
    ids=["text", "gif", "bmp", "truncated-jpeg", "jpeg-magic-only", "empty", "bomb", "warn-bomb"],
)
def test_rejections(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "upload"
    path.write_bytes(content)
    with pytest.raises(MediaRejected) as caught:
        process_image(path)
    assert reason in caught.value.reason
    assert len(caught.value.reason) < 80


def test_pixel_limit_is_checked_before_decoding(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = save(photo(400, 300), tmp_path / "ok.png")

    def no_decoding(self: ImageFile.ImageFile) -> None:
        raise AssertionError("pixels were decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
    with pytest.raises(MediaRejected, match="too large"):
        process_image(path, max_pixels=100_000)


def test_byte_limit_is_checked_first(tmp_path: Path) -> None:
    path = save(photo(400, 300), tmp_path / "ok.jpg")
    with pytest.raises(MediaRejected, match="file is too large"):
        process_image(path, max_bytes=1000)
    assert process_image(path, max_bytes=path.stat().st_size).width == 400
