"""Test support that ships with volunteerkit, so embedders can test their own stores and code.

* :mod:`volunteerkit.testing.conformance`: the store conformance suite for the store itself and the
  audit log; each part's contract has its own module beside it (``conformance_registry``,
  ``conformance_hours``, ``conformance_matching``, ``conformance_awards``, ``conformance_transfer``,
  ``conformance_stats``);
* :mod:`volunteerkit.testing.strategies`: Hypothesis strategies for the models;
* :mod:`volunteerkit.testing.postgres`: a throwaway PostgreSQL server for tests and benchmarks.

These modules need the test dependencies (pytest, hypothesis); importing ``volunteerkit`` does not
import them.
"""

__all__ = ["conformance", "postgres", "strategies"]
