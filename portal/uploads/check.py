"""Receiving and checking an upload. `receive` keeps the file as a new batch, or points at the earlier
batch with the same bytes. `check` reads the file in a thread while a heartbeat tells the page how far
it got, loads what the plan needs from the database in three queries (`load_context`), judges every row
and stores the preview: counts, findings per row, a sample of new lines, and how long the original is
kept. It never raises for bad input: an unreadable file, or one whose columns need mapping first, is
stored as such, with the reason.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections import defaultdict
from datetime import date
from typing import Any

from portal.errors import UploadRefused
from portal.rules import SINGLE_MILESTONES
from portal.tables import UploadFile, UploadIssue
from portal.uploads import files, rules
from portal.uploads.batches import batch_actor, heartbeat, saved_mapping, update_batch
from portal.uploads.lines import Line, Outcome
from portal.uploads.rules import BatchStatus, Context
from shared import access, audit, clock
from shared.db import insert_many, write_tx
from shared.hours import format_hours
from shared.security import CurrentUser
from shared.tables import HourRecord, Milestone, UploadBatch
from shared.vocab import Source

log = logging.getLogger("regie.uploads")

NEW_SAMPLE = 25


# --- Receiving ------------------------------------------------------------------------------------------


def size_text(n: int) -> str:
    return f"{n // (1024 * 1024)} MB" if n >= 1024 * 1024 else f"{max(1, n // 1024)} kB"


def file_hash(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


async def _same_file(organisation_id: int, sha256: str) -> dict[str, Any] | None:
    """The earlier batch with these bytes that still counts: committed, or waiting to be committed."""
    return (
        await UploadBatch.select(UploadBatch.id, UploadBatch.status, UploadBatch.committed_at)
        .where(
            (UploadBatch.organisation == organisation_id)
            & (UploadBatch.sha256 == sha256)
            & UploadBatch.status.is_in(
                [
                    BatchStatus.COMMITTED,
                    BatchStatus.CHECKED,
                    BatchStatus.CHECKING,
                    BatchStatus.NEEDS_MAPPING,
                    BatchStatus.COMMITTING,
                ]
            )
        )
        .order_by(UploadBatch.id, ascending=False)
        .first()
    )


async def receive(
    actor: CurrentUser,
    content: bytes,
    filename: str,
    *,
    sheet: str = "",
    fmt: str = "",
    source: Source = Source.UPLOAD,
    token_id: int | None = None,
    origin: str = "",
) -> tuple[int, str]:
    """Keep the file as a new batch (status checking), or point at the earlier batch with the same bytes.
    Returns (batch id, notice code)."""
    if len(content) > files.LIMITS.max_bytes:
        raise UploadRefused(
            f"Het bestand is groter dan {size_text(files.LIMITS.max_bytes)}. Splits het in kleinere "
            "bestanden, bijvoorbeeld per maand of per groep."
        )
    sha256 = file_hash(content)
    earlier = await _same_file(actor.organisation_id, sha256)
    if earlier:
        return earlier["id"], "al-opgeslagen" if earlier["status"] == BatchStatus.COMMITTED else "al-ontvangen"
    async with write_tx():
        batch_id = (
            await UploadBatch.insert(
                UploadBatch(
                    organisation=actor.organisation_id,
                    uploaded_by=actor.id,
                    api_token=token_id,
                    source=source.value,
                    filename=(filename or "upload")[:255],
                    file_format=fmt,
                    sheet=sheet[:100],
                    sha256=sha256,
                    size_bytes=len(content),
                    status=BatchStatus.CHECKING,
                    heartbeat_at=clock.now(),
                )
            ).returning(UploadBatch.id)
        )[0]["id"]
        await UploadFile.insert(UploadFile(batch=batch_id, content=content))
        await audit.record(
            actor,
            "upload.received",
            "upload_batch",
            batch_id,
            origin=origin,
            detail=f"{filename} ({len(content)} bytes, sha256 {sha256[:12]}…)",
        )
    return batch_id, ""


# --- What the plan needs from the database --------------------------------------------------------------


async def load_context(actor: CurrentUser, lines: list[Line]) -> Context:
    """Everything the plan compares with, in three queries: the people enrolled here, their current hour
    records in the file's date range, their current completions."""
    people: dict[str, tuple[dict, list[dict]]] = {}
    for row in await access.provider_enrollments(actor):
        person = access.person_of(row)
        found = people.setdefault(person["bsn"], (person, []))
        found[1].append(row)
    hours: dict[tuple[int, str], list[dict]] = defaultdict(list)
    span = rules.date_range(lines)
    if span:
        for row in await HourRecord.select(
            HourRecord.id,
            HourRecord.enrollment,
            HourRecord.kind,
            HourRecord.period_start,
            HourRecord.period_end,
            HourRecord.attended_minutes,
            HourRecord.geoorloofd_minutes,
            HourRecord.ongeoorloofd_minutes,
            HourRecord.verzuim_reden,
            HourRecord.toelichting,
        ).where(
            (HourRecord.organisation == actor.organisation_id)
            & HourRecord.superseded_by.is_null()
            & (HourRecord.period_start <= span[1])
            & (HourRecord.period_end >= span[0])
        ):
            hours[(row["enrollment"], row["kind"])].append(row)
    milestones: dict[tuple[int, str], dict] = {}
    if any(line.is_milestone for line in lines):
        for row in await Milestone.select(
            Milestone.id,
            Milestone.enrollment,
            Milestone.kind,
            Milestone.event_date,
            Milestone.verwijtbaar,
            Milestone.uitslag,
            Milestone.toelichting,
        ).where(
            (Milestone.organisation == actor.organisation_id)
            & Milestone.superseded_by.is_null()
            & Milestone.kind.is_in([k.value for k in SINGLE_MILESTONES])
        ):
            milestones[(row["enrollment"], row["kind"])] = row
    return Context(today=clock.today(), people=people, hours=dict(hours), milestones=milestones)


# --- Checking -------------------------------------------------------------------------------------------


async def _read_with_heartbeat(
    batch_id: int, content: bytes, fmt: str, sheet: str, columns: dict, values: dict
) -> files.Reading:
    """Parse in a thread; meanwhile tell the batch how far it got, so the page can show it."""
    progress = files.Progress()
    work = asyncio.ensure_future(asyncio.to_thread(files.read_lines, content, fmt, sheet, columns, values, progress))
    while not work.done():
        await asyncio.wait({work}, timeout=1.0)
        if not work.done():
            await update_batch(batch_id, progress=int(progress.value * 90), heartbeat_at=clock.now())
    return work.result()


async def check(batch_id: int, origin: str = "") -> files.Reading | None:
    """Read and judge the batch's file; store counts, issues and status. Never raises for bad input."""
    batch = await UploadBatch.select().where(UploadBatch.id == batch_id).first()
    try:
        async with heartbeat(batch_id):
            return await _check(batch, origin)
    except Exception:  # a bug must not leave the batch "checking" for ever
        log.exception("controle van upload %s mislukt", batch_id)
        await update_batch(
            batch_id,
            status=BatchStatus.REFUSED,
            progress=0,
            message="Bij het controleren ging bij ons iets mis. Er is niets opgeslagen. Probeer het "
            "later opnieuw, of neem contact op met de beheerder.",
        )
        return None


async def _check(batch: dict[str, Any], origin: str) -> files.Reading | None:
    batch_id = batch["id"]
    await update_batch(batch_id, status=BatchStatus.CHECKING, progress=0, heartbeat_at=clock.now(), message="")
    content = await files.original(batch_id)
    if content is None:
        await update_batch(batch_id, status=BatchStatus.REFUSED, message="Het originele bestand is niet meer bewaard.")
        return None
    actor = await batch_actor(batch)
    columns, values = await saved_mapping(batch["organisation"])
    reading = await _read_with_heartbeat(batch_id, content, batch["file_format"], batch["sheet"], columns, values)
    if not await readable(batch, reading):
        return None
    context = await load_context(actor, reading.lines)
    lines = await asyncio.to_thread(rules.plan, reading.lines, context)
    await store_plan(actor, batch, reading, lines, origin)
    return reading


def _summary(reading: files.Reading) -> dict[str, Any]:
    summary: dict[str, Any] = {
        "header": reading.header,
        "sheets": reading.sheets,
        "sheet": reading.sheet,
        "header_row": reading.header_row,
        "above_header": [text[:120] for text in reading.above_header],
        "note": reading.note,
    }
    if reading.layout:
        summary["columns"] = {k: reading.layout.headers[k] for k in reading.layout.positions}
        summary["unused"] = [h for _, h in reading.layout.match.unknown + reading.layout.match.ignored]
    return summary


async def readable(batch: dict[str, Any], reading: files.Reading) -> bool:
    """Store why a file cannot be judged (unreadable, or its columns need mapping); True when it can."""
    if not (reading.refused or reading.problems):
        return True
    summary = _summary(reading)
    if len(reading.sheets) > 1:
        other = (
            f"Dit was werkblad '{reading.sheet}'; het bestand heeft er {len(reading.sheets)}. "
            "Kies hieronder het werkblad met de rapportage."
        )
        reading.refused = f"{reading.refused} {other}" if reading.refused else ""
        reading.problems = [*reading.problems, other] if reading.problems else []
    keep_until = await files.keep_until(batch, [])
    if reading.refused:
        await _store_outcome(
            batch["id"], BatchStatus.REFUSED, reading, None, [], summary, keep_until, message=reading.refused
        )
    else:
        summary["problems"] = reading.problems
        await _store_outcome(batch["id"], BatchStatus.NEEDS_MAPPING, reading, None, [], summary, keep_until)
    return False


async def store_plan(
    actor: CurrentUser, batch: dict[str, Any], reading: files.Reading, lines: list[Line], origin: str
) -> rules.Totals:
    """The preview of a judged file: counts, findings per row, a sample of new lines; status checked."""
    totals = rules.totals(lines)
    summary = _summary(reading)
    summary["unknown_values"] = reading.layout.unknown
    summary["new_sample"] = _new_sample(lines)
    summary["fingerprint"] = totals.fingerprint()
    summary["by_kind"] = totals.by_kind
    keep_until = await files.keep_until(batch, [line.person["gemeente"] for line in lines if line.person])
    await _store_outcome(
        batch["id"],
        BatchStatus.CHECKED,
        reading,
        totals,
        list(rules.issues(lines, reading.layout)),
        summary,
        keep_until,
    )
    await audit.record(
        actor,
        "upload.checked",
        "upload_batch",
        batch["id"],
        origin=origin,
        detail=f"{totals.rows} regels: {totals.new} nieuw, {totals.corrected} correcties, "
        f"{totals.unchanged} ongewijzigd, {totals.skipped} overgeslagen, {totals.errors} fout",
    )
    return totals


def _new_sample(lines: list[Line]) -> list[dict[str, Any]]:
    sample = []
    for line in lines:
        if line.outcome is not Outcome.NEW:
            continue
        if line.is_milestone:
            what = f"{line.milestone.label} op {line.event_date:%d-%m-%Y}"
        else:
            what = (
                f"{line.kind.label} {line.start:%d-%m-%Y} t/m {line.end:%d-%m-%Y}: aanwezig "
                f"{format_hours(line.attended)}, verzuim {format_hours(line.geoorloofd + line.ongeoorloofd)} uur"
            )
        sample.append(
            {
                "row": line.number,
                "person": line.person["id"],
                "name": f"{line.person['achternaam']}, {line.person['voornamen']}",
                "what": what,
            }
        )
        if len(sample) >= NEW_SAMPLE:
            break
    return sample


async def _store_outcome(
    batch_id: int,
    status: BatchStatus,
    reading: files.Reading,
    totals: rules.Totals | None,
    found: list[tuple],
    summary: dict[str, Any],
    keep_until: date,
    message: str = "",
) -> None:
    t = totals or rules.Totals()
    async with write_tx():
        await UploadIssue.delete().where(UploadIssue.batch == batch_id)
        await insert_many(
            UploadIssue,
            ["batch", "row_number", "kind", "column_name", "message", "inburgeraar"],
            [(batch_id, row, kind, column[:100], text, person) for row, kind, column, text, person in found],
        )
        await UploadBatch.update(
            {
                UploadBatch.status: status,
                UploadBatch.progress: 100,
                UploadBatch.heartbeat_at: clock.now(),
                UploadBatch.file_format: reading.format,
                UploadBatch.sheet: reading.sheet[:100],
                UploadBatch.rows_total: t.rows,
                UploadBatch.rows_new: t.new,
                UploadBatch.rows_corrected: t.corrected,
                UploadBatch.rows_unchanged: t.unchanged,
                UploadBatch.rows_skipped: t.skipped,
                UploadBatch.rows_error: t.errors,
                UploadBatch.persons: t.persons,
                UploadBatch.minutes_total: t.minutes,
                UploadBatch.summary: json.dumps(summary, default=str),
                UploadBatch.message: message,
                UploadBatch.checked_at: clock.now(),
                UploadBatch.keep_until: keep_until,
            }
        ).where(UploadBatch.id == batch_id)
