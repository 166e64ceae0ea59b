"""Hypothesis strategies for the statistics models and for raw credit data to aggregate.

* :func:`figures`: published :class:`~volunteerkit.stats.models.Figure` values (round trips).
* :func:`credit_rows`: ledger credit rows over a few volunteers, organizations, regions and
  months, some superseded at a later instant (``valid_to`` set), for comparing backends.
* :func:`scopes`: statistics scopes over that data (instants, windows, region filters).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from hypothesis import strategies as st

from volunteerkit.hours.models import EntryId
from volunteerkit.hours.store import CreditRow
from volunteerkit.stats.models import Figure, Filters, Row, Window
from volunteerkit.stats.store import Scope

__all__ = ["T0", "credit_rows", "figures", "rows", "scopes"]

T0 = datetime(2026, 1, 1, tzinfo=UTC)
"""The earliest ``valid_from`` of generated credit rows."""

_REGIONS = [None, "110105", "110108", "310101", "429004", "440305"]


def rows() -> st.SearchStrategy[Row]:
    """Return a strategy of figure rows (suppressed or not, with or without an exact value).

    Returns:
        The strategy.
    """
    return st.builds(
        Row,
        key=st.tuples(st.one_of(st.none(), st.text(min_size=1, max_size=8))),
        value=st.one_of(st.none(), st.integers(0, 10**9)),
        persons=st.one_of(st.none(), st.integers(0, 10**6)),
        exact=st.one_of(st.none(), st.decimals(allow_nan=False, allow_infinity=False, places=2)),
        suppressed=st.booleans(),
    )


def figures() -> st.SearchStrategy[Figure]:
    """Return a strategy of figures.

    Returns:
        The strategy.
    """
    return st.builds(
        Figure,
        definition=st.sampled_from(["volunteers.registered", "hours.credited"]),
        title=st.text(max_size=20),
        unit=st.sampled_from(["volunteers", "minutes"]),
        dimensions=st.tuples(st.sampled_from(["province", "month"])),
        as_of=st.datetimes(
            min_value=datetime(2000, 1, 1),
            max_value=datetime(2100, 1, 1),
            timezones=st.just(UTC),
        ).map(lambda d: d.astimezone(timezone(timedelta(hours=8)))),
        window=st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 1, 1)).map(
            lambda d: Window(first=d, last=d + timedelta(days=30))
        ),
        filters=st.sampled_from(
            [Filters(), Filters(region="110105"), Filters(organization_id="o1")]
        ),
        k=st.integers(1, 20),
        rows=st.lists(rows(), max_size=4).map(tuple),
        total=st.one_of(st.none(), st.integers(0, 10**9)),
    )


@st.composite
def _credit_row(draw: st.DrawFn, n: int) -> CreditRow:
    day = draw(st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 12, 31)))
    minutes = draw(st.integers(0, 600))
    start = T0 + timedelta(days=draw(st.integers(0, 30)))
    end = draw(st.one_of(st.none(), st.integers(1, 60).map(lambda d: start + timedelta(days=d))))
    return CreditRow(
        volunteer_id=draw(st.sampled_from(["v1", "v2", "v3", "v4", "v5", "v6"])),
        entry_id=EntryId(origin="h", local_id=f"e{n}"),
        organization_id=draw(st.sampled_from(["o1", "o2", "o3"])),
        category=draw(st.sampled_from(["community", "education"])),
        region=draw(st.sampled_from(_REGIONS)),
        local_date=day.year * 10000 + day.month * 100 + day.day,
        raw_minutes=minutes,
        credited_minutes=minutes,
        weighted_micro=minutes * 1_000_000,
        valid_from=start,
        valid_to=end,
    )


@st.composite
def credit_rows(draw: st.DrawFn, max_size: int = 40) -> list[CreditRow]:
    """Return a strategy of credit rows with distinct entry ids.

    Args:
        draw: Hypothesis' draw function.
        max_size: At most this many rows.

    Returns:
        The rows.
    """
    n = draw(st.integers(0, max_size))
    return [draw(_credit_row(i)) for i in range(n)]


@st.composite
def scopes(draw: st.DrawFn) -> Scope:
    """Return a strategy of scopes over the data of :func:`credit_rows` (no organization filter).

    Args:
        draw: Hypothesis' draw function.

    Returns:
        The scope.
    """
    first = draw(st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 12, 31)))
    length = draw(st.integers(0, 200))
    region = draw(st.sampled_from([None, "110000", "110100", "110105", "420000", "429000"]))
    return Scope(
        as_of=T0 + timedelta(days=draw(st.integers(0, 100)), hours=draw(st.integers(0, 23))),
        window=Window(first=first, last=first + timedelta(days=length)),
        filters=Filters(region=region),
    )
