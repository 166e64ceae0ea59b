import pytest

from volunteerkit.stores import MemoryStore
from volunteerkit.testing.conformance_matching import MatchingStoreConformance


class TestMatchingOnMemory(MatchingStoreConformance):
    @pytest.fixture
    def make_store(self):
        return MemoryStore
