import itertools
import re

import pytest

from volunteerkit.errors import IntegrityError
from volunteerkit.hours import EntryId
from volunteerkit.stores import SQLiteStore
from volunteerkit.stores._sql_hours import _ENTRY_SELECT
from volunteerkit.testing.conformance_hours import (
    LedgerRepositoryConformance,
    LedgerServiceConformance,
    run_scenario,
)


class TestSQLiteHours(LedgerRepositoryConformance, LedgerServiceConformance):
    @pytest.fixture
    def make_store(self, tmp_path):
        counter = itertools.count()
        return lambda: SQLiteStore(tmp_path / f"hours-{next(counter)}.db")


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE vk_hours_entries SET note = 'x'",
        "DELETE FROM vk_hours_entries",
        "UPDATE vk_hours_events SET reason = 'x'",
        "DELETE FROM vk_hours_events",
        "DELETE FROM vk_hours_credit",
        "UPDATE vk_hours_credit SET credited_minutes = credited_minutes + 1",
        "UPDATE vk_hours_credit SET valid_to = NULL",
        "UPDATE vk_hours_credit SET valid_to = valid_to + 1 WHERE valid_to IS NOT NULL",
    ],
)
def test_the_database_refuses_changes_to_records(statement):
    """Raw SQL cannot change or delete records, nor lengthen or alter a credit row."""
    store = SQLiteStore(":memory:")
    run_scenario(store)
    before = store._db.fetchall("SELECT COUNT(*), SUM(valid_to IS NULL) FROM vk_hours_credit")
    with pytest.raises(IntegrityError) as info:
        store._db.execute(statement)
    assert re.search("append-only|never deleted|only have its validity", str(info.value.__cause__))
    assert store._db.fetchall("SELECT COUNT(*), SUM(valid_to IS NULL) FROM vk_hours_credit") == before
    store.close()


@pytest.mark.parametrize("table", ["vk_hours_entries", "vk_hours_events", "vk_hours_settings"])
def test_the_database_refuses_to_replace_records(table):
    """An INSERT OR REPLACE of a stored record through the store is refused; nothing changes.

    SQLite fires no DELETE trigger for the row a REPLACE removes unless the connection turns
    recursive_triggers on, so before, it rewrote a stored entry, event or setting in place. The
    store's connection now turns it on, and settings refuse deletes as they refuse updates.
    """
    store = SQLiteStore(":memory:")
    run_scenario(store)
    before = store._db.fetchall(f"SELECT * FROM {table} ORDER BY 1")
    row = before[0]
    marks = ", ".join("?" for _ in row)
    with pytest.raises(IntegrityError) as info:
        store._db.execute(f"INSERT OR REPLACE INTO {table} VALUES ({marks})", row)
    assert re.search("append-only|write-once", str(info.value.__cause__))
    assert store._db.fetchall(f"SELECT * FROM {table} ORDER BY 1") == before
    store.close()


def test_a_reopened_file_keeps_the_ledger(tmp_path):
    """Totals read back the same after closing and reopening the database file."""
    path = tmp_path / "ledger.db"
    store = SQLiteStore(path)
    ledger, instants = run_scenario(store)
    before = [ledger.totals("v2", as_of=t) for t in instants]
    store.close()
    again = SQLiteStore(path)
    from volunteerkit import FixedClock
    from volunteerkit.hours.ledger import Ledger
    from volunteerkit.testing.conformance_hours import SCENARIO_POLICY

    reopened = Ledger(again, clock=FixedClock(instants[-1]), policy=SCENARIO_POLICY)
    assert [reopened.totals("v2", as_of=t) for t in instants] == before
    again.close()


def test_lookups_split_over_several_statements_answer_as_one():
    """Ids beyond one statement's share go in several statements; every answer is the same.

    A statement takes up to 5,000 ids, or as many variables as the SQLite build allows when
    that is fewer; here two at a time over the scenario's four entries and two volunteers, plus
    an unknown id and volunteer.
    """
    store = SQLiteStore(":memory:")
    run_scenario(store)
    repo = store.ledger
    assert repo.get_entries([]) == {}
    ids = [row.id for row in _entries(store)] + [EntryId(origin="test", local_id="missing")]
    vids = [*repo.volunteers(), "nobody"]

    def answers():
        return (
            repo.get_entries(ids), repo.events_of(ids), repo.latest_change(vids),
            repo.records_of(vids), repo.isolated(ids), repo.open_credit(vids),
        )  # fmt: skip

    whole = answers()
    assert len(whole[0]) == 4 and len(whole[3]) == 2
    repo._chunk = 2
    assert answers() == whole


def _entries(store):
    return [store.ledger._entry(row) for row in store._db.fetchall(f"{_ENTRY_SELECT} ORDER BY id")]
