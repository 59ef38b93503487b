"""A token bucket kept in PostgreSQL, so every collector replica sharing a token shares one limit."""

import asyncio
import hashlib

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

_ENSURE = text(
    "INSERT INTO rate_limits (bucket, tokens) VALUES (:bucket, :burst) "
    "ON CONFLICT (bucket) DO NOTHING"
)
_READ = text(
    """
    SELECT least(:burst, tokens + extract(epoch FROM clock_timestamp() - updated_at) * :rate),
           extract(epoch FROM cooldown_until - clock_timestamp())
    FROM rate_limits WHERE bucket = :bucket FOR UPDATE
    """
)
_TAKE = text(
    "UPDATE rate_limits SET tokens = :tokens - 1, updated_at = clock_timestamp() "
    "WHERE bucket = :bucket"
)
# Set on the database clock, extended never shortened. The bucket restarts with one token and
# refills only from the cool-down's end (updated_at moves there), so no burst follows it.
_COOL = text(
    """
    WITH asked AS (SELECT clock_timestamp() + make_interval(secs => :seconds) AS until)
    UPDATE rate_limits SET
        cooldown_until = greatest(cooldown_until, asked.until),
        updated_at = greatest(updated_at, cooldown_until, asked.until),
        tokens = 1
    FROM asked WHERE bucket = :bucket
    """
)
_COOLING = text(
    "SELECT greatest(0, extract(epoch FROM cooldown_until - clock_timestamp())) "
    "FROM rate_limits WHERE bucket = :bucket"
)


def bucket_name(token: str) -> str:
    """A stable bucket name for an API token that does not reveal the token."""
    return "entsoe:" + hashlib.sha256(token.encode()).hexdigest()[:16]


class PostgresRateLimiter:
    """Shared token bucket: `rate` requests/s with `burst` saved up, timed by the database clock."""

    def __init__(self, engine: AsyncEngine, bucket: str, rate: float, burst: int) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError(f"rate must be > 0 and burst >= 1 (got rate={rate}, burst={burst})")
        self._engine = engine
        self._bucket = bucket
        self._rate = rate
        self._burst = float(burst)
        self._ready = False

    async def acquire(self) -> None:
        """Wait until the shared bucket has a token (and no cool-down runs), then take it."""
        while True:
            wait = await self._try_take()
            if wait <= 0:
                return
            await asyncio.sleep(wait)

    async def cool_down(self, seconds: float) -> None:
        """Hold back every replica's requests for `seconds`, timed by the database clock."""
        await self._ensure()
        async with self._engine.begin() as conn:
            await conn.execute(_COOL, {"bucket": self._bucket, "seconds": max(0.0, seconds)})

    async def cooling_down_for(self) -> float:
        """Seconds left of the running cool-down, 0.0 when none."""
        await self._ensure()
        async with self._engine.connect() as conn:
            value = (await conn.execute(_COOLING, {"bucket": self._bucket})).scalar()
        return float(value or 0.0)

    async def _try_take(self) -> float:
        await self._ensure()
        params = {"bucket": self._bucket, "burst": self._burst, "rate": self._rate}
        async with self._engine.begin() as conn:
            tokens, cool_left = (await conn.execute(_READ, params)).one()
            if cool_left is not None and float(cool_left) > 0:
                return float(cool_left)
            if float(tokens) < 1.0:
                return (1.0 - float(tokens)) / self._rate
            await conn.execute(_TAKE, {"bucket": self._bucket, "tokens": float(tokens)})
        return 0.0

    async def _ensure(self) -> None:
        if self._ready:
            return
        async with self._engine.begin() as conn:
            await conn.execute(_ENSURE, {"bucket": self._bucket, "burst": self._burst})
        self._ready = True
