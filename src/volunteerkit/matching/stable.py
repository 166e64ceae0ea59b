"""Stable matching: deferred acceptance with capacities (volunteers propose).

For programmes that want *stability* (no volunteer and slot who would both rather be matched to each
other than to what they got) over the highest total score. Volunteers rank slots, slots rank
volunteers; a pair is acceptable only if each lists the other. Each volunteer gets at most one slot,
each slot at most its capacity. The volunteer-proposing algorithm of Gale and Shapley gives the
stable matching that every volunteer likes at least as well as any other stable matching.
:func:`blocking_pairs` checks a matching for stability.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import attrs

from volunteerkit.matching.errors import MatchingInputError

__all__ = ["StableMatching", "blocking_pairs", "deferred_acceptance", "preferences_from_scores"]


@attrs.frozen(kw_only=True)
class StableMatching:
    """A matching from deferred acceptance.

    Attributes:
        pairs: ``(volunteer_id, slot_id)`` pairs, by volunteer id.
        unmatched: Volunteers left without a slot, by id.
    """

    pairs: tuple[tuple[str, str], ...]
    unmatched: tuple[str, ...]

    def slot_of(self, volunteer_id: str) -> str | None:
        """Return the slot of ``volunteer_id``, or ``None``.

        Args:
            volunteer_id: The volunteer.

        Returns:
            The slot id or ``None``.
        """
        for v, s in self.pairs:
            if v == volunteer_id:
                return s
        return None


def _invalid(path: str) -> MatchingInputError:
    return MatchingInputError.of("matching.invalid", path)


def _check_capacities(capacities: Mapping[str, int]) -> None:
    if not isinstance(capacities, Mapping):
        raise _invalid("$.capacities")
    for sid, cap in capacities.items():
        if not isinstance(sid, str):
            raise _invalid("$.capacities")
        if isinstance(cap, bool) or not isinstance(cap, int) or cap < 0:
            raise MatchingInputError.of("matching.negative", f"$.capacities.{sid}")


def _ranks(prefs: Mapping[str, Sequence[str]], path: str) -> dict[str, dict[str, int]]:
    """Each ranking's positions by id; refuses what is not a mapping of id to a list of ids."""
    if not isinstance(prefs, Mapping):
        raise _invalid(path)
    out: dict[str, dict[str, int]] = {}
    for key, ranked in prefs.items():
        if not isinstance(key, str):
            raise _invalid(path)
        if isinstance(ranked, str | bytes) or not isinstance(ranked, Sequence):
            raise _invalid(f"{path}.{key}")  # one text is not a ranking of one id
        table: dict[str, int] = {}
        for i, other in enumerate(ranked):
            if not isinstance(other, str):
                raise _invalid(f"{path}.{key}[{i}]")
            if other in table:
                raise MatchingInputError.of("matching.duplicate_id", f"{path}.{key}[{i}]")
            table[other] = i
        out[key] = table
    return out


def deferred_acceptance(
    volunteer_prefs: Mapping[str, Sequence[str]],
    slot_prefs: Mapping[str, Sequence[str]],
    capacities: Mapping[str, int],
) -> StableMatching:
    """Run volunteer-proposing deferred acceptance with slot capacities.

    Args:
        volunteer_prefs: Volunteer id to the slots it accepts, best first.
        slot_prefs: Slot id to the volunteers it accepts, best first.
        capacities: Slot id to capacity (slots missing here take nobody).

    Returns:
        The volunteer-optimal stable matching.

    Raises:
        MatchingInputError: A ranking lists the same id twice (``matching.duplicate_id``) or a
            capacity is negative (``matching.negative``); ``matching.invalid`` at the argument
            (``$.volunteer_prefs.v1[2]``...) for rankings that are not a mapping of text ids to
            lists of text ids, or capacities that are not a mapping of text ids.
    """
    _check_capacities(capacities)
    _ranks(volunteer_prefs, "$.volunteer_prefs")
    slot_rank = _ranks(slot_prefs, "$.slot_prefs")
    held: dict[str, list[tuple[int, str]]] = {s: [] for s in capacities}
    next_choice = dict.fromkeys(volunteer_prefs, 0)
    free = sorted(volunteer_prefs, reverse=True)  # pop() gives the smallest id first
    while free:
        v = free.pop()
        prefs = volunteer_prefs[v]
        while next_choice[v] < len(prefs):
            s = prefs[next_choice[v]]
            next_choice[v] += 1
            rank = slot_rank.get(s, {}).get(v)
            cap = capacities.get(s, 0)
            if rank is None or cap == 0:
                continue
            hold = held[s]
            if len(hold) < cap:
                hold.append((rank, v))
                hold.sort()
                break
            if rank < hold[-1][0]:
                _, rejected = hold.pop()
                hold.append((rank, v))
                hold.sort()
                free.append(rejected)
                break
    matched = {v: s for s, hold in held.items() for _, v in hold}
    return StableMatching(
        pairs=tuple(sorted(matched.items())),
        unmatched=tuple(sorted(v for v in volunteer_prefs if v not in matched)),
    )


def blocking_pairs(
    matching: StableMatching,
    volunteer_prefs: Mapping[str, Sequence[str]],
    slot_prefs: Mapping[str, Sequence[str]],
    capacities: Mapping[str, int],
) -> list[tuple[str, str]]:
    """Return the pairs that block ``matching`` (empty when it is stable).

    A volunteer ``v`` and slot ``s`` who accept each other block the matching when ``v`` prefers
    ``s`` to its slot (or has none) and ``s`` has room or prefers ``v`` to one of its volunteers.

    Args:
        matching: The matching to check.
        volunteer_prefs: Volunteer rankings.
        slot_prefs: Slot rankings.
        capacities: Slot capacities.

    Returns:
        The blocking pairs, sorted.

    Raises:
        MatchingInputError: As :func:`deferred_acceptance`; ``matching.invalid`` at
            ``$.matching`` if ``matching`` is not a :class:`StableMatching`.
    """
    if not isinstance(matching, StableMatching):
        raise _invalid("$.matching")
    _check_capacities(capacities)
    _ranks(volunteer_prefs, "$.volunteer_prefs")
    slot_rank = _ranks(slot_prefs, "$.slot_prefs")
    mine = dict(matching.pairs)
    members: dict[str, list[str]] = {}
    for v, s in matching.pairs:
        members.setdefault(s, []).append(v)
    out: list[tuple[str, str]] = []
    for v, prefs in volunteer_prefs.items():
        current = mine.get(v)
        for s in prefs:
            if s == current:
                break
            rank = slot_rank.get(s, {})
            if v not in rank or capacities.get(s, 0) == 0:
                continue
            held = members.get(s, [])
            if len(held) < capacities.get(s, 0) or any(rank[v] < rank[u] for u in held):
                out.append((v, s))
    return sorted(out)


def preferences_from_scores(
    candidates: Iterable[tuple[str, str, int]],
) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Derive both sides' rankings from scored pairs (higher score first, ties by id).

    Programmes where volunteers state their own rankings should pass those instead.

    Args:
        candidates: ``(volunteer_id, slot_id, score)`` triples.

    Returns:
        ``(volunteer_prefs, slot_prefs)``.

    Raises:
        MatchingInputError: ``matching.invalid`` at ``$.candidates[i]`` for an item that is not
            a ``(volunteer_id, slot_id, score)`` triple of two texts and an integer
            (``$.candidates`` if ``candidates`` is not iterable).
    """
    if isinstance(candidates, str | bytes) or not isinstance(candidates, Iterable):
        raise _invalid("$.candidates")
    by_v: dict[str, list[tuple[int, str]]] = {}
    by_s: dict[str, list[tuple[int, str]]] = {}
    for i, item in enumerate(candidates):
        if not (
            isinstance(item, tuple | list)
            and len(item) == 3
            and isinstance(item[0], str)
            and isinstance(item[1], str)
            and isinstance(item[2], int)
            and not isinstance(item[2], bool)
        ):
            raise _invalid(f"$.candidates[{i}]")
        v, s, points = item
        by_v.setdefault(v, []).append((-points, s))
        by_s.setdefault(s, []).append((-points, v))
    return (
        {v: [s for _, s in sorted(xs)] for v, xs in by_v.items()},
        {s: [v for _, v in sorted(xs)] for s, xs in by_s.items()},
    )
