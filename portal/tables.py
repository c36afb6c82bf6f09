"""Piccolo tables owned by the provider side (uploads, column mappings, API tokens)."""
from __future__ import annotations

from piccolo.columns import JSON, Bytea, Date, ForeignKey, Integer, OnDelete, Text, Timestamptz, Varchar
from piccolo.table import Table

from shared import clock
from shared.tables import AppUser, Inburgeraar, Organisation


class ApiToken(Table, tablename="api_token"):
    """A provider system's key to the API. Only the SHA-256 of the token is kept (it is 256 random bits,
    so a slow password hash adds nothing); `prefix` lets people recognise it in the list."""
    organisation = ForeignKey(Organisation, null=False, on_delete=OnDelete.restrict)
    name = Varchar(length=100)
    token_hash = Varchar(length=64, unique=True)
    prefix = Varchar(length=16)
    created_by = ForeignKey(AppUser, null=True, on_delete=OnDelete.restrict)
    created_at = Timestamptz(default=clock.now_default())
    last_used_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)
    revoked_by = ForeignKey(AppUser, null=True, on_delete=OnDelete.restrict)


class UploadBatch(Table, tablename="upload_batch"):
    """One file (or API call) with a monthly report: who, when, what, and how it ended.

    `status` follows portal/upload_rules.py BatchStatus. Counts are those of the last check, or of the
    commit once committed. `summary` holds what the preview shows besides the issues (header match,
    totals per kind, a sample of new lines)."""
    organisation = ForeignKey(Organisation, null=False, on_delete=OnDelete.restrict, index=True)
    uploaded_by = ForeignKey(AppUser, null=True, on_delete=OnDelete.restrict)
    api_token = ForeignKey(ApiToken, null=True, on_delete=OnDelete.restrict)
    source = Varchar(length=16)
    filename = Varchar(length=255)
    file_format = Varchar(length=8, default="")
    sheet = Varchar(length=100, default="")
    sha256 = Varchar(length=64, index=True)
    size_bytes = Integer(default=0)
    status = Varchar(length=16)
    progress = Integer(default=0)                     # percent, while checking or committing
    heartbeat_at = Timestamptz(null=True, default=None)
    rows_total = Integer(default=0)
    rows_new = Integer(default=0)
    rows_corrected = Integer(default=0)
    rows_unchanged = Integer(default=0)
    rows_skipped = Integer(default=0)
    rows_error = Integer(default=0)
    persons = Integer(default=0)
    minutes_total = Integer(default=0)
    summary = JSON(default="{}")
    message = Text(default="")
    created_at = Timestamptz(default=clock.now_default())
    checked_at = Timestamptz(null=True, default=None)
    committed_at = Timestamptz(null=True, default=None)
    committed_by = ForeignKey(AppUser, null=True, on_delete=OnDelete.restrict)
    keep_until = Date(null=True, default=None)
    file_purged_at = Timestamptz(null=True, default=None)


class UploadFile(Table, tablename="upload_file"):
    """The original bytes of a batch, apart so lists of batches never drag them along; deleted when the
    gemeente's retention period has passed (the batch and its records stay)."""
    batch = ForeignKey(UploadBatch, null=False, unique=True, on_delete=OnDelete.cascade)
    content = Bytea()


class UploadIssue(Table, tablename="upload_issue"):
    """What the check found on one row: an error, a warning, a skipped row, or a correction (old → new)."""
    batch = ForeignKey(UploadBatch, null=False, on_delete=OnDelete.cascade, index=True)
    row_number = Integer()
    kind = Varchar(length=16)
    column_name = Varchar(length=100, default="")
    message = Text(default="")
    inburgeraar = ForeignKey(Inburgeraar, null=True, on_delete=OnDelete.restrict)


class ColumnMapping(Table, tablename="column_mapping"):
    """An organisation's own column names and values, mapped once to ours and used for every next upload.
    columns: normalised header → our column key ("" = do not use); values: column key → {normalised
    value → our code}."""
    organisation = ForeignKey(Organisation, null=False, unique=True, on_delete=OnDelete.restrict)
    columns = JSON(default="{}")
    values = JSON(default="{}")
    updated_by = ForeignKey(AppUser, null=True, on_delete=OnDelete.restrict)
    updated_at = Timestamptz(default=clock.now_default())
