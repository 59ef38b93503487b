"""Build the content of a data document: the series, their Periods and values, for one request."""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from gridstream.contracts import Resolution, spec_of
from gridstream.entsoe_sim import texts
from gridstream.entsoe_sim.availability import published_until
from gridstream.entsoe_sim.effects import NO_EFFECTS, DataEffects
from gridstream.entsoe_sim.errors import NoMatchingDataError
from gridstream.entsoe_sim.grids import Block, Grid, blocks_for
from gridstream.entsoe_sim.params import SimRequest
from gridstream.entsoe_sim.prices import is_quarter_hourly
from gridstream.entsoe_sim.profiles import profile_for
from gridstream.entsoe_sim.series import SeriesDef, grid_of, mtu_of, series_for
from gridstream.entsoe_sim.topology import are_neighbours
from gridstream.entsoe_sim.values import Values, revised, values_at

PAGE_SIZE = 100
"""At most this many TimeSeries per document; `offset` pages through more."""


@dataclass(frozen=True, slots=True)
class PeriodData:
    """One Period: consecutive slots from `start` at `resolution`, every value given."""

    start: datetime
    end: datetime
    resolution: Resolution
    values: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class SeriesData:
    """One TimeSeries of the document."""

    definition: SeriesDef
    periods: tuple[PeriodData, ...]


@dataclass(frozen=True, slots=True)
class Document:
    """Everything a data document says, before it is written as XML."""

    request: SimRequest
    series: tuple[SeriesData, ...]
    revision: int
    mrid: str

    @property
    def start(self) -> datetime:
        """Start of the time interval the document covers."""
        return min(p.start for s in self.series for p in s.periods)

    @property
    def end(self) -> datetime:
        """End of the time interval the document covers."""
        return max(p.end for s in self.series for p in s.periods)


@dataclass(frozen=True, slots=True)
class _Context:
    request: SimRequest
    seed: int
    low: datetime
    high: datetime
    effects: DataEffects
    base: Callable[[datetime], Values]


def build_document(
    request: SimRequest,
    *,
    seed: int,
    now: datetime,
    history_start: datetime,
    effects: DataEffects = NO_EFFECTS,
) -> Document:
    """The document answering `request` at time `now`; NoMatchingDataError when nothing matches."""
    context = _context(request, seed, now, history_start, effects)
    found: list[SeriesData] = []
    for definition in _definitions(request, seed):
        found.extend(_series(context, definition))
    page = found[request.offset : request.offset + PAGE_SIZE]
    if not page:
        raise NoMatchingDataError(_no_data_text(request))
    revisions = {r for s in page for p in s.periods for r in _period_revisions(context, s, p)}
    return Document(request, tuple(page), 1 + len(revisions), _mrid(request, seed, len(revisions)))


def _no_data_text(request: SimRequest) -> str:
    article = spec_of(request.data_type).article
    return texts.no_matching_data(
        request.data_type, article, request.eics, request.start, request.end
    )


def _context(
    request: SimRequest, seed: int, now: datetime, history_start: datetime, effects: DataEffects
) -> _Context:
    if not request.simulated:
        raise NoMatchingDataError(_no_data_text(request))
    counterpart = request.counterpart
    if counterpart is not None and not are_neighbours(request.area.code, counterpart.code):
        raise NoMatchingDataError(_no_data_text(request))
    profile = profile_for(request.area, seed)
    mtu = mtu_of(profile, profile_for(counterpart, seed) if counterpart else None)
    low = max(history_start, profile.valid_from or history_start)
    high = published_until(request.data_type, now, request.area.tz, mtu)
    if profile.valid_until is not None:
        high = min(high, profile.valid_until)
    cache: dict[datetime, Values] = {}

    def base(ts: datetime) -> Values:
        if ts not in cache:
            cache[ts] = values_at(seed, request.area, request.data_type, ts)
        return cache[ts]

    return _Context(request, seed, low, high, effects, base)


def _definitions(request: SimRequest, seed: int) -> list[SeriesDef]:
    return series_for(
        request.data_type,
        profile_for(request.area, seed),
        document_type=request.document_type,
        psr_type=request.psr_type,
        sequence=request.sequence,
        counterpart=request.counterpart,
    )


def _series(context: _Context, definition: SeriesDef) -> list[SeriesData]:
    request = context.request
    sequence = definition.sequence or 1
    profile = profile_for(request.area, context.seed)
    counterpart = profile_for(request.counterpart, context.seed) if request.counterpart else None
    blocks = blocks_for(
        grid_of(request.data_type),
        request.start,
        request.end,
        request.area.tz,
        mtu=mtu_of(profile, counterpart),
        day_resolution=lambda day: (
            Resolution.PT15M if is_quarter_hourly(day, sequence) else Resolution.PT60M
        ),
    )
    periods = [_periods(context, definition, block) for block in blocks]
    if grid_of(request.data_type) is Grid.PRICE_DAYS:  # one TimeSeries per delivery day
        return [SeriesData(definition, tuple(day)) for day in periods if day]
    joined = tuple(p for block_periods in periods for p in block_periods)
    return [SeriesData(definition, joined)] if joined else []


def _periods(context: _Context, definition: SeriesDef, block: Block) -> list[PeriodData]:
    """The block's published slots, split into Periods wherever a slot is missing."""
    periods: list[PeriodData] = []
    run: list[tuple[datetime, datetime, float]] = []
    for start, end in block.slots():
        value = _value(context, definition, start, end)
        if value is None:
            _close(run, periods, block.resolution)
            continue
        run.append((start, end, value))
    _close(run, periods, block.resolution)
    return periods


def _close(
    run: list[tuple[datetime, datetime, float]], out: list[PeriodData], res: Resolution
) -> None:
    if run:
        out.append(PeriodData(run[0][0], run[-1][1], res, tuple(v for _, _, v in run)))
        run.clear()


def _value(
    context: _Context, definition: SeriesDef, start: datetime, end: datetime
) -> float | None:
    if not (start < context.high and end > context.low):
        return None
    qualifier = definition.qualifier
    effects = context.effects
    if not effects.empty and effects.dropped(qualifier, start):
        return None
    value = context.base(start).get(qualifier)
    if value is None:
        return None
    if not effects.empty:
        value = _revise(context, qualifier, start, value) * effects.spike_factor(qualifier, start)
        value = round(value, 2) + 0.0  # + 0.0 turns -0.0 into 0.0
    if definition.sparse and value == 0:
        return None
    return value


def _revise(context: _Context, qualifier: str, ts: datetime, base: float) -> float:
    revisions = context.effects.revisions_at(qualifier, ts)
    if not revisions:
        return base
    factors = [r.factor for r in revisions if r.factor is not None]
    if factors:
        for factor in factors:
            base *= factor
        return base
    request = context.request
    return revised(
        base,
        seed=context.seed,
        area=request.area,
        data_type=request.data_type,
        qualifier=qualifier,
        ts=ts,
        revision=1 + len(revisions),
    )


def _period_revisions(context: _Context, series: SeriesData, period: PeriodData) -> set[int]:
    """Indexes of the revisions touching a Period (they raise the document's revisionNumber)."""
    revisions = context.effects.revisions
    qualifier = series.definition.qualifier
    return {
        i
        for i, r in enumerate(revisions)
        if r.qualifier in (None, qualifier) and r.start < period.end and r.end > period.start
    }


def _mrid(request: SimRequest, seed: int, revision: int) -> str:
    text = repr((seed, request, revision))
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()
