"""DUO's term rules for what Regie sends (municipal/inbox/duo.py), on the cases in tests/fixtures/: a MAP/PVT
after DUO's term end needs `verwijtbaar` Ja/Nee, a MAP/PVT after a Z-route completion is refused, and
`verwijtbaar` is judged on DUO's own `einddatum` (exclusive, extensions included)."""

import json
from dataclasses import replace
from datetime import date

import pytest

from municipal.duo.contract import validate_request
from municipal.inbox.duo import DuoFacts, registration_for
from municipal.inbox.rules import ItemKind
from tests.support import FIXTURES

LATE = json.loads((FIXTURES / "duo-late-map-needs-verwijtbaar.json").read_text())
TERM = json.loads((FIXTURES / "duo-term-end-extension.json").read_text())["cases"]


def facts(**kw) -> DuoFacts:
    base = DuoFacts(
        bsn=LATE["bsn"],
        event_date=date.fromisoformat(LATE["map_eindgesprek"]),
        term_start=date.fromisoformat(LATE["term_start"]),
        leerroute="B1",
        doelgroep="asiel",
        intensiteit_uren=800,
        duo_term_end=date.fromisoformat(LATE["duo_term_einddatum_exclusive"]),
    )
    return replace(base, **kw)


TODAY = date.fromisoformat(LATE["today"])


@pytest.mark.parametrize("kind", [ItemKind.REGISTREER_MAP, ItemKind.REGISTREER_PVT])
def test_after_duos_term_end_a_map_or_pvt_asks_verwijtbaar_and_is_not_sent_without(kind):
    reg = registration_for(kind, facts(), TODAY)
    assert reg.asks_verwijtbaar and "tot en met 31-05-2026" in reg.asks_verwijtbaar
    assert not reg.can_send and "verwijtbaar" not in reg.body


@pytest.mark.parametrize("answer", ["Ja", "Nee"])
def test_with_the_regisseurs_answer_it_is_sent_with_verwijtbaar(answer):
    reg = registration_for(ItemKind.REGISTREER_MAP, facts(verwijtbaar=answer), TODAY)
    assert reg.can_send and reg.body == {**LATE["product_body"], "verwijtbaar": answer}
    validate_request(reg.method, reg.path, reg.body)


def test_on_the_last_day_of_the_term_no_verwijtbaar_is_asked():
    reg = registration_for(ItemKind.REGISTREER_MAP, facts(event_date=date(2026, 5, 20)), date(2026, 5, 31))
    assert reg.can_send and "verwijtbaar" not in reg.body


def test_a_map_or_pvt_after_the_zroute_completion_is_refused():
    for kind in (ItemKind.REGISTREER_MAP, ItemKind.REGISTREER_PVT):
        reg = registration_for(kind, facts(zroute_completed=date(2026, 11, 10), verwijtbaar="Nee"), TODAY)
        assert not reg.can_send
        assert any("na de afronding van de Z-route (10-11-2026)" in p for p in reg.problems)
    same_day = registration_for(
        ItemKind.REGISTREER_MAP, facts(zroute_completed=date(2026, 11, 20), verwijtbaar="Nee"), TODAY
    )
    assert same_day.can_send


def test_verwijtbaar_ja_from_duos_exclusive_end_day_not_a_day_later():
    case = TERM[0]
    end = date.fromisoformat(case["duo_einddatum_exclusive"])
    f = facts(term_start=date.fromisoformat(case["term_start"]), duo_term_end=end, component="map")
    on_end = registration_for(ItemKind.HANDHAVING_VERWIJTBAAR, f, date.fromisoformat(case["today"]))
    assert on_end.can_send and on_end.body == {"verwijtbaar": "Ja"}
    day_before = registration_for(ItemKind.HANDHAVING_VERWIJTBAAR, f, date(2027, 5, 31))
    assert not day_before.can_send and "tot en met 31-05-2027" in day_before.problems[0]


def test_verwijtbaar_follows_duos_extended_end_not_the_computed_three_years():
    case = TERM[1]
    f = facts(
        term_start=date.fromisoformat(case["term_start"]),  # three years would end on 01-06-2026
        duo_term_end=date.fromisoformat(case["duo_einddatum_exclusive_after_extension"]),
        component="pvt",
    )
    reg = registration_for(ItemKind.HANDHAVING_VERWIJTBAAR, f, date.fromisoformat(case["today"]))
    assert not reg.can_send and "01-06-2027" in reg.problems[0]


def test_without_duos_term_end_verwijtbaar_is_not_guessed():
    f = facts(duo_term_end=None, component="map")
    reg = registration_for(ItemKind.HANDHAVING_VERWIJTBAAR, f, date(2030, 1, 1))
    assert not reg.can_send and "volgens DUO is nog niet bekend" in reg.problems[0]
