"""Piccolo tables owned by the municipal side: the inbox, its history, routing and settings.

An item's history (status changes, assignments, comments, corrections) is appended to
`inbox_entry`, never edited; the item row holds only the current state for fast lists.
"""

from __future__ import annotations

from piccolo.columns import JSON, Boolean, Date, ForeignKey, Integer, OnDelete, Text, Timestamptz, Varchar
from piccolo.table import Table

from shared import clock
from shared.tables import AppUser, DomainEvent, Gemeente, Inburgeraar, Organisation


class Team(Table):
    gemeente = ForeignKey(Gemeente, null=False, on_delete=OnDelete.restrict)
    name = Varchar(length=100)


class TeamMember(Table, tablename="team_member"):
    team = ForeignKey(Team, null=False, on_delete=OnDelete.cascade)
    user = ForeignKey(AppUser, null=False, on_delete=OnDelete.cascade)


class InboxSettings(Table, tablename="inbox_settings"):
    """Thresholds per gemeente; a missing row means the defaults in municipal.inbox.rules."""

    gemeente = ForeignKey(Gemeente, null=False, unique=True, on_delete=OnDelete.restrict)
    afschalen_vooraf_uren = Integer(default=550)
    verzuim_drempel_uren = Integer(default=8)
    verzuim_herhaald_perioden = Integer(default=3)
    achterstand_procent = Integer(default=25)
    behandeltermijn_werkdagen = Integer(default=10)
    default_team = ForeignKey(Team, null=True, on_delete=OnDelete.set_null)


class RoutingRule(Table, tablename="routing_rule"):
    """Ordered per gemeente; the first active rule whose filled-in criteria all match wins."""

    gemeente = ForeignKey(Gemeente, null=False, on_delete=OnDelete.restrict)
    position = Integer(default=0)
    name = Varchar(length=100)
    kind = Varchar(length=32, null=True, default=None)
    leerroute = Varchar(length=16, null=True, default=None)
    doelgroep = Varchar(length=32, null=True, default=None)
    organisation = ForeignKey(Organisation, null=True, on_delete=OnDelete.restrict)
    team = ForeignKey(Team, null=False, on_delete=OnDelete.restrict)
    assignee = ForeignKey(AppUser, null=True, on_delete=OnDelete.set_null)
    active = Boolean(default=True)


class Absence(Table):
    user = ForeignKey(AppUser, null=False, on_delete=OnDelete.cascade)
    start = Date()
    end = Date()
    substitute = ForeignKey(AppUser, null=True, on_delete=OnDelete.set_null)
    created_at = Timestamptz(default=clock.now_default())


class InboxItem(Table, tablename="inbox_item"):
    gemeente = ForeignKey(Gemeente, null=False, on_delete=OnDelete.restrict)
    inburgeraar = ForeignKey(Inburgeraar, null=False, on_delete=OnDelete.restrict)
    kind = Varchar(length=32)
    key = Varchar(length=120)  # one item per (gemeente, key): an event never makes two
    status = Varchar(length=16, default="nieuw")
    outcome = Varchar(length=16, null=True, default=None)
    outcome_text = Text(default="")
    registered_on = Date(null=True, default=None)
    assignee = ForeignKey(AppUser, null=True, on_delete=OnDelete.set_null)
    team = ForeignKey(Team, null=True, on_delete=OnDelete.set_null)
    event_date = Date()
    deadline = Date()
    organisation = ForeignKey(Organisation, null=True, on_delete=OnDelete.restrict)
    leerroute = Varchar(length=16, null=True, default=None)
    source_event = ForeignKey(DomainEvent, null=True, on_delete=OnDelete.restrict)
    refs = JSON(default="{}")  # the records it came from: hour_record / milestone ids
    detail = Text(default="")
    created_at = Timestamptz(default=clock.now_default())
    updated_at = Timestamptz(default=clock.now_default())
    closed_at = Timestamptz(null=True, default=None)


class InboxEntry(Table, tablename="inbox_entry"):
    """One line of an item's history: a status change, an assignment (with the rule that made it),
    a comment, a correction of the source, a DUO registration."""

    item = ForeignKey(InboxItem, null=False, on_delete=OnDelete.restrict, index=True)
    at = Timestamptz(default=clock.now_default())
    by = ForeignKey(AppUser, null=True, on_delete=OnDelete.restrict)
    entry_type = Varchar(length=16)
    from_status = Varchar(length=16, null=True, default=None)
    to_status = Varchar(length=16, null=True, default=None)
    assignee = ForeignKey(AppUser, null=True, on_delete=OnDelete.restrict)
    team = ForeignKey(Team, null=True, on_delete=OnDelete.restrict)
    rule = ForeignKey(RoutingRule, null=True, on_delete=OnDelete.restrict)
    text = Text(default="")


class SavedFilter(Table, tablename="saved_filter"):
    user = ForeignKey(AppUser, null=False, on_delete=OnDelete.cascade)
    name = Varchar(length=100)
    query = Text()
