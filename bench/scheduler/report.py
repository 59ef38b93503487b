"""The scheduler benchmark's section of bench/RESULTS.md: precision, stages, hand-over, findings."""

from __future__ import annotations

import statistics
from datetime import UTC, datetime

from bench import sections
from bench.scheduler import notes
from bench.scheduler.handover import Round
from bench.scheduler.precision import Precision
from bench.scheduler.stats import Spread

BEGIN, END = "<!-- bench:scheduler -->", "<!-- /bench:scheduler -->"
TARGET_P99_MS = 50.0
_PACKAGES = ("nats-py", "faststream", "asyncpg", "sqlalchemy")
_STAGES = {
    "wake": "fire time -> firing loop's clock read after wake-up and lease renewal "
    "(`fires.recorded_at`)",
    "queue": "-> start of the fire's own transaction (`outbox.created_at`)",
    "commit_relay_ack": "-> stored by JetStream (rest of the transaction, commit, relay "
    "woken, publish)",
}


def machine() -> str:
    """One line on the machine, interpreter, library versions and load at the start."""
    return sections.machine(_PACKAGES)


def checks(precision: Precision, rounds: list[Round]) -> list[str]:
    """What went wrong (an empty list when every fire was measured once and none was lost)."""
    problems = []
    measured = len(precision.lateness)
    if measured != precision.expected:
        problems.append(f"{measured} of {precision.expected} fires measured")
    if precision.duplicates or precision.wrong_window:
        problems.append(
            f"{precision.duplicates} commands stored twice, {precision.wrong_window} with a "
            "window that does not end at their fire time"
        )
    if set(precision.statuses) != {"published"}:
        problems.append(f"fire statuses {precision.statuses}")
    problems += [
        f"hand-over round {i + 1}: {r.lost} fire(s) lost, {r.doubled} doubled"
        for i, r in enumerate(rounds)
        if r.lost or r.doubled
    ]
    return problems


def met(precision: Precision) -> bool:
    """The p99 lateness is under the target."""
    return precision.spread.p99 < TARGET_P99_MS


def summary(precision: Precision, rounds: list[Round]) -> str:
    """Console lines."""
    s = precision.spread
    lines = [
        f"fire precision over {s.count} fires: p50 {s.p50:.1f} ms, p99 {s.p99:.1f} ms, "
        f"max {s.max:.1f} ms (target p99 < {TARGET_P99_MS:.0f} ms: "
        f"{'met' if met(precision) else 'MISSED'})"
    ]
    for lease, handovers in _by_lease(rounds).items():
        lines.append(
            f"hand-over, lease {lease:g} s: median {statistics.median(handovers):.2f} s "
            f"({', '.join(f'{h:.2f}' for h in handovers)})"
        )
    problems = checks(precision, rounds)
    lines.append("checks: " + ("all passed" if not problems else "; ".join(problems)))
    return "\n".join(lines)


def _by_lease(rounds: list[Round]) -> dict[float, list[float]]:
    found: dict[float, list[float]] = {}
    for r in rounds:
        found.setdefault(r.lease, []).append(r.handover)
    return found


def _precision_table(precision: Precision) -> list[str]:
    lines = [
        "| lateness (ms) | fires | p50 | p90 | p99 | max |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    rows = {"**fire time -> stored by JetStream (PubAck)**": precision.spread}
    rows |= {f"of which: {_STAGES[k]}": Spread.of(v) for k, v in precision.stages.items()}
    rows |= {f"{rank} (per fire instant)": s for rank, s in precision.by_rank.items()}
    for label, spread in rows.items():
        lines.append(f"| {label} | {spread.count:,} | " + " | ".join(spread.cells()) + " |")
    return lines


def _handover_table(rounds: list[Round]) -> list[str]:
    lines = [
        "| `lease_seconds` | round | kill -> first command stored by the survivor (s) "
        "| kill -> survivor's `/v1/leader` names it (s) | first command's fire time "
        "| lost | doubled |",
        "|---:|---:|---:|---:|---|---:|---:|",
    ]
    for i, r in enumerate(rounds):
        leads = "-" if r.leads_after is None else f"{r.leads_after:.2f}"
        late = (r.first_fire - r.killed).total_seconds()
        lines.append(
            f"| {r.lease:g} | {i + 1} | {r.handover:.2f} | {leads} "
            f"| kill {late:+.1f} s | {r.lost} | {r.doubled} |"
        )
    for lease, handovers in _by_lease(rounds).items():
        lines.append(f"| {lease:g} | **median** | **{statistics.median(handovers):.2f}** | | | | |")
    return lines


def render(
    precision: Precision, rounds: list[Round], host: str, command: str, elapsed: float
) -> str:
    """The markdown section, markers included."""
    s = precision.spread
    verdict = "meets" if met(precision) else "MISSES"
    problems = checks(precision, rounds)
    lines = [
        BEGIN,
        "## Scheduler: fire precision and hand-over (`bench/scheduler`)",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC with `{command}` ({elapsed:.0f} s in all).",
        f"Machine: {host}.",
        notes.servers(),
        "",
        f"**Fire precision: p50 {s.p50:.1f} ms, p99 {s.p99:.1f} ms, max {s.max:.1f} ms over "
        f"{s.count:,} fires ({precision.plan.schedules} schedules `every: 1` for "
        f"{precision.plan.seconds} s), which {verdict} the target of p99 < "
        f"{TARGET_P99_MS:.0f} ms.**",
        "",
        *_precision_table(precision),
        "",
        notes.PRECISION_METHOD,
        "",
        *notes.precision_findings(precision),
        "",
        "### Hand-over after SIGKILL of the lease holder",
        "",
        *_handover_table(rounds),
        "",
        notes.HANDOVER_METHOD,
        "",
        *notes.handover_findings(rounds),
        "",
        "Checks: " + ("all passed." if not problems else "; ".join(problems) + "."),
        END,
    ]
    return "\n".join(lines) + "\n"
