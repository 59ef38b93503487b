"""Direct asyncpg access to the benchmark database: COPY, resets, WAL positions and table fingerprints."""

import importlib
import time
from typing import Any

from bench.ingest.server import describe

SCHEMA = "collector"
COLUMNS = ("series_id", "ts", "value", "resolution", "first_seen", "last_changed")
# Every stored column plus the row version (xmin, ctid): equal fingerprints mean no row was rewritten.
_VERSIONS = "concat_ws(',', series_id, ts, value, resolution, first_seen, last_changed, xmin, ctid)"
_CONTENT = "concat_ws(',', series_id, ts, value, resolution)"


class Probe:
    """One plain asyncpg connection beside the collector's engine."""

    def __init__(self, connection: Any):
        self._connection = connection

    @classmethod
    async def connect(cls, dsn: str) -> "Probe":
        """Open the connection (close it with `close`)."""
        asyncpg = importlib.import_module("asyncpg")  # untyped package: keep it Any
        return cls(await asyncpg.connect(dsn, timeout=10, command_timeout=300))

    async def close(self) -> None:
        """Close the connection."""
        await self._connection.close()

    async def describe(self) -> tuple[str, dict[str, str]]:
        """Server version and the settings that matter for writes."""
        return await describe(self._connection)

    async def reset(self) -> None:
        """Empty the observations and revisions, then checkpoint so no earlier write is flushed mid-run."""
        await self._connection.execute(f"TRUNCATE {SCHEMA}.observations, {SCHEMA}.revisions")
        await self.checkpoint()

    async def checkpoint(self) -> None:
        """CHECKPOINT (superuser or pg_checkpoint role): keeps one run's dirty pages out of the next."""
        await self._connection.execute("CHECKPOINT")

    async def analyze(self) -> None:
        """Refresh planner statistics, as autovacuum would on a table in steady use."""
        await self._connection.execute(f"ANALYZE {SCHEMA}.observations, {SCHEMA}.revisions")

    async def copy(self, records: list[tuple[object, ...]]) -> float:
        """Seconds to COPY `records` into the observations table (one autocommitted statement)."""
        started = time.perf_counter()
        await self._connection.copy_records_to_table(
            "observations", schema_name=SCHEMA, columns=COLUMNS, records=records
        )
        return time.perf_counter() - started

    async def wal_position(self) -> int:
        """The current WAL insert position, in bytes."""
        return int(
            await self._connection.fetchval(
                "SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0')"
            )
        )

    async def counts(self) -> tuple[int, int]:
        """Rows in observations and in revisions."""
        row = await self._connection.fetchrow(
            f"SELECT (SELECT count(*) FROM {SCHEMA}.observations), "
            f"(SELECT count(*) FROM {SCHEMA}.revisions)"
        )
        return int(row[0]), int(row[1])

    async def fingerprint(self, *, versions: bool) -> str:
        """md5 over every observation row: its content, or with `versions` also times and row version."""
        expression = _VERSIONS if versions else _CONTENT
        return str(
            await self._connection.fetchval(
                f"SELECT md5(string_agg({expression}, ';' ORDER BY series_id, ts)) "
                f"FROM {SCHEMA}.observations"
            )
        )

    async def database_now(self) -> object:
        """The database clock, which stamps every write."""
        return await self._connection.fetchval("SELECT clock_timestamp()")

    async def rows_changed_since(self, when: object) -> int:
        """Observations whose last_changed is after `when` (the start of one upsert pass)."""
        return int(
            await self._connection.fetchval(
                f"SELECT count(*) FROM {SCHEMA}.observations WHERE last_changed > $1", when
            )
        )
