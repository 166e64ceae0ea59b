"""Batch writes on every store: a failure partway leaves the store as it was, replays change nothing.

Each test runs on the memory, SQLite and PostgreSQL stores (``each_backend``) and compares the
store's full contents, read through its public read APIs, before and after.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from volunteerkit import FixedClock
from volunteerkit.errors import ConflictError
from volunteerkit.hours import EntryId, ServiceEntry, Source
from volunteerkit.hours.bulk import Progress, export_entries, import_entries
from volunteerkit.hours.ledger import Ledger
from volunteerkit.transfer.store import TransferredEntry
from volunteerkit.transfer.workflow import Role, new_transfer

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
SH = ZoneInfo("Asia/Shanghai")
Backend = tuple[str, Callable[[], Any]]


# --------------------------------------------------------------------------------------------
# transferred entries


def _transferred(key: str, *, transfer: str = "t1", minutes: int = 60) -> TransferredEntry:
    from volunteerkit.transfer.models import CertifiedDay

    return TransferredEntry(
        entry_id=EntryId(origin="hami", local_id=key),
        volunteer_id="v1",
        transfer_id=transfer,
        package_id="0195b7a0-0000-7000-8000-000000000001",
        source="hami",
        captured_by=Source.ORGANIZATION,
        certified_by="coordinator",
        certified_at=NOW,
        source_recorded_at=NOW,
        credited_minutes=minutes,
        days=(CertifiedDay(day=date(2026, 5, 1), minutes=minutes),),
        imported_at=NOW,
    )


@pytest.fixture
def transfers(each_backend: Backend) -> Iterator[Any]:
    """A store holding transfer ``t1`` and its transferred entry ``hami:a`` (60 minutes)."""
    _name, make = each_backend
    store = make()
    store.transfers.add(
        new_transfer(
            transfer_id="t1", role=Role.DESTINATION, volunteer_id="v1", source="hami",
            destination="bj", consent="c-1", actor="importer", at=NOW,
            package_id="0195b7a0-0000-7000-8000-000000000001",
            header_digest="sha256:" + "1" * 64, entries=1, credited_minutes=60,
        )
    )  # fmt: skip
    store.transfers.add_entries([_transferred("a")])
    yield store
    store.close()


def _transfer_contents(store: Any) -> tuple[object, ...]:
    ids = [EntryId(origin="hami", local_id=k) for k in ("a", "b", "c", "x")]
    return (
        store.transfers.find(),
        store.transfers.count_entries(),
        store.transfers.get_entries(ids),
        store.transfers.certified_credit(["v1"]),
    )


def _refusal(call: Callable[[], object]) -> tuple[str, str, str | None]:
    from volunteerkit.errors import VolunteerkitError

    with pytest.raises(VolunteerkitError) as info:
        call()
    return type(info.value).__name__, info.value.code, info.value.path


@pytest.mark.parametrize(
    ("batch", "expected"),
    [
        # a new entry of an unknown transfer, then a clash with a stored entry: the first wins
        (
            lambda: [_transferred("x", transfer="nope"), _transferred("a", minutes=61)],
            ("NotFoundError", "transfer.not_found", "$.entries[0].transfer_id"),
        ),
        # a clash with a stored entry comes before a clash inside the batch
        (
            lambda: [_transferred("b"), _transferred("a", minutes=61), _transferred("b", minutes=5)],
            ("ConflictError", "transfer.entry_conflict", "$.entries[1].entry_id"),
        ),
        # an entry of an unknown transfer, then the same id again, different
        (
            lambda: [_transferred("c", transfer="nope"), _transferred("c", minutes=61)],
            ("NotFoundError", "transfer.not_found", "$.entries[0].transfer_id"),
        ),
        # something that is not a transferred entry: typed, at its index
        (
            lambda: [_transferred("b"), "not an entry"],
            ("TransferInputError", "transfer.invalid", "$.entries[1]"),
        ),
        # a clash before something that is not an entry: the clash, at its index
        (
            lambda: [_transferred("a", minutes=61), None],
            ("ConflictError", "transfer.entry_conflict", "$.entries[0].entry_id"),
        ),
        (lambda: None, ("TransferInputError", "transfer.invalid", "$.entries")),
        (lambda: 5, ("TransferInputError", "transfer.invalid", "$.entries")),
    ],
)
def test_add_entries_reports_the_first_problem_in_input_order_and_writes_nothing(
    transfers: Any, batch: Callable[[], object], expected: tuple[str, str, str]
) -> None:
    """Every backend refuses a bad batch with the same typed error and keeps what it held.

    Before, SQL stores checked clashes inside the batch first, then clashes with stored entries,
    then unknown transfers, each over the whole batch, so they named another entry (and code)
    than the memory store; an item that was not an entry was a bare ``AttributeError`` and a
    batch that was not iterable a bare ``TypeError`` on every backend.
    """
    before = _transfer_contents(transfers)
    assert _refusal(lambda: transfers.transfers.add_entries(batch())) == expected
    assert _transfer_contents(transfers) == before
    assert transfers.transfers.count_entries() == 1


def test_add_entries_from_a_stream_that_fails_midway_writes_nothing(transfers: Any) -> None:
    """A generator that raises after yielding entries leaves the store as it was."""
    before = _transfer_contents(transfers)

    def stream() -> Iterator[TransferredEntry]:
        yield _transferred("b")
        yield _transferred("c")
        raise OSError("the package file went away")

    with pytest.raises(OSError, match="went away"):
        transfers.transfers.add_entries(stream())
    assert _transfer_contents(transfers) == before


def test_add_entries_replayed_changes_nothing(transfers: Any) -> None:
    """The same batch twice: written once; a duplicate inside a batch is written once."""
    batch = [_transferred("b"), _transferred("c"), _transferred("b"), _transferred("a")]
    assert transfers.transfers.add_entries(batch) == 2
    after = _transfer_contents(transfers)
    assert transfers.transfers.add_entries(iter(batch)) == 0
    assert _transfer_contents(transfers) == after
    assert transfers.transfers.count_entries() == 3


# --------------------------------------------------------------------------------------------
# bulk import into a ledger


def _service(key: str, day: int) -> ServiceEntry:
    start = datetime(2026, 5, day, 9, tzinfo=SH)
    return ServiceEntry(
        id=EntryId(origin="bj", local_id=key),
        volunteer_id=f"v{day % 2}",
        organization_id="org-a",
        category="community",
        start=start,
        end=start + timedelta(hours=3),
        zone=SH,
        source=Source.ORGANIZATION,
        recorded_by="clerk",
        recorded_at=NOW,
    )


def _ledger_contents(store: Any) -> tuple[object, ...]:
    repo = store.ledger
    volunteers = repo.volunteers()
    return (
        repo.records_of(volunteers),
        {v: repo.credit_history(v) for v in volunteers},
        repo.count_entries(),
        repo.count_events(),
        [(a.action, a.subject_id, a.details) for a in store.audit.query()],
    )


def _csv(entries: list[ServiceEntry]) -> str:
    out = io.StringIO(newline="")
    export_entries(entries, out)
    return out.getvalue()


class _Cancelled(ConflictError):
    """What an application's progress callback raises to stop an import."""


def test_an_all_or_nothing_import_stopped_by_its_progress_callback_raises_and_writes_nothing(
    each_backend: Backend,
) -> None:
    """The callback's error reaches the caller, as in best-effort mode; nothing is written.

    Before, an error of a refusal type (``InvalidInputError``, ``ConflictError``,
    ``IntegrityError``) raised by the callback in the write pass was caught with the sink's
    refusals and reported as the rejection of the row last read (line 3 here), with the
    callback's code.
    """
    _name, make = each_backend
    store = make()
    ledger = Ledger(store, clock=FixedClock(NOW))
    ledger.record_many([_service("old", 1)], actor="clerk")
    before = _ledger_contents(store)
    text = _csv([_service(f"e{i}", 2 + i) for i in range(5)])
    seen: list[tuple[str, int]] = []

    def progress(p: Progress) -> None:
        seen.append((p.phase, p.rows_imported))
        if p.phase == "write" and p.rows_imported == 2:
            raise _Cancelled("cancelled", "已取消", code="app.cancelled", path="$")

    with pytest.raises(_Cancelled):
        import_entries(
            io.StringIO(text, newline=""), format="csv", sink=ledger, actor="importer",
            mode="all_or_nothing", batch_size=1, progress=progress,
        )  # fmt: skip
    assert seen[-2:] == [("write", 1), ("write", 2)]
    assert _ledger_contents(store) == before
    # the same file imported again, without the callback, writes it all; a third time nothing
    report = import_entries(
        io.StringIO(text, newline=""), format="csv", sink=ledger, actor="importer",
        mode="all_or_nothing",
    )  # fmt: skip
    assert (report.imported, report.unchanged, report.rejected, report.errors) == (5, 0, 0, ())
    after = _ledger_contents(store)
    again = import_entries(
        io.StringIO(text, newline=""), format="csv", sink=ledger, actor="importer",
        mode="all_or_nothing",
    )  # fmt: skip
    assert (again.imported, again.unchanged, again.rejected) == (0, 5, 0)
    assert _ledger_contents(store) == after
    store.close()


# --------------------------------------------------------------------------------------------
# matching assignments


def _shift_assignment(n: int, **changes: Any) -> Any:
    from volunteerkit.matching.store import ShiftAssignment

    fields: dict[str, Any] = {
        "id": f"sa-{n}",
        "run_id": "roster-1",
        "volunteer_id": "v1",
        "shift_id": "f1",
        "start": datetime(2026, 12, 1, 1, tzinfo=UTC),
        "end": datetime(2026, 12, 1, 5, tzinfo=UTC),
        "assigned_at": NOW,
    }
    fields.update(changes)
    return ShiftAssignment(**fields)


@pytest.fixture
def matching(each_backend: Backend) -> Iterator[Any]:
    """A store with project p1, slot s1, shift f1, role assignment ra-0001 and shift one sa-1."""
    from volunteerkit.testing.conformance_matching import _project, _role, _shift, _slot

    _name, make = each_backend
    store = make()
    m = store.matching
    m.put_project(_project())
    m.put_slot(_slot())
    m.put_shift(_shift())
    m.add_role_assignments([_role(1)])
    m.add_shift_assignments([_shift_assignment(1)])
    yield store
    store.close()


def _matching_contents(store: Any) -> tuple[object, ...]:
    m = store.matching
    return (list(m.role_assignments()), list(m.shift_assignments()))


def _roles(*items: object) -> Callable[[Any], object]:
    return lambda m: m.add_role_assignments(list(items))


def _rostered(*items: object) -> Callable[[Any], object]:
    return lambda m: m.add_shift_assignments(list(items))


def _role_batch(name: str) -> Callable[[Any], object]:
    from volunteerkit.testing.conformance_matching import _role

    batches = {
        "clash, then not a record": _roles(_role(1, score=1), "not a record"),
        "unknown slot, then not a record": _roles(_role(2), _role(3, slot="nope"), None),
        "not a record after new ones": _roles(_role(2), _role(3), 42),
        "shift clash, then not a record": _rostered(
            _shift_assignment(1, volunteer_id="v2"), None
        ),
        "unknown shift, then not a record": _rostered(
            _shift_assignment(2), _shift_assignment(3, shift_id="zz"), "x"
        ),
    }
    return batches[name]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("clash, then not a record", ("ConflictError", "matching.conflict", "$.id")),
        (
            "unknown slot, then not a record",
            ("IntegrityError", "matching.unknown_reference", "$.slot_id"),
        ),
        ("not a record after new ones", ("MatchingInputError", "matching.invalid", "$[2]")),
        ("shift clash, then not a record", ("ConflictError", "matching.conflict", "$.id")),
        (
            "unknown shift, then not a record",
            ("IntegrityError", "matching.unknown_reference", "$.shift_id"),
        ),
    ],
)
def test_assignments_report_the_first_problem_in_input_order_and_write_nothing(
    matching: Any, name: str, expected: tuple[str, str, str]
) -> None:
    """Every backend refuses a bad batch of assignments with the same error, keeping its contents.

    Before, the SQL stores checked the type of every record of a batch before anything else, so
    a batch whose first problem was a clash or an unknown slot or shift was ``matching.invalid``
    at a later index there, and the memory store named the clash.
    """
    before = _matching_contents(matching)
    assert _refusal(lambda: _role_batch(name)(matching.matching)) == expected
    assert _matching_contents(matching) == before


def test_assignments_from_a_stream_that_fails_midway_write_nothing_and_replay(
    matching: Any,
) -> None:
    """A generator raising after two records writes nothing; the batch replayed writes once."""
    from volunteerkit.testing.conformance_matching import _role

    before = _matching_contents(matching)

    def stream() -> Iterator[Any]:
        yield _role(2)
        yield _role(3)
        raise OSError("the allocation run died")

    with pytest.raises(OSError, match="died"):
        matching.matching.add_role_assignments(stream())
    assert _matching_contents(matching) == before
    batch = [_role(2), _role(3), _role(2), _role(1)]
    assert matching.matching.add_role_assignments(iter(batch)) == 2
    after = _matching_contents(matching)
    assert matching.matching.add_role_assignments(batch) == 0
    assert _matching_contents(matching) == after
    assert [a.id for a in matching.matching.role_assignments()] == ["ra-0001", "ra-0002", "ra-0003"]


# --------------------------------------------------------------------------------------------
# the transfer export command


def test_export_command_of_a_new_transfer_that_fails_records_nothing(
    each_backend: Backend, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Request, approve and export in one command: an export that fails leaves no transfer.

    Before, the request and the approval were committed before the export ran, so a chunk size
    of 0 (or a folder that cannot be written) left an approved transfer and its audit entries
    behind, and each retry of the command one more.
    """
    import base64
    import json

    import volunteerkit.stores
    from volunteerkit.testing.conformance_transfer import BEIJING, TransferScenario
    from volunteerkit.transfer.commands import export_command

    _name, make = each_backend
    hami, beijing = make(), make()
    scenario = TransferScenario(hami, beijing, tmp_path)
    keys = tmp_path / "hami-keys.json"
    keys.write_text(
        json.dumps(
            {
                "party": "hami.volunteer-cloud",
                "signer": {
                    "algorithm": "hmac-sha256",
                    "key_id": "hami-bj-2026",
                    "secret": base64.b64encode(b"hami-beijing-shared-secret-0001!").decode(),
                },
                "trusted": [],
            }
        )
    )
    close = hami.close
    monkeypatch.setattr(hami, "close", lambda: None)  # the command closes the store it opens
    monkeypatch.setattr(volunteerkit.stores, "open_store", lambda url: hami)

    def contents() -> tuple[object, ...]:
        return (
            hami.transfers.find(),
            [(a.action, a.subject_id) for a in hami.audit.query()],
            _ledger_contents(hami),
        )

    before = contents()
    now = scenario.clock.now() + timedelta(hours=1)
    out = tmp_path / "out"
    for _attempt in range(2):
        status, report = export_command(
            "memory:", keys_file=str(keys), out_dir=str(out), volunteer_id=scenario.hami_volunteer,
            destination=BEIJING, consent="consent-77", chunk_size=0, now=now,
        )  # fmt: skip
        assert (status, report["error"]["code"], report["error"]["path"]) == (
            1, "transfer.invalid", "$.chunk_size",
        )  # fmt: skip
        assert contents() == before
        assert list(out.iterdir()) == []
    status, report = export_command(
        "memory:", keys_file=str(keys), out_dir=str(out), volunteer_id=scenario.hami_volunteer,
        destination=BEIJING, consent="consent-77", chunk_size=2, now=now,
    )  # fmt: skip
    assert (status, report["entries"], report["credited_minutes"]) == (0, 3, 600)
    assert [t.state.value for t in hami.transfers.find()] == ["exported"]
    assert len(list(out.iterdir())) == 2
    close()
    beijing.close()
