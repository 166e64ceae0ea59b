"""List fields (skills, languages, qualifications) refuse a single text or a non-list value.

Before, ``update_profile(v, skills="firstaid")`` stored the skills ``("f", "i", "r", "s", "t",
"a", "d")``: a string is iterable, and each character became a skill (deduplicated). The same
happened when registering and when building a :class:`Volunteer`; a single
:class:`Qualification` instead of a list raised a bare ``TypeError``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone

import pytest

from volunteerkit import FixedClock
from volunteerkit.errors import InvalidInputError
from volunteerkit.registry import (
    Keyring,
    Qualification,
    Registry,
    Volunteer,
    VolunteerApplication,
    identity,
)
from volunteerkit.stores import MemoryStore

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=timezone(timedelta(hours=8)))
FIRST_AID = Qualification(name="急救", issued_on=date(2020, 1, 1))
BAD_VALUES = {"skills": "firstaid", "languages": "en", "qualifications": FIRST_AID}


@pytest.fixture
def registry() -> Registry:
    return Registry(MemoryStore(), clock=FixedClock(NOW), keyring=Keyring({"i1": bytes(32)}))


def _application(**fields: object) -> VolunteerApplication:
    return VolunteerApplication(
        name="张丽",
        document=identity.parse("cn_ric", "11010519491231002X"),
        **fields,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize("field", sorted(BAD_VALUES))
def test_update_profile_refuses_a_single_value_for_a_list(registry: Registry, field: str) -> None:
    """update_profile raises registry.list at the field's path and changes nothing."""
    volunteer = registry.register_volunteer(
        _application(skills=["急救"], languages=["zh-Hans"], qualifications=[FIRST_AID])
    ).volunteer
    with pytest.raises(InvalidInputError) as caught:
        registry.update_profile(volunteer.id, **{field: BAD_VALUES[field]})  # type: ignore[arg-type]
    assert (caught.value.code, caught.value.path) == ("registry.list", f"$.{field}")
    assert registry.get(volunteer.id) == volunteer


@pytest.mark.parametrize("field", sorted(BAD_VALUES))
def test_registration_refuses_a_single_value_for_a_list(registry: Registry, field: str) -> None:
    """register_volunteer raises registry.list at the field's path and registers nobody."""
    with pytest.raises(InvalidInputError) as caught:
        registry.register_volunteer(_application(**{field: BAD_VALUES[field]}))
    assert (caught.value.code, caught.value.path) == ("registry.list", f"$.{field}")
    assert list(registry.volunteers()) == []


@pytest.mark.parametrize("field", sorted(BAD_VALUES))
@pytest.mark.parametrize("bad", ["single", "not iterable"])
def test_the_volunteer_model_refuses_a_single_value_for_a_list(field: str, bad: str) -> None:
    """Volunteer(...) raises registry.list for a text, a lone item or a number."""
    value = BAD_VALUES[field] if bad == "single" else 5
    build: Callable[[], Volunteer] = lambda: Volunteer(  # noqa: E731
        id="v", name="张丽", registered_at=NOW, **{field: value}
    )
    with pytest.raises(InvalidInputError) as caught:
        build()
    assert (caught.value.code, caught.value.path) == ("registry.list", f"$.{field}")


def test_lists_tuples_and_generators_are_still_accepted(registry: Registry) -> None:
    """Any iterable of items other than a text is accepted, as before."""
    volunteer = registry.register_volunteer(_application(skills=("急救",))).volunteer
    updated = registry.update_profile(
        volunteer.id,
        skills=(s for s in ["急救", "手语"]),
        languages=["zh-hans", "en"],
        qualifications=[FIRST_AID],
    )
    assert (updated.skills, updated.languages, updated.qualifications) == (
        ("急救", "手语"),
        ("zh-Hans", "en"),
        (FIRST_AID,),
    )
