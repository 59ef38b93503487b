"""Run in a fresh interpreter: how much one parse raises the process's peak RSS; prints JSON."""

import gc
import json
import resource
import sys
from pathlib import Path

from lxml import etree

from gridstream.collector.entsoe import parse_document


def _peak_rss() -> int:
    # VmHWM belongs to this process image; ru_maxrss would carry over the parent's peak through
    # fork and exec, hiding everything smaller than the (bigger) benchmark process that started us.
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def main(mode: str, path: Path) -> int:
    """Load the file, note the peak RSS, parse it once (`parse` or `dom`), print the growth."""
    data = path.read_bytes()
    gc.collect()
    before = _peak_rss()
    if mode == "parse":
        result: object = parse_document(data)
    elif mode == "dom":
        parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
        result = etree.fromstring(data, parser)
    else:
        raise SystemExit(f"unknown mode {mode!r}: expected parse or dom")
    growth = _peak_rss() - before
    print(json.dumps({"mode": mode, "growth": growth, "kept": result is not None}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], Path(sys.argv[2])))
