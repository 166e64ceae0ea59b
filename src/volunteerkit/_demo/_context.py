"""What every demo step receives: the store, a clock, shared data and two ways to print."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any, TextIO

import attrs

from volunteerkit._clock import FixedClock
from volunteerkit._serialization import unstructure

__all__ = ["DEMO_START", "DemoContext"]

DEMO_START = datetime(2026, 11, 28, 9, 0, tzinfo=timezone(timedelta(hours=8)))
"""The demo's fixed starting instant (Beijing time), so every run prints the same story."""


def _plain(value: object) -> Any:
    if attrs.has(type(value)) or isinstance(value, list | tuple | dict | datetime):
        return unstructure(value)
    if isinstance(value, str | int | bool) or value is None:
        return value
    return str(value)


@attrs.define
class DemoContext:
    """State shared by the demo's steps.

    Attributes:
        store: The opened store (SQLite by default).
        clock: A fixed clock at :data:`DEMO_START`; steps may advance it.
        data: Ids and other values that steps pass to later steps.
        json_mode: Print one JSON object a line instead of prose.
        out: Where to print.
        step: The title of the running step (set by the runner).
    """

    store: Any
    clock: FixedClock = attrs.field(factory=lambda: FixedClock(DEMO_START))
    data: dict[str, Any] = attrs.field(factory=dict)
    json_mode: bool = False
    out: TextIO = attrs.field(factory=lambda: sys.stdout)
    step: str = ""
    _emit: Callable[[str], None] | None = None

    def say(self, text: str) -> None:
        """Print a line of narrative (in JSON mode, a ``{"say": …}`` record)."""
        if self.json_mode:
            self._write(json.dumps({"step": self.step, "say": text}, ensure_ascii=False))
        else:
            self._write(f"  {text}")

    def show(self, label: str, value: object) -> None:
        """Print a labelled result (in JSON mode, ``{"label": …, "value": …}``)."""
        plain = _plain(value)
        if self.json_mode:
            record = {"step": self.step, "label": label, "value": plain}
            self._write(json.dumps(record, ensure_ascii=False, sort_keys=True))
        else:
            shown = plain if isinstance(plain, str) else json.dumps(plain, ensure_ascii=False)
            self._write(f"  {label}: {shown}")

    def _write(self, line: str) -> None:
        self.out.write(line + "\n")
        self.out.flush()
