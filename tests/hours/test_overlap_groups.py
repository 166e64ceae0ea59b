"""The groups of overlapping service that limit a volunteer's replay (``ledger._overlap_groups``).

Under a plain policy (no rounding, cap, per-entry maximum or time window) the merge credits each
entry from the latest served end before it (docs/recording-hours.md, "How credit is computed",
step 4). A group ends where the next entry, in the merge's order, starts at or after every
earlier served end, so no credit crosses from one group to the next. The ledger replays only the
groups that hold an entry a call approved or recorded; these tests pin the groups by hand and
check, for any entries and any effective subsets, that credit indeed crosses no group line.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from volunteerkit.hours import AccrualPolicy, OverlapRule, ServiceEntry, Weighting
from volunteerkit.hours.ledger import _overlap_groups, _plain_policy

from .strategies import make_entry, weightings
from .test_accrual_invariants import accrual_policies, dense_entries, run

SHANGHAI = ZoneInfo("Asia/Shanghai")
ZONES = st.sampled_from([SHANGHAI, ZoneInfo("Asia/Kathmandu"), ZoneInfo("UTC")])
DAY = datetime(2026, 5, 1, 1, tzinfo=UTC)  # 09:00 in Shanghai


def _at(key: str, start_minute: int, minutes: int, break_minutes: int = 0) -> ServiceEntry:
    start = DAY + timedelta(minutes=start_minute)
    return make_entry(
        key, start, start + timedelta(minutes=minutes), SHANGHAI, break_minutes=break_minutes
    )


def _groups(entries: list[ServiceEntry], *changed: str) -> list[str]:
    ids = {e.id.local_id: e.id for e in entries}
    return sorted(i.local_id for i in _overlap_groups(entries, {ids[c] for c in changed}))


def test_back_to_back_entries_are_two_groups_and_overlapping_ones_one():
    a, b, c = _at("a", 0, 60), _at("b", 60, 60), _at("c", 90, 60)  # b starts as a ends
    assert _groups([a, b, c], "a") == ["a"]
    assert _groups([a, b, c], "c") == ["b", "c"]
    assert _groups([c, b, a], "b", "a") == ["a", "b", "c"]


def test_a_group_runs_on_through_an_entry_held_inside_a_long_one():
    long, inside, after, later = _at("l", 0, 300), _at("i", 30, 30), _at("x", 200, 200), _at(
        "y", 400, 10
    )
    assert _groups([long, inside, after, later], "i") == ["i", "l", "x"]
    assert _groups([long, inside, after, later], "y") == ["y"]  # starts as x ends


def test_the_break_shortens_what_a_group_covers():
    """The break comes off the end: served 09:00-10:00, so one starting 10:00 is a new group."""
    a = _at("a", 0, 120, break_minutes=60)
    b = _at("b", 60, 30)
    assert _groups([a, b], "b") == ["b"]
    assert _groups([a, _at("c", 59, 30)], "c") == ["a", "c"]


def test_nothing_changed_no_group():
    assert _groups([_at("a", 0, 60), _at("b", 30, 60)]) == []


@st.composite
def crowded_entries(draw: st.DrawFn) -> list[ServiceEntry]:
    """One to eight entries of one volunteer inside ten hours: most overlap, some nest.

    Starts fall on the minute or 41 seconds after it; breaks shorten the served end; zones
    differ, so some entries cross local midnight (Kathmandu, UTC+05:45) and others do not.
    """
    entries = []
    for i in range(draw(st.integers(1, 8))):
        start = DAY + timedelta(
            minutes=draw(st.integers(0, 600)), seconds=draw(st.sampled_from([0, 0, 41]))
        )
        minutes = draw(st.integers(1, 300))
        entries.append(
            make_entry(
                f"e{i}",
                start,
                start + timedelta(minutes=minutes),
                draw(ZONES),
                break_minutes=draw(st.integers(0, min(60, minutes - 1))),
            )
        )
    return entries


@st.composite
def plain_policies(draw: st.DrawFn) -> AccrualPolicy:
    """A plain policy: merging or not, any grace, category multipliers, nothing else."""
    return AccrualPolicy(
        name="plain",
        overlaps=OverlapRule(merge=draw(st.booleans()), grace_minutes=draw(st.integers(0, 10))),
        weighting=Weighting(categories=draw(weightings()).categories),
    )


@settings(max_examples=300, deadline=None)
@given(
    entries=crowded_entries() | dense_entries(),
    policy=plain_policies() | accrual_policies().filter(_plain_policy),
    data=st.data(),
)
def test_credit_crosses_no_group_line(entries, policy, data):
    """Credit crosses no group line, whichever entries are effective or become so.

    The groups' entries are credited alone what all the entries give them, and every other
    entry is credited the same before and after the changed entries become effective or not.
    """
    assert _plain_policy(policy)
    mine = [e for e in entries if e.volunteer_id == "v1"]
    assume(mine)
    ids = [e.id for e in mine]
    changed = data.draw(st.sets(st.sampled_from(ids)), label="changed")
    groups = _overlap_groups(mine, changed)
    assert changed <= groups
    base = {i for i in ids if i not in changed and data.draw(st.booleans(), label=f"keep {i}")}
    before = base | {i for i in changed if data.draw(st.booleans(), label=f"before {i}")}
    after = base | {i for i in changed if data.draw(st.booleans(), label=f"after {i}")}

    def lines(effective):
        accrual = run([e for e in mine if e.id in effective], policy)
        return {(d.entry_id, d.day): d for d in accrual.days}

    full_after, full_before = lines(after), lines(before)
    assert {k: d for k, d in full_after.items() if k[0] in groups} == lines(after & groups)
    outside_after = {k: d for k, d in full_after.items() if k[0] not in groups}
    assert outside_after == {k: d for k, d in full_before.items() if k[0] not in groups}
