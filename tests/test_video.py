"""process_video on clips generated with the bundled ffmpeg."""

from __future__ import annotations

import subprocess
from pathlib import Path

import imageio_ffmpeg  # type: ignore[import-untyped]
import pytest

from workers.imaging import MediaRejected, probe_duration_ms, process_video

FFMPEG: str = imageio_ffmpeg.get_ffmpeg_exe()


def ffmpeg(*args: str) -> None:
    subprocess.run(
        [FFMPEG, "-hide_banner", "-loglevel", "error", "-y", *args], check=True, timeout=30
    )


def banner(path: Path) -> str:
    """What `ffmpeg -i` says about a file (there is no ffprobe)."""
    result = subprocess.run(
        [FFMPEG, "-hide_banner", "-i", str(path)], capture_output=True, text=True, timeout=30
    )
    return result.stderr


def make_clip(path: Path, size: str, *, audio: bool, seconds: int = 2) -> Path:
    inputs = ["-f", "lavfi", "-i", f"testsrc=duration={seconds}:size={size}:rate=15"]
    # testsrc is RGB, so libx264 picks yuv444p here: the output must still be yuv420p.
    codecs = ["-c:v", "libx264", "-preset", "ultrafast"]
    if audio:
        inputs += ["-f", "lavfi", "-i", f"sine=duration={seconds}"]
        codecs += ["-c:a", "aac", "-shortest"]
    # What phones write and we must not republish.
    tags = ["-metadata", "title=secret-title", "-metadata", "location=+52.2297+021.0122/"]
    ffmpeg(*inputs, *codecs, *tags, str(path))
    return path


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    directory = tmp_path_factory.mktemp("clips")
    small = make_clip(directory / "small.mp4", "320x240", audio=False, seconds=1)
    # Phones store portrait video sideways plus a display matrix saying "rotate 90".
    portrait = directory / "portrait.mov"
    ffmpeg("-display_rotation:v:0", "90", "-i", str(small), "-c", "copy", str(portrait))
    return {
        "vga": make_clip(directory / "vga.mp4", "640x480", audio=True),
        "tall": make_clip(directory / "tall.mov", "1280x1080", audio=False, seconds=1),
        "portrait": portrait,
    }


def assert_faststart(path: Path) -> None:
    data = path.read_bytes()
    moov, mdat = data.find(b"moov"), data.find(b"mdat")
    assert 0 < moov < mdat, "moov atom must precede mdat for progressive playback"


def test_vga_clip_with_audio(clips: dict[str, Path], tmp_path: Path) -> None:
    result = process_video(clips["vga"], tmp_path / "work")

    info = banner(result.mp4_path)
    assert "Video: h264" in info and "yuv420p" in info
    assert "Audio: aac" in info
    assert (result.width, result.height) == (640, 480)  # never upscaled to 720
    assert abs(result.duration_ms - 2000) <= 100
    assert_faststart(result.mp4_path)
    assert b"secret-title" not in result.mp4_path.read_bytes()
    assert "location" not in info
    poster = result.poster
    assert (poster.width, poster.height) == (640, 480)
    assert [v.size for v in poster.variants] == ["THUMBNAIL", "SMALL", "FEED", "FULL"]
    assert all(v.content_type == "image/webp" for v in poster.variants)
    assert len(poster.blurhash) == 28


def test_tall_clip_is_scaled_to_720_without_audio(clips: dict[str, Path], tmp_path: Path) -> None:
    result = process_video(clips["tall"], tmp_path)

    info = banner(result.mp4_path)
    assert "Video: h264" in info
    assert "Audio:" not in info
    assert result.height == 720
    assert result.width % 2 == 0 and abs(result.width - 1280 * 720 / 1080) <= 2
    assert result.mp4_path.parent == tmp_path
    assert_faststart(result.mp4_path)
    assert (result.poster.width, result.poster.height) == (result.width, result.height)


def test_phone_rotation_is_applied(clips: dict[str, Path], tmp_path: Path) -> None:
    assert "rotation of 90" in banner(clips["portrait"])
    result = process_video(clips["portrait"], tmp_path)

    assert (result.width, result.height) == (240, 320)
    assert "Display Matrix" not in banner(result.mp4_path)
    assert (result.poster.width, result.poster.height) == (240, 320)


def test_probe_duration(clips: dict[str, Path], tmp_path: Path) -> None:
    duration = probe_duration_ms(clips["vga"])
    assert duration is not None and abs(duration - 2000) <= 100
    garbage = tmp_path / "garbage.mp4"
    garbage.write_bytes(b"\x00\x01garbage" * 100)
    assert probe_duration_ms(garbage) is None


def test_too_long_is_rejected(clips: dict[str, Path], tmp_path: Path) -> None:
    with pytest.raises(MediaRejected, match="too long"):
        process_video(clips["vga"], tmp_path, max_seconds=1)


def test_too_many_bytes_is_rejected(clips: dict[str, Path], tmp_path: Path) -> None:
    with pytest.raises(MediaRejected, match="file is too large"):
        process_video(clips["vga"], tmp_path, max_bytes=1000)


def test_too_many_pixels_is_rejected(clips: dict[str, Path], tmp_path: Path) -> None:
    with pytest.raises(MediaRejected, match="too large"):
        process_video(clips["tall"], tmp_path, max_pixels=640 * 480)


@pytest.mark.parametrize(
    "content",
    [
        bytes(range(256)) * 64,
        b"just some text\n" * 50,
        # An HLS playlist would make ffmpeg read other files if it were allowed to demux it.
        b"#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\nfile:///etc/passwd\n#EXT-X-ENDLIST\n",
        b"\xff\xd8\xff\xe0" + bytes(500),
        b"",
    ],
    ids=["binary", "text", "hls-playlist", "jpeg", "empty"],
)
def test_non_video_is_rejected(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "upload.mp4"
    path.write_bytes(content)
    with pytest.raises(MediaRejected):
        process_video(path, tmp_path / "work")
