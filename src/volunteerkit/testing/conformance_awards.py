"""Conformance suite of the awards storage contract, for every store backend.

Subclass the classes with a ``make_store`` fixture (see :mod:`volunteerkit.testing.conformance`)::

    class TestMyStoreAwards(AwardLedgerConformance, AwardCreditConformance, AwardBatchConformance):
        @pytest.fixture
        def make_store(self, tmp_path): ...

* :class:`AwardLedgerConformance`: grants and revocations are recorded idempotently, what is held
  follows them, clashes write nothing, transactions undo them, recommendations are kept once.
* :class:`AwardCreditConformance`: the hours ledger's credit rows valid at an instant are read back
  exactly, per line, per day and per volunteer, with the filters applied inside the store.
* :class:`AwardCrossingConformance`: the rows at which running sums of credit reach thresholds
  (ties on a day, corrected rows, a sum equal to a threshold, each kind of credit).
* :class:`AwardBatchConformance`: a worked scenario through the hours
  :class:`~volunteerkit.hours.ledger.Ledger` and :func:`~volunteerkit.awards.award_all`: stars are
  granted on the exact dates by the exact entries, a second run writes nothing, a correction that
  takes a volunteer below 100 hours revokes the star and says why; and batch evaluations equal the
  pure :func:`~volunteerkit.awards.evaluate` over the same records.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from volunteerkit._clock import FixedClock
from volunteerkit.awards import (
    AwardSubject,
    Counting,
    Grant,
    LevelStatus,
    Recommendation,
    Revocation,
    award_all,
    credit_lines_from_records,
    earned_all,
    evaluate,
    evaluate_all,
    load_rule_set,
)
from volunteerkit.awards.store import MAX_CREDIT
from volunteerkit.errors import ConflictError, InvalidInputError
from volunteerkit.hours import NATIONAL, EntryId, ServiceEntry, Source
from volunteerkit.hours.ledger import Ledger
from volunteerkit.hours.models import Source as HoursSource
from volunteerkit.hours.store import CreditClose, CreditRow
from volunteerkit.testing.conformance import _Base
from volunteerkit.testing.strategies_awards import grants

__all__ = [
    "AwardBatchConformance",
    "AwardCreditConformance",
    "AwardCrossingConformance",
    "AwardLedgerConformance",
]

_T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
_SH = ZoneInfo("Asia/Shanghai")


def _grant(
    n: int, *, subject: str = "v1", level: str = "star-1", key: str = "once", **kw: Any
) -> Grant:
    fields: dict[str, Any] = {
        "id": f"00000000-0000-7000-8000-{n:012d}",
        "rule_set_id": "cn.cyl.stars",
        "rule_set_version": "2013",
        "subject_id": subject,
        "level_id": level,
        "key": key,
        "earned_on": date(2025, 5, 1),
        "crossing_entry": EntryId(origin="bj", local_id=f"e{n}"),
        "consumed_from": 0,
        "consumed_to": 6000,
        "period_first": date(2024, 1, 1),
        "at": _T0 + timedelta(minutes=n),
        "actor": "batch",
    }
    fields.update(kw)
    return Grant(**fields)


def _revocation(
    n: int, *, subject: str = "v1", level: str = "star-1", key: str = "once"
) -> Revocation:
    return Revocation(
        id=f"00000000-0000-7000-9000-{n:012d}",
        rule_set_id="cn.cyl.stars",
        subject_id=subject,
        level_id=level,
        key=key,
        at=_T0 + timedelta(hours=1, minutes=n),
        actor="batch",
        reason_code="awards.no_longer_supported",
        reason="no longer supported by the hours: counted 99 h of 100 h in the window",
        reason_zh="现有时长已不再支持该奖项:区间内已计 99 h,需 100 h",
    )


class AwardLedgerConformance(_Base):
    """The award ledger: idempotent grants and revocations, what is held, atomicity."""

    def test_grant_is_held_and_in_the_history(self, store: Any) -> None:
        """A grant is returned exactly by held() and history(), and counted."""
        g = _grant(1)
        assert store.awards.grant([g]) == 1
        assert store.awards.held("cn.cyl.stars") == {"v1": [g]}
        assert store.awards.held("cn.cyl.stars", ["v1", "v9"]) == {"v1": [g]}
        assert store.awards.history("cn.cyl.stars", "v1") == [g]
        assert store.awards.count_held() == 1
        assert store.awards.count_held("us.pvsa") == 0

    def test_the_largest_offsets_round_trip_and_one_more_is_refused(self, store: Any) -> None:
        """Offsets up to MAX_CREDIT (2**63 - 1) are kept by every backend; one more is refused.

        The SQL stores keep them in 64-bit integers; the grant itself refuses a larger offset, so
        memory cannot keep what SQLite and PostgreSQL refuse as ``store.out_of_range``.
        """
        g = _grant(1, consumed_from=0, consumed_to=MAX_CREDIT)
        assert store.awards.grant([g]) == 1
        assert store.awards.history("cn.cyl.stars", "v1") == [g]
        beyond: dict[str, Any] = {"consumed_from": MAX_CREDIT + 1}
        with pytest.raises(InvalidInputError) as info:
            _grant(2, **beyond)
        assert (info.value.code, info.value.path) == ("awards.input.invalid", "$.consumed_from")
        with pytest.raises(InvalidInputError) as info:
            _grant(2, consumed_to=MAX_CREDIT + 1)
        assert (info.value.code, info.value.path) == ("awards.input.invalid", "$.consumed_to")

    def test_the_longest_award_keys_are_held_and_longer_ones_refused(self, store: Any) -> None:
        """Rule set, subject, level and key of 200 three-byte characters each are held everywhere.

        PostgreSQL indexes the four together and refuses an index row over 2,704 bytes, so the
        record bounds each to 600 UTF-8 bytes: 151 four-byte characters are refused alike.
        """

        def longest(tag: int) -> str:
            return "".join(chr(0x4E00 + tag * 200 + i) for i in range(200))

        g = _grant(
            1, rule_set_id=longest(0), subject=longest(1), level=longest(2), key=longest(3)
        )
        assert store.awards.grant([g]) == 1
        assert store.awards.held(longest(0)) == {longest(1): [g]}
        wide = "".join(chr(0x20000 + i) for i in range(151))
        with pytest.raises(InvalidInputError) as info:
            _grant(2, level=wide)
        assert (info.value.code, info.value.path) == ("awards.input.invalid", "$.level_id")

    def test_granting_a_held_key_or_replaying_writes_nothing(self, store: Any) -> None:
        """Replaying a grant, or granting a held key under a new id, records nothing."""
        assert store.awards.grant([_grant(1)]) == 1
        assert store.awards.grant([_grant(1)]) == 0
        assert store.awards.grant([_grant(2, earned_on=date(2025, 6, 1))]) == 0
        assert store.awards.history("cn.cyl.stars", "v1") == [_grant(1)]

    def test_a_different_record_under_a_stored_id_conflicts_and_writes_nothing(
        self, store: Any
    ) -> None:
        """A clash raises awards.conflict and leaves the whole batch unwritten."""
        store.awards.grant([_grant(1)])
        clash = _grant(1, subject="v2")
        with pytest.raises(ConflictError) as info:
            store.awards.grant([_grant(3, subject="v3"), clash])
        assert info.value.code == "awards.conflict"
        assert store.awards.held("cn.cyl.stars", ["v3"]) == {}
        assert store.awards.count_held() == 1

    def test_revocation_ends_the_award_and_keeps_the_reason(self, store: Any) -> None:
        """A revocation removes the held award; revoking an unheld key or replaying does nothing."""
        store.awards.grant([_grant(1), _grant(2, level="star-2")])
        r = _revocation(1)
        assert store.awards.revoke([r]) == 1
        assert store.awards.revoke([r]) == 0
        assert store.awards.revoke([_revocation(2)]) == 0
        assert store.awards.held("cn.cyl.stars") == {"v1": [_grant(2, level="star-2")]}
        history = store.awards.history("cn.cyl.stars", "v1")
        assert history == [_grant(1), _grant(2, level="star-2"), r]
        assert history[-1].reason_zh.startswith("现有时长")

    def test_a_revoked_award_can_be_granted_again(self, store: Any) -> None:
        """After a revocation, a new grant of the same key is recorded and held."""
        store.awards.grant([_grant(1)])
        store.awards.revoke([_revocation(1)])
        again = _grant(5, earned_on=date(2026, 1, 2))
        assert store.awards.grant([_grant(1)]) == 0  # the old record is a replay
        assert store.awards.grant([again]) == 1
        assert store.awards.held("cn.cyl.stars") == {"v1": [again]}

    def test_held_is_per_rule_set_and_holders_are_sorted(self, store: Any) -> None:
        """held() filters by rule set and subjects; holders() lists each holder once, sorted."""
        store.awards.grant(
            [
                _grant(1, subject="v2"),
                _grant(2, subject="v1", level="star-2"),
                _grant(3, subject="v1"),
                _grant(4, subject="v3", rule_set_id="us.pvsa", level="gold", key="2025"),
            ]
        )
        held = store.awards.held("cn.cyl.stars")
        assert sorted(held) == ["v1", "v2"]
        assert [(g.level_id, g.key) for g in held["v1"]] == [("star-1", "once"), ("star-2", "once")]
        assert list(store.awards.holders("cn.cyl.stars")) == ["v1", "v2"]
        assert list(store.awards.holders("us.pvsa")) == ["v3"]
        assert store.awards.count_held("cn.cyl.stars") == 3

    @pytest.mark.parametrize("text", ["a\x00b", "\ud800"], ids=["nul", "lone-surrogate"])
    def test_a_lookup_by_text_no_store_can_hold_finds_nothing(self, store: Any, text: str) -> None:
        """Rule set or subject ids holding NUL or a lone surrogate find nothing.

        held() gives {} (a listed subject id is skipped: ``["v1", text]`` gives v1's grant),
        history() [], holders() nothing, count_held() 0, recommendations() {}, as the memory
        store answered. PostgreSQL raised StoreError store.operational for NUL, and both SQL
        stores InvalidInputError store.invalid_text for a surrogate.
        """
        store.awards.grant([_grant(1)])
        assert store.awards.held(text) == {}
        assert store.awards.held("cn.cyl.stars", [text]) == {}
        assert store.awards.held("cn.cyl.stars", ["v1", text]) == {"v1": [_grant(1)]}
        assert store.awards.history(text, "v1") == []
        assert store.awards.history("cn.cyl.stars", text) == []
        assert list(store.awards.holders(text)) == []
        assert store.awards.count_held(text) == 0
        assert store.awards.recommendations(text, ["v1"]) == {}
        assert store.awards.recommendations("cn.cyl.stars", [text]) == {}

    def test_a_failed_transaction_leaves_no_award(self, store: Any) -> None:
        """Grants and revocations inside a transaction that raises are undone."""
        store.awards.grant([_grant(1)])
        with pytest.raises(RuntimeError), store.transaction():  # noqa: PT012
            store.awards.revoke([_revocation(1)])
            store.awards.grant([_grant(2, level="star-2")])
            raise RuntimeError("half-way")
        assert store.awards.held("cn.cyl.stars") == {"v1": [_grant(1)]}
        assert store.awards.history("cn.cyl.stars", "v1") == [_grant(1)]

    def test_recommendations_are_kept_once(self, store: Any) -> None:
        """A recommendation is recorded once per subject and level; others are separate."""
        rec = Recommendation(
            rule_set_id="cn.beijing.stars", subject_id="v1", level_id="star-5", by="org-1", at=_T0
        )
        assert store.awards.recommend([rec]) == 1
        assert store.awards.recommend([rec]) == 0
        other = Recommendation(
            rule_set_id="cn.beijing.stars", subject_id="v2", level_id="star-5", by="org-2", at=_T0
        )
        assert store.awards.recommend([other]) == 1
        assert store.awards.recommendations("cn.beijing.stars", ["v1", "v2", "v3"]) == {
            "v1": frozenset({"star-5"}),
            "v2": frozenset({"star-5"}),
        }
        assert store.awards.recommendations("us.pvsa", ["v1"]) == {}

    def test_recommendations_as_of_an_instant_are_those_made_by_then(self, store: Any) -> None:
        """``as_of`` keeps only the recommendations made at or before it."""
        later = _T0 + timedelta(days=3)
        store.awards.recommend(
            [
                Recommendation(
                    rule_set_id="cn.beijing.stars", subject_id="v1", level_id="star-5",
                    by="org-1", at=_T0,
                ),
                Recommendation(
                    rule_set_id="cn.beijing.stars", subject_id="v2", level_id="star-5",
                    by="org-1", at=later,
                ),
            ]
        )  # fmt: skip
        ids = ["v1", "v2"]
        assert store.awards.recommendations("cn.beijing.stars", ids, as_of=_T0) == {
            "v1": frozenset({"star-5"})
        }
        assert store.awards.recommendations(
            "cn.beijing.stars", ids, as_of=later - timedelta(microseconds=1)
        ) == {"v1": frozenset({"star-5"})}
        assert set(store.awards.recommendations("cn.beijing.stars", ids, as_of=later)) == {
            "v1",
            "v2",
        }
        assert set(store.awards.recommendations("cn.beijing.stars", ids)) == {"v1", "v2"}

    @settings(
        max_examples=8,
        deadline=None,
        # One method runs under several subclasses (one per backend) by design.
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.differing_executors,
        ],
    )
    @given(items=st.lists(grants(), max_size=6, unique_by=lambda g: g.id))
    def test_grants_round_trip_exactly(self, make_store: Any, items: list[Grant]) -> None:
        """Whatever grants are recorded, held() returns the first grant of each key, unchanged."""
        store = make_store()
        try:
            store.awards.grant(items)
            expected: dict[tuple[str, str, str, str], Grant] = {}
            for g in items:
                expected.setdefault(g.award, g)
            found = [
                g
                for rs in ("cn.cyl.stars", "us.pvsa")
                for v in store.awards.held(rs).values()
                for g in v
            ]
            assert sorted(found, key=lambda g: g.award) == sorted(
                expected.values(), key=lambda g: g.award
            )
        finally:
            store.close()


def _row(
    volunteer: str,
    entry: str,
    day: int,
    credited: int,
    *,
    category: str = "care",
    organization: str = "o1",
    valid_from: datetime = _T0,
) -> CreditRow:
    return CreditRow(
        volunteer_id=volunteer,
        entry_id=EntryId(origin="t", local_id=entry),
        organization_id=organization,
        category=category,
        region=None,
        local_date=day,
        raw_minutes=credited + 10,
        credited_minutes=credited,
        weighted_micro=credited * 1_500_000,
        valid_from=valid_from,
    )


class AwardCreditConformance(_Base):
    """Reading the hours ledger's credit rows for batch evaluation."""

    @pytest.fixture
    def credit(self, store: Any) -> Any:
        """A store with credit rows of two volunteers, one row closed later."""
        store.ledger.write_credit(
            [],
            [
                _row("v1", "a", 20250101, 60),
                _row("v1", "b", 20250101, 30, category="paid"),
                _row("v1", "c", 20250301, 120, organization="o2"),
                _row("v2", "d", 20250102, 45),
                _row("v2", "e", 20250105, 15, valid_from=_T0 + timedelta(days=2)),
            ],
        )
        store.ledger.write_credit(
            [
                CreditClose(
                    volunteer_id="v1",
                    entry_id=EntryId(origin="t", local_id="c"),
                    local_date=20250301,
                    valid_to=_T0 + timedelta(days=1),
                )
            ],
            [],
        )
        return store

    def test_lines_valid_at_an_instant(self, credit: Any) -> None:
        """credit_lines returns each volunteer's rows valid at as_of, once per volunteer."""
        got = {v: sorted(rows) for v, rows in credit.awards.credit_lines(_T0 + timedelta(hours=1))}
        assert got == {
            "v1": [
                (20250101, "t:a", "o1", "care", 70, 60, 90_000_000),
                (20250101, "t:b", "o1", "paid", 40, 30, 45_000_000),
                (20250301, "t:c", "o2", "care", 130, 120, 180_000_000),
            ],
            "v2": [(20250102, "t:d", "o1", "care", 55, 45, 67_500_000)],
        }
        later = dict(
            credit.awards.credit_lines(_T0 + timedelta(days=3), volunteer_ids=["v1", "v2"])
        )
        assert sorted(r[1] for r in later["v1"]) == ["t:a", "t:b"]
        assert sorted(r[1] for r in later["v2"]) == ["t:d", "t:e"]

    def test_line_filters_by_dates(self, credit: Any) -> None:
        """first, last and ranges select local dates inside the store."""
        at = _T0 + timedelta(hours=1)
        only = dict(credit.awards.credit_lines(at, first=20250102, last=20250301))
        assert {v: [r[1] for r in rows] for v, rows in only.items()} == {
            "v1": ["t:c"],
            "v2": ["t:d"],
        }
        spans = dict(
            credit.awards.credit_lines(
                at, ranges=[("v1", 20250101, 20250101), ("v2", 20250101, 20250131)]
            )
        )
        assert {v: sorted(r[1] for r in rows) for v, rows in spans.items()} == {
            "v1": ["t:a", "t:b"],
            "v2": ["t:d"],
        }
        assert list(credit.awards.credit_lines(at, ranges=[("v1", 20250102, 20250228)])) == []

    def test_totals_per_volunteer_with_filters(self, credit: Any) -> None:
        """credit_totals sums per volunteer inside the store, with category and organization filters."""
        at = _T0 + timedelta(hours=1)
        assert list(credit.awards.credit_totals(at)) == [
            ("v1", 240, 210, 315_000_000, 20250101, 20250301),
            ("v2", 55, 45, 67_500_000, 20250102, 20250102),
        ]
        unpaid = Counting(exclude_categories=("paid",), include_organizations=("o1",))
        assert list(credit.awards.credit_totals(at, counting=unpaid, last=20250228)) == [
            ("v1", 70, 60, 90_000_000, 20250101, 20250101),
            ("v2", 55, 45, 67_500_000, 20250102, 20250102),
        ]

    def test_day_and_month_totals(self, credit: Any) -> None:
        """credit_day_totals sums each volunteer's rows per local date, or per month."""
        at = _T0 + timedelta(days=3)
        got = dict(credit.awards.credit_day_totals(at, volunteer_ids=["v1", "v2", "v9"]))
        assert got == {
            "v1": [(20250101, 110, 90, 135_000_000)],
            "v2": [(20250102, 55, 45, 67_500_000), (20250105, 25, 15, 22_500_000)],
        }
        months = dict(credit.awards.credit_day_totals(at, volunteer_ids=["v2"], by_month=True))
        assert months == {"v2": [(20250105, 80, 60, 90_000_000)]}
        only = dict(credit.awards.credit_day_totals(at, volunteer_ids=["v1"], kinds=["credited"]))
        assert only == {"v1": [(20250101, 0, 90, 0)]}

    def test_sources_cannot_be_filtered_on_credit_rows(self, credit: Any) -> None:
        """Credit rows carry no source: asking the store to filter sources is refused."""
        with pytest.raises(InvalidInputError) as info:
            list(
                credit.awards.credit_totals(
                    _T0, counting=Counting(include_sources=(HoursSource.ORGANIZATION,))
                )
            )
        assert info.value.code == "awards.input.invalid"


class AwardCrossingConformance(_Base):
    """The rows at which running sums of credit reach thresholds, found inside the store."""

    @pytest.fixture
    def crossing_credit(self, store: Any) -> Any:
        """v1: two rows on one day, a row with no credited minutes, a corrected row; v2: one row."""
        store.ledger.write_credit(
            [],
            [
                _row("v1", "y", 20241231, 0),  # raw 10, no credited or weighted minutes
                _row("v1", "b", 20250101, 60),
                _row("v1", "a", 20250101, 30),  # same day: t:a comes before t:b
                _row("v1", "z", 20250102, 0),
                _row("v1", "e", 20250102, 500),  # closed one day after _T0
                _row("v1", "d", 20250103, 120),
                _row("v2", "c", 20250105, 45),
            ],
        )
        store.ledger.write_credit(
            [
                CreditClose(
                    volunteer_id="v1",
                    entry_id=EntryId(origin="t", local_id="e"),
                    local_date=20250102,
                    valid_to=_T0 + timedelta(days=1),
                )
            ],
            [],
        )
        return store

    def test_the_first_row_reaching_each_threshold(self, crossing_credit: Any) -> None:
        """Ties on a day go by entry id text; a sum equal to the threshold reaches it."""
        later = _T0 + timedelta(days=2)
        got = list(
            crossing_credit.awards.credit_crossings(later, {"credited": [210, 90, 100, 211]})
        )
        assert got == [
            (
                "v1",
                20250101,
                [
                    ("credited", 90, 20250101, "t:b", 90),
                    ("credited", 100, 20250103, "t:d", 210),
                    ("credited", 210, 20250103, "t:d", 210),
                ],
            )
        ]

    def test_rows_valid_at_the_instant(self, crossing_credit: Any) -> None:
        """Before the correction closed it, t:e's 500 minutes count."""
        before = _T0 + timedelta(hours=1)
        got = list(crossing_credit.awards.credit_crossings(before, {"credited": [90, 100, 211]}))
        assert got == [
            (
                "v1",
                20250101,
                [
                    ("credited", 90, 20250101, "t:b", 90),
                    ("credited", 100, 20250102, "t:e", 590),
                    ("credited", 211, 20250102, "t:e", 590),
                ],
            )
        ]

    def test_each_kind_counts_its_positive_rows(self, crossing_credit: Any) -> None:
        """Raw minutes count rows without credited minutes; weighted sums are in millionths."""
        later = _T0 + timedelta(days=2)
        got = list(
            crossing_credit.awards.credit_crossings(
                later, {"raw": [110, 50], "credited": [90], "weighted": [135_000_000]}
            )
        )
        assert got == [
            (
                "v1",
                20241231,
                [
                    ("credited", 90, 20250101, "t:b", 90),
                    ("raw", 50, 20250101, "t:a", 50),
                    ("raw", 110, 20250101, "t:b", 120),
                    ("weighted", 135_000_000, 20250101, "t:b", 135_000_000),
                ],
            ),
            ("v2", 20250105, [("raw", 50, 20250105, "t:c", 55)]),
        ]

    def test_dates_and_volunteers_are_filtered(self, crossing_credit: Any) -> None:
        """The last date and a list of volunteers narrow the rows and the volunteers read."""
        later = _T0 + timedelta(days=2)
        early = list(
            crossing_credit.awards.credit_crossings(later, {"credited": [90, 100]}, last=20250102)
        )
        assert early == [("v1", 20250101, [("credited", 90, 20250101, "t:b", 90)])]
        only = list(
            crossing_credit.awards.credit_crossings(later, {"raw": [50]}, volunteer_ids=["v2"])
        )
        assert only == [("v2", 20250105, [("raw", 50, 20250105, "t:c", 55)])]
        assert list(crossing_credit.awards.credit_crossings(later, {"credited": []})) == []

    @pytest.mark.parametrize(
        "thresholds", [{"minutes": [60]}, {"credited": [0]}, {"weighted": [2**63]}]
    )
    def test_bad_thresholds_are_refused(self, crossing_credit: Any, thresholds: Any) -> None:
        """An unknown kind of credit, or a threshold not positive or beyond 64 bits, is refused."""
        with pytest.raises(InvalidInputError) as info:
            list(crossing_credit.awards.credit_crossings(_T0, thresholds))
        assert info.value.code == "awards.input.invalid"

    def test_the_64_bit_edge_is_reached_by_no_one_and_beyond_it_refused(
        self, crossing_credit: Any
    ) -> None:
        """2**63 - 1 is a threshold and a minimum nobody reaches; 2**63 is refused on every backend.

        SQLite cannot bind an integer beyond 64 bits; memory and PostgreSQL could compare with
        it, so without one bound a backend would raise where the others answered.
        """
        later = _T0 + timedelta(days=2)
        awards = crossing_credit.awards
        top = 2**63 - 1
        assert list(awards.credit_crossings(later, {"weighted": [top]})) == []
        assert list(awards.credit_reaching(later, {"weighted": top})) == []
        assert sorted(awards.credit_reaching(later, {"raw": -(2**63)})) == ["v1", "v2"]
        for minimum in (top + 1, -(2**63) - 1):
            with pytest.raises(InvalidInputError) as info:
                list(awards.credit_reaching(later, {"weighted": minimum}))
            assert (info.value.code, info.value.path) == (
                "awards.input.invalid", "$.minimum.weighted"
            )


def _entry(volunteer: str, n: int, day: date, hours: int, recorded: datetime) -> ServiceEntry:
    start = datetime(day.year, day.month, day.day, 8, 0, tzinfo=_SH)
    return ServiceEntry(
        id=EntryId(origin="t", local_id=f"{volunteer}-{n:03d}"),
        volunteer_id=volunteer,
        organization_id="o1",
        category="care",
        start=start,
        end=start + timedelta(hours=hours),
        zone=_SH,
        source=Source.ORGANIZATION,
        recorded_by="staff",
        recorded_at=recorded,
    )


class AwardBatchConformance(_Base):
    """Awarding CYL stars from the hours ledger on the store, and revoking after corrections."""

    def _scenario(self, store: Any) -> tuple[Ledger, FixedClock, dict[str, AwardSubject]]:
        clock = FixedClock(datetime(2025, 6, 30, 12, 0, tzinfo=UTC))
        ledger = Ledger(store, clock=clock, policy=NATIONAL)
        recorded = datetime(2025, 6, 30, 10, 0, tzinfo=UTC)
        entries = []
        # v1: ten 10-hour days from 1 March 2025 (100 h on 10 March); v2: 99 hours;
        # v3: a 10-hour day before registering and 95 hours after.
        for n in range(10):
            entries.append(_entry("v1", n, date(2025, 3, 1) + timedelta(days=n), 10, recorded))
        for n in range(9):
            entries.append(_entry("v2", n, date(2025, 3, 1) + timedelta(days=n), 11, recorded))
        entries.append(_entry("v3", 0, date(2025, 2, 1), 10, recorded))
        for n in range(1, 20):
            entries.append(_entry("v3", n, date(2025, 3, 1) + timedelta(days=n), 5, recorded))
        ledger.record_many(entries, actor="staff")
        subjects = {
            v: AwardSubject(id=v, registered_on=date(2025, 2, 15)) for v in ("v1", "v2", "v3")
        }
        return ledger, clock, subjects

    def test_stars_granted_once_then_revoked_after_a_correction(self, store: Any) -> None:
        """Exact grants, an idempotent re-run, and a revocation that says why."""
        ledger, clock, subjects = self._scenario(store)
        rules = load_rule_set("cn.cyl.stars")
        as_of = datetime(2025, 6, 30, 20, 0, tzinfo=timezone_8())
        run = award_all(rules, store, as_of=as_of, clock=clock, actor="batch", subjects=subjects)
        assert (run.evaluated, run.granted, run.revoked, run.kept) == (2, 1, 0, 0)
        [grant] = store.awards.held("cn.cyl.stars")["v1"]
        assert (grant.level_id, grant.key, grant.earned_on, str(grant.crossing_entry)) == (
            "star-1", "once", date(2025, 3, 10), "t:v1-009",
        )  # fmt: skip
        assert (grant.consumed_from, grant.consumed_to) == (0, 6000)
        again = award_all(rules, store, as_of=as_of, clock=clock, actor="batch", subjects=subjects)
        assert (again.granted, again.revoked, again.kept) == (0, 0, 1)
        assert len(list(store.audit.query(action="awards.grant"))) == 1

        clock.advance(timedelta(days=1))
        ledger.correct(
            EntryId(origin="t", local_id="v1-004"),
            actor="staff",
            reason="left an hour early",
            end=datetime(2025, 3, 5, 17, 0, tzinfo=_SH),
        )
        later = datetime(2025, 7, 1, 20, 0, tzinfo=timezone_8())
        run = award_all(rules, store, as_of=later, clock=clock, actor="batch", subjects=subjects)
        assert (run.evaluated, run.granted, run.revoked) == (2, 0, 1)
        assert store.awards.held("cn.cyl.stars") == {}
        revocation = store.awards.history("cn.cyl.stars", "v1")[-1]
        assert isinstance(revocation, Revocation)
        assert revocation.reason == (
            "no longer supported by the hours: counted 99 h of 100 h in the window"
        )
        [audit] = store.audit.query(action="awards.revoke")
        assert (audit.subject_id, audit.reason) == ("v1", revocation.reason)
        # what was held as of the first evaluation is still answered from the credit as of then
        [before] = earned_all(rules, store, as_of=as_of, subjects=subjects)
        assert (before.subject_id, before.earned) == ("v1", ("star-1",))

    def test_batch_evaluation_equals_the_pure_engine(self, store: Any) -> None:
        """evaluate_all over the store equals evaluate over each volunteer's folded records."""
        _ledger, _clock, subjects = self._scenario(store)
        as_of = datetime(2025, 6, 30, 20, 0, tzinfo=timezone_8())
        for rule_id in ("cn.cyl.stars", "cn.heilongjiang.annual", "tw.volunteer-medals"):
            rules = load_rule_set(rule_id)
            batch = list(evaluate_all(rules, store, as_of=as_of, subjects=subjects))
            assert [e.subject_id for e in batch] == ["v1", "v2", "v3"]
            records = store.ledger.records_of(["v1", "v2", "v3"])
            for result in batch:
                entries, events = records[result.subject_id]
                lines = credit_lines_from_records(entries, events, NATIONAL, as_of=as_of)
                assert result == evaluate(rules, subjects[result.subject_id], lines, as_of)
        stars = {
            e.subject_id: e
            for e in evaluate_all(
                load_rule_set("cn.cyl.stars"), store, as_of=as_of, subjects=subjects
            )
        }
        assert stars["v2"].level("star-1").status is LevelStatus.NOT_MET
        assert stars["v2"].next_level is not None
        assert stars["v2"].next_level.remaining_minutes == 60
        # v3's hours before registration do not count: 95 h
        assert stars["v3"].next_level is not None
        assert stars["v3"].next_level.counted_minutes == 95 * 60


def timezone_8() -> Any:
    """The +08:00 offset (Beijing time) used by the scenario's evaluation instants."""
    from datetime import timezone

    return timezone(timedelta(hours=8))
