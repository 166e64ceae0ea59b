"""Matching models: round trips through the converter and validation with codes and paths."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from volunteerkit import structure, unstructure
from volunteerkit.errors import NaiveDatetimeError, VolunteerkitError
from volunteerkit.matching import (
    Availability,
    GeoPoint,
    Location,
    MatchingInputError,
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
from volunteerkit.testing.strategies_matching import (
    projects,
    role_assignments,
    shift_assignments,
    shifts,
    slots,
    volunteer_profiles,
)

SH = ZoneInfo("Asia/Shanghai")


@settings(max_examples=60, deadline=None)
@given(
    st.one_of(
        projects(),
        slots(),
        shifts(),
        volunteer_profiles(),
        role_assignments(st.just("s1")),
        shift_assignments(st.just("f1")),
    )
)
def test_every_model_round_trips(model):
    """structure(unstructure(x)) == x for every matching model."""
    assert structure(unstructure(model), type(model)) == model


def test_codes_are_sorted_and_deduplicated():
    """Skill and language collections are stored sorted without duplicates."""
    v = VolunteerProfile(id="v1", skills=["guide", "driving", "guide"], languages=("zh", "en"))
    assert v.skills == ("driving", "guide")
    assert v.languages == ("en", "zh")
    assert unstructure(v)["skills"] == ["driving", "guide"]


def test_project_needs_location_unless_remote():
    """A non-remote project without a location is refused at $.location."""
    with pytest.raises(MatchingInputError) as info:
        Project(
            id="p", organization_id="o", organization_name="O", title="T", category="c", zone=SH
        )
    assert (info.value.code, info.value.path) == ("matching.location_required", "$.location")
    assert Project(
        id="p",
        organization_id="o",
        organization_name="O",
        title="T",
        category="c",
        zone=SH,
        remote=True,
    ).remote


@pytest.mark.parametrize(
    ("build", "code", "path"),
    [
        (lambda: GeoPoint(latitude=91.0, longitude=0.0), "matching.coordinates", "$.latitude"),
        (lambda: Requirements(min_age=18, max_age=16), "matching.age_range", "$.min_age"),
        (
            lambda: Slot(id="s", project_id="p", title="t", capacity=-1),
            "matching.negative",
            "$.capacity",
        ),
        (
            lambda: Slot(id=" ", project_id="p", title="t", capacity=1),
            "matching.empty_field",
            "$.id",
        ),
        (
            lambda: Qualification(
                code="q", valid_from=date(2026, 2, 1), valid_until=date(2026, 1, 1)
            ),
            "matching.validity_range",
            "$.valid_until",
        ),
        (
            lambda: WeeklyWindow(weekday=7, start_minute=0, end_minute=60),
            "matching.weekday",
            "$.weekday",
        ),
        (
            lambda: WeeklyWindow(weekday=1, start_minute=600, end_minute=600),
            "matching.minute_of_day",
            "$.end_minute",
        ),
        (
            lambda: Shift(
                id="f",
                slot_id="s",
                project_id="p",
                start=datetime(2026, 1, 1, tzinfo=SH),
                duration_minutes=60,
                zone=SH,
                rrule="FREQ=SOMETIMES",
            ),
            "matching.recurrence",
            "$.rrule",
        ),
        (
            lambda: Shift(
                id="f",
                slot_id="s",
                project_id="p",
                start=datetime(2026, 1, 1, tzinfo=SH),
                duration_minutes=0,
                zone=SH,
            ),
            "matching.not_positive",
            "$.duration_minutes",
        ),
    ],
)
def test_invalid_models_are_refused_with_code_and_path(build, code, path):
    """Each broken field raises MatchingInputError with its code, path and both languages."""
    with pytest.raises(MatchingInputError) as info:
        build()
    assert (info.value.code, info.value.path) == (code, path)
    assert info.value.message and info.value.message_zh


def test_naive_shift_start_is_refused():
    """A naive shift start raises NaiveDatetimeError at $.start."""
    with pytest.raises(NaiveDatetimeError) as info:
        Shift(
            id="f",
            slot_id="s",
            project_id="p",
            start=datetime(2026, 1, 1),
            duration_minutes=60,
            zone=SH,
        )
    assert info.value.path == "$.start"


def test_structure_reports_the_bad_field_path():
    """Structuring a slot with a bad capacity reports the nested path."""
    data = {"id": "s", "project_id": "p", "title": "t", "capacity": "3"}
    with pytest.raises(VolunteerkitError) as info:
        structure(data, Slot)
    assert info.value.path == "$.capacity"


def test_assignment_interval_checked():
    """A shift assignment must end after it starts; role scores must be integers."""
    t = datetime(2026, 1, 1, tzinfo=SH)
    with pytest.raises(MatchingInputError) as info:
        ShiftAssignment(
            id="a", run_id="r", volunteer_id="v", shift_id="f", start=t, end=t, assigned_at=t
        )
    assert info.value.path == "$.end"
    with pytest.raises(MatchingInputError) as info:
        RoleAssignment(id="a", run_id="r", volunteer_id="v", slot_id="s", score=True, assigned_at=t)
    assert info.value.path == "$.score"


def test_great_circle_distance():
    """Beijing Tiananmen to Shanghai People's Square is about 1,067 km by great circle."""
    beijing = GeoPoint(latitude=39.9087, longitude=116.3975)
    shanghai = GeoPoint(latitude=31.2304, longitude=121.4737)
    assert 1_060_000 < beijing.distance_m(shanghai) < 1_075_000
    assert beijing.distance_m(beijing) == 0
    assert beijing.distance_m(shanghai) == shanghai.distance_m(beijing)


def test_results_round_trip():
    """Allocation results, scores, eligibility, rosters and settings round-trip too."""
    from volunteerkit.matching import RosterRules, ScoringWeights, allocate_roles, check, roster

    from ._fixtures import openings, volunteers

    roles = allocate_roles(volunteers(), openings())
    guide, _ = openings()
    plan = roster(
        [o for op in openings() for o in op.occurrences],
        {"s-medic": ["v-li"]},
        volunteers(),
        RosterRules(min_rest_minutes=0),
    )
    for obj in (
        roles,
        roles.allocation,
        roles.scores[0],
        check(volunteers()[2], guide),
        plan,
        ScoringWeights(),
        RosterRules(max_minutes_per_day=None),
    ):
        assert structure(unstructure(obj), type(obj)) == obj


@pytest.mark.parametrize(
    ("fields", "code", "path"),
    [
        ({"birth_date": "2000-01-01"}, "matching.date", "$.birth_date"),
        ({"birth_date": datetime(2000, 1, 1)}, "matching.date", "$.birth_date"),
        ({"insured_until": "2030-01-01"}, "matching.date", "$.insured_until"),
        ({"qualifications": ("first_aid",)}, "matching.invalid", "$.qualifications[0]"),
        ({"qualifications": "first_aid"}, "matching.invalid", "$.qualifications"),
        ({"home": (39.9, 116.4)}, "matching.invalid", "$.home"),
        ({"availability": {"zone": "Asia/Shanghai"}}, "matching.invalid", "$.availability"),
        ({"preferences": None}, "matching.invalid", "$.preferences"),
        ({"skills": None}, "matching.codes", "$.skills"),
        ({"languages": "en"}, "matching.codes", "$.languages"),
        ({"skills": ["guide", ""]}, "matching.empty_field", "$.skills[1]"),
        ({"agreement_signed": "no"}, "matching.invalid", "$.agreement_signed"),
        ({"region_code": 110101}, "matching.invalid", "$.region_code"),
    ],
)
def test_profile_fields_of_a_wrong_type_are_refused_when_built(fields, code, path):
    """A profile adapted with a wrong type is refused at construction with its code and path."""
    with pytest.raises(MatchingInputError) as info:
        VolunteerProfile(id="v", **fields)
    assert (info.value.code, info.value.path) == (code, path)
    assert info.value.message and info.value.message_zh


@pytest.mark.parametrize(
    ("build", "code", "path"),
    [
        (lambda: Qualification(code="q", valid_from="2026-01-01"), "matching.date", "$.valid_from"),
        (
            lambda: Qualification(code="q", valid_until=datetime(2027, 1, 1, tzinfo=SH)),
            "matching.date",
            "$.valid_until",
        ),
        (lambda: Availability(zone=SH, weekly=None), "matching.invalid", "$.weekly"),
        (lambda: Availability(zone=SH, weekly=[{"weekday": 1}]), "matching.invalid", "$.weekly[0]"),
        (lambda: Availability(zone=SH, exceptions="none"), "matching.invalid", "$.exceptions"),
        (lambda: Preferences(remote_ok="yes"), "matching.invalid", "$.remote_ok"),
        (lambda: Preferences(categories=None), "matching.codes", "$.categories"),
        (lambda: Requirements(skills=["guide", 7]), "matching.empty_field", "$.skills[1]"),
    ],
)
def test_parts_of_a_profile_are_checked_too(build, code, path):
    """Qualifications, availability and preferences refuse wrong types with a code and path."""
    with pytest.raises(MatchingInputError) as info:
        build()
    assert (info.value.code, info.value.path) == (code, path)


def test_profile_lists_are_kept_as_tuples():
    """Qualifications and availability given as lists equal (and hash like) the tuple forms."""
    q = Qualification(code="first_aid", valid_until=date(2027, 6, 30))
    w = WeeklyWindow(weekday=5, start_minute=480, end_minute=1080)
    listed = VolunteerProfile(
        id="v", qualifications=[q], availability=Availability(zone=SH, weekly=[w])
    )
    tupled = VolunteerProfile(
        id="v", qualifications=(q,), availability=Availability(zone=SH, weekly=(w,))
    )
    assert listed == tupled
    assert hash(listed) == hash(tupled)
    assert listed.qualifications == (q,)


def _project(**fields):
    return Project(
        id="p",
        organization_id="o",
        organization_name="O",
        title="T",
        category="c",
        zone=SH,
        **fields,
    )


@pytest.mark.parametrize(
    ("build", "code", "path"),
    [
        (lambda: Requirements(agreement="no"), "matching.invalid", "$.agreement"),
        (lambda: Requirements(insurance=1), "matching.invalid", "$.insurance"),
        (lambda: _project(remote="yes"), "matching.invalid", "$.remote"),
        (lambda: _project(remote=None), "matching.invalid", "$.remote"),
        (lambda: _project(location="Shanghai"), "matching.invalid", "$.location"),
        (lambda: Location(point=(31.2, 121.5)), "matching.invalid", "$.point"),
        (lambda: Location(point={"latitude": 0.0}), "matching.invalid", "$.point"),
        (lambda: Location(region_code=310101), "matching.invalid", "$.region_code"),
        (
            lambda: Slot(id="s", project_id="p", title="t", capacity=1, requirements={}),
            "matching.invalid",
            "$.requirements",
        ),
        (lambda: GeoPoint(latitude=0.0, longitude=180.5), "matching.coordinates", "$.longitude"),
        (lambda: GeoPoint(latitude=0.0, longitude="E"), "matching.coordinates", "$.longitude"),
        (lambda: GeoPoint(latitude=None, longitude=0.0), "matching.coordinates", "$.latitude"),
    ],
)
def test_project_and_slot_fields_of_a_wrong_type_are_refused(build, code, path):
    """Flags, locations, points and requirements of a wrong type are refused where they are."""
    with pytest.raises(MatchingInputError) as info:
        build()
    assert (info.value.code, info.value.path) == (code, path)
    assert info.value.message and info.value.message_zh


def test_nested_wrong_types_are_reported_at_their_nested_path():
    """Through structure(), the path names the nested field."""
    slot = {"id": "s", "project_id": "p", "title": "t", "capacity": 1}
    with pytest.raises(VolunteerkitError) as info:
        structure({**slot, "requirements": {"insurance": "yes"}}, Slot)
    assert info.value.path == "$.requirements.insurance"
    project = {
        "id": "p",
        "organization_id": "o",
        "organization_name": "O",
        "title": "T",
        "category": "c",
        "zone": "Asia/Shanghai",
        "location": {"point": {"latitude": 0.0, "longitude": 500.0}},
    }
    with pytest.raises(MatchingInputError) as info:
        structure(project, Project)
    assert (info.value.code, info.value.path) == (
        "matching.coordinates",
        "$.location.point.longitude",
    )
