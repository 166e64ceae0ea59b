"""Award models round-trip through the library's one converter, and refuse bad values."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given, settings

from volunteerkit import structure, unstructure
from volunteerkit.awards import AwardSubject, CreditLine, Grant, Recommendation, Revocation
from volunteerkit.errors import InvalidInputError, NaiveDatetimeError
from volunteerkit.hours import EntryId
from volunteerkit.testing.strategies_awards import (
    award_subjects,
    credit_lines_for,
    grants,
    recommendations,
    revocations,
)


@settings(max_examples=25, deadline=None)
@given(
    grant=grants(),
    revocation=revocations(),
    recommendation=recommendations(),
    subject=award_subjects(),
    lines=credit_lines_for(["v1", "v2"], max_lines=5),
)
def test_models_round_trip(grant, revocation, recommendation, subject, lines):
    """structure(unstructure(x)) == x for grants, revocations, recommendations, subjects, lines."""
    assert structure(unstructure(grant), Grant) == grant
    assert structure(unstructure(revocation), Revocation) == revocation
    assert structure(unstructure(recommendation), Recommendation) == recommendation
    assert structure(unstructure(subject), AwardSubject) == subject
    for line in lines:
        assert structure(unstructure(line), CreditLine) == line


GRANT = {
    "id": "g1",
    "rule_set_id": "cn.cyl.stars",
    "rule_set_version": "2013",
    "subject_id": "v1",
    "level_id": "star-1",
    "key": "once",
    "earned_on": date(2025, 1, 1),
    "crossing_entry": EntryId(origin="t", local_id="e1"),
    "consumed_from": 0,
    "consumed_to": 6000,
    "at": datetime(2025, 1, 2, 9, 0, tzinfo=UTC),
    "actor": "batch",
}


def test_records_refuse_naive_times_empty_text_and_negative_offsets():
    """Award records need aware instants, non-empty ids and non-negative minute offsets."""
    fields = {**GRANT, "at": datetime(2025, 1, 2, 9, 0)}
    with pytest.raises(NaiveDatetimeError) as naive:
        Grant(**fields)
    assert naive.value.path == "$.at"
    fields["at"] = datetime.fromisoformat("2025-01-02T09:00+08:00")
    assert Grant(**fields).at.isoformat() == "2025-01-02T01:00:00+00:00"
    with pytest.raises(InvalidInputError) as empty:
        Grant(**{**fields, "subject_id": " "})
    assert (empty.value.code, empty.value.path) == ("awards.input.invalid", "$.subject_id")
    with pytest.raises(InvalidInputError) as negative:
        Grant(**{**fields, "consumed_from": -1})
    assert negative.value.path == "$.consumed_from"


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"earned_on": "2025-01-01"}, "$.earned_on"),
        ({"earned_on": datetime(2025, 1, 1, 8, tzinfo=UTC)}, "$.earned_on"),
        ({"crossing_entry": "t:e1"}, "$.crossing_entry"),
        ({"period_first": "2025-01-01"}, "$.period_first"),
        ({"period_last": datetime(2025, 12, 31)}, "$.period_last"),
    ],
)
def test_a_grant_refuses_dates_and_entries_of_the_wrong_type(change, path):
    """A grant with a text date (which SQLite failed on and memory kept) is refused when built."""
    with pytest.raises(InvalidInputError) as info:
        Grant(**{**GRANT, **change})
    assert (info.value.code, info.value.path) == ("awards.input.invalid", path)
    kept = Grant(**{**GRANT, "period_first": date(2025, 1, 1), "period_last": date(2025, 12, 31)})
    assert (kept.earned_on, kept.period_last) == (date(2025, 1, 1), date(2025, 12, 31))


def test_a_group_lists_each_member_once():
    """A family or group with a member listed twice is refused."""
    with pytest.raises(InvalidInputError) as info:
        AwardSubject(id="g", members=("m1", "m1"))
    assert (info.value.code, info.value.path) == ("awards.input.group_members", "$.members")
    assert AwardSubject(id="g", members=["m1", "m2"]).volunteers() == frozenset({"m1", "m2"})


