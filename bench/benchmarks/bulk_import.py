"""bulk-import: CSV import of service entries, streaming, against baselines measured in the same run.

Figures:

* ``bulk-import.parse``: rows/s of :func:`import_entries` into a sink that only counts, against a
  bare loop of ``csv.reader`` + the library converter over the same file (what reading and
  converting cost at the least). The ratio shows the cost of line numbers, byte counts, error
  reports and batching.
* ``bulk-import.ledger``: rows/s of importing the file into a :class:`Ledger` on an
  :class:`SQLiteStore`, against ``Ledger.record_many`` of the same entries already in memory. The
  ratio shows what reading the file adds to the ledger write.
* ``bulk-import.memory``: peak traced Python memory (tracemalloc) importing 4N rows, against N rows
  (ratio near 1: memory does not grow with the file).
* ``bulk-import.export``: rows/s of :func:`export_entries` (CSV), against ``csv.writer`` over
  rows prepared from ``unstructure`` outside the timing.
"""

from __future__ import annotations

import csv
import gc
import io
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import attrs

from bench._harness import Figure
from volunteerkit import FixedClock, structure, unstructure
from volunteerkit.hours import ServiceEntry
from volunteerkit.hours.bulk import (
    COLUMNS,
    EntrySink,
    ImportReport,
    export_entries,
    import_entries,
)
from volunteerkit.hours.ledger import Ledger
from volunteerkit.stores import SQLiteStore

NAME = "bulk-import"

_CST = timezone(timedelta(hours=8))
_NOW = datetime(2026, 11, 28, 9, tzinfo=_CST)


@attrs.frozen
class _Counts:
    written: int
    unchanged: int


class _CountingSink:
    def record_many(
        self, entries: Iterable[ServiceEntry], *, actor: str, atomic: bool = True
    ) -> _Counts:
        return _Counts(written=sum(1 for _ in entries), unchanged=0)


def _write(path: Path, n: int) -> None:
    t0 = datetime(2026, 1, 1, 1, tzinfo=UTC)
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\r\n")
        w.writerow(COLUMNS)
        for i in range(n):
            start = t0 + timedelta(minutes=7 * i)
            w.writerow(
                [
                    f"bench:{i:09d}",
                    f"v{i % 5000}",
                    f"org-{i % 40}",
                    f"act-{i % 300}",
                    "community",
                    start.isoformat(),
                    (start + timedelta(minutes=95)).isoformat(),
                    "Asia/Shanghai",
                    "5",
                    "20",
                    "organization",
                    "pending",
                    "clerk",
                    (start + timedelta(days=1)).isoformat(),
                    f"row {i}",
                ]
            )


def _baseline_parse(path: Path) -> int:
    count = 0
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        for cells in reader:
            data: dict[str, object] = dict(zip(header, cells, strict=True))
            data["break_minutes"] = int(cells[8])
            data["travel_minutes"] = int(cells[9])
            structure(data, ServiceEntry)
            count += 1
    return count


def _timed(fn: Callable[[], object]) -> float:
    gc.collect()
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def _imported(
    reports: list[ImportReport], source: Path, sink: EntrySink
) -> Callable[[], None]:
    """An import of ``source`` into ``sink`` whose report is kept, to be checked after timing."""
    return lambda: reports.append(import_entries(source, format="csv", sink=sink, actor="bench"))


def _all_imported(report: ImportReport, n: int) -> bool:
    return report.rows_read == report.imported == n and report.errors_total == 0


def _peak(path: Path) -> int:
    tracemalloc.start()
    tracemalloc.reset_peak()
    import_entries(path, format="csv", sink=_CountingSink(), actor="bench")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def run(quick: bool) -> list[Figure]:
    n = 20_000 if quick else 200_000
    n_ledger = 5_000 if quick else 50_000
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        big = folder / "big.csv"
        _write(big, n)
        size = big.stat().st_size
        warm = folder / "warm.csv"
        _write(warm, 200)
        _baseline_parse(warm)
        import_entries(warm, format="csv", sink=_CountingSink(), actor="bench")
        base = _timed(lambda: _baseline_parse(big))
        reports: list[ImportReport] = []
        ours = _timed(_imported(reports, big, _CountingSink()))
        assert _all_imported(reports[-1], n)

        small = folder / "small.csv"
        _write(small, n_ledger)
        with small.open(encoding="utf-8", newline="") as f:
            reader = csv.DictReader(f)
            entries = [
                structure({**row, "break_minutes": 5, "travel_minutes": 20}, ServiceEntry)
                for row in reader
            ]
        warm_ledger = Ledger(SQLiteStore(folder / "warm.db"), clock=FixedClock(_NOW))
        warm_ledger.record_many(entries[:200], actor="bench")
        base_store, our_store = SQLiteStore(folder / "base.db"), SQLiteStore(folder / "ours.db")
        ledger_base = Ledger(base_store, clock=FixedClock(_NOW))
        t_ledger_base = _timed(lambda: ledger_base.record_many(entries, actor="bench"))
        ledger = Ledger(our_store, clock=FixedClock(_NOW))
        t_ledger = _timed(_imported(reports, small, ledger))
        assert _all_imported(reports[-1], n_ledger)
        assert base_store.ledger.count_entries() == our_store.ledger.count_entries() == n_ledger

        quarter = folder / "quarter.csv"
        _write(quarter, n // 4)
        _peak(small)  # warm caches
        peak_quarter = _peak(quarter)
        peak_full = _peak(big)

        prepared = [
            ["" if v is None else str(v) for v in (unstructure(e)[c] for c in COLUMNS)]
            for e in entries
        ]

        def raw_export() -> None:
            out = io.StringIO(newline="")
            w = csv.writer(out, lineterminator="\r\n")
            w.writerow(COLUMNS)
            w.writerows(prepared)

        t_raw_export = _timed(raw_export)
        t_export = _timed(lambda: export_entries(entries, io.StringIO(newline="")))

    return [
        Figure(
            name=f"{NAME}.parse",
            value=n / ours,
            baseline=n / base,
            unit="rows/s",
            higher_is_better=True,
            note=f"{n:,} rows, {size / 1e6:.1f} MB; import {ours:.2f} s, csv+structure {base:.2f} s",
        ),
        Figure(
            name=f"{NAME}.ledger",
            value=n_ledger / t_ledger,
            baseline=n_ledger / t_ledger_base,
            unit="rows/s",
            higher_is_better=True,
            note=(
                f"{n_ledger:,} rows into Ledger(SQLiteStore); file {t_ledger:.2f} s, "
                f"record_many of entries in memory {t_ledger_base:.2f} s"
            ),
        ),
        Figure(
            name=f"{NAME}.memory",
            value=peak_full / 2**20,
            baseline=peak_quarter / 2**20,
            unit="MiB",
            higher_is_better=False,
            note=f"peak traced memory, {n:,} rows vs {n // 4:,} rows",
        ),
        Figure(
            name=f"{NAME}.export",
            value=n_ledger / t_export,
            baseline=n_ledger / t_raw_export,
            unit="rows/s",
            higher_is_better=True,
            note=f"{n_ledger:,} rows; export_entries {t_export:.3f} s, csv.writer {t_raw_export:.3f} s",
        ),
    ]
