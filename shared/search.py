"""Finding people by their names on both engines: case and accents folded the same way everywhere.

SQLite's lower() and LIKE fold ASCII only, and neither engine ignores accents: "Özdemir", "özdemir" and
"Ozdemir" must all find Ömer Özdemir, "nguyen" Nguyễn. So the folding is ours, in Python, once: `fold` turns
a name into lower case without accents (Unicode NFKD, combining marks dropped, casefold, and the letters
that have no decomposition mapped by hand: ø, ł, đ, ı, æ, œ, þ, ß). Each person carries their folded names
in `inburgeraar.zoeknaam` (written by the app whenever the names are: `search_name`; backfilled by the
migration that added it); a query is folded the same way and matched with LIKE (`contains`). The portal,
which filters in Python, uses `fold` directly. ADR 0019 explains the choice.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any

from piccolo.columns.combination import WhereRaw

_NO_DECOMPOSITION = str.maketrans(
    {
        "ø": "o",
        "Ø": "o",
        "ł": "l",
        "Ł": "l",
        "đ": "d",
        "Đ": "d",
        "ð": "d",
        "Ð": "d",
        "ħ": "h",
        "Ħ": "h",
        "ı": "i",
        "þ": "th",
        "Þ": "th",
        "æ": "ae",
        "Æ": "ae",
        "œ": "oe",
        "Œ": "oe",
        "ß": "ss",
        "ẞ": "ss",
        "’": "'",
        "‘": "'",
        "ʼ": "'",
    }
)
SEPARATOR = " | "  # between the two orders of the names; never part of a folded query


def fold(text: str | None) -> str:
    """Lower case without accents, spaces collapsed: "  Ömer ÖZDEMİR " → "omer ozdemir", "Nguyễn" → "nguyen",
    "Şükrü Çelik" → "sukru celik", "Łukasz Øster" → "lukasz oster"."""
    text = unicodedata.normalize("NFKD", (text or "").translate(_NO_DECOMPOSITION))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(text.casefold().translate(_NO_DECOMPOSITION).replace("|", " ").split())


def search_name(voornamen: str | None, achternaam: str | None) -> str:
    """What `inburgeraar.zoeknaam` holds: both orders, so "Amina Haddad" and "Haddad, Amina" are found."""
    first, last = fold(voornamen), fold(achternaam)
    return f"{first} {last}".strip() + SEPARATOR + f"{last}, {first}".strip(" ,")


def with_search_name(values: Mapping[str, Any], current: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """`values` for an insert or update of a person, plus `zoeknaam` when the names are among them (the
    other name taken from `current`, the row as it is)."""
    out = dict(values)
    if "voornamen" in out or "achternaam" in out:
        current = current or {}
        out["zoeknaam"] = search_name(
            out.get("voornamen", current.get("voornamen")), out.get("achternaam", current.get("achternaam"))
        )
    return out


def contains(column_sql: str, query: str) -> WhereRaw:
    """`column LIKE %query%` on a folded column, the query folded the same way and LIKE's own signs escaped,
    so "50%" or "o_a" mean themselves. `column_sql` is a quoted column, e.g. '"inburgeraar"."zoeknaam"'."""
    term = fold(query).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return WhereRaw(f"{column_sql} LIKE {{}} ESCAPE '\\'", f"%{term}%")
