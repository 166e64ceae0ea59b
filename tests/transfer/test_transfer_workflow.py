"""The transfer state machine: allowed transitions, reason codes, and the start of each side."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from volunteerkit.transfer.errors import TransferInputError, TransferStateError
from volunteerkit.transfer.models import RejectReason
from volunteerkit.transfer.workflow import (
    START,
    TRANSITIONS,
    Role,
    Transfer,
    TransferState,
    TransferStep,
    advance,
    new_transfer,
)

T = datetime(2026, 11, 28, 1, tzinfo=UTC)
S = TransferState


def _source() -> Transfer:
    return new_transfer(
        transfer_id="t1",
        role=Role.SOURCE,
        volunteer_id="hami-v1",
        source="hami",
        destination="bj",
        consent="consent-1",
        actor="volunteer",
        at=T,
    )


def _step(state: TransferState, minutes: int = 1, **kw) -> TransferStep:
    if state is S.EXPORTED:
        kw = {"package_id": "p1", "header_digest": "sha256:" + "0" * 64, "entries": 3,
              "credited_minutes": 540, **kw}
    if state is S.REJECTED:
        kw = {"reason_code": RejectReason.CONSENT_WITHDRAWN, **kw}
    return TransferStep(state=state, at=T + timedelta(minutes=minutes), actor="admin", **kw)


def test_the_source_walks_from_request_to_acknowledgement():
    """requested, approved, exported, imported, acknowledged: each step recorded in order."""
    t = _source()
    for i, state in enumerate([S.APPROVED, S.EXPORTED, S.IMPORTED, S.ACKNOWLEDGED], start=1):
        t = advance(t, _step(state, i))
    assert [s.state for s in t.steps] == [
        S.REQUESTED, S.APPROVED, S.EXPORTED, S.IMPORTED, S.ACKNOWLEDGED
    ]
    assert t.state is S.ACKNOWLEDGED
    assert t.allowed_next() == frozenset()
    assert t.exported is not None and t.exported.package_id == "p1"
    assert (t.created_at, t.updated_at) == (T, T + timedelta(minutes=4))


def test_every_export_is_kept_and_found_by_package():
    """Exporting again keeps the earlier package: each one is found by its id, in export order."""
    t = advance(_source(), _step(S.APPROVED, 1))
    t = advance(t, _step(S.EXPORTED, 2))
    t = advance(t, _step(S.EXPORTED, 3, package_id="p2", entries=4))
    assert [(s.package_id, s.entries) for s in t.exports] == [("p1", 3), ("p2", 4)]
    assert t.exported == t.exports[-1]
    assert t.export_of("p1") == t.steps[2]
    assert t.export_of("p2") == t.steps[3]
    assert t.export_of("p3") is None
    assert _source().exports == ()


def test_the_destination_starts_at_exported():
    """The destination's record starts with the package it received."""
    t = new_transfer(
        transfer_id="t1", role=Role.DESTINATION, volunteer_id="bj-v9", source="hami",
        destination="bj", consent="consent-1", actor="bj-admin", at=T, package_id="p1",
        header_digest="sha256:" + "1" * 64, entries=2, credited_minutes=90,
    )
    assert t.state is S.EXPORTED
    assert START == {Role.SOURCE: S.REQUESTED, Role.DESTINATION: S.EXPORTED}
    t = advance(advance(t, _step(S.IMPORTED)), _step(S.ACKNOWLEDGED, 2))
    assert t.state is S.ACKNOWLEDGED


def _walk_to(state: TransferState) -> Transfer:
    path = {
        S.REQUESTED: [],
        S.APPROVED: [S.APPROVED],
        S.EXPORTED: [S.APPROVED, S.EXPORTED],
        S.IMPORTED: [S.APPROVED, S.EXPORTED, S.IMPORTED],
        S.ACKNOWLEDGED: [S.APPROVED, S.EXPORTED, S.IMPORTED, S.ACKNOWLEDGED],
        S.REJECTED: [S.REJECTED],
    }[state]
    t = _source()
    for i, s in enumerate(path, start=1):
        t = advance(t, _step(s, i))
    return t


@pytest.mark.parametrize(
    ("before", "after"),
    [(a, b) for a in S for b in S if b not in TRANSITIONS[a]],
)
def test_transitions_outside_the_table_are_refused(before, after):
    """Every pair of states not in TRANSITIONS is refused with invalid_transition."""
    t = _walk_to(before)
    with pytest.raises(TransferStateError) as info:
        advance(t, _step(after, 10))
    assert (info.value.code, info.value.path) == ("transfer.invalid_transition", "$.state")
    assert info.value.message.endswith(f"({before.value} -> {after.value})")


@pytest.mark.parametrize(
    ("before", "after"),
    [(a, b) for a in S for b in TRANSITIONS[a]],
)
def test_transitions_in_the_table_are_allowed(before, after):
    """Every pair of states in TRANSITIONS is allowed."""
    assert advance(_walk_to(before), _step(after, 10)).state is after


def test_rejection_is_possible_at_every_step_before_import():
    """Requested, approved and exported may be rejected; imported and the final states may not."""
    assert {s for s in S if S.REJECTED in TRANSITIONS[s]} == {S.REQUESTED, S.APPROVED, S.EXPORTED}


def test_a_rejection_needs_a_reason_code_and_only_a_rejection_has_one():
    """A rejection without a code, or an approval with one, is refused."""
    with pytest.raises(TransferInputError) as info:
        TransferStep(state=S.REJECTED, at=T, actor="a")
    assert (info.value.code, info.value.path) == ("transfer.reason_required", "$.reason_code")
    with pytest.raises(TransferInputError) as info:
        TransferStep(state=S.APPROVED, at=T, actor="a", reason_code=RejectReason.OTHER)
    assert (info.value.code, info.value.path) == ("transfer.invalid", "$.reason_code")
    rejected = advance(_source(), _step(S.REJECTED, reason="moved back"))
    assert rejected.reason_code is RejectReason.CONSENT_WITHDRAWN


def test_an_export_step_names_its_package():
    """An exported step without package id, digest and totals is refused."""
    with pytest.raises(TransferInputError) as info:
        TransferStep(state=S.EXPORTED, at=T, actor="a", package_id="p1")
    assert info.value.code == "transfer.invalid"


def test_steps_cannot_go_back_in_time():
    """A step dated before the previous one is refused."""
    with pytest.raises(TransferInputError) as info:
        advance(_source(), _step(S.APPROVED, -5))
    assert (info.value.code, info.value.path) == ("transfer.invalid", "$.at")


def test_a_transfer_needs_consent():
    """A transfer without a consent reference is refused."""
    with pytest.raises(TransferInputError) as info:
        new_transfer(
            transfer_id="t1", role=Role.SOURCE, volunteer_id="v", source="a", destination="b",
            consent=" ", actor="x", at=T,
        )
    assert (info.value.code, info.value.path) == ("transfer.consent_required", "$.consent")


def test_a_stored_history_that_breaks_the_rules_is_refused():
    """A record whose steps skip a state (requested straight to imported) cannot be built."""
    with pytest.raises(TransferInputError) as info:
        Transfer(
            id="t1", role=Role.SOURCE, volunteer_id="v", source="a", destination="b",
            consent="c", steps=(_step(S.REQUESTED, 0), _step(S.IMPORTED, 1)),
        )
    assert (info.value.code, info.value.path) == ("transfer.invalid", "$.steps[1].state")


def test_a_reason_code_is_a_reject_reason_or_its_text():
    """A reason code that is no RejectReason is transfer.invalid, and its text value is taken.

    Before, "nope" was reported as a missing reason code (transfer.reason_required), and the text
    "other", a valid code, was refused as missing too.
    """
    for bad in ("nope", 5, b"other"):
        with pytest.raises(TransferInputError) as info:
            TransferStep(state=S.REJECTED, at=T, actor="a", reason_code=bad)  # type: ignore[arg-type]
        assert (info.value.code, info.value.path) == ("transfer.invalid", "$.reason_code")
    step = TransferStep(state=S.REJECTED, at=T, actor="a", reason_code="other")  # type: ignore[arg-type]
    assert step.reason_code is RejectReason.OTHER
