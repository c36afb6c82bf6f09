"""Enrollments: a person placed with a contracted provider for a component, changed or ended as new
versions (the organisation and component stay: placing someone elsewhere is a new enrollment). Whether a
placement may exist is municipal/providers/rules.py's `check_placement`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from litestar.exceptions import NotFoundException
from piccolo.query.functions.aggregate import Max, Min

from municipal.dossier.access import person_for_update, person_of, require_edit
from municipal.errors import NothingChanged, RuleError
from municipal.providers import rules as provider_rules
from municipal.providers.rules import ContractPeriod, Placement
from municipal.versions import SECTIONS
from shared import audit, events, mail
from shared.db import lock_for_update, write_tx
from shared.events import EventKind
from shared.history import record_version, snapshot, versions_of, with_changes
from shared.security import CurrentUser
from shared.settings import settings
from shared.tables import AppUser, Contract, Enrollment, Gemeente, HourRecord, Organisation
from shared.vocab import Component, Doelgroep, Role


async def _contract_periods(gemeente_id: int, organisation_id: int) -> list[ContractPeriod]:
    rows = await Contract.select(Contract.component, Contract.start, Contract.end).where(
        (Contract.gemeente == gemeente_id) & (Contract.organisation == organisation_id)
    )
    return [ContractPeriod(Component(r["component"]), r["start"], r["end"]) for r in rows]


def _placement(row: dict[str, Any]) -> Placement:
    return Placement(row["organisation"], Component(row["component"]), row["start"], row["end"], row["planned_hours"])


async def _check_placement(person: dict[str, Any], p: Placement, except_id: int | None = None) -> None:
    org = await Organisation.select(Organisation.bow_keurmerk).where(Organisation.id == p.organisation).first()
    if org is None:
        raise RuleError("Kies een aanbieder uit de lijst.", "organisation")
    others = [
        _placement(e)
        for e in await Enrollment.select().where(
            (Enrollment.inburgeraar == person["id"]) & (Enrollment.id != (except_id or 0))
        )
    ]
    reported = None
    if except_id is not None:
        span = (
            await HourRecord.select(
                Min(HourRecord.period_start, alias="first"), Max(HourRecord.period_end, alias="last")
            )
            .where((HourRecord.enrollment == except_id) & HourRecord.superseded_by.is_null())
            .first()
        )
        if span and span["first"]:
            # SQLite returns MIN/MAX of a date column as text.
            as_date = lambda v: date.fromisoformat(v) if isinstance(v, str) else v  # noqa: E731
            reported = (as_date(span["first"]), as_date(span["last"]))
    provider_rules.check_placement(
        p,
        doelgroep=Doelgroep(person["doelgroep"]),
        bow_keurmerk=bool(org["bow_keurmerk"]),
        contracts=await _contract_periods(person["gemeente"], p.organisation),
        verhuisd_op=person["verhuisd_op"],
        others=others,
        reported=reported,
    )


def _enrollment_payload(
    row: dict[str, Any], previous: dict[str, Any] | None = None, note: str = ""
) -> events.EnrollmentPayload:
    return events.EnrollmentPayload(
        enrollment_id=row["id"],
        organisation_id=row["organisation"],
        component=row["component"],
        start=row["start"],
        end=row["end"],
        planned_hours=row["planned_hours"],
        previous=previous,
        note=note,
    )


async def write_enrollment(
    user: CurrentUser,
    person: dict[str, Any],
    row: dict[str, Any],
    values: dict[str, Any],
    *,
    origin: str,
    event: EventKind,
    note: str = "",
) -> dict[str, Any]:
    """Store the enrollment's new values and append the version, its event and audit entry; NothingChanged if
    equal. Call inside write_tx (a move out ends enrollments this way too).

    Raises NothingChanged when the new values equal the current ones."""
    fields = SECTIONS["inschrijving"]
    before = snapshot(row, fields)
    after = {**before, **snapshot(values, values.keys())}
    if after == before:
        raise NothingChanged()
    await Enrollment.update({getattr(Enrollment, k): v for k, v in values.items()}).where(Enrollment.id == row["id"])
    await record_version(
        "inschrijving",
        "enrollment",
        row["id"],
        after,
        actor=user,
        inburgeraar_id=person["id"],
        gemeente_id=person["gemeente"],
        note=note,
        before=before,
    )
    await events.emit(
        event,
        _enrollment_payload({**row, **values}, previous=before, note=note),
        inburgeraar_id=person["id"],
        gemeente_id=person["gemeente"],
    )
    if event is EventKind.ENROLLMENT_ENDED and after["end"] is not None:
        await notify_enrollment_ended(person, {**row, **values})
    await audit.record(
        user,
        event,
        "enrollment",
        row["id"],
        origin=origin,
        inburgeraar_id=person["id"],
        subject_gemeente_id=person["gemeente"],
        detail=", ".join(f"{k} {before[k]} → {after[k]}" for k in fields if before[k] != after[k]),
    )
    return after


async def notify_enrollment_ended(person: dict[str, Any], enrollment: dict[str, Any]) -> int:
    """Queue a notice to the provider that an enrollment it reports on ends: to the organisation's beheerders,
    or to its staff when it has none. No name or BSN in the mail (it may travel unencrypted): the component,
    the gemeente, the end date, how long hours can still be reported, and a link to the person in the portal.
    One mail per recipient, enrollment and end date. Call inside the transaction that ends the enrollment."""
    org = enrollment["organisation"]
    accounts = await AppUser.select(AppUser.email, AppUser.name, AppUser.role).where(
        (AppUser.organisation == org)
        & AppUser.active.eq(True)
        & AppUser.role.is_in([Role.BEHEERDER.value, Role.PROVIDER.value])
    )
    beheer = [a for a in accounts if a["role"] == Role.BEHEERDER.value]
    gemeente = await Gemeente.select(Gemeente.name).where(Gemeente.id == person["gemeente"]).first()
    end = enrollment["end"]
    last_day = end + timedelta(days=settings.report_grace_days)
    component = Component(enrollment["component"]).label
    portal_link = mail.link(f"/portaal/inburgeraars/{person['id']}")
    body = (
        f"Gemeente {gemeente['name']} heeft een inschrijving bij uw organisatie beëindigd.\n\n"
        f"Onderdeel: {component}\nLaatste dag: {end:%d-%m-%Y}\n\n"
        f"Meld de uren en het verzuim tot en met de laatste dag. Dat kan tot en met {last_day:%d-%m-%Y}; "
        "daarna ziet u deze persoon niet meer in Regie.\n\n"
        f"Bekijk de inschrijving in Regie:\n{portal_link}\n\n"
        "Met vriendelijke groet,\nRegie\n"
    )
    queued = 0
    for account in beheer or accounts:
        made = await mail.queue(
            account["email"],
            f"Inschrijving beëindigd per {end:%d-%m-%Y} ({component})",
            body,
            kind=mail.MailKind.ENROLLMENT_ENDED,
            dedupe_key=f"enrollment-ended:{enrollment['id']}:{end.isoformat()}:{account['email']}",
            gemeente_id=person["gemeente"],
            organisation_id=org,
        )
        queued += made is not None
    return queued


async def enrol(user: CurrentUser, inburgeraar_id: int, p: Placement, origin: str = "") -> int:
    require_edit(user)
    async with write_tx():
        person = await person_for_update(user, inburgeraar_id)
        await _check_placement(person, p)
        rows = await Enrollment.insert(
            Enrollment(
                inburgeraar=inburgeraar_id,
                organisation=p.organisation,
                component=p.component.value,
                start=p.start,
                end=p.end,
                planned_hours=p.planned_hours,
            )
        ).returning(Enrollment.id)
        new_id = rows[0]["id"]
        data = {
            "id": new_id,
            "organisation": p.organisation,
            "component": p.component.value,
            "start": p.start,
            "end": p.end,
            "planned_hours": p.planned_hours,
        }
        await record_version(
            "inschrijving",
            "enrollment",
            new_id,
            snapshot(data, SECTIONS["inschrijving"]),
            actor=user,
            inburgeraar_id=inburgeraar_id,
            gemeente_id=person["gemeente"],
            kind="register",
        )
        await events.emit(
            EventKind.ENROLLMENT_STARTED,
            _enrollment_payload(data),
            inburgeraar_id=inburgeraar_id,
            gemeente_id=person["gemeente"],
        )
        await audit.record(
            user,
            "enrollment.started",
            "enrollment",
            new_id,
            origin=origin,
            inburgeraar_id=inburgeraar_id,
            subject_gemeente_id=person["gemeente"],
            detail=f"{p.component.value} bij organisatie {p.organisation}",
        )
        return new_id


async def enrollment_of(user: CurrentUser, enrollment_id: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """The enrollment and its person, if the person belongs to the user's gemeente; else 404.

    Raises NotFoundException (404) for a provider user, or an enrollment outside the user's gemeente."""
    if not user.is_gemeente:
        raise NotFoundException()
    row = (
        await Enrollment.select(
            Enrollment.all_columns(),
            Enrollment.organisation.name.as_alias("organisation_name"),
        )
        .where(Enrollment.id == enrollment_id)
        .first()
    )
    if row is None:
        raise NotFoundException()
    person = await person_of(user, row["inburgeraar"])
    return row, person


@dataclass(frozen=True)
class EnrollmentChange:
    start: date
    end: date | None
    planned_hours: int | None
    note: str = ""


async def change_enrollment(
    user: CurrentUser, enrollment_id: int, c: EnrollmentChange, *, ending: bool = False, origin: str = ""
) -> dict[str, Any]:
    """Change start, end or planned hours (a new version; the organisation and component stay: placing
    someone elsewhere is a new enrollment). `ending` only sets the end date.

    Raises RuleError (with the field) when `ending` has no end date or the change breaks an enrollment rule."""
    require_edit(user)
    async with write_tx():
        row, person = await enrollment_of(user, enrollment_id)
        await lock_for_update(Enrollment, enrollment_id)
        if ending and c.end is None:
            raise RuleError("Vul de einddatum in.", "end")
        values = {"start": c.start, "end": c.end, "planned_hours": c.planned_hours}
        await _check_placement(
            person,
            Placement(row["organisation"], Component(row["component"]), c.start, c.end, c.planned_hours),
            except_id=enrollment_id,
        )
        event = (
            EventKind.ENROLLMENT_ENDED
            if c.end is not None and c.end != row["end"] and (row["end"] is None or c.end < row["end"])
            else EventKind.ENROLLMENT_CHANGED
        )
        return await write_enrollment(user, person, row, values, origin=origin, event=event, note=c.note.strip())


async def enrollment_history(enrollment_id: int) -> list[dict[str, Any]]:
    return list(reversed(with_changes(await versions_of(object_type="enrollment", object_id=enrollment_id))))
