"""The files the demo replaces: only what an earlier demo run wrote.

``volunteerkit demo`` starts afresh each run, so it removes the databases and the transfer folder
an earlier run left. A name given with ``--db`` or ``--out-dir`` may point at somebody's own
data, though (``--db production.sqlite``), so before removing anything the demo checks that the
demo wrote it:

* a database the demo creates carries a mark in its SQLite header (``PRAGMA user_version`` set to
  :data:`DEMO_MARK`); one it runs on with ``--keep`` does not get it;
* a database is replaced when it is absent, empty, marked, or written by an earlier version of
  the demo: every audit record by an actor of :data:`EARLIER_DEMO_ACTORS`, among them the
  demo's own ``demo`` or ``hami-demo`` (a store that anybody else wrote to has other actors);
* the transfer folder is removed when it holds nothing but package chunks
  (``transfer-<package id>-<number>-of-<count>.jsonl``, see
  :func:`volunteerkit.transfer.package.chunk_file_name`).

Everything is checked before anything is removed; anything else is refused with
``demo.file_taken``.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import sqlite3
from collections.abc import Sequence
from pathlib import Path

from volunteerkit.errors import InvalidInputError

__all__ = ["DEMO_MARK", "EARLIER_DEMO_ACTORS", "clear_demo_files", "mark_demo_database"]

DEMO_MARK = 0x766B_646D  # "vkdm"
"""The ``user_version`` of a database the demo created."""

EARLIER_DEMO_ACTORS = frozenset(
    {
        "demo", "demo-awards", "admin-1", "bj-records-officer", "coordinator-7", "project-lead-3",
        "hami-demo", "hami-admin", "hami-coordinator", "张丽",
    }
)  # fmt: skip
"""The audit actors of the databases that versions before the mark wrote (main store, Hami's)."""

_SUFFIXES = ("", "-wal", "-shm")  # SQLite's database file and the two beside it in WAL mode
_CHUNK = re.compile(r"transfer-[A-Za-z0-9._-]+-\d{4,}-of-\d{4,}\.jsonl")


def _path(option: str) -> str:
    return f"$.{option.removeprefix('--').replace('-', '_')}"


def _taken(option: str) -> InvalidInputError:
    return InvalidInputError(
        f"the demo will not replace what it did not write: choose another {option}",
        f"演示不会替换不是它写入的内容:请另选 {option}",
        code="demo.file_taken",
        path=_path(option),
    )


def _unusable(err: OSError | sqlite3.Error, option: str) -> InvalidInputError:
    reason = (err.strerror if isinstance(err, OSError) else None) or type(err).__name__
    return InvalidInputError(
        f"the file cannot be replaced: {reason}",
        f"无法替换文件:{reason}",
        code="demo.file",
        path=_path(option),
    )


def _written_by_demo(path: Path) -> bool:
    """Whether ``path`` is a database the demo created (marked, or by an earlier version)."""
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error:
        return False
    try:
        if conn.execute("PRAGMA user_version").fetchone()[0] == DEMO_MARK:
            return True
        actors = {str(r[0]) for r in conn.execute("SELECT DISTINCT actor FROM vk_audit_log")}
    except sqlite3.Error:  # not a database, or not one of ours
        return False
    finally:
        conn.close()
    return actors <= EARLIER_DEMO_ACTORS and bool(actors & {"demo", "hami-demo"})


def _writable(folder: Path, option: str) -> None:
    """Refuse, before anything is removed, a folder that does not let its files be removed."""
    if not os.access(folder, os.W_OK | os.X_OK):  # a read-only mount, a locked folder
        raise _unusable(PermissionError(errno.EACCES, os.strerror(errno.EACCES)), option)


def _check_database(path: Path, option: str) -> None:
    try:
        files = [Path(str(path) + suffix) for suffix in _SUFFIXES]
        if not any(f.exists() or f.is_symlink() for f in files):
            return
        if path.exists() and not path.is_file():  # a folder where the database goes
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR))
        _writable(path.parent, option)  # whatever is there must go, even an empty file
        taken = path.is_file() and path.stat().st_size > 0 and not _written_by_demo(path)
    except OSError as err:  # a name too long, a folder that cannot be read
        raise _unusable(err, option) from None
    if taken:
        raise _taken(option)


def _check_folder(folder: Path, option: str) -> None:
    try:
        if not folder.exists() and not folder.is_symlink():
            return
        if folder.is_symlink() or not folder.is_dir():
            raise _taken(option)
        _writable(folder.parent, option)
        _writable(folder, option)
        for entry in folder.iterdir():
            if entry.is_symlink() or not entry.is_file() or not _CHUNK.fullmatch(entry.name):
                raise _taken(option)
    except OSError as err:
        raise _unusable(err, option) from None


def clear_demo_files(
    databases: Sequence[tuple[Path, str]], folders: Sequence[tuple[Path, str]] = ()
) -> None:
    """Remove databases (with their WAL files) and folders that an earlier demo run wrote.

    Each item comes with the command-line option that chose it (``--db``, ``--out-dir``), for
    the error. Every item is checked before any is removed.

    Args:
        databases: SQLite database files.
        folders: Transfer package folders.

    Raises:
        InvalidInputError: ``demo.file_taken`` if one holds what the demo did not write (nothing
            is removed); ``demo.file`` if one cannot be read or removed (a folder named as a
            database, a read-only place, a name too long). The path is the option's, such as
            ``$.db``.
    """
    for path, option in databases:
        _check_database(path, option)
    for folder, option in folders:
        _check_folder(folder, option)
    for path, option in databases:
        for suffix in _SUFFIXES:
            try:
                Path(str(path) + suffix).unlink(missing_ok=True)
            except OSError as err:
                raise _unusable(err, option) from None
    for folder, option in folders:
        try:
            if folder.exists():
                shutil.rmtree(folder)
        except OSError as err:
            raise _unusable(err, option) from None


def mark_demo_database(path: Path, *, option: str) -> None:
    """Create the database at ``path`` with the demo's mark, unless a file is there already.

    The store then fills it. A database the demo runs on with ``--keep`` stays unmarked.

    Args:
        path: Where the demo's database goes.
        option: The command-line option that chose it, for the error.

    Raises:
        InvalidInputError: ``demo.file`` if it cannot be written.
    """
    try:
        if path.exists():
            return
        conn = sqlite3.connect(path)
        try:
            conn.execute(f"PRAGMA user_version = {DEMO_MARK}")
        finally:
            conn.close()
    except (OSError, sqlite3.Error) as err:
        raise _unusable(err, option) from None
