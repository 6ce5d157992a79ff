"""Soak with faults: 16 clients of mixed traffic while a worker, Valkey and PostgreSQL die.

    python bench/soak.py [--duration 600 | --short] [--json out.json] [--keep]

The entry point only: the soak is the package bench/soakbench (its docstring says what one
run does and audits, `python bench/soak.py --help` lists the options). Exits 1 when a goal
fails.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
# soakbench and feedbench live next to this file; the product packages at the repository root
# are normally installed (editable), the root on sys.path covers a checkout without that.
for path in (str(HERE), str(HERE.parent)):
    if path not in sys.path:
        sys.path.append(path)

from soakbench.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
