"""Piccolo tables owned by the provider side: an upload's file, its findings, and column mappings. The batch
itself and the API token it came through are provenance of hour records, so they live in shared/tables.py."""

from __future__ import annotations

from piccolo.columns import JSON, Bytea, ForeignKey, Integer, OnDelete, Text, Timestamptz, Varchar
from piccolo.table import Table

from shared import clock
from shared.tables import AppUser, Inburgeraar, Organisation, UploadBatch


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
