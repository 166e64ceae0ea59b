"""open_store(): URL forms and refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from volunteerkit.errors import InvalidInputError
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
    with pytest.raises(InvalidInputError):
        open_store(42)  # type: ignore[arg-type]


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
