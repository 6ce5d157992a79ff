"""Ranked home feed benchmark: held-out likes, hits@20 and NDCG@20 of RANKED against
CHRONOLOGICAL, and API CPU per page.

    python bench/ranking.py [--users 600] [--days 8] [--seed 1] [--json out.json] [--keep]

The entry point only: the benchmark is the package bench/rankbench (its docstring says
what one run does).
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
for path in (str(HERE), str(HERE.parent)):
    if path not in sys.path:
        sys.path.append(path)

from rankbench.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
