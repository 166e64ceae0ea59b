"""Demo step: moving a volunteer's certified hours from a Hami store to the Beijing store.

张丽 (the first volunteer of the registry step) served in Hami last summer, in the Beijing–Hami
cooperation, before coming back to Beijing. Hami keeps its own store (a second SQLite file in the
demo's output folder, made fresh on every run) and certifies minutes under the national rule
(whole minutes); the demo's main store is Beijing's, which credits its own records in half hours,
at most 8 hours a day. Both platforms index identity documents under one shared blind-index key.

The step requests the transfer with her consent, approves and exports it in Hami (signed chunk
files, HMAC with a secret the two platforms share), verifies and imports it in Beijing (which
keeps Hami's certified minutes and signs a receipt with its Ed25519 key, or with a second shared
HMAC secret when the optional ``cryptography`` package is not installed), and closes the transfer
in Hami with the receipt. It then shows that a tampered package is refused and nothing written.

Uses ``ctx.data["volunteers"]``, ``ctx.data["keyring"]`` and ``ctx.data["ledger"]`` when earlier
steps left them. Running the demo again on a kept store imports nothing twice.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from volunteerkit._demo._context import DemoContext
from volunteerkit._demo._files import clear_demo_files, mark_demo_database
from volunteerkit._demo.s20_registry import can_encrypt
from volunteerkit._serialization import from_json
from volunteerkit.hours import (
    NATIONAL,
    AccrualPolicy,
    EntryId,
    ServiceEntry,
    Source,
    accrue,
    fold,
    preset,
)
from volunteerkit.hours.ledger import Ledger
from volunteerkit.registry import Keyring, Registry, VolunteerApplication, identity
from volunteerkit.stores import SQLiteStore
from volunteerkit.transfer import (
    Ed25519Signer,
    HmacSigner,
    KeySet,
    PackageRefused,
    RegistryDirectory,
    Transfers,
    load_receipt,
    receipt_bytes,
)

TITLE = "Transferring certified hours from Hami to Beijing"

HAMI = "hami.volunteer-cloud"
BEIJING = "bj.volunteer-cloud"
URUMQI = ZoneInfo("Asia/Urumqi")
_SUMMER = [(2026, 8, 3, 9, 250), (2026, 8, 4, 9, 230), (2026, 8, 5, 8, 540)]


def _secret(label: str) -> bytes:
    """Demo keys derived from labels; a real platform loads random keys from its secret store."""
    return hashlib.sha256(f"volunteerkit demo {label}".encode()).digest()


def _beijing_ledger(ctx: DemoContext) -> Ledger:
    found = ctx.data.get("ledger")
    if isinstance(found, Ledger):
        return found
    stored = ctx.store.ledger.get_setting("policy")
    policy = NATIONAL if stored is None else from_json(stored, AccrualPolicy)
    return Ledger(ctx.store, clock=ctx.clock, policy=policy, origin="demo")


def _beijing_volunteer(ctx: DemoContext, keyring: Keyring, person: VolunteerApplication) -> str:
    volunteers = ctx.data.get("volunteers") or []
    if volunteers:
        return str(volunteers[0])
    registry = Registry(ctx.store, clock=ctx.clock, keyring=keyring)
    return registry.register_volunteer(person, actor="demo").volunteer.id


def _summer_entries(volunteer: str) -> list[ServiceEntry]:
    entries = []
    for year, month, day, hour, minutes in _SUMMER:
        start = datetime(year, month, day, hour, tzinfo=URUMQI)
        entries.append(
            ServiceEntry(
                id=EntryId(origin=HAMI, local_id=f"summer-{year}-{month:02d}-{day:02d}"),
                volunteer_id=volunteer,
                organization_id="hami-youth-volunteers",
                category="community",
                start=start,
                end=start + timedelta(minutes=minutes),
                zone=URUMQI,
                source=Source.ORGANIZATION,
                recorded_by="hami-coordinator",
                recorded_at=start + timedelta(minutes=minutes, hours=2),
                note="Beijing-Hami cooperation: summer programme",
            )
        )
    return entries


def run(ctx: DemoContext) -> None:
    """Export from Hami, verify and import in Beijing, acknowledge in Hami, refuse a tampered copy."""
    out_dir = Path(str(ctx.data.get("out_dir", ".")))
    keyring = ctx.data.get("keyring")
    if not isinstance(keyring, Keyring):
        keyring = Keyring({"demo-i1": _secret("blind-index key")})
    person = VolunteerApplication(
        name="张丽", document=identity.parse("cn_ric", "11010519491231002X")
    )
    beijing_volunteer = _beijing_volunteer(ctx, keyring, person)
    beijing_ledger = _beijing_ledger(ctx)

    hami_db = out_dir / "demo-hami.sqlite"
    # only what an earlier demo wrote (the CLI checked before the demo began)
    clear_demo_files([(hami_db, "--out-dir")], [(out_dir / "demo-transfer", "--out-dir")])
    mark_demo_database(hami_db, option="--out-dir")
    hami_store = SQLiteStore(hami_db)
    try:
        _run(ctx, hami_store, keyring, person, beijing_volunteer, beijing_ledger, out_dir)
    finally:
        hami_store.close()


def _run(
    ctx: DemoContext,
    hami_store: Any,
    keyring: Keyring,
    person: VolunteerApplication,
    beijing_volunteer: str,
    beijing_ledger: Ledger,
    out_dir: Path,
) -> None:
    ctx.say(f"Hami's own store: {hami_store!r}; Beijing's is the demo's store.")
    hami_registry = Registry(hami_store, clock=ctx.clock, keyring=keyring)
    hami_volunteer = hami_registry.register_volunteer(person, actor="hami-demo").volunteer.id
    hami_ledger = Ledger(hami_store, clock=ctx.clock, policy=preset("national"), origin=HAMI)
    entries = _summer_entries(hami_volunteer)
    hami_ledger.record_many(entries, actor="hami-coordinator")
    ctx.show(
        "Hami certifies (national rule, whole minutes)",
        {str(e.id): hami_ledger.state(e.id).status.value for e in entries},
    )
    ctx.show("Hami: credited minutes", hami_ledger.totals(hami_volunteer).credited_minutes)

    hami_key = HmacSigner("hami-bj-demo", _secret("hami-beijing shared secret"), party=HAMI)
    beijing_key: Ed25519Signer | HmacSigner
    if can_encrypt():
        beijing_key = Ed25519Signer("bj-demo-ed1", _secret("beijing ed25519 seed"), party=BEIJING)
    else:
        ctx.say(
            "Without the 'cryptography' package Beijing signs its receipt with HMAC-SHA256 "
            "instead of Ed25519 (the 'crypto' extra: python -m pip install '.[crypto]' in a "
            "checkout)."
        )
        beijing_key = HmacSigner(
            "bj-demo-hmac", _secret("beijing-hami receipt secret"), party=BEIJING
        )
    hami = Transfers(
        hami_store, ledger=hami_ledger, clock=ctx.clock, party=HAMI,
        directory=RegistryDirectory(hami_store), keys=KeySet([beijing_key.trusted()]),
        signer=hami_key,
    )
    beijing = Transfers(
        ctx.store, ledger=beijing_ledger, clock=ctx.clock, party=BEIJING,
        directory=RegistryDirectory(ctx.store), keys=KeySet([hami_key.trusted()]),
        signer=beijing_key,
    )

    transfer = hami.request(
        hami_volunteer, destination=BEIJING, consent="hami-consent-2026-0815", actor="张丽"
    )
    ctx.clock.advance(timedelta(minutes=5))
    hami.approve(transfer.id, actor="hami-admin")
    ctx.clock.advance(timedelta(minutes=5))
    folder = out_dir / "demo-transfer"  # cleared with Hami's store, before anything is written
    folder.mkdir(parents=True)
    exported = hami.export(transfer.id, folder, actor="hami-admin", chunk_size=2)
    ctx.show("package files (chunks of 2 entries)", [Path(f).name for f in exported.package.files])

    ctx.clock.advance(timedelta(hours=1))
    checked = beijing.verify(list(reversed(exported.package.files)))
    ctx.show(
        "Beijing verifies (schema, signatures, chunk set, totals; nothing written)",
        {
            "from": checked.header.source,
            "volunteer": checked.header.volunteer.masked_number,
            "consent": checked.header.consent,
            "entries": checked.totals.entries,
            "certified minutes": checked.totals.credited_minutes,
            "chunks": len(checked.chunks),
        },
    )
    before = beijing_ledger.totals(beijing_volunteer).credited_minutes
    result = beijing.import_package(exported.package.files, actor="bj-records-officer")
    after = beijing_ledger.totals(beijing_volunteer).credited_minutes
    receipt = result.receipt.receipt
    ctx.show(
        "receipt signed by Beijing",
        {
            "outcome": receipt.outcome.value,
            "imported": receipt.entries_imported,
            "already present": receipt.entries_already_present,
            "certified minutes imported": receipt.credited_minutes_imported,
            "signature": f"{result.receipt.signature.algorithm.value} "
            f"{result.receipt.signature.key_id}",
        },
    )
    ctx.show("Beijing: 张丽's credited minutes before and after", [before, after])
    moved = ctx.store.ledger.get_entries([e.id for e in entries])
    ctx.show("recorded in Beijing as", sorted({e.source.value for e in moved.values()}))
    events = ctx.store.ledger.events_of(list(moved))
    states = fold(list(moved.values()), [ev for evs in events.values() for ev in evs], as_of=ctx.clock.now())
    ctx.show(
        f"what Beijing's own rule ({beijing_ledger.policy.name}) would have credited instead",
        accrue(states.entries, beijing_ledger.policy).credited_minutes,
    )

    closed = hami.acknowledge(load_receipt(receipt_bytes(result.receipt)), actor="hami-admin")
    ctx.show("Hami closes the transfer", [step.state.value for step in closed.steps])

    tampered = Path(exported.package.files[0])
    tampered.write_bytes(tampered.read_bytes().replace(b"community", b"communitx", 1))
    counts = ctx.store.ledger.count_entries(), ctx.store.audit.count()
    try:
        beijing.import_package(exported.package.files, actor="bj-records-officer")
        outcome = "imported (unexpected)"
    except PackageRefused as refused:
        outcome = f"refused: {refused.code} at {refused.path}"
    ctx.show("a tampered copy", outcome)
    ctx.show(
        "nothing written by the refusal",
        (ctx.store.ledger.count_entries(), ctx.store.audit.count()) == counts,
    )
