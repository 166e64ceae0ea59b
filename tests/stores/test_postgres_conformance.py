import pytest

from volunteerkit.testing.conformance import AuditLogConformance, StoreConformance

pytestmark = pytest.mark.postgres


class TestPostgresStore(StoreConformance, AuditLogConformance):
    @pytest.fixture
    def make_store(self, make_postgres_store):
        return make_postgres_store
