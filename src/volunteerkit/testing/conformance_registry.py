"""The registry's store conformance suite: repositories and the Registry service on a backend.

Every backend runs the same tests by subclassing and providing one fixture, ``make_store``, that
returns a callable creating a fresh, empty store (see :mod:`volunteerkit.testing.conformance`)::

    class TestMyStoreRegistry(VolunteerRepositoryConformance, OrganizationRepositoryConformance,
                              MembershipRepositoryConformance, RegistryServiceConformance):
        @pytest.fixture
        def make_store(self):
            return MyStore

Needs pytest and hypothesis (and ``cryptography`` for the encryption tests).
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from volunteerkit._clock import FixedClock
from volunteerkit.errors import ConflictError, IntegrityError, InvalidInputError, NotFoundError
from volunteerkit.registry import identity
from volunteerkit.registry.identity import cn_ric
from volunteerkit.registry.models import (
    ConsentMethod,
    Guardian,
    GuardianConsent,
    GuardianRelationship,
    Membership,
    MembershipEnd,
    MembershipRole,
    Organization,
    SealedNumber,
    VerificationStatus,
    Volunteer,
    VolunteerRecord,
    VolunteerStatus,
)
from volunteerkit.registry.privacy import Keyring
from volunteerkit.registry.service import Registry, VolunteerApplication
from volunteerkit.registry.store import (
    MembershipRepository,
    OrganizationRepository,
    RegistryStore,
    VolunteerRepository,
)
from volunteerkit.testing.conformance import StoreFactory, _Base
from volunteerkit.testing.strategies_registry import volunteer_records

__all__ = [
    "MembershipRepositoryConformance",
    "OrganizationRepositoryConformance",
    "RegistryServiceConformance",
    "VolunteerRepositoryConformance",
]

_T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
_CST = timezone(timedelta(hours=8))
_INDEX_KEY = bytes(range(32))
_ENCRYPTION_KEY = bytes(range(32, 64))


def _id(n: int) -> str:
    return f"00000000-0000-7000-8000-{n:012d}"


def _index(n: int, key_id: str = "i1") -> str:
    return f"{key_id}:{n:064x}"


def _record(
    n: int,
    *,
    index: int | None = None,
    status: VolunteerStatus = VolunteerStatus.ACTIVE,
    merged_into: str | None = None,
    name: str = "李娜",
    guardian: bool = False,
) -> VolunteerRecord:
    volunteer = Volunteer(
        id=_id(n),
        name=name,
        birth_date=date(1990, 1, 1),
        registered_at=_T0 + timedelta(minutes=n),
        status=status,
        merged_into=merged_into,
        skills=("急救",),
        languages=("zh-Hans", "en"),
        guardian=Guardian(
            name="王芳",
            relationship=GuardianRelationship.PARENT,
            consent=GuardianConsent(given_at=_T0, method=ConsentMethod.WRITTEN),
        )
        if guardian
        else None,
    )
    sealed = SealedNumber(
        scheme="cn_ric", masked="110105********002X", key_id="e1", payload=f"cipher-{n}"
    )
    return VolunteerRecord(
        volunteer=volunteer,
        document=sealed,
        document_index=_index(n if index is None else index),
        guardian_document=attrs.evolve(sealed, payload=f"guardian-{n}") if guardian else None,
    )


def _org(n: int, *, uscc: str | None = None, parent: int | None = None) -> Organization:
    return Organization(
        id=_id(1000 + n),
        name=f"志愿服务队 {n}",
        uscc=uscc,
        region="110105",
        verification=VerificationStatus.VERIFIED,
        parent_id=None if parent is None else _id(1000 + parent),
        registered_at=_T0 + timedelta(minutes=n),
    )


def _membership(
    n: int, volunteer: int, org: int, *, minutes: int = 0, left: bool = False
) -> Membership:
    joined = _T0 + timedelta(minutes=minutes)
    return Membership(
        id=_id(5000 + n),
        volunteer_id=_id(volunteer),
        organization_id=_id(1000 + org),
        role=MembershipRole.MEMBER,
        joined_at=joined,
        left_at=joined + timedelta(days=1) if left else None,
        end=MembershipEnd.LEFT if left else None,
    )


_SUPPRESS = [
    HealthCheck.function_scoped_fixture,
    HealthCheck.too_slow,
    HealthCheck.differing_executors,
]


class VolunteerRepositoryConformance(_Base):
    """The volunteer repository contract (:class:`~volunteerkit.registry.store.VolunteerRepository`)."""

    def test_store_has_the_registry_shape(self, store: Any) -> None:
        """The store satisfies RegistryStore and each repository its protocol."""
        assert isinstance(store, RegistryStore)
        assert isinstance(store.volunteers, VolunteerRepository)
        assert isinstance(store.organizations, OrganizationRepository)
        assert isinstance(store.memberships, MembershipRepository)

    def test_add_then_get_is_exact(self, store: Any) -> None:
        """A record comes back equal to what went in, sealed guardian number included."""
        record = _record(1, guardian=True)
        store.volunteers.add(record)
        assert store.volunteers.get(_id(1)) == record
        assert store.volunteers.count() == 1

    def test_duplicate_id_is_refused(self, store: Any) -> None:
        """A second record with the same id raises registry.volunteer_exists and writes nothing."""
        store.volunteers.add(_record(1))
        with pytest.raises(ConflictError) as info:
            store.volunteers.add(_record(1, index=99))
        assert info.value.code == "registry.volunteer_exists"
        assert store.volunteers.find_by_index([_index(99)]) is None

    def test_duplicate_blind_index_is_refused(self, store: Any) -> None:
        """One person, one registration: a second record with the same index is refused."""
        store.volunteers.add(_record(1))
        with pytest.raises(ConflictError) as info:
            store.volunteers.add(_record(2, index=1))
        assert info.value.code == "registry.duplicate_document"
        assert store.volunteers.count() == 1
        with pytest.raises(NotFoundError):
            store.volunteers.get(_id(2))

    def test_refused_add_leaves_the_transaction_usable(self, store: Any) -> None:
        """After a refused add inside a transaction, later writes of that transaction commit."""
        store.volunteers.add(_record(1))
        with store.transaction():
            with pytest.raises(ConflictError):
                store.volunteers.add(_record(2, index=1))
            store.volunteers.add(_record(3))
        assert [r.id for r in store.volunteers.iter()] == [_id(1), _id(3)]

    def test_get_missing_raises_not_found(self, store: Any) -> None:
        """get() of an unknown id raises NotFoundError registry.volunteer_not_found."""
        with pytest.raises(NotFoundError) as info:
            store.volunteers.get(_id(9))
        assert info.value.code == "registry.volunteer_not_found"

    def test_find_by_index_tries_every_candidate(self, store: Any) -> None:
        """find_by_index matches any candidate (the index under any key) and None otherwise."""
        store.volunteers.add(_record(1, index=10))
        store.volunteers.add(_record(2, index=20))
        found = store.volunteers.find_by_index([_index(7, "i2"), _index(20)])
        assert found is not None
        assert found.id == _id(2)
        assert store.volunteers.find_by_index([_index(7)]) is None
        assert store.volunteers.find_by_index([]) is None

    def test_update_replaces_and_moves_the_index(self, store: Any) -> None:
        """update() replaces the record; its old index is free afterwards."""
        store.volunteers.add(_record(1, index=10))
        changed = _record(1, index=11, name="李娜娜")
        store.volunteers.update(changed)
        assert store.volunteers.get(_id(1)) == changed
        assert store.volunteers.find_by_index([_index(10)]) is None
        store.volunteers.add(_record(2, index=10))
        assert store.volunteers.count() == 2

    def test_update_to_a_taken_index_is_refused(self, store: Any) -> None:
        """update() onto another record's index raises registry.duplicate_document."""
        store.volunteers.add(_record(1))
        store.volunteers.add(_record(2))
        with pytest.raises(ConflictError) as info:
            store.volunteers.update(_record(2, index=1))
        assert info.value.code == "registry.duplicate_document"
        assert store.volunteers.get(_id(2)) == _record(2)

    def test_update_missing_raises_not_found(self, store: Any) -> None:
        """update() of an unknown id raises NotFoundError."""
        with pytest.raises(NotFoundError) as info:
            store.volunteers.update(_record(1))
        assert info.value.code == "registry.volunteer_not_found"

    def test_anonymised_records_hold_no_index(self, store: Any) -> None:
        """Records without an index (anonymised) coexist; they never match a lookup."""
        for n in (1, 2):
            rec = _record(n)
            volunteer = attrs.evolve(
                rec.volunteer,
                name=None,
                birth_date=None,
                skills=(),
                languages=(),
                status=VolunteerStatus.ANONYMISED,
                age_band="25-34",
            )
            store.volunteers.add(VolunteerRecord(volunteer=volunteer))
        assert store.volunteers.count(status=VolunteerStatus.ANONYMISED) == 2
        assert store.volunteers.get(_id(2)).document is None

    def test_merged_into_and_unknown_target(self, store: Any) -> None:
        """merged_into() lists records merged into an id; an unknown target is refused."""
        store.volunteers.add(_record(1))
        store.volunteers.add(_record(3, status=VolunteerStatus.MERGED, merged_into=_id(1)))
        store.volunteers.add(_record(2, status=VolunteerStatus.MERGED, merged_into=_id(1)))
        assert [r.id for r in store.volunteers.merged_into(_id(1))] == [_id(2), _id(3)]
        assert store.volunteers.merged_into(_id(2)) == []
        with pytest.raises(IntegrityError) as info:
            store.volunteers.add(_record(4, status=VolunteerStatus.MERGED, merged_into=_id(9)))
        assert info.value.code == "registry.unknown_reference"
        assert store.volunteers.count() == 3

    def test_iter_orders_by_id_and_filters_status(self, store: Any) -> None:
        """iter() streams in id order; status filters; count() agrees."""
        for n, status in (
            (3, VolunteerStatus.ACTIVE),
            (1, VolunteerStatus.SUSPENDED),
            (2, VolunteerStatus.ACTIVE),
        ):
            store.volunteers.add(_record(n, status=status))
        assert [r.id for r in store.volunteers.iter()] == [_id(1), _id(2), _id(3)]
        active = [r.id for r in store.volunteers.iter(status=VolunteerStatus.ACTIVE)]
        assert active == [_id(2), _id(3)]
        assert store.volunteers.count(status=VolunteerStatus.SUSPENDED) == 1
        assert store.volunteers.count(status=VolunteerStatus.MERGED) == 0

    def test_rollback_undoes_adds_and_updates(self, store: Any) -> None:
        """A transaction that raises leaves records and indexes as they were."""
        store.volunteers.add(_record(1, index=10))
        with pytest.raises(RuntimeError), store.transaction():  # noqa: PT012
            store.volunteers.update(_record(1, index=11))
            store.volunteers.add(_record(2, index=10))
            raise RuntimeError("undo")
        assert store.volunteers.get(_id(1)) == _record(1, index=10)
        assert store.volunteers.find_by_index([_index(10)]) == _record(1, index=10)
        assert store.volunteers.find_by_index([_index(11)]) is None
        assert store.volunteers.count() == 1

    @settings(max_examples=25, deadline=None, suppress_health_check=_SUPPRESS)
    @given(
        drawn=st.lists(
            st.tuples(volunteer_records(), st.integers(0, 3), st.integers(0, 3)),
            max_size=6,
        )
    )
    def test_store_agrees_with_a_model(
        self, make_store: StoreFactory, drawn: list[tuple[VolunteerRecord, int, int]]
    ) -> None:
        """Any sequence of adds holds exactly what a dict model says, refusals included.

        Ids and blind indexes come from pools of four, so repeated ids and indexes (refused with
        ConflictError) are common: with ids drawn at random the refusal was never reached, and a
        store that accepted duplicates passed.
        """
        records = [
            attrs.evolve(
                rec,
                volunteer=attrs.evolve(rec.volunteer, id=_id(i)),
                document_index=None if rec.document_index is None else _index(j),
            )
            for rec, i, j in drawn
        ]
        store = make_store()
        try:
            model: dict[str, VolunteerRecord] = {}
            indexes: set[str] = set()
            for rec in records:
                if rec.id in model or (
                    rec.document_index is not None and rec.document_index in indexes
                ):
                    with pytest.raises(ConflictError):
                        store.volunteers.add(rec)
                    continue
                store.volunteers.add(rec)
                model[rec.id] = rec
                if rec.document_index is not None:
                    indexes.add(rec.document_index)
            assert list(store.volunteers.iter()) == [model[k] for k in sorted(model)]
            for rec in model.values():
                if rec.document_index is not None:
                    assert store.volunteers.find_by_index([rec.document_index]) == rec
        finally:
            store.close()


class OrganizationRepositoryConformance(_Base):
    """The organization repository contract."""

    def test_add_get_find_and_children(self, store: Any) -> None:
        """Organizations round-trip; find_by_uscc and children() find them."""
        parent = _org(1, uscc="51100000AB12C34D2Y")
        child_b, child_a = _org(3, parent=1), _org(2, parent=1)
        for org in (parent, child_b, child_a):
            store.organizations.add(org)
        assert store.organizations.get(parent.id) == parent
        assert store.organizations.find_by_uscc("51100000AB12C34D2Y") == parent
        assert store.organizations.find_by_uscc("53110000XY9KM21Q35") is None
        assert store.organizations.children(parent.id) == [child_a, child_b]
        assert [o.id for o in store.organizations.iter()] == [parent.id, child_a.id, child_b.id]
        assert store.organizations.count() == 3

    def test_conflicts_and_unknown_parent(self, store: Any) -> None:
        """Same id, same USCC and an unknown parent are refused with their codes."""
        store.organizations.add(_org(1, uscc="51100000AB12C34D2Y"))
        with pytest.raises(ConflictError) as info:
            store.organizations.add(_org(1))
        assert info.value.code == "registry.organization_exists"
        with pytest.raises(ConflictError) as info2:
            store.organizations.add(_org(2, uscc="51100000AB12C34D2Y"))
        assert info2.value.code == "registry.duplicate_uscc"
        with pytest.raises(IntegrityError) as info3:
            store.organizations.add(_org(3, parent=9))
        assert info3.value.code == "registry.unknown_parent"
        assert store.organizations.count() == 1

    def test_update(self, store: Any) -> None:
        """update() replaces; unknown ids, taken USCCs and unknown parents are refused."""
        store.organizations.add(_org(1, uscc="51100000AB12C34D2Y"))
        store.organizations.add(_org(2))
        changed = attrs.evolve(_org(2), verification=VerificationStatus.REVOKED, name="新名称")
        store.organizations.update(changed)
        assert store.organizations.get(changed.id) == changed
        with pytest.raises(NotFoundError) as info:
            store.organizations.update(_org(5))
        assert info.value.code == "registry.organization_not_found"
        with pytest.raises(ConflictError) as info2:
            store.organizations.update(_org(2, uscc="51100000AB12C34D2Y"))
        assert info2.value.code == "registry.duplicate_uscc"
        with pytest.raises(IntegrityError) as info3:
            store.organizations.update(_org(2, parent=7))
        assert info3.value.code == "registry.unknown_parent"
        assert store.organizations.get(changed.id) == changed

    def test_get_missing_raises_not_found(self, store: Any) -> None:
        """get() of an unknown id raises registry.organization_not_found."""
        with pytest.raises(NotFoundError) as info:
            store.organizations.get(_id(1))
        assert info.value.code == "registry.organization_not_found"

    def test_rollback(self, store: Any) -> None:
        """A raising transaction undoes organization writes, the USCC index included."""
        with pytest.raises(RuntimeError), store.transaction():  # noqa: PT012
            store.organizations.add(_org(1, uscc="51100000AB12C34D2Y"))
            raise RuntimeError("undo")
        assert store.organizations.count() == 0
        store.organizations.add(_org(2, uscc="51100000AB12C34D2Y"))
        assert store.organizations.find_by_uscc("51100000AB12C34D2Y") == _org(
            2, uscc="51100000AB12C34D2Y"
        )


class MembershipRepositoryConformance(_Base):
    """The membership repository contract."""

    @pytest.fixture
    def filled(self, store: Any) -> Any:
        """A store with volunteers 1 and 2 and organizations 1 and 2."""
        store.volunteers.add(_record(1))
        store.volunteers.add(_record(2))
        store.organizations.add(_org(1))
        store.organizations.add(_org(2))
        return store

    def test_add_get_and_queries(self, filled: Any) -> None:
        """Memberships round-trip and are listed by volunteer and organization in time order."""
        m1 = _membership(1, 1, 1, minutes=5)
        m2 = _membership(2, 1, 2, minutes=1)
        m3 = _membership(3, 2, 1, minutes=3, left=True)
        for m in (m1, m2, m3):
            filled.memberships.add(m)
        assert filled.memberships.get(m3.id) == m3
        assert filled.memberships.for_volunteer(_id(1)) == [m2, m1]
        assert list(filled.memberships.for_organization(_id(1001))) == [m3, m1]
        assert list(filled.memberships.for_organization(_id(1001), active_only=True)) == [m1]
        assert filled.memberships.for_volunteer(_id(2), active_only=True) == []
        assert filled.memberships.active(_id(1), _id(1001)) == m1
        assert filled.memberships.active(_id(2), _id(1001)) is None
        assert filled.memberships.count() == 3

    def test_one_active_membership_per_pair(self, filled: Any) -> None:
        """A second active membership is refused; after leaving, joining again is allowed."""
        first = _membership(1, 1, 1)
        filled.memberships.add(first)
        with pytest.raises(ConflictError) as info:
            filled.memberships.add(_membership(2, 1, 1, minutes=10))
        assert info.value.code == "registry.already_member"
        ended = attrs.evolve(first, left_at=_T0 + timedelta(hours=1), end=MembershipEnd.LEFT)
        filled.memberships.update(ended)
        again = _membership(2, 1, 1, minutes=120)
        filled.memberships.add(again)
        assert filled.memberships.active(_id(1), _id(1001)) == again
        with pytest.raises(ConflictError) as info2:
            filled.memberships.update(attrs.evolve(ended, left_at=None, end=None))
        assert info2.value.code == "registry.already_member"
        assert filled.memberships.get(first.id) == ended

    def test_conflicts_and_references(self, filled: Any) -> None:
        """Same id, unknown volunteer or organization, and unknown updates are refused."""
        filled.memberships.add(_membership(1, 1, 1))
        with pytest.raises(ConflictError) as info:
            filled.memberships.add(_membership(1, 2, 2))
        assert info.value.code == "registry.membership_exists"
        with pytest.raises(IntegrityError) as info2:
            filled.memberships.add(_membership(2, 9, 1))
        assert info2.value.code == "registry.unknown_reference"
        with pytest.raises(IntegrityError) as info3:
            filled.memberships.add(_membership(3, 1, 9))
        assert info3.value.code == "registry.unknown_reference"
        with pytest.raises(NotFoundError) as info4:
            filled.memberships.update(_membership(4, 1, 2))
        assert info4.value.code == "registry.membership_not_found"
        with pytest.raises(NotFoundError) as info5:
            filled.memberships.get(_id(5004))
        assert info5.value.code == "registry.membership_not_found"
        assert filled.memberships.count() == 1

    def test_memberships_on_a_fall_back_night_are_listed_by_instant(self, filled: Any) -> None:
        """01:30 EDT comes before 01:15 EST (``fold=1``) on 1 November 2026, as on the SQL stores.

        The memory store sorted by ``(joined_at, id)``, and ``<`` compares wall times within one
        zone, so it listed 01:15 EST (06:15 UTC) before 01:30 EDT (05:30 UTC); the model refused
        to end the membership at 01:15 EST; and a membership read back from a SQL store (in UTC)
        did not equal itself, since a time in a fold never equals one in another zone.
        """
        ny = ZoneInfo("America/New_York")
        edt = datetime(2026, 11, 1, 1, 30, tzinfo=ny)
        est = datetime(2026, 11, 1, 1, 15, fold=1, tzinfo=ny)
        first = attrs.evolve(_membership(1, 1, 1), joined_at=edt)
        second = attrs.evolve(
            _membership(2, 1, 2), joined_at=est, left_at=est, end=MembershipEnd.LEFT
        )
        filled.memberships.add(second)
        filled.memberships.add(first)
        assert [m.id for m in filled.memberships.for_volunteer(_id(1))] == [first.id, second.id]
        ended = attrs.evolve(first, left_at=est, end=MembershipEnd.LEFT)  # 45 minutes later
        filled.memberships.update(ended)
        back = filled.memberships.get(first.id)
        assert back == ended
        assert back.left_at == datetime(2026, 11, 1, 6, 15, tzinfo=UTC)

    @pytest.mark.parametrize(
        "at",
        [
            datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=5))),
            datetime(9999, 12, 31, 23, tzinfo=timezone(timedelta(hours=-5))),
        ],
    )
    def test_an_instant_outside_the_utc_calendar_is_refused(self, at: datetime) -> None:
        """A time whose UTC instant has no datetime is time.out_of_range, for every model.

        The memory store kept such an organization or membership; SQLite raised a bare
        OverflowError when reading it back.
        """
        for build in (
            lambda: attrs.evolve(_org(1), registered_at=at),
            lambda: attrs.evolve(_membership(1, 1, 1), joined_at=at),
            lambda: attrs.evolve(_record(1).volunteer, registered_at=at),
        ):
            with pytest.raises(InvalidInputError) as info:
                build()
            assert info.value.code == "time.out_of_range"

    def test_the_first_and_last_utc_instants_round_trip(self, filled: Any) -> None:
        """A membership from 0001-01-01 UTC to 9999-12-31 UTC comes back as it went in."""
        first = datetime(1, 1, 1, tzinfo=timezone(timedelta(seconds=-1)))
        last = datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
        m = attrs.evolve(
            _membership(1, 1, 1), joined_at=first, left_at=last, end=MembershipEnd.LEFT
        )
        filled.memberships.add(m)
        assert filled.memberships.get(m.id) == m
        assert filled.memberships.for_volunteer(_id(1)) == [m]

    def test_rollback(self, filled: Any) -> None:
        """A raising transaction undoes membership adds and updates."""
        m1 = _membership(1, 1, 1)
        filled.memberships.add(m1)
        with pytest.raises(RuntimeError), filled.transaction():  # noqa: PT012
            filled.memberships.update(attrs.evolve(m1, role=MembershipRole.LEADER))
            filled.memberships.add(_membership(2, 2, 1))
            raise RuntimeError("undo")
        assert filled.memberships.get(m1.id) == m1
        assert filled.memberships.active(_id(2), _id(1001)) is None
        assert filled.memberships.count() == 1


# ------------------------------------------------------------------------------------------------
# The Registry service on a backend


def _ric(region: str, born: date, sequence: int) -> str:
    body = f"{region}{born:%Y%m%d}{sequence:03d}"
    return body + cn_ric.calc_check_digit(body)


def _application(number: str, *, scheme: str = "cn_ric", **kw: Any) -> VolunteerApplication:
    fields: dict[str, Any] = {"name": "张伟", "document": identity.parse(scheme, number)}
    fields.update(kw)
    return VolunteerApplication(**fields)


class _FailingMemberships:
    """Wraps a membership repository; ``add`` raises after delegating (to test atomicity)."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def add(self, membership: Membership) -> None:
        self._inner.add(membership)
        raise RuntimeError("the membership write failed")


class _StoreView:
    """A store with some repositories replaced."""

    def __init__(self, inner: Any, **replaced: Any) -> None:
        self._inner = inner
        self._replaced = replaced

    def __getattr__(self, name: str) -> Any:
        if name in self._replaced:
            return self._replaced[name]
        return getattr(self._inner, name)

    def transaction(self) -> AbstractContextManager[None]:
        return self._inner.transaction()  # type: ignore[no-any-return]


class _BlindOnce:
    """A volunteer repository whose first lookup sees nothing (a concurrent writer's race)."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.blind = True

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def find_by_index(self, candidates: Sequence[str]) -> VolunteerRecord | None:
        if self.blind:
            self.blind = False
            return None
        return self._inner.find_by_index(candidates)  # type: ignore[no-any-return]


class RegistryServiceConformance(_Base):
    """The :class:`~volunteerkit.registry.service.Registry` service on this backend."""

    @pytest.fixture
    def clock(self) -> FixedClock:
        """The registry's clock: 2026-11-28 09:00 Beijing time."""
        return FixedClock(datetime(2026, 11, 28, 9, 0, tzinfo=_CST))

    @pytest.fixture
    def keyring(self) -> Keyring:
        """A keyring with an index key and an encryption key."""
        return Keyring({"i1": _INDEX_KEY}, encryption_keys={"e1": _ENCRYPTION_KEY})

    @pytest.fixture
    def registry(self, store: Any, clock: FixedClock, keyring: Keyring) -> Registry:
        """A registry over the store."""
        return Registry(store, clock=clock, keyring=keyring)

    def test_register_and_find_by_both_forms(self, registry: Registry, store: Any) -> None:
        """A registration is found by the 15- and 18-digit forms; the number is sealed at rest."""
        org = registry.register_organization(name="朝阳区志愿者协会", uscc="51100000AB12C34D2Y")
        result = registry.register_volunteer(
            _application("11010519491231002X", phone="13123456789"), organization_id=org.id
        )
        assert result.created
        assert result.joined
        by_15 = registry.find_by_document(identity.parse("cn_ric", "110105491231002"))
        assert by_15 == result.volunteer
        assert by_15 is not None
        assert by_15.document is not None
        assert by_15.document.number == "11010519491231002X"
        assert by_15.birth_date == date(1949, 12, 31)
        stored = store.volunteers.get(result.volunteer.id)
        assert stored.document.key_id == "e1"
        assert "11010519491231002X" not in stored.document.payload
        assert stored.document.masked == "110105********002X"
        assert registry.get(result.volunteer.id) == result.volunteer

    def test_duplicate_via_15_digits_joins_the_new_organization(
        self, registry: Registry, store: Any
    ) -> None:
        """Registering the same person again returns them and joins the second organization."""
        first_org = registry.register_organization(name="甲队")
        second_org = registry.register_organization(name="乙队")
        first = registry.register_volunteer(
            _application("11010519491231002X"), organization_id=first_org.id
        )
        again = registry.register_volunteer(
            _application("110105491231002"), organization_id=second_org.id
        )
        assert not again.created
        assert again.joined
        assert again.volunteer.id == first.volunteer.id
        assert store.volunteers.count() == 1
        orgs = {m.organization_id for m in registry.memberships(first.volunteer.id)}
        assert orgs == {first_org.id, second_org.id}
        outcomes = [e.details["outcome"] for e in store.audit.query(action="volunteer.register")]
        assert sorted(outcomes) == ["created", "existing"]
        legacy = [
            e for e in store.audit.query(action="volunteer.register") if "given_as" in e.details
        ]
        assert len(legacy) == 1
        assert legacy[0].details["outcome"] == "existing"

    def test_registration_is_atomic(
        self, registry: Registry, store: Any, clock: FixedClock, keyring: Keyring
    ) -> None:
        """If a write fails half-way, neither the volunteer nor any audit entry remains."""
        org = registry.register_organization(name="甲队")
        audit_before = store.audit.count()
        broken = Registry(
            _StoreView(store, memberships=_FailingMemberships(store.memberships)),
            clock=clock,
            keyring=keyring,
        )
        with pytest.raises(RuntimeError, match="membership write failed"):
            broken.register_volunteer(_application("11010519491231002X"), organization_id=org.id)
        assert store.volunteers.count() == 0
        assert store.memberships.count() == 0
        assert store.audit.count() == audit_before

    def test_concurrent_duplicate_falls_back_to_the_existing_record(
        self, registry: Registry, store: Any, clock: FixedClock, keyring: Keyring
    ) -> None:
        """If another writer registered the person since the lookup, their record is returned."""
        first = registry.register_volunteer(_application("11010519491231002X"))
        racing = Registry(
            _StoreView(store, volunteers=_BlindOnce(store.volunteers)),
            clock=clock,
            keyring=keyring,
        )
        again = racing.register_volunteer(_application("110105491231002"))
        assert not again.created
        assert again.volunteer.id == first.volunteer.id
        assert store.volunteers.count() == 1

    def test_merge_keeps_both_records_and_moves_memberships(
        self, registry: Registry, store: Any
    ) -> None:
        """Merging keeps the duplicate (MERGED, pointing at the survivor) and moves memberships."""
        org_a = registry.register_organization(name="甲队")
        org_b = registry.register_organization(name="乙队")
        survivor = registry.register_volunteer(
            _application("810000199408230021", scheme="cn_hmt_residence_permit", name="陈美玲"),
            organization_id=org_a.id,
        ).volunteer
        duplicate = registry.register_volunteer(
            _application("M12345678", scheme="cn_hk_macau_mainland_permit", name="陈美玲",
                         birth_date=date(1994, 8, 23)),
            organization_id=org_b.id,
            role=MembershipRole.LEADER,
        ).volunteer  # fmt: skip
        merged = registry.merge(survivor.id, duplicate.id, actor="admin", reason="same person")
        assert merged.id == survivor.id
        old = registry.get(duplicate.id)
        assert old.status is VolunteerStatus.MERGED
        assert old.merged_into == survivor.id
        assert old.document is not None
        assert old.document.scheme == "cn_hk_macau_mainland_permit"
        assert registry.resolve(duplicate.id).id == survivor.id
        found = registry.find_by_document(
            identity.parse("cn_hk_macau_mainland_permit", "M12345678")
        )
        assert found is not None
        assert found.id == survivor.id
        ended = registry.memberships(duplicate.id)
        assert [(m.organization_id, m.end) for m in ended] == [(org_b.id, MembershipEnd.MERGED)]
        moved = registry.memberships(survivor.id, active_only=True)
        assert {(m.organization_id, m.role) for m in moved} == {
            (org_a.id, MembershipRole.MEMBER),
            (org_b.id, MembershipRole.LEADER),
        }
        merges = list(store.audit.query(action="volunteer.merge"))
        assert {(e.subject_id, e.details["role"]) for e in merges} == {
            (duplicate.id, "duplicate"),
            (survivor.id, "survivor"),
        }
        assert store.volunteers.count() == 2

    def test_anonymise_removes_personal_data_and_the_index(
        self, registry: Registry, store: Any
    ) -> None:
        """Anonymising keeps id, sex, region, age band; the person can register afresh."""
        result = registry.register_volunteer(
            _application("11010519491231002X", home_region="110105", email="a@example.org")
        )
        gone = registry.anonymise(result.volunteer.id, reason="the volunteer asked")
        assert gone.status is VolunteerStatus.ANONYMISED
        assert (gone.name, gone.document, gone.birth_date, gone.email) == (None, None, None, None)
        assert (gone.sex, gone.home_region, gone.age_band) == (
            result.volunteer.sex,
            "110105",
            "65+",
        )
        stored = store.volunteers.get(gone.id)
        assert stored.document is None
        assert stored.document_index is None
        assert registry.find_by_document(identity.parse("cn_ric", "11010519491231002X")) is None
        fresh = registry.register_volunteer(_application("11010519491231002X"))
        assert fresh.created
        assert fresh.volunteer.id != gone.id

    def test_key_rotation_and_rekey(self, store: Any, clock: FixedClock, keyring: Keyring) -> None:
        """After rotation old records are still found; rekey moves them to the new keys."""
        old = Registry(store, clock=clock, keyring=keyring)
        first = old.register_volunteer(_application("11010519491231002X")).volunteer
        rotated = keyring.with_index_key("i2", bytes(range(64, 96))).with_encryption_key(
            "e2", bytes(range(96, 128))
        )
        new = Registry(store, clock=clock, keyring=rotated)
        assert new.find_by_document(identity.parse("cn_ric", "110105491231002")) == first
        assert new.rekey() == 1
        rec = store.volunteers.get(first.id)
        assert rec.index_key_id == "i2"
        assert rec.document.key_id == "e2"
        assert new.rekey() == 0
        only_new = Keyring(
            {"i2": bytes(range(64, 96))}, encryption_keys={"e2": bytes(range(96, 128))}
        )
        latest = Registry(store, clock=clock, keyring=only_new)
        found = latest.find_by_document(identity.parse("cn_ric", "11010519491231002X"))
        assert found == first

    def test_minor_with_guardian_round_trips(self, registry: Registry, store: Any) -> None:
        """A 15-year-old with guardian consent registers; the guardian's number is sealed too."""
        minor = _ric("110105", date(2011, 6, 1), 21)
        parent = _ric("110105", date(1980, 3, 5), 22)
        guardian = Guardian(
            name="王芳",
            relationship=GuardianRelationship.PARENT,
            phone="+8618612345678",
            document=identity.parse("cn_ric", parent),
            consent=GuardianConsent(
                given_at=datetime(2026, 11, 27, 20, 0, tzinfo=_CST), method=ConsentMethod.WRITTEN
            ),
        )
        result = registry.register_volunteer(_application(minor, guardian=guardian))
        back = registry.get(result.volunteer.id)
        assert back.guardian == guardian
        stored = store.volunteers.get(back.id)
        assert stored.volunteer.guardian is not None
        assert stored.volunteer.guardian.document is None
        assert stored.guardian_document is not None
        assert parent not in stored.guardian_document.payload

    def test_status_and_membership_changes_are_audited(
        self, registry: Registry, store: Any
    ) -> None:
        """set_status, join, set_role and leave write their audit entries and persist."""
        org = registry.register_organization(name="甲队")
        vid = registry.register_volunteer(_application("11010519491231002X")).volunteer.id
        registry.join(vid, org.id)
        registry.set_role(vid, org.id, MembershipRole.COORDINATOR)
        left = registry.leave(vid, org.id, reason="moved away")
        assert left.end is MembershipEnd.LEFT
        assert left.role is MembershipRole.COORDINATOR
        registry.set_status(vid, VolunteerStatus.SUSPENDED, reason="complaint")
        assert registry.get(vid).status is VolunteerStatus.SUSPENDED
        actions = [e.action for e in store.audit.query(subject_type="volunteer", subject_id=vid)]
        assert sorted(actions) == sorted(
            [
                "volunteer.register",
                "membership.join",
                "membership.role",
                "membership.leave",
                "volunteer.status",
            ]
        )

    def test_register_many_is_resumable(self, registry: Registry, store: Any) -> None:
        """A batch run stops at a bad application with its position; rerunning completes it."""
        numbers = [_ric("110105", date(1990, 1, 1) + timedelta(days=i), 11) for i in range(7)]
        good = [_application(n) for n in numbers]
        too_young = _application(_ric("110105", date(2015, 1, 1), 13))
        with pytest.raises(Exception) as info:  # noqa: PT011 - the type is asserted below
            registry.register_many([*good[:5], too_young, *good[5:]], batch_size=2)
        assert getattr(info.value, "code", None) == "registry.too_young"
        assert getattr(info.value, "path", None) == "$[5].birth_date"
        assert store.volunteers.count() == 4
        result = registry.register_many(good, batch_size=3)
        assert (result.created, result.existing) == (3, 4)
        assert len(set(result.volunteer_ids)) == 7
        assert store.volunteers.count() == 7
