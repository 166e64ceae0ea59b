"""The hours ledger on the SQL backends (one implementation for SQLite and PostgreSQL).

Bulk writes go through :meth:`SQLDatabase.copy_rows` (``executemany`` on SQLite, binary ``COPY`` on
PostgreSQL) with rows built as plain tuples. Replays are found with one ``IN`` query per chunk of
ids before the copy, so a replayed batch writes nothing and a clash writes nothing either.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any, TypeVar, cast
from zoneinfo import ZoneInfo

from volunteerkit._clock import require_aware
from volunteerkit._unchecked import builder
from volunteerkit.errors import ConflictError, IntegrityError, NotFoundError
from volunteerkit.hours.errors import HoursInputError
from volunteerkit.hours.models import (
    Approved,
    Corrected,
    CorrectionKind,
    EntryId,
    EventId,
    LedgerEvent,
    Rejected,
    ServiceEntry,
    Source,
    Status,
    Voided,
    event_type,
)
from volunteerkit.hours.store import (
    CreditClose,
    CreditRow,
    GroupKey,
    MinutesRow,
    Query,
    day_text,
    group_sort_key,
    month_text,
)
from volunteerkit.stores._base import SQLDatabase, unstorable_key
from volunteerkit.stores._sql_hours_direct import SQLDirectApprovals

__all__ = [
    "SQLLedgerRepository",
    "checked_key",
    "checked_keys",
    "credit_row",
    "entry_conflict",
    "entry_row",
    "event_conflict",
    "event_row",
    "group_key",
    "setting_conflict",
]

ENTRY_COLUMNS = (
    "id",
    "volunteer_id",
    "organization_id",
    "activity_id",
    "category",
    "start_at",
    "end_at",
    "zone",
    "break_minutes",
    "travel_minutes",
    "source",
    "initial_status",
    "recorded_by",
    "recorded_at",
    "note",
)
EVENT_COLUMNS = (
    "id",
    "entry_id",
    "volunteer_id",
    "type",
    "actor",
    "at",
    "reason",
    "kind",
    "start_at",
    "end_at",
    "break_minutes",
)
CREDIT_COLUMNS = (
    "volunteer_id",
    "local_date",
    "valid_from",
    "valid_to",
    "raw_minutes",
    "credited_minutes",
    "weighted_micro",
    "entry_id",
    "organization_id",
    "category",
    "region",
)
_ENTRY_SELECT = f"SELECT {', '.join(ENTRY_COLUMNS)} FROM vk_hours_entries"
_EVENT_SELECT = f"SELECT {', '.join(EVENT_COLUMNS)} FROM vk_hours_events"
_CREDIT_SELECT = f"SELECT {', '.join(CREDIT_COLUMNS)} FROM vk_hours_credit"
_MAX_CHUNK = 5000
_WRITER_TURN = 0x766B_6877  # "vkhw": with the schema's hash, the key of the ledger writers' lock
_T = TypeVar("_T")
_I = TypeVar("_I", EntryId, EventId)
_GROUP_SQL = {
    GroupKey.VOLUNTEER: "volunteer_id",
    GroupKey.ORGANIZATION: "organization_id",
    GroupKey.REGION: "region",
    GroupKey.CATEGORY: "category",
    GroupKey.MONTH: "local_date / 100",
    GroupKey.DAY: "local_date",
}
_EVENT_CLASSES: dict[str, type[LedgerEvent]] = {
    "approved": Approved,
    "rejected": Rejected,
    "voided": Voided,
    "corrected": Corrected,
}


_ENTRY_FIELDS = (
    "id",
    "volunteer_id",
    "organization_id",
    "activity_id",
    "category",
    "start",
    "end",
    "zone",
    "break_minutes",
    "travel_minutes",
    "source",
    "initial_status",
    "recorded_by",
    "recorded_at",
    "note",
)
_EVENT_FIELDS = ("id", "entry_id", "actor", "at", "reason")
_CORRECTED_FIELDS = (*_EVENT_FIELDS, "kind", "start", "end", "break_minutes")
_SOURCES = {s.value: s for s in Source}
_STATUSES = {s.value: s for s in Status}


# Rows read back were built from valid models and are never updated (the schema's triggers refuse
# it): every value is already what the validators and converters would produce (UTC datetimes,
# parsed ids, enum members), so they are rebuilt without them.
_entry_of = builder(ServiceEntry, _ENTRY_FIELDS)
_event_of = {
    cls: builder(cls, _CORRECTED_FIELDS if cls is Corrected else _EVENT_FIELDS)
    for cls in _EVENT_CLASSES.values()
}
_id_of: dict[type[Any], Callable[..., Any]] = {
    cls: builder(cls, ("origin", "local_id")) for cls in (EntryId, EventId)
}


def _stored_id(cls: type[_I], text: str) -> _I:
    """Rebuild a stored id (``origin:local_id``, validated when written)."""
    origin, local_id = text.split(":", 1)
    return cast(_I, _id_of[cls](origin, local_id))


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _marks(n: int) -> str:
    return ", ".join("?" * n)


def entry_row(db: SQLDatabase, e: ServiceEntry, key: str | None = None) -> tuple[Any, ...]:
    """Return the stored row of an entry, in :data:`ENTRY_COLUMNS` order.

    Args:
        db: The database (for its time conversion).
        e: The entry.
        key: ``str(e.id)``, if the caller has it already.

    Returns:
        The row.
    """
    t = db.checked_time  # the entry's times are aware: ServiceEntry converts them to UTC
    return (
        str(e.id) if key is None else key,
        e.volunteer_id,
        e.organization_id,
        e.activity_id,
        e.category,
        t(e.start),
        t(e.end),
        e.zone.key,
        e.break_minutes,
        e.travel_minutes,
        # _value_ is the member's value (enum's documented attribute) without the ``value``
        # property, which costs more than the rest of the row on Python 3.11
        e.source._value_,
        e.initial_status._value_,
        e.recorded_by,
        t(e.recorded_at),
        e.note,
    )


def event_row(db: SQLDatabase, ev: LedgerEvent, volunteer_id: str) -> tuple[Any, ...]:
    """Return the stored row of an event, in :data:`EVENT_COLUMNS` order.

    Args:
        db: The database (for its time conversion).
        ev: The event.
        volunteer_id: The volunteer of the entry it refers to.

    Returns:
        The row.
    """
    t = db.to_db_time
    kind = start = end = brk = None
    if isinstance(ev, Corrected):
        kind = ev.kind.value
        start = None if ev.start is None else t(ev.start)
        end = None if ev.end is None else t(ev.end)
        brk = ev.break_minutes
    return (
        str(ev.id),
        str(ev.entry_id),
        volunteer_id,
        event_type(ev),
        ev.actor,
        t(ev.at),
        ev.reason,
        kind,
        start,
        end,
        brk,
    )


def credit_row(db: SQLDatabase, r: CreditRow) -> tuple[Any, ...]:
    """Return the stored row of a credit row, in :data:`CREDIT_COLUMNS` order.

    Args:
        db: The database (for its time conversion).
        r: The credit row.

    Returns:
        The row.
    """
    return (
        r.volunteer_id,
        r.local_date,
        db.to_db_time(r.valid_from),
        None if r.valid_to is None else db.to_db_time(r.valid_to),
        r.raw_minutes,
        r.credited_minutes,
        r.weighted_micro,
        str(r.entry_id),
        r.organization_id,
        r.category,
        r.region,
    )


class SQLLedgerRepository(SQLDirectApprovals):
    """:class:`~volunteerkit.hours.store.LedgerRepository` over a :class:`SQLDatabase`.

    It is also a :class:`~volunteerkit.hours.store.DirectApproval` (set-based approval of plain
    entries, from :class:`SQLDirectApprovals`).
    """

    def __init__(self, db: SQLDatabase) -> None:
        super().__init__(db)
        self._db = db
        # ids per statement: as many as the driver may bind, up to 5,000 (a batch of the ledger).
        # SQLite binds each as a variable (32,766 by default since 3.32, 999 before, and a build
        # may set its own); PostgreSQL receives one array (see stores.postgres). Statements with
        # 500 ids took 1.24 µs an unknown id to look up on SQLite, with 5,000 ids 0.78 µs (0.39
        # of it Python's sorting)
        self._chunk = min(_MAX_CHUNK, db.max_params)

    def take_turn(self) -> None:
        """Wait until no other ledger writer of this store is in its transaction (see the protocol).

        PostgreSQL: a transaction-scoped advisory lock, one per schema, held until the caller's
        transaction ends. Ledger writers take it before they read anything, so none of them
        credits from records another is changing, and, all taking the one lock first, they never
        deadlock on each other. The schema is the one that holds the ledger's tables, found
        through the search path as every statement of the store finds them: two connections
        whose search paths differ (a role with a schema of its own, empty, before ``public``)
        still share one lock. SQLite: nothing to do; its writers begin with ``BEGIN IMMEDIATE``,
        which already makes them take turns.
        """
        if self._db.backend == "postgresql":
            self._db.execute(
                "SELECT pg_advisory_xact_lock(hashtext(c.relnamespace::regnamespace::text), ?) "
                "FROM pg_catalog.pg_class c WHERE c.oid = 'vk_hours_entries'::regclass",
                [_WRITER_TURN],
            )

    # ----------------------------------------------------------------------------- conversion

    def _entry(self, row: Sequence[Any]) -> ServiceEntry:
        f = self._db.from_db_time
        return _entry_of(
            _stored_id(EntryId, row[0]),
            row[1],
            row[2],
            row[3],
            row[4],
            f(row[5]),
            f(row[6]),
            ZoneInfo(row[7]),
            int(row[8]),
            int(row[9]),
            _SOURCES[row[10]],
            _STATUSES[row[11]],
            row[12],
            f(row[13]),
            row[14],
        )

    def _event(self, row: Sequence[Any]) -> LedgerEvent:
        f = self._db.from_db_time
        cls = _EVENT_CLASSES[row[3]]
        common = (
            _stored_id(EventId, row[0]),
            _stored_id(EntryId, row[1]),
            row[4],
            f(row[5]),
            row[6],
        )
        if cls is Corrected:
            return _event_of[Corrected](
                *common,
                CorrectionKind(row[7]),
                None if row[8] is None else f(row[8]),
                None if row[9] is None else f(row[9]),
                None if row[10] is None else int(row[10]),
            )
        return _event_of[cls](*common)

    def _credit(self, row: Sequence[Any]) -> CreditRow:
        f = self._db.from_db_time
        return CreditRow(
            volunteer_id=row[0],
            local_date=int(row[1]),
            valid_from=f(row[2]),
            valid_to=None if row[3] is None else f(row[3]),
            raw_minutes=int(row[4]),
            credited_minutes=int(row[5]),
            weighted_micro=int(row[6]),
            entry_id=EntryId.parse(row[7]),
            organization_id=row[8],
            category=row[9],
            region=row[10],
        )

    # ----------------------------------------------------------------------------- records

    def _existing(self, table: str, ids: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for chunk in _chunks(ids, self._chunk):
            rows = self._db.fetchall(
                f"SELECT id FROM {table} WHERE id IN ({_marks(len(chunk))})", chunk
            )
            found.update(str(r[0]) for r in rows)
        return found

    def _append(self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> bool:
        """Insert rows whose ids are most likely new, in a savepoint.

        Returns ``False``, having written nothing, when one of the ids is already stored: the
        caller then finds which (a replay, or a clash) and writes the others. New ids are the
        common case (the ledger mints event ids, and filters stored entries before adding), so it
        pays for no lookup of ids.
        """
        try:
            with self._db.atomic():
                self._db.copy_rows(table, columns, rows)
        except ConflictError:
            return False
        return True

    def add_entries(self, entries: Sequence[ServiceEntry]) -> int:
        """Append entries (see :meth:`volunteerkit.hours.store.LedgerRepository.add_entries`)."""
        unique: dict[str, ServiceEntry] = {}
        for i, entry in enumerate(entries):
            key = str(entry.id)
            known = unique.get(key)
            if known is None:
                unique[key] = entry
            elif known != entry:
                raise entry_conflict(f"$.entries[{i}].id")
        if not unique:
            return 0
        db = self._db
        rows = {k: entry_row(db, e, k) for k, e in unique.items()}
        with db.atomic():
            if self._append("vk_hours_entries", ENTRY_COLUMNS, list(rows.values())):
                return len(rows)
            existing = self._existing("vk_hours_entries", list(unique))
            stored = self.get_entries([unique[k].id for k in existing])
            for k in existing:
                if stored.get(unique[k].id) != unique[k]:
                    raise entry_conflict("$.id")
            new = [row for k, row in rows.items() if k not in existing]
            if new:
                db.copy_rows("vk_hours_entries", ENTRY_COLUMNS, new)
        return len(new)

    def add_events(self, events: Sequence[LedgerEvent]) -> int:
        """Append events (see :meth:`volunteerkit.hours.store.LedgerRepository.add_events`)."""
        unique: dict[str, LedgerEvent] = {}
        for i, event in enumerate(events):
            key = str(event.id)
            known = unique.get(key)
            if known is None:
                unique[key] = event
            elif known != event:
                raise event_conflict(f"$.events[{i}].id")
        if not unique:
            return 0
        with self._db.atomic():
            entry_keys = {k: str(e.entry_id) for k, e in unique.items()}
            owners = self._volunteers_of(sorted(set(entry_keys.values())))
            if all(e in owners for e in entry_keys.values()) and self._append(
                "vk_hours_events",
                EVENT_COLUMNS,
                [event_row(self._db, e, owners[entry_keys[k]]) for k, e in unique.items()],
            ):
                return len(unique)
            existing = self._existing("vk_hours_events", list(unique))
            for k in existing:
                row = self._db.fetchone(f"{_EVENT_SELECT} WHERE id = ?", (k,))
                if row is None or self._event(row) != unique[k]:
                    raise event_conflict("$.id")
            new = [e for k, e in unique.items() if k not in existing]
            if not new:
                return 0
            rows = []
            for ev in new:
                owner = owners.get(str(ev.entry_id))
                if owner is None:
                    raise NotFoundError(
                        "no such service entry", "没有该服务记录", code="hours.unknown_entry",
                        path="$.entry_id",
                    )
                rows.append(event_row(self._db, ev, owner))
            self._db.copy_rows("vk_hours_events", EVENT_COLUMNS, rows)
        return len(new)

    def _volunteers_of(self, entry_ids: Sequence[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for chunk in _chunks(entry_ids, self._chunk):
            rows = self._db.fetchall(
                f"SELECT id, volunteer_id FROM vk_hours_entries WHERE id IN ({_marks(len(chunk))})",
                chunk,
            )
            found.update((str(r[0]), str(r[1])) for r in rows)
        return found

    def get_entries(self, entry_ids: Collection[EntryId]) -> dict[EntryId, ServiceEntry]:
        """Return stored entries by id (see the protocol)."""
        keys = sorted({str(i) for i in entry_ids})
        found: dict[EntryId, ServiceEntry] = {}
        for chunk in _chunks(keys, self._chunk):
            for row in self._db.fetchall(
                f"{_ENTRY_SELECT} WHERE id IN ({_marks(len(chunk))})", chunk
            ):
                entry = self._entry(row)
                found[entry.id] = entry
        return found

    def entry_events(self, entry_id: EntryId) -> list[LedgerEvent]:
        """Return one entry's events by ``(at, id)`` (see the protocol)."""
        rows = self._db.fetchall(f"{_EVENT_SELECT} WHERE entry_id = ?", (str(entry_id),))
        return sorted((self._event(r) for r in rows), key=lambda e: (e.at, e.id))

    def events_of(self, entry_ids: Collection[EntryId]) -> dict[EntryId, list[LedgerEvent]]:
        """Return each entry's events by ``(at, id)`` (see the protocol)."""
        keys = sorted({str(i) for i in entry_ids})
        result: dict[EntryId, list[LedgerEvent]] = {}
        for chunk in _chunks(keys, self._chunk):
            for row in self._db.fetchall(
                f"{_EVENT_SELECT} WHERE entry_id IN ({_marks(len(chunk))})", chunk
            ):
                event = self._event(row)
                result.setdefault(event.entry_id, []).append(event)
        for events in result.values():
            events.sort(key=lambda e: (e.at, e.id))
        return result

    def latest_change(self, volunteer_ids: Collection[str]) -> dict[str, datetime]:
        """Return each volunteer's latest record instant (see the protocol)."""
        ids = checked_keys(volunteer_ids, "$.volunteer_ids")
        keys = sorted({v for v in ids if not unstorable_key(v)})  # no record holds those
        result: dict[str, datetime] = {}
        f = self._db.from_db_time
        for chunk in _chunks(keys, self._chunk):
            marks = _marks(len(chunk))
            for table, column in (("vk_hours_entries", "recorded_at"), ("vk_hours_events", "at")):
                for vid, latest in self._db.fetchall(
                    f"SELECT volunteer_id, MAX({column}) FROM {table} "
                    f"WHERE volunteer_id IN ({marks}) GROUP BY volunteer_id",
                    chunk,
                ):
                    at = f(latest)
                    if vid not in result or at > result[vid]:
                        result[vid] = at
        return result

    def records_of(
        self, volunteer_ids: Collection[str]
    ) -> dict[str, tuple[list[ServiceEntry], list[LedgerEvent]]]:
        """Return each volunteer's entries and events (see the protocol)."""
        keys = sorted({v for v in volunteer_ids if not unstorable_key(v)})  # no record holds those
        result: dict[str, tuple[list[ServiceEntry], list[LedgerEvent]]] = {}
        for chunk in _chunks(keys, self._chunk):
            marks = _marks(len(chunk))
            for row in self._db.fetchall(f"{_ENTRY_SELECT} WHERE volunteer_id IN ({marks})", chunk):
                result.setdefault(row[1], ([], []))[0].append(self._entry(row))
            for row in self._db.fetchall(f"{_EVENT_SELECT} WHERE volunteer_id IN ({marks})", chunk):
                result.setdefault(row[2], ([], []))[1].append(self._event(row))
        for entries, events in result.values():
            entries.sort(key=lambda e: e.id)
            events.sort(key=lambda e: (e.at, e.id))
        return result

    def isolated(self, entry_ids: Collection[EntryId]) -> set[EntryId]:
        """Return the isolated entries among ``entry_ids`` (see the protocol)."""
        keys = sorted({str(i) for i in entry_ids})
        found: set[EntryId] = set()
        # PostgreSQL: OFFSET 0 keeps the sub-select a per-entry index probe. Unfenced, it was
        # planned as an anti join that hashes every entry of the table while a freshly loaded
        # table had no statistics: one scan of the whole table per batch.
        pg = self._db.backend == "postgresql"
        fence = " OFFSET 0" if pg else ""
        # SQLite: comparing rowids keeps the probe inside the covering index (volunteer_id,
        # start_at, end_at); comparing ids would read every candidate's row for its id
        key = "id" if pg else "rowid"
        for chunk in _chunks(keys, self._chunk):
            rows = self._db.fetchall(
                "SELECT e.id, e.volunteer_id FROM vk_hours_entries e "
                f"WHERE e.id IN ({_marks(len(chunk))}) "
                "AND NOT EXISTS (SELECT 1 FROM vk_hours_entries o "
                "WHERE o.volunteer_id = e.volunteer_id AND o.start_at < e.end_at "
                f"AND o.end_at > e.start_at AND o.{key} <> e.{key}{fence})",
                chunk,
            )
            if not rows:
                continue
            volunteers = sorted({str(r[1]) for r in rows})
            corrected = {
                str(r[0])
                for r in self._db.fetchall(
                    "SELECT DISTINCT volunteer_id FROM vk_hours_events "
                    f"WHERE type = 'corrected' AND volunteer_id IN ({_marks(len(volunteers))})",
                    volunteers,
                )
            }
            found.update(
                _stored_id(EntryId, str(r[0])) for r in rows if str(r[1]) not in corrected
            )
        return found

    def volunteers(self) -> list[str]:
        """Return every volunteer with an entry, sorted."""
        rows = self._db.fetchall("SELECT DISTINCT volunteer_id FROM vk_hours_entries")
        return sorted(str(r[0]) for r in rows)

    def count_entries(self) -> int:
        """Return how many entries are stored."""
        row = self._db.fetchone("SELECT COUNT(*) FROM vk_hours_entries")
        return int(row[0]) if row else 0

    def count_events(self) -> int:
        """Return how many events are stored."""
        row = self._db.fetchone("SELECT COUNT(*) FROM vk_hours_events")
        return int(row[0]) if row else 0

    # ----------------------------------------------------------------------------- credit

    def open_credit(self, volunteer_ids: Collection[str]) -> dict[str, list[CreditRow]]:
        """Return each volunteer's open credit rows (see the protocol)."""
        ids = checked_keys(volunteer_ids, "$.volunteer_ids")
        keys = sorted({v for v in ids if not unstorable_key(v)})  # no row holds those
        result: dict[str, list[CreditRow]] = {}
        for chunk in _chunks(keys, self._chunk):
            rows = self._db.fetchall(
                f"{_CREDIT_SELECT} WHERE volunteer_id IN ({_marks(len(chunk))}) "
                "AND valid_to IS NULL",
                chunk,
            )
            for row in rows:
                result.setdefault(row[0], []).append(self._credit(row))
        return result

    def credit_history(self, volunteer_id: str) -> list[CreditRow]:
        """Return every credit row of a volunteer (see the protocol)."""
        # no row holds text of that kind: see _base.unstorable_key
        if unstorable_key(checked_key(volunteer_id, "$.volunteer_id")):
            return []
        rows = self._db.fetchall(f"{_CREDIT_SELECT} WHERE volunteer_id = ?", (volunteer_id,))
        return sorted(
            (self._credit(r) for r in rows), key=lambda c: (c.local_date, c.entry_id, c.valid_from)
        )

    def write_credit(self, closes: Iterable[CreditClose], rows: Iterable[CreditRow]) -> None:
        """Close open rows and append new ones (see the protocol)."""
        db = self._db
        close_rows = [
            (db.to_db_time(c.valid_to), c.volunteer_id, str(c.entry_id), c.local_date)
            for c in closes
        ]
        new_rows = [credit_row(db, r) for r in rows]
        with db.atomic():
            if close_rows:
                changed = db.executemany(
                    "UPDATE vk_hours_credit SET valid_to = ? WHERE volunteer_id = ? "
                    "AND entry_id = ? AND local_date = ? AND valid_to IS NULL",
                    close_rows,
                )
                if changed != len(close_rows):
                    raise IntegrityError(
                        "a credit row to close is not open",
                        "要关闭的计时行不处于有效状态",
                        code="hours.credit_not_open",
                    )
            if new_rows:
                db.copy_rows("vk_hours_credit", CREDIT_COLUMNS, new_rows)

    def truncate_credit(self, volunteer_id: str, since: datetime) -> None:
        """Shrink a volunteer's rows valid at or after ``since`` (see the protocol)."""
        checked_key(volunteer_id, "$.volunteer_id")
        t = self._db.to_db_time(require_aware(since, "$.since"))
        self._db.execute(
            "UPDATE vk_hours_credit SET valid_to = CASE WHEN valid_from > ? THEN valid_from "
            "ELSE ? END WHERE volunteer_id = ? AND (valid_to IS NULL OR valid_to > ?)",
            (t, t, volunteer_id, t),
        )

    def _where(self, query: Query) -> tuple[str, list[Any]]:
        t = self._db.to_db_time(query.as_of)
        clauses = ["valid_from <= ?", "(valid_to IS NULL OR valid_to > ?)"]
        params: list[Any] = [t, t]
        if query.first is not None:
            clauses.append("local_date >= ?")
            params.append(query.first)
        if query.last is not None:
            clauses.append("local_date <= ?")
            params.append(query.last)
        for column, value in (
            ("volunteer_id", query.volunteer_id),
            ("organization_id", query.organization_id),
            ("region", query.region),
            ("category", query.category),
        ):
            if value is not None:
                clauses.append(f"{column} = ?")
                params.append(value)
        return " AND ".join(clauses), params

    def sum_credit(self, query: Query, group_by: Sequence[GroupKey]) -> list[MinutesRow]:
        """Sum the selected credit rows in SQL, grouped (see the protocol)."""
        where, params = self._where(query)
        keys = [_GROUP_SQL[GroupKey(g)] for g in group_by]
        select = ", ".join([*keys, ""]) if keys else ""
        group = f" GROUP BY {', '.join(keys)}" if keys else ""
        sql = (
            f"SELECT {select}SUM(raw_minutes), SUM(credited_minutes), SUM(weighted_micro), "
            f"COUNT(*) FROM vk_hours_credit WHERE {where}{group}"
        )
        n = len(keys)
        keyer = _keyer(tuple(GroupKey(g) for g in group_by))
        out: list[MinutesRow] = []
        for row in self._db.fetchall(sql, params):
            if int(row[n + 3]) == 0:
                continue
            out.append(
                MinutesRow(
                    key=keyer(row[:n]),
                    raw_minutes=int(row[n]),
                    credited_minutes=int(row[n + 1]),
                    weighted_micro=int(row[n + 2]),
                )
            )
        out.sort(key=lambda r: group_sort_key(r.key))
        return out

    def count_active(
        self, query: Query, group_by: Sequence[GroupKey]
    ) -> list[tuple[tuple[str | None, ...], int]]:
        """Count distinct volunteers with credit, grouped (see the protocol)."""
        where, params = self._where(query)
        keys = [_GROUP_SQL[GroupKey(g)] for g in group_by]
        select = ", ".join([*keys, ""]) if keys else ""
        group = f" GROUP BY {', '.join(keys)}" if keys else ""
        sql = (
            f"SELECT {select}COUNT(DISTINCT volunteer_id) FROM vk_hours_credit "
            f"WHERE {where} AND credited_minutes > 0{group}"
        )
        n = len(keys)
        out = [
            (group_key(group_by, row[:n]), int(row[n]))
            for row in self._db.fetchall(sql, params)
            if int(row[n]) > 0
        ]
        out.sort(key=lambda r: group_sort_key(r[0]))
        return out

    # ----------------------------------------------------------------------------- settings

    def get_setting(self, name: str) -> str | None:
        """Return a stored setting (see the protocol)."""
        if unstorable_key(checked_key(name, "$.name")):  # no setting has it: see _base.unstorable_key
            return None
        row = self._db.fetchone("SELECT value FROM vk_hours_settings WHERE name = ?", (name,))
        return None if row is None else str(row[0])

    def put_setting(self, name: str, value: str) -> None:
        """Store a setting once (see the protocol)."""
        checked_key(name, "$.name")
        checked_key(value, "$.value")
        with self._db.atomic():
            stored = self.get_setting(name)
            if stored is None:
                self._db.execute(
                    "INSERT INTO vk_hours_settings (name, value) VALUES (?, ?)", (name, value)
                )
            elif stored != value:
                raise setting_conflict(name)


def checked_key(value: object, path: str) -> str:
    """Return a volunteer id or setting a caller passed, refusing what is not a ``str``.

    Every store answers alike: SQLite would find ``"5"`` by the number 5, PostgreSQL refuses the
    statement, the memory store finds nothing.

    Raises:
        HoursInputError: ``hours.invalid_argument`` at ``path``.
    """
    if not isinstance(value, str):
        raise HoursInputError.of("hours.invalid_argument", path)
    return value


def checked_keys(values: object, path: str) -> list[str]:
    """Return volunteer ids a caller passed, refusing text (not a collection) and non-text items.

    Raises:
        HoursInputError: ``hours.invalid_argument`` at ``path``.
    """
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise HoursInputError.of("hours.invalid_argument", path)
    keys = list(values)
    if not all(isinstance(v, str) for v in keys):
        raise HoursInputError.of("hours.invalid_argument", path)
    return keys


def _as_text(value: Any) -> str:
    return str(value)


def _as_month(value: Any) -> str:
    return month_text(int(value))


def _as_day(value: Any) -> str:
    return day_text(int(value))


def group_key(group_by: Sequence[GroupKey], values: Sequence[Any]) -> tuple[str | None, ...]:
    """Return the group key of stored group values (months and days as text).

    Args:
        group_by: The grouping.
        values: The stored values, in the same order.

    Returns:
        The key.
    """
    key: tuple[str | None, ...] = _keyer(tuple(GroupKey(g) for g in group_by))(values)
    return key


def _keyer(group_by: tuple[GroupKey, ...]) -> Any:
    convert = [
        _as_month if g is GroupKey.MONTH else _as_day if g is GroupKey.DAY else _as_text
        for g in group_by
    ]
    if len(convert) == 1:
        one = convert[0]
        return lambda values: (None if values[0] is None else one(values[0]),)
    return lambda values: tuple(
        None if v is None else c(v) for c, v in zip(convert, values, strict=True)
    )


def entry_conflict(path: str) -> ConflictError:
    """Return the error for two different entries under one id.

    Args:
        path: Where the clash is.

    Returns:
        The error.
    """
    return ConflictError(
        "two different entries share one id",
        "两条不同的服务记录使用了同一标识",
        code="hours.entry_conflict",
        path=path,
    )


def event_conflict(path: str) -> ConflictError:
    """Return the error for two different events under one id.

    Args:
        path: Where the clash is.

    Returns:
        The error.
    """
    return ConflictError(
        "two different events share one id",
        "两个不同的事件使用了同一标识",
        code="hours.event_conflict",
        path=path,
    )


def setting_conflict(name: str) -> ConflictError:
    """Return the error for a setting stored with another value.

    Args:
        name: The setting.

    Returns:
        The error.
    """
    return ConflictError(
        f"the ledger setting {name!r} is already stored with another value",
        f"台账设置 {name!r} 已以其他值保存",
        code="hours.setting_conflict",
        path=f"$.{name}",
    )
