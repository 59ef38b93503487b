"""Shared by the benchmarks' reports: the machine line, and marked sections of bench/RESULTS.md."""

import os
import platform
import re
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path


def machine(packages: Iterable[str]) -> str:
    """One line on the CPU, cores, interpreter, package versions and load when the run started."""
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        names = re.findall(r"^model name\s*:\s*(.+)$", cpuinfo.read_text(), re.MULTILINE)
        cpu = names[0] if names else cpu
    versions = ", ".join(f"{name} {metadata.version(name)}" for name in packages)
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    return (
        f"{cpu}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}; "
        f"CPython {platform.python_version()}; {versions}; load average at start {load}"
    )


def write_section(results: Path, begin: str, end: str, section: str) -> None:
    """Replace the text from `begin` to `end` (markers included) with `section`, or append it.

    `section` must itself start with `begin` and end with `end` (plus a newline); every other
    section of the file is left as it is.
    """
    text = results.read_text() if results.exists() else "# Benchmark results\n\n"
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end) + r"\n?", re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _: section, text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    results.write_text(text)
