"""Hypothesis strategies for the transfer models, public for embedders.

Needs the ``hypothesis`` package. Strategies: :func:`transfer_entries`, :func:`package_headers`,
:func:`volunteer_refs`, :func:`receipts`, :func:`signed_receipts`, :func:`transfers` (workflow
records with a valid history of steps).
"""

from __future__ import annotations

import base64
import unicodedata
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

from volunteerkit.hours.models import EntryId, Source
from volunteerkit.transfer.models import (
    Algorithm,
    CertifiedDay,
    PackageHeader,
    Receipt,
    ReceiptOutcome,
    RejectReason,
    Signature,
    SignedReceipt,
    TransferEntry,
    VolunteerRef,
    local_days,
)
from volunteerkit.transfer.workflow import (
    Role,
    Transfer,
    TransferState,
    TransferStep,
    advance,
    new_transfer,
)

__all__ = [
    "ZONES",
    "package_headers",
    "parties",
    "receipts",
    "signed_receipts",
    "transfer_entries",
    "transfers",
    "volunteer_refs",
]

ZONES = ("Asia/Shanghai", "Asia/Urumqi", "Asia/Kathmandu", "America/New_York", "Pacific/Apia")
"""Zones the strategies draw from (odd offsets and daylight saving included)."""

_T0 = datetime(2020, 1, 1, tzinfo=UTC)

parties = st.sampled_from(["hami.volunteer-cloud", "bj.volunteer-cloud", "gd", "national_1"])
"""Region or platform ids."""

_ids = st.text(alphabet="abcdef0123456789-", min_size=1, max_size=36).map(lambda s: "x" + s)
_words = (
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=20)
    .map(lambda s: unicodedata.normalize("NFC", s))
    .filter(lambda s: s.strip() != "")
)
_free = st.text(
    alphabet=st.characters(codec="utf-8", exclude_characters="\x00"), max_size=30
).map(lambda s: unicodedata.normalize("NFC", s))
_instants = st.integers(min_value=0, max_value=10 * 365 * 24 * 60).map(
    lambda m: _T0 + timedelta(minutes=m)
)


@st.composite
def transfer_entries(draw: st.DrawFn, origin: str | None = None) -> TransferEntry:
    """Draw a valid :class:`TransferEntry` (its days are the entry's local dates).

    Args:
        draw: Hypothesis's draw function.
        origin: Fix the origin of the entry id.

    Returns:
        An entry.
    """
    start = draw(_instants) + timedelta(seconds=draw(st.sampled_from([0, 0, 17])))
    duration = draw(st.integers(min_value=1, max_value=1500))
    end = start + timedelta(minutes=duration)
    brk = draw(st.integers(min_value=0, max_value=duration - 1))
    zone = ZoneInfo(draw(st.sampled_from(ZONES)))
    days = [
        CertifiedDay(day=d, minutes=draw(st.integers(min_value=0, max_value=1500)))
        for d in local_days(start, end, brk, zone)
    ]
    recorded = end + timedelta(minutes=draw(st.integers(min_value=0, max_value=10_000)))
    return TransferEntry(
        id=EntryId(
            origin=origin or draw(st.sampled_from(["hami", "bj.cloud", "gd-1"])),
            local_id=draw(_ids),
        ),
        organization_id=draw(_words),
        activity_id=draw(st.none() | _words),
        category=draw(st.sampled_from(["community", "elderly care", "赛会服务"])),
        start=start,
        end=end,
        zone=zone,
        break_minutes=brk,
        travel_minutes=draw(st.integers(min_value=0, max_value=300)),
        source=draw(st.sampled_from([s for s in Source if s is not Source.TRANSFERRED])),
        recorded_by=draw(_words),
        recorded_at=recorded,
        certified_by=draw(_words),
        certified_at=recorded + timedelta(minutes=draw(st.integers(0, 5000))),
        note=draw(_free),
        credited_minutes=sum(d.minutes for d in days),
        days=tuple(days),
    )


@st.composite
def volunteer_refs(draw: st.DrawFn) -> VolunteerRef:
    """Draw a :class:`VolunteerRef` with a blind index, a unified number, or both.

    Args:
        draw: Hypothesis's draw function.

    Returns:
        A reference.
    """
    which = draw(st.sampled_from(["index", "unified", "both"]))
    index = None
    if which != "unified":
        index = draw(st.sampled_from(["i1", "bj-2026"])) + ":" + draw(
            st.text(alphabet="0123456789abcdef", min_size=64, max_size=64)
        )
    unified = None
    if which != "index":
        unified = draw(st.text(alphabet="0123456789ABCDEF-", min_size=1, max_size=20))
    return VolunteerRef(
        blind_index=index,
        masked_number=draw(st.none() | st.just("650102********1234")),
        document_scheme=draw(st.none() | st.just("cn_ric")),
        unified_number=unified,
    )


@st.composite
def package_headers(draw: st.DrawFn) -> PackageHeader:
    """Draw a valid :class:`PackageHeader`.

    Args:
        draw: Hypothesis's draw function.

    Returns:
        A header.
    """
    source = draw(parties)
    destination = draw(parties.filter(lambda p: p != source))
    return PackageHeader(
        package_id=draw(_ids),
        transfer_id=draw(_ids),
        source=source,
        destination=destination,
        created_at=draw(_instants),
        volunteer=draw(volunteer_refs()),
        consent=draw(_words),
        policy=draw(st.sampled_from(["national", "beijing_university"])),
    )


_signatures = st.builds(
    Signature,
    algorithm=st.sampled_from(list(Algorithm)),
    key_id=st.sampled_from(["k1", "hami-2026"]),
    value=st.binary(min_size=32, max_size=64).map(
        lambda b: base64.b64encode(b).decode()
    ),
)


@st.composite
def receipts(draw: st.DrawFn) -> Receipt:
    """Draw a consistent :class:`Receipt` (counts add up; a reason only with a rejection).

    Args:
        draw: Hypothesis's draw function.

    Returns:
        A receipt.
    """
    outcome = draw(st.sampled_from(list(ReceiptOutcome)))
    source = draw(parties)
    fields: dict[str, Any] = {
        "receipt_id": draw(_ids),
        "transfer_id": draw(_ids),
        "package_id": draw(_ids),
        "header_digest": "sha256:" + "ab" * 32,
        "source": source,
        "destination": draw(parties.filter(lambda p: p != source)),
        "outcome": outcome,
        "at": draw(_instants),
        "reason": draw(_free),
    }
    if outcome is ReceiptOutcome.REJECTED:
        fields["reason_code"] = draw(st.sampled_from(list(RejectReason)))
        fields["entries_received"] = draw(st.integers(0, 100))
    else:
        skipped = draw(st.lists(st.builds(EntryId, origin=st.just("hami"), local_id=_ids), max_size=3))
        flagged = draw(st.lists(st.builds(EntryId, origin=st.just("hami"), local_id=_ids), max_size=3))
        imported = draw(st.integers(0, 100)) + len(flagged)
        present = draw(st.integers(0, 100))
        fields.update(
            entries_received=imported + present + len(skipped),
            entries_imported=imported,
            entries_already_present=present,
            entries_skipped=len(skipped),
            entries_flagged=len(flagged),
            credited_minutes_imported=draw(st.integers(0, 10**6)),
            skipped=tuple(skipped),
            flagged=tuple(flagged),
        )
    return Receipt(**fields)


signed_receipts = st.builds(SignedReceipt, receipt=receipts(), signature=_signatures)
"""Signed receipts (the signature is random bytes: for round trips, not verification)."""


@st.composite
def transfers(draw: st.DrawFn) -> Transfer:
    """Draw a :class:`Transfer` whose steps follow the allowed transitions.

    Args:
        draw: Hypothesis's draw function.

    Returns:
        A transfer record.
    """
    role = draw(st.sampled_from(list(Role)))
    source = draw(parties)
    destination = draw(parties.filter(lambda p: p != source))
    at = draw(_instants)
    transfer = new_transfer(
        transfer_id=draw(_ids),
        role=role,
        volunteer_id=draw(_ids),
        source=source,
        destination=destination,
        consent=draw(_words),
        actor=draw(_words),
        at=at,
        package_id=draw(_ids) if role is Role.DESTINATION else None,
        header_digest="sha256:" + "cd" * 32 if role is Role.DESTINATION else None,
        entries=draw(st.integers(0, 50)) if role is Role.DESTINATION else None,
        credited_minutes=draw(st.integers(0, 5000)) if role is Role.DESTINATION else None,
    )
    for _ in range(draw(st.integers(0, 4))):
        allowed = sorted(transfer.allowed_next(), key=lambda s: s.value)
        if not allowed:
            break
        state = draw(st.sampled_from(allowed))
        at = at + timedelta(minutes=draw(st.integers(0, 600)))
        rejected = state is TransferState.REJECTED
        transfer = advance(
            transfer,
            TransferStep(
                state=state,
                at=at,
                actor=draw(_words),
                reason_code=draw(st.sampled_from(list(RejectReason))) if rejected else None,
                reason=draw(_free),
                package_id=draw(_ids) if state is TransferState.EXPORTED else None,
                header_digest="sha256:" + "ef" * 32 if state is TransferState.EXPORTED else None,
                entries=draw(st.integers(0, 50)) if state is TransferState.EXPORTED else None,
                credited_minutes=draw(st.integers(0, 5000))
                if state is TransferState.EXPORTED
                else None,
            ),
        )
    return transfer
