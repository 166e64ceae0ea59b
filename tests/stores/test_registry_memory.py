import pytest

from volunteerkit.stores import MemoryStore
from volunteerkit.testing.conformance_registry import (
    MembershipRepositoryConformance,
    OrganizationRepositoryConformance,
    RegistryServiceConformance,
    VolunteerRepositoryConformance,
)


class TestMemoryRegistry(
    VolunteerRepositoryConformance,
    OrganizationRepositoryConformance,
    MembershipRepositoryConformance,
    RegistryServiceConformance,
):
    @pytest.fixture
    def make_store(self):
        return MemoryStore
