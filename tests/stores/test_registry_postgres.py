import pytest

from volunteerkit.testing.conformance_registry import (
    MembershipRepositoryConformance,
    OrganizationRepositoryConformance,
    RegistryServiceConformance,
    VolunteerRepositoryConformance,
)

pytestmark = pytest.mark.postgres


class TestPostgresRegistry(
    VolunteerRepositoryConformance,
    OrganizationRepositoryConformance,
    MembershipRepositoryConformance,
    RegistryServiceConformance,
):
    @pytest.fixture
    def make_store(self, make_postgres_store):
        return make_postgres_store
