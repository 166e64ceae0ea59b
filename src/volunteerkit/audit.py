"""The audit log: an append-only record of who did what to which subject, when, and why.

Every part of volunteerkit writes here (registrations, merges, approvals, corrections, transfers,
awards). The model is :class:`AuditEntry`; the storage contract (port) is :class:`AuditLog`, which every
store backend implements as ``store.audit``.

Appending is idempotent: appending an entry whose id is already stored with the same content does
nothing, and appending a *different* entry under an existing id raises
:class:`~volunteerkit.errors.ConflictError`. Entries are never updated or deleted.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Protocol, runtime_checkable

import attrs

from volunteerkit._clock import Clock, require_instant
from volunteerkit._ids import new_id
from volunteerkit._text import unstorable
from volunteerkit.errors import InvalidInputError

__all__ = [
    "MAX_LIMIT",
    "AuditEntry",
    "AuditLog",
    "check_entries",
    "check_entry",
    "check_filters",
    "check_id",
    "check_limit",
    "record",
]

_MAX_TEXT = 10_000

MAX_LIMIT = 2**63 - 1
"""The largest ``limit`` of :meth:`AuditLog.query`: SQLite's and PostgreSQL's ``LIMIT`` is 64-bit."""


def _at_utc(value: datetime) -> datetime:
    """The instant in UTC: one form on every store (``==`` ignores ``fold`` within one zone)."""
    return require_instant(value, "$.at").astimezone(UTC)


def _no_nul(attribute: attrs.Attribute[str], value: str) -> None:
    if unstorable(value):  # see volunteerkit._text
        raise InvalidInputError(
            "text must not contain NUL characters or lone surrogates",
            "文本不得包含 NUL 字符或孤立代理字符",
            code="audit.nul_character",
            path=f"$.{attribute.name}",
        )


def _not_text(attribute: attrs.Attribute[str]) -> InvalidInputError:
    return InvalidInputError(
        "must be a string", "必须是字符串", code="audit.invalid_field", path=f"$.{attribute.name}"
    )


def _text(_inst: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str):
        raise _not_text(attribute)
    if len(value) > _MAX_TEXT:
        raise InvalidInputError(
            "text must be at most 10,000 characters",
            "文本不得超过 10000 个字符",
            code="audit.too_long",
            path=f"$.{attribute.name}",
        )
    _no_nul(attribute, value)


def _nonempty(_inst: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str):
        raise _not_text(attribute)
    _no_nul(attribute, value)
    if not value or len(value) > 200:
        raise InvalidInputError(
            "must be a non-empty string of at most 200 characters",
            "必须是非空且不超过 200 个字符的字符串",
            code="audit.invalid_field",
            path=f"$.{attribute.name}",
        )


def _details(
    _inst: object, attribute: attrs.Attribute[dict[str, str]], value: dict[str, str]
) -> None:
    if not isinstance(value, dict):  # a list of pairs, None: not a mapping of strings
        raise InvalidInputError(
            "details must be a dict mapping strings to strings",
            "details 必须是字符串到字符串的字典",
            code="audit.invalid_details",
            path=f"$.{attribute.name}",
        )
    for key, val in value.items():
        if (
            not isinstance(key, str)
            or not isinstance(val, str)
            or len(val) > _MAX_TEXT
            or unstorable(key)
            or unstorable(val)
        ):
            raise InvalidInputError(
                "details must map strings to strings (at most 10,000 characters, no NUL or lone "
                "surrogates)",
                "details 必须是字符串到字符串的映射(不超过 10000 个字符,不含 NUL 或孤立代理字符)",
                code="audit.invalid_details",
                path=f"$.{attribute.name}",
            )


@attrs.frozen(kw_only=True)
class AuditEntry:
    """One audit record.

    Attributes:
        id: Unique, time-ordered id (UUIDv7 text from :func:`volunteerkit.new_id`).
        at: When it happened (timezone-aware; kept as the instant in UTC, so every store gives back
            the same value and two entries are equal when their instants are).
        actor: Who did it (a user or system id; never a personal identity number).
        action: What was done, as a dotted verb such as ``volunteer.register``.
        subject_type: The kind of thing acted on, such as ``volunteer``.
        subject_id: The id of the thing acted on.
        reason: Why, in free text (may be empty).
        details: Extra string facts (no personal data: pass masked values).

    Raises:
        InvalidInputError: At the field's path: ``audit.invalid_field`` for a field that is not
            text (or an empty or over 200-character ``id``, ``actor``, ``action``,
            ``subject_type`` or ``subject_id``), ``audit.nul_character`` for text with a NUL or
            a lone surrogate, ``audit.too_long`` for a ``reason`` that is too long,
            ``audit.invalid_details`` (``$.details``) for details that are not a dict of text to
            text; ``time.not_datetime`` or ``time.out_of_range`` at ``$.at``.
        NaiveDatetimeError: ``time.naive_datetime`` at ``$.at``.
    """

    id: str = attrs.field(validator=_nonempty)
    at: datetime = attrs.field(converter=_at_utc)
    actor: str = attrs.field(validator=_nonempty)
    action: str = attrs.field(validator=_nonempty)
    subject_type: str = attrs.field(validator=_nonempty)
    subject_id: str = attrs.field(validator=_nonempty)
    reason: str = attrs.field(default="", validator=_text)
    details: dict[str, str] = attrs.field(factory=dict, validator=_details, hash=False)


def record(
    clock: Clock,
    *,
    actor: str,
    action: str,
    subject_type: str,
    subject_id: str,
    reason: str = "",
    details: dict[str, str] | None = None,
) -> AuditEntry:
    """Build an :class:`AuditEntry` stamped with ``clock`` and a new time-ordered id.

    Args:
        clock: The clock that says when.
        actor: Who did it.
        action: What was done (dotted verb).
        subject_type: The kind of subject.
        subject_id: The subject's id.
        reason: Why.
        details: Extra string facts (no personal data).

    Returns:
        The entry, ready for :meth:`AuditLog.append`.

    Raises:
        InvalidInputError: ``audit.clock`` at ``$.clock`` if ``clock`` is not a
            :class:`~volunteerkit.Clock`; the codes of :class:`AuditEntry` for a bad field
            (``details`` that is not a dict of strings is ``audit.invalid_details``, as it is
            for :class:`AuditEntry` itself).
    """
    if not isinstance(clock, Clock):  # a bare AttributeError later
        raise InvalidInputError(
            "clock must be a Clock (such as SystemClock or FixedClock)",
            "clock 必须是 Clock(例如 SystemClock 或 FixedClock)",
            code="audit.clock",
            path="$.clock",
        )
    return AuditEntry(
        id=new_id(clock),
        at=clock.now(),
        actor=actor,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        reason=reason,
        # a copy of a dict; anything else as given, for the entry's own check to refuse
        details={} if details is None else dict(details) if isinstance(details, dict) else details,
    )


def check_entry(entry: object, path: str) -> AuditEntry:
    """Return ``entry`` if it is an :class:`AuditEntry`, for a store's ``append``.

    Args:
        entry: What was passed to be appended.
        path: Its path, such as ``$.entry`` or ``$.entries[3]``.

    Returns:
        The entry.

    Raises:
        InvalidInputError: ``audit.invalid_entry`` at ``path`` if it is anything else.
    """
    if not isinstance(entry, AuditEntry):
        raise _not_entry(path)
    return entry


def check_entries(entries: object) -> Iterator[AuditEntry]:
    """Stream ``entries`` checked by :func:`check_entry`, for a store's ``append_many``.

    Args:
        entries: What was passed to be appended.

    Returns:
        The entries, each checked as it is read.

    Raises:
        InvalidInputError: ``audit.invalid_entry`` at ``$.entries`` at once if ``entries`` is not
            iterable; at ``$.entries[i]`` when an item that is not an entry is read.
    """
    try:
        items = iter(entries)  # type: ignore[call-overload]
    except TypeError:  # None, a number, an entry passed alone
        raise _not_entry("$.entries") from None
    return (check_entry(item, f"$.entries[{i}]") for i, item in enumerate(items))


def _not_entry(path: str) -> InvalidInputError:
    return InvalidInputError(
        "expected an AuditEntry (see volunteerkit.audit.record)",
        "应为 AuditEntry(见 volunteerkit.audit.record)",
        code="audit.invalid_entry",
        path=path,
    )


def check_id(entry_id: object) -> str:
    """Return the id of :meth:`AuditLog.get` if it is text, for every store alike.

    A value that is not a ``str`` is refused before any backend compares it by its own rules
    (SQLite would find the entry ``"5"`` by the number 5, PostgreSQL refuses the statement, a
    dict cannot hash a list). Text that no entry can have finds nothing.

    Args:
        entry_id: The id given.

    Returns:
        ``entry_id``.

    Raises:
        InvalidInputError: ``audit.invalid_field`` at ``$.entry_id``.
    """
    if not isinstance(entry_id, str):
        raise _not_a_string("$.entry_id")
    return entry_id


def check_filters(**filters: object) -> None:
    """Refuse a text filter of :meth:`AuditLog.query` that is neither ``None`` nor a ``str``.

    Args:
        **filters: ``subject_type``, ``subject_id``, ``actor`` and ``action`` as given.

    Raises:
        InvalidInputError: ``audit.invalid_field`` at ``$.<filter>`` (see :func:`check_id`).
    """
    for name, value in filters.items():
        if value is not None and not isinstance(value, str):
            raise _not_a_string(f"$.{name}")


def _not_a_string(path: str) -> InvalidInputError:
    return InvalidInputError("must be a string", "必须是字符串", code="audit.invalid_field", path=path)


def check_limit(limit: object) -> int | None:
    """Return the ``limit`` of :meth:`AuditLog.query` if every store can take it.

    Args:
        limit: ``None`` (no limit) or a whole number of entries from 0 to :data:`MAX_LIMIT`.

    Returns:
        ``limit`` unchanged.

    Raises:
        InvalidInputError: ``audit.limit`` at ``$.limit`` if it is not an ``int`` (a ``bool``,
            a float, a string) or is negative; ``store.out_of_range`` at ``$.limit``, as SQLite
            refuses it, if it is above :data:`MAX_LIMIT`.
    """
    if limit is None:
        return None
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
        raise InvalidInputError(
            "the limit must be a whole number of entries, 0 or more",
            "limit 必须是大于或等于 0 的整数",
            code="audit.limit",
            path="$.limit",
        )
    if limit > MAX_LIMIT:
        raise InvalidInputError(
            "a number too large for the database",
            "数字超出数据库可保存的范围",
            code="store.out_of_range",
            path="$.limit",
        )
    return limit


@runtime_checkable
class AuditLog(Protocol):
    """Storage contract for the audit log (implemented by every store as ``store.audit``)."""

    def append(self, entry: AuditEntry) -> bool:
        """Append one entry.

        Args:
            entry: The entry.

        Returns:
            ``True`` if it was written, ``False`` if the identical entry was already stored.

        Raises:
            ConflictError: If a different entry with the same id is stored.
            InvalidInputError: ``audit.invalid_entry`` at ``$.entry`` if ``entry`` is not an
                :class:`AuditEntry` (see :func:`check_entry`).
        """
        ...

    def append_many(self, entries: Iterable[AuditEntry]) -> int:
        """Append many entries atomically (all or none), streaming.

        Args:
            entries: The entries, in any order.

        Returns:
            How many were newly written (identical replays are not counted).

        Raises:
            ConflictError: If any entry clashes with a different stored entry; nothing is written.
            InvalidInputError: ``audit.invalid_entry`` at ``$.entries`` (not iterable) or
                ``$.entries[i]`` (not an :class:`AuditEntry`); nothing is written.
        """
        ...

    def get(self, entry_id: str) -> AuditEntry:
        """Return the entry with ``entry_id``.

        Raises:
            NotFoundError: If there is none.
            InvalidInputError: ``audit.invalid_field`` at ``$.entry_id`` if ``entry_id`` is not a
                ``str`` (see :func:`check_id`).
        """
        ...

    def query(
        self,
        *,
        subject_type: str | None = None,
        subject_id: str | None = None,
        actor: str | None = None,
        action: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int | None = None,
    ) -> Iterator[AuditEntry]:
        """Stream entries matching every given filter, ordered by ``(at, id)``.

        Args:
            subject_type: Only this kind of subject.
            subject_id: Only this subject id.
            actor: Only this actor.
            action: Only this action.
            since: Only entries at or after this instant (inclusive).
            until: Only entries before this instant (exclusive).
            limit: At most this many entries: ``None`` or an ``int`` from 0 to
                :data:`MAX_LIMIT` (see :func:`check_limit`).

        Returns:
            An iterator of entries.

        Raises:
            NaiveDatetimeError: If ``since`` or ``until`` is naive.
            InvalidInputError: ``audit.limit`` if ``limit`` is not an ``int`` or is negative;
                ``store.out_of_range`` if it is above :data:`MAX_LIMIT` (both at ``$.limit``);
                ``audit.invalid_field`` at ``$.<filter>`` if a text filter is neither ``None``
                nor a ``str`` (see :func:`check_filters`).
        """
        ...

    def count(self) -> int:
        """Return how many entries are stored."""
        ...
