"""The build-up of warnings and fines and its 12-month restart (handreiking §4.7), and what a decision needs."""

from datetime import date

import pytest

from municipal.errors import RuleErrors
from municipal.handhaving.rules import (
    DEFAULT_STEPS,
    Besluit,
    Decision,
    Matiging,
    Prior,
    Step,
    build_up,
    check_decision,
    check_steps,
)
from shared.errors import RuleError
from shared.rules import format_euros, parse_euros

STEPS = (Step(1, "waarschuwing"), Step(2, "boete", 25_000, 40_000), Step(3, "boete", 50_000, 80_000))
W, B = Besluit.WAARSCHUWING, Besluit.BOETE


def test_the_first_overtreding_is_the_first_step():
    up = build_up(date(2026, 5, 1), [], STEPS)
    assert up.position == 1 and not up.step.is_fine and up.counted == ()
    assert "eerste overtreding" in up.explanation()


def test_each_sanctioned_overtreding_within_12_months_moves_one_step_and_the_last_step_repeats():
    prior = [Prior(date(2026, 1, 10), W)]
    assert build_up(date(2026, 5, 1), prior, STEPS).position == 2
    prior.append(Prior(date(2026, 5, 1), B))
    assert build_up(date(2026, 9, 1), prior, STEPS).step.normbedrag_cents == 50_000
    prior.append(Prior(date(2026, 9, 1), B))
    up = build_up(date(2026, 12, 1), prior, STEPS)
    assert up.position == 4 and up.step == STEPS[-1]  # beyond the table: its last step


def test_the_build_up_restarts_when_12_months_or_more_lie_between_two_overtredingen():
    prior = [Prior(date(2025, 1, 15), W), Prior(date(2025, 3, 1), B)]
    exactly = build_up(date(2026, 3, 1), prior, STEPS)  # 12 months to the day: restart
    assert exactly.position == 1 and exactly.restarted_after == date(2025, 3, 1)
    assert "begint opnieuw" in exactly.explanation()
    assert build_up(date(2026, 2, 28), prior, STEPS).position == 3  # one day less: the chain goes on
    # A long gap further back cuts the chain there: only the recent ones count.
    chain = [Prior(date(2023, 6, 1), B), Prior(date(2025, 1, 1), W), Prior(date(2025, 6, 1), B)]
    up = build_up(date(2025, 12, 1), chain, STEPS)
    assert up.position == 3 and up.counted == (date(2025, 6, 1), date(2025, 1, 1))
    assert up.restarted_after == date(2023, 6, 1)


def test_only_warnings_and_fines_build_up_and_only_earlier_overtredingen_count():
    prior = [
        Prior(date(2026, 1, 1), Besluit.GEEN_ACTIE),  # not verwijtbaar
        Prior(date(2026, 2, 1), Besluit.PARTICIPATIEWET),  # punished under the other law
        Prior(date(2026, 3, 1), None),  # no decision yet
        Prior(date(2026, 8, 1), W),  # later than this one
    ]
    assert build_up(date(2026, 4, 1), prior, STEPS).position == 1


def test_a_fine_above_the_maximum_or_before_a_warning_is_due_is_refused():
    today = date(2026, 11, 18)
    fine = Decision(B, "Drie keer niet verschenen", date(2026, 11, 10), 45_000, Matiging.VERHOOGD, "Opzet")
    with pytest.raises(RuleErrors) as e:
        check_decision(fine, overtreding_datum=date(2026, 11, 1), step=STEPS[1], current=None, today=today)
    assert e.value.field == "bedrag" and "maximum van € 400,00" in e.value.message
    with pytest.raises(RuleErrors) as e:
        check_decision(fine, overtreding_datum=date(2026, 11, 1), step=STEPS[0], current=None, today=today)
    assert "eerst een waarschuwing" in e.value.message
    ok = Decision(B, "Niet verschenen", date(2026, 11, 10), 40_000, Matiging.VERHOOGD, "Herhaald en opzettelijk")
    check_decision(ok, overtreding_datum=date(2026, 11, 1), step=STEPS[1], current=None, today=today)


def test_an_amount_off_the_normbedrag_needs_the_right_direction_and_a_reason():
    today = date(2026, 11, 18)
    step = STEPS[1]
    lower = Decision(B, "Reden", date(2026, 11, 10), 10_000)
    with pytest.raises(RuleErrors) as e:
        check_decision(lower, overtreding_datum=date(2026, 11, 1), step=step, current=None, today=today)
    assert e.value.field == "matiging" and "gematigd" in e.value.message
    no_reason = Decision(B, "Reden", date(2026, 11, 10), 10_000, Matiging.GEMATIGD)
    with pytest.raises(RuleErrors) as e:
        check_decision(no_reason, overtreding_datum=date(2026, 11, 1), step=step, current=None, today=today)
    assert e.value.field == "matiging_reden"
    norm = Decision(B, "Reden", date(2026, 11, 10), 25_000)
    check_decision(norm, overtreding_datum=date(2026, 11, 1), step=step, current=None, today=today)


def test_one_fact_is_not_punished_twice():
    today = date(2026, 11, 18)
    fine = Decision(B, "Reden", date(2026, 11, 10), 25_000)
    with pytest.raises(RuleErrors) as e:
        check_decision(
            fine, overtreding_datum=date(2026, 11, 1), step=STEPS[1], current=Besluit.PARTICIPATIEWET, today=today
        )
    assert "niet twee keer" in e.value.message
    participatiewet = Decision(Besluit.PARTICIPATIEWET, "Uitkering verlaagd", date(2026, 11, 10))
    with pytest.raises(RuleErrors) as e:
        check_decision(participatiewet, overtreding_datum=date(2026, 11, 1), step=STEPS[1], current=B, today=today)
    assert "al een boete" in e.value.message


def test_every_decision_has_a_reason_and_a_date_that_is_possible():
    with pytest.raises(RuleErrors) as e:
        check_decision(
            Decision(W, " ", date(2026, 12, 1)),
            overtreding_datum=date(2026, 11, 1),
            step=STEPS[0],
            current=None,
            today=date(2026, 11, 18),
        )
    assert {x.field for x in e.value.errors} == {"reden", "besluit_datum"}
    check_decision(
        Decision(Besluit.GEEN_ACTIE, "Niet verwijtbaar: ziek (art. 5:41 Awb)"),
        overtreding_datum=date(2026, 11, 1),
        step=STEPS[1],
        current=None,
        today=date(2026, 11, 18),
    )


def test_a_gemeente_table_stays_within_the_law():
    check_steps(list(DEFAULT_STEPS))
    with pytest.raises(RuleErrors) as e:
        check_steps([Step(1, "boete", 90_000, 90_000), Step(2, "boete", 50_000, 40_000)])
    assert {x.field for x in e.value.errors} == {"maximum-1", "maximum-2"}
    with pytest.raises(RuleErrors):
        check_steps([])


def test_amounts_are_read_and_written_the_dutch_way_in_cents():
    assert [parse_euros(t, "b") for t in ("250", "250,5", "€ 1.250,50", "250.50")] == [25_000, 25_050, 125_050, 25_050]
    assert format_euros(125_050) == "€ 1.250,50"
    for bad in ("", "twee", "1,234", "-5"):
        with pytest.raises(RuleError):
            parse_euros(bad, "b")
