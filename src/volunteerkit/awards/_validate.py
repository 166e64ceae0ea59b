"""A small JSON Schema checker that reports *every* problem with its path, code and messages.

It implements the part of draft 2020-12 that :data:`volunteerkit.awards.schema.RULES_SCHEMA` uses:
``type``, ``properties``, ``required``, ``additionalProperties: false``, ``propertyNames`` with an
``enum``, ``enum``, ``const``, ``pattern``, ``format: date``, ``minimum``, ``maximum``,
``minLength``, ``maxLength``, ``minItems``, ``maxItems``, ``uniqueItems``, ``items``, ``$ref`` to
``#/$defs/…``, ``allOf``, ``oneOf`` (of ``required`` alternatives), ``not`` and ``if``/``then``.
The test suite checks that it accepts and rejects the same documents as the ``jsonschema`` package.

Values may be Python ``date`` objects (TOML dates): they count as strings in ``format: date``.
Integers exclude ``bool`` and ``float`` (the loader refuses ``100.0`` hours: floats are inexact).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import date, datetime, time
from typing import Any

from volunteerkit.awards._messages import message

__all__ = ["MAX_DEPTH", "Problem", "check", "too_deep"]

Problem = tuple[str, str, str, str]
"""``(path, code, message, message_zh)``."""

_TYPE_TEXT = {
    "object": ("a table (object)", "表(对象)"),
    "array": ("a list", "列表"),
    "string": ("text", "文本"),
    "integer": ("a whole number", "整数"),
    "boolean": ("true or false", "布尔值"),
    "null": ("nothing (null)", "空值"),
}
_PATTERN_TEXT = {
    r"^[a-z0-9]+([._-][a-z0-9]+)*$": (
        "lower-case letters and digits, joined by '.', '_' or '-'",
        "小写字母和数字,以 '.'、'_' 或 '-' 连接",
    ),
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$": ("a date YYYY-MM-DD", "YYYY-MM-DD 格式的日期"),
    r"^[a-z][a-z0-9_]*$": (
        "a lower-case name such as registration or program_start",
        "小写名称,如 registration 或 program_start",
    ),
    r"^https?://\S+$": ("an http(s) address", "http(s) 网址"),
}


def _is_type(value: Any, kind: str) -> bool:
    if kind == "object":
        return isinstance(value, Mapping)
    if kind == "array":
        return isinstance(value, list | tuple)
    if kind == "string":
        return isinstance(value, str)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "null":
        return value is None
    return False  # pragma: no cover - the schema uses no other types


def _problem(path: str, code: str, **fields: Any) -> Problem:
    en, zh = message(code, **fields)
    return (path, code, en, zh)


def _type_problem(path: str, kinds: list[str], value: Any) -> Problem:
    en = " or ".join(_TYPE_TEXT[k][0] for k in kinds)
    zh = "或".join(_TYPE_TEXT[k][1] for k in kinds)
    if isinstance(value, float) and "integer" in kinds:
        en += " (floats are inexact: write whole numbers, or use minutes)"
        zh += "(浮点数不精确:请写整数,或改用分钟)"
    if isinstance(value, datetime | time):
        en += " (got a TOML date-time or time)"
        zh += "(得到的是 TOML 日期时间或时刻)"
    return _problem(path, "awards.rules.type", expected=en, expected_zh=zh)


def _same(value: Any, option: Any) -> bool:
    """Equal and of the same type: ``true`` is not ``1`` in JSON, though ``True == 1`` in Python."""
    return bool(value == option) and type(value) is type(option)


MAX_DEPTH = 32
"""Lists and tables may nest this deep at most (a valid rule file nests five deep).

:func:`check` refuses deeper values before it looks at anything else, so the recursive steps of
the check (such as comparing list items for ``uniqueItems``) never meet a value nested deeper
than this: a file with a list nested 600 deep, or Python data holding a list that contains
itself, is a problem with a path, not a ``RecursionError``.
"""


def _is_container(value: Any) -> bool:
    return isinstance(value, Mapping | list | tuple)


def too_deep(value: Any, limit: int = MAX_DEPTH) -> list[str]:
    """Return the paths of the lists and tables nested deeper than ``limit``, in document order.

    The walk uses no recursion, so any depth (or a list that contains itself) is safe. Only the
    outermost offending value of each branch is reported: nothing inside it is visited.

    Args:
        value: Parsed TOML or JSON data (or Python data of the same shape).
        limit: The deepest nesting allowed; the top-level table is at depth 1.

    Returns:
        The paths (``$.counting.exclude_categories[0][0]…``) of the values at depth ``limit + 1``.
    """
    found: list[str] = []
    stack: list[tuple[Any, str, int]] = [(value, "$", 1)]
    while stack:
        item, path, depth = stack.pop()
        if not _is_container(item):
            continue
        if depth > limit:
            found.append(path)
            continue
        if isinstance(item, Mapping):
            children = [(v, f"{path}.{k}", depth + 1) for k, v in item.items()]
        else:
            children = [(v, f"{path}[{i}]", depth + 1) for i, v in enumerate(item)]
        stack.extend(reversed(children))  # popped first to last: document order
    return found


def _hashable(value: Any) -> Any:
    """A hashable stand-in for a parsed value, equal where the values are equal (``==``).

    It recurses, which is safe because :func:`check` first refuses values nested deeper than
    :data:`MAX_DEPTH`.
    """
    if isinstance(value, dict):
        return frozenset((k, _hashable(v)) for k, v in value.items())
    if isinstance(value, list):
        return tuple(_hashable(v) for v in value)
    return value


def _ecma_search(pattern: str, value: str) -> bool:
    """Search as JSON Schema (ECMA-262) does: a final ``$`` matches only at the very end.

    Python's ``$`` also matches before a final newline, so ``star-1`` and a newline would pass.
    """
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        pattern = pattern[:-1] + r"\Z"
    return re.search(pattern, value) is not None


class _Checker:
    def __init__(self, root: Mapping[str, Any]) -> None:
        self.root = root

    def resolve(self, schema: Mapping[str, Any]) -> Mapping[str, Any]:
        ref = schema.get("$ref")
        if ref is None:
            return schema
        name = str(ref).removeprefix("#/$defs/")
        resolved: Mapping[str, Any] = self.root["$defs"][name]
        return resolved

    def valid(self, value: Any, schema: Mapping[str, Any]) -> bool:
        return next(iter(self.check(value, schema, "$")), None) is None

    def check(self, value: Any, schema: Mapping[str, Any], path: str) -> Iterator[Problem]:
        schema = self.resolve(schema)
        if "const" in schema and not _same(value, schema["const"]):
            yield _problem(path, "awards.rules.value", allowed=repr(schema["const"]))
            return
        if "enum" in schema and not any(_same(value, option) for option in schema["enum"]):
            yield _problem(
                path, "awards.rules.value", allowed=", ".join(str(v) for v in schema["enum"])
            )
            return
        kind = schema.get("type")
        if kind is not None:
            kinds = kind if isinstance(kind, list) else [kind]
            date_string = schema.get("format") == "date"
            ok = any(_is_type(value, k) for k in kinds) or (
                date_string and isinstance(value, date) and not isinstance(value, datetime)
            )
            if not ok:
                yield _type_problem(path, kinds, value)
                return
        if isinstance(value, Mapping):
            yield from self._object(value, schema, path)
        elif isinstance(value, list | tuple):
            yield from self._array(value, schema, path)
        elif isinstance(value, str):
            yield from self._string(value, schema, path)
        elif isinstance(value, int) and not isinstance(value, bool):
            yield from self._number(value, schema, path)
        yield from self._combinators(value, schema, path)

    def _object(
        self, value: Mapping[str, Any], schema: Mapping[str, Any], path: str
    ) -> Iterator[Problem]:
        properties: Mapping[str, Any] = schema.get("properties", {})
        for name in schema.get("required", []):
            if name not in value:
                yield _problem(path, "awards.rules.missing", field=name)
        names = schema.get("propertyNames")
        for key in value:
            where = f"{path}.{key}"
            if not isinstance(key, str):  # pragma: no cover - TOML and JSON keys are text
                yield _problem(where, "awards.rules.unknown_field", field=str(key))
                continue
            if names is not None and key not in names.get("enum", []):
                yield _problem(where, "awards.rules.unknown_field", field=key)
                continue
            if key in properties:
                yield from self.check(value[key], properties[key], where)
            elif schema.get("additionalProperties") is False:
                yield _problem(where, "awards.rules.unknown_field", field=key)

    def _array(
        self, value: list[Any] | tuple[Any, ...], schema: Mapping[str, Any], path: str
    ) -> Iterator[Problem]:
        low = schema.get("minItems")
        high = schema.get("maxItems")
        if (low is not None and len(value) < low) or (high is not None and len(value) > high):
            low_n = low if low is not None else 0
            high_n = high if high is not None else "any"
            yield _problem(
                path,
                "awards.rules.length",
                bounds=f"{low_n} to {high_n} items",
                bounds_zh=f"{low_n} 至 {'任意' if high is None else high} 项",
            )
        items = schema.get("items")
        if items is not None:
            for i, item in enumerate(value):
                yield from self.check(item, items, f"{path}[{i}]")
        if schema.get("uniqueItems"):
            seen: set[tuple[type, Any]] = set()
            for i, item in enumerate(value):
                key = (type(item), _hashable(item))  # one set lookup, not a scan of the list
                if key in seen:
                    yield _problem(f"{path}[{i}]", "awards.rules.duplicate_item")
                seen.add(key)

    def _string(self, value: str, schema: Mapping[str, Any], path: str) -> Iterator[Problem]:
        low = schema.get("minLength")
        high = schema.get("maxLength")
        if (low is not None and len(value) < low) or (high is not None and len(value) > high):
            low_n = low if low is not None else 0
            yield _problem(
                path,
                "awards.rules.length",
                bounds=f"{low_n} to {high} characters",
                bounds_zh=f"{low_n} 至 {high} 个字符",
            )
            return
        pattern = schema.get("pattern")
        if pattern is not None and not _ecma_search(pattern, value):
            en, zh = _PATTERN_TEXT.get(pattern, (pattern, pattern))
            yield _problem(path, "awards.rules.pattern", form=en, form_zh=zh)
            return
        if schema.get("format") == "date":
            try:
                date.fromisoformat(value)
            except ValueError:
                yield _problem(path, "awards.rules.date")

    def _number(self, value: int, schema: Mapping[str, Any], path: str) -> Iterator[Problem]:
        low = schema.get("minimum")
        high = schema.get("maximum")
        if (low is not None and value < low) or (high is not None and value > high):
            yield _problem(path, "awards.rules.range", low=low, high=high)

    def _combinators(self, value: Any, schema: Mapping[str, Any], path: str) -> Iterator[Problem]:
        for sub in schema.get("allOf", []):
            sub = self.resolve(sub)
            if "if" in sub:
                if self.valid(value, sub["if"]) and "then" in sub:
                    yield from self.check(value, sub["then"], path)
            else:
                yield from self.check(value, sub, path)
        options = schema.get("oneOf")
        if options is not None:
            matched = sum(1 for option in options if self.valid(value, option))
            if matched != 1:
                fields = ", ".join(
                    name for option in options for name in option.get("required", [])
                )
                yield _problem(path, "awards.rules.one_of", fields=fields)
        negated = schema.get("not")
        if negated is not None and self.valid(value, negated):
            code = negated.get("x-code", "awards.rules.value")
            yield _problem(path, code, allowed="another combination")


def check(value: Any, schema: Mapping[str, Any]) -> list[Problem]:
    """Check ``value`` against ``schema`` and return every problem found.

    Args:
        value: Parsed TOML or JSON data.
        schema: A schema using the keywords listed in the module notes.

    Returns:
        ``(path, code, message, message_zh)`` for each problem, once, in document order. A value with
        lists or tables nested deeper than :data:`MAX_DEPTH` gets only an ``awards.rules.type``
        problem at each too deep value: nothing else is checked.
    """
    deep = too_deep(value)
    if deep:
        return [
            _problem(
                path,
                "awards.rules.type",
                expected=(
                    "a value that is not a list or table"
                    f" (lists and tables nest at most {MAX_DEPTH} deep)"
                ),
                expected_zh=f"非列表或表的值(列表和表最多嵌套 {MAX_DEPTH} 层)",
            )
            for path in deep
        ]
    # a field the level's window kind does not have is unknown both to the window's properties
    # and to its kind's list of fields: report each problem once
    return list(dict.fromkeys(_Checker(schema).check(value, schema, "$")))
