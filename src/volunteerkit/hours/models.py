"""Service entries and ledger events: the records of the hours ledger.

The ledger is append-only. A :class:`ServiceEntry` is written once and never changed; everything
that happens to it afterwards (approval, rejection, voiding, correction) is a new event that refers
to it: :class:`Approved`, :class:`Rejected`, :class:`Voided` and :class:`Corrected`. The state of an
entry at any instant is a pure fold of its events (see :mod:`volunteerkit.hours.fold`).

Ids. Every entry and every event has a globally unique, stable id made of an *origin* (the platform
or region that created it, e.g. ``bj.volunteer-cloud``) and a *local id* unique within that origin
(typically a time-ordered UUIDv7 from :func:`volunteerkit.new_id`). The two are separate attrs
classes, :class:`EntryId` and :class:`EventId`, so an event id can never be passed where an entry id
is meant. Both serialize as the text ``origin:local_id``; the origin may not contain ``:`` so the
text parses back unambiguously, while the local id may.

Times. ``start``, ``end``, ``recorded_at`` and event times must be timezone-aware (a naive
datetime is refused with :class:`~volunteerkit.errors.NaiveDatetimeError` and the path of the
field). They are normalised to UTC on construction: an entry stores instants, and the zone of the
place of service is stored separately in ``zone`` (an IANA :class:`zoneinfo.ZoneInfo`). Durations
are whole minutes computed from the UTC instants, with seconds floored away at both ends.

Serialization. Every model round-trips through :func:`volunteerkit.structure` and
:func:`volunteerkit.unstructure`. Events carry a ``"type"`` tag (``approved``, ``rejected``,
``voided``, ``corrected``) so that ``structure(data, LedgerEvent)`` picks the right class.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any, ClassVar, TypeAlias, TypeVar
from zoneinfo import ZoneInfo

import attrs

from volunteerkit._clock import Clock, require_aware
from volunteerkit._ids import new_id
from volunteerkit._serialization import converter, structure
from volunteerkit._text import unstorable
from volunteerkit.errors import SerializationError
from volunteerkit.hours._hooks import register_str_enum, register_tagged_union
from volunteerkit.hours._time import to_minute
from volunteerkit.hours.errors import HoursInputError, InvalidEntry, InvalidEvent

__all__ = [
    "EVENT_TYPES",
    "FIRST_START",
    "LAST_END",
    "MAX_MINUTES",
    "MAX_VOLUNTEER_ID",
    "Approved",
    "Corrected",
    "CorrectionKind",
    "EntryId",
    "EventId",
    "LedgerEvent",
    "Rejected",
    "ServiceEntry",
    "Source",
    "Status",
    "Voided",
    "check_times",
    "event_type",
    "structure_event",
]


class Source(StrEnum):
    """How the service time was captured (the five ways of the Volunteer Cloud, plus transfer)."""

    ORGANIZATION = "organization"
    """Entered by the organization's staff."""
    SELF_DECLARED = "self_declared"
    """Declared by the volunteer, to be confirmed by the project lead."""
    CHECK_IN_OUT = "check_in_out"
    """Produced by an app's check-in and check-out."""
    TIME_CODE = "time_code"
    """Produced by a per-volunteer time code."""
    AUTOMATIC = "automatic"
    """Produced by automatic timing."""
    TRANSFERRED = "transferred"
    """Received from another platform or region (off-site transfer of records)."""


class Status(StrEnum):
    """Where an entry stands in the approval workflow."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    VOIDED = "voided"


class CorrectionKind(StrEnum):
    """What a :class:`Corrected` event does to its entry."""

    ADJUST = "adjust"
    """Replace the entry's start, end and/or break."""
    REVERSE = "reverse"
    """Cancel the entry's credit entirely (it stays in the ledger, credited at zero)."""


# --------------------------------------------------------------------------------------------
# field helpers

def _path(attribute: attrs.Attribute[Any]) -> str:
    return f"$.{attribute.name}"


def _aware_utc(value: datetime, path: str) -> datetime:
    if value.__class__ is datetime and value.tzinfo is UTC:
        return value  # already aware UTC: the common case, skip the checks and the conversion
    if not isinstance(value, datetime):
        raise InvalidEntry(
            "expected a datetime", "应为日期时间", code="hours.invalid_entry", path=path
        )
    try:
        return require_aware(value, path).astimezone(UTC)
    except OverflowError:  # e.g. 9999-12-31T23:00-05:00 is past the last datetime in UTC
        raise InvalidEntry.of("hours.out_of_range", path, _RANGE) from None


# attrs converters (named functions, so mypy's attrs plugin can type them); each knows its path.
def _start_utc(value: datetime) -> datetime:
    return _aware_utc(value, "$.start")


def _end_utc(value: datetime) -> datetime:
    return _aware_utc(value, "$.end")


def _recorded_at_utc(value: datetime) -> datetime:
    return _aware_utc(value, "$.recorded_at")


def _at_utc(value: datetime) -> datetime:
    return _aware_utc(value, "$.at")


def _optional_start_utc(value: datetime | None) -> datetime | None:
    return None if value is None else _aware_utc(value, "$.start")


def _optional_end_utc(value: datetime | None) -> datetime | None:
    return None if value is None else _aware_utc(value, "$.end")


def _storable(text: str) -> str:
    """Return why no store can keep ``text`` (see :mod:`volunteerkit._text`), or ``""``."""
    return "text must not contain NUL or lone surrogates" if unstorable(text) else ""


def _non_empty(_instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise InvalidEntry.of("hours.empty_field", _path(attribute))
    if problem := _storable(value):
        raise InvalidEntry.of("hours.invalid_entry", _path(attribute), detail=problem)


MAX_VOLUNTEER_ID: int = 256
"""The longest volunteer id an entry takes (characters). The SQL stores index it: PostgreSQL
refuses an index row over 2,704 bytes, so a longer id was stored by memory and SQLite only."""


def _volunteer_id(_instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    _non_empty(_instance, attribute, value)
    if len(value) > MAX_VOLUNTEER_ID:
        raise InvalidEntry.of(
            "hours.id_too_long", _path(attribute), f"at most {MAX_VOLUNTEER_ID} characters"
        )


def _optional_non_empty(
    _instance: object, attribute: attrs.Attribute[Any], value: str | None
) -> None:
    if value is not None:
        _non_empty(_instance, attribute, value)


MAX_MINUTES: int = 2**31 - 1
"""The most minutes a break or travel time takes (about 4,000 years). PostgreSQL keeps them in
32-bit ``integer`` columns, so a larger count was stored by memory and SQLite only."""


def _minutes(_instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidEntry.of("hours.negative_minutes", _path(attribute))
    if value > MAX_MINUTES:
        raise InvalidEntry.of("hours.too_many_minutes", _path(attribute), f"at most {MAX_MINUTES}")


def _optional_minutes(
    _instance: object, attribute: attrs.Attribute[Any], value: int | None
) -> None:
    if value is not None:
        _minutes(_instance, attribute, value)


def _cached_zone(value: ZoneInfo) -> ZoneInfo:
    """Return the cached ``ZoneInfo(key)`` for a zone built another way with the same key.

    ``ZoneInfo`` compares by identity, so an entry in ``ZoneInfo.no_cache("Asia/Shanghai")``
    would differ from the same entry read back from a store or JSON (``ZoneInfo(key)``).
    """
    if value.__class__ is ZoneInfo and value.key is not None:
        try:
            return ZoneInfo(value.key)
        except (KeyError, ValueError, OSError):  # a key the search path cannot load
            return value
    return value


def _zone(_instance: object, attribute: attrs.Attribute[ZoneInfo], value: ZoneInfo) -> None:
    # a zone without a key (ZoneInfo.from_file) has no IANA name to store
    if not isinstance(value, ZoneInfo) or value.key is None:
        raise InvalidEntry.of("hours.invalid_zone", _path(attribute))


def _is(kind: type[Any], code: str) -> Callable[[object, attrs.Attribute[Any], Any], None]:
    def check(_instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
        if not isinstance(value, kind):
            raise InvalidEntry.of(code, _path(attribute))
        if isinstance(value, str) and (problem := _storable(value)):
            raise InvalidEntry.of(code, _path(attribute), detail=problem)

    return check


# --------------------------------------------------------------------------------------------
# ids

_ORIGIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_LOCAL = re.compile("[^\\s\x00\ud800-\udfff]{1,128}")


def _origin_ok(_instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str) or not _ORIGIN.fullmatch(value):
        raise InvalidEntry.of("hours.invalid_id", _path(attribute))


def _local_ok(_instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str) or not _LOCAL.fullmatch(value):
        raise InvalidEntry.of("hours.invalid_id", _path(attribute))


_I = TypeVar("_I", bound="_GlobalId")


@attrs.frozen(kw_only=True, order=False, unsafe_hash=False)
class _GlobalId:
    origin: str = attrs.field(validator=_origin_ok)
    local_id: str = attrs.field(validator=_local_ok)

    def __hash__(self) -> int:
        # The local id's hash, which Python keeps on the string once computed: equal ids have
        # equal local ids, and ids of one origin (the usual case) differ in them. attrs'
        # generated hash hashed a new tuple on every call; with cache_hash=True it kept the
        # result, but keeping it cost 1.5-1.9 µs an id (an int subclass made, a slot set),
        # paid by every id a bulk import brings, which is hashed once or twice.
        return hash(self.local_id)

    # Ordering by (origin, local_id) among ids of the same class, as attrs' ``order=True`` would
    # generate it, written out because ids are sorted often (the fold, the accrual) and the
    # generated methods build their tuples through a slow generic path.
    def __lt__(self, other: _GlobalId) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return (self.origin, self.local_id) < (other.origin, other.local_id)

    def __le__(self, other: _GlobalId) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return (self.origin, self.local_id) <= (other.origin, other.local_id)

    def __gt__(self, other: _GlobalId) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return (self.origin, self.local_id) > (other.origin, other.local_id)

    def __ge__(self, other: _GlobalId) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return (self.origin, self.local_id) >= (other.origin, other.local_id)

    def __str__(self) -> str:
        """Return ``origin:local_id``."""
        return f"{self.origin}:{self.local_id}"

    @classmethod
    def parse(cls: type[_I], text: str) -> _I:
        """Parse ``origin:local_id`` text.

        Args:
            text: The id as text; it splits at the first ``:``.

        Returns:
            The id.

        Raises:
            InvalidEntry: ``hours.invalid_id`` if the text is not a valid id.
        """
        if not isinstance(text, str) or ":" not in text:
            raise InvalidEntry.of("hours.invalid_id", "$")
        origin, local_id = text.split(":", 1)
        if _ORIGIN.fullmatch(origin) and _LOCAL.fullmatch(local_id):
            return cls._unchecked(origin, local_id)  # what the validators accept, built once
        try:
            return cls(origin=origin, local_id=local_id)
        except InvalidEntry as err:
            err.path = "$"
            raise

    @classmethod
    def _unchecked(cls: type[_I], origin: str, local_id: str) -> _I:
        """Build an id from parts already known to be valid, skipping the validators."""
        obj = object.__new__(cls)
        object.__setattr__(obj, "origin", origin)
        object.__setattr__(obj, "local_id", local_id)
        return obj

    @classmethod
    def new(cls: type[_I], origin: str, clock: Clock) -> _I:
        """Make a fresh, time-ordered id under ``origin``.

        Args:
            origin: The origin (platform or region) that creates the record.
            clock: The clock that times the UUIDv7 local id.

        Returns:
            The new id.

        Raises:
            InvalidEntry: ``hours.invalid_id`` if ``origin`` is not a valid origin.
            HoursInputError: ``hours.invalid_argument`` (``$.clock``) if ``clock`` has no
                ``now()`` (a datetime is not a clock: its ``now`` reads the system time).
        """
        if isinstance(clock, date) or not callable(getattr(clock, "now", None)):
            raise HoursInputError.of("hours.invalid_argument", "$.clock", "expected a Clock")
        return cls(origin=origin, local_id=new_id(clock))


class EntryId(_GlobalId):
    """The globally unique id of a service entry: origin plus local id.

    Args:
        origin: The platform or region that created the entry: letters, digits, ``.``, ``_``, ``-``
            (at most 64 characters, no ``:``).
        local_id: The id within the origin: 1 to 128 characters without white space.

    Raises:
        InvalidEntry: ``hours.invalid_id`` if either part is malformed.

    Examples:
        >>> str(EntryId(origin="bj", local_id="42"))
        'bj:42'
        >>> EntryId.parse("bj:42") == EntryId(origin="bj", local_id="42")
        True
    """


class EventId(_GlobalId):
    """The globally unique id of a ledger event: origin plus local id.

    Args:
        origin: The platform or region that created the event.
        local_id: The id within the origin.

    Raises:
        InvalidEntry: ``hours.invalid_id`` if either part is malformed.
    """


# --------------------------------------------------------------------------------------------
# the entry


@attrs.frozen(kw_only=True)
class ServiceEntry:
    """One recorded period of volunteer service. Immutable and never deleted.

    Args:
        id: Globally unique id (origin + local id). Recording the same id twice is idempotent.
        volunteer_id: The volunteer (an id from the registry), at most
            :data:`MAX_VOLUNTEER_ID` (256) characters.
        organization_id: The organization that organised the service (and records it).
        activity_id: The project or activity, if any.
        category: The service category (for breakdowns and weighted credit).
        start: When service started (aware; stored in UTC).
        end: When service ended (aware; stored in UTC). Must be at least one whole minute after
            ``start``.
        zone: IANA zone of the place of service; local days are computed in it. A zone built
            with ``ZoneInfo.no_cache`` is replaced by the cached ``ZoneInfo(key)``, so the entry
            equals itself read back from a store; one without a key is refused.
        break_minutes: Breaks within the service, deducted from the credit. Must be shorter than
            the service, and at most :data:`MAX_MINUTES`.
        travel_minutes: Round-trip travel, recorded for information only; never credited. At
            most :data:`MAX_MINUTES`.
        source: How the time was captured.
        initial_status: :attr:`Status.PENDING`, or :attr:`Status.APPROVED` when the approval
            decision at record time approved it (see :func:`volunteerkit.hours.decide_approval`).
        recorded_by: Who recorded it (a user or system id).
        recorded_at: When it was recorded (aware; stored in UTC).
        note: Free text.

    Raises:
        NaiveDatetimeError: If a datetime is naive (path ``$.start``, ``$.end``, ``$.recorded_at``).
        InvalidEntry: ``hours.out_of_range`` (``$.start``, ``$.end``: service must lie between
            0001-01-03 and 9999-12-29 UTC, and an instant must convert to UTC),
            ``hours.end_before_start`` (``$.end``), ``hours.too_short`` (``$.end``),
            ``hours.id_too_long`` (``$.volunteer_id``),
            ``hours.break_too_long`` (``$.break_minutes``), ``hours.negative_minutes``,
            ``hours.too_many_minutes`` (over :data:`MAX_MINUTES`), ``hours.empty_field``,
            ``hours.invalid_zone``, ``hours.initial_status``.
    """

    id: EntryId = attrs.field(validator=_is(EntryId, "hours.invalid_id"))
    volunteer_id: str = attrs.field(validator=_volunteer_id)
    organization_id: str = attrs.field(validator=_non_empty)
    activity_id: str | None = attrs.field(default=None, validator=_optional_non_empty)
    category: str = attrs.field(validator=_non_empty)
    start: datetime = attrs.field(converter=_start_utc)
    end: datetime = attrs.field(converter=_end_utc)
    zone: ZoneInfo = attrs.field(converter=_cached_zone, validator=_zone)
    break_minutes: int = attrs.field(default=0, validator=_minutes)
    travel_minutes: int = attrs.field(default=0, validator=_minutes)
    source: Source = attrs.field(validator=_is(Source, "hours.invalid_entry"))
    initial_status: Status = attrs.field(default=Status.PENDING)
    recorded_by: str = attrs.field(validator=_non_empty)
    recorded_at: datetime = attrs.field(converter=_recorded_at_utc)
    note: str = attrs.field(default="", validator=_is(str, "hours.invalid_entry"))

    @initial_status.validator
    def _check_initial(self, attribute: attrs.Attribute[Status], value: Status) -> None:
        # identity, not equality: the text "approved" equals Status.APPROVED, yet the fold tests
        # ``is Status.APPROVED`` and would leave such an entry uncredited
        if value is not Status.PENDING and value is not Status.APPROVED:
            raise InvalidEntry.of("hours.initial_status", _path(attribute))

    def __attrs_post_init__(self) -> None:
        """Check the invariants that involve several fields."""
        check_times(self.start, self.end, self.break_minutes)

    def _with_status(self, status: Status) -> ServiceEntry:
        """Return ``attrs.evolve(self, initial_status=status)`` without re-checking the rest.

        Every other field is this (already checked) entry's; only the status is checked. The
        ledger sets the status it decides on every entry it records.
        """
        if status is self.initial_status:
            return self
        if status is not Status.PENDING and status is not Status.APPROVED:
            raise InvalidEntry.of("hours.initial_status", "$.initial_status")
        cls = type(self)
        copy = object.__new__(cls)
        for field in attrs.fields(cls):
            object.__setattr__(copy, field.name, getattr(self, field.name))
        object.__setattr__(copy, "initial_status", status)
        return copy

    @property
    def duration_minutes(self) -> int:
        """Whole minutes from start to end (break included), from the UTC instants."""
        return to_minute(self.end) - to_minute(self.start)

    @property
    def net_minutes(self) -> int:
        """Minutes served: duration minus break (travel never counts)."""
        return self.duration_minutes - self.break_minutes


FIRST_START = datetime(1, 1, 3, tzinfo=UTC)
"""The earliest start of service: local dates of service, and the days either side of them that
daily splits and time windows look at, then exist in every zone (offsets are below 24 h)."""

LAST_END = datetime(9999, 12, 29, tzinfo=UTC)
"""The latest end of service, for the same reason as :data:`FIRST_START`."""

_RANGE = "service must lie between 0001-01-03 and 9999-12-29 UTC"


def check_times(start: datetime, end: datetime, break_minutes: int, prefix: str = "$") -> None:
    """Check that ``[start, end)`` lies in range, lasts at least a minute, is longer than the break.

    Args:
        start: Aware start.
        end: Aware end.
        break_minutes: Break minutes within the service.
        prefix: Path prefix of the fields (``$`` for an entry).

    Raises:
        InvalidEntry: ``hours.out_of_range`` (start before :data:`FIRST_START` or end after
            :data:`LAST_END`), ``hours.end_before_start``, ``hours.too_short`` or
            ``hours.break_too_long``.
    """
    if start < FIRST_START:
        raise InvalidEntry.of("hours.out_of_range", f"{prefix}.start", _RANGE)
    if end > LAST_END:
        raise InvalidEntry.of("hours.out_of_range", f"{prefix}.end", _RANGE)
    if end <= start:
        raise InvalidEntry.of("hours.end_before_start", f"{prefix}.end")
    duration = to_minute(end) - to_minute(start)
    if duration < 1:
        raise InvalidEntry.of("hours.too_short", f"{prefix}.end")
    if break_minutes >= duration:
        raise InvalidEntry.of(
            "hours.break_too_long",
            f"{prefix}.break_minutes",
            f"break {break_minutes} min, service {duration} min",
        )


# --------------------------------------------------------------------------------------------
# events


def _event_text(_instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise InvalidEvent.of("hours.invalid_event", _path(attribute), "must not be empty")
    if problem := _storable(value):
        raise InvalidEvent.of("hours.invalid_event", _path(attribute), problem)


_E = TypeVar("_E", bound="_Event")


@attrs.frozen(kw_only=True)
class _Event:
    """Fields every ledger event shares."""

    reason_required: ClassVar[bool] = True

    id: EventId = attrs.field()
    entry_id: EntryId = attrs.field()
    actor: str = attrs.field(validator=_event_text)
    at: datetime = attrs.field(converter=_at_utc)
    reason: str = attrs.field(default="")

    @id.validator
    def _check_id(self, attribute: attrs.Attribute[EventId], value: EventId) -> None:
        if not isinstance(value, EventId):
            raise InvalidEvent.of("hours.invalid_event", _path(attribute), "expected an EventId")

    @entry_id.validator
    def _check_entry_id(self, attribute: attrs.Attribute[EntryId], value: EntryId) -> None:
        if not isinstance(value, EntryId):
            raise InvalidEvent.of("hours.invalid_event", _path(attribute), "expected an EntryId")

    @reason.validator
    def _check_reason(self, attribute: attrs.Attribute[str], value: str) -> None:
        if not isinstance(value, str):
            raise InvalidEvent.of("hours.invalid_event", _path(attribute), "expected text")
        if self.reason_required and not value.strip():
            raise InvalidEvent.of("hours.invalid_event", _path(attribute), "a reason is required")
        if problem := _storable(value):
            raise InvalidEvent.of("hours.invalid_event", _path(attribute), problem)

    def _for(self: _E, event_id: EventId, entry_id: EntryId) -> _E:
        """Return this event with other ids, for another entry, skipping the validators.

        Every other field is this (already checked) event's; the ids must be of the right types
        (a stored or freshly built :class:`EntryId`, an :class:`EventId`). For batches that apply
        one event to many entries.
        """
        cls = type(self)
        obj = object.__new__(cls)
        for field in attrs.fields(cls):
            object.__setattr__(obj, field.name, getattr(self, field.name))
        object.__setattr__(obj, "id", event_id)
        object.__setattr__(obj, "entry_id", entry_id)
        return obj


@attrs.frozen(kw_only=True)
class Approved(_Event):
    """The entry is approved (credited from ``at`` on).

    Args:
        id: The event's own id.
        entry_id: The entry it refers to.
        actor: Who approved.
        at: When (aware; stored in UTC).
        reason: Why (optional for approvals).

    Raises:
        NaiveDatetimeError: If ``at`` is naive (``$.at``).
        InvalidEvent: ``hours.invalid_event`` for an empty actor or a wrong id type.
    """

    reason_required: ClassVar[bool] = False


@attrs.frozen(kw_only=True)
class Rejected(_Event):
    """The pending entry is declined.

    Args:
        id: The event's own id.
        entry_id: The entry it refers to.
        actor: Who rejected.
        at: When (aware; stored in UTC).
        reason: Why (required).

    Raises:
        NaiveDatetimeError: If ``at`` is naive (``$.at``).
        InvalidEvent: ``hours.invalid_event`` for an empty actor or reason.
    """


@attrs.frozen(kw_only=True)
class Voided(_Event):
    """The entry is cancelled (soft-deleted): it stays in the ledger but no longer counts.

    Args:
        id: The event's own id.
        entry_id: The entry it refers to.
        actor: Who voided.
        at: When (aware; stored in UTC).
        reason: Why (required).

    Raises:
        NaiveDatetimeError: If ``at`` is naive (``$.at``).
        InvalidEvent: ``hours.invalid_event`` for an empty actor or reason.
    """


@attrs.frozen(kw_only=True)
class Corrected(_Event):
    """A correction: reverse the entry, or adjust its start, end and/or break.

    An adjustment replaces only the fields it gives; the others keep their current values. The
    adjusted entry must still satisfy the entry invariants (end after start, break shorter than the
    service); the fold ignores, and :func:`volunteerkit.hours.check_event` refuses, one that does
    not.

    Args:
        id: The event's own id.
        entry_id: The entry it refers to.
        actor: Who corrected.
        at: When (aware; stored in UTC).
        reason: Why (required).
        kind: :attr:`CorrectionKind.ADJUST` or :attr:`CorrectionKind.REVERSE`.
        start: New start (adjust only).
        end: New end (adjust only).
        break_minutes: New break minutes (adjust only).

    Raises:
        NaiveDatetimeError: If a datetime is naive (``$.at``, ``$.start``, ``$.end``).
        InvalidEvent: ``hours.invalid_correction`` if a reversal carries new values or an
            adjustment carries none; ``hours.invalid_event`` for empty actor or reason.
    """

    kind: CorrectionKind = attrs.field(default=CorrectionKind.ADJUST)
    start: datetime | None = attrs.field(default=None, converter=_optional_start_utc)
    end: datetime | None = attrs.field(default=None, converter=_optional_end_utc)
    break_minutes: int | None = attrs.field(default=None, validator=_optional_minutes)

    def __attrs_post_init__(self) -> None:
        """Check that the kind matches the values given."""
        if not isinstance(self.kind, CorrectionKind):
            raise InvalidEvent.of("hours.invalid_correction", "$.kind")
        given = (self.start, self.end, self.break_minutes) != (None, None, None)
        if self.kind is CorrectionKind.REVERSE and given:
            raise InvalidEvent.of(
                "hours.invalid_correction", "$.kind", "a reversal takes no values"
            )
        if self.kind is CorrectionKind.ADJUST and not given:
            raise InvalidEvent.of(
                "hours.invalid_correction", "$.kind", "an adjustment needs values"
            )


LedgerEvent: TypeAlias = Approved | Rejected | Voided | Corrected
"""Any ledger event."""

EVENT_TYPES: Mapping[str, type[LedgerEvent]] = {
    "approved": Approved,
    "rejected": Rejected,
    "voided": Voided,
    "corrected": Corrected,
}
"""The ``"type"`` tag of each event class in serialized form."""

_TAG_OF: dict[type[Any], str] = {cls: tag for tag, cls in EVENT_TYPES.items()}


def event_type(event: LedgerEvent) -> str:
    """Return the serialized ``"type"`` tag of an event (``approved``, ``corrected``, ...).

    Args:
        event: A ledger event.

    Returns:
        The tag.

    Raises:
        InvalidEvent: ``hours.invalid_event`` if ``event`` is not a ledger event.
    """
    tag = _TAG_OF.get(type(event))
    if tag is None:
        raise InvalidEvent.of("hours.invalid_event", "$", "not a ledger event")
    return tag


def structure_event(data: Any, *, path: str = "$") -> LedgerEvent:
    """Structure serialized data into the right event class, chosen by its ``"type"`` tag.

    ``volunteerkit.structure(data, LedgerEvent)`` does the same; this function is typed for it.

    Args:
        data: A dict as produced by ``unstructure(event)``.
        path: The path of ``data``, the root of reported field paths.

    Returns:
        The event.

    Raises:
        SerializationError: For an unknown or missing ``type`` or a malformed field.
        VolunteerkitError: For a field that breaks an event invariant (with its path).
    """
    result: LedgerEvent = structure(data, LedgerEvent, path=path)  # type: ignore[arg-type]
    return result


# --------------------------------------------------------------------------------------------
# converter hooks


def _register_hooks() -> None:
    for enum_cls in (Source, Status, CorrectionKind):
        register_str_enum(enum_cls)
    for id_cls in (EntryId, EventId):

        def structure_id(value: Any, _type: type[Any], _cls: type[_GlobalId] = id_cls) -> Any:
            if isinstance(value, _cls):
                return value
            if not isinstance(value, str):
                raise SerializationError(
                    "expected an id as 'origin:local_id'",
                    "标识应写成 'origin:local_id'",
                    code="serialization.str",
                )
            return _cls.parse(value)

        converter.register_unstructure_hook(id_cls, str)
        converter.register_structure_hook(id_cls, structure_id)

    register_tagged_union(LedgerEvent, EVENT_TYPES, "type")


_register_hooks()
