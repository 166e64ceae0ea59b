"""The statistics conformance suite on the memory store."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from volunteerkit.stores import MemoryStore
from volunteerkit.testing.conformance_stats import StatsConformance


class TestMemoryStats(StatsConformance):
    """Statistics on :class:`MemoryStore` (compared with a second memory store)."""

    @pytest.fixture
    def make_store(self) -> Callable[[], MemoryStore]:
        """Return a factory of empty memory stores."""
        return MemoryStore
