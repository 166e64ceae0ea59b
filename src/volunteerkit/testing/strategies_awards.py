"""Hypothesis strategies for the awards models, public so embedders can test their own code.

Needs the ``hypothesis`` package (a test dependency, not a runtime one).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from volunteerkit.awards.engine import AwardSubject, CreditLine
from volunteerkit.awards.rules import (
    AgeBand,
    AgeOn,
    CalendarYearWindow,
    ChosenPeriodWindow,
    Citation,
    Counting,
    CreditKind,
    DateRangeWindow,
    GroupRule,
    Level,
    LifetimeWindow,
    Repeat,
    RollingWindow,
    RuleSet,
    SinceWindow,
    SourceStatus,
    Standing,
    WindowSpec,
)
from volunteerkit.awards.store import Grant, Recommendation, Revocation
from volunteerkit.hours.models import EntryId, Source

__all__ = [
    "award_subjects",
    "counting_specs",
    "credit_lines_for",
    "grants",
    "levels",
    "recommendations",
    "revocations",
    "rule_sets",
    "windows",
]

_IDS = st.from_regex(r"[a-z][a-z0-9]{0,6}", fullmatch=True)
_TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=20
).filter(lambda s: s.strip() != "")
_DAYS = st.dates(min_value=date(2015, 1, 1), max_value=date(2030, 12, 31))
_CATEGORIES = st.sampled_from(["care", "teaching", "paid", "court_ordered", "sports"])
_ORGS = st.sampled_from(["o1", "o2", "o3"])


def windows() -> st.SearchStrategy[WindowSpec]:
    """Any window of the rule language."""
    date_range = st.tuples(_DAYS, _DAYS).map(lambda p: DateRangeWindow(first=min(p), last=max(p)))
    return st.one_of(
        st.just(LifetimeWindow()),
        st.builds(
            SinceWindow,
            start=st.sampled_from(["registration", "program_start"]),
            months=st.none() | st.integers(1, 60),
        ),
        st.just(CalendarYearWindow()),
        st.builds(RollingWindow, months=st.integers(1, 36)),
        st.builds(ChosenPeriodWindow, max_months=st.integers(1, 24)),
        date_range,
    )


@st.composite
def counting_specs(draw: st.DrawFn, *, sources: bool = True) -> Counting:
    """Counting filters; the include and exclude lists of one kind never share a value.

    Args:
        draw: Hypothesis's draw function.
        sources: Whether source filters may appear.

    Returns:
        A counting.
    """
    cats = draw(st.lists(_CATEGORIES, unique=True, max_size=3))
    split = draw(st.integers(0, len(cats)))
    orgs = draw(st.lists(_ORGS, unique=True, max_size=2))
    osplit = draw(st.integers(0, len(orgs)))
    srcs: list[Source] = (
        draw(st.lists(st.sampled_from(list(Source)), unique=True, max_size=2)) if sources else []
    )
    ssplit = draw(st.integers(0, len(srcs)))
    return Counting(
        credit=draw(st.sampled_from(list(CreditKind))),
        include_categories=tuple(cats[:split]),
        exclude_categories=tuple(cats[split:]),
        include_organizations=tuple(orgs[:osplit]),
        exclude_organizations=tuple(orgs[osplit:]),
        include_sources=tuple(srcs[:ssplit]),
        exclude_sources=tuple(srcs[ssplit:]),
    )


@st.composite
def levels(
    draw: st.DrawFn,
    level_id: str,
    earlier: list[str],
    window: WindowSpec,
    *,
    sources: bool = True,
    filters: bool = True,
    conditions: bool = True,
) -> Level:
    """One level that is valid after the levels ``earlier`` under a rule set window ``window``.

    Args:
        draw: Hypothesis's draw function.
        level_id: Its id.
        earlier: Ids of the levels declared before it (candidates for prerequisites).
        window: The rule set's window (a level may override it).
        sources: Whether its counting may filter sources.
        filters: Whether it may have counting filters at all.
        conditions: Whether it may have conditions beyond the threshold (group, days, months,
            span) and a rolling window.

    Returns:
        A level.
    """
    own_window = draw(
        st.none() | windows().filter(lambda w: conditions or not isinstance(w, RollingWindow))
    )
    effective = own_window if own_window is not None else window
    repeats = [Repeat.ONCE, Repeat.RENEWABLE]
    if not isinstance(effective, RollingWindow):
        repeats.append(Repeat.PER_PERIOD)
    group = (
        draw(st.none() | st.builds(GroupRule, member_hours=st.integers(1, 50)))
        if conditions
        else None
    )
    age = None
    if group is None:
        low = draw(st.none() | st.integers(0, 30))
        high = draw(st.none() | st.integers(low or 0, 80))
        ons = [AgeOn.EVALUATION_DATE, AgeOn.PERIOD_END]
        if not isinstance(effective, LifetimeWindow):
            ons.append(AgeOn.PERIOD_START)
        age = draw(
            st.none()
            | st.builds(
                AgeBand, min_age=st.just(low), max_age=st.just(high), on=st.sampled_from(ons)
            )
        )
    threshold: dict[str, Any] = draw(
        st.one_of(
            st.builds(lambda h: {"hours": h}, st.integers(1, 200)),
            st.builds(lambda m: {"minutes": m}, st.integers(1, 12000)),
        )
    )
    return Level(
        id=level_id,
        name_zh=draw(_TEXT),
        name_en=draw(_TEXT),
        window=own_window,
        counting=draw(st.none() | counting_specs(sources=sources)) if filters else None,
        age=age,
        group=group,
        requires=tuple(draw(st.lists(st.sampled_from(earlier), unique=True, max_size=2)))
        if earlier
        else (),
        repeat=draw(st.sampled_from(repeats)),
        recommendation=draw(st.booleans()),
        min_days=draw(st.none() | st.integers(1, 10)) if conditions else None,
        min_months=draw(st.none() | st.integers(1, 6)) if conditions else None,
        min_span_months=draw(st.none() | st.integers(1, 6)) if conditions else None,
        min_span_days=draw(st.none() | st.integers(1, 40)) if conditions else None,
        authority=draw(st.sampled_from(["", "county", "city"])),
        **threshold,
    )


@st.composite
def rule_sets(
    draw: st.DrawFn,
    max_levels: int = 5,
    *,
    sources: bool = True,
    filters: bool = True,
    conditions: bool = True,
) -> RuleSet:
    """A valid rule set.

    Args:
        draw: Hypothesis's draw function.
        max_levels: At most this many levels.
        sources: Whether counting may filter sources (stores' credit rows carry none).
        filters: Whether counting may filter at all (``False``: every hour counts, in one of
            the three credit kinds).
        conditions: Whether levels may have conditions beyond the threshold and rolling windows.

    Returns:
        A rule set.
    """
    window = draw(windows().filter(lambda w: conditions or not isinstance(w, RollingWindow)))
    ids = draw(st.lists(_IDS, min_size=1, max_size=max_levels, unique=True))
    made: list[Level] = []
    for i, level_id in enumerate(ids):
        made.append(
            draw(
                levels(
                    level_id,
                    ids[:i],
                    window,
                    sources=sources,
                    filters=filters,
                    conditions=conditions,
                )
            )
        )
    first = draw(st.none() | _DAYS)
    last = draw(st.none() | _DAYS)
    if first is not None and last is not None and last < first:
        first, last = last, first
    return RuleSet(
        id=draw(st.from_regex(r"[a-z]{2}\.[a-z]{2,8}", fullmatch=True)),
        version=draw(st.sampled_from(["1", "2020", "current"])),
        name_zh=draw(_TEXT),
        name_en=draw(_TEXT),
        sources=(
            Citation(
                title=draw(_TEXT),
                status=draw(st.sampled_from(list(SourceStatus))),
                url=draw(st.none() | st.just("https://example.org/rules")),
            ),
        ),
        levels=tuple(made),
        effective_from=first,
        effective_to=last,
        counting=draw(counting_specs(sources=sources))
        if filters
        else Counting(credit=draw(st.sampled_from(list(CreditKind)))),
        window=window,
        standing=draw(st.none() | st.builds(Standing, hours=st.integers(1, 40))),
    )


def award_subjects(volunteer_ids: list[str] | None = None) -> st.SearchStrategy[AwardSubject]:
    """Subjects: a volunteer (birth date, registration, named dates) or a group of volunteers.

    Args:
        volunteer_ids: Ids to draw the subject (or the group's members) from.

    Returns:
        The strategy.
    """
    ids = volunteer_ids or ["v1", "v2", "v3"]
    individual = st.builds(
        AwardSubject,
        id=st.sampled_from(ids),
        birth_date=st.none() | st.dates(min_value=date(1950, 1, 1), max_value=date(2022, 12, 31)),
        registered_on=st.none() | _DAYS,
        dates=st.dictionaries(st.sampled_from(["program_start", "term_start"]), _DAYS, max_size=2),
    )
    group = st.builds(
        AwardSubject,
        id=st.just("g1"),
        members=st.lists(st.sampled_from(ids), min_size=1, unique=True).map(tuple),
    )
    return individual | group


@st.composite
def credit_lines_for(
    draw: st.DrawFn,
    volunteer_ids: list[str],
    *,
    first: date = date(2023, 1, 1),
    days: int = 900,
    max_lines: int = 60,
    sources: bool = True,
) -> list[CreditLine]:
    """Credit lines of the given volunteers, at most one per entry and day.

    Args:
        draw: Hypothesis's draw function.
        volunteer_ids: Whose lines.
        first: The first possible date.
        days: How many dates after ``first`` lines may fall on.
        max_lines: At most this many lines.
        sources: Whether lines carry a source.

    Returns:
        The lines.
    """
    count = draw(st.integers(0, max_lines))
    lines = []
    for i in range(count):
        credited = draw(st.integers(0, 600))
        lines.append(
            CreditLine(
                volunteer_id=draw(st.sampled_from(volunteer_ids)),
                entry_id=EntryId(origin="t", local_id=f"e{i:04d}"),
                day=first + timedelta(days=draw(st.integers(0, days))),
                organization_id=draw(_ORGS),
                category=draw(_CATEGORIES),
                raw_minutes=credited + draw(st.integers(0, 60)),
                credited_minutes=credited,
                weighted_minutes=Decimal(credited)
                * draw(st.sampled_from([Decimal("1"), Decimal("1.5"), Decimal("0.25")])),
                source=draw(st.sampled_from(list(Source))) if sources else None,
            )
        )
    return lines


_AT = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC)
)


def grants() -> st.SearchStrategy[Grant]:
    """Grants of a few subjects and levels."""
    return st.builds(
        Grant,
        id=st.uuids(version=4).map(str),
        rule_set_id=st.sampled_from(["cn.cyl.stars", "us.pvsa"]),
        rule_set_version=st.just("1"),
        subject_id=st.sampled_from(["v1", "v2", "g1"]),
        level_id=st.sampled_from(["star-1", "star-2", "gold"]),
        key=st.sampled_from(["once", "2025", "#1", "#2"]),
        earned_on=_DAYS,
        crossing_entry=st.builds(
            EntryId, origin=st.just("bj"), local_id=st.from_regex(r"e[0-9]{1,4}", fullmatch=True)
        ),
        consumed_from=st.integers(0, 10_000),
        consumed_to=st.integers(0, 100_000),
        at=_AT,
        actor=st.sampled_from(["batch", "staff"]),
        period_first=st.none() | _DAYS,
        period_last=st.none() | _DAYS,
    )


def revocations() -> st.SearchStrategy[Revocation]:
    """Revocations of a few subjects and levels."""
    return st.builds(
        Revocation,
        id=st.uuids(version=4).map(str),
        rule_set_id=st.sampled_from(["cn.cyl.stars", "us.pvsa"]),
        subject_id=st.sampled_from(["v1", "v2", "g1"]),
        level_id=st.sampled_from(["star-1", "star-2", "gold"]),
        key=st.sampled_from(["once", "2025", "#1", "#2"]),
        at=_AT,
        actor=st.sampled_from(["batch", "staff"]),
        reason_code=st.just("awards.no_longer_supported"),
        reason=_TEXT,
        reason_zh=_TEXT,
    )


def recommendations() -> st.SearchStrategy[Recommendation]:
    """Recommendations of a few subjects and levels."""
    return st.builds(
        Recommendation,
        rule_set_id=st.sampled_from(["cn.beijing.stars", "us.pvsa"]),
        subject_id=st.sampled_from(["v1", "v2", "g1"]),
        level_id=st.sampled_from(["star-5", "gold"]),
        by=st.sampled_from(["org-1", "org-2"]),
        at=_AT,
        note=st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x00"), max_size=10),
    )
