"""The matching repository on the SQL backends (one implementation for SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any, TypeVar

from volunteerkit._serialization import dumps, loads, structure, unstructure
from volunteerkit._zones import same_zone
from volunteerkit.matching.errors import MatchingInputError, MatchingNotFound
from volunteerkit.matching.models import Project, Shift, Slot
from volunteerkit.matching.store import (
    RoleAssignment,
    ShiftAssignment,
    checked_filters,
    checked_key,
    checked_record,
    conflict,
    unknown_reference,
)
from volunteerkit.stores._base import SQLDatabase, unstorable_key

__all__ = ["SQLMatchingRepository"]

T = TypeVar("T")
_BATCH = 2000
_ROLE_COLS = "id, run_id, volunteer_id, slot_id, score, assigned_at"
_SHIFT_COLS = "id, run_id, volunteer_id, shift_id, start_at, end_at, assigned_at"


def _missing(kind: str) -> MatchingNotFound:
    return MatchingNotFound(
        f"{kind} not found", f"未找到{_ZH[kind]}", code="matching.not_found", path=f"$.{kind}_id"
    )


_ZH = {"project": "项目", "slot": "岗位", "shift": "班次"}


def _items(items: object) -> Iterator[object]:
    """Iterate a batch of assignments unchecked, refusing what is not a batch (``$``).

    Each item is checked where it is looked at, in input order with the rest of its checks,
    as on the memory store (see ``add_role_assignments``).
    """
    if isinstance(items, str | bytes) or not isinstance(items, Iterable):
        raise MatchingInputError.of("matching.invalid", "$")
    return iter(items)


class SQLMatchingRepository:
    """:class:`~volunteerkit.matching.store.MatchingStore` over a :class:`SQLDatabase`."""

    def __init__(self, db: SQLDatabase) -> None:
        self._db = db

    # configuration -------------------------------------------------------------------------
    def _put(self, table: str, record_id: str, keys: dict[str, str], record: Any) -> bool:
        data = dumps(unstructure(record))
        row = self._db.fetchone(f"SELECT data FROM {table} WHERE id = ?", (record_id,))
        if row is not None and row[0] == data:
            return False
        self._upsert(table, record_id, keys, data)
        return True

    def _upsert(self, table: str, record_id: str, keys: dict[str, str], data: str) -> None:
        cols = ["id", *keys, "data"]
        values = [record_id, *keys.values(), data]
        marks = ", ".join("?" for _ in cols)
        updates = ", ".join(f"{c} = excluded.{c}" for c in cols[1:])
        self._db.execute(
            f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({marks}) "
            f"ON CONFLICT (id) DO UPDATE SET {updates}",
            values,
        )

    def _get(self, table: str, record_id: str, cls: type[T], kind: str) -> T:
        # no record holds text a store cannot keep: see _base.unstorable_key
        if unstorable_key(checked_key(record_id, f"$.{kind}_id")):
            raise _missing(kind)
        row = self._db.fetchone(f"SELECT data FROM {table} WHERE id = ?", (record_id,))
        if row is None:
            raise _missing(kind)
        return structure(loads(row[0]), cls)

    def _stream(self, table: str, cls: type[T], filters: dict[str, str | None]) -> Iterator[T]:
        checked_filters(**filters)
        if any(unstorable_key(v) for v in filters.values()):
            return iter(())  # no record holds it: see _base.unstorable_key
        clauses = [f"{k} = ?" for k, v in filters.items() if v is not None]
        params = [v for v in filters.values() if v is not None]
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = self._db.stream(f"SELECT data FROM {table}{where} ORDER BY id", params)
        return (structure(loads(r[0]), cls) for r in rows)

    def _lock(self, mode: str) -> str:
        """Return ``FOR <mode>`` on PostgreSQL, nothing on SQLite (whose writers take turns).

        A shift is stored only in its project's zone, and a project with shifts keeps its zone.
        Under PostgreSQL's read committed, a project changing zone and a shift added to it in
        two transactions could each miss the other's write. So:

        * ``put_project``, unless the row already holds what it would write, reads the row
          ``FOR NO KEY UPDATE``: writers of one project take turns, and each decides whether it
          moves the project from the row as the previous one left it (a first insert that
          finds the row inserted meanwhile reads it so too);
        * when it moves the project, it then locks the row ``FOR UPDATE`` and looks for shifts;
        * ``put_shift`` reads the row ``FOR KEY SHARE`` before it compares the zones.

        ``FOR UPDATE`` and ``FOR KEY SHARE`` wait for each other, so a move and a shift are
        serialized; ``FOR NO KEY UPDATE`` and ``FOR KEY SHARE`` do not, so shifts are added
        while a project is rewritten in place. A transaction that added a shift to a project
        and then writes it, while another moves it, deadlocks; PostgreSQL reports it
        (``store.unavailable``) and the other goes on.
        """
        return f" FOR {mode}" if self._db.backend == "postgresql" else ""

    def put_project(self, project: Project) -> bool:
        """Insert or replace a project (see :class:`~volunteerkit.matching.store.MatchingStore`).

        A project with shifts keeps its zone: its shifts are expanded there.
        """
        checked_record(project, Project)
        read = "SELECT data FROM vk_matching_projects WHERE id = ?"
        locked = read + self._lock("NO KEY UPDATE")  # the same read on SQLite
        data = dumps(unstructure(project))
        with self._db.atomic():
            known = self._db.fetchone(read, (project.id,))
            if known is not None and known[0] == data:
                return False  # nothing to write: nothing to lock either
            if locked != read:  # the row as it is once no other writer of it is pending
                known = self._db.fetchone(locked, (project.id,))
            if known is None:
                if self._db.execute(
                    "INSERT INTO vk_matching_projects (id, organization_id, data) "
                    "VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING",
                    (project.id, project.organization_id, data),
                ):
                    return True
                known = self._db.fetchone(locked, (project.id,))  # inserted meanwhile
            if known is not None and known[0] == data:
                return False  # written so meanwhile
            moved = known is not None and not same_zone(
                structure(loads(known[0]), Project).zone, project.zone
            )
            if moved:  # the stronger lock first (PostgreSQL), then look for shifts
                if locked != read:
                    self._db.fetchone(
                        f"SELECT 1 FROM vk_matching_projects WHERE id = ?{self._lock('UPDATE')}",
                        (project.id,),
                    )
                if (
                    self._db.fetchone(
                        "SELECT 1 FROM vk_matching_shifts WHERE project_id = ? LIMIT 1",
                        (project.id,),
                    )
                    is not None
                ):
                    raise MatchingInputError.of("matching.zone_mismatch", "$.zone")
            self._upsert(
                "vk_matching_projects",
                project.id,
                {"organization_id": project.organization_id},
                data,
            )
            return True

    def get_project(self, project_id: str) -> Project:
        """Return a project."""
        return self._get("vk_matching_projects", project_id, Project, "project")

    def projects(self) -> Iterator[Project]:
        """Stream every project, by id."""
        return self._stream("vk_matching_projects", Project, {})

    def put_slot(self, slot: Slot) -> bool:
        """Insert or replace a slot of a stored project."""
        checked_record(slot, Slot)
        with self._db.atomic():
            if (
                self._db.fetchone(
                    "SELECT 1 FROM vk_matching_projects WHERE id = ?", (slot.project_id,)
                )
                is None
            ):
                raise unknown_reference("$.project_id")
            return self._put("vk_matching_slots", slot.id, {"project_id": slot.project_id}, slot)

    def get_slot(self, slot_id: str) -> Slot:
        """Return a slot."""
        return self._get("vk_matching_slots", slot_id, Slot, "slot")

    def slots(self, *, project_id: str | None = None) -> Iterator[Slot]:
        """Stream slots, by id."""
        return self._stream("vk_matching_slots", Slot, {"project_id": project_id})

    def put_shift(self, shift: Shift) -> bool:
        """Insert or replace a shift of a stored slot of the same project."""
        checked_record(shift, Shift)
        with self._db.atomic():
            row = self._db.fetchone(
                "SELECT project_id FROM vk_matching_slots WHERE id = ?", (shift.slot_id,)
            )
            if row is None:
                raise unknown_reference("$.slot_id")
            if row[0] != shift.project_id:
                raise unknown_reference("$.project_id")
            project = self._db.fetchone(
                f"SELECT data FROM vk_matching_projects WHERE id = ?{self._lock('KEY SHARE')}",
                (shift.project_id,),
            )
            if project is None:  # pragma: no cover - a stored slot's project is stored
                raise unknown_reference("$.project_id")
            if not same_zone(structure(loads(project[0]), Project).zone, shift.zone):
                raise MatchingInputError.of("matching.zone_mismatch", "$.zone")
            return self._put(
                "vk_matching_shifts",
                shift.id,
                {"project_id": shift.project_id, "slot_id": shift.slot_id},
                shift,
            )

    def get_shift(self, shift_id: str) -> Shift:
        """Return a shift."""
        return self._get("vk_matching_shifts", shift_id, Shift, "shift")

    def shifts(
        self, *, project_id: str | None = None, slot_id: str | None = None
    ) -> Iterator[Shift]:
        """Stream shifts, by id."""
        return self._stream(
            "vk_matching_shifts", Shift, {"project_id": project_id, "slot_id": slot_id}
        )

    # assignments ---------------------------------------------------------------------------
    def _role_row(self, a: RoleAssignment) -> tuple[Any, ...]:
        return (
            a.id,
            a.run_id,
            a.volunteer_id,
            a.slot_id,
            a.score,
            self._db.to_db_time(a.assigned_at),
        )

    def _role(self, r: tuple[Any, ...]) -> RoleAssignment:
        return RoleAssignment(
            id=r[0],
            run_id=r[1],
            volunteer_id=r[2],
            slot_id=r[3],
            score=int(r[4]),
            assigned_at=self._db.from_db_time(r[5]),
        )

    def _shift_row(self, a: ShiftAssignment) -> tuple[Any, ...]:
        t = self._db.to_db_time
        return (
            a.id,
            a.run_id,
            a.volunteer_id,
            a.shift_id,
            t(a.start),
            t(a.end),
            t(a.assigned_at),
        )

    def _shift(self, r: tuple[Any, ...]) -> ShiftAssignment:
        f = self._db.from_db_time
        return ShiftAssignment(
            id=r[0],
            run_id=r[1],
            volunteer_id=r[2],
            shift_id=r[3],
            start=f(r[4]),
            end=f(r[5]),
            assigned_at=f(r[6]),
        )

    def add_role_assignments(self, items: Iterable[RoleAssignment]) -> int:
        """Append role assignments atomically; identical replays are no-ops.

        Each record is checked in input order, as on the memory store: the first that is not a
        :class:`RoleAssignment` (``matching.invalid`` at ``$[i]``), names no stored slot
        (``matching.unknown_reference``) or clashes with a stored or earlier record
        (``matching.conflict``) refuses the batch.
        """
        written = 0
        iterator = _items(items)
        offset = 0
        with self._db.atomic():
            while batch := list(islice(iterator, _BATCH)):
                typed = [a for a in batch if isinstance(a, RoleAssignment)]
                known = self._known("vk_matching_slots", {a.slot_id for a in typed})
                seen: dict[str, RoleAssignment | None] = {}  # None: not stored
                for i, item in enumerate(batch):
                    a = checked_record(item, RoleAssignment, f"$[{offset + i}]")
                    if a.slot_id not in known:
                        raise unknown_reference("$.slot_id")
                    if a.id not in seen:
                        row = self._db.fetchone(
                            f"SELECT {_ROLE_COLS} FROM vk_matching_role_assignments WHERE id = ?",
                            (a.id,),
                        )
                        seen[a.id] = None if row is None else self._role(row)
                    old = seen[a.id]
                    if old is not None:
                        if old != a:
                            raise conflict()
                        continue
                    self._db.execute(
                        f"INSERT INTO vk_matching_role_assignments ({_ROLE_COLS}) "
                        "VALUES (?, ?, ?, ?, ?, ?)",
                        self._role_row(a),
                    )
                    seen[a.id] = a
                    written += 1
                offset += len(batch)
        return written

    def _known(self, table: str, ids: set[str]) -> set[str]:
        """The ``ids`` that ``table`` holds."""
        return {
            i
            for i in sorted(ids)
            if self._db.fetchone(f"SELECT 1 FROM {table} WHERE id = ?", (i,)) is not None
        }

    def role_assignments(
        self,
        *,
        run_id: str | None = None,
        volunteer_id: str | None = None,
        slot_id: str | None = None,
    ) -> Iterator[RoleAssignment]:
        """Stream role assignments, by id."""
        filters = {"run_id": run_id, "volunteer_id": volunteer_id, "slot_id": slot_id}
        checked_filters(**filters)
        if any(unstorable_key(v) for v in filters.values()):
            return iter(())  # no assignment holds it: see _base.unstorable_key
        clauses = [f"{k} = ?" for k, v in filters.items() if v is not None]
        params = [v for v in filters.values() if v is not None]
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = self._db.stream(
            f"SELECT {_ROLE_COLS} FROM vk_matching_role_assignments{where} ORDER BY id", params
        )
        return (self._role(r) for r in rows)

    def add_shift_assignments(self, items: Iterable[ShiftAssignment]) -> int:
        """Append shift assignments atomically; identical replays are no-ops.

        Checked in input order, as :meth:`add_role_assignments`.
        """
        written = 0
        iterator = _items(items)
        offset = 0
        with self._db.atomic():
            while batch := list(islice(iterator, _BATCH)):
                typed = [a for a in batch if isinstance(a, ShiftAssignment)]
                known = self._known("vk_matching_shifts", {a.shift_id for a in typed})
                seen: dict[str, ShiftAssignment | None] = {}  # None: not stored
                for i, item in enumerate(batch):
                    a = checked_record(item, ShiftAssignment, f"$[{offset + i}]")
                    if a.shift_id not in known:
                        raise unknown_reference("$.shift_id")
                    if a.id not in seen:
                        row = self._db.fetchone(
                            f"SELECT {_SHIFT_COLS} FROM vk_matching_shift_assignments WHERE id = ?",
                            (a.id,),
                        )
                        seen[a.id] = None if row is None else self._shift(row)
                    old = seen[a.id]
                    if old is not None:
                        if old != a:
                            raise conflict()
                        continue
                    self._db.execute(
                        f"INSERT INTO vk_matching_shift_assignments ({_SHIFT_COLS}) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?)",
                        self._shift_row(a),
                    )
                    seen[a.id] = a
                    written += 1
                offset += len(batch)
        return written

    def shift_assignments(
        self,
        *,
        run_id: str | None = None,
        volunteer_id: str | None = None,
        shift_id: str | None = None,
    ) -> Iterator[ShiftAssignment]:
        """Stream shift assignments, by (start, id)."""
        filters = {"run_id": run_id, "volunteer_id": volunteer_id, "shift_id": shift_id}
        checked_filters(**filters)
        if any(unstorable_key(v) for v in filters.values()):
            return iter(())  # no assignment holds it: see _base.unstorable_key
        clauses = [f"{k} = ?" for k, v in filters.items() if v is not None]
        params = [v for v in filters.values() if v is not None]
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = self._db.stream(
            f"SELECT {_SHIFT_COLS} FROM vk_matching_shift_assignments{where} ORDER BY start_at, id",
            params,
        )
        return (self._shift(r) for r in rows)
