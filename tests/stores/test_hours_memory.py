import pytest

from volunteerkit.stores import MemoryStore
from volunteerkit.testing.conformance_hours import (
    LedgerRepositoryConformance,
    LedgerServiceConformance,
)


class TestMemoryHours(LedgerRepositoryConformance, LedgerServiceConformance):
    @pytest.fixture
    def make_store(self):
        return MemoryStore
