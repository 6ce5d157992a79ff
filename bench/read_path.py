"""Read-path benchmark: API CPU per request of the main screens against `{ __typename }`.

    python bench/read_path.py [--users 2000] [--duration 10] [--json out.json] [--keep]

The entry point only: the benchmark is the package bench/readbench (its docstring says
what one run does, `python bench/read_path.py --help` lists the options).
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

from readbench.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
