"""while_leased: renews beside the work, cancels the work at once when the lease is lost."""

import asyncio

import pytest

from gridstream.collector.lease import LeaseLostError, while_leased


async def test_the_work_result_is_returned_and_the_lease_renewed_meanwhile() -> None:
    renewals = 0
    renewed_thrice = asyncio.Event()

    async def renew() -> bool:
        nonlocal renewals
        renewals += 1
        if renewals == 3:
            renewed_thrice.set()
        return True

    async def work() -> str:
        await renewed_thrice.wait()
        return "done"

    assert await while_leased(work(), renew, lease_seconds=0.06) == "done"


async def test_a_lease_taken_over_cancels_the_work() -> None:
    cancelled = asyncio.Event()

    async def renew() -> bool:
        return False

    async def work() -> None:
        try:
            await asyncio.Event().wait()
        finally:
            cancelled.set()

    with pytest.raises(LeaseLostError, match="another owner"):
        await while_leased(work(), renew, lease_seconds=0.06)
    assert cancelled.is_set()


async def test_renewals_failing_for_a_whole_lease_count_as_lost() -> None:
    attempts = 0

    async def renew() -> bool:
        nonlocal attempts
        attempts += 1
        raise ConnectionError("database unreachable")

    async def work() -> None:
        await asyncio.Event().wait()

    with pytest.raises(LeaseLostError, match="not renewed"):
        await while_leased(work(), renew, lease_seconds=0.09)
    assert attempts >= 2, "one failed renewal alone does not give the lease up"


async def test_an_error_of_the_work_propagates() -> None:
    async def renew() -> bool:
        return True

    async def work() -> None:
        raise ValueError("a bug")

    with pytest.raises(ValueError, match="a bug"):
        await while_leased(work(), renew, lease_seconds=1.0)
