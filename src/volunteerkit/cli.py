"""The ``volunteerkit`` command: the library's only face. Nothing in the library imports it.

Commands:

* ``volunteerkit demo``: walk through everything the library does, on a SQLite file by default;
* ``volunteerkit migrate URL``: open a store (applying its migrations) and list them;
* ``volunteerkit audit URL``: print audit entries, filtered by subject and time;
* ``volunteerkit identity validate|detect``: check identity document numbers.

``--json`` (before the command) prints JSON instead of text. Errors print their code and message
in English and Chinese and exit with status 2; nothing prints a traceback for bad input.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from volunteerkit import __version__
from volunteerkit._serialization import unstructure
from volunteerkit.errors import VolunteerkitError, mask

__all__ = ["main"]


def _print_json(out: TextIO, value: Any) -> None:
    out.write(json.dumps(value, ensure_ascii=False, sort_keys=True) + "\n")


def _aware(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 datetime: {text!r}") from None
    if value.tzinfo is None:
        raise argparse.ArgumentTypeError("the datetime needs an offset, such as +08:00 or Z")
    return value


def _cmd_demo(args: argparse.Namespace, out: TextIO) -> int:
    from volunteerkit._demo import run_demo
    from volunteerkit.stores import open_store

    if args.store:
        url = args.store
        out_dir = Path(args.out_dir or ".")
    else:
        db = Path(args.db)
        if not args.keep:
            for suffix in ("", "-wal", "-shm"):
                Path(str(db) + suffix).unlink(missing_ok=True)
        url = f"sqlite:///{db}"
        out_dir = Path(args.out_dir) if args.out_dir else db.resolve().parent
    out_dir.mkdir(parents=True, exist_ok=True)
    store = open_store(url)
    try:
        if not args.json:
            out.write(f"volunteerkit {__version__} demo on {store!r}\n")
        run_demo(store, out=out, json_mode=args.json, out_dir=str(out_dir))
    finally:
        store.close()
    if not args.json:
        out.write("\nDone.\n")
    return 0


def _cmd_migrate(args: argparse.Namespace, out: TextIO) -> int:
    from volunteerkit.stores import open_store

    store = open_store(args.url)
    try:
        applied_now = [f"{m.part} {m.version:04d} {m.name}" for m in store.migrations_applied]
        recorded = [f"{p} {v:04d} {n}" for p, v, n in store.applied_migrations()]
    finally:
        store.close()
    if args.json:
        _print_json(out, {"applied_now": applied_now, "recorded": recorded})
    else:
        out.write(f"applied now: {len(applied_now)}\n")
        for line in recorded:
            out.write(f"  {line}\n")
    return 0


def _cmd_audit(args: argparse.Namespace, out: TextIO) -> int:
    from volunteerkit.stores import open_store

    store = open_store(args.url)
    try:
        entries = store.audit.query(
            subject_type=args.subject_type,
            subject_id=args.subject_id,
            actor=args.actor,
            since=args.since,
            until=args.until,
            limit=args.limit,
        )
        for entry in entries:
            if args.json:
                _print_json(out, unstructure(entry))
            else:
                out.write(
                    f"{entry.at.isoformat()}  {entry.actor}  {entry.action}  "
                    f"{entry.subject_type}:{entry.subject_id}  {entry.reason}\n"
                )
    finally:
        store.close()
    return 0


def _cmd_identity(args: argparse.Namespace, out: TextIO) -> int:
    from volunteerkit._clock import SystemClock
    from volunteerkit.registry import identity

    if args.identity_command == "detect":
        schemes = identity.detect(args.value)
        if args.json:
            _print_json(out, {"schemes": schemes})
        else:
            out.write(("\n".join(schemes) or "(no scheme)") + "\n")
        return 0 if schemes else 1
    # The command line is the edge of an application: here the real clock may be read.
    doc = identity.parse(args.scheme, args.value, clock=SystemClock())
    number = doc.number if args.reveal else mask(doc.number)
    if args.json:
        data = unstructure(doc)
        data["number"] = number
        _print_json(out, data)
    else:
        out.write(f"valid {doc.scheme}: {number}\n")
        for warning in doc.warnings:
            out.write(f"warning [{warning.code}] {warning.message}\n")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the ``volunteerkit`` command."""
    parser = argparse.ArgumentParser(
        prog="volunteerkit",
        description="Domain logic for volunteer service: registration, hours, matching, awards.",
    )
    parser.add_argument("--version", action="version", version=f"volunteerkit {__version__}")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = commands.add_parser("demo", help="walk through what the library does")
    demo.add_argument("--db", default="volunteerkit-demo.sqlite", help="SQLite file to use")
    demo.add_argument("--store", help="a store URL instead of --db (memory:, postgresql://…)")
    demo.add_argument("--keep", action="store_true", help="keep an existing demo database")
    demo.add_argument("--out-dir", help="folder for the files the demo writes")
    demo.set_defaults(handler=_cmd_demo)

    migrate = commands.add_parser("migrate", help="open a store, applying its migrations")
    migrate.add_argument("url", help="memory:, sqlite:///path or postgresql://…")
    migrate.set_defaults(handler=_cmd_migrate)

    audit = commands.add_parser("audit", help="print audit entries")
    audit.add_argument("url", help="store URL")
    audit.add_argument("--subject-type")
    audit.add_argument("--subject-id")
    audit.add_argument("--actor")
    audit.add_argument("--since", type=_aware, help="ISO 8601 with offset (inclusive)")
    audit.add_argument("--until", type=_aware, help="ISO 8601 with offset (exclusive)")
    audit.add_argument("--limit", type=int)
    audit.set_defaults(handler=_cmd_audit)

    ident = commands.add_parser("identity", help="check identity document numbers")
    ident_commands = ident.add_subparsers(dest="identity_command", metavar="ACTION", required=True)
    validate = ident_commands.add_parser("validate", help="validate a number for a scheme")
    validate.add_argument("scheme")
    validate.add_argument("value")
    validate.add_argument("--reveal", action="store_true", help="print the number unmasked")
    detect = ident_commands.add_parser("detect", help="list the schemes a value is valid for")
    detect.add_argument("value")
    ident.set_defaults(handler=_cmd_identity)
    return parser


def main(argv: Sequence[str] | None = None, *, out: TextIO | None = None) -> int:
    """Run the ``volunteerkit`` command.

    Args:
        argv: Arguments (default: ``sys.argv[1:]``).
        out: Where to print (default: standard output).

    Returns:
        The exit status: 0 on success, 1 when a check found nothing, 2 on bad input.
    """
    stream = out if out is not None else sys.stdout
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(stream)
        return 0
    try:
        return int(args.handler(args, stream))
    except BrokenPipeError:  # the reader (say, `head`) stopped reading: not an error of ours
        sys.stderr.close()
        return 0
    except VolunteerkitError as err:
        if args.json:
            _print_json(stream, {"error": err.to_dict()})
        else:
            sys.stderr.write(f"error: {err}\n       {err.message_zh}\n")
        return 2


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
