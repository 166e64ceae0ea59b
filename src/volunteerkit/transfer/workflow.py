"""The transfer workflow: a pure state machine with allowed transitions and reason codes.

A transfer moves one volunteer's records from a source to a destination::

    requested ──► approved ──► exported ──► imported ──► acknowledged
        │             │           │ ▲
        └─────────────┴───────────┴─┴──► rejected (with a reason code)

* **requested**: the volunteer asked for it and consented (the consent reference is required);
* **approved**: the source approved it;
* **exported**: the source wrote and signed a package (it may export again, e.g. after a lost
  delivery: ``exported → exported``; every package exported stays valid, and the destination
  imports or rejects at most one of them);
* **imported**: the destination imported the package;
* **acknowledged**: the destination signed a receipt, and the source verified it.

Each side keeps its own record of the same transfer id. The **source** starts at ``requested``;
the **destination** starts at ``exported`` (it learns of the transfer from a verified package),
then records ``imported`` and ``acknowledged`` when it imports and issues the receipt. The source
records ``imported`` and ``acknowledged`` when it verifies that receipt, or ``rejected`` when the
receipt is a rejection, each naming the package the receipt answers (any package it exported).
Any step before ``imported`` may instead be a rejection with a
:class:`~volunteerkit.transfer.models.RejectReason`; ``acknowledged`` and ``rejected`` are final.

Everything here is pure: :func:`advance` returns a new :class:`Transfer`. The service
(:mod:`volunteerkit.transfer.service`) stores each step and writes it to the audit log.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Final

import attrs

from volunteerkit._clock import require_aware
from volunteerkit._text import unstorable
from volunteerkit.hours._hooks import register_str_enum
from volunteerkit.transfer.errors import TransferInputError, TransferStateError
from volunteerkit.transfer.models import (
    DIGEST_PATTERN,
    ID_PATTERN,
    PARTY_PATTERN,
    RejectReason,
    SignedReceipt,
)

__all__ = [
    "START",
    "TRANSITIONS",
    "RejectReason",
    "Role",
    "Transfer",
    "TransferState",
    "TransferStep",
    "advance",
    "new_transfer",
]


class TransferState(StrEnum):
    """Where a transfer stands."""

    REQUESTED = "requested"
    APPROVED = "approved"
    EXPORTED = "exported"
    IMPORTED = "imported"
    ACKNOWLEDGED = "acknowledged"
    REJECTED = "rejected"


class Role(StrEnum):
    """Which side of the transfer a record is kept by."""

    SOURCE = "source"
    DESTINATION = "destination"


_S = TransferState
TRANSITIONS: Final[Mapping[TransferState, frozenset[TransferState]]] = {
    _S.REQUESTED: frozenset({_S.APPROVED, _S.REJECTED}),
    _S.APPROVED: frozenset({_S.EXPORTED, _S.REJECTED}),
    _S.EXPORTED: frozenset({_S.EXPORTED, _S.IMPORTED, _S.REJECTED}),
    _S.IMPORTED: frozenset({_S.ACKNOWLEDGED}),
    _S.ACKNOWLEDGED: frozenset(),
    _S.REJECTED: frozenset(),
}
"""The states each state may move to."""

START: Final[Mapping[Role, TransferState]] = {
    Role.SOURCE: TransferState.REQUESTED,
    Role.DESTINATION: TransferState.EXPORTED,
}
"""The state each side's record starts in."""


def _invalid(path: str, detail: str) -> TransferInputError:
    return TransferInputError.of("transfer.invalid", path, detail)


def _utc(value: datetime) -> datetime:
    if not isinstance(value, datetime):
        raise _invalid("$.at", "expected a datetime")
    return require_aware(value, "$.at").astimezone(UTC)


def _text(limit: int, *, empty: bool = False) -> Any:
    def check(_inst: object, attribute: attrs.Attribute[Any], value: Any) -> None:
        if (
            not isinstance(value, str)
            or len(value) > limit
            or (not empty and not value.strip())
            or unstorable(value)
        ):
            raise _invalid(
                f"$.{attribute.name}",
                f"text of at most {limit} characters without NUL or a lone surrogate",
            )

    return check


def _pattern(pattern: str, *, optional: bool = False) -> Any:
    import re

    compiled = re.compile(pattern)

    def check(_inst: object, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value is None and optional:
            return
        if not isinstance(value, str) or not compiled.fullmatch(value):
            raise _invalid(f"$.{attribute.name}", "malformed identifier")

    return check


def _optional_count(_inst: object, attribute: attrs.Attribute[Any], value: int | None) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
        raise _invalid(f"$.{attribute.name}", "a non-negative integer")


def _reason_code(value: Any) -> Any:
    """A RejectReason given by its text value becomes the RejectReason (others are checked later)."""
    if isinstance(value, str) and not isinstance(value, RejectReason):
        try:
            return RejectReason(value)
        except ValueError:
            return value
    return value


@attrs.frozen(kw_only=True)
class TransferStep:
    """One step of a transfer: the state it reached, who, when, and the facts it fixed.

    Args:
        state: The state reached.
        at: When (stored in UTC).
        actor: Who took the step.
        reason_code: Why, for a rejection (required then, and only then); a
            :class:`~volunteerkit.transfer.models.RejectReason` or its text value.
        reason: Free text.
        package_id: The package exported or imported (``exported`` steps need it).
        header_digest: ``sha256:`` of that package's header (``exported`` steps need it).
        entries: Entries exported, or imported (``exported`` steps need it).
        credited_minutes: Their credited minutes (``exported`` steps need it).
        receipt: The signed receipt issued or received, if any.

    Raises:
        TransferInputError: ``transfer.invalid`` for a malformed field (a reason code that is
            no RejectReason included); ``transfer.reason_required`` for a rejection without a
            reason code.
    """

    state: TransferState = attrs.field()
    at: datetime = attrs.field(converter=_utc)
    actor: str = attrs.field(validator=_text(200))
    reason_code: RejectReason | None = attrs.field(default=None, converter=_reason_code)
    reason: str = attrs.field(default="", validator=_text(10_000, empty=True))
    package_id: str | None = attrs.field(default=None, validator=_pattern(ID_PATTERN, optional=True))
    header_digest: str | None = attrs.field(
        default=None, validator=_pattern(DIGEST_PATTERN, optional=True)
    )
    entries: int | None = attrs.field(default=None, validator=_optional_count)
    credited_minutes: int | None = attrs.field(default=None, validator=_optional_count)
    receipt: SignedReceipt | None = attrs.field(default=None)

    def __attrs_post_init__(self) -> None:
        """Check the facts each kind of step needs."""
        if not isinstance(self.state, TransferState):
            raise _invalid("$.state", "expected a TransferState")
        rejected = self.state is TransferState.REJECTED
        if self.reason_code is not None and not isinstance(self.reason_code, RejectReason):
            raise _invalid("$.reason_code", "expected a RejectReason or its text")
        if rejected and self.reason_code is None:
            raise TransferInputError.of("transfer.reason_required", "$.reason_code")
        if not rejected and self.reason_code is not None:
            raise _invalid("$.reason_code", "only a rejection has a reason code")
        if self.state is TransferState.EXPORTED and None in (
            self.package_id,
            self.header_digest,
            self.entries,
            self.credited_minutes,
        ):
            raise _invalid("$.package_id", "an export names its package, digest and totals")
        if self.receipt is not None and not isinstance(self.receipt, SignedReceipt):
            raise _invalid("$.receipt", "expected a SignedReceipt")


def _steps(value: Any) -> tuple[TransferStep, ...]:
    # Text or anything not iterable is refused by __attrs_post_init__ (an empty history).
    if isinstance(value, (str, bytes)):
        return ()
    try:
        return tuple(value)
    except TypeError:
        return ()


@attrs.frozen(kw_only=True)
class Transfer:
    """One side's record of a transfer: its fixed facts and every step so far.

    Args:
        id: The transfer's id (the same on both sides).
        role: Which side keeps this record.
        volunteer_id: The volunteer's id on *this* side.
        source: The source region or platform.
        destination: The destination region or platform.
        consent: The reference of the volunteer's consent.
        steps: The steps in order; the first is the side's start state (:data:`START`), and each
            next one is allowed by :data:`TRANSITIONS` and not dated before the previous one.

    Raises:
        TransferInputError: ``transfer.invalid`` for malformed facts or steps that break the
            rules, ``transfer.consent_required`` without a consent reference.
    """

    id: str = attrs.field(validator=_pattern(ID_PATTERN))
    role: Role = attrs.field()
    volunteer_id: str = attrs.field(validator=_text(200))
    source: str = attrs.field(validator=_pattern(PARTY_PATTERN))
    destination: str = attrs.field(validator=_pattern(PARTY_PATTERN))
    consent: str = attrs.field()
    steps: tuple[TransferStep, ...] = attrs.field(converter=_steps)

    @consent.validator
    def _check_consent(self, attribute: attrs.Attribute[str], value: str) -> None:
        if not isinstance(value, str) or not value.strip() or len(value) > 200:
            raise TransferInputError.of("transfer.consent_required", "$.consent")
        if unstorable(value):
            raise _invalid("$.consent", "text without NUL or a lone surrogate")

    def __attrs_post_init__(self) -> None:
        """Check the history of steps."""
        if not isinstance(self.role, Role):
            raise _invalid("$.role", "expected a Role")
        if self.source == self.destination:
            raise _invalid("$.destination", "source and destination differ")
        if not self.steps:
            raise _invalid("$.steps", "a transfer has at least one step")
        for i, step in enumerate(self.steps):
            if not isinstance(step, TransferStep):
                raise _invalid(f"$.steps[{i}]", "expected a TransferStep")
        if self.steps[0].state is not START[self.role]:
            raise _invalid("$.steps[0].state", f"the {self.role.value} starts {START[self.role].value}")
        for i in range(1, len(self.steps)):
            before, step = self.steps[i - 1], self.steps[i]
            if step.state not in TRANSITIONS[before.state]:
                raise _invalid(f"$.steps[{i}].state", "a transition that is not allowed")
            if step.at < before.at:
                raise _invalid(f"$.steps[{i}].at", "a step dated before the previous one")

    @property
    def state(self) -> TransferState:
        """The current state."""
        return self.steps[-1].state

    @property
    def created_at(self) -> datetime:
        """When the first step was taken."""
        return self.steps[0].at

    @property
    def updated_at(self) -> datetime:
        """When the last step was taken."""
        return self.steps[-1].at

    @property
    def exported(self) -> TransferStep | None:
        """The latest ``exported`` step (the package this side sent or received), if any."""
        for step in reversed(self.steps):
            if step.state is TransferState.EXPORTED:
                return step
        return None

    @property
    def exports(self) -> tuple[TransferStep, ...]:
        """Every ``exported`` step, oldest first (one per package sent, or the one received)."""
        return tuple(step for step in self.steps if step.state is TransferState.EXPORTED)

    def export_of(self, package_id: str) -> TransferStep | None:
        """Return the ``exported`` step of a package, if this transfer sent or received it.

        Args:
            package_id: The package id.

        Returns:
            The step, or ``None`` for a package of another transfer.
        """
        for step in self.exports:
            if step.package_id == package_id:
                return step
        return None

    @property
    def receipt(self) -> SignedReceipt | None:
        """The latest receipt issued or received, if any."""
        for step in reversed(self.steps):
            if step.receipt is not None:
                return step.receipt
        return None

    @property
    def reason_code(self) -> RejectReason | None:
        """Why it was rejected, if it was."""
        return self.steps[-1].reason_code

    def allowed_next(self) -> frozenset[TransferState]:
        """Return the states the transfer may move to now.

        Returns:
            The allowed states (empty once final).
        """
        return TRANSITIONS[self.state]


def new_transfer(
    *,
    transfer_id: str,
    role: Role,
    volunteer_id: str,
    source: str,
    destination: str,
    consent: str,
    actor: str,
    at: datetime,
    package_id: str | None = None,
    header_digest: str | None = None,
    entries: int | None = None,
    credited_minutes: int | None = None,
    reason: str = "",
) -> Transfer:
    """Start one side's record of a transfer in the side's start state.

    Args:
        transfer_id: The transfer's id.
        role: Which side.
        volunteer_id: The volunteer on this side.
        source: The source.
        destination: The destination.
        consent: The volunteer's consent reference (required).
        actor: Who starts it.
        at: When (aware).
        package_id: For the destination: the package received.
        header_digest: For the destination: its header digest.
        entries: For the destination: its entry count.
        credited_minutes: For the destination: its credited minutes.
        reason: Free text.

    Returns:
        The transfer with its first step.

    Raises:
        TransferInputError: ``transfer.consent_required`` (at ``$.consent``) or
            ``transfer.invalid`` at the field's path (``$.role`` for a value that is not a
            :class:`Role`, ``$.at`` for a naive datetime, ...).
    """
    if not isinstance(role, Role):
        raise _invalid("$.role", "expected a Role")
    first = TransferStep(
        state=START[role],
        at=at,
        actor=actor,
        reason=reason,
        package_id=package_id,
        header_digest=header_digest,
        entries=entries,
        credited_minutes=credited_minutes,
    )
    return Transfer(
        id=transfer_id,
        role=role,
        volunteer_id=volunteer_id,
        source=source,
        destination=destination,
        consent=consent,
        steps=(first,),
    )


def advance(transfer: Transfer, step: TransferStep) -> Transfer:
    """Return the transfer with one more step, if the transition is allowed.

    Args:
        transfer: The transfer.
        step: The next step.

    Returns:
        A new transfer record.

    Raises:
        TransferStateError: ``transfer.invalid_transition`` if the current state does not allow
            ``step.state``.
        TransferInputError: ``transfer.invalid`` at ``$.at`` if the step is dated before the last
            one, at ``$.transfer`` or ``$.step`` for an argument of the wrong type.
    """
    if not isinstance(transfer, Transfer):
        raise _invalid("$.transfer", "expected a Transfer")
    if not isinstance(step, TransferStep):
        raise _invalid("$.step", "expected a TransferStep")
    if step.state not in TRANSITIONS[transfer.state]:
        raise TransferStateError.of(
            "transfer.invalid_transition",
            "$.state",
            f"{transfer.state.value} -> {step.state.value}",
        )
    if step.at < transfer.updated_at:
        raise _invalid("$.at", "a step dated before the previous one")
    return attrs.evolve(transfer, steps=(*transfer.steps, step))


for _enum in (TransferState, Role):
    register_str_enum(_enum)
