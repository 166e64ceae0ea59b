"""The warnings parse() attaches to valid numbers (codes ``identity.warning.*``)."""

from __future__ import annotations

from volunteerkit.registry.identity._model import IdentityWarning

__all__ = [
    "expired",
    "legacy_arc",
    "legacy_ric",
    "low_confidence",
    "no_check_digit",
    "region_after_birth",
    "unconfirmed_check_digit",
    "unknown_nationality",
    "unknown_region",
]


def no_check_digit() -> IdentityWarning:
    """Return the warning for schemes validated by format only."""
    return IdentityWarning(
        code="identity.warning.no_check_digit",
        message=(
            "format-only check: this document has no public check digit, "
            "so a mistyped number cannot be detected"
        ),
        message_zh="仅校验格式:该证件没有公开的校验码,无法发现录入错误",
    )


def low_confidence() -> IdentityWarning:
    """Return the warning for rules known only from secondary sources."""
    return IdentityWarning(
        code="identity.warning.low_confidence",
        message="the format rules for this document come from secondary sources (low confidence)",
        message_zh="该证件的格式规则来自二手资料(可信度低)",
    )


def unconfirmed_check_digit() -> IdentityWarning:
    """Return the warning for a 2017 permanent-residence number whose 7-3-1 check fails."""
    return IdentityWarning(
        code="identity.warning.unconfirmed_check_digit",
        message=(
            "the last character does not match the ICAO 7-3-1 check digit that published "
            "implementations use; the rule is not officially confirmed, so the number is not "
            "refused"
        ),
        message_zh="末位与公开实现采用的 ICAO 7-3-1 校验码不符;该规则未经官方确认,故不拒绝此号码",
    )


def region_after_birth() -> IdentityWarning:
    """Return the warning for an address code first listed after the holder's birth date."""
    return IdentityWarning(
        code="identity.warning.region_after_birth",
        message=(
            "the address code was first listed after the birth date; numbers take the code in "
            "force when they are assigned, so this is possible (late registration, re-issue), "
            "but worth a second look"
        ),
        message_zh=(
            "地址码在出生日期之后才出现;号码采用赋码时的行政区划代码,因此这种情况可能存在"
            "(补登、重新赋码),但值得复核"
        ),
    )


def legacy_ric() -> IdentityWarning:
    """Return the warning for a first-generation 15-digit citizen number."""
    return IdentityWarning(
        code="identity.warning.legacy_format",
        message=(
            "a 15-digit first-generation number (GB 11643-1989), converted to 18 digits; "
            "first-generation cards lost validity on 2013-01-01"
        ),
        message_zh=(
            "15 位第一代身份证号码(GB 11643-1989),已升为 18 位;第一代身份证自 2013-01-01 起停止使用"
        ),
    )


def legacy_arc() -> IdentityWarning:
    """Return the warning for an old-format Taiwan ARC number."""
    return IdentityWarning(
        code="identity.warning.legacy_format",
        message=(
            "an old-format resident certificate number (letter, letter A-D, 8 digits); "
            "replaced by the 2021 format and no longer used from 2031-01-01"
        ),
        message_zh=(
            "旧式居留证号码(字母、A-D 字母、8 位数字);"
            "已被 2021 年新式号码取代,2031-01-01 起停止使用"
        ),
    )


def unknown_region() -> IdentityWarning:
    """Return the warning for a region part that matches no GB/T 2260 code."""
    return IdentityWarning(
        code="identity.warning.region",
        message="the region part of the number matches no known GB/T 2260 code",
        message_zh="号码中的地区部分与已知的 GB/T 2260 代码都不符",
    )


def unknown_nationality() -> IdentityWarning:
    """Return the warning for a nationality part that is not an ISO 3166-1 code."""
    return IdentityWarning(
        code="identity.warning.nationality",
        message="the nationality part of the number is not an ISO 3166-1 country code",
        message_zh="号码中的国籍部分不是 ISO 3166-1 国家代码",
    )


def expired() -> IdentityWarning:
    """Return the warning for a passport whose MRZ expiry date is before the clock's date."""
    return IdentityWarning(
        code="identity.warning.expired",
        message="the document's expiry date is before today's date",
        message_zh="证件有效期已过",
    )
