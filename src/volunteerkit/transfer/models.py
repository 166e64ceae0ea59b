"""The transfer package format, version 1: header, entries, totals, chunks, seals and receipts.

A **transfer package** moves one volunteer's certified service records from a *source* region or
platform to a *destination*. It is made of:

* a :class:`PackageHeader`: package id, format version, source and destination ids, creation
  instant, the volunteer's reference (:class:`VolunteerRef`: blind index, masked number, unified
  volunteer number), the volunteer's consent reference and the source's accrual policy id;
* the approved entries (:class:`TransferEntry`), each with its global id and the credited minutes
  the source certified, per local day;
* the :class:`PackageTotals` (number of entries and credited minutes).

On disk a package is one or more **chunk files** in JSON Lines (see :mod:`volunteerkit.transfer.package`):
a :class:`ChunkHead` line, the chunk's entry lines in id order, and a :class:`ChunkSeal` line whose
signature covers the header digest, the totals, the chunk number and count, and the digest of the
chunk's entry lines. The destination answers with a signed :class:`Receipt`.

Every model is a frozen attrs class that round-trips through :func:`volunteerkit.structure` and
:func:`volunteerkit.unstructure`. Datetimes are stored in UTC.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any, Final
from zoneinfo import ZoneInfo

import attrs

from volunteerkit._clock import require_aware
from volunteerkit._serialization import structure
from volunteerkit._text import unstorable
from volunteerkit.hours._hooks import register_str_enum
from volunteerkit.hours._time import split_minutes_by_day, to_minute
from volunteerkit.hours.models import EntryId, ServiceEntry, Source, Status, check_times
from volunteerkit.registry.identity import is_masked
from volunteerkit.transfer.errors import PackageRefused

__all__ = [
    "BASE64_PATTERN",
    "BLIND_INDEX_PATTERN",
    "DIGEST_PATTERN",
    "FORMAT",
    "ID_PATTERN",
    "KEY_ID_PATTERN",
    "MAX_TEXT",
    "PARTY_PATTERN",
    "UNIFIED_NUMBER_PATTERN",
    "VERSION",
    "Algorithm",
    "CertifiedDay",
    "ChunkHead",
    "ChunkInfo",
    "ChunkSeal",
    "PackageHeader",
    "PackageTotals",
    "Receipt",
    "ReceiptOutcome",
    "RejectReason",
    "Signature",
    "SignedReceipt",
    "TransferEntry",
    "VolunteerRef",
    "entry_from_plain",
    "entry_to_plain",
    "local_days",
]

FORMAT: Final = "volunteerkit.transfer"
"""The ``format`` of every package header."""

VERSION: Final = 1
"""The format version this library writes and reads."""

# The patterns of the format (the JSON Schema in :mod:`volunteerkit.transfer.schema` uses them too).
PARTY_PATTERN: Final = r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}"
"""A party (platform) name: a letter or digit, then up to 63 of ``A-Z a-z 0-9 . _ -``."""
ID_PATTERN: Final = r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}"
"""A transfer, package or receipt id: a letter or digit, then up to 127 of ``A-Z a-z 0-9 . _ : -``."""
KEY_ID_PATTERN: Final = r"[A-Za-z0-9._-]{1,64}"
"""A signing key id: 1 to 64 of ``A-Z a-z 0-9 . _ -``."""
BLIND_INDEX_PATTERN: Final = r"[A-Za-z0-9._-]{1,32}:[0-9a-f]{64}"
"""A blind index: its key id, ``:``, and 64 lower-case hex digits (HMAC-SHA256)."""
UNIFIED_NUMBER_PATTERN: Final = r"[0-9A-Za-z-]{1,64}"
"""A volunteer's unified number on a platform: 1 to 64 letters, digits or ``-``."""
DIGEST_PATTERN: Final = r"sha256:[0-9a-f]{64}"
"""A content digest: ``sha256:`` and 64 lower-case hex digits."""
BASE64_PATTERN: Final = r"[A-Za-z0-9+/]{4,200}={0,2}"
"""A signature's value: 4 to 200 base64 characters, then up to two ``=``."""
MAX_TEXT: Final = 10_000
"""The most characters a free-text field (a reason, a note) may hold."""

_PARTY = re.compile(PARTY_PATTERN)
_ID = re.compile(ID_PATTERN)
_KEY_ID = re.compile(KEY_ID_PATTERN)
_BLIND_INDEX = re.compile(BLIND_INDEX_PATTERN)
_UNIFIED = re.compile(UNIFIED_NUMBER_PATTERN)
_DIGEST = re.compile(DIGEST_PATTERN)
_BASE64 = re.compile(BASE64_PATTERN)
_MAX_TEXT = MAX_TEXT
_MAX_SPAN = timedelta(days=366)


class Algorithm(StrEnum):
    """Signature algorithms."""

    HMAC_SHA256 = "hmac-sha256"
    """HMAC-SHA256 with a secret the two parties share."""
    ED25519 = "ed25519"
    """Ed25519 public-key signatures (needs the ``cryptography`` package)."""


class ReceiptOutcome(StrEnum):
    """What the destination did with a package."""

    IMPORTED = "imported"
    REJECTED = "rejected"


class RejectReason(StrEnum):
    """Why a step of a transfer was refused (the reason code of a rejection)."""

    CONSENT_MISSING = "consent_missing"
    """The volunteer's consent is missing or could not be checked."""
    CONSENT_WITHDRAWN = "consent_withdrawn"
    """The volunteer withdrew their consent."""
    VOLUNTEER_NOT_FOUND = "volunteer_not_found"
    """The destination has no volunteer matching the package's reference."""
    VOLUNTEER_MISMATCH = "volunteer_mismatch"
    """The package is for another volunteer than the transfer's."""
    RECORDS_DISPUTED = "records_disputed"
    """The source disputes the records (for example a pending correction)."""
    POLICY_REFUSED = "policy_refused"
    """The destination's rules refuse the records."""
    PACKAGE_INVALID = "package_invalid"
    """The package could not be verified."""
    DUPLICATE = "duplicate"
    """The same transfer was already requested or done."""
    OTHER = "other"
    """Another reason, given in the free-text reason."""


# --------------------------------------------------------------------------------------------
# validators


def _refuse(code: str, path: str, detail: str | None = None) -> PackageRefused:
    return PackageRefused.of(code, path, detail)


def _matches(pattern: re.Pattern[str]) -> Any:
    def check(_inst: object, attribute: attrs.Attribute[Any], value: Any) -> None:
        if not isinstance(value, str) or not pattern.fullmatch(value):
            raise _refuse("transfer.schema", f"$.{attribute.name}", "malformed identifier")

    return check


def _optional_matches(pattern: re.Pattern[str]) -> Any:
    inner = _matches(pattern)

    def check(inst: object, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value is not None:
            inner(inst, attribute, value)

    return check


def _text(limit: int, *, empty: bool = False) -> Any:
    def check(_inst: object, attribute: attrs.Attribute[Any], value: Any) -> None:
        if (
            not isinstance(value, str)
            or len(value) > limit
            or (not empty and not value.strip())
            or unstorable(value)
        ):
            raise _refuse(
                "transfer.schema",
                f"$.{attribute.name}",
                f"text of {'0' if empty else '1'} to {limit} characters without NUL or a lone"
                " surrogate",
            )

    return check


def _optional_text(limit: int) -> Any:
    inner = _text(limit)

    def check(inst: object, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value is not None:
            inner(inst, attribute, value)

    return check


def _count(_inst: object, attribute: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 2**53 - 1:
        raise _refuse("transfer.schema", f"$.{attribute.name}", "a non-negative integer")


def _positive(_inst: object, attribute: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 2**53 - 1:
        raise _refuse("transfer.schema", f"$.{attribute.name}", "a positive integer")


def _is(kind: type[Any]) -> Any:
    def check(_inst: object, attribute: attrs.Attribute[Any], value: Any) -> None:
        if not isinstance(value, kind):
            raise _refuse("transfer.schema", f"$.{attribute.name}", f"expected {kind.__name__}")

    return check


def _calendar_date(_inst: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    # A datetime is a date to isinstance, but no local date: its text is not YYYY-MM-DD.
    if not isinstance(value, date) or isinstance(value, datetime):
        raise _refuse("transfer.schema", f"$.{attribute.name}", "expected a calendar date")


def _to_utc(value: datetime, path: str) -> datetime:
    if not isinstance(value, datetime):
        raise _refuse("transfer.schema", path, "expected a datetime")
    return require_aware(value, path).astimezone(UTC)


# attrs converters are named functions (mypy's attrs plugin types them); each knows its path.
def _created_at_utc(value: datetime) -> datetime:
    return _to_utc(value, "$.created_at")


def _start_utc(value: datetime) -> datetime:
    return _to_utc(value, "$.start")


def _end_utc(value: datetime) -> datetime:
    return _to_utc(value, "$.end")


def _recorded_at_utc(value: datetime) -> datetime:
    return _to_utc(value, "$.recorded_at")


def _certified_at_utc(value: datetime) -> datetime:
    return _to_utc(value, "$.certified_at")


def _at_utc(value: datetime) -> datetime:
    return _to_utc(value, "$.at")


def _tuple(value: Any) -> tuple[Any, ...]:
    return tuple(value)


def _nfc(value: Any) -> Any:
    """Normalize free text to NFC (identifiers are never normalized: see the canonical form)."""
    return unicodedata.normalize("NFC", value) if isinstance(value, str) else value


# --------------------------------------------------------------------------------------------
# header


@attrs.frozen(kw_only=True)
class VolunteerRef:
    """How the destination finds the volunteer, without the identity number itself.

    Args:
        blind_index: The keyed blind index of the volunteer's identity document,
            ``"<key id>:<64 hex digits>"`` (see :class:`volunteerkit.registry.privacy.Keyring`).
            It matches at the destination when both sides index documents under the same key.
        masked_number: The identity number masked for people to read (``650102********1234``);
            never used for matching.
        document_scheme: The identity document's scheme (``cn_ric``), for people to read.
        unified_number: The national unified volunteer number, where the volunteer has one.

    Raises:
        PackageRefused: ``transfer.schema`` if neither ``blind_index`` nor ``unified_number`` is
            given, or a field is malformed (a masked number must have the shape the masking of
            its ``document_scheme`` gives, ``650102********1234`` for ``cn_ric``).
    """

    blind_index: str | None = attrs.field(default=None, validator=_optional_matches(_BLIND_INDEX))
    masked_number: str | None = attrs.field(default=None)
    document_scheme: str | None = attrs.field(default=None, validator=_optional_text(64))
    unified_number: str | None = attrs.field(default=None, validator=_optional_matches(_UNIFIED))

    @masked_number.validator
    def _check_masked(self, attribute: attrs.Attribute[str | None], value: str | None) -> None:
        if value is None:
            return
        # What export writes (the registry's masked number, masked by its scheme's rule), and
        # nothing else: no full number (with a few ``*`` added) passes for a masked one.
        scheme = self.document_scheme if isinstance(self.document_scheme, str) else None
        if not isinstance(value, str) or len(value) > 128 or not is_masked(scheme, value):
            raise _refuse(
                "transfer.schema",
                "$.masked_number",
                "not the masked form of a number of its document type",
            )

    def __attrs_post_init__(self) -> None:
        """Require a way to match the volunteer."""
        if self.blind_index is None and self.unified_number is None:
            raise _refuse(
                "transfer.schema", "$.blind_index", "a blind index or a unified number is required"
            )


@attrs.frozen(kw_only=True)
class PackageHeader:
    """What a package is: who sends it to whom, for which volunteer, with which consent.

    Args:
        format: Always :data:`FORMAT`.
        version: The format version (:data:`VERSION`).
        package_id: The package's unique id (UUIDv7 text).
        transfer_id: The id of the transfer (the workflow) the package belongs to.
        source: The region or platform that certified the records (``hami.volunteer-cloud``).
        destination: The region or platform that receives them.
        created_at: When the package was made (stored in UTC).
        volunteer: The volunteer's reference.
        consent: The reference of the volunteer's consent to the transfer (a document or
            record id at the source; no personal data).
        policy: The id of the accrual policy the source certified the minutes under.

    Raises:
        PackageRefused: ``transfer.schema`` for a malformed field, or if source and destination are
            the same; ``transfer.unsupported_version`` for another version.
    """

    format: str = attrs.field(default=FORMAT)
    version: int = attrs.field(default=VERSION)
    package_id: str = attrs.field(validator=_matches(_ID))
    transfer_id: str = attrs.field(validator=_matches(_ID))
    source: str = attrs.field(validator=_matches(_PARTY))
    destination: str = attrs.field(validator=_matches(_PARTY))
    created_at: datetime = attrs.field(converter=_created_at_utc)
    volunteer: VolunteerRef = attrs.field(validator=_is(VolunteerRef))
    consent: str = attrs.field(validator=_text(200))
    policy: str = attrs.field(validator=_text(100))

    def __attrs_post_init__(self) -> None:
        """Check the format, the version and the parties."""
        if self.format != FORMAT:
            raise _refuse("transfer.schema", "$.format", f"expected {FORMAT!r}")
        if isinstance(self.version, bool) or self.version != VERSION:
            raise _refuse("transfer.unsupported_version", "$.version", f"this library reads {VERSION}")
        if self.source == self.destination:
            raise _refuse("transfer.schema", "$.destination", "source and destination differ")


@attrs.frozen(kw_only=True)
class PackageTotals:
    """The totals of a package, checked against its entries by the reader.

    Args:
        entries: Number of entries.
        credited_minutes: Sum of the entries' credited minutes.

    Raises:
        PackageRefused: ``transfer.schema`` at ``$.entries`` or ``$.credited_minutes`` for a
            value that is not a whole number from 0 to 2**53 - 1.
    """

    entries: int = attrs.field(validator=_count)
    credited_minutes: int = attrs.field(validator=_count)


# --------------------------------------------------------------------------------------------
# entries


@attrs.frozen(kw_only=True)
class CertifiedDay:
    """The minutes the source credited one entry on one local date.

    Args:
        day: The local date of service, in the entry's zone.
        minutes: Minutes credited on that date (may be 0, for example past a daily cap).

    Raises:
        PackageRefused: ``transfer.schema`` at ``$.day`` for a value that is not a calendar date
            (a ``datetime`` included), at ``$.minutes`` for a value that is not a whole number
            from 0 to 2**53 - 1.
    """

    day: date = attrs.field(validator=_calendar_date)
    minutes: int = attrs.field(validator=_count)


def local_days(start: datetime, end: datetime, break_minutes: int, zone: ZoneInfo) -> list[date]:
    """Return the local dates served by ``[start, end - break)``, in order, each once.

    These are the dates the source's credit of an entry is split by (the break is deducted from
    the end; see :mod:`volunteerkit.hours.accrual`).

    Args:
        start: Aware start.
        end: Aware end.
        break_minutes: Break minutes.
        zone: The zone of the place of service.

    Returns:
        The local dates.
    """
    seen: list[date] = []
    for day, _a, _b in split_minutes_by_day(to_minute(start), to_minute(end) - break_minutes, zone):
        if day not in seen:
            seen.append(day)
    return seen


@attrs.frozen(kw_only=True)
class TransferEntry:
    """One approved service entry as its source certified it.

    Args:
        id: The entry's global id (origin and local id), kept unchanged everywhere it goes.
        organization_id: The organization that organised and recorded the service.
        activity_id: The project or activity, if any.
        category: The service category.
        start: Start of service (stored in UTC), after any correction at the source.
        end: End of service (stored in UTC).
        zone: IANA zone of the place of service.
        break_minutes: Break minutes within the service.
        travel_minutes: Travel minutes (recorded for information, never credited).
        source: How the time was captured at the source.
        recorded_by: Who recorded it at the source.
        recorded_at: When it was recorded at the source (UTC).
        certified_by: Who approved (certified) it at the source.
        certified_at: When (UTC).
        note: Free text (normalized to NFC).
        credited_minutes: The minutes the source credited the entry in total.
        days: The credited minutes per local date of service: exactly the dates of
            ``[start, end - break)`` in ``zone``, in order.

    Raises:
        PackageRefused: ``transfer.schema`` for a malformed field or bad times (an entry lasts at
            most 366 days, which also bounds the work of checking its days),
            ``transfer.entry_days`` if the dates are not the entry's local dates,
            ``transfer.entry_credit`` if the days do not add up to ``credited_minutes``.
    """

    id: EntryId = attrs.field(validator=_is(EntryId))
    organization_id: str = attrs.field(validator=_text(200))
    activity_id: str | None = attrs.field(default=None, validator=_optional_text(200))
    category: str = attrs.field(validator=_text(200))
    start: datetime = attrs.field(converter=_start_utc)
    end: datetime = attrs.field(converter=_end_utc)
    zone: ZoneInfo = attrs.field(validator=_is(ZoneInfo))
    break_minutes: int = attrs.field(default=0, validator=_count)
    travel_minutes: int = attrs.field(default=0, validator=_count)
    source: Source = attrs.field(validator=_is(Source))
    recorded_by: str = attrs.field(validator=_text(200))
    recorded_at: datetime = attrs.field(converter=_recorded_at_utc)
    certified_by: str = attrs.field(validator=_text(200))
    certified_at: datetime = attrs.field(converter=_certified_at_utc)
    note: str = attrs.field(default="", converter=_nfc, validator=_text(_MAX_TEXT, empty=True))
    credited_minutes: int = attrs.field(validator=_count)
    days: tuple[CertifiedDay, ...] = attrs.field(converter=_tuple)

    def __attrs_post_init__(self) -> None:
        """Check the times, and that the certified days fit them."""
        try:
            check_times(self.start, self.end, self.break_minutes)
        except PackageRefused:
            raise
        except Exception as err:  # InvalidEntry from the hours core
            path = getattr(err, "path", "$.end")
            raise _refuse("transfer.schema", path, getattr(err, "code", None)) from None
        if self.end - self.start > _MAX_SPAN:
            raise _refuse("transfer.schema", "$.end", "an entry lasts at most 366 days")
        for i, item in enumerate(self.days):
            if not isinstance(item, CertifiedDay):
                raise _refuse("transfer.schema", f"$.days[{i}]", "expected CertifiedDay")
        expected = local_days(self.start, self.end, self.break_minutes, self.zone)
        if [d.day for d in self.days] != expected:
            raise _refuse("transfer.entry_days", "$.days")
        if sum(d.minutes for d in self.days) != self.credited_minutes:
            raise _refuse("transfer.entry_credit", "$.credited_minutes")

    def to_service_entry(
        self, *, volunteer_id: str, recorded_by: str, recorded_at: datetime
    ) -> ServiceEntry:
        """Return the entry as the destination records it: same id, marked transferred.

        Args:
            volunteer_id: The volunteer's id at the destination.
            recorded_by: Who records it at the destination.
            recorded_at: When the destination records it (its credit starts then).

        Returns:
            A :class:`~volunteerkit.hours.ServiceEntry` with source
            :attr:`~volunteerkit.hours.Source.TRANSFERRED` and the note of the source.
        """
        return ServiceEntry(
            id=self.id,
            volunteer_id=volunteer_id,
            organization_id=self.organization_id,
            activity_id=self.activity_id,
            category=self.category,
            start=self.start,
            end=self.end,
            zone=self.zone,
            break_minutes=self.break_minutes,
            travel_minutes=self.travel_minutes,
            source=Source.TRANSFERRED,
            initial_status=Status.PENDING,
            recorded_by=recorded_by,
            recorded_at=recorded_at,
            note=self.note,
        )


# Fast conversion of entries (the bulk path): the same results as the converter, several times
# faster. Anything unusual falls back to the converter, which reports the exact problem.

_ENTRY_KEYS: Final = frozenset(
    {
        "activity_id",
        "break_minutes",
        "category",
        "certified_at",
        "certified_by",
        "credited_minutes",
        "days",
        "end",
        "id",
        "note",
        "organization_id",
        "recorded_at",
        "recorded_by",
        "source",
        "start",
        "travel_minutes",
        "zone",
    }
)
_DAY_KEYS: Final = frozenset({"day", "minutes"})
_SOURCES: Final = {s.value: s for s in Source}


class _Unusual(Exception):
    """The fast path does not handle this input; the converter will."""


def _str(value: Any) -> str:
    if type(value) is not str:
        raise _Unusual
    return value


def _int(value: Any) -> int:
    if type(value) is not int:
        raise _Unusual
    return value


def _instant(value: Any) -> datetime:
    parsed = datetime.fromisoformat(_str(value))
    if parsed.tzinfo is None:
        raise _Unusual
    return parsed


def entry_to_plain(entry: TransferEntry) -> dict[str, Any]:
    """Return ``unstructure(entry)``, computed directly (the writer's bulk path).

    Args:
        entry: The entry.

    Returns:
        The same plain data as :func:`volunteerkit.unstructure`.
    """
    return {
        "activity_id": entry.activity_id,
        "break_minutes": entry.break_minutes,
        "category": entry.category,
        "certified_at": entry.certified_at.isoformat(),
        "certified_by": entry.certified_by,
        "credited_minutes": entry.credited_minutes,
        "days": [{"day": d.day.isoformat(), "minutes": d.minutes} for d in entry.days],
        "end": entry.end.isoformat(),
        "id": f"{entry.id.origin}:{entry.id.local_id}",
        "note": entry.note,
        "organization_id": entry.organization_id,
        "recorded_at": entry.recorded_at.isoformat(),
        "recorded_by": entry.recorded_by,
        "source": entry.source.value,
        "start": entry.start.isoformat(),
        "travel_minutes": entry.travel_minutes,
        "zone": entry.zone.key,
    }


def entry_from_plain(data: Any, *, path: str = "$") -> TransferEntry:
    """Return ``structure(data, TransferEntry)``, computed directly where the data is ordinary.

    Args:
        data: Plain data of one entry.
        path: The path of ``data``, for errors.

    Returns:
        The entry.

    Raises:
        VolunteerkitError: What :func:`volunteerkit.structure` raises for the same data.
    """
    try:
        if type(data) is not dict or data.keys() != _ENTRY_KEYS:
            raise _Unusual
        days = data["days"]
        if type(days) is not list:
            raise _Unusual
        made: list[CertifiedDay] = []
        for item in days:
            if type(item) is not dict or item.keys() != _DAY_KEYS or len(_str(item["day"])) != 10:
                raise _Unusual
            made.append(CertifiedDay(day=date.fromisoformat(item["day"]), minutes=_int(item["minutes"])))
        activity = data["activity_id"]
        zone = _str(data["zone"])
        if not zone or len(zone) > 64:
            raise _Unusual
        return TransferEntry(
            id=EntryId.parse(_str(data["id"])),
            organization_id=_str(data["organization_id"]),
            activity_id=None if activity is None else _str(activity),
            category=_str(data["category"]),
            start=_instant(data["start"]),
            end=_instant(data["end"]),
            zone=ZoneInfo(zone),
            break_minutes=_int(data["break_minutes"]),
            travel_minutes=_int(data["travel_minutes"]),
            source=_SOURCES[_str(data["source"])],
            recorded_by=_str(data["recorded_by"]),
            recorded_at=_instant(data["recorded_at"]),
            certified_by=_str(data["certified_by"]),
            certified_at=_instant(data["certified_at"]),
            note=_str(data["note"]),
            credited_minutes=_int(data["credited_minutes"]),
            days=tuple(made),
        )
    except Exception:  # anything unusual: the converter gives the exact error, with its path
        pass
    # Outside the handler: the error caught above may hold a value of the line (an identity
    # number typed into a field), and would stay behind the converter's as its __context__.
    return structure(data, TransferEntry, path=path)


# --------------------------------------------------------------------------------------------
# chunks


@attrs.frozen(kw_only=True)
class ChunkInfo:
    """Which chunk of how many.

    Args:
        number: The chunk's number, from 1.
        count: How many chunks the package has.

    Raises:
        PackageRefused: ``transfer.chunk_number`` if ``number`` is above ``count``.
    """

    number: int = attrs.field(validator=_positive)
    count: int = attrs.field(validator=_positive)

    def __attrs_post_init__(self) -> None:
        """Check that the number is within the count."""
        if self.number > self.count:
            raise _refuse("transfer.chunk_number", "$.number")


@attrs.frozen(kw_only=True)
class Signature:
    """A signature with the id of the key that made it.

    Args:
        algorithm: :attr:`Algorithm.HMAC_SHA256` or :attr:`Algorithm.ED25519`.
        key_id: The signing key's id.
        value: The signature bytes in standard base64 with padding.

    Raises:
        PackageRefused: ``transfer.schema`` at ``$.algorithm``, ``$.key_id`` or ``$.value`` for
            an unknown algorithm, a malformed key id or a value that is not padded base64.
    """

    algorithm: Algorithm = attrs.field(validator=_is(Algorithm))
    key_id: str = attrs.field(validator=_matches(_KEY_ID))
    value: str = attrs.field(validator=_matches(_BASE64))


@attrs.frozen(kw_only=True)
class ChunkHead:
    """The first line of a chunk file.

    Args:
        type: Always ``"head"``.
        header: The package header (the same in every chunk).
        totals: The package totals (the same in every chunk).
        chunk: This chunk's number and the chunk count.

    Raises:
        PackageRefused: ``transfer.schema`` at the field's path (``$.type`` unless ``"head"``,
            ``$.header``, ``$.totals``, ``$.chunk`` for a value of the wrong type).
    """

    type: str = attrs.field(default="head")
    header: PackageHeader = attrs.field(validator=_is(PackageHeader))
    totals: PackageTotals = attrs.field(validator=_is(PackageTotals))
    chunk: ChunkInfo = attrs.field(validator=_is(ChunkInfo))

    @type.validator
    def _check_type(self, attribute: attrs.Attribute[str], value: str) -> None:
        if value != "head":
            raise _refuse("transfer.schema", "$.type", "expected 'head'")


@attrs.frozen(kw_only=True)
class ChunkSeal:
    """The last line of a chunk file: the chunk's own totals, its digest and the signature.

    The signature covers the *chunk statement* (see :func:`volunteerkit.transfer.signing.chunk_message`):
    the header digest, the package totals, the chunk number and count, and this seal's entries,
    credited minutes and digest.

    Args:
        type: Always ``"seal"``.
        entries: Number of entry lines in the chunk.
        credited_minutes: Sum of their credited minutes.
        digest: ``sha256:<hex>`` of the chunk's entry lines, each with its newline.
        signature: The source's signature.

    Raises:
        PackageRefused: ``transfer.schema`` at the field's path (``$.type`` unless ``"seal"``,
            counts that are not whole numbers from 0 to 2**53 - 1, a digest that is not
            ``sha256:<64 hex digits>``, a signature that is not a :class:`Signature`).
    """

    type: str = attrs.field(default="seal")
    entries: int = attrs.field(validator=_count)
    credited_minutes: int = attrs.field(validator=_count)
    digest: str = attrs.field(validator=_matches(_DIGEST))
    signature: Signature = attrs.field(validator=_is(Signature))

    @type.validator
    def _check_type(self, attribute: attrs.Attribute[str], value: str) -> None:
        if value != "seal":
            raise _refuse("transfer.schema", "$.type", "expected 'seal'")


# --------------------------------------------------------------------------------------------
# receipts


def _entry_ids(value: Any) -> tuple[EntryId, ...]:
    return tuple(value)


@attrs.frozen(kw_only=True)
class Receipt:
    """The destination's answer to a package: what it imported, or why it refused it.

    Args:
        receipt_id: The receipt's unique id.
        transfer_id: The transfer it answers.
        package_id: The package it answers.
        header_digest: ``sha256:<hex>`` of the package header it answers.
        source: The package's source.
        destination: The package's destination (who signs the receipt).
        outcome: Imported or rejected.
        reason_code: For a rejection, why (required then, and only then).
        reason: Free text (normalized to NFC).
        at: When (UTC).
        entries_received: Entries in the package.
        entries_imported: Entries newly recorded at the destination.
        entries_already_present: Entries the destination already held (by global id), not counted
            again.
        entries_skipped: Entries not imported because they overlap local entries (overlap policy
            ``skip``).
        entries_flagged: Entries imported and flagged for overlapping local entries (policy
            ``keep_and_flag``).
        credited_minutes_imported: Certified minutes of the entries newly recorded.
        skipped: The ids of the skipped entries.
        flagged: The ids of the flagged entries.

    Raises:
        PackageRefused: ``transfer.schema`` if the reason code does not go with the outcome or
            the counts do not add up.
    """

    receipt_id: str = attrs.field(validator=_matches(_ID))
    transfer_id: str = attrs.field(validator=_matches(_ID))
    package_id: str = attrs.field(validator=_matches(_ID))
    header_digest: str = attrs.field(validator=_matches(_DIGEST))
    source: str = attrs.field(validator=_matches(_PARTY))
    destination: str = attrs.field(validator=_matches(_PARTY))
    outcome: ReceiptOutcome = attrs.field(validator=_is(ReceiptOutcome))
    reason_code: RejectReason | None = attrs.field(default=None)
    reason: str = attrs.field(default="", converter=_nfc, validator=_text(_MAX_TEXT, empty=True))
    at: datetime = attrs.field(converter=_at_utc)
    entries_received: int = attrs.field(default=0, validator=_count)
    entries_imported: int = attrs.field(default=0, validator=_count)
    entries_already_present: int = attrs.field(default=0, validator=_count)
    entries_skipped: int = attrs.field(default=0, validator=_count)
    entries_flagged: int = attrs.field(default=0, validator=_count)
    credited_minutes_imported: int = attrs.field(default=0, validator=_count)
    skipped: tuple[EntryId, ...] = attrs.field(default=(), converter=_entry_ids)
    flagged: tuple[EntryId, ...] = attrs.field(default=(), converter=_entry_ids)

    def __attrs_post_init__(self) -> None:
        """Check that the reason goes with the outcome and that the counts add up."""
        rejected = self.outcome is ReceiptOutcome.REJECTED
        if rejected != (self.reason_code is not None) or (
            self.reason_code is not None and not isinstance(self.reason_code, RejectReason)
        ):
            raise _refuse("transfer.schema", "$.reason_code", "a reason code goes with a rejection")
        done = self.entries_imported + self.entries_already_present + self.entries_skipped
        if not rejected and done != self.entries_received:
            raise _refuse("transfer.schema", "$.entries_received", "the counts do not add up")
        if len(self.skipped) != self.entries_skipped or len(self.flagged) != self.entries_flagged:
            raise _refuse("transfer.schema", "$.skipped", "the id lists do not match the counts")


@attrs.frozen(kw_only=True)
class SignedReceipt:
    """A receipt and the destination's signature over its canonical bytes.

    Args:
        receipt: The receipt.
        signature: The signature (see :func:`volunteerkit.transfer.signing.receipt_message`).

    Raises:
        PackageRefused: ``transfer.schema`` at ``$.receipt`` or ``$.signature`` for a value of
            the wrong type.
    """

    receipt: Receipt = attrs.field(validator=_is(Receipt))
    signature: Signature = attrs.field(validator=_is(Signature))


for _enum in (Algorithm, ReceiptOutcome, RejectReason):
    register_str_enum(_enum)
