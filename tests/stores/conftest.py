"""Fixtures shared by the store tests."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from volunteerkit.stores import MemoryStore, SQLiteStore


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def each_backend(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, Callable[[], Any]]:
    """The name of each backend in turn, and a factory of fresh, empty stores of it.

    SQLite stores are files in the test's folder; PostgreSQL ones are fresh schemas on the
    session's server (``make_postgres_store``), dropped after the test.
    """
    make: Callable[[], Any]
    if request.param == "memory":
        make = MemoryStore
    elif request.param == "sqlite":
        counter = itertools.count()
        make = lambda: SQLiteStore(tmp_path / f"s{next(counter)}.db")  # noqa: E731
    else:
        make = request.getfixturevalue("make_postgres_store")
    return request.param, make
