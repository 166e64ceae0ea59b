"""Scoring: how well a volunteer fits a slot, as a weighted sum with every part explained.

The score is an **integer** number of points, so the assignment that maximises total score is exact
and the same on every machine. Each part is a fraction in [0, 1] (an exact
:class:`~fractions.Fraction`) times its weight (a :class:`~decimal.Decimal`), floored to whole
points:

============  ========================================================================
part          fraction
============  ========================================================================
base          1 for every eligible pair (so filling a slot always beats leaving it empty)
skills        share of the slot's preferred skills the volunteer has (1 if none preferred)
languages     share of the slot's preferred languages the volunteer speaks (1 if none)
distance      ``1 - d / reference`` by great-circle distance (0 beyond the reference, 1 remote);
              the reference is the volunteer's maximum distance or ``distance_reference_km``
category      1 if the project's category is one the volunteer prefers
availability  share of the occurrences' minutes in which the volunteer is available
fairness      ``scale / (scale + served_minutes)``: volunteers who served less score higher
============  ========================================================================
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

import attrs

from volunteerkit.matching.eligibility import Opening
from volunteerkit.matching.errors import MatchingInputError
from volunteerkit.matching.models import VolunteerProfile, require
from volunteerkit.matching.schedule import available_minutes

__all__ = ["PARTS", "Score", "ScorePart", "ScoringWeights", "score"]

PARTS = ("base", "skills", "languages", "distance", "category", "availability", "fairness")
"""The score's parts, in the order they are listed."""


def _weight(_inst: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, Decimal) or not value.is_finite() or value < 0:
        raise MatchingInputError.of("matching.weight", f"$.{attribute.name}")


def _positive_int(_inst: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise MatchingInputError.of("matching.not_positive", f"$.{attribute.name}")


@attrs.frozen(kw_only=True)
class ScoringWeights:
    """The weights of the score's parts (points for a perfect fit in each part).

    Attributes:
        base: Points for being eligible at all.
        skills: Points for having every preferred skill.
        languages: Points for speaking every preferred language.
        distance: Points for living at the project (falls linearly to 0 at the reference distance).
        category: Points when the project's category is a preferred one.
        availability: Points for being available for every occurrence minute.
        fairness: Points for having served nothing yet.
        distance_reference_km: Distance at which the distance part reaches 0, when the volunteer
            sets no maximum distance.
        fairness_scale_minutes: Served minutes at which the fairness part is halved.
    """

    base: Decimal = attrs.field(default=Decimal(100), validator=_weight)
    skills: Decimal = attrs.field(default=Decimal(200), validator=_weight)
    languages: Decimal = attrs.field(default=Decimal(100), validator=_weight)
    distance: Decimal = attrs.field(default=Decimal(150), validator=_weight)
    category: Decimal = attrs.field(default=Decimal(100), validator=_weight)
    availability: Decimal = attrs.field(default=Decimal(200), validator=_weight)
    fairness: Decimal = attrs.field(default=Decimal(100), validator=_weight)
    distance_reference_km: int = attrs.field(default=50, validator=_positive_int)
    fairness_scale_minutes: int = attrs.field(default=6000, validator=_positive_int)


@attrs.frozen(kw_only=True)
class ScorePart:
    """One part of a score.

    Attributes:
        name: The part (one of :data:`PARTS`).
        fraction: The fit in [0, 1], as exact text (``"2/3"``).
        weight: The part's weight.
        points: ``floor(weight * fraction)``.
        detail: What the fraction was computed from.
    """

    name: str
    fraction: str
    weight: Decimal
    points: int
    detail: str = ""


@attrs.frozen(kw_only=True)
class Score:
    """A score with its explanation.

    Attributes:
        volunteer_id: The volunteer.
        slot_id: The slot.
        total: Sum of the parts' points.
        parts: The parts, in the order of :data:`PARTS`.
    """

    volunteer_id: str
    slot_id: str
    total: int
    parts: tuple[ScorePart, ...]

    def part(self, name: str) -> ScorePart:
        """Return the part called ``name``.

        Args:
            name: One of :data:`PARTS`.

        Returns:
            The part.

        Raises:
            MatchingInputError: If there is no such part.
        """
        for p in self.parts:
            if p.name == name:
                return p
        raise MatchingInputError.of("matching.invalid", "$.name")


def _share(wanted: tuple[str, ...], have: tuple[str, ...]) -> tuple[Fraction, str]:
    if not wanted:
        return Fraction(1), "none preferred"
    got = [x for x in wanted if x in set(have)]
    return Fraction(len(got), len(wanted)), f"{len(got)} of {len(wanted)}"


def score(
    volunteer: VolunteerProfile, opened: Opening, weights: ScoringWeights | None = None
) -> Score:
    """Score how well ``volunteer`` fits ``opened.slot`` (eligibility is checked separately).

    Args:
        volunteer: The volunteer's profile.
        opened: The slot with its project and occurrences.
        weights: The weights (defaults: :class:`ScoringWeights`).

    Returns:
        The integer score and its parts.

    Raises:
        MatchingInputError: ``matching.invalid`` at ``$.volunteer``, ``$.opened`` or
            ``$.weights`` for an argument of the wrong type.
    """
    require(volunteer, VolunteerProfile, "$.volunteer")
    require(opened, Opening, "$.opened")
    require(weights, (ScoringWeights, type(None)), "$.weights")
    w = weights or ScoringWeights()
    slot, project = opened.slot, opened.project
    fractions: list[tuple[str, Fraction, str]] = [("base", Fraction(1), "eligible")]
    f, detail = _share(slot.preferred_skills, volunteer.skills)
    fractions.append(("skills", f, detail))
    f, detail = _share(slot.preferred_languages, volunteer.languages)
    fractions.append(("languages", f, detail))
    if project.remote:
        fractions.append(("distance", Fraction(1), "remote"))
    else:
        here = project.location.point if project.location is not None else None
        if here is None or volunteer.home is None:
            fractions.append(("distance", Fraction(0), "no coordinates"))
        else:
            metres = volunteer.home.distance_m(here)
            km = volunteer.preferences.max_distance_km or w.distance_reference_km
            ref = max(1, km * 1000)
            fractions.append(("distance", Fraction(max(0, ref - metres), ref), f"{metres} m"))
    liked = project.category in volunteer.preferences.categories
    fractions.append(("category", Fraction(int(liked)), project.category))
    total_min = opened.total_minutes
    if total_min == 0:
        fractions.append(("availability", Fraction(0), "no occurrences"))
    else:
        avail = sum(
            available_minutes(volunteer.availability, o.start, o.end) for o in opened.occurrences
        )
        fractions.append(
            ("availability", Fraction(avail, total_min), f"{avail} of {total_min} min")
        )
    scale = w.fairness_scale_minutes
    fractions.append(
        (
            "fairness",
            Fraction(scale, scale + volunteer.served_minutes),
            f"{volunteer.served_minutes} min served",
        )
    )
    parts: list[ScorePart] = []
    for name, frac, det in fractions:
        weight: Decimal = getattr(w, name)
        points = int(Fraction(weight) * frac)  # exact, floored (non-negative)
        parts.append(
            ScorePart(name=name, fraction=str(frac), weight=weight, points=points, detail=det)
        )
    return Score(
        volunteer_id=volunteer.id,
        slot_id=slot.id,
        total=sum(p.points for p in parts),
        parts=tuple(parts),
    )
