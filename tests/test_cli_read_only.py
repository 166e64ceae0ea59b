"""Commands that only read open only an existing volunteerkit store.

``audit``, ``stats``, ``report``, ``hours export`` and ``awards evaluate`` create no database and
add no table to somebody else's.
"""

from __future__ import annotations

import io
import json
import sqlite3
from pathlib import Path

import pytest

from volunteerkit.cli import main
from volunteerkit.errors import InvalidInputError
from volunteerkit.stores import MemoryStore, SQLiteStore, open_store

AS_OF = "2026-12-31T00:00:00+08:00"


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(argv), out=out)
    return code, out.getvalue()


def _tables(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        return [str(r[0]) for r in rows]
    finally:
        conn.close()


def _database(path: Path, table: str) -> Path:
    conn = sqlite3.connect(path)
    conn.execute(f"CREATE TABLE {table} (id INTEGER PRIMARY KEY, name TEXT)")
    conn.commit()
    conn.close()
    return path


def _read_only_commands(url: str, tmp_path: Path) -> list[list[str]]:
    return [
        ["audit", url],
        ["stats", url, "--as-of", AS_OF],
        ["report", url, str(tmp_path / "out.html"), "--as-of", AS_OF],
        ["hours", "export", url, str(tmp_path / "out.csv")],
        ["awards", "evaluate", "cn.cyl.stars", url, "--as-of", AS_OF],
    ]


def _error(text: str) -> dict[str, str]:
    return dict(json.loads(text)["error"])


@pytest.mark.parametrize("table", ["customers", "vk_volunteers"], ids=["foreign", "clashing"])
def test_read_only_commands_refuse_a_database_without_volunteerkit_migrations(
    tmp_path: Path, table: str
) -> None:
    """On an application's SQLite file: store.not_ours at $.url, exit 2, not a byte changed.

    Before, ``audit`` added volunteerkit's tables to it, and ``stats`` on a database with a
    table of its own named ``vk_volunteers`` failed with store.operational half-migrated.
    """
    db = _database(tmp_path / "app.db", table)
    before = db.read_bytes()
    for argv in _read_only_commands(f"sqlite:///{db}", tmp_path):
        code, text = run("--json", *argv)
        error = _error(text)
        assert (code, error["code"], error["path"]) == (2, "store.not_ours", "$.url"), argv
        assert error["message_zh"].startswith("不是 volunteerkit 存储")
        assert db.read_bytes() == before and _tables(db) == [table]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["app.db"]  # no report, no export


def test_read_only_commands_do_not_migrate_a_store_of_an_earlier_version(tmp_path: Path) -> None:
    """A store without this release's newest hours migration: store.outdated, not a byte changed.

    Before, each of these commands applied the missing migration to the store it was asked to
    read. ``migrate`` applies it, and then they read the store (exit 0).
    """
    db = tmp_path / "old.db"
    SQLiteStore(db).close()
    conn = sqlite3.connect(db)
    conn.execute("DELETE FROM vk_schema_migrations WHERE part = 'hours' AND version = 4")
    conn.execute("DROP TRIGGER vk_hours_settings_no_delete")  # as a release before it left it
    conn.commit()
    conn.close()
    before = db.read_bytes()
    url = f"sqlite:///{db}"
    for argv in _read_only_commands(url, tmp_path):
        code, text = run("--json", *argv)
        error = _error(text)
        assert (code, error["code"], error["path"]) == (2, "store.outdated", "$.url"), argv
        assert db.read_bytes() == before
    assert run("migrate", url)[0] == 0
    for argv in _read_only_commands(url, tmp_path):
        assert run(*argv)[0] == 0, argv


def test_read_only_commands_refuse_a_missing_file_and_create_none(tmp_path: Path) -> None:
    """A mistyped path is store.missing at $.url, exit 2: no new empty database, no '(no data)'.

    Before, ``stats sqlite:///typo-dmeo.sqlite`` created that file and printed ``(no data)``.
    Commands that write still create the store (migrate, hours import), and once it exists
    every read-only command opens it (exit 0).
    """
    url = f"sqlite:///{tmp_path / 'typo-dmeo.sqlite'}"
    for argv in _read_only_commands(url, tmp_path):
        code, text = run("--json", *argv)
        error = _error(text)
        assert (code, error["code"], error["path"]) == (2, "store.missing", "$.url"), argv
    assert list(tmp_path.iterdir()) == []
    assert run("migrate", url)[0] == 0
    csv_file = tmp_path / "empty.csv"
    csv_file.write_text("", encoding="utf-8")
    imported = tmp_path / "imported.db"
    run("hours", "import", f"sqlite:///{imported}", str(csv_file), "--now", AS_OF)
    assert "vk_schema_migrations" in _tables(imported)
    for argv in _read_only_commands(url, tmp_path):
        assert run(*argv)[0] == 0, argv


def test_read_only_commands_refuse_in_text_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without --json the refusal is the usual two-line error on stderr, exit 2."""
    assert run("audit", f"sqlite:///{tmp_path / 'none.db'}") == (2, "")
    assert capsys.readouterr().err == (
        "error: [store.missing] no store at this URL: the SQLite file does not exist (a command "
        "that only reads creates none) (at $.url)\n"
        "       此 URL 处没有存储:SQLite 文件不存在(只读的命令不会创建)\n"
    )


def test_open_store_create_false(tmp_path: Path) -> None:
    """open_store(url, create=False) opens an existing store and refuses what is not one.

    A missing file is store.missing, a file that is not a database, a folder, or a database
    without vk_schema_migrations is store.not_ours (all at $.url, nothing created or changed);
    memory: and sqlite:///:memory: open a new empty store as before; create must be a bool.
    """
    SQLiteStore(tmp_path / "vk.db").close()
    store = open_store(f"sqlite:///{tmp_path / 'vk.db'}", create=False)
    assert isinstance(store, SQLiteStore)
    store.close()
    (tmp_path / "notes.txt").write_text("not a database", encoding="utf-8")
    (tmp_path / "folder").mkdir()
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    cases = {
        "missing.db": "store.missing",
        "notes.txt": "store.not_ours",
        "folder": "store.not_ours",
        "empty.db": "store.not_ours",
    }
    for name, code in cases.items():
        with pytest.raises(InvalidInputError) as caught:
            open_store(f"sqlite:///{tmp_path / name}", create=False)
        assert (caught.value.code, caught.value.path) == (code, "$.url"), name
    assert not (tmp_path / "missing.db").exists() and empty.read_bytes() == b""
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "not a database"
    assert isinstance(open_store("memory:", create=False), MemoryStore)
    memory = open_store("sqlite:///:memory:", create=False)
    assert isinstance(memory, SQLiteStore)
    memory.close()
    with pytest.raises(InvalidInputError) as caught:
        open_store("memory:", create="no")  # type: ignore[arg-type]
    assert (caught.value.code, caught.value.path) == ("store.create", "$.create")
