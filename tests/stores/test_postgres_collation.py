"""PostgreSQL orders text by code point whatever the server's default collation.

The other PostgreSQL tests run on a server created with ``--locale=C``, where ``ORDER BY`` on text
already sorts by code point, as Python and SQLite do. A server created with a distribution's
defaults sorts by a language's rules instead (ICU ``en-US``: ``'a' < 'B'``, ``'é' < 'f'``,
punctuation weighed last). These tests run on such a server (fixture ``postgres_icu_dsn``), with
ids whose two orders differ, and compare each ordered answer with the memory store's.
"""

from __future__ import annotations

import contextlib
import random
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from volunteerkit.audit import AuditEntry
from volunteerkit.hours import EntryId
from volunteerkit.hours.store import CreditRow
from volunteerkit.registry.models import VolunteerStatus
from volunteerkit.stats.models import Window
from volunteerkit.stats.store import Scope
from volunteerkit.stores import MemoryStore, PostgresStore
from volunteerkit.testing.conformance_awards import _grant, _revocation
from volunteerkit.testing.conformance_registry import _membership, _org, _record
from volunteerkit.testing.conformance_transfer import _transfer

pytestmark = pytest.mark.postgres

_T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
# Code-point order and ICU en-US order of these differ in many places: case ("B" < "a" by code
# point only), accents ("f" < "é" by code point only) and punctuation ("v-3", "v_3", "a b").
IDS = ["a", "B", "v1", "v10", "V2", "v-3", "v_3", "é", "e", "f", "a b", "ab", "v1-0", "Z"]
# Transfer ids allow letters, digits and ``._:-`` only.
TRANSFER_IDS = ["a1", "B1", "v1", "v10", "V2", "v-3", "v.3", "e1", "f1", "v1-0", "Z1"]

Stores = tuple[MemoryStore, PostgresStore]


def _shuffled(items: list[str], seed: int = 7) -> list[str]:
    out = list(items)
    random.Random(seed).shuffle(out)
    return out


@pytest.fixture
def stores(make_postgres_icu_store: Callable[[], PostgresStore]) -> Iterator[Stores]:
    """The memory reference and an empty store on the ICU server."""
    store = make_postgres_icu_store()
    yield MemoryStore(), store
    store.close()


def _both(pair: Stores, write: Callable[[Any], Any]) -> None:
    for store in pair:
        write(store)


def test_the_server_does_not_sort_text_by_code_point(postgres_icu_dsn: str) -> None:
    """The server these tests use orders IDS differently from Python (else they prove nothing)."""
    import psycopg

    with psycopg.connect(postgres_icu_dsn) as conn:
        row = conn.execute("SELECT array_agg(x ORDER BY x) FROM unnest(%s::text[]) AS x", (IDS,))
        ordered = row.fetchone()
    assert ordered is not None
    assert ordered[0] != sorted(IDS)


def test_volunteers_organizations_and_memberships_stream_in_code_point_order(
    stores: Stores,
) -> None:
    """iter(), merged_into(), children() and memberships order ids as Python does."""
    memory, pg = stores
    target = _record(0)

    def write(store: Any) -> None:
        store.volunteers.add(attrs.evolve(target, volunteer=attrs.evolve(target.volunteer, id="t")))
        for n, vid in enumerate(_shuffled(IDS), start=1):
            rec = _record(n, status=VolunteerStatus.MERGED, merged_into="t")
            store.volunteers.add(attrs.evolve(rec, volunteer=attrs.evolve(rec.volunteer, id=vid)))
        store.organizations.add(attrs.evolve(_org(0), id="root"))
        for n, oid in enumerate(_shuffled(IDS), start=1):
            store.organizations.add(attrs.evolve(_org(n), id=oid, parent_id="root"))
        for n, mid in enumerate(_shuffled(IDS), start=1):
            # ended (one active membership per pair), all joined at one instant: ids break the tie
            joined = _membership(n, 0, 0, left=True)
            store.memberships.add(
                attrs.evolve(joined, id=mid, volunteer_id="t", organization_id="root")
            )

    _both(stores, write)
    for store in stores:
        assert [r.id for r in store.volunteers.iter()] == sorted([*IDS, "t"])
        merged = store.volunteers.iter(status=VolunteerStatus.MERGED)
        assert [r.id for r in merged] == sorted(IDS)
        assert [r.id for r in store.volunteers.merged_into("t")] == sorted(IDS)
        assert [o.id for o in store.organizations.iter()] == sorted([*IDS, "root"])
        assert [o.id for o in store.organizations.children("root")] == sorted(IDS)
        assert [m.id for m in store.memberships.for_volunteer("t")] == sorted(IDS)
        assert [m.id for m in store.memberships.for_organization("root")] == sorted(IDS)
    assert list(pg.volunteers.iter()) == list(memory.volunteers.iter())


def test_find_by_index_returns_the_lowest_id_by_code_point(stores: Stores) -> None:
    """With candidates held by several records, the record with the lowest id wins, as in memory."""

    def write(store: Any) -> None:
        for n, vid in enumerate(["a", "B"], start=1):
            rec = _record(n)
            store.volunteers.add(attrs.evolve(rec, volunteer=attrs.evolve(rec.volunteer, id=vid)))

    _both(stores, write)
    candidates = [_record(1).document_index, _record(2).document_index]
    found = [store.volunteers.find_by_index(candidates) for store in stores]
    assert [r.id if r else None for r in found] == ["B", "B"]


def test_audit_entries_at_one_instant_come_in_code_point_order_of_id(stores: Stores) -> None:
    """query() orders by (at, id): ids of entries made at one instant sort as in Python."""

    def write(store: Any) -> None:
        store.audit.append_many(
            [
                AuditEntry(
                    id=i, at=_T0, actor="a", action="x", subject_type="volunteer", subject_id="v"
                )
                for i in _shuffled(IDS)
            ]
        )

    _both(stores, write)
    for store in stores:
        assert [e.id for e in store.audit.query()] == sorted(IDS)


def test_transfers_created_at_one_instant_come_in_code_point_order_of_id(stores: Stores) -> None:
    """find() orders by (created_at, id): ties sort by id as in Python."""

    def write(store: Any) -> None:
        for tid in _shuffled(TRANSFER_IDS):
            store.transfers.add(attrs.evolve(_transfer(1), id=tid))

    _both(stores, write)
    for store in stores:
        assert [t.id for t in store.transfers.find()] == sorted(TRANSFER_IDS)


def _credit(volunteer: str, day: int, minutes: int, entry: str = "e") -> CreditRow:
    return CreditRow(
        volunteer_id=volunteer,
        entry_id=EntryId(origin="t", local_id=entry),
        organization_id="o1",
        category="care",
        region=None,
        local_date=day,
        raw_minutes=minutes,
        credited_minutes=minutes,
        weighted_micro=minutes * 1_000_000,
        valid_from=_T0,
    )


def test_credit_streams_come_in_code_point_order_of_volunteer(stores: Stores) -> None:
    """credit_totals, credit_lines, credit_day_totals and credit_crossings order volunteers as Python.

    Whole streams and chunked reads (``volunteer_ids`` given) both.
    """
    memory, pg = stores
    _both(
        stores,
        lambda s: s.ledger.write_credit(
            [], [_credit(v, 20250101 + i % 20, 60 + i) for i, v in enumerate(_shuffled(IDS))]
        ),
    )
    at = _T0 + timedelta(hours=1)
    for store in stores:
        assert [t[0] for t in store.awards.credit_totals(at)] == sorted(IDS)
        assert [v for v, _ in store.awards.credit_lines(at)] == sorted(IDS)
        assert [v for v, _ in store.awards.credit_lines(at, volunteer_ids=IDS)] == sorted(IDS)
        days = store.awards.credit_day_totals(at, volunteer_ids=IDS)
        assert [v for v, _ in days] == sorted(IDS)
        crossings = store.awards.credit_crossings(at, {"credited": [60]})
        assert [c[0] for c in crossings] == sorted(IDS)
        only = store.awards.credit_crossings(at, {"credited": [60]}, volunteer_ids=IDS)
        assert [c[0] for c in only] == sorted(IDS)
    assert list(pg.awards.credit_totals(at)) == list(memory.awards.credit_totals(at))


def test_holders_come_in_code_point_order(stores: Stores) -> None:
    """holders() streams the subjects holding an award sorted as Python sorts them."""
    _both(
        stores,
        lambda s: s.awards.grant(
            [_grant(n, subject=v) for n, v in enumerate(_shuffled(IDS), start=1)]
        ),
    )
    for store in stores:
        assert list(store.awards.holders("cn.cyl.stars")) == sorted(IDS)


def test_award_levels_take_the_latest_record_by_code_point_order_of_id(stores: Stores) -> None:
    """A grant and a revocation made at one instant: the one with the larger id (by code point) wins.

    The grant's id ``a…`` is larger than the revocation's ``B…`` in Python, smaller in en-US.
    """
    grant = _grant(1, subject="v1", id="a1")
    revocation = attrs.evolve(_revocation(1, subject="v1"), id="B1", at=grant.at)

    def write(store: Any) -> None:
        store.awards.grant([grant])
        store.awards.revoke([revocation])

    _both(stores, write)
    window = Window(first=date(2025, 1, 1), last=date(2026, 12, 31))
    scope = Scope(as_of=_T0 + timedelta(days=1), window=window)
    memory, pg = stores
    expected = memory.stats.award_levels(scope, "cn.cyl.stars")
    assert [r.key for r in expected] == [("star-1",)]
    assert pg.stats.award_levels(scope, "cn.cyl.stars") == expected


class _Rollback(Exception):
    pass


@pytest.fixture(scope="module")
def icu_store(postgres_icu_dsn: str) -> Iterator[PostgresStore]:
    """One store on the ICU server; each example writes in a transaction that is rolled back."""
    import psycopg

    store = PostgresStore(postgres_icu_dsn, schema="vk_test_collation_property")
    yield store
    store.close()
    with psycopg.connect(postgres_icu_dsn, autocommit=True) as conn:
        conn.execute('DROP SCHEMA IF EXISTS "vk_test_collation_property" CASCADE')


# Letters of both cases, an accented one, digits and the punctuation collations weigh last.
_ids = st.lists(
    st.text(alphabet="aAbBzZéE019-_. ", min_size=1, max_size=4).filter(lambda s: s.strip() == s),
    min_size=1,
    max_size=12,
    unique=True,
)


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ids=_ids)
def test_any_ids_come_back_in_the_memory_stores_order(
    icu_store: PostgresStore, ids: list[str]
) -> None:
    """For any ids, volunteers, audit entries, credit streams and holders come in memory's order."""
    memory = MemoryStore()
    at = _T0 + timedelta(hours=1)

    def write(store: Any) -> None:
        for n, vid in enumerate(ids, start=1):
            rec = _record(n)
            store.volunteers.add(attrs.evolve(rec, volunteer=attrs.evolve(rec.volunteer, id=vid)))
        store.audit.append_many(
            [
                AuditEntry(id=i, at=_T0, actor="a", action="x", subject_type="v", subject_id=i)
                for i in ids
            ]
        )
        store.ledger.write_credit([], [_credit(v, 20250101, 60) for v in ids])
        store.awards.grant([_grant(n, subject=v) for n, v in enumerate(ids, start=1)])

    def answers(store: Any) -> list[Any]:
        return [
            [r.id for r in store.volunteers.iter()],
            [e.id for e in store.audit.query()],
            list(store.awards.credit_totals(at)),
            [c[0] for c in store.awards.credit_crossings(at, {"credited": [60]})],
            list(store.awards.holders("cn.cyl.stars")),
        ]

    write(memory)
    expected = answers(memory)
    assert expected[0] == sorted(ids)
    with contextlib.suppress(_Rollback), icu_store.transaction():
        write(icu_store)
        assert answers(icu_store) == expected
        raise _Rollback


@pytest.fixture
def bare_schema(postgres_icu_dsn: str) -> Iterator[str]:
    """The name of a schema on the ICU server that no store has opened yet; dropped afterwards."""
    import psycopg

    schema = f"vk_test_upgrade_{uuid.uuid4().hex[:12]}"
    yield schema
    with psycopg.connect(postgres_icu_dsn, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def test_the_migration_keeps_stored_rows_and_orders_them_by_code_point(
    postgres_icu_dsn: str, bare_schema: str
) -> None:
    """A schema filled before the collation migrations opens with its rows intact, in Python order."""
    from volunteerkit.stores import load_migrations
    from volunteerkit.stores._sql_store import SQLStoreBase
    from volunteerkit.stores.postgres import _PostgresDatabase

    schema = bare_schema
    older = [m for m in load_migrations("postgresql") if not m.name.endswith("ids_collate_c")]
    assert len(older) < len(load_migrations("postgresql"))
    with SQLStoreBase(_PostgresDatabase(postgres_icu_dsn, schema, 10), older) as old:
        for n, vid in enumerate(_shuffled(IDS), start=1):
            rec = _record(n)
            old.volunteers.add(attrs.evolve(rec, volunteer=attrs.evolve(rec.volunteer, id=vid)))
        old.ledger.write_credit([], [_credit(v, 20250101, 60) for v in IDS])
        assert [r.id for r in old.volunteers.iter()] != sorted(IDS)  # the en-US order
    with PostgresStore(postgres_icu_dsn, schema=schema) as new:
        assert {m.name for m in new.migrations_applied} == {"ids_collate_c"}
        assert len(new.migrations_applied) == 5
        assert [r.id for r in new.volunteers.iter()] == sorted(IDS)
        assert [t[0] for t in new.awards.credit_totals(_T0 + timedelta(hours=1))] == sorted(IDS)
        assert new.volunteers.get("é").id == "é"
