"""Optional exact backends: OR-tools' min-cost flow and SciPy's HiGHS MILP, imported lazily.

Both solve the same problem as :func:`volunteerkit.matching.flow.exact_b_matching` and return the
chosen edge indices. Where several assignments share the optimum, they may choose another one; the
total score is the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from volunteerkit.matching.errors import MatchingInputError

__all__ = ["solve_ortools", "solve_scipy"]


def _numpy() -> Any:
    try:
        import numpy
    except ImportError:  # pragma: no cover - both backends bring numpy
        raise MatchingInputError.of("matching.backend_unavailable", "$.backend") from None
    return numpy


def solve_ortools(
    limits: Sequence[int],
    capacities: Sequence[int],
    offsets: Sequence[int],
    targets: Sequence[int],
    weights: Sequence[int],
) -> list[int]:
    """Solve with OR-tools' ``SimpleMinCostFlow``.

    The network: source -> volunteer (its limit), volunteer -> slot (1, cost -score, only pairs with
    a positive score), slot -> sink (its capacity), source -> sink (the bypass that lets units stay
    unplaced), supply = total limit.

    Args:
        limits: Per volunteer limits.
        capacities: Per slot capacities.
        offsets: Edge offsets per volunteer.
        targets: Slot index of each edge.
        weights: Integer score of each edge.

    Returns:
        The chosen edge indices, ascending.

    Raises:
        MatchingInputError: ``matching.backend_unavailable`` if OR-tools is not installed.
    """
    try:
        from ortools.graph.python import min_cost_flow
    except ImportError:
        raise MatchingInputError.of("matching.backend_unavailable", "$.backend") from None
    np = _numpy()
    n, m = len(limits), len(capacities)
    source, sink = n + m, n + m + 1
    off = np.asarray(offsets, dtype=np.int64)
    tg = np.asarray(targets, dtype=np.int64)
    wt = np.asarray(weights, dtype=np.int64)
    owner = np.repeat(np.arange(n, dtype=np.int64), np.diff(off))
    keep = np.nonzero(wt > 0)[0]
    total = int(sum(limits))
    tails = np.concatenate(
        [np.full(n, source), owner[keep], np.arange(n, n + m), np.array([source])]
    ).astype(np.int64)
    heads = np.concatenate([np.arange(n), n + tg[keep], np.full(m, sink), np.array([sink])]).astype(
        np.int64
    )
    caps = np.concatenate(
        [
            np.asarray(limits, dtype=np.int64),
            np.ones(len(keep), dtype=np.int64),
            np.asarray(capacities, dtype=np.int64),
            np.array([total]),
        ]
    ).astype(np.int64)
    costs = np.concatenate(
        [np.zeros(n, dtype=np.int64), -wt[keep], np.zeros(m + 1, dtype=np.int64)]
    ).astype(np.int64)
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
    flow.set_node_supply(source, total)
    flow.set_node_supply(sink, -total)
    status = flow.solve()
    if status != flow.OPTIMAL:  # pragma: no cover - the bypass arc makes every instance feasible
        raise MatchingInputError.of("matching.invalid", "$")
    arcs = np.arange(n, n + len(keep), dtype=np.int64)
    used = flow.flows(arcs) > 0
    return [int(e) for e in keep[used]]


def solve_scipy(
    limits: Sequence[int],
    capacities: Sequence[int],
    offsets: Sequence[int],
    targets: Sequence[int],
    weights: Sequence[int],
) -> list[int]:
    """Solve with SciPy's ``milp`` (HiGHS): one 0/1 variable a pair, a row a volunteer and a slot.

    The constraint matrix is totally unimodular, so the MILP's optimum is the flow optimum.

    Args:
        limits: Per volunteer limits.
        capacities: Per slot capacities.
        offsets: Edge offsets per volunteer.
        targets: Slot index of each edge.
        weights: Integer score of each edge.

    Returns:
        The chosen edge indices, ascending.

    Raises:
        MatchingInputError: ``matching.backend_unavailable`` if SciPy is not installed.
    """
    try:
        from scipy.optimize import Bounds, LinearConstraint, milp
        from scipy.sparse import csr_array
    except ImportError:
        raise MatchingInputError.of("matching.backend_unavailable", "$.backend") from None
    np = _numpy()
    n, m = len(limits), len(capacities)
    wt = np.asarray(weights, dtype=np.int64)
    keep = np.nonzero(wt > 0)[0]
    if len(keep) == 0:
        return []
    off = np.asarray(offsets, dtype=np.int64)
    owner = np.repeat(np.arange(n, dtype=np.int64), np.diff(off))[keep]
    slot = np.asarray(targets, dtype=np.int64)[keep]
    k = len(keep)
    cols = np.arange(k)
    rows = np.concatenate([owner, n + slot])
    data = np.ones(2 * k)
    matrix = csr_array((data, (rows, np.concatenate([cols, cols]))), shape=(n + m, k))
    upper = np.concatenate([np.asarray(limits, dtype=float), np.asarray(capacities, dtype=float)])
    result = milp(
        c=-wt[keep].astype(float),
        constraints=LinearConstraint(matrix, -np.inf, upper),
        integrality=np.ones(k),
        bounds=Bounds(0, 1),
    )
    if result.x is None:  # pragma: no cover - x = 0 is always feasible
        raise MatchingInputError.of("matching.invalid", "$")
    chosen = keep[np.rint(result.x) > 0]
    return [int(e) for e in chosen]
