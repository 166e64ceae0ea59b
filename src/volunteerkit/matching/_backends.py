"""Optional exact backends: OR-tools' min-cost flow and SciPy's HiGHS MILP, imported lazily.

Both solve the same problem as :func:`volunteerkit.matching.flow.exact_b_matching` and return the
chosen edge indices. Where several assignments share the optimum, they may choose another one; the
total score is the same.

Unlike the pure-Python solver, they compute with fixed-size numbers, so each checks before
converting that the problem's numbers fit, and refuses it otherwise
(``matching.backend_range``) rather than overflowing or answering inexactly:

* Limits and capacities never stand in the way: only pairs with a positive score can be chosen, so
  a volunteer's limit is cut to its number of such pairs and a slot's capacity likewise. This
  leaves the optimal assignments unchanged and every flow quantity at most the number of pairs.
* OR-tools computes in signed 64-bit integers and multiplies every cost by its number of nodes
  plus one (cost scaling): a positive score over ``(2**63 - 1) // (2 * (n + m + 5))`` (``n``
  volunteers, ``m`` slots) is refused at its path, ``$.scores[e]``; if its prices still overflow
  while solving (it reports ``BAD_COST_RANGE``), the problem is refused at ``$.scores``.
* SciPy's HiGHS computes in binary64 floats, exact for integers up to ``2**53``: the positive
  scores are refused if one of them (``$.scores[e]``) or their sum (``$.scores``) is over
  ``2**53``, which keeps every objective value and every partial sum the solver forms exact.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs

from volunteerkit.matching.errors import MatchingInputError

__all__ = ["FLOAT_EXACT", "INT64_MAX", "ortools_score_limit", "solve_ortools", "solve_scipy"]

INT64_MAX: int = 2**63 - 1
"""The largest signed 64-bit integer (OR-tools' flow quantities and costs)."""

FLOAT_EXACT: int = 2**53
"""Every integer up to this is exact in a binary64 float (SciPy's HiGHS)."""


def ortools_score_limit(volunteers: int, slots: int) -> int:
    """Return the largest score OR-tools' min-cost flow takes for a problem of this size.

    The network has ``volunteers + slots + 2`` nodes, and OR-tools adds a source and a sink; it
    multiplies costs by its number of nodes plus one and refuses a cost over the largest int64
    divided by twice that factor.

    Args:
        volunteers: Number of volunteers.
        slots: Number of slots.

    Returns:
        The largest score it accepts.
    """
    return INT64_MAX // (2 * (volunteers + slots + 5))


def _numpy() -> Any:
    try:
        import numpy
    except ImportError:  # pragma: no cover - both backends bring numpy
        raise MatchingInputError.of("matching.backend_unavailable", "$.backend") from None
    return numpy


@attrs.frozen
class _Positive:
    """The pairs with a positive score, and limits and capacities cut to what they can use."""

    edges: list[int]  # edge indices, ascending
    owners: list[int]  # volunteer of each
    slots: list[int]  # slot of each
    limits: list[int]  # per volunteer: min(limit, its positive pairs)
    capacities: list[int]  # per slot: min(capacity, its positive pairs)


def _positive(
    limits: Sequence[int],
    capacities: Sequence[int],
    offsets: Sequence[int],
    targets: Sequence[int],
    weights: Sequence[int],
) -> _Positive:
    n, m = len(limits), len(capacities)
    edges: list[int] = []
    owners: list[int] = []
    slots: list[int] = []
    per_volunteer = [0] * n
    per_slot = [0] * m
    for v in range(n):
        for e in range(offsets[v], offsets[v + 1]):
            if weights[e] > 0:
                s = targets[e]
                edges.append(e)
                owners.append(v)
                slots.append(s)
                per_volunteer[v] += 1
                per_slot[s] += 1
    return _Positive(
        edges=edges,
        owners=owners,
        slots=slots,
        limits=[min(a, b) for a, b in zip(limits, per_volunteer, strict=True)],
        capacities=[min(a, b) for a, b in zip(capacities, per_slot, strict=True)],
    )


def _too_large(path: str) -> MatchingInputError:
    return MatchingInputError.of("matching.backend_range", path)


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
    unplaced), supply = total limit. Limits and capacities are first cut to the number of
    positive pairs they can use, which changes no optimum.

    Args:
        limits: Per volunteer limits.
        capacities: Per slot capacities.
        offsets: Edge offsets per volunteer.
        targets: Slot index of each edge.
        weights: Integer score of each edge.

    Returns:
        The chosen edge indices, ascending.

    Raises:
        MatchingInputError: ``matching.backend_unavailable`` if OR-tools is not installed;
            ``matching.backend_range`` if a positive score is over :func:`ortools_score_limit`
            (``$.scores[e]``) or the solver's prices overflow (``$.scores``).
    """
    try:
        from ortools.graph.python import min_cost_flow
    except ImportError:
        raise MatchingInputError.of("matching.backend_unavailable", "$.backend") from None
    n, m = len(limits), len(capacities)
    pos = _positive(limits, capacities, offsets, targets, weights)
    most = ortools_score_limit(n, m)
    for e in pos.edges:
        if weights[e] > most:
            raise _too_large(f"$.scores[{e}]")
    np = _numpy()
    k = len(pos.edges)
    source, sink = n + m, n + m + 1
    total = sum(pos.limits)
    tails = np.concatenate(
        [
            np.full(n, source, dtype=np.int64),
            np.asarray(pos.owners, dtype=np.int64),
            np.arange(n, n + m, dtype=np.int64),
            np.array([source], dtype=np.int64),
        ]
    )
    heads = np.concatenate(
        [
            np.arange(n, dtype=np.int64),
            n + np.asarray(pos.slots, dtype=np.int64),
            np.full(m, sink, dtype=np.int64),
            np.array([sink], dtype=np.int64),
        ]
    )
    caps = np.concatenate(
        [
            np.asarray(pos.limits, dtype=np.int64),
            np.ones(k, dtype=np.int64),
            np.asarray(pos.capacities, dtype=np.int64),
            np.array([total], dtype=np.int64),
        ]
    )
    costs = np.concatenate(
        [
            np.zeros(n, dtype=np.int64),
            -np.asarray([weights[e] for e in pos.edges], dtype=np.int64),
            np.zeros(m + 1, dtype=np.int64),
        ]
    )
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
    flow.set_node_supply(source, total)
    flow.set_node_supply(sink, -total)
    status = flow.solve()
    if status == flow.BAD_COST_RANGE:  # its scaled prices overflowed int64 while solving
        raise _too_large("$.scores")
    if status != flow.OPTIMAL:  # pragma: no cover - the bypass arc makes every instance feasible
        raise MatchingInputError.of("matching.invalid", "$")
    arcs = np.arange(n, n + k, dtype=np.int64)
    used = flow.flows(arcs) > 0
    return [pos.edges[int(i)] for i in np.nonzero(used)[0]]


def solve_scipy(
    limits: Sequence[int],
    capacities: Sequence[int],
    offsets: Sequence[int],
    targets: Sequence[int],
    weights: Sequence[int],
) -> list[int]:
    """Solve with SciPy's ``milp`` (HiGHS): one 0/1 variable a pair, a row a volunteer and a slot.

    The constraint matrix is totally unimodular, so the MILP's optimum is the flow optimum. Only
    pairs with a positive score are variables; limits and capacities are cut to the number of
    them they can use, which changes no optimum.

    Args:
        limits: Per volunteer limits.
        capacities: Per slot capacities.
        offsets: Edge offsets per volunteer.
        targets: Slot index of each edge.
        weights: Integer score of each edge.

    Returns:
        The chosen edge indices, ascending.

    Raises:
        MatchingInputError: ``matching.backend_unavailable`` if SciPy is not installed;
            ``matching.backend_range`` if a positive score (``$.scores[e]``) or the sum of the
            positive scores (``$.scores``) is over :data:`FLOAT_EXACT`.
    """
    try:
        from scipy.optimize import Bounds, LinearConstraint, milp
        from scipy.sparse import csr_array
    except ImportError:
        raise MatchingInputError.of("matching.backend_unavailable", "$.backend") from None
    n, m = len(limits), len(capacities)
    pos = _positive(limits, capacities, offsets, targets, weights)
    total = 0
    for e in pos.edges:
        if weights[e] > FLOAT_EXACT:
            raise _too_large(f"$.scores[{e}]")
        total += weights[e]
    if total > FLOAT_EXACT:
        raise _too_large("$.scores")
    k = len(pos.edges)
    if k == 0:
        return []
    np = _numpy()
    cols = np.arange(k)
    rows = np.concatenate([np.asarray(pos.owners), n + np.asarray(pos.slots)])
    data = np.ones(2 * k)
    matrix = csr_array((data, (rows, np.concatenate([cols, cols]))), shape=(n + m, k))
    upper = np.asarray(pos.limits + pos.capacities, dtype=float)
    result = milp(
        c=-np.asarray([weights[e] for e in pos.edges], dtype=float),
        constraints=LinearConstraint(matrix, -np.inf, upper),
        integrality=np.ones(k),
        bounds=Bounds(0, 1),
    )
    if result.x is None:  # pragma: no cover - x = 0 is always feasible
        raise MatchingInputError.of("matching.invalid", "$")
    return [pos.edges[int(i)] for i in np.nonzero(np.rint(result.x) > 0)[0]]
