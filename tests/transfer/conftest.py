"""Shared builders for the transfer tests: entries, headers, keys and written packages."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from volunteerkit.hours import EntryId, Source
from volunteerkit.stores import MemoryStore, SQLiteStore
from volunteerkit.testing.conformance_transfer import TransferScenario
from volunteerkit.transfer.models import (
    CertifiedDay,
    PackageHeader,
    TransferEntry,
    VolunteerRef,
    local_days,
)
from volunteerkit.transfer.package import VerifiedPackage, write_package
from volunteerkit.transfer.signing import Ed25519Signer, HmacSigner, KeySet

URUMQI = ZoneInfo("Asia/Urumqi")
T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 07:00 in Urumqi
HAMI = "hami.volunteer-cloud"
BEIJING = "bj.volunteer-cloud"
INDEX = "i1:" + "5a" * 32


def make_entry(
    i: int, *, minutes: int = 180, origin: str = "hami", day: int | None = None
) -> TransferEntry:
    """Entry number ``i``: on day ``day`` (default ``i``) after T0, ``minutes`` long, credited in full."""
    start = T0 + timedelta(days=i if day is None else day)
    end = start + timedelta(minutes=minutes)
    days = [CertifiedDay(day=d, minutes=minutes) for d in local_days(start, end, 0, URUMQI)]
    return TransferEntry(
        id=EntryId(origin=origin, local_id=f"e{i:07d}"),
        organization_id="hami-youth-league",
        category="community",
        start=start,
        end=end,
        zone=URUMQI,
        source=Source.ORGANIZATION,
        recorded_by="coordinator-7",
        recorded_at=end + timedelta(hours=1),
        certified_by="coordinator-7",
        certified_at=end + timedelta(hours=1),
        credited_minutes=minutes,
        days=tuple(days),
    )


def make_header(**changes: object) -> PackageHeader:
    """A header from Hami to Beijing for the volunteer with INDEX."""
    fields: dict[str, object] = {
        "package_id": "0195b7a0-0000-7000-8000-000000000001",
        "transfer_id": "0195b7a0-0000-7000-8000-0000000000aa",
        "source": HAMI,
        "destination": BEIJING,
        "created_at": datetime(2026, 11, 28, 1, 0, tzinfo=UTC),
        "volunteer": VolunteerRef(
            blind_index=INDEX, masked_number="650102********1234", document_scheme="cn_ric"
        ),
        "consent": "consent-2026-0042",
        "policy": "national",
    }
    fields.update(changes)
    return PackageHeader(**fields)  # type: ignore[arg-type]


SECRET = b"shared-secret-hami-beijing-0001!"
OTHER_SECRET = b"another-secret-of-32-bytes-xxxxx"


@pytest.fixture
def hami_signer() -> HmacSigner:
    """Hami's HMAC signer (a secret shared with Beijing)."""
    return HmacSigner("hami-2026", SECRET, party=HAMI)


@pytest.fixture
def keys(hami_signer: HmacSigner) -> KeySet:
    """What Beijing trusts: Hami's shared key."""
    return KeySet([hami_signer])


@pytest.fixture
def ed_signer() -> Ed25519Signer:
    """Hami's Ed25519 signer (a fixed seed, so runs are repeatable)."""
    return Ed25519Signer("hami-ed-1", bytes(range(32)), party=HAMI)


@pytest.fixture
def write(tmp_path: Path, hami_signer: HmacSigner) -> Callable[..., VerifiedPackage]:
    """Write a package of ``n`` entries in chunks of ``chunk_size`` into a fresh folder."""
    counter = iter(range(1000))

    def make(
        n: int = 5, chunk_size: int = 2, signer: object = None, **header: object
    ) -> VerifiedPackage:
        folder = tmp_path / f"pkg{next(counter)}"
        folder.mkdir()
        return write_package(
            folder,
            make_header(**header),
            (make_entry(i) for i in range(n)),
            signer=signer or hami_signer,  # type: ignore[arg-type]
            chunk_size=chunk_size,
        )

    return make


def lines_of(path: str) -> list[bytes]:
    """The lines of a file, each with its newline."""
    return Path(path).read_bytes().splitlines(keepends=True)


def entries_of(items: Iterator[TransferEntry]) -> list[str]:
    """The ids of entries, as text."""
    return [str(e.id) for e in items]


__all__ = [
    "BEIJING",
    "HAMI",
    "INDEX",
    "OTHER_SECRET",
    "SECRET",
    "T0",
    "URUMQI",
    "entries_of",
    "lines_of",
    "make_entry",
    "make_header",
]


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def each_backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TransferScenario]:
    """Hami and Beijing on two fresh stores of one backend, for each backend in turn."""
    stores: list[Any]
    if request.param == "postgres":  # fresh schemas on the session's server
        make = request.getfixturevalue("make_postgres_store")
        stores = [make(), make()]
    elif request.param == "sqlite":
        stores = [SQLiteStore(tmp_path / "hami.db"), SQLiteStore(tmp_path / "bj.db")]
    else:
        stores = [MemoryStore(), MemoryStore()]
    yield TransferScenario(stores[0], stores[1], tmp_path)
    for store in stores:
        store.close()
