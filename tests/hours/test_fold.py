"""The ledger fold: as-of semantics, transitions, idempotency and conflicts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import attrs
import pytest

from volunteerkit.errors import NaiveDatetimeError
from volunteerkit.hours import (
    NATIONAL,
    Approved,
    Corrected,
    CorrectionKind,
    InvalidEvent,
    LedgerConflict,
    LedgerEvent,
    Rejected,
    ServiceEntry,
    Status,
    UnknownEntry,
    Voided,
    check_event,
    credited_as_of,
    fold,
    initial_state,
    totals_as_of,
)

from .strategies import eid, evid, make_entry

SH = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 6, 2, 9, 0, tzinfo=UTC)  # the entry is recorded
T1 = T0 + timedelta(days=1)  # approved
T2 = T0 + timedelta(days=2)  # corrected: end 12:00 -> 11:00
T3 = T0 + timedelta(days=3)  # voided


def _entry(status: Status = Status.PENDING) -> ServiceEntry:
    """09:00-12:00 on 1 June 2026 in Shanghai (180 minutes), recorded at T0."""
    return make_entry(
        "1",
        datetime(2026, 6, 1, 9, tzinfo=SH),
        datetime(2026, 6, 1, 12, tzinfo=SH),
        SH,
        status=status,
        recorded_at=T0,
    )


def approve(local: str, when: datetime, entry: str = "1") -> Approved:
    """An approval."""
    return Approved(id=evid(local), entry_id=eid(entry), actor="lead", at=when)


def reject(local: str, when: datetime, entry: str = "1") -> Rejected:
    """A rejection."""
    return Rejected(id=evid(local), entry_id=eid(entry), actor="lead", at=when, reason="no proof")


def void(local: str, when: datetime, entry: str = "1") -> Voided:
    """A void."""
    return Voided(
        id=evid(local), entry_id=eid(entry), actor="admin", at=when, reason="false record"
    )


def adjust(local: str, when: datetime, **values: object) -> Corrected:
    """An adjustment of entry 1."""
    return Corrected(
        id=evid(local),
        entry_id=eid("1"),
        actor="lead",
        at=when,
        reason="fix",
        **values,  # type: ignore[arg-type]
    )


def reverse(local: str, when: datetime) -> Corrected:
    """A reversal of entry 1."""
    return Corrected(
        id=evid(local),
        entry_id=eid("1"),
        actor="lead",
        at=when,
        reason="wrong",
        kind=CorrectionKind.REVERSE,
    )


def credited_at(
    events: list[LedgerEvent], when: datetime, entry: ServiceEntry | None = None
) -> int:
    """Credited minutes of volunteer v1 as of ``when``."""
    return credited_as_of([entry or _entry()], events, NATIONAL, as_of=when).credited_minutes


HISTORY: list[LedgerEvent] = [
    approve("e1", T1),
    adjust("e2", T2, end=datetime(2026, 6, 1, 11, tzinfo=SH)),
    void("e3", T3),
]


@pytest.mark.parametrize(
    ("when", "minutes", "status"),
    [
        (T0 - timedelta(seconds=1), None, None),  # not recorded yet
        (T0, 0, Status.PENDING),
        (T1 - timedelta(seconds=1), 0, Status.PENDING),
        (T1, 180, Status.APPROVED),  # events at exactly T count
        (T2, 120, Status.APPROVED),
        (T3 - timedelta(microseconds=1), 120, Status.APPROVED),
        (T3, 0, Status.VOIDED),
    ],
)
def test_credited_as_of_any_instant(
    when: datetime, minutes: int | None, status: Status | None
) -> None:
    """Credit as of any instant reflects exactly the events dated by then.

    Approval at T1, correction at T2 and void at T3 give 0, 180, 120 and 0 minutes at the
    matching instants; before T0 the entry does not exist.
    """
    state = fold([_entry()], HISTORY, as_of=when)
    if status is None:
        assert state.entries == ()
        with pytest.raises(UnknownEntry):
            state.get(eid("1"))
    else:
        assert state.get(eid("1")).status is status
        assert credited_at(HISTORY, when) == minutes


def test_event_order_in_the_input_does_not_matter() -> None:
    """Events apply in (at, id) order whatever order they are given in."""
    forward = fold([_entry()], HISTORY, as_of=T3)
    backward = fold([_entry()], list(reversed(HISTORY)), as_of=T3)
    assert forward == backward


def test_duplicate_events_count_once() -> None:
    """The same event given twice applies once: the state equals the single-copy state."""
    once = fold([_entry()], HISTORY, as_of=T3)
    twice = fold([_entry(), _entry()], HISTORY + HISTORY, as_of=T3)
    assert once == twice
    assert len(twice.get(eid("1")).history) == 3
    assert twice.ignored == ()


def test_a_second_approval_with_another_id_is_ignored_and_reported() -> None:
    """Approving an approved entry again is refused by the transition table and reported."""
    state = fold([_entry()], [approve("a1", T1), approve("a2", T2)], as_of=T3)
    assert state.get(eid("1")).approved_at == T1
    assert [(i.event.id.local_id, i.code) for i in state.ignored] == [
        ("a2", "hours.invalid_transition")
    ]


def test_conflicting_duplicates_raise() -> None:
    """Two different entries (or events) under one id raise LedgerConflict."""
    other = attrs.evolve(_entry(), note="changed")
    with pytest.raises(LedgerConflict) as info:
        fold([_entry(), other], [], as_of=T3)
    assert info.value.code == "hours.entry_conflict"
    with pytest.raises(LedgerConflict) as info:
        fold([_entry()], [approve("x", T1), approve("x", T2)], as_of=T3)
    assert info.value.code == "hours.event_conflict"


def test_entry_recorded_approved_counts_from_its_recording() -> None:
    """An entry recorded approved (e.g. by organization staff) is approved by its recorder."""
    state = fold([_entry(Status.APPROVED)], [], as_of=T0).get(eid("1"))
    assert (state.status, state.approved_by, state.approved_at) == (Status.APPROVED, "recorder", T0)
    assert credited_at([], T0, _entry(Status.APPROVED)) == 180


def test_rejected_entries_may_be_approved_on_review_but_not_corrected() -> None:
    """Rejected -> approved is allowed (review); a correction of a rejected entry is ignored."""
    events: list[LedgerEvent] = [
        reject("r", T1),
        adjust("c", T1 + timedelta(hours=1), break_minutes=10),
    ]
    state = fold([_entry()], events, as_of=T2)
    assert state.get(eid("1")).status is Status.REJECTED
    assert [i.code for i in state.ignored] == ["hours.invalid_transition"]
    state = fold([_entry()], [*events, approve("a", T2)], as_of=T2)
    assert state.get(eid("1")).status is Status.APPROVED
    assert credited_at([*events, approve("a", T2)], T2) == 180


def test_approved_entries_cannot_be_rejected_only_voided() -> None:
    """A rejection after approval is ignored; a void works from any status but voided."""
    state = fold(
        [_entry()], [approve("a", T1), reject("r", T2), void("v", T3), void("v2", T3)], as_of=T3
    )
    assert state.get(eid("1")).status is Status.VOIDED
    assert [i.code for i in state.ignored] == ["hours.invalid_transition"] * 2


def test_reversal_zeroes_credit_for_good() -> None:
    """A reversed entry credits nothing and accepts no later approval or correction."""
    events: list[LedgerEvent] = [
        approve("a", T1),
        reverse("r", T2),
        adjust("c", T3, break_minutes=5),
    ]
    state = fold([_entry()], events, as_of=T3)
    entry_state = state.get(eid("1"))
    assert entry_state.reversed
    assert entry_state.status is Status.APPROVED
    assert not entry_state.effective
    assert credited_at(events, T2) == 0
    assert credited_at(events, T2 - timedelta(seconds=1)) == 180
    assert [i.code for i in state.ignored] == ["hours.invalid_transition"]


def test_adjustments_accumulate_and_invalid_ones_are_ignored() -> None:
    """Adjustments accumulate; an adjustment breaking an entry invariant is ignored.

    Adjust break then start; an adjustment that would end before the start is ignored with
    the entry invariant's code.
    """
    events: list[LedgerEvent] = [
        approve("a", T1),
        adjust("b", T1 + timedelta(hours=1), break_minutes=30),
        adjust("s", T1 + timedelta(hours=2), start=datetime(2026, 6, 1, 10, tzinfo=SH)),
        adjust("bad", T1 + timedelta(hours=3), end=datetime(2026, 6, 1, 8, tzinfo=SH)),
    ]
    state = fold([_entry()], events, as_of=T2)
    # 10:00-12:00 minus 30 minutes break
    assert credited_at(events, T2) == 90
    assert [(i.event.id.local_id, i.code) for i in state.ignored] == [
        ("bad", "hours.end_before_start")
    ]
    corrected = state.get(eid("1")).as_entry()
    assert corrected.net_minutes == 90
    assert corrected.id == eid("1")


def test_events_for_unknown_entries_or_dated_before_recording_are_ignored() -> None:
    """Events must refer to a recorded entry and be dated at or after its recording."""
    events: list[LedgerEvent] = [
        approve("x", T1, entry="nope"),
        approve("early", T0 - timedelta(hours=1)),
    ]
    state = fold([_entry()], events, as_of=T3)
    assert sorted(i.code for i in state.ignored) == [
        "hours.event_before_entry",
        "hours.unknown_entry",
    ]
    assert state.get(eid("1")).status is Status.PENDING


def test_check_event_raises_what_the_fold_would_ignore() -> None:
    """``check_event`` lets a store refuse an event on append with the fold's code."""
    state = initial_state(_entry())
    check_event(state, approve("a", T1))
    with pytest.raises(InvalidEvent) as info:
        check_event(None, approve("a", T1))
    assert info.value.code == "hours.unknown_entry"
    with pytest.raises(InvalidEvent) as info:
        check_event(state, adjust("c", T1, break_minutes=180))
    assert (info.value.code, info.value.path) == ("hours.break_too_long", "$.break_minutes")
    with pytest.raises(InvalidEvent) as info:
        check_event(state, approve("a", T0 - timedelta(seconds=1)))
    assert info.value.code == "hours.event_before_entry"


def test_fold_refuses_a_naive_as_of() -> None:
    """``as_of`` must be aware."""
    with pytest.raises(NaiveDatetimeError) as info:
        fold([_entry()], [], as_of=datetime(2026, 6, 1))
    assert info.value.path == "$.as_of"


def test_totals_as_of_only_folds_the_volunteers_records() -> None:
    """Another volunteer's entries and events do not affect, nor show up as ignored for, v1."""
    mine = _entry()
    theirs = make_entry(
        "2", mine.start, mine.end, SH, volunteer="v2", status=Status.APPROVED, recorded_at=T0
    )
    events: list[LedgerEvent] = [approve("a", T1), void("v", T2, entry="2")]
    result = totals_as_of([mine, theirs], events, NATIONAL, volunteer_id="v1", as_of=T1)
    assert result.credited_minutes == 180
    assert (
        totals_as_of([mine, theirs], events, NATIONAL, volunteer_id="v2", as_of=T1).credited_minutes
        == 180
    )
    assert (
        totals_as_of([mine, theirs], events, NATIONAL, volunteer_id="v2", as_of=T2).credited_minutes
        == 0
    )
