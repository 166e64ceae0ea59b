"""``volunteerkit demo`` keeps the promises README.md and docs/getting-started.md make about it."""

from __future__ import annotations

import io
import json
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from volunteerkit import FixedClock
from volunteerkit.cli import main

# The full numbers the demo registers: none may be printed or written to its files.
FULL_NUMBERS = (
    "11010519491231002X",
    "110105491231002",
    "810000199408230021",
    "911398199012310021",
)

# Run the demo as ``python -m pip install . && volunteerkit demo`` does on a fresh machine,
# where the optional ``cryptography`` package is not installed.
_WITHOUT_CRYPTOGRAPHY = """
import sys
sys.modules["cryptography"] = None  # import fails and find_spec finds nothing, as when absent
from volunteerkit.cli import main
sys.exit(main(sys.argv[1:]))
"""


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(argv), out=out)
    return code, out.getvalue()


def test_the_readme_demo_runs_without_the_crypto_extra(tmp_path: Path) -> None:
    """Without ``cryptography`` the demo still runs every step and says what it left out."""
    result = subprocess.run(
        [sys.executable, "-c", _WITHOUT_CRYPTOGRAPHY, "demo"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "\n8. Statistics" in result.stdout and result.stdout.endswith("Done.\n")
    assert result.stdout.count("python -m pip install '.[crypto]'") == 2  # as README says
    sealed = next(x for x in result.stdout.splitlines() if "what the store keeps" in x)
    assert '"sealed with key": null' in sealed
    receipt = next(x for x in result.stdout.splitlines() if "receipt signed by Beijing" in x)
    assert '"signature": "hmac-sha256 bj-demo-hmac"' in receipt


def test_a_kept_database_does_not_become_the_demos(tmp_path: Path) -> None:
    """After ``--keep`` on a database it did not create, the demo refuses to replace it.

    Even when the database held nothing (a new store), only actors the demo also uses (the
    getting-started page records as ``coordinator-7``), or another application's tables.
    """
    from volunteerkit.audit import record
    from volunteerkit.stores import SQLiteStore

    empty = tmp_path / "new.sqlite"
    SQLiteStore(empty).close()
    docs = tmp_path / "docs.sqlite"
    store = SQLiteStore(docs)
    clock = FixedClock(datetime(2026, 11, 28, 1, 0, tzinfo=UTC))
    store.audit.append(
        record(clock, actor="coordinator-7", action="volunteer.register",
               subject_type="volunteer", subject_id="v-001")
    )  # fmt: skip
    store.close()
    other = tmp_path / "app.db"  # another application's database
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE customers (id INTEGER, name TEXT)")
    conn.execute("INSERT INTO customers VALUES (1, 'Ann')")
    conn.commit()
    conn.close()
    for db in (empty, docs, other):
        assert run("demo", "--db", str(db), "--keep")[0] == 0
        before = db.read_bytes()
        code, text = run("--json", "demo", "--db", str(db))
        error = json.loads(text)["error"]
        assert (code, error["code"], error["path"]) == (2, "demo.file_taken", "$.db")
        assert db.read_bytes() == before
        assert run("demo", "--db", str(db), "--keep")[0] == 0  # --keep still runs on it


def test_an_empty_file_given_as_store_stays_the_demos(tmp_path: Path) -> None:
    """``--store sqlite:///`` on an empty file makes the demo's own database: a rerun may use it."""
    empty = tmp_path / "empty.sqlite"
    empty.write_bytes(b"")
    url = f"sqlite:///{empty}"
    assert run("demo", "--store", url, "--out-dir", str(tmp_path))[0] == 0
    code, text = run("demo", "--store", url, "--out-dir", str(tmp_path))
    assert code == 0 and "not one the demo created" not in text


def test_the_demo_prints_and_writes_no_full_identity_number(tmp_path: Path) -> None:
    """Neither the output (prose or JSON) nor the files the demo writes hold a full number."""
    code, prose = run("demo", "--db", str(tmp_path / "a.sqlite"))
    assert code == 0
    code, lines = run("--json", "demo", "--db", str(tmp_path / "a.sqlite"))
    assert code == 0
    written = [p for p in tmp_path.iterdir() if p.is_file() and not p.name.endswith(".sqlite")]
    written += list((tmp_path / "demo-transfer").iterdir())
    texts = [prose, lines, *(p.read_text("utf-8") for p in written)]
    for number in FULL_NUMBERS:
        assert not any(number in t or number.lower() in t for t in texts), number


def test_the_figures_the_demo_prints_are_the_stores(tmp_path: Path) -> None:
    """What the demo prints agrees with what its store holds when read back afterwards."""
    from volunteerkit.hours import BEIJING_UNIVERSITY
    from volunteerkit.hours.ledger import Ledger
    from volunteerkit.stores import SQLiteStore

    db = tmp_path / "demo.sqlite"
    code, text = run("--json", "demo", "--db", str(db))
    assert code == 0
    records = [r for r in map(json.loads, text.splitlines()) if "label" in r]
    shown = {r["label"]: r["value"] for r in records}
    zhang = next(r["value"]["id"] for r in records if r["label"] == "registered cn_ric")
    store = SQLiteStore(db)
    try:
        clock = FixedClock(datetime(2027, 1, 1, tzinfo=UTC))
        ledger = Ledger(store, clock=clock, policy=BEIJING_UNIVERSITY, origin="demo")
        credited = ledger.totals(zhang).credited_minutes
        by_category = {str(k[0]): m.credited for k, m in ledger.minutes_by("category").items()}
        entries = store.ledger.count_entries()
    finally:
        store.close()
    assert shown["Beijing: 张丽's credited minutes before and after"] == [credited - 1020, credited]
    by_month = shown["k=1 (demo only, no suppression): credited minutes by month"]
    assert sum(by_month.values()) == sum(by_category.values())
    assert shown["recorded (written, already present)"] == [5, 0]
    assert shown["deployment days recorded now (0 on a replay)"] == 18
    assert entries == 5 + 18 + 1 + 3  # hours step, deployment, make-up day, Hami's summer


def test_a_refused_run_writes_nothing(tmp_path: Path) -> None:
    """A run refused with demo.file_taken leaves the folder exactly as it was (no -wal, -shm)."""
    assert run("demo", "--db", str(tmp_path / "demo.sqlite"))[0] == 0
    (tmp_path / "demo-hours.csv").write_text("my own export\n", encoding="utf-8")
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
    code, text = run("--json", "demo", "--db", str(tmp_path / "demo.sqlite"))
    assert (code, json.loads(text)["error"]["code"]) == (2, "demo.file_taken")
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()} == before


def test_the_api_reference_names_every_public_module() -> None:
    """Each public module is rendered in docs/reference: by name, or through modules re-exporting it.

    (The demo's pages promise an API reference; a module added without a ``:::`` line is not in it.)
    """
    import importlib
    import pkgutil

    import volunteerkit

    root = Path(__file__).resolve().parent.parent
    named = {
        line.split()[1]
        for page in (root / "docs" / "reference").glob("*.md")
        for line in page.read_text("utf-8").splitlines()
        if line.startswith("::: ")
    }
    modules = [
        info.name
        for info in pkgutil.walk_packages(volunteerkit.__path__, "volunteerkit.")
        if not any(part.startswith("_") for part in info.name.split("."))
        and info.name != "volunteerkit.cli"  # the command, documented in README and its --help
    ]
    kept: list[object] = []  # the objects of every module named in the reference, kept alive
    for name in named:
        module = importlib.import_module(name)
        kept += [module, *(getattr(module, n) for n in getattr(module, "__all__", ()))]
    rendered = {id(obj) for obj in kept}
    missing = [
        name
        for name in modules
        if name not in named
        and not all(
            id(getattr(module, n)) in rendered
            for module in [importlib.import_module(name)]
            for n in getattr(module, "__all__", ["(no __all__)"])
        )
    ]
    assert missing == []


def test_the_report_step_prints_a_zero_as_zero(tmp_path: Path) -> None:
    """On a store with nobody registered, k=1 shows 0 volunteers, not 'suppressed'."""
    from volunteerkit._demo import DemoContext, s90_report
    from volunteerkit.stores import MemoryStore

    out = io.StringIO()
    ctx = DemoContext(store=MemoryStore(), json_mode=True, out=out)
    ctx.data["out_dir"] = str(tmp_path)
    s90_report.run(ctx)
    lines = map(json.loads, out.getvalue().splitlines())
    shown = {r["label"]: r["value"] for r in lines if "label" in r}
    assert shown["k=1 (demo only, no suppression): registered volunteers"] == 0
    assert shown["k=5 (default): registered volunteers"] == "suppressed"
