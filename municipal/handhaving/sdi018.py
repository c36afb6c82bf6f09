"""A fine in the shape DUO could receive it: DUO's roadmap lists an API for fines imposed by gemeenten, SDI018
"Opgelegde Boete", not yet published. Until it is, the handreiking says fines need not go to DUO (§4.7: only on
DUO's incidental request). This module keeps what such a message will need, from the data Regie keeps, so that
sending is a mapping step later and no data is missing then: who (BSN), which gemeente (CBS code and OIN), a
stable id per fine (kept through corrections), the dagtekening, the amount in cents and as DUO's usual decimal
text, the reason (our code list, the same as the CBS delivery's), the overtreding's date, and whether the amount
was moderated or raised. Field names follow DUO's M2M style (camelCase, Dutch); they are ours, not DUO's.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import msgspec

from municipal.handhaving.rules import Besluit, Overtreding


class OpgelegdeBoete(msgspec.Struct, frozen=True, kw_only=True):
    boeteId: str  # noqa: N815 (DUO's naming)
    bsn: str
    gemeentecode: str
    oinGemeente: str  # noqa: N815
    dagtekeningBeschikking: date  # noqa: N815
    datumOvertreding: date  # noqa: N815
    bedragInCenten: int  # noqa: N815
    bedrag: str  # "250.00"
    redenCode: str  # noqa: N815
    reden: str
    matiging: str | None = None


def opgelegde_boete(case: dict[str, Any], person: dict[str, Any], gemeente: dict[str, Any]) -> OpgelegdeBoete | None:
    """The fine of a case as an SDI018 message, or None when the case's current decision is not a fine."""
    if case["besluit"] != Besluit.BOETE.value or case["bedrag_cents"] is None:
        return None
    cents = case["bedrag_cents"]
    overtreding = Overtreding(case["overtreding"])
    return OpgelegdeBoete(
        boeteId=case["boete_id"],
        bsn=person["bsn"],
        gemeentecode=gemeente["cbs_code"],
        oinGemeente=gemeente["oin"],
        dagtekeningBeschikking=case["besluit_datum"],
        datumOvertreding=case["overtreding_datum"],
        bedragInCenten=cents,
        bedrag=f"{cents // 100}.{cents % 100:02d}",
        redenCode=overtreding.cbs_code,
        reden=overtreding.label,
        matiging=case["matiging"],
    )


def to_json(message: OpgelegdeBoete) -> bytes:
    return msgspec.json.encode(message)
