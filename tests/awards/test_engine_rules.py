"""The other built-in rule sets and the rest of the language.

Calendar years, terms, rolling windows, renewals, recommendations, prerequisites, span and
frequency, credit kinds and sources.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from volunteerkit.awards import AwardSubject, LevelStatus, evaluate, load_rule_set, loads_rules
from volunteerkit.errors import InvalidInputError
from volunteerkit.hours import Source

from .helpers import at, daily, line

V1 = AwardSubject(id="v1", registered_on=date(2020, 1, 1))

HEADER = """
id = "test.rules"
version = "1"
name_zh = "测试"
name_en = "Test"
[[sources]]
title = "test"
status = "unconfirmed"
"""


def rules(body: str):
    return loads_rules(HEADER + body)


# --------------------------------------------------------------------------------- calendar years


def test_heilongjiang_counts_each_calendar_year_by_local_date():
    """31 December counts in its year and 1 January in the next; each year is its own award."""
    hlj = load_rule_set("cn.heilongjiang.annual")
    lines = [
        *daily(date(2024, 12, 27), 5, 600),  # 50 h on 27–31 December 2024
        line(date(2025, 1, 1), 600, "ny"),
    ]
    result = evaluate(hlj, V1, lines, at(date(2025, 3, 1)))
    h50 = result.level("h50")
    assert [(a.key, a.earned_on, str(a.crossing_entry)) for a in h50.achievements] == [
        ("2024", date(2024, 12, 31), "t:e004")
    ]
    assert h50.achievements[0].period_first == date(2024, 1, 1)
    assert h50.achievements[0].period_last == date(2024, 12, 31)
    assert h50.progress is not None
    assert (h50.progress.counted_minutes, h50.progress.window_last) == (600, date(2025, 12, 31))
    assert result.level("h100").status is LevelStatus.NOT_MET
    assert result.next_level is not None
    assert result.next_level.level_id == "h50"


def test_an_annual_level_is_granted_once_a_year():
    """Two years of 50 h give the 50-hour award for each year, under two keys."""
    hlj = load_rule_set("cn.heilongjiang.annual")
    lines = [*daily(date(2024, 3, 1), 5, 600), *daily(date(2025, 3, 1), 5, 600, prefix="n")]
    h50 = evaluate(hlj, V1, lines, at(date(2025, 12, 31))).level("h50")
    assert [(a.key, a.earned_on) for a in h50.achievements] == [
        ("2024", date(2024, 3, 5)),
        ("2025", date(2025, 3, 5)),
    ]
    assert h50.progress is None  # nothing more this year


def test_hong_kong_award_per_calendar_year():
    """The Hong Kong award's 50/100/300/500 h levels count one calendar year."""
    hk = load_rule_set("hk.volunteer-award")
    result = evaluate(hk, V1, daily(date(2025, 1, 1), 30, 600), at(date(2025, 12, 31)))
    assert result.earned == ("h50", "h100", "h300")
    assert result.level("h300").achievements[0].earned_on == date(2025, 1, 30)


# --------------------------------------------------------------------------------- once-only


def test_taiwan_medals_are_each_granted_once():
    """Bronze at 3000 h, silver 5000 h, gold 8000 h, cumulative, once each."""
    tw = load_rule_set("tw.volunteer-medals")
    lines = [line(date(2010, 1, 1), 3000 * 60 - 1, "a"), line(date(2011, 1, 1), 1, "b")]
    result = evaluate(tw, V1, lines, at(date(2012, 1, 1)))
    assert result.level("bronze").achievements[0].earned_on == date(2011, 1, 1)
    assert result.level("bronze").achievements[0].key == "once"
    assert result.level("silver").progress is not None
    assert result.level("silver").progress.remaining_minutes == 2000 * 60
    more = [*lines, line(date(2012, 1, 1), 5000 * 60, "c")]
    assert evaluate(tw, V1, more, at(date(2013, 1, 1))).earned == ("bronze", "silver", "gold")


def test_beijing_trial_stars_and_medals():
    """The older Beijing rules: stars at 100/200/500/800/1000 h, medals at 2000/3000/5000 h."""
    trial = load_rule_set("cn.beijing.stars-trial")
    result = evaluate(trial, V1, [line(date(2015, 1, 1), 3000 * 60, "a")], at(date(2016, 1, 1)))
    assert result.earned == (
        "star-1", "star-2", "star-3", "star-4", "star-5", "medal-bronze", "medal-silver",
    )  # fmt: skip
    assert result.next_level is not None
    assert (result.next_level.level_id, result.next_level.remaining_minutes) == (
        "medal-gold", 2000 * 60,
    )  # fmt: skip


# --------------------------------------------------------------------------------- since a date


def test_ontario_counts_40_unpaid_hours_from_the_program_start():
    """Hours before the student's program_start and paid hours do not count."""
    ontario = load_rule_set("ca.on.diploma-hours")
    student = AwardSubject(id="v1", dates={"program_start": date(2023, 7, 1)})
    lines = [
        line(date(2023, 6, 30), 600, "before"),
        line(date(2023, 7, 1), 1200, "first"),
        line(date(2023, 8, 1), 1200, "paid", category="paid"),
        line(date(2024, 2, 1), 1199, "second"),
    ]
    requirement = evaluate(ontario, student, lines, at(date(2024, 6, 1))).level("requirement")
    assert requirement.progress is not None
    assert (requirement.progress.counted_minutes, requirement.progress.remaining_minutes) == (
        2399, 1,
    )  # fmt: skip
    done = [*lines, line(date(2024, 3, 1), 1, "third")]
    [award] = (
        evaluate(ontario, student, done, at(date(2024, 6, 1))).level("requirement").achievements
    )
    assert (award.earned_on, str(award.crossing_entry)) == (date(2024, 3, 1), "t:third")
    no_date = evaluate(ontario, AwardSubject(id="v1"), done, at(date(2024, 6, 1)))
    assert no_date.level("requirement").reasons[0].message == (
        "the window starts on the subject's 'program_start' date, which is not known"
    )


def test_an_americorps_full_time_term_ends_after_twelve_months():
    """1,700 h within one year of term_start: the last day of the year counts, the next does not."""
    terms = load_rule_set("us.americorps.terms")
    member = AwardSubject(id="v1", dates={"term_start": date(2024, 9, 1)})
    lines = [line(date(2024, 9, 1), 1699 * 60, "bulk")]
    last_day = evaluate(
        terms, member, [*lines, line(date(2025, 8, 31), 60, "x")], at(date(2025, 9, 30))
    )
    [award] = last_day.level("full-time").achievements
    assert (award.earned_on, award.period_last) == (date(2025, 8, 31), date(2025, 8, 31))
    too_late = evaluate(
        terms, member, [*lines, line(date(2025, 9, 1), 60, "x")], at(date(2025, 9, 30))
    )
    full = too_late.level("full-time")
    assert full.status is LevelStatus.NOT_MET
    assert full.progress is not None
    assert (full.progress.remaining_minutes, full.progress.window_last) == (60, date(2025, 8, 31))
    assert too_late.level("part-time").status is LevelStatus.EARNED


def test_a_window_that_has_not_started_says_so():
    """A term starting after the evaluation date counts nothing yet and says when it starts."""
    terms = load_rule_set("us.americorps.terms")
    member = AwardSubject(id="v1", dates={"term_start": date(2026, 1, 1)})
    result = evaluate(terms, member, [line(date(2025, 6, 1), 600, "a")], at(date(2025, 12, 1)))
    first = result.level("minimum-time")
    assert first.progress is not None
    assert first.progress.counted_minutes == 0
    assert [r.message for r in first.reasons] == ["the window starts on 2026-01-01"]


FROM_2027 = """
[window]
kind = "calendar_year"

[[levels]]
id = "annual"
name_zh = "年度"
name_en = "Annual"
hours = 10
repeat = "per_period"

[[levels]]
id = "first"
name_zh = "首次"
name_en = "First"
hours = 10

[[levels]]
id = "annual-after-first"
name_zh = "首次后年度"
name_en = "Annual after first"
hours = 10
repeat = "per_period"
requires = ["first"]
"""


def test_a_year_before_the_rules_start_offers_no_progress_to_an_annual_award():
    """Rules from 2027, evaluated in 2026: the 2026 award of a per_period level cannot be earned.

    Its window ends before effective_from, so no progress and a not_in_effect reason, with or
    without a prerequisite (a prerequisite earned later does not date a 2026 award into 2027). A
    once level can still be earned (it is dated effective_from): its progress stays. From 2027 the
    annual window is in effect again.
    """
    rule = loads_rules(
        HEADER.replace('version = "1"', 'version = "1"\neffective_from = 2027-01-01') + FROM_2027
    )
    lines = [line(date(2026, 3, 1), 240, "a")]
    result = evaluate(rule, V1, lines, at(date(2026, 6, 1)))
    annual = result.level("annual")
    assert (annual.status, annual.progress) == (LevelStatus.NOT_MET, None)
    assert [r.message for r in annual.reasons] == [
        "the rule set is in effect from 2027-01-01 to …; the level would be earned on 2026-06-01"
    ]
    first = result.level("first")
    assert first.progress is not None
    assert (first.progress.remaining_minutes, first.progress.window_last) == (
        360,
        date(2026, 12, 31),
    )
    after = result.level("annual-after-first")
    assert (after.status, after.progress) == (LevelStatus.NOT_MET, None)
    assert [r.code for r in after.reasons] == ["awards.prerequisite_missing", "awards.not_in_effect"]
    assert result.next_level == first.progress
    next_year = evaluate(rule, V1, lines, at(date(2027, 2, 1))).level("annual")
    assert next_year.progress is not None
    assert (next_year.progress.remaining_minutes, next_year.progress.window_first) == (
        600,
        date(2027, 1, 1),
    )


# --------------------------------------------------------------------------------- rolling windows

ROLLING = """
[window]
kind = "rolling_months"
months = 12

[[levels]]
id = "active"
name_zh = "活跃"
name_en = "Active"
hours = 10
"""


def test_twelve_months_ending_on_a_leap_day_start_on_1_march():
    """The window ending 29 February 2024 runs from 1 March 2023: 28 February 2023 is outside."""
    rule = rules(ROLLING)
    outside = [line(date(2023, 2, 28), 300, "old"), line(date(2024, 2, 29), 300, "new")]
    result = evaluate(rule, V1, outside, at(date(2024, 2, 29))).level("active")
    assert (result.status, result.held) == (LevelStatus.NOT_MET, False)
    assert result.progress is not None
    assert (result.progress.window_first, result.progress.counted_minutes) == (
        date(2023, 3, 1),
        300,
    )
    inside = [line(date(2023, 3, 1), 300, "old"), line(date(2024, 2, 29), 300, "new")]
    held = evaluate(rule, V1, inside, at(date(2024, 2, 29))).level("active")
    assert (held.status, held.held) == (LevelStatus.EARNED, True)
    [award] = held.achievements
    assert (award.earned_on, award.period_first, award.period_last) == (
        date(2024, 2, 29), date(2023, 3, 1), date(2024, 2, 29),
    )  # fmt: skip


def test_a_once_level_on_a_rolling_window_keeps_its_first_date_when_no_longer_held():
    """Earned on the first date its window met it; a year later it is earned but not held."""
    rule = rules(ROLLING)
    lines = [line(date(2024, 1, 10), 300, "a"), line(date(2024, 3, 1), 300, "b")]
    later = evaluate(rule, V1, lines, at(date(2025, 6, 1))).level("active")
    assert (later.status, later.held) == (LevelStatus.EARNED, False)
    assert later.achievements[0].earned_on == date(2024, 3, 1)


def test_renewals_on_a_rolling_window_use_fresh_hours():
    """A renewable level is earned again each time 10 fresh hours fall within 12 months."""
    rule = rules(ROLLING.replace("hours = 10", 'hours = 10\nrepeat = "renewable"'))
    lines = [
        line(date(2024, 1, 1), 600, "a"),  # #1 on 1 January 2024
        line(date(2024, 6, 1), 300, "b"),
        line(date(2025, 7, 1), 300, "c"),  # b is 13 months old: not enough yet
        line(date(2025, 8, 1), 300, "d"),  # c + d: #2 on 1 August 2025
    ]
    result = evaluate(rule, V1, lines, at(date(2025, 12, 31))).level("active")
    assert [(a.key, a.earned_on, a.consumed_from, a.consumed_to) for a in result.achievements] == [
        ("#1", date(2024, 1, 1), 0, 600),
        ("#2", date(2025, 8, 1), 900, 1500),
    ]
    assert result.progress is not None
    assert result.progress.counted_minutes == 0


def test_renewals_on_a_lifetime_window_count_each_hour_once():
    """Every 100 h a new award; the crossing line's surplus is consumed with it."""
    rule = rules(
        """
[[levels]]
id = "hundred"
name_zh = "百小时"
name_en = "Every hundred hours"
hours = 100
repeat = "renewable"
"""
    )
    lines = [line(date(2024, 1, 1), 5000, "a"), line(date(2024, 1, 2), 1500, "b")]
    lines += [line(date(2024, 1, 3), 5400, "c"), line(date(2024, 1, 4), 700, "d")]
    result = evaluate(rule, V1, lines, at(date(2024, 2, 1))).level("hundred")
    assert [
        (a.key, str(a.crossing_entry), a.consumed_from, a.consumed_to) for a in result.achievements
    ] == [
        ("#1", "t:b", 0, 6500),
        ("#2", "t:d", 6500, 12600),
    ]
    assert result.progress is not None
    assert (result.progress.counted_minutes, result.progress.remaining_minutes) == (0, 6000)


# --------------------------------------------------------------------------------- recommendation


def test_five_stars_in_beijing_wait_for_a_recommendation():
    """Eligible five-star volunteers await the organization's recommendation, then get it."""
    bj = load_rule_set("cn.beijing.stars")
    lines = daily(date(2020, 1, 1), 150, 600)
    waiting = evaluate(bj, V1, lines, at(date(2021, 1, 1))).level("star-5")
    assert waiting.status is LevelStatus.AWAITING_RECOMMENDATION
    assert waiting.achievements[0].awaiting_recommendation is True
    assert waiting.earned == ()
    assert [r.message for r in waiting.reasons] == [
        "eligible since 2020-05-29, awaiting recommendation"
    ]
    granted = evaluate(bj, V1, lines, at(date(2021, 1, 1)), recommended={"star-5"}).level("star-5")
    assert granted.status is LevelStatus.EARNED
    assert granted.achievements[0].earned_on == date(2020, 5, 29)


def test_beijing_leaves_out_donations_and_duty_rotas():
    """Categories the Beijing notices exclude are not counted."""
    bj = load_rule_set("cn.beijing.stars")
    lines = [
        *daily(date(2020, 1, 1), 9, 600),
        line(date(2020, 2, 1), 600, "don", category="donation"),
        line(date(2020, 2, 2), 600, "duty", category="school_duty"),
    ]
    star = evaluate(bj, V1, lines, at(date(2021, 1, 1))).level("star-1")
    assert star.progress is not None
    assert star.progress.counted_minutes == 5400


# --------------------------------------------------------------------------------- prerequisites

PREREQ = """
[[levels]]
id = "bronze"
name_zh = "铜"
name_en = "Bronze"
hours = 10
recommendation = true

[[levels]]
id = "silver"
name_zh = "银"
name_en = "Silver"
hours = 5
requires = ["bronze"]
"""


def test_a_prerequisite_must_be_granted_first():
    """Silver needs bronze granted: without bronze's recommendation silver is not met."""
    rule = rules(PREREQ)
    lines = [line(date(2024, 1, 1), 300, "a"), line(date(2024, 3, 1), 300, "b")]
    silver = evaluate(rule, V1, lines, at(date(2024, 6, 1))).level("silver")
    assert silver.status is LevelStatus.NOT_MET
    assert [r.message for r in silver.reasons] == ["level 'bronze' must be granted first"]
    assert silver.progress is not None
    assert silver.progress.remaining_minutes == 0
    # recommended: silver's hours were there on 1 January, bronze is earned on 1 March
    after = evaluate(rule, V1, lines, at(date(2024, 6, 1)), recommended={"bronze"})
    [award] = after.level("silver").achievements
    assert (award.crossed_on, award.earned_on) == (date(2024, 1, 1), date(2024, 3, 1))


def test_sichuan_five_stars_require_four():
    """In Sichuan five stars follow four stars; both are earned from the same hours."""
    sc = load_rule_set("cn.sichuan.stars")
    assert sc.level("star-5").requires == ("star-4",)
    result = evaluate(sc, V1, daily(date(2020, 1, 1), 150, 600), at(date(2021, 1, 1)))
    assert result.level("star-5").achievements[0].earned_on == date(2020, 5, 29)


def test_fujian_levels_carry_their_approving_authority():
    """The Fujian variant records who approves each level."""
    fj = load_rule_set("cn.fujian.stars")
    assert [lv.authority for lv in fj.levels] == ["county", "county", "city", "city", "province"]


# --------------------------------------------------------------------------------- span, frequency

REGULAR = """
[[levels]]
id = "regular"
name_zh = "常规"
name_en = "Regular volunteer"
hours = 20
min_days = 4
min_months = 2
min_span_months = 3
"""


def test_span_and_frequency_conditions_decide_the_crossing_line():
    """The level is earned at the first line at which hours, days, months and span all hold."""
    rule = rules(REGULAR)
    lines = [
        line(date(2024, 1, 5), 600, "a"),
        line(date(2024, 1, 6), 600, "b"),
        line(date(2024, 1, 7), 600, "c"),  # 30 h on three days of one month
        line(date(2024, 4, 4), 60, "d"),  # fourth day, second month, but 2 months 30 days
        line(date(2024, 4, 5), 60, "e"),  # 3 months after 5 January: met
    ]
    not_yet = evaluate(rule, V1, lines[:4], at(date(2024, 4, 4))).level("regular")
    assert [r.code for r in not_yet.reasons] == ["awards.span_short"]
    assert not_yet.reasons[0].message == "first and last service must be at least 3 month(s) apart"
    [award] = evaluate(rule, V1, lines, at(date(2024, 5, 1))).level("regular").achievements
    assert (award.earned_on, str(award.crossing_entry), award.counted_minutes) == (
        date(2024, 4, 5), "t:e", 1920,
    )  # fmt: skip
    few = evaluate(rule, V1, lines[:1], at(date(2024, 5, 1))).level("regular")
    assert [r.message for r in few.reasons] == [
        "counted 10 h of 20 h in the window",
        "served on 1 day(s); at least 4 needed",
        "served in 1 month(s); at least 2 needed",
        "first and last service must be at least 3 month(s) apart",
    ]


# --------------------------------------------------------------------------------- credit kinds

CREDIT = """
[counting]
credit = "{kind}"

[[levels]]
id = "ten"
name_zh = "十小时"
name_en = "Ten hours"
hours = 10
"""


def test_raw_and_weighted_credit():
    """Raw minutes and weighted credit are added up when the rule says so."""
    lines = [
        line(date(2024, 1, 1), 300, "a", raw=400, weighted=Decimal("450.5")),
        line(date(2024, 1, 2), 200, "b", raw=200, weighted=Decimal("149.5")),
    ]
    as_of = at(date(2024, 2, 1))
    credited = evaluate(rules(CREDIT.format(kind="credited")), V1, lines, as_of).level("ten")
    raw = evaluate(rules(CREDIT.format(kind="raw")), V1, lines, as_of).level("ten")
    weighted = evaluate(rules(CREDIT.format(kind="weighted")), V1, lines, as_of).level("ten")
    assert credited.progress is not None
    assert credited.progress.counted_minutes == 500
    assert raw.achievements[0].consumed_to == 600
    assert weighted.achievements[0].counted_minutes == 600
    short = [lines[0], line(date(2024, 1, 2), 200, "b", weighted=Decimal("149.499999"))]
    almost = evaluate(rules(CREDIT.format(kind="weighted")), V1, short, as_of).level("ten")
    assert almost.progress is not None
    assert (almost.progress.counted_minutes, almost.progress.remaining_minutes) == (599, 1)


SOURCES = """
[counting]
include_sources = ["organization", "check_in_out"]

[[levels]]
id = "ten"
name_zh = "十小时"
name_en = "Ten hours"
hours = 10
"""


def test_source_filters_need_sources():
    """A rule on sources counts only those sources, and refuses lines that carry none."""
    rule = rules(SOURCES)
    lines = [
        line(date(2024, 1, 1), 300, "a", source=Source.ORGANIZATION),
        line(date(2024, 1, 2), 300, "b", source=Source.SELF_DECLARED),
        line(date(2024, 1, 3), 300, "c", source=Source.CHECK_IN_OUT),
    ]
    [award] = evaluate(rule, V1, lines, at(date(2024, 2, 1))).level("ten").achievements
    assert str(award.crossing_entry) == "t:c"
    with pytest.raises(InvalidInputError) as info:
        evaluate(rule, V1, [*lines, line(date(2024, 1, 4), 60, "d")], at(date(2024, 2, 1)))
    assert (info.value.code, info.value.path) == (
        "awards.input.source_missing",
        "$.credits[3].source",
    )
