import pytest

from volunteerkit.stores import MemoryStore
from volunteerkit.testing.conformance_awards import (
    AwardBatchConformance,
    AwardCreditConformance,
    AwardCrossingConformance,
    AwardLedgerConformance,
)


class TestMemoryAwards(
    AwardLedgerConformance,
    AwardCreditConformance,
    AwardCrossingConformance,
    AwardBatchConformance,
):
    @pytest.fixture
    def make_store(self):
        return MemoryStore
