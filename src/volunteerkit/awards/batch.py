"""Batch evaluation and awarding over a store: every volunteer, streamed in chunks.

Three ways to read a store, from the most to the least detailed:

* :func:`evaluate_all` / :func:`evaluate_subjects`: a full :class:`~volunteerkit.awards.Evaluation`
  (progress, reasons, standing) for every volunteer with credit, or for the subjects given
  (volunteers, families, groups);
* :func:`earned_all`: only the volunteers who earned (or await a recommendation for) a level, with
  their awards. It first sums each volunteer's credit inside the store (``SUM … GROUP BY``) and never
  reads the credit of a volunteer whose total is below every threshold: no level can be met with
  fewer minutes than that. When every level is a plain threshold of hours over the whole history
  or a ``since`` window (the stars of most rule sets), the store reports only the rows at which
  each volunteer's running sums reach the thresholds
  (:meth:`~volunteerkit.awards.store.AwardRepository.credit_crossings`) and the awards are built
  from those rows alone;
* :func:`award_all` / :func:`award_subjects`: :func:`earned_all` plus the award ledger: grants what
  is earned and not yet held, revokes what is held and no longer supported (saying why), writes
  both to ``store.awards`` and the audit log, one transaction per chunk. Running it twice changes
  nothing; an interrupted run is resumed by running it again.

How credit is read (each path gives exactly the result of :func:`~volunteerkit.awards.evaluate` on
the subject's credit lines; the tests check it):

* **crossing rows** (:func:`earned_all` only) when every individual level is a threshold alone
  over lifetime or a ``since`` window, once (or once per its single period), with every hour
  counting and no age band: the store finds, per volunteer, the row at which the running sum of
  each kind of credit first reaches each threshold; a volunteer with counted credit before a
  ``since`` window starts is read by the paths below;
* **day totals** when every level a volunteer can earn counts all categories, organizations and
  sources: the store sums each volunteer's credit per local date (over its covering index, without
  reading the rows), the engine runs on day totals, and only the dates on which a level was crossed
  are read line by line to find the crossing entry;
* **credit lines** when a rule filters categories or organizations: the rows themselves;
* **records** when a rule filters sources (credit rows do not carry them): the volunteer's entries
  and events, folded and accrued with the policy the ledger recorded.
"""

from __future__ import annotations

import sys
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime, timedelta
from itertools import accumulate, islice
from typing import Any

import attrs
from dateutil.relativedelta import relativedelta

from volunteerkit._clock import Clock, require_aware
from volunteerkit._ids import new_id
from volunteerkit._serialization import from_json
from volunteerkit._text import unstorable
from volunteerkit.audit import AuditEntry
from volunteerkit.awards._crossings import CrossingPlan
from volunteerkit.awards._messages import message
from volunteerkit.awards.engine import (
    Achievement,
    AwardSubject,
    Evaluation,
    LevelStatus,
    _check_periods,
    _key,
    _run,
    _Table,
    credit_lines_from_records,
)
from volunteerkit.awards.rules import (
    CalendarYearWindow,
    ChosenPeriodWindow,
    Counting,
    CreditKind,
    DateRangeWindow,
    LifetimeWindow,
    RollingWindow,
    RuleSet,
    SinceWindow,
)
from volunteerkit.awards.store import MAX_ID_BYTES, AwardStore, CreditTuple, Grant, Revocation
from volunteerkit.errors import InvalidInputError
from volunteerkit.hours.policy import AccrualPolicy
from volunteerkit.hours.windows import DateRange

__all__ = [
    "AwardRun",
    "Reconciliation",
    "SubjectSource",
    "award_all",
    "award_subjects",
    "earned_all",
    "evaluate_all",
    "evaluate_one",
    "evaluate_subjects",
    "reconcile",
]

SubjectSource = Mapping[str, AwardSubject] | Callable[[str], AwardSubject | None] | None
"""Where the batch finds a volunteer's birth date, registration and other dates: a mapping or a
function from volunteer id to :class:`~volunteerkit.awards.AwardSubject` (``None``: the subject has
only its id, so levels that need a birth date or a start date do not apply)."""

_WEIGHT_SCALE = 1_000_000


# --------------------------------------------------------------------------------------------
# reconciliation with the award ledger


@attrs.frozen(kw_only=True)
class Reconciliation:
    """What to write to the award ledger so that it matches an evaluation.

    Args:
        rule_set_id: The rule set.
        subject_id: The subject.
        grants: Awards earned and not held: to grant.
        revocations: Awards held and no longer earned: to revoke, with the reason.
        kept: Awards held and still earned.
    """

    rule_set_id: str
    subject_id: str
    grants: tuple[Grant, ...] = ()
    revocations: tuple[Revocation, ...] = ()
    kept: tuple[Grant, ...] = ()

    @property
    def changes(self) -> bool:
        """True when something is to be written."""
        return bool(self.grants or self.revocations)


def _revocation_reason(evaluation: Evaluation, grant: Grant) -> tuple[str, str, str]:
    try:
        result = evaluation.level(grant.level_id)
    except InvalidInputError:
        detail, detail_zh = (
            f"the rule set has no level {grant.level_id!r}",
            f"规则集中没有等级 {grant.level_id!r}",
        )
    else:
        if result.reasons:
            detail, detail_zh = result.reasons[0].message, result.reasons[0].message_zh
        elif result.status is LevelStatus.EARNED:
            detail, detail_zh = (
                f"award {grant.key!r} of the level is no longer earned",
                f"该等级的奖项 {grant.key!r} 已不再满足",
            )
        else:
            detail, detail_zh = (f"status {result.status.value}", f"状态 {result.status.value}")
    en, zh = message("awards.no_longer_supported", detail=detail, detail_zh=detail_zh)
    return "awards.no_longer_supported", en, zh


def reconcile(
    evaluation: Evaluation,
    held: Iterable[Grant],
    *,
    clock: Clock,
    actor: str,
    decided_later: Collection[tuple[str, str]] = (),
) -> Reconciliation:
    """Compare an evaluation with the awards a subject holds.

    An award is identified by rule set, subject, level and key
    (:attr:`~volunteerkit.awards.Achievement.key`). A held award that is still earned is kept as it
    was granted (its earned date stays the historical one even if corrections moved it). An
    evaluation as of an instant decides only about the awards granted by then: awards granted
    later are neither kept nor revoked (a grant it proposes for a key held since is then a no-op).
    Nor does it decide about an award with a grant or revocation recorded after its instant
    (``decided_later``): an award revoked since is not granted again by an evaluation of the
    time before.

    Args:
        evaluation: The subject's evaluation (of one rule set).
        held: The subject's held grants of that rule set.
        clock: Dates the new records and gives their ids.
        actor: Who grants and revokes (a user, or the name of the batch job).
        decided_later: ``(level id, key)`` of the subject's awards with a record dated after
            ``evaluation.as_of`` (see :meth:`~volunteerkit.awards.store.AwardRepository.history`).

    Returns:
        The grants to record, the revocations to record (each with its reason) and what is kept.

    Raises:
        InvalidInputError: ``awards.input.invalid`` if ``evaluation`` is not an
            :class:`~volunteerkit.awards.Evaluation` (``$.evaluation``) or a held record is not a
            :class:`~volunteerkit.awards.Grant` (``$.held[i]``); ``held`` or ``decided_later``
            that is not a collection (``$.held``, ``$.decided_later``), ``clock`` that is not a
            Clock (``$.clock``), ``actor`` that is not non-empty text (``$.actor``).
    """
    if not isinstance(evaluation, Evaluation):
        raise _invalid("$.evaluation", "evaluation must be an Evaluation")
    _check_clock_actor(clock, actor)
    for path, value in (("$.held", held), ("$.decided_later", decided_later)):
        if isinstance(value, str | bytes) or not isinstance(value, Iterable):
            raise _invalid(path, "expected a collection")
    held = list(held)
    for i, grant in enumerate(held):
        if not isinstance(grant, Grant):
            raise _invalid(f"$.held[{i}]", "held records are Grant objects")
    later = set(decided_later)
    held_by_key = {
        (g.level_id, g.key): g
        for g in held
        if g.rule_set_id == evaluation.rule_set_id
        and g.at <= evaluation.as_of
        and (g.level_id, g.key) not in later
    }
    earned: dict[tuple[str, str], Achievement] = {}
    for result in evaluation.levels:
        for achievement in result.achievements:
            key = (achievement.level_id, achievement.key)
            if not achievement.awaiting_recommendation and key not in later:
                earned[key] = achievement
    at = clock.now()
    grants = [
        Grant(
            id=new_id(clock),
            rule_set_id=evaluation.rule_set_id,
            rule_set_version=evaluation.rule_set_version,
            subject_id=evaluation.subject_id,
            level_id=a.level_id,
            key=a.key,
            earned_on=a.earned_on,
            crossing_entry=a.crossing_entry,
            consumed_from=a.consumed_from,
            consumed_to=a.consumed_to,
            period_first=a.period_first,
            period_last=a.period_last,
            at=at,
            actor=actor,
        )
        for k, a in earned.items()
        if k not in held_by_key
    ]
    revocations = []
    for k in sorted(held_by_key):
        if k in earned:
            continue
        grant = held_by_key[k]
        code, en, zh = _revocation_reason(evaluation, grant)
        revocations.append(
            Revocation(
                id=new_id(clock),
                rule_set_id=grant.rule_set_id,
                subject_id=grant.subject_id,
                level_id=grant.level_id,
                key=grant.key,
                at=at,
                actor=actor,
                reason_code=code,
                reason=en,
                reason_zh=zh,
            )
        )
    kept = [held_by_key[k] for k in sorted(held_by_key) if k in earned]
    return Reconciliation(
        rule_set_id=evaluation.rule_set_id,
        subject_id=evaluation.subject_id,
        grants=tuple(grants),
        revocations=tuple(revocations),
        kept=tuple(kept),
    )


# --------------------------------------------------------------------------------------------
# reading credit


def _resolver(subjects: SubjectSource) -> Callable[[str], AwardSubject]:
    if subjects is None:
        return lambda vid: AwardSubject(id=vid)
    if isinstance(subjects, Mapping):
        mapping = subjects

        def look_up(vid: str) -> AwardSubject:
            found = mapping.get(vid)
            if found is not None and not isinstance(found, AwardSubject):
                raise _invalid(f"$.subjects.{vid}", "subjects must map ids to AwardSubject objects")
            return found if found is not None else AwardSubject(id=vid)

        return look_up

    function = subjects

    def resolve(vid: str) -> AwardSubject:
        found = function(vid)
        if found is not None and not isinstance(found, AwardSubject):
            raise _invalid("$.subjects", f"subjects({vid!r}) must return an AwardSubject or None")
        return found if found is not None else AwardSubject(id=vid)

    return resolve


def _plain(counting: Counting) -> bool:
    return counting == Counting(credit=counting.credit)


def _chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(items)
    size = min(size, sys.maxsize)  # islice takes no more (a larger chunk is all of them anyway)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _invalid(path: str, detail: str) -> InvalidInputError:
    en, zh = message("awards.input.invalid", detail=detail)
    return InvalidInputError(en, zh, code="awards.input.invalid", path=path)


def _check_args(
    rule_set: object,
    *,
    store: object,
    subjects: object = None,
    volunteer_ids: object = None,
    chunk_size: object = 500,
) -> list[str] | None:
    """Refuse batch arguments of the wrong type; return the volunteer ids (sorted, distinct).

    A text is not a collection of volunteer ids (``"ab"`` is not the volunteers ``a`` and ``b``).
    """
    if not isinstance(rule_set, RuleSet):
        raise _invalid("$.rule_set", "rule_set must be a RuleSet")
    if getattr(store, "awards", None) is None:
        raise _invalid("$.store", "store must be a store with awards (store.awards)")
    if subjects is not None and not isinstance(subjects, Mapping) and not callable(subjects):
        raise _invalid(
            "$.subjects", "subjects must be a mapping or a function from volunteer id to subject"
        )
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, int):
        raise _invalid("$.chunk_size", "chunk_size must be a whole number")
    if volunteer_ids is None:
        return None
    if isinstance(volunteer_ids, str) or not isinstance(volunteer_ids, Iterable):
        raise _invalid("$.volunteer_ids", "volunteer_ids must be a collection of volunteer ids")
    ids = list(volunteer_ids)
    for i, vid in enumerate(ids):
        if not isinstance(vid, str):
            raise _invalid(f"$.volunteer_ids[{i}]", "volunteer ids are text")
    return sorted(set(ids))


def _check_clock_actor(clock: object, actor: object) -> None:
    """Refuse a clock or actor of the wrong type before anything is evaluated or written."""
    if not isinstance(clock, Clock):
        raise _invalid("$.clock", "clock must be a Clock")
    if (
        not isinstance(actor, str)
        or not actor.strip()
        or len(actor) > 200
        or unstorable(actor)
        or len(actor.encode("utf-8")) > MAX_ID_BYTES
    ):
        raise _invalid("$.actor", "actor must be non-empty text of at most 200 characters")


def _checked_subjects(subjects: object) -> Iterator[AwardSubject]:
    """The subjects given to a batch, each checked to be an :class:`AwardSubject`."""
    if isinstance(subjects, str | AwardSubject) or not isinstance(subjects, Iterable):
        raise _invalid("$.subjects", "subjects must be a collection of AwardSubject objects")
    for i, subject in enumerate(subjects):
        if not isinstance(subject, AwardSubject):
            raise _invalid(f"$.subjects[{i}]", "subjects are AwardSubject objects")
        yield subject


class _Reader:
    """Reads the credit of chunks of subjects from a store, by the cheapest exact path.

    Modes: ``records`` (a rule filters sources: fold and accrue the ledger's records), ``lines``
    (a rule filters categories or organizations: the credit rows), ``months`` (every level counts
    every hour against its threshold alone, over windows that are not rolling: month totals summed
    in the store), ``days`` (every hour counts: day totals summed in the store). With totals, the
    totals a level crosses on, and the months a window starts or ends in, are replaced by their
    credit rows before the final evaluation.
    """

    def __init__(self, rule_set: RuleSet, store: Any, as_of: datetime) -> None:
        self.rule_set = rule_set
        self.store = store
        self.as_of = as_of
        self.today = _key(as_of.date())
        countings = [rule_set.counting, *(rule_set.counting_of(lv) for lv in rule_set.levels)]
        windows = [rule_set.window_of(lv) for lv in rule_set.levels]
        if any(c.uses_sources for c in countings):
            self.mode = "records"
        elif not all(_plain(c) for c in countings):
            self.mode = "lines"
        elif all(lv.hours_only for lv in rule_set.levels) and not any(
            isinstance(w, RollingWindow) for w in windows
        ):
            self.mode = "months"
        else:
            self.mode = "days"
        self.kinds = sorted({c.credit.value for c in countings})
        self._policy: AccrualPolicy | None = None
        self.sources: dict[str, Any] = {}

    def read(self, volunteers: list[str]) -> dict[str, list[CreditTuple]]:
        """Return the credit of each volunteer (rows, or day or month totals)."""
        if self.mode == "records":
            return self._records(volunteers)
        if self.mode == "lines":
            lines = self.store.awards.credit_lines(
                self.as_of, volunteer_ids=volunteers, last=self.today
            )
            return dict(lines)
        totals = self.store.awards.credit_day_totals(
            self.as_of,
            volunteer_ids=volunteers,
            last=self.today,
            by_month=self.mode == "months",
            kinds=self.kinds,
        )
        return {
            vid: [(d, "", "", "", raw, credited, weighted) for d, raw, credited, weighted in rows]
            for vid, rows in totals
        }

    def span(self, day: int) -> tuple[int, int]:
        """The dates one total stands for: its day, or its month."""
        if self.mode == "months":
            month = day // 100
            return month * 100 + 1, month * 100 + 31
        return day, day

    def boundaries(
        self, subject: AwardSubject, periods: Sequence[DateRange]
    ) -> set[tuple[int, int]]:
        """Month totals a window starts or ends inside of, which must be read row by row."""
        if self.mode != "months":
            return set()
        found: set[tuple[int, int]] = set()

        def inside(day: date, end: bool) -> None:
            if (not end and day.day != 1) or (end and (day + timedelta(days=1)).day != 1):
                found.add(self.span(_key(day)))

        for level in self.rule_set.levels:
            window = self.rule_set.window_of(level)
            if isinstance(window, SinceWindow):
                start = subject.start_date(window.start)
                if start is not None:
                    inside(start, end=False)
                    if window.months:
                        last = start + relativedelta(months=window.months) - timedelta(days=1)
                        inside(last, end=True)
            elif isinstance(window, DateRangeWindow):
                inside(window.first, end=False)
                inside(window.last, end=True)
            elif isinstance(window, ChosenPeriodWindow):
                for period in periods:
                    inside(period.first, end=False)
                    inside(period.last, end=True)
                if not periods:
                    inside(_first_of_window(self.today, window.max_months), end=False)
        return found

    def replace(
        self, lines: dict[str, list[CreditTuple]], spans: dict[str, set[tuple[int, int]]]
    ) -> None:
        """Replace the totals within ``spans`` (per volunteer) by the credit rows."""
        ranges = [(vid, low, high) for vid, pairs in spans.items() for low, high in pairs]
        if not ranges:
            return
        fetched = dict(self.store.awards.credit_lines(self.as_of, ranges=ranges, last=self.today))
        for vid, pairs in spans.items():
            # a total stands for its day or month, which is exactly one fetched span or none
            covered = {self.span(low)[0] for low, _high in pairs}
            kept = [r for r in lines.get(vid, []) if r[1] or self.span(r[0])[0] not in covered]
            lines[vid] = kept + fetched.get(vid, [])

    def _records(self, volunteers: list[str]) -> dict[str, list[CreditTuple]]:
        if self._policy is None:
            stored = self.store.ledger.get_setting("policy")
            if stored is None:
                en, zh = message(
                    "awards.input.invalid",
                    detail="the rule filters sources, and the ledger has recorded no policy",
                )
                raise InvalidInputError(en, zh, code="awards.input.invalid", path="$.store")
            self._policy = from_json(stored, AccrualPolicy)
        records = self.store.ledger.records_of(volunteers)
        out: dict[str, list[CreditTuple]] = {}
        for vid, (entries, events) in records.items():
            for line in credit_lines_from_records(entries, events, self._policy, as_of=self.as_of):
                day = _key(line.day)
                weighted = int(line.weighted_minutes * _WEIGHT_SCALE)
                out.setdefault(vid, []).append(
                    (
                        day,
                        str(line.entry_id),
                        line.organization_id,
                        line.category,
                        line.raw_minutes,
                        line.credited_minutes,
                        weighted,
                    )
                )
                self.sources[str(line.entry_id)] = line.source
        return out


_COLUMN = {CreditKind.RAW: 4, CreditKind.CREDITED: 5, CreditKind.WEIGHTED: 6}


def _predicted_spans(
    reader: _Reader, rule_set: RuleSet, subject: AwardSubject, rows: list[CreditTuple]
) -> set[tuple[int, int]]:
    """Guess the totals the levels will be crossed on, to read them before the first evaluation.

    Only an optimisation: it covers the first award of levels over lifetime, ``since`` and
    calendar-year windows; the evaluation loop reads whatever else a level is crossed on.
    """
    ordered = sorted(rows)
    days = [r[0] for r in ordered]
    groups: dict[tuple[int, int, int, bool], list[int]] = {}
    for level in rule_set.levels:
        window = rule_set.window_of(level)
        first, last = 0, 99999999
        yearly = isinstance(window, CalendarYearWindow)
        if isinstance(window, SinceWindow):
            start = subject.start_date(window.start)
            if start is None:
                continue
            first = _key(start)
            if window.months:
                last = _key(start + relativedelta(months=window.months) - timedelta(days=1))
        elif not (yearly or isinstance(window, LifetimeWindow)):
            continue
        kind = rule_set.counting_of(level).credit
        need = level.threshold * (_WEIGHT_SCALE if kind is CreditKind.WEIGHTED else 1)
        groups.setdefault((first, last, _COLUMN[kind], yearly), []).append(need)
    found: set[tuple[int, int]] = set()
    for (first, last, column, yearly), needs in groups.items():
        lo = bisect_left(days, first)
        hi = bisect_right(days, last)
        spans = [(lo, hi)]
        if yearly:
            spans = []
            while lo < hi:
                year_end = bisect_right(days, days[lo] // 10000 * 10000 + 1231, lo, hi)
                spans.append((lo, year_end))
                lo = year_end
        for a, b in spans:
            sums = list(accumulate(r[column] for r in ordered[a:b]))
            for need in needs:
                i = bisect_left(sums, need)
                if i < len(sums) and not ordered[a + i][1]:
                    found.add(reader.span(days[a + i]))
    return found


def _first_of_window(today: int, months: int) -> date:
    end = date(today // 10000, today // 100 % 100, today % 100)
    first: date = end - relativedelta(months=months) + timedelta(days=1)
    return first


def _merged(subject: AwardSubject, lines: Mapping[str, list[CreditTuple]], today: int) -> _Table:
    members = sorted(subject.volunteers())
    if len(members) == 1:
        return _Table.from_tuples(members[0], lines.get(members[0], []), today)
    # in the order _Table.from_tuples sorts the rows (the whole tuple), so that each row keeps its
    # volunteer: members' day or month totals share a date and an empty entry text
    tagged = sorted(
        ((r, vid) for vid in members for r in lines.get(vid, []) if r[0] <= today),
        key=lambda pair: (pair[0], pair[1]),
    )
    table = _Table.from_tuples(members[0], [r for r, _ in tagged], today)
    table.volunteers = [vid for _, vid in tagged]
    return table


def _evaluate_chunk(
    rule_set: RuleSet,
    reader: _Reader,
    subjects: Sequence[AwardSubject],
    *,
    periods: Sequence[DateRange],
    recommended: Mapping[str, frozenset[str]],
    detail: bool,
) -> list[Evaluation]:
    raw = reader.read(sorted({v for s in subjects for v in s.volunteers()}))
    spans: dict[str, set[tuple[int, int]]] = {}
    for subject in subjects:  # read row by row the totals a window starts or ends inside of
        for vid in subject.volunteers():
            spans.setdefault(vid, set()).update(reader.boundaries(subject, periods))
    reader.replace(raw, spans)
    if reader.mode in ("days", "months"):  # and those a level will likely be crossed on
        spans = {}
        for subject in subjects:
            if not subject.is_group:
                guess = _predicted_spans(reader, rule_set, subject, raw.get(subject.id, []))
                if guess:
                    spans[subject.id] = guess
        reader.replace(raw, spans)
    pending = list(subjects)
    done: dict[str, Evaluation] = {}
    seen: set[tuple[str, tuple[int, int]]] = set()
    while pending:  # then those a level was crossed on, until none is
        spans = {}
        retry = []
        for subject in pending:
            table = _merged(subject, raw, reader.today)
            if reader.mode == "records":
                table.sources = [reader.sources.get(e) for e in table.entries]
            result = _run(
                rule_set,
                subject,
                table,
                reader.as_of,
                periods,
                recommended.get(subject.id, frozenset()),
                detail=detail,
            )
            if not table.missing_days:
                done[subject.id] = result
                continue
            retry.append(subject)
            for vid in subject.volunteers():
                for span in {reader.span(d) for d in table.missing_days}:
                    if (vid, span) in seen:  # pragma: no cover - only if the store changed
                        en, zh = message(
                            "awards.input.invalid",
                            detail="the store's credit changed while it was read; evaluate again",
                        )
                        raise InvalidInputError(en, zh, code="awards.input.invalid", path="$.store")
                    seen.add((vid, span))
                    spans.setdefault(vid, set()).add(span)
        reader.replace(raw, spans)
        pending = retry
    return [done[s.id] for s in subjects]


def _recommended(
    rule_set: RuleSet, store: Any, subjects: Sequence[AwardSubject], as_of: datetime
) -> Mapping[str, frozenset[str]]:
    """The recommendations made by ``as_of`` (a later one does not change an evaluation as of it)."""
    if not any(lv.recommendation for lv in rule_set.levels):
        return {}
    result: Mapping[str, frozenset[str]] = store.awards.recommendations(
        rule_set.id, [s.id for s in subjects], as_of=as_of
    )
    return result


def evaluate_subjects(
    rule_set: RuleSet,
    store: Any,
    subjects: Iterable[AwardSubject],
    *,
    as_of: datetime,
    periods: Iterable[DateRange] = (),
    chunk_size: int = 500,
) -> Iterator[Evaluation]:
    """Evaluate the given subjects (volunteers, families, groups) from a store's credit.

    Args:
        rule_set: The rule set.
        store: A store with ``awards`` (and ``ledger`` when a rule filters sources).
        subjects: The subjects, in the order results are wanted; each chunk holds either
            individuals or groups as they come.
        as_of: The instant (aware): the credit valid then, and the evaluation date.
        periods: Chosen periods (see :func:`~volunteerkit.awards.evaluate`).
        chunk_size: Subjects read and evaluated together.

    Returns:
        One full evaluation per subject, streamed.

    Raises:
        NaiveDatetimeError: If ``as_of`` is naive.
        InvalidInputError: ``awards.input.invalid`` for an argument of the wrong type, at its
            path: ``periods`` that is not a collection of DateRange objects (``$.periods``, or
            the item's path), ``rule_set`` that is not a RuleSet, ``subjects``, ``volunteer_ids``
            that is one text or not a collection of texts (``$.volunteer_ids``), a
            ``chunk_size`` that is not a whole number, a ``store`` without ``awards``
            (``$.store``).
    """
    require_aware(as_of, "$.as_of")
    _check_args(rule_set, store=store, chunk_size=chunk_size)
    chosen = _check_periods(periods)
    reader = _Reader(rule_set, store, as_of)
    for chunk in _chunks(_checked_subjects(subjects), max(1, chunk_size)):
        yield from _evaluate_chunk(
            rule_set,
            reader,
            chunk,
            periods=chosen,
            recommended=_recommended(rule_set, store, chunk, as_of),
            detail=True,
        )


def _volunteer_ids(
    store: Any, as_of: datetime, volunteer_ids: Collection[str] | None
) -> Iterator[str]:
    if volunteer_ids is not None:
        return iter(volunteer_ids)  # checked: sorted and distinct
    today = _key(as_of.date())
    return (row[0] for row in store.awards.credit_totals(as_of, last=today))


def evaluate_all(
    rule_set: RuleSet,
    store: Any,
    *,
    as_of: datetime,
    subjects: SubjectSource = None,
    volunteer_ids: Collection[str] | None = None,
    periods: Iterable[DateRange] = (),
    chunk_size: int = 500,
) -> Iterator[Evaluation]:
    """Evaluate every volunteer with credit valid at ``as_of`` (or the volunteers given).

    Args:
        rule_set: The rule set.
        store: A store with ``awards`` (and ``ledger`` when a rule filters sources).
        as_of: The instant (aware).
        subjects: Where each volunteer's dates come from.
        volunteer_ids: Only these volunteers (also those without any credit).
        periods: Chosen periods (see :func:`~volunteerkit.awards.evaluate`).
        chunk_size: Volunteers read and evaluated together.

    Returns:
        One full evaluation per volunteer, in the store's order of volunteer ids, streamed.

    Raises:
        NaiveDatetimeError: If ``as_of`` is naive.
        InvalidInputError: ``awards.input.invalid`` for an argument of the wrong type, at its
            path: ``periods`` that is not a collection of DateRange objects (``$.periods``, or
            the item's path), ``rule_set`` that is not a RuleSet, ``subjects``, ``volunteer_ids``
            that is one text or not a collection of texts (``$.volunteer_ids``), a
            ``chunk_size`` that is not a whole number, a ``store`` without ``awards``
            (``$.store``).
    """
    require_aware(as_of, "$.as_of")
    wanted = _check_args(
        rule_set,
        store=store,
        subjects=subjects,
        volunteer_ids=volunteer_ids,
        chunk_size=chunk_size,
    )
    resolve = _resolver(subjects)
    ids = _volunteer_ids(store, as_of, wanted)
    return evaluate_subjects(
        rule_set,
        store,
        (resolve(v) for v in ids),
        as_of=as_of,
        periods=periods,
        chunk_size=chunk_size,
    )


def _thresholds(rule_set: RuleSet) -> list[tuple[CreditKind, int]]:
    return [
        (rule_set.counting_of(lv).credit, lv.threshold)
        for lv in rule_set.levels
        if lv.group is None
    ]


def _candidates(
    rule_set: RuleSet, store: Any, as_of: datetime, volunteer_ids: Collection[str] | None
) -> Iterator[str]:
    """Volunteers whose total credit (every category) reaches some level's threshold."""
    needs = _thresholds(rule_set)
    if not needs:
        return
    wanted = None if volunteer_ids is None else set(volunteer_ids)
    lowest = {kind: min(t for k, t in needs if k is kind) for kind in {k for k, _ in needs}}
    minimum = {
        kind.value: t * (_WEIGHT_SCALE if kind is CreditKind.WEIGHTED else 1)
        for kind, t in lowest.items()
    }
    today = _key(as_of.date())
    for vid in store.awards.credit_reaching(as_of, minimum, last=today):
        if wanted is None or vid in wanted:
            yield vid


def earned_all(
    rule_set: RuleSet,
    store: Any,
    *,
    as_of: datetime,
    subjects: SubjectSource = None,
    volunteer_ids: Collection[str] | None = None,
    periods: Iterable[DateRange] = (),
    chunk_size: int = 500,
) -> Iterator[Evaluation]:
    """Find every volunteer who earned (or awaits a recommendation for) a level, with the awards.

    The store first sums each volunteer's credit; volunteers below every threshold are not read
    further. For plain hour levels over lifetime or ``since`` windows the store then reports only
    the rows at which running sums reach the thresholds (see the module notes). The evaluations
    carry each level's status and awards, without progress, reasons or standing (evaluate one
    volunteer with :func:`evaluate_all` for those), and equal what the general path gives.

    Args:
        rule_set: The rule set (its individual levels; group levels need :func:`award_subjects`).
        store: A store with ``awards`` (and ``ledger`` when a rule filters sources).
        as_of: The instant (aware).
        subjects: Where each volunteer's dates come from.
        volunteer_ids: Only these volunteers.
        periods: Chosen periods (see :func:`~volunteerkit.awards.evaluate`).
        chunk_size: Volunteers read and evaluated together.

    Returns:
        One evaluation per volunteer with any award, in the store's order of volunteer ids.

    Raises:
        NaiveDatetimeError: If ``as_of`` is naive.
        InvalidInputError: ``awards.input.invalid`` for an argument of the wrong type, at its
            path: ``periods`` that is not a collection of DateRange objects (``$.periods``, or
            the item's path), ``rule_set`` that is not a RuleSet, ``subjects``, ``volunteer_ids``
            that is one text or not a collection of texts (``$.volunteer_ids``), a
            ``chunk_size`` that is not a whole number, a ``store`` without ``awards``
            (``$.store``).
    """
    require_aware(as_of, "$.as_of")
    volunteer_ids = _check_args(
        rule_set,
        store=store,
        subjects=subjects,
        volunteer_ids=volunteer_ids,
        chunk_size=chunk_size,
    )
    resolve = _resolver(subjects)
    reader = _Reader(rule_set, store, as_of)
    chosen = _check_periods(periods)
    plan = CrossingPlan.of(rule_set, as_of)
    if plan is not None:
        yield from _earned_from_crossings(
            plan, reader, store, resolve, volunteer_ids, chosen, max(1, chunk_size)
        )
        return
    for chunk in _chunks(_candidates(rule_set, store, as_of, volunteer_ids), max(1, chunk_size)):
        people = [resolve(v) for v in chunk]
        for evaluation in _evaluate_chunk(
            rule_set,
            reader,
            people,
            periods=chosen,
            recommended=_recommended(rule_set, store, people, as_of),
            detail=False,
        ):
            if any(r.achievements for r in evaluation.levels):
                yield evaluation


def _earned_from_crossings(
    plan: CrossingPlan,
    reader: _Reader,
    store: Any,
    resolve: Callable[[str], AwardSubject],
    volunteer_ids: Collection[str] | None,
    periods: Sequence[DateRange],
    chunk_size: int,
) -> Iterator[Evaluation]:
    """earned_all from the store's crossing rows; subjects the plan cannot express go the full way."""
    rule_set = plan.rule_set
    crossings = store.awards.credit_crossings(
        plan.as_of, plan.thresholds, last=_key(plan.today), volunteer_ids=volunteer_ids
    )
    evaluate = plan.evaluate
    nothing: frozenset[str] = frozenset()
    for chunk in _chunks(crossings, chunk_size):
        people = [resolve(vid) for vid, _first, _rows in chunk]
        recommended = _recommended(rule_set, store, people, plan.as_of)
        found: list[Evaluation | None] = []
        slow: list[AwardSubject] = []
        for (vid, first, rows), subject in zip(chunk, people, strict=True):
            evaluation = evaluate(subject, vid, first, rows, recommended.get(subject.id, nothing))
            found.append(evaluation)
            if evaluation is None:
                slow.append(subject)
        full = iter(
            _evaluate_chunk(
                rule_set, reader, slow, periods=periods, recommended=recommended, detail=False
            )
            if slow
            else ()
        )
        for evaluation in found:
            result = evaluation if evaluation is not None else next(full)
            for level in result.levels:
                if level.achievements:
                    yield result
                    break


# --------------------------------------------------------------------------------------------
# awarding


@attrs.frozen(kw_only=True)
class AwardRun:
    """What an award batch did.

    Args:
        rule_set_id: The rule set.
        as_of: The instant evaluated.
        evaluated: Subjects evaluated.
        granted: Grants recorded.
        revoked: Revocations recorded.
        kept: Held awards still supported.
    """

    rule_set_id: str
    as_of: datetime
    evaluated: int = 0
    granted: int = 0
    revoked: int = 0
    kept: int = 0


def _audit(clock: Clock, actor: str, record: Grant | Revocation, subject_type: str) -> AuditEntry:
    is_grant = isinstance(record, Grant)
    details = {"rule_set": record.rule_set_id, "level": record.level_id, "key": record.key}
    if isinstance(record, Grant):
        details["earned_on"] = record.earned_on.isoformat()
        details["crossing_entry"] = str(record.crossing_entry)
    return AuditEntry(
        id=new_id(clock),
        at=clock.now(),
        actor=actor,
        action="awards.grant" if is_grant else "awards.revoke",
        subject_type=subject_type,
        subject_id=record.subject_id,
        reason="" if isinstance(record, Grant) else record.reason,
        details=details,
    )


def _apply(
    rule_set: RuleSet,
    store: AwardStore,
    evaluations: Sequence[Evaluation],
    subjects: Mapping[str, AwardSubject],
    *,
    as_of: datetime,
    periods: Sequence[DateRange],
    clock: Clock,
    actor: str,
) -> tuple[int, int, int]:
    held = store.awards.held(rule_set.id, [e.subject_id for e in evaluations])
    by_subject = {e.subject_id: e for e in evaluations}
    plans = [
        reconcile(e, held.get(e.subject_id, ()), clock=clock, actor=actor) for e in evaluations
    ]
    # A change is decided only where no later record decided it (an evaluation as of an
    # earlier instant, after a later run revoked): read the history of the subjects changed.
    later: dict[str, set[tuple[str, str]]] = {}
    for plan in plans:
        if plan.grants or plan.revocations:
            keys = {
                (r.level_id, r.key)
                for r in store.awards.history(rule_set.id, plan.subject_id)
                if r.at > as_of
            }
            if keys:
                later[plan.subject_id] = keys
    if later:
        plans = [
            reconcile(
                by_subject[p.subject_id], held.get(p.subject_id, ()), clock=clock, actor=actor,
                decided_later=later[p.subject_id],
            )
            if p.subject_id in later
            else p
            for p in plans
        ]  # fmt: skip
    if any(p.revocations for p in plans):
        # revocations say why: evaluate those subjects in full for their reasons
        needing = [subjects[p.subject_id] for p in plans if p.revocations]
        full = {
            e.subject_id: e
            for e in evaluate_subjects(rule_set, store, needing, as_of=as_of, periods=periods)
        }
        plans = [
            reconcile(
                full[p.subject_id], held.get(p.subject_id, ()), clock=clock, actor=actor,
                decided_later=later.get(p.subject_id, ()),
            )
            if p.subject_id in full
            else p
            for p in plans
        ]  # fmt: skip
    granted = revoked = kept = 0
    with store.transaction():
        for plan in plans:
            kind = "group" if subjects[plan.subject_id].is_group else "volunteer"
            # one record at a time, so that only what the ledger recorded is audited
            for revocation in plan.revocations:
                if store.awards.revoke([revocation]):
                    revoked += 1
                    store.audit.append(_audit(clock, actor, revocation, kind))
            for grant in plan.grants:
                if store.awards.grant([grant]):
                    granted += 1
                    store.audit.append(_audit(clock, actor, grant, kind))
            kept += len(plan.kept)
    return granted, revoked, kept


def award_subjects(
    rule_set: RuleSet,
    store: AwardStore,
    subjects: Iterable[AwardSubject],
    *,
    as_of: datetime,
    clock: Clock,
    actor: str,
    periods: Iterable[DateRange] = (),
    chunk_size: int = 500,
) -> AwardRun:
    """Grant and revoke the awards of the given subjects (volunteers, families, groups).

    Args:
        rule_set: The rule set.
        store: A store with ``awards``, ``audit`` and ``transaction()``.
        subjects: The subjects.
        as_of: The instant evaluated (aware).
        clock: Dates the grants, revocations and audit entries.
        actor: Who awards (a user, or the name of the batch job).
        periods: Chosen periods (see :func:`~volunteerkit.awards.evaluate`).
        chunk_size: Subjects per transaction.

    Returns:
        What was done.

    Raises:
        NaiveDatetimeError: If ``as_of`` is naive.
        InvalidInputError: ``awards.input.invalid`` for an argument of the wrong type, at its
            path: ``periods`` that is not a collection of DateRange objects (``$.periods``, or
            the item's path), ``rule_set`` that is not a RuleSet, ``subjects``, ``volunteer_ids``
            that is one text or not a collection of texts (``$.volunteer_ids``), a
            ``chunk_size`` that is not a whole number, a ``store`` without ``awards``
            (``$.store``).
    """
    require_aware(as_of, "$.as_of")
    _check_clock_actor(clock, actor)
    _check_args(rule_set, store=store, chunk_size=chunk_size)
    chosen = _check_periods(periods)
    evaluated = (
        (chunk, list(evaluate_subjects(rule_set, store, chunk, as_of=as_of, periods=chosen)))
        for chunk in _chunks(_checked_subjects(subjects), max(1, chunk_size))
    )
    return _award_chunks(
        rule_set, store, evaluated, as_of=as_of, periods=chosen, clock=clock, actor=actor
    )


def award_all(
    rule_set: RuleSet,
    store: AwardStore,
    *,
    as_of: datetime,
    clock: Clock,
    actor: str,
    subjects: SubjectSource = None,
    volunteer_ids: Collection[str] | None = None,
    periods: Iterable[DateRange] = (),
    chunk_size: int = 500,
) -> AwardRun:
    """Grant what every volunteer earned and revoke what is no longer supported.

    Evaluates the volunteers who may have earned a level (their total reaches a threshold) and
    those holding an award of the rule set; writes one transaction per chunk, so an interrupted run
    resumes by running again. Group levels are awarded with :func:`award_subjects`.

    Args:
        rule_set: The rule set.
        store: A store with ``awards``, ``audit`` and ``transaction()``.
        as_of: The instant evaluated (aware).
        clock: Dates the grants, revocations and audit entries.
        actor: Who awards.
        subjects: Where each volunteer's dates come from.
        volunteer_ids: Only these volunteers.
        periods: Chosen periods (see :func:`~volunteerkit.awards.evaluate`); a chosen-period level
            evaluated without them is keyed by the 12 months ending on the evaluation date, so
            give them when awarding such levels.
        chunk_size: Volunteers per transaction.

    Returns:
        What was done.

    Raises:
        NaiveDatetimeError: If ``as_of`` is naive.
        InvalidInputError: ``awards.input.invalid`` for an argument of the wrong type, at its
            path: ``periods`` that is not a collection of DateRange objects (``$.periods``, or
            the item's path), ``rule_set`` that is not a RuleSet, ``subjects``, ``volunteer_ids``
            that is one text or not a collection of texts (``$.volunteer_ids``), a
            ``chunk_size`` that is not a whole number, a ``store`` without ``awards``
            (``$.store``).
    """
    require_aware(as_of, "$.as_of")
    _check_clock_actor(clock, actor)
    volunteer_ids = _check_args(
        rule_set,
        store=store,
        subjects=subjects,
        volunteer_ids=volunteer_ids,
        chunk_size=chunk_size,
    )
    resolve = _resolver(subjects)
    wanted = None if volunteer_ids is None else set(volunteer_ids)
    holders = [h for h in store.awards.holders(rule_set.id) if wanted is None or h in wanted]
    candidates = sorted(set(_candidates(rule_set, store, as_of, volunteer_ids)) | set(holders))
    reader = _Reader(rule_set, store, as_of)
    chosen = _check_periods(periods)

    def evaluated() -> Iterator[tuple[list[AwardSubject], list[Evaluation]]]:
        for chunk in _chunks(candidates, max(1, chunk_size)):
            people = [resolve(v) for v in chunk]
            recommended = _recommended(rule_set, store, people, as_of)
            yield people, list(
                _evaluate_chunk(
                    rule_set, reader, people, periods=chosen, recommended=recommended,
                    detail=False,
                )
            )

    return _award_chunks(
        rule_set, store, evaluated(), as_of=as_of, periods=chosen, clock=clock, actor=actor
    )


def _award_chunks(
    rule_set: RuleSet,
    store: AwardStore,
    chunks: Iterable[tuple[list[AwardSubject], list[Evaluation]]],
    *,
    as_of: datetime,
    periods: Sequence[DateRange],
    clock: Clock,
    actor: str,
) -> AwardRun:
    """Apply each chunk's evaluations (one transaction a chunk) and count what was done."""
    evaluated = granted = revoked = kept = 0
    for people, evaluations in chunks:
        g, r, k = _apply(
            rule_set,
            store,
            evaluations,
            {s.id: s for s in people},
            as_of=as_of,
            periods=periods,
            clock=clock,
            actor=actor,
        )
        evaluated += len(people)
        granted, revoked, kept = granted + g, revoked + r, kept + k
    return AwardRun(
        rule_set_id=rule_set.id,
        as_of=as_of,
        evaluated=evaluated,
        granted=granted,
        revoked=revoked,
        kept=kept,
    )


def evaluate_one(
    rule_set: RuleSet, store: Any, subject: AwardSubject, *, as_of: datetime
) -> Evaluation:
    """Evaluate one subject from a store (a convenience over :func:`evaluate_subjects`).

    Args:
        rule_set: The rule set.
        store: A store with ``awards``.
        subject: The subject.
        as_of: The instant (aware).

    Returns:
        The full evaluation.

    Raises:
        NaiveDatetimeError: If ``as_of`` is naive.
        InvalidInputError: ``awards.input.invalid`` if ``subject`` is not an
            :class:`~volunteerkit.awards.AwardSubject` (``$.subject``) or ``rule_set`` not a
            :class:`~volunteerkit.awards.RuleSet` (``$.rule_set``).
    """
    if not isinstance(subject, AwardSubject):
        raise _invalid("$.subject", "subject must be an AwardSubject")
    return next(iter(evaluate_subjects(rule_set, store, [subject], as_of=as_of)))
