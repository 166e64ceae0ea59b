"""Registration policy: minimum age, guardian consent, the CYL self-supporting rule, local dates."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from volunteerkit.errors import InvalidInputError
from volunteerkit.registry import (
    ConsentMethod,
    DuplicateAction,
    Guardian,
    GuardianConsent,
    GuardianRelationship,
    RegistrationPolicy,
    identity,
)
from volunteerkit.registry.identity import cn_ric

CST = timezone(timedelta(hours=8))
NOW = datetime(2026, 11, 28, 9, 0, tzinfo=CST)


def ric(born: date, sequence: int = 11) -> str:
    body = f"110105{born:%Y%m%d}{sequence:03d}"
    return body + cn_ric.calc_check_digit(body)


def guardian(*, born: date | None = date(1980, 3, 5), given_at: datetime = NOW) -> Guardian:
    return Guardian(
        name="王芳",
        relationship=GuardianRelationship.PARENT,
        document=None if born is None else identity.parse("cn_ric", ric(born, 22)),
        consent=GuardianConsent(given_at=given_at, method=ConsentMethod.WRITTEN),
    )


def test_defaults_are_beijing_rules() -> None:
    """The default policy is Beijing's: from 14, consent under 18, duplicates join."""
    policy = RegistrationPolicy()
    assert (policy.minimum_age, policy.consent_age, policy.self_supporting_age) == (14, 18, None)
    assert policy.on_duplicate is DuplicateAction.JOIN
    assert policy.time_zone.key == "Asia/Shanghai"
    assert RegistrationPolicy.beijing() == policy
    cyl = RegistrationPolicy.cyl()
    assert (cyl.minimum_age, cyl.consent_age, cyl.self_supporting_age) == (14, 18, 16)


def test_minimum_age_on_the_fourteenth_birthday() -> None:
    """A volunteer may register on their 14th birthday (with consent), not the day before."""
    policy = RegistrationPolicy()
    assert policy.check_applicant(date(2012, 11, 28), now=NOW, guardian=guardian()) == 14
    with pytest.raises(InvalidInputError) as info:
        policy.check_applicant(date(2012, 11, 29), now=NOW, guardian=guardian())
    assert (info.value.code, info.value.path) == ("registry.too_young", "$.birth_date")
    assert info.value.message == "volunteers must be at least 14 years old to register"
    assert info.value.message_zh == "志愿者须年满 14 周岁方可注册"


def test_leap_day_birthday_reaches_fourteen_on_march_first() -> None:
    """Born 2012-02-29: 13 on 2026-02-28 (refused), 14 on 2026-03-01 (accepted)."""
    policy = RegistrationPolicy()
    feb28 = datetime(2026, 2, 28, 12, tzinfo=CST)
    mar1 = datetime(2026, 3, 1, 0, 0, tzinfo=CST)
    with pytest.raises(InvalidInputError) as info:
        policy.check_applicant(date(2012, 2, 29), now=feb28, guardian=guardian(given_at=feb28))
    assert info.value.code == "registry.too_young"
    assert (
        policy.check_applicant(date(2012, 2, 29), now=mar1, guardian=guardian(given_at=mar1)) == 14
    )


def test_age_is_computed_on_the_local_date() -> None:
    """At 2026-11-27T16:00Z it is already the 28th in Beijing: the 14th birthday has come."""
    policy = RegistrationPolicy()
    before = datetime(2026, 11, 27, 15, 59, tzinfo=UTC)
    after = datetime(2026, 11, 27, 16, 0, tzinfo=UTC)
    early = guardian(given_at=before)
    with pytest.raises(InvalidInputError) as info:  # still 13 on the 27th in Beijing
        policy.check_applicant(date(2012, 11, 28), now=before, guardian=early)
    assert (info.value.code, info.value.path) == ("registry.too_young", "$.birth_date")
    assert policy.check_applicant(date(2012, 11, 28), now=after, guardian=early) == 14
    assert policy.local_date(after) == date(2026, 11, 28)


def test_consent_required_under_eighteen() -> None:
    """A 17-year-old needs a guardian; an 18-year-old does not."""
    policy = RegistrationPolicy()
    with pytest.raises(InvalidInputError) as info:
        policy.check_applicant(date(2008, 11, 29), now=NOW)
    assert (info.value.code, info.value.path) == (
        "registry.guardian_consent_required",
        "$.guardian",
    )
    assert policy.check_applicant(date(2008, 11, 28), now=NOW) == 18


def test_self_supporting_only_counts_under_the_cyl_rule() -> None:
    """CYL: a self-supporting 16-year-old needs no consent; 15 does; Beijing ignores it."""
    cyl = RegistrationPolicy.cyl()
    assert cyl.check_applicant(date(2010, 11, 28), now=NOW, self_supporting=True) == 16
    with pytest.raises(InvalidInputError) as info:
        cyl.check_applicant(date(2010, 11, 29), now=NOW, self_supporting=True)
    assert info.value.code == "registry.guardian_consent_required"
    with pytest.raises(InvalidInputError) as beijing:
        RegistrationPolicy().check_applicant(date(2010, 11, 28), now=NOW, self_supporting=True)
    assert (beijing.value.code, beijing.value.path) == (
        "registry.guardian_consent_required",
        "$.guardian",
    )
    assert cyl.needs_consent(17, self_supporting=False)
    assert not cyl.needs_consent(17, self_supporting=True)
    assert not cyl.needs_consent(18)


def test_consent_after_registration_is_refused() -> None:
    """Consent dated after the registration instant is refused with its path."""
    with pytest.raises(InvalidInputError) as info:
        RegistrationPolicy().check_applicant(
            date(2011, 6, 1), now=NOW, guardian=guardian(given_at=NOW + timedelta(minutes=1))
        )
    assert (info.value.code, info.value.path) == (
        "registry.consent_in_future",
        "$.guardian.consent.given_at",
    )


def test_guardian_must_be_adult_when_the_document_shows_it() -> None:
    """A guardian whose document shows them under 18 is refused; no document, no check."""
    policy = RegistrationPolicy()
    with pytest.raises(InvalidInputError) as info:
        policy.check_applicant(date(2011, 6, 1), now=NOW, guardian=guardian(born=date(2009, 1, 1)))
    assert (info.value.code, info.value.path) == ("registry.guardian_minor", "$.guardian.document")
    assert policy.check_applicant(date(2011, 6, 1), now=NOW, guardian=guardian(born=None)) == 15


def test_other_local_rules_can_be_expressed() -> None:
    """Dongying-style: from 10, consent under 14; a 12-year-old registers with consent."""
    policy = RegistrationPolicy(minimum_age=10, consent_age=14)
    assert policy.check_applicant(date(2014, 1, 1), now=NOW, guardian=guardian()) == 12
    assert policy.check_applicant(date(2012, 1, 1), now=NOW) == 14


@pytest.mark.parametrize(
    ("fields", "path"),
    [
        ({"minimum_age": -1}, "$.minimum_age"),
        ({"consent_age": True}, "$.consent_age"),
        ({"self_supporting_age": 200}, "$.self_supporting_age"),
        ({"age_bands": ()}, "$.age_bands"),
        ({"age_bands": (18, 14)}, "$.age_bands"),
        ({"age_bands": (14, 14)}, "$.age_bands"),
        ({"age_bands": (0, 18)}, "$.age_bands"),
    ],
)
def test_policy_fields_are_checked(fields: dict[str, object], path: str) -> None:
    """Bad policy values are refused with registry.policy and the field path."""
    with pytest.raises(InvalidInputError) as info:
        RegistrationPolicy(**fields)  # type: ignore[arg-type]
    assert (info.value.code, info.value.path) == ("registry.policy", path)
