"""Role allocation: exact pure Python against networkx and OR-tools, greedy's share of the optimum.

Instances (seeded, built before timing): ``V`` volunteers each with 18 distinct candidate slots among
``S`` slots (10,000 x 1,000 and 100,000 x 10,000; ``quick``: 2,000 x 200 and 10,000 x 1,000). Slot
popularity is skewed (a volunteer picks slot ``s`` with weight ``u_s**2 + 0.05``), scores are
integers ``100 + quality(volunteer) + noise + 300 * popularity(slot)`` (about 100-1,300), each
volunteer may take one slot, and slot capacities add up to about 80% of the volunteers, so the
allocation is over-subscribed, as large events are (the 2008 Games took about 100,000 volunteers
from 1.12 million applicants).

Figures:

* ``matching.exact-10k``: seconds of the pure-Python exact solver (``allocate``), baseline
  networkx's ``network_simplex`` on the same network (lower is better). Goal: ratio <= 0.25.
* ``matching.optimality-10k`` / ``-100k``: the pure-Python exact solver's total as a share of the
  optimum OR-tools computes in the same run (must be 1.0); the 100k note gives its time.
* ``matching.ortools-100k``: seconds through ``allocate(..., backend="ortools")``, baseline calling
  OR-tools' ``SimpleMinCostFlow`` directly with the same arrays (lower is better).
* ``matching.greedy-100k``: greedy mode's total as a share of the optimum.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

import networkx as nx

from bench._harness import Figure
from volunteerkit.matching import AllocationProblem, allocate

NAME = "matching"
SEED = 20261128
CANDIDATES = 18


def make_problem(volunteers: int, slots: int, seed: int = SEED) -> AllocationProblem:
    """Build the seeded over-subscribed instance described in the module docstring."""
    rng = random.Random(seed)
    popularity = [rng.random() ** 2 for _ in range(slots)]
    cum: list[float] = []
    acc = 0.0
    for p in popularity:
        acc += p + 0.05
        cum.append(acc)
    mean_cap = 0.8 * volunteers / slots
    capacities = [max(1, round(mean_cap * rng.uniform(0.5, 1.5))) for _ in range(slots)]
    offsets = [0]
    targets: list[int] = []
    scores: list[int] = []
    population = range(slots)
    for _ in range(volunteers):
        quality = rng.randint(0, 300)
        chosen: set[int] = set()
        while len(chosen) < CANDIDATES:
            chosen.update(rng.choices(population, cum_weights=cum, k=CANDIDATES - len(chosen)))
        for s in sorted(chosen):
            targets.append(s)
            scores.append(100 + quality + rng.randint(0, 600) + int(300 * popularity[s]))
        offsets.append(len(targets))
    return AllocationProblem(
        volunteer_ids=tuple(f"v{i:06d}" for i in range(volunteers)),
        limits=(1,) * volunteers,
        slot_ids=tuple(f"s{i:05d}" for i in range(slots)),
        capacities=tuple(capacities),
        offsets=tuple(offsets),
        targets=tuple(targets),
        scores=tuple(scores),
    )


def networkx_optimum(p: AllocationProblem) -> tuple[int, float]:
    """Solve with networkx's network simplex; return (total, seconds of the solve)."""
    n = len(p.limits)
    g = nx.DiGraph()
    total = sum(p.limits)
    g.add_node("S", demand=-total)
    g.add_node("T", demand=total)
    g.add_edge("S", "T", capacity=total, weight=0)
    for v in range(n):
        g.add_edge("S", v, capacity=p.limits[v], weight=0)
        for e in range(p.offsets[v], p.offsets[v + 1]):
            g.add_edge(v, ("s", p.targets[e]), capacity=1, weight=-p.scores[e])
    for s, cap in enumerate(p.capacities):
        g.add_edge(("s", s), "T", capacity=cap, weight=0)
    t0 = time.perf_counter()
    cost, _ = nx.network_simplex(g)
    return -cost, time.perf_counter() - t0


def ortools_direct(p: AllocationProblem) -> tuple[int, float]:
    """Call OR-tools' SimpleMinCostFlow directly on prepared arrays; return (total, seconds)."""
    import numpy as np
    from ortools.graph.python import min_cost_flow

    n, m = len(p.limits), len(p.capacities)
    source, sink = n + m, n + m + 1
    owner = np.repeat(np.arange(n), np.diff(np.asarray(p.offsets)))
    tails = np.concatenate([np.full(n, source), owner, np.arange(n, n + m), [source]])
    heads = np.concatenate([np.arange(n), n + np.asarray(p.targets), np.full(m, sink), [sink]])
    caps = np.concatenate([p.limits, np.ones(len(p.targets), dtype=np.int64), p.capacities, [n]])
    costs = np.concatenate([np.zeros(n), -np.asarray(p.scores), np.zeros(m + 1)]).astype(np.int64)
    t0 = time.perf_counter()
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(
        tails.astype(np.int64), heads.astype(np.int64), caps.astype(np.int64), costs
    )
    flow.set_node_supply(source, sum(p.limits))
    flow.set_node_supply(sink, -sum(p.limits))
    assert flow.solve() == flow.OPTIMAL
    seconds = time.perf_counter() - t0
    return -flow.optimal_cost(), seconds


_T = TypeVar("_T")


def _timed(fn: Callable[[], _T]) -> tuple[_T, float]:
    t0 = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - t0


def run(quick: bool) -> list[Figure]:
    small_v, small_s = (2_000, 200) if quick else (10_000, 1_000)
    large_v, large_s = (10_000, 1_000) if quick else (100_000, 10_000)
    tag = " (quick: smaller instances)" if quick else ""
    figures: list[Figure] = []

    small = make_problem(small_v, small_s)
    exact, t_exact = _timed(lambda: allocate(small))
    nx_total, t_nx = networkx_optimum(small)
    or_total, _ = ortools_direct(small)
    assert nx_total == or_total
    figures.append(
        Figure(
            "matching.exact-10k",
            t_exact,
            t_nx,
            "s",
            False,
            f"{small_v:,}x{small_s:,}, {len(small.targets):,} pairs; networkx network_simplex{tag}",
        )
    )
    figures.append(
        Figure(
            "matching.optimality-10k",
            exact.total_score,
            or_total,
            "points",
            True,
            f"pure-Python exact vs OR-tools optimum {or_total:,}{tag}",
        )
    )

    large = make_problem(large_v, large_s)
    or_total_l, t_direct = ortools_direct(large)
    via, t_via = _timed(lambda: allocate(large, backend="ortools"))
    assert via.total_score == or_total_l
    figures.append(
        Figure(
            "matching.ortools-100k",
            t_via,
            t_direct,
            "s",
            False,
            f"{large_v:,}x{large_s:,}, {len(large.targets):,} pairs; allocate(backend=ortools) "
            f"vs SimpleMinCostFlow direct{tag}",
        )
    )
    pure, t_pure = _timed(lambda: allocate(large))
    note = f"pure-Python exact took {t_pure:.1f} s (OR-tools direct {t_direct:.2f} s){tag}"
    figures.append(
        Figure("matching.optimality-100k", pure.total_score, or_total_l, "points", True, note)
    )
    greedy, t_greedy = _timed(lambda: allocate(large, mode="greedy"))
    figures.append(
        Figure(
            "matching.greedy-100k",
            greedy.total_score,
            or_total_l,
            "points",
            True,
            f"greedy share of the optimum; greedy took {t_greedy:.2f} s{tag}",
        )
    )
    return figures
