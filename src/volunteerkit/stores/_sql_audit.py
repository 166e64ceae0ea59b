"""The audit log on the SQL backends (one implementation for SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from itertools import islice
from typing import Any

from volunteerkit._clock import require_aware
from volunteerkit._serialization import dumps, loads
from volunteerkit.audit import (
    AuditEntry,
    check_entries,
    check_entry,
    check_filters,
    check_id,
    check_limit,
)
from volunteerkit.errors import ConflictError, NotFoundError
from volunteerkit.stores._base import SQLDatabase, unstorable_key

__all__ = ["SQLAuditLog"]

_COLUMNS = "id, at, actor, action, subject_type, subject_id, reason, details"
_INSERT = (
    f"INSERT INTO vk_audit_log ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (id) DO NOTHING"
)
_BATCH = 5000


def _conflict(entry_id: str) -> ConflictError:
    return ConflictError(
        "a different audit entry with this id is already stored",
        "已存在相同标识但内容不同的审计记录",
        code="audit.conflict",
        path="$.id",
    )


class SQLAuditLog:
    """:class:`~volunteerkit.audit.AuditLog` over a :class:`SQLDatabase`."""

    def __init__(self, db: SQLDatabase) -> None:
        self._db = db

    def _row(self, e: AuditEntry) -> tuple[Any, ...]:
        return (
            e.id,
            self._db.to_db_time(e.at),
            e.actor,
            e.action,
            e.subject_type,
            e.subject_id,
            e.reason,
            dumps(e.details) if e.details else "{}",
        )

    def _entry(self, row: tuple[Any, ...]) -> AuditEntry:
        return AuditEntry(
            id=row[0],
            at=self._db.from_db_time(row[1]),
            actor=row[2],
            action=row[3],
            subject_type=row[4],
            subject_id=row[5],
            reason=row[6],
            details=loads(row[7]),
        )

    def append(self, entry: AuditEntry) -> bool:
        """Append one entry (see :meth:`volunteerkit.audit.AuditLog.append`)."""
        return self.append_many([check_entry(entry, "$.entry")]) == 1

    def append_many(self, entries: Iterable[AuditEntry]) -> int:
        """Append entries atomically (see :meth:`volunteerkit.audit.AuditLog.append_many`)."""
        written = 0
        iterator = check_entries(entries)
        with self._db.atomic():
            while batch := list(islice(iterator, _BATCH)):
                changed = self._db.executemany(_INSERT, [self._row(e) for e in batch])
                if changed != len(batch):
                    self._check_replays(batch)
                written += changed
        return written

    def _check_replays(self, batch: list[AuditEntry]) -> None:
        """Some rows of ``batch`` already existed: each must equal the stored entry."""
        seen: dict[str, AuditEntry] = {}
        for entry in batch:
            if entry.id in seen:
                if seen[entry.id] != entry:
                    raise _conflict(entry.id)
                continue
            seen[entry.id] = entry
            if self.get(entry.id) != entry:
                raise _conflict(entry.id)

    def get(self, entry_id: str) -> AuditEntry:
        """Return one entry (see :meth:`volunteerkit.audit.AuditLog.get`)."""
        # No entry holds text a store cannot keep (NUL, a lone surrogate): not found, as on the
        # memory store, without sending it to a database that would refuse it (see _base).
        check_id(entry_id)
        row = (
            None
            if unstorable_key(entry_id)
            else self._db.fetchone(f"SELECT {_COLUMNS} FROM vk_audit_log WHERE id = ?", (entry_id,))
        )
        if row is None:
            raise NotFoundError("audit entry not found", "未找到审计记录", code="audit.not_found")
        return self._entry(row)

    def query(
        self,
        *,
        subject_type: str | None = None,
        subject_id: str | None = None,
        actor: str | None = None,
        action: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int | None = None,
    ) -> Iterator[AuditEntry]:
        """Stream matching entries (see :meth:`volunteerkit.audit.AuditLog.query`)."""
        limit = check_limit(limit)
        check_filters(
            subject_type=subject_type, subject_id=subject_id, actor=actor, action=action
        )
        clauses: list[str] = []
        params: list[Any] = []
        for column, value in (
            ("subject_type", subject_type),
            ("subject_id", subject_id),
            ("actor", actor),
            ("action", action),
        ):
            if value is not None:
                clauses.append(f"{column} = ?")
                params.append(value)
        if since is not None:
            clauses.append("at >= ?")
            params.append(self._db.to_db_time(require_aware(since, "$.since")))
        if until is not None:
            clauses.append("at < ?")
            params.append(self._db.to_db_time(require_aware(until, "$.until")))
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        tail = ""
        if limit is not None:
            tail = " LIMIT ?"
            params.append(limit)
        if any(unstorable_key(v) for v in (subject_type, subject_id, actor, action)):
            return iter(())  # no entry holds such text (see get)
        sql = f"SELECT {_COLUMNS} FROM vk_audit_log{where} ORDER BY at, id{tail}"
        return (self._entry(row) for row in self._db.stream(sql, params))

    def count(self) -> int:
        """Return how many entries are stored."""
        row = self._db.fetchone("SELECT COUNT(*) FROM vk_audit_log")
        return int(row[0]) if row else 0
