"""Pure rules of handhaving on the inspanningsverplichting (handreiking §4.7): the kinds of overtreding, the
decisions, a gemeente's build-up of steps with its amounts, the 12-month restart, and what a decision needs.
No I/O; money in integer cents.

Sources: handreiking §3.4.2 (no-show at the brede intake or the leerbaarheidstoets), §4.6 and §4.7 (warning
and/or bestuurlijke boete; fixed maximum amounts that may be moderated or raised with the degree of blame; the
build-up restarts when 12 months or more lie between two overtredingen; no fine without verwijtbaarheid,
art. 5:41 Awb; one fact is not punished twice, under the Participatiewet and the Wet inburgering), §4.2
(a fine is not possible when the benefit was already lowered for the same conduct). The legal ceiling of a
fine under the Wet inburgering 2021 is € 800 (as Schulinck's commentary on the Wi 2021 and the Participatiewet
states it; check the article against the law's current text); each gemeente's verordening sets its own steps
below it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from municipal.errors import RuleError, raise_all
from shared.calendar import add_months
from shared.rules import format_euros as euros
from shared.rules import parse_euros  # noqa: F401  (forms parse amounts through this module)

RESTART_MONTHS = 12
WETTELIJK_MAXIMUM_CENTS = 80_000  # € 800


class Overtreding(StrEnum):
    """What the inburgeraar did (or failed to do); `cbs_code` is the reason code of our draft SWI schema."""

    NIET_VERSCHENEN_INTAKE = "niet_verschenen_intake"
    LEERBAARHEIDSTOETS = "leerbaarheidstoets"
    NIET_VERSCHENEN_VOORTGANG = "niet_verschenen_voortgang"
    ONVOLDOENDE_LEERROUTE = "onvoldoende_leerroute"
    ONVOLDOENDE_MAP = "onvoldoende_map"
    ONVOLDOENDE_PVT = "onvoldoende_pvt"
    OVERIG = "overig"

    @property
    def label(self) -> str:
        return OVERTREDING_LABELS[self]

    @property
    def cbs_code(self) -> str:
        return OVERTREDING_CBS[self]


OVERTREDING_LABELS = {
    Overtreding.NIET_VERSCHENEN_INTAKE: "Niet verschenen op de oproep voor de brede intake",
    Overtreding.LEERBAARHEIDSTOETS: "Leerbaarheidstoets niet afgelegd of niet meegewerkt",
    Overtreding.NIET_VERSCHENEN_VOORTGANG: "Niet verschenen op een voortgangsgesprek",
    Overtreding.ONVOLDOENDE_LEERROUTE: "Onvoldoende inspanning in de leerroute (bijvoorbeeld ongeoorloofd verzuim)",
    Overtreding.ONVOLDOENDE_MAP: "Onvoldoende meegewerkt aan de MAP",
    Overtreding.ONVOLDOENDE_PVT: "Onvoldoende meegewerkt aan het PVT",
    Overtreding.OVERIG: "Andere afspraak uit het PIP niet nagekomen",
}
OVERTREDING_CBS = {
    Overtreding.NIET_VERSCHENEN_INTAKE: "01",
    Overtreding.LEERBAARHEIDSTOETS: "02",
    Overtreding.NIET_VERSCHENEN_VOORTGANG: "03",
    Overtreding.ONVOLDOENDE_LEERROUTE: "04",
    Overtreding.ONVOLDOENDE_MAP: "05",
    Overtreding.ONVOLDOENDE_PVT: "06",
    Overtreding.OVERIG: "99",
}


class Besluit(StrEnum):
    GEEN_ACTIE = "geen_actie"  # e.g. not verwijtbaar (art. 5:41 Awb): no fine
    WAARSCHUWING = "waarschuwing"
    BOETE = "boete"
    PARTICIPATIEWET = "participatiewet"  # handled under the Participatiewet: no fine here for this fact

    @property
    def label(self) -> str:
        return {
            "geen_actie": "Geen maatregel",
            "waarschuwing": "Waarschuwing",
            "boete": "Bestuurlijke boete",
            "participatiewet": "Afgehandeld via de Participatiewet",
        }[self.value]


# Decisions that count toward the build-up: a sanction under the Wet inburgering.
COUNTING = {Besluit.WAARSCHUWING, Besluit.BOETE}


class Matiging(StrEnum):
    GEMATIGD = "gematigd"
    VERHOOGD = "verhoogd"


def overtreding_for_item(kind: str, component: str | None = None) -> Overtreding:
    """The overtreding an inbox item points at (municipal/inbox/rules.py kinds)."""
    if kind == "handhaving_intake":
        return Overtreding.NIET_VERSCHENEN_INTAKE
    if kind == "handhaving_verwijtbaar":
        return {"map": Overtreding.ONVOLDOENDE_MAP, "pvt": Overtreding.ONVOLDOENDE_PVT}.get(
            component or "", Overtreding.ONVOLDOENDE_LEERROUTE
        )
    return Overtreding.ONVOLDOENDE_LEERROUTE


# --- The build-up ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    position: int
    soort: str  # "waarschuwing" | "boete"
    normbedrag_cents: int = 0
    maximum_cents: int = 0

    @property
    def is_fine(self) -> bool:
        return self.soort == "boete"

    @property
    def label(self) -> str:
        if not self.is_fine:
            return f"stap {self.position}: waarschuwing"
        return f"stap {self.position}: boete van {euros(self.normbedrag_cents)} (hoogstens {euros(self.maximum_cents)})"


# An example to start from, to be replaced by the gemeente's own verordening (settings page).
DEFAULT_STEPS = (
    Step(1, "waarschuwing"),
    Step(2, "boete", 25_000, 40_000),
    Step(3, "boete", 50_000, 80_000),
    Step(4, "boete", 80_000, 80_000),
)


@dataclass(frozen=True)
class Prior:
    """An earlier overtreding of the same person with its current decision."""

    datum: date
    besluit: Besluit | None


@dataclass(frozen=True)
class BuildUp:
    position: int  # 1 = first step
    step: Step
    counted: tuple[date, ...]  # the earlier sanctioned overtredingen in this chain, newest first
    restarted_after: date | None  # the sanctioned overtreding 12+ months before the chain, if any

    def explanation(self) -> str:
        if self.counted:
            days = ", ".join(f"{d:%d-%m-%Y}" for d in sorted(self.counted))
            text = f"Er {'is' if len(self.counted) == 1 else 'zijn'} {len(self.counted)} eerdere overtreding"
            text += f"{'' if len(self.counted) == 1 else 'en'} met een maatregel binnen 12 maanden van elkaar ({days})."
        else:
            text = "Dit is de eerste overtreding met een maatregel."
        if self.restarted_after:
            text += (
                f" De opbouw begint opnieuw: tussen de overtreding van {self.restarted_after:%d-%m-%Y} en de volgende"
                " ligt 12 maanden of meer."
            )
        return text


def build_up(overtreding_datum: date, prior: list[Prior], steps: tuple[Step, ...] | list[Step]) -> BuildUp:
    """Which step of the build-up applies to an overtreding on `overtreding_datum`.

    Counted are earlier overtredingen (on or before that date) whose decision was a warning or a fine; a
    decision of no measure, or handling under the Participatiewet, does not build up. Walking back from the new
    overtreding, the chain stops where 12 months or more lie between two overtredingen (§4.7): the build-up
    then restarts. The last step of the table repeats for every further overtreding.

    Raises ValueError when `steps` is empty (a gemeente's table always has a step)."""
    if not steps:
        raise ValueError("a build-up needs at least one step")
    sanctioned = sorted(
        (p.datum for p in prior if p.besluit in COUNTING and p.datum <= overtreding_datum), reverse=True
    )
    counted: list[date] = []
    later = overtreding_datum
    restarted_after = None
    for day in sanctioned:
        if later >= add_months(day, RESTART_MONTHS):
            restarted_after = day
            break
        counted.append(day)
        later = day
    position = len(counted) + 1
    ordered = sorted(steps, key=lambda s: s.position)
    return BuildUp(position, ordered[min(position, len(ordered)) - 1], tuple(counted), restarted_after)


def check_steps(steps: list[Step]) -> None:
    """A gemeente's table: at least one step; a fine has a normbedrag above zero, not above its maximum, and no
    maximum above the legal € 800. Raises RuleErrors naming each row's field (e.g. `maximum-2`)."""
    errors: list[RuleError] = []
    if not steps:
        errors.append(RuleError("Vul minstens één stap in.", "__all__"))
    for s in steps:
        if not s.is_fine:
            continue
        if s.normbedrag_cents <= 0:
            errors.append(RuleError("Een boete heeft een bedrag boven € 0.", f"normbedrag-{s.position}"))
        if s.maximum_cents < s.normbedrag_cents:
            errors.append(RuleError("Het maximum is lager dan het normbedrag.", f"maximum-{s.position}"))
        if s.maximum_cents > WETTELIJK_MAXIMUM_CENTS:
            errors.append(
                RuleError(
                    f"De wet staat hoogstens {euros(WETTELIJK_MAXIMUM_CENTS)} toe.",
                    f"maximum-{s.position}",
                )
            )
    raise_all(errors)


@dataclass(frozen=True)
class Decision:
    besluit: Besluit
    reden: str
    besluit_datum: date | None = None
    bedrag_cents: int | None = None
    matiging: Matiging | None = None
    matiging_reden: str = ""


def check_decision(d: Decision, *, overtreding_datum: date, step: Step, current: Besluit | None, today: date) -> None:
    """What a decision needs, and when it is refused. Raises RuleErrors with each complaint beside its field.

    - Every decision gives its reason; a warning, a fine and Participatiewet handling their date, not in the
      future and not before the overtreding.
    - A fine: never for a fact already handled under the Participatiewet (one fact is not punished twice,
      §4.7); not while the build-up says a warning comes first; an amount above zero and not above the
      step's maximum (the verordening); an amount other than the normbedrag is moderated (lower) or raised
      (higher) with its reason.
    - Handling under the Participatiewet: not while a fine stands for this fact (withdraw it first)."""
    errors: list[RuleError] = []
    if not d.reden.strip():
        errors.append(RuleError("Schrijf de reden van het besluit op.", "reden"))
    if d.besluit is not Besluit.GEEN_ACTIE:
        if d.besluit_datum is None:
            errors.append(RuleError("Vul de datum van het besluit in.", "besluit_datum"))
        elif d.besluit_datum > today:
            errors.append(RuleError("De datum van het besluit ligt in de toekomst.", "besluit_datum"))
        elif d.besluit_datum < overtreding_datum:
            errors.append(
                RuleError(f"Het besluit kan niet vóór de overtreding ({overtreding_datum:%d-%m-%Y}).", "besluit_datum")
            )
    if d.besluit is Besluit.PARTICIPATIEWET and current is Besluit.BOETE:
        errors.append(
            RuleError(
                "Voor dit feit staat al een boete. Trek die eerst in (besluit: geen maatregel) als het feit via de "
                "Participatiewet wordt afgehandeld.",
                "besluit",
            )
        )
    if d.besluit is Besluit.BOETE:
        if current is Besluit.PARTICIPATIEWET:
            errors.append(
                RuleError(
                    "Voor dit feit is al gehandhaafd via de Participatiewet. Iemand krijgt niet twee keer een straf "
                    "voor hetzelfde feit: een boete op grond van de Wet inburgering kan niet.",
                    "besluit",
                )
            )
        elif not step.is_fine:
            errors.append(
                RuleError(
                    f"Volgens de opbouw is eerst een waarschuwing aan de beurt ({step.label}).",
                    "besluit",
                )
            )
        else:
            errors.extend(_check_amount(d, step))
    raise_all(errors)


def _check_amount(d: Decision, step: Step) -> list[RuleError]:
    amount = d.bedrag_cents
    if amount is None or amount <= 0:
        return [RuleError("Vul het bedrag van de boete in.", "bedrag")]
    if amount > step.maximum_cents:
        return [
            RuleError(
                f"Het bedrag is hoger dan het maximum van {euros(step.maximum_cents)} voor {step.label} "
                "(verordening van uw gemeente). Kies een lager bedrag.",
                "bedrag",
            )
        ]
    errors = []
    if amount != step.normbedrag_cents:
        wanted = Matiging.GEMATIGD if amount < step.normbedrag_cents else Matiging.VERHOOGD
        if d.matiging is not wanted:
            word = "lager" if wanted is Matiging.GEMATIGD else "hoger"
            errors.append(
                RuleError(
                    f"Het bedrag is {word} dan het normbedrag van {euros(step.normbedrag_cents)}: kies "
                    f"'{wanted.value}' en schrijf op waarom.",
                    "matiging",
                )
            )
        elif not d.matiging_reden.strip():
            errors.append(RuleError(f"Schrijf op waarom de boete is {wanted.value}.", "matiging_reden"))
    return errors
