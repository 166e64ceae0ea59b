"""Matching volunteers to projects: eligibility, scoring, exact role allocation, rostering.

* :mod:`~volunteerkit.matching.models`: projects, slots (roles), shifts, volunteers' profiles.
* :mod:`~volunteerkit.matching.schedule`: shift occurrences (RFC 5545 rules), availability, ages.
* :mod:`~volunteerkit.matching.eligibility`: every hard rule, with coded bilingual reasons.
* :mod:`~volunteerkit.matching.scoring`: an integer weighted sum, every part explained.
* :mod:`~volunteerkit.matching.assign`: role allocation of maximum total score (exact, pure Python,
  or OR-tools / SciPy when installed) or greedy.
* :mod:`~volunteerkit.matching.roster`: volunteers onto concrete shifts under working-time rules,
  with a bound on the distance from the optimum.
* :mod:`~volunteerkit.matching.stable`: deferred acceptance with capacities.
* :mod:`~volunteerkit.matching.publish`: opportunities as UK Volunteering Data Standard JSON, shifts
  as iCalendar.
* :mod:`~volunteerkit.matching.store`: the storage port that store backends implement.
"""

from volunteerkit.matching.assign import (
    Allocation,
    AllocationProblem,
    Backend,
    Mode,
    Placement,
    RoleAllocation,
    UnfilledSlot,
    UnplacedVolunteer,
    allocate,
    allocate_roles,
)
from volunteerkit.matching.eligibility import Eligibility, Opening, Reason, check, opening
from volunteerkit.matching.errors import MatchingInputError, MatchingNotFound
from volunteerkit.matching.models import (
    Availability,
    AvailabilityException,
    GeoPoint,
    Location,
    Preferences,
    Project,
    Qualification,
    Requirements,
    Shift,
    Slot,
    VolunteerProfile,
    WeeklyWindow,
)
from volunteerkit.matching.publish import to_icalendar, to_volunteering_data
from volunteerkit.matching.roster import Roster, RosterRules, RosterShift, roster
from volunteerkit.matching.schedule import Occurrence, age_on, available_minutes, occurrences
from volunteerkit.matching.scoring import PARTS, Score, ScorePart, ScoringWeights, score
from volunteerkit.matching.stable import StableMatching, blocking_pairs, deferred_acceptance
from volunteerkit.matching.store import MatchingStore, RoleAssignment, ShiftAssignment

__all__ = [
    "PARTS",
    "Allocation",
    "AllocationProblem",
    "Availability",
    "AvailabilityException",
    "Backend",
    "Eligibility",
    "GeoPoint",
    "Location",
    "MatchingInputError",
    "MatchingNotFound",
    "MatchingStore",
    "Mode",
    "Occurrence",
    "Opening",
    "Placement",
    "Preferences",
    "Project",
    "Qualification",
    "Reason",
    "Requirements",
    "RoleAllocation",
    "RoleAssignment",
    "Roster",
    "RosterRules",
    "RosterShift",
    "Score",
    "ScorePart",
    "ScoringWeights",
    "Shift",
    "ShiftAssignment",
    "Slot",
    "StableMatching",
    "UnfilledSlot",
    "UnplacedVolunteer",
    "VolunteerProfile",
    "WeeklyWindow",
    "age_on",
    "allocate",
    "allocate_roles",
    "available_minutes",
    "blocking_pairs",
    "check",
    "deferred_acceptance",
    "occurrences",
    "opening",
    "roster",
    "score",
    "to_icalendar",
    "to_volunteering_data",
]
