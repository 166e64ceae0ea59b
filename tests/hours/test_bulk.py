"""Bulk import and export of service entries: CSV and JSON Lines, streaming, bad rows, modes."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import tracemalloc
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from volunteerkit import FixedClock, structure, to_json, unstructure
from volunteerkit.hours import EntryId, LedgerConflict, ServiceEntry, Source
from volunteerkit.hours.bulk import (
    COLUMNS,
    BulkError,
    ImportReport,
    Progress,
    export_entries,
    import_entries,
    render_progress,
)
from volunteerkit.hours.ledger import Ledger
from volunteerkit.stores import MemoryStore, SQLiteStore
from volunteerkit.testing.strategies_certificates import import_reports, progresses, row_errors

from .strategies import service_entries

CST = timezone(timedelta(hours=8))
SHANGHAI = ZoneInfo("Asia/Shanghai")


# --------------------------------------------------------------------------------------------
# real sinks: a dict keyed by id, and an SQLite table


@attrs.frozen
class Counts:
    written: int
    unchanged: int


class DictSink:
    """Stores entries in a dict by id: idempotent, refuses a different entry under a stored id."""

    def __init__(self) -> None:
        self.entries: dict[EntryId, ServiceEntry] = {}
        self.calls = 0

    def record_many(
        self, entries: Iterable[ServiceEntry], *, actor: str, atomic: bool = True
    ) -> Counts:
        assert actor
        self.calls += 1
        staged = dict(self.entries) if atomic else self.entries
        written = unchanged = 0
        for entry in entries:
            stored = staged.get(entry.id)
            if stored is None:
                staged[entry.id] = entry
                written += 1
            elif stored == entry:
                unchanged += 1
            else:
                raise LedgerConflict.of("hours.entry_conflict", "$.id")
        self.entries = staged
        return Counts(written, unchanged)


class SQLiteSink:
    """Stores entries as JSON in an SQLite table; atomic calls run in one transaction."""

    def __init__(self, path: Path) -> None:
        self.db = sqlite3.connect(path, isolation_level=None)
        self.db.execute("CREATE TABLE entries (id TEXT PRIMARY KEY, body TEXT NOT NULL)")

    def record_many(
        self, entries: Iterable[ServiceEntry], *, actor: str, atomic: bool = True
    ) -> Counts:
        written = unchanged = 0
        self.db.execute("BEGIN")
        try:
            for entry in entries:
                body = to_json(entry)
                cursor = self.db.execute(
                    "INSERT INTO entries VALUES (?, ?) ON CONFLICT DO NOTHING",
                    (str(entry.id), body),
                )
                if cursor.rowcount:
                    written += 1
                    continue
                (stored,) = self.db.execute(
                    "SELECT body FROM entries WHERE id = ?", (str(entry.id),)
                ).fetchone()
                if stored != body:
                    raise LedgerConflict.of("hours.entry_conflict", "$.id")
                unchanged += 1
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")
        return Counts(written, unchanged)

    def count(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM entries").fetchone()[0])


# --------------------------------------------------------------------------------------------
# helpers

HEADER = ",".join(COLUMNS)
GOOD = {
    "id": "bj:1",
    "volunteer_id": "v1",
    "organization_id": "org-a",
    "activity_id": "",
    "category": "community",
    "start": "2026-03-01T09:00:00+08:00",
    "end": "2026-03-01T11:05:00+08:00",
    "zone": "Asia/Shanghai",
    "break_minutes": "0",
    "travel_minutes": "0",
    "source": "organization",
    "initial_status": "pending",
    "recorded_by": "clerk",
    "recorded_at": "2026-03-02T10:00:00+08:00",
    "note": "",
}


def row(**changes: str) -> str:
    cells = GOOD | changes
    return ",".join(cells[c] for c in COLUMNS)


def entry(local_id: str, **changes: Any) -> ServiceEntry:
    fields: dict[str, Any] = {
        "id": EntryId(origin="bj", local_id=local_id),
        "volunteer_id": "v1",
        "organization_id": "org-a",
        "category": "community",
        "start": datetime(2026, 3, 1, 9, tzinfo=CST),
        "end": datetime(2026, 3, 1, 11, 5, tzinfo=CST),
        "zone": SHANGHAI,
        "source": Source.ORGANIZATION,
        "recorded_by": "clerk",
        "recorded_at": datetime(2026, 3, 2, 10, tzinfo=CST),
    }
    return ServiceEntry(**(fields | changes))


def csv_text(*rows: str) -> str:
    return "\r\n".join([HEADER, *rows]) + "\r\n"


def run(text: str, sink: Any = None, **kwargs: Any) -> ImportReport:
    kwargs.setdefault("format", "csv")
    return import_entries(
        io.StringIO(text, newline=""), sink=sink or DictSink(), actor="importer", **kwargs
    )


def where(report: ImportReport) -> list[tuple[int, str, str]]:
    return [(e.line, e.field, e.code) for e in report.errors]


# --------------------------------------------------------------------------------------------
# bad rows, every kind


def test_every_kind_of_bad_csv_row_is_reported_with_line_field_and_code() -> None:
    """Each bad row is reported at its physical line with the field path and the library code."""
    text = csv_text(
        row(id="bj:1"),  # line 2, good
        row(id="bj:2", start="2026-03-01T09:00:00"),  # 3 naive
        row(id="bj:3", end="2026-03-01T08:00:00+08:00"),  # 4
        row(id="bj:4", zone="Mars/Olympus"),  # 5
        row(id="nocolon"),  # 6
        row(id="bj:6", break_minutes="abc"),  # 7
        row(id="bj:7", break_minutes="-5"),  # 8
        row(id="bj:8", source="fax"),  # 9
        row(id="bj:9", note='"two\r\nlines"'),  # 10-11, good
        "bj:10,v1,org-a",  # 12
        row(id="bj:11", volunteer_id=""),  # 13
        row(id="bj:12", initial_status="voided"),  # 14
        row(id="bj:13", break_minutes="125"),  # 15
        row(id="bj:14", note='"bad"quote'),  # 16
        row(id="bj:15", recorded_at="yesterday"),  # 17
        "",  # 18, blank: skipped
        row(id="bj:16", start="2026-03-01T09:00:30+08:00", end="2026-03-01T09:00:59+08:00"),
        row(id="bj:17", travel_minutes="1.5"),  # 20
        row(id="bj:18", activity_id=" "),  # 21
        row(id="bj:19"),  # 22, good
    )
    sink = DictSink()
    report = run(text, sink)
    assert where(report) == [
        (3, "$.start", "time.naive_datetime"),
        (4, "$.end", "hours.end_before_start"),
        (5, "$.zone", "serialization.zone"),
        (6, "$.id", "hours.invalid_id"),
        (7, "$.break_minutes", "serialization.int"),
        (8, "$.break_minutes", "hours.negative_minutes"),
        (9, "$.source", "serialization.value"),
        (12, "$", "bulk.field_count"),
        (13, "$.volunteer_id", "hours.empty_field"),
        (14, "$.initial_status", "hours.initial_status"),
        (15, "$.break_minutes", "hours.break_too_long"),
        (16, "$", "bulk.csv_syntax"),
        (17, "$.recorded_at", "serialization.datetime"),
        (19, "$.end", "hours.too_short"),
        (20, "$.travel_minutes", "serialization.int"),
        (21, "$.activity_id", "hours.empty_field"),
    ]
    assert (report.rows_read, report.imported, report.unchanged, report.rejected) == (19, 3, 0, 16)
    assert sorted(str(i) for i in sink.entries) == ["bj:1", "bj:19", "bj:9"]
    assert sink.entries[EntryId(origin="bj", local_id="9")].note == "two\r\nlines"
    first = report.errors[0]
    assert first.message == "datetime must be timezone-aware (naive datetimes are refused)"
    assert first.message_zh == "日期时间必须带时区(不接受无时区的日期时间)"
    assert report.errors[7].message == (
        "the row does not have as many fields as the header (3 fields, header 15)"
    )
    assert not report.ok


def test_header_problems_stop_the_import_before_any_row() -> None:
    """Unknown, duplicate and missing columns are all reported at the header line; nothing is read."""
    header = HEADER.replace("zone", "colour") + ",note"
    sink = DictSink()
    report = run(f"{header}\r\n{row()}\r\n", sink)
    assert where(report) == [
        (1, "$.colour", "bulk.unknown_column"),
        (1, "$.note", "bulk.duplicate_column"),
        (1, "$.zone", "bulk.missing_column"),
    ]
    assert (report.rows_read, report.rejected, report.errors_total) == (0, 0, 3)
    assert sink.entries == {}
    assert sink.calls == 0


def test_a_file_without_header_does_not_echo_its_first_row_in_the_errors() -> None:
    """A header cell that is not a column name is reported by its index, not by its text.

    A file without a header row (or any file uploaded by mistake) has data in its first line,
    possibly personal data: the unknown-column errors used to carry each value as their path
    (``$.110105194912310037``, ``$.张三``).
    """
    personal = "110105194912310037,张三,E12345678"
    report = run(f"{personal},id,note\r\n{personal},x,y\r\n")
    assert [(e.line, e.field, e.code) for e in report.errors[:4]] == [
        (1, "$.columns[0]", "bulk.unknown_column"),
        (1, "$.columns[1]", "bulk.unknown_column"),
        (1, "$.columns[2]", "bulk.unknown_column"),
        (1, "$.volunteer_id", "bulk.missing_column"),
    ]
    text = " ".join(f"{e.field} {e.message} {e.message_zh} {e}" for e in report.errors)
    for value in personal.split(","):
        assert value not in text
    dup = run("Id,Id,id\r\n")
    assert [(e.field, e.code) for e in dup.errors[:2]] == [
        ("$.columns[0]", "bulk.unknown_column"),
        ("$.columns[1]", "bulk.duplicate_column"),
    ]


def test_unterminated_quote_at_the_end_is_reported_at_its_first_line() -> None:
    """A quote opened on one line and never closed is bulk.csv_syntax at the line it opened on."""
    text = csv_text(row(id="bj:1"), row(id="bj:2", note='"never closed'), row(id="bj:3"))
    sink = DictSink()
    report = run(text, sink)
    assert where(report) == [(3, "$", "bulk.csv_syntax")]
    assert list(sink.entries) == [EntryId(origin="bj", local_id="1")]


def test_empty_csv_has_no_header() -> None:
    """A CSV file with nothing in it (or only blank lines) is reported as bulk.no_header."""
    assert where(run("")) == [(1, "$", "bulk.no_header")]
    assert where(run("\r\n\r\n")) == [(1, "$", "bulk.no_header")]


def test_optional_columns_may_be_absent_and_defaults_fill_required_ones() -> None:
    """A file with only some columns imports with the model defaults and the given defaults."""
    columns = ["id", "volunteer_id", "category", "start", "end", "recorded_at"]
    text = ",".join(columns) + "\n" + ",".join(GOOD[c] for c in columns) + "\n"
    sink = DictSink()
    report = run(
        text,
        sink,
        defaults={
            "organization_id": "org-a",
            "zone": "Asia/Shanghai",
            "source": "organization",
            "recorded_by": "clerk",
            "break_minutes": "0",
        },
    )
    assert report.ok
    assert list(sink.entries.values()) == [entry("1")]


def test_origin_turns_local_ids_into_global_ids() -> None:
    """With origin=, the id column holds local ids under that origin (CSV and JSON Lines)."""
    sink = DictSink()
    assert run(csv_text(row(id="1"), row(id="a:b")), sink, origin="bj").ok
    assert sorted(str(i) for i in sink.entries) == ["bj:1", "bj:a:b"]
    line = to_json(entry("7")).replace('"bj:7"', '"7"')
    other = DictSink()
    assert run(line + "\n", other, format="jsonl", origin="bj").ok
    assert list(other.entries) == [EntryId(origin="bj", local_id="7")]


def test_bom_is_tolerated_and_crlf_lines_are_counted() -> None:
    """A UTF-8 byte-order mark before the header is skipped; CRLF line ends count one line each."""
    report = run("\ufeff" + csv_text(row(), row(id="bj:2", zone="Nowhere/Land")))
    assert report.imported == 1
    assert where(report) == [(3, "$.zone", "serialization.zone")]


def test_bytes_that_are_not_utf8_are_reported_at_their_line(tmp_path: Path) -> None:
    """From a path, a row with invalid UTF-8 is bulk.encoding at its line; the other rows import."""
    path = tmp_path / "latin1.csv"
    path.write_bytes(
        csv_text(row(id="bj:1"), row(id="bj:2", note="caf\x00"), row(id="bj:3"))
        .encode()
        .replace(b"caf\x00", b"caf\xe9")
    )
    sink = DictSink()
    report = import_entries(path, format="csv", sink=sink, actor="importer")
    assert where(report) == [(3, "$", "bulk.encoding")]
    assert sorted(str(i) for i in sink.entries) == ["bj:1", "bj:3"]
    jsonl = tmp_path / "latin1.jsonl"
    jsonl.write_bytes(b'{"x": "\xe9"}\n' + to_json(entry("5")).encode() + b"\n")
    report = import_entries(jsonl, format="jsonl", sink=DictSink(), actor="importer")
    assert where(report) == [(1, "$", "bulk.encoding")]
    assert report.imported == 1


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
@pytest.mark.parametrize("mode", ["best_effort", "all_or_nothing"])
def test_a_strict_utf8_stream_with_bad_bytes_is_reported_not_raised(
    tmp_path: Path, fmt: str, mode: str
) -> None:
    """A stream opened with strict UTF-8 that hits bad bytes ends the import with bulk.encoding.

    The report names the first line the stream could not deliver; in best effort the rows read
    before it are imported, in all or nothing none is. No UnicodeDecodeError escapes.
    """
    count = 400  # far more than one decoding chunk, so some rows come before the failure
    if fmt == "csv":
        lines = [HEADER] + [row(id=f"bj:{i}") for i in range(count)]
    else:
        lines = [to_json(entry(str(i))) for i in range(count)]
    data = ("\r\n".join(lines) + "\r\n").encode() + b"bj:bad,caf\xe9\r\n"
    path = tmp_path / f"mixed.{fmt}"
    path.write_bytes(data)
    sink = DictSink()
    with open(path, encoding="utf-8", newline="") as stream:
        report = import_entries(stream, format=fmt, sink=sink, actor="importer", mode=mode)
    header_lines = 1 if fmt == "csv" else 0
    assert 0 < report.rows_read < count
    assert where(report) == [(header_lines + report.rows_read + 1, "$", "bulk.encoding")]
    assert report.rejected == 0
    written = [str(i) for i in sink.entries]
    assert written == (
        [] if mode == "all_or_nothing" else [f"bj:{i}" for i in range(report.rows_read)]
    )

    small = tmp_path / f"small.{fmt}"
    small.write_bytes(
        data[-2000:].split(b"\n", 1)[1] if fmt == "jsonl" else data[:600] + data[-20:]
    )
    with open(small, encoding="utf-8", newline="") as stream:
        report = import_entries(stream, format=fmt, sink=DictSink(), actor="importer", mode=mode)
    assert (report.rows_read, where(report)) == (0, [(1, "$", "bulk.encoding")])


def test_every_kind_of_bad_json_line_is_reported() -> None:
    """Bad JSON, non-objects, unknown and missing keys and bad values, each at its line."""
    good = unstructure(entry("1"))
    lines = [
        json.dumps(good),  # 1
        "{not json",  # 2
        "[1, 2]",  # 3
        "",  # 4 blank: skipped
        json.dumps(good | {"id": "bj:5", "colour": "red"}),  # 5
        json.dumps({k: v for k, v in good.items() if k != "start"} | {"id": "bj:6"}),  # 6
        json.dumps(good | {"id": "bj:7", "break_minutes": "30"}),  # 7
        json.dumps(good | {"id": "bj:8", "end": "2026-03-01T09:00:00"}),  # 8
        json.dumps(good | {"id": "bj:9", "activity_id": None, "note": "ok"}),  # 9, good
        "   ",  # 10 blank
        json.dumps(good | {"id": "bj:11", "start": 20260301}),  # 11
    ]
    sink = DictSink()
    report = run("\n".join(lines) + "\n", sink, format="jsonl")
    assert where(report) == [
        (2, "$", "serialization.json"),
        (3, "$", "bulk.not_an_object"),
        (5, "$.colour", "serialization.unknown_field"),
        (6, "$.start", "serialization.missing"),
        (7, "$.break_minutes", "serialization.int"),
        (8, "$.end", "time.naive_datetime"),
        (11, "$.start", "serialization.datetime"),
    ]
    assert (report.rows_read, report.imported, report.rejected) == (9, 2, 7)
    assert sorted(str(i) for i in sink.entries) == ["bj:1", "bj:9"]


def test_a_json_line_with_a_key_twice_is_refused_not_resolved_silently() -> None:
    """A line giving ``id`` or ``volunteer_id`` twice is bulk.duplicate_key at that key."""
    good = json.dumps(unstructure(entry("1")))
    lines = [
        '{"id": "bj:2", ' + good[1:],  # 1: the last "id" (bj:1) would win
        good[:-1] + ', "volunteer_id": "v9"}',  # 2: the last "volunteer_id" would win
        good,  # 3
        good[:-1] + ', "note": NaN}',  # 4: still bad JSON
    ]
    sink = DictSink()
    report = run("\n".join(lines) + "\n", sink, format="jsonl")
    assert where(report) == [
        (1, "$.id", "bulk.duplicate_key"),
        (2, "$.volunteer_id", "bulk.duplicate_key"),
        (4, "$", "serialization.json"),
    ]
    assert (report.errors[0].message, report.errors[0].message_zh) == (
        "the key appears more than once",
        "该键出现了不止一次",
    )
    assert list(sink.entries.values()) == [entry("1")]


def test_a_json_line_nested_too_deeply_is_a_bad_row_not_a_recursion_error() -> None:
    """A line nesting arrays or objects 100,000 deep is serialization.json at its line."""
    good = json.dumps(unstructure(entry("1")))
    lines = [good, "[" * 100_000 + "]" * 100_000, '{"a":' * 100_000 + "1" + "}" * 100_000]
    sink = DictSink()
    report = run("\n".join(lines) + "\n", sink, format="jsonl")
    assert where(report) == [(2, "$", "serialization.json"), (3, "$", "serialization.json")]
    assert (report.rows_read, report.imported, report.rejected) == (3, 1, 2)


def test_error_list_is_capped_but_every_error_is_counted() -> None:
    """With max_errors=2, two errors are kept, all five are counted, and the cap is visible."""
    bad = [row(id=f"bj:{i}", zone="X/Y") for i in range(5)]
    report = run(csv_text(*bad, row(id="bj:ok")), max_errors=2)
    assert where(report) == [
        (2, "$.zone", "serialization.zone"),
        (3, "$.zone", "serialization.zone"),
    ]
    assert (report.errors_total, report.rejected, report.imported) == (5, 5, 1)
    assert report.errors_truncated


@pytest.mark.parametrize(
    ("kwargs", "code", "path"),
    [
        ({"format": "xml"}, "bulk.invalid_option", "$.format"),
        ({"mode": "sometimes"}, "bulk.invalid_option", "$.mode"),
        ({"batch_size": 0}, "bulk.invalid_option", "$.batch_size"),
        ({"max_errors": -1}, "bulk.invalid_option", "$.max_errors"),
        ({"origin": "has:colon"}, "bulk.invalid_option", "$.origin"),
        ({"defaults": {"colour": "red"}}, "bulk.unknown_column", "$.defaults.colour"),
        ({"defaults": {"break_minutes": 5}}, "bulk.invalid_option", "$.defaults.break_minutes"),
        ({"actor": " "}, "bulk.invalid_option", "$.actor"),
    ],
)
def test_bad_options_raise(kwargs: dict[str, Any], code: str, path: str) -> None:
    """A bad argument is a caller's error: it raises BulkError with its code before reading."""
    args: dict[str, Any] = {"format": "csv", "sink": DictSink(), "actor": "importer"} | kwargs
    with pytest.raises(BulkError) as info:
        import_entries(io.StringIO(csv_text(row())), **args)
    assert (info.value.code, info.value.path) == (code, path)


@pytest.mark.parametrize(
    ("kwargs", "path"),
    [
        ({"sink": None}, "$.sink"),
        ({"sink": object()}, "$.sink"),
        ({"progress": 5}, "$.progress"),
        ({"defaults": "zone"}, "$.defaults"),
        ({"defaults": [("zone", "Asia/Shanghai")]}, "$.defaults"),
    ],
)
def test_options_of_the_wrong_type_raise_before_anything_is_written(
    kwargs: dict[str, Any], path: str
) -> None:
    """Options of the wrong type raise bulk.invalid_option with their path, writing nothing.

    A sink without record_many, a progress that is not callable, defaults that are not a mapping
    raised AttributeError or TypeError (a bad progress only after the first batch was written).
    """
    sink = DictSink()
    args: dict[str, Any] = {"format": "csv", "sink": sink, "actor": "importer"} | kwargs
    with pytest.raises(BulkError) as info:
        import_entries(io.StringIO(csv_text(row())), **args)
    assert (info.value.code, info.value.path) == ("bulk.invalid_option", path)
    assert sink.entries == {}


@pytest.mark.parametrize(
    "source", [5, None, b"entries.csv", io.BytesIO(b"id\r\n")], ids=["int", "none", "bytes", "bytesio"]
)
def test_a_source_that_is_neither_a_path_nor_a_text_stream_is_refused(source: Any) -> None:
    """bulk.invalid_option at $.source, not AttributeError or TypeError from deep inside."""
    with pytest.raises(BulkError) as info:
        import_entries(source, format="csv", sink=DictSink(), actor="importer")
    assert (info.value.code, info.value.path) == ("bulk.invalid_option", "$.source")


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_export_refuses_what_is_not_an_entry(fmt: str) -> None:
    """An item that is not a ServiceEntry is refused at its index, not written.

    JSON Lines used to write ``1`` and ``2`` as lines and report 2 entries written. ``entries``
    that is not iterable and a destination that is neither a text stream nor a path are refused
    too.
    """
    buffer = io.StringIO()
    with pytest.raises(BulkError) as info:
        export_entries([entry("1"), 2], buffer, format=fmt)  # type: ignore[list-item]
    assert (info.value.code, info.value.path) == ("bulk.invalid_option", "$.entries[1]")
    with pytest.raises(BulkError) as info:
        export_entries(None, io.StringIO(), format=fmt)  # type: ignore[arg-type]
    assert (info.value.code, info.value.path) == ("bulk.invalid_option", "$.entries")
    for dest in (5, io.BytesIO()):
        with pytest.raises(BulkError) as info:
            export_entries([entry("1")], dest, format=fmt)  # type: ignore[arg-type]
        assert (info.value.code, info.value.path) == ("bulk.invalid_option", "$.dest")


def test_export_to_a_path_of_something_that_is_not_an_entry_leaves_no_file(
    tmp_path: Path,
) -> None:
    """The refusal happens before the path is replaced: the old file stays, no partial file."""
    path = tmp_path / "out.jsonl"
    path.write_text("old\n", encoding="utf-8")
    with pytest.raises(BulkError) as info:
        export_entries([entry("1"), "2"], path, format="jsonl")  # type: ignore[list-item]
    assert (info.value.code, info.value.path) == ("bulk.invalid_option", "$.entries[1]")
    assert path.read_text(encoding="utf-8") == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.jsonl"]


# --------------------------------------------------------------------------------------------
# idempotence, modes and the sink's refusals


def test_reimporting_the_same_file_changes_nothing(tmp_path: Path) -> None:
    """A second import of the same file writes nothing and counts every row as unchanged."""
    path = tmp_path / "entries.csv"
    export_entries([entry(str(i)) for i in range(7)], path)
    sink = SQLiteSink(tmp_path / "sink.db")
    first = import_entries(path, format="csv", sink=sink, actor="importer", batch_size=3)
    assert (first.imported, first.unchanged) == (7, 0)
    rows_before = sink.db.execute("SELECT id, body FROM entries ORDER BY id").fetchall()
    for mode in ("best_effort", "all_or_nothing"):
        again = import_entries(path, format="csv", sink=sink, actor="importer", mode=mode)
        assert (again.rows_read, again.imported, again.unchanged, again.rejected) == (7, 0, 7, 0)
    assert sink.db.execute("SELECT id, body FROM entries ORDER BY id").fetchall() == rows_before


def test_all_or_nothing_writes_nothing_when_one_row_is_bad() -> None:
    """One bad row among good ones: nothing is written, the bad row is reported, sink untouched."""
    text = csv_text(row(id="bj:1"), row(id="bj:2"), row(id="bj:3", zone="X/Y"), row(id="bj:4"))
    sink = DictSink()
    report = run(text, sink, mode="all_or_nothing")
    assert where(report) == [(4, "$.zone", "serialization.zone")]
    assert (report.rows_read, report.imported, report.unchanged, report.rejected) == (4, 0, 0, 1)
    assert sink.entries == {}
    assert sink.calls == 0


def test_all_or_nothing_writes_everything_in_one_atomic_call() -> None:
    """A clean file is written by one record_many call that streams every entry."""
    sink = DictSink()
    report = run(csv_text(*[row(id=f"bj:{i}") for i in range(5)]), sink, mode="all_or_nothing")
    assert (report.imported, report.unchanged, report.errors_total) == (5, 0, 0)
    assert sink.calls == 1
    assert len(sink.entries) == 5


def test_all_or_nothing_rolls_back_when_the_sink_refuses_a_row() -> None:
    """A row that conflicts with a stored entry aborts the whole write; reported at its line."""
    sink = DictSink()
    stored = entry("3", note="already here")
    sink.record_many([stored], actor="earlier")
    report = run(csv_text(*[row(id=f"bj:{i}") for i in range(1, 6)]), sink, mode="all_or_nothing")
    assert where(report) == [(4, "$.id", "hours.entry_conflict")]
    assert (report.imported, report.rejected) == (0, 1)
    assert sink.entries == {stored.id: stored}


def test_best_effort_reports_the_refused_rows_and_writes_the_rest() -> None:
    """A conflicting row (stored, or twice in the file) is refused alone; its batch still lands."""
    sink = DictSink()
    stored = entry("3", note="already here")
    sink.record_many([stored], actor="earlier")
    rows = [row(id=f"bj:{i}") for i in range(1, 6)] + [row(id="bj:1", note="changed")]
    report = run(csv_text(*rows), sink, batch_size=4)
    assert where(report) == [
        (4, "$.id", "hours.entry_conflict"),
        (7, "$.id", "hours.entry_conflict"),
    ]
    assert (report.rows_read, report.imported, report.unchanged, report.rejected) == (6, 4, 0, 2)
    assert sorted(str(i) for i in sink.entries) == ["bj:1", "bj:2", "bj:3", "bj:4", "bj:5"]
    assert sink.entries[stored.id] == stored


def test_all_or_nothing_from_a_stream_that_cannot_seek() -> None:
    """A pipe-like stream is spooled during the check pass and written from the spool."""

    class Pipe(io.StringIO):
        def seekable(self) -> bool:
            return False

    sink = DictSink()
    report = import_entries(
        Pipe(csv_text(row(id="bj:1"), row(id="bj:2")), newline=""),
        format="csv",
        sink=sink,
        actor="importer",
        mode="all_or_nothing",
    )
    assert (report.imported, report.errors_total) == (2, 0)
    assert sorted(str(i) for i in sink.entries) == ["bj:1", "bj:2"]


def test_all_or_nothing_notices_a_file_that_changed_after_the_check(tmp_path: Path) -> None:
    """A row appended between the check and the write aborts the write (bulk.source_changed)."""
    path = tmp_path / "growing.csv"
    path.write_text(csv_text(row(id="bj:1"), row(id="bj:2"), row(id="bj:3")), newline="")

    def grow(p: Progress) -> None:
        if p.phase == "validate" and p.rows_read == 3:
            with path.open("a", newline="") as f:
                f.write(row(id="bj:4") + "\r\n")

    sink = DictSink()
    report = import_entries(
        path, format="csv", sink=sink, actor="importer", mode="all_or_nothing", progress=grow
    )
    assert where(report) == [(5, "$", "bulk.source_changed")]
    assert (report.imported, report.rejected) == (0, 0)
    assert sink.entries == {}


# --------------------------------------------------------------------------------------------
# progress


def test_progress_is_reported_every_batch_with_exact_counts(tmp_path: Path) -> None:
    """Progress comes after every batch_size rows and at the end, with bytes read and total."""
    lines = [
        HEADER,
        row(id="bj:1"),
        row(id="bj:2", zone="X/Y"),
        row(id="bj:3"),
        row(id="bj:4"),
        row(id="bj:5"),
    ]
    path = tmp_path / "p.csv"
    path.write_text("\r\n".join(lines) + "\r\n", newline="")
    size = path.stat().st_size
    seen: list[Progress] = []
    import_entries(
        path, format="csv", sink=DictSink(), actor="importer", batch_size=2, progress=seen.append
    )

    def upto(n: int) -> int:  # bytes of the first n lines
        return sum(len(line) + 2 for line in lines[:n])

    assert seen == [
        Progress(
            phase="write",
            rows_read=2,
            rows_imported=1,
            rows_rejected=1,
            bytes_read=upto(3),
            total_bytes=size,
        ),
        Progress(
            phase="write",
            rows_read=4,
            rows_imported=3,
            rows_rejected=1,
            bytes_read=upto(5),
            total_bytes=size,
        ),
        Progress(
            phase="write",
            rows_read=5,
            rows_imported=4,
            rows_rejected=1,
            bytes_read=size,
            total_bytes=size,
        ),
    ]
    seen.clear()
    import_entries(
        path,
        format="csv",
        sink=DictSink(),
        actor="importer",
        batch_size=4,
        progress=seen.append,
        mode="all_or_nothing",
    )
    assert [(p.phase, p.rows_read, p.rows_imported, p.rows_rejected) for p in seen] == [
        ("validate", 4, 0, 1),
        ("validate", 5, 0, 1),
    ]


def test_progress_of_a_stream_has_no_total() -> None:
    """A text stream that is not a file has no known size: total_bytes is None."""
    seen: list[Progress] = []
    run(csv_text(row()), progress=seen.append)
    assert seen == [
        Progress(
            phase="write",
            rows_read=1,
            rows_imported=1,
            bytes_read=len(csv_text(row())),
            total_bytes=None,
        )
    ]


def test_render_progress_lines() -> None:
    """The text progress bar shows phase, percent of bytes and the counts."""
    assert (
        render_progress(
            Progress(
                rows_read=1234, rows_imported=1200, rows_rejected=34, bytes_read=1, total_bytes=4
            )
        )
        == "importing [######------------------]  25% 1,234 read, 1,200 imported, 34 rejected"
    )
    assert render_progress(Progress(phase="validate", bytes_read=10, total_bytes=10), width=4) == (
        "checking [####] 100% 0 read, 0 imported, 0 rejected"
    )
    assert render_progress(Progress(rows_read=3)) == "importing 3 read, 0 imported, 0 rejected"


# --------------------------------------------------------------------------------------------
# export


@pytest.mark.parametrize(
    ("args", "path"),
    [
        ((5,), "$.progress"),
        ((None,), "$.progress"),
        ((Progress(bytes_read=5, total_bytes=10), 0), "$.width"),
        ((Progress(bytes_read=5, total_bytes=10), -3), "$.width"),
        ((Progress(bytes_read=5, total_bytes=10), "10"), "$.width"),
        ((Progress(bytes_read=5, total_bytes=10), True), "$.width"),
    ],
)
def test_render_progress_refuses_arguments_of_the_wrong_type(
    args: tuple[Any, ...], path: str
) -> None:
    """Not a Progress, or a width that is not a positive integer: bulk.invalid_option.

    These raised AttributeError or TypeError, and a negative width drew a bar of nonsense.
    """
    progress, *rest = args
    with pytest.raises(BulkError) as info:
        render_progress(progress, **({"width": rest[0]} if rest else {}))
    assert (info.value.code, info.value.path) == ("bulk.invalid_option", path)


def test_export_csv_exactly() -> None:
    """Export writes a header and one row per entry, times in UTC, RFC 4180 quoting, CRLF."""
    out = io.StringIO(newline="")
    one = entry("1", activity_id="act-9", break_minutes=5, travel_minutes=30, note='say "hi", ok')
    assert export_entries([one], out) == 1
    assert out.getvalue() == (
        HEADER + "\r\n"
        "bj:1,v1,org-a,act-9,community,2026-03-01T01:00:00+00:00,2026-03-01T03:05:00+00:00,"
        'Asia/Shanghai,5,30,organization,pending,clerk,2026-03-02T02:00:00+00:00,"say ""hi"", ok"\r\n'
    )


def test_csv_columns_are_the_entry_fields() -> None:
    """The CSV columns are exactly the fields of ServiceEntry, so no field is lost on export."""
    assert sorted(COLUMNS) == sorted(a.name for a in attrs.fields(ServiceEntry))
    assert len(COLUMNS) == len(set(COLUMNS)) == 15


def test_export_jsonl_exactly() -> None:
    """JSON Lines export writes the converter's form with sorted keys, one entry a line."""
    out = io.StringIO()
    assert export_entries([entry("1"), entry("2")], out, format="jsonl") == 2
    first, second = out.getvalue().splitlines()
    assert first == (
        '{"activity_id":null,"break_minutes":0,"category":"community","end":"2026-03-01T03:05:00+00:00",'
        '"id":"bj:1","initial_status":"pending","note":"","organization_id":"org-a",'
        '"recorded_at":"2026-03-02T02:00:00+00:00","recorded_by":"clerk","source":"organization",'
        '"start":"2026-03-01T01:00:00+00:00","travel_minutes":0,"volunteer_id":"v1",'
        '"zone":"Asia/Shanghai"}'
    )
    assert json.loads(second)["id"] == "bj:2"


def test_export_writes_exactly_what_the_filter_selects() -> None:
    """Only the entries given are written, in order: the filter is the caller's, not ignored."""
    everyone = [entry(str(i), volunteer_id=f"v{i % 3}") for i in range(9)]
    chosen = [e for e in everyone if e.volunteer_id == "v1"]
    out = io.StringIO(newline="")
    assert export_entries((e for e in everyone if e.volunteer_id == "v1"), out) == 3
    sink = DictSink()
    assert run(out.getvalue(), sink).imported == 3
    assert list(sink.entries.values()) == chosen


def test_values_that_spreadsheets_treat_as_formulas_are_kept_as_they_are() -> None:
    """Values starting with = + - @ are written unchanged (no quote prefix) and read back equal."""
    risky = entry(
        "1",
        volunteer_id="-1",
        category="+category",
        recorded_by="@clerk",
        note='=HYPERLINK("http://example.invalid","x")',
    )
    out = io.StringIO(newline="")
    export_entries([risky], out)
    text = out.getvalue()
    assert ",-1,org-a," in text
    assert ",+category," in text
    assert ",@clerk," in text
    assert '"=HYPERLINK(""http://example.invalid"",""x"")"' in text
    sink = DictSink()
    run(text, sink)
    assert list(sink.entries.values()) == [risky]


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_an_export_to_a_path_that_fails_midway_leaves_the_old_file(
    tmp_path: Path, fmt: str
) -> None:
    """If the entries fail midway, the path keeps its old content and no partial file is left.

    A successful export replaces the file (through a symbolic link, keeping the link and the
    file's permissions).
    """
    path = tmp_path / f"hours.{fmt}"
    path.write_text("last week's export\n", encoding="utf-8")
    path.chmod(0o640)

    def failing() -> Iterator[ServiceEntry]:
        yield entry("1")
        yield entry("2")
        raise OSError("the store went away")

    with pytest.raises(OSError, match="the store went away"):
        export_entries(failing(), path, format=fmt)
    assert path.read_text(encoding="utf-8") == "last week's export\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"hours.{fmt}"]

    link = tmp_path / "latest"
    link.symlink_to(path.name)
    assert export_entries([entry("1"), entry("2")], link, format=fmt) == 2
    assert link.is_symlink()
    assert (path.stat().st_mode & 0o777) == 0o640
    report = import_entries(path, format=fmt, sink=DictSink(), actor="importer")
    assert (report.rows_read, report.imported, report.errors_total) == (2, 2, 0)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hours." + fmt, "latest"]


def test_export_to_a_path_and_import_from_it(tmp_path: Path) -> None:
    """A path destination is created with UTF-8 and CRLF rows; importing the path gives the same."""
    entries = [entry("1", note="多行\n备注"), entry("2")]
    path = tmp_path / "out.csv"
    assert export_entries(entries, path) == 2
    assert path.read_bytes().startswith(HEADER.encode() + b"\r\n")
    sink = DictSink()
    report = import_entries(path, format="csv", sink=sink, actor="importer")
    assert report.ok
    assert list(sink.entries.values()) == entries


def test_a_csv_export_with_a_note_longer_than_the_csv_field_limit_imports_back() -> None:
    """A 300,000-character note (over csv's default 131,072 limit) round-trips; the limit is kept."""
    long_note = ('line, with "quotes"\n' * 15_000)[:300_000]
    entries = [entry("1"), entry("2", note=long_note), entry("3")]
    buffer = io.StringIO(newline="")
    export_entries(entries, buffer)
    sink = DictSink()
    report = run(buffer.getvalue(), sink)
    assert (report.rows_read, report.imported, report.errors_total) == (3, 3, 0)
    assert list(sink.entries.values()) == entries
    assert csv.field_size_limit() == 131_072


def test_export_refuses_an_unknown_format() -> None:
    """An unknown export format raises bulk.invalid_option."""
    with pytest.raises(BulkError) as info:
        export_entries([], io.StringIO(), format="xlsx")
    assert (info.value.code, info.value.path) == ("bulk.invalid_option", "$.format")


# --------------------------------------------------------------------------------------------
# properties

_chars = st.characters(codec="utf-8", exclude_characters="\x00")
_tricky = st.text(
    alphabet=st.sampled_from([*',"\r\n =+-@\t字', "a", "\u2028", "\ufeff"]), max_size=8
)
_names = st.text(alphabet=_chars, min_size=1, max_size=12).filter(lambda s: bool(s.strip()))


@st.composite
def tricky_entries(draw: st.DrawFn) -> ServiceEntry:
    """Entries whose text fields hold commas, quotes, line breaks, formulas and any Unicode."""
    base = draw(service_entries())
    texts = st.one_of(_names, _tricky.filter(lambda s: bool(s.strip())))
    return attrs.evolve(
        base,
        volunteer_id=draw(texts),
        organization_id=draw(texts),
        activity_id=draw(st.none() | texts),
        category=draw(texts),
        recorded_by=draw(texts),
        note=draw(st.one_of(st.text(alphabet=_chars, max_size=12), _tricky)),
    )


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(tricky_entries(), max_size=6, unique_by=lambda e: e.id),
    st.sampled_from(["csv", "jsonl"]),
    st.integers(min_value=1, max_value=4),
)
def test_export_then_import_round_trips_exactly(
    entries: list[ServiceEntry], fmt: str, batch_size: int
) -> None:
    """Whatever the entries, export then import gives equal entries; a second import is a no-op."""
    out = io.StringIO(newline="")
    assert export_entries(entries, out, format=fmt) == len(entries)
    sink = DictSink()
    report = run(out.getvalue(), sink, format=fmt, batch_size=batch_size)
    assert report.errors == ()
    assert (report.rows_read, report.imported) == (len(entries), len(entries))
    assert list(sink.entries.values()) == entries
    again = run(out.getvalue(), sink, format=fmt, mode="all_or_nothing")
    assert (again.imported, again.unchanged) == (0, len(entries))


@settings(max_examples=40)
@given(st.one_of(row_errors(), progresses(), import_reports()))
def test_report_models_round_trip(model: Any) -> None:
    """RowError, Progress and ImportReport round-trip through the library converter."""
    assert structure(unstructure(model), type(model)) == model


# --------------------------------------------------------------------------------------------
# constant memory


def _write_rows(path: Path, count: int) -> None:
    start = datetime(2026, 1, 1, 8, tzinfo=UTC)
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write(HEADER + "\r\n")
        for i in range(count):
            s = start + timedelta(minutes=i)
            f.write(
                row(
                    id=f"bulk.test:{i:08d}",
                    volunteer_id=f"v{i % 997}",
                    start=s.isoformat(),
                    end=(s + timedelta(minutes=90)).isoformat(),
                    note=f"generated row {i}: " + "some text to make the file bigger; " * 10,
                )
                + "\r\n"
            )


def _peak(path: Path, tmp: Path, mode: str) -> tuple[int, ImportReport, int]:
    sink = SQLiteSink(tmp)
    # warm up: first use compiles converter hooks and fills caches, which is not per-row memory
    _write_rows(tmp.with_suffix(".warm.csv"), 20)
    import_entries(
        tmp.with_suffix(".warm.csv"),
        format="csv",
        sink=SQLiteSink(tmp.with_suffix(".warm.db")),
        actor="importer",
        mode=mode,
    )
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        report = import_entries(
            path, format="csv", sink=sink, actor="importer", mode=mode, batch_size=200
        )
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return peak, report, sink.count()


@pytest.mark.parametrize("mode", ["best_effort", "all_or_nothing"])
def test_memory_does_not_grow_with_the_number_of_rows(tmp_path: Path, mode: str) -> None:
    """Importing 4x the rows (over 1 MB) peaks at far less than 4x the memory of N rows."""
    n = 500
    small, large = tmp_path / "small.csv", tmp_path / "large.csv"
    _write_rows(small, n)
    _write_rows(large, 4 * n)
    assert large.stat().st_size > 1_000_000
    peak_small, report_small, stored_small = _peak(small, tmp_path / "a.db", mode)
    peak_large, report_large, stored_large = _peak(large, tmp_path / "b.db", mode)
    assert (report_small.imported, stored_small) == (n, n)
    assert (report_large.imported, stored_large) == (4 * n, 4 * n)
    # Growing with the rows would give about 4x; streaming stays near 1x. Generous bound: 1.5x.
    assert peak_large < 1.5 * peak_small, (peak_small, peak_large)


# --------------------------------------------------------------------------------------------
# the real sink: the hours Ledger on a store

LEDGER_NOW = datetime(2026, 11, 28, 9, tzinfo=CST)


@pytest.fixture(
    params=["memory", "sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def ledger(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Ledger]:
    """A Ledger over each backend (a throwaway PostgreSQL server for the last), at the demo's now."""
    store: Any
    if request.param == "memory":
        store = MemoryStore()
    elif request.param == "sqlite":
        store = SQLiteStore(tmp_path / "ledger.db")
    else:
        store = request.getfixturevalue("make_postgres_store")()
    yield Ledger(store, clock=FixedClock(LEDGER_NOW))
    close = getattr(store, "close", None)
    if close is not None:
        close()


def _ledger_rows(count: int) -> list[str]:
    return [
        row(
            id=f"bj:{i}",
            volunteer_id=f"v{i % 2}",
            start=f"2026-03-{i + 1:02d}T09:00:00+08:00",
            end=f"2026-03-{i + 1:02d}T11:05:00+08:00",
        )
        for i in range(count)
    ]


def test_import_into_the_ledger_and_reimport_changes_nothing(ledger: Ledger) -> None:
    """A CSV imports into the Ledger (credited by its policy); importing it again writes nothing."""
    text = csv_text(*_ledger_rows(10))
    first = run(text, ledger, batch_size=4)
    assert (first.rows_read, first.imported, first.unchanged, first.errors_total) == (10, 10, 0, 0)
    assert ledger.totals("v0").credited_minutes == 5 * 125
    assert ledger.totals("v1").credited_minutes == 5 * 125
    for mode in ("best_effort", "all_or_nothing"):
        again = run(text, ledger, mode=mode)
        assert (again.imported, again.unchanged, again.errors_total) == (0, 10, 0)
    assert ledger.totals("v0").credited_minutes == 5 * 125


def test_ledger_refusals_are_reported_at_their_rows(ledger: Ledger) -> None:
    """Best effort: the Ledger's policy refusal and id conflict are reported at their lines."""
    ledger.record_many([entry("3", note="stored before")], actor="earlier")
    rows = _ledger_rows(6)
    rows[2] = row(
        id="bj:future", start="2026-11-28T09:30:00+08:00", end="2026-11-28T10:00:00+08:00"
    )  # ends after the clock
    report = run(csv_text(*rows), ledger, batch_size=3)
    assert where(report) == [
        (4, "$.end", "hours.future_service"),
        (5, "$.id", "hours.entry_conflict"),
    ]
    assert (report.imported, report.rejected) == (4, 2)


def test_all_or_nothing_into_the_ledger_rolls_back_and_finds_the_line(ledger: Ledger) -> None:
    """All or nothing: a refused entry undoes the write; its line is found despite line breaks."""
    stored = entry("4", volunteer_id="v0", note="stored before")
    ledger.record_many([stored], actor="earlier")
    before = ledger.totals("v0").credited_minutes
    rows = _ledger_rows(6)
    rows[1] = row(id="bj:1", note='"a note\r\nover two lines"')  # lines 3-4
    text = csv_text(*rows[:3], "", *rows[3:])  # a blank line 6; bj:4 is on line 8
    report = run(text, ledger, mode="all_or_nothing")
    assert where(report) == [(8, "$.id", "hours.entry_conflict")]
    assert (report.rows_read, report.imported, report.rejected) == (6, 0, 1)
    assert ledger.totals("v0").credited_minutes == before
    assert ledger.totals("v1").credited_minutes == 0
