"""allocate_roles: eligibility, scores and allocation together, with explanations."""

from __future__ import annotations

import attrs

from volunteerkit.matching import allocate_roles

from ._fixtures import openings, volunteers


def test_roles_allocated_with_scores_and_reasons():
    """Li takes a slot, the others are ineligible everywhere and their failed checks are listed."""
    result = allocate_roles(volunteers(), openings())
    placed = [(p.volunteer_id, p.slot_id, p.score) for p in result.allocation.placements]
    # Li fits both slots; the medic slot scores higher for her: no preferred skills or languages
    # there, so those parts are full (900 = 100 + 200 + 100 + 150 + 100 + 200 + 50).
    assert placed == [("v-li", "s-medic", 900)]
    assert [s.total for s in result.scores] == [900]
    assert result.scores[0].part("skills").fraction == "1"
    assert [(s.slot_id, s.open, s.reason.code) for s in result.allocation.unfilled] == [
        ("s-guide", 2, "matching.candidates_placed_elsewhere")
    ]
    unplaced = [(u.volunteer_id, u.reason.code) for u in result.allocation.unplaced]
    assert unplaced == [
        ("v-wang", "matching.no_eligible_slot"),
        ("v-zhao", "matching.no_eligible_slot"),
    ]
    why = {(e.volunteer_id, e.slot_id): e.codes for e in result.ineligible}
    assert why[("v-wang", "s-guide")] == ("matching.too_young",)
    assert why[("v-zhao", "s-medic")][0] == "matching.missing_qualification"


def test_limit_two_lets_a_volunteer_take_both_slots():
    """With a limit of 2, Li takes both slots and the total is the sum of both scores."""
    li = volunteers()[0]
    two = attrs.evolve(li, limit=2)
    result = allocate_roles([two], openings())
    assert [(p.slot_id, p.score) for p in result.allocation.placements] == [
        ("s-guide", 700),
        ("s-medic", 900),
    ]
    assert result.allocation.total_score == 1600
