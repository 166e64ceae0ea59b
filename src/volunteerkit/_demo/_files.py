"""The files the demo replaces: only what an earlier demo run wrote.

``volunteerkit demo`` starts afresh each run, so it removes the databases and the transfer folder
an earlier run left. A name given with ``--db`` or ``--out-dir`` may point at somebody's own
data, though (``--db production.sqlite``), so before removing anything the demo checks that the
demo wrote it:

* a database is replaced when it is absent, empty, or an SQLite database whose audit log holds a
  record by one of the demo's own actors (:data:`DEMO_ACTORS`: every run writes one first);
* the transfer folder is emptied when it holds nothing but package chunks
  (``transfer-<package id>-<number>-of-<count>.jsonl``, see
  :func:`volunteerkit.transfer.package.chunk_file_name`).

Anything else is refused with ``demo.file_taken``, before any file is touched.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
from pathlib import Path

from volunteerkit.errors import InvalidInputError

__all__ = ["DEMO_ACTORS", "clear_demo_database", "clear_demo_folder"]

DEMO_ACTORS = ("demo", "hami-demo")
"""Audit actors only the demo uses: the main store's first step, and Hami's registration."""

_SUFFIXES = ("", "-wal", "-shm")  # SQLite's database file and the two beside it in WAL mode
_CHUNK = re.compile(r"transfer-[A-Za-z0-9._-]+-\d{4,}-of-\d{4,}\.jsonl")


def _taken(option: str) -> InvalidInputError:
    return InvalidInputError(
        f"the demo will not replace what it did not write: choose another {option}",
        f"演示不会替换不是它写入的内容:请另选 {option}",
        code="demo.file_taken",
        path=f"$.{option.removeprefix('--').replace('-', '_')}",
    )


def _unusable(err: OSError, option: str) -> InvalidInputError:
    reason = err.strerror or type(err).__name__
    return InvalidInputError(
        f"the file cannot be replaced: {reason}",
        f"无法替换文件:{reason}",
        code="demo.file",
        path=f"$.{option.removeprefix('--').replace('-', '_')}",
    )


def _written_by_demo(path: Path) -> bool:
    """Whether ``path`` is an SQLite database holding an audit record by a demo actor."""
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error:
        return False
    try:
        marks = ", ".join("?" * len(DEMO_ACTORS))
        row = conn.execute(
            f"SELECT 1 FROM vk_audit_log WHERE actor IN ({marks}) LIMIT 1", DEMO_ACTORS
        ).fetchone()
    except sqlite3.Error:  # not a database, or not one of ours
        return False
    finally:
        conn.close()
    return row is not None


def clear_demo_database(path: Path, *, option: str) -> None:
    """Remove the SQLite database at ``path`` (and its WAL files) if an earlier demo wrote it.

    Args:
        path: The database file.
        option: The command-line option that named it (``--db``, ``--out-dir``), for the error.

    Raises:
        InvalidInputError: ``demo.file_taken`` if a file there holds data the demo did not
            write (nothing is removed); ``demo.file`` if it cannot be removed (a folder, a
            read-only place). The path is the option's, e.g. ``$.db``.
    """
    if path.is_file() and path.stat().st_size > 0 and not _written_by_demo(path):
        raise _taken(option)
    for suffix in _SUFFIXES:
        try:
            Path(str(path) + suffix).unlink(missing_ok=True)
        except OSError as err:
            raise _unusable(err, option) from None


def clear_demo_folder(folder: Path, *, option: str) -> None:
    """Remove ``folder`` if it holds nothing but transfer package chunks.

    Args:
        folder: The folder an earlier demo exported its transfer package to.
        option: The command-line option that chose its parent, for the error.

    Raises:
        InvalidInputError: ``demo.file_taken`` if it holds anything else, or is a file
            (nothing is removed); ``demo.file`` if it cannot be removed.
    """
    if not folder.exists() and not folder.is_symlink():
        return
    if folder.is_symlink() or not folder.is_dir():
        raise _taken(option)
    try:
        names = list(folder.iterdir())
        if not all(p.is_file() and not p.is_symlink() and _CHUNK.fullmatch(p.name) for p in names):
            raise _taken(option)
        shutil.rmtree(folder)
    except OSError as err:
        raise _unusable(err, option) from None
