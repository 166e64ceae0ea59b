"""The registry service: registration, organizations, memberships, merges and anonymisation.

:class:`Registry` ties the pure pieces (identity documents, models, the policy, the keyring) to a
store. Every call that writes runs in **one transaction** (all or nothing) and writes an **audit
entry** for each action; audit details never hold a full identity number, only the masked one.

Real-name registration follows the Volunteer Service Regulations (State Council Decree 685):
volunteers register themselves or are registered by an organization with true and complete data
(Art. 7), and personal data is not disclosed without consent (Art. 20). Beijing's practice, the
default: a minimum age of 14, a guardian's consent under 18, and an identity number that is
already registered joins the existing account to the new organization (service-records.md).
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime
from itertools import islice
from typing import Final

import attrs

from volunteerkit._clock import Clock, FixedClock
from volunteerkit._ids import new_id
from volunteerkit.audit import AuditEntry, record
from volunteerkit.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    VolunteerkitError,
)
from volunteerkit.registry import identity
from volunteerkit.registry._checks import (
    as_tuple,
    check_list,
    check_text,
    normalize_email,
    normalize_language_tag,
    normalize_phone,
)
from volunteerkit.registry.identity import IdentityDocument, Sex
from volunteerkit.registry.identity._data import alpha3_codes
from volunteerkit.registry.models import (
    Guardian,
    Membership,
    MembershipEnd,
    MembershipRole,
    Organization,
    Qualification,
    VerificationStatus,
    Volunteer,
    VolunteerRecord,
    VolunteerStatus,
)
from volunteerkit.registry.policy import DuplicateAction, RegistrationPolicy
from volunteerkit.registry.privacy import Keyring, anonymised
from volunteerkit.registry.store import RegistryStore

__all__ = [
    "UNCHANGED",
    "BatchResult",
    "RegistrationResult",
    "Registry",
    "VolunteerApplication",
]

log = logging.getLogger("volunteerkit.registry")

_MAX_MERGE_HOPS: Final = 64
_SETTABLE: Final = frozenset(
    {VolunteerStatus.ACTIVE, VolunteerStatus.SUSPENDED, VolunteerStatus.INACTIVE}
)


class _Unchanged:
    """The type of :data:`UNCHANGED`."""

    _instance: _Unchanged | None = None

    def __new__(cls) -> _Unchanged:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNCHANGED"


UNCHANGED: Final = _Unchanged()
"""The default of an update's optional fields: keep what is stored (``None`` would clear it)."""


def _strings(value: Iterable[str]) -> tuple[str, ...]:
    return as_tuple(value)  # type: ignore[no-any-return]


def _qualifications(value: Iterable[Qualification]) -> tuple[Qualification, ...]:
    return as_tuple(value)  # type: ignore[no-any-return]


"""Marks a field that :meth:`Registry.update_profile` leaves as it is."""


@attrs.frozen(kw_only=True, repr=False)
class VolunteerApplication:
    """What a person (or an organization on their behalf) submits to register.

    Parse the document with :func:`volunteerkit.registry.identity.parse` first; the registry
    parses it again with its clock (so a birth date after today is refused). Contact fields may
    be given as typed: the registry normalizes them. ``repr()`` shows only the masked document.

    Attributes:
        name: The name as on the document.
        document: The identity document.
        birth_date: The declared birth date: required when the document carries none (HKID,
            passport number, travel permits); cross-checked against it otherwise.
        sex: The declared sex, cross-checked against the document where it carries one.
        nationality: ISO 3166-1 alpha-3 nationality; cross-checked against the document where
            it determines one (a RIC means ``CHN``); taken from the document when omitted.
        phone: Phone number (mainland mobile, or international with ``+``).
        email: E-mail address.
        home_region: GB/T 2260 code of where the volunteer lives.
        skills: Skills, as free text.
        languages: Languages as BCP 47 tags (any case).
        qualifications: Qualifications held.
        self_supporting: Declared by a minor who lives on their own labour income (see
            :attr:`RegistrationPolicy.self_supporting_age`).
        guardian: The guardian and their consent (required for minors under the policy).
    """

    name: str
    document: IdentityDocument
    birth_date: date | None = None
    sex: Sex | None = None
    nationality: str | None = None
    phone: str | None = None
    email: str | None = None
    home_region: str | None = None
    skills: tuple[str, ...] = attrs.field(default=(), converter=_strings)
    languages: tuple[str, ...] = attrs.field(default=(), converter=_strings)
    qualifications: tuple[Qualification, ...] = attrs.field(default=(), converter=_qualifications)
    self_supporting: bool = False
    guardian: Guardian | None = None

    def __repr__(self) -> str:
        """Return a repr with the masked document only."""
        document = str(self.document) if isinstance(self.document, IdentityDocument) else None
        return f"VolunteerApplication(document={document!r})"


@attrs.frozen(kw_only=True)
class RegistrationResult:
    """What :meth:`Registry.register_volunteer` did.

    Attributes:
        volunteer: The registered volunteer: new, or the existing record of the same person.
        created: ``True`` if a new record was created, ``False`` if the person was registered
            already (Beijing rule: the existing account is returned).
        membership: The active membership in the organization given, or ``None`` if none was.
        joined: ``True`` if this call created that membership.
    """

    volunteer: Volunteer
    created: bool
    membership: Membership | None = None
    joined: bool = False


@attrs.frozen(kw_only=True)
class BatchResult:
    """What :meth:`Registry.register_many` did.

    Attributes:
        created: How many new volunteer records were created.
        existing: How many applications matched an already-registered person.
        volunteer_ids: The volunteer id for each application, in order.
    """

    created: int
    existing: int
    volunteer_ids: tuple[str, ...]


def _mismatch(what: str, what_zh: str, field: str) -> InvalidInputError:
    return InvalidInputError(
        f"the declared {what} does not match the identity document",
        f"填写的{what_zh}与证件不符",
        code=f"registry.{field}_mismatch",
        path=f"$.{field}",
    )


_SOME_INSTANT: Final = datetime(2000, 1, 1, tzinfo=UTC)


def _check_who(actor: str, reason: str = "") -> None:
    """Refuse an actor or reason as the audit log would, whether or not an entry is written.

    Raises:
        InvalidInputError: ``audit.invalid_field`` (not text, an empty actor, an actor over 200
            characters), ``audit.too_long`` or ``audit.nul_character``, at ``$.actor`` or
            ``$.reason``.
    """
    AuditEntry(
        id="check", at=_SOME_INSTANT, actor=actor, action="check", subject_type="check",
        subject_id="check", reason=reason,
    )  # fmt: skip


def _check_member(value: object, cls: type[enum.Enum], path: str) -> None:
    """Refuse what is not a member of ``cls`` (text such as "leader" included), as the models do."""
    if not isinstance(value, cls):
        names = ", ".join(f"{cls.__name__}.{member.name}" for member in cls)
        raise InvalidInputError(
            f"expected one of {names}",
            f"应为以下之一:{names}",
            code="registry.enum",
            path=path,
        )


def _check_bool(value: object, path: str) -> bool:
    """Refuse a flag that is not ``True`` or ``False`` (text such as "no" would read as true)."""
    if not isinstance(value, bool):
        raise InvalidInputError(
            "expected True or False",
            "应为 True 或 False",
            code="registry.bool",
            path=path,
        )
    return value


def _check_plain_date(value: object) -> None:
    """Refuse a birth date that is not a calendar date (text, a datetime)."""
    if not isinstance(value, date) or isinstance(value, datetime):
        raise InvalidInputError(
            "expected a calendar date",
            "应为日历日期",
            code="registry.date",
            path="$.birth_date",
        )


def _check_batch_size(batch_size: object) -> None:
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise InvalidInputError(
            "batch_size must be a positive integer",
            "batch_size 必须是正整数",
            code="registry.batch_size",
            path="$.batch_size",
        )


def _require_id(value: object, path: str) -> str:
    """Refuse what cannot be an id before a store sees it (the stores disagree otherwise).

    An id is 1 to 64 printable characters, as the models require: a NUL, a lone surrogate or
    any other unprintable character names nothing, and PostgreSQL or SQLite would refuse it with
    an error of their own.
    """
    if not isinstance(value, str):
        raise InvalidInputError(
            "an id must be text", "标识必须是字符串", code="registry.id", path=path
        )
    if not 1 <= len(value) <= 64 or not value.isprintable():
        raise InvalidInputError(
            "an id must be 1 to 64 printable characters",
            "标识必须是 1 至 64 个可打印字符",
            code="registry.id",
            path=path,
        )
    return value


_NOT_PERSONAL: Final = frozenset({"cn_uscc", "cn_mobile"})
"""Schemes that do not identify a person: an organization's code and a phone number."""


def _reparse(document: object, clock: Clock | None, path: str) -> IdentityDocument:
    if not isinstance(document, IdentityDocument):
        raise InvalidInputError(
            "expected an identity document from volunteerkit.registry.identity.parse",
            "应为 volunteerkit.registry.identity.parse 返回的证件",
            code="registry.document",
            path=path,
        )
    if document.scheme in _NOT_PERSONAL:
        raise InvalidInputError(
            "an organization code or a phone number is not a personal identity document",
            "统一社会信用代码或电话号码不是个人身份证件",
            code="registry.document_scheme",
            path=path,
        )
    try:
        return identity.parse(document.scheme, document.number, clock=clock)
    except VolunteerkitError as err:
        raise err.at(path) from None


def _parse_stored(scheme: str, number: str, then: Clock) -> IdentityDocument:
    """Parse a stored number as on the day it was registered (see ``Registry._open``).

    A record whose registration date does not admit its number (written by other means than
    :meth:`Registry.register_volunteer`) is parsed without a clock, as before.
    """
    try:
        return identity.parse(scheme, number, clock=then)
    except identity.InvalidIdentity:
        return identity.parse(scheme, number)


class Registry:
    """Register volunteers and organizations in a store, with a policy and a keyring.

    Every method that writes takes an ``actor`` (and most a ``reason``) for the audit log, and
    refuses one the audit log would refuse (``audit.invalid_field``, ``audit.too_long``,
    ``audit.nul_character`` at ``$.actor`` or ``$.reason``) even when it has nothing to change.
    So are a ``role``, ``end``, ``verification`` or ``status`` that is not a member of its enum
    (``registry.enum``; the text ``"leader"`` included).

    Args:
        store: The store (memory, SQLite, PostgreSQL, or your own implementing
            :class:`~volunteerkit.registry.store.RegistryStore`).
        clock: The clock that says when things happen.
        keyring: The keys for blind indexes and, optionally, for encrypting identity numbers.
        policy: The registration rules (default: :class:`RegistrationPolicy`, Beijing's).

    Raises:
        InvalidInputError: ``registry.store``, ``registry.clock``, ``registry.keyring`` or
            ``registry.policy`` (at ``$.store`` ...) if a part is not of its type.

    Examples:
        See the "Registering volunteers" page of the documentation.
    """

    def __init__(
        self,
        store: RegistryStore,
        *,
        clock: Clock,
        keyring: Keyring,
        policy: RegistrationPolicy | None = None,
    ) -> None:
        for ok, part, what, what_zh in (
            (isinstance(store, RegistryStore), "store", "a registry store", "登记存储"),
            (isinstance(clock, Clock), "clock", "a Clock", "Clock"),
            (isinstance(keyring, Keyring), "keyring", "a Keyring", "Keyring"),
            (
                policy is None or isinstance(policy, RegistrationPolicy),
                "policy",
                "a RegistrationPolicy or None",
                "RegistrationPolicy 或 None",
            ),
        ):
            if not ok:
                raise InvalidInputError(
                    f"{part} must be {what}",
                    f"{part} 必须是{what_zh}",
                    code=f"registry.{part}",
                    path=f"$.{part}",
                )
        self._store = store
        self._clock = clock
        self._keyring = keyring
        self.policy = policy if policy is not None else RegistrationPolicy()

    def __repr__(self) -> str:
        """Return a repr that shows the store and the key ids, never key material."""
        return f"Registry(store={self._store!r}, keyring={self._keyring!r})"

    # ----------------------------------------------------------------------------------------
    # Sealing

    def _seal(self, volunteer: Volunteer) -> VolunteerRecord:
        """Turn a volunteer into a record: numbers sealed, the document indexed."""
        document = volunteer.document
        guardian = volunteer.guardian
        guardian_document = None if guardian is None else guardian.document
        return VolunteerRecord(
            volunteer=attrs.evolve(
                volunteer,
                document=None,
                guardian=None if guardian is None else attrs.evolve(guardian, document=None),
            ),
            document=None
            if document is None
            else self._keyring.seal(document, context=f"{volunteer.id}/document"),
            document_index=None if document is None else self._keyring.index(document),
            guardian_document=None
            if guardian_document is None
            else self._keyring.seal(guardian_document, context=f"{volunteer.id}/guardian"),
        )

    def _resealed(self, rec: VolunteerRecord) -> list[VolunteerRecord]:
        """Return ``rec`` written again with the current keys, and what must change with it.

        For :meth:`rekey`. A blind index under the current key is kept as it is. One under an
        older key is computed again, which also joins the forms of one document (see
        :meth:`~volunteerkit.registry.privacy.Keyring.index`). Where another record already holds
        the joined index (one person registered with several forms before they were joined), one
        of the two keeps the index of its document as given, so that the rekey goes through:
        this record, or, when its document is in the joined form already, the other. A lookup
        finds one of them (the first by id among those its forms match) until an administrator
        merges them.

        Returns:
            The records to update, in order.
        """
        volunteer = self._open(rec)
        new = self._seal(volunteer)
        if rec.document_index is None or volunteer.document is None:
            return [new]
        if rec.index_key_id == self._keyring.current_index_key:
            return [attrs.evolve(new, document_index=rec.document_index)]
        joined = new.document_index
        assert joined is not None  # the volunteer has a document
        holder = self._store.volunteers.find_by_index([joined])
        if holder is None or holder.id == rec.id:
            return [new]
        mine = self._keyring.index_as_given(volunteer.document)
        if mine != joined:
            return [attrs.evolve(new, document_index=mine)]
        other = self._open(holder).document
        assert other is not None  # it holds an index
        return [attrs.evolve(holder, document_index=self._keyring.index_as_given(other)), new]

    def _open(self, rec: VolunteerRecord) -> Volunteer:
        """Turn a stored record back into a volunteer with its documents.

        Each number is parsed as it was at registration, on a clock stopped at
        ``registered_at``: an MRZ's two-digit birth year is read against that date, as it was
        then (without a clock, a holder born in 1930 whose passport runs to 2035 would come
        back born in 2030).
        """
        volunteer = rec.volunteer
        if rec.document is None and rec.guardian_document is None:
            return volunteer
        then = FixedClock(volunteer.registered_at)
        document = None
        if rec.document is not None:
            number = self._keyring.open(rec.document, context=f"{volunteer.id}/document")
            document = _parse_stored(rec.document.scheme, number, then)
        guardian = volunteer.guardian
        if guardian is not None and rec.guardian_document is not None:
            number = self._keyring.open(rec.guardian_document, context=f"{volunteer.id}/guardian")
            guardian = attrs.evolve(
                guardian, document=_parse_stored(rec.guardian_document.scheme, number, then)
            )
        return attrs.evolve(volunteer, document=document, guardian=guardian)

    # ----------------------------------------------------------------------------------------
    # Helpers

    def _entry(
        self,
        action: str,
        subject_type: str,
        subject_id: str,
        *,
        actor: str,
        reason: str,
        details: dict[str, str] | None = None,
    ) -> AuditEntry:
        return record(
            self._clock,
            actor=actor,
            action=action,
            subject_type=subject_type,
            subject_id=subject_id,
            reason=reason,
            details=details,
        )

    def _record(self, volunteer_id: str, path: str = "$.volunteer_id") -> VolunteerRecord:
        _require_id(volunteer_id, path)
        try:
            return self._store.volunteers.get(volunteer_id)
        except NotFoundError as err:
            raise err.at(path) from None

    def _organization(self, organization_id: str, path: str = "$.organization_id") -> Organization:
        _require_id(organization_id, path)
        try:
            return self._store.organizations.get(organization_id)
        except NotFoundError as err:
            raise err.at(path) from None

    def _resolve_record(self, rec: VolunteerRecord) -> VolunteerRecord:
        """Follow ``merged_into`` links to the surviving record."""
        seen = {rec.id}
        while rec.volunteer.merged_into is not None:
            rec = self._store.volunteers.get(rec.volunteer.merged_into)
            if rec.id in seen or len(seen) > _MAX_MERGE_HOPS:
                raise ConflictError(
                    "the merge links of this volunteer form a loop",
                    "该志愿者的合并关系形成了循环",
                    code="registry.merge_loop",
                )
            seen.add(rec.id)
        return rec

    # ----------------------------------------------------------------------------------------
    # Reading

    def get(self, volunteer_id: str) -> Volunteer:
        """Return a volunteer as stored (a merged record is returned as it is).

        Args:
            volunteer_id: The volunteer's id.

        Returns:
            The volunteer, with their document opened.

        Raises:
            NotFoundError: ``registry.volunteer_not_found``.
        """
        return self._open(self._record(volunteer_id))

    def resolve(self, volunteer_id: str) -> Volunteer:
        """Return the surviving record of a person: follows merges from ``volunteer_id``.

        Args:
            volunteer_id: Any of the person's volunteer ids.

        Returns:
            The record the others were merged into (``volunteer_id``'s own if not merged).

        Raises:
            NotFoundError: ``registry.volunteer_not_found``.
        """
        return self._open(self._resolve_record(self._record(volunteer_id)))

    def find_by_document(
        self, document: IdentityDocument, *, follow_merges: bool = True
    ) -> Volunteer | None:
        """Find the volunteer registered with a document, by its blind index.

        The 15- and 18-digit forms of a citizen number find the same volunteer. Every index key
        in the ring is tried, so records written before a key rotation are found.

        Args:
            document: A parsed document.
            follow_merges: Return the surviving record if the one holding the document was
                merged into another.

        Returns:
            The volunteer, or ``None``.

        Raises:
            InvalidInputError: ``registry.document`` if ``document`` is not an
                :class:`IdentityDocument`, ``registry.document_scheme`` for an organization code
                or a phone number, or an ``identity.*`` code if its number is not valid (all at
                ``$.document``). The number is canonicalized first, so a document built by hand
                from a 15-digit number or a lower-case ``x`` finds the volunteer too;
                ``registry.bool`` at ``$.follow_merges`` unless it is ``True`` or ``False``.
        """
        document = _reparse(document, None, "$.document")
        _check_bool(follow_merges, "$.follow_merges")
        rec = self._store.volunteers.find_by_index(self._keyring.index_candidates(document))
        if rec is None:
            return None
        if follow_merges:
            rec = self._resolve_record(rec)
        return self._open(rec)

    def volunteers(self, *, status: VolunteerStatus | None = None) -> Iterator[Volunteer]:
        """Stream volunteers in registration order.

        Args:
            status: Only those with this status.

        Returns:
            An iterator of volunteers with their documents opened.

        Raises:
            InvalidInputError: ``registry.enum`` at ``$.status`` if ``status`` is not a
                :class:`VolunteerStatus` (the text ``"active"`` included).
        """
        if status is not None and not isinstance(status, VolunteerStatus):
            raise InvalidInputError(
                "status must be a VolunteerStatus or None",
                "status 必须是 VolunteerStatus 或 None",
                code="registry.enum",
                path="$.status",
            )
        return (self._open(rec) for rec in self._store.volunteers.iter(status=status))

    def get_organization(self, organization_id: str) -> Organization:
        """Return an organization.

        Args:
            organization_id: Its id.

        Returns:
            The organization.

        Raises:
            NotFoundError: ``registry.organization_not_found``.
        """
        return self._organization(organization_id)

    def find_organization(self, uscc: str) -> Organization | None:
        """Return the organization with a Unified Social Credit Code, or ``None``.

        Args:
            uscc: The code, as typed (it is normalized).

        Returns:
            The organization.

        Raises:
            InvalidIdentity: If ``uscc`` is not a valid code.
        """
        try:
            canonical = identity.cn_uscc.validate(uscc)
        except VolunteerkitError as err:
            raise err.at("$.uscc") from None
        return self._store.organizations.find_by_uscc(canonical)

    def memberships(self, volunteer_id: str, *, active_only: bool = False) -> list[Membership]:
        """Return a volunteer's memberships, ordered by when they began.

        Args:
            volunteer_id: The volunteer.
            active_only: Leave out ended memberships.

        Returns:
            The memberships.

        Raises:
            InvalidInputError: ``registry.id`` at ``$.volunteer_id``; ``registry.bool`` at
                ``$.active_only`` unless it is ``True`` or ``False``.
        """
        _require_id(volunteer_id, "$.volunteer_id")
        _check_bool(active_only, "$.active_only")
        return self._store.memberships.for_volunteer(volunteer_id, active_only=active_only)

    def members(self, organization_id: str, *, active_only: bool = True) -> Iterator[Membership]:
        """Stream an organization's memberships, ordered by when they began.

        Args:
            organization_id: The organization.
            active_only: Leave out ended memberships (the default).

        Returns:
            An iterator of memberships.

        Raises:
            InvalidInputError: ``registry.id`` at ``$.organization_id``; ``registry.bool`` at
                ``$.active_only`` unless it is ``True`` or ``False``.
        """
        _require_id(organization_id, "$.organization_id")
        _check_bool(active_only, "$.active_only")
        return self._store.memberships.for_organization(organization_id, active_only=active_only)

    # ----------------------------------------------------------------------------------------
    # Registering volunteers

    def _volunteer_fields(
        self, application: VolunteerApplication, now: datetime
    ) -> dict[str, object]:
        """Validate an application and return the fields of a new volunteer (without id)."""
        if not isinstance(application, VolunteerApplication):
            raise InvalidInputError(
                "expected a VolunteerApplication",
                "应为 VolunteerApplication",
                code="registry.application",
                path="$",
            )
        name = check_text(
            application.name.strip() if isinstance(application.name, str) else application.name,
            path="$.name",
            max_length=100,
            field="the name",
            field_zh="姓名",
        )
        document = _reparse(application.document, self._clock, "$.document")
        self_supporting = _check_bool(application.self_supporting, "$.self_supporting")
        today = self.policy.local_date(now)
        if (
            self.policy.refuse_expired_documents
            and document.expiry_date is not None
            and document.expiry_date < today
        ):
            raise InvalidInputError(
                "the identity document has expired",
                "证件已过期",
                code="registry.document_expired",
                path="$.document",
            )
        birth_date = application.birth_date
        if birth_date is not None:
            _check_plain_date(birth_date)
        if document.birth_date is not None:
            if birth_date is not None and birth_date != document.birth_date:
                raise _mismatch("birth date", "出生日期", "birth_date")
            birth_date = document.birth_date
        elif birth_date is None:
            raise InvalidInputError(
                "this document carries no birth date: declare it",
                "该证件不含出生日期,请填写出生日期",
                code="registry.birth_date_required",
                path="$.birth_date",
            )
        _check_plain_date(birth_date)
        if birth_date > today:
            raise InvalidInputError(
                "the birth date is after today's date",
                "出生日期晚于今天",
                code="registry.birth_date_future",
                path="$.birth_date",
            )
        sex = application.sex
        if sex is not None and not isinstance(sex, Sex):
            raise InvalidInputError(
                "sex must be a Sex (Sex.MALE, Sex.FEMALE, Sex.UNSPECIFIED) or None",
                "sex 必须是 Sex(Sex.MALE、Sex.FEMALE、Sex.UNSPECIFIED)或 None",
                code="registry.enum",
                path="$.sex",
            )
        if document.sex is not None:
            if sex is not None and sex is not document.sex:
                raise _mismatch("sex", "性别", "sex")
            sex = document.sex
        nationality = application.nationality
        if nationality is not None:
            nationality = nationality.strip().upper() if isinstance(nationality, str) else ""
            if nationality not in alpha3_codes():
                raise InvalidInputError(
                    "the nationality must be an ISO 3166-1 alpha-3 code, such as CHN",
                    "国籍必须是 ISO 3166-1 三字母代码,例如 CHN",
                    code="registry.nationality",
                    path="$.nationality",
                )
        if document.nationality is not None:
            if nationality is not None and nationality != document.nationality:
                raise _mismatch("nationality", "国籍", "nationality")
            nationality = document.nationality
        guardian = application.guardian
        if guardian is not None:
            if not isinstance(guardian, Guardian):
                raise InvalidInputError(
                    "expected a Guardian",
                    "应为 Guardian",
                    code="registry.guardian",
                    path="$.guardian",
                )
            if guardian.document is not None:
                guardian = attrs.evolve(
                    guardian,
                    document=_reparse(guardian.document, self._clock, "$.guardian.document"),
                )
        self.policy.check_applicant(
            birth_date,
            now=now,
            self_supporting=self_supporting,
            guardian=guardian,
        )
        skills = tuple(
            dict.fromkeys(
                check_text(
                    s.strip() if isinstance(s, str) else s,
                    path=f"$.skills[{i}]",
                    max_length=100,
                    field="a skill",
                    field_zh="技能",
                )
                for i, s in enumerate(check_list(application.skills, path="$.skills"))
            )
        )
        languages = tuple(
            dict.fromkeys(
                normalize_language_tag(tag, path=f"$.languages[{i}]")
                for i, tag in enumerate(check_list(application.languages, path="$.languages"))
            )
        )
        qualifications = check_list(application.qualifications, path="$.qualifications")
        for index, qualification in enumerate(qualifications):
            if not isinstance(qualification, Qualification):
                raise InvalidInputError(
                    "expected a Qualification",
                    "应为 Qualification",
                    code="registry.qualification",
                    path=f"$.qualifications[{index}]",
                )
        return {
            "name": name,
            "document": document,
            "birth_date": birth_date,
            "sex": sex,
            "nationality": nationality,
            "phone": None if application.phone is None else normalize_phone(application.phone),
            "email": None if application.email is None else normalize_email(application.email),
            "home_region": application.home_region,
            "skills": skills,
            "languages": languages,
            "qualifications": qualifications,
            "registered_at": now,
            "status": VolunteerStatus.ACTIVE,
            "self_supporting": self_supporting,
            "guardian": guardian,
        }

    def _check_joinable(self, organization: Organization) -> None:
        if organization.verification in (VerificationStatus.REJECTED, VerificationStatus.REVOKED):
            raise ConflictError(
                "the organization's registration was rejected or revoked: it cannot take members",
                "该组织的注册未通过或已被撤销,不能接收成员",
                code="registry.organization_not_accepting",
                path="$.organization_id",
            )

    def _join(
        self,
        rec: VolunteerRecord,
        organization: Organization,
        role: MembershipRole,
        *,
        actor: str,
        reason: str,
        now: datetime,
        audit: list[AuditEntry],
    ) -> tuple[Membership, bool]:
        """Join an active volunteer to an organization (idempotent)."""
        if rec.volunteer.status is not VolunteerStatus.ACTIVE:
            raise ConflictError(
                "only an active volunteer can join an organization",
                "只有状态为“正常”的志愿者才能加入组织",
                code="registry.volunteer_not_active",
                path="$.volunteer_id",
            )
        existing = self._store.memberships.active(rec.id, organization.id)
        if existing is not None:
            return existing, False
        membership = Membership(
            id=new_id(self._clock),
            volunteer_id=rec.id,
            organization_id=organization.id,
            role=role,
            joined_at=now,
        )
        self._store.memberships.add(membership)
        audit.append(
            self._entry(
                "membership.join",
                "volunteer",
                rec.id,
                actor=actor,
                reason=reason,
                details={
                    "membership": membership.id,
                    "organization": organization.id,
                    "role": role.value,
                },
            )
        )
        return membership, True

    def _register(
        self,
        application: VolunteerApplication,
        organization: Organization | None,
        role: MembershipRole,
        *,
        actor: str,
        reason: str,
        audit: list[AuditEntry],
    ) -> tuple[VolunteerRecord, bool, Membership | None, bool]:
        now = self._clock.now()
        fields = self._volunteer_fields(application, now)
        document = fields["document"]
        assert isinstance(document, IdentityDocument)
        candidates = self._keyring.index_candidates(document)
        details = {"scheme": document.scheme, "document": document.masked}
        if application.document.edition == "1989":
            details["given_as"] = "15-digit first-generation number"
        rec = self._store.volunteers.find_by_index(candidates)
        created = False
        if rec is None:
            new = self._new_record(fields, candidates[0])
            try:
                self._store.volunteers.add(new)
            except ConflictError as err:
                # Another writer registered the same person since our lookup: use theirs.
                if err.code != "registry.duplicate_document":
                    raise
                rec = self._store.volunteers.find_by_index(candidates)
                if rec is None:  # pragma: no cover - the index conflict says it exists
                    raise
            else:
                rec, created = new, True
                audit.append(
                    self._entry(
                        "volunteer.register",
                        "volunteer",
                        rec.id,
                        actor=actor,
                        reason=reason,
                        details={**details, "outcome": "created"},
                    )
                )
                log.info(
                    "registered volunteer %s (%s %s)", rec.id, document.scheme, document.masked
                )
        if not created:
            rec = self._existing(rec, details, actor=actor, reason=reason, audit=audit)
        membership: Membership | None = None
        joined = False
        if organization is not None:
            membership, joined = self._join(
                rec, organization, role, actor=actor, reason=reason, now=now, audit=audit
            )
        return rec, created, membership, joined

    def _new_record(self, fields: dict[str, object], index: str) -> VolunteerRecord:
        """Build the record of a new volunteer directly in its stored (sealed) form."""
        volunteer_id = new_id(self._clock)
        document = fields["document"]
        guardian = fields["guardian"]
        assert isinstance(document, IdentityDocument)
        assert guardian is None or isinstance(guardian, Guardian)
        guardian_document = None if guardian is None else guardian.document
        if guardian is not None and guardian_document is not None:
            guardian = attrs.evolve(guardian, document=None)
        stripped = {**fields, "document": None, "guardian": guardian}
        return VolunteerRecord(
            volunteer=Volunteer(id=volunteer_id, **stripped),  # type: ignore[arg-type]
            document=self._keyring.seal(document, context=f"{volunteer_id}/document"),
            document_index=index,
            guardian_document=None
            if guardian_document is None
            else self._keyring.seal(guardian_document, context=f"{volunteer_id}/guardian"),
        )

    def _existing(
        self,
        found: VolunteerRecord | None,
        details: dict[str, str],
        *,
        actor: str,
        reason: str,
        audit: list[AuditEntry],
    ) -> VolunteerRecord:
        """Apply the duplicate rule to the record an application matched."""
        assert found is not None
        if self.policy.on_duplicate is DuplicateAction.REFUSE:
            raise ConflictError(
                "this person is already registered (one person, one registration)",
                "此人已注册(一人一号)",
                code="registry.duplicate",
                path="$.document",
            )
        rec = self._resolve_record(found)
        status = rec.volunteer.status
        if status is VolunteerStatus.SUSPENDED:
            raise ConflictError(
                "this person is registered and suspended: ask an administrator",
                "此人已注册且被暂停,请联系管理员",
                code="registry.volunteer_suspended",
                path="$.document",
            )
        if status is VolunteerStatus.ANONYMISED:  # pragma: no cover - anonymising drops indexes
            raise ConflictError(
                "this person's record was anonymised",
                "此人的记录已匿名化",
                code="registry.volunteer_anonymised",
                path="$.document",
            )
        if status is VolunteerStatus.INACTIVE:
            rec = attrs.evolve(
                rec, volunteer=attrs.evolve(rec.volunteer, status=VolunteerStatus.ACTIVE)
            )
            self._store.volunteers.update(rec)
            audit.append(
                self._entry(
                    "volunteer.status",
                    "volunteer",
                    rec.id,
                    actor=actor,
                    reason=reason or "registered again",
                    details={"from": status.value, "to": VolunteerStatus.ACTIVE.value},
                )
            )
        audit.append(
            self._entry(
                "volunteer.register",
                "volunteer",
                rec.id,
                actor=actor,
                reason=reason,
                details={**details, "outcome": "existing"},
            )
        )
        log.info("registration matched existing volunteer %s (%s)", rec.id, details["document"])
        return rec

    def register_volunteer(
        self,
        application: VolunteerApplication,
        *,
        organization_id: str | None = None,
        role: MembershipRole = MembershipRole.MEMBER,
        actor: str = "system",
        reason: str = "",
    ) -> RegistrationResult:
        """Register a volunteer, or find them if already registered, and join an organization.

        The document is parsed again with the registry's clock; its birth date, sex and
        nationality are cross-checked against the declared ones. The policy's age and consent
        rules apply. If the person is registered already (same scheme and canonical number:
        the 15- and 18-digit forms of a citizen number are the same person), the existing
        volunteer is returned and joined to the organization (Beijing rule), or the call is
        refused (``DuplicateAction.REFUSE``). A registered but inactive volunteer is
        reactivated; a suspended one is refused.

        Args:
            application: The application.
            organization_id: The organization registering them (or being joined), if any.
            role: Their role in it.
            actor: Who is registering them (for the audit log).
            reason: Why (for the audit log).

        Returns:
            The volunteer, whether it was created, and the membership.

        Raises:
            InvalidInputError: A field breaks a rule (code and path say which), such as
                ``registry.too_young``, ``registry.guardian_consent_required``,
                ``registry.birth_date_mismatch``, ``registry.phone.mobile``,
                ``registry.bool`` (``self_supporting`` not ``True`` or ``False``) or an
                ``identity.*`` code at ``$.document``.
            NotFoundError: ``registry.organization_not_found`` at ``$.organization_id``.
            ConflictError: ``registry.duplicate`` (policy ``REFUSE``),
                ``registry.volunteer_suspended``, ``registry.organization_not_accepting``.
        """
        _check_who(actor, reason)
        _check_member(role, MembershipRole, "$.role")
        audit: list[AuditEntry] = []
        with self._store.transaction():
            organization = None
            if organization_id is not None:
                organization = self._organization(organization_id)
                self._check_joinable(organization)
            rec, created, membership, joined = self._register(
                application, organization, role, actor=actor, reason=reason, audit=audit
            )
            self._store.audit.append_many(audit)
        return RegistrationResult(
            volunteer=self._open(rec), created=created, membership=membership, joined=joined
        )

    def register_many(
        self,
        applications: Iterable[VolunteerApplication],
        *,
        organization_id: str | None = None,
        role: MembershipRole = MembershipRole.MEMBER,
        actor: str = "system",
        reason: str = "",
        batch_size: int = 500,
    ) -> BatchResult:
        """Register many volunteers, ``batch_size`` per transaction.

        Each batch is atomic. If an application is refused, its batch is rolled back and the
        error is raised with the application's position in its path (``$[1234].birth_date``);
        the batches before it stay committed. Registering is idempotent (an applicant already
        registered is found, not duplicated), so the same input can simply be run again after
        fixing the bad application: the run resumes where it stopped.

        Args:
            applications: The applications, streamed.
            organization_id: The organization they all join, if any.
            role: Their role in it.
            actor: Who is registering them.
            reason: Why.
            batch_size: Applications per transaction.

        Returns:
            Counts and the volunteer id of each application.

        Raises:
            VolunteerkitError: As :meth:`register_volunteer`, with the path prefixed by the
                application's position.
            InvalidInputError: ``registry.list`` at ``$`` if ``applications`` is not iterable;
                ``registry.batch_size``.
        """
        _check_who(actor, reason)
        _check_member(role, MembershipRole, "$.role")
        _check_batch_size(batch_size)
        ids: list[str] = []
        created = existing = 0
        try:
            iterator = iter(applications)
        except TypeError:
            raise InvalidInputError(
                "expected an iterable of VolunteerApplication",
                "应为 VolunteerApplication 的可迭代对象",
                code="registry.list",
                path="$",
            ) from None
        position = 0
        organization = None
        if organization_id is not None:
            organization = self._organization(organization_id)
            self._check_joinable(organization)
        while batch := list(islice(iterator, batch_size)):
            audit: list[AuditEntry] = []
            batch_ids: list[str] = []
            batch_created = 0
            with self._store.transaction():
                for application in batch:
                    try:
                        rec, was_created, _, _ = self._register(
                            application, organization, role, actor=actor, reason=reason,
                            audit=audit,
                        )  # fmt: skip
                    except VolunteerkitError as err:
                        raise err.at(f"$[{position}]") from None
                    position += 1
                    batch_ids.append(rec.id)
                    batch_created += was_created
                self._store.audit.append_many(audit)
            ids.extend(batch_ids)
            created += batch_created
            existing += len(batch) - batch_created
        return BatchResult(created=created, existing=existing, volunteer_ids=tuple(ids))

    # ----------------------------------------------------------------------------------------
    # Changing volunteers

    def update_profile(
        self,
        volunteer_id: str,
        *,
        name: str | _Unchanged = UNCHANGED,
        phone: str | _Unchanged | None = UNCHANGED,
        email: str | _Unchanged | None = UNCHANGED,
        home_region: str | _Unchanged | None = UNCHANGED,
        skills: Iterable[str] | _Unchanged = UNCHANGED,
        languages: Iterable[str] | _Unchanged = UNCHANGED,
        qualifications: Iterable[Qualification] | _Unchanged = UNCHANGED,
        actor: str = "system",
        reason: str = "",
    ) -> Volunteer:
        """Change a volunteer's profile; fields left :data:`UNCHANGED` stay as they are.

        The document, birth date and sex are not changed here: they come from the document.
        The audit entry names the fields changed, never their values.

        Args:
            volunteer_id: The volunteer.
            name: New name.
            phone: New phone number (normalized as at registration), or ``None`` to remove.
            email: New e-mail address, or ``None`` to remove.
            home_region: New GB/T 2260 code, or ``None``.
            skills: New skills.
            languages: New BCP 47 language tags.
            qualifications: New qualifications.
            actor: Who changed it.
            reason: Why.

        Returns:
            The updated volunteer.

        Raises:
            NotFoundError: ``registry.volunteer_not_found``.
            ConflictError: ``registry.volunteer_not_active`` for a merged or anonymised record.
            InvalidInputError: A field breaks a rule.
        """
        _check_who(actor, reason)
        changes: dict[str, object] = {}
        if not isinstance(name, _Unchanged):
            changes["name"] = check_text(
                name.strip() if isinstance(name, str) else name,
                path="$.name", max_length=100, field="the name", field_zh="姓名",
            )  # fmt: skip
        if not isinstance(phone, _Unchanged):
            changes["phone"] = None if phone is None else normalize_phone(phone)
        if not isinstance(email, _Unchanged):
            changes["email"] = None if email is None else normalize_email(email)
        if not isinstance(home_region, _Unchanged):
            changes["home_region"] = home_region
        if not isinstance(skills, _Unchanged):
            changes["skills"] = tuple(
                dict.fromkeys(
                    check_text(
                        s.strip() if isinstance(s, str) else s,
                        path=f"$.skills[{i}]",
                        max_length=100,
                        field="a skill",
                        field_zh="技能",
                    )
                    for i, s in enumerate(check_list(skills, path="$.skills"))
                )
            )
        if not isinstance(languages, _Unchanged):
            changes["languages"] = tuple(
                dict.fromkeys(
                    normalize_language_tag(t, path=f"$.languages[{i}]")
                    for i, t in enumerate(check_list(languages, path="$.languages"))
                )
            )
        if not isinstance(qualifications, _Unchanged):
            changes["qualifications"] = check_list(qualifications, path="$.qualifications")
        with self._store.transaction():
            rec = self._record(volunteer_id)
            if rec.volunteer.status in (VolunteerStatus.MERGED, VolunteerStatus.ANONYMISED):
                raise ConflictError(
                    "a merged or anonymised record cannot be changed",
                    "已合并或已匿名化的记录不能修改",
                    code="registry.volunteer_not_active",
                    path="$.volunteer_id",
                )
            rec = attrs.evolve(rec, volunteer=attrs.evolve(rec.volunteer, **changes))  # type: ignore[arg-type]
            self._store.volunteers.update(rec)
            self._store.audit.append(
                self._entry(
                    "volunteer.update",
                    "volunteer",
                    volunteer_id,
                    actor=actor,
                    reason=reason,
                    details={"fields": ",".join(sorted(changes))},
                )
            )
        return self._open(rec)

    def set_status(
        self,
        volunteer_id: str,
        status: VolunteerStatus,
        *,
        actor: str = "system",
        reason: str = "",
    ) -> Volunteer:
        """Set a volunteer's status to active, suspended or inactive.

        Setting the status a volunteer already has changes nothing and writes no audit entry.

        Args:
            volunteer_id: The volunteer.
            status: ``ACTIVE``, ``SUSPENDED`` or ``INACTIVE``.
            actor: Who changed it.
            reason: Why.

        Returns:
            The updated volunteer.

        Raises:
            NotFoundError: ``registry.volunteer_not_found``.
            InvalidInputError: ``registry.enum`` at ``$.status`` if ``status`` is not a
                :class:`VolunteerStatus` (the text ``"active"`` included);
                ``registry.status_transition`` for ``MERGED``/``ANONYMISED`` (use :meth:`merge`
                and :meth:`anonymise`) or a record that is merged or anonymised.
        """
        _check_who(actor, reason)
        if not isinstance(status, VolunteerStatus):
            raise InvalidInputError(
                "status must be a VolunteerStatus",
                "status 必须是 VolunteerStatus",
                code="registry.enum",
                path="$.status",
            )
        if status not in _SETTABLE:
            raise InvalidInputError(
                "set_status sets active, suspended or inactive; use merge() or anonymise()",
                "set_status 只能设为正常、暂停或停用;合并与匿名化请用 merge() 或 anonymise()",
                code="registry.status_transition",
                path="$.status",
            )
        with self._store.transaction():
            rec = self._record(volunteer_id)
            current = rec.volunteer.status
            if current not in _SETTABLE:
                raise InvalidInputError(
                    "a merged or anonymised record keeps its status",
                    "已合并或已匿名化的记录不能更改状态",
                    code="registry.status_transition",
                    path="$.status",
                )
            if current is not status:
                rec = attrs.evolve(rec, volunteer=attrs.evolve(rec.volunteer, status=status))
                self._store.volunteers.update(rec)
                self._store.audit.append(
                    self._entry(
                        "volunteer.status",
                        "volunteer",
                        volunteer_id,
                        actor=actor,
                        reason=reason,
                        details={"from": current.value, "to": status.value},
                    )
                )
        return self._open(rec)

    def merge(
        self,
        survivor_id: str,
        duplicate_id: str,
        *,
        actor: str = "system",
        reason: str = "",
    ) -> Volunteer:
        """Merge two records of one person, keeping both histories.

        Nothing is deleted. The duplicate record stays, with status ``MERGED`` and
        ``merged_into`` pointing at the survivor, so hours and audit entries that name it still
        lead to the person (:meth:`resolve`), and its document still finds them
        (:meth:`find_by_document`). Each of its active memberships ends (``MembershipEnd.MERGED``)
        and, where the survivor is not already a member, continues as a new membership of the
        survivor with the same role and start. Both records get an audit entry
        ``volunteer.merge``.

        Args:
            survivor_id: The record that stays the person's record.
            duplicate_id: The record merged into it.
            actor: Who merged them.
            reason: Why (say how you established they are one person).

        Returns:
            The survivor.

        Raises:
            InvalidInputError: ``registry.id`` (an id that cannot be one), ``registry.merge_same``
                (one id twice) or ``registry.merge_mismatch`` (the records show different birth
                dates or sexes).
            ConflictError: ``registry.merge_state`` if either record is merged or anonymised.
            NotFoundError: ``registry.volunteer_not_found``.
        """
        _check_who(actor, reason)
        _require_id(survivor_id, "$.survivor_id")
        _require_id(duplicate_id, "$.duplicate_id")
        if survivor_id == duplicate_id:
            raise InvalidInputError(
                "a record cannot be merged with itself",
                "记录不能与自身合并",
                code="registry.merge_same",
                path="$.duplicate_id",
            )
        now = self._clock.now()
        with self._store.transaction():
            survivor = self._record(survivor_id, "$.survivor_id")
            duplicate = self._record(duplicate_id, "$.duplicate_id")
            for rec, path in ((survivor, "$.survivor_id"), (duplicate, "$.duplicate_id")):
                if rec.volunteer.status not in _SETTABLE:
                    raise ConflictError(
                        "merged or anonymised records cannot be merged",
                        "已合并或已匿名化的记录不能再合并",
                        code="registry.merge_state",
                        path=path,
                    )
            a, b = survivor.volunteer, duplicate.volunteer
            if (
                a.birth_date is not None
                and b.birth_date is not None
                and a.birth_date != b.birth_date
            ) or (a.sex is not None and b.sex is not None and a.sex is not b.sex):
                raise InvalidInputError(
                    "the two records show different birth dates or sexes: not one person",
                    "两条记录的出生日期或性别不同,不是同一人",
                    code="registry.merge_mismatch",
                    path="$.duplicate_id",
                )
            self._store.volunteers.update(
                attrs.evolve(
                    duplicate,
                    volunteer=attrs.evolve(
                        b, status=VolunteerStatus.MERGED, merged_into=survivor_id
                    ),
                )
            )
            moved = 0
            for membership in self._store.memberships.for_volunteer(duplicate_id, active_only=True):
                self._store.memberships.update(
                    attrs.evolve(membership, left_at=now, end=MembershipEnd.MERGED)
                )
                if self._store.memberships.active(survivor_id, membership.organization_id) is None:
                    self._store.memberships.add(
                        Membership(
                            id=new_id(self._clock),
                            volunteer_id=survivor_id,
                            organization_id=membership.organization_id,
                            role=membership.role,
                            joined_at=membership.joined_at,
                        )
                    )
                    moved += 1
            self._store.audit.append_many(
                [
                    self._entry(
                        "volunteer.merge",
                        "volunteer",
                        duplicate_id,
                        actor=actor,
                        reason=reason,
                        details={"role": "duplicate", "into": survivor_id},
                    ),
                    self._entry(
                        "volunteer.merge",
                        "volunteer",
                        survivor_id,
                        actor=actor,
                        reason=reason,
                        details={
                            "role": "survivor",
                            "absorbed": duplicate_id,
                            "memberships_moved": str(moved),
                        },
                    ),
                ]
            )
            log.info("merged volunteer %s into %s", duplicate_id, survivor_id)
        return self.get(survivor_id)

    def anonymise(self, volunteer_id: str, *, actor: str = "system", reason: str = "") -> Volunteer:
        """Remove a volunteer's personal data, keeping what statistics need.

        Kept: the id (hours stay attached), sex, home region, an age band on today's date,
        the registration time, the memberships. Removed: name, documents (and the blind index,
        so the person could register afresh), birth date, nationality, contact details, skills,
        languages, qualifications, guardian. Records that were merged into this one are
        anonymised too: they are the same person. Anonymising again changes nothing.

        The audit log is append-only: entries written earlier keep the *masked* number they
        recorded (such as ``110105********002X``), never the full one.

        Args:
            volunteer_id: The volunteer.
            actor: Who asked for it.
            reason: Why (such as the person's request under Art. 20 of the Regulations).

        Returns:
            The anonymised volunteer.

        Raises:
            NotFoundError: ``registry.volunteer_not_found``.
        """
        _check_who(actor, reason)
        today = self.policy.local_date(self._clock.now())
        with self._store.transaction():
            rec = self._record(volunteer_id)
            pending = [rec]
            done: set[str] = set()
            result = rec.volunteer
            while pending:
                current = pending.pop()
                if current.id in done:
                    continue
                done.add(current.id)
                pending.extend(self._store.volunteers.merged_into(current.id))
                if current.volunteer.status is VolunteerStatus.ANONYMISED:
                    if current.id == volunteer_id:
                        result = current.volunteer
                    continue
                stripped = anonymised(current.volunteer, on=today, bands=self.policy.age_bands)
                self._store.volunteers.update(VolunteerRecord(volunteer=stripped))
                self._store.audit.append(
                    self._entry(
                        "volunteer.anonymise",
                        "volunteer",
                        current.id,
                        actor=actor,
                        reason=reason,
                        details={"age_band": stripped.age_band or ""},
                    )
                )
                if current.id == volunteer_id:
                    result = stripped
        log.info("anonymised volunteer %s", volunteer_id)
        return result

    def rekey(self, *, batch_size: int = 500, actor: str = "system") -> int:
        """Move every record onto the keyring's current keys (after a key rotation).

        Records whose blind index or sealed numbers use an older key are opened with it and
        written again with the current keys, ``batch_size`` per transaction (resumable: run it
        again after an interruption). Each batch writes an audit entry ``registry.rekey``.

        Args:
            batch_size: Records per transaction.
            actor: Who started it.

        Returns:
            How many records were rewritten.

        Raises:
            InvalidInputError: ``registry.unknown_key`` if a record uses a key missing from
                the ring; ``registry.batch_size`` unless ``batch_size`` is a positive integer.
        """
        _check_who(actor)
        _check_batch_size(batch_size)
        stale = [
            rec.id for rec in self._store.volunteers.iter() if not self._keyring.is_current(rec)
        ]
        done = 0
        for start in range(0, len(stale), batch_size):
            chunk = stale[start : start + batch_size]
            with self._store.transaction():
                for volunteer_id in chunk:
                    rec = self._store.volunteers.get(volunteer_id)
                    if not self._keyring.is_current(rec):
                        for record in self._resealed(rec):
                            self._store.volunteers.update(record)
                        done += 1
                self._store.audit.append(
                    self._entry(
                        "registry.rekey",
                        "keyring",
                        self._keyring.current_index_key,
                        actor=actor,
                        reason="",
                        details={
                            "records": str(len(chunk)),
                            "encryption_key": self._keyring.current_encryption_key or "",
                        },
                    )
                )
        return done

    # ----------------------------------------------------------------------------------------
    # Organizations and memberships

    def register_organization(
        self,
        *,
        name: str,
        uscc: str | None = None,
        region: str | None = None,
        parent_id: str | None = None,
        verification: VerificationStatus = VerificationStatus.PENDING,
        actor: str = "system",
        reason: str = "",
    ) -> Organization:
        """Register an organization (or a team within one).

        The USCC is validated (GB 32100: mod-31 and GB 11714 checks, department/type table);
        its type tells the kind (``51`` social organization, ``52`` social service organization
        / 民办非企业单位, ``53`` foundation). Without a region, the registering authority's
        region in the USCC is used when it is a GB/T 2260 code.

        Args:
            name: The registered name.
            uscc: The Unified Social Credit Code as typed, or ``None`` for an unregistered team.
            region: GB/T 2260 code of where it is based.
            parent_id: The organization it belongs to.
            verification: Its verification status.
            actor: Who registered it.
            reason: Why.

        Returns:
            The organization.

        Raises:
            InvalidIdentity: An invalid USCC (``identity.*`` at ``$.uscc``).
            InvalidInputError: A bad name or region.
            ConflictError: ``registry.duplicate_uscc`` if an organization has the code.
            NotFoundError: ``registry.organization_not_found`` at ``$.parent_id``.
        """
        _check_who(actor, reason)
        _check_member(verification, VerificationStatus, "$.verification")
        canonical = None
        derived_region = None
        if uscc is not None:
            try:
                document = identity.parse("cn_uscc", uscc)
            except VolunteerkitError as err:
                raise err.at("$.uscc") from None
            canonical = document.number
            derived_region = document.region
        with self._store.transaction():
            if parent_id is not None:
                self._organization(parent_id, "$.parent_id")
            organization = Organization(
                id=new_id(self._clock),
                name=check_text(
                    name.strip() if isinstance(name, str) else name,
                    path="$.name",
                    max_length=200,
                    field="the name",
                    field_zh="名称",
                ),
                uscc=canonical,
                region=region if region is not None else derived_region,
                verification=verification,
                parent_id=parent_id,
                registered_at=self._clock.now(),
            )
            self._store.organizations.add(organization)
            self._store.audit.append(
                self._entry(
                    "organization.register",
                    "organization",
                    organization.id,
                    actor=actor,
                    reason=reason,
                    details={"kind": organization.kind.value, "uscc": canonical or ""},
                )
            )
        return organization

    def set_verification(
        self,
        organization_id: str,
        verification: VerificationStatus,
        *,
        actor: str = "system",
        reason: str = "",
    ) -> Organization:
        """Set an organization's verification status.

        Args:
            organization_id: The organization.
            verification: The new status.
            actor: Who checked it.
            reason: Why.

        Returns:
            The updated organization.

        Raises:
            NotFoundError: ``registry.organization_not_found``.
        """
        _check_who(actor, reason)
        _check_member(verification, VerificationStatus, "$.verification")
        with self._store.transaction():
            organization = self._organization(organization_id)
            if organization.verification is not verification:
                previous = organization.verification
                organization = attrs.evolve(organization, verification=verification)
                self._store.organizations.update(organization)
                self._store.audit.append(
                    self._entry(
                        "organization.verification",
                        "organization",
                        organization_id,
                        actor=actor,
                        reason=reason,
                        details={"from": previous.value, "to": verification.value},
                    )
                )
        return organization

    def join(
        self,
        volunteer_id: str,
        organization_id: str,
        *,
        role: MembershipRole = MembershipRole.MEMBER,
        actor: str = "system",
        reason: str = "",
    ) -> Membership:
        """Join a volunteer to an organization; joining twice returns the active membership.

        Args:
            volunteer_id: The volunteer (active).
            organization_id: The organization (not rejected or revoked).
            role: Their role.
            actor: Who joined them.
            reason: Why.

        Returns:
            The active membership (the existing one, unchanged, if there was one).

        Raises:
            NotFoundError: ``registry.volunteer_not_found`` or ``registry.organization_not_found``.
            ConflictError: ``registry.volunteer_not_active`` or
                ``registry.organization_not_accepting``.
        """
        _check_who(actor, reason)
        _check_member(role, MembershipRole, "$.role")
        audit: list[AuditEntry] = []
        with self._store.transaction():
            rec = self._record(volunteer_id)
            organization = self._organization(organization_id)
            self._check_joinable(organization)
            membership, _ = self._join(
                rec, organization, role, actor=actor, reason=reason, now=self._clock.now(),
                audit=audit,
            )  # fmt: skip
            self._store.audit.append_many(audit)
        return membership

    def leave(
        self,
        volunteer_id: str,
        organization_id: str,
        *,
        end: MembershipEnd = MembershipEnd.LEFT,
        actor: str = "system",
        reason: str = "",
    ) -> Membership:
        """End a volunteer's active membership of an organization.

        Args:
            volunteer_id: The volunteer.
            organization_id: The organization.
            end: ``LEFT`` (their choice) or ``REMOVED`` (the organization's).
            actor: Who ended it.
            reason: Why.

        Returns:
            The ended membership.

        Raises:
            NotFoundError: ``registry.membership_not_found`` if there is no active membership.
            InvalidInputError: ``registry.membership_end`` for ``MembershipEnd.MERGED`` (set
                only by :meth:`merge`).
        """
        _check_who(actor, reason)
        _check_member(end, MembershipEnd, "$.end")
        if end is MembershipEnd.MERGED:
            raise InvalidInputError(
                "memberships end as 'merged' only through merge()",
                "成员关系只能通过 merge() 以“合并”结束",
                code="registry.membership_end",
                path="$.end",
            )
        with self._store.transaction():
            membership = self._store.memberships.active(
                _require_id(volunteer_id, "$.volunteer_id"),
                _require_id(organization_id, "$.organization_id"),
            )
            if membership is None:
                raise NotFoundError(
                    "the volunteer is not an active member of the organization",
                    "该志愿者不是该组织的在册成员",
                    code="registry.membership_not_found",
                    path="$.organization_id",
                )
            membership = attrs.evolve(membership, left_at=self._clock.now(), end=end)
            self._store.memberships.update(membership)
            self._store.audit.append(
                self._entry(
                    "membership.leave",
                    "volunteer",
                    volunteer_id,
                    actor=actor,
                    reason=reason,
                    details={
                        "membership": membership.id,
                        "organization": organization_id,
                        "end": end.value,
                    },
                )
            )
        return membership

    def set_role(
        self,
        volunteer_id: str,
        organization_id: str,
        role: MembershipRole,
        *,
        actor: str = "system",
        reason: str = "",
    ) -> Membership:
        """Change a volunteer's role in an organization they are an active member of.

        Args:
            volunteer_id: The volunteer.
            organization_id: The organization.
            role: The new role.
            actor: Who changed it.
            reason: Why.

        Returns:
            The updated membership.

        Raises:
            NotFoundError: ``registry.membership_not_found`` if there is no active membership.
        """
        _check_who(actor, reason)
        _check_member(role, MembershipRole, "$.role")
        with self._store.transaction():
            membership = self._store.memberships.active(
                _require_id(volunteer_id, "$.volunteer_id"),
                _require_id(organization_id, "$.organization_id"),
            )
            if membership is None:
                raise NotFoundError(
                    "the volunteer is not an active member of the organization",
                    "该志愿者不是该组织的在册成员",
                    code="registry.membership_not_found",
                    path="$.organization_id",
                )
            if membership.role is not role:
                previous = membership.role
                membership = attrs.evolve(membership, role=role)
                self._store.memberships.update(membership)
                self._store.audit.append(
                    self._entry(
                        "membership.role",
                        "volunteer",
                        volunteer_id,
                        actor=actor,
                        reason=reason,
                        details={
                            "membership": membership.id,
                            "organization": organization_id,
                            "from": previous.value,
                            "to": role.value,
                        },
                    )
                )
        return membership
