"""One cell. Text that a spreadsheet would execute (= + - @, tab, CR at the start) is recognised, and escaped
with a leading apostrophe on every export (OWASP's advice); a formula given as text is named, never
evaluated; and a cell is tidied as `Table.rows()` gives it (stripped, empty to None, our escape undone,
1000.0 to 1000).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(value: Any) -> bool:
    """What a spreadsheet would execute when this text is opened: = + - @ (and tab/CR) at the start."""
    return isinstance(value, str) and value.startswith(FORMULA_START)


def cell_is_formula(value: Any) -> bool:
    """A formula given as text (an XLSX formula cell, or "=…" typed into a CSV). Never evaluated."""
    return isinstance(value, str) and value.startswith("=") and len(value) > 1


def escape_cell(value: Any) -> Any:
    """For every export: text that a spreadsheet would execute gets a leading apostrophe."""
    if looks_like_formula(value):
        return "'" + value
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
            return value[1:]  # undo escape_cell
        return value
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    return value


def is_empty(values: Sequence[Any]) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in values)
