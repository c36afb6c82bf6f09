"""Domain events carry typed payloads: what the portal writes is what the inbox reads, checked both ways."""

from datetime import date

import msgspec
import pytest

from shared.events import PAYLOAD_TYPES, EventKind, HoursPayload, MilestonePayload, RegisseurChanged, decode, encode
from shared.vocab import HourKind, MilestoneKind

HOURS = HoursPayload(
    record_id=7,
    enrollment_id=3,
    organisation_id=9,
    component="taal",
    kind=HourKind.TAAL_KNM,
    period_start=date(2026, 10, 1),
    period_end=date(2026, 10, 31),
    attended_minutes=600,
    geoorloofd_minutes=0,
    ongeoorloofd_minutes=120,
    supersedes=5,
    source="upload",
    upload_batch=4,
)


def test_every_kind_has_a_payload_type():
    assert set(PAYLOAD_TYPES) == set(EventKind)


def test_a_payload_comes_back_as_it_was_written_with_dates_and_enums():
    back = decode(EventKind.HOURS_CORRECTED, encode(EventKind.HOURS_CORRECTED, HOURS))
    assert back == HOURS and isinstance(back.period_end, date) and back.kind is HourKind.TAAL_KNM


def test_the_wrong_payload_for_a_kind_is_refused_when_written():
    with pytest.raises(TypeError):
        encode(EventKind.MILESTONE_REPORTED, HOURS)


def test_a_payload_that_does_not_fit_is_refused_when_read():
    with pytest.raises(msgspec.ValidationError):
        decode(EventKind.HOURS_REPORTED, '{"record_id": "zeven"}')
    with pytest.raises(msgspec.ValidationError):  # an unknown milestone kind
        decode(
            EventKind.MILESTONE_REPORTED,
            {
                "milestone_id": 1,
                "enrollment_id": 2,
                "organisation_id": 3,
                "component": "pvt",
                "kind": "diploma",
                "event_date": "2026-11-20",
            },
        )


def test_stored_field_names_stay_as_they_were():
    """Events written before the payloads were typed keep decoding (regisseur.changed used from/to)."""
    assert decode(EventKind.REGISSEUR_CHANGED, '{"from": 4, "to": 7}') == RegisseurChanged(previous=4, new=7)
    m = decode(
        EventKind.MILESTONE_REPORTED,
        '{"milestone_id": 1, "enrollment_id": 2, "organisation_id": 3, '
        '"component": "pvt", "kind": "pvt_ondertekening", "event_date": "2026-11-20", "verwijtbaar": null, '
        '"supersedes": null, "source": "form"}',
    )
    assert isinstance(m, MilestonePayload) and m.kind is MilestoneKind.PVT_ONDERTEKENING
