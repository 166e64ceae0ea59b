import itertools

import pytest

from volunteerkit.errors import IntegrityError
from volunteerkit.stores import SQLiteStore
from volunteerkit.testing.conformance_awards import (
    AwardBatchConformance,
    AwardCreditConformance,
    AwardCrossingConformance,
    AwardLedgerConformance,
)


class TestSQLiteAwards(
    AwardLedgerConformance,
    AwardCreditConformance,
    AwardCrossingConformance,
    AwardBatchConformance,
):
    @pytest.fixture
    def make_store(self, tmp_path):
        counter = itertools.count()
        return lambda: SQLiteStore(tmp_path / f"awards-{next(counter)}.db")


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE vk_award_records SET actor = 'x'",
        "DELETE FROM vk_award_records",
        "UPDATE vk_award_recommendations SET note = 'x'",
    ],
)
def test_the_database_refuses_changes_to_award_records(statement):
    """Raw SQL cannot change or delete award records or recommendations."""
    from volunteerkit.awards import Recommendation
    from volunteerkit.testing.conformance_awards import _grant

    store = SQLiteStore(":memory:")
    store.awards.grant([_grant(1)])
    store.awards.recommend(
        [
            Recommendation(
                rule_set_id="cn.beijing.stars",
                subject_id="v1",
                level_id="star-5",
                by="org",
                at=_grant(1).at,
            )
        ]
    )
    with pytest.raises(IntegrityError) as info:
        store._db.execute(statement)
    assert "append-only" in str(info.value.__cause__) or "write-once" in str(info.value.__cause__)
    assert store.awards.count_held() == 1
    store.close()
