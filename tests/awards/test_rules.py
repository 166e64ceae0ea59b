"""The rule language: loading TOML and JSON, every problem reported, models round-trip."""

from __future__ import annotations

import json
import pickle
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from volunteerkit import structure, unstructure
from volunteerkit.awards import (
    AgeBand,
    AgeOn,
    AwardSubject,
    Citation,
    Counting,
    CreditKind,
    Level,
    Repeat,
    RuleProblem,
    RuleSet,
    RuleSetInvalid,
    SourceStatus,
    check_rules,
    evaluate,
    list_rule_sets,
    load_rule_set,
    load_rules,
    loads_rules,
    parse_rules,
    rule_set_text,
    rules_to_json,
)
from volunteerkit.awards.commands import check_command
from volunteerkit.hours import Source
from volunteerkit.testing.strategies_awards import rule_sets

from .helpers import at, line

GOOD = """
id = "partner.stars"
version = "2026"
name_zh = "伙伴星级"
name_en = "Partner stars"
effective_from = 2026-01-01

[[sources]]
title = "Partner board decision, 12 January 2026"
status = "primary"

[window]
kind = "since"
start = "registration"

[[levels]]
id = "star-1"
name_zh = "一星"
name_en = "One star"
hours = 50
"""


def codes(err: RuleSetInvalid) -> list[tuple[str, str]]:
    return [(p.path, p.code) for p in err.problems]


def test_a_good_file_loads_from_toml_and_json_alike(tmp_path):
    """The same rule set written as TOML and as JSON loads to equal models."""
    from_toml = loads_rules(GOOD)
    assert from_toml.effective_from == date(2026, 1, 1)
    assert from_toml.levels[0].threshold == 3000
    path = tmp_path / "partner.json"
    path.write_text(rules_to_json(from_toml), encoding="utf-8")
    assert load_rules(path) == from_toml
    assert json.loads(path.read_text(encoding="utf-8"))["window"] == {
        "kind": "since",
        "start": "registration",
    }


def test_every_problem_is_reported_with_its_path_and_code():
    """A file with many mistakes reports all of them at once, in document order."""
    broken = """
id = "Partner Stars"
version = ""
name_zh = "伙伴星级"
name_en = "Partner stars"
effective_from = "next spring"
colour = "gold"
sources = []

[window]
kind = "rolling_months"

[[levels]]
id = "star-1"
name_zh = "一星"
name_en = "One star"
hours = 50.5
repeat = "sometimes"

[[levels]]
id = "star-1"
name_zh = "二星"
name_en = "Two stars"
minutes = 0
requires = ["star-9", "star-1"]
age = { min_age = 12, max_age = 10 }
group = { member_hours = 5 }
"""
    with pytest.raises(RuleSetInvalid) as info:
        loads_rules(broken)
    assert codes(info.value) == [
        ("$.id", "awards.rules.pattern"),
        ("$.version", "awards.rules.length"),
        ("$.effective_from", "awards.rules.pattern"),
        ("$.colour", "awards.rules.unknown_field"),
        ("$.sources", "awards.rules.length"),
        ("$.window", "awards.rules.missing"),
        ("$.levels[0].hours", "awards.rules.type"),
        ("$.levels[0].repeat", "awards.rules.value"),
        ("$.levels[1].minutes", "awards.rules.range"),
        ("$.levels[1]", "awards.rules.group_age"),
        ("$.levels[1].id", "awards.rules.duplicate_level"),
        ("$.levels[1].requires[0]", "awards.rules.unknown_prerequisite"),
        ("$.levels[1].requires[1]", "awards.rules.prerequisite_order"),
        ("$.levels[1].age.max_age", "awards.rules.age_range"),
    ]
    err = info.value
    assert err.code == "awards.rules.invalid"
    assert err.path == "$.id"
    assert err.message_zh == "规则集有 14 个问题"
    assert err.problems[6].message == (
        "expected a whole number (floats are inexact: write whole numbers, or use minutes)"
    )
    assert err.problems[6].message_zh == "应为整数(浮点数不精确:请写整数,或改用分钟)"


def test_a_toml_date_that_does_not_exist_is_a_syntax_error():
    """TOML itself refuses 30 February; a JSON string date is checked by the loader."""
    with pytest.raises(RuleSetInvalid) as toml_err:
        loads_rules(GOOD.replace("2026-01-01", "2026-02-30"))
    assert codes(toml_err.value) == [("$", "awards.rules.syntax")]
    data = unstructure(loads_rules(GOOD))
    data["effective_from"] = "2026-02-30"
    with pytest.raises(RuleSetInvalid) as json_err:
        loads_rules(json.dumps(data), format="json")
    assert codes(json_err.value) == [("$.effective_from", "awards.rules.date")]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            {"effective_to": "2025-12-31"},
            [("$.effective_to", "awards.rules.effective_dates")],
        ),
        (
            {"window": {"kind": "date_range", "first": "2026-02-01", "last": "2026-01-31"}},
            [("$.window.last", "awards.rules.date_range")],
        ),
        (
            {"window": {"kind": "rolling_months", "months": 12}, "repeat": "per_period"},
            [("$.levels[0].repeat", "awards.rules.repeat_window")],
        ),
        (
            {"window": {"kind": "lifetime"}, "age": {"min_age": 5, "on": "period_start"}},
            [("$.levels[0].age.on", "awards.rules.age_on_lifetime")],
        ),
        (
            {"counting": {"include_categories": ["care"], "exclude_categories": ["x", "care"]}},
            [("$.counting.exclude_categories[1]", "awards.rules.filter_conflict")],
        ),
        (
            {"window": {"kind": "since", "start": "registration", "first": "2026-01-01"}},
            [("$.window.first", "awards.rules.unknown_field")],
        ),
        (  # a field no window has was reported twice (by the window and by its kind)
            {"window": {"kind": "calendar_year", "repeat": "per_period"}},
            [("$.window.repeat", "awards.rules.unknown_field")],
        ),
        ({"hours": 50, "minutes": 3000}, [("$.levels[0]", "awards.rules.one_of")]),
        ({"format": 2}, [("$.format", "awards.rules.value")]),
        ({"url": "ftp://x"}, [("$.sources[0].url", "awards.rules.pattern")]),
    ],
)
def test_each_check(change, expected):
    """Each kind of problem is found with its code and path."""
    data = unstructure(loads_rules(GOOD))
    level = data["levels"][0]
    for key, value in change.items():
        if key in ("repeat", "age", "hours", "minutes"):
            level[key] = value
        elif key == "url":
            data["sources"][0]["url"] = value
        else:
            data[key] = value
    with pytest.raises(RuleSetInvalid) as info:
        parse_rules(data)
    assert codes(info.value) == expected


def test_syntax_file_and_format_errors(tmp_path):
    """Bad syntax, a missing file and an unknown extension are reported as problems too."""
    with pytest.raises(RuleSetInvalid) as toml_err:
        loads_rules('id = "x"\nversion = \nname_zh = "y"')
    assert codes(toml_err.value) == [("$", "awards.rules.syntax")]
    assert "line 2" in toml_err.value.problems[0].message
    with pytest.raises(RuleSetInvalid) as json_err:
        loads_rules('{"id": NaN}', format="json")
    assert codes(json_err.value) == [("$", "awards.rules.syntax")]
    with pytest.raises(RuleSetInvalid) as missing:
        load_rules(tmp_path / "absent.toml")
    assert codes(missing.value) == [("$", "awards.rules.file")]
    (tmp_path / "rules.yaml").write_text("id: x", encoding="utf-8")
    with pytest.raises(RuleSetInvalid) as extension:
        load_rules(tmp_path / "rules.yaml")
    assert codes(extension.value) == [("$", "awards.rules.file")]
    with pytest.raises(RuleSetInvalid) as not_utf8:
        loads_rules(b"\xff\xfe")
    assert codes(not_utf8.value) == [("$", "awards.rules.syntax")]
    with pytest.raises(RuleSetInvalid) as not_a_table:
        parse_rules(["a list"])
    assert codes(not_a_table.value) == [("$", "awards.rules.type")]


@pytest.mark.parametrize(
    ("call", "detail"),
    [
        (lambda: load_rules(None), "the path must be text or a Path"),
        (lambda: load_rules(5), "the path must be text or a Path"),
        (lambda: loads_rules(None), "the rule text must be str or bytes"),
        (lambda: loads_rules(["id"], format="json"), "the rule text must be str or bytes"),
        (lambda: loads_rules(b"\xff", format=5), "unknown format 5 (toml or json)"),
    ],
)
def test_a_path_text_or_format_of_the_wrong_type_is_a_file_problem(call, detail):
    """load_rules(None) and loads_rules(None) raised TypeError and AttributeError from inside."""
    with pytest.raises(RuleSetInvalid) as err:
        call()
    assert codes(err.value) == [("$", "awards.rules.file")]
    assert detail in err.value.problems[0].message


def test_rules_are_data_never_code():
    """Text that looks like code stays text: nothing in a rule file is executed."""
    data = unstructure(loads_rules(GOOD))
    data["name_en"] = "__import__('os').system('echo pwned')"
    data["levels"][0]["note"] = "{{7*7}} ${7*7} `rm -rf /`"
    rule_set = parse_rules(data)
    assert rule_set.name_en == "__import__('os').system('echo pwned')"
    assert rule_set.levels[0].note == "{{7*7}} ${7*7} `rm -rf /`"


def test_a_rule_set_built_in_python_is_checked_like_a_file():
    """Constructing an invalid RuleSet raises RuleSetInvalid with every problem."""
    level = Level(id="a", name_zh="甲", name_en="A", hours=1, requires=("b",))
    with pytest.raises(RuleSetInvalid) as info:
        RuleSet(
            id="x.y",
            version="1",
            name_zh="乙",
            name_en="B",
            sources=(),
            levels=(level, Level(id="a", name_zh="甲", name_en="A")),
        )
    assert codes(info.value) == [
        ("$.sources", "awards.rules.length"),
        ("$.levels[1]", "awards.rules.one_of"),
        ("$.levels[0].requires[0]", "awards.rules.unknown_prerequisite"),
        ("$.levels[1].id", "awards.rules.duplicate_level"),
    ]
    citation = Citation(title="t", status=SourceStatus.PRIMARY)
    with pytest.raises(RuleSetInvalid) as wrong_type:
        RuleSet(id="x.y", version="1", name_zh="乙", name_en="B", sources=(citation,), levels=(1,))  # type: ignore[arg-type]
    assert codes(wrong_type.value) == [("$", "awards.rules.type")]


def test_the_error_survives_pickling():
    """RuleSetInvalid crosses process boundaries with its problems."""
    err = RuleSetInvalid(
        [RuleProblem(path="$.id", code="awards.rules.pattern", message="m", message_zh="z")]
    )
    again = pickle.loads(pickle.dumps(err))
    assert (again.problems, again.code, again.path) == (err.problems, err.code, "$.id")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rule_set=rule_sets())
def test_rule_sets_round_trip_through_the_converter_json_and_toml_shape(rule_set):
    """structure(unstructure(x)) == x, and the JSON text loads back equal."""
    assert structure(unstructure(rule_set), RuleSet) == rule_set
    assert loads_rules(rules_to_json(rule_set), format="json") == rule_set


def test_every_built_in_rule_set_round_trips():
    """Each catalog file loads, and writes back to an equal rule set."""
    for entry in list_rule_sets():
        rule_set = load_rule_set(entry.id, entry.version)
        assert structure(unstructure(rule_set), RuleSet) == rule_set
        assert loads_rules(rule_set_text(entry.id, entry.version)) == rule_set


@pytest.mark.parametrize("bad_id", [["star-1"], {"x": 1}])
def test_a_level_id_that_is_a_list_or_table_is_reported_not_raised(bad_id):
    """A level id of the wrong type is one type problem at its path, not a TypeError."""
    data = unstructure(loads_rules(GOOD))
    data["levels"][0]["id"] = bad_id
    data["levels"].append({"id": "star-2", "name_zh": "二星", "name_en": "Two", "hours": 90})
    data["levels"][1]["requires"] = ["star-1"]
    with pytest.raises(RuleSetInvalid) as info:
        loads_rules(json.dumps(data), format="json")
    assert codes(info.value) == [
        ("$.levels[0].id", "awards.rules.type"),
        ("$.levels[1].requires[0]", "awards.rules.unknown_prerequisite"),
    ]


@pytest.mark.parametrize(
    ("text", "format", "label"),
    [("[" * 100_000, "json", "JSON"), ("a = " + "[" * 100_000, "toml", "TOML")],
)
def test_nesting_too_deep_for_the_parser_is_a_syntax_problem(text, format, label):
    """Lists nested past the parser's recursion limit are a syntax problem, not RecursionError."""
    with pytest.raises(RuleSetInvalid) as info:
        loads_rules(text, format=format)
    assert codes(info.value) == [("$", "awards.rules.syntax")]
    assert info.value.problems[0].message == (
        f"the file is not valid {label}: lists or tables nested too deeply"
    )


def _nested(depth: int) -> list[object]:
    """A list nested ``depth`` deep (``[[…]]``), built without recursion."""
    value: list[object] = []
    for _ in range(depth - 1):
        value = [value]
    return value


def _deep_categories(depth: int) -> dict[str, object]:
    """GOOD as data, with two copies of a list nested ``depth`` deep in exclude_categories."""
    data = unstructure(loads_rules(GOOD))
    data["counting"] = {"exclude_categories": [_nested(depth), _nested(depth)]}
    return data


_TOO_DEEP_CATEGORIES = [
    "$.counting.exclude_categories[0]" + "[0]" * 29,
    "$.counting.exclude_categories[1]" + "[0]" * 29,
]  # the lists at depth 33: $ is 1, counting 2, exclude_categories 3


@pytest.mark.parametrize(("format", "depth"), [("json", 600), ("toml", 300)])
def test_lists_nested_hundreds_deep_in_a_file_are_a_syntax_problem_at_their_path(
    tmp_path, format, depth
):
    """Two copies of a deeply nested list in a uniqueItems list: syntax problems, not a crash.

    The parser read them, but comparing the copies for uniqueItems recursed once per level: JSON
    600 deep raised RecursionError out of ``loads_rules`` and ``volunteerkit awards check``, and
    TOML 300 deep was checked item by item as if the depth were fine.
    """
    if format == "json":
        text = json.dumps(_deep_categories(depth))
    else:
        nest = "[" * depth + "]" * depth
        text = GOOD + f"\n[counting]\nexclude_categories = [{nest}, {nest}]\n"
    with pytest.raises(RuleSetInvalid) as info:
        loads_rules(text, format=format)
    assert codes(info.value) == [(path, "awards.rules.syntax") for path in _TOO_DEEP_CATEGORIES]
    assert info.value.problems[0].message == (
        f"the file is not valid {format.upper()}: lists or tables nested too deeply"
    )
    path = tmp_path / f"deep.{format}"
    path.write_text(text, encoding="utf-8")
    status, report = check_command(str(path))
    assert status == 1
    assert [(p["path"], p["code"]) for p in report["problems"]] == codes(info.value)


def test_data_nested_too_deep_is_a_type_problem_at_its_path():
    """Python data nested past 32 (or a list that holds itself) gets a type problem per value."""
    with pytest.raises(RuleSetInvalid) as info:
        parse_rules(_deep_categories(600))
    assert codes(info.value) == [(path, "awards.rules.type") for path in _TOO_DEEP_CATEGORIES]
    assert info.value.problems[0].message == (
        "expected a value that is not a list or table (lists and tables nest at most 32 deep)"
    )
    assert info.value.problems[0].message_zh == "应为非列表或表的值(列表和表最多嵌套 32 层)"
    itself: list[object] = []
    itself.append(itself)
    data = unstructure(loads_rules(GOOD))
    data["levels"][0]["requires"] = itself
    with pytest.raises(RuleSetInvalid) as loop:
        parse_rules(data)
    assert codes(loop.value) == [("$.levels[0].requires" + "[0]" * 29, "awards.rules.type")]


def test_lists_nested_32_deep_are_checked_as_usual():
    """At the limit (32 deep) nothing is refused for depth: the schema finds the wrong types."""
    with pytest.raises(RuleSetInvalid) as info:
        parse_rules(_deep_categories(29))
    assert codes(info.value) == [
        ("$.counting.exclude_categories[0]", "awards.rules.type"),
        ("$.counting.exclude_categories[1]", "awards.rules.type"),
        ("$.counting.exclude_categories[1]", "awards.rules.duplicate_item"),
    ]


def test_a_json_key_given_twice_is_a_syntax_problem():
    """JSON with ``"hours"`` twice in one level is refused, as TOML refuses it, not read as the last."""
    data = unstructure(loads_rules(GOOD))
    text = json.dumps(data).replace('"hours": 50', '"hours": 50, "hours": 5')
    assert '"hours": 5}' in text
    with pytest.raises(RuleSetInvalid) as json_err:
        loads_rules(text, format="json")
    assert codes(json_err.value) == [("$", "awards.rules.syntax")]
    assert "'hours' is given twice" in json_err.value.problems[0].message
    with pytest.raises(RuleSetInvalid) as toml_err:
        loads_rules(GOOD.replace("hours = 50", "hours = 50\nhours = 5"))
    assert codes(toml_err.value) == [("$", "awards.rules.syntax")]


def test_a_toml_integer_too_long_to_convert_is_a_syntax_problem():
    """An integer of 5,000 digits (past Python's conversion limit) is a syntax problem in TOML too."""
    with pytest.raises(RuleSetInvalid) as toml_err:
        loads_rules(GOOD.replace("hours = 50", "hours = " + "9" * 5000))
    assert codes(toml_err.value) == [("$", "awards.rules.syntax")]
    assert toml_err.value.problems[0].message.startswith("the file is not valid TOML: Exceeds")
    data = json.dumps(unstructure(loads_rules(GOOD))).replace(
        '"hours": 50', '"hours": ' + "9" * 5000
    )
    with pytest.raises(RuleSetInvalid) as json_err:
        loads_rules(data, format="json")
    assert codes(json_err.value) == [("$", "awards.rules.syntax")]


@pytest.mark.parametrize("suffix", [".toml", ".json"])
def test_a_file_saved_with_a_utf8_byte_order_mark_loads(tmp_path, suffix):
    """A rule file saved as "UTF-8 with BOM" (as Windows editors do) loads like one without."""
    expected = loads_rules(GOOD)
    text = GOOD if suffix == ".toml" else rules_to_json(expected)
    path = tmp_path / f"rules{suffix}"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert load_rules(path) == expected


def test_enum_fields_given_as_text_in_python_become_their_members():
    """``Counting(credit="credited")`` is CreditKind.CREDITED: the engine counts credited minutes.

    Text equal to the default passed the check (it is left out when written) but stayed text, and
    the engine, which compares members by identity, counted weighted micro-minutes instead.
    """
    citation = Citation(title="t", status="primary")
    assert citation.status is SourceStatus.PRIMARY
    level = Level(id="a", name_zh="甲", name_en="A", hours=2, repeat="once")
    assert level.repeat is Repeat.ONCE
    assert AgeBand(on="period_end").on is AgeOn.PERIOD_END
    counting = Counting(credit="credited", exclude_sources=["self_declared"])
    assert counting.credit is CreditKind.CREDITED
    assert counting.exclude_sources == (Source.SELF_DECLARED,)
    rule_set = RuleSet(
        id="x.y", version="1", name_zh="乙", name_en="B", sources=(citation,), levels=(level,),
        counting=counting,
    )  # fmt: skip
    lines = [line(date(2024, 1, d), 60, f"e{d}", source=Source.ORGANIZATION) for d in range(1, 4)]
    [award] = (
        evaluate(rule_set, AwardSubject(id="v1"), lines, at(date(2024, 6, 1)))
        .level("a")
        .achievements
    )
    assert (award.crossed_on, award.counted_minutes) == (date(2024, 1, 2), 120)
    with pytest.raises(RuleSetInvalid) as info:
        RuleSet(
            id="x.y", version="1", name_zh="乙", name_en="B", sources=(citation,),
            levels=(Level(id="a", name_zh="甲", name_en="A", hours=2, repeat="yearly"),),
        )  # fmt: skip
    assert [(p.code, p.path) for p in info.value.problems] == [
        ("awards.rules.value", "$.levels[0].repeat")
    ]


def test_text_naming_no_member_is_reported_where_it_is_as_in_a_rule_file():
    """Built in Python, a rule set reports such text at its field, as ``parse_rules`` does.

    It used to be one problem, ``awards.rules.type`` at ``$``, since the text could not be
    written out for the check.
    """
    with pytest.raises(RuleSetInvalid) as info:
        RuleSet(
            id="x.y", version="1", name_zh="乙", name_en="B",
            sources=(Citation(title="t", status="bogus"),),
            counting=Counting(credit="bogus"),
            levels=(Level(id="a", name_zh="甲", name_en="A", hours=2, repeat="yearly"),),
        )  # fmt: skip
    found = [(p.code, p.path) for p in info.value.problems]
    assert found == [
        ("awards.rules.value", "$.sources[0].status"),
        ("awards.rules.value", "$.levels[0].repeat"),
        ("awards.rules.value", "$.counting.credit"),
    ]
    as_file = {
        "format": 1, "id": "x.y", "version": "1", "name_zh": "乙", "name_en": "B",
        "sources": [{"title": "t", "status": "bogus"}], "counting": {"credit": "bogus"},
        "levels": [{"id": "a", "name_zh": "甲", "name_en": "A", "hours": 2, "repeat": "yearly"}],
    }  # fmt: skip
    assert sorted((p.code, p.path) for p in check_rules(as_file)) == sorted(found)


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-2, 10**6) | st.text(max_size=4),
    lambda inner: (
        st.lists(inner, max_size=2) | st.dictionaries(st.text(max_size=3), inner, max_size=2)
    ),
    max_leaves=4,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    field=st.sampled_from(["id", "requires", "window", "counting", "age", "repeat", "hours"]),
    value=_JSON,
    where=st.sampled_from(["first", "second", "rule set"]),
)
def test_any_json_value_anywhere_is_a_problem_never_a_crash(field, value, where):
    """Whatever JSON value a field holds, loading reports problems (RuleSetInvalid), never raises."""
    data = unstructure(loads_rules(GOOD))
    data["levels"].append(
        {"id": "star-2", "name_zh": "二星", "name_en": "Two", "hours": 90, "requires": ["star-1"]}
    )
    target = data if where == "rule set" else data["levels"][0 if where == "first" else 1]
    target[field] = value
    problems: tuple[RuleProblem, ...] = ()
    try:
        parse_rules(data)
    except RuleSetInvalid as err:
        problems = err.problems
    assert all(p.path.startswith("$") and p.code.startswith("awards.") for p in problems)
