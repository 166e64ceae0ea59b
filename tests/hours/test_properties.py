"""Hypothesis properties of the ledger: conservation, additivity, idempotency."""

from __future__ import annotations

import itertools
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from random import Random
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from volunteerkit.hours import (
    NATIONAL,
    AccrualPolicy,
    CalendarYear,
    LedgerEvent,
    OverlapRule,
    ServiceEntry,
    accrue,
    fold,
    split_by_local_day,
    totals,
    totals_by_volunteer,
)

from .strategies import BASE, aware, entry_ids, events, policies, service_entries, zones

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def whole_minutes(instant: datetime) -> int:
    """Whole minutes since the epoch, floored (the library's documented rule, recomputed here)."""
    return (instant - EPOCH) // timedelta(minutes=1)


# Service in the first two weeks of 2026 (so entries of one volunteer overlap often) and
# events in the weeks after, so that many entries are recorded and decided by ``as_of``.
CLUSTER = st.integers(0, 14 * 24 * 60).map(lambda m: BASE + timedelta(minutes=m))
LATER = st.integers(14 * 24 * 60, 80 * 24 * 60).map(lambda m: BASE + timedelta(minutes=m))


@st.composite
def ledgers(draw: st.DrawFn) -> tuple[list[ServiceEntry], list[LedgerEvent], datetime]:
    """A small ledger and an instant to fold it at.

    Up to 8 entries with distinct ids, up to 15 events referring to them (or to nothing), and
    an instant to fold at: far in the future, at an event, at a recording, or anywhere.
    """
    entries = draw(st.lists(service_entries(starts=CLUSTER), max_size=8, unique_by=lambda e: e.id))
    targets = st.sampled_from([e.id for e in entries]) if entries else entry_ids
    evs = draw(
        st.lists(
            targets.flatmap(lambda i: events(i, times=LATER)), max_size=15, unique_by=lambda e: e.id
        )
    )
    moments = [BASE + timedelta(days=400)]
    moments += [e.at for e in evs] + [e.recorded_at for e in entries]
    as_of = draw(st.sampled_from(moments) | aware())
    return entries, evs, as_of


@given(aware(), st.integers(min_value=0, max_value=4 * 1440), zones)
def test_splitting_by_local_day_conserves_minutes(
    start: datetime, minutes: int, zone: ZoneInfo
) -> None:
    """Splitting by local day conserves minutes.

    The slices of ``[start, start + m)`` add up to ``m`` whole minutes (seconds floored at both
    ends), are in order, contiguous, each on a later local date, and no day exceeds 25 hours.
    ``m`` is elapsed time: added in UTC, not to the wall clock of ``start``'s zone (which would
    make 4 days over a fall-back night 97 hours).
    """
    end = (start.astimezone(UTC) + timedelta(minutes=minutes)).astimezone(start.tzinfo)
    slices = split_by_local_day(start, end, zone)
    floored = end.astimezone(UTC).replace(second=0, microsecond=0) - start.astimezone(UTC).replace(
        second=0, microsecond=0
    )
    assert sum(s.minutes for s in slices) == floored // timedelta(minutes=1)
    for a, b in itertools.pairwise(slices):
        assert a.end == b.start
        assert a.day < b.day
    for s in slices:
        assert 0 < s.minutes <= 25 * 60
        assert s.start.astimezone(zone).date() == s.day


@settings(max_examples=150, deadline=None)
@given(ledgers(), policies())
def test_totals_equal_the_sum_of_effective_entries_credits(
    ledger: tuple[list[ServiceEntry], list[LedgerEvent], datetime], policy: AccrualPolicy
) -> None:
    """Totals equal the sum of the effective entries' credits.

    After any sequence of events, each volunteer's lifetime totals equal the sum of the
    effective entries' credits; day lines equal entry lines; calendar years add up to lifetime;
    credited never exceeds the daily cap.
    """
    entries, evs, as_of = ledger
    state = fold(entries, evs, as_of=as_of)
    accrual = accrue(state.entries, policy)
    effective_ids = {s.id for s in state.effective()}
    assert {c.entry_id for c in accrual.entries} == effective_ids
    per_volunteer: dict[str, int] = defaultdict(int)
    raw_per_volunteer: dict[str, int] = defaultdict(int)
    for entry_line in accrual.entries:
        per_volunteer[entry_line.volunteer_id] += entry_line.credited_minutes
        raw_per_volunteer[entry_line.volunteer_id] += entry_line.raw_minutes
    by_volunteer = totals_by_volunteer(accrual)
    assert {v: t.credited_minutes for v, t in by_volunteer.items()} == dict(per_volunteer)
    assert {v: t.raw_minutes for v, t in by_volunteer.items()} == dict(raw_per_volunteer)
    for volunteer, total in by_volunteer.items():
        years = {d.year for d in total.by_day}
        assert sum(
            totals(accrual, volunteer, CalendarYear(year=y)).credited_minutes for y in years
        ) == (total.credited_minutes)
        if policy.daily_cap_minutes is not None:
            assert all(m.credited <= policy.daily_cap_minutes for m in total.by_day.values())
    for s in state.effective():
        line = accrual.entry(s.id)
        assert line is not None
        assert line.raw_minutes == s.as_entry().net_minutes


@settings(max_examples=150, deadline=None)
@given(ledgers())
def test_without_merging_caps_or_rounding_credit_is_net_minutes(
    ledger: tuple[list[ServiceEntry], list[LedgerEvent], datetime],
) -> None:
    """Without merging, caps or rounding, credit is the net minutes.

    With no caps, rounding or merging, every effective entry is credited its net minutes
    (duration minus break after corrections), computed independently of the accrual.
    """
    entries, evs, as_of = ledger
    policy = AccrualPolicy(name="plain", overlaps=OverlapRule(merge=False))
    state = fold(entries, evs, as_of=as_of)
    accrual = accrue(state.entries, policy)
    expected: dict[str, int] = defaultdict(int)
    for s in state.effective():
        expected[s.volunteer_id] += whole_minutes(s.end) - whole_minutes(s.start) - s.break_minutes
    assert {v: t.credited_minutes for v, t in totals_by_volunteer(accrual).items()} == dict(
        expected
    )


@settings(max_examples=100, deadline=None)
@given(ledgers(), st.randoms(use_true_random=False))
def test_fold_is_idempotent_and_order_free(
    ledger: tuple[list[ServiceEntry], list[LedgerEvent], datetime], rnd: Random
) -> None:
    """Duplicating and shuffling entries and events leaves the folded state unchanged."""
    entries, evs, as_of = ledger
    once = fold(entries, evs, as_of=as_of)
    more_entries = entries + entries
    more_events = evs + evs[: len(evs) // 2]
    rnd.shuffle(more_entries)
    rnd.shuffle(more_events)
    assert fold(more_entries, more_events, as_of=as_of) == once


@settings(max_examples=60, deadline=None)
@given(ledgers())
def test_credit_as_of_far_past_is_zero_and_later_events_never_apply_early(
    ledger: tuple[list[ServiceEntry], list[LedgerEvent], datetime],
) -> None:
    """Events never apply before their time.

    Before any recording nothing is credited; folding as of T equals folding only the events
    dated at or before T.
    """
    entries, evs, _ = ledger
    assert accrue(fold(entries, evs, as_of=BASE - timedelta(days=1)).entries, NATIONAL).days == ()
    for event in evs:
        t = event.at
        earlier = [e for e in evs if e.at <= t]
        assert fold(entries, evs, as_of=t) == fold(entries, earlier, as_of=t)


@settings(max_examples=150, deadline=None)
@given(ledgers())
def test_merged_credit_is_the_union_of_served_minutes(
    ledger: tuple[list[ServiceEntry], list[LedgerEvent], datetime],
) -> None:
    """Merged credit is the union of the minutes served.

    With merging and nothing else, a volunteer's credit is the number of distinct minutes
    covered by the served spans ``[start, end - break)`` (computed here as a set of minutes).
    """
    entries, evs, as_of = ledger
    state = fold(entries, evs, as_of=as_of)
    accrual = accrue(state.entries, AccrualPolicy(name="union"))
    minutes: dict[str, set[int]] = defaultdict(set)
    for s in state.effective():
        start = whole_minutes(s.start)
        minutes[s.volunteer_id].update(range(start, whole_minutes(s.end) - s.break_minutes))
    assert {v: t.credited_minutes for v, t in totals_by_volunteer(accrual).items()} == {
        v: len(m) for v, m in minutes.items()
    }
