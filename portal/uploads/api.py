"""The provider API: the same import as the upload page, over HTTP, for systems that send directly.

Authentication is an organisation's API token (`Authorization: Bearer rgi_…`), no session and no CSRF
(the app excludes /api/ from both). The same reading, the same rules, the same all-or-nothing commit
and the same domain events as an upload in the portal: these handlers only translate.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency, Provide
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotAuthorizedException
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Example
from litestar.params import Body, PathParameter, QueryParameter
from litestar.utils.scope.state import ScopeState

from portal.errors import Changed, UploadRefused
from portal.tables import UploadIssue
from portal.uploads import batches, check, commit, files, read, tokens
from portal.uploads.rules import BatchStatus
from shared.db import MAX_ID
from shared.hours import format_hours
from shared.problems import PROBLEM_JSON, FieldProblem, Problem, field_name, pointer, problem
from shared.security import CurrentUser
from shared.tables import UploadBatch
from shared.vocab import Source, aantal
from shared.web import client_ip

MAX_BODY = files.LIMITS.max_bytes * 2 + 1024 * 1024
LISTED = 1000  # findings per kind in one answer; the rest stays in the portal and its error file


# --- What goes in and out (documented in the OpenAPI schema) ---------------------------------------------

ROW_KEYS = (
    "Elke regel is een object met: bsn (verplicht); voor uren: period_start en period_end (dd-mm-jjjj of "
    "jjjj-mm-dd), kind (taal_knm, participatie_taalles, participatie_activiteiten, brede_intake; leeg = de "
    "gewone soort bij de inschrijving), attended, geoorloofd, ongeoorloofd (uren in kwartieren: 7,5 of 7.5 "
    "of een getal), verzuim_reden (ziek, medisch, instantie, werk, familie, verlof, vervoer, "
    "zonder_bericht, overig); voor een afronding: milestone (map_eindgesprek, pvt_ondertekening, "
    "taalschakeltraject_afgerond, niet_voltooid, tussentijdse_toets, voortgang, belemmering), event_date, "
    "verwijtbaar (ja/nee, bij niet_voltooid), uitslag (bij een toets); altijd mogelijk: toelichting. "
    "De kolomnamen uit het sjabloon ('Periode van', 'Aanwezig (uren)', ...) mogen ook als sleutel."
)


# A cell of a row: text, a number or empty. Never a list, an object or true/false (hours as true would be
# 1 or an error depending on the reader; the API refuses them by name instead).
CELL_SCHEMA = {"oneOf": [{"type": "string"}, {"type": "number"}, {"type": "null"}]}
ROW_SCHEMA = {"type": "object", "additionalProperties": CELL_SCHEMA, "minProperties": 1}


class ReportRequest(msgspec.Struct, forbid_unknown_fields=True):
    regels: Annotated[
        list[dict[str, Any]],
        msgspec.Meta(
            min_length=1,
            extra_json_schema={"description": ROW_KEYS, "extra": {"items": ROW_SCHEMA, "min_items": 1}},
        ),
    ]
    proef: Annotated[
        bool,
        msgspec.Meta(
            extra_json_schema={
                "description": 'Alleen controleren, niets opslaan. Alleen JSON true of false; 0, 1 of "true" '
                "worden geweigerd."
            }
        ),
    ] = False
    fouten_overslaan: Annotated[
        bool,
        msgspec.Meta(
            extra_json_schema={"description": "Sla de goede regels op, ook als andere regels een fout hebben."}
        ),
    ] = False


@dataclass
class FileRequest:
    bestand: UploadFile
    proef: bool = False
    fouten_overslaan: bool = False
    werkblad: str = ""


class Finding(msgspec.Struct):
    regel: int
    kolom: str
    melding: str


class ImportResult(msgspec.Struct):
    """A success (200, 201) or an upload read back: `status` says what happened."""

    status: Annotated[str, msgspec.Meta(extra_json_schema={"description": "Zie de beschrijving van de aanvraag."})]
    melding: str
    upload: int | None = None
    regels: int = 0
    personen: int = 0
    uren: str = "0"
    nieuw: int = 0
    correcties: int = 0
    ongewijzigd: int = 0
    overgeslagen: int = 0
    fouten: int = 0
    foutmeldingen: list[Finding] = []
    waarschuwingen: list[Finding] = []
    correctielijst: list[Finding] = []


class ImportProblem(msgspec.Struct, omit_defaults=True):
    """A refused report (409, 413, 422): problem details (RFC 9457) with the upload's outcome beside them;
    `uitkomst` is what `status` says in a success (fouten, niet_gelezen, kolommen_onbekend, gewijzigd, …)."""

    type: str
    title: str
    status: int
    detail: str
    uitkomst: str
    errors: list[FieldProblem] = []
    upload: int | None = None
    regels: int = 0
    personen: int = 0
    uren: str = "0"
    nieuw: int = 0
    correcties: int = 0
    ongewijzigd: int = 0
    overgeslagen: int = 0
    fouten: int = 0
    foutmeldingen: list[Finding] = []
    waarschuwingen: list[Finding] = []
    correctielijst: list[Finding] = []


EXAMPLE_ROWS = [
    {
        "bsn": "123456782",
        "period_start": "01-10-2026",
        "period_end": "31-10-2026",
        "kind": "taal_knm",
        "attended": "36,75",
        "geoorloofd": "1,5",
        "verzuim_reden": "ziek",
    },
    {"bsn": "111222333", "milestone": "pvt_ondertekening", "event_date": "14-10-2026"},
]
REQUEST_EXAMPLES = [
    Example(summary="Uren met verzuim en een afronding, eerst als proef", value={"regels": EXAMPLE_ROWS, "proef": True})
]
STATUS_TEXT = {
    "proef": "Proef: er is niets opgeslagen. Zonder proef slaat dezelfde aanvraag de goede regels op.",
    "opgeslagen": "De regels zijn opgeslagen.",
    "al_opgeslagen": "Deze regels zijn al eerder precies zo ingestuurd en opgeslagen. Er is niets veranderd.",
    "fouten": (
        "Er is niets opgeslagen: {n} een fout. Verbeter ze, of stuur fouten_overslaan: true "
        "om alleen de goede regels op te slaan."
    ),
    "niets_nieuw": "Er is niets nieuws om op te slaan: alle regels staan er al, of hebben een fout.",
    "gewijzigd": (
        "Tijdens het opslaan veranderde er iets in wat er al stond. Er is niets opgeslagen; probeer het opnieuw."
    ),
    "wordt_gecontroleerd": "De upload wordt nog gecontroleerd; er is nog niets opgeslagen. Vraag het straks opnieuw.",
    "wordt_opgeslagen": "De upload wordt nu opgeslagen. Vraag de uitkomst straks op.",
    "afgebroken": "Deze upload is afgebroken. Er is niets opgeslagen; stuur de regels opnieuw als u ze wilt opslaan.",
    "kolommen_onbekend": "Niet alle kolommen zijn herkend. Er is niets opgeslagen.",
    "niet_gelezen": "De regels of het bestand konden niet worden gelezen. Er is niets opgeslagen.",
}
# What a batch's state reads back as (GET /uploads/{id}): every state says what it is.
STATUS_OF_BATCH = {
    BatchStatus.CHECKING: "wordt_gecontroleerd",
    BatchStatus.NEEDS_MAPPING: "kolommen_onbekend",
    BatchStatus.REFUSED: "niet_gelezen",
    BatchStatus.CHECKED: "proef",
    BatchStatus.COMMITTING: "wordt_opgeslagen",
    BatchStatus.COMMITTED: "opgeslagen",
    BatchStatus.CANCELLED: "afgebroken",
}
SUCCESS = {"proef", "opgeslagen", "al_opgeslagen", "niets_nieuw"}
CONFLICT = {"gewijzigd", "afgebroken", "wordt_gecontroleerd", "wordt_opgeslagen"}


# --- Who is calling ----------------------------------------------------------------------------------------


@dataclass
class ApiClient:
    actor: CurrentUser
    token_id: int


async def _authenticate(request: Request) -> ApiClient | None:
    if "api_client" not in request.state:
        token = await tokens.authenticate(request.headers.get("authorization", ""))
        request.state.api_client = (
            ApiClient(batches.api_actor(token["organisation"], token["name"]), token["id"]) if token else None
        )
    return request.state.api_client


async def api_client(request: Request) -> ApiClient:
    client = await _authenticate(request)
    if client is None:
        raise NotAuthorizedException()
    return client


def _unauthorized(request: Request, exc: NotAuthorizedException) -> Response:
    return problem(401, headers={"WWW-Authenticate": "Bearer"})


# --- The request as it arrives: strictly typed before anything is read into the upload ------------------

JSON_TYPES = ("application/json",)
MAX_ERRORS = 100
_KINDS = {
    str: "tekst",
    int: "een getal",
    float: "een getal",
    bool: "true of false",
    list: "een lijst",
    dict: "een object",
}


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def _what(value: Any) -> str:
    return "null" if value is None else _KINDS.get(type(value), type(value).__name__)


def _bad_text(text: str) -> str | None:
    if "\x00" in text:
        return "bevat een NUL-teken (\\u0000); dat kan niet worden bewaard"
    return None


_JSON_FAULTS = {
    "trailing comma": "er staat een komma te veel (voor een } of ])",
    "object keys must be strings": 'de naam van een veld moet tussen dubbele aanhalingstekens staan ("bsn")',
    "expected ':'": "er ontbreekt een dubbele punt tussen een veldnaam en zijn waarde",
    "expected ','": "er ontbreekt een komma tussen twee waarden",
    "invalid character": "er staat een teken dat niet in JSON hoort (bijvoorbeeld een enkel aanhalingsteken)",
    "invalid escape": "er staat een ongeldige \\-reeks in een tekst",
    "invalid utf-8": "de tekst is geen UTF-8",
}


def broken_json(reason: str) -> str:
    """What is wrong with a body that is no JSON, in Dutch, from msgspec's reason: cut off, something after
    the end, or a fault at a position (bytes counted from 0)."""
    if "truncated" in reason:
        return (
            "De JSON houdt midden in op: hij is afgebroken (er ontbreekt bijvoorbeeld een ] of } aan het eind). "
            "Stuur de hele JSON opnieuw."
        )
    at = re.search(r"\(byte (\d+)\)", reason)
    where = f" (bij byte {at[1]})" if at else ""
    if "trailing characters" in reason:
        return f"Na het einde van de JSON staat nog iets{where}. Stuur precies één JSON-object, zonder iets erachter."
    fault = next((text for key, text in _JSON_FAULTS.items() if key in reason.lower()), "")
    return (
        f"De inhoud is geen geldige JSON{where}: {fault or 'hij klopt niet'}. Controleer de JSON en stuur hem opnieuw."
    )


def report_body_problems(body: Any) -> list[FieldProblem]:
    """Every way the JSON body of /maandrapportage breaks its schema, each naming its field: the rows must be
    a non-empty list of objects whose values are text, a number or null; `proef` and `fouten_overslaan` only
    JSON true or false (never 0, 1 or "true": "proef": 0 must not store for real); no other keys."""
    found: list[FieldProblem] = []

    def add(path: tuple, detail: str) -> None:
        if len(found) < MAX_ERRORS:
            name = field_name(path)
            found.append(FieldProblem(veld=name, detail=f"{name}: {detail}", pointer=pointer(path)))

    if not isinstance(body, dict):
        add((), f"de aanvraag moet een JSON-object zijn met 'regels', niet {_what(body)}.")
        return found
    for key in body:
        if key not in ReportRequest.__struct_fields__:
            add((key,), "dit veld kennen we niet. Velden: regels, proef, fouten_overslaan.")
        elif bad := _bad_text(key):
            add((key,), bad)
    for flag in ("proef", "fouten_overslaan"):
        if flag in body and type(body[flag]) is not bool:
            add((flag,), f"alleen JSON true of false, niet {json.dumps(body[flag], ensure_ascii=False)[:40]}.")
    if "regels" not in body:
        add(("regels",), "ontbreekt. Stuur de regels als een lijst van objecten.")
        return found
    rows = body["regels"]
    if not isinstance(rows, list):
        add(("regels",), f"moet een lijst van objecten zijn, niet {_what(rows)}.")
        return found
    if not rows:
        add(("regels",), "de lijst is leeg. Stuur ten minste één regel.")
    for n, row in enumerate(rows):
        if not isinstance(row, dict):
            add(("regels", n), f"elke regel is een object met velden als bsn en attended, niet {_what(row)}.")
            continue
        if not row:
            add(("regels", n), "de regel is leeg.")
        for key, value in row.items():
            path = ("regels", n, key)
            if bad := _bad_text(key):
                add(path, "de naam van het veld " + bad)
            elif isinstance(value, bool) or not isinstance(value, (str, int, float, type(None))):
                add(path, f"moet tekst, een getal of null zijn, niet {_what(value)}.")
            elif isinstance(value, str) and (bad := _bad_text(value)):
                add(path, bad)
    return found


def _flag_problems(form: Any) -> list[FieldProblem]:
    found = []
    for flag in ("proef", "fouten_overslaan"):
        value = form.get(flag)
        if value is not None and value not in ("true", "false"):
            found.append(FieldProblem(veld=flag, detail=f"{flag}: alleen true of false, niet {str(value)[:40]!r}."))
    werkblad = form.get("werkblad")
    if isinstance(werkblad, str) and _bad_text(werkblad):
        found.append(FieldProblem(veld="werkblad", detail="werkblad: " + _bad_text(werkblad)))
    return found


async def strict_request(request: Request) -> Response | None:
    """Before a handler reads anything: who is calling (401), what kind of body (415), and, for the JSON
    rows, that every field has its type (400 for broken JSON, 422 naming each wrong field). Litestar's own
    parsing would turn "proef": 0 into false and "true" into true; here only JSON true/false pass."""
    if await _authenticate(request) is None:
        return problem(401, headers={"WWW-Authenticate": "Bearer"})
    name = request.route_handler.name
    if name == "api.report":
        if _media_type(request) not in JSON_TYPES:
            return problem(
                415,
                "Stuur de regels als JSON met de kop Content-Type: application/json. Een bestand (CSV, XLSX, ODS) "
                "stuurt u naar /api/v1/maandrapportage/bestand.",
                headers={"Accept-Post": "application/json"},
            )
        raw = await request.body()
        if not raw.strip():
            return problem(400, "Er is niets meegestuurd. Stuur een JSON-object met 'regels'.")
        try:
            body = msgspec.json.decode(raw)
        except msgspec.ValidationError:  # a number JSON allows but no computer holds (1e400)
            return problem(400, "De JSON bevat een getal dat te groot is.")
        except msgspec.DecodeError as e:
            return problem(400, broken_json(str(e)))
        if not isinstance(body, dict):
            return problem(
                400,
                f"De JSON is {_what(body)}, geen object. Stuur één JSON-object met de regels erin: "
                '{"regels": [{"bsn": "...", ...}]}.',
                errors=[FieldProblem(veld="", detail=f"de aanvraag is {_what(body)}, geen object.", pointer="#")],
            )
        found = report_body_problems(body)
        if found:
            return problem(422, _summary(found), errors=found, extra={"uitkomst": "ongeldige_invoer"})
    elif name == "api.report_file":
        if _media_type(request) != "multipart/form-data":
            return problem(
                415,
                "Stuur het bestand als multipart/form-data in het veld 'bestand'. Regels als JSON stuurt u naar "
                "/api/v1/maandrapportage.",
                headers={"Accept-Post": "multipart/form-data"},
            )
        found = _flag_problems(await request.form())
        if not found and (trouble := _take_file_part(request)):
            found = [trouble]
        if found:
            return problem(422, _summary(found), errors=found, extra={"uitkomst": "ongeldige_invoer"})
    return None


FILE_FIELD = "bestand"
# What HTTP clients and their documentation call a file field (curl -F file=@…, requests' files=, Postman,
# n8n/Power Automate's "data", "upload", "attachment"): taken as our 'bestand' when that is not there.
FILE_FIELD_ALIASES = ("bestand", "file", "files", "upload", "data", "document", "attachment", "bijlage", "csv", "xlsx")
_SEND_AS_FILE = (
    "Stuur het als bestand (met een bestandsnaam) in het veld 'bestand': met curl -F 'bestand=@oktober.csv', "
    "met Python requests files={'bestand': open('oktober.csv', 'rb')}."
)


def _take_file_part(request: Request) -> FieldProblem | None:
    """Find the file of a multipart body the way clients send it: the part 'bestand', else a file part under a
    common name (file, upload, data, …), else the only file part whatever its name; it is then handed on as
    'bestand'. A part that is no file (a text field, no filename) or several files get a problem saying so."""
    form = ScopeState.from_scope(request.scope).form
    if not isinstance(form, dict):
        return FieldProblem(veld=FILE_FIELD, detail=f"{FILE_FIELD}: er is geen bestand meegestuurd. " + _SEND_AS_FILE)

    def files_in(value: Any) -> list[UploadFile]:
        values = value if isinstance(value, list) else [value]
        return [v for v in values if isinstance(v, UploadFile)]

    all_files = {name: files_in(value) for name, value in form.items() if files_in(value)}
    chosen: str | None = next((n for n in FILE_FIELD_ALIASES if n in all_files), None)
    if chosen is None and len(all_files) == 1:
        chosen = next(iter(all_files))
    if chosen is not None:
        if len(all_files[chosen]) > 1 or len(all_files) > 1 and chosen not in FILE_FIELD_ALIASES:
            return FieldProblem(
                veld=chosen,
                detail=f"{chosen}: er zijn {sum(map(len, all_files.values()))} bestanden meegestuurd; stuur er "
                "één per aanvraag, in het veld 'bestand'.",
            )
        form[FILE_FIELD] = all_files[chosen][0]
        return None
    if len(all_files) > 1:
        names = ", ".join(f"'{n}'" for n in all_files)
        return FieldProblem(
            veld=FILE_FIELD,
            detail=f"{FILE_FIELD}: er zijn bestanden in de velden {names}; we weten niet welk de rapportage is. "
            "Stuur één bestand, in het veld 'bestand'.",
        )
    as_text = next((n for n in FILE_FIELD_ALIASES if n in form), None)
    if as_text is not None:
        return FieldProblem(
            veld=as_text,
            detail=f"{as_text}: dit deel is als tekstveld meegestuurd (zonder bestandsnaam), niet als bestand; "
            "zo kunnen we het niet als CSV- of Excel-bestand lezen. " + _SEND_AS_FILE,
        )
    return FieldProblem(veld=FILE_FIELD, detail=f"{FILE_FIELD}: er is geen bestand meegestuurd. " + _SEND_AS_FILE)


def _summary(found: list[FieldProblem]) -> str:
    names = ", ".join(dict.fromkeys(f.veld or "de aanvraag" for f in found[:10]))
    more = f" (en nog {len(found) - 10})" if len(found) > 10 else ""
    return f"Er is niets gelezen of opgeslagen: {len(found)} veld(en) kloppen niet: {names}{more}. " + found[0].detail


# --- The work ----------------------------------------------------------------------------------------------


async def _result(batch_id: int, status: str, melding: str) -> ImportResult:
    b = await UploadBatch.select().where(UploadBatch.id == batch_id).first()
    found: dict[str, list[Finding]] = {"error": [], "warning": [], "correction": [], "skipped": []}
    for row in (
        await UploadIssue.select(UploadIssue.row_number, UploadIssue.kind, UploadIssue.column_name, UploadIssue.message)
        .where(UploadIssue.batch == batch_id)
        .order_by(UploadIssue.row_number)
        .order_by(UploadIssue.id)
    ):
        listed = found["warning" if row["kind"] == "skipped" else row["kind"]]
        if len(listed) < LISTED:
            listed.append(Finding(row["row_number"], row["column_name"], row["message"]))
    if b["status"] == BatchStatus.REFUSED:
        status, melding = "niet_gelezen", b["message"] or STATUS_TEXT["niet_gelezen"]
    elif b["status"] == BatchStatus.NEEDS_MAPPING:
        problems = json.loads(b["summary"] or "{}").get("problems", [])
        status, melding = "kolommen_onbekend", " ".join(problems) or STATUS_TEXT["kolommen_onbekend"]
    return ImportResult(
        status=status,
        melding=melding,
        upload=batch_id,
        regels=b["rows_total"],
        personen=b["persons"],
        uren=format_hours(b["minutes_total"]),
        nieuw=b["rows_new"],
        correcties=b["rows_corrected"],
        ongewijzigd=b["rows_unchanged"],
        overgeslagen=b["rows_skipped"],
        fouten=b["rows_error"],
        foutmeldingen=found["error"],
        waarschuwingen=found["warning"],
        correctielijst=found["correction"],
    )


def _finding_problems(result: ImportResult, json_rows: bool) -> list[FieldProblem]:
    out = []
    for f in result.foutmeldingen[:MAX_ERRORS]:
        if json_rows and f.regel >= 1 and f.kolom:
            path: tuple = ("regels", f.regel - 1, f.kolom)
            out.append(FieldProblem(veld=field_name(path), detail=f.melding, pointer=pointer(path)))
        else:
            where = f"regel {f.regel}" + (f", kolom {f.kolom}" if f.kolom else "")
            out.append(FieldProblem(veld=where, detail=f.melding))
    return out


async def _answer(result: ImportResult, *, created: bool = False, json_rows: bool = False) -> Response:
    """A success as ImportResult (201 when this request made the upload, with its address in Location; else
    200); anything else as problem details with the same figures (409 for a state that changes, 413 for too
    large, 422 for rows or a file that cannot be taken)."""
    if result.status in SUCCESS:
        code = 201 if created else 200
        headers = {"Location": f"/api/v1/uploads/{result.upload}"} if created and result.upload else {}
        return Response(result, status_code=code, headers=headers)
    code = 409 if result.status in CONFLICT else 413 if result.status == "te_groot" else 422
    figures = msgspec.to_builtins(result)
    figures.pop("status")
    figures.pop("melding")
    figures["uitkomst"] = result.status
    return problem(code, result.melding, errors=_finding_problems(result, json_rows), extra=figures)


async def _import(
    client: ApiClient,
    content: bytes,
    filename: str,
    fmt: str,
    sheet: str,
    proef: bool,
    fouten_overslaan: bool,
    origin: str,
) -> Response:
    json_rows = fmt == "json"
    try:
        batch_id, notice = await check.receive(
            client.actor,
            content,
            filename,
            sheet=sheet,
            fmt=fmt,
            source=Source.API,
            token_id=client.token_id,
            origin=origin,
        )
    except UploadRefused as e:
        return await _answer(ImportResult(status="te_groot", melding=e.message))
    created = not notice
    if notice == "al-opgeslagen":
        return await _answer(
            await _result(batch_id, "al_opgeslagen", STATUS_TEXT["al_opgeslagen"]), json_rows=json_rows
        )
    try:
        if proef or notice:  # a dry run, or the same bytes sent before and not stored yet: judge, then decide
            await check.check(batch_id, origin)
            return await _commit(client, batch_id, proef, fouten_overslaan, origin, created=created)
        try:
            stored = await commit.check_and_commit(client.actor, batch_id, allow_errors=fouten_overslaan, origin=origin)
        except Changed:
            return await _answer(await _result(batch_id, "gewijzigd", STATUS_TEXT["gewijzigd"]), json_rows=json_rows)
        if stored:
            return await _answer(
                await _result(batch_id, "opgeslagen", STATUS_TEXT["opgeslagen"]), created=created, json_rows=json_rows
            )
        return await _commit(client, batch_id, False, fouten_overslaan, origin, created=created)  # says why not
    except Exception:
        # A bug must not leave the upload "checking" for ever: it reads back as not read, then the 500.
        batch = await UploadBatch.select(UploadBatch.status).where(UploadBatch.id == batch_id).first()
        if batch and batch["status"] in {BatchStatus.CHECKING, BatchStatus.COMMITTING}:
            await batches.update_batch(
                batch_id, status=BatchStatus.REFUSED, message="Bij het controleren ging bij ons iets mis."
            )
        raise


async def _commit(
    client: ApiClient,
    batch_id: int,
    proef: bool,
    fouten_overslaan: bool,
    origin: str,
    *,
    created: bool = False,
) -> Response:
    batch = await batches.own_batch(client.actor, batch_id)
    json_rows = batch["file_format"] == "json"
    if batch["status"] != BatchStatus.CHECKED:
        status = STATUS_OF_BATCH[BatchStatus(batch["status"])]
        if status == "opgeslagen":
            status = "al_opgeslagen"
        return await _answer(
            await _result(batch_id, status, STATUS_TEXT.get(status, batch["message"])),
            created=created,
            json_rows=json_rows,
        )
    if proef:
        return await _answer(await _result(batch_id, "proef", STATUS_TEXT["proef"]), created=created)
    if batch["rows_error"] and not fouten_overslaan:
        text = STATUS_TEXT["fouten"].format(n=aantal(batch["rows_error"], "regel heeft", "regels hebben"))
        return await _answer(await _result(batch_id, "fouten", text), json_rows=json_rows)
    try:
        await commit.commit_now(client.actor, batch_id, allow_errors=fouten_overslaan, origin=origin)
    except Changed:
        await check.check(batch_id, origin)
        return await _answer(await _result(batch_id, "gewijzigd", STATUS_TEXT["gewijzigd"]), json_rows=json_rows)
    except UploadRefused as e:
        return await _answer(await _result(batch_id, "niets_nieuw", e.message), created=created)
    return await _answer(await _result(batch_id, "opgeslagen", STATUS_TEXT["opgeslagen"]), created=created)


def _problem_spec(description: str) -> ResponseSpec:
    return ResponseSpec(
        data_container=Problem, description=description, media_type=PROBLEM_JSON, generate_examples=False
    )


def _import_problem_spec(description: str) -> ResponseSpec:
    return ResponseSpec(
        data_container=ImportProblem, description=description, media_type=PROBLEM_JSON, generate_examples=False
    )


COMMON_RESPONSES = {
    400: _problem_spec("Het verzoek kon niet worden gelezen (geen geldige JSON, een parameter zonder geldige waarde)."),
    401: _problem_spec("Geen geldige API-sleutel (kop WWW-Authenticate: Bearer)."),
    404: _problem_spec("Onbekend adres, of een upload die niet (meer) van uw organisatie is."),
}
REPORT_RESPONSES = {
    200: ResponseSpec(
        data_container=ImportResult,
        description="Deze regels waren er al (al_opgeslagen), of dezelfde aanvraag is opnieuw beoordeeld.",
        generate_examples=False,
    ),
    **COMMON_RESPONSES,
    409: _import_problem_spec("Tijdens het opslaan veranderde er iets (gewijzigd): niets opgeslagen, probeer opnieuw."),
    # Problem, not ImportProblem: past MAX_BODY Litestar refuses before any upload exists (no `uitkomst`).
    413: _problem_spec("Te groot (uitkomst te_groot als de upload al gelezen werd): splits de regels of het bestand."),
    415: _problem_spec("Verkeerde Content-Type (kop Accept-Post noemt de goede)."),
    422: _import_problem_spec(
        "Niets opgeslagen: een veld heeft een verkeerd type (ongeldige_invoer; errors noemt elk veld), regels "
        "hebben een fout "
        "(fouten), of de regels of het bestand konden niet worden gelezen (niet_gelezen, kolommen_onbekend)."
    ),
}


class ApiController(Controller):
    path = "/api/v1"
    tags = ["Maandrapportage"]
    security = [{"ApiSleutel": []}]
    dependencies = {"client": Provide(api_client)}
    exception_handlers = {NotAuthorizedException: _unauthorized}
    before_request = strict_request

    @post(
        "/maandrapportage",
        name="api.report",
        request_max_body_size=MAX_BODY,
        summary="Regels insturen (JSON)",
        status_code=201,
        responses=REPORT_RESPONSES,
        description=(
            "Stuur de maandrapportage als JSON-regels. Elke regel is één persoon × periode × soort uren (met het "
            "verzuim in die periode), of één afronding. Dezelfde controle als bij een upload in het portaal: "
            "BSN (elfproef), inschrijving bij uw organisatie, periode, uren in kwartieren, redenen uit de lijst, "
            "geen taaluren van gezinsmigranten, dubbele en overlappende regels. Met `proef: true` krijgt u alleen "
            "de controle terug. Zonder proef wordt alles in één keer opgeslagen, of niets: bij fouten niets, "
            "tenzij `fouten_overslaan: true`. Dezelfde regels nog eens insturen verandert niets. Elk veld heeft "
            "één type: een waarde in een regel is tekst, een getal of null; `proef` en `fouten_overslaan` zijn "
            "JSON true of false. Antwoorden: 201 met `status` proef, opgeslagen of niets_nieuw (een nieuwe "
            "upload, adres in Location); 200 met al_opgeslagen (deze regels stonden er al); anders problem "
            "details (RFC 9457, application/problem+json) met `uitkomst`: ongeldige_invoer, fouten, niet_gelezen, "
            "kolommen_onbekend (422), gewijzigd (409), te_groot (413)."
        ),
    )
    async def report(
        self,
        request: Request,
        client: NamedDependency[ApiClient],
        data: Annotated[
            ReportRequest,
            Body(
                title="Maandrapportage",
                description="De regels, en of het een proef is.",
                examples=REQUEST_EXAMPLES,
                schema_extra={"additional_properties": False},
            ),
        ],
    ) -> Response[ImportResult]:
        content = json.dumps(data.regels, sort_keys=True, ensure_ascii=False, default=str).encode()
        return await _import(
            client, content, "api-regels.json", "json", "", data.proef, data.fouten_overslaan, client_ip(request)
        )

    @post(
        "/maandrapportage/bestand",
        name="api.report_file",
        request_max_body_size=MAX_BODY,
        summary="Bestand insturen (CSV of Excel)",
        status_code=201,
        responses=REPORT_RESPONSES,
        description=(
            "Hetzelfde als /maandrapportage, maar met het bestand zelf (CSV, XLSX of ODS) als "
            "multipart/form-data in het veld `bestand` (een bestandsdeel met een bestandsnaam; de gangbare namen "
            "`file`, `upload` en `data`, of het enige bestandsdeel onder welke naam ook, worden ook gelezen). "
            "`werkblad` kiest een werkblad in een "
            "Excel-bestand (standaard het eerste). De kolommen worden herkend zoals in het portaal, "
            "ook met de koppeling die uw organisatie daar bewaarde. `proef` en `fouten_overslaan` zijn "
            "true of false. Dezelfde antwoorden als /maandrapportage."
        ),
    )
    async def report_file(
        self,
        request: Request,
        client: NamedDependency[ApiClient],
        data: Annotated[FileRequest, Body(media_type=RequestEncodingType.MULTI_PART)],
    ) -> Response[ImportResult]:
        content = await data.bestand.read()
        return await _import(
            client,
            content,
            data.bestand.filename or "bestand",
            "",
            data.werkblad,
            data.proef,
            data.fouten_overslaan,
            client_ip(request),
        )

    @get(
        "/uploads/{batch_id:int}",
        name="api.upload",
        summary="De uitkomst van een eerdere aanvraag",
        responses=COMMON_RESPONSES,
        description=(
            "De stand van een upload, met `status`: wordt_gecontroleerd, kolommen_onbekend, niet_gelezen, proef "
            "(gecontroleerd, niet opgeslagen), wordt_opgeslagen, opgeslagen of afgebroken."
        ),
    )
    async def upload(
        self,
        client: NamedDependency[ApiClient],
        batch_id: Annotated[
            int,
            PathParameter(description="Het nummer uit het veld `upload` van een eerder antwoord", ge=1, le=MAX_ID),
        ],
    ) -> ImportResult:
        batch = await read.recover(await batches.own_batch(client.actor, batch_id))
        status = STATUS_OF_BATCH[BatchStatus(batch["status"])]
        # what happened to it, when something did (not read; a check or commit whose worker stopped)
        told = status in {"niet_gelezen", "proef", "wordt_gecontroleerd"} and batch["message"]
        text = told or STATUS_TEXT[status]
        return await _result(batch_id, status, text)

    @post(
        "/uploads/{batch_id:int}/opslaan",
        name="api.upload_commit",
        summary="Een proef alsnog opslaan",
        status_code=200,
        responses={
            **COMMON_RESPONSES,
            409: _import_problem_spec(
                "De upload is afgebroken, wordt nog gecontroleerd of opgeslagen, of er veranderde iets (gewijzigd)."
            ),
            422: _import_problem_spec("Niets opgeslagen: regels met een fout, of een upload die niet gelezen werd."),
        },
        description="Slaat een eerder als proef ingestuurde aanvraag op, zonder de regels opnieuw te sturen. "
        "De controle wordt daarbij overgedaan. 200 met `status` opgeslagen, al_opgeslagen of niets_nieuw.",
    )
    async def upload_commit(
        self,
        request: Request,
        client: NamedDependency[ApiClient],
        batch_id: Annotated[int, PathParameter(description="Het nummer van de upload", ge=1, le=MAX_ID)],
        fouten_overslaan: Annotated[
            bool, QueryParameter(description="Sla de goede regels op, ook bij fouten (true of false).")
        ] = False,
    ) -> Response[ImportResult]:
        batch = await read.recover(await batches.own_batch(client.actor, batch_id))
        if batch["status"] == BatchStatus.CHECKED:
            await check.check(batch_id, client_ip(request))
        return await _commit(client, batch_id, False, fouten_overslaan, client_ip(request))


SWAGGER_UI_ASSETS = "/static/swagger-ui"  # regie/app.py serves swagger-ui-py's copy of swagger-ui-dist here


def swagger_page():
    """Swagger UI at /api/schema/swagger, from files this app serves (package swagger-ui-py ships swagger-ui-dist
    under the Apache 2.0 licence): it works offline and behind a municipal proxy, and the page keeps the strict
    Content-Security-Policy (no inline script: static/js/swagger-init.js starts it). Dutch page, `lang="nl"`."""
    from html import escape

    from litestar.openapi.plugins import OpenAPIRenderPlugin

    class SwaggerPage(OpenAPIRenderPlugin):
        def render(self, request, openapi_schema) -> bytes:
            title = escape(openapi_schema["info"]["title"])
            schema = escape(self.get_openapi_json_route(request))
            return f"""<!doctype html>
<html lang="nl">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{title}</title>
  <link rel="icon" href="data:,">
  <link rel="stylesheet" href="{SWAGGER_UI_ASSETS}/swagger-ui.css">
  <script src="{SWAGGER_UI_ASSETS}/swagger-ui-bundle.js" defer></script>
  <script src="/static/js/swagger-init.js" defer></script>
</head>
<body>
  <main id="swagger-container" data-schema="{schema}"></main>
</body>
</html>
""".encode()

    return SwaggerPage(path="/swagger")


def swagger_ui_directory():
    """Where swagger-ui-py keeps swagger-ui-dist's files (swagger-ui-bundle.js, swagger-ui.css, LICENSE)."""
    from pathlib import Path

    import swagger_ui

    return Path(swagger_ui.__file__).parent / "static"


def openapi_config():
    from litestar.openapi import OpenAPIConfig
    from litestar.openapi.plugins import JsonRenderPlugin, YamlRenderPlugin
    from litestar.openapi.spec import Components, SecurityScheme

    return OpenAPIConfig(
        title="Regie API voor aanbieders",
        version="1.0.0",
        path="/api/schema",
        description=(
            "Voor taalscholen en andere aanbieders waarvan het eigen systeem de maandrapportage "
            "rechtstreeks instuurt. Een beheerder van uw organisatie maakt in Regie een API-sleutel "
            "(menu API-sleutels); stuur die mee als `Authorization: Bearer <sleutel>`. Alle meldingen "
            "zijn in het Nederlands. Het sjabloon met uitleg per kolom staat in het portaal onder Uploads."
        ),
        components=Components(
            security_schemes={
                "ApiSleutel": SecurityScheme(
                    type="http", scheme="bearer", description="De API-sleutel van uw organisatie (begint met rgi_)."
                )
            }
        ),
        render_plugins=[JsonRenderPlugin(), YamlRenderPlugin(), swagger_page()],
    )


__all__ = ["ApiController", "openapi_config"]
