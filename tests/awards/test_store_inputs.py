"""The award store refuses writes and lookups of the wrong type alike on every backend."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from volunteerkit.awards import Grant, Recommendation, Revocation
from volunteerkit.errors import InvalidInputError
from volunteerkit.hours import EntryId
from volunteerkit.stores import MemoryStore, SQLiteStore

T0 = datetime(2025, 1, 1, tzinfo=UTC)

GRANT = Grant(
    id="g1",
    rule_set_id="r",
    rule_set_version="1",
    subject_id="ab",
    level_id="l",
    key="once",
    earned_on=date(2025, 1, 1),
    crossing_entry=EntryId(origin="t", local_id="x"),
    consumed_from=0,
    consumed_to=60,
    at=T0,
    actor="batch",
)
REVOCATION = Revocation(
    id="r1",
    rule_set_id="r",
    subject_id="a",
    level_id="l",
    key="once",
    at=T0,
    actor="batch",
    reason_code="awards.no_longer_supported",
    reason="no longer supported",
    reason_zh="不再满足",
)
RECOMMENDATION = Recommendation(rule_set_id="r", subject_id="a", level_id="l", by="o1", at=T0)

BACKENDS = ["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def store(request):
    if request.param == "postgres":  # a fresh schema on the session's server
        made = request.getfixturevalue("make_postgres_store")()
    else:
        made = MemoryStore() if request.param == "memory" else SQLiteStore(":memory:")
    yield made
    made.close()


def test_a_record_of_another_kind_is_refused_and_nothing_is_written(store):
    """grant([revocation]) was kept: memory then held a Revocation, SQLite failed in held().

    recommend([grant]) was kept as a recommendation by memory and raised AttributeError on
    SQLite; a single grant not in a list raised TypeError.
    """
    awards = store.awards
    wrong = {
        "$.grants[0]": lambda: awards.grant([REVOCATION]),
        "$.grants[1]": lambda: awards.grant([GRANT, RECOMMENDATION]),
        "$.grants": lambda: awards.grant(GRANT),
        "$.revocations[0]": lambda: awards.revoke([GRANT]),
        "$.revocations": lambda: awards.revoke(None),
        "$.recommendations[0]": lambda: awards.recommend([GRANT]),
    }
    for path, call in wrong.items():
        with pytest.raises(InvalidInputError) as info:
            call()
        assert (info.value.code, info.value.path) == ("awards.input.invalid", path)
    assert awards.held("r") == {}
    assert awards.history("r", "ab") == []
    assert awards.recommendations("r", ["a", "ab"]) == {}
    assert awards.grant([GRANT]) == 1
    assert awards.held("r") == {"ab": [GRANT]}


def test_subject_ids_given_as_one_text_are_refused(store):
    """held("r", "ab") looked up the subjects a and b (holding nothing), not ab."""
    awards = store.awards
    assert awards.grant([GRANT]) == 1
    assert awards.recommend([RECOMMENDATION]) == 1
    wrong = {
        "$.subject_ids": [lambda: awards.held("r", "ab"), lambda: awards.recommendations("r", "a")],
        "$.subject_ids[1]": [
            lambda: awards.held("r", ["ab", 5]),
            lambda: awards.recommendations("r", ["a", None]),
        ],
    }
    for path, calls in wrong.items():
        for call in calls:
            with pytest.raises(InvalidInputError) as info:
                call()
            assert (info.value.code, info.value.path) == ("awards.input.invalid", path)
    assert awards.held("r", ["ab"]) == {"ab": [GRANT]}
    assert awards.recommendations("r", ["a"]) == {"a": frozenset({"l"})}
