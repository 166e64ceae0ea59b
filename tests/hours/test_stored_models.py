"""The compiled builders that rebuild stored hours models without their validators."""

from __future__ import annotations

import pytest
from hypothesis import given

from volunteerkit._unchecked import builder
from volunteerkit.hours import EntryId, EventId, LedgerEvent, ServiceEntry
from volunteerkit.stores import SQLiteStore
from volunteerkit.stores._sql_hours import _stored_id, entry_row, event_row

from .strategies import events, service_entries


@given(service_entries())
def test_a_stored_entry_is_rebuilt_equal_and_hashable(entry: ServiceEntry) -> None:
    store = SQLiteStore(":memory:")
    rebuilt = store.ledger._entry(entry_row(store._db, entry))
    assert rebuilt == entry
    assert hash(rebuilt.id) == hash(entry.id)
    assert {rebuilt.id: 1}[entry.id] == 1


@given(events())
def test_a_stored_event_is_rebuilt_equal(event: LedgerEvent) -> None:
    store = SQLiteStore(":memory:")
    assert store.ledger._event(event_row(store._db, event, "v1")) == event


def test_ids_rebuilt_from_text_are_the_checked_ones() -> None:
    for cls in (EntryId, EventId):
        got = _stored_id(cls, "bj:42:x")
        assert type(got) is cls
        assert got == cls(origin="bj", local_id="42:x")
        assert hash(got) == hash(cls(origin="bj", local_id="42:x"))


def test_a_builder_needs_every_field_once() -> None:
    with pytest.raises(TypeError):
        builder(EntryId, ("origin",))
    with pytest.raises(TypeError):
        builder(EntryId, ("origin", "local_id", "extra"))
