"""Shift occurrences, availability and ages."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from volunteerkit.errors import NaiveDatetimeError, VolunteerkitError
from volunteerkit.matching import (
    Availability,
    AvailabilityException,
    MatchingInputError,
    Occurrence,
    Shift,
    WeeklyWindow,
    age_on,
    available_minutes,
    occurrences,
)
from volunteerkit.matching.schedule import until_instant

NY = ZoneInfo("America/New_York")
SH = ZoneInfo("Asia/Shanghai")
KTM = ZoneInfo("Asia/Kathmandu")


def _shift(**kw):
    fields = {
        "id": "f",
        "slot_id": "s",
        "project_id": "p",
        "start": datetime(2026, 3, 1, 9, 0, tzinfo=NY),
        "duration_minutes": 120,
        "zone": NY,
    }
    fields.update(kw)
    return Shift(**fields)


def test_weekly_rule_keeps_local_time_across_daylight_saving():
    """A weekly 09:00 New York shift is at 14:00Z before 8 March 2026 and 13:00Z after."""
    shift = _shift(rrule="FREQ=WEEKLY;COUNT=3")
    occ = occurrences(shift, datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))
    assert [o.start for o in occ] == [
        datetime(2026, 3, 1, 14, 0, tzinfo=UTC),
        datetime(2026, 3, 8, 13, 0, tzinfo=UTC),
        datetime(2026, 3, 15, 13, 0, tzinfo=UTC),
    ]
    assert [o.minutes for o in occ] == [120, 120, 120]
    assert occ[1].local_date == date(2026, 3, 8)


def test_exdates_and_window_limit_occurrences():
    """Cancelled starts are left out; only starts inside [window_start, window_end) are given."""
    shift = _shift(
        rrule="FREQ=DAILY",
        exdates=(datetime(2026, 3, 3, 14, 0, tzinfo=UTC),),
    )
    occ = occurrences(
        shift, datetime(2026, 3, 2, 14, 0, tzinfo=UTC), datetime(2026, 3, 5, 14, 0, tzinfo=UTC)
    )
    assert [o.start.day for o in occ] == [2, 4]


def test_one_off_shift_and_empty_window():
    """A shift without a rule occurs once; an empty window is refused."""
    shift = _shift()
    assert (
        len(occurrences(shift, datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC)))
        == 1
    )
    assert (
        occurrences(shift, datetime(2026, 4, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC))
        == []
    )
    with pytest.raises(MatchingInputError) as info:
        occurrences(shift, datetime(2026, 4, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC))
    assert info.value.code == "matching.window_required"


def test_start_in_spring_forward_gap_moves_forward():
    """A daily 02:30 New York shift on 8 March 2026 (a time that does not exist) starts 03:30 EDT."""
    shift = _shift(start=datetime(2026, 3, 7, 2, 30, tzinfo=NY), rrule="FREQ=DAILY;COUNT=3")
    occ = occurrences(shift, datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC))
    assert [o.start for o in occ] == [
        datetime(2026, 3, 7, 7, 30, tzinfo=UTC),
        datetime(2026, 3, 8, 7, 30, tzinfo=UTC),
        datetime(2026, 3, 9, 6, 30, tzinfo=UTC),
    ]


def test_available_minutes_in_the_volunteers_own_zone():
    """A Kathmandu Saturday 09:00-12:00 window covers 03:15-06:15Z; time off removes its part."""
    avail = Availability(
        zone=KTM, weekly=(WeeklyWindow(weekday=5, start_minute=540, end_minute=720),)
    )
    start = datetime(2026, 12, 5, 3, 0, tzinfo=UTC)  # Saturday
    assert available_minutes(avail, start, start + timedelta(hours=4)) == 180
    off = Availability(
        zone=KTM,
        weekly=avail.weekly,
        exceptions=(
            AvailabilityException(
                start=datetime(2026, 12, 5, 4, 0, tzinfo=UTC),
                end=datetime(2026, 12, 5, 5, 0, tzinfo=UTC),
            ),
        ),
    )
    assert available_minutes(off, start, start + timedelta(hours=4)) == 120
    extra = Availability(
        zone=KTM,
        exceptions=(
            AvailabilityException(
                start=datetime(2026, 12, 6, 1, 0, tzinfo=UTC),
                end=datetime(2026, 12, 6, 2, 0, tzinfo=UTC),
                available=True,
            ),
        ),
    )
    assert (
        available_minutes(
            extra, datetime(2026, 12, 6, tzinfo=UTC), datetime(2026, 12, 7, tzinfo=UTC)
        )
        == 60
    )
    assert available_minutes(None, start, start + timedelta(minutes=90)) == 90


def test_age_on_birthdays_and_leap_days():
    """Ages count completed years; a 29 February birthday is reached on 1 March in common years."""
    assert age_on(date(2008, 12, 5), date(2026, 12, 4)) == 17
    assert age_on(date(2008, 12, 5), date(2026, 12, 5)) == 18
    assert age_on(date(2008, 2, 29), date(2026, 2, 28)) == 17
    assert age_on(date(2008, 2, 29), date(2026, 3, 1)) == 18
    assert age_on(date(2008, 2, 29), date(2028, 2, 29)) == 20


def test_recurring_shift_starts_at_its_own_start_on_a_fall_back_day():
    """A weekly shift from the second 01:30 of 1 November 2026 (EST, 06:30Z) first starts at 06:30Z.

    The one-off shift with the same start does too; before, the rule's first start went to 01:30 EDT.
    """
    start = datetime(2026, 11, 1, 6, 30, tzinfo=UTC)
    window = (datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC))
    one_off = occurrences(_shift(start=start), *window)
    weekly = occurrences(_shift(start=start, rrule="FREQ=WEEKLY;COUNT=2"), *window)
    assert [o.start for o in one_off] == [datetime(2026, 11, 1, 6, 30, tzinfo=UTC)]
    assert [o.start for o in weekly] == [
        datetime(2026, 11, 1, 6, 30, tzinfo=UTC),
        datetime(2026, 11, 8, 6, 30, tzinfo=UTC),
    ]
    folded = _shift(start=datetime(2026, 11, 1, 1, 30, fold=1, tzinfo=NY), rrule="FREQ=DAILY")
    assert occurrences(folded, *window)[0].start == start


def test_until_in_utc_is_an_instant():
    """``UNTIL=…Z`` ends the series at that instant, not at the same digits read as local time.

    20261210T230000Z is 07:00 on 11 December in Shanghai, so the daily 07:00 shift still runs that
    day; 20261210T233000Z is 18:30 on 10 December in New York, so the 20:00 shift does not.
    """
    window = (datetime(2026, 12, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))
    shanghai = _shift(
        start=datetime(2026, 12, 8, 7, 0, tzinfo=SH),
        zone=SH,
        rrule="FREQ=DAILY;UNTIL=20261210T230000Z",
    )
    assert [o.start for o in occurrences(shanghai, *window)] == [
        datetime(2026, 12, d, 23, 0, tzinfo=UTC) for d in (7, 8, 9, 10)
    ]
    new_york = _shift(
        start=datetime(2026, 12, 8, 20, 0, tzinfo=NY), rrule="FREQ=DAILY;until=20261210T233000z"
    )
    assert [o.start.astimezone(NY).day for o in occurrences(new_york, *window)] == [8, 9]
    local = _shift(
        start=datetime(2026, 12, 8, 20, 0, tzinfo=NY), rrule="FREQ=DAILY;UNTIL=20261210T233000"
    )
    assert [o.start.astimezone(NY).day for o in occurrences(local, *window)] == [8, 9, 10]


def test_until_as_a_date_alone_keeps_that_day():
    """``UNTIL=20261210`` with a 20:00 start keeps 10 December's shift (dateutil alone cut it).

    The date runs to 23:59:59 local, so 10 December's 20:00 and 23:59 starts are kept; in
    Kathmandu (+05:45) the day ends at 18:14:59Z, so nothing of 11 December local is.
    """
    window = (datetime(2026, 12, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))
    evening = _shift(start=datetime(2026, 12, 8, 20, 0, tzinfo=NY), rrule="FREQ=DAILY;UNTIL=20261210")
    assert [o.start.astimezone(NY).day for o in occurrences(evening, *window)] == [8, 9, 10]
    assert until_instant(evening) == datetime(2026, 12, 11, 4, 59, 59, tzinfo=UTC)
    late = _shift(
        start=datetime(2026, 12, 8, 23, 59, tzinfo=KTM), zone=KTM, rrule="FREQ=DAILY;UNTIL=20261210"
    )
    assert [o.start.astimezone(KTM).day for o in occurrences(late, *window)] == [8, 9, 10]
    assert until_instant(late) == datetime(2026, 12, 10, 18, 14, 59, tzinfo=UTC)
    assert until_instant(_shift(rrule="FREQ=DAILY;COUNT=2")) is None


def test_until_at_the_end_of_the_calendar_means_for_ever():
    """``UNTIL=99991231`` (a common "for ever") expands as if unbounded, in every zone.

    West of UTC the end of that local day lies beyond the calendar, so the series runs to its
    last instant; in Shanghai the day ends at 15:59:59Z.
    """
    window = (datetime(2026, 12, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))
    for zone, until in [
        (NY, datetime.max.replace(tzinfo=UTC)),
        (SH, datetime(9999, 12, 31, 15, 59, 59, tzinfo=UTC)),
    ]:
        for rule in ("FREQ=WEEKLY;UNTIL=99991231", "FREQ=WEEKLY;UNTIL=99991231T235959"):
            shift = _shift(start=datetime(2026, 12, 8, 20, 0, tzinfo=zone), zone=zone, rrule=rule)
            assert until_instant(shift) == until
            starts = [o.start.astimezone(zone).day for o in occurrences(shift, *window)]
            assert starts == [8, 15, 22, 29]


def test_window_to_the_end_of_the_calendar():
    """A window from ``datetime.min`` to ``datetime.max`` (UTC) gives every occurrence, no overflow."""
    shift = _shift(rrule="FREQ=WEEKLY;COUNT=3")
    everything = (datetime.min.replace(tzinfo=UTC), datetime.max.replace(tzinfo=UTC))
    assert [o.start for o in occurrences(shift, *everything)] == [
        datetime(2026, 3, 1, 14, 0, tzinfo=UTC),
        datetime(2026, 3, 8, 13, 0, tzinfo=UTC),
        datetime(2026, 3, 15, 13, 0, tzinfo=UTC),
    ]


@settings(max_examples=300, deadline=None)
@given(
    start=st.datetimes(
        min_value=datetime(2025, 1, 1), max_value=datetime(2028, 1, 1), timezones=st.just(UTC)
    ).map(lambda t: t.replace(second=0, microsecond=0)),
    minutes=st.integers(1, 3 * 1440),
    zone=st.sampled_from(
        [NY, SH, KTM, ZoneInfo("Australia/Lord_Howe"), ZoneInfo("Asia/Yangon")]
    ),
    to_midnight=st.none() | st.integers(0, 2),
)
def test_an_occurrence_serves_on_the_dates_of_its_minutes(
    start: datetime, minutes: int, zone: ZoneInfo, to_midnight: int | None
) -> None:
    """``local_dates`` are the local dates of its served minutes, in order, each once.

    Some occurrences end exactly at a local midnight (``to_midnight`` days after the next one),
    where the day that starts then is not served on.
    """
    if to_midnight is not None:
        day = start.astimezone(zone).date() + timedelta(days=1 + to_midnight)
        midnight = datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
        minutes = (midnight - start) // timedelta(minutes=1)
    occ = Occurrence(
        shift_id="f", slot_id="s", project_id="p", start=start,
        end=start + timedelta(minutes=minutes), zone=zone, needed=1,
    )  # fmt: skip
    served = sorted({(start + timedelta(minutes=k)).astimezone(zone).date() for k in range(minutes)})
    assert list(occ.local_dates) == served
    assert (occ.local_date, occ.last_local_date) == (served[0], served[-1])


def test_occurrences_beyond_the_calendar_are_left_out():
    """A daily shift in the last days of year 9999 stops where UTC's calendar ends.

    20:00 in New York is 01:00Z the next day, so 31 December's shift would start in year 10000;
    an hour-long shift from 23:30Z on 31 December would end there. Both are left out, without
    an OverflowError (also in Kiritimati, +14:00, whose 31 December ends at 10:00Z).
    """
    everything = (datetime(9999, 12, 1, tzinfo=UTC), datetime.max.replace(tzinfo=UTC))
    evening = _shift(start=datetime(9999, 12, 29, 20, 0, tzinfo=NY), rrule="FREQ=DAILY")
    assert [o.start for o in occurrences(evening, *everything)] == [
        datetime(9999, 12, 30, 1, 0, tzinfo=UTC),
        datetime(9999, 12, 31, 1, 0, tzinfo=UTC),
    ]
    utc = ZoneInfo("UTC")
    late = _shift(start=datetime(9999, 12, 29, 23, 30, tzinfo=utc), zone=utc, rrule="FREQ=DAILY")
    assert [o.start.day for o in occurrences(late, *everything)] == [29, 30]
    kiritimati = ZoneInfo("Pacific/Kiritimati")
    morning = _shift(
        start=datetime(9999, 12, 29, 9, 0, tzinfo=kiritimati), zone=kiritimati, rrule="FREQ=DAILY"
    )
    assert [o.start.astimezone(kiritimati).day for o in occurrences(morning, *everything)] == [
        29, 30, 31,
    ]  # fmt: skip


def test_local_dates_and_windows_at_the_ends_of_the_calendar():
    """Occurrences without a local date are left out; nothing raises OverflowError or ValueError.

    31 December 9999, 20:00 UTC, is already 1 January 10000 in Kiritimati (+14:00): a one-off
    shift then has no occurrence (an occurrence built by hand refuses to give its local dates),
    a recurring one (whose wall time the rule repeats) is refused, and a volunteer there is
    never available. A weekly Sunday rule stops at 26 December 9999 (dateutil's next week would
    start in year 10000). A yearly New York shift at 19:00 local (00:00Z)
    from 1 January 2026 has 7,974 occurrences up to a window end of 9999-12-31 23:00-05:00,
    which is beyond the calendar in UTC: 9999's own 19:00 is in year 10000 UTC.
    """
    kiritimati = ZoneInfo("Pacific/Kiritimati")
    everything = (datetime(9999, 12, 1, tzinfo=UTC), datetime.max.replace(tzinfo=UTC))
    last = _shift(start=datetime(9999, 12, 31, 20, 0, tzinfo=UTC), zone=kiritimati, rrule=None)
    assert occurrences(last, *everything) == []  # no local date to give it
    by_hand = Occurrence(
        shift_id="f", slot_id="s", project_id="p", start=last.start,
        end=last.start + timedelta(hours=1), zone=kiritimati, needed=1,
    )  # fmt: skip
    with pytest.raises(MatchingInputError) as info:
        _ = by_hand.local_dates
    assert (info.value.code, info.value.path) == ("matching.invalid", "$.start")
    sundays = _shift(start=datetime(9999, 12, 3, 9, 0, tzinfo=UTC), rrule="FREQ=WEEKLY;BYDAY=SU")
    assert [o.start.day for o in occurrences(sundays, *everything)] == [5, 12, 19, 26]
    whole_days = tuple(WeeklyWindow(weekday=d, start_minute=0, end_minute=1440) for d in range(7))
    always = Availability(zone=kiritimati, weekly=whole_days)  # 1 January 10000 never opens
    assert available_minutes(always, last.start, last.start + timedelta(hours=1)) == 0
    with pytest.raises(MatchingInputError) as info:
        _shift(start=datetime(9999, 12, 31, 20, 0, tzinfo=UTC), zone=kiritimati, rrule="FREQ=DAILY")
    assert (info.value.code, info.value.path) == ("matching.invalid", "$.start")
    yearly = _shift(start=datetime(2026, 1, 1, tzinfo=UTC), rrule="FREQ=YEARLY")
    found = occurrences(yearly, datetime(2026, 1, 1, tzinfo=UTC), datetime(9999, 12, 31, 23, tzinfo=NY))
    assert len(found) == 7974
    assert found[-1].start == datetime(9999, 1, 1, tzinfo=UTC)
    endless = _shift(start=datetime(2026, 1, 1, tzinfo=UTC), rrule=None, duration_minutes=10**12)
    forever = (datetime(2026, 1, 1, tzinfo=UTC), datetime.max.replace(tzinfo=UTC))
    assert occurrences(endless, *forever) == []  # it would end beyond the calendar


def test_an_interval_must_be_a_positive_integer():
    """INTERVAL of 0 or below is matching.recurrence at $.rrule (RFC 5545); INTERVAL=2 recurs."""
    for rule in (
        "FREQ=WEEKLY;INTERVAL=0",
        "FREQ=DAILY;INTERVAL=-1;COUNT=3",
        "freq=weekly;interval=00",
    ):
        with pytest.raises(MatchingInputError) as info:
            _shift(rrule=rule)
        assert (info.value.code, info.value.path) == ("matching.recurrence", "$.rrule")
    shift = _shift(rrule="FREQ=WEEKLY;INTERVAL=2;COUNT=3")
    occ = occurrences(shift, datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))
    assert [o.start.astimezone(NY).date() for o in occ] == [
        date(2026, 3, 1),
        date(2026, 3, 15),
        date(2026, 3, 29),
    ]


def test_exdates_must_be_a_list_of_instants():
    """exdates=None is matching.invalid at $.exdates; a list is kept as the equal tuple."""
    with pytest.raises(MatchingInputError) as info:
        _shift(exdates=None)
    assert (info.value.code, info.value.path) == ("matching.invalid", "$.exdates")
    cancelled = datetime(2026, 3, 1, 14, 0, tzinfo=UTC)
    assert _shift(exdates=[cancelled]) == _shift(exdates=(cancelled,))
    assert _shift(exdates=[cancelled]).exdates == (cancelled,)


def test_short_time_off_is_counted_exactly_not_per_piece():
    """Two 30-second breaks in a 10-minute window leave 9 available minutes, not 10.

    Before, each piece of time off was floored to whole minutes on its own (0 + 0), so a
    volunteer away for a minute in all was counted as available for the whole shift.
    """
    utc = ZoneInfo("UTC")
    monday = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
    breaks = [
        AvailabilityException(
            start=monday + timedelta(seconds=a), end=monday + timedelta(seconds=b)
        )
        for a, b in ((30, 60), (150, 180))
    ]
    avail = Availability(
        zone=utc,
        weekly=[WeeklyWindow(weekday=0, start_minute=0, end_minute=10)],
        exceptions=breaks,
    )
    assert available_minutes(avail, monday, monday + timedelta(minutes=10)) == 9
    one = Availability(zone=utc, weekly=avail.weekly, exceptions=breaks[:1])
    assert available_minutes(one, monday, monday + timedelta(minutes=10)) == 9


@pytest.mark.parametrize(
    ("args", "code", "path"),
    [
        ((None, datetime(2026, 3, 2), datetime(2026, 3, 2, 1, tzinfo=UTC)), None, "$.start"),
        ((None, datetime(2026, 3, 2, tzinfo=UTC), datetime(2026, 3, 2, 1)), None, "$.end"),
        ((None, "2026-03-02", datetime(2026, 3, 2, 1, tzinfo=UTC)), "time.not_datetime", "$.start"),
        (
            ("always", datetime(2026, 3, 2, tzinfo=UTC), datetime(2026, 3, 2, 1, tzinfo=UTC)),
            "matching.invalid",
            "$.availability",
        ),
    ],
)
def test_available_minutes_refuses_naive_or_wrong_arguments(args, code, path):
    """A naive bound is refused (it was read as the machine's local time), as is a wrong type."""
    with pytest.raises(VolunteerkitError) as info:
        available_minutes(*args)
    assert info.value.path == path
    if code is None:
        assert isinstance(info.value, NaiveDatetimeError)
    else:
        assert info.value.code == code


def test_available_minutes_at_the_ends_of_the_calendar():
    """Always available: every minute of [start, end) counts, even beyond the calendar in UTC.

    0001-01-01 00:00+05:00 to 06:00+05:00 is 6 hours; its start is 31 December of year 0 in
    UTC. Clamped to the calendar's start it was counted as 60 minutes (and 3 hours ending at
    9999-12-31 23:00-05:00 as 0), not the 360 and 180 minutes that were asked about.
    """
    plus5 = timezone(timedelta(hours=5))
    start = datetime(1, 1, 1, 0, 0, tzinfo=plus5)  # 31 December of year 0 in UTC
    assert available_minutes(None, start, datetime(1, 1, 1, 6, 0, tzinfo=plus5)) == 360
    minus5 = timezone(-timedelta(hours=5))
    late = datetime(9999, 12, 31, 20, 0, tzinfo=minus5)  # 1 January of year 10000 in UTC
    assert available_minutes(None, late, datetime(9999, 12, 31, 23, 0, tzinfo=minus5)) == 180
    assert available_minutes(None, late, late.replace(hour=19, second=30)) == 0
    assert available_minutes(None, start, start + timedelta(seconds=119)) == 1
    ny = ZoneInfo("America/New_York")  # the same zone on both bounds: instants, not wall times
    spring = (datetime(2026, 3, 8, 0, tzinfo=ny), datetime(2026, 3, 8, 4, tzinfo=ny))
    assert available_minutes(None, *spring) == 180
    autumn = (datetime(2026, 11, 1, 0, tzinfo=ny), datetime(2026, 11, 1, 1, 30, fold=1, tzinfo=ny))
    assert available_minutes(None, *autumn) == 150
