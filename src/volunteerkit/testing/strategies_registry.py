"""Hypothesis strategies for the registry's models, public so embedders can test their own code.

Needs the ``hypothesis`` package. Every strategy draws *valid* objects: citizen ID numbers are
built from the GB/T 2260 union with a correct check character; phone numbers, language tags and
regions are drawn from valid samples.

Strategies: :func:`ric_documents`, :func:`documents`, :func:`qualifications`,
:func:`guardian_consents`, :func:`guardians`, :func:`volunteers`, :func:`organizations`,
:func:`memberships`, :func:`sealed_numbers`, :func:`blind_indexes`, :func:`volunteer_records`,
:func:`policies`.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import attrs
from hypothesis import strategies as st

from volunteerkit.registry import identity
from volunteerkit.registry.identity import IdentityDocument, Sex, cn_ric
from volunteerkit.registry.identity._data import region_codes, ric_region_codes
from volunteerkit.registry.models import (
    ConsentMethod,
    Guardian,
    GuardianConsent,
    GuardianRelationship,
    Membership,
    MembershipEnd,
    MembershipRole,
    Organization,
    Qualification,
    SealedNumber,
    VerificationStatus,
    Volunteer,
    VolunteerRecord,
    VolunteerStatus,
)
from volunteerkit.registry.policy import DuplicateAction, RegistrationPolicy
from volunteerkit.registry.privacy import anonymised
from volunteerkit.testing.strategies import aware_datetimes, uuid7_ids

__all__ = [
    "blind_indexes",
    "documents",
    "guardian_consents",
    "guardians",
    "memberships",
    "organizations",
    "policies",
    "qualifications",
    "ric_documents",
    "sealed_numbers",
    "volunteer_records",
    "volunteers",
]

_RIC_REGIONS = sorted(ric_region_codes())
_REGIONS = sorted(region_codes())

# Valid numbers of other schemes, from the public test vectors (tests/data/identity-vectors.json).
_OTHER_DOCUMENTS = (
    ("cn_hmt_residence_permit", "810000199408230021"),
    ("cn_hmt_residence_permit", "830000199201300022"),
    ("cn_foreign_pr", "911398199012310021"),
    ("cn_foreign_pr", "931840198506150031"),
    ("hk_hkid", "A123456(3)"),
    ("tw_national_id", "A123456789"),
    ("cn_passport_number", "EA1234567"),
    (
        "icao_td3_mrz",
        "P<CHNZHANG<<SAN<<<<<<<<<<<<<<<<<<<<<<<<<<<<<\nEA12345676CHN9001011M3001019<<<<<<<<<<<<<<04",
    ),
)
_PHONES = ("+8613123456789", "+8618612345678", "+14155552671", "+447911123456", "+85291234567")
_LANGUAGES = ("zh", "zh-Hans", "zh-Hant-TW", "yue-HK", "en", "en-GB", "fr", "ru", "kk", "ug")
_NAME_CHARS = st.characters(categories=["Lu", "Ll", "Lo"], codec="utf-8")
_names = st.text(alphabet=_NAME_CHARS, min_size=1, max_size=20)
_SKILLS = st.text(alphabet=_NAME_CHARS, min_size=1, max_size=12)


def ric_documents(
    *, born_from: date = date(1930, 1, 1), born_until: date = date(2012, 11, 28)
) -> st.SearchStrategy[IdentityDocument]:
    """Parsed PRC citizen ID numbers with a random region, birth date and sequence.

    Args:
        born_from: Earliest birth date.
        born_until: Latest birth date.

    Returns:
        The strategy.
    """

    def build(region: str, born: date, sequence: int) -> IdentityDocument:
        body = f"{region}{born:%Y%m%d}{sequence:03d}"
        return identity.parse("cn_ric", body + cn_ric.calc_check_digit(body))

    return st.builds(
        build,
        st.sampled_from(_RIC_REGIONS),
        st.dates(min_value=born_from, max_value=born_until),
        st.integers(min_value=0, max_value=999),
    )


def documents() -> st.SearchStrategy[IdentityDocument]:
    """Parsed documents: mostly citizen ID numbers, sometimes one of several other schemes.

    Returns:
        The strategy.
    """
    others = st.sampled_from(_OTHER_DOCUMENTS).map(lambda sv: identity.parse(*sv))
    return st.one_of(ric_documents(), others)


def qualifications() -> st.SearchStrategy[Qualification]:
    """Qualifications with consistent issue and expiry dates.

    Returns:
        The strategy.
    """
    return st.builds(
        lambda name, issuer, issued, days: Qualification(
            name=name,
            issuer=issuer,
            issued_on=issued,
            expires_on=None if days is None else issued + timedelta(days=days),
        ),
        _names,
        st.sampled_from(["", "中国红十字会", "St John Ambulance"]),
        st.dates(min_value=date(2000, 1, 1), max_value=date(2026, 1, 1)),
        st.none() | st.integers(min_value=0, max_value=3650),
    )


def guardian_consents() -> st.SearchStrategy[GuardianConsent]:
    """Guardian consents.

    Returns:
        The strategy.
    """
    return st.builds(
        GuardianConsent,
        given_at=aware_datetimes(),
        method=st.sampled_from(ConsentMethod),
        reference=st.sampled_from(["", "form 2026-118", "电子签名 7731"]),
    )


def guardians() -> st.SearchStrategy[Guardian]:
    """Guardians, with or without an identity document of their own.

    Returns:
        The strategy.
    """
    return st.builds(
        Guardian,
        name=_names,
        relationship=st.sampled_from(GuardianRelationship),
        phone=st.none() | st.sampled_from(_PHONES),
        document=st.none() | ric_documents(born_until=date(1990, 12, 31)),
        consent=guardian_consents(),
    )


def _volunteer(
    vid: str,
    name: str,
    document: IdentityDocument | None,
    declared_birth: date,
    declared_sex: Sex | None,
    phone: str | None,
    email: str | None,
    region: str | None,
    skills: list[str],
    languages: list[str],
    quals: list[Qualification],
    registered_at: datetime,
    status: VolunteerStatus,
    guardian: Guardian | None,
) -> Volunteer:
    birth = (
        declared_birth if document is None or document.birth_date is None else document.birth_date
    )
    sex = declared_sex if document is None or document.sex is None else document.sex
    return Volunteer(
        id=vid,
        name=name,
        document=document,
        birth_date=birth,
        sex=sex,
        nationality=None if document is None else document.nationality,
        phone=phone,
        email=email,
        home_region=region,
        skills=tuple(skills),
        languages=tuple(languages),
        qualifications=tuple(quals),
        registered_at=registered_at,
        status=VolunteerStatus.ACTIVE if status is VolunteerStatus.ANONYMISED else status,
        guardian=guardian,
    )


def volunteers(
    *,
    with_documents: bool = True,
    statuses: st.SearchStrategy[VolunteerStatus] | None = None,
) -> st.SearchStrategy[Volunteer]:
    """Valid volunteers, including anonymised ones.

    Args:
        with_documents: Give each volunteer (and guardian) an identity document; ``False``
            draws volunteers as stores hold them inside a :class:`VolunteerRecord`.
        statuses: Strategy for the status (default: active, suspended, inactive, anonymised).

    Returns:
        The strategy.
    """
    status_strategy = statuses if statuses is not None else st.sampled_from(
        [
            VolunteerStatus.ACTIVE,
            VolunteerStatus.SUSPENDED,
            VolunteerStatus.INACTIVE,
            VolunteerStatus.ANONYMISED,
        ]
    )
    guardian_strategy = guardians()
    if not with_documents:
        guardian_strategy = guardian_strategy.map(lambda g: attrs.evolve(g, document=None))

    def base(status: VolunteerStatus) -> st.SearchStrategy[Volunteer]:
        return st.builds(
            _volunteer,
            uuid7_ids(),
            _names,
            documents() if with_documents else st.none(),
            st.dates(min_value=date(1930, 1, 1), max_value=date(2012, 1, 1)),
            st.none() | st.sampled_from(Sex),
            st.none() | st.sampled_from(_PHONES),
            st.none() | st.sampled_from(["li.na@example.org", "volunteer+tag@xn--fiqs8s.cn"]),
            st.none() | st.sampled_from(_REGIONS),
            st.lists(_SKILLS, max_size=3, unique=True),
            st.lists(st.sampled_from(_LANGUAGES), max_size=3, unique=True),
            st.lists(qualifications(), max_size=2),
            aware_datetimes(),
            st.just(status),
            st.none() | guardian_strategy,
        )

    def finish(status: VolunteerStatus, on: date) -> st.SearchStrategy[Volunteer]:
        built = base(status)
        if status is VolunteerStatus.ANONYMISED:
            bands = RegistrationPolicy().age_bands
            return built.map(lambda v: anonymised(v, on=on, bands=bands))
        return built

    return st.tuples(
        status_strategy, st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 1, 1))
    ).flatmap(lambda pair: finish(*pair))


def organizations(
    *,
    ids: st.SearchStrategy[str] | None = None,
    parent_ids: st.SearchStrategy[str | None] | None = None,
) -> st.SearchStrategy[Organization]:
    """Valid organizations; USCCs from the public vectors (civil affairs 51/53 and others).

    Args:
        ids: Strategy for ids (default: UUIDv7 texts).
        parent_ids: Strategy for parent ids (default: ``None``).

    Returns:
        The strategy.
    """
    return st.builds(
        Organization,
        id=uuid7_ids() if ids is None else ids,
        name=_names,
        uscc=st.none()
        | st.sampled_from(
            ["51100000AB12C34D2Y", "53110000XY9KM21Q35", "91110000600037341L", "121200004013590816"]
        ),
        region=st.none() | st.sampled_from(_REGIONS),
        verification=st.sampled_from(VerificationStatus),
        parent_id=st.none() if parent_ids is None else parent_ids,
        registered_at=aware_datetimes(),
    )


def memberships(
    *,
    volunteer_ids: st.SearchStrategy[str] | None = None,
    organization_ids: st.SearchStrategy[str] | None = None,
) -> st.SearchStrategy[Membership]:
    """Valid memberships, active or ended.

    Args:
        volunteer_ids: Strategy for volunteer ids.
        organization_ids: Strategy for organization ids.

    Returns:
        The strategy.
    """

    def build(
        mid: str,
        vid: str,
        oid: str,
        role: MembershipRole,
        joined: datetime,
        minutes: int | None,
        end: MembershipEnd,
    ) -> Membership:
        return Membership(
            id=mid,
            volunteer_id=vid,
            organization_id=oid,
            role=role,
            joined_at=joined,
            left_at=None if minutes is None else joined + timedelta(minutes=minutes),
            end=None if minutes is None else end,
        )

    return st.builds(
        build,
        uuid7_ids(),
        uuid7_ids() if volunteer_ids is None else volunteer_ids,
        uuid7_ids() if organization_ids is None else organization_ids,
        st.sampled_from(MembershipRole),
        aware_datetimes(),
        st.none() | st.integers(min_value=0, max_value=10**6),
        st.sampled_from(MembershipEnd),
    )


def sealed_numbers() -> st.SearchStrategy[SealedNumber]:
    """Sealed numbers as a store holds them (random payloads; not openable by any key).

    Returns:
        The strategy.
    """
    return st.builds(
        SealedNumber,
        scheme=st.sampled_from(["cn_ric", "hk_hkid", "cn_foreign_pr"]),
        masked=st.sampled_from(["110105********002X", "A1******3)", "911398********0021"]),
        key_id=st.none() | st.sampled_from(["e1", "2026-q4"]),
        payload=st.text(
            alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/=", min_size=8, max_size=80
        ),
    )


def blind_indexes() -> st.SearchStrategy[str]:
    """Blind-index values ``"<key id>:<64 hex digits>"``.

    Returns:
        The strategy.
    """
    return st.builds(
        lambda key_id, digest: f"{key_id}:{digest:064x}",
        st.sampled_from(["i1", "i2"]),
        st.integers(min_value=0, max_value=(1 << 256) - 1),
    )


def volunteer_records() -> st.SearchStrategy[VolunteerRecord]:
    """Volunteer records as stores hold them: numbers sealed, documents indexed.

    Anonymised volunteers have no document, index or guardian document; the others always
    have a document and its index. Merged records are not drawn (they need a stored target).

    Returns:
        The strategy.
    """

    def build(
        volunteer: Volunteer, document: SealedNumber, index: str, guardian: SealedNumber
    ) -> VolunteerRecord:
        if volunteer.status is VolunteerStatus.ANONYMISED:
            return VolunteerRecord(volunteer=volunteer)
        return VolunteerRecord(
            volunteer=volunteer,
            document=document,
            document_index=index,
            guardian_document=None if volunteer.guardian is None else guardian,
        )

    return st.builds(
        build,
        volunteers(with_documents=False),
        sealed_numbers(),
        blind_indexes(),
        sealed_numbers(),
    )


def policies() -> st.SearchStrategy[RegistrationPolicy]:
    """Valid registration policies.

    Returns:
        The strategy.
    """
    return st.builds(
        RegistrationPolicy,
        minimum_age=st.integers(min_value=0, max_value=30),
        consent_age=st.integers(min_value=0, max_value=21),
        self_supporting_age=st.none() | st.integers(min_value=14, max_value=18),
        on_duplicate=st.sampled_from(DuplicateAction),
        refuse_expired_documents=st.booleans(),
        age_bands=st.lists(
            st.integers(min_value=1, max_value=100), min_size=1, max_size=8, unique=True
        ).map(lambda bands: tuple(sorted(bands))),
    )
