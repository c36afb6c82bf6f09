"""The `Table` reader: one sheet (or the CSV) of a file that passed detect.py's checks, its header row found
and checked, its data rows streamed once as `Row`s with the number the user sees in Excel. Rows with the
wrong number of fields carry their error; too many rows, a long run of empty rows or no data rows at all
stop the file with a `TabularError`. `open_table` and `sheet_names` are the ways in.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
import warnings
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import IO, Any

from shared.tabular.cells import FORMULA_START, is_empty, tidy_cell
from shared.tabular.detect import Limits, TabularError, check_zip, detect_encoding, scan_bytes, sniff_kind
from shared.tabular.headers import check_header

HEADER_SEARCH_ROWS = 10  # the header is looked for among this many non-empty rows at the top
_SEP_LINE = re.compile(r'"?sep=(\\t|.)"?[;,\t]*', re.IGNORECASE)  # Excel's "sep=;" first line


def _nl(n: int) -> str:
    return f"{n:,}".replace(",", ".")


class _EmptySheet(TabularError):
    """No header and no data on this sheet (a workbook may have its data on a later sheet)."""


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
        self.note = ""  # what the reader decided for the user, e.g. which sheet it took
        self.skipped_above_header: list[str] = []  # title rows above the header, as text
        self._done_fraction = 0.0
        self._close = lambda: None
        self.sha256, self.size, head = scan_bytes(file, limits)
        kind = sniff_kind(head)
        if kind == "zip":
            self.format = check_zip(file, limits)
            self._open_workbook(sheet)
        else:
            self.format = "csv"
            self.encoding = detect_encoding(file, head)
            self._open_csv()

    # -- CSV --
    def _open_csv(self) -> None:
        text = io.TextIOWrapper(self.file, encoding=self.encoding, newline="")  # CR, LF and CRLF end a line
        self._text = text
        lines: list[str] = []
        self.sep_line = False
        for number, line in enumerate(text, start=1):
            if number == 1 and (m := _SEP_LINE.fullmatch(line.lstrip("\ufeff").rstrip("\r\n"))):
                self.delimiter = "\t" if m[1] in ("\\t", "\t") else m[1]  # Excel's own hint: use it
                self.sep_line = True
                break
            if line.strip().strip(";,\t"):
                lines.append(line)
                if len(lines) >= HEADER_SEARCH_ROWS:
                    break
        if not lines and not self.sep_line:
            raise TabularError("Het bestand bevat geen gegevens, alleen lege regels.")
        if not self.sep_line:
            self.delimiter = _guess_delimiter(lines)
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
                    raise TabularError(
                        f"Regel {number} heeft een cel met meer dan "
                        f"{_nl(self.limits.max_cell_chars)} tekens. Zo lang is geen gewone waarde; "
                        "controleer de aanhalingstekens in het bestand."
                    ) from None
                raise TabularError(
                    f"Regel {number} kon niet worden gelezen ({e}). Controleer de aanhalingstekens."
                ) from None
            number += 1
            if number == 1 and self.sep_line:
                continue  # "sep=;": read, not data
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
                    raise TabularError(
                        "Dit Excel-bestand kon niet worden gelezen. Sla het opnieuw op als "
                        "'Excel-werkmap (.xlsx)' en probeer het nog eens."
                    ) from None
            self._close = book.close
            self.sheets = list(book.sheetnames)

            def open_sheet(name: str) -> Iterator[Any]:
                ws = book[name]
                try:
                    self.estimated_rows = ws.max_row
                except Exception:
                    self.estimated_rows = None
                ws.reset_dimensions()  # read what is there, not what the file claims
                return ws.iter_rows(values_only=True)
        else:
            from python_calamine import CalamineWorkbook

            try:
                book = CalamineWorkbook.from_filelike(self.file)
            except Exception:
                raise TabularError(
                    "Dit ODS-bestand kon niet worden gelezen. Sla het opnieuw op en probeer het nog eens."
                ) from None
            self._close = book.close
            self.sheets = list(book.sheet_names)

            def open_sheet(name: str) -> Iterator[Any]:
                ws = book.get_sheet_by_name(name)
                self.estimated_rows = ws.height
                return ws.iter_rows()

        self.sheet = self._choose_sheet(sheet)
        empty: list[str] = []
        while True:
            self._raw_rows = ((n, list(r)) for n, r in enumerate(open_sheet(self.sheet), start=1))
            try:
                self.header, self.header_row = self._read_header()
                break
            except _EmptySheet:
                empty.append(self.sheet)
                later = self.sheets[self.sheets.index(self.sheet) + 1 :]
                if sheet or not later:  # a sheet the user chose is read, empty or not
                    raise TabularError(
                        "Het bestand is leeg: er staat geen kopregel en geen gegevens in"
                        + (f" werkblad '{self.sheet}'." if len(self.sheets) == 1 or sheet else " de werkbladen.")
                        + (" Kies een ander werkblad." if sheet and len(self.sheets) > 1 else "")
                    ) from None
                self.sheet = later[0]
        if empty:
            names = ", ".join(f"'{n}'" for n in empty)
            self.note = (
                f"Werkblad {names} is leeg; we lezen werkblad '{self.sheet}'. Staan uw gegevens op een "
                "ander werkblad, kies dat dan."
            )

    def _choose_sheet(self, sheet: str | None) -> str:
        if not self.sheets:
            raise TabularError("Dit bestand heeft geen werkbladen.")
        if sheet is None or sheet == "":
            return self.sheets[0]
        if sheet not in self.sheets:
            raise TabularError(
                f"Het werkblad '{sheet}' bestaat niet in dit bestand. Kies een van: " + ", ".join(self.sheets) + "."
            )
        return sheet

    # -- both --
    def _read_header(self) -> tuple[list[str], int]:
        """The header among the first non-empty rows: a title above it (one cell, a merged cell, with or
        without a blank row under it) is passed over. The header is the first row with at least two
        filled cells and at least half as many as the fullest of the first rows."""
        empties = 0
        ahead: list[tuple[int, list[Any]]] = []  # the non-empty rows at the top
        read: list[tuple[int, list[Any]]] = []  # every row from the first non-empty one on
        for number, values in self._raw_rows:
            if is_empty(values):
                empties += 1
                if ahead:
                    read.append((number, values))
                if empties > (self.limits.max_empty_run if not ahead else HEADER_SEARCH_ROWS):
                    break
                continue
            empties = 0
            ahead.append((number, values))
            read.append((number, values))
            if len(ahead) >= HEADER_SEARCH_ROWS:
                break
        if not ahead:
            raise _EmptySheet("Het bestand is leeg: er staat geen kopregel en geen gegevens in.")
        filled = [sum(not _blank(v) for v in values) for _, values in ahead]
        fullest = max(filled)
        at = next((i for i, n in enumerate(filled) if n >= 2 and 2 * n >= fullest), 0)
        number, values = ahead[at]
        self.skipped_above_header = [" ".join(str(v).strip() for v in row if not _blank(v)) for _, row in ahead[:at]]
        after = next(i for i, (n, _) in enumerate(read) if n == number) + 1
        self._raw_rows = itertools.chain(read[after:], self._raw_rows)
        while values and _blank(values[-1]):
            values.pop()
        header = ["" if v is None else str(tidy_cell(v) or "").lstrip("\ufeff").strip() for v in values]
        check_header(header, number, self.limits)
        return header, number

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
            if (not "".join(values).strip()) if is_csv else is_empty(values):
                empty_run += 1
                if empty_run > limits.max_empty_run:
                    raise TabularError(
                        f"Na regel {number - empty_run} volgen meer dan {_nl(limits.max_empty_run)} lege regels. "
                        "Zo'n bestand lezen we niet verder: verwijder de lege regels onderaan (of kopieer de "
                        "gegevens naar een nieuw werkblad) en probeer het opnieuw."
                    )
                continue
            empty_run = 0
            data_rows += 1
            if data_rows > limits.max_rows:
                raise TabularError(
                    f"Het bestand heeft meer dan {_nl(limits.max_rows)} regels met gegevens. "
                    "Splits het in kleinere bestanden, bijvoorbeeld per maand."
                )
            error = None
            if len(values) != width:
                extra = values[width:]
                if len(values) > width and is_empty(extra):
                    values = values[:width]
                elif is_csv:
                    error = (
                        f"Deze regel heeft {len(values)} {'veld' if len(values) == 1 else 'velden'}, de kopregel "
                        f"{width}. Waarschijnlijk staat er "
                        f"een scheidingsteken ('{_delimiter_name(self.delimiter)}') of aanhalingsteken te veel "
                        "of te weinig in deze regel."
                    )
                    values = (values + [""] * width)[:width]
                else:
                    values = (values + [None] * width)[:width]
            if is_csv:  # all str: the same as tidy_cell, without a call per cell
                yield Row(
                    number,
                    [
                        (v[1:] if v[:1] == "'" and v[1:2] in FORMULA_START else v) or None
                        for v in map(str.strip, values)
                    ],
                    error,
                )
            elif self.format == "ods":
                yield Row(number, [tidy_cell(_ods_duration(v)) for v in values], error)
            else:
                yield Row(number, [tidy_cell(v) for v in values], error)
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

    def __enter__(self) -> Table:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


_ISO_DURATION = re.compile(r"PT(\d+)H(\d+)M(\d+(?:\.\d+)?)S")


def _ods_duration(value: Any) -> Any:
    """calamine gives an ODS duration of a day or more as its ISO text ('PT36H45M00S'): a timedelta, as
    openpyxl gives an XLSX [u]:mm cell."""
    if type(value) is str and value[:2] == "PT" and (m := _ISO_DURATION.fullmatch(value)):
        return timedelta(hours=int(m[1]), minutes=int(m[2]), seconds=float(m[3]))
    return value


def _guess_delimiter(lines: list[str]) -> str:
    """The separator the first lines agree on: the one most lines use the same number of times (a title
    line has none, a note in prose has commas in one line only); ; before tab before , on a tie."""

    def agreement(d: str) -> tuple[int, int, bool, bool]:
        counts = Counter(line.count(d) for line in lines)
        counts.pop(0, None)
        if not counts:
            return (0, 0, d == ";", d == "\t")
        times, lines_agreeing = max(counts.items(), key=lambda kv: (kv[1], kv[0]))
        return (lines_agreeing, times, d == ";", d == "\t")

    return max((";", "\t", ","), key=agreement)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _delimiter_name(d: str) -> str:
    return {"\t": "tab"}.get(d, d)


def open_table(file: IO[bytes], filename: str = "", sheet: str | None = None, limits: Limits = Limits()) -> Table:
    """Check the file and open one sheet of it (see the package docstring, shared/tabular/__init__.py)."""
    return Table(file, filename, sheet, limits)


def sheet_names(file: IO[bytes], limits: Limits = Limits()) -> list[str]:
    with open_table(file, limits=limits) as table:
        return table.sheets
