"""The municipal dossier's pure rules: DUO's PIP rules, the offer term, doelgroep changes, enrolments,
and the versioning helpers. No database."""

from datetime import date

import pytest

from accounts.services import check_new_password, manageable_roles, token_hash
from municipal.dossier.rules import (
    DoelgroepState,
    Pip,
    PipContext,
    aanbod_is_late,
    add_voortgangsgesprek,
    change_doelgroep,
    check_aanbod,
    check_begeleiding,
    check_intake,
    check_move,
    check_ontzorgen,
    check_pip,
)
from municipal.errors import RuleErrors
from municipal.providers.rules import (
    ContractPeriod,
    Placement,
    check_contract,
    check_placement,
    normalise_instellingsnummer,
    normalise_kvk,
)
from shared.errors import RuleError
from shared.history import changed_fields, is_empty, snapshot, with_changes
from shared.vocab import Component, Doelgroep, DoelgroepKeuze, Leerbaarheidstoets, Leerroute, Niveau, Role

TODAY = date(2026, 11, 28)
PLICHT = date(2025, 1, 10)


def ctx(**kw):
    return PipContext(**{"doelgroep": Doelgroep.ASIEL, "plicht_start": PLICHT, "today": TODAY, **kw})


def pip(leerroute=Leerroute.B1, niveau=Niveau.B1, intensiteit=1000, dagtekening=date(2025, 3, 1)):
    return Pip(dagtekening=dagtekening, leerroute=leerroute, niveau=niveau, intensiteit=intensiteit)


def messages(exc) -> dict[str, str]:
    errors = exc.value.errors if isinstance(exc.value, RuleErrors) else [exc.value]
    return {e.field: e.message for e in errors}


# --- PIP ---------------------------------------------------------------------------------------------


def test_a_b1_pip_for_an_asylum_status_holder_passes():
    assert check_pip(pip(), ctx()) == pip()


def test_a2_is_not_possible_on_the_onderwijsroute():
    with pytest.raises(RuleError) as e:
        check_pip(pip(Leerroute.ONDERWIJS, Niveau.A2, None), ctx())
    assert messages(e) == {"niveau": "Niveau A2 kan niet op de onderwijsroute."}


def test_b1_is_not_possible_on_the_z_route():
    with pytest.raises(RuleError) as e:
        check_pip(pip(Leerroute.Z, Niveau.B1, None), ctx())
    assert messages(e) == {"niveau": "Niveau B1 kan niet op de Z-route."}


def test_a_first_pip_on_the_b1_route_cannot_be_a2():
    with pytest.raises(RuleError) as e:
        check_pip(pip(niveau=Niveau.A2), ctx())
    assert "eerste PIP op de B1-route kan niet niveau A2" in messages(e)["niveau"]
    # correcting that first PIP is still the first PIP
    with pytest.raises(RuleError):
        check_pip(pip(niveau=Niveau.A2), ctx(current=pip(), correction=True, current_is_first=True))


def test_afschalen_to_a2_later_needs_600_hours_of_language():
    later = ctx(current=pip(), termijn_start=date(2025, 3, 1))
    with pytest.raises(RuleError) as e:
        check_pip(pip(niveau=Niveau.A2), later)
    assert messages(e)["niveau"].startswith("Afschalen naar A2 kan pas na minstens 600 uur taalles")
    enough = ctx(current=pip(), termijn_start=date(2025, 3, 1), language_followed_minutes=600 * 60)
    assert check_pip(pip(niveau=Niveau.A2), enough).niveau is Niveau.A2


def test_intensity_is_required_for_an_asylum_status_holder_on_the_b1_route():
    with pytest.raises(RuleError) as e:
        check_pip(pip(intensiteit=None), ctx())
    assert "verplicht voor een asielstatushouder op de B1-route" in messages(e)["intensiteit_uren"]


def test_intensity_is_refused_for_a_family_migrant_and_on_the_onderwijsroute():
    with pytest.raises(RuleError) as e:
        check_pip(pip(intensiteit=600), ctx(doelgroep=Doelgroep.GEZIN_OVERIG))
    assert "hoort niet bij een gezins- of overige migrant" in messages(e)["intensiteit_uren"]
    with pytest.raises(RuleError) as e:
        check_pip(pip(Leerroute.ONDERWIJS, None, 600), ctx())
    assert "hoort niet bij de onderwijsroute" in messages(e)["intensiteit_uren"]
    assert check_pip(pip(intensiteit=None), ctx(doelgroep=Doelgroep.GEZIN_OVERIG)).intensiteit is None


def test_intensity_stays_within_duo_bounds():
    with pytest.raises(RuleError) as e:
        check_pip(pip(intensiteit=10000), ctx())
    assert messages(e) == {"intensiteit_uren": "Vul een intensiteit in tussen 1 en 9999 uur."}


def test_the_z_route_intensity_defaults_to_800_hours():
    assert check_pip(pip(Leerroute.Z, None, None), ctx()).intensiteit == 800
    assert check_pip(pip(Leerroute.Z, None, 900), ctx()).intensiteit == 900


def test_the_pip_date_is_not_before_the_obligation_started_nor_in_the_future():
    with pytest.raises(RuleError) as e:
        check_pip(pip(dagtekening=date(2025, 1, 9)), ctx())
    assert messages(e) == {
        "pip_dagtekening": "De dagtekening ligt vóór het begin van de inburgeringsplicht (10-01-2025)."
    }
    assert check_pip(pip(dagtekening=PLICHT), ctx())
    with pytest.raises(RuleError) as e:
        check_pip(pip(dagtekening=date(2026, 12, 1)), ctx())
    assert "toekomst" in messages(e)["pip_dagtekening"]
    with pytest.raises(RuleError) as e:
        check_pip(pip(), ctx(plicht_start=None))
    assert "sinds wanneer de inburgeringsplicht geldt" in messages(e)["pip_dagtekening"]


def test_all_complaints_come_at_once():
    with pytest.raises(RuleErrors) as e:
        check_pip(pip(Leerroute.ONDERWIJS, Niveau.A2, 500, dagtekening=date(2024, 1, 1)), ctx())
    assert set(messages(e)) == {"pip_dagtekening", "niveau", "intensiteit_uren"}


def test_the_leerroute_changes_only_in_the_first_year_and_a_half_except_to_the_onderwijsroute():
    current = pip()
    early = ctx(current=current, termijn_start=date(2025, 6, 1))  # 18 months end 01-12-2026
    assert check_pip(pip(Leerroute.Z, None, None), early).leerroute is Leerroute.Z
    late = ctx(current=current, termijn_start=date(2025, 3, 1))
    with pytest.raises(RuleError) as e:
        check_pip(pip(Leerroute.Z, None, None), late)
    assert "anderhalf jaar" in messages(e)["leerroute"]
    assert check_pip(pip(Leerroute.ONDERWIJS, Niveau.B1, None), late).leerroute is Leerroute.ONDERWIJS
    assert check_pip(
        pip(Leerroute.Z, None, None), ctx(current=current, termijn_start=date(2025, 3, 1), correction=True)
    )


# --- Dates, offer, intake, begeleiding, ontzorgen ------------------------------------------------------


def test_the_offer_after_three_months_needs_a_reason():
    pip_day = date(2026, 1, 15)
    check_aanbod(date(2026, 4, 15), "", doelgroep=Doelgroep.ASIEL, pip_dagtekening=pip_day)
    with pytest.raises(RuleError) as e:
        check_aanbod(date(2026, 4, 16), " ", doelgroep=Doelgroep.ASIEL, pip_dagtekening=pip_day)
    assert messages(e) == {
        "reden_vertraagde_start": "Het aanbod komt later dan 3 maanden na het PIP (uiterlijk "
        "15-04-2026). Schrijf de reden van de vertraagde start op."
    }
    check_aanbod(date(2026, 4, 16), "Wachtlijst taalschool", doelgroep=Doelgroep.ASIEL, pip_dagtekening=pip_day)
    assert aanbod_is_late(pip_day, None, date(2026, 4, 16)) and not aanbod_is_late(pip_day, None, date(2026, 4, 15))


def test_the_offer_is_for_asylum_status_holders_with_a_pip_only():
    with pytest.raises(RuleError) as e:
        check_aanbod(date(2026, 2, 1), "", doelgroep=Doelgroep.GEZIN_OVERIG, pip_dagtekening=date(2026, 1, 1))
    assert "alleen een asielstatushouder" in messages(e)["datum_inburgeringsaanbod"]
    with pytest.raises(RuleError) as e:
        check_aanbod(date(2026, 2, 1), "", doelgroep=Doelgroep.ASIEL, pip_dagtekening=None)
    assert "Stel eerst het PIP vast" in messages(e)["datum_inburgeringsaanbod"]
    with pytest.raises(RuleError):
        check_aanbod(date(2025, 12, 31), "", doelgroep=Doelgroep.ASIEL, pip_dagtekening=date(2026, 1, 1))


def test_intake_dates_and_result():
    check_intake(date(2026, 1, 1), date(2026, 2, 1), Leerbaarheidstoets.HAALBAAR, date(2026, 1, 20), 0, TODAY)
    with pytest.raises(RuleErrors) as e:
        check_intake(date(2026, 2, 1), date(2026, 1, 1), None, date(2026, 1, 20), -1, TODAY)
    assert set(messages(e)) == {"intake_eind", "leerbaarheidstoets", "intake_no_shows"}


def test_begeleiding_and_ontzorgen_are_for_asylum_status_holders():
    check_begeleiding(True, date(2026, 1, 1), Doelgroep.ASIEL)
    with pytest.raises(RuleError) as e:
        check_begeleiding(True, None, Doelgroep.GEZIN_OVERIG)
    assert messages(e) == {
        "begeleiding_indicatie": "Maatschappelijke begeleiding is er alleen voor asielstatushouders."
    }
    with pytest.raises(RuleError):
        check_begeleiding(False, date(2026, 1, 1), Doelgroep.ASIEL)
    check_ontzorgen(date(2026, 1, 1), None, Doelgroep.ASIEL)
    with pytest.raises(RuleError):
        check_ontzorgen(date(2026, 1, 1), None, Doelgroep.GEZIN_OVERIG)
    with pytest.raises(RuleError):
        check_ontzorgen(date(2026, 2, 1), date(2026, 1, 1), Doelgroep.ASIEL)


def test_progress_conversations_are_a_sorted_list_without_doubles_or_future_dates():
    dates = add_voortgangsgesprek(["2026-05-01"], date(2026, 3, 1), TODAY)
    assert dates == ["2026-03-01", "2026-05-01"]
    with pytest.raises(RuleError):
        add_voortgangsgesprek(dates, date(2026, 3, 1), TODAY)
    with pytest.raises(RuleError):
        add_voortgangsgesprek(dates, date(2026, 12, 1), TODAY)


# --- Doelgroep ------------------------------------------------------------------------------------

ASIEL = DoelgroepState(Doelgroep.ASIEL, Doelgroep.ASIEL)
GEZIN = DoelgroepState(Doelgroep.GEZIN_OVERIG, Doelgroep.GEZIN_OVERIG)


def test_asylum_rights_prevail_at_a_status_change():
    after = change_doelgroep(ASIEL, Doelgroep.GEZIN_OVERIG, None, TODAY)
    assert (after.doelgroep, after.status) == (Doelgroep.ASIEL, Doelgroep.GEZIN_OVERIG)
    assert change_doelgroep(GEZIN, Doelgroep.ASIEL, None, TODAY).doelgroep is Doelgroep.ASIEL


def test_the_person_can_give_up_asylum_rights_once():
    switched = change_doelgroep(ASIEL, Doelgroep.GEZIN_OVERIG, None, TODAY)
    chosen = change_doelgroep(switched, Doelgroep.GEZIN_OVERIG, DoelgroepKeuze.AFSTAND, date(2026, 11, 20))
    assert (chosen.doelgroep, chosen.keuze, chosen.keuze_op) == (
        Doelgroep.GEZIN_OVERIG,
        DoelgroepKeuze.AFSTAND,
        date(2026, 11, 20),
    )
    with pytest.raises(RuleError) as e:
        change_doelgroep(chosen, Doelgroep.GEZIN_OVERIG, DoelgroepKeuze.BEHOUDEN, TODAY)
    assert "al eenmalig gemaakt op 20-11-2026" in e.value.message


def test_a_choice_needs_a_status_change_and_nothing_changing_is_refused():
    with pytest.raises(RuleError):
        change_doelgroep(ASIEL, Doelgroep.ASIEL, DoelgroepKeuze.AFSTAND, TODAY)
    with pytest.raises(RuleError):
        change_doelgroep(ASIEL, Doelgroep.ASIEL, None, TODAY)


def test_a_correction_is_no_status_change():
    after = change_doelgroep(ASIEL, Doelgroep.GEZIN_OVERIG, None, TODAY, correction=True)
    assert (after.doelgroep, after.status) == (Doelgroep.GEZIN_OVERIG, Doelgroep.GEZIN_OVERIG)


def test_moving_needs_another_gemeente():
    check_move(TODAY, "Amersfoort", own_gemeente_name="Utrecht", registered_on=PLICHT)
    with pytest.raises(RuleErrors) as e:
        check_move(date(2024, 1, 1), "utrecht", own_gemeente_name="Utrecht", registered_on=PLICHT)
    assert set(messages(e)) == {"verhuisd_naar", "verhuisd_op"}


# --- Enrolments ----------------------------------------------------------------------------------------

CONTRACTS = [
    ContractPeriod(Component.TAAL, date(2026, 1, 1), date(2026, 12, 31)),
    ContractPeriod(Component.PVT, date(2025, 1, 1), None),
]


def place(component=Component.TAAL, start=date(2026, 2, 1), end=date(2026, 12, 31), org=1, hours=600):
    return Placement(org, component, start, end, hours)


def test_enrolment_within_a_contract_passes():
    check_placement(place(), doelgroep=Doelgroep.ASIEL, bow_keurmerk=True, contracts=CONTRACTS, verhuisd_op=None)
    check_placement(
        place(Component.PVT, end=None),
        doelgroep=Doelgroep.GEZIN_OVERIG,
        bow_keurmerk=False,
        contracts=CONTRACTS,
        verhuisd_op=None,
    )


def test_enrolment_only_at_a_provider_contracted_for_that_component_and_period():
    with pytest.raises(RuleError) as e:
        check_placement(
            place(Component.MAP), doelgroep=Doelgroep.ASIEL, bow_keurmerk=True, contracts=CONTRACTS, verhuisd_op=None
        )
    assert messages(e) == {"organisation": "De gemeente heeft met deze aanbieder geen contract voor MAP."}
    with pytest.raises(RuleError) as e:
        check_placement(
            place(end=None), doelgroep=Doelgroep.ASIEL, bow_keurmerk=True, contracts=CONTRACTS, verhuisd_op=None
        )
    assert "valt niet binnen het contract voor Taal en KNM (01-01-2026 t/m 31-12-2026)" in messages(e)["end"]
    with pytest.raises(RuleError):
        check_placement(
            place(start=date(2025, 12, 1)),
            doelgroep=Doelgroep.ASIEL,
            bow_keurmerk=True,
            contracts=CONTRACTS,
            verhuisd_op=None,
        )


def test_language_for_an_asylum_status_holder_only_at_a_bow_certified_organisation():
    with pytest.raises(RuleError) as e:
        check_placement(place(), doelgroep=Doelgroep.ASIEL, bow_keurmerk=False, contracts=CONTRACTS, verhuisd_op=None)
    assert "Blik op Werk-keurmerk" in messages(e)["organisation"]


def test_no_language_enrolment_for_a_family_migrant_and_none_after_moving():
    with pytest.raises(RuleError) as e:
        check_placement(
            place(), doelgroep=Doelgroep.GEZIN_OVERIG, bow_keurmerk=True, contracts=CONTRACTS, verhuisd_op=None
        )
    assert "koopt de taalcursus zelf" in messages(e)["component"]
    with pytest.raises(RuleError) as e:
        check_placement(
            place(), doelgroep=Doelgroep.ASIEL, bow_keurmerk=True, contracts=CONTRACTS, verhuisd_op=date(2026, 6, 1)
        )
    assert "verhuist op 01-06-2026" in messages(e)["end"]


def test_a_changed_enrolment_keeps_the_hours_already_reported_inside_it():
    with pytest.raises(RuleErrors) as e:
        check_placement(
            place(start=date(2026, 3, 1), end=date(2026, 5, 31)),
            doelgroep=Doelgroep.ASIEL,
            bow_keurmerk=True,
            contracts=CONTRACTS,
            verhuisd_op=None,
            reported=(date(2026, 2, 1), date(2026, 6, 30)),
        )
    assert set(messages(e)) == {"start", "end"}


def test_no_two_overlapping_enrolments_for_one_component_at_one_provider():
    with pytest.raises(RuleError) as e:
        check_placement(
            place(),
            doelgroep=Doelgroep.ASIEL,
            bow_keurmerk=True,
            contracts=CONTRACTS,
            verhuisd_op=None,
            others=[place(start=date(2026, 6, 1), end=None)],
        )
    assert "al ingeschreven" in messages(e)["start"]


def test_contracts_do_not_overlap_per_component():
    with pytest.raises(RuleError):
        check_contract(Component.TAAL, date(2026, 6, 1), None, CONTRACTS)
    check_contract(Component.TAAL, date(2027, 1, 1), None, CONTRACTS)
    with pytest.raises(RuleError):
        check_contract(Component.MAP, date(2026, 6, 1), date(2026, 5, 1), [])


def test_kvk_and_duo_numbers():
    assert normalise_kvk(" 3012 3456 ") == "30123456"
    with pytest.raises(RuleError):
        normalise_kvk("1234567")
    assert normalise_instellingsnummer("12ab 345678") == "12AB345678"
    assert normalise_instellingsnummer("") is None
    with pytest.raises(RuleError):
        normalise_instellingsnummer("12AB")


def test_who_manages_whom():
    assert manageable_roles(Role.BEHEERDER, 1, None) == (Role.REGISSEUR, Role.TEAMLEIDER)
    assert manageable_roles(Role.BEHEERDER, None, 7) == (Role.PROVIDER,)
    assert manageable_roles(Role.REGISSEUR, 1, None) == ()


def test_a_new_password_is_long_enough_and_typed_twice():
    check_new_password("een-lang-wachtwoord", "een-lang-wachtwoord")
    with pytest.raises(RuleError) as e:
        check_new_password("kort", "kort")
    assert e.value.field == "password"
    with pytest.raises(RuleError) as e:
        check_new_password("een-lang-wachtwoord", "een-ander-wachtwoord")
    assert e.value.field == "password_repeat"
    assert len(token_hash("abc")) == 64 and token_hash("abc") != "abc"


# --- Versioning ----------------------------------------------------------------------------------------


def test_a_snapshot_is_json_safe_and_complete():
    row = {"pip_dagtekening": date(2026, 1, 5), "leerroute": Leerroute.B1, "niveau": None, "extra": 1}
    assert snapshot(row, ["pip_dagtekening", "leerroute", "niveau", "intensiteit_uren"]) == {
        "pip_dagtekening": "2026-01-05",
        "leerroute": "B1",
        "niveau": None,
        "intensiteit_uren": None,
    }
    assert is_empty({"a": None, "b": "", "c": []}) and not is_empty({"a": "x"})


def test_changes_are_computed_per_object_and_section():
    versions = [
        {"object_type": "inburgeraar", "object_id": 1, "section": "pip", "data": {"leerroute": "B1", "niveau": "B1"}},
        {"object_type": "enrollment", "object_id": 9, "section": "inschrijving", "data": {"end": None}},
        {"object_type": "inburgeraar", "object_id": 1, "section": "pip", "data": {"leerroute": "Z", "niveau": None}},
        {"object_type": "enrollment", "object_id": 9, "section": "inschrijving", "data": {"end": "2026-12-31"}},
    ]
    out = with_changes(versions)
    assert out[0]["changed"] == ["leerroute", "niveau"] and out[0]["previous"] is None
    assert out[2]["changed"] == ["leerroute", "niveau"] and out[2]["previous"] == {"leerroute": "B1", "niveau": "B1"}
    assert out[3]["changed"] == ["end"]
    assert changed_fields({"a": 1, "b": 2}, {"a": 1, "b": 3}) == ["b"]
