"""The one cattrs converter that serializes every volunteerkit model.

Rules it enforces:

* datetimes are timezone-aware and written as ISO 8601 with their offset; a naive datetime is refused
  on the way in *and* on the way out, with :class:`~volunteerkit.errors.NaiveDatetimeError`;
* dates are ISO 8601 (``YYYY-MM-DD``);
* :class:`~decimal.Decimal` values are written as strings so no precision is lost, and floats are
  refused where a Decimal is expected (so are exponents beyond ±1000, such as ``"1e99999999"``);
* time zones (:class:`zoneinfo.ZoneInfo`) are written as their IANA name;
* enums are written as their value;
* integers, floats, strings and booleans are taken only as themselves: ``"12"`` is not an integer,
  ``"39.9"`` or ``true`` is not a float;
* unknown keys are refused, so a typo in a rule file is an error and not a silent default;
* a list field takes a list: a string (or a mapping) is refused, never split into its characters
  (or keys).

Every structuring failure becomes a :class:`~volunteerkit.errors.VolunteerkitError` that carries the
path of the bad field (``$.entries[3].start``).
"""

from __future__ import annotations

import json
import re
import threading
import typing
from collections.abc import Callable, Iterator, Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import Enum, IntEnum, StrEnum
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import cattrs
from cattrs.cols import is_any_set, is_sequence
from cattrs.errors import (
    AttributeValidationNote,
    ForbiddenExtraKeysError,
    IterableValidationNote,
)

from volunteerkit._clock import require_aware
from volunteerkit.errors import SerializationError, VolunteerkitError, join_path, mask

__all__ = [
    "converter",
    "dumps",
    "from_json",
    "loads",
    "structure",
    "to_json",
    "unstructure",
]

T = TypeVar("T")

converter = cattrs.Converter(forbid_extra_keys=True, detailed_validation=True)
"""The library's single configured :class:`cattrs.Converter`."""


def _unstructure_datetime(value: datetime) -> str:
    require_aware(value)
    return value.isoformat()


def _structure_datetime(value: Any, _type: type) -> datetime:
    if isinstance(value, datetime):
        return require_aware(value)
    if not isinstance(value, str):
        raise SerializationError(
            "expected an ISO 8601 datetime string with offset",
            "应为带时区偏移的 ISO 8601 日期时间字符串",
            code="serialization.datetime",
        )
    try:
        parsed: datetime | None = datetime.fromisoformat(value)
    except ValueError:  # its message quotes the value: raised below, outside this block
        parsed = None
    if parsed is None:
        raise SerializationError(
            "not an ISO 8601 datetime",
            "不是 ISO 8601 日期时间",
            code="serialization.datetime",
        )
    return require_aware(parsed)


_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _structure_date(value: Any, _type: type) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _DATE.fullmatch(value):  # not 2026-W01-1 (a week date)
        raise SerializationError(
            "expected a date as YYYY-MM-DD", "应为 YYYY-MM-DD 格式的日期", code="serialization.date"
        )
    try:
        return date.fromisoformat(value)
    except ValueError:
        pass  # raised below, outside this block, so that no stdlib error rides along
    raise SerializationError(
        "not a valid calendar date", "不是有效的日历日期", code="serialization.date"
    )


_MAX_DECIMAL_EXPONENT = 1000
"""Largest exponent a decimal may be written with. Some computations turn a decimal into an exact
fraction: ``"1e99999999"`` is a few bytes of text but a hundred-million-digit integer, which would
take minutes to build."""


def _structure_decimal(value: Any, _type: type) -> Decimal:
    if isinstance(value, Decimal):
        result = value  # checked as text is: Decimal("NaN") is no more a number than "NaN"
    elif isinstance(value, bool) or not isinstance(value, int | str):
        raise SerializationError(
            "expected a decimal as a string or an integer (floats are inexact)",
            "小数应写成字符串或整数(浮点数不精确)",
            code="serialization.decimal",
        )
    else:
        try:
            result = Decimal(value)
        except InvalidOperation:
            raise SerializationError(
                "not a decimal number", "不是十进制数", code="serialization.decimal"
            ) from None
    if not result.is_finite():
        raise SerializationError(
            "decimal must be finite", "小数必须是有限数", code="serialization.decimal"
        )
    exponent = result.as_tuple().exponent
    if isinstance(exponent, int) and abs(exponent) > _MAX_DECIMAL_EXPONENT:
        raise SerializationError(
            f"decimal exponent must be within ±{_MAX_DECIMAL_EXPONENT}",
            f"小数的指数必须在 ±{_MAX_DECIMAL_EXPONENT} 以内",
            code="serialization.decimal",
        )
    return result


_NOT_ZONES = ("localtime", "posixrules")
"""Files of a system's zone folder that name no IANA zone: ``localtime`` is this machine's own zone
(a link to ``/etc/localtime``), ``posixrules`` the rules POSIX TZ strings borrow."""


def _structure_zone(value: Any, _type: type) -> ZoneInfo:
    if isinstance(value, ZoneInfo):
        return value
    if not isinstance(value, str) or not value or len(value) > 64:
        raise SerializationError(
            "expected an IANA time zone name", "应为 IANA 时区名称", code="serialization.zone"
        )
    # Names that open a file of the system's zone folder but are no IANA zone: the machine's own
    # zone (never used by default), and the posix/ and right/ copies some systems add (right/
    # counts leap seconds); none exists in the tzdata package, so another machine could not read
    # a record written with one.
    if value in _NOT_ZONES or value.startswith(("posix/", "right/")):
        raise SerializationError(
            "unknown IANA time zone", "未知的 IANA 时区", code="serialization.zone"
        )
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a folder, such as "America"
        pass  # their messages quote the value: raised below, with no context to carry it
    raise SerializationError(
        "unknown IANA time zone", "未知的 IANA 时区", code="serialization.zone"
    )


def _structure_int(value: Any, _type: type) -> int:
    # cattrs would accept "12" and 12.7 (truncating); minutes and counts must be real integers.
    if isinstance(value, bool) or not isinstance(value, int):
        raise SerializationError("expected an integer", "应为整数", code="serialization.int")
    return value


def _structure_float(value: Any, _type: type) -> float:
    # cattrs would call float() on anything: "39.9" and true (1.0) would pass as coordinates
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SerializationError("expected a number", "应为数字", code="serialization.float")
    try:
        return float(value)
    except OverflowError:  # an int beyond any float (10**400): a number, not the wrong type
        raise SerializationError(
            "a number too large for a float", "数字超出浮点数的范围", code="serialization.float"
        ) from None


def _structure_str(value: Any, _type: type) -> str:
    if not isinstance(value, str):
        raise SerializationError("expected a string", "应为字符串", code="serialization.str")
    return value


def _structure_enum(value: Any, cls: type[Enum]) -> Enum:
    try:
        return cls(value)
    except ValueError:  # "'<value>' is not a valid Sex": raised below, with no context to carry it
        pass
    raise SerializationError(
        f"not one of the allowed values: {', '.join(str(m.value) for m in cls)}",
        f"不是允许的取值之一:{', '.join(str(m.value) for m in cls)}",
        code="serialization.enum",
    )


def _structure_bool(value: Any, _type: type) -> bool:
    if not isinstance(value, bool):
        raise SerializationError("expected true or false", "应为布尔值", code="serialization.bool")
    return value


converter.register_unstructure_hook(datetime, _unstructure_datetime)
converter.register_structure_hook(datetime, _structure_datetime)
converter.register_unstructure_hook(date, lambda d: d.isoformat())
converter.register_structure_hook(date, _structure_date)
converter.register_unstructure_hook(Decimal, str)
converter.register_structure_hook(Decimal, _structure_decimal)
converter.register_unstructure_hook(ZoneInfo, lambda z: z.key)
converter.register_structure_hook(ZoneInfo, _structure_zone)
converter.register_structure_hook(int, _structure_int)
converter.register_structure_hook(float, _structure_float)
converter.register_structure_hook(str, _structure_str)
converter.register_structure_hook(bool, _structure_bool)
# Enums by value. StrEnum and IntEnum are registered by name too: single dispatch would otherwise
# pick the ``str``/``int`` hook (earlier in their MRO) and hand back a plain string or integer.
for _enum_base in (Enum, StrEnum, IntEnum):
    converter.register_structure_hook(_enum_base, _structure_enum)
    converter.register_unstructure_hook(_enum_base, lambda e: e.value)


def _is_collection(cls: Any) -> bool:
    """Return whether ``cls`` is a list, tuple or set type that cattrs would fill by iteration."""
    if cls in getattr(_collection_resolving, "types", ()):
        return False  # asking for cattrs' own hook, to wrap it
    return is_sequence(cls) or is_any_set(cls) or typing.get_origin(cls) is tuple


_collection_resolving = threading.local()


def _collection_hook(cls: Any) -> Callable[[Any, Any], Any]:
    """Wrap cattrs' hook for a collection type so that text and mappings are refused.

    cattrs fills a ``tuple[str, ...]`` by iterating the value, so ``"first aid"`` would become
    ``("f", "i", "r", ...)`` and ``{"a": 1}`` its keys: a wrong shape in a file must be an error.
    """
    resolving: set[Any] = _collection_resolving.__dict__.setdefault("types", set())
    resolving.add(cls)
    try:
        inner = converter.get_structure_hook(cls, cache_result=False)
    finally:
        resolving.discard(cls)

    def structure_collection(value: Any, type_: Any) -> Any:
        if isinstance(value, str | bytes | bytearray | Mapping):
            raise SerializationError("expected a list", "应为列表", code="serialization.list")
        return inner(value, type_)

    return structure_collection


converter.register_structure_hook_factory(_is_collection, _collection_hook)


_FIELD_NAME = re.compile(r"(?![A-Za-z0-9_-]*[0-9]{3})[A-Za-z_][A-Za-z0-9_-]{0,63}", re.ASCII)
"""A key shown whole in an error path: a name, not a value (no run of three digits)."""


def _key(key: object) -> str:
    """A mapping key as shown in a path: whole if it looks like a field name, else masked.

    A key is input too: a mapping keyed by identity numbers must not give them back in the path
    of its first bad value (``$['360426********0071']``, not the whole number).
    """
    if isinstance(key, str) and _FIELD_NAME.fullmatch(key):
        return key
    return mask(key) if isinstance(key, str) else mask(repr(key))


def _step(path: str, key: object) -> str:
    """``path`` followed by an index (``[3]``) or a mapping key (``['name']``), see :func:`_key`."""
    if isinstance(key, int) and not isinstance(key, bool):
        return f"{path}[{key}]"
    return f"{path}[{_key(key)!r}]"


def _leaves(exc: BaseException, path: str) -> Iterator[tuple[str, BaseException]]:
    """Walk a cattrs exception group and yield each leaf error with its field path."""
    if isinstance(exc, ForbiddenExtraKeysError):
        for key in sorted(exc.extra_fields):
            shown = _key(key)
            yield (f"{path}.{shown}" if shown == key else f"{path}[{shown!r}]"), exc
        return
    if isinstance(exc, BaseExceptionGroup):
        for sub in exc.exceptions:
            sub_path = path
            for note in getattr(sub, "__notes__", []):
                if isinstance(note, AttributeValidationNote):
                    sub_path = f"{path}.{note.name}"
                    break
                if isinstance(note, IterableValidationNote):
                    sub_path = _step(path, note.index)
                    break
            yield from _leaves(sub, sub_path)
        return
    yield path, exc


_CATTRS_NOTES = (AttributeValidationNote, IterableValidationNote)


def _translate(exc: Exception, root: str) -> VolunteerkitError:
    leaves = list(_leaves(exc, root))
    if not leaves:  # pragma: no cover - cattrs always reports at least one cause
        return SerializationError(path=root)
    path, first = leaves[0]
    if isinstance(first, VolunteerkitError):
        # A validator of a nested model reports a path relative to that model (``$.x``).
        first.path = join_path(path, first.path)
        return first
    if isinstance(first, ForbiddenExtraKeysError):
        return SerializationError(
            "unknown field", "未知字段", code="serialization.unknown_field", path=path
        )
    if isinstance(first, KeyError):
        return SerializationError(
            "required field is missing", "缺少必填字段", code="serialization.missing", path=path
        )
    if isinstance(first, ValueError):
        # attrs validators and enum lookups raise ValueError with our own or stdlib text; the text
        # never contains input values because validators in volunteerkit raise VolunteerkitErrors.
        return SerializationError(
            "value is not allowed here", "此处不允许该值", code="serialization.value", path=path
        )
    return SerializationError(
        "value has the wrong type", "值的类型错误", code="serialization.type", path=path
    )


def structure(data: Any, cls: type[T], *, path: str = "$") -> T:
    """Structure plain data (from JSON or TOML) into a volunteerkit model.

    Args:
        data: Dicts, lists, strings and numbers.
        cls: The model class (or type) to build.
        path: The path of ``data`` itself, used as the root of reported field paths.

    Returns:
        The model instance.

    Raises:
        VolunteerkitError: The first problem found, with the path of the bad field. A key that
            does not look like a field name (an identity number keying a mapping) is masked in
            the path (``$['360426********0071']``); no error of cattrs or the standard library,
            whose messages may quote the input, is chained to it.
    """
    try:
        return converter.structure(data, cls)
    except VolunteerkitError as err:
        err.path = join_path(path, err.path)
        raise
    except Exception as exc:  # cattrs raises groups and stdlib errors; all become ours
        error = _translate(exc, path)
    # Raised out here, with no context: cattrs' errors (the group, unknown keys, its notes on the
    # leaf, such as "@ key '<a mapping key>'") would carry input values along with ours.
    error.__context__ = None
    error.__suppress_context__ = True
    notes = getattr(error, "__notes__", None)
    if notes is not None:
        error.__notes__ = [n for n in notes if not isinstance(n, _CATTRS_NOTES)]
        if not error.__notes__:
            del error.__notes__
    raise error


def unstructure(obj: Any) -> Any:
    """Unstructure a model into plain JSON-ready data.

    Args:
        obj: A volunteerkit model, or a container of models.

    Returns:
        Dicts, lists, strings, integers and booleans.
    """
    return converter.unstructure(obj)


def dumps(data: Any) -> str:
    """Dump plain data as compact JSON with sorted keys (stable bytes for the same content).

    Args:
        data: JSON-ready data (for example the result of :func:`unstructure`).

    Returns:
        The JSON text (UTF-8 characters are kept, not escaped).

    Raises:
        SerializationError: ``serialization.json`` if ``data`` is not JSON-ready: a value JSON
            has no form for (a set, bytes, a datetime, an object), NaN or an infinity (which
            :func:`loads` would refuse to read back), or data that holds itself or nests too
            deeply to write.
    """
    try:
        return json.dumps(
            data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
        )
    except (TypeError, ValueError, RecursionError):
        pass  # raised below, outside the handler: the error may quote the value
    raise SerializationError(
        "the data is not JSON-ready", "数据无法写成 JSON", code="serialization.json"
    )


def loads(text: str | bytes) -> Any:
    """Parse JSON text, refusing NaN and Infinity and turning syntax errors into ours.

    Args:
        text: JSON text.

    Returns:
        The parsed data.

    Raises:
        SerializationError: If ``text`` is not valid JSON (or nests too deeply to parse).
    """

    def _no_constants(name: str) -> Any:
        raise ValueError(name)

    if not isinstance(text, str | bytes | bytearray):  # json.loads: a bare TypeError
        raise SerializationError(
            "expected JSON text", "应为 JSON 文本", code="serialization.json"
        )
    try:
        return json.loads(text, parse_constant=_no_constants)
    except (ValueError, UnicodeDecodeError, RecursionError):  # deep nesting: RecursionError
        pass  # a JSONDecodeError keeps the whole text (``doc``), a UnicodeDecodeError its bytes
    raise SerializationError("not valid JSON", "不是有效的 JSON", code="serialization.json")


def to_json(obj: Any) -> str:
    """Serialize a model to stable JSON text.

    Args:
        obj: A volunteerkit model.

    Returns:
        JSON text with sorted keys.

    Raises:
        SerializationError: ``serialization.json`` if ``obj`` is not a model (nor plain data)
            that can be written as JSON (see :func:`dumps`).
    """
    return dumps(unstructure(obj))


def from_json(text: str | bytes, cls: type[T]) -> T:
    """Parse JSON text into a model.

    Args:
        text: JSON text.
        cls: The model class.

    Returns:
        The model instance.

    Raises:
        VolunteerkitError: On invalid JSON or a bad field (with its path).
    """
    return structure(loads(text), cls)
