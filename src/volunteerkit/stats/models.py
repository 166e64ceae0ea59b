"""The statistics' models: the scope a figure is computed over, and the figures themselves.

Every figure carries the id of its definition (see ``docs/statistics.md``), the instant it is
computed *as of*, the window of local dates it covers, the filters applied, the privacy threshold
``k`` and its rows. A row whose group is smaller than ``k`` persons, or that had to be hidden so
that such a row cannot be recovered from the others (:mod:`volunteerkit.stats.privacy`), has
``suppressed=True`` and no value.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal

import attrs

from volunteerkit._clock import require_aware
from volunteerkit.errors import InvalidInputError
from volunteerkit.registry.identity._data import region_codes

__all__ = ["FIRST_DATE", "LAST_DATE", "Figure", "Filters", "Row", "Window", "region_prefix"]

_SIX_DIGITS = re.compile(r"[0-9]{6}", re.ASCII).fullmatch


def _err(message: str, message_zh: str, code: str, path: str) -> InvalidInputError:
    return InvalidInputError(message, message_zh, code=code, path=path)


def _invalid_argument(path: str, expected: str, expected_zh: str) -> InvalidInputError:
    """``stats.invalid_argument`` at ``path``: an argument of the wrong type (not exported)."""
    return InvalidInputError(
        f"argument of the wrong type: expected {expected}",
        f"参数类型错误:应为{expected_zh}",
        code="stats.invalid_argument",
        path=path,
    )


FIRST_DATE = date(1800, 1, 1)
"""The earliest date a window may cover."""

LAST_DATE = date(9899, 12, 31)
"""The latest date a window may cover (a century before the calendar ends, so that a window
shifted by the retention offsets and turned into instants in any zone is still a date)."""


def _plain_date(_inst: object, attribute: attrs.Attribute[date], value: object) -> None:
    if not isinstance(value, date) or isinstance(value, datetime):
        raise _err("expected a calendar date", "应为日历日期", "stats.date", f"$.{attribute.name}")
    if not FIRST_DATE <= value <= LAST_DATE:
        raise _err(
            "the date must be from 1800-01-01 to 9899-12-31",
            "日期必须在 1800-01-01 至 9899-12-31 之间",
            "stats.date",
            f"$.{attribute.name}",
        )


@attrs.frozen(kw_only=True)
class Window:
    """A range of local dates of service, both ends included.

    Attributes:
        first: The first local date (from 1800-01-01).
        last: The last local date (not before ``first``, at most 9899-12-31).

    Raises:
        InvalidInputError: ``stats.date`` at ``$.first`` or ``$.last`` for a value that is not a
            calendar date (a ``datetime`` included) or lies outside 1800-01-01 to 9899-12-31;
            ``stats.window`` at ``$.last`` if the window ends before it begins.
    """

    first: date = attrs.field(validator=_plain_date)
    last: date = attrs.field(validator=_plain_date)

    def __attrs_post_init__(self) -> None:
        """Refuse a window that ends before it begins."""
        if self.last < self.first:
            raise _err(
                "the window ends before it begins",
                "统计区间的结束日期早于开始日期",
                "stats.window",
                "$.last",
            )


def region_prefix(region: str) -> str:
    """Return the code prefix that a GB/T 2260 region and all its sub-regions share.

    A province ``PP0000`` covers every code ``PP....``; a prefecture ``PPCC00`` covers ``PPCC..``
    (for a municipality, ``PP0100`` is its districts and ``PP0200`` its counties; ``PP9000`` is the
    province's directly administered county-level divisions ``PP90xx``); any other code covers
    itself only.

    Args:
        region: A six-digit code.

    Returns:
        The prefix: two, four or six digits.

    Raises:
        InvalidInputError: ``stats.region`` at ``$.region`` unless ``region`` is six ASCII digits
            (an empty prefix would cover every region).

    Examples:
        >>> region_prefix("110000"), region_prefix("429000"), region_prefix("110105")
        ('11', '4290', '110105')
    """
    if not isinstance(region, str) or _SIX_DIGITS(region) is None:
        raise _err(
            "the region must be a six-digit GB/T 2260 administrative division code",
            "地区必须是六位 GB/T 2260 行政区划代码",
            "stats.region",
            "$.region",
        )
    if region.endswith("0000"):
        return region[:2]
    if region.endswith("00"):
        return region[:4]
    return region


def _region(_inst: object, attribute: attrs.Attribute[str | None], value: str | None) -> None:
    if value is None:
        return
    if not isinstance(value, str) or _SIX_DIGITS(value) is None or value not in region_codes():
        raise _err(
            "the region must be a six-digit GB/T 2260 administrative division code",
            "地区必须是六位 GB/T 2260 行政区划代码",
            "stats.region",
            f"$.{attribute.name}",
        )


def _optional_id(_inst: object, attribute: attrs.Attribute[str | None], value: str | None) -> None:
    if value is not None and (
        not isinstance(value, str) or not 1 <= len(value) <= 64 or not value.isprintable()
    ):
        raise _err(
            "an id must be 1 to 64 printable characters",
            "标识必须是 1 至 64 个可打印字符",
            "stats.id",
            f"$.{attribute.name}",
        )


@attrs.frozen(kw_only=True)
class Filters:
    """Which part of the data a figure covers.

    Attributes:
        organization_id: Only this organization and its children (at any depth), or ``None``.
        region: Only this GB/T 2260 region and its sub-regions (see :func:`region_prefix`), or
            ``None``.

    Raises:
        InvalidInputError: ``stats.id`` at ``$.organization_id`` for an id that is not 1 to 64
            printable characters; ``stats.region`` at ``$.region`` for a code that is not a
            GB/T 2260 division code.
    """

    organization_id: str | None = attrs.field(default=None, validator=_optional_id)
    region: str | None = attrs.field(default=None, validator=_region)


@attrs.frozen(kw_only=True)
class Row:
    """One group of a figure.

    Attributes:
        key: The group's values, in the order of the figure's ``dimensions`` (``None`` for an
            unknown value, such as a volunteer without a home region).
        value: The figure's value for the group (a count or minutes), or ``None`` when
            suppressed.
        persons: How many distinct volunteers the group holds, or ``None`` when suppressed.
        exact: A non-integer value (a mean in minutes, a share), exact, or ``None``.
        suppressed: Whether the value is hidden to protect small groups.
    """

    key: tuple[str | None, ...]
    value: int | None
    persons: int | None = None
    exact: Decimal | None = None
    suppressed: bool = False


@attrs.frozen(kw_only=True)
class Figure:
    """One published statistic.

    Attributes:
        definition: The definition's id (``volunteers.registered`` …; see the docs page).
        title: A short English title.
        unit: What values count: ``volunteers``, ``minutes``, ``organizations``.
        dimensions: The names of the key's parts (empty for a single value).
        as_of: The instant the figure is computed as of (aware).
        window: The window of local dates.
        filters: The filters applied.
        k: The privacy threshold: groups of fewer persons are suppressed (1 disables).
        rows: The groups, in key order.
        total: The value over all groups, or ``None`` when it is suppressed or not additive.
    """

    definition: str
    title: str
    unit: str
    dimensions: tuple[str, ...]
    as_of: datetime
    window: Window
    filters: Filters
    k: int
    rows: tuple[Row, ...]
    total: int | None = None

    def __attrs_post_init__(self) -> None:
        """Refuse a naive ``as_of``."""
        require_aware(self.as_of, "$.as_of")

    def value(self, *key: str | None) -> int | None:
        """Return the value of the row with ``key`` (``None`` if suppressed or absent).

        Args:
            *key: The key's parts.

        Returns:
            The value.
        """
        for row in self.rows:
            if row.key == key:
                return row.value
        return None
