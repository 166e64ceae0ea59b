"""Ledger(...) refuses a store, clock, home region, batch size or certified source of the wrong type."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from volunteerkit import FixedClock
from volunteerkit.errors import VolunteerkitError
from volunteerkit.hours.ledger import Ledger
from volunteerkit.stores import MemoryStore

from .strategies import make_entry

CLOCK = FixedClock(datetime(2026, 3, 1, tzinfo=UTC))

CASES: list[tuple[str, Callable[[], Any], str]] = [
    ("no store", lambda: Ledger(None, clock=CLOCK), "$.store"),  # type: ignore[arg-type]
    ("no clock", lambda: Ledger(MemoryStore(), clock=None), "$.clock"),  # type: ignore[arg-type]
    ("a datetime for a clock", lambda: Ledger(MemoryStore(), clock=CLOCK.now()), "$.clock"),  # type: ignore[arg-type]
    ("a region, not a function",
     lambda: Ledger(MemoryStore(), clock=CLOCK, home_region="beijing"), "$.home_region"),  # type: ignore[arg-type]
    ("a batch size as text", lambda: Ledger(MemoryStore(), clock=CLOCK, batch_size="x"),  # type: ignore[arg-type]
     "$.batch_size"),
    ("a fractional batch size", lambda: Ledger(MemoryStore(), clock=CLOCK, batch_size=2.5),  # type: ignore[arg-type]
     "$.batch_size"),
    ("a batch size of 0", lambda: Ledger(MemoryStore(), clock=CLOCK, batch_size=0), "$.batch_size"),
    ("certified credit from text",
     lambda: Ledger(MemoryStore(), clock=CLOCK, certified="x"), "$.certified"),  # type: ignore[arg-type]
]  # fmt: skip


@pytest.mark.parametrize(("call", "path"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_a_ledger_of_wrong_parts_is_refused_when_made(call: Callable[[], Any], path: str) -> None:
    """A wrong part is ``hours.invalid_argument`` at its path, when the ledger is made.

    Each was accepted (or failed with a bare ValueError) and broke the first write later with a
    bare AttributeError or TypeError ('NoneType' has no attribute 'now', 'str' object is not
    callable).
    """
    with pytest.raises(VolunteerkitError) as info:
        call()
    assert (info.value.code, info.value.path) == ("hours.invalid_argument", path)


def test_good_parts_still_make_a_ledger_that_records() -> None:
    """The checks refuse nothing well typed: a region function and a batch size of 1 work."""
    book = Ledger(MemoryStore(), clock=CLOCK, home_region=lambda _v: "beijing", batch_size=1)
    entry = make_entry("x", datetime(2026, 2, 1, tzinfo=UTC), datetime(2026, 2, 1, 2, tzinfo=UTC),
                       ZoneInfo("UTC"), recorded_at=CLOCK.now())  # fmt: skip
    book.record(entry, actor="a")
    assert book.minutes_by("region")[("beijing",)].credited == 120


@pytest.mark.parametrize("registered", ["2020-01-01", 5, [("v1", "2020-01-01")]],
                         ids=["text", "number", "pairs"])  # fmt: skip
def test_record_many_refuses_registrations_that_are_not_a_mapping(registered: Any) -> None:
    """``registered`` is a mapping of volunteer id to date or instant.

    Anything else raised a bare AttributeError ('str' object has no attribute 'get'); it is
    ``hours.invalid_registration`` at ``$.registered`` and nothing is written.
    """
    store = MemoryStore()
    book = Ledger(store, clock=CLOCK)
    entry = make_entry("x", datetime(2026, 2, 1, tzinfo=UTC), datetime(2026, 2, 1, 2, tzinfo=UTC),
                       ZoneInfo("UTC"), recorded_at=CLOCK.now())  # fmt: skip
    with pytest.raises(VolunteerkitError) as info:
        book.record_many([entry], actor="a", registered=registered)
    assert (info.value.code, info.value.path) == ("hours.invalid_registration", "$.registered")
    assert store.ledger.count_entries() == 0
