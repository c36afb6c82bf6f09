"""The background step that turns pending domain events into inbox items, in every app process.

Events wait in the outbox until handled, so nothing is lost when this step stops; a daily scan
catches what time alone makes due (an inburgeringsaanbod that is late)."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from municipal.inbox import services
from shared import clock

log = logging.getLogger(__name__)
POLL_SECONDS = 5


async def run_forever() -> None:
    last_scan = None
    while True:
        try:
            await services.process_pending()
            if last_scan != clock.today():
                await services.scan_delayed_starts()
                last_scan = clock.today()
        except Exception:  # never let one bad round stop the worker
            log.exception("inbox worker")
        await asyncio.sleep(POLL_SECONDS)


_task: asyncio.Task | None = None


async def start() -> None:
    global _task
    _task = asyncio.create_task(run_forever())


async def stop() -> None:
    if _task is not None:
        _task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await _task
