import pytest

from volunteerkit.stores import MemoryStore
from volunteerkit.testing.conformance_awards import (
    AwardBatchConformance,
    AwardCreditConformance,
    AwardLedgerConformance,
)


class TestMemoryAwards(AwardLedgerConformance, AwardCreditConformance, AwardBatchConformance):
    @pytest.fixture
    def make_store(self):
        return MemoryStore
