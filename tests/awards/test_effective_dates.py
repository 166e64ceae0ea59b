"""A rule set's effective dates: which crossings earn, and which hours count as progress."""

from __future__ import annotations

from datetime import date

import attrs
import pytest

from volunteerkit.awards import (
    AwardSubject,
    LevelStatus,
    Repeat,
    SinceWindow,
    earned_all,
    evaluate,
    load_rule_set,
    loads_rules,
)
from volunteerkit.stores import MemoryStore, SQLiteStore

from .helpers import at, credit_rows, daily, line

V1 = AwardSubject(id="v1", registered_on=date(2020, 1, 1))

HEADER = """
id = "test.effective"
version = "1"
name_zh = "测试"
name_en = "Test"
[[sources]]
title = "test"
status = "unconfirmed"
"""

LEVEL = """
[[levels]]
id = "{id}"
name_zh = "等级"
name_en = "Level"
hours = 10
{extra}
"""


def rules(effective: str, *levels: tuple[str, str]) -> object:
    body = "".join(LEVEL.format(id=level_id, extra=extra) for level_id, extra in levels)
    return loads_rules(HEADER.replace('version = "1"', f'version = "1"\n{effective}') + body)


# ------------------------------------------------------------------------------- effective_to


def test_progress_counts_no_hours_after_effective_to():
    """Rules ending 31 May 2025: 5 h in May count, 10 h on 10 June neither earn nor count.

    Progress said 11 h 40 min counted and 0 remaining, though no award could follow.
    """
    rule = rules("effective_to = 2025-05-31", ("l", ""))
    lines = [line(date(2025, 5, 1), 300, "a"), line(date(2025, 6, 10), 400, "b")]
    result = evaluate(rule, V1, lines, at(date(2025, 7, 1)))
    level = result.level("l")
    assert (level.status, level.achievements) == (LevelStatus.NOT_MET, ())
    assert level.progress is not None
    assert (
        level.progress.counted_minutes,
        level.progress.remaining_minutes,
        level.progress.window_first,
        level.progress.window_last,
    ) == (300, 300, None, date(2025, 5, 31))
    assert [r.message for r in level.reasons] == [
        "the rule set is in effect from … to 2025-05-31; the level would be earned on 2025-06-10",
        "counted 5 h of 10 h in the window",
    ]
    assert result.next_level == level.progress


def test_a_calendar_year_that_outlasts_the_rules_counts_up_to_effective_to():
    """A 2025 annual window under rules ending 30 June 2025: hours stop counting that day."""
    rule = rules(
        "effective_to = 2025-06-30",
        ("annual", 'repeat = "per_period"\n[levels.window]\nkind = "calendar_year"'),
    )
    lines = [line(date(2025, 6, 30), 480, "a"), line(date(2025, 7, 1), 600, "b")]
    level = evaluate(rule, V1, lines, at(date(2025, 8, 1))).level("annual")
    assert level.status is LevelStatus.NOT_MET
    assert level.progress is not None
    assert (
        level.progress.counted_minutes,
        level.progress.remaining_minutes,
        level.progress.window_first,
        level.progress.window_last,
    ) == (480, 120, date(2025, 1, 1), date(2025, 6, 30))


# ------------------------------------------------------------------------------ effective_from


def test_a_renewal_crossed_before_effective_from_is_not_earned_even_after_a_prerequisite():
    """Rules from 1 March 2025; three renewals crossed in 2024 are earned neither way.

    With the prerequisite "first" (crossed 10 January 2024, dated 1 March 2025), the three 2024
    renewals were granted on 1 March 2025, while the same level without the prerequisite granted
    none. Their hours are consumed: the fourth renewal is crossed by the 10 h of March 2025.
    """
    rule = rules(
        "effective_from = 2025-03-01",
        ("first", ""),
        ("again", 'repeat = "renewable"\nrequires = ["first"]'),
        ("alone", 'repeat = "renewable"'),
    )
    lines = [
        line(date(2024, 1, 10), 600, "a"),
        line(date(2024, 2, 10), 600, "b"),
        line(date(2024, 3, 10), 600, "c"),
        line(date(2025, 3, 5), 300, "d"),
        line(date(2025, 3, 20), 300, "e"),
        line(date(2025, 3, 25), 120, "f"),
    ]
    result = evaluate(rule, V1, lines, at(date(2025, 4, 1)))
    [first] = result.level("first").achievements
    assert (first.crossed_on, first.earned_on) == (date(2024, 1, 10), date(2025, 3, 1))
    for level_id in ("again", "alone"):
        level = result.level(level_id)
        assert [
            (
                a.key,
                a.crossed_on,
                a.earned_on,
                str(a.crossing_entry),
                a.consumed_from,
                a.consumed_to,
            )
            for a in level.achievements
        ] == [("#4", date(2025, 3, 20), date(2025, 3, 20), "t:e", 1800, 2400)], level_id
        assert level.progress is not None
        assert (level.progress.counted_minutes, level.progress.remaining_minutes) == (120, 480)


def test_renewals_crossed_before_effective_from_leave_progress_to_the_next_one():
    """Only 2024 renewals and 5 h in 2025: progress counts the 5 h, not the consumed 2024 hours.

    Progress said 35 h counted and 0 remaining, though no award could be earned with them.
    """
    rule = rules("effective_from = 2025-03-01", ("alone", 'repeat = "renewable"'))
    lines = [
        line(date(2024, 1, 10), 600, "a"),
        line(date(2024, 2, 10), 600, "b"),
        line(date(2024, 3, 10), 600, "c"),
        line(date(2025, 3, 5), 300, "d"),
    ]
    level = evaluate(rule, V1, lines, at(date(2025, 4, 1))).level("alone")
    assert (level.status, level.achievements) == (LevelStatus.NOT_MET, ())
    assert level.progress is not None
    assert (level.progress.counted_minutes, level.progress.remaining_minutes) == (300, 300)
    assert [r.message for r in level.reasons] == [
        "the rule set is in effect from 2025-03-01 to …; the level would be earned on 2024-01-10",
        "counted 5 h of 10 h in the window",
    ]


def test_an_annual_award_crossed_before_effective_from_in_the_current_year_offers_no_progress():
    """Rules from 1 March 2025; the 2025 award crossed on 10 February can no longer be earned.

    A per_period level gets one award per year, and 2025's was crossed before the rules: it is
    not earned, so no progress towards it is offered (it showed 0 remaining).
    """
    rule = rules(
        "effective_from = 2025-03-01",
        ("annual", 'repeat = "per_period"\n[levels.window]\nkind = "calendar_year"'),
    )
    lines = [line(date(2025, 2, 10), 600, "a"), line(date(2025, 3, 10), 600, "b")]
    result = evaluate(rule, V1, lines, at(date(2025, 4, 1)))
    level = result.level("annual")
    assert (level.status, level.achievements, level.progress) == (LevelStatus.NOT_MET, (), None)
    assert [r.message for r in level.reasons] == [
        "the rule set is in effect from 2025-03-01 to …; the level would be earned on 2025-02-10"
    ]
    assert result.next_level is None


@pytest.mark.parametrize("backend", ["memory", "sqlite"])
def test_the_crossing_path_does_not_earn_a_per_period_award_crossed_before_effective_from(
    backend,
):
    """earned_all's crossing path agrees: a prerequisite does not rescue a pre-rules crossing.

    Rules from 20 January 2025; star-1 (10 h, once) crossed 1 January is dated 20 January;
    star-2 (20 h, once per period, requiring star-1) crossed 2 January was granted on 20 January.
    """
    stars = load_rule_set("cn.cyl.stars")
    one, two, *_rest = stars.levels
    rule = attrs.evolve(
        stars,
        effective_from=date(2025, 1, 20),
        window=SinceWindow(start="registration", months=2),
        levels=(
            attrs.evolve(one, hours=None, minutes=600),
            attrs.evolve(
                two, hours=None, minutes=1200, repeat=Repeat.PER_PERIOD, requires=("star-1",)
            ),
        ),
    )
    lines = daily(date(2025, 1, 1), 10, 600)
    person = AwardSubject(id="v1", registered_on=date(2025, 1, 1))
    as_of = at(date(2025, 6, 1))
    store = MemoryStore() if backend == "memory" else SQLiteStore(":memory:")
    try:
        store.ledger.write_credit([], credit_rows(lines, at(date(2025, 1, 1), 0)))
        [found] = earned_all(rule, store, as_of=as_of, subjects={"v1": person})
        expected = evaluate(rule, person, lines, as_of)
        for result in (found, expected):
            assert [(r.level_id, r.status) for r in result.levels] == [
                ("star-1", LevelStatus.EARNED),
                ("star-2", LevelStatus.NOT_MET),
            ]
            [first] = result.level("star-1").achievements
            assert (first.crossed_on, first.earned_on) == (date(2025, 1, 1), date(2025, 1, 20))
            assert result.level("star-2").achievements == ()
    finally:
        store.close()
