"""Piccolo tables of the DUO link (issue 11): every notification DUO sends, stored once per `berichtId`."""

from __future__ import annotations

from piccolo.columns import JSON, BigInt, ForeignKey, Integer, OnDelete, Text, Timestamptz, Varchar
from piccolo.table import Table

from municipal.tables import InboxItem
from shared import clock
from shared.tables import AppUser, Gemeente, Inburgeraar


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


class DuoMessage(Table, tablename="duo_message"):
    """One request to DUO (municipal/duo/outbox.py), queued by "Verstuur naar DUO" and delivered by the sender
    job. The request is kept exactly as sent (method, path, body, bron, doel, berichtId: a retry repeats the
    same berichtId, so DUO can recognise it). `status`: "wachtrij" (to be sent; `send_after`), "ontvangen"
    (DUO answered 2xx: a receipt, kept in `answer_*`), "geweigerd" (DUO answered 4xx: stopped, the item says
    why), "opgegeven" (no answer after the last attempt)."""

    gemeente = ForeignKey(Gemeente, null=False, on_delete=OnDelete.restrict, index=True)
    inburgeraar = ForeignKey(Inburgeraar, null=False, on_delete=OnDelete.restrict, index=True)
    item = ForeignKey(InboxItem, null=True, on_delete=OnDelete.restrict, index=True)
    kind = Varchar(length=32)  # what it registers, e.g. the item kind "registreer_pvt" or "gevolgde_uren"
    method = Varchar(length=8)
    path = Varchar(length=200)
    body = JSON(default="null")
    bron = Varchar(length=20)
    doel = Varchar(length=20)
    bericht_id = Varchar(length=36, unique=True)
    status = Varchar(length=16, default="wachtrij", index=True)
    created_by = ForeignKey(AppUser, null=True, on_delete=OnDelete.restrict)
    created_at = Timestamptz(default=clock.now_default())
    send_after = Timestamptz(default=clock.now_default())
    lease_until = Timestamptz(null=True, default=None)  # a sender holds it until then (a crash: taken again)
    attempts = Integer(default=0)
    last_error = Text(default="")
    answer_status = Integer(null=True, default=None)
    answer_body = Text(default="")
    answered_at = Timestamptz(null=True, default=None)


class DuoData(Table, tablename="duo_data"):
    """What DUO answered to a lookup (Inburgeringsplicht, Inburgeringstermijn, Examen, Leerbaarheidstoets),
    kept as DUO's data beside the dossier: one row per fetch, never changed; the newest per `soort` counts.
    `fetched_at`: when DUO answered."""

    inburgeraar = ForeignKey(Inburgeraar, null=False, on_delete=OnDelete.restrict, index=True)
    gemeente = ForeignKey(Gemeente, null=False, on_delete=OnDelete.restrict)
    soort = Varchar(length=32)  # the API's name, e.g. "Inburgeringstermijn"
    data = JSON(default="null")
    fetched_at = Timestamptz(default=clock.now_default())
    message = ForeignKey(DuoMessage, null=True, on_delete=OnDelete.restrict)
