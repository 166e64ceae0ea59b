"""Real-name registration: identity documents, volunteers, organizations, guardians, memberships.

* :mod:`volunteerkit.registry.identity` validates and parses identity-document numbers;
* :mod:`~volunteerkit.registry.models`: :class:`Volunteer`, :class:`Organization`,
  :class:`Membership`, :class:`Guardian`, :class:`Qualification` and their enums;
* :mod:`~volunteerkit.registry.policy`: :class:`RegistrationPolicy` (minimum age, guardian
  consent, duplicates);
* :mod:`~volunteerkit.registry.privacy`: :class:`Keyring` (blind indexes and encryption of
  identity numbers, with key rotation) and anonymisation;
* :mod:`~volunteerkit.registry.store`: the storage contracts the store backends implement;
* :mod:`~volunteerkit.registry.service`: :class:`Registry`, which ties them together.
"""

from volunteerkit.registry import identity
from volunteerkit.registry._checks import (
    normalize_email,
    normalize_language_tag,
    normalize_phone,
)
from volunteerkit.registry.models import (
    ConsentMethod,
    Guardian,
    GuardianConsent,
    GuardianRelationship,
    Membership,
    MembershipEnd,
    MembershipRole,
    Organization,
    OrganizationKind,
    Qualification,
    SealedNumber,
    VerificationStatus,
    Volunteer,
    VolunteerRecord,
    VolunteerStatus,
    age_on,
    masked_phone,
    organization_kind,
)
from volunteerkit.registry.policy import DuplicateAction, RegistrationPolicy
from volunteerkit.registry.privacy import Keyring, age_band, anonymised
from volunteerkit.registry.service import (
    UNCHANGED,
    BatchResult,
    RegistrationResult,
    Registry,
    VolunteerApplication,
)
from volunteerkit.registry.store import (
    MembershipRepository,
    OrganizationRepository,
    RegistryStore,
    VolunteerRepository,
)

__all__ = [
    "UNCHANGED",
    "BatchResult",
    "ConsentMethod",
    "DuplicateAction",
    "Guardian",
    "GuardianConsent",
    "GuardianRelationship",
    "Keyring",
    "Membership",
    "MembershipEnd",
    "MembershipRepository",
    "MembershipRole",
    "Organization",
    "OrganizationKind",
    "OrganizationRepository",
    "Qualification",
    "RegistrationPolicy",
    "RegistrationResult",
    "Registry",
    "RegistryStore",
    "SealedNumber",
    "VerificationStatus",
    "Volunteer",
    "VolunteerApplication",
    "VolunteerRecord",
    "VolunteerRepository",
    "VolunteerStatus",
    "age_band",
    "age_on",
    "anonymised",
    "identity",
    "masked_phone",
    "normalize_email",
    "normalize_language_tag",
    "normalize_phone",
    "organization_kind",
]
