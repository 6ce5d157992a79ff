"""The upright size of a HEIC/HEIF photo from its first bytes, without decoding anything.

The API reads no pixels and runs no native decoder on an upload: this walks the ISO BMFF
boxes (ftyp, meta: pitm, iprp/ipco, ipma) to the primary item's `ispe` (its size as coded)
then `irot` (rotation) and `clap` (the clean aperture encoders use for odd sizes), as libheif
does before the worker decodes it. Anything unusual (boxes past the bytes read, malformed or
contradictory sizes) answers None: the worker decides then.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

# The brands pillow-heif (the worker's decoder) opens as HEIF, at offset 8 of the file.
BRANDS = frozenset(
    {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs", b"mif1", b"msf1"}
)

Box = tuple[bytes, int, int]  # type, start of its payload, end (exclusive)


class _Unreadable(Exception):
    """Not enough bytes, or sizes that contradict each other."""


def _boxes(data: bytes, start: int, end: int) -> Iterator[Box]:
    """The boxes in data[start:end]; _Unreadable where one runs past `end`."""
    at = start
    while at < end:
        if at + 8 > end:
            raise _Unreadable
        size, kind = struct.unpack_from(">I4s", data, at)
        header = 8
        if size == 1:  # a 64-bit size follows
            if at + 16 > end:
                raise _Unreadable
            (size,) = struct.unpack_from(">Q", data, at + 8)
            header = 16
        elif size == 0:  # up to the end of the enclosing box (or file)
            size = end - at
        if size < header or at + size > end:
            raise _Unreadable
        yield kind, at + header, at + size
        at += size


def _child(data: bytes, start: int, end: int, kind: bytes) -> Box | None:
    return next((box for box in _boxes(data, start, end) if box[0] == kind), None)


def _u(data: bytes, at: int, end: int, size: int) -> int:
    if at + size > end:
        raise _Unreadable
    return int.from_bytes(data[at : at + size], "big")


def _primary_id(data: bytes, pitm: Box) -> int:
    _, start, end = pitm
    version = _u(data, start, end, 1)
    return _u(data, start + 4, end, 2 if version == 0 else 4)


def _associations(data: bytes, ipma: Box, item_id: int) -> list[int]:
    """The 1-based ipco indexes of the properties of `item_id`, in order."""
    _, start, end = ipma
    version, flags = _u(data, start, end, 1), _u(data, start + 1, end, 3)
    id_size, index_size = (2 if version < 1 else 4), (2 if flags & 1 else 1)
    index_mask = (1 << (8 * index_size - 1)) - 1  # the top bit says "essential"
    count, at = _u(data, start + 4, end, 4), start + 8
    for _ in range(count):
        entry_id = _u(data, at, end, id_size)
        n = _u(data, at + id_size, end, 1)
        at += id_size + 1
        indexes = [_u(data, at + i * index_size, end, index_size) & index_mask for i in range(n)]
        at += n * index_size
        if entry_id == item_id:
            return indexes
    return []


def _upright(data: bytes) -> tuple[int, int] | None:
    end = len(data)
    if end < 12 or data[4:8] != b"ftyp" or data[8:12] not in BRANDS:
        return None
    meta = _child(data, 0, end, b"meta")
    if meta is None:
        return None
    _, meta_start, meta_end = meta
    children = meta_start + 4  # meta is a full box: version and flags first
    pitm = _child(data, children, meta_end, b"pitm")
    iprp = _child(data, children, meta_end, b"iprp")
    if pitm is None or iprp is None:
        return None
    ipco = _child(data, iprp[1], iprp[2], b"ipco")
    ipma = _child(data, iprp[1], iprp[2], b"ipma")
    if ipco is None or ipma is None:
        return None
    properties = list(_boxes(data, ipco[1], ipco[2]))
    indexes = _associations(data, ipma, _primary_id(data, pitm))
    found = [properties[i - 1] for i in indexes if 1 <= i <= len(properties)]  # 0: none
    ispe = next((box for box in found if box[0] == b"ispe"), None)
    if ispe is None:
        return None
    size = (_u(data, ispe[1] + 4, ispe[2], 4), _u(data, ispe[1] + 8, ispe[2], 4))
    # Transforms apply in the order listed: a clean aperture after a rotation is upright.
    for kind, start, stop in found:
        if kind == b"irot" and _u(data, start, stop, 1) & 1:
            size = (size[1], size[0])
        elif kind == b"clap":
            clean = _clean_size(data, start, stop)
            if clean is None or clean[0] > size[0] or clean[1] > size[1]:
                return None
            size = clean
    return None if 0 in size else size


def _clean_size(data: bytes, start: int, stop: int) -> tuple[int, int] | None:
    """A clean aperture's width and height, rounded as libheif rounds them."""
    width_n, width_d, height_n, height_d = (_u(data, start + 4 * i, stop, 4) for i in range(4))
    if width_d == 0 or height_d == 0 or width_n >= 1 << 31 or height_n >= 1 << 31:
        return None
    return (width_n + width_d // 2) // width_d, (height_n + height_d // 2) // height_d


def heif_upright_size(head: bytes) -> tuple[int, int] | None:
    """Width and height of a HEIC/HEIF photo once its rotation is applied, from its first
    bytes; None when they do not tell (another format, meta past them, anything odd)."""
    try:
        return _upright(head)
    except (_Unreadable, struct.error):
        return None
