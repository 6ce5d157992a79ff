"""Feed-id selection, hybrid against pull, as following count and post volume grow (a PNG plot).

    python bench/feed_selection.py [--followees 100,1000,5000] [--posts 20000,100000,300000]
                                   [--calls 50] [--plot docs/feed-selection.png] [--json out.json]

The entry point only: the measurement is bench/readbench/selection.py (its docstring says
what one run does, `python bench/feed_selection.py --help` lists the options).
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
# readbench and feedbench live next to this file; the product packages at the repository root are
# normally installed (editable), the root on sys.path covers a checkout without that.
for path in (str(HERE), str(HERE.parent)):
    if path not in sys.path:
        sys.path.append(path)

from readbench.selection_cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
