"""Registering volunteers into SQLite through the Registry, against raw inserts of the same rows.

Method:

* Before timing, build 100,000 applications (10,000 with ``quick``) with a seeded RNG: distinct
  valid citizen ID numbers (a region from the GB/T 2260 union, a birth date 1950-2005, a
  sequence number, the MOD 11-2 check character), each parsed with ``identity.parse``, and a
  distinct mainland mobile number (blocks 130-139).
* **registration**: ``Registry.register_many`` into a fresh ``SQLiteStore`` file (WAL,
  ``synchronous=NORMAL``), 1,000 applications per transaction, every volunteer joining one
  organization. Per volunteer the registry re-parses the document with its clock, checks the age
  rule and the phone (libphonenumber), computes the HMAC blind index, encrypts the number with
  AES-256-GCM, looks the person up, writes the volunteer, the membership and two audit entries.
* **registration_single_call**: ``Registry.register_volunteer`` one call (one transaction) per
  volunteer, for a tenth of the applications, into another fresh file.
* **Baseline**, measured in the same run: every row the first run wrote (volunteers,
  memberships, audit entries, the organization) is read back and inserted into a fresh database
  with the same schema, with stdlib ``sqlite3`` ``executemany`` in one transaction (same pragmas).
  The ratio is the share of raw insert speed that registration keeps.

Each timing runs once for the full size (three times with ``quick``, median reported).
"""

from __future__ import annotations

import random
import sqlite3
import tempfile
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from bench._harness import Figure, median_seconds, store_cache
from volunteerkit.registry import Keyring, Registry, VolunteerApplication, identity
from volunteerkit.registry.identity import cn_ric
from volunteerkit.registry.identity._data import ric_region_codes
from volunteerkit.stores import SQLiteStore

NAME = "registration"

SEED = 20261128
BATCH = 1000
TABLES = ("vk_organizations", "vk_volunteers", "vk_memberships", "vk_audit_log")
CLOCK_START = datetime(2026, 11, 28, 9, 0, tzinfo=timezone(timedelta(hours=8)))


def make_applications(count: int, rng: random.Random) -> list[VolunteerApplication]:
    regions = sorted(ric_region_codes())
    first, span = date(1950, 1, 1), (date(2005, 12, 31) - date(1950, 1, 1)).days
    numbers: set[str] = set()
    phones: set[str] = set()
    apps: list[VolunteerApplication] = []
    while len(apps) < count:
        born = first + timedelta(days=rng.randrange(span + 1))
        body = f"{rng.choice(regions)}{born:%Y%m%d}{rng.randrange(1000):03d}"
        number = body + cn_ric.calc_check_digit(body)
        phone = f"13{rng.randrange(10)}{rng.randrange(10**8):08d}"
        if number in numbers or phone in phones:
            continue
        numbers.add(number)
        phones.add(phone)
        apps.append(
            VolunteerApplication(
                name="志愿者", document=identity.parse("cn_ric", number), phone=phone
            )
        )
    return apps


class TickingClock:
    """A clock that moves 1 ms forward on every reading, so ids stay time-ordered as in real use.

    (A clock that stands still would give every id the same time part and random order.)
    """

    def __init__(self, start: datetime) -> None:
        self._now = start

    def now(self) -> datetime:
        self._now += timedelta(milliseconds=1)
        return self._now


def keyring() -> Keyring:
    return Keyring({"i1": bytes(range(32))}, encryption_keys={"e1": bytes(range(32, 64))})


def register_batch(folder: Path, apps: list[VolunteerApplication], tag: str) -> Path:
    path = folder / f"registry-{tag}.db"
    store = SQLiteStore(path)
    try:
        registry = Registry(store, clock=TickingClock(CLOCK_START), keyring=keyring())
        org = registry.register_organization(name="北京市志愿服务联合会", uscc="52110105MJ0123456N")
        result = registry.register_many(apps, organization_id=org.id, batch_size=BATCH)
        assert result.created == len(apps)
    finally:
        store.close()
    return path


def register_single(folder: Path, apps: list[VolunteerApplication], tag: str) -> None:
    store = SQLiteStore(folder / f"single-{tag}.db")
    try:
        registry = Registry(store, clock=TickingClock(CLOCK_START), keyring=keyring())
        org = registry.register_organization(name="北京市志愿服务联合会")
        for application in apps:
            registry.register_volunteer(application, organization_id=org.id)
    finally:
        store.close()


def read_rows(path: Path) -> dict[str, tuple[str, list[tuple[object, ...]]]]:
    conn = sqlite3.connect(path)
    try:
        rows = {}
        for table in TABLES:
            cursor = conn.execute(f"SELECT * FROM {table}")
            columns = [d[0] for d in cursor.description]
            marks = ", ".join("?" * len(columns))
            sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
            rows[table] = (sql, cursor.fetchall())
        return rows
    finally:
        conn.close()


def raw_insert(
    folder: Path, rows: dict[str, tuple[str, list[tuple[object, ...]]]], tag: str
) -> None:
    path = folder / f"raw-{tag}.db"
    SQLiteStore(path).close()  # the same schema, created by the same migrations
    conn = store_cache(sqlite3.connect(path, isolation_level=None))
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("BEGIN IMMEDIATE")
        for table in TABLES:
            sql, data = rows[table]
            conn.executemany(sql, data)
        conn.execute("COMMIT")
    finally:
        conn.close()


def run(quick: bool) -> list[Figure]:
    count = 10_000 if quick else 100_000
    repeat = 3 if quick else 1
    rng = random.Random(SEED)
    apps = make_applications(count, rng)
    single = apps[: count // 10]
    with tempfile.TemporaryDirectory(prefix="vk-bench-registration-") as tmp:
        folder = Path(tmp)
        runs = iter(range(1000))
        paths: list[Path] = []

        def batch() -> None:
            paths.append(register_batch(folder, apps, str(next(runs))))

        registry_s = median_seconds(batch, repeat)
        rows = read_rows(paths[0])
        row_count = sum(len(data) for _, data in rows.values())
        raw_s = median_seconds(lambda: raw_insert(folder, rows, str(next(runs))), repeat)
        single_s = median_seconds(lambda: register_single(folder, single, str(next(runs))), repeat)
    raw_rate = count / raw_s
    return [
        Figure(
            name="registration",
            value=count / registry_s,
            baseline=raw_rate,
            unit="volunteers/s",
            higher_is_better=True,
            note=(
                f"{count:,} volunteers via Registry.register_many (batches of {BATCH}, AES-GCM, "
                f"joining one organization) vs executemany of the same {row_count:,} rows"
            ),
        ),
        Figure(
            name="registration_single_call",
            value=len(single) / single_s,
            baseline=raw_rate,
            unit="volunteers/s",
            higher_is_better=True,
            note=f"{len(single):,} volunteers, one register_volunteer call (transaction) each",
        ),
    ]
