"""`python -m bench.parse`: time the ENTSO-E parser against entsoe-py and record it in RESULTS.md."""

import sys

from bench.parse import main

if __name__ == "__main__":
    sys.exit(main())
