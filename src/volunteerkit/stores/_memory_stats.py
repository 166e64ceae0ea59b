"""The statistics port over the memory store, computed by :mod:`volunteerkit.stats.compute`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from volunteerkit.awards.store import AwardRecord
from volunteerkit.hours.store import CreditRow
from volunteerkit.registry.models import Membership, Organization, VolunteerRecord
from volunteerkit.stats import compute
from volunteerkit.stats.store import HoursBy, RawRow, Scope, VolunteersBy
from volunteerkit.stores._base import require_open

if TYPE_CHECKING:
    from volunteerkit.stores.memory import MemoryStore

__all__ = ["MemoryStatsRepository"]


class MemoryStatsRepository:
    """:class:`~volunteerkit.stats.store.StatsRepository` over a :class:`MemoryStore`.

    Args:
        store: The memory store whose registry, ledger and award ledger it reads.
    """

    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    def _records(self) -> list[VolunteerRecord]:
        return list(self._store.volunteers.iter())

    def _orgs(self) -> list[Organization]:
        return list(self._store.organizations.iter())

    def _memberships(self) -> list[Membership]:
        return list(self._store.memberships._items.values())

    def _credit(self) -> Iterator[CreditRow]:
        for rows in self._store.ledger._credit.values():
            yield from rows

    def _awards(self) -> list[AwardRecord]:
        return list(self._store.awards._records.values())

    def volunteers(
        self, scope: Scope, by: VolunteersBy, *, new: bool, age_bands: tuple[int, ...]
    ) -> list[RawRow]:
        """Count registered volunteers (see the protocol)."""
        require_open(self._store)
        with self._store._lock:
            return compute.volunteers(
                self._records(),
                self._memberships(),
                self._orgs(),
                scope,
                by,
                new=new,
                age_bands=age_bands,
            )

    def active(self, scope: Scope, by: HoursBy) -> list[RawRow]:
        """Count active volunteers (see the protocol)."""
        require_open(self._store)
        with self._store._lock:
            return compute.active(self._credit(), self._orgs(), scope, by)

    def minutes(self, scope: Scope, by: HoursBy) -> list[RawRow]:
        """Sum credited minutes (see the protocol)."""
        require_open(self._store)
        with self._store._lock:
            return compute.minutes(self._credit(), self._orgs(), scope, by)

    def minutes_per_volunteer(
        self, scope: Scope, percentiles: tuple[int, ...]
    ) -> tuple[int, int, list[int]]:
        """Describe minutes per active volunteer (see the protocol)."""
        require_open(self._store)
        with self._store._lock:
            return compute.minutes_per_volunteer(self._credit(), self._orgs(), scope, percentiles)

    def retained(self, scope: Scope, offsets: tuple[int, ...]) -> tuple[int, list[int]]:
        """Count the cohort active again later (see the protocol)."""
        require_open(self._store)
        with self._store._lock:
            return compute.retained(self._credit(), self._orgs(), scope, offsets)

    def award_levels(self, scope: Scope, rule_set_id: str) -> list[RawRow]:
        """Count holders of each level (see the protocol)."""
        require_open(self._store)
        with self._store._lock:
            return compute.award_levels(
                self._awards(),
                self._records(),
                self._memberships(),
                self._orgs(),
                scope,
                rule_set_id,
            )

    def organizations(self, scope: Scope, size_bands: tuple[int, ...]) -> list[RawRow]:
        """Count organizations by kind and size (see the protocol)."""
        require_open(self._store)
        with self._store._lock:
            return compute.organizations(self._orgs(), self._memberships(), scope, size_bands)
