"""A stand-in for DUO's M2M API (DUO's acceptance environment cannot be reached from here): `regie duo-stub`,
or `DuoStub().start()` in a test, on a local port.

- Answers every operation in DUO's OpenAPI files (municipal/duo/openapi), under the base path `/v1`.
- Checks each request as DUO would (municipal/duo/contract.py: path, body, the headers bron, doel and
  berichtId) and refuses one that does not fit with 400, its body shaped as DUO's file says for that answer
  (`{"fouttekst": ...}`, a list of them, or none).
- Answers a valid request with the operation's success status; a lookup (GET) gets what a test put in
  `data[path]`, else a minimal answer built from the schema (required fields only).
- Can be told to fail: `fail(Failure(503), Failure(timeout=2), Failure(400, "..."))` queues answers for the
  next requests, in order.
- Can send a notification to the app (`notify`), with the headers the reverse proxy would set.
- Keeps what it received (`received`), so a test can count deliveries per berichtId.

Standard library only (http.server in a thread): the stand-in must not share the app's event loop.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from municipal.duo.contract import ContractError, _json_schema, _resolve, find_operation, specs, validate_request

BASE = "/v1"
STUB_OIN = "00000001800866472000"  # the stand-in's own OIN (a made-up one); DUO_OIN points at it in `make run`


@dataclass
class Failure:
    """A forced answer: an HTTP status with DUO's fouttekst, or no answer for `timeout` seconds."""

    status: int = 503
    fouttekst: str = "De dienst is tijdelijk niet beschikbaar."
    timeout: float = 0.0


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: Any
    status: int


@dataclass
class DuoStub:
    host: str = "127.0.0.1"
    port: int = 0
    data: dict[str, Any] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        """The base URL to give the app as DUO_M2M_URL, e.g. http://127.0.0.1:40123/v1."""
        return f"http://{self.host}:{self.port}{BASE}"

    def fail(self, *answers: Failure) -> None:
        with self._lock:
            self.failures.extend(answers)

    def delivered(self, method: str = "", path_part: str = "") -> list[Received]:
        """Requests answered with 2xx, optionally only those of a method and containing a path part."""
        return [
            r
            for r in self.received
            if 200 <= r.status < 300 and (not method or r.method == method) and path_part in r.path
        ]

    def start(self) -> DuoStub:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet; what matters is in `received`
                pass

            def _answer(self) -> None:
                stub._handle(self)

            do_GET = do_PUT = do_POST = do_DELETE = _answer  # noqa: N815

        self._server = ThreadingHTTPServer((self.host, self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    # --- One request --------------------------------------------------------------------------------

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        length = int(h.headers.get("Content-Length") or 0)
        raw = h.rfile.read(length) if length else b""
        path = h.path.split("?", 1)[0]
        headers = {k: v for k, v in h.headers.items()}
        with self._lock:
            forced = self.failures.pop(0) if self.failures else None
        if forced and forced.timeout:
            time.sleep(forced.timeout)
            self._record(h.command, path, headers, raw, 0)
            h.close_connection = True
            return
        if not path.startswith(BASE + "/"):
            return self._send(h, path, headers, raw, 404, None)
        api_path = path[len(BASE) :]
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            return self._send(h, path, headers, raw, 400, self._error(h.command, api_path, 400, "Geen geldige JSON."))
        if forced:
            return self._send(
                h, path, headers, raw, forced.status, self._error(h.command, api_path, forced.status, forced.fouttekst)
            )
        try:
            operation = validate_request(h.command, api_path, body, headers)
        except ContractError as exc:
            status = 404 if not exc.spec else 400
            return self._send(h, path, headers, raw, status, self._error(h.command, api_path, 400, str(exc)))
        status, schema, doc = self._success(h.command, api_path)
        answer = self.data.get(api_path) if h.command == "GET" else None
        if answer is None and schema is not None:
            answer = _example(doc, schema)
        del operation
        return self._send(h, path, headers, raw, status, answer)

    def _success(self, method: str, api_path: str) -> tuple[int, Any, dict]:
        operation, _values, op = find_operation(method, api_path)
        doc = specs()[operation.spec]
        for code, response in op.get("responses", {}).items():
            if code.startswith("2"):
                return int(code), _json_schema(doc, _resolve(doc, response)), doc
        return 200, None, doc

    def _error(self, method: str, api_path: str, status: int, text: str) -> Any:
        """DUO's error body for this operation and status, shaped as its file says (or None)."""
        try:
            operation, _values, op = find_operation(method, api_path)
        except ContractError:
            return {"fouttekst": text[:200]}
        doc = specs()[operation.spec]
        response = _resolve(doc, op.get("responses", {}).get(str(status)))
        schema = _resolve(doc, _json_schema(doc, response)) if response else None
        if schema is None:
            return None
        if schema.get("type") == "array":
            return [{"fouttekst": text[:200]}]
        return {"fouttekst": text[:200]}

    def _record(self, method, path, headers, raw, status) -> None:
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        with self._lock:
            self.received.append(Received(method, path, headers, body, status))

    def _send(self, h, path, headers, raw, status: int, body: Any) -> None:
        self._record(h.command, path, headers, raw, status)
        data = b"" if body is None else json.dumps(body).encode()
        h.send_response(status)
        h.send_header("API-Version", "1.0.0")
        if data:
            h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        h.wfile.write(data)

    # --- To the app -----------------------------------------------------------------------------------

    def notify(
        self,
        app_url: str,
        code: str,
        *,
        bsn: str | None = None,
        v_nummer: int | None = None,
        doel: str,
        bron: str = STUB_OIN,
        proxy_token: str = "",
        registered: datetime | None = None,
        bericht_id: str | None = None,
    ) -> int:
        """Send DUO's notification to the app's `POST /notificaties` as the reverse proxy would pass it on
        (certificate vouched for, OIN `bron`). Returns the app's HTTP status."""
        from shared import clock

        body: dict[str, Any] = {
            "registratieDatumTijd": (registered or clock.now()).isoformat(timespec="seconds"),
            "gebeurtenisId": code,
        }
        if bsn:
            body["bsn"] = bsn
        if v_nummer is not None:
            body["vNummer"] = v_nummer
        request = urllib.request.Request(
            app_url.rstrip("/") + "/notificaties",
            data=json.dumps(body).encode(),
            method="POST",
            headers={
                "Content-Type": "application/json",
                "bron": bron,
                "doel": doel,
                "berichtId": bericht_id or str(uuid.uuid4()),
                "X-Client-Cert-Verified": "SUCCESS",
                "X-Client-Cert-OIN": bron,
                "X-Proxy-Token": proxy_token,
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 (a URL we were given)
                return answer.status
        except urllib.error.HTTPError as exc:
            return exc.code


def _example(doc: dict, schema: Any, depth: int = 0) -> Any:
    """A minimal value that fits `schema`: required fields only, DUO's example or enum value when given."""
    schema = _resolve(doc, schema)
    if not isinstance(schema, dict) or depth > 8:
        return None
    if "example" in schema:
        return schema["example"]
    if "enum" in schema:
        return schema["enum"][0]
    for combinator in ("allOf", "oneOf", "anyOf"):
        if combinator in schema:
            merged: dict[str, Any] = {}
            for part in schema[combinator]:
                value = _example(doc, part, depth + 1)
                if isinstance(value, dict):
                    merged.update(value)
                elif combinator != "allOf":
                    return value
            return merged
    kind = schema.get("type", "object" if "properties" in schema else "string")
    if kind == "object":
        props = schema.get("properties", {})
        return {name: _example(doc, props[name], depth + 1) for name in schema.get("required", []) if name in props}
    if kind == "array":
        return []
    if kind in {"integer", "number"}:
        return max(int(schema.get("minimum", 1)), 1) if kind == "integer" else 1.0
    if kind == "boolean":
        return False
    fmt = schema.get("format")
    if fmt == "date":
        return "2026-01-01"
    if fmt == "date-time":
        return "2026-01-01T09:00:00+01:00"
    if fmt == "uuid":
        return str(uuid.UUID(int=1))
    length = max(int(schema.get("minLength", 1)), 1)
    return "X" * length if "pattern" not in schema else "1" * length


def main(host: str = "127.0.0.1", port: int = 8099) -> None:
    """`regie duo-stub`: serve until interrupted."""
    stub = DuoStub(host, port).start()
    print(f"DUO-testomgeving (stand-in) op {stub.url}; OIN {STUB_OIN}. Stop met Ctrl+C.", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        stub.stop()
