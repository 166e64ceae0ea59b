import pytest

from volunteerkit.stores import MemoryStore
from volunteerkit.testing.conformance_transfer import (
    TransferRepositoryConformance,
    TransferServiceConformance,
)


class TestMemoryTransfers(TransferRepositoryConformance, TransferServiceConformance):
    @pytest.fixture
    def make_store(self):
        return MemoryStore
