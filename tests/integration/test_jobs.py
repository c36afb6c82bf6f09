"""Background work shared by many processes: a claimed row is worked on by one process only, and a daily
job runs once a day over all processes (shared/jobs.py, regie/background.py)."""

import asyncio
from datetime import timedelta

import pytest

from regie import background
from shared import clock
from shared.jobs import claim_slot, claimed, finish_slot
from shared.tables import DomainEvent, JobRun


async def pending(n: int) -> None:
    await DomainEvent.insert(*[DomainEvent(kind="contract.ended", payload="{}") for _ in range(n)])


async def test_a_daily_job_runs_once_per_day(db):
    assert await claim_slot("scan", "2026-11-18")
    assert not await claim_slot("scan", "2026-11-18")  # another process asks the same day
    await finish_slot("scan", "2026-11-18", "3 items")
    assert not await claim_slot("scan", "2026-11-18")
    assert await claim_slot("scan", "2026-11-19")  # the next day is a new slot


async def test_a_run_whose_process_died_is_taken_over_later(db):
    assert await claim_slot("scan", "2026-11-18")
    assert not await claim_slot("scan", "2026-11-18", stale_after=timedelta(hours=1))
    with clock.travel(clock.now() + timedelta(hours=2)):
        assert await claim_slot("scan", "2026-11-18", stale_after=timedelta(hours=1))
    assert await JobRun.count() == 1


async def test_the_background_loop_runs_a_daily_job_once_over_two_processes(db):
    runs = []

    async def scan():
        runs.append(clock.today())
        return "klaar"

    job = background.Job("test.scan", scan, daily=True)
    assert await background.run_job(job) and not await background.run_job(job)
    assert runs == [clock.today()]
    row = await JobRun.select().where(JobRun.name == "test.scan").first()
    assert row["finished_at"] is not None and row["note"] == "klaar"


@pytest.mark.postgres_only
async def test_two_workers_claim_different_rows(db):
    """While one process holds its batch, a second one skips those rows and takes the next ones."""
    await pending(4)
    first_has_rows = asyncio.Event()
    release = asyncio.Event()
    seen: dict[str, list[int]] = {}

    async def worker(name: str, hold: bool):
        async with claimed(DomainEvent, DomainEvent.processed_at.is_null(), limit=2) as rows:
            seen[name] = [r["id"] for r in rows]
            if hold:
                first_has_rows.set()
                await release.wait()
            await DomainEvent.update({DomainEvent.processed_at: clock.now()}).where(
                DomainEvent.id.is_in(seen[name] or [0])
            )

    holder = asyncio.create_task(worker("a", hold=True))
    await first_has_rows.wait()
    await worker("b", hold=False)
    release.set()
    await holder
    assert len(seen["a"]) == 2 and len(seen["b"]) == 2 and not set(seen["a"]) & set(seen["b"])
    assert await DomainEvent.count().where(DomainEvent.processed_at.is_null()) == 0
