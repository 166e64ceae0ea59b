"""A transfer id or filter of the wrong type gets one typed error on every store.

Before, a transfer id that was not text reached each backend's own rules: the memory store
answered ``transfer.not_found`` for a number and raised a bare ``TypeError`` for a list, SQLite
found the transfer ``"5"`` by the number 5 and refused a list with ``store.invalid_value``, and
PostgreSQL failed with ``store.operational`` for a number or ``bytes``. Text that no transfer can
have (empty, NUL, a lone surrogate, too long) finds nothing everywhere: ``transfer.not_found``.

Text a transfer record keeps (actor, reason, consent) with a lone surrogate was stored by the
memory store (or refused by its audit log as ``audit.nul_character``) and refused by SQLite and
PostgreSQL as ``store.invalid_text`` without a path; a volunteer id that is not text failed on
PostgreSQL with ``store.operational``. Now the records refuse both, the same everywhere.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from volunteerkit.errors import NotFoundError
from volunteerkit.testing.conformance_transfer import BEIJING, TransferScenario
from volunteerkit.transfer.errors import TransferInputError
from volunteerkit.transfer.models import RejectReason
from volunteerkit.transfer.workflow import Role, TransferState, TransferStep, new_transfer

AT = datetime(2026, 11, 28, 1, 0, tzinfo=UTC)
STEP = TransferStep(state=TransferState.APPROVED, at=AT, actor="coordinator")


def _add(s: TransferScenario, transfer_id: str) -> None:
    s.hami_store.transfers.add(
        new_transfer(
            transfer_id=transfer_id,
            role=Role.SOURCE,
            volunteer_id=s.hami_volunteer,
            source="hami.volunteer-cloud",
            destination="bj.volunteer-cloud",
            consent="consent-1",
            actor="volunteer",
            at=AT,
        )
    )


CALLS = {
    "get": lambda s, t: s.hami_store.transfers.get(t),
    "append_step": lambda s, t: s.hami_store.transfers.append_step(t, 1, STEP),
    "approve": lambda s, t: s.hami.approve(t, actor="coordinator"),
    "reject": lambda s, t: s.hami.reject(
        t, actor="coordinator", reason_code=next(iter(RejectReason))
    ),
    "export": lambda s, t: s.hami.export(t, s.folder, actor="coordinator"),
}

NOT_TEXT = [5, None, b"5", ["5"], 5.0]
NOT_AN_ID = ["", "  ", "a\x00b", "\ud800", "x" * 300, "x" * 5000, "é"]


@pytest.fixture
def s(each_backend: TransferScenario) -> TransferScenario:
    """Hami and Beijing on two fresh stores of one backend (see conftest's each_backend)."""
    return each_backend


@pytest.mark.parametrize("call", sorted(CALLS))
@pytest.mark.parametrize("bad", NOT_TEXT, ids=repr)
def test_a_transfer_id_that_is_not_text_is_transfer_invalid(s, call, bad):
    """The same typed error, with the id's path, on every backend, and nothing written."""
    _add(s, "5")
    with pytest.raises(TransferInputError) as info:
        CALLS[call](s, bad)
    assert (type(info.value), info.value.code, info.value.path) == (
        TransferInputError,
        "transfer.invalid",
        "$.transfer_id",
    )
    assert info.value.message_zh
    assert [len(t.steps) for t in s.hami_store.transfers.find()] == [1]


@pytest.mark.parametrize("call", sorted(CALLS))
@pytest.mark.parametrize("bad", NOT_AN_ID, ids=repr)
def test_text_no_transfer_can_have_is_not_found(s, call, bad):
    """Text no transfer can have finds nothing on every backend."""
    with pytest.raises(NotFoundError) as info:
        CALLS[call](s, bad)
    assert (info.value.code, info.value.path) == ("transfer.not_found", "$.transfer_id")


@pytest.mark.parametrize(
    ("filters", "path"),
    [
        ({"volunteer_id": 5}, "$.volunteer_id"),
        ({"volunteer_id": b"v"}, "$.volunteer_id"),
        ({"role": "sender"}, "$.role"),
        ({"role": 1}, "$.role"),
        ({"state": "gone"}, "$.state"),
    ],
)
def test_find_refuses_filters_of_the_wrong_type(s, filters, path):
    """find() refuses a filter that is not one, at its path, on every backend."""
    with pytest.raises(TransferInputError) as info:
        s.hami_store.transfers.find(**filters)
    assert (info.value.code, info.value.path) == ("transfer.invalid", path)


def test_find_takes_a_role_and_state_by_their_value(s):
    """A role or state given as its text finds what the enum member finds."""
    _add(s, "t1")
    assert [t.id for t in s.hami_store.transfers.find(role="source", state="requested")] == ["t1"]
    assert s.hami_store.transfers.find(role="destination") == []


@pytest.mark.parametrize(
    ("seq", "step", "path"),
    [("1", STEP, "$.seq"), (True, STEP, "$.seq"), (1, None, "$.step"), (1, "approved", "$.step")],
)
def test_append_step_refuses_arguments_of_the_wrong_type(s, seq, step, path):
    """A position that is not an int or a step that is not a TransferStep is transfer.invalid."""
    _add(s, "t1")
    with pytest.raises(TransferInputError) as info:
        s.hami_store.transfers.append_step("t1", seq, step)
    assert (info.value.code, info.value.path) == ("transfer.invalid", path)
    assert len(s.hami_store.transfers.get("t1").steps) == 1


def test_add_refuses_what_is_not_a_transfer(s):
    """add() of something else is transfer.invalid at $, not an AttributeError."""
    with pytest.raises(TransferInputError) as info:
        s.hami_store.transfers.add({"id": "t1"})
    assert (info.value.code, info.value.path) == ("transfer.invalid", "$")
    assert s.hami_store.transfers.find() == []


def _request(s: TransferScenario, **changes: Any) -> Any:
    fields: dict[str, Any] = {"destination": BEIJING, "consent": "consent-1", "actor": "volunteer"}
    fields.update(changes)
    return s.hami.request(fields.pop("volunteer_id", s.hami_volunteer), **fields)


REFUSED = {
    "actor": (lambda s: _request(s, actor="co\ud800"), "$.actor", 0),
    "reason": (lambda s: _request(s, reason="why\udfff"), "$.reason", 0),
    "consent": (lambda s: _request(s, consent="consent-\ud800"), "$.consent", 0),
    "volunteer_id": (lambda s: _request(s, volunteer_id=5), "$.volunteer_id", 0),
    "volunteer_id_bytes": (lambda s: _request(s, volunteer_id=b"v"), "$.volunteer_id", 0),
    "approve_actor": (
        lambda s: s.hami.approve(_request(s).id, actor="\udc00"),
        "$.actor",
        1,
    ),
    "reject_reason": (
        lambda s: s.hami.reject(
            _request(s).id, actor="a", reason_code=next(iter(RejectReason)), reason="\ud800"
        ),
        "$.reason",
        1,
    ),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_text_no_store_can_keep_is_refused_alike_and_writes_nothing(s, case):
    """A lone surrogate or a volunteer id that is not text: transfer.invalid at its path."""
    call, path, kept = REFUSED[case]
    with pytest.raises(TransferInputError) as info:
        call(s)
    assert (info.value.code, info.value.path) == ("transfer.invalid", path)
    assert [len(t.steps) for t in s.hami_store.transfers.find()] == [1] * kept


def test_import_refuses_an_expected_volunteer_that_is_not_text(s):
    """import_package(volunteer_id=5) is transfer.invalid, not transfer.volunteer_mismatch."""
    t = _request(s)
    s.hami.approve(t.id, actor="coordinator")
    files = s.hami.export(t.id, s.folder, actor="coordinator").package.files
    with pytest.raises(TransferInputError) as info:
        s.beijing.import_package(files, actor="verifier", volunteer_id=5)
    assert (info.value.code, info.value.path) == ("transfer.invalid", "$.volunteer_id")
    assert s.beijing_store.transfers.find() == []
