"""Every inbox rule alone: signals from events, the status table, routing, deadlines."""

from datetime import date

import pytest

from municipal.errors import TransitionError
from municipal.inbox.rules import (
    ALLOWED_STATUS_CHANGES,
    AbsenceFacts,
    ItemKind,
    Outcome,
    Person,
    RoutingFacts,
    Rule,
    Status,
    Thresholds,
    Totals,
    check_outcome,
    check_transition,
    deadline_for,
    delayed_start_signal,
    hour_signals,
    milestone_signals,
    route,
)
from shared.events import EventKind, decode
from shared.vocab import Doelgroep, Leerroute

TODAY = date(2026, 11, 28)
B1 = Person(1, Doelgroep.ASIEL, Leerroute.B1, 1000, date(2025, 6, 1), date(2025, 7, 1))
Z = Person(2, Doelgroep.ASIEL, Leerroute.Z, 800, date(2025, 6, 1), date(2025, 7, 1))


def hours_payload(**kw):
    """The payload as the inbox reads it back from the outbox (shared.events.decode)."""
    p = {
        "record_id": 7,
        "enrollment_id": 3,
        "organisation_id": 9,
        "component": "taal",
        "kind": "taal_knm",
        "period_start": "2026-10-01",
        "period_end": "2026-10-31",
        "attended_minutes": 600,
        "geoorloofd_minutes": 0,
        "ongeoorloofd_minutes": 0,
    }
    p.update(kw)
    return decode(EventKind.HOURS_REPORTED, p)


def milestone_payload(kind, **kw):
    p = {
        "milestone_id": 5,
        "enrollment_id": 3,
        "organisation_id": 9,
        "component": "pvt",
        "kind": kind,
        "event_date": "2026-11-20",
        "verwijtbaar": None,
    }
    p.update(kw)
    return decode(EventKind.MILESTONE_REPORTED, p)


def kinds(evaluation):
    return [s.kind for s in evaluation.signals]


def test_pvt_map_and_zroute_completions_ask_for_duo_registration():
    pvt = milestone_signals(milestone_payload("pvt_ondertekening"), B1).signals[0]
    assert (pvt.kind, pvt.key, pvt.event_date) == (ItemKind.REGISTREER_PVT, "pvt:3", date(2026, 11, 20))
    assert pvt.refs == {"milestone": [5]}
    assert kinds(milestone_signals(milestone_payload("map_eindgesprek", component="map"), B1)) == [
        ItemKind.REGISTREER_MAP
    ]
    assert kinds(milestone_signals(milestone_payload("zroute_afgerond", component="participatie"), Z)) == [
        ItemKind.REGISTREER_ZROUTE
    ]


def test_a_correction_of_a_completion_maps_to_the_same_item():
    first = milestone_signals(milestone_payload("pvt_ondertekening"), B1).signals[0]
    corrected = milestone_signals(
        milestone_payload("pvt_ondertekening", milestone_id=6, supersedes=5, event_date="2026-11-18"), B1
    ).signals[0]
    assert first.key == corrected.key and corrected.event_date == date(2026, 11, 18)


def test_not_completed_verwijtbaar_asks_for_handhaving_and_not_verwijtbaar_withdraws_it():
    ev = milestone_signals(milestone_payload("niet_voltooid", verwijtbaar=True), B1)
    assert kinds(ev) == [ItemKind.HANDHAVING_VERWIJTBAAR]
    ev = milestone_signals(milestone_payload("niet_voltooid", verwijtbaar=False), B1)
    assert ev.signals == [] and ev.withdrawn == ["verwijtbaar:3"]


def test_impeding_circumstance_goes_to_the_voortgangsgesprek():
    assert kinds(milestone_signals(milestone_payload("belemmering", component="taal"), B1)) == [ItemKind.BESPREKEN]
    assert milestone_signals(milestone_payload("voortgang", component="taal"), B1).signals == []


def test_b1_heads_up_at_550_and_afschalen_at_600():
    t = Thresholds()
    below = hour_signals(hours_payload(), B1, Totals(language=549 * 60), t, TODAY)
    assert ItemKind.AFSCHALEN_VOORAF not in kinds(below) and "afschalen-vooraf:1" in below.withdrawn
    near = hour_signals(hours_payload(), B1, Totals(language=550 * 60), t, TODAY)
    assert ItemKind.AFSCHALEN_VOORAF in kinds(near) and ItemKind.AFSCHALEN not in kinds(near)
    over = hour_signals(hours_payload(), B1, Totals(language=600 * 60), t, TODAY)
    assert ItemKind.AFSCHALEN in kinds(over) and ItemKind.AFSCHALEN_VOORAF not in kinds(over)  # not two at once
    custom = hour_signals(hours_payload(), B1, Totals(language=500 * 60), Thresholds(afschalen_vooraf_uren=500), TODAY)
    assert ItemKind.AFSCHALEN_VOORAF in kinds(custom)


def test_afschalen_only_for_asylum_status_holders_on_the_b1_route():
    gezin = Person(3, Doelgroep.GEZIN_OVERIG, Leerroute.B1, None, date(2025, 6, 1), None)
    assert ItemKind.AFSCHALEN not in kinds(
        hour_signals(hours_payload(), gezin, Totals(language=700 * 60), Thresholds(), TODAY)
    )
    assert ItemKind.AFSCHALEN not in kinds(
        hour_signals(hours_payload(), Z, Totals(language=700 * 60), Thresholds(), TODAY)
    )


def test_z_route_800_language_and_800_participation():
    ev = hour_signals(hours_payload(), Z, Totals(language=800 * 60, participation=799 * 60), Thresholds(), TODAY)
    assert ItemKind.Z_TAAL_800 in kinds(ev) and ItemKind.Z_PARTICIPATIE_800 not in kinds(ev)
    ev = hour_signals(
        hours_payload(kind="participatie_activiteiten"),
        Z,
        Totals(language=0, participation=800 * 60),
        Thresholds(),
        TODAY,
    )
    assert ItemKind.Z_PARTICIPATIE_800 in kinds(ev)


def test_unexcused_absence_above_the_threshold_in_a_period():
    t = Thresholds(verzuim_drempel_uren=8)
    ev = hour_signals(hours_payload(ongeoorloofd_minutes=7 * 60 + 45), B1, Totals(), t, TODAY)
    assert ItemKind.HANDHAVING_VERZUIM not in kinds(ev)
    ev = hour_signals(hours_payload(ongeoorloofd_minutes=8 * 60), B1, Totals(), t, TODAY)
    signal = next(s for s in ev.signals if s.kind is ItemKind.HANDHAVING_VERZUIM)
    assert signal.key == "verzuim:3:taal_knm:2026-10-01" and "8 uur ongeoorloofd" in signal.detail


def test_repeated_unexcused_absence():
    periods = ((date(2026, 10, 1), 60), (date(2026, 9, 1), 120), (date(2026, 8, 1), 30), (date(2026, 1, 1), 60))
    ev = hour_signals(
        hours_payload(ongeoorloofd_minutes=60), B1, Totals(unexcused_periods=periods), Thresholds(), TODAY
    )
    assert any(s.key == "verzuim-herhaald:1:2026-10" for s in ev.signals)
    ev = hour_signals(
        hours_payload(ongeoorloofd_minutes=60), B1, Totals(unexcused_periods=periods[:2]), Thresholds(), TODAY
    )
    assert not any(s.key.startswith("verzuim-herhaald") for s in ev.signals)


def test_progress_falling_behind_the_intensity_pro_rata():
    # 1000 hours over three years; by 31-10-2026 (517 days after the PIP) about 472 hours are expected
    behind = hour_signals(hours_payload(), B1, Totals(language=300 * 60), Thresholds(), TODAY)
    assert ItemKind.VOORTGANG_ACHTER in kinds(behind)
    on_track = hour_signals(hours_payload(), B1, Totals(language=400 * 60), Thresholds(), TODAY)
    assert ItemKind.VOORTGANG_ACHTER not in kinds(on_track)


def test_delayed_start_when_no_offer_within_three_months():
    late = Person(4, Doelgroep.ASIEL, Leerroute.B1, 800, date(2026, 6, 15), None)
    ev = delayed_start_signal(late, TODAY)
    assert kinds(ev) == [ItemKind.VERTRAAGDE_START] and ev.signals[0].event_date == date(2026, 9, 15)
    in_time = Person(4, Doelgroep.ASIEL, Leerroute.B1, 800, date(2026, 6, 15), date(2026, 9, 15))
    assert delayed_start_signal(in_time, TODAY).signals == []
    offered_late = Person(4, Doelgroep.ASIEL, Leerroute.B1, 800, date(2026, 6, 15), date(2026, 9, 16))
    assert kinds(delayed_start_signal(offered_late, TODAY)) == [ItemKind.VERTRAAGDE_START]
    not_yet = Person(4, Doelgroep.ASIEL, Leerroute.B1, 800, date(2026, 10, 1), None)
    assert delayed_start_signal(not_yet, TODAY).signals == []


def test_deadlines_in_working_days():
    t = Thresholds()
    assert deadline_for(ItemKind.REGISTREER_PVT, date(2026, 4, 28), TODAY, t) == date(2026, 5, 13)
    assert deadline_for(ItemKind.REGISTREER_MAP, date(2026, 12, 18), TODAY, t) == date(2027, 1, 5)
    assert deadline_for(ItemKind.AFSCHALEN, date(2026, 1, 1), date(2026, 12, 18), t) == date(2027, 1, 5)


def test_status_table():
    check_transition(Status.NIEUW, Status.IN_BEHANDELING)
    check_transition(Status.IN_BEHANDELING, Status.AFGEHANDELD)
    check_transition(Status.AFGEHANDELD, Status.NIEUW)
    with pytest.raises(TransitionError, match="kan niet"):
        check_transition(Status.AFGEHANDELD, Status.IN_BEHANDELING)
    with pytest.raises(TransitionError):
        check_transition(Status.NIEUW, Status.NIEUW)
    assert set(ALLOWED_STATUS_CHANGES) == set(Status)


def test_outcomes_need_their_detail():
    with pytest.raises(TransitionError, match="datum"):
        check_outcome(Outcome.GEREGISTREERD, registered_on=None, reason="", forwarded_to="", today=TODAY)
    with pytest.raises(TransitionError, match="toekomst"):
        check_outcome(Outcome.GEREGISTREERD, registered_on=date(2026, 12, 1), reason="", forwarded_to="", today=TODAY)
    with pytest.raises(TransitionError, match="reden"):
        check_outcome(Outcome.GEEN_ACTIE, registered_on=None, reason=" ", forwarded_to="", today=TODAY)
    with pytest.raises(TransitionError, match="aan wie"):
        check_outcome(Outcome.DOORGEZET, registered_on=None, reason="", forwarded_to="", today=TODAY)
    check_outcome(Outcome.GEREGISTREERD, registered_on=TODAY, reason="", forwarded_to="", today=TODAY)


FACTS = RoutingFacts(ItemKind.REGISTREER_PVT, "B1", "asiel", 9, regisseur_id=100)


def test_routing_to_the_regisseur_else_the_team_queue():
    r = route(FACTS, [], default_team_id=1, absences=[], user_team={100: 2}, today=TODAY)
    assert (r.assignee_id, r.team_id, r.rule_id) == (100, 2, None) and "regisseur" in r.reason
    orphan = RoutingFacts(ItemKind.REGISTREER_PVT, "B1", "asiel", 9, regisseur_id=None)
    r = route(orphan, [], default_team_id=1, absences=[], user_team={}, today=TODAY)
    assert (r.assignee_id, r.team_id) == (None, 1) and "teamwachtrij" in r.reason


def test_routing_rules_first_match_wins():
    rules = [
        Rule(1, "Z-route naar participatie", team_id=5, leerroute="Z"),
        Rule(2, "PVT naar team DUO", team_id=6, assignee_id=200, kind="registreer_pvt"),
        Rule(3, "alles van aanbieder 9", team_id=7, organisation_id=9),
    ]
    r = route(FACTS, rules, default_team_id=1, absences=[], user_team={}, today=TODAY)
    assert (r.rule_id, r.team_id, r.assignee_id) == (2, 6, 200) and "PVT naar team DUO" in r.reason
    other = RoutingFacts(ItemKind.AFSCHALEN, "B1", "asiel", 9, regisseur_id=100)
    assert route(other, rules, default_team_id=1, absences=[], user_team={}, today=TODAY).rule_id == 3


def test_nothing_lands_with_someone_who_is_away():
    away = [AbsenceFacts(100, date(2026, 11, 20), date(2026, 12, 4), substitute_id=101)]
    r = route(FACTS, [], default_team_id=1, absences=away, user_team={100: 2}, today=TODAY)
    assert r.assignee_id == 101 and "vervanger" in r.reason
    both_away = away + [AbsenceFacts(101, date(2026, 11, 1), date(2026, 11, 30), None)]
    r = route(FACTS, [], default_team_id=1, absences=both_away, user_team={100: 2}, today=TODAY)
    assert (r.assignee_id, r.team_id) == (None, 2) and "teamwachtrij" in r.reason
    back = [AbsenceFacts(100, date(2026, 11, 1), date(2026, 11, 27), None)]
    assert route(FACTS, [], default_team_id=1, absences=back, user_team={}, today=TODAY).assignee_id == 100
