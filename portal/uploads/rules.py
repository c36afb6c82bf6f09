"""The monthly report file, without I/O: our columns, how a row becomes a report, and the plan for a
whole file (new, correction, unchanged, skipped or error, row by row).

The rules are those of a report typed in (shared/rules.py, portal/rules.py); what is particular to a
file is here: columns matched by name, values in the school's own words, duplicates and overlaps inside
the file, and rows with nothing to report. The services load what the plan needs in a few queries
(`Context`), so a file of 100,000 rows costs the same number of queries as one of ten.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from functools import lru_cache
from typing import Any

from portal.errors import NothingChanged
from portal.rules import (
    SINGLE_MILESTONES,
    check_milestone_fields,
    hour_values,
    milestone_values,
    previous_milestone,
    previous_report,
)
from shared.forms import parse_date as _parse_date_text
from shared.calendar import Period
from shared.errors import RuleError
from shared.hours import HOUR_KINDS_BY_COMPONENT, HourReport, check_hour_amounts, check_may_report_hours, format_hours, parse_hours
from shared.rules import MILESTONES_BY_COMPONENT, check_event_date, check_may_report_milestone, check_period, normalise_bsn
from shared.tabular import Column, HeaderMatch, Row, cell_is_formula, match_headers, normalise_header
from shared.vocab import Doelgroep, HourKind, Leerroute, MilestoneKind, VerzuimReden

# --- Our columns -----------------------------------------------------------------------------------

COLUMNS: tuple[Column, ...] = (
    Column("bsn", "BSN", ("burgerservicenummer", "bsn-nummer", "bsnnummer", "sofinummer", "sofi-nummer"),
           required=True, hint="9 cijfers (8 mag ook: dan zetten we er een 0 voor). Verplicht."),
    Column("achternaam", "Achternaam", ("naam", "familienaam", "achternaam cursist"),
           hint="Voor uw eigen overzicht; Regie zoekt de persoon op het BSN."),
    Column("voornamen", "Voornamen", ("voornaam", "roepnaam"), hint="Voor uw eigen overzicht."),
    Column("period_start", "Periode van", ("van", "vanaf", "begindatum", "startdatum", "begin periode",
                                           "periode begin", "datum van", "periode vanaf"),
           hint="Eerste dag van de periode, bijvoorbeeld 01-10-2026. Bij uren verplicht."),
    Column("period_end", "Periode tot en met", ("periode tot", "periode t/m", "tot en met", "t/m", "tot",
                                                "einddatum", "datum tot", "eind periode", "periode eind"),
           hint="Laatste dag van de periode, bijvoorbeeld 31-10-2026. Bij uren verplicht."),
    Column("kind", "Soort uren", ("soort", "urensoort", "type uren", "onderdeel"),
           hint="Taal en KNM, Taalles in participatietraject, Participatieactiviteiten of Uren tijdens brede "
                "intake. Leeg: de gewone soort bij de inschrijving (taal: Taal en KNM)."),
    Column("attended", "Aanwezig (uren)", ("aanwezig", "aanwezige uren", "uren aanwezig", "aanwezigheid",
                                           "lesuren aanwezig"),
           hint="Uren aanwezig, in kwartieren: 7,5 of 7.5 of 7:30 of 7½."),
    Column("geoorloofd", "Geoorloofd verzuim (uren)", ("geoorloofd", "geoorloofd afwezig", "geoorloofd verzuim",
                                                       "verzuim geoorloofd", "afwezig met reden",
                                                       "geoorloofde afwezigheid"),
           hint="Uren afwezig met een geldige reden."),
    Column("ongeoorloofd", "Ongeoorloofd verzuim (uren)", ("ongeoorloofd", "ongeoorloofd afwezig",
                                                           "ongeoorloofd verzuim", "verzuim ongeoorloofd",
                                                           "afwezig zonder reden", "ongeoorloofde afwezigheid"),
           hint="Uren afwezig zonder geldige reden."),
    Column("verzuim_reden", "Reden verzuim", ("reden", "reden afwezigheid", "reden afwezig", "verzuimreden",
                                              "reden van verzuim"),
           hint="Verplicht als er verzuim is. Een van de redenen op dit blad, of uw eigen woord als u dat "
                "één keer aan onze lijst koppelt."),
    Column("milestone", "Afronding", ("mijlpaal", "soort afronding", "afronding soort"),
           hint="Alleen voor een afronding: MAP-eindgesprek gevoerd, PVT ondertekend, Taalschakeltraject "
                "afgerond, Niet voltooid, Uitslag tussentijdse toets, Voortgangsnotitie, Belemmerende "
                "omstandigheid. Laat dan de uren leeg."),
    Column("event_date", "Datum afronding", ("afrondingsdatum", "datum eindgesprek", "datum ondertekening",
                                             "datum mijlpaal"),
           hint="De datum van de afronding (eindgesprek, ondertekening), bijvoorbeeld 14-10-2026."),
    Column("verwijtbaar", "Verwijtbaar", ("niet voltooid verwijtbaar",),
           hint="Alleen bij Niet voltooid: ja of nee."),
    Column("uitslag", "Uitslag", ("toetsuitslag", "uitslag toets"), hint="Alleen bij een tussentijdse toets."),
    Column("toelichting", "Toelichting", ("opmerking", "opmerkingen", "notitie", "toelichting verzuim"),
           hint="Wat de gemeente moet weten. Bij Niet voltooid: de reden."),
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
    "verzuim_reden": _aliases(VerzuimReden, {
        "ziekte": "ziek", "ziekmelding": "ziek", "huisarts": "medisch", "tandarts": "medisch",
        "ziekenhuis": "medisch", "dokter": "medisch", "medisch": "medisch", "ind": "instantie",
        "gemeente": "instantie", "uwv": "instantie", "instantie": "instantie", "werk": "werk",
        "familie": "familie", "familieomstandigheden": "familie", "verlof": "verlof", "vervoer": "vervoer",
        "zonder bericht": "zonder_bericht", "geen bericht": "zonder_bericht", "onbekend": "zonder_bericht",
        "overig": "overig", "overige": "overig", "anders": "overig"}),
    "kind": _aliases(HourKind, {
        "taal": "taal_knm", "knm": "taal_knm", "taal knm": "taal_knm", "nt2": "taal_knm", "les": "taal_knm",
        "participatie": "participatie_activiteiten", "taalles participatie": "participatie_taalles",
        "brede intake": "brede_intake", "intake": "brede_intake"}),
    "milestone": _aliases(MilestoneKind, {
        "map": "map_eindgesprek", "map eindgesprek": "map_eindgesprek", "eindgesprek": "map_eindgesprek",
        "eindgesprek map": "map_eindgesprek", "pvt": "pvt_ondertekening", "pvt ondertekend": "pvt_ondertekening",
        "ondertekening pvt": "pvt_ondertekening", "pvt ondertekening": "pvt_ondertekening",
        "taalschakeltraject": "taalschakeltraject_afgerond", "niet voltooid": "niet_voltooid",
        "gestopt": "niet_voltooid", "toets": "tussentijdse_toets", "tussentijdse toets": "tussentijdse_toets",
        "voortgang": "voortgang", "belemmering": "belemmering"}),
}
VALUE_ENUMS: dict[str, type[StrEnum]] = {"verzuim_reden": VerzuimReden, "kind": HourKind, "milestone": MilestoneKind}
YES_NO = {"ja": True, "j": True, "yes": True, "true": True, "waar": True, "1": True,
          "nee": False, "n": False, "no": False, "false": False, "onwaar": False, "0": False}


# --- Batch states ----------------------------------------------------------------------------------

class BatchStatus(StrEnum):
    CHECKING = "checking"
    NEEDS_MAPPING = "needs_mapping"
    REFUSED = "refused"
    CHECKED = "checked"
    COMMITTING = "committing"
    COMMITTED = "committed"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


STATUS_LABELS = {
    BatchStatus.CHECKING: "Wordt gecontroleerd",
    BatchStatus.NEEDS_MAPPING: "Kolommen koppelen",
    BatchStatus.REFUSED: "Niet gelezen",
    BatchStatus.CHECKED: "Gecontroleerd, nog niet opgeslagen",
    BatchStatus.COMMITTING: "Wordt opgeslagen",
    BatchStatus.COMMITTED: "Opgeslagen",
    BatchStatus.CANCELLED: "Niet opgeslagen (afgebroken)",
}
BUSY = {BatchStatus.CHECKING, BatchStatus.COMMITTING}


class Outcome(StrEnum):
    NEW = "new"
    CORRECTION = "correction"
    UNCHANGED = "unchanged"
    SKIPPED = "skipped"
    ERROR = "error"


# --- The layout of one file ------------------------------------------------------------------------

@dataclass
class Layout:
    """Where our columns are in this file, under which of its headers, and its own words for our values."""
    positions: dict[str, int]
    headers: dict[str, str]                         # column key → the header as the file writes it
    values: dict[str, dict[str, str]]               # column key → normalised value → our code
    match: HeaderMatch
    unknown: dict[str, list[str]] = field(default_factory=dict)   # column key → own words not yet placed
    plain_keys: bool = False                        # API rows: name columns by our keys, not Dutch headers

    @classmethod
    def of(cls, header: list[str], saved_columns: dict[str, str] | None = None,
           saved_values: dict[str, dict[str, str]] | None = None) -> "Layout":
        match = match_headers(header, COLUMNS, saved_columns)
        values = {key: {**aliases, **(saved_values or {}).get(key, {})} for key, aliases in VALUE_ALIASES.items()}
        return cls(positions=match.positions, headers={k: header[i] for k, i in match.positions.items()},
                   values=values, match=match)

    def problems(self) -> list[str]:
        """Why this file cannot be read with this layout (Dutch), or [] when it can."""
        found = set(self.positions)
        out = []
        for key, headers in self.match.conflicts:
            out.append(f"De kolommen {', '.join(repr(h) for h in headers)} betekenen allemaal "
                       f"'{COLUMN_BY_KEY[key].header}'. Laat er één over, of koppel de andere aan iets anders.")
        if "bsn" not in found and not any(k == "bsn" for k, _ in self.match.conflicts):
            out.append("Er is geen kolom met het BSN.")
        has_hours = bool(found & set(HOUR_KEYS))
        has_milestones = "milestone" in found
        if not has_hours and not has_milestones:
            out.append("Er is geen kolom met uren (Aanwezig, Geoorloofd verzuim, Ongeoorloofd verzuim) en geen "
                       "kolom Afronding.")
        if has_hours and not {"period_start", "period_end"} <= found:
            missing = [COLUMN_BY_KEY[k].header for k in ("period_start", "period_end") if k not in found]
            out.append("Bij uren hoort een periode: de kolom " + " en ".join(f"'{m}'" for m in missing)
                       + " ontbreekt.")
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


# --- One row → one line ----------------------------------------------------------------------------

@dataclass(slots=True)
class Line:
    number: int
    bsn: str | None = None
    is_milestone: bool = False
    kind: HourKind | None = None
    start: date | None = None
    end: date | None = None
    attended: int = 0
    geoorloofd: int = 0
    ongeoorloofd: int = 0
    reden: VerzuimReden | None = None
    milestone: MilestoneKind | None = None
    event_date: date | None = None
    verwijtbaar: bool | None = None
    uitslag: str = ""
    toelichting: str = ""
    # filled in by the plan
    outcome: Outcome = Outcome.NEW
    errors: list[tuple[str, str]] | None = None       # (column key, message)
    warnings: list[tuple[str, str]] | None = None
    person: dict[str, Any] | None = None
    enrollment: dict[str, Any] | None = None
    previous: dict[str, Any] | None = None

    def error(self, key: str | None, message: str) -> None:
        if self.errors is None:
            self.errors = []
        self.errors.append((key or "", message))
        self.outcome = Outcome.ERROR

    def warn(self, key: str | None, message: str) -> None:
        if self.warnings is None:
            self.warnings = []
        self.warnings.append((key or "", message))

    @property
    def followed(self) -> int:
        return self.attended + self.geoorloofd + self.ongeoorloofd

    @property
    def period(self) -> Period:
        return Period(self.start, self.end)

    def report(self) -> HourReport:
        return HourReport(self.kind, Period(self.start, self.end), self.attended, self.geoorloofd,
                          self.ongeoorloofd, self.reden)


@lru_cache(maxsize=8192)
def _hours(raw: Any, key: str) -> int:
    return parse_hours(raw, key)


@lru_cache(maxsize=4096)
def _date_text(raw: str, key: str) -> date:
    return _parse_date_text(raw, key)


def _date(raw: Any, key: str) -> date | None:
    if raw is None:
        return None
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    if isinstance(raw, (int, float)):
        raise RuleError(f"'{raw}' is geen datum. Schrijf bijvoorbeeld 31-10-2026 (of maak van de cel een datum).", key)
    return _date_text(str(raw), key)


@lru_cache(maxsize=65536)
def _bsn(raw: str) -> str:
    return normalise_bsn(raw)


def _text(raw: Any) -> str:
    if raw is None:
        return ""
    if isinstance(raw, datetime):
        return f"{raw:%d-%m-%Y}"
    return str(raw).strip()


def _choice(raw: Any, key: str, layout: Layout) -> str | None:
    text = _text(raw)
    if not text:
        return None
    known = layout.values[key]
    code = known.get(text)
    if code is None:
        code = known.get(normalise_header(text))
        if code is not None:
            known[text] = code   # the same word as written: found without normalising next time
    if code is None:
        seen = layout.unknown.setdefault(key, [])
        if text not in seen and len(seen) < 50:
            seen.append(text)
        what = {"verzuim_reden": "Deze reden", "kind": "Deze soort uren", "milestone": "Deze afronding"}[key]
        raise RuleError(f"{what} ('{text}') staat niet in de lijst. Gebruik een woord uit de lijst op het blad "
                        "Uitleg, of koppel uw eigen woord één keer aan onze lijst (Kolommen en waarden koppelen).",
                        key)
    return code


FORMULA_MESSAGE = ("In deze cel staat een formule ({}). Regie rekent formules niet uit: zet de uitkomst als gewone "
                   "waarde in de cel (in Excel: Plakken speciaal, Waarden).")


def parse_row(row: Row, layout: Layout) -> Line:
    """One row of the file as typed values; every problem is noted with its column, nothing is raised."""
    line = Line(row.number)
    if row.error:
        line.error("", row.error)
        return line
    values = row.values
    cells = {key: values[i] for key, i in layout.positions.items()}
    for key, value in cells.items():
        if type(value) is str and value[0] == "=" and cell_is_formula(value):
            line.error(key, FORMULA_MESSAGE.format(value[:40]))
            cells[key] = None
    get = cells.get

    raw = get("bsn")
    if raw is None:
        if line.errors is None:
            line.error("bsn", "Vul het BSN in.")
    else:
        try:
            line.bsn = _bsn(str(raw))
        except RuleError as e:
            line.error("bsn", e.message)
    milestone = _take(line, get("milestone"), "milestone", _choice, layout)
    line.toelichting = _text(get("toelichting"))
    if milestone:
        line.is_milestone = True
        line.milestone = MilestoneKind(milestone)
        if any(get(k) not in (None, 0) for k in HOUR_KEYS):
            line.error("milestone", "Een regel is óf uren óf een afronding. Zet de afronding op een eigen regel.")
        line.event_date = _take(line, get("event_date"), "event_date", _date)
        if line.event_date is None and get("event_date") is None:
            line.error("event_date", "Vul de datum van de afronding in.")
        verwijtbaar = _text(get("verwijtbaar")).lower()
        if verwijtbaar:
            if verwijtbaar not in YES_NO:
                line.error("verwijtbaar", f"Vul bij Verwijtbaar ja of nee in (niet '{verwijtbaar}').")
            else:
                line.verwijtbaar = YES_NO[verwijtbaar]
        line.uitslag = _text(get("uitslag"))
        return line
    kind = _take(line, get("kind"), "kind", _choice, layout)
    line.kind = HourKind(kind) if kind else None
    start, end = get("period_start"), get("period_end")
    line.start = _take(line, start, "period_start", _date)
    line.end = _take(line, end, "period_end", _date)
    if (start is None or end is None) and not line.errors:
        line.error("period_start" if start is None else "period_end", "Vul de periode in: de eerste en de laatste dag.")
    for key in HOUR_KEYS:
        raw = get(key)
        if raw is not None:
            try:
                setattr(line, key, _hours(raw, key))
            except RuleError as e:
                line.error(e.field or key, e.message)
    reden = _take(line, get("verzuim_reden"), "verzuim_reden", _choice, layout)
    line.reden = VerzuimReden(reden) if reden else None
    return line


def _take(line: Line, raw: Any, key: str, fn, *args):
    """fn(raw, key, ...) or None; a RuleError is noted on the line under its field."""
    if raw is None:
        return None
    try:
        return fn(raw, key, *args)
    except RuleError as e:
        line.error(e.field or key, e.message)
        return None


# --- The plan for a whole file ---------------------------------------------------------------------

@dataclass
class Context:
    """What the plan needs from the database, loaded once per file."""
    today: date
    people: dict[str, tuple[dict[str, Any], list[dict[str, Any]]]]        # bsn → person, open enrollments here
    hours: dict[tuple[int, str], list[dict[str, Any]]]                      # (enrollment, kind) → current records
    milestones: dict[tuple[int, str], dict[str, Any]]                       # (enrollment, kind) → current completion


NOT_HERE = ("Dit BSN hoort niet bij iemand die nu bij uw organisatie is ingeschreven. Controleer het BSN; "
            "staat het goed, vraag dan de gemeente om de inschrijving.")
SKIPPED_ZERO = "Geen uren en geen verzuim: er is niets te melden. Deze regel slaan we over."


def _pick_hours_enrollment(line: Line, enrollments: list[dict[str, Any]]) -> dict[str, Any] | None:
    if line.kind is None:
        components = {e["component"] for e in enrollments if HOUR_KINDS_BY_COMPONENT[e["component"]]}
        if len(components) == 1:
            line.kind = HOUR_KINDS_BY_COMPONENT[components.pop()][0]
        elif not components:
            line.error("kind", "Voor deze persoon kunt u geen uren melden: de inschrijving bij uw organisatie is "
                               f"voor {enrollments[0]['component'].label}.")
            return None
        else:
            line.error("kind", "Deze persoon heeft bij u meer dan één inschrijving waarop uren passen. Vul de kolom "
                               "'Soort uren' in.")
            return None
    candidates = [e for e in enrollments if line.kind in HOUR_KINDS_BY_COMPONENT[e["component"]]] or enrollments[:1]
    for e in candidates:
        if e["start"] <= line.start and (e["end"] is None or line.end <= e["end"]):
            return e
    return candidates[0]


def _pick_milestone_enrollment(line: Line, enrollments: list[dict[str, Any]]) -> dict[str, Any]:
    candidates = [e for e in enrollments if line.milestone in MILESTONES_BY_COMPONENT[e["component"]]]
    return (candidates or enrollments)[0]


def _plan_hours(line: Line, person: dict[str, Any], enrollments: list[dict[str, Any]], ctx: Context,
                in_file: dict[tuple[int, str], list[Line]]) -> None:
    if line.followed == 0:
        line.outcome = Outcome.SKIPPED
        line.warn("attended", SKIPPED_ZERO)
        return
    enrollment = _pick_hours_enrollment(line, enrollments)
    if enrollment is None:
        return
    line.enrollment = enrollment
    report = line.report()
    try:
        check_may_report_hours(enrollment["component"], line.kind, Doelgroep(person["doelgroep"]))
        check_period(report.period, ctx.today, enrollment["start"], enrollment["end"])
        check_hour_amounts(report)
    except RuleError as e:
        line.error(e.field, e.message)
        return
    if line.reden is VerzuimReden.ZONDER_BERICHT and line.geoorloofd and not line.ongeoorloofd:
        line.warn("verzuim_reden", "'Zonder bericht afwezig' is ongeoorloofd verzuim, maar deze regel heeft alleen "
                                   "geoorloofd verzuim. Klopt dat? Zo niet: zet de uren bij ongeoorloofd verzuim.")
    elif line.reden is not None and not (line.geoorloofd or line.ongeoorloofd):
        line.warn("verzuim_reden", "Er staat een reden van verzuim, maar geen verzuim. De reden wordt wel bewaard.")
    key = (enrollment["id"], line.kind.value)
    for other in in_file.get(key, ()):
        if other.start <= line.end and line.start <= other.end:
            same = (other.start, other.end) == (line.start, line.end)
            message = ("Dubbel: regel {n} meldt voor deze persoon dezelfde soort uren over dezelfde periode. "
                       "Laat één regel over." if same else
                       "Deze periode overlapt met regel {n} in dit bestand. Uren zouden dan dubbel tellen.")
            line.error("period_start", message.format(n=other.number))
            other.error("period_start", message.format(n=line.number))
            return
    in_file.setdefault(key, []).append(line)
    values = hour_values(report, line.toelichting)
    try:
        line.previous = previous_report(ctx.hours.get(key, ()), report.period, values)
    except NothingChanged:
        line.outcome = Outcome.UNCHANGED
        return
    except RuleError as e:
        line.error(e.field, e.message)
        return
    line.outcome = Outcome.CORRECTION if line.previous else Outcome.NEW


def _plan_milestone(line: Line, person: dict[str, Any], enrollments: list[dict[str, Any]], ctx: Context,
                    in_file: dict[tuple[int, str], list[Line]]) -> None:
    enrollment = _pick_milestone_enrollment(line, enrollments)
    line.enrollment = enrollment
    try:
        check_may_report_milestone(enrollment["component"], line.milestone,
                                   Leerroute(person["leerroute"]) if person["leerroute"] else None)
        check_event_date(line.event_date, ctx.today, enrollment["start"])
        check_milestone_fields(line.milestone, line.verwijtbaar, line.uitslag, line.toelichting)
    except RuleError as e:
        line.error(e.field, e.message)
        return
    key = (enrollment["id"], line.milestone.value)
    values = milestone_values(line.event_date, line.verwijtbaar, line.uitslag, line.toelichting)
    try:
        line.previous = previous_milestone(line.milestone, ctx.milestones.get(key), values)
    except NothingChanged:
        line.outcome = Outcome.UNCHANGED
        return
    if line.milestone in SINGLE_MILESTONES:
        for other in in_file.get(key, ()):
            message = "Dubbel: regel {n} meldt voor deze persoon dezelfde afronding. Laat één regel over."
            line.error("milestone", message.format(n=other.number))
            other.error("milestone", message.format(n=line.number))
            return
        in_file.setdefault(key, []).append(line)
    line.outcome = Outcome.CORRECTION if line.previous else Outcome.NEW


def plan(lines: Iterable[Line], ctx: Context) -> list[Line]:
    """Judge every line against the database (`ctx`) and the rest of the file; returns the lines."""
    hours_seen: dict[tuple[int, str], list[Line]] = {}
    milestones_seen: dict[tuple[int, str], list[Line]] = {}
    out = []
    for line in lines:
        out.append(line)
        found = ctx.people.get(line.bsn)
        if found is None:
            if line.bsn is not None:   # a row with other errors still hears that its person is unknown
                line.error("bsn", NOT_HERE)
            continue
        if line.outcome is Outcome.ERROR:
            line.person = found[0]
            continue
        person, enrollments = found
        line.person = person
        if line.is_milestone:
            _plan_milestone(line, person, enrollments, ctx, milestones_seen)
        else:
            _plan_hours(line, person, enrollments, ctx, hours_seen)
    return out


def date_range(lines: Iterable[Line]) -> tuple[date, date] | None:
    starts = [line.start for line in lines if line.start and line.end]
    if not starts:
        return None
    return min(starts), max(line.end for line in lines if line.start and line.end)


# --- What the preview shows --------------------------------------------------------------------------

def describe_change(line: Line) -> str:
    """Old → new, in words: 'Aanwezig 36,75 → 40 uur; reden Ziek → Werk'."""
    old = line.previous or {}
    if line.is_milestone:
        parts = []
        if old.get("event_date") != line.event_date:
            parts.append(f"datum {old.get('event_date'):%d-%m-%Y} → {line.event_date:%d-%m-%Y}")
        if old.get("verwijtbaar") != line.verwijtbaar:
            parts.append(f"verwijtbaar {_yes(old.get('verwijtbaar'))} → {_yes(line.verwijtbaar)}")
        if (old.get("toelichting") or "") != line.toelichting.strip():
            parts.append("toelichting gewijzigd")
        if (old.get("uitslag") or "") != line.uitslag.strip():
            parts.append(f"uitslag {old.get('uitslag') or '-'} → {line.uitslag or '-'}")
        return f"{line.milestone.label}: " + ("; ".join(parts) or "gewijzigd")
    parts = []
    for label, key, new in (("aanwezig", "attended_minutes", line.attended),
                            ("geoorloofd verzuim", "geoorloofd_minutes", line.geoorloofd),
                            ("ongeoorloofd verzuim", "ongeoorloofd_minutes", line.ongeoorloofd)):
        if old.get(key) != new:
            parts.append(f"{label} {format_hours(old.get(key))} → {format_hours(new)} uur")
    new_reden = line.reden.value if line.reden else None
    if old.get("verzuim_reden") != new_reden:
        old_label = VerzuimReden(old["verzuim_reden"]).label if old.get("verzuim_reden") else "geen"
        parts.append(f"reden {old_label} → {line.reden.label if line.reden else 'geen'}")
    if (old.get("toelichting") or "") != line.toelichting:
        parts.append("toelichting gewijzigd")
    return (f"{line.kind.label} {line.start:%d-%m-%Y} t/m {line.end:%d-%m-%Y}: " + "; ".join(parts))


def _yes(value: bool | None) -> str:
    return {True: "ja", False: "nee"}.get(value, "-")


@dataclass
class Totals:
    rows: int = 0
    new: int = 0
    corrected: int = 0
    unchanged: int = 0
    skipped: int = 0
    errors: int = 0
    persons: int = 0
    minutes: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)

    @property
    def to_store(self) -> int:
        return self.new + self.corrected

    def fingerprint(self) -> list[int]:
        return [self.rows, self.new, self.corrected, self.unchanged, self.skipped, self.errors]


def totals(lines: list[Line]) -> Totals:
    t = Totals(rows=len(lines))
    persons = set()
    by_kind: dict[str, int] = defaultdict(int)
    for line in lines:
        outcome = line.outcome
        if outcome is Outcome.ERROR:
            t.errors += 1
            continue
        if outcome is Outcome.SKIPPED:
            t.skipped += 1
            continue
        if outcome is Outcome.NEW:
            t.new += 1
        elif outcome is Outcome.CORRECTION:
            t.corrected += 1
        else:
            t.unchanged += 1
        persons.add(line.person["id"])
        if not line.is_milestone:
            t.minutes += line.followed
            by_kind[line.kind.value] += line.followed
    t.persons = len(persons)
    t.by_kind = dict(by_kind)
    return t


def issues(lines: list[Line], layout: Layout) -> Iterator[tuple[int, str, str, str, int | None]]:
    """(row, kind, column header, message, person id) for the preview and the error file."""
    for line in lines:
        person_id = line.person["id"] if line.person else None
        if line.errors:
            for key, message in line.errors:
                yield line.number, "error", layout.column(key), message, person_id
        if line.warnings:
            kind = "skipped" if line.outcome is Outcome.SKIPPED else "warning"
            for key, message in line.warnings:
                yield line.number, kind, layout.column(key), message, person_id
        if line.outcome is Outcome.CORRECTION:
            yield line.number, "correction", "", describe_change(line), person_id
