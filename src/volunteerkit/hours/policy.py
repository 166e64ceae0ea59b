"""Accrual policy: how service time turns into credited minutes, as serializable data.

An :class:`AccrualPolicy` is plain data (frozen attrs, round-trips through
:func:`volunteerkit.structure` / :func:`volunteerkit.unstructure`, so it can live in a TOML or JSON
rule file). It has two jobs:

* **At record time** (:func:`validate_entry`, :func:`decide_approval`, :func:`prepare_entry`):
  refuse records that are too long, in the future, before registration or past the back-fill
  deadline, and decide whether a new entry starts pending or approved.
* **At accrual time** (:func:`volunteerkit.hours.accrue`): per-entry maximum, overlaps, daily cap,
  rounding and weighted credit. The exact order of operations is documented in
  :mod:`volunteerkit.hours.accrual`.

Caps must be whole multiples of the rounding unit that follows them (the per-entry maximum for
per-entry rounding, the daily cap for per-day rounding). This makes "cap, then round" and "round,
then cap" agree, so rounding can never lift a credit above its cap. The other cap needs no such
rule: the daily cap is applied after per-entry rounding, and per-day rounding up adds no minute
beyond an entry's maximum (see step 8 in :mod:`volunteerkit.hours.accrual`).

Named presets encode the rules in ``shared/reference/service-records.md``; each preset's docstring
quotes the line it implements.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

import attrs
from dateutil.relativedelta import relativedelta

from volunteerkit._clock import require_aware
from volunteerkit.hours._hooks import register_str_enum
from volunteerkit.hours._time import from_minute, local_date, local_day_start, to_minute
from volunteerkit.hours.errors import (
    HoursInputError,
    InvalidEntry,
    InvalidPolicy,
    PolicyViolation,
    UnknownPreset,
)
from volunteerkit.hours.models import ServiceEntry, Source, Status

__all__ = [
    "BEIJING_UNIVERSITY",
    "CHECK_IN_OUT",
    "NATIONAL",
    "PRESETS",
    "UNIVERSITY_8H_PER_ACTIVITY",
    "AccrualPolicy",
    "ApprovalDecision",
    "ApprovalMode",
    "ApprovalRule",
    "BackfillDeadline",
    "CategoryMultiplier",
    "OverlapRule",
    "Rounding",
    "RoundingMode",
    "RoundingScope",
    "TimeWindowMultiplier",
    "Weighting",
    "auto_approve_below",
    "decide_approval",
    "prepare_entry",
    "preset",
    "round_minutes",
    "validate_entry",
]


def _path(attribute: attrs.Attribute[Any]) -> str:
    return f"$.{attribute.name}"


def _positive(_instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise InvalidPolicy.of("hours.policy.not_positive", _path(attribute))


def _optional_positive(
    _instance: object, attribute: attrs.Attribute[Any], value: int | None
) -> None:
    if value is not None:
        _positive(_instance, attribute, value)


def _non_negative(_instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidPolicy.of("hours.policy.deadline", _path(attribute))


def _grace(_instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidPolicy.of("hours.policy.grace", _path(attribute))


def _multiplier(_instance: object, attribute: attrs.Attribute[Decimal], value: Decimal) -> None:
    if not isinstance(value, Decimal) or not value.is_finite() or value < 0:
        raise InvalidPolicy.of("hours.policy.multiplier", _path(attribute))


def _text(_instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise InvalidPolicy(
            "this field must not be empty",
            "此字段不能为空",
            code="hours.policy.invalid",
            path=_path(attribute),
        )


def _is(kind: type[Any]) -> Any:
    def check(_instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
        if not isinstance(value, kind):
            raise InvalidPolicy.of(
                "hours.policy.invalid", _path(attribute), f"expected {kind.__name__}"
            )

    return check


# --------------------------------------------------------------------------------------------
# rounding


class RoundingMode(StrEnum):
    """How a number of minutes is brought to a whole number of units."""

    DOWN = "down"
    """Towards zero: 44 minutes in 30-minute units is 30."""
    NEAREST = "nearest"
    """To the nearest unit; an exact half rounds **up** (half up): 45 in 30-minute units is 60."""
    UP = "up"
    """Away from zero: 31 minutes in 30-minute units is 60."""


class RoundingScope(StrEnum):
    """What is rounded."""

    PER_ENTRY = "per_entry"
    """Each entry's credit, after overlaps are merged and before it is split into local days."""
    PER_DAY = "per_day"
    """Each volunteer's credit per local day, after the daily cap; rounding up stops at the
    per-entry maximum."""


def round_minutes(minutes: int, unit: int, mode: RoundingMode) -> int:
    """Round a non-negative number of minutes to a multiple of ``unit``.

    Args:
        minutes: Minutes to round (``>= 0``).
        unit: The unit in minutes (``>= 1``).
        mode: Down, nearest (ties half up) or up.

    Returns:
        The rounded minutes, a multiple of ``unit``.

    Raises:
        InvalidPolicy: ``hours.policy.not_positive`` for a unit below 1, ``hours.policy.invalid``
            for negative minutes or a mode that is not a :class:`RoundingMode` (path ``$.mode``).

    Examples:
        >>> [round_minutes(m, 30, RoundingMode.NEAREST) for m in (14, 15, 44, 45)]
        [0, 30, 30, 60]
        >>> round_minutes(31, 30, RoundingMode.UP), round_minutes(59, 30, RoundingMode.DOWN)
        (60, 30)
    """
    if isinstance(unit, bool) or not isinstance(unit, int) or unit < 1:
        raise InvalidPolicy.of("hours.policy.not_positive", "$.unit_minutes")
    if isinstance(minutes, bool) or not isinstance(minutes, int) or minutes < 0:
        raise InvalidPolicy(
            "minutes to round must be a non-negative integer",
            "待取整的分钟数必须是非负整数",
            code="hours.policy.invalid",
            path="$",
        )
    if not isinstance(mode, RoundingMode):  # the text "up" would silently round to nearest
        raise InvalidPolicy.of("hours.policy.invalid", "$.mode", "expected RoundingMode")
    whole, rest = divmod(minutes, unit)
    if rest == 0 or mode is RoundingMode.DOWN:
        return whole * unit
    if mode is RoundingMode.UP:
        return (whole + 1) * unit
    return (whole + (1 if 2 * rest >= unit else 0)) * unit


@attrs.frozen(kw_only=True)
class Rounding:
    """Rounding of credited minutes to whole units.

    Args:
        unit_minutes: The unit: 6 (0.1 h), 15, 30, 60, or any positive number of minutes.
        mode: Down, nearest (ties half up) or up.
        scope: Per entry or per local day.

    Raises:
        InvalidPolicy: ``hours.policy.not_positive`` for a unit below 1.
    """

    unit_minutes: int = attrs.field(validator=_positive)
    mode: RoundingMode = attrs.field(default=RoundingMode.DOWN, validator=_is(RoundingMode))
    scope: RoundingScope = attrs.field(default=RoundingScope.PER_DAY, validator=_is(RoundingScope))

    def apply(self, minutes: int) -> int:
        """Round ``minutes`` with this rule.

        Args:
            minutes: Non-negative minutes.

        Returns:
            The rounded minutes.
        """
        return round_minutes(minutes, self.unit_minutes, self.mode)


# --------------------------------------------------------------------------------------------
# overlaps, deadlines, approval


@attrs.frozen(kw_only=True)
class OverlapRule:
    """How overlapping entries of one volunteer are treated.

    Entries overlap when they share at least one minute; back-to-back entries (one ends exactly when
    the next starts) never overlap.

    Args:
        merge: When true (the default), a minute served under several entries is credited once
            (the union of the entries). When false, every entry is credited in full.
        grace_minutes: Overlaps of at most this many minutes are not *reported* (clock skew between
            check-in devices). They are still counted once when ``merge`` is true: a grace never
            credits a minute twice.

    Raises:
        InvalidPolicy: ``hours.policy.grace`` for a grace that is not a non-negative integer.
    """

    merge: bool = attrs.field(default=True, validator=_is(bool))
    grace_minutes: int = attrs.field(default=0, validator=_grace)


@attrs.frozen(kw_only=True)
class BackfillDeadline:
    """How long after the service it may still be recorded.

    The deadline counts from the *local date on which the service ended* (the date, in the zone of
    service, of its last minute) and adds ``months`` then ``days`` with
    :class:`dateutil.relativedelta.relativedelta`; recording is allowed until the end of that local
    day. One month after 2024-01-31 is 2024-02-29 (a month-end clamps to the shorter month), so
    service that ended on 2024-01-31 may be recorded until 2024-02-29 24:00 local time.

    Args:
        days: Days after the service's end date (``days=0``: the same local day only).
        months: Calendar months after the service's end date.

    Raises:
        InvalidPolicy: ``hours.policy.deadline`` for negative values.
    """

    days: int = attrs.field(default=0, validator=_non_negative)
    months: int = attrs.field(default=0, validator=_non_negative)

    def last_day(self, end: datetime, zone: ZoneInfo) -> date:
        """Return the last local date on which service ending at ``end`` may be recorded.

        Args:
            end: The aware end of service.
            zone: The zone of the place of service.

        Returns:
            The last local date allowed (:attr:`datetime.date.max` when it would fall after it).

        Raises:
            InvalidInputError: ``time.not_datetime`` (``$.end``) if ``end`` is not a datetime.
            NaiveDatetimeError: If ``end`` is naive.
            InvalidEntry: ``hours.invalid_zone`` (``$.zone``) if ``zone`` is not a
                :class:`~zoneinfo.ZoneInfo`; ``hours.out_of_range`` (``$.end``) if the service's
                last minute falls before 0001-01-01 in ``zone`` (no local date to count from).
        """
        require_aware(end, "$.end")
        if not isinstance(zone, ZoneInfo):
            raise InvalidEntry.of("hours.invalid_zone", "$.zone")
        last_minute = to_minute(end) - 1
        try:
            served_on = local_date(last_minute, zone)
        except OverflowError:  # that minute's local date is beyond the calendar
            if last_minute > 0:  # after 9999-12-31: so is the last day
                return date.max
            raise InvalidEntry.of(
                "hours.out_of_range", "$.end", "the service ends before 0001-01-01 local time"
            ) from None
        try:
            result: date = served_on + relativedelta(months=self.months, days=self.days)
        except (ValueError, OverflowError):  # past 9999-12-31: no representable last day
            return date.max
        return result

    def deadline(self, end: datetime, zone: ZoneInfo) -> datetime:
        """Return the first instant at which recording service ending at ``end`` is too late.

        Args:
            end: The aware end of service.
            zone: The zone of the place of service.

        Returns:
            The aware UTC instant of local midnight after :meth:`last_day`, or the last UTC
            datetime when :meth:`last_day` is 9999-12-30 or later (never too late in practice).

        Raises:
            InvalidInputError: As :meth:`last_day`.
        """
        last = self.last_day(end, zone)
        if last >= date.max - timedelta(days=1):  # the day after it may not exist in ``zone``
            return _NEVER
        return from_minute(local_day_start(zone, last + timedelta(days=1)))


_NEVER = datetime.max.replace(tzinfo=UTC)


class ApprovalMode(StrEnum):
    """Whether new entries need approval before they are credited."""

    OFF = "off"
    """No approval workflow: every entry is credited as recorded."""
    SUBMIT = "submit"
    """Entries are submitted for approval and start pending."""
    AUTO = "auto"
    """Entries are approved automatically."""
    AUTO_BELOW = "auto_below"
    """Entries shorter than :attr:`ApprovalRule.below_minutes` are approved automatically; others
    start pending."""


@attrs.frozen(kw_only=True)
class ApprovalRule:
    """The approval decision for new entries.

    Args:
        mode: Off, submit, auto, or auto below a threshold.
        below_minutes: For ``AUTO_BELOW`` only: entries whose net minutes (duration minus break)
            are *strictly* below this are approved automatically.
        auto_approve_organization_entries: Entries whose source is
            :attr:`~volunteerkit.hours.Source.ORGANIZATION` (entered by the organization's staff)
            are approved automatically, whatever the mode.

    Raises:
        InvalidPolicy: ``hours.policy.threshold`` if ``below_minutes`` is missing for
            ``AUTO_BELOW`` or given for another mode.
    """

    mode: ApprovalMode = attrs.field(default=ApprovalMode.SUBMIT, validator=_is(ApprovalMode))
    below_minutes: int | None = attrs.field(default=None)
    auto_approve_organization_entries: bool = attrs.field(default=False, validator=_is(bool))

    def __attrs_post_init__(self) -> None:
        """Check that the threshold goes with the mode."""
        wants = self.mode is ApprovalMode.AUTO_BELOW
        value = self.below_minutes
        ok = (
            value is not None
            and not isinstance(value, bool)
            and isinstance(value, int)
            and value > 0
            if wants
            else value is None
        )
        if not ok:
            raise InvalidPolicy.of("hours.policy.threshold", "$.below_minutes")


@attrs.frozen(kw_only=True)
class ApprovalDecision:
    """The outcome of :func:`decide_approval`.

    Args:
        status: :attr:`Status.APPROVED` or :attr:`Status.PENDING`.
        code: Why: ``approval.off``, ``approval.auto``, ``approval.organization_entry``,
            ``approval.below_threshold`` or ``approval.required``.
    """

    status: Status
    code: str


# The five decisions, built once: they are frozen, and the ledger decides once per recorded entry.
_DECIDED = {
    code: ApprovalDecision(status=status, code=code)
    for code, status in (
        ("approval.off", Status.APPROVED),
        ("approval.auto", Status.APPROVED),
        ("approval.organization_entry", Status.APPROVED),
        ("approval.below_threshold", Status.APPROVED),
        ("approval.required", Status.PENDING),
    )
}


# --------------------------------------------------------------------------------------------
# weighting

_HHMM = re.compile(r"([01]\d|2[0-3]):([0-5]\d)")


def _hhmm(_instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str) or not _HHMM.fullmatch(value):
        raise InvalidPolicy.of("hours.policy.time_of_day", _path(attribute))


@attrs.frozen(kw_only=True)
class CategoryMultiplier:
    """A credit multiplier for one service category.

    Args:
        category: The category, as in :attr:`ServiceEntry.category`.
        multiplier: A finite, non-negative :class:`~decimal.Decimal` (``Decimal("1.5")``).

    Raises:
        InvalidPolicy: ``hours.policy.multiplier`` for a bad multiplier.
    """

    category: str = attrs.field(validator=_text)
    multiplier: Decimal = attrs.field(validator=_multiplier)


@attrs.frozen(kw_only=True)
class TimeWindowMultiplier:
    """A credit multiplier for service within a local time-of-day window (e.g. night service).

    The window is wall-clock time in the zone of the place of service, every day. When ``end`` is
    not after ``start`` the window wraps past midnight: ``22:00``-``06:00`` is the night from 22:00
    to 06:00 the next morning. On daylight-saving days an ambiguous wall time takes its first
    occurrence, and a skipped one maps to the jump: a ``02:30``-``06:00`` window opens at 03:00
    EDT on the morning New York skips 02:00-03:00, and one that ends at ``02:30`` closes there.

    Args:
        start: Local start, ``HH:MM``.
        end: Local end, ``HH:MM`` (exclusive).
        multiplier: A finite, non-negative Decimal.

    Raises:
        InvalidPolicy: ``hours.policy.time_of_day`` for a malformed time,
            ``hours.policy.empty_window`` if ``start == end``, ``hours.policy.multiplier``.
    """

    start: str = attrs.field(validator=_hhmm)
    end: str = attrs.field(validator=_hhmm)
    multiplier: Decimal = attrs.field(validator=_multiplier)

    def __attrs_post_init__(self) -> None:
        """Refuse an empty window."""
        if self.start == self.end:
            raise InvalidPolicy.of("hours.policy.empty_window", "$.end")

    @property
    def start_minute(self) -> int:
        """Minutes after local midnight at which the window opens."""
        hours, minutes = self.start.split(":")
        return int(hours) * 60 + int(minutes)

    @property
    def end_minute(self) -> int:
        """Minutes after local midnight at which the window closes (next day if not after start)."""
        hours, minutes = self.end.split(":")
        return int(hours) * 60 + int(minutes)


def _category_tuple(value: Iterable[CategoryMultiplier]) -> tuple[CategoryMultiplier, ...]:
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise InvalidPolicy.of("hours.policy.invalid", "$.categories", "expected a sequence")
    return tuple(value)


def _window_tuple(value: Iterable[TimeWindowMultiplier]) -> tuple[TimeWindowMultiplier, ...]:
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise InvalidPolicy.of("hours.policy.invalid", "$.time_windows", "expected a sequence")
    return tuple(value)


@attrs.frozen(kw_only=True)
class Weighting:
    """Weighted credit: multipliers by category and by local time of day.

    The weight of a credited minute is the multiplier of its category (1 if none is listed) times
    the largest multiplier among the time windows that contain it (1 if none does). Weighted credit
    is kept apart from raw and credited minutes: it is reported as an exact
    :class:`~decimal.Decimal` (sums of whole minutes times Decimal multipliers, never rounded).

    Args:
        categories: One multiplier per category.
        time_windows: Local time-of-day windows with their multipliers.

    Raises:
        InvalidPolicy: ``hours.policy.duplicate_category`` if a category is listed twice.
    """

    categories: tuple[CategoryMultiplier, ...] = attrs.field(default=(), converter=_category_tuple)
    time_windows: tuple[TimeWindowMultiplier, ...] = attrs.field(
        default=(), converter=_window_tuple
    )

    def __attrs_post_init__(self) -> None:
        """Refuse a category listed twice, or parts of the wrong type."""
        seen: set[str] = set()
        for i, item in enumerate(self.categories):
            if not isinstance(item, CategoryMultiplier):
                raise InvalidPolicy.of("hours.policy.invalid", f"$.categories[{i}]")
            if item.category in seen:
                raise InvalidPolicy.of("hours.policy.duplicate_category", f"$.categories[{i}]")
            seen.add(item.category)
        for i, window in enumerate(self.time_windows):
            if not isinstance(window, TimeWindowMultiplier):
                raise InvalidPolicy.of("hours.policy.invalid", f"$.time_windows[{i}]")

    def category_multiplier(self, category: str) -> Decimal:
        """Return the multiplier of ``category`` (``Decimal(1)`` if it has none).

        Args:
            category: A service category.

        Returns:
            The multiplier.
        """
        for item in self.categories:
            if item.category == category:
                return item.multiplier
        return Decimal(1)

    @property
    def is_neutral(self) -> bool:
        """True when no multiplier is set, so weighted credit equals credited minutes."""
        return not self.categories and not self.time_windows


# --------------------------------------------------------------------------------------------
# the policy


@attrs.frozen(kw_only=True)
class AccrualPolicy:
    """Rules that turn recorded service into credited minutes. Serializable data.

    Args:
        name: A short name (``national``, ``beijing_university``).
        description: Free text, e.g. the rule's source.
        rounding: Rounding of credited minutes, or ``None`` for whole minutes.
        max_entry_minutes: Credit at most this many minutes per entry (the rest is not credited;
            the entry is not refused). Must be a multiple of the unit under per-entry rounding.
        daily_cap_minutes: Credit at most this many minutes per volunteer per local calendar day
            of the place of service. Must be a multiple of the unit under per-day rounding.
        overlaps: How overlapping entries of one volunteer count.
        max_record_minutes: Refuse, at record time, entries longer than this (``end - start``,
            break included); ``None`` for no limit. Defaults to 24 h (1440).
        refuse_future_service: Refuse entries that end after the recording instant.
        refuse_before_registration: Refuse entries that start before the volunteer registered.
        backfill: Refuse entries recorded after this deadline (transferred entries are exempt).
        approval: The approval decision for new entries.
        weighting: Multipliers for weighted credit.

    Raises:
        InvalidPolicy: ``hours.policy.not_positive`` for a cap below 1,
            ``hours.policy.not_multiple_of_unit`` when a cap is not a multiple of the rounding
            unit that follows it.
    """

    name: str = attrs.field(validator=_text)
    description: str = attrs.field(default="", validator=_is(str))
    rounding: Rounding | None = attrs.field(default=None)
    max_entry_minutes: int | None = attrs.field(default=None, validator=_optional_positive)
    daily_cap_minutes: int | None = attrs.field(default=None, validator=_optional_positive)
    overlaps: OverlapRule = attrs.field(factory=OverlapRule, validator=_is(OverlapRule))
    max_record_minutes: int | None = attrs.field(default=1440, validator=_optional_positive)
    refuse_future_service: bool = attrs.field(default=True, validator=_is(bool))
    refuse_before_registration: bool = attrs.field(default=True, validator=_is(bool))
    backfill: BackfillDeadline | None = attrs.field(default=None)
    approval: ApprovalRule = attrs.field(factory=ApprovalRule, validator=_is(ApprovalRule))
    weighting: Weighting = attrs.field(factory=Weighting, validator=_is(Weighting))

    def __attrs_post_init__(self) -> None:
        """Check that each cap is a multiple of the rounding unit that follows it."""
        rounding = self.rounding
        if rounding is not None and not isinstance(rounding, Rounding):
            raise InvalidPolicy.of("hours.policy.invalid", "$.rounding", "expected Rounding")
        if self.backfill is not None and not isinstance(self.backfill, BackfillDeadline):
            raise InvalidPolicy.of(
                "hours.policy.invalid", "$.backfill", "expected BackfillDeadline"
            )
        if rounding is None:
            return
        unit = rounding.unit_minutes
        if rounding.scope is RoundingScope.PER_ENTRY:
            cap, path = self.max_entry_minutes, "$.max_entry_minutes"
        else:
            cap, path = self.daily_cap_minutes, "$.daily_cap_minutes"
        if cap is not None and cap % unit:
            raise InvalidPolicy.of(
                "hours.policy.not_multiple_of_unit", path, f"{cap} is not a multiple of {unit}"
            )


# --------------------------------------------------------------------------------------------
# record-time checks


def _check_args(entry: ServiceEntry, policy: AccrualPolicy) -> None:
    if not isinstance(entry, ServiceEntry):
        raise InvalidEntry.of("hours.invalid_entry", "$.entry", "expected a ServiceEntry")
    if not isinstance(policy, AccrualPolicy):
        raise InvalidPolicy.of("hours.policy.invalid", "$.policy", "expected AccrualPolicy")


def decide_approval(entry: ServiceEntry, policy: AccrualPolicy) -> ApprovalDecision:
    """Decide whether a new entry starts approved or pending.

    The first rule that applies wins: approval off (approved, ``approval.off``); auto-approve
    (``approval.auto``); an organization entry when those are auto-approved
    (``approval.organization_entry``); auto-approve below N minutes and the entry's net minutes
    are strictly below N (``approval.below_threshold``); otherwise pending (``approval.required``).

    Args:
        entry: The new entry.
        policy: The policy.

    Returns:
        The decision.

    Raises:
        InvalidEntry: ``hours.invalid_entry`` (``$.entry``) if ``entry`` is not an entry.
        InvalidPolicy: ``hours.policy.invalid`` (``$.policy``) if ``policy`` is not a policy.
    """
    _check_args(entry, policy)
    return _decide(entry, policy)


def _decide(entry: ServiceEntry, policy: AccrualPolicy) -> ApprovalDecision:
    """:func:`decide_approval` on arguments of the right types (the ledger checks them once)."""
    rule = policy.approval
    decided = _decided_by_source(rule, entry.source)
    if decided is not None:
        return decided
    if rule.below_minutes is not None and entry.net_minutes < rule.below_minutes:
        return _DECIDED["approval.below_threshold"]
    return _DECIDED["approval.required"]


def _decided_by_source(rule: ApprovalRule, source: Source) -> ApprovalDecision | None:
    """The decision for an entry from ``source`` when no more of the entry matters.

    ``None`` when the entry's net minutes decide: auto-approval below N minutes, for an entry
    that is not an auto-approved organization entry.
    """
    if rule.mode is ApprovalMode.OFF:
        return _DECIDED["approval.off"]
    if rule.mode is ApprovalMode.AUTO:
        return _DECIDED["approval.auto"]
    if rule.auto_approve_organization_entries and source is Source.ORGANIZATION:
        return _DECIDED["approval.organization_entry"]
    if rule.mode is ApprovalMode.AUTO_BELOW and rule.below_minutes is not None:
        return None
    return _DECIDED["approval.required"]


def _decisions_by_source(policy: AccrualPolicy) -> dict[Source, ApprovalDecision]:
    """The decisions that depend on the source alone, for :func:`_decide` once per source.

    A large import looks an entry's source up here instead of deciding each entry; a source
    missing from the answer needs :func:`_decide`.
    """
    decided = {s: _decided_by_source(policy.approval, s) for s in Source}
    return {s: d for s, d in decided.items() if d is not None}


def validate_entry(
    entry: ServiceEntry,
    policy: AccrualPolicy,
    *,
    now: datetime,
    registered: date | datetime | None = None,
) -> None:
    """Check a new entry against the policy's record-time rules.

    The checks run in this order and the first failure is raised:

    1. ``hours.too_long`` (``$.end``): ``end - start`` (break included) exceeds
       ``max_record_minutes``.
    2. ``hours.future_service`` (``$.end``): the entry ends after ``now``.
    3. ``hours.before_registration`` (``$.start``): the entry starts before ``registered``. A
       :class:`~datetime.date` is compared with the local date of ``start`` in the zone of
       service; an aware :class:`~datetime.datetime` with the ``start`` instant.
    4. ``hours.backfill_deadline`` (``$.recorded_at``): ``now`` is at or after the deadline of
       :class:`BackfillDeadline`. Entries with source ``transferred`` are exempt: they were
       recorded at their origin in time, and the receiving organization verifies them instead.

    Args:
        entry: The entry about to be recorded.
        policy: The policy.
        now: The recording instant (aware); the clock is never read implicitly.
        registered: When the volunteer registered, if known.

    Raises:
        InvalidEntry: ``hours.invalid_entry`` (``$.entry``) if ``entry`` is not an entry.
        InvalidPolicy: ``hours.policy.invalid`` (``$.policy``) if ``policy`` is not a policy.
        InvalidInputError: ``time.not_datetime`` if ``now`` is not a datetime.
        NaiveDatetimeError: If ``now`` or a ``registered`` datetime is naive.
        HoursInputError: ``hours.invalid_registration`` (``$.registered``) if ``registered`` is
            neither a date nor a datetime.
        PolicyViolation: The first rule the entry breaks, with its code and path.
    """
    _check_args(entry, policy)
    require_aware(now, "$.now")
    _validate(entry, policy, now, registered)


_MICROSECOND = timedelta(microseconds=1)


def _validate(
    entry: ServiceEntry, policy: AccrualPolicy, now: datetime, registered: date | datetime | None
) -> None:
    """:func:`validate_entry` on an entry, a policy and an aware ``now`` (checked by the caller)."""
    limit = policy.max_record_minutes
    # duration_minutes (the whole minutes between the floors of end and start) is less than
    # end - start plus one minute: when end - start is under the limit, so is it, or equal.
    # Compared in microseconds: a limit past timedelta's range (about 1.4e15 minutes) is allowed
    if (
        limit is not None
        and (entry.end - entry.start) // _MICROSECOND >= limit * 60_000_000
        and entry.duration_minutes > limit
    ):
        raise PolicyViolation.of(
            "hours.too_long",
            "$.end",
            f"{entry.duration_minutes} min > {policy.max_record_minutes} min",
        )
    if policy.refuse_future_service and entry.end > now:
        raise PolicyViolation.of("hours.future_service", "$.end")
    if registered is not None and not isinstance(registered, date):
        raise HoursInputError.of("hours.invalid_registration", "$.registered")
    if isinstance(registered, datetime):  # naive is refused whether the policy compares or not
        require_aware(registered, "$.registered")
    if policy.refuse_before_registration and registered is not None:
        if isinstance(registered, datetime):
            early = entry.start < registered
        else:
            early = entry.start.astimezone(entry.zone).date() < registered
        if early:
            raise PolicyViolation.of("hours.before_registration", "$.start")
    if policy.backfill is not None and entry.source is not Source.TRANSFERRED:
        deadline = policy.backfill.deadline(entry.end, entry.zone)
        if now >= deadline:
            raise PolicyViolation.of(
                "hours.backfill_deadline",
                "$.recorded_at",
                f"last day was {policy.backfill.last_day(entry.end, entry.zone).isoformat()}",
            )


def prepare_entry(
    entry: ServiceEntry,
    policy: AccrualPolicy,
    *,
    now: datetime,
    registered: date | datetime | None = None,
) -> ServiceEntry:
    """Validate a new entry and set its initial status from the approval decision.

    Args:
        entry: The entry about to be recorded (its ``initial_status`` is replaced).
        policy: The policy.
        now: The recording instant (aware).
        registered: When the volunteer registered, if known.

    Returns:
        The entry with ``initial_status`` set to the decision's status.

    Raises:
        NaiveDatetimeError: If ``now`` or a ``registered`` datetime is naive.
        PolicyViolation: As :func:`validate_entry`.
    """
    validate_entry(entry, policy, now=now, registered=registered)
    decision = decide_approval(entry, policy)
    return entry._with_status(decision.status)


# --------------------------------------------------------------------------------------------
# presets

NATIONAL = AccrualPolicy(
    name="national",
    description=(
        "service-records.md, China national, earlier rules: 'service time is the actual time "
        "served, counted in hours, excluding round-trip travel'; Order 67: 'whoever organised it "
        "records it, whoever recorded it certifies it'."
    ),
    approval=ApprovalRule(mode=ApprovalMode.SUBMIT, auto_approve_organization_entries=True),
)
"""The national rule: actual time served, in whole minutes, travel excluded.

Source (``service-records.md``, "China, national"): "service time is the actual time served, counted
in hours, excluding round-trip travel" (2012 measures; 2015 certificate guidance), and Order 67:
"whoever organised it records it, whoever recorded it certifies it".

No rounding beyond whole minutes, no caps, overlaps counted once. Entries that the organization
enters are approved on entry (it records and certifies); others are submitted for approval. Records
longer than 24 h are refused (the library default, not part of the national rule).
"""

BEIJING_UNIVERSITY = AccrualPolicy(
    name="beijing_university",
    description=(
        "service-records.md, local rules: 'Units of half an hour; any day above 8 h counts as "
        "8 h; hours certified within one month (a Beijing university).'"
    ),
    rounding=Rounding(unit_minutes=30, mode=RoundingMode.DOWN, scope=RoundingScope.PER_DAY),
    daily_cap_minutes=480,
    backfill=BackfillDeadline(months=1),
)
"""A Beijing university: half-hour units, 8 h a day, certified within one month.

Source (``service-records.md``, "Local rules seen in practice"): "Units of half an hour; any day
above 8 h counts as 8 h; hours certified within one month (a Beijing university)."

Interpretation: each local day's credit is capped at 480 minutes and then rounded *down* to whole
30-minute units (an unfinished half hour does not count); "within one month" is a back-fill deadline
of one calendar month after the local date the service ended (2024-01-31 -> until 2024-02-29
inclusive, see :class:`BackfillDeadline`).
"""

UNIVERSITY_8H_PER_ACTIVITY = AccrualPolicy(
    name="university_8h_per_activity",
    description="service-records.md, local rules: 'At most 8 h per activity (another university).'",
    max_entry_minutes=480,
)
"""Another university: at most 8 hours per activity.

Source (``service-records.md``, "Local rules seen in practice"): "At most 8 h per activity (another
university)."

Interpretation: one service entry is one activity session, and each entry is credited at most 480
minutes. An activity recorded as several entries is *not* summed against one 8-hour limit.
"""

CHECK_IN_OUT = AccrualPolicy(
    name="check_in_out",
    description=(
        "service-records.md, software practice: 'Check-in/out: ... records over 24 h are "
        "refused; overlapping records are flagged.'"
    ),
    max_record_minutes=1440,
    overlaps=OverlapRule(merge=True, grace_minutes=0),
    approval=ApprovalRule(mode=ApprovalMode.AUTO),
)
"""App check-in/check-out: records over 24 h refused, overlaps flagged and counted once.

Source (``service-records.md``, "Software practice elsewhere"): "Check-in/out: early arrival earns
no credit; a missing check-out is credited to the shift end or closed at midnight; records over 24 h
are refused; overlapping records are flagged."

The check-in/out times come from the app, so entries are approved automatically. Early arrival and
missing check-outs need the shift's times and are handled where shifts live (matching), not here.
"""


def auto_approve_below(minutes: int, base: AccrualPolicy = NATIONAL) -> AccrualPolicy:
    """Return ``base`` with auto-approval of entries shorter than ``minutes``.

    Source (``service-records.md``, "Software practice elsewhere"): "Approval modes: off,
    submit-then-verify, auto-approve; hours entered by a manager are auto-approved; auto-approve
    below a set number of hours."

    Args:
        minutes: Entries whose net minutes are strictly below this are approved on entry.
        base: The policy to start from.

    Returns:
        A new policy named ``<base>_auto_below_<minutes>``.

    Raises:
        InvalidPolicy: ``hours.policy.threshold`` if ``minutes`` is not positive,
            ``hours.policy.invalid`` (``$.base``) if ``base`` is not a policy.
    """
    if not isinstance(base, AccrualPolicy):
        raise InvalidPolicy.of("hours.policy.invalid", "$.base", "expected AccrualPolicy")
    return attrs.evolve(
        base,
        name=f"{base.name}_auto_below_{minutes}",
        approval=ApprovalRule(
            mode=ApprovalMode.AUTO_BELOW,
            below_minutes=minutes,
            auto_approve_organization_entries=base.approval.auto_approve_organization_entries,
        ),
    )


PRESETS: Mapping[str, AccrualPolicy] = {
    p.name: p for p in (NATIONAL, BEIJING_UNIVERSITY, UNIVERSITY_8H_PER_ACTIVITY, CHECK_IN_OUT)
}
"""The named presets by name."""


def preset(name: str) -> AccrualPolicy:
    """Return the named preset.

    Args:
        name: ``national``, ``beijing_university``, ``university_8h_per_activity`` or
            ``check_in_out``.

    Returns:
        The policy.

    Raises:
        UnknownPreset: ``hours.unknown_preset`` if there is no such preset.
    """
    try:
        return PRESETS[name]
    except (KeyError, TypeError):  # TypeError: an unhashable name, such as a list
        raise UnknownPreset.of(
            "hours.unknown_preset", "$.name", f"known: {', '.join(sorted(PRESETS))}"
        ) from None


for _enum in (RoundingMode, RoundingScope, ApprovalMode):
    register_str_enum(_enum)
