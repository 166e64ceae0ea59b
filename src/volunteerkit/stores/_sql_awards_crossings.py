"""Where running sums of credit reach thresholds, on the SQL backends (SQLite and PostgreSQL).

:meth:`~volunteerkit.awards.store.AwardRepository.credit_crossings` in three steps, each reading
less than the one before:

1. one ``GROUP BY volunteer_id HAVING SUM(…) >= lowest threshold`` over the covering index of
   ``vk_hours_credit`` finds the volunteers reaching any threshold (streamed);
2. for a chunk of those, one more ``GROUP BY`` over the same index returns each volunteer's local
   dates and amounts as two comma-separated texts, so that Python computes the running sums (with
   :func:`itertools.accumulate`) and finds the *day* on which each threshold is reached, and the
   sum before that day, without a Python object per row;
3. the rows of those days only (with their entry ids, from the table) give the crossing entry: the
   day's rows in order of entry id text, summed from the sum before the day.

SQLite before 3.44 has no ``ORDER BY`` inside an aggregate, so the order in which
``group_concat`` sees the rows is not guaranteed (it is the index's, in practice): the dates come
back with the amounts, both aggregates see the rows in one order, and the rows are re-sorted by
date in the rare case they are not. Within a day the order does not matter, because only the day
and the sum before it are taken from step 2. PostgreSQL orders ``string_agg`` by date.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from itertools import accumulate, islice
from json import loads as _loads
from typing import Any

from volunteerkit.awards.store import CREDIT_COLUMNS, CrossingTuple, check_thresholds
from volunteerkit.errors import InvalidInputError
from volunteerkit.stores._base import SQLDatabase

__all__ = ["changed", "credit_crossings"]

_CHUNK = 500
_PAIRS = 200
_PG_PAIRS = 5000


def changed() -> InvalidInputError:
    """The error for credit that changed between the steps of a read."""
    return InvalidInputError(
        "invalid evaluation input: the store's credit changed while it was read; evaluate again",
        "评定输入无效:读取期间存储中的计时发生了变化;请重新评定",
        code="awards.input.invalid",
        path="$.store",
    )


def _concat(db: SQLDatabase, expression: str) -> str:
    if db.backend == "postgresql":
        return f"string_agg(CAST({expression} AS TEXT), ',' ORDER BY local_date)"
    return f"group_concat({expression})"


def _chunks(items: Iterable[str], size: int) -> Iterator[list[str]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _marks(n: int) -> str:
    return ", ".join("?" * n)


def credit_crossings(
    db: SQLDatabase,
    where: str,
    params: Sequence[Any],
    thresholds: Mapping[str, Collection[int]],
    volunteer_ids: Collection[str] | None,
) -> Iterator[tuple[str, int, list[CrossingTuple]]]:
    """Stream, per volunteer, the rows at which running sums of credit reach thresholds.

    Args:
        db: The database.
        where: The conditions selecting the credit rows (valid at an instant, dates).
        params: Their parameters.
        thresholds: Per kind of credit, the thresholds.
        volunteer_ids: Only these volunteers (``None``: all).

    Returns:
        See :meth:`volunteerkit.awards.store.AwardRepository.credit_crossings`.

    Raises:
        InvalidInputError: ``awards.input.invalid`` for bad thresholds, or if the credit changed
            between the steps.
    """
    needs = check_thresholds(thresholds)
    if not needs:
        return
    kinds = sorted(needs)
    columns = [CREDIT_COLUMNS[k] for k in kinds]
    if len(columns) == 1:
        positive = f" AND {columns[0]} > 0"
        amounts = columns
    else:
        positive = " AND (" + " OR ".join(f"{c} > 0" for c in columns) + ")"
        amounts = [f"CASE WHEN {c} > 0 THEN {c} ELSE 0 END" for c in columns]
    base = f"FROM vk_hours_credit WHERE {where}{positive}"
    having = " OR ".join(f"SUM({a}) >= ?" for a in amounts)
    lowest = [needs[k][0] for k in kinds]
    if volunteer_ids is None:
        rows = db.stream(
            f"SELECT volunteer_id {base} GROUP BY volunteer_id HAVING {having} "
            "ORDER BY volunteer_id",
            [*params, *lowest],
            batch=5000,
        )
        holders: Iterable[str] = (str(row[0]) for row in rows)
    else:
        holders = _reaching_among(db, base, params, having, lowest, volunteer_ids)
    series = ", ".join(_concat(db, a) for a in amounts)
    for chunk in _chunks(holders, _CHUNK):
        found = db.fetchall(
            f"SELECT volunteer_id, {_concat(db, 'local_date')}, {series} {base} "
            f"AND volunteer_id IN ({_marks(len(chunk))}) GROUP BY volunteer_id",
            [*params, *chunk],
        )
        first: dict[str, int] = {}
        pending: list[tuple[str, str, int, int, int]] = []
        add = pending.append
        # one C-speed JSON parse per kind of credit for the whole chunk, not one per volunteer
        parsed: list[list[list[int]]] = [
            _loads("[[" + "],[".join([row[i] for row in found]) + "]]") if found else []
            for i in range(2, 2 + len(kinds))
        ]
        for index, row in enumerate(found):
            vid: str = row[0]
            days_text: str = row[1]
            counted = [part[index] for part in parsed]
            days: list[Any] = days_text.split(",")
            if len(days_text) != 9 * len(days) - 1 or days != sorted(days):
                # not all YYYYMMDD in 8 digits, or not in date order: compare them as numbers
                days = list(map(int, days))
                if days != sorted(days):
                    order = sorted(range(len(days)), key=days.__getitem__)
                    days = [days[i] for i in order]
                    counted = [[part[i] for i in order] for part in counted]
            first[vid] = int(days[0])
            for kind, values in zip(kinds, counted, strict=True):
                sums: list[int] = list(accumulate(values))
                total = sums[-1]
                for threshold in needs[kind]:
                    if threshold > total:
                        break
                    day = days[bisect_left(sums, threshold)]
                    start = bisect_left(days, day)
                    add((vid, kind, threshold, int(day), sums[start - 1] if start else 0))
        crossings = _resolve(db, where, params, kinds, pending)
        for vid in chunk:
            if vid in first and crossings.get(vid):
                yield vid, first[vid], crossings[vid]


def _reaching_among(
    db: SQLDatabase,
    base: str,
    params: Sequence[Any],
    having: str,
    lowest: list[int],
    volunteer_ids: Collection[str],
) -> Iterator[str]:
    keys = sorted(set(volunteer_ids))
    for i in range(0, len(keys), _CHUNK):
        chunk = keys[i : i + _CHUNK]
        rows = db.fetchall(
            f"SELECT volunteer_id {base} AND volunteer_id IN ({_marks(len(chunk))}) "
            f"GROUP BY volunteer_id HAVING {having} ORDER BY volunteer_id",
            [*params, *chunk, *lowest],
        )
        yield from (str(row[0]) for row in rows)


def _day_rows(
    db: SQLDatabase, where: str, params: Sequence[Any], columns: str, pairs: list[tuple[str, int]]
) -> Iterator[list[tuple[Any, ...]]]:
    """The credit rows of each ``(volunteer, local date)``, a statement per chunk of pairs.

    SQLite gets ``_PAIRS`` pairs as an ``OR`` of conditions. PostgreSQL gets two arrays joined
    through ``unnest``: one short statement that psycopg parses once and the server plans once,
    where a long ``OR`` list would be parsed again in Python and planned again on every call.
    """
    select = f"SELECT volunteer_id, local_date, entry_id, {columns} FROM vk_hours_credit"
    if db.backend == "postgresql":
        joined = (
            f"{select} JOIN unnest(CAST(? AS text[]), CAST(? AS integer[])) AS pair(v, d) "
            f"ON volunteer_id = pair.v AND local_date = pair.d WHERE {where}"
        )
        for i in range(0, len(pairs), _PG_PAIRS):
            chunk = pairs[i : i + _PG_PAIRS]
            yield db.fetchall(joined, [[v for v, _ in chunk], [d for _, d in chunk], *params])
        return
    for i in range(0, len(pairs), _PAIRS):
        chunk = pairs[i : i + _PAIRS]
        ors = " OR ".join("(volunteer_id = ? AND local_date = ?)" for _ in chunk)
        yield db.fetchall(
            f"{select} WHERE {where} AND ({ors})",
            [*params, *(value for pair in chunk for value in pair)],
        )


def _resolve(
    db: SQLDatabase,
    where: str,
    params: Sequence[Any],
    kinds: list[str],
    pending: list[tuple[str, str, int, int, int]],
) -> dict[str, list[CrossingTuple]]:
    """Find the crossing entry of each ``(volunteer, kind, threshold, day, sum before the day)``."""
    pairs = sorted({(vid, day) for vid, _kind, _t, day, _before in pending})
    columns = ", ".join(CREDIT_COLUMNS[k] for k in kinds)
    lines: dict[tuple[str, int], list[tuple[Any, ...]]] = {}
    for rows in _day_rows(db, where, params, columns, pairs):
        for row in rows:
            lines.setdefault((row[0], int(row[1])), []).append(row[2:])
    for day_rows in lines.values():
        if len(day_rows) > 1:
            day_rows.sort(key=lambda r: str(r[0]))
    position = {kind: 1 + i for i, kind in enumerate(kinds)}
    found: dict[str, list[CrossingTuple]] = {}
    for vid, kind, threshold, day, before in pending:
        at = position[kind]
        running = before
        for row in lines.get((vid, day), ()):
            amount = int(row[at])
            if amount <= 0:
                continue
            running += amount
            if running >= threshold:
                found.setdefault(vid, []).append((kind, threshold, day, str(row[0]), running))
                break
        else:
            raise changed()
    return found
