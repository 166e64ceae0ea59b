"""SQLite-specific behaviour: pragmas, migrations on reopen, two writers, driver error translation."""

from __future__ import annotations

import multiprocessing
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import attrs
import pytest

from volunteerkit._ids import uuid7
from volunteerkit.audit import AuditEntry
from volunteerkit.errors import IntegrityError, InvalidInputError, StoreError, UnavailableError
from volunteerkit.stores import SQLiteStore, load_migrations

T0 = datetime(2026, 5, 1, tzinfo=UTC)


def _entry(writer: int, n: int) -> AuditEntry:
    at = T0 + timedelta(seconds=n)
    return AuditEntry(
        id=str(uuid7(at, writer * 1_000_000 + n)),
        at=at,
        actor=f"writer-{writer}",
        action="hours.approve",
        subject_type="entry",
        subject_id=f"{writer}-{n}",
    )


def _append_from_process(path: str, writer: int, count: int) -> None:
    store = SQLiteStore(path, timeout=60)
    for n in range(count):
        # One transaction per entry, so the two processes interleave as much as possible.
        store.audit.append(_entry(writer, n))
    store.close()


def test_pragmas_of_the_embedded_default(tmp_path: Path) -> None:
    """The file runs in WAL mode with foreign keys on and synchronous=NORMAL."""
    store = SQLiteStore(tmp_path / "vk.db")
    assert store._db.fetchone("PRAGMA journal_mode") == ("wal",)
    assert store._db.fetchone("PRAGMA foreign_keys") == (1,)
    assert store._db.fetchone("PRAGMA synchronous") == (1,)
    assert store._db.fetchone("PRAGMA cache_size") == (-32 * 1024,)  # 32 MiB, in KiB
    store.close()


def test_the_page_cache_is_chosen_in_mib(tmp_path: Path) -> None:
    """cache_mib sets the page cache; a size that is not a whole number of MiB is refused."""
    with SQLiteStore(tmp_path / "vk.db", cache_mib=8) as store:
        assert store._db.fetchone("PRAGMA cache_size") == (-8 * 1024,)
    for bad in (0, -1, 65537, 2.5, True, "32"):
        with pytest.raises(InvalidInputError) as err:
            SQLiteStore(tmp_path / "other.db", cache_mib=bad)  # type: ignore[arg-type]
        assert (err.value.code, err.value.path) == ("store.cache_size", "$.cache_mib")
    assert not (tmp_path / "other.db").exists()  # refused before opening anything


def test_reopening_runs_no_migration(tmp_path: Path) -> None:
    """The first open applies every shipped migration once; a reopen applies none."""
    path = tmp_path / "vk.db"
    shipped = load_migrations("sqlite")
    first = SQLiteStore(path)
    assert [(m.part, m.version) for m in first.migrations_applied] == [
        (m.part, m.version) for m in shipped
    ]
    first.close()
    second = SQLiteStore(path)
    assert second.migrations_applied == []
    assert second.applied_migrations() == [(m.part, m.version, m.name) for m in shipped]
    second.close()


def test_changed_migration_is_refused(tmp_path: Path) -> None:
    """A database whose recorded migration checksum differs from the shipped text is refused."""
    path = tmp_path / "vk.db"
    SQLiteStore(path).close()
    conn = sqlite3.connect(path)
    conn.execute("UPDATE vk_schema_migrations SET checksum = 'x' WHERE part = 'audit'")
    conn.commit()
    conn.close()
    with pytest.raises(IntegrityError) as info:
        SQLiteStore(path)
    assert info.value.code == "store.migration_changed"


def _edit(path: Path, *statements: str) -> None:
    conn = sqlite3.connect(path)
    for statement in statements:
        conn.execute(statement)
    conn.commit()
    conn.close()


def _schema_of(path: Path) -> list[tuple[str, str]]:
    conn = sqlite3.connect(path)
    rows = conn.execute("SELECT name, sql FROM sqlite_master ORDER BY name").fetchall()
    recorded = conn.execute(
        "SELECT part, CAST(version AS TEXT), checksum FROM vk_schema_migrations"
    ).fetchall()
    conn.close()
    return [*rows, *((f"{p}/{v}", c) for p, v, c in sorted(recorded))]


def test_a_changed_migration_is_refused_before_any_pending_one_is_applied(tmp_path: Path) -> None:
    """A changed migration is refused with the database left as it was, not half-migrated.

    Here ``audit/2`` is pending (not recorded, its trigger absent) and ``awards/1`` changed: the
    store used to apply ``audit/2`` (it comes first) and only then refuse the open.
    """
    path = tmp_path / "vk.db"
    SQLiteStore(path).close()
    _edit(
        path,
        "DELETE FROM vk_schema_migrations WHERE part = 'audit' AND version = 2",
        "DROP TRIGGER vk_audit_log_no_replace",
        "UPDATE vk_schema_migrations SET checksum = 'x' WHERE part = 'awards' AND version = 1",
    )
    before = _schema_of(path)
    with pytest.raises(IntegrityError) as info:
        SQLiteStore(path)
    assert (info.value.code, info.value.path) == ("store.migration_changed", None)
    assert str(info.value) == "[store.migration_changed] migration awards 1 changed after it was applied"
    assert _schema_of(path) == before


@pytest.mark.parametrize(("part", "version"), [("audit", "99"), ("widgets", "99"), ("audit", "'x'")])
def test_a_database_with_a_migration_this_code_does_not_ship_is_refused(
    tmp_path: Path, part: str, version: str
) -> None:
    """A database a newer version migrated further is refused, unchanged, not used as it is.

    Its schema may hold tables or triggers this code does not know how to keep consistent; the
    store used to open it silently. With a migration pending too, nothing is applied.
    """
    path = tmp_path / "vk.db"
    SQLiteStore(path).close()
    _edit(
        path,
        "INSERT INTO vk_schema_migrations (part, version, name, checksum) "
        f"VALUES ('{part}', {version}, 'future', 'abc')",
    )
    shown = version.strip("'")
    with pytest.raises(IntegrityError) as info:  # a version of text raised a bare ValueError
        SQLiteStore(path)
    assert info.value.code == "store.migration_unknown"
    assert info.value.message == (
        f"the database has migration {part} {shown}, which this version of volunteerkit does "
        "not know (a newer version opened it)"
    )
    assert info.value.message_zh == (
        f"数据库包含本版本 volunteerkit 不认识的迁移 {part} {shown}(由更新的版本打开过)"
    )
    _edit(path, "DELETE FROM vk_schema_migrations WHERE part = 'hours' AND version = 4")
    before = _schema_of(path)
    with pytest.raises(IntegrityError) as again:
        SQLiteStore(path)
    assert again.value.code == "store.migration_unknown"
    assert _schema_of(path) == before


def test_two_processes_appending_lose_nothing(tmp_path: Path) -> None:
    """Two processes appending to one SQLite file concurrently: every entry of both is stored."""
    path = str(tmp_path / "shared.db")
    SQLiteStore(path).close()  # create the schema before the race
    count = 300
    ctx = multiprocessing.get_context("spawn")
    workers = [ctx.Process(target=_append_from_process, args=(path, w, count)) for w in (1, 2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
        assert worker.exitcode == 0
    store = SQLiteStore(path)
    assert store.audit.count() == 2 * count
    for writer in (1, 2):
        assert len(list(store.audit.query(actor=f"writer-{writer}"))) == count
    store.close()


def test_audit_rows_cannot_be_changed_behind_the_store(tmp_path: Path) -> None:
    """The audit table is append-only in the database itself: UPDATE and DELETE are refused."""
    path = tmp_path / "vk.db"
    store = SQLiteStore(path)
    store.audit.append(_entry(1, 1))
    store.close()
    conn = sqlite3.connect(path)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("UPDATE vk_audit_log SET reason = 'edited'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("DELETE FROM vk_audit_log")
    conn.close()


@pytest.mark.parametrize("verb", ["INSERT OR REPLACE", "REPLACE"])
def test_audit_rows_cannot_be_replaced_behind_the_store(tmp_path: Path, verb: str) -> None:
    """A REPLACE of a stored id changes nothing, and the store's own replays still work.

    SQLite fires no DELETE trigger for the row a REPLACE removes (unless the connection turns
    recursive_triggers on), so before, a raw REPLACE rewrote a stored entry's actor and reason.
    """
    path = tmp_path / "vk.db"
    store = SQLiteStore(path)
    entry = _entry(1, 1)
    assert store.audit.append(entry) is True
    store.close()
    conn = sqlite3.connect(path)
    row = conn.execute("SELECT * FROM vk_audit_log").fetchone()
    conn.execute(f"{verb} INTO vk_audit_log VALUES (?, ?, ?, ?, ?, ?, ?, ?)", (*row[:2], "forger", *row[3:]))
    conn.commit()
    assert conn.execute("SELECT * FROM vk_audit_log").fetchall() == [row]
    conn.close()
    store = SQLiteStore(path)
    assert store.audit.append(entry) is False  # a replay: nothing written, as before
    assert [e.actor for e in store.audit.query()] == [entry.actor]
    store.close()


def test_a_file_that_is_not_a_database_gives_a_store_error(tmp_path: Path) -> None:
    """Opening a non-database file raises StoreError (code store.corrupt), not sqlite3's error."""
    path = tmp_path / "notes.txt"
    path.write_bytes(b"these are not the pages you are looking for" * 200)
    with pytest.raises(StoreError) as info:
        SQLiteStore(path)
    assert info.value.code == "store.corrupt"


def test_a_missing_folder_gives_unavailable(tmp_path: Path) -> None:
    """A path in a folder that does not exist raises UnavailableError."""
    with pytest.raises(UnavailableError):
        SQLiteStore(tmp_path / "no" / "such" / "folder" / "vk.db")


def test_a_locked_database_gives_unavailable(tmp_path: Path) -> None:
    """A writer that cannot get the lock within its timeout gets UnavailableError."""
    path = tmp_path / "vk.db"
    SQLiteStore(path).close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    store = SQLiteStore(path, timeout=0.1)
    try:
        with pytest.raises(UnavailableError):
            store.audit.append(_entry(1, 1))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert store.audit.append(_entry(1, 1)) is True
    store.close()


def test_text_with_no_utf8_form_is_a_typed_error() -> None:
    """A lone surrogate reaching SQLite gives InvalidInputError store.invalid_text.

    Not a UnicodeEncodeError from inside the driver.
    """
    from volunteerkit.errors import InvalidInputError

    store = SQLiteStore(":memory:")
    with pytest.raises(InvalidInputError) as info:
        store._db.fetchall("SELECT ?", ["\ud800"])
    assert info.value.code == "store.invalid_text"
    assert info.value.message_zh
    store.close()


def test_an_int_beyond_64_bits_is_a_typed_error() -> None:
    """An int SQLite cannot hold gives InvalidInputError store.out_of_range, not OverflowError."""
    from volunteerkit.errors import InvalidInputError

    store = SQLiteStore(":memory:")
    store._db.execute("CREATE TABLE t (a INTEGER)")
    store._db.execute("INSERT INTO t VALUES (?)", [2**63 - 1])
    with pytest.raises(InvalidInputError) as info:
        store._db.execute("INSERT INTO t VALUES (?)", [2**63])
    assert (info.value.code, info.value.path) == ("store.out_of_range", "$")
    assert store._db.fetchall("SELECT a FROM t") == [(2**63 - 1,)]
    store.close()


def test_misuse_is_not_reported_as_a_damaged_file() -> None:
    """A value SQLite cannot bind is store.invalid_value; a closed store is store.closed.

    Both come from the driver as ProgrammingError, a DatabaseError, which the store used to
    report as store.corrupt ("the database file is damaged").
    """
    from volunteerkit.errors import InvalidInputError

    store = SQLiteStore(":memory:")
    store._db.execute("CREATE TABLE t (a)")
    for value in ([1], {"a": 1}, object()):
        with pytest.raises(InvalidInputError) as info:
            store._db.execute("INSERT INTO t VALUES (?)", [value])
        assert info.value.code == "store.invalid_value"
    store.close()
    with pytest.raises(UnavailableError) as closed:
        store.audit.count()
    assert closed.value.code == "store.closed"


def test_a_commit_that_fails_leaves_the_store_usable_and_writes_nothing() -> None:
    """A COMMIT refused (here by a deferred foreign key) is rolled back, not left open."""
    store = SQLiteStore(":memory:")
    db = store._db
    db.execute("CREATE TABLE t_parent (id INTEGER PRIMARY KEY)")
    db.execute(
        "CREATE TABLE t_child (id INTEGER PRIMARY KEY, parent INTEGER "
        "REFERENCES t_parent (id) DEFERRABLE INITIALLY DEFERRED)"
    )
    with pytest.raises(IntegrityError), store.transaction():
        db.execute("INSERT INTO t_child VALUES (1, 99)")
    assert db.fetchall("SELECT id FROM t_child") == []
    with store.transaction():
        store.audit.append(_entry(0, 1))
    assert store.audit.count() == 1
    store.close()

def _store_whose_trigger_rolls_back() -> SQLiteStore:
    """A store with a table ``t_rows`` whose trigger ends the transaction on a negative id."""
    store = SQLiteStore(":memory:")
    store._db.execute("CREATE TABLE t_rows (id INTEGER PRIMARY KEY)")
    store._db.execute(
        "CREATE TRIGGER t_rows_no BEFORE INSERT ON t_rows WHEN NEW.id < 0 "
        "BEGIN SELECT RAISE(ROLLBACK, 'negative'); END"
    )
    return store


@pytest.mark.parametrize("nested", [False, True])
def test_a_transaction_sqlite_rolled_back_itself_reports_the_real_error(nested: bool) -> None:
    """A transaction SQLite ended itself (RAISE(ROLLBACK)) reports the block's own error.

    A second ROLLBACK used to fail and replace it with store.operational.
    """
    store = _store_whose_trigger_rolls_back()
    db = store._db

    def write() -> None:
        with store.transaction():
            db.execute("INSERT INTO t_rows VALUES (1)")
            if nested:
                with store.transaction():
                    db.execute("INSERT INTO t_rows VALUES (-1)")
            else:
                db.execute("INSERT INTO t_rows VALUES (-1)")

    with pytest.raises(IntegrityError):
        write()
    assert db.fetchall("SELECT id FROM t_rows") == []
    with store.transaction():
        db.execute("INSERT INTO t_rows VALUES (2)")
    assert db.fetchall("SELECT id FROM t_rows") == [(2,)]
    store.close()


def test_closing_the_store_inside_a_transaction_commits_nothing(tmp_path: Path) -> None:
    """A block that closes the store and ends normally is store.closed, and wrote nothing.

    The driver's ``sqlite3.ProgrammingError`` used to escape from the end of the block.
    """
    path = tmp_path / "vk.db"
    store = SQLiteStore(path)

    def block() -> None:
        with store.transaction():
            store.audit.append(_entry(0, 1))
            store.close()

    with pytest.raises(UnavailableError) as info:
        block()
    assert info.value.code == "store.closed"
    again = SQLiteStore(path)
    assert again.audit.count() == 0
    again.close()


@pytest.mark.parametrize("timeout", ["5", None, float("nan"), float("inf"), -1, 2_147_484, True])
def test_a_timeout_sqlite_cannot_wait_for_is_refused(timeout: object) -> None:
    """A timeout that is not a number of seconds from 0 to 2,147,483 is store.timeout.

    Text, None and NaN raised a bare TypeError or ValueError; a negative timeout, or one past
    SQLite's busy timeout (a C int of milliseconds), silently became "do not wait at all".
    """
    with pytest.raises(InvalidInputError) as info:
        SQLiteStore(":memory:", timeout=timeout)  # type: ignore[arg-type]
    assert (info.value.code, info.value.path) == ("store.timeout", "$.timeout")
    assert info.value.message == "the timeout must be a number of seconds from 0 to 2,147,483"


@pytest.mark.parametrize("timeout", [0, 0.25, 2_147_483])
def test_the_timeout_is_the_busy_timeout_in_milliseconds(timeout: float) -> None:
    """Every accepted timeout is SQLite's busy timeout, to the millisecond."""
    store = SQLiteStore(":memory:", timeout=timeout)
    assert store._db.fetchall("PRAGMA busy_timeout") == [(int(timeout * 1000),)]
    store.close()


@pytest.mark.parametrize("path", [5, None, b"vk.db"])
def test_a_path_that_is_not_text_is_refused(path: object) -> None:
    """A path that is not a str or os.PathLike of str is store.path, not a bare TypeError."""
    with pytest.raises(InvalidInputError) as info:
        SQLiteStore(path)  # type: ignore[arg-type]
    assert (info.value.code, info.value.path) == ("store.path", "$.path")


def test_a_full_database_is_unavailable_and_writes_nothing(tmp_path: Path) -> None:
    """A write past the size the file may grow to is store.unavailable and writes nothing.

    As PostgreSQL's disk_full is; the batch is not half-written and the store stays usable.
    SQLite's SQLITE_FULL was store.operational ("the database refused the statement"), which
    says retrying cannot help; making room can.
    """
    store = SQLiteStore(tmp_path / "vk.db")
    pages = store._db.fetchall("PRAGMA page_count")[0][0]
    store._db.execute(f"PRAGMA max_page_count = {pages + 2}")
    big = [
        AuditEntry(**{**attrs.asdict(_entry(0, n)), "reason": "x" * 9000}) for n in range(30)
    ]
    with pytest.raises(UnavailableError) as info:
        store.audit.append_many(big)
    assert (info.value.code, info.value.message) == (
        "store.unavailable",
        "the disk or the database is full",
    )
    assert store.audit.count() == 0
    store._db.execute("PRAGMA max_page_count = 1073741823")
    assert store.audit.append_many(big) == 30
    store.close()


def test_a_query_read_out_whole_is_refused_after_close() -> None:
    """On ``":memory:"`` a query is read out before its first row; close() still ends it.

    The rest of its rows used to be handed out after the store was closed.
    """
    store = SQLiteStore(":memory:")
    store.audit.append_many(_entry(0, n) for n in range(1500))
    rows = store.audit.query()
    next(rows)
    store.close()
    with pytest.raises(UnavailableError) as info:
        next(rows)
    assert info.value.code == "store.closed"


def test_a_value_beyond_a_limit_of_sqlite_is_too_large_not_a_damaged_file() -> None:
    """Text longer than SQLite's length limit is store.too_large, as on PostgreSQL.

    The driver raises DataError ("string or blob too big"), a DatabaseError, which the store
    reported as store.corrupt: "the database file is damaged or not a database".
    """
    store = SQLiteStore(":memory:")
    store._db._conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, 1000)
    entry = attrs.evolve(_entry(0, 1), reason="r" * 5000)
    with pytest.raises(InvalidInputError) as info:
        store.audit.append(entry)
    assert (info.value.code, info.value.message) == (
        "store.too_large",
        "a value or statement beyond a limit of the database (such as the size of an index "
        "row); trying again will not help",
    )
    assert store.audit.count() == 0
    store.audit.append(_entry(0, 2))
    assert store.audit.count() == 1
    store.close()


@pytest.mark.parametrize("goes_on", [False, True])
def test_a_block_going_on_after_sqlite_rolled_its_transaction_back_writes_nothing(
    goes_on: bool,
) -> None:
    """A block going on after SQLite rolled its transaction back gets store.aborted.

    SQLite ended the transaction itself (RAISE(ROLLBACK)) and the block caught the error: what
    the block writes next is store.aborted, and so is the block's end. The block's next append
    ran outside any transaction and was committed at once, though the block then failed
    (store.operational, "cannot commit - no transaction is active"): half written. As on
    PostgreSQL, whose failed transaction refuses everything until it ends.
    """
    store = _store_whose_trigger_rolls_back()
    db = store._db

    def block() -> None:
        with store.transaction():
            store.audit.append(_entry(0, 1))
            with pytest.raises(IntegrityError):
                db.execute("INSERT INTO t_rows VALUES (-1)")
            if goes_on:
                with pytest.raises(StoreError) as later:
                    store.audit.append(_entry(0, 2))
                assert later.value.code == "store.aborted"
                with pytest.raises(StoreError):
                    db.execute("INSERT INTO t_rows VALUES (3)")

    with pytest.raises(StoreError) as info:
        block()
    assert info.value.code == "store.aborted"
    assert store.audit.count() == 0
    assert db.fetchall("SELECT id FROM t_rows") == []
    store.audit.append(_entry(0, 3))  # the store is usable again
    assert store.audit.count() == 1
    store.close()
