"""Hypothesis strategies for volunteerkit's models, public so embedders can test their own code.

Needs the ``hypothesis`` package (a test dependency, not a runtime one).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

from volunteerkit._ids import uuid7
from volunteerkit.audit import AuditEntry

__all__ = ["any_instants", "audit_entries", "aware_datetimes", "fixed_offsets", "uuid7_ids"]

_MIN = datetime(2000, 1, 1)
_MAX = datetime(2099, 12, 31)


def fixed_offsets() -> st.SearchStrategy[timezone]:
    """Fixed UTC offsets between -12:00 and +14:00 in whole minutes (odd ones like +05:45 included)."""
    return st.integers(min_value=-12 * 60, max_value=14 * 60).map(
        lambda m: timezone(timedelta(minutes=m))
    )


def aware_datetimes() -> st.SearchStrategy[datetime]:
    """Timezone-aware datetimes between 2000 and 2099, at whole microseconds, in varied offsets."""
    return st.datetimes(min_value=_MIN, max_value=_MAX, timezones=st.just(UTC)).flatmap(
        lambda dt: fixed_offsets().map(dt.astimezone)
    )


# Zones with a fall-back fold, a half-hour shift, an alias key (Asia/Calcutta is Asia/Kolkata).
_ZONES = [
    "UTC",
    "Etc/UTC",
    "America/New_York",
    "Australia/Lord_Howe",
    "Asia/Calcutta",
    "Asia/Kolkata",
]


def _any_zones() -> st.SearchStrategy[tzinfo]:
    seconds = st.integers(min_value=-86_399, max_value=86_399)
    return st.one_of(
        st.just(UTC),
        seconds.map(lambda s: timezone(timedelta(seconds=s))),
        st.sampled_from(_ZONES).map(ZoneInfo),
    )


def any_instants() -> st.SearchStrategy[datetime]:
    """Aware datetimes anywhere a UTC datetime exists, shown in any zone.

    Years 1 to 9999, microseconds, offsets to the second up to a day either way, IANA zones (the
    second of two equal wall times has ``fold=1``). Every value converts to UTC without overflow.

    Returns:
        The strategy.
    """
    return st.builds(
        lambda utc, zone: _shown_in(utc, zone),
        st.datetimes(timezones=st.just(UTC)),
        _any_zones(),
    )


def _shown_in(utc: datetime, zone: tzinfo) -> datetime:
    try:
        return utc.astimezone(zone)
    except OverflowError:  # the wall time would be before year 1 or after year 9999
        return utc


def uuid7_ids() -> st.SearchStrategy[str]:
    """UUIDv7 texts with random time and random bits."""
    return st.builds(
        lambda dt, bits: str(uuid7(dt, bits)),
        st.datetimes(min_value=_MIN, max_value=_MAX, timezones=st.just(UTC)),
        st.integers(min_value=0, max_value=(1 << 74) - 1),
    )


# Any Unicode text the stores must keep exactly, except surrogates and NUL (refused by the models).
_chars = st.characters(codec="utf-8", exclude_characters="\x00")
_names = st.text(alphabet=_chars, min_size=1, max_size=40)
_texts = st.text(alphabet=_chars, max_size=60)


def audit_entries(
    subject_ids: st.SearchStrategy[str] | None = None,
    instants: st.SearchStrategy[datetime] | None = None,
    ids: st.SearchStrategy[str] | None = None,
) -> st.SearchStrategy[AuditEntry]:
    """Valid :class:`~volunteerkit.audit.AuditEntry` objects.

    Args:
        subject_ids: Strategy for subject ids (a small set makes subject queries meaningful).
        instants: Strategy for ``at`` (default :func:`aware_datetimes`; :func:`any_instants`
            reaches the ends of the calendar).
        ids: Strategy for entry ids (default :func:`uuid7_ids`; a small set makes replays).

    Returns:
        The strategy.
    """
    return st.builds(
        AuditEntry,
        id=ids if ids is not None else uuid7_ids(),
        at=instants if instants is not None else aware_datetimes(),
        actor=st.sampled_from(["admin", "coordinator-7", "system", "志愿者协会"]),
        action=st.sampled_from(["volunteer.register", "hours.approve", "transfer.import"]),
        subject_type=st.sampled_from(["volunteer", "organization", "entry"]),
        subject_id=subject_ids if subject_ids is not None else st.sampled_from(["a", "b", "c"]),
        reason=_texts,
        details=st.dictionaries(_names, _texts, max_size=4),
    )
