"""Shift rostering: volunteers onto concrete shift occurrences under working-time rules.

After role allocation, each slot has its volunteers; :func:`roster` gives each occurrence of the
slot's shifts up to ``needed`` of them, under hard rules:

* a volunteer is available for the whole occurrence (weekly windows and exceptions);
* no two of a volunteer's shifts overlap, and between two shifts there are at least
  ``min_rest_minutes``;
* a volunteer's minutes on one local day (the day an occurrence starts, in the project's zone)
  stay within ``max_minutes_per_day``, and in one ISO week within ``max_minutes_per_week`` (and
  within the volunteer's own weekly maximum, if lower).

The objective is the number of positions filled. **Heuristic** (documented, deterministic): take
occurrences in order of start (ties: shift id); for each, take the eligible volunteers who fit every
rule, preferring those with the fewest minutes rostered so far (ties: id), until it is full.

**Bound.** No roster can fill more than ``upper_bound`` = the sum over occurrences of
``min(needed, volunteers who could take that occurrence on its own)``. The result reports both, so
``filled / upper_bound`` is a guaranteed fraction of the optimum (1.0 means optimal).
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import attrs

from volunteerkit.matching.eligibility import Reason
from volunteerkit.matching.errors import MatchingInputError
from volunteerkit.matching.models import VolunteerProfile
from volunteerkit.matching.schedule import Occurrence, available_minutes

__all__ = ["Roster", "RosterRules", "RosterShift", "Uncovered", "roster"]


def _optional_positive(_inst: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value <= 0):
        raise MatchingInputError.of("matching.not_positive", f"$.{attribute.name}")


def _non_negative(_inst: object, attribute: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise MatchingInputError.of("matching.negative", f"$.{attribute.name}")


@attrs.frozen(kw_only=True)
class RosterRules:
    """Working-time rules for rostering.

    Attributes:
        max_minutes_per_day: Most minutes on one local day (``None``: no limit).
        max_minutes_per_week: Most minutes in one ISO week (``None``: no limit).
        min_rest_minutes: Least rest between the end of one shift and the start of the next.
    """

    max_minutes_per_day: int | None = attrs.field(default=600, validator=_optional_positive)
    max_minutes_per_week: int | None = attrs.field(default=2400, validator=_optional_positive)
    min_rest_minutes: int = attrs.field(default=480, validator=_non_negative)


@attrs.frozen(kw_only=True)
class RosterShift:
    """One volunteer on one occurrence.

    Attributes:
        volunteer_id: The volunteer.
        shift_id: The shift.
        slot_id: The slot.
        start: Start instant (UTC).
        end: End instant (UTC).
    """

    volunteer_id: str
    shift_id: str
    slot_id: str
    start: datetime
    end: datetime


@attrs.frozen(kw_only=True)
class Uncovered:
    """An occurrence left short.

    Attributes:
        shift_id: The shift.
        start: The occurrence's start (UTC).
        missing: How many volunteers it still needs.
        reason: ``matching.roster_uncovered``.
    """

    shift_id: str
    start: datetime
    missing: int
    reason: Reason


@attrs.frozen(kw_only=True)
class Roster:
    """A roster and how good it is.

    Attributes:
        shifts: Volunteers on occurrences, by start, shift id, volunteer id.
        filled: Positions filled.
        needed: Positions needed in total.
        upper_bound: No roster fills more than this.
        uncovered: Occurrences left short.
        minutes: Minutes rostered per volunteer (every volunteer given, zeros included).
    """

    shifts: tuple[RosterShift, ...]
    filled: int
    needed: int
    upper_bound: int
    uncovered: tuple[Uncovered, ...]
    minutes: Mapping[str, int] = attrs.field(hash=False)

    @property
    def optimality_bound(self) -> float:
        """``filled / upper_bound``: the share of the optimum the roster fills at least (1.0 if none)."""
        return 1.0 if self.upper_bound == 0 else self.filled / self.upper_bound


class _State:
    def __init__(self) -> None:
        self.intervals: list[tuple[datetime, datetime]] = []
        self.day: dict[object, int] = {}
        self.week: dict[object, int] = {}
        self.total = 0


def roster(
    occurrences: Iterable[Occurrence],
    assigned: Mapping[str, Sequence[str]],
    volunteers: Iterable[VolunteerProfile],
    rules: RosterRules | None = None,
) -> Roster:
    """Roster volunteers onto occurrences (see the module's description of the heuristic and bound).

    Args:
        occurrences: The occurrences to staff.
        assigned: Slot id to the ids of the volunteers who may work it (from role allocation).
        volunteers: Profiles of those volunteers (availability, weekly maximum).
        rules: The working-time rules (defaults: :class:`RosterRules`).

    Returns:
        The roster, with its bound and its uncovered occurrences.

    Raises:
        MatchingInputError: ``matching.unknown_reference`` when a volunteer id in ``assigned`` has no
            profile; ``matching.invalid`` for arguments of the wrong type: ``assigned`` that is
            not a mapping of slot ids to lists of volunteer ids (``$.assigned``,
            ``$.assigned.<slot>``), an item of ``volunteers`` that is not a
            :class:`VolunteerProfile` (``$.volunteers[i]``), of ``occurrences`` that is not an
            :class:`Occurrence` (``$.occurrences[i]``), or ``rules`` that is not
            :class:`RosterRules` (``$.rules``).
    """
    rules = RosterRules() if rules is None else rules
    if not isinstance(rules, RosterRules):
        raise MatchingInputError.of("matching.invalid", "$.rules")
    if not isinstance(assigned, Mapping):
        raise MatchingInputError.of("matching.invalid", "$.assigned")
    volunteers = list(volunteers)
    for i, v in enumerate(volunteers):
        if not isinstance(v, VolunteerProfile):
            raise MatchingInputError.of("matching.invalid", f"$.volunteers[{i}]")
    occurrences = list(occurrences)
    for i, o in enumerate(occurrences):
        if not isinstance(o, Occurrence):
            raise MatchingInputError.of("matching.invalid", f"$.occurrences[{i}]")
    profiles = {v.id: v for v in volunteers}
    for slot_id, ids in assigned.items():
        if isinstance(ids, str) or not isinstance(ids, Sequence):  # a text would be its letters
            raise MatchingInputError.of("matching.invalid", f"$.assigned.{slot_id}")
        for i, vid in enumerate(ids):
            if not isinstance(vid, str) or vid not in profiles:  # anything else names nobody
                raise MatchingInputError.of(
                    "matching.unknown_reference", f"$.assigned.{slot_id}[{i}]"
                )
    occ = sorted(occurrences, key=lambda o: (o.start, o.shift_id))
    rest = timedelta(minutes=rules.min_rest_minutes)
    state = {vid: _State() for vid in sorted(profiles)}

    def week_cap(vid: str) -> int | None:
        own = profiles[vid].preferences.max_minutes_per_week
        caps = [c for c in (rules.max_minutes_per_week, own) if c is not None]
        return min(caps) if caps else None

    def alone_ok(vid: str, o: Occurrence) -> bool:
        mins = o.minutes
        if rules.max_minutes_per_day is not None and mins > rules.max_minutes_per_day:
            return False
        cap = week_cap(vid)
        if cap is not None and mins > cap:
            return False
        return available_minutes(profiles[vid].availability, o.start, o.end) == mins

    def fits(vid: str, o: Occurrence) -> bool:
        st = state[vid]
        day = o.local_date
        iso = day.isocalendar()
        week = (iso[0], iso[1])
        mins = o.minutes
        if (
            rules.max_minutes_per_day is not None
            and st.day.get(day, 0) + mins > rules.max_minutes_per_day
        ):
            return False
        cap = week_cap(vid)
        if cap is not None and st.week.get(week, 0) + mins > cap:
            return False
        i = bisect_left(st.intervals, (o.start, o.end))
        if i > 0 and st.intervals[i - 1][1] + rest > o.start:
            return False
        return not (i < len(st.intervals) and o.end + rest > st.intervals[i][0])

    shifts: list[RosterShift] = []
    uncovered: list[Uncovered] = []
    filled = needed = bound = 0
    for o in occ:
        pool = sorted(set(assigned.get(o.slot_id, ())))
        feasible_alone = [v for v in pool if alone_ok(v, o)]
        needed += o.needed
        bound += min(o.needed, len(feasible_alone))
        ranked = sorted(feasible_alone, key=lambda v: (state[v].total, v))
        took = 0
        for vid in ranked:
            if took == o.needed:
                break
            if not fits(vid, o):
                continue
            st = state[vid]
            insort(st.intervals, (o.start, o.end))
            day = o.local_date
            iso = day.isocalendar()
            st.day[day] = st.day.get(day, 0) + o.minutes
            st.week[(iso[0], iso[1])] = st.week.get((iso[0], iso[1]), 0) + o.minutes
            st.total += o.minutes
            shifts.append(
                RosterShift(
                    volunteer_id=vid,
                    shift_id=o.shift_id,
                    slot_id=o.slot_id,
                    start=o.start,
                    end=o.end,
                )
            )
            took += 1
        filled += took
        if took < o.needed:
            uncovered.append(
                Uncovered(
                    shift_id=o.shift_id,
                    start=o.start,
                    missing=o.needed - took,
                    reason=Reason.of("matching.roster_uncovered"),
                )
            )
    shifts.sort(key=lambda r: (r.start, r.shift_id, r.volunteer_id))
    return Roster(
        shifts=tuple(shifts),
        filled=filled,
        needed=needed,
        upper_bound=bound,
        uncovered=tuple(uncovered),
        minutes={vid: st.total for vid, st in state.items()},
    )
