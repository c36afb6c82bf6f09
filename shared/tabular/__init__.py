"""Reading spreadsheets people really send (CSV, XLSX, ODS), and writing them back; see read.py."""
from shared.tabular.read import (
    Column,
    HeaderMatch,
    Limits,
    Row,
    Table,
    TabularError,
    cell_is_formula,
    escape_cell,
    looks_like_formula,
    match_headers,
    normalise_header,
    open_table,
    sheet_names,
    tidy_cell,
    unescape_cell,
    write_csv,
    write_xlsx,
)

__all__ = ["Column", "HeaderMatch", "Limits", "Row", "Table", "TabularError", "cell_is_formula", "escape_cell",
           "looks_like_formula", "match_headers", "normalise_header", "open_table", "sheet_names", "tidy_cell",
           "unescape_cell", "write_csv", "write_xlsx"]
