"""Store backends: memory, SQLite (the embedded default) and PostgreSQL.

Each backend implements the storage contracts (ports) that the parts define next to their models,
such as :class:`volunteerkit.audit.AuditLog`. Nothing connects at import time, and the PostgreSQL
driver is imported only when a :class:`PostgresStore` is opened.
"""

from __future__ import annotations

from volunteerkit.stores._base import Migration, Store, load_migrations
from volunteerkit.stores._open import open_store
from volunteerkit.stores.memory import MemoryStore
from volunteerkit.stores.postgres import PostgresStore
from volunteerkit.stores.sqlite import SQLiteStore

__all__ = [
    "MemoryStore",
    "Migration",
    "PostgresStore",
    "SQLiteStore",
    "Store",
    "load_migrations",
    "open_store",
]
