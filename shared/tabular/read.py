"""Reading spreadsheets people really send: CSV (as Dutch Excel writes it), XLSX and ODS, streaming.

Anything wrong with the *file* raises `TabularError` with a Dutch message for the user (B1 level);
anything wrong with one *row* is carried on that row (`Row.error`), so a caller can list it and go on.
Nothing here touches the database: this module turns bytes into rows, and rows back into files.

API
---
``open_table(file, filename="", sheet=None, limits=Limits()) -> Table``
    `file` is a seekable binary file object (an upload's spooled temp file, ``open(path, "rb")``,
    ``io.BytesIO``). The format is decided by the *content*, not the file name: CSV/TXT, XLSX or ODS.
    A renamed image, PDF, Word file, old .xls, executable or other binary is refused by name.
    Before any row is read, the whole file is checked once, in chunks (bounded memory): its SHA-256
    and size, and for text its encoding (UTF-8 with or without BOM, UTF-16 with BOM, Windows-1252;
    a mix of UTF-8 and Windows-1252, or bytes that are no text, are refused); for XLSX/ODS the zip is
    decompressed entry by entry under a cap, so a zip bomb is refused before a parser sees it.

``Table``
    ``.format`` ("csv", "xlsx" or "ods"), ``.sha256``, ``.size``, ``.encoding`` and ``.delimiter``
    (CSV), ``.sheets`` (all sheet names, XLSX/ODS), ``.sheet`` (the one read), ``.header`` (list of
    str: the first non-empty row), ``.header_row`` (its row number), ``.estimated_rows``.
    ``.rows()`` yields ``Row(number, values, error)`` for every non-empty data row, streaming:
    `number` is the row number the user sees in Excel (the header is usually 1); `values` has exactly
    ``len(header)`` cells. CSV cells are str; XLSX/ODS cells keep their type (str, int, float,
    datetime, bool) with integral floats turned into int (calamine reads 1000 as 1000.0). Empty
    strings become None. A formula is never evaluated: an XLSX formula cell is given as its text
    ("=3+4"), and `cell_is_formula()` tells the caller so it can refuse it by name.
    ``.progress()`` is a fraction 0..1 of the file read so far (for progress bars).
    The iterator raises `TabularError` for: no data rows ("alleen een kopregel"), more data rows than
    `limits.max_rows`, or more than `limits.max_empty_run` empty rows in a row (the 1,000,000-empty-rows
    sheet). A CSV row with more fields than the header (unless the extra ones are empty) or fewer
    fields gets `Row.error`, and its values padded/cut to the header.
    ``.close()`` releases the workbook (also a context manager).

``sheet_names(file) -> list[str]``: the sheets of an XLSX/ODS (after the same safety checks); [] for CSV.

``normalise_header(text) -> str``: lower case, accents off, text in brackets off, only letters and
digits ("Aanwezig (uren)" → "aanwezig", "Periode t/m" → "periodetm").

``match_headers(header, columns, saved=None) -> HeaderMatch``: which of our `Column`s sits in which
position, by normalised header or alias; `saved` (normalised header → column key, or "" for "do not
use") is an organisation's own mapping and wins over aliases. A header used twice is refused by
`open_table` already; two different headers claiming one column are reported as `conflicts`.
``HeaderMatch.missing`` lists required columns not found, ``.unknown`` the headers we could not place.

``tidy_cell(value)``: one cell as ``rows()`` gives it (for rows that come from elsewhere, e.g. JSON).

``looks_like_formula(value)``, ``escape_cell(value)`` / ``unescape_cell(value)``: cells that start with
= + - @ (or tab/CR) are what spreadsheets execute. Exports pass every cell through `escape_cell`
(a leading apostrophe, OWASP's advice), so a file we write never carries a live formula;
`open_table` undoes exactly that escape when such a file comes back.

``write_csv(header, rows) -> bytes`` (";"-separated UTF-8 with BOM, CRLF: opens correctly in Dutch
Excel) and ``write_xlsx(sheets) -> bytes`` (write-only openpyxl; every cell escaped, strings typed as
text). Both escape every cell.
"""
from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO, Any

CHUNK = 1 << 20


class TabularError(ValueError):
    """A file we cannot read as a table, with the Dutch reason."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 20 * 1024 * 1024           # the upload itself
    max_rows: int = 200_000                     # data rows (empty rows not counted)
    max_columns: int = 100
    max_empty_run: int = 10_000                 # empty rows in a row before we stop believing the file
    max_cell_chars: int = 10_000
    max_unpacked_bytes: int = 400 * 1024 * 1024  # all zip entries of an XLSX/ODS together, decompressed
    max_zip_ratio: int = 200                    # decompressed / compressed, for entries over 1 MB
    max_zip_entries: int = 2_000


def _nl(n: int) -> str:
    return f"{n:,}".replace(",", ".")


# --- What is this file? --------------------------------------------------------------------------

_MAGIC: list[tuple[bytes, str]] = [
    (b"\x89PNG", "een afbeelding (PNG)"),
    (b"\xff\xd8\xff", "een afbeelding (JPEG)"),
    (b"GIF87a", "een afbeelding (GIF)"),
    (b"GIF89a", "een afbeelding (GIF)"),
    (b"%PDF", "een PDF-document"),
    (b"\xd0\xcf\x11\xe0", "een oud Office-bestand (bijvoorbeeld .xls)"),
    (b"\x1f\x8b", "een gecomprimeerd bestand (gzip)"),
    (b"7z\xbc\xaf", "een gecomprimeerd bestand (7z)"),
    (b"Rar!", "een gecomprimeerd bestand (rar)"),
    (b"\x7fELF", "een programma"),
    (b"MZ", "een programma"),
    (b"II*\x00", "een afbeelding (TIFF)"),
    (b"MM\x00*", "een afbeelding (TIFF)"),
    (b"{\\rtf", "een Word-/RTF-document"),
]
_WHAT_TO_SEND = "Stuur een CSV-bestand of een Excel-bestand (.xlsx)."


def _sniff_kind(head: bytes) -> str:
    """'zip', 'text', or a refusal."""
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if head.startswith((b"PK\x05\x06", b"PK\x07\x08")):
        raise TabularError("Dit bestand is een leeg of gesplitst ZIP-bestand. " + _WHAT_TO_SEND)
    for magic, what in _MAGIC:
        if head.startswith(magic):
            if magic == b"\xd0\xcf\x11\xe0":
                raise TabularError("Dit is een oud Excel- of Office-bestand (.xls). Sla het in Excel op als "
                                   "'Excel-werkmap (.xlsx)' of als 'CSV (gescheiden door lijstscheidingsteken)'.")
            raise TabularError(f"Dit bestand is geen tabel maar {what}, ook al eindigt de naam misschien op .csv. "
                               + _WHAT_TO_SEND)
    if head[:4] == b"RIFF" and head[8:12] in {b"WEBP", b"WAVE", b"AVI "}:
        raise TabularError("Dit bestand is geen tabel maar een afbeelding of geluid. " + _WHAT_TO_SEND)
    return "text"


@dataclass
class _Scan:
    sha256: str
    size: int
    encoding: str | None = None


def _rewind(file: IO[bytes]) -> None:
    file.seek(0)


def _scan_bytes(file: IO[bytes], limits: Limits) -> tuple[str, int, bytes]:
    _rewind(file)
    digest = hashlib.sha256()
    size = 0
    head = b""
    while chunk := file.read(CHUNK):
        if not head:
            head = chunk[:4096]
        digest.update(chunk)
        size += len(chunk)
        if size > limits.max_bytes:
            raise TabularError(f"Het bestand is groter dan {limits.max_bytes // (1024 * 1024)} MB. "
                               "Splits het in kleinere bestanden, bijvoorbeeld per maand of per groep.")
    _rewind(file)
    if size == 0:
        raise TabularError("Het bestand is leeg.")
    return digest.hexdigest(), size, head


# Valid UTF-8 sequences of two or more bytes: in a Windows-1252 file they (almost) never occur.
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
_CP1252_UNDEFINED = re.compile(rb"[\x81\x8d\x8f\x90\x9d]")
_BINARY_CONTROL = re.compile(rb"[\x00-\x08\x0e-\x1a\x1c-\x1f]")


def _line_of(file: IO[bytes], offset: int) -> int:
    _rewind(file)
    line, pos = 1, 0
    while pos < offset and (chunk := file.read(min(CHUNK, offset - pos))):
        line += chunk.count(b"\n")
        pos += len(chunk)
    _rewind(file)
    return line


def _detect_encoding(file: IO[bytes], head: bytes) -> str:
    """UTF-8 (BOM or not), UTF-16 with BOM, or Windows-1252; one pass in chunks, bounded memory."""
    if head.startswith(codecs.BOM_UTF8):
        candidate = "utf-8-sig"
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidate = "utf-16"
    else:
        candidate = "utf-8"
    if candidate != "utf-16" and b"\x00" in head:
        raise TabularError("Dit bestand is geen tekst (het bevat nul-bytes): het is geen CSV. " + _WHAT_TO_SEND)
    if candidate != "utf-16" and len(_BINARY_CONTROL.findall(head)) > 8:
        raise TabularError("Dit bestand is geen tekst maar een binair bestand: het is geen CSV. " + _WHAT_TO_SEND)
    decoder = codecs.getincrementaldecoder(candidate)()
    _rewind(file)
    offset = 0
    multibyte = 0
    bad_at: int | None = None
    cp1252_bad_at: int | None = None
    while chunk := file.read(CHUNK):
        if candidate != "utf-16":
            if (nul := chunk.find(b"\x00")) >= 0:
                line = _line_of(file, offset + nul)
                raise TabularError(f"Dit bestand is geen tekst (een nul-byte op regel {line}): het is geen CSV. "
                                   + _WHAT_TO_SEND)
            if not multibyte and _UTF8_MULTIBYTE.search(chunk):
                multibyte = 1
            if cp1252_bad_at is None and (m := _CP1252_UNDEFINED.search(chunk)):
                cp1252_bad_at = offset + m.start()
        if bad_at is None:
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as e:
                bad_at = offset + e.start
                if candidate == "utf-16":
                    break
        offset += len(chunk)
    if bad_at is None:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            bad_at = offset
    _rewind(file)
    if bad_at is None:
        return candidate
    if candidate == "utf-16":
        raise TabularError("Dit bestand is als UTF-16 opgeslagen maar bevat tekens die niet kloppen. "
                           "Sla het opnieuw op als 'CSV UTF-8'.")
    if multibyte or candidate == "utf-8-sig":
        raise TabularError(
            f"Dit bestand gebruikt twee tekensets door elkaar (UTF-8 en Windows-1252; de eerste afwijking staat "
            f"op regel {_line_of(file, bad_at)}). Letters als ë of é kunnen dan niet goed worden gelezen. "
            "Open het bestand in Excel en sla het opnieuw op als 'CSV UTF-8 (door komma's gescheiden)'.")
    if cp1252_bad_at is not None:
        raise TabularError(f"Dit bestand bevat op regel {_line_of(file, cp1252_bad_at)} tekens die geen tekst "
                           "zijn. Sla het opnieuw op als 'CSV UTF-8'.")
    return "cp1252"


def _check_zip(file: IO[bytes], limits: Limits) -> str:
    """'xlsx' or 'ods', after decompressing every entry under caps (a zip bomb stops here)."""
    _rewind(file)
    try:
        archive = zipfile.ZipFile(file)
    except (zipfile.BadZipFile, OSError, EOFError):
        raise TabularError("Dit bestand lijkt op een Excel-bestand maar is beschadigd of onvolledig. "
                           "Sla het opnieuw op en probeer het nog eens.")
    with archive:
        names = archive.namelist()
        if len(names) > limits.max_zip_entries:
            raise TabularError("Dit bestand bevat veel te veel onderdelen om een gewone spreadsheet te zijn.")
        if "xl/workbook.xml" in names:
            kind = "xlsx"
        elif "mimetype" in names and archive.read("mimetype")[:100].startswith(
                b"application/vnd.oasis.opendocument.spreadsheet"):
            kind = "ods"
        elif any(n.startswith("word/") for n in names):
            raise TabularError("Dit is een Word-document, geen tabel. " + _WHAT_TO_SEND)
        elif "mimetype" in names:
            raise TabularError("Dit is een OpenDocument-bestand maar geen spreadsheet. " + _WHAT_TO_SEND)
        else:
            raise TabularError("Dit is een ZIP-bestand, geen tabel. Pak het uit en stuur het CSV- of "
                               "Excel-bestand zelf.")
        total = 0
        bomb = TabularError("Dit Excel-bestand pakt uit tot iets veel groters dan een gewone spreadsheet "
                            "(een zogenaamde zip-bom). Het is niet gelezen. Sla de gegevens op in een nieuw bestand.")
        for info in archive.infolist():
            if info.file_size > limits.max_unpacked_bytes:
                raise bomb
            unpacked = 0
            try:
                with archive.open(info) as entry:
                    while block := entry.read(CHUNK):
                        unpacked += len(block)
                        total += len(block)
                        if total > limits.max_unpacked_bytes or (
                                unpacked > CHUNK and unpacked > limits.max_zip_ratio * max(info.compress_size, 1)):
                            raise bomb
            except TabularError:
                raise
            except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError):
                raise TabularError("Dit Excel-bestand is beschadigd of versleuteld. Sla het opnieuw op zonder "
                                   "wachtwoord en probeer het nog eens.")
    _rewind(file)
    return kind


# --- Cells ----------------------------------------------------------------------------------------

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(value: Any) -> bool:
    """What a spreadsheet would execute when this text is opened: = + - @ (and tab/CR) at the start."""
    return isinstance(value, str) and value.startswith(_FORMULA_START)


def cell_is_formula(value: Any) -> bool:
    """A formula given as text (an XLSX formula cell, or "=…" typed into a CSV). Never evaluated."""
    return isinstance(value, str) and value.startswith("=") and len(value) > 1


def escape_cell(value: Any) -> Any:
    """For every export: text that a spreadsheet would execute gets a leading apostrophe."""
    if looks_like_formula(value):
        return "'" + value
    return value


def unescape_cell(value: Any) -> Any:
    """Undo exactly `escape_cell`, so an exported error file can be fixed and sent back."""
    if isinstance(value, str) and len(value) > 1 and value[0] == "'" and value[1] in "=+-@\t\r":
        return value[1:]
    return value


def tidy_cell(value: Any) -> Any:
    """A cell as rows() gives it: stripped, empty → None, our escape undone, 1000.0 → 1000."""
    if value is None:
        return None
    if type(value) is str:
        value = value.strip()
        if not value:
            return None
        if value[0] == "'" and len(value) > 1 and value[1] in "=+-@\t\r":
            return value[1:]   # undo escape_cell
        return value
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    return value


_ESCAPED = ("=", "+", "-", "@", "\t", "\r")


def _is_empty(values: Sequence[Any]) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in values)


# --- Headers ---------------------------------------------------------------------------------------

def normalise_header(text: Any) -> str:
    """'Aanwezig (uren)' → 'aanwezig'; 'Periode t/m' → 'periodetm'; 'Cursist-nummer' → 'cursistnummer'."""
    text = str(text or "").lstrip("\ufeff")
    text = re.sub(r"\([^)]*\)|\[[^\]]*\]", " ", text)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]", "", text)


@dataclass(frozen=True)
class Column:
    key: str                       # our field name
    header: str                    # the Dutch header in our template
    aliases: tuple[str, ...] = ()  # other headers people use (any spelling: they are normalised)
    required: bool = False
    hint: str = ""                 # one line for the explanation sheet

    def names(self) -> set[str]:
        return {normalise_header(n) for n in (self.header, self.key, *self.aliases)} - {""}


@dataclass
class HeaderMatch:
    positions: dict[str, int]                 # column key → index in the header
    unknown: list[tuple[int, str]]            # headers we could not place (index, text)
    ignored: list[tuple[int, str]]            # headers the saved mapping says not to use
    missing: list[Column]                     # required columns not found
    conflicts: list[tuple[str, list[str]]]    # column key → the headers that all claim it
    by_saved_mapping: set[str] = field(default_factory=set)

    @property
    def ok(self) -> bool:
        return not self.missing and not self.conflicts


def match_headers(header: Sequence[str], columns: Sequence[Column],
                  saved: dict[str, str] | None = None) -> HeaderMatch:
    """Place each header on one of our columns: the saved mapping first, then header names and aliases."""
    saved = saved or {}
    by_name = {}
    for col in columns:
        for name in col.names():
            by_name.setdefault(name, col.key)
    keys = {c.key for c in columns}
    claims: dict[str, list[tuple[int, str]]] = {}
    unknown, ignored, from_saved = [], [], set()
    for index, text in enumerate(header):
        norm = normalise_header(text)
        if not norm:
            continue
        if norm in saved:
            key = saved[norm]
            if not key or key not in keys:
                ignored.append((index, text))
                continue
            from_saved.add(key)
        elif norm in by_name:
            key = by_name[norm]
        else:
            unknown.append((index, text))
            continue
        claims.setdefault(key, []).append((index, text))
    conflicts = [(key, [t for _, t in found]) for key, found in claims.items() if len(found) > 1]
    positions = {key: found[0][0] for key, found in claims.items() if len(found) == 1}
    missing = [c for c in columns if c.required and c.key not in claims]
    return HeaderMatch(positions=positions, unknown=unknown, ignored=ignored, missing=missing,
                       conflicts=conflicts, by_saved_mapping=from_saved)


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _check_header(header: list[str], header_row: int, limits: Limits) -> None:
    if len(header) > limits.max_columns:
        raise TabularError(f"De kopregel heeft {len(header)} kolommen; meer dan {limits.max_columns} lezen we niet.")
    seen: dict[str, int] = {}
    for index, text in enumerate(header):
        norm = normalise_header(text)
        if not norm:
            continue
        if norm in seen:
            raise TabularError(
                f"De kolomnaam '{text}' staat twee keer in de kopregel (regel {header_row}, kolom "
                f"{_column_letter(seen[norm])} en {_column_letter(index)}). Geef elke kolom een eigen naam.")
        seen[norm] = index


# --- Tables ----------------------------------------------------------------------------------------

@dataclass(slots=True)
class Row:
    number: int
    values: list[Any]
    error: str | None = None


class Table:
    """One sheet (or the CSV) of a checked file; `rows()` streams its data rows once."""

    format: str
    header: list[str]
    header_row: int

    def __init__(self, file: IO[bytes], filename: str, sheet: str | None, limits: Limits):
        self.file = file
        self.filename = filename
        self.limits = limits
        self.sheet = ""
        self.sheets: list[str] = []
        self.encoding = ""
        self.delimiter = ""
        self.estimated_rows: int | None = None
        self._done_fraction = 0.0
        self._close = lambda: None
        self.sha256, self.size, head = _scan_bytes(file, limits)
        kind = _sniff_kind(head)
        if kind == "zip":
            self.format = _check_zip(file, limits)
            self._open_workbook(sheet)
        else:
            self.format = "csv"
            self.encoding = _detect_encoding(file, head)
            self._open_csv()

    # -- CSV --
    def _open_csv(self) -> None:
        text = io.TextIOWrapper(self.file, encoding=self.encoding, newline="")
        self._text = text
        first = ""
        for line in text:
            if line.strip().strip(";,\t"):
                first = line
                break
        if not first:
            raise TabularError("Het bestand bevat geen gegevens, alleen lege regels.")
        counts = {d: first.count(d) for d in (";", "\t", ",")}
        self.delimiter = max(counts, key=lambda d: (counts[d], d == ";", d == "\t"))
        text.seek(0)
        csv.field_size_limit(self.limits.max_cell_chars)
        self._reader = csv.reader(text, delimiter=self.delimiter, quotechar='"', doublequote=True, strict=False)
        self._raw_rows = self._csv_rows()
        self.header, self.header_row = self._read_header()

    def _csv_rows(self) -> Iterator[tuple[int, list[Any]]]:
        number = 0
        reader = self._reader
        while True:
            try:
                record = next(reader)
            except StopIteration:
                return
            except csv.Error as e:
                number += 1
                if "field larger" in str(e):
                    raise TabularError(f"Regel {number} heeft een cel met meer dan "
                                       f"{_nl(self.limits.max_cell_chars)} tekens. Zo lang is geen gewone waarde; "
                                       "controleer de aanhalingstekens in het bestand.")
                raise TabularError(f"Regel {number} kon niet worden gelezen ({e}). Controleer de aanhalingstekens.")
            number += 1
            yield number, record

    def _csv_progress(self) -> float:
        try:
            return min(1.0, self.file.tell() / max(self.size, 1))
        except (OSError, ValueError):
            return self._done_fraction

    # -- XLSX / ODS --
    def _open_workbook(self, sheet: str | None) -> None:
        if self.format == "xlsx":
            import openpyxl
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    book = openpyxl.load_workbook(self.file, read_only=True, data_only=False, keep_links=False)
                except Exception:  # openpyxl raises many kinds on a broken file
                    raise TabularError("Dit Excel-bestand kon niet worden gelezen. Sla het opnieuw op als "
                                       "'Excel-werkmap (.xlsx)' en probeer het nog eens.")
            self._close = book.close
            self.sheets = list(book.sheetnames)
            self.sheet = self._choose_sheet(sheet)
            ws = book[self.sheet]
            try:
                self.estimated_rows = ws.max_row
            except Exception:
                self.estimated_rows = None
            ws.reset_dimensions()  # read what is there, not what the file claims
            raw = ws.iter_rows(values_only=True)
        else:
            from python_calamine import CalamineWorkbook
            try:
                book = CalamineWorkbook.from_filelike(self.file)
            except Exception:
                raise TabularError("Dit ODS-bestand kon niet worden gelezen. Sla het opnieuw op en probeer het nog eens.")
            self._close = book.close
            self.sheets = list(book.sheet_names)
            self.sheet = self._choose_sheet(sheet)
            ws = book.get_sheet_by_name(self.sheet)
            self.estimated_rows = ws.height
            raw = ws.iter_rows()
        self._raw_rows = ((n, list(r)) for n, r in enumerate(raw, start=1))
        self.header, self.header_row = self._read_header()

    def _choose_sheet(self, sheet: str | None) -> str:
        if not self.sheets:
            raise TabularError("Dit bestand heeft geen werkbladen.")
        if sheet is None or sheet == "":
            return self.sheets[0]
        if sheet not in self.sheets:
            raise TabularError(f"Het werkblad '{sheet}' bestaat niet in dit bestand. Kies een van: "
                               + ", ".join(self.sheets) + ".")
        return sheet

    # -- both --
    def _read_header(self) -> tuple[list[str], int]:
        empties = 0
        for number, values in self._raw_rows:
            if _is_empty(values):
                empties += 1
                if empties > self.limits.max_empty_run:
                    break
                continue
            while values and (values[-1] is None or str(values[-1]).strip() == ""):
                values.pop()
            header = ["" if v is None else str(tidy_cell(v) or "").lstrip("\ufeff").strip() for v in values]
            _check_header(header, number, self.limits)
            return header, number
        raise TabularError("Het bestand is leeg: er staat geen kopregel en geen gegevens in."
                           + (f" (Werkblad '{self.sheet}'.)" if self.sheet else ""))

    def progress(self) -> float:
        if self.format == "csv":
            return self._csv_progress()
        return self._done_fraction

    def rows(self) -> Iterator[Row]:
        width = len(self.header)
        limits = self.limits
        data_rows = 0
        empty_run = 0
        estimated = self.estimated_rows or 0
        is_csv = self.format == "csv"
        for number, values in self._raw_rows:
            if not is_csv and estimated:
                self._done_fraction = min(1.0, number / estimated)
            if (not "".join(values).strip()) if is_csv else _is_empty(values):
                empty_run += 1
                if empty_run > limits.max_empty_run:
                    raise TabularError(
                        f"Na regel {number - empty_run} volgen meer dan {_nl(limits.max_empty_run)} lege regels. "
                        "Zo'n bestand lezen we niet verder: verwijder de lege regels onderaan (of kopieer de "
                        "gegevens naar een nieuw werkblad) en probeer het opnieuw.")
                continue
            empty_run = 0
            data_rows += 1
            if data_rows > limits.max_rows:
                raise TabularError(f"Het bestand heeft meer dan {_nl(limits.max_rows)} regels met gegevens. "
                                   "Splits het in kleinere bestanden, bijvoorbeeld per maand.")
            error = None
            if len(values) != width:
                extra = values[width:]
                if len(values) > width and _is_empty(extra):
                    values = values[:width]
                elif is_csv:
                    error = (f"Deze regel heeft {len(values)} {'veld' if len(values) == 1 else 'velden'}, de kopregel "
                             f"{width}. Waarschijnlijk staat er "
                             f"een scheidingsteken ('{_delimiter_name(self.delimiter)}') of aanhalingsteken te veel "
                             "of te weinig in deze regel.")
                    values = (values + [""] * width)[:width]
                else:
                    values = (values + [None] * width)[:width]
            if is_csv:   # all str: the same as tidy_cell, without a call per cell
                yield Row(number, [(v[1:] if v[:1] == "'" and v[1:2] in _ESCAPED else v) or None
                                   for v in map(str.strip, values)], error)
            else:
                yield Row(number, [tidy_cell(v) for v in values], error)
        if is_csv:
            self._done_fraction = 1.0
        else:
            self._done_fraction = 1.0
        if data_rows == 0:
            raise TabularError("Het bestand heeft alleen een kopregel en geen regels met gegevens.")

    def close(self) -> None:
        try:
            self._close()
        except Exception:  # pragma: no cover - closing a half-read workbook
            pass
        if self.format == "csv" and hasattr(self, "_text"):
            self._text.detach()  # leave the caller's file open

    def __enter__(self) -> "Table":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _delimiter_name(d: str) -> str:
    return {";": ";", ",": ",", "\t": "tab"}[d]


def open_table(file: IO[bytes], filename: str = "", sheet: str | None = None, limits: Limits = Limits()) -> Table:
    """Check the file and open one sheet of it (see the module docstring)."""
    return Table(file, filename, sheet, limits)


def sheet_names(file: IO[bytes], limits: Limits = Limits()) -> list[str]:
    with open_table(file, limits=limits) as table:
        return table.sheets


# --- Writing ---------------------------------------------------------------------------------------

def _export_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.strftime("%d-%m-%Y %H:%M") if (value.hour or value.minute) else value.strftime("%d-%m-%Y")
    if isinstance(value, date):
        return value.strftime("%d-%m-%Y")
    return escape_cell(value)


def write_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """';'-separated UTF-8 with BOM and CRLF, as Dutch Excel opens it; every cell escaped."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([escape_cell(h) for h in header])
    for row in rows:
        writer.writerow(["" if v is None else _export_value(v) for v in row])
    return codecs.BOM_UTF8 + out.getvalue().encode("utf-8")


def write_xlsx(sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence[Any]]]],
               widths: dict[str, Sequence[int]] | None = None) -> bytes:
    """Sheets as (title, header, rows); strings are written as text, never as formulas."""
    import openpyxl
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = openpyxl.Workbook(write_only=True)
    bold = Font(bold=True)
    for title, header, rows in sheets:
        ws = book.create_sheet(title=title[:31])
        for i, width in enumerate((widths or {}).get(title, ())):
            ws.column_dimensions[_column_letter(i)].width = width

        def cell(value: Any, **style) -> WriteOnlyCell:
            value = _export_value(value)
            c = WriteOnlyCell(ws, value=value)
            if c.data_type == "f":  # escape_cell makes this impossible; keep it impossible
                c.data_type = "s"
            for k, v in style.items():
                setattr(c, k, v)
            return c

        if header:
            ws.append([cell(h, font=bold) for h in header])
        for row in rows:
            ws.append([cell(v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


__all__ = ["Column", "HeaderMatch", "Limits", "Row", "Table", "TabularError", "cell_is_formula", "escape_cell",
           "looks_like_formula", "match_headers", "normalise_header", "open_table", "sheet_names", "tidy_cell",
           "unescape_cell", "write_csv", "write_xlsx"]
