"""Set-based approval of plain entries on the SQL stores (``hours.store.DirectApproval``).

Exact values, worked by hand from the UTC instants and the zones' offsets (Asia/Kathmandu is
+05:45 all year; America/New_York changes from EDT -4 to EST -5 at 2026-11-01T06:00Z). The
property that the rows equal the core's on every local day is in the conformance suite
(``test_plain_approvals_equal_the_core_day_by_day``); these tests pin each rule that decides
whether an entry is plain, and what the store writes for one.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import pytest

from volunteerkit import FixedClock
from volunteerkit._ids import uuid7_time
from volunteerkit.errors import IntegrityError
from volunteerkit.hours import (
    NATIONAL,
    Approved,
    CategoryMultiplier,
    EntryId,
    InvalidEvent,
    Minutes,
    ServiceEntry,
    Source,
    UnknownEntry,
    Voided,
    Weighting,
)
from volunteerkit.hours.ledger import Ledger
from volunteerkit.hours.store import DirectApproval
from volunteerkit.stores import MemoryStore, SQLiteStore

KATHMANDU = ZoneInfo("Asia/Kathmandu")
NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2026, 11, 20, tzinfo=UTC)
POLICY = attrs.evolve(
    NATIONAL,
    name="national-weighted",
    max_record_minutes=None,
    weighting=Weighting(
        categories=(CategoryMultiplier(category="rescue", multiplier=Decimal("1.5")),)
    ),
)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[Any]:
    if request.param == "sqlite":
        made = SQLiteStore(tmp_path / "direct.db")
    else:
        made = request.getfixturevalue("make_postgres_store")()
    yield made
    made.close()


def _entry(key: str, start: datetime, minutes: int, **changes: Any) -> ServiceEntry:
    fields: dict[str, Any] = {
        "id": EntryId(origin="t", local_id=key),
        "volunteer_id": "v1",
        "organization_id": "org",
        "category": "rescue",
        "start": start,
        "end": start + timedelta(minutes=minutes),
        "zone": KATHMANDU,
        "source": Source.SELF_DECLARED,
        "recorded_by": "r",
        "recorded_at": NOW - timedelta(days=1),
    }
    fields.update(changes)
    return ServiceEntry(**fields)


class _Undo(Exception):
    """Raised to roll back a trial of ``approve_direct``."""


def _found(store: Any, keys: list[str], *, at: datetime = NOW, certified: bool = True) -> set[str]:
    """What ``approve_direct`` approves of ``keys``, in a transaction then rolled back.

    Also checks what it returns (the positions left alone, ascending) and ``plain_volunteers``.
    """
    found: set[str] = set()
    events = store.ledger.count_events()

    def trial() -> None:
        nonlocal found
        with store.transaction():
            skipped = store.ledger.approve_direct(
                keys, at=at, actor="lead", reason="", event_prefix="local:0000-0000-7000-",
                event_start=0, certified_in_store=certified,
            )
            assert skipped == sorted(set(skipped))
            assert all(0 <= i < len(keys) for i in skipped)
            found = {k for i, k in enumerate(keys) if i not in skipped}
            assert store.ledger.count_events() == events + len(found)  # one event each
            approved = store.ledger.get_entries([EntryId.parse(k) for k in found])
            assert len(approved) == len(found)
            volunteers = sorted({e.volunteer_id for e in approved.values()})
            assert store.ledger.plain_volunteers() == volunteers
            raise _Undo

    with pytest.raises(_Undo):
        trial()
    assert store.ledger.count_events() == events
    return found


def _plain(store: Any, *entries: ServiceEntry, at: datetime = NOW) -> set[str]:
    return _found(store, [str(e.id) for e in entries], at=at)


# 17:00Z is 22:45 in Kathmandu: three hours less a 15-minute break end at 19:45Z, 01:30 local.
OVERNIGHT = _entry("night", datetime(2026, 5, 1, 17, tzinfo=UTC), 180, break_minutes=15)


def test_an_overnight_entry_in_kathmandu_is_credited_per_local_day(store: Any) -> None:
    """75 minutes on 1 May (22:45-24:00), 90 on 2 May (00:00-01:30); rescue weighs 1.5."""
    ledger = Ledger(store, clock=FixedClock(NOW), policy=POLICY, home_region=lambda v: "beijing")
    ledger.record_many([OVERNIGHT], actor="r")
    assert _plain(store, OVERNIGHT) == {"t:night"}
    assert ledger.approve_many([OVERNIGHT.id], actor="lead") == 1
    rows = [
        (r.local_date, r.raw_minutes, r.credited_minutes, r.weighted_micro, r.valid_from,
         r.valid_to, r.region, r.category, r.organization_id)
        for r in store.ledger.credit_history("v1")
    ]
    assert rows == [
        (20260501, 75, 75, 112_500_000, NOW, None, "beijing", "rescue", "org"),
        (20260502, 90, 90, 135_000_000, NOW, None, "beijing", "rescue", "org"),
    ]
    history = ledger.state(OVERNIGHT.id).history
    assert len(history) == 1 and history[0].actor == "lead" and history[0].at == NOW
    event_id = history[0].id
    assert event_id.origin == "local"
    pattern = r"[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"
    assert re.fullmatch(pattern, event_id.local_id)
    assert uuid7_time(uuid.UUID(event_id.local_id)) == int(NOW.timestamp() * 1000)
    assert ledger.totals("v1").credited_minutes == 165


def test_event_ids_count_up_in_batch_order(store: Any) -> None:
    """One call's event ids share time and rand_a; rand_b counts up by one, batch after batch."""
    ledger = Ledger(store, clock=FixedClock(NOW), policy=POLICY, batch_size=150)
    day = datetime(2026, 6, 1, 2, tzinfo=UTC)
    entries = [_entry(f"e{i}", day + timedelta(hours=2 * i), 60) for i in range(300)]
    ledger.record_many(entries, actor="r")
    assert len(_plain(store, *entries)) == 300
    ledger.approve_many([e.id for e in entries], actor="lead")
    ids = [uuid.UUID(ledger.state(e.id).history[0].id.local_id).int for e in entries]
    for batch in (ids[:150], ids[150:]):
        assert len({i >> 62 for i in batch}) == 1  # time, version, rand_a and variant
        assert [i - batch[0] for i in batch] == list(range(150))
    assert ids[0] >> 62 != ids[150] >> 62 or ids[150] - ids[0] != 150  # each call draws anew


def test_a_later_event_at_the_approvals_instant_takes_no_other_entrys_id(store: Any) -> None:
    """Voiding entries at the instant of their set-based approval, which numbered its ids.

    Each void must sort after the entry's approval at the same instant. It used to take the
    approval's id plus one, which is the next entry's approval: refused as
    ``hours.event_conflict`` for about half the entries (the id drawn at random sorts first about
    half the time). A void now draws its id above the approval's, in the same millisecond.
    """
    ledger = Ledger(store, clock=FixedClock(NOW), policy=POLICY)
    day = datetime(2026, 6, 1, 2, tzinfo=UTC)
    entries = [_entry(f"e{i}", day + timedelta(hours=2 * i), 60) for i in range(40)]
    ledger.record_many(entries, actor="r")
    assert ledger.approve_many([e.id for e in entries], actor="lead") == 40
    for e in entries:
        ledger.void(e.id, actor="lead", reason="duplicate")
    for e in entries:
        approved, voided = ledger.state(e.id).history
        assert (type(approved), type(voided)) == (Approved, Voided)
        assert (approved.at, voided.at) == (NOW, NOW)
        assert voided.id.local_id > approved.id.local_id
        assert uuid7_time(voided.id.local_id) == uuid7_time(approved.id.local_id)
        assert uuid.UUID(voided.id.local_id).version == 7
    assert ledger.totals("v1").total == Minutes()


def _record(store: Any, *entries: ServiceEntry) -> Ledger:
    ledger = Ledger(store, clock=FixedClock(NOW), policy=POLICY)
    ledger.record_many(list(entries), actor="r")
    return ledger


def test_an_entry_across_an_offset_change_is_not_plain(store: Any) -> None:
    """New York at 2026-11-01T06:00Z: an entry over it is split by the replay, exactly."""
    across = _entry("across", datetime(2026, 11, 1, 4, tzinfo=UTC), 30 * 60, zone=NEW_YORK)
    before = _entry("before", datetime(2026, 10, 30, 4, tzinfo=UTC), 60, zone=NEW_YORK)
    ledger = _record(store, across, before)
    assert _plain(store, across, before) == {"t:before"}
    ledger.approve_many([across.id, before.id], actor="lead")
    # local midnight of 2 November is 05:00Z (EST): 04:00Z-05:00Z next day is 25 hours
    days = [(r.local_date, r.raw_minutes) for r in store.ledger.credit_history("v1")]
    assert days == [(20261030, 60), (20261101, 1500), (20261102, 300)]


def test_an_entry_with_an_event_is_not_plain(store: Any) -> None:
    entry = _entry("e", datetime(2026, 6, 1, 2, tzinfo=UTC), 60)
    ledger = _record(store, entry)
    ledger.reject(entry.id, actor="lead", reason="no")
    assert _plain(store, entry) == set()


def test_an_entry_recorded_approved_is_not_plain(store: Any) -> None:
    entry = _entry("e", datetime(2026, 6, 1, 2, tzinfo=UTC), 60, source=Source.ORGANIZATION)
    _record(store, entry)
    assert _plain(store, entry) == set()


def test_overlapping_entries_are_not_plain_but_back_to_back_ones_are(store: Any) -> None:
    start = datetime(2026, 6, 1, 2, tzinfo=UTC)
    a = _entry("a", start, 60)
    b = _entry("b", start + timedelta(minutes=59), 60)
    c = _entry("c", start + timedelta(minutes=119), 60)  # starts as b ends
    other = _entry("d", start, 60, volunteer_id="v2")  # another volunteer's
    _record(store, a, b, c, other)
    assert _plain(store, a, b, c, other) == {"t:c", "t:d"}


def test_a_volunteer_with_a_correction_has_no_plain_entry(store: Any) -> None:
    start = datetime(2026, 6, 1, 2, tzinfo=UTC)
    a = _entry("a", start, 60)
    b = _entry("b", start + timedelta(days=1), 60)
    ledger = _record(store, a, b)
    ledger.correct(a.id, actor="lead", reason="fix", end=b.end)  # a now covers b
    assert _plain(store, b) == set()


def test_long_early_future_dated_or_unknown_entries_are_not_plain(store: Any) -> None:
    start = datetime(2026, 6, 1, 2, tzinfo=UTC)
    long = _entry("long", start, 48 * 60 + 16, break_minutes=15)  # 48 h 1 min served
    limit = _entry("limit", start - timedelta(days=5), 48 * 60 + 15, break_minutes=15)
    early = _entry("early", datetime(1970, 1, 1, 23, tzinfo=UTC), 60)
    late = _entry("late", start + timedelta(days=10), 60, recorded_at=NOW + timedelta(hours=1))
    _record(store, long, limit, early, late)
    assert _found(store, ["t:long", "t:limit", "t:early", "t:late", "t:unknown"]) == {"t:limit"}
    assert _plain(store, late, at=NOW + timedelta(hours=1)) == {"t:late"}


def test_service_in_utc_year_9999_is_left_to_the_replay(store: Any) -> None:
    """Year 9999's offset spans would end in year 10000, past the calendar: not plain.

    approve_many raised a bare ValueError for the whole batch; the replay credits it, as the
    memory store does: 09:00-12:00 on 1 May 9999 in Kathmandu is 180 minutes, and an entry
    ending in 9998 is still plain.
    """
    ledger = Ledger(
        store,
        clock=FixedClock(NOW),
        policy=attrs.evolve(POLICY, refuse_future_service=False),
    )
    far = _entry("far", datetime(9999, 5, 1, 9, tzinfo=KATHMANDU), 180)
    near = _entry("near", datetime(9998, 12, 31, 20, tzinfo=UTC), 180, volunteer_id="v2")
    ledger.record_many([far, near], actor="r")
    assert _plain(store, far, near) == {"t:near"}
    assert ledger.approve_many([far.id, near.id], actor="lead") == 2
    days = [(r.local_date, r.raw_minutes) for r in store.ledger.credit_history("v1")]
    assert days == [(99990501, 180)]
    days = [(r.local_date, r.raw_minutes) for r in store.ledger.credit_history("v2")]
    assert days == [(99990101, 180)]  # 20:00Z-23:00Z is 01:45-04:45 on 1 January 9999 there


def test_an_offset_with_seconds_is_left_to_the_replay(store: Any) -> None:
    """Liberia kept -00:44:30 until 1972: local midnight falls inside a minute, so not plain."""
    monrovia = ZoneInfo("Africa/Monrovia")
    old = _entry("old", datetime(1971, 6, 1, 12, tzinfo=UTC), 60, zone=monrovia)
    new = _entry("new", datetime(1973, 6, 1, 12, tzinfo=UTC), 60, zone=monrovia)
    _record(store, old, new)
    assert _plain(store, old, new) == {"t:new"}
    assert _plain(store, old) == set()  # one span, its offset not in whole minutes


def test_one_zone_across_an_offset_change_still_drops_its_entry(store: Any) -> None:
    """Kathmandu's entries lie in one span; New York's two spans still need the check."""
    across = _entry("across", datetime(2026, 11, 1, 4, tzinfo=UTC), 30 * 60, zone=NEW_YORK)
    calm = _entry("calm", datetime(2026, 11, 3, 4, tzinfo=UTC), 60, volunteer_id="v2")
    _record(store, across, calm)
    assert _plain(store, across, calm) == {"t:calm"}
    assert _plain(store, calm, across) == {"t:calm"}


def test_an_entry_across_the_utc_new_year_is_left_to_the_replay(store: Any) -> None:
    """Spans are kept per zone and UTC year: one across 1 January 00:00Z is in none whole.

    22:00Z-02:00Z is 03:45-07:45 on 1 January in Kathmandu: one local day, credited by the
    replay. The zone's other entry, inside 2026, stays plain in the same batch.
    """
    across = _entry("across", datetime(2026, 12, 31, 22, tzinfo=UTC), 240)
    calm = _entry("calm", datetime(2026, 12, 30, 2, tzinfo=UTC), 60)
    at = datetime(2027, 1, 2, tzinfo=UTC)
    ledger = Ledger(store, clock=FixedClock(at), policy=POLICY)
    ledger.record_many([across, calm], actor="r")
    assert _plain(store, across, calm, at=at) == {"t:calm"}
    assert ledger.approve_many([across.id, calm.id], actor="lead") == 2
    days = [(r.local_date, r.raw_minutes, r.valid_from) for r in store.ledger.credit_history("v1")]
    assert sorted(days) == [(20261230, 60, at), (20270101, 240, at)]


def test_spans_are_kept_for_later_batches_and_loaded_again_after_a_rollback(store: Any) -> None:
    """Each zone's year is loaded once, inserted again (doing nothing) when a batch needs it.

    Every ``_plain`` trial is rolled back with the spans it loaded; the approvals after it
    credit exactly all the same.
    """
    first = _entry("first", datetime(2026, 6, 1, 2, tzinfo=UTC), 60)
    second = _entry("second", datetime(2026, 7, 1, 2, tzinfo=UTC), 60, zone=NEW_YORK)
    ledger = _record(store, first, second)
    assert _plain(store, first) == {"t:first"}
    assert ledger.approve_many([first.id], actor="lead") == 1
    assert _plain(store, second) == {"t:second"}
    assert ledger.approve_many([second.id], actor="lead") == 1
    spans = store._db.fetchall(
        "SELECT zone, count(*) FROM vk_direct_spans GROUP BY zone ORDER BY zone"
    )
    # Kathmandu: 2026 whole, one offset; New York: EST, EDT from 8 March, EST from 1 November
    assert [(str(z), int(n)) for z, n in spans] == [("America/New_York", 3), ("Asia/Kathmandu", 1)]
    days = [(r.entry_id.local_id, r.local_date, r.raw_minutes) for r in store.ledger.credit_history("v1")]
    assert sorted(days) == [("first", 20260601, 60), ("second", 20260630, 60)]


def test_an_entry_with_certified_credit_in_the_store_is_not_plain(store: Any) -> None:
    entry = _entry("moved", datetime(2026, 6, 1, 2, tzinfo=UTC), 60)
    _record(store, entry)
    t = store._db.to_db_time(NOW)
    store._db.execute(
        "INSERT INTO vk_transfer_transfers VALUES (?, ?, ?, ?, ?, ?, ?)",
        ("tr1", "destination", "v1", "a", "b", "{}", t),
    )
    store._db.execute(
        "INSERT INTO vk_transfer_entries VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        ("t:moved", "v1", "tr1", "p1", "a", "c", "c", t, t, 60, "[]", False, t),
    )
    assert _plain(store, entry) == set()
    assert _found(store, ["t:moved"], certified=False) == {"t:moved"}


def test_approve_direct_refuses_an_id_listed_twice(store: Any) -> None:
    entry = _entry("e", datetime(2026, 6, 1, 2, tzinfo=UTC), 60)
    _record(store, entry)
    with pytest.raises(IntegrityError) as info:
        store.ledger.approve_direct(
            ["t:e", "t:e"], at=NOW, actor="lead", reason="", event_prefix="local:0000-0000-7000-",
            event_start=0, certified_in_store=True,
        )
    assert info.value.code == "hours.direct_repeated"
    assert store.ledger.count_events() == 0


def test_credit_direct_credits_the_approved_entries_once(store: Any) -> None:
    """The rows follow the events of the last approve_direct; a second call writes nothing."""
    start = datetime(2026, 6, 1, 2, tzinfo=UTC)
    a, b = _entry("a", start, 60), _entry("b", start + timedelta(days=1), 90, volunteer_id="v2")
    _record(store, a, b)
    assert store.ledger.credit_direct(at=NOW, multipliers={}, regions={}) == 0  # none approved
    with store.transaction():
        skipped = store.ledger.approve_direct(
            ["t:x", "t:b", "t:a"], at=NOW, actor="lead", reason="",
            event_prefix="local:0000-0000-7000-", event_start=5, certified_in_store=True,
        )
        assert skipped == [0]  # t:x is unknown
        assert store.ledger.plain_volunteers() == ["v1", "v2"]
        written = store.ledger.credit_direct(
            at=NOW, multipliers={"rescue": 2_000_000}, regions={"v2": "yunnan"}
        )
        assert written == 2
        assert store.ledger.credit_direct(at=NOW, multipliers={}, regions={}) == 0
    rows = [
        (r.volunteer_id, r.entry_id, r.local_date, r.raw_minutes, r.weighted_micro, r.region)
        for v in ("v1", "v2")
        for r in store.ledger.credit_history(v)
    ]
    # 02:00Z is 07:45 in Kathmandu: both entries lie inside their local day
    assert rows == [
        ("v1", EntryId(origin="t", local_id="a"), 20260601, 60, 120_000_000, None),
        ("v2", EntryId(origin="t", local_id="b"), 20260602, 90, 180_000_000, "yunnan"),
    ]
    # the i-th id's event has rand_b event_start + i: "t:b" is second (5 + 1), "t:a" third
    tails = {str(e): store.ledger.entry_events(e)[0].id.local_id[-12:] for e in (a.id, b.id)}
    assert tails == {"t:a": "000000000007", "t:b": "000000000006"}


class _Spy:
    """Counts the entries a ledger's store approves with set-based SQL."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self.handed: list[str] = []
        inner = store.ledger.approve_direct

        def approve_direct(entry_ids: list[str], **kwargs: Any) -> list[int]:
            skipped: list[int] = inner(entry_ids, **kwargs)
            self.handed += [k for i, k in enumerate(entry_ids) if i not in skipped]
            return skipped

        store.ledger.approve_direct = approve_direct


def test_the_ledger_hands_plain_entries_to_the_store_only_under_a_plain_policy(
    tmp_path: Any,
) -> None:
    start = datetime(2026, 6, 1, 2, tzinfo=UTC)
    entries = [_entry(f"e{i}", start + timedelta(days=i), 60) for i in range(3)]
    twice = [entries[0].id, entries[1].id, entries[0].id]
    capped = attrs.evolve(POLICY, name="capped", daily_cap_minutes=480)
    for policy, handed in ((POLICY, ["t:e0", "t:e1", "t:e2"]), (capped, [])):
        store = SQLiteStore(tmp_path / f"{policy.name}.db")
        spy = _Spy(store)
        ledger = Ledger(store, clock=FixedClock(NOW), policy=policy)
        ledger.record_many(entries, actor="r")
        with pytest.raises(InvalidEvent) as info:
            ledger.approve_many(twice, actor="lead")  # a repeated id: refused, nothing written
        assert (info.value.code, info.value.path) == ("hours.invalid_transition", "$.entry_ids[2]")
        assert store.ledger.count_events() == 0
        assert store._db.fetchall("SELECT count(*) FROM vk_hours_credit") == [(0,)]
        spy.handed.clear()  # e1 was approved by the store, then undone with the call
        ledger.approve_many([e.id for e in entries], actor="lead")
        assert spy.handed == handed
        store.close()
    assert isinstance(SQLiteStore(":memory:").ledger, DirectApproval)
    assert not isinstance(MemoryStore().ledger, DirectApproval)


def test_a_ledger_with_its_own_certified_source_credits_in_python(tmp_path: Any) -> None:
    store = SQLiteStore(tmp_path / "own.db")
    spy = _Spy(store)
    entry = _entry("e", datetime(2026, 6, 1, 2, tzinfo=UTC), 60)

    class NoCertified:
        def certified_credit(self, volunteer_ids: Any) -> dict[EntryId, Any]:
            return {}

    ledger = Ledger(store, clock=FixedClock(NOW), policy=POLICY, certified=NoCertified())
    ledger.record_many([entry], actor="r")
    ledger.approve_many([entry.id], actor="lead")
    assert spy.handed == []
    assert ledger.totals("v1").credited_minutes == 60
    store.close()


def test_an_approval_the_event_refuses_never_reaches_the_store(tmp_path: Any) -> None:
    """An empty actor is refused at $.actor before any entry is looked at, even with none.

    Before, it was refused at the first entry ($.entry_ids[0].actor), after unknown ids, and a
    call with no entries accepted it.
    """
    store = SQLiteStore(tmp_path / "actor.db")
    spy = _Spy(store)
    start = datetime(2026, 6, 1, 2, tzinfo=UTC)
    entries = [_entry(f"e{i}", start + timedelta(days=i), 60) for i in range(2)]
    ledger = _record(store, *entries)
    unknown = EntryId(origin="t", local_id="unknown")
    for ids in ([entries[0].id, entries[1].id, unknown], [e.id for e in entries], []):
        with pytest.raises(InvalidEvent) as refused:
            ledger.approve_many(ids, actor="")
        assert (refused.value.code, refused.value.path) == ("hours.invalid_event", "$.actor")
    assert spy.handed == []
    with pytest.raises(UnknownEntry) as missing:
        ledger.approve_many([entries[0].id, entries[1].id, unknown], actor="lead")
    assert missing.value.path == "$.entry_ids[2]"
    spy.handed.clear()  # handed, then rolled back with the rest of the call
    assert store.ledger.count_events() == 0
    assert ledger.approve_many([e.id for e in entries], actor="lead") == 2
    assert spy.handed == ["t:e0", "t:e1"]
    store.close()


@pytest.mark.postgres
def test_postgres_turns_jit_off_for_the_search_alone(make_postgres_store: Any) -> None:
    """The session's own jit setting is back once the plain entries are found."""
    store = make_postgres_store()
    entry = _entry("e", datetime(2026, 6, 1, 2, tzinfo=UTC), 60)
    _record(store, entry)
    for session in ("on", "off"):
        store._db.execute(f"SET jit = {session}")
        with store.transaction():
            skipped = store.ledger.approve_direct(
                [str(entry.id)], at=NOW, actor="lead", reason="",
                event_prefix="local:0000-0000-7000-", event_start=0, certified_in_store=True,
            )
            assert skipped == ([] if session == "on" else [0])  # approved the first time
            store.ledger.credit_direct(at=NOW, multipliers={}, regions={})
            assert store._db.fetchall("SELECT current_setting('jit')") == [(session,)]
    store.close()
