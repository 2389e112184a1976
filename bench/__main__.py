"""`python -m bench [--quick] [--stripe-latency-ms N] ...`; see bench/run.py."""

import sys

from .run import main

sys.exit(main())
