"""The statistics conformance suite on SQLite."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from volunteerkit.stores import SQLiteStore
from volunteerkit.testing.conformance_stats import StatsConformance


class TestSQLiteStats(StatsConformance):
    """Statistics on :class:`SQLiteStore` equal the memory reference."""

    @pytest.fixture
    def make_store(self, tmp_path: Path) -> Callable[[], SQLiteStore]:
        """Return a factory of empty SQLite stores in the test's directory."""
        return lambda: SQLiteStore(tmp_path / "stats.db")
