"""Ids and filters of the wrong type are typed errors, the same on the memory and SQLite stores.

Before, an id that was not text gave ``registry.volunteer_not_found`` on the memory store but
``store.corrupt`` ("the database file is damaged") on SQLite when it was a list or a dict, and
``leave``/``set_role`` raised a bare ``TypeError`` on the memory store.
``volunteers(status="active")`` yielded nothing on the memory store and raised ``AttributeError``
on SQLite. Text that cannot be an id (a NUL, a lone surrogate, nothing, over 64 characters) was
"not found" on the memory store, ``store.invalid_text`` without a path on SQLite, and
``store.operational`` ("the database refused the statement") on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from volunteerkit import FixedClock
from volunteerkit.errors import InvalidInputError
from volunteerkit.registry import (
    Keyring,
    MembershipRole,
    Registry,
    VolunteerApplication,
    VolunteerStatus,
    identity,
)
from volunteerkit.stores import MemoryStore, SQLiteStore

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=timezone(timedelta(hours=8)))
Call = Callable[[Registry, str, str, object], object]

CALLS: dict[str, tuple[Call, str]] = {
    "get": (lambda r, v, o, bad: r.get(bad), "$.volunteer_id"),  # type: ignore[arg-type]
    "resolve": (lambda r, v, o, bad: r.resolve(bad), "$.volunteer_id"),  # type: ignore[arg-type]
    "get_organization": (lambda r, v, o, bad: r.get_organization(bad), "$.organization_id"),  # type: ignore[arg-type]
    "memberships": (lambda r, v, o, bad: r.memberships(bad), "$.volunteer_id"),  # type: ignore[arg-type]
    "members": (lambda r, v, o, bad: list(r.members(bad)), "$.organization_id"),  # type: ignore[arg-type]
    "join": (lambda r, v, o, bad: r.join(v, bad), "$.organization_id"),  # type: ignore[arg-type]
    "leave": (lambda r, v, o, bad: r.leave(bad, o), "$.volunteer_id"),  # type: ignore[arg-type]
    "set_role": (
        lambda r, v, o, bad: r.set_role(v, bad, MembershipRole.LEADER),  # type: ignore[arg-type]
        "$.organization_id",
    ),
    "merge": (lambda r, v, o, bad: r.merge(v, bad), "$.duplicate_id"),  # type: ignore[arg-type]
    "anonymise": (lambda r, v, o, bad: r.anonymise(bad), "$.volunteer_id"),  # type: ignore[arg-type]
    "register_organization": (
        lambda r, v, o, bad: r.register_organization(name="队", parent_id=bad),  # type: ignore[arg-type]
        "$.parent_id",
    ),
}


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def registry(request: pytest.FixtureRequest) -> Registry:
    if request.param == "postgres":  # a fresh schema on the session's server
        store: Any = request.getfixturevalue("make_postgres_store")()
    else:
        store = MemoryStore() if request.param == "memory" else SQLiteStore(":memory:")
    return Registry(store, clock=FixedClock(NOW), keyring=Keyring({"i1": bytes(32)}))


@pytest.mark.parametrize(
    ("call", "bad"),
    [
        (call, bad)
        for call in sorted(CALLS)
        for bad in (None, 7, ["x"], {"id": "x"}, "", "a\x00b", "\ud800", "\n", "x" * 65)
        if not (call == "register_organization" and bad is None)  # None: no parent
    ],
)
def test_an_id_that_is_not_text_is_registry_id_on_every_store(
    registry: Registry, call: str, bad: object
) -> None:
    """Every call taking an id refuses what cannot be an id with registry.id at the id's path.

    Not text, or not 1 to 64 printable characters, as the models require of an id.
    """
    volunteer = registry.register_volunteer(
        VolunteerApplication(name="张丽", document=identity.parse("cn_ric", "11010519491231002X"))
    ).volunteer
    organization = registry.register_organization(name="协会")
    registry.join(volunteer.id, organization.id)
    function, path = CALLS[call]
    with pytest.raises(InvalidInputError) as caught:
        function(registry, volunteer.id, organization.id, bad)
    assert (caught.value.code, caught.value.path) == ("registry.id", path)


@pytest.mark.parametrize("status", ["active", 1])
def test_volunteers_refuses_a_status_that_is_not_a_member(
    registry: Registry, status: object
) -> None:
    """volunteers(status=...) takes a VolunteerStatus or None; text is registry.enum."""
    registry.register_volunteer(
        VolunteerApplication(name="张丽", document=identity.parse("cn_ric", "11010519491231002X"))
    )
    with pytest.raises(InvalidInputError) as caught:
        registry.volunteers(status=status)  # type: ignore[arg-type]
    assert (caught.value.code, caught.value.path) == ("registry.enum", "$.status")
    assert len(list(registry.volunteers(status=VolunteerStatus.ACTIVE))) == 1


@pytest.mark.parametrize("batch_size", [0, -5, "10", 2.5, True])
def test_rekey_checks_batch_size_like_register_many(registry: Registry, batch_size: object) -> None:
    """rekey refuses what register_many refuses with registry.batch_size.

    Before, 0 and -5 silently became 1 and "10" raised a bare TypeError.
    """
    with pytest.raises(InvalidInputError) as caught:
        registry.rekey(batch_size=batch_size)  # type: ignore[arg-type]
    assert (caught.value.code, caught.value.path) == ("registry.batch_size", "$.batch_size")
    with pytest.raises(InvalidInputError) as caught:
        registry.register_many([], batch_size=batch_size)  # type: ignore[arg-type]
    assert (caught.value.code, caught.value.path) == ("registry.batch_size", "$.batch_size")


@pytest.mark.parametrize("status", [[], {}, "active", "suspended", 1, None])
def test_set_status_refuses_a_status_that_is_not_a_member(
    registry: Registry, status: object
) -> None:
    """set_status takes a VolunteerStatus: anything else is registry.enum at $.status, as volunteers().

    Before, a list or a dict raised a bare TypeError (unhashable) and text such as "active" was
    registry.status_transition. The volunteer keeps their status and no audit entry is written.
    """
    volunteer = registry.register_volunteer(
        VolunteerApplication(name="张丽", document=identity.parse("cn_ric", "11010519491231002X"))
    ).volunteer
    audit = registry._store.audit.count()
    with pytest.raises(InvalidInputError) as caught:
        registry.set_status(volunteer.id, status)  # type: ignore[arg-type]
    assert (caught.value.code, caught.value.path) == ("registry.enum", "$.status")
    assert registry.get(volunteer.id).status is VolunteerStatus.ACTIVE
    assert registry._store.audit.count() == audit


def _parts() -> dict[str, object]:
    return {
        "store": MemoryStore(),
        "clock": FixedClock(NOW),
        "keyring": Keyring({"i1": bytes(32)}),
        "policy": None,
    }


@pytest.mark.parametrize(
    ("part", "bad", "code"),
    [
        ("store", "memory:", "registry.store"),
        ("store", None, "registry.store"),
        ("clock", "now", "registry.clock"),
        ("clock", 5, "registry.clock"),
        ("keyring", {"i1": bytes(32)}, "registry.keyring"),
        ("keyring", None, "registry.keyring"),
        ("policy", "beijing", "registry.policy"),
    ],
)
def test_registry_refuses_parts_of_the_wrong_type(part: str, bad: object, code: str) -> None:
    """Registry(...) checks its store, clock, keyring and policy when it is built.

    Before, it took anything, and the first call that used the part raised a bare
    AttributeError ('str' object has no attribute 'now', ... 'index_candidates').
    """
    parts = {**_parts(), part: bad}
    with pytest.raises(InvalidInputError) as caught:
        Registry(
            parts["store"],  # type: ignore[arg-type]
            clock=parts["clock"],  # type: ignore[arg-type]
            keyring=parts["keyring"],  # type: ignore[arg-type]
            policy=parts["policy"],  # type: ignore[arg-type]
        )
    assert (caught.value.code, caught.value.path) == (code, f"$.{part}")
    assert caught.value.message_zh


@pytest.mark.parametrize("bad", [5, None, 2.5])
def test_register_many_refuses_what_is_not_iterable(registry: Registry, bad: object) -> None:
    """register_many(5) is registry.list at $; before, a bare TypeError ('int' ... not iterable)."""
    with pytest.raises(InvalidInputError) as caught:
        registry.register_many(bad)  # type: ignore[arg-type]
    assert (caught.value.code, caught.value.path) == ("registry.list", "$")
    assert registry._store.volunteers.count() == 0


@pytest.mark.parametrize("bad", [["x"], 7, None])
def test_merge_checks_both_ids_before_comparing_them(registry: Registry, bad: object) -> None:
    """merge(bad, bad) is registry.id at $.survivor_id; before, registry.merge_same."""
    with pytest.raises(InvalidInputError) as caught:
        registry.merge(bad, bad)  # type: ignore[arg-type]
    assert (caught.value.code, caught.value.path) == ("registry.id", "$.survivor_id")


@pytest.mark.parametrize("bad", ["no", 0, None])
def test_flags_must_be_true_or_false(registry: Registry, bad: object) -> None:
    """active_only, follow_merges and self_supporting take a bool: registry.bool at their path.

    Before, memberships(..., active_only="no") and find_by_document(..., follow_merges="no")
    read the text as true, and self_supporting="yes" was silently taken as False.
    """
    document = identity.parse("cn_ric", "11010519491231002X")
    volunteer = registry.register_volunteer(
        VolunteerApplication(name="张丽", document=document)
    ).volunteer
    organization = registry.register_organization(name="协会")
    cases: list[tuple[Callable[[], object], str]] = [
        (lambda: registry.memberships(volunteer.id, active_only=bad), "$.active_only"),  # type: ignore[arg-type]
        (lambda: list(registry.members(organization.id, active_only=bad)), "$.active_only"),  # type: ignore[arg-type]
        (lambda: registry.find_by_document(document, follow_merges=bad), "$.follow_merges"),  # type: ignore[arg-type]
        (
            lambda: registry.register_volunteer(
                VolunteerApplication(
                    name="李想",
                    document=identity.parse("cn_ric", "110101200002290018"),
                    self_supporting=bad,  # type: ignore[arg-type]
                )
            ),
            "$.self_supporting",
        ),
    ]
    for call, path in cases:
        with pytest.raises(InvalidInputError) as caught:
            call()
        assert (caught.value.code, caught.value.path) == ("registry.bool", path)
    assert registry._store.volunteers.count() == 1


@pytest.mark.parametrize(
    ("call", "field", "bad"),
    [
        (call, field, bad)
        for call in ("set_status", "set_verification", "set_role", "join", "anonymise", "rekey")
        for field, bad in (("actor", 5), ("actor", ""), ("reason", None))
        if not (call == "rekey" and field == "reason")  # rekey takes no reason
    ],
)
def test_actor_and_reason_are_checked_even_when_nothing_changes(
    registry: Registry, call: str, field: str, bad: object
) -> None:
    """A bad actor or reason is refused as the audit log refuses it, written entry or not.

    Before, they were checked only when an audit entry was written: set_status to the status a
    volunteer has, joining twice, anonymising twice or a rekey with nothing to do took
    ``actor=5`` silently, while the same call that changed something refused it.
    """
    volunteer = registry.register_volunteer(
        VolunteerApplication(name="张丽", document=identity.parse("cn_ric", "11010519491231002X"))
    ).volunteer
    organization = registry.register_organization(name="协会")
    registry.join(volunteer.id, organization.id)
    if call == "anonymise":
        registry.anonymise(volunteer.id)
    who: dict[str, Any] = {field: bad}
    calls: dict[str, Callable[[], object]] = {
        "set_status": lambda: registry.set_status(volunteer.id, VolunteerStatus.ACTIVE, **who),
        "set_verification": lambda: registry.set_verification(
            organization.id, organization.verification, **who
        ),
        "set_role": lambda: registry.set_role(
            volunteer.id, organization.id, MembershipRole.MEMBER, **who
        ),
        "join": lambda: registry.join(volunteer.id, organization.id, **who),
        "anonymise": lambda: registry.anonymise(volunteer.id, **who),
        "rekey": lambda: registry.rekey(**who),
    }
    audit = registry._store.audit.count()
    with pytest.raises(InvalidInputError) as caught:
        calls[call]()
    assert (caught.value.code, caught.value.path) == ("audit.invalid_field", f"$.{field}")
    assert registry._store.audit.count() == audit


@pytest.mark.parametrize("bad", ["leader", None, 1])
@pytest.mark.parametrize(
    "call", ["join", "register_volunteer", "register_many", "set_role", "leave"]
)
def test_role_and_end_are_checked_whatever_the_state(
    registry: Registry, call: str, bad: object
) -> None:
    """A role or end that is not a member of its enum is registry.enum at once.

    Before, join(..., role="leader") by a member, register_volunteer(..., role="leader") of a
    registered person or without an organization, and register_many([...], role=...) returned
    as if it were fine; set_role and leave said registry.membership_not_found first.
    """
    document = identity.parse("cn_ric", "11010519491231002X")
    volunteer = registry.register_volunteer(
        VolunteerApplication(name="张丽", document=document)
    ).volunteer
    member_of = registry.register_organization(name="协会")
    other = registry.register_organization(name="另一协会")
    registry.join(volunteer.id, member_of.id)
    application = VolunteerApplication(name="张丽", document=document)
    calls: dict[str, tuple[Callable[[], object], str]] = {
        "join": (lambda: registry.join(volunteer.id, member_of.id, role=bad), "$.role"),  # type: ignore[arg-type]
        "register_volunteer": (lambda: registry.register_volunteer(application, role=bad), "$.role"),  # type: ignore[arg-type]
        "register_many": (lambda: registry.register_many([], role=bad), "$.role"),  # type: ignore[arg-type]
        "set_role": (lambda: registry.set_role(volunteer.id, other.id, bad), "$.role"),  # type: ignore[arg-type]
        "leave": (lambda: registry.leave(volunteer.id, other.id, end=bad), "$.end"),  # type: ignore[arg-type]
    }  # fmt: skip
    function, path = calls[call]
    audit = registry._store.audit.count()
    with pytest.raises(InvalidInputError) as caught:
        function()
    assert (caught.value.code, caught.value.path) == ("registry.enum", path)
    assert registry._store.audit.count() == audit
