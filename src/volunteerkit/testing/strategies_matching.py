"""Hypothesis strategies for the matching part's models and problems.

Needs the ``hypothesis`` package (a test dependency, not a runtime one).
"""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

from volunteerkit.matching.assign import AllocationProblem
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
from volunteerkit.matching.store import RoleAssignment, ShiftAssignment
from volunteerkit.testing.strategies import aware_datetimes

__all__ = [
    "allocation_problems",
    "availabilities",
    "geo_points",
    "projects",
    "role_assignments",
    "shift_assignments",
    "shifts",
    "slots",
    "volunteer_profiles",
    "zones",
]

_ZONES = ["Asia/Shanghai", "Asia/Kathmandu", "Europe/London", "America/New_York", "UTC"]
_codes = st.sampled_from(["first_aid", "driving", "english", "sign", "guide", "zh", "en", "fr"])
_ids = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=12)
_text = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=30)
_name = st.text(
    st.characters(codec="utf-8", exclude_characters="\x00"), min_size=1, max_size=20
).filter(lambda s: bool(s.strip()))
_dates = st.dates(min_value=date(1940, 1, 1), max_value=date(2040, 12, 31))


def zones() -> st.SearchStrategy[ZoneInfo]:
    """A few IANA zones with and without daylight saving (and a +05:45 one)."""
    return st.sampled_from(_ZONES).map(ZoneInfo)


def geo_points() -> st.SearchStrategy[GeoPoint]:
    """Points anywhere on the Earth."""
    return st.builds(
        GeoPoint,
        latitude=st.floats(-90, 90, allow_nan=False),
        longitude=st.floats(-180, 180, allow_nan=False),
    )


def projects(ids: st.SearchStrategy[str] | None = None) -> st.SearchStrategy[Project]:
    """Valid projects, remote or located.

    Args:
        ids: Strategy for project ids.

    Returns:
        The strategy.
    """
    location = st.builds(
        Location,
        point=st.none() | geo_points(),
        region_code=st.none() | st.sampled_from(["110105", "310115"]),
        address=_text,
    )
    return st.one_of(
        st.builds(
            Project,
            id=_ids if ids is None else ids,
            organization_id=_ids,
            organization_name=_name,
            title=_name,
            category=st.sampled_from(["events", "elderly", "environment"]),
            zone=zones(),
            description=_text,
            location=location,
            remote=st.booleans(),
        ),
        st.builds(
            Project,
            id=_ids if ids is None else ids,
            organization_id=_ids,
            organization_name=_name,
            title=_name,
            category=st.sampled_from(["events", "elderly"]),
            zone=zones(),
            location=st.none(),
            remote=st.just(True),
        ),
    )


@st.composite
def _requirements(draw: st.DrawFn) -> Requirements:
    lo = draw(st.none() | st.integers(0, 70))
    hi = draw(st.none() | st.integers(lo or 0, 90))
    return Requirements(
        skills=draw(st.lists(_codes, max_size=2)),
        qualifications=draw(st.lists(_codes, max_size=2)),
        languages=draw(st.lists(_codes, max_size=2)),
        min_age=lo,
        max_age=hi,
        agreement=draw(st.booleans()),
        insurance=draw(st.booleans()),
    )


def slots(
    ids: st.SearchStrategy[str] | None = None, project_ids: st.SearchStrategy[str] | None = None
) -> st.SearchStrategy[Slot]:
    """Valid slots.

    Args:
        ids: Strategy for slot ids.
        project_ids: Strategy for their project ids.

    Returns:
        The strategy.
    """
    return st.builds(
        Slot,
        id=_ids if ids is None else ids,
        project_id=_ids if project_ids is None else project_ids,
        title=_name,
        capacity=st.integers(0, 20),
        requirements=_requirements(),
        preferred_skills=st.lists(_codes, max_size=3),
        preferred_languages=st.lists(_codes, max_size=3),
        description=_text,
    )


_RULES = [None, "FREQ=WEEKLY;COUNT=5", "FREQ=DAILY;INTERVAL=2;COUNT=3", "FREQ=WEEKLY;BYDAY=SA,SU"]


def shifts(
    ids: st.SearchStrategy[str] | None = None,
    slot_ids: st.SearchStrategy[str] | None = None,
    project_ids: st.SearchStrategy[str] | None = None,
    zone: st.SearchStrategy[ZoneInfo] | None = None,
) -> st.SearchStrategy[Shift]:
    """Valid shifts, one-off or recurring, in varied zones.

    Args:
        ids: Strategy for shift ids.
        slot_ids: Strategy for slot ids.
        project_ids: Strategy for project ids.
        zone: Strategy for the zone (a stored shift's must be its project's).

    Returns:
        The strategy.
    """
    return st.builds(
        Shift,
        id=_ids if ids is None else ids,
        slot_id=_ids if slot_ids is None else slot_ids,
        project_id=_ids if project_ids is None else project_ids,
        start=aware_datetimes().map(lambda d: d.replace(second=0, microsecond=0)),
        duration_minutes=st.integers(1, 720),
        zone=zones() if zone is None else zone,
        rrule=st.sampled_from(_RULES),
        exdates=st.lists(aware_datetimes(), max_size=2).map(tuple),
        needed=st.integers(1, 5),
    )


@st.composite
def _window(draw: st.DrawFn) -> WeeklyWindow:
    start = draw(st.integers(0, 1439))
    return WeeklyWindow(
        weekday=draw(st.integers(0, 6)),
        start_minute=start,
        end_minute=draw(st.integers(start + 1, 1440)),
    )


@st.composite
def _exception(draw: st.DrawFn) -> AvailabilityException:
    start = draw(aware_datetimes())
    return AvailabilityException(
        start=start,
        end=start + timedelta(minutes=draw(st.integers(1, 7 * 1440))),
        available=draw(st.booleans()),
    )


def availabilities() -> st.SearchStrategy[Availability]:
    """Weekly windows and exceptions in varied zones."""
    return st.builds(
        Availability,
        zone=zones(),
        weekly=st.lists(_window(), max_size=4).map(tuple),
        exceptions=st.lists(_exception(), max_size=2).map(tuple),
    )


def volunteer_profiles(
    ids: st.SearchStrategy[str] | None = None,
) -> st.SearchStrategy[VolunteerProfile]:
    """Valid volunteer profiles.

    Args:
        ids: Strategy for volunteer ids.

    Returns:
        The strategy.
    """
    qualification = st.builds(
        Qualification, code=_codes, valid_from=st.none(), valid_until=st.none() | _dates
    )
    return st.builds(
        VolunteerProfile,
        id=_ids if ids is None else ids,
        birth_date=st.none() | _dates,
        skills=st.lists(_codes, max_size=4),
        languages=st.lists(_codes, max_size=3),
        qualifications=st.lists(qualification, max_size=2).map(tuple),
        agreement_signed=st.booleans(),
        insured_until=st.none() | _dates,
        home=st.none() | geo_points(),
        region_code=st.none() | st.just("110105"),
        availability=st.none() | availabilities(),
        preferences=st.builds(
            Preferences,
            categories=st.lists(st.sampled_from(["events", "elderly", "environment"]), max_size=2),
            max_distance_km=st.none() | st.integers(0, 100),
            max_minutes_per_week=st.none() | st.integers(0, 3000),
            remote_ok=st.booleans(),
        ),
        served_minutes=st.integers(0, 100_000),
        limit=st.integers(0, 3),
    )


def role_assignments(
    slot_ids: st.SearchStrategy[str], ids: st.SearchStrategy[str] | None = None
) -> st.SearchStrategy[RoleAssignment]:
    """Role assignments to the given slots.

    Args:
        slot_ids: Strategy for (stored) slot ids.
        ids: Strategy for assignment ids.

    Returns:
        The strategy.
    """
    return st.builds(
        RoleAssignment,
        id=_ids if ids is None else ids,
        run_id=st.sampled_from(["run-1", "run-2"]),
        volunteer_id=st.sampled_from(["v1", "v2", "v3"]),
        slot_id=slot_ids,
        score=st.integers(-1000, 10_000),
        assigned_at=aware_datetimes(),
    )


def shift_assignments(
    shift_ids: st.SearchStrategy[str], ids: st.SearchStrategy[str] | None = None
) -> st.SearchStrategy[ShiftAssignment]:
    """Shift assignments to the given shifts.

    Args:
        shift_ids: Strategy for (stored) shift ids.
        ids: Strategy for assignment ids.

    Returns:
        The strategy.
    """
    return st.builds(
        lambda i, run, vol, sh, start, minutes, at: ShiftAssignment(
            id=i,
            run_id=run,
            volunteer_id=vol,
            shift_id=sh,
            start=start,
            end=start + timedelta(minutes=minutes),
            assigned_at=at,
        ),
        _ids if ids is None else ids,
        st.sampled_from(["run-1", "run-2"]),
        st.sampled_from(["v1", "v2", "v3"]),
        shift_ids,
        aware_datetimes(),
        st.integers(1, 600),
        aware_datetimes(),
    )


@st.composite
def allocation_problems(
    draw: st.DrawFn,
    max_volunteers: int = 12,
    max_slots: int = 6,
    max_score: int = 50,
) -> AllocationProblem:
    """Small allocation problems with random limits, capacities, pairs and scores (ties included).

    Args:
        draw: Hypothesis' draw function.
        max_volunteers: Most volunteers.
        max_slots: Most slots.
        max_score: Scores are drawn from ``[-5, max_score]``.

    Returns:
        A problem.
    """
    n = draw(st.integers(0, max_volunteers))
    m = draw(st.integers(1, max_slots))
    triples = []
    for v in range(n):
        chosen = draw(st.sets(st.integers(0, m - 1), max_size=m))
        for s in sorted(chosen):
            triples.append((f"v{v:03d}", f"s{s:03d}", draw(st.integers(-5, max_score))))
    return AllocationProblem.build(
        {f"v{v:03d}": draw(st.integers(0, 3)) for v in range(n)},
        {f"s{s:03d}": draw(st.integers(0, 4)) for s in range(m)},
        triples,
    )
