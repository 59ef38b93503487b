"""gridstream benchmarks: each subpackage times one part of the system and records it in RESULTS.md."""
