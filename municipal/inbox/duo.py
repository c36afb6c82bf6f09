"""What a regisseur registers with DUO for an inbox item: the fields to type into DUO's portal and
the equivalent machine-to-machine request (DUO's published API, municipal/duo/openapi). Pure: facts in,
request out; DUO's own rules are checked first, so we never offer what DUO would refuse."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from municipal.inbox.rules import DUO_PIP_KINDS, ItemKind
from shared.calendar import term_exceeded
from shared.hours import AFSCHALEN_MINUTES, format_hours
from shared.vocab import DUO_LEERROUTE, Leerroute


@dataclass(frozen=True)
class DuoFacts:
    bsn: str
    event_date: date
    term_start: date | None
    leerroute: str | None
    doelgroep: str
    intensiteit_uren: int | None
    language_minutes: int = 0
    participation_minutes: int = 0
    hours_known_until: date | None = None
    component: str | None = None  # for verwijtbaar: which of map/pvt
    # Issue 11: DUO's own term end (Inburgeringstermijn `einddatum`: exclusive, extensions included), as last
    # fetched from DUO; None when not fetched. Never a date we compute (shared.calendar.term_end is a guess).
    duo_term_end: date | None = None
    # The Z-route completion date (the provider's milestone or DUO's): DUO takes no MAP/PVT date after it.
    zroute_completed: date | None = None
    # The regisseur's answer to "verwijtbaar niet tijdig?" for a MAP/PVT registered after the term: "Ja"/"Nee".
    verwijtbaar: str | None = None
    # The PIP in the dossier (issue 11: a DUO notification's item registers it with DUO's PIP API).
    pip_dagtekening: date | None = None
    niveau: str | None = None


@dataclass
class DuoRegistration:
    method: str
    path: str
    body: dict[str, Any]
    portal_fields: list[tuple[str, str]]
    problems: list[str] = field(default_factory=list)
    # Set when the request does not fit DUO's published contract (municipal/duo/contract.py): then nothing
    # of it is offered.
    contract_problem: str = ""
    # A MAP/PVT registered after DUO's term end: DUO refuses it without `verwijtbaar` (Ja/Nee), so the
    # regisseur must choose before it can be sent. The question to ask; "" when none.
    asks_verwijtbaar: str = ""

    @property
    def can_send(self) -> bool:
        return not self.problems and not self.contract_problem and not self.asks_verwijtbaar


def _date_checks(day: date, facts: DuoFacts, today: date) -> list[str]:
    problems = []
    if day > today:
        problems.append("DUO weigert een datum in de toekomst.")
    if facts.term_start and day < facts.term_start:
        problems.append(
            f"DUO weigert een datum vóór de start van de inburgeringstermijn ({facts.term_start:%d-%m-%Y})."
        )
    return problems


def _map_pvt(
    kind: str, field_name: str, label: str, facts: DuoFacts, today: date, base: list[tuple[str, str]]
) -> DuoRegistration:
    """MAP or PVT (MAPPVTZroute.openapi.yml, a PUT replaces the whole resource). DUO's rules (its README):
    not after a Z-route completion date; after the term (DUO's `einddatum`, exclusive) only with
    `verwijtbaar` Ja/Nee."""
    d = facts.event_date
    body: dict[str, Any] = {field_name: d.isoformat()}
    fields = base + [(label, f"{d:%d-%m-%Y}")]
    problems = _date_checks(d, facts, today)
    if facts.zroute_completed and d > facts.zroute_completed:
        problems.append(
            f"DUO weigert een {kind.upper()}-datum na de afronding van de Z-route ({facts.zroute_completed:%d-%m-%Y})."
        )
    registration = DuoRegistration("PUT", f"/personen/{facts.bsn}/{kind}", body, fields, problems)
    if facts.duo_term_end and term_exceeded(facts.duo_term_end, today):
        if facts.verwijtbaar in {"Ja", "Nee"}:
            body["verwijtbaar"] = facts.verwijtbaar
            fields.append((f"{kind.upper()} verwijtbaar niet tijdig", facts.verwijtbaar))
        else:
            last = facts.duo_term_end - timedelta(days=1)
            registration.asks_verwijtbaar = (
                f"De inburgeringstermijn liep volgens DUO tot en met {last:%d-%m-%Y}. DUO neemt de "
                f"{kind.upper()}-datum dan alleen aan met het antwoord op de vraag: is het verwijtbaar dat de "
                f"{kind.upper()} niet op tijd is afgerond?"
            )
    return registration


PIP_KINDS = DUO_PIP_KINDS  # issue 11: the items DUO's notifications make whose answer is a PIP


def _pip(facts: DuoFacts, base: list[tuple[str, str]]) -> DuoRegistration:
    """The dossier's PIP for DUO (PIP.openapi.yml, POST /personen/{bsn}/PIP). The dossier checked DUO's PIP
    rules when it was saved (municipal/dossier/rules.py); without a PIP there is nothing to send yet."""
    path = f"/personen/{facts.bsn}/PIP"
    if facts.pip_dagtekening is None or not facts.leerroute:
        return DuoRegistration(
            "POST",
            path,
            {},
            base,
            ["Leg eerst het PIP vast in het dossier (sectie PIP); daarna kunt u het hier versturen."],
        )
    body: dict[str, Any] = {
        "dagtekeningPip": facts.pip_dagtekening.isoformat(),
        "leerroute": DUO_LEERROUTE[Leerroute(facts.leerroute)],
    }
    fields = base + [("Dagtekening PIP", f"{facts.pip_dagtekening:%d-%m-%Y}"), ("Leerroute", facts.leerroute)]
    if facts.niveau:
        body["niveau"] = facts.niveau
        fields.append(("Niveau", facts.niveau))
    if facts.doelgroep == "asiel" and facts.leerroute == Leerroute.B1.value and facts.intensiteit_uren:
        body["geschatteIntensiteitB1Route"] = facts.intensiteit_uren
        fields.append(("Geschatte intensiteit B1-route", f"{facts.intensiteit_uren} uur"))
    return DuoRegistration("POST", path, body, fields)


def _verwijtbaar_checks(facts: DuoFacts, today: date, value: str) -> list[str]:
    """DUO: 'Ja' only once the term is exceeded; 'Nee' only when the term ends within two months. Judged on
    DUO's own `einddatum` (exclusive, extensions included), never on a date we compute."""
    end = facts.duo_term_end
    if end is None:
        return [
            "De einddatum van de inburgeringstermijn volgens DUO is nog niet bekend. Regie haalt die op bij DUO "
            "(na een melding van DUO over de termijn); probeer het daarna opnieuw."
        ]
    if value == "Ja" and not term_exceeded(end, today):
        return [
            f"Verwijtbaar 'Ja' kan pas vanaf {end:%d-%m-%Y}: de inburgeringstermijn loopt volgens DUO tot en met "
            f"{end - timedelta(days=1):%d-%m-%Y}. Bewaar dit item tot dan of handel het af met een reden."
        ]
    if value == "Nee" and (end - today).days > 61:
        return ["Verwijtbaar 'Nee' kan alleen als de termijn binnen twee maanden afloopt."]
    return []


def registration_for(kind: ItemKind, facts: DuoFacts, today: date) -> DuoRegistration | None:
    bsn = facts.bsn
    base = [("BSN", bsn)]
    if kind is ItemKind.REGISTREER_MAP:
        return _map_pvt("map", "datumEindgesprekMap", "Datum eindgesprek MAP", facts, today, base)
    if kind is ItemKind.REGISTREER_PVT:
        return _map_pvt("pvt", "datumOndertekeningPvt", "Datum ondertekening PVT", facts, today, base)
    if kind is ItemKind.REGISTREER_ZROUTE:
        d = facts.event_date
        return DuoRegistration(
            "PUT",
            f"/personen/{bsn}/zroute",
            {"datumAfrondingZroute": d.isoformat()},
            base + [("Datum afronding Z-route", f"{d:%d-%m-%Y}")],
            _date_checks(d, facts, today),
        )
    if kind is ItemKind.HANDHAVING_VERWIJTBAAR and facts.component in {"map", "pvt"}:
        return DuoRegistration(
            "PUT",
            f"/personen/{bsn}/{facts.component}",
            {"verwijtbaar": "Ja"},
            base + [(f"{facts.component.upper()} verwijtbaar niet voltooid", "Ja")],
            _verwijtbaar_checks(facts, today, "Ja"),
        )
    if kind in PIP_KINDS:
        return _pip(facts, base)
    if kind is ItemKind.AFSCHALEN:
        body: dict[str, Any] = {
            "dagtekeningPip": today.isoformat(),
            "leerroute": DUO_LEERROUTE[Leerroute.B1],
            "niveau": "A2",
        }
        fields = base + [
            ("Dagtekening gewijzigd PIP", f"{today:%d-%m-%Y}"),
            ("Leerroute", "B1-route"),
            ("Niveau", "A2"),
        ]
        problems = []
        if facts.doelgroep == "asiel":
            if not facts.intensiteit_uren:
                problems.append(
                    "Vul eerst de intensiteit in het PIP in: die is verplicht voor een asielstatushouder "
                    "op de B1-route."
                )
            else:
                body["geschatteIntensiteitB1Route"] = facts.intensiteit_uren
                fields.append(("Geschatte intensiteit B1-route", f"{facts.intensiteit_uren} uur"))
        if facts.language_minutes < AFSCHALEN_MINUTES:
            problems.append("Afschalen kan pas na 600 uur gevolgde taalles.")
        return DuoRegistration("POST", f"/personen/{bsn}/PIP", body, fields, problems)
    known = f"{facts.hours_known_until:%d-%m-%Y}" if facts.hours_known_until else "onbekend"
    if kind is ItemKind.Z_TAAL_800:
        hours = facts.language_minutes // 60  # DUO takes whole hours: never claim a part not followed
        return DuoRegistration(
            "PUT",
            f"/personen/{bsn}/uren/participatietaalles",
            {"uren": hours},
            base
            + [
                ("Gevolgde uren taalles en KNM", str(hours)),
                ("Exact gevolgd", f"{format_hours(facts.language_minutes)} uur"),
                ("Bekend tot", known),
            ],
        )
    if kind is ItemKind.Z_PARTICIPATIE_800:
        hours = facts.participation_minutes // 60
        return DuoRegistration(
            "PUT",
            f"/personen/{bsn}/uren/participatieactiviteiten",
            {"uren": hours},
            base
            + [
                ("Gevolgde uren participatieactiviteiten", str(hours)),
                ("Exact gevolgd", f"{format_hours(facts.participation_minutes)} uur"),
                ("Bekend tot", known),
            ],
        )
    return None
