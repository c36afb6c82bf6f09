"""Inbox processing shared by many processes, in fair rounds (municipal/inbox/processing.py, issue 10):
each event is handled by one process exactly once, with nothing logged for "someone else took it", and
a provider's bulk upload never holds up another provider's report."""

import asyncio
import logging
from datetime import timedelta

import pytest

from municipal.inbox import processing
from municipal.tables import InboxEntry, InboxItem
from shared import clock
from shared.db import write_tx
from shared.events import EventKind, MilestonePayload, emit_many
from shared.tables import DomainEvent
from shared.vocab import MilestoneKind


async def pvt_reports(world, organisation: int, count: int, first: int = 1) -> None:
    """`count` PVT signatures from `organisation`, each for its own enrollment (so each makes its own item)."""
    day = clock.today() - timedelta(days=1)
    async with write_tx():
        await emit_many(
            [
                (
                    EventKind.MILESTONE_REPORTED,
                    world.people["amina"],
                    world.gemeente,
                    MilestonePayload(
                        milestone_id=i,
                        enrollment_id=i,
                        organisation_id=organisation,
                        component="pvt",
                        kind=MilestoneKind.PVT_ONDERTEKENING,
                        event_date=day,
                    ),
                )
                for i in range(first, first + count)
            ]
        )


@pytest.mark.postgres_only
async def test_two_workers_handle_every_event_exactly_once_and_log_nothing(world, caplog):
    await pvt_reports(world, world.pvt, 300)
    caplog.set_level(logging.WARNING)
    done = await asyncio.gather(*[processing.process_pending(round_size=25) for _ in range(2)])
    assert sum(done) == 300 and all(done)  # both worked, and together handled each event once
    assert await DomainEvent.count().where(DomainEvent.processed_at.is_null()) == 0
    assert await DomainEvent.count().where(DomainEvent.attempts > 0) == 0
    assert await InboxItem.count() == 300
    assert await InboxEntry.count().where(InboxEntry.entry_type == "status") == 300  # one "Aangemaakt" each
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


@pytest.mark.postgres_only
async def test_a_worker_finds_work_past_what_others_hold(world):
    """While two processes hold their rounds, a third one still claims the next events (it looks past the
    held ones instead of concluding that nothing is pending), and never one of theirs."""
    await processing.process_pending()  # what setting up the world asked for
    await pvt_reports(world, world.pvt, 12)
    holding, release = asyncio.Event(), asyncio.Event()
    claimed: dict[str, list[int]] = {}

    async def worker(name: str, hold: bool):
        async with write_tx():
            claimed[name] = [e["id"] for e in await processing.claim_round(2)]
            if hold:
                holding.set()
                await release.wait()

    first = asyncio.create_task(worker("a", True))
    await holding.wait()
    holding.clear()
    second = asyncio.create_task(worker("b", True))
    await holding.wait()
    await worker("c", False)
    release.set()
    await asyncio.gather(first, second)
    assert [len(claimed[n]) for n in "abc"] == [2, 2, 2]
    assert len(set(claimed["a"]) | set(claimed["b"]) | set(claimed["c"])) == 6  # nobody took another's


async def test_a_small_report_is_not_held_up_by_a_bulk_upload(world):
    await processing.process_pending()  # what setting up the world asked for
    await pvt_reports(world, world.pvt, 60)  # provider A's bulk upload, pending
    await pvt_reports(world, world.school, 1, first=1000)  # then one report from provider B
    assert await processing.process_round(size=10) == 10
    b = await InboxItem.select(InboxItem.key).where(InboxItem.organisation == world.school)
    assert [r["key"] for r in b] == ["pvt:1000"]  # B's item is there after the first round
    assert await processing.process_pending(round_size=10) == 51
    assert await InboxItem.count() == 61


async def test_a_bad_event_holds_up_only_itself(world, caplog):
    await processing.process_pending()  # what setting up the world asked for
    await pvt_reports(world, world.pvt, 3)
    bad = await DomainEvent.select(DomainEvent.id).where(DomainEvent.processed_at.is_null()).first()
    await DomainEvent.update({DomainEvent.payload: '{"not": "a milestone"}'}).where(DomainEvent.id == bad["id"])
    caplog.set_level(logging.ERROR)
    assert await processing.process_pending() == 3  # two handled, one failed
    assert await InboxItem.count() == 2
    row = await DomainEvent.select().where(DomainEvent.id == bad["id"]).first()
    assert row["processed_at"] is None and row["attempts"] == 1 and row["last_error"]
    for _ in range(processing.MAX_ATTEMPTS):
        await processing.process_pending()
    assert (await DomainEvent.select().where(DomainEvent.id == bad["id"]).first())["attempts"] == (
        processing.MAX_ATTEMPTS
    )  # then left alone, its error kept for whoever looks
