"""The volunteerkit command: demo, migrate, audit, identity, errors without tracebacks."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from volunteerkit import FixedClock, __version__
from volunteerkit.cli import main


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(argv), out=out)
    return code, out.getvalue()


def test_demo_runs_on_a_sqlite_file_and_again_from_scratch(tmp_path: Path) -> None:
    """The demo runs end to end on a SQLite file; a second run starts fresh with the same steps."""
    db = tmp_path / "demo.sqlite"
    code, first = run("demo", "--db", str(db))
    assert code == 0
    assert "The store and its audit log" in first and first.rstrip().endswith("Done.")
    assert db.exists()
    code, second = run("demo", "--db", str(db))
    assert code == 0
    titles = [line for line in first.splitlines() if line[:1].isdigit()]
    assert titles and titles == [line for line in second.splitlines() if line[:1].isdigit()]
    assert len(second.splitlines()) == len(first.splitlines())


def test_demo_json_mode_prints_json_lines(tmp_path: Path) -> None:
    """With --json every demo line is a JSON object naming its step."""
    code, text = run("--json", "demo", "--store", "memory:", "--out-dir", str(tmp_path))
    assert code == 0
    records = [json.loads(line) for line in text.splitlines()]
    assert records and all("step" in r for r in records)


def test_migrate_and_audit(tmp_path: Path) -> None:
    """migrate lists the applied migrations; audit prints what the demo recorded."""
    db = tmp_path / "vk.db"
    code, text = run("--json", "migrate", f"sqlite:///{db}")
    assert code == 0
    data = json.loads(text)
    assert data["applied_now"] == data["recorded"] and data["recorded"][0].startswith("audit 0001")
    assert run("demo", "--db", str(db), "--keep")[0] == 0  # a store the demo did not make
    code, text = run("--json", "audit", f"sqlite:///{db}", "--subject-type", "demo")
    assert code == 0
    assert json.loads(text.splitlines()[0])["action"] == "demo.start"


def test_identity_validate_masks_unless_asked() -> None:
    """identity validate prints the canonical number masked; --reveal prints it whole."""
    assert run("identity", "validate", "cn_ric", "11010519491231002x") == (
        0,
        "valid cn_ric: 110105********002X\n",
    )
    _, text = run("identity", "validate", "cn_ric", "11010519491231002x", "--reveal")
    assert text == "valid cn_ric: 11010519491231002X\n"


def test_bad_input_exits_2_with_code_and_no_traceback() -> None:
    """A bad number gives exit status 2 and a JSON error with code, messages and path."""
    code, text = run("--json", "identity", "validate", "cn_ric", "110105194912310019")
    assert code == 2
    error = json.loads(text)["error"]
    assert error["code"] == "identity.checksum"
    assert error["message_zh"]
    assert "110105194912310019" not in text


def test_detect() -> None:
    """identity detect lists the schemes a value is valid for, exit 1 when none."""
    assert run("identity", "detect", "11010519491231002X") == (0, "cn_ric\n")
    assert run("identity", "detect", "hello")[0] == 1


def test_console_script_version() -> None:
    """The installed console entry point answers --version."""
    result = subprocess.run(
        [sys.executable, "-m", "volunteerkit.cli", "--version"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == f"volunteerkit {__version__}"


def _run_ascii(*argv: str) -> subprocess.CompletedProcess[str]:
    """Run the command in a child whose standard output is ASCII, as on a bare terminal."""
    import os

    import volunteerkit

    src = str(Path(volunteerkit.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONIOENCODING": "ascii", "PYTHONPATH": src}
    code = "import sys; from volunteerkit.cli import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.run(
        [sys.executable, "-c", code, *argv], capture_output=True, env=env, text=True
    )


def test_an_ascii_stdout_gets_valid_json_and_no_traceback(tmp_path: Path) -> None:
    """With an ASCII stdout, a --json error is still JSON (Chinese escaped), the demo still runs."""
    result = _run_ascii("--json", "migrate", "foo://")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    error = json.loads(result.stdout)["error"]
    assert error["code"] == "store.url" and "存储" in error["message_zh"]
    result = _run_ascii("demo", "--store", "memory:", "--out-dir", str(tmp_path))
    assert result.returncode == 0 and "Traceback" not in result.stderr
    assert "\\u" in result.stdout


def test_the_escape_of_characters_an_encoding_lacks_is_json() -> None:
    """Characters beyond the BMP become surrogate-pair escapes that JSON reads back."""
    import volunteerkit.cli  # noqa: F401  (registers the error handler)

    text = json.dumps({"name": "张\U0001f600"}, ensure_ascii=False)
    assert json.loads(text.encode("ascii", "volunteerkit.json_escape")) == {"name": "张\U0001f600"}


def test_ctrl_c_exits_130_without_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """An interrupt mid-command prints 'interrupted' and exits with status 130."""
    import volunteerkit.stores

    def interrupted(url: str) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(volunteerkit.stores, "open_store", interrupted)
    assert run("migrate", "memory:") == (130, "")
    assert capsys.readouterr().err == "interrupted\n"


def test_demo_paths_it_cannot_use_are_demo_file(tmp_path: Path) -> None:
    """A --db that is a folder, an --out-dir that is a file: demo.file (exit 2), no traceback."""
    code, text = run("--json", "demo", "--db", str(tmp_path))
    assert code == 2 and json.loads(text)["error"]["path"] == "$.db"
    a_file = tmp_path / "taken"
    a_file.write_text("")
    code, text = run("--json", "demo", "--store", "memory:", "--out-dir", str(a_file))
    assert code == 2 and json.loads(text)["error"]["code"] == "demo.file"
    assert json.loads(text)["error"]["path"] == "$.out_dir"



def _refused(text: str, path: str) -> bool:
    error = json.loads(text)["error"]
    return bool(error["code"] == "demo.file_taken" and error["path"] == path)


def test_demo_replaces_only_what_an_earlier_demo_wrote(tmp_path: Path) -> None:
    """--db naming somebody's database, or any other file, is refused and left as it was."""
    from volunteerkit.audit import record
    from volunteerkit.stores import SQLiteStore

    def store_with(path: Path, actor: str) -> Path:
        store = SQLiteStore(path)  # a real store, with an audit record by ``actor``
        clock = FixedClock(datetime(2026, 11, 28, tzinfo=UTC))
        store.audit.append(record(clock, actor=actor, action="x.y", subject_type="s", subject_id="1"))
        store.close()
        return path

    theirs = store_with(tmp_path / "production.sqlite", "admin")
    kept = store_with(tmp_path / "kept.sqlite", "admin")
    assert run("demo", "--db", str(kept), "--keep")[0] == 0  # the demo ran on it: not its own
    generic = store_with(tmp_path / "generic.sqlite", "admin-1")  # an actor the demo also uses
    text_file = tmp_path / "notes.txt"
    text_file.write_text("not a database")
    for path in (theirs, kept, generic, text_file):
        before = path.read_bytes()
        code, text = run("--json", "demo", "--db", str(path))
        assert code == 2 and _refused(text, "$.db")
        assert path.read_bytes() == before
    empty = tmp_path / "empty.sqlite"
    empty.write_bytes(b"")  # nothing to lose: replaced
    assert run("demo", "--db", str(empty))[0] == 0
    code, text = run("--json", "demo", "--db", str(tmp_path / ("a" * 300)))  # no such name
    assert code == 2 and json.loads(text)["error"]["code"] == "demo.file"


def test_a_demo_database_of_an_earlier_version_is_replaced(tmp_path: Path) -> None:
    """Without the mark, a database whose audit actors are all the demo's is still the demo's."""
    import sqlite3

    db = tmp_path / "old-demo.sqlite"
    assert run("demo", "--db", str(db))[0] == 0
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA user_version = 0")  # as versions before the mark left it
    conn.close()
    assert run("demo", "--db", str(db))[0] == 0
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] != 0  # made anew, marked
    conn.close()


def test_demo_replaces_its_transfer_files_only(tmp_path: Path) -> None:
    """Hami's store and the package folder are replaced when a demo wrote them, else refused."""
    from volunteerkit.stores import SQLiteStore

    db = tmp_path / "demo.sqlite"
    assert run("demo", "--db", str(db))[0] == 0
    chunks = sorted(p.name for p in (tmp_path / "demo-transfer").iterdir())
    assert len(chunks) == 2 and run("demo", "--db", str(db))[0] == 0  # its own: replaced
    assert sorted(p.name for p in (tmp_path / "demo-transfer").iterdir()) != chunks  # new ids
    mine = tmp_path / "demo-transfer" / "mine.txt"
    mine.write_text("keep me")
    code, text = run("--json", "demo", "--db", str(db))
    assert code == 2 and _refused(text, "$.out_dir") and mine.read_text() == "keep me"
    assert db.exists() and (tmp_path / "demo-hami.sqlite").exists()  # checked before removed
    mine.unlink()
    hami = tmp_path / "demo-hami.sqlite"
    for suffix in ("", "-wal", "-shm"):
        Path(str(hami) + suffix).unlink(missing_ok=True)
    SQLiteStore(hami).close()  # a store without the demo's records
    before = hami.read_bytes()
    code, text = run("--json", "demo", "--db", str(db))
    assert code == 2 and _refused(text, "$.out_dir") and hami.read_bytes() == before


@pytest.mark.parametrize("instant", ["9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+14:00"])
def test_an_instant_outside_the_calendar_in_utc_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], instant: str
) -> None:
    """--now beyond the calendar in UTC exits 2 with a usage message, not an OverflowError."""
    argv = ["transfer", "export", "memory:", "--keys", "k.json", "--out", "o", "--now", instant]
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2
    assert "outside the calendar in UTC" in capsys.readouterr().err


def test_demo_checks_that_it_can_remove_before_it_removes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An --out-dir whose files cannot be removed (a read-only mount) stops the demo first.

    Before, the --db database was already deleted when removing Hami's store failed.
    """
    import os

    db = tmp_path / "demo.sqlite"
    elsewhere = tmp_path / "out"
    assert run("demo", "--db", str(db), "--out-dir", str(elsewhere))[0] == 0
    before = db.read_bytes()
    real = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: Path(p) != elsewhere and real(p, mode))
    code, text = run("--json", "demo", "--db", str(db), "--out-dir", str(elsewhere))
    error = json.loads(text)["error"]
    assert code == 2 and (error["code"], error["path"]) == ("demo.file", "$.out_dir")
    assert db.read_bytes() == before and (elsewhere / "demo-hami.sqlite").exists()
    for suffix in ("", "-wal", "-shm"):  # an empty file there must go too: refused the same
        Path(str(elsewhere / "demo-hami.sqlite") + suffix).unlink(missing_ok=True)
    (elsewhere / "demo-hami.sqlite").write_bytes(b"")
    shutil.rmtree(elsewhere / "demo-transfer")
    code, text = run("--json", "demo", "--db", str(db), "--out-dir", str(elsewhere))
    assert code == 2 and json.loads(text)["error"]["code"] == "demo.file"
    assert db.read_bytes() == before
    monkeypatch.undo()
    (elsewhere / "demo-hami.sqlite").unlink()
    (elsewhere / "demo-hami.sqlite").mkdir()  # a folder where Hami's store goes
    code, text = run("--json", "demo", "--db", str(db), "--out-dir", str(elsewhere))
    error = json.loads(text)["error"]
    assert code == 2 and (error["code"], error["path"]) == ("demo.file", "$.out_dir")
    assert db.read_bytes() == before


def test_demo_opens_the_database_it_checked(tmp_path: Path) -> None:
    """--db is a file name, not part of a URL: prod%2Esqlite is not prod.sqlite."""
    from volunteerkit.stores import SQLiteStore

    prod = tmp_path / "prod.sqlite"
    SQLiteStore(prod).close()
    before = prod.read_bytes()
    assert run("demo", "--db", str(tmp_path / "prod%2Esqlite"))[0] == 0
    assert prod.read_bytes() == before and (tmp_path / "prod%2Esqlite").stat().st_size > 0


DEMO_WRITES = ["demo-hours.csv", "demo-report-k5.html", "demo-report-k1.html", "demo-files.sha256"]


def _tree(folder: Path) -> dict[str, bytes]:
    """The files of ``folder`` and their content (not SQLite's -wal and -shm files)."""
    return {
        p.name: p.read_bytes()
        for p in folder.iterdir()
        if p.is_file() and not p.name.endswith(("-wal", "-shm"))
    }


def test_demo_reports_have_names_no_other_command_writes_by_default(tmp_path: Path) -> None:
    """The demo leaves `volunteerkit report`'s default file alone and writes demo-report-k*.html.

    Before, both wrote ``volunteerkit-report.html``: the demo replaced a user's own report.
    """
    from volunteerkit.cli import build_parser

    default = build_parser().parse_args(["report", "memory:"]).out
    assert default == "volunteerkit-report.html"
    theirs = tmp_path / default
    assert run("report", "memory:", str(theirs), "--as-of", "2026-12-31T00:00:00+08:00")[0] == 0
    before = theirs.read_bytes()
    assert run("demo", "--db", str(tmp_path / "demo.sqlite"))[0] == 0
    assert theirs.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [default, "demo.sqlite", "demo-hami.sqlite", "demo-transfer", *DEMO_WRITES]
    )
    manifest = (tmp_path / "demo-files.sha256").read_text(encoding="utf-8").splitlines()
    assert manifest[0].startswith("# volunteerkit demo: ")
    assert [line.split("  ")[1] for line in manifest[1:]] == sorted(DEMO_WRITES[:3])


@pytest.mark.parametrize("name", DEMO_WRITES)
def test_demo_refuses_to_overwrite_a_file_it_did_not_write(tmp_path: Path, name: str) -> None:
    """A user's demo-hours.csv, demo-report-k*.html or manifest stops the demo before it starts.

    The error is demo.file_taken at $.out_dir (exit 2); nothing is removed or written: not the
    user's file, not the database or the transfer package of the earlier run. An empty file in
    place of the CSV or a report is overwritten.
    """
    db = tmp_path / "demo.sqlite"
    assert run("demo", "--db", str(db))[0] == 0
    assert run("demo", "--db", str(db))[0] == 0  # its own files: overwritten
    (tmp_path / name).write_text("MY OWN EXPORT\n", encoding="utf-8")
    before = _tree(tmp_path)
    chunks = _tree(tmp_path / "demo-transfer")
    code, text = run("--json", "demo", "--db", str(db))
    assert code == 2 and _refused(text, "$.out_dir")
    assert _tree(tmp_path) == before and _tree(tmp_path / "demo-transfer") == chunks
    if name != "demo-files.sha256":  # an empty manifest vouches for no file
        (tmp_path / name).write_bytes(b"")  # nothing to lose: overwritten
        assert run("demo", "--db", str(db))[0] == 0
        assert (tmp_path / name).stat().st_size > 0


def test_demo_refuses_a_demo_file_changed_since_or_not_in_its_manifest(tmp_path: Path) -> None:
    """Only the exact content the demo recorded is its own.

    An edited copy, a copy the manifest does not list, or a symbolic link in a file's place is
    refused with demo.file_taken at $.out_dir, and the file linked to is unchanged.
    """
    out = tmp_path / "out"
    argv = ["--json", "demo", "--store", "memory:", "--out-dir", str(out)]
    assert run(*argv)[0] == 0
    csv_file = out / "demo-hours.csv"
    csv_file.write_bytes(csv_file.read_bytes() + b"\r\n")  # still importable, but edited
    code, text = run(*argv)
    assert code == 2 and _refused(text, "$.out_dir")
    csv_file.unlink()
    assert run(*argv)[0] == 0
    (out / "demo-files.sha256").unlink()  # no record of what the demo wrote
    code, text = run(*argv)
    assert code == 2 and _refused(text, "$.out_dir")
    for name in DEMO_WRITES[:3]:
        (out / name).unlink()
    mine = tmp_path / "mine.html"
    mine.write_text("keep me", encoding="utf-8")
    (out / "demo-report-k1.html").symlink_to(mine)
    code, text = run(*argv)
    assert code == 2 and _refused(text, "$.out_dir") and mine.read_text() == "keep me"


def test_the_report_step_checks_before_it_writes(tmp_path: Path) -> None:
    """The report step itself refuses a report it did not write (demo.file_taken), unchanged."""
    from volunteerkit._demo import s90_report
    from volunteerkit._demo._context import DemoContext
    from volunteerkit.errors import InvalidInputError
    from volunteerkit.stores import MemoryStore

    theirs = tmp_path / "demo-report-k1.html"
    theirs.write_text("<p>mine</p>", encoding="utf-8")
    ctx = DemoContext(store=MemoryStore(), out=io.StringIO(), data={"out_dir": str(tmp_path)})
    with pytest.raises(InvalidInputError) as caught:
        s90_report.run(ctx)
    assert (caught.value.code, caught.value.path) == ("demo.file_taken", "$.out_dir")
    assert theirs.read_text(encoding="utf-8") == "<p>mine</p>"


def test_demo_db_naming_a_file_the_demo_writes_is_refused(tmp_path: Path) -> None:
    """--db demo-hours.csv (beside the files the demo writes) is demo.file at $.db, no file made."""
    code, text = run("--json", "demo", "--db", str(tmp_path / "demo-hours.csv"))
    error = json.loads(text)["error"]
    assert code == 2 and (error["code"], error["path"]) == ("demo.file", "$.db")
    assert list(tmp_path.iterdir()) == []


def test_demo_store_url_refuses_a_store_holding_what_the_demo_did_not_write(
    tmp_path: Path,
) -> None:
    """--store sqlite:///… follows the rules of --db: somebody's store is refused, untouched.

    Before, --store wrote the demo's volunteers, hours and 30 audit entries into a store whose
    audit log held an ``admin`` entry. Now: demo.file_taken at $.store (exit 2), the file's bytes
    unchanged and nothing written in --out-dir; a migrated store without records and a text file
    are refused the same; a new file is created, marked as the demo's, and accepted again.
    """
    from volunteerkit.audit import record
    from volunteerkit.stores import SQLiteStore

    prod = tmp_path / "prod.sqlite"
    store = SQLiteStore(prod)
    clock = FixedClock(datetime(2026, 1, 1, tzinfo=UTC))
    store.audit.append(record(clock, actor="admin", action="x.y", subject_type="t", subject_id="1"))
    store.close()
    migrated = tmp_path / "migrated.sqlite"
    SQLiteStore(migrated).close()
    notes = tmp_path / "notes.txt"
    notes.write_text("not a database", encoding="utf-8")
    out = tmp_path / "out"
    for path in (prod, migrated, notes):
        before = path.read_bytes()
        argv = ["--json", "demo", "--store", f"sqlite:///{path}", "--out-dir", str(out)]
        code, text = run(*argv)
        assert code == 2 and _refused(text, "$.store")
        assert json.loads(text)["error"]["message"] == (
            "the demo will not write into a store that holds what it did not write: choose "
            "another --store"
        )
        assert path.read_bytes() == before and not out.exists()
    new = tmp_path / "new%20store.sqlite"  # decoded as open_store decodes it
    argv = ["demo", "--store", f"sqlite:///{new}", "--out-dir", str(out)]
    assert run(*argv)[0] == 0 and (tmp_path / "new store.sqlite").is_file()
    assert run(*argv)[0] == 0  # only the demo's records: accepted again


def test_demo_keep_replays_its_audit_entry_instead_of_writing_a_second(tmp_path: Path) -> None:
    """demo --keep on the demo's own database writes no second demo.start audit entry.

    Before, the audit step used a new random id each run: the second run printed "audit entry
    written …: true" and the trail held two demo.start entries.
    """
    db = tmp_path / "demo.sqlite"
    assert run("demo", "--db", str(db))[0] == 0
    code, text = run("--json", "demo", "--db", str(db), "--keep")
    assert code == 0
    shown = {r["label"]: r["value"] for r in map(json.loads, text.splitlines()) if "label" in r}
    assert shown["audit entry written (False means this run replayed an earlier one)"] is False
    assert shown["audit trail of the demo"] == ["2026-11-28T01:00:00+00:00 demo demo.start"]
    code, text = run("audit", f"sqlite:///{db}", "--subject-type", "demo")
    assert code == 0 and len(text.splitlines()) == 1
