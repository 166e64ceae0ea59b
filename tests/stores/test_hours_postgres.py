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


def _writers_of_one_schema(postgres_dsn):
    """Two stores on one new schema, as two processes would be."""
    import uuid

    from volunteerkit.stores import PostgresStore

    schema = f"vk_test_credit_{uuid.uuid4().hex[:12]}"
    return schema, PostgresStore(postgres_dsn, schema=schema), PostgresStore(postgres_dsn, schema=schema)


@pytest.mark.parametrize("case", ["daily cap", "overlap", "set-based approval"])
def test_two_writers_of_one_volunteer_credit_what_one_writer_would(postgres_dsn, case):
    """While A's transaction credits one entry, B credits another of the same volunteer.

    B waits for A to commit, then credits from A's records too. Before, each missed the other's
    uncommitted approval and both wrote credit:

    - "daily cap": two 300-minute shifts on 10 November under a 480-minute cap (Beijing's
      university rule) were credited 600, not 480;
    - "overlap": 09:00-12:00 and 11:00-14:00 approved at once were credited 180 + 180 = 360, not
      the 300 minutes of their union;
    - "set-based approval": A approves 09:00-12:00 in bulk while B records an organization's
      11:00-14:00 entry (approved on entry): 360, not 300.
    """
    import threading
    from datetime import datetime
    from zoneinfo import ZoneInfo

    import psycopg

    from volunteerkit import FixedClock
    from volunteerkit.hours import BEIJING_UNIVERSITY, NATIONAL, EntryId, ServiceEntry, Source
    from volunteerkit.hours.ledger import Ledger

    sh = ZoneInfo("Asia/Shanghai")
    clock = FixedClock(datetime(2026, 11, 28, 9, tzinfo=sh))

    def entry(key, start, end, source=Source.SELF_DECLARED):
        return ServiceEntry(
            id=EntryId(origin="bj", local_id=key), volunteer_id="v9", organization_id="org",
            category="education", start=datetime(2026, 11, 10, start, tzinfo=sh),
            end=datetime(2026, 11, 10, end, tzinfo=sh), zone=sh, source=source,
            recorded_by="v9", recorded_at=clock.now(),
        )  # fmt: skip

    policy = BEIJING_UNIVERSITY if case == "daily cap" else NATIONAL
    first = entry("e1", 8, 13) if case == "daily cap" else entry("e1", 9, 12)
    second = entry("e2", 14, 19) if case == "daily cap" else entry("e2", 11, 14)
    schema, a, b = _writers_of_one_schema(postgres_dsn)
    try:
        mine, theirs = Ledger(a, clock=clock, policy=policy), Ledger(b, clock=clock, policy=policy)
        if case == "set-based approval":
            mine.record_many([first], actor="r")
            later = entry("e2", 11, 14, source=Source.ORGANIZATION)
            write_first = lambda: mine.approve_many([first.id], actor="lead")  # noqa: E731
            write_second = lambda: theirs.record_many([later], actor="org")  # noqa: E731
        else:
            mine.record_many([first, second], actor="r")
            write_first = lambda: mine.approve(first.id, actor="lead")  # noqa: E731
            write_second = lambda: theirs.approve(second.id, actor="lead")  # noqa: E731
        with a.transaction():
            write_first()
            other = threading.Thread(target=write_second)
            other.start()
            other.join(0.5)  # it waits for this transaction's commit
            waited = other.is_alive()
        other.join(30)
        assert not other.is_alive()
        assert mine.totals("v9").credited_minutes == (480 if case == "daily cap" else 300)
        assert waited
    finally:
        a.close()
        b.close()
        with psycopg.connect(postgres_dsn, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
