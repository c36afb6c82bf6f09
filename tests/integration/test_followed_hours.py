"""One definition of followed hours (shared/hours.py), and every caller agrees with it on the same person.

The person below has 580 hours Taal en KNM from a BoW-certified school, 40 hours of taalles in a
participation trajectory from a volunteer organisation without the BoW mark, 30 hours during the brede
intake and 20 hours of participation activities. Toward the 600-hour afschalen mark count 580: not 620
(informal taalles), not 650 (brede intake too). Before issue 8 the PIP form allowed afschalen on 620 while
the inbox and the DUO check said 580, and the timeline's running total counted the brede intake.
"""

from datetime import date, timedelta

import pytest

from municipal.dossier import sections as dossier
from municipal.dossier.rules import Pip
from municipal.errors import RuleErrors
from municipal.inbox import services as inbox
from municipal.inbox.duo import DuoFacts, registration_for
from municipal.inbox.rules import ItemKind
from municipal.inbox.timeline import timeline
from portal import services as portal
from shared import clock
from shared.hours import followed_hours
from shared.security import CurrentUser
from shared.tables import AppUser, HourRecord, Inburgeraar
from shared.vocab import Leerroute, Niveau

H = 60


async def user(email) -> CurrentUser:
    return CurrentUser.from_row(await AppUser.select().where(AppUser.email == email).first())


async def record(person, enrollment, organisation, kind, hours, *, formal, month_back):
    start = (clock.today().replace(day=1) - timedelta(days=31 * month_back)).replace(day=1)
    end = (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    await HourRecord.insert(
        HourRecord(
            enrollment=enrollment,
            inburgeraar=person,
            organisation=organisation,
            kind=kind,
            period_start=start,
            period_end=end,
            attended_minutes=hours * H,
            formal=formal,
            source="form",
        )
    )


@pytest.fixture
async def amina(world):
    """Amina on the B1-route with a first PIP at B1, and the four kinds of hours above."""
    from tests.support import make_enrollment

    person = world.people["amina"]
    await Inburgeraar.update(
        {
            Inburgeraar.niveau: "B1",
            Inburgeraar.pip_nummer: 1,
            Inburgeraar.plicht_start: date(2024, 1, 1),
            Inburgeraar.termijn_start: clock.today() - timedelta(days=400),
        }
    ).where(Inburgeraar.id == person)
    participatie = await make_enrollment(person, world.volunteers, "participatie")
    await record(person, world.enrollments["amina_taal"], world.school, "taal_knm", 580, formal=True, month_back=2)
    await record(person, participatie, world.volunteers, "participatie_taalles", 40, formal=False, month_back=2)
    await record(person, world.enrollments["amina_taal"], world.school, "brede_intake", 30, formal=True, month_back=11)
    await record(person, participatie, world.volunteers, "participatie_activiteiten", 20, formal=False, month_back=3)
    return person


async def afschalen(person) -> None:
    regisseur = await user("regisseur@test.nl")
    row = await Inburgeraar.select().where(Inburgeraar.id == person).first()
    await dossier.set_pip(
        regisseur,
        person,
        dossier.PipInput(
            Pip(
                dagtekening=clock.today(), leerroute=Leerroute.B1, niveau=Niveau.A2, intensiteit=row["intensiteit_uren"]
            )
        ),
    )


async def test_the_one_definition_counts_only_formal_language_hours(amina):
    followed = (await followed_hours([amina]))[amina]
    assert (followed.language, followed.brede_intake, followed.not_counted, followed.participation) == (
        580 * H,
        30 * H,
        40 * H,
        20 * H,
    )


async def test_the_inbox_totals_agree(amina):
    totals = await inbox.totals_for(amina)
    assert (totals.language, totals.participation) == (580 * H, 20 * H)


async def test_the_timeline_agrees_and_leaves_out_the_brede_intake(amina):
    person = await Inburgeraar.select().where(Inburgeraar.id == amina).first()
    shown = await timeline(person)
    assert shown["totals"]["taal"] == "580"
    assert any("telt niet mee" in e.detail for e in shown["events"])  # the brede intake line


async def test_the_pip_form_refuses_afschalen_below_the_mark_the_inbox_uses(amina):
    with pytest.raises(RuleErrors) as refused:
        await afschalen(amina)
    assert "580 uur" in refused.value.message


async def test_the_duo_check_agrees(amina):
    totals = await inbox.totals_for(amina)
    facts = DuoFacts(
        bsn="123464560",
        event_date=clock.today(),
        term_start=None,
        leerroute="B1",
        doelgroep="asiel",
        intensiteit_uren=800,
        language_minutes=totals.language,
    )
    assert any("600 uur" in p for p in registration_for(ItemKind.AFSCHALEN, facts, clock.today()).problems)


async def test_each_provider_sees_what_counts_of_its_own_hours(amina, world):
    school = await portal.overview(await user("school@test.nl"))
    volunteers = await portal.overview(await user("vrijwilliger@test.nl"))
    assert [p.language_followed for p in school.people if p.person["id"] == amina] == [580 * H]
    assert [p.language_followed for p in volunteers.people if p.person["id"] == amina] == [0]


async def test_at_the_mark_every_caller_says_yes_together(amina, world):
    await record(amina, world.enrollments["amina_taal"], world.school, "taal_knm", 20, formal=True, month_back=1)
    assert (await followed_hours([amina]))[amina].language == 600 * H
    assert (await inbox.totals_for(amina)).language == 600 * H
    person = await Inburgeraar.select().where(Inburgeraar.id == amina).first()
    assert (await timeline(person))["totals"]["taal"] == "600"
    await afschalen(amina)  # allowed now
    assert (await Inburgeraar.select(Inburgeraar.niveau).where(Inburgeraar.id == amina).first())["niveau"] == "A2"
