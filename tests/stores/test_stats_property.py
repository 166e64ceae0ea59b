"""Hypothesis: the SQL statistics over random credit rows equal the reference computations."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings

from volunteerkit.hours.store import CreditRow
from volunteerkit.stats import compute
from volunteerkit.stats.store import PERCENTILES, HoursBy, Scope
from volunteerkit.stores import SQLiteStore
from volunteerkit.testing.strategies_stats import credit_rows, scopes


@pytest.fixture(scope="module")
def sqlite_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SQLiteStore]:
    """One SQLite store; each example writes its rows in a transaction that is rolled back."""
    store = SQLiteStore(tmp_path_factory.mktemp("prop") / "p.db")
    yield store
    store.close()


class _Rollback(Exception):
    pass


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=credit_rows(), scope=scopes())
def test_sql_figures_equal_the_reference(
    sqlite_store: SQLiteStore, rows: list[CreditRow], scope: Scope
) -> None:
    """minutes, active, per-volunteer percentiles and retention agree for any rows and scope."""
    repo = sqlite_store.stats
    with contextlib.suppress(_Rollback), sqlite_store.transaction():
        sqlite_store.ledger.write_credit([], rows)
        for by in HoursBy:
            assert repo.minutes(scope, by) == compute.minutes(rows, [], scope, by)
            assert repo.active(scope, by) == compute.active(rows, [], scope, by)
        assert repo.minutes_per_volunteer(scope, PERCENTILES) == compute.minutes_per_volunteer(
            rows, [], scope, PERCENTILES
        )
        assert repo.retained(scope, (1, 2, 5)) == compute.retained(rows, [], scope, (1, 2, 5))
        raise _Rollback
