"""The storage contract (port) of awards: the award ledger, recommendations, and credit to read.

The award ledger keeps **records**, append-only: a :class:`Grant` says a subject was awarded a level
(under a key, see :attr:`~volunteerkit.awards.Achievement.key`), a :class:`Revocation` says the
award was withdrawn and why. From them follows what each subject currently *holds*: a key is held
after a grant until a revocation. Writes are idempotent:

* granting a key the subject already holds writes nothing (whatever the new grant's id or time);
* revoking a key the subject does not hold writes nothing;
* a record whose id is already stored with the same content writes nothing (a replay); with
  different content it raises :class:`~volunteerkit.errors.ConflictError` (``awards.conflict``).

So replaying a batch of grants and revocations, or running the same award batch twice, changes
nothing. A revoked key can be granted again later (a new grant record).

Recommendations (:class:`Recommendation`) are kept per subject and level; levels that need one are
granted only when it is there.

For batch evaluation the same repository reads the hours ledger's credit rows valid at an instant,
streamed per volunteer (:meth:`AwardRepository.credit_lines`), summed per volunteer inside the
store (:meth:`AwardRepository.credit_totals`), or reduced to the rows at which running sums reach
thresholds (:meth:`AwardRepository.credit_crossings`, what batch awarding of plain hour levels
needs).

Backends: :class:`~volunteerkit.stores.MemoryStore`, :class:`~volunteerkit.stores.SQLiteStore` and
:class:`~volunteerkit.stores.PostgresStore` implement :class:`AwardRepository` as ``store.awards``;
:mod:`volunteerkit.testing.conformance_awards` checks that they agree.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, date, datetime
from typing import Any, Protocol, TypeAlias, TypeVar, runtime_checkable

import attrs

from volunteerkit._clock import require_aware
from volunteerkit._text import unstorable
from volunteerkit.audit import AuditLog
from volunteerkit.awards.rules import Counting
from volunteerkit.errors import InvalidInputError
from volunteerkit.hours.models import EntryId

__all__ = [
    "CREDIT_COLUMNS",
    "MAX_CREDIT",
    "MAX_ID_BYTES",
    "AwardRecord",
    "AwardRepository",
    "AwardStore",
    "CreditTuple",
    "CrossingTuple",
    "DayTotalsTuple",
    "Grant",
    "Recommendation",
    "Revocation",
    "TotalsTuple",
    "check_counting",
    "check_ids",
    "check_minimum",
    "check_records",
    "check_thresholds",
    "counting_sql",
]


MAX_CREDIT: int = 2**63 - 1
"""The largest total or offset of credit a store keeps (64-bit integers). SQLite cannot store or
even compare with a larger number, so an offset, minimum or threshold beyond it is refused on every
backend alike."""


MAX_ID_BYTES: int = 600
"""The most UTF-8 bytes of an id or name on an award record (besides at most 200 characters).

PostgreSQL indexes the held award under ``(rule_set_id, subject_id, level_id, key)`` and refuses
an index row over 2,704 bytes: four 200-character ids of 4-byte characters (3,200 bytes) were
stored by memory and SQLite only. 200 characters of the Basic Multilingual Plane always fit."""


def _invalid(attribute: attrs.Attribute[Any], message: str, message_zh: str) -> InvalidInputError:
    """The error of a record field that breaks its rule (code ``awards.input.invalid``)."""
    return InvalidInputError(
        message, message_zh, code="awards.input.invalid", path=f"$.{attribute.name}"
    )


def _text(_instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    if (
        not isinstance(value, str)
        or not value.strip()
        or len(value) > 200
        or unstorable(value)
        or len(value.encode("utf-8")) > MAX_ID_BYTES
    ):
        raise _invalid(
            attribute,
            "must be non-empty text of at most 200 characters (600 bytes in UTF-8)",
            "必须是不超过 200 个字符(UTF-8 编码不超过 600 字节)的非空文本",
        )


def _long_text(_instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str) or len(value) > 4000 or unstorable(value):
        raise _invalid(
            attribute, "must be text of at most 4,000 characters", "必须是不超过 4000 个字符的文本"
        )


def _count(_instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_CREDIT:
        raise _invalid(
            attribute,
            "must be a non-negative integer of at most 2**63 - 1",
            "必须是不超过 2**63 - 1 的非负整数",
        )


def _day(_instance: object, attribute: attrs.Attribute[Any], value: date) -> None:
    if not isinstance(value, date) or isinstance(value, datetime):
        raise _invalid(attribute, "must be a date (not a datetime)", "必须是日期(而非日期时间)")


def _optional_day(instance: object, attribute: attrs.Attribute[Any], value: date | None) -> None:
    if value is not None:
        _day(instance, attribute, value)


def _entry(_instance: object, attribute: attrs.Attribute[Any], value: EntryId) -> None:
    if not isinstance(value, EntryId):
        raise _invalid(attribute, "must be an EntryId", "必须是 EntryId")


def _utc(value: datetime) -> datetime:
    if not isinstance(value, datetime):
        raise InvalidInputError(
            "expected an aware datetime",
            "应为带时区的日期时间",
            code="awards.input.invalid",
            path="$.at",
        )
    return require_aware(value, "$.at").astimezone(UTC)


@attrs.frozen(kw_only=True)
class Grant:
    """A level awarded to a subject.

    Args:
        id: The record's id (a time-ordered UUIDv7 from :func:`volunteerkit.new_id`).
        rule_set_id: The rule set.
        rule_set_version: Its version when granted.
        subject_id: The volunteer or group.
        level_id: The level.
        key: Which award of the level (``once``, a period, ``#2``).
        earned_on: The earned date.
        crossing_entry: The entry whose minutes crossed the threshold.
        consumed_from: First counted minute consumed (offset along the counted stream), at most
            :data:`MAX_CREDIT`.
        consumed_to: Offset just after the last one, at most :data:`MAX_CREDIT`.
        at: When it was granted (aware; stored in UTC).
        actor: Who granted it (a user, or the batch job).
        period_first: First date of the window it was earned in, if bounded.
        period_last: Last date of that window, if bounded.

    Raises:
        InvalidInputError: ``awards.input.invalid`` for a field of the wrong type (a date given as
            text or as a datetime, an entry id given as text) or an offset beyond
            :data:`MAX_CREDIT`.
    """

    id: str = attrs.field(validator=_text)
    rule_set_id: str = attrs.field(validator=_text)
    rule_set_version: str = attrs.field(validator=_text)
    subject_id: str = attrs.field(validator=_text)
    level_id: str = attrs.field(validator=_text)
    key: str = attrs.field(validator=_text)
    earned_on: date = attrs.field(validator=_day)
    crossing_entry: EntryId = attrs.field(validator=_entry)
    consumed_from: int = attrs.field(validator=_count)
    consumed_to: int = attrs.field(validator=_count)
    at: datetime = attrs.field(converter=_utc)
    actor: str = attrs.field(validator=_text)
    period_first: date | None = attrs.field(default=None, validator=_optional_day)
    period_last: date | None = attrs.field(default=None, validator=_optional_day)

    @property
    def award(self) -> tuple[str, str, str, str]:
        """``(rule_set_id, subject_id, level_id, key)``: what is held."""
        return (self.rule_set_id, self.subject_id, self.level_id, self.key)


@attrs.frozen(kw_only=True)
class Revocation:
    """A held award withdrawn, and why.

    Args:
        id: The record's id.
        rule_set_id: The rule set.
        subject_id: The volunteer or group.
        level_id: The level.
        key: Which award of the level.
        at: When (aware; stored in UTC).
        actor: Who revoked it.
        reason_code: Stable code of the reason (``awards.no_longer_supported`` …).
        reason: The reason in English.
        reason_zh: The reason in Chinese.

    Raises:
        InvalidInputError: ``awards.input.invalid`` at the field's path for a field of the wrong
            type (text that is empty, too long or holds a NUL or a lone surrogate; ``at`` that is
            not a datetime).
        NaiveDatetimeError: ``time.naive_datetime`` at ``$.at``.
    """

    id: str = attrs.field(validator=_text)
    rule_set_id: str = attrs.field(validator=_text)
    subject_id: str = attrs.field(validator=_text)
    level_id: str = attrs.field(validator=_text)
    key: str = attrs.field(validator=_text)
    at: datetime = attrs.field(converter=_utc)
    actor: str = attrs.field(validator=_text)
    reason_code: str = attrs.field(validator=_text)
    reason: str = attrs.field(validator=_long_text)
    reason_zh: str = attrs.field(validator=_long_text)

    @property
    def award(self) -> tuple[str, str, str, str]:
        """``(rule_set_id, subject_id, level_id, key)``: what is withdrawn."""
        return (self.rule_set_id, self.subject_id, self.level_id, self.key)


AwardRecord: TypeAlias = Grant | Revocation
"""A record of the award ledger."""


@attrs.frozen(kw_only=True)
class Recommendation:
    """A human recommendation of a subject for a level that needs one.

    Args:
        rule_set_id: The rule set.
        subject_id: The volunteer or group.
        level_id: The level.
        by: Who recommends (an organization or person id).
        at: When (aware; stored in UTC).
        note: Free text.

    Raises:
        InvalidInputError: ``awards.input.invalid`` at the field's path for a field of the wrong
            type (text that is empty, too long or holds a NUL or a lone surrogate; ``at`` that is
            not a datetime).
        NaiveDatetimeError: ``time.naive_datetime`` at ``$.at``.
    """

    rule_set_id: str = attrs.field(validator=_text)
    subject_id: str = attrs.field(validator=_text)
    level_id: str = attrs.field(validator=_text)
    by: str = attrs.field(validator=_text)
    at: datetime = attrs.field(converter=_utc)
    note: str = attrs.field(default="", validator=_long_text)


CreditTuple: TypeAlias = tuple[int, str, str, str, int, int, int]
"""One credit row as the batch reads it: ``(local_date YYYYMMDD, entry_id text, organization_id,
category, raw_minutes, credited_minutes, weighted_micro)``."""

DayTotalsTuple: TypeAlias = tuple[int, int, int, int]
"""One volunteer's sums on one local date: ``(local_date, raw_minutes, credited_minutes,
weighted_micro)``."""

CrossingTuple: TypeAlias = tuple[str, int, int, str, int]
"""One threshold a volunteer's credit reached: ``(kind, threshold, local_date YYYYMMDD, entry_id
text, reached)``: the row at which the running sum first reached the threshold, and the running sum
including that row (see :meth:`AwardRepository.credit_crossings`)."""

TotalsTuple: TypeAlias = tuple[str, int, int, int, int, int]
"""One volunteer's sums: ``(volunteer_id, raw_minutes, credited_minutes, weighted_micro,
first local_date, last local_date)``."""


@runtime_checkable
class AwardRepository(Protocol):
    """Storage contract of awards (``store.awards`` on every backend). Writes are atomic."""

    def grant(self, grants: Sequence[Grant]) -> int:
        """Record grants; a key already held, or a replayed record, is skipped.

        Args:
            grants: The grants.

        Returns:
            How many were newly recorded.

        Raises:
            ConflictError: ``awards.conflict`` if a different record is stored under an id.
            InvalidInputError: ``awards.input.invalid`` if ``grants`` is not a collection
                (``$.grants``) or holds another kind of record (``$.grants[i]``).
        """
        ...

    def revoke(self, revocations: Sequence[Revocation]) -> int:
        """Record revocations; a key not held, or a replayed record, is skipped.

        Args:
            revocations: The revocations.

        Returns:
            How many were newly recorded.

        Raises:
            ConflictError: ``awards.conflict`` if a different record is stored under an id.
            InvalidInputError: ``awards.input.invalid`` if ``revocations`` is not a collection
                (``$.revocations``) or holds another kind of record (``$.revocations[i]``).
        """
        ...

    def held(
        self, rule_set_id: str, subject_ids: Collection[str] | None = None
    ) -> dict[str, list[Grant]]:
        """Return the grants currently held, per subject (all subjects when ``None``).

        Args:
            rule_set_id: The rule set.
            subject_ids: The subjects, or ``None`` for every subject.

        Returns:
            Per subject holding any: its grants ordered by level id and key.

        Raises:
            InvalidInputError: ``awards.input.invalid`` if ``subject_ids`` is one text (``"ab"``
                is not the subjects ``a`` and ``b``) or not a collection of texts.
        """
        ...

    def history(self, rule_set_id: str, subject_id: str) -> list[AwardRecord]:
        """Return every grant and revocation of a subject, ordered by ``(at, id)``.

        Args:
            rule_set_id: The rule set.
            subject_id: The subject.

        Returns:
            The records.
        """
        ...

    def holders(self, rule_set_id: str) -> Iterator[str]:
        """Stream the ids of the subjects holding any award of a rule set, sorted.

        Args:
            rule_set_id: The rule set.

        Returns:
            Subject ids, each once.
        """
        ...

    def count_held(self, rule_set_id: str | None = None) -> int:
        """Return how many awards are held (of one rule set, or of all).

        Args:
            rule_set_id: The rule set, or ``None``.

        Returns:
            The count.
        """
        ...

    def recommend(self, recommendations: Sequence[Recommendation]) -> int:
        """Record recommendations; one already stored for the same level is kept as it is.

        Args:
            recommendations: The recommendations.

        Returns:
            How many were newly recorded.

        Raises:
            InvalidInputError: ``awards.input.invalid`` if ``recommendations`` is not a
                collection (``$.recommendations``) or holds another kind of record
                (``$.recommendations[i]``).
        """
        ...

    def recommendations(
        self, rule_set_id: str, subject_ids: Collection[str], *, as_of: datetime | None = None
    ) -> dict[str, frozenset[str]]:
        """Return the levels each subject has been recommended for.

        Args:
            rule_set_id: The rule set.
            subject_ids: The subjects.
            as_of: Only recommendations made at or before this instant (aware); ``None``: all.

        Returns:
            Level ids per subject that has any.

        Raises:
            NaiveDatetimeError: If ``as_of`` is naive.
            InvalidInputError: ``awards.input.invalid`` if ``subject_ids`` is one text or not a
                collection of texts.
        """
        ...

    def credit_lines(
        self,
        as_of: datetime,
        *,
        volunteer_ids: Collection[str] | None = None,
        first: int | None = None,
        last: int | None = None,
        ranges: Collection[tuple[str, int, int]] | None = None,
    ) -> Iterator[tuple[str, list[CreditTuple]]]:
        """Stream the hours ledger's credit rows valid at ``as_of``, one volunteer at a time.

        Args:
            as_of: The instant (aware).
            volunteer_ids: Only these volunteers (``None``: all).
            first: Only local dates on or after this ``YYYYMMDD``.
            last: Only local dates on or before this ``YYYYMMDD``.
            ranges: Only these ``(volunteer_id, first YYYYMMDD, last YYYYMMDD)`` ranges.

        Returns:
            ``(volunteer_id, rows)`` pairs, each volunteer once; rows in no particular order.
        """
        ...

    def credit_day_totals(
        self,
        as_of: datetime,
        *,
        volunteer_ids: Collection[str],
        counting: Counting | None = None,
        last: int | None = None,
        by_month: bool = False,
        kinds: Collection[str] | None = None,
    ) -> Iterator[tuple[str, list[DayTotalsTuple]]]:
        """Sum the credit rows valid at ``as_of`` per volunteer and local date, inside the store.

        Args:
            as_of: The instant (aware).
            volunteer_ids: The volunteers.
            counting: Category and organization filters (not sources).
            last: Only local dates on or before this ``YYYYMMDD``.
            by_month: Sum per calendar month instead; each total carries the month's last date
                with credit.
            kinds: Only these kinds of credit (``raw``, ``credited``, ``weighted``) are summed;
                the others are reported as 0. ``None``: all three.

        Returns:
            ``(volunteer_id, totals)`` per volunteer with any selected row, totals by date.

        Raises:
            InvalidInputError: ``awards.input.invalid`` if ``counting`` filters on sources.
        """
        ...

    def credit_reaching(
        self, as_of: datetime, minimum: Mapping[str, int], *, last: int | None = None
    ) -> Iterator[str]:
        """Stream the volunteers whose credit valid at ``as_of`` reaches a minimum, summed in the store.

        Args:
            as_of: The instant (aware).
            minimum: Per kind of credit (``raw``, ``credited``, ``weighted``: weighted in
                millionths of a minute), the total to reach; reaching any one is enough.
            last: Only local dates on or before this ``YYYYMMDD``.

        Returns:
            Volunteer ids, in the store's order.

        Raises:
            InvalidInputError: ``awards.input.invalid`` for an unknown kind of credit or a
                minimum beyond the 64-bit range (:data:`MAX_CREDIT`).
        """
        ...

    def credit_crossings(
        self,
        as_of: datetime,
        thresholds: Mapping[str, Collection[int]],
        *,
        last: int | None = None,
        volunteer_ids: Collection[str] | None = None,
    ) -> Iterator[tuple[str, int, list[CrossingTuple]]]:
        """Stream, per volunteer, the rows at which the running sums of credit reach thresholds.

        For each kind of credit asked, a volunteer's rows valid at ``as_of`` with a positive amount
        of that kind are taken in order of ``(local date, entry id text)`` (the engine's counted
        stream) and summed in that order; for each threshold the sum reaches, the first row at
        which it reaches it is reported. Only volunteers who reach at least one threshold are
        read further than a ``GROUP BY … HAVING`` sum inside the store.

        Args:
            as_of: The instant (aware).
            thresholds: Per kind of credit (``raw``, ``credited``, ``weighted``: weighted in
                millionths of a minute), the thresholds (positive integers).
            last: Only local dates on or before this ``YYYYMMDD``.
            volunteer_ids: Only these volunteers (``None``: all).

        Returns:
            ``(volunteer_id, first, crossings)`` for each volunteer reaching any threshold, in
            order of volunteer id: ``first`` is the earliest local date among the volunteer's
            rows with a positive amount of a kind asked; ``crossings`` are ordered by kind and
            threshold.

        Raises:
            InvalidInputError: ``awards.input.invalid`` for an unknown kind of credit or a
                threshold that is not a positive integer of at most :data:`MAX_CREDIT`.
        """
        ...

    def credit_totals(
        self,
        as_of: datetime,
        *,
        counting: Counting | None = None,
        first: int | None = None,
        last: int | None = None,
    ) -> Iterator[TotalsTuple]:
        """Sum the credit rows valid at ``as_of`` per volunteer, inside the store.

        Args:
            as_of: The instant (aware).
            counting: Category and organization filters to apply (sources are not stored on
                credit rows and must not be filtered here).
            first: Only local dates on or after this ``YYYYMMDD``.
            last: Only local dates on or before this ``YYYYMMDD``.

        Returns:
            One tuple per volunteer with any selected row.

        Raises:
            InvalidInputError: ``awards.input.invalid`` if ``counting`` filters on sources.
        """
        ...


@runtime_checkable
class AwardStore(Protocol):
    """What batch awarding needs from a store.

    The members are read-only properties, so a store whose repositories are subclasses or other
    implementations of these protocols (every store here) satisfies it under a type checker.
    """

    @property
    def awards(self) -> AwardRepository:
        """The award repository."""
        ...

    @property
    def audit(self) -> AuditLog:
        """The audit log."""
        ...

    def transaction(self) -> AbstractContextManager[None]:
        """Return a nestable atomic block."""
        ...


def check_counting(counting: Counting | None) -> None:
    """Refuse counting filters a store cannot apply to credit rows (sources).

    Args:
        counting: The filters.

    Raises:
        InvalidInputError: ``awards.input.invalid`` if they filter on sources.
    """
    if counting is not None and counting.uses_sources:
        raise InvalidInputError(
            "credit rows do not carry sources: filter sources from the ledger's records",
            "计时行不含来源:请按台账记录筛选来源",
            code="awards.input.invalid",
            path="$.counting",
        )


CREDIT_COLUMNS: Mapping[str, str] = {
    "raw": "raw_minutes",
    "credited": "credited_minutes",
    "weighted": "weighted_micro",
}
"""The credit row column of each kind of credit."""


_R = TypeVar("_R", Grant, Revocation, Recommendation)


def _wrong(path: str, detail: str, detail_zh: str) -> InvalidInputError:
    return InvalidInputError(
        f"invalid award store input: {detail}",
        f"奖项存储输入无效:{detail_zh}",
        code="awards.input.invalid",
        path=path,
    )


def check_records(records: Iterable[_R], kind: type[_R], name: str) -> list[_R]:
    """Return the records given to a write, each checked to be of the right kind.

    Args:
        records: What was given (a collection of records).
        kind: :class:`Grant`, :class:`Revocation` or :class:`Recommendation`.
        name: The argument's name, for the error's path.

    Returns:
        The records, as a list.

    Raises:
        InvalidInputError: ``awards.input.invalid`` at ``$.<name>`` if ``records`` is not a
            collection (a single record, ``None``), or at ``$.<name>[i]`` for an item of another
            kind (a revocation given to ``grant``).
    """
    if isinstance(records, str | Grant | Revocation | Recommendation) or not isinstance(
        records, Iterable
    ):
        raise _wrong(
            f"$.{name}",
            f"{name} must be a collection of {kind.__name__} records",
            f"{name} 必须是 {kind.__name__} 记录的集合",
        )
    found = list(records)
    for i, record in enumerate(found):
        if not isinstance(record, kind):
            raise _wrong(
                f"$.{name}[{i}]",
                f"expected a {kind.__name__}, got {type(record).__name__}",
                f"应为 {kind.__name__},得到 {type(record).__name__}",
            )
    return found


def check_ids(ids: Collection[str], name: str) -> list[str]:
    """Return ids given as a collection of texts, distinct and sorted.

    Args:
        ids: What was given.
        name: The argument's name, for the error's path.

    Returns:
        The distinct ids, sorted.

    Raises:
        InvalidInputError: ``awards.input.invalid`` at ``$.<name>`` for one text (``"ab"`` is not
            the ids ``a`` and ``b``) or something that is not a collection, and at
            ``$.<name>[i]`` for an id that is not text.
    """
    if isinstance(ids, str) or not isinstance(ids, Iterable):
        raise _wrong(
            f"$.{name}", f"{name} must be a collection of ids (text)", f"{name} 必须是标识(文本)的集合"
        )
    found = list(ids)
    for i, value in enumerate(found):
        if not isinstance(value, str):
            raise _wrong(f"$.{name}[{i}]", "ids are text", "标识必须是文本")
    return sorted(set(found))


def check_minimum(minimum: Mapping[str, int]) -> None:
    """Refuse a minimum on an unknown kind of credit, or one beyond the 64-bit range.

    Args:
        minimum: Kind of credit to total.

    Raises:
        InvalidInputError: ``awards.input.invalid`` for an unknown kind (path ``$.minimum``) or
            an integer minimum beyond ±:data:`MAX_CREDIT` (path ``$.minimum.<kind>``).
    """
    for kind, value in minimum.items():
        if kind not in CREDIT_COLUMNS:
            raise InvalidInputError(
                "unknown kind of credit (raw, credited or weighted)",
                "未知的计时类型(raw、credited 或 weighted)",
                code="awards.input.invalid",
                path="$.minimum",
            )
        if isinstance(value, int) and not -MAX_CREDIT - 1 <= value <= MAX_CREDIT:
            raise InvalidInputError(
                "a minimum must fit in 64 bits",
                "最低值必须在 64 位整数范围内",
                code="awards.input.invalid",
                path=f"$.minimum.{kind}",
            )


def check_thresholds(thresholds: Mapping[str, Collection[int]]) -> dict[str, list[int]]:
    """Check thresholds per kind of credit and return them sorted, without repeats.

    Args:
        thresholds: Per kind of credit, the thresholds.

    Returns:
        Per kind with any threshold, its distinct thresholds in increasing order.

    Raises:
        InvalidInputError: ``awards.input.invalid`` for an unknown kind of credit or a threshold
            that is not a positive integer of at most :data:`MAX_CREDIT`.
    """
    check_minimum(dict.fromkeys(thresholds, 0))
    checked: dict[str, list[int]] = {}
    for kind, values in thresholds.items():
        for value in values:
            if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_CREDIT:
                raise InvalidInputError(
                    "thresholds must be positive integers of at most 2**63 - 1",
                    "门槛必须是不超过 2**63 - 1 的正整数",
                    code="awards.input.invalid",
                    path=f"$.thresholds.{kind}",
                )
        if values:
            checked[kind] = sorted(set(values))
    return checked


def counting_sql(counting: Counting | None) -> tuple[str, list[Any]]:
    """Return SQL conditions (``?`` placeholders) for a counting's category and organization filters.

    Args:
        counting: The filters, or ``None``.

    Returns:
        ``(sql, params)``: conditions joined with ``AND`` (each starting with `` AND ``), or empty.
    """
    if counting is None:
        return "", []
    sql = ""
    params: list[Any] = []
    for column, values, negate in (
        ("category", counting.include_categories, False),
        ("category", counting.exclude_categories, True),
        ("organization_id", counting.include_organizations, False),
        ("organization_id", counting.exclude_organizations, True),
    ):
        if values:
            marks = ", ".join("?" for _ in values)
            sql += f" AND {column} {'NOT IN' if negate else 'IN'} ({marks})"
            params.extend(values)
    return sql, params
