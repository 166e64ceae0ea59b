"""Conformance suite of the transfer storage contract, for every store backend.

Subclass the classes with a ``make_store`` fixture (see :mod:`volunteerkit.testing.conformance`)::

    class TestMyStoreTransfers(TransferRepositoryConformance, TransferServiceConformance):
        @pytest.fixture
        def make_store(self, tmp_path): ...

* :class:`TransferRepositoryConformance`: the repository's own contract (records round-trip
  exactly, steps are compare-and-set, replays are no-ops, clashes write nothing, rollbacks leave
  nothing, certified credit by volunteer).
* :class:`TransferServiceConformance`: a whole transfer between two stores of the backend through
  :class:`~volunteerkit.transfer.service.Transfers` (export, verify, import, receipt), with the exact
  totals, idempotent replays, and a refused import that writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import pytest
from hypothesis import HealthCheck, given, settings

from volunteerkit._clock import FixedClock
from volunteerkit.errors import ConflictError, IntegrityError, NotFoundError
from volunteerkit.hours.ledger import Ledger
from volunteerkit.hours.models import EntryId, ServiceEntry, Source
from volunteerkit.hours.policy import BEIJING_UNIVERSITY, NATIONAL
from volunteerkit.testing.conformance import StoreFactory, _Base
from volunteerkit.testing.strategies_transfer import transfers
from volunteerkit.transfer.errors import PackageRefused, TransferStateError
from volunteerkit.transfer.models import (
    Algorithm,
    CertifiedDay,
    Receipt,
    ReceiptOutcome,
    RejectReason,
    Signature,
    SignedReceipt,
)
from volunteerkit.transfer.service import RegistryDirectory, Transfers
from volunteerkit.transfer.signing import Ed25519Signer, HmacSigner, KeySet, receipt_message
from volunteerkit.transfer.store import TransferredEntry, TransferRepository
from volunteerkit.transfer.workflow import (
    Role,
    Transfer,
    TransferState,
    TransferStep,
    advance,
    new_transfer,
)

__all__ = [
    "BEIJING",
    "HAMI",
    "TransferRepositoryConformance",
    "TransferScenario",
    "TransferServiceConformance",
]

_T0 = datetime(2026, 11, 28, 1, 0, tzinfo=UTC)


def _transfer(n: int = 1, *, volunteer: str = "v1", role: Role = Role.SOURCE) -> Transfer:
    facts: dict[str, Any] = {}
    if role is Role.DESTINATION:
        facts = {
            "package_id": f"p{n}",
            "header_digest": "sha256:" + "ab" * 32,
            "entries": 2,
            "credited_minutes": 300,
        }
    return new_transfer(
        transfer_id=f"t{n:04d}",
        role=role,
        volunteer_id=volunteer,
        source="hami.volunteer-cloud",
        destination="bj.volunteer-cloud",
        consent=f"consent-{n}",
        actor="volunteer",
        at=_T0 + timedelta(minutes=n),
        **facts,
    )


def _receipt() -> SignedReceipt:
    return SignedReceipt(
        receipt=Receipt(
            receipt_id="r1",
            transfer_id="t0001",
            package_id="p1",
            header_digest="sha256:" + "ab" * 32,
            source="hami.volunteer-cloud",
            destination="bj.volunteer-cloud",
            outcome=ReceiptOutcome.IMPORTED,
            at=_T0 + timedelta(hours=2),
            entries_received=3,
            entries_imported=2,
            entries_already_present=1,
            entries_flagged=1,
            credited_minutes_imported=300,
            flagged=(EntryId(origin="hami", local_id="e2"),),
        ),
        signature=Signature(algorithm=Algorithm.HMAC_SHA256, key_id="bj-1", value="A" * 44),
    )


def _entry(i: int, *, volunteer: str = "v1", transfer: str = "t0001", minutes: int = 150) -> TransferredEntry:
    return TransferredEntry(
        entry_id=EntryId(origin="hami", local_id=f"e{i:06d}"),
        volunteer_id=volunteer,
        transfer_id=transfer,
        package_id="p1",
        source="hami.volunteer-cloud",
        captured_by=Source.CHECK_IN_OUT,
        certified_by="coordinator",
        certified_at=_T0 - timedelta(days=30),
        source_recorded_at=_T0 - timedelta(days=31),
        credited_minutes=minutes + 30,
        days=(
            CertifiedDay(day=date(2026, 10, 28), minutes=minutes),
            CertifiedDay(day=date(2026, 10, 29), minutes=30),
        ),
        flagged=i % 2 == 1,
        imported_at=_T0 + timedelta(hours=1, microseconds=7),
    )


class TransferRepositoryConformance(_Base):
    """The contract of :class:`~volunteerkit.transfer.store.TransferRepository`."""

    def test_the_store_has_a_transfer_repository(self, store: Any) -> None:
        """``store.transfers`` satisfies the TransferRepository protocol."""
        assert isinstance(store.transfers, TransferRepository)

    def test_transfers_round_trip_exactly(self, store: Any) -> None:
        """A transfer with steps, reason codes and a receipt comes back equal."""
        t = _transfer()
        t = advance(t, TransferStep(state=TransferState.APPROVED, at=_T0 + timedelta(hours=1), actor="a"))
        store.transfers.add(t)
        t2 = advance(
            t,
            TransferStep(
                state=TransferState.EXPORTED,
                at=_T0 + timedelta(hours=1, microseconds=1),
                actor="a",
                package_id="p1",
                header_digest="sha256:" + "ab" * 32,
                entries=3,
                credited_minutes=10**12,
                receipt=_receipt(),
            ),
        )
        store.transfers.append_step(t.id, 2, t2.steps[-1])
        assert store.transfers.get(t.id) == t2
        rejected = advance(
            _transfer(2),
            TransferStep(
                state=TransferState.REJECTED,
                at=_T0 + timedelta(hours=3),
                actor="b",
                reason_code=RejectReason.CONSENT_WITHDRAWN,
                reason="撤回同意",
            ),
        )
        store.transfers.add(rejected)
        assert store.transfers.get("t0002") == rejected

    def test_adding_an_existing_id_is_refused(self, store: Any) -> None:
        """A second transfer under a stored id is refused and the first stays."""
        store.transfers.add(_transfer())
        with pytest.raises(ConflictError) as info:
            store.transfers.add(_transfer(1, volunteer="v2"))
        assert info.value.code == "transfer.exists"
        assert store.transfers.get("t0001") == _transfer()

    def test_unknown_transfers_are_not_found(self, store: Any) -> None:
        """Both get and append_step of an unknown id raise transfer.not_found."""
        with pytest.raises(NotFoundError) as info:
            store.transfers.get("nope")
        assert info.value.code == "transfer.not_found"
        step = TransferStep(state=TransferState.APPROVED, at=_T0, actor="a")
        with pytest.raises(NotFoundError):
            store.transfers.append_step("nope", 1, step)

    @pytest.mark.parametrize("text", ["a\x00b", "\ud800"], ids=["nul", "lone-surrogate"])
    def test_a_lookup_by_text_no_store_can_hold_finds_nothing(self, store: Any, text: str) -> None:
        """Transfer or volunteer ids holding NUL or a lone surrogate find nothing.

        get() and append_step() raise NotFoundError transfer.not_found at $.transfer_id, find()
        gives [], certified_credit() skips the id, as the memory store answered. PostgreSQL
        raised StoreError store.operational for NUL, and both SQL stores InvalidInputError
        store.invalid_text for a surrogate.
        """
        store.transfers.add(_transfer())
        store.transfers.add_entries([_entry(1)])
        step = TransferStep(state=TransferState.APPROVED, at=_T0, actor="a")
        calls: tuple[Callable[[], object], ...] = (
            lambda: store.transfers.get(text),
            lambda: store.transfers.append_step(text, 1, step),
        )
        for call in calls:
            with pytest.raises(NotFoundError) as info:
                call()
            assert (info.value.code, info.value.path) == ("transfer.not_found", "$.transfer_id")
        assert store.transfers.find(volunteer_id=text) == []
        assert store.transfers.certified_credit([text]) == {}
        assert set(store.transfers.certified_credit([text, "v1"])) == {
            EntryId(origin="hami", local_id="e000001")
        }

    def test_steps_are_compare_and_set(self, store: Any) -> None:
        """A step at a taken position is a concurrent update; a gap is refused; neither writes."""
        store.transfers.add(_transfer())
        approve = TransferStep(state=TransferState.APPROVED, at=_T0 + timedelta(hours=1), actor="a")
        reject = TransferStep(
            state=TransferState.REJECTED,
            at=_T0 + timedelta(hours=1),
            actor="b",
            reason_code=RejectReason.OTHER,
        )
        store.transfers.append_step("t0001", 1, approve)
        with pytest.raises(ConflictError) as info:
            store.transfers.append_step("t0001", 1, reject)
        assert info.value.code == "transfer.concurrent_update"
        with pytest.raises(IntegrityError) as gap:
            store.transfers.append_step("t0001", 5, reject)
        assert gap.value.code == "transfer.invalid"
        assert store.transfers.get("t0001").steps[1:] == (approve,)

    def test_a_rolled_back_transaction_leaves_nothing(self, store: Any) -> None:
        """Transfers, steps and entries written in a block that raises are all undone."""
        store.transfers.add(_transfer())
        approve = TransferStep(state=TransferState.APPROVED, at=_T0 + timedelta(hours=1), actor="a")

        def write_then_fail() -> None:
            with store.transaction():
                store.transfers.add(_transfer(2))
                store.transfers.append_step("t0001", 1, approve)
                store.transfers.add_entries([_entry(1), _entry(2)])
                raise RuntimeError("boom")

        with pytest.raises(RuntimeError):
            write_then_fail()
        assert store.transfers.get("t0001") == _transfer()
        with pytest.raises(NotFoundError):
            store.transfers.get("t0002")
        assert store.transfers.count_entries() == 0
        assert store.transfers.certified_credit(["v1"]) == {}

    def test_find_filters_and_orders(self, store: Any) -> None:
        """Finding filters by volunteer, role and current state, ordered by creation then id."""
        store.transfers.add(_transfer(3, volunteer="v1"))
        store.transfers.add(_transfer(1, volunteer="v1"))
        store.transfers.add(_transfer(2, volunteer="v2", role=Role.DESTINATION))
        store.transfers.append_step(
            "t0003", 1, TransferStep(state=TransferState.APPROVED, at=_T0 + timedelta(hours=1), actor="a")
        )
        assert [t.id for t in store.transfers.find()] == ["t0001", "t0002", "t0003"]
        assert [t.id for t in store.transfers.find(volunteer_id="v1")] == ["t0001", "t0003"]
        assert [t.id for t in store.transfers.find(role=Role.DESTINATION)] == ["t0002"]
        assert [t.id for t in store.transfers.find(state=TransferState.APPROVED)] == ["t0003"]
        assert store.transfers.find(volunteer_id="v9") == []

    def test_transferred_entries_round_trip_and_replays_are_no_ops(self, store: Any) -> None:
        """Entries come back equal; writing them again writes nothing."""
        store.transfers.add(_transfer())
        entries = [_entry(i) for i in range(3)]
        assert store.transfers.add_entries(iter(entries)) == 3
        assert store.transfers.add_entries(entries) == 0
        unknown = EntryId(origin="x", local_id="y")
        found = store.transfers.get_entries([e.entry_id for e in entries] + [unknown])
        assert found == {e.entry_id: e for e in entries}
        assert store.transfers.count_entries() == 3

    def test_the_largest_certified_minutes_a_package_holds_round_trip(self, store: Any) -> None:
        """An entry credited the largest integer of the format (2^53 - 1 minutes) comes back equal.

        Packages hold any safe integer, so every backend stores what an import accepts.
        """
        store.transfers.add(_transfer())
        big = attrs.evolve(
            _entry(1, minutes=2**53 - 31),
            credited_minutes=2**53 - 1,
        )
        assert store.transfers.add_entries([big]) == 1
        assert store.transfers.get_entries([big.entry_id]) == {big.entry_id: big}
        assert store.transfers.certified_credit(["v1"]) == {big.entry_id: big.days}

    def test_a_different_entry_under_a_stored_id_writes_nothing(self, store: Any) -> None:
        """A batch with a clashing entry is refused whole: its new entries are not written."""
        store.transfers.add(_transfer())
        store.transfers.add_entries([_entry(1)])
        with pytest.raises(ConflictError) as info:
            store.transfers.add_entries([_entry(2), _entry(1, minutes=151)])
        assert (info.value.code, info.value.path) == ("transfer.entry_conflict", "$.entries[1].entry_id")
        assert store.transfers.count_entries() == 1

    def test_an_entry_of_an_unknown_transfer_writes_nothing(self, store: Any) -> None:
        """A new entry whose transfer is not stored is refused on every backend; nothing is written.

        Memory used to keep it while the SQL stores' foreign key refused it as ``store.integrity``.
        """
        store.transfers.add(_transfer())
        with pytest.raises(NotFoundError) as info:
            store.transfers.add_entries([_entry(1), _entry(2, transfer="t9999")])
        assert (info.value.code, info.value.path) == (
            "transfer.not_found", "$.entries[1].transfer_id"
        )
        assert store.transfers.count_entries() == 0
        assert store.transfers.add_entries([_entry(1)]) == 1

    def test_large_batches_stream_and_stay_atomic(self, store: Any) -> None:
        """More entries than one write batch are all written, and a late clash undoes them all."""
        store.transfers.add(_transfer())
        big = (_entry(i) for i in range(5200))
        assert store.transfers.add_entries(big) == 5200
        clash = [*(_entry(i) for i in range(6000, 11_100)), _entry(3, minutes=1)]
        with pytest.raises(ConflictError):
            store.transfers.add_entries(iter(clash))
        assert store.transfers.count_entries() == 5200

    def test_certified_credit_is_by_volunteer(self, store: Any) -> None:
        """certified_credit returns the certified days of each entry of the volunteers asked for."""
        store.transfers.add(_transfer())
        store.transfers.add_entries([_entry(1), _entry(2, volunteer="v2", minutes=60)])
        assert store.transfers.certified_credit(["v2"]) == {
            EntryId(origin="hami", local_id="e000002"): (
                CertifiedDay(day=date(2026, 10, 28), minutes=60),
                CertifiedDay(day=date(2026, 10, 29), minutes=30),
            )
        }
        assert set(store.transfers.certified_credit(["v1", "v2", "v3"])) == {
            EntryId(origin="hami", local_id="e000001"),
            EntryId(origin="hami", local_id="e000002"),
        }

    @settings(
        max_examples=15,
        deadline=None,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.differing_executors,
        ],
    )
    @given(transfer=transfers())
    def test_any_valid_transfer_round_trips(self, make_store: StoreFactory, transfer: Transfer) -> None:
        """Any transfer the workflow allows is stored and read back equal."""
        store = make_store()
        try:
            store.transfers.add(transfer)
            assert store.transfers.get(transfer.id) == transfer
        finally:
            store.close()


# ------------------------------------------------------------------------------------------------
# a whole transfer between two stores

HAMI = "hami.volunteer-cloud"
"""The source platform of the scenario."""
BEIJING = "bj.volunteer-cloud"
"""The destination platform of the scenario."""

_CST = timezone(timedelta(hours=8))
_URUMQI = ZoneInfo("Asia/Urumqi")
_NOW = datetime(2026, 11, 28, 9, 0, tzinfo=_CST)
_INDEX_KEY = bytes(range(32))
_RIC = "650502199805040125"


class TransferScenario:
    """Two platforms, Hami (source) and Beijing (destination), each with its own store.

    Hami certifies under the ``beijing_university`` preset (half-hour units, 8 h a day); Beijing
    credits under ``national`` (whole minutes), so a transferred entry shows whether its certified
    minutes were kept. Both index identity documents under one shared blind-index key, and the
    same person is registered on both. Hami records three entries for her (100 minutes, 9 hours,
    and 50 minutes) and approves them (certified: 90, 480 and 30 minutes), plus one pending entry.

    Args:
        hami: Hami's store (empty).
        beijing: Beijing's store (empty).
        folder: A folder for package files.
    """

    def __init__(self, hami: Any, beijing: Any, folder: Path) -> None:
        from volunteerkit.registry import identity
        from volunteerkit.registry.privacy import Keyring
        from volunteerkit.registry.service import Registry, VolunteerApplication

        self.clock = FixedClock(_NOW)
        self.transfer_id = ""
        self.hami_store, self.beijing_store, self.folder = hami, beijing, folder
        self.hami_signer = HmacSigner("hami-bj-2026", b"hami-beijing-shared-secret-0001!", party=HAMI)
        self.beijing_signer = Ed25519Signer("bj-ed-1", bytes(range(1, 33)), party=BEIJING)
        keyring = Keyring({"nat-2026": _INDEX_KEY})
        person = VolunteerApplication(name="阿依古丽", document=identity.parse("cn_ric", _RIC))
        self.hami_volunteer = (
            Registry(hami, clock=self.clock, keyring=keyring).register_volunteer(person).volunteer.id
        )
        self.clock.advance(timedelta(seconds=1))
        self.beijing_volunteer = (
            Registry(beijing, clock=self.clock, keyring=keyring).register_volunteer(person).volunteer.id
        )
        self.hami_ledger = Ledger(hami, clock=self.clock, policy=BEIJING_UNIVERSITY, origin=HAMI)
        self.beijing_ledger = Ledger(beijing, clock=self.clock, policy=NATIONAL, origin=BEIJING)
        self.hami = Transfers(
            hami,
            ledger=self.hami_ledger,
            clock=self.clock,
            party=HAMI,
            directory=RegistryDirectory(hami),
            keys=KeySet([self.beijing_signer.trusted()]),
            signer=self.hami_signer,
        )
        self.beijing = Transfers(
            beijing,
            ledger=self.beijing_ledger,
            clock=self.clock,
            party=BEIJING,
            directory=RegistryDirectory(beijing),
            keys=KeySet([self.hami_signer.trusted()]),
            signer=self.beijing_signer,
        )
        self.entries = [
            self.service(1, 9 * 60, 100),
            self.service(2, 8 * 60, 9 * 60),
            self.service(3, 14 * 60, 50),
        ]
        self.hami_ledger.record_many(self.entries, actor="hami-coordinator")
        self.hami_ledger.approve_many([e.id for e in self.entries], actor="hami-coordinator")
        self.hami_ledger.record(self.service(4, 9 * 60, 60), actor="hami-coordinator")
        self.clock.advance(timedelta(minutes=5))

    def service(self, day: int, minute_of_day: int, minutes: int, *, key: str | None = None) -> ServiceEntry:
        """A Hami entry on November ``day``, from ``minute_of_day`` local time, ``minutes`` long."""
        start = datetime(2026, 11, day, tzinfo=_URUMQI) + timedelta(minutes=minute_of_day)
        return ServiceEntry(
            id=EntryId(origin=HAMI, local_id=key or f"2026-11-{day:02d}-{minute_of_day}"),
            volunteer_id=self.hami_volunteer,
            organization_id="hami-youth-league",
            category="community",
            start=start,
            end=start + timedelta(minutes=minutes),
            zone=_URUMQI,
            source=Source.ORGANIZATION,
            recorded_by="hami-coordinator",
            recorded_at=self.clock.now(),
        )

    def export(self, name: str = "out", *, chunk_size: int = 2) -> tuple[str, ...]:
        """Request, approve and export a transfer at Hami; return the chunk files."""
        folder = self.folder / name
        folder.mkdir()
        t = self.hami.request(
            self.hami_volunteer, destination=BEIJING, consent="hami-consent-0042", actor="volunteer"
        )
        self.clock.advance(timedelta(minutes=1))
        self.hami.approve(t.id, actor="hami-admin")
        self.clock.advance(timedelta(minutes=1))
        self.transfer_id = t.id
        files = self.hami.export(t.id, folder, actor="hami-admin", chunk_size=chunk_size).package.files
        self.clock.advance(timedelta(minutes=1))
        return files

    def export_again(self, name: str, *, chunk_size: int = 2) -> tuple[str, ...]:
        """Export the last transfer :meth:`export` started once more (a new package); return its files.

        This is what Hami does when a delivery seems lost: the earlier package stays valid.
        """
        folder = self.folder / name
        folder.mkdir()
        files = self.hami.export(
            self.transfer_id, folder, actor="hami-admin", chunk_size=chunk_size
        ).package.files
        self.clock.advance(timedelta(minutes=1))
        return files

    def package_id(self, files: tuple[str, ...]) -> str:
        """The package id of a package's chunk files."""
        return self.beijing.verify(files).header.package_id

    def hami_trail(self) -> list[tuple[str, str | None]]:
        """Hami's audit entries of the last transfer: (action, package id) in log order."""
        return [
            (e.action, e.details.get("package_id"))
            for e in self.hami_store.audit.query(subject_type="transfer", subject_id=self.transfer_id)
        ]

    def beijing_counts(self) -> tuple[int, int, int, int, int]:
        """What Beijing's store holds: entries, events, transferred entries, transfers, audit."""
        s = self.beijing_store
        return (
            s.ledger.count_entries(),
            s.ledger.count_events(),
            s.transfers.count_entries(),
            len(s.transfers.find()),
            s.audit.count(),
        )


def _sign(scenario: TransferScenario, receipt: Receipt) -> SignedReceipt:
    """A receipt signed with Beijing's key, as a destination that issued it would sign it."""
    return SignedReceipt(
        receipt=receipt, signature=scenario.beijing_signer.sign(receipt_message(receipt))
    )


class TransferServiceConformance:
    """A whole transfer between two stores of the backend, through :class:`Transfers`."""

    @pytest.fixture
    def scenario(self, make_store: StoreFactory, tmp_path: Path) -> Iterator[TransferScenario]:
        """The Hami-to-Beijing scenario on two fresh stores."""
        hami, beijing = make_store(), make_store()
        yield TransferScenario(hami, beijing, tmp_path)
        hami.close()
        beijing.close()

    def test_a_transfer_keeps_the_certified_minutes(self, scenario: TransferScenario) -> None:
        """Beijing credits 600 minutes (Hami's certified 90 + 480 + 30), not its own 690."""
        files = scenario.export()
        result = scenario.beijing.import_package(files, actor="bj-admin")
        receipt = result.receipt.receipt
        assert (receipt.entries_received, receipt.entries_imported) == (3, 3)
        assert receipt.credited_minutes_imported == 600
        assert result.volunteer_id == scenario.beijing_volunteer
        totals = scenario.beijing_ledger.totals(scenario.beijing_volunteer)
        assert (totals.total.raw, totals.total.credited) == (690, 600)
        stored = scenario.beijing_store.ledger.get_entries([e.id for e in scenario.entries])
        assert {e.source for e in stored.values()} == {Source.TRANSFERRED}
        assert {e.volunteer_id for e in stored.values()} == {scenario.beijing_volunteer}
        done = scenario.hami.acknowledge(result.receipt, actor="hami-admin")
        assert [s.state.value for s in done.steps] == [
            "requested", "approved", "exported", "imported", "acknowledged"
        ]
        assert [s.state.value for s in result.transfer.steps] == ["exported", "imported", "acknowledged"]

    def test_importing_again_changes_nothing(self, scenario: TransferScenario) -> None:
        """The same package imported twice is written once and gives the same receipt."""
        files = scenario.export()
        first = scenario.beijing.import_package(files, actor="bj-admin")
        counts = scenario.beijing_counts()
        again = scenario.beijing.import_package(list(reversed(files)), actor="bj-admin")
        assert again.replayed
        assert again.receipt == first.receipt
        assert scenario.beijing_counts() == counts
        assert scenario.beijing_ledger.totals(scenario.beijing_volunteer).total.credited == 600

    def test_a_receipt_for_an_earlier_export_closes_the_transfer(
        self, scenario: TransferScenario
    ) -> None:
        """Export P1, export P2, Beijing imports P1: Hami accepts P1's receipt and closes the transfer.

        Beijing then refuses P2 as already imported, nothing is counted twice on either side, and
        Hami's record and audit log name P1 as the package acknowledged.
        """
        first = scenario.export("one")
        second = scenario.export_again("two")
        p1, p2 = scenario.package_id(first), scenario.package_id(second)
        assert p1 != p2
        result = scenario.beijing.import_package(first, actor="bj-admin")
        done = scenario.hami.acknowledge(result.receipt, actor="hami-admin")
        assert [s.state.value for s in done.steps] == [
            "requested", "approved", "exported", "exported", "imported", "acknowledged"
        ]
        imported = done.steps[-2]
        assert (imported.package_id, imported.entries, imported.credited_minutes) == (p1, 3, 600)
        assert done.receipt == result.receipt
        assert scenario.hami_store.transfers.get(done.id) == done
        counts = scenario.beijing_counts()
        with pytest.raises(TransferStateError) as info:
            scenario.beijing.import_package(second, actor="bj-admin")
        assert (info.value.code, info.value.path) == ("transfer.already_imported", "$.header.package_id")
        assert scenario.beijing_counts() == counts
        assert scenario.beijing_store.ledger.count_entries() == 3
        assert scenario.beijing_ledger.totals(scenario.beijing_volunteer).total.credited == 600
        assert scenario.hami.acknowledge(result.receipt, actor="hami-admin") == done
        assert scenario.hami_trail()[2:4] == [("transfer.export", p1), ("transfer.export", p2)]
        assert sorted(scenario.hami_trail()[4:]) == [
            ("transfer.acknowledge", p1), ("transfer.imported", p1)
        ]

    def test_a_receipt_for_another_export_after_closing_changes_nothing(
        self, scenario: TransferScenario
    ) -> None:
        """A signed receipt for P2 arriving after P1's was acknowledged is refused, writing nothing.

        Beijing never signs both (it refuses the second package); a receipt for P2 from a
        restored or second Beijing store must not add a second import to Hami's record.
        """
        first = scenario.export("one")
        second = scenario.export_again("two")
        result = scenario.beijing.import_package(first, actor="bj-admin")
        done = scenario.hami.acknowledge(result.receipt, actor="hami-admin")
        trail = scenario.hami_trail()
        late = _sign(
            scenario,
            attrs.evolve(
                result.receipt.receipt,
                receipt_id="0195b7a0-0000-7000-8000-0000000000f2",
                package_id=scenario.package_id(second),
                header_digest=scenario.beijing.verify(second).header_digest,
            ),
        )
        with pytest.raises(TransferStateError) as info:
            scenario.hami.acknowledge(late, actor="hami-admin")
        assert (info.value.code, info.value.path) == ("transfer.already_closed", "$.receipt.package_id")
        assert scenario.hami_store.transfers.get(done.id) == done
        assert scenario.hami_trail() == trail

    def test_a_rejection_of_an_earlier_export_closes_the_transfer(
        self, scenario: TransferScenario
    ) -> None:
        """Beijing rejects P1 after Hami exported P2: Hami records the rejection, naming P1.

        Beijing then neither imports P2 nor answers it with P1's rejection.
        """
        first = scenario.export("one")
        second = scenario.export_again("two")
        p1 = scenario.package_id(first)
        signed = scenario.beijing.reject_package(
            first, actor="bj-admin", reason_code=RejectReason.POLICY_REFUSED
        )
        closed = scenario.hami.acknowledge(signed, actor="hami-admin")
        assert (closed.state, closed.reason_code) == (TransferState.REJECTED, RejectReason.POLICY_REFUSED)
        assert (closed.steps[-1].package_id, closed.steps[-1].receipt) == (p1, signed)
        assert scenario.hami_store.transfers.get(closed.id) == closed
        assert scenario.hami.acknowledge(signed, actor="hami-admin") == closed
        counts = scenario.beijing_counts()
        with pytest.raises(TransferStateError) as info:
            scenario.beijing.reject_package(second, actor="bj-admin", reason_code=RejectReason.OTHER)
        assert (info.value.code, info.value.path) == ("transfer.already_rejected", "$.header.package_id")
        with pytest.raises(TransferStateError) as again:
            scenario.beijing.import_package(second, actor="bj-admin")
        assert (again.value.code, again.value.path) == ("transfer.already_rejected", "$.header.package_id")
        assert scenario.beijing.reject_package(
            first, actor="bj-admin", reason_code=RejectReason.OTHER
        ) == signed
        assert scenario.beijing_counts() == counts
        assert scenario.beijing_store.ledger.count_entries() == 0

    def test_a_refused_import_writes_nothing(self, scenario: TransferScenario) -> None:
        """A package missing a chunk is refused before anything is written."""
        files = scenario.export()
        before = scenario.beijing_counts()
        with pytest.raises(PackageRefused) as info:
            scenario.beijing.import_package(files[:-1], actor="bj-admin")
        assert info.value.code == "transfer.chunk_missing"
        assert scenario.beijing_counts() == before
