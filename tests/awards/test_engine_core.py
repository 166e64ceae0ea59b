"""The engine's core semantics, on the CYL stars: crossing date and entry, windows, progress."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime
from decimal import Decimal

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from volunteerkit import structure, unstructure
from volunteerkit.awards import (
    AwardSubject,
    Counting,
    CreditKind,
    Evaluation,
    LevelStatus,
    Progress,
    StandingResult,
    evaluate,
    load_rule_set,
)
from volunteerkit.errors import InvalidInputError, NaiveDatetimeError
from volunteerkit.hours import EntryId
from volunteerkit.testing.strategies_awards import award_subjects, credit_lines_for, rule_sets

from .helpers import BJ, at, daily, line

CYL = load_rule_set("cn.cyl.stars")
REGISTERED = date(2024, 12, 1)
V1 = AwardSubject(id="v1", registered_on=REGISTERED)


def test_the_day_the_total_crosses_100_hours():
    """Star 1 is earned on the local date, and by the entry, whose minutes reach 6000."""
    lines = daily(date(2025, 1, 1), 10, 600)  # 100 h exactly, the 10th line on 10 January
    result = evaluate(CYL, V1, lines, at(date(2025, 6, 1))).level("star-1")
    assert result.status is LevelStatus.EARNED
    [award] = result.achievements
    assert award.earned_on == award.crossed_on == date(2025, 1, 10)
    assert award.crossing_entry == EntryId(origin="t", local_id="e009")
    assert (award.key, award.counted_minutes, award.consumed_from, award.consumed_to) == (
        "once", 6000, 0, 6000,
    )  # fmt: skip
    assert (award.period_first, award.period_last) == (REGISTERED, None)
    assert result.progress is None
    assert result.reasons == ()


def test_one_minute_short_then_the_minute_that_crosses():
    """99 h 59 min is not a star; the one-minute line the next day crosses it."""
    lines = [*daily(date(2025, 1, 1), 9, 600), line(date(2025, 1, 10), 599, "e009")]
    before = evaluate(CYL, V1, lines, at(date(2025, 1, 20)))
    star = before.level("star-1")
    assert star.status is LevelStatus.NOT_MET
    assert star.progress == Progress(
        level_id="star-1",
        required_minutes=6000,
        counted_minutes=5999,
        remaining_minutes=1,
        window_first=REGISTERED,
        window_last=None,
    )
    assert [(r.code, r.message) for r in star.reasons] == [
        ("awards.hours_short", "counted 99 h 59 min of 100 h in the window")
    ]
    assert star.reasons[0].message_zh == "区间内已计 99 小时 59 分钟,需 100 小时"
    assert before.next_level == star.progress
    after = evaluate(CYL, V1, [*lines, line(date(2025, 1, 11), 1, "e010")], at(date(2025, 1, 20)))
    [award] = after.level("star-1").achievements
    assert (award.earned_on, str(award.crossing_entry)) == (date(2025, 1, 11), "t:e010")
    assert after.next_level is not None
    assert (after.next_level.level_id, after.next_level.remaining_minutes) == ("star-2", 12000)


def test_ties_within_a_day_follow_the_entry_id_text():
    """On the crossing day, lines are taken in the order of their entry ids as text."""
    base = daily(date(2025, 1, 1), 9, 600)  # 90 h
    day = date(2025, 1, 10)
    lines = [
        *base,
        line(day, 600, "1", origin="bj"),  # "bj:1"
        line(day, 600, "1", origin="bj.x"),  # "bj.x:1" sorts first as text ('.' < ':')
    ]
    [award] = evaluate(CYL, V1, lines, at(date(2025, 2, 1))).level("star-1").achievements
    assert str(award.crossing_entry) == "bj.x:1"
    assert (award.counted_minutes, award.consumed_to) == (6000, 6000)


def test_the_whole_crossing_line_is_counted_and_consumed():
    """A line that overshoots the threshold is counted whole: awards never split a line."""
    lines = [*daily(date(2025, 1, 1), 9, 600), line(date(2025, 1, 10), 900, "big")]
    [award] = evaluate(CYL, V1, lines, at(date(2025, 2, 1))).level("star-1").achievements
    assert (award.counted_minutes, award.consumed_from, award.consumed_to) == (6300, 0, 6300)


def test_all_five_stars_with_their_dates():
    """Stars 1 to 5 are crossed at 100, 300, 600, 1000 and 1500 hours, in that order."""
    lines = daily(date(2025, 1, 1), 160, 600)  # 10 h a day: 1600 h by 9 June
    result = evaluate(CYL, V1, lines, at(date(2025, 12, 31)))
    assert result.earned == ("star-1", "star-2", "star-3", "star-4", "star-5")
    assert result.highest == "star-5"
    assert [r.achievements[0].earned_on for r in result.levels] == [
        date(2025, 1, 10),
        date(2025, 1, 30),
        date(2025, 3, 1),
        date(2025, 4, 10),
        date(2025, 5, 30),
    ]
    assert result.next_level is None


def test_hours_before_registration_do_not_count():
    """The window starts on the registration date: a line the day before is left out."""
    lines = [line(date(2024, 11, 30), 600, "early"), *daily(REGISTERED, 10, 600)]
    [award] = evaluate(CYL, V1, lines, at(date(2025, 1, 31))).level("star-1").achievements
    assert (award.earned_on, str(award.crossing_entry)) == (date(2024, 12, 10), "t:e009")
    assert award.counted_minutes == 6000


def test_unknown_registration_makes_the_stars_not_applicable():
    """Without a registration date the since-registration window cannot start."""
    result = evaluate(CYL, AwardSubject(id="v1"), daily(REGISTERED, 20, 600), at(date(2025, 2, 1)))
    assert {r.status for r in result.levels} == {LevelStatus.NOT_APPLICABLE}
    assert result.level("star-1").reasons[0].code == "awards.start_unknown"
    assert result.next_level is None


def test_other_volunteers_and_future_lines_are_ignored():
    """Only the subject's lines up to the evaluation date count."""
    lines = [
        *daily(date(2025, 1, 1), 9, 600),
        line(date(2025, 1, 10), 600, "other", volunteer="v2"),
        line(date(2025, 1, 11), 600, "later"),
    ]
    result = evaluate(CYL, V1, lines, at(date(2025, 1, 10)))
    assert result.level("star-1").status is LevelStatus.NOT_MET
    assert result.level("star-1").progress is not None
    assert result.level("star-1").progress.counted_minutes == 5400


def test_the_evaluation_date_is_read_in_the_offset_of_as_of():
    """The same instant is 10 January in Beijing and 9 January in UTC."""
    lines = daily(date(2025, 1, 1), 10, 600)
    instant = datetime(2025, 1, 10, 1, 0, tzinfo=BJ)
    assert evaluate(CYL, V1, lines, instant).earned == ("star-1",)
    assert evaluate(CYL, V1, lines, instant.astimezone(UTC)).earned == ()
    assert evaluate(CYL, V1, lines, instant).on == date(2025, 1, 10)


def test_naive_as_of_and_duplicate_lines_are_refused():
    """A naive as_of and two lines of one entry on one day are refused with their codes."""
    with pytest.raises(NaiveDatetimeError) as naive:
        evaluate(CYL, V1, [], datetime(2025, 1, 1, 12))
    assert naive.value.path == "$.as_of"
    twice = [line(date(2025, 1, 1), 60, "a"), line(date(2025, 1, 1), 30, "a")]
    with pytest.raises(InvalidInputError) as dup:
        evaluate(CYL, V1, twice, at(date(2025, 2, 1)))
    assert (dup.value.code, dup.value.path) == ("awards.input.duplicate_line", "$.credits[1]")
    with pytest.raises(InvalidInputError) as wrong:
        evaluate(CYL, V1, [{"day": "2025-01-01"}], at(date(2025, 2, 1)))  # type: ignore[list-item]
    assert (wrong.value.code, wrong.value.path) == ("awards.input.invalid", "$.credits[0]")


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"credited_minutes": 600.5}, "$.credits[1].credited_minutes"),
        ({"credited_minutes": "600"}, "$.credits[1].credited_minutes"),
        ({"credited_minutes": True}, "$.credits[1].credited_minutes"),
        ({"raw_minutes": None}, "$.credits[1].raw_minutes"),
        ({"weighted_minutes": 600.0}, "$.credits[1].weighted_minutes"),
        ({"weighted_minutes": Decimal("NaN")}, "$.credits[1].weighted_minutes"),
        ({"day": "2025-01-02"}, "$.credits[1].day"),
        ({"day": datetime(2025, 1, 2, 9)}, "$.credits[1].day"),
        ({"entry_id": "t:e001"}, "$.credits[1].entry_id"),
        ({"category": None}, "$.credits[1].category"),
    ],
)
def test_a_credit_line_field_of_the_wrong_type_is_refused_with_its_path(change, path):
    """Float, text, bool or missing minutes, a text or datetime day … are typed errors, not crashes."""
    lines = daily(date(2025, 1, 1), 3, 600)
    lines[1] = attrs.evolve(lines[1], **change)
    with pytest.raises(InvalidInputError) as info:
        evaluate(CYL, V1, lines, at(date(2025, 6, 1)))
    assert (info.value.code, info.value.path) == ("awards.input.invalid", path)


def test_weighted_minutes_given_as_an_int_are_exact():
    """An ``int`` of weighted minutes is taken as the exact Decimal: 100 h weighted is a star."""
    lines = [attrs.evolve(x, weighted_minutes=600) for x in daily(date(2025, 1, 1), 10, 600)]
    assert lines[0].weighted_minutes == Decimal(600)
    assert isinstance(lines[0].weighted_minutes, Decimal)
    weighted = attrs.evolve(CYL, counting=Counting(credit=CreditKind.WEIGHTED))
    [award] = evaluate(weighted, V1, lines, at(date(2025, 6, 1))).level("star-1").achievements
    assert (award.crossed_on, award.counted_minutes) == (date(2025, 1, 10), 6000)


def test_an_as_of_that_is_a_date_is_refused():
    """``as_of`` must be an aware datetime: a date is a typed error at ``$.as_of``."""
    with pytest.raises(InvalidInputError) as info:
        evaluate(CYL, V1, [], date(2025, 1, 1))  # type: ignore[arg-type]
    assert (info.value.code, info.value.path) == ("awards.input.invalid", "$.as_of")


@pytest.mark.parametrize(
    ("fields", "path"),
    [
        ({"id": None}, "$.id"),
        ({"id": "v1", "birth_date": "2008-02-29"}, "$.birth_date"),
        ({"id": "v1", "registered_on": datetime(2024, 1, 1, tzinfo=UTC)}, "$.registered_on"),
        ({"id": "v1", "dates": {"term_start": "2025-01-01"}}, "$.dates.term_start"),
        ({"id": "g", "members": ["v1", 2]}, "$.members[1]"),
    ],
)
def test_a_subject_field_of_the_wrong_type_is_refused_with_its_path(fields, path):
    """A subject with a birth date given as text (and the like) is refused when it is built."""
    with pytest.raises(InvalidInputError) as info:
        AwardSubject(**fields)
    assert (info.value.code, info.value.path) == ("awards.input.invalid", path)


@pytest.mark.parametrize(
    ("members", "detail"),
    [
        (5, "members must be a collection of volunteer ids"),
        (None, "members must be a collection of volunteer ids"),
        ("abc", "members must be a collection of volunteer ids, not one text"),
    ],
)
def test_members_that_are_not_a_collection_of_ids_are_refused_at_members(members, detail):
    """``members=5`` raised a bare TypeError and ``members="abc"`` made members a, b and c."""
    with pytest.raises(InvalidInputError) as info:
        AwardSubject(id="g", members=members)
    assert (info.value.code, info.value.path) == ("awards.input.invalid", "$.members")
    assert info.value.message == f"invalid evaluation input: {detail}"
    assert info.value.message_zh == f"评定输入无效:{detail}"
    assert AwardSubject(id="g", members=iter(["m1", "m2"])).members == ("m1", "m2")


@pytest.mark.parametrize(
    ("arguments", "path", "detail"),
    [
        ({"credits": None}, "$.credits", "credits must be a collection of CreditLine objects"),
        ({"credits": 5}, "$.credits", "credits must be a collection of CreditLine objects"),
        ({"periods": None}, "$.periods", "periods must be a collection of DateRange objects"),
        ({"periods": "2025"}, "$.periods", "periods must be a collection of DateRange objects"),
        ({"recommended": None}, "$.recommended", "recommended must be a collection of level ids"),
        ({"recommended": 5}, "$.recommended", "recommended must be a collection of level ids"),
        (
            {"recommended": "star-5"},
            "$.recommended",
            "recommended must be a collection of level ids",
        ),
        ({"recommended": [["star-5"]]}, "$.recommended", "recommended must hold level ids (text)"),
    ],
)
def test_evaluate_arguments_that_are_not_collections_are_refused_with_their_path(
    arguments, path, detail
):
    """``credits=None``, ``periods=None`` … are typed errors at their path, not a bare TypeError.

    ``recommended="star-5"`` was read as the levels s, t, a, r, - and 5: it is refused too.
    """
    credits = arguments.pop("credits", [])
    with pytest.raises(InvalidInputError) as info:
        evaluate(CYL, V1, credits, at(date(2025, 6, 1)), **arguments)
    assert (info.value.code, info.value.path) == ("awards.input.invalid", path)
    assert info.value.message == f"invalid evaluation input: {detail}"
    assert info.value.message_zh == f"评定输入无效:{detail}"


def test_good_standing_counts_each_complete_year_since_registration():
    """20 h a year from the first full year after registering; the last complete year decides."""
    subject = AwardSubject(id="v1", registered_on=date(2023, 6, 1))
    lines = [
        line(date(2023, 7, 1), 60, "a"),  # 2023 is not a full year: not assessed
        line(date(2024, 3, 1), 1200, "b"),  # 2024: 20 h
        line(date(2025, 12, 31), 1199, "c"),  # 2025: 19 h 59 min
    ]
    assert evaluate(CYL, subject, lines, at(date(2026, 1, 1))).standing == StandingResult(
        required_minutes=1200, year=2025, counted_minutes=1199, good=False, short_years=(2025,)
    )
    assert evaluate(CYL, subject, lines, at(date(2025, 12, 31))).standing == StandingResult(
        required_minutes=1200, year=2024, counted_minutes=1200, good=True, short_years=()
    )
    assert evaluate(CYL, subject, lines, at(date(2024, 12, 31))).standing == StandingResult(
        required_minutes=1200, year=None, counted_minutes=0, good=None
    )


def test_an_evaluation_round_trips_through_the_converter():
    """Evaluations serialize to JSON-ready data and back to an equal object."""
    result = evaluate(CYL, V1, daily(date(2025, 1, 1), 40, 600), at(date(2025, 3, 1)))
    data = unstructure(result)
    assert data["levels"][0]["achievements"][0]["crossing_entry"] == "t:e009"
    assert data["levels"][1]["status"] == "earned"
    assert structure(data, Evaluation) == result


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rules=rule_sets(),
    subject=award_subjects(),
    lines=credit_lines_for(["v1", "v2", "v3"]),
    seed=st.integers(0, 2**32 - 1),
    day=st.dates(min_value=date(2023, 1, 1), max_value=date(2026, 12, 31)),
)
def test_the_same_inputs_in_any_order_give_the_same_result(rules, subject, lines, seed, day):
    """Evaluating twice, or with the lines shuffled, gives equal results (which round-trip)."""
    as_of = at(day)
    first = evaluate(rules, subject, lines, as_of)
    shuffled = list(lines)
    random.Random(seed).shuffle(shuffled)
    assert evaluate(rules, subject, shuffled, as_of) == first
    assert evaluate(rules, subject, lines, as_of) == first
    assert structure(unstructure(first), Evaluation) == first
    for result in first.levels:
        keys = [a.key for a in result.achievements]
        assert len(keys) == len(set(keys))
        for a in result.achievements:
            assert a.crossed_on <= a.earned_on <= day
            assert a.consumed_from <= a.consumed_to
        if result.progress is not None:
            p = result.progress
            assert p.remaining_minutes == max(0, p.required_minutes - p.counted_minutes)
