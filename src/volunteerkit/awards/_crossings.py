"""The awards of plain hour levels, from the rows at which a volunteer's credit reaches thresholds.

:func:`~volunteerkit.awards.earned_all` takes this path when every level of the rule set is a
threshold of hours over the subject's whole history or a ``since`` window (once, or once per
period, which is the same for one period), every hour counting (no category, organization or
source filter), without age bands; group levels only make individuals "not applicable". Then a
level is crossed at the row where the running sum of the counted stream first reaches its
threshold, which the store finds (:meth:`~volunteerkit.awards.store.AwardRepository.
credit_crossings`) without handing every row to Python; the earned date follows from the crossing
date exactly as :func:`~volunteerkit.awards.evaluate` moves it (prerequisites, effective dates).

The store's running sums start at the volunteer's first counted row. A ``since`` window starting
after that row would count from later: such a volunteer (credit before registration) is evaluated
by the general path, as is any subject this module cannot express (``None`` is returned).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta

from volunteerkit._unchecked import builder
from volunteerkit.awards.engine import (
    WEIGHT_SCALE,
    Achievement,
    AwardSubject,
    Evaluation,
    LevelResult,
    LevelStatus,
    Reason,
    _day,
    _key,
)
from volunteerkit.awards.rules import (
    Counting,
    CreditKind,
    Level,
    LifetimeWindow,
    Repeat,
    RuleSet,
    SinceWindow,
)
from volunteerkit.awards.store import CrossingTuple
from volunteerkit.hours.models import EntryId

__all__ = ["CrossingPlan"]

_LIFETIME = (None, None, 99999999, 0)
# The results below are built from dates, ids, ints and enum members this module made, never from
# input to convert or check, so they skip the generated ``__init__`` (keyword-only and frozen, it
# costs twice as much as setting the slots), as the SQL stores rebuild stored rows.
_achievement = builder(
    Achievement,
    (
        "level_id", "key", "earned_on", "crossed_on", "crossing_entry", "period_first",
        "period_last", "counted_minutes", "consumed_from", "consumed_to",
        "awaiting_recommendation",
    ),
)  # fmt: skip
_level_result = builder(
    LevelResult, ("level_id", "status", "achievements", "progress", "held", "reasons")
)
_evaluation = builder(
    Evaluation,
    ("rule_set_id", "rule_set_version", "subject_id", "as_of", "on", "levels", "next_level",
     "standing"),
)  # fmt: skip


def _plain(counting: Counting) -> bool:
    return counting == Counting(credit=counting.credit)


class _LevelPlan:
    """What one level needs: its kind of credit, threshold (scaled) and window."""

    __slots__ = (
        "fixed",
        "id",
        "key",
        "kind",
        "level",
        "months",
        "need",
        "not_met",
        "once",
        "scale",
        "since",
        "unknown",
        "window",
    )

    def __init__(self, rule_set: RuleSet, level: Level) -> None:
        self.level = level
        self.id = level.id
        credit = rule_set.counting_of(level).credit
        self.kind = credit.value
        self.scale = WEIGHT_SCALE if credit is CreditKind.WEIGHTED else 1
        self.need = level.threshold * self.scale
        self.key = (self.kind, self.need)
        self.once = level.repeat is Repeat.ONCE
        window = rule_set.window_of(level)
        self.since = window.start if isinstance(window, SinceWindow) else None
        self.months = window.months if isinstance(window, SinceWindow) else None
        self.window = 0  # index of the plan's window (0: lifetime)
        self.fixed: LevelResult | None = None  # the same result for every individual
        if level.group is not None:
            self.fixed = LevelResult(
                level_id=level.id,
                status=LevelStatus.NOT_APPLICABLE,
                reasons=(Reason.of("awards.not_a_group"),),
            )
        self.not_met = LevelResult(level_id=level.id, status=LevelStatus.NOT_MET)
        self.unknown: LevelResult | None = None  # not applicable: the window's start is unknown


class CrossingPlan:
    """How to evaluate a rule set from crossing rows; build it with :meth:`of`."""

    def __init__(self, rule_set: RuleSet, as_of: datetime) -> None:
        self.rule_set = rule_set
        self.as_of = as_of
        self.today = as_of.date()
        self.levels = [_LevelPlan(rule_set, level) for level in rule_set.levels]
        self.thresholds: dict[str, list[int]] = {}
        for plan in self.levels:
            if plan.fixed is None:
                self.thresholds.setdefault(plan.kind, []).append(plan.need)
        self.windows: list[tuple[str, int | None]] = [("", None)]  # 0: lifetime
        for plan in self.levels:
            if plan.since is not None:
                spec = (plan.since, plan.months)
                if spec not in self.windows:
                    self.windows.append(spec)
                plan.window = self.windows.index(spec)
        self._since = self.windows[1:]
        self._periods: dict[tuple[date, int | None], tuple[date, date | None, int, int]] = {}
        self._prerequisites = any(level.requires for level in rule_set.levels)
        self._unknown: dict[str, tuple[Reason, ...]] = {}
        self._dates: dict[int, date] = {}  # crossing dates, made once each

    @classmethod
    def of(cls, rule_set: RuleSet, as_of: datetime) -> CrossingPlan | None:
        """Return the plan of a rule set, or ``None`` if its levels need the general path.

        Args:
            rule_set: The rule set.
            as_of: The instant evaluated (aware).

        Returns:
            The plan, or ``None``.
        """
        countings = [rule_set.counting, *(rule_set.counting_of(lv) for lv in rule_set.levels)]
        if not all(_plain(c) for c in countings):
            return None
        individual = False
        for level in rule_set.levels:
            if level.group is not None:
                continue
            individual = True
            window = rule_set.window_of(level)
            if (
                not level.hours_only
                or level.age is not None
                or level.repeat is Repeat.RENEWABLE
                or not isinstance(window, LifetimeWindow | SinceWindow)
                or level.threshold <= 0
            ):
                return None
        return cls(rule_set, as_of) if individual else None

    def _start_unknown(self, start: str) -> tuple[Reason, ...]:
        found = self._unknown.get(start)
        if found is None:
            found = self._unknown[start] = (Reason.of("awards.start_unknown", start=start),)
        return found

    def _window(self, subject: AwardSubject, since: str, months: int | None, first: int) -> Any:
        """The period ``(first date, last date, last key)`` of a ``since`` window for a subject.

        Returns ``None`` when the start date is unknown, and ``False`` when the subject has
        counted credit before it (its running sums then start before the window).
        """
        start = subject.start_date(since)
        if start is None:
            return None
        found = self._periods.get((start, months))
        if found is None:
            last = start + relativedelta(months=months) - timedelta(days=1) if months else None
            found = (start, last, 99999999 if last is None else _key(last), _key(start))
            self._periods[(start, months)] = found
        return False if found[3] > first else found

    def evaluate(
        self,
        subject: AwardSubject,
        volunteer_id: str,
        first: int,
        crossings: Sequence[CrossingTuple],
        recommended: Collection[str],
    ) -> Evaluation | None:
        """Evaluate one volunteer from its crossing rows (``None``: use the general path).

        Args:
            subject: The volunteer as a subject.
            volunteer_id: The volunteer the crossings are of.
            first: The date of the volunteer's first counted row (``YYYYMMDD``).
            crossings: The store's crossing rows of the volunteer.
            recommended: Levels the volunteer has been recommended for.

        Returns:
            The evaluation (statuses and awards, as :func:`~volunteerkit.awards.earned_all`
            gives them), or ``None``.
        """
        if subject.is_group or subject.id != volunteer_id:
            return None
        windows: list[Any] = [_LIFETIME]
        for since, months in self._since:
            period = self._window(subject, since, months, first)
            if period is False:
                return None  # counted credit before the window starts: the general path
            windows.append(period)
        found = {(c[0], c[1]): c for c in crossings}
        results: list[LevelResult] = []
        by_id: dict[str, LevelResult] | None = {} if self._prerequisites else None
        for plan in self.levels:
            result = plan.fixed
            if result is None:
                period = windows[plan.window]
                if period is None:
                    result = plan.unknown
                    if result is None:
                        result = plan.unknown = LevelResult(
                            level_id=plan.id,
                            status=LevelStatus.NOT_APPLICABLE,
                            reasons=self._start_unknown(plan.since or ""),
                        )
                else:
                    hit = found.get(plan.key)
                    if hit is None or hit[2] > period[2]:
                        result = plan.not_met
                    else:
                        result = self._level(plan, hit, by_id, recommended, period)
            results.append(result)
            if by_id is not None:
                by_id[plan.id] = result
        rule_set = self.rule_set
        return _evaluation(
            rule_set.id, rule_set.version, subject.id, self.as_of, self.today, tuple(results),
            None, None,
        )

    def _level(
        self,
        plan: _LevelPlan,
        hit: CrossingTuple,
        by_id: dict[str, LevelResult] | None,
        recommended: Collection[str],
        period: tuple[Any, ...],
    ) -> LevelResult:
        level = plan.level
        prerequisite: date | None = None
        if by_id is not None:
            for required in level.requires:
                before = by_id[required]
                earned_before = before.earned if before.status is LevelStatus.EARNED else ()
                if not earned_before:
                    return plan.not_met
                day = min(a.earned_on for a in earned_before)
                prerequisite = day if prerequisite is None else max(prerequisite, day)
        rule_set = self.rule_set
        crossed = self._dates.get(hit[2])
        if crossed is None:
            crossed = self._dates[hit[2]] = _day(hit[2])
        effective_from = rule_set.effective_from
        if effective_from is not None and crossed < effective_from and not plan.once:
            return plan.not_met  # a per-period award crossed before the rules existed
        earned = crossed
        if prerequisite is not None and prerequisite > earned:
            earned = prerequisite
        if effective_from is not None and effective_from > earned:
            earned = effective_from
        if earned > self.today or (
            rule_set.effective_to is not None and earned > rule_set.effective_to
        ):
            return plan.not_met
        awaiting = level.recommendation and level.id not in recommended
        reached = hit[4] // plan.scale
        achievement = _achievement(
            level.id, "once", earned, crossed, EntryId.parse(hit[3]), period[0], period[1],
            reached, 0, reached, awaiting,
        )
        return _level_result(
            level.id,
            LevelStatus.AWAITING_RECOMMENDATION if awaiting else LevelStatus.EARNED,
            (achievement,),
            None,
            None,
            (),
        )
