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


_PREFS = {"v1": ["s1"]}
_SLOTS = {"s1": ["v1"]}
_CAPS = {"s1": 1}


@pytest.mark.parametrize(
    ("args", "path"),
    [
        ((None, _SLOTS, _CAPS), "$.volunteer_prefs"),
        ((_PREFS, [("s1", ["v1"])], _CAPS), "$.slot_prefs"),
        ((_PREFS, _SLOTS, None), "$.capacities"),
        (({"v1": "s1"}, _SLOTS, _CAPS), "$.volunteer_prefs.v1"),  # one text, not a ranking
        (({"v1": ["s1", 7]}, _SLOTS, _CAPS), "$.volunteer_prefs.v1[1]"),
        (({5: ["s1"]}, _SLOTS, _CAPS), "$.volunteer_prefs"),
        ((_PREFS, {"s1": None}, _CAPS), "$.slot_prefs.s1"),
        ((_PREFS, _SLOTS, {7: 1}), "$.capacities"),
    ],
)
def test_arguments_of_the_wrong_type_are_refused_with_their_path(args, path):
    """Rankings are mappings of id to a list of ids, capacities a mapping of id to a count.

    Before, None raised a bare AttributeError, a ranking given as one text was read letter by
    letter (slot "s1" became slots "s" and "1"), and ids that are not text went through.
    """
    for run in (
        lambda: deferred_acceptance(*args),
        lambda: blocking_pairs(deferred_acceptance(_PREFS, _SLOTS, _CAPS), *args),
    ):
        with pytest.raises(MatchingInputError) as info:
            run()
        assert (info.value.code, info.value.path) == ("matching.invalid", path)


def test_blocking_pairs_needs_a_stable_matching():
    """blocking_pairs of something that is not a StableMatching is matching.invalid at $.matching."""
    with pytest.raises(MatchingInputError) as info:
        blocking_pairs({"v1": "s1"}, _PREFS, _SLOTS, _CAPS)  # type: ignore[arg-type]
    assert (info.value.code, info.value.path) == ("matching.invalid", "$.matching")


@pytest.mark.parametrize(
    ("candidates", "path"),
    [
        (None, "$.candidates"),
        ([("v1", "s1")], "$.candidates[0]"),
        ([("v1", "s1", 3), ("v2", "s1", "3")], "$.candidates[1]"),
        ([("v1", "s1", True)], "$.candidates[0]"),
        ([(1, "s1", 3)], "$.candidates[0]"),
    ],
)
def test_preferences_from_scores_refuses_what_is_not_a_scored_pair(candidates, path):
    """Each candidate is a (volunteer id, slot id, integer score) triple.

    Before, a pair or a text score raised a bare ValueError or TypeError from inside the sort.
    """
    with pytest.raises(MatchingInputError) as info:
        preferences_from_scores(candidates)
    assert (info.value.code, info.value.path) == ("matching.invalid", path)
