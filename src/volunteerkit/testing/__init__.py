"""Test support that ships with volunteerkit, so embedders can test their own stores and code.

* :mod:`volunteerkit.testing.conformance`: the store conformance suite (one class per contract);
* :mod:`volunteerkit.testing.strategies`: Hypothesis strategies for the models;
* :mod:`volunteerkit.testing.postgres`: a throwaway PostgreSQL server for tests and benchmarks.

These modules need the test dependencies (pytest, hypothesis); importing ``volunteerkit`` does not
import them.
"""

__all__ = ["conformance", "postgres", "strategies"]
