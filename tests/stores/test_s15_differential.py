"""Differential tests: random operation sequences give the same observations on every store.

Each example runs one random sequence of service calls in lock step against a memory store and a
SQLite or PostgreSQL store, and after every step compares everything observable: the call's
result or its error (type, code, path), then entry states, totals over several windows as of now
and as of earlier instants, grouped aggregates and counts of active volunteers. The clock is a
:class:`~volunteerkit.FixedClock` advanced explicitly; id pools are small, so calls collide (same
ids, overlapping entries of one volunteer, same instants); entries are drawn in zones with odd
offsets and DST changes (Kathmandu, Yangon, Lord Howe, New York around 2026-11-01) and cross
midnight and the end of the year.

Event ids are random per store (the SQL stores number the events of a set-based approval one after
another), so the events in an entry's history are compared without their ids.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from enum import Enum
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import pytest
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st

from volunteerkit._clock import FixedClock
from volunteerkit.errors import VolunteerkitError
from volunteerkit.hours import (
    LIFETIME,
    NATIONAL,
    AccrualPolicy,
    CalendarYear,
    DateRange,
    EntryId,
    LedgerEvent,
    RollingMonths,
    ServiceEntry,
    Source,
    Status,
    Window,
)
from volunteerkit.hours.ledger import Ledger
from volunteerkit.stores import MemoryStore, SQLiteStore
from volunteerkit.testing.strategies_hours import ledger_policies

# ---------------------------------------------------------------------------------------------
# normalisation of observations


def _norm(value: Any) -> Any:
    """A comparable form of a result: attrs classes field by field, events without their ids."""
    if isinstance(value, BaseException):
        if isinstance(value, VolunteerkitError):
            return ("error", type(value).__name__, value.code, value.path)
        return ("BARE", type(value).__name__, str(value))
    if isinstance(value, datetime):
        return ("dt", value.isoformat())
    if isinstance(value, Enum):
        return (type(value).__name__, value.value)
    if isinstance(value, ZoneInfo):
        return ("zone", value.key)
    if attrs.has(type(value)):
        fields = {
            f.name: _norm(getattr(value, f.name))
            for f in attrs.fields(type(value))
            if not (isinstance(value, LedgerEvent) and f.name == "id")
        }
        return (type(value).__name__, fields)
    if isinstance(value, dict):
        return ("dict", [(_norm(k), _norm(v)) for k, v in value.items()])
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, [_norm(v) for v in value])
    return value


def _call(fn: Callable[[], Any]) -> Any:
    try:
        return _norm(fn())
    except Exception as exc:  # errors are observations too
        return _norm(exc)


# ---------------------------------------------------------------------------------------------
# strategies: small pools, awkward zones and instants

_ZONES = ["Asia/Kathmandu", "Asia/Yangon", "Australia/Lord_Howe", "America/New_York", "UTC"]
_zones = st.sampled_from(_ZONES).map(ZoneInfo)
_NY = ZoneInfo("America/New_York")
_ANCHORS = [
    datetime(2026, 11, 1, 0, 30, tzinfo=_NY),  # New York falls back at 02:00 EDT
    datetime(2026, 12, 31, 22, 0, tzinfo=UTC),  # the end of the year
    datetime(2026, 10, 4, 1, 30, tzinfo=ZoneInfo("Australia/Lord_Howe")),  # half-hour DST
    datetime(2026, 6, 30, 23, 15, tzinfo=ZoneInfo("Asia/Kathmandu")),  # midnight, +05:45
]
_starts = st.builds(
    lambda a, m, z: (a + timedelta(minutes=m)).astimezone(z),
    st.sampled_from(_ANCHORS),
    st.sampled_from([0, 0, 15, 45, 60, 90, 150, 24 * 60 - 1]),
    _zones,
)
_ENTRY_IDS = [EntryId(origin="t", local_id=x) for x in ("a", "b", "c")]
_VOLUNTEERS = ["v1", "v2"]
_T0 = datetime(2027, 1, 3, 9, 0, tzinfo=UTC)  # the clock starts after all the service above


@st.composite
def _entries(draw: st.DrawFn) -> ServiceEntry:
    start = draw(_starts)
    minutes = draw(st.sampled_from([1, 30, 61, 125, 240, 600, 1500]))
    # in UTC: wall-clock arithmetic would land in Lord Howe's half-hour gap
    end = (start.astimezone(UTC) + timedelta(minutes=minutes)).astimezone(draw(_zones))
    return ServiceEntry(
        id=draw(st.sampled_from(_ENTRY_IDS)),
        volunteer_id=draw(st.sampled_from(_VOLUNTEERS)),
        organization_id=draw(st.sampled_from(["org-a", "org-b"])),
        category=draw(st.sampled_from(["community", "elderly"])),
        start=start,
        end=end,
        zone=draw(_zones),
        break_minutes=draw(st.sampled_from([0, 0, 10])) if minutes > 10 else 0,
        source=draw(st.sampled_from(list(Source))),
        initial_status=Status.PENDING,
        recorded_by="rec",
        recorded_at=end,
    )


_ids = st.sampled_from([*_ENTRY_IDS, EntryId(origin="t", local_id="zz")])
_reasons = st.sampled_from(["why", ""])
_ops = st.one_of(
    st.tuples(st.just("record"), _entries()),
    st.tuples(st.just("record_many"), st.lists(_entries(), max_size=3), st.booleans()),
    st.tuples(st.just("approve"), _ids),
    st.tuples(st.just("approve_many"), st.lists(_ids, max_size=3)),
    st.tuples(st.just("reject"), _ids, _reasons),
    st.tuples(st.just("void"), _ids, _reasons),
    st.tuples(st.just("reverse"), _ids),
    st.tuples(
        st.just("correct"),
        _ids,
        st.none() | _starts,
        st.none() | _starts,
        st.none() | st.sampled_from([0, 5, 30]),
    ),
    st.tuples(st.just("advance"), st.sampled_from([0, 0, 1, 60, 24 * 60])),
)
_policies = st.just(NATIONAL) | ledger_policies()

_WINDOWS: list[Window] = [
    LIFETIME,
    CalendarYear(year=2026),
    CalendarYear(year=2027),
    RollingMonths(months=1, ending=date(2026, 11, 30)),
    DateRange(first=date(2026, 10, 31), last=date(2026, 11, 1)),
    DateRange(first=date(2026, 12, 31), last=date(2027, 1, 1)),
    DateRange(first=date(2026, 7, 1), last=date(2026, 7, 1)),
]


def _apply(ledger: Ledger, op: tuple[Any, ...], clock: FixedClock) -> Any:
    kind = op[0]
    if kind == "record":
        return _call(lambda: ledger.record(op[1], actor="rec"))
    if kind == "record_many":
        return _call(lambda: ledger.record_many(op[1], actor="rec", atomic=op[2]))
    if kind == "approve":
        return _call(lambda: ledger.approve(op[1], actor="boss"))
    if kind == "approve_many":
        return _call(lambda: ledger.approve_many(op[1], actor="boss"))
    if kind == "reject":
        return _call(lambda: ledger.reject(op[1], actor="boss", reason=op[2]))
    if kind == "void":
        return _call(lambda: ledger.void(op[1], actor="boss", reason=op[2]))
    if kind == "reverse":
        return _call(lambda: ledger.reverse(op[1], actor="boss", reason="undo"))
    if kind == "correct":
        return _call(
            lambda: ledger.correct(
                op[1], actor="boss", reason="fix", start=op[2], end=op[3], break_minutes=op[4]
            )
        )
    assert kind == "advance"
    return None


def _observe(ledger: Ledger, instants: list[datetime]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for entry_id in [*_ENTRY_IDS]:
        out[f"state/{entry_id}"] = _call(lambda e=entry_id: ledger.state(e))
    for at in instants:
        for v in [*_VOLUNTEERS, "v3"]:
            for w in _WINDOWS:
                out[f"totals/{v}/{w}/{at}"] = _call(
                    lambda v=v, w=w, at=at: ledger.totals(v, w, as_of=at)
                )
        for by in [(), ("month",), ("organization", "category"), ("volunteer", "day")]:
            for w in (LIFETIME, CalendarYear(year=2026)):
                out[f"minutes_by/{by}/{w}/{at}"] = _call(
                    lambda by=by, w=w, at=at: ledger.minutes_by(by, w, as_of=at)
                )
        out[f"minutes_by/org/{at}"] = _call(
            lambda at=at: ledger.minutes_by(("day",), as_of=at, organization_id="org-a")
        )
        out[f"active/{at}"] = _call(lambda at=at: ledger.active_volunteers(as_of=at))
        out[f"active_by/{at}"] = _call(
            lambda at=at: ledger.active_volunteers_by(("month", "category"), as_of=at)
        )
    return out


# ---------------------------------------------------------------------------------------------
# the stores

_EXAMPLES = int(os.environ.get("VOLUNTEERKIT_DIFF_EXAMPLES", "40"))
"""Examples per test and backend (raise it locally to search longer)."""


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def make_other(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[], Any]:
    """A factory of fresh stores of the backend compared with the memory store."""
    if request.param == "sqlite":
        counter = itertools.count()
        return lambda: SQLiteStore(tmp_path / f"d{next(counter)}.db")
    make: Callable[[], Any] = request.getfixturevalue("make_postgres_store")
    return make


@pytest.fixture
def stores(make_other: Callable[[], Any]) -> Iterator[Callable[[], list[Any]]]:
    """Fresh (memory, other) store pairs, one per example, closed at the end of the test."""
    made: list[Any] = []

    def pair() -> list[Any]:
        for s in made:
            s.close()
        made.clear()
        made.extend([MemoryStore(), make_other()])
        return list(made)

    yield pair
    for s in made:
        s.close()


@settings(
    max_examples=_EXAMPLES,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    policy=_policies,
    first=st.lists(_entries(), min_size=1, max_size=4),
    ops=st.lists(_ops, min_size=1, max_size=14),
)
def test_ledger_sequences_agree(
    stores: Callable[[], list[Any]],
    policy: AccrualPolicy,
    first: list[ServiceEntry],
    ops: list[tuple[Any, ...]],
) -> None:
    """Every call's result or error, and every observation after it, is the same on both."""
    ops = [("record_many", first, False), *ops]
    pair = stores()
    clock = FixedClock(_T0)
    ledgers = [Ledger(s, clock=clock, policy=policy, origin="diff") for s in pair]
    instants = [clock.now()]
    for step, op in enumerate(ops):
        if op[0] == "advance":
            clock.advance(timedelta(minutes=op[1]))
            instants = [*instants[-2:], clock.now()]
            continue
        got = [_apply(ledger, op, clock) for ledger in ledgers]
        assert got[1] == got[0], (step, op)
        outcome = got[0][2] if isinstance(got[0], tuple) and got[0][0] == "error" else "ok"
        event(f"{op[0]}: {outcome}")
        seen = [_observe(ledger, instants) for ledger in ledgers]
        for key, value in seen[0].items():
            assert seen[1][key] == value, (step, op, key)
