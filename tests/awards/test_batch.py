"""Batch evaluation and awarding over stores: equal to the pure engine, idempotent, explained."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from volunteerkit import FixedClock
from volunteerkit.awards import (
    AwardSubject,
    CreditLine,
    Grant,
    GroupRule,
    Recommendation,
    award_all,
    award_subjects,
    credit_lines_from_records,
    earned_all,
    evaluate,
    evaluate_all,
    evaluate_one,
    evaluate_subjects,
    load_rule_set,
    loads_rules,
    reconcile,
)
from volunteerkit.errors import InvalidInputError
from volunteerkit.hours import NATIONAL, DateRange, EntryId, ServiceEntry, Source
from volunteerkit.hours.ledger import Ledger
from volunteerkit.stores import MemoryStore, SQLiteStore
from volunteerkit.testing.strategies_awards import award_subjects as subjects_strategy
from volunteerkit.testing.strategies_awards import credit_lines_for, rule_sets

from .helpers import at, credit_rows, daily

T0 = datetime(2000, 1, 1, tzinfo=UTC)  # credit rows valid since long before any as_of
VOLUNTEERS = ["v1", "v2", "v3"]


def write(store, lines: list[CreditLine]) -> None:
    """Store credit lines as credit rows valid from T0 (what the hours Ledger would write)."""
    store.ledger.write_credit([], credit_rows(lines, T0))


def people(subject: AwardSubject) -> dict[str, AwardSubject]:
    found = {v: AwardSubject(id=v) for v in VOLUNTEERS}
    if not subject.is_group:
        found[subject.id] = subject
    return found


@pytest.mark.parametrize("backend", ["memory", "sqlite"])
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    rules=st.one_of(rule_sets(max_levels=3, sources=False), rule_sets(max_levels=3, filters=False)),
    subject=subjects_strategy(VOLUNTEERS),
    lines=credit_lines_for(VOLUNTEERS, sources=False, max_lines=40),
    day=st.dates(min_value=date(2023, 6, 1), max_value=date(2026, 6, 1)),
)
def test_batch_results_equal_the_pure_engine(backend, rules, subject, lines, day):
    """evaluate_all, evaluate_subjects and earned_all agree with evaluate on the same credit."""
    store = MemoryStore() if backend == "memory" else SQLiteStore(":memory:")
    try:
        write(store, lines)
        as_of = at(day)
        known = people(subject)
        batch = {
            e.subject_id: e
            for e in evaluate_all(rules, store, as_of=as_of, subjects=known, chunk_size=2)
        }
        with_credit = sorted({c.volunteer_id for c in lines if c.day <= day})
        assert sorted(batch) == with_credit
        for vid, result in batch.items():
            assert result == evaluate(rules, known[vid], lines, as_of)
        [one] = evaluate_subjects(rules, store, [subject], as_of=as_of)
        assert one == evaluate(rules, subject, lines, as_of)
        earned = {
            e.subject_id: e
            for e in earned_all(rules, store, as_of=as_of, subjects=known, chunk_size=2)
        }
        for vid in with_credit:
            full = evaluate(rules, known[vid], lines, as_of)
            awards = [r.achievements for r in full.levels]
            if any(awards):
                assert [r.achievements for r in earned[vid].levels] == awards
                assert [r.status for r in earned[vid].levels] == [r.status for r in full.levels]
            else:
                assert vid not in earned
    finally:
        store.close()


SH = ZoneInfo("Asia/Shanghai")


def entry(
    volunteer: str, n: int, day: date, hours: int, source: Source = Source.ORGANIZATION
) -> ServiceEntry:
    start = datetime(day.year, day.month, day.day, 8, tzinfo=SH)
    return ServiceEntry(
        id=EntryId(origin="t", local_id=f"{volunteer}-{n:03d}"),
        volunteer_id=volunteer,
        organization_id="o1",
        category="care",
        start=start,
        end=start + timedelta(hours=hours),
        zone=SH,
        source=source,
        recorded_by="staff",
        recorded_at=datetime(2025, 12, 1, tzinfo=UTC),
    )


@pytest.fixture
def ledger_store():
    """A memory store whose hours ledger holds 160 ten-hour days of v1 and 12 days of v2."""
    store = MemoryStore()
    clock = FixedClock(datetime(2025, 12, 2, tzinfo=UTC))
    ledger = Ledger(store, clock=clock, policy=NATIONAL)
    entries = [entry("v1", n, date(2025, 1, 1) + timedelta(days=n), 10) for n in range(160)]
    entries += [
        entry("v2", n, date(2025, 1, 1) + timedelta(days=n), 10, Source.SELF_DECLARED)
        for n in range(12)
    ]
    ledger.record_many(entries, actor="staff")
    ledger.approve_many([e.id for e in entries if e.volunteer_id == "v2"], actor="lead")
    return store


def test_a_recommendation_in_the_store_lets_five_stars_be_granted(ledger_store):
    """Five Beijing stars are granted only once the store holds the recommendation."""
    rules = load_rule_set("cn.beijing.stars")
    subjects = {v: AwardSubject(id=v, registered_on=date(2024, 1, 1)) for v in ("v1", "v2")}
    clock = FixedClock(datetime(2025, 12, 3, tzinfo=UTC))
    as_of = at(date(2025, 12, 3))
    first = award_all(
        rules, ledger_store, as_of=as_of, clock=clock, actor="batch", subjects=subjects
    )
    assert (first.granted, first.revoked) == (5, 0)  # v1: stars 1–4; v2: star 1
    assert "star-5" not in {g.level_id for g in ledger_store.awards.held(rules.id)["v1"]}
    ledger_store.awards.recommend(
        [
            Recommendation(
                rule_set_id=rules.id, subject_id="v1", level_id="star-5", by="org-1", at=clock.now()
            )
        ]
    )
    second = award_all(
        rules, ledger_store, as_of=as_of, clock=clock, actor="batch", subjects=subjects
    )
    assert (second.granted, second.kept) == (1, 5)
    star5 = [g for g in ledger_store.awards.held(rules.id)["v1"] if g.level_id == "star-5"]
    assert [(g.earned_on, str(g.crossing_entry)) for g in star5] == [
        (date(2025, 5, 30), "t:v1-149")
    ]


def test_rules_on_sources_read_the_ledgers_records(ledger_store):
    """A rule that counts only organization-entered hours is evaluated from the records."""
    rules = loads_rules(
        """
id = "org.only"
version = "1"
name_zh = "仅机构录入"
name_en = "Organization-entered hours"
[[sources]]
title = "test"
status = "unconfirmed"
[counting]
include_sources = ["organization"]
[[levels]]
id = "h100"
name_zh = "百小时"
name_en = "100 hours"
hours = 100
"""
    )
    as_of = at(date(2025, 12, 3))
    results = {e.subject_id: e for e in evaluate_all(rules, ledger_store, as_of=as_of)}
    assert results["v1"].earned == ("h100",)
    assert results["v2"].level("h100").progress is not None
    assert results["v2"].level("h100").progress.counted_minutes == 0  # self-declared hours
    entries, events = ledger_store.ledger.records_of(["v2"])["v2"]
    lines = credit_lines_from_records(entries, events, NATIONAL, as_of=as_of)
    assert results["v2"] == evaluate(rules, AwardSubject(id="v2"), lines, as_of)
    assert evaluate_one(rules, ledger_store, AwardSubject(id="v1"), as_of=as_of) == results["v1"]


def test_a_family_is_awarded_with_award_subjects():
    """Families and groups are awarded through award_subjects, each member's hours together."""
    store = MemoryStore()
    members = ("m1", "m2", "m3")
    lines = [
        *daily(date(2024, 3, 1), 5, 600, prefix="a", volunteer="m1"),
        *daily(date(2024, 3, 1), 5, 600, prefix="b", volunteer="m2"),
        *daily(date(2024, 3, 1), 10, 600, prefix="c", volunteer="m3"),
    ]
    write(store, lines)
    family = AwardSubject(id="family-1", members=members)
    pvsa = load_rule_set("us.pvsa")
    period = DateRange(first=date(2024, 1, 1), last=date(2024, 12, 31))
    clock = FixedClock(datetime(2025, 1, 2, tzinfo=UTC))
    run = award_subjects(
        pvsa,
        store,
        [family],
        as_of=at(date(2025, 1, 2)),
        clock=clock,
        actor="batch",
        periods=[period],
    )
    assert (run.evaluated, run.granted) == (1, 1)
    [grant] = store.awards.held("us.pvsa")["family-1"]
    assert (grant.level_id, grant.key, grant.earned_on, str(grant.crossing_entry)) == (
        "group-bronze", "2024-01-01..2024-12-31", date(2024, 3, 10), "t:c009",
    )  # fmt: skip
    [audit] = store.audit.query(action="awards.grant")
    assert (audit.subject_type, audit.subject_id, audit.details["level"]) == (
        "group", "family-1", "group-bronze",
    )  # fmt: skip


def test_members_day_totals_on_one_date_keep_their_volunteers():
    """A group's members' day totals of one date count for the right member in the batch."""
    store = MemoryStore()
    lines = [
        *daily(date(2024, 3, 1), 2, 30, prefix="a", volunteer="v1"),  # 1 h over two days
        *daily(date(2024, 3, 1), 1, 20, prefix="b", volunteer="v3"),  # 20 min on 1 March
    ]
    write(store, lines)
    trial = load_rule_set("cn.beijing.stars-trial")
    family_level = attrs.evolve(
        trial.levels[0], id="family", hours=1, group=GroupRule(member_hours=1)
    )
    rules = attrs.evolve(trial, levels=(family_level,))
    family = AwardSubject(id="g1", members=("v1", "v3"))
    as_of = at(date(2024, 6, 1))
    [batch] = evaluate_subjects(rules, store, [family], as_of=as_of)
    assert batch == evaluate(rules, family, lines, as_of)
    [reason] = batch.level("family").reasons
    assert reason.message == "1 of 2 member(s) have fewer than 1 h"


def test_reconcile_revokes_an_award_whose_level_left_the_rule_set():
    """A held award of a level the rule set no longer has is revoked, saying so."""
    rules = load_rule_set("cn.cyl.stars")
    evaluation = evaluate(
        rules, AwardSubject(id="v1", registered_on=date(2024, 1, 1)), [], at(date(2025, 1, 1))
    )
    held = Grant(
        id="g-1",
        rule_set_id=rules.id,
        rule_set_version="2013",
        subject_id="v1",
        level_id="star-0",
        key="once",
        earned_on=date(2024, 6, 1),
        crossing_entry=EntryId(origin="t", local_id="x"),
        consumed_from=0,
        consumed_to=600,
        at=T0,
        actor="batch",
    )
    clock = FixedClock(T0)
    plan = reconcile(evaluation, [held], clock=clock, actor="batch")
    [revocation] = plan.revocations
    assert plan.grants == () and plan.kept == ()
    assert (
        revocation.reason == "no longer supported by the hours: the rule set has no level 'star-0'"
    )
    assert revocation.reason_zh == "现有时长已不再支持该奖项:规则集中没有等级 'star-0'"
    assert plan.changes


def test_a_volunteer_below_every_threshold_is_not_read_line_by_line():
    """earned_all's general path asks the store for per-volunteer sums, never for v2's lines."""
    store = MemoryStore()
    write(
        store,
        [
            *daily(date(2025, 1, 1), 10, 600),
            *daily(date(2025, 1, 1), 9, 600, prefix="x", volunteer="v2"),
        ],
    )
    asked: list[object] = []
    original = store.awards.credit_day_totals

    def spy(as_of, *, volunteer_ids, **kw):
        asked.append(sorted(volunteer_ids))
        return original(as_of, volunteer_ids=volunteer_ids, **kw)

    store.awards.credit_day_totals = spy  # type: ignore[method-assign]
    trial = load_rule_set("cn.beijing.stars-trial")  # lifetime, every hour counts
    # a condition beyond the threshold (one day of service) takes the general path
    trial = attrs.evolve(trial, levels=tuple(attrs.evolve(lv, min_days=1) for lv in trial.levels))
    [only] = earned_all(trial, store, as_of=at(date(2025, 2, 1)))
    assert (only.subject_id, only.earned) == ("v1", ("star-1",))
    assert asked == [["v1"]]


def test_an_evaluation_decides_only_about_awards_granted_by_its_instant():
    """A grant recorded after as_of is neither kept nor revoked by an evaluation as of then."""
    rules = load_rule_set("cn.cyl.stars")
    subject = AwardSubject(id="v1", registered_on=date(2024, 1, 1))
    evaluation = evaluate(rules, subject, [], at(date(2025, 1, 1)))
    later = Grant(
        id="g-2",
        rule_set_id=rules.id,
        rule_set_version="2013",
        subject_id="v1",
        level_id="star-1",
        key="once",
        earned_on=date(2025, 3, 1),
        crossing_entry=EntryId(origin="t", local_id="y"),
        consumed_from=0,
        consumed_to=6000,
        at=datetime(2025, 3, 2, tzinfo=UTC),
        actor="batch",
    )
    plan = reconcile(evaluation, [later], clock=FixedClock(T0), actor="batch")
    assert (plan.grants, plan.revocations, plan.kept) == ((), (), ())
    assert not plan.changes


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    rules=rule_sets(max_levels=3, filters=False, conditions=False),
    subject=subjects_strategy(VOLUNTEERS).filter(lambda s: not s.is_group),
    lines=credit_lines_for(VOLUNTEERS, sources=False, max_lines=40, days=400),
    day=st.dates(min_value=date(2023, 3, 1), max_value=date(2024, 6, 1)),
)
def test_month_totals_give_the_pure_engines_results(rules, subject, lines, day):
    """When only thresholds count, the store's month totals plus crossing months are exact."""
    from volunteerkit.awards.batch import _Reader

    store = SQLiteStore(":memory:")
    try:
        write(store, lines)
        as_of = at(day)
        assert _Reader(rules, store, as_of).mode == "months"
        [batch] = evaluate_subjects(rules, store, [subject], as_of=as_of)
        assert batch == evaluate(rules, subject, lines, as_of)
    finally:
        store.close()


@pytest.mark.parametrize("backend", ["memory", "sqlite"])
def test_a_recommendation_made_after_as_of_does_not_count_as_of_then(backend, ledger_store):
    """Evaluating as of one instant gives the same answer before and after a later recommendation.

    Star 5 of the Beijing stars needs a recommendation: one made on 10 December does not make it
    earned as of 3 December (as hours recorded after as_of do not count), but does as of 11
    December.
    """
    rules = load_rule_set("cn.beijing.stars")
    v1 = AwardSubject(id="v1", registered_on=date(2024, 1, 1))
    store = ledger_store if backend == "memory" else SQLiteStore(":memory:")
    if backend == "sqlite":
        entries, _events = ledger_store.ledger.records_of(["v1"])["v1"]
        ledger = Ledger(store, clock=FixedClock(datetime(2025, 12, 2, tzinfo=UTC)), policy=NATIONAL)
        ledger.record_many(entries, actor="staff")
    before = at(date(2025, 12, 3))
    assert evaluate_one(rules, store, v1, as_of=before).level("star-5").status.value == (
        "awaiting_recommendation"
    )
    store.awards.recommend(
        [
            Recommendation(
                rule_set_id=rules.id,
                subject_id="v1",
                level_id="star-5",
                by="org-1",
                at=datetime(2025, 12, 10, tzinfo=UTC),
            )
        ]
    )
    again = evaluate_one(rules, store, v1, as_of=before)
    assert again.level("star-5").status.value == "awaiting_recommendation"
    [evaluated] = evaluate_all(
        rules, store, as_of=before, subjects={"v1": v1}, volunteer_ids=["v1"]
    )
    assert evaluated == again
    run = award_all(
        rules, store, as_of=before, clock=FixedClock(before), actor="batch", subjects={"v1": v1}
    )
    assert "star-5" not in {g.level_id for g in store.awards.held(rules.id)["v1"]}
    assert run.granted == 4
    after = evaluate_one(rules, store, v1, as_of=at(date(2025, 12, 11)))
    assert after.level("star-5").status.value == "earned"


@pytest.mark.parametrize(
    "backend", ["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_an_award_revoked_since_is_not_granted_again_as_of_before(backend, request):
    """A replay as of an earlier instant leaves a later revocation standing.

    v1 serves 160 ten-hour days in 2025 (1,600 hours): the 2 December run grants stars 1-5 (100,
    300, 600, 1,000 and 1,500 hours). Voiding 100 of those days on 10 December leaves 600 hours,
    so that day's run revokes stars 4 and 5. Running again as of 2 December still finds 1,600
    hours then, but grants nothing: stars 4 and 5 were decided after that instant.
    """
    if backend == "postgres":  # a fresh schema on the session's server
        store = request.getfixturevalue("make_postgres_store")()
    else:
        store = MemoryStore() if backend == "memory" else SQLiteStore(":memory:")
    clock = FixedClock(datetime(2025, 12, 2, tzinfo=UTC))
    ledger = Ledger(store, clock=clock, policy=NATIONAL)
    entries = [entry("v1", n, date(2025, 1, 1) + timedelta(days=n), 10) for n in range(160)]
    ledger.record_many(entries, actor="staff")
    rules = load_rule_set("cn.cyl.stars")
    subjects = {"v1": AwardSubject(id="v1", registered_on=date(2024, 1, 1))}

    def run(as_of: datetime) -> tuple[int, int, int]:
        done = award_all(rules, store, as_of=as_of, clock=clock, actor="batch", subjects=subjects)
        return done.granted, done.revoked, done.kept

    first = clock.now()
    assert run(first) == (5, 0, 0)
    clock.advance(timedelta(days=8))
    for e in entries[:100]:
        ledger.void(e.id, actor="lead", reason="recorded twice")
    assert run(clock.now()) == (0, 2, 3)
    clock.advance(timedelta(days=10))
    assert run(first) == (0, 0, 3)
    held = store.awards.held(rules.id)["v1"]
    assert [g.level_id for g in held] == ["star-1", "star-2", "star-3"]
    assert [type(r).__name__ for r in store.awards.history(rules.id, "v1")][-2:] == [
        "Revocation",
        "Revocation",
    ]
    store.close()


def test_reconcile_leaves_awards_decided_later_alone():
    """Keys with a record after as_of are neither granted, kept nor revoked."""
    rules = load_rule_set("cn.cyl.stars")
    subject = AwardSubject(id="v1", registered_on=date(2024, 1, 1))
    lines = daily(date(2025, 1, 1), 12, 600)  # 120 hours: star 1 (100 hours)
    evaluation = evaluate(rules, subject, lines, at(date(2025, 6, 1)))
    assert [a.level_id for r in evaluation.levels for a in r.achievements] == ["star-1"]
    plan = reconcile(
        evaluation, [], clock=FixedClock(T0), actor="batch", decided_later=[("star-1", "once")]
    )
    assert not plan.changes
    assert len(reconcile(evaluation, [], clock=FixedClock(T0), actor="batch").grants) == 1


@pytest.mark.parametrize(
    ("periods", "path"), [(None, "$.periods"), (5, "$.periods"), ([5], "$.periods[0]")]
)
def test_batch_entry_points_refuse_periods_that_are_not_date_ranges(periods, path):
    """periods=None or [5] is awards.input.invalid at its path, not a TypeError or AttributeError."""
    store = MemoryStore()
    write(store, daily(date(2025, 1, 1), 3, 600))
    rule_set = load_rule_set("us.pvsa")
    as_of = at(date(2025, 3, 1))
    clock = FixedClock(as_of)
    calls = {
        "evaluate_all": lambda: list(evaluate_all(rule_set, store, as_of=as_of, periods=periods)),
        "evaluate_subjects": lambda: list(
            evaluate_subjects(rule_set, store, [AwardSubject(id="v1")], as_of=as_of, periods=periods)
        ),
        "earned_all": lambda: list(earned_all(rule_set, store, as_of=as_of, periods=periods)),
        "award_all": lambda: award_all(
            rule_set, store, as_of=as_of, periods=periods, clock=clock, actor="job"
        ),
        "award_subjects": lambda: award_subjects(
            rule_set, store, [AwardSubject(id="v1")], as_of=as_of, periods=periods, clock=clock,
            actor="job",
        ),
    }  # fmt: skip
    for name, call in calls.items():
        with pytest.raises(InvalidInputError) as info:
            call()
        assert (info.value.code, info.value.path) == ("awards.input.invalid", path), name
    assert store.awards.held("us.pvsa", ["v1"]) == {}


def _batch_calls(store, rule_set, as_of, **kw):
    clock = FixedClock(as_of)
    subjects = kw.pop("subject_list", [AwardSubject(id="v1")])
    return {
        "evaluate_all": lambda: list(evaluate_all(rule_set, store, as_of=as_of, **kw)),
        "earned_all": lambda: list(earned_all(rule_set, store, as_of=as_of, **kw)),
        "award_all": lambda: award_all(
            rule_set, store, as_of=as_of, clock=clock, actor="job", **kw
        ),
        "evaluate_subjects": lambda: list(
            evaluate_subjects(rule_set, store, subjects, as_of=as_of)
        ),
        "award_subjects": lambda: award_subjects(
            rule_set, store, subjects, as_of=as_of, clock=clock, actor="job"
        ),
    }


@pytest.mark.parametrize("backend", ["memory", "sqlite"])
@pytest.mark.parametrize(
    ("wrong", "path"),
    [
        ({"volunteer_ids": "v1"}, "$.volunteer_ids"),
        ({"volunteer_ids": 5}, "$.volunteer_ids"),
        ({"volunteer_ids": ["v1", 5]}, "$.volunteer_ids[1]"),
        ({"subjects": 5}, "$.subjects"),
        ({"subjects": {"v1": "v1"}}, "$.subjects.v1"),
        ({"subjects": lambda vid: vid}, "$.subjects"),
        ({"chunk_size": "10"}, "$.chunk_size"),
    ],
)
def test_batch_entry_points_refuse_volunteer_ids_subjects_and_chunk_sizes_of_the_wrong_type(
    backend, wrong, path
):
    """volunteer_ids="v1" is refused: it evaluated, and award_all granted, volunteers v and 1.

    A subject source that is not a mapping or a function, or gives something other than an
    AwardSubject, and a chunk size given as text are refused too (they raised TypeError or
    AttributeError from deep inside).
    """
    store = MemoryStore() if backend == "memory" else SQLiteStore(":memory:")
    lines = [
        *daily(date(2025, 1, 1), 12, 600, volunteer="v", prefix="v"),
        *daily(date(2025, 1, 1), 12, 600, volunteer="1", prefix="o"),
        *daily(date(2025, 1, 1), 12, 600, volunteer="v1", prefix="w"),
    ]
    write(store, lines)
    rule_set = load_rule_set("cn.heilongjiang.annual")  # 50 and 100 h a year: all have 120
    as_of = at(date(2025, 6, 1))
    calls = _batch_calls(store, rule_set, as_of, **wrong)
    for name in ("evaluate_all", "earned_all", "award_all"):
        with pytest.raises(InvalidInputError) as info:
            calls[name]()
        assert (info.value.code, info.value.path) == ("awards.input.invalid", path), name
    assert store.awards.count_held() == 0
    store.close()


@pytest.mark.parametrize(
    ("subjects", "path"),
    [("v1", "$.subjects"), (None, "$.subjects"), ([AwardSubject(id="v1"), "v2"], "$.subjects[1]")],
)
def test_subject_batches_refuse_subjects_that_are_not_award_subjects(subjects, path):
    """subjects="v1" or [subject, "v2"] is awards.input.invalid at its path, not AttributeError."""
    store = MemoryStore()
    write(store, daily(date(2025, 1, 1), 12, 600))
    rule_set = load_rule_set("cn.cyl.stars")
    as_of = at(date(2025, 6, 1))
    calls = _batch_calls(store, rule_set, as_of, subject_list=subjects)
    for name in ("evaluate_subjects", "award_subjects"):
        with pytest.raises(InvalidInputError) as info:
            calls[name]()
        assert (info.value.code, info.value.path) == ("awards.input.invalid", path), name
    assert store.awards.count_held() == 0


def test_evaluate_one_and_reconcile_refuse_arguments_of_the_wrong_type():
    """A rule set, subject, evaluation or held grant of the wrong type is refused at its path."""
    store = MemoryStore()
    rule_set = load_rule_set("cn.cyl.stars")
    as_of = at(date(2025, 6, 1))
    evaluation = evaluate(rule_set, AwardSubject(id="v1"), [], as_of)
    clock = FixedClock(T0)
    wrong = {
        "$.subject": lambda: evaluate_one(rule_set, store, "v1", as_of=as_of),
        "$.rule_set": lambda: evaluate_one(None, store, AwardSubject(id="v1"), as_of=as_of),
        "$.evaluation": lambda: reconcile(None, [], clock=clock, actor="batch"),
        "$.held[0]": lambda: reconcile(evaluation, ["star-1"], clock=clock, actor="batch"),
    }
    for path, call in wrong.items():
        with pytest.raises(InvalidInputError) as info:
            call()
        assert (info.value.code, info.value.path) == ("awards.input.invalid", path)
