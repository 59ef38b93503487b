"""Deterministic pseudo-random building blocks: pure functions of a key and a position, no state."""

import functools
import hashlib
import math

_MASK = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15
_STEP = 0xD1B54A32D192ED03
_SCALE = float(1 << 64)


def mix64(value: int) -> int:
    """SplitMix64's finaliser: a well-mixed 64-bit hash of a 64-bit integer."""
    x = (value + _GOLDEN) & _MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK
    return x ^ (x >> 31)


@functools.lru_cache(maxsize=8192)
def key_of(seed: int, *parts: object) -> int:
    """A 64-bit key naming one random stream, from the seed and any labels (memoised: pure)."""
    text = "|".join([str(seed), *(str(part) for part in parts)])
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")


def unit(key: int, index: int) -> float:
    """A uniform number in [0, 1) for position `index` of stream `key`."""
    # mix64 inlined: this is the innermost loop of every document.
    x = ((key ^ ((index * _STEP) & _MASK)) + _GOLDEN) & _MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK
    return (x ^ (x >> 31)) / _SCALE


@functools.lru_cache(maxsize=65536)
def _knot(key: int, index: int) -> float:
    # Neighbouring slots share knots (96 quarter-hours per daily knot), so memoising pays off.
    return 2.0 * unit(key, index) - 1.0


@functools.lru_cache(maxsize=4096)
def _octave_key(key: int, octave: int) -> int:
    return mix64(key + octave)


def smooth(key: int, t: float, period: float) -> float:
    """Value noise in [-1, 1]: random knots every `period`, eased in between (continuous in t)."""
    position = t / period
    index = math.floor(position)
    frac = position - index
    a = _knot(key, index)
    b = _knot(key, index + 1)
    eased = frac * frac * (3.0 - 2.0 * frac)
    return a + (b - a) * eased


def fractal(key: int, t: float, period: float, octaves: int = 3) -> float:
    """Several octaves of value noise, halving period and weight each time; stays in [-1, 1]."""
    total = 0.0
    norm = 0.0
    weight = 1.0
    for octave in range(octaves):
        total += weight * smooth(_octave_key(key, octave), t, period / (1 << octave))
        norm += weight
        weight *= 0.5
    return total / norm


def bump(x: float, centre: float, width: float) -> float:
    """A Gaussian bump of height 1 at `centre`."""
    z = (x - centre) / width
    return math.exp(-z * z)


def logistic(x: float) -> float:
    """The logistic function, numerically safe for large |x|."""
    if x < -40.0:
        return 0.0
    return 1.0 / (1.0 + math.exp(-x))
