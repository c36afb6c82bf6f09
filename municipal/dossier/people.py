"""Finding people: the gemeente's list (search, filters, pages), the caseload per regisseur, and the staff
a dossier can be assigned to."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from piccolo.columns.combination import WhereRaw

from municipal.dossier import rules
from municipal.dossier.access import CASEWORK_ROLES
from shared import audit, clock
from shared.security import CurrentUser
from shared.tables import AppUser, Inburgeraar
from shared.vocab import Doelgroep
from shared.web import query_id

PAGE_SIZE = 50


@dataclass
class PeopleFilter:
    q: str = ""
    regisseur: str = ""  # "" everyone, "mij", "geen", or a user id
    status: str = "actief"  # actief, verhuisd, alle
    page: int = 1


async def gemeente_staff(gemeente_id: int, roles=CASEWORK_ROLES, active_only: bool = True) -> list[dict[str, Any]]:
    where = (AppUser.gemeente == gemeente_id) & AppUser.role.is_in([r.value for r in roles])
    if active_only:
        where &= AppUser.active.eq(True)
    return (
        await AppUser.select(AppUser.id, AppUser.name, AppUser.role, AppUser.active).where(where).order_by(AppUser.name)
    )


async def list_people(user: CurrentUser, f: PeopleFilter, origin: str = "") -> tuple[list[dict], bool]:
    today = clock.today()
    where = Inburgeraar.gemeente == user.gemeente_id
    if f.status == "actief":
        where &= Inburgeraar.verhuisd_op.is_null() | (Inburgeraar.verhuisd_op > today)
    elif f.status == "verhuisd":
        where &= Inburgeraar.verhuisd_op <= today
    if f.regisseur == "mij":
        where &= Inburgeraar.regisseur == user.id
    elif f.regisseur == "geen":
        where &= Inburgeraar.regisseur.is_null()
    elif query_id(f.regisseur):
        where &= Inburgeraar.regisseur == query_id(f.regisseur)
    if f.q.strip():
        term = f"%{f.q.strip().lower()}%"
        digits = "".join(c for c in f.q if c.isdigit())
        # LOWER(...) LIKE as raw SQL: Piccolo's Lower(...).like() is a QueryString, and "|" on two of
        # those means COALESCE, not OR. Matches "Amina Haddad" and "Haddad, Amina" as well.
        match = WhereRaw(
            '(LOWER("inburgeraar"."voornamen" || \' \' || "inburgeraar"."achternaam") LIKE {} '
            'OR LOWER("inburgeraar"."achternaam" || \', \' || "inburgeraar"."voornamen") LIKE {})',
            term,
            term,
        )
        regisseurs = [
            s["id"]
            for s in await gemeente_staff(user.gemeente_id, active_only=False)
            if f.q.strip().lower() in s["name"].lower()
        ]
        if regisseurs:
            match |= Inburgeraar.regisseur.is_in(regisseurs)
        if len(digits) >= 3:
            match |= Inburgeraar.bsn.like(f"%{digits}%")
        where &= match
    page_no = max(1, f.page)
    rows = (
        await Inburgeraar.select(
            Inburgeraar.id,
            Inburgeraar.bsn,
            Inburgeraar.voornamen,
            Inburgeraar.achternaam,
            Inburgeraar.doelgroep,
            Inburgeraar.leerroute,
            Inburgeraar.pip_dagtekening,
            Inburgeraar.datum_inburgeringsaanbod,
            Inburgeraar.verhuisd_op,
            Inburgeraar.regisseur.name.as_alias("regisseur_name"),
        )
        .where(where)
        .order_by(Inburgeraar.achternaam)
        .order_by(Inburgeraar.voornamen)
        .order_by(Inburgeraar.id)
        .limit(PAGE_SIZE + 1)
        .offset((page_no - 1) * PAGE_SIZE)
    )
    for r in rows:
        r["aanbod_te_laat"] = r["doelgroep"] == Doelgroep.ASIEL and rules.aanbod_is_late(
            r["pip_dagtekening"], r["datum_inburgeringsaanbod"], today
        )
    await audit.record(
        user,
        "inburgeraar.list",
        "inburgeraar",
        "",
        origin=origin,
        detail=f"gemeentelijst pagina {page_no}, {min(len(rows), PAGE_SIZE)} personen"
        + (", zoekterm en filters" if f.q or f.regisseur or f.status != "actief" else ""),
    )
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


async def caseload(user: CurrentUser, origin: str = "") -> list[dict[str, Any]]:
    """Per regisseur (and 'no regisseur'): active people, people without a PIP, offers that are late."""
    today = clock.today()
    staff = await gemeente_staff(user.gemeente_id, active_only=False)
    rows = await Inburgeraar.select(
        Inburgeraar.regisseur,
        Inburgeraar.doelgroep,
        Inburgeraar.pip_dagtekening,
        Inburgeraar.datum_inburgeringsaanbod,
    ).where(
        (Inburgeraar.gemeente == user.gemeente_id)
        & (Inburgeraar.verhuisd_op.is_null() | (Inburgeraar.verhuisd_op > today))
    )
    by_id: dict[int | None, dict[str, Any]] = {
        s["id"]: {
            "id": s["id"],
            "name": s["name"],
            "role": s["role"],
            "active": s["active"],
            "people": 0,
            "zonder_pip": 0,
            "aanbod_te_laat": 0,
        }
        for s in staff
    }
    by_id[None] = {
        "id": None,
        "name": "Zonder regisseur (team)",
        "role": "",
        "active": True,
        "people": 0,
        "zonder_pip": 0,
        "aanbod_te_laat": 0,
    }
    for r in rows:
        line = by_id.get(r["regisseur"]) or by_id[None]
        line["people"] += 1
        line["zonder_pip"] += r["pip_dagtekening"] is None
        line["aanbod_te_laat"] += r["doelgroep"] == Doelgroep.ASIEL and rules.aanbod_is_late(
            r["pip_dagtekening"], r["datum_inburgeringsaanbod"], today
        )
    await audit.record(user, "caseload.view", "inburgeraar", "", origin=origin, detail=f"{len(rows)} personen")
    return [line for line in by_id.values() if line["people"] or line["active"]]
