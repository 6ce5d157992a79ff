"""Contact sheet of the photo filters: each look, through the worker's own pipeline.

    python bench/filter_sheet.py [--output docs/filters.png]

The sample is matplotlib's `grace_hopper.jpg` (a U.S. Navy portrait, public domain), shipped
in matplotlib's sample data (the bench extra). Every tile is the FEED variant that
`process_image` writes for that filter; the sheet is a PNG with no metadata, so the same code
draws the same bytes.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from io import BytesIO
from pathlib import Path

from PIL import Image, ImageDraw

from workers.imaging import process_image
from workers.imaging.filters import FILTER_NAMES

COLUMNS = 3
TILE_WIDTH = 220
LABEL_HEIGHT = 24
GAP = 8
BACKGROUND = (250, 250, 250)
INK = (30, 30, 30)


def sample_photo() -> Path:
    from matplotlib import cbook

    return Path(str(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)))


def tiles(source: Path) -> list[tuple[str, Image.Image]]:
    """(filter name, FEED variant) for NONE and each look."""
    out = []
    for name in FILTER_NAMES:
        result = process_image(source, filter_name=name)
        feed = next(v for v in result.variants if v.size == "FEED")
        with Image.open(BytesIO(feed.data)) as decoded:
            image = decoded.convert("RGB")
        height = round(image.height * TILE_WIDTH / image.width)
        out.append((name, image.resize((TILE_WIDTH, height), Image.Resampling.LANCZOS)))
    return out


def sheet(found: list[tuple[str, Image.Image]]) -> Image.Image:
    tile_height = max(image.height for _, image in found) + LABEL_HEIGHT
    rows = -(-len(found) // COLUMNS)
    canvas = Image.new(
        "RGB",
        (COLUMNS * TILE_WIDTH + (COLUMNS + 1) * GAP, rows * tile_height + (rows + 1) * GAP),
        BACKGROUND,
    )
    draw = ImageDraw.Draw(canvas)
    for index, (name, image) in enumerate(found):
        row, column = divmod(index, COLUMNS)
        x = GAP + column * (TILE_WIDTH + GAP)
        y = GAP + row * (tile_height + GAP)
        canvas.paste(image, (x, y))
        draw.text((x + 4, y + image.height + 4), name, fill=INK, font_size=14)
    return canvas


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--output", type=Path, default=Path("docs/filters.png"))
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        # Through a file, as the worker reads uploads.
        source = Path(tmp) / "sample.jpg"
        source.write_bytes(sample_photo().read_bytes())
        image = sheet(tiles(source))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    image.save(args.output, "PNG", optimize=True)
    print(f"wrote {args.output} ({image.width}x{image.height})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
