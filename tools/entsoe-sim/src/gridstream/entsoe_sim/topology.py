"""Which areas share an interconnector, and the character of each border's flows."""

from gridstream.contracts import Resolution
from gridstream.entsoe_sim.noise import key_of, unit

# Each border once, "A-B"; flows exist in both directions.
_BORDERS = (
    "DE_LU-NL DE_LU-BE DE_LU-FR DE_LU-AT DE_LU-CH DE_LU-CZ DE_LU-PL DE_LU-DK_1 DE_LU-DK_2"
    " DE_LU-SE_4 DE_LU-NO_2 FR-BE FR-CH FR-IT_NORD FR-ES FR-GB NL-BE NL-GB NL-NO_2 NL-DK_1"
    " BE-GB AT-CZ AT-HU AT-SI AT-IT_NORD AT-CH CH-IT_NORD CZ-PL CZ-SK PL-SK PL-LT PL-SE_4"
    " ES-PT DK_1-DK_2 DK_1-NO_2 DK_1-SE_3 DK_2-SE_4 NO_1-NO_2 NO_1-NO_3 NO_1-NO_5 NO_1-SE_3"
    " SE_3-SE_2 SE_3-SE_4 SE_3-FI"
)
_NEIGHBOURS: frozenset[frozenset[str]] = frozenset(
    frozenset(pair.split("-")) for pair in _BORDERS.split()
)


def are_neighbours(a: str, b: str) -> bool:
    """True when the two areas (short codes) share a border with physical flows."""
    return frozenset((a, b)) in _NEIGHBOURS


def neighbours_of(area: str) -> tuple[str, ...]:
    """The areas bordering `area`, sorted."""
    return tuple(sorted(other for pair in _NEIGHBOURS if area in pair for other in pair - {area}))


def border_capacity(seed: int, a: str, b: str) -> float:
    """The border's transfer capacity in MW (same both ways), 800 to 5,000."""
    first, second = sorted((a, b))
    return round(800.0 + 4200.0 * unit(key_of(seed, "border", first, second), 0))


def border_bias(seed: int, a: str, b: str) -> float:
    """The usual direction of the border, in [-0.5, 0.5]; positive means a -> b (sorted order)."""
    first, second = sorted((a, b))
    return unit(key_of(seed, "border", first, second), 1) - 0.5


def flow_resolution(out_resolution: Resolution, in_resolution: Resolution) -> Resolution:
    """Quarter-hourly only where both sides measure quarter-hourly."""
    if out_resolution is Resolution.PT15M and in_resolution is Resolution.PT15M:
        return Resolution.PT15M
    return Resolution.PT60M
