"""The store conformance suite: one test class per storage contract, shipped in the package.

Every backend runs the same tests by subclassing and providing one fixture, ``make_store``, that
returns a callable creating a fresh, empty store::

    import pytest
    from volunteerkit.stores import SQLiteStore
    from volunteerkit.testing.conformance import AuditLogConformance, StoreConformance

    class TestMySQLite(StoreConformance, AuditLogConformance):
        @pytest.fixture
        def make_store(self, tmp_path):
            counter = iter(range(1_000_000))
            return lambda: SQLiteStore(tmp_path / f"{next(counter)}.db")

Embedders who write their own backend run exactly these tests against it. Needs pytest and hypothesis.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from volunteerkit.audit import AuditEntry
from volunteerkit.errors import (
    ConflictError,
    InvalidInputError,
    NaiveDatetimeError,
    NotFoundError,
    UnavailableError,
)
from volunteerkit.stores._base import Store
from volunteerkit.testing.strategies import any_instants, audit_entries

__all__ = ["AuditLogConformance", "StoreConformance", "StoreFactory"]

StoreFactory = Callable[[], Any]
"""A callable that returns a fresh, empty store."""

_T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def _entry(n: int, *, subject: str = "v1", at: datetime | None = None, **kw: Any) -> AuditEntry:
    fields: dict[str, Any] = {
        "id": f"00000000-0000-7000-8000-{n:012d}",
        "at": at if at is not None else _T0 + timedelta(minutes=n),
        "actor": "coordinator",
        "action": "volunteer.register",
        "subject_type": "volunteer",
        "subject_id": subject,
        "reason": "",
        "details": {},
    }
    fields.update(kw)
    return AuditEntry(**fields)


def _append_like_a_model(store: Any, batches: list[list[AuditEntry]]) -> list[AuditEntry]:
    """Append each batch, checking the store against a dict model; return the model's entries.

    A batch with an id already held (or given twice) with other content must raise
    ConflictError and write nothing; any other batch reports how many entries were new.

    Returns:
        The model's entries in ``(at, id)`` order.
    """
    model: dict[str, AuditEntry] = {}
    for batch in batches:
        candidate = dict(model)
        clash = False
        for entry in batch:
            if entry.id in candidate and candidate[entry.id] != entry:
                clash = True
                break
            candidate[entry.id] = entry
        if clash:
            with pytest.raises(ConflictError):
                store.audit.append_many(batch)
        else:
            assert store.audit.append_many(batch) == len(candidate) - len(model)
            model = candidate
    return sorted(model.values(), key=lambda e: (e.at, e.id))


class _Base:
    @pytest.fixture
    def store(self, make_store: StoreFactory) -> Iterator[Any]:
        """A fresh, empty store, closed after the test."""
        store = make_store()
        yield store
        store.close()


class StoreConformance(_Base):
    """Transactions: atomic on every backend, nestable, and the :class:`Store` shape."""

    def test_store_has_the_store_shape(self, store: Any) -> None:
        """Every backend satisfies the Store protocol (audit log, transaction, close)."""
        assert isinstance(store, Store)

    def test_committed_transaction_is_visible(self, store: Any) -> None:
        """What a transaction wrote is there after it commits."""
        with store.transaction():
            store.audit.append(_entry(1))
            store.audit.append(_entry(2))
        assert store.audit.count() == 2
        assert store.audit.get(_entry(2).id) == _entry(2)

    def test_transaction_that_raises_leaves_store_unchanged(self, store: Any) -> None:
        """A transaction that raises half-way leaves the store exactly as it was."""
        store.audit.append(_entry(1))
        with pytest.raises(RuntimeError, match="half-way"), store.transaction():
            store.audit.append(_entry(2))
            store.audit.append_many([_entry(3), _entry(4)])
            raise RuntimeError("half-way")
        assert store.audit.count() == 1
        assert [e.id for e in store.audit.query()] == [_entry(1).id]
        with pytest.raises(NotFoundError):
            store.audit.get(_entry(2).id)

    def test_inner_failure_rolls_back_only_the_inner_block(self, store: Any) -> None:
        """A nested block that raises is undone; the outer block goes on and commits."""
        with store.transaction():
            store.audit.append(_entry(1))
            with pytest.raises(ValueError, match="inner"), store.transaction():
                store.audit.append(_entry(2))
                raise ValueError("inner")
            store.audit.append(_entry(3))
        assert [e.id for e in store.audit.query()] == [_entry(1).id, _entry(3).id]

    def test_outer_failure_undoes_committed_inner_block(self, store: Any) -> None:
        """An inner block that finished is still undone when the outer block raises."""
        with pytest.raises(KeyError), store.transaction():
            with store.transaction():
                store.audit.append(_entry(1))
            raise KeyError("outer")
        assert store.audit.count() == 0

    def test_store_usable_after_a_failed_transaction(self, store: Any) -> None:
        """A rolled-back transaction does not poison the store for the next one."""
        with pytest.raises(RuntimeError), store.transaction():
            store.audit.append(_entry(1))
            raise RuntimeError
        with store.transaction():
            store.audit.append(_entry(1))
        assert store.audit.count() == 1

    def test_a_closed_store_refuses_every_use(self, make_store: StoreFactory) -> None:
        """After ``close()`` reads, writes and transactions raise UnavailableError store.closed.

        The memory store used to keep answering after close while the SQL stores refused.
        Closing twice is harmless.
        """
        store = make_store()
        store.audit.append(_entry(1))
        store.close()
        calls: list[Callable[[], object]] = [
            lambda: store.audit.count(),
            lambda: store.audit.append(_entry(2)),
            lambda: store.audit.get(_entry(1).id),
        ]
        for call in calls:
            with pytest.raises(UnavailableError) as info:
                call()
            assert info.value.code == "store.closed"
        with pytest.raises(UnavailableError) as info, store.transaction():
            pass
        assert info.value.code == "store.closed"
        store.close()

    def test_a_query_started_before_close_is_refused_after_it(
        self, make_store: StoreFactory
    ) -> None:
        """The rest of a query read after ``close()`` is UnavailableError ``store.closed``.

        The memory store, SQLite (for a query it had read out whole: in a transaction, or on
        ``":memory:"``) and both SQL stores (for the rest of the batch they had fetched) went on
        handing out rows after close.
        """
        store = make_store()
        store.audit.append_many(_entry(n) for n in range(1, 2501))
        rows = store.audit.query()
        assert next(rows).id == _entry(1).id
        with store.transaction():
            inside = store.audit.query()
            assert next(inside).id == _entry(1).id
        store.close()
        for left in (rows, inside):
            with pytest.raises(UnavailableError) as info:
                next(left)
            assert info.value.code == "store.closed"

    @pytest.mark.parametrize("nested", [False, True])
    def test_a_store_closed_inside_a_transaction_commits_nothing(
        self, make_store: StoreFactory, nested: bool
    ) -> None:
        """A store closed inside a transaction never seems to have committed the block.

        A block that raises keeps its own error; one that ends normally raises UnavailableError
        ``store.closed``. SQLite replaced either with a raw ``sqlite3.ProgrammingError``;
        PostgreSQL and memory ended the block silently although nothing was committed.
        """
        store = make_store()
        with pytest.raises(RuntimeError, match="the block's own"), store.transaction():
            store.audit.append(_entry(1))
            store.close()
            raise RuntimeError("the block's own")
        store = make_store()
        with pytest.raises(UnavailableError) as info, store.transaction():
            store.audit.append(_entry(1))
            if nested:
                with store.transaction():
                    store.audit.append(_entry(2))
                    store.close()
            else:
                store.close()
        assert info.value.code == "store.closed"

    def test_writes_made_while_a_query_is_read_are_kept_when_it_stops_early(
        self, store: Any
    ) -> None:
        """Writes made between a query's rows stay written when the reader stops early.

        Found on PostgreSQL: the query's cursor lived in a transaction held open across its rows,
        which took in every write made meanwhile and rolled them back when the reader stopped.
        """
        store.audit.append_many(_entry(n) for n in range(1, 6))
        rows = store.audit.query()
        assert next(rows).id == _entry(1).id
        store.audit.append(_entry(6))
        with store.transaction():
            store.audit.append(_entry(7))
        del rows  # the reader stops: the last reference to the iterator is gone
        assert store.audit.count() == 7
        assert store.audit.get(_entry(7).id) == _entry(7)

    def test_query_opened_in_a_transaction_and_left_keeps_the_transactions_writes(
        self, store: Any
    ) -> None:
        """A query opened and left inside a transaction does not undo what the block wrote."""
        store.audit.append_many(_entry(n) for n in range(1, 4))
        with store.transaction():
            rows = store.audit.query()
            next(rows)
            store.audit.append(_entry(4))
            del rows
            store.audit.append(_entry(5))
        assert [e.id for e in store.audit.query()] == [_entry(n).id for n in range(1, 6)]

    def test_a_query_answers_from_the_rows_there_when_it_started(self, store: Any) -> None:
        """A loop appending one later entry per entry it reads ends after the entries stored.

        1,500 entries (more than one batch of a streamed query): the loop reads exactly those
        1,500, in order, and leaves 3,000. Found on SQLite, whose query walked a live cursor on
        the connection that writes and returned the entries appended ahead of it: it was still
        reading after 6,000 rows.
        """
        stored = [_entry(n) for n in range(1, 1501)]
        store.audit.append_many(stored)
        read: list[str] = []
        for entry in store.audit.query():
            read.append(entry.id)
            store.audit.append(_entry(10_000 + len(read)))  # later than every stored entry
            if len(read) > 3000:
                break
        assert read == [e.id for e in stored]
        assert store.audit.count() == 3000

    def test_a_transaction_committed_while_a_query_is_read_is_not_in_it(self, store: Any) -> None:
        """Entries a transaction commits between a query's rows are not among its rows.

        2,500 entries; after the first row, a transaction appends one entry and a savepoint in it
        appends another and is rolled back: the query returns the 2,500 (SQLite returned the
        committed one too, 2,501), and the store holds 2,501.
        """
        store.audit.append_many(_entry(n) for n in range(1, 2501))
        rows = store.audit.query()
        first = next(rows)
        with store.transaction():
            store.audit.append(_entry(5001))
            with pytest.raises(ValueError, match="inner"), store.transaction():
                store.audit.append(_entry(5002))
                raise ValueError("inner")
        rest = [e.id for e in rows]
        assert [first.id, *rest] == [_entry(n).id for n in range(1, 2501)]
        assert store.audit.count() == 2501

    def test_a_query_in_a_transaction_sees_what_the_block_wrote_before_it(self, store: Any) -> None:
        """In a transaction, a query returns the block's earlier writes but not its later ones.

        1,500 entries stored, 1 more appended in the block before the query: the query returns
        those 1,501 even though the block appends another after its first row (SQLite returned
        that one too), and the block commits 1,502.
        """
        store.audit.append_many(_entry(n) for n in range(1, 1501))
        with store.transaction():
            store.audit.append(_entry(1501))
            rows = store.audit.query()
            first = next(rows)
            store.audit.append(_entry(1502))
            rest = [e.id for e in rows]
        assert [first.id, *rest] == [_entry(n).id for n in range(1, 1502)]
        assert store.audit.count() == 1502


class AuditLogConformance(_Base):
    """The audit log contract (:class:`volunteerkit.audit.AuditLog`)."""

    def test_append_then_identical_replay_is_a_no_op(self, store: Any) -> None:
        """Appending returns True; appending the identical entry again returns False."""
        entry = _entry(1, reason="registered at the Hami office", details={"doc": "cn_ric"})
        assert store.audit.append(entry) is True
        assert store.audit.append(entry) is False
        assert store.audit.count() == 1

    def test_round_trip_is_exact(self, store: Any) -> None:
        """What comes back equals what went in, Unicode and offsets included."""
        at = datetime(2026, 11, 1, 1, 30, tzinfo=timezone(timedelta(hours=5, minutes=45)))
        entry = _entry(
            7, at=at, actor="北京市志愿服务联合会", reason="转入记录 ✓", details={"κ": "值", "": ""}
        )
        store.audit.append(entry)
        back = store.audit.get(entry.id)
        assert back == entry
        assert back.at.utcoffset() is not None

    def test_stored_entries_do_not_change_with_the_callers_objects(self, store: Any) -> None:
        """Changing an appended or a returned entry's details changes nothing stored."""
        entry = _entry(1, details={"doc": "cn_ric"})
        empty = _entry(2)
        store.audit.append_many([entry, empty])
        entry.details["doc"] = "changed"
        empty.details["added"] = "later"
        store.audit.get(entry.id).details["added"] = "later"
        next(iter(store.audit.query(limit=1))).details.clear()
        assert store.audit.get(entry.id).details == {"doc": "cn_ric"}
        assert store.audit.get(empty.id).details == {}

    def test_conflicting_entry_is_refused(self, store: Any) -> None:
        """A different entry under an existing id raises ConflictError with code audit.conflict."""
        store.audit.append(_entry(1))
        with pytest.raises(ConflictError) as info:
            store.audit.append(_entry(1, reason="changed"))
        assert info.value.code == "audit.conflict"
        assert store.audit.get(_entry(1).id).reason == ""

    def test_batch_with_a_conflict_writes_nothing(self, store: Any) -> None:
        """append_many is all or nothing: one clash and no entry of the batch is written."""
        store.audit.append(_entry(5))
        batch = [_entry(1), _entry(2), _entry(5, reason="clash"), _entry(3)]
        with pytest.raises(ConflictError):
            store.audit.append_many(batch)
        assert store.audit.count() == 1

    def test_query_refuses_a_limit_that_is_not_a_non_negative_int(self, store: Any) -> None:
        """query(limit=...) takes None or an int from 0 to 2**63 - 1 on every store.

        Before, the memory log raised a bare ValueError for 2**64 and "abc", SQLite a bare
        ValueError for "abc", and both gave nothing for -1 and read 1.9 and True as 1.
        """
        store.audit.append_many([_entry(1), _entry(2)])
        for limit, code in [
            ("abc", "audit.limit"),
            (-1, "audit.limit"),
            (1.9, "audit.limit"),
            (True, "audit.limit"),
            (2**63, "store.out_of_range"),
        ]:
            with pytest.raises(InvalidInputError) as info:
                list(store.audit.query(limit=limit))
            assert (info.value.code, info.value.path) == (code, "$.limit"), limit
        assert [e.id for e in store.audit.query(limit=2**63 - 1)] == [_entry(1).id, _entry(2).id]
        assert [e.id for e in store.audit.query(limit=1)] == [_entry(1).id]
        assert list(store.audit.query(limit=0)) == []

    @pytest.mark.parametrize("value", [5, None, b"v1", ["v1"]])
    def test_a_lookup_by_what_is_not_text_is_refused(self, store: Any, value: Any) -> None:
        """``get`` of an id, or a query by a text filter, that is not a ``str`` is a typed error.

        ``audit.invalid_field`` at the argument's path, on every store. Found: PostgreSQL refused
        the statement (``store.operational``), SQLite found the entry ``"5"`` by the number 5 and
        refused a list (``store.invalid_value``), memory raised a bare TypeError for a list.
        """
        store.audit.append(_entry(1, subject="5"))
        with pytest.raises(InvalidInputError) as info:
            store.audit.get(value)
        assert (info.value.code, info.value.path) == ("audit.invalid_field", "$.entry_id")
        for name in ("subject_type", "subject_id", "actor", "action"):
            if value is None:
                continue  # None is "no filter"
            with pytest.raises(InvalidInputError) as info:
                list(store.audit.query(**{name: value}))
            assert (info.value.code, info.value.path) == ("audit.invalid_field", f"$.{name}")
        assert [e.id for e in store.audit.query(subject_id="5")] == [_entry(1).id]

    def test_append_refuses_what_is_not_an_entry(self, store: Any) -> None:
        """append(None) and append_many of a non-entry are audit.invalid_entry; nothing is written."""
        cases: list[tuple[Callable[[], object], str]] = [
            (lambda: store.audit.append(None), "$.entry"),
            (lambda: store.audit.append_many([_entry(1), None]), "$.entries[1]"),
            (lambda: store.audit.append_many(5), "$.entries"),
        ]
        for call, path in cases:
            with pytest.raises(InvalidInputError) as info:
                call()
            assert (info.value.code, info.value.path) == ("audit.invalid_entry", path)
        assert store.audit.count() == 0

    def test_append_many_counts_only_new_entries(self, store: Any) -> None:
        """Replays inside and across batches are not counted twice."""
        assert store.audit.append_many([_entry(1), _entry(2), _entry(1)]) == 2
        assert store.audit.append_many(iter([_entry(2), _entry(3)])) == 1
        assert store.audit.count() == 3

    def test_get_missing_raises_not_found(self, store: Any) -> None:
        """get() of an unknown id raises NotFoundError, not KeyError."""
        with pytest.raises(NotFoundError) as info:
            store.audit.get("no-such-id")
        assert info.value.code == "audit.not_found"

    @pytest.mark.parametrize("text", ["a\x00b", "\ud800"], ids=["nul", "lone-surrogate"])
    def test_a_lookup_by_text_no_store_can_hold_finds_nothing(self, store: Any, text: str) -> None:
        """get() by text holding NUL or a lone surrogate is audit.not_found; query() by it is empty.

        No entry can hold such text (the model refuses it), so nothing is found, as the memory
        store answered. PostgreSQL raised StoreError store.operational for NUL, and both SQL
        stores InvalidInputError store.invalid_text for a surrogate.
        """
        store.audit.append(_entry(1))
        with pytest.raises(NotFoundError) as info:
            store.audit.get(text)
        assert info.value.code == "audit.not_found"
        for field in ("subject_type", "subject_id", "actor", "action"):
            assert list(store.audit.query(**{field: text})) == []
        assert list(store.audit.query(subject_type="volunteer", subject_id=text)) == []
        assert [e.id for e in store.audit.query()] == [_entry(1).id]

    def test_query_filters_and_orders(self, store: Any) -> None:
        """query() filters by subject, actor, action and [since, until), ordered by (at, id)."""
        same_time = _T0 + timedelta(hours=1)
        entries = [
            _entry(3, subject="v1", at=same_time),
            _entry(1, subject="v1"),
            _entry(2, subject="v2", actor="system"),
            _entry(4, subject="v1", at=same_time, action="hours.approve"),
            _entry(5, subject="v1", at=_T0 + timedelta(hours=2)),
        ]
        store.audit.append_many(entries)
        by_subject = [e.id for e in store.audit.query(subject_type="volunteer", subject_id="v1")]
        assert by_subject == [_entry(n).id for n in (1, 3, 4, 5)]
        window = store.audit.query(subject_id="v1", since=same_time, until=_T0 + timedelta(hours=2))
        assert [e.id for e in window] == [_entry(3).id, _entry(4).id]
        assert [e.id for e in store.audit.query(actor="system")] == [_entry(2).id]
        assert [e.id for e in store.audit.query(action="hours.approve")] == [_entry(4).id]
        assert [e.id for e in store.audit.query(limit=2)] == [_entry(1).id, _entry(2).id]
        assert list(store.audit.query(subject_type="organization")) == []

    def test_query_bounds_compare_instants_not_wall_times(self, store: Any) -> None:
        """since/until in another offset select by instant (08:00Z == 13:45+05:45)."""
        store.audit.append(_entry(1, at=_T0))
        kathmandu = timezone(timedelta(hours=5, minutes=45))
        assert len(list(store.audit.query(since=_T0.astimezone(kathmandu)))) == 1
        assert len(list(store.audit.query(until=_T0.astimezone(kathmandu)))) == 0

    def test_an_hour_later_on_a_fall_back_day_is_a_conflict(self, store: Any) -> None:
        """01:30 EDT and 01:30 EST (``fold=1``) on 1 November 2026 are different instants.

        Python's ``==`` calls them equal (same zone, same wall time): the memory store took the
        second as a replay while the SQL stores, which compare instants, raised a conflict.
        """
        ny = ZoneInfo("America/New_York")
        edt = datetime(2026, 11, 1, 1, 30, tzinfo=ny)
        est = datetime(2026, 11, 1, 1, 30, fold=1, tzinfo=ny)
        assert store.audit.append(_entry(1, at=edt)) is True
        assert store.audit.append(_entry(1, at=edt.astimezone(UTC))) is False
        with pytest.raises(ConflictError):
            store.audit.append(_entry(1, at=est))
        store.audit.append(_entry(2, at=est))
        assert [e.id for e in store.audit.query(since=est)] == [_entry(2).id]
        assert [e.at for e in store.audit.query()] == [
            datetime(2026, 11, 1, 5, 30, tzinfo=UTC),
            datetime(2026, 11, 1, 6, 30, tzinfo=UTC),
        ]

    @pytest.mark.parametrize(
        "at",
        [
            datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=5))),
            datetime(9999, 12, 31, 23, tzinfo=timezone(timedelta(hours=-5))),
        ],
    )
    def test_an_instant_before_or_after_the_utc_calendar_is_refused(self, at: datetime) -> None:
        """An ``at`` whose UTC instant has no datetime is time.out_of_range, not OverflowError.

        The memory store kept it; SQLite raised a bare OverflowError when reading it back.
        """
        with pytest.raises(InvalidInputError) as info:
            _entry(1, at=at)
        assert (info.value.code, info.value.path) == ("time.out_of_range", "$.at")

    def test_the_first_and_last_utc_instants_round_trip(self, store: Any) -> None:
        """0001-01-01T00:00Z and 9999-12-31T23:59:59.999999Z come back as they went in."""
        first = _entry(1, at=datetime(1, 1, 1, tzinfo=timezone(timedelta(seconds=-1))))
        last = _entry(2, at=datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC))
        store.audit.append_many([last, first])
        assert list(store.audit.query()) == [first, last]
        assert store.audit.get(first.id).at == datetime(1, 1, 1, 0, 0, 1, tzinfo=UTC)

    def test_query_refuses_naive_bounds(self, store: Any) -> None:
        """A naive since/until is refused with NaiveDatetimeError and its path."""
        with pytest.raises(NaiveDatetimeError) as info:
            list(store.audit.query(since=datetime(2026, 1, 1)))
        assert info.value.path == "$.since"

    def test_query_streams_while_other_reads_run(self, store: Any) -> None:
        """A query can be consumed while other calls use the store."""
        store.audit.append_many(_entry(n) for n in range(1, 30))
        seen = []
        for entry in store.audit.query():
            seen.append(store.audit.get(entry.id).id)
        assert len(seen) == 29

    @settings(
        max_examples=25,
        deadline=None,
        # One method runs under several subclasses (one per backend) by design.
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.differing_executors,
        ],
    )
    @given(
        batches=st.lists(
            st.lists(audit_entries(), max_size=6),
            max_size=5,
        )
    )
    def test_store_agrees_with_a_model(
        self, make_store: StoreFactory, batches: list[list[AuditEntry]]
    ) -> None:
        """After any sequence of batches the store holds exactly what a dict model holds."""
        store = make_store()
        try:
            expected = _append_like_a_model(store, batches)
            assert list(store.audit.query()) == expected
            assert store.audit.count() == len(expected)
        finally:
            store.close()

    @settings(
        max_examples=25,
        deadline=None,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.differing_executors,
        ],
    )
    @given(
        instants=st.lists(any_instants(), min_size=1, max_size=3),
        data=st.data(),
    )
    def test_replays_in_other_zones_agree_with_a_model(
        self, make_store: StoreFactory, instants: list[datetime], data: st.DataObject
    ) -> None:
        """Entries under few ids, at few instants shown in any zone: replays and clashes as a model.

        An instant shown in another offset or zone (or with ``fold=1``) is the same instant; the
        calendar's ends (years 1 and 9999) are included.
        """
        shown = st.sampled_from(instants).flatmap(
            lambda at: any_instants().map(lambda other: _same_instant(at, other))
        )
        entries = audit_entries(
            subject_ids=st.just("a"), instants=shown, ids=st.sampled_from(["1", "2", "3"])
        )
        batches = data.draw(st.lists(st.lists(entries, max_size=4), max_size=4))
        store = make_store()
        try:
            expected = _append_like_a_model(store, batches)
            assert list(store.audit.query(subject_id="a")) == expected
            for at in instants:
                since = [e.id for e in expected if e.at >= at]
                assert [e.id for e in store.audit.query(since=at)] == since
        finally:
            store.close()


def _same_instant(at: datetime, other: datetime) -> datetime:
    """``at`` shown in ``other``'s zone, or as it is if that wall time has no datetime."""
    assert other.tzinfo is not None
    try:
        return at.astimezone(other.tzinfo)
    except OverflowError:
        return at
