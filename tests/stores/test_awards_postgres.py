import pytest

from volunteerkit.testing.conformance_awards import (
    AwardBatchConformance,
    AwardCreditConformance,
    AwardCrossingConformance,
    AwardLedgerConformance,
)

pytestmark = pytest.mark.postgres


class TestPostgresAwards(
    AwardLedgerConformance,
    AwardCreditConformance,
    AwardCrossingConformance,
    AwardBatchConformance,
):
    @pytest.fixture
    def make_store(self, make_postgres_store):
        return make_postgres_store


@pytest.mark.parametrize(
    "statement",
    ["UPDATE vk_award_records SET actor = 'x'", "DELETE FROM vk_award_records"],
)
def test_the_database_refuses_changes_to_award_records(make_postgres_store, statement):
    """Raw SQL cannot change or delete award records."""
    from volunteerkit.errors import IntegrityError
    from volunteerkit.testing.conformance_awards import _grant

    store = make_postgres_store()
    store.awards.grant([_grant(1)])
    with pytest.raises(IntegrityError) as info:
        store._db.execute(statement)
    assert "append-only" in str(info.value.__cause__)
    store.close()
