"""Identity numbers given as input never come back in an error.

Not in its path, its notes, or the errors chained to it (``__context__``, ``__cause__``), which a
logger or an error reporter may print.
"""

from __future__ import annotations

import io
import json
import pickle
import traceback
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from volunteerkit._clock import FixedClock
from volunteerkit._serialization import loads, structure, unstructure
from volunteerkit.audit import AuditEntry
from volunteerkit.errors import VolunteerkitError
from volunteerkit.hours.bulk import import_entries
from volunteerkit.hours.ledger import Ledger
from volunteerkit.registry import Volunteer, identity
from volunteerkit.registry.identity import Sex
from volunteerkit.stores import MemoryStore
from volunteerkit.transfer.canonical import check_canonical

NUMBER = "360426199101010071"
MASKED = "360426********0071"


def chained(err: BaseException) -> list[BaseException]:
    """``err`` and every error chained to it, whether shown by a traceback or not."""
    seen: list[BaseException] = []
    todo: list[BaseException | None] = [err]
    while todo:
        item = todo.pop()
        if item is None or any(item is s for s in seen):
            continue
        seen.append(item)
        todo += [item.__cause__, item.__context__, *getattr(item, "exceptions", ())]
    return seen


def texts(err: BaseException) -> str:
    """Everything an error shows or holds: str, repr, args, notes, attributes, the traceback."""
    out = ["".join(traceback.format_exception(err))]
    for item in chained(err):
        out += [str(item), repr(item), repr(item.args), repr(getattr(item, "__notes__", None))]
        out.append(repr(getattr(item, "__dict__", None)))
    return "\n".join(out)


def refused(data: Any, cls: Any) -> VolunteerkitError:
    with pytest.raises(VolunteerkitError) as info:
        structure(data, cls)
    return info.value


def volunteer_data() -> dict[str, Any]:
    volunteer = Volunteer(
        id="v1",
        name="张三",
        document=identity.parse("cn_ric", NUMBER),
        registered_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    data: dict[str, Any] = unstructure(volunteer)
    return data


def test_an_unknown_key_that_is_a_number_is_masked_in_the_path() -> None:
    data = volunteer_data()
    data[NUMBER] = "x"
    err = refused(data, Volunteer)
    assert (err.code, err.path) == ("serialization.unknown_field", f"$['{MASKED}']")
    assert err.__context__ is None and err.__cause__ is None
    assert NUMBER not in texts(err)


def test_an_unknown_key_of_a_nested_model_is_masked_in_the_path() -> None:
    data = volunteer_data()
    data["document"][NUMBER] = 1
    err = refused(data, Volunteer)
    assert (err.code, err.path) == ("serialization.unknown_field", f"$.document['{MASKED}']")
    assert NUMBER not in texts(err)


def test_an_unknown_key_that_is_a_name_is_shown_whole() -> None:
    data = volunteer_data()
    data["colour"] = "red"
    err = refused(data, Volunteer)
    assert (err.code, err.path) == ("serialization.unknown_field", "$.colour")


def test_a_mapping_key_is_masked_in_the_path_and_the_notes() -> None:
    err = refused({NUMBER: "unknown"}, dict[str, Sex])
    assert (err.code, err.path) == ("serialization.enum", f"$['{MASKED}']")
    assert getattr(err, "__notes__", None) is None
    assert err.__context__ is None
    assert NUMBER not in texts(err)
    named = refused({"first_key": "unknown"}, dict[str, Sex])
    assert named.path == "$['first_key']"
    assert refused(["male", NUMBER], list[Sex]).path == "$[1]"


@pytest.mark.parametrize(
    ("value", "cls", "code"),
    [
        (NUMBER, Sex, "serialization.enum"),
        (NUMBER, ZoneInfo, "serialization.zone"),
        ("x" + NUMBER, datetime, "serialization.datetime"),
    ],
)
def test_a_refused_value_leaves_no_stdlib_error_quoting_it(value: str, cls: Any, code: str) -> None:
    err = refused(value, cls)
    assert (err.code, err.path) == (code, "$")
    assert err.__context__ is None and err.__cause__ is None
    assert NUMBER not in texts(err)


def test_a_refused_field_leaves_no_stdlib_error_quoting_it() -> None:
    data = volunteer_data()
    data["sex"] = NUMBER
    err = refused(data, Volunteer)
    assert (err.code, err.path) == ("serialization.enum", "$.sex")
    assert err.__context__ is None
    assert getattr(err, "__notes__", None) is None
    assert NUMBER not in texts(err)


@pytest.mark.parametrize(
    "text",
    [
        json.dumps({"number": NUMBER})[:-1],  # cut short: JSONDecodeError keeps the whole text
        json.dumps({"number": NUMBER}).encode() + b"\xff",  # UnicodeDecodeError keeps the bytes
    ],
)
def test_invalid_json_keeps_no_copy_of_the_text(text: str | bytes) -> None:
    with pytest.raises(VolunteerkitError) as info:
        loads(text)
    err = info.value
    assert (err.code, err.path) == ("serialization.json", None)
    assert err.__cause__ is None and err.__context__ is None
    assert NUMBER not in texts(err)


def test_an_audit_detail_keyed_by_a_number_is_masked_in_the_path() -> None:
    entry = AuditEntry(
        id="a1",
        at=datetime(2026, 1, 1, tzinfo=UTC),
        actor="system",
        action="volunteer.register",
        subject_type="volunteer",
        subject_id="v1",
        details={"document": MASKED},
    )
    data = unstructure(entry)
    data["details"] = {NUMBER: 5}
    err = refused(data, AuditEntry)
    assert (err.code, err.path) == ("serialization.str", f"$.details['{MASKED}']")
    assert NUMBER not in texts(err)


@pytest.mark.parametrize(
    ("path", "shown"),
    [
        (f"$.{NUMBER}", f"$['{MASKED}']"),  # a JSON line's key given twice (bulk.duplicate_key)
        (f"$.holder.{NUMBER}", f"$.holder['{MASKED}']"),  # a certificate's unknown field
        (f"$.files[0].lines[2].a.{NUMBER}", f"$.files[0].lines[2].a['{MASKED}']"),  # a package
        (f"$['{NUMBER}'].phone", f"$['{MASKED}'].phone"),
        ('$["A123456(3)"]', "$['A1******3)']"),
        ("$.a123456789", "$['a1******89']"),  # a lower-case Taiwan number as a CSV column
        ("$.volunteers.13123456789", "$.volunteers['13*******89']"),  # a mobile number
        (f"$.{NUMBER[:-1]}2", "$['360426********0072']"),  # a wrong check digit: all but valid
        ("$['360426 19910101 0071']", "$['360426**********0071']"),
    ],
)
def test_a_path_never_holds_a_valid_identity_number(path: str, shown: str) -> None:
    err = VolunteerkitError(path=path)
    assert err.path == shown
    assert err.to_dict()["path"] == shown
    assert err.at("$.rows[4]").path == "$.rows[4]" + shown[1:]
    assert pickle.loads(pickle.dumps(err)).path == "$.rows[4]" + shown[1:]


@pytest.mark.parametrize(
    "path",
    [
        "$.entries[3].start",
        "$.volunteers.3",
        "$.volunteer_id",
        "$.window.first",
        "$['01a21faa-8a80-7591-b65c-f070bb58110f']",  # an opaque id is no identity number
        "$.e164",
        None,
    ],
)
def test_paths_without_a_valid_number_are_unchanged(path: str | None) -> None:
    assert VolunteerkitError(path=path).path == path


def test_a_json_line_with_a_number_as_a_key_twice_reports_it_masked() -> None:
    line = json.dumps({"id": "p:1", "x": 1}).replace('"x"', f'"{NUMBER}": 1, "{NUMBER}"')
    sink = Ledger(MemoryStore(), clock=FixedClock(datetime(2026, 6, 1, tzinfo=UTC)))
    report = import_entries(io.StringIO(line + "\n"), format="jsonl", sink=sink, actor="t")
    assert [(e.line, e.field, e.code) for e in report.errors] == [
        (1, f"$['{MASKED}']", "bulk.duplicate_key")
    ]


def test_a_package_line_keyed_by_a_number_is_refused_with_it_masked() -> None:
    with pytest.raises(VolunteerkitError) as info:
        check_canonical(b'{"a":{"%s":1.5}}' % NUMBER.encode(), path="$.files[0].lines[2]")
    err = info.value
    assert (err.code, err.path) == ("transfer.float", f"$.files[0].lines[2].a['{MASKED}']")
    assert NUMBER not in str(err)
