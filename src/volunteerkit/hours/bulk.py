r"""Bulk import and export of service entries as CSV or JSON Lines, streaming in constant memory.

Formats
-------

**CSV** (RFC 4180: comma-separated, ``"``-quoted, UTF-8, a header row first). The columns, in the
order :func:`export_entries` writes them (:data:`COLUMNS`):

==================  ========  =============================================================
column              required  content
==================  ========  =============================================================
``id``              yes       the entry's global id, ``origin:local_id`` (or only the local id
                              when ``origin=`` is passed to :func:`import_entries`)
``volunteer_id``    yes       the volunteer's id
``organization_id`` yes       the organising organization's id
``activity_id``     no        the project or activity; empty for none
``category``        yes       the service category
``start``           yes       ISO 8601 with offset, e.g. ``2026-03-01T09:00:00+08:00``; a time
                              without an offset is refused (``time.naive_datetime``)
``end``             yes       the same
``zone``            yes       IANA zone of the place of service, e.g. ``Asia/Shanghai``
``break_minutes``   no        whole minutes; empty means 0
``travel_minutes``  no        whole minutes; empty means 0
``source``          yes       ``organization``, ``self_declared``, ``check_in_out``,
                              ``time_code``, ``automatic`` or ``transferred``
``initial_status``  no        ``pending`` (the default when empty) or ``approved``
``recorded_by``     yes       who recorded the entry
``recorded_at``     yes       ISO 8601 with offset
``note``            no        free text; empty for none
==================  ========  =============================================================

Columns may come in any order. A column the table does not list is refused
(``bulk.unknown_column``), and so is a required column that is absent (``bulk.missing_column``)
unless ``defaults=`` gives its value; either stops the import before any row is read. An empty cell
of an optional column means the column's default. Exported files always carry all 15 columns.
``initial_status`` is not in the first draft of the column list of issue #4; it is here so that an
export re-imports to exactly the same entries.

**JSON Lines**: one JSON object a line, with the same keys and values as the library's converter
writes for a :class:`~volunteerkit.hours.ServiceEntry` (``volunteerkit.unstructure``): minutes are
JSON integers, ``activity_id`` may be ``null``; keys ``activity_id``, ``break_minutes``,
``travel_minutes``, ``initial_status`` and ``note`` may be left out. Unknown keys are refused
(``serialization.unknown_field``), and so is a key given twice in one line (``bulk.duplicate_key``).
Blank lines are skipped.

Both formats tolerate a UTF-8 byte-order mark at the start.

**Exports are not sanitised for spreadsheets.** A value that begins with ``=``, ``+``, ``-`` or
``@`` is written as it is: this CSV is a data-exchange format, and changing values (for example
prefixing ``'``) would break the exact round trip and corrupt data such as negative numbers or
notes that start with a dash. Opening an export from an untrusted source in a spreadsheet program
may execute such a value as a formula ("CSV injection"); import it with the program's text-import
dialog instead, with every column typed as text.

Errors
------

Every bad row is reported as a :class:`RowError`: the line number, the field path (``$.start``; ``$``
for the whole row), a stable code and an English and a Chinese message. The code and message are
those of the library error the row raised, so a bad offset is ``time.naive_datetime`` at
``$.start``, an end before the start is ``hours.end_before_start`` at ``$.end``, an unknown zone is
``serialization.zone`` at ``$.zone``. A row reports its first problem only. Codes of this module:

* ``bulk.unknown_column``, ``bulk.missing_column``, ``bulk.duplicate_column``, ``bulk.no_header``:
  the CSV header (line of the header). The path names the column (``$.colour``) when the header
  cell looks like a column name (lower-case letters, digits and ``_``), else its 0-based position
  (``$.columns[3]``): a file without a header has data in its first line, which must not be
  echoed into errors;
* ``bulk.field_count``: a CSV row with more or fewer fields than the header;
* ``bulk.csv_syntax``: malformed quoting;
* ``bulk.encoding``: bytes that are not UTF-8. From a path, the bad line is reported and the others
  are read; a text stream opened with strict decoding cannot go on past them, so the import
  reports the first line it could not read and stops there (best effort keeps the rows before);
* ``bulk.not_an_object``: a JSON line that is not an object (bad JSON is ``serialization.json``);
* ``bulk.duplicate_key``: a JSON line with the same key twice (at ``$.<key>``);
* ``bulk.source_changed``: in all-or-nothing mode, the file changed between the check and the
  write;
* ``bulk.invalid_option``: a bad argument to :func:`import_entries` or :func:`export_entries`
  (raised, not reported), at the argument's path (``$.sink``, ``$.entries[3]``, ...).

Line numbers are physical line numbers of the file, counting from 1 with the header (CSV) on line
1 when it is the first line. A CSV record that spans several lines (a quoted value with line
breaks) is reported at its *first* line. Lines are split at ``\n``, ``\r\n`` and ``\r`` when the
importer opens the file from a path (or a stream opened with ``newline=""``).

Writing and modes
-----------------

Rows are read, converted and handed to the sink in batches of ``batch_size`` entries, so memory does
not grow with the file. Ids come from the file, so importing the same file again writes nothing: the
sink reports every entry as already present (``unchanged``).

* ``best_effort``: good rows are written, bad rows are reported. Each batch goes to
  ``sink.record_many(batch, actor=..., atomic=True)``; if the sink refuses the batch (a conflict with
  a stored entry, a policy refusal), the batch is retried one entry at a time and each refused row
  is reported with the sink's code (for example ``hours.entry_conflict``) and its line.
* ``all_or_nothing``: a first streaming pass checks every row; if any is bad, nothing is written.
  Otherwise a second pass re-reads the file and hands *all* entries to one call
  ``sink.record_many(entries, atomic=True)`` as a generator, so memory stays constant. If the sink
  refuses an entry then, the whole write is rolled back and the refusal is reported as a row error.
  A stream that cannot seek (a pipe) is copied to a temporary file during the first pass.

Where a sink's error path starts with ``$.entries[i]`` (the :class:`~volunteerkit.hours.ledger.Ledger`
numbers the entries of a ``record_many`` call that way), the error is reported at the line of the
``i``-th entry handed to that call (found, in all-or-nothing mode, by reading the file once more)
with the rest of the path as the field: ``$.entries[3].id`` becomes ``$.id``. Without such a
prefix, an all-or-nothing refusal is reported at the line of the last row the sink had taken from
the stream, which is the refused row for a sink that writes as it reads.

The :class:`~volunteerkit.hours.ledger.Ledger` decides each new entry's status by its accrual
policy (``initial_status`` in the file is not kept there), refuses entries its policy refuses
(``hours.future_service``, ``hours.too_long``, ...), and counts an entry that differs from a stored
one only by its status as already present.

Progress
--------

``progress`` (if given) is called with a :class:`Progress` after every ``batch_size`` rows and once
at the end of each pass; :func:`render_progress` turns one into a line of text for a terminal.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import stat
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import ExitStack, suppress
from enum import StrEnum
from typing import IO, Any, Final, Protocol, TextIO, TypeVar

import attrs

from volunteerkit._serialization import dumps, loads, structure, unstructure
from volunteerkit.errors import (
    ConflictError,
    IntegrityError,
    InvalidInputError,
    VolunteerkitError,
)
from volunteerkit.hours._hooks import register_str_enum
from volunteerkit.hours.models import EntryId, ServiceEntry

__all__ = [
    "BULK_MESSAGES",
    "COLUMNS",
    "OPTIONAL_COLUMNS",
    "REQUIRED_COLUMNS",
    "BulkError",
    "EntrySink",
    "ExportFormat",
    "ImportMode",
    "ImportReport",
    "Progress",
    "RecordCounts",
    "RowError",
    "export_entries",
    "import_entries",
    "render_progress",
]

COLUMNS: Final[tuple[str, ...]] = (
    "id",
    "volunteer_id",
    "organization_id",
    "activity_id",
    "category",
    "start",
    "end",
    "zone",
    "break_minutes",
    "travel_minutes",
    "source",
    "initial_status",
    "recorded_by",
    "recorded_at",
    "note",
)
"""The CSV columns, in the order exports write them."""

OPTIONAL_COLUMNS: Final[frozenset[str]] = frozenset(
    {"activity_id", "break_minutes", "travel_minutes", "initial_status", "note"}
)
"""Columns that may be absent, or empty in a row (meaning the entry's default)."""

REQUIRED_COLUMNS: Final[frozenset[str]] = frozenset(COLUMNS) - OPTIONAL_COLUMNS
"""Columns every CSV file must have (or get from ``defaults=``)."""

_INT_COLUMNS: Final = frozenset({"break_minutes", "travel_minutes"})
_INTEGER = re.compile(r"-?[0-9]{1,18}")

BULK_MESSAGES: dict[str, tuple[str, str]] = {
    "bulk.unknown_column": ("unknown column", "未知列"),
    "bulk.missing_column": ("a required column is missing", "缺少必需的列"),
    "bulk.duplicate_column": ("the column appears more than once", "该列出现了不止一次"),
    "bulk.no_header": ("the CSV file has no header row", "CSV 文件没有表头行"),
    "bulk.field_count": (
        "the row does not have as many fields as the header",
        "该行的字段数与表头不一致",
    ),
    "bulk.csv_syntax": ("malformed CSV (quoting)", "CSV 格式错误(引号)"),
    "bulk.encoding": ("the line is not valid UTF-8", "该行不是有效的 UTF-8"),
    "bulk.not_an_object": ("expected a JSON object", "应为 JSON 对象"),
    "bulk.duplicate_key": ("the key appears more than once", "该键出现了不止一次"),
    "bulk.source_changed": (
        "the file changed between the check and the write; nothing was imported",
        "文件在检查与写入之间被改动;未导入任何记录",
    ),
    "bulk.invalid_option": ("invalid import or export option", "导入或导出选项无效"),
}
"""Every code this module reports or raises, with its English and Chinese message."""

_B = TypeVar("_B", bound="BulkError")


class BulkError(InvalidInputError):
    """A bad import or export option, or a file that changed during an all-or-nothing import.

    Use :meth:`of` to build one by code, so its messages come from :data:`BULK_MESSAGES`.
    """

    default_code = "bulk.invalid_option"
    default_message = BULK_MESSAGES["bulk.invalid_option"][0]
    default_message_zh = BULK_MESSAGES["bulk.invalid_option"][1]

    @classmethod
    def of(cls: type[_B], code: str, path: str | None = None, detail: str | None = None) -> _B:
        """Build an error from its stable code.

        Args:
            code: A code listed in :data:`BULK_MESSAGES`.
            path: The path of the offending field or option.
            detail: Optional non-personal detail appended to both messages.

        Returns:
            The error, ready to raise.
        """
        en, zh = BULK_MESSAGES.get(code, (cls.default_message, cls.default_message_zh))
        if detail:
            en = f"{en} ({detail})"
            zh = f"{zh}({detail})"
        return cls(en, zh, code=code, path=path)


class ExportFormat(StrEnum):
    """The file formats of :func:`import_entries` and :func:`export_entries`."""

    CSV = "csv"
    JSONL = "jsonl"


class ImportMode(StrEnum):
    """What :func:`import_entries` does with the good rows of a file that has bad ones."""

    BEST_EFFORT = "best_effort"
    """Import the good rows, report the bad ones."""
    ALL_OR_NOTHING = "all_or_nothing"
    """Import nothing unless every row is good."""


register_str_enum(ExportFormat)
register_str_enum(ImportMode)


def _format(value: ExportFormat | str) -> ExportFormat:
    if value in ExportFormat.__members__.values():  # no ValueError holding the value behind ours
        return ExportFormat(value)
    raise BulkError.of("bulk.invalid_option", "$.format", "csv or jsonl")


def _mode(value: ImportMode | str) -> ImportMode:
    if value in ImportMode.__members__.values():  # no ValueError holding the value behind ours
        return ImportMode(value)
    raise BulkError.of("bulk.invalid_option", "$.mode", "best_effort or all_or_nothing")


# --------------------------------------------------------------------------------------------
# the sink


class RecordCounts(Protocol):
    """What a sink reports for one ``record_many`` call (``Ledger.record_many``'s result fits)."""

    @property
    def written(self) -> int:
        """Entries newly written."""
        ...  # pragma: no cover

    @property
    def unchanged(self) -> int:
        """Entries that were already stored with the same content."""
        ...  # pragma: no cover


class EntrySink(Protocol):
    """Where imported entries go: :class:`volunteerkit.hours.ledger.Ledger` is one.

    ``record_many`` must be idempotent (an entry already stored with the same content is counted as
    unchanged, not written again) and, with ``atomic=True``, write all of the entries or none. It
    may consume ``entries`` lazily; the importer passes a generator in all-or-nothing mode.
    """

    def record_many(
        self, entries: Iterable[ServiceEntry], *, actor: str, atomic: bool = True
    ) -> RecordCounts:
        """Record entries.

        Args:
            entries: The entries.
            actor: Who is recording them (for the audit log).
            atomic: Write all or none.

        Returns:
            How many were written and how many were already present.
        """
        ...  # pragma: no cover


# --------------------------------------------------------------------------------------------
# report models


def _non_negative(_instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise BulkError.of("bulk.invalid_option", f"$.{attribute.name}", "a count must be >= 0")


def _optional_non_negative(
    _instance: object, attribute: attrs.Attribute[int | None], value: int | None
) -> None:
    if value is not None:
        _non_negative(_instance, attribute, value)  # type: ignore[arg-type]


@attrs.frozen(kw_only=True)
class RowError:
    """One bad row (or a bad header) of an imported file.

    Args:
        line: The physical line number (from 1) where the row starts.
        field: The path of the offending field, such as ``$.start``; ``$`` for the whole row.
        code: The stable error code, such as ``time.naive_datetime``.
        message: English message (never contains the row's values).
        message_zh: Chinese message.
    """

    line: int = attrs.field(validator=_non_negative)
    field: str
    code: str
    message: str
    message_zh: str

    @classmethod
    def of(cls, line: int, error: VolunteerkitError) -> RowError:
        """Make a row error from a library error.

        Args:
            line: The line number.
            error: The error the row raised.

        Returns:
            The row error, with the error's path (or ``$``), code and messages.
        """
        return cls(
            line=line,
            field=error.path or "$",
            code=error.code,
            message=error.message,
            message_zh=error.message_zh,
        )

    def __str__(self) -> str:
        """Return ``line N, field: [code] message``."""
        return f"line {self.line}, {self.field}: [{self.code}] {self.message}"


@attrs.frozen(kw_only=True)
class Progress:
    """How far an import has got; passed to the ``progress`` callback.

    Args:
        phase: ``"validate"`` (the check pass of an all-or-nothing import) or ``"write"``.
        rows_read: Data rows read so far (good and bad; not the header or blank lines).
        rows_imported: Rows the sink has accepted so far (newly written or already present); in
            the write pass of an all-or-nothing import, rows handed to the sink so far.
        rows_rejected: Bad rows so far.
        bytes_read: UTF-8 bytes of the lines parsed so far (at the end of a pass, the size of the
            file).
        total_bytes: The file's size in bytes, when known (a path or a regular file read from its
            start), else ``None``.
    """

    phase: str = "write"
    rows_read: int = attrs.field(default=0, validator=_non_negative)
    rows_imported: int = attrs.field(default=0, validator=_non_negative)
    rows_rejected: int = attrs.field(default=0, validator=_non_negative)
    bytes_read: int = attrs.field(default=0, validator=_non_negative)
    total_bytes: int | None = attrs.field(default=None, validator=_optional_non_negative)


@attrs.frozen(kw_only=True)
class ImportReport:
    """The outcome of :func:`import_entries`.

    Args:
        format: The file format.
        mode: The import mode.
        rows_read: Data rows read (good and bad).
        imported: Entries newly written.
        unchanged: Entries that were already stored (a re-import counts every row here).
        rejected: Bad rows (rows with an error; in all-or-nothing mode, none is written then).
        errors: The first ``max_errors`` errors, in file order.
        errors_total: How many errors there were in all (including header errors).
    """

    format: ExportFormat = attrs.field(converter=_format)
    mode: ImportMode = attrs.field(converter=_mode)
    rows_read: int = attrs.field(validator=_non_negative)
    imported: int = attrs.field(validator=_non_negative)
    unchanged: int = attrs.field(validator=_non_negative)
    rejected: int = attrs.field(validator=_non_negative)
    errors: tuple[RowError, ...] = ()
    errors_total: int = attrs.field(default=0, validator=_non_negative)

    @property
    def ok(self) -> bool:
        """Whether the file had no error at all."""
        return self.errors_total == 0

    @property
    def errors_truncated(self) -> bool:
        """Whether more errors occurred than :attr:`errors` holds."""
        return self.errors_total > len(self.errors)


def render_progress(progress: Progress, *, width: int = 24) -> str:
    """Render a progress report as one line of text (for a terminal progress bar).

    Args:
        progress: The report.
        width: Width of the bar in characters (when the total size is known).

    Returns:
        The line, such as ``importing [############------------]  50% 1,000 read, 990 imported,
        10 rejected``.

    Raises:
        BulkError: ``bulk.invalid_option`` if ``progress`` is not a :class:`Progress`
            (``$.progress``) or ``width`` is not an integer of at least 1 (``$.width``).

    Examples:
        >>> render_progress(Progress(phase="write", rows_read=1000, rows_imported=990,
        ...     rows_rejected=10, bytes_read=50, total_bytes=100), width=10)
        'importing [#####-----]  50% 1,000 read, 990 imported, 10 rejected'
        >>> render_progress(Progress(phase="validate", rows_read=7, bytes_read=9))
        'checking 7 read, 0 imported, 0 rejected'
    """
    if not isinstance(progress, Progress):
        raise BulkError.of("bulk.invalid_option", "$.progress", "a Progress")
    if isinstance(width, bool) or not isinstance(width, int) or width < 1:
        raise BulkError.of("bulk.invalid_option", "$.width", "an integer >= 1")
    verb = "checking" if progress.phase == "validate" else "importing"
    counts = (
        f"{progress.rows_read:,} read, {progress.rows_imported:,} imported, "
        f"{progress.rows_rejected:,} rejected"
    )
    if not progress.total_bytes:
        return f"{verb} {counts}"
    done = min(progress.bytes_read, progress.total_bytes)
    filled = done * width // progress.total_bytes
    percent = done * 100 // progress.total_bytes
    return f"{verb} [{'#' * filled}{'-' * (width - filled)}] {percent:3d}% {counts}"


# --------------------------------------------------------------------------------------------
# reading lines


@attrs.define
class _Meter:
    """Counts bytes and notes bytes that were not UTF-8 in the lines read since the last reset."""

    bytes_read: int = 0
    bad_bytes: bool = False
    lines_read: int = 0
    undecodable: bool = False
    """The stream raised ``UnicodeDecodeError`` after ``lines_read`` lines: the rest is unread."""


def _lines(stream: IO[str], meter: _Meter, spool: IO[str] | None) -> Iterator[str]:
    first = True
    lines = iter(stream)
    while True:
        try:
            line = next(lines)
        except StopIteration:
            return
        except UnicodeDecodeError:  # a stream opened with strict decoding; it cannot go on
            meter.undecodable = True
            return
        meter.lines_read += 1
        if spool is not None:
            spool.write(line)
        if line.isascii():
            meter.bytes_read += len(line)
        else:
            try:
                meter.bytes_read += len(line.encode("utf-8"))
            except UnicodeEncodeError:  # undecodable bytes, kept as lone surrogates
                meter.bytes_read += len(line.encode("utf-8", "surrogatepass"))
                meter.bad_bytes = True
        if first:
            first = False
            if line.startswith("\ufeff"):
                line = line[1:]
        yield line


@attrs.define
class _Bad:
    """A problem found while parsing: a bad row, or a bad header (which stops the file)."""

    error: RowError
    is_row: bool = True


_Parsed = tuple[int, "ServiceEntry | _Bad"]


def _row_error(line: int, code: str, field: str = "$", detail: str | None = None) -> _Bad:
    return _Bad(RowError.of(line, BulkError.of(code, field, detail)))


def _entry(line: int, data: Mapping[str, Any]) -> _Parsed:
    try:
        return line, structure(data, ServiceEntry)
    except VolunteerkitError as err:
        return line, _Bad(RowError.of(line, err))


def _cell(column: str, text: str, origin: str | None) -> Any:
    if column in _INT_COLUMNS and _INTEGER.fullmatch(text):
        return int(text)
    if column == "id" and origin is not None:
        return f"{origin}:{text}"
    return text


_FIELD_LIMIT: Final = 2**31 - 1
"""The ``csv`` field size limit while a record is read (the module's default, 131,072 characters,
would refuse long notes that :func:`export_entries` writes)."""


def _next_record(reader: Iterator[list[str]]) -> list[str]:
    """Read the next CSV record with the field size limit lifted, restoring the caller's limit."""
    previous = csv.field_size_limit(_FIELD_LIMIT)
    try:
        return next(reader)
    finally:
        csv.field_size_limit(previous)


def _parse_csv(
    lines: Iterator[str], meter: _Meter, origin: str | None, defaults: Mapping[str, str]
) -> Iterator[_Parsed]:
    reader = csv.reader(lines, strict=True)
    header: list[str] | None = None
    fixed: dict[str, Any] = {}
    previous_end = 0
    while True:
        meter.bad_bytes = False
        try:
            cells = _next_record(reader)
        except StopIteration:
            break
        except csv.Error:
            if meter.undecodable:
                break  # the record was cut short by the unreadable bytes, reported below
            start, previous_end = previous_end + 1, reader.line_num
            bad = _row_error(start, "bulk.csv_syntax")
            bad.is_row = header is not None
            yield start, bad
            if header is None:
                return
            continue
        start, previous_end = previous_end + 1, reader.line_num
        if not cells:
            continue  # a blank line
        if meter.bad_bytes:
            bad = _row_error(start, "bulk.encoding")
            bad.is_row = header is not None
            yield start, bad
            if header is None:
                return
            continue
        if header is None:
            problems = _check_header(cells, start, defaults)
            if problems:
                for problem in problems:
                    yield start, problem
                return
            header = cells
            fixed = {
                column: _cell(column, text, origin)
                for column, text in defaults.items()
                if column not in cells
            }
            continue
        if len(cells) != len(header):
            yield (
                start,
                _row_error(
                    start, "bulk.field_count", detail=f"{len(cells)} fields, header {len(header)}"
                ),
            )
            continue
        data = dict(fixed)
        for column, text in zip(header, cells, strict=True):
            if text == "" and column in OPTIONAL_COLUMNS:
                continue
            data[column] = _cell(column, text, origin)
        yield _entry(start, data)
    if meter.undecodable:
        yield _unreadable(previous_end + 1)
    elif header is None:
        yield 1, _Bad(RowError.of(1, BulkError.of("bulk.no_header", "$")), is_row=False)


def _unreadable(line: int) -> _Parsed:
    """The error for a stream that stopped at bytes that are not UTF-8 (from ``line`` on)."""
    detail = "the file is not read from this line on; import it from a path to find the line"
    return line, _Bad(RowError.of(line, BulkError.of("bulk.encoding", "$", detail)), is_row=False)


_COLUMN_NAME: Final = re.compile(r"[a-z][a-z0-9_]{0,63}")
"""What a header cell must look like to be named in an error path (else ``$.columns[i]``)."""


def _check_header(cells: list[str], line: int, defaults: Mapping[str, str]) -> list[_Bad]:
    problems: list[_Bad] = []
    seen: set[str] = set()
    for i, name in enumerate(cells):
        # A cell that does not look like a column name may be data (a file without a header):
        # it is reported by its position, so that no value of the file reaches the errors.
        field = f"$.{name}" if _COLUMN_NAME.fullmatch(name) else f"$.columns[{i}]"
        if name in seen:
            problems.append(_row_error(line, "bulk.duplicate_column", field))
        elif name not in COLUMNS:
            problems.append(_row_error(line, "bulk.unknown_column", field))
        seen.add(name)
    for name in COLUMNS:
        if name in REQUIRED_COLUMNS and name not in seen and name not in defaults:
            problems.append(_row_error(line, "bulk.missing_column", f"$.{name}"))
    for problem in problems:
        problem.is_row = False
    return problems


class _DuplicateKey(ValueError):
    """Raised inside the JSON decoder for an object with a key twice."""

    def __init__(self, key: str) -> None:
        super().__init__("duplicate key")
        self.key = key


def _unique_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    data = dict(pairs)
    if len(data) != len(pairs):
        seen: set[str] = set()
        for key, _value in pairs:
            if key in seen:
                raise _DuplicateKey(key)
            seen.add(key)
    return data


def _no_constant(name: str) -> Any:
    raise ValueError(name)


_DECODER: Final = json.JSONDecoder(parse_constant=_no_constant, object_pairs_hook=_unique_object)


def _load_line(line: str) -> Any:
    """Parse one JSON line like ``loads`` does, but refuse an object with a key twice.

    A duplicate key would otherwise keep its last value silently (the CSV header refuses a column
    twice, ``bulk.duplicate_column``, for the same reason).
    """
    duplicate: list[str] = []
    try:
        return _DECODER.decode(line)
    except _DuplicateKey as dup:
        duplicate.append(dup.key)
    except (ValueError, RecursionError):
        pass
    # Raised here, outside the handlers: the decoder's errors hold the line (``doc``) or the key,
    # which may be an identity number, and would stay behind ours as its ``__context__``.
    if duplicate:
        raise BulkError.of("bulk.duplicate_key", f"$.{duplicate[0]}")
    return loads(line)  # raises the library's own error (serialization.json)


def _parse_jsonl(
    lines: Iterator[str], meter: _Meter, origin: str | None, defaults: Mapping[str, str]
) -> Iterator[_Parsed]:
    fixed = {column: _cell(column, text, origin) for column, text in defaults.items()}
    number = 0
    for line in lines:
        number += 1
        if meter.bad_bytes:
            meter.bad_bytes = False
            yield number, _row_error(number, "bulk.encoding")
            continue
        if not line.strip():
            continue
        try:
            data = _load_line(line)
        except VolunteerkitError as err:
            yield number, _Bad(RowError.of(number, err))
            continue
        if not isinstance(data, dict):
            yield number, _row_error(number, "bulk.not_an_object")
            continue
        if origin is not None and isinstance(data.get("id"), str):
            data["id"] = f"{origin}:{data['id']}"
        for column, value in fixed.items():
            data.setdefault(column, value)
        yield _entry(number, data)
    if meter.undecodable:
        yield _unreadable(number + 1)


# --------------------------------------------------------------------------------------------
# import

_SINK_REFUSALS: Final = (InvalidInputError, ConflictError, IntegrityError)
"""Errors by which a sink refuses an entry (reported as row errors); anything else propagates."""

_ENTRIES_PATH: Final = re.compile(r"\$\.entries\[([0-9]+)\](.*)", re.DOTALL)


def _sink_path(error: VolunteerkitError) -> tuple[int | None, str]:
    """Split a sink's ``$.entries[i].field`` path into ``(i, "$.field")``."""
    match = _ENTRIES_PATH.fullmatch(error.path or "")
    if match is None:
        return None, error.path or "$"
    return int(match[1]), "$" + match[2]


def _refusal(line: int, error: VolunteerkitError) -> RowError:
    return RowError(
        line=line,
        field=_sink_path(error)[1],
        code=error.code,
        message=error.message,
        message_zh=error.message_zh,
    )


@attrs.define
class _Input:
    stream: IO[str]
    total_bytes: int | None
    rewind: Callable[[], IO[str]] | None


def _open_input(source: TextIO | str | os.PathLike[str], stack: ExitStack) -> _Input:
    if isinstance(source, str | os.PathLike):
        path = os.fspath(source)

        def reopen() -> IO[str]:
            return stack.enter_context(
                open(path, encoding="utf-8", errors="surrogateescape", newline="")
            )

        return _Input(stream=reopen(), total_bytes=os.path.getsize(path), rewind=reopen)
    stream: IO[str] = source
    total: int | None = None
    rewind: Callable[[], IO[str]] | None = None
    try:
        if stream.seekable():
            position = stream.tell()

            def seek_back() -> IO[str]:
                stream.seek(position)
                return stream

            rewind = seek_back
            if position == 0:
                total = os.fstat(stream.fileno()).st_size
    except (OSError, ValueError, io.UnsupportedOperation):
        total = None
    return _Input(stream=stream, total_bytes=total, rewind=rewind)


def _check_source(source: object) -> None:
    """Refuse a source that is neither a path (``str`` or path-like) nor a text stream."""
    if isinstance(source, str | os.PathLike):
        if isinstance(os.fspath(source), str):
            return
    elif (
        callable(getattr(source, "__iter__", None))
        and callable(getattr(source, "read", None))
        and not isinstance(source, io.RawIOBase | io.BufferedIOBase)
    ):
        return
    raise BulkError.of("bulk.invalid_option", "$.source", "a path or a text stream")


def _check_options(
    format: str,
    mode: str,
    actor: str,
    origin: str | None,
    defaults: Mapping[str, str],
    batch_size: int,
    max_errors: int,
) -> tuple[ExportFormat, ImportMode]:
    fmt, how = _format(format), _mode(mode)
    if not isinstance(actor, str) or not actor.strip():
        raise BulkError.of("bulk.invalid_option", "$.actor", "must not be empty")
    if origin is not None:
        try:
            EntryId(origin=origin, local_id="x")
        except VolunteerkitError:
            raise BulkError.of("bulk.invalid_option", "$.origin", "not a valid origin") from None
    for key, value in defaults.items():
        if key not in COLUMNS:
            raise BulkError.of("bulk.unknown_column", f"$.defaults.{key}")
        if not isinstance(value, str):
            raise BulkError.of("bulk.invalid_option", f"$.defaults.{key}", "expected text")
    for name, number, low in (("batch_size", batch_size, 1), ("max_errors", max_errors, 0)):
        if isinstance(number, bool) or not isinstance(number, int) or number < low:
            raise BulkError.of("bulk.invalid_option", f"$.{name}", f"an integer >= {low}")
    return fmt, how


@attrs.define
class _Tally:
    fmt: ExportFormat
    mode: ImportMode
    max_errors: int
    total_bytes: int | None
    progress: Callable[[Progress], None] | None
    rows_read: int = 0
    imported: int = 0
    unchanged: int = 0
    rejected: int = 0
    errors: list[RowError] = attrs.field(factory=list)
    errors_total: int = 0

    def bad(self, problem: _Bad) -> None:
        if problem.is_row:
            self.rows_read += 1
            self.rejected += 1
        self.error(problem.error)

    def error(self, error: RowError) -> None:
        self.errors_total += 1
        if len(self.errors) < self.max_errors:
            self.errors.append(error)

    def counted(self, result: RecordCounts) -> None:
        self.imported += result.written
        self.unchanged += result.unchanged

    def report(self, phase: str, meter: _Meter, handed: int | None = None) -> None:
        if self.progress is None:
            return
        self.progress(
            Progress(
                phase=phase,
                rows_read=self.rows_read,
                rows_imported=self.imported + self.unchanged if handed is None else handed,
                rows_rejected=self.rejected,
                bytes_read=meter.bytes_read,
                total_bytes=self.total_bytes,
            )
        )

    def result(self) -> ImportReport:
        return ImportReport(
            format=self.fmt,
            mode=self.mode,
            rows_read=self.rows_read,
            imported=self.imported,
            unchanged=self.unchanged,
            rejected=self.rejected,
            errors=tuple(self.errors),
            errors_total=self.errors_total,
        )


def import_entries(
    source: TextIO | str | os.PathLike[str],
    *,
    format: ExportFormat | str,
    sink: EntrySink,
    actor: str,
    mode: ImportMode | str = ImportMode.BEST_EFFORT,
    origin: str | None = None,
    defaults: Mapping[str, str] | None = None,
    progress: Callable[[Progress], None] | None = None,
    batch_size: int = 500,
    max_errors: int = 1000,
) -> ImportReport:
    """Import service entries from a CSV or JSON Lines file into a sink, streaming.

    See the module notes for the columns, the codes, the line numbers and the two modes.

    Args:
        source: A path (``str`` or path-like: a ``str`` is always a path, never the content), or a
            text stream (open files with ``encoding="utf-8", newline=""``).
        format: ``"csv"`` or ``"jsonl"``.
        sink: Where entries go (a :class:`~volunteerkit.hours.ledger.Ledger`, or any
            :class:`EntrySink`).
        actor: Who imports (passed to the sink for its audit log).
        mode: ``"best_effort"`` (default) or ``"all_or_nothing"``.
        origin: If given, the ``id`` of each row is a local id under this origin (the entry id is
            ``origin:<id>``); if ``None``, ids are full ``origin:local_id`` texts.
        defaults: Values (as CSV text) for columns that the file leaves out, such as
            ``{"organization_id": "org-7", "source": "organization"}``; in JSON Lines, for keys a
            line leaves out. Minutes are given as digits.
        progress: Called with a :class:`Progress` every ``batch_size`` rows and at the end.
            Whatever it raises propagates: in all-or-nothing mode the write is rolled back
            (unless it is the last call, made once every row is written), in best-effort mode
            the batches before stay written (importing the file again resumes).
        batch_size: Entries per ``record_many`` call (best effort), and rows between progress
            reports.
        max_errors: How many :class:`RowError` to keep (all are counted).

    Returns:
        The report: counts and errors.

    Raises:
        BulkError: ``bulk.invalid_option`` or ``bulk.unknown_column`` for a bad argument, with
            its path: among others a ``source`` that is neither a path nor a text stream
            (``$.source``), a ``sink`` without ``record_many`` (``$.sink``), a ``progress`` that
            is not callable (``$.progress``), ``defaults`` that are not a mapping
            (``$.defaults``). Raised before anything is read or written.
        OSError: If the file cannot be opened or read.
        VolunteerkitError: Whatever the sink raises that is not a refusal of an entry (for example
            :class:`~volunteerkit.errors.UnavailableError`).
    """
    if defaults is not None and not isinstance(defaults, Mapping):
        raise BulkError.of("bulk.invalid_option", "$.defaults", "a mapping of column to text")
    defaults = dict(defaults or {})
    fmt, how = _check_options(format, mode, actor, origin, defaults, batch_size, max_errors)
    if not callable(getattr(sink, "record_many", None)):
        raise BulkError.of("bulk.invalid_option", "$.sink", "needs a record_many method")
    if progress is not None and not callable(progress):
        raise BulkError.of("bulk.invalid_option", "$.progress", "a callable or None")
    _check_source(source)
    parse = _parse_csv if fmt is ExportFormat.CSV else _parse_jsonl
    with ExitStack() as stack:
        source_in = _open_input(source, stack)
        tally = _Tally(
            fmt=fmt,
            mode=how,
            max_errors=max_errors,
            total_bytes=source_in.total_bytes,
            progress=progress,
        )
        meter = _Meter()
        spool: IO[str] | None = None
        if how is ImportMode.ALL_OR_NOTHING and source_in.rewind is None:
            spool = stack.enter_context(
                tempfile.TemporaryFile("w+", encoding="utf-8", errors="surrogatepass", newline="")
            )
        rows = parse(_lines(source_in.stream, meter, spool), meter, origin, defaults)
        if how is ImportMode.BEST_EFFORT:
            _best_effort(rows, tally, meter, sink, actor, batch_size)
            return tally.result()
        _check_pass(rows, tally, meter, batch_size)
        if tally.errors_total or tally.rows_read == 0:
            return tally.result()

        def reread() -> tuple[Iterator[_Parsed], _Meter]:
            if spool is not None:
                spool.seek(0)
                again: IO[str] = spool
            elif source_in.rewind is not None:
                again = source_in.rewind()
            else:  # pragma: no cover - a source that cannot rewind is always spooled
                raise BulkError.of("bulk.source_changed", "$")
            meter = _Meter()
            return parse(_lines(again, meter, None), meter, origin, defaults), meter

        _write_pass(reread, tally, sink, actor, batch_size)
        return tally.result()


def _best_effort(
    rows: Iterator[_Parsed],
    tally: _Tally,
    meter: _Meter,
    sink: EntrySink,
    actor: str,
    batch_size: int,
) -> None:
    batch: list[tuple[int, ServiceEntry]] = []
    for line, item in rows:
        if isinstance(item, _Bad):
            tally.bad(item)
        else:
            tally.rows_read += 1
            batch.append((line, item))
        if _is_row(item) and tally.rows_read % batch_size == 0:
            _flush(batch, tally, sink, actor)
            batch = []
            tally.report("write", meter)
    _flush(batch, tally, sink, actor)
    tally.report("write", meter)


def _is_row(item: ServiceEntry | _Bad) -> bool:
    return not isinstance(item, _Bad) or item.is_row


def _flush(
    batch: list[tuple[int, ServiceEntry]], tally: _Tally, sink: EntrySink, actor: str
) -> None:
    if not batch:
        return
    try:
        tally.counted(sink.record_many([entry for _, entry in batch], actor=actor, atomic=True))
        return
    except _SINK_REFUSALS:
        pass  # find the refused rows one by one
    for line, entry in batch:
        try:
            tally.counted(sink.record_many([entry], actor=actor, atomic=True))
        except _SINK_REFUSALS as err:
            tally.rejected += 1
            tally.error(_refusal(line, err))


def _check_pass(rows: Iterator[_Parsed], tally: _Tally, meter: _Meter, batch_size: int) -> None:
    for _line, item in rows:
        if isinstance(item, _Bad):
            tally.bad(item)
        else:
            tally.rows_read += 1
        if _is_row(item) and tally.rows_read % batch_size == 0:
            tally.report("validate", meter)
    tally.report("validate", meter)


def _write_pass(
    reread: Callable[[], tuple[Iterator[_Parsed], _Meter]],
    tally: _Tally,
    sink: EntrySink,
    actor: str,
    batch_size: int,
) -> None:
    expected = tally.rows_read
    rows, meter = reread()
    last_line = 0
    # what the progress callback raised: it passes through the sink (which rolls back) and is
    # raised to the caller as in best-effort mode, never reported as the refusal of a row
    callback_error: list[BaseException] = []

    def entries() -> Iterator[ServiceEntry]:
        nonlocal last_line
        handed = 0
        for line, item in rows:
            last_line = line
            if isinstance(item, _Bad) or handed == expected:
                raise BulkError.of("bulk.source_changed", "$")
            handed += 1
            yield item
            if handed % batch_size == 0:
                try:
                    tally.report("write", meter, handed)
                except BaseException as err:
                    callback_error.append(err)
                    raise
        if handed != expected:
            raise BulkError.of("bulk.source_changed", "$")

    try:
        result = sink.record_many(entries(), actor=actor, atomic=True)
    except _SINK_REFUSALS as err:
        if callback_error and err is callback_error[0]:
            raise
        if err.code == "bulk.source_changed":
            tally.error(RowError.of(last_line, err))
            return
        index, _field = _sink_path(err)
        line = last_line if index is None else _line_of(reread, index, last_line)
        tally.rejected += 1
        tally.error(_refusal(line, err))
        return
    tally.counted(result)
    tally.report("write", meter)


def _line_of(
    reread: Callable[[], tuple[Iterator[_Parsed], _Meter]], index: int, fallback: int
) -> int:
    """Return the line of the ``index``-th good row (0-based) by reading the file once more."""
    rows, _meter = reread()
    seen = 0
    for line, item in rows:
        if isinstance(item, _Bad):
            continue
        if seen == index:
            return line
        seen += 1
    return fallback


# --------------------------------------------------------------------------------------------
# export


def _csv_row(e: ServiceEntry) -> list[str]:
    # The converter's text for each field (ids as origin:local_id, datetimes isoformat, zones by
    # name, enums by value), built directly: about five times faster than unstructure per row.
    return [
        str(e.id),
        e.volunteer_id,
        e.organization_id,
        "" if e.activity_id is None else e.activity_id,
        e.category,
        e.start.isoformat(),
        e.end.isoformat(),
        e.zone.key,
        str(e.break_minutes),
        str(e.travel_minutes),
        e.source.value,
        e.initial_status.value,
        e.recorded_by,
        e.recorded_at.isoformat(),
        e.note,
    ]


def export_entries(
    entries: Iterable[ServiceEntry],
    dest: TextIO | str | os.PathLike[str],
    *,
    format: ExportFormat | str = ExportFormat.CSV,
) -> int:
    r"""Write exactly the given entries as CSV or JSON Lines, streaming.

    CSV: a header of all :data:`COLUMNS`, then one row per entry, RFC 4180 quoting, ``\r\n`` line
    ends, UTF-8 without a byte-order mark; values are written unchanged (see the module notes on
    spreadsheets). JSON Lines: one object per line (sorted keys, ``\n`` line ends). Times are
    written in UTC with their offset. :func:`import_entries` reads either back to equal entries.

    Args:
        entries: The entries to write (filter them before: exactly these are written, in order).
        dest: A text stream (open files with ``encoding="utf-8", newline=""``), or a path to create
            or overwrite. A path to a regular file is written through a temporary file in the same
            folder that replaces it only once every entry is written: if writing fails (or
            ``entries`` raises), the path keeps what it had and no partial file is left. A device
            or pipe (``/dev/stdout``) is written directly.
        format: ``"csv"`` (default) or ``"jsonl"``.

    Returns:
        How many entries were written.

    Raises:
        BulkError: ``bulk.invalid_option`` for an unknown format (``$.format``), ``entries``
            that are not iterable (``$.entries``), an item that is not a
            :class:`~volunteerkit.hours.ServiceEntry` (``$.entries[i]``; a path keeps what it
            had), or a ``dest`` that is neither a path nor a text stream (``$.dest``).
        OSError: If the destination cannot be written.
    """
    fmt = _format(format)
    if not isinstance(entries, Iterable) or isinstance(entries, str | bytes):
        raise BulkError.of("bulk.invalid_option", "$.entries", "an iterable of ServiceEntry")
    if isinstance(dest, str | os.PathLike):
        if not isinstance(os.fspath(dest), str):
            raise BulkError.of("bulk.invalid_option", "$.dest", "a path or a text stream")
    elif not callable(getattr(dest, "write", None)) or isinstance(
        dest, io.RawIOBase | io.BufferedIOBase
    ):
        raise BulkError.of("bulk.invalid_option", "$.dest", "a path or a text stream")
    if isinstance(dest, str | os.PathLike):
        path = os.fspath(dest)
        if not _regular_or_absent(path):  # a device or a pipe, such as /dev/stdout
            with open(path, "w", encoding="utf-8", newline="") as stream:
                return _write_entries(entries, stream, fmt)
        folder, name = os.path.split(os.path.realpath(path))  # through a symbolic link
        partial = os.path.join(folder, f".{name}.{os.getpid()}.{os.urandom(4).hex()}.partial")
        try:
            with open(partial, "x", encoding="utf-8", newline="") as stream:
                count = _write_entries(entries, stream, fmt)
            with suppress(FileNotFoundError):  # an overwritten file keeps its permissions
                os.chmod(partial, stat.S_IMODE(os.stat(path).st_mode))
            os.replace(partial, os.path.join(folder, name))
        except BaseException:
            with suppress(FileNotFoundError):
                os.remove(partial)
            raise
        return count
    return _write_entries(entries, dest, fmt)


def _regular_or_absent(path: str) -> bool:
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except FileNotFoundError:
        return True


def _an_entry(entry: object, index: int) -> ServiceEntry:
    if not isinstance(entry, ServiceEntry):
        raise BulkError.of("bulk.invalid_option", f"$.entries[{index}]", "not a ServiceEntry")
    return entry


def _write_entries(entries: Iterable[ServiceEntry], stream: IO[str], fmt: ExportFormat) -> int:
    count = 0
    if fmt is ExportFormat.CSV:
        writer = csv.writer(stream, lineterminator="\r\n")
        writer.writerow(COLUMNS)
        for entry in entries:
            writer.writerow(_csv_row(_an_entry(entry, count)))
            count += 1
    else:
        for entry in entries:
            stream.write(dumps(unstructure(_an_entry(entry, count))) + "\n")
            count += 1
    stream.flush()
    return count
