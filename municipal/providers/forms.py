"""The providers' forms: raw form values → an organisation or a contract for municipal/providers/services.py,
plus Dutch errors per field."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from municipal.fields import Form, parse_yes_no, text
from municipal.providers import rules
from shared.forms import FormErrors, collect, parse_choice, parse_date
from shared.vocab import Component, OrganisationKind


@dataclass(frozen=True)
class OrganisationInput:
    name: str
    kvk: str
    kinds: list[OrganisationKind]
    bow_keurmerk: bool
    duo_instellingsnummer: str | None


def parse_organisation_form(form: Form, kinds: list[str]) -> tuple[OrganisationInput | None, FormErrors]:
    """`kinds` comes from form.getall: a checkbox group (one ticked box is still a list)."""
    errors = FormErrors()
    name = text(form, "name", 200)
    kvk = collect(errors, "kvk", rules.normalise_kvk, form.get("kvk"))
    duo = collect(errors, "duo_instellingsnummer", rules.normalise_instellingsnummer, form.get("duo_instellingsnummer"))
    chosen = [OrganisationKind(k) for k in kinds if k in OrganisationKind._value2member_map_]
    collect(errors, "name", rules.check_organisation, name, chosen)
    if errors:
        return None, errors
    return OrganisationInput(
        name=name,
        kvk=kvk,
        kinds=chosen,
        bow_keurmerk=parse_yes_no(form.get("bow_keurmerk"), "bow_keurmerk") or False,
        duo_instellingsnummer=duo,
    ), errors


@dataclass(frozen=True)
class ContractInput:
    component: Component
    start: date
    end: date | None


def parse_contract_form(form: Form) -> tuple[ContractInput | None, FormErrors]:
    errors = FormErrors()
    component = collect(
        errors, "component", parse_choice, form.get("component"), Component, "component", "Kies een onderdeel."
    )
    start = collect(errors, "start", parse_date, form.get("start"), "start")
    end = collect(errors, "end", parse_date, form.get("end"), "end", required=False)
    if errors:
        return None, errors
    return ContractInput(component, start, end), errors
