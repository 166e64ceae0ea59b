"""The package models: validation with codes and paths, and round trips through the converter."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import attrs
import pytest
from hypothesis import given, settings

from volunteerkit import structure, unstructure
from volunteerkit.errors import VolunteerkitError
from volunteerkit.hours import EntryId, ServiceEntry, Source, Status
from volunteerkit.testing.strategies_transfer import (
    package_headers,
    receipts,
    signed_receipts,
    transfer_entries,
    transfers,
)
from volunteerkit.transfer.errors import PackageRefused
from volunteerkit.transfer.models import (
    CertifiedDay,
    ChunkInfo,
    PackageHeader,
    Receipt,
    ReceiptOutcome,
    RejectReason,
    SignedReceipt,
    TransferEntry,
    VolunteerRef,
    entry_from_plain,
    entry_to_plain,
    local_days,
)
from volunteerkit.transfer.workflow import Transfer

from .conftest import URUMQI, make_entry, make_header


@settings(max_examples=60)
@given(transfer_entries())
def test_entries_round_trip(entry):
    """structure(unstructure(entry)) gives the same entry back."""
    assert structure(unstructure(entry), TransferEntry) == entry


@settings(max_examples=60)
@given(package_headers())
def test_headers_round_trip(header):
    """Headers round-trip through the converter."""
    assert structure(unstructure(header), PackageHeader) == header


@settings(max_examples=60)
@given(receipts())
def test_receipts_round_trip(receipt):
    """Receipts round-trip through the converter."""
    assert structure(unstructure(receipt), Receipt) == receipt


@settings(max_examples=30)
@given(signed_receipts)
def test_signed_receipts_round_trip(signed):
    """Signed receipts round-trip through the converter."""
    assert structure(unstructure(signed), SignedReceipt) == signed


@settings(max_examples=60)
@given(transfers())
def test_transfers_round_trip(transfer):
    """Workflow records with their steps round-trip through the converter."""
    assert structure(unstructure(transfer), Transfer) == transfer


def test_times_are_stored_in_utc():
    """An entry given in China Standard Time is stored in UTC, same instant."""
    cst = timezone(timedelta(hours=8))
    entry = attrs.evolve(make_entry(0), start=datetime(2026, 3, 2, 9, 0, tzinfo=cst))
    assert entry.start == datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    assert entry.start.tzinfo is UTC


def test_days_are_the_local_dates_of_the_served_span():
    """Service across local midnight is certified on both dates; the break comes off the end."""
    start = datetime(2026, 3, 2, 16, 0, tzinfo=UTC)  # 22:00 in Urumqi (UTC+6)
    end = start + timedelta(hours=4)  # 02:00 the next day
    assert local_days(start, end, 0, URUMQI) == [date(2026, 3, 2), date(2026, 3, 3)]
    assert local_days(start, end, 120, URUMQI) == [date(2026, 3, 2)]


def test_certified_days_must_match_the_entry():
    """Days that are not the entry's local dates, or that do not add up, are refused."""
    entry = make_entry(0)
    with pytest.raises(PackageRefused) as info:
        attrs.evolve(entry, days=(CertifiedDay(day=date(2026, 3, 3), minutes=180),))
    assert (info.value.code, info.value.path) == ("transfer.entry_days", "$.days")
    with pytest.raises(PackageRefused) as info:
        attrs.evolve(entry, credited_minutes=181)
    assert (info.value.code, info.value.path) == ("transfer.entry_credit", "$.credited_minutes")


def test_bad_times_are_refused_with_the_hours_code_as_detail():
    """An end before the start is a schema refusal at $.end naming hours.end_before_start."""
    entry = make_entry(0)
    with pytest.raises(PackageRefused) as info:
        attrs.evolve(entry, end=entry.start - timedelta(minutes=1))
    assert (info.value.code, info.value.path) == ("transfer.schema", "$.end")
    assert "hours.end_before_start" in info.value.message


def test_structuring_reports_the_path_of_a_bad_field():
    """A bad nested field is reported with its full path."""
    data = unstructure(make_header())
    data["volunteer"]["blind_index"] = "not an index"
    with pytest.raises(PackageRefused) as info:
        structure(data, PackageHeader)
    assert (info.value.code, info.value.path) == ("transfer.schema", "$.volunteer.blind_index")


def test_a_volunteer_reference_needs_an_index_or_a_unified_number():
    """A reference with neither a blind index nor a unified number is refused."""
    with pytest.raises(PackageRefused) as info:
        VolunteerRef(masked_number="650102********1234")
    assert info.value.code == "transfer.schema"
    assert VolunteerRef(unified_number="11010520260001").unified_number == "11010520260001"


def test_a_masked_number_must_hide_characters():
    """A 'masked' number that shows every digit is refused, so a full number never travels."""
    with pytest.raises(PackageRefused) as info:
        VolunteerRef(blind_index="i1:" + "0" * 64, masked_number="650102199001011234")
    assert (info.value.code, info.value.path) == ("transfer.schema", "$.masked_number")


def test_another_format_version_is_refused():
    """Version 2 is refused with its own code; the same parties at both ends too."""
    with pytest.raises(PackageRefused) as info:
        make_header(version=2)
    assert (info.value.code, info.value.path) == ("transfer.unsupported_version", "$.version")
    with pytest.raises(PackageRefused) as info:
        make_header(destination="hami.volunteer-cloud")
    assert (info.value.code, info.value.path) == ("transfer.schema", "$.destination")


def test_chunk_numbers_stay_within_the_count():
    """Chunk 3 of 2 is refused."""
    with pytest.raises(PackageRefused) as info:
        ChunkInfo(number=3, count=2)
    assert info.value.code == "transfer.chunk_number"


def test_receipts_need_a_reason_code_exactly_when_rejected():
    """An imported receipt with a reason code, or a rejection without one, is refused."""
    base = {
        "receipt_id": "r1",
        "transfer_id": "t1",
        "package_id": "p1",
        "header_digest": "sha256:" + "0" * 64,
        "source": "a",
        "destination": "b",
        "at": datetime(2026, 1, 1, tzinfo=UTC),
    }
    with pytest.raises(PackageRefused) as missing:
        Receipt(outcome=ReceiptOutcome.REJECTED, **base)
    assert (missing.value.code, missing.value.path) == ("transfer.schema", "$.reason_code")
    with pytest.raises(PackageRefused) as stray:
        Receipt(outcome=ReceiptOutcome.IMPORTED, reason_code=RejectReason.OTHER, **base)
    assert (stray.value.code, stray.value.path) == ("transfer.schema", "$.reason_code")
    with pytest.raises(PackageRefused) as info:
        Receipt(outcome=ReceiptOutcome.IMPORTED, entries_received=2, entries_imported=1, **base)
    assert (info.value.code, info.value.path) == ("transfer.schema", "$.entries_received")
    rejected = Receipt(outcome=ReceiptOutcome.REJECTED, reason_code=RejectReason.DUPLICATE, **base)
    assert rejected.reason_code is RejectReason.DUPLICATE


def test_the_destination_entry_keeps_the_id_and_is_marked_transferred():
    """to_service_entry keeps the global id, times and note, and sets source transferred."""
    entry = attrs.evolve(make_entry(3), note="街道服务")
    at = datetime(2026, 11, 28, 2, tzinfo=UTC)
    made = entry.to_service_entry(volunteer_id="bj-v1", recorded_by="bj-admin", recorded_at=at)
    assert made == ServiceEntry(
        id=EntryId(origin="hami", local_id="e0000003"),
        volunteer_id="bj-v1",
        organization_id="hami-youth-league",
        category="community",
        start=entry.start,
        end=entry.end,
        zone=URUMQI,
        source=Source.TRANSFERRED,
        initial_status=Status.PENDING,
        recorded_by="bj-admin",
        recorded_at=at,
        note="街道服务",
    )


@settings(max_examples=80)
@given(transfer_entries())
def test_the_fast_entry_conversion_equals_the_converter(entry):
    """entry_to_plain and entry_from_plain give exactly what unstructure and structure give."""
    plain = unstructure(entry)
    assert entry_to_plain(entry) == plain
    assert entry_from_plain(plain) == entry


def test_the_fast_entry_conversion_reports_errors_like_the_converter():
    """Unusual data falls back to the converter, with the same error and path."""
    plain = unstructure(make_entry(0))
    plain["days"][0]["minutes"] = "180"
    with pytest.raises(VolunteerkitError) as fast:
        entry_from_plain(plain)
    with pytest.raises(VolunteerkitError) as slow:
        structure(plain, TransferEntry)
    assert (fast.value.code, fast.value.path) == (slow.value.code, slow.value.path)
    assert fast.value.path == "$.days[0].minutes"


@pytest.mark.parametrize(
    ("build", "path"),
    [
        (lambda: attrs.evolve(make_entry(1), recorded_by="a\ud800"), "$.recorded_by"),
        (lambda: attrs.evolve(make_entry(1), certified_by="\udfff"), "$.certified_by"),
        (lambda: make_header(consent="consent-\ud800"), "$.consent"),
    ],
)
def test_text_with_a_lone_surrogate_is_refused_at_its_field(build, path):
    """A lone surrogate (no UTF-8 form) is transfer.schema at its field when the record is built.

    Before, the record was built and writing the package failed as ``transfer.malformed`` at
    ``$`` or ``$.entries[0]``.
    """
    with pytest.raises(PackageRefused) as info:
        build()
    assert (info.value.code, info.value.path) == ("transfer.schema", path)
