"""The pure rules: elfproef, hours, periods, limits and who may report what."""

from datetime import date

import pytest

from shared.calendar import Period, month_of, previous_month, week_of
from shared.errors import RuleError
from shared.hours import (
    HourReport,
    check_hour_amounts,
    check_may_report_hours,
    format_hours,
    parse_hours,
    progress_percent,
    visible_hour_kinds,
)
from shared.rules import (
    bsn_is_valid,
    check_event_date,
    check_may_report_milestone,
    check_period,
    enrollment_open_on,
    normalise_bsn,
)
from shared.vocab import Component, Doelgroep, HourKind, Leerroute, MilestoneKind, VerzuimReden


@pytest.mark.parametrize("bsn", ["123464560", "123481788", "124004842", "111222333", "999993653"])
def test_elfproef_accepts_valid_bsns(bsn):
    assert bsn_is_valid(bsn)


@pytest.mark.parametrize("bsn", ["123464561", "12345678", "1234567890", "abcdefghi", "000000000", ""])
def test_elfproef_refuses_wrong_bsns(bsn):
    assert not bsn_is_valid(bsn)


def test_normalise_bsn_accepts_spaces_dots_and_a_dropped_leading_zero():
    assert normalise_bsn(" 1234.64.560 ") == "123464560"
    assert normalise_bsn("11222335") == "011222335"
    with pytest.raises(RuleError, match="elfproef"):
        normalise_bsn("123464561")


@pytest.mark.parametrize(
    "raw,minutes",
    [
        ("7,5", 450),
        ("7.5", 450),
        ("7½", 450),
        ("7:30", 450),
        ("0,25", 15),
        ("¾", 45),
        ("12", 720),
        ("", 0),
        (None, 0),
        (7.5, 450),
        (8, 480),
        (" 36,75 ", 2205),
    ],
)
def test_parse_hours_reads_dutch_and_english_writing_alike(raw, minutes):
    assert parse_hours(raw) == minutes


@pytest.mark.parametrize(
    "raw,message",
    [
        ("-2", "negatief"),
        ("7,1", "kwartieren"),
        ("7,33", "kwartieren"),
        ("1.000", "niet eenduidig"),
        ("zeven", "geen aantal uren"),
        ("7,5,5", "geen aantal uren"),
        (-1.5, "negatief"),
    ],
)
def test_parse_hours_refuses_what_it_cannot_read_exactly(raw, message):
    with pytest.raises(RuleError, match=message):
        parse_hours(raw)


@pytest.mark.parametrize("minutes,text", [(450, "7,5"), (465, "7,75"), (480, "8"), (15, "0,25"), (0, "0"), (None, "0")])
def test_format_hours_writes_dutch_decimals(minutes, text):
    assert format_hours(minutes) == text


def test_month_week_and_previous_month():
    assert month_of(date(2026, 2, 11)) == Period(date(2026, 2, 1), date(2026, 2, 28))
    assert previous_month(date(2026, 1, 15)) == Period(date(2025, 12, 1), date(2025, 12, 31))
    assert week_of(date(2026, 11, 26)) == Period(date(2026, 11, 23), date(2026, 11, 29))
    assert Period(date(2026, 10, 1), date(2026, 10, 31)).days == 31


def test_period_checks():
    today = date(2026, 11, 28)
    october = Period(date(2026, 10, 1), date(2026, 10, 31))
    check_period(october, today, date(2026, 1, 1), None)
    with pytest.raises(RuleError, match="toekomst"):
        check_period(Period(date(2026, 11, 1), date(2026, 11, 30)), today, date(2026, 1, 1), None)
    with pytest.raises(RuleError, match="vóór de inschrijving"):
        check_period(october, today, date(2026, 10, 15), None)
    with pytest.raises(RuleError, match="na het einde"):
        check_period(october, today, date(2026, 1, 1), date(2026, 10, 20))
    with pytest.raises(RuleError, match="begindatum ligt na"):
        check_period(Period(date(2026, 10, 31), date(2026, 10, 1)), today, date(2026, 1, 1), None)


def test_event_date_not_in_future_nor_before_enrollment():
    check_event_date(date(2026, 11, 28), date(2026, 11, 28), date(2026, 1, 1))
    with pytest.raises(RuleError, match="toekomst"):
        check_event_date(date(2026, 11, 29), date(2026, 11, 28), date(2026, 1, 1))
    with pytest.raises(RuleError, match="vóór de inschrijving"):
        check_event_date(date(2025, 12, 31), date(2026, 11, 28), date(2026, 1, 1))


def _report(attended=0, geoorloofd=0, ongeoorloofd=0, reden=None, days=1):
    start = date(2026, 10, 1)
    return HourReport(HourKind.TAAL_KNM, Period(start, date(2026, 10, days)), attended, geoorloofd, ongeoorloofd, reden)


def test_hours_cannot_exceed_what_the_period_holds():
    check_hour_amounts(_report(attended=24 * 60))
    with pytest.raises(RuleError, match="past niet"):
        check_hour_amounts(_report(attended=20 * 60, geoorloofd=5 * 60, reden=VerzuimReden.ZIEK))
    check_hour_amounts(_report(attended=31 * 24 * 60, days=31))


def test_verzuim_needs_a_reason_and_an_empty_report_says_nothing():
    with pytest.raises(RuleError, match="reden"):
        check_hour_amounts(_report(attended=60, ongeoorloofd=120))
    with pytest.raises(RuleError, match="0 uur"):
        check_hour_amounts(_report())
    with pytest.raises(RuleError, match="negatief"):
        check_hour_amounts(_report(attended=-15))
    assert _report(60, 30, 15, VerzuimReden.ZIEK).followed == 105


ANY_TIME = {"period": Period(date(2026, 10, 1), date(2026, 10, 31)), "pip_dagtekening": None}


def test_gezinsmigrant_language_hours_are_refused_but_participation_is_not():
    with pytest.raises(RuleError, match="rechtstreeks aan DUO"):
        check_may_report_hours(Component.TAAL, HourKind.TAAL_KNM, Doelgroep.GEZIN_OVERIG, **ANY_TIME)
    with pytest.raises(RuleError, match="rechtstreeks aan DUO"):
        check_may_report_hours(
            Component.PARTICIPATIE, HourKind.PARTICIPATIE_TAALLES, Doelgroep.GEZIN_OVERIG, **ANY_TIME
        )
    check_may_report_hours(Component.PVT, HourKind.PARTICIPATIE_ACTIVITEITEN, Doelgroep.GEZIN_OVERIG, **ANY_TIME)
    check_may_report_hours(Component.TAAL, HourKind.TAAL_KNM, Doelgroep.ASIEL, **ANY_TIME)


def test_a_provider_reports_only_the_hours_its_component_carries():
    with pytest.raises(RuleError, match="geen uren"):
        check_may_report_hours(Component.PVT, HourKind.TAAL_KNM, Doelgroep.ASIEL, **ANY_TIME)
    with pytest.raises(RuleError, match="geen uren"):
        check_may_report_hours(Component.BEGELEIDING, HourKind.PARTICIPATIE_ACTIVITEITEN, Doelgroep.ASIEL, **ANY_TIME)
    assert HourKind.TAAL_KNM not in visible_hour_kinds({Component.PVT})
    assert visible_hour_kinds({Component.TAAL}) == {HourKind.TAAL_KNM, HourKind.BREDE_INTAKE}


def test_milestones_by_component_and_route():
    check_may_report_milestone(Component.MAP, MilestoneKind.MAP_EINDGESPREK, Leerroute.B1)
    with pytest.raises(RuleError, match="onderwijsroute is de MAP niet verplicht"):
        check_may_report_milestone(Component.MAP, MilestoneKind.MAP_EINDGESPREK, Leerroute.ONDERWIJS)
    with pytest.raises(RuleError, match="hoort geen melding"):
        check_may_report_milestone(Component.TAAL, MilestoneKind.PVT_ONDERTEKENING, Leerroute.B1)
    with pytest.raises(RuleError, match="onderwijsroute"):
        check_may_report_milestone(Component.TAAL, MilestoneKind.TAALSCHAKELTRAJECT_AFGEROND, Leerroute.B1)
    check_may_report_milestone(Component.TAAL, MilestoneKind.TAALSCHAKELTRAJECT_AFGEROND, Leerroute.ONDERWIJS)


def test_enrollment_is_open_from_start_until_the_grace_period_after_its_end():
    start, end = date(2026, 1, 1), date(2026, 10, 31)
    assert not enrollment_open_on(start, end, date(2025, 12, 31), 31)
    assert enrollment_open_on(start, None, date(2030, 1, 1), 31)
    assert enrollment_open_on(start, end, date(2026, 12, 1), 31)
    assert not enrollment_open_on(start, end, date(2026, 12, 2), 31)


def test_progress_towards_600_and_800_hours():
    assert progress_percent(300 * 60, 600 * 60) == 50
    assert progress_percent(900 * 60, 600 * 60) == 100
    assert progress_percent(100, None) is None


def test_brede_intake_hours_lie_before_the_pip():
    """§3.4.7: hours during the brede intake are hours before the PIP. October 2026 for a person whose PIP is
    dated 15-01-2026 is refused, saying which kind to use; periods up to the dagtekening are accepted."""
    pip = date(2026, 1, 15)
    october = Period(date(2026, 10, 1), date(2026, 10, 31))
    with pytest.raises(RuleError, match="vóór het PIP") as refused:
        check_may_report_hours(
            Component.TAAL, HourKind.BREDE_INTAKE, Doelgroep.ASIEL, period=october, pip_dagtekening=pip
        )
    assert refused.value.field == "kind" and "15-01-2026" in refused.value.message
    assert "Meld deze uren als 'Taal en KNM'" in refused.value.message
    with pytest.raises(RuleError) as refused:
        check_may_report_hours(
            Component.PARTICIPATIE, HourKind.BREDE_INTAKE, Doelgroep.ASIEL, period=october, pip_dagtekening=pip
        )
    assert "'Taalles in participatietraject' of 'Participatieactiviteiten'" in refused.value.message
    january = Period(date(2026, 1, 1), date(2026, 1, 31))  # straddles the dagtekening: split it
    with pytest.raises(RuleError, match="Splits de periode: tot en met 15-01-2026 als brede intake"):
        check_may_report_hours(
            Component.TAAL, HourKind.BREDE_INTAKE, Doelgroep.ASIEL, period=january, pip_dagtekening=pip
        )
    for before in (Period(date(2025, 12, 1), date(2025, 12, 31)), Period(date(2026, 1, 1), pip)):
        check_may_report_hours(
            Component.TAAL, HourKind.BREDE_INTAKE, Doelgroep.ASIEL, period=before, pip_dagtekening=pip
        )
    # no PIP yet: the brede intake is still going on
    check_may_report_hours(Component.TAAL, HourKind.BREDE_INTAKE, Doelgroep.ASIEL, period=october, pip_dagtekening=None)
    # the other kinds are not bound to the PIP
    check_may_report_hours(Component.TAAL, HourKind.TAAL_KNM, Doelgroep.ASIEL, period=january, pip_dagtekening=pip)


def test_what_the_portal_offers_follows_route_and_doelgroep():
    from shared.hours import hour_kinds_for
    from shared.rules import expects_completion, milestone_kinds_for

    assert hour_kinds_for(Component.TAAL, Doelgroep.GEZIN_OVERIG) == ()
    assert hour_kinds_for(Component.PARTICIPATIE, "gezin_overig") == (HourKind.PARTICIPATIE_ACTIVITEITEN,)
    assert hour_kinds_for(Component.TAAL, Doelgroep.ASIEL) == (HourKind.TAAL_KNM, HourKind.BREDE_INTAKE)
    assert MilestoneKind.MAP_EINDGESPREK in milestone_kinds_for(Component.MAP, Leerroute.B1)
    assert MilestoneKind.MAP_EINDGESPREK not in milestone_kinds_for(Component.MAP, "onderwijs")
    assert expects_completion(Component.MAP, Leerroute.B1) and expects_completion(Component.MAP, Leerroute.Z)
    assert not expects_completion(Component.MAP, Leerroute.ONDERWIJS)
    assert expects_completion(Component.PVT, Leerroute.ONDERWIJS)  # the PVT is required on every route
    assert not expects_completion(Component.TAAL, Leerroute.B1)
    assert MilestoneKind.TAALSCHAKELTRAJECT_AFGEROND in milestone_kinds_for(Component.TAAL, Leerroute.ONDERWIJS)
    assert MilestoneKind.TAALSCHAKELTRAJECT_AFGEROND not in milestone_kinds_for(Component.TAAL, Leerroute.B1)
    assert MilestoneKind.ZROUTE_AFGEROND in milestone_kinds_for(Component.PARTICIPATIE, Leerroute.Z)
    # everything offered is accepted, everything else refused, for every route and component
    for component in Component:
        for route in (*Leerroute, None):
            offered = milestone_kinds_for(component, route)
            for kind in MilestoneKind:
                if kind in offered:
                    check_may_report_milestone(component, kind, route)
                else:
                    with pytest.raises(RuleError):
                        check_may_report_milestone(component, kind, route)
        for doelgroep in Doelgroep:
            offered = hour_kinds_for(component, doelgroep)
            for kind in HourKind:
                if kind in offered:
                    check_may_report_hours(component, kind, doelgroep, **ANY_TIME)
                else:
                    with pytest.raises(RuleError):
                        check_may_report_hours(component, kind, doelgroep, **ANY_TIME)
