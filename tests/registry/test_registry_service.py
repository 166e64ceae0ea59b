"""The Registry service on the memory store: registration rules, organizations, changes, audit."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from volunteerkit import FixedClock
from volunteerkit.errors import ConflictError, InvalidInputError, NotFoundError
from volunteerkit.registry import (
    UNCHANGED,
    ConsentMethod,
    DuplicateAction,
    Guardian,
    GuardianConsent,
    GuardianRelationship,
    Keyring,
    MembershipEnd,
    MembershipRole,
    OrganizationKind,
    Qualification,
    RegistrationPolicy,
    Registry,
    VerificationStatus,
    VolunteerApplication,
    VolunteerStatus,
    identity,
)
from volunteerkit.registry.identity import IdentityDocument, Sex, cn_ric
from volunteerkit.stores import MemoryStore

CST = timezone(timedelta(hours=8))
NOW = datetime(2026, 11, 28, 9, 0, tzinfo=CST)
MRZ_2030 = (
    "P<CHNZHANG<<SAN<<<<<<<<<<<<<<<<<<<<<<<<<<<<<\nEA12345676CHN9001011M3001019<<<<<<<<<<<<<<04"
)
MRZ_SPECIMEN = (
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10"
)
USCC_52 = "52110105MJ0123456N"


def ric(born: date, sequence: int = 11, region: str = "110105") -> str:
    body = f"{region}{born:%Y%m%d}{sequence:03d}"
    return body + cn_ric.calc_check_digit(body)


def app(
    scheme: str = "cn_ric", number: str = "11010519491231002X", **kw: object
) -> VolunteerApplication:
    fields: dict[str, object] = {"name": "张伟", "document": identity.parse(scheme, number)}
    fields.update(kw)
    return VolunteerApplication(**fields)  # type: ignore[arg-type]


def consent(given_at: datetime = NOW) -> Guardian:
    return Guardian(
        name="王芳",
        relationship=GuardianRelationship.PARENT,
        consent=GuardianConsent(given_at=given_at, method=ConsentMethod.WRITTEN),
    )


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


@pytest.fixture
def registry(store: MemoryStore) -> Registry:
    return Registry(
        store,
        clock=FixedClock(NOW),
        keyring=Keyring({"i1": bytes(32)}, encryption_keys={"e1": bytes(32)}),
    )


def test_ric_holder_gets_birth_date_sex_and_nationality_from_the_document(
    registry: Registry,
) -> None:
    """A RIC gives birth date, sex and nationality CHN; declared values that agree are fine."""
    result = registry.register_volunteer(
        app(birth_date=date(1949, 12, 31), sex=Sex.FEMALE, nationality="chn", name="  张伟 ")
    )
    v = result.volunteer
    assert (v.birth_date, v.sex, v.nationality, v.name) == (
        date(1949, 12, 31),
        Sex.FEMALE,
        "CHN",
        "张伟",
    )
    assert v.registered_at == NOW
    assert v.status is VolunteerStatus.ACTIVE
    assert result.created and result.membership is None and not result.joined


@pytest.mark.parametrize(
    ("declared", "code", "path"),
    [
        ({"birth_date": date(1949, 12, 30)}, "registry.birth_date_mismatch", "$.birth_date"),
        ({"sex": Sex.MALE}, "registry.sex_mismatch", "$.sex"),
        ({"nationality": "USA"}, "registry.nationality_mismatch", "$.nationality"),
        ({"nationality": "XXX"}, "registry.nationality", "$.nationality"),
        # of the wrong type: refused as such, not as a mismatch (before, "female" and
        # "1949-12-31" were registry.sex_mismatch and registry.birth_date_mismatch)
        ({"sex": "female"}, "registry.enum", "$.sex"),
        ({"sex": "male"}, "registry.enum", "$.sex"),
        ({"birth_date": "1949-12-31"}, "registry.date", "$.birth_date"),
        ({"birth_date": datetime(1949, 12, 31)}, "registry.date", "$.birth_date"),
    ],
)
def test_declared_facts_are_cross_checked(
    registry: Registry, store: MemoryStore, declared: dict[str, object], code: str, path: str
) -> None:
    """A declared birth date, sex or nationality that contradicts the document is refused."""
    with pytest.raises(InvalidInputError) as info:
        registry.register_volunteer(app(**declared))  # type: ignore[arg-type]
    assert (info.value.code, info.value.path) == (code, path)
    assert store.volunteers.count() == 0
    assert store.audit.count() == 0


def test_hong_kong_resident_with_residence_permit(registry: Registry) -> None:
    """An 810000 residence permit registers; the permit gives birth date and sex, not nationality."""
    v = registry.register_volunteer(app("cn_hmt_residence_permit", "810000199408230021")).volunteer
    assert (v.birth_date, v.sex, v.nationality) == (date(1994, 8, 23), Sex.FEMALE, None)
    declared = registry.register_volunteer(
        app("cn_hmt_residence_permit", "830000199201300022", nationality="CHN")
    ).volunteer
    assert declared.nationality == "CHN"


def test_foreigner_with_a_2023_permanent_residence_card(registry: Registry) -> None:
    """The 2023 card gives nationality (KAZ) and birth date; a declared other nationality is refused."""
    v = registry.register_volunteer(
        app("cn_foreign_pr", "911398199012310021", name="Aigerim Nurlanova", sex=Sex.FEMALE)
    ).volunteer
    assert (v.nationality, v.birth_date, v.sex) == ("KAZ", date(1990, 12, 31), Sex.FEMALE)
    with pytest.raises(InvalidInputError) as info:
        registry.register_volunteer(app("cn_foreign_pr", "931840198506150031", nationality="CAN"))
    assert info.value.code == "registry.nationality_mismatch"


def test_passport_mrz_and_expiry(registry: Registry, store: MemoryStore) -> None:
    """A valid passport registers; an expired one is refused unless the policy allows it."""
    v = registry.register_volunteer(app("icao_td3_mrz", MRZ_2030, name="ZHANG SAN")).volunteer
    assert (v.birth_date, v.sex, v.nationality) == (date(1990, 1, 1), Sex.MALE, "CHN")
    with pytest.raises(InvalidInputError) as info:
        registry.register_volunteer(app("icao_td3_mrz", MRZ_SPECIMEN))
    assert (info.value.code, info.value.path) == ("registry.document_expired", "$.document")
    lenient = Registry(
        store,
        clock=FixedClock(NOW),
        keyring=Keyring({"i1": bytes(32)}),
        policy=RegistrationPolicy(refuse_expired_documents=False),
    )
    assert lenient.register_volunteer(app("icao_td3_mrz", MRZ_SPECIMEN)).created


def test_document_without_birth_date_needs_a_declared_one(registry: Registry) -> None:
    """An HKID carries no birth date: it must be declared, and is then used for the age rule."""
    with pytest.raises(InvalidInputError) as info:
        registry.register_volunteer(app("hk_hkid", "A123456(3)"))
    assert (info.value.code, info.value.path) == ("registry.birth_date_required", "$.birth_date")
    with pytest.raises(InvalidInputError) as info:
        registry.register_volunteer(app("hk_hkid", "A123456(3)", birth_date=date(2026, 12, 1)))
    assert info.value.code == "registry.birth_date_future"
    v = registry.register_volunteer(
        app("hk_hkid", "A123456(3)", birth_date=date(2000, 5, 4))
    ).volunteer
    assert v.birth_date == date(2000, 5, 4)
    assert v.document is not None and v.document.number == "A123456(3)"


def test_document_is_checked_again_with_the_clock(registry: Registry) -> None:
    """The registry re-validates the document: bad numbers and future births at $.document."""
    forged = IdentityDocument(scheme="cn_ric", number="110105194912310028")
    with pytest.raises(identity.InvalidChecksum) as info:
        registry.register_volunteer(VolunteerApplication(name="x", document=forged))
    assert info.value.path == "$.document"
    unborn = identity.parse("cn_ric", ric(date(2027, 1, 1)))  # parsed without a clock
    with pytest.raises(identity.InvalidComponent) as info2:
        registry.register_volunteer(VolunteerApplication(name="x", document=unborn))
    assert (info2.value.code, info2.value.path) == (
        "identity.component.future_birth_date",
        "$.document",
    )
    with pytest.raises(InvalidInputError) as info3:
        registry.register_volunteer(VolunteerApplication(name="x", document="11010519491231002X"))  # type: ignore[arg-type]
    assert (info3.value.code, info3.value.path) == ("registry.document", "$.document")


def test_contact_and_profile_fields_are_normalized(registry: Registry) -> None:
    """Phone to E.164, e-mail domain lower-cased, tags in canonical case, duplicates dropped."""
    v = registry.register_volunteer(
        app(
            phone="131 2345 6789",
            email="Li.Na@Example.ORG",
            home_region="110105",
            skills=[" 急救 ", "急救", "手语"],
            languages=["ZH-hans", "en", "zh-Hans"],
            qualifications=[Qualification(name="急救员", issued_on=date(2024, 1, 1))],
        )
    ).volunteer
    assert (v.phone, v.email, v.home_region) == ("+8613123456789", "Li.Na@example.org", "110105")
    assert v.skills == ("急救", "手语")
    assert v.languages == ("zh-Hans", "en")
    assert v.qualifications == (Qualification(name="急救员", issued_on=date(2024, 1, 1)),)


@pytest.mark.parametrize(
    ("fields", "code", "path"),
    [
        ({"phone": "15412345678"}, "registry.phone.mobile", "$.phone"),
        ({"email": "not-an-address"}, "registry.email.invalid", "$.email"),
        ({"languages": ["en", "zh_CN"]}, "registry.language_tag", "$.languages[1]"),
        ({"skills": [""]}, "registry.text", "$.skills[0]"),
        ({"home_region": "000000"}, "registry.region", "$.home_region"),
        ({"name": "\t"}, "registry.text", "$.name"),
    ],
)
def test_bad_profile_fields(
    registry: Registry, fields: dict[str, object], code: str, path: str
) -> None:
    """Each bad field is refused with its code and path."""
    with pytest.raises(InvalidInputError) as info:
        registry.register_volunteer(app(**fields))  # type: ignore[arg-type]
    assert (info.value.code, info.value.path) == (code, path)


def test_minors_need_guardian_consent(registry: Registry) -> None:
    """A 15-year-old needs consent; with it they register and the guardian is kept."""
    minor = ric(date(2011, 6, 1), 21)
    with pytest.raises(InvalidInputError) as info:
        registry.register_volunteer(app(number=minor))
    assert info.value.code == "registry.guardian_consent_required"
    v = registry.register_volunteer(app(number=minor, guardian=consent())).volunteer
    assert v.guardian == consent()
    assert v.age_on(date(2026, 11, 28)) == 15
    with pytest.raises(InvalidInputError) as info2:
        registry.register_volunteer(app(number=ric(date(2012, 11, 29), 23), guardian=consent()))
    assert info2.value.code == "registry.too_young"


def test_guardian_document_is_checked(registry: Registry) -> None:
    """A guardian's bad document is refused at $.guardian.document."""
    bad = Guardian(
        name="王芳",
        relationship=GuardianRelationship.PARENT,
        document=IdentityDocument(scheme="cn_ric", number="110105198003050221"),
        consent=GuardianConsent(given_at=NOW, method=ConsentMethod.WRITTEN),
    )
    with pytest.raises(identity.InvalidIdentity) as info:
        registry.register_volunteer(app(number=ric(date(2011, 6, 1), 21), guardian=bad))
    assert info.value.path == "$.guardian.document"


def test_duplicate_refused_under_refuse_policy(store: MemoryStore) -> None:
    """With DuplicateAction.REFUSE a second registration raises registry.duplicate."""
    registry = Registry(
        store,
        clock=FixedClock(NOW),
        keyring=Keyring({"i1": bytes(32)}),
        policy=RegistrationPolicy(on_duplicate=DuplicateAction.REFUSE),
    )
    registry.register_volunteer(app())
    audit_before = store.audit.count()
    with pytest.raises(ConflictError) as info:
        registry.register_volunteer(app(number="110105491231002"))
    assert (info.value.code, info.value.path) == ("registry.duplicate", "$.document")
    assert store.audit.count() == audit_before


def test_duplicate_of_suspended_or_inactive_volunteer(
    registry: Registry, store: MemoryStore
) -> None:
    """A suspended person cannot re-register; an inactive one is reactivated."""
    vid = registry.register_volunteer(app()).volunteer.id
    registry.set_status(vid, VolunteerStatus.SUSPENDED)
    with pytest.raises(ConflictError) as info:
        registry.register_volunteer(app())
    assert info.value.code == "registry.volunteer_suspended"
    registry.set_status(vid, VolunteerStatus.INACTIVE)
    again = registry.register_volunteer(app())
    assert not again.created
    assert again.volunteer.status is VolunteerStatus.ACTIVE
    changes = sorted(
        (e.details["from"], e.details["to"]) for e in store.audit.query(action="volunteer.status")
    )
    assert changes == [("active", "suspended"), ("inactive", "active"), ("suspended", "inactive")]


def test_registration_organization_rules(registry: Registry, store: MemoryStore) -> None:
    """An unknown organization is NotFound at $.organization_id; a rejected one takes nobody."""
    with pytest.raises(NotFoundError) as info:
        registry.register_volunteer(app(), organization_id="nope")
    assert (info.value.code, info.value.path) == (
        "registry.organization_not_found",
        "$.organization_id",
    )
    org = registry.register_organization(name="甲队", verification=VerificationStatus.REJECTED)
    with pytest.raises(ConflictError) as info2:
        registry.register_volunteer(app(), organization_id=org.id)
    assert info2.value.code == "registry.organization_not_accepting"
    assert store.volunteers.count() == 0


@pytest.mark.parametrize(
    ("uscc", "kind", "region"),
    [
        ("51100000AB12C34D2Y", OrganizationKind.SOCIAL_ORGANIZATION, None),
        (USCC_52, OrganizationKind.SOCIAL_SERVICE_ORGANIZATION, "110105"),
        ("53110000XY9KM21Q35", OrganizationKind.FOUNDATION, "110000"),
        ("91110000600037341L", OrganizationKind.OTHER, "110000"),
    ],
)
def test_register_organization_kinds(
    registry: Registry, uscc: str, kind: OrganizationKind, region: str | None
) -> None:
    """The USCC gives the kind (51/52/53) and, where it is a GB/T 2260 code, the region."""
    org = registry.register_organization(name="北京阳光志愿服务中心", uscc=uscc.lower())
    assert (org.uscc, org.kind, org.region) == (uscc, kind, region)
    assert registry.find_organization(" ".join([uscc[:2], uscc[2:]])) == org


def test_register_organization_errors(registry: Registry) -> None:
    """Invalid and duplicate USCCs, and unknown parents, are refused with codes and paths."""
    with pytest.raises(identity.InvalidChecksum) as info:
        registry.register_organization(name="x", uscc="51100000AB12C34D2X")
    assert info.value.path == "$.uscc"
    parent = registry.register_organization(name="协会", uscc=USCC_52)
    with pytest.raises(ConflictError) as info2:
        registry.register_organization(name="另一个", uscc=USCC_52)
    assert info2.value.code == "registry.duplicate_uscc"
    with pytest.raises(NotFoundError) as info3:
        registry.register_organization(name="队", parent_id="nope")
    assert info3.value.path == "$.parent_id"
    team = registry.register_organization(name="第一分队", parent_id=parent.id)
    assert (team.kind, team.parent_id) == (OrganizationKind.UNREGISTERED, parent.id)
    checked = registry.set_verification(team.id, VerificationStatus.VERIFIED, reason="visited")
    assert registry.get_organization(team.id) == checked
    assert checked.verification is VerificationStatus.VERIFIED


def test_join_is_idempotent_and_needs_an_active_volunteer(
    registry: Registry, store: MemoryStore
) -> None:
    """Joining twice returns the same membership and writes one audit entry."""
    org = registry.register_organization(name="甲队")
    vid = registry.register_volunteer(app()).volunteer.id
    first = registry.join(vid, org.id, role=MembershipRole.LEADER)
    assert registry.join(vid, org.id) == first
    assert len(list(store.audit.query(action="membership.join"))) == 1
    assert [m.id for m in registry.members(org.id)] == [first.id]
    registry.set_status(vid, VolunteerStatus.INACTIVE)
    other = registry.register_organization(name="乙队")
    with pytest.raises(ConflictError) as info:
        registry.join(vid, other.id)
    assert info.value.code == "registry.volunteer_not_active"


def test_leave_and_roles(registry: Registry, store: MemoryStore) -> None:
    """leave() ends the membership; MERGED is refused; unknown memberships are NotFound."""
    org = registry.register_organization(name="甲队")
    vid = registry.register_volunteer(app(), organization_id=org.id).volunteer.id
    same = registry.set_role(vid, org.id, MembershipRole.MEMBER)
    assert not list(store.audit.query(action="membership.role"))
    assert same.role is MembershipRole.MEMBER
    with pytest.raises(InvalidInputError) as info:
        registry.leave(vid, org.id, end=MembershipEnd.MERGED)
    assert info.value.code == "registry.membership_end"
    ended = registry.leave(vid, org.id, end=MembershipEnd.REMOVED)
    assert (ended.left_at, ended.end) == (NOW, MembershipEnd.REMOVED)
    with pytest.raises(NotFoundError) as info2:
        registry.leave(vid, org.id)
    assert info2.value.code == "registry.membership_not_found"
    with pytest.raises(NotFoundError) as info3:
        registry.set_role(vid, org.id, MembershipRole.LEADER)
    assert (info3.value.code, info3.value.path) == (
        "registry.membership_not_found",
        "$.organization_id",
    )
    assert list(registry.members(org.id)) == []
    assert [m.id for m in registry.members(org.id, active_only=False)] == [ended.id]


def test_set_status_rules(registry: Registry, store: MemoryStore) -> None:
    """Only active/suspended/inactive can be set; setting the same status writes nothing."""
    vid = registry.register_volunteer(app()).volunteer.id
    with pytest.raises(InvalidInputError) as info:
        registry.set_status(vid, VolunteerStatus.MERGED)
    assert (info.value.code, info.value.path) == ("registry.status_transition", "$.status")
    before = store.audit.count()
    registry.set_status(vid, VolunteerStatus.ACTIVE)
    assert store.audit.count() == before
    registry.anonymise(vid)
    with pytest.raises(InvalidInputError) as gone:
        registry.set_status(vid, VolunteerStatus.ACTIVE)
    assert (gone.value.code, gone.value.path) == ("registry.status_transition", "$.status")
    with pytest.raises(NotFoundError) as info2:
        registry.set_status("nope", VolunteerStatus.ACTIVE)
    assert (info2.value.code, info2.value.path) == (
        "registry.volunteer_not_found",
        "$.volunteer_id",
    )


def test_merge_errors(registry: Registry) -> None:
    """Merging a record with itself, different people, or a merged record is refused."""
    a = registry.register_volunteer(app()).volunteer.id
    b = registry.register_volunteer(app(number=ric(date(1990, 1, 1)))).volunteer.id
    c = registry.register_volunteer(
        app("hk_hkid", "A123456(3)", birth_date=date(1949, 12, 31))
    ).volunteer.id
    with pytest.raises(InvalidInputError) as info:
        registry.merge(a, a)
    assert info.value.code == "registry.merge_same"
    with pytest.raises(InvalidInputError) as info2:
        registry.merge(a, b)
    assert info2.value.code == "registry.merge_mismatch"
    registry.merge(a, c)
    with pytest.raises(ConflictError) as info3:
        registry.merge(b, c)
    assert (info3.value.code, info3.value.path) == ("registry.merge_state", "$.duplicate_id")
    with pytest.raises(ConflictError) as info4:
        registry.update_profile(c, phone=None)
    assert (info4.value.code, info4.value.path) == ("registry.volunteer_not_active", "$.volunteer_id")


def test_anonymise_cascades_to_merged_records_and_is_idempotent(
    registry: Registry, store: MemoryStore
) -> None:
    """Anonymising a survivor anonymises records merged into it; a second call writes nothing."""
    a = registry.register_volunteer(app()).volunteer.id
    c = registry.register_volunteer(
        app("hk_hkid", "A123456(3)", birth_date=date(1949, 12, 31))
    ).volunteer.id
    registry.merge(a, c)
    registry.anonymise(a)
    merged = registry.get(c)
    assert (merged.status, merged.merged_into, merged.document) == (
        VolunteerStatus.ANONYMISED,
        a,
        None,
    )
    assert registry.find_by_document(identity.parse("hk_hkid", "A123456(3)")) is None
    count = store.audit.count()
    assert registry.anonymise(a).status is VolunteerStatus.ANONYMISED
    assert store.audit.count() == count
    assert [v.id for v in registry.volunteers(status=VolunteerStatus.ANONYMISED)] == sorted([a, c])


def test_update_profile(registry: Registry, store: MemoryStore) -> None:
    """update_profile changes the given fields only and audits their names, not values."""
    v = registry.register_volunteer(app(phone="13123456789", email="a@example.org")).volunteer
    changed = registry.update_profile(
        v.id, phone="+44 7911 123456", email=None, languages=["EN-gb"], skills=UNCHANGED
    )
    assert (changed.phone, changed.email, changed.languages) == ("+447911123456", None, ("en-GB",))
    assert changed.document == v.document
    entry = next(iter(store.audit.query(action="volunteer.update")))
    assert entry.details == {"fields": "email,languages,phone"}


def test_register_many_with_an_organization(registry: Registry, store: MemoryStore) -> None:
    """register_many joins every applicant and counts duplicates inside the input."""
    org = registry.register_organization(name="甲队")
    numbers = [ric(date(1990, 1, 1) + timedelta(days=i)) for i in range(5)]
    result = registry.register_many(
        [app(number=n) for n in [*numbers, numbers[0]]], organization_id=org.id, batch_size=4
    )
    assert (result.created, result.existing) == (5, 1)
    assert result.volunteer_ids[5] == result.volunteer_ids[0]
    assert store.memberships.count() == 5
    with pytest.raises(InvalidInputError) as info:
        registry.register_many([], batch_size=0)
    assert info.value.code == "registry.batch_size"


def test_every_write_is_audited_with_an_actor(registry: Registry, store: MemoryStore) -> None:
    """Each action writes an entry naming the actor and subject."""
    org = registry.register_organization(name="甲队", actor="admin-7")
    v = registry.register_volunteer(
        app(), organization_id=org.id, actor="coordinator-3", reason="场馆报名"
    )
    entries = list(store.audit.query(actor="coordinator-3"))
    assert sorted(e.action for e in entries) == ["membership.join", "volunteer.register"]
    assert all(e.subject_id == v.volunteer.id and e.reason == "场馆报名" for e in entries)
    register = next(e for e in entries if e.action == "volunteer.register")
    assert register.details == {
        "scheme": "cn_ric",
        "document": "110105********002X",
        "outcome": "created",
    }
    assert [e.action for e in store.audit.query(actor="admin-7")] == ["organization.register"]


@pytest.mark.parametrize(("scheme", "number"), [("cn_uscc", USCC_52), ("cn_mobile", "13123456789")])
def test_codes_that_are_not_personal_documents_are_refused(
    registry: Registry, scheme: str, number: str
) -> None:
    """A USCC or a phone number cannot be a volunteer's identity document."""
    with pytest.raises(InvalidInputError) as info:
        registry.register_volunteer(app(scheme, number))
    assert (info.value.code, info.value.path) == ("registry.document_scheme", "$.document")


def test_qualifications_must_be_qualifications(registry: Registry) -> None:
    """update_profile refuses qualifications that are not Qualification objects, with a path."""
    vid = registry.register_volunteer(app()).volunteer.id
    with pytest.raises(InvalidInputError) as info:
        registry.update_profile(vid, qualifications=["first aid"])  # type: ignore[list-item]
    assert (info.value.code, info.value.path) == ("registry.qualification", "$.qualifications[0]")
