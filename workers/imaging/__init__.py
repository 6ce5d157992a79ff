"""Pure media processing: photos and videos in, web-ready variants out (no DB, no network)."""

from __future__ import annotations

from workers.imaging.geometry import SIZES, fit_width, oriented_size, variant_plan
from workers.imaging.hashes import blurhash_of, dhash64, hamming
from workers.imaging.image import (
    ALLOWED_FORMATS,
    MediaRejected,
    ProcessedImage,
    Variant,
    process_image,
)
from workers.imaging.video import (
    VIDEO_CONTENT_TYPES,
    ProcessedVideo,
    probe_duration_ms,
    process_video,
)

__all__ = [
    "ALLOWED_FORMATS",
    "SIZES",
    "VIDEO_CONTENT_TYPES",
    "MediaRejected",
    "ProcessedImage",
    "ProcessedVideo",
    "Variant",
    "blurhash_of",
    "dhash64",
    "fit_width",
    "hamming",
    "oriented_size",
    "probe_duration_ms",
    "process_image",
    "process_video",
    "variant_plan",
]
