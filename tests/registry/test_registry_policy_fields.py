"""RegistrationPolicy checks every field when it is built, not only the ages.

Before, ``RegistrationPolicy(on_duplicate="refuse")`` was accepted and silently *joined*
duplicates (``"refuse" is DuplicateAction.REFUSE`` is false), and a time zone given as text was
accepted and failed with a bare ``AttributeError`` at the first registration.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from volunteerkit import FixedClock, structure, unstructure
from volunteerkit.errors import ConflictError, InvalidInputError
from volunteerkit.registry import (
    DuplicateAction,
    Keyring,
    RegistrationPolicy,
    Registry,
    VolunteerApplication,
    identity,
)
from volunteerkit.stores import MemoryStore


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("on_duplicate", "refuse"),
        ("on_duplicate", None),
        ("time_zone", "Asia/Shanghai"),
        ("time_zone", timezone(timedelta(hours=8))),
        ("refuse_expired_documents", "no"),
        ("refuse_expired_documents", 0),
    ],
)
def test_a_field_of_the_wrong_type_is_refused_at_its_path(field: str, value: Any) -> None:
    """Each such value gives registry.policy at the field's path."""
    with pytest.raises(InvalidInputError) as caught:
        RegistrationPolicy(**{field: value})
    assert (caught.value.code, caught.value.path) == ("registry.policy", f"$.{field}")


def test_valid_fields_are_kept_and_round_trip() -> None:
    """Members, booleans and a ZoneInfo are accepted, and the policy round-trips."""
    policy = RegistrationPolicy(
        on_duplicate=DuplicateAction.REFUSE,
        refuse_expired_documents=False,
        time_zone=ZoneInfo("Asia/Hong_Kong"),
    )
    assert structure(unstructure(policy), RegistrationPolicy) == policy


def test_refuse_policy_refuses_the_second_registration() -> None:
    """With on_duplicate=REFUSE the same number registered twice is registry.duplicate."""
    registry = Registry(
        MemoryStore(),
        clock=FixedClock(datetime(2026, 11, 28, 9, 0, tzinfo=timezone(timedelta(hours=8)))),
        keyring=Keyring({"i1": bytes(32)}),
        policy=RegistrationPolicy(on_duplicate=DuplicateAction.REFUSE),
    )
    application = VolunteerApplication(
        name="张丽", document=identity.parse("cn_ric", "11010519491231002X")
    )
    registry.register_volunteer(application)
    with pytest.raises(ConflictError) as caught:
        registry.register_volunteer(application)
    assert caught.value.code == "registry.duplicate"
