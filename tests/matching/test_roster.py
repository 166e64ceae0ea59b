"""Shift rostering: hard rules hold, the bound is reported, shortfalls are explained."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from volunteerkit.matching import (
    Availability,
    Preferences,
    RosterRules,
    Shift,
    VolunteerProfile,
    WeeklyWindow,
    occurrences,
    roster,
)

SH = ZoneInfo("Asia/Shanghai")
WINDOW = (datetime(2026, 12, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))


def _shift(fid, hour, minutes, needed=1, rule="FREQ=DAILY;COUNT=7", slot="s"):
    return Shift(
        id=fid,
        slot_id=slot,
        project_id="p",
        start=datetime(2026, 12, 7, hour, 0, tzinfo=SH),
        duration_minutes=minutes,
        zone=SH,
        rrule=rule,
        needed=needed,
    )


def _occ(*shifts):
    return [o for s in shifts for o in occurrences(s, *WINDOW)]


def test_rest_and_daily_limits_spread_the_work():
    """Morning and evening shifts with 8 h rest: nobody works both on one day; work is spread."""
    morning = _shift("am", 8, 240)
    evening = _shift("pm", 15, 240)
    vols = [VolunteerProfile(id=v) for v in ("a", "b")]
    r = roster(_occ(morning, evening), {"s": ["a", "b"]}, vols, RosterRules(min_rest_minutes=480))
    assert r.needed == 14
    assert r.upper_bound == 14
    by_day = {}
    for x in r.shifts:
        by_day.setdefault((x.volunteer_id, x.start.astimezone(SH).date()), []).append(x.shift_id)
    assert all(len(v) == 1 for v in by_day.values())
    assert r.filled == 14
    assert r.minutes == {"a": 1680, "b": 1680}
    assert r.optimality_bound == 1.0


def test_weekly_cap_leaves_shifts_uncovered_with_a_reason():
    """One volunteer capped at 600 minutes a week can take two 4-hour shifts of seven."""
    vols = [VolunteerProfile(id="a", preferences=Preferences(max_minutes_per_week=600))]
    r = roster(_occ(_shift("am", 8, 240)), {"s": ["a"]}, vols)
    assert r.filled == 2
    assert r.upper_bound == 7
    assert len(r.uncovered) == 5
    assert r.uncovered[0].reason.code == "matching.roster_uncovered"
    assert r.uncovered[0].missing == 1
    assert r.optimality_bound == 2 / 7


def test_availability_limits_the_bound():
    """A volunteer available only on Saturdays can take only the Saturday occurrence."""
    sat = Availability(zone=SH, weekly=(WeeklyWindow(weekday=5, start_minute=0, end_minute=1440),))
    vols = [VolunteerProfile(id="a", availability=sat)]
    r = roster(_occ(_shift("am", 8, 240)), {"s": ["a"]}, vols)
    assert r.filled == r.upper_bound == 1
    assert r.shifts[0].start == datetime(2026, 12, 12, 0, 0, tzinfo=UTC)


@st.composite
def _instances(draw):
    shifts = []
    for i in range(draw(st.integers(1, 4))):
        shifts.append(
            _shift(
                f"f{i}",
                draw(st.integers(0, 20)),
                draw(st.integers(30, 600)),
                needed=draw(st.integers(1, 3)),
                rule=f"FREQ=DAILY;COUNT={draw(st.integers(1, 5))}",
            )
        )
    vols = [
        VolunteerProfile(
            id=f"v{i}",
            preferences=Preferences(max_minutes_per_week=draw(st.none() | st.integers(60, 3000))),
        )
        for i in range(draw(st.integers(1, 5)))
    ]
    rules = RosterRules(
        max_minutes_per_day=draw(st.none() | st.integers(60, 900)),
        max_minutes_per_week=draw(st.none() | st.integers(60, 3000)),
        min_rest_minutes=draw(st.integers(0, 720)),
    )
    return shifts, vols, rules


@settings(max_examples=60, deadline=None)
@given(_instances())
def test_every_roster_obeys_the_rules(instance):
    """On random instances no volunteer overlaps, lacks rest, or exceeds a daily or weekly limit."""
    shifts, vols, rules = instance
    occ = _occ(*shifts)
    r = roster(occ, {"s": [v.id for v in vols]}, vols, rules)
    assert r.filled <= r.upper_bound <= r.needed
    assert r.filled == len(r.shifts)
    rest = timedelta(minutes=rules.min_rest_minutes)
    for v in vols:
        mine = sorted((x.start, x.end) for x in r.shifts if x.volunteer_id == v.id)
        for (_s1, e1), (s2, _) in itertools.pairwise(mine):
            assert e1 + rest <= s2
        days, weeks = {}, {}
        for s, e in mine:
            d = s.astimezone(SH).date()
            days[d] = days.get(d, 0) + (e - s) // timedelta(minutes=1)
            wk = d.isocalendar()[:2]
            weeks[wk] = weeks.get(wk, 0) + (e - s) // timedelta(minutes=1)
        if rules.max_minutes_per_day is not None:
            assert all(x <= rules.max_minutes_per_day for x in days.values())
        caps = [c for c in (rules.max_minutes_per_week, v.preferences.max_minutes_per_week) if c]
        if caps:
            assert all(x <= min(caps) for x in weeks.values())
    per_occ = {}
    for x in r.shifts:
        per_occ[(x.shift_id, x.start)] = per_occ.get((x.shift_id, x.start), 0) + 1
    needed = {(o.shift_id, o.start): o.needed for o in occ}
    assert all(per_occ[k] <= needed[k] for k in per_occ)


def test_arguments_of_the_wrong_type_are_refused_with_their_path():
    """roster() refuses wrong types with matching.invalid at their path, not a bare error.

    ``assigned`` given as a list raised AttributeError ('list' object has no attribute 'items'),
    a text of ids was read letter by letter, and a list as an id raised TypeError (unhashable).
    """
    import pytest

    from volunteerkit.matching import MatchingInputError

    occ = _occ(_shift("am", 8, 240))
    vols = [VolunteerProfile(id="a")]
    cases = [
        (lambda: roster(occ, [("s", ["a"])], vols), "matching.invalid", "$.assigned"),
        (lambda: roster(occ, {"s": "a"}, vols), "matching.invalid", "$.assigned.s"),
        (lambda: roster(occ, {"s": [["a"]]}, vols), "matching.unknown_reference", "$.assigned.s[0]"),
        (lambda: roster(occ, {"s": ["a"]}, ["a"]), "matching.invalid", "$.volunteers[0]"),
        (lambda: roster([None], {"s": ["a"]}, vols), "matching.invalid", "$.occurrences[0]"),
        (lambda: roster(occ, {"s": ["a"]}, vols, {"min_rest_minutes": 0}), "matching.invalid", "$.rules"),
    ]
    for call, code, path in cases:
        with pytest.raises(MatchingInputError) as info:
            call()
        assert (info.value.code, info.value.path) == (code, path)
    assert roster(occ, {"s": ("a",)}, vols).filled == 7  # a tuple of ids is a sequence too
