"""Service certificates: what a volunteer's organisation certifies, numbered and hashed.

The 2015 certificate guidance lists what a volunteer-service certificate carries: the volunteer's
name, identity document type and number, volunteer number, hours and content of service, the
issuer, the person in charge, the handler and a contact, the certificate number, the date, notes,
and the issuer's seal. Under Ministry of Civil Affairs Order 67 (2021) "whoever organised it
records it, whoever recorded it certifies it", and under the Volunteer Service Regulations
(Art. 19) certificates are issued free and truthfully. :func:`issue_certificate` builds one from
those facts; a :class:`Certificate` is immutable and checks itself on construction.

Hours. Service is kept in integer minutes. Where a certificate shows hours it shows them with two
decimals, computed exactly from the minutes and rounded half up (``ROUND_HALF_UP``): 125 minutes
are ``"2.08"`` hours, 1 minute is ``"0.02"``. (A tie, a value ending in exactly 5 thousandths, can
never happen for whole minutes, so half-up and half-even agree; the rule is stated anyway.) The
minutes stay on the certificate next to the hours text.

Certificate number. ``VK-<issuer organization id>-<yyyy>-<16 base32 characters>``: ``yyyy`` is the
year of the last day of service on the certificate, and the 16 characters are the first 80 bits of
a SHA-256 over the canonical JSON of the issuer id, the volunteer number, the window, the total
minutes and the service lines (RFC 4648 base32, upper case, no padding). The same service of the
same volunteer certified by the same issuer therefore always gets the same number, whatever the
issue date or the notes; a certificate over different service gets a different number. The
identity number is not an input, so the certificate number discloses nothing about it.

Verification hash. SHA-256 (lower-case hex) over the canonical JSON of the certificate's content:
the JSON object that :meth:`Certificate.to_dict` returns without ``verification_hash`` and without
the full identity number, serialized with sorted keys, no white space and UTF-8 (no floats: minutes
are integers, hours are strings). :func:`verify_certificate` recomputes it and refuses a
certificate whose content was changed (``certificate.hash_mismatch``).

The hash binds the *masked* identity number (``110105********002X``), not the full one, on purpose:
a hash over the full number, published next to its masked form, would let anyone recover the eight
hidden digits by trying the few tens of millions of possible birth dates and sequence numbers. The
full number, when a certificate carries it, is checked against the masked one
(``certificate.identity_mismatch``) and against the rules of its document scheme. The masked one is
always checked to be in the masked form of its scheme (``certificate.masked_number``): since the
hash has no key, a certificate without the full number could otherwise carry a full number in the
masked field, with a recomputed hash.

The hash is an integrity check, not a signature: it has no key, so it shows that a certificate is
intact and matches the record the issuer keeps (the issuer can compare the hash it recorded), but
anyone can compute a hash for a forged certificate. Proof of origin needs the issuer's seal or a
digital signature, which this module does not make.

Identity numbers. A certificate built by :func:`issue_certificate` carries the plain number, as the
guidance requires; ``repr`` and ``str`` show it masked, and JSON output (:meth:`Certificate.to_json`,
``volunteerkit.to_json``, ``volunteerkit.unstructure``) carries only the masked number unless you
ask for the full one with ``include_identity=True``. A certificate read back from masked JSON has no
full number (``holder.document_number is None``).

Seal. The seal is not an image here: :attr:`Issuer.seal_ref` names it (for example the id of the
seal's record in the issuer's document system), and the certificate carries that reference.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime, tzinfo
from typing import Any, ClassVar, Final, TypeVar

import attrs

from volunteerkit._clock import Clock, today_in
from volunteerkit._serialization import converter, dumps, loads, structure, unstructure
from volunteerkit._text import unstorable
from volunteerkit.errors import SerializationError, VolunteerkitError
from volunteerkit.hours.accrual import Accrual, DayCredit
from volunteerkit.hours.errors import HoursInputError
from volunteerkit.hours.totals import Totals
from volunteerkit.hours.windows import (
    LIFETIME,
    CalendarYear,
    DateRange,
    Lifetime,
    RollingMonths,
    Window,
)
from volunteerkit.registry.identity import SCHEMES, is_masked, mask_number, validate

__all__ = [
    "CERTIFICATE_FORMAT",
    "CERTIFICATE_MESSAGES",
    "CERTIFICATE_SCHEMES",
    "Certificate",
    "CertificateError",
    "CertificateHolder",
    "Issuer",
    "ServiceLine",
    "certificate_number",
    "group_service_lines",
    "hours_text",
    "issue_certificate",
    "service_lines",
    "verify_certificate",
]

CERTIFICATE_FORMAT: Final = "volunteerkit.certificate/1"
"""The ``format`` tag of the certificate JSON (part of the hashed content)."""

CERTIFICATE_SCHEMES: Final[frozenset[str]] = frozenset(SCHEMES) - {
    "cn_uscc",  # an organization's code, not a person's document
    "cn_mobile",  # a phone number, not an identity document
    "icao_td3_mrz",  # a machine-readable zone holds the holder's name; give the document number
}
"""Identity-document schemes a certificate accepts (see :mod:`volunteerkit.registry.identity`)."""

CERTIFICATE_MESSAGES: dict[str, tuple[str, str]] = {
    "certificate.empty_field": ("this field must not be empty", "此字段不能为空"),
    "certificate.invalid_field": ("this field has the wrong type", "此字段类型错误"),
    "certificate.invalid_text": (
        "text must not contain NUL or lone surrogates",
        "文本不能包含 NUL 或孤立代理字符",
    ),
    "certificate.issuer_id": (
        "the issuer's organization id must be letters, digits, '.', '_' or '-' (at most 64)",
        "出具单位标识只能由字母、数字、'.'、'_'、'-' 组成(最多 64 个字符)",
    ),
    "certificate.document_scheme": (
        "this identity document type cannot be used on a certificate",
        "该证件类型不能用于志愿服务证明",
    ),
    "certificate.identity_mismatch": (
        "the identity number does not match its masked form on the certificate",
        "证件号码与证明上的遮蔽号码不一致",
    ),
    "certificate.masked_number": (
        "the masked identity number is not in the masked form of its document type",
        "遮蔽证件号码不符合该证件类型的遮蔽格式",
    ),
    "certificate.identity_unknown": (
        "this certificate does not carry the full identity number",
        "此证明不含完整证件号码",
    ),
    "certificate.minutes": (
        "minutes must be a positive integer",
        "分钟数必须是正整数",
    ),
    "certificate.line_dates": (
        "the last day of a service line must not be before its first day",
        "服务记录的结束日期不能早于开始日期",
    ),
    "certificate.line_outside_window": (
        "a service line falls outside the certificate's window",
        "有服务记录不在证明的统计区间内",
    ),
    "certificate.no_service": (
        "a certificate needs at least one line of service",
        "证明至少应包含一条服务记录",
    ),
    "certificate.total_mismatch": (
        "the total minutes do not equal the sum of the service lines",
        "总分钟数与各条服务记录之和不符",
    ),
    "certificate.window_mismatch": (
        "the totals were computed over a different window",
        "总时长的统计区间与证明不一致",
    ),
    "certificate.hours_mismatch": (
        "the hours shown do not match the minutes",
        "显示的小时数与分钟数不符",
    ),
    "certificate.issued_on": (
        "give exactly one of an issue date or a clock with a time zone",
        "签发日期与时钟(及时区)须且只须提供一种",
    ),
    "certificate.issued_before_service": (
        "a certificate cannot be dated before the last day of service it certifies",
        "证明日期不能早于所证明服务的最后一天",
    ),
    "certificate.format": (
        "not a volunteerkit certificate of a known format",
        "不是已知格式的 volunteerkit 志愿服务证明",
    ),
    "certificate.number_mismatch": (
        "the certificate number does not match the certificate's content",
        "证明编号与证明内容不符",
    ),
    "certificate.hash_mismatch": (
        "the verification hash does not match the certificate's content (it was altered)",
        "校验哈希与证明内容不符(证明已被改动)",
    ),
}
"""Every code this module raises, with its English and Chinese message."""

_E = TypeVar("_E", bound="CertificateError")


class CertificateError(HoursInputError):
    """A certificate that cannot be issued or verified.

    Use :meth:`of` to raise one by code, so its messages come from :data:`CERTIFICATE_MESSAGES`.
    """

    default_code = "certificate.hash_mismatch"
    default_message = CERTIFICATE_MESSAGES["certificate.hash_mismatch"][0]
    default_message_zh = CERTIFICATE_MESSAGES["certificate.hash_mismatch"][1]

    @classmethod
    def of(cls: type[_E], code: str, path: str | None = None, detail: str | None = None) -> _E:
        """Build an error from its stable code.

        Args:
            code: A code listed in :data:`CERTIFICATE_MESSAGES`.
            path: The path of the offending field, such as ``$.lines[0].minutes``.
            detail: Optional non-personal detail appended to both messages.

        Returns:
            The error, ready to raise.
        """
        en, zh = CERTIFICATE_MESSAGES.get(code, (cls.default_message, cls.default_message_zh))
        if detail:
            en = f"{en} ({detail})"
            zh = f"{zh}({detail})"
        return cls(en, zh, code=code, path=path)


def hours_text(minutes: int) -> str:
    """Show whole minutes as hours with two decimals, exactly, rounded half up.

    Args:
        minutes: Non-negative whole minutes.

    Returns:
        The hours, such as ``"2.08"`` for 125 minutes.

    Raises:
        CertificateError: ``certificate.minutes`` for a negative or non-integer value.

    Examples:
        >>> hours_text(125)
        '2.08'
        >>> hours_text(1), hours_text(30), hours_text(0), hours_text(6001)
        ('0.02', '0.50', '0.00', '100.02')
    """
    if isinstance(minutes, bool) or not isinstance(minutes, int) or minutes < 0:
        raise CertificateError.of("certificate.minutes", "$")
    # hundredths of an hour = minutes * 100 / 60, rounded half up, in integer arithmetic
    hundredths = (minutes * 100 * 2 + 60) // 120
    return f"{hundredths // 100}.{hundredths % 100:02d}"


# --------------------------------------------------------------------------------------------
# field checks


def _text(_instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    _free_text(_instance, attribute, value)
    if not value.strip():
        raise CertificateError.of("certificate.empty_field", f"$.{attribute.name}")


def _free_text(_instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str):
        raise CertificateError.of("certificate.invalid_field", f"$.{attribute.name}")
    if unstorable(value):  # no UTF-8 form to hash (a lone surrogate), or NUL, as in entries
        raise CertificateError.of("certificate.invalid_text", f"$.{attribute.name}")


def _a_date(_instance: object, attribute: attrs.Attribute[date], value: date) -> None:
    if not isinstance(value, date) or isinstance(value, datetime):
        raise CertificateError.of("certificate.invalid_field", f"$.{attribute.name}")


def _positive(_instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise CertificateError.of("certificate.minutes", f"$.{attribute.name}")


_ISSUER_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def _issuer_id(_instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str) or not _ISSUER_ID.fullmatch(value):
        raise CertificateError.of("certificate.issuer_id", f"$.{attribute.name}")


# --------------------------------------------------------------------------------------------
# the parts


@attrs.frozen(kw_only=True)
class ServiceLine:
    """One line of a certificate: what was done, over which local days, for how many minutes.

    Args:
        content: The content of service, as it is to appear on the certificate.
        first_day: The first local day of this service.
        last_day: The last local day of this service (not before ``first_day``).
        minutes: Credited minutes (a positive integer).

    Raises:
        CertificateError: ``certificate.empty_field``, ``certificate.invalid_field``,
            ``certificate.minutes`` or ``certificate.line_dates`` (path ``$.last_day``).
    """

    content: str = attrs.field(validator=_text)
    first_day: date = attrs.field(validator=_a_date)
    last_day: date = attrs.field(validator=_a_date)
    minutes: int = attrs.field(validator=_positive)

    def __attrs_post_init__(self) -> None:
        """Refuse a line that ends before it starts."""
        if self.last_day < self.first_day:
            raise CertificateError.of("certificate.line_dates", "$.last_day")

    @property
    def hours(self) -> str:
        """The minutes as hours with two decimals (see :func:`hours_text`)."""
        return hours_text(self.minutes)


@attrs.frozen(kw_only=True)
class Issuer:
    """The organisation that issues the certificate, and the people who answer for it.

    Args:
        organization_id: The issuer's id; it is part of the certificate number, so it is limited to
            letters, digits, ``.``, ``_`` and ``-`` (at most 64 characters).
        name: The issuer's name as printed on the certificate.
        person_in_charge: The issuer's person in charge (负责人).
        handler: The person who handled the certificate (经办人).
        handler_contact: How to reach the handler (a phone number or e-mail address).
        seal_ref: A reference to the issuer's seal (the seal itself is not stored here).

    Raises:
        CertificateError: ``certificate.issuer_id``, ``certificate.empty_field`` or
            ``certificate.invalid_field``.
    """

    organization_id: str = attrs.field(validator=_issuer_id)
    name: str = attrs.field(validator=_text)
    person_in_charge: str = attrs.field(validator=_text)
    handler: str = attrs.field(validator=_text)
    handler_contact: str = attrs.field(validator=_text)
    seal_ref: str = attrs.field(validator=_text)


def _scheme(_instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str) or value not in CERTIFICATE_SCHEMES:
        raise CertificateError.of("certificate.document_scheme", f"$.{attribute.name}")


def _masked(instance: CertificateHolder, attribute: attrs.Attribute[str], value: str) -> None:
    """Refuse a masked number that is not what :func:`mask_number` gives for its scheme.

    Without a full number nothing else checks the masked one, and the hash has no key: a full
    number (or one with a few ``*`` added) would otherwise pass, and show in ``repr``/``str``.
    """
    _text(instance, attribute, value)
    if not is_masked(instance.document_scheme, value):
        raise CertificateError.of("certificate.masked_number", f"$.{attribute.name}")


@attrs.frozen(kw_only=True, repr=False)
class CertificateHolder:
    """The volunteer a certificate is for.

    ``repr``/``str`` show the identity number masked, and ``repr`` leaves out the name (as the
    registry's models do), so that a holder can be logged; ``str`` is the certificate's display
    line and shows it. :attr:`document_number` holds the full number (or ``None`` for a certificate
    read back from JSON that carried only the masked number). Build one with :meth:`of`, which
    validates the number and masks it.

    Args:
        name: The volunteer's name.
        document_scheme: The identity document type, a scheme id from :data:`CERTIFICATE_SCHEMES`
            (``cn_ric`` for a resident identity card, ...).
        document_number_masked: The number as shown, masked (``110105********002X``): what
            masking a number of ``document_scheme`` gives, and nothing else.
        volunteer_number: The volunteer's number (the national unified volunteer number, or the
            platform's).
        document_number: The canonical full number, or ``None`` when it is not known.

    Raises:
        CertificateError: ``certificate.empty_field``, ``certificate.document_scheme``,
            ``certificate.masked_number`` (the masked number is not in its scheme's masked form),
            ``certificate.identity_mismatch`` (the full number does not mask to the masked one).
        InvalidIdentity: If the full number is not valid for its scheme (``identity.*`` codes).
    """

    name: str = attrs.field(validator=_text)
    document_scheme: str = attrs.field(validator=_scheme)
    document_number_masked: str = attrs.field(validator=_masked)
    volunteer_number: str = attrs.field(validator=_text)
    document_number: str | None = attrs.field(default=None)

    def __attrs_post_init__(self) -> None:
        """Check the full number, if given, against its scheme and the masked number."""
        if self.document_number is None:
            return
        if not isinstance(self.document_number, str):
            raise CertificateError.of("certificate.invalid_field", "$.document_number")
        try:
            canonical = validate(self.document_scheme, self.document_number)
        except VolunteerkitError as err:
            err.path = "$.document_number"
            raise
        if canonical != self.document_number or (
            mask_number(self.document_scheme, canonical) != self.document_number_masked
        ):
            raise CertificateError.of("certificate.identity_mismatch", "$.document_number")

    @classmethod
    def of(
        cls, *, name: str, document_scheme: str, document_number: str, volunteer_number: str
    ) -> CertificateHolder:
        """Validate the identity number, normalise and mask it.

        Args:
            name: The volunteer's name.
            document_scheme: A scheme id from :data:`CERTIFICATE_SCHEMES`.
            document_number: The number as typed (normalised by its scheme's rules).
            volunteer_number: The volunteer's number.

        Returns:
            The holder, with the canonical full number and its masked form.

        Raises:
            CertificateError: ``certificate.document_scheme`` or ``certificate.empty_field``.
            InvalidIdentity: If the number is not valid (``identity.*``, path
                ``$.document_number``; the message never contains the number).
        """
        if not isinstance(document_scheme, str) or document_scheme not in CERTIFICATE_SCHEMES:
            raise CertificateError.of("certificate.document_scheme", "$.document_scheme")
        try:
            canonical = validate(document_scheme, document_number)
        except VolunteerkitError as err:
            err.path = "$.document_number"
            raise
        return cls(
            name=name,
            document_scheme=document_scheme,
            document_number_masked=mask_number(document_scheme, canonical),
            volunteer_number=volunteer_number,
            document_number=canonical,
        )

    def __repr__(self) -> str:
        """Return a repr with the identity number masked and without the name."""
        return (
            f"CertificateHolder(document_scheme={self.document_scheme!r}, "
            f"document_number={self.document_number_masked!r}, "
            f"volunteer_number={self.volunteer_number!r})"
        )

    def __str__(self) -> str:
        """Return ``name (scheme masked-number)``."""
        return f"{self.name} ({self.document_scheme} {self.document_number_masked})"

    def to_dict(self, *, include_identity: bool = False) -> dict[str, str]:
        """Return the holder as JSON-ready data.

        Args:
            include_identity: Add the full identity number as ``document_number``.

        Returns:
            ``name``, ``document_scheme``, ``document_number_masked``, ``volunteer_number`` and,
            when asked for, ``document_number``.

        Raises:
            CertificateError: ``certificate.identity_unknown`` if the full number was asked for
                and is not known.
        """
        data = {
            "name": self.name,
            "document_scheme": self.document_scheme,
            "document_number_masked": self.document_number_masked,
            "volunteer_number": self.volunteer_number,
        }
        if include_identity:
            if self.document_number is None:
                raise CertificateError.of("certificate.identity_unknown", "$.document_number")
            data["document_number"] = self.document_number
        return data


# --------------------------------------------------------------------------------------------
# numbers and hashes


def _sha256(data: Any) -> bytes:
    return hashlib.sha256(dumps(data).encode("utf-8")).digest()


def _line_dict(line: ServiceLine) -> dict[str, Any]:
    return {
        "content": line.content,
        "first_day": line.first_day.isoformat(),
        "last_day": line.last_day.isoformat(),
        "minutes": line.minutes,
        "hours": line.hours,
    }


def certificate_number(
    *,
    issuer_id: str,
    volunteer_number: str,
    window: Window,
    total_minutes: int,
    lines: Sequence[ServiceLine],
) -> str:
    """Derive the certificate number from what the certificate certifies.

    Args:
        issuer_id: The issuer's organization id.
        volunteer_number: The volunteer's number.
        window: The window the certificate covers.
        total_minutes: The total credited minutes.
        lines: The service lines (at least one).

    Returns:
        ``VK-<issuer_id>-<yyyy>-<16 base32 characters>`` (see the module notes).

    Raises:
        CertificateError: ``certificate.no_service`` if there are no lines.
    """
    if not lines:
        raise CertificateError.of("certificate.no_service", "$.lines")
    basis = {
        "issuer": issuer_id,
        "volunteer_number": volunteer_number,
        "window": unstructure(window),
        "total_minutes": total_minutes,
        "lines": [_line_dict(line) for line in lines],
    }
    digest = base64.b32encode(_sha256(basis)[:10]).decode("ascii")
    year = max(line.last_day for line in lines).year
    return f"VK-{issuer_id}-{year:04d}-{digest}"


def _hash_hex(content: Mapping[str, Any]) -> str:
    return _sha256(content).hex()


def _content(
    *,
    number: str,
    holder: CertificateHolder,
    issuer: Issuer,
    window: Window,
    total_minutes: int,
    lines: Sequence[ServiceLine],
    issued_on: date,
    notes: str,
) -> dict[str, Any]:
    return {
        "format": CERTIFICATE_FORMAT,
        "certificate_number": number,
        "holder": holder.to_dict(),
        "issuer": unstructure(issuer),
        "window": unstructure(window),
        "total_minutes": total_minutes,
        "total_hours": hours_text(total_minutes),
        "lines": [_line_dict(line) for line in lines],
        "issued_on": issued_on.isoformat(),
        "notes": notes,
    }


# --------------------------------------------------------------------------------------------
# the certificate


def _is_window(value: Any) -> bool:
    return isinstance(value, Lifetime | CalendarYear | RollingMonths | DateRange)


def _window(_instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not _is_window(value):
        raise CertificateError.of("certificate.invalid_field", f"$.{attribute.name}")


def _lines_tuple(value: Iterable[ServiceLine]) -> tuple[ServiceLine, ...]:
    return tuple(value)


@attrs.frozen(kw_only=True)
class Certificate:
    """A volunteer-service certificate (志愿服务证明), with the fields the 2015 guidance lists.

    Do not build one by hand: :func:`issue_certificate` computes :attr:`certificate_number` and
    :attr:`verification_hash`, and :func:`verify_certificate` reads one back from JSON. Construction
    checks that both match the content, so every :class:`Certificate` object is consistent.

    ``repr``/``str`` show the identity number masked. JSON output (:meth:`to_json`,
    :meth:`to_dict`, and the library converter) carries the masked number only, unless
    ``include_identity=True`` is passed to :meth:`to_json` or :meth:`to_dict`.

    Args:
        certificate_number: The certificate number (derived; see :func:`certificate_number`).
        holder: The volunteer: name, identity document type and number, volunteer number.
        issuer: The issuer, person in charge, handler and contact, and the seal reference.
        window: The window of local service days the certificate covers.
        total_minutes: Total credited minutes (the sum of the lines).
        lines: The content of service, with days and minutes, in order.
        issued_on: The date of the certificate.
        notes: Notes (备注), free text.
        verification_hash: SHA-256 of the content (derived; see the module notes).

    Raises:
        CertificateError: For a field that breaks a rule (``certificate.*`` codes), including
            ``certificate.number_mismatch`` and ``certificate.hash_mismatch``.
    """

    certificate_number: str = attrs.field(validator=_text)
    holder: CertificateHolder = attrs.field()
    issuer: Issuer = attrs.field()
    window: Window = attrs.field(validator=_window)
    total_minutes: int = attrs.field(validator=_positive)
    lines: tuple[ServiceLine, ...] = attrs.field(converter=_lines_tuple)
    issued_on: date = attrs.field(validator=_a_date)
    notes: str = attrs.field(default="", validator=_free_text)
    verification_hash: str = attrs.field(validator=_text)

    FORMAT: ClassVar[str] = CERTIFICATE_FORMAT

    @holder.validator
    def _check_holder(self, attribute: attrs.Attribute[Any], value: Any) -> None:
        if not isinstance(value, CertificateHolder):
            raise CertificateError.of("certificate.invalid_field", "$.holder")

    @issuer.validator
    def _check_issuer(self, attribute: attrs.Attribute[Any], value: Any) -> None:
        if not isinstance(value, Issuer):
            raise CertificateError.of("certificate.invalid_field", "$.issuer")

    def __attrs_post_init__(self) -> None:
        """Check the lines, the total, the date, the hash and the number (in that order)."""
        _check_lines(self.lines, self.window, self.total_minutes, self.issued_on)
        if self.verification_hash != _hash_hex(self.content()):
            raise CertificateError.of("certificate.hash_mismatch", "$.verification_hash")
        expected = certificate_number(
            issuer_id=self.issuer.organization_id,
            volunteer_number=self.holder.volunteer_number,
            window=self.window,
            total_minutes=self.total_minutes,
            lines=self.lines,
        )
        if self.certificate_number != expected:
            raise CertificateError.of("certificate.number_mismatch", "$.certificate_number")

    @property
    def total_hours(self) -> str:
        """The total as hours with two decimals (see :func:`hours_text`)."""
        return hours_text(self.total_minutes)

    def content(self) -> dict[str, Any]:
        """Return the hashed content: :meth:`to_dict` without ``verification_hash``.

        Returns:
            JSON-ready data with the identity number masked.
        """
        return _content(
            number=self.certificate_number,
            holder=self.holder,
            issuer=self.issuer,
            window=self.window,
            total_minutes=self.total_minutes,
            lines=self.lines,
            issued_on=self.issued_on,
            notes=self.notes,
        )

    def to_dict(self, *, include_identity: bool = False) -> dict[str, Any]:
        """Return the certificate as JSON-ready data.

        Args:
            include_identity: Add the full identity number as ``holder.document_number``. Leave it
                ``False`` (the default) for anything that is logged, displayed or sent to a party
                that does not need the number.

        Returns:
            The content (see :meth:`content`) plus ``verification_hash``.

        Raises:
            CertificateError: ``certificate.identity_unknown`` if ``include_identity`` is asked for
                and the certificate does not carry the full number.
        """
        data = self.content()
        if include_identity:
            data["holder"] = self.holder.to_dict(include_identity=True)
        data["verification_hash"] = self.verification_hash
        return data

    def to_json(self, *, include_identity: bool = False) -> str:
        """Return the certificate as canonical JSON text (sorted keys, no white space).

        Args:
            include_identity: Carry the full identity number (see :meth:`to_dict`).

        Returns:
            The JSON text.

        Raises:
            CertificateError: ``certificate.identity_unknown`` as for :meth:`to_dict`.
        """
        return dumps(self.to_dict(include_identity=include_identity))

    def __str__(self) -> str:
        """Return ``number: holder, hours h, issuer, date`` with the identity number masked."""
        return (
            f"{self.certificate_number}: {self.holder}, {self.total_hours} h, "
            f"{self.issuer.name}, {self.issued_on.isoformat()}"
        )


def _check_lines(
    lines: tuple[ServiceLine, ...], window: Window, total: int, issued_on: date
) -> None:
    if not lines:
        raise CertificateError.of("certificate.no_service", "$.lines")
    for i, line in enumerate(lines):
        if not isinstance(line, ServiceLine):
            raise CertificateError.of("certificate.invalid_field", f"$.lines[{i}]")
        if not (window.contains(line.first_day) and window.contains(line.last_day)):
            raise CertificateError.of("certificate.line_outside_window", f"$.lines[{i}]")
    if (
        isinstance(total, bool)
        or not isinstance(total, int)
        or total != sum(line.minutes for line in lines)
    ):
        raise CertificateError.of("certificate.total_mismatch", "$.total_minutes")
    if isinstance(issued_on, date) and issued_on < max(line.last_day for line in lines):
        raise CertificateError.of("certificate.issued_before_service", "$.issued_on")


# --------------------------------------------------------------------------------------------
# issuing and verifying


def issue_certificate(
    *,
    volunteer_name: str,
    document_scheme: str,
    document_number: str,
    volunteer_number: str,
    issuer: Issuer,
    lines: Iterable[ServiceLine],
    total: Totals | int,
    window: Window | None = None,
    issued_on: date | None = None,
    clock: Clock | None = None,
    zone: tzinfo | None = None,
    notes: str = "",
) -> Certificate:
    """Issue a certificate for a volunteer's service over a window.

    The date of the certificate is ``issued_on`` if given, else the date ``clock`` shows in
    ``zone`` (the issuer's zone). The clock is never read unless it is passed.

    Args:
        volunteer_name: The volunteer's name.
        document_scheme: The identity document type, a scheme id from :data:`CERTIFICATE_SCHEMES`.
        document_number: The identity document number (validated and normalised by its scheme).
        volunteer_number: The volunteer's number.
        issuer: The issuer and the people who answer for the certificate.
        lines: The service lines (content of service, days, minutes); see :func:`service_lines`.
        total: The volunteer's :class:`~volunteerkit.hours.Totals` over the window (its credited
            minutes are the total), or the total credited minutes.
        window: The window the certificate covers; taken from ``total`` when that is a
            :class:`~volunteerkit.hours.Totals`, where a different window is an error.
        issued_on: The date of the certificate.
        clock: Where the date comes from when ``issued_on`` is not given.
        zone: The time zone whose calendar date ``clock`` gives (required with ``clock``).
        notes: Notes to print on the certificate.

    Returns:
        The certificate, with its number and verification hash.

    Raises:
        CertificateError: ``certificate.issued_on`` (neither or both of ``issued_on`` and
            ``clock``, or ``clock`` without ``zone``), ``certificate.window_mismatch``,
            ``certificate.no_service``, ``certificate.total_mismatch``,
            ``certificate.line_outside_window``, ``certificate.issued_before_service``,
            ``certificate.document_scheme`` and the field codes (``certificate.invalid_field``
            for an ``issuer``, ``window`` or ``lines`` of the wrong type; ``certificate.issued_on``
            also for a ``clock`` without ``now`` or a ``zone`` that is not a tzinfo).
        InvalidIdentity: If the identity number is not valid for its scheme (path
            ``$.holder.document_number``).
    """
    if not isinstance(issuer, Issuer):
        raise CertificateError.of("certificate.invalid_field", "$.issuer")
    if not isinstance(notes, str):  # checked before the content is hashed, as Certificate does
        raise CertificateError.of("certificate.invalid_field", "$.notes")
    if unstorable(notes):
        raise CertificateError.of("certificate.invalid_text", "$.notes")
    if window is not None and not _is_window(window):
        raise CertificateError.of("certificate.invalid_field", "$.window")
    if clock is not None and zone is not None and issued_on is None:
        if not isinstance(zone, tzinfo) or not callable(getattr(clock, "now", None)):
            raise CertificateError.of("certificate.issued_on", "$.issued_on")
        issued_on = today_in(clock, zone)
    elif (
        issued_on is None
        or clock is not None
        or zone is not None
        or isinstance(issued_on, datetime)
        or not isinstance(issued_on, date)
    ):
        raise CertificateError.of("certificate.issued_on", "$.issued_on")
    if isinstance(total, Totals):
        if window is not None and window != total.window:
            raise CertificateError.of("certificate.window_mismatch", "$.window")
        window = total.window
        total_minutes = total.credited_minutes
    else:
        total_minutes = total
        window = LIFETIME if window is None else window
    try:
        holder = CertificateHolder.of(
            name=volunteer_name,
            document_scheme=document_scheme,
            document_number=document_number,
            volunteer_number=volunteer_number,
        )
    except VolunteerkitError as err:
        raise err.at("$.holder") from None
    try:
        lines = tuple(lines)
    except TypeError:
        raise CertificateError.of("certificate.invalid_field", "$.lines") from None
    _check_lines(lines, window, total_minutes, issued_on)
    number = certificate_number(
        issuer_id=issuer.organization_id,
        volunteer_number=holder.volunteer_number,
        window=window,
        total_minutes=total_minutes,
        lines=lines,
    )
    draft = _content(
        number=number,
        holder=holder,
        issuer=issuer,
        window=window,
        total_minutes=total_minutes,
        lines=lines,
        issued_on=issued_on,
        notes=notes,
    )
    return Certificate(
        certificate_number=number,
        holder=holder,
        issuer=issuer,
        window=window,
        total_minutes=total_minutes,
        lines=lines,
        issued_on=issued_on,
        notes=notes,
        verification_hash=_hash_hex(draft),
    )


_TOP_KEYS: Final = frozenset(
    {
        "format",
        "certificate_number",
        "holder",
        "issuer",
        "window",
        "total_minutes",
        "total_hours",
        "lines",
        "issued_on",
        "notes",
        "verification_hash",
    }
)
_LINE_KEYS: Final = frozenset({"content", "first_day", "last_day", "minutes", "hours"})


def _keys(data: Mapping[str, Any], allowed: frozenset[str], path: str) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise SerializationError(
            "unknown field",
            "未知字段",
            code="serialization.unknown_field",
            path=f"{path}.{unknown[0]}",
        )
    missing = sorted(allowed - set(data))
    if missing:
        raise SerializationError(
            "required field is missing",
            "缺少必填字段",
            code="serialization.missing",
            path=f"{path}.{missing[0]}",
        )


def _object(data: Any, path: str) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise SerializationError(
            "expected an object", "应为对象", code="serialization.type", path=path
        )
    return data


def _structure_line(data: Any, path: str) -> ServiceLine:
    data = _object(data, path)
    _keys(data, _LINE_KEYS, path)
    line = structure({k: v for k, v in data.items() if k != "hours"}, ServiceLine, path=path)
    if data["hours"] != line.hours:
        raise CertificateError.of("certificate.hours_mismatch", f"{path}.hours")
    return line


def _structure_holder(data: Any, path: str) -> CertificateHolder:
    data = _object(data, path)
    allowed = frozenset({"name", "document_scheme", "document_number_masked", "volunteer_number"})
    full = "document_number" in data
    _keys(data, allowed | {"document_number"} if full else allowed, path)
    values = {key: structure(data[key], str, path=f"{path}.{key}") for key in sorted(data)}
    try:
        return CertificateHolder(**values)
    except VolunteerkitError as err:
        raise err.at(path) from None


def _structure_certificate(data: Any, _type: Any = None) -> Certificate:
    data = _object(data, "$")
    _keys(data, _TOP_KEYS, "$")
    if data["format"] != CERTIFICATE_FORMAT:
        raise CertificateError.of("certificate.format", "$.format")
    lines_data = data["lines"]
    if not isinstance(lines_data, list):
        raise SerializationError(
            "expected a list", "应为列表", code="serialization.type", path="$.lines"
        )
    lines = tuple(_structure_line(item, f"$.lines[{i}]") for i, item in enumerate(lines_data))
    window: Window = structure(data["window"], Window, path="$.window")  # type: ignore[arg-type]
    total_minutes = structure(data["total_minutes"], int, path="$.total_minutes")
    if total_minutes >= 0 and data["total_hours"] != hours_text(total_minutes):
        raise CertificateError.of("certificate.hours_mismatch", "$.total_hours")
    return Certificate(
        certificate_number=structure(data["certificate_number"], str, path="$.certificate_number"),
        holder=_structure_holder(data["holder"], "$.holder"),
        issuer=structure(data["issuer"], Issuer, path="$.issuer"),
        window=window,
        total_minutes=total_minutes,
        lines=lines,
        issued_on=structure(data["issued_on"], date, path="$.issued_on"),
        notes=structure(data["notes"], str, path="$.notes"),
        verification_hash=structure(data["verification_hash"], str, path="$.verification_hash"),
    )


def verify_certificate(data: Mapping[str, Any] | str | bytes) -> Certificate:
    """Read a certificate from its JSON (or parsed JSON) and check that it is intact.

    The content is checked field by field, the hours texts against the minutes, the certificate
    number against the content, and the verification hash against the canonical JSON of the
    content. A full identity number, if present, must be valid and match the masked one.

    Args:
        data: The certificate as JSON text, or as the dict that :meth:`Certificate.to_dict`
            returns.

    Returns:
        The certificate (its ``holder.document_number`` is ``None`` unless the data carried the
        full number).

    Raises:
        CertificateError: ``certificate.hash_mismatch`` if the content was altered,
            ``certificate.number_mismatch`` if the number does not match the content,
            ``certificate.hours_mismatch``, ``certificate.identity_mismatch``,
            ``certificate.masked_number`` (at ``$.holder.document_number_masked``: not the masked
            form of a number of the holder's document type, whatever the hash),
            ``certificate.format`` and the field codes.
        SerializationError: For JSON that is not a certificate (unknown or missing fields, wrong
            types), with the path of the field.
        InvalidIdentity: If a full identity number is not valid for its scheme.
    """
    if isinstance(data, str | bytes):
        data = loads(data)
    return structure(data, Certificate)


# --------------------------------------------------------------------------------------------
# lines from an accrual


def group_service_lines(days: Iterable[tuple[str, date, int]]) -> tuple[ServiceLine, ...]:
    """Group ``(content, local day, credited minutes)`` into certificate lines.

    Days with zero minutes are left out; each content text becomes one line spanning its first to
    its last day, with the sum of its minutes. Use it with whatever gives credit per day: the
    ledger's ``minutes_by(["category", "day"], window, volunteer_id=...)``, or an accrual (see
    :func:`service_lines`).

    Args:
        days: ``(content, day, minutes)`` triples, in any order.

    Returns:
        The lines, ordered by first day, then content.

    Raises:
        CertificateError: ``certificate.minutes`` for negative minutes (path
            ``$.days[i].minutes``), ``certificate.invalid_field`` for a day that is not a date
            (``$.days[i].day``), an item that is not a ``(content, day, minutes)`` triple
            (``$.days[i]``) or ``days`` that are not iterable (``$.days``), and the text codes
            (``certificate.invalid_field``, ``certificate.invalid_text``,
            ``certificate.empty_field``) for bad content (``$.days[i].content``).

    Examples:
        >>> from datetime import date
        >>> [(l.content, str(l.first_day), str(l.last_day), l.minutes) for l in group_service_lines([
        ...     ("Library", date(2026, 4, 1), 60),
        ...     ("Elderly care", date(2026, 3, 8), 65),
        ...     ("Elderly care", date(2026, 3, 1), 60),
        ...     ("Library", date(2026, 4, 2), 0),
        ... ])]
        [('Elderly care', '2026-03-01', '2026-03-08', 125), ('Library', '2026-04-01', '2026-04-01', 60)]
    """
    if isinstance(days, str | bytes) or not isinstance(days, Iterable):
        raise CertificateError.of("certificate.invalid_field", "$.days")
    groups: dict[str, list[tuple[date, int]]] = defaultdict(list)
    for i, item in enumerate(days):
        if isinstance(item, str | bytes) or not isinstance(item, Sequence) or len(item) != 3:
            raise CertificateError.of("certificate.invalid_field", f"$.days[{i}]")
        text, day, minutes = item
        if not isinstance(text, str):
            raise CertificateError.of("certificate.invalid_field", f"$.days[{i}].content")
        if unstorable(text):
            raise CertificateError.of("certificate.invalid_text", f"$.days[{i}].content")
        if not text.strip():
            raise CertificateError.of("certificate.empty_field", f"$.days[{i}].content")
        if isinstance(minutes, bool) or not isinstance(minutes, int) or minutes < 0:
            raise CertificateError.of("certificate.minutes", f"$.days[{i}].minutes")
        if not isinstance(day, date) or isinstance(day, datetime):  # min() would mix types
            raise CertificateError.of("certificate.invalid_field", f"$.days[{i}].day")
        if minutes:
            groups[text].append((day, minutes))
    lines = [
        ServiceLine(
            content=text,
            first_day=min(d for d, _ in items),
            last_day=max(d for d, _ in items),
            minutes=sum(m for _, m in items),
        )
        for text, items in groups.items()
    ]
    return tuple(sorted(lines, key=lambda line: (line.first_day, line.content)))


def service_lines(
    accrual: Accrual,
    volunteer_id: str,
    *,
    window: Window = LIFETIME,
    content: Callable[[DayCredit], str] | None = None,
) -> tuple[ServiceLine, ...]:
    """Group a volunteer's credited days in a window into certificate lines.

    Days with credited minutes are grouped by their content text; each line spans the first to the
    last local day of its group and carries the group's credited minutes. The lines add up to the
    volunteer's credited total over the window (:func:`~volunteerkit.hours.totals`).

    Args:
        accrual: The accrual (from :func:`~volunteerkit.hours.accrue` or
            :func:`~volunteerkit.hours.credited_as_of`).
        volunteer_id: The volunteer.
        window: Which local days count.
        content: The content-of-service text of a day's credit; by default its activity id, or its
            category when it has none. Pass a function that looks up activity names to print them.

    Returns:
        The lines, ordered by first day, then content.
    """
    describe = content or (lambda d: d.activity_id or d.category)
    return group_service_lines(
        (describe(d), d.day, d.credited_minutes)
        for d in accrual.days
        if d.volunteer_id == volunteer_id and window.contains(d.day)
    )


# --------------------------------------------------------------------------------------------
# converter hooks: JSON out is masked unless asked otherwise; JSON in is verified


def _register_hooks() -> None:
    converter.register_unstructure_hook(Certificate, lambda c: c.to_dict())
    converter.register_structure_hook(Certificate, _structure_certificate)
    converter.register_unstructure_hook(CertificateHolder, lambda h: h.to_dict())
    converter.register_structure_hook(
        CertificateHolder, lambda data, _type: _structure_holder(data, "$")
    )


_register_hooks()
