"""The exact allocation solver against networkx, brute force, OR-tools and SciPy."""

from __future__ import annotations

import importlib
import itertools
import os
from collections import Counter

import networkx as nx
import pytest
from hypothesis import given, settings

from volunteerkit.matching import AllocationProblem, MatchingInputError, allocate
from volunteerkit.matching._backends import FLOAT_EXACT, ortools_score_limit
from volunteerkit.matching.flow import exact_b_matching, max_weight_b_matching
from volunteerkit.testing.strategies_matching import allocation_problems

_BACKEND_MODULES = {"ortools": "ortools.graph.python.min_cost_flow", "scipy": "scipy.optimize"}


def _require(backend: str) -> None:
    """Skip a test of an optional backend that is not installed, with the reason.

    Under CI (``CI=true``) the test fails instead, as the PostgreSQL tests do: in CI nothing
    skips silently (the ``test`` extra installs both backends).
    """
    try:
        importlib.import_module(_BACKEND_MODULES[backend])
    except ImportError:
        reason = f"the {backend} backend is not installed"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"{reason}, and under CI nothing skips", pytrace=False)
        pytest.skip(reason)


def _networkx_optimum(p: AllocationProblem) -> int:
    g = nx.DiGraph()
    total = sum(p.limits)
    g.add_node("S", demand=-total)
    g.add_node("T", demand=total)
    g.add_edge("S", "T", capacity=total, weight=0)
    owner = p.owners()
    for v, limit in enumerate(p.limits):
        g.add_edge("S", ("v", v), capacity=limit, weight=0)
    for e, s in enumerate(p.targets):
        if p.scores[e] > 0:
            g.add_edge(("v", owner[e]), ("s", s), capacity=1, weight=-p.scores[e])
    for s, cap in enumerate(p.capacities):
        g.add_edge(("s", s), "T", capacity=cap, weight=0)
    cost, _ = nx.network_simplex(g)
    return -cost


def _brute_force(p: AllocationProblem) -> int:
    owner = p.owners()
    edges = range(len(p.targets))
    best = 0
    for r in range(len(p.targets) + 1):
        for subset in itertools.combinations(edges, r):
            vl = [0] * len(p.limits)
            sl = [0] * len(p.capacities)
            for e in subset:
                vl[owner[e]] += 1
                sl[p.targets[e]] += 1
            if all(a <= b for a, b in zip(vl, p.limits, strict=True)) and all(
                a <= b for a, b in zip(sl, p.capacities, strict=True)
            ):
                best = max(best, sum(p.scores[e] for e in subset))
    return best


def _feasible(p: AllocationProblem, chosen: list[int]) -> bool:
    owner = p.owners()
    vl = [0] * len(p.limits)
    sl = [0] * len(p.capacities)
    for e in chosen:
        vl[owner[e]] += 1
        sl[p.targets[e]] += 1
    return (
        len(set(chosen)) == len(chosen)
        and all(a <= b for a, b in zip(vl, p.limits, strict=True))
        and all(a <= b for a, b in zip(sl, p.capacities, strict=True))
        and all(p.scores[e] > 0 for e in chosen)
    )


def _args(p: AllocationProblem) -> tuple:
    return (p.limits, p.capacities, p.offsets, p.targets, p.scores)


@settings(max_examples=150, deadline=None)
@given(allocation_problems(max_volunteers=15, max_slots=7, max_score=40))
def test_exact_matches_networkx_optimum(problem):
    """The pure-Python solver's total equals networkx's min-cost-flow optimum, and is feasible."""
    chosen = exact_b_matching(*_args(problem))
    assert _feasible(problem, chosen)
    assert sum(problem.scores[e] for e in chosen) == _networkx_optimum(problem)


@settings(max_examples=100, deadline=None)
@given(allocation_problems(max_volunteers=15, max_slots=7, max_score=40))
def test_both_search_sides_reach_the_same_optimum(problem):
    """Searching from volunteers or from slots (transposed) gives the same optimal total."""
    direct = max_weight_b_matching(*_args(problem))
    either = exact_b_matching(*_args(problem))
    assert sum(problem.scores[e] for e in direct) == sum(problem.scores[e] for e in either)


@settings(max_examples=80, deadline=None)
@given(allocation_problems(max_volunteers=4, max_slots=3, max_score=9))
def test_exact_matches_brute_force_on_tiny_problems(problem):
    """On problems small enough to enumerate every subset of pairs, the solver finds the best."""
    if len(problem.targets) > 10:
        return
    chosen = exact_b_matching(*_args(problem))
    assert sum(problem.scores[e] for e in chosen) == _brute_force(problem)


@settings(max_examples=60, deadline=None)
@given(allocation_problems())
def test_greedy_is_feasible_and_not_better_than_exact(problem):
    """Greedy mode is feasible and never beats exact mode.

    Feasible: every placement is a pair of the problem with a positive score (its own), no pair
    twice, no volunteer over their limit, no slot over its capacity, and the total is the sum.
    """
    greedy = allocate(problem, mode="greedy")
    exact = allocate(problem)
    assert greedy.total_score <= exact.total_score
    owner = problem.owners()
    pairs = {
        (problem.volunteer_ids[owner[e]], problem.slot_ids[s]): problem.scores[e]
        for e, s in enumerate(problem.targets)
    }
    placed = [(x.volunteer_id, x.slot_id) for x in greedy.placements]
    assert len(set(placed)) == len(placed)
    assert all(pairs.get(k, 0) == x.score > 0 for k, x in zip(placed, greedy.placements, strict=True))
    limits = dict(zip(problem.volunteer_ids, problem.limits, strict=True))
    capacities = dict(zip(problem.slot_ids, problem.capacities, strict=True))
    assert all(n <= limits[v] for v, n in Counter(v for v, _ in placed).items())
    assert all(n <= capacities[s] for s, n in Counter(s for _, s in placed).items())
    assert greedy.total_score == sum(x.score for x in greedy.placements)


@settings(max_examples=40, deadline=None)
@given(allocation_problems())
def test_same_input_same_answer(problem):
    """Solving the same problem twice, or built from shuffled pairs, gives identical placements."""
    first = allocate(problem)
    owner = problem.owners()
    triples = [
        (problem.volunteer_ids[owner[e]], problem.slot_ids[s], problem.scores[e])
        for e, s in enumerate(problem.targets)
    ]
    rebuilt = AllocationProblem.build(
        dict(zip(problem.volunteer_ids, problem.limits, strict=True)),
        dict(zip(problem.slot_ids, problem.capacities, strict=True)),
        list(reversed(triples)),
    )
    assert rebuilt == problem
    assert allocate(rebuilt) == first


def test_known_instance_prefers_total_over_individual_best():
    """Exact mode gives up a volunteer's best pair when that raises the total; greedy does not."""
    p = AllocationProblem.build(
        {"ann": 1, "bob": 1},
        {"desk": 1, "door": 1},
        [("ann", "desk", 10), ("ann", "door", 9), ("bob", "desk", 8)],
    )
    exact = allocate(p)
    assert [(x.volunteer_id, x.slot_id, x.score) for x in exact.placements] == [
        ("ann", "door", 9),
        ("bob", "desk", 8),
    ]
    assert exact.total_score == 17
    greedy = allocate(p, mode="greedy")
    assert greedy.total_score == 10
    assert [u.volunteer_id for u in greedy.unplaced] == ["bob"]
    assert greedy.unplaced[0].reason.code == "matching.slots_taken"
    assert [(s.slot_id, s.open, s.reason.code) for s in greedy.unfilled] == [
        ("door", 1, "matching.candidates_placed_elsewhere")
    ]


def test_unfillable_slot_and_volunteer_without_pairs_are_reported():
    """A slot nobody can take and a volunteer with no pair get their own reason codes."""
    p = AllocationProblem.build({"ann": 1, "cy": 1}, {"desk": 2, "roof": 1}, [("ann", "desk", 5)])
    result = allocate(p)
    assert [(s.slot_id, s.open, s.reason.code) for s in result.unfilled] == [
        ("desk", 1, "matching.candidates_placed_elsewhere"),
        ("roof", 1, "matching.no_candidates"),
    ]
    assert [(u.volunteer_id, u.reason.code) for u in result.unplaced] == [
        ("cy", "matching.no_eligible_slot")
    ]
    assert result.unfilled[1].reason.message_zh == "该岗位没有符合条件的志愿者"


def test_problem_shape_is_checked():
    """Bad arrays, duplicate pairs and unknown ids are refused with codes and paths."""
    with pytest.raises(MatchingInputError) as info:
        AllocationProblem.build({"a": 1}, {"s": 1}, [("a", "s", 1), ("a", "s", 2)])
    assert info.value.code == "matching.duplicate_id"
    with pytest.raises(MatchingInputError) as info:
        AllocationProblem.build({"a": 1}, {"s": 1}, [("a", "t", 1)])
    assert (info.value.code, info.value.path) == ("matching.unknown_reference", "$.candidates[0]")
    with pytest.raises(MatchingInputError) as info:
        AllocationProblem(
            volunteer_ids=("a",),
            limits=(1,),
            slot_ids=("s",),
            capacities=(1,),
            offsets=(0, 1),
            targets=(1,),
            scores=(3,),
        )
    assert (info.value.code, info.value.path) == ("matching.problem_shape", "$.targets[0]")
    with pytest.raises(MatchingInputError) as info:
        AllocationProblem.build({"a": -1}, {"s": 1}, [])
    assert (info.value.code, info.value.path) == ("matching.negative", "$.limits[0]")


@pytest.mark.parametrize(
    ("volunteers", "slots", "candidates", "code", "path"),
    [
        ({"a": 1}, {"s": 1}, [("a", "s")], "matching.candidate", "$.candidates[0]"),
        ({"a": 1}, {"s": 1}, [("a", "s", 1), "as1"], "matching.candidate", "$.candidates[1]"),
        ({"a": 1}, {"s": 1}, [("a", "s", "5")], "matching.candidate", "$.candidates[0]"),
        ({"a": 1}, {"s": 1}, [("a", "s", 5.0)], "matching.candidate", "$.candidates[0]"),
        ({"a": 1}, {"s": 1}, [(["a"], "s", 5)], "matching.candidate", "$.candidates[0]"),
        ({"a": 1, 3: 1}, {"s": 1}, [], "matching.invalid", "$.volunteers.3"),
        ({"a": 1}, {("s",): 1}, [], "matching.invalid", "$.slots.('s',)"),
        (["a"], {"s": 1}, [], "matching.invalid", "$.volunteers"),
        ({"a": 1}, {"s": 1}, None, "matching.invalid", "$.candidates"),
    ],
)
def test_build_refuses_malformed_input_with_a_path(volunteers, slots, candidates, code, path):
    """Malformed ids, candidates and scores are typed errors at the caller's own index."""
    with pytest.raises(MatchingInputError) as info:
        AllocationProblem.build(volunteers, slots, candidates)
    assert (info.value.code, info.value.path) == (code, path)
    assert info.value.message and info.value.message_zh


def test_a_repeated_pair_is_reported_at_the_repeat():
    """A pair given twice is matching.duplicate_id at the later candidate's own index."""
    with pytest.raises(MatchingInputError) as info:
        AllocationProblem.build(
            {"a": 1, "b": 1},
            {"s": 1, "t": 1},
            [("b", "s", 1), ("a", "t", 1), ("a", "s", 1), ("b", "s", 2)],
        )
    assert (info.value.code, info.value.path) == ("matching.duplicate_id", "$.candidates[3]")


def test_problem_ids_must_be_text():
    """A problem built directly with an id that is not text is refused at its index."""
    with pytest.raises(MatchingInputError) as info:
        AllocationProblem(
            volunteer_ids=("a", 3),
            limits=(1, 1),
            slot_ids=("s",),
            capacities=(1,),
            offsets=(0, 0, 0),
            targets=(),
            scores=(),
        )
    assert (info.value.code, info.value.path) == ("matching.invalid", "$.volunteer_ids[1]")
    with pytest.raises(MatchingInputError) as info:
        AllocationProblem(
            volunteer_ids=("a",),
            limits=(1,),
            slot_ids=("s",),
            capacities=(1,),
            offsets=None,
            targets=(),
            scores=(),
        )
    assert (info.value.code, info.value.path) == ("matching.problem_shape", "$.offsets")


def test_unknown_mode_or_backend_is_refused():
    """An unknown backend, or greedy mode on a backend other than python, is refused."""
    p = AllocationProblem.build({"a": 1}, {"s": 1}, [("a", "s", 1)])
    with pytest.raises(MatchingInputError) as info:
        allocate(p, backend="gurobi")
    assert info.value.code == "matching.backend_unknown"
    with pytest.raises(MatchingInputError) as greedy:
        allocate(p, mode="greedy", backend="ortools")
    assert (greedy.value.code, greedy.value.path) == ("matching.backend_unknown", "$.backend")


@pytest.mark.parametrize("backend", ["ortools", "scipy"])
@settings(max_examples=40, deadline=None)
@given(problem=allocation_problems(max_volunteers=15, max_slots=7))
def test_optional_backends_reach_the_same_optimum(backend, problem):
    """OR-tools and SciPy backends, when installed, give the pure solver's optimal total."""
    _require(backend)
    theirs = allocate(problem, backend=backend)
    ours = allocate(problem)
    assert theirs.total_score == ours.total_score
    assert theirs.backend.value == backend


@pytest.mark.parametrize("backend", ["ortools", "scipy"])
def test_optional_backends_refuse_scores_beyond_their_numbers(backend):
    """A score of 2**63 is matching.backend_range at its path; the python solver takes it."""
    _require(backend)
    p = AllocationProblem.build({"ann": 1}, {"desk": 1}, [("ann", "desk", 2**63)])
    with pytest.raises(MatchingInputError) as info:
        allocate(p, backend=backend)
    assert (info.value.code, info.value.path) == ("matching.backend_range", "$.scores[0]")
    assert info.value.message_zh
    assert allocate(p).total_score == 2**63


@pytest.mark.parametrize("backend", ["ortools", "scipy"])
def test_optional_backends_take_any_limit_capacity_and_negative_score(backend):
    """Limits of 10**20, capacities of 10**400 and a score of -2**70 solve as in pure Python."""
    _require(backend)
    p = AllocationProblem.build(
        {"ann": 10**20, "bob": 1},
        {"desk": 10**400, "door": 1},
        [("ann", "desk", 5), ("ann", "door", -(2**70)), ("bob", "desk", 4), ("bob", "door", 3)],
    )
    theirs = allocate(p, backend=backend)
    assert theirs.total_score == allocate(p).total_score == 9
    assert [(x.volunteer_id, x.slot_id) for x in theirs.placements] == [
        ("ann", "desk"),
        ("bob", "desk"),
    ]


def test_ortools_refuses_a_score_over_its_cost_limit_at_its_path():
    """Scores of half OR-tools' cost limit solve exactly; one over the limit is refused at its path."""
    _require("ortools")
    most = ortools_score_limit(2, 2)
    assert most == (2**63 - 1) // 18
    half = most // 2
    pairs = [("ann", "desk", half), ("ann", "door", half - 1), ("bob", "desk", half - 3)]
    p = AllocationProblem.build({"ann": 1, "bob": 1}, {"desk": 1, "door": 1}, pairs)
    assert allocate(p, backend="ortools").total_score == 2 * half - 4
    pairs[2] = ("bob", "desk", most + 1)
    p = AllocationProblem.build({"ann": 1, "bob": 1}, {"desk": 1, "door": 1}, pairs)
    with pytest.raises(MatchingInputError) as info:
        allocate(p, backend="ortools")
    assert (info.value.code, info.value.path) == ("matching.backend_range", "$.scores[2]")


def test_ortools_prices_that_overflow_while_solving_are_refused():
    """Scores under OR-tools' input limit whose prices still overflow are matching.backend_range."""
    _require("ortools")
    score = ortools_score_limit(50, 20) * 9 // 10
    p = AllocationProblem.build(
        {f"v{i:02d}": 1 for i in range(50)},
        {f"s{j:02d}": 1 for j in range(20)},
        [(f"v{i:02d}", f"s{i % 20:02d}", score) for i in range(50)],
    )
    with pytest.raises(MatchingInputError) as info:
        allocate(p, backend="ortools")
    assert (info.value.code, info.value.path) == ("matching.backend_range", "$.scores")
    assert allocate(p).total_score == 20 * score


def test_scipy_refuses_scores_whose_sum_is_not_exact_in_floats():
    """SciPy takes positive scores summing to 2**53; a sum beyond is refused at $.scores."""
    _require("scipy")
    half = FLOAT_EXACT // 2
    p = AllocationProblem.build(
        {"ann": 1, "bob": 1}, {"desk": 1}, [("ann", "desk", half), ("bob", "desk", half - 1)]
    )
    assert allocate(p, backend="scipy").total_score == half
    p = AllocationProblem.build(
        {"ann": 1, "bob": 1}, {"desk": 1}, [("ann", "desk", half + 1), ("bob", "desk", half)]
    )
    with pytest.raises(MatchingInputError) as info:
        allocate(p, backend="scipy")
    assert (info.value.code, info.value.path) == ("matching.backend_range", "$.scores")
    assert allocate(p).total_score == half + 1


@pytest.mark.parametrize("solve", [exact_b_matching, max_weight_b_matching])
def test_exact_solvers_take_scores_beyond_64_bits(solve):
    """Scores of 2**62 and beyond solve exactly (they passed the old 1 << 62 "unreached" mark)."""
    full = AllocationProblem.build({"ann": 1}, {"desk": 0}, [("ann", "desk", 2**62)])
    assert solve(*_args(full)) == []
    big = 2**200
    p = AllocationProblem.build(
        {"ann": 1, "bob": 1, "cy": 1},
        {"desk": 1, "door": 0, "roof": 1},
        [
            ("ann", "desk", big + 3),
            ("ann", "roof", big + 2),
            ("bob", "desk", big),
            ("bob", "door", big * 3),
            ("cy", "roof", 1),
        ],
    )
    chosen = solve(*_args(p))
    assert _feasible(p, chosen)
    assert sum(p.scores[e] for e in chosen) == 2 * big + 2 == _brute_force(p)
    result = allocate(full)
    assert (result.total_score, result.unplaced[0].reason.code) == (0, "matching.slots_taken")


@pytest.mark.parametrize("solve", [exact_b_matching, max_weight_b_matching])
def test_exact_solvers_take_any_limit_and_capacity(solve):
    """A limit of 10**20 and a capacity of 10**400 solve at once: only the pairs bound the room."""
    p = AllocationProblem.build(
        {"ann": 10**20, "bob": 1},
        {"desk": 10**400, "door": 1},
        [("ann", "desk", 5), ("bob", "desk", 4), ("bob", "door", 3)],
    )
    assert solve(*_args(p)) == [0, 1]
    result = allocate(p)
    assert result.total_score == 9
    assert [(s.slot_id, s.open) for s in result.unfilled] == [("desk", 10**400 - 2), ("door", 1)]


@pytest.mark.parametrize("max_bids", [0, 1, 3, 10])
@settings(max_examples=60, deadline=None)
@given(problem=allocation_problems(max_volunteers=15, max_slots=7, max_score=40))
def test_repair_is_exact_from_any_auction_state(max_bids, problem):
    """Stopping the warm-start auction after any number of bids still gives the optimum."""
    chosen = exact_b_matching(*_args(problem), max_bids=max_bids)
    assert _feasible(problem, chosen)
    assert sum(problem.scores[e] for e in chosen) == _networkx_optimum(problem)


def test_exact_on_a_larger_random_instance_matches_networkx():
    """A 300 x 40 instance with 8 pairs each and tight capacities: same optimum as networkx."""
    import random

    rng = random.Random(7)
    triples = []
    for v in range(300):
        for s in rng.sample(range(40), 8):
            triples.append((f"v{v:03d}", f"s{s:02d}", rng.randint(1, 500)))
    problem = AllocationProblem.build(
        {f"v{v:03d}": 1 + (v % 3 == 0) for v in range(300)},
        {f"s{s:02d}": rng.randint(1, 9) for s in range(40)},
        triples,
    )
    chosen = exact_b_matching(*_args(problem))
    assert _feasible(problem, chosen)
    assert sum(problem.scores[e] for e in chosen) == _networkx_optimum(problem)
    slow = max_weight_b_matching(*_args(problem))
    assert sum(problem.scores[e] for e in slow) == _networkx_optimum(problem)
