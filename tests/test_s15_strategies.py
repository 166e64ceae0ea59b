"""The testing strategies use the strategies passed to them."""

from __future__ import annotations

import warnings

from hypothesis import given, settings
from hypothesis import strategies as st

from volunteerkit.testing import strategies_matching as sm
from volunteerkit.testing import strategies_registry as sr


def test_testing_strategies_take_the_id_strategies_they_are_given() -> None:
    """``ids=`` was tested for truth (``ids or default``): Hypothesis warns, as errors in CI."""
    drawn: list[tuple[str, str, str]] = []
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # bool(strategy) warns when the strategy is built
        assignments = sm.shift_assignments(st.just("h1"), ids=st.just("a1"))
        organizations = sr.organizations(ids=st.just("org-1"), parent_ids=st.just("org-0"))

    @settings(max_examples=5, database=None)
    @given(assignments, organizations)
    def draw(assignment: object, organization: object) -> None:
        drawn.append((assignment.id, organization.id, organization.parent_id))  # type: ignore[attr-defined]

    draw()
    assert set(drawn) == {("a1", "org-1", "org-0")}
