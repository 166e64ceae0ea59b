"""A correction may not make an entry that the policy refuses at record time (too long, future)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import attrs
import pytest

from volunteerkit import FixedClock
from volunteerkit.hours import CHECK_IN_OUT, NATIONAL, PolicyViolation, Source, Status
from volunteerkit.hours.ledger import Ledger
from volunteerkit.stores import MemoryStore, SQLiteStore

from .strategies import make_entry

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
START = datetime(2026, 5, 1, 9, 0, tzinfo=SH)


def _book(backend: str, policy=CHECK_IN_OUT):  # type: ignore[no-untyped-def]
    store = MemoryStore() if backend == "memory" else SQLiteStore(":memory:")
    clock = FixedClock(NOW)
    book = Ledger(store, clock=clock, policy=policy)
    entry = make_entry("a", START, START + timedelta(hours=3), SH, recorded_at=NOW,
                       source=Source.SELF_DECLARED, status=Status.PENDING)  # fmt: skip
    book.record(entry, actor="a")
    clock.advance(timedelta(minutes=1))
    return book, store, clock, entry


@pytest.mark.parametrize("backend", ["memory", "sqlite"])
def test_a_correction_past_max_record_minutes_is_refused_and_writes_nothing(backend: str) -> None:
    """A correction to a record over 24 h is ``hours.too_long`` at ``$.end``, as at record time.

    CHECK_IN_OUT refuses records over 24 h (``max_record_minutes=1440``, "records over 24 h are
    refused"). Moving the end of a 3-hour entry 97 hours after its start used to be written and
    credited 5,820 minutes.
    """
    book, store, _clock, entry = _book(backend)
    with pytest.raises(PolicyViolation) as info:
        book.correct(entry.id, actor="lead", reason="typo", end=START + timedelta(hours=97))
    assert (info.value.code, info.value.path) == ("hours.too_long", "$.end")
    assert store.ledger.entry_events(entry.id) == []
    assert book.totals("v1").credited_minutes == 180
    # exactly 24 h is allowed ("over 24 h" is refused): 1,440 minutes credited
    book.correct(entry.id, actor="lead", reason="overnight", end=START + timedelta(hours=24))
    assert book.totals("v1").credited_minutes == 1440


@pytest.mark.parametrize("backend", ["memory", "sqlite"])
def test_a_correction_into_the_future_is_refused(backend: str) -> None:
    """A correction that ends after the ledger's now is ``hours.future_service`` at ``$.end``.

    ``refuse_future_service``: an entry must have ended by the recording instant (here 09:01 UTC
    on 1 June); an end at now itself is allowed.
    """
    book, _store, clock, entry = _book(backend)
    with pytest.raises(PolicyViolation) as info:
        book.correct(entry.id, actor="lead", reason="typo", start=clock.now(),
                     end=clock.now() + timedelta(minutes=1))  # fmt: skip
    assert (info.value.code, info.value.path) == ("hours.future_service", "$.end")
    book.correct(entry.id, actor="lead", reason="late", start=clock.now() - timedelta(hours=1),
                 end=clock.now())  # fmt: skip
    assert book.state(entry.id).end == clock.now()


@pytest.mark.parametrize("backend", ["memory", "sqlite"])
def test_a_policy_without_those_limits_lets_the_correction_through(backend: str) -> None:
    """Without those limits nothing is refused: 97 hours are credited 5,820 minutes (97 x 60).

    The policy has ``max_record_minutes=None`` and ``refuse_future_service=False``.
    """
    free = attrs.evolve(NATIONAL, name="free", max_record_minutes=None, refuse_future_service=False)
    book, _store, _clock, entry = _book(backend, free)
    book.approve(entry.id, actor="lead")
    book.correct(entry.id, actor="lead", reason="long", end=START + timedelta(hours=97))
    assert book.totals("v1").credited_minutes == 5820
