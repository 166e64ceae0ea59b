"""The statistics port on the SQL backends (one implementation for SQLite and PostgreSQL).

Every figure is one SQL statement that groups, counts and sums inside the database; Python
receives only the grouped rows. Volunteer attributes kept in the ``profile`` JSON (home region,
birth date, sex, age band of an anonymised record) are read with ``json_extract`` on SQLite and
``::jsonb ->>`` on PostgreSQL. Percentiles use ``ROW_NUMBER()`` and ``COUNT(*) OVER ()``: the
nearest-rank ``p``-th percentile is the smallest total whose rank ``r`` has ``100 r >= p n``.
"""

from __future__ import annotations

from typing import Any

from volunteerkit.hours.store import date_key, group_sort_key, month_text
from volunteerkit.registry.privacy import age_band
from volunteerkit.stats.compute import shift_window
from volunteerkit.stats.models import Window
from volunteerkit.stats.store import HoursBy, RawRow, Scope, VolunteersBy, size_band
from volunteerkit.stores._base import SQLDatabase

__all__ = ["SQLStatsRepository"]

# The root itself whether registered or not, as compute.subtree: credit may name an organization
# the registry does not hold (the ledger does not check it), and filtering by it finds that credit.
# {collate}: PostgreSQL's id columns are COLLATE "C", and a recursive term must keep its collation.
_SUBTREE = (
    "sub(id) AS (SELECT CAST(? AS TEXT){collate} "
    "UNION SELECT o.id FROM vk_organizations o JOIN sub ON o.parent_id = sub.id)"
)

_KIND = (
    "CASE WHEN o.uscc IS NULL THEN 'unregistered' "
    "WHEN substr(o.uscc, 1, 2) = '51' THEN 'social_organization' "
    "WHEN substr(o.uscc, 1, 2) = '52' THEN 'social_service_organization' "
    "WHEN substr(o.uscc, 1, 2) = '53' THEN 'foundation' "
    "WHEN substr(o.uscc, 1, 2) = '59' THEN 'other_civil_affairs' ELSE 'other' END"
)


def _region_expr(column: str, by: str) -> str:
    if by == "province":
        return f"substr({column}, 1, 2) || '0000'"
    if by == "prefecture":
        return f"substr({column}, 1, 4) || '00'"
    return column


class SQLStatsRepository:
    """:class:`~volunteerkit.stats.store.StatsRepository` computed by SQL.

    Args:
        db: The backend's database adapter.
    """

    def __init__(self, db: SQLDatabase) -> None:
        self._db = db

    # ----------------------------------------------------------------------------- fragments

    def _json(self, field: str) -> str:
        if self._db.backend == "postgresql":
            return f"(v.profile::jsonb ->> '{field}')"
        return f"json_extract(v.profile, '$.{field}')"

    def _with(self, scope: Scope, *more: str) -> tuple[str, list[Any]]:
        parts = list(more)
        params: list[Any] = []
        if scope.filters.organization_id is not None:
            collate = ' COLLATE "C"' if self._db.backend == "postgresql" else ""
            parts.insert(0, _SUBTREE.format(collate=collate))
            params.append(scope.filters.organization_id)
        if not parts:
            return "", params
        return "WITH RECURSIVE " + ", ".join(parts) + " ", params

    def _credit_where(self, scope: Scope, window: Window | None = None) -> tuple[str, list[Any]]:
        window = window or scope.window
        t = self._db.to_db_time(scope.as_of)
        clauses = [
            "c.valid_from <= ?",
            "(c.valid_to IS NULL OR c.valid_to > ?)",
            "c.local_date >= ?",
            "c.local_date <= ?",
        ]
        params: list[Any] = [t, t, date_key(window.first), date_key(window.last)]
        if scope.filters.organization_id is not None:
            clauses.append("c.organization_id IN (SELECT id FROM sub)")
        prefix = scope.region_prefix
        if prefix is not None:
            clauses.append(f"substr(c.region, 1, {len(prefix)}) = ?")
            params.append(prefix)
        return " AND ".join(clauses), params

    def _volunteer_where(self, scope: Scope, *, new: bool = False) -> tuple[str, list[Any]]:
        t = self._db.to_db_time(scope.as_of)
        clauses = ["v.status <> 'merged'", "v.registered_at <= ?"]
        params: list[Any] = [t]
        if new:
            clauses.append("v.registered_at >= ? AND v.registered_at < ?")
            params += [
                self._db.to_db_time(scope.window_start),
                self._db.to_db_time(scope.window_end),
            ]
        if scope.filters.organization_id is not None:
            clauses.append(
                "EXISTS (SELECT 1 FROM vk_memberships m WHERE m.volunteer_id = v.id "
                "AND m.organization_id IN (SELECT id FROM sub) AND m.joined_at <= ? "
                "AND (m.left_at IS NULL OR m.left_at > ?))"
            )
            params += [t, t]
        prefix = scope.region_prefix
        if prefix is not None:
            clauses.append(f"substr({self._json('home_region')}, 1, {len(prefix)}) = ?")
            params.append(prefix)
        return " AND ".join(clauses), params

    def _age_expr(self, scope: Scope, bands: tuple[int, ...]) -> str:
        on = date_key(scope.as_of_date)
        birth = f"CAST(replace({self._json('birth_date')}, '-', '') AS INTEGER)"
        whens = [f"WHEN {birth} IS NULL THEN {self._json('age_band')}"]
        for bound in bands:
            whens.append(
                f"WHEN ({on} - {birth}) / 10000 < {int(bound)} THEN '{age_band(int(bound) - 1, bands)}'"
            )
        return f"CASE {' '.join(whens)} ELSE '{age_band(bands[-1], bands)}' END"

    @staticmethod
    def _hours_expr(by: HoursBy) -> str | None:
        if by is HoursBy.ALL:
            return None
        if by is HoursBy.ORGANIZATION:
            return "c.organization_id"
        if by is HoursBy.CATEGORY:
            return "c.category"
        if by is HoursBy.MONTH:
            return "c.local_date / 100"
        return _region_expr("c.region", by.value)

    @staticmethod
    def _rows(rows: list[tuple[Any, ...]], grouped: bool, month: bool = False) -> list[RawRow]:
        out = []
        for row in rows:
            if grouped:
                raw = row[0]
                key: tuple[str | None, ...] = (
                    None if raw is None else month_text(int(raw)) if month else str(raw),
                )
                value, persons = row[1], row[2]
            else:
                key, value, persons = (), row[0], row[1]
            if value is None or (int(value) == 0 and int(persons) == 0):
                continue
            out.append(RawRow(key=key, value=int(value), persons=int(persons)))
        out.sort(key=lambda r: group_sort_key(r.key))
        return out

    # ----------------------------------------------------------------------------- figures

    def volunteers(
        self, scope: Scope, by: VolunteersBy, *, new: bool, age_bands: tuple[int, ...]
    ) -> list[RawRow]:
        """Count registered volunteers in SQL (see the protocol)."""
        with_sql, params = self._with(scope)
        where, wparams = self._volunteer_where(scope, new=new)
        if by is VolunteersBy.ALL:
            expr = None
        elif by in (VolunteersBy.PROVINCE, VolunteersBy.PREFECTURE, VolunteersBy.REGION):
            expr = _region_expr(self._json("home_region"), by.value)
        elif by is VolunteersBy.AGE_BAND:
            expr = self._age_expr(scope, age_bands)
        elif by is VolunteersBy.SEX:
            expr = self._json("sex")
        else:
            expr = "v.doc_scheme"
        if expr is None:
            sql = f"{with_sql}SELECT COUNT(*), COUNT(*) FROM vk_volunteers v WHERE {where}"
        else:
            sql = (
                f"{with_sql}SELECT {expr} AS g0, COUNT(*), COUNT(*) FROM vk_volunteers v "
                f"WHERE {where} GROUP BY g0"
            )
        return self._rows(self._db.fetchall(sql, params + wparams), expr is not None)

    def active(self, scope: Scope, by: HoursBy) -> list[RawRow]:
        """Count active volunteers in SQL (see the protocol)."""
        with_sql, params = self._with(scope)
        where, wparams = self._credit_where(scope)
        expr = self._hours_expr(by)
        count = "COUNT(DISTINCT c.volunteer_id)"
        if expr is None:
            sql = (
                f"{with_sql}SELECT {count}, {count} FROM vk_hours_credit c "
                f"WHERE {where} AND c.credited_minutes > 0"
            )
        else:
            sql = (
                f"{with_sql}SELECT {expr} AS g0, {count}, {count} FROM vk_hours_credit c "
                f"WHERE {where} AND c.credited_minutes > 0 GROUP BY g0"
            )
        rows = self._db.fetchall(sql, params + wparams)
        return self._rows(rows, expr is not None, by is HoursBy.MONTH)

    def minutes(self, scope: Scope, by: HoursBy) -> list[RawRow]:
        """Sum credited minutes in SQL (see the protocol)."""
        with_sql, params = self._with(scope)
        where, wparams = self._credit_where(scope)
        expr = self._hours_expr(by)
        agg = (
            "SUM(c.credited_minutes), "
            "COUNT(DISTINCT CASE WHEN c.credited_minutes > 0 THEN c.volunteer_id END)"
        )
        if expr is None:
            sql = f"{with_sql}SELECT {agg} FROM vk_hours_credit c WHERE {where}"
        else:
            sql = (
                f"{with_sql}SELECT {expr} AS g0, {agg} FROM vk_hours_credit c WHERE {where} "
                "GROUP BY g0 HAVING SUM(c.credited_minutes) > 0"
            )
        rows = self._db.fetchall(sql, params + wparams)
        return [r for r in self._rows(rows, expr is not None, by is HoursBy.MONTH) if r.value > 0]

    def minutes_per_volunteer(
        self, scope: Scope, percentiles: tuple[int, ...]
    ) -> tuple[int, int, list[int]]:
        """Describe minutes per active volunteer in SQL (see the protocol)."""
        where, wparams = self._credit_where(scope)
        with_sql, params = self._with(
            scope,
            "per AS (SELECT c.volunteer_id, SUM(c.credited_minutes) AS m FROM vk_hours_credit c "
            f"WHERE {where} AND c.credited_minutes > 0 GROUP BY c.volunteer_id)",
            "ranked AS (SELECT m, ROW_NUMBER() OVER (ORDER BY m) AS rn, "
            "COUNT(*) OVER () AS n FROM per)",
        )
        picks = "".join(
            f", MIN(CASE WHEN rn * 100 >= {int(p)} * n THEN m END)" for p in percentiles
        )
        row = self._db.fetchone(
            f"{with_sql}SELECT MAX(n), SUM(m){picks} FROM ranked", params + wparams
        )
        if row is None or row[0] is None:
            return 0, 0, []
        return int(row[0]), int(row[1]), [int(v) for v in row[2:]]

    def retained(self, scope: Scope, offsets: tuple[int, ...]) -> tuple[int, list[int]]:
        """Count the cohort active again later in SQL (see the protocol)."""
        where, wparams = self._credit_where(scope)
        with_sql, params = self._with(
            scope,
            "cohort AS (SELECT DISTINCT c.volunteer_id FROM vk_hours_credit c "
            f"WHERE {where} AND c.credited_minutes > 0)",
        )
        params += wparams
        selects = ["(SELECT COUNT(*) FROM cohort)"]
        for n in offsets:
            later, lparams = self._credit_where(scope, shift_window(scope.window, n))
            selects.append(
                "(SELECT COUNT(*) FROM cohort k WHERE EXISTS (SELECT 1 FROM vk_hours_credit c "
                f"WHERE c.volunteer_id = k.volunteer_id AND {later} AND c.credited_minutes > 0))"
            )
            params += lparams
        row = self._db.fetchone(f"{with_sql}SELECT {', '.join(selects)}", params)
        assert row is not None
        return int(row[0]), [int(v) for v in row[1:]]

    def award_levels(self, scope: Scope, rule_set_id: str) -> list[RawRow]:
        """Count holders of each level in SQL (see the protocol)."""
        t = self._db.to_db_time(scope.as_of)
        with_sql, params = self._with(
            scope,
            "latest AS (SELECT subject_id, level_id, kind, ROW_NUMBER() OVER (PARTITION BY "
            "subject_id, level_id, award_key ORDER BY at DESC, id DESC) AS rn "
            "FROM vk_award_records WHERE rule_set_id = ? AND at <= ?)",
        )
        params += [rule_set_id, t]
        holder = ""
        if scope.filters.organization_id is not None or scope.filters.region is not None:
            where, wparams = self._volunteer_where(scope)
            holder = (
                f" AND EXISTS (SELECT 1 FROM vk_volunteers v WHERE v.id = l.subject_id AND {where})"
            )
            params += wparams
        sql = (
            f"{with_sql}SELECT l.level_id, COUNT(DISTINCT l.subject_id), "
            "COUNT(DISTINCT l.subject_id) FROM latest l "
            f"WHERE l.rn = 1 AND l.kind = 'grant'{holder} GROUP BY l.level_id"
        )
        return self._rows(self._db.fetchall(sql, params), True)

    def organizations(self, scope: Scope, size_bands: tuple[int, ...]) -> list[RawRow]:
        """Count organizations by kind and size in SQL (see the protocol)."""
        t = self._db.to_db_time(scope.as_of)
        with_sql, params = self._with(
            scope,
            "size AS (SELECT organization_id, COUNT(DISTINCT volunteer_id) AS n "
            "FROM vk_memberships WHERE joined_at <= ? AND (left_at IS NULL OR left_at > ?) "
            "GROUP BY organization_id)",
        )
        params += [t, t]
        n = "COALESCE(s.n, 0)"
        whens = " ".join(
            f"WHEN {n} < {int(bound)} THEN '{size_band(int(bound) - 1, size_bands)}'"
            for bound in size_bands
        )
        band = f"CASE {whens} ELSE '{size_band(size_bands[-1], size_bands)}' END"
        clauses = ["o.registered_at <= ?"]
        params.append(t)
        if scope.filters.organization_id is not None:
            clauses.append("o.id IN (SELECT id FROM sub)")
        prefix = scope.region_prefix
        if prefix is not None:
            clauses.append(f"substr(o.region, 1, {len(prefix)}) = ?")
            params.append(prefix)
        sql = (
            f"{with_sql}SELECT {_KIND} AS g0, {band} AS g1, COUNT(*) FROM vk_organizations o "
            f"LEFT JOIN size s ON s.organization_id = o.id WHERE {' AND '.join(clauses)} "
            "GROUP BY g0, g1"
        )
        out = [
            RawRow(key=(str(r[0]), str(r[1])), value=int(r[2]), persons=int(r[2]))
            for r in self._db.fetchall(sql, params)
        ]
        out.sort(key=lambda r: group_sort_key(r.key))
        return out
