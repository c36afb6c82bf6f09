"""The dossier's forms: raw form values → typed inputs for the dossier's services (registration, each
section, enrolment), plus Dutch errors per field. Fields every municipal form reads are municipal/fields.py."""

from __future__ import annotations

from datetime import date

from municipal.dossier.enrollments import EnrollmentChange
from municipal.dossier.klantprofiel import TEXT_FIELDS, KlantprofielInput
from municipal.dossier.rules import Pip
from municipal.dossier.sections import DoelgroepInput, IntakeInput, PersonInput, PipInput, RegisterInput
from municipal.fields import Form, parse_optional_int, parse_yes_no, text
from municipal.providers.rules import Placement
from shared.errors import RuleError
from shared.forms import FormErrors, collect, parse_choice, parse_date
from shared.rules import normalise_bsn, normalise_email
from shared.vocab import Alfabetisering, Component, Doelgroep, DoelgroepKeuze, Leerbaarheidstoets, Leerroute, Niveau


def _required(form: Form, name: str, message: str, max_length: int = 200) -> str:
    value = text(form, name, max_length)
    if not value:
        raise RuleError(message, name)
    return value


def _person(form: Form, errors: FormErrors) -> PersonInput | None:
    bsn = collect(errors, "bsn", normalise_bsn, form.get("bsn"))
    voornamen = collect(errors, "voornamen", _required, form, "voornamen", "Vul de voornamen in.")
    achternaam = collect(errors, "achternaam", _required, form, "achternaam", "Vul de achternaam in.")
    geboortedatum = collect(errors, "geboortedatum", parse_date, form.get("geboortedatum"), "geboortedatum")
    email = collect(errors, "email", normalise_email, form.get("email"))
    plicht_start = collect(errors, "plicht_start", parse_date, form.get("plicht_start"), "plicht_start", required=False)
    regisseur = collect(
        errors,
        "regisseur",
        parse_optional_int,
        form.get("regisseur"),
        "regisseur",
        "Kies een regisseur uit de lijst.",
        1,
        2**31 - 1,
    )
    if errors:
        return None
    return PersonInput(
        bsn=bsn,
        voornamen=voornamen,
        achternaam=achternaam,
        geboortedatum=geboortedatum,
        email=email,
        telefoon=text(form, "telefoon", 32),
        adres=text(form, "adres", 300),
        regisseur=regisseur,
        plicht_start=plicht_start,
    )


def parse_person_form(form: Form) -> tuple[PersonInput | None, FormErrors]:
    errors = FormErrors()
    return _person(form, errors), errors


def parse_register_form(form: Form) -> tuple[RegisterInput | None, FormErrors]:
    errors = FormErrors()
    person = _person(form, errors)
    doelgroep = collect(
        errors, "doelgroep", parse_choice, form.get("doelgroep"), Doelgroep, "doelgroep", "Kies de doelgroep."
    )
    if errors:
        return None, errors
    return RegisterInput(person=person, doelgroep=doelgroep), errors


def parse_intake_form(form: Form) -> tuple[IntakeInput | None, FormErrors]:
    errors = FormErrors()
    start = collect(errors, "intake_start", parse_date, form.get("intake_start"), "intake_start", required=False)
    eind = collect(errors, "intake_eind", parse_date, form.get("intake_eind"), "intake_eind", required=False)
    uitslag = collect(
        errors,
        "leerbaarheidstoets",
        parse_choice,
        form.get("leerbaarheidstoets"),
        Leerbaarheidstoets,
        "leerbaarheidstoets",
        "Kies een uitslag uit de lijst.",
        required=False,
    )
    uitslag_datum = collect(
        errors,
        "leerbaarheidstoets_datum",
        parse_date,
        form.get("leerbaarheidstoets_datum"),
        "leerbaarheidstoets_datum",
        required=False,
    )
    no_shows = collect(
        errors,
        "intake_no_shows",
        parse_optional_int,
        form.get("intake_no_shows"),
        "intake_no_shows",
        "Vul een aantal keren in van 0 tot 99.",
        0,
        99,
    )
    if errors:
        return None, errors
    return IntakeInput(start, eind, uitslag, uitslag_datum, no_shows or 0), errors


def parse_pip_form(form: Form) -> tuple[PipInput | None, FormErrors]:
    errors = FormErrors()
    dagtekening = collect(errors, "pip_dagtekening", parse_date, form.get("pip_dagtekening"), "pip_dagtekening")
    leerroute = collect(
        errors, "leerroute", parse_choice, form.get("leerroute"), Leerroute, "leerroute", "Kies de leerroute."
    )
    niveau = collect(
        errors,
        "niveau",
        parse_choice,
        form.get("niveau"),
        Niveau,
        "niveau",
        "Kies het niveau uit de lijst.",
        required=False,
    )
    intensiteit = collect(
        errors,
        "intensiteit_uren",
        parse_optional_int,
        form.get("intensiteit_uren"),
        "intensiteit_uren",
        "Vul de intensiteit in als heel aantal uren, tussen 1 en 9999.",
        1,
        9999,
    )
    alfa = collect(
        errors,
        "indicator_alfabetisering",
        parse_choice,
        form.get("indicator_alfabetisering"),
        Alfabetisering,
        "indicator_alfabetisering",
        "Kies uit de lijst.",
        required=False,
    )
    if errors:
        return None, errors
    pip = Pip(
        dagtekening=dagtekening,
        leerroute=leerroute,
        niveau=niveau,
        intensiteit=intensiteit,
        alfabetisering=alfa,
        opleiding_afmaken=parse_yes_no(form.get("opleiding_afmaken"), "x") or False,
    )
    return PipInput(pip=pip, correction=form.get("soort") == "correctie"), errors


def parse_aanbod_form(form: Form) -> tuple[tuple[date, str] | None, FormErrors]:
    errors = FormErrors()
    datum = collect(
        errors, "datum_inburgeringsaanbod", parse_date, form.get("datum_inburgeringsaanbod"), "datum_inburgeringsaanbod"
    )
    if errors:
        return None, errors
    return (datum, text(form, "reden_vertraagde_start", 2000)), errors


def parse_begeleiding_form(form: Form) -> tuple[tuple[bool | None, date | None] | None, FormErrors]:
    errors = FormErrors()
    indicatie = parse_yes_no(form.get("begeleiding_indicatie"), "begeleiding_indicatie")
    start = collect(
        errors, "begeleiding_start", parse_date, form.get("begeleiding_start"), "begeleiding_start", required=False
    )
    if errors:
        return None, errors
    return (indicatie, start), errors


def parse_ontzorgen_form(form: Form) -> tuple[tuple[date | None, date | None] | None, FormErrors]:
    errors = FormErrors()
    start = collect(
        errors, "ontzorgen_start", parse_date, form.get("ontzorgen_start"), "ontzorgen_start", required=False
    )
    eind = collect(errors, "ontzorgen_eind", parse_date, form.get("ontzorgen_eind"), "ontzorgen_eind", required=False)
    if errors:
        return None, errors
    return (start, eind), errors


def parse_voortgang_form(form: Form) -> tuple[tuple[date, bool] | None, FormErrors]:
    """(date, remove): a conversation to add, or (with "verwijder") one entered by mistake to take out."""
    errors = FormErrors()
    remove = bool(form.get("verwijder"))
    day = collect(errors, "datum", parse_date, form.get("verwijder") or form.get("datum"), "datum")
    return (None if errors else (day, remove)), errors


def parse_doelgroep_form(form: Form) -> tuple[DoelgroepInput | None, FormErrors]:
    errors = FormErrors()
    status = collect(
        errors, "status", parse_choice, form.get("status"), Doelgroep, "status", "Kies de status volgens DUO."
    )
    keuze = collect(
        errors, "keuze", parse_choice, form.get("keuze"), DoelgroepKeuze, "keuze", "Kies uit de lijst.", required=False
    )
    datum = collect(errors, "datum", parse_date, form.get("datum"), "datum")
    if errors:
        return None, errors
    return DoelgroepInput(status=status, keuze=keuze, datum=datum, correction=form.get("soort") == "correctie"), errors


def parse_move_form(form: Form) -> tuple[tuple[date, str] | None, FormErrors]:
    errors = FormErrors()
    day = collect(errors, "verhuisd_op", parse_date, form.get("verhuisd_op"), "verhuisd_op")
    naar = collect(errors, "verhuisd_naar", _required, form, "verhuisd_naar", "Vul de nieuwe gemeente in.", 100)
    if errors:
        return None, errors
    return (day, naar), errors


def parse_enrol_form(form: Form) -> tuple[Placement | None, FormErrors]:
    errors = FormErrors()
    organisation = collect(
        errors,
        "organisation",
        parse_optional_int,
        form.get("organisation"),
        "organisation",
        "Kies een aanbieder uit de lijst.",
        1,
        2**31 - 1,
    )
    if organisation is None and "organisation" not in errors:
        errors["organisation"] = "Kies een aanbieder."
    component = collect(
        errors, "component", parse_choice, form.get("component"), Component, "component", "Kies een onderdeel."
    )
    start = collect(errors, "start", parse_date, form.get("start"), "start")
    end = collect(errors, "end", parse_date, form.get("end"), "end", required=False)
    hours = collect(
        errors,
        "planned_hours",
        parse_optional_int,
        form.get("planned_hours"),
        "planned_hours",
        "Vul geplande uren in als heel getal, tussen 0 en 9999.",
    )
    if errors:
        return None, errors
    return Placement(organisation, component, start, end, hours), errors


def parse_enrollment_change_form(form: Form) -> tuple[EnrollmentChange | None, FormErrors]:
    errors = FormErrors()
    start = collect(errors, "start", parse_date, form.get("start"), "start")
    end = collect(errors, "end", parse_date, form.get("end"), "end", required=False)
    hours = collect(
        errors,
        "planned_hours",
        parse_optional_int,
        form.get("planned_hours"),
        "planned_hours",
        "Vul geplande uren in als heel getal, tussen 0 en 9999.",
    )
    if errors:
        return None, errors
    return EnrollmentChange(start, end, hours, text(form, "toelichting", 2000)), errors


def parse_klantprofiel_form(form: Form):
    """COA's klantprofiel: a date received, the moment, free texts (each at most 4000 characters)."""
    errors = FormErrors()
    ontvangen = collect(errors, "ontvangen_op", parse_date, form.get("ontvangen_op"), "ontvangen_op", required=False)
    if errors:
        return None, errors
    return (
        KlantprofielInput(
            ontvangen_op=ontvangen,
            moment=(form.get("moment") or "").strip() or None,
            casemanager=text(form, "casemanager", 300),
            **{f: text(form, f, 4000) for f in TEXT_FIELDS},
        ),
        errors,
    )
