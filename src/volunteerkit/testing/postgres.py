"""A throwaway PostgreSQL server for tests and benchmarks.

:class:`TemporaryPostgres` runs ``initdb`` and ``pg_ctl`` from the server binaries on this machine
(Debian's ``postgresql`` package puts them in ``/usr/lib/postgresql/<major>/bin``) on a temporary data
directory, listening on 127.0.0.1 at a free port, with durability switched off for speed. The server
refuses to run as root, so as root it runs as the ``postgres`` system user (``runuser``). It is stopped
and its directory removed on :meth:`TemporaryPostgres.stop`, or by a small watchdog process when the
process that started it ends without stopping it (killed, or a test run interrupted): the server
does not outlive its owner.

Use :func:`find_pg_bin` to ask whether a server can be started here at all.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path
from types import TracebackType

from volunteerkit.errors import UnavailableError

__all__ = ["TemporaryPostgres", "find_pg_bin"]


def find_pg_bin() -> Path | None:
    """Return the folder holding ``initdb`` and ``pg_ctl``, or ``None`` if there is none.

    Looks at ``$VOLUNTEERKIT_PG_BIN``, then the newest ``/usr/lib/postgresql/*/bin``, then ``PATH``.

    Returns:
        The folder, or ``None``.
    """
    candidates: list[Path] = []
    if env := os.environ.get("VOLUNTEERKIT_PG_BIN"):
        candidates.append(Path(env))
    versions = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"),
        key=lambda p: int(Path(p).parent.name) if Path(p).parent.name.isdigit() else 0,
        reverse=True,
    )
    candidates.extend(Path(v) for v in versions)
    if found := shutil.which("pg_ctl"):
        candidates.append(Path(found).resolve().parent)
    for folder in candidates:
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            return folder
    return None


_WATCHDOG = """
import shutil, subprocess, sys
if sys.stdin.buffer.read():  # the owner wrote: it stopped the server itself
    sys.exit(0)
try:  # end of file without a word: the owner is gone, so the server goes too
    subprocess.run(sys.argv[1:-1], capture_output=True, timeout=120, check=False)
finally:
    shutil.rmtree(sys.argv[-1], ignore_errors=True)
"""
"""The watchdog: it waits for the end of its standard input, whose other end only the owner holds.

The operating system closes that end when the owner exits, however it ends (even ``SIGKILL``).
"""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class TemporaryPostgres:
    """Start a private PostgreSQL server; stop it and delete its data when done.

    Args:
        bin_dir: Folder of the server binaries (default: :func:`find_pg_bin`).
        user: System user to run the server as when running as root.
        icu_locale: An ICU locale (``"en-US"``) to make the cluster's default collation, as on a
            server created with the distribution's defaults; ``None`` (the default) creates it
            with ``--locale=C``, where text sorts by code point.

    Attributes:
        dsn: Connection URL of the running server (``postgresql://postgres@127.0.0.1:PORT/postgres``).

    Raises:
        UnavailableError: ``store.postgres_missing`` if no server binaries are found;
            ``store.postgres_start`` if the server fails to start (a program fails, cannot run
            or runs past two minutes; as root, ``user`` does not exist).

    Examples:
        ``with TemporaryPostgres() as pg: store = PostgresStore(pg.dsn)``
    """

    def __init__(
        self, bin_dir: Path | None = None, *, user: str = "postgres", icu_locale: str | None = None
    ) -> None:
        folder = bin_dir or find_pg_bin()
        if folder is None:
            raise UnavailableError(
                "no PostgreSQL server binaries found (install Debian's 'postgresql' package)",
                "未找到 PostgreSQL 服务器程序(请安装 Debian 的 postgresql 软件包)",
                code="store.postgres_missing",
            )
        self._bin = folder
        self._as_user = user if os.geteuid() == 0 else None
        self._icu_locale = icu_locale
        self._dir = Path(tempfile.mkdtemp(prefix="volunteerkit-pg-"))
        self._data = self._dir / "data"
        self.port = _free_port()
        self.dsn = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        self._running = False
        self._watchdog: subprocess.Popen[bytes] | None = None
        try:
            self._start()
        except BaseException:
            self.stop()
            raise

    def _command(self, *args: str) -> list[str]:
        command = [str(self._bin / args[0]), *args[1:]]
        if self._as_user is not None:
            command = ["runuser", "-u", self._as_user, "--", *command]
        return command

    def _run(self, *args: str) -> None:
        command = self._command(*args)
        try:
            result = subprocess.run(
                command, capture_output=True, text=True, check=False, timeout=120
            )
        except (OSError, subprocess.TimeoutExpired) as exc:  # no such program; one that hangs
            raise UnavailableError(
                f"{args[0]} could not run: {type(exc).__name__}",
                f"{args[0]} 无法运行",
                code="store.postgres_start",
            ) from exc
        if result.returncode != 0:
            log = self._dir / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise UnavailableError(
                f"{args[0]} failed ({result.returncode}): {result.stderr.strip()[-1000:]} {tail}",
                f"{args[0]} 执行失败",
                code="store.postgres_start",
            )

    def _start(self) -> None:
        if self._as_user is not None:
            try:
                entry = pwd.getpwnam(self._as_user)
            except KeyError:
                raise UnavailableError(
                    f"no system user {self._as_user!r} to run the server as",
                    f"没有用于运行服务器的系统用户 {self._as_user!r}",
                    code="store.postgres_start",
                ) from None
            os.chown(self._dir, entry.pw_uid, entry.pw_gid)
        locale = ["--locale=C"]
        if self._icu_locale is not None:
            # the libc locale still sets LC_CTYPE and messages: C.UTF-8 exists everywhere
            locale = [
                "--locale-provider=icu",
                f"--icu-locale={self._icu_locale}",
                "--locale=C.UTF-8",
            ]
        self._run(
            "initdb", "-D", str(self._data), "-A", "trust", "-U", "postgres",
            "-E", "UTF8", *locale, "--no-sync",
        )  # fmt: skip
        options = (
            f"-p {self.port} -k {self._dir} -c listen_addresses=127.0.0.1 -c fsync=off"
            " -c synchronous_commit=off -c full_page_writes=off -c max_connections=50"
        )
        self._run(
            "pg_ctl", "-D", str(self._data), "-l", str(self._dir / "server.log"),
            "-o", options, "-w", "-t", "60", "start",
        )  # fmt: skip
        self._running = True
        stop = self._command("pg_ctl", "-D", str(self._data), "-m", "immediate", "-w", "stop")
        # its own session: a Ctrl-C to the owner's process group must not end the watchdog first
        self._watchdog = subprocess.Popen(
            [sys.executable, "-c", _WATCHDOG, *stop, str(self._dir)],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )

    def stop(self) -> None:
        """Stop the server (if running) and remove its directory."""
        if self._running:
            self._running = False
            with contextlib.suppress(UnavailableError):  # already gone: nothing left to stop
                self._run("pg_ctl", "-D", str(self._data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self._dir, ignore_errors=True)
        watchdog, self._watchdog = self._watchdog, None
        if watchdog is not None and watchdog.stdin is not None:
            with contextlib.suppress(OSError):  # a watchdog that is gone already
                watchdog.stdin.write(b"stopped")
                watchdog.stdin.close()
            with contextlib.suppress(subprocess.TimeoutExpired):
                watchdog.wait(timeout=30)

    def __enter__(self) -> TemporaryPostgres:
        """Return the running server."""
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop the server."""
        self.stop()
