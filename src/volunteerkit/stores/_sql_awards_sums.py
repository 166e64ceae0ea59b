"""Where running sums of credit reach thresholds, from the sums SQLite keeps as credit is written.

SQLite's migration ``hours/0003_credit_sums`` keeps, by trigger, one row of sums per volunteer
(``vk_hours_credit_totals``) and one per volunteer and month with running sums through the month
(``vk_hours_credit_months``), over the *current* credit rows. A volunteer whose rows all changed
at or before the instant evaluated (``changed_at``) and lie on or before the last date asked
(``last_date``) is *settled*: the rows valid at that instant are the current rows, so

1. one pass over the totals (a row per volunteer, not per credit row) finds who reaches a
   threshold, and who is not settled;
2. for a chunk of those, the month rows where a running sum steps over a threshold give the month
   of each crossing and the sum before it, read with the primary key;
3. the credit rows of those months only, in ``(local date, entry id text)`` order, give the
   crossing row, exactly as the full path finds it; a month with a single current row names that
   row (its date and entry), which is then the crossing row, and is not read at all.

Volunteers who are not settled (credit corrected after the instant, or dated after the last day)
are read by the full path of :mod:`volunteerkit.stores._sql_awards_crossings`, from the rows valid
at the instant, and merged in volunteer order. Both paths give the same answer (a property test
compares them); this one reads a few rows per volunteer where the other reads all of them.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from itertools import islice
from typing import Any

from volunteerkit.awards.store import CREDIT_COLUMNS, CrossingTuple, check_thresholds
from volunteerkit.stores._base import SQLDatabase
from volunteerkit.stores._sql_awards_crossings import changed, credit_crossings

__all__ = ["credit_crossings_from_sums"]

_CHUNK = 500
_MONTHS = 200  # (volunteer, month) pairs per statement, as an OR of index ranges


def _marks(n: int) -> str:
    return ", ".join("?" * n)


def credit_crossings_from_sums(
    db: SQLDatabase,
    where: str,
    params: Sequence[Any],
    at: int,
    last: int | None,
    thresholds: Mapping[str, Collection[int]],
    volunteer_ids: Collection[str] | None,
) -> Iterator[tuple[str, int, list[CrossingTuple]]]:
    """Stream, per volunteer, the rows at which running sums of credit reach thresholds.

    Args:
        db: The SQLite database (migrated through ``hours/0003_credit_sums``).
        where: The conditions selecting the credit rows valid at the instant (and dates), for
            volunteers read by the full path.
        params: Their parameters.
        at: The instant, in the database's form.
        last: Only local dates on or before this ``YYYYMMDD`` (``None``: all).
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
    unsettled = "changed_at > ?" if last is None else "(changed_at > ? OR last_date > ?)"
    unsettled_params: list[Any] = [at] if last is None else [at, last]
    reaching = " OR ".join(f"{CREDIT_COLUMNS[k]} >= ?" for k in kinds)
    lowest = [needs[k][0] for k in kinds]
    select = (
        f"SELECT volunteer_id, {unsettled}, {', '.join(f'first_{k}' for k in kinds)} "
        "FROM vk_hours_credit_totals WHERE "
    )
    rows: Iterable[tuple[Any, ...]]
    if volunteer_ids is None:
        rows = db.stream(
            f"{select}{unsettled} OR {reaching} ORDER BY volunteer_id",
            [*unsettled_params, *unsettled_params, *lowest],
            batch=5000,
        )
    else:
        rows = _among(db, select, unsettled, reaching, unsettled_params, lowest, volunteer_ids)
    iterator = iter(rows)
    while chunk := list(islice(iterator, _CHUNK)):
        found: dict[str, tuple[int, list[CrossingTuple]]] = {}
        late = [str(row[0]) for row in chunk if row[1]]
        if late:
            for vid, first, crossings in credit_crossings(db, where, params, needs, late):
                found[vid] = (first, crossings)
        settled = {
            str(row[0]): min(d for d in row[2:] if d is not None) for row in chunk if not row[1]
        }
        if settled:
            _from_months(db, kinds, needs, settled, found)
        for row in chunk:
            hit = found.get(str(row[0]))
            if hit is not None:
                yield str(row[0]), hit[0], hit[1]


def _among(
    db: SQLDatabase,
    select: str,
    unsettled: str,
    reaching: str,
    unsettled_params: list[Any],
    lowest: list[int],
    volunteer_ids: Collection[str],
) -> Iterator[tuple[Any, ...]]:
    keys = sorted(set(volunteer_ids))
    for i in range(0, len(keys), _CHUNK):
        part = keys[i : i + _CHUNK]
        yield from db.fetchall(
            f"{select}volunteer_id IN ({_marks(len(part))}) AND ({unsettled} OR {reaching}) "
            "ORDER BY volunteer_id",
            [*unsettled_params, *part, *unsettled_params, *lowest],
        )


def _from_months(
    db: SQLDatabase,
    kinds: list[str],
    needs: Mapping[str, list[int]],
    settled: Mapping[str, int],
    found: dict[str, tuple[int, list[CrossingTuple]]],
) -> None:
    """Add the crossings of settled volunteers (``settled``: each one's first date)."""
    columns: list[str] = []
    steps: list[str] = []
    step_params: list[int] = []
    for kind in kinds:
        # A month steps over a threshold when its running sum before it is below the highest
        # threshold its running sum through it reaches: one or two comparisons a month row.
        cum, column, ladder = f"{kind}_cum", CREDIT_COLUMNS[kind], needs[kind]
        columns += [f"{cum} - {column}", cum]
        cases = "".join(f" WHEN {cum} < ? THEN {cum} - {column} < ?" for _ in ladder[1:])
        below_top = f"{cum} - {column} < ?"
        step = f"CASE{cases} ELSE {below_top} END" if cases else below_top
        steps.append(f"({cum} >= ? AND {step})")
        step_params.append(ladder[0])
        for below, reached in zip(ladder[1:], ladder, strict=False):
            step_params += [below, reached]
        step_params.append(ladder[-1])
    ids = list(settled)
    months = db.fetchall(
        f"SELECT volunteer_id, month, current_rows, sole_date, sole_entry, {', '.join(columns)} "
        f"FROM vk_hours_credit_months "
        f"WHERE volunteer_id IN ({_marks(len(ids))}) AND ({' OR '.join(steps)})",
        [*ids, *step_params],
    )
    # (volunteer, index of the kind, threshold, month, running sum before the month, and for a
    # month with one current row, that row's date and entry and the running sum through it)
    pending: list[tuple[str, int, int, int, int, tuple[int, str, int] | None]] = []
    add = pending.append
    ladders = [(5 + 2 * i, needs[kind]) for i, kind in enumerate(kinds)]
    for row in months:
        for index, (at, ladder) in enumerate(ladders):
            before, through = row[at], row[at + 1]
            sole = (int(row[3]), str(row[4]), through) if row[2] == 1 else None
            # the thresholds in (before, through]: usually one
            for threshold in ladder[bisect_right(ladder, before) : bisect_right(ladder, through)]:
                add((row[0], index, threshold, row[1], before, sole))
    if not pending:
        return
    pending.sort()  # by volunteer, kind, threshold: unique, so the rest is never compared
    lines = _month_rows(db, kinds, sorted({(p[0], p[3]) for p in pending if p[5] is None}))
    for vid, index, threshold, month, before, sole in pending:
        if sole is not None:  # the month's only current row steps over the threshold
            crossing: CrossingTuple = (kinds[index], threshold, *sole)
        else:
            crossing = _crossing(lines.get((vid, month), ()), kinds[index], index, threshold, before)
        if vid not in found:
            found[vid] = (int(settled[vid]), [])
        found[vid][1].append(crossing)


def _crossing(
    rows: Sequence[tuple[Any, ...]], kind: str, index: int, threshold: int, before: int
) -> CrossingTuple:
    """The row of a month (in counting order) at which the running sum reaches ``threshold``."""
    running = before
    for line in rows:
        amount = int(line[2 + index])
        if amount <= 0:
            continue
        running += amount
        if running >= threshold:
            return kind, threshold, int(line[0]), str(line[1]), running
    raise changed()


def _month_rows(
    db: SQLDatabase, kinds: list[str], pairs: list[tuple[str, int]]
) -> dict[tuple[str, int], list[tuple[Any, ...]]]:
    """The current credit rows of each ``(volunteer, month)``, in counting order."""
    columns = ", ".join(CREDIT_COLUMNS[k] for k in kinds)
    positive = " OR ".join(f"{CREDIT_COLUMNS[k]} > 0" for k in kinds)
    lines: dict[tuple[str, int], list[tuple[Any, ...]]] = {}
    for i in range(0, len(pairs), _MONTHS):
        part = pairs[i : i + _MONTHS]
        ranges = " OR ".join("(volunteer_id = ? AND local_date BETWEEN ? AND ?)" for _ in part)
        rows = db.fetchall(
            f"SELECT volunteer_id, local_date, entry_id, {columns} FROM vk_hours_credit "
            f"WHERE valid_to IS NULL AND ({positive}) AND ({ranges})",
            [value for vid, month in part for value in (vid, month * 100, month * 100 + 99)],
        )
        for row in rows:
            lines.setdefault((str(row[0]), int(row[1]) // 100), []).append(row[1:])
    for month_rows in lines.values():
        if len(month_rows) > 1:
            month_rows.sort(key=_counting_order)
    return lines


def _counting_order(row: tuple[Any, ...]) -> tuple[int, str]:
    return int(row[0]), str(row[1])
