"""Entry point for ``python -m gridwatch``."""

import sys

from gridwatch.cli import main

sys.exit(main())
