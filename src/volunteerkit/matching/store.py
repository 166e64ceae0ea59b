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
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

import attrs

from volunteerkit._clock import as_utc, require_instant
from volunteerkit.errors import ConflictError, IntegrityError
from volunteerkit.matching.errors import MatchingInputError, text_of
from volunteerkit.matching.models import Project, Shift, Slot, matching_id

__all__ = [
    "MatchingStore",
    "RoleAssignment",
    "ShiftAssignment",
    "conflict",
    "unknown_reference",
]


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
