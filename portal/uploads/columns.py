"""Our columns of the monthly report, and where they sit in one file, without I/O.

`COLUMNS` are the template's columns with the other names people give them, `VALUE_ALIASES` the words
schools use for our codes (reden verzuim, soort uren, afronding). A `Layout` places our columns on one
file's header (by name, by alias or by the organisation's saved mapping), carries the school's own
words for our codes, and says in Dutch why a file cannot be read with it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from shared.tabular import Column, HeaderMatch, match_headers, normalise_header
from shared.vocab import HourKind, MilestoneKind, VerzuimReden

# --- Our columns ----------------------------------------------------------------------------------

COLUMNS: tuple[Column, ...] = (
    Column(
        "bsn",
        "BSN",
        ("burgerservicenummer", "bsn-nummer", "bsnnummer", "sofinummer", "sofi-nummer"),
        required=True,
        hint="9 cijfers (8 mag ook: dan zetten we er een 0 voor). Verplicht.",
    ),
    Column(
        "achternaam",
        "Achternaam",
        ("naam", "familienaam", "achternaam cursist"),
        hint="Voor uw eigen overzicht; Regie zoekt de persoon op het BSN.",
    ),
    Column("voornamen", "Voornamen", ("voornaam", "roepnaam"), hint="Voor uw eigen overzicht."),
    Column(
        "period_start",
        "Periode van",
        ("van", "vanaf", "begindatum", "startdatum", "begin periode", "periode begin", "datum van", "periode vanaf"),
        hint="Eerste dag van de periode, bijvoorbeeld 01-10-2026. Bij uren verplicht.",
    ),
    Column(
        "period_end",
        "Periode tot en met",
        (
            "periode tot",
            "periode t/m",
            "tot en met",
            "t/m",
            "tot",
            "einddatum",
            "datum tot",
            "eind periode",
            "periode eind",
        ),
        hint="Laatste dag van de periode, bijvoorbeeld 31-10-2026. Bij uren verplicht.",
    ),
    Column(
        "kind",
        "Soort uren",
        ("soort", "urensoort", "type uren", "onderdeel"),
        hint="Taal en KNM, Taalles in participatietraject, Participatieactiviteiten of Uren tijdens brede "
        "intake. Leeg: de gewone soort bij de inschrijving (taal: Taal en KNM).",
    ),
    Column(
        "attended",
        "Aanwezig (uren)",
        ("aanwezig", "aanwezige uren", "uren aanwezig", "aanwezigheid", "lesuren aanwezig"),
        hint="Uren aanwezig, in kwartieren: 7,5 of 7.5 of 7:30 of 7½.",
    ),
    Column(
        "geoorloofd",
        "Geoorloofd verzuim (uren)",
        (
            "geoorloofd",
            "geoorloofd afwezig",
            "geoorloofd verzuim",
            "verzuim geoorloofd",
            "afwezig met reden",
            "geoorloofde afwezigheid",
        ),
        hint="Uren afwezig met een geldige reden.",
    ),
    Column(
        "ongeoorloofd",
        "Ongeoorloofd verzuim (uren)",
        (
            "ongeoorloofd",
            "ongeoorloofd afwezig",
            "ongeoorloofd verzuim",
            "verzuim ongeoorloofd",
            "afwezig zonder reden",
            "ongeoorloofde afwezigheid",
        ),
        hint="Uren afwezig zonder geldige reden.",
    ),
    Column(
        "verzuim_reden",
        "Reden verzuim",
        ("reden", "reden afwezigheid", "reden afwezig", "verzuimreden", "reden van verzuim"),
        hint="Verplicht als er verzuim is. Een van de redenen op dit blad, of uw eigen woord als u dat "
        "één keer aan onze lijst koppelt.",
    ),
    Column(
        "milestone",
        "Afronding",
        ("mijlpaal", "soort afronding", "afronding soort"),
        hint="Alleen voor een afronding: MAP-eindgesprek gevoerd, PVT ondertekend, Taalschakeltraject "
        "afgerond, Niet voltooid, Uitslag tussentijdse toets, Voortgangsnotitie, Belemmerende "
        "omstandigheid. Laat dan de uren leeg.",
    ),
    Column(
        "event_date",
        "Datum afronding",
        ("afrondingsdatum", "datum eindgesprek", "datum ondertekening", "datum mijlpaal"),
        hint="De datum van de afronding (eindgesprek, ondertekening), bijvoorbeeld 14-10-2026.",
    ),
    Column("verwijtbaar", "Verwijtbaar", ("niet voltooid verwijtbaar",), hint="Alleen bij Niet voltooid: ja of nee."),
    Column("uitslag", "Uitslag", ("toetsuitslag", "uitslag toets"), hint="Alleen bij een tussentijdse toets."),
    Column(
        "toelichting",
        "Toelichting",
        ("opmerking", "opmerkingen", "notitie", "toelichting verzuim"),
        hint="Wat de gemeente moet weten. Bij Niet voltooid: de reden.",
    ),
)
COLUMN_BY_KEY = {c.key: c for c in COLUMNS}
HOUR_KEYS = ("attended", "geoorloofd", "ongeoorloofd")
TEMPLATE_HEADER = [c.header for c in COLUMNS]


def _aliases(enum: type[StrEnum], extra: dict[str, str]) -> dict[str, str]:
    found = {normalise_header(m.value): m.value for m in enum}
    found.update({normalise_header(m.label): m.value for m in enum})
    found.update({normalise_header(k): v for k, v in extra.items()})
    return found


VALUE_ALIASES: dict[str, dict[str, str]] = {
    "verzuim_reden": _aliases(
        VerzuimReden,
        {
            "ziekte": "ziek",
            "ziekmelding": "ziek",
            "huisarts": "medisch",
            "tandarts": "medisch",
            "ziekenhuis": "medisch",
            "dokter": "medisch",
            "medisch": "medisch",
            "ind": "instantie",
            "gemeente": "instantie",
            "uwv": "instantie",
            "instantie": "instantie",
            "werk": "werk",
            "familie": "familie",
            "familieomstandigheden": "familie",
            "verlof": "verlof",
            "vervoer": "vervoer",
            "zonder bericht": "zonder_bericht",
            "geen bericht": "zonder_bericht",
            "onbekend": "zonder_bericht",
            "overig": "overig",
            "overige": "overig",
            "anders": "overig",
        },
    ),
    "kind": _aliases(
        HourKind,
        {
            "taal": "taal_knm",
            "knm": "taal_knm",
            "taal knm": "taal_knm",
            "nt2": "taal_knm",
            "les": "taal_knm",
            "participatie": "participatie_activiteiten",
            "taalles participatie": "participatie_taalles",
            "brede intake": "brede_intake",
            "intake": "brede_intake",
        },
    ),
    "milestone": _aliases(
        MilestoneKind,
        {
            "map": "map_eindgesprek",
            "map eindgesprek": "map_eindgesprek",
            "eindgesprek": "map_eindgesprek",
            "eindgesprek map": "map_eindgesprek",
            "pvt": "pvt_ondertekening",
            "pvt ondertekend": "pvt_ondertekening",
            "ondertekening pvt": "pvt_ondertekening",
            "pvt ondertekening": "pvt_ondertekening",
            "taalschakeltraject": "taalschakeltraject_afgerond",
            "niet voltooid": "niet_voltooid",
            "gestopt": "niet_voltooid",
            "toets": "tussentijdse_toets",
            "tussentijdse toets": "tussentijdse_toets",
            "voortgang": "voortgang",
            "belemmering": "belemmering",
        },
    ),
}
VALUE_ENUMS: dict[str, type[StrEnum]] = {"verzuim_reden": VerzuimReden, "kind": HourKind, "milestone": MilestoneKind}


# --- The layout of one file -----------------------------------------------------------------------


@dataclass
class Layout:
    """Where our columns are in this file, under which of its headers, and its own words for our values."""

    positions: dict[str, int]
    headers: dict[str, str]  # column key → the header as the file writes it
    values: dict[str, dict[str, str]]  # column key → normalised value → our code
    match: HeaderMatch
    unknown: dict[str, list[str]] = field(default_factory=dict)  # column key → own words not yet placed
    plain_keys: bool = False  # API rows: name columns by our keys, not Dutch headers

    @classmethod
    def of(
        cls,
        header: list[str],
        saved_columns: dict[str, str] | None = None,
        saved_values: dict[str, dict[str, str]] | None = None,
    ) -> Layout:
        match = match_headers(header, COLUMNS, saved_columns)
        values = {key: {**aliases, **(saved_values or {}).get(key, {})} for key, aliases in VALUE_ALIASES.items()}
        return cls(
            positions=match.positions,
            headers={k: header[i] for k, i in match.positions.items()},
            values=values,
            match=match,
        )

    def problems(self) -> list[str]:
        """Why this file cannot be read with this layout (Dutch), or [] when it can."""
        found = set(self.positions)
        out = []
        for key, headers in self.match.conflicts:
            out.append(
                f"De kolommen {', '.join(repr(h) for h in headers)} betekenen allemaal "
                f"'{COLUMN_BY_KEY[key].header}'. Laat er één over, of koppel de andere aan iets anders."
            )
        if "bsn" not in found and not any(k == "bsn" for k, _ in self.match.conflicts):
            out.append("Er is geen kolom met het BSN.")
        has_hours = bool(found & set(HOUR_KEYS))
        has_milestones = "milestone" in found
        if not has_hours and not has_milestones:
            out.append(
                "Er is geen kolom met uren (Aanwezig, Geoorloofd verzuim, Ongeoorloofd verzuim) en geen "
                "kolom Afronding."
            )
        if has_hours and not {"period_start", "period_end"} <= found:
            missing = [COLUMN_BY_KEY[k].header for k in ("period_start", "period_end") if k not in found]
            out.append("Bij uren hoort een periode: de kolom " + " en ".join(f"'{m}'" for m in missing) + " ontbreekt.")
        if has_milestones and "event_date" not in found:
            out.append("Bij een afronding hoort een datum: de kolom 'Datum afronding' ontbreekt.")
        return out

    def column(self, key: str | None) -> str:
        """The header to show with a message about `key` (ours if the file has no such column)."""
        if not key:
            return ""
        if self.plain_keys:
            return key
        return self.headers.get(key) or (COLUMN_BY_KEY[key].header if key in COLUMN_BY_KEY else "")
