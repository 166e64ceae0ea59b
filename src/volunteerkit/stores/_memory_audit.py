"""The audit log on the memory backend."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING

import attrs

from volunteerkit._clock import require_aware
from volunteerkit.audit import (
    AuditEntry,
    check_entries,
    check_entry,
    check_filters,
    check_id,
    check_limit,
)
from volunteerkit.errors import ConflictError, NotFoundError
from volunteerkit.stores._base import handed_out

if TYPE_CHECKING:
    from volunteerkit.stores.memory import MemoryStore

__all__ = ["MemoryAuditLog"]


def _detached(entry: AuditEntry) -> AuditEntry:
    """Return ``entry`` with its own copy of ``details`` (the one mutable field).

    The log is append-only: neither the caller's entry nor one handed out may change what is
    stored, as on the SQL backends, which keep a copy by nature.
    """
    return attrs.evolve(entry, details=dict(entry.details))


class MemoryAuditLog:
    """:class:`~volunteerkit.audit.AuditLog` kept in a dict, with an index by subject."""

    def __init__(self, store: MemoryStore) -> None:
        self._store = store
        self._entries: dict[str, AuditEntry] = {}
        self._by_subject: dict[tuple[str, str], list[str]] = {}

    def append(self, entry: AuditEntry) -> bool:
        """Append one entry (see :meth:`volunteerkit.audit.AuditLog.append`)."""
        return self.append_many([check_entry(entry, "$.entry")]) == 1

    def append_many(self, entries: Iterable[AuditEntry]) -> int:
        """Append entries atomically (see :meth:`volunteerkit.audit.AuditLog.append_many`)."""
        written = 0
        checked = check_entries(entries)  # typed errors, not TypeError, for what is not an entry
        with self._store.transaction():
            for entry in checked:
                stored = self._entries.get(entry.id)
                if stored is not None:
                    if stored != entry:
                        raise ConflictError(
                            "a different audit entry with this id is already stored",
                            "已存在相同标识但内容不同的审计记录",
                            code="audit.conflict",
                            path="$.id",
                        )
                    continue
                self._add(_detached(entry))
                written += 1
        return written

    def _add(self, entry: AuditEntry) -> None:
        key = (entry.subject_type, entry.subject_id)
        self._entries[entry.id] = entry
        self._by_subject.setdefault(key, []).append(entry.id)

        def undo() -> None:
            del self._entries[entry.id]
            self._by_subject[key].remove(entry.id)

        self._store.on_rollback(undo)

    def get(self, entry_id: str) -> AuditEntry:
        """Return one entry (see :meth:`volunteerkit.audit.AuditLog.get`)."""
        entry = self._entries.get(check_id(entry_id))  # no KeyError holding the id as context
        if entry is None:
            raise NotFoundError("audit entry not found", "未找到审计记录", code="audit.not_found")
        return _detached(entry)

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
        if since is not None:
            require_aware(since, "$.since")
        if until is not None:
            require_aware(until, "$.until")
        if subject_type is not None and subject_id is not None:
            candidates: Iterable[AuditEntry] = [
                self._entries[i] for i in self._by_subject.get((subject_type, subject_id), [])
            ]
        else:
            candidates = list(self._entries.values())
        matching = sorted(
            (
                e
                for e in candidates
                if (subject_type is None or e.subject_type == subject_type)
                and (subject_id is None or e.subject_id == subject_id)
                and (actor is None or e.actor == actor)
                and (action is None or e.action == action)
                and (since is None or e.at >= since)
                and (until is None or e.at < until)
            ),
            key=lambda e: (e.at, e.id),
        )
        chosen = matching if limit is None else matching[:limit]
        return self._handed_out(chosen)

    def _handed_out(self, chosen: list[AuditEntry]) -> Iterator[AuditEntry]:
        """Yield copies of ``chosen``; once the store is closed, refuse the rest (as SQL does)."""
        for entry in handed_out(self._store, chosen):
            yield _detached(entry)

    def count(self) -> int:
        """Return how many entries are stored."""
        return len(self._entries)
