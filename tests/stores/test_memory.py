import pytest

from volunteerkit.stores import MemoryStore
from volunteerkit.testing.conformance import AuditLogConformance, StoreConformance


class TestMemoryStore(StoreConformance, AuditLogConformance):
    @pytest.fixture
    def make_store(self):
        return MemoryStore


def test_applied_migrations_of_a_closed_memory_store_is_refused() -> None:
    """``applied_migrations()`` after close is store.closed, as on the SQL stores (it was [])."""
    from volunteerkit.errors import UnavailableError

    store = MemoryStore()
    assert store.applied_migrations() == []
    store.close()
    with pytest.raises(UnavailableError) as info:
        store.applied_migrations()
    assert info.value.code == "store.closed"
