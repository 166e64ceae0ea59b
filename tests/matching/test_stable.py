"""Deferred acceptance with capacities."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from volunteerkit.matching import MatchingInputError, blocking_pairs, deferred_acceptance
from volunteerkit.matching.stable import preferences_from_scores


def test_classic_example_is_volunteer_optimal():
    """Each volunteer gets its first choice when slots' rankings allow; capacity 2 is honoured."""
    vp = {"a": ["x", "y"], "b": ["x", "y"], "c": ["x", "y"], "d": ["y"]}
    sp = {"x": ["c", "b", "a"], "y": ["a", "b", "c", "d"]}
    m = deferred_acceptance(vp, sp, {"x": 2, "y": 1})
    assert m.pairs == (("a", "y"), ("b", "x"), ("c", "x"))
    assert m.unmatched == ("d",)
    assert m.slot_of("a") == "y"
    assert m.slot_of("d") is None
    assert blocking_pairs(m, vp, sp, {"x": 2, "y": 1}) == []


def test_blocking_pair_is_found():
    """A hand-made unstable matching is reported with its blocking pair."""
    from volunteerkit.matching import StableMatching

    vp = {"a": ["x", "y"], "b": ["y"]}
    sp = {"x": ["a"], "y": ["b", "a"]}
    bad = StableMatching(pairs=(("a", "y"),), unmatched=("b",))
    assert blocking_pairs(bad, vp, sp, {"x": 1, "y": 1}) == [("a", "x"), ("b", "y")]


def test_duplicate_in_ranking_is_refused():
    """A ranking that lists a slot twice is refused with matching.duplicate_id."""
    with pytest.raises(MatchingInputError) as info:
        deferred_acceptance({"a": ["x", "x"]}, {"x": ["a"]}, {"x": 1})
    assert (info.value.code, info.value.path) == ("matching.duplicate_id", "$.volunteer_prefs.a[1]")


@st.composite
def _markets(draw):
    vols = [f"v{i}" for i in range(draw(st.integers(0, 8)))]
    slots = [f"s{i}" for i in range(draw(st.integers(1, 4)))]
    vp = {
        v: draw(
            st.permutations(slots).flatmap(
                lambda p: st.integers(0, len(p)).map(lambda k, p=p: p[:k])
            )
        )
        for v in vols
    }
    sp = {
        s: draw(
            st.permutations(vols).flatmap(
                lambda p: st.integers(0, len(p)).map(lambda k, p=p: p[:k])
            )
        )
        for s in slots
    }
    caps = {s: draw(st.integers(0, 3)) for s in slots}
    return vp, sp, caps


@settings(max_examples=150, deadline=None)
@given(_markets())
def test_result_is_stable_and_within_capacity(market):
    """On random markets the result has no blocking pair, respects capacities and acceptability."""
    vp, sp, caps = market
    m = deferred_acceptance(vp, sp, caps)
    assert blocking_pairs(m, vp, sp, caps) == []
    load = {}
    for v, s in m.pairs:
        load[s] = load.get(s, 0) + 1
        assert s in vp[v] and v in sp[s]
    assert all(load[s] <= caps[s] for s in load)
    assert sorted([v for v, _ in m.pairs] + list(m.unmatched)) == sorted(vp)


def test_preferences_from_scores_rank_by_score_then_id():
    """Derived rankings put higher scores first and break ties by id."""
    vp, sp = preferences_from_scores([("a", "x", 5), ("a", "y", 7), ("b", "x", 5), ("c", "x", 9)])
    assert vp == {"a": ["y", "x"], "b": ["x"], "c": ["x"]}
    assert sp == {"x": ["c", "a", "b"], "y": ["a"]}
