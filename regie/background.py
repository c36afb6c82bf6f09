"""The background work of every app process: which jobs run, and how often (ADR 0013).

Each app process runs this loop; with N processes (or instances behind a load balancer) nothing is done
twice: a frequent job claims its rows with `shared.jobs.claimed` (row locks), a daily job claims its
day with `shared.jobs.claim_slot`. Nothing is kept in the process: a job that stops halfway leaves its
work pending in the database, and the next round (here or in another process) takes it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import time

from accounts import services as accounts
from municipal.duo import inbound as duo_inbound
from municipal.duo import outbox as duo_outbox
from municipal.duo import uren as duo_uren
from municipal.inbox import digest
from municipal.inbox import services as inbox
from portal.uploads import read as uploads
from shared import clock, mail
from shared.jobs import claim_slot, finish_slot
from shared.settings import TIMEZONE

log = logging.getLogger(__name__)
TICK_SECONDS = 5


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[], Awaitable[object]]
    daily: bool = False  # once a day over all processes; otherwise every tick in every process
    not_before: time | None = None  # a daily job waits until this Dutch time of day (e.g. a morning digest)


JOBS = [
    # Provider reports become inbox items (the outbox, ADR 0006).
    Job("inbox.events", inbox.process_pending),
    # Time passing is not an event: an inburgeringsaanbod later than 3 months after the PIP.
    Job("inbox.delayed_starts", inbox.scan_delayed_starts, daily=True),
    # An upload whose check or commit lost its worker (a restart, kill -9) is recovered, also when nobody
    # looks at it (an API upload): a check starts again, a commit can be done again.
    Job("uploads.recover", uploads.recover_abandoned),
    # Mail (ADR 0018, mail from a queue): forgotten-password requests become links, the queue is sent with
    # retry, and each team mailbox gets its daily digest (from 07:00).
    Job("accounts.password_resets", accounts.prepare_password_resets),
    Job("mail.send", mail.send_pending),
    Job("inbox.digest", digest.send_daily_digests, daily=True, not_before=time(7, 0)),
    # DUO's notifications (issue 11): stored on receipt, handled here into dossier changes and inbox items.
    Job("duo.notifications", duo_inbound.handle_pending),
    # Requests to DUO (issue 11): the queue is sent with retry; each message has one sender (a lease).
    Job("duo.send", duo_outbox.send_pending),
    # GevolgdeUren are totals: once registered, a changed total is queued again (daily).
    Job("duo.uren", duo_uren.refresh_totals, daily=True),
]


async def run_job(job: Job) -> bool:
    """Run one job now if it is its turn here; True when it ran."""
    if not job.daily:
        await job.run()
        return True
    if job.not_before is not None and clock.now().astimezone(TIMEZONE).time() < job.not_before:
        return False
    slot = clock.today().isoformat()
    if not await claim_slot(job.name, slot):
        return False
    result = await job.run()
    await finish_slot(job.name, slot, note=str(result))
    return True


async def run_forever(jobs: list[Job] = JOBS) -> None:
    while True:
        for job in jobs:
            try:
                await run_job(job)
            except Exception:  # one failing job must not stop the others, nor the next round
                log.exception("achtergrondtaak %s", job.name)
        await asyncio.sleep(TICK_SECONDS)


_task: asyncio.Task | None = None


async def start() -> None:
    global _task
    _task = asyncio.create_task(run_forever())


async def stop() -> None:
    if _task is not None:
        _task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await _task
