"""Statistics over any store: volunteers, hours, retention, awards and organizations.

:class:`Statistics` computes published figures over ``store.stats`` (the
:class:`StatsRepository` every backend has): the SQL backends group, count and sum inside the
database, the memory backend with :mod:`volunteerkit.stats.compute`. Groups smaller than the
privacy threshold ``k`` are suppressed (:mod:`volunteerkit.stats.privacy`).
:func:`render_report` writes a self-contained HTML report with inline SVG charts. The exact
definitions are on the documentation page "Statistics and reports".
"""

from volunteerkit.stats.models import Figure, Filters, Row, Window, region_prefix
from volunteerkit.stats.privacy import DEFAULT_K, suppress
from volunteerkit.stats.report import bar_chart, render_report
from volunteerkit.stats.service import AGE_BANDS, RETENTION_OFFSETS, Statistics
from volunteerkit.stats.store import (
    PERCENTILES,
    SIZE_BANDS,
    HoursBy,
    RawRow,
    Scope,
    StatsRepository,
    VolunteersBy,
)

__all__ = [
    "AGE_BANDS",
    "DEFAULT_K",
    "PERCENTILES",
    "RETENTION_OFFSETS",
    "SIZE_BANDS",
    "Figure",
    "Filters",
    "HoursBy",
    "RawRow",
    "Row",
    "Scope",
    "Statistics",
    "StatsRepository",
    "VolunteersBy",
    "Window",
    "bar_chart",
    "region_prefix",
    "render_report",
    "suppress",
]
