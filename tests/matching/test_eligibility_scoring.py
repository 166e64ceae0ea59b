"""Eligibility reasons and explained scores on a small Beijing example."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import attrs
import pytest

from volunteerkit.matching import (
    MatchingInputError,
    Opening,
    Preferences,
    Project,
    Qualification,
    Requirements,
    ScoringWeights,
    VolunteerProfile,
    check,
    opening,
    score,
)

from ._fixtures import (
    FAIR,
    GUIDE,
    GUIDE_SHIFT,
    MEDIC,
    MEDIC_SHIFT,
    SH,
    WINDOW,
    openings,
    volunteers,
)


def test_eligible_volunteer_has_no_reasons():
    """A volunteer meeting every rule is eligible with no reasons."""
    guide, medic = openings()
    li = volunteers()[0]
    assert check(li, guide).eligible
    assert check(li, medic).eligible


def test_every_failing_rule_is_listed_with_code_and_both_languages():
    """Zhao fails the guide slot on language, age and agreement: all three are reported."""
    guide, _ = openings()
    zhao = volunteers()[2]
    result = check(zhao, guide)
    assert not result.eligible
    assert result.codes == (
        "matching.missing_language",
        "matching.too_young",
        "matching.agreement_required",
    )
    assert result.reasons[0].detail == "en"
    assert result.reasons[1].detail == "under 16 on 2026-12-05"
    assert result.reasons[2].message_zh == "该岗位需要签署志愿服务协议"


def test_age_is_checked_on_every_shift_date():
    """Wang turns 16 on 12 December: the shift of 5 December makes her too young for the guide slot."""
    guide, medic = openings()
    wang = volunteers()[1]
    assert check(wang, guide).codes == ("matching.too_young",)
    assert check(wang, medic).codes == (
        "matching.missing_qualification",
        "matching.too_young",
        "matching.insurance_required",
    )


def test_qualification_must_be_valid_on_the_shift_dates():
    """A first-aid certificate that expired before the shift does not count."""
    _, medic = openings()
    li = volunteers()[0]
    expired = VolunteerProfile(
        id=li.id,
        birth_date=li.birth_date,
        qualifications=(
            type(li.qualifications[0])(code="first_aid", valid_until=date(2026, 12, 1)),
        ),
        insured_until=li.insured_until,
    )
    result = check(expired, medic)
    assert result.codes == ("matching.qualification_not_valid",)
    assert result.reasons[0].detail == "first_aid on 2026-12-05"


def test_distance_remote_weekly_and_availability_rules():
    """Far, remote-averse, over-the-weekly-maximum and never-available volunteers are refused."""
    guide, _ = openings()
    far = VolunteerProfile(
        id="far",
        birth_date=date(1990, 1, 1),
        languages=["en"],
        agreement_signed=True,
        home=volunteers()[1].home,
        preferences=Preferences(max_distance_km=1, max_minutes_per_week=100),
    )
    assert check(far, guide).codes == ("matching.too_far", "matching.over_weekly_hours")
    remote = Project(
        id="p-online",
        organization_id="o",
        organization_name="O",
        title="Online tutoring",
        category="education",
        zone=FAIR.zone,
        remote=True,
    )
    slot = type(GUIDE)(id="s-tutor", project_id="p-online", title="Tutor", capacity=1)
    tutor = opening(remote, slot, [], *WINDOW)
    homebody = VolunteerProfile(id="h", preferences=Preferences(remote_ok=False))
    assert check(homebody, tutor).codes == ("matching.no_shifts", "matching.remote_not_wanted")


def test_score_parts_are_exact_and_explained():
    """Li's guide score: every part's fraction, weight and floored points."""
    guide, _ = openings()
    li = volunteers()[0]
    s = score(li, guide)
    table = [(p.name, p.fraction, p.points, p.detail) for p in s.parts]
    assert table == [
        ("base", "1", 100, "eligible"),
        ("skills", "1/2", 100, "1 of 2"),
        ("languages", "0", 0, "0 of 1"),
        ("distance", "1", 150, "0 m"),
        ("category", "1", 100, "events"),
        ("availability", "1", 200, "480 of 480 min"),
        ("fairness", "1/2", 50, "6000 min served"),
    ]
    assert s.total == 700
    assert s.part("fairness").weight == Decimal(100)


def test_weights_change_the_score():
    """Doubling the distance weight doubles the distance part; fractions floor to whole points."""
    guide, _ = openings()
    wang = volunteers()[1]
    s = score(wang, guide, ScoringWeights(distance=Decimal(300), fairness=Decimal("33.3")))
    assert s.part("distance").detail == "5352 m"
    # 0.048° of latitude and 0.0046° of longitude at 39.93° N: about 5,337 m by 392 m.
    # reference 50 km: (50000 - 5352) / 50000 * 300 = 267.888 -> 267
    assert s.part("distance").points == 267
    assert s.part("fairness").points == 33
    assert s.part("languages").points == 100
    assert s.part("availability").points == 200


def test_renewed_qualification_covers_the_later_shift_dates():
    """A certificate valid to 10 December and its renewal from 11 December cover both guide dates.

    The weekly guide shift runs on 5 and 12 December; a gap in the records on the second date is
    reported with that date.
    """
    needs_first_aid = opening(
        FAIR,
        attrs.evolve(GUIDE, requirements=Requirements(qualifications=["first_aid"])),
        [GUIDE_SHIFT],
        *WINDOW,
    )
    assert [o.local_date for o in needs_first_aid.occurrences] == [
        date(2026, 12, 5),
        date(2026, 12, 12),
    ]
    renewed = VolunteerProfile(
        id="v-he",
        qualifications=(
            Qualification(code="first_aid", valid_until=date(2026, 12, 10)),
            Qualification(code="first_aid", valid_from=date(2026, 12, 11)),
        ),
    )
    assert check(renewed, needs_first_aid).eligible
    lapsed = attrs.evolve(
        renewed,
        qualifications=(
            Qualification(code="first_aid", valid_until=date(2026, 12, 10)),
            Qualification(code="first_aid", valid_from=date(2026, 12, 13)),
        ),
    )
    result = check(lapsed, needs_first_aid)
    assert result.codes == ("matching.qualification_not_valid",)
    assert result.reasons[0].detail == "first_aid on 2026-12-12"


def _new_year_night(minutes: int) -> Opening:
    """The medic slot staffed by one shift from 22:00 on 31 December 2026, Beijing time."""
    night = attrs.evolve(
        MEDIC_SHIFT, start=datetime(2026, 12, 31, 22, 0, tzinfo=SH), duration_minutes=minutes
    )
    return opening(FAIR, MEDIC, [night], WINDOW[0], datetime(2027, 2, 1, tzinfo=UTC))


def test_an_overnight_shift_is_checked_on_both_dates_it_serves_on():
    """22:00-06:00 over New Year needs cover, age and qualification on 1 January 2027 too."""
    night = _new_year_night(480)
    assert night.dates == (date(2026, 12, 31), date(2027, 1, 1))
    ends_31st = VolunteerProfile(
        id="v-night",
        birth_date=date(1990, 1, 1),
        qualifications=(Qualification(code="first_aid", valid_until=date(2026, 12, 31)),),
        insured_until=date(2026, 12, 31),
    )
    result = check(ends_31st, night)
    assert result.codes == ("matching.qualification_not_valid", "matching.insurance_required")
    assert [r.detail for r in result.reasons] == ["first_aid on 2027-01-01", "2027-01-01"]
    covered = attrs.evolve(
        ends_31st,
        qualifications=(
            ends_31st.qualifications[0],  # and its renewal, from the new year on
            Qualification(code="first_aid", valid_from=date(2027, 1, 1)),
        ),
        insured_until=date(2027, 1, 1),
    )
    assert check(covered, night).eligible
    too_old = attrs.evolve(
        covered, birth_date=date(1966, 1, 1)
    )  # 60 on 31 December 2026, 61 on 1 January 2027
    capped = attrs.evolve(night, slot=attrs.evolve(MEDIC, requirements=attrs.evolve(
        MEDIC.requirements, max_age=60)))  # fmt: skip
    assert check(too_old, capped).reasons[0].detail == "over 60 on 2027-01-01"


def test_a_shift_ending_at_local_midnight_serves_on_one_date():
    """22:00-24:00 on 31 December serves nothing on 1 January: cover to the 31st is enough."""
    night = _new_year_night(120)
    assert night.dates == (date(2026, 12, 31), date(2026, 12, 31))
    assert night.occurrences[0].local_dates == (date(2026, 12, 31),)
    ends_31st = VolunteerProfile(
        id="v-night",
        birth_date=date(1990, 1, 1),
        qualifications=(Qualification(code="first_aid", valid_until=date(2026, 12, 31)),),
        insured_until=date(2026, 12, 31),
    )
    assert check(ends_31st, night).eligible


def test_a_shift_in_another_zone_than_its_project_is_refused():
    """Occurrences are read in the project's zone: a shift elsewhere is an error, by its index."""
    other = attrs.evolve(
        MEDIC_SHIFT, zone=ZoneInfo("Asia/Tokyo"), start=MEDIC_SHIFT.start.astimezone(UTC)
    )
    with pytest.raises(MatchingInputError) as info:
        opening(FAIR, MEDIC, [GUIDE_SHIFT, other], *WINDOW)
    assert (info.value.code, info.value.path) == ("matching.zone_mismatch", "$.shifts[1].zone")
    elsewhere = attrs.evolve(MEDIC_SHIFT, project_id="p-other")
    with pytest.raises(MatchingInputError) as info:
        opening(FAIR, MEDIC, [elsewhere], *WINDOW)
    assert (info.value.code, info.value.path) == (
        "matching.unknown_reference",
        "$.shifts[0].project_id",
    )


def test_a_shift_under_an_old_name_of_its_projects_zone_opens():
    """A shift under a tz database link of its project's zone opens.

    ``Asia/Chongqing`` is a link to ``Asia/Shanghai``: the occurrences are the ones under the
    project's own name.
    """
    chongqing = ZoneInfo("Asia/Chongqing")
    renamed = attrs.evolve(
        MEDIC_SHIFT, zone=chongqing, start=MEDIC_SHIFT.start.astimezone(chongqing)
    )
    got = opening(FAIR, MEDIC, [GUIDE_SHIFT, renamed], *WINDOW)
    assert [(o.start, o.end) for o in got.occurrences] == [
        (o.start, o.end)
        for o in opening(FAIR, MEDIC, [GUIDE_SHIFT, MEDIC_SHIFT], *WINDOW).occurrences
    ]


def _entry_points():
    from datetime import UTC, date, datetime

    from volunteerkit.matching import (
        Opening,
        ScoringWeights,
        age_on,
        allocate_roles,
        check,
        occurrences,
        opening,
        score,
    )

    from ._fixtures import openings, volunteers

    op, vol = openings()[0], volunteers()[0]
    t0, t1 = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC)
    return [
        (lambda: check(None, op), "matching.invalid", "$.volunteer"),
        (lambda: check({"id": "v"}, op), "matching.invalid", "$.volunteer"),
        (lambda: check(vol, op.slot), "matching.invalid", "$.opened"),
        (lambda: score(None, op), "matching.invalid", "$.volunteer"),
        (lambda: score(vol, None), "matching.invalid", "$.opened"),
        (lambda: score(vol, op, "default"), "matching.invalid", "$.weights"),
        (lambda: age_on("2000-01-01", date(2026, 1, 1)), "matching.date", "$.birth_date"),
        (lambda: age_on(date(2000, 1, 1), 2026), "matching.date", "$.day"),
        (lambda: occurrences(None, t0, t1), "matching.invalid", "$.shift"),
        (lambda: opening(None, op.slot, [], t0, t1), "matching.invalid", "$.project"),
        (lambda: opening(op.project, "s", [], t0, t1), "matching.invalid", "$.slot"),
        (lambda: opening(op.project, op.slot, None, t0, t1), "matching.invalid", "$.shifts"),
        (lambda: opening(op.project, op.slot, ["f"], t0, t1), "matching.invalid", "$.shifts[0]"),
        (lambda: allocate_roles(None, [op]), "matching.invalid", "$.volunteers"),
        (lambda: allocate_roles(["v"], [op]), "matching.invalid", "$.volunteers[0]"),
        (lambda: allocate_roles([vol], "op"), "matching.invalid", "$.openings"),
        (lambda: allocate_roles([vol], [op.slot]), "matching.invalid", "$.openings[0]"),
        (
            lambda: allocate_roles([vol], [op], weights=ScoringWeights),
            "matching.invalid",
            "$.weights",
        ),
        (
            lambda: Opening(project=None, slot=op.slot, occurrences=()),
            "matching.invalid",
            "$.project",
        ),
        (
            lambda: Opening(project=op.project, slot=op.slot, occurrences=[None]),
            "matching.invalid",
            "$.occurrences",
        ),
        (
            lambda: Opening(project=op.project, slot=op.slot, occurrences=(None,)),
            "matching.invalid",
            "$.occurrences[0]",
        ),
    ]


@pytest.mark.parametrize("case", range(21))
def test_public_functions_refuse_arguments_of_the_wrong_type(case):
    """check, score, opening, occurrences, age_on and allocate_roles: a typed error with a path.

    Before, each raised a bare AttributeError or TypeError from deep inside.
    """
    call, code, path = _entry_points()[case]
    with pytest.raises(MatchingInputError) as info:
        call()
    assert (info.value.code, info.value.path) == (code, path)
    assert info.value.message_zh
