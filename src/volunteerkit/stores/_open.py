"""``open_store(url)``: pick a backend from a URL."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from volunteerkit.errors import InvalidInputError
from volunteerkit.stores._sql_store import SQLStoreBase
from volunteerkit.stores.memory import MemoryStore

__all__ = ["open_store"]


def open_store(url: str) -> MemoryStore | SQLStoreBase:
    """Open a store from a URL.

    Accepted forms:

    * ``memory:`` (or ``memory://``): a fresh :class:`~volunteerkit.stores.MemoryStore`;
    * ``sqlite:///relative/path.db``, ``sqlite:////absolute/path.db``, ``sqlite:///:memory:``;
    * ``postgresql://…`` or ``postgres://…``: a :class:`~volunteerkit.stores.PostgresStore` (the URL
      is passed to libpq as it is; add ``?options=-csearch_path%3Dmyschema`` or use
      ``PostgresStore(dsn, schema=…)`` for a schema).

    Args:
        url: The store URL.

    Returns:
        The opened store.

    Raises:
        InvalidInputError: If the URL's scheme is not one of the above.
        UnavailableError: If the database cannot be opened.
    """
    if not isinstance(url, str):
        raise InvalidInputError(
            "store URL must be a string", "存储 URL 必须是字符串", code="store.url", path="$.url"
        )
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "memory" and not parts.netloc and parts.path in ("", "/"):
        return MemoryStore()
    if (
        scheme == "sqlite"
        and not parts.netloc
        and parts.path.startswith("/")
        and len(parts.path) > 1
    ):
        from volunteerkit.stores.sqlite import SQLiteStore

        return SQLiteStore(unquote(parts.path[1:]))
    if scheme in ("postgresql", "postgres"):
        from volunteerkit.stores.postgres import PostgresStore

        return PostgresStore(url)
    raise InvalidInputError(
        "unsupported store URL: use memory:, sqlite:///path or postgresql://…",
        "不支持的存储 URL:请使用 memory:、sqlite:///路径 或 postgresql://…",
        code="store.url",
        path="$.url",
    )
