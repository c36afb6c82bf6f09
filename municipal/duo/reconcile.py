"""Does DUO hold what we sent? The comparison of a registration DUO confirmed receiving (a 2xx is only a
receipt, ADR 0021) with what DUO later reports: a lookup of the same data (kept in `duo_data`) or a
notification that says DUO lacks it. Pure: no I/O.

Sources: MAPPVTZroute.openapi.yml (`PUT` and `GET /personen/{bsn}/map`, `/pvt`: `datumEindgesprekMap`,
`datumOndertekeningPvt`), DUO Attentiesignalen SS126 ("Na 10 weken nog geen leerroute": DUO has no PIP) and
SS127 ("Nog geen inburgeringsaanbod ontvangen").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

# What DUO lets us read back of what we registered: the resource (path ending) → (the lookup's soort in
# duo_data, the field, its Dutch label). PIP, Z-route and the inburgeringsaanbod have no lookup in DUO's API.
READ_BACK: dict[str, tuple[str, str, str]] = {
    "/map": ("MAP", "datumEindgesprekMap", "Datum eindgesprek MAP"),
    "/pvt": ("PVT", "datumOndertekeningPvt", "Datum ondertekening PVT"),
}

# Notifications that tell us DUO lacks something we registered: code → (a pattern of the path we sent, what
# we sent, in Dutch, and what DUO reports).
CONTRADICTED_BY: dict[str, tuple[str, str, str]] = {
    "SS126": (r"/PIP$", "PIP", "DUO meldt na 10 weken nog geen leerroute (SS126)"),
    "SS127": (r"/Inburgeringsaanbod/\d+$", "Inburgeringsaanbod", "DUO meldt nog geen inburgeringsaanbod (SS127)"),
}


@dataclass(frozen=True)
class Difference:
    """One value that differs: its Dutch label, ours (as sent) and DUO's, both as shown on screen."""

    label: str
    ours: str
    duo: str


def read_back_of(path: str) -> tuple[str, str, str] | None:
    """(soort, field, label) when DUO lets us read back what `path` (a request's path, e.g.
    "/personen/123456782/map") registered; else None."""
    for ending, spec in READ_BACK.items():
        if path.endswith(ending):
            return spec
    return None


def _shown(value: Any) -> str:
    if value in (None, ""):
        return "niets"
    if isinstance(value, str):
        try:
            return f"{date.fromisoformat(value):%d-%m-%Y}"
        except ValueError:
            return value
    return str(value)


def compare(sent_path: str, sent_body: dict[str, Any] | None, soort: str, duo: Any) -> list[Difference] | None:
    """Compare what we sent (`sent_path`, `sent_body`: the request's JSON body) with DUO's lookup answer
    (`soort`: the duo_data kind, e.g. "MAP"; `duo`: DUO's parsed answer). Returns None when the two are not
    about the same data, [] when DUO holds what we sent ("door DUO verwerkt"), else the differences."""
    spec = read_back_of(sent_path)
    if spec is None or spec[0] != soort:
        return None
    _, field, label = spec
    ours = (sent_body or {}).get(field)
    theirs = duo.get(field) if isinstance(duo, dict) else None
    if ours == theirs:
        return []
    return [Difference(label, _shown(ours), _shown(theirs))]


def contradiction(code: str, sent_path: str, sent_body: dict[str, Any] | None) -> list[Difference] | None:
    """Does DUO's notification `code` (gebeurtenisId) say DUO lacks what we sent (`sent_path`, `sent_body`)?
    Returns the difference to show, or None."""
    spec = CONTRADICTED_BY.get(code)
    if spec is None or not re.search(spec[0], sent_path):
        return None
    _, what, duo_says = spec
    body = sent_body or {}
    if body.get("dagtekeningPip"):
        ours = f"PIP met leerroute {body.get('leerroute', '?')}, dagtekening {_shown(body['dagtekeningPip'])}"
    elif body.get("datumInburgeringsaanbod"):
        ours = f"Inburgeringsaanbod van {_shown(body['datumInburgeringsaanbod'])}"
    else:
        ours = f"{what} verstuurd"
    return [Difference(what, ours, duo_says)]


def describe(differences: list[Difference]) -> str:
    """The item's text: each difference as "label: bij ons X, bij DUO Y"."""
    parts = [f"{d.label}: bij ons {d.ours}, bij DUO {d.duo}." for d in differences]
    return (
        "Gegevens bij DUO wijken af van wat de gemeente verstuurde. "
        + " ".join(parts)
        + (" Zoek uit welke juist is en verbeter het dossier of verstuur opnieuw naar DUO.")
    )


# --- DUO's data into the dossier ----------------------------------------------------------------------------

# Where the dossier has a field for what a lookup gives: soort → [(DUO's field, the dossier's section and
# field, its Dutch label)]. Inburgeringsplicht.begindatum (Inburgeringsplicht.openapi.yml) is the day the
# obligation began: the dossier's "Inburgeringsplichtig sinds" (plicht_start, section "persoon"), only when
# DUO says the person is obliged (indicatorInburgeringsplicht true).
INTO_DOSSIER: dict[str, tuple[tuple[str, str, str, str], ...]] = {
    "Inburgeringsplicht": (("begindatum", "persoon", "plicht_start", "Inburgeringsplichtig sinds"),),
}


@dataclass(frozen=True)
class DossierChange:
    """What to do with one dossier field given DUO's value: `write` (a new version, origin DUO) when the
    dossier is empty or holds what DUO gave before (DUO corrects itself); `differs` (an item, the dossier
    keeps the regisseur's value) when a person set something else; neither when they agree."""

    section: str
    field: str
    label: str
    value: date
    write: bool
    differs: bool
    current: date | None


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def into_dossier(soort: str, duo: Any, current: dict[str, Any], previous: Any) -> list[DossierChange]:
    """For DUO's answer `duo` (parsed) of kind `soort`, the dossier fields to write or to flag. `current`: the
    person's row (dossier values); `previous`: DUO's previous answer of the same kind (None when none), to
    tell a value DUO gave from one a regisseur typed."""
    if not isinstance(duo, dict) or (soort == "Inburgeringsplicht" and duo.get("indicatorInburgeringsplicht") is False):
        return []
    changes = []
    for duo_field, section, field, label in INTO_DOSSIER.get(soort, ()):
        value = _date(duo.get(duo_field))
        if value is None:
            continue
        have = current.get(field)
        before = _date(previous.get(duo_field)) if isinstance(previous, dict) else None
        if have == value:
            continue
        from_duo = have is None or (before is not None and have == before)
        changes.append(DossierChange(section, field, label, value, from_duo, not from_duo, have))
    return changes
