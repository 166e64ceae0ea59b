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
  a database the demo runs on with ``--keep`` that was none of these gets an audit record by
  :data:`KEPT_ACTOR` first (:func:`disown_kept_database`), so that it never passes for the
  demo's, even when it held no audit record, or only records by actors the demo also uses;
* the transfer folder is removed when it holds nothing but package chunks
  (``transfer-<package id>-<number>-of-<count>.jsonl``, see
  :func:`volunteerkit.transfer.package.chunk_file_name`);
* the other files it writes (:data:`WRITTEN_FILES`: the CSV export and the two HTML reports,
  names no other command uses by default) are overwritten when absent, empty, or unchanged since
  the demo wrote them: after writing one the demo records its SHA-256 in :data:`MANIFEST`, a text
  file beside it that starts with :data:`MANIFEST_HEAD`, and a file whose content no longer
  matches (or that the manifest does not list) is somebody else's. The manifest itself is
  replaced only when absent, empty, or starting with that line.

With ``--store URL`` the demo runs on that store instead of replacing anything, so the store
must hold nothing but what the demo wrote (:func:`check_demo_store`): a SQLite file by the rules
of a database above; the PostgreSQL schema the store would use (the one of the URL's search path
that holds volunteerkit's tables, as PostgresStore finds them, else the first) with no tables, or
with nothing but volunteerkit's tables and an audit log whose actors are all the demo's, as for a
database of an earlier version; ``memory:`` is new and empty.

Everything is checked before anything is removed or written; anything else is refused with
``demo.file_taken``.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import shutil
import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from volunteerkit.errors import InvalidInputError, UnavailableError
from volunteerkit.stores._open import store_target

__all__ = [
    "DEMO_MARK",
    "EARLIER_DEMO_ACTORS",
    "KEPT_ACTOR",
    "MANIFEST",
    "MANIFEST_HEAD",
    "WRITTEN_FILES",
    "check_demo_files",
    "check_demo_store",
    "clear_demo_files",
    "disown_kept_database",
    "mark_demo_database",
    "write_demo_file",
    "write_demo_text",
]

DEMO_MARK = 0x766B_646D  # "vkdm"
"""The ``user_version`` of a database the demo created."""

EARLIER_DEMO_ACTORS = frozenset(
    {
        "demo", "demo-awards", "admin-1", "bj-records-officer", "coordinator-7", "project-lead-3",
        "hami-demo", "hami-admin", "hami-coordinator", "张丽",
    }
)  # fmt: skip
"""The audit actors of the databases that versions before the mark wrote (main store, Hami's)."""

KEPT_ACTOR = "demo-on-a-kept-database"
"""The audit actor that marks a database the demo ran on but did not create (not a demo actor)."""

WRITTEN_FILES = ("demo-hours.csv", "demo-report-k5.html", "demo-report-k1.html")
"""The files the demo writes in ``--out-dir`` besides its databases and the transfer folder."""

MANIFEST = "demo-files.sha256"
"""The file in ``--out-dir`` where the demo records the SHA-256 of each file it wrote there."""

MANIFEST_HEAD = (
    "# volunteerkit demo: files it wrote (SHA-256); it replaces a file only while it matches"
)
"""The first line of :data:`MANIFEST`; then one ``<sha256>  <name>`` line per file."""

T = TypeVar("T")

_RECORD = re.compile(r"([0-9a-f]{64})  (.+)")
_SUFFIXES = ("", "-wal", "-shm")  # SQLite's database file and the two beside it in WAL mode
_CHUNK = re.compile(r"transfer-[A-Za-z0-9._-]+-\d{4,}-of-\d{4,}\.jsonl")


def _path(option: str) -> str:
    return f"$.{option.removeprefix('--').replace('-', '_')}"


def _taken(option: str) -> InvalidInputError:
    if option == "--store":  # a store the demo would write into, not replace
        return InvalidInputError(
            "the demo will not write into a store that holds what it did not write: choose "
            "another --store",
            "演示不会写入含有不是它写入的内容的存储:请另选 --store",
            code="demo.file_taken",
            path="$.store",
        )
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


def _read_only_uri(path: Path) -> str:
    """A URI that reads ``path`` and writes nothing, not even the ``-wal`` and ``-shm`` files.

    Opening a database in WAL mode, even read-only, creates those two files beside it unless
    it is opened as immutable, which is exact only while there is no ``-wal`` file (no write
    waiting to be copied into the database); when there is one, the two files are there already.
    """
    uri = f"{path.resolve().as_uri()}?mode=ro"
    return uri if Path(str(path) + "-wal").exists() else uri + "&immutable=1"


def _written_by_demo(path: Path) -> bool:
    """Whether ``path`` is a database the demo created (marked, or by an earlier version)."""
    try:
        conn = sqlite3.connect(_read_only_uri(path), uri=True)
    except (OSError, sqlite3.Error):
        return False
    try:
        if conn.execute("PRAGMA user_version").fetchone()[0] == DEMO_MARK:
            return True
        actors = {str(r[0]) for r in conn.execute("SELECT DISTINCT actor FROM vk_audit_log")}
    except sqlite3.Error:  # not a database, or not one of ours
        return False
    finally:
        conn.close()
    return _demo_actors(actors)


def _demo_actors(actors: set[str]) -> bool:
    """Whether audit records by ``actors`` alone are the demo's (see :data:`EARLIER_DEMO_ACTORS`)."""
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


# The tables of the schema the store would use: the one of the search path that holds
# vk_schema_migrations (PostgresStore finds its tables through the search path), else the first
# (current_schema()), where a new store's tables are created.
_PG_TABLES = """
SELECT c.relname FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = COALESCE(
    (SELECT m.relnamespace::regnamespace::text FROM pg_catalog.pg_class m
     WHERE m.oid = to_regclass('vk_schema_migrations')),
    current_schema()
) AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
"""


def _postgres_is_demo(dsn: str) -> bool:
    """Whether the schema a PostgreSQL URL opens is empty or holds only the demo's records.

    Read with a connection of its own, in a transaction that is rolled back: nothing is written.
    """
    from volunteerkit.stores.postgres import load_driver

    psycopg = load_driver(dsn, "$.store")
    try:
        with psycopg.connect(dsn, connect_timeout=10) as conn:
            try:
                tables = {str(r[0]) for r in conn.execute(_PG_TABLES)}
                if not tables:
                    return True  # nothing there: the demo creates its tables
                if "vk_audit_log" not in tables or any(not t.startswith("vk_") for t in tables):
                    return False
                actors = {str(r[0]) for r in conn.execute("SELECT DISTINCT actor FROM vk_audit_log")}
                return _demo_actors(actors)
            finally:
                conn.rollback()
    except psycopg.OperationalError as exc:  # no server, no such database, refused login
        raise UnavailableError(code="store.unavailable") from exc
    except psycopg.Error:  # a table it may not read: not the demo's to write to
        return False


def check_demo_store(url: str) -> Path | None:
    """Refuse, before anything is written, a store URL (``--store``) naming somebody's data.

    A SQLite file follows the rules of ``--db`` (absent, empty, marked, or an earlier version's
    database: see the module notes); a PostgreSQL schema must have no tables, or nothing but
    volunteerkit's tables with an audit log whose actors are all the demo's; ``memory:`` and
    ``sqlite:///:memory:`` are new and empty.

    Args:
        url: The store URL.

    Returns:
        The SQLite file the URL opens when it does not exist yet (the caller marks it as the
        demo's with :func:`mark_demo_database` once everything is checked), else ``None``.

    Raises:
        InvalidInputError: ``demo.file_taken`` at ``$.store`` if the store holds what the demo
            did not write; ``demo.file`` if the SQLite file cannot be read (a folder); ``store.url``
            or ``store.dsn`` for a URL that names no store.
        UnavailableError: ``store.unavailable`` if the PostgreSQL server cannot be reached.
    """
    kind, target = store_target(url)
    if kind == "postgresql":
        if not _postgres_is_demo(target):
            raise _taken("--store")
        return None
    if kind == "memory" or target == ":memory:" or "\x00" in target:  # NUL: refused on opening
        return None
    path = Path(target)
    try:
        if path.exists() and not path.is_file():  # a folder where the database goes
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR))
        absent = not path.exists()
        taken = not absent and path.stat().st_size > 0 and not _written_by_demo(path)
    except OSError as err:
        raise _unusable(err, "--store") from None
    if taken:
        raise _taken("--store")
    return path if absent else None


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


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _present(path: Path) -> bool:
    return path.exists() or path.is_symlink()


def _recorded(folder: Path, option: str) -> dict[str, str]:
    """The names and SHA-256 digests in ``folder``'s manifest; refuse a manifest not the demo's.

    Raises:
        InvalidInputError: ``demo.file_taken`` if a file of the manifest's name does not start
            with :data:`MANIFEST_HEAD` (or is a symbolic link); ``demo.file`` if it is a folder
            or cannot be read.
    """
    path = folder / MANIFEST
    try:
        if not _present(path):
            return {}
        if path.is_symlink():
            raise _taken(option)
        if not path.is_file():  # a folder where the manifest goes
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR))
        with path.open("rb") as stream:
            head = stream.read(len(MANIFEST_HEAD.encode()) + 1)
            if not head:
                return {}  # an empty file: nothing to lose
            if head != MANIFEST_HEAD.encode() + b"\n":
                raise _taken(option)
            text = stream.read().decode("utf-8", "replace")
    except OSError as err:
        raise _unusable(err, option) from None
    return {m[2]: m[1] for line in text.splitlines() if (m := _RECORD.fullmatch(line))}


def _check_written(path: Path, option: str, recorded: dict[str, str]) -> None:
    """Refuse a file the demo is about to overwrite unless it is absent, empty or as written."""
    try:
        if not _present(path):
            return
        if path.is_symlink():  # the demo writes no links: somebody pointed it elsewhere
            raise _taken(option)
        if not path.is_file():  # a folder where the file goes
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR))
        _writable(path.parent, option)
        if path.stat().st_size == 0:
            return
        if path.name not in recorded or _sha256(path) != recorded[path.name]:
            raise _taken(option)
    except OSError as err:
        raise _unusable(err, option) from None


def check_demo_files(files: Sequence[tuple[Path, str]]) -> None:
    """Refuse, before anything is written, files the demo would overwrite but did not write.

    A file may be overwritten when it is absent, empty, or has exactly the content whose SHA-256
    the demo recorded in the :data:`MANIFEST` beside it when it wrote it. Each item comes with
    the command-line option that chose its folder (``--out-dir``), for the error.

    Args:
        files: The files the demo is about to write.

    Raises:
        InvalidInputError: ``demo.file_taken`` if one (or the manifest beside it) holds what
            the demo did not write; ``demo.file`` if one is a folder or cannot be read.
    """
    manifests: dict[Path, dict[str, str]] = {}
    for path, option in files:
        folder = path.parent
        if folder not in manifests:
            manifests[folder] = _recorded(folder, option)
        _check_written(path, option, manifests[folder])


def _replace(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path``, then put it in ``path``'s place."""
    partial = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}.partial")
    try:
        with partial.open("xb") as stream:
            stream.write(data)
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def write_demo_file(path: Path, write: Callable[[Path], T], *, option: str) -> T:
    """Check ``path`` (see :func:`check_demo_files`), write it, and record it in the manifest.

    Args:
        path: The file.
        write: Writes the file at the path it is given and returns what the caller wants back.
        option: The command-line option that chose the folder, for the error.

    Returns:
        What ``write`` returned.

    Raises:
        InvalidInputError: ``demo.file_taken`` or ``demo.file`` as :func:`check_demo_files`;
            ``demo.file`` if it cannot be written.
    """
    check_demo_files([(path, option)])
    try:
        result = write(path)
        digest = _sha256(path)
        recorded = _recorded(path.parent, option)
        recorded[path.name] = digest
        lines = [MANIFEST_HEAD, *(f"{recorded[n]}  {n}" for n in sorted(recorded))]
        _replace(path.parent / MANIFEST, ("\n".join(lines) + "\n").encode("utf-8"))
    except OSError as err:
        raise _unusable(err, option) from None
    return result


def write_demo_text(path: Path, text: str, *, option: str) -> None:
    """Write ``text`` (UTF-8) as a demo file: see :func:`write_demo_file`."""
    write_demo_file(path, lambda p: _replace(p, text.encode("utf-8")), option=option)


def clear_demo_files(
    databases: Sequence[tuple[Path, str]],
    folders: Sequence[tuple[Path, str]] = (),
    files: Sequence[tuple[Path, str]] = (),
) -> None:
    """Remove databases (with their WAL files) and folders that an earlier demo run wrote.

    Each item comes with the command-line option that chose it (``--db``, ``--out-dir``), for
    the error. Every item is checked before any is removed, and so are ``files``, the other
    files the demo will write (see :func:`check_demo_files`); those are left in place, to be
    overwritten.

    Args:
        databases: SQLite database files.
        folders: Transfer package folders.
        files: Files the demo will overwrite (the CSV export, the reports).

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
    check_demo_files(files)
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


def _tables(path: Path) -> set[str] | None:
    try:
        conn = sqlite3.connect(_read_only_uri(path), uri=True)
        try:
            rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
        finally:
            conn.close()
    except (OSError, sqlite3.Error):
        return None
    return {str(r[0]) for r in rows}


def disown_kept_database(path: Path, *, created_now: bool) -> bool:
    """Whether the demo runs on a SQLite database that is not its own, which it must never replace.

    Called once the store is open, before the demo writes anything. A database that is marked, or
    whose audit log is the demo's alone, is the demo's. One the store has just made out of nothing
    (``created_now``: an empty file, every migration applied by this open, no table but
    volunteerkit's) is marked as the demo's. Anything else (``--keep`` on somebody's store, on a
    store that holds nothing yet, on another application's database) is not: the caller records
    that in the audit log under :data:`KEPT_ACTOR`, which no demo run uses, so the next run
    without ``--keep`` refuses to replace it.

    Args:
        path: The database file of the open store.
        created_now: Whether opening the store applied every migration.

    Returns:
        ``True`` if the database is not the demo's.
    """
    if _written_by_demo(path):
        return False
    tables = _tables(path)
    if created_now and tables is not None and all(t.startswith(("vk_", "sqlite_")) for t in tables):
        try:
            conn = sqlite3.connect(path)
            try:
                conn.execute(f"PRAGMA user_version = {DEMO_MARK}")
            finally:
                conn.close()
        except sqlite3.Error:
            return True
        return False
    return True


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
