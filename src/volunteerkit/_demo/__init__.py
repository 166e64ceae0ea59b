"""The ``volunteerkit demo`` walk-through: ordered steps, one module per part (``sNN_<part>.py``).

Each step module has ``TITLE`` and ``run(ctx)``. The runner opens the store, runs every step in order
and closes the store. Only the CLI imports this package.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType
from typing import Any, TextIO

from volunteerkit._demo._context import DEMO_START, DemoContext

__all__ = ["DEMO_START", "DemoContext", "run_demo", "steps"]


def steps() -> list[ModuleType]:
    """Return the step modules in the order they run."""
    names = sorted(
        info.name
        for info in pkgutil.iter_modules(__path__)
        if info.name.startswith("s") and info.name[1:3].isdigit()
    )
    return [importlib.import_module(f"{__name__}.{name}") for name in names]


def run_demo(
    store: Any, *, out: TextIO, json_mode: bool = False, out_dir: str = "."
) -> DemoContext:
    """Run every demo step against ``store``.

    Args:
        store: An opened store.
        out: Where to print.
        json_mode: Print JSON lines instead of prose.
        out_dir: Folder for files the demo writes (exports, reports).

    Returns:
        The context after the last step (its ``data`` holds what the steps produced).
    """
    ctx = DemoContext(store=store, json_mode=json_mode, out=out)
    ctx.data["out_dir"] = out_dir
    for number, module in enumerate(steps(), start=1):
        ctx.step = str(module.TITLE)
        if not json_mode:
            out.write(f"\n{number}. {module.TITLE}\n")
        module.run(ctx)
    return ctx
