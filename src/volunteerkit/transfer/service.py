"""Transfers over stores: request, approve, export, verify, import and acknowledge.

:class:`Transfers` ties the format (:mod:`~volunteerkit.transfer.package`), the workflow
(:mod:`~volunteerkit.transfer.workflow`), a store's hours ledger and its transfer repository
together. Each platform runs one, as its own *party* (``hami.volunteer-cloud``), with its signer
and the keys of the partners it trusts.

**Source side.** :meth:`Transfers.request` (with the volunteer's consent reference),
:meth:`Transfers.approve`, :meth:`Transfers.export` (the volunteer's approved entries, with the
minutes this ledger credits them, written as signed chunk files), and
:meth:`Transfers.acknowledge` (verify the destination's signed receipt). :meth:`Transfers.reject`
refuses a transfer at any step before import, with a reason code.

**Destination side.** :meth:`Transfers.verify` checks a package without writing anything.
:meth:`Transfers.import_package` verifies it completely (schema, signatures, chunk set, totals)
*before touching the ledger*, matches the volunteer (blind index or unified volunteer number),
and then, in one transaction: records every entry it does not hold yet (by global id) through
the :class:`~volunteerkit.hours.ledger.Ledger`, marked :attr:`~volunteerkit.hours.Source.TRANSFERRED`
and approved by the importing actor, keeps each entry's certified minutes (so the ledger credits
them as the source did, whatever its own policy), handles entries that overlap local ones per the
:class:`OverlapPolicy`, and signs a receipt. All of a package or nothing. Importing the same
package again writes nothing and returns the same receipt; entries already held (from this or an
overlapping package) are counted as already present, never twice. :meth:`Transfers.reject_package`
answers an authentic package with a signed rejection instead.

Every step is stored on the transfer's record and written to the audit log.
"""

from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime
from enum import StrEnum
from itertools import accumulate, islice
from typing import IO, Protocol, runtime_checkable

import attrs

from volunteerkit._clock import Clock
from volunteerkit._ids import new_id
from volunteerkit._text import unstorable
from volunteerkit.audit import record as audit_record
from volunteerkit.errors import NotFoundError
from volunteerkit.hours._time import to_minute
from volunteerkit.hours.accrual import accrue
from volunteerkit.hours.fold import EntryState, fold
from volunteerkit.hours.ledger import Ledger
from volunteerkit.hours.models import EntryId, ServiceEntry, Status
from volunteerkit.hours.policy import AccrualPolicy, decide_approval
from volunteerkit.registry.store import RegistryStore
from volunteerkit.transfer.errors import (
    PackageRefused,
    TransferInputError,
    TransferStateError,
    VolunteerNotMatched,
)
from volunteerkit.transfer.models import (
    PARTY_PATTERN,
    CertifiedDay,
    PackageHeader,
    Receipt,
    ReceiptOutcome,
    RejectReason,
    SignedReceipt,
    TransferEntry,
    VolunteerRef,
)
from volunteerkit.transfer.package import (
    DEFAULT_CHUNK_SIZE,
    VerifiedPackage,
    _folder_path,
    read_entries,
    verify_package,
    write_package,
)
from volunteerkit.transfer.signing import KeySet, Signer, receipt_message
from volunteerkit.transfer.store import TransferredEntry, TransferStore
from volunteerkit.transfer.workflow import (
    Role,
    Transfer,
    TransferState,
    TransferStep,
    advance,
    new_transfer,
)

__all__ = [
    "ExportResult",
    "ImportResult",
    "OverlapPolicy",
    "RegistryDirectory",
    "Transfers",
    "VolunteerDirectory",
]

_BATCH = 2000


class OverlapPolicy(StrEnum):
    """What an import does with entries that overlap, in time, the volunteer's local entries."""

    KEEP_AND_FLAG = "keep_and_flag"
    """Import them, flag them (on the transferred entry and in the receipt)."""
    SKIP = "skip"
    """Do not import them; list them in the receipt as skipped."""


@runtime_checkable
class VolunteerDirectory(Protocol):
    """How a platform names its volunteers to partners, and finds theirs."""

    def reference(self, volunteer_id: str) -> VolunteerRef:
        """Return the reference of a local volunteer, for a package's header.

        Args:
            volunteer_id: The local volunteer id.

        Returns:
            The reference (blind index and masked number, unified number where known).

        Raises:
            VolunteerNotMatched: ``transfer.volunteer_not_found`` if the volunteer is unknown or
                has neither a document nor a unified number.
        """
        ...

    def match(self, reference: VolunteerRef) -> str | None:
        """Return the local volunteer a package's reference designates, if any.

        Args:
            reference: The reference from a package header.

        Returns:
            The local volunteer id (the surviving record after merges), or ``None``.

        Raises:
            PackageRefused: ``transfer.volunteer_mismatch`` if the blind index and the unified
                number designate different volunteers.
        """
        ...


class RegistryDirectory:
    """A :class:`VolunteerDirectory` over the registry's stored records.

    Blind indexes match when both platforms index identity documents under the same key (a
    shared, for example national, blind-index key: the key id is part of the index). The
    registry does not store unified volunteer numbers; platforms that keep them elsewhere pass
    the two look-ups.

    Args:
        store: A store with the registry's ``volunteers`` repository.
        unified_number_of: Returns a local volunteer's unified volunteer number, if any.
        by_unified_number: Returns the local volunteer id with a unified number, if any.
    """

    def __init__(
        self,
        store: RegistryStore,
        *,
        unified_number_of: Callable[[str], str | None] | None = None,
        by_unified_number: Callable[[str], str | None] | None = None,
    ) -> None:
        self._store = store
        self._unified_of = unified_number_of
        self._by_unified = by_unified_number

    def reference(self, volunteer_id: str) -> VolunteerRef:
        """Return a local volunteer's reference (see :meth:`VolunteerDirectory.reference`).

        Raises:
            TransferInputError: ``transfer.invalid`` if ``volunteer_id`` is not text.
            VolunteerNotMatched: ``transfer.volunteer_not_found``.
        """
        if not isinstance(volunteer_id, str):
            raise TransferInputError.of("transfer.invalid", "$.volunteer_id", "expected text")
        try:
            record = self._store.volunteers.get(volunteer_id)
        except NotFoundError:
            raise VolunteerNotMatched.of("transfer.volunteer_not_found", "$.volunteer_id") from None
        unified = None if self._unified_of is None else self._unified_of(volunteer_id)
        if record.document_index is None and unified is None:
            raise VolunteerNotMatched.of(
                "transfer.volunteer_not_found", "$.volunteer_id", "no document or unified number"
            )
        return VolunteerRef(
            blind_index=record.document_index,
            masked_number=None if record.document is None else record.document.masked,
            document_scheme=None if record.document is None else record.document.scheme,
            unified_number=unified,
        )

    def _resolve(self, volunteer_id: str) -> str | None:
        seen = {volunteer_id}
        try:
            record = self._store.volunteers.get(volunteer_id)
        except NotFoundError:
            return None
        while record.volunteer.merged_into is not None and record.volunteer.merged_into not in seen:
            seen.add(record.volunteer.merged_into)
            record = self._store.volunteers.get(record.volunteer.merged_into)
        return record.id

    def match(self, reference: VolunteerRef) -> str | None:
        """Find the local volunteer of a reference (see :meth:`VolunteerDirectory.match`)."""
        by_unified = None
        if reference.unified_number is not None and self._by_unified is not None:
            found = self._by_unified(reference.unified_number)
            by_unified = None if found is None else self._resolve(found)
        by_index = None
        if reference.blind_index is not None:
            record = self._store.volunteers.find_by_index([reference.blind_index])
            by_index = None if record is None else self._resolve(record.id)
        if by_unified is not None and by_index is not None and by_unified != by_index:
            raise PackageRefused.of("transfer.volunteer_mismatch", "$.header.volunteer")
        return by_unified or by_index


@attrs.frozen(kw_only=True)
class ExportResult:
    """What :meth:`Transfers.export` wrote.

    Args:
        transfer: The transfer after its ``exported`` step.
        package: The package (chunk files, header digest, totals).
    """

    transfer: Transfer
    package: VerifiedPackage


@attrs.frozen(kw_only=True)
class ImportResult:
    """What :meth:`Transfers.import_package` did.

    Args:
        transfer: The destination's record of the transfer.
        receipt: The signed receipt for the source.
        volunteer_id: The local volunteer the entries were credited to.
        replayed: ``True`` if this package had been imported before (nothing was written now).
    """

    transfer: Transfer
    receipt: SignedReceipt
    volunteer_id: str
    replayed: bool = False


@attrs.define
class _Tally:
    received: int = 0
    imported: int = 0
    present: int = 0
    credited: int = 0
    skipped: list[EntryId] = attrs.field(factory=list)
    flagged: list[EntryId] = attrs.field(factory=list)


class _Intervals:
    """The volunteer's live local entries, for overlap checks by binary search."""

    def __init__(self, states: Iterable[EntryState]) -> None:
        spans = sorted(
            (to_minute(s.start), to_minute(s.end))
            for s in states
            if s.status in (Status.PENDING, Status.APPROVED) and not s.reversed
        )
        self._starts = [a for a, _ in spans]
        self._max_end = list(accumulate((b for _, b in spans), max))

    def overlaps(self, start: datetime, end: datetime) -> bool:
        a, b = to_minute(start), to_minute(end)
        before = bisect_left(self._starts, b)
        return before > 0 and self._max_end[before - 1] > a


def _same_package(answered: Transfer, package: VerifiedPackage) -> bool:
    """Whether the destination's record of a transfer was made from this very package.

    The package was verified (every chunk signed by a trusted key of its source); it is the one
    answered before only if its package id, header digest (which covers the transfer, the
    parties, the volunteer's reference and the consent) and totals are those recorded when it
    was received. Another package, even one reusing the package id, is not.
    """
    received = answered.steps[0]
    return (
        received.package_id == package.header.package_id
        and received.header_digest == package.header_digest
        and received.entries == package.totals.entries
        and received.credited_minutes == package.totals.credited_minutes
    )


_PARTY = re.compile(PARTY_PATTERN)


def _credit_days(lines: Iterable[tuple[date, int]]) -> tuple[CertifiedDay, ...]:
    merged: dict[date, int] = {}
    for day, minutes in lines:
        merged[day] = merged.get(day, 0) + minutes
    return tuple(CertifiedDay(day=d, minutes=m) for d, m in sorted(merged.items()))


class Transfers:
    """Transfers of one platform (a *party*) over its store.

    Args:
        store: The store: its ``ledger``, ``transfers`` and ``audit``.
        ledger: The :class:`~volunteerkit.hours.ledger.Ledger` over the same store (its policy
            is the one this platform certifies minutes under).
        clock: The clock (the ledger's, so that records and events agree).
        party: This platform's region or platform id.
        directory: How volunteers are named to partners and matched.
        keys: The keys of the partners this platform trusts.
        signer: This platform's signer (needed to export and to sign receipts).

    Raises:
        TransferInputError: ``transfer.wrong_key`` if ``signer`` belongs to another party;
            ``transfer.invalid`` at ``$.store``, ``$.ledger``, ``$.clock``, ``$.party``,
            ``$.directory``, ``$.keys`` or ``$.signer`` for a part of the wrong type (a party
            that is not a region or platform id such as ``hami.volunteer-cloud``).
    """

    def __init__(
        self,
        store: TransferStore,
        *,
        ledger: Ledger,
        clock: Clock,
        party: str,
        directory: VolunteerDirectory,
        keys: KeySet,
        signer: Signer | None = None,
    ) -> None:
        for ok, part in (
            (isinstance(store, TransferStore), "store"),
            (isinstance(ledger, Ledger), "ledger"),
            (isinstance(clock, Clock), "clock"),
            (isinstance(party, str) and _PARTY.fullmatch(party) is not None, "party"),
            (isinstance(directory, VolunteerDirectory), "directory"),
            (isinstance(keys, KeySet), "keys"),
            (signer is None or isinstance(signer, Signer), "signer"),
        ):
            if not ok:
                raise TransferInputError.of("transfer.invalid", f"$.{part}", "wrong type")
        if signer is not None and signer.party != party:
            raise TransferInputError.of("transfer.wrong_key", "$.signer", "the signer is another party's")
        self._store = store
        self._ledger = ledger
        self._clock = clock
        self._party = party
        self._directory = directory
        self._keys = keys
        self._signer = signer

    @property
    def party(self) -> str:
        """This platform's id."""
        return self._party

    # ------------------------------------------------------------------------------ helpers

    def _need_signer(self) -> Signer:
        if self._signer is None:
            raise TransferInputError.of("transfer.wrong_key", "$.signer", "this needs a signer")
        return self._signer

    def _audit(self, transfer: Transfer, step: TransferStep, action: str, **details: str) -> None:
        facts = {"state": step.state.value, "role": transfer.role.value, **details}
        if step.reason_code is not None:
            facts["reason_code"] = step.reason_code.value
        self._store.audit.append(
            audit_record(
                self._clock,
                actor=step.actor,
                action=action,
                subject_type="transfer",
                subject_id=transfer.id,
                reason=step.reason,
                details=facts,
            )
        )

    def _step(self, transfer: Transfer, step: TransferStep, action: str, **details: str) -> Transfer:
        after = advance(transfer, step)
        self._store.transfers.append_step(transfer.id, len(transfer.steps), step)
        self._audit(after, step, action, **details)
        return after

    def _source_record(self, transfer_id: str) -> Transfer:
        transfer = self._store.transfers.get(transfer_id)
        if transfer.role is not Role.SOURCE:
            raise TransferStateError.of(
                "transfer.invalid_transition", "$.transfer_id", "not a transfer this side sends"
            )
        return transfer

    # ------------------------------------------------------------------------------ source

    def request(
        self,
        volunteer_id: str,
        *,
        destination: str,
        consent: str,
        actor: str,
        reason: str = "",
    ) -> Transfer:
        """Record a volunteer's request to move their records, with their consent.

        Args:
            volunteer_id: The local volunteer.
            destination: The receiving region or platform.
            consent: The reference of the volunteer's consent (required).
            actor: Who records the request.
            reason: Free text.

        Returns:
            The transfer, ``requested``.

        Raises:
            TransferInputError: ``transfer.consent_required`` without consent,
                ``transfer.invalid`` for a volunteer id that is not text, or a consent reference a
                package header cannot carry (with a NUL character or a lone surrogate, or not in
                Unicode NFC).
            VolunteerNotMatched: If the directory cannot name the volunteer to partners.
        """
        if not isinstance(volunteer_id, str):
            raise TransferInputError.of("transfer.invalid", "$.volunteer_id", "expected text")
        if isinstance(consent, str) and (
            unstorable(consent) or not unicodedata.is_normalized("NFC", consent)
        ):
            raise TransferInputError.of(
                "transfer.invalid",
                "$.consent",
                "text in Unicode NFC without NUL or a lone surrogate",
            )
        self._directory.reference(volunteer_id)
        now = self._clock.now()
        transfer = new_transfer(
            transfer_id=new_id(self._clock),
            role=Role.SOURCE,
            volunteer_id=volunteer_id,
            source=self._party,
            destination=destination,
            consent=consent,
            actor=actor,
            at=now,
            reason=reason,
        )
        with self._store.transaction():
            self._store.transfers.add(transfer)
            self._audit(transfer, transfer.steps[0], "transfer.request", destination=destination)
        return transfer

    def approve(self, transfer_id: str, *, actor: str, reason: str = "") -> Transfer:
        """Approve a requested transfer (the source's decision).

        Args:
            transfer_id: The transfer.
            actor: Who approves.
            reason: Free text.

        Returns:
            The transfer, ``approved``.

        Raises:
            TransferNotFound: ``transfer.not_found``.
            TransferStateError: ``transfer.invalid_transition`` unless it is ``requested``.
        """
        with self._store.transaction():
            transfer = self._source_record(transfer_id)
            step = TransferStep(
                state=TransferState.APPROVED, at=self._clock.now(), actor=actor, reason=reason
            )
            return self._step(transfer, step, "transfer.approve")

    def reject(
        self, transfer_id: str, *, actor: str, reason_code: RejectReason, reason: str = ""
    ) -> Transfer:
        """Reject a transfer at its current step, with a reason code.

        Args:
            transfer_id: The transfer.
            actor: Who rejects.
            reason_code: Why.
            reason: Free text.

        Returns:
            The transfer, ``rejected``.

        Raises:
            TransferNotFound: ``transfer.not_found``.
            TransferStateError: ``transfer.invalid_transition`` once imported or final.
        """
        with self._store.transaction():
            transfer = self._store.transfers.get(transfer_id)
            step = TransferStep(
                state=TransferState.REJECTED,
                at=self._clock.now(),
                actor=actor,
                reason_code=reason_code,
                reason=reason,
            )
            return self._step(transfer, step, "transfer.reject")

    def _entries(self, volunteer_id: str, now: datetime) -> list[TransferEntry]:
        """The volunteer's approved entries with the minutes this ledger credits them."""
        repo = self._store.ledger
        entries, events = repo.records_of([volunteer_id]).get(volunteer_id, ([], []))
        states = [s for s in fold(entries, events, as_of=now).entries if s.effective]
        certified = self._store.transfers.certified_credit([volunteer_id])
        accrual = accrue(states, self._ledger.policy, certified=certified)
        lines: dict[EntryId, list[tuple[date, int]]] = {}
        for line in accrual.days:
            lines.setdefault(line.entry_id, []).append((line.day, line.credited_minutes))
        made: list[TransferEntry] = []
        for st in sorted(states, key=lambda s: s.id):
            days = _credit_days(lines.get(st.id, []))
            made.append(
                TransferEntry(
                    id=st.id,
                    organization_id=st.entry.organization_id,
                    activity_id=st.entry.activity_id,
                    category=st.entry.category,
                    start=st.start,
                    end=st.end,
                    zone=st.entry.zone,
                    break_minutes=st.break_minutes,
                    travel_minutes=st.entry.travel_minutes,
                    source=st.entry.source,
                    recorded_by=st.entry.recorded_by,
                    recorded_at=st.entry.recorded_at,
                    certified_by=st.approved_by or st.entry.recorded_by,
                    certified_at=st.approved_at or st.entry.recorded_at,
                    note=st.entry.note,
                    credited_minutes=sum(d.minutes for d in days),
                    days=days,
                )
            )
        return made

    def export(
        self,
        transfer_id: str,
        directory: str | os.PathLike[str],
        *,
        actor: str,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
    ) -> ExportResult:
        """Write the volunteer's approved entries as a signed package and record the export.

        The entries are those effective (approved, not reversed) now, with their corrected
        times and the minutes this platform's ledger credits them per local date.

        Args:
            transfer_id: An ``approved`` (or already ``exported``) transfer.
            directory: An existing folder for the chunk files.
            actor: Who exports.
            chunk_size: Entries per chunk file.

        Returns:
            The transfer (``exported``) and the package written.

        Raises:
            TransferNotFound: ``transfer.not_found``.
            TransferStateError: ``transfer.invalid_transition`` unless approved or exported.
            TransferInputError: ``transfer.wrong_key`` without a signer; ``transfer.invalid``
                at ``$.directory`` if ``directory`` is not a path, ``transfer.unwritable``
                if the files cannot be written there (see :func:`write_package`). Nothing is
                recorded then.
        """
        signer = self._need_signer()
        _folder_path(directory)
        transfer = self._source_record(transfer_id)
        if TransferState.EXPORTED not in transfer.allowed_next():
            raise TransferStateError.of(
                "transfer.invalid_transition",
                "$.state",
                f"{transfer.state.value} -> {TransferState.EXPORTED.value}",
            )
        now = self._clock.now()
        header = PackageHeader(
            package_id=new_id(self._clock),
            transfer_id=transfer.id,
            source=self._party,
            destination=transfer.destination,
            created_at=now,
            volunteer=self._directory.reference(transfer.volunteer_id),
            consent=transfer.consent,
            policy=self._ledger.policy.name,
        )
        package = write_package(
            directory,
            header,
            self._entries(transfer.volunteer_id, now),
            signer=signer,
            chunk_size=chunk_size,
        )
        step = TransferStep(
            state=TransferState.EXPORTED,
            at=now,
            actor=actor,
            package_id=header.package_id,
            header_digest=package.header_digest,
            entries=package.totals.entries,
            credited_minutes=package.totals.credited_minutes,
        )
        try:
            with self._store.transaction():
                after = self._step(
                    self._source_record(transfer_id),
                    step,
                    "transfer.export",
                    package_id=header.package_id,
                    entries=str(package.totals.entries),
                    credited_minutes=str(package.totals.credited_minutes),
                    chunks=str(len(package.chunks)),
                )
        except BaseException:
            for path in package.files:  # the export was not recorded: do not leave its files
                os.remove(path)
            raise
        return ExportResult(transfer=after, package=package)

    def _answered(self, transfer: Transfer, receipt: Receipt) -> TransferStep:
        """Return the export a receipt answers, or refuse a receipt that does not match it.

        A receipt binds the package (its id and header digest, which covers the transfer id, the
        parties and the volunteer) and counts that must agree with what was exported.
        """

        def refuse(field: str) -> PackageRefused:
            return PackageRefused.of("transfer.receipt_mismatch", f"$.receipt.{field}")

        exported = transfer.export_of(receipt.package_id)
        if exported is None:
            raise refuse("package_id")
        if receipt.header_digest != exported.header_digest:
            raise refuse("header_digest")
        if receipt.source != self._party:
            raise refuse("source")
        if receipt.destination != transfer.destination:
            raise refuse("destination")
        if receipt.entries_received != exported.entries:
            raise refuse("entries_received")
        if receipt.outcome is ReceiptOutcome.REJECTED:
            if (
                receipt.entries_imported
                or receipt.entries_already_present
                or receipt.entries_skipped
                or receipt.entries_flagged
                or receipt.credited_minutes_imported
            ):
                raise refuse("entries_imported")  # a rejection imports nothing
        elif receipt.credited_minutes_imported > (exported.credited_minutes or 0):
            raise refuse("credited_minutes_imported")
        return exported

    def acknowledge(self, signed: SignedReceipt, *, actor: str) -> Transfer:
        """Verify the destination's receipt and close the transfer with it.

        The receipt may answer **any** package this transfer exported (the source may have
        exported again after a delivery seemed lost, and the earlier package arrived after
        all): the destination imports or rejects at most one of them. An ``imported`` receipt
        moves the transfer to ``imported`` (naming the package and the counts the destination
        imported) then ``acknowledged``; a ``rejected`` one to ``rejected`` with the
        destination's reason code and the package it rejected. The same receipt given again
        changes nothing; any other receipt once the transfer is closed is refused, and writes
        nothing, so an import is never recorded twice.

        Args:
            signed: The signed receipt.
            actor: Who records it.

        Returns:
            The transfer.

        Raises:
            PackageRefused: A signature code, or ``transfer.receipt_mismatch`` (at the receipt
                field that differs) if the receipt does not answer a package this transfer
                exported: another package id, header digest, source or destination, an entry
                count other than the package's, more credited minutes than it holds, or a
                rejection that reports imported entries.
            TransferStateError: ``transfer.already_closed`` if another receipt already closed
                the transfer, ``transfer.invalid_transition`` if the source rejected it itself.
            TransferNotFound: ``transfer.not_found``.
            TransferInputError: ``transfer.invalid`` at ``$`` if ``signed`` is not a
                :class:`SignedReceipt` (the bytes sent back are read with
                :func:`~volunteerkit.transfer.package.load_receipt`).
        """
        if not isinstance(signed, SignedReceipt):
            raise TransferInputError.of(
                "transfer.invalid", "$", "a SignedReceipt: load_receipt reads the receipt's bytes"
            )
        receipt = signed.receipt
        with self._store.transaction():
            transfer = self._source_record(receipt.transfer_id)
            self._keys.verify(
                signed.signature,
                receipt_message(receipt),
                party=transfer.destination,
                path="$.signature",
            )
            if transfer.receipt == signed:
                return transfer
            exported = self._answered(transfer, receipt)
            if transfer.receipt is not None:
                closed_by = transfer.receipt.receipt.package_id
                raise TransferStateError.of(
                    "transfer.already_closed",
                    "$.receipt.package_id",
                    f"package {closed_by}",
                )
            now = self._clock.now()
            details = {"receipt_id": receipt.receipt_id, "package_id": receipt.package_id}
            if receipt.outcome is ReceiptOutcome.REJECTED:
                step = TransferStep(
                    state=TransferState.REJECTED,
                    at=now,
                    actor=actor,
                    reason_code=receipt.reason_code,
                    reason=receipt.reason,
                    package_id=receipt.package_id,
                    header_digest=exported.header_digest,
                    receipt=signed,
                )
                return self._step(transfer, step, "transfer.reject", **details)
            imported = TransferStep(
                state=TransferState.IMPORTED,
                at=now,
                actor=actor,
                package_id=receipt.package_id,
                header_digest=exported.header_digest,
                entries=receipt.entries_imported,
                credited_minutes=receipt.credited_minutes_imported,
            )
            transfer = self._step(transfer, imported, "transfer.imported", **details)
            done = TransferStep(
                state=TransferState.ACKNOWLEDGED, at=now, actor=actor, receipt=signed
            )
            return self._step(transfer, done, "transfer.acknowledge", **details)

    # ------------------------------------------------------------------------------ destination

    def verify(self, paths: Sequence[str | os.PathLike[str]]) -> VerifiedPackage:
        """Verify a package addressed to this platform, writing nothing.

        Args:
            paths: The chunk files, in any order.

        Returns:
            The verified package.

        Raises:
            PackageRefused: The code of the first problem (see :mod:`volunteerkit.transfer.package`;
                ``transfer.unreadable`` for a file that cannot be opened).
            TransferInputError: ``transfer.invalid`` if ``paths`` is not a collection of paths
                (see :func:`~volunteerkit.transfer.package.verify_package`).
        """
        return verify_package(paths, self._keys, destination=self._party)

    def _sign(self, receipt: Receipt) -> SignedReceipt:
        return SignedReceipt(
            receipt=receipt, signature=self._need_signer().sign(receipt_message(receipt))
        )

    def _existing(self, package: VerifiedPackage) -> Transfer | None:
        header = package.header
        try:
            found = self._store.transfers.get(header.transfer_id)
        except NotFoundError:
            return None
        if found.role is not Role.DESTINATION or found.source != header.source:
            raise PackageRefused.of("transfer.transfer_mismatch", "$.header.transfer_id")
        return found

    def _received(self, package: VerifiedPackage, volunteer_id: str, actor: str) -> Transfer:
        header = package.header
        return new_transfer(
            transfer_id=header.transfer_id,
            role=Role.DESTINATION,
            volunteer_id=volunteer_id,
            source=header.source,
            destination=header.destination,
            consent=header.consent,
            actor=actor,
            at=self._clock.now(),
            package_id=header.package_id,
            header_digest=package.header_digest,
            entries=package.totals.entries,
            credited_minutes=package.totals.credited_minutes,
        )

    def _match(self, header: PackageHeader, expected: str | None) -> str:
        found = self._directory.match(header.volunteer)
        if found is None:
            raise VolunteerNotMatched.of("transfer.volunteer_not_found", "$.header.volunteer")
        if expected is not None and found != expected:
            raise PackageRefused.of("transfer.volunteer_mismatch", "$.header.volunteer")
        return found

    def import_package(
        self,
        paths: Sequence[str | os.PathLike[str]],
        *,
        actor: str,
        overlap: OverlapPolicy = OverlapPolicy.KEEP_AND_FLAG,
        volunteer_id: str | None = None,
    ) -> ImportResult:
        """Verify a package completely, then import all of it or nothing, and sign a receipt.

        The package imported here before (the same package id, header digest and totals, from
        the same source) is a replay: nothing is written and its stored receipt is returned, even
        if the volunteer it credited has since been anonymised or merged. Another package of a
        transfer answered here, even one reusing the package id, is refused.

        Args:
            paths: Every chunk file of the package, in any order.
            actor: Who imports (the receiving organization's verification).
            overlap: What to do with entries overlapping the volunteer's live local entries.
            volunteer_id: The local volunteer this package is expected for; a package for anyone
                else is refused.

        Returns:
            The transfer record, the signed receipt and the volunteer credited (for a replay,
            those of the first import, with ``replayed`` set).

        Raises:
            PackageRefused: A verification code (nothing written), ``transfer.volunteer_mismatch``
                or ``transfer.transfer_mismatch``.
            VolunteerNotMatched: ``transfer.volunteer_not_found``.
            TransferStateError: ``transfer.already_imported`` if another package of this transfer
                was imported here, ``transfer.already_rejected`` if another package of it was
                rejected here, or ``transfer.invalid_transition`` if this package was rejected
                here.
            PolicyViolation: If this platform's policy refuses an entry (nothing written).
            TransferInputError: ``transfer.invalid`` for an unknown overlap policy, ``paths``
                that are not a collection of paths or a ``volunteer_id`` that is not text,
                ``transfer.wrong_key`` without a signer.
        """
        if not isinstance(overlap, OverlapPolicy):
            raise TransferInputError.of("transfer.invalid", "$.overlap", "keep_and_flag or skip")
        if volunteer_id is not None and not isinstance(volunteer_id, str):
            raise TransferInputError.of("transfer.invalid", "$.volunteer_id", "expected text")
        self._need_signer()
        package = self.verify(paths)
        existing = self._existing(package)
        if existing is not None:
            return self._replay(existing, package, volunteer_id)
        matched = self._match(package.header, volunteer_id)
        return self._import(package, matched, actor, overlap)

    def _replay(
        self, existing: Transfer, package: VerifiedPackage, expected: str | None
    ) -> ImportResult:
        """Answer a package of a transfer this side already holds, writing nothing.

        The package imported here before gets its stored receipt back, without matching the
        volunteer again: the import is done, and the volunteer it credited may have been
        anonymised or merged since. Only when the caller expects another volunteer than the one
        credited is the reference matched (a merge may have made that one the survivor).
        """
        same = _same_package(existing, package)
        if existing.state is TransferState.REJECTED and not same:
            raise TransferStateError.of("transfer.already_rejected", "$.header.package_id")
        if existing.state is TransferState.REJECTED:
            raise TransferStateError.of("transfer.invalid_transition", "$.state", "rejected here")
        if not same or existing.receipt is None:
            raise TransferStateError.of("transfer.already_imported", "$.header.package_id")
        if expected is not None and expected != existing.volunteer_id:
            self._match(package.header, expected)
        return ImportResult(
            transfer=existing,
            receipt=existing.receipt,
            volunteer_id=existing.volunteer_id,
            replayed=True,
        )

    def _import(
        self, package: VerifiedPackage, volunteer_id: str, actor: str, overlap: OverlapPolicy
    ) -> ImportResult:
        header = package.header
        repo = self._store.ledger
        tally = _Tally()
        policy = self._ledger.policy
        # the ledger's turn first (on PostgreSQL), then the clock and the volunteer's records: an
        # entry another writer records meanwhile is then seen by the overlap check, not imported
        # beside, and nothing the import writes is dated before what that writer wrote
        with tempfile.TemporaryFile("w+", encoding="utf-8") as pending, self._ledger.transaction():
            now = self._clock.now()
            local_entries, local_events = repo.records_of([volunteer_id]).get(
                volunteer_id, ([], [])
            )
            local = _Intervals(fold(local_entries, local_events, as_of=now).entries)
            del local_entries, local_events
            transfer = self._received(package, volunteer_id, actor)
            self._store.transfers.add(transfer)
            self._audit(
                transfer,
                transfer.steps[0],
                "transfer.receive",
                package_id=header.package_id,
                entries=str(package.totals.entries),
            )
            new = self._new_entries(package, volunteer_id, actor, now, overlap, local, tally, pending)
            self._ledger.record_many(
                self._spooling(new, policy, pending), actor=actor, atomic=True
            )
            pending.seek(0)
            self._ledger.approve_many(
                (EntryId.parse(line.rstrip("\n")) for line in pending),
                actor=actor,
                reason=f"transfer {header.transfer_id} from {header.source}",
            )
            details = {
                "package_id": header.package_id,
                "imported": str(tally.imported),
                "already_present": str(tally.present),
                "skipped": str(len(tally.skipped)),
                "flagged": str(len(tally.flagged)),
            }
            transfer = self._step(
                transfer,
                TransferStep(
                    state=TransferState.IMPORTED,
                    at=now,
                    actor=actor,
                    package_id=header.package_id,
                    entries=tally.imported,
                    credited_minutes=tally.credited,
                ),
                "transfer.import",
                **details,
            )
            signed = self._sign(
                Receipt(
                    receipt_id=new_id(self._clock),
                    transfer_id=header.transfer_id,
                    package_id=header.package_id,
                    header_digest=package.header_digest,
                    source=header.source,
                    destination=header.destination,
                    outcome=ReceiptOutcome.IMPORTED,
                    at=now,
                    entries_received=tally.received,
                    entries_imported=tally.imported,
                    entries_already_present=tally.present,
                    entries_skipped=len(tally.skipped),
                    entries_flagged=len(tally.flagged),
                    credited_minutes_imported=tally.credited,
                    skipped=tuple(tally.skipped),
                    flagged=tuple(tally.flagged),
                )
            )
            transfer = self._step(
                transfer,
                TransferStep(state=TransferState.ACKNOWLEDGED, at=now, actor=actor, receipt=signed),
                "transfer.acknowledge",
                receipt_id=signed.receipt.receipt_id,
            )
        return ImportResult(transfer=transfer, receipt=signed, volunteer_id=volunteer_id)

    def _new_entries(
        self,
        package: VerifiedPackage,
        volunteer_id: str,
        actor: str,
        now: datetime,
        overlap: OverlapPolicy,
        local: _Intervals,
        tally: _Tally,
        pending: IO[str],
    ) -> Iterator[ServiceEntry]:
        """Stream the package's entries that are new here, writing their certified credit first."""
        header = package.header
        stream = read_entries(package, self._keys)
        while batch := list(islice(stream, _BATCH)):
            tally.received += len(batch)
            held = self._store.ledger.get_entries([e.id for e in batch])
            kept: list[TransferEntry] = []
            rows: list[TransferredEntry] = []
            for entry in batch:
                if entry.id in held:
                    tally.present += 1
                    continue
                flagged = local.overlaps(entry.start, entry.end)
                if flagged and overlap is OverlapPolicy.SKIP:
                    tally.skipped.append(entry.id)
                    continue
                if flagged:
                    tally.flagged.append(entry.id)
                kept.append(entry)
                rows.append(
                    TransferredEntry(
                        entry_id=entry.id,
                        volunteer_id=volunteer_id,
                        transfer_id=header.transfer_id,
                        package_id=header.package_id,
                        source=header.source,
                        captured_by=entry.source,
                        certified_by=entry.certified_by,
                        certified_at=entry.certified_at,
                        source_recorded_at=entry.recorded_at,
                        credited_minutes=entry.credited_minutes,
                        days=entry.days,
                        flagged=flagged,
                        imported_at=now,
                    )
                )
            self._store.transfers.add_entries(rows)
            for entry in kept:
                tally.imported += 1
                tally.credited += entry.credited_minutes
                yield entry.to_service_entry(
                    volunteer_id=volunteer_id, recorded_by=actor, recorded_at=now
                )

    @staticmethod
    def _spooling(
        entries: Iterator[ServiceEntry], policy: AccrualPolicy, pending: IO[str]
    ) -> Iterator[ServiceEntry]:
        """Pass entries through, noting those the policy will record pending (to approve them)."""
        for entry in entries:
            if decide_approval(entry, policy).status is Status.PENDING:
                pending.write(f"{entry.id}\n")
            yield entry

    def reject_package(
        self,
        paths: Sequence[str | os.PathLike[str]],
        *,
        actor: str,
        reason_code: RejectReason,
        reason: str = "",
    ) -> SignedReceipt:
        """Answer an authentic package with a signed rejection, importing nothing.

        Args:
            paths: The package's chunk files.
            actor: Who rejects.
            reason_code: Why.
            reason: Free text.

        Returns:
            The signed rejection for the source; for the package rejected here before (the
            same package id, header digest and totals), the same rejection as then (whatever
            ``reason_code`` says now).

        Raises:
            PackageRefused: If the package does not verify (nothing is recorded then).
            TransferInputError: ``transfer.invalid`` if ``paths`` is not a collection of paths.
            TransferStateError: ``transfer.already_imported`` if a package of this transfer was
                imported here, ``transfer.already_rejected`` if *another* package of it was
                rejected here (its receipt, :attr:`Transfer.receipt` of this side's record,
                answers the source).
        """
        package = self.verify(paths)
        header = package.header
        existing = self._existing(package)
        if existing is not None and existing.state is not TransferState.REJECTED:
            raise TransferStateError.of("transfer.already_imported", "$.header.package_id")
        if existing is not None:
            if _same_package(existing, package) and existing.receipt is not None:
                return existing.receipt
            raise TransferStateError.of("transfer.already_rejected", "$.header.package_id")
        now = self._clock.now()
        signed = self._sign(
            Receipt(
                receipt_id=new_id(self._clock),
                transfer_id=header.transfer_id,
                package_id=header.package_id,
                header_digest=package.header_digest,
                source=header.source,
                destination=header.destination,
                outcome=ReceiptOutcome.REJECTED,
                reason_code=reason_code,
                reason=reason,
                at=now,
                entries_received=package.totals.entries,
            )
        )
        try:
            matched = self._directory.match(header.volunteer) or "unknown"
        except PackageRefused:  # a reference naming two people: a reason to reject, not to fail
            matched = "unknown"
        with self._store.transaction():
            transfer = self._received(package, matched, actor)
            self._store.transfers.add(transfer)
            self._audit(transfer, transfer.steps[0], "transfer.receive", package_id=header.package_id)
            self._step(
                transfer,
                TransferStep(
                    state=TransferState.REJECTED,
                    at=now,
                    actor=actor,
                    reason_code=reason_code,
                    reason=reason,
                    receipt=signed,
                ),
                "transfer.reject",
                receipt_id=signed.receipt.receipt_id,
            )
        return signed
