"""The matching part's storage port: what a store must offer as ``store.matching``.

Projects, slots and shifts are configuration: :meth:`MatchingStore.put_project` and friends insert or
replace them (and say whether anything changed). A slot must name a stored project, and a shift a
stored slot of the same project (``matching.unknown_reference``, an
:class:`~volunteerkit.errors.IntegrityError`).

Assignments are records: :class:`RoleAssignment` (a volunteer in a slot, from one allocation run) and
:class:`ShiftAssignment` (a volunteer on one shift occurrence, from one roster run) are appended,
never changed. Appending a batch is atomic; appending an identical record again does nothing;
a *different* record under a stored id raises :class:`~volunteerkit.errors.ConflictError`
(``matching.conflict``), and the whole batch is refused.

Arguments of the wrong type get the same answer on every backend: an id or filter that is not
text (a number, ``bytes``, a list), a record that is not of its model, or a batch that is not a
collection of records is ``matching.invalid`` (:class:`MatchingInputError`) at its path (``$``,
``$[i]`` for the i-th record of a batch, ``$.project_id`` for a filter). Text no record can have
(empty, NUL, a lone surrogate, too long) finds nothing: ``matching.not_found`` at the id's path,
or no records.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any, Protocol, TypeVar, runtime_checkable

import attrs

from volunteerkit._clock import as_utc, require_instant
from volunteerkit.errors import ConflictError, IntegrityError
from volunteerkit.matching.errors import MatchingInputError, text_of
from volunteerkit.matching.models import Project, Shift, Slot, matching_id

__all__ = [
    "MatchingStore",
    "RoleAssignment",
    "ShiftAssignment",
    "checked_filters",
    "checked_items",
    "checked_key",
    "checked_record",
    "conflict",
    "unknown_reference",
]

R = TypeVar("R")


def checked_key(value: object, path: str) -> str:
    """Return an id a caller looks up by, refusing a value that is not text.

    Without this, each backend applied its own rules to a number or ``bytes`` (memory: not
    found; SQLite: found the record ``"5"`` by the number 5; PostgreSQL: ``store.operational``)
    and a list (memory: ``TypeError``; SQLite: ``store.invalid_value``).

    Args:
        value: The id given.
        path: Its path (``$.project_id``).

    Returns:
        ``value``.

    Raises:
        MatchingInputError: ``matching.invalid`` at ``path``.
    """
    if not isinstance(value, str):
        raise MatchingInputError.of("matching.invalid", path)
    return value


def checked_filters(**filters: object) -> None:
    """Check filters of a listing: each ``None`` or text (see :func:`checked_key`).

    Raises:
        MatchingInputError: ``matching.invalid`` at ``$.<name>``.
    """
    for name, value in filters.items():
        if value is not None:
            checked_key(value, f"$.{name}")


def checked_record(value: object, kind: type[R], path: str = "$") -> R:
    """Return ``value`` if it is a ``kind``.

    Raises:
        MatchingInputError: ``matching.invalid`` at ``path``.
    """
    if not isinstance(value, kind):
        raise MatchingInputError.of("matching.invalid", path)
    return value


def checked_items(items: object, kind: type[R]) -> Iterator[R]:
    """Iterate a batch of records, refusing a batch or a record of the wrong type.

    Raises:
        MatchingInputError: ``matching.invalid`` at ``$`` (not a collection: ``None``, a
            number, a text) or ``$[i]`` (the i-th item is not a ``kind``).
    """
    if isinstance(items, str | bytes) or not isinstance(items, Iterable):
        raise MatchingInputError.of("matching.invalid", "$")
    for i, item in enumerate(items):
        yield checked_record(item, kind, f"$[{i}]")


def _aware(_inst: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, datetime):
        raise MatchingInputError.of("matching.invalid", f"$.{attribute.name}")
    require_instant(value, f"$.{attribute.name}")


def _int(_inst: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or abs(value) >= 1 << 62:
        raise MatchingInputError.of("matching.invalid", f"$.{attribute.name}")


@attrs.frozen(kw_only=True)
class RoleAssignment:
    """A volunteer placed in a slot by one allocation run.

    Attributes:
        id: Unique id (time-ordered, :func:`volunteerkit.new_id`).
        run_id: The allocation run.
        volunteer_id: The volunteer.
        slot_id: The slot.
        score: The pair's score.
        assigned_at: When the run placed them (aware).
    """

    id: str = attrs.field(validator=matching_id)
    run_id: str = attrs.field(validator=matching_id)
    volunteer_id: str = attrs.field(validator=matching_id)
    slot_id: str = attrs.field(validator=matching_id)
    score: int = attrs.field(validator=_int)
    assigned_at: datetime = attrs.field(converter=as_utc, validator=_aware)


@attrs.frozen(kw_only=True)
class ShiftAssignment:
    """A volunteer rostered on one shift occurrence by one roster run.

    Attributes:
        id: Unique id.
        run_id: The roster run.
        volunteer_id: The volunteer.
        shift_id: The shift.
        start: The occurrence's start (aware).
        end: The occurrence's end (aware, after the start).
        assigned_at: When the run rostered them (aware).
    """

    id: str = attrs.field(validator=matching_id)
    run_id: str = attrs.field(validator=matching_id)
    volunteer_id: str = attrs.field(validator=matching_id)
    shift_id: str = attrs.field(validator=matching_id)
    start: datetime = attrs.field(converter=as_utc, validator=_aware)
    end: datetime = attrs.field(converter=as_utc, validator=_aware)
    assigned_at: datetime = attrs.field(converter=as_utc, validator=_aware)

    def __attrs_post_init__(self) -> None:
        """Require the end after the start."""
        if self.end <= self.start:
            raise MatchingInputError.of("matching.interval", "$.end")


def conflict(path: str = "$.id") -> ConflictError:
    """Return the error for a different record under a stored id.

    Args:
        path: The field path.

    Returns:
        The :class:`~volunteerkit.errors.ConflictError` (code ``matching.conflict``).
    """
    en, zh = text_of("matching.conflict")
    return ConflictError(en, zh, code="matching.conflict", path=path)


def unknown_reference(path: str) -> IntegrityError:
    """Return the error for a record that refers to an id the store does not hold.

    Args:
        path: The field path.

    Returns:
        The :class:`~volunteerkit.errors.IntegrityError` (code ``matching.unknown_reference``).
    """
    en, zh = text_of("matching.unknown_reference")
    return IntegrityError(en, zh, code="matching.unknown_reference", path=path)


@runtime_checkable
class MatchingStore(Protocol):
    """Storage contract of the matching part (``store.matching``)."""

    def put_project(self, project: Project) -> bool:
        """Insert or replace a project; return whether anything changed.

        A project with shifts keeps its zone (``MatchingInputError``, code
        ``matching.zone_mismatch``, path ``$.zone``): its shifts are expanded there.
        """
        ...

    def get_project(self, project_id: str) -> Project:
        """Return a project (:class:`~volunteerkit.matching.errors.MatchingNotFound` if absent)."""
        ...

    def projects(self) -> Iterator[Project]:
        """Stream every project, by id."""
        ...

    def put_slot(self, slot: Slot) -> bool:
        """Insert or replace a slot of a stored project; return whether anything changed."""
        ...

    def get_slot(self, slot_id: str) -> Slot:
        """Return a slot (``MatchingNotFound`` if absent)."""
        ...

    def slots(self, *, project_id: str | None = None) -> Iterator[Slot]:
        """Stream slots, by id, optionally of one project."""
        ...

    def put_shift(self, shift: Shift) -> bool:
        """Insert or replace a shift of a stored slot; return whether anything changed.

        The shift's zone must be its project's (``MatchingInputError``, code
        ``matching.zone_mismatch``, path ``$.zone``).
        """
        ...

    def get_shift(self, shift_id: str) -> Shift:
        """Return a shift (``MatchingNotFound`` if absent)."""
        ...

    def shifts(
        self, *, project_id: str | None = None, slot_id: str | None = None
    ) -> Iterator[Shift]:
        """Stream shifts, by id, optionally of one project and/or slot."""
        ...

    def add_role_assignments(self, items: Iterable[RoleAssignment]) -> int:
        """Append role assignments atomically; return how many were new."""
        ...

    def role_assignments(
        self,
        *,
        run_id: str | None = None,
        volunteer_id: str | None = None,
        slot_id: str | None = None,
    ) -> Iterator[RoleAssignment]:
        """Stream role assignments matching the filters, by id."""
        ...

    def add_shift_assignments(self, items: Iterable[ShiftAssignment]) -> int:
        """Append shift assignments atomically; return how many were new."""
        ...

    def shift_assignments(
        self,
        *,
        run_id: str | None = None,
        volunteer_id: str | None = None,
        shift_id: str | None = None,
    ) -> Iterator[ShiftAssignment]:
        """Stream shift assignments matching the filters, by (start, id)."""
        ...
