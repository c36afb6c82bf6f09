"""Contract tests: every DUO request the app builds validates against DUO's published OpenAPI files
(shared/duo-m2m), and DUO's own rules are checked before a request is offered."""
from datetime import date
import pytest
import yaml
from openapi_schema_validator import OAS30Validator, oas30_format_checker

from municipal.inbox.duo import DuoFacts, registration_for
from municipal.inbox.rules import ItemKind
from tests.support import SHARED_DIR

SPECS = SHARED_DIR / "duo-m2m"
TODAY = date(2026, 11, 28)


def load(name):
    path = SPECS / f"{name}.openapi.yml"
    if not path.exists():
        pytest.fail(f"DUO-specificatie ontbreekt: {path}")
    return yaml.safe_load(path.read_text())


def validate(spec_name: str, method: str, path: str, body: dict) -> None:
    spec = load(spec_name)
    template = next(p for p in spec["paths"] if p.replace("{bsn}", path.split("/")[2]) == path)
    operation = spec["paths"][template][method.lower()]
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    resolved = {**schema, "components": spec["components"]}
    OAS30Validator(resolved, format_checker=oas30_format_checker).validate(body)
    bsn_param = next(p for p in operation["parameters"] if p.get("$ref", "").endswith("/Bsn"))
    bsn_schema = spec["components"]["parameters"][bsn_param["$ref"].split("/")[-1]]["schema"]
    OAS30Validator(bsn_schema).validate(path.split("/")[2])


FACTS = DuoFacts(bsn="123464560", event_date=date(2026, 11, 20), term_start=date(2025, 6, 1), leerroute="B1",
                 doelgroep="asiel", intensiteit_uren=1000, language_minutes=612 * 60 + 30,
                 participation_minutes=805 * 60, hours_known_until=date(2026, 10, 31), component="pvt")


@pytest.mark.parametrize("kind,spec,method,path", [
    (ItemKind.REGISTREER_MAP, "MAPPVTZroute", "PUT", "/personen/123464560/map"),
    (ItemKind.REGISTREER_PVT, "MAPPVTZroute", "PUT", "/personen/123464560/pvt"),
    (ItemKind.REGISTREER_ZROUTE, "MAPPVTZroute", "PUT", "/personen/123464560/zroute"),
    (ItemKind.AFSCHALEN, "PIP", "POST", "/personen/123464560/PIP"),
    (ItemKind.Z_TAAL_800, "GevolgdeUren", "PUT", "/personen/123464560/uren/participatietaalles"),
    (ItemKind.Z_PARTICIPATIE_800, "GevolgdeUren", "PUT", "/personen/123464560/uren/participatieactiviteiten"),
    (ItemKind.HANDHAVING_VERWIJTBAAR, "MAPPVTZroute", "PUT", "/personen/123464560/pvt"),
])
def test_every_duo_body_validates_against_the_published_contract(kind, spec, method, path):
    reg = registration_for(kind, FACTS, TODAY)
    assert (reg.method, reg.path) == (method, path)
    validate(spec, reg.method, reg.path, reg.body)


def test_the_validator_does_refuse_a_wrong_body():
    from jsonschema.exceptions import ValidationError
    with pytest.raises(ValidationError):
        validate("MAPPVTZroute", "PUT", "/personen/123464560/pvt", {"datumOndertekeningPvt": "20-11-2026"})
    with pytest.raises(ValidationError):
        validate("PIP", "POST", "/personen/123464560/PIP", {"dagtekeningPip": "2026-11-28", "leerroute": "B1"})
    with pytest.raises(ValidationError):
        validate("GevolgdeUren", "PUT", "/personen/123464560/uren/participatietaalles", {"uren": 10000})


def test_hours_go_as_whole_hours_with_their_known_until_date():
    reg = registration_for(ItemKind.Z_TAAL_800, FACTS, TODAY)
    assert reg.body == {"uren": 612}
    assert ("Bekend tot", "31-10-2026") in reg.portal_fields and ("Exact gevolgd", "612,5 uur") in reg.portal_fields


def test_afschalen_pip_for_an_asylum_status_holder_carries_the_intensity():
    reg = registration_for(ItemKind.AFSCHALEN, FACTS, TODAY)
    assert reg.body == {"dagtekeningPip": "2026-11-28", "leerroute": "B", "niveau": "A2",
                        "geschatteIntensiteitB1Route": 1000}
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
    within = registration_for(ItemKind.HANDHAVING_VERWIJTBAAR, FACTS, TODAY)
    assert not within.can_send and "pas na afloop" in within.problems[0]
    after = DuoFacts(**{**FACTS.__dict__, "term_start": date(2023, 1, 1)})
    assert registration_for(ItemKind.HANDHAVING_VERWIJTBAAR, after, TODAY).can_send
