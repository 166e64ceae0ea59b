"""The statistics conformance suite on PostgreSQL (a real server started by the test session)."""

from __future__ import annotations

from typing import Any

import pytest

from volunteerkit.testing.conformance_stats import StatsConformance

pytestmark = pytest.mark.postgres


class TestPostgresStats(StatsConformance):
    """Statistics on :class:`PostgresStore` equal the memory reference."""

    @pytest.fixture
    def make_store(self, make_postgres_store: Any) -> Any:
        """Return the session's factory of empty PostgreSQL stores."""
        return make_postgres_store
