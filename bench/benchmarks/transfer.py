"""transfer: export, verify and import certified entries between two SQLite stores.

Method. Before timing, a source store (Hami) holds ``n`` approved entries of ``n / 1000``
volunteers (1,000 each, one a day, 30 minutes to 8 hours) under the national policy. Timed, each
phase over every volunteer, one transfer (one package) each:

* **export**: request, approve and export (read the volunteer's records, fold, accrue, write and
  sign the chunk files, 10,000 entries a chunk);
* **verify**: verify every package at the destination (schema, canonical bytes, signatures,
  digests, chunk set, totals), writing nothing;
* **import**: ``Transfers.import_package`` into a destination store (Beijing): verify again, read
  the chunks, record the entries through the Ledger, keep their certified credit, approve them,
  compute their credit rows, sign a receipt; one transaction per package.

Baseline, in the same run: the **same rows ingested directly** at the destination, without any
transfer: ``Ledger.record_many`` of the very entries the import records (transferred, pending),
then ``Ledger.approve_many`` of them, into a third SQLite store, one volunteer at a time. The four
timed parts are interleaved volunteer by volunteer so that they see the same machine load.
Figures are entries per second; the ratio is transfer phase / direct ingest. Garbage collection is
frozen and disabled during the timed loop.

Memory: peak traced Python memory (tracemalloc) of the whole export-verify-import pipeline over 4V
volunteers against V volunteers (same 1,000 entries each), and of writing, verifying and reading
one single package of 4N entries against N entries. A ratio near 1 means memory does not grow with
the number of entries.
"""

from __future__ import annotations

import gc
import random
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import attrs

from bench._harness import Figure
from volunteerkit import FixedClock
from volunteerkit.hours import NATIONAL, EntryId, ServiceEntry, Source
from volunteerkit.hours.ledger import Ledger
from volunteerkit.stores import SQLiteStore
from volunteerkit.transfer import (
    Ed25519Signer,
    HmacSigner,
    KeySet,
    Transfers,
    VolunteerRef,
    read_entries,
    verify_package,
    write_package,
)
from volunteerkit.transfer.models import CertifiedDay, PackageHeader, TransferEntry, local_days

NAME = "transfer"

HAMI = "hami.volunteer-cloud"
BEIJING = "bj.volunteer-cloud"
URUMQI = ZoneInfo("Asia/Urumqi")
T0 = datetime(2023, 1, 1, 2, 0, tzinfo=UTC)
NOW = datetime(2026, 11, 28, 1, 0, tzinfo=UTC)
PER_VOLUNTEER = 1000


class _Directory:
    """Volunteers named by a unified volunteer number (the same ids on both sides)."""

    def reference(self, volunteer_id: str) -> VolunteerRef:
        return VolunteerRef(unified_number=f"U{volunteer_id}")

    def match(self, reference: VolunteerRef) -> str | None:
        number = reference.unified_number
        return None if number is None else number[1:]


def _entries(volunteer: int, recorded: datetime) -> Iterator[ServiceEntry]:
    rng = random.Random(volunteer)
    vid = f"v{volunteer:06d}"
    for k in range(PER_VOLUNTEER):
        start = T0 + timedelta(days=k, minutes=rng.randrange(0, 240))
        yield ServiceEntry(
            id=EntryId(origin=HAMI, local_id=f"{vid}-{k:05d}"),
            volunteer_id=vid,
            organization_id=f"org-{volunteer % 50}",
            category=("community", "elderly", "emergency")[k % 3],
            start=start,
            end=start + timedelta(minutes=rng.randrange(30, 480)),
            zone=URUMQI,
            source=Source.ORGANIZATION,
            recorded_by="hami-coordinator",
            recorded_at=recorded,
        )


def _parties(hami_store: Any, beijing_store: Any, clock: FixedClock) -> tuple[Transfers, Transfers]:
    hami_key = HmacSigner("hami-bj-1", b"bench shared secret, 32 bytes ok", party=HAMI)
    beijing_key = Ed25519Signer("bj-ed-1", bytes(range(32)), party=BEIJING)
    hami = Transfers(
        hami_store,
        ledger=Ledger(hami_store, clock=clock, policy=NATIONAL, origin=HAMI),
        clock=clock,
        party=HAMI,
        directory=_Directory(),
        keys=KeySet([beijing_key.trusted()]),
        signer=hami_key,
    )
    beijing = Transfers(
        beijing_store,
        ledger=Ledger(beijing_store, clock=clock, policy=NATIONAL, origin=BEIJING),
        clock=clock,
        party=BEIJING,
        directory=_Directory(),
        keys=KeySet([hami_key.trusted()]),
        signer=beijing_key,
    )
    return hami, beijing


def _populate(store: Any, clock: FixedClock, volunteers: int) -> None:
    ledger = Ledger(store, clock=clock, policy=NATIONAL, origin=HAMI)
    for v in range(volunteers):
        ledger.record_many(_entries(v, clock.now() - timedelta(days=1)), actor="hami-coordinator")


def _pipeline(folder: Path, volunteers: int) -> tuple[float, float, float, float, int]:
    """Populate Hami, then per volunteer time export, verify, import and the direct ingest.

    The four are interleaved volunteer by volunteer, so that they see the same machine load.
    """
    clock = FixedClock(NOW)
    hami_store, beijing_store = SQLiteStore(folder / "hami.db"), SQLiteStore(folder / "bj.db")
    direct_store = SQLiteStore(folder / "direct.db")
    try:
        _populate(hami_store, clock, volunteers)
        clock.advance(timedelta(hours=1))
        hami, beijing = _parties(hami_store, beijing_store, clock)
        direct = Ledger(direct_store, clock=clock, policy=NATIONAL, origin=BEIJING)
        seconds = [0.0, 0.0, 0.0, 0.0]
        imported = 0
        gc.collect()
        gc.freeze()
        gc.disable()
        try:
            for v in range(volunteers):
                out = folder / f"pkg-{v}"
                out.mkdir()
                rows = [
                    attrs.evolve(
                        e, source=Source.TRANSFERRED, recorded_at=clock.now(), recorded_by="bj-admin"
                    )
                    for e in _entries(v, NOW)
                ]
                t0 = time.perf_counter()
                t = hami.request(f"v{v:06d}", destination=BEIJING, consent=f"c-{v}", actor="v")
                hami.approve(t.id, actor="hami-admin")
                files = hami.export(t.id, out, actor="hami-admin").package.files
                t1 = time.perf_counter()
                verified = beijing.verify(files).totals.entries
                t2 = time.perf_counter()
                receipt = beijing.import_package(files, actor="bj-admin").receipt.receipt
                t3 = time.perf_counter()
                direct.record_many(rows, actor="bj-admin")
                direct.approve_many([e.id for e in rows], actor="bj-admin")
                t4 = time.perf_counter()
                for i, (a, b) in enumerate(((t0, t1), (t1, t2), (t2, t3), (t3, t4))):
                    seconds[i] += b - a
                assert verified == receipt.entries_imported == PER_VOLUNTEER
                imported += receipt.entries_imported
        finally:
            gc.enable()
            gc.unfreeze()
        assert beijing_store.transfers.count_entries() == imported == volunteers * PER_VOLUNTEER
        assert direct_store.ledger.count_entries() == imported
        return seconds[0], seconds[1], seconds[2], seconds[3], imported
    finally:
        hami_store.close()
        beijing_store.close()
        direct_store.close()


def _pipeline_peak(folder: Path, volunteers: int) -> int:
    clock = FixedClock(NOW)
    hami_store, beijing_store = SQLiteStore(folder / "hami.db"), SQLiteStore(folder / "bj.db")
    try:
        _populate(hami_store, clock, volunteers)
        clock.advance(timedelta(hours=1))
        hami, beijing = _parties(hami_store, beijing_store, clock)
        gc.collect()
        tracemalloc.start()
        for v in range(volunteers):
            t = hami.request(f"v{v:06d}", destination=BEIJING, consent=f"c-{v}", actor="v")
            hami.approve(t.id, actor="hami-admin")
            out = folder / f"pkg-{v}"
            out.mkdir()
            files = hami.export(t.id, out, actor="hami-admin").package.files
            beijing.import_package(files, actor="bj-admin")
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return peak
    finally:
        hami_store.close()
        beijing_store.close()


def _package_peak(folder: Path, n: int) -> int:
    signer = HmacSigner("hami-bj-1", b"bench shared secret, 32 bytes ok", party=HAMI)
    keys = KeySet([signer])
    header = PackageHeader(
        package_id=f"p{n}", transfer_id="t1", source=HAMI, destination=BEIJING, created_at=NOW,
        volunteer=VolunteerRef(unified_number="U1"), consent="c", policy="national",
    )

    def entries() -> Iterator[TransferEntry]:
        for k in range(n):
            start = T0 + timedelta(days=k % 365, minutes=k % 97)
            end = start + timedelta(minutes=90)
            days = tuple(CertifiedDay(day=d, minutes=90) for d in local_days(start, end, 0, URUMQI))
            yield TransferEntry(
                id=EntryId(origin=HAMI, local_id=f"{k:09d}"), organization_id="org", category="c",
                start=start, end=end, zone=URUMQI, source=Source.ORGANIZATION, recorded_by="r",
                recorded_at=NOW, certified_by="r", certified_at=NOW, credited_minutes=90, days=days,
            )

    gc.collect()
    tracemalloc.start()
    package = write_package(folder, header, entries(), signer=signer)
    verified = verify_package(package.files, keys)
    count = sum(1 for _ in read_entries(verified, keys))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert count == n
    return peak


def run(quick: bool) -> list[Figure]:
    volunteers = 20 if quick else 1000
    n = volunteers * PER_VOLUNTEER
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "run").mkdir()
        export_s, verify_s, import_s, direct_s, imported = _pipeline(folder / "run", volunteers)
        small_v, small_n = (2, 5_000) if quick else (5, 50_000)
        peaks = []
        for k, (v, m) in enumerate(((small_v, small_n), (4 * small_v, 4 * small_n))):
            (folder / f"mem{k}").mkdir()
            (folder / f"pkg{k}").mkdir()
            peaks.append((_pipeline_peak(folder / f"mem{k}", v), _package_peak(folder / f"pkg{k}", m)))
    base = n / direct_s
    mib = 1024 * 1024
    total = export_s + verify_s + import_s
    note = f"{n:,} entries of {volunteers:,} volunteers, one package each"
    return [
        Figure(
            name=NAME,
            value=n / total,
            baseline=base,
            unit="entries/s",
            higher_is_better=True,
            note=(
                f"{note}: export {export_s:.1f} s + verify {verify_s:.1f} s + import {import_s:.1f} s; "
                f"direct record+approve of the same rows {direct_s:.1f} s"
            ),
        ),
        Figure(f"{NAME} (export)", n / export_s, base, "entries/s", True, note),
        Figure(f"{NAME} (verify)", n / verify_s, base, "entries/s", True, note),
        Figure(f"{NAME} (import)", imported / import_s, base, "entries/s", True, note),
        Figure(
            f"{NAME} (peak memory, pipeline)",
            peaks[1][0] / mib,
            peaks[0][0] / mib,
            "MiB",
            False,
            f"export+import of {4 * small_v} volunteers vs {small_v} (1,000 entries each)",
        ),
        Figure(
            f"{NAME} (peak memory, one package)",
            peaks[1][1] / mib,
            peaks[0][1] / mib,
            "MiB",
            False,
            f"write+verify+read one package of {4 * small_n:,} entries vs {small_n:,}",
        ),
    ]
