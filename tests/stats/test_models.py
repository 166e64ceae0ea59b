"""Statistics models: validation, helpers and converter round trips."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given, settings

from volunteerkit import structure, unstructure
from volunteerkit.errors import InvalidInputError, NaiveDatetimeError
from volunteerkit.stats.models import Figure, Filters, Row, Window, region_prefix
from volunteerkit.stats.store import Scope, size_band
from volunteerkit.testing.strategies_stats import figures


def test_window_refuses_an_end_before_its_start() -> None:
    """A reversed window raises stats.window at $.last."""
    with pytest.raises(InvalidInputError) as info:
        Window(first=date(2026, 2, 1), last=date(2026, 1, 31))
    assert (info.value.code, info.value.path) == ("stats.window", "$.last")


def test_filters_refuse_an_unknown_region() -> None:
    """A region that is not a GB/T 2260 code raises stats.region."""
    with pytest.raises(InvalidInputError) as info:
        Filters(region="999999")
    assert (info.value.code, info.value.path) == ("stats.region", "$.region")


def test_figure_refuses_a_naive_as_of() -> None:
    """A naive as_of instant is refused."""
    with pytest.raises(NaiveDatetimeError) as info:
        Figure(
            definition="volunteers.registered",
            title="t",
            unit="volunteers",
            dimensions=(),
            as_of=datetime(2026, 1, 1),
            window=Window(first=date(2026, 1, 1), last=date(2026, 1, 1)),
            filters=Filters(),
            k=5,
            rows=(),
        )
    assert (info.value.code, info.value.path) == ("time.naive_datetime", "$.as_of")


@pytest.mark.parametrize(
    ("code", "prefix"),
    [
        ("110000", "11"),  # a municipality
        ("110100", "1101"),  # its districts (市辖区)
        ("429000", "4290"),  # Hubei's directly administered county-level divisions
        ("429004", "429004"),  # Xiantao itself
        ("440300", "4403"),  # Shenzhen
    ],
)
def test_region_prefix_follows_the_gbt_2260_hierarchy(code: str, prefix: str) -> None:
    """Provinces cover PP...., prefectures PPCC.., counties only themselves."""
    assert region_prefix(code) == prefix


def test_size_bands() -> None:
    """Organization sizes fall into 0, 1-9, 10-49, 50-99, 100-499, 500+."""
    assert [size_band(n) for n in (0, 1, 9, 10, 49, 50, 99, 100, 499, 500)] == [
        "0", "1-9", "1-9", "10-49", "10-49", "50-99", "50-99", "100-499", "100-499", "500+",
    ]  # fmt: skip


def test_scope_turns_the_window_into_instants_in_its_zone() -> None:
    """The window starts at local midnight of its first day and ends after its last day."""
    scope = Scope(
        as_of=datetime(2026, 3, 1, 1, 0, tzinfo=UTC),
        window=Window(first=date(2026, 1, 1), last=date(2026, 1, 31)),
    )
    assert scope.window_start == datetime(2025, 12, 31, 16, 0, tzinfo=UTC)
    assert scope.window_end == datetime(2026, 1, 31, 16, 0, tzinfo=UTC)
    assert scope.as_of_date == date(2026, 3, 1)
    assert (scope.first_key, scope.last_key) == (20260101, 20260131)


@settings(max_examples=50)
@given(figures())
def test_figures_round_trip_through_the_converter(figure: Figure) -> None:
    """structure(unstructure(figure)) gives the figure back."""
    assert structure(unstructure(figure), Figure) == figure


def test_figure_value_looks_rows_up_by_key() -> None:
    """Figure.value returns a row's value, None when suppressed or absent."""
    figure = Figure(
        definition="volunteers.registered",
        title="Registered volunteers",
        unit="volunteers",
        dimensions=("sex",),
        as_of=datetime(2026, 1, 1, tzinfo=UTC),
        window=Window(first=date(2026, 1, 1), last=date(2026, 1, 1)),
        filters=Filters(),
        k=5,
        rows=(
            Row(key=("female",), value=7, persons=7),
            Row(key=("male",), value=None, suppressed=True),
        ),
        total=None,
    )
    assert (figure.value("female"), figure.value("male"), figure.value("x")) == (7, None, None)
