"""Transfers between two stores: the workflow, import rules, and every tampering refused."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import attrs
import pytest

from volunteerkit import FixedClock
from volunteerkit.hours import Source
from volunteerkit.hours.policy import NATIONAL
from volunteerkit.registry import identity
from volunteerkit.registry.privacy import Keyring
from volunteerkit.registry.service import Registry, VolunteerApplication
from volunteerkit.stores import MemoryStore
from volunteerkit.testing.conformance_transfer import BEIJING, HAMI, TransferScenario
from volunteerkit.transfer.errors import (
    PackageRefused,
    TransferInputError,
    TransferStateError,
    VolunteerNotMatched,
)
from volunteerkit.transfer.models import ReceiptOutcome, RejectReason, SignedReceipt
from volunteerkit.transfer.service import OverlapPolicy, RegistryDirectory, Transfers
from volunteerkit.transfer.signing import HmacSigner, KeySet, receipt_message
from volunteerkit.transfer.workflow import TransferState

from .conftest import lines_of


@pytest.fixture
def s(tmp_path: Path) -> TransferScenario:
    """Hami and Beijing on memory stores."""
    return TransferScenario(MemoryStore(), MemoryStore(), tmp_path)


def _refused(s: TransferScenario, files, **kw) -> PackageRefused | VolunteerNotMatched:
    """Import must fail, and leave Beijing's store exactly as it was."""
    before = s.beijing_counts()
    with pytest.raises((PackageRefused, VolunteerNotMatched)) as info:
        s.beijing.import_package(files, actor="bj-admin", **kw)
    assert s.beijing_counts() == before
    return info.value


def _flip(path: str, needle: bytes, replacement: bytes) -> None:
    data = Path(path).read_bytes()
    assert data.count(needle) >= 1
    Path(path).write_bytes(data.replace(needle, replacement, 1))


# ---------------------------------------------------------------------------------- the workflow


def test_every_step_is_recorded_and_audited(s):
    """Request, approval, export, import and receipt each leave a step and an audit entry."""
    files = s.export(chunk_size=2)
    assert len(files) == 2
    result = s.beijing.import_package(files, actor="bj-admin")
    done = s.hami.acknowledge(result.receipt, actor="hami-admin")
    hami_trail = [
        e.action for e in s.hami_store.audit.query(subject_type="transfer", subject_id=done.id)
    ]
    assert hami_trail[:3] == ["transfer.request", "transfer.approve", "transfer.export"]
    # the receipt records two steps at one instant: the audit log orders them by id only
    assert sorted(hami_trail[3:]) == ["transfer.acknowledge", "transfer.imported"]
    bj_trail = [
        e.action for e in s.beijing_store.audit.query(subject_type="transfer", subject_id=done.id)
    ]
    # Beijing takes its three steps at one instant (one import), so only the set is ordered by step
    assert sorted(bj_trail) == ["transfer.acknowledge", "transfer.import", "transfer.receive"]
    assert [st.state.value for st in result.transfer.steps] == ["exported", "imported", "acknowledged"]
    export = next(
        e for e in s.hami_store.audit.query(subject_type="transfer") if e.action == "transfer.export"
    )
    assert (export.details["entries"], export.details["credited_minutes"]) == ("3", "600")
    assert s.hami_store.transfers.get(done.id).state is TransferState.ACKNOWLEDGED


def test_only_approved_entries_travel_with_their_corrected_times(s):
    """Pending and voided entries stay; a corrected entry travels with its new times."""
    first, second, third = s.entries
    s.hami_ledger.void(third.id, actor="hami-admin", reason="recorded twice")
    earlier = first.end - timedelta(minutes=10)
    s.hami_ledger.correct(first.id, actor="hami-admin", reason="left early", end=earlier)
    files = s.export(chunk_size=10)
    lines = [json.loads(x) for x in lines_of(files[0])[1:-1]]
    assert [x["id"] for x in lines] == [str(first.id), str(second.id)]
    assert lines[0]["end"] == (first.end - timedelta(minutes=10)).isoformat()
    assert (lines[0]["credited_minutes"], lines[1]["credited_minutes"]) == (90, 480)
    assert lines[0]["certified_by"] == "hami-coordinator"


def test_the_source_rejects_with_a_reason_code(s):
    """A requested transfer rejected by the source cannot be exported afterwards."""
    t = s.hami.request(s.hami_volunteer, destination=BEIJING, consent="c-1", actor="volunteer")
    rejected = s.hami.reject(
        t.id, actor="hami-admin", reason_code=RejectReason.RECORDS_DISPUTED, reason="复核中"
    )
    assert (rejected.state, rejected.reason_code) == (TransferState.REJECTED, RejectReason.RECORDS_DISPUTED)
    with pytest.raises(TransferStateError) as info:
        s.hami.export(t.id, s.folder, actor="hami-admin")
    assert info.value.code == "transfer.invalid_transition"
    with pytest.raises(TransferStateError) as again:
        s.hami.approve(t.id, actor="hami-admin")
    assert (again.value.code, again.value.path) == ("transfer.invalid_transition", "$.state")


@pytest.mark.parametrize("consent", ["consent\x00-7", "conse\u0301nt-7"])
def test_a_consent_a_package_cannot_carry_is_refused_at_the_request(s, consent):
    """A consent reference with NUL or not in NFC is refused when requested, not at export."""
    before = (len(s.hami_store.transfers.find()), s.hami_store.audit.count())
    with pytest.raises(TransferInputError) as info:
        s.hami.request(s.hami_volunteer, destination=BEIJING, consent=consent, actor="volunteer")
    assert (info.value.code, info.value.path) == ("transfer.invalid", "$.consent")
    assert (len(s.hami_store.transfers.find()), s.hami_store.audit.count()) == before


def test_export_needs_approval_first(s):
    """A transfer that is only requested cannot be exported, and nothing is written."""
    t = s.hami.request(s.hami_volunteer, destination=BEIJING, consent="c-1", actor="volunteer")
    with pytest.raises(TransferStateError) as info:
        s.hami.export(t.id, s.folder, actor="hami-admin")
    assert info.value.message.endswith("(requested -> exported)")
    assert not list(s.folder.glob("*.jsonl"))


# ---------------------------------------------------------------------------------- certified minutes


def test_certified_minutes_survive_later_local_records(s):
    """A later local entry makes Beijing recompute the volunteer's credit; the certified stay."""
    s.beijing.import_package(s.export(), actor="bj-admin")
    local = attrs.evolve(
        s.service(20, 9 * 60, 100, key="bj-local"),
        volunteer_id=s.beijing_volunteer,
        source=Source.ORGANIZATION,
        id=attrs.evolve(s.entries[0].id, origin=BEIJING),
    )
    s.beijing_ledger.record(local, actor="bj-admin")
    assert s.beijing_ledger.totals(s.beijing_volunteer).total.credited == 600 + 100


def test_a_chained_transfer_keeps_the_first_certification(s, tmp_path):
    """Beijing passes the records on to Shanghai: Hami's certified minutes still hold."""
    s.beijing.import_package(s.export(), actor="bj-admin")
    shanghai_store = MemoryStore()
    sh_signer = HmacSigner("sh-1", b"shanghai-beijing-shared-secret-1", party="sh.volunteer")
    keyring = Keyring({"nat-2026": bytes(range(32))})
    person = VolunteerApplication(name="阿依古丽", document=identity.parse("cn_ric", "650502199805040125"))
    registry = Registry(shanghai_store, clock=s.clock, keyring=keyring)
    sh_volunteer = registry.register_volunteer(person).volunteer.id
    from volunteerkit.hours.ledger import Ledger

    sh_ledger = Ledger(shanghai_store, clock=s.clock, policy=NATIONAL, origin="sh.volunteer")
    sh = Transfers(
        shanghai_store, ledger=sh_ledger, clock=s.clock, party="sh.volunteer",
        directory=RegistryDirectory(shanghai_store), keys=KeySet([s.beijing_signer.trusted()]),
        signer=sh_signer,
    )
    t = s.beijing.request(s.beijing_volunteer, destination="sh.volunteer", consent="bj-c-9", actor="v")
    s.beijing.approve(t.id, actor="bj-admin")
    folder = tmp_path / "to-shanghai"
    folder.mkdir()
    package = s.beijing.export(t.id, folder, actor="bj-admin").package
    assert package.totals.credited_minutes == 600
    sh.import_package(package.files, actor="sh-admin")
    assert sh_ledger.totals(sh_volunteer).total.credited == 600


# ---------------------------------------------------------------------------------- idempotence and overlap


def test_overlapping_packages_never_count_an_entry_twice(s):
    """A second transfer carrying the same entries plus a new one adds only the new one."""
    first = s.beijing.import_package(s.export("one"), actor="bj-admin")
    s.hami.acknowledge(first.receipt, actor="hami-admin")
    extra = s.service(5, 10 * 60, 60)
    s.hami_ledger.record(extra, actor="hami-coordinator")
    s.hami_ledger.approve(extra.id, actor="hami-coordinator")
    second = s.beijing.import_package(s.export("two"), actor="bj-admin")
    r = second.receipt.receipt
    assert (r.entries_received, r.entries_imported, r.entries_already_present) == (4, 1, 3)
    assert r.credited_minutes_imported == 60
    assert s.beijing_ledger.totals(s.beijing_volunteer).total.credited == 660
    assert s.beijing_store.ledger.count_entries() == 4


def _local(s, day: int, minute: int, minutes: int):
    entry = s.service(day, minute, minutes, key=f"bj-{day}")
    return attrs.evolve(entry, id=attrs.evolve(entry.id, origin=BEIJING), volunteer_id=s.beijing_volunteer)


def test_overlaps_are_kept_and_flagged_by_default(s):
    """An entry overlapping a local entry is imported and flagged on the receipt and record."""
    s.beijing_ledger.record(_local(s, 1, 10 * 60, 60), actor="bj-admin")
    result = s.beijing.import_package(s.export(), actor="bj-admin")
    r = result.receipt.receipt
    assert r.flagged == (s.entries[0].id,) and r.entries_flagged == 1
    assert r.entries_imported == 3
    assert s.beijing_store.transfers.get_entries([s.entries[0].id])[s.entries[0].id].flagged


def test_overlaps_can_be_skipped(s):
    """With the skip policy the overlapping entry is not imported and is listed as skipped."""
    s.beijing_ledger.record(_local(s, 2, 16 * 60, 30), actor="bj-admin")
    result = s.beijing.import_package(s.export(), actor="bj-admin", overlap=OverlapPolicy.SKIP)
    r = result.receipt.receipt
    assert r.skipped == (s.entries[1].id,)
    assert (r.entries_imported, r.entries_skipped, r.credited_minutes_imported) == (2, 1, 120)
    assert s.beijing_store.ledger.get_entries([s.entries[1].id]) == {}


def test_back_to_back_entries_do_not_overlap(s):
    """A local entry ending exactly when a transferred one starts is no overlap."""
    s.beijing_ledger.record(_local(s, 1, 8 * 60, 60), actor="bj-admin")
    r = s.beijing.import_package(s.export(), actor="bj-admin").receipt.receipt
    assert r.flagged == ()


# ---------------------------------------------------------------------------------- tampering


def test_a_flipped_byte_in_an_entry_is_refused(s):
    """Changing one character of an entry line: digest mismatch, nothing written."""
    files = s.export(chunk_size=3)
    _flip(files[0], b'"community"', b'"communitx"')
    assert _refused(s, files).code == "transfer.digest_mismatch"


def test_a_flipped_byte_in_the_signature_is_refused(s):
    """Changing one character of the seal's signature value: bad signature, nothing written."""
    files = s.export(chunk_size=3)
    seal = lines_of(files[0])[-1]
    value = json.loads(seal)["signature"]["value"]
    changed = ("B" if value[0] != "B" else "C") + value[1:]
    _flip(files[0], value.encode(), changed.encode())
    assert _refused(s, files).code == "transfer.signature_invalid"


def test_a_wrong_key_is_refused(s):
    """A package signed with another secret under Hami's key id is refused."""
    s.hami._signer = HmacSigner("hami-bj-2026", b"not-the-shared-secret-at-all-000", party=HAMI)
    assert _refused(s, s.export()).code == "transfer.signature_invalid"


def test_an_unknown_key_is_refused(s):
    """A package signed by a key Beijing does not trust is refused."""
    s.hami._signer = HmacSigner("hami-2099", b"hami-beijing-shared-secret-0001!", party=HAMI)
    assert _refused(s, s.export()).code == "transfer.unknown_key"


def test_a_replayed_package_for_another_volunteer_is_refused(s):
    """A package for one volunteer imported as another volunteer's transfer is refused."""
    other = Registry(s.beijing_store, clock=s.clock, keyring=Keyring({"nat-2026": bytes(range(32))}))
    someone = other.register_volunteer(
        VolunteerApplication(name="张伟", document=identity.parse("cn_ric", "11010519491231002X"))
    ).volunteer.id
    error = _refused(s, s.export(), volunteer_id=someone)
    assert (error.code, error.path) == ("transfer.volunteer_mismatch", "$.header.volunteer")


def test_a_truncated_file_is_refused(s):
    """A chunk file cut in the middle is refused as truncated, nothing written."""
    files = s.export(chunk_size=3)
    data = Path(files[0]).read_bytes()
    Path(files[0]).write_bytes(data[: len(data) // 2])
    assert _refused(s, files).code == "transfer.truncated"


def test_a_missing_chunk_is_refused(s):
    """One chunk of two is not a package."""
    files = s.export(chunk_size=2)
    assert _refused(s, files[1:]).code == "transfer.chunk_missing"


def test_a_duplicated_chunk_is_refused(s, tmp_path):
    """A chunk delivered twice is refused."""
    files = s.export(chunk_size=2)
    copy = tmp_path / "again.jsonl"
    shutil.copy(files[0], copy)
    assert _refused(s, [*files, str(copy)]).code == "transfer.chunk_duplicate"


def test_altered_totals_are_refused(s):
    """Totals changed in a head line no longer match the signature."""
    files = s.export(chunk_size=3)
    _flip(files[0], b'"credited_minutes":600', b'"credited_minutes":900')
    assert _refused(s, files).code == "transfer.signature_invalid"


def test_a_package_for_another_platform_is_refused(s):
    """Guangzhou's package is refused by Beijing."""
    t = s.hami.request(s.hami_volunteer, destination="gz.volunteer", consent="c", actor="v")
    s.hami.approve(t.id, actor="hami-admin")
    files = s.hami.export(t.id, s.folder, actor="hami-admin").package.files
    assert _refused(s, files).code == "transfer.wrong_destination"


def test_an_unknown_volunteer_is_refused(s):
    """Without a matching volunteer at Beijing, nothing is imported."""
    files = s.export()
    s.beijing.__init__(  # type: ignore[misc]
        s.beijing_store, ledger=s.beijing_ledger, clock=s.clock, party=BEIJING,
        directory=RegistryDirectory(MemoryStore()), keys=KeySet([s.hami_signer.trusted()]),
        signer=s.beijing_signer,
    )
    assert _refused(s, files).code == "transfer.volunteer_not_found"


# ---------------------------------------------------------------------------------- matching


def test_volunteers_match_by_unified_number(s):
    """Without a shared blind-index key, a unified volunteer number matches."""
    numbers = {s.hami_volunteer: "CN-2026-0000042"}
    s.hami._directory = RegistryDirectory(s.hami_store, unified_number_of=numbers.get)
    files = s.export()
    header = json.loads(lines_of(files[0])[0])["header"]
    assert header["volunteer"]["unified_number"] == "CN-2026-0000042"
    assert header["volunteer"]["masked_number"] == "650502********0125"
    mine = {"CN-2026-0000042": s.beijing_volunteer}
    s.beijing._directory = RegistryDirectory(s.beijing_store, by_unified_number=mine.get)
    s.beijing_store.volunteers.find_by_index = lambda _candidates: None  # no shared index key
    assert s.beijing.import_package(files, actor="bj-admin").volunteer_id == s.beijing_volunteer


def test_index_and_unified_number_must_agree(s):
    """A reference whose index and unified number name two people is refused."""
    s.hami._directory = RegistryDirectory(s.hami_store, unified_number_of=lambda _v: "CN-1")
    files = s.export()
    other = Registry(s.beijing_store, clock=s.clock, keyring=Keyring({"nat-2026": bytes(range(32))}))
    someone = other.register_volunteer(
        VolunteerApplication(name="张伟", document=identity.parse("cn_ric", "11010519491231002X"))
    ).volunteer.id
    s.beijing._directory = RegistryDirectory(s.beijing_store, by_unified_number=lambda _n: someone)
    assert _refused(s, files).code == "transfer.volunteer_mismatch"


def test_a_package_whose_reference_names_two_people_can_be_rejected(s):
    """Beijing can answer volunteer_mismatch for a package whose index and number disagree."""
    s.hami._directory = RegistryDirectory(s.hami_store, unified_number_of=lambda _v: "CN-1")
    files = s.export()
    other = Registry(s.beijing_store, clock=s.clock, keyring=Keyring({"nat-2026": bytes(range(32))}))
    someone = other.register_volunteer(
        VolunteerApplication(name="张伟", document=identity.parse("cn_ric", "11010519491231002X"))
    ).volunteer.id
    s.beijing._directory = RegistryDirectory(s.beijing_store, by_unified_number=lambda _n: someone)
    signed = s.beijing.reject_package(
        files, actor="bj-admin", reason_code=RejectReason.VOLUNTEER_MISMATCH
    )
    assert signed.receipt.reason_code is RejectReason.VOLUNTEER_MISMATCH
    assert s.beijing_store.ledger.count_entries() == 0
    closed = s.hami.acknowledge(signed, actor="hami-admin")
    assert (closed.state, closed.reason_code) == (
        TransferState.REJECTED,
        RejectReason.VOLUNTEER_MISMATCH,
    )


# ---------------------------------------------------------------------------------- receipts


def test_a_tampered_receipt_is_refused(s):
    """A receipt whose counts were changed does not verify at the source."""
    result = s.beijing.import_package(s.export(), actor="bj-admin")
    forged = attrs.evolve(
        result.receipt, receipt=attrs.evolve(result.receipt.receipt, credited_minutes_imported=6000)
    )
    with pytest.raises(PackageRefused) as info:
        s.hami.acknowledge(forged, actor="hami-admin")
    assert info.value.code == "transfer.signature_invalid"


def test_a_receipt_for_an_earlier_export_closes_the_transfer(s):
    """A valid receipt of the first package closes a transfer exported again since (not stuck)."""
    first = s.beijing.import_package(s.export("one"), actor="bj-admin")
    t = s.hami_store.transfers.get(first.transfer.id)
    assert t.state is TransferState.EXPORTED
    s.clock.advance(timedelta(minutes=1))
    again = s.hami.export(t.id, s.folder / "one", actor="hami-admin")  # a new package, P2
    assert again.package.header.package_id != first.receipt.receipt.package_id
    done = s.hami.acknowledge(first.receipt, actor="hami-admin")
    assert done.state is TransferState.ACKNOWLEDGED
    assert [x.package_id for x in done.exports] == [
        first.receipt.receipt.package_id, again.package.header.package_id
    ]
    assert done.steps[-2].package_id == first.receipt.receipt.package_id


def _resigned(s, signed, **changes):
    """The receipt with ``changes``, correctly signed again by Beijing (authentic but wrong)."""
    receipt = attrs.evolve(signed.receipt, **changes)
    return SignedReceipt(receipt=receipt, signature=s.beijing_signer.sign(receipt_message(receipt)))


def _mismatch(s, signed) -> str:
    """Hami must refuse the receipt as a mismatch and write nothing; return the error's path."""
    before = s.hami_store.transfers.get(s.transfer_id), s.hami_store.audit.count()
    with pytest.raises(PackageRefused) as info:
        s.hami.acknowledge(signed, actor="hami-admin")
    assert info.value.code == "transfer.receipt_mismatch"
    assert (info.value.message, info.value.message_zh) == (
        "the receipt does not answer a package this transfer exported",
        "回执与该转移导出的任何转移包均不符",
    )
    assert (s.hami_store.transfers.get(s.transfer_id), s.hami_store.audit.count()) == before
    return info.value.path


def test_a_receipt_for_a_package_of_another_transfer_is_refused(s):
    """A signed receipt naming this transfer but another transfer's package is refused."""
    other = s.beijing.import_package(s.export("one"), actor="bj-admin").receipt
    s.export("two")  # the transfer the forged receipt names
    forged = _resigned(s, other, transfer_id=s.transfer_id)
    assert _mismatch(s, forged) == "$.receipt.package_id"


@pytest.mark.parametrize(
    ("changes", "path"),
    [
        ({"header_digest": "sha256:" + "00" * 32}, "$.receipt.header_digest"),
        ({"source": "sh.volunteer-cloud"}, "$.receipt.source"),
        ({"entries_received": 4, "entries_already_present": 1}, "$.receipt.entries_received"),
        ({"credited_minutes_imported": 601}, "$.receipt.credited_minutes_imported"),
    ],
)
def test_a_receipt_that_does_not_match_the_export_is_refused(s, changes, path):
    """A correctly signed receipt whose digest, parties or counts differ from the export is refused."""
    result = s.beijing.import_package(s.export(), actor="bj-admin")
    assert _mismatch(s, _resigned(s, result.receipt, **changes)) == path
    assert s.hami.acknowledge(result.receipt, actor="hami-admin").state is TransferState.ACKNOWLEDGED


def test_a_rejection_that_claims_imports_is_refused(s):
    """A signed rejection that also reports imported entries does not match any answer Beijing gives."""
    signed = s.beijing.reject_package(s.export(), actor="bj-admin", reason_code=RejectReason.OTHER)
    forged = _resigned(
        s, signed, entries_imported=3, credited_minutes_imported=600
    )
    assert _mismatch(s, forged) == "$.receipt.entries_imported"


def test_a_receipt_after_the_source_rejected_is_refused(s):
    """Hami rejected the exported transfer itself; Beijing's later receipt cannot reopen it."""
    files = s.export()
    s.hami.reject(s.transfer_id, actor="hami-admin", reason_code=RejectReason.CONSENT_WITHDRAWN)
    result = s.beijing.import_package(files, actor="bj-admin")
    with pytest.raises(TransferStateError) as info:
        s.hami.acknowledge(result.receipt, actor="hami-admin")
    assert info.value.code == "transfer.invalid_transition"
    assert s.hami_store.transfers.get(s.transfer_id).state is TransferState.REJECTED


def test_a_different_receipt_for_the_acknowledged_package_is_refused(s):
    """A second, different receipt for the package already acknowledged changes nothing."""
    result = s.beijing.import_package(s.export(), actor="bj-admin")
    done = s.hami.acknowledge(result.receipt, actor="hami-admin")
    other = _resigned(
        s, result.receipt, receipt_id="0195b7a0-0000-7000-8000-0000000000f3"
    )
    with pytest.raises(TransferStateError) as info:
        s.hami.acknowledge(other, actor="hami-admin")
    assert (info.value.code, info.value.path) == ("transfer.already_closed", "$.receipt.package_id")
    pid = result.receipt.receipt.package_id
    assert (info.value.message, info.value.message_zh) == (
        f"the transfer was already closed by another receipt (package {pid})",
        f"该转移已由另一份回执关闭(package {pid})",
    )
    assert s.hami_store.transfers.get(done.id) == done


def test_a_rejection_receipt_closes_the_transfer(s):
    """Beijing rejects an authentic package; Hami records the rejection with Beijing's code."""
    files = s.export()
    signed = s.beijing.reject_package(
        files, actor="bj-admin", reason_code=RejectReason.POLICY_REFUSED, reason="需线下核实"
    )
    assert signed.receipt.outcome is ReceiptOutcome.REJECTED
    assert s.beijing_store.ledger.count_entries() == 0
    closed = s.hami.acknowledge(signed, actor="hami-admin")
    assert (closed.state, closed.reason_code) == (TransferState.REJECTED, RejectReason.POLICY_REFUSED)
    with pytest.raises(TransferStateError) as info:
        s.beijing.import_package(files, actor="bj-admin")
    assert info.value.code == "transfer.invalid_transition"
    assert s.beijing.reject_package(files, actor="x", reason_code=RejectReason.OTHER) == signed


def test_acknowledging_twice_changes_nothing(s):
    """The same receipt given twice leaves the transfer as the first time."""
    result = s.beijing.import_package(s.export(), actor="bj-admin")
    once = s.hami.acknowledge(result.receipt, actor="hami-admin")
    assert s.hami.acknowledge(result.receipt, actor="hami-admin") == once


def test_a_passport_holder_is_referenced_with_a_masked_machine_readable_zone():
    """The reference of a volunteer registered with a passport MRZ fits the format and matches."""
    store = MemoryStore()
    mrz = "P<CHNZHANG<<SAN<<<<<<<<<<<<<<<<<<<<<<<<<<<<<\nEA12345676CHN9001011M3001019<<<<<<<<<<<<<<04"
    clock = FixedClock(datetime(2026, 11, 28, tzinfo=UTC))
    registry = Registry(store, clock=clock, keyring=Keyring({"nat-2026": bytes(range(32))}))
    vid = registry.register_volunteer(
        VolunteerApplication(name="ZHANG SAN", document=identity.parse("icao_td3_mrz", mrz))
    ).volunteer.id
    ref = RegistryDirectory(store).reference(vid)
    assert ref.document_scheme == "icao_td3_mrz"
    assert ref.masked_number is not None
    assert "EA1234567" not in ref.masked_number
    assert RegistryDirectory(store).match(ref) == vid
