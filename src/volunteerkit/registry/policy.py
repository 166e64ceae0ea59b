"""Registration rules as data: minimum age, guardian consent, duplicates, expired documents.

The defaults follow Beijing's Volunteer Cloud: a minimum registration age of 14 and a guardian's
consent under 18; an identity number already registered joins the existing account to the new
organization (service-records.md, "Beijing"). :meth:`RegistrationPolicy.cyl` expresses the
Communist Youth League rules of 2013: ages 14-18 need a legal representative's consent, and
16-18-year-olds who support themselves register as adults (service-records.md, "China,
national"). One person, one registration always holds: the stores refuse a second record with the
same document (by its blind index), whatever the policy.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import date, datetime
from zoneinfo import ZoneInfo

import attrs

from volunteerkit._clock import require_instant
from volunteerkit.errors import InvalidInputError
from volunteerkit.registry.models import Guardian, _check_age, age_on

__all__ = ["DuplicateAction", "RegistrationPolicy"]


class DuplicateAction(enum.Enum):
    """What registering an already-registered person does."""

    JOIN = "join"
    """Return the existing volunteer and join them to the new organization (Beijing)."""
    REFUSE = "refuse"
    """Refuse with :class:`~volunteerkit.errors.ConflictError` ``registry.duplicate``."""


def _non_negative(_inst: object, attribute: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 150:
        raise InvalidInputError(
            "must be a whole number of years from 0 to 150",
            "必须是 0 至 150 之间的整数年数",
            code="registry.policy",
            path=f"$.{attribute.name}",
        )


def _optional_non_negative(
    inst: object, attribute: attrs.Attribute[int | None], value: int | None
) -> None:
    if value is not None:
        _non_negative(inst, attribute, value)  # type: ignore[arg-type]


def _bands(
    _inst: object, attribute: attrs.Attribute[tuple[int, ...]], value: tuple[int, ...]
) -> None:
    if (
        not value
        or any(isinstance(v, bool) or not isinstance(v, int) or not 0 < v <= 150 for v in value)
        or list(value) != sorted(set(value))
    ):
        raise InvalidInputError(
            "age bands are given by strictly increasing lower bounds from 1 to 150",
            "年龄段由严格递增的下限(1 至 150)给出",
            code="registry.policy",
            path=f"$.{attribute.name}",
        )


def _policy_error(message: str, message_zh: str, name: str) -> InvalidInputError:
    return InvalidInputError(message, message_zh, code="registry.policy", path=f"$.{name}")


def _duplicate_action(
    _inst: object, attribute: attrs.Attribute[DuplicateAction], value: object
) -> None:
    if not isinstance(value, DuplicateAction):
        raise _policy_error(
            "must be DuplicateAction.JOIN or DuplicateAction.REFUSE",
            "必须是 DuplicateAction.JOIN 或 DuplicateAction.REFUSE",
            attribute.name,
        )


def _bool(_inst: object, attribute: attrs.Attribute[bool], value: object) -> None:
    if not isinstance(value, bool):
        raise _policy_error("must be True or False", "必须是 True 或 False", attribute.name)


def _zone(_inst: object, attribute: attrs.Attribute[ZoneInfo], value: object) -> None:
    if not isinstance(value, ZoneInfo):
        raise _policy_error(
            "must be a zoneinfo.ZoneInfo, such as ZoneInfo('Asia/Shanghai')",
            "必须是 zoneinfo.ZoneInfo,例如 ZoneInfo('Asia/Shanghai')",
            attribute.name,
        )


def _ints(value: Iterable[int]) -> tuple[int, ...]:
    # Anything not iterable is left for the validator to refuse (as registry.policy).
    try:
        return tuple(value)
    except TypeError:
        return ()


def _check_age_args(age: object, self_supporting: object) -> None:
    _check_age(age)
    if not isinstance(self_supporting, bool):
        raise InvalidInputError(
            "expected True or False",
            "应为 True 或 False",
            code="registry.bool",
            path="$.self_supporting",
        )


def _shanghai() -> ZoneInfo:
    return ZoneInfo("Asia/Shanghai")


@attrs.frozen(kw_only=True)
class RegistrationPolicy:
    """The rules :class:`~volunteerkit.registry.service.Registry` applies when registering.

    Ages are completed years on the local date of registration in :attr:`time_zone`, computed by
    :func:`~volunteerkit.registry.models.age_on` (someone born on 29 February is a year older on
    1 March in common years).

    Attributes:
        minimum_age: Youngest age that may register (Beijing: 14).
        consent_age: Below this age a guardian's consent is required (Beijing and the CYL: 18).
        self_supporting_age: If set, applicants at least this old who declare themselves
            self-supporting need no consent (CYL: 16). ``None``: the declaration changes nothing.
        on_duplicate: What registering an already-registered person does.
        refuse_expired_documents: Refuse a document whose expiry date (a passport MRZ's) is
            before the registration date.
        time_zone: Zone whose calendar gives the registration date for age checks.
        age_bands: Lower bounds of the age bands kept when a volunteer is anonymised; the
            default gives ``0-13``, ``14-17``, ``18-24``, ``25-34`` … ``65+``.

    Raises:
        InvalidInputError: ``registry.policy`` at the attribute's path (``$.minimum_age``,
            ``$.age_bands`` …) for a value of the wrong type or out of range.
    """

    minimum_age: int = attrs.field(default=14, validator=_non_negative)
    consent_age: int = attrs.field(default=18, validator=_non_negative)
    self_supporting_age: int | None = attrs.field(default=None, validator=_optional_non_negative)
    on_duplicate: DuplicateAction = attrs.field(
        default=DuplicateAction.JOIN, validator=_duplicate_action
    )
    refuse_expired_documents: bool = attrs.field(default=True, validator=_bool)
    time_zone: ZoneInfo = attrs.field(factory=_shanghai, validator=_zone)
    age_bands: tuple[int, ...] = attrs.field(
        default=(14, 18, 25, 35, 45, 55, 65), converter=_ints, validator=_bands
    )

    @classmethod
    def beijing(cls) -> RegistrationPolicy:
        """Return Beijing's rules: from 14, guardian consent under 18, duplicates join.

        Returns:
            The policy (equal to the default).
        """
        return cls()

    @classmethod
    def cyl(cls) -> RegistrationPolicy:
        """Return the Communist Youth League rules (2013).

        Registration from 18, or from 16 for those who support themselves; ages 14-18 need a
        legal representative's consent.

        Returns:
            The policy: minimum age 14, consent under 18 unless self-supporting from 16.
        """
        return cls(minimum_age=14, consent_age=18, self_supporting_age=16)

    def local_date(self, instant: datetime) -> date:
        """Return the date ``instant`` falls on in :attr:`time_zone`.

        Args:
            instant: A timezone-aware instant.

        Returns:
            The local date.

        Raises:
            NaiveDatetimeError: ``time.naive_datetime`` at ``$.instant`` for a naive datetime
                (it would be read in the computer's own zone).
            InvalidInputError: ``time.not_datetime`` at ``$.instant`` for anything but a
                datetime, ``time.out_of_range`` for an instant outside years 1 to 9999 in UTC.
        """
        require_instant(instant, "$.instant")
        return instant.astimezone(self.time_zone).date()

    def needs_consent(self, age: int, *, self_supporting: bool = False) -> bool:
        """Return whether an applicant of ``age`` needs a guardian's consent.

        Args:
            age: Completed years.
            self_supporting: Whether the applicant declared they support themselves.

        Returns:
            ``True`` below :attr:`consent_age`, unless self-supporting at or above
            :attr:`self_supporting_age`.

        Raises:
            InvalidInputError: ``registry.age`` at ``$.age`` if ``age`` is not a whole number;
                ``registry.bool`` at ``$.self_supporting`` unless it is ``True`` or ``False``.
        """
        _check_age_args(age, self_supporting)
        if age >= self.consent_age:
            return False
        return not (
            self_supporting
            and self.self_supporting_age is not None
            and age >= self.self_supporting_age
        )

    def check_applicant(
        self,
        birth_date: date,
        *,
        now: datetime,
        self_supporting: bool = False,
        guardian: Guardian | None = None,
    ) -> int:
        """Apply the age and consent rules to an applicant.

        Args:
            birth_date: The applicant's birth date.
            now: The instant of registration.
            self_supporting: Whether the applicant declared they support themselves.
            guardian: The guardian and their consent, if given.

        Returns:
            The applicant's age on the registration date.

        Raises:
            InvalidInputError: ``registry.date`` at ``$.birth_date`` for a value that is not a
                calendar date; ``time.not_datetime``/``time.naive_datetime`` at ``$.now``
                (see :meth:`local_date`); ``registry.bool`` at ``$.self_supporting``;
                ``registry.guardian`` at ``$.guardian`` for a value that is neither a
                :class:`~volunteerkit.registry.models.Guardian` nor ``None``;
                ``registry.too_young`` (at ``$.birth_date``),
                ``registry.guardian_consent_required`` (at ``$.guardian``),
                ``registry.consent_in_future`` (at ``$.guardian.consent.given_at``) or
                ``registry.guardian_minor`` (a guardian whose document shows them under 18, at
                ``$.guardian.document``).
        """
        if not isinstance(birth_date, date) or isinstance(birth_date, datetime):
            raise InvalidInputError(
                "expected a calendar date",
                "应为日历日期",
                code="registry.date",
                path="$.birth_date",
            )
        require_instant(now, "$.now")
        _check_age_args(0, self_supporting)
        if guardian is not None and not isinstance(guardian, Guardian):
            raise InvalidInputError(
                "expected a Guardian", "应为 Guardian", code="registry.guardian", path="$.guardian"
            )
        today = self.local_date(now)
        age = age_on(birth_date, today)
        if age < self.minimum_age:
            raise InvalidInputError(
                f"volunteers must be at least {self.minimum_age} years old to register",
                f"志愿者须年满 {self.minimum_age} 周岁方可注册",
                code="registry.too_young",
                path="$.birth_date",
            )
        if not self.needs_consent(age, self_supporting=self_supporting):
            return age
        if guardian is None:
            raise InvalidInputError(
                f"volunteers under {self.consent_age} need their guardian's consent",
                f"未满 {self.consent_age} 周岁的志愿者须经监护人同意",
                code="registry.guardian_consent_required",
                path="$.guardian",
            )
        if guardian.consent.given_at > now:
            raise InvalidInputError(
                "the guardian's consent cannot be dated after the registration",
                "监护人同意的时间不能晚于注册时间",
                code="registry.consent_in_future",
                path="$.guardian.consent.given_at",
            )
        document = guardian.document
        if (
            document is not None
            and document.birth_date is not None
            and age_on(document.birth_date, today) < 18
        ):
            raise InvalidInputError(
                "the guardian must be an adult",
                "监护人必须是成年人",
                code="registry.guardian_minor",
                path="$.guardian.document",
            )
        return age
