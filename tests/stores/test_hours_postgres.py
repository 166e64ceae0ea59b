import pytest

from volunteerkit.testing.conformance_hours import (
    LedgerRepositoryConformance,
    LedgerServiceConformance,
    run_scenario,
)

pytestmark = pytest.mark.postgres


class TestPostgresHours(LedgerRepositoryConformance, LedgerServiceConformance):
    @pytest.fixture
    def make_store(self, make_postgres_store):
        return make_postgres_store


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE vk_hours_entries SET note = 'x'",
        "DELETE FROM vk_hours_events",
        "DELETE FROM vk_hours_credit",
        "UPDATE vk_hours_credit SET credited_minutes = credited_minutes + 1",
        "UPDATE vk_hours_credit SET valid_to = NULL",
    ],
)
def test_the_database_refuses_changes_to_records(make_postgres_store, statement):
    """Raw SQL cannot change or delete records, nor lengthen or alter a credit row."""
    from volunteerkit.errors import IntegrityError

    store = make_postgres_store()
    run_scenario(store)
    with pytest.raises(IntegrityError) as info:
        store._db.execute(statement)
    assert "append-only" in str(info.value.__cause__) or "credit row" in str(info.value.__cause__)
    store.close()
