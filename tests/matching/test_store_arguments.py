"""The matching stores answer arguments of the wrong type alike, with a typed error and its path.

Before, an id or filter that was not text reached each backend's own rules: memory answered
``matching.not_found`` (or raised a bare ``TypeError`` for a list), SQLite found the record
``"5"`` by the number 5 and refused a list as ``store.invalid_value``, and PostgreSQL failed with
``store.operational``. A record of the wrong type given to ``put_*`` or ``add_*`` raised a bare
``AttributeError`` (or ``TypeError``). ``matching.not_found`` had no path.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from volunteerkit.matching import (
    GeoPoint,
    Location,
    MatchingInputError,
    Project,
    Shift,
    Slot,
)
from volunteerkit.matching.errors import MatchingNotFound
from volunteerkit.matching.store import RoleAssignment, ShiftAssignment
from volunteerkit.stores import MemoryStore, SQLiteStore

SH = ZoneInfo("Asia/Shanghai")
AT = datetime(2026, 3, 1, 1, 0, tzinfo=UTC)


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """A store of each backend holding project "5", slot "5" and shift "5"."""
    if request.param == "postgres":
        made: Any = request.getfixturevalue("make_postgres_store")()
    elif request.param == "sqlite":
        made = SQLiteStore(tmp_path / "m.db")
    else:
        made = MemoryStore()
    made.matching.put_project(
        Project(
            id="5",
            organization_id="o",
            organization_name="O",
            title="T",
            category="c",
            zone=SH,
            location=Location(point=GeoPoint(latitude=31.2, longitude=121.5)),
        )
    )
    made.matching.put_slot(Slot(id="5", project_id="5", title="Guide", capacity=1))
    made.matching.put_shift(
        Shift(
            id="5",
            slot_id="5",
            project_id="5",
            start=datetime(2026, 3, 1, 9, tzinfo=SH),
            duration_minutes=60,
            zone=SH,
        )
    )
    yield made
    made.close()


GETS = {"project": "get_project", "slot": "get_slot", "shift": "get_shift"}
NOT_TEXT = [5, None, b"5", ["5"], 5.0]


@pytest.mark.parametrize("kind", sorted(GETS))
@pytest.mark.parametrize("bad", NOT_TEXT, ids=repr)
def test_an_id_that_is_not_text_is_matching_invalid(store, kind, bad):
    """get_* of a number, bytes, None or a list: matching.invalid at the id's path."""
    with pytest.raises(MatchingInputError) as info:
        getattr(store.matching, GETS[kind])(bad)
    assert (info.value.code, info.value.path) == ("matching.invalid", f"$.{kind}_id")


@pytest.mark.parametrize("kind", sorted(GETS))
@pytest.mark.parametrize("missing", ["6", "", "a\x00b", "\ud800", "x" * 5000])
def test_an_unknown_id_is_not_found_at_its_path(store, kind, missing):
    """Text no record has is matching.not_found, with the id's path, on every backend."""
    with pytest.raises(MatchingNotFound) as info:
        getattr(store.matching, GETS[kind])(missing)
    assert (info.value.code, info.value.path) == ("matching.not_found", f"$.{kind}_id")


LISTINGS = [
    ("slots", "project_id"),
    ("shifts", "project_id"),
    ("shifts", "slot_id"),
    ("role_assignments", "run_id"),
    ("role_assignments", "volunteer_id"),
    ("role_assignments", "slot_id"),
    ("shift_assignments", "run_id"),
    ("shift_assignments", "volunteer_id"),
    ("shift_assignments", "shift_id"),
]


@pytest.mark.parametrize(("listing", "name"), LISTINGS)
@pytest.mark.parametrize("bad", [5, b"5", ["5"]], ids=repr)
def test_a_filter_that_is_not_text_is_matching_invalid(store, listing, name, bad):
    """A listing filter of the wrong type is refused at its path on every backend."""
    with pytest.raises(MatchingInputError) as info:
        list(getattr(store.matching, listing)(**{name: bad}))
    assert (info.value.code, info.value.path) == ("matching.invalid", f"$.{name}")


@pytest.mark.parametrize("put", ["put_project", "put_slot", "put_shift"])
@pytest.mark.parametrize("bad", [None, "5", {"id": "5"}, b"5"], ids=repr)
def test_put_of_something_else_is_matching_invalid(store, put, bad):
    """put_* of what is not its model is matching.invalid at $, not an AttributeError."""
    with pytest.raises(MatchingInputError) as info:
        getattr(store.matching, put)(bad)
    assert (info.value.code, info.value.path) == ("matching.invalid", "$")


def _role(n: int) -> RoleAssignment:
    return RoleAssignment(
        id=f"r{n}", run_id="run", volunteer_id="v", slot_id="5", score=1, assigned_at=AT
    )


def _rostered(n: int) -> ShiftAssignment:
    start = datetime(2026, 3, 1, 1, 0, tzinfo=UTC)
    return ShiftAssignment(
        id=f"a{n}",
        run_id="run",
        volunteer_id="v",
        shift_id="5",
        start=start,
        end=start.replace(hour=2),
        assigned_at=AT,
    )


@pytest.mark.parametrize(
    ("add", "good"),
    [("add_role_assignments", _role), ("add_shift_assignments", _rostered)],
)
@pytest.mark.parametrize(
    ("batch", "path"),
    [
        (lambda good: None, "$"),
        (lambda good: 5, "$"),
        (lambda good: "r1", "$"),
        (lambda good: [good(1), "r2"], "$[1]"),
        (lambda good: [good(1), None], "$[1]"),
        (lambda good: (x for x in [good(1), good(2), {"id": "r3"}]), "$[2]"),
    ],
)
def test_a_batch_of_the_wrong_type_is_refused_whole(store, add, good, batch, path):
    """A batch that is not one, or an item that is not a record: matching.invalid, nothing kept."""
    with pytest.raises(MatchingInputError) as info:
        getattr(store.matching, add)(batch(good))
    assert (info.value.code, info.value.path) == ("matching.invalid", path)
    assert list(store.matching.role_assignments()) == []
    assert list(store.matching.shift_assignments()) == []


@pytest.mark.parametrize("kind", ["role", "shift"])
@pytest.mark.parametrize("first", ["conflict", "unknown"])
def test_a_batch_with_two_bad_records_is_refused_for_the_first(store, kind, first):
    """One batch: a record clashing with a stored one, and one naming no slot (or shift).

    Every store now refuses the batch for the record that comes first. Before, memory did, while
    the SQL stores looked for unknown slots first: ``[clash, unknown]`` was matching.conflict on
    memory and matching.unknown_reference on SQLite and PostgreSQL. Nothing is written.
    """
    from volunteerkit.errors import VolunteerkitError

    if kind == "role":
        add, read = store.matching.add_role_assignments, store.matching.role_assignments

        def record(i: str, ref: str, score: int = 1) -> Any:
            return RoleAssignment(
                id=i, run_id="r", volunteer_id="v", slot_id=ref, score=score, assigned_at=AT
            )
    else:
        add, read = store.matching.add_shift_assignments, store.matching.shift_assignments

        def record(i: str, ref: str, score: int = 1) -> Any:
            start = datetime(2026, 3, 1, 1, score, tzinfo=UTC)
            return ShiftAssignment(
                id=i, run_id="r", volunteer_id="v", shift_id=ref, start=start,
                end=datetime(2026, 3, 1, 2, tzinfo=UTC), assigned_at=AT,
            )  # fmt: skip

    assert add([record("a1", "5")]) == 1
    clash, unknown = record("a1", "5", score=2), record("a2", "no-such")
    batch = [clash, unknown] if first == "conflict" else [unknown, clash]
    with pytest.raises(VolunteerkitError) as info:
        add(batch)
    expected = "matching.conflict" if first == "conflict" else "matching.unknown_reference"
    assert info.value.code == expected
    assert [a.id for a in read()] == ["a1"]
