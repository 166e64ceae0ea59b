"""The statistics service over the memory store: edge cases of the published figures."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from volunteerkit.errors import InvalidInputError
from volunteerkit.stats import HoursBy, Statistics, VolunteersBy, Window
from volunteerkit.stores import MemoryStore
from volunteerkit.testing.conformance_stats import StatsDataset, build_stats_dataset

EMPTY = Window(first=date(2027, 1, 1), last=date(2027, 1, 31))
WINDOW = Window(first=date(2026, 1, 1), last=date(2026, 6, 30))


@pytest.fixture(scope="module")
def built() -> tuple[MemoryStore, StatsDataset]:
    """A memory store holding the conformance data set."""
    store = MemoryStore()
    return store, build_stats_dataset(store)


def test_retention_of_an_empty_cohort_with_k_1(built: tuple[MemoryStore, StatsDataset]) -> None:
    """k = 1 and nobody active in the window: no rows and a cohort of 0, not a division by zero."""
    store, data = built
    figure = Statistics(store.stats, k=1).retention(as_of=data.as_of, window=EMPTY)
    assert (figure.rows, figure.total) == ((), 0)


def test_all_figures_of_an_empty_window_with_k_1(
    built: tuple[MemoryStore, StatsDataset],
) -> None:
    """The demo's k = 1 report over a window without service computes every figure.

    A figure over nobody has no rows and a total of zero: k = 1 hides nothing (at k = 5 that
    total is hidden, see docs/statistics.md).
    """
    store, data = built
    figures = Statistics(store.stats, k=1).all_figures(as_of=data.as_of, window=EMPTY)
    hours = next(f for f in figures if f.definition == "hours.credited")
    assert (hours.rows, hours.total) == ((), 0)
    assert next(f.total for f in figures if f.definition == "volunteers.registered") == 13


@pytest.mark.parametrize(
    ("first", "last", "path"),
    [
        (date(1, 1, 1), date(1, 1, 31), "$.first"),  # midnight in Shanghai is before year 1 UTC
        (date(9999, 12, 1), date(9999, 12, 31), "$.first"),  # the day after is no date
        (date(2026, 1, 1), date(9900, 1, 1), "$.last"),  # shifted by 12 months for retention
    ],
)
def test_window_dates_at_the_ends_of_the_calendar_are_refused(
    first: date, last: date, path: str
) -> None:
    """A window that cannot be turned into instants or shifted is stats.date, not OverflowError."""
    with pytest.raises(InvalidInputError) as info:
        Window(first=first, last=last)
    assert (info.value.code, info.value.path) == ("stats.date", path)


def test_window_at_the_supported_ends_computes(built: tuple[MemoryStore, StatsDataset]) -> None:
    """The first and last supported dates give figures; a shift past the last is stats.offsets."""
    store, data = built
    stats = Statistics(store.stats)
    early = Window(first=date(1800, 1, 1), last=date(1800, 1, 31))
    late = Window(first=date(9899, 12, 1), last=date(9899, 12, 31))
    for window in (early, late):
        assert stats.volunteers(as_of=data.as_of, window=window, new=True).rows == ()
    retention = stats.retention(as_of=data.as_of, window=early, offsets=(1200,))
    assert [(r.key, r.suppressed) for r in retention.rows] == [(("1200",), True)]
    with pytest.raises(InvalidInputError) as info:
        stats.retention(as_of=data.as_of, window=late, offsets=(1, 12))
    assert (info.value.code, info.value.path) == ("stats.offsets", "$.offsets[0]")


@pytest.mark.parametrize("offsets", [(0,), (1, -3), (1201,), (True,), ("1",), (1, 3, 1)])
def test_retention_offsets_must_be_months_later(
    built: tuple[MemoryStore, StatsDataset], offsets: tuple[object, ...]
) -> None:
    """An offset outside 1..1200 months, or given twice, is stats.offsets with its index.

    Twice used to give two rows with the same key (``Figure.value`` sees only the first).
    """
    store, data = built
    with pytest.raises(InvalidInputError) as info:
        Statistics(store.stats).retention(
            as_of=data.as_of,
            window=data.window,
            offsets=offsets,  # type: ignore[arg-type]
        )
    assert info.value.code == "stats.offsets"
    assert info.value.path == f"$.offsets[{len(offsets) - 1}]"


@pytest.mark.parametrize("bands", [(), (25, 14), (14, 14, 18), (0, 18), (14, 151), (True,)])
def test_age_bands_must_increase(built: tuple[MemoryStore, StatsDataset], bands: object) -> None:
    """Bands that are empty or not strictly increasing are refused as stats.age_bands.

    The SQL backends read the bands in order, so unsorted bands gave other groups there than on
    the memory store, and empty ones an IndexError.
    """
    store, _ = built
    with pytest.raises(InvalidInputError) as info:
        Statistics(store.stats, age_bands=bands)  # type: ignore[arg-type]
    assert (info.value.code, info.value.path) == ("stats.age_bands", "$.age_bands")


def test_zone_must_be_a_zoneinfo(built: tuple[MemoryStore, StatsDataset]) -> None:
    """A zone given by name is stats.zone, not a TypeError on the first figure."""
    store, _ = built
    with pytest.raises(InvalidInputError) as info:
        Statistics(store.stats, zone="Asia/Shanghai")  # type: ignore[arg-type]
    assert (info.value.code, info.value.path) == ("stats.zone", "$.zone")



@pytest.mark.parametrize(
    ("method", "kwargs", "path"),
    [
        ("hours", {"window": (date(2026, 1, 1), date(2026, 6, 30))}, "$.window"),
        ("hours", {"window": None}, "$.window"),
        ("hours", {"by": "weekday"}, "$.by"),
        ("hours", {"by": 3}, "$.by"),
        ("hours", {"by": VolunteersBy.SEX}, "$.by"),
        ("active", {"by": VolunteersBy.AGE_BAND}, "$.by"),
        ("volunteers", {"by": HoursBy.MONTH}, "$.by"),
        ("volunteers", {"by": HoursBy.CATEGORY}, "$.by"),
        ("volunteers", {"new": "yes"}, "$.new"),
        ("hours", {"filters": {"region": "420000"}}, "$.filters"),
        ("hours_per_volunteer", {"filters": "420000"}, "$.filters"),
        ("retention", {"offsets": 3}, "$.offsets"),
        ("retention", {"offsets": "13"}, "$.offsets"),
        ("awards", {"rule_set_id": 5}, "$.rule_set_id"),
        ("awards", {"rule_set_id": ""}, "$.rule_set_id"),
        ("organizations", {"window": "2026"}, "$.window"),
        ("all_figures", {"rule_set_ids": "cn.cyl.stars"}, "$.rule_set_ids"),
        ("all_figures", {"rule_set_ids": ("cn.cyl.stars", 7)}, "$.rule_set_ids[1]"),
    ],
)
def test_arguments_of_the_wrong_type_are_refused_with_their_path(
    built: tuple[MemoryStore, StatsDataset], method: str, kwargs: dict[str, Any], path: str
) -> None:
    """stats.invalid_argument at the argument's path, not AttributeError or a wrong figure.

    A text ``by`` raised AttributeError; a HoursBy given to volunteers() silently grouped by
    document scheme; a text of rule set ids computed one award figure per letter.
    """
    store, data = built
    args: dict[str, Any] = {"as_of": data.as_of, "window": WINDOW}
    if method == "awards":
        args["rule_set_id"] = "cn.cyl.stars"
    with pytest.raises(InvalidInputError) as info:
        getattr(Statistics(store.stats, k=1), method)(**(args | kwargs))
    assert (info.value.code, info.value.path) == ("stats.invalid_argument", path)


def test_by_may_be_given_as_its_text(built: tuple[MemoryStore, StatsDataset]) -> None:
    """``by="month"`` is HoursBy.MONTH, and a HoursBy value that volunteers() also has works."""
    store, data = built
    stats = Statistics(store.stats, k=1)
    by_text = stats.hours(as_of=data.as_of, window=WINDOW, by="month")  # type: ignore[arg-type]
    assert by_text == stats.hours(as_of=data.as_of, window=WINDOW, by=HoursBy.MONTH)
    assert by_text.dimensions == ("month",)
    assert stats.volunteers(
        as_of=data.as_of, window=WINDOW, by=HoursBy.PROVINCE  # type: ignore[arg-type]
    ) == stats.volunteers(as_of=data.as_of, window=WINDOW, by=VolunteersBy.PROVINCE)


def test_the_repository_must_be_a_stats_repository() -> None:
    """Statistics(None) used to fail only at the first figure, with AttributeError."""
    with pytest.raises(InvalidInputError) as info:
        Statistics(None)  # type: ignore[arg-type]
    assert (info.value.code, info.value.path) == ("stats.invalid_argument", "$.repository")


@pytest.mark.parametrize(
    ("as_of", "zone"),
    [
        (datetime(9999, 12, 31, 23, 59, tzinfo=UTC), "Asia/Shanghai"),
        (datetime(1, 1, 1, tzinfo=UTC), "America/New_York"),
    ],
)
def test_an_as_of_whose_local_date_is_outside_the_calendar_is_refused(
    built: tuple[MemoryStore, StatsDataset], as_of: datetime, zone: str
) -> None:
    """stats.date at $.as_of, not a bare OverflowError from the age computation."""
    store, _data = built
    stats = Statistics(store.stats, k=1, zone=ZoneInfo(zone))
    for compute in (
        lambda: stats.volunteers(as_of=as_of, window=WINDOW, by=VolunteersBy.AGE_BAND),
        lambda: stats.all_figures(as_of=as_of, window=WINDOW),
        lambda: stats.hours(as_of=as_of, window=WINDOW),
    ):
        with pytest.raises(InvalidInputError) as info:
            compute()
        assert (info.value.code, info.value.path) == ("stats.date", "$.as_of")
