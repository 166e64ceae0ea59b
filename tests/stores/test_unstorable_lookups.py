"""Lookups by text no store can hold find nothing, on every store (the registry's repositories).

Text holding NUL or a lone surrogate cannot be stored (the models refuse it; PostgreSQL's text
cannot hold NUL, and neither SQL store can hold a surrogate), so no record has it: a lookup by it
is "not found", as the memory store answered. The audit log, awards and transfers check the same
in their conformance suites (``test_a_lookup_by_text_no_store_can_hold_finds_nothing``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from volunteerkit.errors import NotFoundError


@pytest.fixture
def store(each_backend: tuple[str, Callable[[], Any]]) -> Iterator[Any]:
    """A fresh store of each backend, closed after the test."""
    opened = each_backend[1]()
    yield opened
    opened.close()


@pytest.mark.parametrize("text", ["a\x00b", "\ud800"], ids=["nul", "lone-surrogate"])
def test_registry_lookups_by_text_no_store_can_hold_find_nothing(store: Any, text: str) -> None:
    """get() is the repository's not_found; the other lookups give None, [] or nothing.

    volunteers.get registry.volunteer_not_found, organizations.get and memberships.get their
    not_found codes; find_by_index([text]) None, merged_into [], find_by_uscc None, children [],
    active None, for_volunteer [], for_organization nothing. PostgreSQL raised StoreError
    store.operational for NUL, and both SQL stores InvalidInputError store.invalid_text for a
    surrogate.
    """
    for call, code in (
        (lambda: store.volunteers.get(text), "registry.volunteer_not_found"),
        (lambda: store.organizations.get(text), "registry.organization_not_found"),
        (lambda: store.memberships.get(text), "registry.membership_not_found"),
    ):
        with pytest.raises(NotFoundError) as info:
            call()
        assert info.value.code == code
    assert store.volunteers.find_by_index([text]) is None
    assert store.volunteers.merged_into(text) == []
    assert store.organizations.find_by_uscc(text) is None
    assert store.organizations.children(text) == []
    assert store.memberships.active(text, "o1") is None
    assert store.memberships.active("v1", text) is None
    assert store.memberships.for_volunteer(text) == []
    assert list(store.memberships.for_organization(text)) == []


@pytest.mark.parametrize("value", [5, None, b"v1"], ids=["int", "none", "bytes"])
def test_ledger_lookups_by_what_is_not_text_are_refused_alike(store: Any, value: Any) -> None:
    """A ledger key, setting or id list that is not text is hours.invalid_argument at its path.

    Found: PostgreSQL refused the statement (store.operational), SQLite found ``"5"`` by 5, and
    the memory store answered nothing or kept a setting that was not text; a naive or non-datetime
    ``since`` of ``truncate_credit`` passed on the memory store only.
    """
    from datetime import datetime

    from volunteerkit.errors import InvalidInputError

    calls: list[tuple[Callable[[], object], str]] = [
        (lambda: store.ledger.get_setting(value), "$.name"),
        (lambda: store.ledger.put_setting(value, "v"), "$.name"),
        (lambda: store.ledger.put_setting("name", value), "$.value"),
        (lambda: store.ledger.credit_history(value), "$.volunteer_id"),
        (lambda: store.ledger.truncate_credit(value, datetime(2026, 1, 1).astimezone()), "$.volunteer_id"),
        (lambda: store.ledger.latest_change([value]), "$.volunteer_ids"),
        (lambda: store.ledger.open_credit(["v1", value]), "$.volunteer_ids"),
        (lambda: store.ledger.latest_change("v1"), "$.volunteer_ids"),
    ]
    for call, path in calls:
        with pytest.raises(InvalidInputError) as info:
            call()
        assert (info.value.code, info.value.path) == ("hours.invalid_argument", path)
    for since in (datetime(2026, 1, 1), "2026-01-01"):
        with pytest.raises(InvalidInputError) as info:
            store.ledger.truncate_credit("v1", since)
        assert info.value.path == "$.since"
    assert store.ledger.get_setting("name") is None
