"""The HEIF header reader against pillow-heif's own files and sizes, and hand-built boxes."""

from __future__ import annotations

import io
import struct

import pillow_heif
import pytest
from PIL import Image

from resolvers.heif_header import heif_upright_size
from resolvers.media_edits import HEADER_BYTES, upright_size

pillow_heif.register_heif_opener()


def _heic(width: int, height: int, orientation: int = 1) -> bytes:
    """pillow-heif turns an EXIF orientation into irot/imir boxes, as a phone does."""
    exif = Image.Exif()
    exif[0x0112] = orientation
    out = io.BytesIO()
    Image.new("RGB", (width, height), (90, 140, 30)).save(
        out, "HEIF", quality=40, exif=exif.tobytes()
    )
    return out.getvalue()


@pytest.mark.parametrize("orientation", range(1, 9))
@pytest.mark.parametrize(("width", "height"), [(800, 600), (301, 517), (64, 65), (1001, 333)])
def test_the_size_pillow_heif_decodes(width: int, height: int, orientation: int) -> None:
    data = _heic(width, height, orientation)
    with Image.open(io.BytesIO(data)) as decoded:
        expected = decoded.size
    assert expected == ((height, width) if orientation >= 5 else (width, height))
    assert heif_upright_size(data) == expected
    assert upright_size(data[:HEADER_BYTES]) == expected


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def _full(kind: bytes, version: int, flags: int, payload: bytes) -> bytes:
    return _box(kind, bytes([version]) + flags.to_bytes(3, "big") + payload)


def _ispe(width: int, height: int) -> bytes:
    return _full(b"ispe", 0, 0, struct.pack(">II", width, height))


def _file(
    properties: list[bytes],
    associations: list[int],
    *,
    brand: bytes = b"heic",
    primary: int = 1,
    ipma_version: int = 0,
    ipma_flags: int = 0,
    tail: bytes = b"",
) -> bytes:
    """ftyp, then meta (pitm, iprp: ipco with `properties`, ipma giving item `primary` the
    1-based `associations`), then `tail`."""
    pitm = _full(b"pitm", 0, 0, struct.pack(">H", primary))
    id_format = ">H" if ipma_version < 1 else ">I"
    index_format = ">H" if ipma_flags & 1 else ">B"
    entry = struct.pack(id_format, primary) + bytes([len(associations)])
    essential = 0x8000 if ipma_flags & 1 else 0x80  # the top bit, on the first property
    entry += b"".join(
        struct.pack(index_format, i | (essential if n == 0 else 0))
        for n, i in enumerate(associations)
    )
    ipma = _full(b"ipma", ipma_version, ipma_flags, struct.pack(">I", 1) + entry)
    iprp = _box(b"iprp", _box(b"ipco", b"".join(properties)) + ipma)
    meta = _full(b"meta", 0, 0, _full(b"hdlr", 0, 0, b"\0" * 20) + pitm + iprp)
    ftyp = _box(b"ftyp", brand + b"\0\0\0\0mif1" + brand)
    return ftyp + meta + tail


IROT_90 = _box(b"irot", b"\x01")
IROT_180 = _box(b"irot", b"\x02")
IROT_270 = _box(b"irot", b"\x03")


def _clap(width: tuple[int, int], height: tuple[int, int]) -> bytes:
    """A centred clean aperture of these fractional sizes (numerator, denominator)."""
    return _box(b"clap", struct.pack(">8I", *width, *height, 0, 1, 0, 1))


@pytest.mark.parametrize(
    ("data", "size"),
    [
        (_file([_ispe(4032, 3024)], [1]), (4032, 3024)),
        (_file([_ispe(4032, 3024), IROT_90], [1, 2]), (3024, 4032)),
        (_file([IROT_90, _ispe(4032, 3024), IROT_90], [1, 2, 3]), (4032, 3024)),
        (_file([_ispe(4032, 3024), IROT_180], [1, 2]), (4032, 3024)),
        (_file([_ispe(4032, 3024), IROT_270], [1, 2]), (3024, 4032)),
        (_file([_ispe(302, 518), _clap((301, 1), (517, 1))], [1, 2]), (301, 517)),
        (_file([_ispe(302, 518), _clap((603, 2), (1033, 2))], [1, 2]), (302, 517)),  # rounded
        # A clean aperture after a rotation is given upright.
        (_file([_ispe(302, 518), IROT_90, _clap((517, 1), (301, 1))], [1, 2, 3]), (517, 301)),
        (_file([_ispe(302, 518), _clap((301, 1), (517, 1)), IROT_90], [1, 2, 3]), (517, 301)),
        (_file([_ispe(10, 20), IROT_90], [1]), (10, 20)),  # irot not the primary item's
        (_file([_ispe(10, 20)], [1], ipma_version=1, ipma_flags=1), (10, 20)),
        (_file([_ispe(10, 20)], [1], brand=b"mif1"), (10, 20)),
        (_file([_ispe(10, 20)], [1], tail=_box(b"mdat", b"\0" * 64)[:20]), (10, 20)),
        # an mdat of size 0 runs to the end of the file
        (_file([_ispe(10, 20)], [1], tail=b"\0\0\0\0mdat" + b"\0" * 9), (10, 20)),
        # Unknown: the worker decides.
        (b"", None),
        (b"\xff\xd8\xff\xe0" + b"\0" * 40, None),  # a JPEG
        (_file([_ispe(10, 20)], [1], brand=b"avif"), None),  # not a brand the worker opens
        (_file([_ispe(10, 20), _clap((11, 1), (20, 1))], [1, 2]), None),  # wider than the image
        (_file([_ispe(10, 20), _clap((5, 0), (20, 1))], [1, 2]), None),
        (_file([_ispe(10, 20), _box(b"clap", b"\0" * 12)], [1, 2]), None),  # too short
        (_file([_ispe(10, 20)], [0]), None),  # no ispe for the primary item
        (_file([_ispe(0, 20)], [1]), None),
        (_file([_ispe(10, 20)], [7]), None),  # an index past the properties
        (_file([_ispe(10, 20)], [1])[:-3], None),  # meta cut short
        (_file([_ispe(10, 20)], [1], primary=2)[:-1] + b"\x09", None),  # wrong item
        (_file([_full(b"ispe", 0, 0, b"\0\0")], [1]), None),  # ispe too short
    ],
)
def test_boxes(data: bytes, size: tuple[int, int] | None) -> None:
    assert heif_upright_size(data) == size


def test_meta_after_the_bytes_read_tells_nothing() -> None:
    # mdat first, bigger than the head read: meta lies beyond it.
    ftyp = _box(b"ftyp", b"heic\0\0\0\0mif1heic")
    head = ftyp + struct.pack(">I", 1 << 20) + b"mdat" + b"\0" * 1000
    assert heif_upright_size(head) is None


@pytest.mark.parametrize("size_field", [1, 7])  # a 64-bit size cut short; a size below 8
def test_hostile_sizes(size_field: int) -> None:
    ftyp = _box(b"ftyp", b"heic\0\0\0\0mif1heic")
    assert heif_upright_size(ftyp + struct.pack(">I", size_field) + b"meta" + b"\0\0\0") is None
