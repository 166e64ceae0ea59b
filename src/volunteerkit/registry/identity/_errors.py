"""Errors raised by identity-document validation.

The family mirrors python-stdnum's exceptions so that its users feel at home, but every class is a
:class:`volunteerkit.errors.InvalidInputError` with a stable dotted code and messages in English and
Chinese. Messages never contain the number that was checked, not even in part: they say *what* is
wrong, never *which value* was wrong.
"""

from __future__ import annotations

from volunteerkit.errors import InvalidInputError

__all__ = [
    "InvalidChecksum",
    "InvalidComponent",
    "InvalidFormat",
    "InvalidIdentity",
    "InvalidLength",
    "UnknownScheme",
]


class InvalidIdentity(InvalidInputError):
    """An identity-document number that breaks its scheme's rules (code ``identity.*``)."""

    default_code = "identity.invalid"
    default_message = "invalid identity document number"
    default_message_zh = "证件号码无效"


class InvalidFormat(InvalidIdentity):
    """The value has characters or a layout the scheme does not allow (``identity.format*``)."""

    default_code = "identity.format"
    default_message = "the number has an invalid format"
    default_message_zh = "号码格式错误"


class InvalidLength(InvalidFormat):
    """The value has the wrong number of characters (``identity.length*``)."""

    default_code = "identity.length"
    default_message = "the number has the wrong length"
    default_message_zh = "号码长度错误"


class InvalidChecksum(InvalidIdentity):
    """A check character does not match the rest of the number (``identity.checksum*``)."""

    default_code = "identity.checksum"
    default_message = "the check character does not match"
    default_message_zh = "校验码不正确"


class InvalidComponent(InvalidIdentity):
    """A part of the number (region, birth date, type) is impossible (``identity.component*``).

    The check characters may well be correct: the number is well-formed but says something that
    cannot be true, such as a birth date of 13 months or an address code that never existed.
    """

    default_code = "identity.component"
    default_message = "a part of the number is not valid"
    default_message_zh = "号码的组成部分无效"


class UnknownScheme(InvalidInputError, LookupError):
    """The scheme id passed to :func:`~volunteerkit.registry.identity.validate` is not known.

    This is a programming error rather than a bad number, so it is deliberately *not* an
    :class:`InvalidIdentity`: ``except InvalidIdentity`` does not hide a misspelt scheme id.
    """

    default_code = "identity.unknown_scheme"
    default_message = "unknown identity document scheme"
    default_message_zh = "未知的证件类型"


# ---------------------------------------------------------------------------------------------
# Factories for the errors the schemes raise. Keeping the wording here keeps it uniform, and keeps
# every message free of input values by construction (none of these take the value).


def not_a_string() -> InvalidFormat:
    """Return the error for a value that is not a ``str``."""
    return InvalidFormat(
        "the number must be given as a string",
        "号码必须以字符串形式提供",
        code="identity.format.type",
        path="$",
    )


def too_long() -> InvalidLength:
    """Return the error for a value far longer than any identity number."""
    return InvalidLength(
        "the value is far too long to be an identity number",
        "输入过长,不可能是证件号码",
        code="identity.length.too_long",
        path="$",
    )


def non_ascii() -> InvalidFormat:
    """Return the error for characters that stay non-ASCII after normalization."""
    return InvalidFormat(
        "the number contains characters other than ASCII letters and digits",
        "号码含有 ASCII 字母和数字以外的字符",
        code="identity.format.charset",
        path="$",
    )


def bad_length(expected: str, expected_zh: str) -> InvalidLength:
    """Return a length error.

    Args:
        expected: What the scheme expects, in English (``"18 characters"``).
        expected_zh: The same in Chinese (``"18 位"``).

    Returns:
        The error, ready to raise.
    """
    return InvalidLength(
        f"the number must have {expected}",
        f"号码应为{expected_zh}",
        path="$",
    )


def bad_format(expected: str, expected_zh: str, *, code: str = "identity.format") -> InvalidFormat:
    """Return a format error.

    Args:
        expected: What the scheme expects, in English.
        expected_zh: The same in Chinese.
        code: A more specific code under ``identity.format``.

    Returns:
        The error, ready to raise.
    """
    return InvalidFormat(
        f"invalid format: expected {expected}",
        f"格式错误:应为{expected_zh}",
        code=code,
        path="$",
    )


def bad_checksum(
    what: str = "check character", what_zh: str = "校验码", *, code: str = "identity.checksum"
) -> InvalidChecksum:
    """Return a checksum error.

    Args:
        what: Which check failed, in English.
        what_zh: The same in Chinese.
        code: A more specific code under ``identity.checksum``.

    Returns:
        The error, ready to raise.
    """
    return InvalidChecksum(
        f"the {what} does not match the rest of the number",
        f"{what_zh}与号码其余部分不符",
        code=code,
        path="$",
    )


def bad_component(message: str, message_zh: str, *, code: str) -> InvalidComponent:
    """Return a component error.

    Args:
        message: English message (without any input value).
        message_zh: Chinese message (without any input value).
        code: A code under ``identity.component``.

    Returns:
        The error, ready to raise.
    """
    return InvalidComponent(message, message_zh, code=code, path="$")


def bad_birth_date() -> InvalidComponent:
    """Return the error for a birth date that is not a real calendar date (or before 1800)."""
    return bad_component(
        "the birth date in the number is not a real calendar date (or is before 1800)",
        "号码中的出生日期不是有效日期(或早于 1800 年)",
        code="identity.component.birth_date",
    )


def future_birth_date() -> InvalidComponent:
    """Return the error for a birth date after the clock's date."""
    return bad_component(
        "the birth date in the number is after today's date",
        "号码中的出生日期晚于当前日期",
        code="identity.component.future_birth_date",
    )


def bad_region() -> InvalidComponent:
    """Return the error for an address code that is not a GB/T 2260 code."""
    return bad_component(
        "the address code is not a known GB/T 2260 administrative division code",
        "地址码不是已知的 GB/T 2260 行政区划代码",
        code="identity.component.region",
    )
