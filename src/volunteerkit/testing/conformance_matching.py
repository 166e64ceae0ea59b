"""Conformance suite of the matching storage port (``store.matching``).

Run it against a backend by subclassing with a ``make_store`` fixture, as with
:mod:`volunteerkit.testing.conformance`::

    class TestMatchingOnMyStore(MatchingStoreConformance):
        @pytest.fixture
        def make_store(self):
            return MyStore

Needs pytest and hypothesis.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from volunteerkit.errors import ConflictError, IntegrityError, InvalidInputError, NotFoundError
from volunteerkit.matching.models import (
    MAX_ID,
    GeoPoint,
    Location,
    Project,
    Requirements,
    Shift,
    Slot,
)
from volunteerkit.matching.store import MatchingStore, RoleAssignment, ShiftAssignment
from volunteerkit.testing.conformance import StoreFactory
from volunteerkit.testing.strategies_matching import projects, shifts, slots

__all__ = ["MatchingStoreConformance"]

_SH = ZoneInfo("Asia/Shanghai")
_T0 = datetime(2026, 12, 5, 9, 0, tzinfo=_SH)


def _project(pid: str = "p1", **kw: Any) -> Project:
    fields: dict[str, Any] = {
        "id": pid,
        "organization_id": "org-1",
        "organization_name": "东城区志愿者协会",
        "title": "Winter fair",
        "category": "events",
        "zone": _SH,
        "location": Location(point=GeoPoint(latitude=39.93, longitude=116.42), address="地坛"),
    }
    fields.update(kw)
    return Project(**fields)


def _slot(sid: str = "s1", pid: str = "p1", **kw: Any) -> Slot:
    fields: dict[str, Any] = {
        "id": sid,
        "project_id": pid,
        "title": "Guide",
        "capacity": 3,
        "requirements": Requirements(languages=["en"], min_age=16),
    }
    fields.update(kw)
    return Slot(**fields)


def _shift(fid: str = "f1", sid: str = "s1", pid: str = "p1", **kw: Any) -> Shift:
    fields: dict[str, Any] = {
        "id": fid,
        "slot_id": sid,
        "project_id": pid,
        "start": _T0,
        "duration_minutes": 240,
        "zone": _SH,
        "rrule": "FREQ=WEEKLY;COUNT=4",
        "exdates": (_T0 + timedelta(weeks=1),),
    }
    fields.update(kw)
    return Shift(**fields)


def _role(n: int, *, slot: str = "s1", run: str = "run-1", **kw: Any) -> RoleAssignment:
    fields: dict[str, Any] = {
        "id": f"ra-{n:04d}",
        "run_id": run,
        "volunteer_id": f"v{n % 3}",
        "slot_id": slot,
        "score": 700 + n,
        "assigned_at": datetime(2026, 11, 28, 1, 0, tzinfo=UTC),
    }
    fields.update(kw)
    return RoleAssignment(**fields)


def _rostered(n: int, *, start: datetime | None = None, **kw: Any) -> ShiftAssignment:
    begin = start if start is not None else _T0 + timedelta(weeks=n)
    fields: dict[str, Any] = {
        "id": f"sa-{n:04d}",
        "run_id": "roster-1",
        "volunteer_id": f"v{n % 2}",
        "shift_id": "f1",
        "start": begin,
        "end": begin + timedelta(hours=4),
        "assigned_at": datetime(2026, 11, 28, 2, 0, tzinfo=UTC),
    }
    fields.update(kw)
    return ShiftAssignment(**fields)


class _Base:
    @pytest.fixture
    def store(self, make_store: StoreFactory) -> Iterator[Any]:
        """A fresh, empty store, closed after the test."""
        store = make_store()
        yield store
        store.close()


class MatchingStoreConformance(_Base):
    """The matching storage contract (:class:`volunteerkit.matching.store.MatchingStore`)."""

    def test_store_offers_the_matching_port(self, store: Any) -> None:
        """``store.matching`` satisfies the MatchingStore protocol."""
        assert isinstance(store.matching, MatchingStore)

    def test_configuration_round_trips_and_reports_changes(self, store: Any) -> None:
        """put_* returns True when something changed, False for an identical put; get returns it."""
        m = store.matching
        assert m.put_project(_project()) is True
        assert m.put_project(_project()) is False
        assert m.put_slot(_slot()) is True
        assert m.put_shift(_shift()) is True
        assert m.put_shift(_shift()) is False
        assert m.get_project("p1") == _project()
        assert m.get_slot("s1") == _slot()
        back = m.get_shift("f1")
        assert back == _shift()
        assert back.zone.key == "Asia/Shanghai"
        assert m.put_slot(_slot(capacity=5)) is True
        assert m.get_slot("s1").capacity == 5

    def test_equal_coordinates_replay_as_no_change(self, store: Any) -> None:
        """A point given as ``30`` then ``30.0`` (or ``0.0`` then ``-0.0``) is no change.

        Equal numbers are one coordinate on every backend: the replay is a no-op and the read-back
        is the same float whether the store compares models or serialised text.
        """
        m = store.matching

        def at(lat: float, lon: float) -> Project:
            return _project(location=Location(point=GeoPoint(latitude=lat, longitude=lon)))

        assert m.put_project(at(30, 0.0)) is True
        assert m.put_project(at(30.0, -0.0)) is False
        back = m.get_project("p1").location.point
        assert (repr(back.latitude), repr(back.longitude)) == ("30.0", "0.0")

    def test_the_longest_ids_are_stored_and_one_more_is_refused(self, store: Any) -> None:
        """Ids of MAX_ID characters (4 UTF-8 bytes each) are stored by every backend.

        PostgreSQL indexes them and refuses an index row over 2,704 bytes; one character more is
        refused by the model with its own code, so no backend keeps an id another cannot.
        """

        def longest(tag: int) -> str:
            return "".join(chr(0x20000 + tag * MAX_ID + i) for i in range(MAX_ID))

        pid, sid, fid, run, vid = (longest(n) for n in range(5))
        m = store.matching
        assert m.put_project(_project(pid, organization_id=longest(5))) is True
        assert m.put_slot(_slot(sid, pid)) is True
        assert m.put_shift(_shift(fid, sid, pid)) is True
        role = _role(1, slot=sid, run=run, id=longest(6), volunteer_id=vid)
        roster = _rostered(1, run_id=run, shift_id=fid, id=longest(7), volunteer_id=vid)
        assert m.add_role_assignments([role]) == 1
        assert m.add_shift_assignments([roster]) == 1
        assert m.get_shift(fid) == _shift(fid, sid, pid)
        assert list(m.role_assignments(run_id=run, volunteer_id=vid)) == [role]
        assert list(m.shift_assignments(run_id=run, shift_id=fid)) == [roster]
        too_long = pid + "x"
        for build, path in (
            (lambda: _project(too_long), "$.id"),
            (lambda: _slot(sid, too_long), "$.project_id"),
            (lambda: _role(2, run=too_long), "$.run_id"),
            (lambda: _rostered(2, volunteer_id=too_long), "$.volunteer_id"),
        ):
            with pytest.raises(InvalidInputError) as info:
                build()
            assert (info.value.code, info.value.path) == ("matching.id_too_long", path)

    def test_references_must_exist(self, store: Any) -> None:
        """A slot of an unknown project, or a shift of an unknown slot or other project, is refused."""
        m = store.matching
        with pytest.raises(IntegrityError) as info:
            m.put_slot(_slot())
        assert info.value.code == "matching.unknown_reference"
        assert info.value.path == "$.project_id"
        m.put_project(_project())
        m.put_project(_project("p2"))
        m.put_slot(_slot())
        with pytest.raises(IntegrityError) as info:
            m.put_shift(_shift(sid="nope"))
        assert info.value.path == "$.slot_id"
        with pytest.raises(IntegrityError) as info:
            m.put_shift(_shift(pid="p2"))
        assert info.value.path == "$.project_id"
        assert list(m.shifts()) == []

    @pytest.mark.parametrize("text", ["a\x00b", "\ud800"], ids=["nul", "lone-surrogate"])
    def test_a_lookup_by_text_no_store_can_hold_finds_nothing(self, store: Any, text: str) -> None:
        """get_* by text holding NUL or a lone surrogate is matching.not_found; filters find none.

        No record can hold such text, so the memory store answered "not found"; the SQL stores
        raised store.invalid_text (PostgreSQL for NUL, both for a surrogate).
        """
        m = store.matching
        m.put_project(_project())
        m.put_slot(_slot())
        for getter in (m.get_project, m.get_slot, m.get_shift):
            with pytest.raises(NotFoundError) as info:
                getter(text)
            assert info.value.code == "matching.not_found"
        assert list(m.slots(project_id=text)) == []
        assert list(m.shifts(slot_id=text)) == []
        assert list(m.role_assignments(volunteer_id=text)) == []
        assert list(m.shift_assignments(shift_id=text)) == []
        assert [s.id for s in m.slots(project_id="p1")] == ["s1"]

    def test_a_shift_is_in_its_projects_zone(self, store: Any) -> None:
        """A shift in another zone is refused; a project with shifts keeps its zone."""
        m = store.matching
        m.put_project(_project())
        m.put_slot(_slot())
        ny = ZoneInfo("America/New_York")
        with pytest.raises(InvalidInputError) as info:
            m.put_shift(_shift(zone=ny, start=_T0.astimezone(ny)))
        assert (info.value.code, info.value.path) == ("matching.zone_mismatch", "$.zone")
        assert list(m.shifts()) == []
        assert m.put_project(_project(zone=ny)) is True  # no shifts yet: it may move
        assert m.put_project(_project()) is True
        m.put_shift(_shift())
        with pytest.raises(InvalidInputError) as info:
            m.put_project(_project(zone=ny))
        assert (info.value.code, info.value.path) == ("matching.zone_mismatch", "$.zone")
        assert m.get_project("p1").zone.key == "Asia/Shanghai"
        assert m.put_project(_project(title="Spring fair")) is True  # same zone: replaced

    def test_a_zone_under_its_old_name_is_the_same_zone(self, store: Any) -> None:
        """A tz database link names the project's own zone.

        The shift is stored, the project may take that name, and another zone is still refused.
        """
        m = store.matching
        m.put_project(_project())  # Asia/Shanghai
        m.put_slot(_slot())
        chongqing = ZoneInfo("Asia/Chongqing")  # a link to Asia/Shanghai
        assert m.put_shift(_shift(zone=chongqing, start=_T0.astimezone(chongqing))) is True
        assert m.put_project(_project(zone=chongqing)) is True  # not a move: its shifts stay
        assert m.get_project("p1").zone.key == "Asia/Chongqing"
        tokyo = ZoneInfo("Asia/Tokyo")  # the same offset, but another zone
        with pytest.raises(InvalidInputError) as info:
            m.put_project(_project(zone=tokyo))
        assert (info.value.code, info.value.path) == ("matching.zone_mismatch", "$.zone")

    def test_missing_records_raise_not_found(self, store: Any) -> None:
        """get_* of an unknown id raises NotFoundError with code matching.not_found."""
        for getter in (
            store.matching.get_project,
            store.matching.get_slot,
            store.matching.get_shift,
        ):
            with pytest.raises(NotFoundError) as info:
                getter("missing")
            assert info.value.code == "matching.not_found"

    def test_listings_are_ordered_and_filtered(self, store: Any) -> None:
        """projects(), slots() and shifts() stream by id, filtered by project and slot."""
        m = store.matching
        for pid in ("p2", "p1"):
            m.put_project(_project(pid))
        m.put_slot(_slot("s2", "p1"))
        m.put_slot(_slot("s1", "p1"))
        m.put_slot(_slot("s3", "p2"))
        m.put_shift(_shift("f3", "s3", "p2"))
        m.put_shift(_shift("f2", "s1", "p1"))
        m.put_shift(_shift("f1", "s2", "p1"))
        assert [p.id for p in m.projects()] == ["p1", "p2"]
        assert [s.id for s in m.slots()] == ["s1", "s2", "s3"]
        assert [s.id for s in m.slots(project_id="p1")] == ["s1", "s2"]
        assert [s.id for s in m.shifts(project_id="p1")] == ["f1", "f2"]
        assert [s.id for s in m.shifts(slot_id="s3")] == ["f3"]
        assert [s.id for s in m.shifts(project_id="p1", slot_id="s3")] == []

    def test_role_assignments_append_idempotently(self, store: Any) -> None:
        """Replays count once; a different record under a stored id raises matching.conflict."""
        m = store.matching
        m.put_project(_project())
        m.put_slot(_slot())
        assert m.add_role_assignments([_role(1), _role(2), _role(1)]) == 2
        assert m.add_role_assignments([_role(2), _role(3)]) == 1
        with pytest.raises(ConflictError) as info:
            m.add_role_assignments([_role(4), _role(1, score=1)])
        assert info.value.code == "matching.conflict"
        assert [a.id for a in m.role_assignments()] == ["ra-0001", "ra-0002", "ra-0003"]
        assert m.role_assignments(volunteer_id="v1").__next__() == _role(1)

    def test_role_assignments_need_a_stored_slot(self, store: Any) -> None:
        """A batch with an assignment to an unknown slot is refused whole."""
        m = store.matching
        m.put_project(_project())
        m.put_slot(_slot())
        with pytest.raises(IntegrityError):
            m.add_role_assignments([_role(1), _role(2, slot="missing")])
        assert list(m.role_assignments()) == []

    def test_role_assignment_filters(self, store: Any) -> None:
        """role_assignments() filters by run, volunteer and slot, ordered by id."""
        m = store.matching
        m.put_project(_project())
        m.put_slot(_slot())
        m.put_slot(_slot("s2"))
        m.add_role_assignments(
            [_role(1), _role(2, slot="s2"), _role(3, run="run-2"), _role(4, slot="s2", run="run-2")]
        )
        assert [a.id for a in m.role_assignments(run_id="run-2")] == ["ra-0003", "ra-0004"]
        assert [a.id for a in m.role_assignments(slot_id="s2")] == ["ra-0002", "ra-0004"]
        assert [a.id for a in m.role_assignments(run_id="run-1", slot_id="s2")] == ["ra-0002"]
        assert [a.id for a in m.role_assignments(volunteer_id="v0")] == ["ra-0003"]

    def test_shift_assignments_order_by_start_instant(self, store: Any) -> None:
        """Shift assignments come back by start instant (whatever the offsets), then id."""
        m = store.matching
        m.put_project(_project())
        m.put_slot(_slot())
        m.put_shift(_shift())
        kathmandu = timezone(timedelta(hours=5, minutes=45))
        late = _rostered(1, start=datetime(2026, 12, 6, 1, 0, tzinfo=UTC))
        early = _rostered(2, start=datetime(2026, 12, 6, 6, 0, tzinfo=kathmandu))
        same = _rostered(3, start=datetime(2026, 12, 6, 1, 0, tzinfo=UTC))
        assert m.add_shift_assignments([late, early, same, early]) == 3
        assert [a.id for a in m.shift_assignments()] == ["sa-0002", "sa-0001", "sa-0003"]
        assert list(m.shift_assignments(volunteer_id="v0")) == [early]
        assert list(m.shift_assignments(shift_id="other")) == []
        with pytest.raises(ConflictError):
            m.add_shift_assignments([_rostered(1, start=_T0)])
        with pytest.raises(IntegrityError):
            m.add_shift_assignments([_rostered(9, shift_id="missing")])

    def test_an_hour_later_on_a_fall_back_day_is_a_change(self, store: Any) -> None:
        """01:30 EDT and 01:30 EST (``fold=1``) on 1 November 2026 are different starts.

        Python's ``==`` says they are equal (same zone, same wall time); the store must not: the
        moved shift is stored, and a rostered occurrence replayed an hour later is a conflict.
        """
        ny = ZoneInfo("America/New_York")
        m = store.matching
        m.put_project(_project(zone=ny))
        m.put_slot(_slot())
        edt = datetime(2026, 11, 1, 1, 30, tzinfo=ny)
        est = datetime(2026, 11, 1, 1, 30, fold=1, tzinfo=ny)
        assert m.put_shift(_shift(start=edt, zone=ny, rrule=None, exdates=())) is True
        assert m.put_shift(_shift(start=est, zone=ny, rrule=None, exdates=())) is True
        assert m.get_shift("f1").start.astimezone(UTC) == datetime(2026, 11, 1, 6, 30, tzinfo=UTC)
        end = datetime(2026, 11, 1, 9, 30, tzinfo=UTC)
        assert m.add_shift_assignments([_rostered(1, start=edt, end=end)]) == 1
        replay = _rostered(1, start=edt.astimezone(UTC), end=end.astimezone(ny))
        assert m.add_shift_assignments([replay]) == 0
        with pytest.raises(ConflictError):
            m.add_shift_assignments([_rostered(1, start=est, end=end)])
        assert [a.start.astimezone(UTC).hour for a in m.shift_assignments()] == [5]

    def test_rostered_occurrences_on_a_fall_back_night_read_back_equal_and_by_instant(
        self, store: Any
    ) -> None:
        """Occurrences at 01:30 EDT and 01:15 EST (``fold=1``) come back equal, 01:30 EDT first.

        The memory store sorted by ``(start, id)`` with wall times (01:15 first), and an occurrence
        read back from a SQL store (in UTC) did not equal the one written in New York time: a
        time in a fold never equals one in another zone.
        """
        ny = ZoneInfo("America/New_York")
        m = store.matching
        m.put_project(_project(zone=ny))
        m.put_slot(_slot())
        m.put_shift(_shift(start=_T0, zone=ny, rrule=None, exdates=()))
        edt = datetime(2026, 11, 1, 1, 30, tzinfo=ny)
        est = datetime(2026, 11, 1, 1, 15, fold=1, tzinfo=ny)
        late = _rostered(1, start=est, end=est + timedelta(hours=1))
        early = _rostered(2, start=edt, end=edt + timedelta(hours=1))
        assert m.add_shift_assignments([late, early]) == 2
        assert list(m.shift_assignments()) == [early, late]
        assert m.add_shift_assignments([early]) == 0

    @pytest.mark.parametrize(
        "at",
        [
            datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=5))),
            datetime(9999, 12, 31, 23, tzinfo=timezone(timedelta(hours=-5))),
        ],
    )
    def test_an_instant_outside_the_utc_calendar_is_refused(self, at: datetime) -> None:
        """A time whose UTC instant has no datetime is time.out_of_range, not a store's overflow."""
        with pytest.raises(InvalidInputError) as info:
            _rostered(1, assigned_at=at)
        assert (info.value.code, info.value.path) == ("time.out_of_range", "$.assigned_at")

    def test_transaction_rollback_undoes_matching_writes(self, store: Any) -> None:
        """A transaction that raises leaves projects, slots and assignments as they were."""
        m = store.matching
        m.put_project(_project())
        m.put_slot(_slot())
        with pytest.raises(RuntimeError), store.transaction():  # noqa: PT012
            m.put_project(_project(title="Changed"))
            m.put_slot(_slot("s2"))
            m.add_role_assignments([_role(1)])
            raise RuntimeError("abort")
        assert m.get_project("p1").title == "Winter fair"
        assert [s.id for s in m.slots()] == ["s1"]
        assert list(m.role_assignments()) == []

    @settings(
        max_examples=15,
        deadline=None,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.differing_executors,
        ],
    )
    @given(data=st.data())
    def test_any_configuration_round_trips(
        self, make_store: StoreFactory, data: st.DataObject
    ) -> None:
        """Any valid project, slot and shift comes back equal from the store."""
        project = data.draw(projects(ids=st.just("p")))
        slot = data.draw(slots(ids=st.just("s"), project_ids=st.just("p")))
        shift = data.draw(
            shifts(
                ids=st.just("f"), slot_ids=st.just("s"), project_ids=st.just("p"),
                zone=st.just(project.zone),
            )
        )  # fmt: skip
        store = make_store()
        try:
            m = store.matching
            m.put_project(project)
            m.put_slot(slot)
            m.put_shift(shift)
            assert m.get_project("p") == project
            assert m.get_slot("s") == slot
            assert m.get_shift("f") == shift
        finally:
            store.close()
