"""Memory of parsing synthetic months of 15-minute data: Python heap (tracemalloc) and process RSS."""

import gc
import json
import subprocess
import sys
import tempfile
import tracemalloc
from dataclasses import dataclass
from pathlib import Path

from bench.parse.synthetic import generation_document
from gridstream.collector.entsoe import parse_document

CASES: tuple[tuple[str, int], ...] = (("1 day", 1), ("1 month", 31), ("3 months", 91))
SERIES = 20


@dataclass(frozen=True)
class MemoryRow:
    """One synthetic document and what parsing it cost in memory (bytes)."""

    label: str
    document: int
    points: int
    result: int
    """Python heap still held after parsing: the ParsedDocument itself."""
    peak: int
    """Python heap high-water mark during parsing (tracemalloc)."""
    rss_parse: int
    """Growth of the process's peak RSS while parse_document ran (Python heap and libxml2)."""
    rss_dom: int
    """The same for a plain lxml fromstring() of the document, for reference: a whole tree."""

    @property
    def working_set(self) -> int:
        """Heap used beyond the result while parsing."""
        return self.peak - self.result


def heap_usage(data: bytes) -> tuple[int, int, int]:
    """(points, bytes retained by the result, peak bytes) of parsing `data`, from tracemalloc."""
    gc.collect()
    tracemalloc.start()
    try:
        document = parse_document(data)
        retained, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    points = sum(len(stretch.points) for s in document.series for stretch in s.stretches)
    return points, retained, peak


def rss_growth(path: Path, mode: str) -> int:
    """Peak-RSS growth of one parse in a fresh interpreter (see bench.parse.rss_probe)."""
    completed = subprocess.run(
        [sys.executable, "-m", "bench.parse.rss_probe", mode, str(path)],
        check=True,
        capture_output=True,
        text=True,
    )
    growth: int = json.loads(completed.stdout)["growth"]
    return growth


def run() -> list[MemoryRow]:
    """Measure each case; documents are written to a temporary folder for the RSS probes."""
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for label, days in CASES:
            data = generation_document(days, SERIES)
            path = Path(folder) / f"{days}.xml"
            path.write_bytes(data)
            points, result, peak = heap_usage(data)
            row = MemoryRow(
                label,
                len(data),
                points,
                result,
                peak,
                rss_growth(path, "parse"),
                rss_growth(path, "dom"),
            )
            print(
                f"  {label:<9} doc {row.document / 2**20:6.1f} MiB  points {points:>7}  "
                f"result {result / 2**20:6.1f} MiB  peak {peak / 2**20:6.1f} MiB  "
                f"RSS +{row.rss_parse / 2**20:6.1f} MiB (DOM +{row.rss_dom / 2**20:6.1f} MiB)"
            )
            rows.append(row)
            del data
    return rows
