"""Handhaving use cases: start a case for an overtreding (from an inbox item or from the dossier), decide on
it, read a case with the build-up that applies, a person's history, and the gemeente's table of steps.

Each write is one transaction: the case's current state, a version in `dossier_change` (section "handhaving",
so every decision stays with who and when), and an audit line. Regisseurs and teamleiders decide;
functioneel beheer reads; providers never get here (gemeente_only guards, and no provider query reads these
tables).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from litestar.exceptions import NotFoundException

from municipal.dossier.access import can_edit, person_for_update, person_of, require_edit
from municipal.errors import RuleError
from municipal.handhaving import rules
from municipal.handhaving.rules import Besluit, BuildUp, Decision, Overtreding, Step
from municipal.inbox import services as inbox
from municipal.inbox.rules import Outcome, Status
from municipal.tables import HandhavingCase, HandhavingStep, InboxItem
from shared import audit, clock
from shared.db import lock_for_update, write_tx
from shared.history import record_version, versions_of, with_changes
from shared.security import CurrentUser
from shared.vocab import Role

CASE_FIELDS = (
    "overtreding",
    "overtreding_datum",
    "omschrijving",
    "besluit",
    "besluit_reden",
    "besluit_datum",
    "stap",
    "bedrag_cents",
    "normbedrag_cents",
    "maximum_cents",
    "matiging",
    "matiging_reden",
    "boete_id",
)
# Item kinds a case can start from (municipal/inbox/rules.py): reported or found lack of effort.
HANDHAVING_ITEM_KINDS = {
    "handhaving_verzuim",
    "handhaving_verwijtbaar",
    "handhaving_intake",
    "voortgang_achter",
    "bespreken",
}


def may_manage_steps(user: CurrentUser) -> bool:
    """The table of steps follows the verordening: teamleiders and functioneel beheer keep it."""
    return user.is_gemeente and user.role in {Role.TEAMLEIDER, Role.BEHEERDER}


# --- The gemeente's table of steps -------------------------------------------------------------------------------


async def steps_for(gemeente_id: int) -> tuple[Step, ...]:
    rows = await HandhavingStep.select().where(HandhavingStep.gemeente == gemeente_id).order_by(HandhavingStep.position)
    if not rows:
        return rules.DEFAULT_STEPS
    return tuple(Step(r["position"], r["soort"], r["normbedrag_cents"], r["maximum_cents"]) for r in rows)


async def has_own_steps(gemeente_id: int) -> bool:
    return await HandhavingStep.exists().where(HandhavingStep.gemeente == gemeente_id)


async def save_steps(user: CurrentUser, steps: list[Step], origin: str = "") -> None:
    """Replace the gemeente's table. Raises RuleErrors (rules.check_steps) and 404 for whoever may not."""
    if not may_manage_steps(user):
        raise NotFoundException()
    rules.check_steps(steps)
    steps = [Step(i, s.soort, s.normbedrag_cents, s.maximum_cents) for i, s in enumerate(steps, start=1)]
    async with write_tx():
        await HandhavingStep.delete().where(HandhavingStep.gemeente == user.gemeente_id)
        await HandhavingStep.insert(
            *[
                HandhavingStep(
                    gemeente=user.gemeente_id,
                    position=s.position,
                    soort=s.soort,
                    normbedrag_cents=s.normbedrag_cents if s.is_fine else 0,
                    maximum_cents=s.maximum_cents if s.is_fine else 0,
                )
                for s in steps
            ]
        )
        await audit.record(
            user,
            "handhaving.steps",
            "gemeente",
            user.gemeente_id,
            origin=origin,
            subject_gemeente_id=user.gemeente_id,
            detail="; ".join(s.label for s in steps),
        )


# --- Cases ---------------------------------------------------------------------------------------------------------


class AlreadyStarted(RuleError):
    """The inbox item already has a case; `case_id` is that case."""

    def __init__(self, case_id: int):
        super().__init__("Voor dit item is al een handhavingszaak.")
        self.case_id = case_id


def _snapshot(row: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for f in CASE_FIELDS:
        v = row.get(f)
        out[f] = v.isoformat() if isinstance(v, date) else v
    return out


async def case_for_item(user: CurrentUser, item_id: int) -> int | None:
    row = (
        await HandhavingCase.select(HandhavingCase.id)
        .where((HandhavingCase.inbox_item == item_id) & (HandhavingCase.gemeente == user.gemeente_id))
        .first()
    )
    return row["id"] if row else None


@dataclass(frozen=True)
class NewCase:
    inburgeraar_id: int | None
    overtreding: Overtreding
    datum: date
    omschrijving: str = ""
    item_id: int | None = None


async def start_case(user: CurrentUser, new: NewCase, origin: str = "") -> int:
    """A case for one overtreding. From an inbox item, the person, date and source records come from the item,
    and the item is closed as passed on to this case (its history says so). Raises AlreadyStarted when the item
    has a case, RuleError for a date in the future, 404 for a foreign person or item."""
    require_edit(user)
    today = clock.today()
    async with write_tx():
        refs: dict[str, Any] = {}
        item = None
        person_id = new.inburgeraar_id
        if new.item_id is not None:
            await lock_for_update(InboxItem, new.item_id)
            item = await inbox.item_for(user, new.item_id)
            existing = await case_for_item(user, item["id"])
            if existing:
                raise AlreadyStarted(existing)
            person_id = item["inburgeraar"]
            refs = json.loads(item["refs"]) if isinstance(item["refs"], str) else (item["refs"] or {})
        if person_id is None:
            raise NotFoundException()
        person = await person_for_update(user, person_id)
        if new.datum > today:
            raise RuleError("De datum van de overtreding ligt in de toekomst.", "datum")
        row = HandhavingCase(
            gemeente=person["gemeente"],
            inburgeraar=person["id"],
            overtreding=new.overtreding.value,
            overtreding_datum=new.datum,
            omschrijving=new.omschrijving.strip(),
            inbox_item=item["id"] if item else None,
            refs=json.dumps(refs),
            created_by=user.id,
        )
        case_id = (await HandhavingCase.insert(row).returning(HandhavingCase.id))[0]["id"]
        data = _snapshot(await HandhavingCase.select().where(HandhavingCase.id == case_id).first())
        await record_version(
            "handhaving",
            "handhaving_case",
            case_id,
            data,
            actor=user,
            inburgeraar_id=person["id"],
            gemeente_id=person["gemeente"],
            kind="register",
            note=new.overtreding.label,
        )
        await audit.record(
            user,
            "handhaving.start",
            "handhaving_case",
            case_id,
            origin=origin,
            inburgeraar_id=person["id"],
            subject_gemeente_id=person["gemeente"],
            detail=f"{new.overtreding.value} op {new.datum.isoformat()}" + (f", item {item['id']}" if item else ""),
        )
        if item is not None and item["status"] != Status.AFGEHANDELD.value:
            await inbox.change_status(
                user,
                item["id"],
                Status.AFGEHANDELD,
                outcome=Outcome.DOORGEZET,
                forwarded_to=f"handhavingszaak {case_id}",
                origin=origin,
            )
        return case_id


async def case_of(user: CurrentUser, case_id: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """The case and its person, if the person is this gemeente user's; else 404.

    Raises NotFoundException (404) for a provider user, or a case outside the user's gemeente."""
    if not user.is_gemeente:
        raise NotFoundException()
    row = (
        await HandhavingCase.select()
        .where((HandhavingCase.id == case_id) & (HandhavingCase.gemeente == user.gemeente_id))
        .first()
    )
    if row is None:
        raise NotFoundException()
    return row, await person_of(user, row["inburgeraar"])


async def _prior(case: dict[str, Any]) -> list[rules.Prior]:
    rows = await HandhavingCase.select(HandhavingCase.overtreding_datum, HandhavingCase.besluit).where(
        (HandhavingCase.inburgeraar == case["inburgeraar"]) & (HandhavingCase.id != case["id"])
    )
    return [rules.Prior(r["overtreding_datum"], Besluit(r["besluit"]) if r["besluit"] else None) for r in rows]


async def build_up_for(case: dict[str, Any]) -> BuildUp:
    return rules.build_up(case["overtreding_datum"], await _prior(case), await steps_for(case["gemeente"]))


async def decide(user: CurrentUser, case_id: int, d: Decision, origin: str = "") -> dict[str, Any]:
    """Record the decision on a case (a new version; an earlier decision stays in the history). The step of the
    build-up is computed now, from the person's other cases and the gemeente's table, and kept with the decision.
    Raises RuleErrors (rules.check_decision) and 404 for a foreign case."""
    require_edit(user)
    async with write_tx():
        await lock_for_update(HandhavingCase, case_id)
        case, person = await case_of(user, case_id)
        current = Besluit(case["besluit"]) if case["besluit"] else None
        up = await build_up_for(case)
        rules.check_decision(
            d, overtreding_datum=case["overtreding_datum"], step=up.step, current=current, today=clock.today()
        )
        fine = d.besluit is Besluit.BOETE
        values = {
            "besluit": d.besluit.value,
            "besluit_reden": d.reden.strip(),
            "besluit_datum": d.besluit_datum if d.besluit is not Besluit.GEEN_ACTIE else (d.besluit_datum or None),
            "stap": up.position,
            "bedrag_cents": d.bedrag_cents if fine else None,
            "normbedrag_cents": up.step.normbedrag_cents if fine else None,
            "maximum_cents": up.step.maximum_cents if fine else None,
            "matiging": d.matiging.value if fine and d.matiging else None,
            "matiging_reden": d.matiging_reden.strip() if fine and d.matiging else "",
            # One id per fine, kept through corrections, so DUO (SDI018) could recognise it.
            "boete_id": (case["boete_id"] or str(uuid.uuid4())) if fine else case["boete_id"],
        }
        await HandhavingCase.update(
            {
                **{getattr(HandhavingCase, k): v for k, v in values.items()},
                HandhavingCase.besloten_door: user.id,
                HandhavingCase.besloten_op: clock.now(),
            }
        ).where(HandhavingCase.id == case_id)
        after = _snapshot({**case, **values})
        await record_version(
            "handhaving",
            "handhaving_case",
            case_id,
            after,
            actor=user,
            inburgeraar_id=person["id"],
            gemeente_id=person["gemeente"],
            kind="correction" if current is not None else "change",
            note=d.besluit.label,
        )
        await audit.record(
            user,
            "handhaving.decide",
            "handhaving_case",
            case_id,
            origin=origin,
            inburgeraar_id=person["id"],
            subject_gemeente_id=person["gemeente"],
            detail=f"{d.besluit.value}" + (f" {d.bedrag_cents} cent" if fine else "") + f", stap {up.position}",
        )
        return after


@dataclass
class CaseView:
    case: dict[str, Any]
    person: dict[str, Any]
    build_up: BuildUp
    steps: tuple[Step, ...]
    versions: list[dict[str, Any]]
    item: dict[str, Any] | None
    others: list[dict[str, Any]]
    can_edit: bool


async def case_view(user: CurrentUser, case_id: int, origin: str = "") -> CaseView:
    case, person = await case_of(user, case_id)
    item = (
        await InboxItem.select(InboxItem.id, InboxItem.kind, InboxItem.detail, InboxItem.status)
        .where(InboxItem.id == case["inbox_item"])
        .first()
        if case["inbox_item"]
        else None
    )
    versions = list(reversed(with_changes(await versions_of(object_type="handhaving_case", object_id=case_id))))
    await audit.record(
        user,
        "handhaving.view",
        "handhaving_case",
        case_id,
        origin=origin,
        inburgeraar_id=person["id"],
        subject_gemeente_id=person["gemeente"],
    )
    return CaseView(
        case=case,
        person=person,
        build_up=await build_up_for(case),
        steps=await steps_for(case["gemeente"]),
        versions=versions,
        item=item,
        others=[c for c in await cases_of_person(person["id"]) if c["id"] != case_id],
        can_edit=can_edit(user),
    )


async def cases_of_person(inburgeraar_id: int) -> list[dict[str, Any]]:
    """The person's handhaving history, newest overtreding first (for the dossier; the caller has checked
    access)."""
    return (
        await HandhavingCase.select(
            HandhavingCase.all_columns(), HandhavingCase.besloten_door.name.as_alias("besloten_door_name")
        )
        .where(HandhavingCase.inburgeraar == inburgeraar_id)
        .order_by(HandhavingCase.overtreding_datum, ascending=False)
        .order_by(HandhavingCase.id, ascending=False)
    )


async def overview(user: CurrentUser, origin: str = "") -> dict[str, list[dict[str, Any]]]:
    """The gemeente's cases without a decision, and the latest decisions.

    Raises NotFoundException (404) for a provider user."""
    if not user.is_gemeente:
        raise NotFoundException()
    columns = (
        HandhavingCase.all_columns(),
        HandhavingCase.inburgeraar.voornamen.as_alias("voornamen"),
        HandhavingCase.inburgeraar.achternaam.as_alias("achternaam"),
    )
    mine = HandhavingCase.gemeente == user.gemeente_id
    open_cases = (
        await HandhavingCase.select(*columns)
        .where(mine & HandhavingCase.besluit.is_null())
        .order_by(HandhavingCase.overtreding_datum)
    )
    decided = (
        await HandhavingCase.select(*columns)
        .where(mine & HandhavingCase.besluit.is_not_null())
        .order_by(HandhavingCase.besloten_op, ascending=False)
        .limit(50)
    )
    await audit.record(user, "handhaving.list", "handhaving_case", "", origin=origin, detail=f"{len(open_cases)} open")
    return {"open": open_cases, "decided": decided}
