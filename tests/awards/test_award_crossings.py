"""earned_all from the store's crossing rows: equal to the general path and to the pure engine."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from volunteerkit.awards import (
    AwardSubject,
    Counting,
    CreditKind,
    CreditLine,
    GroupRule,
    LifetimeWindow,
    Repeat,
    RuleSet,
    SinceWindow,
    earned_all,
    evaluate,
    load_rule_set,
)
from volunteerkit.awards._crossings import CrossingPlan
from volunteerkit.awards.batch import _evaluate_chunk, _Reader
from volunteerkit.hours import EntryId
from volunteerkit.hours.store import CreditClose, CreditRow
from volunteerkit.stores import MemoryStore, SQLiteStore
from volunteerkit.testing.strategies_awards import credit_lines_for, rule_sets

from .helpers import at, credit_rows, daily

T0 = datetime(2000, 1, 1, tzinfo=UTC)
VOLUNTEERS = ["v1", "v2", "v3"]
_DAYS = st.dates(min_value=date(2022, 6, 1), max_value=date(2026, 6, 1))
_STARTS = st.dates(min_value=date(2022, 6, 1), max_value=date(2024, 6, 1))


def _plain_window(window: object) -> object:
    return window if isinstance(window, LifetimeWindow | SinceWindow) else LifetimeWindow()


def plain(rules: RuleSet) -> RuleSet:
    """The rule set reshaped into what the crossing path takes: hours over lifetime or since.

    Thresholds are cut to a tenth, so that the drawn lines reach them often. A level whose id has
    four letters counts its own kind of credit, and a later one of seven letters is a group level (which
    only makes individuals "not applicable").
    """
    kinds = list(CreditKind)
    levels = tuple(
        attrs.evolve(
            lv,
            window=None if lv.window is None else _plain_window(lv.window),
            age=None,
            repeat=Repeat.ONCE if lv.repeat is Repeat.RENEWABLE else lv.repeat,
            hours=None,
            minutes=max(1, lv.threshold // 10),
            counting=Counting(credit=kinds[i % 3]) if len(lv.id) == 4 else None,
            group=GroupRule(member_minutes=30) if i and len(lv.id) == 7 else None,
        )
        for i, lv in enumerate(rules.levels)
    )
    return attrs.evolve(rules, window=_plain_window(rules.window), levels=levels)


def subjects() -> st.SearchStrategy[dict[str, AwardSubject]]:
    """Each volunteer with a registration and a programme start, either possibly unknown."""
    one = st.fixed_dictionaries(
        {
            "registered_on": st.none() | _STARTS,
            "dates": st.dictionaries(st.just("program_start"), _STARTS, max_size=1),
        }
    )
    return st.tuples(*(one for _ in VOLUNTEERS)).map(
        lambda found: {v: AwardSubject(id=v, **kw) for v, kw in zip(VOLUNTEERS, found, strict=True)}
    )


def write(store, lines: list[CreditLine], ghosts: int) -> None:
    """Store the lines as rows valid from T0, plus ``ghosts`` large rows closed long ago."""
    rows = credit_rows(lines, T0)
    closed = [
        CreditRow(
            volunteer_id=VOLUNTEERS[n % 3],
            entry_id=EntryId(origin="t", local_id=f"ghost{n}"),
            organization_id="o1",
            category="care",
            region=None,
            local_date=20230101 + n,
            raw_minutes=9000,
            credited_minutes=9000,
            weighted_micro=9000 * 1_000_000,
            valid_from=T0,
        )
        for n in range(ghosts)
    ]
    store.ledger.write_credit([], rows + closed)
    store.ledger.write_credit(
        [
            CreditClose(
                volunteer_id=r.volunteer_id,
                entry_id=r.entry_id,
                local_date=r.local_date,
                valid_to=T0 + timedelta(days=1),
            )
            for r in closed
        ],
        [],
    )


@pytest.mark.parametrize("backend", ["memory", "sqlite"])
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    rules=rule_sets(max_levels=4, filters=False, conditions=False).map(plain),
    people=subjects(),
    lines=credit_lines_for(VOLUNTEERS, sources=False, max_lines=40),
    ghosts=st.integers(0, 3),
    day=_DAYS,
)
def test_crossings_give_the_general_paths_and_the_engines_awards(
    backend, rules, people, lines, ghosts, day
):
    """earned_all by crossings equals the general path's evaluations and evaluate's awards."""
    as_of = at(day)
    assert CrossingPlan.of(rules, as_of) is not None
    store = MemoryStore() if backend == "memory" else SQLiteStore(":memory:")
    try:
        write(store, lines, ghosts)
        fast = {e.subject_id: e for e in earned_all(rules, store, as_of=as_of, subjects=people)}
        general = _evaluate_chunk(
            rules,
            _Reader(rules, store, as_of),
            [people[v] for v in VOLUNTEERS],
            periods=[],
            recommended={},
            detail=False,
        )
        expected = {e.subject_id: e for e in general if any(r.achievements for r in e.levels)}
        assert fast == expected
        for vid in VOLUNTEERS:
            full = evaluate(rules, people[vid], lines, as_of)
            awards = [r.achievements for r in full.levels]
            if any(awards):
                assert [r.achievements for r in fast[vid].levels] == awards
                assert [r.status for r in fast[vid].levels] == [r.status for r in full.levels]
            else:
                assert vid not in fast
    finally:
        store.close()


@settings(max_examples=40, deadline=None)
@given(
    lines=credit_lines_for(VOLUNTEERS, sources=False, max_lines=40),
    ghosts=st.integers(0, 3),
    thresholds=st.dictionaries(
        st.sampled_from(["raw", "credited", "weighted"]),
        st.lists(st.integers(1, 9000), max_size=4),
        min_size=1,
    ),
    last=st.none() | st.integers(20230101, 20251231),
    only=st.none() | st.lists(st.sampled_from([*VOLUNTEERS, "v9"]), max_size=2),
)
def test_sqlite_finds_the_crossings_the_memory_store_finds(lines, ghosts, thresholds, last, only):
    """The SQL implementation of credit_crossings agrees with the memory store's, row for row."""
    scaled = {
        k: [t * (1_000_000 if k == "weighted" else 1) for t in v] for k, v in thresholds.items()
    }
    memory, sqlite = MemoryStore(), SQLiteStore(":memory:")
    try:
        for store in (memory, sqlite):
            write(store, lines, ghosts)
        as_of = at(date(2026, 1, 1))
        got = [
            list(s.awards.credit_crossings(as_of, scaled, last=last, volunteer_ids=only))
            for s in (memory, sqlite)
        ]
        assert got[0] == got[1]
    finally:
        memory.close()
        sqlite.close()


def test_the_crossing_path_reads_no_rows_of_volunteers_below_every_threshold(tmp_path):
    """For CYL stars, earned_all reads neither lines nor day totals: the store finds the rows."""
    store = SQLiteStore(tmp_path / "stars.db")
    try:
        write(
            store,
            [
                *daily(date(2025, 1, 1), 10, 600),
                *daily(date(2025, 1, 1), 9, 600, prefix="x", volunteer="v2"),
            ],
            0,
        )

        def refuse(*_args, **_kw):
            raise AssertionError("read through the general path")

        store.awards.credit_lines = refuse  # type: ignore[method-assign]
        store.awards.credit_day_totals = refuse  # type: ignore[method-assign]
        stars = load_rule_set("cn.cyl.stars")
        people = {v: AwardSubject(id=v, registered_on=date(2024, 12, 1)) for v in ("v1", "v2")}
        [only] = earned_all(stars, store, as_of=at(date(2025, 2, 1)), subjects=people)
        [star] = only.level("star-1").achievements
        assert (only.subject_id, star.earned_on, str(star.crossing_entry)) == (
            "v1", date(2025, 1, 10), "t:e009",
        )  # fmt: skip
        assert (star.counted_minutes, star.consumed_from, star.consumed_to) == (6000, 0, 6000)
        assert (star.period_first, star.period_last) == (date(2024, 12, 1), None)
    finally:
        store.close()


def test_credit_before_registration_is_evaluated_by_the_general_path():
    """A volunteer with credit before the window starts gets exactly evaluate's awards."""
    store = MemoryStore()
    lines = [*daily(date(2025, 1, 1), 5, 600), *daily(date(2025, 3, 1), 10, 600, prefix="m")]
    write(store, lines, 0)
    stars = load_rule_set("cn.cyl.stars")
    person = AwardSubject(id="v1", registered_on=date(2025, 2, 1))
    as_of = at(date(2025, 4, 1))
    [found] = earned_all(stars, store, as_of=as_of, subjects={"v1": person})
    [star] = found.level("star-1").achievements
    assert (star.earned_on, str(star.crossing_entry)) == (date(2025, 3, 10), "t:m009")
    assert (star.consumed_from, star.consumed_to) == (3000, 9000)
    expected = evaluate(stars, person, lines, as_of)
    assert [r.achievements for r in found.levels] == [r.achievements for r in expected.levels]


def test_effective_dates_prerequisites_and_bounded_windows_move_or_stop_awards():
    """The crossing path moves and withholds earned dates exactly as the engine does."""
    stars = load_rule_set("cn.cyl.stars")
    one, two, three, *_rest = stars.levels
    rules = attrs.evolve(
        stars,
        effective_from=date(2025, 1, 20),
        window=SinceWindow(start="registration", months=2),
        levels=(
            attrs.evolve(one, hours=None, minutes=600),  # crossed 1 January: moved to 20 January
            # crossed 3 January, before the rules: a per-period award is not earned
            attrs.evolve(two, hours=None, minutes=1800, repeat=Repeat.PER_PERIOD),
            # crossed 11 January, after star-1's earned date moved
            attrs.evolve(three, hours=None, minutes=6600, requires=("star-1",)),
            # crossed 1 March, after the two months of the window
            attrs.evolve(one, id="late", hours=None, minutes=36000),
        ),
    )
    lines = daily(date(2025, 1, 1), 60, 600)  # 10 hours a day from 1 January
    store = SQLiteStore(":memory:")
    try:
        write(store, lines, 0)
        person = AwardSubject(id="v1", registered_on=date(2025, 1, 1))
        as_of = at(date(2025, 12, 1))
        [found] = earned_all(rules, store, as_of=as_of, subjects={"v1": person})
        assert [(r.level_id, r.status.value) for r in found.levels] == [
            ("star-1", "earned"),
            ("star-2", "not_met"),
            ("star-3", "earned"),
            ("late", "not_met"),
        ]
        [first] = found.level("star-1").achievements
        assert (first.crossed_on, first.earned_on) == (date(2025, 1, 1), date(2025, 1, 20))
        assert (first.period_first, first.period_last) == (date(2025, 1, 1), date(2025, 2, 28))
        [third] = found.level("star-3").achievements
        assert (third.crossed_on, third.earned_on, str(third.crossing_entry)) == (
            date(2025, 1, 11), date(2025, 1, 20), "t:e010",
        )  # fmt: skip
        expected = evaluate(rules, person, lines, as_of)
        assert [r.achievements for r in found.levels] == [r.achievements for r in expected.levels]
    finally:
        store.close()
