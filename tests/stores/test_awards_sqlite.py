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


class _CannedDatabase:
    """A stand-in database that answers the crossing queries with canned rows."""

    backend = "sqlite"

    def __init__(self, series, day_rows):
        self.series = series
        self.day_rows = day_rows

    def stream(self, sql, params=(), *, batch=1000):
        return iter([(vid,) for vid, *_ in self.series])

    def fetchall(self, sql, params=()):
        return self.day_rows if "entry_id" in sql else self.series


def test_crossings_are_found_when_the_store_concatenates_rows_out_of_date_order():
    """Dates and amounts that come back out of date order are put in order before summing."""
    from volunteerkit.stores._sql_awards_crossings import credit_crossings

    db = _CannedDatabase(
        [("v1", "20250103,20250101,20250102", "5,10,20")],
        [("v1", 20250102, "t:b", 20), ("v1", 20250103, "t:c", 5)],
    )
    got = list(credit_crossings(db, "1 = 1", [], {"credited": [30, 35]}, None))
    assert got == [
        (
            "v1",
            20250101,
            [("credited", 30, 20250102, "t:b", 30), ("credited", 35, 20250103, "t:c", 35)],
        )
    ]


def test_crossings_refuse_credit_that_changed_between_the_queries():
    """A crossing day whose rows no longer reach the threshold is reported, not guessed."""
    from volunteerkit.errors import InvalidInputError
    from volunteerkit.stores._sql_awards_crossings import credit_crossings

    db = _CannedDatabase([("v1", "20250101", "40")], [("v1", 20250101, "t:a", 10)])
    with pytest.raises(InvalidInputError) as info:
        list(credit_crossings(db, "1 = 1", [], {"credited": [30]}, None))
    assert (info.value.code, info.value.path) == ("awards.input.invalid", "$.store")
