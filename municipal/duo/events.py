"""What a DUO notification (`gebeurtenisId`, Notificatie.openapi.yml) asks of the gemeente: one readable table.

Pure: no I/O. Each entry gives the inbox item kind it makes (None: none), its deadline in working days after
the notification's registration day (shared.calendar.add_working_days), what happens to the dossier, what
the app then looks up at DUO, and the source of the entry. Sources:

- "DUO Gebeurtenissen": municipal/duo/openapi/docs/Gebeurtenissen.md (DUO's own list of events);
- "DUO Attentiesignalen": municipal/duo/openapi/docs/Attentiesignalen.md (DUO's attention signals);
- "Wi2021 art. N": Wet inburgering 2021; "Bi2021 art. N": Besluit inburgering 2021.

The deadlines are the gemeente's own handling terms (the law sets none for reacting to DUO), except where a
legal term applies and is named in the text shown (e.g. the 10 weeks to set a leerroute for an asylum status
holder, Bi2021 art. 2.4 / Wi2021 art. 14, shown as a date on the item).

A code DUO lists but that has no entry here (SS128, SS109, ...) still makes an item with DUO's own wording
(`MEANINGS`); a code DUO does not list is kept and shown as unknown. Nothing DUO sends is dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from municipal.inbox.rules import ItemKind
from shared.calendar import add_working_days


class Effect(StrEnum):
    """What the notification does to the dossier before the item is made."""

    NONE = "none"
    END_OBLIGATION = "end_obligation"  # end running enrollments, close open items with the reason
    DOELGROEP_ASIEL = "doelgroep_asiel"  # status becomes asylum status holder (rights per dossier rules)
    DOELGROEP_GEZIN = "doelgroep_gezin"  # status becomes family/other migrant (asylum rights kept)
    MOVED_AWAY = "moved_away"  # the person left the gemeente or the country


class Fetch(StrEnum):
    """What the app looks up at DUO after the notification (DUO's lookup APIs, municipal/duo/openapi)."""

    PLICHT = "Inburgeringsplicht"
    TERMIJN = "Inburgeringstermijn"
    EXAMEN = "Examen"
    LEERBAARHEIDSTOETS = "Leerbaarheidstoets"


@dataclass(frozen=True)
class EventRule:
    codes: tuple[str, ...]
    kind: ItemKind | None
    working_days: int
    effect: Effect
    fetch: tuple[Fetch, ...]
    source: str
    # What the item says; {leerroute_voor} is the date 10 weeks after the notification.
    text: str


BEHANDELTERMIJN = 10  # working days: the inbox's usual handling term (municipal/inbox/rules.Thresholds)

RULES: tuple[EventRule, ...] = (
    EventRule(
        ("SS101", "SS139"),
        ItemKind.DUO_BREDE_INTAKE,
        BEHANDELTERMIJN,
        Effect.NONE,
        (Fetch.PLICHT, Fetch.EXAMEN),
        "DUO Gebeurtenissen (Nieuwe inburgeringsplichtige); Wi2021 art. 14, Bi2021 art. 2.4 (10 weken)",
        "Inburgeringsplichtig volgens DUO. Start de brede intake; stel de leerroute vast vóór {leerroute_voor}.",
    ),
    EventRule(
        ("SS120",),
        ItemKind.DUO_BREDE_INTAKE,
        BEHANDELTERMIJN,
        Effect.NONE,
        (Fetch.PLICHT, Fetch.EXAMEN),
        "DUO Gebeurtenissen (Wijziging van gemeente); Wi2021 art. 14",
        "Gevestigd in de gemeente zonder PIP. Start de brede intake en stel het PIP op.",
    ),
    EventRule(
        ("SS121",),
        ItemKind.DUO_PIP_OVERNEMEN,
        BEHANDELTERMIJN,
        Effect.NONE,
        (Fetch.PLICHT, Fetch.TERMIJN, Fetch.EXAMEN),
        "DUO Gebeurtenissen (Wijziging van gemeente); Wi2021 art. 15 (PIP)",
        "Gevestigd in de gemeente met een PIP van de vorige gemeente. Neem het PIP over of stel een nieuw op.",
    ),
    EventRule(
        ("SS124",),
        ItemKind.DUO_DOELGROEP,
        BEHANDELTERMIJN,
        Effect.DOELGROEP_GEZIN,
        (Fetch.PLICHT,),
        "DUO Gebeurtenissen (Wijziging doelgroep); asielrechten blijven tenzij de persoon er afstand van doet",
        "Doelgroep volgens DUO: van asielstatushouder naar gezinsmigrant/overige migrant. De asielrechten blijven, "
        "tenzij de persoon er afstand van doet. Controleer het dossier.",
    ),
    EventRule(
        ("SS125",),
        ItemKind.DUO_DOELGROEP,
        BEHANDELTERMIJN,
        Effect.DOELGROEP_ASIEL,
        (Fetch.PLICHT,),
        "DUO Gebeurtenissen (Wijziging doelgroep)",
        "Doelgroep volgens DUO: van gezinsmigrant/overige migrant naar asielstatushouder. Controleer het PIP en "
        "het inburgeringsaanbod.",
    ),
    EventRule(
        ("SS102", "SS103", "SS104"),
        None,
        BEHANDELTERMIJN,
        Effect.NONE,
        (Fetch.TERMIJN,),
        "DUO Gebeurtenissen (Termijn); Wi2021 art. 7 (termijn) en art. 8 (verlenging)",
        "De inburgeringstermijn is gestart of verlengd; de termijn wordt bij DUO opgehaald.",
    ),
    EventRule(
        ("SS106", "SS107", "SS108"),
        ItemKind.DUO_PLICHT_EINDE,
        BEHANDELTERMIJN,
        Effect.END_OBLIGATION,
        (Fetch.PLICHT,),
        "DUO Gebeurtenissen (Inburgeringsplicht voldaan); Wi2021 art. 6 (ontheffing, vrijstelling)",
        "De inburgeringsplicht is voldaan of vervallen. Lopende inschrijvingen zijn beëindigd; informeer de "
        "aanbieders en de inburgeraar.",
    ),
    EventRule(
        ("SS110", "SS111"),
        ItemKind.DUO_PLICHT_EINDE,
        BEHANDELTERMIJN,
        Effect.END_OBLIGATION,
        (Fetch.PLICHT,),
        "DUO Gebeurtenissen (Intrekken Inburgeringsplicht)",
        "De inburgeringsplicht is ingetrokken. Lopende inschrijvingen zijn beëindigd; vul de administratie van "
        "inspanningen en resultaten aan en informeer de aanbieders.",
    ),
    EventRule(
        ("SS122", "SS123"),
        ItemKind.DUO_VERTROKKEN,
        BEHANDELTERMIJN,
        Effect.MOVED_AWAY,
        (),
        "DUO Attentiesignalen (Wijziging van gemeente)",
        "Vertrokken volgens DUO. Vul de administratie van inspanningen en resultaten aan en draag het dossier over.",
    ),
    EventRule(
        ("SS126",),
        ItemKind.DUO_GEEN_LEERROUTE,
        5,
        Effect.NONE,
        (),
        "DUO Attentiesignalen (Leerroute en termijn vastgesteld); Bi2021 art. 2.4",
        "Na 10 weken nog geen leerroute bekend bij DUO. Stel de leerroute vast en registreer het PIP.",
    ),
    EventRule(
        ("SS127",),
        ItemKind.DUO_GEEN_AANBOD,
        5,
        Effect.NONE,
        (),
        "DUO Attentiesignalen (Leerroute wijziging en resultaten); Wi2021 art. 13",
        "DUO heeft nog geen inburgeringsaanbod ontvangen voor deze asielstatushouder. Registreer het aanbod.",
    ),
    EventRule(
        ("SS141",),
        ItemKind.DUO_ZROUTE_AFGEROND,
        BEHANDELTERMIJN,
        Effect.NONE,
        (Fetch.PLICHT,),
        "DUO Attentiesignalen (Inburgeringsplicht voldaan, Z-route)",
        "De Z-route is afgerond; de tekst voor het certificaat staat in DUO's portaal. Na deze datum neemt DUO "
        "geen MAP- of PVT-datum meer aan.",
    ),
    EventRule(
        ("SS131",),
        ItemKind.DUO_UITSLAG,
        BEHANDELTERMIJN,
        Effect.NONE,
        (Fetch.LEERBAARHEIDSTOETS,),
        "DUO Gebeurtenissen (Leerbaarheidstoets)",
        "De uitslag van de leerbaarheidstoets is bekend; die wordt bij DUO opgehaald. Gebruik hem voor het PIP.",
    ),
    EventRule(
        ("SS199",),
        ItemKind.DUO_UITSLAG,
        BEHANDELTERMIJN,
        Effect.NONE,
        (Fetch.EXAMEN,),
        "DUO Gebeurtenissen (Examenresultaten)",
        "Een examenuitslag is bekend; die wordt bij DUO opgehaald. Bespreek hem in het voortgangsgesprek.",
    ),
)

BY_CODE: dict[str, EventRule] = {code: rule for rule in RULES for code in rule.codes}

# DUO's own short description of every code it lists (docs/Gebeurtenissen.md, docs/Attentiesignalen.md).
MEANINGS: dict[str, str] = {
    "SS101": "Persoon is inburgeringsplichtig",
    "SS102": "Inburgeringstermijn gestart",
    "SS103": "Termijn ambtshalve verlengd",
    "SS104": "Termijn op verzoek verlengd",
    "SS106": "Diploma behaald (inburgeringsplicht voldaan)",
    "SS107": "Volledige vrijstelling toegekend",
    "SS108": "Volledige ontheffing toegekend",
    "SS109": "Tijdelijke vrijstelling toegekend",
    "SS110": "Inburgeringsplicht ingetrokken",
    "SS111": "Persoon is overleden",
    "SS112": "Verzoek verlenging ingediend",
    "SS113": "Verzoek verlenging afgewezen",
    "SS114": "Verzoek volledige vrijstelling afgewezen",
    "SS115": "Verzoek tijdelijke vrijstelling afgewezen",
    "SS116": "Verzoek gedeeltelijke vrijstelling afgewezen",
    "SS117": "Gedeeltelijke vrijstelling toegekend",
    "SS118": "Verzoek ontheffing afgewezen",
    "SS119": "Gedeeltelijke ontheffing toegekend",
    "SS120": "Inburgeringsplichtige in gemeente gevestigd zonder PIP",
    "SS121": "Inburgeringsplichtige in gemeente gevestigd met PIP vorige gemeente",
    "SS122": "Vertrokken naar andere gemeente",
    "SS123": "Vertrokken uit Nederland",
    "SS124": "Doelgroep van asielstatushouder naar gezinsmigrant en overige migrant gewijzigd",
    "SS125": "Doelgroep van gezinsmigrant en overige migrant naar asielstatushouder gewijzigd",
    "SS126": "Na 10 weken nog geen leerroute",
    "SS127": "Nog geen inburgeringsaanbod ontvangen",
    "SS128": "Inburgeringsplichtig, maar bereikt AOW-leeftijd binnen 6 maanden",
    "SS129": "Tijdelijke vrijstelling ingetrokken, nog geen leerroute bekend",
    "SS130": "Tijdelijke vrijstelling ingetrokken, PIP al bekend; inburgeringsplicht herleeft",
    "SS131": "Leerbaarheidstoets afgenomen, uitslag bekend",
    "SS132": "Opleidingscontract ontvangen (nog geen PIP)",
    "SS133": "Opleidingscontract ontvangen met taalniveau niet volgens de leerroute",
    "SS135": "Opleidingscontract ontvangen met te hoog taalniveau volgens het PIP (Z-route)",
    "SS136": "Opleidingscontract voor taalschakeltraject ontvangen, geen onderwijsroute",
    "SS137": "Aangemeld voor de leerbaarheidstoets",
    "SS139": "Inburgeringsplichtig; de termijn van 10 weken voor de leerroute is gestart",
    "SS140": "Advies gevraagd over ontheffing op bijzondere individuele omstandigheden",
    "SS141": "Z-route afgerond; tekst voor het certificaat beschikbaar",
    "SS142": "Niet-vrijstellende opleiding beëindigd wegens uitschrijving; herzie zo nodig het PIP",
    "SS199": "Examenuitslag bekend",
}

LEERROUTE_WEEKS = 10


@dataclass(frozen=True)
class Decision:
    """What to do with one notification for a known person."""

    kind: ItemKind | None
    deadline: date | None
    effect: Effect
    fetch: tuple[Fetch, ...]
    text: str
    known_code: bool  # DUO lists the code (it may still have no rule of its own)


def decide(code: str, registered: date) -> Decision:
    """The decision for `code` (DUO's gebeurtenisId, e.g. "SS101") registered by DUO on `registered` (the
    Dutch day of registratieDatumTijd). Never raises: an unknown code is a Decision to show it."""
    meaning = MEANINGS.get(code)
    label = f"{code}: {meaning}" if meaning else code
    rule = BY_CODE.get(code)
    if rule is not None:
        text = rule.text.format(leerroute_voor=f"{registered + timedelta(weeks=LEERROUTE_WEEKS):%d-%m-%Y}")
        deadline = add_working_days(registered, rule.working_days) if rule.kind else None
        return Decision(rule.kind, deadline, rule.effect, rule.fetch, f"DUO meldt {label}. {text}", True)
    deadline = add_working_days(registered, BEHANDELTERMIJN)
    if meaning:
        return Decision(
            ItemKind.DUO_MELDING,
            deadline,
            Effect.NONE,
            (),
            f"DUO meldt {label}. Bekijk de details in DUO's portaal.",
            True,
        )
    return Decision(
        ItemKind.DUO_MELDING,
        deadline,
        Effect.NONE,
        (),
        f"DUO meldt gebeurtenis {code}, een code die Regie niet kent. Zoek de betekenis op bij DUO en handel het af.",
        False,
    )
