"""The registry's storage contracts (ports), implemented by every store backend.

A store that serves the registry has three repositories and the audit log, and makes work atomic
with ``transaction()`` (:class:`RegistryStore`). The backends in :mod:`volunteerkit.stores`
(memory, SQLite, PostgreSQL) implement these protocols and run the conformance suite
:mod:`volunteerkit.testing.conformance_registry`; the registry never imports them.

Repositories store what they are given and enforce the uniqueness rules that must hold even
under concurrent writers: one record per blind index (one person, one registration), one
organization per USCC, one active membership per volunteer and organization. They never see an
encryption or index key: volunteers arrive as :class:`~volunteerkit.registry.models.VolunteerRecord`
with their numbers sealed.

Error codes are the same on every backend:

==================================  =====================================================
code                                when
==================================  =====================================================
``registry.volunteer_not_found``    ``get``/``update`` of an unknown volunteer id
``registry.volunteer_exists``       ``add`` of a volunteer id already stored
``registry.duplicate_document``     a blind index already held by another record
``registry.organization_not_found`` ``get``/``update`` of an unknown organization id
``registry.organization_exists``    ``add`` of an organization id already stored
``registry.duplicate_uscc``         a USCC already held by another organization
``registry.unknown_parent``         a ``parent_id`` that is not a stored organization
``registry.membership_not_found``   ``get``/``update`` of an unknown membership id
``registry.membership_exists``      ``add`` of a membership id already stored
``registry.already_member``         a second active membership of one volunteer in one
                                    organization
``registry.unknown_reference``      a membership of an unknown volunteer or organization
==================================  =====================================================
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Protocol, runtime_checkable

from volunteerkit.audit import AuditLog
from volunteerkit.registry.models import (
    Membership,
    Organization,
    VolunteerRecord,
    VolunteerStatus,
)

__all__ = [
    "MembershipRepository",
    "OrganizationRepository",
    "RegistryStore",
    "VolunteerRepository",
]


@runtime_checkable
class VolunteerRepository(Protocol):
    """Storage of volunteer records (``store.volunteers``)."""

    def add(self, record: VolunteerRecord) -> None:
        """Store a new record.

        Args:
            record: The record.

        Raises:
            ConflictError: ``registry.volunteer_exists`` (same id) or
                ``registry.duplicate_document`` (same blind index); nothing is written.
        """
        ...

    def update(self, record: VolunteerRecord) -> None:
        """Replace the stored record with the same id.

        Args:
            record: The new state of the record.

        Raises:
            NotFoundError: ``registry.volunteer_not_found``.
            ConflictError: ``registry.duplicate_document`` if another record holds its blind
                index.
        """
        ...

    def get(self, volunteer_id: str) -> VolunteerRecord:
        """Return the record with ``volunteer_id``.

        Raises:
            NotFoundError: ``registry.volunteer_not_found``.
        """
        ...

    def find_by_index(self, candidates: Sequence[str]) -> VolunteerRecord | None:
        """Return the record whose blind index is one of ``candidates``, if any.

        Args:
            candidates: Blind indexes of one document under each key of the ring.

        Returns:
            The record, or ``None``. If several records match (possible only if they were
            written under different keys without the registry's checks), the one with the
            smallest id.
        """
        ...

    def merged_into(self, volunteer_id: str) -> list[VolunteerRecord]:
        """Return the records merged directly into ``volunteer_id``, in id order.

        Args:
            volunteer_id: The surviving record's id.

        Returns:
            The records whose ``volunteer.merged_into`` is ``volunteer_id``.
        """
        ...

    def iter(self, *, status: VolunteerStatus | None = None) -> Iterator[VolunteerRecord]:
        """Stream records in id order (registration order, since ids are time-ordered).

        Args:
            status: Only records with this status.

        Returns:
            An iterator of records.
        """
        ...

    def count(self, *, status: VolunteerStatus | None = None) -> int:
        """Return how many records are stored (with ``status``, if given)."""
        ...


@runtime_checkable
class OrganizationRepository(Protocol):
    """Storage of organizations (``store.organizations``)."""

    def add(self, organization: Organization) -> None:
        """Store a new organization.

        Raises:
            ConflictError: ``registry.organization_exists`` or ``registry.duplicate_uscc``.
            IntegrityError: ``registry.unknown_parent``.
        """
        ...

    def update(self, organization: Organization) -> None:
        """Replace the stored organization with the same id.

        Raises:
            NotFoundError: ``registry.organization_not_found``.
            ConflictError: ``registry.duplicate_uscc``.
            IntegrityError: ``registry.unknown_parent``.
        """
        ...

    def get(self, organization_id: str) -> Organization:
        """Return the organization with ``organization_id``.

        Raises:
            NotFoundError: ``registry.organization_not_found``.
        """
        ...

    def find_by_uscc(self, uscc: str) -> Organization | None:
        """Return the organization with this (canonical) USCC, or ``None``."""
        ...

    def children(self, parent_id: str) -> list[Organization]:
        """Return the organizations whose parent is ``parent_id``, in id order."""
        ...

    def iter(self) -> Iterator[Organization]:
        """Stream every organization in id order."""
        ...

    def count(self) -> int:
        """Return how many organizations are stored."""
        ...


@runtime_checkable
class MembershipRepository(Protocol):
    """Storage of memberships (``store.memberships``)."""

    def add(self, membership: Membership) -> None:
        """Store a new membership.

        Raises:
            ConflictError: ``registry.membership_exists`` or ``registry.already_member`` (an
                active membership of the same volunteer in the same organization exists).
            IntegrityError: ``registry.unknown_reference``.
        """
        ...

    def update(self, membership: Membership) -> None:
        """Replace the stored membership with the same id (to end it or change its role).

        Raises:
            NotFoundError: ``registry.membership_not_found``.
            ConflictError: ``registry.already_member``.
            IntegrityError: ``registry.unknown_reference``.
        """
        ...

    def get(self, membership_id: str) -> Membership:
        """Return the membership with ``membership_id``.

        Raises:
            NotFoundError: ``registry.membership_not_found``.
        """
        ...

    def active(self, volunteer_id: str, organization_id: str) -> Membership | None:
        """Return the active membership of a volunteer in an organization, or ``None``."""
        ...

    def for_volunteer(self, volunteer_id: str, *, active_only: bool = False) -> list[Membership]:
        """Return a volunteer's memberships, ordered by ``(joined_at, id)``."""
        ...

    def for_organization(
        self, organization_id: str, *, active_only: bool = False
    ) -> Iterator[Membership]:
        """Stream an organization's memberships, ordered by ``(joined_at, id)``."""
        ...

    def count(self) -> int:
        """Return how many memberships are stored (active or ended)."""
        ...


@runtime_checkable
class RegistryStore(Protocol):
    """What :class:`~volunteerkit.registry.service.Registry` needs of a store."""

    @property
    def volunteers(self) -> VolunteerRepository:
        """The volunteer records."""
        ...

    @property
    def organizations(self) -> OrganizationRepository:
        """The organizations."""
        ...

    @property
    def memberships(self) -> MembershipRepository:
        """The memberships."""
        ...

    @property
    def audit(self) -> AuditLog:
        """The audit log."""
        ...

    def transaction(self) -> AbstractContextManager[None]:
        """Return a context manager that makes everything inside it atomic (nestable)."""
        ...
