"""The person's timeline on the dossier page: every hour record with running totals against the
intensiteit and the 600/800-hour marks (as a small server-drawn chart), milestones, and inbox items with
their history, in time order. Read-only; the caller has already checked the gemeente may see the person."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from municipal.inbox.rules import ITEM_TITLES, ItemKind
from municipal.tables import InboxEntry, InboxItem
from shared.calendar import term_fraction
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
    # Axes and values, so the chart reads without colour: y ticks (y, "200 uur"), x ticks (x, "okt 2026"),
    # the plot's corners, and the last value of each line beside its end (x, y, "412 uur").
    y_ticks: list[tuple[float, str]] = field(default_factory=list)
    x_ticks: list[tuple[float, str]] = field(default_factory=list)
    left: float = 0
    right: float = 0
    top_y: float = 0
    bottom_y: float = 0
    language_end: tuple[float, float, str] | None = None
    participation_end: tuple[float, float, str] | None = None


def _followed(r: dict[str, Any]) -> int:
    return r["attended_minutes"] + r["geoorloofd_minutes"] + r["ongeoorloofd_minutes"]


def running_totals(records: list[dict[str, Any]]) -> list[Followed]:
    """The person's Followed after each record, in the records' order (shared.hours decides what counts)."""
    out, now = [], Followed()
    for r in records:
        now = now.add(r["kind"], bool(r["formal"]), _followed(r))
        out.append(now)
    return out


MONTHS_SHORT = ["jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec"]


def _nice_step(top_hours: float) -> int:
    for step in (25, 50, 100, 200, 250, 500, 1000):
        if top_hours / step <= 5:
            return step
    return 2000


def _chart(records: list[dict[str, Any]], person: dict[str, Any]) -> Chart | None:
    """The running totals of language and participation hours as lines over time, with the 600/800 mark and
    the PIP's intensiteit pro rata; axes with dates and hours, and each line's last value written at its end."""
    if not records:
        return None
    w, h = 640, 240
    left, right, top_pad, bottom_pad = 56, 84, 14, 36
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

    def x_of(day: date) -> float:
        return left + (w - left - right) * (day - start).days / span

    def y_of(minutes: float) -> float:
        return h - bottom_pad - (h - top_pad - bottom_pad) * minutes / 60 / top

    def xy(day: date, minutes: float) -> str:
        return f"{x_of(day):.1f},{y_of(minutes):.1f}"

    intensity = ""
    if person["intensiteit_uren"] and person["pip_dagtekening"] and person["leerroute"] == "B1":
        pip = person["pip_dagtekening"]
        at_end = person["intensiteit_uren"] * 60 * term_fraction(pip, end)
        intensity = f"{xy(max(pip, start), 0)} {xy(end, at_end)}"
    marks = [(y_of(m * 60), f"grens {m} uur") for m in marks_h]
    step = _nice_step(top)
    y_ticks = [(y_of(v * 60), f"{v}") for v in range(0, int(top) + 1, step)]
    months = []
    day = date(start.year, start.month, 1)
    while day <= end:
        if day >= start:
            months.append(day)
        day = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    every = max(1, -(-len(months) // 5))
    x_ticks = [(x_of(d), f"{MONTHS_SHORT[d.month - 1]} {d.year}") for d in months[::every]] or [
        (x_of(start), f"{MONTHS_SHORT[start.month - 1]} {start.year}")
    ]
    return Chart(
        w,
        h,
        " ".join(xy(d, m) for d, m in lang_pts),
        " ".join(xy(d, m) for d, m in part_pts) if part else "",
        marks,
        intensity,
        start,
        end,
        y_ticks=y_ticks,
        x_ticks=x_ticks,
        left=left,
        right=w - right,
        top_y=top_pad,
        bottom_y=h - bottom_pad,
        language_end=(x_of(lang_pts[-1][0]), y_of(lang), f"taal {format_hours(lang)} uur"),
        participation_end=(x_of(part_pts[-1][0]), y_of(part), f"participatie {format_hours(part)} uur")
        if part
        else None,
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
                at.date(),
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
