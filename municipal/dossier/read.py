"""Reading one dossier: the person with their enrollments, hours to date and milestones, the providers the
gemeente contracts, and every version of the dossier (its history). Each read of a person is audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from piccolo.query.functions.aggregate import Sum

from municipal.dossier import rules
from municipal.dossier.access import can_edit, person_of
from municipal.dossier.people import gemeente_staff
from municipal.versions import CASEWORK_ONLY_SECTIONS
from shared import audit, clock
from shared.history import versions_of, with_changes
from shared.security import CurrentUser
from shared.tables import AppUser, Contract, Enrollment, Gemeente, HourRecord, Milestone
from shared.vocab import Component, Doelgroep, HourKind


def is_moved(person: dict[str, Any], today: date | None = None) -> bool:
    return person["verhuisd_op"] is not None and person["verhuisd_op"] <= (today or clock.today())


async def hours_to_date(inburgeraar_id: int) -> list[dict[str, Any]]:
    """Current hours per kind, over every provider: attended, geoorloofd, ongeoorloofd and followed (a
    breakdown to show; what counts toward a mark is shared.hours.followed_hours)."""
    rows = (
        await HourRecord.select(
            HourRecord.kind,
            Sum(HourRecord.attended_minutes, alias="attended"),
            Sum(HourRecord.geoorloofd_minutes, alias="geoorloofd"),
            Sum(HourRecord.ongeoorloofd_minutes, alias="ongeoorloofd"),
        )
        .where((HourRecord.inburgeraar == inburgeraar_id) & HourRecord.superseded_by.is_null())
        .group_by(HourRecord.kind)
    )
    order = [k.value for k in HourKind]
    out = []
    for r in sorted(rows, key=lambda r: order.index(r["kind"]) if r["kind"] in order else 99):
        attended, geo, ongeo = (int(r[k] or 0) for k in ("attended", "geoorloofd", "ongeoorloofd"))
        out.append(
            {
                "kind": r["kind"],
                "attended": attended,
                "geoorloofd": geo,
                "ongeoorloofd": ongeo,
                "followed": attended + geo + ongeo,
            }
        )
    return out


async def milestones_of(inburgeraar_id: int) -> list[dict[str, Any]]:
    return (
        await Milestone.select(
            Milestone.all_columns(),
            Milestone.organisation.name.as_alias("organisation_name"),
            Milestone.enrollment.component.as_alias("component"),
        )
        .where((Milestone.inburgeraar == inburgeraar_id) & Milestone.superseded_by.is_null())
        .order_by(Milestone.event_date)
    )


async def enrollments_of(inburgeraar_id: int) -> list[dict[str, Any]]:
    today = clock.today()
    rows = (
        await Enrollment.select(
            Enrollment.all_columns(),
            Enrollment.organisation.name.as_alias("organisation_name"),
        )
        .where(Enrollment.inburgeraar == inburgeraar_id)
        .order_by(Enrollment.start)
        .order_by(Enrollment.id)
    )
    for r in rows:
        r["open"] = r["end"] is None or r["end"] >= today
    return rows


async def contracted_organisations(gemeente_id: int) -> list[dict[str, Any]]:
    """Organisations with a contract that has not ended, with the components they are contracted for."""
    today = clock.today()
    rows = await Contract.select(
        Contract.organisation,
        Contract.component,
        Contract.organisation.name.as_alias("name"),
        Contract.organisation.bow_keurmerk.as_alias("bow_keurmerk"),
    ).where((Contract.gemeente == gemeente_id) & (Contract.end.is_null() | (Contract.end >= today)))
    orgs: dict[int, dict[str, Any]] = {}
    for r in rows:
        org = orgs.setdefault(
            r["organisation"],
            {"id": r["organisation"], "name": r["name"], "bow_keurmerk": r["bow_keurmerk"], "components": []},
        )
        if r["component"] not in org["components"]:
            org["components"].append(r["component"])
    for org in orgs.values():
        org["components"].sort(key=[c.value for c in Component].index)
    return sorted(orgs.values(), key=lambda o: o["name"].lower())


@dataclass
class Dossier:
    person: dict[str, Any]
    regisseur_name: str
    enrollments: list[dict[str, Any]]
    hours: list[dict[str, Any]]
    milestones: list[dict[str, Any]]
    organisations: list[dict[str, Any]]
    staff: list[dict[str, Any]]
    gemeenten: list[dict[str, Any]]
    aanbod_deadline: date | None
    aanbod_te_laat: bool
    moved: bool
    # Issue 11: DUO's inburgeringstermijn as last fetched: {"laatste_dag": date (DUO's einddatum is
    # exclusive, so the day before), "opgehaald": datetime}; None when never fetched.
    duo_term: dict[str, Any] | None = None


async def dossier(user: CurrentUser, inburgeraar_id: int, origin: str = "") -> Dossier:
    person = await person_of(user, inburgeraar_id)
    staff = await gemeente_staff(user.gemeente_id)
    regisseur = (
        await AppUser.select(AppUser.name).where(AppUser.id == person["regisseur"]).first()
        if person["regisseur"]
        else None
    )
    today = clock.today()
    result = Dossier(
        person=person,
        regisseur_name=regisseur["name"] if regisseur else "",
        enrollments=await enrollments_of(inburgeraar_id),
        hours=await hours_to_date(inburgeraar_id),
        milestones=await milestones_of(inburgeraar_id),
        organisations=await contracted_organisations(user.gemeente_id),
        staff=staff,
        gemeenten=await Gemeente.select(Gemeente.id, Gemeente.name)
        .where(Gemeente.id != user.gemeente_id)
        .order_by(Gemeente.name),
        aanbod_deadline=rules.aanbod_deadline(person["pip_dagtekening"]) if person["pip_dagtekening"] else None,
        aanbod_te_laat=person["doelgroep"] == Doelgroep.ASIEL
        and rules.aanbod_is_late(person["pip_dagtekening"], person["datum_inburgeringsaanbod"], today),
        moved=is_moved(person, today),
        duo_term=await _duo_term(inburgeraar_id),
    )
    await audit.record(
        user,
        "inburgeraar.view",
        "inburgeraar",
        inburgeraar_id,
        origin=origin,
        inburgeraar_id=inburgeraar_id,
        subject_gemeente_id=person["gemeente"],
    )
    return result


async def _duo_term(inburgeraar_id: int) -> dict[str, Any] | None:
    from municipal.duo import outbox
    from municipal.duo.events import Fetch

    row = await outbox.latest_data(inburgeraar_id, Fetch.TERMIJN)
    end = await outbox.duo_term_end(inburgeraar_id)
    if row is None or end is None:
        return None
    return {"laatste_dag": end - timedelta(days=1), "opgehaald": row["fetched_at"]}


async def history(user: CurrentUser, inburgeraar_id: int, origin: str = "") -> tuple[dict, list[dict]]:
    """Every version of every section of the dossier and of its enrollments, newest first."""
    person = await person_of(user, inburgeraar_id)
    versions = with_changes(await versions_of(inburgeraar_id=inburgeraar_id))
    if not can_edit(user):  # COA's klantprofiel is for casework only (municipal/dossier/klantprofiel.py)
        versions = [v for v in versions if v["section"] not in CASEWORK_ONLY_SECTIONS]
    await audit.record(
        user,
        "inburgeraar.history",
        "inburgeraar",
        inburgeraar_id,
        origin=origin,
        inburgeraar_id=inburgeraar_id,
        subject_gemeente_id=person["gemeente"],
        detail=f"{len(versions)} versies",
    )
    return person, list(reversed(versions))
