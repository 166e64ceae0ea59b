import itertools

import pytest

from volunteerkit.stores import SQLiteStore
from volunteerkit.testing.conformance_registry import (
    MembershipRepositoryConformance,
    OrganizationRepositoryConformance,
    RegistryServiceConformance,
    VolunteerRepositoryConformance,
)


class TestSQLiteRegistry(
    VolunteerRepositoryConformance,
    OrganizationRepositoryConformance,
    MembershipRepositoryConformance,
    RegistryServiceConformance,
):
    @pytest.fixture
    def make_store(self, tmp_path):
        counter = itertools.count()
        return lambda: SQLiteStore(tmp_path / f"store-{next(counter)}.db")
