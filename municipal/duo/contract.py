"""DUO's published contract, checked at run time: what Regie sends to DUO and what DUO sends to Regie must
fit DUO's OpenAPI 3.0 files in `municipal/duo/openapi/` (source, snapshot and licence: its README.md).

    validate_request(method, path, body, headers=None)    a request we build for DUO
    validate_response(method, path, status, body, headers=None)   DUO's answer to it
    validate_notification(headers, body)                  DUO's `POST /notificaties` to us (Notificatie.openapi.yml)

Each finds the operation by method and path template across all spec files (`PUT /personen/123464560/pvt`
is `PUT /personen/{bsn}/pvt` in MAPPVTZroute.openapi.yml), and checks the path parameters (the BSN: nine
digits), the JSON body against the operation's schema (types, formats such as `date` = JJJJ-MM-DD,
enumerations, lengths, minimum and maximum) and, when given, the header parameters (`bron`/`doel`: OIN of 20
characters; `berichtId`: uuid). Each returns the `Operation` it checked against and raises `ContractError`
(a ValueError) with a Dutch message per problem, naming the field, e.g.
"Veld dagtekeningPip: verwacht een datum als JJJJ-MM-DD (bijvoorbeeld 2026-11-20), niet '28-11-2026'."

One rule is ours, not DUO's files': DUO's schemas do not forbid fields they do not name, but a request we
build may only carry fields the schema names. A PUT replaces DUO's whole resource, so a misspelt field
would send an empty registration without any error. What DUO sends us may carry fields we do not know
(a newer version of DUO's API may add some); those are not refused.

The files are read once, on first use (PyYAML; validation by openapi-schema-validator's OAS 3.0 validators).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from jsonschema.exceptions import ValidationError
from jsonschema.validators import extend
from openapi_schema_validator import OAS30ReadValidator, OAS30WriteValidator, oas30_format_checker

SPEC_DIR = Path(__file__).resolve().parent / "openapi"
METHODS = ("get", "put", "post", "delete", "patch")


class ContractError(ValueError):
    """A message does not fit DUO's contract. `problems`: one Dutch sentence per problem; `field`: the first
    field concerned (e.g. "dagtekeningPip", "bsn", "bron"; "" for the message as a whole); `spec`: the spec
    file name, when the operation was found."""

    def __init__(self, problems: list[str], *, field: str = "", spec: str = ""):
        self.problems, self.field, self.spec = problems, field, spec
        super().__init__(" ".join(problems) + (f" (DUO: {spec})" if spec else ""))


@dataclass(frozen=True)
class Operation:
    spec: str  # file name, e.g. "PIP.openapi.yml"
    method: str  # "POST"
    template: str  # "/personen/{bsn}/PIP"
    operation_id: str  # DUO's operationId, e.g. "postPipByBsn"


# --- Loading ---------------------------------------------------------------------------------------


@functools.cache
def specs() -> dict[str, dict[str, Any]]:
    """Every spec file, parsed once: file name -> OpenAPI document."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return {
        path.name: yaml.load(path.read_text(encoding="utf-8"), Loader=loader)  # noqa: S506 (a safe loader)
        for path in sorted(SPEC_DIR.glob("*.openapi.yml"))
    }


@functools.cache
def _operations() -> list[tuple[Operation, re.Pattern[str], dict[str, Any]]]:
    found = []
    for name, doc in specs().items():
        for template, item in doc.get("paths", {}).items():
            regex = re.compile("^" + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template)) + "$")
            for method in METHODS:
                if method in item:
                    op = item[method]
                    found.append((Operation(name, method.upper(), template, op.get("operationId", "")), regex, op))
    # Literal segments win over parameters (a template with fewer parameters first).
    found.sort(key=lambda f: f[0].template.count("{"))
    return found


def find_operation(method: str, path: str) -> tuple[Operation, dict[str, str], dict[str, Any]]:
    """The operation for `method` and a concrete `path` (no base path, no query string), with the path's
    parameter values. Raises ContractError when DUO's files have no such operation."""
    method = method.upper()
    path = path.split("?", 1)[0]
    allowed = []
    for operation, regex, op in _operations():
        match = regex.match(path)
        if match:
            if operation.method == method:
                return operation, match.groupdict(), op
            allowed.append(operation.method)
    if allowed:
        raise ContractError([f"DUO kent geen {method} op {path} (wel: {', '.join(sorted(set(allowed)))})."])
    raise ContractError([f"DUO kent geen adres {path}."])


def _resolve(doc: dict[str, Any], schema: Any) -> Any:
    """Follow local `$ref`s ("#/components/...") in `doc`."""
    while isinstance(schema, Mapping) and "$ref" in schema:
        ref = schema["$ref"]
        if not ref.startswith("#/"):
            raise RuntimeError(f"only local references are supported, not {ref}")
        schema = doc
        for part in ref[2:].split("/"):
            schema = schema[part.replace("~1", "/").replace("~0", "~")]
    return schema


# DUO's Contactpersoon file uses Unicode property classes (\p{L} letters, \p{Pd} dashes) that Python's re does
# not know; they are rewritten to equivalents: a bracket class holding one becomes an alternation.
_PROPERTIES = {"L": r"[^\W\d_]", "Pd": "[\\-\u2010-\u2015\u2e3a\u2e3b\ufe58\ufe63\uff0d]"}
_PROPERTY = re.compile(r"\\p\{(\w+)\}")
_CLASS = re.compile(r"\[(?!\^)((?:\\.|[^\]\\])*)\]")


@functools.cache
def _python_pattern(pattern: str) -> str:
    def bracket(m: re.Match[str]) -> str:
        names = _PROPERTY.findall(m.group(1))
        if not names:
            return m.group(0)
        rest = _PROPERTY.sub("", m.group(1))
        return "(?:" + "|".join(([f"[{rest}]"] if rest else []) + [_PROPERTIES[n] for n in names]) + ")"

    return _PROPERTY.sub(lambda m: _PROPERTIES[m.group(1)], _CLASS.sub(bracket, pattern))


def _pattern(validator, pattern, instance, schema):
    """JSON Schema's `pattern` (a search, not a full match), with the rewrite above."""
    if validator.is_type(instance, "string") and not re.search(_python_pattern(pattern), instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


_Write = extend(OAS30WriteValidator, {"pattern": _pattern})
_Read = extend(OAS30ReadValidator, {"pattern": _pattern})


# --- Dutch messages --------------------------------------------------------------------------------

_TYPES = {
    "string": "tekst",
    "integer": "een geheel getal",
    "number": "een getal",
    "boolean": "true of false",
    "object": "een object ({...})",
    "array": "een lijst ([...])",
}
_FORMATS = {
    "date": "een datum als JJJJ-MM-DD (bijvoorbeeld 2026-11-20)",
    "date-time": "een datum en tijd met tijdzone (bijvoorbeeld 2026-11-20T10:00:00+01:00)",
    "uuid": "een UUID (bijvoorbeeld 3fa85f64-5717-4562-b3fc-2c963f66afa6)",
    "int32": "een geheel getal van hoogstens 2147483647",
    "int64": "een geheel getal van hoogstens 19 cijfers",
}


def _shown(value: Any) -> str:
    text = repr(value) if isinstance(value, str) else str(value).replace("True", "true").replace("False", "false")
    return text if len(text) <= 60 else text[:57] + "..."


def _name(location: str, field: str) -> str:
    if location == "body":
        return f"Veld {field}" if field else "Het bericht"
    return {"path": f"Parameter {field} in het adres", "header": f"Header {field}"}[location]


def _sentence(error: ValidationError, location: str, prefix: str) -> tuple[str, str]:
    """(field, Dutch sentence) for one jsonschema error."""
    parts = [prefix] if prefix else []
    for p in error.absolute_path:
        parts.append(f"[{p}]" if isinstance(p, int) else (("." if parts else "") + str(p)))
    field = "".join(parts)
    kw, expected, value = error.validator, error.validator_value, error.instance
    if kw == "required":
        missing = next((n for n in expected if not isinstance(value, Mapping) or n not in value), "?")
        field = f"{field}.{missing}" if field else missing
        return field, f"{_name(location, field)} ontbreekt; DUO verplicht het."
    name = _name(location, field)
    if kw == "type":
        return field, f"{name}: verwacht {_TYPES.get(expected, expected)}, niet {_shown(value)}."
    if kw == "format":
        return field, f"{name}: verwacht {_FORMATS.get(expected, expected)}, niet {_shown(value)}."
    if kw == "enum":
        return field, f"{name}: moet een van deze waarden zijn: {', '.join(map(str, expected))}; niet {_shown(value)}."
    if kw == "maximum":
        return field, f"{name}: mag hoogstens {expected} zijn, niet {_shown(value)}."
    if kw == "minimum":
        return field, f"{name}: moet minstens {expected} zijn, niet {_shown(value)}."
    if kw in {"maxLength", "minLength"}:
        lo, hi = error.schema.get("minLength"), error.schema.get("maxLength")
        size = f"precies {hi}" if lo == hi else (f"hoogstens {hi}" if kw == "maxLength" else f"minstens {lo}")
        return field, f"{name}: moet {size} tekens lang zijn, niet {len(value)} ({_shown(value)})."
    if kw == "maxItems":
        return field, f"{name}: mag hoogstens {expected} regels bevatten, niet {len(value)}."
    if kw == "pattern":
        return field, f"{name}: heeft niet de vorm die DUO verwacht ({expected}): {_shown(value)}."
    return field, f"{name}: voldoet niet aan DUO's regel '{kw}: {expected}' ({_shown(value)})."


def _check(
    validator_class, doc: dict[str, Any], schema: Any, value: Any, location: str, prefix: str = ""
) -> Iterator[tuple[str, str]]:
    resolved = {**schema, "components": doc.get("components", {})} if isinstance(schema, Mapping) else schema
    validator = validator_class(resolved, format_checker=oas30_format_checker)
    errors = sorted(validator.iter_errors(value), key=lambda e: [str(p) for p in e.absolute_path])
    for error in errors:
        yield _sentence(error, location, prefix)


def _unknown_fields(doc: dict[str, Any], schema: Any, value: Any, where: str = "") -> Iterator[tuple[str, str]]:
    """Fields in `value` that the schema does not name (our rule for requests we build, see above)."""
    schema = _resolve(doc, schema)
    if not isinstance(schema, Mapping):
        return
    if isinstance(value, Mapping) and "properties" in schema and not schema.get("additionalProperties"):
        for key, item in value.items():
            field = f"{where}.{key}" if where else str(key)
            if key in schema["properties"]:
                yield from _unknown_fields(doc, schema["properties"][key], item, field)
            else:
                known = ", ".join(schema["properties"])
                yield field, f"Veld {field}: kent DUO hier niet (wel: {known})."
    elif isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            yield from _unknown_fields(doc, schema["items"], item, f"{where}[{i}]")


def _parameters(doc: dict[str, Any], op: dict[str, Any], location: str) -> list[dict[str, Any]]:
    return [p for p in (_resolve(doc, p) for p in op.get("parameters", [])) if p.get("in") == location]


def _check_path(doc, op, values: dict[str, str]) -> Iterator[tuple[str, str]]:
    for param in _parameters(doc, op, "path"):
        name, schema = param["name"], _resolve(doc, param.get("schema", {}))
        value: Any = values.get(name, "")
        if schema.get("type") == "integer":
            if not re.fullmatch(r"-?\d+", value):
                yield name, f"{_name('path', name)}: verwacht een geheel getal, niet {_shown(value)}."
                continue
            value = int(value)
        yield from _check(_Write, doc, schema, value, "path", name)


def _check_headers(
    validator_class, doc, params: list[dict[str, Any]], headers: Mapping[str, str]
) -> Iterator[tuple[str, str]]:
    lower = {k.lower(): v for k, v in headers.items()}
    for param in params:
        name = param["name"]
        if name.lower() not in lower:
            if param.get("required"):
                yield name, f"Header {name} ontbreekt; DUO verplicht die."
            continue
        yield from _check(
            validator_class, doc, _resolve(doc, param.get("schema", {})), lower[name.lower()], "header", name
        )


def _raise(found: list[tuple[str, str]], operation: Operation) -> Operation:
    if found:
        raise ContractError([text for _, text in found], field=found[0][0], spec=operation.spec)
    return operation


def _json_schema(doc, container: dict[str, Any] | None) -> Any:
    content = (container or {}).get("content", {})
    media = content.get("application/json") or next(iter(content.values()), None)
    return media.get("schema") if media else None


# --- The checks ------------------------------------------------------------------------------------


def validate_request(method: str, path: str, body: Any = None, headers: Mapping[str, str] | None = None) -> Operation:
    """Check a request we would send to DUO.

    method: "PUT"; path: "/personen/123464560/pvt" (no base path); body: the JSON body as Python values
    (dict), or None for an operation without one; headers: checked against the operation's header
    parameters when given (bron, doel, berichtId), skipped when None.
    Returns the Operation; raises ContractError: unknown method or address, a bad path parameter (a BSN
    that is not nine digits), a missing, wrong or unknown body field, a missing body, a body where DUO
    takes none, or a bad header."""
    operation, values, op = find_operation(method, path)
    doc = specs()[operation.spec]
    found = list(_check_path(doc, op, values))
    schema = _json_schema(doc, op.get("requestBody"))
    if schema is None:
        if body is not None:
            found.append(("", f"DUO verwacht bij {operation.method} {operation.template} geen inhoud."))
    elif body is None:
        if op["requestBody"].get("required"):
            found.append(("", "Het bericht heeft geen inhoud; DUO verwacht die."))
    else:
        found += _check(_Write, doc, schema, body, "body")
        found += _unknown_fields(doc, schema, body)
    if headers is not None:
        found += _check_headers(_Write, doc, _parameters(doc, op, "header"), headers)
    return _raise(found, operation)


def validate_response(
    method: str, path: str, status: int, body: Any = None, headers: Mapping[str, str] | None = None
) -> Operation:
    """Check DUO's answer to `method path`: the status must be one DUO's file lists for it, and the JSON body
    (dict or list, None when there is none) must fit that answer's schema; fields we do not know are
    accepted. headers: checked when given (e.g. API-Version, which DUO sends with every answer).
    Returns the Operation; raises ContractError."""
    operation, _values, op = find_operation(method, path)
    doc = specs()[operation.spec]
    responses = op.get("responses", {})
    response = _resolve(doc, responses.get(str(status)) or responses.get("default"))
    if response is None:
        raise ContractError(
            [
                f"DUO's koppelvlak kent geen antwoord {status} op {operation.method} "
                f"{operation.template} (wel: {', '.join(responses)})."
            ],
            spec=operation.spec,
        )
    found: list[tuple[str, str]] = []
    schema = _json_schema(doc, response)
    if schema is not None:
        if body is None:
            found.append(("", f"Het antwoord {status} heeft geen inhoud; DUO's koppelvlak belooft die."))
        else:
            found += _check(_Read, doc, schema, body, "body")
    if headers is not None:
        params = [{"name": name, **_resolve(doc, h)} for name, h in response.get("headers", {}).items()]
        found += _check_headers(_Read, doc, params, headers)
    return _raise(found, operation)


def validate_notification(headers: Mapping[str, str], body: Any) -> Operation:
    """Check a notification DUO sends us (`POST /notificaties`, Notificatie.openapi.yml).

    headers: the HTTP headers (names in any case): `bron` and `doel` (OIN, exactly 20 characters) and
    `berichtId` (uuid) are required. body: the parsed JSON, e.g. {"registratieDatumTijd":
    "2026-11-18T09:12:00+01:00", "gebeurtenisId": "SS101", "bsn": "123464560"}; `registratieDatumTijd`
    (date-time) and `gebeurtenisId` (^[0-9A-Z]{1,6}$) are required, `bsn` is nine digits.
    Returns the Operation; raises ContractError."""
    operation, _values, op = find_operation("POST", "/notificaties")
    doc = specs()[operation.spec]
    found = list(_check_headers(_Write, doc, _parameters(doc, op, "header"), headers))
    if body is None:
        found.append(("", "De notificatie heeft geen inhoud; DUO stuurt die altijd mee."))
    else:
        found += _check(_Write, doc, _json_schema(doc, op["requestBody"]), body, "body")
    return _raise(found, operation)
