"""The matching repository on the memory backend."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

import attrs

from volunteerkit._serialization import unstructure
from volunteerkit._zones import same_zone
from volunteerkit.matching.errors import MatchingInputError, MatchingNotFound
from volunteerkit.matching.models import Project, Shift, Slot
from volunteerkit.matching.store import (
    RoleAssignment,
    ShiftAssignment,
    checked_filters,
    checked_items,
    checked_key,
    checked_record,
    conflict,
    unknown_reference,
)
from volunteerkit.stores._base import handed_out, require_open

if TYPE_CHECKING:
    from volunteerkit.stores.memory import MemoryStore

__all__ = ["MemoryMatchingRepository"]

T = TypeVar("T")
_ZH = {"project": "项目", "slot": "岗位", "shift": "班次"}


def _instants(record: Any) -> tuple[Any, ...]:
    """The record's fields with times as UTC instants.

    Two aware datetimes with the same ``tzinfo`` compare by wall time and ignore ``fold``, so
    01:30 EDT equals 01:30 EST under ``==``; the SQL stores compare the instants.
    """
    return tuple(
        v.astimezone(UTC) if isinstance(v, datetime) else v
        for v in attrs.astuple(record, recurse=False)
    )


class MemoryMatchingRepository:
    """:class:`~volunteerkit.matching.store.MatchingStore` kept in dicts."""

    def __init__(self, store: MemoryStore) -> None:
        self._store = store
        self._projects: dict[str, Project] = {}
        self._slots: dict[str, Slot] = {}
        self._shifts: dict[str, Shift] = {}
        self._roles: dict[str, RoleAssignment] = {}
        self._rostered: dict[str, ShiftAssignment] = {}

    def _put(self, table: dict[str, T], key: str, value: T) -> bool:
        old = table.get(key)
        # Compare what the SQL stores compare, the serialised record: ``==`` on models ignores
        # ``fold`` (and so an hour's change of a start on a fall-back day).
        if old is not None and unstructure(old) == unstructure(value):
            return False
        table[key] = value

        def undo() -> None:
            if old is None:
                del table[key]
            else:
                table[key] = old

        self._store.on_rollback(undo)
        return True

    def _get(self, table: dict[str, T], key: str, kind: str) -> T:
        path = f"$.{kind}_id"
        checked = checked_key(key, path)
        require_open(self._store)
        if checked not in table:  # no KeyError holding the id as context
            raise MatchingNotFound(
                f"{kind} not found", f"未找到{_ZH[kind]}", code="matching.not_found", path=path
            )
        return table[checked]

    def put_project(self, project: Project) -> bool:
        """Insert or replace a project (not into another zone while it has shifts)."""
        checked_record(project, Project)
        with self._store.transaction():
            known = self._projects.get(project.id)
            if (
                known is not None
                and not same_zone(known.zone, project.zone)
                and any(s.project_id == project.id for s in self._shifts.values())
            ):
                raise MatchingInputError.of("matching.zone_mismatch", "$.zone")
            return self._put(self._projects, project.id, project)

    def get_project(self, project_id: str) -> Project:
        """Return a project."""
        return self._get(self._projects, project_id, "project")

    def projects(self) -> Iterator[Project]:
        """Stream every project, by id."""
        return handed_out(self._store, [self._projects[k] for k in sorted(self._projects)])

    def put_slot(self, slot: Slot) -> bool:
        """Insert or replace a slot of a stored project."""
        checked_record(slot, Slot)
        with self._store.transaction():
            if slot.project_id not in self._projects:
                raise unknown_reference("$.project_id")
            return self._put(self._slots, slot.id, slot)

    def get_slot(self, slot_id: str) -> Slot:
        """Return a slot."""
        return self._get(self._slots, slot_id, "slot")

    def slots(self, *, project_id: str | None = None) -> Iterator[Slot]:
        """Stream slots, by id."""
        checked_filters(project_id=project_id)
        return handed_out(
            self._store,
            [
                self._slots[k]
                for k in sorted(self._slots)
                if project_id is None or self._slots[k].project_id == project_id
            ],
        )

    def put_shift(self, shift: Shift) -> bool:
        """Insert or replace a shift of a stored slot of the same project."""
        checked_record(shift, Shift)
        with self._store.transaction():
            slot = self._slots.get(shift.slot_id)
            if slot is None:
                raise unknown_reference("$.slot_id")
            if slot.project_id != shift.project_id:
                raise unknown_reference("$.project_id")
            if not same_zone(self._projects[shift.project_id].zone, shift.zone):
                raise MatchingInputError.of("matching.zone_mismatch", "$.zone")
            return self._put(self._shifts, shift.id, shift)

    def get_shift(self, shift_id: str) -> Shift:
        """Return a shift."""
        return self._get(self._shifts, shift_id, "shift")

    def shifts(
        self, *, project_id: str | None = None, slot_id: str | None = None
    ) -> Iterator[Shift]:
        """Stream shifts, by id."""
        checked_filters(project_id=project_id, slot_id=slot_id)
        return handed_out(
            self._store,
            [
                s
                for k in sorted(self._shifts)
                for s in (self._shifts[k],)
                if (project_id is None or s.project_id == project_id)
                and (slot_id is None or s.slot_id == slot_id)
            ],
        )

    def add_role_assignments(self, items: Iterable[RoleAssignment]) -> int:
        """Append role assignments atomically; identical replays are no-ops."""
        written = 0
        with self._store.transaction():
            for a in checked_items(items, RoleAssignment):
                if a.slot_id not in self._slots:
                    raise unknown_reference("$.slot_id")
                old = self._roles.get(a.id)
                if old is not None:
                    if _instants(old) != _instants(a):
                        raise conflict()
                    continue
                self._put(self._roles, a.id, a)
                written += 1
        return written

    def role_assignments(
        self,
        *,
        run_id: str | None = None,
        volunteer_id: str | None = None,
        slot_id: str | None = None,
    ) -> Iterator[RoleAssignment]:
        """Stream role assignments, by id."""
        checked_filters(run_id=run_id, volunteer_id=volunteer_id, slot_id=slot_id)
        return handed_out(
            self._store,
            [
                a
                for k in sorted(self._roles)
                for a in (self._roles[k],)
                if (run_id is None or a.run_id == run_id)
                and (volunteer_id is None or a.volunteer_id == volunteer_id)
                and (slot_id is None or a.slot_id == slot_id)
            ],
        )

    def add_shift_assignments(self, items: Iterable[ShiftAssignment]) -> int:
        """Append shift assignments atomically; identical replays are no-ops."""
        written = 0
        with self._store.transaction():
            for a in checked_items(items, ShiftAssignment):
                if a.shift_id not in self._shifts:
                    raise unknown_reference("$.shift_id")
                old = self._rostered.get(a.id)
                if old is not None:
                    if _instants(old) != _instants(a):
                        raise conflict()
                    continue
                self._put(self._rostered, a.id, a)
                written += 1
        return written

    def shift_assignments(
        self,
        *,
        run_id: str | None = None,
        volunteer_id: str | None = None,
        shift_id: str | None = None,
    ) -> Iterator[ShiftAssignment]:
        """Stream shift assignments, by (start, id)."""
        checked_filters(run_id=run_id, volunteer_id=volunteer_id, shift_id=shift_id)
        return handed_out(
            self._store,
            sorted(
                (
                    a
                    for a in self._rostered.values()
                    if (run_id is None or a.run_id == run_id)
                    and (volunteer_id is None or a.volunteer_id == volunteer_id)
                    and (shift_id is None or a.shift_id == shift_id)
                ),
                # by instant, as the SQL stores: ``<`` ignores ``fold`` within one zone
                key=lambda a: (a.start.astimezone(UTC), a.id),
            ),
        )
