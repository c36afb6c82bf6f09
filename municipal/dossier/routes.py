"""The gemeente's people and their dossiers: finding people (the list, the caseload) and registering one; the
dossier page with its section saves, history and transfer summary; enrollments; bulk import of dossiers.

Thin handlers: parse the form, call a service, render the page or (to htmx) the one section that
changed. Writes answer 303 to a plain form and the section fragment to htmx; a form with errors comes
back with status 422 and the Dutch message beside the field.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath

from municipal import fields
from municipal.dossier import access, enrollments, forms, klantprofiel, onboarding, people, read, sections, transfer
from municipal.errors import DuplicateDossier, NothingChanged
from municipal.handhaving import services as handhaving
from municipal.handhaving.rules import Overtreding
from municipal.inbox.timeline import timeline
from municipal.web import SAVED, UNCHANGED, VERSION_LABELS, add_errors, form_dict
from shared import audit, clock
from shared.errors import RuleError
from shared.forms import FormErrors
from shared.settings import settings
from shared.vocab import Alfabetisering, Component, Doelgroep, DoelgroepKeuze, Leerbaarheidstoets, Leerroute, Niveau
from shared.web import PageNo, QueryText, client_ip, download, gemeente_only, guard, page, redirect, take_notice

DOSSIER_SECTIONS = (
    "persoon",
    "doelgroep",
    "brede_intake",
    "pip",
    "aanbod",
    "begeleiding",
    "ontzorgen",
    "voortgang",
    "inschrijvingen",
    "verhuizing",
    "aantekeningen",
    "handhaving",
    "klantprofiel",
)
# Sections whose change shows elsewhere on the page too (the name, the route, the offer's deadline, which
# sections apply, ended enrollments): after a save, htmx loads the whole page (HX-Redirect) instead of the section.
WHOLE_PAGE = {"persoon", "doelgroep", "pip", "verhuizing"}

casework_only = guard(access.can_edit)


def _staff_options(staff: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(str(s["id"]), s["name"]) for s in staff]


def _iso(value: date | None) -> str:
    return value.isoformat() if value else ""


def _default_forms(d: read.Dossier) -> dict[str, dict[str, str]]:
    p = d.person
    today = clock.today().isoformat()
    return {
        "persoon": {
            "bsn": p["bsn"],
            "voornamen": p["voornamen"],
            "achternaam": p["achternaam"],
            "geboortedatum": _iso(p["geboortedatum"]),
            "email": p["email"],
            "telefoon": p["telefoon"],
            "adres": p["adres"],
            "regisseur": str(p["regisseur"] or ""),
            "plicht_start": _iso(p["plicht_start"]),
        },
        "brede_intake": {
            "intake_start": _iso(p["intake_start"]),
            "intake_eind": _iso(p["intake_eind"]),
            "leerbaarheidstoets": p["leerbaarheidstoets"] or "",
            "leerbaarheidstoets_datum": _iso(p["leerbaarheidstoets_datum"]),
            "intake_no_shows": str(p["intake_no_shows"] or 0),
        },
        "pip": {
            "pip_dagtekening": _iso(p["pip_dagtekening"]),
            "leerroute": p["leerroute"] or "",
            "niveau": p["niveau"] or ("B1" if not p["leerroute"] else ""),
            "intensiteit_uren": str(p["intensiteit_uren"] or ""),
            "indicator_alfabetisering": p["indicator_alfabetisering"] or "",
            "opleiding_afmaken": "ja" if p["opleiding_afmaken"] else "",
            "soort": "wijziging",
        },
        "aanbod": {
            "datum_inburgeringsaanbod": _iso(p["datum_inburgeringsaanbod"]),
            "reden_vertraagde_start": p["reden_vertraagde_start"] or "",
        },
        "begeleiding": {
            "begeleiding_indicatie": {True: "ja", False: "nee"}.get(p["begeleiding_indicatie"], ""),
            "begeleiding_start": _iso(p["begeleiding_start"]),
        },
        "ontzorgen": {"ontzorgen_start": _iso(p["ontzorgen_start"]), "ontzorgen_eind": _iso(p["ontzorgen_eind"])},
        "voortgang": {"datum": today},
        "doelgroep": {
            "status": p["doelgroep_status"] or p["doelgroep"],
            "keuze": "",
            "datum": today,
            "soort": "wijziging",
        },
        "inschrijvingen": {"organisation": "", "component": "", "start": today, "end": "", "planned_hours": ""},
        "verhuizing": {"verhuisd_op": _iso(p["verhuisd_op"]) or today, "verhuisd_naar": p["verhuisd_naar"] or ""},
        "aantekeningen": {"aantekeningen": p["aantekeningen"] or ""},
        "handhaving": {"overtreding": "", "datum": today, "omschrijving": ""},
        "klantprofiel": {},
    }


OPTIONS = {
    "doelgroepen": Doelgroep.choices(),
    "leerroutes": Leerroute.choices(),
    "niveaus": [(n.value, n.value) for n in Niveau],
    "alfabetisering": Alfabetisering.choices(),
    "leerbaarheidstoets": Leerbaarheidstoets.choices(),
    "keuzes": DoelgroepKeuze.choices(),
    "components": Component.choices(),
    "ja_nee": [("ja", "Ja"), ("nee", "Nee")],
    **VERSION_LABELS,
}


class PeopleController(Controller):
    """The gemeente's list of people, the caseload per regisseur, and registering a new person."""

    path = "/gemeente"
    guards = [gemeente_only]

    @get("/", name="gemeente.people")
    async def people(
        self,
        request: Request,
        q: QueryText = "",
        regisseur: QueryText = "",
        status: QueryText = "actief",
        pagina: PageNo = 1,
    ) -> Any:
        f = people.PeopleFilter(
            q=q,
            regisseur=regisseur,
            status=status if status in {"actief", "verhuisd", "alle"} else "actief",
            page=pagina,
        )
        rows, has_next = await people.list_people(request.user, f, client_ip(request))
        staff = await people.gemeente_staff(request.user.gemeente_id)
        return page(
            request,
            "municipal/people.html",
            {
                "rows": rows,
                "f": f,
                "q": q,
                "page": max(1, pagina),
                "has_next": has_next,
                "staff": staff,
                "can_edit": access.can_edit(request.user),
            },
            fragment="municipal/_people.html",
        )

    @get("/caseload", name="gemeente.caseload")
    async def caseload(self, request: Request) -> Any:
        lines = await people.caseload(request.user, client_ip(request))
        return page(request, "municipal/caseload.html", {"lines": lines})

    @get("/inburgeraars/nieuw", name="gemeente.register_form", guards=[casework_only])
    async def register_form(self, request: Request) -> Any:
        return await self._register_page(
            request,
            {
                "regisseur": str(request.user.id) if request.user.role.value == "regisseur" else "",
                # From "Registreer deze persoon" on DUO's notifications (/gemeente/duo): the BSN DUO named.
                "bsn": request.query_params.get("bsn", "")[:9],
            },
            FormErrors(),
        )

    async def _register_page(
        self, request: Request, form: dict, errors: FormErrors, status: int = 200, existing_id: int | None = None
    ) -> Any:
        staff = await people.gemeente_staff(request.user.gemeente_id)
        return page(
            request,
            "municipal/register.html",
            {
                "form": form,
                "errors": errors,
                "staff_options": _staff_options(staff),
                "existing_id": existing_id,
                **OPTIONS,
            },
            status=status,
        )

    @post("/inburgeraars", name="gemeente.register", guards=[casework_only])
    async def register(self, request: Request) -> Any:
        raw = form_dict(await request.form())
        data, errors = forms.parse_register_form(raw)
        existing_id = None
        if data:
            try:
                new_id = await sections.register_person(request.user, data, client_ip(request))
                return redirect(request, f"/gemeente/inburgeraars/{new_id}", notice="geregistreerd")
            except DuplicateDossier as e:
                existing_id = e.existing_id
                add_errors(errors, e)
            except RuleError as e:
                add_errors(errors, e)
        return await self._register_page(request, raw, errors, status=422, existing_id=existing_id)


class DossierController(Controller):
    """One person's dossier: the page, a save per section, its history and the warm transfer summary."""

    path = "/gemeente/inburgeraars"
    guards = [gemeente_only]

    async def _dossier(
        self,
        request: Request,
        inburgeraar_id: int,
        *,
        section: str | None = None,
        form: dict | None = None,
        errors: FormErrors | None = None,
        status: int = 200,
        notice: str = "",
    ) -> Any:
        d = await read.dossier(request.user, inburgeraar_id, client_ip(request))
        all_forms = _default_forms(d)
        if section and form is not None:
            all_forms[section] = {**all_forms[section], **form}
        all_errors = {s: {} for s in DOSSIER_SECTIONS}
        if section and errors:
            all_errors[section] = errors
        melding = take_notice(request)
        context = {
            "d": d,
            "p": d.person,
            "forms": all_forms,
            "errors": all_errors,
            "notice": notice,
            "notice_section": section,
            "page_notice": "Het dossier is aangemaakt." if melding == "geregistreerd" else "",
            "can_edit": access.can_edit(request.user),
            "today": clock.today(),
            **OPTIONS,
            "staff_options": _staff_options(d.staff)
            + (
                [(str(d.person["regisseur"]), f"{d.regisseur_name} (niet actief)")]
                if d.person["regisseur"] and d.person["regisseur"] not in {s["id"] for s in d.staff}
                else []
            ),
            "org_options": [
                (str(o["id"]), f"{o['name']} ({', '.join(Component(c).label for c in o['components'])})")
                for o in d.organisations
            ],
        }
        if melding in DOSSIER_SECTIONS and not section:
            context.update(notice=SAVED, notice_section=melding)
        context["handhaving"] = await handhaving.cases_of_person(inburgeraar_id)
        kp = await klantprofiel.klantprofiel_of(request.user, inburgeraar_id)
        context["klantprofiel"] = kp
        context["moments"] = klantprofiel.MOMENTS
        context["moment_options"] = list(klantprofiel.MOMENTS.items())
        if kp and not (section == "klantprofiel" and form is not None):
            context["forms"]["klantprofiel"] = {
                k: (v.isoformat() if isinstance(v, date) else (v or ""))
                for k, v in kp.items()
                if k in klantprofiel.FIELDS
            }
        context["overtredingen"] = [(o.value, o.label) for o in Overtreding]
        fragment = f"municipal/sections/_{section}.html" if section else None
        if fragment is None or not request.htmx:
            context["timeline"] = await timeline(d.person)
        return page(request, "municipal/person.html", context, fragment=fragment, status=status)

    @get("/{inburgeraar_id:int}", name="gemeente.person")
    async def person(self, request: Request, inburgeraar_id: FromPath[int]) -> Any:
        return await self._dossier(request, inburgeraar_id)

    async def _save(self, request: Request, inburgeraar_id: int, section: str, parse, store) -> Any:
        """The shared shape of every section's post: 404 first, parse, store, answer."""
        await access.person_of(request.user, inburgeraar_id)
        raw = form_dict(await request.form())
        value, errors = parse(raw)
        notice = SAVED
        if not errors:
            try:
                await store(value)
            except NothingChanged:
                notice = UNCHANGED
            except RuleError as e:
                add_errors(errors, e)
        if errors:
            return await self._dossier(request, inburgeraar_id, section=section, form=raw, errors=errors, status=422)
        if request.htmx and (section not in WHOLE_PAGE or notice == UNCHANGED):
            return await self._dossier(request, inburgeraar_id, section=section, notice=notice)
        return redirect(request, f"/gemeente/inburgeraars/{inburgeraar_id}#sectie-{section}", notice=section)

    @post("/{inburgeraar_id:int}/persoon", name="gemeente.persoon", guards=[casework_only])
    async def save_person(self, request: Request, inburgeraar_id: FromPath[int]) -> Any:
        return await self._save(
            request,
            inburgeraar_id,
            "persoon",
            forms.parse_person_form,
            lambda v: sections.update_person(request.user, inburgeraar_id, v, client_ip(request)),
        )

    @post("/{inburgeraar_id:int}/brede-intake", name="gemeente.intake", guards=[casework_only])
    async def save_intake(self, request: Request, inburgeraar_id: FromPath[int]) -> Any:
        return await self._save(
            request,
            inburgeraar_id,
            "brede_intake",
            forms.parse_intake_form,
            lambda v: sections.set_intake(request.user, inburgeraar_id, v, client_ip(request)),
        )

    @post("/{inburgeraar_id:int}/pip", name="gemeente.pip", guards=[casework_only])
    async def save_pip(self, request: Request, inburgeraar_id: FromPath[int]) -> Any:
        return await self._save(
            request,
            inburgeraar_id,
            "pip",
            forms.parse_pip_form,
            lambda v: sections.set_pip(request.user, inburgeraar_id, v, client_ip(request)),
        )

    @post("/{inburgeraar_id:int}/aanbod", name="gemeente.aanbod", guards=[casework_only])
    async def save_aanbod(self, request: Request, inburgeraar_id: FromPath[int]) -> Any:
        return await self._save(
            request,
            inburgeraar_id,
            "aanbod",
            forms.parse_aanbod_form,
            lambda v: sections.set_aanbod(request.user, inburgeraar_id, *v, client_ip(request)),
        )

    @post("/{inburgeraar_id:int}/begeleiding", name="gemeente.begeleiding", guards=[casework_only])
    async def save_begeleiding(self, request: Request, inburgeraar_id: FromPath[int]) -> Any:
        return await self._save(
            request,
            inburgeraar_id,
            "begeleiding",
            forms.parse_begeleiding_form,
            lambda v: sections.set_begeleiding(request.user, inburgeraar_id, *v, client_ip(request)),
        )

    @post("/{inburgeraar_id:int}/ontzorgen", name="gemeente.ontzorgen", guards=[casework_only])
    async def save_ontzorgen(self, request: Request, inburgeraar_id: FromPath[int]) -> Any:
        return await self._save(
            request,
            inburgeraar_id,
            "ontzorgen",
            forms.parse_ontzorgen_form,
            lambda v: sections.set_ontzorgen(request.user, inburgeraar_id, *v, client_ip(request)),
        )

    @post("/{inburgeraar_id:int}/voortgang", name="gemeente.voortgang", guards=[casework_only])
    async def save_voortgang(self, request: Request, inburgeraar_id: FromPath[int]) -> Any:
        return await self._save(
            request,
            inburgeraar_id,
            "voortgang",
            forms.parse_voortgang_form,
            lambda v: sections.change_voortgangsgesprekken(request.user, inburgeraar_id, *v, client_ip(request)),
        )

    @post("/{inburgeraar_id:int}/doelgroep", name="gemeente.doelgroep", guards=[casework_only])
    async def save_doelgroep(self, request: Request, inburgeraar_id: FromPath[int]) -> Any:
        return await self._save(
            request,
            inburgeraar_id,
            "doelgroep",
            forms.parse_doelgroep_form,
            lambda v: sections.change_doelgroep(request.user, inburgeraar_id, v, client_ip(request)),
        )

    @post("/{inburgeraar_id:int}/klantprofiel", name="gemeente.klantprofiel", guards=[casework_only])
    async def save_klantprofiel(self, request: Request, inburgeraar_id: FromPath[int]) -> Any:
        return await self._save(
            request,
            inburgeraar_id,
            "klantprofiel",
            forms.parse_klantprofiel_form,
            lambda v: klantprofiel.save(request.user, inburgeraar_id, v, client_ip(request)),
        )

    @post("/{inburgeraar_id:int}/verhuizing", name="gemeente.verhuizing", guards=[casework_only])
    async def save_move(self, request: Request, inburgeraar_id: FromPath[int]) -> Any:
        return await self._save(
            request,
            inburgeraar_id,
            "verhuizing",
            forms.parse_move_form,
            lambda v: sections.move_out(request.user, inburgeraar_id, *v, client_ip(request)),
        )

    @post("/{inburgeraar_id:int}/aantekeningen", name="gemeente.aantekeningen", guards=[casework_only])
    async def save_notes(self, request: Request, inburgeraar_id: FromPath[int]) -> Any:
        return await self._save(
            request,
            inburgeraar_id,
            "aantekeningen",
            lambda raw: (fields.text(raw, "aantekeningen", 20000), FormErrors()),
            lambda v: sections.set_aantekeningen(request.user, inburgeraar_id, v, client_ip(request)),
        )

    @post("/{inburgeraar_id:int}/inschrijvingen", name="gemeente.enrol", guards=[casework_only])
    async def enrol(self, request: Request, inburgeraar_id: FromPath[int]) -> Any:
        return await self._save(
            request,
            inburgeraar_id,
            "inschrijvingen",
            forms.parse_enrol_form,
            lambda v: enrollments.enrol(request.user, inburgeraar_id, v, client_ip(request)),
        )

    @get("/{inburgeraar_id:int}/geschiedenis", name="gemeente.person_history")
    async def person_history(self, request: Request, inburgeraar_id: FromPath[int]) -> Any:
        person, versions = await read.history(request.user, inburgeraar_id, client_ip(request))
        return page(request, "municipal/history.html", {"person": person, "versions": versions, **OPTIONS})

    @get("/{inburgeraar_id:int}/overdracht", name="gemeente.transfer")
    async def transfer_summary(self, request: Request, inburgeraar_id: FromPath[int]) -> Response:
        filename, text = await transfer.summary(request.user, inburgeraar_id, client_ip(request))
        return download(text.encode("utf-8"), filename, "text/plain")


class EnrollmentController(Controller):
    """One enrollment: its page with versions, a change, and ending it."""

    path = "/gemeente/inschrijvingen"
    guards = [gemeente_only]

    async def _enrollment_page(
        self,
        request: Request,
        enrollment_id: int,
        *,
        form: dict | None = None,
        errors: FormErrors | None = None,
        end_form: dict | None = None,
        end_errors: FormErrors | None = None,
        status: int = 200,
        notice: str = "",
    ) -> Any:
        row, person = await enrollments.enrollment_of(request.user, enrollment_id)
        versions = await enrollments.enrollment_history(enrollment_id)
        await audit.record(
            request.user,
            "enrollment.view",
            "enrollment",
            enrollment_id,
            origin=client_ip(request),
            inburgeraar_id=person["id"],
            subject_gemeente_id=person["gemeente"],
        )
        return page(
            request,
            "municipal/enrollment.html",
            {
                "e": row,
                "person": person,
                "versions": versions,
                "can_edit": access.can_edit(request.user),
                "form": form
                or {
                    "start": _iso(row["start"]),
                    "end": _iso(row["end"]),
                    "planned_hours": str(row["planned_hours"] if row["planned_hours"] is not None else ""),
                    "toelichting": "",
                },
                "errors": errors or {},
                "end_form": end_form or {"end": _iso(row["end"]) or clock.today().isoformat(), "toelichting": ""},
                "end_errors": end_errors or {},
                "grace_days": settings.report_grace_days,
                "notice": notice or (SAVED if take_notice(request) else ""),
                **OPTIONS,
            },
            status=status,
        )

    @get("/{enrollment_id:int}", name="gemeente.enrollment")
    async def enrollment(self, request: Request, enrollment_id: FromPath[int]) -> Any:
        return await self._enrollment_page(request, enrollment_id)

    @post("/{enrollment_id:int}", name="gemeente.enrollment_change", guards=[casework_only])
    async def enrollment_change(self, request: Request, enrollment_id: FromPath[int]) -> Any:
        await enrollments.enrollment_of(request.user, enrollment_id)
        raw = form_dict(await request.form())
        change, errors = forms.parse_enrollment_change_form(raw)
        if change:
            try:
                await enrollments.change_enrollment(request.user, enrollment_id, change, origin=client_ip(request))
            except NothingChanged:
                return await self._enrollment_page(request, enrollment_id, notice=UNCHANGED)
            except RuleError as e:
                add_errors(errors, e)
        if errors:
            return await self._enrollment_page(request, enrollment_id, form=raw, errors=errors, status=422)
        return redirect(request, f"/gemeente/inschrijvingen/{enrollment_id}", notice="opgeslagen")

    @post("/{enrollment_id:int}/beeindigen", name="gemeente.enrollment_end", guards=[casework_only])
    async def enrollment_end(self, request: Request, enrollment_id: FromPath[int]) -> Any:
        row, person = await enrollments.enrollment_of(request.user, enrollment_id)
        raw = form_dict(await request.form())
        end, errors = fields.parse_end_form(raw)
        if end:
            try:
                await enrollments.change_enrollment(
                    request.user,
                    enrollment_id,
                    enrollments.EnrollmentChange(
                        row["start"], end, row["planned_hours"], fields.text(raw, "toelichting", 2000)
                    ),
                    ending=True,
                    origin=client_ip(request),
                )
            except NothingChanged:
                return await self._enrollment_page(request, enrollment_id, notice=UNCHANGED)
            except RuleError as e:
                add_errors(errors, e)
        if errors:
            return await self._enrollment_page(request, enrollment_id, end_form=raw, end_errors=errors, status=422)
        return redirect(
            request, f"/gemeente/inburgeraars/{person['id']}#sectie-inschrijvingen", notice="inschrijvingen"
        )


class ImportController(Controller):
    """Bulk import of existing dossiers: upload, preview with the errors per row, import all or discard."""

    path = "/gemeente/import"
    guards = [gemeente_only]

    async def _import_page(self, request: Request, *, error: str = "", status: int = 200) -> Any:
        return page(
            request,
            "municipal/import.html",
            {
                "recent": await onboarding.recent(request.user),
                "error": error,
                "columns": onboarding.COLUMNS,
                "max_rows": onboarding.LIMITS.max_rows,
            },
            status=status,
        )

    @get("/", name="gemeente.import", guards=[casework_only])
    async def import_start(self, request: Request) -> Any:
        return await self._import_page(request)

    @get("/voorbeeld.csv", name="gemeente.import_example", guards=[casework_only])
    async def import_example(self) -> Response:
        return download(onboarding.example_csv(), "regie-dossiers-voorbeeld.csv", "text/csv")

    @post(
        "/",
        name="gemeente.import_upload",
        guards=[casework_only],
        request_max_body_size=onboarding.LIMITS.max_bytes + 64 * 1024,
    )
    async def import_upload(self, request: Request) -> Any:
        form = await request.form()
        file = form.get("bestand")
        if not isinstance(file, UploadFile) or not file.filename:
            return await self._import_page(request, error="Kies een bestand.", status=422)
        content = await file.read()
        await file.close()
        try:
            import_id = await onboarding.preview(request.user, content, file.filename, client_ip(request))
        except onboarding.ImportRefused as e:
            return await self._import_page(
                request, error=f"{file.filename}: {e.message} Er is niets ingelezen.", status=422
            )
        return redirect(request, f"/gemeente/import/{import_id}")

    async def _import_preview(
        self,
        request: Request,
        import_id: int,
        *,
        rows: list | None = None,
        error: str = "",
        notice: str = "",
        status: int = 200,
    ) -> Any:
        imp = await onboarding.import_of(request.user, import_id)
        all_rows = rows if rows is not None else imp["data"]["rows"]
        await audit.record(
            request.user,
            "import.view",
            "dossier_import",
            import_id,
            origin=client_ip(request),
            subject_gemeente_id=imp["gemeente"],
            detail=f"{len(all_rows)} regels",
        )
        shown = [r for r in all_rows if r["errors"]] if any(r["errors"] for r in all_rows) else all_rows
        return page(
            request,
            "municipal/import_preview.html",
            {
                "imp": imp,
                "rows": shown[: onboarding.PREVIEW_ROWS],
                "hidden": max(0, len(shown) - onboarding.PREVIEW_ROWS),
                "failed": sum(1 for r in all_rows if r["errors"]),
                "unknown": imp["data"].get("unknown", []),
                "error": error,
                "notice": notice,
                "headers": onboarding.HEADERS,
            },
            status=status,
        )

    @get("/{import_id:int}", name="gemeente.import_preview", guards=[casework_only])
    async def import_preview(self, request: Request, import_id: FromPath[int]) -> Any:
        melding = take_notice(request)
        notice = f"{melding} dossiers zijn geïmporteerd." if melding.isdigit() else ""
        return await self._import_preview(request, import_id, notice=notice)

    @post("/{import_id:int}/bevestigen", name="gemeente.import_confirm", guards=[casework_only])
    async def import_confirm(self, request: Request, import_id: FromPath[int]) -> Any:
        await onboarding.import_of(request.user, import_id)
        try:
            count = await onboarding.confirm(request.user, import_id, client_ip(request))
        except onboarding.ImportFailed as e:
            return await self._import_preview(
                request,
                import_id,
                rows=[r.to_json() for r in e.results],
                status=422,
                error="Er is niets geïmporteerd: sommige regels kloppen niet meer.",
            )
        except RuleError as e:
            return await self._import_preview(request, import_id, error=e.message, status=422)
        return redirect(request, f"/gemeente/import/{import_id}", notice=str(count))

    @post("/{import_id:int}/verwijderen", name="gemeente.import_discard", guards=[casework_only])
    async def import_discard(self, request: Request, import_id: FromPath[int]) -> Any:
        await onboarding.discard(request.user, import_id, client_ip(request))
        return redirect(request, "/gemeente/import")
