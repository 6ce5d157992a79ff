"""Per-photo cost of workers.imaging.process_image against a naive Pillow job and libvips.

    python bench/media.py [--n 5] [--json out.json]

Inputs are generated (a 12 MP photo-like JPEG with EXIF orientation 6, and a 12 MP HEIC).
Every path does the same job: 4 WebP variants (q80, method/effort 4, width-limited to
150/320/640/1080, upright, no metadata) plus BlurHash and dHash from the smallest one.
The `ours+FILTER` rows are the same job with one of the photo filters (and `ours+crop` with a
square crop of the middle), on the JPEG: what a look costs per 12 MP photo.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from io import BytesIO
from pathlib import Path
from typing import Any

# Must be set before libvips starts its thread pool (pyvips is imported lazily below).
os.environ.setdefault("VIPS_CONCURRENCY", "1")

import pillow_heif
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageOps

from workers.imaging import blurhash_of, dhash64, process_image, variant_plan
from workers.imaging.filters import LOOKS, apply_filter
from workers.imaging.geometry import draft_request
from workers.imaging.image import WEBP_METHOD, WEBP_QUALITY

Job = Callable[[Path], Any]


def photo_like(width: int, height: int, seed: int = 7) -> Image.Image:
    """Gradients, soft shapes, blotchy mid-frequency texture and sensor-like noise."""
    rnd = random.Random(seed)
    gx = Image.linear_gradient("L").rotate(90).resize((width, height))
    gy = Image.linear_gradient("L").resize((width, height))
    image = Image.merge("RGB", (gx, gy, ImageChops.invert(gx)))
    draw = ImageDraw.Draw(image)
    for _ in range(40):
        x, y = rnd.randrange(width), rnd.randrange(height)
        r = rnd.randrange(width // 60, width // 8)
        fill = (rnd.randrange(256), rnd.randrange(256), rnd.randrange(256))
        shape = draw.ellipse if rnd.random() < 0.5 else draw.rectangle
        shape((x - r, y - r // 2, x + r, y + r), fill=fill)
    image = image.filter(ImageFilter.GaussianBlur(2))
    blotches = Image.merge(
        "RGB",
        [
            Image.effect_noise((width // 24, height // 24), 50).resize(
                (width, height), Image.Resampling.BICUBIC
            )
            for _ in range(3)
        ],
    )
    image = Image.blend(image, blotches, 0.3)
    noise = Image.effect_noise((width, height), 6).convert("RGB")
    return ImageChops.add(image, noise, scale=1.0, offset=-128)


def make_inputs(directory: Path) -> dict[str, Path]:
    image = photo_like(4032, 3024)
    exif = Image.Exif()
    exif[0x0112] = 6  # phone held upright: stored landscape, displayed portrait
    jpeg = directory / "photo.jpg"
    image.save(jpeg, "JPEG", quality=90, exif=exif)
    heic = directory / "photo.heic"
    # ~half the JPEG size, like phone HEICs; HEVC decode time grows with the bitrate.
    pillow_heif.from_pillow(image).save(heic, quality=50)
    return {"JPEG 4032x3024": jpeg, "HEIC 4032x3024": heic}


def _webp(image: Image.Image) -> bytes:
    buffer = BytesIO()
    image.save(buffer, "WEBP", quality=WEBP_QUALITY, method=WEBP_METHOD)
    return buffer.getvalue()


def naive_job(path: Path) -> None:
    """What a first implementation does: full decode, then every variant from the full image."""
    with Image.open(path) as opened:
        image = ImageOps.exif_transpose(opened).convert("RGB")
    smallest = image
    for _, w, h in variant_plan(*image.size):
        resized = image.resize((w, h), Image.Resampling.LANCZOS)
        _webp(resized)
        smallest = resized if resized.width < smallest.width else smallest
    blurhash_of(smallest)
    dhash64(smallest)


def vips_job(path: Path) -> None:
    """libvips reference: shrink-on-load thumbnail, then a cascade; same encoder settings.

    The bundled libvips has no HEVC decoder, so HEIC pixels come from pillow-heif.
    """
    import pyvips  # type: ignore[import-untyped]

    pyvips.cache_set_max(0)  # its operation cache would otherwise reuse the previous run
    if path.suffix == ".heic":
        decoded = Image.open(path).convert("RGB")
        source = pyvips.Image.new_from_memory(
            decoded.tobytes(), decoded.width, decoded.height, 3, "uchar"
        )
        upright_w = source.width
    else:
        source = pyvips.Image.new_from_file(str(path))
        rotated = source.get_typeof("orientation") and source.get("orientation") in (5, 6, 7, 8)
        upright_w = source.height if rotated else source.width
    image = None
    for _, w, _h in reversed(variant_plan(upright_w, 1)):
        if image is None:
            image = (
                source.thumbnail_image(w, height=100_000, size="down")
                if path.suffix == ".heic"
                else pyvips.Image.thumbnail(str(path), w, height=100_000, size="down")
            )
        elif w < image.width:
            image = image.thumbnail_image(w, height=100_000, size="down")
        image.webpsave_buffer(Q=WEBP_QUALITY, effort=WEBP_METHOD, keep="none")
    assert image is not None
    smallest = Image.frombytes("RGB", (image.width, image.height), image.write_to_memory())
    blurhash_of(smallest)
    dhash64(smallest)


def decode_only(path: Path) -> None:
    """The floor for any path: just the decode step as process_image does it (JPEG draft)."""
    with Image.open(path) as image:
        orientation = image.getexif().get(0x0112, 1)
        image.draft("RGB", draft_request(image.width, image.height, orientation))
        image.load()


def edit_jobs() -> dict[str, Job]:
    """Our job with each photo filter, and with a crop (3024 x 3024 of the upright middle)."""
    jobs: dict[str, Job] = {
        f"ours+{name}": functools.partial(process_image, filter_name=name) for name in LOOKS
    }
    jobs["ours+crop"] = functools.partial(process_image, crop=(0.0, 0.125, 1.0, 0.75))
    return jobs


def time_jobs(
    jobs: dict[str, Job], path: Path, runs: int, stat: str = "median"
) -> dict[str, float]:
    """Median (or least) wall time in ms of each job over `runs` runs, after one warm-up run
    each. Runs go round-robin over the jobs, so a load that comes and goes on the machine
    weighs on all of them alike; the least is the steadier figure on a shared machine."""
    samples: dict[str, list[float]] = {name: [] for name in jobs}
    for job in jobs.values():
        job(path)
    for _ in range(runs):
        for name, job in jobs.items():
            start = time.perf_counter()
            job(path)
            samples[name].append((time.perf_counter() - start) * 1000)
    pick = min if stat == "min" else statistics.median
    return {name: pick(values) for name, values in samples.items()}


def look_costs(path: Path, runs: int) -> list[dict[str, Any]]:
    """Each look alone on the image the job applies it to: the upright largest variant of the
    12 MP JPEG (1080 x 1440). This is what a filter adds per photo."""
    full = next(v for v in process_image(path).variants if v.size == "FULL")
    with Image.open(BytesIO(full.data)) as decoded:
        image = decoded.convert("RGB")
    out = []
    for name in LOOKS:
        apply_filter(image, name)  # warm-up (builds its lookup tables)
        samples = []
        for _ in range(runs):
            start = time.perf_counter()
            apply_filter(image, name)
            samples.append((time.perf_counter() - start) * 1000)
        out.append(
            {
                "look": name,
                "size": f"{image.width}x{image.height}",
                "ms_min": round(min(samples), 2),
                "ms_median": round(statistics.median(samples), 2),
            }
        )
    return out


def pin_to_one_core() -> str:
    try:
        cpu = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
    except (AttributeError, OSError):
        return "not pinned (sched_setaffinity unavailable); numbers are per process"
    # One core: extra decoder threads would only add contention.
    pillow_heif.options.DECODE_THREADS = 1
    return f"pinned to CPU {cpu}; VIPS_CONCURRENCY=1, pillow-heif DECODE_THREADS=1"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--n", type=int, default=5, help="timed runs per path")
    parser.add_argument(
        "--stat", choices=["median", "min"], default="median", help="which run to report"
    )
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument(
        "--no-filters", dest="filters", action="store_false", help="skip the filter rows"
    )
    args = parser.parse_args(argv)

    pillow_heif.register_heif_opener()
    pinning = pin_to_one_core()
    print(f"# {pinning}; {args.stat} of {args.n} runs after 1 warm-up")
    jobs: dict[str, Job] = {
        "ours": process_image,
        "naive": naive_job,
        "libvips": vips_job,
        "decode": decode_only,
    }
    rows: list[dict[str, Any]] = []
    looks: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        inputs = make_inputs(Path(tmp))
        for label, path in inputs.items():
            result = process_image(path)
            dims = f"{result.variants[-1].width}x{result.variants[-1].height}"
            mb = path.stat().st_size / 2**20
            print(f"# {label}: {mb:.1f} MB, largest variant {dims}")
            edited = edit_jobs() if label.startswith("JPEG") and args.filters else {}
            times = time_jobs({**jobs, **edited}, path, args.n, args.stat)
            if edited:
                looks = look_costs(path, max(20, args.n))
            for name, ms in times.items():
                rows.append(
                    {
                        "input": label,
                        "path": name,
                        "ms_per_photo": round(ms, 1),
                        "photos_per_s_per_core": round(1000 / ms, 2),
                        "speedup_vs_naive": round(times["naive"] / ms, 2),
                        "ratio_vs_libvips": round(ms / times["libvips"], 2),
                    }
                )

    header = f"{'input':<16} {'path':<14} {'ms/photo':>9} {'photos/s/core':>14}"
    header += f" {'vs naive':>9} {'vs libvips':>11}"
    print(header)
    print("-" * len(header))
    for row in rows:
        print(
            f"{row['input']:<16} {row['path']:<14} {row['ms_per_photo']:>9.1f}"
            f" {row['photos_per_s_per_core']:>14.2f} {row['speedup_vs_naive']:>8.2f}x"
            f" {row['ratio_vs_libvips']:>10.2f}x"
        )
    print("# decode = decoding alone (JPEG at draft scale), a floor no full job can beat")
    if looks:
        print(f"\n{'look':<10} {'on':<10} {'ms min':>7} {'ms median':>10}")
        for look in looks:
            print(
                f"{look['look']:<10} {look['size']:<10} {look['ms_min']:>7.1f}"
                f" {look['ms_median']:>10.1f}"
            )
        print("# a look alone on the largest variant of the 12 MP JPEG: what it adds per photo")
    if args.json:
        payload = {
            "pinning": pinning,
            "runs": args.n,
            "stat": args.stat,
            "results": rows,
            "looks": looks,
        }
        args.json.write_text(json.dumps(payload, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
