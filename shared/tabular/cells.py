"""One cell. Text that a spreadsheet would execute (= + - @, tab, CR at the start) is recognised, and escaped
with a leading apostrophe on every export (OWASP's advice); a formula given as text is named, never
evaluated; and a cell is tidied as `Table.rows()` gives it (stripped, empty to None, our escape undone,
1000.0 to 1000).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


# A number written as text ("-3", "-7,5", "+1.234,5") is a number, not a formula: a spreadsheet shows it
# as the number it is, and hours or corrections may be negative.
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)*")


def looks_like_formula(value: Any) -> bool:
    """What a spreadsheet would execute when this text is opened: = + - @ (and tab/CR) at the start; a plain
    number ("-3", "-7,5") is not (OWASP's CSV-injection set)."""
    return isinstance(value, str) and value.startswith(FORMULA_START) and not _PLAIN_NUMBER.fullmatch(value)


def formula_problem(value: Any) -> str | None:
    """The Dutch reason text may not come in as it is (every input path asks this, for every text cell and
    field): it starts as a formula would (= + - @, tab or CR, OWASP's set), unless it is a plain number.
    None when the text is fine."""
    if not isinstance(value, str):
        return None
    text = value.lstrip(" ")
    if not looks_like_formula(text):
        return None
    first = {"\t": "een tab", "\r": "een regeleinde"}.get(text[0], f"'{text[0]}'")
    shown = text.strip()[:40]
    if text[0] == "=" and len(text) > 1:
        return (
            f"In deze cel staat een formule ({shown}). Regie rekent formules niet uit: zet de uitkomst als gewone "
            "waarde in de cel (in Excel: Plakken speciaal, Waarden)."
        )
    return (
        f"'{shown}' begint met {first}. Een spreadsheet kan zo'n tekst als formule uitvoeren; daarom nemen we "
        "die niet over. Begin de tekst met een letter of cijfer (bijvoorbeeld 'Ziek gemeld' in plaats van "
        "'- ziek gemeld')."
    )


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
