"""The hours ledger on the memory backend: the same rows as the SQL backends, in dicts and lists."""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from volunteerkit._clock import require_aware
from volunteerkit.errors import IntegrityError, NotFoundError
from volunteerkit.hours.models import Corrected, EntryId, EventId, LedgerEvent, ServiceEntry
from volunteerkit.hours.store import (
    CreditClose,
    CreditRow,
    GroupKey,
    MinutesRow,
    Query,
    group_sort_key,
)
from volunteerkit.stores._sql_hours import (
    checked_key,
    checked_keys,
    entry_conflict,
    event_conflict,
    group_key,
    setting_conflict,
)

if TYPE_CHECKING:
    from volunteerkit.stores.memory import MemoryStore

__all__ = ["MemoryLedgerRepository"]


def _group_value(row: CreditRow, key: GroupKey) -> str | int | None:
    if key is GroupKey.VOLUNTEER:
        return row.volunteer_id
    if key is GroupKey.ORGANIZATION:
        return row.organization_id
    if key is GroupKey.REGION:
        return row.region
    if key is GroupKey.CATEGORY:
        return row.category
    if key is GroupKey.MONTH:
        return row.local_date // 100
    return row.local_date


class MemoryLedgerRepository:
    """:class:`~volunteerkit.hours.store.LedgerRepository` kept in memory."""

    def __init__(self, store: MemoryStore) -> None:
        self._store = store
        self._entries: dict[EntryId, ServiceEntry] = {}
        self._entries_of: dict[str, list[EntryId]] = {}
        self._events: dict[EventId, LedgerEvent] = {}
        self._events_of_entry: dict[EntryId, list[EventId]] = {}
        self._credit: dict[str, list[CreditRow]] = {}
        self._settings: dict[str, str] = {}

    # ----------------------------------------------------------------------------- records

    def add_entries(self, entries: Sequence[ServiceEntry]) -> int:
        """Append entries (see :meth:`volunteerkit.hours.store.LedgerRepository.add_entries`)."""
        pending: dict[EntryId, ServiceEntry] = {}
        for i, entry in enumerate(entries):
            known = pending.get(entry.id) or self._entries.get(entry.id)
            if known is not None:
                if known != entry:
                    raise entry_conflict(f"$.entries[{i}].id")
                continue
            pending[entry.id] = entry
        with self._store.transaction():
            for entry in pending.values():
                self._entries[entry.id] = entry
                self._entries_of.setdefault(entry.volunteer_id, []).append(entry.id)
                self._store.on_rollback(functools.partial(self._drop_entry, entry))
        return len(pending)

    def _drop_entry(self, entry: ServiceEntry) -> None:
        del self._entries[entry.id]
        self._entries_of[entry.volunteer_id].remove(entry.id)

    def add_events(self, events: Sequence[LedgerEvent]) -> int:
        """Append events (see :meth:`volunteerkit.hours.store.LedgerRepository.add_events`)."""
        pending: dict[EventId, LedgerEvent] = {}
        for i, event in enumerate(events):
            known = pending.get(event.id) or self._events.get(event.id)
            if known is not None:
                if known != event:
                    raise event_conflict(f"$.events[{i}].id")
                continue
            if event.entry_id not in self._entries:
                raise NotFoundError(
                    "no such service entry",
                    "没有该服务记录",
                    code="hours.unknown_entry",
                    path="$.entry_id",
                )
            pending[event.id] = event
        with self._store.transaction():
            for event in pending.values():
                self._events[event.id] = event
                self._events_of_entry.setdefault(event.entry_id, []).append(event.id)
                self._store.on_rollback(functools.partial(self._drop_event, event))
        return len(pending)

    def _drop_event(self, event: LedgerEvent) -> None:
        del self._events[event.id]
        self._events_of_entry[event.entry_id].remove(event.id)

    def get_entries(self, entry_ids: Collection[EntryId]) -> dict[EntryId, ServiceEntry]:
        """Return stored entries by id (see the protocol)."""
        return {i: self._entries[i] for i in entry_ids if i in self._entries}

    def entry_events(self, entry_id: EntryId) -> list[LedgerEvent]:
        """Return one entry's events by ``(at, id)`` (see the protocol)."""
        found = [self._events[i] for i in self._events_of_entry.get(entry_id, [])]
        return sorted(found, key=lambda e: (e.at, e.id))

    def events_of(self, entry_ids: Collection[EntryId]) -> dict[EntryId, list[LedgerEvent]]:
        """Return each entry's events by ``(at, id)`` (see the protocol)."""
        return {i: found for i in set(entry_ids) if (found := self.entry_events(i))}

    def latest_change(self, volunteer_ids: Collection[str]) -> dict[str, datetime]:
        """Return each volunteer's latest record instant (see the protocol)."""
        result: dict[str, datetime] = {}
        for vid in set(checked_keys(volunteer_ids, "$.volunteer_ids")):
            ids = self._entries_of.get(vid)
            if not ids:
                continue
            points = [self._entries[i].recorded_at for i in ids]
            points += [self._events[x].at for i in ids for x in self._events_of_entry.get(i, [])]
            result[vid] = max(points)
        return result

    def records_of(
        self, volunteer_ids: Collection[str]
    ) -> dict[str, tuple[list[ServiceEntry], list[LedgerEvent]]]:
        """Return each volunteer's entries and events (see the protocol)."""
        result: dict[str, tuple[list[ServiceEntry], list[LedgerEvent]]] = {}
        for vid in sorted(set(volunteer_ids)):
            ids = self._entries_of.get(vid)
            if not ids:
                continue
            entries = sorted((self._entries[i] for i in ids), key=lambda e: e.id)
            events = sorted(
                (self._events[x] for i in ids for x in self._events_of_entry.get(i, [])),
                key=lambda e: (e.at, e.id),
            )
            result[vid] = (entries, events)
        return result

    def isolated(self, entry_ids: Collection[EntryId]) -> set[EntryId]:
        """Return the isolated entries among ``entry_ids`` (see the protocol)."""
        found: set[EntryId] = set()
        for eid in set(entry_ids):
            entry = self._entries.get(eid)
            if entry is None:
                continue
            others = self._entries_of.get(entry.volunteer_id, [])
            if any(
                isinstance(self._events[x], Corrected)
                for i in others
                for x in self._events_of_entry.get(i, [])
            ):
                continue
            if not any(
                i != eid
                and self._entries[i].start < entry.end
                and self._entries[i].end > entry.start
                for i in others
            ):
                found.add(eid)
        return found

    def volunteers(self) -> list[str]:
        """Return every volunteer with an entry, sorted."""
        return sorted(v for v, ids in self._entries_of.items() if ids)

    def count_entries(self) -> int:
        """Return how many entries are stored."""
        return len(self._entries)

    def count_events(self) -> int:
        """Return how many events are stored."""
        return len(self._events)

    # ----------------------------------------------------------------------------- credit

    def open_credit(self, volunteer_ids: Collection[str]) -> dict[str, list[CreditRow]]:
        """Return each volunteer's open credit rows (see the protocol)."""
        result: dict[str, list[CreditRow]] = {}
        for vid in set(checked_keys(volunteer_ids, "$.volunteer_ids")):
            rows = [r for r in self._credit.get(vid, []) if r.valid_to is None]
            if rows:
                result[vid] = rows
        return result

    def credit_history(self, volunteer_id: str) -> list[CreditRow]:
        """Return every credit row of a volunteer (see the protocol)."""
        return sorted(
            self._credit.get(checked_key(volunteer_id, "$.volunteer_id"), []),
            key=lambda c: (c.local_date, c.entry_id, c.valid_from),
        )

    def _set_rows(self, volunteer_id: str, rows: list[CreditRow]) -> None:
        before = self._credit.get(volunteer_id)
        self._credit[volunteer_id] = rows

        def undo() -> None:
            if before is None:
                self._credit.pop(volunteer_id, None)
            else:
                self._credit[volunteer_id] = before

        self._store.on_rollback(undo)

    def write_credit(self, closes: Iterable[CreditClose], rows: Iterable[CreditRow]) -> None:
        """Close open rows and append new ones (see the protocol)."""
        updated: dict[str, list[CreditRow]] = {}
        for close in closes:
            current = updated.get(close.volunteer_id)
            if current is None:
                current = updated[close.volunteer_id] = list(
                    self._credit.get(close.volunteer_id, [])
                )
            for i, row in enumerate(current):
                if (
                    row.valid_to is None
                    and row.entry_id == close.entry_id
                    and row.local_date == close.local_date
                ):
                    if close.valid_to < row.valid_from:
                        raise IntegrityError(
                            "a credit row cannot end before it starts",
                            "计时行的结束不能早于开始",
                            code="store.integrity",
                        )
                    current[i] = _closed(row, close.valid_to)
                    break
            else:
                raise IntegrityError(
                    "a credit row to close is not open",
                    "要关闭的计时行不处于有效状态",
                    code="hours.credit_not_open",
                )
        for row in rows:
            require_aware(row.valid_from, "$.valid_from")
            current = updated.get(row.volunteer_id)
            if current is None:
                current = updated[row.volunteer_id] = list(self._credit.get(row.volunteer_id, []))
            current.append(row)
        with self._store.transaction():
            for vid, new_rows in updated.items():
                self._set_rows(vid, new_rows)

    def truncate_credit(self, volunteer_id: str, since: datetime) -> None:
        """Shrink a volunteer's rows valid at or after ``since`` (see the protocol)."""
        checked_key(volunteer_id, "$.volunteer_id")
        require_aware(since, "$.since")  # the SQL stores refuse a naive instant too
        rows = self._credit.get(volunteer_id)
        if not rows:
            return
        new_rows = [
            _closed(r, max(r.valid_from, since))
            if r.valid_to is None or r.valid_to > since
            else r
            for r in rows
        ]
        with self._store.transaction():
            self._set_rows(volunteer_id, new_rows)

    def _selected(self, query: Query) -> Iterable[CreditRow]:
        as_of = require_aware(query.as_of, "$.as_of")
        if query.volunteer_id is not None:
            pools: Iterable[list[CreditRow]] = [self._credit.get(query.volunteer_id, [])]
        else:
            pools = self._credit.values()
        for rows in pools:
            for r in rows:
                if not r.valid_at(as_of):
                    continue
                if query.first is not None and r.local_date < query.first:
                    continue
                if query.last is not None and r.local_date > query.last:
                    continue
                if query.organization_id is not None and r.organization_id != query.organization_id:
                    continue
                if query.region is not None and r.region != query.region:
                    continue
                if query.category is not None and r.category != query.category:
                    continue
                yield r

    def sum_credit(self, query: Query, group_by: Sequence[GroupKey]) -> list[MinutesRow]:
        """Sum the selected credit rows, grouped (see the protocol)."""
        keys = [GroupKey(g) for g in group_by]
        sums: dict[tuple[str | int | None, ...], list[int]] = defaultdict(lambda: [0, 0, 0])
        for r in self._selected(query):
            acc = sums[tuple(_group_value(r, k) for k in keys)]
            acc[0] += r.raw_minutes
            acc[1] += r.credited_minutes
            acc[2] += r.weighted_micro
        out = [
            MinutesRow(
                key=group_key(keys, raw_key),
                raw_minutes=raw,
                credited_minutes=credited,
                weighted_micro=weighted,
            )
            for raw_key, (raw, credited, weighted) in sums.items()
        ]
        out.sort(key=lambda r: group_sort_key(r.key))
        return out

    def count_active(
        self, query: Query, group_by: Sequence[GroupKey]
    ) -> list[tuple[tuple[str | None, ...], int]]:
        """Count distinct volunteers with credit, grouped (see the protocol)."""
        keys = [GroupKey(g) for g in group_by]
        seen: dict[tuple[str | int | None, ...], set[str]] = defaultdict(set)
        for r in self._selected(query):
            if r.credited_minutes > 0:
                seen[tuple(_group_value(r, k) for k in keys)].add(r.volunteer_id)
        out = [(group_key(keys, raw_key), len(vs)) for raw_key, vs in seen.items()]
        out.sort(key=lambda r: group_sort_key(r[0]))
        return out

    # ----------------------------------------------------------------------------- settings

    def _drop_setting(self, name: str) -> None:
        self._settings.pop(name, None)

    def get_setting(self, name: str) -> str | None:
        """Return a stored setting (see the protocol)."""
        return self._settings.get(checked_key(name, "$.name"))

    def put_setting(self, name: str, value: str) -> None:
        """Store a setting once (see the protocol)."""
        checked_key(name, "$.name")
        checked_key(value, "$.value")
        stored = self._settings.get(name)
        if stored is None:
            with self._store.transaction():
                self._settings[name] = value
                self._store.on_rollback(functools.partial(self._drop_setting, name))
        elif stored != value:
            raise setting_conflict(name)


def _closed(row: CreditRow, valid_to: datetime) -> CreditRow:
    return CreditRow(
        volunteer_id=row.volunteer_id,
        entry_id=row.entry_id,
        organization_id=row.organization_id,
        category=row.category,
        region=row.region,
        local_date=row.local_date,
        raw_minutes=row.raw_minutes,
        credited_minutes=row.credited_minutes,
        weighted_micro=row.weighted_micro,
        valid_from=row.valid_from,
        valid_to=valid_to,
    )
