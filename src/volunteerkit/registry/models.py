"""The registry's models: volunteers, organizations, memberships, guardians and qualifications.

Every model is a frozen, keyword-only attrs class that round-trips through the library's one
converter (``structure(unstructure(x), type(x)) == x``). Constructors check each field and raise
:class:`~volunteerkit.errors.InvalidInputError` with a stable code and the field path; they check
*shape* (an E.164 phone, a canonical language tag, a GB/T 2260 code). The business rules that need
a clock or a policy (minimum age, guardian consent, documents cross-checked against declared facts)
live in :class:`~volunteerkit.registry.service.Registry` and
:class:`~volunteerkit.registry.policy.RegistrationPolicy`.

Personal data: ``repr()`` of a :class:`Volunteer` or :class:`Guardian` shows the identity number
masked (``110105********002X``) and leaves out the name, phone, e-mail and birth date, so that
models can be logged. ``unstructure()`` gives everything: it is the form for storage and export and
must be handled as personal data.

:class:`SealedNumber` and :class:`VolunteerRecord` are what the stores hold: the volunteer without
its identity numbers, plus each number sealed (encrypted, or kept plain when the application gives
no encryption key) and the keyed blind index used to find a person by document.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from typing import Any, Final

import attrs

from volunteerkit._clock import as_utc, optional_as_utc, require_instant
from volunteerkit._text import unstorable
from volunteerkit.errors import InvalidInputError, mask
from volunteerkit.registry._checks import (
    as_tuple,
    check_list,
    check_text,
    is_e164,
    normalize_email,
    normalize_language_tag,
)
from volunteerkit.registry.identity import IdentityDocument, Sex, cn_uscc, is_masked
from volunteerkit.registry.identity._data import alpha3_codes, region_codes

__all__ = [
    "ConsentMethod",
    "Guardian",
    "GuardianConsent",
    "GuardianRelationship",
    "Membership",
    "MembershipEnd",
    "MembershipRole",
    "Organization",
    "OrganizationKind",
    "Qualification",
    "SealedNumber",
    "VerificationStatus",
    "Volunteer",
    "VolunteerRecord",
    "VolunteerStatus",
    "age_on",
    "masked_phone",
    "organization_kind",
]


# --------------------------------------------------------------------------------------------
# Enums


class VolunteerStatus(enum.Enum):
    """Where a volunteer's registration stands.

    ``ACTIVE``, ``SUSPENDED`` and ``INACTIVE`` can change into each other
    (:meth:`~volunteerkit.registry.service.Registry.set_status`); ``MERGED`` and ``ANONYMISED`` are
    final and are set only by :meth:`~volunteerkit.registry.service.Registry.merge` and
    :meth:`~volunteerkit.registry.service.Registry.anonymise`.
    """

    ACTIVE = "active"
    SUSPENDED = "suspended"
    """Blocked by an administrator: cannot join organizations or re-register."""
    INACTIVE = "inactive"
    """Withdrawn; registering again with the same document reactivates the record."""
    MERGED = "merged"
    """A duplicate record of a person, merged into another (see ``merged_into``)."""
    ANONYMISED = "anonymised"
    """Personal data removed; what statistics need is kept."""


class VerificationStatus(enum.Enum):
    """Whether an organization's registration has been checked by the platform."""

    PENDING = "pending"
    VERIFIED = "verified"
    REJECTED = "rejected"
    REVOKED = "revoked"


class OrganizationKind(enum.Enum):
    """The kind of organization, as its Unified Social Credit Code says.

    Civil affairs (民政, department ``5``) registers the three kinds of social organization that
    most volunteer organizations are (identity.md section 4, GB 32100-2015 table).
    """

    SOCIAL_ORGANIZATION = "social_organization"
    """``51`` 社会团体 (social organization, such as a volunteer association)."""
    SOCIAL_SERVICE_ORGANIZATION = "social_service_organization"
    """``52`` 民办非企业单位 (private non-enterprise unit, now "social service organization")."""
    FOUNDATION = "foundation"
    """``53`` 基金会 (foundation)."""
    OTHER_CIVIL_AFFAIRS = "other_civil_affairs"
    """``59``: other organizations registered by civil affairs."""
    OTHER = "other"
    """Any other USCC: a public institution (``12``), a company (``91``) …"""
    UNREGISTERED = "unregistered"
    """No USCC: a volunteer team without legal registration, usually under a parent."""


_CIVIL_AFFAIRS: Final = {
    "51": OrganizationKind.SOCIAL_ORGANIZATION,
    "52": OrganizationKind.SOCIAL_SERVICE_ORGANIZATION,
    "53": OrganizationKind.FOUNDATION,
    "59": OrganizationKind.OTHER_CIVIL_AFFAIRS,
}


def organization_kind(uscc: str | None) -> OrganizationKind:
    """Return the kind of organization a (valid, canonical) USCC denotes.

    Args:
        uscc: The code, or ``None`` for an unregistered team.

    Returns:
        The kind, from the first two characters of the code.

    Raises:
        InvalidInputError: ``registry.uscc`` at ``$.uscc`` if ``uscc`` is neither text nor
            ``None``.

    Examples:
        >>> organization_kind("51100000AB12C34D2Y").value
        'social_organization'
        >>> organization_kind(None).value
        'unregistered'
    """
    if uscc is None:
        return OrganizationKind.UNREGISTERED
    if not isinstance(uscc, str):
        raise _err("expected text or None", "应为文本或 None", "registry.uscc", "$.uscc")
    return _CIVIL_AFFAIRS.get(uscc[:2], OrganizationKind.OTHER)


class MembershipRole(enum.Enum):
    """A volunteer's role in an organization."""

    MEMBER = "member"
    LEADER = "leader"
    """Leads a team or project (队长)."""
    COORDINATOR = "coordinator"
    """Records and approves service (管理员/联络人)."""
    ADMINISTRATOR = "administrator"


class MembershipEnd(enum.Enum):
    """Why a membership ended."""

    LEFT = "left"
    REMOVED = "removed"
    MERGED = "merged"
    """The volunteer record was merged into another, which took the membership over."""


class GuardianRelationship(enum.Enum):
    """How a guardian is related to the minor (PRC Civil Code Art. 27: parents first)."""

    PARENT = "parent"
    GRANDPARENT = "grandparent"
    SIBLING = "sibling"
    OTHER = "other"
    """Another legal guardian (a relative, or one appointed)."""


class ConsentMethod(enum.Enum):
    """How a guardian's consent was given."""

    WRITTEN = "written"
    ELECTRONIC = "electronic"
    IN_PERSON = "in_person"


# --------------------------------------------------------------------------------------------
# Field validators


def _err(message: str, message_zh: str, code: str, path: str) -> InvalidInputError:
    return InvalidInputError(message, message_zh, code=code, path=path)


def _id(_inst: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str) or not 1 <= len(value) <= 64 or not value.isprintable():
        raise _err(
            "an id must be 1 to 64 printable characters",
            "标识必须是 1 至 64 个可打印字符",
            "registry.id",
            f"$.{attribute.name}",
        )


def _optional_id(_inst: object, attribute: attrs.Attribute[str | None], value: str | None) -> None:
    if value is not None:
        _id(_inst, attribute, value)  # type: ignore[arg-type]


_Validator = Callable[[Any, Any, Any], None]


def _name(max_length: int) -> _Validator:
    def check(_inst: object, attribute: attrs.Attribute[str], value: str) -> None:
        check_text(
            value,
            path=f"$.{attribute.name}",
            max_length=max_length,
            field="the name",
            field_zh="名称",
        )

    return check


def _optional_name(max_length: int) -> _Validator:
    inner = _name(max_length)

    def check(inst: object, attribute: attrs.Attribute[str | None], value: str | None) -> None:
        if value is not None:
            inner(inst, attribute, value)

    return check


def _aware(_inst: object, attribute: attrs.Attribute[datetime], value: datetime) -> None:
    if not isinstance(value, datetime):
        raise _err(
            "expected a datetime", "应为日期时间", "registry.datetime", f"$.{attribute.name}"
        )
    require_instant(value, f"$.{attribute.name}")


def _optional_aware(
    inst: object, attribute: attrs.Attribute[datetime | None], value: datetime | None
) -> None:
    if value is not None:
        _aware(inst, attribute, value)  # type: ignore[arg-type]


def _plain_date(_inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and (not isinstance(value, date) or isinstance(value, datetime)):
        raise _err(
            "expected a calendar date", "应为日历日期", "registry.date", f"$.{attribute.name}"
        )


def _member_of(cls: type[enum.Enum], *, optional: bool = False) -> _Validator:
    """Return a validator that accepts only members of ``cls`` (and ``None`` if ``optional``)."""

    def check(_inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if isinstance(value, cls) or (optional and value is None):
            return
        names = ", ".join(f"{cls.__name__}.{member.name}" for member in cls)
        raise _err(
            f"expected one of {names}",
            f"应为以下之一:{names}",
            "registry.enum",
            f"$.{attribute.name}",
        )

    return check


def _region(_inst: object, attribute: attrs.Attribute[str | None], value: str | None) -> None:
    if value is not None and (not isinstance(value, str) or value not in region_codes()):
        raise _err(
            "the region must be a six-digit GB/T 2260 administrative division code",
            "地区必须是六位 GB/T 2260 行政区划代码",
            "registry.region",
            f"$.{attribute.name}",
        )


def _nationality(_inst: object, attribute: attrs.Attribute[str | None], value: str | None) -> None:
    if value is not None and (not isinstance(value, str) or value not in alpha3_codes()):
        raise _err(
            "the nationality must be an ISO 3166-1 alpha-3 code in upper case, such as CHN",
            "国籍必须是大写的 ISO 3166-1 三字母代码,例如 CHN",
            "registry.nationality",
            f"$.{attribute.name}",
        )


def _phone(_inst: object, attribute: attrs.Attribute[str | None], value: str | None) -> None:
    if value is not None and (not isinstance(value, str) or not is_e164(value)):
        raise _err(
            "the phone number must be in E.164 form, such as +8613123456789",
            "电话号码必须是 E.164 格式,例如 +8613123456789",
            "registry.phone.format",
            f"$.{attribute.name}",
        )


def _email(_inst: object, attribute: attrs.Attribute[str | None], value: str | None) -> None:
    if value is not None and normalize_email(value, path=f"$.{attribute.name}") != value:
        raise _err(
            "the e-mail address must be normalized (no surrounding spaces, lower-case domain)",
            "电子邮件地址必须规范化(首尾无空格,域名小写)",
            "registry.email.invalid",
            f"$.{attribute.name}",
        )


def _languages(
    _inst: object, attribute: attrs.Attribute[tuple[str, ...]], value: tuple[str, ...]
) -> None:
    check_list(value, path=f"$.{attribute.name}")
    for index, tag in enumerate(value):
        path = f"$.{attribute.name}[{index}]"
        if normalize_language_tag(tag, path=path) != tag:
            raise _err(
                "the language tag must be in canonical case, such as zh-Hans-CN",
                "语言标签必须使用规范大小写,例如 zh-Hans-CN",
                "registry.language_tag",
                path,
            )
    if len(set(value)) != len(value):
        raise _err(
            "a language is listed twice", "语言重复", "registry.duplicate", f"$.{attribute.name}"
        )


def _skills(
    _inst: object, attribute: attrs.Attribute[tuple[str, ...]], value: tuple[str, ...]
) -> None:
    check_list(value, path=f"$.{attribute.name}")
    for index, skill in enumerate(value):
        check_text(
            skill,
            path=f"$.{attribute.name}[{index}]",
            max_length=100,
            field="a skill",
            field_zh="技能",
        )
    if len(set(value)) != len(value):
        raise _err(
            "a skill is listed twice", "技能重复", "registry.duplicate", f"$.{attribute.name}"
        )


def _each_qualification(
    _inst: object, attribute: attrs.Attribute[Any], value: tuple[object, ...]
) -> None:
    check_list(value, path=f"$.{attribute.name}")
    for index, item in enumerate(value):
        if not isinstance(item, Qualification):
            raise _err(
                "expected a Qualification",
                "应为 Qualification",
                "registry.qualification",
                f"$.{attribute.name}[{index}]",
            )


def _short_text(_inst: object, attribute: attrs.Attribute[str], value: str) -> None:
    if (
        not isinstance(value, str)
        or len(value) > 200
        or unstorable(value)
        or value != value.strip()
    ):
        raise _err(
            "must be text of at most 200 characters without NUL, lone surrogates or surrounding "
            "white space",
            "必须是不超过 200 个字符的文本,不含 NUL 或孤立代理字符,首尾无空白",
            "registry.text",
            f"$.{attribute.name}",
        )


def _strings(value: Iterable[str]) -> tuple[str, ...]:
    return as_tuple(value)  # type: ignore[no-any-return]


def _qualifications(value: Iterable[Qualification]) -> tuple[Qualification, ...]:
    return as_tuple(value)  # type: ignore[no-any-return]


# --------------------------------------------------------------------------------------------
# Age


def _check_age(age: object) -> None:
    """Refuse an age that is not a whole number of years (``registry.age`` at ``$.age``)."""
    if isinstance(age, bool) or not isinstance(age, int):
        raise InvalidInputError(
            "the age must be a whole number of years",
            "年龄必须是整数周岁",
            code="registry.age",
            path="$.age",
        )


def age_on(birth_date: date, day: date) -> int:
    """Return a person's age in completed years on ``day``.

    A person is one year older on each anniversary of their birth. Someone born on 29 February
    turns a year older on **1 March** in common years (and on 29 February in leap years): the
    anniversary is the day after 28 February, as many jurisdictions reckon it. So a person born
    2008-02-29 is 17 on 2026-02-28 and 18 on 2026-03-01.

    Args:
        birth_date: The birth date.
        day: The day to compute the age on (a local date: see
            :attr:`~volunteerkit.registry.policy.RegistrationPolicy.time_zone`).

    Returns:
        The age in completed years (negative if ``day`` is before the birth date).

    Raises:
        InvalidInputError: ``registry.date`` at ``$.birth_date`` or ``$.day`` for a value that is
            not a calendar date (``None``, text, or a ``datetime``, whose date depends on a zone).

    Examples:
        >>> age_on(date(2008, 2, 29), date(2026, 2, 28))
        17
        >>> age_on(date(2008, 2, 29), date(2026, 3, 1))
        18
    """
    for name, value in (("birth_date", birth_date), ("day", day)):
        if not isinstance(value, date) or isinstance(value, datetime):
            raise _err("expected a calendar date", "应为日历日期", "registry.date", f"$.{name}")
    # Comparing (month, day) pairs implements the 1 March rule: (2, 28) < (2, 29) < (3, 1).
    before_birthday = (day.month, day.day) < (birth_date.month, birth_date.day)
    return day.year - birth_date.year - int(before_birthday)


# --------------------------------------------------------------------------------------------
# Models


@attrs.frozen(kw_only=True)
class Qualification:
    """A qualification a volunteer holds: first aid, lifeguard, sign language, a licence.

    Attributes:
        name: What the qualification is.
        issuer: Who issued it (may be empty).
        issued_on: When it was issued.
        expires_on: When it expires (last valid day), or ``None`` if it does not.

    Raises:
        InvalidInputError: ``registry.text`` at ``$.name`` or ``$.issuer`` for text that is
            not allowed; ``registry.date`` at ``$.issued_on`` or ``$.expires_on`` for a value that
            is not a calendar date; ``registry.qualification_dates`` at ``$.expires_on`` if it is
            before the issue date.
    """

    name: str = attrs.field(validator=_name(200))
    issuer: str = attrs.field(default="", validator=_short_text)
    issued_on: date = attrs.field(validator=_plain_date)
    expires_on: date | None = attrs.field(default=None, validator=_plain_date)

    def __attrs_post_init__(self) -> None:
        """Check that the expiry is not before the issue date."""
        if self.expires_on is not None and self.expires_on < self.issued_on:
            raise _err(
                "a qualification cannot expire before it was issued",
                "资格证书的到期日不能早于签发日",
                "registry.qualification_dates",
                "$.expires_on",
            )

    def valid_on(self, day: date) -> bool:
        """Return whether the qualification is in force on ``day``.

        Args:
            day: The day.

        Returns:
            ``True`` from ``issued_on`` to ``expires_on``, both included.
        """
        return self.issued_on <= day and (self.expires_on is None or day <= self.expires_on)


@attrs.frozen(kw_only=True)
class GuardianConsent:
    """A guardian's consent to a minor's registration.

    The Communist Youth League rules (2013) require a legal representative's consent for
    volunteers aged 14-18; Beijing's Volunteer Cloud requires a guardian's consent under 18
    (service-records.md).

    Attributes:
        given_at: When the consent was given (timezone-aware).
        method: How it was given.
        reference: Where the evidence is kept: a form number, a file id (may be empty; never
            an identity number).

    Raises:
        InvalidInputError: ``registry.datetime`` at ``$.given_at`` for a value that is not a
            datetime (``time.naive_datetime`` for a naive one); ``registry.enum`` at ``$.method``
            for a value that is not a :class:`ConsentMethod`; ``registry.text`` at
            ``$.reference``.
    """

    given_at: datetime = attrs.field(converter=as_utc, validator=_aware)
    method: ConsentMethod = attrs.field(validator=_member_of(ConsentMethod))
    reference: str = attrs.field(default="", validator=_short_text)


def _document_or_none(
    _inst: object, attribute: attrs.Attribute[IdentityDocument | None], value: object
) -> None:
    # a document or nothing: a plain string would be kept, and shown whole by repr()
    if value is not None and not isinstance(value, IdentityDocument):
        raise _err(
            "expected an identity document",
            "应为证件",
            "registry.document",
            f"$.{attribute.name}",
        )


def _consent(_inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, GuardianConsent):
        raise _err(
            "expected a GuardianConsent",
            "应为 GuardianConsent",
            "registry.guardian",
            f"$.{attribute.name}",
        )


def _bool(_inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, bool):  # text such as "no" would read as true
        raise _err(
            "expected True or False", "应为 True 或 False", "registry.bool", f"$.{attribute.name}"
        )


def _guardian_or_none(_inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and not isinstance(value, Guardian):
        raise _err(
            "expected a Guardian", "应为 Guardian", "registry.guardian", f"$.{attribute.name}"
        )


@attrs.frozen(kw_only=True, repr=False)
class Guardian:
    """The guardian (legal representative) of a minor volunteer, with their consent.

    ``repr()`` shows the relationship and the document masked, nothing else.

    Attributes:
        name: The guardian's name.
        relationship: How they are related to the volunteer.
        phone: Phone number in E.164 form, or ``None``.
        document: The guardian's identity document, or ``None`` (stores keep it sealed).
        consent: The consent they gave.

    Raises:
        InvalidInputError: ``registry.text`` at ``$.name``; ``registry.enum`` at
            ``$.relationship``; ``registry.phone.format`` at ``$.phone``; ``registry.document``
            at ``$.document`` for a value that is not an
            :class:`~volunteerkit.registry.identity.IdentityDocument`; ``registry.guardian`` at
            ``$.consent`` for a value that is not a :class:`GuardianConsent`.
    """

    name: str = attrs.field(validator=_name(100))
    relationship: GuardianRelationship = attrs.field(validator=_member_of(GuardianRelationship))
    phone: str | None = attrs.field(default=None, validator=_phone)
    document: IdentityDocument | None = attrs.field(default=None, validator=_document_or_none)
    consent: GuardianConsent = attrs.field(validator=_consent)

    def __repr__(self) -> str:
        """Return a repr without the name or phone, and with the document masked."""
        document = None if self.document is None else str(self.document)
        return f"Guardian(relationship={self.relationship.value!r}, document={document!r})"


@attrs.frozen(kw_only=True, repr=False)
class Volunteer:
    """A registered volunteer.

    The birth date and sex come from the identity document where it carries them (and were
    cross-checked against what the volunteer declared when they registered); otherwise they are
    as declared. ``repr()`` shows the id, the status and the document masked; never the name,
    contact details or birth date.

    Attributes:
        id: Opaque, stable, time-ordered id (UUIDv7 text). It is the volunteer's identifier in
            every other part (hours, matching, awards), in the spirit of the 2015 information
            system specification's national volunteer number, which replaces the identity card
            number as the public identifier (service-records.md).
        name: The name as on the document; ``None`` once anonymised.
        document: The identity document; ``None`` once anonymised, and in the records stores
            hold (where it is sealed separately: :class:`VolunteerRecord`).
        birth_date: Birth date; ``None`` once anonymised.
        sex: Sex, kept after anonymisation for statistics.
        nationality: ISO 3166-1 alpha-3 nationality, or ``None`` when unknown.
        phone: Phone number in E.164 form.
        email: E-mail address (syntax-checked, domain in lower case).
        home_region: GB/T 2260 code of where the volunteer lives; kept after anonymisation.
        skills: Skills, as free text.
        languages: Languages spoken, as canonical BCP 47 tags (``zh-Hans``, ``yue``, ``en``).
        qualifications: Qualifications with their issue and expiry dates.
        registered_at: When the volunteer registered (timezone-aware).
        status: Where the registration stands.
        self_supporting: Declared by a minor of at least 16 who lives on their own labour
            income (the Communist Youth League rule lets them register without consent).
        guardian: Guardian and their consent, for a minor.
        merged_into: For a ``MERGED`` record, the id of the record it was merged into (kept if
            the record is later anonymised).
        age_band: For an ``ANONYMISED`` record, the age band on the day it was anonymised
            (``"18-24"``); ``None`` otherwise.

    Raises:
        InvalidInputError: At the field's path: ``registry.id`` (``$.id``, ``$.merged_into``),
            ``registry.text``, ``registry.document``, ``registry.date``, ``registry.enum``,
            ``registry.nationality``, ``registry.phone.format``, ``registry.email.invalid``,
            ``registry.region``, ``registry.list`` (``skills``, ``languages`` or
            ``qualifications`` given as one text or not a collection), ``registry.language_tag``,
            ``registry.duplicate`` (a skill or language listed twice), ``registry.qualification``
            (``$.qualifications[i]``), ``registry.datetime`` (``$.registered_at``),
            ``registry.bool`` (``$.self_supporting`` that is not ``True`` or ``False``),
            ``registry.guardian`` (``$.guardian``); and for fields that do not fit together:
            ``registry.merged_into`` (``$.merged_into``), ``registry.name_required``
            (``$.name``), ``registry.anonymised`` (``$``, personal data kept in an anonymised
            record), ``registry.age_band`` (``$.age_band`` on a record that is not anonymised).
        NaiveDatetimeError: ``time.naive_datetime`` at ``$.registered_at``.
    """

    id: str = attrs.field(validator=_id)
    name: str | None = attrs.field(default=None, validator=_optional_name(100))
    document: IdentityDocument | None = attrs.field(default=None, validator=_document_or_none)
    birth_date: date | None = attrs.field(default=None, validator=_plain_date)
    sex: Sex | None = attrs.field(default=None, validator=_member_of(Sex, optional=True))
    nationality: str | None = attrs.field(default=None, validator=_nationality)
    phone: str | None = attrs.field(default=None, validator=_phone)
    email: str | None = attrs.field(default=None, validator=_email)
    home_region: str | None = attrs.field(default=None, validator=_region)
    skills: tuple[str, ...] = attrs.field(default=(), converter=_strings, validator=_skills)
    languages: tuple[str, ...] = attrs.field(default=(), converter=_strings, validator=_languages)
    qualifications: tuple[Qualification, ...] = attrs.field(
        default=(), converter=_qualifications, validator=_each_qualification
    )
    registered_at: datetime = attrs.field(converter=as_utc, validator=_aware)
    status: VolunteerStatus = attrs.field(
        default=VolunteerStatus.ACTIVE, validator=_member_of(VolunteerStatus)
    )
    self_supporting: bool = attrs.field(default=False, validator=_bool)
    guardian: Guardian | None = attrs.field(default=None, validator=_guardian_or_none)
    merged_into: str | None = attrs.field(default=None, validator=_optional_id)
    age_band: str | None = attrs.field(default=None, validator=_optional_name(20))

    def __attrs_post_init__(self) -> None:
        """Check the fields that depend on the status."""
        if (self.status is VolunteerStatus.MERGED and self.merged_into is None) or (
            self.merged_into is not None
            and self.status not in (VolunteerStatus.MERGED, VolunteerStatus.ANONYMISED)
        ):
            raise _err(
                "merged_into is set for a merged record (and kept when it is anonymised)",
                "已合并的记录必须设置 merged_into(匿名化后保留)",
                "registry.merged_into",
                "$.merged_into",
            )
        if self.merged_into is not None and self.merged_into == self.id:
            raise _err(
                "a record cannot be merged into itself",
                "记录不能合并到自身",
                "registry.merged_into",
                "$.merged_into",
            )
        if self.status is not VolunteerStatus.ANONYMISED and self.name is None:
            raise _err(
                "a volunteer has a name until anonymised",
                "志愿者在匿名化之前必须有姓名",
                "registry.name_required",
                "$.name",
            )
        if self.status is VolunteerStatus.ANONYMISED:
            kept = (
                self.name,
                self.document,
                self.birth_date,
                self.nationality,
                self.phone,
                self.email,
                self.guardian,
            )
            if (
                any(v is not None for v in kept)
                or self.skills
                or self.languages
                or (self.qualifications)
            ):
                raise _err(
                    "an anonymised volunteer keeps no personal data (only id, sex, home region, "
                    "age band, registration time and status)",
                    "已匿名化的志愿者不保留个人信息(仅保留标识、性别、居住地区、年龄段、注册时间和状态)",
                    "registry.anonymised",
                    "$",
                )
        elif self.age_band is not None:
            raise _err(
                "only an anonymised volunteer has an age band instead of a birth date",
                "只有已匿名化的志愿者才以年龄段代替出生日期",
                "registry.age_band",
                "$.age_band",
            )

    @property
    def masked_document(self) -> str | None:
        """The document as ``scheme masked-number`` (safe to show), or ``None``."""
        return None if self.document is None else str(self.document)

    def age_on(self, day: date) -> int | None:
        """Return the volunteer's age on ``day`` (see :func:`age_on`), or ``None`` if unknown.

        Args:
            day: The local date.

        Returns:
            Completed years, or ``None`` without a birth date.

        Raises:
            InvalidInputError: ``registry.date`` at ``$.day`` if ``day`` is not a calendar date.
        """
        if not isinstance(day, date) or isinstance(day, datetime):
            raise _err("expected a calendar date", "应为日历日期", "registry.date", "$.day")
        return None if self.birth_date is None else age_on(self.birth_date, day)

    def __repr__(self) -> str:
        """Return a repr with the document masked and no other personal data."""
        return (
            f"Volunteer(id={self.id!r}, status={self.status.value!r}, "
            f"document={self.masked_document!r}, merged_into={self.merged_into!r})"
        )


_USCC: Final = re.compile(r"[0-9A-HJ-NP-RTUW-Y]{18}", re.ASCII).fullmatch


def _uscc(_inst: object, attribute: attrs.Attribute[str | None], value: str | None) -> None:
    if value is None:
        return
    if not isinstance(value, str) or _USCC(value) is None or not cn_uscc.is_valid(value):
        raise _err(
            "the Unified Social Credit Code must be a valid code in canonical form (18 "
            "characters, upper case, no spaces)",
            "统一社会信用代码必须是规范形式的有效代码(18 位,大写,无空格)",
            "registry.uscc",
            f"$.{attribute.name}",
        )


@attrs.frozen(kw_only=True)
class Organization:
    """A volunteer organization, or a team within one.

    A Unified Social Credit Code is public (it is printed on the registration certificate), so
    it is shown in full.

    Attributes:
        id: Opaque, stable, time-ordered id.
        name: The registered name.
        uscc: The Unified Social Credit Code (GB 32100), validated and canonical; ``None`` for a
            team without legal registration.
        region: GB/T 2260 code of where it is based, or ``None``.
        verification: Whether the platform has checked the registration.
        parent_id: The organization this one belongs to (a team within an association), or
            ``None``.
        registered_at: When it was registered on the platform.

    Raises:
        InvalidInputError: ``registry.id`` at ``$.id`` or ``$.parent_id``; ``registry.text`` at
            ``$.name``; ``registry.uscc`` at ``$.uscc`` for a code that is not valid and canonical;
            ``registry.region`` at ``$.region``; ``registry.enum`` at ``$.verification``;
            ``registry.datetime`` at ``$.registered_at``; ``registry.parent`` at ``$.parent_id``
            if the organization is its own parent.
        NaiveDatetimeError: ``time.naive_datetime`` at ``$.registered_at``.
    """

    id: str = attrs.field(validator=_id)
    name: str = attrs.field(validator=_name(200))
    uscc: str | None = attrs.field(default=None, validator=_uscc)
    region: str | None = attrs.field(default=None, validator=_region)
    verification: VerificationStatus = attrs.field(
        default=VerificationStatus.PENDING, validator=_member_of(VerificationStatus)
    )
    parent_id: str | None = attrs.field(default=None, validator=_optional_id)
    registered_at: datetime = attrs.field(converter=as_utc, validator=_aware)

    def __attrs_post_init__(self) -> None:
        """Refuse an organization that is its own parent."""
        if self.parent_id == self.id:
            raise _err(
                "an organization cannot be its own parent",
                "组织不能是自己的上级组织",
                "registry.parent",
                "$.parent_id",
            )

    @property
    def kind(self) -> OrganizationKind:
        """The kind of organization its USCC denotes (see :func:`organization_kind`)."""
        return organization_kind(self.uscc)


@attrs.frozen(kw_only=True)
class Membership:
    """A volunteer's membership of an organization, with a role.

    A volunteer has at most one *active* membership (``left_at is None``) per organization.
    Memberships are never deleted: leaving sets ``left_at`` and ``end``.

    Attributes:
        id: Opaque, stable, time-ordered id.
        volunteer_id: The volunteer.
        organization_id: The organization.
        role: The volunteer's role in it.
        joined_at: When the membership began.
        left_at: When it ended, or ``None`` while active.
        end: Why it ended (set exactly when ``left_at`` is).

    Raises:
        InvalidInputError: ``registry.id`` at ``$.id``, ``$.volunteer_id`` or
            ``$.organization_id``; ``registry.enum`` at ``$.role`` or ``$.end``;
            ``registry.datetime`` at ``$.joined_at`` or ``$.left_at``;
            ``registry.membership_end`` at ``$.end`` if ``left_at`` and ``end`` are not set
            together, at ``$.left_at`` if the membership ends before it began.
        NaiveDatetimeError: ``time.naive_datetime`` at ``$.joined_at`` or ``$.left_at``.
    """

    id: str = attrs.field(validator=_id)
    volunteer_id: str = attrs.field(validator=_id)
    organization_id: str = attrs.field(validator=_id)
    role: MembershipRole = attrs.field(
        default=MembershipRole.MEMBER, validator=_member_of(MembershipRole)
    )
    joined_at: datetime = attrs.field(converter=as_utc, validator=_aware)
    left_at: datetime | None = attrs.field(
        default=None, converter=optional_as_utc, validator=_optional_aware
    )
    end: MembershipEnd | None = attrs.field(
        default=None, validator=_member_of(MembershipEnd, optional=True)
    )

    def __attrs_post_init__(self) -> None:
        """Check that ``left_at`` and ``end`` go together and time runs forward."""
        if (self.left_at is None) != (self.end is None):
            raise _err(
                "left_at and end are set together, or neither",
                "left_at 与 end 必须同时设置或同时为空",
                "registry.membership_end",
                "$.end",
            )
        # Instants, not wall times: ``<`` ignores ``fold`` when both share a zone.
        if self.left_at is not None and self.left_at.astimezone(UTC) < self.joined_at.astimezone(
            UTC
        ):
            raise _err(
                "a membership cannot end before it began",
                "成员关系的结束时间不能早于开始时间",
                "registry.membership_end",
                "$.left_at",
            )

    @property
    def active(self) -> bool:
        """Whether the membership has not ended."""
        return self.left_at is None


def _payload(_inst: object, attribute: attrs.Attribute[str], value: str) -> None:
    # An MRZ holds a line break, so any text a store can keep is allowed here.
    if not isinstance(value, str) or not 1 <= len(value) <= 1000 or unstorable(value):
        raise _err(
            "must be text of 1 to 1,000 characters without NUL or lone surrogates",
            "必须是 1 至 1000 个字符的文本,不含 NUL 或孤立代理字符",
            "registry.sealed",
            f"$.{attribute.name}",
        )


def _masked(instance: SealedNumber, attribute: attrs.Attribute[str], value: str) -> None:
    """Refuse a masked number that is not what masking a number of the scheme gives.

    ``repr()`` shows it: a full number (or one with a few ``*`` added) must not pass for it.
    """
    _payload(instance, attribute, value)
    if not is_masked(instance.scheme, value):
        raise _err(
            "the masked number is not in the masked form of its document type",
            "掩码号码不是该证件类型的掩码形式",
            "registry.masked_number",
            f"$.{attribute.name}",
        )


@attrs.frozen(kw_only=True, repr=False)
class SealedNumber:
    """An identity number as a store keeps it: encrypted, or plain when no key was given.

    ``repr()`` shows the scheme, the masked number and the key id, never the payload.

    Attributes:
        scheme: The document's scheme id.
        masked: The number masked for display (``110105********002X``): what
            :func:`~volunteerkit.registry.identity.mask_number` gives for a number of ``scheme``,
            and nothing else.
        key_id: The id of the encryption key the payload was sealed with, or ``None`` when the
            payload is the plain canonical number (the application gave no encryption key).
        payload: Base64 of nonce and AES-256-GCM ciphertext, or the plain canonical number.

    Raises:
        InvalidInputError: ``registry.text`` at ``$.scheme`` or ``$.key_id`` for a scheme or key
            id that is not a short name; ``registry.sealed`` at ``$.masked`` or ``$.payload`` for
            text that is not 1 to 1,000 characters without NUL or lone surrogates;
            ``registry.masked_number`` at ``$.masked`` if the masked number is not in its
            scheme's masked form (``110105********002X`` for ``cn_ric``).
    """

    scheme: str = attrs.field(validator=_name(64))
    masked: str = attrs.field(validator=_masked)
    key_id: str | None = attrs.field(default=None, validator=_optional_name(32))
    payload: str = attrs.field(validator=_payload)

    def __repr__(self) -> str:
        """Return a repr without the payload."""
        return (
            f"SealedNumber(scheme={self.scheme!r}, masked={self.masked!r}, key_id={self.key_id!r})"
        )


def _stripped(_inst: object, attribute: attrs.Attribute[Volunteer], value: Volunteer) -> None:
    if not isinstance(value, Volunteer):
        raise _err(
            "expected a Volunteer", "应为 Volunteer", "registry.record", f"$.{attribute.name}"
        )
    if value.document is not None or (
        value.guardian is not None and value.guardian.document is not None
    ):
        raise _err(
            "a stored record holds its identity numbers sealed, never in the volunteer",
            "存储记录中的证件号码必须单独加密保存,不能放在志愿者对象中",
            "registry.record_not_sealed",
            f"$.{attribute.name}",
        )


def _sealed_or_none(_inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and not isinstance(value, SealedNumber):
        raise _err(
            "expected a SealedNumber or None",
            "应为 SealedNumber 或 None",
            "registry.record",
            f"$.{attribute.name}",
        )


@attrs.frozen(kw_only=True)
class VolunteerRecord:
    """A volunteer as the stores hold it: numbers sealed, the document findable by blind index.

    The :class:`~volunteerkit.registry.service.Registry` builds records from volunteers (and
    opens them back) with its :class:`~volunteerkit.registry.privacy.Keyring`; the stores never
    see a key.

    Attributes:
        volunteer: The volunteer without identity documents (``document`` and
            ``guardian.document`` are ``None``).
        document: The volunteer's identity number, sealed, or ``None`` (anonymised).
        document_index: The keyed blind index of the document, ``"<key id>:<hex>"``, unique
            among records, or ``None`` (anonymised).
        guardian_document: The guardian's identity number, sealed, or ``None``.

    Raises:
        InvalidInputError: ``registry.record`` at ``$.volunteer``, ``$.document`` or
            ``$.guardian_document`` for a value of the wrong type;
            ``registry.record_not_sealed`` at ``$.volunteer`` if the volunteer (or its guardian)
            still holds an identity document; ``registry.text`` at ``$.document_index`` for an
            index that is not a short name.
    """

    volunteer: Volunteer = attrs.field(validator=_stripped)
    document: SealedNumber | None = attrs.field(default=None, validator=_sealed_or_none)
    document_index: str | None = attrs.field(default=None, validator=_optional_name(200))
    guardian_document: SealedNumber | None = attrs.field(default=None, validator=_sealed_or_none)

    @property
    def id(self) -> str:
        """The volunteer's id."""
        return self.volunteer.id

    @property
    def index_key_id(self) -> str | None:
        """The id of the key the blind index was computed with, or ``None``."""
        return None if self.document_index is None else self.document_index.split(":", 1)[0]


def masked_phone(phone: str | None) -> str | None:
    """Return a phone number masked for display (``+86131*****789``), or ``None``.

    Args:
        phone: An E.164 number.

    Returns:
        The masked number.
    """
    return None if phone is None else mask(phone, keep_start=6, keep_end=3)
