"""Publishing: opportunities as UK Volunteering Data Standard JSON, shifts as iCalendar.

:func:`to_volunteering_data` writes the shape of the UK Volunteering Data Standard's published
examples: a JSON-LD document whose ``graph`` lists ``Organisation`` objects; each embeds its
``activity`` list (our projects), and each activity embeds its ``role`` list (our slots, with
``title``, ``description``, ``allowsRemoteParticipation``, ``minimumAge`` as text and ``requirement``)
and its ``session`` list (our shift occurrences in a window, with start, end and location). The names
used for a session's times and place (``startDate``, ``endDate``, ``location``) are our reading of
the standard's vocabulary.

:func:`to_icalendar` writes an RFC 5545 calendar: one ``VEVENT`` per shift (a recurring shift keeps
its ``RRULE`` and ``EXDATE``), local times with ``TZID`` and a ``VTIMEZONE`` for each zone (its
transitions computed from :mod:`zoneinfo`), ``UID`` from the shift id, ``DTSTAMP`` from an instant you
pass, text escaped, lines folded at 75 octets, CRLF line ends. Every event denotes the instants of
:func:`~volunteerkit.matching.schedule.occurrences`: a local time with ``TZID`` that occurs twice
(the repeated hour of a fall-back day) names its first occurrence (RFC 5545 section 3.3.5), so an
instant in the second one is written otherwise (see :func:`to_icalendar`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from volunteerkit._clock import require_aware
from volunteerkit._zones import same_zone
from volunteerkit.matching.errors import MatchingInputError
from volunteerkit.matching.models import Project, Shift, Slot
from volunteerkit.matching.schedule import occurrences, until_instant

__all__ = ["VDS_CONTEXT", "escape_text", "fold_line", "to_icalendar", "to_volunteering_data"]

VDS_CONTEXT = "https://api.volunteeringdata.io/context/v1"
"""The JSON-LD context of the UK Volunteering Data Standard."""


def _check_shifts(
    shifts: dict[str, Shift], projects: dict[str, Project], slots: dict[str, Slot] | None
) -> None:
    """Refuse a shift of an unknown project (or slot), or in another zone than its project's.

    ``shifts`` in the order given, so that ``$.shifts[i]`` names the caller's ``i``-th.
    """
    for i, sh in enumerate(shifts.values()):
        project = projects.get(sh.project_id)
        if project is None:
            raise MatchingInputError.of("matching.unknown_reference", f"$.shifts[{i}].project_id")
        if slots is not None and sh.slot_id not in slots:
            raise MatchingInputError.of("matching.unknown_reference", f"$.shifts[{i}].slot_id")
        if not same_zone(sh.zone, project.zone):
            raise MatchingInputError.of("matching.zone_mismatch", f"$.shifts[{i}].zone")


def _index(items: Iterable[Any], path: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for i, item in enumerate(items):
        if item.id in out:
            raise MatchingInputError.of("matching.duplicate_id", f"{path}[{i}].id")
        out[item.id] = item
    return out


def to_volunteering_data(
    projects: Iterable[Project],
    slots: Iterable[Slot],
    shifts: Iterable[Shift],
    *,
    window_start: datetime,
    window_end: datetime,
    base_uri: str,
) -> dict[str, Any]:
    """Export opportunities as a UK Volunteering Data Standard document.

    Args:
        projects: The projects (grouped by organisation).
        slots: Their slots (roles).
        shifts: Their shifts; occurrences in the window become sessions.
        window_start: Start of the window of sessions (aware).
        window_end: End of the window (aware).
        base_uri: Prefix of the published ids (``https://example.org/vk``).

    Returns:
        The JSON-ready document (``@context`` and ``graph``), in id order throughout.

    Raises:
        MatchingInputError: Duplicate ids, a slot or shift of an unknown project
            (``matching.unknown_reference``), or a shift in another zone than its project's
            (``matching.zone_mismatch``, path ``$.shifts[i].zone``).
    """
    base = base_uri.rstrip("/")
    by_project = _index(projects, "$.projects")
    by_slot = _index(slots, "$.slots")
    for i, s in enumerate(by_slot.values()):  # given order, for the paths
        if s.project_id not in by_project:
            raise MatchingInputError.of("matching.unknown_reference", f"$.slots[{i}].project_id")
    by_shift = _index(shifts, "$.shifts")
    _check_shifts(by_shift, by_project, None)
    slot_list = sorted(by_slot.values(), key=lambda s: s.id)
    shift_list = sorted(by_shift.values(), key=lambda s: s.id)
    orgs: dict[str, dict[str, Any]] = {}
    for pid in sorted(by_project):
        p: Project = by_project[pid]
        org = orgs.setdefault(
            p.organization_id,
            {
                "type": "Organisation",
                "id": f"{base}/organisation/{p.organization_id}",
                "name": p.organization_name,
                "activity": [],
            },
        )
        roles = []
        for s in slot_list:
            if s.project_id != pid:
                continue
            role: dict[str, Any] = {
                "type": "Role",
                "id": f"{base}/role/{s.id}",
                "title": s.title,
                "description": s.description,
                "allowsRemoteParticipation": p.remote,
                "requirement": [f"{base}/requirement/{q}" for q in s.requirements.qualifications],
            }
            if s.requirements.min_age is not None:
                role["minimumAge"] = str(s.requirements.min_age)
            if s.requirements.max_age is not None:
                role["maximumAge"] = str(s.requirements.max_age)
            roles.append(role)
        sessions = []
        for sh in shift_list:
            if sh.project_id != pid:
                continue
            for occ in occurrences(sh, window_start, window_end):
                local = occ.start.astimezone(sh.zone)
                session: dict[str, Any] = {
                    "type": "Session",
                    "id": f"{base}/session/{sh.id}/{occ.start.strftime('%Y%m%dT%H%M%SZ')}",
                    "startDate": local.isoformat(),
                    "endDate": occ.end.astimezone(sh.zone).isoformat(),
                }
                if p.location is not None:
                    place: dict[str, Any] = {"address": p.location.address}
                    if p.location.point is not None:
                        place["latitude"] = p.location.point.latitude
                        place["longitude"] = p.location.point.longitude
                    session["location"] = place
                sessions.append(session)
        org["activity"].append(
            {
                "type": "Activity",
                "id": f"{base}/activity/{pid}",
                "title": p.title,
                "description": p.description,
                "cause": [f"{base}/cause/{p.category}"],
                "role": roles,
                "session": sessions,
            }
        )
    return {"@context": VDS_CONTEXT, "graph": [orgs[k] for k in sorted(orgs)]}


def escape_text(value: str) -> str:
    r"""Escape a TEXT value for iCalendar (RFC 5545 section 3.3.11).

    Args:
        value: The text.

    Returns:
        The text with ``\\``, ``;``, ``,`` and new lines escaped.

    Examples:
        >>> escape_text("a;b,c\\d\ne")
        'a\\;b\\,c\\\\d\\ne'
    """
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def fold_line(line: str) -> str:
    """Fold a content line at 75 octets (RFC 5545 section 3.1), never inside a UTF-8 character.

    Args:
        line: One unfolded content line, without its line end.

    Returns:
        The folded line: parts joined by CRLF and one space.
    """
    parts: list[str] = []
    current = ""
    size = 0
    limit = 75
    for ch in line:
        n = len(ch.encode("utf-8"))
        if size + n > limit:
            parts.append(current)
            current, size, limit = ch, n, 74  # continuation lines start with a space
        else:
            current += ch
            size += n
    parts.append(current)
    return "\r\n ".join(parts)


def _utc_stamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _rule_text(shift: Shift) -> str:
    """The shift's ``RRULE`` value with ``UNTIL`` in UTC, as RFC 5545 wants beside a ``TZID``.

    A local or date-only ``UNTIL`` becomes the instant the expansion reads it as
    (:func:`~volunteerkit.matching.schedule.until_instant`), so calendar programs keep the
    same occurrences.
    """
    assert shift.rrule is not None
    until = until_instant(shift)
    if until is None:
        return shift.rrule
    parts = shift.rrule.split(";")
    return ";".join(
        f"UNTIL={_utc_stamp(until)}" if p.partition("=")[0].strip().upper() == "UNTIL" else p
        for p in parts
    )


def _local(value: datetime, zone: ZoneInfo) -> str:
    return value.astimezone(zone).strftime("%Y%m%dT%H%M%S")


def _named(instant: datetime, zone: ZoneInfo) -> bool:
    """Whether the local time of ``instant`` with a ``TZID`` names that instant (RFC 5545 3.3.5).

    A local time that occurs twice names the first of the two (``fold=0``), so an instant in the
    repeated hour of a fall-back day (``fold=1``) is not named by its local time.
    """
    wall = instant.astimezone(zone).replace(tzinfo=None)
    # Both in UTC: Python never finds a time that is ambiguous in its zone equal to one in another.
    return wall.replace(tzinfo=zone, fold=0).astimezone(UTC) == instant.astimezone(UTC)


def _offset(delta: timedelta | None) -> str:
    assert delta is not None
    total = int(delta.total_seconds())
    sign = "+" if total >= 0 else "-"
    total = abs(total)
    hh, rest = divmod(total, 3600)
    mm, ss = divmod(rest, 60)
    return f"{sign}{hh:02d}{mm:02d}" + (f"{ss:02d}" if ss else "")


def _transitions(zone: ZoneInfo, first: datetime, last: datetime) -> list[datetime]:
    """UTC instants, at the minute, where the zone's offset changes within [first, last]."""
    out: list[datetime] = []
    step = timedelta(days=1)
    t = first
    while t < last:
        nxt = min(t + step, last)
        if t.astimezone(zone).utcoffset() != nxt.astimezone(zone).utcoffset():
            lo, hi = t, nxt
            while hi - lo > timedelta(minutes=1):
                mid = lo + (hi - lo) / 2
                mid = mid.replace(second=0, microsecond=0)
                if mid <= lo:
                    mid = lo + timedelta(minutes=1)
                if mid.astimezone(zone).utcoffset() == lo.astimezone(zone).utcoffset():
                    lo = mid
                else:
                    hi = mid
            out.append(hi)
        t = nxt
    return out


def _vtimezone(zone: ZoneInfo, first: datetime, last: datetime) -> list[str]:
    lines = ["BEGIN:VTIMEZONE", f"TZID:{zone.key}"]
    start = datetime(first.year, 1, 1, tzinfo=UTC)
    end = datetime(last.year + 1, 1, 1, tzinfo=UTC)
    changes = _transitions(zone, start, end)
    if not changes:
        off = start.astimezone(zone).utcoffset()
        name = start.astimezone(zone).tzname() or zone.key
        lines += [
            "BEGIN:STANDARD",
            f"DTSTART:{start.astimezone(zone).strftime('%Y%m%dT%H%M%S')}",
            f"TZOFFSETFROM:{_offset(off)}",
            f"TZOFFSETTO:{_offset(off)}",
            f"TZNAME:{escape_text(name)}",
            "END:STANDARD",
        ]
    else:
        before = changes[0] - timedelta(minutes=1)
        prev_off = before.astimezone(zone).utcoffset()
        for at in changes:
            local = at.astimezone(zone)
            new_off = local.utcoffset()
            kind = "DAYLIGHT" if local.dst() else "STANDARD"
            assert prev_off is not None
            wall_before = (at + prev_off).replace(tzinfo=None)
            lines += [
                f"BEGIN:{kind}",
                f"DTSTART:{wall_before.strftime('%Y%m%dT%H%M%S')}",
                f"TZOFFSETFROM:{_offset(prev_off)}",
                f"TZOFFSETTO:{_offset(new_off)}",
                f"TZNAME:{escape_text(local.tzname() or zone.key)}",
                f"END:{kind}",
            ]
            prev_off = new_off
    lines.append("END:VTIMEZONE")
    return lines


def to_icalendar(
    shifts: Iterable[Shift],
    projects: Iterable[Project],
    slots: Iterable[Slot],
    *,
    dtstamp: datetime,
    uid_domain: str,
    prodid: str = "-//volunteerkit//matching//EN",
    horizon_years: int = 5,
) -> str:
    """Export shifts as an iCalendar file (RFC 5545).

    Args:
        shifts: The shifts, one ``VEVENT`` each.
        projects: Their projects (title, location, zone).
        slots: Their slots (role title, description).
        dtstamp: The instant written as every event's ``DTSTAMP`` (aware; never read from a clock).
        uid_domain: Domain part of the ``UID`` (``<shift id>@<uid_domain>``).
        prodid: The ``PRODID``.
        horizon_years: Years after the last shift's first start that the ``VTIMEZONE`` rules cover.

    Returns:
        The calendar text with CRLF line ends. Each event denotes the occurrences of
        :func:`~volunteerkit.matching.schedule.occurrences`. Times are local with a ``TZID``,
        except where a local time occurs twice (a fall-back day): RFC 5545 reads it as the first
        of the two, so an instant in the second one is written otherwise. A one-off shift that
        starts or ends in such an hour has ``DTSTART`` and ``DTEND`` in UTC (``…Z``). A recurring
        shift keeps a local ``DTSTART``, since its rule recurs in local time; if its first
        occurrence ends in such an hour, ``DURATION`` (exact minutes) replaces ``DTEND``; if it
        starts in one, the local ``DTSTART`` (the first of the two times) is cancelled by an
        ``EXDATE`` and the true first start added by an ``RDATE`` in UTC. Cancelled starts in such
        an hour are an ``EXDATE`` in UTC.

    Raises:
        MatchingInputError: A shift of an unknown project or slot
            (``matching.unknown_reference``), a shift in another zone than its project's
            (``matching.zone_mismatch``, path ``$.shifts[i].zone``), or duplicate ids.
        NaiveDatetimeError: If ``dtstamp`` is naive.
    """
    require_aware(dtstamp, "$.dtstamp")
    by_project = _index(projects, "$.projects")
    by_slot = _index(slots, "$.slots")
    by_shift = _index(shifts, "$.shifts")
    _check_shifts(by_shift, by_project, by_slot)
    items = sorted(by_shift.values(), key=lambda s: s.id)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{escape_text(prodid)}",
        "CALSCALE:GREGORIAN",
    ]
    zones: dict[str, tuple[ZoneInfo, datetime, datetime]] = {}
    for sh in items:
        z = zones.get(sh.zone.key)
        start = sh.start.astimezone(UTC)
        if z is None:
            zones[sh.zone.key] = (sh.zone, start, start)
        else:
            zones[sh.zone.key] = (z[0], min(z[1], start), max(z[2], start))
    for key in sorted(zones):
        zone, first, last = zones[key]
        # Only the year counts (rules run to its end); 29 February has no ``replace(year=…)``.
        lines += _vtimezone(zone, first, datetime(last.year + horizon_years, 1, 1, tzinfo=UTC))
    stamp = _utc_stamp(dtstamp)
    for sh in items:
        project: Project = by_project[sh.project_id]
        slot: Slot = by_slot[sh.slot_id]
        tz = sh.zone.key
        # The length is exact time (as for occurrences): adding it to a zoned start would be
        # wall-clock arithmetic, an hour off across a daylight-saving change.
        start = sh.start.astimezone(UTC)
        end = start + timedelta(minutes=sh.duration_minutes)
        start_named = _named(start, sh.zone)
        local_times = start_named and _named(end, sh.zone)
        lines += ["BEGIN:VEVENT", f"UID:{escape_text(sh.id)}@{uid_domain}", f"DTSTAMP:{stamp}"]
        if sh.rrule is None and not local_times:  # in the repeated hour of a fall-back day
            lines += [f"DTSTART:{_utc_stamp(start)}", f"DTEND:{_utc_stamp(end)}"]
        else:  # a rule recurs on the local time of DTSTART
            lines.append(f"DTSTART;TZID={tz}:{_local(start, sh.zone)}")
            if local_times:
                lines.append(f"DTEND;TZID={tz}:{_local(end, sh.zone)}")
            else:
                lines.append(f"DURATION:PT{sh.duration_minutes}M")
        lines.append(f"SUMMARY:{escape_text(f'{slot.title} – {project.title}')}")
        if sh.rrule is not None:
            lines.append(f"RRULE:{_rule_text(sh)}")
            # DTSTART names the first of the two times, the shift starts at the second: an RDATE
            # adds that start where the expansion has it (an EXDATE below cancels the first).
            if not start_named and occurrences(sh, start, start + timedelta(microseconds=1)):
                lines.append(f"RDATE:{_utc_stamp(start)}")
        local_ex = {_local(x, sh.zone) for x in sh.exdates if _named(x, sh.zone)}
        utc_ex = {_utc_stamp(x) for x in sh.exdates if not _named(x, sh.zone)}
        if sh.rrule is not None and not start_named:
            local_ex.add(_local(start, sh.zone))  # cancels the first of the two times
        if local_ex:
            lines.append(f"EXDATE;TZID={tz}:{','.join(sorted(local_ex))}")
        if utc_ex:
            lines.append(f"EXDATE:{','.join(sorted(utc_ex))}")
        if slot.description:
            lines.append(f"DESCRIPTION:{escape_text(slot.description)}")
        if project.location is not None:
            if project.location.address:
                lines.append(f"LOCATION:{escape_text(project.location.address)}")
            if project.location.point is not None:
                pt = project.location.point
                lines.append(f"GEO:{pt.latitude:.6f};{pt.longitude:.6f}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "".join(fold_line(line) + "\r\n" for line in lines)
