"""``open_store(url)``: pick a backend from a URL."""

from __future__ import annotations

from typing import Literal
from urllib.parse import unquote, urlsplit

from volunteerkit.errors import InvalidInputError
from volunteerkit.stores._sql_store import SQLStoreBase
from volunteerkit.stores.memory import MemoryStore

__all__ = ["open_store", "store_target"]


def open_store(url: str) -> MemoryStore | SQLStoreBase:
    """Open a store from a URL.

    Accepted forms:

    * ``memory:`` (or ``memory://``): a fresh :class:`~volunteerkit.stores.MemoryStore`;
    * ``sqlite:///relative/path.db``, ``sqlite:////absolute/path.db``, ``sqlite:///:memory:``
      (percent-encoded characters are decoded; a query such as ``?mode=ro`` or a fragment is
      refused rather than ignored);
    * ``postgresql://…`` or ``postgres://…``: a :class:`~volunteerkit.stores.PostgresStore` (the URL
      is passed to libpq as it is, its scheme in lower case; add
      ``?options=-csearch_path%3Dmyschema`` or use ``PostgresStore(dsn, schema=…)`` for a schema).

    The scheme is case-insensitive.

    Args:
        url: The store URL.

    Returns:
        The opened store.

    Raises:
        InvalidInputError: If the URL's scheme is not one of the above.
        UnavailableError: If the database cannot be opened.
    """
    kind, target = store_target(url)
    if kind == "postgresql":
        from volunteerkit.stores.postgres import PostgresStore

        return PostgresStore(target)
    if kind == "sqlite":
        from volunteerkit.stores.sqlite import SQLiteStore

        return SQLiteStore(target)
    return MemoryStore()


def store_target(url: str) -> tuple[Literal["memory", "sqlite", "postgresql"], str]:
    """Say which backend a store URL names and what it opens, without opening anything.

    Args:
        url: The store URL (see :func:`open_store`).

    Returns:
        ``("memory", "")``, ``("sqlite", path)`` with the path decoded as :func:`open_store`
        opens it (``:memory:`` included), or ``("postgresql", dsn)`` with the connection URL as
        it is passed to libpq.

    Raises:
        InvalidInputError: ``store.url`` if the URL is not one :func:`open_store` accepts.
    """
    if not isinstance(url, str):
        raise InvalidInputError(
            "store URL must be a string", "存储 URL 必须是字符串", code="store.url", path="$.url"
        )
    try:
        parts = urlsplit(url)
    except ValueError:  # such as an unclosed ``[`` of an IPv6 host
        raise _unsupported() from None
    scheme = parts.scheme.lower()
    if scheme in ("postgresql", "postgres"):
        # libpq recognises a URL by its lower-case scheme only
        if url[: len(scheme)].lower() == scheme:
            url = scheme + url[len(scheme) :]
        return "postgresql", url
    if parts.netloc or "?" in url or "#" in url:  # even an empty query or fragment
        raise _unsupported()
    if scheme == "memory" and parts.path in ("", "/"):
        return "memory", ""
    if scheme == "sqlite" and parts.path.startswith("/") and len(parts.path) > 1:
        return "sqlite", unquote(parts.path[1:])
    raise _unsupported()


def _unsupported() -> InvalidInputError:
    return InvalidInputError(
        "unsupported store URL: use memory:, sqlite:///path or postgresql://…",
        "不支持的存储 URL:请使用 memory:、sqlite:///路径 或 postgresql://…",
        code="store.url",
        path="$.url",
    )
