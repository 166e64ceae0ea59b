"""Run volunteerkit's benchmarks: ``python bench/run.py [NAME ...] [--quick] [--json]``.

Every benchmark is a module in ``bench/benchmarks/`` with a ``NAME`` and a ``run(quick) -> list[Figure]``.
Without names, all run. Figures are printed with their ratio against a baseline measured in the same
run; ``--json`` prints one JSON object a line instead (name, value, baseline, unit, ratio,
higher_is_better, note).
"""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import benchmarks  # noqa: E402
from bench._harness import Figure  # noqa: E402


def discover() -> dict[str, ModuleType]:
    found: dict[str, ModuleType] = {}
    for info in sorted(pkgutil.iter_modules(benchmarks.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"bench.benchmarks.{info.name}")
        name = getattr(module, "NAME", None)
        if isinstance(name, str) and callable(getattr(module, "run", None)):
            found[name] = module
    return found


def _number(x: float) -> str:
    """A figure in 14 columns: one decimal, or three significant digits below 10 (0.0123 s)."""
    return f"{x:14,.1f}" if abs(x) >= 10 or x == 0 else f"{x:14.3g}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="benchmarks to run (default: all)")
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    parser.add_argument("--json", action="store_true", help="one JSON object per figure per line")
    parser.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    args = parser.parse_args(argv)
    available = discover()
    if args.list:
        print("\n".join(available))
        return 0
    unknown = [n for n in args.names if n not in available]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(available)}")
    for name in args.names or list(available):
        figures: list[Figure] = available[name].run(args.quick)
        for fig in figures:
            if args.json:
                print(json.dumps(fig.as_dict(), sort_keys=True), flush=True)
            else:
                better = "higher" if fig.higher_is_better else "lower"
                print(
                    f"{fig.name:32} {_number(fig.value)} {fig.unit:10} baseline {_number(fig.baseline)}"
                    f"  ratio {fig.ratio:6.3f} ({better} is better){'  ' + fig.note if fig.note else ''}",
                    flush=True,
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
