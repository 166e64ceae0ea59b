"""volunteerkit: typed, pure-Python domain logic for volunteer service.

The top-level package re-exports the core every part builds on: the error tree, the clock, the
serialization converter and time-ordered ids. The parts live in their own subpackages:
:mod:`volunteerkit.audit`, :mod:`volunteerkit.registry`, :mod:`volunteerkit.hours`,
:mod:`volunteerkit.matching`, :mod:`volunteerkit.awards`, :mod:`volunteerkit.transfer`,
:mod:`volunteerkit.stats`, :mod:`volunteerkit.stores` and :mod:`volunteerkit.testing`.
"""

from volunteerkit._clock import Clock, FixedClock, SystemClock, require_aware, today_in
from volunteerkit._ids import new_id, uuid7
from volunteerkit._serialization import (
    converter,
    from_json,
    structure,
    to_json,
    unstructure,
)
from volunteerkit.errors import VolunteerkitError

__version__ = "0.1.0"

__all__ = [
    "Clock",
    "FixedClock",
    "SystemClock",
    "VolunteerkitError",
    "__version__",
    "converter",
    "from_json",
    "new_id",
    "require_aware",
    "structure",
    "to_json",
    "today_in",
    "unstructure",
    "uuid7",
]
