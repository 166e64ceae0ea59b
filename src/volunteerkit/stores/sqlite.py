"""The SQLite backend: volunteerkit's embedded default.

The database runs in WAL mode with ``synchronous=NORMAL`` (36k single-row commits a second here,
against 1.8k in the default rollback journal: see ``baselines.md``), a busy timeout so concurrent
writers wait instead of failing, and foreign keys on. Write transactions start with
``BEGIN IMMEDIATE`` so two processes never deadlock upgrading a read lock. Datetimes are stored as
integer microseconds since the Unix epoch (UTC), which sort and compare exactly.

A :class:`SQLiteStore` holds one connection and is meant for one thread at a time; it guards its
connection with a lock so sharing it between threads is safe but serial. Use one store per process
(or per thread) for parallel work: SQLite itself serializes the writers. A streamed query outside a
transaction reads through a connection of its own, which sees one snapshot (see ``stream``).
"""

from __future__ import annotations

import marshal
import os
import sqlite3
import struct
import tempfile
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

from volunteerkit._clock import require_aware
from volunteerkit.errors import (
    ConflictError,
    IntegrityError,
    InvalidInputError,
    StoreError,
    UnavailableError,
)
from volunteerkit.stores._base import (
    SQLDatabase,
    aborted,
    closed_error,
    load_migrations,
    out_of_range,
    too_large,
    unsupported_value,
)
from volunteerkit.stores._sql_store import SQLStoreBase

__all__ = ["SQLiteStore"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_IDLE_READERS = 4  # read connections kept open for later streams
_SIZE = struct.Struct("<Q")  # the length of each batch written to a stream's temporary file
_NONE = _SIZE.pack(0)
_MAX_TIMEOUT = (2**31 - 1) // 1000  # seconds: SQLite's busy timeout is a C int of milliseconds


def _no_spill() -> StoreError:
    return StoreError(
        "the temporary file for a query's rows could not be written",
        "无法写入存放查询结果的临时文件",
        code="store.operational",
    )


def _replayed(first: list[tuple[Any, ...]], spill: IO[bytes]) -> Iterator[tuple[Any, ...]]:
    """Yield ``first``, then the batches written to ``spill``; close ``spill`` when done."""
    try:
        yield from first
        del first[:]
        while size := _SIZE.unpack(spill.read(_SIZE.size) or _NONE)[0]:
            yield from marshal.loads(spill.read(size))
    finally:
        spill.close()


@contextmanager
def _translated() -> Iterator[None]:
    """Translate sqlite3 errors into backend-neutral store errors."""
    try:
        yield
    except UnicodeEncodeError:  # a lone surrogate: text with no UTF-8 form
        raise InvalidInputError(
            "text the database cannot store (a lone surrogate)",
            "数据库无法保存的文本(孤立代理字符)",
            code="store.invalid_text",
        ) from None
    except OverflowError:  # an int beyond SQLite's 64-bit INTEGER
        raise out_of_range() from None
    except sqlite3.IntegrityError as exc:
        text = str(exc)
        if "UNIQUE" in text or "PRIMARY KEY" in text:
            raise ConflictError(code="store.conflict") from exc
        raise IntegrityError(code="store.integrity") from exc
    except sqlite3.OperationalError as exc:
        text = str(exc).lower()
        if exc.sqlite_errorname == "SQLITE_FULL":  # as PostgreSQL's disk_full: room may be made
            raise UnavailableError(
                "the disk or the database is full", "磁盘或数据库已满", code="store.unavailable"
            ) from exc
        if "locked" in text or "busy" in text or "unable to open" in text or "disk i/o" in text:
            raise UnavailableError(code="store.unavailable") from exc
        raise StoreError(
            "the database refused the statement", "数据库拒绝执行该语句", code="store.operational"
        ) from exc
    except (sqlite3.ProgrammingError, sqlite3.InterfaceError) as exc:
        # misuse, not damage: a closed connection, or a value of a type SQLite cannot bind
        text = str(exc).lower()
        if "closed" in text:
            raise closed_error() from exc
        if "binding" in text or "not supported" in text or "unsupported type" in text:
            raise unsupported_value() from exc
        raise StoreError(
            "the database refused the statement", "数据库拒绝执行该语句", code="store.operational"
        ) from exc
    except sqlite3.DataError as exc:  # SQLITE_TOOBIG: a text or statement beyond SQLite's limits
        raise too_large() from exc
    except sqlite3.DatabaseError as exc:
        raise StoreError(
            "the database file is damaged or not a database",
            "数据库文件已损坏或不是数据库",
            code="store.corrupt",
        ) from exc


class _SQLiteDatabase(SQLDatabase):
    backend = "sqlite"

    def __init__(self, path: str, timeout: float, cache_mib: int = 32) -> None:
        with _translated():
            self._conn = sqlite3.connect(
                path, timeout=timeout, isolation_level=None, check_same_thread=False
            )
            self._conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
            wal = False
            if path != ":memory:":
                mode = self._conn.execute("PRAGMA journal_mode = WAL").fetchone()
                wal = mode is not None and str(mode[0]).lower() == "wal"
            self._conn.execute("PRAGMA synchronous = NORMAL")
            self._conn.execute("PRAGMA foreign_keys = ON")
            # a REPLACE deletes the row it replaces; with this on, that delete fires the tables'
            # no-delete triggers, so INSERT OR REPLACE cannot rewrite a record through the store
            self._conn.execute("PRAGMA recursive_triggers = ON")
            self._conn.execute(f"PRAGMA cache_size = {-1024 * cache_mib}")  # KiB when negative
            # the build's limit on bound variables (32,766 by default since SQLite 3.32)
            self.max_params = self._conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        # absolute: a stream opens its own connection later, perhaps after the process chdir()s
        self._path = path if path == ":memory:" else os.path.abspath(path)
        self._timeout = timeout
        self._cache_mib = cache_mib
        # Streams outside a transaction read a file in WAL mode through connections of their own
        # (see ``stream``): those idle now, and every one opened, to close with the store.
        self._wal = wal
        self._idle_readers: list[sqlite3.Connection] = []
        self._readers: set[sqlite3.Connection] = set()
        self._closed = False
        self._lock = threading.RLock()
        self._depth = 0

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        with self._lock, _translated():
            self._check_live()
            return self._conn.execute(sql, params).rowcount

    def run_script(self, sql: str) -> None:
        # executescript() would COMMIT the open transaction; run statement by statement instead,
        # letting sqlite3.complete_statement find the ends (it understands trigger bodies).
        buffer = ""
        for line in sql.splitlines(keepends=True):
            buffer += line
            if sqlite3.complete_statement(buffer):
                self.execute(buffer)
                buffer = ""
        if buffer.strip() and not all(
            not ln.strip() or ln.strip().startswith("--") for ln in buffer.splitlines()
        ):
            raise StoreError(
                "incomplete SQL statement in migration",
                "迁移中有不完整的 SQL 语句",
                code="store.migration_sql",
            )

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> int:
        with self._lock, _translated():
            self._check_live()
            return self._conn.executemany(sql, rows).rowcount

    def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock, _translated():
            self._check_live()
            return self._conn.execute(sql, params).fetchall()

    def stream(
        self, sql: str, params: Sequence[Any] = (), *, batch: int = 1000
    ) -> Iterator[tuple[Any, ...]]:
        # The rows are those of one snapshot, taken when the query starts: a cursor walked on the
        # connection that writes would also return rows written (by the caller, between rows)
        # ahead of it, and a loop that writes one row per row read might never end.
        #
        # Outside a transaction, on a file in WAL mode, the query runs in a read transaction of a
        # connection of its own, which sees the database as it was when the query started
        # whatever the store's connection commits meanwhile, and hands out ``batch`` rows at a
        # time. Inside a transaction the caller's own writes, not yet committed, must be seen,
        # and only the store's connection sees them; so there (and for ":memory:", which no
        # other connection can open) the whole result is read before the first row is returned,
        # a batch at a time into a temporary file beyond the first, and then handed out from it.
        with self._lock:
            with _translated():
                self._check_live()
                inside = self._conn.in_transaction
            if inside or not self._wal:
                rows = self._read_out(sql, params, batch)
                reader = None
            else:
                reader = self._take_reader()
                try:
                    with _translated():
                        reader.execute("BEGIN")
                        cursor = reader.execute(sql, params)
                except BaseException:
                    self._give_back(reader)
                    raise
        if reader is None:
            # read out already: refuse the rest once the store is closed, as a reader's are
            for row in rows:
                if self._closed:
                    raise closed_error()
                yield row
            return
        try:
            while True:
                with self._lock, _translated():
                    fetched = cursor.fetchmany(batch)
                if not fetched:
                    return
                for row in fetched:
                    if self._closed:
                        raise closed_error()
                    yield row
        finally:
            with self._lock:
                self._give_back(reader, cursor)

    def _read_out(self, sql: str, params: Sequence[Any], batch: int) -> Iterator[tuple[Any, ...]]:
        """Read a query's whole result now, on the store's connection; return its rows.

        The first ``batch`` rows stay in memory; the rest go to a temporary file (each batch
        ``marshal``'d after its length), so memory stays at about a batch whatever the size of
        the result.
        """
        with _translated():
            cursor = self._conn.execute(sql, params)
            try:
                first = cursor.fetchmany(batch)
                more = cursor.fetchmany(batch) if len(first) == batch else []
                if not more:
                    return iter(first)
                try:
                    spill = tempfile.TemporaryFile()  # noqa: SIM115 - closed by _replayed
                except OSError as exc:
                    raise _no_spill() from exc
                try:
                    while more:
                        data = marshal.dumps(more)
                        spill.write(_SIZE.pack(len(data)))
                        spill.write(data)
                        more = cursor.fetchmany(batch)
                    spill.seek(0)
                except OSError as exc:
                    spill.close()
                    raise _no_spill() from exc
                except BaseException:
                    spill.close()
                    raise
            finally:
                cursor.close()
        return _replayed(first, spill)

    def _take_reader(self) -> sqlite3.Connection:
        """An idle read connection to the store's file, opened if there is none."""
        if self._closed:
            raise closed_error()
        if self._idle_readers:
            return self._idle_readers.pop()
        with _translated():
            reader = sqlite3.connect(
                self._path, timeout=self._timeout, isolation_level=None, check_same_thread=False
            )
            try:
                reader.execute(f"PRAGMA busy_timeout = {int(self._timeout * 1000)}")
                reader.execute("PRAGMA query_only = ON")
                reader.execute(f"PRAGMA cache_size = {-1024 * self._cache_mib}")
            except BaseException:
                reader.close()
                raise
        self._readers.add(reader)
        return reader

    def _give_back(self, reader: sqlite3.Connection, cursor: sqlite3.Cursor | None = None) -> None:
        """End a stream's read transaction; keep its connection for the next stream."""
        try:
            if cursor is not None:
                cursor.close()
            if reader.in_transaction:
                reader.execute("ROLLBACK")
        except sqlite3.Error:
            # closed with the store, or unusable: never reuse it (and never hide a real error)
            self._readers.discard(reader)
            reader.close()
            return
        if self._closed or len(self._idle_readers) >= _IDLE_READERS:
            self._readers.discard(reader)
            reader.close()
        else:
            self._idle_readers.append(reader)

    @contextmanager
    def atomic(self) -> Iterator[None]:
        with self._lock:
            depth = self._depth
            with _translated():
                if depth == 0:
                    self._conn.execute("BEGIN IMMEDIATE")
                else:
                    self._check_live()  # a SAVEPOINT outside a transaction would begin one
                    self._conn.execute(f"SAVEPOINT vk_sp{depth}")
            self._depth = depth + 1
            try:
                yield
            except BaseException:
                self._depth = depth
                # SQLite may have rolled the whole transaction back already (a trigger's
                # RAISE(ROLLBACK), a full disk), or the block closed the store: rolling back
                # would fail and hide the block's own error.
                if self._in_transaction():
                    with _translated():
                        if depth == 0:
                            self._conn.execute("ROLLBACK")
                        else:
                            self._conn.execute(f"ROLLBACK TO vk_sp{depth}")
                            self._conn.execute(f"RELEASE vk_sp{depth}")
                raise
            self._depth = depth
            if not self._in_transaction() and not self._closed:
                # SQLite rolled the transaction back under the block, which caught the error
                raise aborted()
            try:
                with _translated():
                    if depth == 0:
                        self._conn.execute("COMMIT")
                    else:
                        self._conn.execute(f"RELEASE vk_sp{depth}")
            except BaseException:
                # A COMMIT that fails (a deferred constraint, a full disk) leaves the transaction
                # open: every later BEGIN would fail. Undo it, as a block that raised is undone.
                if depth == 0 and self._in_transaction():
                    with _translated():
                        self._conn.execute("ROLLBACK")
                raise

    def _check_live(self) -> None:
        """Refuse a statement of a block whose transaction SQLite rolled back (see ``aborted``).

        Run outside the transaction it would be committed at once, though the block fails.
        """
        if self._depth and not self._conn.in_transaction:
            raise aborted()

    def _in_transaction(self) -> bool:
        """Return whether the connection is in a transaction (``False`` once it is closed)."""
        try:
            return self._conn.in_transaction
        except sqlite3.ProgrammingError:  # closed: the transaction went with it
            return False

    def to_db_time(self, value: datetime) -> int:
        return self.checked_time(require_aware(value))

    def checked_time(self, value: datetime) -> int:
        delta = value - _EPOCH
        return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds

    def from_db_time(self, value: Any) -> datetime:
        return _EPOCH + timedelta(microseconds=int(value))

    def close(self) -> None:
        with self._lock:
            self._closed = True
            for reader in self._readers:
                reader.close()
            self._readers.clear()
            self._idle_readers.clear()
            self._conn.close()

    def _has_migrations_table(self) -> bool:
        row = self.fetchone(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'vk_schema_migrations'"
        )
        return row is not None

    def _ensure_migrations_table(self) -> None:
        self.execute(
            "CREATE TABLE IF NOT EXISTS vk_schema_migrations ("
            " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
            " part TEXT NOT NULL, version INTEGER NOT NULL, name TEXT NOT NULL,"
            " checksum TEXT NOT NULL,"
            " applied_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,"
            " UNIQUE (part, version))"
        )


class SQLiteStore(SQLStoreBase):
    """A store in one SQLite file (or in memory with ``":memory:"``).

    Opening the store applies any schema migrations not yet applied; reopening runs none.

    Args:
        path: The database file. Its folder must exist.
        timeout: Seconds a writer waits for another process's lock before
            :class:`~volunteerkit.errors.UnavailableError`.
        cache_mib: The connection's page cache, in MiB (SQLite's default is 2). Writing credit
            updates the sums the store keeps per volunteer and month, a few pages per row in
            tables that grow with the volunteers, which a larger cache keeps in memory (see
            "Credit sums" in the stores guide). It grows only as pages are read.

    Raises:
        InvalidInputError: ``store.path`` if ``path`` is not text or contains NUL;
            ``store.timeout`` if ``timeout`` is not a number of seconds from 0 to 2,147,483;
            ``store.cache_size`` if ``cache_mib`` is not a whole number from 1 to 65536.
        UnavailableError: If the file cannot be opened or stays locked.
        StoreError: If the file is not a SQLite database.

    Examples:
        >>> store = SQLiteStore(":memory:")
        >>> store.audit.count()
        0
        >>> store.close()
    """

    def __init__(
        self, path: str | os.PathLike[str], *, timeout: float = 30.0, cache_mib: int = 32
    ) -> None:
        if (
            isinstance(cache_mib, bool)
            or not isinstance(cache_mib, int)
            or not 1 <= cache_mib <= 65536
        ):
            raise InvalidInputError(
                "the page cache must be a whole number of MiB from 1 to 65536",
                "页缓存必须是 1 到 65536 之间的整数(单位 MiB)",
                code="store.cache_size",
                path="$.cache_mib",
            )
        if (
            isinstance(timeout, bool)
            or not isinstance(timeout, int | float)
            or not 0 <= timeout <= _MAX_TIMEOUT  # NaN fails too
        ):
            # SQLite's busy timeout is a C int of milliseconds: beyond it, or below 0, SQLite
            # would silently wait not at all
            raise InvalidInputError(
                f"the timeout must be a number of seconds from 0 to {_MAX_TIMEOUT:,}",
                f"超时必须是 0 到 {_MAX_TIMEOUT} 之间的秒数",
                code="store.timeout",
                path="$.timeout",
            )
        raw = os.fspath(path) if isinstance(path, str | os.PathLike) else None
        if not isinstance(raw, str):  # a number, None, bytes: sqlite3 would raise a TypeError
            raise InvalidInputError(
                "the path must be text (a str or an os.PathLike of str)",
                "路径必须是文本(str 或 str 的 os.PathLike)",
                code="store.path",
                path="$.path",
            )
        if "\x00" in raw:  # sqlite3 would raise a bare ValueError
            raise InvalidInputError(
                "a file path cannot contain NUL",
                "文件路径不能包含 NUL",
                code="store.path",
                path="$.path",
            )
        self.path = raw if raw == ":memory:" else str(Path(raw))
        super().__init__(_SQLiteDatabase(self.path, timeout, cache_mib), load_migrations("sqlite"))

    def __repr__(self) -> str:
        """Return ``SQLiteStore('<path>')``."""
        return f"SQLiteStore({self.path!r})"
