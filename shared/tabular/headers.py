"""Headers: a header normalised for matching ('Aanwezig (uren)' is 'aanwezig'), our `Column`s matched to a
file's header by name, alias or an organisation's saved mapping (`match_headers`), and the checks on a
header row itself (not too wide, no name twice), with the spreadsheet's column letters in the message.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from shared.tabular.detect import Limits, TabularError


def normalise_header(text: Any) -> str:
    """'Aanwezig (uren)' → 'aanwezig'; 'Periode t/m' → 'periodetm'; 'Cursist-nummer' → 'cursistnummer'."""
    text = str(text or "").lstrip("\ufeff")
    text = re.sub(r"\([^)]*\)|\[[^\]]*\]", " ", text)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]", "", text)


@dataclass(frozen=True)
class Column:
    key: str  # our field name
    header: str  # the Dutch header in our template
    aliases: tuple[str, ...] = ()  # other headers people use (any spelling: they are normalised)
    required: bool = False
    hint: str = ""  # one line for the explanation sheet

    def names(self) -> set[str]:
        return {normalise_header(n) for n in (self.header, self.key, *self.aliases)} - {""}


@dataclass
class HeaderMatch:
    positions: dict[str, int]  # column key → index in the header
    unknown: list[tuple[int, str]]  # headers we could not place (index, text)
    ignored: list[tuple[int, str]]  # headers the saved mapping says not to use
    missing: list[Column]  # required columns not found
    conflicts: list[tuple[str, list[str]]]  # column key → the headers that all claim it

    @property
    def ok(self) -> bool:
        return not self.missing and not self.conflicts


def match_headers(header: Sequence[str], columns: Sequence[Column], saved: dict[str, str] | None = None) -> HeaderMatch:
    """Place each header on one of our columns: the saved mapping first, then header names and aliases."""
    saved = saved or {}
    by_name = {}
    for col in columns:
        for name in col.names():
            by_name.setdefault(name, col.key)
    keys = {c.key for c in columns}
    claims: dict[str, list[tuple[int, str]]] = {}
    unknown, ignored = [], []
    for index, text in enumerate(header):
        norm = normalise_header(text)
        if not norm:
            continue
        if norm in saved:
            key = saved[norm]
            if not key or key not in keys:
                ignored.append((index, text))
                continue
        elif norm in by_name:
            key = by_name[norm]
        else:
            unknown.append((index, text))
            continue
        claims.setdefault(key, []).append((index, text))
    conflicts = [(key, [t for _, t in found]) for key, found in claims.items() if len(found) > 1]
    positions = {key: found[0][0] for key, found in claims.items() if len(found) == 1}
    missing = [c for c in columns if c.required and c.key not in claims]
    return HeaderMatch(positions=positions, unknown=unknown, ignored=ignored, missing=missing, conflicts=conflicts)


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def check_header(header: list[str], header_row: int, limits: Limits) -> None:
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
                f"{column_letter(seen[norm])} en {column_letter(index)}). Geef elke kolom een eigen naam."
            )
        seen[norm] = index
