"""Errors and reason codes of the matching part.

Every code has one English and one Chinese text in :data:`MESSAGES`, so a code always says the same
thing wherever it appears: in an exception (:class:`MatchingInputError`) or in an eligibility
:class:`~volunteerkit.matching.eligibility.Reason`.
"""

from __future__ import annotations

from volunteerkit.errors import InvalidInputError, NotFoundError

__all__ = ["MESSAGES", "MatchingInputError", "MatchingNotFound", "text_of"]

MESSAGES: dict[str, tuple[str, str]] = {
    # model validation
    "matching.invalid": ("invalid matching input", "匹配输入无效"),
    "matching.empty_field": ("this field must not be empty", "此字段不能为空"),
    "matching.id_too_long": ("an id must be at most 256 characters", "标识不得超过 256 个字符"),
    "matching.negative": ("this value must be a non-negative integer", "此值必须是非负整数"),
    "matching.not_positive": ("this value must be a positive integer", "此值必须是正整数"),
    "matching.codes": (
        "expected a collection of codes (a list of texts), not one text or another value",
        "应为代码集合(文本列表),而不是单个文本或其他值",
    ),
    "matching.date": (
        "expected a calendar date (a date, not a datetime or text)",
        "应为日历日期(date,而非 datetime 或文本)",
    ),
    "matching.coordinates": (
        "latitude must be within [-90, 90] and longitude within [-180, 180]",
        "纬度必须在 [-90, 90] 内,经度必须在 [-180, 180] 内",
    ),
    "matching.location_required": (
        "a project that is not remote needs a location",
        "非线上项目必须有地点",
    ),
    "matching.age_range": ("minimum age must not exceed maximum age", "最小年龄不能大于最大年龄"),
    "matching.validity_range": (
        "a qualification's validity must not end before it starts",
        "资质的有效期结束不能早于开始",
    ),
    "matching.minute_of_day": (
        "a weekly window is given in minutes of the day, 0 <= start < end <= 1440",
        "每周时段以当天分钟数表示,须满足 0 <= 开始 < 结束 <= 1440",
    ),
    "matching.weekday": (
        "weekday must be 0 (Monday) to 6 (Sunday)",
        "星期必须为 0(周一)到 6(周日)",
    ),
    "matching.interval": ("the end must be after the start", "结束时间必须晚于开始时间"),
    "matching.zone_mismatch": (
        "a shift's zone must be its project's zone",
        "班次的时区必须与其项目的时区相同",
    ),
    "matching.recurrence": (
        "the recurrence rule is not a valid RFC 5545 RRULE",
        "重复规则不是有效的 RFC 5545 RRULE",
    ),
    "matching.window_required": (
        "expanding shifts needs a window with an end after its start",
        "展开班次需要一个结束晚于开始的时间窗口",
    ),
    "matching.duplicate_id": ("the same id appears twice", "同一标识出现了两次"),
    "matching.unknown_reference": (
        "the record refers to an id that is not given",
        "记录引用了未提供的标识",
    ),
    "matching.weight": (
        "a weight must be a finite, non-negative Decimal",
        "权重必须是有限的非负 Decimal",
    ),
    "matching.problem_shape": (
        "the allocation problem's arrays do not fit together",
        "分配问题的数组长度不一致",
    ),
    "matching.candidate": (
        "a candidate must be a (volunteer id, slot id, integer score) triple",
        "候选项必须是(志愿者标识, 岗位标识, 整数分数)三元组",
    ),
    "matching.backend_unavailable": (
        "the requested solver backend is not installed",
        "所请求的求解后端未安装",
    ),
    "matching.backend_range": (
        "the numbers are too large for this solver backend; the python backend takes any integer",
        "数值超出该求解后端能精确计算的范围;python 后端可处理任意整数",
    ),
    "matching.backend_unknown": ("unknown solver backend or mode", "未知的求解后端或模式"),
    "matching.not_found": ("matching record not found", "未找到匹配记录"),
    "matching.conflict": (
        "a different record with this id is already stored",
        "已存在相同标识但内容不同的记录",
    ),
    # eligibility reasons
    "matching.missing_skill": ("the volunteer lacks a required skill", "志愿者缺少所需技能"),
    "matching.missing_qualification": (
        "the volunteer lacks a required qualification",
        "志愿者缺少所需资质",
    ),
    "matching.qualification_not_valid": (
        "a required qualification is not valid on a shift date",
        "所需资质在某个班次日期无效",
    ),
    "matching.missing_language": (
        "the volunteer does not speak a required language",
        "志愿者不会所需语言",
    ),
    "matching.birth_date_unknown": (
        "the role has an age limit and the volunteer's birth date is unknown",
        "该岗位有年龄限制,但志愿者出生日期未知",
    ),
    "matching.too_young": (
        "the volunteer is younger than the minimum age on a shift date",
        "志愿者在某个班次日期未达到最低年龄",
    ),
    "matching.too_old": (
        "the volunteer is older than the maximum age on a shift date",
        "志愿者在某个班次日期超过最高年龄",
    ),
    "matching.agreement_required": (
        "the role needs a signed volunteer agreement",
        "该岗位需要签署志愿服务协议",
    ),
    "matching.insurance_required": (
        "the role needs insurance valid on every shift date",
        "该岗位需要在每个班次日期有效的保险",
    ),
    "matching.too_far": (
        "the project is farther than the volunteer's maximum distance",
        "项目距离超过志愿者可接受的最远距离",
    ),
    "matching.remote_not_wanted": (
        "the project is remote and the volunteer does not take remote roles",
        "项目为线上项目,而志愿者不接受线上岗位",
    ),
    "matching.location_unknown": (
        "the volunteer set a maximum distance but the project or home has no coordinates",
        "志愿者设置了最远距离,但项目或住址没有坐标",
    ),
    "matching.over_weekly_hours": (
        "the role needs more minutes in a week than the volunteer's weekly maximum",
        "该岗位每周所需时长超过志愿者每周上限",
    ),
    "matching.not_available": (
        "the volunteer is available for none of the role's shifts",
        "志愿者在该岗位的所有班次时间均不可用",
    ),
    "matching.no_shifts": (
        "the role has no shift in the planning window",
        "该岗位在规划时间窗口内没有班次",
    ),
    # allocation outcomes
    "matching.no_candidates": ("no eligible volunteer for this slot", "该岗位没有符合条件的志愿者"),
    "matching.candidates_placed_elsewhere": (
        "eligible volunteers were placed where they add more to the total score, or reached their limit",
        "符合条件的志愿者被分配到总分更高的位置,或已达上限",
    ),
    "matching.no_eligible_slot": (
        "the volunteer is eligible for no slot",
        "志愿者不符合任何岗位的条件",
    ),
    "matching.slots_taken": (
        "every slot the volunteer is eligible for was filled by others with a higher total score",
        "志愿者符合条件的岗位均已由总分更高的安排占满",
    ),
    # rostering outcomes
    "matching.roster_uncovered": (
        "no assigned volunteer could take this shift within the rules",
        "在规则范围内没有已分配的志愿者能承担此班次",
    ),
}
"""Each ``matching.*`` error code with its message in English and in Chinese."""


def text_of(code: str) -> tuple[str, str]:
    """Return the English and Chinese texts of a matching code.

    Args:
        code: A code from :data:`MESSAGES`.

    Returns:
        ``(english, chinese)``.
    """
    return MESSAGES.get(code, MESSAGES["matching.invalid"])


class MatchingInputError(InvalidInputError):
    """Input to the matching part that breaks its rules (a bad model field, a bad problem)."""

    default_code = "matching.invalid"
    default_message = MESSAGES["matching.invalid"][0]
    default_message_zh = MESSAGES["matching.invalid"][1]

    @classmethod
    def of(cls, code: str, path: str | None = None) -> MatchingInputError:
        """Build the error for ``code`` with its standard texts.

        Args:
            code: A code from :data:`MESSAGES`.
            path: The offending field's path.

        Returns:
            The error (not raised).
        """
        en, zh = text_of(code)
        return cls(en, zh, code=code, path=path)


class MatchingNotFound(NotFoundError):
    """A project, slot, shift or assignment that the store does not hold."""

    default_code = "matching.not_found"
    default_message = MESSAGES["matching.not_found"][0]
    default_message_zh = MESSAGES["matching.not_found"][1]
