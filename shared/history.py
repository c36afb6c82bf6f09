"""Versions of dossier data: every change to a section of a person's dossier (or to an enrollment,
a contract, an organisation) appends the section's full data to `dossier_change`, in the caller's
transaction. The current values stay on the row itself for fast lists; the versions keep what a decision
rested on (handreiking §4.2). See docs/adr/0010-dossier-versions-beside-current-values.md.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Any

from shared.tables import DossierChange

if TYPE_CHECKING:
    from shared.security import CurrentUser

BASELINE_NOTE = "Stand vóór de eerste wijziging die in Regie is vastgelegd."


def to_json_value(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [to_json_value(v) for v in value]
    return value


def snapshot(row: Mapping[str, Any], fields: Iterable[str]) -> dict[str, Any]:
    """The section's data as stored in a version: JSON-safe, every field present."""
    return {f: to_json_value(row.get(f)) for f in fields}


def is_empty(data: Mapping[str, Any]) -> bool:
    return all(v in (None, "", [], 0, False) for v in data.values())


def changed_fields(before: Mapping[str, Any] | None, after: Mapping[str, Any]) -> list[str]:
    """Fields whose value differs; every filled-in field when there is no earlier version."""
    if before is None:
        return [f for f, v in after.items() if v not in (None, "", [], False)]
    return [f for f in after if before.get(f) != after.get(f)]


async def record_version(
    section: str,
    object_type: str,
    object_id: int,
    after: Mapping[str, Any],
    *,
    actor: CurrentUser | None,
    inburgeraar_id: int | None,
    gemeente_id: int | None,
    kind: str = "change",
    note: str = "",
    before: Mapping[str, Any] | None = None,
) -> int:
    """Append a version. When the object's section has no version yet and `before` holds data (a person
    imported or created before history was kept), that earlier state is kept first as a baseline."""
    if before is not None and not is_empty(before):
        exists = await DossierChange.exists().where(
            (DossierChange.object_type == object_type)
            & (DossierChange.object_id == object_id)
            & (DossierChange.section == section)
        )
        if not exists:
            await DossierChange.insert(
                DossierChange(
                    object_type=object_type,
                    object_id=object_id,
                    inburgeraar=inburgeraar_id,
                    gemeente=gemeente_id,
                    section=section,
                    kind="baseline",
                    data=json.dumps(dict(before)),
                    note=BASELINE_NOTE,
                )
            )
    rows = await DossierChange.insert(
        DossierChange(
            object_type=object_type,
            object_id=object_id,
            inburgeraar=inburgeraar_id,
            gemeente=gemeente_id,
            section=section,
            kind=kind,
            data=json.dumps(dict(after)),
            note=note,
            changed_by=actor.id if actor else None,
        )
    ).returning(DossierChange.id)
    return rows[0]["id"]


def with_changes(versions: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Versions (oldest first) each with `changed`: the fields that differ from the version before it
    of the same object and section, and `previous`: that version's data."""
    last: dict[tuple, dict[str, Any]] = {}
    out = []
    for v in versions:
        key = (v["object_type"], v["object_id"], v["section"])
        previous = last.get(key)
        out.append({**v, "previous": previous, "changed": changed_fields(previous, v["data"])})
        last[key] = v["data"]
    return out


async def versions_of(
    *,
    inburgeraar_id: int | None = None,
    object_type: str | None = None,
    object_id: int | None = None,
    section: str | None = None,
) -> list[dict[str, Any]]:
    """Versions, oldest first, with the data loaded and the name of who made each."""
    where = DossierChange.id > 0
    if inburgeraar_id is not None:
        where &= DossierChange.inburgeraar == inburgeraar_id
    if object_type is not None:
        where &= DossierChange.object_type == object_type
    if object_id is not None:
        where &= DossierChange.object_id == object_id
    if section is not None:
        where &= DossierChange.section == section
    rows = (
        await DossierChange.select(
            DossierChange.all_columns(),
            DossierChange.changed_by.name.as_alias("changed_by_name"),
        )
        .where(where)
        .order_by(DossierChange.id)
        .output(load_json=True)
    )
    for r in rows:
        if isinstance(r["data"], str):
            r["data"] = json.loads(r["data"])
    return rows
