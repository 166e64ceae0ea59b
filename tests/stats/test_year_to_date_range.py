"""An as-of whose local year is outside the window's range is refused at the option given."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from volunteerkit.cli import main
from volunteerkit.errors import InvalidInputError
from volunteerkit.stats.commands import year_to_date

SH = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(
    "as_of",
    [
        datetime(1799, 12, 31, tzinfo=UTC),  # 31 December 1799, 08:00 in Shanghai
        datetime(1700, 1, 1, tzinfo=UTC),
        datetime(9900, 1, 1, tzinfo=UTC),
    ],
)
def test_year_to_date_outside_1800_to_9899_is_stats_date_at_as_of(as_of: datetime) -> None:
    """year_to_date says stats.date at $.as_of, not at the window's $.first or $.last.

    Before, only an OverflowError was caught, and Window's own error (path $.first) passed.
    """
    with pytest.raises(InvalidInputError) as caught:
        year_to_date(as_of, SH)
    error = caught.value
    assert (error.code, error.path) == ("stats.date", "$.as_of")
    assert error.message == "the date must be from 1800-01-01 to 9899-12-31"
    assert error.message_zh == "日期必须在 1800-01-01 至 9899-12-31 之间"


def test_stats_and_report_name_the_as_of_option(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """stats and report with --as-of before 1800 exit 2 with stats.date at $.as_of."""
    out = io.StringIO()
    argv = ["report", "memory:", str(tmp_path / "x.html"), "--as-of", "1700-01-01T00:00:00+00:00"]
    assert main(["--json", *argv], out=out) == 2
    error = json.loads(out.getvalue())["error"]
    assert (error["code"], error["path"]) == (
        "stats.date",
        "$.as_of",
    )
    assert not (tmp_path / "x.html").exists()
    assert main(["stats", "memory:", "--as-of", "1799-12-31T00:00:00+00:00"], out=io.StringIO()) == 2
    assert capsys.readouterr().err == (
        "error: [stats.date] the date must be from 1800-01-01 to 9899-12-31 (at $.as_of)\n"
        "       日期必须在 1800-01-01 至 9899-12-31 之间\n"
    )
