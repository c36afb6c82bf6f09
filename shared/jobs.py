"""Background work that many app processes share without doing anything twice (ADR 0013).

Two tools, both safe with N processes on PostgreSQL and with the single writer on SQLite:

- `claimed(table, where, ...)`: a batch of rows to work on, locked for one transaction. On PostgreSQL the
  rows are read with `SELECT … FOR UPDATE SKIP LOCKED`, so a second process skips them and takes the next
  ones instead of waiting or failing; on SQLite the write transaction itself is the lock (one writer at a
  time, `shared.db.write_tx`). Do the work and mark the rows done inside the block: the locks end at
  commit, and a crash rolls everything back, so the rows are simply taken again.
- `claim_slot(name, slot)`: the right to run a periodic job once for a slot (a day, an hour). A row per
  (name, slot) in `job_run` with a unique index decides who runs it; a run whose process died (no finish
  after `stale_after`) may be taken over.

Which jobs run, and how often, is decided by the composition root (`regie/background.py`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from shared import clock
from shared.db import IntegrityErrors, is_postgres, write_tx
from shared.tables import JobRun


@asynccontextmanager
async def claimed(
    table, where, *, order_by: Any = None, limit: int = 100, columns: tuple = ()
) -> AsyncIterator[list[dict[str, Any]]]:
    """Up to `limit` rows of `table` matching `where` (oldest `order_by` first), locked for this transaction
    so no other process works on them. Yields the rows (possibly none); everything written inside the
    block commits together with the end of the lock."""
    async with write_tx():
        query = table.select(*columns).where(where).order_by(order_by if order_by is not None else table.id)
        query = query.limit(limit)
        if is_postgres():
            query = query.lock_rows(skip_locked=True, of=(table,))
        yield await query


async def claim_slot(name: str, slot: str, *, stale_after: timedelta = timedelta(hours=1)) -> bool:
    """True when this process may run job `name` for `slot` (e.g. the date, "2026-11-29"): no other
    process has run it, or one started it more than `stale_after` ago and never finished (it died).
    Call `finish_slot` when done."""
    now = clock.now()
    try:
        async with write_tx():
            await JobRun.insert(JobRun(name=name, slot=slot, started_at=now))
        return True
    except IntegrityErrors:
        pass
    async with write_tx():
        # Take over a run whose process died: only one process can win this update.
        taken = (
            await JobRun.update({JobRun.started_at: now})
            .where(
                (JobRun.name == name)
                & (JobRun.slot == slot)
                & JobRun.finished_at.is_null()
                & (JobRun.started_at < now - stale_after)
            )
            .returning(JobRun.id)
        )
    return bool(taken)


async def finish_slot(name: str, slot: str, note: str = "") -> None:
    async with write_tx():
        await JobRun.update({JobRun.finished_at: clock.now(), JobRun.note: note[:2000]}).where(
            (JobRun.name == name) & (JobRun.slot == slot)
        )
