"""`python -m readbench` (from bench/): the same as `python bench/read_path.py`."""

import sys

from .cli import main

sys.exit(main())
