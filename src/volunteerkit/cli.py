r"""The ``volunteerkit`` command: the library's only face. Nothing in the library imports it.

Commands:

* ``volunteerkit demo``: walk through everything the library does, on a SQLite file by default;
* ``volunteerkit migrate URL``: open a store (applying its migrations) and list them;
* ``volunteerkit audit URL``: print audit entries, filtered by subject and time, one line an
  entry (control characters in the stored texts printed escaped, as ``\n`` or ``\x1b``);
* ``volunteerkit identity validate|detect``: check identity document numbers;
* ``volunteerkit hours import|export``: move service entries in and out as CSV or JSON Lines;
* ``volunteerkit awards check|evaluate``: check a rule file, evaluate a store's volunteers;
* ``volunteerkit transfer export|verify|import|acknowledge``: move records between platforms;
* ``volunteerkit stats`` and ``volunteerkit report``: figures as tables, JSON or CSV, and an HTML
  report with inline SVG charts.

Commands that only read (``audit``, ``stats``, ``report``, ``hours export``, ``awards evaluate``)
open only an existing volunteerkit store (``open_store(url, create=False)``): a SQLite file that
does not exist is ``store.missing``, a database or PostgreSQL schema without volunteerkit's
``vk_schema_migrations`` table is ``store.not_ours``, a store of an earlier version that needs
migrations is ``store.outdated`` (``migrate`` applies them) (exit status 2), and nothing is created
or changed. ``migrate``, ``demo``, ``hours import`` and the ``transfer`` commands that write create
the store they are given, as before.

``--json`` (before the command) prints JSON instead of text; the ``transfer`` commands always print
JSON, and a refusal there is a report with ``"ok": false`` and exit status 1. Other errors print
their code and message in English and Chinese and exit with status 2; nothing prints a traceback
for bad input. Under ``--json`` (and from the ``transfer`` commands) every error has one shape,
``{"ok": false, "error": {"code", "message", "message_zh", "path"}}`` (``awards validate`` reports
every problem of a rule file instead, under ``"problems"``). An interrupt (Ctrl-C) prints
``interrupted`` and exits with status 130; a reader that stops reading (``| head``) ends the
command quietly. On a standard output that cannot encode
a character (``PYTHONIOENCODING=ascii``) the character prints as a JSON escape (``\u4e2d``), so
``--json`` output stays valid JSON.
"""

from __future__ import annotations

import argparse
import codecs
import io
import json
import re
import sys
import typing
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TextIO

from volunteerkit import __version__
from volunteerkit._serialization import unstructure
from volunteerkit.errors import InvalidInputError, VolunteerkitError, mask

__all__ = ["main"]


_ESCAPE = "volunteerkit.json_escape"


def _json_escape(err: UnicodeError) -> tuple[str, int]:
    r"""Write the characters an output encoding lacks as JSON escapes (UTF-16 code units).

    An escape such as ``\u4e2d`` (中) is valid inside a JSON string (and only strings hold such
    characters), so ``--json`` output stays JSON on an ASCII terminal; text stays readable.

    Args:
        err: The encoding error.

    Returns:
        The escapes and the position to resume at.

    Raises:
        UnicodeError: ``err`` itself, if it is not an encoding error.
    """
    if not isinstance(err, UnicodeEncodeError):
        raise err
    units = err.object[err.start : err.end].encode("utf-16-be", "surrogatepass")
    escaped = "".join(f"\\u{units[i]:02x}{units[i + 1]:02x}" for i in range(0, len(units), 2))
    return escaped, err.end


codecs.register_error(_ESCAPE, _json_escape)


def _print_json(out: TextIO, value: Any) -> None:
    out.write(json.dumps(value, ensure_ascii=False, sort_keys=True) + "\n")


_WORD = re.compile(
    r"-{0,2}[A-Za-z_][A-Za-z_-]{0,63}"  # a misspelt command or option
    r"|[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[T ][0-9:.]{1,15}(?:Z|[+-][0-9:]{1,8})?)?",  # a wrong date
    re.ASCII,
)
"""A value a usage error may quote whole: a word without digits, or an ISO 8601 date or
datetime (wrong in its digits, not in its shape)."""


def _shown(value: str) -> str:
    """``value`` as a usage error may quote it: whole if a word, else masked.

    A usage error quotes what was typed, and what was typed where a command or a date was
    expected may be an identity number or a phone number (``volunteerkit identity 3604…``): it
    is masked as the library masks numbers (``360426********0071``).

    Examples:
        >>> _shown("valid"), _shown("2026-13-01"), _shown("360426199101010071")
        ('valid', '2026-13-01', '360426********0071')
    """
    return value if _WORD.fullmatch(value) else mask(value)


_QUOTED = r"""('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")"""
"""A Python string literal, as ``%r`` writes one in argparse's messages."""
_USAGE_VALUES = (
    re.compile(rf"(invalid choice: ){_QUOTED}"),
    re.compile(rf"(invalid [^:]* value: ){_QUOTED}"),
    re.compile(rf"(ignored explicit argument ){_QUOTED}"),
)


def _usage_message(message: str) -> str:
    """An argparse error message with the values it quotes shown by :func:`_shown`."""
    import ast

    def quoted(match: re.Match[str]) -> str:
        return match[1] + repr(_shown(ast.literal_eval(match[2])))

    for pattern in _USAGE_VALUES:
        message = pattern.sub(quoted, message)
    head, sep, rest = message.partition("unrecognized arguments: ")
    if sep:
        return head + sep + " ".join(_shown(part) for part in rest.split(" "))
    head, sep, rest = message.partition("ambiguous option: ")  # --option=value could match …
    if sep:
        option, could, matches = rest.partition(" could match ")
        name, eq, value = option.partition("=")
        return head + sep + name + eq + (_shown(value) if eq else "") + could + matches
    return message


class _UsageError(Exception):
    """A usage error of one of the command's parsers, for :func:`main` to report."""

    def __init__(self, parser: argparse.ArgumentParser, message: str) -> None:
        super().__init__(message)
        self.parser = parser
        self.message = message


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors quote no identity number typed by mistake."""

    def error(self, message: str) -> typing.NoReturn:
        """Raise the usage error, its typed values masked, for :func:`main` to report.

        Args:
            message: argparse's message.

        Raises:
            _UsageError: Always.
        """
        raise _UsageError(self, _usage_message(message))


def _usage_error(usage: _UsageError, as_json: bool, stream: TextIO) -> typing.NoReturn:
    """Report a usage error and exit with status 2, as argparse does.

    With ``--json`` on the command line the report is the JSON of every other error,
    ``{"ok": false, "error": {...}}`` with the code ``cli.usage``, on the output; without, the
    parser's usage and message on standard error.
    """
    if as_json:
        err = InvalidInputError(
            usage.message, f"命令用法有误:{usage.message}", code="cli.usage"
        )
        _print_json(stream, {"ok": False, "error": err.to_dict()})
        raise SystemExit(2)
    usage.parser.print_usage(sys.stderr)
    usage.parser.exit(2, f"{usage.parser.prog}: error: {usage.message}\n")


def _aware(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        value = None
    if value is None:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 datetime: {_shown(text)!r}")
    if value.tzinfo is None:
        raise argparse.ArgumentTypeError("the datetime needs an offset, such as +08:00 or Z")
    try:
        value.astimezone(UTC)
    except OverflowError:  # 9999-12-31T23:59:59-12:00 is no instant the library can hold
        raise argparse.ArgumentTypeError(f"outside the calendar in UTC: {text!r}") from None
    return value


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    raise argparse.ArgumentTypeError(f"not an ISO 8601 date: {_shown(text)!r}")


def _file_error(
    err: OSError, verb: str, verb_zh: str, *, code: str = "bulk.file", path: str = "$.file"
) -> VolunteerkitError:
    """The typed error of a file a command cannot open: missing, a directory, not permitted.

    Args:
        err: What the operating system said.
        verb: ``read`` or ``written``.
        verb_zh: The same in Chinese.
        code: The error's code.
        path: The option naming the file.

    Returns:
        The error, with the system's reason but not the file's name.
    """
    reason = err.strerror or type(err).__name__
    return InvalidInputError(
        f"the file cannot be {verb}: {reason}",
        f"无法{verb_zh}文件:{reason}",
        code=code,
        path=path,
    )


def _cmd_demo(args: argparse.Namespace, out: TextIO) -> int:
    from volunteerkit._demo import run_demo
    from volunteerkit._demo._files import (
        MANIFEST,
        WRITTEN_FILES,
        check_demo_store,
        clear_demo_files,
        mark_demo_database,
    )
    from volunteerkit.stores import SQLiteStore, open_store

    db: Path | None = None
    created: Path | None = None  # the SQLite file of --store, if the demo creates it
    if args.store:
        # a store the demo runs on, not one it replaces: it must hold nothing but the demo's own
        created = check_demo_store(args.store)
        out_dir = Path(args.out_dir or ".")
    else:
        db = Path(args.db)  # opened as named: the file checked is the file written
        out_dir = Path(args.out_dir) if args.out_dir else db.resolve().parent
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as err:  # a file of that name, a read-only place
        raise _file_error(err, "written", "写入", code="demo.file", path="$.out_dir") from None
    hami, package = out_dir / "demo-hami.sqlite", out_dir / "demo-transfer"
    written = [out_dir / name for name in (*WRITTEN_FILES, MANIFEST)]
    own = db or created
    if own is not None and own.resolve() in {p.resolve() for p in (hami, package, *written)}:
        option = "--db" if db is not None else "--store"
        raise InvalidInputError(
            f"{option} names a file the demo writes in --out-dir: choose another {option}",
            f"{option} 指向演示在 --out-dir 中写入的文件:请另选 {option}",
            code="demo.file",
            path=f"$.{option[2:]}",
        )
    # only what an earlier demo wrote (see _demo._files), all checked before any is removed or
    # written; --keep keeps the database, not the transfer step's files
    replaced = [] if db is None or args.keep else [(db, "--db")]
    clear_demo_files(
        [*replaced, (hami, "--out-dir")],
        [(package, "--out-dir")],
        [(path, "--out-dir") for path in written[:-1]],
    )
    if db is not None:  # a database the demo creates is marked as its own
        mark_demo_database(db, option="--db")
    elif created is not None:
        mark_demo_database(created, option="--store")
    store = open_store(args.store) if db is None else SQLiteStore(db)
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


def _limit(text: str | None) -> int | None:
    """The ``--limit`` of ``audit``: digits only, from 0 to the largest a store takes.

    Raises:
        InvalidInputError: ``audit.limit`` at ``$.limit`` for anything else (``-1``, ``1.9``,
            ``abc``, a number beyond 2**63 - 1).
    """
    from volunteerkit.audit import MAX_LIMIT

    if text is None:
        return None
    digits = text.lstrip("0") or "0"
    if not text.isascii() or not text.isdigit() or len(digits) > 19 or int(digits) > MAX_LIMIT:
        raise InvalidInputError(
            f"--limit must be a whole number from 0 to {MAX_LIMIT}",
            f"--limit 必须是 0 至 {MAX_LIMIT} 之间的整数",
            code="audit.limit",
            path="$.limit",
        )
    return int(digits)


# Characters that would break or disguise a line of text output: C0 controls (newline, escape
# sequences), DEL, C1 controls (NEL), the Unicode line and paragraph separators, the
# bidirectional formatting characters; and the backslash, so that every escape reads back.
_UNSAFE = re.compile(r"[\\\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]")
_NAMED = {"\\": r"\\", "\n": r"\n", "\r": r"\r", "\t": r"\t"}


def _visible(text: str) -> str:
    r"""``text`` on one line, its control characters escaped as in Python: ``\n``, ``\x1b``.

    Escaped: C0 controls, DEL, C1 controls, U+2028 and U+2029, the bidirectional formatting
    characters (U+061C, U+200E, U+200F, U+202A to U+202E, U+2066 to U+2069) and the backslash
    itself (``\\``), so a stored text cannot forge a line of output, nor pass an escape for one.

    Examples:
        >>> print(_visible("duplicate\n2026  admin\x1b[2K\u2028C:\\tmp"))
        duplicate\n2026  admin\x1b[2K\u2028C:\\tmp
    """

    def escape(match: re.Match[str]) -> str:
        char = match.group()
        if char in _NAMED:
            return _NAMED[char]
        code = ord(char)
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    return _UNSAFE.sub(escape, text)


def _cmd_audit(args: argparse.Namespace, out: TextIO) -> int:
    from volunteerkit.stores import open_store

    limit = _limit(args.limit)  # checked before the store is opened
    store = open_store(args.url, create=False)  # only reads: creates or migrates no database
    try:
        entries = store.audit.query(
            subject_type=args.subject_type,
            subject_id=args.subject_id,
            actor=args.actor,
            since=args.since,
            until=args.until,
            limit=limit,
        )
        for entry in entries:
            if args.json:
                _print_json(out, unstructure(entry))
            else:  # one line an entry, whatever the stored texts hold (JSON escapes its own)
                fields = (entry.actor, entry.action, entry.subject_type, entry.subject_id)
                actor, action, subject_type, subject_id = map(_visible, fields)
                out.write(
                    f"{entry.at.isoformat()}  {actor}  {action}  "
                    f"{subject_type}:{subject_id}  {_visible(entry.reason)}\n"
                )
    finally:
        store.close()
    return 0


def _masked_part(value: str, number: str, masked: str) -> str:
    """Mask a parsed detail that repeats the number or a long part of it, as the number is masked.

    An MRZ's document number, a travel permit's lifetime number and a mobile number's E.164
    form disclose the number as much as the number itself does. Each is masked where the
    number's own mask hides it, so that the two shown side by side disclose no more than the
    masked number alone (each masked on its own, ``13*******89`` beside ``+86131****6789``
    showed 7 of 11 digits).

    Args:
        value: A value of :attr:`IdentityDocument.extra`.
        number: The document's canonical number.
        masked: The number as masked for display.

    A detail written with separators (a USCC's organization code ``60003734-1``) is compared by
    its letters and digits, and masked there, its separators kept.

    Returns:
        ``value`` masked if it is a part of the number (of six characters or more) or contains
        the whole number, else unchanged.
    """
    if len(value) >= 6 and (value in number or number in value):
        return _masked_as(value, number, masked)
    plain = "".join(c for c in value if c.isalnum())
    if plain == value or len(plain) < 6 or (plain not in number and number not in plain):
        return value
    shown = iter(_masked_as(plain, number, masked))
    return "".join(next(shown) if c.isalnum() else c for c in value)


def _masked_as(value: str, number: str, masked: str) -> str:
    """``value``, a part of ``number`` or one containing it, masked where ``masked`` masks it."""
    if len(masked) != len(number):  # a mask that reformats the number: hide the detail whole
        return "*" * len(value)
    if value in number:
        start = number.index(value)
        return masked[start : start + len(value)]
    start = value.index(number)
    return value[:start] + masked + value[start + len(number) :]


def _cmd_identity(args: argparse.Namespace, out: TextIO) -> int:
    from volunteerkit._clock import SystemClock
    from volunteerkit.registry import identity

    # A number typed with spaces arrives in parts (the shell splits it): join them as the
    # library would read them, rather than let argparse print the parts it does not expect.
    if args.identity_command == "detect":
        schemes = identity.detect(" ".join(args.value))
        if len(args.value) == 2:  # an MRZ's two lines, as validate joins them
            lines = identity.detect("\n".join(args.value))
            schemes = [*schemes, *(s for s in lines if s not in schemes)]
        if args.json:
            _print_json(out, {"schemes": schemes})
        else:
            out.write(("\n".join(schemes) or "(no scheme)") + "\n")
        return 0 if schemes else 1
    # The command line is the edge of an application: here the real clock may be read.
    value = ("\n" if args.scheme == "icao_td3_mrz" else " ").join(args.value)  # MRZ: two lines
    doc = identity.parse(args.scheme, value, clock=SystemClock())
    number = doc.number if args.reveal else doc.masked
    if args.json:
        data = unstructure(doc)
        data["number"] = number
        if not args.reveal:
            data["extra"] = [
                [key, _masked_part(value, doc.number, doc.masked)] for key, value in doc.extra
            ]
            # The mask hides exactly the birth date of a citizen number: printing it beside the
            # masked number would give the whole number back.
            del data["birth_date"]
        _print_json(out, data)
    else:
        out.write(f"valid {doc.scheme}: {number}\n")
        for warning in doc.warnings:
            out.write(f"warning [{warning.code}] {warning.message}\n")
    return 0


def _ledger(store: Any, policy_name: str | None, now: datetime | None) -> Any:
    """Open the store's ledger under the policy it was built with (or the named preset)."""
    from volunteerkit._clock import FixedClock, SystemClock
    from volunteerkit._serialization import from_json
    from volunteerkit.hours.ledger import Ledger
    from volunteerkit.hours.policy import AccrualPolicy, preset

    stored = store.ledger.get_setting("policy")
    if policy_name is not None:
        policy = preset(policy_name)
    elif stored is not None:
        policy = from_json(stored, AccrualPolicy)
    else:
        policy = preset("national")
    # The command line is the edge of an application: unless --now says otherwise, the real clock
    # dates what it records and decides what is "future" service.
    clock = FixedClock(now) if now is not None else SystemClock()
    return Ledger(store, clock=clock, policy=policy)


_EXPORT_CHUNK = 500  # volunteers read at a time: memory follows the chunk, not the store


def _selected_entries(store: Any, args: argparse.Namespace) -> Iterator[Any]:
    """The entries ``hours export`` writes: by volunteer, then by id, read a chunk at a time.

    ``--organization`` keeps the entries of those organizations; ``--from`` and ``--to`` keep
    those whose service starts on those local dates or between them (the date in the zone of the
    place of service, as daily caps count it).
    """
    volunteers = sorted(set(args.volunteer)) if args.volunteer else store.ledger.volunteers()
    organizations = set(args.organization) if args.organization else None
    first: date | None = args.date_from
    last: date | None = args.date_to
    for i in range(0, len(volunteers), _EXPORT_CHUNK):
        records = store.ledger.records_of(volunteers[i : i + _EXPORT_CHUNK])
        for volunteer in sorted(records):
            for entry in records[volunteer][0]:
                if organizations is not None and entry.organization_id not in organizations:
                    continue
                if first is not None or last is not None:
                    day = entry.start.astimezone(entry.zone).date()
                    if (first is not None and day < first) or (last is not None and day > last):
                        continue
                yield entry




def _cmd_hours(args: argparse.Namespace, out: TextIO) -> int:
    from volunteerkit.hours.bulk import export_entries, import_entries, render_progress
    from volunteerkit.stores import open_store

    if (
        args.hours_command == "export"
        and args.date_from is not None
        and args.date_to is not None
        and args.date_from > args.date_to
    ):  # checked before the store is opened or the file replaced
        raise InvalidInputError(
            "--to must not be before --from",
            "--to 不能早于 --from",
            code="bulk.date_range",
            path="$.to",
        )
    # export only reads: it opens an existing store, creating nothing; import may create one
    store = open_store(args.url, create=args.hours_command == "import")
    try:
        if args.hours_command == "export":
            try:
                count = export_entries(
                    _selected_entries(store, args), args.file, format=args.format
                )
            except OSError as err:
                raise _file_error(err, "written", "写入") from None
            if args.json:
                _print_json(out, {"written": count, "file": args.file})
            else:
                out.write(f"wrote {count} entries to {args.file}\n")
            return 0
        ledger = _ledger(store, args.policy, args.now)
        show_progress = not args.json and sys.stderr.isatty()

        def progress(p: Any) -> None:
            if show_progress:
                sys.stderr.write("\r" + render_progress(p))
                sys.stderr.flush()

        try:
            report = import_entries(
                args.file,
                format=args.format,
                sink=ledger,
                actor=args.actor,
                mode=args.mode,
                progress=progress,
            )
        except OSError as err:
            raise _file_error(err, "read", "读取") from None
        if show_progress:
            sys.stderr.write("\n")
    finally:
        store.close()
    if args.json:
        _print_json(out, unstructure(report))
    else:
        out.write(
            f"read {report.rows_read} rows: {report.imported} imported, {report.unchanged} "
            f"unchanged, {report.rejected} rejected\n"
        )
        for error in report.errors:
            out.write(f"line {error.line} {error.field} [{error.code}] {error.message}\n")
    return 0 if report.ok else 1  # a header error rejects no row but imports nothing either


def _cmd_awards(args: argparse.Namespace, out: TextIO) -> int:
    from volunteerkit._clock import SystemClock
    from volunteerkit.awards.commands import check_command, evaluate_command

    if args.awards_command == "check":
        status, report = check_command(args.rules)
        if args.json:
            _print_json(out, report)
        elif report.get("ok"):
            out.write(
                f"ok: {report['rule_set']} version {report['version']}, "
                f"{len(report['levels'])} levels\n"
            )
        else:
            for problem in report["problems"]:
                out.write(f"{problem['path']} [{problem['code']}] {problem['message']}\n")
                out.write(f"    {problem['message_zh']}\n")
        return status
    from volunteerkit.stores._open import require_existing_store

    as_of = args.as_of or SystemClock().now()  # the edge of an application may read the clock
    require_existing_store(args.url)  # evaluating only reads: no database is created or migrated
    for result in evaluate_command(args.rules, args.url, as_of=as_of, volunteer_ids=args.volunteer):
        if args.json:
            _print_json(out, result)
        else:
            out.write(_evaluation_line(result) + "\n")
    return 0


def _evaluation_line(result: dict[str, Any]) -> str:
    held = [
        level["level_id"] for level in result.get("levels", []) if level.get("status") == "earned"
    ]
    nxt = result.get("next_level") or {}
    following = (
        f"; next {nxt['level_id']}: {nxt['remaining_minutes'] / 60:.2f} h to go"
        if nxt.get("level_id")
        else ""
    )
    return f"{result.get('subject_id')}: {', '.join(held) or 'no level earned'}{following}"


def _emit(out: TextIO, status: int, report: dict[str, Any]) -> int:
    """Print a command's JSON-ready report (always JSON: these reports are structured)."""
    _print_json(out, report)
    return status


def _cmd_transfer(args: argparse.Namespace, out: TextIO) -> int:
    from volunteerkit.transfer import commands

    action = args.transfer_command
    if action == "export":
        status, report = commands.export_command(
            args.url,
            keys_file=args.keys,
            out_dir=args.out,
            actor=args.actor,
            transfer_id=args.transfer,
            volunteer_id=args.volunteer,
            destination=args.destination,
            consent=args.consent,
            now=args.now,
        )
    elif action == "verify":
        status, report = commands.verify_command(args.files, keys_file=args.keys)
    elif action == "import":
        status, report = commands.import_command(
            args.url,
            args.files,
            keys_file=args.keys,
            actor=args.actor,
            overlap=args.overlap,
            volunteer_id=args.volunteer,
            receipt_out=args.receipt,
            now=args.now,
        )
    else:
        status, report = commands.acknowledge_command(
            args.url, args.receipt, keys_file=args.keys, actor=args.actor, now=args.now
        )
    return _emit(out, status, report)


def _print_error(error: dict[str, Any]) -> None:
    """Print an error object as text on standard error, as :func:`main` prints a raised one."""
    where = f" (at {error['path']})" if error.get("path") else ""
    sys.stderr.write(
        f"error: [{error['code']}] {error['message']}{where}\n       {error['message_zh']}\n"
    )


def _cmd_stats(args: argparse.Namespace, out: TextIO) -> int:
    from volunteerkit._clock import SystemClock
    from volunteerkit.stats.commands import stats_command

    as_of = args.as_of or SystemClock().now()  # the edge of an application may read the clock
    fmt = "json" if args.json else "csv" if args.csv else "table"
    status, text = stats_command(
        args.url, as_of=as_of, fmt=fmt, k=args.k, organization_id=args.organization,
        region=args.region,
    )  # fmt: skip
    if status != 0 and not args.json:  # not JSON in the middle of tables or CSV
        _print_error(json.loads(text)["error"])
        return status
    out.write(text if text.endswith("\n") else text + "\n")
    return status


def _cmd_report(args: argparse.Namespace, out: TextIO) -> int:
    from volunteerkit._clock import SystemClock
    from volunteerkit.stats.commands import report_command

    as_of = args.as_of or SystemClock().now()  # the edge of an application may read the clock
    status, report = report_command(
        args.url, args.out, as_of=as_of, k=args.k, organization_id=args.organization,
        region=args.region,
    )  # fmt: skip
    if args.json:
        _print_json(out, report)
    elif status != 0:
        _print_error(report["error"])
    else:
        out.write(f"wrote {args.out}\n")
    return status


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the ``volunteerkit`` command."""
    parser = _Parser(
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
    audit.add_argument("url", help="URL of an existing store")
    audit.add_argument("--subject-type")
    audit.add_argument("--subject-id")
    audit.add_argument("--actor")
    audit.add_argument("--since", type=_aware, help="ISO 8601 with offset (inclusive)")
    audit.add_argument("--until", type=_aware, help="ISO 8601 with offset (exclusive)")
    audit.add_argument("--limit", help="at most this many entries (0 to 2**63 - 1)")
    audit.set_defaults(handler=_cmd_audit)

    ident = commands.add_parser("identity", help="check identity document numbers")
    ident_commands = ident.add_subparsers(dest="identity_command", metavar="ACTION", required=True)
    validate = ident_commands.add_parser("validate", help="validate a number for a scheme")
    validate.add_argument("scheme")
    validate.add_argument(
        "value", nargs="+", help="the number (parts are joined; an MRZ's two lines by a newline)"
    )
    validate.add_argument("--reveal", action="store_true", help="print the number unmasked")
    detect = ident_commands.add_parser("detect", help="list the schemes a value is valid for")
    detect.add_argument(
        "value", nargs="+", help="the number (parts are joined; an MRZ's two lines by a newline)"
    )
    ident.set_defaults(handler=_cmd_identity)

    hours = commands.add_parser("hours", help="import or export service entries")
    hours_commands = hours.add_subparsers(dest="hours_command", metavar="ACTION", required=True)
    imp = hours_commands.add_parser("import", help="import a CSV or JSON Lines file")
    imp.add_argument("url", help="store URL")
    imp.add_argument("file", help="the file to import")
    imp.add_argument("--format", choices=["csv", "jsonl"], default="csv")
    imp.add_argument("--mode", choices=["best_effort", "all_or_nothing"], default="best_effort")
    imp.add_argument("--actor", default="cli", help="who imports (for the audit log)")
    imp.add_argument("--policy", help="accrual policy preset (default: the store's own)")
    imp.add_argument(
        "--now", type=_aware, help="the instant to record at, ISO 8601 with offset (default: now)"
    )
    exp = hours_commands.add_parser("export", help="export entries as CSV or JSON Lines")
    exp.add_argument("url", help="URL of an existing store")
    exp.add_argument("file", help="the file to write")
    exp.add_argument("--format", choices=["csv", "jsonl"], default="csv")
    exp.add_argument("--volunteer", action="append", help="only this volunteer (repeatable)")
    exp.add_argument(
        "--organization", action="append", help="only this organization's entries (repeatable)"
    )
    exp.add_argument(
        "--from",
        dest="date_from",
        type=_date,
        help="only service starting on this local date or later (YYYY-MM-DD)",
    )
    exp.add_argument(
        "--to",
        dest="date_to",
        type=_date,
        help="only service starting on this local date or earlier (YYYY-MM-DD)",
    )
    hours.set_defaults(handler=_cmd_hours)

    awards = commands.add_parser("awards", help="check award rules, evaluate volunteers")
    awards_commands = awards.add_subparsers(dest="awards_command", metavar="ACTION", required=True)
    check = awards_commands.add_parser("check", help="check a rule file (TOML or JSON)")
    check.add_argument("rules", help="a rule file or a built-in rule set id")
    evaluate = awards_commands.add_parser("evaluate", help="evaluate a store's volunteers")
    evaluate.add_argument("rules", help="a rule file or a built-in rule set id")
    evaluate.add_argument("url", help="URL of an existing store")
    evaluate.add_argument("--as-of", type=_aware, help="ISO 8601 with offset (default: now)")
    evaluate.add_argument("--volunteer", action="append", help="only this volunteer (repeatable)")
    awards.set_defaults(handler=_cmd_awards)

    transfer = commands.add_parser("transfer", help="move service records between platforms")
    tr = transfer.add_subparsers(dest="transfer_command", metavar="ACTION", required=True)
    t_export = tr.add_parser("export", help="export a signed transfer package")
    t_export.add_argument("url", help="the source store")
    t_export.add_argument("--keys", required=True, help="this platform's keys file")
    t_export.add_argument("--out", required=True, help="folder for the chunk files")
    t_export.add_argument("--transfer", help="an approved transfer to export")
    t_export.add_argument("--volunteer", help="the volunteer (with --destination, --consent)")
    t_export.add_argument("--destination", help="the destination platform id")
    t_export.add_argument("--consent", help="the volunteer's consent reference")
    t_verify = tr.add_parser("verify", help="verify a package, writing nothing")
    t_verify.add_argument("files", nargs="+", help="the chunk files, in any order")
    t_verify.add_argument("--keys", required=True, help="this platform's keys file")
    t_import = tr.add_parser("import", help="import a package and sign a receipt")
    t_import.add_argument("url", help="the destination store")
    t_import.add_argument("files", nargs="+", help="the chunk files, in any order")
    t_import.add_argument("--keys", required=True, help="this platform's keys file")
    t_import.add_argument("--overlap", choices=["keep_and_flag", "skip"], default="keep_and_flag")
    t_import.add_argument("--volunteer", help="the local volunteer, if not matched by index")
    t_import.add_argument("--receipt", help="where to write the signed receipt")
    t_ack = tr.add_parser("acknowledge", help="verify a receipt and close the transfer")
    t_ack.add_argument("url", help="the source store")
    t_ack.add_argument("receipt", help="the receipt file")
    t_ack.add_argument("--keys", required=True, help="this platform's keys file")
    for sub in (t_export, t_import, t_ack):
        sub.add_argument("--actor", default="cli", help="who acts (for the audit log)")
        sub.add_argument("--now", type=_aware, help="ISO 8601 with offset (default: now)")
    transfer.set_defaults(handler=_cmd_transfer)

    stats = commands.add_parser("stats", help="print the statistics of a store")
    report = commands.add_parser("report", help="write a self-contained HTML report")
    for sub in (stats, report):
        sub.add_argument("url", help="URL of an existing store")
        sub.add_argument("--as-of", type=_aware, help="ISO 8601 with offset (default: now)")
        sub.add_argument("--k", type=int, default=5, help="suppress groups smaller than this")
        sub.add_argument("--organization", help="only this organization and its children")
        sub.add_argument("--region", help="only this GB/T 2260 region and its sub-regions")
    stats.add_argument("--csv", action="store_true", help="print CSV instead of tables")
    stats.set_defaults(handler=_cmd_stats)
    report.add_argument(
        "out", nargs="?", default="volunteerkit-report.html", help="the HTML file to write"
    )
    report.set_defaults(handler=_cmd_report)
    return parser


def main(argv: Sequence[str] | None = None, *, out: TextIO | None = None) -> int:
    """Run the ``volunteerkit`` command.

    Args:
        argv: Arguments (default: ``sys.argv[1:]``).
        out: Where to print (default: standard output).

    Returns:
        The exit status: 0 on success, 1 when a check found nothing, 2 on bad input, 130 when
        interrupted.
    """
    if out is None and isinstance(sys.stdout, io.TextIOWrapper):
        # Chinese messages must not crash an ASCII terminal, nor make --json output invalid.
        sys.stdout.reconfigure(errors=_ESCAPE)
    stream = out if out is not None else sys.stdout
    parser = build_parser()
    given = list(sys.argv[1:] if argv is None else argv)
    try:
        args = parser.parse_args(given)
    except _UsageError as usage:
        _usage_error(usage, "--json" in given[: given.index("--") if "--" in given else None], stream)
    if args.command is None:
        parser.print_help(stream)
        return 0
    try:
        return int(args.handler(args, stream))
    except KeyboardInterrupt:  # Ctrl-C: the user's choice, not a failure to explain
        sys.stderr.write("interrupted\n")
        return 130
    except BrokenPipeError:  # the reader (say, `head`) stopped reading: not an error of ours
        sys.stderr.close()
        return 0
    except VolunteerkitError as err:
        if args.json:
            _print_json(stream, {"ok": False, "error": err.to_dict()})
        else:
            sys.stderr.write(f"error: {err}\n       {err.message_zh}\n")
        return 2


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
