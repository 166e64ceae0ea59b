"""The pure functions of the hours core refuse arguments of the wrong type with a typed error."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from volunteerkit.errors import VolunteerkitError
from volunteerkit.hours import (
    NATIONAL,
    Approved,
    accrue,
    apply_event,
    check_event,
    credited_as_of,
    decide_approval,
    find_overlaps,
    fold,
    initial_state,
    totals,
    totals_as_of,
    totals_by_volunteer,
    validate_entry,
)

from .strategies import evid, make_entry

AS_OF = datetime(2030, 1, 1, tzinfo=UTC)
ENTRY = make_entry("a", datetime(2026, 5, 1, tzinfo=UTC), datetime(2026, 5, 1, 3, tzinfo=UTC),
                   ZoneInfo("UTC"))  # fmt: skip
STATE = initial_state(ENTRY)
APPROVED = Approved(id=evid("1"), entry_id=ENTRY.id, actor="lead", at=AS_OF)
ACCRUAL = accrue([STATE], NATIONAL)

CASES: list[tuple[str, Callable[[], Any], str, str]] = [
    ("fold: not an entry", lambda: fold(["x"], [], as_of=AS_OF), "hours.invalid_entry",
     "$.entries[0]"),
    ("fold: not an event", lambda: fold([ENTRY], [{"id": "x"}], as_of=AS_OF),
     "hours.invalid_event", "$.events[0]"),
    ("fold: no entries", lambda: fold(None, [], as_of=AS_OF), "hours.invalid_entry",
     "$.entries"),
    ("apply_event: not an event", lambda: apply_event(STATE, "x"), "hours.invalid_event", "$"),
    ("check_event: not a state", lambda: check_event(ENTRY, APPROVED), "hours.invalid_entry",
     "$.state"),
    ("accrue: entries, not states", lambda: accrue([ENTRY], NATIONAL), "hours.invalid_entry",
     "$.states[0]"),
    ("accrue: not a policy", lambda: accrue([STATE], "national"), "hours.policy.invalid",
     "$.policy"),
    ("credited_as_of: not a policy", lambda: credited_as_of([ENTRY], [], "national", as_of=AS_OF),
     "hours.policy.invalid", "$.policy"),
    ("totals: not a window", lambda: totals(ACCRUAL, "v1", "2026"), "hours.window.invalid",
     "$.window"),
    ("totals_by_volunteer: not a window", lambda: totals_by_volunteer(ACCRUAL, None),
     "hours.window.invalid", "$.window"),
    ("totals_as_of: not a window",
     lambda: totals_as_of([ENTRY], [], NATIONAL, volunteer_id="v1", as_of=AS_OF, window="2026"),
     "hours.window.invalid", "$.window"),
    ("find_overlaps: not an entry", lambda: find_overlaps(["x"]), "hours.invalid_entry",
     "$.entries[0]"),
    ("find_overlaps: grace as text", lambda: find_overlaps([ENTRY, ENTRY], "5"),
     "hours.policy.invalid", "$.grace_minutes"),
    ("validate_entry: not an entry", lambda: validate_entry("x", NATIONAL, now=AS_OF),
     "hours.invalid_entry", "$.entry"),
    ("validate_entry: not a policy", lambda: validate_entry(ENTRY, None, now=AS_OF),
     "hours.policy.invalid", "$.policy"),
    ("decide_approval: not an entry", lambda: decide_approval({"id": "x"}, NATIONAL),
     "hours.invalid_entry", "$.entry"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("call", "code", "path"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_wrong_argument_types_give_typed_errors(
    call: Callable[[], Any], code: str, path: str
) -> None:
    """Each call used to fail with a bare AttributeError or TypeError from deep inside."""
    with pytest.raises(VolunteerkitError) as info:
        call()
    assert (info.value.code, info.value.path) == (code, path)


def test_the_right_arguments_still_work() -> None:
    """The checks refuse nothing that is well typed: the same calls with good arguments succeed."""
    assert fold([ENTRY], [APPROVED], as_of=AS_OF).get(ENTRY.id).status.value == "approved"
    assert accrue(fold([ENTRY], [], as_of=AS_OF).entries, NATIONAL).credited_minutes == 180
    assert totals(ACCRUAL, "v1").credited_minutes == 180
    assert find_overlaps([ENTRY, STATE], 0)[0].minutes == 180
