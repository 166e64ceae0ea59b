"""Hypothesis properties of the accrual rules: the invariants the documentation states.

Entries here are dense: up to seven per draw for two volunteers, inside three days around the
New York fall-back of 2026-11-01, so that a volunteer has several entries on one local day,
overlapping or back to back, some crossing local midnight, in Kathmandu (UTC+05:45), New York,
Shanghai and UTC. Policies draw every knob the order of operations has (units 6/15/30/60, modes
down/nearest/up, per entry/per day, per-entry maximum, daily cap, merging and grace).

The rules checked are those of :mod:`volunteerkit.hours.accrual` ("Order of operations") and of
``docs/recording-hours.md`` ("How credit is computed"):

* caps are never exceeded, by rounding or otherwise;
* raw minutes are the served span split by local day, whatever the policy;
* travel is never credited; the grace only hides overlaps from the report;
* per-entry rounding rounds each entry's credit after the union, per-day rounding each capped
  day, and rounding up stops only at a cap;
* weighted credit is exact, whatever the number of digits of the multipliers;
* the result does not depend on the order of the input.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import MAX_EMAX, MAX_PREC, MIN_EMIN, Context, Decimal, Inexact
from random import Random
from zoneinfo import ZoneInfo

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from volunteerkit.hours import (
    Accrual,
    AccrualPolicy,
    CategoryMultiplier,
    OverlapRule,
    Rounding,
    RoundingMode,
    RoundingScope,
    ServiceEntry,
    TimeWindowMultiplier,
    Weighting,
    accrue,
    fold,
    round_minutes,
    split_by_local_day,
    totals_by_volunteer,
)
from volunteerkit.hours.accrual import _accrue_alone, _accrue_volunteer
from volunteerkit.hours.fold import EntryState

from .strategies import RECORDED, make_entry, weightings

KATHMANDU = ZoneInfo("Asia/Kathmandu")
NEW_YORK = ZoneInfo("America/New_York")
DENSE_ZONES = st.sampled_from([KATHMANDU, NEW_YORK, ZoneInfo("Asia/Shanghai"), ZoneInfo("UTC")])

# New York falls back at 2026-11-01 06:00 UTC; three days around it.
FIRST = datetime(2026, 10, 31, 0, 0, tzinfo=UTC)
SPAN = 3 * 24 * 60

#: Exact Decimal arithmetic for the expected values (never rounds, traps if it would).
EXACT = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN, traps=[Inexact])


@st.composite
def dense_entries(draw: st.DrawFn) -> list[ServiceEntry]:
    """One to seven approved entries of volunteers v1 and v2, inside three days.

    Durations are mostly a few hours (so entries share days and overlap), sometimes up to
    16 hours (so they cross local midnight); breaks and travel are drawn too.
    """
    entries = []
    for i in range(draw(st.integers(1, 7))):
        start = FIRST + timedelta(
            minutes=draw(st.integers(0, SPAN)), seconds=draw(st.sampled_from([0, 0, 0, 41]))
        )
        minutes = draw(st.integers(1, 300) | st.integers(1, 16 * 60))
        end = start + timedelta(minutes=minutes)
        entry = make_entry(
            f"e{i}",
            start,
            end,
            draw(DENSE_ZONES),
            volunteer=draw(st.sampled_from(["v1", "v2"])),
            category=draw(st.sampled_from(["community", "emergency"])),
            break_minutes=draw(st.integers(0, min(60, minutes - 1))),
        )
        entries.append(attrs.evolve(entry, travel_minutes=draw(st.integers(0, 90))))
    return entries


@st.composite
def accrual_policies(draw: st.DrawFn, weighted: bool = True) -> AccrualPolicy:
    """Any valid accrual policy: every rounding, maximum, cap, overlap rule and weighting.

    A cap that rounding follows is a multiple of the unit (the policy refuses anything else);
    the other cap is any number of minutes, so a maximum of 50 under per-day 30-minute rounding
    is drawn as well.
    """
    rounding = draw(
        st.none()
        | st.builds(
            Rounding,
            unit_minutes=st.sampled_from([6, 15, 30, 60]),
            mode=st.sampled_from(list(RoundingMode)),
            scope=st.sampled_from(list(RoundingScope)),
        )
    )
    unit = 1 if rounding is None else rounding.unit_minutes
    any_cap = st.integers(1, 600)
    multiple = st.integers(1, 16).map(lambda k: k * unit * (60 // unit if unit < 60 else 1))
    small_multiple = st.integers(1, 20).map(lambda k: k * unit)
    rounded_cap = multiple | small_multiple
    per_entry = rounding is not None and rounding.scope is RoundingScope.PER_ENTRY
    per_day = rounding is not None and rounding.scope is RoundingScope.PER_DAY
    return AccrualPolicy(
        name="drawn",
        rounding=rounding,
        max_entry_minutes=draw(st.none() | (rounded_cap if per_entry else any_cap)),
        daily_cap_minutes=draw(st.none() | (rounded_cap if per_day else any_cap)),
        overlaps=OverlapRule(merge=draw(st.booleans()), grace_minutes=draw(st.integers(0, 10))),
        weighting=draw(weightings()) if weighted else Weighting(),
    )


def states(entries: Sequence[ServiceEntry]) -> tuple[EntryState, ...]:
    """The folded states of ``entries`` (all approved on entry, no events)."""
    return fold(entries, [], as_of=RECORDED).entries


def run(entries: Sequence[ServiceEntry], policy: AccrualPolicy) -> Accrual:
    """Fold and accrue."""
    return accrue(states(entries), policy)


def per_volunteer_day(accrual: Accrual) -> dict[tuple[str, date], int]:
    """Credited minutes per volunteer and local date (dates of all zones grouped together)."""
    out: dict[tuple[str, date], int] = defaultdict(int)
    for line in accrual.days:
        out[line.volunteer_id, line.day] += line.credited_minutes
    return dict(out)


def per_entry(accrual: Accrual) -> dict[str, int]:
    """Credited minutes per entry local id."""
    return {line.entry_id.local_id: line.credited_minutes for line in accrual.entries}


@settings(max_examples=400, deadline=None)
@given(entries=dense_entries(), policy=accrual_policies())
def test_caps_are_never_exceeded(entries: list[ServiceEntry], policy: AccrualPolicy) -> None:
    """No entry is credited more than the per-entry maximum, no day more than the daily cap.

    Module doc: "rounding never lifts a credit above its cap"; ``max_entry_minutes``: "Credit at
    most this many minutes per entry"; ``daily_cap_minutes``: "Credit at most this many minutes
    per volunteer per local calendar day". Checked under every rounding, up included.
    """
    accrual = run(entries, policy)
    if policy.max_entry_minutes is not None:
        assert all(c <= policy.max_entry_minutes for c in per_entry(accrual).values())
    if policy.daily_cap_minutes is not None:
        assert all(c <= policy.daily_cap_minutes for c in per_volunteer_day(accrual).values())


@settings(max_examples=200, deadline=None)
@given(entries=dense_entries(), policy=accrual_policies())
def test_raw_minutes_are_the_served_span_whatever_the_policy(
    entries: list[ServiceEntry], policy: AccrualPolicy
) -> None:
    """Raw minutes are the served span ``[start, end - break)`` split by local day.

    Step 2 of the order of operations. No maximum, merge, cap or rounding changes them, and they
    add up to whole UTC minutes, so the 25-hour 2026-11-01 in New York and Kathmandu's
    quarter-hour offset are exact.
    """
    accrual = run(entries, policy)
    lines: dict[str, list[tuple[date, int]]] = defaultdict(list)
    for line in accrual.days:
        lines[line.entry_id.local_id].append((line.day, line.raw_minutes))
    for entry in entries:
        served_end = entry.end - timedelta(minutes=entry.break_minutes)
        expected = [
            (s.day, s.minutes) for s in split_by_local_day(entry.start, served_end, entry.zone)
        ]
        assert lines[entry.id.local_id] == expected
        whole = entry.end.replace(second=0) - entry.start.replace(second=0)
        total = whole // timedelta(minutes=1) - entry.break_minutes
        assert accrual.entry(entry.id) is not None
        assert accrual.entry(entry.id).raw_minutes == total  # type: ignore[union-attr]


@settings(max_examples=150, deadline=None)
@given(entries=dense_entries(), policy=accrual_policies(), data=st.data())
def test_travel_is_never_credited_and_the_grace_only_hides_overlaps(
    entries: list[ServiceEntry], policy: AccrualPolicy, data: st.DataObject
) -> None:
    """Travel never counts, and the grace changes the overlap report only.

    Step 2: "Travel is never credited". ``OverlapRule.grace_minutes``: overlaps within the grace
    "are not *reported*" but "a grace never credits a minute twice". Other travel times and
    another grace give the same day and entry lines; the overlaps reported are those longer
    than the grace.
    """
    accrual = run(entries, policy)
    travelled = [attrs.evolve(e, travel_minutes=data.draw(st.integers(0, 600))) for e in entries]
    assert run(travelled, policy) == accrual
    grace = data.draw(st.integers(0, 120))
    other = run(
        entries, attrs.evolve(policy, overlaps=attrs.evolve(policy.overlaps, grace_minutes=grace))
    )
    assert (other.days, other.entries) == (accrual.days, accrual.entries)
    no_grace = run(entries, attrs.evolve(policy, overlaps=OverlapRule(merge=True)))
    assert other.overlaps == tuple(o for o in no_grace.overlaps if o.minutes > grace)


@settings(max_examples=300, deadline=None)
@given(entries=dense_entries(), policy=accrual_policies(weighted=False))
def test_per_entry_rounding_rounds_each_entry_after_the_union(
    entries: list[ServiceEntry], policy: AccrualPolicy
) -> None:
    """Per-entry rounding rounds what each entry keeps after maximum and union.

    Steps 3-5: maximum, union, then "each entry's remaining minutes are rounded" (scope
    ``per_entry``: "after overlaps are merged and before it is split into local days"). So an
    entry left with 10 minutes by the union is credited 30 under 30-minute units rounded up.
    Without a daily cap (which comes after), each entry's credit is the rounding of its credit
    under the same policy without rounding.
    """
    if policy.rounding is None or policy.rounding.scope is not RoundingScope.PER_ENTRY:
        policy = attrs.evolve(
            policy,
            rounding=Rounding(unit_minutes=30, mode=RoundingMode.UP, scope=RoundingScope.PER_ENTRY),
            max_entry_minutes=None,
        )
    rounding = policy.rounding
    assert rounding is not None
    policy = attrs.evolve(policy, daily_cap_minutes=None)
    unrounded = per_entry(run(entries, attrs.evolve(policy, rounding=None)))
    assert per_entry(run(entries, policy)) == {
        k: round_minutes(m, rounding.unit_minutes, rounding.mode) for k, m in unrounded.items()
    }


@settings(max_examples=400, deadline=None)
@given(entries=dense_entries(), policy=accrual_policies(weighted=False))
def test_per_day_rounding_rounds_each_capped_day_and_stops_only_at_a_cap(
    entries: list[ServiceEntry], policy: AccrualPolicy
) -> None:
    """Per-day rounding rounds each volunteer's capped day; rounding up stops only at a cap.

    Steps 7-8: the daily cap, then "each day's capped total is rounded". The same policy without
    rounding gives each day's capped total T; the day is credited ``round(T)``. Rounding down
    takes minutes off; rounding up adds them to the day's parts from the last one backwards, an
    entry taking no more than keeps it within ``max_entry_minutes``. Only when every entry
    credited on that day has reached the maximum can the day stay below ``round(T)`` (and then
    still at least T).
    """
    if policy.rounding is None or policy.rounding.scope is not RoundingScope.PER_DAY:
        policy = attrs.evolve(
            policy,
            rounding=Rounding(unit_minutes=30, mode=RoundingMode.UP, scope=RoundingScope.PER_DAY),
            daily_cap_minutes=None,
        )
    rounding = policy.rounding
    assert rounding is not None
    capped = per_volunteer_day(run(entries, attrs.evolve(policy, rounding=None)))
    accrual = run(entries, policy)
    credited = per_volunteer_day(accrual)
    totals = per_entry(accrual)
    assert credited.keys() == capped.keys()
    for key, before in capped.items():
        target = round_minutes(before, rounding.unit_minutes, rounding.mode)
        if credited[key] == target:
            continue
        assert policy.max_entry_minutes is not None
        assert before <= credited[key] < target
        on_day = {
            line.entry_id.local_id
            for line in accrual.days
            if (line.volunteer_id, line.day) == key and line.credited_minutes > 0
        }
        assert all(totals[e] == policy.max_entry_minutes for e in on_day)


def test_per_day_rounding_up_never_lifts_an_entry_above_its_maximum() -> None:
    """The reviewer's case: maximum 60, 30-minute units rounded up per local day.

    09:00-09:50 (a, 50) and 10:00-11:00 (b, 60) in Shanghai on one day: 110 rounds up to 120.
    The day's last part (b) is at its maximum, so the 10 minutes go to the part before it
    (module doc, step 8): a 60, b 60, never b 70. With c (12:00-12:55, 55) the day's 165 rounds
    up to 180: c takes 5 (to its maximum), then a the other 10.
    """
    sh = ZoneInfo("Asia/Shanghai")
    policy = AccrualPolicy(
        name="up",
        max_entry_minutes=60,
        rounding=Rounding(unit_minutes=30, mode=RoundingMode.UP, scope=RoundingScope.PER_DAY),
    )
    day = datetime(2026, 6, 1, tzinfo=sh)
    a = make_entry("a", day.replace(hour=9), day.replace(hour=9, minute=50), sh)
    b = make_entry("b", day.replace(hour=10), day.replace(hour=11), sh)
    c = make_entry("c", day.replace(hour=12), day.replace(hour=12, minute=55), sh)
    assert per_entry(run([a, b], policy)) == {"a": 60, "b": 60}
    assert per_entry(run([a, b, c], policy)) == {"a": 60, "b": 60, "c": 60}


def test_per_day_rounding_up_stops_at_the_maximum() -> None:
    """Rounding up stops at the cap when no entry of the day can take more.

    Maximum 50 (any number of minutes: only the daily cap must be a multiple of a per-day unit),
    30-minute units rounded up per day. 09:00-09:50 (50) and 10:00-10:55 (55, credited 50): the
    day's 100 would round up to 120, but both entries are at their maximum, so the day stays at
    100 ("rounding never lifts a credit above its cap").
    """
    sh = ZoneInfo("Asia/Shanghai")
    policy = AccrualPolicy(
        name="up",
        max_entry_minutes=50,
        rounding=Rounding(unit_minutes=30, mode=RoundingMode.UP, scope=RoundingScope.PER_DAY),
    )
    day = datetime(2026, 6, 1, tzinfo=sh)
    a = make_entry("a", day.replace(hour=9), day.replace(hour=9, minute=50), sh)
    b = make_entry("b", day.replace(hour=10), day.replace(hour=10, minute=55), sh)
    accrual = run([a, b], policy)
    assert per_entry(accrual) == {"a": 50, "b": 50}
    assert per_volunteer_day(accrual) == {("v1", date(2026, 6, 1)): 100}


def test_per_day_rounding_up_counts_an_entrys_other_days_against_its_maximum() -> None:
    """The maximum counts an entry on all its days; days round up in date order.

    Shanghai, 30-minute units rounded up per day. Y 10:00-10:10 (10) on 1 June; X 23:20-00:50
    (40 on 1 June, 50 on 2 June). Maximum 90: X is full (90), so 1 June's 50 -> 60 goes to Y
    (20) and 2 June stays at 50. Maximum 120: 1 June's 10 go to X (its last part that day),
    then 2 June's 10 too: X 110, Y 10 (module doc, step 8).
    """
    sh = ZoneInfo("Asia/Shanghai")
    up = Rounding(unit_minutes=30, mode=RoundingMode.UP, scope=RoundingScope.PER_DAY)
    y = make_entry(
        "y", datetime(2026, 6, 1, 10, 0, tzinfo=sh), datetime(2026, 6, 1, 10, 10, tzinfo=sh), sh
    )
    x = make_entry(
        "x", datetime(2026, 6, 1, 23, 20, tzinfo=sh), datetime(2026, 6, 2, 0, 50, tzinfo=sh), sh
    )
    full = run([x, y], AccrualPolicy(name="90", max_entry_minutes=90, rounding=up))
    assert per_entry(full) == {"x": 90, "y": 20}
    assert per_volunteer_day(full) == {("v1", date(2026, 6, 1)): 60, ("v1", date(2026, 6, 2)): 50}
    room = run([x, y], AccrualPolicy(name="120", max_entry_minutes=120, rounding=up))
    assert per_entry(room) == {"x": 110, "y": 10}
    assert per_volunteer_day(room) == {("v1", date(2026, 6, 1)): 60, ("v1", date(2026, 6, 2)): 60}


def test_per_entry_rounding_rounds_what_the_union_leaves() -> None:
    """Per-entry rounding comes after the union: a 10-minute remainder rounds up to 30.

    Module doc steps 4-5 and ``RoundingScope.PER_ENTRY`` ("after overlaps are merged"): A
    09:00-10:00 (60), B 09:20-10:10 keeps 10:00-10:10 (10), rounded up to 30. The volunteer
    served 70 distinct minutes and is credited 90: each entry is rounded on its own, as documented.
    """
    sh = ZoneInfo("Asia/Shanghai")
    policy = AccrualPolicy(
        name="up",
        rounding=Rounding(unit_minutes=30, mode=RoundingMode.UP, scope=RoundingScope.PER_ENTRY),
    )
    a = make_entry(
        "a", datetime(2026, 6, 1, 9, 0, tzinfo=sh), datetime(2026, 6, 1, 10, 0, tzinfo=sh), sh
    )
    b = make_entry(
        "b", datetime(2026, 6, 1, 9, 20, tzinfo=sh), datetime(2026, 6, 1, 10, 10, tzinfo=sh), sh
    )
    assert per_entry(run([a, b], policy)) == {"a": 60, "b": 30}


@settings(max_examples=200, deadline=None)
@given(
    entries=dense_entries(),
    policy=accrual_policies(weighted=False),
    category=st.decimals(min_value=0, max_value=10**6, allow_nan=False, allow_infinity=False),
    window=st.decimals(min_value=0, max_value=10**6, allow_nan=False, allow_infinity=False),
    digits=st.integers(0, 40),
)
def test_weighted_credit_is_exact(
    entries: list[ServiceEntry],
    policy: AccrualPolicy,
    category: Decimal,
    window: Decimal,
    digits: int,
) -> None:
    """Weighted credit is credited minutes times the multipliers, exactly.

    Step 9: weighted credit "is an exact Decimal" (``Weighting``: "never rounded"), whatever
    the multipliers' digits (``accrue`` called directly takes any finite multiplier, not only
    the six decimal places the stores keep). Two windows covering the whole day with one
    multiplier give every minute, rounding extras included, the same weight. Totals add them
    up exactly too.
    """
    category = EXACT.add(category, EXACT.scaleb(Decimal(1), -digits))  # e.g. 1.000...0001
    weighting = Weighting(
        categories=(CategoryMultiplier(category="emergency", multiplier=category),),
        time_windows=(
            TimeWindowMultiplier(start="00:00", end="12:00", multiplier=window),
            TimeWindowMultiplier(start="12:00", end="00:00", multiplier=window),
        ),
    )
    for weights in (Weighting(categories=weighting.categories), weighting):
        accrual = run(entries, attrs.evolve(policy, weighting=weights))
        for line in accrual.days:
            factor = category if line.category == "emergency" else Decimal(1)
            if weights.time_windows:
                factor = EXACT.multiply(factor, window)
            assert line.weighted_minutes == EXACT.multiply(factor, line.credited_minutes)
        for total in accrual.entries:
            lines = [d.weighted_minutes for d in accrual.days if d.entry_id == total.entry_id]
            expected = Decimal(0)
            for value in lines:
                expected = EXACT.add(expected, value)
            assert total.weighted_minutes == expected
        for volunteer, sums in totals_by_volunteer(accrual).items():
            expected = Decimal(0)
            for line in accrual.days:
                if line.volunteer_id == volunteer:
                    expected = EXACT.add(expected, line.weighted_minutes)
            assert sums.weighted_minutes == expected


@settings(max_examples=150, deadline=None)
@given(entries=dense_entries(), policy=accrual_policies(), seed=st.randoms(use_true_random=False))
def test_accrual_does_not_depend_on_the_order_of_the_input(
    entries: list[ServiceEntry], policy: AccrualPolicy, seed: Random
) -> None:
    """Entries are taken in order of (start, id) whatever order they come in."""
    shuffled = list(states(entries))
    seed.shuffle(shuffled)
    assert accrue(shuffled, policy) == run(entries, policy)


def test_weighted_credit_keeps_every_digit_of_a_long_multiplier() -> None:
    """A multiplier of 28 significant digits times 61 minutes keeps all 29 digits of the product.

    ``Weighting``: weighted credit is "sums of whole minutes times Decimal multipliers, never
    rounded". 1.000000000000000000000000001 x 61 = 61.000000000000000000000000061 (Decimal's
    default context would give 61.00000000000000000000000006). The ledger's fast path for an
    isolated entry and the general path agree, and so do totals.
    """
    sh = ZoneInfo("Asia/Shanghai")
    multiplier = Decimal("1.000000000000000000000000001")
    policy = AccrualPolicy(
        name="long",
        weighting=Weighting(
            categories=(CategoryMultiplier(category="community", multiplier=multiplier),)
        ),
    )
    day = datetime(2026, 6, 1, tzinfo=sh)
    entry = make_entry("x", day.replace(hour=9), day.replace(hour=10, minute=1), sh)
    (state,) = states([entry])
    exact = Decimal("61.000000000000000000000000061")
    assert [line.weighted_minutes for line in _accrue_alone(state, policy)] == [exact]
    assert [line.weighted_minutes for line in _accrue_volunteer([state], policy)[0]] == [exact]
    accrual = accrue([state], policy)
    assert totals_by_volunteer(accrual)["v1"].weighted_minutes == exact
    night = attrs.evolve(
        policy,
        weighting=attrs.evolve(
            policy.weighting,
            time_windows=(TimeWindowMultiplier(start="09:00", end="09:01", multiplier=multiplier),),
        ),
    )
    # 1 minute in the window weighs multiplier**2, the other 60 weigh multiplier
    expected = EXACT.add(EXACT.multiply(multiplier, multiplier), EXACT.multiply(multiplier, 60))
    assert [line.weighted_minutes for line in accrue([state], night).days] == [expected]
