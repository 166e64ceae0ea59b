import pytest

from volunteerkit.errors import IntegrityError
from volunteerkit.testing.conformance_transfer import (
    TransferRepositoryConformance,
    TransferServiceConformance,
)

pytestmark = pytest.mark.postgres


class TestPostgresTransfers(TransferRepositoryConformance, TransferServiceConformance):
    @pytest.fixture
    def make_store(self, make_postgres_store):
        return make_postgres_store


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE vk_transfer_transfers SET consent = 'x'",
        "DELETE FROM vk_transfer_steps",
        "UPDATE vk_transfer_entries SET credited_minutes = 1",
        "DELETE FROM vk_transfer_entries",
    ],
)
def test_the_database_refuses_changes_to_transfer_records(make_postgres_store, statement):
    """Raw SQL cannot change or delete transfers, steps or transferred entries."""
    from volunteerkit.testing.conformance_transfer import _entry, _transfer

    store = make_postgres_store()
    store.transfers.add(_transfer())
    store.transfers.add_entries([_entry(1)])
    with pytest.raises(IntegrityError) as info:
        store._db.execute(statement)
    assert "append-only" in str(info.value.__cause__)
    store.close()
