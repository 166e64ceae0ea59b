"""Eligibility: does a volunteer meet every hard rule of a slot, and if not, why not.

:func:`check` returns an :class:`Eligibility` with *every* failing rule as a :class:`Reason` (a stable
code, English and Chinese text, and a detail such as the missing skill), not just the first. Rules that
depend on the date (age, qualification validity, insurance) are checked on the local date, in the
project's zone, of every day the slot's shifts serve on in the planning window (an overnight shift
serves on two): since ages only grow and insurance runs up to one last day, checking the first and the
last of those dates is the same as checking them all; a qualification may be held as several records
(a certificate and its renewal), so each of those dates must fall in one of them.

The slot and its occurrences travel together as an :class:`Opening` (see :func:`opening`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

import attrs

from volunteerkit._zones import same_zone
from volunteerkit.matching.errors import MatchingInputError, text_of
from volunteerkit.matching.models import (
    Project,
    Qualification,
    Shift,
    Slot,
    VolunteerProfile,
    require,
    require_items,
)
from volunteerkit.matching.schedule import Occurrence, age_on, available_minutes, occurrences

__all__ = ["Eligibility", "Opening", "Reason", "check", "opening"]


@attrs.frozen(kw_only=True)
class Reason:
    """Why a volunteer cannot take a slot (one failing rule).

    Attributes:
        code: Stable code, such as ``matching.missing_skill``.
        message: English text.
        message_zh: Chinese text.
        detail: What exactly failed (the skill, the qualification, the date), or ``""``.
    """

    code: str
    message: str
    message_zh: str
    detail: str = ""

    @classmethod
    def of(cls, code: str, detail: str = "") -> Reason:
        """Build the reason for ``code`` with its standard texts.

        Args:
            code: A code from :data:`volunteerkit.matching.errors.MESSAGES`.
            detail: What exactly failed.

        Returns:
            The reason.
        """
        en, zh = text_of(code)
        return cls(code=code, message=en, message_zh=zh, detail=detail)


@attrs.frozen(kw_only=True)
class Eligibility:
    """The result of an eligibility check.

    Attributes:
        volunteer_id: The volunteer.
        slot_id: The slot.
        reasons: Every failing rule, in a fixed order; empty when eligible.
    """

    volunteer_id: str
    slot_id: str
    reasons: tuple[Reason, ...] = ()

    @property
    def eligible(self) -> bool:
        """Whether no rule fails."""
        return not self.reasons

    @property
    def codes(self) -> tuple[str, ...]:
        """The codes of the failing rules."""
        return tuple(r.code for r in self.reasons)


@attrs.frozen(kw_only=True)
class Opening:
    """A slot together with its project and its occurrences in the planning window.

    Attributes:
        project: The slot's project.
        slot: The slot.
        occurrences: Its shifts' occurrences in the window, in order of start.
    """

    project: Project
    slot: Slot
    occurrences: tuple[Occurrence, ...]

    def __attrs_post_init__(self) -> None:
        """Refuse parts of the wrong type.

        Raises:
            MatchingInputError: ``matching.invalid`` at ``$.project``, ``$.slot``,
                ``$.occurrences`` or ``$.occurrences[i]``.
        """
        require(self.project, Project, "$.project")
        require(self.slot, Slot, "$.slot")
        require(self.occurrences, tuple, "$.occurrences")
        require_items(self.occurrences, Occurrence, "$.occurrences")

    @property
    def dates(self) -> tuple[date, date] | None:
        """The first and last local dates served on, or ``None`` without occurrences.

        The first is the first occurrence's start date; the last, the latest date any occurrence
        serves on (see :attr:`Occurrence.last_local_date`).
        """
        if not self.occurrences:
            return None
        return (
            self.occurrences[0].local_date,
            max(o.last_local_date for o in self.occurrences),
        )

    @property
    def busiest_week_minutes(self) -> int:
        """Most minutes the slot's occurrences need in one ISO week (local dates)."""
        weeks: dict[tuple[int, int], int] = {}
        for occ in self.occurrences:
            iso = occ.local_date.isocalendar()
            key = (iso[0], iso[1])
            weeks[key] = weeks.get(key, 0) + occ.minutes
        return max(weeks.values(), default=0)

    @property
    def total_minutes(self) -> int:
        """Sum of the occurrences' minutes."""
        return sum(o.minutes for o in self.occurrences)


def opening(
    project: Project,
    slot: Slot,
    shifts: Iterable[Shift],
    window_start: datetime,
    window_end: datetime,
) -> Opening:
    """Build the :class:`Opening` of ``slot``: its occurrences within the window.

    Args:
        project: The slot's project.
        slot: The slot.
        shifts: Shifts; those of other slots are ignored.
        window_start: Start of the planning window (aware).
        window_end: End of the planning window (aware).

    Returns:
        The opening.

    Raises:
        MatchingInputError: If the slot, or one of its shifts, is not in the project
            (``matching.unknown_reference``), or a shift of the slot is in another zone than the
            project (``matching.zone_mismatch``, path ``$.shifts[i].zone``);
            ``matching.invalid`` for an argument of the wrong type (``$.project``, ``$.slot``,
            ``$.shifts`` or ``$.shifts[i]``).
    """
    require(project, Project, "$.project")
    require(slot, Slot, "$.slot")
    if slot.project_id != project.id:
        raise MatchingInputError.of("matching.unknown_reference", "$.slot.project_id")
    occ: list[Occurrence] = []
    for i, shift in enumerate(require_items(shifts, Shift, "$.shifts")):
        if shift.slot_id == slot.id:
            if shift.project_id != project.id:
                raise MatchingInputError.of(
                    "matching.unknown_reference", f"$.shifts[{i}].project_id"
                )
            if not same_zone(shift.zone, project.zone):
                raise MatchingInputError.of("matching.zone_mismatch", f"$.shifts[{i}].zone")
            occ.extend(occurrences(shift, window_start, window_end))
    occ.sort(key=lambda o: (o.start, o.shift_id))
    return Opening(project=project, slot=slot, occurrences=tuple(occ))


def check(volunteer: VolunteerProfile, opened: Opening) -> Eligibility:
    """Check every hard rule of ``opened.slot`` for ``volunteer``.

    Rules, in the order their reasons are listed: the slot has occurrences; required skills,
    languages and qualifications (valid on every local date served on, both dates of an
    overnight shift); minimum and maximum age on those dates; agreement; insurance up to the
    last of them; the volunteer's remote and distance preferences; the
    volunteer's weekly maximum; availability for at least one occurrence.

    Args:
        volunteer: The volunteer's profile.
        opened: The slot with its project and occurrences.

    Returns:
        The eligibility with every failing rule.

    Raises:
        MatchingInputError: ``matching.invalid`` at ``$.volunteer`` or ``$.opened`` for an
            argument of the wrong type.
    """
    require(volunteer, VolunteerProfile, "$.volunteer")
    require(opened, Opening, "$.opened")
    slot, project = opened.slot, opened.project
    req = slot.requirements
    reasons: list[Reason] = []
    span = opened.dates
    if span is None:
        reasons.append(Reason.of("matching.no_shifts"))
    skills = set(volunteer.skills)
    for skill in req.skills:
        if skill not in skills:
            reasons.append(Reason.of("matching.missing_skill", skill))
    languages = set(volunteer.languages)
    for lang in req.languages:
        if lang not in languages:
            reasons.append(Reason.of("matching.missing_language", lang))
    days = sorted({d for o in opened.occurrences for d in o.local_dates})
    held: dict[str, list[Qualification]] = {}
    for q in volunteer.qualifications:
        held.setdefault(q.code, []).append(q)
    for code in req.qualifications:
        quals = held.get(code)
        if not quals:
            reasons.append(Reason.of("matching.missing_qualification", code))
        elif span is not None:
            # Every occurrence date must be covered by one of the records (a renewal may cover
            # the later dates): the first date that none covers is reported.
            bad = next(
                (d for d in days if not any(q.valid_on(d) for q in quals)),
                None,
            )
            if bad is not None:
                reasons.append(
                    Reason.of("matching.qualification_not_valid", f"{code} on {bad.isoformat()}")
                )
    if (req.min_age is not None or req.max_age is not None) and span is not None:
        if volunteer.birth_date is None:
            reasons.append(Reason.of("matching.birth_date_unknown"))
        else:
            first, last = span
            if req.min_age is not None and age_on(volunteer.birth_date, first) < req.min_age:
                reasons.append(
                    Reason.of("matching.too_young", f"under {req.min_age} on {first.isoformat()}")
                )
            if req.max_age is not None and age_on(volunteer.birth_date, last) > req.max_age:
                reasons.append(
                    Reason.of("matching.too_old", f"over {req.max_age} on {last.isoformat()}")
                )
    if req.agreement and not volunteer.agreement_signed:
        reasons.append(Reason.of("matching.agreement_required"))
    if req.insurance and span is not None:
        until = volunteer.insured_until
        if until is None or until < span[1]:
            reasons.append(Reason.of("matching.insurance_required", span[1].isoformat()))
    prefs = volunteer.preferences
    if project.remote:
        if not prefs.remote_ok:
            reasons.append(Reason.of("matching.remote_not_wanted"))
    elif prefs.max_distance_km is not None:
        here = project.location.point if project.location is not None else None
        if here is None or volunteer.home is None:
            reasons.append(Reason.of("matching.location_unknown"))
        else:
            metres = volunteer.home.distance_m(here)
            if metres > prefs.max_distance_km * 1000:
                reasons.append(Reason.of("matching.too_far", f"{metres} m"))
    if prefs.max_minutes_per_week is not None:
        busiest = opened.busiest_week_minutes
        if busiest > prefs.max_minutes_per_week:
            reasons.append(Reason.of("matching.over_weekly_hours", f"{busiest} min"))
    if (
        span is not None
        and volunteer.availability is not None
        and not any(
            available_minutes(volunteer.availability, o.start, o.end) == o.minutes
            for o in opened.occurrences
        )
    ):
        reasons.append(Reason.of("matching.not_available"))
    return Eligibility(volunteer_id=volunteer.id, slot_id=slot.id, reasons=tuple(reasons))
