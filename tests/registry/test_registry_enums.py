"""Enum-valued arguments and fields: a value that is not a member is a typed error everywhere.

Before, ``set_verification(org, "verified")``, ``join(..., role="leader")``, ``set_role``,
``leave(..., end="removed")`` and ``register_volunteer(..., role=...)`` raised a bare
``AttributeError`` (``'str' object has no attribute 'value'``) from the stores, and
``register_organization(verification="x")`` stored the junk value in the memory store while
SQLite raised: the two stores disagreed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone

import pytest

from volunteerkit import FixedClock
from volunteerkit.errors import InvalidInputError
from volunteerkit.registry import (
    ConsentMethod,
    Guardian,
    GuardianConsent,
    GuardianRelationship,
    Keyring,
    Membership,
    Registry,
    Volunteer,
    VolunteerApplication,
    identity,
)
from volunteerkit.stores import MemoryStore, SQLiteStore

CST = timezone(timedelta(hours=8))
NOW = datetime(2026, 11, 28, 9, 0, tzinfo=CST)


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest) -> MemoryStore | SQLiteStore:
    return MemoryStore() if request.param == "memory" else SQLiteStore(":memory:")


@pytest.fixture
def registry(store: MemoryStore | SQLiteStore) -> Registry:
    return Registry(store, clock=FixedClock(NOW), keyring=Keyring({"i1": bytes(32)}))


CALLS: dict[str, tuple[Callable[[Registry, str, str], object], str]] = {
    "set_verification": (lambda r, v, o: r.set_verification(o, "verified"), "$.verification"),  # type: ignore[arg-type]
    "join": (lambda r, v, o: r.join(v, o, role="leader"), "$.role"),  # type: ignore[arg-type]
    "set_role": (lambda r, v, o: (r.join(v, o), r.set_role(v, o, "leader")), "$.role"),  # type: ignore[arg-type]
    "leave": (lambda r, v, o: (r.join(v, o), r.leave(v, o, end="removed")), "$.end"),  # type: ignore[arg-type]
    "register_volunteer": (
        lambda r, v, o: r.register_volunteer(
            VolunteerApplication(
                name="李",
                document=identity.parse("hk_hkid", "A123456(3)"),
                birth_date=date(1990, 1, 1),
            ),
            organization_id=o,
            role="leader",  # type: ignore[arg-type]
        ),
        "$.role",
    ),
    "register_organization": (
        lambda r, v, o: r.register_organization(name="队", verification="verified"),  # type: ignore[arg-type]
        "$.verification",
    ),
}


@pytest.mark.parametrize("call", sorted(CALLS))
def test_a_string_for_an_enum_argument_is_a_typed_error_and_writes_nothing(
    registry: Registry, store: MemoryStore | SQLiteStore, call: str
) -> None:
    """Each call refuses the string with registry.enum at the field's path, on both stores."""
    volunteer = registry.register_volunteer(
        VolunteerApplication(name="张丽", document=identity.parse("cn_ric", "11010519491231002X"))
    ).volunteer
    organization = registry.register_organization(name="协会")
    before = (store.volunteers.count(), store.organizations.count(), store.audit.count())
    function, path = CALLS[call]
    with pytest.raises(InvalidInputError) as caught:
        function(registry, volunteer.id, organization.id)
    assert (caught.value.code, caught.value.path) == ("registry.enum", path)
    if call in ("set_role", "leave"):  # the join before the refused call stays
        before = (before[0], before[1], before[2] + 1)
    assert (store.volunteers.count(), store.organizations.count(), store.audit.count()) == before
    assert registry.get_organization(organization.id) == organization


@pytest.mark.parametrize(
    ("build", "path"),
    [
        (lambda: Volunteer(id="v", name="x", registered_at=NOW, sex="female"), "$.sex"),
        (lambda: Volunteer(id="v", name="x", registered_at=NOW, status="active"), "$.status"),
        (
            lambda: Membership(
                id="m", volunteer_id="v", organization_id="o", joined_at=NOW, role=1
            ),
            "$.role",
        ),
        (
            lambda: Membership(
                id="m",
                volunteer_id="v",
                organization_id="o",
                joined_at=NOW,
                left_at=NOW,
                end="left",
            ),
            "$.end",
        ),
        (lambda: GuardianConsent(given_at=NOW, method="written"), "$.method"),
        (
            lambda: Guardian(
                name="王芳",
                relationship="parent",
                consent=GuardianConsent(given_at=NOW, method=ConsentMethod.WRITTEN),
            ),
            "$.relationship",
        ),
    ],
)
def test_models_refuse_non_members(build: Callable[[], object], path: str) -> None:
    """The models check their enum fields as they check every other field."""
    with pytest.raises(InvalidInputError) as caught:
        build()
    assert (caught.value.code, caught.value.path) == ("registry.enum", path)


def test_members_and_none_are_accepted() -> None:
    """Members pass, and None where the field is optional."""
    assert Volunteer(id="v", name="x", registered_at=NOW, sex=None).sex is None
    guardian = Guardian(
        name="王芳",
        relationship=GuardianRelationship.PARENT,
        consent=GuardianConsent(given_at=NOW, method=ConsentMethod.WRITTEN),
    )
    assert guardian.relationship is GuardianRelationship.PARENT
