"""A small Beijing example shared by the matching tests."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from volunteerkit.matching import (
    Availability,
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
    opening,
)

SH = ZoneInfo("Asia/Shanghai")
WINDOW = (datetime(2026, 12, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))
TEMPLE = GeoPoint(latitude=39.9522, longitude=116.4120)  # Ditan park

FAIR = Project(
    id="p-fair",
    organization_id="org-dc",
    organization_name="Dongcheng Volunteers",
    title="Temple fair",
    category="events",
    zone=SH,
    location=Location(point=TEMPLE, region_code="110101", address="Ditan Park, Beijing"),
)
GUIDE = Slot(
    id="s-guide",
    project_id="p-fair",
    title="Guide",
    capacity=2,
    requirements=Requirements(languages=["en"], min_age=16, agreement=True),
    preferred_skills=["guide", "first_aid"],
    preferred_languages=["fr"],
)
MEDIC = Slot(
    id="s-medic",
    project_id="p-fair",
    title="First aid",
    capacity=1,
    requirements=Requirements(qualifications=["first_aid"], min_age=18, insurance=True),
)
GUIDE_SHIFT = Shift(
    id="f-guide",
    slot_id="s-guide",
    project_id="p-fair",
    start=datetime(2026, 12, 5, 9, 0, tzinfo=SH),
    duration_minutes=240,
    zone=SH,
    rrule="FREQ=WEEKLY;COUNT=2",
)
MEDIC_SHIFT = Shift(
    id="f-medic",
    slot_id="s-medic",
    project_id="p-fair",
    start=datetime(2026, 12, 5, 9, 0, tzinfo=SH),
    duration_minutes=480,
    zone=SH,
)
SATURDAYS = Availability(
    zone=SH, weekly=(WeeklyWindow(weekday=5, start_minute=480, end_minute=1080),)
)


def openings():
    """The guide and medic openings in December 2026."""
    shifts = [GUIDE_SHIFT, MEDIC_SHIFT]
    return [opening(FAIR, GUIDE, shifts, *WINDOW), opening(FAIR, MEDIC, shifts, *WINDOW)]


def volunteers():
    """Three volunteers with different fits."""
    return [
        VolunteerProfile(
            id="v-li",
            birth_date=date(1990, 5, 1),
            skills=["guide"],
            languages=["en", "zh"],
            qualifications=(Qualification(code="first_aid", valid_until=date(2027, 6, 30)),),
            agreement_signed=True,
            insured_until=date(2027, 12, 31),
            home=GeoPoint(latitude=39.9522, longitude=116.4120),
            availability=SATURDAYS,
            preferences=Preferences(categories=["events"], max_distance_km=10),
            served_minutes=6000,
        ),
        VolunteerProfile(
            id="v-wang",
            birth_date=date(2010, 12, 12),
            skills=["guide", "first_aid"],
            languages=["en", "fr"],
            agreement_signed=True,
            home=GeoPoint(latitude=39.9042, longitude=116.4074),
        ),
        VolunteerProfile(id="v-zhao", birth_date=date(2012, 1, 1), languages=["zh"]),
    ]
