"""The original file of an upload: the limits it must keep, reading it into lines (in a thread: CPU only,
no database; the API's JSON rows are read like a sheet), loading it back from the database, how long it
is kept and purging it after that, and the blank templates (CSV and XLSX) a provider fills in.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from portal.tables import UploadFile
from portal.uploads.columns import COLUMNS, TEMPLATE_HEADER, Layout
from portal.uploads.lines import Line, parse_row
from shared import audit, clock
from shared.calendar import local_day
from shared.db import write_tx
from shared.settings import settings
from shared.tables import Contract, Gemeente, UploadBatch
from shared.tabular import Limits, Row, TabularError, normalise_header, open_table, tidy_cell, write_csv, write_xlsx

LIMITS = Limits(max_bytes=settings.upload_max_mb * 1024 * 1024, max_rows=settings.upload_max_rows)
DEFAULT_RETENTION_DAYS = 90


# --- Reading a stored file ------------------------------------------------------------------------------


async def original(batch_id: int) -> bytes | None:
    """The file's bytes as they were uploaded; None once purged."""
    row = await UploadFile.select(UploadFile.content).where(UploadFile.batch == batch_id).first()
    return bytes(row["content"]) if row else None


@dataclass
class Reading:
    """A file read with a layout: its lines, or why it could not be read."""

    format: str = ""
    sheet: str = ""
    sheets: list[str] = field(default_factory=list)
    header: list[str] = field(default_factory=list)
    header_row: int = 0  # the row taken as the header (0: API rows, which have none)
    above_header: list[str] = field(default_factory=list)  # title rows passed over, as text
    note: str = ""  # what the reader decided, e.g. the sheet it took because the first was empty
    layout: Layout | None = None
    lines: list[Line] = field(default_factory=list)
    refused: str = ""  # the file itself cannot be read
    problems: list[str] = field(default_factory=list)  # the columns need mapping first


class Progress:
    """A fraction shared between the reading thread and the heartbeat on the event loop."""

    def __init__(self) -> None:
        self.value = 0.0


def open_stored(content: bytes, fmt: str, sheet: str):
    if fmt == "json":
        return _JsonTable(content)
    return open_table(io.BytesIO(content), sheet=sheet or None, limits=LIMITS)


def read_lines(
    content: bytes, fmt: str, sheet: str, saved_columns: dict, saved_values: dict, progress: Progress | None = None
) -> Reading:
    """Parse every row (runs in a thread: CPU only, no database)."""
    reading = Reading()
    try:
        with open_stored(content, fmt, sheet) as table:
            reading.format, reading.sheet, reading.sheets = table.format, table.sheet, table.sheets
            reading.header = table.header
            reading.header_row = getattr(table, "header_row", 0)
            reading.above_header = getattr(table, "skipped_above_header", [])
            reading.note = getattr(table, "note", "")
            layout = Layout.of(table.header, saved_columns, saved_values)
            layout.plain_keys = table.format == "json"
            reading.layout = layout
            reading.problems = layout.problems()
            if reading.problems:
                for _ in table.rows():  # still read it all: a broken file is said before a mapping is asked
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
            raise TabularError("De regels zijn geen geldige JSON.") from None
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


# --- Retention ------------------------------------------------------------------------------------------


async def keep_until(batch: dict[str, Any], gemeenten: list[int]) -> date:
    """The original is kept as long as the strictest gemeente whose people are in it wants (privacy: no
    gemeente's people stay in a file longer than it decided); without people in it, as long as the
    strictest gemeente the organisation works for."""
    ids = set(gemeenten)
    if not ids:
        ids = {
            r["gemeente"]
            for r in await Contract.select(Contract.gemeente).where(Contract.organisation == batch["organisation"])
        }
    days = (
        [
            r["upload_retention_days"]
            for r in await Gemeente.select(Gemeente.upload_retention_days).where(Gemeente.id.is_in(list(ids)))
        ]
        if ids
        else []
    )
    created = local_day(batch["created_at"]) if batch["created_at"] else clock.today()
    return created + timedelta(days=min(days) if days else DEFAULT_RETENTION_DAYS)


async def purge_files(today: date | None = None) -> int:
    """Delete originals whose keep-until date has passed; the batch, its counts and records stay."""
    today = today or clock.today()
    due = [
        r["id"]
        for r in await UploadBatch.select(UploadBatch.id).where(
            (UploadBatch.keep_until < today) & UploadBatch.file_purged_at.is_null()
        )
    ]
    if not due:
        return 0
    async with write_tx():
        await UploadFile.delete().where(UploadFile.batch.is_in(due))
        await UploadBatch.update({UploadBatch.file_purged_at: clock.now()}).where(UploadBatch.id.is_in(due))
        await audit.record(
            None,
            "upload.files_purged",
            "upload_batch",
            "",
            actor_email="systeem",
            detail=f"{len(due)} originele bestanden verwijderd (bewaartermijn voorbij)",
        )
    return len(due)


# --- Templates ------------------------------------------------------------------------------------------


def template_csv() -> bytes:
    return write_csv(TEMPLATE_HEADER, [])


def template_xlsx() -> bytes:
    from shared.vocab import HourKind, MilestoneKind, VerzuimReden

    explanation: list[list[Any]] = [
        ["Zo vult u de maandrapportage in"],
        ["Eén regel is één persoon, één periode en één soort uren (met het verzuim in die periode); of één afronding."],
        [
            "Laat de kopregel op het blad Rapportage staan. Kolommen met andere namen kunt u bij de eerste upload "
            "één keer koppelen; Regie onthoudt dat voor uw organisatie."
        ],
        [
            "Dezelfde persoon, soort uren en periode nog eens insturen is een correctie: de oude melding blijft in "
            "de geschiedenis. Een periode die een eerdere melding overlapt maar niet gelijk is, weigeren we (uren "
            "zouden dubbel tellen)."
        ],
        ["Taaluren van gezins- en overige migranten meldt u rechtstreeks aan DUO, niet hier."],
        [],
        ["Kolom", "Uitleg", "Andere namen die we herkennen"],
        *[[c.header, c.hint, ", ".join(c.aliases)] for c in COLUMNS],
        [],
        ["Soort uren"],
        *[[k.label, k.value] for k in HourKind],
        [],
        ["Reden verzuim"],
        *[[r.label, r.value] for r in VerzuimReden],
        [],
        ["Afronding"],
        *[[m.label, m.value] for m in MilestoneKind],
    ]
    return write_xlsx(
        [("Rapportage", TEMPLATE_HEADER, []), ("Uitleg", [], explanation)],
        widths={"Rapportage": [12] + [18] * (len(TEMPLATE_HEADER) - 1), "Uitleg": [34, 90, 60]},
    )
