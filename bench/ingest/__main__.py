"""`python -m bench.ingest`: time upserts against COPY and record it in RESULTS.md."""

import sys

from bench.ingest import main

if __name__ == "__main__":
    sys.exit(main())
