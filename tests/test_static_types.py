"""What users type against the library must type-check (mypy --strict)."""

from __future__ import annotations

from pathlib import Path

from mypy import api


def test_stores_clocks_and_repositories_satisfy_the_protocols(tmp_path: Path) -> None:
    """``tests/_typing_protocols.py`` passes every store to every store protocol, and more."""
    checked = Path(__file__).with_name("_typing_protocols.py")
    out, err, status = api.run(
        ["--strict", "--no-error-summary", "--cache-dir", str(tmp_path / "mypy"), str(checked)]
    )
    assert status == 0, out + err
