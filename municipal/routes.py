"""The gemeente's view of its own people. The inbox and the dossier (later issues) grow here."""
from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.params import FromPath, FromQuery
from piccolo.query.functions.string import Lower

from shared import access, audit
from shared.tables import Enrollment, Inburgeraar
from shared.web import client_ip, gemeente_only, page

PAGE_SIZE = 50


class GemeenteController(Controller):
    path = "/gemeente"
    guards = [gemeente_only]

    @get("/", name="gemeente.people")
    async def people(self, request: Request, q: FromQuery[str] = "", pagina: FromQuery[int] = 1) -> Any:
        user = request.user
        where = Inburgeraar.gemeente == user.gemeente_id
        if q.strip():
            term = f"%{q.strip().lower()}%"
            where &= (Lower(Inburgeraar.achternaam).like(term) | Lower(Inburgeraar.voornamen).like(term)
                      | Inburgeraar.bsn.like(term))
        page_no = max(1, pagina)
        rows = await Inburgeraar.select(
            Inburgeraar.id, Inburgeraar.bsn, Inburgeraar.voornamen, Inburgeraar.achternaam, Inburgeraar.doelgroep,
            Inburgeraar.leerroute, Inburgeraar.pip_dagtekening, Inburgeraar.regisseur.name.as_alias("regisseur_name"),
        ).where(where).order_by(Inburgeraar.achternaam).limit(PAGE_SIZE + 1).offset((page_no - 1) * PAGE_SIZE)
        await audit.record(user, "inburgeraar.list", "inburgeraar", "", origin=client_ip(request),
                           detail=f"gemeentelijst pagina {page_no}, {min(len(rows), PAGE_SIZE)} personen")
        return page(request, "municipal/people.html", {"rows": rows[:PAGE_SIZE], "q": q, "page": page_no,
                                                       "has_next": len(rows) > PAGE_SIZE},
                    fragment="municipal/_people.html")

    @get("/inburgeraars/{inburgeraar_id:int}", name="gemeente.person")
    async def person(self, request: Request, inburgeraar_id: FromPath[int]) -> Any:
        person = await access.gemeente_person(request.user, inburgeraar_id)
        enrollments = await Enrollment.select(
            Enrollment.all_columns(), Enrollment.organisation.name.as_alias("organisation_name"),
        ).where(Enrollment.inburgeraar == inburgeraar_id).order_by(Enrollment.start)
        await audit.record(request.user, "inburgeraar.view", "inburgeraar", inburgeraar_id,
                           origin=client_ip(request), inburgeraar_id=inburgeraar_id,
                           subject_gemeente_id=person["gemeente"])
        return page(request, "municipal/person.html", {"person": person, "enrollments": enrollments})
