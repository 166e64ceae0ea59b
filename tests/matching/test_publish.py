"""Publishing: UK Volunteering Data Standard JSON and RFC 5545 iCalendar."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import attrs
import pytest

from volunteerkit.errors import NaiveDatetimeError
from volunteerkit.matching import (
    MatchingInputError,
    Project,
    Shift,
    Slot,
    occurrences,
    to_icalendar,
    to_volunteering_data,
)
from volunteerkit.matching.publish import escape_text, fold_line

from ._fixtures import FAIR, GUIDE, GUIDE_SHIFT, MEDIC, MEDIC_SHIFT, WINDOW

NY = ZoneInfo("America/New_York")
STAMP = datetime(2026, 11, 28, 1, 0, tzinfo=UTC)


def test_volunteering_data_nests_organisation_activity_role_session():
    """The document lists organisations, their activities, roles and sessions with exact fields."""
    doc = to_volunteering_data(
        [FAIR],
        [MEDIC, GUIDE],
        [GUIDE_SHIFT, MEDIC_SHIFT],
        window_start=WINDOW[0],
        window_end=WINDOW[1],
        base_uri="https://example.org/vk/",
    )
    assert doc["@context"] == "https://api.volunteeringdata.io/context/v1"
    [org] = doc["graph"]
    assert (org["type"], org["id"], org["name"]) == (
        "Organisation",
        "https://example.org/vk/organisation/org-dc",
        "Dongcheng Volunteers",
    )
    [activity] = org["activity"]
    assert activity["title"] == "Temple fair"
    assert activity["cause"] == ["https://example.org/vk/cause/events"]
    assert [r["title"] for r in activity["role"]] == ["Guide", "First aid"]
    assert activity["role"][1]["minimumAge"] == "18"
    assert activity["role"][1]["requirement"] == ["https://example.org/vk/requirement/first_aid"]
    assert activity["role"][0]["allowsRemoteParticipation"] is False
    sessions = activity["session"]
    assert [s["startDate"] for s in sessions] == [
        "2026-12-05T09:00:00+08:00",
        "2026-12-12T09:00:00+08:00",
        "2026-12-05T09:00:00+08:00",
    ]
    assert sessions[0]["endDate"] == "2026-12-05T13:00:00+08:00"
    assert sessions[0]["location"]["latitude"] == 39.9522
    assert json.loads(json.dumps(doc)) == doc


def _ny_shift():
    project = Project(
        id="p-ny",
        organization_id="o",
        organization_name="Food bank; NYC, Inc.",
        title="Pantry",
        category="food",
        zone=NY,
        remote=True,
    )
    slot = Slot(
        id="s-ny",
        project_id="p-ny",
        title="Packer, night",
        capacity=3,
        description="Line one\nLine two; with \\ backslash — and a long tail " + "é" * 60,
    )
    shift = Shift(
        id="f-ny",
        slot_id="s-ny",
        project_id="p-ny",
        start=datetime(2026, 3, 1, 18, 0, tzinfo=NY),
        duration_minutes=180,
        zone=NY,
        rrule="FREQ=WEEKLY;COUNT=4",
        exdates=(datetime(2026, 3, 15, 18, 0, tzinfo=NY),),
    )
    return project, slot, shift


def test_icalendar_event_fields_escaping_and_timezone():
    """One VEVENT with UID, DTSTAMP, TZID local times, RRULE, EXDATE and escaped text."""
    project, slot, shift = _ny_shift()
    text = to_icalendar(
        [shift], [project], [slot], dtstamp=STAMP, uid_domain="example.org", horizon_years=0
    )
    assert text.endswith("END:VCALENDAR\r\n")
    assert "\n" not in text.replace("\r\n", "")
    unfolded = text.replace("\r\n ", "").split("\r\n")
    assert "UID:f-ny@example.org" in unfolded
    assert "DTSTAMP:20261128T010000Z" in unfolded
    assert "DTSTART;TZID=America/New_York:20260301T180000" in unfolded
    assert "DTEND;TZID=America/New_York:20260301T210000" in unfolded
    assert "RRULE:FREQ=WEEKLY;COUNT=4" in unfolded
    assert "EXDATE;TZID=America/New_York:20260315T180000" in unfolded
    assert "SUMMARY:Packer\\, night – Pantry" in unfolded
    desc = next(line for line in unfolded if line.startswith("DESCRIPTION:"))
    assert desc.startswith("DESCRIPTION:Line one\\nLine two\\; with \\\\ backslash")
    start = unfolded.index("BEGIN:VTIMEZONE")
    end = unfolded.index("END:VTIMEZONE")
    assert unfolded[start : end + 1] == [
        "BEGIN:VTIMEZONE",
        "TZID:America/New_York",
        "BEGIN:DAYLIGHT",
        "DTSTART:20260308T020000",
        "TZOFFSETFROM:-0500",
        "TZOFFSETTO:-0400",
        "TZNAME:EDT",
        "END:DAYLIGHT",
        "BEGIN:STANDARD",
        "DTSTART:20261101T020000",
        "TZOFFSETFROM:-0400",
        "TZOFFSETTO:-0500",
        "TZNAME:EST",
        "END:STANDARD",
        "END:VTIMEZONE",
    ]


def test_until_is_published_in_utc():
    """A local or date-only ``UNTIL`` is written as the UTC instant the expansion reads it as.

    RFC 5545 (3.3.10) wants ``UNTIL`` in UTC beside a ``DTSTART`` with a ``TZID``. 10 December
    2026 ends at 23:59:59 in New York (-05:00), 04:59:59Z on the 11th; 23:30 there is 04:30Z.
    """
    project, slot, shift = _ny_shift()
    for rule, published in [
        ("FREQ=DAILY;UNTIL=20261210", "FREQ=DAILY;UNTIL=20261211T045959Z"),
        (
            "FREQ=DAILY;until=20261210T233000;INTERVAL=2",
            "FREQ=DAILY;UNTIL=20261211T043000Z;INTERVAL=2",
        ),
        ("FREQ=DAILY;UNTIL=20261210T233000Z", "FREQ=DAILY;UNTIL=20261210T233000Z"),
        ("FREQ=WEEKLY;UNTIL=99991231", "FREQ=WEEKLY;UNTIL=99991231T235959Z"),  # for ever
    ]:
        ruled = attrs.evolve(shift, rrule=rule, exdates=())
        text = to_icalendar([ruled], [project], [slot], dtstamp=STAMP, uid_domain="example.org")
        assert f"RRULE:{published}" in text.replace("\r\n ", "").split("\r\n")


def test_a_shift_under_an_old_name_of_its_projects_zone_is_published():
    """Both exports take a shift under a tz database link of its project's zone.

    ``US/Eastern`` is a link to ``America/New_York``; the iCalendar export writes a ``VTIMEZONE``
    for the name each shift gives.
    """
    project, slot, shift = _ny_shift()
    eastern = ZoneInfo("US/Eastern")
    renamed = attrs.evolve(
        shift, id="f-eastern", zone=eastern, start=shift.start.astimezone(eastern)
    )
    text = to_icalendar([shift, renamed], [project], [slot], dtstamp=STAMP, uid_domain="x.org")
    assert "TZID:US/Eastern" in text.split("\r\n") and "TZID:America/New_York" in text.split("\r\n")
    data = to_volunteering_data(
        [project],
        [slot],
        [shift, renamed],
        base_uri="https://x.org",
        window_start=shift.start - timedelta(days=1),
        window_end=shift.start + timedelta(days=40),
    )
    sessions = data["graph"][0]["activity"][0]["session"]
    by_shift = {
        f: [(x["startDate"], x["endDate"]) for x in sessions if f"/{f}/" in x["id"]]
        for f in ("f-ny", "f-eastern")
    }
    assert (
        by_shift["f-eastern"]
        == by_shift["f-ny"]
        == [  # 15 March is an EXDATE
            ("2026-03-01T18:00:00-05:00", "2026-03-01T21:00:00-05:00"),
            ("2026-03-08T18:00:00-04:00", "2026-03-08T21:00:00-04:00"),
            ("2026-03-22T18:00:00-04:00", "2026-03-22T21:00:00-04:00"),
        ]
    )


def test_a_shift_in_another_zone_than_its_project_is_refused_by_its_given_index():
    """Both exports refuse it; the path counts the shifts in the order given, not by id."""
    project, slot, shift = _ny_shift()
    tokyo = attrs.evolve(shift, id="a-first-by-id", zone=ZoneInfo("Asia/Tokyo"))
    for export in (
        lambda: to_icalendar([shift, tokyo], [project], [slot], dtstamp=STAMP, uid_domain="x.org"),
        lambda: to_volunteering_data(
            [project],
            [slot],
            [shift, tokyo],
            base_uri="https://x.org",
            window_start=STAMP,
            window_end=STAMP + timedelta(days=30),
        ),
    ):
        with pytest.raises(MatchingInputError) as info:
            export()
        assert (info.value.code, info.value.path) == ("matching.zone_mismatch", "$.shifts[1].zone")


def test_lines_fold_at_75_octets_without_splitting_characters():
    """Every physical line is at most 75 octets, and unfolding gives back valid UTF-8 text."""
    project, slot, shift = _ny_shift()
    text = to_icalendar([shift], [project], [slot], dtstamp=STAMP, uid_domain="example.org")
    for line in text.split("\r\n"):
        assert len(line.encode("utf-8")) <= 75
    folded = fold_line("X" * 80)
    assert folded == "X" * 75 + "\r\n " + "X" * 5
    wide = fold_line("é" * 40)
    assert [len(p.encode()) for p in wide.split("\r\n")] == [74, 7]
    assert wide.replace("\r\n ", "") == "é" * 40


def test_escape_text_and_explicit_dtstamp():
    """TEXT escaping follows RFC 5545; a naive DTSTAMP is refused (no clock is read)."""
    assert escape_text("a;b,c\\d\ne") == "a\\;b\\,c\\\\d\\ne"
    project, slot, shift = _ny_shift()
    with pytest.raises(NaiveDatetimeError):
        to_icalendar([shift], [project], [slot], dtstamp=datetime(2026, 1, 1), uid_domain="x")


def _new_york_project(title: str, category: str) -> Project:
    return Project(
        id="p-ny",
        organization_id="o",
        organization_name="NY Volunteers",
        title=title,
        category=category,
        zone=NY,
        remote=True,
    )


def test_dtend_is_the_shift_length_later_across_a_daylight_saving_change():
    """An 8-hour New York night shift from 22:00 on 7 March 2026 ends at 07:00 EDT.

    The clocks spring forward at 02:00, so the end's wall time is 9 hours after the start's; the
    start given in New York time or in UTC gives the same ``DTEND``.
    """
    project = _new_york_project("Night shelter", "shelter")
    slot = Slot(id="s-ny", project_id="p-ny", title="Night desk", capacity=1)
    for start in (datetime(2026, 3, 7, 22, 0, tzinfo=NY), datetime(2026, 3, 8, 3, 0, tzinfo=UTC)):
        shift = Shift(
            id="f-ny", slot_id="s-ny", project_id="p-ny", start=start, duration_minutes=480, zone=NY
        )
        ics = to_icalendar([shift], [project], [slot], dtstamp=STAMP, uid_domain="example.org")
        assert "DTSTART;TZID=America/New_York:20260307T220000\r\n" in ics
        assert "DTEND;TZID=America/New_York:20260308T070000\r\n" in ics


def test_shift_on_29_february_exports():
    """A shift first starting on 29 February 2028 exports; its zone's rules run to the end of 2033."""
    project = _new_york_project("Leap day cleanup", "environment")
    slot = Slot(id="s-ny", project_id="p-ny", title="Picker", capacity=1)
    shift = Shift(
        id="f-leap",
        slot_id="s-ny",
        project_id="p-ny",
        start=datetime(2028, 2, 29, 9, 0, tzinfo=NY),
        duration_minutes=60,
        zone=NY,
    )
    ics = to_icalendar([shift], [project], [slot], dtstamp=STAMP, uid_domain="example.org")
    assert "DTSTART;TZID=America/New_York:20280229T090000\r\n" in ics
    assert "DTSTART:20331106T020000\r\n" in ics  # last fall-back of 2033
    assert "DTSTART:20340" not in ics


def _instant(params: dict[str, str], value: str) -> datetime:
    """One DATE-TIME value as RFC 5545 (3.3.5) defines it, in UTC.

    ``…Z`` is UTC; a local time with ``TZID`` that occurs twice is the first of the two, and one
    in a spring-forward gap takes the offset from before the gap: what ``fold=0`` gives.
    """
    if value.endswith("Z"):
        return datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    wall = datetime.strptime(value, "%Y%m%dT%H%M%S")
    return wall.replace(tzinfo=ZoneInfo(params["TZID"]), fold=0).astimezone(UTC)


def _read_back(ics: str, lo: datetime, hi: datetime) -> dict[str, list[tuple[datetime, datetime]]]:
    """Read each VEVENT back as a calendar program does: its (start, end) instants in [lo, hi).

    The rule recurs on the local time of ``DTSTART`` (dateutil on wall times, each read as
    above; ``COUNT`` counts ``DTSTART``, ``UNTIL`` in UTC bounds the instants); ``RDATE`` adds
    instants, ``EXDATE`` removes them; ``DTEND`` gives the exact length of every instance, as
    does ``DURATION``.
    """
    from dateutil.rrule import rrulestr

    events: dict[str, list[tuple[datetime, datetime]]] = {}
    for block in ics.replace("\r\n ", "").split("BEGIN:VEVENT\r\n")[1:]:
        props: list[tuple[str, dict[str, str], str]] = []
        for line in block.split("\r\nEND:VEVENT")[0].split("\r\n"):
            head, _, value = line.partition(":")
            name, *params = head.split(";")
            props.append((name, dict(p.split("=", 1) for p in params), value))
        one = {name: (params, value) for name, params, value in props}
        uid = one["UID"][1].split("@")[0]
        params, value = one["DTSTART"]
        start = _instant(params, value)
        if "DTEND" in one:
            length = _instant(*one["DTEND"]) - start
        else:
            length = timedelta(minutes=int(one["DURATION"][1].removeprefix("PT").removesuffix("M")))
        starts = {start}
        if "RRULE" in one:
            parts = one["RRULE"][1].split(";")
            until = [p.split("=")[1] for p in parts if p.startswith("UNTIL=")]
            rule = ";".join(p for p in parts if not p.startswith("UNTIL="))
            walls = rrulestr(rule, dtstart=datetime.strptime(value, "%Y%m%dT%H%M%S"))
            starts = set()
            for wall in walls:
                instant = _instant(params, wall.strftime("%Y%m%dT%H%M%S"))
                if instant >= hi + timedelta(days=2):
                    break
                if not until or instant <= _instant({}, until[0]):
                    starts.add(instant)
        for name, p, values in props:
            for v in values.split(",") if name in ("RDATE", "EXDATE") else ():
                (starts.add if name == "RDATE" else starts.discard)(_instant(p, v))
        events[uid] = sorted((s, s + length) for s in starts if lo <= s < hi)
    return events


def test_icalendar_times_in_a_repeated_hour_denote_the_shifts_occurrences():
    """Read back by RFC 5545, every event gives the instants of occurrences(), fall-back days too.

    01:30 on 1 November 2026 occurs twice in New York (05:30 and 06:30 UTC); with a TZID it
    names the first. A one-off shift in the second is written in UTC; a recurring one keeps its
    local DTSTART, cancels it with an EXDATE and adds its real first start with an RDATE; an
    end in the repeated hour becomes a DURATION; a cancelled start there an EXDATE in UTC.
    """
    project = _new_york_project("Night shelter", "shelter")
    lord_howe = ZoneInfo("Australia/Lord_Howe")  # a repeated half hour, 01:30-02:00 on 5 April
    island = attrs.evolve(project, id="p-lh", zone=lord_howe)
    slots = [
        Slot(id="s-ny", project_id="p-ny", title="Desk", capacity=1),
        Slot(id="s-lh", project_id="p-lh", title="Desk", capacity=1),
    ]
    second = datetime(2026, 11, 1, 1, 30, tzinfo=NY, fold=1)  # 06:30 UTC

    def shift(id: str, start: datetime, minutes: int = 60, **fields: object) -> Shift:
        zone = start.tzinfo if start.tzinfo is lord_howe else NY
        slot, proj = ("s-lh", "p-lh") if zone is lord_howe else ("s-ny", "p-ny")
        return Shift(
            id=id,
            slot_id=slot,
            project_id=proj,
            start=start,
            duration_minutes=minutes,
            zone=zone,
            **fields,
        )

    shifts = [
        shift("late", second),
        shift("ends-late", datetime(2026, 11, 1, 0, 45, tzinfo=NY), 90),
        shift("weekly-late", second, rrule="FREQ=WEEKLY;COUNT=3"),
        shift(
            "daily-ends-late",
            datetime(2026, 11, 1, 0, 45, tzinfo=NY),
            90,
            rrule="FREQ=DAILY;COUNT=3",
        ),
        shift(
            "daily",
            datetime(2026, 10, 30, 1, 30, tzinfo=NY),
            rrule="FREQ=DAILY;UNTIL=20261104T235959Z",
            exdates=(second, datetime(2026, 11, 3, 6, 30, tzinfo=UTC)),
        ),
        shift("island", datetime(2026, 4, 5, 1, 45, tzinfo=lord_howe, fold=1), 30),
        # no RDATE where the expansion has no first start: cancelled, ended, not on the rule
        shift("cancelled-first", second, rrule="FREQ=DAILY;COUNT=2", exdates=(second,)),
        shift("until-before", second, rrule="FREQ=DAILY;UNTIL=20261101T060000Z"),
        shift("on-mondays", second, rrule="FREQ=WEEKLY;BYDAY=MO;COUNT=2"),
        shift("plain", datetime(2026, 11, 2, 9, 0, tzinfo=NY)),
    ]
    ics = to_icalendar(shifts, [project, island], slots, dtstamp=STAMP, uid_domain="example.org")
    lo, hi = datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)
    read = _read_back(ics, lo, hi)
    for sh in shifts:
        assert read[sh.id] == [(o.start, o.end) for o in occurrences(sh, lo, hi)], sh.id
    assert read["late"] == [
        (datetime(2026, 11, 1, 6, 30, tzinfo=UTC), datetime(2026, 11, 1, 7, 30, tzinfo=UTC))
    ]
    assert [s.day for s, _ in read["daily"]] == [30, 31, 1, 2, 4]  # 1 Nov (05:30) is kept
    assert (read["until-before"], len(read["cancelled-first"]), len(read["on-mondays"])) == (
        [],
        1,
        2,
    )
    assert ics.count("RDATE:") == 1  # weekly-late's
    unfolded = ics.replace("\r\n ", "")
    for line in (
        "DTSTART:20261101T063000Z\r\nDTEND:20261101T073000Z\r\n",  # late
        "DTSTART:20261101T044500Z\r\nDTEND:20261101T061500Z\r\n",  # ends-late
        "DTSTART;TZID=America/New_York:20261101T013000\r\nDURATION:PT60M\r\n",  # weekly-late
        "RDATE:20261101T063000Z\r\nEXDATE;TZID=America/New_York:20261101T013000\r\n",
        "DTSTART;TZID=America/New_York:20261101T004500\r\nDURATION:PT90M\r\n",  # daily-ends-late
        "EXDATE;TZID=America/New_York:20261103T013000\r\nEXDATE:20261101T063000Z\r\n",  # daily
        "DTSTART:20260404T151500Z\r\nDTEND:20260404T154500Z\r\n",  # island
        "DTSTART;TZID=America/New_York:20261102T090000\r\n"  # plain: local, as before
        "DTEND;TZID=America/New_York:20261102T100000\r\n",
    ):
        assert line in unfolded
