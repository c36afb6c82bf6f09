"""Problem details (RFC 9457) for the provider API: one shape for every answer that is not a success.

    {"type": "about:blank", "title": "Ongeldige invoer", "status": 422,
     "detail": "Het veld regels[0].attended moet een getal of tekst zijn, geen lijst.",
     "errors": [{"veld": "regels[0].attended", "pointer": "#/regels/0/attended", "detail": "…"}]}

`title` is the status in Dutch (RFC 9457 §3.1.4 lets it be localised), `detail` says in Dutch what went
wrong and what to do, `errors` names each field (`veld` as a client writes it, `pointer` a JSON Pointer
into the request body, RFC 6901, where there is one). Answers about an upload add its outcome as extension
members (portal/uploads/api.py). Served as `application/problem+json`. The HTML pages keep their Dutch
error page (shared/web.py); only paths under /api/ answer this way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import msgspec
from litestar import Response

PROBLEM_JSON = "application/problem+json"

TITLES = {
    400: "Verzoek niet begrepen",
    401: "Niet aangemeld",
    403: "Geen toegang",
    404: "Niet gevonden",
    405: "Methode niet toegestaan",
    406: "Antwoordvorm niet beschikbaar",
    409: "Conflict",
    413: "Te groot",
    415: "Soort inhoud niet ondersteund",
    422: "Ongeldige invoer",
    429: "Te veel verzoeken",
    500: "Fout bij Regie",
}

DETAILS = {
    400: "Het verzoek kon niet worden gelezen.",
    401: (
        "Geen geldige API-sleutel. Stuur de sleutel van uw organisatie in de kop Authorization: Bearer "
        "<sleutel>. Een beheerder van uw organisatie maakt die aan in Regie (API-sleutels)."
    ),
    403: "Deze actie is niet toegestaan.",
    404: "Dit adres of dit nummer bestaat niet, of hoort niet bij uw organisatie.",
    405: "Deze methode is op dit adres niet mogelijk. De kop Allow noemt wat wel kan.",
    413: "Het verstuurde bestand of de verstuurde regels zijn te groot. Splits ze in kleinere delen.",
    500: "Er ging bij Regie iets mis. Er is niets half opgeslagen. Probeer het later opnieuw.",
}


class FieldProblem(msgspec.Struct, omit_defaults=True):
    """One field that is wrong: as a client names it, where it is in the body, and why."""

    veld: str
    detail: str
    pointer: str | None = None


class Problem(msgspec.Struct, omit_defaults=True):
    """RFC 9457 problem details, in Dutch."""

    status: int
    title: str
    detail: str
    type: str = "about:blank"
    errors: list[FieldProblem] = []


def title_of(status: int) -> str:
    return TITLES.get(status, TITLES[500] if status >= 500 else TITLES[400])


def problem(
    status: int,
    detail: str | None = None,
    *,
    errors: Iterable[FieldProblem] = (),
    headers: Mapping[str, str] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> Response:
    """A problem-details answer; `extra` adds extension members (RFC 9457 §3.2)."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title_of(status),
        "status": status,
        "detail": detail or DETAILS.get(status) or DETAILS[500 if status >= 500 else 400],
    }
    found = [msgspec.to_builtins(e) for e in errors]
    if found:
        body["errors"] = found
    for key, value in (extra or {}).items():
        if key not in body:
            body[key] = value
    return Response(body, status_code=status, media_type=PROBLEM_JSON, headers=dict(headers or {}))


def pointer(path: Iterable[str | int]) -> str:
    """A JSON Pointer (RFC 6901) as a URI fragment: ("regels", 0, "a/b") → "#/regels/0/a~1b"."""
    parts = [str(p).replace("~", "~0").replace("/", "~1") for p in path]
    return "#/" + "/".join(parts) if parts else "#"


def field_name(path: Iterable[str | int]) -> str:
    """How a client writes the field: ("regels", 0, "attended") → "regels[0].attended"."""
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out
