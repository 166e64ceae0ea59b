"""Checks of the contact and profile fields of a volunteer: phone, e-mail, language tags, text.

Every check returns the normalized value or raises :class:`~volunteerkit.errors.InvalidInputError`
with a stable code and the field path. Messages never contain the value that was checked.

* **Phone numbers** are stored in E.164 (``+8613123456789``). A mainland number (``+86``, ``0086``
  or 11 digits starting with ``1``) must be a mobile number valid for the identity scheme
  :mod:`~volunteerkit.registry.identity.cn_mobile` (libphonenumber's MOBILE blocks, no naive
  ``1[3-9]`` pattern). Any other number must start with ``+`` and be ``is_valid_number`` for
  libphonenumber (``phonenumbers``). Letters and stray characters are refused *before*
  ``phonenumbers`` sees the value, because ``phonenumbers.parse`` silently drops trailing letters
  (identity.md section 5).
* **E-mail addresses** get a syntax check only (no DNS, no network): one ``@``; a local part of
  1-64 characters in the RFC 5322 *dot-atom* form (letters, digits and
  ``!#$%&'*+/=?^_`{|}~-``, dots only between characters); a domain of at least two dot-separated
  labels of letters, digits and inner hyphens, each at most 63 characters, the last one alphabetic
  of 2 or more letters (or ``xn--`` punycode); at most 254 characters in all. ASCII only: convert
  an internationalized domain to punycode first. Quoted local parts and IP-literal domains are
  refused. The domain is lower-cased; the local part is kept as given (it may be case-sensitive).
* **Language tags** are checked against the ABNF of BCP 47 (RFC 5646 section 2.1): language
  (2-3 letters with up to three extended subtags, or 4-8 letters), script, region, variants,
  extensions and a private-use part, plus the grandfathered tags. Duplicate variants and duplicate
  extension singletons are refused (section 2.2.5, 2.2.6). The tag is returned in the canonical
  case of section 2.1.1: lower case, except a 4-letter script in title case and a 2-letter
  region in upper case (``zh-hant-tw`` -> ``zh-Hant-TW``). Subtags are not checked against the
  IANA registry (that would be "valid", a stronger property than "well-formed").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Any, Final

from volunteerkit._text import unstorable
from volunteerkit.errors import InvalidInputError

__all__ = [
    "as_tuple",
    "check_list",
    "check_text",
    "is_e164",
    "normalize_email",
    "normalize_language_tag",
    "normalize_phone",
]

_MAX_PHONE_INPUT: Final = 40

# Characters a phone number may be written with besides digits and a leading "+".
_PHONE_SEPARATORS: Final = {
    ord(c): None for c in " \t-.()\u00a0\u3000\u2010\u2011\u2012\u2013\u2014"
}
_PHONE_SHAPE: Final = re.compile(r"\+?[0-9]{4,20}", re.ASCII).fullmatch
_CN_MOBILE: Final = re.compile(r"(?:\+86|0086)?1[0-9]{10}", re.ASCII).fullmatch


def _phone_error(message: str, message_zh: str, code: str, path: str) -> InvalidInputError:
    return InvalidInputError(message, message_zh, code=code, path=path)


def normalize_phone(value: object, *, path: str = "$.phone") -> str:
    """Check a phone number and return it in E.164 form.

    Args:
        value: The number as typed: ``+86 131-2345-6789``, ``13123456789``, ``+44 7911 123456``.
        path: The field path reported in errors.

    Returns:
        The E.164 form, such as ``+8613123456789``.

    Raises:
        InvalidInputError: ``registry.phone.format`` (not a string, letters or other characters,
            no ``+`` for a non-mainland number), ``registry.phone.mobile`` (a ``+86`` number
            that is not a valid mainland mobile number) or ``registry.phone.invalid`` (not a
            valid number for libphonenumber).

    Examples:
        >>> normalize_phone("131 2345 6789")
        '+8613123456789'
        >>> normalize_phone("+44 7911 123456")
        '+447911123456'
    """
    if not isinstance(value, str) or len(value) > _MAX_PHONE_INPUT:
        raise _phone_error(
            "the phone number must be a string of at most 40 characters",
            "电话号码必须是不超过 40 个字符的字符串",
            "registry.phone.format",
            path,
        )
    text = unicodedata.normalize("NFKC", value).translate(_PHONE_SEPARATORS)
    if not text.isascii() or _PHONE_SHAPE(text) is None:
        raise _phone_error(
            "the phone number may contain only digits, an initial +, spaces, hyphens, dots and "
            "parentheses",
            "电话号码只能包含数字、开头的 +、空格、连字符、点和括号",
            "registry.phone.format",
            path,
        )
    if _CN_MOBILE(text) is not None or text.startswith("+86"):
        from volunteerkit.registry.identity import InvalidIdentity, cn_mobile

        try:
            return cn_mobile.to_e164(text)
        except InvalidIdentity:
            raise _phone_error(
                "a mainland China number must be a valid mobile number",
                "中国大陆号码必须是有效的手机号码",
                "registry.phone.mobile",
                path,
            ) from None
    if not text.startswith("+"):
        raise _phone_error(
            "give a number outside mainland China in international form, starting with +",
            "中国大陆以外的号码请以 + 开头的国际格式填写",
            "registry.phone.format",
            path,
        )
    import phonenumbers  # imported on first use (it takes ~15 ms)

    try:
        parsed = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is None or not phonenumbers.is_valid_number(parsed):
        raise _phone_error(
            "the phone number is not a valid number",
            "电话号码无效",
            "registry.phone.invalid",
            path,
        )
    return str(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164))


_E164: Final = re.compile(r"\+[1-9][0-9]{6,14}", re.ASCII).fullmatch


def is_e164(value: str) -> bool:
    """Return whether ``value`` has the shape of an E.164 number (``+`` and 7-15 digits).

    Args:
        value: The text.

    Returns:
        ``True`` for ``+8613123456789``.
    """
    return _E164(value) is not None


_ATOM: Final = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LOCAL: Final = re.compile(rf"{_ATOM}(?:\.{_ATOM})*", re.ASCII).fullmatch
_LABEL: Final = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?", re.ASCII).fullmatch
_TLD: Final = re.compile(r"[a-z]{2,63}|xn--[a-z0-9-]{1,59}", re.ASCII).fullmatch


def normalize_email(value: object, *, path: str = "$.email") -> str:
    """Check the syntax of an e-mail address and return it with its domain in lower case.

    Only the syntax is checked (see the module docstring for the exact rules); nothing is
    looked up on the network.

    Args:
        value: The address.
        path: The field path reported in errors.

    Returns:
        The address, surrounding white space removed and the domain lower-cased.

    Raises:
        InvalidInputError: ``registry.email.invalid`` if the address breaks the rules.

    Examples:
        >>> normalize_email(" Li.Na@Example.ORG ")
        'Li.Na@example.org'
    """
    error = InvalidInputError(
        "not a valid e-mail address (expected local-part@domain.tld, ASCII only)",
        "不是有效的电子邮件地址(应为 本地部分@域名.顶级域名,仅限 ASCII)",
        code="registry.email.invalid",
        path=path,
    )
    if not isinstance(value, str) or len(value) > 320:
        raise error
    text = value.strip()
    if len(text) > 254 or not text.isascii() or text.count("@") != 1:
        raise error
    local, domain = text.split("@")
    domain = domain.lower()
    if len(local) > 64 or _LOCAL(local) is None:
        raise error
    labels = domain.split(".")
    if len(labels) < 2 or not all(_LABEL(label) for label in labels) or not _TLD(labels[-1]):
        raise error
    return f"{local}@{domain}"


_ALNUM: Final = "[a-z0-9]"
_SINGLETON: Final = "[0-9a-wyz]"
_LANGTAG: Final = re.compile(
    r"(?P<language>[a-z]{2,3}(?:-[a-z]{3}){0,3}|[a-z]{4,8})"
    r"(?:-(?P<script>[a-z]{4}))?"
    r"(?:-(?P<region>[a-z]{2}|[0-9]{3}))?"
    rf"(?P<variants>(?:-(?:{_ALNUM}{{5,8}}|[0-9]{_ALNUM}{{3}}))*)"
    rf"(?P<extensions>(?:-{_SINGLETON}(?:-{_ALNUM}{{2,8}})+)*)"
    rf"(?:-(?P<private>x(?:-{_ALNUM}{{1,8}})+))?",
    re.ASCII,
).fullmatch
_PRIVATE: Final = re.compile(rf"x(?:-{_ALNUM}{{1,8}})+", re.ASCII).fullmatch
_GRANDFATHERED: Final = frozenset(
    {
        # irregular
        "en-gb-oed", "i-ami", "i-bnn", "i-default", "i-enochian", "i-hak", "i-klingon", "i-lux",
        "i-mingo", "i-navajo", "i-pwn", "i-tao", "i-tay", "i-tsu", "sgn-be-fr", "sgn-be-nl",
        "sgn-ch-de",
        # regular
        "art-lojban", "cel-gaulish", "no-bok", "no-nyn", "zh-guoyu", "zh-hakka", "zh-min",
        "zh-min-nan", "zh-xiang",
    }
)  # fmt: skip


def _canonical_case(tag: str) -> str:
    """Apply RFC 5646 section 2.1.1: scripts in title case, regions in upper case, else lower."""
    out: list[str] = []
    after_singleton = False
    for index, subtag in enumerate(tag.split("-")):
        if index > 0 and not after_singleton:
            if len(subtag) == 1:
                after_singleton = True
            elif len(subtag) == 2:
                subtag = subtag.upper()
            elif len(subtag) == 4 and subtag.isalpha():
                subtag = subtag.title()
        out.append(subtag)
    return "-".join(out)


def normalize_language_tag(value: object, *, path: str = "$.languages") -> str:
    """Check that a language tag is well-formed BCP 47 and return it in canonical case.

    Args:
        value: The tag, such as ``zh-hant-tw`` or ``EN``; underscores are not accepted.
        path: The field path reported in errors.

    Returns:
        The tag in the case RFC 5646 recommends (``zh-Hant-TW``, ``en``, ``yue-HK``).

    Raises:
        InvalidInputError: ``registry.language_tag`` if the tag is not well-formed.

    Examples:
        >>> normalize_language_tag("zh-hant-tw")
        'zh-Hant-TW'
        >>> normalize_language_tag("en-gb-oed")
        'en-GB-oed'
    """
    error = InvalidInputError(
        "not a well-formed BCP 47 language tag (RFC 5646), such as zh-Hans-CN or en",
        "不是格式正确的 BCP 47 语言标签(RFC 5646),例如 zh-Hans-CN 或 en",
        code="registry.language_tag",
        path=path,
    )
    if not isinstance(value, str) or not value or len(value) > 100 or not value.isascii():
        raise error
    tag = value.strip().lower()
    if tag in _GRANDFATHERED or _PRIVATE(tag) is not None:
        return _canonical_case(tag)
    match = _LANGTAG(tag)
    if match is None:
        raise error
    variants = match.group("variants").split("-")[1:]
    if len(set(variants)) != len(variants):
        raise error
    singletons = [s for s in match.group("extensions").split("-")[1:] if len(s) == 1]
    if len(set(singletons)) != len(singletons):
        raise error
    return _canonical_case(tag)


_CONTROL: Final = re.compile(r"[\x00-\x1f\x7f-\x9f]").search
"""Unicode category Cc: the C0 and C1 control characters and DEL."""


def check_text(value: object, *, path: str, max_length: int, field: str, field_zh: str) -> str:
    """Check a short text field: a string, not blank, no control characters, not too long.

    Args:
        value: The text.
        path: The field path reported in errors.
        max_length: The most characters allowed.
        field: The field's English name, for the message.
        field_zh: The field's Chinese name, for the message.

    Returns:
        ``value`` unchanged.

    Raises:
        InvalidInputError: ``registry.text`` if the rules are broken.
    """
    if (
        not isinstance(value, str)
        or not value.strip()
        or value != value.strip()
        or len(value) > max_length
        or _CONTROL(value) is not None
        or unstorable(value)
    ):
        raise InvalidInputError(
            f"{field} must be non-blank text of at most {max_length} characters, without "
            "control characters, lone surrogates or surrounding white space",
            f"{field_zh}必须是不超过 {max_length} 个字符的非空文本,不含控制字符或孤立代理字符,"
            "首尾无空白",
            code="registry.text",
            path=path,
        )
    return value


def as_tuple(value: Any) -> Any:
    """Convert a list-like field value to a tuple, leaving anything else for its validator.

    A string (or bytes) is iterable, but a list of one's characters is never what was meant:
    ``skills="first aid"`` must be refused, not stored as ``("f", "i", "r", ...)``. Such values,
    and values that are not iterable, are returned unchanged so that :func:`check_list` reports
    them with the field's path.

    Args:
        value: The value given for a list field.

    Returns:
        A tuple of the items, or ``value`` itself if it is text or not iterable.
    """
    if isinstance(value, str | bytes | bytearray) or not isinstance(value, Iterable):
        return value
    return tuple(value)


def check_list(value: object, *, path: str) -> tuple[Any, ...]:
    """Return the items of a list field, refusing a single text or a non-iterable value.

    Args:
        value: The value given for a list field (a list, tuple or other iterable).
        path: The field path reported in errors.

    Returns:
        The items as a tuple.

    Raises:
        InvalidInputError: ``registry.list`` if ``value`` is text or not iterable.
    """
    items = as_tuple(value)
    if not isinstance(items, tuple):
        raise InvalidInputError(
            "expected a list of items (a single text is not a list)",
            "应为列表(单个字符串不是列表)",
            code="registry.list",
            path=path,
        )
    return items
