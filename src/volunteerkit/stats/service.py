"""The statistics service: raw figures from a store, definitions attached, small counts suppressed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import TypeVar
from zoneinfo import ZoneInfo

from volunteerkit.errors import InvalidInputError
from volunteerkit.stats.compute import shift_window
from volunteerkit.stats.models import LAST_DATE, Figure, Filters, Row, Window
from volunteerkit.stats.models import _invalid_argument as _invalid
from volunteerkit.stats.privacy import DEFAULT_K, check_k, suppress
from volunteerkit.stats.store import (
    PERCENTILES,
    SIZE_BANDS,
    HoursBy,
    RawRow,
    Scope,
    StatsRepository,
    VolunteersBy,
)

__all__ = ["AGE_BANDS", "MAX_OFFSET", "RETENTION_OFFSETS", "Statistics"]

AGE_BANDS: tuple[int, ...] = (14, 18, 25, 35, 45, 55, 65)
"""Lower bounds of the age bands (the registry's default: ``0-13``, ``14-17`` … ``65+``)."""

RETENTION_OFFSETS: tuple[int, ...] = (1, 3, 6, 12)
"""Default month offsets of the retention figure."""

MAX_OFFSET = 1200
"""The largest retention offset, in months (a century)."""

_CENT = Decimal("0.01")
_SHARE = Decimal("0.0001")


_E = TypeVar("_E", HoursBy, VolunteersBy)


def _grouping(by: object, kind: type[_E]) -> _E:
    """Return ``by`` as a member of ``kind`` (its text value is accepted), else refuse it."""
    if isinstance(by, str):
        try:
            return kind(by)
        except ValueError:
            pass
    values = ", ".join(member.value for member in kind)
    raise _invalid("$.by", f"one of {values}", f"以下之一:{values}")


def _check_offsets_type(offsets: object) -> tuple[int, ...]:
    if isinstance(offsets, str | bytes) or not isinstance(offsets, Sequence):
        raise _invalid("$.offsets", "a tuple of month offsets", "月数偏移的元组")
    return tuple(offsets)


def _check_age_bands(bands: object) -> tuple[int, ...]:
    if (
        not isinstance(bands, tuple)
        or not bands
        or any(isinstance(v, bool) or not isinstance(v, int) or not 0 < v <= 150 for v in bands)
        or list(bands) != sorted(set(bands))
    ):
        raise InvalidInputError(
            "age bands are given by strictly increasing lower bounds from 1 to 150",
            "年龄段由严格递增的下限(1 至 150)给出",
            code="stats.age_bands",
            path="$.age_bands",
        )
    return bands


def _check_offsets(offsets: tuple[int, ...], window: Window) -> tuple[int, ...]:
    for i, n in enumerate(offsets):
        if n in offsets[:i] and not isinstance(n, bool):  # two rows with one key
            raise InvalidInputError(
                "a retention offset is given twice",
                "留存偏移重复",
                code="stats.offsets",
                path=f"$.offsets[{i}]",
            )
        if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_OFFSET:
            raise InvalidInputError(
                f"a retention offset must be a whole number of months from 1 to {MAX_OFFSET}",
                f"留存偏移必须是 1 至 {MAX_OFFSET} 之间的整月数",
                code="stats.offsets",
                path=f"$.offsets[{i}]",
            )
        try:
            shift_window(window, n)
        except InvalidInputError:
            raise InvalidInputError(
                f"the window shifted by {n} months ends after {LAST_DATE.isoformat()}",
                f"统计区间后移 {n} 个月后晚于 {LAST_DATE.isoformat()}",
                code="stats.offsets",
                path=f"$.offsets[{i}]",
            ) from None
    return tuple(offsets)


class Statistics:
    """Compute published figures over a store's :class:`StatsRepository`.

    Args:
        repository: ``store.stats`` of any backend.
        k: Privacy threshold: groups of fewer persons are suppressed (1 disables it).
        zone: Time zone of the window's local dates (default ``Asia/Shanghai``).
        age_bands: Lower bounds of the age bands.

    Every method refuses an argument of the wrong type with ``stats.invalid_argument`` and the
    argument's path: a ``window`` that is not a :class:`~volunteerkit.stats.Window`
    (``$.window``), ``filters`` that are not :class:`~volunteerkit.stats.Filters`
    (``$.filters``), a ``by`` that is not a grouping of that figure (``$.by``; its text value,
    such as ``"month"``, is accepted), a ``new`` that is not a bool, ``offsets`` or
    ``rule_set_ids`` that are not a sequence (a text is refused, not read letter by letter), a
    ``rule_set_id`` that is not a non-empty text. A naive ``as_of`` is ``time.naive_datetime``, and
    one whose local date in ``zone`` is outside the calendar (year 1 to 9999) ``stats.date``.

    Raises:
        InvalidInputError: ``stats.k`` for a threshold below 1, ``stats.zone`` for a zone that
            is not a :class:`~zoneinfo.ZoneInfo`, ``stats.age_bands`` unless the bands are
            strictly increasing lower bounds from 1 to 150, ``stats.invalid_argument`` for a
            ``repository`` that is not a :class:`StatsRepository` (``$.repository``).
    """

    def __init__(
        self,
        repository: StatsRepository,
        *,
        k: int = DEFAULT_K,
        zone: ZoneInfo | None = None,
        age_bands: tuple[int, ...] = AGE_BANDS,
    ) -> None:
        if not isinstance(repository, StatsRepository):
            raise _invalid("$.repository", "a StatsRepository (store.stats)", "StatsRepository")
        self._repo = repository
        self.k = check_k(k)
        if zone is not None and not isinstance(zone, ZoneInfo):
            raise InvalidInputError(
                "the time zone must be a ZoneInfo",
                "时区必须是 ZoneInfo",
                code="stats.zone",
                path="$.zone",
            )
        self.zone = zone or ZoneInfo("Asia/Shanghai")
        self.age_bands = _check_age_bands(age_bands)

    def _scope(self, as_of: datetime, window: Window, filters: Filters | None) -> Scope:
        if not isinstance(window, Window):
            raise _invalid("$.window", "a stats Window", "统计区间 Window")
        if filters is not None and not isinstance(filters, Filters):
            raise _invalid("$.filters", "Filters or None", "Filters 或 None")
        scope = Scope(as_of=as_of, window=window, filters=filters or Filters(), zone=self.zone)
        try:
            scope.as_of_date  # noqa: B018 - ages are computed on it: it must be a date
        except OverflowError:
            raise InvalidInputError(
                "the local date of the as-of instant is outside the calendar",
                "统计时点的本地日期超出日历范围",
                code="stats.date",
                path="$.as_of",
            ) from None
        return scope

    def _figure(
        self,
        scope: Scope,
        definition: str,
        title: str,
        unit: str,
        dimensions: tuple[str, ...],
        raw: list[RawRow],
        *,
        total_persons: int,
        additive: bool,
        total: int | None,
    ) -> Figure:
        rows, total_hidden = suppress(raw, self.k, total_persons=total_persons, additive=additive)
        return Figure(
            definition=definition,
            title=title,
            unit=unit,
            dimensions=dimensions,
            as_of=scope.as_of,
            window=scope.window,
            filters=scope.filters,
            k=self.k,
            rows=rows,
            total=None if total_hidden else total,
        )

    def volunteers(
        self,
        *,
        as_of: datetime,
        window: Window,
        by: VolunteersBy = VolunteersBy.ALL,
        new: bool = False,
        filters: Filters | None = None,
    ) -> Figure:
        """Registered volunteers (``volunteers.registered``) or new ones (``volunteers.new``).

        Args:
            as_of: The instant.
            window: The window (new volunteers registered within it).
            by: The grouping.
            new: Count registrations within the window only.
            filters: Organization subtree and region.

        Returns:
            The figure (rows partition the total).
        """
        scope = self._scope(as_of, window, filters)
        by = _grouping(by, VolunteersBy)
        if not isinstance(new, bool):
            raise _invalid("$.new", "True or False", "True 或 False")
        raw = self._repo.volunteers(scope, by, new=new, age_bands=self.age_bands)
        total = sum(r.value for r in raw)
        kind = "new" if new else "registered"
        return self._figure(
            scope,
            f"volunteers.{kind}",
            f"{kind.capitalize()} volunteers",
            "volunteers",
            () if by is VolunteersBy.ALL else (by.value,),
            raw,
            total_persons=total,
            additive=True,
            total=total,
        )

    def _active_total(self, scope: Scope) -> int:
        rows = self._repo.active(scope, HoursBy.ALL)
        return rows[0].persons if rows else 0

    def active(
        self,
        *,
        as_of: datetime,
        window: Window,
        by: HoursBy = HoursBy.ALL,
        filters: Filters | None = None,
    ) -> Figure:
        """Active volunteers in the window (``volunteers.active``).

        Args:
            as_of: The instant.
            window: The window.
            by: The grouping.
            filters: Organization subtree and region.

        Returns:
            The figure; its total counts each volunteer once.
        """
        return self._active(self._scope(as_of, window, filters), _grouping(by, HoursBy), None)

    def _active(self, scope: Scope, by: HoursBy, known_total: int | None) -> Figure:
        if by is HoursBy.ALL and known_total is not None:
            n = known_total
            raw = [RawRow(key=(), value=n, persons=n)] if n else []
        else:
            raw = self._repo.active(scope, by)
        if by is HoursBy.ALL:
            total = raw[0].persons if raw else 0
        else:
            total = self._active_total(scope) if known_total is None else known_total
        return self._figure(
            scope,
            "volunteers.active",
            "Active volunteers",
            "volunteers",
            () if by is HoursBy.ALL else (by.value,),
            raw,
            total_persons=total,
            additive=True,
            total=total,
        )

    def hours(
        self,
        *,
        as_of: datetime,
        window: Window,
        by: HoursBy = HoursBy.ALL,
        filters: Filters | None = None,
    ) -> Figure:
        """Credited minutes in the window (``hours.credited``).

        Args:
            as_of: The instant.
            window: The window.
            by: The grouping.
            filters: Organization subtree and region.

        Returns:
            The figure (rows partition the total minutes).
        """
        return self._hours(self._scope(as_of, window, filters), _grouping(by, HoursBy), None)

    def _hours(self, scope: Scope, by: HoursBy, known_total: int | None) -> Figure:
        raw = self._repo.minutes(scope, by)
        if by is HoursBy.ALL:
            persons = raw[0].persons if raw else 0
        else:
            persons = self._active_total(scope) if known_total is None else known_total
        return self._figure(
            scope,
            "hours.credited",
            "Credited minutes",
            "minutes",
            () if by is HoursBy.ALL else (by.value,),
            raw,
            total_persons=persons,
            additive=True,
            total=sum(r.value for r in raw),
        )

    def hours_per_volunteer(
        self, *, as_of: datetime, window: Window, filters: Filters | None = None
    ) -> Figure:
        """Credited minutes per active volunteer (``hours.per_active_volunteer``).

        Rows: ``volunteers`` (active), ``minutes`` (total), ``mean`` (``exact``: total / active,
        rounded half-even to 0.01 minute) and ``p10`` … ``p90`` by nearest rank (``p50`` is the
        median). All are suppressed when fewer than ``k`` volunteers are active.

        Args:
            as_of: The instant.
            window: The window.
            filters: Organization subtree and region.

        Returns:
            The figure.
        """
        scope = self._scope(as_of, window, filters)
        n, total, values = self._repo.minutes_per_volunteer(scope, PERCENTILES)
        rows: list[Row]
        if n < self.k:
            keys = ["volunteers", "minutes", "mean", *(f"p{p}" for p in PERCENTILES)]
            rows = [Row(key=(k,), value=None, suppressed=True) for k in keys]
        else:
            mean = (Decimal(total) / Decimal(n)).quantize(_CENT, ROUND_HALF_EVEN)
            rows = [
                Row(key=("volunteers",), value=n, persons=n),
                Row(key=("minutes",), value=total, persons=n),
                Row(key=("mean",), value=None, persons=n, exact=mean),
                *(
                    Row(key=(f"p{p}",), value=v, persons=n)
                    for p, v in zip(PERCENTILES, values, strict=True)
                ),
            ]
        return Figure(
            definition="hours.per_active_volunteer",
            title="Credited minutes per active volunteer",
            unit="minutes",
            dimensions=("statistic",),
            as_of=scope.as_of,
            window=scope.window,
            filters=scope.filters,
            k=self.k,
            rows=tuple(rows),
            total=None,
        )

    def retention(
        self,
        *,
        as_of: datetime,
        window: Window,
        offsets: tuple[int, ...] = RETENTION_OFFSETS,
        filters: Filters | None = None,
    ) -> Figure:
        """Share of the window's active volunteers active again N months later.

        Definition ``volunteers.retention``: the cohort is the volunteers active in the window;
        the row for ``N`` counts those of them active in the window shifted by ``N`` months,
        with ``exact`` = retained / cohort (4 decimals, half-even). The total is the cohort. For
        ``k > 1`` a row is suppressed when the retained or the not-retained count is below ``k``
        (zero included: a share of 0 or 1 tells each member's outcome), and all rows and the
        total are when the cohort is. An empty cohort with ``k = 1`` gives no rows (a share of
        nobody is undefined) and a total of 0.

        Args:
            as_of: The instant.
            window: The cohort's window.
            offsets: Month offsets.
            filters: Organization subtree and region.

        Returns:
            The figure.

        Raises:
            InvalidInputError: ``stats.offsets`` for an offset that is not a whole number of
                months from 1 to :data:`MAX_OFFSET`, that is given twice, or that shifts the window past
                :data:`~volunteerkit.stats.models.LAST_DATE`.
        """
        scope = self._scope(as_of, window, filters)
        offsets = _check_offsets(_check_offsets_type(offsets), window)
        cohort, again = self._repo.retained(scope, offsets)
        rows = []
        for n, kept in zip(offsets, again, strict=True):
            hidden = self.k > 1 and min(cohort, kept, cohort - kept) < self.k
            if not hidden and cohort == 0:
                continue  # k = 1 and nobody active: no share to publish
            rows.append(
                Row(key=(str(n),), value=None, suppressed=True)
                if hidden
                else Row(
                    key=(str(n),),
                    value=kept,
                    persons=kept,
                    exact=(Decimal(kept) / Decimal(cohort)).quantize(_SHARE, ROUND_HALF_EVEN),
                )
            )
        return Figure(
            definition="volunteers.retention",
            title="Retention of active volunteers",
            unit="volunteers",
            dimensions=("months_later",),
            as_of=scope.as_of,
            window=scope.window,
            filters=scope.filters,
            k=self.k,
            rows=tuple(rows),
            total=None if self.k > 1 and cohort < self.k else cohort,
        )

    def awards(
        self,
        *,
        as_of: datetime,
        window: Window,
        rule_set_id: str,
        filters: Filters | None = None,
    ) -> Figure:
        """Volunteers holding each level of a rule set at ``as_of`` (``awards.held``).

        A volunteer holding two levels counts in both rows, so only primary suppression applies
        (no total is published).

        Args:
            as_of: The instant.
            window: Recorded with the figure (a stock does not depend on it).
            rule_set_id: The rule set.
            filters: Organization subtree and region.

        Returns:
            The figure.
        """
        scope = self._scope(as_of, window, filters)
        if not isinstance(rule_set_id, str) or not rule_set_id:
            raise _invalid("$.rule_set_id", "a rule set id", "规则集标识")
        raw = self._repo.award_levels(scope, rule_set_id)
        most = max((r.persons for r in raw), default=0)
        return self._figure(
            scope,
            "awards.held",
            f"Award levels held ({rule_set_id})",
            "volunteers",
            ("level",),
            raw,
            total_persons=most,
            additive=False,
            total=None,
        )

    def organizations(
        self, *, as_of: datetime, window: Window, filters: Filters | None = None
    ) -> Figure:
        """Organizations by kind and size band (``organizations.by_kind_size``).

        Organizations are not persons, so nothing is suppressed.

        Args:
            as_of: The instant.
            window: Recorded with the figure.
            filters: Organization subtree and region.

        Returns:
            The figure.
        """
        scope = self._scope(as_of, window, filters)
        raw = self._repo.organizations(scope, SIZE_BANDS)
        return Figure(
            definition="organizations.by_kind_size",
            title="Organizations by kind and size",
            unit="organizations",
            dimensions=("kind", "size"),
            as_of=scope.as_of,
            window=scope.window,
            filters=scope.filters,
            k=self.k,
            rows=tuple(Row(key=r.key, value=r.value, persons=None) for r in raw),
            total=sum(r.value for r in raw),
        )

    def all_figures(
        self,
        *,
        as_of: datetime,
        window: Window,
        filters: Filters | None = None,
        rule_set_ids: tuple[str, ...] = (),
    ) -> list[Figure]:
        """Compute the full set of figures.

        Args:
            as_of: The instant.
            window: The window.
            filters: Organization subtree and region.
            rule_set_ids: Rule sets whose award distribution to include.

        Returns:
            Registered volunteers (total, by province, age band, sex, document), new
            volunteers, active volunteers (total, by province), credited minutes (total, by
            organization, province, category, month), minutes per active volunteer,
            retention, award levels per rule set, and organizations by kind and size.
        """
        a, w, f = as_of, window, filters
        scope = self._scope(as_of, window, filters)
        if isinstance(rule_set_ids, str | bytes) or not isinstance(rule_set_ids, Sequence):
            raise _invalid("$.rule_set_ids", "a tuple of rule set ids", "规则集标识的元组")
        for i, rule_set_id in enumerate(rule_set_ids):
            if not isinstance(rule_set_id, str) or not rule_set_id:
                raise _invalid(f"$.rule_set_ids[{i}]", "a rule set id", "规则集标识")
        active_total = self._active_total(scope)  # one count, shared by the figures below
        return [
            self.volunteers(as_of=a, window=w, filters=f),
            *(
                self.volunteers(by=by, as_of=a, window=w, filters=f)
                for by in (
                    VolunteersBy.PROVINCE,
                    VolunteersBy.AGE_BAND,
                    VolunteersBy.SEX,
                    VolunteersBy.DOCUMENT,
                )
            ),
            self.volunteers(new=True, as_of=a, window=w, filters=f),
            self._active(scope, HoursBy.ALL, active_total),
            self._active(scope, HoursBy.PROVINCE, active_total),
            self._hours(scope, HoursBy.ALL, active_total),
            *(
                self._hours(scope, by, active_total)
                for by in (
                    HoursBy.ORGANIZATION,
                    HoursBy.PROVINCE,
                    HoursBy.CATEGORY,
                    HoursBy.MONTH,
                )
            ),
            self.hours_per_volunteer(as_of=a, window=w, filters=f),
            self.retention(as_of=a, window=w, filters=f),
            *(self.awards(rule_set_id=rs, as_of=a, window=w, filters=f) for rs in rule_set_ids),
            self.organizations(as_of=a, window=w, filters=f),
        ]
