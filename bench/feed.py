"""Home-feed benchmark: hybrid fan-out + merge at read against the naive pull query.

    python bench/feed.py [--scale 1.0] [--data-dir DIR] [--requests N] [--json out.json] [--keep]

The entry point only: the benchmark is the package bench/feedbench (its docstring says
what one run does, `python bench/feed.py --help` lists the options).
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
# feedbench lives next to this file; the product packages at the repository root are
# normally installed (editable), the root on sys.path covers a checkout without that.
for path in (str(HERE), str(HERE.parent)):
    if path not in sys.path:
        sys.path.append(path)

from feedbench.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
