"""Reference computations of every raw figure, in plain Python over in-memory records.

The memory backend is built on these functions, and the tests check them against hand-computed
values; the SQL backends must give the same rows (the conformance suite compares them). Each
function mirrors one method of :class:`~volunteerkit.stats.store.StatsRepository`.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable

from dateutil.relativedelta import relativedelta

from volunteerkit.awards.store import AwardRecord, Grant
from volunteerkit.hours.store import CreditRow, date_key, group_sort_key, month_text
from volunteerkit.registry.models import (
    Membership,
    Organization,
    VolunteerRecord,
    VolunteerStatus,
    age_on,
    organization_kind,
)
from volunteerkit.registry.privacy import age_band
from volunteerkit.stats.models import Window
from volunteerkit.stats.store import HoursBy, RawRow, Scope, VolunteersBy, size_band

__all__ = [
    "active",
    "award_levels",
    "minutes",
    "minutes_per_volunteer",
    "nearest_rank",
    "organizations",
    "retained",
    "shift_window",
    "subtree",
    "volunteers",
]


def nearest_rank(p: int, n: int) -> int:
    """Return the 1-based rank of the nearest-rank ``p``-th percentile of ``n`` values.

    Args:
        p: The percentile, 1 to 100.
        n: How many values (at least 1).

    Returns:
        ``ceil(p * n / 100)``, at least 1.

    Examples:
        >>> nearest_rank(50, 4), nearest_rank(50, 5), nearest_rank(90, 10)
        (2, 3, 9)
    """
    return max(1, math.ceil(p * n / 100))


def shift_window(window: Window, months: int) -> Window:
    """Return the window moved by whole months (a window ending on a month's last day still does).

    Args:
        window: The window.
        months: How many months later.

    Returns:
        The shifted window.

    Examples:
        >>> from datetime import date
        >>> shift_window(Window(first=date(2026, 1, 1), last=date(2026, 1, 31)), 1).last
        datetime.date(2026, 2, 28)
    """
    first = window.first + relativedelta(months=months)
    last = window.last + relativedelta(months=months)
    if (window.last + relativedelta(days=1)).day == 1:
        last = last + relativedelta(day=31)
    return Window(first=first, last=last)


def subtree(organizations: Iterable[Organization], root: str) -> set[str]:
    """Return the ids of an organization and all its descendants.

    Args:
        organizations: Every organization.
        root: The root's id (unknown ids give just ``{root}``).

    Returns:
        The ids.
    """
    children: dict[str, list[str]] = defaultdict(list)
    for org in organizations:
        if org.parent_id is not None:
            children[org.parent_id].append(org.id)
    found = {root}
    todo = [root]
    while todo:
        for child in children.get(todo.pop(), ()):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _in_region(code: str | None, prefix: str | None) -> bool:
    return prefix is None or (code is not None and code.startswith(prefix))


def _members(
    memberships: Iterable[Membership], organization_ids: set[str], scope: Scope
) -> set[str]:
    return {
        m.volunteer_id
        for m in memberships
        if m.organization_id in organization_ids
        and m.joined_at <= scope.as_of
        and (m.left_at is None or m.left_at > scope.as_of)
    }


def _region_level(by: str, code: str | None) -> str | None:
    if code is None:
        return None
    if by == "province":
        return code[:2] + "0000"
    if by == "prefecture":
        return code[:4] + "00"
    return code


def _rows(groups: dict[tuple[str | None, ...], tuple[int, int]]) -> list[RawRow]:
    rows = [RawRow(key=k, value=v, persons=p) for k, (v, p) in groups.items() if v or p]
    rows.sort(key=lambda r: group_sort_key(r.key))
    return rows


def _eligible_volunteers(
    records: Iterable[VolunteerRecord],
    memberships: Iterable[Membership],
    organizations: Iterable[Organization],
    scope: Scope,
) -> list[VolunteerRecord]:
    org_id = scope.filters.organization_id
    members = (
        None if org_id is None else _members(memberships, subtree(organizations, org_id), scope)
    )
    prefix = scope.region_prefix
    return [
        r
        for r in records
        if r.volunteer.status is not VolunteerStatus.MERGED
        and r.volunteer.registered_at <= scope.as_of
        and (members is None or r.id in members)
        and _in_region(r.volunteer.home_region, prefix)
    ]


def volunteers(
    records: Iterable[VolunteerRecord],
    memberships: Iterable[Membership],
    organizations: Iterable[Organization],
    scope: Scope,
    by: VolunteersBy,
    *,
    new: bool,
    age_bands: tuple[int, ...],
) -> list[RawRow]:
    """Count registered volunteers (see :meth:`StatsRepository.volunteers`).

    Args:
        records: Every volunteer record.
        memberships: Every membership.
        organizations: Every organization.
        scope: What to cover.
        by: The grouping.
        new: Only those registered within the window.
        age_bands: Lower bounds of the age bands.

    Returns:
        The rows.
    """
    on = scope.as_of_date
    start, end = scope.window_start, scope.window_end

    def key(record: VolunteerRecord) -> str | None:
        v = record.volunteer
        if by is VolunteersBy.ALL:
            return None
        if by in (VolunteersBy.PROVINCE, VolunteersBy.PREFECTURE, VolunteersBy.REGION):
            return _region_level(by.value, v.home_region)
        if by is VolunteersBy.AGE_BAND:
            if v.birth_date is not None:
                return age_band(age_on(v.birth_date, on), age_bands)
            return v.age_band
        if by is VolunteersBy.SEX:
            return None if v.sex is None else v.sex.value
        return None if record.document is None else record.document.scheme

    counts: dict[tuple[str | None, ...], int] = defaultdict(int)
    for record in _eligible_volunteers(records, memberships, organizations, scope):
        if new and not start <= record.volunteer.registered_at < end:
            continue
        counts[() if by is VolunteersBy.ALL else (key(record),)] += 1
    return _rows({k: (n, n) for k, n in counts.items()})


def _credit(
    credit: Iterable[CreditRow],
    organizations: Iterable[Organization],
    scope: Scope,
    window: Window | None = None,
) -> list[CreditRow]:
    window = window or scope.window
    first, last = date_key(window.first), date_key(window.last)
    org_id = scope.filters.organization_id
    orgs = None if org_id is None else subtree(organizations, org_id)
    prefix = scope.region_prefix
    t = scope.as_of
    return [
        c
        for c in credit
        if c.valid_from <= t
        and (c.valid_to is None or c.valid_to > t)
        and first <= c.local_date <= last
        and (orgs is None or c.organization_id in orgs)
        and _in_region(c.region, prefix)
    ]


def _hours_key(by: HoursBy) -> Callable[[CreditRow], tuple[str | None, ...]]:
    if by is HoursBy.ALL:
        return lambda c: ()
    if by is HoursBy.ORGANIZATION:
        return lambda c: (c.organization_id,)
    if by is HoursBy.CATEGORY:
        return lambda c: (c.category,)
    if by is HoursBy.MONTH:
        return lambda c: (month_text(c.local_date // 100),)
    level = by.value
    return lambda c: (_region_level(level, c.region),)


def minutes(
    credit: Iterable[CreditRow],
    organizations: Iterable[Organization],
    scope: Scope,
    by: HoursBy,
) -> list[RawRow]:
    """Sum credited minutes (see :meth:`StatsRepository.minutes`).

    Args:
        credit: Every credit row.
        organizations: Every organization.
        scope: What to cover.
        by: The grouping.

    Returns:
        The rows.
    """
    key = _hours_key(by)
    sums: dict[tuple[str | None, ...], int] = defaultdict(int)
    persons: dict[tuple[str | None, ...], set[str]] = defaultdict(set)
    for c in _credit(credit, organizations, scope):
        k = key(c)
        sums[k] += c.credited_minutes
        if c.credited_minutes > 0:
            persons[k].add(c.volunteer_id)
    return _rows({k: (s, len(persons[k])) for k, s in sums.items() if s > 0})


def active(
    credit: Iterable[CreditRow],
    organizations: Iterable[Organization],
    scope: Scope,
    by: HoursBy,
) -> list[RawRow]:
    """Count active volunteers (see :meth:`StatsRepository.active`).

    Args:
        credit: Every credit row.
        organizations: Every organization.
        scope: What to cover.
        by: The grouping.

    Returns:
        The rows.
    """
    key = _hours_key(by)
    persons: dict[tuple[str | None, ...], set[str]] = defaultdict(set)
    for c in _credit(credit, organizations, scope):
        if c.credited_minutes > 0:
            persons[key(c)].add(c.volunteer_id)
    return _rows({k: (len(p), len(p)) for k, p in persons.items()})


def _per_volunteer(
    credit: Iterable[CreditRow],
    organizations: Iterable[Organization],
    scope: Scope,
    window: Window | None = None,
) -> dict[str, int]:
    totals: dict[str, int] = defaultdict(int)
    for c in _credit(credit, organizations, scope, window):
        if c.credited_minutes > 0:
            totals[c.volunteer_id] += c.credited_minutes
    return totals


def minutes_per_volunteer(
    credit: Iterable[CreditRow],
    organizations: Iterable[Organization],
    scope: Scope,
    percentiles: tuple[int, ...],
) -> tuple[int, int, list[int]]:
    """Describe minutes per active volunteer (see :meth:`StatsRepository.minutes_per_volunteer`).

    Args:
        credit: Every credit row.
        organizations: Every organization.
        scope: What to cover.
        percentiles: Percentiles by nearest rank.

    Returns:
        ``(n, total, values)``.
    """
    values = sorted(_per_volunteer(credit, organizations, scope).values())
    n = len(values)
    if n == 0:
        return 0, 0, []
    return n, sum(values), [values[nearest_rank(p, n) - 1] for p in percentiles]


def retained(
    credit: Iterable[CreditRow],
    organizations: Iterable[Organization],
    scope: Scope,
    offsets: tuple[int, ...],
) -> tuple[int, list[int]]:
    """Count the cohort active again later (see :meth:`StatsRepository.retained`).

    Args:
        credit: Every credit row.
        organizations: Every organization.
        scope: What to cover.
        offsets: Month offsets.

    Returns:
        ``(cohort size, [retained at each offset])``.
    """
    rows = list(credit)
    orgs = list(organizations)
    cohort = set(_per_volunteer(rows, orgs, scope))
    again = [
        len(cohort & set(_per_volunteer(rows, orgs, scope, shift_window(scope.window, n))))
        for n in offsets
    ]
    return len(cohort), again


def award_levels(
    records: Iterable[AwardRecord],
    volunteer_records: Iterable[VolunteerRecord],
    memberships: Iterable[Membership],
    organizations: Iterable[Organization],
    scope: Scope,
    rule_set_id: str,
) -> list[RawRow]:
    """Count holders of each level (see :meth:`StatsRepository.award_levels`).

    Args:
        records: Every award record.
        volunteer_records: Every volunteer record (for the filters).
        memberships: Every membership.
        organizations: Every organization.
        scope: What to cover.
        rule_set_id: The rule set.

    Returns:
        The rows.
    """
    latest: dict[tuple[str, str, str], AwardRecord] = {}
    for r in records:
        if r.rule_set_id != rule_set_id or r.at > scope.as_of:
            continue
        k = (r.subject_id, r.level_id, r.key)
        known = latest.get(k)
        if known is None or (r.at, r.id) > (known.at, known.id):
            latest[k] = r
    filtered = scope.filters.organization_id is not None or scope.filters.region is not None
    allowed: set[str] | None = None
    if filtered:
        allowed = {
            v.id for v in _eligible_volunteers(volunteer_records, memberships, organizations, scope)
        }
    holders: dict[str, set[str]] = defaultdict(set)
    for (subject, level, _key), r in latest.items():
        if isinstance(r, Grant) and (allowed is None or subject in allowed):
            holders[level].add(subject)
    return _rows({(lvl,): (len(s), len(s)) for lvl, s in holders.items()})


def organizations(
    orgs: Iterable[Organization],
    memberships: Iterable[Membership],
    scope: Scope,
    size_bands: tuple[int, ...],
) -> list[RawRow]:
    """Count organizations by kind and size (see :meth:`StatsRepository.organizations`).

    Args:
        orgs: Every organization.
        memberships: Every membership.
        scope: What to cover.
        size_bands: Lower bounds of the size bands.

    Returns:
        The rows.
    """
    everything = list(orgs)
    org_id = scope.filters.organization_id
    keep = None if org_id is None else subtree(everything, org_id)
    prefix = scope.region_prefix
    size: dict[str, set[str]] = defaultdict(set)
    for m in memberships:
        if m.joined_at <= scope.as_of and (m.left_at is None or m.left_at > scope.as_of):
            size[m.organization_id].add(m.volunteer_id)
    counts: dict[tuple[str | None, ...], int] = defaultdict(int)
    for org in everything:
        if (
            org.registered_at <= scope.as_of
            and (keep is None or org.id in keep)
            and _in_region(org.region, prefix)
        ):
            kind = organization_kind(org.uscc).value
            counts[(kind, size_band(len(size[org.id]), size_bands))] += 1
    return _rows({k: (n, n) for k, n in counts.items()})
