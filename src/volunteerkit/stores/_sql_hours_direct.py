"""Set-based approval of plain entries on the SQL backends (see ``hours.store.DirectApproval``).

``approve_many`` of a million pending entries spends most of its time carrying rows between the
database and Python: reading each entry back, building its approval event and credit rows, and
binding them again. For the common case none of that needs Python. A *plain* entry (recorded
pending, no event, isolated, one UTC offset over its served interval, at most 48 hours) under a
plain policy (no rounding, cap, per-entry maximum or time window) is credited its served minutes
per local day, so the database can write its event and credit rows itself with ``INSERT ...
SELECT``.

Local days need the zone's UTC offset, which SQLite does not know and PostgreSQL knows from its
own copy of the tz database (which may differ from Python's). Both read a temporary table of
*spans*, stretches of constant offset computed from :mod:`zoneinfo` by
:func:`volunteerkit.hours._time.offset_spans`, so SQL and Python split days with the same data.
Inside one span the local day of epoch minute ``m`` is ``(m + offset) // 1440`` days after
1970-01-01, which is exactly what ``split_minutes_by_day`` gives there.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from volunteerkit.errors import IntegrityError
from volunteerkit.hours._time import from_minute, year_spans
from volunteerkit.hours.store import WEIGHT_SCALE
from volunteerkit.stores._base import SQLDatabase

__all__ = ["SQLDirectApprovals"]

_DAY_US = 86_400_000_000
_MAX_SPAN_MINUTES = 2880  # 48 hours: at most three local days, the join's (0), (1), (2)
_MAX_END_US = (datetime(9999, 1, 1, tzinfo=UTC) - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(
    microseconds=1
)


def _zone(key: str, cache: dict[str, ZoneInfo | None]) -> ZoneInfo | None:
    if key not in cache:
        try:
            cache[key] = ZoneInfo(key)
        except (ZoneInfoNotFoundError, ValueError):  # gone from this machine's tz database
            cache[key] = None
    return cache[key]


class _Dialect:
    """The SQL that differs between SQLite and PostgreSQL."""

    def __init__(self, backend: str) -> None:
        pg = backend == "postgresql"
        self.pg = pg
        # the entries of one call and their position, each looked up by primary key. On
        # PostgreSQL the lookup is a LATERAL subquery fenced with OFFSET 0: while a freshly
        # loaded table has no statistics, a plain join with unnest() or ``id = ANY(array)`` was
        # planned as a scan of the whole table (and 1,000,000 rows is 200 such scans).
        self.pos = "b.pos - 1" if pg else "b.key"  # from 0
        # epoch minutes of a stored time (SQLite: microseconds, never negative here)
        self.start_min = (
            "floor(extract(epoch FROM e.start_at) / 60)::bigint" if pg else "e.start_at / 60000000"
        )
        self.end_min = (
            "floor(extract(epoch FROM e.end_at) / 60)::bigint" if pg else "e.end_at / 60000000"
        )
        self.min_start = "TIMESTAMPTZ '1970-01-02 00:00:00+00'" if pg else str(_DAY_US)
        # and ends before UTC year 9999, whose offset spans would end in year 10000, beyond
        # datetime's calendar (such an entry takes the replay path, as on the memory store)
        self.max_end = "TIMESTAMPTZ '9999-01-01 00:00:00+00'" if pg else str(_MAX_END_US)
        self.local_date = (
            "to_char(DATE '1970-01-01' + day::int, 'YYYYMMDD')::int"
            if pg
            else "CAST(strftime('%Y%m%d', day * 86400, 'unixepoch') AS INTEGER)"
        )
        # the end of an event id from v, the 62-bit rand_b field: the variant (8 or 9 here) and
        # 3 hex digits, '-', 12 hex digits
        self.id_tail = (
            "substr('89ab', ((v >> 60) & 3)::int + 1, 1) || lpad(to_hex((v >> 48) & 4095), 3, '0') "
            "|| '-' || lpad(to_hex(v & 281474976710655), 12, '0')"
            if pg
            else "substr('89ab', ((v >> 60) & 3) + 1, 1) || printf('%03x', (v >> 48) & 4095) "
            "|| '-' || printf('%012x', v & 281474976710655)"
        )
        self.temp = "" if pg else "temp."
        self.int_key = "BIGINT" if pg else "INTEGER"  # SQLite: the rowid itself
        # PostgreSQL: OFFSET 0 keeps each NOT EXISTS a per-entry index probe; unfenced, the
        # planner turned them into anti joins that hash a whole table, once per batch
        self.fence = " OFFSET 0" if pg else ""
        # SQLite: rowids, so the overlap probe stays inside the covering index (volunteer_id,
        # start_at, end_at) instead of reading each candidate's row for its id
        self.key = "id" if pg else "rowid"

    def source(self) -> str:
        """The FROM of the entries of one call (alias ``e``; its position is :attr:`pos`)."""
        if self.pg:
            return (
                "FROM unnest(?::text[]) WITH ORDINALITY AS b(id, pos) CROSS JOIN LATERAL "
                "(SELECT * FROM vk_hours_entries x WHERE x.id = b.id OFFSET 0) e"
            )
        return "FROM json_each(?) b JOIN vk_hours_entries e ON e.id = b.value"

    def clear(self, table: str) -> str:
        """The statement that empties a temporary table.

        PostgreSQL truncates: a DELETE leaves the dead rows for a vacuum that never comes to
        temporary tables, and every later scan reads them (a million entries approved in one
        call made each batch slower than the one before).
        """
        return f"TRUNCATE {table}" if self.pg else f"DELETE FROM temp.{table}"

    def ids(self, ids: Sequence[str]) -> list[Any]:
        """The parameter that :meth:`source` binds: a text array, or a JSON array on SQLite."""
        return [list(ids)] if self.pg else [json.dumps(list(ids))]

    def left_alone(self) -> str:
        """The positions (from 0) of the call's entries that the plain table does not hold.

        Its parameter: the one :meth:`source` bound on SQLite (``json_each`` numbers it), the
        number of entries less one on PostgreSQL.
        """
        if self.pg:
            return (
                "SELECT g FROM generate_series(0, ?::bigint) g WHERE NOT EXISTS "
                "(SELECT 1 FROM vk_direct_plain p WHERE p.pos = g) ORDER BY g"
            )
        return (
            "SELECT b.key FROM json_each(?) b WHERE NOT EXISTS "
            "(SELECT 1 FROM temp.vk_direct_plain p WHERE p.pos = b.key) ORDER BY b.key"
        )


class SQLDirectApprovals:
    """:class:`~volunteerkit.hours.store.DirectApproval` over a :class:`SQLDatabase`."""

    def __init__(self, db: SQLDatabase) -> None:
        self._db = db
        self._sql = _Dialect(db.backend)
        self._zones: dict[str, ZoneInfo | None] = {}

    def _clear(self, table: str) -> None:
        """Empty a temporary table; on PostgreSQL only when it holds a row.

        A TRUNCATE costs about 4 ms however few rows it drops (a new file for the table and each
        of its indexes), and most of the tables are empty when cleared: the plain table after
        :meth:`credit_direct`, the regions table unless ``home_region`` is set.
        """
        s = self._sql
        if s.pg and not self._db.fetchall(f"SELECT EXISTS (SELECT 1 FROM {table})")[0][0]:
            return
        self._db.execute(s.clear(table))

    def _create_temp(self) -> None:
        # created on first use, in the caller's transaction; kept for the connection's life
        for table in (
            # the offset spans of each zone and UTC calendar year in use, whole years: never
            # cleared (what a year holds does not change), so spans of two years never overlap
            "vk_direct_spans (zone TEXT NOT NULL, lo BIGINT NOT NULL, hi BIGINT NOT NULL, "
            "off INTEGER NOT NULL, PRIMARY KEY (zone, lo))",
            # the entries the last approve_direct approved, until credit_direct credits them: their
            # position in its entry_ids, zone and served interval in epoch minutes (s, se), which
            # lies inside one of the spans. pos is the key: rows go in, and come out, in its order
            f"vk_direct_plain (pos {self._sql.int_key} PRIMARY KEY, entry_id TEXT NOT NULL, "
            "volunteer_id TEXT NOT NULL, organization_id TEXT NOT NULL, category TEXT NOT NULL, "
            "zone TEXT NOT NULL, s BIGINT NOT NULL, se BIGINT NOT NULL)",
            "vk_direct_regions (volunteer_id TEXT NOT NULL PRIMARY KEY, region TEXT NOT NULL)",
        ):
            self._db.execute(f"CREATE TEMP TABLE IF NOT EXISTS {table}")

    def _load_spans(self) -> int:
        """Make sure the spans table holds the zones and years of the plain table's entries.

        Then drop the entries that no span holds whole: across an offset change or the end of a
        UTC year, in a zone this machine does not know, or in an offset with seconds. When each
        zone's entries lie in one span of whole minutes, none can be dropped, and the statement
        that looks is skipped.

        The spans of a zone and year are inserted once and kept: inserting them again does
        nothing, so a rollback that took some away cannot leave an entry without its span.

        Returns:
            How many entries were dropped.
        """
        s = self._sql
        ranges = self._db.fetchall(
            f"SELECT zone, min(s), max(s), max(se) FROM {s.temp}vk_direct_plain GROUP BY zone"
        )
        rows: list[tuple[str, int, int, int]] = []
        held = True  # whether every entry lies inside one span (then none is dropped)
        for key, lo, last, hi in ranges:
            zone = _zone(str(key), self._zones)
            if zone is None:
                held = False
                continue
            end = max(int(last), int(hi))  # the last minute any entry of the zone touches
            spans = [
                span
                for year in range(from_minute(int(lo)).year, from_minute(end).year + 1)
                for span in year_spans(zone, year)
            ]
            holding = [o for a, b, o in spans if a <= int(lo) and end < b]  # one span, or none
            held = held and len(holding) == 1 and holding[0] % 60 == 0
            rows.extend((str(key), a, b, o // 60) for a, b, o in spans if o % 60 == 0)
        if rows:
            self._db.executemany(
                f"INSERT INTO {s.temp}vk_direct_spans (zone, lo, hi, off) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (zone, lo) DO NOTHING",
                rows,
            )
        if held:  # the common case: zones without an offset change in the batch's times
            return 0
        return self._db.execute(
            f"DELETE FROM {s.temp}vk_direct_plain WHERE NOT EXISTS (SELECT 1 FROM "
            f"{s.temp}vk_direct_spans o WHERE o.zone = vk_direct_plain.zone "
            "AND o.lo <= vk_direct_plain.s AND vk_direct_plain.s < o.hi "
            "AND vk_direct_plain.se <= o.hi)"
        )

    def approve_direct(
        self,
        entry_ids: Sequence[str],
        *,
        at: datetime,
        actor: str,
        reason: str,
        event_prefix: str,
        event_start: int,
        certified_in_store: bool,
    ) -> list[int]:
        """Approve the plain entries among ``entry_ids`` (see the protocol).

        The plain entries are found with one ``INSERT ... SELECT`` into a temporary table, whose
        rows then give the approval events and, in :meth:`credit_direct`, the credit rows. The
        statements' row counts tell whether every entry was plain; only when one was not are the
        positions read back.
        """
        if len(set(entry_ids)) != len(entry_ids):
            raise IntegrityError(
                "an entry is listed twice for set-based approval",
                "同一条记录被两次交给批量批准",
                code="hours.direct_repeated",
            )
        with self._db.atomic():  # all of it or nothing, inside the caller's transaction or not
            db, s = self._db, self._sql
            self._create_temp()
            self._clear("vk_direct_plain")
            if not entry_ids:
                return []
            t = db.to_db_time(at)
            start, end = s.start_min, s.end_min
            served_end = f"({end} - e.break_minutes)"
            f = s.fence
            certified = (
                f"AND NOT EXISTS (SELECT 1 FROM vk_transfer_entries c WHERE c.entry_id = e.id{f}) "
                if certified_in_store
                else ""
            )
            jit = None
            if s.pg:
                # The planner cannot know how few rows each probe finds, and the estimate crosses
                # jit_above_cost: compiling the statement took 19 ms a batch of 5,000 (4 µs an
                # entry, a sixth of the statement). Off for this statement only, and back to the
                # session's value (a savepoint rolled back undoes both).
                jit = db.fetchall("SELECT current_setting('jit')")[0][0]
                db.execute("SELECT set_config('jit', 'off', true)")
            ids = s.ids(entry_ids)
            found = db.execute(
                f"INSERT INTO {s.temp}vk_direct_plain (pos, entry_id, volunteer_id, "
                f"organization_id, category, zone, s, se) SELECT {s.pos}, e.id, e.volunteer_id, "
                f"e.organization_id, e.category, e.zone, {start}, {served_end} {s.source()} "
                f"WHERE e.initial_status = 'pending' AND e.start_at >= {s.min_start} "
                f"AND e.end_at < {s.max_end} "
                f"AND e.recorded_at <= ? AND {served_end} - {start} <= {_MAX_SPAN_MINUTES} "
                f"AND NOT EXISTS (SELECT 1 FROM vk_hours_events v WHERE v.entry_id = e.id{f}) "
                "AND NOT EXISTS (SELECT 1 FROM vk_hours_entries x WHERE x.volunteer_id = "
                "e.volunteer_id AND x.start_at < e.end_at AND x.end_at > e.start_at "
                f"AND x.{s.key} <> e.{s.key}{f}) "
                "AND NOT EXISTS (SELECT 1 FROM vk_hours_events k WHERE k.volunteer_id = "
                f"e.volunteer_id AND k.type = 'corrected'{f}) {certified}",
                [*ids, t],
            )
            if jit is not None:
                db.execute("SELECT set_config('jit', ?, true)", [jit])
            found -= self._load_spans()
            # the i-th of entry_ids gets rand_b event_start + i: ids count up in pos order
            db.execute(
                "INSERT INTO vk_hours_events (id, entry_id, volunteer_id, type, actor, at, reason) "
                f"SELECT ? || {s.id_tail}, entry_id, volunteer_id, 'approved', ?, ?, ? FROM ("
                f"SELECT entry_id, volunteer_id, pos, ? + pos AS v FROM {s.temp}vk_direct_plain) q "
                "ORDER BY pos",  # the table's key: read in order, not sorted
                [event_prefix, actor, t, reason, event_start],
            )
            if found == len(entry_ids):  # all of them: nothing left alone
                return []
            rows = db.fetchall(s.left_alone(), [len(entry_ids) - 1] if s.pg else ids)
        return [int(r[0]) for r in rows]

    def plain_volunteers(self) -> list[str]:
        """Return the volunteers of the entries the last approve_direct approved (see the protocol)."""
        self._create_temp()
        rows = self._db.fetchall(
            f"SELECT DISTINCT volunteer_id FROM {self._sql.temp}vk_direct_plain"
        )
        return sorted(str(r[0]) for r in rows)  # Python's order, whatever the column's collation

    def credit_direct(
        self, *, at: datetime, multipliers: Mapping[str, int], regions: Mapping[str, str]
    ) -> int:
        """Write the credit rows of the entries :meth:`approve_direct` approved (see the protocol).

        Returns:
            How many credit rows were written.
        """
        with self._db.atomic():
            db, s = self._db, self._sql
            self._create_temp()
            self._clear("vk_direct_regions")
            if regions:
                db.executemany(
                    f"INSERT INTO {s.temp}vk_direct_regions (volunteer_id, region) VALUES (?, ?)",
                    sorted(regions.items()),
                )
            cases: list[Any] = []
            mult = str(WEIGHT_SCALE)
            if multipliers:
                mult = (
                    "CASE p.category "
                    + "WHEN ? THEN ? " * len(multipliers)
                    + f"ELSE {WEIGHT_SCALE} END"
                )
                for category, micro in sorted(multipliers.items()):
                    cases += [category, micro]
            # day k of an entry: local day ls // 1440 + k, at most three for 48 hours
            written = db.execute(
                "INSERT INTO vk_hours_credit (volunteer_id, local_date, valid_from, valid_to, "
                "raw_minutes, credited_minutes, weighted_micro, entry_id, organization_id, category, "
                f"region) SELECT volunteer_id, {s.local_date}, ?, NULL, m, m, m * mult, entry_id, "
                "organization_id, category, region FROM ("
                "SELECT entry_id, volunteer_id, organization_id, category, region, pos, mult, day, "
                "(CASE WHEN le < (day + 1) * 1440 THEN le ELSE (day + 1) * 1440 END) - "
                "(CASE WHEN ls > day * 1440 THEN ls ELSE day * 1440 END) AS m FROM ("
                "SELECT p.entry_id, p.volunteer_id, p.organization_id, p.category, r.region, p.pos, "
                f"{mult} AS mult, ls, le, ls / 1440 + k.k AS day FROM ("
                "SELECT p.pos, p.entry_id, p.volunteer_id, p.organization_id, p.category, "
                "p.s + o.off AS ls, p.se + o.off AS le "
                f"FROM {s.temp}vk_direct_plain p JOIN {s.temp}vk_direct_spans o "
                "ON o.zone = p.zone AND o.lo <= p.s AND p.s < o.hi) p "
                f"LEFT JOIN {s.temp}vk_direct_regions r ON r.volunteer_id = p.volunteer_id "
                "CROSS JOIN (SELECT 0 AS k UNION ALL SELECT 1 UNION ALL SELECT 2) k) d) c "
                "WHERE m > 0 ORDER BY pos, day",
                [db.to_db_time(at), *cases],
            )
            db.execute(s.clear("vk_direct_plain"))  # credited once
        return written
