"""The `Table` reader: one sheet (or the CSV) of a file that passed detect.py's checks, its header row found
and checked, its data rows streamed once as `Row`s with the number the user sees in Excel. Rows with the
wrong number of fields carry their error; too many rows, a long run of empty rows or no data rows at all
stop the file with a `TabularError`. `open_table` and `sheet_names` are the ways in.
"""

from __future__ import annotations

import csv
import io
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from shared.tabular.cells import FORMULA_START, is_empty, tidy_cell
from shared.tabular.detect import Limits, TabularError, check_zip, detect_encoding, scan_bytes, sniff_kind
from shared.tabular.headers import check_header


def _nl(n: int) -> str:
    return f"{n:,}".replace(",", ".")


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
                    raise TabularError(
                        f"Regel {number} heeft een cel met meer dan "
                        f"{_nl(self.limits.max_cell_chars)} tekens. Zo lang is geen gewone waarde; "
                        "controleer de aanhalingstekens in het bestand."
                    ) from None
                raise TabularError(
                    f"Regel {number} kon niet worden gelezen ({e}). Controleer de aanhalingstekens."
                ) from None
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
                    raise TabularError(
                        "Dit Excel-bestand kon niet worden gelezen. Sla het opnieuw op als "
                        "'Excel-werkmap (.xlsx)' en probeer het nog eens."
                    ) from None
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
                raise TabularError(
                    "Dit ODS-bestand kon niet worden gelezen. Sla het opnieuw op en probeer het nog eens."
                ) from None
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
            raise TabularError(
                f"Het werkblad '{sheet}' bestaat niet in dit bestand. Kies een van: " + ", ".join(self.sheets) + "."
            )
        return sheet

    # -- both --
    def _read_header(self) -> tuple[list[str], int]:
        empties = 0
        for number, values in self._raw_rows:
            if is_empty(values):
                empties += 1
                if empties > self.limits.max_empty_run:
                    break
                continue
            while values and (values[-1] is None or str(values[-1]).strip() == ""):
                values.pop()
            header = ["" if v is None else str(tidy_cell(v) or "").lstrip("\ufeff").strip() for v in values]
            check_header(header, number, self.limits)
            return header, number
        raise TabularError(
            "Het bestand is leeg: er staat geen kopregel en geen gegevens in."
            + (f" (Werkblad '{self.sheet}'.)" if self.sheet else "")
        )

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


def _delimiter_name(d: str) -> str:
    return {";": ";", ",": ",", "\t": "tab"}[d]


def open_table(file: IO[bytes], filename: str = "", sheet: str | None = None, limits: Limits = Limits()) -> Table:
    """Check the file and open one sheet of it (see the package docstring, shared/tabular/__init__.py)."""
    return Table(file, filename, sheet, limits)


def sheet_names(file: IO[bytes], limits: Limits = Limits()) -> list[str]:
    with open_table(file, limits=limits) as table:
        return table.sheets
