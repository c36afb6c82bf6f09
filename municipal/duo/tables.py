"""Piccolo tables of the DUO link (issue 11): every notification DUO sends, stored once per `berichtId`."""

from __future__ import annotations

from piccolo.columns import JSON, BigInt, ForeignKey, Integer, OnDelete, Text, Timestamptz, Varchar
from piccolo.table import Table

from municipal.tables import InboxItem
from shared import clock
from shared.tables import Gemeente, Inburgeraar


class DuoNotification(Table, tablename="duo_notification"):
    """One `POST /notificaties` from DUO (Notificatie.openapi.yml), kept as received and never deleted by the
    app. `status`: "ontvangen" (stored, not yet handled), "verwerkt", "onbekende_persoon" (no dossier with
    this BSN in the gemeente: someone must register the person), "onbekende_code" (a gebeurtenisId DUO does
    not list; an item shows it)."""

    bericht_id = Varchar(length=36, unique=True)  # DUO's berichtId (uuid): the same message stores once
    bron = Varchar(length=20)  # DUO's OIN, as sent
    doel = Varchar(length=20)  # the gemeente's OIN, as sent
    client_oin = Varchar(length=20)  # the OIN in the client certificate, as the reverse proxy vouched
    gebeurtenis_id = Varchar(length=6)
    bsn = Varchar(length=9, null=True, default=None, index=True)
    v_nummer = BigInt(null=True, default=None)
    registratie_datum_tijd = Timestamptz()
    body = JSON(default="{}")  # the body exactly as DUO sent it
    received_at = Timestamptz(default=clock.now_default())
    gemeente = ForeignKey(Gemeente, null=True, on_delete=OnDelete.restrict, index=True)
    inburgeraar = ForeignKey(Inburgeraar, null=True, on_delete=OnDelete.restrict, index=True)
    item = ForeignKey(InboxItem, null=True, on_delete=OnDelete.restrict)
    status = Varchar(length=24, default="ontvangen", index=True)
    result = Text(default="")  # what the app did, in Dutch
    handled_at = Timestamptz(null=True, default=None)
    attempts = Integer(default=0)
    last_error = Text(default="")
