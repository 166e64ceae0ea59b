import itertools

import pytest

from volunteerkit.stores import SQLiteStore
from volunteerkit.testing.conformance_matching import MatchingStoreConformance


class TestMatchingOnSQLite(MatchingStoreConformance):
    @pytest.fixture
    def make_store(self, tmp_path):
        counter = itertools.count()
        return lambda: SQLiteStore(tmp_path / f"matching-{next(counter)}.db")
