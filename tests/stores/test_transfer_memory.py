import pytest

from volunteerkit.stores import MemoryStore
from volunteerkit.testing.conformance_transfer import TransferRepositoryConformance


class TestMemoryTransfers(TransferRepositoryConformance):
    @pytest.fixture
    def make_store(self):
        return MemoryStore
