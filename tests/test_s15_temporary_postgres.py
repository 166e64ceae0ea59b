"""A TemporaryPostgres server does not outlive the process that started it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.postgres

_OWNER = """
import sys, time
from volunteerkit.testing.postgres import TemporaryPostgres
pg = TemporaryPostgres()
print(pg._dir, (pg._data / "postmaster.pid").read_text().split()[0], flush=True)
time.sleep(600)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}").exists() and "Z" not in Path(f"/proc/{pid}/stat").read_text().split()[2]


def test_a_server_whose_owner_is_killed_is_stopped_and_removed() -> None:
    """SIGKILL leaves no chance to clean up: the watchdog stops the server and removes its files.

    Before, each test run killed from outside left a server running and a data directory behind.
    """
    owner = subprocess.Popen(
        [sys.executable, "-c", _OWNER], stdout=subprocess.PIPE, text=True
    )
    assert owner.stdout is not None
    folder, pid = owner.stdout.readline().split()
    assert _alive(int(pid)) and Path(folder).is_dir()
    owner.send_signal(signal.SIGKILL)
    owner.wait(timeout=30)
    deadline = time.monotonic() + 60
    while (_alive(int(pid)) or Path(folder).exists()) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _alive(int(pid))
    assert not Path(folder).exists()


def test_a_server_stopped_by_its_owner_ends_its_watchdog() -> None:
    """stop() tells the watchdog the server is stopped: it ends at once and does nothing."""
    from volunteerkit.testing.postgres import TemporaryPostgres

    pg = TemporaryPostgres()
    watchdog = pg._watchdog
    assert watchdog is not None and watchdog.poll() is None
    folder = pg._dir
    pg.stop()
    assert watchdog.returncode == 0
    assert not folder.exists()
    pg.stop()  # twice is harmless
