"""Piccolo tables owned by the municipal side: the inbox, its history, routing and settings.

An item's history (status changes, assignments, comments, corrections) is appended to
`inbox_entry`, never edited; the item row holds only the current state for fast lists.
"""

from __future__ import annotations

from piccolo.columns import JSON, Boolean, Bytea, Date, ForeignKey, Integer, OnDelete, Text, Timestamptz, Varchar
from piccolo.table import Table

from shared import clock
from shared.tables import AppUser, DomainEvent, Gemeente, Inburgeraar, Organisation


class Team(Table):
    gemeente = ForeignKey(Gemeente, null=False, on_delete=OnDelete.restrict)
    name = Varchar(length=100)
    # The team's shared mailbox: the daily digest of new and overdue items goes here (issue 12).
    mailbox = Varchar(length=254, default="")


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
    # Issue 11: item kinds whose registration is queued for DUO without a click, comma-separated
    # (municipal.inbox.rules.AUTO_DUO_KINDS, auto_duo_kinds); "" = none (the default).
    duo_automatisch = Varchar(length=300, default="")


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


# --- Handhaving of the inspanningsverplichting (issue 12, handreiking §4.7) ------------------------------


class HandhavingStep(Table, tablename="handhaving_step"):
    """One step of a gemeente's build-up (its verordening): 1 = the first overtreding in a chain, 2 = the
    second... The last step repeats. `soort` is waarschuwing or boete; amounts in cents (normbedrag: the
    fixed amount, moderated or raised from there; maximum: never above). No rows: the example table in
    municipal/handhaving/rules.py."""

    gemeente = ForeignKey(Gemeente, null=False, on_delete=OnDelete.restrict, index=True)
    position = Integer()
    soort = Varchar(length=16)
    normbedrag_cents = Integer(default=0)
    maximum_cents = Integer(default=0)


class HandhavingCase(Table, tablename="handhaving_case"):
    """One overtreding (one fact) and the gemeente's current decision on it. Every decision is also appended
    as a version (`dossier_change`, section "handhaving"), so earlier decisions stay. `besluit` is None while
    no decision was taken. `boete_id` is a stable id for a fine (DUO's future SDI018 "Opgelegde Boete")."""

    gemeente = ForeignKey(Gemeente, null=False, on_delete=OnDelete.restrict, index=True)
    inburgeraar = ForeignKey(Inburgeraar, null=False, on_delete=OnDelete.restrict, index=True)
    overtreding = Varchar(length=32)
    overtreding_datum = Date()
    omschrijving = Text(default="")
    inbox_item = ForeignKey(InboxItem, null=True, on_delete=OnDelete.restrict)
    refs = JSON(default="{}")
    created_by = ForeignKey(AppUser, null=True, on_delete=OnDelete.restrict)
    created_at = Timestamptz(default=clock.now_default())
    besluit = Varchar(length=16, null=True, default=None)
    besluit_reden = Text(default="")
    besluit_datum = Date(null=True, default=None)
    stap = Integer(null=True, default=None)
    bedrag_cents = Integer(null=True, default=None)
    normbedrag_cents = Integer(null=True, default=None)
    maximum_cents = Integer(null=True, default=None)
    matiging = Varchar(length=16, null=True, default=None)
    matiging_reden = Text(default="")
    boete_id = Varchar(length=36, null=True, default=None)
    besloten_door = ForeignKey(AppUser, null=True, on_delete=OnDelete.restrict)
    besloten_op = Timestamptz(null=True, default=None)


# --- The quarterly delivery to CBS (Statistiek Wet Inburgering) ---------------------------------------------


class CbsDelivery(Table, tablename="cbs_delivery"):
    """A frozen delivery for one gemeente and quarter: the records as they stood when it was made, the XML
    built from them (kept as bytes: a released file downloads byte-identical), its SHA-256, and what could not
    be completed. `status`: concept (may be made again), vrijgegeven (released by a teamleider, final),
    vervangen (a concept made again)."""

    gemeente = ForeignKey(Gemeente, null=False, on_delete=OnDelete.restrict, index=True)
    jaar = Integer()
    kwartaal = Integer()
    status = Varchar(length=16, default="concept")
    made_by = ForeignKey(AppUser, null=True, on_delete=OnDelete.restrict)
    made_at = Timestamptz(default=clock.now_default())
    released_by = ForeignKey(AppUser, null=True, on_delete=OnDelete.restrict)
    released_at = Timestamptz(null=True, default=None)
    records = JSON(default="[]")
    problems = JSON(default="[]")
    counts = JSON(default="{}")
    xml = Bytea(default=b"")
    sha256 = Varchar(length=64, default="")
    schema_name = Varchar(length=100, default="")
    schema_errors = Text(default="")


# --- COA's klantprofiel (asylum status holders; casework only) ----------------------------------------------


class Klantprofiel(Table, tablename="coa_klantprofiel"):
    """What COA knew of an asylum status holder before settlement, as the gemeente received it (handreiking
    §3.2): input to the brede intake. Its own table, not columns on the person, so nothing that reads a person
    (lists, the provider side, functioneel beheer) can carry it along; every save is a version."""

    inburgeraar = ForeignKey(Inburgeraar, null=False, unique=True, on_delete=OnDelete.restrict)
    gemeente = ForeignKey(Gemeente, null=False, on_delete=OnDelete.restrict)
    ontvangen_op = Date(null=True, default=None)
    moment = Varchar(length=32, null=True, default=None)
    opleiding = Text(default="")
    werkervaring = Text(default="")
    gezondheid = Text(default="")
    taal = Text(default="")
    voorinburgering = Text(default="")
    casemanager = Varchar(length=300, default="")
    updated_by = ForeignKey(AppUser, null=True, on_delete=OnDelete.restrict)
    updated_at = Timestamptz(default=clock.now_default())
