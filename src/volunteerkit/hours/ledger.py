"""The ledger service: record, approve, reject, void and correct, with totals computed in the store.

:class:`Ledger` ties the functional core (policy checks, :func:`~volunteerkit.hours.fold`,
:func:`~volunteerkit.hours.accrue`) to a store's :class:`~volunteerkit.hours.store.LedgerRepository`
and its audit log. Every change is a new record: an entry, or an event with its actor, instant and
reason. Nothing is updated in place.

How credit is kept
------------------

Credited minutes depend on how a volunteer's entries interact (daily caps per local day, overlaps
counted once, per-day rounding), so they are not a plain sum over entries. Whenever a record of
volunteer V may change what is credited, the ledger recomputes V's credit with the core's
:func:`~volunteerkit.hours.accrue` and writes the *difference* as credit rows (one per effective
entry and local day): rows whose values changed are closed at that instant and new rows start
there; unchanged rows stay open. Each change is dated by its record's own time (an entry's
``recorded_at``, an event's ``at``), exactly the instants at which
:func:`~volunteerkit.hours.fold` changes its answer, so the rows valid at any instant T are the
core's credit as of T. A record dated *before* V's latest record (an import of old entries, say)
shortens every row of V from that instant on and replays V's history from there.

An entry that becomes effective (approved by an event, or approved on entry) need not replay V
when nothing else can change its credit: under a policy without a daily cap or per-day rounding,
an entry interacts with V's other entries only where their times overlap. When the store finds the
entry *isolated* (no other entry of V shares an instant with it, no entry of V was corrected; see
:meth:`~volunteerkit.hours.store.LedgerRepository.isolated`), its rows are computed from the
entry alone, from the instant it becomes effective, and V's other rows stay as they are: the same
rows the replay would write, at a cost that does not grow with V's history. That holds even when
the entry is dated before V's latest record (an import of old entries): nothing V recorded later
changes an entry it never overlaps. A replay of V later in the same call that starts before such a
row replays V from its start instead of appending.

Totals and aggregates as of T are then ``SUM … GROUP BY`` over the rows valid at T within the
window's local dates, inside the store (SQL on SQLite and PostgreSQL).

The store remembers the policy its credit was computed under; opening a ledger on it with another
policy raises :class:`~volunteerkit.errors.ConflictError` (``hours.setting_conflict``).
"""

from __future__ import annotations

import secrets
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal
from itertools import islice
from typing import Final, TypeVar

import attrs

from volunteerkit._clock import Clock, require_aware
from volunteerkit._ids import uuid7_text
from volunteerkit._serialization import from_json, to_json
from volunteerkit._text import unstorable
from volunteerkit._unchecked import builder
from volunteerkit.audit import record as audit_record
from volunteerkit.errors import ConflictError, VolunteerkitError
from volunteerkit.hours._time import to_minute
from volunteerkit.hours.accrual import (
    CertifiedCreditSource,
    CertifiedMinutes,
    _accrue_alone,
    _accrue_effective,
)
from volunteerkit.hours.errors import (
    HoursInputError,
    InvalidEntry,
    InvalidEvent,
    InvalidPolicy,
    PolicyViolation,
    UnknownEntry,
)
from volunteerkit.hours.fold import EntryState, apply_event, check_event, fold, initial_state
from volunteerkit.hours.models import (
    Approved,
    Corrected,
    CorrectionKind,
    EntryId,
    EventId,
    LedgerEvent,
    Rejected,
    ServiceEntry,
    Status,
    Voided,
)
from volunteerkit.hours.policy import (
    NATIONAL,
    AccrualPolicy,
    RoundingScope,
    _decide,
    _decisions_by_source,
    _validate,
)
from volunteerkit.hours.store import (
    WEIGHT_SCALE,
    CreditClose,
    CreditRow,
    DirectApproval,
    GroupKey,
    LedgerStore,
    MinutesRow,
    Query,
    WriterTurns,
    date_key,
    window_bounds,
)
from volunteerkit.hours.totals import Minutes, Totals
from volunteerkit.hours.windows import LIFETIME, Window

__all__ = ["Ledger", "RecordResult"]

_POLICY_SETTING = "policy"
_CHECKED_ENTRY: Final = EntryId(origin="check", local_id="actor")
"""The entry of the event that approve_many builds only to check its actor and reason."""
_MAX_WEIGHT_PLACES = 6
_MAX_WEIGHT = Decimal(1_000_000)
_MAX_UNIT = 1_000_000
_FLUSH_CHUNK = 500
_Records = tuple[list[ServiceEntry], list[LedgerEvent]]
GroupBy = str | GroupKey | Sequence[str | GroupKey]
_V = TypeVar("_V")


@attrs.frozen(kw_only=True)
class RecordResult:
    """What :meth:`Ledger.record_many` did.

    Args:
        written: Entries newly written.
        already_present: Entries skipped because the identical entry was already stored (or
            appeared earlier in the same input).
        approved: Of the entries written, how many started approved.
        batches: Batches committed (each batch is one transaction when ``atomic=False``).
    """

    written: int = 0
    already_present: int = 0
    approved: int = 0
    batches: int = 0

    @property
    def unchanged(self) -> int:
        """Same as :attr:`already_present` (the name the bulk importer's sink protocol uses)."""
        return self.already_present

    @property
    def total(self) -> int:
        """Entries read from the input: written plus already present."""
        return self.written + self.already_present


# Credit rows of values the accrual computed (``valid_from`` already in UTC: what the converter
# would give), built without the converters.
_credit_row = builder(
    CreditRow,
    (
        "volunteer_id", "entry_id", "organization_id", "category", "region", "local_date",
        "raw_minutes", "credited_minutes", "weighted_micro", "valid_from", "valid_to",
    ),
)  # fmt: skip


def _places(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _check_parts(
    store: object, clock: object, home_region: object, batch_size: object, certified: object
) -> None:
    """Refuse parts of a ledger that would break its first write with a bare error."""
    wrong = [
        ("store", not all(hasattr(store, a) for a in ("ledger", "audit", "transaction"))),
        # a datetime has a ``now`` too, but it is the class's, not the instant's
        ("clock", isinstance(clock, date) or not callable(getattr(clock, "now", None))),
        ("home_region", home_region is not None and not callable(home_region)),
        (
            "batch_size",
            isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1,
        ),
        (
            "certified",
            certified is not None and not callable(getattr(certified, "certified_credit", None)),
        ),
    ]
    for name, bad in wrong:
        if bad:
            raise HoursInputError.of("hours.invalid_argument", f"$.{name}")


def _check_policy(policy: AccrualPolicy) -> None:
    if not isinstance(policy, AccrualPolicy):
        raise InvalidPolicy.of("hours.policy.invalid", "$.policy", "expected AccrualPolicy")
    w = policy.weighting
    places = max((_places(c.multiplier) for c in w.categories), default=0) + max(
        (_places(t.multiplier) for t in w.time_windows), default=0
    )
    if places > _MAX_WEIGHT_PLACES:
        raise InvalidPolicy(
            "the stores keep weighted credit exactly to 6 decimal places: category and "
            "time-window multipliers may have at most 6 decimal places together",
            "存储按 6 位小数精确保存加权时长:类别倍数与时段倍数的小数位合计不得超过 6 位",
            code="hours.policy.multiplier_precision",
            path="$.weighting",
        )
    # A credit row holds one entry's minutes on one local day: a few thousand at most (even a
    # day a zone repeats) plus what rounding adds (less than a unit). Bounding the unit and the
    # largest weight a minute can take (unlisted categories and minutes outside every window
    # weigh 1) keeps every row's minutes and millionths of weighted minutes inside the 64-bit
    # integers of the SQL stores: about 10**6 minutes x 10**6 x WEIGHT_SCALE = 10**18 < 2**63.
    category = max((c.multiplier for c in w.categories), default=Decimal(1))
    window = max((t.multiplier for t in w.time_windows), default=Decimal(1))
    if max(category, Decimal(1)) * max(window, Decimal(1)) > _MAX_WEIGHT:
        raise InvalidPolicy(
            "the stores keep weighted credit in 64-bit integers: a category multiplier times a "
            "time-window multiplier may be at most 1,000,000",
            "存储以 64 位整数保存加权时长:类别倍数与时段倍数之积不得超过 1,000,000",
            code="hours.policy.multiplier_range",
            path="$.weighting",
        )
    if policy.rounding is not None and policy.rounding.unit_minutes > _MAX_UNIT:
        raise InvalidPolicy(
            "the stores keep minutes in 64-bit integers: the rounding unit may be at most "
            "1,000,000 minutes",
            "存储以 64 位整数保存分钟数:取整单位不得超过 1,000,000 分钟",
            code="hours.policy.unit_range",
            path="$.rounding.unit_minutes",
        )


class _AlreadyStored(Exception):
    """An entry guessed new was stored already (see ``Ledger._record_batch``)."""


@attrs.define
class _Touched:
    """Volunteers whose credit is out of date.

    ``before`` holds each one's latest record instant when first noted, before the records that
    put its credit out of date are written (records of the same call credited on their own may be
    written already, which only makes :meth:`Ledger._flush` replay more); ``points`` the instants
    of the new records; ``entries`` the entries they approve or record, or ``None`` when some
    record of the volunteer is not one of those (then all of its credit is replayed).
    """

    before: dict[str, datetime | None] = attrs.field(factory=dict)
    points: dict[str, set[datetime]] = attrs.field(factory=lambda: defaultdict(set))
    entries: dict[str, set[EntryId] | None] = attrs.field(factory=dict)


def _overlap_groups(entries: Iterable[ServiceEntry], changed: set[EntryId]) -> set[EntryId]:
    """Return the entries of the groups of overlapping service that hold a changed entry.

    Taken in the merge's order (start, then id), a group ends where the next entry starts at or
    after every earlier one's served end. Under a plain policy (see :func:`_plain_policy`) no
    minute of credit crosses that line: an entry's credited piece starts at the latest served
    end before it, which no earlier group reaches. So whichever entries are effective, those of
    the groups returned are credited alone exactly what a replay of all gives them, and the
    others keep what they had. Groups are taken over every entry, effective or not, with their
    recorded times: the caller makes sure no correction changed one.
    """
    found: set[EntryId] = set()
    group: list[EntryId] = []
    hit = False
    cover: int | None = None
    for entry in sorted(entries, key=lambda e: (to_minute(e.start), e.id)):
        start = to_minute(entry.start)
        if cover is not None and start >= cover:  # a new group
            if hit:
                found.update(group)
            group, hit = [], False
        group.append(entry.id)
        hit = hit or entry.id in changed
        served_end = to_minute(entry.end) - entry.break_minutes
        cover = served_end if cover is None else max(cover, served_end)
    if hit:
        found.update(group)
    return found


def _can_credit(records: _Records) -> bool:
    entries, events = records
    return any(e.initial_status is Status.APPROVED for e in entries) or any(
        isinstance(ev, Approved) for ev in events
    )


def _sequence(values: Iterable[_V], path: str) -> Iterable[_V]:
    """Return ``values`` if it can be iterated as a sequence of items; refuse it otherwise."""
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise InvalidEntry.of("hours.invalid_entry", path, "expected a sequence")
    return values


def _check_filters(*, optional: bool = False, **values: object) -> None:
    """Refuse a volunteer, organization, region or category filter that is not storable text.

    Each store compares them as text its own way (SQLite would match the number 5 with "5", the
    memory store would not; PostgreSQL fails on a NUL that SQLite and memory accept), so anything
    else is refused before a store sees it. No record can hold such text anyway.
    """
    for name, value in values.items():
        if optional and value is None:
            continue
        if not isinstance(value, str) or unstorable(value):
            raise HoursInputError.of("hours.invalid_filter", f"$.{name}")


def _group_keys(by: GroupBy) -> tuple[GroupKey, ...]:
    items: Sequence[str | GroupKey] = [by] if isinstance(by, str) else by
    try:
        return tuple(GroupKey(g) for g in items)
    except (ValueError, TypeError):  # an unknown key, or ``by`` not a key or sequence of keys
        raise InvalidPolicy(
            "unknown grouping (expected volunteer, organization, region, category, month, day)",
            "未知的分组(应为 volunteer、organization、region、category、month、day)",
            code="hours.invalid_grouping",
            path="$.by",
        ) from None


def _from_sums(sums: list[int]) -> Minutes:
    return Minutes(raw=sums[0], credited=sums[1], weighted=Decimal(sums[2]) / WEIGHT_SCALE)


def _minutes(row: MinutesRow) -> Minutes:
    return Minutes(
        raw=row.raw_minutes,
        credited=row.credited_minutes,
        weighted=Decimal(row.weighted_micro) / WEIGHT_SCALE,
    )


def _plain_policy(policy: AccrualPolicy) -> bool:
    """Whether an isolated entry's credit is its served minutes per local day, as they are."""
    return (
        policy.rounding is None
        and policy.daily_cap_minutes is None
        and policy.max_entry_minutes is None
        and not policy.weighting.time_windows
    )


def _certified_source(store: object) -> CertifiedCreditSource | None:
    """The store's ``transfers`` repository, if it keeps certified credit of transferred entries."""
    found = getattr(store, "transfers", None)
    return found if callable(getattr(found, "certified_credit", None)) else None


_RAND_B: Final = (1 << 62) - 1


def _random_id_after(value: int) -> uuid.UUID | None:
    """Return a random UUIDv7 of ``value``'s millisecond that sorts after it, if there is one.

    Not ``value + 1``: a set-based approval numbers its events' ids one after another (see
    :meth:`Ledger._approve_plain`), so the id after one entry's approval is the next entry's, and
    a second event of the first entry at the same instant would take it. The 74 random bits
    (``rand_a``, then ``rand_b``) are drawn above ``value``'s, so the text sorts after it too.
    Another UUID gets ``value + 1``, as before. ``None`` if nothing of that kind sorts after it.
    """
    if (value >> 76) & 0xF != 7 or (value >> 62) & 0b11 != 0b10:  # not written by a ledger
        return uuid.UUID(int=value + 1) if value + 1 < 1 << 128 else None
    bits = ((value >> 64) & 0xFFF) << 62 | value & _RAND_B
    room = (1 << 74) - 1 - bits
    if room <= 0:
        return None
    bits += 1 + secrets.randbelow(room)
    stem = value >> 80 << 80 | 7 << 76 | 0b10 << 62
    return uuid.UUID(int=stem | (bits >> 62) << 64 | bits & _RAND_B)


class Ledger:
    """The hours ledger over a store: append-only records, credit as of any instant.

    Args:
        store: A store with ``ledger`` (:class:`~volunteerkit.hours.store.LedgerRepository`),
            ``audit`` and ``transaction()``: :class:`~volunteerkit.stores.MemoryStore`,
            :class:`~volunteerkit.stores.SQLiteStore` or :class:`~volunteerkit.stores.PostgresStore`.
        clock: The clock that dates records, events and audit entries, and the default ``as_of``.
        policy: The accrual policy credit is computed under.
        origin: The origin of the event ids this ledger creates.
        home_region: Returns a volunteer's home region (or ``None``), stored on credit rows so
            aggregates can group by region. A region must be text without NUL or lone surrogates;
            anything else makes the call that credits the volunteer raise
            ``hours.invalid_region`` and write nothing.
        batch_size: Entries per batch in :meth:`record_many` and :meth:`approve_many`.
        certified: Where the certified credit of transferred entries is kept (see "Certified
            entries" in :mod:`volunteerkit.hours.accrual`); by default the store's ``transfers``
            repository when it has one, so every ledger on a store keeps certified minutes.

    Raises:
        HoursInputError: ``hours.invalid_argument`` at ``$.store``, ``$.clock``,
            ``$.home_region``, ``$.batch_size`` or ``$.certified`` for a store without ``ledger``,
            ``audit`` and ``transaction``, a clock without ``now()`` (a datetime is not a clock), a
            home region that is not callable, a batch size that is not a positive integer, or a
            certified source without ``certified_credit``.
        InvalidPolicy: ``hours.policy.multiplier_precision`` when weighted credit could need more
            than 6 decimal places; ``hours.policy.multiplier_range`` when a category multiplier
            times a time-window multiplier exceeds 1,000,000, or ``hours.policy.unit_range`` when
            the rounding unit exceeds 1,000,000 minutes (credit rows would not fit the SQL
            stores' 64-bit integers).
        ConflictError: ``hours.setting_conflict`` if the store's credit was computed under another
            policy.
    """

    def __init__(
        self,
        store: LedgerStore,
        *,
        clock: Clock,
        policy: AccrualPolicy = NATIONAL,
        origin: str = "local",
        home_region: Callable[[str], str | None] | None = None,
        batch_size: int = 5000,
        certified: CertifiedCreditSource | None = None,
    ) -> None:
        _check_parts(store, clock, home_region, batch_size, certified)
        _check_policy(policy)
        self._certified = certified if certified is not None else _certified_source(store)
        self._store = store
        self._repo = store.ledger
        self._clock = clock
        self._policy = policy
        self._origin = EventId(origin=origin, local_id="x").origin
        self._home_region = home_region
        self._batch = batch_size
        self._policy_json = to_json(policy)
        self._stored_policy()
        # plain entries of approve_many are approved and credited by the store's own engine when
        # it can (see DirectApproval): the policy credits served minutes as they are, and the
        # certified credit the ledger must honour is the store's own (or there is none)
        repo = self._repo
        own_certified = self._certified is None or self._certified is _certified_source(store)
        self._direct: DirectApproval | None = (
            repo if own_certified and _plain_policy(policy) and isinstance(repo, DirectApproval)
            else None
        )
        self._multipliers = {
            c.category: int(c.multiplier * WEIGHT_SCALE) for c in policy.weighting.categories
        }
        # writers take turns where the store needs it (see WriterTurns): first thing in each
        # write transaction, before anything is read to decide what to write
        self._turn = repo.take_turn if isinstance(repo, WriterTurns) else None

    @property
    def policy(self) -> AccrualPolicy:
        """The accrual policy."""
        return self._policy

    # ------------------------------------------------------------------------------- recording

    def record(
        self, entry: ServiceEntry, *, actor: str, registered: date | datetime | None = None
    ) -> ServiceEntry:
        """Record one entry: check it against the policy, decide its status, write and audit it.

        The ledger decides ``initial_status`` (:func:`~volunteerkit.hours.decide_approval`); the
        status on ``entry`` is ignored. Recording an entry whose id is stored with the same
        content returns the stored entry and writes nothing.

        Args:
            entry: The entry.
            actor: Who records it (for the audit log).
            registered: When the volunteer registered, if known.

        Returns:
            The entry as stored.

        Raises:
            InvalidEntry: ``hours.invalid_entry`` (``$.entry``) if ``entry`` is not a
                :class:`~volunteerkit.hours.ServiceEntry`.
            PolicyViolation: If the policy refuses it (code and path of the rule).
            ConflictError: ``hours.entry_conflict`` if a different entry has the same id.
        """
        if not isinstance(entry, ServiceEntry):
            raise InvalidEntry.of("hours.invalid_entry", "$.entry", "expected a ServiceEntry")
        reg = None if registered is None else {entry.volunteer_id: registered}
        with self._store.transaction():
            self.record_many([entry], actor=actor, registered=reg)
            return self._repo.get_entries([entry.id])[entry.id]

    def record_many(
        self,
        entries: Iterable[ServiceEntry],
        *,
        actor: str,
        atomic: bool = True,
        registered: Mapping[str, date | datetime] | None = None,
    ) -> RecordResult:
        """Record many entries in batches, streaming; replays are skipped.

        Each batch is checked (policy, replays, clashes), written with one bulk insert, audited with
        one audit entry, and the credit of the volunteers it touches is brought up to date. The
        entries are guessed new and the insert checks the guess, in a savepoint: a batch with an
        entry stored already is undone and done again reading first, as are the call's later
        batches, with the same outcome.

        Args:
            entries: The entries, in any order (an iterator is consumed once).
            actor: Who records them (for the audit log).
            atomic: ``True``: all or nothing, in one transaction. ``False``: each batch commits on
                its own (and is recorded at the clock's time when it starts), so a failure keeps
                the batches before it; running the same input again resumes (what is stored
                counts as already present).
            registered: Registration date or instant per volunteer id, for the before-registration
                check.

        Returns:
            The counts.

        Raises:
            InvalidEntry: ``hours.invalid_entry`` (``$.entries[i]``) for an item that is not a
                :class:`~volunteerkit.hours.ServiceEntry` (``$.entries`` if ``entries`` is not a
                sequence); ``hours.empty_field`` (``$.actor``) for an empty or non-text actor.
                Nothing is written.
            HoursInputError: ``hours.invalid_registration`` (``$.registered``) if
                ``registered`` is neither a mapping nor ``None``.
            PolicyViolation: If the policy refuses an entry (path ``$.entries[i]...``).
            ConflictError: ``hours.entry_conflict`` if an entry clashes with a stored one or with
                an earlier one of the input.
        """
        if not isinstance(actor, str) or not actor.strip():
            raise InvalidEntry.of("hours.empty_field", "$.actor")
        if registered is not None and not isinstance(registered, Mapping):
            raise HoursInputError.of("hours.invalid_registration", "$.registered")
        totals = [0, 0, 0, 0]
        numbered = enumerate(_sequence(entries, "$.entries"))
        touched = _Touched()
        unread = [True]  # guess that none is stored until one is (see _record_batch)

        def batches() -> Iterable[list[tuple[int, ServiceEntry]]]:
            while batch := list(islice(numbered, self._batch)):
                yield batch

        def run(batch: list[tuple[int, ServiceEntry]], now: datetime) -> None:
            written, present, approved = self._record_batch(
                batch, actor, now, registered, touched, unread
            )
            totals[0] += written
            totals[1] += present
            totals[2] += approved
            totals[3] += 1

        # the clock is read once the turn is ours (a writer may have gone first): once for the
        # call's one transaction, or once for each batch's own
        if atomic:
            with self._store.transaction():
                self._take_turn()
                now = self._clock.now()
                for batch in batches():
                    run(batch, now)
                self._flush(touched)
        else:
            for batch in batches():
                with self._store.transaction():
                    self._take_turn()
                    run(batch, self._clock.now())
                    self._flush(touched)
        return RecordResult(
            written=totals[0], already_present=totals[1], approved=totals[2], batches=totals[3]
        )

    def _record_batch(
        self,
        batch: list[tuple[int, ServiceEntry]],
        actor: str,
        now: datetime,
        registered: Mapping[str, date | datetime] | None,
        touched: _Touched,
        unread: list[bool],
    ) -> tuple[int, int, int]:
        """Record one batch; return how many entries were written, present, and approved.

        ``unread[0]``: whether to guess that none of the batch is stored, as in an import, and skip
        reading its ids first. The guess is checked by the insert itself, inside a savepoint: if an
        entry was stored (the insert writes fewer, or finds a clash), or the policy refuses one,
        the insert is undone and the batch done again the usual way, with ``unread[0]`` off for
        the rest of the call. Either way the outcome is the one reading first gives.
        """
        for i, entry in batch:  # before anything reads an entry's fields
            if not isinstance(entry, ServiceEntry):
                raise InvalidEntry.of(
                    "hours.invalid_entry", f"$.entries[{i}]", "expected a ServiceEntry"
                )
        if unread[0]:
            try:
                new, present = self._new_entries(batch, {}, now, registered)
            except VolunteerkitError:  # maybe not for a stored entry: read, and check again
                unread[0] = False
            else:
                done = self._write_new(new, actor, touched, unread=True)
                if done is not None:
                    return done[0], present, done[1]
                unread[0] = False
        stored = self._repo.get_entries([e.id for _, e in batch])
        new, present = self._new_entries(batch, stored, now, registered)
        done = self._write_new(new, actor, touched, unread=False)
        assert done is not None  # only a guess is refused
        return done[0], present, done[1]

    def _new_entries(
        self,
        batch: list[tuple[int, ServiceEntry]],
        stored: Mapping[EntryId, ServiceEntry],
        now: datetime,
        registered: Mapping[str, date | datetime] | None,
    ) -> tuple[list[ServiceEntry], int]:
        """Return the batch's entries to write (with their status decided), and how many are not.

        Raises:
            ConflictError: ``hours.entry_conflict`` for an entry that clashes with a stored one
                or with an earlier one of the batch.
            PolicyViolation: If the policy refuses an entry.
        """
        fresh: dict[EntryId, ServiceEntry] = {}
        present = 0
        now_checked = False  # what validate_entry checks of now, once (and entry, policy: above)
        by_source = _decisions_by_source(self._policy)  # all of _decide, but for minutes
        for i, entry in batch:
            # one lookup of the id per entry in the common case (a new id, nothing stored): ids
            # hash in Python, and this loop runs a million times in a large import
            eid = entry.id
            known = stored.get(eid) if stored else None
            if known is None:
                size = len(fresh)
                known = fresh.setdefault(eid, entry)  # a new id keeps its place in the batch
                if len(fresh) > size:
                    known = None
            if known is not None:
                if entry._with_status(known.initial_status) != known:
                    raise ConflictError(
                        "two different entries share one id",
                        "两条不同的服务记录使用了同一标识",
                        code="hours.entry_conflict",
                        path=f"$.entries[{i}].id",
                    )
                present += 1
                continue
            reg = None if registered is None else registered.get(entry.volunteer_id)
            try:
                if not now_checked:
                    require_aware(now, "$.now")
                    now_checked = True
                _validate(entry, self._policy, now, reg)
                decided = by_source.get(entry.source)
                status = (_decide(entry, self._policy) if decided is None else decided).status
            except VolunteerkitError as err:
                raise err.at(f"$.entries[{i}]") from None
            if status is not entry.initial_status:
                fresh[eid] = entry._with_status(status)  # what prepare_entry returns
        return list(fresh.values()), present

    def _write_new(
        self, new: list[ServiceEntry], actor: str, touched: _Touched, *, unread: bool
    ) -> tuple[int, int] | None:
        """Write new entries, credit the approved ones alone where possible, and audit them.

        Returns:
            How many were written and approved; ``None`` if ``unread`` and the store had one of
            them already (nothing is written then).
        """
        if not new:
            return 0, 0
        self._save_policy()
        approved = [e for e in new if e.initial_status is Status.APPROVED]
        self._note_before(touched, {e.volunteer_id for e in approved})
        if unread:
            try:
                with self._store.transaction():  # a savepoint: undone when the guess was wrong
                    if self._repo.add_entries(new) != len(new):
                        raise _AlreadyStored
            except (_AlreadyStored, ConflictError):  # the store has an entry of the batch
                return None
        else:
            self._repo.add_entries(new)
        direct, rows = self._isolated_credit({e.id: initial_state(e) for e in approved})
        points: dict[str, set[datetime]] = defaultdict(set)
        recorded: dict[str, set[EntryId]] = defaultdict(set)
        for e in approved:
            if e.id not in direct:
                points[e.volunteer_id].add(e.recorded_at)
                recorded[e.volunteer_id].add(e.id)
        self._touch(touched, points, recorded)
        if rows:
            self._repo.write_credit([], rows)
        details = {"count": str(len(new)), "first": str(new[0].id), "last": str(new[-1].id)}
        if len(new) == 1:
            details = {"volunteer_id": new[0].volunteer_id, "status": new[0].initial_status.value}
        self._store.audit.append(
            audit_record(
                self._clock,
                actor=actor,
                action="hours.record" if len(new) == 1 else "hours.record_many",
                subject_type="service_entry" if len(new) == 1 else "service_entry_batch",
                subject_id=str(new[0].id),
                details=details,
            )
        )
        return len(new), len(approved)

    # ------------------------------------------------------------------------------- events

    def approve(self, entry_id: EntryId, *, actor: str, reason: str = "") -> EntryState:
        """Approve a pending (or rejected) entry.

        Args:
            entry_id: The entry.
            actor: Who approves.
            reason: Why (optional).

        Returns:
            The entry's state after the approval.

        Raises:
            UnknownEntry: ``hours.unknown_entry`` if no such entry is stored.
            InvalidEvent: ``hours.invalid_transition`` (already approved, voided, reversed),
                ``hours.event_before_entry`` or ``hours.event_out_of_order``.
        """
        return self._one(
            entry_id, actor, "hours.approve",
            lambda i, at: Approved(id=i, entry_id=entry_id, actor=actor, at=at, reason=reason),
            reason,
        )

    def reject(self, entry_id: EntryId, *, actor: str, reason: str) -> EntryState:
        """Reject a pending entry.

        Args:
            entry_id: The entry.
            actor: Who rejects.
            reason: Why (required).

        Returns:
            The entry's state after the rejection.

        Raises:
            UnknownEntry: If no such entry is stored.
            InvalidEvent: ``hours.invalid_transition`` unless the entry is pending, or
                ``hours.invalid_event`` for an empty reason.
        """
        return self._one(
            entry_id, actor, "hours.reject",
            lambda i, at: Rejected(id=i, entry_id=entry_id, actor=actor, at=at, reason=reason),
            reason,
        )

    def void(self, entry_id: EntryId, *, actor: str, reason: str) -> EntryState:
        """Void (cancel) an entry: it stays in the ledger and no longer counts.

        Args:
            entry_id: The entry.
            actor: Who voids.
            reason: Why (required).

        Returns:
            The entry's state after voiding.

        Raises:
            UnknownEntry: If no such entry is stored.
            InvalidEvent: ``hours.invalid_transition`` if it is already voided.
        """
        return self._one(
            entry_id, actor, "hours.void",
            lambda i, at: Voided(id=i, entry_id=entry_id, actor=actor, at=at, reason=reason),
            reason,
        )

    def correct(
        self,
        entry_id: EntryId,
        *,
        actor: str,
        reason: str,
        start: datetime | None = None,
        end: datetime | None = None,
        break_minutes: int | None = None,
    ) -> EntryState:
        """Adjust an entry's start, end and/or break (the others keep their current values).

        Args:
            entry_id: The entry.
            actor: Who corrects.
            reason: Why (required).
            start: New start (aware).
            end: New end (aware).
            break_minutes: New break.

        Returns:
            The entry's state after the correction.

        Raises:
            UnknownEntry: If no such entry is stored.
            InvalidEvent: ``hours.invalid_correction`` if nothing is given,
                ``hours.invalid_transition`` for a rejected, voided or reversed entry, or the entry
                invariant the adjustment breaks (``hours.end_before_start`` ...).
            PolicyViolation: When a new start or end gives a record the policy refuses at record
                time (path ``$.end``): ``hours.too_long`` (``end - start`` in whole minutes over
                ``max_record_minutes``) or ``hours.future_service`` (an end after the ledger's
                now, under ``refuse_future_service``). The back-fill deadline and the
                registration are not checked again: a correction amends a record already made.
        """
        times_change = start is not None or end is not None
        return self._one(
            entry_id, actor, "hours.correct",
            lambda i, at: Corrected(
                id=i, entry_id=entry_id, actor=actor, at=at, reason=reason,
                kind=CorrectionKind.ADJUST, start=start, end=end, break_minutes=break_minutes,
            ),
            reason,
            self._vet_times if times_change else None,
        )

    def _vet_times(self, state: EntryState, now: datetime) -> None:
        """Refuse corrected times the policy refuses at record time (length, future service)."""
        policy = self._policy
        limit = policy.max_record_minutes
        minutes = to_minute(state.end) - to_minute(state.start)  # as ServiceEntry.duration_minutes
        if limit is not None and minutes > limit:
            raise PolicyViolation.of("hours.too_long", "$.end", f"{minutes} min > {limit} min")
        if policy.refuse_future_service and state.end > now:
            raise PolicyViolation.of("hours.future_service", "$.end")

    def reverse(self, entry_id: EntryId, *, actor: str, reason: str) -> EntryState:
        """Reverse an entry: a correction that cancels its credit for good.

        Args:
            entry_id: The entry.
            actor: Who reverses it.
            reason: Why (required).

        Returns:
            The entry's state after the reversal.

        Raises:
            UnknownEntry: If no such entry is stored.
            InvalidEvent: ``hours.invalid_transition`` for a rejected, voided or reversed entry.
        """
        return self._one(
            entry_id, actor, "hours.reverse",
            lambda i, at: Corrected(
                id=i, entry_id=entry_id, actor=actor, at=at, reason=reason,
                kind=CorrectionKind.REVERSE,
            ),
            reason,
        )

    def approve_many(self, entry_ids: Iterable[EntryId], *, actor: str, reason: str = "") -> int:
        """Approve many entries at one instant, atomically (one audit entry per batch).

        On a store that implements :class:`~volunteerkit.hours.store.DirectApproval` (SQLite,
        PostgreSQL) and under a policy without rounding, caps, a per-entry maximum or time
        windows, the plain entries of each batch are approved and credited by the store with
        set-based SQL; the rows are the ones the replay would write.

        Args:
            entry_ids: The entries (each must be pending or rejected).
            actor: Who approves.
            reason: Why (optional).

        Returns:
            How many approval events were written.

        Raises:
            UnknownEntry: ``hours.unknown_entry`` (path ``$.entry_ids[i]``) for an unknown id
                (or one that is not an :class:`~volunteerkit.hours.EntryId`).
            InvalidEntry: ``hours.invalid_entry`` (``$.entry_ids``) if ``entry_ids`` is not a
                sequence.
            InvalidEvent: ``hours.invalid_event`` at ``$.actor`` or ``$.reason`` for an actor or
                reason no event may have, before any entry is looked at (even with no entries);
                else the first refusal (path ``$.entry_ids[i]...``). Nothing is written.
        """
        numbered = enumerate(_sequence(entry_ids, "$.entry_ids"))
        count = 0
        touched = _Touched()
        with self._store.transaction():
            self._take_turn()
            now = self._clock.now()  # once the turn is ours: a writer may have gone first
            # the actor and reason, once, as every approval event of the call checks them
            Approved(
                id=self._next_event_id(now, ()), entry_id=_CHECKED_ENTRY, actor=actor, at=now,
                reason=reason,
            )  # fmt: skip
            while batch := list(islice(numbered, self._batch)):
                count += self._approve_batch(batch, actor, reason, now, touched)
            self._flush(touched)
        return count

    def _approve_batch(
        self,
        batch: list[tuple[int, EntryId]],
        actor: str,
        reason: str,
        now: datetime,
        touched: _Touched,
    ) -> int:
        for i, eid in batch:  # an id that is not an EntryId names no stored entry
            if not isinstance(eid, EntryId):
                raise UnknownEntry.of("hours.unknown_entry", f"$.entry_ids[{i}]")
        keys = [str(eid) for _, eid in batch]
        left, approved = self._approve_plain(batch, keys, actor, reason, now)
        # what the store did not approve (it approves only once actor and reason are valid), in
        # batch order: usually nothing, and all of it when the store approved none
        rest = (
            batch
            if left is None
            else [item for key, item in zip(keys, batch, strict=True) if key in left]
        )
        ids = [eid for _, eid in rest]
        stored = self._repo.get_entries(ids)
        for i, eid in rest:
            if eid not in stored:
                raise UnknownEntry.of("hours.unknown_entry", f"$.entry_ids[{i}]")
        events_of = self._repo.events_of(ids)
        made: list[LedgerEvent] = []
        after: dict[EntryId, EntryState] = {}
        first: Approved | None = None  # checked once; the others differ only in their ids
        for i, eid in rest:
            entry = stored[eid]
            mine = events_of.setdefault(eid, [])
            try:
                event_id = self._next_event_id(now, mine)
                if first is None:
                    event = first = Approved(
                        id=event_id, entry_id=entry.id, actor=actor, at=now, reason=reason
                    )
                else:
                    event = first._for(event_id, entry.id)
                after[eid] = apply_event(self._state_before(entry, mine, now), event)
            except VolunteerkitError as err:
                raise err.at(f"$.entry_ids[{i}]") from None
            mine.append(event)
            made.append(event)
        self._save_policy()
        # only the volunteers replayed need their latest record (noted by _touch, before the
        # events are written); those credited alone need nothing else
        direct, rows = self._isolated_credit(after)
        replayed: dict[str, set[EntryId]] = defaultdict(set)
        for eid, st in after.items():
            if eid not in direct:
                replayed[st.volunteer_id].add(eid)
        self._touch(touched, {vid: {now} for vid in replayed}, replayed)
        if made:
            self._repo.add_events(made)
        if rows:
            self._repo.write_credit([], rows)
        if approved:
            self._credit_plain(now)
        self._store.audit.append(
            audit_record(
                self._clock, actor=actor, action="hours.approve_many",
                subject_type="service_entry_batch", subject_id=keys[0],
                reason=reason, details={"count": str(len(batch))},
            )
        )
        return len(batch)

    def _approve_plain(
        self,
        batch: list[tuple[int, EntryId]],
        keys: list[str],
        actor: str,
        reason: str,
        now: datetime,
    ) -> tuple[set[str] | None, int]:
        """Have the store approve the plain entries of a batch.

        Their credit rows follow with :meth:`_credit_plain`, in the same transaction. An id
        listed twice in the batch takes the replay path, which refuses the second approval. An
        actor or reason the event refuses sends every entry there, to be refused in batch order.

        Returns:
            The keys left to the replay path (``None``: all of them), and how many entries the
            store approved.
        """
        if self._direct is None or not batch:
            return None, 0
        try:  # what the replay path checks first, for each entry
            Approved(
                id=self._next_event_id(now, ()), entry_id=batch[0][1], actor=actor, at=now,
                reason=reason,
            )
        except VolunteerkitError:
            return None, 0
        once = keys
        repeated: set[str] = set()
        if len(set(keys)) != len(keys):
            counts: dict[str, int] = defaultdict(int)
            for key in keys:
                counts[key] += 1
            once = [k for k in keys if counts[k] == 1]
            repeated = {k for k, n in counts.items() if n > 1}
        bits = secrets.randbits(74)  # rand_a, and where the call's rand_b count starts
        skipped = self._direct.approve_direct(
            once, at=now, actor=actor, reason=reason,
            event_prefix=f"{self._origin}:{uuid7_text(now, bits)[:19]}",
            event_start=bits & ((1 << 61) - 1),
            certified_in_store=self._certified is not None,
        )
        return repeated.union(once[i] for i in skipped), len(once) - len(skipped)

    def _credit_plain(self, now: datetime) -> None:
        """Have the store write the credit rows of the entries :meth:`_approve_plain` approved."""
        assert self._direct is not None  # plain entries come from it
        regions: dict[str, str] = {}
        if self._home_region is not None:
            for vid in self._direct.plain_volunteers():
                region = self._region(vid)
                if region is not None:
                    regions[vid] = region
        self._direct.credit_direct(at=now, multipliers=self._multipliers, regions=regions)

    def _state_before(
        self, entry: ServiceEntry, events: list[LedgerEvent], now: datetime
    ) -> EntryState:
        """Return the entry's state after its events dated by ``now``, as the fold gives it."""
        state = initial_state(entry)
        if not events:
            return state
        for event in sorted(events, key=lambda e: (e.at, e.id)):
            if event.at > now:
                continue
            try:
                state = apply_event(state, event)
            except InvalidEvent:
                continue  # the fold ignores it too
        return state

    def _next_event_id(self, now: datetime, events: Sequence[LedgerEvent]) -> EventId:
        # the origin was checked in __init__, and UUID text is a valid local id
        candidate = EventId._unchecked(self._origin, uuid7_text(now))
        if not events:
            return candidate
        last = max(events, key=lambda e: (e.at, e.id))
        if now > last.at or (now == last.at and candidate > last.id):
            return candidate
        if now == last.at and last.id.origin == self._origin:
            try:
                value = uuid.UUID(last.id.local_id).int
            except ValueError:
                pass
            else:
                bumped = _random_id_after(value)
                if bumped is not None:
                    return EventId(origin=self._origin, local_id=str(bumped))
        raise InvalidEvent(
            "the event would be dated before the entry's latest event",
            "该事件的时间早于该记录的最新事件",
            code="hours.event_out_of_order",
            path="$.at",
        )

    def _one(
        self,
        entry_id: EntryId,
        actor: str,
        action: str,
        make: Callable[[EventId, datetime], LedgerEvent],
        reason: str,
        vet: Callable[[EntryState, datetime], None] | None = None,
    ) -> EntryState:
        if not isinstance(entry_id, EntryId):  # names no stored entry
            raise UnknownEntry.of("hours.unknown_entry", "$.entry_id")
        with self._store.transaction():
            self._take_turn()
            now = self._clock.now()  # once the turn is ours: a writer may have gone first
            entry = self._repo.get_entries([entry_id]).get(entry_id)
            if entry is None:
                raise UnknownEntry.of("hours.unknown_entry", "$.entry_id")
            vid = entry.volunteer_id
            mine = self._repo.entry_events(entry_id)
            event = make(self._next_event_id(now, mine), now)
            state = self._state_before(entry, mine, now)
            check_event(state, event)
            after = apply_event(state, event)
            if vet is not None:
                vet(after, now)
            self._save_policy()
            touched = _Touched()
            rows: list[CreditRow] = []
            if state.effective or after.effective:
                direct: set[EntryId] = set()
                if isinstance(event, Approved):
                    direct, rows = self._isolated_credit({entry_id: after})
                if not direct:
                    self._touch(touched, {vid: {now}})
            self._repo.add_events([event])
            if rows:
                self._repo.write_credit([], rows)
            self._store.audit.append(
                audit_record(
                    self._clock, actor=actor, action=action, subject_type="service_entry",
                    subject_id=str(entry_id), reason=reason,
                    details={"event_id": str(event.id), "volunteer_id": vid},
                )
            )
            self._flush(touched)
        return after

    # ------------------------------------------------------------------------------- credit

    def _take_turn(self) -> None:
        """Wait for the other writers of the store's ledger, where it needs that (WriterTurns)."""
        if self._turn is not None:
            self._turn()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Open a transaction of the store in which this ledger writes after the other writers.

        Every write method of the ledger runs in such a transaction of its own (nested ones are
        savepoints). Open one yourself to read the ledger's records and then write from what you
        read, as one step: on a store whose writers must take turns (PostgreSQL, see
        :class:`~volunteerkit.hours.store.WriterTurns`), the turn is taken first, so nothing read
        inside is changed by another writer before the transaction ends.

        Yields:
            Nothing; the transaction commits when the block ends, and rolls back if it raises.
        """
        with self._store.transaction():
            self._take_turn()
            yield

    def _stored_policy(self) -> bool:
        """Return whether the store keeps the ledger's policy (``False``: none yet).

        Raises:
            ConflictError: ``hours.setting_conflict`` (``$.policy``) if it keeps another one
                (compared as policies: an older release may have written the same one otherwise).
        """
        stored = self._repo.get_setting(_POLICY_SETTING)
        if stored is None:
            return False
        if stored != self._policy_json and from_json(stored, AccrualPolicy) != self._policy:
            raise ConflictError(
                "the store's credit was computed under another accrual policy",
                "该存储的计时是按另一计时政策计算的",
                code="hours.setting_conflict",
                path="$.policy",
            )
        return True

    def _save_policy(self) -> None:
        """Store the policy with the records it governs, in their transaction, at every write.

        Not once per ledger: the transaction that stored it may be rolled back (the caller's own,
        or a bulk call that fails later), and the store would then keep the ledger's later records
        with no policy, open to a ledger with another one. When it is stored, this is a lookup.
        """
        if not self._stored_policy():
            self._repo.put_setting(_POLICY_SETTING, self._policy_json)

    def _note_before(self, touched: _Touched, volunteers: Iterable[str]) -> None:
        """Note each volunteer's latest record instant, once (call *before* writing records)."""
        unseen = [vid for vid in volunteers if vid not in touched.before]
        if unseen:
            latest = self._repo.latest_change(unseen)
            for vid in unseen:
                touched.before[vid] = latest.get(vid)

    def _touch(
        self,
        touched: _Touched,
        points: Mapping[str, Iterable[datetime]],
        entries: Mapping[str, Iterable[EntryId]] | None = None,
    ) -> None:
        """Note volunteers whose credit new records change (call *before* writing them).

        ``entries``: the entries the records approve or record, by volunteer, when that is all
        they do (see :class:`_Touched`).
        """
        self._note_before(touched, points)
        for vid, instants in points.items():
            touched.points[vid].update(instants)
            mine = None if entries is None else entries.get(vid)
            known = touched.entries.get(vid, set())
            touched.entries[vid] = None if mine is None or known is None else known.union(mine)

    def _isolated_credit(
        self, states: Mapping[EntryId, EntryState]
    ) -> tuple[set[EntryId], list[CreditRow]]:
        """Credit the entries that become effective and that nothing else affects.

        Each state is an entry just approved (by an event, or on entry), effective from its
        ``approved_at``. Under a policy without a daily cap or per-day rounding, an entry interacts
        with its volunteer's other entries only where their times overlap (counted once). An
        entry the store finds isolated (see
        :meth:`~volunteerkit.hours.store.LedgerRepository.isolated`) is therefore credited, at
        every instant from ``approved_at`` on, exactly what the volunteer's full replay would give
        it, whatever the volunteer recorded before or after that instant, and the volunteer's
        other rows stay as they are: its rows are computed alone, without reading the volunteer's
        records. (A replay of the same volunteer later in the call that starts before such a row
        replays from its start: see :meth:`_flush`.)

        Returns:
            The entries credited, and their credit rows (the caller writes them).
        """
        policy = self._policy
        rounding = policy.rounding
        if policy.daily_cap_minutes is not None or (
            rounding is not None and rounding.scope is RoundingScope.PER_DAY
        ):
            return set(), []
        candidates = [
            eid for eid, st in states.items() if st.effective and st.approved_at is not None
        ]
        found = self._repo.isolated(candidates) if candidates else set()
        if not found:
            return set(), []
        volunteers = sorted({states[eid].volunteer_id for eid in found})
        certified = {} if self._certified is None else self._certified.certified_credit(volunteers)
        regions = {vid: self._region(vid) for vid in volunteers}
        rows: list[CreditRow] = []
        direct: set[EntryId] = set()
        for eid, st in states.items():  # in the order of the input
            since = st.approved_at
            if eid not in found or since is None:
                continue
            if eid in certified:
                days, _ = _accrue_effective([st], policy, certified)
            else:
                days = _accrue_alone(st, policy)
            if len({line.day for line in days}) != len(days):
                continue  # a zone that repeats a local date: the replay decides those rows
            direct.add(eid)
            region = regions[st.volunteer_id]
            for line in days:
                rows.append(
                    _credit_row(
                        st.volunteer_id,
                        st.id,
                        line.organization_id,
                        line.category,
                        region,
                        date_key(line.day),
                        line.raw_minutes,
                        line.credited_minutes,
                        int(line.weighted_minutes * WEIGHT_SCALE),
                        since,
                        None,
                    )
                )
        return direct, rows

    def _region(self, volunteer_id: str) -> str | None:
        """Return the volunteer's home region from ``home_region``, refusing what no store keeps.

        Raises:
            HoursInputError: ``hours.invalid_region`` (``$.home_region``) if the callback gives
                something other than ``None`` or text without NUL or lone surrogates (a number
                was stored as text by SQLite, a NUL failed only on PostgreSQL).
        """
        if self._home_region is None:
            return None
        region = self._home_region(volunteer_id)
        if region is not None and (not isinstance(region, str) or unstorable(region)):
            raise HoursInputError.of("hours.invalid_region", "$.home_region")
        return region

    def _flush(self, touched: _Touched) -> None:
        """Bring the credit rows of every touched volunteer up to date, then forget them."""
        volunteers = sorted(touched.points)
        for start in range(0, len(volunteers), _FLUSH_CHUNK):
            chunk = volunteers[start : start + _FLUSH_CHUNK]
            records = self._repo.records_of(chunk)
            certified = {} if self._certified is None else self._certified.certified_credit(chunk)
            appending = {
                vid
                for vid in chunk
                if (before := touched.before.get(vid)) is None
                or min(touched.points[vid]) >= before
            }
            opened = self._repo.open_credit(appending) if appending else {}
            # a row opened after the first new instant (an entry credited on its own earlier in
            # the call, recorded later than this one) cannot be a base: replay from that instant
            appending -= {
                vid
                for vid in appending
                if any(r.valid_from > min(touched.points[vid]) for r in opened.get(vid, []))
            }
            closes: list[CreditClose] = []
            rows: list[CreditRow] = []
            for vid in chunk:
                mine = records.get(vid, ([], []))
                if not _can_credit(mine):
                    continue
                points = touched.points[vid]
                since = min(points)
                if vid in appending:
                    base = {r.key: r for r in opened.get(vid, [])}
                    instants = sorted(points)
                    only = self._replayed_only(mine, touched.entries.get(vid), certified)
                    if only is not None:
                        mine = (
                            [e for e in mine[0] if e.id in only],
                            [ev for ev in mine[1] if ev.entry_id in only],
                        )
                        base = {k: r for k, r in base.items() if r.entry_id in only}
                else:
                    self._repo.truncate_credit(vid, since)
                    base = {}
                    instants = sorted(
                        {p for p in (e.recorded_at for e in mine[0]) if p >= since}
                        | {p for p in (ev.at for ev in mine[1]) if p >= since}
                    )
                c, r = self._replay(vid, mine, base, instants, certified)
                closes.extend(c)
                rows.extend(r)
            if closes or rows:
                self._repo.write_credit(closes, rows)
        touched.before.clear()
        touched.points.clear()
        touched.entries.clear()

    def _replayed_only(
        self,
        records: _Records,
        changed: set[EntryId] | None,
        certified: Mapping[EntryId, Sequence[CertifiedMinutes]],
    ) -> set[EntryId] | None:
        """Return the entries a volunteer's replay can be limited to; ``None``: all of them.

        Limited to the groups of overlapping service that hold an entry approved or recorded in
        the call (see :func:`_overlap_groups`), when that is all the call did to the volunteer,
        under a plain policy, with no correction among the volunteer's events (groups are taken
        with recorded times) and no certified credit (credited apart from the merge).
        """
        entries, events = records
        if (
            changed is None
            or not _plain_policy(self._policy)
            or any(isinstance(ev, Corrected) for ev in events)
            or any(e.id in certified for e in entries)
        ):
            return None
        return _overlap_groups(entries, changed)

    def _replay(
        self,
        volunteer_id: str,
        records: _Records,
        base: dict[tuple[EntryId, int], CreditRow],
        instants: list[datetime],
        certified: Mapping[EntryId, Sequence[CertifiedMinutes]],
    ) -> tuple[list[CreditClose], list[CreditRow]]:
        region = self._region(volunteer_id)
        current: dict[tuple[EntryId, int], tuple[int | None, CreditRow]] = {
            k: (None, row) for k, row in base.items()
        }
        closes: list[CreditClose] = []
        rows: list[CreditRow] = []

        def close(key: tuple[EntryId, int], at: datetime) -> None:
            index, row = current.pop(key)
            if index is None:
                closes.append(
                    CreditClose(
                        volunteer_id=volunteer_id, entry_id=row.entry_id,
                        local_date=row.local_date, valid_to=at,
                    )
                )
            else:
                rows[index] = attrs.evolve(row, valid_to=at)

        entries, events = records
        policy = self._policy
        for at in instants:
            utc = at.astimezone(UTC)  # a clock's now may be in any zone
            effective = [s for s in fold(entries, events, as_of=at).entries if s.effective]
            days, _ = _accrue_effective(effective, policy, certified)
            seen: set[tuple[EntryId, int]] = set()
            for line in days:
                local = date_key(line.day)
                key = (line.entry_id, local)
                seen.add(key)
                values = (
                    line.organization_id,
                    line.category,
                    region,
                    line.raw_minutes,
                    line.credited_minutes,
                    int(line.weighted_minutes * WEIGHT_SCALE),
                )
                held = current.get(key)
                if held is not None:
                    if held[1].values == values:
                        continue
                    close(key, at)
                new = _credit_row(
                    volunteer_id, line.entry_id, values[0], values[1], region, local, values[3],
                    values[4], values[5], utc, None,
                )
                current[key] = (len(rows), new)
                rows.append(new)
            for key in [k for k in current if k not in seen]:
                close(key, at)
        return closes, rows

    # ------------------------------------------------------------------------------- queries

    def _as_of(self, as_of: datetime | None) -> datetime:
        return self._clock.now() if as_of is None else require_aware(as_of, "$.as_of")

    def state(self, entry_id: EntryId, *, as_of: datetime | None = None) -> EntryState:
        """Return an entry's state as of an instant (folded from its events).

        Args:
            entry_id: The entry.
            as_of: The instant (default: the clock's now).

        Returns:
            The state.

        Raises:
            UnknownEntry: ``hours.unknown_entry`` if it was not recorded by ``as_of``.
        """
        at = self._as_of(as_of)
        if not isinstance(entry_id, EntryId):  # names no stored entry
            raise UnknownEntry.of("hours.unknown_entry", "$.entry_id")
        entry = self._repo.get_entries([entry_id]).get(entry_id)
        if entry is None:
            raise UnknownEntry.of("hours.unknown_entry", "$.entry_id")
        return fold([entry], self._repo.entry_events(entry_id), as_of=at).get(entry_id)

    def totals(
        self, volunteer_id: str, window: Window = LIFETIME, *, as_of: datetime | None = None
    ) -> Totals:
        """Return one volunteer's totals over a window as of an instant (summed in the store).

        Args:
            volunteer_id: The volunteer.
            window: Which local dates count.
            as_of: The instant (default: the clock's now).

        Returns:
            The core's :class:`~volunteerkit.hours.Totals`, equal to
            :func:`~volunteerkit.hours.totals_as_of` over the same records.

        Raises:
            HoursInputError: ``hours.invalid_filter`` if ``volunteer_id`` is not text, or holds a
                NUL or a lone surrogate (text no store keeps).
        """
        _check_filters(volunteer_id=volunteer_id)
        first, last = window_bounds(window)
        query = Query(as_of=self._as_of(as_of), first=first, last=last, volunteer_id=volunteer_id)
        keys = (GroupKey.ORGANIZATION, GroupKey.CATEGORY, GroupKey.DAY)
        total = [0, 0, 0]
        orgs: dict[str, list[int]] = {}
        cats: dict[str, list[int]] = {}
        days: dict[str, list[int]] = {}
        for row in self._repo.sum_credit(query, keys):
            org, cat, day = row.key
            values = (row.raw_minutes, row.credited_minutes, row.weighted_micro)
            for acc in (
                total,
                orgs.setdefault(str(org), [0, 0, 0]),
                cats.setdefault(str(cat), [0, 0, 0]),
                days.setdefault(str(day), [0, 0, 0]),
            ):
                acc[0] += values[0]
                acc[1] += values[1]
                acc[2] += values[2]
        return Totals(
            volunteer_id=volunteer_id,
            window=window,
            total=_from_sums(total),
            by_organization={k: _from_sums(v) for k, v in sorted(orgs.items())},
            by_category={k: _from_sums(v) for k, v in sorted(cats.items())},
            by_day={date.fromisoformat(k): _from_sums(v) for k, v in sorted(days.items())},
        )

    def minutes_by(
        self,
        by: GroupBy,
        window: Window = LIFETIME,
        *,
        as_of: datetime | None = None,
        volunteer_id: str | None = None,
        organization_id: str | None = None,
        region: str | None = None,
        category: str | None = None,
    ) -> dict[tuple[str | None, ...], Minutes]:
        """Sum minutes of many volunteers, grouped, inside the store.

        Args:
            by: One or more of ``volunteer``, ``organization``, ``region``, ``category``,
                ``month`` (``YYYY-MM``), ``day`` (``YYYY-MM-DD``); an empty sequence for one total.
            window: Which local dates count.
            as_of: The instant (default: the clock's now).
            volunteer_id: Only this volunteer.
            organization_id: Only this organization.
            region: Only this region.
            category: Only this category.

        Returns:
            Minutes per group key (a tuple in the order of ``by``), sorted, ``None`` first.

        Raises:
            InvalidPolicy: ``hours.invalid_grouping`` for an unknown grouping.
            HoursInputError: ``hours.invalid_filter`` for a filter that is neither text nor
                ``None``, or holds a NUL or a lone surrogate.
        """
        keys = _group_keys(by)
        query = self._query(window, as_of, volunteer_id, organization_id, region, category)
        return {row.key: _minutes(row) for row in self._repo.sum_credit(query, keys)}

    def active_volunteers(
        self,
        window: Window = LIFETIME,
        *,
        as_of: datetime | None = None,
        organization_id: str | None = None,
        region: str | None = None,
        category: str | None = None,
    ) -> int:
        """Count volunteers credited any minute in the window, as of an instant.

        Args:
            window: Which local dates count.
            as_of: The instant (default: the clock's now).
            organization_id: Only credit from this organization.
            region: Only this home region.
            category: Only this category.

        Returns:
            The number of distinct volunteers.

        Raises:
            HoursInputError: ``hours.invalid_filter`` for a filter that is neither text nor
                ``None``, or holds a NUL or a lone surrogate.
        """
        query = self._query(window, as_of, None, organization_id, region, category)
        found = self._repo.count_active(query, ())
        return found[0][1] if found else 0

    def active_volunteers_by(
        self,
        by: GroupBy,
        window: Window = LIFETIME,
        *,
        as_of: datetime | None = None,
        organization_id: str | None = None,
        region: str | None = None,
        category: str | None = None,
    ) -> dict[tuple[str | None, ...], int]:
        """Count volunteers credited any minute in the window, per group.

        Args:
            by: Grouping keys, as for :meth:`minutes_by`.
            window: Which local dates count.
            as_of: The instant (default: the clock's now).
            organization_id: Only credit from this organization.
            region: Only this home region.
            category: Only this category.

        Returns:
            Distinct volunteers per group key, sorted.

        Raises:
            HoursInputError: ``hours.invalid_filter`` for a filter that is neither text nor
                ``None``, or holds a NUL or a lone surrogate.
        """
        keys = _group_keys(by)
        query = self._query(window, as_of, None, organization_id, region, category)
        return dict(self._repo.count_active(query, keys))

    def _query(
        self,
        window: Window,
        as_of: datetime | None,
        volunteer_id: str | None,
        organization_id: str | None,
        region: str | None,
        category: str | None,
    ) -> Query:
        _check_filters(
            volunteer_id=volunteer_id,
            organization_id=organization_id,
            region=region,
            category=category,
            optional=True,
        )
        first, last = window_bounds(window)
        return Query(
            as_of=self._as_of(as_of),
            first=first,
            last=last,
            volunteer_id=volunteer_id,
            organization_id=organization_id,
            region=region,
            category=category,
        )
