"""The registry's repositories on the SQL backends (one implementation for SQLite and PostgreSQL).

Rows hold the blind index (unique), the masked number and the sealed number (ciphertext, or the
plain canonical number without an encryption key) in their own columns, and the rest of the
volunteer as JSON in ``profile`` (which never contains an identity number). Writes that may hit a
constraint run in a savepoint on PostgreSQL, so a refused write leaves the surrounding transaction
usable (SQLite undoes just the refused statement by itself), and the backend's generic error is
replaced by the registry's specific code.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from volunteerkit._serialization import converter, dumps, loads
from volunteerkit.errors import ConflictError, IntegrityError, NotFoundError
from volunteerkit.registry.models import (
    Membership,
    MembershipEnd,
    MembershipRole,
    Organization,
    SealedNumber,
    VerificationStatus,
    Volunteer,
    VolunteerRecord,
    VolunteerStatus,
)
from volunteerkit.stores._base import SQLDatabase, unstorable_key

__all__ = [
    "SQLMembershipRepository",
    "SQLOrganizationRepository",
    "SQLVolunteerRepository",
    "sql_registry_repositories",
]

_V_COLUMNS = (
    "id, status, registered_at, merged_into, doc_index, doc_scheme, doc_masked, doc_key_id, "
    "doc_payload, guardian_doc, profile"
)
_V_INSERT = (
    f"INSERT INTO vk_volunteers ({_V_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT DO NOTHING"
)
_V_UPDATE = (
    "UPDATE vk_volunteers SET status = ?, registered_at = ?, merged_into = ?, doc_index = ?, "
    "doc_scheme = ?, doc_masked = ?, doc_key_id = ?, doc_payload = ?, guardian_doc = ?, "
    "profile = ? WHERE id = ?"
)
_V_SELECT = f"SELECT {_V_COLUMNS} FROM vk_volunteers"


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


def _guarded(db: SQLDatabase) -> AbstractContextManager[None]:
    """Return a savepoint for a statement the database may refuse, where needed.

    On PostgreSQL a refused statement aborts the whole transaction unless it ran in a savepoint.
    SQLite undoes only the refused statement and carries on, so it needs none (which saves two
    statements a write).
    """
    return nullcontext() if db.backend == "sqlite" else db.atomic()


_unstructure_volunteer = converter.get_unstructure_hook(Volunteer)
_structure_volunteer = converter.get_structure_hook(Volunteer)
_unstructure_sealed = converter.get_unstructure_hook(SealedNumber)
_structure_sealed = converter.get_structure_hook(SealedNumber)


class SQLVolunteerRepository:
    """:class:`~volunteerkit.registry.store.VolunteerRepository` over a :class:`SQLDatabase`."""

    def __init__(self, db: SQLDatabase) -> None:
        self._db = db

    def row(self, record: VolunteerRecord) -> tuple[Any, ...]:
        """Return the row that stores ``record``, in the column order of an insert.

        Args:
            record: The record.

        Returns:
            The values of ``id, status, registered_at, merged_into, doc_index, doc_scheme,
            doc_masked, doc_key_id, doc_payload, guardian_doc, profile``.
        """
        v = record.volunteer
        doc = record.document
        guardian = record.guardian_document
        return (
            v.id,
            v.status.value,
            self._db.to_db_time(v.registered_at),
            v.merged_into,
            record.document_index,
            None if doc is None else doc.scheme,
            None if doc is None else doc.masked,
            None if doc is None else doc.key_id,
            None if doc is None else doc.payload,
            None if guardian is None else dumps(_unstructure_sealed(guardian)),
            dumps(_unstructure_volunteer(v)),
        )

    @staticmethod
    def _record(row: tuple[Any, ...]) -> VolunteerRecord:
        document = None
        if row[5] is not None:
            document = SealedNumber(scheme=row[5], masked=row[6], key_id=row[7], payload=row[8])
        return VolunteerRecord(
            volunteer=_structure_volunteer(loads(row[10]), Volunteer),
            document=document,
            document_index=row[4],
            guardian_document=None
            if row[9] is None
            else _structure_sealed(loads(row[9]), SealedNumber),
        )

    def _exists(self, volunteer_id: str) -> bool:
        return (
            self._db.fetchone("SELECT 1 FROM vk_volunteers WHERE id = ?", (volunteer_id,))
            is not None
        )

    def add(self, record: VolunteerRecord) -> None:
        """Store a new record (see the protocol)."""
        if record.volunteer.merged_into is None:
            # Nothing but a uniqueness conflict can refuse this row, and ON CONFLICT DO NOTHING
            # absorbs those without aborting the transaction: no savepoint needed.
            written = self._db.execute(_V_INSERT, self.row(record))
        else:
            try:
                with _guarded(self._db):
                    written = self._db.execute(_V_INSERT, self.row(record))
            except IntegrityError:
                raise _unknown_merge_target() from None
        if written == 0:
            if self._exists(record.id):
                raise ConflictError(
                    "a volunteer with this id already exists",
                    "已存在相同标识的志愿者",
                    code="registry.volunteer_exists",
                    path="$.id",
                )
            raise _duplicate_document()

    def update(self, record: VolunteerRecord) -> None:
        """Replace a stored record (see the protocol)."""
        row = self.row(record)
        try:
            with _guarded(self._db):
                changed = self._db.execute(_V_UPDATE, (*row[1:], row[0]))
        except ConflictError:
            raise _duplicate_document() from None
        except IntegrityError:
            raise _unknown_merge_target() from None
        if changed == 0:
            raise _volunteer_not_found()

    def get(self, volunteer_id: str) -> VolunteerRecord:
        """Return a record (see the protocol)."""
        if unstorable_key(volunteer_id):  # no record holds it: see _base.unstorable_key
            raise _volunteer_not_found()
        row = self._db.fetchone(f"{_V_SELECT} WHERE id = ?", (volunteer_id,))
        if row is None:
            raise _volunteer_not_found()
        return self._record(row)

    def find_by_index(self, candidates: Sequence[str]) -> VolunteerRecord | None:
        """Return the record holding one of the blind indexes (see the protocol)."""
        found = None  # the first by id of the chunks' firsts (a 9-character 回乡证 has 101 a key)
        candidates = [c for c in candidates if not unstorable_key(c)]
        for i in range(0, len(candidates), 500):  # builds before SQLite 3.32 allow 999 variables
            chunk = tuple(candidates[i : i + 500])
            marks = ", ".join("?" * len(chunk))
            row = self._db.fetchone(
                f"{_V_SELECT} WHERE doc_index IN ({marks}) ORDER BY id LIMIT 1", chunk
            )
            if row is not None and (found is None or row[0] < found[0]):
                found = row
        return None if found is None else self._record(found)

    def merged_into(self, volunteer_id: str) -> list[VolunteerRecord]:
        """Return the records merged into ``volunteer_id`` (see the protocol)."""
        if unstorable_key(volunteer_id):
            return []
        rows = self._db.fetchall(f"{_V_SELECT} WHERE merged_into = ? ORDER BY id", (volunteer_id,))
        return [self._record(row) for row in rows]

    def iter(self, *, status: VolunteerStatus | None = None) -> Iterator[VolunteerRecord]:
        """Stream records in id order (see the protocol)."""
        if status is None:
            rows = self._db.stream(f"{_V_SELECT} ORDER BY id")
        else:
            rows = self._db.stream(f"{_V_SELECT} WHERE status = ? ORDER BY id", (status.value,))
        return (self._record(row) for row in rows)

    def count(self, *, status: VolunteerStatus | None = None) -> int:
        """Return how many records are stored (see the protocol)."""
        if status is None:
            row = self._db.fetchone("SELECT COUNT(*) FROM vk_volunteers")
        else:
            row = self._db.fetchone(
                "SELECT COUNT(*) FROM vk_volunteers WHERE status = ?", (status.value,)
            )
        return int(row[0]) if row else 0


_O_COLUMNS = "id, name, uscc, region, verification, parent_id, registered_at"
_O_SELECT = f"SELECT {_O_COLUMNS} FROM vk_organizations"


def _organization_not_found() -> NotFoundError:
    return NotFoundError(
        "organization not found", "未找到组织", code="registry.organization_not_found"
    )


def _unknown_parent() -> IntegrityError:
    return IntegrityError(
        "the parent organization does not exist",
        "上级组织不存在",
        code="registry.unknown_parent",
        path="$.parent_id",
    )


def _duplicate_uscc() -> ConflictError:
    return ConflictError(
        "another organization has this Unified Social Credit Code",
        "已有其他组织使用该统一社会信用代码",
        code="registry.duplicate_uscc",
        path="$.uscc",
    )


class SQLOrganizationRepository:
    """:class:`~volunteerkit.registry.store.OrganizationRepository` over a :class:`SQLDatabase`."""

    def __init__(self, db: SQLDatabase) -> None:
        self._db = db

    def _row(self, o: Organization) -> tuple[Any, ...]:
        return (
            o.id,
            o.name,
            o.uscc,
            o.region,
            o.verification.value,
            o.parent_id,
            self._db.to_db_time(o.registered_at),
        )

    def _organization(self, row: tuple[Any, ...]) -> Organization:
        return Organization(
            id=row[0],
            name=row[1],
            uscc=row[2],
            region=row[3],
            verification=VerificationStatus(row[4]),
            parent_id=row[5],
            registered_at=self._db.from_db_time(row[6]),
        )

    def add(self, organization: Organization) -> None:
        """Store a new organization (see the protocol)."""
        try:
            with _guarded(self._db):
                written = self._db.execute(
                    f"INSERT INTO vk_organizations ({_O_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT DO NOTHING",
                    self._row(organization),
                )
        except IntegrityError:
            raise _unknown_parent() from None
        if written == 0:
            found = self._db.fetchone(
                "SELECT 1 FROM vk_organizations WHERE id = ?", (organization.id,)
            )
            if found is not None:
                raise ConflictError(
                    "an organization with this id already exists",
                    "已存在相同标识的组织",
                    code="registry.organization_exists",
                    path="$.id",
                )
            raise _duplicate_uscc()

    def update(self, organization: Organization) -> None:
        """Replace a stored organization (see the protocol)."""
        row = self._row(organization)
        try:
            with _guarded(self._db):
                changed = self._db.execute(
                    "UPDATE vk_organizations SET name = ?, uscc = ?, region = ?, verification = ?,"
                    " parent_id = ?, registered_at = ? WHERE id = ?",
                    (*row[1:], row[0]),
                )
        except ConflictError:
            raise _duplicate_uscc() from None
        except IntegrityError:
            raise _unknown_parent() from None
        if changed == 0:
            raise _organization_not_found()

    def get(self, organization_id: str) -> Organization:
        """Return an organization (see the protocol)."""
        if unstorable_key(organization_id):
            raise _organization_not_found()
        row = self._db.fetchone(f"{_O_SELECT} WHERE id = ?", (organization_id,))
        if row is None:
            raise _organization_not_found()
        return self._organization(row)

    def find_by_uscc(self, uscc: str) -> Organization | None:
        """Return the organization with a USCC (see the protocol)."""
        if unstorable_key(uscc):
            return None
        row = self._db.fetchone(f"{_O_SELECT} WHERE uscc = ?", (uscc,))
        return None if row is None else self._organization(row)

    def children(self, parent_id: str) -> list[Organization]:
        """Return the organizations under ``parent_id`` (see the protocol)."""
        if unstorable_key(parent_id):
            return []
        rows = self._db.fetchall(f"{_O_SELECT} WHERE parent_id = ? ORDER BY id", (parent_id,))
        return [self._organization(row) for row in rows]

    def iter(self) -> Iterator[Organization]:
        """Stream every organization in id order (see the protocol)."""
        return (self._organization(row) for row in self._db.stream(f"{_O_SELECT} ORDER BY id"))

    def count(self) -> int:
        """Return how many organizations are stored."""
        row = self._db.fetchone("SELECT COUNT(*) FROM vk_organizations")
        return int(row[0]) if row else 0


_M_COLUMNS = "id, volunteer_id, organization_id, role, joined_at, left_at, end_reason"
_M_SELECT = f"SELECT {_M_COLUMNS} FROM vk_memberships"


def _membership_not_found() -> NotFoundError:
    return NotFoundError(
        "membership not found", "未找到成员关系", code="registry.membership_not_found"
    )


def _unknown_reference() -> IntegrityError:
    return IntegrityError(
        "the membership names a volunteer or organization that does not exist",
        "成员关系引用的志愿者或组织不存在",
        code="registry.unknown_reference",
        path="$",
    )


def _already_member() -> ConflictError:
    return ConflictError(
        "the volunteer is already an active member of this organization",
        "该志愿者已是该组织的在册成员",
        code="registry.already_member",
        path="$.organization_id",
    )


class SQLMembershipRepository:
    """:class:`~volunteerkit.registry.store.MembershipRepository` over a :class:`SQLDatabase`."""

    def __init__(self, db: SQLDatabase) -> None:
        self._db = db

    def row(self, m: Membership) -> tuple[Any, ...]:
        """Return the row that stores ``m``, in the column order of an insert.

        Args:
            m: The membership.

        Returns:
            The values of ``id, volunteer_id, organization_id, role, joined_at, left_at,
            end_reason``.
        """
        return (
            m.id,
            m.volunteer_id,
            m.organization_id,
            m.role.value,
            self._db.to_db_time(m.joined_at),
            None if m.left_at is None else self._db.to_db_time(m.left_at),
            None if m.end is None else m.end.value,
        )

    def _membership(self, row: tuple[Any, ...]) -> Membership:
        return Membership(
            id=row[0],
            volunteer_id=row[1],
            organization_id=row[2],
            role=MembershipRole(row[3]),
            joined_at=self._db.from_db_time(row[4]),
            left_at=None if row[5] is None else self._db.from_db_time(row[5]),
            end=None if row[6] is None else MembershipEnd(row[6]),
        )

    def add(self, membership: Membership) -> None:
        """Store a new membership (see the protocol)."""
        try:
            with _guarded(self._db):
                written = self._db.execute(
                    f"INSERT INTO vk_memberships ({_M_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT DO NOTHING",
                    self.row(membership),
                )
        except IntegrityError:
            raise _unknown_reference() from None
        if written == 0:
            found = self._db.fetchone("SELECT 1 FROM vk_memberships WHERE id = ?", (membership.id,))
            if found is not None:
                raise ConflictError(
                    "a membership with this id already exists",
                    "已存在相同标识的成员关系",
                    code="registry.membership_exists",
                    path="$.id",
                )
            raise _already_member()

    def update(self, membership: Membership) -> None:
        """Replace a stored membership (see the protocol)."""
        row = self.row(membership)
        try:
            with _guarded(self._db):
                changed = self._db.execute(
                    "UPDATE vk_memberships SET volunteer_id = ?, organization_id = ?, role = ?, "
                    "joined_at = ?, left_at = ?, end_reason = ? WHERE id = ?",
                    (*row[1:], row[0]),
                )
        except ConflictError:
            raise _already_member() from None
        except IntegrityError:
            raise _unknown_reference() from None
        if changed == 0:
            raise _membership_not_found()

    def get(self, membership_id: str) -> Membership:
        """Return a membership (see the protocol)."""
        if unstorable_key(membership_id):
            raise _membership_not_found()
        row = self._db.fetchone(f"{_M_SELECT} WHERE id = ?", (membership_id,))
        if row is None:
            raise _membership_not_found()
        return self._membership(row)

    def active(self, volunteer_id: str, organization_id: str) -> Membership | None:
        """Return the active membership of a volunteer in an organization (see the protocol)."""
        if unstorable_key(volunteer_id) or unstorable_key(organization_id):
            return None
        row = self._db.fetchone(
            f"{_M_SELECT} WHERE volunteer_id = ? AND organization_id = ? AND left_at IS NULL",
            (volunteer_id, organization_id),
        )
        return None if row is None else self._membership(row)

    def for_volunteer(self, volunteer_id: str, *, active_only: bool = False) -> list[Membership]:
        """Return a volunteer's memberships (see the protocol)."""
        if unstorable_key(volunteer_id):
            return []
        extra = " AND left_at IS NULL" if active_only else ""
        rows = self._db.fetchall(
            f"{_M_SELECT} WHERE volunteer_id = ?{extra} ORDER BY joined_at, id", (volunteer_id,)
        )
        return [self._membership(row) for row in rows]

    def for_organization(
        self, organization_id: str, *, active_only: bool = False
    ) -> Iterator[Membership]:
        """Stream an organization's memberships (see the protocol)."""
        if unstorable_key(organization_id):
            return iter(())
        extra = " AND left_at IS NULL" if active_only else ""
        rows = self._db.stream(
            f"{_M_SELECT} WHERE organization_id = ?{extra} ORDER BY joined_at, id",
            (organization_id,),
        )
        return (self._membership(row) for row in rows)

    def count(self) -> int:
        """Return how many memberships are stored."""
        row = self._db.fetchone("SELECT COUNT(*) FROM vk_memberships")
        return int(row[0]) if row else 0


def sql_registry_repositories(
    db: SQLDatabase,
) -> tuple[SQLVolunteerRepository, SQLOrganizationRepository, SQLMembershipRepository]:
    """Return the registry's three repositories over ``db``.

    Args:
        db: The backend's database adapter.

    Returns:
        ``(volunteers, organizations, memberships)``.
    """
    return SQLVolunteerRepository(db), SQLOrganizationRepository(db), SQLMembershipRepository(db)
