"""The registry's repositories on the memory backend.

Records are kept as the immutable objects they are (a :class:`VolunteerRecord` holds its numbers
sealed, exactly as the SQL backends store them). Every change registers its undo with the store, so
``store.transaction()`` rolls it back like a database would.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from volunteerkit.errors import ConflictError, IntegrityError, NotFoundError
from volunteerkit.registry.models import (
    Membership,
    Organization,
    VolunteerRecord,
    VolunteerStatus,
)
from volunteerkit.stores._base import handed_out, require_open

if TYPE_CHECKING:
    from volunteerkit.stores.memory import MemoryStore

__all__ = [
    "MemoryMembershipRepository",
    "MemoryOrganizationRepository",
    "MemoryVolunteerRepository",
    "memory_registry_repositories",
]

def _volunteer_not_found() -> NotFoundError:
    return NotFoundError("volunteer not found", "未找到志愿者", code="registry.volunteer_not_found")


def _duplicate_document() -> ConflictError:
    return ConflictError(
        "another volunteer is registered with this identity document",
        "已有其他志愿者使用该证件注册",
        code="registry.duplicate_document",
        path="$.document_index",
    )


def _unknown_merge_target() -> IntegrityError:
    return IntegrityError(
        "merged_into names a volunteer that does not exist",
        "merged_into 引用的志愿者不存在",
        code="registry.unknown_reference",
        path="$.volunteer.merged_into",
    )


class MemoryVolunteerRepository:
    """:class:`~volunteerkit.registry.store.VolunteerRepository` in dicts."""

    def __init__(self, store: MemoryStore) -> None:
        self._store = store
        self._records: dict[str, VolunteerRecord] = {}
        self._by_index: dict[str, str] = {}

    def _check_target(self, record: VolunteerRecord) -> None:
        target = record.volunteer.merged_into
        if target is not None and target not in self._records:
            raise _unknown_merge_target()

    def _put(self, record: VolunteerRecord) -> None:
        previous = self._records.get(record.id)
        if previous is not None and previous.document_index is not None:
            del self._by_index[previous.document_index]
        self._records[record.id] = record
        if record.document_index is not None:
            self._by_index[record.document_index] = record.id

        def undo() -> None:
            if record.document_index is not None:
                del self._by_index[record.document_index]
            if previous is None:
                del self._records[record.id]
            else:
                self._records[record.id] = previous
                if previous.document_index is not None:
                    self._by_index[previous.document_index] = previous.id

        self._store.on_rollback(undo)

    def add(self, record: VolunteerRecord) -> None:
        """Store a new record (see the protocol)."""
        with self._store.transaction():
            if record.id in self._records:
                raise ConflictError(
                    "a volunteer with this id already exists",
                    "已存在相同标识的志愿者",
                    code="registry.volunteer_exists",
                    path="$.id",
                )
            if record.document_index is not None and record.document_index in self._by_index:
                raise _duplicate_document()
            self._check_target(record)
            self._put(record)

    def update(self, record: VolunteerRecord) -> None:
        """Replace a stored record (see the protocol)."""
        with self._store.transaction():
            if record.id not in self._records:
                raise _volunteer_not_found()
            holder = (
                None if record.document_index is None else self._by_index.get(record.document_index)
            )
            if holder is not None and holder != record.id:
                raise _duplicate_document()
            self._check_target(record)
            self._put(record)

    def get(self, volunteer_id: str) -> VolunteerRecord:
        """Return a record (see the protocol)."""
        require_open(self._store)
        try:
            return self._records[volunteer_id]
        except (KeyError, TypeError):
            pass  # raised below, outside the handler: the KeyError holds the id given
        raise _volunteer_not_found()

    def find_by_index(self, candidates: Sequence[str]) -> VolunteerRecord | None:
        """Return the record holding one of the blind indexes (see the protocol)."""
        require_open(self._store)
        ids = [self._by_index[c] for c in candidates if c in self._by_index]
        return self._records[min(ids)] if ids else None

    def merged_into(self, volunteer_id: str) -> list[VolunteerRecord]:
        """Return the records merged into ``volunteer_id`` (see the protocol)."""
        require_open(self._store)
        return sorted(
            (r for r in self._records.values() if r.volunteer.merged_into == volunteer_id),
            key=lambda r: r.id,
        )

    def iter(self, *, status: VolunteerStatus | None = None) -> Iterator[VolunteerRecord]:
        """Stream records in id order (see the protocol)."""
        chosen = [
            r for r in self._records.values() if status is None or r.volunteer.status is status
        ]
        return handed_out(self._store, sorted(chosen, key=lambda r: r.id))

    def count(self, *, status: VolunteerStatus | None = None) -> int:
        """Return how many records are stored (see the protocol)."""
        require_open(self._store)
        if status is None:
            return len(self._records)
        return sum(1 for r in self._records.values() if r.volunteer.status is status)


def _organization_not_found() -> NotFoundError:
    return NotFoundError(
        "organization not found", "未找到组织", code="registry.organization_not_found"
    )


class MemoryOrganizationRepository:
    """:class:`~volunteerkit.registry.store.OrganizationRepository` in dicts."""

    def __init__(self, store: MemoryStore) -> None:
        self._store = store
        self._orgs: dict[str, Organization] = {}
        self._by_uscc: dict[str, str] = {}

    def _check(self, organization: Organization) -> None:
        if organization.parent_id is not None and organization.parent_id not in self._orgs:
            raise IntegrityError(
                "the parent organization does not exist",
                "上级组织不存在",
                code="registry.unknown_parent",
                path="$.parent_id",
            )
        if organization.uscc is not None:
            holder = self._by_uscc.get(organization.uscc)
            if holder is not None and holder != organization.id:
                raise ConflictError(
                    "another organization has this Unified Social Credit Code",
                    "已有其他组织使用该统一社会信用代码",
                    code="registry.duplicate_uscc",
                    path="$.uscc",
                )

    def _put(self, organization: Organization) -> None:
        previous = self._orgs.get(organization.id)
        if previous is not None and previous.uscc is not None:
            del self._by_uscc[previous.uscc]
        self._orgs[organization.id] = organization
        if organization.uscc is not None:
            self._by_uscc[organization.uscc] = organization.id

        def undo() -> None:
            if organization.uscc is not None:
                del self._by_uscc[organization.uscc]
            if previous is None:
                del self._orgs[organization.id]
            else:
                self._orgs[organization.id] = previous
                if previous.uscc is not None:
                    self._by_uscc[previous.uscc] = previous.id

        self._store.on_rollback(undo)

    def add(self, organization: Organization) -> None:
        """Store a new organization (see the protocol)."""
        with self._store.transaction():
            if organization.id in self._orgs:
                raise ConflictError(
                    "an organization with this id already exists",
                    "已存在相同标识的组织",
                    code="registry.organization_exists",
                    path="$.id",
                )
            self._check(organization)
            self._put(organization)

    def update(self, organization: Organization) -> None:
        """Replace a stored organization (see the protocol)."""
        with self._store.transaction():
            if organization.id not in self._orgs:
                raise _organization_not_found()
            self._check(organization)
            self._put(organization)

    def get(self, organization_id: str) -> Organization:
        """Return an organization (see the protocol)."""
        require_open(self._store)
        try:
            return self._orgs[organization_id]
        except (KeyError, TypeError):
            pass  # raised below, outside the handler: the KeyError holds the id given
        raise _organization_not_found()

    def find_by_uscc(self, uscc: str) -> Organization | None:
        """Return the organization with a USCC (see the protocol)."""
        require_open(self._store)
        found = self._by_uscc.get(uscc)
        return None if found is None else self._orgs[found]

    def children(self, parent_id: str) -> list[Organization]:
        """Return the organizations under ``parent_id`` (see the protocol)."""
        require_open(self._store)
        return sorted(
            (o for o in self._orgs.values() if o.parent_id == parent_id), key=lambda o: o.id
        )

    def iter(self) -> Iterator[Organization]:
        """Stream every organization in id order (see the protocol)."""
        return handed_out(self._store, sorted(self._orgs.values(), key=lambda o: o.id))

    def count(self) -> int:
        """Return how many organizations are stored."""
        require_open(self._store)
        return len(self._orgs)


def _membership_not_found() -> NotFoundError:
    return NotFoundError(
        "membership not found", "未找到成员关系", code="registry.membership_not_found"
    )


class MemoryMembershipRepository:
    """:class:`~volunteerkit.registry.store.MembershipRepository` in dicts."""

    def __init__(
        self,
        store: MemoryStore,
        volunteers: MemoryVolunteerRepository,
        organizations: MemoryOrganizationRepository,
    ) -> None:
        self._store = store
        self._volunteers = volunteers
        self._organizations = organizations
        self._items: dict[str, Membership] = {}
        self._active: dict[tuple[str, str], str] = {}

    def _check(self, membership: Membership) -> None:
        if (
            membership.volunteer_id not in self._volunteers._records
            or membership.organization_id not in self._organizations._orgs
        ):
            raise IntegrityError(
                "the membership names a volunteer or organization that does not exist",
                "成员关系引用的志愿者或组织不存在",
                code="registry.unknown_reference",
                path="$",
            )
        if membership.active:
            holder = self._active.get((membership.volunteer_id, membership.organization_id))
            if holder is not None and holder != membership.id:
                raise ConflictError(
                    "the volunteer is already an active member of this organization",
                    "该志愿者已是该组织的在册成员",
                    code="registry.already_member",
                    path="$.organization_id",
                )

    def _put(self, membership: Membership) -> None:
        previous = self._items.get(membership.id)
        if previous is not None and previous.active:
            del self._active[(previous.volunteer_id, previous.organization_id)]
        self._items[membership.id] = membership
        if membership.active:
            self._active[(membership.volunteer_id, membership.organization_id)] = membership.id

        def undo() -> None:
            if membership.active:
                del self._active[(membership.volunteer_id, membership.organization_id)]
            if previous is None:
                del self._items[membership.id]
            else:
                self._items[membership.id] = previous
                if previous.active:
                    self._active[(previous.volunteer_id, previous.organization_id)] = previous.id

        self._store.on_rollback(undo)

    def add(self, membership: Membership) -> None:
        """Store a new membership (see the protocol)."""
        with self._store.transaction():
            if membership.id in self._items:
                raise ConflictError(
                    "a membership with this id already exists",
                    "已存在相同标识的成员关系",
                    code="registry.membership_exists",
                    path="$.id",
                )
            self._check(membership)
            self._put(membership)

    def update(self, membership: Membership) -> None:
        """Replace a stored membership (see the protocol)."""
        with self._store.transaction():
            if membership.id not in self._items:
                raise _membership_not_found()
            self._check(membership)
            self._put(membership)

    def get(self, membership_id: str) -> Membership:
        """Return a membership (see the protocol)."""
        require_open(self._store)
        try:
            return self._items[membership_id]
        except (KeyError, TypeError):
            pass  # raised below, outside the handler: the KeyError holds the id given
        raise _membership_not_found()

    def active(self, volunteer_id: str, organization_id: str) -> Membership | None:
        """Return the active membership of a volunteer in an organization (see the protocol)."""
        require_open(self._store)
        found = self._active.get((volunteer_id, organization_id))
        return None if found is None else self._items[found]

    def for_volunteer(self, volunteer_id: str, *, active_only: bool = False) -> list[Membership]:
        """Return a volunteer's memberships (see the protocol)."""
        require_open(self._store)
        return sorted(
            (
                m
                for m in self._items.values()
                if m.volunteer_id == volunteer_id and (m.active or not active_only)
            ),
            key=_by_joined_at,
        )

    def for_organization(
        self, organization_id: str, *, active_only: bool = False
    ) -> Iterator[Membership]:
        """Stream an organization's memberships (see the protocol)."""
        return handed_out(
            self._store,
            sorted(
                (
                    m
                    for m in self._items.values()
                    if m.organization_id == organization_id and (m.active or not active_only)
                ),
                key=_by_joined_at,
            ),
        )

    def count(self) -> int:
        """Return how many memberships are stored."""
        require_open(self._store)
        return len(self._items)


def _by_joined_at(m: Membership) -> tuple[datetime, str]:
    """The order of the SQL stores: by instant (``<`` ignores ``fold`` within one zone), then id."""
    return (m.joined_at.astimezone(UTC), m.id)


def memory_registry_repositories(
    store: MemoryStore,
) -> tuple[MemoryVolunteerRepository, MemoryOrganizationRepository, MemoryMembershipRepository]:
    """Return the registry's three repositories for a memory store.

    Args:
        store: The store they belong to (for transactions).

    Returns:
        ``(volunteers, organizations, memberships)``.
    """
    volunteers = MemoryVolunteerRepository(store)
    organizations = MemoryOrganizationRepository(store)
    return volunteers, organizations, MemoryMembershipRepository(store, volunteers, organizations)
