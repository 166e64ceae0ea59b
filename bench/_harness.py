"""Shared pieces of the benchmark runner: the Figure record and timing helpers.

Benchmarks never assert timings. Each prints figures and their ratio against a baseline measured
in the same run on the same machine, so the ratio means something even where absolute speed varies.
"""

from __future__ import annotations

import gc
import inspect
import sqlite3
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, TypeVar

from volunteerkit.stores import SQLiteStore

# The page cache SQLiteStore gives its connection by default, in KiB as PRAGMA cache_size takes it.
STORE_CACHE_KIB = 1024 * inspect.signature(SQLiteStore).parameters["cache_mib"].default


def store_cache(conn: sqlite3.Connection) -> sqlite3.Connection:
    """Give a hand-written baseline's connection the page cache a SQLiteStore has, and return it.

    A baseline on SQLite's default cache (2 MiB) would pay for cache misses the store does not.
    """
    conn.execute(f"PRAGMA cache_size = {-STORE_CACHE_KIB}")
    return conn


@dataclass(frozen=True)
class Figure:
    """One measured figure and the baseline it is compared with.

    ``ratio`` is ``value / baseline``. Whether a higher ratio is better depends on the unit:
    for a rate (rows/s) higher is better, for a time (s) or memory (MiB) lower is better.
    """

    name: str
    value: float
    baseline: float
    unit: str
    higher_is_better: bool
    note: str = ""

    @property
    def ratio(self) -> float:
        return self.value / self.baseline if self.baseline else float("nan")

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["ratio"] = self.ratio
        return d


ROUNDS = 4
"""Rounds of a long comparison in a full run (one in a quick run): see :func:`rounds`.

Four, not two: in the last three full ``ledger-ingest`` runs of two rounds, the ledger's two
timings differed by 7, 16 and 14 % and the raw load's by 11, 5 and 1 %, so the fastest of two
was often far from a side's fastest. Four rounds, B A A B B A A B, also give each side the same
mean slot.
"""


def rounds(quick: bool) -> int:
    """How many times a long comparison times each side.

    A phase of a minute or more moves by 15-20 % between runs on a shared machine, so one timing of
    each side gives a ratio that moves by more than that. The comparisons that use this start with
    a warm-up run of their own side, not counted (it also gives the rows the baseline loads), then
    alternate baseline first: B A A B ... Each side keeps its fastest time (noise only ever adds
    time); with an even number of rounds both sides have the same mean slot, so a machine that
    speeds up (or slows down) as the process runs favours neither. The note lists every timing.
    """
    return 1 if quick else ROUNDS


_T = TypeVar("_T")


def alternate(
    ours: Callable[[], _T], baseline: Callable[[], float], quick: bool
) -> tuple[list[_T], list[float]]:
    """Run both sides :func:`rounds` times each, baseline first: B A A B ...

    Returns:
        What each run of ``ours`` returned, and the baseline's seconds, in the order they ran.
    """
    mine: list[_T] = []
    theirs: list[float] = []
    for k in range(rounds(quick)):
        if k % 2:
            mine.append(ours())
            theirs.append(baseline())
        else:
            theirs.append(baseline())
            mine.append(ours())
    return mine, theirs


def rounds_note(warm_up: float, ours: list[float], baseline: list[float]) -> str:
    """The note that lists each side's timings, in the order they ran."""

    def listed(times: list[float]) -> str:
        return ", ".join(f"{t:.1f}" for t in times)

    head = (
        f"fastest of {len(ours)} each, baseline first, B A A B ..."
        if len(ours) > 1
        else "one round, baseline first"
    )
    return (
        f"{head} (ours {listed(ours)} s; baseline {listed(baseline)} s; warm-up run of ours "
        f"{warm_up:.1f} s, not counted)"
    )


def median_seconds(fn: Callable[[], object], repeat: int) -> float:
    """Run ``fn`` ``repeat`` times and return the median wall time in seconds."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def timed_without_gc(fn: Callable[[], Any]) -> tuple[float, Any]:
    """Run ``fn`` once with garbage collection frozen and off; return (wall seconds, result).

    Both sides of a bulk-write comparison are timed this way, so neither pays for collections of
    the other's garbage.
    """
    gc.collect()
    gc.freeze()
    gc.disable()
    try:
        t0 = time.perf_counter()
        result = fn()
        return time.perf_counter() - t0, result
    finally:
        gc.enable()
        gc.unfreeze()
