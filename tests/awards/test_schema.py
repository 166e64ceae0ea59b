"""The published JSON Schema: the built-in files validate, and it agrees with the loader."""

from __future__ import annotations

import copy
import tomllib
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from volunteerkit.awards import (
    LOADER_ONLY_CODES,
    RULES_SCHEMA,
    RuleSetInvalid,
    parse_rules,
    schema_json,
)
from volunteerkit.awards._validate import check

DOCS = Path(__file__).resolve().parents[2] / "docs" / "award-rules.schema.json"
VALIDATOR = jsonschema.Draft202012Validator(RULES_SCHEMA, format_checker=jsonschema.FormatChecker())


def as_json(value: Any) -> Any:
    """TOML data as JSON would hold it (dates become ISO text)."""
    if isinstance(value, dict):
        return {k: as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_json(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return value


def catalog() -> list[tuple[str, Any]]:
    folder = resources.files("volunteerkit.awards").joinpath("catalog")
    return [
        (f.name, tomllib.loads(f.read_text(encoding="utf-8")))
        for f in sorted(folder.iterdir(), key=lambda f: f.name)
        if f.name.endswith(".toml")
    ]


def test_the_schema_is_a_valid_draft_2020_12_schema():
    """The schema itself passes the metaschema check."""
    jsonschema.Draft202012Validator.check_schema(RULES_SCHEMA)


@pytest.mark.parametrize(("name", "data"), catalog())
def test_every_built_in_rule_file_validates(name, data):
    """Each catalog file is valid under the published schema."""
    errors = [e.message for e in VALIDATOR.iter_errors(as_json(data))]
    assert errors == [], name


def good() -> dict[str, Any]:
    return as_json(dict(catalog())["cn-cyl-stars.toml"])


def structural(data: Any) -> list[str]:
    return [code for _path, code, _en, _zh in check(data, RULES_SCHEMA)]


BROKEN: list[tuple[str, Any]] = [
    ("missing id", lambda d: d.pop("id")),
    ("unknown field", lambda d: d.update(colour="gold")),
    ("bad id", lambda d: d.update(id="CYL Stars")),
    ("float hours", lambda d: d["levels"][0].update(hours="100")),
    ("zero hours", lambda d: d["levels"][0].update(hours=0)),
    ("hours and minutes", lambda d: d["levels"][0].update(minutes=6000)),
    ("neither", lambda d: d["levels"][0].pop("hours")),
    ("bad window kind", lambda d: d.update(window={"kind": "weekly"})),
    ("rolling without months", lambda d: d.update(window={"kind": "rolling_months"})),
    ("field of another window kind", lambda d: d.update(window={"kind": "lifetime", "months": 3})),
    ("bad date", lambda d: d.update(effective_from="2026-02-30")),
    ("bad source status", lambda d: d["sources"][0].update(status="hearsay")),
    ("no sources", lambda d: d.update(sources=[])),
    ("no levels", lambda d: d.update(levels=[])),
    ("bad credit", lambda d: d.update(counting={"credit": "bonus"})),
    ("bad source filter", lambda d: d.update(counting={"include_sources": ["fax"]})),
    ("repeated category", lambda d: d.update(counting={"exclude_categories": ["a", "a"]})),
    (
        "group with age",
        lambda d: d["levels"][0].update(group={"member_hours": 1}, age={"min_age": 5}),
    ),
    ("group without minimum", lambda d: d["levels"][0].update(group={})),
    ("boolean threshold", lambda d: d["levels"][0].update(hours=True)),
    ("format 2", lambda d: d.update(format=2)),
]

MEANING: list[tuple[str, Any, str]] = [
    (
        "duplicate level",
        lambda d: d["levels"][1].update(id="star-1"),
        "awards.rules.duplicate_level",
    ),
    (
        "unknown prerequisite",
        lambda d: d["levels"][0].update(requires=["gold"]),
        "awards.rules.unknown_prerequisite",
    ),
    (
        "later prerequisite",
        lambda d: d["levels"][0].update(requires=["star-2"]),
        "awards.rules.prerequisite_order",
    ),
    (
        "dates reversed",
        lambda d: d.update(effective_from="2026-01-02", effective_to="2026-01-01"),
        "awards.rules.effective_dates",
    ),
    (
        "range reversed",
        lambda d: d.update(
            window={"kind": "date_range", "first": "2026-02-01", "last": "2026-01-01"}
        ),
        "awards.rules.date_range",
    ),
    (
        "ages reversed",
        lambda d: d["levels"][0].update(age={"min_age": 9, "max_age": 8}),
        "awards.rules.age_range",
    ),
    (
        "per period on rolling",
        lambda d: (
            d.update(window={"kind": "rolling_months", "months": 12}),
            d["levels"][0].update(repeat="per_period"),
        ),
        "awards.rules.repeat_window",
    ),
    (
        "age at a lifetime's start",
        lambda d: (
            d.update(window={"kind": "lifetime"}),
            d["levels"][0].update(age={"on": "period_start"}),
        ),
        "awards.rules.age_on_lifetime",
    ),
    (
        "included and excluded",
        lambda d: d.update(counting={"include_categories": ["a"], "exclude_categories": ["a"]}),
        "awards.rules.filter_conflict",
    ),
]


@pytest.mark.parametrize(("label", "change"), BROKEN)
def test_the_schema_and_the_loader_reject_the_same_broken_files(label, change):
    """A structural mistake is rejected by jsonschema and by the loader alike."""
    data = good()
    change(data)
    assert not VALIDATOR.is_valid(data), label
    assert structural(data), label
    with pytest.raises(RuleSetInvalid):
        parse_rules(data)


@pytest.mark.parametrize(("label", "change", "code"), MEANING)
def test_relations_between_fields_are_the_loaders_own_checks(label, change, code):
    """What JSON Schema cannot say is refused by the loader only, with a loader-only code."""
    data = good()
    change(data)
    assert VALIDATOR.is_valid(data), label
    with pytest.raises(RuleSetInvalid) as info:
        parse_rules(data)
    assert [p.code for p in info.value.problems] == [code]
    assert code in LOADER_ONLY_CODES


_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 2_000_000),
    st.sampled_from(
        [
            "",
            "x",
            "star-1",
            "2026-01-01",
            "2026-13-01",
            "lifetime",
            "since",
            "once",
            "per_period",
            "primary",
            "organization",
            "registration",
            "https://a.b",
        ]
    ),
    st.lists(st.sampled_from(["a", "b", "organization"]), max_size=3),
    st.fixed_dictionaries(
        {},
        optional={
            "kind": st.sampled_from(["lifetime", "since", "rolling_months"]),
            "months": st.integers(0, 13),
            "start": st.just("registration"),
        },
    ),
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            found += _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            found += _paths(v, (*prefix, i))
    return found


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_the_loaders_schema_check_agrees_with_jsonschema(data):
    """On random edits of a valid file, the built-in checker and jsonschema agree on validity."""
    doc = copy.deepcopy(good())
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(_paths(doc)[1:]))
        parent = doc
        for part in path[:-1]:
            parent = parent[part]
        action = data.draw(st.sampled_from(["replace", "delete", "add"]))
        if action == "delete":
            del parent[path[-1]]
        elif action == "add" and isinstance(parent, dict):
            parent[data.draw(st.sampled_from(["extra", "months", "note", "hours", "kind"]))] = (
                data.draw(_VALUES)
            )
        else:
            parent[path[-1]] = data.draw(_VALUES)
    assert VALIDATOR.is_valid(doc) == (structural(doc) == [])


def test_the_published_schema_file_is_up_to_date():
    """docs/award-rules.schema.json is exactly what schema_json() writes."""
    assert DOCS.read_text(encoding="utf-8") == schema_json()


@pytest.mark.parametrize(
    ("label", "change", "where"),
    [
        ("rule set id", lambda d: d.update(id="partner.stars\n"), "$.id"),
        ("level id", lambda d: d["levels"][0].update(id="star-1\n"), "$.levels[0].id"),
        (
            "window start",
            lambda d: d.update(window={"kind": "since", "start": "x\n"}),
            "$.window.start",
        ),
        ("source url", lambda d: d["sources"][0].update(url="https://a.b/\n"), "$.sources[0].url"),
    ],
)
def test_a_pattern_refuses_a_final_newline_as_json_schema_regexes_do(label, change, where):
    """``^…$`` patterns are ECMA-262 regexes: ``$`` does not match before a final newline."""
    data = good()
    change(data)
    with pytest.raises(RuleSetInvalid) as info:
        parse_rules(data)
    assert [(p.path, p.code) for p in info.value.problems] == [(where, "awards.rules.pattern")], (
        label
    )


def test_format_true_is_not_format_1():
    """``format = true`` is refused by the schema check (JSON's true is not 1), as jsonschema does."""
    data = good()
    data["format"] = True
    assert not VALIDATOR.is_valid(data)
    with pytest.raises(RuleSetInvalid) as info:
        parse_rules(data)
    assert [(p.path, p.code) for p in info.value.problems] == [("$.format", "awards.rules.value")]
    data["format"] = 1
    assert parse_rules(data).format == 1


@pytest.mark.parametrize(
    ("items", "duplicates"),
    [
        ([{"a": 1, "b": [2]}, {"b": [2], "a": 1}], [1]),  # the same object, keys in another order
        ([[1, 2], [1, 2], [2, 1]], [1]),
        ([1, True, 1.0, "1"], []),  # JSON's true is not 1, and 1.0 is a number of another type
        (["x", "y", "x", "x"], [2, 3]),
    ],
)
def test_unique_items_finds_each_repeat_at_its_index(items, duplicates):
    """uniqueItems reports every later copy of an item, comparing as the loader always did."""
    found = check(items, {"type": "array", "uniqueItems": True})
    assert [p[0] for p in found] == [f"$[{i}]" for i in duplicates]
    assert {p[1] for p in found} <= {"awards.rules.duplicate_item"}


def test_a_long_prerequisite_list_with_one_repeat_is_reported_at_the_repeat():
    """20,001 prerequisites with one repeat: one duplicate_item, at the repeat's index.

    The check looks each item up in a set: comparing each item with every earlier one took 18 s
    on a list like this, so a partner's large file could stall ``awards check``.
    """
    data = good()
    data["levels"][0]["requires"] = [f"x{i}" for i in range(20_000)] + ["x5"]
    with pytest.raises(RuleSetInvalid) as info:
        parse_rules(data)
    duplicate = [p.path for p in info.value.problems if p.code == "awards.rules.duplicate_item"]
    assert duplicate == ["$.levels[0].requires[20000]"]
