"""The CLI commands over the parts: hours import/export and awards check/evaluate."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from volunteerkit import FixedClock
from volunteerkit.cli import main
from volunteerkit.hours import EntryId, ServiceEntry, Source
from volunteerkit.hours.ledger import Ledger
from volunteerkit.stores import SQLiteStore
from volunteerkit.stores._sql_hours import SQLLedgerRepository

NOW = "2026-12-31T00:00:00+08:00"  # the import's clock: never the machine's


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(argv), out=out)
    return code, out.getvalue()


def _demo(tmp_path: Path) -> Path:
    db = tmp_path / "demo.sqlite"
    assert run("demo", "--db", str(db), "--out-dir", str(tmp_path))[0] == 0
    return db


def test_hours_export_then_import_into_another_store_and_again(tmp_path: Path) -> None:
    """Entries exported from one store import into another; a second import changes nothing."""
    db = _demo(tmp_path)
    exported = tmp_path / "entries.csv"
    code, text = run("--json", "hours", "export", f"sqlite:///{db}", str(exported))
    assert code == 0
    written = json.loads(text)["written"]
    assert written > 0
    assert len(exported.read_text(encoding="utf-8").splitlines()) == written + 1  # header
    target = f"sqlite:///{tmp_path / 'target.sqlite'}"
    code, text = run("--json", "hours", "import", target, str(exported), "--now", NOW)
    first = json.loads(text)
    assert (code, first["imported"], first["rejected"]) == (0, written, 0)
    code, text = run("--json", "hours", "import", target, str(exported), "--now", NOW)
    again = json.loads(text)
    assert (code, again["imported"], again["unchanged"]) == (0, 0, written)


def _served(local_id: str, volunteer: str, org: str, start: datetime, zone: str) -> ServiceEntry:
    return ServiceEntry(
        id=EntryId(origin="bj", local_id=local_id),
        volunteer_id=volunteer,
        organization_id=org,
        category="community",
        start=start,
        end=start + timedelta(hours=2),
        zone=ZoneInfo(zone),
        source=Source.ORGANIZATION,
        recorded_by="clerk",
        recorded_at=datetime(2026, 5, 1, tzinfo=UTC),
    )


def _exported_ids(path: Path) -> list[str]:
    return [line.split(",")[0] for line in path.read_text(encoding="utf-8").splitlines()[1:]]


def test_hours_export_filters_by_organization_and_local_date_of_service(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """hours export writes exactly the entries the filters select, a few volunteers at a time.

    ``--from``/``--to`` compare the local date of the start in the zone of the place of service:
    ``e3`` starts at 2026-03-31 20:00 UTC, which is 1 April 01:45 in Kathmandu (+05:45), so it is
    in April; ``e4`` starts on 31 March in Shanghai. The store is read two volunteers at a time,
    and every volunteer's entries come out in volunteer order, then id order.
    """
    db = tmp_path / "filters.sqlite"
    store = SQLiteStore(db)
    Ledger(store, clock=FixedClock(datetime(2026, 5, 1, tzinfo=UTC))).record_many(
        [
            _served("e1", "v3", "org-a", datetime(2026, 4, 2, 1, tzinfo=UTC), "Asia/Shanghai"),
            _served("e2", "v1", "org-b", datetime(2026, 4, 3, 1, tzinfo=UTC), "Asia/Shanghai"),
            _served("e3", "v2", "org-a", datetime(2026, 3, 31, 20, tzinfo=UTC), "Asia/Kathmandu"),
            _served("e4", "v1", "org-a", datetime(2026, 3, 31, 1, tzinfo=UTC), "Asia/Shanghai"),
            _served("e5", "v4", "org-a", datetime(2026, 4, 30, 18, tzinfo=UTC), "Asia/Yangon"),
        ],
        actor="clerk",
    )
    store.close()
    reads: list[int] = []
    real = SQLLedgerRepository.records_of

    def counted(self: Any, volunteer_ids: Any) -> Any:
        reads.append(len(volunteer_ids))
        return real(self, volunteer_ids)

    monkeypatch.setattr("volunteerkit.cli._EXPORT_CHUNK", 2)
    monkeypatch.setattr(SQLLedgerRepository, "records_of", counted)
    url = f"sqlite:///{db}"
    out = tmp_path / "out.csv"
    assert run("hours", "export", url, str(out))[0] == 0
    assert _exported_ids(out) == ["bj:e2", "bj:e4", "bj:e3", "bj:e1", "bj:e5"]
    assert reads == [2, 2]
    assert run("hours", "export", url, str(out), "--organization", "org-a", "--from",
               "2026-04-01", "--to", "2026-04-30")[0] == 0  # fmt: skip
    assert _exported_ids(out) == ["bj:e3", "bj:e1"]  # e5: 1 May 00:30 in Yangon
    assert run("hours", "export", url, str(out), "--to", "2026-03-31")[0] == 0
    assert _exported_ids(out) == ["bj:e4"]
    code, text = run("--json", "hours", "export", url, str(out), "--volunteer", "v4",
                     "--volunteer", "v4", "--organization", "org-b")  # fmt: skip
    assert (code, json.loads(text)["written"]) == (0, 0)
    with pytest.raises(SystemExit):
        run("hours", "export", url, str(out), "--from", "1 April")


def test_hours_export_refuses_a_date_range_that_ends_before_it_starts(tmp_path: Path) -> None:
    """--from after --to is bulk.date_range at $.to, exit 2, and the file is left as it was.

    Before, the export selected nothing, replaced the file with an empty one and exited 0.
    """
    url = f"sqlite:///{tmp_path / 'vk.sqlite'}"
    assert run("migrate", url)[0] == 0
    out = tmp_path / "out.csv"
    out.write_text("kept\n", encoding="utf-8")
    code, text = run("--json", "hours", "export", url, str(out), "--from", "2026-04-30",
                     "--to", "2026-04-01")  # fmt: skip
    error = json.loads(text)["error"]
    assert (code, error["code"], error["path"]) == (2, "bulk.date_range", "$.to")
    assert error["message_zh"]
    assert out.read_text(encoding="utf-8") == "kept\n"
    code, text = run("--json", "hours", "export", url, str(out), "--from", "2026-04-01",
                     "--to", "2026-04-01")  # fmt: skip
    assert (code, json.loads(text)["written"]) == (0, 0)  # one day is a range


def test_hours_import_reports_bad_rows_with_lines(tmp_path: Path) -> None:
    """A bad row is reported with its line, field and code, and the exit status is 1."""
    db = _demo(tmp_path)
    exported = tmp_path / "entries.csv"
    run("hours", "export", f"sqlite:///{db}", str(exported))
    lines = exported.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    cells = lines[1].split(",")
    cells[header.index("end")] = "2026-13-01T00:00:00+08:00"
    broken = tmp_path / "broken.csv"
    broken.write_text("\n".join([lines[0], ",".join(cells)]) + "\n", encoding="utf-8")
    target = f"sqlite:///{tmp_path / 't.sqlite'}"
    code, text = run("hours", "import", target, str(broken), "--now", NOW)
    assert code == 1
    assert "line 2 $.end" in text


def test_awards_check_built_in_and_broken_file(tmp_path: Path) -> None:
    """awards check accepts a built-in rule set and lists a broken file's problems with paths."""
    assert run("awards", "check", "cn.cyl.stars")[0] == 0
    broken = tmp_path / "rules.toml"
    broken.write_text('id = "x"\nversion = 3\n', encoding="utf-8")
    code, text = run("--json", "awards", "check", str(broken))
    report = json.loads(text)
    assert code == 1
    assert report["ok"] is False
    # the four required fields the file lacks, then the version given as a number
    assert [(p["code"], p["path"], p["message"]) for p in report["problems"]] == [
        ("awards.rules.missing", "$", "required field 'name_zh' is missing"),
        ("awards.rules.missing", "$", "required field 'name_en' is missing"),
        ("awards.rules.missing", "$", "required field 'sources' is missing"),
        ("awards.rules.missing", "$", "required field 'levels' is missing"),
        ("awards.rules.type", "$.version", "expected text"),
    ]


def test_awards_evaluate_prints_one_result_per_volunteer(tmp_path: Path) -> None:
    """awards evaluate streams one JSON result per volunteer with credit in the store."""
    db = _demo(tmp_path)
    code, text = run(
        "--json", "awards", "evaluate", "cn.cyl.stars", f"sqlite:///{db}",
        "--as-of", "2026-12-31T00:00:00+08:00",
    )  # fmt: skip
    results = [json.loads(line) for line in text.splitlines()]
    assert code == 0
    assert results
    assert {r["rule_set_id"] for r in results} == {"cn.cyl.stars"}


def test_stats_tables_csv_and_json(tmp_path: Path) -> None:
    """stats prints the demo store's figures as tables, CSV or JSON; k=5 marks small groups."""
    db = _demo(tmp_path)
    url = f"sqlite:///{db}"
    code, table = run("stats", url, "--as-of", NOW, "--k", "1")
    assert code == 0
    assert "Registered volunteers [volunteers.registered]" in table
    code, csv_text = run("stats", url, "--as-of", NOW, "--csv")
    assert code == 0
    header, *rows = csv.reader(io.StringIO(csv_text))
    assert header == [
        "definition", "dimensions", "key", "value", "persons", "exact", "suppressed", "as_of",
        "window_first", "window_last", "k",
    ]  # fmt: skip
    assert rows and all(len(row) == len(header) for row in rows)
    code, json_text = run("--json", "stats", url, "--as-of", NOW)
    assert code == 0
    # every figure of the catalogue in docs/statistics.md, and the CSV's figures are the same
    documented = {
        "volunteers.registered", "volunteers.new", "volunteers.active", "hours.credited",
        "hours.per_active_volunteer", "volunteers.retention", "awards.held",
        "organizations.by_kind_size",
    }  # fmt: skip
    assert {f["definition"] for f in json.loads(json_text)} == documented
    assert {row[0] for row in rows} == documented


def test_report_writes_a_self_contained_html_file(tmp_path: Path) -> None:
    """report writes one HTML file with inline SVG and no network resources."""
    db = _demo(tmp_path)
    out = tmp_path / "report.html"
    code, text = run("report", f"sqlite:///{db}", str(out), "--as-of", NOW)
    assert (code, text) == (0, f"wrote {out}\n")
    html = out.read_text(encoding="utf-8")
    assert "<svg" in html
    assert "http://" not in html.replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in html


def test_transfer_verify_refuses_a_missing_keys_file(tmp_path: Path) -> None:
    """transfer verify reports a refusal as JSON with a code, exit status 1, no traceback."""
    chunk = tmp_path / "chunk-1.json"
    chunk.write_text("{}", encoding="utf-8")
    code, text = run("transfer", "verify", str(chunk), "--keys", str(tmp_path / "none.json"))
    report = json.loads(text)
    assert code == 1
    assert report["ok"] is False
    assert report["error"]["code"]


def test_awards_check_text_lists_each_problem_in_english_and_chinese(tmp_path: Path) -> None:
    """Without --json, each problem is a line with path, code and English, then the Chinese."""
    broken = tmp_path / "rules.toml"
    broken.write_text(
        'id = "x"\nversion = "1"\nname_zh = "甲"\nname_en = "A"\n'
        '[[sources]]\ntitle = "t"\nstatus = "primary"\n'
        '[[levels]]\nid = "a"\nname_zh = "甲"\nname_en = "A"\nhours = 20.5\n',
        encoding="utf-8",
    )
    code, text = run("awards", "check", str(broken))
    assert code == 1
    assert text.splitlines() == [
        "$.levels[0].hours [awards.rules.type] expected a whole number "
        "(floats are inexact: write whole numbers, or use minutes)",
        "    应为整数(浮点数不精确:请写整数,或改用分钟)",
    ]


@pytest.mark.parametrize("name", ["missing.csv", "."], ids=["missing", "directory"])
def test_hours_files_that_cannot_be_opened_are_bulk_file(tmp_path: Path, name: str) -> None:
    """hours import of a missing file or a folder, export to a folder: bulk.file, no traceback."""
    url = f"sqlite:///{tmp_path / 'vk.db'}"
    path = str(tmp_path / name)
    code, text = run("--json", "hours", "import", url, path, "--now", NOW)
    assert code == 2 and json.loads(text)["error"]["code"] == "bulk.file"
    if name == ".":
        code, text = run("--json", "hours", "export", url, path)
        assert code == 2 and json.loads(text)["error"]["code"] == "bulk.file"


def test_stats_and_report_errors_go_to_stderr_as_text_without_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without --json a stats or report error is text on stderr, not JSON amid tables or CSV."""
    url = f"sqlite:///{tmp_path / 'vk.db'}"
    assert run("migrate", url)[0] == 0  # stats and report open only an existing store
    assert run("stats", url, "--csv", "--k", "0", "--as-of", NOW) == (2, "")
    assert capsys.readouterr().err.startswith("error: [stats.k] ")
    assert run("report", url, str(tmp_path), "--as-of", NOW) == (2, "")
    err = capsys.readouterr().err
    assert err.startswith("error: [stats.unwritable] ") and "无法写入报告" in err
    code, text = run("--json", "stats", url, "--k", "0", "--as-of", NOW)
    assert code == 2 and json.loads(text)["error"]["code"] == "stats.k"


def test_every_json_error_has_one_shape(tmp_path: Path) -> None:
    """Under --json an error is {"ok": false, "error": {code, message, message_zh, path}}.

    Before, three shapes: {"error": {...}} from most commands, a flat {"ok": false, "code": ...}
    from stats and report, and {"ok": false, "error": {...}} from the transfer commands.
    """
    missing = f"sqlite:///{tmp_path / 'missing.db'}"
    runs = [
        ["--json", "audit", missing],
        ["--json", "stats", missing, "--as-of", NOW],
        ["--json", "report", missing, str(tmp_path / "r.html"), "--as-of", NOW],
        ["--json", "identity", "validate", "cn_ric", "110105194912310019"],
    ]
    for argv in runs:
        out = io.StringIO()
        status = main(argv, out=out)
        printed = json.loads(out.getvalue())
        assert status == 2 and printed["ok"] is False, argv
        assert set(printed) == {"ok", "error"}, argv
        assert set(printed["error"]) == {"code", "message", "message_zh", "path"}, argv


def test_hours_import_of_a_file_without_a_usable_header_exits_1(tmp_path: Path) -> None:
    """A CSV whose header is missing columns imports nothing and rejects no row: exit status 1."""
    url = f"sqlite:///{tmp_path / 'vk.db'}"
    bad = tmp_path / "bad.csv"
    bad.write_text("volunteer_id,minutes\nv1,60\n", encoding="utf-8")
    code, text = run("--json", "hours", "import", url, str(bad), "--now", NOW)
    report = json.loads(text)
    assert report["imported"] == 0 and report["errors"]
    assert code == 1
