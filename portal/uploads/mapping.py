"""How an organisation's files are read: its own column names and words, mapped once to ours and used for
every next upload, and which sheet of a workbook holds the report. Changing either checks the batch
again, unless it is stored, cancelled or busy.
"""

from __future__ import annotations

import json
from typing import Any

from portal.errors import UploadRefused
from portal.tables import ColumnMapping
from portal.uploads.batches import in_background, not_committable, own_batch, saved_mapping, update_batch
from portal.uploads.check import check
from portal.uploads.columns import Layout
from portal.uploads.rules import BUSY, BatchStatus
from shared import audit, clock
from shared.db import write_tx
from shared.security import CurrentUser


async def mapping_page(actor: CurrentUser, batch_id: int) -> dict[str, Any]:
    batch = await own_batch(actor, batch_id)
    summary = json.loads(batch["summary"] or "{}")
    columns, values = await saved_mapping(actor.organisation_id)
    layout = Layout.of(summary.get("header", []), columns, values)
    return {
        "batch": batch,
        "summary": summary,
        "layout": layout,
        "saved_values": values,
        "current_by_index": {i: key for key, i in layout.positions.items()},
    }


async def save_mapping(
    actor: CurrentUser, batch_id: int, columns: dict[str, str], values: dict[str, dict[str, str]], origin: str = ""
) -> None:
    """Keep the organisation's own names (merged with what it saved before) and check the batch again
    (unless it is stored, cancelled or busy: then the mapping only serves the next upload)."""
    batch = await own_batch(actor, batch_id)
    old_columns, old_values = await saved_mapping(actor.organisation_id)
    merged_values = {k: {**old_values.get(k, {}), **values.get(k, {})} for k in set(old_values) | set(values)}
    async with write_tx():
        await ColumnMapping.insert(
            ColumnMapping(
                organisation=actor.organisation_id,
                columns=json.dumps({**old_columns, **columns}),
                values=json.dumps(merged_values),
                updated_by=actor.id,
                updated_at=clock.now(),
            )
        ).on_conflict(
            target=ColumnMapping.organisation,
            action="DO UPDATE",
            values=[ColumnMapping.columns, ColumnMapping.values, ColumnMapping.updated_by, ColumnMapping.updated_at],
        )
        await audit.record(
            actor,
            "upload.mapping_saved",
            "column_mapping",
            actor.organisation_id,
            origin=origin,
            detail=json.dumps({"columns": columns, "values": values}, ensure_ascii=False)[:2000],
        )
    if batch["status"] in {BatchStatus.CHECKED, BatchStatus.NEEDS_MAPPING, BatchStatus.REFUSED}:
        await update_batch(batch_id, status=BatchStatus.CHECKING, progress=0, heartbeat_at=clock.now())
        in_background(check(batch_id, origin))


async def choose_sheet(actor: CurrentUser, batch_id: int, sheet: str, origin: str = "") -> None:
    """Read another sheet of the same workbook: the batch is checked again."""
    batch = await own_batch(actor, batch_id)
    if batch["status"] in BUSY or batch["status"] == BatchStatus.COMMITTED:
        raise UploadRefused(not_committable(batch), batch_id)
    await update_batch(batch_id, sheet=sheet[:100], status=BatchStatus.CHECKING, progress=0, heartbeat_at=clock.now())
    in_background(check(batch_id, origin))
