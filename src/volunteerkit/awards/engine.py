"""Evaluation of a rule set for one subject: what was earned, when, by which entry, and what is next.

:func:`evaluate` is pure: it reads a rule set, a subject (:class:`AwardSubject`), the subject's
per-day credit (:class:`CreditLine`, one per entry and local day, as the hours core's
:func:`~volunteerkit.hours.accrue` or a store's credit rows give it) and an instant ``as_of``; it
never reads a clock or a store. The same inputs, in any order, give an equal result.

Definitions
-----------

*Evaluation date.* ``as_of``'s calendar date in its own offset (pass ``as_of`` in the zone whose
calendar you mean). Credit on later local dates is ignored; the credit lines themselves should be
the credit *known* at ``as_of`` (fold the ledger as of ``as_of``, or read the store's credit rows
valid at ``as_of``).

*Counted stream.* The lines that pass the level's :class:`~volunteerkit.awards.Counting` filters,
with a positive amount of the chosen credit (credited, raw or weighted minutes), in order of
``(local date, entry id text)``: time order, ties broken by the entry id's text. Offsets along this
stream are "counted minutes so far".

*Earned date and crossing entry.* For a window with a fixed start (lifetime, since a date, a
calendar year, a date range, a chosen period) a level is met at the first line of the stream, from
the start of the window, at which the counted minutes reach the threshold and every other condition
of the level (each group member's minimum, the span, the number of days or months) holds. Its local
date is the date the level was *crossed*; its entry is the *crossing entry*. The *earned date* is
the crossing date, moved later to the date the last prerequisite was earned and to the rule set's
``effective_from`` when those are later. A ``per_period`` or ``renewable`` award *crossed* before
``effective_from`` is not earned (a prerequisite earned later does not make it so; its hours are
consumed all the same); a level whose earned date would fall after ``effective_to`` is not
earned, and progress counts no hours after ``effective_to``.

*Rolling windows.* The window ending on a date ``d`` holds the ``months`` months ending on ``d``.
A level is *held* (:attr:`LevelResult.held`) when the window ending on the evaluation date meets
it. Its crossing date is the first date ``d`` on or before the evaluation date such that the window
ending on ``d`` met it (a window only grows on a date with service, so ``d`` is a date of service),
and the crossing entry is the line of ``d`` at which it was met. A ``once`` level keeps that first
date whether or not it is still held.

*Periods and repeats.* A calendar-year window has one period per year; a chosen-period window one
per period given, taken in order of their dates (without any, the one period of the ``max_months``
months ending on the evaluation date); the other fixed windows one. ``once``: the first period
that meets the level, once. ``per_period``: once in each period. ``renewable``: again as soon as
fresh hours meet it.

*Hours are never counted twice by one level.* An award *consumes* every counted line of its
window up to and including its crossing line, and a later award of the same level (a renewal, or the
next overlapping period) only counts the lines after it. Each :class:`Achievement` records the
range of counted minutes it consumed (``consumed_from`` to ``consumed_to``, offsets along the
stream). Different levels of one rule set (tiers of one award) count the same hours.

*Weighted credit* is added up exactly to a millionth of a minute, as the stores keep it; reported
minutes are the exact total rounded down, so "reached" and "remaining" never disagree.

*Age bands* are decided once per period: on the period's first or last day (a calendar year,
a date range, a chosen period, a ``since`` window with ``months``) or on the evaluation date
(``on = "evaluation_date"``, and the end of lifetime, open ``since`` and rolling windows).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from decimal import ROUND_FLOOR, Decimal
from enum import StrEnum
from functools import lru_cache
from itertools import accumulate, pairwise
from typing import Any

import attrs
from dateutil.relativedelta import relativedelta

from volunteerkit._clock import require_aware
from volunteerkit.awards._messages import message
from volunteerkit.awards.rules import (
    AgeBand,
    AgeOn,
    CalendarYearWindow,
    ChosenPeriodWindow,
    Counting,
    CreditKind,
    DateRangeWindow,
    Level,
    LifetimeWindow,
    Repeat,
    RollingWindow,
    RuleSet,
    SinceWindow,
    WindowSpec,
)
from volunteerkit.errors import InvalidInputError
from volunteerkit.hours._hooks import register_str_enum
from volunteerkit.hours.accrual import Accrual, DayCredit
from volunteerkit.hours.fold import EntryState, credited_as_of
from volunteerkit.hours.models import EntryId, LedgerEvent, ServiceEntry, Source
from volunteerkit.hours.policy import AccrualPolicy
from volunteerkit.hours.windows import DateRange

__all__ = [
    "Achievement",
    "AwardSubject",
    "CreditLine",
    "Evaluation",
    "LevelResult",
    "LevelStatus",
    "Progress",
    "Reason",
    "StandingResult",
    "age_on",
    "credit_lines",
    "credit_lines_from_records",
    "evaluate",
]

WEIGHT_SCALE = 1_000_000
"""Weighted credit is counted in millionths of a minute (as the stores keep it)."""


# --------------------------------------------------------------------------------------------
# inputs


def _exact(value: Decimal | int) -> Decimal:
    """Take an ``int`` of weighted minutes as the exact ``Decimal`` it is (others as they are)."""
    if type(value) is int:
        return Decimal(value)
    return value  # type: ignore[return-value]  # anything else but a Decimal: evaluate refuses it


@attrs.frozen(kw_only=True)
class CreditLine:
    """What one entry credits its volunteer on one local day.

    Args:
        volunteer_id: The volunteer.
        entry_id: The entry.
        day: The local date of service.
        organization_id: The organization that certified it.
        category: The service category.
        raw_minutes: Minutes served that day.
        credited_minutes: Minutes credited that day.
        weighted_minutes: Weighted credit (exact: a ``Decimal``, or an ``int``).
        source: How the entry was captured (needed only by rules that filter on sources).
    """

    volunteer_id: str
    entry_id: EntryId
    day: date
    organization_id: str
    category: str
    raw_minutes: int
    credited_minutes: int
    weighted_minutes: Decimal = attrs.field(default=Decimal(0), converter=_exact)
    source: Source | None = None

    @classmethod
    def from_day_credit(cls, credit: DayCredit, source: Source | None = None) -> CreditLine:
        """Make a line from the hours core's :class:`~volunteerkit.hours.DayCredit`.

        Args:
            credit: The day credit.
            source: How its entry was captured, if known.

        Returns:
            The line.
        """
        return cls(
            volunteer_id=credit.volunteer_id,
            entry_id=credit.entry_id,
            day=credit.day,
            organization_id=credit.organization_id,
            category=credit.category,
            raw_minutes=credit.raw_minutes,
            credited_minutes=credit.credited_minutes,
            weighted_minutes=credit.weighted_minutes,
            source=source,
        )


def credit_lines(
    accrual: Accrual, entries: Iterable[ServiceEntry | EntryState] = ()
) -> list[CreditLine]:
    """Turn an accrual's day credits into credit lines, with each entry's source when known.

    Args:
        accrual: The result of :func:`~volunteerkit.hours.accrue`.
        entries: The entries (or entry states) accrued, to take their sources from.

    Returns:
        One line per entry and local day.

    Raises:
        InvalidInputError: ``awards.input.invalid`` at ``$.accrual`` if ``accrual`` is not an
            :class:`~volunteerkit.hours.accrual.Accrual`, at ``$.entries`` if ``entries`` is not
            a collection (text included), at ``$.entries[i]`` for an item that is not an entry
            or an entry state.
    """
    if not isinstance(accrual, Accrual):
        raise _subject_invalid("$.accrual", "expected the result of accrue()")
    if isinstance(entries, str | bytes) or not isinstance(entries, Iterable):
        raise _subject_invalid("$.entries", "expected a collection of entries")
    sources: dict[EntryId, Source] = {}
    for i, e in enumerate(entries):
        if not isinstance(e, ServiceEntry | EntryState):
            raise _subject_invalid(f"$.entries[{i}]", "expected a ServiceEntry or an EntryState")
        sources[e.id] = e.source
    return [CreditLine.from_day_credit(d, sources.get(d.entry_id)) for d in accrual.days]


def credit_lines_from_records(
    entries: Iterable[ServiceEntry],
    events: Iterable[LedgerEvent],
    policy: AccrualPolicy,
    *,
    as_of: datetime,
) -> list[CreditLine]:
    """Fold and accrue a ledger's records as of ``as_of`` and return its credit lines.

    Args:
        entries: Recorded entries.
        events: Ledger events.
        policy: The accrual policy.
        as_of: The instant (aware).

    Returns:
        The credit lines of every volunteer, with sources.

    Raises:
        NaiveDatetimeError: If ``as_of`` is naive (``time.naive_datetime`` at ``$.as_of``).
        LedgerConflict: If two different records share an id.
        InvalidEntry: ``hours.invalid_entry`` at ``$.entries``, ``$.entries[i]``, ``$.events`` or
            ``$.events[i]`` for a value that is not a collection of entries or events.
        InvalidPolicy: ``hours.policy.invalid`` at ``$.policy`` if ``policy`` is not an
            :class:`~volunteerkit.hours.policy.AccrualPolicy`.
    """
    # Not a collection (None, one text): the fold refuses it, with its path.
    entries = (
        list(entries) if isinstance(entries, Iterable) and not isinstance(entries, str) else entries
    )
    return credit_lines(credited_as_of(entries, events, policy, as_of=as_of), entries)


def _member_tuple(value: Iterable[str]) -> tuple[str, ...]:
    if type(value) is tuple:
        return value
    if isinstance(value, str):  # iterating would make each character a member
        raise _subject_invalid(
            "$.members", "members must be a collection of volunteer ids, not one text"
        )
    if not isinstance(value, Iterable):
        raise _subject_invalid("$.members", "members must be a collection of volunteer ids")
    return tuple(value)


def _subject_invalid(path: str, detail: str) -> InvalidInputError:
    en, zh = message("awards.input.invalid", detail=detail)
    return InvalidInputError(en, zh, code="awards.input.invalid", path=path)


def _check_id(_instance: object, attribute: attrs.Attribute[Any], value: str) -> None:
    if not isinstance(value, str):
        raise _subject_invalid(f"$.{attribute.name}", f"{attribute.name} must be text")


def _check_day(_instance: object, attribute: attrs.Attribute[Any], value: date | None) -> None:
    if value is not None and (not isinstance(value, date) or isinstance(value, datetime)):
        raise _subject_invalid(f"$.{attribute.name}", f"{attribute.name} must be a date or None")


def _check_dates(_instance: object, _attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, Mapping):
        raise _subject_invalid("$.dates", "dates must map names to dates")
    for name, day in value.items():
        if not isinstance(name, str) or not isinstance(day, date) or isinstance(day, datetime):
            raise _subject_invalid(f"$.dates.{name}", "dates must map names to dates")


def _check_members(
    _instance: object, _attribute: attrs.Attribute[Any], value: tuple[str, ...]
) -> None:
    for i, member in enumerate(value):
        if not isinstance(member, str):
            raise _subject_invalid(f"$.members[{i}]", "members must be volunteer ids (text)")
    if value and len(set(value)) != len(value):
        en, zh = message("awards.input.group_members")
        raise InvalidInputError(en, zh, code="awards.input.group_members", path="$.members")


@attrs.frozen(kw_only=True)
class AwardSubject:
    """Who is evaluated: a volunteer, or a family or group of volunteers.

    Callers build it from their own records (the registry's volunteer, a family, a team).

    Args:
        id: The volunteer's id, or the group's id.
        birth_date: Birth date (for age bands), if known.
        registered_on: Registration date (for ``since = "registration"`` windows), if known.
        members: For a family or group: its members' volunteer ids (then the subject is a group
            and only group levels apply to it).
        dates: Other named dates for ``since`` windows (``program_start``, ``term_start`` …).

    Raises:
        InvalidInputError: ``awards.input.group_members`` if a member is listed twice;
            ``awards.input.invalid`` for a field of the wrong type (a birth date given as text,
            members given as one text or as ``None``), with the field's path.
    """

    id: str = attrs.field(validator=_check_id)
    birth_date: date | None = attrs.field(default=None, validator=_check_day)
    registered_on: date | None = attrs.field(default=None, validator=_check_day)
    members: tuple[str, ...] = attrs.field(
        default=(), converter=_member_tuple, validator=_check_members
    )
    dates: Mapping[str, date] = attrs.field(factory=dict, validator=_check_dates)

    @property
    def is_group(self) -> bool:
        """True for a family or group."""
        return bool(self.members)

    def volunteers(self) -> frozenset[str]:
        """Return the volunteer ids whose credit counts for this subject."""
        return frozenset(self.members) if self.members else frozenset((self.id,))

    def start_date(self, name: str) -> date | None:
        """Return the date a ``since`` window starts on, or ``None`` if unknown.

        Args:
            name: ``registration`` or a key of :attr:`dates`.

        Returns:
            The date.
        """
        if name == "registration":
            return self.registered_on
        return self.dates.get(name)


# --------------------------------------------------------------------------------------------
# results


class LevelStatus(StrEnum):
    """Where a subject stands on one level."""

    EARNED = "earned"
    """Earned (at least once)."""
    AWAITING_RECOMMENDATION = "awaiting_recommendation"
    """Eligible, awaiting the human recommendation the level needs."""
    NOT_MET = "not_met"
    """Not (yet) met; see the reasons and the progress."""
    NOT_APPLICABLE = "not_applicable"
    """Does not apply to this subject (age band, group level, unknown start date)."""


@attrs.frozen(kw_only=True)
class Reason:
    """Why a level is not granted (yet).

    Args:
        code: Stable code, such as ``awards.hours_short``.
        message: English message.
        message_zh: Chinese message.
    """

    code: str
    message: str
    message_zh: str

    @classmethod
    def of(cls, code: str, **fields: Any) -> Reason:
        """Build a reason from its code and template fields.

        Args:
            code: The code.
            **fields: The message's fields.

        Returns:
            The reason.
        """
        en, zh = message(code, **fields)
        return cls(code=code, message=en, message_zh=zh)


@attrs.frozen(kw_only=True)
class Achievement:
    """One award of a level: when it was earned and by which entry.

    Args:
        level_id: The level.
        key: Which award of the level: ``once``, the period (``2025``, ``2025-03-01..2026-02-28``)
            or the renewal (``#2``). A grant is identified by subject, rule set, level and key.
        earned_on: The earned date (see the module notes).
        crossed_on: The local date the counted minutes crossed the threshold.
        crossing_entry: The entry whose minutes crossed it.
        period_first: First date of the window it was earned in (``None``: open).
        period_last: Last date of that window (``None``: open).
        counted_minutes: Minutes counted in the window up to and including the crossing entry.
        consumed_from: Offset along the counted stream of the first minute it consumed.
        consumed_to: Offset just after the last minute it consumed.
        awaiting_recommendation: The level needs a recommendation that has not been given.
    """

    level_id: str
    key: str
    earned_on: date
    crossed_on: date
    crossing_entry: EntryId
    period_first: date | None
    period_last: date | None
    counted_minutes: int
    consumed_from: int
    consumed_to: int
    awaiting_recommendation: bool = False


@attrs.frozen(kw_only=True)
class Progress:
    """How far a subject is from (the next award of) a level, in the current window.

    Args:
        level_id: The level.
        required_minutes: The threshold.
        counted_minutes: Minutes counted so far in the window (not yet consumed by an award),
            up to ``window_last``.
        remaining_minutes: Minutes still needed (0 when the hours are there but another condition
            is not).
        window_first: First date of the window (``None``: open).
        window_last: Last date on which hours count: the window's last date or the rule set's
            ``effective_to``, whichever is earlier (``None``: open; for a rolling window, the
            evaluation date).
    """

    level_id: str
    required_minutes: int
    counted_minutes: int
    remaining_minutes: int
    window_first: date | None
    window_last: date | None


@attrs.frozen(kw_only=True)
class LevelResult:
    """A subject's standing on one level.

    Args:
        level_id: The level.
        status: Earned, awaiting recommendation, not met or not applicable.
        achievements: Every award of the level, in order (earned or awaiting recommendation).
        progress: Towards the next award in the current window, or ``None`` when none can follow
            (the level is earned for the window, is out of its age band, or the window lies
            outside the rule set's effective dates: see ``awards.not_in_effect``).
        held: Rolling windows only: whether the window ending on the evaluation date meets it.
        reasons: Why it is not granted (yet), for the current window.
    """

    level_id: str
    status: LevelStatus
    achievements: tuple[Achievement, ...] = ()
    progress: Progress | None = None
    held: bool | None = None
    reasons: tuple[Reason, ...] = ()

    @property
    def earned(self) -> tuple[Achievement, ...]:
        """The achievements that are granted (not awaiting a recommendation)."""
        return tuple(a for a in self.achievements if not a.awaiting_recommendation)


@attrs.frozen(kw_only=True)
class StandingResult:
    """Good standing: the annual minimum over complete calendar years.

    Args:
        required_minutes: The minimum per calendar year.
        year: The last complete calendar year assessed, or ``None`` if none is complete yet
            (years count from the first full year after registration, or after the first service).
        counted_minutes: Minutes counted in that year.
        good: Whether that year met the minimum (``None`` when no year is assessed).
        short_years: Every assessed year that fell short, in order.
    """

    required_minutes: int
    year: int | None
    counted_minutes: int
    good: bool | None
    short_years: tuple[int, ...] = ()


@attrs.frozen(kw_only=True)
class Evaluation:
    """A rule set evaluated for one subject as of an instant.

    Args:
        rule_set_id: The rule set.
        rule_set_version: Its version.
        subject_id: The subject.
        as_of: The instant.
        on: The evaluation date (``as_of``'s date in its own offset).
        levels: One result per level, in the rule set's order.
        next_level: Progress towards the first level, in order, that can still be earned in the
            current window (a window that starts after ``effective_to``, or a fixed one that ends
            before ``effective_from`` for a repeated level, cannot), or ``None``.
        standing: Good standing, if the rule set has an annual minimum.
    """

    rule_set_id: str
    rule_set_version: str
    subject_id: str
    as_of: datetime
    on: date
    levels: tuple[LevelResult, ...]
    next_level: Progress | None = None
    standing: StandingResult | None = None

    def level(self, level_id: str) -> LevelResult:
        """Return the result of one level.

        Args:
            level_id: The level's id.

        Returns:
            Its result.

        Raises:
            InvalidInputError: ``awards.input.invalid`` if the rule set has no such level.
        """
        for result in self.levels:
            if result.level_id == level_id:
                return result
        en, zh = message("awards.input.invalid", detail=f"no level {level_id!r}")
        raise InvalidInputError(en, zh, code="awards.input.invalid", path="$.level_id")

    @property
    def earned(self) -> tuple[str, ...]:
        """Ids of the levels earned, in the rule set's order."""
        earned = LevelStatus.EARNED
        return tuple([r.level_id for r in self.levels if r.status is earned])

    @property
    def highest(self) -> str | None:
        """The last earned level in the rule set's order, or ``None``."""
        earned = LevelStatus.EARNED
        for result in reversed(self.levels):
            if result.status is earned:
                return result.level_id
        return None


register_str_enum(LevelStatus)


# --------------------------------------------------------------------------------------------
# dates


def age_on(birth_date: date, day: date) -> int:
    """Return the age in completed years on ``day`` (a 29 February birthday counts on 1 March).

    Args:
        birth_date: The birth date.
        day: The day.

    Returns:
        Completed years.

    Raises:
        InvalidInputError: ``awards.input.invalid`` at ``$.birth_date`` or ``$.day`` for a value
            that is not a calendar date (``None``, text, a ``datetime``).

    Examples:
        >>> age_on(date(2008, 2, 29), date(2026, 2, 28)), age_on(date(2008, 2, 29), date(2026, 3, 1))
        (17, 18)
    """
    for name, value in (("birth_date", birth_date), ("day", day)):
        if not isinstance(value, date) or isinstance(value, datetime):
            en, zh = message("awards.input.invalid", detail=f"{name} must be a calendar date")
            raise InvalidInputError(en, zh, code="awards.input.invalid", path=f"$.{name}")
    before = (day.month, day.day) < (birth_date.month, birth_date.day)
    return day.year - birth_date.year - int(before)


def _key(day: date) -> int:
    return day.year * 10000 + day.month * 100 + day.day


def _day(key: int) -> date:
    return date(key // 10000, key // 100 % 100, key % 100)


@lru_cache(maxsize=200_000)
def _rolling_first(key: int, months: int) -> int:
    """First date (as a key) of the ``months`` months ending on ``key``."""
    return _key(_day(key) - relativedelta(months=months) + timedelta(days=1))


def _hm(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    return f"{hours} h" if rest == 0 else f"{hours} h {rest} min"


def _hm_zh(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    return f"{hours} 小时" if rest == 0 else f"{hours} 小时 {rest} 分钟"


def _span_text(months: int | None, days: int | None) -> tuple[str, str]:
    en: list[str] = []
    zh: list[str] = []
    if months:
        en.append(f"{months} month(s)")
        zh.append(f"{months} 个月")
    if days:
        en.append(f"{days} day(s)")
        zh.append(f"{days} 天")
    return " and ".join(en), "".join(zh)


# --------------------------------------------------------------------------------------------
# the credit table: lines of one subject in stream order


def _check_line(line: CreditLine, i: int) -> None:
    """Refuse a credit line whose fields have the wrong types (minutes are whole numbers)."""
    bad: tuple[str, str] | None = None
    for name in ("volunteer_id", "organization_id", "category"):
        if not isinstance(getattr(line, name), str):
            bad = (name, "text")
            break
    else:
        if not isinstance(line.entry_id, EntryId):
            bad = ("entry_id", "an EntryId")
        elif not isinstance(line.day, date) or isinstance(line.day, datetime):
            bad = ("day", "a date (not a datetime)")
        elif not _whole(line.raw_minutes):
            bad = ("raw_minutes", "whole minutes (int)")
        elif not _whole(line.credited_minutes):
            bad = ("credited_minutes", "whole minutes (int)")
        elif (
            not isinstance(line.weighted_minutes, Decimal) or not line.weighted_minutes.is_finite()
        ):
            bad = ("weighted_minutes", "a finite Decimal or an int")
        elif line.source is not None and not isinstance(line.source, Source):
            bad = ("source", "a Source or None")
    if bad is not None:
        en, zh = message("awards.input.invalid", detail=f"{bad[0]} must be {bad[1]}")
        raise InvalidInputError(
            en, zh, code="awards.input.invalid", path=f"$.credits[{i}].{bad[0]}"
        )


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class _Table:
    """A subject's credit lines up to the evaluation date, in ``(day, entry id text)`` order."""

    __slots__ = (
        "categories",
        "credited",
        "days",
        "entries",
        "entry_objs",
        "missing_days",
        "organizations",
        "origin",
        "raw",
        "sources",
        "streams",
        "volunteers",
        "weighted",
    )

    def __init__(self) -> None:
        self.days: list[int] = []
        self.entries: list[str] = []
        self.entry_objs: list[EntryId] | None = None
        self.volunteers: list[str] = []
        self.organizations: list[str] = []
        self.categories: list[str] = []
        self.sources: list[Source | None] | None = None
        self.raw: list[int] = []
        self.credited: list[int] = []
        self.weighted: list[int] = []
        self.origin: list[int] | None = None
        self.streams: dict[int, _Stream] = {}
        self.missing_days: set[int] = set()

    @classmethod
    def from_lines(
        cls, lines: Iterable[CreditLine], volunteers: frozenset[str], today: int
    ) -> _Table:
        rows: list[tuple[int, str, int, CreditLine]] = []
        for i, line in enumerate(lines):
            if not isinstance(line, CreditLine):
                en, zh = message("awards.input.invalid", detail="expected CreditLine objects")
                raise InvalidInputError(en, zh, code="awards.input.invalid", path=f"$.credits[{i}]")
            _check_line(line, i)
            if line.volunteer_id not in volunteers:
                continue
            day = _key(line.day)
            if day <= today:
                rows.append((day, str(line.entry_id), i, line))
        rows.sort(key=lambda r: (r[0], r[1], r[3].volunteer_id))
        table = cls()
        table.entry_objs = []
        table.sources = []
        table.origin = []
        previous: tuple[int, str] | None = None
        for day, text, i, line in rows:
            if (day, text) == previous:
                en, zh = message(
                    "awards.input.duplicate_line", entry=text, day=line.day.isoformat()
                )
                raise InvalidInputError(
                    en, zh, code="awards.input.duplicate_line", path=f"$.credits[{i}]"
                )
            previous = (day, text)
            table.days.append(day)
            table.entries.append(text)
            table.entry_objs.append(line.entry_id)
            table.volunteers.append(line.volunteer_id)
            table.organizations.append(line.organization_id)
            table.categories.append(line.category)
            table.sources.append(line.source)
            table.raw.append(line.raw_minutes)
            table.credited.append(line.credited_minutes)
            table.weighted.append(
                int((line.weighted_minutes * WEIGHT_SCALE).to_integral_value(ROUND_FLOOR))
            )
            table.origin.append(i)
        return table

    @classmethod
    def from_tuples(cls, volunteer_id: str, rows: Iterable[tuple[Any, ...]], today: int) -> _Table:
        """Build a table from store rows (an empty entry text marks a day total, see the batch).

        Rows are ``(day, entry text, organization, category, raw, credited, weighted_micro)``.
        """
        ordered = sorted(r for r in rows if r[0] <= today)  # by date, then entry id text
        table = cls()
        table.days = [r[0] for r in ordered]
        table.entries = [r[1] for r in ordered]
        table.organizations = [r[2] for r in ordered]
        table.categories = [r[3] for r in ordered]
        table.raw = [r[4] for r in ordered]
        table.credited = [r[5] for r in ordered]
        table.weighted = [r[6] for r in ordered]
        table.volunteers = [volunteer_id] * len(ordered)
        for a, b in pairwise(ordered):
            if a[0] == b[0] and a[1] == b[1] and a[1]:
                en, zh = message("awards.input.duplicate_line", entry=a[1], day=str(a[0]))
                raise InvalidInputError(en, zh, code="awards.input.duplicate_line", path="$")
        return table

    def entry(self, index: int) -> EntryId:
        if self.entry_objs is not None:
            return self.entry_objs[index]
        text = self.entries[index]
        if not text:  # a day total standing in for the day's lines: the batch fetches them
            self.missing_days.add(self.days[index])
            return _PENDING
        return EntryId.parse(text)

    def stream(self, counting: Counting) -> _Stream:
        key = id(counting)  # levels without their own counting share the rule set's object
        found = self.streams.get(key)
        if found is None:
            found = self.streams[key] = _Stream.build(self, counting)
        return found


class _Stream:
    """The counted stream of a table under one counting: parallel lists and prefix sums."""

    __slots__ = ("days", "index", "prefix", "scale", "table", "units", "volunteers")

    def __init__(self) -> None:
        self.table: _Table
        self.scale = 1
        self.days: list[int] = []
        self.units: list[int] = []
        self.index: list[int] = []
        self.volunteers: list[str] = []
        self.prefix: list[int] = [0]

    @classmethod
    def build(cls, table: _Table, counting: Counting) -> _Stream:
        s = cls()
        s.table = table
        credit = counting.credit
        amounts = (
            table.credited
            if credit is CreditKind.CREDITED
            else table.raw
            if credit is CreditKind.RAW
            else table.weighted
        )
        s.scale = WEIGHT_SCALE if credit is CreditKind.WEIGHTED else 1
        plain = not (
            counting.include_categories
            or counting.exclude_categories
            or counting.include_sources
            or counting.exclude_sources
            or counting.include_organizations
            or counting.exclude_organizations
        )
        if plain:
            idx = [i for i, a in enumerate(amounts) if a > 0]
        else:
            if counting.uses_sources and table.sources is None:
                en, zh = message("awards.input.source_missing")
                raise InvalidInputError(
                    en, zh, code="awards.input.source_missing", path="$.credits"
                )
            sources = table.sources
            idx = []
            for i, a in enumerate(amounts):
                if a <= 0:
                    continue
                source = sources[i] if sources is not None else None
                if counting.uses_sources and source is None:
                    en, zh = message("awards.input.source_missing")
                    where = table.origin[i] if table.origin is not None else i
                    raise InvalidInputError(
                        en,
                        zh,
                        code="awards.input.source_missing",
                        path=f"$.credits[{where}].source",
                    )
                if counting.admits(table.categories[i], table.organizations[i], source):
                    idx.append(i)
        if len(idx) == len(amounts):
            s.index = list(range(len(amounts)))
            s.days = table.days
            s.units = amounts
            s.volunteers = table.volunteers
        else:
            s.index = idx
            s.days = [table.days[i] for i in idx]
            s.units = [amounts[i] for i in idx]
            s.volunteers = [table.volunteers[i] for i in idx]
        s.prefix = [0, *accumulate(s.units)]
        return s

    def __len__(self) -> int:
        return len(self.units)

    def entry(self, i: int) -> EntryId:
        return self.table.entry(self.index[i])


_PENDING = EntryId(origin="volunteerkit.pending", local_id="day-total")


# --------------------------------------------------------------------------------------------
# conditions beyond the threshold


class _Acc:
    """Accumulates the lines of a window and says whether a level's conditions hold."""

    __slots__ = (
        "days",
        "first",
        "last",
        "level",
        "member",
        "members",
        "months",
        "need",
        "scale",
        "total",
    )

    def __init__(self, level: Level, members: Sequence[str], scale: int) -> None:
        self.level = level
        self.scale = scale
        self.need = level.threshold * scale
        self.total = 0
        self.members = members
        self.member: dict[str, int] = dict.fromkeys(members, 0)
        self.days: set[int] = set()
        self.months: set[int] = set()
        self.first: int | None = None
        self.last: int | None = None

    def add(self, stream: _Stream, i: int) -> None:
        units = stream.units[i]
        day = stream.days[i]
        self.total += units
        volunteer = stream.volunteers[i]
        if volunteer in self.member:
            self.member[volunteer] += units
        self.days.add(day)
        self.months.add(day // 100)
        if self.first is None:
            self.first = day
        self.last = day

    def _members_short(self) -> int:
        group = self.level.group
        if group is None:
            return 0
        need = group.member_minimum * self.scale
        return sum(1 for v in self.member.values() if v < need)

    def _span_ok(self) -> bool:
        lv = self.level
        if lv.min_span_months is None and lv.min_span_days is None:
            return True
        if self.first is None or self.last is None:
            return False
        reach = _day(self.first) + relativedelta(
            months=lv.min_span_months or 0, days=lv.min_span_days or 0
        )
        return _day(self.last) >= reach

    def met(self) -> bool:
        lv = self.level
        return (
            self.total >= self.need
            and self._members_short() == 0
            and (lv.min_days is None or len(self.days) >= lv.min_days)
            and (lv.min_months is None or len(self.months) >= lv.min_months)
            and self._span_ok()
        )

    def reasons(self) -> list[Reason]:
        lv = self.level
        found: list[Reason] = []
        counted = self.total // self.scale
        if self.total < self.need:
            found.append(
                Reason.of(
                    "awards.hours_short",
                    counted=_hm(counted),
                    counted_zh=_hm_zh(counted),
                    required=_hm(lv.threshold),
                    required_zh=_hm_zh(lv.threshold),
                )
            )
        short = self._members_short()
        if short and lv.group is not None:
            found.append(
                Reason.of(
                    "awards.members_short",
                    short=short,
                    members=len(self.members),
                    required=_hm(lv.group.member_minimum),
                    required_zh=_hm_zh(lv.group.member_minimum),
                )
            )
        if lv.min_days is not None and len(self.days) < lv.min_days:
            found.append(Reason.of("awards.days_short", days=len(self.days), required=lv.min_days))
        if lv.min_months is not None and len(self.months) < lv.min_months:
            found.append(
                Reason.of("awards.months_short", months=len(self.months), required=lv.min_months)
            )
        if not self._span_ok():
            span, span_zh = _span_text(lv.min_span_months, lv.min_span_days)
            found.append(Reason.of("awards.span_short", span=span, span_zh=span_zh))
        return found


# --------------------------------------------------------------------------------------------
# finding the crossing line


def _cross_fixed(
    stream: _Stream, lo: int, hi: int, level: Level, members: Sequence[str]
) -> int | None:
    """Index of the first line in ``[lo, hi)`` at which the level is met, counting from ``lo``."""
    if lo >= hi:
        return None
    prefix = stream.prefix
    need = level.threshold * stream.scale
    base = prefix[lo]
    if prefix[hi] - base < need:
        return None
    if level.hours_only:
        return bisect_right(prefix, base + need - 1, lo, hi + 1) - 1
    acc = _Acc(level, members, stream.scale)
    for i in range(lo, hi):
        acc.add(stream, i)
        if acc.met():
            return i
    return None


def _met_window(stream: _Stream, lo: int, hi: int, level: Level, members: Sequence[str]) -> bool:
    if level.hours_only:
        return lo < hi and stream.prefix[hi] - stream.prefix[lo] >= level.threshold * stream.scale
    acc = _Acc(level, members, stream.scale)
    for i in range(lo, hi):
        acc.add(stream, i)
    return acc.met()


def _window_reasons(
    stream: _Stream, lo: int, hi: int, level: Level, members: Sequence[str]
) -> list[Reason]:
    acc = _Acc(level, members, stream.scale)
    if level.hours_only:
        acc.total = stream.prefix[max(hi, lo)] - stream.prefix[lo]
    else:
        for i in range(lo, hi):
            acc.add(stream, i)
    return acc.reasons()


class _Hit:
    """An award found: from line ``lo`` to the crossing line ``index`` of a window."""

    __slots__ = ("first", "index", "key", "last", "lo")

    def __init__(
        self, lo: int, index: int, key: str, first: date | None, last: date | None
    ) -> None:
        self.lo = lo
        self.index = index
        self.key = key
        self.first = first
        self.last = last


# --------------------------------------------------------------------------------------------
# periods


class _Period:
    """A period of a window: its bounds (``None``: open) and the key of its awards."""

    __slots__ = ("first", "key", "last")

    def __init__(self, first: date | None, last: date | None, key: str) -> None:
        self.first = first
        self.last = last
        self.key = key

    def age_date(self, band: AgeBand, today: date) -> date:
        if band.on is AgeOn.PERIOD_START and self.first is not None:
            return self.first
        if band.on is AgeOn.PERIOD_END and self.last is not None:
            return self.last
        return today


class _Context:
    def __init__(
        self,
        rule_set: RuleSet,
        subject: AwardSubject,
        table: _Table,
        as_of: datetime,
        periods: Sequence[DateRange],
        recommended: Collection[str],
        detail: bool = True,
    ) -> None:
        self.detail = detail
        self.rule_set = rule_set
        self.subject = subject
        self.table = table
        self.as_of = as_of
        self.today = as_of.date()
        self.today_key = _key(self.today)
        self.periods = periods
        self.recommended = recommended
        self.members: tuple[str, ...] = subject.members
        self.results: dict[str, LevelResult] = {}


def _collection(value: object, name: str, of: str) -> None:
    """Refuse an argument that is not a collection (``None``, a number) or is one text."""
    if isinstance(value, str) or not isinstance(value, Iterable):
        en, zh = message("awards.input.invalid", detail=f"{name} must be a collection of {of}")
        raise InvalidInputError(en, zh, code="awards.input.invalid", path=f"$.{name}")


def _check_periods(periods: Iterable[DateRange]) -> list[DateRange]:
    """Return the chosen periods in order of their dates, each checked to be a DateRange."""
    _collection(periods, "periods", "DateRange objects")
    checked: list[DateRange] = []
    for i, period in enumerate(periods):
        if not isinstance(period, DateRange):
            en, zh = message("awards.input.invalid", detail="periods are DateRange objects")
            raise InvalidInputError(en, zh, code="awards.input.invalid", path=f"$.periods[{i}]")
        checked.append(period)
    return sorted(checked, key=lambda p: (p.first, p.last))


def _check_recommended(recommended: Collection[str]) -> frozenset[str]:
    """Return the recommended level ids, each checked to be text."""
    _collection(recommended, "recommended", "level ids")
    checked = list(recommended)
    if not all(isinstance(level_id, str) for level_id in checked):
        en, zh = message("awards.input.invalid", detail="recommended must hold level ids (text)")
        raise InvalidInputError(en, zh, code="awards.input.invalid", path="$.recommended")
    return frozenset(checked)


def _fixed_periods(window: WindowSpec, ctx: _Context, stream: _Stream) -> list[_Period]:
    today = ctx.today
    if isinstance(window, LifetimeWindow):
        return [_Period(None, None, "once")]
    if isinstance(window, SinceWindow):
        start = ctx.subject.start_date(window.start)
        assert start is not None  # checked by the caller
        end = (
            start + relativedelta(months=window.months) - timedelta(days=1)
            if window.months
            else None
        )
        return [_Period(start, end, "once")]
    if isinstance(window, DateRangeWindow):
        return [_Period(window.first, window.last, "once")]
    if isinstance(window, CalendarYearWindow):
        years = {d // 10000 for d in stream.days}
        years.add(today.year)
        return [
            _Period(date(y, 1, 1), date(y, 12, 31), str(y))
            for y in sorted(years)
            if y <= today.year
        ]
    assert isinstance(window, ChosenPeriodWindow)
    if not ctx.periods:
        first = _day(_rolling_first(ctx.today_key, window.max_months))
        return [_Period(first, today, f"{first.isoformat()}..{today.isoformat()}")]
    out: list[_Period] = []
    for i, p in enumerate(ctx.periods):
        if p.first < _day(_rolling_first(_key(p.last), window.max_months)):
            en, zh = message("awards.input.period_too_long", months=window.max_months)
            raise InvalidInputError(
                en, zh, code="awards.input.period_too_long", path=f"$.periods[{i}]"
            )
        if out and (out[-1].first, out[-1].last) == (p.first, p.last):
            continue  # a period given twice is one period, with one award under its key
        out.append(_Period(p.first, p.last, f"{p.first.isoformat()}..{p.last.isoformat()}"))
    return out


def _rolling_months(window: WindowSpec) -> int | None:
    return window.months if isinstance(window, RollingWindow) else None


def _bounds(
    stream: _Stream, first: date | None, last: date | None, today_key: int
) -> tuple[int, int]:
    lo = 0 if first is None else bisect_left(stream.days, _key(first))
    stop = today_key if last is None else min(_key(last), today_key)
    hi = bisect_right(stream.days, stop)
    return lo, max(lo, hi)


# --------------------------------------------------------------------------------------------
# one level


@attrs.define
class _Found:
    stream: _Stream
    hits: list[_Hit]
    current: _Period
    held: bool | None
    age_reason: Reason | None


def _evaluate_level(level: Level, ctx: _Context) -> LevelResult:
    found = _level_hits(level, ctx)
    if isinstance(found, LevelResult):
        return found
    return _finish(
        level, ctx, found.stream, found.hits, found.current, found.held, found.age_reason
    )


def _level_hits(level: Level, ctx: _Context) -> LevelResult | _Found:
    """Find the crossing lines of a level (or the result, when the level does not apply)."""
    rule_set = ctx.rule_set
    subject = ctx.subject
    level_id = level.id
    if level.group is not None and not subject.is_group:
        return LevelResult(
            level_id=level_id,
            status=LevelStatus.NOT_APPLICABLE,
            reasons=(Reason.of("awards.not_a_group"),),
        )
    if level.group is None and subject.is_group:
        return LevelResult(
            level_id=level_id,
            status=LevelStatus.NOT_APPLICABLE,
            reasons=(Reason.of("awards.not_an_individual"),),
        )
    window = rule_set.window_of(level)
    if isinstance(window, SinceWindow) and subject.start_date(window.start) is None:
        return LevelResult(
            level_id=level_id,
            status=LevelStatus.NOT_APPLICABLE,
            reasons=(Reason.of("awards.start_unknown", start=window.start),),
        )
    if level.age is not None and subject.birth_date is None:
        return LevelResult(
            level_id=level_id,
            status=LevelStatus.NOT_APPLICABLE,
            reasons=(Reason.of("awards.age_unknown"),),
        )
    stream = ctx.table.stream(level.counting if level.counting is not None else rule_set.counting)
    members = ctx.members
    rolling = _rolling_months(window)
    hits: list[_Hit] = []
    next_line = 0
    held: bool | None = None
    age_reason: Reason | None = None
    if rolling is not None:
        current = _Period(_day(_rolling_first(ctx.today_key, rolling)), ctx.today, "")
        in_band = _age_ok(level, current, ctx)
        if in_band is not None:
            age_reason = in_band
        else:
            hits = _rolling_hits(stream, rolling, level, members)
        if ctx.detail:
            lo, hi = _bounds(stream, current.first, ctx.today, ctx.today_key)
            held = age_reason is None and _met_window(stream, lo, hi, level, members)
    else:
        periods = _fixed_periods(window, ctx, stream)
        current = _current_period(window, periods, ctx)
        for period in periods:
            out_of_band = _age_ok(level, period, ctx)
            if out_of_band is not None:
                if period is current:
                    age_reason = out_of_band
                continue
            lo, hi = _bounds(stream, period.first, period.last, ctx.today_key)
            lo = max(lo, next_line)
            while True:
                index = _cross_fixed(stream, lo, max(lo, hi), level, members)
                if index is None:
                    break
                key = period.key if level.repeat is not Repeat.RENEWABLE else f"#{len(hits) + 1}"
                hits.append(_Hit(lo, index, key, period.first, period.last))
                next_line = lo = index + 1
                if level.repeat is not Repeat.RENEWABLE:
                    break
            if hits and level.repeat is Repeat.ONCE:
                break
    return _Found(stream, hits, current, held, age_reason)


def _age_ok(level: Level, period: _Period, ctx: _Context) -> Reason | None:
    band = level.age
    if band is None:
        return None
    birth = ctx.subject.birth_date
    assert birth is not None  # checked by the caller
    day = period.age_date(band, ctx.today)
    age = age_on(birth, day)
    if band.admits(age):
        return None
    return Reason.of(
        "awards.age_out_of_band",
        age=age,
        day=day.isoformat(),
        band=band.describe(),
        band_zh=band.describe_zh(),
    )


def _current_period(window: WindowSpec, periods: list[_Period], ctx: _Context) -> _Period:
    if isinstance(window, CalendarYearWindow):
        return periods[-1]  # the evaluation year is always the last
    if isinstance(window, ChosenPeriodWindow):
        return periods[-1]
    return periods[0]


def _rolling_hits(stream: _Stream, months: int, level: Level, members: Sequence[str]) -> list[_Hit]:
    hits: list[_Hit] = []
    next_line = 0
    days = stream.days
    prefix = stream.prefix
    need = level.threshold * stream.scale
    n = len(stream)
    i = 0
    while i < n:
        day = days[i]
        hi = bisect_right(days, day, i)
        first = _rolling_first(day, months)
        while True:
            lo = max(next_line, bisect_left(days, first))
            if lo >= hi or prefix[hi] - prefix[lo] < need:
                break
            if level.hours_only:
                index = bisect_right(prefix, prefix[lo] + need - 1, lo, hi + 1) - 1
            else:
                acc = _Acc(level, members, stream.scale)
                found: int | None = None
                for j in range(lo, hi):
                    acc.add(stream, j)
                    if j >= i and acc.met():
                        found = j
                        break
                if found is None:
                    break
                index = found
            key = "once" if level.repeat is Repeat.ONCE else f"#{len(hits) + 1}"
            hits.append(_Hit(lo, index, key, _day(first), _day(day)))
            next_line = index + 1
            if level.repeat is Repeat.ONCE:
                return hits
        i = hi
    return hits


def _finish(
    level: Level,
    ctx: _Context,
    stream: _Stream,
    hits: list[_Hit],
    current: _Period,
    held: bool | None,
    age_reason: Reason | None,
) -> LevelResult:
    rule_set = ctx.rule_set
    reasons: list[Reason] = []
    prerequisite_day: date | None = None
    prerequisite_ok = True
    for required in level.requires:
        result = ctx.results[required]
        earned_before = result.earned if result.status is LevelStatus.EARNED else ()
        if not earned_before:
            prerequisite_ok = False
            reasons.append(Reason.of("awards.prerequisite_missing", level=required))
            continue
        first = min(a.earned_on for a in earned_before)
        prerequisite_day = first if prerequisite_day is None else max(prerequisite_day, first)
    achievements: list[Achievement] = []
    awaiting = level.recommendation and level.id not in ctx.recommended
    scale = stream.scale
    prefix = stream.prefix
    next_line = 0  # progress counts from the line after the last award granted or consumed
    spent_current = False  # the current period's award was crossed before the rules existed
    effective_from = rule_set.effective_from
    for hit in hits if prerequisite_ok else ():
        entry = stream.entry(hit.index)  # first: a day or month total marks itself to be read
        crossed = _day(stream.days[hit.index])
        if (
            effective_from is not None
            and crossed < effective_from
            and level.repeat is not Repeat.ONCE
        ):
            # an annual or renewed award crossed before the rules existed is not earned, even
            # when a prerequisite earned later would date it after effective_from; its hours are
            # consumed all the same (a later award counts only the lines after it)
            if not any(r.code == "awards.not_in_effect" for r in reasons):
                reasons.append(_not_in_effect(rule_set, crossed))
            next_line = hit.index + 1
            if hit.first == current.first and hit.key == current.key:
                spent_current = True
            continue
        earned = crossed
        if prerequisite_day is not None and prerequisite_day > earned:
            earned = prerequisite_day
        if effective_from is not None and effective_from > earned:
            earned = effective_from  # a once award crossed before the rules is dated from them
        if earned > ctx.today or (
            rule_set.effective_to is not None and earned > rule_set.effective_to
        ):
            reasons.append(_not_in_effect(rule_set, earned))
            break
        achievements.append(
            Achievement(
                level_id=level.id,
                key=hit.key,
                earned_on=earned,
                crossed_on=crossed,
                crossing_entry=entry,
                period_first=hit.first,
                period_last=hit.last,
                counted_minutes=(prefix[hit.index + 1] - prefix[hit.lo]) // scale,
                consumed_from=prefix[hit.lo] // scale,
                consumed_to=prefix[hit.index + 1] // scale,
                awaiting_recommendation=awaiting,
            )
        )
        next_line = hit.index + 1
    if age_reason is not None:
        reasons.insert(0, age_reason)
    if awaiting and achievements:
        reasons.append(
            Reason.of("awards.recommendation_missing", day=achievements[0].earned_on.isoformat())
        )
    if not ctx.detail:
        return LevelResult(
            level_id=level.id,
            status=_status(achievements, age_reason),
            achievements=tuple(achievements),
        )

    # progress towards the next award in the current window
    progress: Progress | None = None
    in_current = spent_current or any(
        a.period_first == current.first and a.key == current.key for a in achievements
    )
    can_follow = age_reason is None and (
        level.repeat is Repeat.RENEWABLE
        or (level.repeat is Repeat.ONCE and not achievements)
        or (level.repeat is Repeat.PER_PERIOD and not in_current)
    )
    out_of_effect = _out_of_effect(level, ctx, current) if can_follow else None
    if out_of_effect is not None:
        can_follow = False  # no progress towards an award the window cannot earn
        if not any(r.code == "awards.not_in_effect" for r in reasons):
            reasons.append(out_of_effect)
    if can_follow:
        # hours stop counting at the window's end or at effective_to, whichever comes first: an
        # award crossed later would be earned after the rules stopped
        last = current.last
        if rule_set.effective_to is not None and (last is None or last > rule_set.effective_to):
            last = rule_set.effective_to
        lo, hi = _bounds(stream, current.first, last, ctx.today_key)
        lo = max(lo, next_line)
        hi = max(hi, lo)
        counted = (prefix[hi] - prefix[lo]) // scale
        progress = Progress(
            level_id=level.id,
            required_minutes=level.threshold,
            counted_minutes=counted,
            remaining_minutes=max(0, level.threshold - counted),
            window_first=current.first,
            window_last=last,
        )
        if current.first is not None and current.first > ctx.today:
            reasons.append(Reason.of("awards.window_not_started", day=current.first.isoformat()))
        elif not achievements or level.repeat is not Repeat.ONCE:
            reasons.extend(_window_reasons(stream, lo, hi, level, ctx.members))
    return LevelResult(
        level_id=level.id,
        status=_status(achievements, age_reason),
        achievements=tuple(achievements),
        progress=progress,
        held=held,
        reasons=tuple(_unique(reasons)),
    )


def _out_of_effect(level: Level, ctx: _Context, current: _Period) -> Reason | None:
    """Why no award of ``level`` can be earned in the current window, or ``None`` if one can.

    A window that starts after ``effective_to`` cannot earn anything: every date of it is after
    the rules stopped, and an award is earned no earlier than it is crossed. A fixed window that
    ends before ``effective_from`` cannot earn a ``per_period`` or ``renewable`` award: it would be
    crossed before the rules existed (whatever its prerequisites). A ``once`` award crossed there
    is dated ``effective_from``, and a rolling window moves on with the evaluation date, so those
    can still earn. A window that overlaps the effective dates, even partly, can still earn.

    The reason's day is the evaluation date moved into the window: when new service would cross.
    """
    rule_set = ctx.rule_set
    first, last = current.first, current.last
    after = (
        rule_set.effective_to is not None and first is not None and first > rule_set.effective_to
    )
    before = (
        rule_set.effective_from is not None
        and last is not None
        and last < rule_set.effective_from
        and level.repeat is not Repeat.ONCE
        and _rolling_months(rule_set.window_of(level)) is None
    )
    if not (after or before):
        return None
    day = ctx.today if first is None else max(ctx.today, first)
    day = day if last is None else min(day, last)
    return _not_in_effect(rule_set, day)


def _status(achievements: list[Achievement], age_reason: Reason | None) -> LevelStatus:
    if any(not a.awaiting_recommendation for a in achievements):
        return LevelStatus.EARNED
    if achievements:
        return LevelStatus.AWAITING_RECOMMENDATION
    if age_reason is not None:
        return LevelStatus.NOT_APPLICABLE
    return LevelStatus.NOT_MET


def _not_in_effect(rule_set: RuleSet, day: date) -> Reason:
    return Reason.of(
        "awards.not_in_effect",
        first=rule_set.effective_from.isoformat() if rule_set.effective_from else "…",
        last=rule_set.effective_to.isoformat() if rule_set.effective_to else "…",
        day=day.isoformat(),
    )


def _unique(reasons: list[Reason]) -> list[Reason]:
    seen: set[Reason] = set()
    out = []
    for r in reasons:
        if r not in seen:
            seen.add(r)
            out.append(r)
    return out


def _standing(ctx: _Context) -> StandingResult | None:
    rule = ctx.rule_set.standing
    if rule is None:
        return None
    stream = ctx.table.stream(ctx.rule_set.counting)
    registered = ctx.subject.registered_on
    if registered is not None:
        start_year = (
            registered.year if (registered.month, registered.day) == (1, 1) else registered.year + 1
        )
    elif len(stream):
        start_year = stream.days[0] // 10000 + 1
    else:
        start_year = None
    last_year = ctx.today.year - 1
    if start_year is None or start_year > last_year:
        return StandingResult(
            required_minutes=rule.minimum, year=None, counted_minutes=0, good=None
        )
    need = rule.minimum * stream.scale
    short: list[int] = []
    counted = 0
    for year in range(start_year, last_year + 1):
        lo = bisect_left(stream.days, year * 10000 + 101)
        hi = bisect_right(stream.days, year * 10000 + 1231)
        counted = stream.prefix[hi] - stream.prefix[lo]
        if counted < need:
            short.append(year)
    return StandingResult(
        required_minutes=rule.minimum,
        year=last_year,
        counted_minutes=counted // stream.scale,
        good=counted >= need,
        short_years=tuple(short),
    )


def _pending_days(
    rule_set: RuleSet,
    subject: AwardSubject,
    table: _Table,
    as_of: datetime,
    periods: Sequence[DateRange],
) -> set[int]:
    """Dates of the day or month totals (lines without an entry) on which some level crosses.

    A superset of what an evaluation needs (prerequisites and effective dates are not applied):
    the batch reads those totals' lines before evaluating.
    """
    ctx = _Context(rule_set, subject, table, as_of, periods, (), detail=False)
    days: set[int] = set()
    for level in rule_set.levels:
        found = _level_hits(level, ctx)
        if isinstance(found, _Found):
            for hit in found.hits:
                line = found.stream.index[hit.index]
                if not table.entries[line]:
                    days.add(table.days[line])
    return days


def _run(
    rule_set: RuleSet,
    subject: AwardSubject,
    table: _Table,
    as_of: datetime,
    periods: Sequence[DateRange],
    recommended: Collection[str],
    *,
    detail: bool = True,
) -> Evaluation:
    ctx = _Context(rule_set, subject, table, as_of, periods, recommended, detail)
    results = []
    for level in rule_set.levels:
        result = _evaluate_level(level, ctx)
        ctx.results[level.id] = result
        results.append(result)
    if not detail:
        return Evaluation(
            rule_set_id=rule_set.id,
            rule_set_version=rule_set.version,
            subject_id=subject.id,
            as_of=as_of,
            on=ctx.today,
            levels=tuple(results),
        )
    next_level = next(
        (
            r.progress
            for r in results
            if r.progress is not None and r.status is not LevelStatus.NOT_APPLICABLE
        ),
        None,
    )
    return Evaluation(
        rule_set_id=rule_set.id,
        rule_set_version=rule_set.version,
        subject_id=subject.id,
        as_of=as_of,
        on=ctx.today,
        levels=tuple(results),
        next_level=next_level,
        standing=_standing(ctx),
    )


def evaluate(
    rule_set: RuleSet,
    subject: AwardSubject,
    credits: Iterable[CreditLine],
    as_of: datetime,
    *,
    periods: Iterable[DateRange] = (),
    recommended: Collection[str] = (),
) -> Evaluation:
    """Evaluate a rule set for one subject as of ``as_of``.

    Args:
        rule_set: The rule set.
        subject: The volunteer, or the family or group, evaluated.
        credits: Credit lines; lines of volunteers other than the subject (or its members) are
            ignored, so a whole accrual may be passed.
        as_of: The instant of evaluation (aware); its date in its own offset is the evaluation
            date.
        periods: For ``chosen_period`` windows: the periods the certifying organization chose
            (each at most ``max_months`` long). Without any, such a window is the ``max_months``
            months ending on the evaluation date.
        recommended: Ids of the levels the subject has been recommended for (levels with
            ``recommendation = true`` are granted only then).

    Returns:
        The evaluation: every level's status, awards with their earned dates and crossing
        entries, progress, reasons, and good standing.

    Raises:
        NaiveDatetimeError: If ``as_of`` is naive (``$.as_of``).
        InvalidInputError: ``awards.input.duplicate_line`` for two lines of one entry on one day,
            ``awards.input.source_missing`` when a rule filters on sources and a line has none,
            ``awards.input.period_too_long`` for a chosen period longer than allowed,
            ``awards.input.invalid`` for inputs of the wrong type, with their path (``credits``,
            ``periods`` or ``recommended`` that is ``None``, a number or one text is refused at
            ``$.credits``, ``$.periods`` or ``$.recommended``).
    """
    if not isinstance(as_of, datetime):
        en, zh = message("awards.input.invalid", detail="as_of must be an aware datetime")
        raise InvalidInputError(en, zh, code="awards.input.invalid", path="$.as_of")
    require_aware(as_of, "$.as_of")
    if not isinstance(rule_set, RuleSet) or not isinstance(subject, AwardSubject):
        en, zh = message("awards.input.invalid", detail="expected a RuleSet and an AwardSubject")
        raise InvalidInputError(en, zh, code="awards.input.invalid", path="$")
    _collection(credits, "credits", "CreditLine objects")
    chosen = _check_periods(periods)
    levels = _check_recommended(recommended)
    table = _Table.from_lines(credits, subject.volunteers(), _key(as_of.date()))
    return _run(rule_set, subject, table, as_of, chosen, levels)
