"""`python -m bench`: run every benchmark subpackage (each exposes `main() -> int`) in name order."""

import importlib
import pkgutil
import sys

import bench


def main() -> int:
    """Run all benchmarks; the exit status is the first non-zero one, else 0."""
    status = 0
    for module in sorted(pkgutil.iter_modules(bench.__path__), key=lambda m: m.name):
        if not module.ispkg:
            continue
        result = int(importlib.import_module(f"bench.{module.name}").main())
        status = status or result
    return status


if __name__ == "__main__":
    sys.exit(main())
