"""open_store(): URL forms and refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from volunteerkit.errors import IntegrityError, InvalidInputError
from volunteerkit.stores import MemoryStore, SQLiteStore, open_store


def test_memory_urls() -> None:
    """memory: and memory:// open a fresh MemoryStore each time."""
    a, b = open_store("memory:"), open_store("memory://")
    assert isinstance(a, MemoryStore) and isinstance(b, MemoryStore)
    assert a is not b


def test_sqlite_relative_absolute_and_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """sqlite:///rel, sqlite:////abs and sqlite:///:memory: open SQLite stores at those paths."""
    monkeypatch.chdir(tmp_path)
    rel = open_store("sqlite:///rel.db")
    assert isinstance(rel, SQLiteStore) and rel.path == "rel.db"
    rel.close()
    assert (tmp_path / "rel.db").exists()
    absolute = open_store(f"sqlite:///{tmp_path}/abs.db")
    assert absolute.path == f"{tmp_path}/abs.db"
    absolute.close()
    mem = open_store("sqlite:///:memory:")
    assert mem.path == ":memory:"
    mem.close()


@pytest.mark.parametrize(
    "url",
    [
        "mysql://x",
        "sqlite://host/x.db",
        "sqlite:///",
        "memory:/x",
        "",
        "file.db",
        "sqlite:///x.db?mode=ro",
        "sqlite:///x.db?",
        "sqlite:///x.db#part",
        "memory:?shared=1",
        "sqlite://[::1/x.db",
        "postgresql://u@[::1/db",
    ],
)
def test_unsupported_urls_are_refused(url: str) -> None:
    """Anything else raises InvalidInputError with code store.url.

    A query or fragment on a SQLite or memory URL (``?mode=ro``) is refused, not ignored.
    """
    with pytest.raises(InvalidInputError) as info:
        open_store(url)
    assert info.value.code == "store.url"


def test_sqlite_url_path_is_percent_decoded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """sqlite:///my%20hours%3F.db opens the file ``my hours?.db``."""
    monkeypatch.chdir(tmp_path)
    store = open_store("SQLite:///my%20hours%3F.db")
    assert isinstance(store, SQLiteStore) and store.path == "my hours?.db"
    store.close()
    assert (tmp_path / "my hours?.db").exists()


def test_a_nul_in_a_sqlite_path_is_a_typed_error() -> None:
    """sqlite:///a%00b.db decodes to a path with NUL: InvalidInputError, not a bare ValueError."""
    with pytest.raises(InvalidInputError) as info:
        open_store("sqlite:///a%00b.db")
    assert (info.value.code, info.value.path) == ("store.path", "$.path")


def test_non_string_url_is_refused() -> None:
    """A non-string URL is refused with the same typed error."""
    with pytest.raises(InvalidInputError) as info:
        open_store(42)  # type: ignore[arg-type]
    assert (info.value.code, info.value.path) == ("store.url", "$.url")


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:///a\tb.db",
        "sqlite:///a\nb.db",
        "sqlite:///a\rb.db",
        "sqlite:///ab.db\n",
        " sqlite:///ab.db",
        "\x00sqlite:///ab.db",
        "\x7fsqlite:///ab.db",
        "memory:\n",
        "\tmemory:",
        "sqlite:///%ff.db",
        "sqlite:///%ed%a0%80.db",
        "sqlite:/ab.db",
        "sqlite:/tmp/ab.db",
    ],
)
def test_urls_that_would_open_another_file_are_refused(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A URL that URL parsing would quietly change is store.url, and no file is created.

    Tabs and line breaks anywhere, control characters or a space in front were dropped
    (``sqlite:///a<TAB>b.db`` opened ``ab.db``); an escape that is not UTF-8 became U+FFFD
    (``%ff.db`` opened ``\ufffd.db``); ``sqlite:/ab.db``, no form the docs give, opened ``ab.db``
    relative to the working folder (``sqlite:/tmp/ab.db`` opened ``tmp/ab.db``).
    """
    monkeypatch.chdir(tmp_path)
    (tmp_path / "tmp").mkdir()
    with pytest.raises(InvalidInputError) as info:
        open_store(url)
    assert (info.value.code, info.value.path) == ("store.url", "$.url")
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["tmp"]


def test_a_control_character_written_as_an_escape_is_part_of_the_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``%09`` is a tab the caller asked for: the file's name holds it."""
    monkeypatch.chdir(tmp_path)
    store = open_store("sqlite:///a%09b.db")
    assert isinstance(store, SQLiteStore) and store.path == "a\tb.db"
    store.close()
    assert (tmp_path / "a\tb.db").exists()


def _outdated_sqlite(path: Path) -> bytes:
    """A SQLite store whose newest hours migration is not applied yet, as an older release left it.

    Returns:
        The file's bytes, to show that opening it for reading changed nothing.
    """
    import sqlite3

    SQLiteStore(path).close()
    conn = sqlite3.connect(path)
    (version,) = conn.execute(
        "SELECT max(version) FROM vk_schema_migrations WHERE part = 'hours'"
    ).fetchone()
    assert version == 4  # hours/0004_settings_no_delete: undone below, as if never applied
    conn.execute("DELETE FROM vk_schema_migrations WHERE part = 'hours' AND version = ?", (version,))
    conn.execute("DROP TRIGGER vk_hours_settings_no_delete")
    conn.commit()
    conn.close()
    return path.read_bytes()


def test_a_store_of_an_earlier_version_is_not_migrated_by_a_reader(tmp_path: Path) -> None:
    """create=False (the read-only commands) refuses a store with pending migrations.

    Before, it ran them: `volunteerkit stats` or `audit` changed the schema of the store it was
    asked to read (on PostgreSQL, with the exclusive lock a migration takes). Now it is
    store.outdated at $.url, the file unchanged; opening it to write migrates it, as before.
    """
    path = tmp_path / "old.db"
    before = _outdated_sqlite(path)
    with pytest.raises(InvalidInputError) as info:
        open_store(f"sqlite:///{path}", create=False)
    assert (info.value.code, info.value.path) == ("store.outdated", "$.url")
    assert "volunteerkit migrate" in str(info.value)
    assert path.read_bytes() == before
    open_store(f"sqlite:///{path}").close()  # a writer brings it up to date
    open_store(f"sqlite:///{path}", create=False).close()


@pytest.mark.parametrize(
    ("edit", "code"),
    [
        (
            "INSERT INTO vk_schema_migrations (part, version, name, checksum) "
            "VALUES ('audit', 99, 'future', 'abc')",
            "store.migration_unknown",
        ),
        (
            "UPDATE vk_schema_migrations SET checksum = 'x' WHERE part = 'audit' AND version = 1",
            "store.migration_changed",
        ),
    ],
    ids=["newer", "changed"],
)
def test_a_reader_refuses_a_store_migrate_cannot_bring_up_to_date_as_migrate_does(
    tmp_path: Path, edit: str, code: str
) -> None:
    """A store with a pending migration and one this code does not ship (or one changed since).

    create=False said store.outdated, "run `volunteerkit migrate` on it first", which then
    refused the store (store.migration_unknown: a newer version migrated it; or
    store.migration_changed). The reader now says what migrate says, the file unchanged.
    """
    import sqlite3

    path = tmp_path / "old.db"
    _outdated_sqlite(path)
    conn = sqlite3.connect(path)
    conn.execute(edit)
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(IntegrityError) as writer:
        open_store(f"sqlite:///{path}")
    assert writer.value.code == code
    with pytest.raises(IntegrityError) as reader:
        open_store(f"sqlite:///{path}", create=False)
    assert reader.value.code == code
    assert path.read_bytes() == before


@pytest.mark.postgres
def test_a_postgresql_store_of_an_earlier_version_is_not_migrated_by_a_reader(
    postgres_dsn: str,
) -> None:
    """As on SQLite, through the search path that PostgresStore follows."""
    import uuid

    import psycopg

    from volunteerkit.stores import PostgresStore

    schema = f"vk_test_old_{uuid.uuid4().hex[:10]}"
    PostgresStore(postgres_dsn, schema=schema).close()
    sep = "&" if "?" in postgres_dsn else "?"
    url = f"{postgres_dsn}{sep}options=-csearch_path%3D{schema}"  # as open_store's docs say
    try:
        with psycopg.connect(postgres_dsn, autocommit=True) as conn:
            conn.execute(
                f'DELETE FROM "{schema}".vk_schema_migrations WHERE part = %s AND version = '
                f'(SELECT max(version) FROM "{schema}".vk_schema_migrations WHERE part = %s)',
                ("hours", "hours"),
            )
            count = conn.execute(f'SELECT count(*) FROM "{schema}".vk_schema_migrations').fetchone()
        with pytest.raises(InvalidInputError) as info:
            open_store(url, create=False)
        assert (info.value.code, info.value.path) == ("store.outdated", "$.url")
        with psycopg.connect(postgres_dsn, autocommit=True) as conn:
            after = conn.execute(f'SELECT count(*) FROM "{schema}".vk_schema_migrations').fetchone()
        assert after == count
    finally:
        with psycopg.connect(postgres_dsn, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
