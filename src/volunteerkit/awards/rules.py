"""The award rule language: rule sets of ordered levels, written in TOML or JSON, loaded as data.

A :class:`RuleSet` says who is recognised for how many hours: an id, names in Chinese and English, a
version, the dates it is in effect, the sources it comes from, which hours count
(:class:`Counting`), the window they must fall in (:data:`WindowSpec`), an optional annual minimum
(:class:`Standing`) and its :class:`Level` s in order from the lowest. Every model is a frozen attrs
class that round-trips through the library's one converter; a rule file is exactly
``unstructure(rule_set)`` written as TOML or JSON (defaults left out).

Rules are data: nothing in a rule file is ever executed, imported or evaluated as an expression.

Loading (:func:`parse_rules`, :func:`loads_rules`, :func:`load_rules`) reports *every* problem of a
file at once, each with its path (``$.levels[2].window.months``), a stable code and messages in
English and Chinese, as a :class:`RuleSetInvalid`. It checks the file against the published JSON
Schema (:mod:`volunteerkit.awards.schema`) and then the relations a schema cannot express (codes in
:data:`~volunteerkit.awards.schema.LOADER_ONLY_CODES`). A :class:`RuleSet` built in Python is
checked the same way when it is constructed, so an invalid rule set never exists.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime
from enum import Enum, StrEnum
from os import PathLike
from pathlib import Path
from typing import Any, TypeAlias, TypeVar, cast

import attrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn

from volunteerkit._serialization import converter, structure, unstructure
from volunteerkit.awards._messages import message
from volunteerkit.awards._validate import check, too_deep
from volunteerkit.awards.schema import RULES_SCHEMA
from volunteerkit.errors import InvalidInputError, SerializationError, VolunteerkitError
from volunteerkit.hours._hooks import register_str_enum
from volunteerkit.hours.models import Source

__all__ = [
    "AgeBand",
    "AgeOn",
    "CalendarYearWindow",
    "ChosenPeriodWindow",
    "Citation",
    "Counting",
    "CreditKind",
    "DateRangeWindow",
    "GroupRule",
    "Level",
    "LifetimeWindow",
    "Repeat",
    "RollingWindow",
    "RuleProblem",
    "RuleSet",
    "RuleSetInvalid",
    "SinceWindow",
    "SourceStatus",
    "Standing",
    "WindowSpec",
    "check_rules",
    "load_rules",
    "loads_rules",
    "parse_rules",
    "rules_to_json",
]


def _listed(name: str, value: Any) -> tuple[Any, ...]:
    """``value`` as a tuple, or :class:`RuleSetInvalid` (``awards.rules.type`` at ``$.<name>``).

    Text is not a list here (``"paid"`` is not the categories ``p``, ``a``, ``i``, ``d``), nor is
    ``None``: neither could be written out for the rule set's check to report, as a rule file's
    values are.
    """
    if isinstance(value, Iterable) and not isinstance(value, str | bytes | Mapping):
        return tuple(value)
    en, zh = message("awards.rules.type", expected="a list", expected_zh="列表")
    raise RuleSetInvalid(
        [RuleProblem(path=f"$.{name}", code="awards.rules.type", message=en, message_zh=zh)]
    )


def _include_categories(value: Iterable[str]) -> tuple[str, ...]:
    return _listed("include_categories", value)


def _exclude_categories(value: Iterable[str]) -> tuple[str, ...]:
    return _listed("exclude_categories", value)


def _include_organizations(value: Iterable[str]) -> tuple[str, ...]:
    return _listed("include_organizations", value)


def _exclude_organizations(value: Iterable[str]) -> tuple[str, ...]:
    return _listed("exclude_organizations", value)


def _requires(value: Iterable[str]) -> tuple[str, ...]:
    return _listed("requires", value)


def _include_sources(value: Iterable[Source | str]) -> tuple[Source, ...]:
    return tuple(_member(Source, v) for v in _listed("include_sources", value))


def _exclude_sources(value: Iterable[Source | str]) -> tuple[Source, ...]:
    return tuple(_member(Source, v) for v in _listed("exclude_sources", value))


def _citations(value: Iterable[Citation]) -> tuple[Citation, ...]:
    return _listed("sources", value)


def _levels(value: Iterable[Level]) -> tuple[Level, ...]:
    return _listed("levels", value)


class CreditKind(StrEnum):
    """Which minutes of an entry are added up."""

    CREDITED = "credited"
    """Minutes credited under the accrual policy (caps, overlaps and rounding applied)."""
    RAW = "raw"
    """Minutes served (duration minus break)."""
    WEIGHTED = "weighted"
    """Weighted credit (category and time-window multipliers applied)."""


class Repeat(StrEnum):
    """How often a level can be granted."""

    ONCE = "once"
    """Once: the first time it is met."""
    PER_PERIOD = "per_period"
    """Once in each period of the window (each calendar year, each chosen period)."""
    RENEWABLE = "renewable"
    """Again each time fresh hours reach the threshold; no hour counts towards two grants."""


class AgeOn(StrEnum):
    """The date an age band is decided on."""

    EVALUATION_DATE = "evaluation_date"
    PERIOD_START = "period_start"
    PERIOD_END = "period_end"


class SourceStatus(StrEnum):
    """How sure the rule set's author is of a source."""

    PRIMARY = "primary"
    """The issuing body's own text."""
    SECONDARY = "secondary"
    """A copy, summary or report by someone else."""
    UNCONFIRMED = "unconfirmed"
    """The source could not be checked."""


_E = TypeVar("_E", bound=StrEnum)


def _member(cls: type[_E], value: _E | str) -> _E:
    """Return the member a text value names (``"raw"`` is ``CreditKind.RAW``); others unchanged.

    The engine compares members by identity, so text must become the member; text that names no
    member is kept for the rule set's check to report.
    """
    if isinstance(value, str) and not isinstance(value, cls):
        try:
            return cls(value)
        except ValueError:
            pass
    return cast(_E, value)


def _source_status(value: SourceStatus | str) -> SourceStatus:
    return _member(SourceStatus, value)


def _credit_kind(value: CreditKind | str) -> CreditKind:
    return _member(CreditKind, value)


def _age_on(value: AgeOn | str) -> AgeOn:
    return _member(AgeOn, value)


def _repeat(value: Repeat | str) -> Repeat:
    return _member(Repeat, value)


@attrs.frozen(kw_only=True)
class Citation:
    """Where a rule set comes from.

    Args:
        title: The document, page or notice.
        status: Primary, secondary or unconfirmed.
        url: Its address, if it has one.
        note: What it says, or what could not be confirmed.
    """

    title: str
    status: SourceStatus = attrs.field(converter=_source_status)
    url: str | None = None
    note: str = ""


@attrs.frozen(kw_only=True)
class Counting:
    """Which hours count, and which credit is added up.

    An entry counts when its category, source and organization pass every filter: an ``include``
    list that is not empty must contain the value, an ``exclude`` list must not. Paid, court-ordered
    or stipended service is recorded under a category of its own (by convention ``paid``,
    ``court_ordered``, ``stipended``) and excluded by category.

    Args:
        credit: Credited (default), raw or weighted minutes.
        include_categories: Only these categories count (empty: all).
        exclude_categories: These categories never count.
        include_sources: Only hours captured these ways count (empty: all).
        exclude_sources: Hours captured these ways never count.
        include_organizations: Only hours certified by these organizations count (empty: all).
        exclude_organizations: Hours certified by these organizations never count.

    Raises:
        RuleSetInvalid: ``awards.rules.type`` at the list's path (``$.include_categories`` …) if
            a list is given as text or ``None`` (``"paid"`` is not the categories ``p``, ``a``,
            ``i``, ``d``). Other values are checked when the rule set is built.
    """

    credit: CreditKind = attrs.field(default=CreditKind.CREDITED, converter=_credit_kind)
    include_categories: tuple[str, ...] = attrs.field(default=(), converter=_include_categories)
    exclude_categories: tuple[str, ...] = attrs.field(default=(), converter=_exclude_categories)
    include_sources: tuple[Source, ...] = attrs.field(default=(), converter=_include_sources)
    exclude_sources: tuple[Source, ...] = attrs.field(default=(), converter=_exclude_sources)
    include_organizations: tuple[str, ...] = attrs.field(
        default=(), converter=_include_organizations
    )
    exclude_organizations: tuple[str, ...] = attrs.field(
        default=(), converter=_exclude_organizations
    )

    @property
    def uses_sources(self) -> bool:
        """True when the filters look at how hours were captured."""
        return bool(self.include_sources or self.exclude_sources)

    def admits(self, category: str, organization_id: str, source: Source | None) -> bool:
        """Return whether hours with these attributes count.

        Args:
            category: The entry's category.
            organization_id: The entry's organization.
            source: How it was captured (``None`` only when the filters ignore sources).

        Returns:
            True if every filter lets them through.
        """
        if self.include_categories and category not in self.include_categories:
            return False
        if category in self.exclude_categories:
            return False
        if self.include_organizations and organization_id not in self.include_organizations:
            return False
        if organization_id in self.exclude_organizations:
            return False
        if self.include_sources and source not in self.include_sources:
            return False
        return source not in self.exclude_sources


@attrs.frozen(kw_only=True)
class LifetimeWindow:
    """Every date of service up to the evaluation date."""


@attrs.frozen(kw_only=True)
class SinceWindow:
    """From a date of the subject on: its registration, or a named date it carries.

    Args:
        start: ``registration`` (the subject's ``registered_on``) or the name of one of the
            subject's ``dates`` (such as ``program_start`` or ``term_start``).
        months: If given, the window ends the day before ``start + months``.
    """

    start: str
    months: int | None = None


@attrs.frozen(kw_only=True)
class CalendarYearWindow:
    """Each calendar year (1 January to 31 December, local dates) is a period."""


@attrs.frozen(kw_only=True)
class RollingWindow:
    """The ``months`` months ending on a date (see :class:`volunteerkit.hours.RollingMonths`).

    Args:
        months: The length in months.
    """

    months: int


@attrs.frozen(kw_only=True)
class ChosenPeriodWindow:
    """A period of at most ``max_months`` months chosen by the certifying organization.

    The periods are given to :func:`~volunteerkit.awards.evaluate`. A period ``[first, last]`` fits
    when ``first`` is on or after the first day of the ``max_months`` months ending on ``last``
    (so 29 February 2024 to 28 February 2025 is 12 months). Without a period, the window is the
    single period of the ``max_months`` months ending on the evaluation date.

    Args:
        max_months: The longest period allowed.
    """

    max_months: int


@attrs.frozen(kw_only=True)
class DateRangeWindow:
    """A fixed range of local dates, both ends inclusive.

    Args:
        first: The first date.
        last: The last date.
    """

    first: date
    last: date


WindowSpec: TypeAlias = (
    LifetimeWindow
    | SinceWindow
    | CalendarYearWindow
    | RollingWindow
    | ChosenPeriodWindow
    | DateRangeWindow
)
"""Any window of a rule."""

WINDOW_KINDS: Mapping[str, type[Any]] = {
    "lifetime": LifetimeWindow,
    "since": SinceWindow,
    "calendar_year": CalendarYearWindow,
    "rolling_months": RollingWindow,
    "chosen_period": ChosenPeriodWindow,
    "date_range": DateRangeWindow,
}
"""The ``kind`` tag of each window class."""


@attrs.frozen(kw_only=True)
class AgeBand:
    """An age band in completed years, inclusive at both ends.

    A person is a year older on each birthday; someone born on 29 February is a year older on
    1 March in common years.

    Args:
        min_age: Youngest age admitted, or ``None``.
        max_age: Oldest age admitted, or ``None``.
        on: The date the age is taken on.
    """

    min_age: int | None = None
    max_age: int | None = None
    on: AgeOn = attrs.field(default=AgeOn.PERIOD_END, converter=_age_on)

    def admits(self, age: int) -> bool:
        """Return whether ``age`` is in the band.

        Args:
            age: Completed years.

        Returns:
            True if ``min_age <= age <= max_age`` (missing bounds are open).
        """
        return (self.min_age is None or age >= self.min_age) and (
            self.max_age is None or age <= self.max_age
        )

    def describe(self) -> str:
        """Return the band as text, such as ``ages 5 to 10`` or ``ages 26 and over``."""
        if self.min_age is not None and self.max_age is not None:
            return f"ages {self.min_age} to {self.max_age}"
        if self.min_age is not None:
            return f"ages {self.min_age} and over"
        if self.max_age is not None:
            return f"ages up to {self.max_age}"
        return "all ages"

    def describe_zh(self) -> str:
        """Return the band in Chinese, such as ``5 至 10 岁`` or ``26 岁及以上``."""
        if self.min_age is not None and self.max_age is not None:
            return f"{self.min_age} 至 {self.max_age} 岁"
        if self.min_age is not None:
            return f"{self.min_age} 岁及以上"
        if self.max_age is not None:
            return f"{self.max_age} 岁及以下"
        return "所有年龄"


@attrs.frozen(kw_only=True)
class GroupRule:
    """A level for families and groups: every member must reach a minimum.

    Args:
        member_hours: Each member's minimum in whole hours.
        member_minutes: Or in minutes (give exactly one).
    """

    member_hours: int | None = None
    member_minutes: int | None = None

    @property
    def member_minimum(self) -> int:
        """Each member's minimum in minutes."""
        if self.member_minutes is not None:
            return self.member_minutes
        return (self.member_hours or 0) * 60


@attrs.frozen(kw_only=True)
class Standing:
    """An annual minimum to stay in good standing, checked for each complete calendar year.

    Args:
        hours: Minimum per calendar year in whole hours.
        minutes: Or in minutes (give exactly one).
        note: Where it comes from.
    """

    hours: int | None = None
    minutes: int | None = None
    note: str = ""

    @property
    def minimum(self) -> int:
        """The minimum in minutes."""
        return self.minutes if self.minutes is not None else (self.hours or 0) * 60


@attrs.frozen(kw_only=True)
class Level:
    """One level of recognition.

    Args:
        id: Lower-case id, unique in the rule set (``star-1``, ``gold``).
        name_zh: Name in Chinese.
        name_en: Name in English.
        hours: Threshold in whole hours.
        minutes: Or in minutes (give exactly one).
        window: The level's own window (default: the rule set's).
        counting: The level's own counting (default: the rule set's); it replaces it entirely.
        age: Age band the subject must be in.
        group: Makes this a level for families and groups.
        requires: Levels that must be granted first (declared earlier).
        repeat: Once, once per period, or renewable.
        recommendation: Needs a human recommendation before it is granted.
        min_days: At least this many distinct local dates of service in the window.
        min_months: At least this many distinct calendar months of service in the window.
        min_span_months: First and last service in the window at least this many months apart.
        min_span_days: … and at least this many days apart.
        authority: Who approves it (for information, e.g. ``county``).
        note: Free text.

    Raises:
        RuleSetInvalid: ``awards.rules.type`` at ``$.requires`` if it is text or ``None``
            rather than a list. Other values are checked when the rule set is built.
    """

    id: str
    name_zh: str
    name_en: str
    hours: int | None = None
    minutes: int | None = None
    window: WindowSpec | None = None
    counting: Counting | None = None
    age: AgeBand | None = None
    group: GroupRule | None = None
    requires: tuple[str, ...] = attrs.field(default=(), converter=_requires)
    repeat: Repeat = attrs.field(default=Repeat.ONCE, converter=_repeat)
    recommendation: bool = False
    min_days: int | None = None
    min_months: int | None = None
    min_span_months: int | None = None
    min_span_days: int | None = None
    authority: str = ""
    note: str = ""

    @property
    def threshold(self) -> int:
        """The threshold in minutes."""
        return self.minutes if self.minutes is not None else (self.hours or 0) * 60

    @property
    def hours_only(self) -> bool:
        """True when the threshold is the only quantitative condition (no group, span, frequency)."""
        return (
            self.group is None
            and self.min_days is None
            and self.min_months is None
            and self.min_span_months is None
            and self.min_span_days is None
        )


@attrs.frozen(kw_only=True)
class RuleSet:
    """A rule set: ordered levels with thresholds over windows, and where the rules come from.

    Args:
        id: Lower-case id (``cn.cyl.stars``).
        version: Version of this rule set (``2013``).
        name_zh: Name in Chinese.
        name_en: Name in English.
        sources: Where the rules come from (at least one).
        levels: The levels, from the lowest.
        format: Version of the rule language (1).
        effective_from: First date on which awards can be earned under these rules.
        effective_to: Last date on which awards can be earned under these rules.
        note: Notes in English (status, interpretation).
        note_zh: Notes in Chinese.
        counting: Which hours count (levels may override it).
        window: The window hours must fall in (levels may override it); lifetime by default.
        standing: An annual minimum to stay in good standing.

    Raises:
        RuleSetInvalid: With every problem found, if the rule set is not valid (``$.sources`` or
            ``$.levels`` alone if one is text or ``None`` rather than a list).
    """

    id: str
    version: str
    name_zh: str
    name_en: str
    sources: tuple[Citation, ...] = attrs.field(converter=_citations)
    levels: tuple[Level, ...] = attrs.field(converter=_levels)
    format: int = 1
    effective_from: date | None = None
    effective_to: date | None = None
    note: str = ""
    note_zh: str = ""
    counting: Counting = attrs.field(factory=Counting)
    window: WindowSpec = attrs.field(factory=LifetimeWindow)
    standing: Standing | None = None

    def __attrs_post_init__(self) -> None:
        """Check the rule set exactly as a rule file is checked."""
        try:
            data = unstructure(self)
        except Exception:  # a field of the wrong type cannot even be written out
            raise RuleSetInvalid(
                [_problem("$", "awards.rules.type", expected="volunteerkit award models")]
            ) from None
        problems = check_rules(data)
        if problems:
            raise RuleSetInvalid(problems)

    def level(self, level_id: str) -> Level:
        """Return one level by id.

        Args:
            level_id: The level's id.

        Returns:
            The level.

        Raises:
            InvalidInputError: ``awards.input.invalid`` if there is no such level.
        """
        for lv in self.levels:
            if lv.id == level_id:
                return lv
        en, zh = message("awards.input.invalid", detail=f"no level {level_id!r}")
        raise InvalidInputError(en, zh, code="awards.input.invalid", path="$.level_id")

    def window_of(self, level: Level) -> WindowSpec:
        """Return the window that applies to ``level`` (its own or the rule set's)."""
        return level.window if level.window is not None else self.window

    def counting_of(self, level: Level) -> Counting:
        """Return the counting that applies to ``level`` (its own or the rule set's)."""
        return level.counting if level.counting is not None else self.counting

    @property
    def key(self) -> str:
        """``id@version``."""
        return f"{self.id}@{self.version}"


# --------------------------------------------------------------------------------------------
# problems


@attrs.frozen(kw_only=True)
class RuleProblem:
    """One problem of a rule file.

    Args:
        path: Where, such as ``$.levels[2].hours``.
        code: Stable code, such as ``awards.rules.missing``.
        message: English message.
        message_zh: Chinese message.
    """

    path: str
    code: str
    message: str
    message_zh: str

    def to_dict(self) -> dict[str, str]:
        """Return the problem as a JSON-ready dict."""
        return {
            "path": self.path,
            "code": self.code,
            "message": self.message,
            "message_zh": self.message_zh,
        }


class RuleSetInvalid(InvalidInputError):
    """A rule file or rule set with problems; :attr:`problems` lists every one.

    Args:
        problems: The problems, in document order (at least one).

    Attributes:
        problems: Each problem with its path, code and messages.
    """

    default_code = "awards.rules.invalid"

    def __init__(self, problems: Iterable[RuleProblem]) -> None:
        self.problems: tuple[RuleProblem, ...] = tuple(problems)
        en, zh = message("awards.rules.invalid", count=len(self.problems))
        first = self.problems[0].path if self.problems else "$"
        detail = "; ".join(f"{p.path}: [{p.code}] {p.message}" for p in self.problems[:5])
        super().__init__(
            f"{en}: {detail}" if detail else en,
            zh,
            code="awards.rules.invalid",
            path=first,
        )

    def __reduce__(self) -> tuple[object, ...]:
        """Pickle support."""
        return (RuleSetInvalid, (self.problems,))


def _problem(path: str, code: str, **fields: Any) -> RuleProblem:
    en, zh = message(code, **fields)
    return RuleProblem(path=path, code=code, message=en, message_zh=zh)


# --------------------------------------------------------------------------------------------
# checks that relate several fields (the loader's own)


def _as_date(value: Any) -> date | None:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _window_problems(window: Mapping[str, Any], path: str) -> list[RuleProblem]:
    if window.get("kind") == "date_range":
        first, last = _as_date(window.get("first")), _as_date(window.get("last"))
        if first is not None and last is not None and last < first:
            return [_problem(f"{path}.last", "awards.rules.date_range")]
    return []


def _counting_problems(counting: Mapping[str, Any], path: str) -> list[RuleProblem]:
    found: list[RuleProblem] = []
    for what in ("categories", "sources", "organizations"):
        inc = counting.get(f"include_{what}")
        exc = counting.get(f"exclude_{what}")
        if not isinstance(inc, list | tuple) or not isinstance(exc, list | tuple):
            continue
        for i, value in enumerate(exc):
            if isinstance(value, str) and value in inc:
                found.append(
                    _problem(
                        f"{path}.exclude_{what}[{i}]", "awards.rules.filter_conflict", value=value
                    )
                )
    return found


def _semantic_problems(data: Any) -> list[RuleProblem]:
    """Check what the schema cannot say; tolerant of malformed data (those parts are skipped)."""
    root = _mapping(data)
    found: list[RuleProblem] = []
    first, last = _as_date(root.get("effective_from")), _as_date(root.get("effective_to"))
    if first is not None and last is not None and last < first:
        found.append(_problem("$.effective_to", "awards.rules.effective_dates"))
    default_window = _mapping(root.get("window")) or {"kind": "lifetime"}
    found += _window_problems(default_window, "$.window")
    found += _counting_problems(_mapping(root.get("counting")), "$.counting")
    levels = root.get("levels")
    if not isinstance(levels, list | tuple):
        return found
    declared: dict[str, int] = {}
    all_ids = {
        lv["id"] for lv in levels if isinstance(lv, Mapping) and isinstance(lv.get("id"), str)
    }
    for i, raw in enumerate(levels):
        level = _mapping(raw)
        path = f"$.levels[{i}]"
        level_id = level.get("id")
        if isinstance(level_id, str):
            if level_id in declared:
                found.append(_problem(f"{path}.id", "awards.rules.duplicate_level", level=level_id))
            else:
                declared[level_id] = i
        requires = level.get("requires")
        if isinstance(requires, list | tuple):
            for j, req in enumerate(requires):
                if not isinstance(req, str):
                    continue
                where = f"{path}.requires[{j}]"
                if req not in all_ids:
                    found.append(_problem(where, "awards.rules.unknown_prerequisite", level=req))
                elif req not in declared or req == level_id:
                    found.append(_problem(where, "awards.rules.prerequisite_order", level=req))
        window = _mapping(level.get("window")) or default_window
        if "window" in level:
            found += _window_problems(window, f"{path}.window")
        found += _counting_problems(_mapping(level.get("counting")), f"{path}.counting")
        if level.get("repeat") == "per_period" and window.get("kind") == "rolling_months":
            found.append(_problem(f"{path}.repeat", "awards.rules.repeat_window"))
        age = _mapping(level.get("age"))
        low, high = age.get("min_age"), age.get("max_age")
        if isinstance(low, int) and isinstance(high, int) and low > high:
            found.append(_problem(f"{path}.age.max_age", "awards.rules.age_range"))
        if age and age.get("on") == "period_start" and window.get("kind") == "lifetime":
            found.append(_problem(f"{path}.age.on", "awards.rules.age_on_lifetime"))
    return found


def check_rules(data: Any) -> list[RuleProblem]:
    """Return every problem of parsed rule-file data (empty if it is a valid rule set).

    Args:
        data: The parsed TOML or JSON (TOML dates may be ``date`` objects).

    Returns:
        The problems: first those against the JSON Schema, then the loader's own checks. Data
        with lists or tables nested more than 32 deep gets only an ``awards.rules.type`` problem
        at each too deep value.
    """
    found = [
        RuleProblem(path=p, code=c, message=en, message_zh=zh)
        for p, c, en, zh in check(data, RULES_SCHEMA)
    ]
    if too_deep(data):  # check() reported the depth alone; the checks below would recurse
        return found
    return found + _semantic_problems(data)


# --------------------------------------------------------------------------------------------
# loading


def parse_rules(data: Any) -> RuleSet:
    """Build a rule set from parsed TOML or JSON data.

    Args:
        data: The parsed file: a mapping as :func:`tomllib.load` or :func:`json.load` returns.

    Returns:
        The rule set.

    Raises:
        RuleSetInvalid: With every problem found (paths, codes, English and Chinese messages).
    """
    problems = check_rules(data)
    if problems:
        raise RuleSetInvalid(problems)
    try:
        return structure(data, RuleSet)
    except RuleSetInvalid:
        raise
    except VolunteerkitError as err:  # the schema should have caught it; report it all the same
        raise RuleSetInvalid(
            [
                RuleProblem(
                    path=err.path or "$",
                    code=err.code,
                    message=err.message,
                    message_zh=err.message_zh,
                )
            ]
        ) from None


def loads_rules(text: str | bytes, *, format: str = "toml") -> RuleSet:
    """Parse a rule file's text.

    Args:
        text: The file's content (as bytes: UTF-8, with or without a byte order mark).
        format: ``toml`` or ``json``.

    Returns:
        The rule set.

    Raises:
        RuleSetInvalid: ``awards.rules.syntax`` for text that does not parse (with the line in the
            message) or that nests lists or tables more than 32 deep (at the path of each too
            deep value), or every problem of the rule set; ``awards.rules.file`` for an unknown
            format, or ``text`` that is neither ``str`` nor ``bytes``.
    """
    if not isinstance(format, str) or format not in ("toml", "json"):
        raise RuleSetInvalid(
            [_problem("$", "awards.rules.file", detail=f"unknown format {format!r} (toml or json)")]
        )
    if not isinstance(text, str | bytes):
        raise RuleSetInvalid(
            [_problem("$", "awards.rules.file", detail="the rule text must be str or bytes")]
        )
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")  # drops a byte order mark (Windows editors)
        except UnicodeDecodeError:
            raise RuleSetInvalid(
                [_problem("$", "awards.rules.syntax", format=format.upper(), detail="not UTF-8")]
            ) from None
    if format == "toml":
        try:
            data: Any = tomllib.loads(text)
        except ValueError as exc:  # TOMLDecodeError, or an integer too long to convert
            raise RuleSetInvalid(
                [_problem("$", "awards.rules.syntax", format="TOML", detail=str(exc))]
            ) from None
        except RecursionError:
            raise RuleSetInvalid(
                [_problem("$", "awards.rules.syntax", format="TOML", detail=_TOO_DEEP)]
            ) from None
    else:  # json
        try:
            data = json.loads(
                text, parse_constant=_no_constant, object_pairs_hook=_no_duplicate_keys
            )
        except ValueError as exc:
            raise RuleSetInvalid(
                [_problem("$", "awards.rules.syntax", format="JSON", detail=str(exc))]
            ) from None
        except RecursionError:
            raise RuleSetInvalid(
                [_problem("$", "awards.rules.syntax", format="JSON", detail=_TOO_DEEP)]
            ) from None
    deep = too_deep(data)  # parsed, but deeper than any rule file: refused as the parser would
    if deep:
        raise RuleSetInvalid(
            [
                _problem(path, "awards.rules.syntax", format=format.upper(), detail=_TOO_DEEP)
                for path in deep
            ]
        )
    return parse_rules(data)


_TOO_DEEP = "lists or tables nested too deeply"


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """Build a JSON object, refusing a key given twice (TOML refuses it too)."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"the key {key!r} is given twice in one object")
        out[key] = value
    return out


def load_rules(path: str | Path) -> RuleSet:
    """Load a rule file: ``.toml`` or ``.json`` by its extension.

    Args:
        path: The file.

    Returns:
        The rule set.

    Raises:
        RuleSetInvalid: ``awards.rules.file`` if the file cannot be read or has another extension
            (or ``path`` is neither text nor a path); ``awards.rules.syntax`` or every problem of
            its content otherwise.
    """
    if not isinstance(path, str | PathLike):
        raise RuleSetInvalid(
            [_problem("$", "awards.rules.file", detail="the path must be text or a Path")]
        )
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in (".toml", ".json"):
        raise RuleSetInvalid(
            [_problem("$", "awards.rules.file", detail="the name must end in .toml or .json")]
        )
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise RuleSetInvalid(
            [_problem("$", "awards.rules.file", detail=exc.strerror or type(exc).__name__)]
        ) from None
    return loads_rules(raw, format=suffix[1:])


def rules_to_json(rule_set: RuleSet) -> str:
    """Write a rule set as an indented JSON rule file (defaults left out).

    Args:
        rule_set: The rule set.

    Returns:
        JSON text that :func:`loads_rules` reads back to an equal rule set.
    """
    return json.dumps(unstructure(rule_set), indent=2, ensure_ascii=False) + "\n"


# --------------------------------------------------------------------------------------------
# converter hooks: defaults left out when writing; windows tagged by "kind"


def _register() -> None:
    for enum_cls in (CreditKind, Repeat, AgeOn, SourceStatus):
        register_str_enum(enum_cls)
        # text that names no member is kept by the models (see _member) for the rule set's check
        # to report where it is, as for a rule file: written out as it is
        converter.register_unstructure_hook(
            enum_cls, lambda value: value.value if isinstance(value, Enum) else value
        )
    plain: Sequence[type[Any]] = (
        Citation,
        Counting,
        AgeBand,
        GroupRule,
        Standing,
        Level,
        RuleSet,
    )
    for cls in plain:
        converter.register_unstructure_hook(
            cls, make_dict_unstructure_fn(cls, converter, _cattrs_omit_if_default=True)
        )
    for tag, cls in WINDOW_KINDS.items():
        base_out = make_dict_unstructure_fn(cls, converter, _cattrs_omit_if_default=True)
        base_in = make_dict_structure_fn(cls, converter)

        def out(
            obj: Any, _base: Callable[[Any], dict[str, Any]] = base_out, _tag: str = tag
        ) -> dict[str, Any]:
            return {"kind": _tag, **_base(obj)}

        def into(
            data: Any,
            _type: Any,
            _base: Callable[[Any, Any], Any] = base_in,
            _cls: type[Any] = cls,
            _tag: str = tag,
        ) -> Any:
            if isinstance(data, Mapping) and "kind" in data:
                if data["kind"] != _tag:
                    raise SerializationError(
                        f"expected kind {_tag!r}",
                        f"kind 应为 {_tag!r}",
                        code="serialization.tag",
                        path="$.kind",
                    )
                data = {k: v for k, v in data.items() if k != "kind"}
            return _base(data, _cls)

        converter.register_unstructure_hook(cls, out)
        converter.register_structure_hook(cls, into)

    def window(data: Any, _type: Any) -> Any:
        if data is None and _type != WindowSpec:
            return None
        kind = data.get("kind") if isinstance(data, Mapping) else None
        cls = WINDOW_KINDS.get(kind) if isinstance(kind, str) else None
        if cls is None:
            raise SerializationError(
                "unknown or missing window kind",
                "区间类型未知或缺失",
                code="serialization.tag",
                path="$.kind",
            )
        return converter.structure(data, cls)

    converter.register_structure_hook_func(
        lambda t: t == WindowSpec or t == (WindowSpec | None), window
    )


_register()
