"""Awards on the SQL backends (one implementation for SQLite and PostgreSQL).

The award ledger lives in ``vk_award_records`` (append-only) and ``vk_award_held`` (what is held).
Credit for batch evaluation is read from the hours ledger's ``vk_hours_credit`` rows valid at an
instant: streamed per volunteer, or summed per volunteer with ``GROUP BY`` over the table's covering
index ``(volunteer_id, local_date, valid_from, valid_to, raw, credited, weighted)``. On SQLite,
``credit_crossings`` first reads the sums the store keeps as credit is written
(:mod:`volunteerkit.stores._sql_awards_sums`).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import nullcontext
from datetime import date, datetime
from typing import Any

from volunteerkit._clock import require_aware
from volunteerkit.awards.rules import Counting
from volunteerkit.awards.store import (
    CREDIT_COLUMNS,
    AwardRecord,
    CreditTuple,
    CrossingTuple,
    DayTotalsTuple,
    Grant,
    Recommendation,
    Revocation,
    TotalsTuple,
    check_counting,
    check_ids,
    check_minimum,
    check_records,
    counting_sql,
)
from volunteerkit.hours.models import EntryId
from volunteerkit.stores._base import SQLDatabase, handed_out, unstorable_key
from volunteerkit.stores._memory_awards import award_conflict
from volunteerkit.stores._sql_awards_crossings import credit_crossings
from volunteerkit.stores._sql_awards_sums import credit_crossings_from_sums

__all__ = ["SQLAwardRepository"]

_RECORD_COLUMNS = (
    "id",
    "kind",
    "rule_set_id",
    "subject_id",
    "level_id",
    "award_key",
    "at",
    "actor",
    "rule_set_version",
    "earned_on",
    "crossing_entry",
    "consumed_from",
    "consumed_to",
    "period_first",
    "period_last",
    "reason_code",
    "reason",
    "reason_zh",
)
_SELECT = f"SELECT {', '.join('r.' + c for c in _RECORD_COLUMNS)} FROM vk_award_records r"
_INSERT = (
    f"INSERT INTO vk_award_records ({', '.join(_RECORD_COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in _RECORD_COLUMNS)})"
)
_INSERT_NEW = f"{_INSERT} ON CONFLICT (id) DO NOTHING"
_CHUNK = 500


class _Taken(Exception):
    """A grant's record id or award was written by another connection meanwhile."""


def _key(day: date | None) -> int | None:
    return None if day is None else day.year * 10000 + day.month * 100 + day.day


def _day(key: Any) -> date | None:
    if key is None:
        return None
    k = int(key)
    return date(k // 10000, k // 100 % 100, k % 100)


def _marks(n: int) -> str:
    return ", ".join("?" * n)


class SQLAwardRepository:
    """:class:`~volunteerkit.awards.store.AwardRepository` over a :class:`SQLDatabase`."""

    def __init__(self, db: SQLDatabase) -> None:
        self._db = db

    # ----------------------------------------------------------------------------- rows

    def _row(self, record: AwardRecord) -> tuple[Any, ...]:
        t = self._db.to_db_time(record.at)
        if isinstance(record, Grant):
            return (
                record.id, "grant", record.rule_set_id, record.subject_id, record.level_id,
                record.key, t, record.actor, record.rule_set_version, _key(record.earned_on),
                str(record.crossing_entry), record.consumed_from, record.consumed_to,
                _key(record.period_first), _key(record.period_last), None, None, None,
            )  # fmt: skip
        return (
            record.id, "revoke", record.rule_set_id, record.subject_id, record.level_id,
            record.key, t, record.actor, None, None, None, None, None, None, None,
            record.reason_code, record.reason, record.reason_zh,
        )  # fmt: skip

    def _record(self, row: Sequence[Any]) -> AwardRecord:
        at = self._db.from_db_time(row[6])
        if row[1] == "grant":
            earned = _day(row[9])
            assert earned is not None
            return Grant(
                id=row[0],
                rule_set_id=row[2],
                subject_id=row[3],
                level_id=row[4],
                key=row[5],
                at=at,
                actor=row[7],
                rule_set_version=row[8],
                earned_on=earned,
                crossing_entry=EntryId.parse(row[10]),
                consumed_from=int(row[11]),
                consumed_to=int(row[12]),
                period_first=_day(row[13]),
                period_last=_day(row[14]),
            )
        return Revocation(
            id=row[0],
            rule_set_id=row[2],
            subject_id=row[3],
            level_id=row[4],
            key=row[5],
            at=at,
            actor=row[7],
            reason_code=row[15],
            reason=row[16],
            reason_zh=row[17],
        )

    def _replayed(self, record: AwardRecord) -> bool:
        row = self._db.fetchone(f"{_SELECT} WHERE r.id = ?", (record.id,))
        if row is None:
            return False
        if self._record(row) != record:
            raise award_conflict()
        return True

    def _is_held(self, award: tuple[str, str, str, str]) -> bool:
        row = self._db.fetchone(
            "SELECT 1 FROM vk_award_held WHERE rule_set_id = ? AND subject_id = ? "
            "AND level_id = ? AND award_key = ?",
            award,
        )
        return row is not None

    # ----------------------------------------------------------------------------- ledger

    def grant(self, grants: Sequence[Grant]) -> int:
        """Record grants (see :meth:`volunteerkit.awards.store.AwardRepository.grant`)."""
        batch = check_records(grants, Grant, "grants")
        written = 0
        # each grant is written in a savepoint of its own; one alone needs no outer one
        with self._db.atomic() if len(batch) > 1 else nullcontext():
            for grant in batch:
                written += self._grant_one(grant)
        return written

    def _grant_one(self, grant: Grant) -> int:
        """Record one grant in a transaction (or savepoint) of its own; return 1 if written.

        Another connection may write the same record id or the same award between the checks
        and the inserts (on PostgreSQL; SQLite serializes writers). The inserts then do nothing
        (``ON CONFLICT DO NOTHING``, which waits for that writer and never aborts the caller's
        transaction), the grant's own rows are undone, and the stored rows decide as they would
        have: a replay or an award already held is skipped, a different record under the id is
        ``awards.conflict``.
        """
        if self._replayed(grant) or self._is_held(grant.award):
            return 0
        try:
            with self._db.atomic():
                if not self._db.execute(_INSERT_NEW, self._row(grant)):
                    raise _Taken
                if not self._db.execute(
                    "INSERT INTO vk_award_held (rule_set_id, subject_id, level_id, award_key, "
                    "record_id) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    (*grant.award, grant.id),
                ):
                    raise _Taken
        except _Taken:
            self._replayed(grant)  # raises awards.conflict if a different record has the id
            return 0
        return 1

    def revoke(self, revocations: Sequence[Revocation]) -> int:
        """Record revocations (see :meth:`volunteerkit.awards.store.AwardRepository.revoke`)."""
        revocations = check_records(revocations, Revocation, "revocations")
        written = 0
        with self._db.atomic():
            for revocation in revocations:
                if self._replayed(revocation):
                    continue
                removed = self._db.execute(
                    "DELETE FROM vk_award_held WHERE rule_set_id = ? AND subject_id = ? "
                    "AND level_id = ? AND award_key = ?",
                    revocation.award,
                )
                if removed == 0:
                    continue
                self._db.execute(_INSERT, self._row(revocation))
                written += 1
        return written

    def held(
        self, rule_set_id: str, subject_ids: Collection[str] | None = None
    ) -> dict[str, list[Grant]]:
        """Return held grants per subject (see the protocol)."""
        if unstorable_key(rule_set_id):  # no award holds it: see _base.unstorable_key
            return {}
        base = f"{_SELECT} JOIN vk_award_held h ON h.record_id = r.id WHERE h.rule_set_id = ?"
        rows: list[tuple[Any, ...]] = []
        if subject_ids is None:
            rows = self._db.fetchall(base, (rule_set_id,))
        else:
            keys = [s for s in check_ids(subject_ids, "subject_ids") if not unstorable_key(s)]
            for i in range(0, len(keys), _CHUNK):
                chunk = keys[i : i + _CHUNK]
                rows += self._db.fetchall(
                    f"{base} AND h.subject_id IN ({_marks(len(chunk))})", (rule_set_id, *chunk)
                )
        result: dict[str, list[Grant]] = {}
        for row in rows:
            record = self._record(row)
            assert isinstance(record, Grant)
            result.setdefault(record.subject_id, []).append(record)
        for grants in result.values():
            grants.sort(key=lambda g: (g.level_id, g.key))
        return result

    def history(self, rule_set_id: str, subject_id: str) -> list[AwardRecord]:
        """Return a subject's records by ``(at, id)`` (see the protocol)."""
        if unstorable_key(rule_set_id) or unstorable_key(subject_id):
            return []
        rows = self._db.fetchall(
            f"{_SELECT} WHERE r.rule_set_id = ? AND r.subject_id = ?", (rule_set_id, subject_id)
        )
        return sorted((self._record(r) for r in rows), key=lambda r: (r.at, r.id))

    def holders(self, rule_set_id: str) -> Iterator[str]:
        """Stream the subjects holding an award of a rule set (see the protocol)."""
        if unstorable_key(rule_set_id):
            return iter(())
        rows = self._db.stream(
            "SELECT DISTINCT subject_id FROM vk_award_held WHERE rule_set_id = ? ORDER BY subject_id",
            (rule_set_id,),
            batch=5000,
        )
        return (str(row[0]) for row in rows)

    def count_held(self, rule_set_id: str | None = None) -> int:
        """Return how many awards are held (see the protocol)."""
        if rule_set_id is None:
            row = self._db.fetchone("SELECT COUNT(*) FROM vk_award_held")
        elif unstorable_key(rule_set_id):
            return 0
        else:
            row = self._db.fetchone(
                "SELECT COUNT(*) FROM vk_award_held WHERE rule_set_id = ?", (rule_set_id,)
            )
        return int(row[0]) if row else 0

    def recommend(self, recommendations: Sequence[Recommendation]) -> int:
        """Record recommendations (see the protocol)."""
        recommendations = check_records(recommendations, Recommendation, "recommendations")
        written = 0
        with self._db.atomic():
            for rec in recommendations:
                written += self._db.execute(
                    "INSERT INTO vk_award_recommendations (rule_set_id, subject_id, level_id, "
                    "recommended_by, recommended_at, note) VALUES (?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT (rule_set_id, subject_id, level_id) DO NOTHING",
                    (
                        rec.rule_set_id,
                        rec.subject_id,
                        rec.level_id,
                        rec.by,
                        self._db.to_db_time(rec.at),
                        rec.note,
                    ),
                )
        return written

    def recommendations(
        self, rule_set_id: str, subject_ids: Collection[str], *, as_of: datetime | None = None
    ) -> dict[str, frozenset[str]]:
        """Return recommended levels per subject (see the protocol)."""
        keys = [s for s in check_ids(subject_ids, "subject_ids") if not unstorable_key(s)]
        if unstorable_key(rule_set_id):
            keys = []
        by_time = ""
        params: tuple[Any, ...] = ()
        if as_of is not None:
            by_time = " AND recommended_at <= ?"
            params = (self._db.to_db_time(require_aware(as_of, "$.as_of")),)
        found: dict[str, set[str]] = {}
        for i in range(0, len(keys), _CHUNK):
            chunk = keys[i : i + _CHUNK]
            for subject, level in self._db.fetchall(
                "SELECT subject_id, level_id FROM vk_award_recommendations "
                f"WHERE rule_set_id = ? AND subject_id IN ({_marks(len(chunk))}){by_time}",
                (rule_set_id, *chunk, *params),
            ):
                found.setdefault(subject, set()).add(level)
        return {s: frozenset(levels) for s, levels in found.items()}

    # ----------------------------------------------------------------------------- credit

    def _valid(self, as_of: Any, first: int | None, last: int | None) -> tuple[str, list[Any]]:
        t = self._db.to_db_time(require_aware(as_of, "$.as_of"))
        sql = "valid_from <= ? AND (valid_to IS NULL OR valid_to > ?)"
        params: list[Any] = [t, t]
        if first is not None:
            sql += " AND local_date >= ?"
            params.append(first)
        if last is not None:
            sql += " AND local_date <= ?"
            params.append(last)
        return sql, params

    def credit_lines(
        self,
        as_of: Any,
        *,
        volunteer_ids: Collection[str] | None = None,
        first: int | None = None,
        last: int | None = None,
        ranges: Collection[tuple[str, int, int]] | None = None,
    ) -> Iterator[tuple[str, list[CreditTuple]]]:
        """Stream credit rows valid at ``as_of`` per volunteer (see the protocol)."""
        # the rows of a chunk are read whole: refuse the rest once the store is closed
        return handed_out(
            self._db,
            self._credit_lines(
                as_of, volunteer_ids=volunteer_ids, first=first, last=last, ranges=ranges
            ),
        )

    def _credit_lines(
        self,
        as_of: Any,
        *,
        volunteer_ids: Collection[str] | None,
        first: int | None,
        last: int | None,
        ranges: Collection[tuple[str, int, int]] | None,
    ) -> Iterator[tuple[str, list[CreditTuple]]]:
        where, params = self._valid(as_of, first, last)
        columns = (
            "volunteer_id, local_date, entry_id, organization_id, category, raw_minutes, "
            "credited_minutes, weighted_micro"
        )
        if ranges is not None:
            yield from self._ranges(columns, where, params, ranges, volunteer_ids)
            return
        if volunteer_ids is None:
            rows = self._db.stream(
                f"SELECT {columns} FROM vk_hours_credit WHERE {where} ORDER BY volunteer_id",
                params,
                batch=5000,
            )
            yield from _grouped(rows)
            return
        keys = sorted(set(volunteer_ids))
        for i in range(0, len(keys), _CHUNK):
            chunk = keys[i : i + _CHUNK]
            found = self._db.fetchall(
                f"SELECT {columns} FROM vk_hours_credit WHERE {where} "
                f"AND volunteer_id IN ({_marks(len(chunk))}) ORDER BY volunteer_id",
                (*params, *chunk),
            )
            yield from _grouped(found)

    def _ranges(
        self,
        columns: str,
        where: str,
        params: list[Any],
        ranges: Collection[tuple[str, int, int]],
        volunteer_ids: Collection[str] | None,
    ) -> Iterator[tuple[str, list[CreditTuple]]]:
        wanted = None if volunteer_ids is None else set(volunteer_ids)
        spans = sorted({r for r in ranges if wanted is None or r[0] in wanted})
        found: dict[str, list[CreditTuple]] = {}
        for i in range(0, len(spans), 200):
            chunk = spans[i : i + 200]
            ors = " OR ".join("(volunteer_id = ? AND local_date BETWEEN ? AND ?)" for _ in chunk)
            flat = [value for span in chunk for value in span]
            rows = self._db.fetchall(
                f"SELECT {columns} FROM vk_hours_credit WHERE {where} AND ({ors})",
                (*params, *flat),
            )
            for row in rows:
                found.setdefault(row[0], []).append(
                    (row[1], row[2], row[3], row[4], row[5], row[6], row[7])
                )
        yield from sorted(found.items())

    def credit_day_totals(
        self,
        as_of: Any,
        *,
        volunteer_ids: Collection[str],
        counting: Counting | None = None,
        last: int | None = None,
        by_month: bool = False,
        kinds: Collection[str] | None = None,
    ) -> Iterator[tuple[str, list[DayTotalsTuple]]]:
        """Sum credit rows per volunteer and local date or month in SQL (see the protocol)."""
        return handed_out(  # chunks are read whole: refuse the rest once the store is closed
            self._db,
            self._credit_day_totals(
                as_of, volunteer_ids=volunteer_ids, counting=counting, last=last,
                by_month=by_month, kinds=kinds,
            ),
        )  # fmt: skip

    def _credit_day_totals(
        self,
        as_of: Any,
        *,
        volunteer_ids: Collection[str],
        counting: Counting | None,
        last: int | None,
        by_month: bool,
        kinds: Collection[str] | None,
    ) -> Iterator[tuple[str, list[DayTotalsTuple]]]:
        check_counting(counting)
        wanted = set(CREDIT_COLUMNS if kinds is None else kinds)
        check_minimum(dict.fromkeys(wanted, 0))
        sums = ", ".join(
            f"SUM({CREDIT_COLUMNS[k]})" if k in wanted else "0"
            for k in ("raw", "credited", "weighted")
        )
        where, params = self._valid(as_of, None, last)
        filters, extra = counting_sql(counting)
        group = "local_date / 100" if by_month else "local_date"
        keys = sorted(set(volunteer_ids))
        for i in range(0, len(keys), _CHUNK):
            chunk = keys[i : i + _CHUNK]
            rows = self._db.fetchall(
                f"SELECT volunteer_id, MAX(local_date), {sums} "
                f"FROM vk_hours_credit WHERE {where}{filters} "
                f"AND volunteer_id IN ({_marks(len(chunk))}) "
                f"GROUP BY volunteer_id, {group} ORDER BY volunteer_id, {group}",
                (*params, *extra, *chunk),
            )
            current: str | None = None
            batch: list[DayTotalsTuple] = []
            for vid, day, raw, credited, weighted in rows:
                if vid != current:
                    if current is not None:
                        yield current, batch
                    current, batch = vid, []
                batch.append((int(day), int(raw), int(credited), int(weighted)))
            if current is not None:
                yield current, batch

    def credit_reaching(
        self, as_of: Any, minimum: Mapping[str, int], *, last: int | None = None
    ) -> Iterator[str]:
        """Stream volunteers whose sums reach a minimum, with HAVING in SQL (see the protocol)."""
        check_minimum(minimum)
        if not minimum:
            return
        where, params = self._valid(as_of, None, last)
        kinds = sorted(minimum)
        having = " OR ".join(f"SUM({CREDIT_COLUMNS[kind]}) >= ?" for kind in kinds)
        sql = (
            f"SELECT volunteer_id FROM vk_hours_credit WHERE {where} "
            f"GROUP BY volunteer_id HAVING {having}"
        )
        for row in self._db.stream(sql, [*params, *(minimum[k] for k in kinds)], batch=5000):
            yield row[0]

    def credit_crossings(
        self,
        as_of: Any,
        thresholds: Mapping[str, Collection[int]],
        *,
        last: int | None = None,
        volunteer_ids: Collection[str] | None = None,
    ) -> Iterator[tuple[str, int, list[CrossingTuple]]]:
        """Stream the rows at which running sums reach thresholds (see the protocol)."""
        where, params = self._valid(as_of, None, last)
        if self._db.backend == "sqlite":  # the sums its migrations keep (see _sql_awards_sums)
            at = self._db.to_db_time(as_of)
            found = credit_crossings_from_sums(
                self._db, where, params, at, last, thresholds, volunteer_ids
            )
        else:
            found = credit_crossings(self._db, where, params, thresholds, volunteer_ids)
        return handed_out(self._db, found)  # chunks are read whole: refuse the rest once closed

    def credit_totals(
        self,
        as_of: Any,
        *,
        counting: Counting | None = None,
        first: int | None = None,
        last: int | None = None,
    ) -> Iterator[TotalsTuple]:
        """Sum credit rows per volunteer in SQL (see the protocol)."""
        check_counting(counting)
        where, params = self._valid(as_of, first, last)
        filters, extra = counting_sql(counting)
        sql = (
            "SELECT volunteer_id, SUM(raw_minutes), SUM(credited_minutes), SUM(weighted_micro), "
            f"MIN(local_date), MAX(local_date) FROM vk_hours_credit WHERE {where}{filters} "
            "GROUP BY volunteer_id ORDER BY volunteer_id"
        )
        for row in self._db.stream(sql, [*params, *extra], batch=5000):
            yield (row[0], int(row[1]), int(row[2]), int(row[3]), int(row[4]), int(row[5]))


def _grouped(rows: Any) -> Iterator[tuple[str, list[CreditTuple]]]:
    current: str | None = None
    batch: list[CreditTuple] = []
    for row in rows:
        vid = row[0]
        if vid != current:
            if current is not None:
                yield current, batch
            current = vid
            batch = []
        batch.append((row[1], row[2], row[3], row[4], row[5], row[6], row[7]))
    if current is not None:
        yield current, batch
