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
Where the time goes. The firing loop wakes on time (`wake`: the asyncio timer) and fires every
schedule due at an instant in ONE transaction: it renews the firing lease, locks the due
schedules, inserts all fires and queues each command before its `ScheduleFired` in the outbox,
advances the schedules, commits once (`queue` stays about a millisecond however many are due;
each further schedule due at the same instant adds under a millisecond). Nearly all the rest is
after the commit: the durable COMMIT (fsync on), the outbox relay waking on the commit, its pass
(one transaction to renew its lease and read the rows, the publishes, one transaction to mark
them), and 40 PubAcks (20 commands, 20 events) awaited one after another, while the PostgreSQL
server, nats-server, the scheduler and this reader share 2 cores. (Before the one-transaction
round, each due schedule had its own transaction of 9 round trips: p99 was 110.7 ms.)

What would take it under 50 ms: let the relay keep several publishes in flight (JetStream stores
them in the order they are sent on one connection), and fold the relay's lease renewal and read
into one statement; both are runtime changes to every service's outbox relay."""

_HANDOVER_CAUSE = """\
The firing lease moves within `lease_seconds`: a replica without it sleeps until the holder's
`lease_until` (by the database clock) and takes it then. The first command after the kill
waits, in addition, for the outbox relay's own lease of the schema (`outbox_lease`, default 5 s,
above its 3 s publish timeout): the dead process's relay held it, and the survivor's relay
publishes once it expires. So the hand-over is about the longer of the two leases plus one
relay pass. Nothing is lost or doubled: the survivor fires the seconds it missed late (within
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
