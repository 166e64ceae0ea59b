"""The statistics service over the memory store: edge cases of the published figures."""

from __future__ import annotations

from datetime import date

import pytest

from volunteerkit.stats import Statistics, Window
from volunteerkit.stores import MemoryStore
from volunteerkit.testing.conformance_stats import StatsDataset, build_stats_dataset

EMPTY = Window(first=date(2027, 1, 1), last=date(2027, 1, 31))


@pytest.fixture(scope="module")
def built() -> tuple[MemoryStore, StatsDataset]:
    """A memory store holding the conformance data set."""
    store = MemoryStore()
    return store, build_stats_dataset(store)


def test_retention_of_an_empty_cohort_with_k_1(built: tuple[MemoryStore, StatsDataset]) -> None:
    """k = 1 and nobody active in the window: no rows and a cohort of 0, not a division by zero."""
    store, data = built
    figure = Statistics(store.stats, k=1).retention(as_of=data.as_of, window=EMPTY)
    assert (figure.rows, figure.total) == ((), 0)


def test_all_figures_of_an_empty_window_with_k_1(
    built: tuple[MemoryStore, StatsDataset],
) -> None:
    """The demo's k = 1 report over a window without service computes every figure.

    A figure over nobody has no rows, and its total counts as fewer than k persons (hidden).
    """
    store, data = built
    figures = Statistics(store.stats, k=1).all_figures(as_of=data.as_of, window=EMPTY)
    hours = next(f for f in figures if f.definition == "hours.credited")
    assert (hours.rows, hours.total) == ((), None)
    assert next(f.total for f in figures if f.definition == "volunteers.registered") == 13
