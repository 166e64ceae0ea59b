from __future__ import annotations

import pathlib
from datetime import UTC, datetime, timedelta, timezone
from importlib import resources
from zoneinfo import ZoneInfo

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from volunteerkit import FixedClock, from_json, structure, to_json, unstructure
from volunteerkit._serialization import loads
from volunteerkit.errors import (
    InvalidInputError,
    NaiveDatetimeError,
    SerializationError,
    VolunteerkitError,
)
from volunteerkit.hours import (
    Approved,
    Corrected,
    CorrectionKind,
    EntryId,
    EventId,
    InvalidEntry,
    InvalidEvent,
    LedgerEvent,
    Rejected,
    ServiceEntry,
    Status,
    Voided,
)
from volunteerkit.hours.errors import MESSAGES
from volunteerkit.hours.models import event_type, structure_event
from volunteerkit.stores._sql_hours import _stored_id

from .strategies import RECORDED, eid, events, evid, make_entry, service_entries

SH = ZoneInfo("Asia/Shanghai")
NY = ZoneInfo("America/New_York")


def _entry_data() -> dict[str, object]:
    entry = make_entry(
        "1", datetime(2026, 5, 1, 9, tzinfo=SH), datetime(2026, 5, 1, 12, tzinfo=SH), SH
    )
    data = unstructure(entry)
    assert isinstance(data, dict)
    return data


def test_every_code_has_english_and_chinese_messages() -> None:
    """Every error code in the table carries a non-empty English and Chinese message."""
    for code, (en, zh) in MESSAGES.items():
        assert code.startswith("hours.")
        assert en
        assert zh
        assert en != zh


def test_entry_times_are_normalised_to_utc_and_durations_use_instants() -> None:
    """Start and end are stored in UTC; the duration is computed from instants, not wall clocks."""
    entry = make_entry(
        "1",
        datetime(2026, 11, 1, 0, 30, tzinfo=NY),
        datetime(2026, 11, 1, 1, 30, fold=1, tzinfo=NY),
        NY,
    )
    assert entry.start == datetime(2026, 11, 1, 4, 30, tzinfo=UTC)
    assert entry.start.tzinfo is UTC
    assert entry.end == datetime(2026, 11, 1, 6, 30, tzinfo=UTC)
    assert entry.duration_minutes == 120


def test_seconds_are_floored_at_both_ends() -> None:
    """09:00:59 to 10:00:00 counts 60 minutes: both ends are floored to the minute."""
    entry = make_entry(
        "1", datetime(2026, 5, 1, 9, 0, 59, tzinfo=SH), datetime(2026, 5, 1, 10, tzinfo=SH), SH
    )
    assert entry.duration_minutes == 60


@pytest.mark.parametrize("field", ["start", "end", "recorded_at"])
def test_naive_datetimes_are_refused_with_the_field_path(field: str) -> None:
    """A naive start, end or recorded_at raises NaiveDatetimeError at ``$.<field>``."""
    entry = make_entry(
        "1", datetime(2026, 5, 1, 9, tzinfo=SH), datetime(2026, 5, 1, 12, tzinfo=SH), SH
    )
    naive = getattr(entry, field).replace(tzinfo=None)
    with pytest.raises(NaiveDatetimeError) as info:
        attrs.evolve(entry, **{field: naive})
    assert info.value.path == f"$.{field}"
    assert info.value.code == "time.naive_datetime"


def test_naive_datetime_in_data_is_refused_with_the_field_path() -> None:
    """Structuring data with a naive end reports ``$.end``."""
    data = _entry_data()
    data["end"] = "2026-05-01T12:00:00"
    with pytest.raises(NaiveDatetimeError) as info:
        structure(data, ServiceEntry)
    assert info.value.path == "$.end"


@pytest.mark.parametrize(
    ("changes", "code", "path"),
    [
        ({"end": datetime(2026, 5, 1, 9, tzinfo=SH)}, "hours.end_before_start", "$.end"),
        ({"end": datetime(2026, 5, 1, 8, tzinfo=SH)}, "hours.end_before_start", "$.end"),
        ({"end": datetime(2026, 5, 1, 9, 0, 30, tzinfo=SH)}, "hours.too_short", "$.end"),
        ({"break_minutes": 180}, "hours.break_too_long", "$.break_minutes"),
        ({"break_minutes": -1}, "hours.negative_minutes", "$.break_minutes"),
        ({"travel_minutes": -5}, "hours.negative_minutes", "$.travel_minutes"),
        ({"volunteer_id": ""}, "hours.empty_field", "$.volunteer_id"),
        ({"category": "  "}, "hours.empty_field", "$.category"),
        ({"activity_id": ""}, "hours.empty_field", "$.activity_id"),
        ({"initial_status": Status.VOIDED}, "hours.initial_status", "$.initial_status"),
        ({"zone": timezone(timedelta(hours=8))}, "hours.invalid_zone", "$.zone"),
    ],
)
def test_invalid_entries_raise_typed_errors_with_code_and_path(
    changes: dict[str, object], code: str, path: str
) -> None:
    """Each broken invariant raises InvalidEntry with its stable code and the bad field's path."""
    entry = make_entry(
        "1", datetime(2026, 5, 1, 9, tzinfo=SH), datetime(2026, 5, 1, 12, tzinfo=SH), SH
    )
    with pytest.raises(InvalidEntry) as info:
        attrs.evolve(entry, **changes)  # type: ignore[arg-type]
    assert (info.value.code, info.value.path) == (code, path)
    assert isinstance(info.value, InvalidInputError)
    assert info.value.message_zh
    assert info.value.message_zh != info.value.message


def test_entry_ids_parse_and_print_as_origin_colon_local_id() -> None:
    """Ids print as ``origin:local_id`` and parse back; the local id may contain colons."""
    entry_id = EntryId(origin="bj.cloud", local_id="2026:42")
    assert str(entry_id) == "bj.cloud:2026:42"
    assert EntryId.parse("bj.cloud:2026:42") == entry_id
    assert EntryId(origin="a", local_id="1") != EventId(origin="a", local_id="1")  # type: ignore[comparison-overlap]


@pytest.mark.parametrize(
    "text", ["no-colon", ":x", "a b:1", "bj:", "bj:has space", "b:j:" + "x" * 200]
)
def test_malformed_ids_are_refused(text: str) -> None:
    """Malformed id text raises InvalidEntry ``hours.invalid_id``."""
    with pytest.raises(InvalidEntry) as info:
        EntryId.parse(text)
    assert info.value.code == "hours.invalid_id"


_ORIGINS = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,8}", fullmatch=True)
_LOCALS = st.from_regex(r"[a-z0-9:-]{1,12}", fullmatch=True)


@given(_ORIGINS, _LOCALS, _ORIGINS, _LOCALS)
def test_ids_hash_as_they_compare_however_they_were_built(
    origin: str, local_id: str, other_origin: str, other_local: str
) -> None:
    """The constructor, ``parse``, the unchecked path and the stores' builder give one key.

    Ids hash by their local id (no cached hash: see ``_GlobalId.__hash__``), so ids that are
    equal hash equal, whichever way they were built, and a dict finds one by another.
    """
    built = [
        EntryId(origin=origin, local_id=local_id),
        EntryId.parse(f"{origin}:{local_id}"),
        EntryId._unchecked(origin, local_id),
        _stored_id(EntryId, f"{origin}:{local_id}"),
    ]
    assert all(b == built[0] and hash(b) == hash(built[0]) for b in built)
    assert {b: i for i, b in enumerate(built)} == {built[0]: 3}
    other = EntryId(origin=other_origin, local_id=other_local)
    assert (other == built[0]) == ((other_origin, other_local) == (origin, local_id))
    assert {built[0]: "a", other: "b"}[other] == "b"
    assert EventId(origin=origin, local_id=local_id) != built[0]  # type: ignore[comparison-overlap]


def test_new_ids_are_time_ordered_uuid7_from_the_clock() -> None:
    """``EntryId.new`` makes a UUIDv7 local id timed by the given clock; later ids sort later."""
    clock = FixedClock(datetime(2026, 5, 1, tzinfo=UTC))
    first = EntryId.new("bj", clock)
    clock.advance(timedelta(seconds=1))
    second = EntryId.new("bj", clock)
    assert first < second
    assert len(first.local_id) == 36
    assert first.local_id[14] == "7"


def test_entry_serializes_ids_as_text_and_zone_as_iana_name() -> None:
    """The serialized entry has ``id`` as ``origin:local_id`` and ``zone`` as its IANA name."""
    data = _entry_data()
    assert data["id"] == "test:1"
    assert data["zone"] == "Asia/Shanghai"
    assert data["start"] == "2026-05-01T01:00:00+00:00"


def test_events_serialize_with_a_type_tag_and_structure_by_it() -> None:
    """Events carry ``type``; ``structure(data, LedgerEvent)`` picks the class from it."""
    event = Voided(id=evid("e1"), entry_id=eid("1"), actor="admin", at=RECORDED, reason="duplicate")
    data = unstructure(event)
    assert data["type"] == "voided" == event_type(event)
    assert structure_event(data) == event
    assert structure(data, Voided) == event


def test_unknown_event_type_is_a_serialization_error_not_a_key_error() -> None:
    """An unknown or missing tag raises SerializationError at ``$.type``."""
    event = Approved(id=evid("e1"), entry_id=eid("1"), actor="lead", at=RECORDED)
    data = unstructure(event)
    for bad in ({**data, "type": "deleted"}, {k: v for k, v in data.items() if k != "type"}):
        with pytest.raises(SerializationError) as info:
            structure_event(bad)
        assert info.value.path == "$.type"
    with pytest.raises(SerializationError) as wrong:
        structure({**data, "type": "rejected"}, Approved)
    assert (wrong.value.code, wrong.value.path) == ("serialization.tag", "$.type")


@pytest.mark.parametrize("bad", ["caf\x00", "\ud800", "ok\udfff"])
@pytest.mark.parametrize(
    ("field", "code"),
    [
        ("volunteer_id", "hours.invalid_entry"),
        ("organization_id", "hours.invalid_entry"),
        ("category", "hours.invalid_entry"),
        ("activity_id", "hours.invalid_entry"),
        ("recorded_by", "hours.invalid_entry"),
        ("note", "hours.invalid_entry"),
    ],
)
def test_text_no_store_can_keep_is_refused(field: str, code: str, bad: str) -> None:
    """NUL and lone surrogates are refused in every text field, with the field's path.

    PostgreSQL text cannot hold NUL, and a lone surrogate has no UTF-8 form for SQLite or
    PostgreSQL: the model refuses both so every backend behaves as the memory store does.
    """
    entry = make_entry(
        "1", datetime(2026, 5, 1, 9, tzinfo=SH), datetime(2026, 5, 1, 12, tzinfo=SH), SH
    )
    with pytest.raises(InvalidEntry) as info:
        attrs.evolve(entry, **{field: bad})  # type: ignore[arg-type]
    assert (info.value.code, info.value.path) == (code, f"$.{field}")
    assert bad not in str(info.value)
    with pytest.raises(InvalidEntry) as bad_id:
        EntryId(origin="bj", local_id=bad)
    assert bad_id.value.code == "hours.invalid_id"
    for actor, reason, path in ((bad, "r", "$.actor"), ("lead", bad, "$.reason")):
        with pytest.raises(InvalidEvent) as event:
            Rejected(id=evid("e1"), entry_id=eid("1"), at=RECORDED, actor=actor, reason=reason)
        assert (event.value.code, event.value.path) == ("hours.invalid_event", path)


def test_events_need_a_reason_except_approvals() -> None:
    """Rejections, voids and corrections need a reason; approvals do not."""
    Approved(id=evid("e1"), entry_id=eid("1"), actor="lead", at=RECORDED)
    with pytest.raises(InvalidEvent) as info:
        Rejected(id=evid("e2"), entry_id=eid("1"), actor="lead", at=RECORDED)
    assert info.value.path == "$.reason"


def test_corrections_must_match_their_kind() -> None:
    """A reversal takes no new values; an adjustment needs at least one."""
    with pytest.raises(InvalidEvent) as info:
        Corrected(
            id=evid("c"), entry_id=eid("1"), actor="a", at=RECORDED, reason="r",
            kind=CorrectionKind.REVERSE, break_minutes=10,
        )  # fmt: skip
    assert info.value.code == "hours.invalid_correction"
    with pytest.raises(InvalidEvent) as empty:
        Corrected(id=evid("c"), entry_id=eid("1"), actor="a", at=RECORDED, reason="r")
    assert empty.value.code == "hours.invalid_correction"
    with pytest.raises(NaiveDatetimeError) as naive:
        Corrected(
            id=evid("c"), entry_id=eid("1"), actor="a", at=RECORDED, reason="r",
            end=datetime(2026, 5, 1, 12),
        )  # fmt: skip
    assert naive.value.path == "$.end"


@given(service_entries())
def test_service_entries_round_trip(entry: ServiceEntry) -> None:
    """``structure(unstructure(entry)) == entry``, also through JSON text."""
    assert structure(unstructure(entry), ServiceEntry) == entry
    assert from_json(to_json(entry), ServiceEntry) == entry


@given(events())
def test_events_round_trip(event: LedgerEvent) -> None:
    """Every event class round-trips, through its own class and through the LedgerEvent union."""
    assert structure(unstructure(event), type(event)) == event
    assert structure_event(loads(to_json(event))) == event


def test_structuring_refuses_unknown_fields() -> None:
    """A typo in a field name is an error, not a silent default."""
    data = _entry_data()
    data["brake_minutes"] = 5
    with pytest.raises(SerializationError) as info:
        structure(data, ServiceEntry)
    assert info.value.path == "$.brake_minutes"


@given(events())
def test_an_event_for_other_ids_equals_the_checked_constructor(event: LedgerEvent) -> None:
    """``_for`` (the batch path's copy) gives what the class builds, validators and all."""
    other_event, other_entry = evid("copy-9"), eid("entry-9")
    copied = event._for(other_event, other_entry)
    built = attrs.evolve(event, id=other_event, entry_id=other_entry)
    assert type(copied) is type(event)
    assert copied == built
    assert hash(copied) == hash(built)
    assert copied.id is other_event and copied.entry_id is other_entry


@given(service_entries(), st.sampled_from(Status))
def test_an_entry_with_another_status_equals_evolve(entry: ServiceEntry, status: Status) -> None:
    """``_with_status`` (the ledger's copy) gives what ``attrs.evolve`` gives, or its error."""
    if status in (Status.PENDING, Status.APPROVED):
        got = entry._with_status(status)
        assert got == attrs.evolve(entry, initial_status=status)
        assert got.initial_status is status
    else:
        with pytest.raises(InvalidEntry) as expected:
            attrs.evolve(entry, initial_status=status)
        with pytest.raises(InvalidEntry) as info:
            entry._with_status(status)
        assert (info.value.code, info.value.path) == (expected.value.code, expected.value.path)


@pytest.mark.parametrize("status", ["approved", "pending"])
def test_an_initial_status_given_as_text_is_refused(status: str) -> None:
    """An ``initial_status`` given as text is refused, not stored as an uncredited entry.

    The text ``"approved"`` equals ``Status.APPROVED``, passed the old check, and the fold (which
    tests ``is Status.APPROVED``) never credited the entry.
    """
    with pytest.raises(InvalidEntry) as info:
        make_entry(
            "1",
            datetime(2026, 5, 1, 9, tzinfo=SH),
            datetime(2026, 5, 1, 12, tzinfo=SH),
            SH,
            status=status,  # type: ignore[arg-type]
        )
    assert (info.value.code, info.value.path) == ("hours.initial_status", "$.initial_status")


def test_an_uncached_zone_is_the_cached_zone_of_its_key() -> None:
    """An entry in ``ZoneInfo.no_cache(key)`` equals the same entry in ``ZoneInfo(key)``.

    ``ZoneInfo`` compares by identity: the uncached zone made the entry differ from itself read
    back from JSON or a SQL store, so a replay was a conflict on SQLite but not in memory.
    """
    start, end = datetime(2026, 5, 1, 9, tzinfo=SH), datetime(2026, 5, 1, 12, tzinfo=SH)
    uncached = make_entry("1", start, end, ZoneInfo.no_cache("Asia/Shanghai"))
    assert uncached.zone is SH
    assert uncached == make_entry("1", start, end, SH)
    assert structure(unstructure(uncached), ServiceEntry) == uncached


def test_a_zone_without_an_iana_key_is_refused() -> None:
    """A zone read from a file (``ZoneInfo.from_file``) has no name to store: ``invalid_zone``."""
    import zoneinfo

    found = [
        p for p in (pathlib.Path(d, "Asia", "Shanghai") for d in zoneinfo.TZPATH) if p.exists()
    ]
    if not found:
        pytest.importorskip("tzdata")
        found = [pathlib.Path(str(resources.files("tzdata.zoneinfo") / "Asia" / "Shanghai"))]
    with found[0].open("rb") as f:
        keyless = ZoneInfo.from_file(f)
    with pytest.raises(InvalidEntry) as info:
        make_entry(
            "1", datetime(2026, 5, 1, 9, tzinfo=SH), datetime(2026, 5, 1, 12, tzinfo=SH), keyless
        )
    assert (info.value.code, info.value.path) == ("hours.invalid_zone", "$.zone")


def test_a_volunteer_id_longer_than_the_stores_index_is_refused() -> None:
    """A volunteer id over 256 characters is ``hours.id_too_long``; 256 of any width is fine.

    PostgreSQL refuses an index row over 2,704 bytes, so a 9,000-character id was kept by the
    memory and SQLite stores but failed on PostgreSQL (as ``store.unavailable``).
    """
    start, end = datetime(2026, 5, 1, 9, tzinfo=SH), datetime(2026, 5, 1, 12, tzinfo=SH)
    widest = "\U0001f600" * 256  # four UTF-8 bytes each: 1,024 bytes, well inside the index limit
    assert make_entry("1", start, end, SH, volunteer=widest).volunteer_id == widest
    with pytest.raises(InvalidEntry) as info:
        make_entry("1", start, end, SH, volunteer="v" * 257)
    assert (info.value.code, info.value.path) == ("hours.id_too_long", "$.volunteer_id")


@pytest.mark.parametrize("clock", [None, datetime(2026, 1, 1, tzinfo=UTC), "now"],
                         ids=["none", "a datetime", "text"])  # fmt: skip
@pytest.mark.parametrize("kind", ["EntryId", "EventId"])
def test_a_new_id_needs_a_clock(kind: str, clock: object) -> None:
    """``EntryId.new``/``EventId.new`` refuse what is not a clock: ``hours.invalid_argument``.

    None raised a bare AttributeError; an aware datetime was taken for a clock and its class's
    ``now()`` (the system time, naive) read and refused as ``time.naive_datetime`` (the clock is
    never read implicitly, DESIGN.md).
    """
    cls = EntryId if kind == "EntryId" else EventId
    with pytest.raises(VolunteerkitError) as info:
        cls.new("bj", clock)  # type: ignore[arg-type]
    assert (info.value.code, info.value.path) == ("hours.invalid_argument", "$.clock")
    made = cls.new("bj", FixedClock(datetime(2026, 1, 1, tzinfo=UTC)))
    assert made.origin == "bj" and made.local_id.startswith("019b")
