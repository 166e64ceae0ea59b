"""The PostgreSQL backend, for deployments that outgrow one machine.

Requires the ``postgres`` extra (psycopg 3). The driver is imported when a :class:`PostgresStore` is
opened, never at import time. The session time zone is UTC and datetimes are stored as
``timestamptz``. Transactions nest as savepoints. Migrations take a transaction-scoped advisory lock,
so several processes may open the same database at once.
"""

from __future__ import annotations

import itertools
import re
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from datetime import UTC, datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:
    import psycopg

__all__ = ["PostgresStore"]

_SCHEMA = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
_MIGRATION_LOCK = 0x766B_6D69  # "vkmi": the advisory lock key migrators share
_INT_LIMITS = {"integer": 2**31, "smallint": 2**15}  # values lie in [-limit, limit)
_IN_ERROR = 3  # psycopg.pq.TransactionStatus.INERROR (psycopg is imported lazily)


@lru_cache(maxsize=512)
def _pg_sql(sql: str) -> str:
    """Translate ``?`` placeholders into psycopg's ``%s`` (escaping literal ``%``).

    A ``?::text[]`` placeholder becomes ``%b::text[]``: its list of strings is sent as a binary
    array, which psycopg builds without testing each element for quoting.
    """
    return _TEXT_ARRAY.sub("%b::text[]", sql.replace("%", "%%").replace("?", "%s"))


_TEXT_ARRAY = re.compile(r"(?<!%)%s::text\[\]")


_IN_LIST = re.compile(r"(?<!NOT )\bIN \(\?(?:, \?)*\)")


@lru_cache(maxsize=512)
def _pg_plan(sql: str) -> tuple[str, tuple[tuple[int, int], ...]]:
    """Translate a statement; each ``IN (?, ?, ...)`` list becomes ``= ANY(%b)`` of one array.

    The repositories chunk id lists into ``IN`` lists of up to 500 placeholders. psycopg parses
    a statement that long in Python on every call (it caches only short ones), and the server
    plans it anew; one array parameter keeps the statement short and the same whatever the
    length of the list, so both are cached (psycopg prepares a statement run often).

    Returns:
        The translated statement, and ``(first parameter, count)`` of each list, in order.
    """
    parts: list[str] = []
    groups: list[tuple[int, int]] = []
    seen = 0  # placeholders before ``pos``
    pos = 0
    for match in _IN_LIST.finditer(sql):
        before = sql[pos : match.start()]
        first = seen + before.count("?")
        size = match.group().count("?")
        parts += [before, "= ANY(\x00)"]
        groups.append((first, size))
        seen = first + size
        pos = match.end()
    parts.append(sql[pos:])
    # arrays go in binary (%b): the text form quotes each element after a regex test
    return _pg_sql("".join(parts)).replace("\x00", "%b"), tuple(groups)


def _pg_call(sql: str, params: Sequence[Any]) -> tuple[str, Sequence[Any]]:
    """The statement and parameters to send (see :func:`_pg_plan`)."""
    text, groups = _pg_plan(sql)
    if not groups:
        return text, params
    values = list(params)
    out: list[Any] = []
    at = 0
    for first, size in groups:
        out += values[at:first]
        out.append(values[first : first + size])
        at = first + size
    out += values[at:]
    return text, out


def _is_nul(exc: psycopg.DataError) -> bool:
    """Return whether ``exc`` refused text holding NUL, which PostgreSQL's text cannot hold.

    psycopg refuses a ``str`` with NUL sent in text format before sending it: a plain
    ``DataError`` without SQLSTATE, "PostgreSQL text fields cannot contain NUL (0x00) bytes" (the
    Python and C implementations alike). In binary format (the ``text[]`` arrays of id lists,
    ``COPY``) the server refuses it: ``character_not_in_repertoire`` (22021), whose only cause a
    Python ``str`` can give is NUL, since psycopg sends every other string as valid UTF-8.
    """
    import psycopg

    if isinstance(exc, psycopg.errors.CharacterNotInRepertoire):
        return True
    return (
        type(exc) is psycopg.DataError and exc.sqlstate is None and "cannot contain NUL" in str(exc)
    )


@contextmanager
def _translated() -> Iterator[None]:
    """Translate psycopg errors into backend-neutral store errors."""
    import psycopg

    try:
        yield
    except UnicodeEncodeError:  # a lone surrogate: text with no UTF-8 form
        raise InvalidInputError(
            "text the database cannot store (a lone surrogate)",
            "数据库无法保存的文本(孤立代理字符)",
            code="store.invalid_text",
        ) from None
    except (OverflowError, psycopg.errors.NumericValueOutOfRange):  # beyond the column's type
        raise out_of_range() from None
    # Not chained to the driver's error where its text may quote a value, which may be personal
    # data that no message or logged traceback may show: the key in the detail of a unique or
    # foreign key violation ("Key (id)=(...) already exists"), the input of a data error
    # ('invalid input syntax for type ...: "..."'). (``from None`` hides it from tracebacks.)
    except psycopg.DataError as exc:
        if not _is_nul(exc):
            raise StoreError(
                "the database refused the statement",
                "数据库拒绝执行该语句",
                code="store.operational",
            ) from None
        raise InvalidInputError(
            "text the database cannot store (NUL)",
            "数据库无法保存的文本(NUL 字符)",
            code="store.invalid_text",
        ) from None
    except psycopg.ProgrammingError as exc:
        if exc.sqlstate is None and "cannot adapt" in str(exc):  # a value psycopg cannot send
            raise unsupported_value() from exc
        raise StoreError(
            "the database refused the statement", "数据库拒绝执行该语句", code="store.operational"
        ) from exc
    except psycopg.errors.InFailedSqlTransaction:  # a statement after one the block caught
        raise aborted() from None
    except psycopg.errors.UniqueViolation:
        raise ConflictError(code="store.conflict") from None
    except psycopg.IntegrityError as exc:
        if exc.sqlstate == "23000":  # the store's own triggers, whose messages quote no value
            raise IntegrityError(code="store.integrity") from exc
        # a foreign key's detail quotes the key, a NOT NULL or CHECK's the whole row
        raise IntegrityError(code="store.integrity") from None
    except psycopg.errors.ProgramLimitExceeded as exc:  # e.g. an index row over 2,704 bytes
        raise too_large() from exc
    except psycopg.OperationalError as exc:
        if str(exc) == "the connection is closed":  # closed by the store, not lost
            raise closed_error() from exc
        raise UnavailableError(code="store.unavailable") from exc
    except psycopg.InterfaceError as exc:
        raise closed_error() from exc
    except psycopg.Error as exc:
        raise StoreError(
            "the database refused the statement", "数据库拒绝执行该语句", code="store.operational"
        ) from exc


def load_driver(dsn: str, path: str = "$.dsn") -> Any:
    """Import psycopg and check that ``dsn`` parses as a connection string, without connecting.

    Args:
        dsn: A libpq connection string or URL.
        path: The path to give a DSN that does not parse.

    Returns:
        The ``psycopg`` module.

    Raises:
        UnavailableError: ``store.driver_missing`` without the ``postgres`` extra.
        InvalidInputError: ``store.dsn`` at ``path`` if ``dsn`` does not parse.
    """
    try:
        import psycopg
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise UnavailableError(
            "PostgreSQL support needs the 'postgres' extra: pip install 'volunteerkit[postgres]'",
            "PostgreSQL 支持需要安装 'postgres' 附加依赖",
            code="store.driver_missing",
        ) from exc
    try:
        psycopg.conninfo.conninfo_to_dict(dsn)
        parsed = True
    except psycopg.Error:
        parsed = False
    if not parsed:
        # Raised outside the handler, so that not even ``__context__`` keeps libpq's message: it
        # quotes the connection string, password and all.
        raise InvalidInputError(
            "not a valid PostgreSQL connection string or URL",
            "不是有效的 PostgreSQL 连接字符串或 URL",
            code="store.dsn",
            path=path,
        )
    return psycopg


class _PostgresDatabase(SQLDatabase):
    backend = "postgresql"
    max_params = 65_535  # the protocol's limit; lists of ids go as one array anyway

    def __init__(self, dsn: str, schema: str | None, connect_timeout: int) -> None:
        load_driver(dsn)
        import psycopg  # there: load_driver imported it

        with _translated():
            self._conn: psycopg.Connection[tuple[Any, ...]] = psycopg.connect(
                dsn, autocommit=True, connect_timeout=connect_timeout
            )
            self._conn.execute("SET TIME ZONE 'UTC'")
            if schema is not None:
                # Concurrent CREATE SCHEMA IF NOT EXISTS can still collide in the catalog; the
                # migrators' advisory lock serializes it.
                with self._conn.transaction():
                    self._conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
                    self._conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
                self._conn.execute(f'SET search_path TO "{schema}"')
        self._lock = threading.RLock()
        self._closed = False
        self._cursor_ids = itertools.count()
        self._copy_types: dict[tuple[str, tuple[str, ...]], list[str]] = {}

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        with self._lock, self._translated():
            return self._conn.execute(*_pg_call(sql, params)).rowcount

    def run_script(self, sql: str) -> None:
        # Without parameters psycopg sends the simple query protocol, which runs several statements.
        with self._lock, self._translated():
            self._conn.execute(sql.encode())

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> int:
        with self._lock, self._translated(), self._conn.cursor() as cursor:
            cursor.executemany(_pg_sql(sql), rows)
            return cursor.rowcount

    def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock, self._translated():
            return self._conn.execute(*_pg_call(sql, params)).fetchall()

    def copy_rows(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
        # Binary COPY needs each column's server type; read them once per table and columns.
        key = (table, tuple(columns))
        types = self._copy_types.get(key)
        with self._lock, self._translated():
            if types is None:
                found = dict(
                    self._conn.execute(
                        "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
                        "WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped",
                        (table,),
                    ).fetchall()
                )
                types = [str(found[c]) for c in columns]
                self._copy_types[key] = types
            count = 0
            with (
                self._conn.transaction(),
                self._conn.cursor() as cursor,
                cursor.copy(
                    f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)"
                ) as copy,
            ):
                copy.set_types(types)
                narrow = [(i, _INT_LIMITS[t]) for i, t in enumerate(types) if t in _INT_LIMITS]
                for row in rows:
                    # psycopg's binary dumpers wrap an int too large for integer or smallint
                    # (2**31 would be stored as -2**31): check those columns first
                    for i, limit in narrow:
                        value = row[i]
                        if value is not None and not -limit <= value < limit:
                            raise out_of_range(f"$.{columns[i]}")
                    copy.write_row(row)
                    count += 1
            return count

    def stream(
        self, sql: str, params: Sequence[Any] = (), *, batch: int = 1000
    ) -> Iterator[tuple[Any, ...]]:
        # A server-side cursor ``WITH HOLD``: the server keeps the result (one snapshot) and hands
        # ``batch`` rows a fetch. Unlike a cursor inside a transaction of its own, it leaves the
        # caller's writes alone: a transaction held open across ``yield`` would take in every
        # write made while the caller iterates, and roll it back if the caller stopped early.
        # The lock is held per fetch only, so other threads use the store between fetches.
        name = f"vk_stream_{next(self._cursor_ids)}"
        with self._lock, self._translated():
            cursor = self._conn.cursor(name=name, withhold=True)
            try:
                cursor.execute(*_pg_call(sql, params))
            except BaseException:
                cursor.close()
                raise
        try:
            while True:
                with self._lock, self._translated():
                    rows = cursor.fetchmany(batch)
                if not rows:
                    return
                for row in rows:
                    if self._closed:  # the rest of a batch fetched before close() is not handed out
                        raise self._gone()
                    yield row
        finally:
            with self._lock:
                self._close_cursor(cursor)

    def _close_cursor(self, cursor: Any) -> None:
        import psycopg
        from psycopg.pq import TransactionStatus

        status = self._conn.info.transaction_status
        inside = status == TransactionStatus.INTRANS
        if self._conn.closed or not (inside or status == TransactionStatus.IDLE):
            # In a failed transaction the server refuses CLOSE (psycopg then sends none): the
            # cursor lives until the connection closes, and an error here would hide the real one.
            psycopg.Cursor.close(cursor)
            return
        try:
            with self._translated(), self._conn.transaction() if inside else nullcontext():
                cursor.close()
        except StoreError:
            # Declared inside a savepoint or transaction that was rolled back since: the server
            # dropped the cursor already (the savepoint keeps the caller's transaction usable).
            psycopg.Cursor.close(cursor)

    @contextmanager
    def atomic(self) -> Iterator[None]:
        with self._lock, self._translated(), self._conn.transaction():
            yield
            if self._conn.closed:
                # psycopg ends the block of a closed or lost connection without a word: nothing
                # was committed, and a block that goes on after a caught error must not think so
                raise self._gone()
            if self._conn.info.transaction_status == _IN_ERROR:
                # A statement failed and the block caught its error. PostgreSQL goes on with
                # nothing in a failed transaction and answers COMMIT with a silent ROLLBACK:
                # say so, rather than let the block seem to have committed.
                raise aborted()

    @contextmanager
    def _translated(self) -> Iterator[None]:
        """:func:`_translated`, telling a connection lost from one the store closed.

        psycopg says "the connection is closed" for both; only :meth:`close` makes it
        ``store.closed``, a lost connection stays ``store.unavailable``. Once :meth:`close` was
        called every connection error is ``store.closed`` (psycopg says "the connection is lost"
        when a transaction starts on a connection that was lost before it was closed).
        """
        import psycopg

        # Only what psycopg raised here is told apart: an UnavailableError the caller's block
        # raised (another store's, its own) passes through a transaction block unchanged.
        driver: list[BaseException] = []
        try:
            with _translated():
                try:
                    yield
                except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
                    driver.append(exc)
                    raise
        except UnavailableError as err:
            if driver and err.__cause__ is driver[0] and (err.code == "store.closed" or self._closed):
                raise self._gone() from err.__cause__
            raise

    def _gone(self) -> UnavailableError:
        """The error for a transaction whose connection was closed by the store, or lost."""
        if self._closed:
            return closed_error()
        return UnavailableError(
            "the connection to the database was lost; nothing since the last commit is written",
            "与数据库的连接已断开;上次提交之后的内容均未写入",
            code="store.unavailable",
        )

    def to_db_time(self, value: datetime) -> datetime:
        return require_aware(value)

    def checked_time(self, value: datetime) -> datetime:
        return value

    def from_db_time(self, value: Any) -> datetime:
        if not isinstance(value, datetime):  # pragma: no cover - defensive
            raise StoreError("expected a timestamp", "应为时间戳", code="store.type")
        return value.astimezone(UTC)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._conn.close()

    def _has_migrations_table(self) -> bool:
        row = self.fetchone("SELECT to_regclass('vk_schema_migrations') IS NOT NULL")
        return bool(row and row[0])

    def _ensure_migrations_table(self) -> None:
        with self.atomic():
            self._lock_migrations()
            self.execute(
                "CREATE TABLE IF NOT EXISTS vk_schema_migrations ("
                " seq BIGSERIAL PRIMARY KEY,"
                " part TEXT NOT NULL, version INTEGER NOT NULL, name TEXT NOT NULL,"
                " checksum TEXT NOT NULL,"
                " applied_at TIMESTAMPTZ NOT NULL DEFAULT now(),"
                " UNIQUE (part, version))"
            )

    def _lock_migrations(self) -> None:
        self.execute("SELECT pg_advisory_xact_lock(?)", (_MIGRATION_LOCK,))


class PostgresStore(SQLStoreBase):
    """A store in a PostgreSQL database (psycopg 3).

    Args:
        dsn: A libpq connection string or URL (``postgresql://user@host:5432/db``).
        schema: Optional schema to create (if missing) and use, so several stores can share one
            database (a lower-case SQL identifier, not starting with ``pg_``).
        connect_timeout: Seconds to wait for the server.

    Raises:
        UnavailableError: If psycopg is not installed or the server cannot be reached.
        InvalidInputError: ``store.invalid_schema`` if ``schema`` is not a plain lower-case
            identifier (or starts with ``pg_``, which PostgreSQL reserves); ``store.dsn`` if
            ``dsn`` is not text or cannot be parsed (the error never quotes it, as it may hold a
            password); ``store.timeout`` if ``connect_timeout`` is not a whole number from 0.
    """

    def __init__(self, dsn: str, *, schema: str | None = None, connect_timeout: int = 10) -> None:
        if not isinstance(dsn, str):  # psycopg would raise a bare AttributeError
            raise InvalidInputError(
                "not a valid PostgreSQL connection string or URL",
                "不是有效的 PostgreSQL 连接字符串或 URL",
                code="store.dsn",
                path="$.dsn",
            )
        if schema is not None and (
            not isinstance(schema, str) or not _SCHEMA.fullmatch(schema) or schema.startswith("pg_")
        ):
            raise InvalidInputError(
                "schema must be a lower-case SQL identifier, not starting with pg_ (reserved)",
                "schema 必须是小写的 SQL 标识符,且不以 pg_ 开头(保留给系统)",
                code="store.invalid_schema",
                path="$.schema",
            )
        if (
            isinstance(connect_timeout, bool)
            or not isinstance(connect_timeout, int)
            or not 0 <= connect_timeout <= 2**31 - 1
        ):
            raise InvalidInputError(
                "connect_timeout must be a whole number of seconds, 0 or more",
                "connect_timeout 必须是大于或等于 0 的整数秒",
                code="store.timeout",
                path="$.connect_timeout",
            )
        self.schema = schema
        super().__init__(
            _PostgresDatabase(dsn, schema, connect_timeout), load_migrations("postgresql")
        )

    def __repr__(self) -> str:
        """Return a repr without the connection string (it may hold a password)."""
        return f"PostgresStore(schema={self.schema!r})"
