"""Contract tests: every DUO request the app builds validates against DUO's published OpenAPI files, read
through the product's own contract module (municipal/duo/contract.py, files in municipal/duo/openapi/), and
DUO's own rules are checked before a request is offered."""

from datetime import date

import pytest

from municipal.duo.contract import ContractError, specs, validate_notification, validate_request, validate_response
from municipal.inbox.duo import DuoFacts, registration_for
from municipal.inbox.rules import ItemKind

TODAY = date(2026, 11, 28)
BSN = "123464560"


FACTS = DuoFacts(
    bsn="123464560",
    event_date=date(2026, 11, 20),
    term_start=date(2025, 6, 1),
    leerroute="B1",
    doelgroep="asiel",
    intensiteit_uren=1000,
    language_minutes=612 * 60 + 30,
    participation_minutes=805 * 60,
    hours_known_until=date(2026, 10, 31),
    component="pvt",
)


@pytest.mark.parametrize(
    "kind,spec,method,path",
    [
        (ItemKind.REGISTREER_MAP, "MAPPVTZroute", "PUT", "/personen/123464560/map"),
        (ItemKind.REGISTREER_PVT, "MAPPVTZroute", "PUT", "/personen/123464560/pvt"),
        (ItemKind.REGISTREER_ZROUTE, "MAPPVTZroute", "PUT", "/personen/123464560/zroute"),
        (ItemKind.AFSCHALEN, "PIP", "POST", "/personen/123464560/PIP"),
        (ItemKind.Z_TAAL_800, "GevolgdeUren", "PUT", "/personen/123464560/uren/participatietaalles"),
        (ItemKind.Z_PARTICIPATIE_800, "GevolgdeUren", "PUT", "/personen/123464560/uren/participatieactiviteiten"),
        (ItemKind.HANDHAVING_VERWIJTBAAR, "MAPPVTZroute", "PUT", "/personen/123464560/pvt"),
    ],
)
def test_every_duo_body_validates_against_the_published_contract(kind, spec, method, path):
    reg = registration_for(kind, FACTS, TODAY)
    assert (reg.method, reg.path) == (method, path)
    assert validate_request(reg.method, reg.path, reg.body).spec == f"{spec}.openapi.yml"


def test_the_contract_is_read_from_the_product_itself():
    assert {
        "MAPPVTZroute.openapi.yml",
        "PIP.openapi.yml",
        "GevolgdeUren.openapi.yml",
        "Notificatie.openapi.yml",
    } <= set(specs()) and len(specs()) == 12


@pytest.mark.parametrize(
    "method,path,body,field,words",
    [
        (
            "PUT",
            f"/personen/{BSN}/pvt",
            {"datumOndertekeningPvt": "20-11-2026"},
            "datumOndertekeningPvt",
            "JJJJ-MM-DD",
        ),  # a Dutch date where DUO wants ISO
        (
            "PUT",
            f"/personen/{BSN}/pvt",
            {"datumOndertekeningPvt": "2026-02-30"},
            "datumOndertekeningPvt",
            "JJJJ-MM-DD",
        ),  # no such day
        ("PUT", "/personen/1234645601/pvt", {"datumOndertekeningPvt": "2026-11-20"}, "bsn", "precies 9 tekens"),
        ("PUT", "/personen/12345678a/pvt", {"datumOndertekeningPvt": "2026-11-20"}, "bsn", "vorm"),
        (
            "PUT",
            f"/personen/{BSN}/pvt",
            {"datumOndertekeningPVT": "2026-11-20"},
            "datumOndertekeningPVT",
            "kent DUO hier niet",
        ),  # misspelt: a PUT would clear the date
        ("POST", f"/personen/{BSN}/PIP", {"dagtekeningPip": "2026-11-28", "leerroute": "B1"}, "leerroute", "B, O, Z"),
        ("POST", f"/personen/{BSN}/PIP", {"leerroute": "B"}, "dagtekeningPip", "ontbreekt"),
        (
            "POST",
            f"/personen/{BSN}/PIP",
            {"dagtekeningPip": "2026-11-28", "leerroute": "B", "geschatteIntensiteitB1Route": 10000},
            "geschatteIntensiteitB1Route",
            "9999",
        ),
        ("PUT", f"/personen/{BSN}/uren/participatietaalles", {"uren": 10000}, "uren", "hoogstens 9999"),
        ("PUT", f"/personen/{BSN}/uren/participatietaalles", {"uren": "612"}, "uren", "geheel getal"),
        ("PUT", f"/personen/{BSN}/uren/participatietaalles", None, "", "geen inhoud"),
    ],
)
def test_validate_request_refuses_a_bad_request_naming_the_field(method, path, body, field, words):
    with pytest.raises(ContractError) as refused:
        validate_request(method, path, body)
    assert refused.value.field == field and words in str(refused.value)
    assert isinstance(refused.value, ValueError)


def test_validate_request_knows_only_duos_operations():
    with pytest.raises(ContractError, match="DUO kent geen PATCH op .* \\(wel: GET, PUT\\)"):
        validate_request("PATCH", f"/personen/{BSN}/pvt", {})
    with pytest.raises(ContractError, match="DUO kent geen adres"):
        validate_request("PUT", f"/personen/{BSN}/onbekend", {})


def test_patterns_in_unicode_classes_are_checked_too():
    """Contactpersoon's name pattern uses \\p{L}, which Python's re does not know."""
    body = {"naam": "Anaïs O'Brien-Smit", "email": "anais@gemeente.nl", "telefoonnummer": "030-2861111"}
    assert validate_request("POST", "/contactpersonen", body).operation_id == "createContactpersoon"
    with pytest.raises(ContractError, match="telefoonnummer"):
        validate_request("POST", "/contactpersonen", {**body, "telefoonnummer": "bel mij"})


HEADERS = {
    "bron": "00000001234567890000",
    "doel": "00000001234567891000",
    "berichtId": "3fa85f64-5717-4562-b3fc-2c963f66afa6",
}
NOTIFICATION = {"registratieDatumTijd": "2026-11-18T09:12:00+01:00", "gebeurtenisId": "SS101", "bsn": BSN}


def test_a_notification_from_duo_fits_the_notificatie_contract():
    assert validate_notification(HEADERS, NOTIFICATION).operation_id == "opvoerenNotificatie"
    # HTTP header names come in any case; DUO may add fields in a later version.
    assert validate_notification({k.upper(): v for k, v in HEADERS.items()}, {**NOTIFICATION, "nieuwVeld": 1})


@pytest.mark.parametrize(
    "headers,body,field,words",
    [
        ({**HEADERS, "bron": "0000000123456789000"}, NOTIFICATION, "bron", "precies 20 tekens"),
        ({k: v for k, v in HEADERS.items() if k != "doel"}, NOTIFICATION, "doel", "ontbreekt"),
        ({**HEADERS, "berichtId": "bericht-1"}, NOTIFICATION, "berichtId", "UUID"),
        (HEADERS, {**NOTIFICATION, "registratieDatumTijd": "18-11-2026 09:12"}, "registratieDatumTijd", "tijdzone"),
        (HEADERS, {**NOTIFICATION, "gebeurtenisId": "ss101"}, "gebeurtenisId", "vorm"),
        (HEADERS, {k: v for k, v in NOTIFICATION.items() if k != "gebeurtenisId"}, "gebeurtenisId", "ontbreekt"),
        (HEADERS, {**NOTIFICATION, "bsn": "12346456"}, "bsn", "precies 9 tekens"),
    ],
)
def test_validate_notification_refuses_what_duo_would_never_send(headers, body, field, words):
    with pytest.raises(ContractError) as refused:
        validate_notification(headers, body)
    assert refused.value.field == field and words in str(refused.value)
    assert refused.value.spec == "Notificatie.openapi.yml"


def test_validate_response_checks_duos_answer():
    pip = {"gemeentecode": "0344", "pip": {"dagtekeningPip": "2026-01-05", "leerroute": "B", "niveau": "B1"}}
    assert validate_response("GET", f"/personen/{BSN}/PIP", 200, pip, {"API-Version": "1.2.0"})
    with pytest.raises(ContractError, match="gemeentecode"):
        validate_response("GET", f"/personen/{BSN}/PIP", 200, {**pip, "gemeentecode": "344"})
    with pytest.raises(ContractError, match="geen antwoord 418"):
        validate_response("GET", f"/personen/{BSN}/PIP", 418)


def test_hours_go_as_whole_hours_with_their_known_until_date():
    reg = registration_for(ItemKind.Z_TAAL_800, FACTS, TODAY)
    assert reg.body == {"uren": 612}
    assert ("Bekend tot", "31-10-2026") in reg.portal_fields and ("Exact gevolgd", "612,5 uur") in reg.portal_fields


def test_afschalen_pip_for_an_asylum_status_holder_carries_the_intensity():
    reg = registration_for(ItemKind.AFSCHALEN, FACTS, TODAY)
    assert reg.body == {
        "dagtekeningPip": "2026-11-28",
        "leerroute": "B",
        "niveau": "A2",
        "geschatteIntensiteitB1Route": 1000,
    }
    gezin = DuoFacts(**{**FACTS.__dict__, "doelgroep": "gezin_overig"})
    assert "geschatteIntensiteitB1Route" not in registration_for(ItemKind.AFSCHALEN, gezin, TODAY).body
    few = DuoFacts(**{**FACTS.__dict__, "language_minutes": 500 * 60})
    assert "600 uur" in registration_for(ItemKind.AFSCHALEN, few, TODAY).problems[0]


def test_duo_rules_are_checked_before_a_request_is_offered():
    future = DuoFacts(**{**FACTS.__dict__, "event_date": date(2026, 12, 1)})
    assert "toekomst" in registration_for(ItemKind.REGISTREER_PVT, future, TODAY).problems[0]
    early = DuoFacts(**{**FACTS.__dict__, "event_date": date(2025, 5, 1)})
    assert "vóór de start" in registration_for(ItemKind.REGISTREER_MAP, early, TODAY).problems[0]
    assert registration_for(ItemKind.REGISTREER_PVT, FACTS, TODAY).can_send


def test_verwijtbaar_only_when_the_term_is_exceeded():
    # Judged on DUO's own term end (issue 11: Inburgeringstermijn `einddatum`, exclusive, extensions included).
    running = DuoFacts(**{**FACTS.__dict__, "duo_term_end": date(2028, 6, 1)})
    within = registration_for(ItemKind.HANDHAVING_VERWIJTBAAR, running, TODAY)
    assert not within.can_send and "pas vanaf 01-06-2028" in within.problems[0]
    after = DuoFacts(**{**FACTS.__dict__, "duo_term_end": date(2026, 1, 1)})
    assert registration_for(ItemKind.HANDHAVING_VERWIJTBAAR, after, TODAY).can_send
