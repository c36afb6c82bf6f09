"""What a quarter's delivery holds, read from the dossier as it stands now: one plain record per person
(JSON-safe, dates as ISO text) plus what could not be completed. Frozen into the delivery when it is made
(services.py), so later changes never alter a delivery that was made.

Who is in it: the gemeente's people registered in Regie by the end of the quarter (the day Regie knows of the
koppeling) who had not moved away before it began (CBS richtlijnen 2023: first delivered for the quarter of
koppeling, then every quarter). Per person the state at the end of the quarter (dates after it are left out)
and the warnings and fines decided in it. Warnings and fines decided in an earlier quarter that no released
delivery carried, or that changed after it was released, come along too: corrections go into the next
delivery (ADR 0015, CBS delivery as a frozen snapshot).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from municipal.handhaving.rules import Besluit, Overtreding
from municipal.tables import HandhavingCase
from shared.calendar import Period, add_months
from shared.rules import bsn_is_valid
from shared.settings import TIMEZONE
from shared.tables import Enrollment, Inburgeraar, Milestone
from shared.vocab import Doelgroep, MilestoneKind

INTAKE_EXPECTED_WEEKS = 10  # DUO's SS126: a leerroute within 10 weeks; an intake should have started by then


@dataclass
class Problem:
    inburgeraar: int | None
    naam: str
    wat: str
    link: str
    excluded: bool = False  # the record could not be delivered at all

    def to_json(self) -> dict[str, Any]:
        return self.__dict__.copy()


@dataclass
class Snapshot:
    records: list[dict[str, Any]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        warnings = [w for r in self.records for w in r["waarschuwingen"]]
        fines = [b for r in self.records for b in r["boetes"]]
        return {
            "records": len(self.records),
            "onvolledig": len({p.inburgeraar for p in self.problems if not p.excluded and p.inburgeraar}),
            "niet_geleverd": sum(1 for p in self.problems if p.excluded),
            "waarschuwingen": len(warnings),
            "boetes": len(fines),
            "boetes_cents": sum(b["bedrag_cents"] for b in fines),
            "nagekomen": sum(1 for e in warnings + fines if e.get("nagekomen")),
        }


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def _until(d: date | None, end: date) -> date | None:
    return d if d is not None and d <= end else None


def fingerprint(kind: str, datum: date | None, reden: str, bedrag: int | None) -> str:
    return f"{kind}|{_iso(datum)}|{reden}|{bedrag or 0}"


def sent_events(released: list[dict[str, Any]]) -> dict[int, str]:
    """case id → the fingerprint of its warning or fine as last delivered (oldest delivery first)."""
    sent: dict[int, str] = {}
    for delivery in released:
        records = delivery["records"]
        if isinstance(records, str):
            records = json.loads(records)
        for r in records:
            for e in r.get("waarschuwingen", []) + r.get("boetes", []):
                sent[e["case"]] = e["fp"]
    return sent


async def take(gemeente_id: int, period: Period, released: list[dict[str, Any]]) -> Snapshot:
    """The records of one quarter for one gemeente; `released` are its earlier released deliveries."""
    start, end = period.start, period.end
    people = await Inburgeraar.select().where(
        (Inburgeraar.gemeente == gemeente_id) & (Inburgeraar.verhuisd_op.is_null() | (Inburgeraar.verhuisd_op >= start))
    )
    people = [p for p in people if p["created_at"].astimezone(TIMEZONE).date() <= end]
    ids = [p["id"] for p in people] or [0]
    milestones = await Milestone.select(
        Milestone.inburgeraar, Milestone.kind, Milestone.event_date, Milestone.verwijtbaar, Milestone.enrollment
    ).where(Milestone.inburgeraar.is_in(ids) & Milestone.superseded_by.is_null() & (Milestone.event_date <= end))
    components = {
        e["id"]: e["component"]
        for e in await Enrollment.select(Enrollment.id, Enrollment.component).where(Enrollment.inburgeraar.is_in(ids))
    }
    cases = await HandhavingCase.select().where(
        (HandhavingCase.gemeente == gemeente_id) & HandhavingCase.inburgeraar.is_in(ids)
    )
    sent = sent_events(released)
    snap = Snapshot()
    for person in sorted(people, key=lambda p: (p["achternaam"].lower(), p["voornamen"].lower(), p["id"])):
        record = _record(person, period, [m for m in milestones if m["inburgeraar"] == person["id"]], components)
        _handhaving(record, [c for c in cases if c["inburgeraar"] == person["id"]], period, sent, snap)
        naam = f"{person['voornamen']} {person['achternaam']}"
        link = f"/gemeente/inburgeraars/{person['id']}"
        if not bsn_is_valid(person["bsn"]):
            snap.problems.append(
                Problem(
                    person["id"], naam, "Het BSN klopt niet (elfproef): niet geleverd.", f"{link}#sectie-persoon", True
                )
            )
            continue
        for wat, anchor in _missing(person, record, end):
            snap.problems.append(Problem(person["id"], naam, wat, f"{link}#sectie-{anchor}"))
        for c in cases:
            if c["inburgeraar"] == person["id"] and c["besluit"] is None and c["overtreding_datum"] <= end:
                snap.problems.append(
                    Problem(
                        person["id"],
                        naam,
                        f"Handhavingszaak van {c['overtreding_datum']:%d-%m-%Y} heeft nog geen besluit.",
                        f"/gemeente/handhaving/{c['id']}",
                    )
                )
        snap.records.append(record)
    return snap


def _record(
    p: dict[str, Any], period: Period, milestones: list[dict[str, Any]], components: dict[int, str]
) -> dict[str, Any]:
    start, end = period.start, period.end
    asiel = p["doelgroep"] == Doelgroep.ASIEL.value
    r: dict[str, Any] = {
        "inburgeraar": p["id"],
        "naam": f"{p['voornamen']} {p['achternaam']}",  # for the page only; not in the file
        "bsn": p["bsn"],
        "doelgroep": p["doelgroep"],
        "koppeling": _iso(p["created_at"].astimezone(TIMEZONE).date()),
        "brede_intake": None,
        "pip": None,
        "aanbod": None,
        "begeleiding": None,
        "ontzorgen": None,
        "map": None,
        "pvt": None,
        "voortgang": None,
        "waarschuwingen": [],
        "boetes": [],
        "einde": None,
    }
    if intake := _until(p["intake_start"], end):
        r["brede_intake"] = {"start": _iso(intake), "eind": _iso(_until(p["intake_eind"], end))}
    if (pip := _until(p["pip_dagtekening"], end)) and p["leerroute"]:
        r["pip"] = {
            "dagtekening": _iso(p["termijn_start"] if p["termijn_start"] and p["termijn_start"] <= end else pip),
            "leerroute": p["leerroute"],
            "niveau": p["niveau"],
            "laatste_wijziging": _iso(pip) if (p["pip_nummer"] or 0) > 1 else None,
        }
    if asiel and (aanbod := _until(p["datum_inburgeringsaanbod"], end)):
        r["aanbod"] = {"datum": _iso(aanbod), "reden": p["reden_vertraagde_start"] or ""}
    if asiel and p["begeleiding_indicatie"] is not None:
        r["begeleiding"] = {
            "indicatie": bool(p["begeleiding_indicatie"]),
            "start": _iso(_until(p["begeleiding_start"], end)),
        }
    if asiel and (ontzorgen := _until(p["ontzorgen_start"], end)):
        r["ontzorgen"] = {"start": _iso(ontzorgen), "eind": _iso(_until(p["ontzorgen_eind"], end))}
    for name, done in (("map", MilestoneKind.MAP_EINDGESPREK), ("pvt", MilestoneKind.PVT_ONDERTEKENING)):
        dates = [m["event_date"] for m in milestones if m["kind"] == done.value]
        blame = [
            m["verwijtbaar"]
            for m in milestones
            if m["kind"] == MilestoneKind.NIET_VOLTOOID.value and components.get(m["enrollment"]) == name
        ]
        if dates or blame:
            r[name] = {"datum": _iso(max(dates)) if dates else None, "verwijtbaar": blame[-1] if blame else None}
    if not asiel:
        # Voortgangsgesprekken go to CBS for gezins- en overige migranten (handreiking §3.4.7).
        talks = p["voortgangsgesprekken"]
        talks = json.loads(talks) if isinstance(talks, str) else (talks or [])
        held = sorted(date.fromisoformat(d) for d in talks if date.fromisoformat(d) <= end)
        in_quarter = [d for d in held if d >= start]
        if held:
            r["voortgang"] = {"aantal": len(in_quarter), "laatste": _iso(held[-1])}
    if p["verhuisd_op"] is not None and start <= p["verhuisd_op"] <= end:
        r["einde"] = {"datum": _iso(p["verhuisd_op"]), "reden": "01"}
    return r


def _handhaving(
    record: dict[str, Any], cases: list[dict[str, Any]], period: Period, sent: dict[int, str], snap: Snapshot
) -> None:
    for c in sorted(cases, key=lambda c: (c["besluit_datum"] or period.end, c["id"])):
        besluit = Besluit(c["besluit"]) if c["besluit"] else None
        if besluit not in (Besluit.WAARSCHUWING, Besluit.BOETE) or c["besluit_datum"] is None:
            if c["id"] in sent:
                snap.problems.append(
                    Problem(
                        record["inburgeraar"],
                        record["naam"],
                        f"Een eerder geleverde waarschuwing of boete (zaak {c['id']}) is daarna ingetrokken. "
                        "Het concept-schema kent geen intrekking: meld dit zelf aan het CBS.",
                        f"/gemeente/handhaving/{c['id']}",
                    )
                )
            continue
        day = c["besluit_datum"]
        if day > period.end:
            continue
        reden = Overtreding(c["overtreding"]).cbs_code
        bedrag = c["bedrag_cents"] if besluit is Besluit.BOETE else None
        fp = fingerprint(besluit.value, day, reden, bedrag)
        late = day < period.start
        if late and sent.get(c["id"]) == fp:
            continue  # delivered before, unchanged
        event = {"case": c["id"], "datum": _iso(day), "reden": reden, "fp": fp, "nagekomen": late}
        if besluit is Besluit.BOETE:
            record["boetes"].append({**event, "bedrag_cents": bedrag})
        else:
            record["waarschuwingen"].append(event)


def _missing(p: dict[str, Any], record: dict[str, Any], end: date) -> list[tuple[str, str]]:
    """What the delivery would need but the dossier does not have yet, with the section to fix it in."""
    out = []
    known_since = p["created_at"].astimezone(TIMEZONE).date()
    if record["brede_intake"] is None and known_since + timedelta(weeks=INTAKE_EXPECTED_WEEKS) <= end:
        out.append(("De startdatum van de brede intake ontbreekt.", "brede_intake"))
    if p["doelgroep"] == Doelgroep.ASIEL.value:
        if p["begeleiding_indicatie"] is None:
            out.append(("Of er recht is op maatschappelijke begeleiding, is niet ingevuld.", "begeleiding"))
        elif p["begeleiding_indicatie"] and record["begeleiding"] and not record["begeleiding"]["start"]:
            out.append(("De startdatum van de maatschappelijke begeleiding ontbreekt.", "begeleiding"))
        pip = p["pip_dagtekening"]
        if pip and pip <= end and record["aanbod"] is None and add_months(pip, 3) <= end:
            out.append(("De datum van het inburgeringsaanbod ontbreekt (meer dan 3 maanden na het PIP).", "aanbod"))
    return out
