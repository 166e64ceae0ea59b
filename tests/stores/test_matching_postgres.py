import pytest

from volunteerkit.testing.conformance_matching import MatchingStoreConformance

pytestmark = pytest.mark.postgres


class TestMatchingOnPostgres(MatchingStoreConformance):
    @pytest.fixture
    def make_store(self, make_postgres_store):
        return make_postgres_store
