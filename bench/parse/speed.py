"""Parse time of our parser and entsoe-py's matching parser on each real fixture, in the same run."""

import timeit
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gridstream.collector.entsoe import ParsedDocument, parse_document

LARGEST = "generation_A75_A16_DE_LU_PT15M_2024-06-15.xml"
TARGET_RATIO = 15.0


@dataclass(frozen=True)
class SpeedRow:
    """One fixture: sizes and the best time per parse of each parser."""

    name: str
    size: int
    points: int
    ours: float
    theirs: float
    call: str

    @property
    def ratio(self) -> float:
        """How many times faster ours is."""
        return self.theirs / self.ours


def _entsoe_parsers() -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from entsoe import parsers
    return parsers


def entsoe_call(name: str, document: ParsedDocument) -> tuple[str, Callable[[str], object]]:
    """The entsoe-py parser a client of that library would use for this fixture, and its label."""
    parsers = _entsoe_parsers()
    if name.startswith("load_"):
        process = document.process_type
        return (
            f"parse_loads(xml, process_type='{process}')",
            lambda xml: parsers.parse_loads(xml, process_type=process),
        )
    if name.startswith("prices_"):
        return "parse_prices(xml)", parsers.parse_prices
    if name.startswith("crossborder_flows_"):
        return "parse_crossborder_flows(xml)", parsers.parse_crossborder_flows
    return "parse_generation(xml)", parsers.parse_generation


def best_time(call: Callable[[], object], number: int, repeat: int) -> float:
    """Best seconds per call over `repeat` rounds of `number` calls (timeit; GC off while timing)."""
    return min(timeit.repeat(call, number=number, repeat=repeat)) / number


def measure(path: Path, repeat: int, ours_number: int, theirs_number: int) -> SpeedRow:
    """Time both parsers on one fixture: ours on the bytes, entsoe-py on the decoded text it expects."""
    data = path.read_bytes()
    text = data.decode("utf-8")
    document = parse_document(data)
    label, theirs = entsoe_call(path.name, document)
    points = sum(len(list(series.points())) for series in document.series)
    ours = best_time(lambda: parse_document(data), ours_number, repeat)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # entsoe-py 0.8.1 warns about pandas deprecations
        spent = best_time(lambda: theirs(text), theirs_number, repeat)
    return SpeedRow(path.name, len(data), points, ours, spent, label)


def data_fixtures(folder: Path) -> list[Path]:
    """The real fixtures that hold data (acknowledgements have nothing to time)."""
    return [
        path for path in sorted(folder.glob("*.xml")) if parse_document(path.read_bytes()).series
    ]


def run(folder: Path, repeat: int, ours_number: int, theirs_number: int) -> list[SpeedRow]:
    """Measure every data fixture in `folder`, printing progress as it goes."""
    rows = []
    for path in data_fixtures(folder):
        row = measure(path, repeat, ours_number, theirs_number)
        print(
            f"  {row.name:<62} {row.ours * 1e3:8.2f} ms {row.theirs * 1e3:9.1f} ms {row.ratio:6.1f}x"
        )
        rows.append(row)
    return rows
