"""Bulk onboarding: existing dossiers from a CSV or XLSX, read as tolerantly as the provider upload
(shared/tabular/), checked row by row with the same rules as the forms, shown as a preview with the
errors per row, and imported all or nothing.

The parsed rows wait in `dossier_import` between preview and import; they are emptied once imported
or discarded (the people then live in their dossiers). At import every row is checked again (someone may
have registered one of them meanwhile); one problem and nothing is imported.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from litestar.exceptions import NotFoundException

from municipal.dossier import rules
from municipal.dossier.access import CASEWORK_ROLES, require_edit
from municipal.dossier.rules import Pip, PipContext
from municipal.dossier.sections import PersonInput, RegisterInput, new_person
from shared import audit, clock
from shared.db import write_tx
from shared.errors import RuleError
from shared.forms import check_year, parse_date
from shared.rules import normalise_bsn, normalise_email
from shared.security import CurrentUser
from shared.tables import AppUser, DossierImport, Inburgeraar
from shared.tabular import Column, Limits, TabularError, formula_problem, match_headers, open_table, write_csv
from shared.vocab import Doelgroep, Leerroute, Niveau

LIMITS = Limits(max_bytes=10 * 1024 * 1024, max_rows=10_000)
PREVIEW_ROWS = 500

COLUMNS = [
    Column(
        "bsn",
        "BSN",
        ("burgerservicenummer", "bsn-nummer", "sofinummer"),
        required=True,
        hint="9 cijfers; een voorloopnul mag ontbreken",
    ),
    Column("voornamen", "Voornamen", ("voornaam", "roepnaam"), required=True),
    Column("achternaam", "Achternaam", ("naam", "geslachtsnaam", "familienaam"), required=True),
    Column("geboortedatum", "Geboortedatum", ("geb datum", "geboren", "geb. datum"), required=True, hint="dd-mm-jjjj"),
    Column(
        "doelgroep",
        "Doelgroep",
        ("status", "asielstatushouder of gezinsmigrant"),
        required=True,
        hint="asielstatushouder of gezinsmigrant (ook: overige migrant)",
    ),
    Column(
        "plicht_start",
        "Inburgeringsplichtig sinds",
        ("start inburgeringsplicht", "plicht sinds", "datum inburgeringsplicht"),
    ),
    Column(
        "regisseur",
        "Regisseur",
        ("casemanager", "klantmanager", "regisseur e-mail"),
        hint="e-mailadres of naam van een regisseur van de gemeente; leeg = team",
    ),
    Column("email", "E-mailadres", ("email", "e-mail", "mail")),
    Column("telefoon", "Telefoon", ("telefoonnummer", "mobiel", "tel")),
    Column("adres", "Adres", ("woonadres",)),
    Column("pip_dagtekening", "Dagtekening PIP", ("pip datum", "datum pip", "pip"), hint="dd-mm-jjjj"),
    Column("leerroute", "Leerroute", ("route",), hint="B1, onderwijs of Z"),
    Column("niveau", "Niveau", ("niveau pip",), hint="B1 of A2; leeg op de B1-route betekent B1"),
    Column(
        "intensiteit_uren",
        "Intensiteit (uren)",
        ("intensiteit", "uren pip"),
        hint="alleen asielstatushouder op de B1-route",
    ),
    Column("datum_inburgeringsaanbod", "Datum inburgeringsaanbod", ("datum aanbod", "aanbod")),
    Column("reden_vertraagde_start", "Reden vertraagde start", ("reden vertraging",)),
]
HEADERS = {c.key: c.header for c in COLUMNS}

DOELGROEP_WORDS = {
    "asiel": Doelgroep.ASIEL,
    "asielstatushouder": Doelgroep.ASIEL,
    "statushouder": Doelgroep.ASIEL,
    "asielmigrant": Doelgroep.ASIEL,
    "gezin_overig": Doelgroep.GEZIN_OVERIG,
    "gezin": Doelgroep.GEZIN_OVERIG,
    "gezinsmigrant": Doelgroep.GEZIN_OVERIG,
    "overig": Doelgroep.GEZIN_OVERIG,
    "overige migrant": Doelgroep.GEZIN_OVERIG,
    "gezins- of overige migrant": Doelgroep.GEZIN_OVERIG,
    "gezins- en overige migrant": Doelgroep.GEZIN_OVERIG,
}
LEERROUTE_WORDS = {
    "b1": Leerroute.B1,
    "b": Leerroute.B1,
    "b1-route": Leerroute.B1,
    "b1 route": Leerroute.B1,
    "onderwijs": Leerroute.ONDERWIJS,
    "o": Leerroute.ONDERWIJS,
    "onderwijsroute": Leerroute.ONDERWIJS,
    "z": Leerroute.Z,
    "z-route": Leerroute.Z,
    "zroute": Leerroute.Z,
    "z route": Leerroute.Z,
    "zelfredzaamheidsroute": Leerroute.Z,
}


class ImportRefused(Exception):
    """The file as a whole cannot be used; nothing stored."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# --- One row --------------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _date(value: Any, field: str, required: bool = False) -> date | None:
    if isinstance(value, datetime):
        return check_year(value.date(), field)
    if isinstance(value, date):
        return check_year(value, field)
    return parse_date(_text(value), field, required=required)


def _int(value: Any, field: str) -> int | None:
    text = _text(value).replace(".", "")
    if not text:
        return None
    if not text.isdigit():
        raise RuleError(f"'{text}' is geen heel aantal uren.", field)
    return int(text)


@dataclass
class RowResult:
    number: int
    values: dict[str, Any] = field(default_factory=dict)  # JSON-safe, ready to import
    errors: list[tuple[str, str]] = field(default_factory=list)  # (column header, message)

    def to_json(self) -> dict[str, Any]:
        return {"number": self.number, "values": self.values, "errors": self.errors}


def check_row(number: int, cells: dict[str, Any], *, staff: dict[str, int], today: date) -> RowResult:
    """Parse and check one row with the forms' rules. `staff` maps lower-case e-mail and name to a user id."""
    result = RowResult(number)

    def attempt(key: str, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except RuleError as e:
            result.errors.append((HEADERS.get(e.field or key, HEADERS[key]), e.message))
            return None

    for key, value in list(cells.items()):
        if problem := formula_problem(value):  # the OWASP set is refused in every file, as in the portal's
            result.errors.append((HEADERS.get(key, key), problem))
            cells = {**cells, key: None}
    bsn = attempt("bsn", normalise_bsn, _text(cells.get("bsn")))
    voornamen, achternaam = _text(cells.get("voornamen")), _text(cells.get("achternaam"))
    if not voornamen:
        result.errors.append((HEADERS["voornamen"], "Vul de voornamen in."))
    if not achternaam:
        result.errors.append((HEADERS["achternaam"], "Vul de achternaam in."))
    geboortedatum = attempt("geboortedatum", _date, cells.get("geboortedatum"), "geboortedatum", True)
    doelgroep = DOELGROEP_WORDS.get(_text(cells.get("doelgroep")).lower())
    if doelgroep is None:
        result.errors.append(
            (
                HEADERS["doelgroep"],
                f"'{_text(cells.get('doelgroep'))}' is geen doelgroep. Schrijf asielstatushouder of gezinsmigrant.",
            )
        )
    plicht_start = attempt("plicht_start", _date, cells.get("plicht_start"), "plicht_start")
    email = attempt("email", normalise_email, _text(cells.get("email")))
    regisseur_text = _text(cells.get("regisseur")).lower()
    regisseur = staff.get(regisseur_text) if regisseur_text else None
    if regisseur_text and regisseur is None:
        result.errors.append(
            (
                HEADERS["regisseur"],
                f"'{_text(cells.get('regisseur'))}' is geen regisseur of teamleider van de gemeente.",
            )
        )
    if geboortedatum:
        attempt("geboortedatum", rules.check_person, geboortedatum, plicht_start, today)

    pip_day = attempt("pip_dagtekening", _date, cells.get("pip_dagtekening"), "pip_dagtekening")
    route_text = _text(cells.get("leerroute")).lower()
    leerroute = LEERROUTE_WORDS.get(route_text) if route_text else None
    if route_text and leerroute is None:
        result.errors.append(
            (HEADERS["leerroute"], f"'{_text(cells.get('leerroute'))}' is geen leerroute. Schrijf B1, onderwijs of Z.")
        )
    niveau_text = _text(cells.get("niveau")).upper()
    niveau = Niveau(niveau_text) if niveau_text in Niveau._value2member_map_ else None
    if niveau_text and niveau is None:
        result.errors.append((HEADERS["niveau"], f"'{niveau_text}' is geen niveau. Schrijf B1 of A2."))
    intensiteit = attempt("intensiteit_uren", _int, cells.get("intensiteit_uren"), "intensiteit_uren")
    pip = None
    if (pip_day or leerroute) and not (pip_day and leerroute):
        result.errors.append(
            (
                HEADERS["pip_dagtekening" if not pip_day else "leerroute"],
                "Vul voor het PIP zowel de dagtekening als de leerroute in.",
            )
        )
    elif pip_day and leerroute and doelgroep:
        if leerroute is Leerroute.B1 and niveau is None and not niveau_text:
            niveau = Niveau.B1  # the B1-route's own level; A2 only after afschalen
        pip = attempt(
            "pip_dagtekening",
            rules.check_pip,
            Pip(pip_day, leerroute, niveau, intensiteit),
            PipContext(doelgroep=doelgroep, plicht_start=plicht_start, today=today),
        )
    elif intensiteit is not None or niveau is not None:
        result.errors.append(
            (
                HEADERS["leerroute"],
                "Een niveau of intensiteit hoort bij een PIP: vul de dagtekening en de leerroute in.",
            )
        )

    aanbod = attempt(
        "datum_inburgeringsaanbod", _date, cells.get("datum_inburgeringsaanbod"), "datum_inburgeringsaanbod"
    )
    reden = _text(cells.get("reden_vertraagde_start"))
    if aanbod and doelgroep:
        attempt(
            "datum_inburgeringsaanbod",
            rules.check_aanbod,
            aanbod,
            reden,
            doelgroep=doelgroep,
            pip_dagtekening=pip.dagtekening if pip else None,
        )

    if not result.errors:
        result.values = {
            "bsn": bsn,
            "voornamen": voornamen[:200],
            "achternaam": achternaam[:200],
            "geboortedatum": geboortedatum.isoformat(),
            "doelgroep": doelgroep.value,
            "plicht_start": plicht_start.isoformat() if plicht_start else None,
            "regisseur": regisseur,
            "email": email or "",
            "telefoon": _text(cells.get("telefoon"))[:32],
            "adres": _text(cells.get("adres"))[:300],
            "pip_dagtekening": pip.dagtekening.isoformat() if pip else None,
            "leerroute": pip.leerroute.value if pip else None,
            "niveau": pip.niveau.value if pip and pip.niveau else None,
            "intensiteit_uren": pip.intensiteit if pip else None,
            "datum_inburgeringsaanbod": aanbod.isoformat() if aanbod else None,
            "reden_vertraagde_start": reden[:2000],
        }
    return result


# --- The file -------------------------------------------------------------------------------------------


async def _staff_lookup(gemeente_id: int) -> dict[str, int]:
    staff = await AppUser.select(AppUser.id, AppUser.email, AppUser.name).where(
        (AppUser.gemeente == gemeente_id)
        & (AppUser.active.eq(True))
        & AppUser.role.is_in([r.value for r in CASEWORK_ROLES])
    )
    lookup = {}
    for s in staff:
        lookup[s["email"].lower()] = s["id"]
        lookup.setdefault(s["name"].strip().lower(), s["id"])
    return lookup


async def _check_against_dossiers(gemeente_id: int, results: list[RowResult]) -> None:
    """Two rows with one BSN, or a BSN that already has a running dossier here."""
    active = {
        r["bsn"]
        for r in await Inburgeraar.select(Inburgeraar.bsn).where(
            (Inburgeraar.gemeente == gemeente_id)
            & (Inburgeraar.verhuisd_op.is_null() | (Inburgeraar.verhuisd_op > clock.today()))
        )
    }
    first_row: dict[str, int] = {}
    for r in results:
        bsn = r.values.get("bsn")
        if not bsn:
            continue
        if bsn in active:
            r.errors.append((HEADERS["bsn"], "Er is al een lopend dossier met dit BSN in de gemeente."))
        elif bsn in first_row:
            r.errors.append((HEADERS["bsn"], f"Dit BSN staat ook op regel {first_row[bsn]}."))
        else:
            first_row[bsn] = r.number
        if r.errors:
            r.values = {}


def read_file(content: bytes, filename: str) -> tuple[list[tuple[int, dict[str, Any], str | None]], list[str]]:
    """The rows as (number, {column key: cell}, row error), and the headers we do not use.

    Raises ImportRefused when the file cannot be read or its headers are missing or ambiguous."""
    try:
        with open_table(io.BytesIO(content), filename=filename, limits=LIMITS) as table:
            match = match_headers(table.header, COLUMNS)
            if match.conflicts:
                key, names = match.conflicts[0]
                raise ImportRefused(
                    f"De kolommen {' en '.join(repr(n) for n in names)} betekenen allebei "
                    f"'{HEADERS[key]}'. Houd er één over."
                )
            if match.missing:
                raise ImportRefused(
                    "Deze kolommen ontbreken: "
                    + ", ".join(c.header for c in match.missing)
                    + ". Gebruik het voorbeeldbestand voor de juiste kolomnamen."
                )
            rows = [
                (row.number, {key: row.values[i] for key, i in match.positions.items()}, row.error)
                for row in table.rows()
            ]
            return rows, [text for _, text in match.unknown]
    except TabularError as e:
        raise ImportRefused(e.message) from None


async def preview(user: CurrentUser, content: bytes, filename: str, origin: str = "") -> int:
    """Read and check the whole file; store the result for the preview. Returns the import's id."""
    require_edit(user)
    rows, unknown = read_file(content, filename)
    staff = await _staff_lookup(user.gemeente_id)
    today = clock.today()
    results = []
    for number, cells, row_error in rows:
        r = check_row(number, cells, staff=staff, today=today)
        if row_error:
            r.errors.insert(0, ("", row_error))
            r.values = {}
        results.append(r)
    await _check_against_dossiers(user.gemeente_id, results)
    errors = sum(1 for r in results if r.errors)
    async with write_tx():
        new = await DossierImport.insert(
            DossierImport(
                gemeente=user.gemeente_id,
                created_by=user.id,
                filename=filename[:200],
                rows=json.dumps({"rows": [r.to_json() for r in results], "unknown": unknown}),
                row_count=len(results),
                error_count=errors,
            )
        ).returning(DossierImport.id)
        await audit.record(
            user,
            "import.preview",
            "dossier_import",
            new[0]["id"],
            origin=origin,
            detail=f"{filename[:100]}: {len(results)} regels, {errors} met fouten",
        )
    return new[0]["id"]


async def import_of(user: CurrentUser, import_id: int) -> dict[str, Any]:
    """Raises NotFoundException (404) for an import of another gemeente or none."""
    require_edit(user)
    row = (
        await DossierImport.select(
            DossierImport.all_columns(), DossierImport.created_by.name.as_alias("created_by_name")
        )
        .where((DossierImport.id == import_id) & (DossierImport.gemeente == user.gemeente_id))
        .first()
    )
    if row is None:
        raise NotFoundException()
    data = row["rows"] if isinstance(row["rows"], dict) else json.loads(row["rows"] or "{}")
    row["data"] = data if isinstance(data, dict) else {"rows": [], "unknown": []}
    return row


async def recent(user: CurrentUser) -> list[dict[str, Any]]:
    return (
        await DossierImport.select(
            DossierImport.id,
            DossierImport.filename,
            DossierImport.created_at,
            DossierImport.row_count,
            DossierImport.error_count,
            DossierImport.status,
            DossierImport.created_by.name.as_alias("created_by_name"),
        )
        .where(DossierImport.gemeente == user.gemeente_id)
        .order_by(DossierImport.id, ascending=False)
        .limit(20)
    )


class ImportFailed(Exception):
    def __init__(self, results: list[RowResult]):
        super().__init__("import mislukt")
        self.results = results


def _as_register(values: dict[str, Any]) -> tuple[RegisterInput, dict[str, Any]]:
    d = lambda k: date.fromisoformat(values[k]) if values.get(k) else None  # noqa: E731
    person = PersonInput(
        bsn=values["bsn"],
        voornamen=values["voornamen"],
        achternaam=values["achternaam"],
        geboortedatum=d("geboortedatum"),
        email=values["email"],
        telefoon=values["telefoon"],
        adres=values["adres"],
        regisseur=values["regisseur"],
        plicht_start=d("plicht_start"),
    )
    extra = {}
    if values.get("pip_dagtekening"):
        extra.update(
            pip_dagtekening=d("pip_dagtekening"),
            leerroute=values["leerroute"],
            niveau=values["niveau"],
            intensiteit_uren=values["intensiteit_uren"],
            pip_nummer=1,
            termijn_start=d("pip_dagtekening"),
        )
    if values.get("datum_inburgeringsaanbod"):
        extra.update(
            datum_inburgeringsaanbod=d("datum_inburgeringsaanbod"),
            reden_vertraagde_start=values["reden_vertraagde_start"],
        )
    return RegisterInput(person=person, doelgroep=Doelgroep(values["doelgroep"])), extra


async def confirm(user: CurrentUser, import_id: int, origin: str = "") -> int:
    """Import every row, or none: the rows are checked again inside the transaction.

    Raises RuleError when the import was processed already or still has errors, ImportFailed (with every row's
    errors) when a row fails the second check; then nothing is stored."""
    async with write_tx():
        imp = await import_of(user, import_id)
        if imp["status"] != "preview":
            raise RuleError("Dit bestand is al verwerkt.")
        if imp["error_count"]:
            raise RuleError("Er staan nog fouten in het bestand. Verbeter het bestand en lees het opnieuw in.")
        results = [RowResult(r["number"], r["values"], []) for r in imp["data"]["rows"]]
        await _check_against_dossiers(user.gemeente_id, results)
        if any(r.errors for r in results):
            raise ImportFailed(results)
        for r in results:
            register, extra = _as_register(r.values)
            try:
                await new_person(
                    user,
                    register,
                    kind="import",
                    origin=origin,
                    note=f"Import {imp['filename']}, regel {r.number}",
                    extra=extra,
                )
            except RuleError as e:
                r.errors.append((HEADERS.get(e.field or "", ""), e.message))
                raise ImportFailed(results) from None
        await DossierImport.update(
            {
                DossierImport.status: "imported",
                DossierImport.finished_at: clock.now(),
                DossierImport.rows: json.dumps({"rows": [], "unknown": []}),
            }
        ).where(DossierImport.id == import_id)
        await audit.record(
            user,
            "import.confirm",
            "dossier_import",
            import_id,
            origin=origin,
            detail=f"{len(results)} dossiers geïmporteerd",
        )
    return len(results)


async def discard(user: CurrentUser, import_id: int, origin: str = "") -> None:
    async with write_tx():
        imp = await import_of(user, import_id)
        if imp["status"] != "preview":
            return
        await DossierImport.update(
            {
                DossierImport.status: "discarded",
                DossierImport.finished_at: clock.now(),
                DossierImport.rows: json.dumps({"rows": [], "unknown": []}),
            }
        ).where(DossierImport.id == import_id)
        await audit.record(user, "import.discard", "dossier_import", import_id, origin=origin)


def example_csv() -> bytes:
    header = [c.header for c in COLUMNS]
    example = [
        "123456782",
        "Yonas",
        "Tesfaye",
        "02-03-1994",
        "asielstatushouder",
        "10-01-2026",
        "",
        "",
        "",
        "",
        "01-03-2026",
        "B1",
        "B1",
        "1200",
        "15-04-2026",
        "",
    ]
    return write_csv(header, [example])
