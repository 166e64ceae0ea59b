"""Service hours: entries, ledger events, accrual policy, credit and totals (the functional core).

Everything this package re-exports is pure: frozen attrs models in, frozen attrs models out, no I/O
and no clock read implicitly. A store (``volunteerkit.hours.store``, written on top of these models) persists
:class:`ServiceEntry` and ledger events and feeds them to :func:`fold`.

* :mod:`~volunteerkit.hours.models`: :class:`ServiceEntry`, :class:`EntryId`, the events
  :class:`Approved`, :class:`Rejected`, :class:`Voided`, :class:`Corrected`.
* :mod:`~volunteerkit.hours.policy`: :class:`AccrualPolicy` and its parts, the presets, and
  record-time checks (:func:`validate_entry`, :func:`decide_approval`, :func:`prepare_entry`).
* :mod:`~volunteerkit.hours.fold`: :func:`fold`, the state of every entry as of an instant.
* :mod:`~volunteerkit.hours.accrual`: :func:`accrue`, credited minutes per entry and local day.
* :mod:`~volunteerkit.hours.windows` and :mod:`~volunteerkit.hours.totals`: totals over windows.

Three modules beside the core do I/O, and are imported from their own names:

* :mod:`~volunteerkit.hours.ledger`: ``Ledger``, the service that keeps the ledger in a store
  (:mod:`~volunteerkit.hours.store` is its storage contract);
* :mod:`~volunteerkit.hours.certificates`: service certificates built from a ledger's credit;
* :mod:`~volunteerkit.hours.bulk`: streaming CSV and JSON Lines import and export.
"""

from volunteerkit.hours.accrual import (
    Accrual,
    DayCredit,
    DaySlice,
    EntryCredit,
    Overlap,
    accrue,
    find_overlaps,
    split_by_local_day,
)
from volunteerkit.hours.errors import (
    HoursInputError,
    InvalidEntry,
    InvalidEvent,
    InvalidPolicy,
    InvalidWindow,
    LedgerConflict,
    PolicyViolation,
    UnknownEntry,
    UnknownPreset,
)
from volunteerkit.hours.fold import (
    EntryState,
    IgnoredEvent,
    LedgerState,
    apply_event,
    check_event,
    credited_as_of,
    fold,
    initial_state,
)
from volunteerkit.hours.models import (
    Approved,
    Corrected,
    CorrectionKind,
    EntryId,
    EventId,
    LedgerEvent,
    Rejected,
    ServiceEntry,
    Source,
    Status,
    Voided,
    event_type,
    structure_event,
)
from volunteerkit.hours.policy import (
    BEIJING_UNIVERSITY,
    CHECK_IN_OUT,
    NATIONAL,
    PRESETS,
    UNIVERSITY_8H_PER_ACTIVITY,
    AccrualPolicy,
    ApprovalDecision,
    ApprovalMode,
    ApprovalRule,
    BackfillDeadline,
    CategoryMultiplier,
    OverlapRule,
    Rounding,
    RoundingMode,
    RoundingScope,
    TimeWindowMultiplier,
    Weighting,
    auto_approve_below,
    decide_approval,
    prepare_entry,
    preset,
    round_minutes,
    validate_entry,
)
from volunteerkit.hours.totals import Minutes, Totals, totals, totals_as_of, totals_by_volunteer
from volunteerkit.hours.windows import (
    LIFETIME,
    CalendarYear,
    DateRange,
    Lifetime,
    RollingMonths,
    Window,
    structure_window,
)

__all__ = [
    "BEIJING_UNIVERSITY",
    "CHECK_IN_OUT",
    "LIFETIME",
    "NATIONAL",
    "PRESETS",
    "UNIVERSITY_8H_PER_ACTIVITY",
    "Accrual",
    "AccrualPolicy",
    "ApprovalDecision",
    "ApprovalMode",
    "ApprovalRule",
    "Approved",
    "BackfillDeadline",
    "CalendarYear",
    "CategoryMultiplier",
    "Corrected",
    "CorrectionKind",
    "DateRange",
    "DayCredit",
    "DaySlice",
    "EntryCredit",
    "EntryId",
    "EntryState",
    "EventId",
    "HoursInputError",
    "IgnoredEvent",
    "InvalidEntry",
    "InvalidEvent",
    "InvalidPolicy",
    "InvalidWindow",
    "LedgerConflict",
    "LedgerEvent",
    "LedgerState",
    "Lifetime",
    "Minutes",
    "Overlap",
    "OverlapRule",
    "PolicyViolation",
    "Rejected",
    "RollingMonths",
    "Rounding",
    "RoundingMode",
    "RoundingScope",
    "ServiceEntry",
    "Source",
    "Status",
    "TimeWindowMultiplier",
    "Totals",
    "UnknownEntry",
    "UnknownPreset",
    "Voided",
    "Weighting",
    "Window",
    "accrue",
    "apply_event",
    "auto_approve_below",
    "check_event",
    "credited_as_of",
    "decide_approval",
    "event_type",
    "find_overlaps",
    "fold",
    "initial_state",
    "prepare_entry",
    "preset",
    "round_minutes",
    "split_by_local_day",
    "structure_event",
    "structure_window",
    "totals",
    "totals_as_of",
    "totals_by_volunteer",
    "validate_entry",
]
