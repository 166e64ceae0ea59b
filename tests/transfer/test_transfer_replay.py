"""A package the destination answered before, given again: the same answer, or a refusal.

Before, a replay matched the volunteer again before looking at the stored transfer, so a package
imported for a volunteer who was anonymised since was refused (``transfer.volunteer_not_found``)
instead of getting its receipt back; and "the same package" meant only the same package id, so
another package of the transfer carrying that id was answered with the stored receipt. Importing
a package after rejecting another package of its transfer gave ``transfer.invalid_transition``
where the documentation says ``transfer.already_rejected``.
"""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Any

import attrs
import pytest

from volunteerkit.registry.privacy import Keyring
from volunteerkit.registry.service import Registry
from volunteerkit.stores import MemoryStore
from volunteerkit.testing.conformance_transfer import TransferScenario
from volunteerkit.transfer.errors import TransferStateError
from volunteerkit.transfer.models import RejectReason
from volunteerkit.transfer.package import read_entries, write_package
from volunteerkit.transfer.service import RegistryDirectory

_folders = itertools.count()


@pytest.fixture
def s(each_backend: TransferScenario) -> TransferScenario:
    """Hami and Beijing on two fresh stores of one backend (see conftest's each_backend)."""
    return each_backend


def _same_id_other_contents(
    s: TransferScenario, files: tuple[str, ...], change: str
) -> tuple[str, ...]:
    """Another package of the transfer, signed by Hami, carrying the package id of ``files``.

    ``change`` is ``"header"`` (a later creation instant: another header digest, same totals) or
    ``"entries"`` (the same header without its last entry: other totals).
    """
    package = s.beijing.verify(files)
    header, entries = package.header, list(read_entries(package, s.beijing._keys))
    if change == "header":
        header = attrs.evolve(header, created_at=header.created_at + timedelta(minutes=5))
    else:
        entries = entries[:-1]
    folder = s.folder / f"forged-{next(_folders)}"
    folder.mkdir()
    return write_package(folder, header, entries, signer=s.hami_signer).files


def test_a_package_imported_before_replays_after_its_volunteer_was_anonymised(s):
    """The replay returns the first receipt, writes nothing, and matches no volunteer.

    Anonymising Beijing's record erases the blind index the package's reference matched.
    """
    files = s.export()
    first = s.beijing.import_package(files, actor="bj-admin")
    keyring = Keyring({"nat-2026": bytes(range(32))})
    Registry(s.beijing_store, clock=s.clock, keyring=keyring).anonymise(
        s.beijing_volunteer, actor="dpo"
    )
    reference = s.beijing.verify(files).header.volunteer
    assert RegistryDirectory(s.beijing_store).match(reference) is None  # no one matches now
    before = s.beijing_counts()
    for expected in (None, s.beijing_volunteer):
        again = s.beijing.import_package(files, actor="bj-admin", volunteer_id=expected)
        assert (again.replayed, again.receipt, again.volunteer_id, again.transfer) == (
            True,
            first.receipt,
            s.beijing_volunteer,
            first.transfer,
        )
    assert s.beijing_counts() == before
    assert s.beijing_ledger.totals(s.beijing_volunteer).total.credited == 600


@pytest.mark.parametrize("change", ["header", "entries"])
def test_another_package_with_the_imported_package_id_is_not_a_replay(s, change):
    """A package reusing the imported one's id, with other contents, is transfer.already_imported.

    It is authentic (Hami signed it) but is not the package imported: neither its receipt nor
    anything else comes back, and nothing is written.
    """
    files = s.export()
    s.beijing.import_package(files, actor="bj-admin")
    forged = _same_id_other_contents(s, files, change)
    assert s.package_id(forged) == s.package_id(files)
    before = s.beijing_counts()
    with pytest.raises(TransferStateError) as caught:
        s.beijing.import_package(forged, actor="bj-admin")
    assert (caught.value.code, caught.value.path) == (
        "transfer.already_imported",
        "$.header.package_id",
    )
    assert s.beijing_counts() == before


@pytest.mark.parametrize("change", ["header", "entries"])
def test_another_package_with_the_rejected_package_id_is_not_a_replay(s, change):
    """Rejecting a package reusing the rejected one's id is transfer.already_rejected.

    The stored rejection answers only the package rejected.
    """
    files = s.export()
    s.beijing.reject_package(files, actor="bj-admin", reason_code=RejectReason.RECORDS_DISPUTED)
    forged = _same_id_other_contents(s, files, change)
    before = s.beijing_counts()
    with pytest.raises(TransferStateError) as caught:
        s.beijing.reject_package(forged, actor="bj-admin", reason_code=RejectReason.OTHER)
    assert (caught.value.code, caught.value.path) == (
        "transfer.already_rejected",
        "$.header.package_id",
    )
    assert s.beijing_counts() == before


def test_importing_a_package_after_another_was_rejected_is_already_rejected(s):
    """The destination took the rejected package: another one is transfer.already_rejected.

    That is what the documentation promises, and what reject_package answers for it. Importing
    the rejected package itself is a step the rejected transfer does not allow
    (transfer.invalid_transition). Nothing is written.
    """
    first = s.export()
    s.clock.advance(timedelta(hours=2))
    second = s.export_again("again")
    s.beijing.reject_package(first, actor="bj-admin", reason_code=RejectReason.RECORDS_DISPUTED)
    before = s.beijing_counts()
    for files, refusal in [
        (second, ("transfer.already_rejected", "$.header.package_id")),
        (
            _same_id_other_contents(s, first, "entries"),
            ("transfer.already_rejected", "$.header.package_id"),
        ),
        (first, ("transfer.invalid_transition", "$.state")),
    ]:
        with pytest.raises(TransferStateError) as caught:
            s.beijing.import_package(files, actor="bj-admin")
        assert (caught.value.code, caught.value.path) == refusal
    assert s.beijing_counts() == before


def _beijing_office(make_postgres_store, postgres_dsn, tmp_path, *, own_clock):
    """A transfer to Beijing on PostgreSQL, and a second connection's ledger ("the office").

    Returns:
        The scenario, its exported package files, the store of the second connection, the
        office's ledger (on the scenario's clock, or on a fixed copy of it) and its local entry
        of 100 minutes, which the transferred entry overlaps (not recorded yet).
    """
    from volunteerkit import FixedClock
    from volunteerkit.hours import NATIONAL, EntryId, ServiceEntry, Source
    from volunteerkit.hours.ledger import Ledger
    from volunteerkit.stores import PostgresStore
    from volunteerkit.testing.conformance_transfer import _URUMQI

    beijing = make_postgres_store()
    scenario = TransferScenario(MemoryStore(), beijing, tmp_path)
    files = scenario.export()
    start = datetime(2026, 11, 1, 9, tzinfo=_URUMQI)  # the transferred entry of 100 minutes
    local = ServiceEntry(
        id=EntryId(origin="bj", local_id="local-1"), volunteer_id=scenario.beijing_volunteer,
        organization_id="bj-org", category="community", start=start,
        end=start + timedelta(minutes=100), zone=_URUMQI, source=Source.ORGANIZATION,
        recorded_by="bj", recorded_at=scenario.clock.now(),
    )  # fmt: skip
    other = PostgresStore(postgres_dsn, schema=beijing.schema)
    clock = FixedClock(scenario.clock.now()) if own_clock else scenario.clock
    office = Ledger(other, clock=clock, policy=NATIONAL, origin="bj")
    return scenario, files, other, office, local


@pytest.mark.postgres
def test_an_import_reads_the_volunteers_records_in_its_turn(
    make_postgres_store, postgres_dsn, tmp_path
):
    """Another process records a local entry while an import runs: it waits for the import.

    The import read the volunteer's local records (for the overlap check) before it took the
    ledger writers' turn, which came only with its record_many; an entry recorded in between
    was not seen, and an overlapping transferred entry was imported beside it (its 90 certified
    minutes credited on top of the local 100). Now the turn comes first: the other writer waits
    until the import commits, then records.
    """
    import threading

    from volunteerkit.transfer.service import OverlapPolicy

    scenario, files, other, office, local = _beijing_office(
        make_postgres_store, postgres_dsn, tmp_path, own_clock=True
    )
    beijing = scenario.beijing_store
    waited: list[bool] = []
    recorder: list[threading.Thread] = []
    add = beijing.transfers.add

    def add_while_another_records(transfer):
        thread = threading.Thread(target=lambda: office.record(local, actor="bj-office"))
        thread.start()
        thread.join(0.5)
        waited.append(thread.is_alive())
        recorder.append(thread)
        return add(transfer)

    beijing.transfers.add = add_while_another_records
    try:
        receipt = scenario.beijing.import_package(
            files, actor="bj-verify", overlap=OverlapPolicy.SKIP
        ).receipt.receipt
        recorder[0].join(30)
        assert waited == [True]
        assert (receipt.entries_imported, receipt.skipped) == (3, ())
        assert list(other.ledger.get_entries([local.id])) == [local.id]  # recorded after it
    finally:
        other.close()


@pytest.mark.postgres
def test_an_import_that_waited_for_its_turn_sees_what_the_other_writer_did(
    make_postgres_store, postgres_dsn, tmp_path
):
    """Another process voids the local entry an import would overlap, while the import waits.

    The import read its clock before it waited for the ledger writers' turn, and read the local
    records as of that instant, five minutes before the void committed while it waited. Its first
    step, dated when it got the turn, then preceded the steps dated at the old instant, and the
    import was refused (transfer.invalid, "a step dated before the previous one"). The import now
    reads its clock once it has the turn: the voided entry overlaps nothing, all three come in.
    """
    import threading

    from volunteerkit.transfer.service import OverlapPolicy

    scenario, files, other, office, local = _beijing_office(
        make_postgres_store, postgres_dsn, tmp_path, own_clock=False  # one clock for both
    )
    office.record(local, actor="bj-office")  # approved on entry (an organization's)
    result: list[Any] = []

    def import_package() -> None:
        try:
            result.append(
                scenario.beijing.import_package(
                    files, actor="bj-verify", overlap=OverlapPolicy.SKIP
                ).receipt.receipt
            )
        except Exception as err:  # the code is what the test compares
            result.append(f"{getattr(err, 'code', type(err).__name__)} {err}")

    try:
        with office.transaction():  # the office holds the turn
            importer = threading.Thread(target=import_package)
            importer.start()
            importer.join(0.5)  # the import has asked, and waits
            waited = importer.is_alive()
            scenario.clock.advance(timedelta(minutes=5))
            office.void(local.id, actor="bj-office", reason="entered twice")
        importer.join(30)
        assert waited and not importer.is_alive()
        assert [r if isinstance(r, str) else (r.entries_imported, r.skipped) for r in result] == [
            (3, ())
        ]
    finally:
        other.close()
