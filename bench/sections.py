"""Marked sections of bench/RESULTS.md: replace one benchmark's section in place, or append it."""

import re
from pathlib import Path


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
