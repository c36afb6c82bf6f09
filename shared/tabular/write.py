"""Writing tables back: CSV as Dutch Excel opens it (';'-separated UTF-8 with BOM, CRLF) and XLSX (write-only,
strings typed as text). Every cell is escaped on the way out, so a file we write never carries a live
formula; dates are written as dd-mm-jjjj.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from shared.calendar import local_time
from shared.tabular.cells import escape_cell
from shared.tabular.headers import column_letter


def _export_value(value: Any) -> Any:
    if isinstance(value, datetime):
        if value.tzinfo is not None:  # a stored instant: in Dutch time (a sheet's own naive value stays as is)
            value = local_time(value).replace(tzinfo=None)
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


def write_xlsx(
    sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence[Any]]]], widths: dict[str, Sequence[int]] | None = None
) -> bytes:
    """Sheets as (title, header, rows); strings are written as text, never as formulas."""
    import openpyxl
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = openpyxl.Workbook(write_only=True)
    bold = Font(bold=True)
    for title, header, rows in sheets:
        ws = book.create_sheet(title=title[:31])
        for i, width in enumerate((widths or {}).get(title, ())):
            ws.column_dimensions[column_letter(i)].width = width

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
