import threading
import uuid
from zoneinfo import ZoneInfo

import pytest

from volunteerkit.errors import InvalidInputError
from volunteerkit.testing.conformance_matching import MatchingStoreConformance

pytestmark = pytest.mark.postgres


class TestMatchingOnPostgres(MatchingStoreConformance):
    @pytest.fixture
    def make_store(self, make_postgres_store):
        return make_postgres_store


def _two_writers(postgres_dsn):
    """Two stores on one new schema, as two processes would be."""
    from volunteerkit.stores import PostgresStore

    schema = f"vk_test_zone_{uuid.uuid4().hex[:12]}"
    return schema, PostgresStore(postgres_dsn, schema=schema), PostgresStore(postgres_dsn, schema=schema)


def _drop(postgres_dsn, schema):
    import psycopg

    with psycopg.connect(postgres_dsn, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.mark.parametrize("first", ["project", "shift"])
def test_a_zone_change_and_a_shift_in_the_old_zone_never_both_commit(postgres_dsn, first):
    """While one writer moves the project to New York, another adds a Shanghai shift.

    Whichever writes first holds the project's row lock; the other waits for it to commit, then
    sees its write and is refused (``matching.zone_mismatch``), so the store never holds a shift
    outside its project's zone.
    """
    from volunteerkit.testing.conformance_matching import _project, _shift, _slot

    schema, a, b = _two_writers(postgres_dsn)
    try:
        a.matching.put_project(_project())
        a.matching.put_slot(_slot())
        moved, added = _project(zone=ZoneInfo("America/New_York")), _shift()
        write_first, store_first, write_second, store_second = (
            (lambda: a.matching.put_project(moved), a, lambda: b.matching.put_shift(added), b)
            if first == "project"
            else (lambda: b.matching.put_shift(added), b, lambda: a.matching.put_project(moved), a)
        )
        refused: list[str] = []

        def second() -> None:
            try:
                write_second()
            except InvalidInputError as err:
                refused.append(err.code)

        with store_first.transaction():
            write_first()
            waiting = threading.Thread(target=second)
            waiting.start()
            waiting.join(0.5)  # it waits on the project's row until this transaction commits
        waiting.join(30)
        assert not waiting.is_alive() and refused == ["matching.zone_mismatch"]
        project = store_second.matching.get_project("p1")
        assert [s.zone.key for s in store_second.matching.shifts()] in (
            [],
            [project.zone.key],
        )
    finally:
        a.close()
        b.close()
        _drop(postgres_dsn, schema)


def test_writers_that_move_no_project_never_wait_on_each_other(postgres_dsn):
    """Shifts added and projects re-put (zones unchanged) in two transactions: both commit.

    Each transaction adds a shift to p1, re-puts p1 and p2 unchanged in opposite orders, then
    gives p1 a new title. Neither holds a lock that the other's next write needs before it
    commits (the title updates queue one after the other), so neither deadlocks.
    """
    from volunteerkit.testing.conformance_matching import _project, _shift, _slot

    schema, a, b = _two_writers(postgres_dsn)
    try:
        a.matching.put_project(_project())
        a.matching.put_project(_project("p2"))
        a.matching.put_slot(_slot())
        both = threading.Barrier(2, timeout=30)
        outcomes: dict[str, str] = {}

        def write(store, name, shift_id, order):
            try:
                with store.transaction():
                    store.matching.put_shift(_shift(shift_id))
                    store.matching.put_project(_project(order[0]))  # unchanged
                    both.wait()  # each holds what it took; now each takes the other's
                    store.matching.put_project(_project(order[1]))  # unchanged
                    store.matching.put_project(_project(title=f"by {name}"))
                outcomes[name] = "committed"
            except Exception as err:  # the test reports whatever happened
                outcomes[name] = f"{type(err).__name__}: {err}"

        writers = [
            threading.Thread(target=write, args=(a, "a", "f1", ("p1", "p2"))),
            threading.Thread(target=write, args=(b, "b", "f2", ("p2", "p1"))),
        ]
        for w in writers:
            w.start()
        for w in writers:
            w.join(60)
        assert outcomes == {"a": "committed", "b": "committed"}
        assert [s.id for s in a.matching.shifts()] == ["f1", "f2"]
    finally:
        a.close()
        b.close()
        _drop(postgres_dsn, schema)


def _run(target) -> threading.Thread:
    thread = threading.Thread(target=target)
    thread.start()
    return thread


@pytest.mark.parametrize("how", ["moved back", "inserted twice"])
def test_a_project_written_from_a_stale_read_cannot_strand_a_shift(postgres_dsn, how):
    """A writer that read the project before another moved (or first inserted) it decides again.

    "moved back": A moves p1 from Shanghai to New York while B rewrites it in Shanghai (B read
    it before A committed). "inserted twice": A and B both insert p1, in Shanghai and New York.
    Meanwhile C adds a shift in the zone the first writer left. Whatever the order in which the
    three commit, no shift is left outside its project's zone.
    """
    from volunteerkit.testing.conformance_matching import _project, _shift, _slot

    ny = ZoneInfo("America/New_York")
    schema, a, b = _two_writers(postgres_dsn)
    c = type(a)(postgres_dsn, schema=schema)
    try:
        a.matching.put_project(_project("p0"))  # the schema exists
        if how == "moved back":
            a.matching.put_project(_project())
            a.matching.put_slot(_slot())
        release = threading.Event()

        def second() -> None:
            with b.transaction():
                b.matching.put_project(
                    _project(title="renamed") if how == "moved back" else _project(zone=ny)
                )
                release.wait(10)  # still open while C tries its shift

        def shift() -> None:
            try:
                if how == "inserted twice":
                    c.matching.put_slot(_slot())
                c.matching.put_shift(_shift(zone=ny, exdates=()) if how == "moved back" else _shift())
            except InvalidInputError:
                pass

        with a.transaction():
            a.matching.put_project(_project(zone=ny) if how == "moved back" else _project())
            writer = _run(second)
            writer.join(0.5)
        adder = _run(shift)
        adder.join(0.5)
        release.set()
        writer.join(30)
        adder.join(30)
        zone = c.matching.get_project("p1").zone.key
        assert all(s.zone.key == zone for s in c.matching.shifts())
    finally:
        for store in (a, b, c):
            store.close()
        _drop(postgres_dsn, schema)
