"""`python -m feedbench` (from bench/): the same as `python bench/feed.py`."""

import sys

from .cli import main

sys.exit(main())
