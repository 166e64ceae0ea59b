"""Conformance suite of the hours ledger's storage contract, for every store backend.

Subclass the classes with a ``make_store`` fixture (see :mod:`volunteerkit.testing.conformance`)::

    class TestMyStoreHours(LedgerRepositoryConformance, LedgerServiceConformance):
        @pytest.fixture
        def make_store(self, tmp_path): ...

* :class:`LedgerRepositoryConformance`: the repository's own contract (records round-trip exactly,
  replays are no-ops, clashes write nothing, credit rows only shrink, grouped sums).
* :class:`LedgerServiceConformance`: :class:`~volunteerkit.hours.ledger.Ledger` on the store gives
  the exact totals and aggregates of a worked scenario, the same as on the in-memory reference
  store, and a Hypothesis property: after any sequence of record, approve, reject, void, correct
  and reverse, the store's totals as of any instant equal the pure core's
  :func:`~volunteerkit.hours.totals_as_of` over the same records.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from volunteerkit._clock import FixedClock
from volunteerkit.errors import (
    ConflictError,
    IntegrityError,
    NotFoundError,
    VolunteerkitError,
)
from volunteerkit.hours import (
    LIFETIME,
    AccrualPolicy,
    ApprovalMode,
    ApprovalRule,
    Approved,
    CalendarYear,
    CategoryMultiplier,
    Corrected,
    CorrectionKind,
    DateRange,
    EntryId,
    EventId,
    InvalidEntry,
    LedgerEvent,
    Minutes,
    PolicyViolation,
    Rejected,
    RollingMonths,
    Rounding,
    RoundingMode,
    RoundingScope,
    ServiceEntry,
    Source,
    Status,
    Voided,
    Weighting,
    Window,
    accrue,
    fold,
    totals_as_of,
)
from volunteerkit.hours.ledger import Ledger
from volunteerkit.hours.models import MAX_MINUTES
from volunteerkit.hours.store import CreditClose, CreditRow, GroupKey, LedgerStore, Query
from volunteerkit.testing.conformance import StoreFactory, _Base
from volunteerkit.testing.strategies_hours import ledger_policies, service_entries

__all__ = [
    "SCENARIO_POLICY",
    "LedgerRepositoryConformance",
    "LedgerServiceConformance",
    "run_scenario",
]

SHANGHAI = ZoneInfo("Asia/Shanghai")
KATHMANDU = ZoneInfo("Asia/Kathmandu")
YANGON = ZoneInfo("Asia/Yangon")
UTC_ZONE = ZoneInfo("UTC")
_T0 = datetime(2026, 11, 28, 9, 0, tzinfo=SHANGHAI)

SCENARIO_POLICY = AccrualPolicy(
    name="scenario",
    rounding=Rounding(unit_minutes=30, mode=RoundingMode.DOWN, scope=RoundingScope.PER_DAY),
    daily_cap_minutes=480,
    approval=ApprovalRule(mode=ApprovalMode.SUBMIT, auto_approve_organization_entries=True),
    weighting=Weighting(
        categories=(CategoryMultiplier(category="emergency", multiplier=Decimal("1.5")),)
    ),
)
"""The worked scenario's policy: 8 h a day, half hours rounded down per day, emergencies × 1.5."""

_REGIONS = {"v1": "beijing", "v2": "yunnan"}


def _entry(
    local_id: str,
    volunteer: str,
    start: datetime,
    end: datetime,
    zone: ZoneInfo,
    *,
    organization: str = "org-a",
    category: str = "community",
    source: Source = Source.ORGANIZATION,
    break_minutes: int = 0,
    recorded_at: datetime = _T0,
) -> ServiceEntry:
    return ServiceEntry(
        id=EntryId(origin="conf", local_id=local_id),
        volunteer_id=volunteer,
        organization_id=organization,
        category=category,
        start=start,
        end=end,
        zone=zone,
        break_minutes=break_minutes,
        source=source,
        recorded_by="staff-1",
        recorded_at=recorded_at,
        note="志愿服务 ✓",
    )


def run_scenario(store: LedgerStore) -> tuple[Ledger, list[datetime]]:
    """Run the worked scenario on ``store`` and return the ledger and its four instants.

    At T0 four entries are recorded: A (v1, Beijing, 180 min, approved on entry), B (v1,
    Kathmandu, 540 min net, self-declared so pending), C (v2, Yangon overnight across 31 October,
    an emergency, approved) and D (v2, Shanghai, 130 min on 1 November, approved). At T1 B is
    approved (capped at 480), at T2 D is corrected to end 10 minutes earlier, at T3 C is voided.

    Args:
        store: An empty store.

    Returns:
        The ledger and ``[T0, T1, T2, T3]``.
    """
    clock = FixedClock(_T0)
    ledger = Ledger(store, clock=clock, policy=SCENARIO_POLICY, home_region=_REGIONS.get)
    result = ledger.record_many(
        [
            _entry("A", "v1", datetime(2026, 11, 20, 9, 0, tzinfo=SHANGHAI),
                   datetime(2026, 11, 20, 12, 0, tzinfo=SHANGHAI), SHANGHAI),
            _entry("B", "v1", datetime(2026, 11, 21, 8, 0, tzinfo=KATHMANDU),
                   datetime(2026, 11, 21, 17, 30, tzinfo=KATHMANDU), KATHMANDU,
                   organization="org-b", category="elderly", source=Source.SELF_DECLARED,
                   break_minutes=30),
            _entry("C", "v2", datetime(2026, 10, 31, 22, 0, tzinfo=YANGON),
                   datetime(2026, 11, 1, 4, 0, tzinfo=YANGON), YANGON, category="emergency"),
            _entry("D", "v2", datetime(2026, 11, 1, 10, 0, tzinfo=SHANGHAI),
                   datetime(2026, 11, 1, 12, 10, tzinfo=SHANGHAI), SHANGHAI),
        ],
        actor="staff-1",
    )
    assert (result.written, result.approved) == (4, 3)
    t0 = clock.now()
    t1 = clock.advance(timedelta(hours=1))
    ledger.approve(EntryId(origin="conf", local_id="B"), actor="lead-7")
    t2 = clock.advance(timedelta(hours=1))
    ledger.correct(
        EntryId(origin="conf", local_id="D"), actor="lead-7", reason="left at 12:00",
        end=datetime(2026, 11, 1, 12, 0, tzinfo=SHANGHAI),
    )
    t3 = clock.advance(timedelta(days=1))
    ledger.void(EntryId(origin="conf", local_id="C"), actor="admin-1", reason="duplicate record")
    return ledger, [t0, t1, t2, t3]


def _m(raw: int, credited: int, weighted: str | int | None = None) -> Minutes:
    return Minutes(
        raw=raw, credited=credited, weighted=Decimal(credited if weighted is None else weighted)
    )


def _credit(local_date: int, valid_from: datetime, credited: int, **kw: Any) -> CreditRow:
    fields: dict[str, Any] = {
        "volunteer_id": "v1",
        "entry_id": EntryId(origin="conf", local_id="A"),
        "organization_id": "org-a",
        "category": "community",
        "region": "beijing",
        "local_date": local_date,
        "raw_minutes": credited,
        "credited_minutes": credited,
        "weighted_micro": credited * 1_000_000,
        "valid_from": valid_from,
    }
    fields.update(kw)
    return CreditRow(**fields)


class LedgerRepositoryConformance(_Base):
    """The storage contract :class:`~volunteerkit.hours.store.LedgerRepository` (``store.ledger``)."""

    def _entries(self) -> list[ServiceEntry]:
        odd = datetime(2026, 3, 1, 8, 0, 17, 123456, tzinfo=KATHMANDU)
        return [
            _entry("1", "v1", odd, odd + timedelta(hours=2), KATHMANDU),
            attrs.evolve(
                _entry("2", "志愿者-2", odd, odd + timedelta(minutes=1), YANGON),
                activity_id="活动-9", travel_minutes=45, source=Source.CHECK_IN_OUT,
                initial_status=Status.APPROVED, note="",
            ),
        ]

    @pytest.mark.parametrize("text", ["a\x00b", "\ud800"], ids=["nul", "lone-surrogate"])
    def test_a_lookup_by_text_no_store_can_hold_finds_nothing(self, store: Any, text: str) -> None:
        """Lookups by text holding NUL or a lone surrogate find nothing, on every store.

        No record can hold such text, so the memory store answered "nothing"; the SQL stores
        raised store.invalid_text (PostgreSQL for NUL, both for a surrogate).
        """
        run_scenario(store)
        repo = store.ledger
        assert repo.get_setting(text) is None
        assert repo.credit_history(text) == []
        assert repo.open_credit([text]) == {}
        assert repo.records_of([text]) == {}
        assert repo.latest_change([text]) == {}
        assert repo.open_credit([text, "v1"]).keys() <= {"v1"}

    def test_entries_round_trip_exactly(self, store: Any) -> None:
        """Entries come back equal: Unicode, zones, seconds and microseconds, optional fields."""
        entries = self._entries()
        assert store.ledger.add_entries(entries) == 2
        got = store.ledger.get_entries([e.id for e in entries])
        assert got == {e.id: e for e in entries}
        assert store.ledger.records_of(["志愿者-2"]) == {"志愿者-2": ([entries[1]], [])}
        assert store.ledger.volunteers() == ["v1", "志愿者-2"]
        assert store.ledger.count_entries() == 2

    def test_entry_replay_is_a_no_op_and_a_clash_writes_nothing(self, store: Any) -> None:
        """An identical replay writes nothing; a batch with a clash raises and writes nothing."""
        entries = self._entries()
        store.ledger.add_entries(entries[:1])
        # the new entry comes first: a store that writes it before meeting the stored one
        # must not keep it twice
        assert store.ledger.add_entries(entries[::-1]) == 1
        assert store.ledger.count_entries() == 2
        assert store.ledger.add_entries(entries + entries) == 0
        changed = attrs.evolve(entries[0], note="changed")
        fresh = _entry("3", "v1", _T0 - timedelta(hours=3), _T0 - timedelta(hours=2), SHANGHAI)
        with pytest.raises(ConflictError) as info:
            store.ledger.add_entries([fresh, changed])
        assert info.value.code == "hours.entry_conflict"
        assert store.ledger.count_entries() == 2
        with pytest.raises(ConflictError):
            store.ledger.add_entries([fresh, attrs.evolve(fresh, note="twin")])
        assert store.ledger.get_entries([fresh.id]) == {}

    def test_events_round_trip_and_replay(self, store: Any) -> None:
        """Every event type comes back equal, ordered by (at, id); replays are no-ops."""
        entry = self._entries()[0]
        store.ledger.add_entries([entry])
        at = datetime(2026, 3, 2, tzinfo=UTC)

        def ev(n: int) -> EventId:
            return EventId(origin="conf", local_id=f"e{n}")

        events: list[LedgerEvent] = [
            Corrected(id=ev(4), entry_id=entry.id, actor="a", at=at + timedelta(hours=3),
                      reason="r", kind=CorrectionKind.REVERSE),
            Approved(id=ev(1), entry_id=entry.id, actor="a", at=at),
            Corrected(id=ev(2), entry_id=entry.id, actor="a", at=at + timedelta(hours=1),
                      reason="改", start=entry.start + timedelta(minutes=5), break_minutes=3),
            Voided(id=ev(5), entry_id=entry.id, actor="a", at=at + timedelta(hours=4), reason="r"),
            Rejected(id=ev(3), entry_id=entry.id, actor="a", at=at + timedelta(hours=1),
                     reason="r"),
        ]
        assert store.ledger.add_events(events[1:3]) == 2
        # new events before and after stored ones: only the new are written, once
        assert store.ledger.add_events(events) == 3
        assert store.ledger.add_events(events[:2]) == 0
        expected = sorted(events, key=lambda e: (e.at, e.id))
        assert store.ledger.entry_events(entry.id) == expected
        assert store.ledger.records_of(["v1"])["v1"] == ([entry], expected)
        assert store.ledger.count_events() == 5

    def test_event_clash_and_unknown_entry_are_refused(self, store: Any) -> None:
        """A different event under a stored id, or one for no stored entry, writes nothing."""
        entry = self._entries()[0]
        store.ledger.add_entries([entry])
        first = Approved(id=EventId(origin="conf", local_id="e1"), entry_id=entry.id,
                         actor="a", at=_T0)
        store.ledger.add_events([first])
        with pytest.raises(ConflictError) as info:
            store.ledger.add_events([attrs.evolve(first, actor="b")])
        assert info.value.code == "hours.event_conflict"
        stray = attrs.evolve(first, id=EventId(origin="conf", local_id="e2"),
                             entry_id=EntryId(origin="conf", local_id="nope"))
        with pytest.raises(NotFoundError) as missing:
            store.ledger.add_events([stray])
        assert missing.value.code == "hours.unknown_entry"
        assert store.ledger.count_events() == 1

    def test_the_largest_minutes_round_trip_and_one_more_is_refused(self, store: Any) -> None:
        """Break and travel minutes up to MAX_MINUTES (2**31 - 1) round-trip on every backend.

        One more is refused by the entry itself with its own code, so no backend can keep a count
        another backend's column cannot hold (PostgreSQL keeps them as 32-bit ``integer``).
        """
        start = datetime(1, 1, 3, tzinfo=UTC)
        entry = attrs.evolve(
            _entry("big", "v1", start, start + timedelta(minutes=MAX_MINUTES + 1), UTC_ZONE),
            break_minutes=MAX_MINUTES, travel_minutes=MAX_MINUTES,
        )
        zero = attrs.evolve(self._entries()[0], travel_minutes=0)
        assert store.ledger.add_entries([entry, zero]) == 2
        assert store.ledger.get_entries([entry.id, zero.id]) == {entry.id: entry, zero.id: zero}
        assert store.ledger.add_entries([entry]) == 0
        with pytest.raises(InvalidEntry) as info:
            attrs.evolve(entry, break_minutes=MAX_MINUTES + 1)
        assert (info.value.code, info.value.path) == ("hours.too_many_minutes", "$.break_minutes")
        with pytest.raises(InvalidEntry) as info:
            attrs.evolve(entry, travel_minutes=MAX_MINUTES + 1)
        assert (info.value.code, info.value.path) == ("hours.too_many_minutes", "$.travel_minutes")

    def test_isolated_entries(self, store: Any) -> None:
        """isolated: no other entry of the volunteer shares an instant, and no entry is corrected.

        Back-to-back entries share no instant; an overlap of one minute does; another volunteer's
        entry at the same time does not count; a correction of any entry of a volunteer makes
        none of its entries isolated; unknown ids are not returned.
        """
        day = datetime(2026, 6, 1, 8, 0, tzinfo=SHANGHAI)
        hour = timedelta(hours=1)
        a = _entry("a", "v1", day, day + hour, SHANGHAI)  # 08:00-09:00
        b = _entry("b", "v1", day + hour, day + 2 * hour, SHANGHAI)  # back to back with a
        c = _entry("c", "v1", day + 3 * hour, day + 4 * hour, SHANGHAI)  # 11:00-12:00
        d = _entry("d", "v1", day + 4 * hour - timedelta(minutes=1), day + 5 * hour, SHANGHAI)
        e = _entry("e", "v2", day, day + hour, SHANGHAI)  # v2, the same time as a
        f = _entry("f", "v3", day, day + hour, SHANGHAI)
        g = _entry("g", "v3", day + 2 * hour, day + 3 * hour, SHANGHAI)
        store.ledger.add_entries([a, b, c, d, e, f, g])
        ids = [x.id for x in (a, b, c, d, e, f, g)]
        unknown = EntryId(origin="conf", local_id="nope")
        assert store.ledger.isolated([*ids, unknown]) == {a.id, b.id, e.id, f.id, g.id}
        store.ledger.add_events([
            Corrected(id=EventId(origin="conf", local_id="fix"), entry_id=g.id, actor="a",
                      at=_T0, reason="r", end=g.end - timedelta(minutes=5)),
        ])
        assert store.ledger.isolated(ids) == {a.id, b.id, e.id}
        assert store.ledger.isolated([]) == set()

    def test_credit_rows_close_and_only_shrink(self, store: Any) -> None:
        """Closing sets valid_to once; truncation shortens rows from an instant; sums follow."""
        t = datetime(2026, 5, 1, tzinfo=UTC)
        hour = timedelta(hours=1)
        store.ledger.write_credit([], [_credit(20260501, t, 60), _credit(20260502, t, 30)])
        store.ledger.write_credit(
            [CreditClose(volunteer_id="v1", entry_id=EntryId(origin="conf", local_id="A"),
                         local_date=20260501, valid_to=t + hour)],
            [_credit(20260501, t + hour, 90)],
        )
        q = Query(as_of=t + 2 * hour)
        assert [(r.raw_minutes, r.credited_minutes) for r in store.ledger.sum_credit(q, ())] == [
            (120, 120)
        ]
        assert store.ledger.sum_credit(Query(as_of=t), ())[0].credited_minutes == 90
        assert store.ledger.sum_credit(Query(as_of=t - hour), ()) == []
        with pytest.raises(IntegrityError):
            store.ledger.write_credit(
                [CreditClose(volunteer_id="v1", entry_id=EntryId(origin="conf", local_id="A"),
                             local_date=20260503, valid_to=t)],
                [],
            )
        store.ledger.truncate_credit("v1", t + hour)
        history = store.ledger.credit_history("v1")
        assert [(r.local_date, r.credited_minutes, r.valid_from, r.valid_to) for r in history] == [
            (20260501, 60, t, t + hour),
            (20260501, 90, t + hour, t + hour),
            (20260502, 30, t, t + hour),
        ]
        assert store.ledger.open_credit(["v1"]) == {}
        assert store.ledger.sum_credit(Query(as_of=t + 2 * hour), ()) == []

    def test_sum_and_count_group_and_filter(self, store: Any) -> None:
        """Grouped sums and active counts: by month, region (NULL first), filters, date bounds."""
        t = datetime(2026, 5, 1, tzinfo=UTC)
        rows = [
            _credit(20260131, t, 60),
            _credit(20260201, t, 30, region=None, volunteer_id="v2", weighted_micro=45_000_000),
            _credit(20260202, t, 0, raw_minutes=20, volunteer_id="v3", category="elderly"),
        ]
        store.ledger.write_credit([], rows)
        by_month = store.ledger.sum_credit(Query(as_of=t), [GroupKey.MONTH])
        assert [(r.key, r.credited_minutes, r.weighted_micro) for r in by_month] == [
            (("2026-01",), 60, 60_000_000),
            (("2026-02",), 30, 45_000_000),
        ]
        by_region = store.ledger.sum_credit(Query(as_of=t), [GroupKey.REGION, GroupKey.DAY])
        assert [r.key for r in by_region] == [
            (None, "2026-02-01"), ("beijing", "2026-01-31"), ("beijing", "2026-02-02")
        ]
        q = Query(as_of=t, first=20260201, last=20260228, category="community")
        assert [(r.key, r.raw_minutes) for r in store.ledger.sum_credit(q, ())] == [((), 30)]
        assert store.ledger.count_active(Query(as_of=t), ()) == [((), 2)]
        assert store.ledger.count_active(Query(as_of=t), [GroupKey.MONTH]) == [
            (("2026-01",), 1), (("2026-02",), 1)
        ]
        assert store.ledger.sum_credit(Query(as_of=t, volunteer_id="v3"), [GroupKey.VOLUNTEER])[
            0
        ].raw_minutes == 20

    def test_settings_are_write_once(self, store: Any) -> None:
        """A setting is stored once; the same value again is a no-op; another value clashes."""
        assert store.ledger.get_setting("policy") is None
        store.ledger.put_setting("policy", "{}")
        store.ledger.put_setting("policy", "{}")
        with pytest.raises(ConflictError) as info:
            store.ledger.put_setting("policy", "[]")
        assert info.value.code == "hours.setting_conflict"
        assert store.ledger.get_setting("policy") == "{}"

    def test_writes_roll_back_with_the_transaction(self, store: Any) -> None:
        """Entries, events and credit written inside a failed transaction are all undone."""
        entry = self._entries()[0]
        with pytest.raises(RuntimeError, match="undo"), store.transaction():  # noqa: PT012
            store.ledger.add_entries([entry])
            store.ledger.add_events(
                [Approved(id=EventId(origin="conf", local_id="e1"), entry_id=entry.id,
                          actor="a", at=_T0)]
            )
            store.ledger.write_credit([], [_credit(20260301, _T0, 10)])
            store.ledger.put_setting("policy", "{}")
            raise RuntimeError("undo")
        assert store.ledger.count_entries() == 0
        assert store.ledger.count_events() == 0
        assert store.ledger.credit_history("v1") == []
        assert store.ledger.get_setting("policy") is None


# ------------------------------------------------------------------------------------------------
# the service over the store

_CLUSTER = st.integers(0, 14 * 24 * 60).map(
    lambda m: datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=m)
)
_IDS = st.sampled_from([EntryId(origin="p", local_id=str(n)) for n in range(8)])
_ENTRY = service_entries(ids=_IDS, starts=_CLUSTER)
_OP = st.one_of(
    st.tuples(st.just("record"), _ENTRY, st.sampled_from([0, 0, 90, 3000])),
    st.tuples(st.just("record_many"), st.lists(_ENTRY, max_size=3), st.sampled_from([0, 600])),
    st.tuples(st.sampled_from(["approve", "reject", "void", "reverse"]), st.integers(0, 7),
              st.just(0)),
    st.tuples(st.just("approve_many"), st.lists(st.integers(0, 7), min_size=1, max_size=4),
              st.just(0)),
    st.tuples(st.just("correct"), st.integers(0, 7), st.integers(-120, 120)),
    st.tuples(st.just("advance"), st.just(None), st.sampled_from([0, 1, 60, 1440, 7 * 1440])),
)
_PENDING_RECORD = st.tuples(
    st.just("record"),
    _ENTRY.map(lambda e: attrs.evolve(e, source=Source.SELF_DECLARED)),
    st.sampled_from([0, 0, 90]),
)
_APPROVED_RECORDS = st.tuples(
    st.just("record_spread"),
    st.lists(_ENTRY.map(lambda e: attrs.evolve(e, source=Source.ORGANIZATION)), max_size=3),
    st.sampled_from([0, 30, 600]),
)
# approved on entry and dated well before the volunteer's latest record: an import of old entries
_BACKDATED_RECORD = st.tuples(
    st.just("record"),
    _ENTRY.map(lambda e: attrs.evolve(e, source=Source.ORGANIZATION)),
    st.sampled_from([3000, 20000]),
)
_APPROVALS = st.one_of(
    st.tuples(st.just("approve"), st.integers(0, 7), st.just(0)),
    st.tuples(st.just("approve_many"), st.lists(st.integers(0, 7), min_size=1, max_size=4),
              st.just(0)),
)


def _without_day_rules(policy: AccrualPolicy) -> AccrualPolicy:
    """The policy without a daily cap or per-day rounding.

    Entries are submitted for approval, except the organization's own, approved on entry: both
    ways of becoming effective, in one sequence.
    """
    rounding = policy.rounding
    if rounding is not None and rounding.scope is RoundingScope.PER_DAY:
        rounding = None
    return attrs.evolve(
        policy,
        daily_cap_minutes=None,
        rounding=rounding,
        approval=ApprovalRule(auto_approve_organization_entries=True),
    )


_WINDOWS: list[Window] = [
    LIFETIME,
    CalendarYear(year=2026),
    RollingMonths(months=1, ending=date(2026, 1, 8)),
    DateRange(first=date(2026, 1, 5), last=date(2026, 1, 5)),
]


def _expected_groups(
    entries: list[ServiceEntry], events: list[LedgerEvent], policy: AccrualPolicy, at: datetime,
    regions: Callable[[str], str | None],
) -> tuple[dict[tuple[str | None, ...], Minutes], int]:
    accrual = accrue(fold(entries, events, as_of=at).entries, policy)
    sums: dict[tuple[str | None, ...], Minutes] = defaultdict(Minutes)
    active: set[str] = set()
    for line in accrual.days:
        key = (regions(line.volunteer_id), line.organization_id, f"{line.day:%Y-%m}")
        sums[key] += Minutes(
            raw=line.raw_minutes, credited=line.credited_minutes, weighted=line.weighted_minutes
        )
        if line.credited_minutes > 0:
            active.add(line.volunteer_id)
    ordered = sorted(sums.items(), key=lambda kv: tuple((v is not None, v or "") for v in kv[0]))
    return dict(ordered), len(active)


# Store-backed properties: few examples (each opens a store), no deadline, function-scoped
# fixtures on purpose (make_store is called inside the test).
_STORE_PROPERTY = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.differing_executors,
        HealthCheck.data_too_large,
    ],
)


# 2026 offset changes of zones of the suite, in UTC (the tz database's rules converted by hand)
_CHANGES = [
    ("America/New_York", datetime(2026, 3, 8, 7, tzinfo=UTC)),
    ("America/New_York", datetime(2026, 11, 1, 6, tzinfo=UTC)),
    ("America/St_Johns", datetime(2026, 3, 8, 5, 30, tzinfo=UTC)),
    ("America/St_Johns", datetime(2026, 11, 1, 4, 30, tzinfo=UTC)),
    ("Europe/Berlin", datetime(2026, 3, 29, 1, tzinfo=UTC)),
    ("Europe/Berlin", datetime(2026, 10, 25, 1, tzinfo=UTC)),
    ("Australia/Lord_Howe", datetime(2026, 4, 4, 15, tzinfo=UTC)),
    ("Australia/Lord_Howe", datetime(2026, 10, 3, 15, 30, tzinfo=UTC)),
    ("Pacific/Chatham", datetime(2026, 4, 4, 14, tzinfo=UTC)),
    ("Pacific/Chatham", datetime(2026, 9, 26, 14, tzinfo=UTC)),
]
_PLAIN = AccrualPolicy(
    name="plain",
    approval=ApprovalRule(mode=ApprovalMode.SUBMIT, auto_approve_organization_entries=True),
    refuse_future_service=False,
    refuse_before_registration=False,
    max_record_minutes=None,
)


def _date_key(day: date) -> int:
    return day.year * 10_000 + day.month * 100 + day.day


class LedgerServiceConformance(_Base):
    """:class:`~volunteerkit.hours.ledger.Ledger` over the store: exact, and equal to the core."""

    def test_scenario_totals_as_of_each_instant(self, store: Any) -> None:
        """The worked scenario's totals, breakdowns and aggregates, exactly, at each instant."""
        ledger, (t0, t1, t2, t3) = run_scenario(store)
        v1 = ledger.totals("v1")
        assert (v1.raw_minutes, v1.credited_minutes) == (720, 660)
        assert v1.by_organization == {"org-a": _m(180, 180), "org-b": _m(540, 480)}
        assert ledger.totals("v1", as_of=t0).credited_minutes == 180  # B still pending
        v2_t0 = ledger.totals("v2", as_of=t0)
        # 1 Nov: C 240 (Yangon) + D 130 (Shanghai) = 370, rounded down to 360 on D's part
        assert {d.isoformat(): m for d, m in v2_t0.by_day.items()} == {
            "2026-10-31": _m(120, 120, 180),
            "2026-11-01": _m(370, 360, 480),
        }
        assert ledger.totals("v2", as_of=t2).by_day[date(2026, 11, 1)] == _m(360, 360, 480)
        assert ledger.totals("v2", CalendarYear(year=2026)).total == _m(120, 120)
        assert ledger.totals("v2", as_of=t3 - timedelta(microseconds=1)).total == _m(480, 480, 660)
        assert ledger.minutes_by("organization") == {
            ("org-a",): _m(300, 300), ("org-b",): _m(540, 480)
        }
        assert ledger.minutes_by(["region", "month"], as_of=t2) == {
            ("beijing", "2026-11"): _m(720, 660),
            ("yunnan", "2026-10"): _m(120, 120, 180),
            ("yunnan", "2026-11"): _m(360, 360, 480),
        }
        assert ledger.minutes_by((), as_of=t1, category="emergency") == {(): _m(360, 360, 540)}
        window = DateRange(first=date(2026, 11, 1), last=date(2026, 11, 20))
        assert ledger.active_volunteers(window) == 2
        assert ledger.active_volunteers(RollingMonths(months=1, ending=date(2026, 10, 31)),
                                        as_of=t3) == 0
        assert ledger.active_volunteers_by("organization", as_of=t0) == {("org-a",): 2}

    def test_same_aggregates_as_the_memory_reference(
        self, store: Any
    ) -> None:
        """Every aggregate of the scenario equals the in-memory reference store's, at each instant."""
        from volunteerkit.stores.memory import MemoryStore

        ledger, instants = run_scenario(store)
        reference, _ = run_scenario(MemoryStore())
        for at in [*instants, instants[-1] + timedelta(days=400)]:
            for by in (["volunteer"], ["organization", "category"], ["region", "day"], ["month"]):
                for window in [*_WINDOWS, CalendarYear(year=2026)]:
                    assert ledger.minutes_by(by, window, as_of=at) == reference.minutes_by(
                        by, window, as_of=at
                    )
                    assert ledger.active_volunteers_by(by, window, as_of=at) == (
                        reference.active_volunteers_by(by, window, as_of=at)
                    )
            for vid in ("v1", "v2"):
                assert ledger.totals(vid, as_of=at) == reference.totals(vid, as_of=at)

    def test_record_many_atomic_and_resumable(self, store: Any) -> None:
        """record_many is all or nothing when atomic, and resumable batch by batch when not.

        Atomic: a refusal in a later batch writes nothing. Not atomic: the batches before the
        refusal stay, and running the same input again resumes.
        """
        clock = FixedClock(_T0)
        policy = attrs.evolve(SCENARIO_POLICY, max_record_minutes=600)
        ledger = Ledger(store, clock=clock, policy=policy, batch_size=2)
        day = datetime(2026, 11, 2, 8, 0, tzinfo=SHANGHAI)
        good = [
            _entry(f"g{n}", "v1", day + timedelta(days=n), day + timedelta(days=n, hours=2),
                   SHANGHAI)
            for n in range(3)
        ]
        too_long = _entry("long", "v1", day, day + timedelta(hours=11), SHANGHAI)
        with pytest.raises(PolicyViolation) as info:
            ledger.record_many([*good, too_long], actor="importer")
        assert (info.value.code, info.value.path) == ("hours.too_long", "$.entries[3].end")
        assert store.ledger.count_entries() == 0
        assert ledger.totals("v1").credited_minutes == 0
        with pytest.raises(PolicyViolation):
            ledger.record_many([*good, too_long], actor="importer", atomic=False)
        assert store.ledger.count_entries() == 2  # the first batch of two committed
        result = ledger.record_many(good, actor="importer", atomic=False)
        assert (result.written, result.already_present, result.batches) == (1, 2, 2)
        assert ledger.totals("v1").credited_minutes == 360

    @_STORE_PROPERTY
    @given(policy=ledger_policies(), ops=st.lists(_OP, max_size=10))
    def test_totals_equal_the_core_after_any_sequence(
        self, make_store: StoreFactory, policy: AccrualPolicy, ops: list[tuple[str, Any, Any]]
    ) -> None:
        """Store totals equal the core's totals_as_of over the stored records, at every instant.

        Any sequence of record (some dated in the past, so history is recomputed), record_many,
        approve, approve_many (isolated entries are credited on their own), reject, void, reverse
        and correct; refused operations write nothing. Then, at every
        instant a record was dated, just before it, and later, every volunteer's totals over four
        windows, the grouped aggregates and the active count equal the pure core's.
        """
        self._check_sequence(make_store, policy, ops)

    @_STORE_PROPERTY
    @given(
        policy=ledger_policies().map(_without_day_rules),
        ops=st.lists(
            st.one_of(
                _PENDING_RECORD, _APPROVED_RECORDS, _BACKDATED_RECORD, _APPROVALS, _APPROVALS, _OP
            ),
            max_size=12,
        ),
    )
    def test_isolated_credit_equals_the_core(
        self, make_store: StoreFactory, policy: AccrualPolicy, ops: list[tuple[str, Any, Any]]
    ) -> None:
        """Entries credited on their own (isolated entries) give the core's totals too.

        The same check as the property above, under policies without a daily cap or per-day
        rounding (where the ledger credits isolated entries without replaying the volunteer),
        with sequences rich in pending records, approvals one at a time or many at once, and
        records approved on entry (some dated before others of the same call, some days before
        the volunteer's latest record).
        """
        self._check_sequence(make_store, policy, ops)

    @_STORE_PROPERTY
    @given(
        policy=ledger_policies().map(_without_day_rules),
        history=st.lists(
            st.tuples(
                _ENTRY.map(lambda e: attrs.evolve(e, source=Source.ORGANIZATION)),
                st.integers(0, 30 * 24 * 60),
            ),
            min_size=1,
            max_size=8,
            unique_by=lambda pair: pair[0].id,
        ),
        sizes=st.lists(st.integers(1, 4), min_size=8, max_size=8),
    )
    def test_history_imported_in_any_order_equals_the_core(
        self,
        make_store: StoreFactory,
        policy: AccrualPolicy,
        history: list[tuple[ServiceEntry, int]],
        sizes: list[int],
    ) -> None:
        """An import of old entries approved on entry, in any order and batches, gives the core.

        Each entry is dated up to 30 days back, so many are dated before records already stored
        for their volunteer: isolated ones are credited on their own, the others replay.
        """
        ops: list[tuple[str, Any, Any]] = []
        rest = list(history)
        for size in sizes:
            if rest:
                ops.append(("record_dated", rest[:size], 0))
                rest = rest[size:]
        self._check_sequence(make_store, policy, ops)

    @_STORE_PROPERTY
    @given(
        weighting=st.lists(
            st.tuples(
                st.sampled_from(["community", "elderly", "emergency"]),
                st.sampled_from(["0", "0.5", "1.25", "2", "3.333333"]),
            ),
            max_size=3,
            unique_by=lambda pair: pair[0],
        ),
        change=st.sampled_from(_CHANGES),
        data=st.data(),
        before=st.lists(
            st.tuples(
                st.sampled_from(["approve", "reject", "void", "correct"]),
                st.integers(0, 7),
                st.integers(-120, 600),
            ),
            max_size=3,
        ),
        approvals=st.lists(
            st.tuples(
                st.lists(st.integers(0, 7), min_size=1, max_size=4, unique=True),
                st.sampled_from([False, False, False, True]),  # True: repeat an id
            ),
            min_size=1,
            max_size=4,
        ),
    )
    def test_plain_approvals_equal_the_core_day_by_day(
        self,
        make_store: StoreFactory,
        weighting: list[tuple[str, str]],
        change: tuple[str, datetime],
        data: st.DataObject,
        before: list[tuple[str, int, int]],
        approvals: list[tuple[list[int], bool]],
    ) -> None:
        """Approvals under a plain policy give the core's credit on every local day.

        A plain policy (no rounding, cap, per-entry maximum or time window; category
        multipliers) is where SQL stores approve isolated pending entries with set-based SQL
        (:class:`~volunteerkit.hours.store.DirectApproval`). The entries of one example start
        within a day of one 2026 offset change of a zone, most of them in that zone (so some
        cross the change, some cross local midnight, some both, some overlap), last up to 70
        hours, and belong to six volunteers; organization entries are approved on entry, and
        some entries are approved, rejected, voided or corrected (moved) first. Each
        ``approve_many`` is refused, writing nothing, exactly when the core refuses one of its
        approvals or an id is repeated; after it, every credit row open at that instant is the
        core's day line for its entry and local date (raw, credited and weighted minutes), one
        row each, valid from when the entry was approved or later, with the volunteer's region.
        """
        policy = attrs.evolve(
            _PLAIN,
            weighting=Weighting(
                categories=tuple(
                    CategoryMultiplier(category=c, multiplier=Decimal(m)) for c, m in weighting
                )
            ),
        )
        zone, at = change
        near = st.integers(-1440, 1440).map(lambda m: at + timedelta(minutes=m))
        batch = data.draw(
            st.lists(
                st.tuples(
                    service_entries(
                        volunteers=st.sampled_from(["v1", "v2", "v3", "v4", "v5", "v6"]),
                        ids=_IDS,
                        starts=near,
                    ),
                    st.integers(0, 40 * 60),  # more served minutes, past 48 hours
                    st.sampled_from([zone, zone, None]),  # None: the zone drawn with the entry
                ),
                min_size=1,
                max_size=8,
            )
        )
        store = make_store()
        try:
            clock = FixedClock(datetime(2027, 1, 1, tzinfo=UTC))
            ledger = Ledger(store, clock=clock, policy=policy, home_region={"v1": "north"}.get)
            entries = [
                attrs.evolve(
                    e, end=e.end + timedelta(minutes=extra), recorded_at=clock.now(),
                    zone=e.zone if where is None else ZoneInfo(where),
                )
                for e, extra, where in batch
            ]
            entries = list({e.id: e for e in entries}.values())
            ledger.record_many(entries, actor="t")
            order = [e.id for e in entries]
            for op, i, minutes in before:
                clock.advance(timedelta(minutes=1))
                target = order[i % len(order)]
                try:
                    if op == "approve":
                        ledger.approve(target, actor="lead")
                    elif op == "reject":
                        ledger.reject(target, actor="lead", reason="no")
                    elif op == "void":
                        ledger.void(target, actor="lead", reason="no")
                    else:
                        end = ledger.state(target).end + timedelta(minutes=minutes)
                        ledger.correct(target, actor="lead", reason="fix", end=end)
                except VolunteerkitError:
                    pass
            for picks, repeat in approvals:
                clock.advance(timedelta(minutes=1))
                targets = [order[i % len(order)] for i in picks]
                if repeat:
                    targets.append(targets[0])
                states = {t: ledger.state(t) for t in targets}
                refused = len(set(targets)) < len(targets) or any(
                    s.reversed or s.status not in (Status.PENDING, Status.REJECTED)
                    for s in states.values()
                )
                events = store.ledger.count_events()
                try:
                    ledger.approve_many(targets, actor="lead")
                except VolunteerkitError:
                    assert refused
                    assert store.ledger.count_events() == events
                else:
                    assert not refused
                    assert store.ledger.count_events() == events + len(targets)
                self._check_open_rows(store, ledger, clock.now())
        finally:
            store.close()

    def _check_open_rows(self, store: Any, ledger: Ledger, now: datetime) -> None:
        records = store.ledger.records_of(store.ledger.volunteers())
        entries = [e for mine, _ in records.values() for e in mine]
        events = [ev for _, theirs in records.values() for ev in theirs]
        states = fold(entries, events, as_of=now).entries
        approved_at = {s.id: s.approved_at for s in states}
        expected: dict[tuple[str, str, int], tuple[int, int, int]] = {}
        for line in accrue(states, ledger.policy).days:
            key = (line.volunteer_id, str(line.entry_id), _date_key(line.day))
            expected[key] = (
                line.raw_minutes, line.credited_minutes, int(line.weighted_minutes * 1_000_000)
            )
        got: dict[tuple[str, str, int], tuple[int, int, int]] = {}
        for vid in records:
            for row in store.ledger.credit_history(vid):
                if row.valid_to is None:
                    key = (vid, str(row.entry_id), row.local_date)
                    assert key not in got
                    got[key] = (row.raw_minutes, row.credited_minutes, row.weighted_micro)
                    since = approved_at[row.entry_id]
                    assert since is not None
                    assert since <= row.valid_from <= now
                    assert row.region == ("north" if vid == "v1" else None)
        assert got == expected

    def _check_sequence(
        self, make_store: StoreFactory, policy: AccrualPolicy, ops: list[tuple[str, Any, Any]]
    ) -> None:
        store = make_store()
        try:
            self._check_sequence_on(store, policy, ops)
        finally:
            store.close()

    def _check_sequence_on(
        self, store: Any, policy: AccrualPolicy, ops: list[tuple[str, Any, Any]]
    ) -> None:
        clock = FixedClock(datetime(2026, 2, 1, tzinfo=UTC))
        regions = {"v1": "north", "v2": None}.get
        ledger = Ledger(store, clock=clock, policy=policy, home_region=regions)
        entries: dict[EntryId, ServiceEntry] = {}
        events: list[LedgerEvent] = []
        order: list[EntryId] = []
        for op, arg, extra in ops:
            try:
                if op == "advance":
                    clock.advance(timedelta(minutes=extra))
                elif op == "record":
                    entry = attrs.evolve(arg, recorded_at=clock.now() - timedelta(minutes=extra))
                    stored = ledger.record(entry, actor="t")
                    if stored.id not in entries:
                        entries[stored.id] = stored
                        order.append(stored.id)
                elif op in ("record_many", "record_spread", "record_dated"):
                    # record_spread: each entry recorded ``extra`` minutes before the one before it;
                    # record_dated: (entry, minutes before now) pairs
                    step = extra if op == "record_spread" else 0
                    batch = (
                        [attrs.evolve(e, recorded_at=clock.now() - timedelta(minutes=m))
                         for e, m in arg]
                        if op == "record_dated"
                        else [
                            attrs.evolve(
                                e, recorded_at=clock.now() - timedelta(minutes=extra + step * i)
                            )
                            for i, e in enumerate(arg)
                        ]
                    )  # fmt: skip
                    ledger.record_many(batch, actor="t")
                    got = store.ledger.get_entries([e.id for e in batch])
                    for e in batch:
                        if e.id not in entries:
                            entries[e.id] = got[e.id]
                            order.append(e.id)
                elif op == "approve_many" and order:
                    targets = [order[i % len(order)] for i in arg]
                    ledger.approve_many(targets, actor="lead")
                    for target in targets:
                        events.append(ledger.state(target).history[-1])
                elif order:
                    target = order[arg % len(order)]
                    if op == "approve":
                        state = ledger.approve(target, actor="lead")
                    elif op == "reject":
                        state = ledger.reject(target, actor="lead", reason="no")
                    elif op == "void":
                        state = ledger.void(target, actor="lead", reason="no")
                    elif op == "reverse":
                        state = ledger.reverse(target, actor="lead", reason="no")
                    else:
                        current = ledger.state(target)
                        state = ledger.correct(
                            target, actor="lead", reason="fix",
                            end=current.end + timedelta(minutes=extra),
                        )
                    events.append(state.history[-1])
            except VolunteerkitError:
                pass  # a refusal; the counts below prove it wrote nothing
        assert store.ledger.count_entries() == len(entries)
        assert store.ledger.count_events() == len(events)
        all_entries = list(entries.values())
        points = {e.recorded_at for e in all_entries} | {ev.at for ev in events}
        instants = sorted(points | {p - timedelta(microseconds=1) for p in points})
        instants.append(clock.now() + timedelta(days=1))
        volunteers = sorted({e.volunteer_id for e in all_entries})
        for at in instants:
            for vid in volunteers:
                for window in _WINDOWS:
                    expected = totals_as_of(
                        all_entries, events, policy, volunteer_id=vid, as_of=at, window=window
                    )
                    assert ledger.totals(vid, window, as_of=at) == expected
            groups, active = _expected_groups(all_entries, events, policy, at, regions)
            assert ledger.minutes_by(["region", "organization", "month"], as_of=at) == groups
            assert ledger.active_volunteers(as_of=at) == active

