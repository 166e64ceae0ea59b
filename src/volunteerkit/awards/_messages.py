"""Every code the awards part reports, with its English and Chinese message templates.

Templates take named fields (``{field}``, ``{counted}`` …) filled by :func:`message`. Values put in
them are rule-file paths, numbers, dates and level ids: never personal data.
"""

from __future__ import annotations

from typing import Any

__all__ = ["MESSAGES", "message"]

MESSAGES: dict[str, tuple[str, str]] = {
    # rule files: structure (reported by the schema check)
    "awards.rules.type": ("expected {expected}", "应为{expected_zh}"),
    "awards.rules.missing": ("required field {field!r} is missing", "缺少必填字段 {field!r}"),
    "awards.rules.unknown_field": (
        "unknown field {field!r} (a typo?)",
        "未知字段 {field!r}(是否拼写错误?)",
    ),
    "awards.rules.value": (
        "value not allowed here; expected one of: {allowed}",
        "此处不允许该值;应为以下之一:{allowed}",
    ),
    "awards.rules.pattern": (
        "text does not have the expected form: {form}",
        "文本格式不符:{form_zh}",
    ),
    "awards.rules.range": ("number out of range: {low} to {high}", "数值超出范围:{low} 至 {high}"),
    "awards.rules.length": ("wrong length: {bounds}", "长度不符:{bounds_zh}"),
    "awards.rules.duplicate_item": ("an item is listed twice", "有重复的项"),
    "awards.rules.one_of": ("give exactly one of: {fields}", "以下字段须且只须给出一个:{fields}"),
    "awards.rules.date": (
        "not a valid calendar date (YYYY-MM-DD)",
        "不是有效的日历日期(YYYY-MM-DD)",
    ),
    "awards.rules.group_age": (
        "a group level cannot have an age band (groups have no age)",
        "集体等级不能设年龄段(集体没有年龄)",
    ),
    # rule files: meaning (checked by the loader only)
    "awards.rules.syntax": (
        "the file is not valid {format}: {detail}",
        "文件不是有效的 {format}:{detail}",
    ),
    "awards.rules.file": ("the rule file cannot be read: {detail}", "无法读取规则文件:{detail}"),
    "awards.rules.duplicate_level": (
        "level id {level!r} is used twice",
        "等级标识 {level!r} 重复使用",
    ),
    "awards.rules.unknown_prerequisite": (
        "prerequisite {level!r} is not a level of this rule set",
        "前置等级 {level!r} 不是本规则集的等级",
    ),
    "awards.rules.prerequisite_order": (
        "prerequisite {level!r} must be declared before the level that requires it",
        "前置等级 {level!r} 必须在要求它的等级之前声明",
    ),
    "awards.rules.effective_dates": (
        "effective_to is before effective_from",
        "effective_to 早于 effective_from",
    ),
    "awards.rules.date_range": (
        "the window's last date is before its first",
        "区间的结束日期早于开始日期",
    ),
    "awards.rules.age_range": ("min_age is above max_age", "min_age 大于 max_age"),
    "awards.rules.repeat_window": (
        "repeat = 'per_period' needs a window with periods; a rolling window has none",
        "repeat = 'per_period' 需要分期的区间;滚动区间没有分期",
    ),
    "awards.rules.age_on_lifetime": (
        "age on 'period_start' needs a window with a start; a lifetime window has none",
        "按 'period_start' 计算年龄需要有起点的区间;终身区间没有起点",
    ),
    "awards.rules.filter_conflict": (
        "{value!r} is both included and excluded",
        "{value!r} 同时被包含和排除",
    ),
    "awards.rules.invalid": ("the rule set has {count} problem(s)", "规则集有 {count} 个问题"),
    "awards.unknown_rule_set": (
        "no built-in rule set {rule_set!r}{version_text}",
        "没有内置规则集 {rule_set!r}{version_text}",
    ),
    # evaluation input
    "awards.input.invalid": ("invalid evaluation input: {detail}", "评定输入无效:{detail}"),
    "awards.input.duplicate_line": (
        "entry {entry} has two credit lines on {day}",
        "服务记录 {entry} 在 {day} 有两条计时行",
    ),
    "awards.input.source_missing": (
        "the rule filters on sources but this credit line has no source",
        "规则按来源筛选,但该计时行没有来源",
    ),
    "awards.input.period_too_long": (
        "the chosen period is longer than {months} months",
        "所选期间超过 {months} 个月",
    ),
    "awards.input.group_members": (
        "a group subject needs distinct member ids",
        "集体对象的成员标识不能重复",
    ),
    # reasons a level is not (yet) granted
    "awards.hours_short": (
        "counted {counted} of {required} in the window",
        "区间内已计 {counted_zh},需 {required_zh}",
    ),
    "awards.members_short": (
        "{short} of {members} member(s) have fewer than {required}",
        "{members} 名成员中有 {short} 名不足 {required_zh}",
    ),
    "awards.span_short": (
        "first and last service must be at least {span} apart",
        "首次与最近一次服务须至少相隔 {span_zh}",
    ),
    "awards.days_short": (
        "served on {days} day(s); at least {required} needed",
        "服务 {days} 天;至少需要 {required} 天",
    ),
    "awards.months_short": (
        "served in {months} month(s); at least {required} needed",
        "服务 {months} 个月;至少需要 {required} 个月",
    ),
    "awards.prerequisite_missing": (
        "level {level!r} must be granted first",
        "须先获得等级 {level!r}",
    ),
    "awards.recommendation_missing": (
        "eligible since {day}, awaiting recommendation",
        "自 {day} 起符合条件,等待推荐",
    ),
    "awards.age_out_of_band": (
        "age {age} on {day} is outside {band}",
        "{day} 时年龄 {age} 岁,不在 {band_zh} 内",
    ),
    "awards.age_unknown": ("the birth date is not known", "出生日期未知"),
    "awards.not_a_group": ("this level is for families and groups", "此等级仅授予家庭和集体"),
    "awards.not_an_individual": ("this level is for individuals", "此等级仅授予个人"),
    "awards.start_unknown": (
        "the window starts on the subject's {start!r} date, which is not known",
        "区间从对象的 {start!r} 日期起算,但该日期未知",
    ),
    "awards.window_not_started": ("the window starts on {day}", "区间从 {day} 开始"),
    "awards.not_in_effect": (
        "the rule set is in effect from {first} to {last}; the level would be earned on {day}",
        "规则集有效期为 {first} 至 {last};该等级将于 {day} 达到",
    ),
    "awards.no_longer_supported": (
        "no longer supported by the hours: {detail}",
        "现有时长已不再支持该奖项:{detail_zh}",
    ),
    "awards.conflict": (
        "a different award record with this id is already stored",
        "已存在相同标识但内容不同的奖项记录",
    ),
}
"""Code → (English template, Chinese template)."""


def message(code: str, **fields: Any) -> tuple[str, str]:
    """Return the English and Chinese messages of ``code`` with ``fields`` filled in.

    Args:
        code: A code of :data:`MESSAGES`.
        **fields: The template's fields; a field ``x_zh`` (the Chinese form of ``x``) defaults to
            ``x``.

    Returns:
        ``(message, message_zh)``.
    """
    en, zh = MESSAGES[code]
    for name in [f for f in fields if not f.endswith("_zh")]:
        fields.setdefault(f"{name}_zh", fields[name])
    return en.format(**fields), zh.format(**fields)
