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


_CASES = ["daily cap", "overlap", "set-based approval", "approved twice", "void and approve"]


@pytest.mark.parametrize("case", _CASES)
def test_two_writers_of_one_ledger_write_what_one_writer_would(postgres_dsn, case):
    """While A's transaction writes to the ledger, B writes too: B waits, then reads A's records.

    Before, each missed the other's uncommitted records and both wrote credit:

    - "daily cap": two 300-minute shifts on 10 November under a 480-minute cap (Beijing's
      university rule) were credited 600, not 480;
    - "overlap": 09:00-12:00 and 11:00-14:00 approved at once were credited 180 + 180 = 360, not
      the 300 minutes of their union;
    - "set-based approval": A approves 09:00-12:00 in bulk while B records an organization's
      11:00-14:00 entry (approved on entry): 360, not 300;
    - "approved twice": one 180-minute entry approved by both was credited 360, with two
      approval events; B is now refused (already approved);
    - "void and approve": B voided the entry A was approving, and the voided entry kept its 180
      minutes; now it has none.
    """
    import threading
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    import psycopg

    from volunteerkit import FixedClock
    from volunteerkit.hours import BEIJING_UNIVERSITY, NATIONAL, EntryId, ServiceEntry, Source
    from volunteerkit.hours.ledger import Ledger

    sh = ZoneInfo("Asia/Shanghai")
    clock = FixedClock(datetime(2026, 11, 28, 9, tzinfo=sh))
    later = FixedClock(datetime(2026, 11, 28, 9, 1, tzinfo=sh))  # B acts a minute after A

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
    expected = {"daily cap": 480, "approved twice": 180, "void and approve": 0}.get(case, 300)
    schema, a, b = _writers_of_one_schema(postgres_dsn)
    refused: list[str] = []
    try:
        mine, theirs = Ledger(a, clock=clock, policy=policy), Ledger(b, clock=later, policy=policy)
        if case == "set-based approval":
            mine.record_many([first], actor="r")
            organization = entry("e2", 11, 14, source=Source.ORGANIZATION)
            write_first = lambda: mine.approve_many([first.id], actor="lead")  # noqa: E731
            write_second = lambda: theirs.record_many([organization], actor="org")  # noqa: E731
        elif case in ("approved twice", "void and approve"):
            mine.record_many([first], actor="r")
            write_first = lambda: mine.approve(first.id, actor="lead")  # noqa: E731
            write_second = (
                (lambda: theirs.approve(first.id, actor="lead-b"))
                if case == "approved twice"
                else (lambda: theirs.void(first.id, actor="lead-b", reason="duplicate"))
            )
        else:
            mine.record_many([first, second], actor="r")
            write_first = lambda: mine.approve(first.id, actor="lead")  # noqa: E731
            write_second = lambda: theirs.approve(second.id, actor="lead")  # noqa: E731

        def other_writer() -> None:
            try:
                write_second()
            except Exception as err:  # the code is what the test compares
                refused.append(getattr(err, "code", type(err).__name__))

        with a.transaction():
            write_first()
            other = threading.Thread(target=other_writer)
            other.start()
            other.join(0.5)  # it waits for this transaction's commit
            waited = other.is_alive()
        other.join(30)
        assert not other.is_alive()
        at = later.now() + timedelta(minutes=5)
        assert mine.totals("v9", as_of=at).credited_minutes == expected
        assert refused == (["hours.invalid_transition"] if case == "approved twice" else [])
        if case == "approved twice":
            assert [type(e).__name__ for e in a.ledger.entry_events(first.id)] == ["Approved"]
        assert waited
    finally:
        a.close()
        b.close()
        with psycopg.connect(postgres_dsn, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def test_two_bulk_imports_in_opposite_orders_do_not_deadlock(postgres_dsn):
    """Two atomic record_many calls of approved entries, for two volunteers in opposite orders.

    Each batch's credit once took locks for its own volunteers, so the second batch of one call
    could wait for the first of the other while that waited back: PostgreSQL failed one import
    with store.unavailable. Writers now take one turn for the whole transaction, first.
    """
    import threading
    from datetime import datetime
    from zoneinfo import ZoneInfo

    import psycopg

    from volunteerkit import FixedClock
    from volunteerkit.hours import NATIONAL, EntryId, ServiceEntry, Source
    from volunteerkit.hours.ledger import Ledger

    sh = ZoneInfo("Asia/Shanghai")
    clock = FixedClock(datetime(2026, 11, 28, 9, tzinfo=sh))

    def entry(key, volunteer, hour):
        return ServiceEntry(
            id=EntryId(origin="bj", local_id=key), volunteer_id=volunteer, organization_id="org",
            category="education", start=datetime(2026, 11, 10, hour, tzinfo=sh),
            end=datetime(2026, 11, 10, hour + 1, tzinfo=sh), zone=sh, source=Source.ORGANIZATION,
            recorded_by="org", recorded_at=clock.now(),
        )  # fmt: skip

    schema, a, b = _writers_of_one_schema(postgres_dsn)
    both = threading.Barrier(2, timeout=30)
    outcome: dict[str, object] = {}
    try:
        Ledger(a, clock=clock, policy=NATIONAL)  # the schema exists before both start
        plans = {
            "a": (a, [entry("a1", "vx", 8), entry("a2", "vy", 9)]),
            "b": (b, [entry("b1", "vy", 10), entry("b2", "vx", 11)]),
        }

        def run(name: str) -> None:
            store, entries = plans[name]
            ledger = Ledger(store, clock=clock, policy=NATIONAL, batch_size=1)
            both.wait()
            try:
                outcome[name] = ledger.record_many(entries, actor=name).approved
            except Exception as err:  # the code is what the test compares
                outcome[name] = getattr(err, "code", type(err).__name__)

        threads = [threading.Thread(target=run, args=(n,)) for n in plans]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert outcome == {"a": 2, "b": 2}
        totals = Ledger(a, clock=clock, policy=NATIONAL)
        assert [totals.totals(v).credited_minutes for v in ("vx", "vy")] == [120, 120]
    finally:
        a.close()
        b.close()
        with psycopg.connect(postgres_dsn, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def _morning_entry(recorded_at):
    """v9's self-declared 09:00-12:00 on 10 November 2026 in Shanghai (180 minutes), pending."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from volunteerkit.hours import EntryId, ServiceEntry, Source

    sh = ZoneInfo("Asia/Shanghai")
    return ServiceEntry(
        id=EntryId(origin="bj", local_id="e1"), volunteer_id="v9", organization_id="org",
        category="education", start=datetime(2026, 11, 10, 9, tzinfo=sh),
        end=datetime(2026, 11, 10, 12, tzinfo=sh), zone=sh, source=Source.SELF_DECLARED,
        recorded_by="v9", recorded_at=recorded_at,
    )  # fmt: skip


def test_connections_with_different_search_paths_share_one_turn(postgres_dsn):
    """Two connections to one store, one with an empty schema first on its search path.

    Both find the ledger's tables in the store's schema, but current_schema() differs: the turn
    was keyed on it, so the two never waited for each other and one entry approved by both was
    credited twice. The turn is now keyed on the schema that holds the tables.
    """
    import threading
    import uuid
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    import psycopg

    from volunteerkit import FixedClock
    from volunteerkit.hours import NATIONAL
    from volunteerkit.hours.ledger import Ledger
    from volunteerkit.stores import PostgresStore

    sh = ZoneInfo("Asia/Shanghai")
    clock = FixedClock(datetime(2026, 11, 28, 9, tzinfo=sh))
    real, empty = (f"vk_test_turn_{uuid.uuid4().hex[:10]}" for _ in range(2))
    a = PostgresStore(postgres_dsn, schema=real)
    with psycopg.connect(postgres_dsn, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{empty}"')
    b = PostgresStore(
        psycopg.conninfo.make_conninfo(postgres_dsn, options=f"-csearch_path={empty},{real}")
    )
    try:
        entry = _morning_entry(clock.now())
        mine, theirs = Ledger(a, clock=clock, policy=NATIONAL), Ledger(b, clock=clock, policy=NATIONAL)
        mine.record_many([entry], actor="r")
        refused: list[str] = []

        def approve_too() -> None:
            try:
                theirs.approve(entry.id, actor="lead-b")
            except Exception as err:  # the code is what the test compares
                refused.append(getattr(err, "code", type(err).__name__))

        with a.transaction():
            mine.approve(entry.id, actor="lead")
            other = threading.Thread(target=approve_too)
            other.start()
            other.join(0.5)
            waited = other.is_alive()
        other.join(30)
        at = clock.now() + timedelta(minutes=5)
        assert mine.totals("v9", as_of=at).credited_minutes == 180
        assert refused == ["hours.invalid_transition"] and waited
    finally:
        a.close()
        b.close()
        with psycopg.connect(postgres_dsn, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{empty}" CASCADE')
            conn.execute(f'DROP SCHEMA IF EXISTS "{real}" CASCADE')


@pytest.mark.parametrize("write", ["void", "approve_many"])
def test_a_writer_that_waited_acts_at_the_instant_it_got_its_turn(postgres_dsn, write):
    """B asks to write at 09:00 and waits for A, who writes at 09:05 and commits.

    B read its clock before waiting, so its event was dated 09:00, before A's, and was refused
    with hours.event_out_of_order: a void of the entry A approved ("void"), an approval of the
    entry A rejected ("approve_many", which may approve rejected entries). B now reads its clock
    once it has the turn, and writes at 09:05 after A.
    """
    import threading
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    import psycopg

    from volunteerkit import FixedClock
    from volunteerkit.hours import NATIONAL
    from volunteerkit.hours.ledger import Ledger

    sh = ZoneInfo("Asia/Shanghai")
    clock = FixedClock(datetime(2026, 11, 28, 9, tzinfo=sh))  # one clock: both act "now"
    entry = _morning_entry(clock.now())
    schema, a, b = _writers_of_one_schema(postgres_dsn)
    failed: list[str] = []
    try:
        mine, theirs = Ledger(a, clock=clock, policy=NATIONAL), Ledger(b, clock=clock, policy=NATIONAL)
        mine.record_many([entry], actor="r")

        def other_write() -> None:
            try:
                if write == "void":
                    theirs.void(entry.id, actor="lead-b", reason="duplicate")
                else:
                    theirs.approve_many([entry.id], actor="lead-b")
            except Exception as err:  # the code is what the test compares
                failed.append(getattr(err, "code", type(err).__name__))

        with mine.transaction():  # A holds the turn
            other = threading.Thread(target=other_write)
            other.start()
            other.join(0.5)  # B has asked, and waits
            waited = other.is_alive()
            clock.advance(timedelta(minutes=5))
            if write == "void":
                mine.approve(entry.id, actor="lead")  # 09:05
            else:
                mine.reject(entry.id, actor="lead", reason="no sign-in sheet")
        other.join(30)
        assert not other.is_alive() and waited and failed == []
        events = a.ledger.entry_events(entry.id)
        assert [(type(e).__name__, e.at.astimezone(sh).strftime("%H:%M")) for e in events] == (
            [("Approved", "09:05"), ("Voided", "09:05")]
            if write == "void"
            else [("Rejected", "09:05"), ("Approved", "09:05")]
        )
        credited = mine.totals("v9", as_of=clock.now() + timedelta(minutes=1)).credited_minutes
        assert credited == (0 if write == "void" else 180)
    finally:
        a.close()
        b.close()
        with psycopg.connect(postgres_dsn, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
