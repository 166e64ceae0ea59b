"""The volunteerkit command on PostgreSQL stores: what demo --store and the read-only commands open."""

from __future__ import annotations

import io
import json
import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from volunteerkit.cli import main

pytestmark = pytest.mark.postgres


def _no_url() -> None:
    """Skip where the server's DSN is not a URL (the command takes one); under CI, fail."""
    reason = "the command takes a postgresql:// URL; the test server's DSN is not one"
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{reason}, and under CI nothing skips", pytrace=False)
    pytest.skip(reason)


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(argv), out=out)
    return code, out.getvalue()


@pytest.fixture
def schema_url(postgres_dsn: str) -> Iterator[tuple[str, str]]:
    """A new schema's name and a store URL whose search path is that schema (dropped after)."""
    import psycopg

    if "://" not in postgres_dsn:
        _no_url()
    schema = f"vk_cli_{uuid.uuid4().hex[:12]}"
    joiner = "&" if "?" in postgres_dsn else "?"
    with psycopg.connect(postgres_dsn, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield schema, f"{postgres_dsn}{joiner}options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(postgres_dsn, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def _tables(postgres_dsn: str, schema: str) -> list[str]:
    import psycopg

    with psycopg.connect(postgres_dsn) as conn:
        rows = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = %s ORDER BY tablename", (schema,)
        )
        return [str(r[0]) for r in rows]


def test_demo_store_refuses_a_schema_holding_what_the_demo_did_not_write(
    postgres_dsn: str, schema_url: tuple[str, str], tmp_path: Path
) -> None:
    """demo --store postgresql://… on another application's tables: demo.file_taken, no table made.

    Before, the demo created its 20 tables beside the application's ``customers`` and wrote its
    records. An empty schema is the demo's to fill, and so is one it filled before.
    """
    import psycopg

    schema, url = schema_url
    with psycopg.connect(postgres_dsn, autocommit=True) as conn:
        conn.execute(f'CREATE TABLE "{schema}".customers (id int PRIMARY KEY, name text)')
    code, text = run("--json", "demo", "--store", url, "--out-dir", str(tmp_path))
    error = json.loads(text)["error"]
    assert code == 2 and (error["code"], error["path"]) == ("demo.file_taken", "$.store")
    assert _tables(postgres_dsn, schema) == ["customers"]
    with psycopg.connect(postgres_dsn, autocommit=True) as conn:
        conn.execute(f'DROP TABLE "{schema}".customers')
    assert run("demo", "--store", url, "--out-dir", str(tmp_path))[0] == 0
    assert "vk_audit_log" in _tables(postgres_dsn, schema)
    assert run("demo", "--store", url, "--out-dir", str(tmp_path))[0] == 0


def test_read_only_commands_refuse_a_schema_without_volunteerkit_migrations(
    postgres_dsn: str, schema_url: tuple[str, str], tmp_path: Path
) -> None:
    """audit, stats, report on a schema of another application: store.not_ours, no table added.

    Before, ``audit`` created volunteerkit's tables beside the application's, and ``stats`` on a
    schema with a table of its own named ``vk_volunteers`` failed half-migrated. After
    ``migrate`` the same commands open the store (exit 0).
    """
    import psycopg

    schema, url = schema_url
    with psycopg.connect(postgres_dsn, autocommit=True) as conn:
        conn.execute(f'CREATE TABLE "{schema}".customers (id int PRIMARY KEY, name text)')
        conn.execute(f'CREATE TABLE "{schema}".vk_volunteers (id int PRIMARY KEY, name text)')
    as_of = "2026-12-31T00:00:00+08:00"
    commands = [
        ["audit", url],
        ["stats", url, "--as-of", as_of],
        ["report", url, str(tmp_path / "out.html"), "--as-of", as_of],
    ]
    for argv in commands:
        code, text = run("--json", *argv)
        data = json.loads(text)
        error = data.get("error", data)
        assert (code, error["code"], error["path"]) == (2, "store.not_ours", "$.url"), argv
        assert _tables(postgres_dsn, schema) == ["customers", "vk_volunteers"]
    with psycopg.connect(postgres_dsn, autocommit=True) as conn:
        conn.execute(f'DROP TABLE "{schema}".customers, "{schema}".vk_volunteers')
    assert run("migrate", url)[0] == 0
    for argv in commands:
        assert run(*argv)[0] == 0, argv


def test_demo_store_and_readers_look_where_the_store_is_found_through_the_search_path(
    postgres_dsn: str, tmp_path: Path
) -> None:
    """The search path's first schema is empty; the second holds somebody's store.

    PostgresStore finds its tables through the whole search path, so that store is what a URL
    with this path opens. The demo looked only at the first schema, found it empty, and wrote
    its records into the other's store; ``open_store(create=False)`` refused the store that
    ``open_store`` opens. Both now look where the store does.
    """
    import psycopg

    from volunteerkit import FixedClock
    from volunteerkit.audit import record
    from volunteerkit.stores import PostgresStore, open_store

    if "://" not in postgres_dsn:
        _no_url()
    empty, real = (f"vk_cli_{uuid.uuid4().hex[:12]}" for _ in range(2))
    store = PostgresStore(postgres_dsn, schema=real)
    clock = FixedClock(datetime(2026, 11, 28, tzinfo=UTC))
    store.audit.append(record(clock, actor="alice", action="x.y", subject_type="t", subject_id="s"))
    store.close()
    with psycopg.connect(postgres_dsn, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{empty}"')
    joiner = "&" if "?" in postgres_dsn else "?"
    url = f"{postgres_dsn}{joiner}options=-csearch_path%3D{empty},{real}"
    try:
        code, text = run("--json", "demo", "--store", url, "--out-dir", str(tmp_path))
        error = json.loads(text)["error"]
        assert code == 2 and (error["code"], error["path"]) == ("demo.file_taken", "$.store")
        with psycopg.connect(postgres_dsn) as conn:
            actors = conn.execute(f'SELECT DISTINCT actor FROM "{real}".vk_audit_log').fetchall()
        assert actors == [("alice",)]
        assert _tables(postgres_dsn, empty) == []
        opened = open_store(url, create=False)
        assert [e.actor for e in opened.audit.query()] == ["alice"]
        opened.close()
    finally:
        with psycopg.connect(postgres_dsn, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{empty}" CASCADE')
            conn.execute(f'DROP SCHEMA IF EXISTS "{real}" CASCADE')
