"""Who may see whom: the one place that answers it, so every route asks the same question.

A provider sees a person only through an open enrollment at its own organisation, and only the
components of those enrollments; a gemeente user only the people of its own gemeente. Anything else
is answered as if it did not exist (404), so an id reveals nothing.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from litestar.exceptions import NotFoundException

from shared import clock
from shared.security import CurrentUser
from shared.settings import settings
from shared.tables import Enrollment, Inburgeraar
from shared.vocab import Component

# What a provider sees of a person on its pages, by the components of its open enrollments with that person
# (issue 13; handreiking §5.1: share only what the task needs). Everyone sees who the person is (IDENTITY) and
# its own enrollments; the PIP's details only a provider that needs them for the hours it reports. The rules
# behind a report (doelgroep, leerroute for a completion) are checked with the full row, never shown.
#
# | provider kind (component) | name, BSN, birth date | own enrollments | leerroute | niveau | intensiteit |
# |---------------------------|-----------------------|-----------------|-----------|--------|-------------|
# | taal (taalschool)         | yes                   | yes             | yes       | yes    | yes         |
# | participatie              | yes                   | yes             | yes (*)   | no     | no          |
# | map, pvt, begeleiding     | yes                   | yes             | no        | no     | no          |
# (*) the Z-route's 800 hours of participation count its hours.
IDENTITY = ("id", "bsn", "voornamen", "achternaam", "geboortedatum")
PROVIDER_SEES: dict[Component, frozenset[str]] = {
    Component.TAAL: frozenset({"leerroute", "niveau", "intensiteit_uren"}),
    Component.PARTICIPATIE: frozenset({"leerroute"}),
    Component.MAP: frozenset(),
    Component.PVT: frozenset(),
    Component.BEGELEIDING: frozenset(),
}


def provider_sees(components) -> set[str]:
    """The person's fields a provider with enrollments in these components may see (PROVIDER_SEES)."""
    return set(IDENTITY).union(*(PROVIDER_SEES[Component(c)] for c in components))


def shown_person(person: dict[str, Any], components) -> dict[str, Any]:
    """The person as a provider's page may show it: IDENTITY plus what PROVIDER_SEES grants for any of the
    given components; every other field is None, and "_sees" lists the fields shown."""
    allowed = provider_sees(components)
    return {**{k: (v if k in allowed else None) for k, v in person.items()}, "_sees": allowed}


PERSON_COLUMNS_FOR_PROVIDER = (
    "id",
    "bsn",
    "voornamen",
    "achternaam",
    "geboortedatum",
    "doelgroep",
    "gemeente",
    "leerroute",
    "niveau",
    "intensiteit_uren",
)


def _open_enrollment_filter(organisation_id: int, today: date):
    last_open_end = today - timedelta(days=settings.report_grace_days)
    return (
        (Enrollment.organisation == organisation_id)
        & (Enrollment.start <= today)
        & (Enrollment.end.is_null() | (Enrollment.end >= last_open_end))
        & (Enrollment.inburgeraar.verhuisd_op.is_null() | (Enrollment.inburgeraar.verhuisd_op > today))
    )


async def provider_enrollments(user: CurrentUser, inburgeraar_id: int | None = None) -> list[dict[str, Any]]:
    """Open enrollments at the user's organisation, each with the person's fields a provider may see."""
    if not user.is_provider or user.organisation_id is None:
        return []
    where = _open_enrollment_filter(user.organisation_id, clock.today())
    if inburgeraar_id is not None:
        where &= Enrollment.inburgeraar == inburgeraar_id
    person = Enrollment.inburgeraar
    rows = (
        await Enrollment.select(
            Enrollment.id,
            Enrollment.component,
            Enrollment.start,
            Enrollment.end,
            Enrollment.planned_hours,
            *(getattr(person, c).as_alias(f"p_{c}") for c in PERSON_COLUMNS_FOR_PROVIDER),
        )
        .where(where)
        .order_by(person.achternaam)
        .order_by(person.voornamen)
        .order_by(Enrollment.id)
    )
    for row in rows:
        row["component"] = Component(row["component"])
    return rows


def person_of(enrollment_row: dict[str, Any]) -> dict[str, Any]:
    return {c: enrollment_row[f"p_{c}"] for c in PERSON_COLUMNS_FOR_PROVIDER}


async def provider_person(user: CurrentUser, inburgeraar_id: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The person and the user's open enrollments with them, or 404."""
    enrollments = await provider_enrollments(user, inburgeraar_id)
    if not enrollments:
        raise NotFoundException()
    return person_of(enrollments[0]), enrollments


async def gemeente_person(user: CurrentUser, inburgeraar_id: int) -> dict[str, Any]:
    if not user.is_gemeente:
        raise NotFoundException()
    row = (
        await Inburgeraar.select()
        .where((Inburgeraar.id == inburgeraar_id) & (Inburgeraar.gemeente == user.gemeente_id))
        .first()
    )
    if row is None:
        raise NotFoundException()
    return row
