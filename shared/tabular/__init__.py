"""Reading spreadsheets people really send: CSV (as Dutch Excel writes it), XLSX and ODS, streaming.

Anything wrong with the *file* raises `TabularError` with a Dutch message for the user (B1 level);
anything wrong with one *row* is carried on that row (`Row.error`), so a caller can list it and go on.
Nothing here touches the database: this package turns bytes into rows, and rows back into files.

    detect.py   what kind of file this is, its encoding, the zip checks, `Limits`, `TabularError`
    cells.py    one cell: formulas recognised and escaped, a cell tidied as `rows()` gives it
    headers.py  header names normalised and matched to our `Column`s
    read.py     the `Table` reader: `open_table`, `sheet_names`, `Row`
    write.py    CSV and XLSX files written with every cell escaped

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

``looks_like_formula(value)``, ``escape_cell(value)``, ``formula_problem(value)``: cells that start with
= + - @ (or tab/CR) are what spreadsheets execute (a plain number such as "-3" or "-7,5" is a number, not
a formula). Every input path refuses such text with `formula_problem`'s Dutch reason. Exports pass every
cell through `escape_cell` (a leading apostrophe, OWASP's
advice), so a file we write never carries a live formula; `open_table` (and `tidy_cell`) undo exactly
that escape when such a file comes back.

``write_csv(header, rows) -> bytes`` (";"-separated UTF-8 with BOM, CRLF: opens correctly in Dutch
Excel) and ``write_xlsx(sheets) -> bytes`` (write-only openpyxl; every cell escaped, strings typed as
text). Both escape every cell.
"""

from shared.tabular.cells import cell_is_formula, escape_cell, formula_problem, looks_like_formula, tidy_cell
from shared.tabular.detect import Limits, TabularError
from shared.tabular.headers import Column, HeaderMatch, match_headers, normalise_header
from shared.tabular.read import Row, Table, open_table, sheet_names
from shared.tabular.write import write_csv, write_xlsx

__all__ = [
    "Column",
    "HeaderMatch",
    "Limits",
    "Row",
    "Table",
    "TabularError",
    "cell_is_formula",
    "escape_cell",
    "formula_problem",
    "looks_like_formula",
    "match_headers",
    "normalise_header",
    "open_table",
    "sheet_names",
    "tidy_cell",
    "write_csv",
    "write_xlsx",
]
