"""Contact and profile checks: phone numbers (E.164), e-mail syntax, BCP 47 language tags."""

from __future__ import annotations

import pytest

from volunteerkit.errors import InvalidInputError
from volunteerkit.registry import normalize_email, normalize_language_tag, normalize_phone


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("13123456789", "+8613123456789"),
        ("131 2345 6789", "+8613123456789"),
        ("+86 131-2345-6789", "+8613123456789"),
        ("0086 13123456789", "+8613123456789"),
        ("１３１２３４５６７８９", "+8613123456789"),  # full-width digits
        ("+1 (415) 555-2671", "+14155552671"),
        ("+44 7911 123456", "+447911123456"),
        ("+852 9123 4567", "+85291234567"),
    ],
)
def test_valid_phones_are_normalized_to_e164(raw: str, e164: str) -> None:
    """Mainland mobiles and international numbers come back in E.164."""
    assert normalize_phone(raw) == e164


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("13123456789ab", "registry.phone.format"),  # phonenumbers would drop the letters
        ("131-2345-6789 ext. 12", "registry.phone.format"),
        ("4155552671", "registry.phone.format"),  # foreign without +
        ("15412345678", "registry.phone.mobile"),  # block 154 is not allocated
        ("19412345678", "registry.phone.mobile"),
        ("+86 10 6552 9988", "registry.phone.mobile"),  # a Beijing landline
        ("+999 123456789", "registry.phone.invalid"),
        ("+1 415 555 267", "registry.phone.invalid"),
        ("", "registry.phone.format"),
        ("+" + "1" * 40, "registry.phone.format"),
    ],
)
def test_invalid_phones_are_refused(raw: str, code: str) -> None:
    """Letters, unallocated mainland blocks, landlines and invalid numbers are refused."""
    with pytest.raises(InvalidInputError) as info:
        normalize_phone(raw, path="$.guardian.phone")
    assert info.value.code == code
    assert info.value.path == "$.guardian.phone"
    assert raw.strip() == "" or raw not in str(info.value)


def test_phone_must_be_text() -> None:
    """A phone number that is not a string is refused with the format code."""
    with pytest.raises(InvalidInputError) as info:
        normalize_phone(13123456789)
    assert (info.value.code, info.value.path) == ("registry.phone.format", "$.phone")


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("a@b.co", "a@b.co"),
        (" Li.Na@Example.ORG ", "Li.Na@example.org"),
        ("volunteer+beijing@mail.xn--fiqs8s", "volunteer+beijing@mail.xn--fiqs8s"),
        ("o'brien@example.ie", "o'brien@example.ie"),
    ],
)
def test_valid_emails(raw: str, normal: str) -> None:
    """Addresses in dot-atom form are accepted; the domain is lower-cased."""
    assert normalize_email(raw) == normal


@pytest.mark.parametrize(
    "raw",
    [
        "plain",
        "a@b",
        "a@b.c",
        "a..b@example.org",
        ".a@example.org",
        "a.@example.org",
        "a@-example.org",
        "a@example-.org",
        "a@@example.org",
        "a b@example.org",
        '"quoted"@example.org',
        "a@[127.0.0.1]",
        "用户@例子.中国",
        "x" * 65 + "@example.org",
        "a@" + "b" * 64 + ".org",
    ],
)
def test_invalid_emails(raw: str) -> None:
    """Addresses outside the documented syntax are refused with registry.email.invalid."""
    with pytest.raises(InvalidInputError) as info:
        normalize_email(raw)
    assert (info.value.code, info.value.path) == ("registry.email.invalid", "$.email")


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("zh", "zh"),
        ("ZH-hans-cn", "zh-Hans-CN"),
        ("zh-hant-tw", "zh-Hant-TW"),
        ("yue-hk", "yue-HK"),
        ("zh-cmn-Hans-CN", "zh-cmn-Hans-CN"),  # extended language subtag
        ("es-419", "es-419"),  # numeric region
        ("de-CH-1901", "de-CH-1901"),  # variant
        ("sl-rozaj-biske", "sl-rozaj-biske"),
        ("en-US-u-islamcal", "en-US-u-islamcal"),  # extension
        ("en-a-xyz-US", "en-a-xyz-us"),  # after a singleton everything is lower case
        ("en-US-x-twain", "en-US-x-twain"),
        ("x-whatever", "x-whatever"),  # private use only
        ("i-klingon", "i-klingon"),  # grandfathered
        ("EN-gb-OED", "en-GB-oed"),
        ("qaa-Qaaa-QM-x-southern", "qaa-Qaaa-QM-x-southern"),
    ],
)
def test_language_tags_are_well_formed_and_canonical(raw: str, canonical: str) -> None:
    """Well-formed BCP 47 tags come back in the canonical case of RFC 5646 section 2.1.1."""
    assert normalize_language_tag(raw) == canonical


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "e",
        "englishlanguage",  # a subtag of more than 8 letters
        "zh_CN",
        "en--US",
        "en-",
        "a-DE",
        "de-CH-1901-1901",  # duplicate variant
        "en-a-bbb-a-ccc",  # duplicate singleton
        "en-a",  # singleton without a subtag
        "123",
        "中文",
        "x",
    ],
)
def test_malformed_language_tags(raw: str) -> None:
    """Tags that break the RFC 5646 ABNF (or repeat a variant or singleton) are refused."""
    with pytest.raises(InvalidInputError) as info:
        normalize_language_tag(raw, path="$.languages[2]")
    assert (info.value.code, info.value.path) == ("registry.language_tag", "$.languages[2]")
