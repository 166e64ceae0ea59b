"""The reference computations, on hand-built credit rows with hand-computed results."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from volunteerkit.hours.models import EntryId
from volunteerkit.hours.store import CreditRow
from volunteerkit.registry.models import Organization
from volunteerkit.stats import compute
from volunteerkit.stats.models import Filters, Window
from volunteerkit.stats.store import HoursBy, RawRow, Scope

T0 = datetime(2026, 1, 1, tzinfo=UTC)
AS_OF = datetime(2026, 8, 1, tzinfo=UTC)
ORGS = [
    Organization(id="root", name="Association", registered_at=T0),
    Organization(id="team", name="Team", parent_id="root", registered_at=T0),
    Organization(id="squad", name="Squad", parent_id="team", registered_at=T0),
    Organization(id="other", name="Other", registered_at=T0),
]


def _row(
    vid: str,
    day: int,
    minutes: int,
    *,
    org: str = "root",
    region: str | None = "110105",
    category: str = "community",
    valid_from: datetime = T0,
    valid_to: datetime | None = None,
) -> CreditRow:
    return CreditRow(
        volunteer_id=vid,
        entry_id=EntryId(origin="t", local_id=f"{vid}-{day}-{org}"),
        organization_id=org,
        category=category,
        region=region,
        local_date=day,
        raw_minutes=minutes,
        credited_minutes=minutes,
        weighted_micro=minutes * 1_000_000,
        valid_from=valid_from,
        valid_to=valid_to,
    )


CREDIT = [
    _row("a", 20260105, 60),
    _row("a", 20260210, 30, org="team", category="education"),
    _row("b", 20260115, 120, org="squad", region="310101"),
    _row("c", 20260120, 90, org="other", region="429004"),
    _row("c", 20260301, 45, org="other", region="429004"),
    # Replaced as of 2026-06-01: counts before, not after.
    _row("d", 20260125, 500, valid_to=datetime(2026, 6, 1, tzinfo=UTC)),
    # Zero credit (a capped day): no activity.
    _row("e", 20260126, 0),
]
FIRST_HALF = Window(first=date(2026, 1, 1), last=date(2026, 6, 30))


def _scope(**filters: str) -> Scope:
    return Scope(as_of=AS_OF, window=FIRST_HALF, filters=Filters(**filters))


def test_subtree_includes_every_descendant() -> None:
    """An organization's subtree holds its children and their children."""
    assert compute.subtree(ORGS, "root") == {"root", "team", "squad"}
    assert compute.subtree(ORGS, "team") == {"team", "squad"}


def test_minutes_by_organization_as_of_now() -> None:
    """Minutes per organization, with the replaced row left out and persons per group."""
    assert compute.minutes(CREDIT, ORGS, _scope(), HoursBy.ORGANIZATION) == [
        RawRow(key=("other",), value=135, persons=1),
        RawRow(key=("root",), value=60, persons=1),
        RawRow(key=("squad",), value=120, persons=1),
        RawRow(key=("team",), value=30, persons=1),
    ]


def test_minutes_as_of_before_a_replacement() -> None:
    """As of an instant before the row was replaced, its 500 minutes still count."""
    scope = Scope(as_of=datetime(2026, 5, 1, tzinfo=UTC), window=FIRST_HALF)
    assert compute.minutes(CREDIT, ORGS, scope, HoursBy.ALL) == [
        RawRow(key=(), value=845, persons=4)
    ]


def test_organization_filter_covers_the_subtree() -> None:
    """Filtering by the association sums its own, its team's and its squad's credit."""
    assert compute.minutes(CREDIT, ORGS, _scope(organization_id="root"), HoursBy.ALL) == [
        RawRow(key=(), value=210, persons=2)
    ]


@pytest.mark.parametrize(
    ("region", "minutes"),
    [("110000", 90), ("310000", 120), ("420000", 135), ("429000", 135), ("110108", 0)],
)
def test_region_filter_covers_sub_regions(region: str, minutes: int) -> None:
    """A province or prefecture filter covers every code under it (Xiantao under 4290)."""
    rows = compute.minutes(CREDIT, ORGS, _scope(region=region), HoursBy.ALL)
    assert sum(r.value for r in rows) == minutes


def test_minutes_by_month_and_province() -> None:
    """Months are local months as YYYY-MM; provinces are PP0000."""
    assert [(r.key, r.value) for r in compute.minutes(CREDIT, ORGS, _scope(), HoursBy.MONTH)] == [
        (("2026-01",), 270),
        (("2026-02",), 30),
        (("2026-03",), 45),
    ]
    by_province = compute.minutes(CREDIT, ORGS, _scope(), HoursBy.PROVINCE)
    assert [(r.key, r.value) for r in by_province] == [
        (("110000",), 90),
        (("310000",), 120),
        (("420000",), 135),
    ]


def test_active_volunteers_need_credited_minutes() -> None:
    """A volunteer with only zero-credit days is not active."""
    assert compute.active(CREDIT, ORGS, _scope(), HoursBy.ALL) == [
        RawRow(key=(), value=3, persons=3)
    ]


def test_minutes_per_volunteer_by_nearest_rank() -> None:
    """Totals 90, 120, 135: n=3, sum 345, p10..p90 by nearest rank."""
    assert compute.minutes_per_volunteer(CREDIT, ORGS, _scope(), (10, 25, 50, 75, 90)) == (
        3,
        345,
        [90, 90, 120, 135, 135],
    )


def test_nearest_rank_and_shifted_windows() -> None:
    """ceil(p n / 100) ranks; month-end windows stay at month end when shifted."""
    assert [compute.nearest_rank(p, 10) for p in (1, 10, 11, 50, 100)] == [1, 1, 2, 5, 10]
    jan = Window(first=date(2026, 1, 1), last=date(2026, 1, 31))
    assert compute.shift_window(jan, 1) == Window(first=date(2026, 2, 1), last=date(2026, 2, 28))
    assert compute.shift_window(jan, 3) == Window(first=date(2026, 4, 1), last=date(2026, 4, 30))
    mid = Window(first=date(2026, 1, 10), last=date(2026, 1, 20))
    assert compute.shift_window(mid, 2) == Window(first=date(2026, 3, 10), last=date(2026, 3, 20))


def test_retention_of_a_january_cohort() -> None:
    """January's active a, b, c: a is back in February, c in March, nobody in April."""
    scope = Scope(as_of=AS_OF, window=Window(first=date(2026, 1, 1), last=date(2026, 1, 31)))
    assert compute.retained(CREDIT, ORGS, scope, (1, 2, 3)) == (3, [1, 1, 0])


def test_organizations_counted_by_kind_and_size() -> None:
    """Unregistered teams with no members fall in kind 'unregistered', size '0'."""
    later = [
        *ORGS,
        Organization(id="new", name="New", registered_at=AS_OF + timedelta(days=1)),
    ]
    assert compute.organizations(later, [], _scope(), (1, 10)) == [
        RawRow(key=("unregistered", "0"), value=4, persons=4)
    ]
