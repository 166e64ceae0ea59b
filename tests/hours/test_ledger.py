"""The Ledger service on the in-memory store: recording, events, credit rows, queries."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import attrs
import pytest

from volunteerkit import FixedClock, to_json
from volunteerkit.errors import ConflictError, VolunteerkitError
from volunteerkit.hours import (
    NATIONAL,
    AccrualPolicy,
    BackfillDeadline,
    CalendarYear,
    CategoryMultiplier,
    EntryId,
    HoursInputError,
    InvalidEntry,
    InvalidEvent,
    InvalidPolicy,
    PolicyViolation,
    Rounding,
    RoundingMode,
    RoundingScope,
    Source,
    Status,
    TimeWindowMultiplier,
    UnknownEntry,
    Weighting,
    totals_as_of,
)
from volunteerkit.hours.ledger import Ledger, RecordResult
from volunteerkit.stores import MemoryStore, SQLiteStore

from .strategies import make_entry

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


def day(d: int, h1: int, h2: int) -> tuple[datetime, datetime]:
    return datetime(2026, 5, d, h1, tzinfo=SH), datetime(2026, 5, d, h2, tzinfo=SH)


def entry(local_id: str, d: int = 1, h1: int = 9, h2: int = 12, **kw):
    start, end = day(d, h1, h2)
    kw.setdefault("recorded_at", NOW)
    kw.setdefault("source", Source.SELF_DECLARED)
    kw.setdefault("status", Status.PENDING)
    return make_entry(local_id, start, end, SH, **kw)


@pytest.fixture
def clock():
    return FixedClock(NOW)


@pytest.fixture
def store():
    return MemoryStore()


@pytest.fixture
def ledger(store, clock):
    return Ledger(store, clock=clock, policy=NATIONAL)


def test_record_decides_status_audits_and_replays(ledger, store):
    """record() sets the status from the policy, audits once, and a replay is a no-op."""
    self_declared = entry("a")
    by_staff = entry("b", source=Source.ORGANIZATION)
    assert ledger.record(self_declared, actor="vol").initial_status is Status.PENDING
    assert ledger.record(by_staff, actor="staff").initial_status is Status.APPROVED
    assert ledger.record(self_declared, actor="vol").initial_status is Status.PENDING
    audit = sorted(store.audit.query(action="hours.record"), key=lambda a: a.subject_id)
    assert [(a.actor, a.subject_id, a.details["status"]) for a in audit] == [
        ("vol", "test:a", "pending"), ("staff", "test:b", "approved"),
    ]
    assert ledger.totals("v1").credited_minutes == 180


def test_the_status_on_the_input_is_ignored(ledger):
    """An entry handed in as approved is still submitted for approval when the policy says so."""
    stored = ledger.record(entry("a", status=Status.APPROVED), actor="vol")
    assert stored.initial_status is Status.PENDING
    assert ledger.record(entry("a"), actor="vol") == stored


def test_different_content_under_a_stored_id_is_a_conflict(ledger, store):
    """Another entry under a stored id raises ConflictError and changes nothing."""
    ledger.record(entry("a"), actor="vol")
    with pytest.raises(ConflictError) as info:
        ledger.record(entry("a", h2=13), actor="vol")
    assert (info.value.code, info.value.path) == ("hours.entry_conflict", "$.entries[0].id")
    assert store.ledger.get_entries([EntryId(origin="test", local_id="a")])[
        EntryId(origin="test", local_id="a")
    ].end == day(1, 9, 12)[1]


def test_a_refused_entry_writes_nothing(ledger, store):
    """Service that ends after the clock's now is refused; neither entry nor audit is written."""
    future = make_entry("f", NOW, NOW + timedelta(hours=1), SH, recorded_at=NOW)
    with pytest.raises(PolicyViolation) as info:
        ledger.record(future, actor="vol")
    assert (info.value.code, info.value.path) == ("hours.future_service", "$.entries[0].end")
    assert store.ledger.count_entries() == 0
    assert store.audit.count() == 0


def test_something_that_is_not_an_entry_is_a_typed_error_and_writes_nothing(ledger, store):
    """``record`` and ``record_many`` refuse a non-entry with ``hours.invalid_entry`` and its path.

    A batch with one such item writes nothing, not even the valid entries before it.
    """
    with pytest.raises(InvalidEntry) as info:
        ledger.record({"id": "test:x"}, actor="vol")
    assert (info.value.code, info.value.path) == ("hours.invalid_entry", "$.entry")
    with pytest.raises(InvalidEntry) as info:
        ledger.record_many([entry("ok"), "test:x"], actor="vol")
    assert (info.value.code, info.value.path) == ("hours.invalid_entry", "$.entries[1]")
    assert store.ledger.count_entries() == 0
    assert store.audit.count() == 0


@pytest.mark.parametrize("backend", ["memory", "sqlite"])
def test_replaying_an_entry_in_an_uncached_zone_is_a_no_op_on_every_backend(backend, clock):
    """Recording again an entry whose zone is ``ZoneInfo.no_cache(key)`` writes nothing.

    SQLite read the stored entry back in ``ZoneInfo(key)``, which compared unequal, and refused
    the replay as ``hours.entry_conflict`` while the memory store accepted it.
    """
    store = MemoryStore() if backend == "memory" else SQLiteStore(":memory:")
    ledger = Ledger(store, clock=clock)
    zone = ZoneInfo.no_cache("Asia/Shanghai")
    start, end = datetime(2026, 5, 1, 9, tzinfo=zone), datetime(2026, 5, 1, 12, tzinfo=zone)
    ledger.record(make_entry("z", start, end, zone, recorded_at=NOW), actor="org")
    again = ledger.record_many([make_entry("z", start, end, zone, recorded_at=NOW)], actor="org")
    assert (again.written, again.already_present) == (0, 1)
    assert ledger.totals("v1").credited_minutes == 180


@pytest.mark.parametrize("backend", ["memory", "sqlite"])
def test_filters_that_are_not_text_are_refused_by_every_backend(backend, clock):
    """A volunteer, organization, region or category filter that is not text is refused.

    SQLite matched the number 5 with the volunteer "5" (column affinity) while the memory store
    matched nothing, so the backends gave different totals.
    """
    store = MemoryStore() if backend == "memory" else SQLiteStore(":memory:")
    ledger = Ledger(store, clock=clock)
    ledger.record(entry("a", volunteer="5", organization="7", source=Source.ORGANIZATION), actor="o")
    queries = {
        "$.volunteer_id": lambda: ledger.totals(5),  # type: ignore[arg-type]
        "$.organization_id": lambda: ledger.minutes_by("volunteer", organization_id=7),
        "$.region": lambda: ledger.active_volunteers(region=1),
        "$.category": lambda: ledger.active_volunteers_by("volunteer", category=b"community"),
    }
    for path, query in queries.items():
        with pytest.raises(HoursInputError) as info:
            query()
        assert (info.value.code, info.value.path) == ("hours.invalid_filter", path)
    assert ledger.totals("5").credited_minutes == 180
    assert ledger.active_volunteers(organization_id="7") == 1


@pytest.mark.parametrize("backend", ["memory", "sqlite"])
@pytest.mark.parametrize("text", ["v\x001", "\ud800"])
def test_filters_no_store_can_hold_are_refused_by_every_backend(backend, clock, text):
    """A filter with a NUL or a lone surrogate is ``hours.invalid_filter`` on every backend.

    The memory store answered zero, SQLite refused a lone surrogate only, and PostgreSQL failed
    on both with store errors.
    """
    store = MemoryStore() if backend == "memory" else SQLiteStore(":memory:")
    ledger = Ledger(store, clock=clock)
    for path, query in {
        "$.volunteer_id": lambda: ledger.totals(text),
        "$.category": lambda: ledger.minutes_by("volunteer", category=text),
    }.items():
        with pytest.raises(HoursInputError) as info:
            query()
        assert (info.value.code, info.value.path) == ("hours.invalid_filter", path)


def test_ids_actors_and_inputs_of_the_wrong_type_are_typed_errors(ledger, store):
    """Unhashable ids, a missing actor or a non-sequence input raise hours errors, write nothing.

    An id that is not an EntryId names no stored entry (``hours.unknown_entry``); they used to
    raise ``TypeError: unhashable type`` from the store, and ``actor=None`` a TypeError from the
    audit log.
    """
    cases = [
        ("hours.unknown_entry", "$.entry_id", lambda: ledger.approve(["test:a"], actor="lead")),
        ("hours.unknown_entry", "$.entry_id", lambda: ledger.state(["test:a"])),
        ("hours.unknown_entry", "$.entry_ids[0]",
         lambda: ledger.approve_many([["test:a"]], actor="lead")),
        ("hours.invalid_entry", "$.entry_ids", lambda: ledger.approve_many(None, actor="lead")),
        ("hours.invalid_entry", "$.entries", lambda: ledger.record_many(None, actor="vol")),
        ("hours.empty_field", "$.actor", lambda: ledger.record(entry("a"), actor=None)),
    ]  # fmt: skip
    for code, path, call in cases:
        with pytest.raises(VolunteerkitError) as info:
            call()
        assert (info.value.code, info.value.path) == (code, path)
    assert store.ledger.count_entries() == 0
    assert store.audit.count() == 0


@pytest.mark.parametrize("backend", ["memory", "sqlite"])
@pytest.mark.parametrize("region", [5, "north\x00", "\udc80"])
def test_a_home_region_no_store_keeps_is_refused_and_writes_nothing(backend, clock, region):
    """A ``home_region`` answer that is not storable text is ``hours.invalid_region``.

    SQLite stored the number 5 as the text "5"; a NUL was kept by memory and SQLite but failed
    on PostgreSQL. The record is refused whole on every backend.
    """
    store = MemoryStore() if backend == "memory" else SQLiteStore(":memory:")
    ledger = Ledger(store, clock=clock, home_region=lambda _vid: region)
    with pytest.raises(HoursInputError) as info:
        ledger.record(entry("a", source=Source.ORGANIZATION), actor="org")
    assert (info.value.code, info.value.path) == ("hours.invalid_region", "$.home_region")
    assert store.ledger.count_entries() == 0
    assert ledger.minutes_by("region") == {}


def test_registration_date_is_checked(ledger):
    """record(registered=...) refuses service before the volunteer registered."""
    with pytest.raises(PolicyViolation) as info:
        ledger.record(entry("a"), actor="vol", registered=date(2026, 5, 2))
    assert info.value.code == "hours.before_registration"


def test_events_follow_the_transition_table(ledger, clock):
    """Approve, then a second approval is refused; reject needs a reason; unknown ids raise."""
    ledger.record(entry("a"), actor="vol")
    eid = EntryId(origin="test", local_id="a")
    clock.advance(timedelta(minutes=5))
    assert ledger.approve(eid, actor="lead").status is Status.APPROVED
    with pytest.raises(InvalidEvent) as info:
        ledger.approve(eid, actor="lead")
    assert info.value.code == "hours.invalid_transition"
    with pytest.raises(InvalidEvent) as empty:
        ledger.reject(eid, actor="lead", reason="")
    assert empty.value.code == "hours.invalid_event"
    with pytest.raises(UnknownEntry):
        ledger.void(EntryId(origin="test", local_id="zz"), actor="lead", reason="x")
    with pytest.raises(InvalidEvent) as adjust:
        ledger.correct(eid, actor="lead", reason="r", end=day(1, 9, 8)[1])
    assert adjust.value.code == "hours.end_before_start"
    assert len(ledger.state(eid).history) == 1


def test_events_at_one_instant_apply_in_the_order_made(ledger, store):
    """Several events at the same instant get ids that sort after the earlier ones."""
    ledger.record(entry("a"), actor="vol")
    eid = EntryId(origin="test", local_id="a")
    for _ in range(20):
        ledger.correct(eid, actor="lead", reason="r", break_minutes=10)
        ledger.correct(eid, actor="lead", reason="r", break_minutes=0)
    ledger.approve(eid, actor="lead")
    events = store.ledger.entry_events(eid)
    assert [type(e).__name__ for e in events][-1] == "Approved"
    assert ledger.state(eid).break_minutes == 0
    assert ledger.totals("v1").credited_minutes == 180


def test_an_event_before_the_entrys_latest_event_is_refused(ledger, clock):
    """With the clock set back, a new event would predate the last one: refused."""
    ledger.record(entry("a"), actor="vol")
    eid = EntryId(origin="test", local_id="a")
    clock.advance(timedelta(hours=1))
    ledger.approve(eid, actor="lead")
    clock.advance(timedelta(hours=-2))
    with pytest.raises(InvalidEvent) as info:
        ledger.void(eid, actor="lead", reason="r")
    assert info.value.code == "hours.event_out_of_order"


def test_credit_rows_close_and_open_on_a_correction(ledger, store, clock):
    """A correction closes the changed row at its instant and opens a new one."""
    ledger.record(entry("a", source=Source.ORGANIZATION), actor="staff")
    t1 = clock.advance(timedelta(hours=1))
    ledger.correct(EntryId(origin="test", local_id="a"), actor="lead", reason="r",
                   end=day(1, 9, 11)[1])
    history = store.ledger.credit_history("v1")
    assert [(r.credited_minutes, r.valid_from, r.valid_to) for r in history] == [
        (180, NOW, t1), (120, t1, None),
    ]
    assert ledger.totals("v1", as_of=t1 - timedelta(microseconds=1)).credited_minutes == 180


def test_an_entry_dated_in_the_past_recomputes_history(store, clock):
    """Importing an older entry after later records rewrites the credit history from its date.

    Under an 8-hour daily cap, B (recorded at NOW) gets 480 minutes of the day alone; A, recorded
    earlier but imported later, started first, so from A's recording instant on, A keeps 300 and
    B only 180. Totals as of every instant equal the core's.
    """
    policy = attrs.evolve(NATIONAL, daily_cap_minutes=480)
    ledger = Ledger(store, clock=clock, policy=policy)
    b = entry("b", h1=12, h2=20, source=Source.ORGANIZATION)
    a = entry("a", h1=7, h2=12, source=Source.ORGANIZATION, recorded_at=NOW - timedelta(days=2))
    ledger.record(b, actor="staff")
    clock.advance(timedelta(hours=1))
    ledger.record(a, actor="staff")
    records = store.ledger.records_of(["v1"])["v1"]
    for at, credited in (
        (NOW - timedelta(days=3), 0),
        (NOW - timedelta(days=2), 300),
        (NOW - timedelta(microseconds=1), 300),
        (NOW, 480),
        (clock.now(), 480),
    ):
        got = ledger.totals("v1", as_of=at)
        assert got.credited_minutes == credited
        assert got == totals_as_of(*records, policy, volunteer_id="v1", as_of=at)
    assert {k: m.credited for k, m in ledger.totals("v1").by_day.items()} == {date(2026, 5, 1): 480}


@pytest.mark.parametrize("backend", ["memory", "sqlite"])
def test_entries_credited_alone_and_replayed_in_one_call(backend, clock):
    """One call records X alone (isolated, recorded last) and Y, W (overlapping, recorded first).

    X is credited on its own from its recording instant; Y and W need the volunteer's replay,
    which starts before X's row and so replays from there. Credit as of every instant equals the
    core's: 09:00-12:00 and 10:00-13:00 count once (240), X's 2 hours on 3 May count 120.
    """
    from volunteerkit.stores import SQLiteStore

    store = MemoryStore() if backend == "memory" else SQLiteStore(":memory:")
    ledger = Ledger(store, clock=clock, policy=NATIONAL)
    early = NOW - timedelta(hours=3)
    x = entry("x", d=3, h1=9, h2=11, source=Source.ORGANIZATION, status=Status.APPROVED)
    y = entry("y", h1=9, h2=12, source=Source.ORGANIZATION, recorded_at=early)
    w = entry("w", h1=10, h2=13, source=Source.ORGANIZATION, recorded_at=early)
    ledger.record_many([x, y, w], actor="staff")
    records = store.ledger.records_of(["v1"])["v1"]
    for at, credited in (
        (early - timedelta(microseconds=1), 0),
        (early, 240),
        (NOW - timedelta(microseconds=1), 240),
        (NOW, 360),
    ):
        got = ledger.totals("v1", as_of=at)
        assert got.credited_minutes == credited
        assert got == totals_as_of(*records, NATIONAL, volunteer_id="v1", as_of=at)
    assert {k: m.credited for k, m in ledger.totals("v1").by_day.items()} == {
        date(2026, 5, 1): 240, date(2026, 5, 3): 120,
    }
    open_rows = [r for r in store.ledger.credit_history("v1") if r.valid_to is None]
    assert sorted((str(r.entry_id), r.credited_minutes) for r in open_rows) == [
        ("test:w", 60), ("test:x", 120), ("test:y", 180),
    ]
    store.close()


def _stored_a_then_old_e_and_f(backend, clock):
    """A store with A (3 May 11-13, recorded at NOW), and E and F to import, dated before A.

    E (5 May 9-11, recorded two days before) overlaps nothing; F (3 May 9-12, three days before)
    overlaps A by an hour.
    """
    from volunteerkit.stores import SQLiteStore

    store = MemoryStore() if backend == "memory" else SQLiteStore(":memory:")
    ledger = Ledger(store, clock=clock, policy=NATIONAL)
    org = {"source": Source.ORGANIZATION}
    ledger.record(entry("a", d=3, h1=11, h2=13, **org), actor="staff")
    e = entry("e", d=5, h1=9, h2=11, recorded_at=NOW - timedelta(days=2), **org)
    f = entry("f", d=3, h1=9, h2=12, recorded_at=NOW - timedelta(days=3), **org)
    return store, ledger, e, f


@pytest.mark.parametrize("backend", ["memory", "sqlite"])
def test_old_entries_imported_after_newer_ones(backend, clock):
    """Entries dated before the volunteer's latest record: isolated ones alone, others replayed.

    A (3 May, recorded at NOW) is stored. Then one call imports E (5 May, alone, recorded two days
    earlier) and F (3 May, overlapping A by an hour, recorded three days earlier). E is credited
    on its own from its own date, leaving A's row as it is; F replays the volunteer from its date,
    which is before E's new row, so the replay covers E's too. Credit as of every instant is the
    core's: F alone 180 until E arrives (+120), then A adds 60 more (its first hour overlaps F).
    """
    store, ledger, e, f = _stored_a_then_old_e_and_f(backend, clock)
    ledger.record_many([e], actor="importer")  # alone, and dated before A: credited on its own
    alone = store.ledger.credit_history("v1")
    assert sorted((str(r.entry_id), r.valid_from, r.valid_to) for r in alone) == [
        ("test:a", NOW, None), ("test:e", NOW - timedelta(days=2), None),
    ]
    ledger.record_many([f], actor="importer")  # overlaps A: the volunteer is replayed
    records = store.ledger.records_of(["v1"])["v1"]
    for at, credited in (
        (NOW - timedelta(days=3, microseconds=1), 0),
        (NOW - timedelta(days=3), 180),
        (NOW - timedelta(days=2), 300),
        (NOW - timedelta(microseconds=1), 300),
        (NOW, 360),
    ):
        got = ledger.totals("v1", as_of=at)
        assert got.credited_minutes == credited
        assert got == totals_as_of(*records, NATIONAL, volunteer_id="v1", as_of=at)
    store.close()


@pytest.mark.parametrize("backend", ["memory", "sqlite"])
def test_an_isolated_old_entry_then_an_older_overlapping_one_in_one_call(backend, clock):
    """In one call, E is credited alone from its date, then F, older, replays from before it."""
    store, ledger, e, f = _stored_a_then_old_e_and_f(backend, clock)
    ledger.record_many([e, f], actor="importer")
    records = store.ledger.records_of(["v1"])["v1"]
    for at, credited in (
        (NOW - timedelta(days=3, microseconds=1), 0),
        (NOW - timedelta(days=3), 180),
        (NOW - timedelta(days=2, microseconds=1), 180),
        (NOW - timedelta(days=2), 300),
        (NOW, 360),
    ):
        got = ledger.totals("v1", as_of=at)
        assert got.credited_minutes == credited
        assert got == totals_as_of(*records, NATIONAL, volunteer_id="v1", as_of=at)
    open_rows = [r for r in store.ledger.credit_history("v1") if r.valid_to is None]
    assert sorted((str(r.entry_id), r.credited_minutes) for r in open_rows) == [
        ("test:a", 60), ("test:e", 120), ("test:f", 180),
    ]
    store.close()


def test_the_store_keeps_its_policy(store, clock):
    """A ledger with another policy on a store that has credit raises ConflictError."""
    Ledger(store, clock=clock, policy=NATIONAL).record(entry("a"), actor="vol")
    with pytest.raises(ConflictError) as info:
        Ledger(store, clock=clock, policy=attrs.evolve(NATIONAL, name="other"))
    assert info.value.code == "hours.setting_conflict"
    assert Ledger(store, clock=clock, policy=NATIONAL).policy == NATIONAL


def _refuses_another_policy(store, clock) -> None:
    with pytest.raises(ConflictError) as info:
        Ledger(store, clock=clock, policy=attrs.evolve(NATIONAL, name="other"))
    assert info.value.code == "hours.setting_conflict"


@pytest.mark.parametrize("backend", ["memory", "sqlite"])
def test_a_write_rolled_back_takes_the_policy_with_it_and_the_next_stores_it(backend, clock):
    """The policy is stored with the records it governs, however often a write is undone.

    A ledger that remembered having stored it would stop storing it once a rollback took it away,
    and a ledger with another policy could then write to the same store.
    """
    store = MemoryStore() if backend == "memory" else SQLiteStore(":memory:")
    ledger = Ledger(store, clock=clock, policy=NATIONAL, batch_size=1)

    def undone() -> None:
        with store.transaction():  # the caller's own transaction
            ledger.record(entry("a"), actor="vol")
            raise RuntimeError

    with pytest.raises(RuntimeError):
        undone()
    assert store.ledger.get_setting("policy") is None  # the rollback took it with the entry
    ledger.record(entry("b"), actor="vol")
    _refuses_another_policy(store, clock)

    store = MemoryStore() if backend == "memory" else SQLiteStore(":memory:")
    ledger = Ledger(store, clock=clock, policy=NATIONAL, batch_size=1)
    future = entry("f", recorded_at=NOW + timedelta(days=40))  # refused: service after now
    future = attrs.evolve(
        future, start=NOW + timedelta(days=30), end=NOW + timedelta(days=30, hours=1)
    )
    # the first batch wrote the policy, the second failed
    with pytest.raises(PolicyViolation) as info:
        ledger.record_many([entry("a"), future], actor="importer")
    assert (info.value.code, info.value.path) == ("hours.future_service", "$.entries[1].end")
    assert store.ledger.get_setting("policy") is None
    ledger.record(entry("b"), actor="vol")
    _refuses_another_policy(store, clock)


def test_a_policy_stored_in_another_form_is_the_same_policy(store, clock):
    """The stored policy is compared as a policy, not as text (an older release wrote it)."""
    text = json.dumps(json.loads(to_json(NATIONAL)), indent=2, sort_keys=True)
    assert text != to_json(NATIONAL)
    store.ledger.put_setting("policy", text)
    Ledger(store, clock=clock, policy=NATIONAL).record(entry("a"), actor="vol")
    assert store.ledger.get_setting("policy") == text
    _refuses_another_policy(store, clock)


def test_a_ledger_refuses_to_write_under_a_policy_stored_since_it_was_made(store, clock):
    """Two ledgers made on an empty store: the second to write finds the first's policy."""
    first = Ledger(store, clock=clock, policy=NATIONAL)
    other = Ledger(store, clock=clock, policy=attrs.evolve(NATIONAL, name="other"))
    other.record(entry("a"), actor="vol")
    with pytest.raises(ConflictError) as info:
        first.record(entry("b"), actor="vol")
    assert (info.value.code, info.value.path) == ("hours.setting_conflict", "$.policy")
    assert list(store.ledger.get_entries([EntryId(origin="test", local_id="b")])) == []


class _CountingReads:
    """A ledger repository that counts the ids of each ``get_entries`` call made through it."""

    def __init__(self, repo) -> None:
        self.repo = repo
        self.reads: list[int] = []

    def get_entries(self, ids):
        self.reads.append(len(ids))
        return self.repo.get_entries(ids)

    def __getattr__(self, name):
        return getattr(self.repo, name)


def _counting_reads(store) -> list[int]:
    """Count the ledger's reads of entries by id (call before making the ledger)."""
    store.ledger = _CountingReads(store.ledger)
    return store.ledger.reads


@pytest.mark.parametrize("backend", ["memory", "sqlite"])
def test_an_import_reads_nothing_first_and_a_reimport_finds_what_is_stored(backend, clock):
    """record_many guesses its entries are new, and the insert itself checks the guess.

    A wrong guess is undone and the batch done again reading first, as are the call's later
    batches: the outcome is the same either way.
    """
    store = MemoryStore() if backend == "memory" else SQLiteStore(":memory:")
    reads = _counting_reads(store)
    ledger = Ledger(store, clock=clock, policy=NATIONAL, batch_size=2)
    staff = entry("s", d=9, source=Source.ORGANIZATION)  # approved on entry
    first = [entry("a", d=1), entry("a", d=1), entry("b", d=2), staff]  # a replay in the batch
    assert ledger.record_many(first, actor="importer") == RecordResult(
        written=3, already_present=1, approved=1, batches=2
    )
    assert reads == []
    again = [*first, entry("c", d=3)]  # a resumed import: what is stored, then something new
    assert ledger.record_many(again, actor="importer") == RecordResult(
        written=1, already_present=4, approved=0, batches=3
    )
    assert reads == [2, 2, 1]  # wrong from the first batch on: each read first
    assert len(store.ledger.get_entries([e.id for e in again])) == 4
    audit = [*store.audit.query(action="hours.record_many"), *store.audit.query(action="hours.record")]
    assert sorted(a.subject_id for a in audit) == ["test:a", "test:b", "test:c"]
    assert ledger.totals("v1").credited_minutes == 180  # the staff entry's, once
    assert len(store.ledger.credit_history("v1")) == 1


@pytest.mark.parametrize("backend", ["memory", "sqlite"])
def test_a_stored_entry_past_its_deadline_is_present_not_refused(backend, clock):
    """A guess that fails the policy is checked against the store before the error is raised."""
    store = MemoryStore() if backend == "memory" else SQLiteStore(":memory:")
    reads = _counting_reads(store)
    policy = attrs.evolve(NATIONAL, backfill=BackfillDeadline(days=40))  # May 1 + 40: June 10
    ledger = Ledger(store, clock=clock, policy=policy)
    ledger.record_many([entry("a", d=1)], actor="vol")
    clock.advance(timedelta(days=30))
    assert ledger.record_many([entry("a", d=1)], actor="importer") == RecordResult(
        written=0, already_present=1, approved=0, batches=1
    )
    assert reads == [1]
    with pytest.raises(PolicyViolation) as info:
        ledger.record_many([entry("a", d=1), entry("b", d=1)], actor="importer")
    assert (info.value.code, info.value.path) == ("hours.backfill_deadline", "$.entries[1].recorded_at")
    assert reads == [1, 2]


@pytest.mark.parametrize("backend", ["memory", "sqlite"])
def test_approve_many_replays_only_the_groups_of_overlapping_service_it_changed(
    backend, clock, monkeypatch
):
    """b (09-12) and c (11-13) overlap: their group is replayed, not a (credited) nor d (alone)."""
    store = MemoryStore() if backend == "memory" else SQLiteStore(":memory:")
    ledger = Ledger(store, clock=clock, policy=NATIONAL)
    a, b, c, d = entry("a", d=1), entry("b", d=3), entry("c", d=3, h1=11, h2=13), entry("d", d=5)
    ledger.record_many([a, b, c, d], actor="vol")
    ledger.approve(a.id, actor="lead")
    replayed: list[list[str]] = []
    replay = Ledger._replay

    def spy(self, volunteer_id, records, base, instants, certified):
        replayed.append(sorted(e.id.local_id for e in records[0]))
        assert all(key[0].local_id in replayed[-1] for key in base)  # the group's rows only
        return replay(self, volunteer_id, records, base, instants, certified)

    monkeypatch.setattr(Ledger, "_replay", spy)
    t1 = clock.advance(timedelta(hours=1))
    assert ledger.approve_many([b.id, c.id, d.id], actor="lead") == 3
    assert replayed == [["b", "c"]]
    rows = sorted(
        (r.entry_id.local_id, r.credited_minutes, r.valid_from, r.valid_to)
        for r in store.ledger.credit_history("v1")
    )
    assert rows == [
        ("a", 180, NOW, None), ("b", 180, t1, None), ("c", 60, t1, None), ("d", 180, t1, None),
    ]
    assert ledger.totals("v1").credited_minutes == 600


def test_weighted_credit_must_fit_six_decimal_places(store, clock):
    """Multipliers whose product could need more than 6 decimal places are refused."""
    policy = AccrualPolicy(
        name="fine",
        weighting=Weighting(
            categories=(CategoryMultiplier(category="c", multiplier=Decimal("1.0001")),),
            time_windows=(
                TimeWindowMultiplier(start="22:00", end="06:00", multiplier=Decimal("1.001")),
            ),
        ),
    )
    with pytest.raises(InvalidPolicy) as info:
        Ledger(store, clock=clock, policy=policy)
    assert (info.value.code, info.value.path) == (
        "hours.policy.multiplier_precision", "$.weighting",
    )


@pytest.mark.parametrize("backend", ["memory", "sqlite"])
@pytest.mark.parametrize(
    ("change", "code", "path"),
    [
        (
            {"weighting": Weighting(categories=(
                CategoryMultiplier(category="community", multiplier=Decimal("1e20")),
            ))},
            "hours.policy.multiplier_range", "$.weighting",
        ),
        (
            {"weighting": Weighting(
                categories=(CategoryMultiplier(category="community", multiplier=Decimal(1001)),),
                time_windows=(
                    TimeWindowMultiplier(start="22:00", end="06:00", multiplier=Decimal(1000)),
                ),
            )},
            "hours.policy.multiplier_range", "$.weighting",
        ),
        (
            {"rounding": Rounding(
                unit_minutes=10**19, mode=RoundingMode.UP, scope=RoundingScope.PER_ENTRY
            )},
            "hours.policy.unit_range", "$.rounding.unit_minutes",
        ),
    ],
)  # fmt: skip
def test_credit_that_cannot_fit_the_stores_is_refused_by_every_backend(
    backend, clock, change, code, path
):
    """A policy whose credit rows could overflow 64-bit integers is refused up front.

    SQLite used to raise a bare OverflowError on the first credited entry while the memory store
    answered, so the backends disagreed.
    """
    store = MemoryStore() if backend == "memory" else SQLiteStore(":memory:")
    policy = AccrualPolicy(name="big", approval=NATIONAL.approval, **change)
    with pytest.raises(InvalidPolicy) as info:
        Ledger(store, clock=clock, policy=policy)
    assert (info.value.code, info.value.path) == (code, path)


@pytest.mark.parametrize("backend", ["memory", "sqlite"])
def test_the_largest_weight_and_unit_allowed_fit_every_backend(backend, clock):
    """A weight of 1,000,000 and a unit of 1,000,000 minutes are stored and totalled exactly."""
    store = MemoryStore() if backend == "memory" else SQLiteStore(":memory:")
    policy = AccrualPolicy(
        name="edge",
        approval=NATIONAL.approval,
        rounding=Rounding(unit_minutes=10**6, mode=RoundingMode.UP, scope=RoundingScope.PER_DAY),
        weighting=Weighting(
            categories=(CategoryMultiplier(category="community", multiplier=Decimal(1000)),),
            time_windows=(
                TimeWindowMultiplier(start="00:00", end="23:59", multiplier=Decimal(1000)),
            ),
        ),
    )
    ledger = Ledger(store, clock=clock, policy=policy)
    ledger.record(entry("a", source=Source.ORGANIZATION), actor="org")
    total = ledger.totals("v1").total
    # 180 minutes rounded up to one unit; every minute (and the ones rounding adds) weighs 10**6
    assert (total.raw, total.credited, total.weighted) == (180, 10**6, Decimal(10**12))


def test_weighted_credit_is_exact(store, clock):
    """Weighted minutes come back from the store as the exact Decimal the core computes."""
    policy = AccrualPolicy(
        name="w",
        approval=NATIONAL.approval,
        weighting=Weighting(
            categories=(CategoryMultiplier(category="community", multiplier=Decimal("1.25")),)
        ),
    )
    ledger = Ledger(store, clock=clock, policy=policy)
    ledger.record(entry("a", h2=10, source=Source.ORGANIZATION), actor="staff")  # 60 minutes
    assert ledger.totals("v1").weighted_minutes == Decimal("75")
    assert ledger.minutes_by(())[()].weighted == Decimal("75")


def test_approve_many_is_atomic(ledger, store):
    """One unknown id in approve_many: error at its index, no event written."""
    ledger.record_many([entry("a"), entry("b", d=2)], actor="vol")
    ids = [EntryId(origin="test", local_id=x) for x in ("a", "nope", "b")]
    with pytest.raises(UnknownEntry) as info:
        ledger.approve_many(ids, actor="lead")
    assert info.value.path == "$.entry_ids[1]"
    assert store.ledger.count_events() == 0
    assert ledger.approve_many([ids[0], ids[2]], actor="lead") == 2
    assert ledger.totals("v1", CalendarYear(year=2026)).credited_minutes == 360


def test_record_result_counts(ledger):
    """RecordResult counts written, present (also as 'unchanged'), approved and batches."""
    result = ledger.record_many(
        [entry("a"), entry("a"), entry("b", source=Source.ORGANIZATION)], actor="x"
    )
    assert result == RecordResult(written=2, already_present=1, approved=1, batches=1)
    assert (result.unchanged, result.total) == (1, 3)


def test_a_repeat_in_one_batch_is_compared_with_the_decided_entry(ledger, store):
    """An organization entry is approved on entry: its repeat is present, a changed one clashes."""
    org = entry("o", source=Source.ORGANIZATION)
    result = ledger.record_many([org, org], actor="x")
    assert result == RecordResult(written=1, already_present=1, approved=1, batches=1)
    assert ledger.totals("v1").credited_minutes == 180
    changed = entry("p", d=2, h2=11, source=Source.ORGANIZATION)
    with pytest.raises(ConflictError) as info:
        ledger.record_many([entry("p", source=Source.ORGANIZATION), changed], actor="x")
    assert (info.value.code, info.value.path) == ("hours.entry_conflict", "$.entries[1].id")
    assert store.ledger.count_entries() == 1


@pytest.mark.parametrize("by", ["planet", 5, None, [["day"]]])
def test_unknown_grouping_is_refused(ledger, by):
    """minutes_by with an unknown key, or a grouping that is not keys, raises a typed error.

    A number or ``None`` used to escape as a bare TypeError ("object is not iterable").
    """
    with pytest.raises(InvalidPolicy) as info:
        ledger.minutes_by(by)
    assert (info.value.code, info.value.path) == ("hours.invalid_grouping", "$.by")


def test_state_as_of_before_recording_is_unknown(ledger):
    """state() as of an instant before the entry was recorded raises UnknownEntry."""
    ledger.record(entry("a"), actor="vol")
    with pytest.raises(UnknownEntry):
        ledger.state(EntryId(origin="test", local_id="a"), as_of=NOW - timedelta(seconds=1))


def test_credit_rows_start_in_utc_whatever_the_clock_zone(store):
    """A clock in +08:00 dates credit rows by the same instants, kept in UTC, on both paths."""
    clock = FixedClock(NOW.astimezone(SH))
    ledger = Ledger(store, clock=clock, policy=NATIONAL)
    ledger.record_many([entry("a", h1=9, h2=11), entry("b", h1=10, h2=12)], actor="vol")
    ledger.approve(entry("a").id, actor="lead")  # alone: credited on its own
    clock.advance(timedelta(hours=1))
    ledger.approve(entry("b").id, actor="lead")  # overlaps a: the volunteer is replayed
    rows = store.ledger.credit_history("v1")
    assert {(str(r.entry_id), r.credited_minutes, r.valid_from, r.valid_to) for r in rows} == {
        ("test:a", 120, NOW, None),
        ("test:b", 60, NOW + timedelta(hours=1), None),  # the overlap counted once
    }
    assert all(r.valid_from.tzinfo is UTC for r in rows)
