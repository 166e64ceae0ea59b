import pytest

from volunteerkit.stores import MemoryStore
from volunteerkit.testing.conformance import AuditLogConformance, StoreConformance


class TestMemoryStore(StoreConformance, AuditLogConformance):
    @pytest.fixture
    def make_store(self):
        return MemoryStore
