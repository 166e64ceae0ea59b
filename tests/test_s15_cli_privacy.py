"""Usage errors of the command never quote an identity number typed in the wrong place."""

from __future__ import annotations

import json

import pytest

from volunteerkit.cli import main

NUMBER = "360426199101010071"
MASKED = "360426********0071"


def usage_error(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """Run the command, expect a usage error (status 2), return its last line."""
    with pytest.raises(SystemExit) as exit_:
        main(list(argv))
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert NUMBER not in err and "11010519491231002X" not in err
    return err.splitlines()[-1]


@pytest.mark.parametrize(
    ("argv", "line"),
    [
        (
            ["identity", NUMBER],
            f"volunteerkit identity: error: argument ACTION: invalid choice: '{MASKED}' "
            "(choose from 'validate', 'detect')",
        ),
        (
            [NUMBER],
            f"volunteerkit: error: argument COMMAND: invalid choice: '{MASKED}' (choose from "
            "'demo', 'migrate', 'audit', 'identity', 'hours', 'awards', 'transfer', 'stats', "
            "'report')",
        ),
        (
            ["migrate", "memory:", NUMBER, "A123456(3)", "--force"],
            f"volunteerkit: error: unrecognized arguments: {MASKED} A1******3) --force",
        ),
        (
            ["audit", "memory:", "--since", NUMBER],
            f"volunteerkit audit: error: argument --since: not an ISO 8601 datetime: '{MASKED}'",
        ),
        (
            ["hours", "export", "memory:", "out.csv", "--to", "13123456789"],
            "volunteerkit hours export: error: argument --to: not an ISO 8601 date: '13*******89'",
        ),
        (
            ["stats", "memory:", "--k", "11010519491231002X"],
            "volunteerkit stats: error: argument --k: invalid int value: '110105********002X'",
        ),
        (
            ["identity", "validate", "cn_ric", NUMBER, f"--reveal={NUMBER}"],
            "volunteerkit identity validate: error: argument --reveal: ignored explicit "
            f"argument '{MASKED}'",
        ),
    ],
)
def test_a_number_typed_in_the_wrong_place_is_masked_in_the_usage_error(
    capsys: pytest.CaptureFixture[str], argv: list[str], line: str
) -> None:
    assert usage_error(capsys, *argv) == line


def test_words_and_dates_are_still_quoted_whole(capsys: pytest.CaptureFixture[str]) -> None:
    assert usage_error(capsys, "identity", "vaIidate", "cn_ric", NUMBER) == (
        "volunteerkit identity: error: argument ACTION: invalid choice: 'vaIidate' "
        "(choose from 'validate', 'detect')"
    )
    assert usage_error(capsys, "audit", "memory:", "--since", "2026-13-01T09:00:00+08:00") == (
        "volunteerkit audit: error: argument --since: not an ISO 8601 datetime: "
        "'2026-13-01T09:00:00+08:00'"
    )
    assert usage_error(capsys, "hours", "export", "memory:", "o.csv", "--from", "2026-02-30") == (
        "volunteerkit hours export: error: argument --from: not an ISO 8601 date: '2026-02-30'"
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["--json", NUMBER],
            f"argument COMMAND: invalid choice: '{MASKED}' (choose from 'demo', 'migrate', "
            "'audit', 'identity', 'hours', 'awards', 'transfer', 'stats', 'report')",
        ),
        (
            ["--json", "stats", "memory:", "--k", "11010519491231002X"],
            "argument --k: invalid int value: '110105********002X'",
        ),
        (
            ["--json", "identity", "validate"],
            "the following arguments are required: scheme, value",
        ),
    ],
)
def test_with_json_a_usage_error_is_the_json_of_every_other_error(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    """``--json`` asks for JSON on the output: a usage error too, not text on standard error."""
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2
    out, err = capsys.readouterr()
    assert err == ""
    assert json.loads(out) == {
        "ok": False,
        "error": {
            "code": "cli.usage",
            "message": message,
            "message_zh": f"命令用法有误:{message}",
            "path": None,
        },
    }


def test_json_after_a_double_dash_is_an_argument_not_the_option(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``-- --json`` gives text: after ``--``, ``--json`` is a value, not the option."""
    assert usage_error(capsys, "identity", "--", "--json") == (  # not a word: masked
        "volunteerkit identity: error: argument ACTION: invalid choice: '**' "
        "(choose from 'validate', 'detect')"
    )
