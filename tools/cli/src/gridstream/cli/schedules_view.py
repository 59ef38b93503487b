"""How `gridstream schedules` shows schedules and fires: aligned tables and detail lines."""

import json
from collections.abc import Sequence
from typing import Any

_NONE = "-"
_UNITS = ((86400, "d"), (3600, "h"), (60, "m"))


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Columns padded to their widest cell, two spaces apart; one line per row."""
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=True)]
    lines = [
        "  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in (headers, *rows)
    ]
    return "\n".join(lines) + "\n"


def every_text(seconds: int) -> str:
    """1800 -> ``30m``, 14400 -> ``4h``, 90 -> ``90s``."""
    for size, unit in _UNITS:
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def trigger_text(schedule: dict[str, Any], *, detailed: bool = False) -> str:
    """``0 6 * * * Europe/Brussels`` (``... (Europe/Brussels)`` in details) or ``every 30m``."""
    if schedule.get("cron"):
        zone = schedule.get("timezone") or "UTC"
        return f"{schedule['cron']} ({zone})" if detailed else f"{schedule['cron']} {zone}"
    return f"every {every_text(int(schedule['every']))}"


def state_text(schedule: dict[str, Any]) -> str:
    """``paused`` (by pause), ``disabled`` (enabled: false) or ``active``."""
    if schedule.get("paused"):
        return "paused"
    return "active" if schedule.get("enabled", True) else "disabled"


def _outcome(schedule: dict[str, Any]) -> str:
    last = schedule.get("last_outcome")
    return str(last["status"]) if last else _NONE


def schedules_table(schedules: Sequence[dict[str, Any]]) -> str:
    """The `schedules list` table."""
    headers = ("NAME", "TRIGGER", "COMMAND", "STATE", "NEXT FIRE", "LAST FIRE", "LAST OUTCOME")
    rows = [
        (
            s["name"],
            trigger_text(s),
            s["command_type"],
            state_text(s),
            s.get("next_fire") or _NONE,
            s.get("last_fire") or _NONE,
            _outcome(s),
        )
        for s in schedules
    ]
    return table(headers, rows)


def outcome_text(fire: dict[str, Any] | None) -> str:
    """``succeeded (2024-03-01T06:00:00Z), 96 points in 2.5s`` or ``failed (...): why``."""
    if not fire:
        return _NONE
    text = f"{fire['status']} ({fire['fire_time']})"
    if fire.get("points") is not None:
        text += f", {fire['points']} points"
    if fire.get("duration_seconds") is not None:
        text += f" in {fire['duration_seconds']:.1f}s"
    return text + (f": {fire['error']}" if fire.get("error") else "")


def schedule_details(s: dict[str, Any]) -> str:
    """The `schedules show` lines, one ``field: value`` a line."""
    fields = {
        "name": s["name"],
        "trigger": trigger_text(s, detailed=True),
        "command": f"{s['command_type']} {json.dumps(s.get('command') or {})}",
        "state": state_text(s),
        "source": s.get("source") or _NONE,
        "misfire grace": f"{s.get('misfire_grace_seconds', _NONE)} s",
        "coalesce": "yes" if s.get("coalesce", True) else "no",
        "overlap": s.get("overlap") or _NONE,
        "jitter": f"{s.get('jitter_seconds') or 0} s",
        "next fire": s.get("next_fire") or _NONE,
        "last fire": s.get("last_fire") or _NONE,
        "last outcome": outcome_text(s.get("last_outcome")),
    }
    return "".join(f"{key}: {value}\n" for key, value in fields.items())


def fires_table(fires: Sequence[dict[str, Any]]) -> str:
    """The `schedules fires` table, as the scheduler orders it (newest first)."""
    headers = ("FIRE TIME", "STATUS", "DURATION", "POINTS", "COMMAND ID", "ERROR")
    rows = [
        (
            f["fire_time"],
            f["status"],
            _NONE if f.get("duration_seconds") is None else f"{f['duration_seconds']:.1f}s",
            _NONE if f.get("points") is None else str(f["points"]),
            f.get("command_id") or _NONE,
            f.get("error") or "",
        )
        for f in fires
    ]
    return table(headers, rows)


def leader_text(leader: dict[str, Any]) -> str:
    """Which replica fires, and until when its lease holds."""
    if not leader.get("leader"):
        return "firing replica: none (no replica holds the lease)\n"
    return f"firing replica: {leader['leader']} (lease until {leader.get('lease_until', '?')})\n"
