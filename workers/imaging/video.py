"""Untrusted MP4/MOV in, web-ready H.264/AAC MP4 plus a processed poster frame out.

Only the ffmpeg binary bundled with imageio-ffmpeg is available (no ffprobe), so stream
facts come from the banner `ffmpeg -i` prints on stderr.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import imageio_ffmpeg  # type: ignore[import-untyped]

from workers.imaging.image import MediaRejected, ProcessedImage, process_image
from workers.imaging.processes import ChildProcesses

VIDEO_CONTENT_TYPES = {"video/mp4", "video/quicktime"}

MAX_HEIGHT = 720
# Containers round durations and pad audio (a "2 s" clip is often 2.02 s); don't refuse over that.
DURATION_SLACK_S = 0.5
PROBE_TIMEOUT_S = 30.0
POSTER_TIMEOUT_S = 60.0
# Frames the poster is chosen from: ffmpeg's `thumbnail` filter skips black/flash frames by
# picking the one closest to the average histogram.
POSTER_CANDIDATES = 24

UNSUPPORTED = "This is not a supported video (use MP4 or MOV)"
CORRUPT = "The video data is corrupt or could not be converted"

_DURATION = re.compile(r"Duration: (\d+):(\d{2}):(\d{2}(?:\.\d+)?)")
_VIDEO = re.compile(r"Stream #0:\d+\S*: Video: (\w+).*?, (\d+)x(\d+)")
_AUDIO = re.compile(r"Stream #0:\d+\S*: Audio: (\w+)")


@dataclass(frozen=True)
class ProcessedVideo:
    duration_ms: int
    width: int
    height: int
    mp4_path: Path
    poster: ProcessedImage


@dataclass(frozen=True)
class _Probe:
    duration_ms: int | None
    video_codec: str | None
    width: int
    height: int
    audio_codec: str | None


def probe_duration_ms(path: Path) -> int | None:
    """Container duration in ms, or None if it is not a readable MP4/MOV or has none."""
    return _probe(path, ChildProcesses()).duration_ms


def process_video(
    path: Path,
    workdir: Path,
    *,
    max_seconds: float = 90,
    max_bytes: int = 200 * 2**20,
    max_pixels: int = 50_000_000,
    children: ChildProcesses | None = None,
) -> ProcessedVideo:
    """Transcode `path` into `workdir`; raises MediaRejected for unusable input.

    Synchronous and CPU-bound (ffmpeg subprocesses): run it in a worker thread, with
    `children` to kill its ffmpeg when the job is cancelled.
    """
    children = children or ChildProcesses()
    size = os.stat(path).st_size
    if size > max_bytes:
        raise MediaRejected(f"The file is too large (limit {max_bytes / 2**20:g} MB)")
    if size == 0:
        raise MediaRejected("The file is empty")
    source = _probe(path, children)
    if source.video_codec is None:
        raise MediaRejected(UNSUPPORTED)
    if source.width * source.height > max_pixels:
        raise MediaRejected(f"The video is too large (limit {max_pixels / 1e6:g} megapixels)")
    limit_ms = round((max_seconds + DURATION_SLACK_S) * 1000)
    too_long = f"The video is too long (limit {max_seconds:g} s)"
    if source.duration_ms is not None and source.duration_ms > limit_ms:
        raise MediaRejected(too_long)

    workdir.mkdir(parents=True, exist_ok=True)
    mp4 = _output_path(workdir, "video.mp4", path)
    poster_png = _output_path(workdir, "poster.png", path)
    # The header duration may be missing or lie, so never encode much more than the limit,
    # then judge by what was actually encoded.
    _run_or_reject(
        children,
        _transcode_args(path, mp4, cut_s=limit_ms / 1000 + 1, audio=source.audio_codec is not None),
        timeout=60 + 4 * max_seconds,
    )
    output = _probe(mp4, children)
    if output.video_codec is None or output.duration_ms is None:
        raise MediaRejected(CORRUPT)
    if output.duration_ms > limit_ms:
        mp4.unlink(missing_ok=True)
        raise MediaRejected(too_long)

    # From our own output: already upright, scaled, and cheap to decode. A stale poster from an
    # earlier attempt in the same workdir must not pass for this one.
    poster_png.unlink(missing_ok=True)
    _run_or_reject(
        children,
        [
            *_input_args(mp4),
            "-an",
            "-vf",
            f"thumbnail=n={POSTER_CANDIDATES}",
            "-frames:v",
            "1",
            "-update",
            "1",
            f"file:{poster_png}",
        ],
        timeout=POSTER_TIMEOUT_S,
    )
    if not poster_png.exists():
        raise MediaRejected("The video has no decodable frames")
    poster = process_image(poster_png, max_pixels=max_pixels)
    return ProcessedVideo(
        duration_ms=output.duration_ms,
        width=output.width,
        height=output.height,
        mp4_path=mp4,
        poster=poster,
    )


def _input_args(path: Path) -> list[str]:
    # Forcing the mov/mp4 demuxer (and the file protocol) keeps ffmpeg from following HLS or
    # concat playlists disguised as uploads, which can read local files or fetch URLs.
    return ["-y", "-protocol_whitelist", "file", "-f", "mov", "-i", f"file:{path.resolve()}"]


def _transcode_args(source: Path, target: Path, *, cut_s: float, audio: bool) -> list[str]:
    audio_args = ["-map", "0:a:0", "-c:a", "aac", "-b:a", "128k"] if audio else ["-an"]
    return [
        *_input_args(source),
        "-t",
        f"{cut_s:.3f}",
        "-map",
        "0:v:0",
        *audio_args,
        # Never upscale; yuv420p needs even sides, so round the height down to even as well.
        "-vf",
        f"scale=-2:'min({MAX_HEIGHT},trunc(ih/2)*2)'",
        "-fpsmax",
        "60",
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-crf",
        "23",
        "-pix_fmt",
        "yuv420p",
        "-map_metadata",
        "-1",
        "-map_chapters",
        "-1",
        "-movflags",
        "+faststart",
        "-f",
        "mp4",
        f"file:{target.resolve()}",
    ]


def _output_path(workdir: Path, name: str, source: Path) -> Path:
    target = workdir / name
    if target.resolve() == source.resolve():
        target = workdir / f"out-{name}"
    return target


def _ffmpeg(
    children: ChildProcesses, args: list[str], timeout: float
) -> subprocess.CompletedProcess[str]:
    return children.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-nostdin", *args], timeout=timeout
    )


def _run_or_reject(children: ChildProcesses, args: list[str], timeout: float) -> None:
    try:
        result = _ffmpeg(children, args, timeout)
    except subprocess.TimeoutExpired as exc:
        raise MediaRejected("The video took too long to process") from exc
    if result.returncode != 0:
        # Keep ffmpeg's explanation for the logs without showing it to the user.
        raise MediaRejected(CORRUPT) from RuntimeError(result.stderr[-2000:])


def _probe(path: Path, children: ChildProcesses) -> _Probe:
    # With no output file ffmpeg exits 1 after printing the input banner; that is expected.
    stderr = _ffmpeg(children, _input_args(path), PROBE_TIMEOUT_S).stderr
    duration = _DURATION.search(stderr)
    video = _VIDEO.search(stderr)
    audio = _AUDIO.search(stderr)
    duration_ms = None
    if duration:
        hours, minutes, seconds = duration.groups()
        duration_ms = round((int(hours) * 3600 + int(minutes) * 60 + float(seconds)) * 1000)
    return _Probe(
        duration_ms=duration_ms,
        video_codec=video.group(1) if video else None,
        width=int(video.group(2)) if video else 0,
        height=int(video.group(3)) if video else 0,
        audio_codec=audio.group(1) if audio else None,
    )
