"""The daily digest: each team with a mailbox gets, once a day, how many items came in yesterday and how many
open items are past their deadline, with links to the inbox. Counts and links only: no names, no BSN, no
details of anyone (a mailbox is read by many, and mail may travel unencrypted). One mail per team and day
(the queue's dedupe key), so a second run the same day adds nothing."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from municipal.inbox.rules import Status
from municipal.tables import InboxItem, Team
from shared import clock, mail
from shared.settings import TIMEZONE


def digest_text(team: str, gemeente: str, day: date, new: int, overdue: int, due_today: int) -> tuple[str, str]:
    """Subject and body (plain Dutch). Pure, so the wording is tested without a mail server."""
    lines = [
        f"Goedemorgen team {team},",
        "",
        f"Dit is het overzicht van de inbox van Gemeente {gemeente} op {day:%d-%m-%Y}.",
        "",
        f"- Nieuw binnengekomen gisteren: {new}",
        f"- Over de termijn en nog open: {overdue}",
        f"- Termijn verloopt vandaag: {due_today}",
        "",
        "Bekijk de items van uw team:",
        mail.link("/inbox?bereik=team"),
        "",
        "Items over de termijn:",
        mail.link("/inbox?bereik=team&termijn=te_laat"),
        "",
        "In deze e-mail staan bewust geen namen. U ziet alles in Regie na het inloggen.",
        "",
        "Met vriendelijke groet,",
        "Regie",
    ]
    subject = f"Inbox {day:%d-%m-%Y}: {new} nieuw, {overdue} over de termijn"
    return subject, "\n".join(lines) + "\n"


async def send_daily_digests(today: date | None = None) -> int:
    """Queue today's digest for every team with a mailbox that has something to report. Returns how many
    mails were queued. Runs once a day (regie/background.py claims the day)."""
    today = today or clock.today()
    start = datetime.combine(today - timedelta(days=1), time(0), tzinfo=TIMEZONE)
    end = datetime.combine(today, time(0), tzinfo=TIMEZONE)
    teams = await Team.select(Team.id, Team.name, Team.mailbox, Team.gemeente.name.as_alias("gemeente_name")).where(
        Team.mailbox != ""
    )
    queued = 0
    for team in teams:
        mine = InboxItem.team == team["id"]
        is_open = InboxItem.status != Status.AFGEHANDELD.value
        counts = []
        for where in (
            mine & (InboxItem.created_at >= start) & (InboxItem.created_at < end),
            mine & is_open & (InboxItem.deadline < today),
            mine & is_open & (InboxItem.deadline == today),
        ):
            counts.append(await InboxItem.count().where(where))
        new, overdue, due_today = counts
        if not (new or overdue or due_today):
            continue
        subject, body = digest_text(team["name"], team["gemeente_name"], today, new, overdue, due_today)
        made = await mail.queue(
            team["mailbox"],
            subject,
            body,
            kind=mail.MailKind.DIGEST,
            dedupe_key=f"digest:{team['id']}:{today.isoformat()}",
        )
        queued += made is not None
    return queued
