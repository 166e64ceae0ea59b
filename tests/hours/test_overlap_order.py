"""Which entry of an overlap is ``first``: the one that started first, the smaller id on a tie."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from volunteerkit.hours import NATIONAL, accrue, find_overlaps, initial_state

from .strategies import make_entry

UTC_ZONE = ZoneInfo("UTC")


def test_a_start_tie_names_the_smaller_id_first_as_the_merge_credits_it() -> None:
    """Overlap.first is "the entry that started first (or has the smaller id on a tie)".

    Rule (docstring of :class:`~volunteerkit.hours.Overlap`, and step 4 of the accrual order:
    spans are taken in order of ``(start, entry id)``). ``a`` runs 09:00-11:00 and ``b``
    09:00-10:00: both start at 09:00, so ``a`` (the smaller id) is first, and it is the one the
    merge credits (120 minutes, ``b`` 0). The shorter ``b`` used to be named first because the
    overlap search ordered ties by end.
    """
    nine = datetime(2026, 1, 1, 9, tzinfo=UTC)
    b = make_entry("b", nine, datetime(2026, 1, 1, 10, tzinfo=UTC), UTC_ZONE)
    a = make_entry("a", nine, datetime(2026, 1, 1, 11, tzinfo=UTC), UTC_ZONE)
    found = find_overlaps([b, a])
    assert [(o.first.local_id, o.second.local_id, o.minutes) for o in found] == [("a", "b", 60)]
    accrual = accrue([initial_state(b), initial_state(a)], NATIONAL)
    assert [(o.first.local_id, o.second.local_id) for o in accrual.overlaps] == [("a", "b")]
    assert {c.entry_id.local_id: c.credited_minutes for c in accrual.entries} == {"a": 120, "b": 0}
