"""The storage port of the statistics: grouped counts and sums that a backend computes in place.

Backends return *raw* figures (:class:`RawRow`): exact values with the number of distinct persons
behind each, before any privacy suppression. The SQL backends run each method as one or two SQL
statements (``GROUP BY``, window functions) so that no call loads the ledger into Python; the
memory backend computes the same with :mod:`volunteerkit.stats.compute`.

Credit is read exactly as the hours ledger reads it *as of* an instant: a credit row counts when
``valid_from <= as_of`` and (``valid_to`` is null or ``valid_to > as_of``)
(:class:`volunteerkit.hours.store.Query`).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from itertools import pairwise
from typing import Protocol, runtime_checkable
from zoneinfo import ZoneInfo

import attrs

from volunteerkit._clock import require_aware
from volunteerkit.hours.store import date_key
from volunteerkit.stats.models import Filters, Window, region_prefix

__all__ = [
    "PERCENTILES",
    "SIZE_BANDS",
    "HoursBy",
    "RawRow",
    "Scope",
    "StatsRepository",
    "VolunteersBy",
    "size_band",
]

PERCENTILES: tuple[int, ...] = (10, 25, 50, 75, 90)
"""The percentiles of minutes per active volunteer that are published (50 is the median)."""

SIZE_BANDS: tuple[int, ...] = (1, 10, 50, 100, 500)
"""Lower bounds of organization size bands (active members): ``0``, ``1-9`` … ``500+``."""


def size_band(members: int, bands: tuple[int, ...] = SIZE_BANDS) -> str:
    """Return the label of the size band of an organization with ``members`` active members.

    Args:
        members: Active members.
        bands: Strictly increasing lower bounds, the first at least 1.

    Returns:
        ``"0"`` for none, else ``"lo-hi"`` or ``"lo+"`` for the last band.

    Examples:
        >>> size_band(0), size_band(9), size_band(10), size_band(700)
        ('0', '1-9', '10-49', '500+')
    """
    if members < bands[0]:
        return "0" if bands[0] == 1 else f"0-{bands[0] - 1}"
    for lower, upper in pairwise(bands):
        if members < upper:
            return f"{lower}-{upper - 1}"
    return f"{bands[-1]}+"


class VolunteersBy(StrEnum):
    """How registered volunteers can be grouped."""

    ALL = "all"
    PROVINCE = "province"
    """Home region's province, ``PP0000``."""
    PREFECTURE = "prefecture"
    """Home region's prefecture-level code, ``PPCC00``."""
    REGION = "region"
    """Home region as recorded."""
    AGE_BAND = "age_band"
    SEX = "sex"
    DOCUMENT = "document"
    """The identity document's scheme id."""


class HoursBy(StrEnum):
    """How credited hours (and active volunteers) can be grouped."""

    ALL = "all"
    ORGANIZATION = "organization"
    PROVINCE = "province"
    PREFECTURE = "prefecture"
    REGION = "region"
    """The region recorded on the credit row (the volunteer's home region when it was credited)."""
    CATEGORY = "category"
    MONTH = "month"
    """The local month of service, ``YYYY-MM``."""


@attrs.frozen(kw_only=True)
class Scope:
    """What a statistics call covers: an instant, a window, filters and a time zone.

    Attributes:
        as_of: Credit valid at this instant, and volunteers and organizations registered by it.
        window: Local dates of service (and of registration, for new volunteers).
        filters: Organization subtree and region.
        zone: The time zone that turns the window into instants (registration times) and
            ``as_of`` into a local date (ages).
    """

    as_of: datetime = attrs.field()
    window: Window
    filters: Filters = attrs.field(factory=Filters)
    zone: ZoneInfo = attrs.field(factory=lambda: ZoneInfo("Asia/Shanghai"))

    @as_of.validator
    def _check_as_of(self, _attribute: attrs.Attribute[datetime], value: datetime) -> None:
        require_aware(value, "$.as_of")

    @property
    def first_key(self) -> int:
        """The window's first date as ``YYYYMMDD``."""
        return date_key(self.window.first)

    @property
    def last_key(self) -> int:
        """The window's last date as ``YYYYMMDD``."""
        return date_key(self.window.last)

    @property
    def window_start(self) -> datetime:
        """The instant the window's first local day begins (UTC)."""
        return datetime.combine(self.window.first, time(), self.zone).astimezone(UTC)

    @property
    def window_end(self) -> datetime:
        """The instant just after the window's last local day (UTC)."""
        day = self.window.last + timedelta(days=1)
        return datetime.combine(day, time(), self.zone).astimezone(UTC)

    @property
    def as_of_date(self) -> date:
        """The local date of ``as_of`` in ``zone`` (ages are computed on it)."""
        return self.as_of.astimezone(self.zone).date()

    @property
    def region_prefix(self) -> str | None:
        """The region filter's code prefix (:func:`region_prefix`), or ``None``."""
        region = self.filters.region
        return None if region is None else region_prefix(region)


@attrs.frozen(kw_only=True)
class RawRow:
    """One group of a raw (not yet suppressed) figure.

    Attributes:
        key: The group's values.
        value: A count or a sum of minutes.
        persons: Distinct volunteers in the group (for organization figures: organizations).
    """

    key: tuple[str | None, ...]
    value: int
    persons: int


@runtime_checkable
class StatsRepository(Protocol):
    """Storage contract of the statistics (``store.stats`` on every backend).

    Every method is read-only and returns rows sorted by key (``None`` first), leaving out
    empty groups. Volunteers are the non-merged volunteer records registered at or before
    ``as_of`` (status as stored now: the registry keeps no status history). An organization
    filter keeps volunteers with a membership active at ``as_of`` in the subtree, and credit
    whose organization is in the subtree; a region filter keeps volunteers whose home region, and
    credit whose recorded region, is in the region.
    """

    def volunteers(
        self, scope: Scope, by: VolunteersBy, *, new: bool, age_bands: tuple[int, ...]
    ) -> list[RawRow]:
        """Count registered volunteers, grouped.

        Args:
            scope: What to cover.
            by: The grouping.
            new: Count only those registered within the window (else all registered by as_of).
            age_bands: Lower bounds of age bands (ages on the local date of ``as_of``).

        Returns:
            One row per group; ``value == persons``.
        """
        ...

    def active(self, scope: Scope, by: HoursBy) -> list[RawRow]:
        """Count active volunteers: those with credited minutes on a day in the window.

        Args:
            scope: What to cover.
            by: The grouping (a volunteer counts once in each group they have credit in).

        Returns:
            One row per group; ``value == persons``.
        """
        ...

    def minutes(self, scope: Scope, by: HoursBy) -> list[RawRow]:
        """Sum credited minutes in the window, grouped.

        Args:
            scope: What to cover.
            by: The grouping.

        Returns:
            One row per group with credited minutes; ``persons`` counts the volunteers with
            credited minutes in the group.
        """
        ...

    def minutes_per_volunteer(
        self, scope: Scope, percentiles: tuple[int, ...]
    ) -> tuple[int, int, list[int]]:
        """Describe the credited minutes of each active volunteer in the window.

        Args:
            scope: What to cover.
            percentiles: Percentiles (1..100) to return, by nearest rank.

        Returns:
            ``(active volunteers, total minutes, [value at each percentile])``; the values are
            empty when there is no active volunteer. The nearest-rank ``p``-th percentile of
            ``n`` sorted totals is the one at 1-based rank ``ceil(p * n / 100)``.
        """
        ...

    def retained(self, scope: Scope, offsets: tuple[int, ...]) -> tuple[int, list[int]]:
        """Count how many of the window's active volunteers are active again N months later.

        Args:
            scope: What to cover; its window defines the cohort.
            offsets: Month offsets: the window shifted by N months (end of month kept).

        Returns:
            ``(cohort size, [cohort members active in each shifted window])``.
        """
        ...

    def award_levels(self, scope: Scope, rule_set_id: str) -> list[RawRow]:
        """Count the volunteers holding each level of a rule set at ``as_of``.

        An award is held at ``as_of`` when its latest record at or before ``as_of`` (by time,
        then id) is a grant. Filters apply to the holder as for volunteers.

        Args:
            scope: What to cover (the window is not used: awards held are a stock).
            rule_set_id: The rule set.

        Returns:
            One row per level, keyed ``(level_id,)``; ``value == persons``.
        """
        ...

    def organizations(self, scope: Scope, size_bands: tuple[int, ...]) -> list[RawRow]:
        """Count organizations registered by ``as_of``, by kind and size band.

        Args:
            scope: What to cover (organization filter: the subtree; region: the
                organization's region).
            size_bands: Lower bounds of size bands (members with a membership active at
                ``as_of``, in the organization itself).

        Returns:
            Rows keyed ``(kind, size band)``; ``value == persons`` = organizations.
        """
        ...
