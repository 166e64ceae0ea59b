"""Transfers on the SQL backends (one implementation for SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from datetime import date
from itertools import islice
from typing import Any

from volunteerkit._serialization import from_json, to_json
from volunteerkit.errors import ConflictError, IntegrityError, NotFoundError
from volunteerkit.hours.models import EntryId, Source
from volunteerkit.stores._base import SQLDatabase, unstorable_key
from volunteerkit.transfer.errors import transfer_error
from volunteerkit.transfer.models import CertifiedDay, RejectReason, SignedReceipt
from volunteerkit.transfer.store import (
    TransferredEntry,
    checked_entries,
    checked_entry,
    checked_filters,
    checked_id,
    checked_step,
    checked_transfer,
)
from volunteerkit.transfer.workflow import Role, Transfer, TransferState, TransferStep

__all__ = ["SQLTransferRepository", "days_text", "parse_days"]

_BATCH = 5000
_CHUNK = 500

_TRANSFER_COLUMNS = ("id", "role", "volunteer_id", "source", "destination", "consent", "created_at")
_STEP_COLUMNS = (
    "transfer_id",
    "seq",
    "state",
    "at",
    "actor",
    "reason_code",
    "reason",
    "package_id",
    "header_digest",
    "entries",
    "credited_minutes",
    "receipt",
)
_ENTRY_COLUMNS = (
    "entry_id",
    "volunteer_id",
    "transfer_id",
    "package_id",
    "source",
    "captured_by",
    "certified_by",
    "certified_at",
    "source_recorded_at",
    "credited_minutes",
    "days",
    "flagged",
    "imported_at",
)
_ENTRY_SELECT = f"SELECT {', '.join(_ENTRY_COLUMNS)} FROM vk_transfer_entries"


def days_text(days: Iterable[CertifiedDay]) -> str:
    """Return the stored form of certified days: ``YYYYMMDD:minutes`` items joined by ``,``.

    Args:
        days: The days.

    Returns:
        The text.
    """
    return ",".join(f"{d.day:%Y%m%d}:{d.minutes}" for d in days)


def parse_days(text: str) -> tuple[CertifiedDay, ...]:
    """Parse the stored form of certified days.

    Args:
        text: As written by :func:`days_text`.

    Returns:
        The days.
    """
    result: list[CertifiedDay] = []
    for item in text.split(","):
        key, minutes = item.split(":")
        value = int(key)
        result.append(
            CertifiedDay(
                day=date(value // 10000, value // 100 % 100, value % 100), minutes=int(minutes)
            )
        )
    return tuple(result)


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _marks(n: int) -> str:
    return ", ".join("?" for _ in range(n))


class SQLTransferRepository:
    """:class:`~volunteerkit.transfer.store.TransferRepository` over a :class:`SQLDatabase`."""

    def __init__(self, db: SQLDatabase) -> None:
        self._db = db

    # ----------------------------------------------------------------------------- conversion

    def _step_row(self, transfer_id: str, seq: int, step: TransferStep) -> tuple[Any, ...]:
        return (
            transfer_id,
            seq,
            step.state.value,
            self._db.to_db_time(step.at),
            step.actor,
            None if step.reason_code is None else step.reason_code.value,
            step.reason,
            step.package_id,
            step.header_digest,
            step.entries,
            step.credited_minutes,
            None if step.receipt is None else to_json(step.receipt),
        )

    def _step(self, row: Sequence[Any]) -> TransferStep:
        return TransferStep(
            state=TransferState(row[2]),
            at=self._db.from_db_time(row[3]),
            actor=row[4],
            reason_code=None if row[5] is None else RejectReason(row[5]),
            reason=row[6],
            package_id=row[7],
            header_digest=row[8],
            entries=None if row[9] is None else int(row[9]),
            credited_minutes=None if row[10] is None else int(row[10]),
            receipt=None if row[11] is None else from_json(row[11], SignedReceipt),
        )

    def _entry_row(self, e: TransferredEntry) -> tuple[Any, ...]:
        t = self._db.to_db_time
        return (
            str(e.entry_id),
            e.volunteer_id,
            e.transfer_id,
            e.package_id,
            e.source,
            e.captured_by.value,
            e.certified_by,
            t(e.certified_at),
            t(e.source_recorded_at),
            e.credited_minutes,
            days_text(e.days),
            bool(e.flagged),
            t(e.imported_at),
        )

    def _entry(self, row: Sequence[Any]) -> TransferredEntry:
        f = self._db.from_db_time
        return TransferredEntry(
            entry_id=EntryId.parse(row[0]),
            volunteer_id=row[1],
            transfer_id=row[2],
            package_id=row[3],
            source=row[4],
            captured_by=Source(row[5]),
            certified_by=row[6],
            certified_at=f(row[7]),
            source_recorded_at=f(row[8]),
            credited_minutes=int(row[9]),
            days=parse_days(row[10]),
            flagged=bool(row[11]),
            imported_at=f(row[12]),
        )

    # ----------------------------------------------------------------------------- transfers

    def add(self, transfer: Transfer) -> None:
        """Store a new transfer (see :meth:`~volunteerkit.transfer.store.TransferRepository.add`)."""
        checked_transfer(transfer)
        db = self._db
        with db.atomic():
            # ON CONFLICT DO NOTHING: an id stored (or being stored by another connection, which
            # this waits for) writes nothing and never aborts the caller's transaction.
            added = db.execute(
                f"INSERT INTO vk_transfer_transfers ({', '.join(_TRANSFER_COLUMNS)}) "
                f"VALUES ({_marks(len(_TRANSFER_COLUMNS))}) ON CONFLICT (id) DO NOTHING",
                (
                    transfer.id,
                    transfer.role.value,
                    transfer.volunteer_id,
                    transfer.source,
                    transfer.destination,
                    transfer.consent,
                    db.to_db_time(transfer.created_at),
                ),
            )
            if not added:
                raise transfer_error(ConflictError, "transfer.exists", "$.id")
            db.executemany(
                f"INSERT INTO vk_transfer_steps ({', '.join(_STEP_COLUMNS)}) "
                f"VALUES ({_marks(len(_STEP_COLUMNS))})",
                [self._step_row(transfer.id, i, s) for i, s in enumerate(transfer.steps)],
            )

    def append_step(self, transfer_id: str, seq: int, step: TransferStep) -> None:
        """Append a step at ``seq`` (see the protocol)."""
        checked_id(transfer_id)
        checked_step(seq, step)
        db = self._db
        if unstorable_key(transfer_id):  # no transfer holds it: see _base.unstorable_key
            raise transfer_error(NotFoundError, "transfer.not_found", "$.transfer_id")
        with db.atomic():
            if not db.fetchone("SELECT 1 FROM vk_transfer_transfers WHERE id = ?", (transfer_id,)):
                raise transfer_error(NotFoundError, "transfer.not_found", "$.transfer_id")
            row = db.fetchone(
                "SELECT COUNT(*) FROM vk_transfer_steps WHERE transfer_id = ?", (transfer_id,)
            )
            count = int(row[0]) if row else 0
            if seq < count:
                raise transfer_error(ConflictError, "transfer.concurrent_update", "$.seq")
            if seq > count:
                raise transfer_error(IntegrityError, "transfer.invalid", "$.seq", "a gap")
            try:
                with db.atomic():
                    db.execute(
                        f"INSERT INTO vk_transfer_steps ({', '.join(_STEP_COLUMNS)}) "
                        f"VALUES ({_marks(len(_STEP_COLUMNS))})",
                        self._step_row(transfer_id, seq, step),
                    )
            except ConflictError:
                raise transfer_error(
                    ConflictError, "transfer.concurrent_update", "$.seq"
                ) from None

    def get(self, transfer_id: str) -> Transfer:
        """Return a transfer (see the protocol)."""
        if unstorable_key(checked_id(transfer_id)):
            raise transfer_error(NotFoundError, "transfer.not_found", "$.transfer_id")
        row = self._db.fetchone(
            f"SELECT {', '.join(_TRANSFER_COLUMNS)} FROM vk_transfer_transfers WHERE id = ?",
            (transfer_id,),
        )
        if row is None:
            raise transfer_error(NotFoundError, "transfer.not_found", "$.transfer_id")
        steps = self._db.fetchall(
            f"SELECT {', '.join(_STEP_COLUMNS)} FROM vk_transfer_steps "
            "WHERE transfer_id = ? ORDER BY seq",
            (transfer_id,),
        )
        return Transfer(
            id=row[0],
            role=Role(row[1]),
            volunteer_id=row[2],
            source=row[3],
            destination=row[4],
            consent=row[5],
            steps=tuple(self._step(s) for s in steps),
        )

    def find(
        self,
        *,
        volunteer_id: str | None = None,
        role: Role | None = None,
        state: TransferState | None = None,
    ) -> list[Transfer]:
        """Return matching transfers ordered by creation and id (see the protocol)."""
        volunteer_id, role, state = checked_filters(volunteer_id, role, state)
        if unstorable_key(volunteer_id):
            return []
        clauses: list[str] = []
        params: list[Any] = []
        if volunteer_id is not None:
            clauses.append("volunteer_id = ?")
            params.append(volunteer_id)
        if role is not None:
            clauses.append("role = ?")
            params.append(role.value)
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        ids = self._db.fetchall(
            f"SELECT id FROM vk_transfer_transfers{where} ORDER BY created_at, id", params
        )
        found = [self.get(str(r[0])) for r in ids]
        return [t for t in found if state is None or t.state is state]

    # ----------------------------------------------------------------------------- entries

    def add_entries(self, entries: Iterable[TransferredEntry]) -> int:
        """Store transferred entries, streaming; replays are skipped (see the protocol).

        Each batch is read first (the stored entries and transfers it names), then checked in
        input order, as on the memory store: the first item that is not an entry, clashes with a
        stored or earlier entry, or names no stored transfer refuses the call.
        """
        written = 0
        iterator = checked_entries(entries)
        offset = 0
        with self._db.atomic():
            while batch := list(islice(iterator, _BATCH)):
                typed = [e for e in batch if isinstance(e, TransferredEntry)]
                stored = self.get_entries({e.entry_id for e in typed})
                transfers = self._known_transfers({e.transfer_id for e in typed})
                unique: dict[EntryId, TransferredEntry] = {}
                for i, item in enumerate(batch):
                    entry = checked_entry(item, offset + i)
                    known = stored.get(entry.entry_id) or unique.get(entry.entry_id)
                    if known is not None:
                        if known != entry:
                            raise transfer_error(
                                ConflictError,
                                "transfer.entry_conflict",
                                f"$.entries[{offset + i}].entry_id",
                            )
                        continue
                    if entry.transfer_id not in transfers:
                        raise transfer_error(
                            NotFoundError,
                            "transfer.not_found",
                            f"$.entries[{offset + i}].transfer_id",
                        )
                    unique[entry.entry_id] = entry
                if unique:
                    self._db.copy_rows(
                        "vk_transfer_entries",
                        _ENTRY_COLUMNS,
                        [self._entry_row(e) for e in unique.values()],
                    )
                written += len(unique)
                offset += len(batch)
        return written

    def _known_transfers(self, wanted: Collection[str]) -> set[str]:
        """Return the transfer ids among ``wanted`` that are stored.

        Without this check the foreign key refused a new entry of a transfer not stored as
        ``store.integrity``; the memory store says ``transfer.not_found``.
        """
        known: set[str] = set()
        for chunk in _chunks(sorted(t for t in wanted if not unstorable_key(t))):
            rows = self._db.fetchall(
                f"SELECT id FROM vk_transfer_transfers WHERE id IN ({_marks(len(chunk))})", chunk
            )
            known.update(r[0] for r in rows)
        return known

    def get_entries(self, entry_ids: Collection[EntryId]) -> dict[EntryId, TransferredEntry]:
        """Return stored transferred entries by id (see the protocol)."""
        keys = [str(i) for i in entry_ids]
        found: dict[EntryId, TransferredEntry] = {}
        for chunk in _chunks(keys):
            for row in self._db.fetchall(
                f"{_ENTRY_SELECT} WHERE entry_id IN ({_marks(len(chunk))})", chunk
            ):
                entry = self._entry(row)
                found[entry.entry_id] = entry
        return found

    def certified_credit(
        self, volunteer_ids: Collection[str]
    ) -> dict[EntryId, tuple[CertifiedDay, ...]]:
        """Return certified credit by entry id (see the protocol)."""
        found: dict[EntryId, tuple[CertifiedDay, ...]] = {}
        for chunk in _chunks([v for v in volunteer_ids if not unstorable_key(v)]):
            for row in self._db.fetchall(
                "SELECT entry_id, days FROM vk_transfer_entries "
                f"WHERE volunteer_id IN ({_marks(len(chunk))})",
                chunk,
            ):
                found[EntryId.parse(row[0])] = parse_days(row[1])
        return found

    def count_entries(self) -> int:
        """Return how many transferred entries are stored."""
        row = self._db.fetchone("SELECT COUNT(*) FROM vk_transfer_entries")
        return int(row[0]) if row else 0
