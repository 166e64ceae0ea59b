"""Real-name registration: identity documents and, later, volunteers, organizations and guardians.

:mod:`volunteerkit.registry.identity` validates and parses identity-document numbers.
"""

from volunteerkit.registry import identity

__all__ = ["identity"]
