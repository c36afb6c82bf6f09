"""The person's timeline on the dossier page: every hour record with running totals against the
intensiteit and the 600/800-hour marks (as a small server-drawn chart), milestones, and inbox items with
their history, in time order. Read-only; the caller has already checked the gemeente may see the person."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from municipal.inbox.rules import ITEM_TITLES, ItemKind
from municipal.tables import InboxEntry, InboxItem
from shared.calendar import local_day, term_fraction
from shared.hours import (
    AFSCHALEN_MINUTES,
    Z_ROUTE_LANGUAGE_MINUTES,
    Z_ROUTE_PARTICIPATION_MINUTES,
    Followed,
    counts_as_language,
    counts_as_participation,
    format_hours,
    language_mark_minutes,
)
from shared.tables import HourRecord, Milestone
from shared.web import label


@dataclass
class Event:
    day: date
    what: str
    detail: str
    link: str = ""


@dataclass
class Chart:
    width: int
    height: int
    language: str  # SVG polyline points
    participation: str
    marks: list[tuple[float, str]]  # y, label
    intensity: str  # the pro-rata line, or ""
    start: date
    end: date


def _followed(r: dict[str, Any]) -> int:
    return r["attended_minutes"] + r["geoorloofd_minutes"] + r["ongeoorloofd_minutes"]


def running_totals(records: list[dict[str, Any]]) -> list[Followed]:
    """The person's Followed after each record, in the records' order (shared.hours decides what counts)."""
    out, now = [], Followed()
    for r in records:
        now = now.add(r["kind"], bool(r["formal"]), _followed(r))
        out.append(now)
    return out


def _chart(records: list[dict[str, Any]], person: dict[str, Any]) -> Chart | None:
    if not records:
        return None
    w, h, pad = 640, 220, 30
    start = min(
        [r["period_start"] for r in records] + ([person["pip_dagtekening"]] if person["pip_dagtekening"] else [])
    )
    end = max(r["period_end"] for r in records)
    mark = language_mark_minutes(person["leerroute"])
    marks_h = [mark // 60] if mark else []
    lang = part = 0
    lang_pts, part_pts = [(start, 0)], [(start, 0)]
    ordered = sorted(records, key=lambda r: r["period_end"])
    for r, total in zip(ordered, running_totals(ordered), strict=True):
        if counts_as_language(r["kind"], bool(r["formal"])):
            lang = total.language
            lang_pts.append((r["period_end"], lang))
        elif counts_as_participation(r["kind"]):
            part = total.participation
            part_pts.append((r["period_end"], part))
    top = max([lang / 60, part / 60, *marks_h, 100]) * 1.1
    span = max(1, (end - start).days)

    def xy(day: date, minutes: float) -> str:
        return (
            f"{pad + (w - 2 * pad) * (day - start).days / span:.1f},{h - pad - (h - 2 * pad) * minutes / 60 / top:.1f}"
        )

    intensity = ""
    if person["intensiteit_uren"] and person["pip_dagtekening"] and person["leerroute"] == "B1":
        pip = person["pip_dagtekening"]
        at_end = person["intensiteit_uren"] * 60 * term_fraction(pip, end)
        intensity = f"{xy(max(pip, start), 0)} {xy(end, at_end)}"
    marks = [(h - pad - (h - 2 * pad) * m / top, f"{m} uur") for m in marks_h]
    return Chart(
        w,
        h,
        " ".join(xy(d, m) for d, m in lang_pts),
        " ".join(xy(d, m) for d, m in part_pts) if part else "",
        marks,
        intensity,
        start,
        end,
    )


async def timeline(person: dict[str, Any]) -> dict[str, Any]:
    pid = person["id"]
    records = (
        await HourRecord.select(HourRecord.all_columns(), HourRecord.organisation.name.as_alias("aanbieder"))
        .where((HourRecord.inburgeraar == pid) & HourRecord.superseded_by.is_null())
        .order_by(HourRecord.period_end)
    )
    milestones = await Milestone.select(
        Milestone.all_columns(), Milestone.organisation.name.as_alias("aanbieder")
    ).where((Milestone.inburgeraar == pid) & Milestone.superseded_by.is_null())
    items = await InboxItem.select().where(InboxItem.inburgeraar == pid)
    entries = (
        await InboxEntry.select(InboxEntry.all_columns(), InboxEntry.by.name.as_alias("by_name"))
        .where(InboxEntry.item.is_in([i["id"] for i in items] or [0]))
        .order_by(InboxEntry.id)
    )
    events: list[Event] = []
    total = Followed()
    for r, total in zip(records, running_totals(records), strict=True):
        if counts_as_participation(r["kind"]):
            running = f"totaal participatie {format_hours(total.participation)} uur"
        elif counts_as_language(r["kind"], bool(r["formal"])):
            running = f"totaal taal {format_hours(total.language)} uur"
        else:  # brede intake, or taalles without the BoW mark: counts toward no mark
            running = "telt niet mee voor de urengrens"
        events.append(
            Event(
                r["period_end"],
                f"Uren {r['period_start']:%d-%m} t/m {r['period_end']:%d-%m-%Y}",
                f"{r['aanbieder']}: aanwezig {format_hours(r['attended_minutes'])}, verzuim "
                f"{format_hours(r['geoorloofd_minutes'] + r['ongeoorloofd_minutes'])} uur "
                f"({running})",
            )
        )
    for m in milestones:
        events.append(
            Event(m["event_date"], label(m["kind"]), f"{m['aanbieder']} {m['uitslag']} {m['toelichting']}".strip())
        )
    titles = {i["id"]: ITEM_TITLES[ItemKind(i["kind"])] for i in items}
    for e in entries:
        at: datetime = e["at"]
        events.append(
            Event(
                local_day(at),
                f"Inbox: {titles[e['item']]}",
                f"{e['by_name'] or 'Regie'}: {e['text']}",
                f"/inbox/items/{e['item']}",
            )
        )
    events.sort(key=lambda e: e.day, reverse=True)
    return {
        "chart": _chart(records, person),
        "events": events,
        "totals": {"taal": format_hours(total.language), "participatie": format_hours(total.participation)},
        "marks": {
            "afschalen": AFSCHALEN_MINUTES // 60,
            "z": Z_ROUTE_LANGUAGE_MINUTES // 60,
            "z_participatie": Z_ROUTE_PARTICIPATION_MINUTES // 60,
        },
    }
