"""The PVSA rule sets: age bands on the period's last day, tiers, groups, periods, the 2025 pause."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from volunteerkit.awards import AwardSubject, LevelStatus, evaluate, load_rule_set
from volunteerkit.errors import InvalidInputError
from volunteerkit.hours import DateRange

from .helpers import at, daily, line

PVSA = load_rule_set("us.pvsa")
PVSA_OLD = load_rule_set("us.pvsa", "pre-2020")
P = DateRange(first=date(2024, 1, 1), last=date(2024, 12, 31))
AS_OF = at(date(2025, 1, 15))


def kid(birth: date) -> AwardSubject:
    return AwardSubject(id="v1", birth_date=birth)


def statuses(result, prefix: str) -> dict[str, LevelStatus]:
    return {r.level_id: r.status for r in result.levels if r.level_id.startswith(prefix)}


@pytest.mark.parametrize(
    ("birth", "band"),
    [
        (date(2019, 12, 31), "kids"),  # 5 on 31 December 2024
        (date(2020, 1, 1), None),  # 4: too young for any band
        (date(2014, 1, 1), "kids"),  # 10 on the last day
        (date(2013, 12, 31), "teens"),  # 11 on the last day: a birthday on the last day counts
        (date(2009, 1, 1), "teens"),  # 15
        (date(2008, 12, 31), "young-adults"),  # 16
        (date(1999, 1, 1), "young-adults"),  # 25
        (date(1998, 12, 31), "adults"),  # 26
        (date(1940, 6, 1), "adults"),  # 84
    ],
)
def test_the_age_band_is_decided_on_the_last_day_of_the_period(birth, band):
    """Exactly one age band applies, by the age on 31 December 2024 (or none under 5)."""
    lines = daily(date(2024, 3, 1), 60, 600)  # 600 h: every tier of the band
    result = evaluate(PVSA, kid(birth), lines, AS_OF, periods=[P])
    applicable = {
        r.level_id.rsplit("-", 1)[0]
        for r in result.levels
        if r.status is not LevelStatus.NOT_APPLICABLE and not r.level_id.startswith("group")
    } - {"lifetime"}
    assert applicable == ({band} if band else set())
    if band:
        assert set(statuses(result, band).values()) == {LevelStatus.EARNED}


def test_a_29_february_birthday_counts_on_1_march():
    """Born 29 February 2012: 10 on 28 February 2023 (a kid), 11 on 1 March 2023 (a teen)."""
    subject = kid(date(2012, 2, 29))
    lines = daily(date(2022, 4, 1), 10, 600)
    ending_28 = DateRange(first=date(2022, 3, 1), last=date(2023, 2, 28))
    ending_1 = DateRange(first=date(2022, 3, 2), last=date(2023, 3, 1))
    first = evaluate(PVSA, subject, lines, at(date(2023, 4, 1)), periods=[ending_28])
    second = evaluate(PVSA, subject, lines, at(date(2023, 4, 1)), periods=[ending_1])
    assert first.level("kids-gold").status is LevelStatus.EARNED
    assert first.level("teens-bronze").status is LevelStatus.NOT_APPLICABLE
    assert first.level("teens-bronze").reasons[0].message == (
        "age 10 on 2023-02-28 is outside ages 11 to 15"
    )
    assert first.level("teens-bronze").reasons[0].message_zh == (
        "2023-02-28 时年龄 10 岁,不在 11 至 15 岁 内"
    )
    assert second.level("kids-bronze").status is LevelStatus.NOT_APPLICABLE
    assert second.level("teens-gold").status is LevelStatus.EARNED


@pytest.mark.parametrize(
    ("birth", "tiers"),
    [
        (date(2016, 5, 5), {"kids-bronze": 26, "kids-silver": 50, "kids-gold": 75}),
        (date(2011, 5, 5), {"teens-bronze": 50, "teens-silver": 75, "teens-gold": 100}),
        (
            date(2004, 5, 5),
            {"young-adults-bronze": 100, "young-adults-silver": 175, "young-adults-gold": 250},
        ),
        (date(1980, 5, 5), {"adults-bronze": 100, "adults-silver": 250, "adults-gold": 500}),
    ],
)
def test_each_tier_is_crossed_at_its_threshold(birth, tiers):
    """A minute short of a tier is not the tier; the threshold itself is, on the day it is met."""
    for level_id, hours in tiers.items():
        short = [
            line(date(2024, 2, 1), (hours - 1) * 60, "bulk"),
            line(date(2024, 11, 1), 59, "last"),
        ]
        result = evaluate(PVSA, kid(birth), short, AS_OF, periods=[P]).level(level_id)
        assert result.status is LevelStatus.NOT_MET
        assert result.progress is not None
        assert result.progress.remaining_minutes == 1
        assert (result.progress.window_first, result.progress.window_last) == (P.first, P.last)
        exact = [*short, line(date(2024, 11, 2), 1, "one")]
        met = evaluate(PVSA, kid(birth), exact, AS_OF, periods=[P]).level(level_id)
        [award] = met.achievements
        assert (award.earned_on, str(award.crossing_entry), award.key) == (
            date(2024, 11, 2), "t:one", "2024-01-01..2024-12-31",
        )  # fmt: skip


def test_the_pre_2020_kids_tiers():
    """Before 2020 kids needed 50, 75 and 100 hours; 26 hours earned nothing."""
    subject = kid(date(2010, 3, 1))
    period = DateRange(first=date(2019, 1, 1), last=date(2019, 12, 31))
    lines = daily(date(2019, 1, 1), 50, 60)
    old = evaluate(PVSA_OLD, subject, lines, at(date(2020, 1, 2)), periods=[period])
    assert statuses(old, "kids") == {
        "kids-bronze": LevelStatus.EARNED,
        "kids-silver": LevelStatus.NOT_MET,
        "kids-gold": LevelStatus.NOT_MET,
    }
    # the 2020 rules did not exist in 2019: a 2019 period earns nothing under them
    new = evaluate(PVSA, subject, lines, at(date(2020, 1, 2)), periods=[period])
    bronze = new.level("kids-bronze")
    assert bronze.status is LevelStatus.NOT_MET
    assert bronze.reasons[0].code == "awards.not_in_effect"
    assert bronze.reasons[0].message == (
        "the rule set is in effect from 2020-01-01 to 2025-05-31; the level would be earned "
        "on 2019-01-26"
    )


def test_the_award_stops_with_the_pause_of_may_2025():
    """Hours crossing on 31 May 2025 are earned; crossing on 1 June 2025 they are not."""
    subject = kid(date(1980, 1, 1))
    period = DateRange(first=date(2024, 6, 2), last=date(2025, 6, 1))
    on_31 = [*daily(date(2025, 5, 22), 10, 600)]  # 100 h on 31 May
    on_1 = [*daily(date(2025, 5, 23), 10, 600)]  # 100 h on 1 June
    earned = evaluate(PVSA, subject, on_31, at(date(2025, 7, 1)), periods=[period])
    assert earned.level("adults-bronze").achievements[0].earned_on == date(2025, 5, 31)
    late = evaluate(PVSA, subject, on_1, at(date(2025, 7, 1)), periods=[period])
    bronze = late.level("adults-bronze")
    assert bronze.status is LevelStatus.NOT_MET
    assert [r.code for r in bronze.reasons] == ["awards.not_in_effect", "awards.hours_short"]
    # hours stop counting on 31 May 2025: the 10 h of 1 June cannot earn, nor count as progress
    assert bronze.progress is not None
    assert (
        bronze.progress.counted_minutes,
        bronze.progress.remaining_minutes,
        bronze.progress.window_last,
    ) == (90 * 60, 10 * 60, date(2025, 5, 31))
    assert "AmeriCorps paused the PVSA in late May 2025" in PVSA.note


def test_after_the_pause_no_progress_is_offered_in_a_window_that_starts_after_it():
    """A window wholly after 31 May 2025 can earn nothing: no progress, a not_in_effect reason.

    With 40 h in spring 2026, evaluated on 1 June 2026, next_level promised adults-bronze with
    60 h remaining in the window 2025-06-02..2026-06-01 (and, with 100 h, remaining 0), though
    every award of that window would be earned after the rule set stopped. The open Lifetime
    window also covers dates in effect, so its progress is still offered, counting only the hours
    up to 31 May 2025 (none here: the 40 h of 2026 cannot earn it).
    """
    adult = kid(date(1980, 5, 1))
    spring = [line(date(2026, 3, 1) + timedelta(weeks=k), 240, f"w{k}") for k in range(10)]
    result = evaluate(PVSA, adult, spring, at(date(2026, 6, 1)))
    for level_id in ("adults-bronze", "adults-silver", "adults-gold"):
        tier = result.level(level_id)
        assert (tier.status, tier.progress) == (LevelStatus.NOT_MET, None), level_id
        assert [r.message for r in tier.reasons] == [
            "the rule set is in effect from 2020-01-01 to 2025-05-31; the level would be earned "
            "on 2026-06-01"
        ]
    assert result.next_level == result.level("lifetime").progress
    assert result.next_level is not None
    assert (
        result.next_level.level_id,
        result.next_level.counted_minutes,
        result.next_level.remaining_minutes,
        result.next_level.window_last,
    ) == ("lifetime", 0, 4000 * 60, date(2025, 5, 31))
    hundred = daily(date(2026, 3, 1), 10, 600)
    bronze = evaluate(PVSA, adult, hundred, at(date(2026, 6, 1))).level("adults-bronze")
    assert (bronze.status, bronze.progress) == (LevelStatus.NOT_MET, None)
    assert [r.message for r in bronze.reasons] == [
        "the rule set is in effect from 2020-01-01 to 2025-05-31; the level would be earned "
        "on 2026-03-10"
    ]


@pytest.mark.parametrize(
    ("first", "offered"),
    [(date(2025, 5, 31), True), (date(2025, 6, 1), False)],
)
def test_a_chosen_period_that_overlaps_the_effective_dates_by_one_day_can_still_earn(
    first, offered
):
    """A period starting on effective_to (31 May 2025) keeps its progress; a day later, none.

    Its progress counts the hours of 31 May 2025 only: hours after effective_to cannot earn.
    """
    period = DateRange(first=first, last=first + timedelta(days=364))
    lines = [line(date(2025, 5, 31), 300, "in"), line(date(2025, 9, 1), 600, "a")]
    result = evaluate(PVSA, kid(date(1980, 5, 1)), lines, at(date(2026, 6, 1)), periods=[period])
    bronze = result.level("adults-bronze")
    if offered:
        assert bronze.progress is not None
        assert (
            bronze.progress.counted_minutes,
            bronze.progress.remaining_minutes,
            bronze.progress.window_first,
            bronze.progress.window_last,
        ) == (300, 100 * 60 - 300, date(2025, 5, 31), date(2025, 5, 31))
        assert result.next_level == bronze.progress
    else:
        assert bronze.progress is None
        assert [r.code for r in bronze.reasons] == ["awards.not_in_effect"]
        assert result.next_level is not None
        assert result.next_level.level_id == "lifetime"


def test_paid_and_court_ordered_hours_do_not_count_and_stipended_counts_for_lifetime_only():
    """Excluded categories are left out; stipended service counts toward the Lifetime award."""
    subject = kid(date(1980, 1, 1))
    lines = [
        *daily(date(2024, 1, 1), 99, 60),
        line(date(2024, 6, 1), 600, "paid", category="paid"),
        line(date(2024, 6, 2), 600, "court", category="court_ordered"),
        line(date(2024, 6, 3), 600, "stip", category="stipended"),
    ]
    result = evaluate(PVSA, subject, lines, AS_OF, periods=[P])
    bronze = result.level("adults-bronze")
    assert bronze.progress is not None
    assert bronze.progress.counted_minutes == 99 * 60
    lifetime = result.level("lifetime")
    assert lifetime.progress is not None
    assert lifetime.progress.counted_minutes == 99 * 60 + 600
    # an open window: hours count up to the rule set's effective_to
    assert (lifetime.progress.window_first, lifetime.progress.window_last) == (
        None,
        date(2025, 5, 31),
    )


def test_lifetime_achievement_at_4000_hours():
    """4,000 hours over a lifetime, whatever the periods: earned the day they are reached."""
    lines = daily(date(2010, 1, 1), 400, 600)  # 10 h a day, 4000 h on the 400th day
    result = evaluate(PVSA, kid(date(1970, 1, 1)), lines, at(date(2021, 1, 1)))
    [award] = result.level("lifetime").achievements
    assert award.crossed_on == date(2010, 1, 1) + timedelta(days=399)
    # crossed in 2011, before the 2020 tiers: the once-only Lifetime award dates from 2020
    assert award.earned_on == date(2020, 1, 1)


def test_chosen_periods_are_at_most_twelve_months():
    """A period longer than 12 months is refused; the longest allowed ends the day before."""
    subject = kid(date(1980, 1, 1))
    longest = DateRange(first=date(2024, 2, 29), last=date(2025, 2, 28))
    evaluate(PVSA, subject, [], at(date(2025, 3, 1)), periods=[longest])
    too_long = DateRange(first=date(2024, 2, 28), last=date(2025, 2, 28))
    with pytest.raises(InvalidInputError) as info:
        evaluate(PVSA, subject, [], at(date(2025, 3, 1)), periods=[longest, too_long])
    assert (info.value.code, info.value.path) == ("awards.input.period_too_long", "$.periods[0]")


def test_without_a_chosen_period_the_twelve_months_ending_on_the_evaluation_date_count():
    """No period given: the window is the 12 months ending on the evaluation date."""
    lines = [line(date(2024, 1, 15), 6000, "old"), *daily(date(2024, 1, 16), 10, 600)]
    result = evaluate(PVSA, kid(date(1980, 1, 1)), lines, at(date(2025, 1, 15)))
    [award] = result.level("adults-bronze").achievements
    assert award.key == "2024-01-16..2025-01-15"
    assert (award.earned_on, award.counted_minutes) == (date(2024, 1, 25), 6000)


def test_overlapping_periods_never_count_an_hour_twice():
    """A later, overlapping period counts only the lines after the earlier award's crossing."""
    subject = kid(date(1980, 1, 1))
    first = DateRange(first=date(2024, 1, 1), last=date(2024, 12, 31))
    second = DateRange(first=date(2024, 7, 1), last=date(2025, 5, 31))
    lines = [
        *daily(date(2024, 7, 1), 10, 600),  # 100 h: crosses in the first period on 10 July
        *daily(date(2024, 9, 1), 9, 600, prefix="s"),  # 90 h more, inside both periods
    ]
    result = evaluate(PVSA, subject, lines, at(date(2025, 5, 31)), periods=[second, first])
    bronze = result.level("adults-bronze")
    [award] = bronze.achievements
    assert (award.key, award.consumed_to) == ("2024-01-01..2024-12-31", 6000)
    assert bronze.progress is not None
    assert (bronze.progress.counted_minutes, bronze.progress.window_first) == (
        5400, date(2024, 7, 1),
    )  # fmt: skip


def test_a_period_given_twice_is_one_period_with_one_award():
    """The same chosen period listed twice gives one award under its key, crossed at 100 h.

    Twice, it gave two awards with one key (the second from the next 100 h), and the ledger kept
    the later one's date and entry.
    """
    subject = kid(date(1980, 1, 1))
    lines = daily(date(2024, 3, 1), 25, 600)  # 250 h: 100 h on 10 March, 200 h on 20 March
    once = evaluate(PVSA, subject, lines, AS_OF, periods=[P])
    twice = evaluate(PVSA, subject, lines, AS_OF, periods=[P, P])
    assert twice == once
    [award] = twice.level("adults-bronze").achievements
    assert (award.key, award.crossed_on, str(award.crossing_entry)) == (
        "2024-01-01..2024-12-31", date(2024, 3, 10), "t:e009",
    )  # fmt: skip


MEMBERS = ("m1", "m2", "m3")
FAMILY = AwardSubject(id="family-1", members=MEMBERS)


def family_lines(minutes: dict[str, int]) -> list:
    out = []
    for n, (member, total) in enumerate(minutes.items()):
        out.append(line(date(2024, 3, 1 + n), total, f"{member}-a", volunteer=member))
    return out


def test_a_family_award_needs_every_member_at_25_hours():
    """200 h together earns group bronze only when each member has at least 25 h."""
    ok = family_lines({"m1": 1500, "m2": 9000, "m3": 1500})
    result = evaluate(PVSA, FAMILY, ok, AS_OF, periods=[P])
    [award] = result.level("group-bronze").achievements
    assert (award.earned_on, str(award.crossing_entry)) == (date(2024, 3, 3), "t:m3-a")
    short = family_lines({"m1": 1500, "m2": 9001, "m3": 1499})
    bronze = evaluate(PVSA, FAMILY, short, AS_OF, periods=[P]).level("group-bronze")
    assert bronze.status is LevelStatus.NOT_MET
    assert [r.message for r in bronze.reasons] == ["1 of 3 member(s) have fewer than 25 h"]
    assert bronze.progress is not None
    assert bronze.progress.remaining_minutes == 0


def test_group_and_individual_levels_apply_to_their_own_subjects():
    """A family gets no individual level; a volunteer gets no group level."""
    family = evaluate(PVSA, FAMILY, family_lines({"m1": 6000}), AS_OF, periods=[P])
    assert family.level("adults-bronze").reasons[0].code == "awards.not_an_individual"
    person = evaluate(PVSA, kid(date(1980, 1, 1)), [], AS_OF, periods=[P])
    assert person.level("group-bronze").status is LevelStatus.NOT_APPLICABLE
    assert person.level("group-bronze").reasons[0].code == "awards.not_a_group"


def test_an_unknown_birth_date_leaves_the_age_bands_out():
    """Without a birth date no age band applies; the Lifetime award still does."""
    result = evaluate(
        PVSA, AwardSubject(id="v1"), daily(date(2024, 1, 1), 20, 600), AS_OF, periods=[P]
    )
    assert result.level("adults-bronze").reasons[0].code == "awards.age_unknown"
    assert result.level("lifetime").status is LevelStatus.NOT_MET
    assert result.next_level is not None
    assert result.next_level.level_id == "lifetime"
