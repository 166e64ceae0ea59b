"""PostgreSQL-specific behaviour: migrations on reopen, concurrent openers, error translation."""

from __future__ import annotations

import os
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest

from volunteerkit.audit import AuditEntry
from volunteerkit.errors import (
    ConflictError,
    IntegrityError,
    InvalidInputError,
    StoreError,
    UnavailableError,
)
from volunteerkit.stores import MemoryStore, PostgresStore, load_migrations, open_store

pytestmark = pytest.mark.postgres


def _schema() -> str:
    return f"vk_pg_{uuid.uuid4().hex[:12]}"


def _audit(n: int) -> AuditEntry:
    return AuditEntry(
        id=f"00000000-0000-7000-8000-{n:012d}",
        at=datetime(2026, 3, 1, 8, n, tzinfo=UTC),
        actor="coordinator",
        action="volunteer.register",
        subject_type="volunteer",
        subject_id=f"v{n}",
    )


def test_reopening_runs_no_migration(postgres_dsn: str) -> None:
    """The first open applies every migration; a reopen of the same schema applies none."""
    schema = _schema()
    first = PostgresStore(postgres_dsn, schema=schema)
    assert len(first.migrations_applied) == len(load_migrations("postgresql"))
    first.close()
    second = PostgresStore(postgres_dsn, schema=schema)
    assert second.migrations_applied == []
    second.close()


def test_a_database_with_changed_or_unknown_migrations_is_refused_unchanged(
    postgres_dsn: str,
) -> None:
    """A changed or a not-shipped recorded migration is refused before anything is applied.

    ``audit/2`` is made pending; the store used to apply it before refusing a changed
    ``awards/1``, and opened a schema with a migration of a newer version silently.
    """
    schema = _schema()
    PostgresStore(postgres_dsn, schema=schema).close()
    count = "SELECT count(*) FROM vk_schema_migrations"
    with psycopg.connect(postgres_dsn, autocommit=True) as conn:
        conn.execute(f'SET search_path TO "{schema}"')
        conn.execute("DELETE FROM vk_schema_migrations WHERE part = 'audit' AND version = 2")
        conn.execute(
            "UPDATE vk_schema_migrations SET checksum = 'x' WHERE part = 'awards' AND version = 1"
        )
        before = conn.execute(count).fetchone()
        with pytest.raises(IntegrityError) as changed:
            PostgresStore(postgres_dsn, schema=schema)
        assert changed.value.code == "store.migration_changed"
        assert conn.execute(count).fetchone() == before
        conn.execute(
            "UPDATE vk_schema_migrations SET checksum = %s WHERE part = 'awards' AND version = 1",
            (next(m for m in load_migrations("postgresql") if m.part == "awards").checksum,),
        )
        conn.execute(
            "INSERT INTO vk_schema_migrations (part, version, name, checksum) "
            "VALUES ('audit', 99, 'future', 'abc')"
        )
        with pytest.raises(IntegrityError) as unknown:
            PostgresStore(postgres_dsn, schema=schema)
        assert unknown.value.code == "store.migration_unknown"
        assert conn.execute(count).fetchone() == (before[0] + 1,)  # only the row added here


def test_concurrent_openers_apply_each_migration_once(postgres_dsn: str) -> None:
    """Four stores opening one new schema at once: every migration is applied exactly once."""
    schema = _schema()
    applied: list[int] = []
    errors: list[BaseException] = []

    def open_one() -> None:
        try:
            store = PostgresStore(postgres_dsn, schema=schema)
            applied.append(len(store.migrations_applied))
            store.close()
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=open_one) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    # Each migration runs in its own locked transaction, so openers may share the work; what must
    # hold is that every migration was applied exactly once, and is recorded once.
    shipped = load_migrations("postgresql")
    assert sum(applied) == len(shipped)
    store = PostgresStore(postgres_dsn, schema=schema)
    assert store.applied_migrations() == [(m.part, m.version, m.name) for m in shipped]
    store.close()


def test_audit_rows_cannot_be_changed_behind_the_store(postgres_dsn: str) -> None:
    """The audit table refuses UPDATE and DELETE in the database itself."""
    schema = _schema()
    PostgresStore(postgres_dsn, schema=schema).close()
    with psycopg.connect(postgres_dsn, autocommit=True) as conn:
        conn.execute(
            f"INSERT INTO {schema}.vk_audit_log VALUES "
            "('id1', now(), 'a', 'b', 'c', 'd', '', '{}')"
        )
        with pytest.raises(psycopg.errors.IntegrityConstraintViolation, match="append-only"):
            conn.execute(f"DELETE FROM {schema}.vk_audit_log")


def test_unreachable_server_gives_unavailable() -> None:
    """A server that does not answer raises UnavailableError, not a psycopg error."""
    with pytest.raises(UnavailableError):
        PostgresStore("postgresql://nobody@127.0.0.1:1/none", connect_timeout=2)


def _chain_text(err: BaseException | None) -> str:
    """The messages of ``err`` and every exception chained to it, as a traceback prints them."""
    text = ""
    while err is not None:
        text += f"{type(err).__name__}: {err}\n"
        err = err.__cause__ or err.__context__
    return text


@pytest.mark.parametrize(
    "dsn",
    [
        "host=127.0.0.1 user=u password=s3cret-pw bogus=1",
        "postgresql://u:s3cret-pw@127.0.0.1:1/db?bogus=1",
        "POSTGRESQL://u:s3cret-pw@127.0.0.1:1/db",
    ],
)
def test_a_malformed_dsn_is_a_typed_error_that_never_shows_the_password(dsn: str) -> None:
    """libpq quotes a connection string it cannot parse: the error must not carry it along."""
    with pytest.raises(InvalidInputError) as info:
        PostgresStore(dsn, connect_timeout=2)
    assert (info.value.code, info.value.path) == ("store.dsn", "$.dsn")
    assert "s3cret-pw" not in _chain_text(info.value) + repr(info.value.to_dict())


def test_open_store_passes_an_upper_case_scheme_on_in_lower_case() -> None:
    """open_store() takes POSTGRESQL:// (schemes are case-insensitive); libpq only knows lower."""
    with pytest.raises(UnavailableError) as info:
        open_store("POSTGRESQL://nobody:s3cret-pw@127.0.0.1:1/none?connect_timeout=2")
    assert info.value.code == "store.unavailable"
    assert "s3cret-pw" not in _chain_text(info.value)


def test_schema_name_is_checked() -> None:
    """A schema that is not a plain identifier is refused before anything connects."""
    with pytest.raises(InvalidInputError) as info:
        PostgresStore("postgresql://unused", schema='x"; DROP TABLE y; --')
    assert info.value.path == "$.schema"


def test_open_store_accepts_postgres_urls(postgres_dsn: str) -> None:
    """open_store() opens a PostgresStore for a postgresql:// URL, and its repr hides the DSN."""
    store = open_store(postgres_dsn)
    assert isinstance(store, PostgresStore)
    assert "127.0.0.1" not in repr(store)
    store.close()


def test_in_lists_become_one_array_parameter() -> None:
    """Each ``IN (?, ...)`` list is sent as ``= ANY(%b)`` with one array; nothing else changes.

    Subqueries, ``NOT IN`` lists and a literal ``%`` keep their meaning; the other parameters keep
    their order around the arrays.
    """
    from volunteerkit.stores.postgres import _pg_call

    sql = (
        "SELECT a FROM t WHERE x = ? AND id IN (?, ?, ?) AND y IN (SELECT b FROM u) "
        "AND z IN (?) AND w NOT IN (?, ?) AND q LIKE '5%' AND r = ?"
    )
    assert _pg_call(sql, [0, 1, 2, 3, 4, 5, 6, 7]) == (
        "SELECT a FROM t WHERE x = %s AND id = ANY(%b) AND y IN (SELECT b FROM u) "
        "AND z = ANY(%b) AND w NOT IN (%s, %s) AND q LIKE '5%%' AND r = %s",
        [0, [1, 2, 3], [4], 5, 6, 7],
    )
    assert _pg_call("SELECT 1 WHERE ? = ?", (1, 2)) == ("SELECT 1 WHERE %s = %s", (1, 2))


def test_in_list_queries_answer_as_before(postgres_dsn: str) -> None:
    """Text and integer lists of any length find exactly the rows an IN list names."""
    store = PostgresStore(postgres_dsn, schema=_schema())
    db = store._db
    db.execute("CREATE TABLE t (id TEXT PRIMARY KEY, n INTEGER NOT NULL)")
    db.executemany("INSERT INTO t VALUES (?, ?)", [(f"k{i}", i) for i in range(700)])
    keys = [f"k{i}" for i in range(0, 700, 3)] + ["missing"]
    marks = ", ".join("?" * len(keys))
    got = db.fetchall(f"SELECT n FROM t WHERE id IN ({marks}) ORDER BY n", keys)
    assert [r[0] for r in got] == list(range(0, 700, 3))
    got = db.fetchall("SELECT id FROM t WHERE n IN (?, ?) AND id <> ? ORDER BY id", [5, 6, "k5"])
    assert got == [("k6",)]
    store.close()


def test_text_with_no_utf8_form_is_a_typed_error(postgres_dsn: str) -> None:
    """A lone surrogate reaching PostgreSQL gives InvalidInputError store.invalid_text."""
    store = PostgresStore(postgres_dsn, schema=_schema())
    with pytest.raises(InvalidInputError) as info:
        store._db.fetchall("SELECT ?::text", ["\ud800"])
    assert info.value.code == "store.invalid_text"
    assert store._db.fetchall("SELECT 1") == [(1,)]  # the connection is still usable
    store.close()


@pytest.mark.parametrize(
    ("statements", "error", "code"),
    [
        (  # "Key (id)=(...) already exists"
            ["INSERT INTO t (id, n) VALUES (?, 1)", "INSERT INTO t (id, n) VALUES (?, 1)"],
            ConflictError,
            "store.conflict",
        ),
        (  # "Key (id)=(...) is not present in table"
            ["INSERT INTO r (id) VALUES (?)"],
            IntegrityError,
            "store.integrity",
        ),
        (  # "Failing row contains (..., null)"
            ["INSERT INTO t (id, n) VALUES (?, NULL)"],
            IntegrityError,
            "store.integrity",
        ),
        (  # 'invalid input syntax for type date: "..."'
            ["SELECT CAST(? AS date)"],
            StoreError,
            "store.operational",
        ),
    ],
)
def test_a_refused_write_prints_no_value_the_server_quoted(
    postgres_dsn: str, statements: list[str], error: type[StoreError], code: str
) -> None:
    """PostgreSQL quotes keys, rows and inputs in its errors; a logged traceback must not.

    The value here is an identity number used as a key. The driver's error is not chained for
    printing (``from None``): a traceback shows the store's error alone.
    """
    number = "360426199101010071"
    store = PostgresStore(postgres_dsn, schema=_schema())
    store._db.execute("CREATE TEMP TABLE t (id TEXT PRIMARY KEY, n INTEGER NOT NULL)")
    store._db.execute("CREATE TEMP TABLE r (id TEXT NOT NULL REFERENCES t (id))")
    for statement in statements[:-1]:
        store._db.execute(statement, [number])
    with pytest.raises(error) as info:
        store._db.execute(statements[-1], [number])
    assert info.value.code == code
    printed = "".join(traceback.format_exception(info.value)) + repr(info.value)
    assert "19910101" not in printed
    assert info.value.__cause__ is None and info.value.__suppress_context__
    store.close()  # the store's own triggers quote no value: chained (test_hours_postgres.py)


def test_writes_made_while_a_query_is_read_are_committed_at_once(postgres_dsn: str) -> None:
    """Another connection sees a write made between a query's rows before the query ends.

    The query's rows come from a cursor ``WITH HOLD``, not from a transaction left open across
    them, so nothing the caller writes meanwhile waits for the reader (or is lost with it).
    """
    schema = _schema()
    store = PostgresStore(postgres_dsn, schema=schema)
    other = PostgresStore(postgres_dsn, schema=schema)
    store.audit.append_many([_audit(n) for n in range(1, 4)])
    rows = store.audit.query()
    next(rows)
    store.audit.append(_audit(9))
    assert other.audit.count() == 4
    assert [e.id for e in rows] == [_audit(2).id, _audit(3).id]  # the query's own snapshot
    assert store._db.fetchall("SELECT name FROM pg_cursors") == []
    store.close()
    other.close()


def test_a_query_left_in_a_rolled_back_savepoint_or_failed_transaction_closes_quietly(
    postgres_dsn: str,
) -> None:
    """Closing a query whose cursor the server dropped raises nothing and breaks nothing.

    Left inside a savepoint that rolled back, closing it keeps the outer transaction usable; left
    inside a failed transaction, the transaction's own error is the one that propagates.
    """
    store = PostgresStore(postgres_dsn, schema=_schema())
    store.audit.append_many([_audit(n) for n in range(1, 4)])
    left: list[Iterator[AuditEntry]] = []

    def read_one_then(fail: Callable[[], object]) -> None:
        with store.transaction():
            left.append(store.audit.query())
            next(left[-1])
            fail()

    def boom() -> None:
        raise RuntimeError

    with store.transaction():
        with pytest.raises(RuntimeError):
            read_one_then(boom)
        left.pop().close()  # dropped with the savepoint already
        store.audit.append(_audit(4))
    assert store.audit.count() == 4

    def bad_sql() -> None:
        try:
            store._db.execute("SELECT no_such_column FROM vk_audit_log")
        finally:
            left.pop().close()  # in the failed transaction

    with pytest.raises(StoreError) as info:
        read_one_then(bad_sql)
    assert info.value.code == "store.operational"
    assert store.audit.count() == 4
    assert store._db.fetchall("SELECT name FROM pg_cursors") == []
    store.close()


def test_copy_refuses_ints_its_columns_cannot_hold_instead_of_wrapping_them(
    postgres_dsn: str,
) -> None:
    """Binary COPY of 2**31 into an integer column is store.out_of_range at that column.

    psycopg 3.3's binary dumpers send -2**31 instead, without an error, so the store checks
    integer and smallint columns itself; the batch writes nothing.
    """
    schema = _schema()
    store = PostgresStore(postgres_dsn, schema=schema)
    db = store._db
    db.execute("CREATE TABLE t (a integer, b smallint, c bigint)")
    db.copy_rows("t", ["a", "b", "c"], [(-(2**31), -(2**15), -(2**63)), (2**31 - 1, 2**15 - 1, 1)])
    for row, path in (((2**31, 1, 1), "$.a"), ((1, 2**15, 1), "$.b"), ((1, 1, 2**63), "$")):
        with pytest.raises(InvalidInputError) as info:
            db.copy_rows("t", ["a", "b", "c"], [(5, 5, 5), row])
        assert (info.value.code, info.value.path) == ("store.out_of_range", path)
        with pytest.raises(InvalidInputError) as info:
            db.execute("INSERT INTO t VALUES (?, ?, ?)", row)
        assert info.value.code == "store.out_of_range"
    assert db.fetchall("SELECT a, b, c FROM t ORDER BY a") == [
        (-(2**31), -(2**15), -(2**63)),
        (2**31 - 1, 2**15 - 1, 1),
    ]
    store.close()


def test_a_value_beyond_a_server_limit_is_not_reported_as_unavailable(postgres_dsn: str) -> None:
    """An index row too large for PostgreSQL is InvalidInputError store.too_large.

    The server raises "program limit exceeded", an OperationalError like a lost connection;
    reporting it as store.unavailable would invite a retry that can never succeed.
    """
    store = PostgresStore(postgres_dsn, schema=_schema())
    db = store._db
    db.execute("CREATE TABLE t (v text)")
    db.execute("CREATE INDEX t_v ON t (v)")
    noise = os.urandom(5000).hex()  # 10,000 characters that no compression brings under 2,704 B
    with pytest.raises(InvalidInputError) as info:
        db.execute("INSERT INTO t VALUES (?)", [noise])
    assert info.value.code == "store.too_large"
    db.execute("INSERT INTO t VALUES (?)", ["short"])  # the connection is still usable
    assert db.fetchall("SELECT v FROM t") == [("short",)]
    store.close()


def test_a_value_the_driver_cannot_send_is_a_typed_error(postgres_dsn: str) -> None:
    """A value psycopg cannot adapt is store.invalid_value; the connection stays usable."""
    store = PostgresStore(postgres_dsn, schema=_schema())
    with pytest.raises(InvalidInputError) as info:
        store._db.fetchall("SELECT ?", [object()])
    assert info.value.code == "store.invalid_value"
    assert store._db.fetchall("SELECT 1") == [(1,)]
    store.close()


def test_text_with_nul_is_a_typed_error_however_it_is_sent(make_postgres_store) -> None:
    """Text holding NUL reaching PostgreSQL is InvalidInputError store.invalid_text.

    As a parameter psycopg refuses it before sending (``DataError`` "PostgreSQL text fields
    cannot contain NUL (0x00) bytes"), and the transaction it was sent in stays usable; in an
    ``IN`` list (one binary array) and in a binary ``COPY`` row the server refuses it
    (``character_not_in_repertoire``). All were StoreError store.operational ("the database
    refused the statement"); a surrogate already gave store.invalid_text. Other refused data
    (text that is not a number) stays store.operational.
    """
    store = make_postgres_store()
    db = store._db
    db.execute("CREATE TABLE t (v text)")
    refused = [
        lambda: db.fetchall("SELECT ?", ["a\x00b"]),
        lambda: db.execute("INSERT INTO t VALUES (?)", ["a\x00b"]),
        lambda: db.executemany("INSERT INTO t VALUES (?)", [["a\x00b"]]),
        lambda: db.fetchall("SELECT v FROM t WHERE v IN (?, ?)", ["x", "a\x00b"]),
        lambda: db.copy_rows("t", ["v"], [["a\x00b"]]),
    ]
    for call in refused:
        with pytest.raises(InvalidInputError) as info:
            call()
        assert info.value.code == "store.invalid_text"
    with store.transaction():
        db.execute("INSERT INTO t VALUES (?)", ["kept"])
        with pytest.raises(InvalidInputError):
            db.execute("INSERT INTO t VALUES (?)", ["a\x00b"])
        db.execute("INSERT INTO t VALUES (?)", ["also kept"])
    assert db.fetchall("SELECT v FROM t ORDER BY v") == [("also kept",), ("kept",)]
    with pytest.raises(StoreError) as other:
        db.fetchall("SELECT ?::integer", ["ten"])
    assert other.value.code == "store.operational"


def test_a_transaction_whose_connection_was_lost_is_not_reported_committed(
    postgres_dsn: str,
) -> None:
    """A block that catches the error of a lost connection and ends normally raises, not commits.

    psycopg ends a transaction block of a broken connection silently; the caller went on as if
    the entry written before the loss had been committed.
    """
    schema = _schema()
    store = PostgresStore(postgres_dsn, schema=schema)
    with psycopg.connect(postgres_dsn, autocommit=True) as admin:

        def block() -> None:
            with store.transaction():
                store.audit.append(_audit(1))
                pid = store._db._conn.info.backend_pid
                admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
                gone = "SELECT 1 FROM pg_stat_activity WHERE pid = %s"
                while admin.execute(gone, (pid,)).fetchone():
                    time.sleep(0.01)
                with pytest.raises(UnavailableError):
                    store.audit.append(_audit(2))

        with pytest.raises(UnavailableError) as info:
            block()
        assert (info.value.code, info.value.message) == (
            "store.unavailable",
            "the connection to the database was lost; nothing since the last commit is written",
        )
        for call in (store.audit.count, lambda: list(store.audit.query())):
            with pytest.raises(UnavailableError) as later:  # was store.closed: "is closed"
                call()
            assert later.value.code == "store.unavailable"
        admin.execute(f'SET search_path TO "{schema}"')
        assert admin.execute("SELECT count(*) FROM vk_audit_log").fetchone() == (0,)
    store.close()


def test_a_store_closed_after_its_connection_was_lost_is_closed_for_every_call(
    postgres_dsn: str,
) -> None:
    """After close(), a block is store.closed as every other call, even on a lost connection.

    A block opened after close() on a store whose connection had been lost said
    store.unavailable (psycopg: "the connection is lost"), while execute() said store.closed.
    """
    store = PostgresStore(postgres_dsn, schema=_schema())
    pid = store._db._conn.info.backend_pid
    with psycopg.connect(postgres_dsn, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        gone = "SELECT 1 FROM pg_stat_activity WHERE pid = %s"
        while admin.execute(gone, (pid,)).fetchone():
            time.sleep(0.01)
    with pytest.raises(UnavailableError) as lost:
        store.audit.count()
    assert lost.value.code == "store.unavailable"
    store.close()

    def block() -> None:
        with store.transaction():
            pass

    for call in (block, store.audit.count, lambda: list(store.audit.query())):
        with pytest.raises(UnavailableError) as info:
            call()
        assert (info.value.code, info.value.message) == ("store.closed", "the connection is closed")


def test_a_block_keeps_its_own_unavailable_error(postgres_dsn: str) -> None:
    """An UnavailableError the block raises itself reaches the caller as it was raised.

    The block's end told a connection lost from one closed by rewriting every UnavailableError
    passing through it: another store's store.closed became this store's "connection lost"
    store.unavailable, and after close() inside the block any other code became store.closed.
    """
    store = PostgresStore(postgres_dsn, schema=_schema())
    other = MemoryStore()
    other.close()
    own = UnavailableError("the worker is gone", "工作进程已退出", code="app.worker_gone")

    def uses_the_closed_store() -> None:
        with store.transaction():
            store.audit.append(_audit(1))
            other.audit.count()

    def closes_and_raises() -> None:
        with store.transaction():
            store.close()
            raise own

    with pytest.raises(UnavailableError) as info:
        uses_the_closed_store()
    assert (info.value.code, info.value.message) == ("store.closed", "the connection is closed")
    assert store.audit.count() == 0
    with pytest.raises(UnavailableError) as kept:
        closes_and_raises()
    assert kept.value is own


@pytest.mark.parametrize(
    ("kwargs", "code", "path"),
    [
        ({"dsn": 5}, "store.dsn", "$.dsn"),
        ({"dsn": None}, "store.dsn", "$.dsn"),
        ({"schema": 5}, "store.invalid_schema", "$.schema"),
        ({"schema": "pg_vk"}, "store.invalid_schema", "$.schema"),
        ({"schema": "pg_catalog"}, "store.invalid_schema", "$.schema"),
        ({"schema": "vk\n"}, "store.invalid_schema", "$.schema"),  # was created, newline and all
        ({"connect_timeout": "5"}, "store.timeout", "$.connect_timeout"),
        ({"connect_timeout": -1}, "store.timeout", "$.connect_timeout"),
        ({"connect_timeout": 1.5}, "store.timeout", "$.connect_timeout"),
        ({"connect_timeout": True}, "store.timeout", "$.connect_timeout"),
    ],
)
def test_arguments_of_the_wrong_type_are_refused_before_connecting(
    kwargs: dict[str, object], code: str, path: str
) -> None:
    """Each is an InvalidInputError at its path; none reaches the server.

    A DSN that is not text raised a bare AttributeError, a schema that is not text a bare
    TypeError, a ``pg_`` schema (reserved by PostgreSQL) or a timeout of text
    store.operational.
    """
    arguments: dict[str, object] = {"dsn": "postgresql://nobody@127.0.0.1:1/none", **kwargs}
    dsn = arguments.pop("dsn")
    with pytest.raises(InvalidInputError) as info:
        PostgresStore(dsn, **arguments)  # type: ignore[arg-type]
    assert (info.value.code, info.value.path) == (code, path)


def test_a_block_that_caught_a_failed_statement_does_not_seem_to_commit(
    postgres_dsn: str,
) -> None:
    """A statement failed in a block, its error caught there: the block ends with store.aborted.

    PostgreSQL goes on with nothing in a failed transaction and answers COMMIT with a silent
    ROLLBACK: the block used to end normally with nothing of it committed (SQLite, which only
    undoes the failed statement, commits the rest). An inner block that ends so is undone alone,
    and the outer block goes on and commits.
    """
    store = PostgresStore(postgres_dsn, schema=_schema())

    def fail_and_catch() -> None:
        with pytest.raises(StoreError) as failed:
            store._db.execute("SELECT * FROM vk_no_such_table")
        assert failed.value.code == "store.operational"

    def block() -> None:
        with store.transaction():
            store.audit.append(_audit(1))
            fail_and_catch()

    with pytest.raises(StoreError) as info:
        block()
    assert (info.value.code, info.value.message) == (
        "store.aborted",
        "the database rolled the transaction back after a statement in it failed (its error was "
        "caught inside the block): nothing of it is committed",
    )
    assert store.audit.count() == 0

    def block_that_goes_on() -> None:
        with store.transaction():
            fail_and_catch()
            store.audit.append(_audit(4))

    with pytest.raises(StoreError) as later:  # was store.operational (in_failed_sql_transaction)
        block_that_goes_on()
    assert later.value.code == "store.aborted"
    with store.transaction():
        store.audit.append(_audit(2))
        with pytest.raises(StoreError) as inner:
            block()
        assert inner.value.code == "store.aborted"
        store.audit.append(_audit(3))
    assert [e.id for e in store.audit.query()] == [_audit(2).id, _audit(3).id]
    store.close()


def _fake_bin(folder: Path) -> Path:
    folder.mkdir()
    for name in ("initdb", "pg_ctl"):
        (folder / name).write_text("#!/bin/sh\nexit 0\n")
        (folder / name).chmod(0o755)
    return folder


def test_a_server_that_cannot_start_is_unavailable_not_a_bare_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """TemporaryPostgres raises UnavailableError store.postgres_start, as documented.

    A missing system user (as root) raised a bare KeyError, a program that cannot be run a bare
    FileNotFoundError, and one that hangs a bare subprocess.TimeoutExpired.
    """
    import subprocess

    import volunteerkit.testing.postgres as tp

    monkeypatch.setattr(tp.os, "geteuid", lambda: 0)
    with pytest.raises(UnavailableError) as info:
        tp.TemporaryPostgres(_fake_bin(tmp_path / "a"), user="vk-no-such-user")
    assert (info.value.code, info.value.message) == (
        "store.postgres_start",
        "no system user 'vk-no-such-user' to run the server as",
    )
    monkeypatch.setattr(tp.os, "geteuid", lambda: 1000)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(UnavailableError) as info:
        tp.TemporaryPostgres(empty)
    assert (info.value.code, info.value.message) == (
        "store.postgres_start",
        "initdb could not run: FileNotFoundError",
    )

    def hang(command: list[str], **kwargs: object) -> object:
        raise subprocess.TimeoutExpired(command, 120)

    monkeypatch.setattr(tp.subprocess, "run", hang)
    with pytest.raises(UnavailableError) as info:
        tp.TemporaryPostgres(_fake_bin(tmp_path / "b"))
    assert (info.value.code, info.value.message) == (
        "store.postgres_start",
        "initdb could not run: TimeoutExpired",
    )


@pytest.mark.parametrize("nested", [False, True])
def test_a_store_closed_inside_a_transaction_leaves_nothing_written(
    postgres_dsn: str, nested: bool
) -> None:
    """Closed inside a block (or a savepoint of it): store.closed, and a new store finds nothing.

    The conformance suite checks the error; this reopens the schema to check that nothing of the
    block was committed (PostgreSQL ended such a block silently before, with nothing written).
    """
    schema = _schema()
    store = PostgresStore(postgres_dsn, schema=schema)

    def block() -> None:
        with store.transaction():
            store.audit.append(_audit(1))
            if nested:
                with store.transaction():
                    store.audit.append(_audit(2))
                    store.close()
            else:
                store.close()

    with pytest.raises(UnavailableError) as info:
        block()
    assert info.value.code == "store.closed"
    again = PostgresStore(postgres_dsn, schema=schema)
    try:
        assert again.audit.count() == 0
    finally:
        again.close()
