"""Hypothesis strategies and small factories for the hours models, public for embedders.

Needs the ``hypothesis`` package. Strategies: :data:`entry_ids`, :data:`event_ids`,
:func:`service_entries`, :func:`events`, :func:`corrections`, :func:`policies`, :func:`weightings`,
:func:`windows`, :func:`ledger_policies` (policies a store-backed ledger accepts). Factories for
example-based tests: :func:`make_entry`, :func:`eid`, :func:`evid`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import attrs
from hypothesis import strategies as st

from volunteerkit.hours import (
    AccrualPolicy,
    ApprovalMode,
    ApprovalRule,
    Approved,
    BackfillDeadline,
    CalendarYear,
    CategoryMultiplier,
    Corrected,
    CorrectionKind,
    DateRange,
    EntryId,
    EventId,
    LedgerEvent,
    Lifetime,
    OverlapRule,
    Rejected,
    RollingMonths,
    Rounding,
    RoundingMode,
    RoundingScope,
    ServiceEntry,
    Source,
    Status,
    TimeWindowMultiplier,
    Voided,
    Weighting,
    Window,
)

__all__ = [
    "BASE",
    "RECORDED",
    "VOLUNTEERS",
    "ZONES",
    "aware",
    "corrections",
    "dates",
    "eid",
    "entry_ids",
    "event_ids",
    "events",
    "evid",
    "hhmm",
    "instants",
    "ledger_policies",
    "local_ids",
    "make_entry",
    "multipliers",
    "names",
    "origins",
    "policies",
    "service_entries",
    "time_windows",
    "weightings",
    "windows",
    "zones",
]

ZONES = [
    "UTC",
    "Asia/Shanghai",
    "America/New_York",
    "Europe/Berlin",
    "Asia/Kathmandu",
    "Asia/Yangon",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
    "America/St_Johns",
]
"""The zones entries are drawn in: DST in both hemispheres, 30-minute DST (Lord Howe), and offsets
of :45 and :30 (Kathmandu, Yangon, Chatham, St John's)."""

zones = st.sampled_from(ZONES).map(ZoneInfo)
"""One of :data:`ZONES`, as a ``ZoneInfo``."""
names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=8)
"""Short ids (organizations, categories): lower-case letters, digits and ``-``."""
origins = st.sampled_from(["bj", "sh.cloud", "gz_1"])
"""The origin part of an entry or event id."""
local_ids = st.text(alphabet="abcdef0123456789:-", min_size=1, max_size=12).filter(
    lambda s: not s.isspace()
)
"""The local part of an entry or event id (``:`` included, as in UUID-like ids of other systems)."""
entry_ids = st.builds(EntryId, origin=origins, local_id=local_ids)
"""Entry ids of a few origins."""
event_ids = st.builds(EventId, origin=origins, local_id=local_ids)
"""Event ids of a few origins."""

# Instants around DST changes of 2026 and a year boundary, at whole minutes or with seconds.
BASE = datetime(2026, 1, 1, tzinfo=UTC)
"""The start of the year the instants are drawn from."""
instants = st.integers(min_value=0, max_value=366 * 24 * 60).map(
    lambda m: BASE + timedelta(minutes=m)
)
"""Whole-minute UTC instants from :data:`BASE` to a year and a day later (its DST changes and
the year boundary included)."""


@st.composite
def aware(draw: st.DrawFn) -> datetime:
    """An aware instant shown in a random zone, possibly with seconds."""
    instant = draw(instants) + timedelta(seconds=draw(st.sampled_from([0, 0, 0, 17])))
    return instant.astimezone(draw(zones))


VOLUNTEERS = st.sampled_from(["v1", "v2"])
"""Two volunteers, so that entries of one volunteer often overlap."""


@st.composite
def service_entries(
    draw: st.DrawFn,
    volunteers: st.SearchStrategy[str] = VOLUNTEERS,
    ids: st.SearchStrategy[EntryId] = entry_ids,
    starts: st.SearchStrategy[datetime] | None = None,
) -> ServiceEntry:
    """A valid service entry of up to 30 hours (starting at a draw of ``starts`` if given)."""
    start = draw(starts if starts is not None else aware())
    duration = draw(st.integers(min_value=1, max_value=30 * 60))
    end = start + timedelta(minutes=duration)
    brk = draw(st.integers(min_value=0, max_value=min(90, duration - 1)))
    return ServiceEntry(
        id=draw(ids),
        volunteer_id=draw(volunteers),
        organization_id=draw(st.sampled_from(["org-a", "org-b"])),
        activity_id=draw(st.none() | names),
        category=draw(st.sampled_from(["community", "elderly", "emergency"])),
        start=start,
        end=end,
        zone=draw(zones),
        break_minutes=brk,
        travel_minutes=draw(st.integers(min_value=0, max_value=120)),
        source=draw(st.sampled_from(list(Source))),
        initial_status=draw(st.sampled_from([Status.PENDING, Status.APPROVED])),
        recorded_by=draw(names),
        recorded_at=end + timedelta(minutes=draw(st.integers(min_value=0, max_value=60 * 24 * 40))),
        note=draw(st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x00"), max_size=20)),
    )


def _event_fields(draw: st.DrawFn, entry_id: EntryId | None = None) -> dict[str, object]:
    return {
        "id": draw(event_ids),
        "entry_id": entry_id if entry_id is not None else draw(entry_ids),
        "actor": draw(names),
        "at": draw(aware()),
        "reason": draw(names),
    }


@st.composite
def corrections(draw: st.DrawFn, entry_id: EntryId | None = None) -> Corrected:
    """A correction: a reversal, or an adjustment of some of start, end and break."""
    fields = _event_fields(draw, entry_id)
    if draw(st.booleans()):
        return Corrected(kind=CorrectionKind.REVERSE, **fields)  # type: ignore[arg-type]
    start = draw(st.none() | aware())
    end = draw(st.none() | aware())
    brk = draw(st.none() | st.integers(min_value=0, max_value=60))
    if (start, end, brk) == (None, None, None):
        brk = 0
    return Corrected(kind=CorrectionKind.ADJUST, start=start, end=end, break_minutes=brk, **fields)  # type: ignore[arg-type]


@st.composite
def events(
    draw: st.DrawFn,
    entry_id: EntryId | None = None,
    times: st.SearchStrategy[datetime] | None = None,
) -> LedgerEvent:
    """Any ledger event (referring to ``entry_id`` and dated by ``times`` if given)."""
    kind = draw(st.sampled_from(["approved", "rejected", "voided", "corrected"]))
    if kind == "corrected":
        event: LedgerEvent = draw(corrections(entry_id))
    else:
        cls = {"approved": Approved, "rejected": Rejected, "voided": Voided}[kind]
        event = cls(**_event_fields(draw, entry_id))  # type: ignore[arg-type,assignment]
    if times is not None:
        event = attrs.evolve(event, at=draw(times))
    return event


multipliers = st.decimals(min_value=0, max_value=5, places=2, allow_nan=False, allow_infinity=False)
"""Weighting multipliers from 0 to 5 in hundredths."""
hhmm = st.builds(
    lambda h, m: f"{h:02d}:{m:02d}", st.integers(0, 23), st.sampled_from([0, 15, 30, 45])
)
"""Wall times ``HH:MM`` at quarter hours, for time windows."""


@st.composite
def time_windows(draw: st.DrawFn) -> TimeWindowMultiplier:
    """A time-of-day window multiplier (start != end)."""
    start = draw(hhmm)
    end = draw(hhmm.filter(lambda e: e != start))
    return TimeWindowMultiplier(start=start, end=end, multiplier=draw(multipliers))


@st.composite
def weightings(draw: st.DrawFn) -> Weighting:
    """Category and time-window multipliers."""
    categories = st.sampled_from(["community", "elderly", "emergency"])
    cats = draw(st.lists(categories, unique=True, max_size=3))
    return Weighting(
        categories=tuple(
            CategoryMultiplier(category=c, multiplier=draw(multipliers)) for c in cats
        ),
        time_windows=tuple(draw(st.lists(time_windows(), max_size=2))),
    )


@st.composite
def policies(draw: st.DrawFn) -> AccrualPolicy:
    """A valid accrual policy (caps are multiples of the rounding unit that follows them)."""
    rounding = draw(
        st.none()
        | st.builds(
            Rounding,
            unit_minutes=st.sampled_from([6, 15, 30, 60]),
            mode=st.sampled_from(list(RoundingMode)),
            scope=st.sampled_from(list(RoundingScope)),
        )
    )
    # every unit drawn (6, 15, 30, 60) divides 60, so whole hours are valid caps
    multiples = st.integers(min_value=1, max_value=16).map(lambda k: k * 60)
    mode = draw(st.sampled_from(list(ApprovalMode)))
    return AccrualPolicy(
        name=draw(names),
        description=draw(st.text(max_size=10)),
        rounding=rounding,
        max_entry_minutes=draw(st.none() | multiples),
        daily_cap_minutes=draw(st.none() | multiples),
        overlaps=OverlapRule(merge=draw(st.booleans()), grace_minutes=draw(st.integers(0, 10))),
        max_record_minutes=draw(st.none() | st.integers(1, 3000)),
        refuse_future_service=draw(st.booleans()),
        refuse_before_registration=draw(st.booleans()),
        backfill=draw(
            st.none()
            | st.builds(BackfillDeadline, days=st.integers(0, 40), months=st.integers(0, 3))
        ),
        approval=ApprovalRule(
            mode=mode,
            below_minutes=draw(st.integers(1, 600)) if mode is ApprovalMode.AUTO_BELOW else None,
            auto_approve_organization_entries=draw(st.booleans()),
        ),
        weighting=draw(weightings()),
    )


dates = st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31))
"""Calendar dates from 1990 to 2100."""


@st.composite
def windows(draw: st.DrawFn) -> Window:
    """Any totals window."""
    kind = draw(st.sampled_from(["lifetime", "year", "rolling", "range"]))
    if kind == "lifetime":
        return Lifetime()
    if kind == "year":
        return CalendarYear(year=draw(st.integers(1990, 2100)))
    if kind == "rolling":
        return RollingMonths(months=draw(st.integers(1, 36)), ending=draw(dates))
    first = draw(dates)
    return DateRange(first=first, last=first + timedelta(days=draw(st.integers(0, 800))))


# ---------------------------------------------------------------------------------------------
# plain factories for example-based tests

RECORDED = datetime(2027, 6, 1, tzinfo=UTC)
"""Default recording instant of test entries (after all the 2026 service in the tests)."""


def make_entry(
    local_id: str,
    start: datetime,
    end: datetime,
    zone: ZoneInfo,
    *,
    volunteer: str = "v1",
    organization: str = "org-a",
    category: str = "community",
    activity: str | None = None,
    break_minutes: int = 0,
    status: Status = Status.APPROVED,
    source: Source = Source.ORGANIZATION,
    recorded_at: datetime = RECORDED,
) -> ServiceEntry:
    """Build an entry with test defaults (approved on entry, recorded at ``RECORDED``)."""
    return ServiceEntry(
        id=EntryId(origin="test", local_id=local_id),
        volunteer_id=volunteer,
        organization_id=organization,
        activity_id=activity,
        category=category,
        start=start,
        end=end,
        zone=zone,
        break_minutes=break_minutes,
        source=source,
        initial_status=status,
        recorded_by="recorder",
        recorded_at=recorded_at,
    )


def eid(local_id: str) -> EntryId:
    """The test entry id ``test:<local_id>``."""
    return EntryId(origin="test", local_id=local_id)


def evid(local_id: str) -> EventId:
    """The test event id ``test:<local_id>``."""
    return EventId(origin="test", local_id=local_id)


@st.composite
def ledger_policies(draw: st.DrawFn) -> AccrualPolicy:
    """A policy a store-backed ledger accepts, with record-time refusals switched off.

    Like :func:`policies`, but without the future-service, before-registration and back-fill
    checks (so generated histories are recorded rather than refused) and with no limit on record
    length. Multipliers have two decimal places, so weighted credit fits the stores' six.
    """
    policy = draw(policies())
    return attrs.evolve(
        policy,
        refuse_future_service=False,
        refuse_before_registration=False,
        backfill=None,
        max_record_minutes=None,
    )
