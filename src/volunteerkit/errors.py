"""The volunteerkit error tree.

Every error raised on purpose by volunteerkit derives from :class:`VolunteerkitError`. Each carries:

* ``code``: a stable, dotted machine code (``identity.checksum``, ``store.not_found``) that callers
  may branch on and that never changes between releases;
* ``message``: an English message, and ``message_zh``: the same in Chinese;
* ``path``: the JSON-path-like location of the offending field (``$.entries[3].start``), or ``None``.

``str()`` shows the code, the English message and the path. Messages are written by the library and
never contain personal data: callers pass *masked* values (see :func:`mask`) when they must refer to
one.

Backend-neutral store errors (:class:`NotFoundError`, :class:`ConflictError`,
:class:`IntegrityError`, :class:`UnavailableError`) are what every store backend translates its
driver's errors into, so application code never catches ``sqlite3`` or ``psycopg`` exceptions.
"""

from __future__ import annotations

import re
from typing import ClassVar

__all__ = [
    "ConflictError",
    "IntegrityError",
    "InvalidInputError",
    "NaiveDatetimeError",
    "NotFoundError",
    "SerializationError",
    "StoreError",
    "UnavailableError",
    "VolunteerkitError",
    "join_path",
    "mask",
]


class VolunteerkitError(Exception):
    """Root of every error volunteerkit raises on purpose.

    Args:
        message: English message. Defaults to the class's ``default_message``.
        message_zh: Chinese message. Defaults to the class's ``default_message_zh``.
        code: Stable dotted machine code. Defaults to the class's ``default_code``.
        path: Location of the offending field, such as ``$.entries[3].start``.

    Attributes:
        code: Stable dotted machine code.
        message: English message.
        message_zh: Chinese message.
        path: Location of the offending field, or ``None``.
    """

    default_code: ClassVar[str] = "volunteerkit.error"
    default_message: ClassVar[str] = "volunteerkit error"
    default_message_zh: ClassVar[str] = "volunteerkit 错误"

    code: str
    message: str
    message_zh: str
    _path: str | None

    def __init__(
        self,
        message: str | None = None,
        message_zh: str | None = None,
        *,
        code: str | None = None,
        path: str | None = None,
    ) -> None:
        self.code = code or self.default_code
        self.message = message or self.default_message
        self.message_zh = message_zh or self.default_message_zh
        self.path = path
        super().__init__(self.message)

    @property
    def path(self) -> str | None:
        """Location of the offending field, or ``None``.

        A segment that is a valid identity number, or has the shape of a citizen or mobile number
        (a mapping keyed by numbers, a column named by one), is masked when the path is set
        (``$['360426********0071']``): a path names where the problem is, and a number is
        personal data even there.
        """
        return self._path

    @path.setter
    def path(self, value: str | None) -> None:
        self._path = value if not isinstance(value, str) else _masked_path(value)

    def __str__(self) -> str:
        """Return ``[code] message (at path)``."""
        where = f" (at {self.path})" if self.path else ""
        return f"[{self.code}] {self.message}{where}"

    def __repr__(self) -> str:
        """Return a repr that shows the code and path but not the free-text arguments twice."""
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r}, path={self.path!r})"

    def __reduce__(self) -> tuple[object, ...]:
        """Pickle support (errors cross process boundaries in batch jobs)."""
        return (_rebuild, (type(self), self.message, self.message_zh, self.code, self.path))

    def at(self, path: str) -> VolunteerkitError:
        """Return this error relocated under ``path`` (prefixing any existing path).

        Args:
            path: The path of the containing field, such as ``$.entries[3]``.

        Returns:
            The same error object, with its ``path`` updated.

        Raises:
            InvalidInputError: ``error.path`` at ``$.path`` if ``path`` is not text.
        """
        self.path = join_path(path, self.path)
        return self

    def to_dict(self) -> dict[str, str | None]:
        """Return the error as a JSON-ready dict (``code``, ``message``, ``message_zh``, ``path``)."""
        return {
            "code": self.code,
            "message": self.message,
            "message_zh": self.message_zh,
            "path": self.path,
        }


def _rebuild(
    cls: type[VolunteerkitError], message: str, message_zh: str, code: str, path: str | None
) -> VolunteerkitError:
    err = cls.__new__(cls)
    VolunteerkitError.__init__(err, message, message_zh, code=code, path=path)
    return err


_SEGMENT = re.compile(r"""\['((?:[^'\\]|\\.)*)'\]|\["((?:[^"\\]|\\.)*)"\]|\.([^.\[\]]+)""")
"""A segment of a path: ``['key']``, ``["key"]`` or ``.name`` (indexes ``[3]`` are left alone)."""


_LIKE_A_NUMBER = re.compile(r"[0-9]{15}|[0-9]{17}[0-9X]|1[0-9]{10}", re.ASCII)
"""The shape of a citizen number (15 or 18 characters) or a mobile number, mistyped or not."""


def _a_number(text: str) -> bool:
    """Whether ``text`` is a valid identity number, or has a citizen or mobile number's shape.

    A mistyped number (a wrong check digit) is all but the number.
    """
    if sum(c.isdigit() for c in text) < 6 or len(text) > 256:
        return False
    compact = re.sub(r"[\s-]", "", text).upper()
    if _LIKE_A_NUMBER.fullmatch(compact):
        return True
    from volunteerkit.registry.identity import detect  # the identity package imports this module

    return bool(detect(text))


def _masked_path(path: str) -> str:
    """``path`` with every segment that is, or looks like, an identity number masked.

    Examples:
        >>> _masked_path("$.volunteers.360426199101010071.phone")
        "$.volunteers['360426********0071'].phone"
        >>> _masked_path("$.entries[3].start")
        '$.entries[3].start'
    """
    if sum(c.isdigit() for c in path) < 6:  # the common case: no number can be in it
        return path

    def segment(match: re.Match[str]) -> str:
        text = next(g for g in match.groups() if g is not None)
        return f"[{mask(text)!r}]" if _a_number(text) else match[0]

    return _SEGMENT.sub(segment, path)


def join_path(prefix: str, rest: str | None) -> str:
    """Join a field path prefix and a (possibly absent) path relative to it.

    Args:
        prefix: The outer path, such as ``$.entries[3]``.
        rest: The inner path, itself rooted at ``$`` (``$.start``), or ``None``.

    Returns:
        The combined path (``$.entries[3].start``).

    Raises:
        InvalidInputError: ``error.path`` at ``$.prefix`` if ``prefix`` is not text, at
            ``$.rest`` if ``rest`` is neither text nor ``None``.

    Examples:
        >>> join_path("$.entries[3]", "$.start")
        '$.entries[3].start'
        >>> join_path("$.entries[3]", None)
        '$.entries[3]'
    """
    for name, value, ok in (
        ("prefix", prefix, isinstance(prefix, str)),
        ("rest", rest, rest is None or isinstance(rest, str)),
    ):
        if not ok:
            raise InvalidInputError(
                f"a field path is text such as $.entries[3], not {type(value).__name__}",
                f"字段路径必须是文本(如 $.entries[3]),而不是 {type(value).__name__}",
                code="error.path",
                path=f"$.{name}",
            )
    if not rest or rest == "$":
        return prefix
    if rest.startswith("$"):
        rest = rest[1:]
    return prefix + rest


def _a_count(value: object) -> bool:
    return not isinstance(value, bool) and isinstance(value, int) and value >= 0


def mask(value: str, *, keep_start: int = 6, keep_end: int = 4, fill: str = "*") -> str:
    """Mask the middle of an identifier so it can be shown without disclosing it.

    At least four characters (and at least half of a short value) stay hidden: where the kept
    start and end would leave fewer, each is cut to a quarter of the length.

    Args:
        value: The identifier to mask.
        keep_start: Characters kept at the start.
        keep_end: Characters kept at the end.
        fill: The masking character.

    Returns:
        The masked identifier, of the same length as ``value``.

    Raises:
        InvalidInputError: ``mask.invalid`` at the argument's path if ``value`` is not a ``str``,
            ``keep_start`` or ``keep_end`` is not a whole number from 0, or ``fill`` is not one
            character (a negative ``keep_start`` would show all but the end of the number).

    Examples:
        >>> mask("110105194912310018")
        '110105********0018'
        >>> mask("H1234567")
        'H1****67'
    """
    checks = {
        "value": isinstance(value, str),
        "keep_start": _a_count(keep_start),
        "keep_end": _a_count(keep_end),
        "fill": isinstance(fill, str) and len(fill) == 1,
    }
    for name, ok in checks.items():
        if not ok:
            raise InvalidInputError(
                "mask takes text, whole numbers of characters from 0 to keep, and one fill "
                "character",
                "mask 需要文本、从 0 起的保留字符数和一个填充字符",
                code="mask.invalid",
                path=f"$.{name}",
            )
    n = len(value)
    if n - keep_start - keep_end < max(4, n // 2 if n < 12 else 4):
        keep_start = min(keep_start, n // 4)
        keep_end = min(keep_end, n // 4)
    return value[:keep_start] + fill * (n - keep_start - keep_end) + value[n - keep_end :]


class InvalidInputError(VolunteerkitError, ValueError):
    """Input that does not satisfy the library's rules (a bad field, a bad combination)."""

    default_code = "input.invalid"
    default_message = "invalid input"
    default_message_zh = "输入无效"


class NaiveDatetimeError(InvalidInputError):
    """A datetime without a time zone was given where an aware one is required."""

    default_code = "time.naive_datetime"
    default_message = "datetime must be timezone-aware (naive datetimes are refused)"
    default_message_zh = "日期时间必须带时区(不接受无时区的日期时间)"


class SerializationError(InvalidInputError):
    """Data could not be structured into, or unstructured from, a volunteerkit model."""

    default_code = "serialization.invalid"
    default_message = "data does not match the expected structure"
    default_message_zh = "数据与预期结构不符"


class StoreError(VolunteerkitError):
    """Root of the backend-neutral store errors."""

    default_code = "store.error"
    default_message = "store error"
    default_message_zh = "存储错误"


class NotFoundError(StoreError, LookupError):
    """The requested record does not exist."""

    default_code = "store.not_found"
    default_message = "record not found"
    default_message_zh = "未找到记录"


class ConflictError(StoreError):
    """A record with the same identity exists with different content (a duplicate or a clash)."""

    default_code = "store.conflict"
    default_message = "a different record with the same id already exists"
    default_message_zh = "已存在相同标识但内容不同的记录"


class IntegrityError(StoreError):
    """The store refused the write because it would break a consistency rule."""

    default_code = "store.integrity"
    default_message = "the write would break a consistency rule of the store"
    default_message_zh = "写入会破坏存储的一致性规则"


class UnavailableError(StoreError):
    """The store cannot be reached or is busy (locked, connection lost, server down)."""

    default_code = "store.unavailable"
    default_message = "the store is unavailable"
    default_message_zh = "存储不可用"
