"""Demo step: matching the demo's volunteers to roles at a temple fair, then rostering shifts.

Uses the ids the registry step left in ``ctx.data["volunteers"]`` (张丽, 陈美玲, Aigerim
Nurlanova, 李想) with the skills, languages and birth dates they registered with; without them it
builds its own four volunteers and says so. Stores the project, slots, shifts and the resulting
role and shift assignments under fixed ids, so running the demo again on a kept store adds nothing.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from volunteerkit._demo._context import DemoContext
from volunteerkit.matching import (
    Availability,
    GeoPoint,
    Location,
    Preferences,
    Project,
    Qualification,
    Requirements,
    RoleAssignment,
    RosterRules,
    Shift,
    ShiftAssignment,
    Slot,
    VolunteerProfile,
    WeeklyWindow,
    allocate,
    allocate_roles,
    opening,
    roster,
)

TITLE = "Matching volunteers to roles, then rostering their shifts"

BEIJING = ZoneInfo("Asia/Shanghai")
DITAN = GeoPoint(latitude=39.9522, longitude=116.4120)


def _profiles(ids: list[str]) -> list[VolunteerProfile]:
    weekends = Availability(
        zone=BEIJING,
        weekly=(
            WeeklyWindow(weekday=5, start_minute=7 * 60, end_minute=19 * 60),
            WeeklyWindow(weekday=6, start_minute=7 * 60, end_minute=19 * 60),
        ),
    )
    return [
        VolunteerProfile(
            id=ids[0],
            birth_date=date(1949, 12, 31),
            skills=["急救"],
            languages=["zh-Hans"],
            qualifications=(Qualification(code="first_aid", valid_until=date(2027, 12, 31)),),
            agreement_signed=True,
            insured_until=date(2027, 6, 30),
            home=GeoPoint(latitude=39.9289, longitude=116.4165),
            availability=weekends,
            preferences=Preferences(categories=["events"], max_distance_km=15),
            served_minutes=12_000,
        ),
        VolunteerProfile(
            id=ids[1],
            birth_date=date(1994, 8, 23),
            skills=["guide"],
            languages=["en", "yue-HK"],
            agreement_signed=True,
            home=GeoPoint(latitude=39.9087, longitude=116.3975),
            availability=weekends,
        ),
        VolunteerProfile(
            id=ids[2],
            birth_date=date(1990, 12, 31),
            languages=["kk", "ru", "zh-Hans"],
            agreement_signed=True,
            home=GeoPoint(latitude=39.9990, longitude=116.3260),
            preferences=Preferences(categories=["events"], max_minutes_per_week=600),
        ),
        VolunteerProfile(
            id=ids[3],
            birth_date=date(2011, 6, 1),
            languages=["zh-Hans"],
            agreement_signed=True,
            home=GeoPoint(latitude=39.9200, longitude=116.4300),
            availability=weekends,
        ),
    ]


def run(ctx: DemoContext) -> None:
    """Allocate four volunteers to three roles (exactly), explain, roster, and store the results."""
    ids = ctx.data.get("volunteers")
    if isinstance(ids, list) and len(ids) >= 4:
        ids = [str(i) for i in ids[:4]]
        ctx.say("The four volunteers registered in the previous step apply for the temple fair.")
    else:
        ids = ["demo-v1", "demo-v2", "demo-v3", "demo-v4"]
        ctx.say("No registered volunteers were passed in: this step uses four example volunteers.")
    fair = Project(
        id="demo-temple-fair",
        organization_id=str(ctx.data.get("organization", "demo-org")),
        organization_name="东城区志愿者协会",
        title="地坛庙会 Ditan temple fair",
        category="events",
        zone=BEIJING,
        location=Location(point=DITAN, region_code="110101", address="地坛公园, 北京"),
    )
    slots = [
        Slot(
            id="demo-guide",
            project_id=fair.id,
            title="Visitor guide (English)",
            capacity=1,
            requirements=Requirements(languages=["en"], min_age=16, agreement=True),
            preferred_skills=["guide"],
        ),
        Slot(
            id="demo-first-aid",
            project_id=fair.id,
            title="First-aid post",
            capacity=1,
            requirements=Requirements(qualifications=["first_aid"], min_age=18, insurance=True),
        ),
        Slot(
            id="demo-welcome",
            project_id=fair.id,
            title="Welcome desk",
            capacity=2,
            requirements=Requirements(languages=["zh-Hans"], min_age=14, agreement=True),
        ),
    ]
    first = datetime(2027, 1, 30, 9, 0, tzinfo=BEIJING)  # the Saturday before the fair week
    shifts = [
        Shift(
            id=f"{slot.id}-shift",
            slot_id=slot.id,
            project_id=fair.id,
            start=first,
            duration_minutes=240 if slot.id != "demo-first-aid" else 480,
            zone=BEIJING,
            rrule="FREQ=WEEKLY;BYDAY=SA,SU;COUNT=4",
            needed=1,
        )
        for slot in slots
    ]
    window = (datetime(2027, 1, 1, tzinfo=UTC), datetime(2027, 3, 1, tzinfo=UTC))
    openings = [opening(fair, slot, shifts, *window) for slot in slots]
    volunteers = _profiles(ids)

    roles = allocate_roles(volunteers, openings)
    names = {
        v.id: n for v, n in zip(volunteers, ["张丽", "陈美玲", "Aigerim", "李想"], strict=True)
    }
    ctx.show(
        "role allocation (maximum total score)",
        [
            {"volunteer": names[p.volunteer_id], "slot": p.slot_id, "score": p.score}
            for p in roles.allocation.placements
        ],
    )
    for s in roles.scores:
        ctx.show(
            f"why {names[s.volunteer_id]} → {s.slot_id}",
            {p.name: f"{p.points} ({p.fraction} × {p.weight})" for p in s.parts},
        )
    for u in roles.allocation.unplaced:
        failed = sorted(
            {c for e in roles.ineligible if e.volunteer_id == u.volunteer_id for c in e.codes}
        )
        ctx.show(
            f"{names[u.volunteer_id]} not placed", {"reason": u.reason.code, "failed rules": failed}
        )
    greedy = allocate(roles.problem, mode="greedy")
    ctx.show(
        "exact vs greedy total",
        {"exact": roles.allocation.total_score, "greedy": greedy.total_score},
    )

    assigned: dict[str, list[str]] = {}
    for p in roles.allocation.placements:
        assigned.setdefault(p.slot_id, []).append(p.volunteer_id)
    occ = [o for op in openings for o in op.occurrences]
    plan = roster(
        occ, assigned, volunteers, RosterRules(max_minutes_per_day=480, min_rest_minutes=600)
    )
    ctx.show(
        "roster",
        {
            "positions filled": plan.filled,
            "needed": plan.needed,
            "no roster can fill more than": plan.upper_bound,
            "minutes per volunteer": {names[k]: v for k, v in plan.minutes.items()},
        },
    )

    run_id = "demo-roles-20261128"
    stamp = ctx.clock.now()
    m = ctx.store.matching
    with ctx.store.transaction():
        m.put_project(fair)
        for slot in slots:
            m.put_slot(slot)
        for shift in shifts:
            m.put_shift(shift)
        new_roles = m.add_role_assignments(
            RoleAssignment(
                id=f"{run_id}:{p.volunteer_id}:{p.slot_id}",
                run_id=run_id,
                volunteer_id=p.volunteer_id,
                slot_id=p.slot_id,
                score=p.score,
                assigned_at=stamp,
            )
            for p in roles.allocation.placements
        )
        new_shifts = m.add_shift_assignments(
            ShiftAssignment(
                id=f"demo-roster-20261128:{x.volunteer_id}:{x.shift_id}:{x.start:%Y%m%dT%H%MZ}",
                run_id="demo-roster-20261128",
                volunteer_id=x.volunteer_id,
                shift_id=x.shift_id,
                start=x.start,
                end=x.end,
                assigned_at=stamp + timedelta(minutes=1),
            )
            for x in plan.shifts
        )
    ctx.show("stored", {"new role assignments": new_roles, "new shift assignments": new_shifts})
    ctx.data["matching_run"] = run_id
