"""A store closed under a query refuses the rest of it, on every store and for every part.

The rows of a query still unread when the store is closed are UnavailableError ``store.closed``,
whether the query was begun (one row read, outside or inside a transaction) or not; so is any
read through a repository kept from before ``close()``. The conformance suite checks the audit
log; this checks the registry, matching, awards, transfers and statistics.

Found: the memory store's repositories of these parts went on handing out the rows of a query
made before ``close()`` (registry ``iter``/``for_organization``, every matching stream, awards
``holders`` and, once begun, the ``credit_*`` queries), and answered every read through a
repository kept from before ``close()``, where SQLite and PostgreSQL refused.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Any

import pytest

from volunteerkit.errors import UnavailableError
from volunteerkit.stats.models import Window
from volunteerkit.stats.service import AGE_BANDS
from volunteerkit.stats.store import PERCENTILES, SIZE_BANDS, HoursBy, Scope, VolunteersBy
from volunteerkit.testing.conformance_awards import _T0, _grant, _row
from volunteerkit.testing.conformance_matching import _project, _role, _rostered, _shift, _slot
from volunteerkit.testing.conformance_registry import _membership, _org, _record
from volunteerkit.testing.conformance_transfer import _entry, _transfer

_AT = _T0 + timedelta(hours=1)
_RULE_SET = "cn.cyl.stars"
_SCOPE = Scope(as_of=_AT, window=Window(first=date(2025, 1, 1), last=date(2025, 12, 31)))
_SPANS = [(f"v{n}", 20250101, 20250131) for n in (1, 2, 3)]


@pytest.fixture
def backend(each_backend: tuple[str, Callable[[], Any]]) -> tuple[str, Callable[[], Any]]:
    """The name of a backend and a factory of fresh, filled stores of it."""
    name, make = each_backend
    return name, lambda: _filled(make())


def _filled(store: Any) -> Any:
    """Three rows (at least) for each query below."""
    for n in (1, 2, 3):
        store.volunteers.add(_record(n))
        store.organizations.add(_org(n))
    for n in (1, 2, 3):
        store.memberships.add(_membership(n, n, 1, minutes=n))
    matching = store.matching
    for p in ("p1", "p2", "p3"):
        matching.put_project(_project(p))
    for s in ("s1", "s2", "s3"):
        matching.put_slot(_slot(s))
    for f in ("f1", "f2", "f3"):
        matching.put_shift(_shift(f))
    matching.add_role_assignments([_role(n) for n in (1, 2, 3)])
    matching.add_shift_assignments([_rostered(n) for n in (1, 2, 3)])
    store.awards.grant([_grant(n, subject=f"v{n}") for n in (1, 2, 3)])
    rows = [_row(f"v{n}", f"e{n}{k}", 20250101 + k, 60) for n in (1, 2, 3) for k in (0, 1)]
    store.ledger.write_credit([], rows)
    store.transfers.add(_transfer(1))
    store.transfers.add_entries([_entry(1), _entry(2)])
    return store


_QUERIES: dict[str, Callable[[Any], Iterator[Any]]] = {
    "volunteers.iter": lambda s: s.volunteers.iter(),
    "organizations.iter": lambda s: s.organizations.iter(),
    "memberships.for_organization": lambda s: s.memberships.for_organization(_org(1).id),
    "matching.projects": lambda s: s.matching.projects(),
    "matching.slots": lambda s: s.matching.slots(),
    "matching.shifts": lambda s: s.matching.shifts(),
    "matching.role_assignments": lambda s: s.matching.role_assignments(),
    "matching.shift_assignments": lambda s: s.matching.shift_assignments(),
    "awards.holders": lambda s: s.awards.holders(_RULE_SET),
    "awards.credit_lines": lambda s: s.awards.credit_lines(_AT),
    "awards.credit_lines-ids": lambda s: s.awards.credit_lines(
        _AT, volunteer_ids=["v1", "v2", "v3"]
    ),
    "awards.credit_lines-ranges": lambda s: s.awards.credit_lines(_AT, ranges=_SPANS),
    "awards.credit_day_totals": lambda s: s.awards.credit_day_totals(
        _AT, volunteer_ids=["v1", "v2", "v3"]
    ),
    "awards.credit_reaching": lambda s: s.awards.credit_reaching(_AT, {"credited": 1}),
    "awards.credit_crossings": lambda s: s.awards.credit_crossings(_AT, {"credited": [60]}),
    "awards.credit_crossings-ids": lambda s: s.awards.credit_crossings(
        _AT, {"credited": [60]}, volunteer_ids=["v1", "v2", "v3"]
    ),
    "awards.credit_totals": lambda s: s.awards.credit_totals(_AT),
}


def _refused(read: Callable[[], object]) -> None:
    with pytest.raises(UnavailableError) as info:
        read()
    assert info.value.code == "store.closed"


@pytest.mark.parametrize("begun", ["not begun", "begun", "begun in a transaction"])
@pytest.mark.parametrize("name", list(_QUERIES))
def test_a_query_made_before_close_is_refused_after_it(
    backend: tuple[str, Callable[[], Any]],
    name: str,
    begun: str,
) -> None:
    """Reading a query made before ``close()`` is store.closed, whether begun or not.

    On every store: the SQL stores also refuse the rest of a chunk of volunteers they had read
    whole (awards' credit_lines by ids or ranges, credit_day_totals, credit_crossings).
    """
    _, make = backend
    store = make()
    if begun == "begun in a transaction":
        with store.transaction():
            rows = _QUERIES[name](store)
            next(rows)
    else:
        rows = _QUERIES[name](store)
        if begun == "begun":
            next(rows)
    store.close()
    _refused(lambda: next(rows))


_READS: dict[str, dict[str, Callable[[Any], object]]] = {
    "volunteers": {
        "get": lambda r: r.get(_record(1).id),
        "find_by_index": lambda r: r.find_by_index([_record(1).document_index]),
        "merged_into": lambda r: r.merged_into(_record(1).id),
        "iter": lambda r: list(r.iter()),
        "count": lambda r: r.count(),
    },
    "organizations": {
        "get": lambda r: r.get(_org(1).id),
        "find_by_uscc": lambda r: r.find_by_uscc("91110000000000000X"),
        "children": lambda r: r.children(_org(1).id),
        "iter": lambda r: list(r.iter()),
        "count": lambda r: r.count(),
    },
    "memberships": {
        "get": lambda r: r.get(_membership(1, 1, 1).id),
        "active": lambda r: r.active(_record(1).id, _org(1).id),
        "for_volunteer": lambda r: r.for_volunteer(_record(1).id),
        "for_organization": lambda r: list(r.for_organization(_org(1).id)),
        "count": lambda r: r.count(),
    },
    "matching": {
        "get_project": lambda r: r.get_project("p1"),
        "get_slot": lambda r: r.get_slot("s1"),
        "get_shift": lambda r: r.get_shift("f1"),
        "projects": lambda r: list(r.projects()),
        "slots": lambda r: list(r.slots()),
        "shifts": lambda r: list(r.shifts()),
        "role_assignments": lambda r: list(r.role_assignments()),
        "shift_assignments": lambda r: list(r.shift_assignments()),
    },
    "awards": {
        "held": lambda r: r.held(_RULE_SET),
        "history": lambda r: r.history(_RULE_SET, "v1"),
        "holders": lambda r: list(r.holders(_RULE_SET)),
        "count_held": lambda r: r.count_held(),
        "recommendations": lambda r: r.recommendations(_RULE_SET, ["v1"]),
        "credit_lines": lambda r: list(r.credit_lines(_AT)),
        "credit_totals": lambda r: list(r.credit_totals(_AT)),
    },
    "transfers": {
        "get": lambda r: r.get("t0001"),
        "find": lambda r: r.find(),
        "get_entries": lambda r: r.get_entries([_entry(1).entry_id]),
        "certified_credit": lambda r: r.certified_credit(["v1"]),
        "count_entries": lambda r: r.count_entries(),
    },
    "stats": {
        "volunteers": lambda r: r.volunteers(
            _SCOPE, VolunteersBy.ALL, new=False, age_bands=AGE_BANDS
        ),
        "active": lambda r: r.active(_SCOPE, HoursBy.ALL),
        "minutes": lambda r: r.minutes(_SCOPE, HoursBy.ALL),
        "minutes_per_volunteer": lambda r: r.minutes_per_volunteer(_SCOPE, PERCENTILES),
        "retained": lambda r: r.retained(_SCOPE, (1, 2)),
        "award_levels": lambda r: r.award_levels(_SCOPE, _RULE_SET),
        "organizations": lambda r: r.organizations(_SCOPE, SIZE_BANDS),
    },
}


@pytest.mark.parametrize("part", list(_READS))
def test_a_repository_kept_from_before_close_refuses_every_read(
    backend: tuple[str, Callable[[], Any]], part: str
) -> None:
    """Each read through a repository taken before ``close()`` is store.closed afterwards."""
    _kind, make = backend
    store = make()
    repository = getattr(store, part)
    for read in _READS[part].values():
        read(repository)  # each answers while the store is open
    store.close()
    for method, read in _READS[part].items():
        with pytest.raises(UnavailableError) as info:
            read(repository)
        assert info.value.code == "store.closed", method
