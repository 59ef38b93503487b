"""`python -m bench.scheduler`: measure fire precision and hand-over, record them in RESULTS.md."""

import sys

from bench.scheduler import main

if __name__ == "__main__":
    sys.exit(main())
