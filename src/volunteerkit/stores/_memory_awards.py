"""Awards on the memory backend: the award ledger in dicts, credit read from ``store.ledger``."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

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
    check_thresholds,
)
from volunteerkit.errors import ConflictError
from volunteerkit.hours.store import GroupKey, Query
from volunteerkit.stores._base import handed_out, require_open

if TYPE_CHECKING:
    from volunteerkit.stores.memory import MemoryStore

__all__ = ["MemoryAwardRepository", "award_conflict"]

_Award = tuple[str, str, str, str]


def award_conflict() -> ConflictError:
    """Return the error for a different award record under a stored id.

    Returns:
        The error.
    """
    return ConflictError(
        "a different award record with this id is already stored",
        "已存在相同标识但内容不同的奖项记录",
        code="awards.conflict",
        path="$.id",
    )


class MemoryAwardRepository:
    """:class:`~volunteerkit.awards.store.AwardRepository` kept in memory."""

    def __init__(self, store: MemoryStore) -> None:
        self._store = store
        self._records: dict[str, AwardRecord] = {}
        self._by_subject: dict[tuple[str, str], list[str]] = {}
        self._held: dict[_Award, Grant] = {}
        self._recommended: dict[tuple[str, str, str], Recommendation] = {}

    # ----------------------------------------------------------------------------- records

    def _append(self, record: AwardRecord) -> None:
        subject = (record.rule_set_id, record.subject_id)
        self._records[record.id] = record
        self._by_subject.setdefault(subject, []).append(record.id)

        def undo() -> None:
            del self._records[record.id]
            self._by_subject[subject].remove(record.id)

        self._store.on_rollback(undo)

    def _set_held(self, award: _Award, grant: Grant | None) -> None:
        before = self._held.get(award)
        if grant is None:
            del self._held[award]
        else:
            self._held[award] = grant

        def undo() -> None:
            if before is None:
                self._held.pop(award, None)
            else:
                self._held[award] = before

        self._store.on_rollback(undo)

    def _replayed(self, record: AwardRecord) -> bool:
        stored = self._records.get(record.id)
        if stored is None:
            return False
        if stored != record:
            raise award_conflict()
        return True

    def grant(self, grants: Sequence[Grant]) -> int:
        """Record grants (see :meth:`volunteerkit.awards.store.AwardRepository.grant`)."""
        grants = check_records(grants, Grant, "grants")
        written = 0
        with self._store.transaction():
            for grant in grants:
                if self._replayed(grant) or grant.award in self._held:
                    continue
                self._append(grant)
                self._set_held(grant.award, grant)
                written += 1
        return written

    def revoke(self, revocations: Sequence[Revocation]) -> int:
        """Record revocations (see :meth:`volunteerkit.awards.store.AwardRepository.revoke`)."""
        revocations = check_records(revocations, Revocation, "revocations")
        written = 0
        with self._store.transaction():
            for revocation in revocations:
                if self._replayed(revocation) or revocation.award not in self._held:
                    continue
                self._append(revocation)
                self._set_held(revocation.award, None)
                written += 1
        return written

    def held(
        self, rule_set_id: str, subject_ids: Collection[str] | None = None
    ) -> dict[str, list[Grant]]:
        """Return held grants per subject (see the protocol)."""
        wanted = None if subject_ids is None else set(check_ids(subject_ids, "subject_ids"))
        require_open(self._store)
        result: dict[str, list[Grant]] = {}
        for (rs, subject, _level, _key), grant in self._held.items():
            if rs == rule_set_id and (wanted is None or subject in wanted):
                result.setdefault(subject, []).append(grant)
        for grants in result.values():
            grants.sort(key=lambda g: (g.level_id, g.key))
        return result

    def history(self, rule_set_id: str, subject_id: str) -> list[AwardRecord]:
        """Return a subject's records by ``(at, id)`` (see the protocol)."""
        require_open(self._store)
        ids = self._by_subject.get((rule_set_id, subject_id), [])
        return sorted((self._records[i] for i in ids), key=lambda r: (r.at, r.id))

    def holders(self, rule_set_id: str) -> Iterator[str]:
        """Stream the subjects holding an award of a rule set (see the protocol)."""
        held = sorted({award[1] for award in self._held if award[0] == rule_set_id})
        return handed_out(self._store, held)

    def count_held(self, rule_set_id: str | None = None) -> int:
        """Return how many awards are held (see the protocol)."""
        require_open(self._store)
        return sum(1 for award in self._held if rule_set_id is None or award[0] == rule_set_id)

    def recommend(self, recommendations: Sequence[Recommendation]) -> int:
        """Record recommendations (see the protocol)."""
        recommendations = check_records(recommendations, Recommendation, "recommendations")
        written = 0
        with self._store.transaction():
            for rec in recommendations:
                key = (rec.rule_set_id, rec.subject_id, rec.level_id)
                if key in self._recommended:
                    continue
                self._recommended[key] = rec

                def undo(k: tuple[str, str, str] = key) -> None:
                    del self._recommended[k]

                self._store.on_rollback(undo)
                written += 1
        return written

    def recommendations(
        self, rule_set_id: str, subject_ids: Collection[str], *, as_of: datetime | None = None
    ) -> dict[str, frozenset[str]]:
        """Return recommended levels per subject (see the protocol)."""
        if as_of is not None:
            as_of = require_aware(as_of, "$.as_of")
        wanted = set(check_ids(subject_ids, "subject_ids"))
        require_open(self._store)
        found: dict[str, set[str]] = {}
        for (rs, subject, level), rec in self._recommended.items():
            if rs == rule_set_id and subject in wanted and (as_of is None or rec.at <= as_of):
                found.setdefault(subject, set()).add(level)
        return {s: frozenset(levels) for s, levels in found.items()}

    # ----------------------------------------------------------------------------- credit

    def credit_lines(
        self,
        as_of: datetime,
        *,
        volunteer_ids: Collection[str] | None = None,
        first: int | None = None,
        last: int | None = None,
        ranges: Collection[tuple[str, int, int]] | None = None,
    ) -> Iterator[tuple[str, list[CreditTuple]]]:
        """Stream credit rows valid at ``as_of`` per volunteer (see the protocol)."""
        spans: dict[str, list[tuple[int, int]]] | None = None
        if ranges is not None:
            spans = {}
            for vid, low, high in ranges:
                spans.setdefault(vid, []).append((low, high))
            volunteer_ids = sorted(spans) if volunteer_ids is None else volunteer_ids
        as_of = require_aware(as_of, "$.as_of")
        require_open(self._store)
        ledger = getattr(self._store, "ledger", None)
        if ledger is None:
            return
        if volunteer_ids is None:
            query = Query(as_of=as_of, first=first, last=last)
            sums = ledger.sum_credit(query, [GroupKey.VOLUNTEER])
            volunteers = sorted(str(row.key[0]) for row in sums)
        else:
            volunteers = sorted(set(volunteer_ids))
        for vid in volunteers:
            require_open(self._store)  # the rest of a query read after close() is refused, as on SQL
            rows: list[CreditTuple] = [
                (
                    r.local_date,
                    str(r.entry_id),
                    r.organization_id,
                    r.category,
                    r.raw_minutes,
                    r.credited_minutes,
                    r.weighted_micro,
                )
                for r in ledger.credit_history(vid)
                if r.valid_at(as_of)
                and (first is None or r.local_date >= first)
                and (last is None or r.local_date <= last)
                and (
                    spans is None
                    or any(low <= r.local_date <= high for low, high in spans.get(vid, ()))
                )
            ]
            if rows:
                yield vid, rows

    def credit_day_totals(
        self,
        as_of: datetime,
        *,
        volunteer_ids: Collection[str],
        counting: Counting | None = None,
        last: int | None = None,
        by_month: bool = False,
        kinds: Collection[str] | None = None,
    ) -> Iterator[tuple[str, list[DayTotalsTuple]]]:
        """Sum credit rows per volunteer and local date or month (see the protocol)."""
        check_counting(counting)
        wanted = set(CREDIT_COLUMNS if kinds is None else kinds)
        check_minimum(dict.fromkeys(wanted, 0))
        for vid, rows in self.credit_lines(as_of, volunteer_ids=volunteer_ids, last=last):
            sums: dict[int, list[int]] = {}
            for r in rows:
                if counting is None or counting.admits(r[3], r[2], None):
                    acc = sums.setdefault(r[0] // 100 if by_month else r[0], [0, 0, 0, 0])
                    acc[0] += r[4]
                    acc[1] += r[5]
                    acc[2] += r[6]
                    acc[3] = max(acc[3], r[0])
            if sums:
                yield (
                    vid,
                    [
                        (
                            v[3],
                            v[0] if "raw" in wanted else 0,
                            v[1] if "credited" in wanted else 0,
                            v[2] if "weighted" in wanted else 0,
                        )
                        for _k, v in sorted(sums.items())
                    ],
                )

    def credit_reaching(
        self, as_of: datetime, minimum: Mapping[str, int], *, last: int | None = None
    ) -> Iterator[str]:
        """Stream volunteers whose sums reach a minimum (see the protocol)."""
        check_minimum(minimum)
        for vid, raw, credited, weighted, _first, _last in self.credit_totals(as_of, last=last):
            sums = {"raw": raw, "credited": credited, "weighted": weighted}
            if any(sums[kind] >= value for kind, value in minimum.items()):
                yield vid

    def credit_crossings(
        self,
        as_of: datetime,
        thresholds: Mapping[str, Collection[int]],
        *,
        last: int | None = None,
        volunteer_ids: Collection[str] | None = None,
    ) -> Iterator[tuple[str, int, list[CrossingTuple]]]:
        """Stream the rows at which running sums reach thresholds (see the protocol)."""
        needs = check_thresholds(thresholds)
        if not needs:
            return
        for vid, rows in self.credit_lines(as_of, volunteer_ids=volunteer_ids, last=last):
            ordered = [
                (r[0], r[1], {"raw": r[4], "credited": r[5], "weighted": r[6]})
                for r in sorted(rows, key=lambda r: (r[0], r[1]))
            ]
            counted = [r for r in ordered if any(r[2][k] > 0 for k in needs)]
            crossings: list[CrossingTuple] = []
            for kind in sorted(needs):
                running = 0
                pending = list(needs[kind])
                for day, entry, amounts in ordered:
                    amount = amounts[kind]
                    if amount <= 0:
                        continue
                    running += amount
                    while pending and running >= pending[0]:
                        crossings.append((kind, pending.pop(0), day, entry, running))
                    if not pending:
                        break
            if crossings:
                yield vid, counted[0][0], crossings

    def credit_totals(
        self,
        as_of: datetime,
        *,
        counting: Counting | None = None,
        first: int | None = None,
        last: int | None = None,
    ) -> Iterator[TotalsTuple]:
        """Sum credit rows per volunteer (see the protocol)."""
        check_counting(counting)
        for vid, rows in self.credit_lines(as_of, first=first, last=last):
            chosen = [r for r in rows if counting is None or counting.admits(r[3], r[2], None)]
            if chosen:
                yield (
                    vid,
                    sum(r[4] for r in chosen),
                    sum(r[5] for r in chosen),
                    sum(r[6] for r in chosen),
                    min(r[0] for r in chosen),
                    max(r[0] for r in chosen),
                )
