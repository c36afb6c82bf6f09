"""Work that is cancelled halfway gives its database connection back (issue 10: one run of the inbox bench
hung). A task can be cancelled at any moment: a heartbeat that stops, a server that shuts down. Piccolo's own
transaction kept its connection when the cancel came during BEGIN, COMMIT or ROLLBACK; after ten of those
every query of the process waited for ever (PostgreSQL's pool has ten), and closing the pool hung."""

import asyncio
import threading
from datetime import timedelta

from portal.uploads import batches
from shared.db import engine, is_postgres, write_tx
from shared.tables import Gemeente


async def _write(name: str) -> None:
    async with write_tx():
        await Gemeente.insert(Gemeente(cbs_code="9999", name=name, oin=""))
        await Gemeente.delete().where(Gemeente.name == name)


def _in_use() -> int:
    """PostgreSQL: pool connections not given back; SQLite: open connections (each runs in its own thread)."""
    return engine().pool.get_size() - engine().pool.get_idle_size() if is_postgres() else threading.active_count()


async def connections_kept(before: int) -> int:
    """How many connections stay taken beyond `before`, once the releases still running (they finish after
    the cancelled task has stopped) are done."""
    for _ in range(200):
        if _in_use() <= before:
            break
        await asyncio.sleep(0.01)
    return max(0, _in_use() - before)


async def test_a_transaction_cancelled_at_any_moment_gives_its_connection_back(db):
    before = _in_use()
    # Cancel after 0, 1, 2, … turns of the event loop: each await of BEGIN, the statements, COMMIT.
    for turns in range(60):
        for _ in range(3):
            task = asyncio.create_task(_write(f"g{turns}"))
            for _ in range(turns):
                await asyncio.sleep(0)
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                pass
    assert await connections_kept(before) == 0
    await asyncio.wait_for(_write("daarna"), 10)  # the process can still write
    assert await Gemeente.count() == 0  # a cancelled transaction left nothing half


async def test_a_heartbeat_stops_between_beats_and_keeps_no_connection(db, monkeypatch):
    before = _in_use()
    gemeente = (await Gemeente.insert(Gemeente(cbs_code="0344", name="Utrecht", oin="")).returning(Gemeente.id))[0]
    monkeypatch.setattr(batches, "HEARTBEAT_EVERY", timedelta(milliseconds=1))
    for turns in range(40):
        # The block writes in its own transaction while its heartbeat beats beside it.
        async with batches.heartbeat(-1):
            async with write_tx():
                await Gemeente.update({Gemeente.name: f"Utrecht {turns}"}).where(Gemeente.id == gemeente["id"])
                await asyncio.sleep(0.001 * (turns % 4))
    assert await connections_kept(before) == 0
    assert (await Gemeente.select(Gemeente.name).first())["name"] == "Utrecht 39"
