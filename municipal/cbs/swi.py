"""The SWI file: the one module that knows the delivery's XML (element names, their order, the codes) and the
schema it is checked against. Everything else works on the snapshot's plain records (snapshot.py).

The schema is OUR DRAFT (`schema/swi-concept-0.1.xsd`, see schema/README.md): CBS's official XSD for the
Statistiek Wet Inburgering is not public and must be obtained from CBS. To use it, put it in schema/, point
`SCHEMA_FILE` at it and map the records in `write` to its elements; the tests validate whatever it names.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

SCHEMA_DIR = Path(__file__).resolve().parent / "schema"
SCHEMA_FILE = SCHEMA_DIR / "swi-concept-0.1.xsd"
SCHEMA_NAME = "Concept-schema Regie 0.1 (niet het XSD van het CBS)"
SCHEMA_VERSION = "0.1-concept"
NS = "urn:regie:concept:swi-gemeenten:0.1"
SOFTWARE = "Regie"

DOELGROEP = {"asiel": "A", "gezin_overig": "G"}
LEERROUTE = {"B1": "B", "onderwijs": "O", "Z": "Z"}
EINDE_VERHUISD = "01"


def software_version() -> str:
    try:
        return version("regie")
    except PackageNotFoundError:  # pragma: no cover (a checkout without the package installed)
        return "onbekend"


def _el(parent: ET.Element, name: str, value: Any = None) -> ET.Element:
    child = ET.SubElement(parent, f"{{{NS}}}{name}")
    if value is not None:
        if isinstance(value, bool):
            child.text = "true" if value else "false"
        elif isinstance(value, date):
            child.text = value.isoformat()
        else:
            child.text = str(value)
    return child


def _opt(parent: ET.Element, name: str, value: Any) -> None:
    if value not in (None, ""):
        _el(parent, name, value)


def _amount(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def write(header: dict[str, Any], records: list[dict[str, Any]]) -> bytes:
    """The delivery as UTF-8 XML bytes. `header`: gemeentecode, oin, naam, jaar, kwartaal, aanmaakdatum (ISO);
    `records`: the snapshot's records (snapshot.py), dates as ISO strings. Deterministic: the same input gives
    the same bytes."""
    ET.register_namespace("", NS)
    root = ET.Element(f"{{{NS}}}SWILevering", {"schemaVersie": SCHEMA_VERSION})
    levering = _el(root, "Levering")
    _el(levering, "Gemeentecode", header["gemeentecode"])
    berichtgever = _el(levering, "Berichtgever")
    if header.get("oin") and len(header["oin"]) == 20 and header["oin"].isdigit():
        _el(berichtgever, "OIN", header["oin"])
    _el(berichtgever, "Naam", f"Gemeente {header['naam']}"[:100])
    _el(levering, "Verslagjaar", header["jaar"])
    _el(levering, "Verslagkwartaal", header["kwartaal"])
    _el(levering, "Aanmaakdatum", header["aanmaakdatum"])
    _el(levering, "Softwarepakket", SOFTWARE)
    _el(levering, "Softwareversie", header.get("softwareversie") or software_version())
    _el(levering, "AantalRecords", len(records))
    for r in records:
        _record(root, r)
    ET.indent(root, space="  ")
    return ET.tostring(root, encoding="UTF-8", xml_declaration=True) + b"\n"


def _record(root: ET.Element, r: dict[str, Any]) -> None:
    x = _el(root, "Inburgeraar")
    _el(x, "BSN", r["bsn"])
    _el(x, "Doelgroep", DOELGROEP[r["doelgroep"]])
    _opt(x, "DatumKoppelingGemeente", r.get("koppeling"))
    if intake := r.get("brede_intake"):
        b = _el(x, "BredeIntake")
        _el(b, "DatumStart", intake["start"])
        _opt(b, "DatumAfronding", intake.get("eind"))
    if pip := r.get("pip"):
        p = _el(x, "PIP")
        _el(p, "Dagtekening", pip["dagtekening"])
        _el(p, "Leerroute", LEERROUTE[pip["leerroute"]])
        _opt(p, "Niveau", pip.get("niveau"))
        _opt(p, "DatumLaatsteWijziging", pip.get("laatste_wijziging"))
    if aanbod := r.get("aanbod"):
        a = _el(x, "Inburgeringsaanbod")
        _el(a, "Datum", aanbod["datum"])
        _opt(a, "RedenVertraagdeStart", (aanbod.get("reden") or "")[:200])
    if (begeleiding := r.get("begeleiding")) is not None:
        m = _el(x, "MaatschappelijkeBegeleiding")
        _el(m, "IndicatieRecht", bool(begeleiding["indicatie"]))
        _opt(m, "DatumStart", begeleiding.get("start"))
    if ontzorgen := r.get("ontzorgen"):
        o = _el(x, "Ontzorgen")
        _el(o, "DatumStart", ontzorgen["start"])
        _opt(o, "DatumEinde", ontzorgen.get("eind"))
    for name in ("map", "pvt"):
        if done := r.get(name):
            e = _el(x, name.upper())
            _opt(e, "DatumAfronding", done.get("datum"))
            if done.get("verwijtbaar") is not None:
                _el(e, "IndicatieVerwijtbaarNietVoltooid", bool(done["verwijtbaar"]))
    if voortgang := r.get("voortgang"):
        v = _el(x, "Voortgangsgesprekken")
        _el(v, "AantalInKwartaal", voortgang["aantal"])
        _opt(v, "DatumLaatsteGesprek", voortgang.get("laatste"))
    for w in r.get("waarschuwingen", []):
        e = _el(x, "Waarschuwing")
        _el(e, "Datum", w["datum"])
        _el(e, "Reden", w["reden"])
    for b in r.get("boetes", []):
        e = _el(x, "Boete")
        _el(e, "Dagtekening", b["datum"])
        _el(e, "Reden", b["reden"])
        _el(e, "BedragEuro", _amount(b["bedrag_cents"]))
    if einde := r.get("einde"):
        e = _el(x, "EindeRegie")
        _el(e, "Datum", einde["datum"])
        _el(e, "Reden", einde["reden"])


@lru_cache(maxsize=4)
def _schema(path: str):
    import xmlschema

    return xmlschema.XMLSchema(path)


def validate(xml: bytes, schema_file: Path | None = None) -> list[str]:
    """The schema's complaints about a file (empty when it fits), each as "path: reason", at most 20."""
    schema = _schema(str(schema_file or SCHEMA_FILE))
    errors = []
    for error in schema.iter_errors(xml):
        errors.append(f"{error.path}: {error.reason}")
        if len(errors) >= 20:
            break
    return errors
