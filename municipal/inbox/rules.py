"""Pure rules of the inbox: item kinds, the status table, signals from events, routing, deadlines.

No I/O. Every function takes plain facts and returns a decision, so each rule is unit-tested alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from municipal.dossier.rules import aanbod_deadline
from municipal.errors import TransitionError
from shared.calendar import add_working_days, term_fraction
from shared.events import HoursPayload, MilestonePayload
from shared.hours import AFSCHALEN_MINUTES, Z_ROUTE_LANGUAGE_MINUTES, Z_ROUTE_PARTICIPATION_MINUTES, format_hours
from shared.vocab import Doelgroep, HourKind, Leerroute, MilestoneKind

DUO_TERM_WORKING_DAYS = 10  # §4.4: register with DUO at most 10 working days after the event


class ItemKind(StrEnum):
    REGISTREER_MAP = "registreer_map"
    REGISTREER_PVT = "registreer_pvt"
    REGISTREER_ZROUTE = "registreer_zroute"
    AFSCHALEN_VOORAF = "afschalen_vooraf"
    AFSCHALEN = "afschalen"
    Z_TAAL_800 = "z_taal_800"
    Z_PARTICIPATIE_800 = "z_participatie_800"
    HANDHAVING_VERZUIM = "handhaving_verzuim"
    HANDHAVING_VERWIJTBAAR = "handhaving_verwijtbaar"
    VOORTGANG_ACHTER = "voortgang_achter"
    BESPREKEN = "bespreken"
    VERTRAAGDE_START = "vertraagde_start"
    # Issue 12 (handhaving): three no-shows at the brede intake.
    HANDHAVING_INTAKE = "handhaving_intake"
    # Issue 11 (DUO's notifications, municipal/duo/events.py): what DUO tells the gemeente.
    DUO_BREDE_INTAKE = "duo_brede_intake"
    DUO_PIP_OVERNEMEN = "duo_pip_overnemen"
    DUO_DOELGROEP = "duo_doelgroep"
    DUO_PLICHT_EINDE = "duo_plicht_einde"
    DUO_VERTROKKEN = "duo_vertrokken"
    DUO_GEEN_LEERROUTE = "duo_geen_leerroute"
    DUO_GEEN_AANBOD = "duo_geen_aanbod"
    DUO_ZROUTE_AFGEROND = "duo_zroute_afgerond"
    DUO_UITSLAG = "duo_uitslag"
    DUO_MELDING = "duo_melding"
    DUO_AFWIJKING = "duo_afwijking"  # what DUO reports differs from what we sent (municipal/duo/reconcile.py)

    @property
    def label(self) -> str:
        return ITEM_TITLES[self]

    @property
    def for_duo(self) -> bool:
        return self in DUO_KINDS

    @property
    def has_duo_view(self) -> bool:
        """Something of this item is registered with DUO (its DUO page, "Verstuur naar DUO")."""
        return self in DUO_KINDS or self in DUO_PIP_KINDS or self in DUO_AANBOD_KINDS


ITEM_TITLES = {
    ItemKind.REGISTREER_MAP: "Registreer MAP-datum bij DUO",
    ItemKind.REGISTREER_PVT: "Registreer PVT-datum bij DUO",
    ItemKind.REGISTREER_ZROUTE: "Registreer afronding Z-route bij DUO",
    ItemKind.AFSCHALEN_VOORAF: "Bijna 600 uur taal: bereid beoordeling afschalen voor",
    ItemKind.AFSCHALEN: "Beoordeel afschalen naar A2",
    ItemKind.Z_TAAL_800: "Z-route: 800 uur taal bereikt, registreer uren bij DUO",
    ItemKind.Z_PARTICIPATIE_800: "Z-route: 800 uur participatie bereikt, registreer uren bij DUO",
    ItemKind.HANDHAVING_VERZUIM: "Beoordeel handhaving (ongeoorloofd verzuim)",
    ItemKind.HANDHAVING_VERWIJTBAAR: "Beoordeel handhaving (verwijtbaar niet voltooid)",
    ItemKind.VOORTGANG_ACHTER: "Voortgang blijft achter",
    ItemKind.BESPREKEN: "Bespreek in voortgangsgesprek",
    ItemKind.VERTRAAGDE_START: "Vertraagde start: aanbod niet binnen 3 maanden na PIP",
}

# Issue 12 (handhaving): its own block, so other kinds can be added beside it without a conflict.
ITEM_TITLES[ItemKind.HANDHAVING_INTAKE] = "Beoordeel handhaving (niet verschenen op de brede intake)"

# Issue 11 (DUO's notifications): its own block too.
ITEM_TITLES.update(
    {
        ItemKind.DUO_BREDE_INTAKE: "DUO: inburgeringsplichtig, start de brede intake",
        ItemKind.DUO_PIP_OVERNEMEN: "DUO: gevestigd met PIP van de vorige gemeente",
        ItemKind.DUO_DOELGROEP: "DUO: doelgroep gewijzigd, controleer het dossier",
        ItemKind.DUO_PLICHT_EINDE: "DUO: inburgeringsplicht beëindigd",
        ItemKind.DUO_VERTROKKEN: "DUO: vertrokken uit de gemeente",
        ItemKind.DUO_GEEN_LEERROUTE: "DUO-signaal: na 10 weken geen leerroute",
        ItemKind.DUO_GEEN_AANBOD: "DUO-signaal: nog geen inburgeringsaanbod",
        ItemKind.DUO_ZROUTE_AFGEROND: "DUO: Z-route afgerond",
        ItemKind.DUO_UITSLAG: "DUO: uitslag bekend",
        ItemKind.DUO_MELDING: "DUO-melding: bekijk en handel af",
        ItemKind.DUO_AFWIJKING: "Gegevens bij DUO wijken af",
    }
)

DUO_KINDS = {
    ItemKind.REGISTREER_MAP,
    ItemKind.REGISTREER_PVT,
    ItemKind.REGISTREER_ZROUTE,
    ItemKind.AFSCHALEN,
    ItemKind.Z_TAAL_800,
    ItemKind.Z_PARTICIPATIE_800,
    ItemKind.HANDHAVING_VERWIJTBAAR,
}
# Issue 11: registrations a gemeente may let Regie send without a click (its setting on "Koppeling met DUO",
# InboxSettings.duo_automatisch): facts reported by a provider, no judgement of the regisseur in them. Not
# afschalen (a decision on the PIP) nor verwijtbaar (a judgement). The label is what the setting shows.
AUTO_DUO_KINDS: dict[ItemKind, str] = {
    ItemKind.REGISTREER_MAP: "MAP-datum (eindgesprek)",
    ItemKind.REGISTREER_PVT: "PVT-datum (ondertekening)",
    ItemKind.REGISTREER_ZROUTE: "Afronding Z-route",
    ItemKind.Z_TAAL_800: "Gevolgde uren taal (Z-route)",
    ItemKind.Z_PARTICIPATIE_800: "Gevolgde uren participatie (Z-route)",
}


def auto_duo_kinds(stored: str) -> set[ItemKind]:
    """The kinds in InboxSettings.duo_automatisch ("registreer_map,registreer_pvt"); unknown parts are
    ignored (a kind taken out of AUTO_DUO_KINDS stops being sent automatically)."""
    return {ItemKind(part) for part in stored.split(",") if part in {k.value for k in AUTO_DUO_KINDS}}


# Issue 11: items from DUO's notifications whose answer is a PIP registered with DUO. They have a DUO view,
# but their deadline is the gemeente's own handling term, not DUO's 10 working days (so not in DUO_KINDS).
DUO_PIP_KINDS = {ItemKind.DUO_BREDE_INTAKE, ItemKind.DUO_PIP_OVERNEMEN, ItemKind.DUO_GEEN_LEERROUTE}
# Issue 11: items whose answer is the inburgeringsaanbod registered with DUO (Inburgeringsaanbod API): DUO's
# signal SS127 and the inbox's own "vertraagde start" (the offer came later than 3 months after the PIP).
DUO_AANBOD_KINDS = {ItemKind.DUO_GEEN_AANBOD, ItemKind.VERTRAAGDE_START}


# --- Statuses: one readable table --------------------------------------------------------------------


class Status(StrEnum):
    NIEUW = "nieuw"
    IN_BEHANDELING = "in_behandeling"
    AFGEHANDELD = "afgehandeld"

    @property
    def label(self) -> str:
        return {"nieuw": "Nieuw", "in_behandeling": "In behandeling", "afgehandeld": "Afgehandeld"}[self.value]


class Outcome(StrEnum):
    GEREGISTREERD = "geregistreerd"  # registered with DUO on a date
    GEEN_ACTIE = "geen_actie"  # no action needed: a reason is required
    DOORGEZET = "doorgezet"  # passed on: to whom is required

    @property
    def label(self) -> str:
        return {"geregistreerd": "Geregistreerd bij DUO", "geen_actie": "Geen actie nodig", "doorgezet": "Doorgezet"}[
            self.value
        ]


ALLOWED_STATUS_CHANGES: dict[Status, set[Status]] = {
    # claim it, or close it straight away (bulk "geen actie nodig" at 9 in the morning)
    Status.NIEUW: {Status.IN_BEHANDELING, Status.AFGEHANDELD},
    # finish it, or give it back to the queue
    Status.IN_BEHANDELING: {Status.AFGEHANDELD, Status.NIEUW},
    # reopen: by hand, or because the source was corrected
    Status.AFGEHANDELD: {Status.NIEUW},
}


def check_transition(current: Status, new: Status) -> None:
    if new not in ALLOWED_STATUS_CHANGES[current]:
        raise TransitionError(f"Van '{current.label}' naar '{new.label}' kan niet.")


OUTCOME_TEXT_MAX = 2000  # characters of a reason or recipient: a sentence or two, not a document


def check_outcome(outcome: Outcome, *, registered_on: date | None, reason: str, forwarded_to: str, today: date) -> None:
    """Whether an item may be closed this way. Raises TransitionError on the field that is missing, in the
    future or longer than OUTCOME_TEXT_MAX characters."""
    for name, text in (("reason", reason), ("forwarded_to", forwarded_to)):
        if len(text) > OUTCOME_TEXT_MAX:
            raise TransitionError(f"Houd dit korter dan {OUTCOME_TEXT_MAX} tekens.", name)
    if outcome is Outcome.GEREGISTREERD:
        if registered_on is None:
            raise TransitionError("Vul de datum in waarop u het bij DUO registreerde.", "registered_on")
        if registered_on > today:
            raise TransitionError("De registratiedatum ligt in de toekomst.", "registered_on")
    if outcome is Outcome.GEEN_ACTIE and not reason.strip():
        raise TransitionError("Geef een reden waarom geen actie nodig is.", "reason")
    if outcome is Outcome.DOORGEZET and not forwarded_to.strip():
        raise TransitionError("Vul in aan wie u het heeft doorgezet.", "forwarded_to")


# --- Settings ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Thresholds:
    afschalen_vooraf_uren: int = 550
    verzuim_drempel_uren: int = 8
    verzuim_herhaald_perioden: int = 3
    achterstand_procent: int = 25
    behandeltermijn_werkdagen: int = 10


# --- Signals: from an event to the items it asks for ----------------------------------------------------


@dataclass(frozen=True)
class Person:
    id: int
    doelgroep: Doelgroep
    leerroute: Leerroute | None
    intensiteit_uren: int | None
    pip_dagtekening: date | None
    datum_inburgeringsaanbod: date | None


@dataclass(frozen=True)
class Totals:
    """Followed minutes (attended + verzuim) over all current records of the person."""

    language: int = 0
    participation: int = 0
    # ongeoorloofd minutes per period start, newest first, for "repeated" verzuim
    unexcused_periods: tuple[tuple[date, int], ...] = ()


@dataclass(frozen=True)
class Signal:
    kind: ItemKind
    key: str
    event_date: date
    refs: dict[str, Any] = field(default_factory=dict)
    detail: str = ""
    organisation_id: int | None = None


@dataclass(frozen=True)
class Evaluation:
    """What an event asks for: items to create or update, and keys whose reason no longer holds."""

    signals: list[Signal]
    withdrawn: list[str]


def _hours(minutes: int) -> str:
    return format_hours(minutes)


def milestone_signals(payload: MilestonePayload, person: Person) -> Evaluation:
    kind = MilestoneKind(payload.kind)
    day = payload.event_date
    enrollment, org = payload.enrollment_id, payload.organisation_id
    refs = {"milestone": [payload.milestone_id]}
    component = payload.component
    out: list[Signal] = []
    if kind is MilestoneKind.MAP_EINDGESPREK:
        out.append(
            Signal(ItemKind.REGISTREER_MAP, f"map:{enrollment}", day, refs, f"MAP-eindgesprek op {day:%d-%m-%Y}", org)
        )
    elif kind is MilestoneKind.PVT_ONDERTEKENING:
        out.append(
            Signal(ItemKind.REGISTREER_PVT, f"pvt:{enrollment}", day, refs, f"PVT ondertekend op {day:%d-%m-%Y}", org)
        )
    elif kind is MilestoneKind.ZROUTE_AFGEROND:
        out.append(
            Signal(
                ItemKind.REGISTREER_ZROUTE, f"zroute:{person.id}", day, refs, f"Z-route afgerond op {day:%d-%m-%Y}", org
            )
        )
    elif kind is MilestoneKind.NIET_VOLTOOID:
        if payload.verwijtbaar:
            out.append(
                Signal(
                    ItemKind.HANDHAVING_VERWIJTBAAR,
                    f"verwijtbaar:{enrollment}",
                    day,
                    {**refs, "component": component},
                    f"{component.upper()} verwijtbaar niet voltooid ({day:%d-%m-%Y})",
                    org,
                )
            )
        else:
            return Evaluation([], [f"verwijtbaar:{enrollment}"])
    elif kind is MilestoneKind.BELEMMERING:
        out.append(
            Signal(
                ItemKind.BESPREKEN,
                f"belemmering:{payload.milestone_id}",
                day,
                refs,
                "Belemmerende omstandigheid gemeld door de aanbieder",
                org,
            )
        )
    return Evaluation(out, [])


def intake_signals(no_shows: int, person: Person, event_date: date) -> Evaluation:
    """Three no-shows at the brede intake: the PIP is set unilaterally and handhaving starts (§3.4.2)."""
    if no_shows < 3:
        return Evaluation([], [])
    return Evaluation(
        [
            Signal(
                ItemKind.HANDHAVING_INTAKE,
                f"intake-no-shows:{person.id}",
                event_date,
                {},
                f"{no_shows} keer niet verschenen op de oproep voor de brede intake",
            )
        ],
        [],
    )


def hour_signals(
    payload: HoursPayload, person: Person, totals: Totals, thresholds: Thresholds, today: date
) -> Evaluation:
    """Threshold crossings, verzuim and falling behind, judged on the totals after this report."""
    out: list[Signal] = []
    withdrawn: list[str] = []
    org = payload.organisation_id
    refs = {"hour_record": [payload.record_id]}
    period_end, period_start = payload.period_end, payload.period_start
    kind = HourKind(payload.kind)

    # `text` is made only for a signal: most reports reach no threshold (a big upload judges 100,000 of them).
    def threshold(item: ItemKind, key: str, reached: bool, text: Callable[[], str]) -> None:
        if reached:
            out.append(Signal(item, key, period_end, refs, text(), org))
        else:
            withdrawn.append(key)

    if person.leerroute is Leerroute.B1 and person.doelgroep is Doelgroep.ASIEL:
        vooraf = thresholds.afschalen_vooraf_uren * 60
        threshold(
            ItemKind.AFSCHALEN,
            f"afschalen:{person.id}",
            totals.language >= AFSCHALEN_MINUTES,
            lambda: f"{_hours(totals.language)} uur taalles gevolgd (600 uur is de grens voor afschalen)",
        )
        # The heads-up only before 600: whoever crosses both at once needs the real item, not two.
        if vooraf <= totals.language < AFSCHALEN_MINUTES:
            out.append(
                Signal(
                    ItemKind.AFSCHALEN_VOORAF,
                    f"afschalen-vooraf:{person.id}",
                    period_end,
                    refs,
                    f"{_hours(totals.language)} uur taalles gevolgd; bij 600 uur mag afschalen naar A2",
                    org,
                )
            )
        elif totals.language < vooraf:
            withdrawn.append(f"afschalen-vooraf:{person.id}")
    if person.leerroute is Leerroute.Z:
        threshold(
            ItemKind.Z_TAAL_800,
            f"z-taal-800:{person.id}",
            totals.language >= Z_ROUTE_LANGUAGE_MINUTES,
            lambda: f"{_hours(totals.language)} uur taal gevolgd op de Z-route",
        )
        threshold(
            ItemKind.Z_PARTICIPATIE_800,
            f"z-participatie-800:{person.id}",
            totals.participation >= Z_ROUTE_PARTICIPATION_MINUTES,
            lambda: f"{_hours(totals.participation)} uur participatie gevolgd op de Z-route",
        )

    unexcused = payload.ongeoorloofd_minutes
    verzuim_key = f"verzuim:{payload.enrollment_id}:{kind.value}:{period_start.isoformat()}"
    threshold(
        ItemKind.HANDHAVING_VERZUIM,
        verzuim_key,
        unexcused >= thresholds.verzuim_drempel_uren * 60,
        lambda: f"{_hours(unexcused)} uur ongeoorloofd verzuim van {period_start:%d-%m-%Y} t/m {period_end:%d-%m-%Y}",
    )
    half_year_before = period_start - timedelta(days=183)
    recent = [m for start, m in totals.unexcused_periods if start >= half_year_before]
    repeated = len([m for m in recent if m > 0]) >= thresholds.verzuim_herhaald_perioden
    if repeated and unexcused > 0:
        out.append(
            Signal(
                ItemKind.HANDHAVING_VERZUIM,
                f"verzuim-herhaald:{person.id}:{period_start:%Y-%m}",
                period_end,
                refs,
                f"Herhaald ongeoorloofd verzuim: in {len([m for m in recent if m])} perioden in het laatste half jaar",
                org,
            )
        )

    expected = expected_minutes(person, period_end)
    if expected and totals.language < expected * (100 - thresholds.achterstand_procent) / 100:
        out.append(
            Signal(
                ItemKind.VOORTGANG_ACHTER,
                f"achterstand:{person.id}:{period_end:%Y-%m}",
                period_end,
                refs,
                f"{_hours(totals.language)} uur gevolgd, naar rato van de intensiteit verwacht: "
                f"{_hours(int(expected))} uur",
                org,
            )
        )
    return Evaluation(out, withdrawn)


def expected_minutes(person: Person, on: date) -> float | None:
    """Language minutes expected by `on`, pro rata of the intensiteit over a three-year term from the PIP;
    none while the inburgeringsaanbod may still be starting (the first 3 months, §3.4.4)."""
    if not person.intensiteit_uren or not person.pip_dagtekening or person.leerroute is not Leerroute.B1:
        return None
    if on <= aanbod_deadline(person.pip_dagtekening):
        return None
    return person.intensiteit_uren * 60 * term_fraction(person.pip_dagtekening, on)


def delayed_start_signal(person: Person, today: date) -> Evaluation:
    """The inburgeringsaanbod must follow within 3 months of the PIP (§3.4.4, §4.8)."""
    key = f"vertraagd:{person.id}"
    if person.doelgroep is not Doelgroep.ASIEL or not person.pip_dagtekening:
        return Evaluation([], [key])
    limit = aanbod_deadline(person.pip_dagtekening)
    offer = person.datum_inburgeringsaanbod
    if (offer is None and today > limit) or (offer is not None and offer > limit):
        text = (
            f"PIP van {person.pip_dagtekening:%d-%m-%Y}; "
            + (f"aanbod pas op {offer:%d-%m-%Y}" if offer else f"nog geen aanbod na {limit:%d-%m-%Y}")
            + ". Leg de datum van het aanbod en de reden van de vertraging vast."
        )
        return Evaluation([Signal(ItemKind.VERTRAAGDE_START, key, limit, {}, text)], [])
    return Evaluation([], [key])


def deadline_for(kind: ItemKind, event_date: date, created_on: date, thresholds: Thresholds) -> date:
    """DUO registrations: 10 working days after the event. Everything else: the gemeente's handling term."""
    if kind in {ItemKind.REGISTREER_MAP, ItemKind.REGISTREER_PVT, ItemKind.REGISTREER_ZROUTE}:
        return add_working_days(event_date, DUO_TERM_WORKING_DAYS)
    return add_working_days(created_on, thresholds.behandeltermijn_werkdagen)


# --- Routing ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    id: int
    name: str
    team_id: int
    assignee_id: int | None = None
    kind: str | None = None
    leerroute: str | None = None
    doelgroep: str | None = None
    organisation_id: int | None = None

    def matches(self, item: RoutingFacts) -> bool:
        return all(
            want is None or want == have
            for want, have in (
                (self.kind, item.kind.value),
                (self.leerroute, item.leerroute),
                (self.doelgroep, item.doelgroep),
                (self.organisation_id, item.organisation_id),
            )
        )


@dataclass(frozen=True)
class RoutingFacts:
    kind: ItemKind
    leerroute: str | None
    doelgroep: str | None
    organisation_id: int | None
    regisseur_id: int | None


@dataclass(frozen=True)
class AbsenceFacts:
    user_id: int
    start: date
    end: date
    substitute_id: int | None

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True)
class Routing:
    assignee_id: int | None
    team_id: int | None
    rule_id: int | None
    reason: str


def route(
    item: RoutingFacts,
    rules: list[Rule],
    *,
    default_team_id: int | None,
    absences: list[AbsenceFacts],
    user_team: dict[int, int],
    today: date,
) -> Routing:
    """First matching rule; else the person's regisseur; else the team queue. Nobody who is away gets it."""
    for rule in rules:
        if rule.matches(item):
            return _not_absent(
                rule.assignee_id, rule.team_id, rule.id, f"Volgens de regel '{rule.name}'", absences, today
            )
    if item.regisseur_id is not None:
        return _not_absent(
            item.regisseur_id,
            user_team.get(item.regisseur_id, default_team_id),
            None,
            "Naar de regisseur van de inburgeraar",
            absences,
            today,
        )
    return Routing(
        None,
        default_team_id,
        None,
        "Nog niemand: de inburgeraar heeft geen regisseur en geen regel past. Het item staat in de teamwachtrij, "
        "zodat iemand van het team het oppakt",
    )


def _not_absent(
    assignee: int | None, team: int | None, rule_id: int | None, reason: str, absences: list[AbsenceFacts], today: date
) -> Routing:
    if assignee is None:
        return Routing(None, team, rule_id, reason + ", naar de teamwachtrij")
    away = next((a for a in absences if a.user_id == assignee and a.covers(today)), None)
    if away is None:
        return Routing(assignee, team, rule_id, reason)
    substitute = away.substitute_id
    if substitute is not None and not any(a.user_id == substitute and a.covers(today) for a in absences):
        return Routing(
            substitute, team, rule_id, reason + f"; die is afwezig t/m {away.end:%d-%m-%Y}, dus naar de vervanger"
        )
    return Routing(None, team, rule_id, reason + f"; die is afwezig t/m {away.end:%d-%m-%Y}, dus naar de teamwachtrij")
