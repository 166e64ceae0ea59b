"""Models of the matching part: projects, slots (roles), shifts, volunteers' profiles.

All models are frozen, keyword-only attrs classes that round-trip through
:func:`volunteerkit.structure` / :func:`volunteerkit.unstructure`.

* :class:`Project`: an organisation's project, with a category, the IANA zone of the place, and a
  :class:`Location` (coordinates and/or a region code) or ``remote=True``.
* :class:`Slot`: a role in a project with a ``capacity`` (how many volunteers the role takes in role
  allocation) and hard :class:`Requirements`; preferred skills and languages only add score.
* :class:`Shift`: when a role is worked: a first start (aware), a duration in whole minutes, an
  optional RFC 5545 ``RRULE`` (expanded with :mod:`dateutil` in the shift's zone, so a weekly 09:00
  shift stays at 09:00 local time across daylight-saving changes), exception dates, and how many
  volunteers each occurrence needs.
* :class:`VolunteerProfile`: what matching needs to know about a volunteer. Callers adapt their own
  volunteer records to it (matching does not depend on the registry).

Sets of codes (skills, languages, categories) are stored as sorted tuples without duplicates, so equal
content gives equal models and stable JSON.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import attrs

from volunteerkit._clock import require_aware, require_instant
from volunteerkit._text import unstorable
from volunteerkit.matching.errors import MatchingInputError

__all__ = [
    "MAX_ID",
    "Availability",
    "AvailabilityException",
    "GeoPoint",
    "Location",
    "Preferences",
    "Project",
    "Qualification",
    "Requirements",
    "Shift",
    "Slot",
    "VolunteerProfile",
    "WeeklyWindow",
    "codes",
]


def codes(values: Iterable[str], path: str | None = None) -> tuple[str, ...]:
    """Normalise a collection of codes to a sorted tuple without duplicates.

    Args:
        values: Skill, language, category or qualification codes.
        path: The field's path, for the error.

    Returns:
        The sorted, de-duplicated tuple.

    Raises:
        MatchingInputError: ``matching.codes`` at ``path`` if ``values`` is one text or not a
            collection (``None``, a number); ``matching.empty_field`` at ``path[i]`` if an item
            is not a non-empty string.
    """
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise MatchingInputError.of("matching.codes", path)
    out = set()
    for i, value in enumerate(values):
        if not isinstance(value, str) or not value.strip():
            raise MatchingInputError.of(
                "matching.empty_field", None if path is None else f"{path}[{i}]"
            )
        out.add(value)
    return tuple(sorted(out))


def require(value: Any, kind: type | tuple[type, ...], path: str) -> None:
    """Refuse an argument that is not a ``kind`` (``matching.invalid`` at ``path``).

    For the public functions of matching, so that a wrong type is a typed error with the
    argument's path, never a bare ``AttributeError`` from deep inside.

    Raises:
        MatchingInputError: ``matching.invalid``.
    """
    if not isinstance(value, kind):
        raise MatchingInputError.of("matching.invalid", path)


def require_items(values: Any, kind: type, path: str) -> list[Any]:
    """Return a collection's items as a list, refusing a non-collection or an item not a ``kind``.

    Raises:
        MatchingInputError: ``matching.invalid`` at ``path`` (``None``, a number, a text) or at
            ``path[i]``.
    """
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise MatchingInputError.of("matching.invalid", path)
    items = list(values)
    for i, item in enumerate(items):
        require(item, kind, f"{path}[{i}]")
    return items


def _code_set(values: Iterable[str]) -> tuple[str, ...]:
    """Converter of a code field: :func:`codes`, or bad input as given for :func:`_code_check`.

    An iterator is read once, into a list, so that the check sees the same items.
    """
    if isinstance(values, Iterable) and not isinstance(values, str | bytes | list | tuple):
        values = list(values)
    try:
        return codes(values)
    except MatchingInputError:
        return values  # type: ignore[return-value]  # refused by _code_check, with its path


def _code_check(_inst: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    codes(value, f"$.{attribute.name}")


def _date(_inst: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and (not isinstance(value, date) or isinstance(value, datetime)):
        raise MatchingInputError.of("matching.date", f"$.{attribute.name}")


def _flag(_inst: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, bool):
        raise MatchingInputError.of("matching.invalid", f"$.{attribute.name}")


def _optional(kind: type) -> Any:
    """A validator: ``None`` or an instance of ``kind`` (refused: ``matching.invalid``)."""

    def check(_inst: object, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value is not None and not isinstance(value, kind):
            raise MatchingInputError.of("matching.invalid", f"$.{attribute.name}")

    return check


def _instance(kind: type) -> Any:
    """A validator: an instance of ``kind`` (refused: ``matching.invalid``)."""

    def check(_inst: object, attribute: attrs.Attribute[Any], value: Any) -> None:
        if not isinstance(value, kind):
            raise MatchingInputError.of("matching.invalid", f"$.{attribute.name}")

    return check


def _items(kind: type) -> Any:
    """A validator: a tuple of instances of ``kind``, refused at ``$.field`` or ``$.field[i]``."""

    def check(_inst: object, attribute: attrs.Attribute[Any], value: Any) -> None:
        if not isinstance(value, tuple):
            raise MatchingInputError.of("matching.invalid", f"$.{attribute.name}")
        for i, item in enumerate(value):
            if not isinstance(item, kind):
                raise MatchingInputError.of("matching.invalid", f"$.{attribute.name}[{i}]")

    return check


def _optional_text(_inst: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None:
        _text(_inst, attribute, value)


def _non_empty(_inst: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, str) or not value.strip() or unstorable(value):
        raise MatchingInputError.of("matching.empty_field", f"$.{attribute.name}")


MAX_ID: int = 256
"""The longest id a matching record takes (characters). The SQL stores index ids: PostgreSQL
refuses an index row over 2,704 bytes, so a longer id was stored by memory and SQLite only."""


def matching_id(_inst: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    """Check an id: non-empty storable text of at most :data:`MAX_ID` characters.

    Raises:
        MatchingInputError: ``matching.empty_field`` or ``matching.id_too_long``.
    """
    _non_empty(_inst, attribute, value)
    if len(value) > MAX_ID:
        raise MatchingInputError.of("matching.id_too_long", f"$.{attribute.name}")


def _non_negative(_inst: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise MatchingInputError.of("matching.negative", f"$.{attribute.name}")


def _optional_non_negative(_inst: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None:
        _non_negative(_inst, attribute, value)


def _positive(_inst: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise MatchingInputError.of("matching.not_positive", f"$.{attribute.name}")


def _aware(_inst: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, datetime):
        raise MatchingInputError.of("matching.invalid", f"$.{attribute.name}")
    require_instant(value, f"$.{attribute.name}")


def _zone(_inst: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, ZoneInfo):
        raise MatchingInputError.of("matching.invalid", f"$.{attribute.name}")


def _text(_inst: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, str) or unstorable(value):
        raise MatchingInputError.of("matching.invalid", f"$.{attribute.name}")


def _as_tuple(values: Any) -> Any:
    """A list or tuple as a tuple; anything else as given, for the validator to refuse."""
    return tuple(values) if isinstance(values, list | tuple) else values


def _exdates(values: Sequence[datetime]) -> tuple[datetime, ...]:
    return _as_tuple(values)  # type: ignore[no-any-return]


def _qualifications(values: Sequence[Qualification]) -> tuple[Qualification, ...]:
    return _as_tuple(values)  # type: ignore[no-any-return]


def _weekly(values: Sequence[WeeklyWindow]) -> tuple[WeeklyWindow, ...]:
    return _as_tuple(values)  # type: ignore[no-any-return]


def _exceptions(values: Sequence[AvailabilityException]) -> tuple[AvailabilityException, ...]:
    return _as_tuple(values)  # type: ignore[no-any-return]


def _degrees(value: Any) -> Any:
    """Return a coordinate as a float, ``-0.0`` as ``0.0``; leave anything else for the check.

    ``30`` and ``30.0`` (or ``0.0`` and ``-0.0``) are equal in Python but serialise differently:
    one canonical form keeps a replay a no-op on every store and reads back what was written.
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    try:
        return float(value) + 0.0
    except OverflowError:  # an int beyond any float: out of range all the same
        return math.inf


@attrs.frozen(kw_only=True)
class GeoPoint:
    """A point on the Earth (WGS 84 degrees).

    Attributes:
        latitude: Degrees north, -90 to 90; an int is kept as the equal float, ``-0.0`` as ``0.0``.
        longitude: Degrees east, -180 to 180; canonical like ``latitude``.
    """

    latitude: float = attrs.field(converter=_degrees)
    longitude: float = attrs.field(converter=_degrees)

    def __attrs_post_init__(self) -> None:
        """Check that the coordinates are finite and within range."""
        for name, limit in (("latitude", 90), ("longitude", 180)):
            value = getattr(self, name)
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not math.isfinite(value)
                or abs(value) > limit
            ):
                raise MatchingInputError.of("matching.coordinates", f"$.{name}")

    def distance_m(self, other: GeoPoint) -> int:
        """Return the great-circle distance to ``other`` in whole metres (haversine, R = 6,371,008.8 m).

        Args:
            other: The other point.

        Returns:
            The distance in metres, rounded to the nearest metre.
        """
        p1, p2 = math.radians(self.latitude), math.radians(other.latitude)
        dp = p2 - p1
        dl = math.radians(other.longitude - self.longitude)
        h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
        return round(2 * 6_371_008.8 * math.asin(min(1.0, math.sqrt(h))))


@attrs.frozen(kw_only=True)
class Location:
    """Where a project happens.

    Attributes:
        point: Coordinates, if known (a :class:`GeoPoint`; anything else is ``matching.invalid``).
        region_code: An administrative region code (for example a GB/T 2260 code), if known
            (text).
        address: Free-text address.
    """

    point: GeoPoint | None = attrs.field(default=None, validator=_optional(GeoPoint))
    region_code: str | None = attrs.field(default=None, validator=_optional_text)
    address: str = attrs.field(default="", validator=_text)


@attrs.frozen(kw_only=True)
class Project:
    """A project that needs volunteers.

    Attributes:
        id: The project's id.
        organization_id: The organising organisation's id.
        organization_name: Its name (published with opportunities).
        title: The project's title.
        description: What it is about.
        category: Its service category (``elderly``, ``environment``, ``events`` …).
        zone: IANA zone of the place (remote projects: the organiser's zone).
        location: Where it happens (a :class:`Location`); required unless ``remote``.
        remote: Whether volunteers take part from anywhere (a ``bool``).
    """

    id: str = attrs.field(validator=matching_id)
    organization_id: str = attrs.field(validator=matching_id)
    organization_name: str = attrs.field(validator=_non_empty)
    title: str = attrs.field(validator=_non_empty)
    category: str = attrs.field(validator=_non_empty)
    zone: ZoneInfo = attrs.field(validator=_zone)
    description: str = attrs.field(default="", validator=_text)
    location: Location | None = attrs.field(default=None, validator=_optional(Location))
    remote: bool = attrs.field(default=False, validator=_flag)

    def __attrs_post_init__(self) -> None:
        """Require a location for projects that are not remote."""
        if not self.remote and self.location is None:
            raise MatchingInputError.of("matching.location_required", "$.location")


@attrs.frozen(kw_only=True)
class Requirements:
    """The hard rules a volunteer must meet to take a slot.

    Attributes:
        skills: Skills the volunteer must have (all of them).
        qualifications: Qualification codes that must be valid on every shift date (all of them).
        languages: Languages the volunteer must speak (all of them).
        min_age: Minimum age in whole years on every shift date (local date of the project).
        max_age: Maximum age in whole years on every shift date.
        agreement: Whether a signed volunteer agreement is needed (a ``bool``).
        insurance: Whether insurance valid on every shift date is needed (a ``bool``).
    """

    skills: tuple[str, ...] = attrs.field(default=(), converter=_code_set, validator=_code_check)
    qualifications: tuple[str, ...] = attrs.field(
        default=(), converter=_code_set, validator=_code_check
    )
    languages: tuple[str, ...] = attrs.field(default=(), converter=_code_set, validator=_code_check)
    min_age: int | None = attrs.field(default=None, validator=_optional_non_negative)
    max_age: int | None = attrs.field(default=None, validator=_optional_non_negative)
    agreement: bool = attrs.field(default=False, validator=_flag)
    insurance: bool = attrs.field(default=False, validator=_flag)

    def __attrs_post_init__(self) -> None:
        """Refuse a minimum age above the maximum."""
        if self.min_age is not None and self.max_age is not None and self.min_age > self.max_age:
            raise MatchingInputError.of("matching.age_range", "$.min_age")


@attrs.frozen(kw_only=True)
class Slot:
    """A role in a project, with a capacity and requirements.

    Attributes:
        id: The slot's id.
        project_id: The project it belongs to.
        title: The role's title (``Guide``, ``Interpreter``).
        capacity: How many volunteers role allocation may place in it.
        requirements: The hard rules (a :class:`Requirements`).
        preferred_skills: Skills that add score but are not required.
        preferred_languages: Languages that add score but are not required.
        description: What the role does.
    """

    id: str = attrs.field(validator=matching_id)
    project_id: str = attrs.field(validator=matching_id)
    title: str = attrs.field(validator=_non_empty)
    capacity: int = attrs.field(validator=_non_negative)
    requirements: Requirements = attrs.field(
        factory=Requirements, validator=_instance(Requirements)
    )
    preferred_skills: tuple[str, ...] = attrs.field(
        default=(), converter=_code_set, validator=_code_check
    )
    preferred_languages: tuple[str, ...] = attrs.field(
        default=(), converter=_code_set, validator=_code_check
    )
    description: str = attrs.field(default="", validator=_text)


@attrs.frozen(kw_only=True)
class Shift:
    """When a slot's role is worked: one occurrence or a recurring series.

    Attributes:
        id: The shift's id.
        slot_id: The slot (role) it staffs.
        project_id: The project.
        start: The first occurrence's start (aware). Its wall time in ``zone`` is what recurs.
        duration_minutes: Length of each occurrence, in whole minutes.
        zone: The project's IANA zone, in which the rule is expanded.
        rrule: An RFC 5545 recurrence rule without the ``RRULE:`` prefix
            (``FREQ=WEEKLY;BYDAY=SA;COUNT=8``), or ``None`` for a one-off shift.
        exdates: Starts of occurrences that are cancelled (compared as instants); a list is kept
            as a tuple.
        needed: How many volunteers each occurrence needs (for rostering).
    """

    id: str = attrs.field(validator=matching_id)
    slot_id: str = attrs.field(validator=matching_id)
    project_id: str = attrs.field(validator=matching_id)
    start: datetime = attrs.field(validator=_aware)
    duration_minutes: int = attrs.field(validator=_positive)
    zone: ZoneInfo = attrs.field(validator=_zone)
    rrule: str | None = None
    exdates: tuple[datetime, ...] = attrs.field(default=(), converter=_exdates)
    needed: int = attrs.field(default=1, validator=_positive)

    def __attrs_post_init__(self) -> None:
        """Check the exception dates and that the rule parses."""
        if not isinstance(self.exdates, tuple):
            raise MatchingInputError.of("matching.invalid", "$.exdates")
        for i, ex in enumerate(self.exdates):
            if not isinstance(ex, datetime):
                raise MatchingInputError.of("matching.invalid", f"$.exdates[{i}]")
            require_instant(ex, f"$.exdates[{i}]")
        if self.rrule is not None:
            from volunteerkit.matching.schedule import parse_rrule

            try:
                first = self.start.astimezone(self.zone).replace(tzinfo=None)
            except OverflowError:  # its wall time, which the rule repeats, is beyond the calendar
                raise MatchingInputError.of("matching.invalid", "$.start") from None
            parse_rrule(self.rrule, first)


@attrs.frozen(kw_only=True)
class Qualification:
    """A qualification a volunteer holds (first aid, lifeguard, background check …).

    Attributes:
        code: The qualification's code.
        valid_from: First day it is valid (inclusive), if limited (a ``date``, not a datetime).
        valid_until: Last day it is valid (inclusive), if limited (a ``date``).
    """

    code: str = attrs.field(validator=_non_empty)
    valid_from: date | None = attrs.field(default=None, validator=_date)
    valid_until: date | None = attrs.field(default=None, validator=_date)

    def __attrs_post_init__(self) -> None:
        """Refuse a validity that ends before it starts."""
        if (
            self.valid_from is not None
            and self.valid_until is not None
            and self.valid_until < self.valid_from
        ):
            raise MatchingInputError.of("matching.validity_range", "$.valid_until")

    def valid_on(self, day: date) -> bool:
        """Return whether the qualification is valid on ``day``.

        Args:
            day: A local calendar date.

        Returns:
            ``True`` if ``valid_from <= day <= valid_until`` (open ends allowed).
        """
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_until is None or day <= self.valid_until
        )


@attrs.frozen(kw_only=True)
class WeeklyWindow:
    """A weekly window of availability, in the volunteer's own zone.

    Attributes:
        weekday: 0 = Monday … 6 = Sunday.
        start_minute: Minutes after local midnight when the window opens (0-1439).
        end_minute: Minutes after local midnight when it closes (1-1440, after the start).
    """

    weekday: int
    start_minute: int
    end_minute: int

    def __attrs_post_init__(self) -> None:
        """Check the weekday and the minutes of the day."""
        if (
            isinstance(self.weekday, bool)
            or not isinstance(self.weekday, int)
            or not (0 <= self.weekday <= 6)
        ):
            raise MatchingInputError.of("matching.weekday", "$.weekday")
        for name in ("start_minute", "end_minute"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise MatchingInputError.of("matching.minute_of_day", f"$.{name}")
        if not (0 <= self.start_minute < self.end_minute <= 1440):
            raise MatchingInputError.of("matching.minute_of_day", "$.end_minute")


@attrs.frozen(kw_only=True)
class AvailabilityException:
    """An exception to the weekly pattern: time off, or extra time available.

    Attributes:
        start: Start (aware).
        end: End (aware, after the start).
        available: ``False`` for time off (overrides weekly windows), ``True`` for extra time.
    """

    start: datetime = attrs.field(validator=_aware)
    end: datetime = attrs.field(validator=_aware)
    available: bool = attrs.field(default=False, validator=_flag)

    def __attrs_post_init__(self) -> None:
        """Require the end after the start."""
        if self.end <= self.start:
            raise MatchingInputError.of("matching.interval", "$.end")


@attrs.frozen(kw_only=True)
class Availability:
    """When a volunteer can serve: weekly windows in their zone, plus exceptions.

    Attributes:
        zone: The volunteer's own IANA zone (weekly windows are local wall times there).
        weekly: The weekly windows (a list is kept as a tuple).
        exceptions: Time off and extra time; time off wins where both apply (a list is kept as a
            tuple).
    """

    zone: ZoneInfo = attrs.field(validator=_zone)
    weekly: tuple[WeeklyWindow, ...] = attrs.field(
        default=(), converter=_weekly, validator=_items(WeeklyWindow)
    )
    exceptions: tuple[AvailabilityException, ...] = attrs.field(
        default=(), converter=_exceptions, validator=_items(AvailabilityException)
    )


@attrs.frozen(kw_only=True)
class Preferences:
    """What a volunteer prefers.

    Attributes:
        categories: Project categories the volunteer likes (adds score).
        max_distance_km: Farthest the volunteer will travel (a hard rule when set).
        max_minutes_per_week: Most minutes a week the volunteer will serve (a hard rule when set).
        remote_ok: Whether the volunteer takes remote roles.
    """

    categories: tuple[str, ...] = attrs.field(
        default=(), converter=_code_set, validator=_code_check
    )
    max_distance_km: int | None = attrs.field(default=None, validator=_optional_non_negative)
    max_minutes_per_week: int | None = attrs.field(default=None, validator=_optional_non_negative)
    remote_ok: bool = attrs.field(default=True, validator=_flag)


@attrs.frozen(kw_only=True)
class VolunteerProfile:
    """What matching needs to know about one volunteer (callers adapt their records to this).

    Every field is checked when the profile is built, so a record adapted with a wrong type (an
    ISO text for a date, a ``(lat, lon)`` pair for ``home``) is refused there, with the field's
    path, rather than failing later in :func:`~volunteerkit.matching.check` or being ignored.

    Attributes:
        id: The volunteer's id.
        birth_date: Date of birth, if known (needed for roles with age limits): a ``date``, not
            a datetime or text (``matching.date``).
        skills: Skills held (a collection of codes; ``None`` or one text is ``matching.codes``).
        languages: Languages spoken (like ``skills``).
        qualifications: Qualifications with their validity: :class:`Qualification` records (a
            list is kept as a tuple).
        agreement_signed: Whether a volunteer agreement is signed (a ``bool``).
        insured_until: Last day of insurance cover, if insured (a ``date``).
        home: Home coordinates, if known (a :class:`GeoPoint`).
        region_code: Home region code, if known.
        availability: When the volunteer can serve; ``None`` means "always".
        preferences: Preferences.
        served_minutes: Minutes already served (used by the fairness part of the score).
        limit: Most slots role allocation may give this volunteer.
    """

    id: str = attrs.field(validator=matching_id)
    birth_date: date | None = attrs.field(default=None, validator=_date)
    skills: tuple[str, ...] = attrs.field(default=(), converter=_code_set, validator=_code_check)
    languages: tuple[str, ...] = attrs.field(default=(), converter=_code_set, validator=_code_check)
    qualifications: tuple[Qualification, ...] = attrs.field(
        default=(), converter=_qualifications, validator=_items(Qualification)
    )
    agreement_signed: bool = attrs.field(default=False, validator=_flag)
    insured_until: date | None = attrs.field(default=None, validator=_date)
    home: GeoPoint | None = attrs.field(default=None, validator=_optional(GeoPoint))
    region_code: str | None = attrs.field(default=None, validator=_optional_text)
    availability: Availability | None = attrs.field(default=None, validator=_optional(Availability))
    preferences: Preferences = attrs.field(factory=Preferences, validator=_instance(Preferences))
    served_minutes: int = attrs.field(default=0, validator=_non_negative)
    limit: int = attrs.field(default=1, validator=_non_negative)


def utc(value: datetime) -> datetime:
    """Return an aware datetime in UTC.

    Args:
        value: An aware datetime.

    Returns:
        The same instant in UTC.
    """
    return require_aware(value).astimezone(UTC)
