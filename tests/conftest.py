"""Test session setup: a real PostgreSQL server for the PostgreSQL store tests.

The server comes from ``VOLUNTEERKIT_TEST_POSTGRES_DSN`` if set, else it is started here from the
server binaries (Debian's ``postgresql`` package) by :class:`TemporaryPostgres`. Where neither is
possible the PostgreSQL tests skip with the reason, except under CI (``CI=true``), where they fail:
in CI nothing skips silently.

That server sorts text by code point (``--locale=C``). The ordering tests
(``tests/stores/test_postgres_collation.py``) also need a server whose default collation is not
``C``, as on a server created with a distribution's defaults: ``postgres_icu_dsn`` is
``VOLUNTEERKIT_TEST_POSTGRES_ICU_DSN`` if set, else a second server started here with the ICU
``en-US`` collation, only when those tests run.
"""

from __future__ import annotations

import itertools
import os
import uuid
from collections.abc import Callable, Iterator

import pytest

from volunteerkit.errors import UnavailableError
from volunteerkit.stores import PostgresStore
from volunteerkit.testing.postgres import TemporaryPostgres, find_pg_bin


def _no_server(reason: str) -> None:
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"PostgreSQL tests cannot run under CI: {reason}", pytrace=False)
    pytest.skip(f"PostgreSQL tests skipped: {reason}")


@pytest.fixture(scope="session")
def postgres_dsn() -> Iterator[str]:
    """The DSN of a running PostgreSQL server for this test session."""
    if dsn := os.environ.get("VOLUNTEERKIT_TEST_POSTGRES_DSN"):
        yield dsn
        return
    if find_pg_bin() is None:
        _no_server(
            "no server binaries (install Debian's 'postgresql' package or set "
            "VOLUNTEERKIT_TEST_POSTGRES_DSN)"
        )
    try:
        server = TemporaryPostgres()
    except UnavailableError as exc:
        _no_server(f"the server did not start: {exc}")
        raise  # pragma: no cover - _no_server always raises
    try:
        yield server.dsn
    finally:
        server.stop()


@pytest.fixture(scope="session")
def postgres_icu_dsn() -> Iterator[str]:
    """The DSN of a running PostgreSQL server whose default collation is ICU ``en-US``."""
    if dsn := os.environ.get("VOLUNTEERKIT_TEST_POSTGRES_ICU_DSN"):
        yield dsn
        return
    if find_pg_bin() is None:
        _no_server(
            "no server binaries (install Debian's 'postgresql' package or set "
            "VOLUNTEERKIT_TEST_POSTGRES_ICU_DSN)"
        )
    try:
        server = TemporaryPostgres(icu_locale="en-US")
    except UnavailableError as exc:
        _no_server(f"the ICU server did not start: {exc}")
        raise  # pragma: no cover - _no_server always raises
    try:
        yield server.dsn
    finally:
        server.stop()


@pytest.fixture
def make_postgres_store(postgres_dsn: str) -> Iterator[Callable[[], PostgresStore]]:
    """A factory of fresh PostgreSQL stores, each in its own schema, dropped afterwards."""
    yield from _store_factory(postgres_dsn)


@pytest.fixture
def make_postgres_icu_store(postgres_icu_dsn: str) -> Iterator[Callable[[], PostgresStore]]:
    """A factory of fresh stores on the ICU ``en-US`` server, each in its own schema."""
    yield from _store_factory(postgres_icu_dsn)


def _store_factory(postgres_dsn: str) -> Iterator[Callable[[], PostgresStore]]:
    import psycopg

    schemas: list[str] = []
    counter = itertools.count()

    def make() -> PostgresStore:
        schema = f"vk_test_{uuid.uuid4().hex[:12]}_{next(counter)}"
        schemas.append(schema)
        return PostgresStore(postgres_dsn, schema=schema)

    yield make
    with psycopg.connect(postgres_dsn, autocommit=True) as conn:
        for schema in schemas:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
