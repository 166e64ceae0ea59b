"""Shared builders for the awards tests: credit lines, instants, subjects."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from volunteerkit.awards import CreditLine
from volunteerkit.hours import EntryId, Source
from volunteerkit.hours.store import CreditRow

BJ = timezone(timedelta(hours=8))


def at(day: date, hour: int = 20) -> datetime:
    """An evaluation instant on ``day`` in Beijing time."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=BJ)


def line(
    day: date,
    minutes: int,
    entry: str,
    *,
    volunteer: str = "v1",
    category: str = "care",
    organization: str = "o1",
    source: Source | None = None,
    raw: int | None = None,
    weighted: Decimal | None = None,
    origin: str = "t",
) -> CreditLine:
    """One credit line of ``minutes`` credited on ``day`` by entry ``origin:entry``."""
    return CreditLine(
        volunteer_id=volunteer,
        entry_id=EntryId(origin=origin, local_id=entry),
        day=day,
        organization_id=organization,
        category=category,
        raw_minutes=minutes if raw is None else raw,
        credited_minutes=minutes,
        weighted_minutes=Decimal(minutes) if weighted is None else weighted,
        source=source,
    )


def daily(
    first: date, count: int, minutes: int, *, prefix: str = "e", **kw: object
) -> list[CreditLine]:
    """Return ``count`` lines of ``minutes`` on consecutive days from ``first`` (e000, e001 …)."""
    return [
        line(first + timedelta(days=i), minutes, f"{prefix}{i:03d}", **kw)  # type: ignore[arg-type]
        for i in range(count)
    ]


def credit_rows(lines: list[CreditLine], valid_from: datetime) -> list[CreditRow]:
    """The credit rows the hours Ledger would write for ``lines``, valid from ``valid_from``."""
    return [
        CreditRow(
            volunteer_id=c.volunteer_id,
            entry_id=c.entry_id,
            organization_id=c.organization_id,
            category=c.category,
            region=None,
            local_date=c.day.year * 10000 + c.day.month * 100 + c.day.day,
            raw_minutes=c.raw_minutes,
            credited_minutes=c.credited_minutes,
            weighted_micro=int(c.weighted_minutes * 1_000_000),
            valid_from=valid_from,
        )
        for c in lines
    ]
