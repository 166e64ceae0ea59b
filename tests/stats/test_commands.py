"""The stats and report command functions over a SQLite store holding the conformance data."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from volunteerkit.stats.commands import report_command, stats_command, year_to_date
from volunteerkit.stats.models import Window
from volunteerkit.stores import SQLiteStore
from volunteerkit.testing.conformance_stats import StatsDataset, build_stats_dataset

SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, StatsDataset]:
    """A SQLite file holding the conformance data set, and its URL."""
    path = tmp_path_factory.mktemp("stats") / "stats.db"
    store = SQLiteStore(path)
    data = build_stats_dataset(store)
    store.close()
    return f"sqlite:///{path}", data


def test_json_output_lists_every_figure(built: tuple[str, StatsDataset]) -> None:
    """--json gives the figures with definitions; k=1 shows 13 registered volunteers."""
    url, data = built
    status, text = stats_command(url, as_of=data.as_of, window=data.window, fmt="json", k=1)
    assert status == 0
    figures: list[dict[str, Any]] = json.loads(text)
    first = figures[0]
    assert (first["definition"], first["total"], first["k"]) == ("volunteers.registered", 13, 1)
    assert [f["definition"] for f in figures].count("hours.credited") == 5


def test_csv_output_marks_suppressed_cells(built: tuple[str, StatsDataset]) -> None:
    """--csv: at k=5 the one foreign resident is suppressed, and cn_ric with it (complementary)."""
    url, data = built
    status, text = stats_command(url, as_of=data.as_of, window=data.window, fmt="csv")
    assert status == 0
    rows = list(csv.DictReader(io.StringIO(text)))
    documents = {
        r["key"]: (r["value"], r["suppressed"])
        for r in rows
        if r["definition"] == "volunteers.registered" and r["dimensions"] == "document"
    }
    assert documents == {"cn_foreign_pr": ("", "true"), "cn_ric": ("", "true")}


def test_table_output(built: tuple[str, StatsDataset]) -> None:
    """The text table prints suppressed cells as "suppressed" and the definition ids."""
    url, data = built
    status, text = stats_command(url, as_of=data.as_of, window=data.window)
    assert status == 0
    assert "Registered volunteers [volunteers.registered] (volunteers;" in text
    assert "cn_foreign_pr  suppressed" in text


def test_table_does_not_call_a_complementary_cell_small(built: tuple[str, StatsDataset]) -> None:
    """cn_ric (12 of 13 volunteers) is hidden only to protect cn_foreign_pr: it is not "<5"."""
    url, data = built
    status, text = stats_command(url, as_of=data.as_of, window=data.window)
    assert status == 0
    assert "cn_ric         suppressed" in text
    assert "<5" not in text


def test_bad_format_and_bad_region_are_reported(built: tuple[str, StatsDataset]) -> None:
    """Bad input gives exit status 2 and a bilingual error with code and path."""
    url, data = built
    status, text = stats_command(url, as_of=data.as_of, fmt="xml")
    assert status == 2
    assert json.loads(text)["error"]["code"] == "stats.format"
    status, text = stats_command(url, as_of=data.as_of, region="12345")
    assert (status, json.loads(text)["error"]["path"]) == (2, "$.region")


def test_report_command_writes_the_page(built: tuple[str, StatsDataset], tmp_path: Path) -> None:
    """The report is written with organization names instead of ids."""
    url, data = built
    out = tmp_path / "report.html"
    status, summary = report_command(url, out, as_of=data.as_of, window=data.window, k=1)
    assert status == 0
    assert summary["path"] == str(out) and summary["suppressed"] == 0
    page = out.read_text(encoding="utf-8")
    assert summary["bytes"] == len(page.encode("utf-8"))
    assert "望京志愿服务队" in page
    assert data.team not in page


def test_year_to_date_uses_the_local_date() -> None:
    """2026-12-31T20:00Z is already 2027-01-01 in Shanghai."""
    assert year_to_date(datetime(2026, 12, 31, 20, 0, tzinfo=ZoneInfo("UTC")), SH) == Window(
        first=date(2027, 1, 1), last=date(2027, 1, 1)
    )


@pytest.mark.parametrize("where", ["missing/report.html", "."])
def test_report_command_reports_an_unwritable_path(
    built: tuple[str, StatsDataset], tmp_path: Path, where: str
) -> None:
    """A missing folder or a directory as OUT gives status 2 and stats.unwritable, no OSError."""
    url, data = built
    status, summary = report_command(url, tmp_path / where, as_of=data.as_of, window=data.window)
    assert status == 2
    assert (summary["ok"], summary["error"]["code"], summary["error"]["path"]) == (
        False,
        "stats.unwritable",
        "$.out_path",
    )
    assert summary["error"]["message_zh"].startswith("无法写入报告")


@pytest.mark.parametrize(
    "as_of", ["9999-12-31T23:59:59+00:00", "0001-01-01T00:00:00+14:00"], ids=["last", "first"]
)
def test_an_as_of_at_the_end_of_the_calendar_is_stats_date(
    built: tuple[str, StatsDataset], tmp_path: Path, as_of: str
) -> None:
    """An instant whose local date leaves the calendar is stats.date, not an OverflowError."""
    url, _ = built
    status, text = stats_command(url, as_of=datetime.fromisoformat(as_of), fmt="json")
    assert status == 2 and json.loads(text)["error"]["code"] == "stats.date"
    out = tmp_path / "r.html"
    status, report = report_command(url, str(out), as_of=datetime.fromisoformat(as_of))
    assert status == 2 and report["error"]["code"] == "stats.date" and not out.exists()
