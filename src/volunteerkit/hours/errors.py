"""Errors of the service-hours ledger.

Every error here derives from :class:`volunteerkit.errors.InvalidInputError` (so from
:class:`~volunteerkit.errors.VolunteerkitError`) and carries a stable dotted code, an English and a
Chinese message, and the path of the offending field. The codes and their messages live in one
table, :data:`MESSAGES`, so a code always says the same thing wherever it is raised.

The family:

* :class:`InvalidEntry`: a service entry that is wrong in itself (end before start, a break longer
  than the service, a bad id);
* :class:`PolicyViolation`: an entry that is well formed but that the accrual policy refuses at
  record time (too long, in the future, before registration, past the back-fill deadline);
* :class:`InvalidPolicy`: an accrual policy whose parts contradict each other;
* :class:`InvalidEvent`: a ledger event that is malformed or cannot apply to its entry;
* :class:`LedgerConflict`: two different records under one id;
* :class:`UnknownEntry` and :class:`UnknownPreset`: look-ups that found nothing (they are also
  :class:`LookupError`, never a bare :class:`KeyError`).
"""

from __future__ import annotations

from typing import ClassVar, TypeVar

from volunteerkit.errors import InvalidInputError

__all__ = [
    "MESSAGES",
    "HoursInputError",
    "InvalidEntry",
    "InvalidEvent",
    "InvalidPolicy",
    "InvalidWindow",
    "LedgerConflict",
    "PolicyViolation",
    "UnknownEntry",
    "UnknownPreset",
]

MESSAGES: dict[str, tuple[str, str]] = {
    # entries
    "hours.invalid_entry": ("invalid service entry", "服务记录无效"),
    "hours.end_before_start": (
        "the end of service must be after its start",
        "服务结束时间必须晚于开始时间",
    ),
    "hours.out_of_range": (
        "this instant is outside the range of dates the ledger supports",
        "该时刻超出台账支持的日期范围",
    ),
    "hours.too_short": (
        "the entry must last at least one whole minute",
        "服务记录至少应持续一整分钟",
    ),
    "hours.negative_minutes": ("minutes must be a non-negative integer", "分钟数必须是非负整数"),
    "hours.too_many_minutes": ("too many minutes", "分钟数过大"),
    "hours.break_too_long": (
        "the break must be shorter than the service",
        "休息时间必须短于服务时间",
    ),
    "hours.empty_field": ("this field must not be empty", "此字段不能为空"),
    "hours.invalid_id": (
        "an id is an origin (letters, digits, '.', '_', '-') and a local id without spaces",
        "标识由来源(字母、数字、'.'、'_'、'-')和不含空白的本地标识组成",
    ),
    "hours.initial_status": (
        "an entry is recorded as pending or approved",
        "服务记录登记时的状态只能是待审核或已通过",
    ),
    "hours.id_too_long": (
        "this id is longer than the stores can index",
        "该标识过长,存储无法为其建立索引",
    ),
    "hours.invalid_zone": (
        "expected an IANA time zone (zoneinfo.ZoneInfo)",
        "应为 IANA 时区(zoneinfo.ZoneInfo)",
    ),
    # record-time policy checks
    "hours.too_long": (
        "the entry lasts longer than the policy allows for one record",
        "服务记录时长超过政策允许的单条上限",
    ),
    "hours.future_service": (
        "service that has not ended yet cannot be recorded",
        "尚未结束的服务不能登记",
    ),
    "hours.before_registration": (
        "service before the volunteer's registration cannot be recorded",
        "不能登记志愿者注册之前的服务",
    ),
    "hours.invalid_registration": (
        "the registration must be a date or a timezone-aware datetime",
        "注册时间应为日期或带时区的日期时间",
    ),
    "hours.backfill_deadline": (
        "the back-fill deadline for this service has passed",
        "该服务的补录期限已过",
    ),
    # arguments
    "hours.invalid_argument": (
        "this argument has the wrong type",
        "此参数的类型不正确",
    ),
    # queries
    "hours.invalid_filter": (
        "a volunteer, organization, region or category filter must be text without NUL or lone "
        "surrogates",
        "志愿者、组织、地区或类别筛选条件必须是不含 NUL 或孤立代理项的文本",
    ),
    "hours.invalid_region": (
        "a home region must be text without NUL or lone surrogates, or None",
        "所属地区必须是不含 NUL 或孤立代理项的文本,或为 None",
    ),
    # policies
    "hours.policy.invalid": ("invalid accrual policy", "计时政策无效"),
    "hours.policy.not_positive": ("this value must be a positive integer", "此值必须是正整数"),
    "hours.policy.not_multiple_of_unit": (
        "caps must be whole multiples of the rounding unit",
        "上限必须是取整单位的整数倍",
    ),
    "hours.policy.threshold": (
        "auto-approval below a threshold needs a positive threshold, and only that mode takes one",
        "低于阈值自动通过需要正的阈值,且只有该模式可设阈值",
    ),
    "hours.policy.multiplier": (
        "a multiplier must be a finite, non-negative Decimal",
        "倍数必须是有限的非负 Decimal",
    ),
    "hours.policy.duplicate_category": (
        "a category has more than one multiplier",
        "同一类别设置了多个倍数",
    ),
    "hours.policy.time_of_day": (
        "expected a local time of day as HH:MM (00:00 to 23:59)",
        "应为 HH:MM 格式的当地时刻(00:00 至 23:59)",
    ),
    "hours.policy.empty_window": (
        "a time window must not start and end at the same time",
        "时间段的开始与结束不能相同",
    ),
    "hours.policy.deadline": (
        "a back-fill deadline needs a non-negative number of days and months",
        "补录期限的天数和月数必须为非负",
    ),
    "hours.policy.grace": (
        "an overlap grace is a non-negative whole number of minutes",
        "重叠宽限必须是非负整数分钟",
    ),
    # windows
    "hours.window.invalid": ("invalid window", "统计区间无效"),
    # events
    "hours.invalid_event": ("invalid ledger event", "台账事件无效"),
    "hours.invalid_correction": (
        "a correction either reverses the entry or adjusts its start, end or break",
        "更正要么冲销记录,要么调整其开始、结束或休息时间",
    ),
    "hours.unknown_entry": ("no such service entry", "没有该服务记录"),
    "hours.event_before_entry": (
        "the event is dated before its entry was recorded",
        "事件时间早于其服务记录的登记时间",
    ),
    "hours.invalid_transition": (
        "the event cannot apply to the entry in its current status",
        "该事件不适用于服务记录的当前状态",
    ),
    # conflicts
    "hours.entry_conflict": (
        "two different entries share one id",
        "两条不同的服务记录使用了同一标识",
    ),
    "hours.event_conflict": (
        "two different events share one id",
        "两个不同的事件使用了同一标识",
    ),
    # presets
    "hours.unknown_preset": ("no accrual policy preset has this name", "没有该名称的计时政策预设"),
}
"""Every code this module raises, with its English and Chinese message."""

E = TypeVar("E", bound="HoursInputError")


class HoursInputError(InvalidInputError):
    """Base of the hours errors: an input the ledger refuses.

    Use :meth:`of` to raise one by code, so its messages come from :data:`MESSAGES`.
    """

    default_code: ClassVar[str] = "hours.invalid_entry"
    default_message: ClassVar[str] = MESSAGES["hours.invalid_entry"][0]
    default_message_zh: ClassVar[str] = MESSAGES["hours.invalid_entry"][1]

    @classmethod
    def of(cls: type[E], code: str, path: str | None = None, detail: str | None = None) -> E:
        """Build an error from its stable code.

        Args:
            code: A code listed in :data:`MESSAGES`.
            path: The path of the offending field, such as ``$.end``.
            detail: Optional non-personal detail (numbers, limits) appended to both messages.

        Returns:
            The error, ready to raise.
        """
        en, zh = MESSAGES.get(code, (cls.default_message, cls.default_message_zh))
        if detail:
            en = f"{en} ({detail})"
            zh = f"{zh}({detail})"
        return cls(en, zh, code=code, path=path)


class InvalidEntry(HoursInputError):
    """A service entry that is wrong in itself (bad times, minutes, ids or empty fields)."""

    default_code = "hours.invalid_entry"
    default_message = MESSAGES["hours.invalid_entry"][0]
    default_message_zh = MESSAGES["hours.invalid_entry"][1]


class PolicyViolation(HoursInputError):
    """A well-formed entry that the accrual policy refuses at record time."""

    default_code = "hours.too_long"
    default_message = MESSAGES["hours.too_long"][0]
    default_message_zh = MESSAGES["hours.too_long"][1]


class InvalidPolicy(HoursInputError):
    """An accrual policy that is malformed or whose parts contradict each other."""

    default_code = "hours.policy.invalid"
    default_message = MESSAGES["hours.policy.invalid"][0]
    default_message_zh = MESSAGES["hours.policy.invalid"][1]


class InvalidWindow(HoursInputError):
    """A totals window that is malformed (for example a date range that ends before it starts)."""

    default_code = "hours.window.invalid"
    default_message = MESSAGES["hours.window.invalid"][0]
    default_message_zh = MESSAGES["hours.window.invalid"][1]


class InvalidEvent(HoursInputError):
    """A ledger event that is malformed or cannot apply to its entry."""

    default_code = "hours.invalid_event"
    default_message = MESSAGES["hours.invalid_event"][0]
    default_message_zh = MESSAGES["hours.invalid_event"][1]


class LedgerConflict(HoursInputError):
    """Two different entries, or two different events, under one id."""

    default_code = "hours.entry_conflict"
    default_message = MESSAGES["hours.entry_conflict"][0]
    default_message_zh = MESSAGES["hours.entry_conflict"][1]


class UnknownEntry(HoursInputError, LookupError):
    """No entry with the requested id (as of the requested instant)."""

    default_code = "hours.unknown_entry"
    default_message = MESSAGES["hours.unknown_entry"][0]
    default_message_zh = MESSAGES["hours.unknown_entry"][1]


class UnknownPreset(HoursInputError, LookupError):
    """No accrual policy preset with the requested name."""

    default_code = "hours.unknown_preset"
    default_message = MESSAGES["hours.unknown_preset"][0]
    default_message_zh = MESSAGES["hours.unknown_preset"][1]
