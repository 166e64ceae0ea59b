"""The pure functions of the hours core refuse arguments of the wrong type with a typed error."""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from volunteerkit.errors import VolunteerkitError
from volunteerkit.hours import (
    NATIONAL,
    Approved,
    BackfillDeadline,
    CalendarYear,
    DateRange,
    EntryId,
    ServiceEntry,
    accrue,
    apply_event,
    auto_approve_below,
    check_event,
    credited_as_of,
    decide_approval,
    find_overlaps,
    fold,
    initial_state,
    split_by_local_day,
    totals,
    totals_as_of,
    totals_by_volunteer,
    validate_entry,
)
from volunteerkit.hours.windows import LIFETIME, RollingMonths

from .strategies import evid, make_entry

AS_OF = datetime(2030, 1, 1, tzinfo=UTC)
ENTRY = make_entry("a", datetime(2026, 5, 1, tzinfo=UTC), datetime(2026, 5, 1, 3, tzinfo=UTC),
                   ZoneInfo("UTC"))  # fmt: skip
STATE = initial_state(ENTRY)
APPROVED = Approved(id=evid("1"), entry_id=ENTRY.id, actor="lead", at=AS_OF)
ACCRUAL = accrue([STATE], NATIONAL)

CASES: list[tuple[str, Callable[[], Any], str, str]] = [
    ("fold: not an entry", lambda: fold(["x"], [], as_of=AS_OF), "hours.invalid_entry",
     "$.entries[0]"),
    ("fold: not an event", lambda: fold([ENTRY], [{"id": "x"}], as_of=AS_OF),
     "hours.invalid_event", "$.events[0]"),
    ("fold: no entries", lambda: fold(None, [], as_of=AS_OF), "hours.invalid_entry",
     "$.entries"),
    ("apply_event: not an event", lambda: apply_event(STATE, "x"), "hours.invalid_event", "$"),
    ("check_event: not a state", lambda: check_event(ENTRY, APPROVED), "hours.invalid_entry",
     "$.state"),
    ("accrue: entries, not states", lambda: accrue([ENTRY], NATIONAL), "hours.invalid_entry",
     "$.states[0]"),
    ("accrue: not a policy", lambda: accrue([STATE], "national"), "hours.policy.invalid",
     "$.policy"),
    ("credited_as_of: not a policy", lambda: credited_as_of([ENTRY], [], "national", as_of=AS_OF),
     "hours.policy.invalid", "$.policy"),
    ("totals: not a window", lambda: totals(ACCRUAL, "v1", "2026"), "hours.window.invalid",
     "$.window"),
    ("totals_by_volunteer: not a window", lambda: totals_by_volunteer(ACCRUAL, None),
     "hours.window.invalid", "$.window"),
    ("totals_as_of: not a window",
     lambda: totals_as_of([ENTRY], [], NATIONAL, volunteer_id="v1", as_of=AS_OF, window="2026"),
     "hours.window.invalid", "$.window"),
    ("find_overlaps: not an entry", lambda: find_overlaps(["x"]), "hours.invalid_entry",
     "$.entries[0]"),
    ("find_overlaps: grace as text", lambda: find_overlaps([ENTRY, ENTRY], "5"),
     "hours.policy.invalid", "$.grace_minutes"),
    ("validate_entry: not an entry", lambda: validate_entry("x", NATIONAL, now=AS_OF),
     "hours.invalid_entry", "$.entry"),
    ("validate_entry: not a policy", lambda: validate_entry(ENTRY, None, now=AS_OF),
     "hours.policy.invalid", "$.policy"),
    ("decide_approval: not an entry", lambda: decide_approval({"id": "x"}, NATIONAL),
     "hours.invalid_entry", "$.entry"),
    # these raised a bare AttributeError or TypeError, or answered for a volunteer id no entry has
    ("totals: not an accrual", lambda: totals("x", "v1"), "hours.invalid_argument",
     "$.accrual"),
    ("totals: volunteer id not text", lambda: totals(ACCRUAL, 5), "hours.invalid_filter",
     "$.volunteer_id"),
    ("totals_by_volunteer: not an accrual", lambda: totals_by_volunteer(None),
     "hours.invalid_argument", "$.accrual"),
    ("totals_as_of: no entries",
     lambda: totals_as_of(None, [], NATIONAL, volunteer_id="v1", as_of=AS_OF),
     "hours.invalid_entry", "$.entries"),
    ("totals_as_of: not an entry",
     lambda: totals_as_of([ENTRY, "x"], [], NATIONAL, volunteer_id="v1", as_of=AS_OF),
     "hours.invalid_entry", "$.entries[1]"),
    ("totals_as_of: no events",
     lambda: totals_as_of([ENTRY], None, NATIONAL, volunteer_id="v1", as_of=AS_OF),
     "hours.invalid_entry", "$.events"),
    ("totals_as_of: not an event",
     lambda: totals_as_of([ENTRY], [APPROVED, "x"], NATIONAL, volunteer_id="v1", as_of=AS_OF),
     "hours.invalid_event", "$.events[1]"),
    ("totals_as_of: volunteer id not text",
     lambda: totals_as_of([ENTRY], [], NATIONAL, volunteer_id=5, as_of=AS_OF),
     "hours.invalid_filter", "$.volunteer_id"),
    ("accrue: certified not a mapping", lambda: accrue([STATE], NATIONAL, certified="x"),
     "hours.invalid_argument", "$.certified"),
    ("accrue: certified days not a sequence",
     lambda: accrue([STATE], NATIONAL, certified={ENTRY.id: "x"}), "hours.invalid_argument",
     f"$.certified[{ENTRY.id}]"),
    ("accrue: a certified day without day and minutes",
     lambda: accrue([STATE], NATIONAL, certified={ENTRY.id: [1]}), "hours.invalid_argument",
     f"$.certified[{ENTRY.id}][0]"),
    ("split_by_local_day: zone as text",
     lambda: split_by_local_day(AS_OF, AS_OF, "UTC"), "hours.invalid_zone", "$.zone"),
    ("auto_approve_below: base not a policy", lambda: auto_approve_below(60, "national"),
     "hours.policy.invalid", "$.base"),
    ("initial_state: not an entry", lambda: initial_state("x"), "hours.invalid_entry",
     "$.entry"),
    ("BackfillDeadline.last_day: end as text",
     lambda: BackfillDeadline(days=1).last_day("x", ZoneInfo("UTC")), "time.not_datetime",
     "$.end"),
    ("BackfillDeadline.last_day: naive end",
     lambda: BackfillDeadline(days=1).last_day(datetime(2026, 1, 1), ZoneInfo("UTC")),
     "time.naive_datetime", "$.end"),
    ("BackfillDeadline.deadline: zone as text",
     lambda: BackfillDeadline(days=1).deadline(AS_OF, "UTC"), "hours.invalid_zone", "$.zone"),
    ("CalendarYear.contains: text", lambda: CalendarYear(year=2026).contains("2026-01-01"),
     "hours.window.invalid", "$.day"),
    ("DateRange.contains: a datetime",
     lambda: DateRange(first=date(2026, 1, 1), last=date(2026, 2, 1)).contains(AS_OF),
     "hours.window.invalid", "$.day"),
    ("RollingMonths.contains: None",
     lambda: RollingMonths(months=1, ending=date(2026, 1, 31)).contains(None),
     "hours.window.invalid", "$.day"),
    ("Lifetime.contains: a number", lambda: LIFETIME.contains(5), "hours.window.invalid",
     "$.day"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("call", "code", "path"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_wrong_argument_types_give_typed_errors(
    call: Callable[[], Any], code: str, path: str
) -> None:
    """Each call used to fail with a bare AttributeError or TypeError from deep inside."""
    with pytest.raises(VolunteerkitError) as info:
        call()
    assert (info.value.code, info.value.path) == (code, path)


def test_the_right_arguments_still_work() -> None:
    """The checks refuse nothing that is well typed: the same calls with good arguments succeed."""
    assert fold([ENTRY], [APPROVED], as_of=AS_OF).get(ENTRY.id).status.value == "approved"
    assert accrue(fold([ENTRY], [], as_of=AS_OF).entries, NATIONAL).credited_minutes == 180
    assert totals(ACCRUAL, "v1").credited_minutes == 180
    assert find_overlaps([ENTRY, STATE], 0)[0].minutes == 180
    assert totals_by_volunteer(ACCRUAL)["v1"].credited_minutes == 180
    assert totals_as_of([ENTRY], [], NATIONAL, volunteer_id="v1", as_of=AS_OF).raw_minutes == 180
    day = date(2026, 5, 1)
    certified = {ENTRY.id: [SimpleNamespace(day=day, minutes=60)]}
    assert accrue([STATE], NATIONAL, certified=certified).credited_minutes == 60
    assert [s.minutes for s in split_by_local_day(ENTRY.start, ENTRY.end, ZoneInfo("UTC"))] == [
        180
    ]
    assert auto_approve_below(60).approval.below_minutes == 60
    assert BackfillDeadline(days=1).last_day(ENTRY.end, ZoneInfo("UTC")) == date(2026, 5, 2)
    assert CalendarYear(year=2026).contains(day) and LIFETIME.contains(day)
    assert DateRange(first=day, last=day).contains(day)
    assert RollingMonths(months=1, ending=day).contains(day)


def test_totals_as_of_streams_the_entries_and_events_of_others() -> None:
    """Entries and events of other volunteers are let go as they are read, not held in a list.

    The type checks added to totals_as_of read both iterables into lists first, so a ledger
    streamed from a store was held whole in memory (the data rules: bulk paths stream).
    """
    alive: list[weakref.ref[Any]] = []

    def stream(items: Iterator[Any]) -> Iterator[Any]:
        for i, item in enumerate(items):
            alive.append(weakref.ref(item))
            # the item before the previous one (the first is the volunteer's own, kept)
            if i >= 3:
                assert alive[i - 2]() is None, f"item {i - 2} is still held"
            yield item

    def others() -> Iterator[ServiceEntry]:
        yield ENTRY
        for i in range(6):
            start = datetime(2026, 5, 2 + i, tzinfo=UTC)
            yield make_entry(f"o{i}", start, start.replace(hour=2), ZoneInfo("UTC"),
                             volunteer=f"other{i}")  # fmt: skip

    def events() -> Iterator[Approved]:
        yield APPROVED
        for i in range(6):
            yield Approved(id=evid(f"x{i}"), entry_id=EntryId(origin="t", local_id=f"o{i}"),
                           actor="lead", at=AS_OF)  # fmt: skip

    mine = totals_as_of(stream(others()), [], NATIONAL, volunteer_id="v1", as_of=AS_OF)
    assert mine.raw_minutes == 180
    alive.clear()
    mine = totals_as_of([ENTRY], stream(events()), NATIONAL, volunteer_id="v1", as_of=AS_OF)
    assert mine.credited_minutes == 180


def test_certified_days_may_be_any_collection_or_iterator() -> None:
    """An entry's certified days may be a list, tuple, set or a generator, as before 92e70a7.

    The type check took only sequences, so a set of days (or a generator) was refused with
    hours.invalid_argument; a generator is read once, into the credit it gives.
    """
    from dataclasses import dataclass

    @dataclass(frozen=True)
    class Day:
        day: date
        minutes: int

    days = [Day(date(2026, 5, 1), 40), Day(date(2026, 5, 1), 20)]
    for given in (days, tuple(days), set(days), (d for d in days)):
        credit = accrue([STATE], NATIONAL, certified={ENTRY.id: given})
        assert credit.credited_minutes == 60, type(given).__name__
