"""Hypothesis strategies for the hours models (they live in :mod:`volunteerkit.testing.strategies_hours`)."""

from volunteerkit.testing.strategies_hours import *  # noqa: F403
from volunteerkit.testing.strategies_hours import __all__ as __all__
