"""Demo data: two gemeenten, providers of every kind, 80 inburgeraars over both groups and all routes,
with a year of hours, so every page shows something real. Deterministic (seeded), dates relative to today."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from shared import clock
from shared.calendar import month_of
from shared.db import write_tx
from shared.rules import bsn_is_valid
from shared.search import search_name
from shared.security import hash_password
from shared.tables import AppUser, Contract, Enrollment, Gemeente, HourRecord, Inburgeraar, Milestone, Organisation
from shared.vocab import Component, Doelgroep, HourKind, Leerroute, MilestoneKind, Role, Source, VerzuimReden

DEMO_PASSWORD = "demo-wachtwoord"
# Every demo account of a gemeente or beheer has two-factor login set up with this TOTP secret (README, Demo):
# add it to an authenticator app, or let `regie demo-code` show the current code.
DEMO_TOTP_SECRET = "REGIEDEMOREGIEDEMOREGIEDEMO23456"

GEMEENTEN = [("0344", "Utrecht", "00000001002220647000"), ("0307", "Amersfoort", "00000001001891372000")]

# name, KvK, kinds, BoW, DUO instellingsnummer, login, components it is contracted for
PROVIDERS = [
    ("Taalschool Het Woord", "30123456", ["taal"], True, "12AB000001", "woord", [Component.TAAL]),
    ("NT2 Instituut Eemland", "32123457", ["taal"], True, "34CD000002", "eemland", [Component.TAAL]),
    ("Talencentrum Domstad", "30123458", ["taal"], True, "56EF000003", "domstad", [Component.TAAL]),
    ("MAP Werkplaats", "30123459", ["map"], False, None, "mapwerkplaats", [Component.MAP]),
    ("Bureau Participatieverklaring", "30123460", ["pvt"], False, None, "pvt", [Component.PVT]),
    ("Werk & Meedoen", "32123461", ["participatie"], False, None, "meedoen", [Component.PARTICIPATIE]),
    (
        "Stichting Taalmaatjes",
        "30123462",
        ["vrijwilligers", "participatie"],
        False,
        None,
        "taalmaatjes",
        [Component.PARTICIPATIE],
    ),
    ("Vluchtelingenwerk Midden", "30123463", ["begeleiding"], False, None, "begeleiding", [Component.BEGELEIDING]),
]

VOORNAMEN = [
    "Yousef",
    "Meron",
    "Rania",
    "Chidi",
    "Olena",
    "Selam",
    "Zeynab",
    "Hélène",
    "Ayşe",
    "Minh",
    "Faduma",
    "Farid",
    "Amina",
    "Tesfay",
    "Omar",
    "Samira",
    "Dawit",
    "Lina",
    "Kateryna",
    "Hamid",
    "Nour",
    "Bashir",
    "Mariam",
    "Ali",
    "Sara",
    "Yonas",
    "Fatima",
    "Ahmad",
    "Leila",
    "Ibrahim",
]
ACHTERNAMEN = [
    "Haddad",
    "Tesfaye",
    "Al-Khatib",
    "Okonkwo",
    "Kovalenko",
    "Ghebremedhin",
    "Mansour",
    "Darwish",
    "Yılmaz",
    "Nguyễn",
    "Abdi",
    "Rahimi",
    "Hussein",
    "Berhane",
    "Saleh",
    "Karimi",
    "Mohammed",
    "Asfaw",
    "Shevchenko",
    "Nazari",
    "Idris",
    "Jaber",
    "Tekle",
    "Ahmadi",
    "Yousufzai",
]


@dataclass(frozen=True)
class DemoAccount:
    email: str
    name: str
    role: Role
    gemeente: str | None = None  # the gemeente's name
    organisation: str | None = None  # the provider's login slug
    organisation_name: str | None = None


def demo_accounts() -> list[DemoAccount]:
    """The demo's accounts: an admin, four per gemeente, one per provider and a provider's beheerder."""
    accounts = [DemoAccount("admin@regie.demo", "Beheerder Regie", Role.ADMIN)]
    for _, name, _ in GEMEENTEN:
        slug = name.lower()
        accounts += [
            DemoAccount(f"regisseur@{slug}.demo", f"Regisseur {name}", Role.REGISSEUR, gemeente=name),
            DemoAccount(f"regisseur2@{slug}.demo", f"Tweede regisseur {name}", Role.REGISSEUR, gemeente=name),
            DemoAccount(f"teamleider@{slug}.demo", f"Teamleider {name}", Role.TEAMLEIDER, gemeente=name),
            DemoAccount(f"beheer@{slug}.demo", f"Functioneel beheer {name}", Role.BEHEERDER, gemeente=name),
        ]
    for org_name, _, _, _, _, login, _ in PROVIDERS:
        accounts.append(
            DemoAccount(
                f"medewerker@{login}.demo",
                f"Medewerker {login}",
                Role.PROVIDER,
                organisation=login,
                organisation_name=org_name,
            )
        )
        if login == "woord":
            accounts.append(
                DemoAccount(
                    "beheer@woord.demo",
                    "Beheer Het Woord",
                    Role.BEHEERDER,
                    organisation=login,
                    organisation_name=org_name,
                )
            )
    return accounts


def _bsns(rng: random.Random):
    seen = set()
    while True:
        candidate = f"{rng.randint(100000000, 399999999)}"
        if bsn_is_valid(candidate) and candidate not in seen:
            seen.add(candidate)
            yield candidate


def _months(start: date, until: date):
    """Whole months from the one containing `start` up to the last finished month before `until`."""
    m = month_of(start)
    while m.end < until:
        yield m
        m = month_of(m.end + timedelta(days=1))


async def load() -> None:
    rng = random.Random(2021)
    today = clock.today()
    year_ago = month_of(today - timedelta(days=365)).start
    password_hash = await hash_password(DEMO_PASSWORD)
    bsns = _bsns(rng)
    async with write_tx():
        gemeenten = []
        for code, name, oin in GEMEENTEN:
            gemeenten.append(
                (
                    await Gemeente.insert(
                        Gemeente(
                            cbs_code=code,
                            name=name,
                            oin=oin,
                            # The footer of every page (issue 13); example addresses, set at /beheer/voettekst.
                            privacy_url=f"https://www.{name.lower()}.nl/privacy",
                            toegankelijkheid_url=f"https://www.{name.lower()}.nl/toegankelijkheid",
                            help_url=f"https://www.{name.lower()}.nl/regie-help",
                            contact=f"Team Inburgering {name}, 14 0{code[-2:]}",
                        )
                    ).returning(Gemeente.id)
                )[0]["id"]
            )
        orgs = []
        for name, kvk, kinds, bow, duo, login, components in PROVIDERS:
            org_id = (
                await Organisation.insert(
                    Organisation(name=name, kvk=kvk, kinds=kinds, bow_keurmerk=bow, duo_instellingsnummer=duo)
                ).returning(Organisation.id)
            )[0]["id"]
            orgs.append((org_id, login, components))
            for g in gemeenten:
                await Contract.insert(
                    *[
                        Contract(
                            gemeente=g, organisation=org_id, component=c.value, start=year_ago - timedelta(days=180)
                        )
                        for c in components
                    ]
                )

        gemeente_ids = {name: g for g, (_, name, _) in zip(gemeenten, GEMEENTEN, strict=True)}
        org_ids = {login: org_id for org_id, login, _ in orgs}
        users = [
            AppUser(
                email=a.email,
                name=a.name,
                role=a.role.value,
                password_hash=password_hash,
                gemeente=gemeente_ids.get(a.gemeente),
                organisation=org_ids.get(a.organisation),
                totp_secret="" if a.role is Role.PROVIDER else DEMO_TOTP_SECRET,
                totp_since=None if a.role is Role.PROVIDER else clock.now(),
            )
            for a in demo_accounts()
        ]
        await AppUser.insert(*users)
        user_rows = await AppUser.select(AppUser.id, AppUser.email, AppUser.gemeente, AppUser.organisation)
        staff = {u["organisation"]: u["id"] for u in user_rows if u["email"].startswith("medewerker@")}
        regisseurs = {
            g: [u["id"] for u in user_rows if u["gemeente"] == g and u["email"].startswith("regisseur")]
            for g in gemeenten
        }

        by_login = {login: (org_id, components) for org_id, login, components in orgs}
        taalscholen = [by_login["woord"][0], by_login["eemland"][0]]
        hours: list[HourRecord] = []
        milestones: list[Milestone] = []
        for i in range(80):
            g = gemeenten[i % 2]
            doelgroep = Doelgroep.ASIEL if i % 10 < 7 else Doelgroep.GEZIN_OVERIG
            leerroute = [Leerroute.B1, Leerroute.B1, Leerroute.Z, Leerroute.ONDERWIJS][i % 4]
            pip = year_ago + timedelta(days=rng.randint(-120, 60))
            intensiteit = (
                rng.choice([800, 1000, 1200])
                if doelgroep is Doelgroep.ASIEL and leerroute is Leerroute.B1
                else (800 if leerroute is Leerroute.Z else None)
            )
            # The dossier (issue 3): obligation, intake before the PIP, the PIP as the first one, the offer
            # (a late one with its reason), begeleiding and ontzorgen for asylum status holders.
            plicht = pip - timedelta(days=rng.randint(40, 160))
            aanbod = pip + timedelta(days=rng.randint(20, 120)) if doelgroep is Doelgroep.ASIEL else None
            asiel = doelgroep is Doelgroep.ASIEL
            person_id = (
                await Inburgeraar.insert(
                    Inburgeraar(
                        bsn=next(bsns),
                        voornamen=VOORNAMEN[i % len(VOORNAMEN)],
                        achternaam=ACHTERNAMEN[(i * 7) % len(ACHTERNAMEN)],
                        zoeknaam=search_name(VOORNAMEN[i % len(VOORNAMEN)], ACHTERNAMEN[(i * 7) % len(ACHTERNAMEN)]),
                        geboortedatum=date(1970 + i % 35, 1 + i % 12, 1 + i % 28),
                        doelgroep=doelgroep.value,
                        gemeente=g,
                        regisseur=regisseurs[g][(i // 2) % 2] if i % 5 else None,
                        leerroute=leerroute.value,
                        niveau="B1" if leerroute is Leerroute.B1 else None,
                        pip_dagtekening=pip,
                        intensiteit_uren=intensiteit,
                        datum_inburgeringsaanbod=aanbod,
                        reden_vertraagde_start="Wachtlijst bij de taalschool"
                        if aanbod and aanbod > pip + timedelta(days=92)
                        else "",
                        doelgroep_status=doelgroep.value,
                        plicht_start=plicht,
                        termijn_start=pip,
                        pip_nummer=1,
                        intake_start=plicht + timedelta(days=14),
                        intake_eind=pip - timedelta(days=7),
                        leerbaarheidstoets="b1_haalbaar" if leerroute is Leerroute.B1 else "b1_niet_haalbaar",
                        leerbaarheidstoets_datum=plicht + timedelta(days=21),
                        begeleiding_indicatie=True if asiel else None,
                        begeleiding_start=pip + timedelta(days=10) if asiel else None,
                        ontzorgen_start=pip if asiel else None,
                        ontzorgen_eind=pip + timedelta(days=180) if asiel else None,
                        telefoon=f"06-{rng.randint(10000000, 99999999)}",
                    )
                ).returning(Inburgeraar.id)
            )[0]["id"]
            start = pip + timedelta(days=30)

            async def enrol(org_login: str | int, component: Component, planned: int | None = None) -> tuple[int, int]:
                org_id = org_login if isinstance(org_login, int) else by_login[org_login][0]
                e = (
                    await Enrollment.insert(
                        Enrollment(
                            inburgeraar=person_id,
                            organisation=org_id,
                            component=component.value,
                            start=start,
                            planned_hours=planned,
                        )
                    ).returning(Enrollment.id)
                )[0]["id"]
                return e, org_id

            def monthly(enrollment: tuple[int, int], kind: HourKind, low: int, high: int) -> None:
                e_id, org_id = enrollment
                for period in _months(start, today):
                    attended = rng.randint(low, high) * 60 + rng.choice([0, 15, 30, 45])
                    absent = rng.random()
                    geoorloofd = rng.choice([90, 180, 360]) if absent < 0.3 else 0
                    ongeoorloofd = rng.choice([120, 240, 720]) if absent > 0.9 else 0
                    reden = (
                        VerzuimReden.ZONDER_BERICHT
                        if ongeoorloofd
                        else rng.choice([VerzuimReden.ZIEK, VerzuimReden.MEDISCH, VerzuimReden.INSTANTIE])
                        if geoorloofd
                        else None
                    )
                    period_start = max(period.start, start)
                    hours.append(
                        HourRecord(
                            enrollment=e_id,
                            inburgeraar=person_id,
                            organisation=org_id,
                            kind=kind.value,
                            period_start=period_start,
                            period_end=period.end,
                            attended_minutes=attended,
                            geoorloofd_minutes=geoorloofd,
                            ongeoorloofd_minutes=ongeoorloofd,
                            verzuim_reden=reden.value if reden else None,
                            formal=org_id in taalscholen,
                            source=Source.UPLOAD.value if org_id in taalscholen else Source.FORM.value,
                            entered_by=staff[org_id],
                        )
                    )

            if doelgroep is Doelgroep.ASIEL:
                if leerroute is Leerroute.ONDERWIJS:
                    monthly(await enrol("domstad", Component.TAAL, 900), HourKind.TAAL_KNM, 40, 60)
                else:
                    monthly(await enrol(taalscholen[i % 2], Component.TAAL, intensiteit), HourKind.TAAL_KNM, 35, 65)
                if leerroute is Leerroute.Z:
                    monthly(
                        await enrol("taalmaatjes" if i % 8 < 4 else "meedoen", Component.PARTICIPATIE, 800),
                        HourKind.PARTICIPATIE_ACTIVITEITEN,
                        15,
                        40,
                    )
                await enrol("begeleiding", Component.BEGELEIDING)
            if leerroute is not Leerroute.ONDERWIJS:
                map_e, map_org = await enrol("mapwerkplaats", Component.MAP)
                if i % 3 == 0:
                    milestones.append(
                        Milestone(
                            enrollment=map_e,
                            inburgeraar=person_id,
                            organisation=map_org,
                            kind=MilestoneKind.MAP_EINDGESPREK.value,
                            event_date=today - timedelta(days=rng.randint(3, 40)),
                            source=Source.FORM.value,
                            entered_by=staff[map_org],
                        )
                    )
            pvt_e, pvt_org = await enrol("pvt", Component.PVT)
            if i % 4 in (1, 2):  # both gemeenten get PVT completions
                milestones.append(
                    Milestone(
                        enrollment=pvt_e,
                        inburgeraar=person_id,
                        organisation=pvt_org,
                        kind=MilestoneKind.PVT_ONDERTEKENING.value,
                        event_date=today - timedelta(days=rng.randint(2, 30)),
                        source=Source.FORM.value,
                        entered_by=staff[pvt_org],
                    )
                )
        for chunk in range(0, len(hours), 500):
            await HourRecord.insert(*hours[chunk : chunk + 500])
        if milestones:
            await Milestone.insert(*milestones)


def print_logins() -> None:
    """Every demo account, grouped by where it works: the same list `load` creates."""
    print(f"\nDemo-logins (wachtwoord voor allemaal: {DEMO_PASSWORD})")
    where = None
    for a in demo_accounts():
        place = a.gemeente and f"Gemeente {a.gemeente}" or a.organisation_name or "Regie"
        if place != where:
            print(f"  {place}")
            where = place
        print(f"    {a.role.label + ':':<26}{a.email}")
    print(
        "\nGemeente- en beheeraccounts loggen in met een code uit een app (tweestapsverificatie). Demo-sleutel voor"
        f" de app: {DEMO_TOTP_SECRET}\nDe code van nu: `regie demo-code` (of `make demo-code`).\n"
    )
