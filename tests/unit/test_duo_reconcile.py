"""Reconciliation's pure rule (municipal/duo/reconcile.py): does DUO hold what we registered?"""

from municipal.duo.reconcile import Difference, compare, contradiction, describe

MAP = "/personen/123456782/map"


def test_the_same_date_read_back_is_confirmation():
    assert compare(MAP, {"datumEindgesprekMap": "2026-11-02"}, "MAP", {"datumEindgesprekMap": "2026-11-02"}) == []


def test_another_date_at_duo_is_a_difference_shown_as_dutch_dates():
    got = compare(MAP, {"datumEindgesprekMap": "2026-11-02"}, "MAP", {"datumEindgesprekMap": "2026-10-30"})
    assert got == [Difference("Datum eindgesprek MAP", "02-11-2026", "30-10-2026")]
    assert "bij ons 02-11-2026, bij DUO 30-10-2026" in describe(got)


def test_duo_without_the_date_is_a_difference():
    pvt = "/personen/123456782/pvt"
    got = compare(pvt, {"datumOndertekeningPvt": "2026-11-02", "verwijtbaar": "Nee"}, "PVT", {})
    assert got == [Difference("Datum ondertekening PVT", "02-11-2026", "niets")]


def test_data_about_something_else_is_not_compared():
    assert compare(MAP, {"datumEindgesprekMap": "2026-11-02"}, "PVT", {"datumOndertekeningPvt": "2026-11-02"}) is None
    assert compare("/personen/123456782/zroute", {}, "MAP", {}) is None
    assert compare(MAP, {}, "Inburgeringstermijn", {"einddatum": "2027-01-01"}) is None


def test_duo_saying_it_has_no_leerroute_contradicts_a_received_pip():
    body = {"dagtekeningPip": "2026-09-01", "leerroute": "B"}
    [d] = contradiction("SS126", "/personen/123456782/PIP", body)
    assert d.ours == "PIP met leerroute B, dagtekening 01-09-2026" and "SS126" in d.duo
    assert contradiction("SS126", MAP, {}) is None  # SS126 is about the PIP only
    assert contradiction("SS101", "/personen/123456782/PIP", body) is None


def test_duo_saying_it_has_no_aanbod_contradicts_a_received_aanbod():
    [d] = contradiction(
        "SS127", "/personen/123456782/Inburgeringsaanbod/1234567890", {"datumInburgeringsaanbod": "2026-10-01"}
    )
    assert d.ours == "Inburgeringsaanbod van 01-10-2026"
