"""Reconciliation's pure rule (municipal/duo/reconcile.py): does DUO hold what we registered?"""

from datetime import date

from municipal.duo.reconcile import Difference, compare, contradiction, describe, into_dossier

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


# --- DUO's data into the dossier ---------------------------------------------------------------------------

PLICHT = {"indicatorInburgeringsplicht": True, "begindatum": "2026-10-01"}


def test_an_empty_dossier_field_gets_duos_value():
    [c] = into_dossier("Inburgeringsplicht", PLICHT, {"plicht_start": None}, None)
    assert (c.field, c.value, c.write, c.differs) == ("plicht_start", date(2026, 10, 1), True, False)


def test_the_same_value_changes_nothing():
    assert into_dossier("Inburgeringsplicht", PLICHT, {"plicht_start": date(2026, 10, 1)}, None) == []


def test_a_value_a_person_set_is_kept_and_flagged():
    [c] = into_dossier("Inburgeringsplicht", PLICHT, {"plicht_start": date(2026, 9, 1)}, None)
    assert not c.write and c.differs and c.current == date(2026, 9, 1)


def test_duo_correcting_its_own_earlier_value_is_written():
    earlier = {"indicatorInburgeringsplicht": True, "begindatum": "2026-09-20"}
    [c] = into_dossier("Inburgeringsplicht", PLICHT, {"plicht_start": date(2026, 9, 20)}, earlier)
    assert c.write and not c.differs


def test_no_obligation_or_another_lookup_writes_nothing():
    no = {"indicatorInburgeringsplicht": False, "begindatum": "2026-10-01"}
    assert into_dossier("Inburgeringsplicht", no, {"plicht_start": None}, None) == []
    assert into_dossier("Examen", {"begindatum": "2026-10-01"}, {"plicht_start": None}, None) == []
