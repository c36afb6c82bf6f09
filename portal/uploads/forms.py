"""The column-mapping form: the school's headers and words → our columns and codes, plus Dutch errors."""

from __future__ import annotations

from collections.abc import Mapping

from portal.uploads.columns import COLUMN_BY_KEY, VALUE_ENUMS
from shared.forms import FormErrors
from shared.tabular import normalise_header


def parse_mapping_form(
    form: Mapping[str, str], header: list[str], unknown_values: dict[str, list[str]]
) -> tuple[dict[str, str], dict[str, dict[str, str]], FormErrors]:
    """Fields: kolom_<i> (our column key or "" for not used) per header position; waarde_<key>_<j> (our code)
    per unknown value listed on the page. Returns (columns, values, errors)."""
    errors = FormErrors()
    columns: dict[str, str] = {}
    used: dict[str, str] = {}
    for i, text in enumerate(header):
        norm = normalise_header(text)
        if not norm:
            continue
        key = (form.get(f"kolom_{i}") or "").strip()
        if key and key not in COLUMN_BY_KEY:
            errors[f"kolom_{i}"] = "Kies een kolom uit de lijst."
            continue
        if key and key in used:
            errors[f"kolom_{i}"] = (
                f"'{COLUMN_BY_KEY[key].header}' is al gekoppeld aan de kolom '{used[key]}'. "
                "Kies voor één van beide iets anders."
            )
            continue
        if key:
            used[key] = text
        columns[norm] = key
    if "bsn" not in used and not errors:
        errors["__all__"] = "Koppel één kolom aan BSN: zonder BSN kunnen we niemand vinden."
    values: dict[str, dict[str, str]] = {}
    for key, texts in unknown_values.items():
        enum = VALUE_ENUMS.get(key)
        if enum is None:
            continue
        for j, text in enumerate(texts):
            code = (form.get(f"waarde_{key}_{j}") or "").strip()
            if not code:
                continue
            if code not in enum._value2member_map_:
                errors[f"waarde_{key}_{j}"] = "Kies een waarde uit de lijst."
                continue
            values.setdefault(key, {})[normalise_header(text)] = code
    return columns, values, errors
