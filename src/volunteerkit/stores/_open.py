"""``open_store(url)``: pick a backend from a URL."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Literal
from urllib.parse import unquote, urlsplit

from volunteerkit.errors import InvalidInputError, UnavailableError
from volunteerkit.stores._base import load_migrations
from volunteerkit.stores._sql_store import SQLStoreBase
from volunteerkit.stores.memory import MemoryStore

__all__ = ["open_store", "require_existing_store", "store_target"]

_MIGRATIONS_TABLE = "vk_schema_migrations"


def open_store(url: str, *, create: bool = True) -> MemoryStore | SQLStoreBase:
    """Open a store from a URL.

    Accepted forms:

    * ``memory:`` (or ``memory://``): a fresh :class:`~volunteerkit.stores.MemoryStore`;
    * ``sqlite:///relative/path.db``, ``sqlite:////absolute/path.db``, ``sqlite:///:memory:``
      (percent-encoded characters are decoded, and must decode to UTF-8 text; a query such as
      ``?mode=ro`` or a fragment is refused rather than ignored, and so are tabs, line breaks and
      other control characters, which URL parsing would silently drop);
    * ``postgresql://…`` or ``postgres://…``: a :class:`~volunteerkit.stores.PostgresStore` (the URL
      is passed to libpq as it is, its scheme in lower case; add
      ``?options=-csearch_path%3Dmyschema`` or use ``PostgresStore(dsn, schema=…)`` for a schema).

    The scheme is case-insensitive.

    By default a store that does not exist yet is created (a new SQLite file, volunteerkit's
    tables in an empty PostgreSQL schema), as a command that writes wants. With
    ``create=False`` only an existing volunteerkit store opens, as a command that only reads
    wants: :func:`require_existing_store` checks first, before anything is created or changed,
    that the SQLite file exists and holds volunteerkit's ``vk_schema_migrations`` table (read with
    a read-only connection, ``mode=ro``), or that the URL's PostgreSQL search path finds it, in
    whichever of its schemas, as :class:`~volunteerkit.stores.PostgresStore` finds its tables
    (read with a connection of its own). ``memory:`` and
    ``sqlite:///:memory:`` have nothing to check: they open a new, empty store either way, and
    nothing is written anywhere. A volunteerkit store of an earlier version is brought up to
    date by its pending migrations when opened with ``create=True``; with ``create=False`` it is
    refused (``store.outdated``), as a command that only reads must not change the schema.

    Args:
        url: The store URL.
        create: Whether a store that does not exist yet may be created.

    Returns:
        The opened store.

    Raises:
        InvalidInputError: ``store.url`` if the URL's scheme is not one of the above;
            ``store.create`` if ``create`` is not a bool; with ``create=False``,
            ``store.missing`` (no such SQLite file), ``store.not_ours`` (a file or schema
            without volunteerkit's migrations table: another application's database, a file
            that is not a database) or ``store.outdated`` (a store of an earlier version, with
            migrations to apply), at ``$.url``.
        IntegrityError: ``store.migration_unknown`` or ``store.migration_changed`` for a store
            whose recorded migrations this release cannot go on from (a newer version's, or
            changed), with either ``create``, before anything is applied.
        UnavailableError: If the database cannot be opened.
    """
    if not isinstance(create, bool):
        raise InvalidInputError(
            "create must be True or False",
            "create 必须是 True 或 False",
            code="store.create",
            path="$.create",
        )
    kind, target = store_target(url)
    if not create:
        require_existing_store(url)
    if kind == "postgresql":
        from volunteerkit.stores.postgres import PostgresStore

        return PostgresStore(target)
    if kind == "sqlite":
        from volunteerkit.stores.sqlite import SQLiteStore

        return SQLiteStore(target)
    return MemoryStore()


def _missing() -> InvalidInputError:
    return InvalidInputError(
        "no store at this URL: the SQLite file does not exist (a command that only reads "
        "creates none)",
        "此 URL 处没有存储:SQLite 文件不存在(只读的命令不会创建)",
        code="store.missing",
        path="$.url",
    )


def _not_ours() -> InvalidInputError:
    return InvalidInputError(
        "not a volunteerkit store: the database has no vk_schema_migrations table (a command "
        "that only reads adds none)",
        "不是 volunteerkit 存储:数据库中没有 vk_schema_migrations 表(只读的命令不会添加)",
        code="store.not_ours",
        path="$.url",
    )


def _check_sqlite(target: str) -> None:
    path = Path(target)
    try:
        if not path.exists():
            raise _missing()
        if not path.is_file():  # a folder
            raise _not_ours()
        uri = f"{path.resolve().as_uri()}?mode=ro"
    except OSError as exc:  # a name too long, a folder that cannot be read: as SQLiteStore says
        raise UnavailableError(code="store.unavailable") from exc
    try:
        conn = sqlite3.connect(uri, uri=True)
        try:
            row = conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                (_MIGRATIONS_TABLE,),
            ).fetchone()
            if row is None:
                raise _not_ours()
            applied = conn.execute(_APPLIED).fetchall()
        finally:
            conn.close()
    except sqlite3.OperationalError as exc:  # cannot be opened or read: locked, not permitted
        raise UnavailableError(code="store.unavailable") from exc
    except sqlite3.DatabaseError:  # not a database
        raise _not_ours() from None
    _require_current("sqlite", applied)


# What a store has applied; a store with a migration it has not is of an earlier version.
_APPLIED = f"SELECT part, version, checksum FROM {_MIGRATIONS_TABLE}"


def _outdated() -> InvalidInputError:
    return InvalidInputError(
        "the store is of an earlier version and needs migrations that a command that only reads "
        "does not apply: run `volunteerkit migrate` on it first",
        "该存储来自较早的版本,需要迁移,而只读的命令不会执行迁移:请先对其运行 "
        "`volunteerkit migrate`",
        code="store.outdated",
        path="$.url",
    )


def _require_current(backend: str, applied: list[tuple[object, object, object]]) -> None:
    """Refuse a store that lacks a migration this release ships (see ``create=False``).

    A store that records a migration this release does not ship (a newer version's) or one
    whose text changed is left to the store itself, which refuses it before applying anything
    (``store.migration_unknown``, ``store.migration_changed``), as ``migrate`` would: no
    migration brings it up to date.
    """
    shipped: dict[tuple[str, object], str] = {
        (m.part, m.version): m.checksum for m in load_migrations(backend)
    }
    recorded = {(str(part), version): str(checksum) for part, version, checksum in applied}
    if any(shipped.get(key) != checksum for key, checksum in recorded.items()):
        return
    if any(key not in recorded for key in shipped):
        raise _outdated()


# The store's own test (PostgresStore's _has_migrations_table): the table found through the
# search path, in whichever of its schemas holds it, not only the first (current_schema()).
_PG_CHECK = "SELECT to_regclass(%s) IS NOT NULL"


def _check_postgres(dsn: str) -> None:
    try:
        import psycopg
    except ImportError:  # pragma: no cover - PostgresStore says what to install
        return
    try:
        psycopg.conninfo.conninfo_to_dict(dsn)
    except psycopg.Error:
        return  # PostgresStore refuses it (store.dsn) before it connects
    try:
        with psycopg.connect(dsn, autocommit=True, connect_timeout=10) as conn:
            row = conn.execute(_PG_CHECK, (_MIGRATIONS_TABLE,)).fetchone()
            if row is None or not row[0]:
                raise _not_ours()
            applied = conn.execute(_APPLIED).fetchall()
    except psycopg.Error as exc:  # no server, no such database, a refused login
        raise UnavailableError(code="store.unavailable") from exc
    _require_current("postgresql", applied)


def require_existing_store(url: str) -> None:
    """Refuse a store URL that names no existing volunteerkit store, creating nothing.

    See ``create=False`` of :func:`open_store`.

    Args:
        url: The store URL.

    Raises:
        InvalidInputError: ``store.url`` for a URL :func:`open_store` does not accept;
            ``store.missing`` if the SQLite file does not exist; ``store.not_ours`` if the file
            or the PostgreSQL schema has no ``vk_schema_migrations`` table; ``store.outdated`` if
            the store lacks a migration of this release (path ``$.url``); a store that records a
            migration this release does not ship, or a changed one, passes here and is refused
            when opened (``store.migration_unknown``, ``store.migration_changed``).
        UnavailableError: ``store.unavailable`` if the database cannot be reached or read.
    """
    kind, target = store_target(url)
    if kind == "postgresql":
        _check_postgres(target)
    elif kind == "sqlite" and target != ":memory:" and "\x00" not in target:
        _check_sqlite(target)  # a path with NUL: SQLiteStore refuses it (store.path)


def store_target(url: str) -> tuple[Literal["memory", "sqlite", "postgresql"], str]:
    """Say which backend a store URL names and what it opens, without opening anything.

    Args:
        url: The store URL (see :func:`open_store`).

    Returns:
        ``("memory", "")``, ``("sqlite", path)`` with the path decoded as :func:`open_store`
        opens it (``:memory:`` included), or ``("postgresql", dsn)`` with the connection URL as
        it is passed to libpq.

    Raises:
        InvalidInputError: ``store.url`` if the URL is not one :func:`open_store` accepts.
    """
    if not isinstance(url, str):
        raise InvalidInputError(
            "store URL must be a string", "存储 URL 必须是字符串", code="store.url", path="$.url"
        )
    try:
        parts = urlsplit(url)
    except ValueError:  # such as an unclosed ``[`` of an IPv6 host
        raise _unsupported() from None
    scheme = parts.scheme.lower()
    if scheme in ("postgresql", "postgres"):
        # libpq recognises a URL by its lower-case scheme only
        if url[: len(scheme)].lower() == scheme:
            url = scheme + url[len(scheme) :]
        return "postgresql", url
    if parts.netloc or "?" in url or "#" in url:  # even an empty query or fragment
        raise _unsupported()
    # urlsplit drops tabs and line breaks anywhere and control characters or spaces in front:
    # "sqlite:///a<TAB>b.db" would open ab.db. Such characters are refused, not dropped.
    if url[:1] == " " or any(c < " " or c == "\x7f" for c in url):
        raise _unsupported()
    if scheme == "memory" and parts.path in ("", "/"):
        return "memory", ""
    # sqlite:/x.db (no "//") is no form of the URL: a relative x.db, not /x.db, if taken
    if scheme == "sqlite" and url[7:9] == "//" and parts.path.startswith("/") and len(parts.path) > 1:
        try:  # an escape that is not UTF-8 (%ff) would become U+FFFD: another file's name
            return "sqlite", unquote(parts.path[1:], errors="strict")
        except UnicodeDecodeError:
            raise _unsupported() from None
    raise _unsupported()


def _unsupported() -> InvalidInputError:
    return InvalidInputError(
        "unsupported store URL: use memory:, sqlite:///path or postgresql://…",
        "不支持的存储 URL:请使用 memory:、sqlite:///路径 或 postgresql://…",
        code="store.url",
        path="$.url",
    )
