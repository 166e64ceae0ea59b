"""Role allocation: place volunteers in slots for the maximum total score, and say why.

Two levels:

* :class:`AllocationProblem` and :func:`allocate`: the bare problem (volunteers with a limit, slots
  with a capacity, candidate pairs with integer scores) and its solution. ``mode="exact"`` finds an
  assignment of **maximum total score** (pure Python, :mod:`volunteerkit.matching.flow`; or, with
  ``backend="ortools"`` / ``"scipy"``, the same problem handed to OR-tools' min-cost flow or SciPy's
  HiGHS MILP when they are installed). ``mode="greedy"`` takes pairs by descending score (fast, not
  optimal). The same input always gives the same answer.
* :func:`allocate_roles`: from volunteers' profiles and openings (slots with their occurrences),
  check eligibility, score every eligible pair, allocate, and explain: every placement carries its
  score's parts; every unfilled slot and unplaced volunteer carries a reason.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from enum import StrEnum
from itertools import compress
from typing import Any

import attrs

from volunteerkit.matching.eligibility import Eligibility, Opening, Reason, check
from volunteerkit.matching.errors import MatchingInputError
from volunteerkit.matching.flow import exact_b_matching, greedy_b_matching
from volunteerkit.matching.models import VolunteerProfile, require, require_items
from volunteerkit.matching.scoring import Score, ScoringWeights, score

__all__ = [
    "Allocation",
    "AllocationProblem",
    "Backend",
    "Mode",
    "Placement",
    "RoleAllocation",
    "UnfilledSlot",
    "UnplacedVolunteer",
    "allocate",
    "allocate_roles",
]


class Mode(StrEnum):
    """How to allocate."""

    EXACT = "exact"
    """Maximum total score."""
    GREEDY = "greedy"
    """Pairs by descending score while both sides have room (fast, not optimal)."""


class Backend(StrEnum):
    """Which solver computes an exact allocation."""

    PYTHON = "python"
    """The pure-Python solver (always available)."""
    ORTOOLS = "ortools"
    """OR-tools' min-cost flow (``pip install ortools``)."""
    SCIPY = "scipy"
    """SciPy's HiGHS mixed-integer solver (``pip install scipy``)."""


def _ints(values: Sequence[Any], path: str, *, minimum: int | None = 0) -> None:
    for i, value in enumerate(values):
        if isinstance(value, bool) or not isinstance(value, int):
            raise MatchingInputError.of("matching.problem_shape", f"{path}[{i}]")
        if minimum is not None and value < minimum:
            raise MatchingInputError.of("matching.negative", f"{path}[{i}]")


@attrs.frozen(kw_only=True)
class AllocationProblem:
    """Volunteers, slots and scored candidate pairs, in compressed sparse rows.

    The candidate pairs of volunteer ``i`` are ``range(offsets[i], offsets[i + 1])``; pair ``e``
    goes to slot ``targets[e]`` with integer score ``scores[e]``. Within a volunteer, targets are
    strictly increasing (no pair twice). Build one from plain pairs with :meth:`build`.

    Attributes:
        volunteer_ids: Volunteer ids, unique.
        limits: Most slots each volunteer may take.
        slot_ids: Slot ids, unique.
        capacities: Most volunteers each slot may take.
        offsets: ``len(volunteer_ids) + 1`` edge offsets.
        targets: Slot index of each pair.
        scores: Integer score of each pair (pairs scoring 0 or less are never chosen).
    """

    volunteer_ids: tuple[str, ...]
    limits: tuple[int, ...]
    slot_ids: tuple[str, ...]
    capacities: tuple[int, ...]
    offsets: tuple[int, ...]
    targets: tuple[int, ...]
    scores: tuple[int, ...]

    def __attrs_post_init__(self) -> None:
        """Check that the arrays fit together."""
        for field in attrs.fields(AllocationProblem):
            if not isinstance(getattr(self, field.name), tuple | list):
                raise MatchingInputError.of("matching.problem_shape", f"$.{field.name}")
        for name in ("volunteer_ids", "slot_ids"):
            for i, key in enumerate(getattr(self, name)):
                if not isinstance(key, str):
                    raise MatchingInputError.of("matching.invalid", f"$.{name}[{i}]")
        n, m = len(self.volunteer_ids), len(self.slot_ids)
        if len(self.limits) != n or len(self.capacities) != m or len(self.offsets) != n + 1:
            raise MatchingInputError.of("matching.problem_shape", "$.offsets")
        if len(self.targets) != len(self.scores) or self.offsets[0] != 0:
            raise MatchingInputError.of("matching.problem_shape", "$.targets")
        if self.offsets[-1] != len(self.targets):
            raise MatchingInputError.of("matching.problem_shape", "$.offsets")
        if len(set(self.volunteer_ids)) != n:
            raise MatchingInputError.of("matching.duplicate_id", "$.volunteer_ids")
        if len(set(self.slot_ids)) != m:
            raise MatchingInputError.of("matching.duplicate_id", "$.slot_ids")
        _ints(self.limits, "$.limits")
        _ints(self.capacities, "$.capacities")
        _ints(self.scores, "$.scores", minimum=None)
        for i in range(n):
            lo, hi = self.offsets[i], self.offsets[i + 1]
            if hi < lo:
                raise MatchingInputError.of("matching.problem_shape", f"$.offsets[{i + 1}]")
            prev = -1
            for e in range(lo, hi):
                t = self.targets[e]
                if isinstance(t, bool) or not isinstance(t, int) or t <= prev or t >= m:
                    raise MatchingInputError.of("matching.problem_shape", f"$.targets[{e}]")
                prev = t

    @classmethod
    def build(
        cls,
        volunteers: Mapping[str, int],
        slots: Mapping[str, int],
        candidates: Iterable[tuple[str, str, int]],
    ) -> AllocationProblem:
        """Build a problem from plain pairs; ids are sorted so the input order does not matter.

        Args:
            volunteers: Volunteer id to limit.
            slots: Slot id to capacity.
            candidates: ``(volunteer_id, slot_id, score)`` triples.

        Returns:
            The problem.

        Raises:
            MatchingInputError: ``volunteers`` or ``slots`` is not a mapping with text ids, or
                ``candidates`` not a collection (``matching.invalid``, at ``$.volunteers``,
                ``$.volunteers.<id>`` and so on); a candidate is not a ``(volunteer id, slot id,
                integer score)`` triple (``matching.candidate``, ``$.candidates[k]``); a pair
                names an unknown id (``matching.unknown_reference``) or appears twice
                (``matching.duplicate_id``).
        """
        for name, table in (("volunteers", volunteers), ("slots", slots)):
            if not isinstance(table, Mapping):
                raise MatchingInputError.of("matching.invalid", f"$.{name}")
            for key in table:
                if not isinstance(key, str):
                    raise MatchingInputError.of("matching.invalid", f"$.{name}.{key}")
        if isinstance(candidates, str | bytes | Mapping) or not isinstance(candidates, Iterable):
            raise MatchingInputError.of("matching.invalid", "$.candidates")
        vids = sorted(volunteers)
        sids = sorted(slots)
        vindex = {v: i for i, v in enumerate(vids)}
        sindex = {s: i for i, s in enumerate(sids)}
        rows: list[list[tuple[int, int, int]]] = [[] for _ in vids]  # (slot, k, score)
        for k, candidate in enumerate(candidates):
            if not isinstance(candidate, tuple | list) or len(candidate) != 3:
                raise MatchingInputError.of("matching.candidate", f"$.candidates[{k}]")
            vid, sid, points = candidate
            if (
                not isinstance(vid, str)
                or not isinstance(sid, str)
                or isinstance(points, bool)
                or not isinstance(points, int)
            ):
                raise MatchingInputError.of("matching.candidate", f"$.candidates[{k}]")
            vi = vindex.get(vid)
            si = sindex.get(sid)
            if vi is None or si is None:
                raise MatchingInputError.of("matching.unknown_reference", f"$.candidates[{k}]")
            rows[vi].append((si, k, points))
        offsets = [0]
        targets: list[int] = []
        scores: list[int] = []
        for row in rows:
            row.sort()
            for j in range(1, len(row)):
                if row[j][0] == row[j - 1][0]:  # the later of the two candidates is the repeat
                    raise MatchingInputError.of(
                        "matching.duplicate_id", f"$.candidates[{row[j][1]}]"
                    )
            targets.extend(s for s, _, _ in row)
            scores.extend(p for _, _, p in row)
            offsets.append(len(targets))
        return cls(
            volunteer_ids=tuple(vids),
            limits=tuple(volunteers[v] for v in vids),
            slot_ids=tuple(sids),
            capacities=tuple(slots[s] for s in sids),
            offsets=tuple(offsets),
            targets=tuple(targets),
            scores=tuple(scores),
        )

    def owners(self) -> list[int]:
        """Return the volunteer index of every pair."""
        off = self.offsets
        return [i for i in range(len(self.volunteer_ids)) for _ in range(off[i + 1] - off[i])]


@attrs.frozen(kw_only=True)
class Placement:
    """A volunteer placed in a slot.

    Attributes:
        volunteer_id: The volunteer.
        slot_id: The slot.
        score: The pair's score.
    """

    volunteer_id: str
    slot_id: str
    score: int


@attrs.frozen(kw_only=True)
class UnfilledSlot:
    """A slot left with room.

    Attributes:
        slot_id: The slot.
        open: How many places are left.
        reason: Why (``matching.no_candidates`` or ``matching.candidates_placed_elsewhere``).
    """

    slot_id: str
    open: int
    reason: Reason


@attrs.frozen(kw_only=True)
class UnplacedVolunteer:
    """A volunteer placed nowhere (or below their limit with nothing else to take).

    Attributes:
        volunteer_id: The volunteer.
        reason: Why (``matching.no_eligible_slot`` or ``matching.slots_taken``).
    """

    volunteer_id: str
    reason: Reason


@attrs.frozen(kw_only=True)
class Allocation:
    """The result of :func:`allocate`.

    Attributes:
        mode: How it was computed.
        backend: Which solver computed it.
        placements: The chosen pairs, by volunteer id then slot id.
        total_score: Sum of the placements' scores.
        unfilled: Slots left with room, by id.
        unplaced: Volunteers placed nowhere, by id.
    """

    mode: Mode
    backend: Backend
    placements: tuple[Placement, ...]
    total_score: int
    unfilled: tuple[UnfilledSlot, ...]
    unplaced: tuple[UnplacedVolunteer, ...]


def allocate(
    problem: AllocationProblem,
    *,
    mode: Mode | str = Mode.EXACT,
    backend: Backend | str = Backend.PYTHON,
) -> Allocation:
    """Solve an allocation problem.

    Args:
        problem: The problem.
        mode: ``exact`` (maximum total score) or ``greedy``.
        backend: For exact mode: ``python``, ``ortools`` or ``scipy``.

    Returns:
        The allocation, with unfilled slots and unplaced volunteers and their reasons.

    Raises:
        MatchingInputError: An unknown mode or backend (``matching.backend_unknown``), a backend
            that is not installed (``matching.backend_unavailable``), or greedy mode with a
            backend other than ``python``.
    """
    try:
        mode = Mode(mode)
        backend = Backend(backend)
    except ValueError:
        raise MatchingInputError.of("matching.backend_unknown", "$.backend") from None
    p = problem
    args = (p.limits, p.capacities, p.offsets, p.targets, p.scores)
    if mode is Mode.GREEDY:
        if backend is not Backend.PYTHON:
            raise MatchingInputError.of("matching.backend_unknown", "$.backend")
        chosen = greedy_b_matching(*args)
    elif backend is Backend.PYTHON:
        chosen = exact_b_matching(*args)
    elif backend is Backend.ORTOOLS:
        from volunteerkit.matching._backends import solve_ortools

        chosen = solve_ortools(*args)
    else:
        from volunteerkit.matching._backends import solve_scipy

        chosen = solve_scipy(*args)
    return _result(p, chosen, mode, backend)


def _result(p: AllocationProblem, chosen: list[int], mode: Mode, backend: Backend) -> Allocation:
    offsets, targets, scores = p.offsets, p.targets, p.scores
    vids, sids = p.volunteer_ids, p.slot_ids
    load = [0] * len(sids)
    placed = [0] * len(vids)
    placements: list[Placement] = []
    for e in chosen:  # the owner of edge e: the last volunteer whose first edge is <= e
        s = targets[e]
        v = bisect_right(offsets, e) - 1
        load[s] += 1
        placed[v] += 1
        placements.append(Placement(volunteer_id=vids[v], slot_id=sids[s], score=scores[e]))
    unfilled_idx = [s for s in range(len(sids)) if load[s] < p.capacities[s]]
    with_candidates: set[int] = set()
    if unfilled_idx:
        if min(scores, default=1) > 0:
            with_candidates = set(targets)
        else:
            with_candidates = set(compress(targets, [w > 0 for w in scores]))
    unfilled = tuple(
        UnfilledSlot(
            slot_id=sids[s],
            open=p.capacities[s] - load[s],
            reason=Reason.of(
                "matching.candidates_placed_elsewhere"
                if s in with_candidates
                else "matching.no_candidates"
            ),
        )
        for s in unfilled_idx
    )
    taken = Reason.of("matching.slots_taken")
    none = Reason.of("matching.no_eligible_slot")
    unplaced: list[UnplacedVolunteer] = []
    for v in range(len(vids)):
        if placed[v] or p.limits[v] == 0:
            continue
        positive = any(w > 0 for w in scores[offsets[v] : offsets[v + 1]])
        unplaced.append(UnplacedVolunteer(volunteer_id=vids[v], reason=taken if positive else none))
    return Allocation(
        mode=mode,
        backend=backend,
        placements=tuple(placements),
        total_score=sum(x.score for x in placements),
        unfilled=unfilled,
        unplaced=tuple(unplaced),
    )


@attrs.frozen(kw_only=True)
class RoleAllocation:
    """The result of :func:`allocate_roles`: the allocation and its explanations.

    Attributes:
        problem: The allocation problem built from the eligible, scored pairs (solve it again with
            another mode or backend to compare).
        allocation: The allocation.
        scores: The explained score of every placement, in the placements' order.
        ineligible: For every volunteer eligible for no slot, the failed check of each slot.
    """

    problem: AllocationProblem
    allocation: Allocation
    scores: tuple[Score, ...]
    ineligible: tuple[Eligibility, ...]


def allocate_roles(
    volunteers: Iterable[VolunteerProfile],
    openings: Iterable[Opening],
    *,
    weights: ScoringWeights | None = None,
    mode: Mode | str = Mode.EXACT,
    backend: Backend | str = Backend.PYTHON,
) -> RoleAllocation:
    """Check, score and allocate volunteers to slots, explaining the outcome.

    Args:
        volunteers: The volunteers' profiles (ids unique); each may take ``limit`` slots.
        openings: The slots with their projects and occurrences (slot ids unique).
        weights: Scoring weights (defaults: :class:`ScoringWeights`).
        mode: ``exact`` or ``greedy``.
        backend: Solver for exact mode.

    Returns:
        The allocation, the score of each placement, and why ineligible volunteers were left out.

    Raises:
        MatchingInputError: Duplicate volunteer or slot ids (``matching.duplicate_id``);
            ``matching.invalid`` for arguments of the wrong type (``$.volunteers``,
            ``$.volunteers[i]``, ``$.openings``, ``$.openings[i]``, ``$.weights``).
    """
    vols = require_items(volunteers, VolunteerProfile, "$.volunteers")
    opens = require_items(openings, Opening, "$.openings")
    require(weights, (ScoringWeights, type(None)), "$.weights")
    by_vol: dict[str, VolunteerProfile] = {}
    for i, vol in enumerate(vols):
        if vol.id in by_vol:
            raise MatchingInputError.of("matching.duplicate_id", f"$.volunteers[{i}].id")
        by_vol[vol.id] = vol
    by_slot: dict[str, Opening] = {}
    for i, op in enumerate(opens):
        if op.slot.id in by_slot:
            raise MatchingInputError.of("matching.duplicate_id", f"$.openings[{i}].slot.id")
        by_slot[op.slot.id] = op
    explained: dict[tuple[str, str], Score] = {}
    triples: list[tuple[str, str, int]] = []
    failures: dict[str, list[Eligibility]] = {}
    for vid in sorted(by_vol):
        vol = by_vol[vid]
        for sid in sorted(by_slot):
            result = check(vol, by_slot[sid])
            if result.eligible:
                sc = score(vol, by_slot[sid], weights)
                explained[(vid, sid)] = sc
                triples.append((vid, sid, sc.total))
            else:
                failures.setdefault(vid, []).append(result)
    problem = AllocationProblem.build(
        {v: by_vol[v].limit for v in by_vol},
        {s: by_slot[s].slot.capacity for s in by_slot},
        triples,
    )
    allocation = allocate(problem, mode=mode, backend=backend)
    eligible_somewhere = {v for v, _ in explained}
    ineligible = tuple(
        e for vid in sorted(failures) if vid not in eligible_somewhere for e in failures[vid]
    )
    return RoleAllocation(
        problem=problem,
        allocation=allocation,
        scores=tuple(explained[(x.volunteer_id, x.slot_id)] for x in allocation.placements),
        ineligible=ineligible,
    )
