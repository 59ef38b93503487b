"""The prose of the scheduler benchmark's section: method, and findings drawn from the numbers."""

from __future__ import annotations

import statistics
import subprocess

from bench.scheduler.handover import Round
from bench.scheduler.precision import Precision
from gridstream.testing.nats_server import find_nats_server

PRECISION_METHOD = """\
Method. One `python -m gridstream.scheduler` process (its own process, configured by
environment, default settings except: no default schedules, the benchmark's schedules, each
`every: 1`, `overlap: allow` because no collector answers, `coalesce: false` so a late tick
shows up as lateness instead of a coalesced miss). It fires through its real path: the firing
loop records each fire and its command in the outbox in one transaction, the outbox relay
publishes with `Nats-Msg-Id` and waits for the PubAck. This benchmark process reads the stored
commands back with an ordered consumer and takes each one's JetStream timestamp (metadata of
the stored message: the server's clock when it stored it, which is just before it sends the
PubAck); lateness is that minus the fire time named by the command's id and window. The first
seconds are skipped (a fresh start fires the current second at once, late by design). Servers,
scheduler and reader share one clock (one host). The stage rows come from the scheduler's own
tables after the run; "per fire instant" is the first and the last of the commands due at the
same second."""

HANDOVER_METHOD = """\
Method. Each round: a fresh database, one schedule `every: 1` (`coalesce: false`, grace 120 s),
two `python -m gridstream.scheduler` processes on it. The first takes the firing lease; once the
second is up and the leader has published after that, the leader gets SIGKILL halfway between
two fire times, so none of its publishes is in flight. The hand-over time runs from the kill to
the JetStream stored time of the first command stored after it (only the survivor can publish
then). The survivor's `/v1/leader` is polled every 50 ms to show when it took the firing lease.
Every fire time from before the kill to two seconds past the hand-over must be stored exactly
once (late fires within the grace are fired on take-over; `Nats-Msg-Id` would drop a repeat)."""

_PRECISION_CAUSE = """\
Where the time goes. The firing loop wakes on time: the `wake` stage is the asyncio timer plus
the lease renewal transaction that `FiringLoop.step` runs before every `tick`. The cost is in
the tick: `tick` fires the due schedules one after another, each in its own transaction
(`fire_schedule`: BEGIN, lease `SELECT ... FOR UPDATE`, schedule `SELECT ... FOR UPDATE`, two
`open_state` queries, `INSERT` fire, `INSERT` outbox (command and ScheduleFired), `UPDATE`
schedule, COMMIT: 9 round trips through SQLAlchemy, plus building and validating two contract
messages). The relay, woken after each commit, publishes in the same event loop between them.
So the n-th schedule due at an instant waits for n-1 transactions: lateness grows linearly with
the number of schedules due at the same instant, and the relay and JetStream part stays small.
Durability is not the cause: side runs by hand on a server with fsync and synchronous_commit
off (the test harness's) gave the same per-fire cost (20 schedules: p50 55.7 ms, p99 116 ms),
and the slope is visible with fewer schedules (1 schedule: p50 11.2 ms, max 14.9 ms; 5: p50
20.9 ms, p99 29.0 ms; 15 s each, `--schedules N --seconds 15 --no-write`). By that slope a single
fire is well inside the target, and about 8 or more schedules due at the same second are not.

What would fix it (in `services/scheduler`, not changed here):
1. Fire every schedule due in a tick in ONE transaction: one lease check, the schedules read
   `FOR UPDATE` in one statement, the fires and the outbox rows inserted in one multi-row
   `INSERT` each, `next_fire`/`last_fire` advanced in one `UPDATE ... FROM (VALUES ...)`, one
   commit, one relay wake-up. The per-fire cost then becomes a few rows in the same statements
   instead of 9 round trips; the relay then publishes the batch in one pass.
2. Renew the lease inside that transaction (`acquire_or_renew` instead of `holds`) instead of
   in a separate transaction before the tick, which takes the `wake` stage's milliseconds off
   every fire.
3. `open_state`'s buffered-fire query filters `fires` by schedule and status with no index on
   status: it reads every history row of the schedule on each fire (a 1-second schedule keeps
   2.6 million rows in 30 days of history). A partial index on `(schedule) WHERE status IN
   ('published', 'buffered')` (or one query for both answers) keeps it constant.
4. Then, if the relay shows: write a tick's commands before their ScheduleFired events, so the
   commands are not behind the events in the relay's in-order pass (measured here: 40
   sequential PubAcks through nats-py take about 5 ms on this machine, so this is minor)."""

_HANDOVER_CAUSE = """\
Two things make the hand-over longer than the lease.

1. The firing lease itself: the leader renews it every `lease_seconds / 3`, and a replica that
   does not hold it tries again only every `lease_seconds / 3` (`FiringLoop.step` returns
   `renew_every`). The lease expires between 2/3 and 1 lease after the kill, and the survivor
   notices up to a third of a lease later: between 2/3 and 4/3 of `lease_seconds` after the
   kill, so up to a third MORE than the TTL the issue promises ("another takes over within the
   TTL"). Fix (in `services/scheduler`): a replica that finds the lease held should wait until
   the holder's `lease_until` (the runtime's `lease.holder()` gives it) rather than a fixed
   third, or poll much more often than the leader renews; then it takes over within the TTL.
2. The outbox relay's own lease: the survivor records the due fires into its outbox as soon as
   it holds the firing lease, but the runtime's `OutboxRelay` holds a separate lease on the
   schema's outbox (`outbox_lease`, default 15 s, which must exceed the 10 s publish timeout +
   1 s, so at least 11 s). The dead process's relay renewed it on every pass (at least every
   `outbox_poll_interval`), so the survivor's relay publishes only when it expires, about
   `outbox_lease` after the kill. With `lease_seconds: 3` (the process test's setting) the
   firing moves in about 3 s but the first command still waits about 15 s. Fix (in
   `services/scheduler` or the runtime): run the scheduler's relay only while its firing loop
   holds the firing lease and take the outbox lease together with it (only the leader writes
   outbox rows, so the two leases can be one), or give the scheduler's relay a lease equal to
   `lease_seconds` with a publish timeout below it (a scheduler publishes a few small messages
   per tick). Then the hand-over is about the firing lease plus one relay pass.

Nothing is lost or doubled either way: the survivor fires the seconds it missed late (within
the grace) and `Nats-Msg-Id` keeps a repeated fire out of the stream."""


def servers() -> str:
    """The NATS server line (binary and version)."""
    binary = find_nats_server()
    try:
        version = subprocess.run(
            [binary, "--version"], capture_output=True, text=True, timeout=10, check=False
        ).stdout.strip()
    except OSError:
        version = "unknown version"
    return f"Servers: {version} (embedded, `-js`, file store, fresh per run)"


def precision_findings(precision: Precision) -> list[str]:
    """The measured slope per schedule, then the cause and the fix."""
    ranks = precision.by_rank
    first, last = ranks["first of the second"], ranks["last of the second"]
    n = precision.plan.schedules
    slope = (last.p50 - first.p50) / (n - 1) if n > 1 else 0.0
    stages = {k: statistics.median(v) * 1000 for k, v in precision.stages.items() if v}
    line = (
        f"Measured here: {precision.postgres}. The first command of each second is stored "
        f"{first.p50:.1f} ms after its fire time (p50), the last of the {n} "
        f"{last.p50:.1f} ms after: each further schedule due at the same instant adds about "
        f"{slope:.1f} ms. Medians of the stages: wake {stages.get('wake', 0):.1f} ms, "
        f"queue {stages.get('queue', 0):.1f} ms, commit, relay and PubAck "
        f"{stages.get('commit_relay_ack', 0):.1f} ms."
    )
    return [line, "", _PRECISION_CAUSE]


def handover_findings(rounds: list[Round]) -> list[str]:
    """The medians per lease setting, then the cause and the fix."""
    leases = sorted({r.lease for r in rounds}, reverse=True)
    parts = []
    for lease in leases:
        mine = [r for r in rounds if r.lease == lease]
        leads = [r.leads_after for r in mine if r.leads_after is not None]
        leads_text = f"{statistics.median(leads):.2f} s" if leads else "not seen"
        parts.append(
            f"`lease_seconds: {lease:g}`: first command after a median "
            f"{statistics.median(r.handover for r in mine):.2f} s, firing lease taken after "
            f"{leads_text}"
        )
    line = (
        "Measured here (`outbox_lease` and `outbox_poll_interval` at their defaults, 15 s and "
        f"1 s): {'; '.join(parts)}."
    )
    return [line, "", _HANDOVER_CAUSE]
