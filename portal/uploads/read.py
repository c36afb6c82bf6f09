"""files.Reading uploads back: the organisation's batches, page by page; one batch's page (status, counts and
the findings of one kind, page by page; a check or commit whose worker went away is resumed when someone
looks); and the rows with an error as a file to fix and send again.
"""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from portal.errors import UploadRefused
from portal.tables import UploadIssue
from portal.uploads import files
from portal.uploads.batches import NOTICES, STALE_AFTER, abandoned, in_background, own_batch, take_over
from portal.uploads.check import check
from portal.uploads.rules import BUSY, BatchStatus
from shared import audit, clock
from shared.security import CurrentUser
from shared.tables import UploadBatch
from shared.tabular import TabularError, write_csv, write_xlsx

ISSUES_PAGE = 100


# --- Batches --------------------------------------------------------------------------------------------


async def recover(batch: dict[str, Any]) -> dict[str, Any]:
    """A check or commit whose worker is gone (heartbeat expired, row not held: batches.take_over) is
    recognised when anyone looks (the page, the API, the background job): a check starts again, an
    interrupted commit goes back to "checked" with a message saying so, ready to be committed again.
    Returns the batch as it is now."""
    if not abandoned(batch):
        return batch
    if batch["status"] == BatchStatus.CHECKING:
        if await take_over(batch, message=NOTICES["controle-onderbroken"]):
            in_background(check(batch["id"]))
    else:
        await take_over(batch, status=BatchStatus.CHECKED, progress=0, message=NOTICES["onderbroken"])
    return await UploadBatch.select().where(UploadBatch.id == batch["id"]).first()


async def recover_abandoned() -> int:
    """The background job: recover every abandoned batch, also those nobody looks at (an API upload whose
    request died). Safe in N processes: `take_over` lets one of them act."""
    rows = await UploadBatch.select().where(
        UploadBatch.status.is_in(list(BUSY)) & (UploadBatch.heartbeat_at < clock.now() - STALE_AFTER)
    )
    done = 0
    for batch in rows:
        done += (await recover(batch))["heartbeat_at"] != batch["heartbeat_at"]
    return done


@dataclass
class BatchPage:
    batch: dict[str, Any]
    summary: dict[str, Any]
    issues: list[dict[str, Any]]
    counts: dict[str, int]
    tab: str
    page: int
    pages: int


async def batch_page(actor: CurrentUser, batch_id: int, tab: str = "", page: int = 1, origin: str = "") -> BatchPage:
    batch = await recover(await own_batch(actor, batch_id))
    summary = json.loads(batch["summary"] or "{}")
    counts = {
        r["kind"]: r["n"]
        for r in await UploadIssue.raw(
            "SELECT kind, COUNT(*) AS n FROM upload_issue WHERE batch = {} GROUP BY kind", batch_id
        )
    }
    tab = (
        tab
        if tab in {"error", "correction", "warning", "skipped"}
        else next((k for k in ("error", "correction", "warning", "skipped") if counts.get(k)), "error")
    )
    pages = max(1, -(-counts.get(tab, 0) // ISSUES_PAGE))
    page = min(max(1, page), pages)
    issues = (
        await UploadIssue.select(
            UploadIssue.row_number,
            UploadIssue.column_name,
            UploadIssue.message,
            UploadIssue.inburgeraar,
            UploadIssue.inburgeraar.voornamen.as_alias("voornamen"),
            UploadIssue.inburgeraar.achternaam.as_alias("achternaam"),
        )
        .where((UploadIssue.batch == batch_id) & (UploadIssue.kind == tab))
        .order_by(UploadIssue.row_number)
        .order_by(UploadIssue.id)
        .limit(ISSUES_PAGE)
        .offset((page - 1) * ISSUES_PAGE)
    )
    if batch["status"] not in BUSY:
        await audit.record(
            actor, "upload.view", "upload_batch", batch_id, origin=origin, detail=f"{tab}, pagina {page}"
        )
    return BatchPage(batch=batch, summary=summary, issues=issues, counts=counts, tab=tab, page=page, pages=pages)


async def batches(actor: CurrentUser, page: int = 1, page_size: int = 50) -> tuple[list[dict], int, int]:
    where = UploadBatch.organisation == actor.organisation_id
    total = await UploadBatch.count().where(where)
    pages = max(1, -(-total // page_size))
    page = min(max(1, page), pages)
    rows = (
        await UploadBatch.select(
            *(c for c in UploadBatch.all_columns() if c._meta.name != "summary"),
            UploadBatch.uploaded_by.name.as_alias("uploaded_by_name"),
            UploadBatch.api_token.name.as_alias("token_name"),
        )
        .where(where)
        .order_by(UploadBatch.id, ascending=False)
        .limit(page_size)
        .offset((page - 1) * page_size)
    )
    return rows, page, pages


# --- The error rows as a file to fix --------------------------------------------------------------------


async def error_file(actor: CurrentUser, batch_id: int, fmt: str, origin: str = "") -> tuple[bytes, str, str]:
    """The rows with an error, as the school sent them, plus a column saying what is wrong. Every cell is
    escaped on the way out (shared.tabular), so a formula in the upload never comes back alive."""
    batch = await own_batch(actor, batch_id)
    content = await files.original(batch_id)
    if content is None:
        raise UploadRefused(
            "Het originele bestand is niet meer bewaard, dus de foute regels kunnen niet meer worden gedownload.",
            batch_id,
        )
    messages: dict[int, list[str]] = defaultdict(list)
    for row in (
        await UploadIssue.select(UploadIssue.row_number, UploadIssue.column_name, UploadIssue.message)
        .where((UploadIssue.batch == batch_id) & (UploadIssue.kind == "error"))
        .order_by(UploadIssue.id)
    ):
        where = f"{row['column_name']}: " if row["column_name"] else ""
        messages[row["row_number"]].append(where + row["message"])
    rows, header = await asyncio.to_thread(_rows_with_errors, content, batch["file_format"], batch["sheet"], messages)
    await audit.record(
        actor,
        "upload.errors_download",
        "upload_batch",
        batch_id,
        origin=origin,
        detail=f"{len(rows)} foute regels als {fmt}",
    )
    stem = (batch["filename"].rsplit(".", 1)[0] or "upload")[:80]
    header = [*header, "Wat is er mis"]
    if fmt == "xlsx":
        return (
            write_xlsx([("Foute regels", header, rows)]),
            f"{stem}-fouten.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    return write_csv(header, rows), f"{stem}-fouten.csv", "text/csv"


def _rows_with_errors(content: bytes, fmt: str, sheet: str, messages: dict[int, list[str]]):
    out: list[list[Any]] = []
    header: list[str] = []
    try:
        with files.open_stored(content, fmt, sheet) as table:
            header = list(table.header)
            for row in table.rows():
                if row.number in messages:
                    out.append([*row.values, " | ".join(messages[row.number])])
    except TabularError:
        pass  # a file that cannot be read has no rows to give back; the page said why
    return out, header
