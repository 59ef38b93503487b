"""Expanding one ENTSO-E Period into a Stretch: slot count, positions, A03 forward fill, A01 holes."""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from lxml import etree

from gridstream.collector.entsoe import codes
from gridstream.collector.entsoe.documents import ParsedPoint, Stretch
from gridstream.collector.entsoe.fields import parse_utc
from gridstream.collector.entsoe.parse_errors import ParseError
from gridstream.collector.entsoe.xmlsafe import line_of
from gridstream.contracts import Resolution

_DAY = timedelta(days=1)
# Daily and longer Periods follow the area's local calendar, so in UTC a DST week or month is an hour
# shorter or longer than n whole slots; a slot counts when it starts more than this before the end.
_DST_SLACK = timedelta(hours=2)

Position = tuple[int, float | None]


@dataclass(frozen=True, slots=True)
class PeriodTags:
    """Fully qualified tag names of a Period's children in one namespace (compared, never parsed)."""

    period: str
    time_interval: str
    start: str
    end: str
    resolution: str
    point: str
    position: str
    value: str

    @classmethod
    def build(cls, namespace: str, value_name: str) -> "PeriodTags":
        """Tags for a namespace prefix such as '{urn:...}' and a value element (quantity, price.amount)."""
        names = (
            "Period",
            "timeInterval",
            "start",
            "end",
            "resolution",
            "Point",
            "position",
            value_name,
        )
        return cls(*(namespace + name for name in names))


def slot_count(resolution: Resolution, start: datetime, end: datetime, line: int | None) -> int:
    """How many slots of `resolution` a Period [start, end) holds; ParseError when it is not whole."""
    if end <= start:
        raise ParseError(f"Period at line {line} ends ({end}) before it starts ({start})")
    fixed = resolution.fixed
    span = end - start
    if fixed is not None and fixed < _DAY:
        if span % fixed:
            raise ParseError(
                f"Period at line {line} ({start}/{end}) is not whole {resolution} slots"
            )
        return span // fixed
    if fixed is not None:
        return max(0, math.ceil((span - _DST_SLACK) / fixed))
    count = 0
    try:
        while resolution.step(start, count) < end - _DST_SLACK:
            count += 1
    except (OverflowError, ValueError):
        raise ParseError(
            f"Period at line {line} ({start}/{end}) runs out of the calendar"
        ) from None
    return count


class PeriodExpander:
    """Turns Period elements into Stretches for one document, within a budget of emitted points.

    Timestamp lists are shared between Periods with the same start, resolution and first position, so the
    series of one document reuse the same datetime objects instead of each holding its own copies.
    """

    def __init__(self, max_points: int) -> None:
        """`max_points` bounds the points one document may expand to (A03 can repeat one Point a lot)."""
        self._remaining = max_points
        self._max_points = max_points
        self._times: dict[tuple[datetime, Resolution, int, int], list[datetime]] = {}

    def stretch(self, period: etree._Element, tags: PeriodTags, curve: str) -> Stretch | None:
        """The expanded Stretch of one Period, or None when the Period has no Point at all."""
        line = line_of(period)
        start, end, resolution = _period_header(period, tags)
        count = slot_count(resolution, start, end, line)
        positions = _read_points(period, tags)
        if not positions:
            return None
        _check_positions(positions, count, line)
        first = positions[0][0]
        a03 = curve == codes.CURVE_VARIABLE_BLOCKS
        span = count - first + 1
        self._spend(span if a03 else len(positions), line)
        if a03:
            points = _forward_fill(
                positions, self._slot_times(start, resolution, first, count), count
            )
        elif span <= 2 * len(positions):
            # A dense A01 curve: share the document's timestamp objects like A03 does.
            times = self._slot_times(start, resolution, first, count)
            points = [(times[pos - first], value) for pos, value in positions]
        else:
            points = [(resolution.step(start, pos - 1), value) for pos, value in positions]
        return Stretch(resolution, start, end, points)

    def _spend(self, points: int, line: int | None) -> None:
        self._remaining -= points
        if self._remaining < 0:
            raise ParseError(
                f"document expands to more than {self._max_points} points (Period at line {line}); "
                "split the request into smaller windows"
            )

    def _slot_times(
        self, start: datetime, res: Resolution, first: int, count: int
    ) -> list[datetime]:
        key = (start, res, first, count)
        times = self._times.get(key)
        if times is None:
            fixed = res.fixed
            if fixed is not None:
                times = [start + fixed * index for index in range(first - 1, count)]
            else:
                times = [res.step(start, index) for index in range(first - 1, count)]
            self._times[key] = times
        return times


def _period_header(
    period: etree._Element, tags: PeriodTags
) -> tuple[datetime, datetime, Resolution]:
    # Walk the children before the first Point instead of find(): ElementPath is slow per call.
    line = line_of(period)
    texts: dict[str, str | None] = {}
    for child in period:
        tag = child.tag
        if tag == tags.point:
            break
        if tag == tags.time_interval:
            for part in child:
                texts.setdefault(part.tag, part.text)
        else:
            texts.setdefault(tag, child.text)
    if tags.start not in texts and tags.end not in texts:
        raise ParseError(f"Period at line {line} has no timeInterval")
    start = parse_utc(texts.get(tags.start), "Period start", line)
    end = parse_utc(texts.get(tags.end), "Period end", line)
    return start, end, codes.resolution(texts.get(tags.resolution), line)


def _read_points(period: etree._Element, tags: PeriodTags) -> list[Position]:
    # The hot loop: plain tag comparisons, no XPath and no per-element namespace parsing.
    position_tag, value_tag = tags.position, tags.value
    positions: list[Position] = []
    append = positions.append
    for point in period.iterchildren(tags.point):
        position_text: str | None = None
        value_text: str | None = None
        for child in point:
            tag = child.tag
            if tag == position_tag:
                position_text = child.text
            elif tag == value_tag:
                value_text = child.text
        append((_position(position_text, point), _value(value_text, point)))
    return positions


def _position(text: str | None, point: etree._Element) -> int:
    if text is not None:
        try:
            return int(text)
        except ValueError:
            pass
    raise ParseError(f"Point at line {line_of(point)} has no valid position: {text!r}")


def _value(text: str | None, point: etree._Element) -> float | None:
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        if not text.strip():
            return None
        raise ParseError(
            f"Point at line {line_of(point)} has a non-numeric value {text!r}"
        ) from None
    if not math.isfinite(value):
        raise ParseError(f"Point at line {line_of(point)} has a non-finite value {text!r}")
    return value


def _check_positions(positions: list[Position], count: int, line: int | None) -> None:
    positions.sort(key=_by_position)
    if positions[0][0] < 1:
        raise ParseError(f"Period at line {line}: position {positions[0][0]} is below 1")
    previous = 0
    for position, _ in positions:
        if position == previous:
            raise ParseError(f"Period at line {line}: position {position} is repeated")
        previous = position
    if previous > count:
        raise ParseError(f"Period at line {line}: position {previous} is beyond its {count} slots")


def _by_position(item: Position) -> int:
    return item[0]


def _forward_fill(
    positions: list[Position], times: list[datetime], count: int
) -> list[ParsedPoint]:
    # A03: each value holds until the next Point, or to the Period's end; never past it.
    values: list[float | None] = []
    following = [pos for pos, _ in positions[1:]]
    following.append(count + 1)
    for (position, value), next_position in zip(positions, following, strict=True):
        values += [value] * (next_position - position)
    return list(zip(times, values, strict=True))
