"""Upload use cases: receive a monthly report file, check it (in the background, with progress), show
the preview, and commit it in one transaction with the same records, domain events and audit entries
as reports typed in; the same for the provider API; batches kept, original files purged after the
gemeente's retention period.

How a file travels: `receive` stores the bytes with a batch (status checking) and starts `check` as a
background task; the page polls the batch. `check` reads the file in a thread (streaming, bounded by
the limits), judges every row (`rules.plan`) against what the database holds, and stores the
outcome: counts, issues per row, a sample of new lines. `commit` reads and judges the file again inside
the write transaction (the database may have changed since the preview) and writes everything with a
few set-based statements (COPY on PostgreSQL), or nothing.
"""
from __future__ import annotations

import asyncio
import hashlib
import io
import json
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from litestar.exceptions import NotFoundException

from portal.errors import Changed, UploadRefused
from portal.uploads import rules
from portal.rules import SINGLE_MILESTONES, hours_event_of, milestone_event, milestone_values
from portal.tables import ColumnMapping, UploadFile, UploadIssue
from shared.tables import ApiToken, UploadBatch
from portal.uploads.columns import COLUMNS, TEMPLATE_HEADER, Layout
from portal.uploads.lines import Line, Outcome, parse_row
from portal.uploads.rules import BUSY, BatchStatus, Context
from shared import access, audit, clock, events
from shared.db import IntegrityErrors, append_versions, insert_many, is_postgres, reserve_ids, write_tx
from shared.hours import format_hours
from shared.security import CurrentUser
from shared.settings import TIMEZONE, settings
from shared.tables import AppUser, Contract, Enrollment, Gemeente, HourRecord, Milestone, Organisation
from shared.tabular import Limits, Row, TabularError, normalise_header, open_table, tidy_cell, write_csv, write_xlsx
from shared.vocab import Role, Source

log = logging.getLogger("regie.uploads")

LIMITS = Limits(max_bytes=settings.upload_max_mb * 1024 * 1024, max_rows=settings.upload_max_rows)
DEFAULT_RETENTION_DAYS = 90
STALE_AFTER = timedelta(minutes=2)
ISSUES_PAGE = 100
NEW_SAMPLE = 25


# --- Reading a stored file ----------------------------------------------------------------------------

@dataclass
class Reading:
    """A file read with a layout: its lines, or why it could not be read."""
    format: str = ""
    sheet: str = ""
    sheets: list[str] = field(default_factory=list)
    header: list[str] = field(default_factory=list)
    layout: Layout | None = None
    lines: list[Line] = field(default_factory=list)
    refused: str = ""                  # the file itself cannot be read
    problems: list[str] = field(default_factory=list)   # the columns need mapping first


class Progress:
    """A fraction shared between the reading thread and the heartbeat on the event loop."""

    def __init__(self) -> None:
        self.value = 0.0


def _open(content: bytes, fmt: str, sheet: str):
    if fmt == "json":
        return _JsonTable(content)
    return open_table(io.BytesIO(content), sheet=sheet or None, limits=LIMITS)


def read_lines(content: bytes, fmt: str, sheet: str, saved_columns: dict, saved_values: dict,
               progress: Progress | None = None) -> Reading:
    """Parse every row (runs in a thread: CPU only, no database)."""
    reading = Reading()
    try:
        with _open(content, fmt, sheet) as table:
            reading.format, reading.sheet, reading.sheets = table.format, table.sheet, table.sheets
            reading.header = table.header
            layout = Layout.of(table.header, saved_columns, saved_values)
            layout.plain_keys = table.format == "json"
            reading.layout = layout
            reading.problems = layout.problems()
            if reading.problems:
                for _ in table.rows():   # still read it all: a broken file is said before a mapping is asked
                    pass
                return reading
            lines = reading.lines
            for n, row in enumerate(table.rows()):
                lines.append(parse_row(row, layout))
                if progress is not None and not n % 2000:
                    progress.value = table.progress()
    except TabularError as e:
        reading.refused = e.message
        reading.lines = []
    return reading


class _JsonTable:
    """API rows (a list of objects) read like a sheet: the keys are the headers, row 1 is the first object."""

    format = "json"
    sheet = ""
    sheets: list[str] = []

    def __init__(self, content: bytes):
        try:
            data = json.loads(content)
        except ValueError:
            raise TabularError("De regels zijn geen geldige JSON.")
        rows = data.get("regels") if isinstance(data, dict) else data
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise TabularError("Stuur de regels als een lijst van objecten onder 'regels'.")
        if not rows:
            raise TabularError("Er zijn geen regels meegestuurd.")
        if len(rows) > LIMITS.max_rows:
            raise TabularError(f"Er zijn meer dan {LIMITS.max_rows} regels meegestuurd. Stuur ze in delen.")
        # Each object may name its keys its own way ("attended", "Aanwezig (uren)"): one column per meaning.
        ours = {name: c.key for c in COLUMNS for name in c.names()}
        keys: list[str] = []
        canonical: list[dict[str, Any]] = []
        for r in rows:
            row = {}
            for k, v in r.items():
                key = ours.get(normalise_header(k), k)
                if key in row:
                    raise TabularError(f"Regel {len(canonical) + 1} noemt '{key}' twee keer.")
                row[key] = v
                if key not in keys:
                    keys.append(key)
            canonical.append(row)
        self.header = keys
        self._rows = canonical

    def rows(self):
        for n, r in enumerate(self._rows, start=1):
            yield Row(n, [tidy_cell(r.get(k)) for k in self.header])

    def progress(self) -> float:
        return 1.0

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return None


# --- What the plan needs from the database ---------------------------------------------------------------

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
                HourRecord.id, HourRecord.enrollment, HourRecord.kind, HourRecord.period_start,
                HourRecord.period_end, HourRecord.attended_minutes, HourRecord.geoorloofd_minutes,
                HourRecord.ongeoorloofd_minutes, HourRecord.verzuim_reden, HourRecord.toelichting,
        ).where((HourRecord.organisation == actor.organisation_id) & HourRecord.superseded_by.is_null()
                & (HourRecord.period_start <= span[1]) & (HourRecord.period_end >= span[0])):
            hours[(row["enrollment"], row["kind"])].append(row)
    milestones: dict[tuple[int, str], dict] = {}
    if any(line.is_milestone for line in lines):
        for row in await Milestone.select(
                Milestone.id, Milestone.enrollment, Milestone.kind, Milestone.event_date, Milestone.verwijtbaar,
                Milestone.uitslag, Milestone.toelichting,
        ).where((Milestone.organisation == actor.organisation_id) & Milestone.superseded_by.is_null()
                & Milestone.kind.is_in([k.value for k in SINGLE_MILESTONES])):
            milestones[(row["enrollment"], row["kind"])] = row
    return Context(today=clock.today(), people=people, hours=dict(hours), milestones=milestones)


async def _mapping(organisation_id: int) -> tuple[dict, dict]:
    row = await ColumnMapping.select(ColumnMapping.columns, ColumnMapping.values).where(
        ColumnMapping.organisation == organisation_id).output(load_json=True).first()
    if not row:
        return {}, {}
    return row["columns"] or {}, row["values"] or {}


async def _actor(batch: dict[str, Any]) -> CurrentUser:
    """Who the batch acts for: the uploader, or the organisation's API token."""
    if batch["uploaded_by"]:
        row = await AppUser.select().where(AppUser.id == batch["uploaded_by"]).first()
        return CurrentUser.from_row(row)
    token = await ApiToken.select(ApiToken.name).where(ApiToken.id == batch["api_token"]).first()
    return api_actor(batch["organisation"], token["name"] if token else "")


def api_actor(organisation_id: int, token_name: str) -> CurrentUser:
    """An API call acts as the organisation, not as a person: no user id, its token's name in the log."""
    return CurrentUser(id=None, email=f"api:{token_name}"[:254], name=f"API ({token_name})", role=Role.PROVIDER,
                       gemeente_id=None, organisation_id=organisation_id)


# --- Receiving -------------------------------------------------------------------------------------------

NOTICES = {
    "al-opgeslagen": "Dit bestand heeft u al eerder ingestuurd en opgeslagen. Er is niets veranderd.",
    "al-ontvangen": "Dit bestand heeft u net al geüpload. U ziet hier die upload.",
    "opgeslagen": "De regels zijn opgeslagen.",
    "gewijzigd": ("Sinds de controle is er iets veranderd in wat er al stond. Er is niets opgeslagen. "
                  "Hieronder ziet u de nieuwe controle; bekijk die en sla opnieuw op."),
    "gekoppeld": "Uw koppeling is bewaard en wordt ook voor uw volgende uploads gebruikt. Het bestand is opnieuw gecontroleerd.",
    "afgebroken": "De upload is afgebroken. Er is niets opgeslagen.",
    "onderbroken": "Het opslaan is onderbroken. Er is niets opgeslagen; u kunt het opnieuw proberen.",
}


def size_text(n: int) -> str:
    return f"{n // (1024 * 1024)} MB" if n >= 1024 * 1024 else f"{max(1, n // 1024)} kB"


def file_hash(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


async def _same_file(organisation_id: int, sha256: str) -> dict[str, Any] | None:
    """The earlier batch with these bytes that still counts: committed, or waiting to be committed."""
    return await UploadBatch.select(UploadBatch.id, UploadBatch.status, UploadBatch.committed_at).where(
        (UploadBatch.organisation == organisation_id) & (UploadBatch.sha256 == sha256)
        & UploadBatch.status.is_in([BatchStatus.COMMITTED, BatchStatus.CHECKED, BatchStatus.CHECKING,
                                    BatchStatus.NEEDS_MAPPING, BatchStatus.COMMITTING])
    ).order_by(UploadBatch.id, ascending=False).first()


async def receive(actor: CurrentUser, content: bytes, filename: str, *, sheet: str = "", fmt: str = "",
                  source: Source = Source.UPLOAD, token_id: int | None = None, origin: str = "") -> tuple[int, str]:
    """Keep the file as a new batch (status checking), or point at the earlier batch with the same bytes.
    Returns (batch id, notice code)."""
    if len(content) > LIMITS.max_bytes:
        raise UploadRefused(f"Het bestand is groter dan {size_text(LIMITS.max_bytes)}. Splits het in kleinere "
                            "bestanden, bijvoorbeeld per maand of per groep.")
    sha256 = file_hash(content)
    earlier = await _same_file(actor.organisation_id, sha256)
    if earlier:
        return earlier["id"], "al-opgeslagen" if earlier["status"] == BatchStatus.COMMITTED else "al-ontvangen"
    async with write_tx():
        batch_id = (await UploadBatch.insert(UploadBatch(
            organisation=actor.organisation_id, uploaded_by=actor.id, api_token=token_id, source=source.value,
            filename=(filename or "upload")[:255], file_format=fmt, sheet=sheet[:100], sha256=sha256,
            size_bytes=len(content), status=BatchStatus.CHECKING, heartbeat_at=clock.now(),
        )).returning(UploadBatch.id))[0]["id"]
        await UploadFile.insert(UploadFile(batch=batch_id, content=content))
        await audit.record(actor, "upload.received", "upload_batch", batch_id, origin=origin,
                           detail=f"{filename} ({len(content)} bytes, sha256 {sha256[:12]}…)")
    return batch_id, ""


# --- Checking --------------------------------------------------------------------------------------------

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


async def _set(batch_id: int, **values: Any) -> None:
    async with write_tx():
        await UploadBatch.update({getattr(UploadBatch, k): v for k, v in values.items()}).where(
            UploadBatch.id == batch_id)


async def _read_with_heartbeat(batch_id: int, content: bytes, fmt: str, sheet: str, columns: dict,
                               values: dict) -> Reading:
    """Parse in a thread; meanwhile tell the batch how far it got, so the page can show it."""
    progress = Progress()
    work = asyncio.ensure_future(asyncio.to_thread(read_lines, content, fmt, sheet, columns, values, progress))
    while not work.done():
        await asyncio.wait({work}, timeout=1.0)
        if not work.done():
            await _set(batch_id, progress=int(progress.value * 90), heartbeat_at=clock.now())
    return work.result()


async def _file(batch_id: int) -> bytes | None:
    row = await UploadFile.select(UploadFile.content).where(UploadFile.batch == batch_id).first()
    return bytes(row["content"]) if row else None


async def check(batch_id: int, origin: str = "") -> Reading | None:
    """Read and judge the batch's file; store counts, issues and status. Never raises for bad input."""
    batch = await UploadBatch.select().where(UploadBatch.id == batch_id).first()
    try:
        return await _check(batch, origin)
    except Exception:  # a bug must not leave the batch "checking" for ever
        log.exception("controle van upload %s mislukt", batch_id)
        await _set(batch_id, status=BatchStatus.REFUSED, progress=0,
                   message="Bij het controleren ging bij ons iets mis. Er is niets opgeslagen. Probeer het later "
                           "opnieuw, of neem contact op met de beheerder.")
        return None


async def _check(batch: dict[str, Any], origin: str) -> Reading | None:
    batch_id = batch["id"]
    await _set(batch_id, status=BatchStatus.CHECKING, progress=0, heartbeat_at=clock.now(), message="")
    content = await _file(batch_id)
    if content is None:
        await _set(batch_id, status=BatchStatus.REFUSED, message="Het originele bestand is niet meer bewaard.")
        return None
    actor = await _actor(batch)
    columns, values = await _mapping(batch["organisation"])
    reading = await _read_with_heartbeat(batch_id, content, batch["file_format"], batch["sheet"], columns, values)
    if not await _readable(batch, reading):
        return None
    context = await load_context(actor, reading.lines)
    lines = await asyncio.to_thread(rules.plan, reading.lines, context)
    await _store_plan(actor, batch, reading, lines, origin)
    return reading


def _summary(reading: Reading) -> dict[str, Any]:
    summary: dict[str, Any] = {"header": reading.header, "sheets": reading.sheets, "sheet": reading.sheet}
    if reading.layout:
        summary["columns"] = {k: reading.layout.headers[k] for k in reading.layout.positions}
        summary["unused"] = [h for _, h in reading.layout.match.unknown + reading.layout.match.ignored]
    return summary


async def _readable(batch: dict[str, Any], reading: Reading) -> bool:
    """Store why a file cannot be judged (unreadable, or its columns need mapping); True when it can."""
    if not (reading.refused or reading.problems):
        return True
    summary = _summary(reading)
    if len(reading.sheets) > 1:
        other = (f"Dit was werkblad '{reading.sheet}'; het bestand heeft er {len(reading.sheets)}. "
                 "Kies hieronder het werkblad met de rapportage.")
        reading.refused = f"{reading.refused} {other}" if reading.refused else ""
        reading.problems = [*reading.problems, other] if reading.problems else []
    keep_until = await _keep_until(batch, [])
    if reading.refused:
        await _store_outcome(batch["id"], BatchStatus.REFUSED, reading, None, [], summary, keep_until,
                             message=reading.refused)
    else:
        summary["problems"] = reading.problems
        await _store_outcome(batch["id"], BatchStatus.NEEDS_MAPPING, reading, None, [], summary, keep_until)
    return False


async def _store_plan(actor: CurrentUser, batch: dict[str, Any], reading: Reading, lines: list[Line],
                      origin: str) -> rules.Totals:
    """The preview of a judged file: counts, findings per row, a sample of new lines; status checked."""
    totals = rules.totals(lines)
    summary = _summary(reading)
    summary["unknown_values"] = reading.layout.unknown
    summary["new_sample"] = _new_sample(lines)
    summary["fingerprint"] = totals.fingerprint()
    summary["by_kind"] = totals.by_kind
    keep_until = await _keep_until(batch, [line.person["gemeente"] for line in lines if line.person])
    await _store_outcome(batch["id"], BatchStatus.CHECKED, reading, totals,
                         list(rules.issues(lines, reading.layout)), summary, keep_until)
    await audit.record(actor, "upload.checked", "upload_batch", batch["id"], origin=origin,
                       detail=f"{totals.rows} regels: {totals.new} nieuw, {totals.corrected} correcties, "
                              f"{totals.unchanged} ongewijzigd, {totals.skipped} overgeslagen, {totals.errors} fout")
    return totals


def _new_sample(lines: list[Line]) -> list[dict[str, Any]]:
    sample = []
    for line in lines:
        if line.outcome is not Outcome.NEW:
            continue
        if line.is_milestone:
            what = f"{line.milestone.label} op {line.event_date:%d-%m-%Y}"
        else:
            what = (f"{line.kind.label} {line.start:%d-%m-%Y} t/m {line.end:%d-%m-%Y}: aanwezig "
                    f"{format_hours(line.attended)}, verzuim {format_hours(line.geoorloofd + line.ongeoorloofd)} uur")
        sample.append({"row": line.number, "person": line.person["id"],
                       "name": f"{line.person['achternaam']}, {line.person['voornamen']}", "what": what})
        if len(sample) >= NEW_SAMPLE:
            break
    return sample


async def _keep_until(batch: dict[str, Any], gemeenten: list[int]) -> date:
    """The original is kept as long as the strictest gemeente whose people are in it wants (privacy: no
    gemeente's people stay in a file longer than it decided); without people in it, as long as the
    strictest gemeente the organisation works for."""
    ids = set(gemeenten)
    if not ids:
        ids = {r["gemeente"] for r in await Contract.select(Contract.gemeente).where(
            Contract.organisation == batch["organisation"])}
    days = [r["upload_retention_days"] for r in await Gemeente.select(Gemeente.upload_retention_days).where(
        Gemeente.id.is_in(list(ids)))] if ids else []
    created = batch["created_at"].astimezone(TIMEZONE).date() if batch["created_at"] else clock.today()
    return created + timedelta(days=min(days) if days else DEFAULT_RETENTION_DAYS)


async def _store_outcome(batch_id: int, status: BatchStatus, reading: Reading, totals: rules.Totals | None,
                         found: list[tuple], summary: dict[str, Any], keep_until: date, message: str = "") -> None:
    t = totals or rules.Totals()
    async with write_tx():
        await UploadIssue.delete().where(UploadIssue.batch == batch_id)
        await insert_many(UploadIssue, ["batch", "row_number", "kind", "column_name", "message", "inburgeraar"],
                          [(batch_id, row, kind, column[:100], text, person) for row, kind, column, text, person in found])
        await UploadBatch.update({
            UploadBatch.status: status, UploadBatch.progress: 100, UploadBatch.heartbeat_at: clock.now(),
            UploadBatch.file_format: reading.format, UploadBatch.sheet: reading.sheet[:100],
            UploadBatch.rows_total: t.rows, UploadBatch.rows_new: t.new, UploadBatch.rows_corrected: t.corrected,
            UploadBatch.rows_unchanged: t.unchanged, UploadBatch.rows_skipped: t.skipped,
            UploadBatch.rows_error: t.errors, UploadBatch.persons: t.persons, UploadBatch.minutes_total: t.minutes,
            UploadBatch.summary: json.dumps(summary, default=str), UploadBatch.message: message,
            UploadBatch.checked_at: clock.now(), UploadBatch.keep_until: keep_until,
        }).where(UploadBatch.id == batch_id)


# --- Committing ------------------------------------------------------------------------------------------

HOUR_COLUMNS = ["id", "enrollment", "inburgeraar", "organisation", "kind", "period_start", "period_end",
                "attended_minutes", "geoorloofd_minutes", "ongeoorloofd_minutes", "verzuim_reden", "toelichting",
                "formal", "source", "entered_by", "entered_at", "supersedes", "upload_batch"]
MILESTONE_COLUMNS = ["id", "enrollment", "inburgeraar", "organisation", "kind", "event_date", "verwijtbaar",
                     "uitslag", "toelichting", "source", "entered_by", "entered_at", "supersedes", "upload_batch"]


async def write_lines(actor: CurrentUser, batch_id: int, lines: list[Line], source: Source, origin: str) -> int:
    """Store the new and corrected lines: records (corrections supersede, history kept), their domain
    events and audit entries, with a handful of statements. Call inside write_tx. Returns rows stored."""
    org = actor.organisation_id
    source_value = source.value
    hour_lines = [x for x in lines if not x.is_milestone and x.outcome in (Outcome.NEW, Outcome.CORRECTION)]
    milestone_lines = [x for x in lines if x.is_milestone and x.outcome in (Outcome.NEW, Outcome.CORRECTION)]
    now = clock.now()
    formal = bool((await Organisation.select(Organisation.bow_keurmerk).where(Organisation.id == org).first()
                   or {}).get("bow_keurmerk"))
    happened: list[tuple[str, int | None, int | None, dict]] = []
    changed: dict[tuple[int, int], list[str]] = defaultdict(list)

    ids = await reserve_ids(HourRecord, len(hour_lines))
    records, previous = [], []
    for new_id, line in zip(ids, hour_lines):
        person, enrollment = line.person, line.enrollment
        previous_id = line.previous["id"] if line.previous else None
        if previous_id:
            previous.append(previous_id)
        records.append((new_id, enrollment["id"], person["id"], org, line.kind.value, line.start, line.end,
                        line.attended, line.geoorloofd, line.ongeoorloofd,
                        line.reden.value if line.reden else None, line.toelichting, formal, source_value, actor.id,
                        now, previous_id, batch_id))
        action, payload = hours_event_of(new_id, enrollment, org, line.kind, line.start, line.end, line.attended,
                                         line.geoorloofd, line.ongeoorloofd, previous_id, source_value,
                                         upload_batch=batch_id)
        happened.append((action, person["id"], person["gemeente"], payload))
        changed[(person["id"], person["gemeente"])].append(f"{action} hour_record {new_id} (regel {line.number})")
    await append_versions(HourRecord, HOUR_COLUMNS, records, previous)

    ids = await reserve_ids(Milestone, len(milestone_lines))
    records, previous = [], []
    for new_id, line in zip(ids, milestone_lines):
        person, enrollment = line.person, line.enrollment
        previous_id = line.previous["id"] if line.previous else None
        if previous_id:
            previous.append(previous_id)
        values = milestone_values(line.event_date, line.verwijtbaar, line.uitslag, line.toelichting)
        records.append((new_id, enrollment["id"], person["id"], org, line.milestone.value, values["event_date"],
                        values["verwijtbaar"], values["uitslag"], values["toelichting"], source_value, actor.id, now,
                        previous_id, batch_id))
        action, payload = milestone_event(new_id, enrollment, org, line.milestone, values, previous_id, source_value,
                                          upload_batch=batch_id)
        happened.append((action, person["id"], person["gemeente"], payload))
        changed[(person["id"], person["gemeente"])].append(f"{action} milestone {new_id} (regel {line.number})")
    await append_versions(Milestone, MILESTONE_COLUMNS, records, previous)

    await events.emit_many(happened)
    # One audit entry per person whose data this upload changed, naming every record (a form writes one
    # record per request and so one entry per record; an upload is one act per person).
    await audit.record_many(actor, [
        ("upload.stored", "upload_batch", batch_id, person, gemeente, "; ".join(what))
        for (person, gemeente), what in changed.items()], origin=origin)
    return len(hour_lines) + len(milestone_lines)


async def _lock_enrollments(organisation_id: int) -> None:
    """Typed-in reports lock their enrollment row; an upload locks all of the organisation's at once."""
    if is_postgres():
        await Enrollment.select(Enrollment.id).where(Enrollment.organisation == organisation_id).lock_rows()


async def commit_now(actor: CurrentUser, batch_id: int, *, allow_errors: bool = True, origin: str = "") -> int:
    """Commit a checked batch: all its valid lines in one transaction, or nothing. Raises Changed when the
    outcome is no longer what the preview showed, UploadRefused when the batch cannot be committed."""
    batch = await own_batch(actor, batch_id)
    if batch["status"] not in {BatchStatus.CHECKED, BatchStatus.COMMITTING}:
        raise UploadRefused(_not_committable(batch), batch_id)
    content = await _file(batch_id)
    if content is None:
        raise UploadRefused("Het originele bestand is niet meer bewaard; upload het opnieuw.", batch_id)
    columns, values = await _mapping(actor.organisation_id)
    reading = await asyncio.to_thread(read_lines, content, batch["file_format"], batch["sheet"], columns, values)
    if reading.refused or reading.problems:
        raise Changed()
    expected = json.loads(batch["summary"] or "{}").get("fingerprint")
    try:
        async with write_tx():
            status = await UploadBatch.select(UploadBatch.status).where(UploadBatch.id == batch_id).first()
            if status["status"] not in {BatchStatus.CHECKED, BatchStatus.COMMITTING}:
                raise UploadRefused(_not_committable({**batch, **status}), batch_id)
            await _lock_enrollments(actor.organisation_id)
            context = await load_context(actor, reading.lines)
            lines = await asyncio.to_thread(rules.plan, reading.lines, context)
            totals = rules.totals(lines)
            if totals.fingerprint() != expected:
                raise Changed()
            if totals.errors and not allow_errors:
                raise UploadRefused(f"{totals.errors} regel(s) hebben een fout. Er is niets opgeslagen.", batch_id)
            if not totals.to_store:
                raise UploadRefused("Er is niets nieuws om op te slaan: alle regels staan er al, of hebben een fout.",
                                    batch_id)
            stored = await _store(actor, batch, lines, totals, origin)
    except IntegrityErrors:
        raise Changed()
    return stored


async def _store(actor: CurrentUser, batch: dict[str, Any], lines: list[Line], totals: rules.Totals, origin: str) -> int:
    """Write the judged lines and mark the batch committed (inside the caller's write_tx)."""
    stored = await write_lines(actor, batch["id"], lines, Source(batch["source"]), origin)
    await UploadBatch.update({
        UploadBatch.status: BatchStatus.COMMITTED, UploadBatch.committed_at: clock.now(),
        UploadBatch.committed_by: actor.id, UploadBatch.progress: 100,
        UploadBatch.rows_new: totals.new, UploadBatch.rows_corrected: totals.corrected,
        UploadBatch.rows_unchanged: totals.unchanged, UploadBatch.rows_error: totals.errors,
    }).where(UploadBatch.id == batch["id"])
    await audit.record(actor, "upload.committed", "upload_batch", batch["id"], origin=origin,
                       detail=f"{totals.new} nieuw, {totals.corrected} correcties opgeslagen; "
                              f"{totals.errors} foute regels niet")
    return stored


async def check_and_commit(actor: CurrentUser, batch_id: int, *, allow_errors: bool = False,
                           origin: str = "") -> bool:
    """The API's one go: read the file, then judge it once, inside the write transaction, and store the
    preview and (when there are no errors, or `allow_errors`) the records, all in that transaction.
    Returns whether records were stored."""
    batch = await own_batch(actor, batch_id)
    content = await _file(batch_id)
    if content is None:
        raise UploadRefused("Het originele bestand is niet meer bewaard; upload het opnieuw.", batch_id)
    columns, values = await _mapping(actor.organisation_id)
    reading = await asyncio.to_thread(read_lines, content, batch["file_format"], batch["sheet"], columns, values)
    if not await _readable(batch, reading):
        return False
    try:
        async with write_tx():
            await _lock_enrollments(actor.organisation_id)
            context = await load_context(actor, reading.lines)
            lines = await asyncio.to_thread(rules.plan, reading.lines, context)
            totals = await _store_plan(actor, batch, reading, lines, origin)
            if (totals.errors and not allow_errors) or not totals.to_store:
                return False
            await _store(actor, batch, lines, totals, origin)
    except IntegrityErrors:
        raise Changed()
    return True


def _not_committable(batch: dict[str, Any]) -> str:
    status = BatchStatus(batch["status"])
    if status is BatchStatus.COMMITTED:
        return "Deze upload is al opgeslagen. Er is niets veranderd."
    if status is BatchStatus.CANCELLED:
        return "Deze upload is afgebroken. Upload het bestand opnieuw als u het toch wilt opslaan."
    return "Deze upload kan nu niet worden opgeslagen: " + status.label.lower() + "."


async def start_commit(actor: CurrentUser, batch_id: int, origin: str = "") -> None:
    """The web flow: mark the batch as being committed and do the work after the response."""
    batch = await own_batch(actor, batch_id)
    if batch["status"] != BatchStatus.CHECKED:
        raise UploadRefused(_not_committable(batch), batch_id)
    await _set(batch_id, status=BatchStatus.COMMITTING, progress=0, heartbeat_at=clock.now(), message="")
    in_background(_commit_in_background(actor, batch_id, origin))


async def _commit_in_background(actor: CurrentUser, batch_id: int, origin: str) -> None:
    try:
        await commit_now(actor, batch_id, origin=origin)
    except Changed:
        await check(batch_id, origin)
        await _set(batch_id, message=NOTICES["gewijzigd"])
    except UploadRefused as e:
        await _set(batch_id, status=BatchStatus.CHECKED, message=e.message)
    except Exception:
        log.exception("opslaan van upload %s mislukt", batch_id)
        await _set(batch_id, status=BatchStatus.CHECKED,
                   message="Bij het opslaan ging bij ons iets mis. Er is niets opgeslagen. Probeer het opnieuw.")


async def cancel(actor: CurrentUser, batch_id: int, origin: str = "") -> None:
    batch = await own_batch(actor, batch_id)
    if batch["status"] not in {BatchStatus.CHECKED, BatchStatus.NEEDS_MAPPING, BatchStatus.REFUSED}:
        raise UploadRefused(_not_committable(batch), batch_id)
    await _set(batch_id, status=BatchStatus.CANCELLED)
    await audit.record(actor, "upload.cancelled", "upload_batch", batch_id, origin=origin)


# --- Reading batches back -----------------------------------------------------------------------------

async def own_batch(actor: CurrentUser, batch_id: int) -> dict[str, Any]:
    """The batch if it belongs to the actor's organisation, else 404 (as access.py answers foreign ids)."""
    if not actor.organisation_id or not (actor.is_provider):
        raise NotFoundException()
    batch = await UploadBatch.select().where(
        (UploadBatch.id == batch_id) & (UploadBatch.organisation == actor.organisation_id)).first()
    if batch is None:
        raise NotFoundException()
    return batch


async def resume_if_stale(batch: dict[str, Any]) -> dict[str, Any]:
    """A check or commit whose worker went away (restart) is picked up again when someone looks."""
    if batch["status"] not in BUSY or batch["heartbeat_at"] is None \
            or clock.now() - batch["heartbeat_at"] < STALE_AFTER:
        return batch
    if batch["status"] == BatchStatus.CHECKING:
        await _set(batch["id"], heartbeat_at=clock.now())
        in_background(check(batch["id"]))
    else:
        await _set(batch["id"], status=BatchStatus.CHECKED, message=NOTICES["onderbroken"])
    return await UploadBatch.select().where(UploadBatch.id == batch["id"]).first()


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
    batch = await resume_if_stale(await own_batch(actor, batch_id))
    summary = json.loads(batch["summary"] or "{}")
    counts = {r["kind"]: r["n"] for r in await UploadIssue.raw(
        "SELECT kind, COUNT(*) AS n FROM upload_issue WHERE batch = {} GROUP BY kind", batch_id)}
    tab = tab if tab in {"error", "correction", "warning", "skipped"} else \
        next((k for k in ("error", "correction", "warning", "skipped") if counts.get(k)), "error")
    pages = max(1, -(-counts.get(tab, 0) // ISSUES_PAGE))
    page = min(max(1, page), pages)
    issues = await UploadIssue.select(
        UploadIssue.row_number, UploadIssue.column_name, UploadIssue.message, UploadIssue.inburgeraar,
        UploadIssue.inburgeraar.voornamen.as_alias("voornamen"), UploadIssue.inburgeraar.achternaam.as_alias("achternaam"),
    ).where((UploadIssue.batch == batch_id) & (UploadIssue.kind == tab)).order_by(UploadIssue.row_number).order_by(
        UploadIssue.id).limit(ISSUES_PAGE).offset((page - 1) * ISSUES_PAGE)
    if batch["status"] not in BUSY:
        await audit.record(actor, "upload.view", "upload_batch", batch_id, origin=origin,
                           detail=f"{tab}, pagina {page}")
    return BatchPage(batch=batch, summary=summary, issues=issues, counts=counts, tab=tab, page=page, pages=pages)


async def batches(actor: CurrentUser, page: int = 1, page_size: int = 50) -> tuple[list[dict], int, int]:
    where = UploadBatch.organisation == actor.organisation_id
    total = await UploadBatch.count().where(where)
    pages = max(1, -(-total // page_size))
    page = min(max(1, page), pages)
    rows = await UploadBatch.select(
        *(c for c in UploadBatch.all_columns() if c._meta.name != "summary"),
        UploadBatch.uploaded_by.name.as_alias("uploaded_by_name"), UploadBatch.api_token.name.as_alias("token_name"),
    ).where(where).order_by(UploadBatch.id, ascending=False).limit(page_size).offset((page - 1) * page_size)
    return rows, page, pages


# --- The error rows as a file to fix -----------------------------------------------------------------------

async def error_file(actor: CurrentUser, batch_id: int, fmt: str, origin: str = "") -> tuple[bytes, str, str]:
    """The rows with an error, as the school sent them, plus a column saying what is wrong. Every cell is
    escaped on the way out (shared.tabular), so a formula in the upload never comes back alive."""
    batch = await own_batch(actor, batch_id)
    content = await _file(batch_id)
    if content is None:
        raise UploadRefused("Het originele bestand is niet meer bewaard, dus de foute regels kunnen niet meer "
                            "worden gedownload.", batch_id)
    messages: dict[int, list[str]] = defaultdict(list)
    for row in await UploadIssue.select(UploadIssue.row_number, UploadIssue.column_name, UploadIssue.message).where(
            (UploadIssue.batch == batch_id) & (UploadIssue.kind == "error")).order_by(UploadIssue.id):
        where = f"{row['column_name']}: " if row["column_name"] else ""
        messages[row["row_number"]].append(where + row["message"])
    rows, header = await asyncio.to_thread(_rows_with_errors, content, batch["file_format"], batch["sheet"], messages)
    await audit.record(actor, "upload.errors_download", "upload_batch", batch_id, origin=origin,
                       detail=f"{len(rows)} foute regels als {fmt}")
    stem = (batch["filename"].rsplit(".", 1)[0] or "upload")[:80]
    header = [*header, "Wat is er mis"]
    if fmt == "xlsx":
        return (write_xlsx([("Foute regels", header, rows)]), f"{stem}-fouten.xlsx",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    return write_csv(header, rows), f"{stem}-fouten.csv", "text/csv; charset=utf-8"


def _rows_with_errors(content: bytes, fmt: str, sheet: str, messages: dict[int, list[str]]):
    out: list[list[Any]] = []
    header: list[str] = []
    try:
        with _open(content, fmt, sheet) as table:
            header = list(table.header)
            for row in table.rows():
                if row.number in messages:
                    out.append([*row.values, " | ".join(messages[row.number])])
    except TabularError:
        pass  # a file that cannot be read has no rows to give back; the page said why
    return out, header


# --- Column mapping -------------------------------------------------------------------------------------

async def mapping_page(actor: CurrentUser, batch_id: int) -> dict[str, Any]:
    batch = await own_batch(actor, batch_id)
    summary = json.loads(batch["summary"] or "{}")
    columns, values = await _mapping(actor.organisation_id)
    layout = Layout.of(summary.get("header", []), columns, values)
    return {"batch": batch, "summary": summary, "layout": layout, "saved_values": values,
            "current_by_index": {i: key for key, i in layout.positions.items()}}


async def save_mapping(actor: CurrentUser, batch_id: int, columns: dict[str, str],
                       values: dict[str, dict[str, str]], origin: str = "") -> None:
    """Keep the organisation's own names (merged with what it saved before) and check the batch again
    (unless it is stored, cancelled or busy: then the mapping only serves the next upload)."""
    batch = await own_batch(actor, batch_id)
    old_columns, old_values = await _mapping(actor.organisation_id)
    merged_values = {k: {**old_values.get(k, {}), **values.get(k, {})} for k in set(old_values) | set(values)}
    async with write_tx():
        await ColumnMapping.insert(ColumnMapping(
            organisation=actor.organisation_id, columns=json.dumps({**old_columns, **columns}),
            values=json.dumps(merged_values), updated_by=actor.id, updated_at=clock.now(),
        )).on_conflict(target=ColumnMapping.organisation, action="DO UPDATE",
                       values=[ColumnMapping.columns, ColumnMapping.values, ColumnMapping.updated_by,
                               ColumnMapping.updated_at])
        await audit.record(actor, "upload.mapping_saved", "column_mapping", actor.organisation_id, origin=origin,
                           detail=json.dumps({"columns": columns, "values": values}, ensure_ascii=False)[:2000])
    if batch["status"] in {BatchStatus.CHECKED, BatchStatus.NEEDS_MAPPING, BatchStatus.REFUSED}:
        await _set(batch_id, status=BatchStatus.CHECKING, progress=0, heartbeat_at=clock.now())
        in_background(check(batch_id, origin))


# --- Templates --------------------------------------------------------------------------------------------

def template_csv() -> bytes:
    return write_csv(TEMPLATE_HEADER, [])


def template_xlsx() -> bytes:
    from shared.vocab import HourKind, MilestoneKind, VerzuimReden

    explanation: list[list[Any]] = [
        ["Zo vult u de maandrapportage in"],
        ["Eén regel is één persoon, één periode en één soort uren (met het verzuim in die periode); of één afronding."],
        ["Laat de kopregel op het blad Rapportage staan. Kolommen met andere namen kunt u bij de eerste upload "
         "één keer koppelen; Regie onthoudt dat voor uw organisatie."],
        ["Dezelfde persoon, soort uren en periode nog eens insturen is een correctie: de oude melding blijft in "
         "de geschiedenis. Een periode die een eerdere melding overlapt maar niet gelijk is, weigeren we (uren "
         "zouden dubbel tellen)."],
        ["Taaluren van gezins- en overige migranten meldt u rechtstreeks aan DUO, niet hier."],
        [],
        ["Kolom", "Uitleg", "Andere namen die we herkennen"],
        *[[c.header, c.hint, ", ".join(c.aliases)] for c in COLUMNS],
        [],
        ["Soort uren"], *[[k.label, k.value] for k in HourKind],
        [],
        ["Reden verzuim"], *[[r.label, r.value] for r in VerzuimReden],
        [],
        ["Afronding"], *[[m.label, m.value] for m in MilestoneKind],
    ]
    return write_xlsx([("Rapportage", TEMPLATE_HEADER, []), ("Uitleg", [], explanation)],
                      widths={"Rapportage": [12] + [18] * (len(TEMPLATE_HEADER) - 1),
                              "Uitleg": [34, 90, 60]})


# --- Retention -----------------------------------------------------------------------------------------

async def purge_files(today: date | None = None) -> int:
    """Delete originals whose keep-until date has passed; the batch, its counts and records stay."""
    today = today or clock.today()
    due = [r["id"] for r in await UploadBatch.select(UploadBatch.id).where(
        (UploadBatch.keep_until < today) & UploadBatch.file_purged_at.is_null())]
    if not due:
        return 0
    async with write_tx():
        await UploadFile.delete().where(UploadFile.batch.is_in(due))
        await UploadBatch.update({UploadBatch.file_purged_at: clock.now()}).where(UploadBatch.id.is_in(due))
        await audit.record(None, "upload.files_purged", "upload_batch", "", actor_email="systeem",
                           detail=f"{len(due)} originele bestanden verwijderd (bewaartermijn voorbij)")
    return len(due)


async def choose_sheet(actor: CurrentUser, batch_id: int, sheet: str, origin: str = "") -> None:
    """Read another sheet of the same workbook: the batch is checked again."""
    batch = await own_batch(actor, batch_id)
    if batch["status"] in BUSY or batch["status"] == BatchStatus.COMMITTED:
        raise UploadRefused(_not_committable(batch), batch_id)
    await _set(batch_id, sheet=sheet[:100], status=BatchStatus.CHECKING, progress=0, heartbeat_at=clock.now())
    in_background(check(batch_id, origin))
