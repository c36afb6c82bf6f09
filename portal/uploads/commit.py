"""Committing an upload: all its valid lines in one transaction, or nothing. The file is read and judged
again inside the write transaction (the database may have changed since the preview) and written with a
few set-based statements (COPY on PostgreSQL): the records, corrections superseding what they correct,
their domain events and one audit entry per person. The portal commits after the response
(`start_commit`); the provider API checks and commits in one go (`check_and_commit`). Cancelling a
checked upload is here too.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import defaultdict
from typing import Any

from portal.errors import Changed, UploadRefused
from portal.rules import hours_event_of, milestone_event, milestone_values
from portal.uploads import files, rules
from portal.uploads.batches import (
    NOTICES,
    heartbeat,
    in_background,
    not_committable,
    own_batch,
    saved_mapping,
    update_batch,
)
from portal.uploads.check import check, load_context, readable, store_plan
from portal.uploads.lines import Line, Outcome
from portal.uploads.read import recover
from portal.uploads.rules import BatchStatus
from shared import audit, clock, events
from shared.db import IntegrityErrors, append_versions, is_postgres, lock_for_update, reserve_ids, write_tx
from shared.security import CurrentUser
from shared.tables import Enrollment, HourRecord, Milestone, Organisation, UploadBatch
from shared.vocab import Source, aantal

log = logging.getLogger("regie.uploads")


# --- Writing the records --------------------------------------------------------------------------------

HOUR_COLUMNS = [
    "id",
    "enrollment",
    "inburgeraar",
    "organisation",
    "kind",
    "period_start",
    "period_end",
    "attended_minutes",
    "geoorloofd_minutes",
    "ongeoorloofd_minutes",
    "verzuim_reden",
    "toelichting",
    "formal",
    "source",
    "entered_by",
    "entered_at",
    "supersedes",
    "upload_batch",
]
MILESTONE_COLUMNS = [
    "id",
    "enrollment",
    "inburgeraar",
    "organisation",
    "kind",
    "event_date",
    "verwijtbaar",
    "uitslag",
    "toelichting",
    "source",
    "entered_by",
    "entered_at",
    "supersedes",
    "upload_batch",
]


async def write_lines(actor: CurrentUser, batch_id: int, lines: list[Line], source: Source, origin: str) -> int:
    """Store the new and corrected lines: records (corrections supersede, history kept), their domain
    events and audit entries, with a handful of statements. Call inside write_tx. Returns rows stored."""
    org = actor.organisation_id
    source_value = source.value
    hour_lines = [x for x in lines if not x.is_milestone and x.outcome in (Outcome.NEW, Outcome.CORRECTION)]
    milestone_lines = [x for x in lines if x.is_milestone and x.outcome in (Outcome.NEW, Outcome.CORRECTION)]
    now = clock.now()
    formal = bool(
        (await Organisation.select(Organisation.bow_keurmerk).where(Organisation.id == org).first() or {}).get(
            "bow_keurmerk"
        )
    )
    happened: list[tuple[str, int | None, int | None, dict]] = []
    changed: dict[tuple[int, int], list[str]] = defaultdict(list)

    ids = await reserve_ids(HourRecord, len(hour_lines))
    records, previous = [], []
    for new_id, line in zip(ids, hour_lines, strict=True):
        person, enrollment = line.person, line.enrollment
        previous_id = line.previous["id"] if line.previous else None
        if previous_id:
            previous.append(previous_id)
        records.append(
            (
                new_id,
                enrollment["id"],
                person["id"],
                org,
                line.kind.value,
                line.start,
                line.end,
                line.attended,
                line.geoorloofd,
                line.ongeoorloofd,
                line.reden.value if line.reden else None,
                line.toelichting,
                formal,
                source_value,
                actor.id,
                now,
                previous_id,
                batch_id,
            )
        )
        action, payload = hours_event_of(
            new_id,
            enrollment,
            org,
            line.kind,
            line.start,
            line.end,
            line.attended,
            line.geoorloofd,
            line.ongeoorloofd,
            previous_id,
            source_value,
            upload_batch=batch_id,
        )
        happened.append((action, person["id"], person["gemeente"], payload))
        changed[(person["id"], person["gemeente"])].append(f"{action} hour_record {new_id} (regel {line.number})")
    await append_versions(HourRecord, HOUR_COLUMNS, records, previous)

    ids = await reserve_ids(Milestone, len(milestone_lines))
    records, previous = [], []
    for new_id, line in zip(ids, milestone_lines, strict=True):
        person, enrollment = line.person, line.enrollment
        previous_id = line.previous["id"] if line.previous else None
        if previous_id:
            previous.append(previous_id)
        values = milestone_values(line.event_date, line.verwijtbaar, line.uitslag, line.toelichting)
        records.append(
            (
                new_id,
                enrollment["id"],
                person["id"],
                org,
                line.milestone.value,
                values["event_date"],
                values["verwijtbaar"],
                values["uitslag"],
                values["toelichting"],
                source_value,
                actor.id,
                now,
                previous_id,
                batch_id,
            )
        )
        action, payload = milestone_event(
            new_id, enrollment, org, line.milestone, values, previous_id, source_value, upload_batch=batch_id
        )
        happened.append((action, person["id"], person["gemeente"], payload))
        changed[(person["id"], person["gemeente"])].append(f"{action} milestone {new_id} (regel {line.number})")
    await append_versions(Milestone, MILESTONE_COLUMNS, records, previous)

    await events.emit_many(happened)
    # One audit entry per person whose data this upload changed, naming every record (a form writes one
    # record per request and so one entry per record; an upload is one act per person).
    await audit.record_many(
        actor,
        [
            ("upload.stored", "upload_batch", batch_id, person, gemeente, "; ".join(what))
            for (person, gemeente), what in changed.items()
        ],
        origin=origin,
    )
    return len(hour_lines) + len(milestone_lines)


async def _lock_enrollments(organisation_id: int) -> None:
    """Typed-in reports lock their enrollment row; an upload locks all of the organisation's at once."""
    if is_postgres():
        await Enrollment.select(Enrollment.id).where(Enrollment.organisation == organisation_id).lock_rows()


# --- Committing -----------------------------------------------------------------------------------------


async def commit_now(actor: CurrentUser, batch_id: int, *, allow_errors: bool = True, origin: str = "") -> int:
    """Commit a checked batch: all its valid lines in one transaction, or nothing. Raises Changed when the
    outcome is no longer what the preview showed, UploadRefused when the batch cannot be committed."""
    async with heartbeat(batch_id):
        return await _commit_now(actor, batch_id, allow_errors=allow_errors, origin=origin)


async def _commit_now(actor: CurrentUser, batch_id: int, *, allow_errors: bool, origin: str) -> int:
    batch = await own_batch(actor, batch_id)
    if batch["status"] not in {BatchStatus.CHECKED, BatchStatus.COMMITTING}:
        raise UploadRefused(not_committable(batch), batch_id)
    content = await files.original(batch_id)
    if content is None:
        raise UploadRefused("Het originele bestand is niet meer bewaard; upload het opnieuw.", batch_id)
    columns, values = await saved_mapping(actor.organisation_id)
    reading = await asyncio.to_thread(files.read_lines, content, batch["file_format"], batch["sheet"], columns, values)
    if reading.refused or reading.problems:
        raise Changed()
    expected = json.loads(batch["summary"] or "{}").get("fingerprint")
    try:
        async with write_tx():
            await lock_for_update(UploadBatch, batch_id)  # a live commit holds its batch: nobody takes it over
            status = await UploadBatch.select(UploadBatch.status).where(UploadBatch.id == batch_id).first()
            if status["status"] not in {BatchStatus.CHECKED, BatchStatus.COMMITTING}:
                raise UploadRefused(not_committable({**batch, **status}), batch_id)
            await _lock_enrollments(actor.organisation_id)
            context = await load_context(actor, reading.lines)
            lines = await asyncio.to_thread(rules.plan, reading.lines, context)
            totals = rules.totals(lines)
            if totals.fingerprint() != expected:
                raise Changed()
            if totals.errors and not allow_errors:
                errors = aantal(totals.errors, "regel heeft", "regels hebben")
                raise UploadRefused(f"{errors} een fout. Er is niets opgeslagen.", batch_id)
            if not totals.to_store:
                raise UploadRefused(
                    "Er is niets nieuws om op te slaan: alle regels staan er al, of hebben een fout.", batch_id
                )
            stored = await _store(actor, batch, lines, totals, origin)
    except IntegrityErrors:
        raise Changed() from None
    return stored


async def _store(
    actor: CurrentUser, batch: dict[str, Any], lines: list[Line], totals: rules.Totals, origin: str
) -> int:
    """Write the judged lines and mark the batch committed (inside the caller's write_tx)."""
    stored = await write_lines(actor, batch["id"], lines, Source(batch["source"]), origin)
    await UploadBatch.update(
        {
            UploadBatch.status: BatchStatus.COMMITTED,
            UploadBatch.committed_at: clock.now(),
            UploadBatch.committed_by: actor.id,
            UploadBatch.progress: 100,
            UploadBatch.rows_new: totals.new,
            UploadBatch.rows_corrected: totals.corrected,
            UploadBatch.rows_unchanged: totals.unchanged,
            UploadBatch.rows_error: totals.errors,
        }
    ).where(UploadBatch.id == batch["id"])
    await audit.record(
        actor,
        "upload.committed",
        "upload_batch",
        batch["id"],
        origin=origin,
        detail=f"{totals.new} nieuw, {totals.corrected} correcties opgeslagen; {totals.errors} foute regels niet",
    )
    return stored


async def check_and_commit(actor: CurrentUser, batch_id: int, *, allow_errors: bool = False, origin: str = "") -> bool:
    """The API's one go: read the file, then judge it once, inside the write transaction, and store the
    preview and (when there are no errors, or `allow_errors`) the records, all in that transaction.
    Returns whether records were stored."""
    async with heartbeat(batch_id):
        return await _check_and_commit(actor, batch_id, allow_errors=allow_errors, origin=origin)


async def _check_and_commit(actor: CurrentUser, batch_id: int, *, allow_errors: bool, origin: str) -> bool:
    batch = await own_batch(actor, batch_id)
    content = await files.original(batch_id)
    if content is None:
        raise UploadRefused("Het originele bestand is niet meer bewaard; upload het opnieuw.", batch_id)
    columns, values = await saved_mapping(actor.organisation_id)
    reading = await asyncio.to_thread(files.read_lines, content, batch["file_format"], batch["sheet"], columns, values)
    if not await readable(batch, reading):
        return False
    try:
        async with write_tx():
            await lock_for_update(UploadBatch, batch_id)
            await _lock_enrollments(actor.organisation_id)
            context = await load_context(actor, reading.lines)
            lines = await asyncio.to_thread(rules.plan, reading.lines, context)
            totals = await store_plan(actor, batch, reading, lines, origin)
            if (totals.errors and not allow_errors) or not totals.to_store:
                return False
            await _store(actor, batch, lines, totals, origin)
    except IntegrityErrors:
        raise Changed() from None
    return True


# --- The portal's way: after the response, or cancelled -------------------------------------------------


async def start_commit(actor: CurrentUser, batch_id: int, origin: str = "") -> None:
    """The web flow: mark the batch as being committed and do the work after the response. A batch whose
    earlier commit lost its worker is recovered first (read.recover), so Opslaan works again at once."""
    batch = await recover(await own_batch(actor, batch_id))
    if batch["status"] != BatchStatus.CHECKED:
        raise UploadRefused(not_committable(batch), batch_id)
    await update_batch(batch_id, status=BatchStatus.COMMITTING, progress=0, heartbeat_at=clock.now(), message="")
    in_background(_commit_in_background(actor, batch_id, origin))


async def _commit_in_background(actor: CurrentUser, batch_id: int, origin: str) -> None:
    try:
        await commit_now(actor, batch_id, origin=origin)
    except Changed:
        await check(batch_id, origin)
        await update_batch(batch_id, message=NOTICES["gewijzigd"])
    except UploadRefused as e:
        await update_batch(batch_id, status=BatchStatus.CHECKED, message=e.message)
    except Exception:
        log.exception("opslaan van upload %s mislukt", batch_id)
        await update_batch(
            batch_id,
            status=BatchStatus.CHECKED,
            message="Bij het opslaan ging bij ons iets mis. Er is niets opgeslagen. Probeer het opnieuw.",
        )


async def cancel(actor: CurrentUser, batch_id: int, origin: str = "") -> None:
    batch = await own_batch(actor, batch_id)
    if batch["status"] not in {BatchStatus.CHECKED, BatchStatus.NEEDS_MAPPING, BatchStatus.REFUSED}:
        raise UploadRefused(not_committable(batch), batch_id)
    await update_batch(batch_id, status=BatchStatus.CANCELLED)
    await audit.record(actor, "upload.cancelled", "upload_batch", batch_id, origin=origin)
