"""The provider API: the same import as the upload page, over HTTP, for systems that send directly.

Authentication is an organisation's API token (`Authorization: Bearer rgi_…`), no session and no CSRF
(the app excludes /api/ from both). The same reading, the same rules, the same all-or-nothing commit
and the same domain events as an upload in the portal: these handlers only translate.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency, Provide
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotAuthorizedException
from litestar.openapi.spec import Example
from litestar.params import Body, FromPath, FromQuery, Parameter

from portal.errors import Changed, UploadRefused
from portal.tables import UploadIssue
from portal.uploads import batches, check, commit, files, tokens
from portal.uploads.rules import BatchStatus
from shared.hours import format_hours
from shared.security import CurrentUser
from shared.tables import UploadBatch
from shared.vocab import Source
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


class ReportRequest(msgspec.Struct):
    regels: Annotated[list[dict[str, Any]], msgspec.Meta(description=ROW_KEYS)]
    proef: Annotated[bool, msgspec.Meta(description="Alleen controleren, niets opslaan.")] = False
    fouten_overslaan: Annotated[
        bool, msgspec.Meta(description="Sla de goede regels op, ook als andere regels een fout hebben.")
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
    status: str
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
        "Er is niets opgeslagen: {n} regel(s) hebben een fout. Verbeter ze, of stuur fouten_overslaan: true "
        "om alleen de goede regels op te slaan."
    ),
    "niets_nieuw": "Er is niets nieuws om op te slaan: alle regels staan er al, of hebben een fout.",
    "gewijzigd": (
        "Tijdens het opslaan veranderde er iets in wat er al stond. Er is niets opgeslagen; probeer het opnieuw."
    ),
}


# --- Who is calling ----------------------------------------------------------------------------------------


@dataclass
class ApiClient:
    actor: CurrentUser
    token_id: int


async def api_client(request: Request) -> ApiClient:
    token = await tokens.authenticate(request.headers.get("authorization", ""))
    if token is None:
        raise NotAuthorizedException("Geen geldige API-sleutel.")
    return ApiClient(batches.api_actor(token["organisation"], token["name"]), token["id"])


def _unauthorized(request: Request, exc: NotAuthorizedException) -> Response:
    return Response(
        {
            "status": 401,
            "fout": "Geen geldige API-sleutel. Stuur de sleutel van uw organisatie in de "
            "kop Authorization: Bearer <sleutel>. Een beheerder van uw organisatie "
            "maakt die aan in Regie (API-sleutels).",
        },
        status_code=401,
        headers={"WWW-Authenticate": "Bearer"},
    )


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
        status, melding = "niet_gelezen", b["message"]
    elif b["status"] == BatchStatus.NEEDS_MAPPING:
        problems = json.loads(b["summary"] or "{}").get("problems", [])
        status, melding = "kolommen_onbekend", " ".join(problems)
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


def _answer(result: ImportResult) -> Response[ImportResult]:
    code = 200 if result.status in {"proef", "opgeslagen", "al_opgeslagen", "niets_nieuw"} else 422
    if result.status == "gewijzigd":
        code = 409
    return Response(result, status_code=code)


async def _import(
    client: NamedDependency[ApiClient],
    content: bytes,
    filename: str,
    fmt: str,
    sheet: str,
    proef: bool,
    fouten_overslaan: bool,
    origin: str,
) -> Response[ImportResult]:
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
        return Response(ImportResult(status="niet_gelezen", melding=e.message), status_code=413)
    if notice == "al-opgeslagen":
        return _answer(await _result(batch_id, "al_opgeslagen", STATUS_TEXT["al_opgeslagen"]))
    if proef or notice:  # a dry run, or the same bytes sent before and not stored yet: judge, then decide
        await check.check(batch_id, origin)
        return await _commit(client, batch_id, proef, fouten_overslaan, origin)
    try:
        stored = await commit.check_and_commit(client.actor, batch_id, allow_errors=fouten_overslaan, origin=origin)
    except Changed:
        return _answer(await _result(batch_id, "gewijzigd", STATUS_TEXT["gewijzigd"]))
    if stored:
        return _answer(await _result(batch_id, "opgeslagen", STATUS_TEXT["opgeslagen"]))
    return await _commit(client, batch_id, False, fouten_overslaan, origin)  # says why nothing was stored


async def _commit(
    client: NamedDependency[ApiClient], batch_id: int, proef: bool, fouten_overslaan: bool, origin: str
) -> Response[ImportResult]:
    batch = await batches.own_batch(client.actor, batch_id)
    if batch["status"] != BatchStatus.CHECKED:
        status = "al_opgeslagen" if batch["status"] == BatchStatus.COMMITTED else "niet_gelezen"
        return _answer(await _result(batch_id, status, STATUS_TEXT.get(status, batch["message"])))
    if proef:
        return _answer(await _result(batch_id, "proef", STATUS_TEXT["proef"]))
    if batch["rows_error"] and not fouten_overslaan:
        return _answer(await _result(batch_id, "fouten", STATUS_TEXT["fouten"].format(n=batch["rows_error"])))
    try:
        await commit.commit_now(client.actor, batch_id, allow_errors=fouten_overslaan, origin=origin)
    except Changed:
        await check.check(batch_id, origin)
        return _answer(await _result(batch_id, "gewijzigd", STATUS_TEXT["gewijzigd"]))
    except UploadRefused as e:
        return _answer(await _result(batch_id, "niets_nieuw", e.message))
    return _answer(await _result(batch_id, "opgeslagen", STATUS_TEXT["opgeslagen"]))


class ApiController(Controller):
    path = "/api/v1"
    tags = ["Maandrapportage"]
    security = [{"ApiSleutel": []}]
    dependencies = {"client": Provide(api_client)}
    exception_handlers = {NotAuthorizedException: _unauthorized}

    @post(
        "/maandrapportage",
        name="api.report",
        request_max_body_size=MAX_BODY,
        summary="Regels insturen (JSON)",
        description=(
            "Stuur de maandrapportage als JSON-regels. Elke regel is één persoon × periode × soort uren (met het "
            "verzuim in die periode), of één afronding. Dezelfde controle als bij een upload in het portaal: "
            "BSN (elfproef), inschrijving bij uw organisatie, periode, uren in kwartieren, redenen uit de lijst, "
            "geen taaluren van gezinsmigranten, dubbele en overlappende regels. Met `proef: true` krijgt u alleen "
            "de controle terug. Zonder proef wordt alles in één keer opgeslagen, of niets: bij fouten niets, "
            "tenzij `fouten_overslaan: true`. Dezelfde regels nog eens insturen verandert niets. Statussen: "
            "proef, opgeslagen, al_opgeslagen, niets_nieuw (200); fouten, niet_gelezen, kolommen_onbekend (422); "
            "gewijzigd (409)."
        ),
    )
    async def report(
        self,
        request: Request,
        client: NamedDependency[ApiClient],
        data: Annotated[
            ReportRequest,
            Body(title="Maandrapportage", description="De regels, en of het een proef is.", examples=REQUEST_EXAMPLES),
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
        description=(
            "Hetzelfde als /maandrapportage, maar met het bestand zelf (CSV, XLSX of ODS) als "
            "multipart/form-data in het veld `bestand`. `werkblad` kiest een werkblad in een "
            "Excel-bestand (standaard het eerste). De kolommen worden herkend zoals in het portaal, "
            "ook met de koppeling die uw organisatie daar bewaarde."
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

    @get("/uploads/{batch_id:int}", name="api.upload", summary="De uitkomst van een eerdere aanvraag")
    async def upload(
        self,
        client: NamedDependency[ApiClient],
        batch_id: Annotated[int, Parameter(description="Het nummer uit het veld `upload` van een eerder antwoord")],
    ) -> ImportResult:
        batch = await batches.own_batch(client.actor, batch_id)
        status = {BatchStatus.COMMITTED: "opgeslagen", BatchStatus.CHECKED: "proef"}.get(
            batch["status"], "niet_gelezen"
        )
        return await _result(batch_id, status, STATUS_TEXT.get(status, batch["message"]))

    @post(
        "/uploads/{batch_id:int}/opslaan",
        name="api.upload_commit",
        summary="Een proef alsnog opslaan",
        description="Slaat een eerder als proef ingestuurde aanvraag op, zonder de regels opnieuw te sturen. "
        "De controle wordt daarbij overgedaan.",
    )
    async def upload_commit(
        self,
        request: Request,
        client: NamedDependency[ApiClient],
        batch_id: FromPath[int],
        fouten_overslaan: FromQuery[bool] = False,
    ) -> Response[ImportResult]:
        batch = await batches.own_batch(client.actor, batch_id)
        if batch["status"] == BatchStatus.CHECKED:
            await check.check(batch_id, client_ip(request))
        return await _commit(client, batch_id, False, fouten_overslaan, client_ip(request))


def openapi_config():
    from litestar.openapi import OpenAPIConfig
    from litestar.openapi.plugins import JsonRenderPlugin, SwaggerRenderPlugin, YamlRenderPlugin
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
        render_plugins=[JsonRenderPlugin(), YamlRenderPlugin(), SwaggerRenderPlugin()],
    )


__all__ = ["ApiController", "openapi_config"]
