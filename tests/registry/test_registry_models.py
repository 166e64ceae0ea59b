"""The registry's models: round trips, field rules with codes and paths, ages, kinds, reprs."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import attrs
import pytest
from hypothesis import given, settings

from volunteerkit import structure, unstructure
from volunteerkit.errors import InvalidInputError, NaiveDatetimeError, SerializationError
from volunteerkit.registry import (
    Guardian,
    GuardianConsent,
    GuardianRelationship,
    Membership,
    MembershipEnd,
    Organization,
    OrganizationKind,
    Qualification,
    SealedNumber,
    Volunteer,
    VolunteerRecord,
    VolunteerStatus,
    age_on,
    identity,
    masked_phone,
    organization_kind,
)
from volunteerkit.registry.models import ConsentMethod
from volunteerkit.testing.strategies_registry import (
    guardians,
    memberships,
    organizations,
    policies,
    qualifications,
    volunteer_records,
    volunteers,
)

T0 = datetime(2026, 11, 28, 1, 0, tzinfo=UTC)
DOC = identity.parse("cn_ric", "11010519491231002X")


def volunteer(**kw: object) -> Volunteer:
    fields: dict[str, object] = {"id": "v1", "name": "张三", "registered_at": T0}
    fields.update(kw)
    return Volunteer(**fields)  # type: ignore[arg-type]


@settings(max_examples=40, deadline=None)
@given(v=volunteers())
def test_volunteers_round_trip(v: Volunteer) -> None:
    """structure(unstructure(v)) == v for any valid volunteer, documents and guardians included."""
    assert structure(unstructure(v), Volunteer) == v


@settings(max_examples=40, deadline=None)
@given(r=volunteer_records())
def test_records_round_trip(r: VolunteerRecord) -> None:
    """Records (sealed numbers, blind index) round-trip through the converter."""
    assert structure(unstructure(r), VolunteerRecord) == r


@settings(max_examples=40, deadline=None)
@given(o=organizations(), m=memberships(), g=guardians(), q=qualifications(), p=policies())
def test_other_models_round_trip(
    o: Organization, m: Membership, g: Guardian, q: Qualification, p: object
) -> None:
    """Organizations, memberships, guardians, qualifications and policies round-trip."""
    assert structure(unstructure(o), Organization) == o
    assert structure(unstructure(m), Membership) == m
    assert structure(unstructure(g), Guardian) == g
    assert structure(unstructure(q), Qualification) == q
    assert structure(unstructure(p), type(p)) == p


def test_unknown_keys_are_refused() -> None:
    """A typo in stored volunteer data is an error with its path, not a silent default."""
    data = unstructure(volunteer())
    data["nmae"] = "x"
    with pytest.raises(SerializationError) as info:
        structure(data, Volunteer)
    assert info.value.code == "serialization.unknown_field"
    assert info.value.path == "$.nmae"


@pytest.mark.parametrize(
    ("born", "on", "age"),
    [
        (date(2008, 2, 29), date(2026, 2, 28), 17),  # common year: not yet on 28 February
        (date(2008, 2, 29), date(2026, 3, 1), 18),  # ... a year older on 1 March
        (date(2008, 2, 29), date(2028, 2, 29), 20),  # leap year: on the day itself
        (date(2008, 2, 29), date(2028, 2, 28), 19),
        (date(2012, 11, 28), date(2026, 11, 27), 13),
        (date(2012, 11, 28), date(2026, 11, 28), 14),  # birthday: a year older that day
        (date(1949, 12, 31), date(2026, 11, 28), 76),
        (date(2026, 11, 28), date(2026, 11, 28), 0),
        (date(2026, 11, 29), date(2026, 11, 28), -1),
    ],
)
def test_age_on(born: date, on: date, age: int) -> None:
    """Age in completed years; a 29 February birthday is reached on 1 March in common years."""
    assert age_on(born, on) == age


def test_volunteer_repr_masks_the_document_and_hides_personal_data() -> None:
    """repr() shows the id, status and masked document only."""
    v = volunteer(
        document=DOC, phone="+8613123456789", email="li@example.org", birth_date=date(1949, 12, 31)
    )
    text = repr(v)
    assert text == (
        "Volunteer(id='v1', status='active', document='cn_ric 110105********002X', "
        "merged_into=None)"
    )
    assert str(v) == text
    assert masked_phone("+8613123456789") == "+86131*****789"
    assert masked_phone(None) is None


def test_guardian_repr_masks_its_document() -> None:
    """A guardian's repr shows the relationship and masked document, not the name or phone."""
    g = Guardian(
        name="王芳",
        relationship=GuardianRelationship.PARENT,
        phone="+8618612345678",
        document=DOC,
        consent=GuardianConsent(given_at=T0, method=ConsentMethod.ELECTRONIC),
    )
    assert repr(g) == "Guardian(relationship='parent', document='cn_ric 110105********002X')"


def test_a_guardian_takes_only_a_document_and_a_consent() -> None:
    """A guardian's document is a parsed document or nothing, and its consent a GuardianConsent.

    A plain string would be kept and shown whole by ``repr()`` (the number unmasked), and a
    missing consent failed later, deep in registration, with a bare ``AttributeError``. A
    volunteer's guardian is a Guardian or nothing.
    """
    consent = GuardianConsent(given_at=T0, method=ConsentMethod.ELECTRONIC)
    cases = [
        ({"document": "11010519491231002X", "consent": consent}, "registry.document", "$.document"),
        ({"document": None, "consent": None}, "registry.guardian", "$.consent"),
        ({"document": None, "consent": T0}, "registry.guardian", "$.consent"),
    ]
    for fields, code, path in cases:
        with pytest.raises(InvalidInputError) as info:
            Guardian(name="王芳", relationship=GuardianRelationship.PARENT, **fields)
        assert (info.value.code, info.value.path) == (code, path)
        assert "11010519491231002X" not in str(info.value)
    with pytest.raises(InvalidInputError) as info:
        volunteer(guardian="王芳")
    assert (info.value.code, info.value.path) == ("registry.guardian", "$.guardian")


def test_sealed_number_repr_hides_the_payload() -> None:
    """A sealed number's repr never shows its payload (which may be a plain number)."""
    s = SealedNumber(
        scheme="cn_ric", masked="110105********002X", key_id=None, payload="11010519491231002X"
    )
    assert repr(s) == "SealedNumber(scheme='cn_ric', masked='110105********002X', key_id=None)"


@pytest.mark.parametrize(
    ("fields", "code", "path"),
    [
        ({"name": " 张三"}, "registry.text", "$.name"),
        ({"name": ""}, "registry.text", "$.name"),
        ({"name": "张\n三"}, "registry.text", "$.name"),
        ({"name": None}, "registry.name_required", "$.name"),
        ({"id": ""}, "registry.id", "$.id"),
        ({"phone": "13123456789"}, "registry.phone.format", "$.phone"),
        ({"email": "Li@Example.org"}, "registry.email.invalid", "$.email"),
        ({"email": "no-at-sign"}, "registry.email.invalid", "$.email"),
        ({"languages": ("zh-hans",)}, "registry.language_tag", "$.languages[0]"),
        ({"languages": ("en", "en")}, "registry.duplicate", "$.languages"),
        ({"skills": ("急救", "急救")}, "registry.duplicate", "$.skills"),
        ({"skills": ("",)}, "registry.text", "$.skills[0]"),
        ({"home_region": "999999"}, "registry.region", "$.home_region"),
        ({"nationality": "chn"}, "registry.nationality", "$.nationality"),
        ({"status": VolunteerStatus.MERGED}, "registry.merged_into", "$.merged_into"),
        ({"merged_into": "v2"}, "registry.merged_into", "$.merged_into"),
        (
            {"merged_into": "v1", "status": VolunteerStatus.MERGED},
            "registry.merged_into",
            "$.merged_into",
        ),
        ({"age_band": "18-24"}, "registry.age_band", "$.age_band"),
        ({"status": VolunteerStatus.ANONYMISED}, "registry.anonymised", "$"),
        ({"birth_date": datetime(2000, 1, 1, tzinfo=UTC)}, "registry.date", "$.birth_date"),
    ],
)
def test_volunteer_field_rules(fields: dict[str, object], code: str, path: str) -> None:
    """Each broken field rule raises InvalidInputError with its code and path."""
    with pytest.raises(InvalidInputError) as info:
        volunteer(**fields)
    assert (info.value.code, info.value.path) == (code, path)


def test_naive_registration_time_is_refused() -> None:
    """A naive registered_at is refused (NaiveDatetimeError at $.registered_at)."""
    with pytest.raises(NaiveDatetimeError) as info:
        volunteer(registered_at=datetime(2026, 1, 1))
    assert info.value.path == "$.registered_at"


def test_anonymised_volunteer_keeps_only_statistics() -> None:
    """An anonymised volunteer may keep sex, region, age band and the merge link, nothing else."""
    kept = volunteer(
        name=None,
        status=VolunteerStatus.ANONYMISED,
        sex=identity.Sex.FEMALE,
        home_region="110105",
        age_band="65+",
    )
    assert kept.age_on(date(2026, 1, 1)) is None
    with pytest.raises(InvalidInputError) as info:
        attrs.evolve(kept, phone="+8613123456789")
    assert info.value.code == "registry.anonymised"


def test_volunteer_age_on_uses_the_birth_date() -> None:
    """Volunteer.age_on computes from the birth date."""
    assert volunteer(birth_date=date(2011, 6, 1)).age_on(date(2026, 11, 28)) == 15


def test_qualification_dates() -> None:
    """A qualification is valid from issue to expiry inclusive; expiry before issue is refused."""
    q = Qualification(name="急救员", issued_on=date(2024, 1, 1), expires_on=date(2026, 12, 31))
    assert q.valid_on(date(2024, 1, 1))
    assert q.valid_on(date(2026, 12, 31))
    assert not q.valid_on(date(2027, 1, 1))
    assert not q.valid_on(date(2023, 12, 31))
    assert Qualification(name="Lifeguard", issued_on=date(2020, 1, 1)).valid_on(date(2099, 1, 1))
    with pytest.raises(InvalidInputError) as info:
        Qualification(name="x", issued_on=date(2024, 1, 2), expires_on=date(2024, 1, 1))
    assert (info.value.code, info.value.path) == ("registry.qualification_dates", "$.expires_on")


@pytest.mark.parametrize(
    ("uscc", "kind"),
    [
        ("51100000AB12C34D2Y", OrganizationKind.SOCIAL_ORGANIZATION),
        ("52110105MJ0123456N", OrganizationKind.SOCIAL_SERVICE_ORGANIZATION),
        ("53110000XY9KM21Q35", OrganizationKind.FOUNDATION),
        ("91110000600037341L", OrganizationKind.OTHER),
        ("121200004013590816", OrganizationKind.OTHER),
        (None, OrganizationKind.UNREGISTERED),
    ],
)
def test_organization_kind_from_uscc(uscc: str | None, kind: OrganizationKind) -> None:
    """Civil affairs types 51/52/53 are recognised; other codes are OTHER; none is UNREGISTERED."""
    assert organization_kind(uscc) is kind
    org = Organization(id="o1", name="队", uscc=uscc, registered_at=T0)
    assert org.kind is kind


@pytest.mark.parametrize(
    ("fields", "code", "path"),
    [
        ({"uscc": "51100000AB12C34D2X"}, "registry.uscc", "$.uscc"),  # wrong check character
        ({"uscc": "51 100000 AB12C34D2Y"}, "registry.uscc", "$.uscc"),  # not canonical
        ({"parent_id": "o1"}, "registry.parent", "$.parent_id"),
        ({"region": "12345"}, "registry.region", "$.region"),
        ({"name": "  "}, "registry.text", "$.name"),
    ],
)
def test_organization_field_rules(fields: dict[str, object], code: str, path: str) -> None:
    """Organization fields are checked with codes and paths."""
    base: dict[str, object] = {"id": "o1", "name": "队", "registered_at": T0}
    base.update(fields)
    with pytest.raises(InvalidInputError) as info:
        Organization(**base)  # type: ignore[arg-type]
    assert (info.value.code, info.value.path) == (code, path)


def test_membership_end_rules() -> None:
    """left_at and end go together, and a membership cannot end before it began."""
    m = Membership(id="m1", volunteer_id="v1", organization_id="o1", joined_at=T0)
    assert m.active
    ended = attrs.evolve(m, left_at=T0 + timedelta(days=3), end=MembershipEnd.LEFT)
    assert not ended.active
    with pytest.raises(InvalidInputError) as info:
        attrs.evolve(m, left_at=T0)
    assert (info.value.code, info.value.path) == ("registry.membership_end", "$.end")
    with pytest.raises(InvalidInputError) as info:
        attrs.evolve(m, left_at=T0 - timedelta(seconds=1), end=MembershipEnd.LEFT)
    assert (info.value.code, info.value.path) == ("registry.membership_end", "$.left_at")


def test_records_refuse_plain_documents() -> None:
    """A stored record never carries the document inside its volunteer."""
    with pytest.raises(InvalidInputError) as info:
        VolunteerRecord(volunteer=volunteer(document=DOC))
    assert (info.value.code, info.value.path) == ("registry.record_not_sealed", "$.volunteer")
    record = VolunteerRecord(volunteer=volunteer(), document_index="i1:" + "0" * 64)
    assert record.index_key_id == "i1"
    assert VolunteerRecord(volunteer=volunteer()).index_key_id is None
