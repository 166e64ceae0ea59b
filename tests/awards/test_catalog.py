"""The built-in rule sets: what is shipped, how versions are chosen, and how sources are cited."""

from __future__ import annotations

from datetime import date

import pytest

from volunteerkit.awards import (
    CalendarYearWindow,
    ChosenPeriodWindow,
    LifetimeWindow,
    Repeat,
    SinceWindow,
    SourceStatus,
    UnknownRuleSet,
    list_rule_sets,
    load_rule_set,
    rule_set_text,
)


def test_the_catalog_lists_every_built_in_rule_set():
    """The issue's built-in sets (and the regional variants) are all there, sorted."""
    assert [(e.id, e.version) for e in list_rule_sets()] == [
        ("ca.on.diploma-hours", "current"),
        ("cn.beijing.stars", "current"),
        ("cn.beijing.stars-trial", "trial"),
        ("cn.cyl.stars", "2013"),
        ("cn.fujian.stars", "notice"),
        ("cn.heilongjiang.annual", "2014"),
        ("cn.sichuan.stars", "notice"),
        ("hk.volunteer-award", "current"),
        ("tw.volunteer-medals", "current"),
        ("us.americorps.terms", "45cfr2522.220"),
        ("us.pvsa", "pre-2020"),
        ("us.pvsa", "2020"),
    ]


@pytest.mark.parametrize(
    ("rule_set_id", "minutes"),
    [
        ("cn.cyl.stars", [6000, 18000, 36000, 60000, 90000]),
        ("cn.beijing.stars-trial", [6000, 12000, 30000, 48000, 60000, 120000, 180000, 300000]),
        ("cn.heilongjiang.annual", [3000, 6000, 12000, 30000, 60000]),
        ("hk.volunteer-award", [3000, 6000, 18000, 30000]),
        ("tw.volunteer-medals", [180000, 300000, 480000]),
        ("ca.on.diploma-hours", [2400]),
        ("us.americorps.terms", [18000, 27000, 40500, 54000, 102000]),
    ],
)
def test_thresholds_follow_the_reference(rule_set_id, minutes):
    """Each rule set's thresholds are the ones recorded in recognition.md."""
    assert [lv.threshold for lv in load_rule_set(rule_set_id).levels] == minutes


def test_pvsa_tiers_by_age_group_families_and_lifetime():
    """The PVSA has every age group's tiers, the families and groups tiers and Lifetime."""
    pvsa = load_rule_set("us.pvsa")
    tiers = {lv.id: lv.threshold // 60 for lv in pvsa.levels}
    assert tiers == {
        "kids-bronze": 26, "kids-silver": 50, "kids-gold": 75,
        "teens-bronze": 50, "teens-silver": 75, "teens-gold": 100,
        "young-adults-bronze": 100, "young-adults-silver": 175, "young-adults-gold": 250,
        "adults-bronze": 100, "adults-silver": 250, "adults-gold": 500,
        "group-bronze": 200, "group-silver": 500, "group-gold": 1000,
        "lifetime": 4000,
    }  # fmt: skip
    assert [(lv.age.min_age, lv.age.max_age) for lv in pvsa.levels if lv.age][::3] == [
        (5, 10), (11, 15), (16, 25), (26, None),
    ]  # fmt: skip
    assert {lv.group.member_minimum for lv in pvsa.levels if lv.group} == {25 * 60}
    assert pvsa.window == ChosenPeriodWindow(max_months=12)
    assert pvsa.level("lifetime").window == LifetimeWindow()
    assert (pvsa.effective_from, pvsa.effective_to) == (date(2020, 1, 1), date(2025, 5, 31))
    old = load_rule_set("us.pvsa", "pre-2020")
    assert [lv.threshold // 60 for lv in old.levels[:3]] == [50, 75, 100]
    assert old.effective_to == date(2019, 12, 31)


def test_the_latest_version_is_the_default():
    """Without a version, the version in effect latest is returned; unknown ones are refused."""
    assert load_rule_set("us.pvsa").version == "2020"
    with pytest.raises(UnknownRuleSet) as info:
        load_rule_set("us.pvsa", "1999")
    assert (info.value.code, info.value.message) == (
        "awards.unknown_rule_set", "no built-in rule set 'us.pvsa' version '1999'",
    )  # fmt: skip
    with pytest.raises(UnknownRuleSet) as nothing:
        load_rule_set("xx.nothing")
    assert nothing.value.code == "awards.unknown_rule_set"
    assert rule_set_text("cn.cyl.stars").startswith("# Registered volunteer stars")


def test_every_rule_set_cites_its_sources_and_says_which_are_not_primary():
    """Secondary and unconfirmed sources are marked as such, as recognition.md says."""
    status = {
        e.id + "@" + e.version: [s.status for s in load_rule_set(e.id, e.version).sources]
        for e in list_rule_sets()
    }
    assert status["cn.beijing.stars@current"] == [SourceStatus.SECONDARY]
    assert status["cn.beijing.stars-trial@trial"] == [SourceStatus.UNCONFIRMED]
    assert status["cn.fujian.stars@notice"] == [SourceStatus.SECONDARY]
    assert status["cn.cyl.stars@2013"] == [SourceStatus.PRIMARY, SourceStatus.SECONDARY]
    assert status["ca.on.diploma-hours@current"] == [SourceStatus.SECONDARY]
    assert all(sources for sources in status.values())


def test_windows_and_repeats_of_the_built_in_sets():
    """Windows and repeats encode the reference's conditions."""
    assert load_rule_set("cn.cyl.stars").window == SinceWindow(start="registration")
    assert load_rule_set("cn.cyl.stars").standing is not None
    hlj = load_rule_set("cn.heilongjiang.annual")
    assert hlj.window == CalendarYearWindow()
    assert {lv.repeat for lv in hlj.levels} == {Repeat.PER_PERIOD}
    terms = load_rule_set("us.americorps.terms")
    assert terms.level("full-time").window == SinceWindow(start="term_start", months=12)
    assert terms.level("part-time").window == SinceWindow(start="term_start", months=24)
    assert load_rule_set("cn.beijing.stars").level("star-5").recommendation is True
