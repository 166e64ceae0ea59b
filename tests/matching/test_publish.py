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
