"""What every stage of an upload shares: the batch as its own organisation may see it (`own_batch`),
its state changes (`update_batch`), why it cannot be committed now, who acts for it (the uploader or the
organisation's API token), the organisation's saved column mapping, the notices the batch page shows,
and the background tasks that check and commit after the response while the page polls.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

from litestar.exceptions import NotFoundException

from portal.tables import ColumnMapping
from portal.uploads.rules import BUSY, BatchStatus
from shared import clock
from shared.db import engine, is_postgres, sqlite_writer_busy, write_tx
from shared.security import CurrentUser
from shared.tables import ApiToken, AppUser, UploadBatch
from shared.vocab import Role

NOTICES = {
    "al-opgeslagen": "Dit bestand heeft u al eerder ingestuurd en opgeslagen. Er is niets veranderd.",
    "al-ontvangen": "Dit bestand heeft u net al geüpload. U ziet hier die upload.",
    "opgeslagen": "De regels zijn opgeslagen.",
    "gewijzigd": (
        "Sinds de controle is er iets veranderd in wat er al stond. Er is niets opgeslagen. "
        "Hieronder ziet u de nieuwe controle; bekijk die en sla opnieuw op."
    ),
    "gekoppeld": (
        "Uw koppeling is bewaard en wordt ook voor uw volgende uploads gebruikt. Het bestand is opnieuw gecontroleerd."
    ),
    "afgebroken": "De upload is afgebroken. Er is niets opgeslagen.",
    "onderbroken": (
        "Het opslaan is onderbroken: het programma dat het deed is gestopt (bijvoorbeeld door een herstart). "
        "Er is niets opgeslagen. Kijk de controle na en druk opnieuw op Opslaan."
    ),
    "controle-onderbroken": (
        "De controle is onderbroken: het programma dat het deed is gestopt (bijvoorbeeld door een herstart). "
        "De controle is opnieuw gestart; er is niets opgeslagen."
    ),
}

# A worker checking or committing a batch writes its heartbeat every HEARTBEAT_EVERY; a batch "busy" without
# a heartbeat for STALE_AFTER, whose row no transaction holds, has lost its worker.
HEARTBEAT_EVERY = timedelta(seconds=3)
STALE_AFTER = timedelta(seconds=15)


# --- The batch ------------------------------------------------------------------------------------------


async def own_batch(actor: CurrentUser, batch_id: int) -> dict[str, Any]:
    """The batch if it belongs to the actor's organisation, else 404 (as access.py answers foreign ids)."""
    if not actor.organisation_id or not (actor.is_provider):
        raise NotFoundException()
    batch = (
        await UploadBatch.select()
        .where((UploadBatch.id == batch_id) & (UploadBatch.organisation == actor.organisation_id))
        .first()
    )
    if batch is None:
        raise NotFoundException()
    return batch


async def update_batch(batch_id: int, **values: Any) -> None:
    async with write_tx():
        await UploadBatch.update({getattr(UploadBatch, k): v for k, v in values.items()}).where(
            UploadBatch.id == batch_id
        )


@contextlib.asynccontextmanager
async def heartbeat(batch_id: int) -> AsyncIterator[None]:
    """While the block runs (a check or a commit), the batch's heartbeat is written every HEARTBEAT_EVERY,
    so a page or another process can tell a slow worker from a dead one. A heartbeat waits while the
    worker's own transaction holds the batch row (that lock tells the same). At the end the heartbeat stops
    between two beats, never halfway through writing one."""
    stop = asyncio.Event()

    async def beat():
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), HEARTBEAT_EVERY.total_seconds())
            if not stop.is_set():
                await update_batch(batch_id, heartbeat_at=clock.now())

    # Outside any transaction of the caller: a beat writes on its own connection, and commits at once.
    context = contextvars.copy_context()
    context.run(engine().current_transaction.set, None)
    task = asyncio.get_running_loop().create_task(beat(), context=context)
    try:
        yield
    finally:
        stop.set()
        with contextlib.suppress(Exception):
            await task


def abandoned(batch: dict[str, Any]) -> bool:
    """Whether a checking or committing batch looks abandoned by its heartbeat: none for STALE_AFTER.
    (`take_over` also checks that no transaction holds the row, before acting on it.)"""
    return (
        batch["status"] in BUSY
        and (batch["heartbeat_at"] is None or clock.now() - batch["heartbeat_at"] >= STALE_AFTER)
        and not sqlite_writer_busy()
    )


async def take_over(batch: dict[str, Any], **values: Any) -> bool:
    """Claim an abandoned batch and write `values` to it; False when its worker is alive after all (it holds
    the row: PostgreSQL's `FOR UPDATE SKIP LOCKED` finds nothing) or someone else took it over first."""
    if not abandoned(batch):
        return False
    async with write_tx():
        query = UploadBatch.select(UploadBatch.status, UploadBatch.heartbeat_at).where(UploadBatch.id == batch["id"])
        if is_postgres():
            query = query.lock_rows(skip_locked=True)
        now = await query.first()
        if now is None or now["status"] != batch["status"] or now["heartbeat_at"] != batch["heartbeat_at"]:
            return False
        await UploadBatch.update(
            {UploadBatch.heartbeat_at: clock.now(), **{getattr(UploadBatch, k): v for k, v in values.items()}}
        ).where(UploadBatch.id == batch["id"])
    return True


def not_committable(batch: dict[str, Any]) -> str:
    status = BatchStatus(batch["status"])
    if status is BatchStatus.COMMITTED:
        return "Deze upload is al opgeslagen. Er is niets veranderd."
    if status is BatchStatus.CANCELLED:
        return "Deze upload is afgebroken. Upload het bestand opnieuw als u het toch wilt opslaan."
    return "Deze upload kan nu niet worden opgeslagen: " + status.label.lower() + "."


# --- The organisation's own column names ----------------------------------------------------------------


async def saved_mapping(organisation_id: int) -> tuple[dict, dict]:
    """The organisation's saved (columns, values) mapping; empty dicts when it has none."""
    row = (
        await ColumnMapping.select(ColumnMapping.columns, ColumnMapping.values)
        .where(ColumnMapping.organisation == organisation_id)
        .output(load_json=True)
        .first()
    )
    if not row:
        return {}, {}
    return row["columns"] or {}, row["values"] or {}


# --- Who acts for a batch -------------------------------------------------------------------------------


async def batch_actor(batch: dict[str, Any]) -> CurrentUser:
    """Who the batch acts for: the uploader, or the organisation's API token."""
    if batch["uploaded_by"]:
        row = await AppUser.select().where(AppUser.id == batch["uploaded_by"]).first()
        return CurrentUser.from_row(row)
    token = await ApiToken.select(ApiToken.name).where(ApiToken.id == batch["api_token"]).first()
    return api_actor(batch["organisation"], token["name"] if token else "")


def api_actor(organisation_id: int, token_name: str) -> CurrentUser:
    """An API call acts as the organisation, not as a person: no user id, its token's name in the log."""
    return CurrentUser(
        id=None,
        email=f"api:{token_name}"[:254],
        name=f"API ({token_name})",
        role=Role.PROVIDER,
        gemeente_id=None,
        organisation_id=organisation_id,
    )


# --- Work after the response ----------------------------------------------------------------------------

_tasks: set[asyncio.Task] = set()


def in_background(coro) -> asyncio.Task:
    """Run a check or commit after the response; the page polls the batch for its progress."""
    task = asyncio.get_running_loop().create_task(coro)
    _tasks.add(task)
    task.add_done_callback(_tasks.discard)
    return task


async def wait_for_background() -> None:
    """Tests and shutdown: let running checks and commits finish."""
    while _tasks:
        await asyncio.gather(*list(_tasks), return_exceptions=True)
