"""Demo data for the inbox: a team per gemeente, and the signals the demo's reports would have raised
(the latest report per enrollment and every completion), processed like real events."""

from __future__ import annotations

from municipal.inbox import services
from municipal.tables import InboxSettings, Team, TeamMember
from shared import events
from shared.db import write_tx
from shared.tables import AppUser, Gemeente, HourRecord, Milestone


async def seed() -> int:
    async with write_tx():
        for g in await Gemeente.select(Gemeente.id, Gemeente.name):
            # A team mailbox, so `make run`'s mail catcher shows the daily digest.
            mailbox = f"inburgering@{g['name'].lower()}.demo"
            team = (
                await Team.insert(Team(gemeente=g["id"], name="Team inburgering", mailbox=mailbox)).returning(Team.id)
            )[0]["id"]
            members = await AppUser.select(AppUser.id).where(
                (AppUser.gemeente == g["id"]) & AppUser.role.is_in(["regisseur", "teamleider"])
            )
            if members:
                await TeamMember.insert(*[TeamMember(team=team, user=m["id"]) for m in members])
            await InboxSettings.insert(InboxSettings(gemeente=g["id"], default_team=team))
        latest: dict[int, dict] = {}
        for r in (
            await HourRecord.select(
                HourRecord.all_columns(),
                HourRecord.inburgeraar.gemeente.as_alias("g"),
                HourRecord.enrollment.component.as_alias("component"),
            )
            .where(HourRecord.superseded_by.is_null())
            .order_by(HourRecord.period_end)
        ):
            latest[r["enrollment"]] = r
        for r in latest.values():
            await events.emit(
                events.EventKind.HOURS_REPORTED,
                events.HoursPayload(
                    record_id=r["id"],
                    enrollment_id=r["enrollment"],
                    organisation_id=r["organisation"],
                    component=r["component"],
                    kind=r["kind"],
                    period_start=r["period_start"],
                    period_end=r["period_end"],
                    attended_minutes=r["attended_minutes"],
                    geoorloofd_minutes=r["geoorloofd_minutes"],
                    ongeoorloofd_minutes=r["ongeoorloofd_minutes"],
                    source=r["source"],
                ),
                inburgeraar_id=r["inburgeraar"],
                gemeente_id=r["g"],
            )
        for m in await Milestone.select(
            Milestone.all_columns(),
            Milestone.inburgeraar.gemeente.as_alias("g"),
            Milestone.enrollment.component.as_alias("component"),
        ):
            await events.emit(
                events.EventKind.MILESTONE_REPORTED,
                events.MilestonePayload(
                    milestone_id=m["id"],
                    enrollment_id=m["enrollment"],
                    organisation_id=m["organisation"],
                    component=m["component"],
                    kind=m["kind"],
                    event_date=m["event_date"],
                    verwijtbaar=m["verwijtbaar"],
                    source=m["source"],
                ),
                inburgeraar_id=m["inburgeraar"],
                gemeente_id=m["g"],
            )
    made = await services.process_pending(limit=100_000)
    await services.scan_delayed_starts()
    return made
