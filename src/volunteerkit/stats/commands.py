"""The ``volunteerkit stats`` and ``volunteerkit report`` commands, as functions the CLI wires in.

* :func:`stats_command` prints every figure as text tables, JSON or CSV.
* :func:`report_command` writes the self-contained HTML report.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from volunteerkit._clock import require_aware
from volunteerkit._serialization import unstructure
from volunteerkit.errors import InvalidInputError, VolunteerkitError
from volunteerkit.stats.models import Figure, Filters, Row, Window
from volunteerkit.stats.privacy import DEFAULT_K
from volunteerkit.stats.report import render_report
from volunteerkit.stats.service import Statistics

__all__ = [
    "FORMATS",
    "figures_csv",
    "figures_table",
    "report_command",
    "stats_command",
    "year_to_date",
]

FORMATS = ("table", "json", "csv")
"""The output formats of :func:`stats_command`."""


def year_to_date(as_of: datetime, zone: ZoneInfo) -> Window:
    """Return the window from 1 January of ``as_of``'s local year to its local date.

    Args:
        as_of: The instant (aware).
        zone: The time zone of local dates.

    Returns:
        The window.

    Raises:
        InvalidInputError: ``time.naive_datetime`` if ``as_of`` is naive; ``stats.date`` at
            ``$.as_of`` if its local date is not from 1800-01-01 to 9899-12-31 (the window's
            range), or is outside the calendar (say, the last instant of year 9999 east of UTC).
    """
    out_of_range = InvalidInputError(
        "the date must be from 1800-01-01 to 9899-12-31",
        "日期必须在 1800-01-01 至 9899-12-31 之间",
        code="stats.date",
        path="$.as_of",
    )
    try:
        day = require_aware(as_of, "$.as_of").astimezone(zone).date()
    except OverflowError:
        raise out_of_range from None
    try:
        return Window(first=date(day.year, 1, 1), last=day)
    except InvalidInputError as err:  # a local date before 1800 or after 9899: the as-of's fault
        if err.code == "stats.date":
            raise out_of_range from None
        raise


def _cell(row: Row) -> str:
    if row.suppressed:
        return "suppressed"  # not "<k": a complementary cell may hold k persons or more
    if row.exact is not None:
        return str(row.exact)
    return "" if row.value is None else str(row.value)


def figures_table(figures: Sequence[Figure]) -> str:
    """Format figures as plain-text tables (suppressed cells print as ``suppressed``).

    A suppressed cell is not necessarily small: complementary suppression also hides larger
    cells (:mod:`volunteerkit.stats.privacy`), so the cell does not claim "fewer than k".

    Args:
        figures: The figures.

    Returns:
        The text.
    """
    blocks = []
    for f in figures:
        head = (
            f"{f.title} [{f.definition}]"
            + (f" by {', '.join(f.dimensions)}" if f.dimensions else "")
            + f" ({f.unit}; as of {f.as_of.isoformat()}; "
            f"{f.window.first.isoformat()}..{f.window.last.isoformat()}; k={f.k})"
        )
        lines = [
            (
                " / ".join("(unknown)" if k is None else k for k in r.key) or "all",
                _cell(r),
            )
            for r in f.rows
        ]
        if f.total is not None and f.dimensions:
            lines.append(("total", str(f.total)))
        width = max((len(a) for a, _ in lines), default=0)
        body = [f"  {a.ljust(width)}  {b}" for a, b in lines] or ["  (no data)"]
        blocks.append("\n".join([head, *body]))
    return "\n\n".join(blocks) + "\n"


def figures_csv(figures: Sequence[Figure]) -> str:
    """Format figures as CSV: one line per row, keys joined with ``/``.

    Columns: ``definition, dimensions, key, value, persons, exact, suppressed, as_of,
    window_first, window_last, k``. Keys are written as stored: a category beginning with
    ``=``, ``+``, ``-`` or ``@`` is not rewritten (see "CSV injection" in
    ``docs/statistics.md``).

    Args:
        figures: The figures.

    Returns:
        The CSV text.
    """
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(
        [
            "definition",
            "dimensions",
            "key",
            "value",
            "persons",
            "exact",
            "suppressed",
            "as_of",
            "window_first",
            "window_last",
            "k",
        ]
    )
    for f in figures:
        for r in f.rows:
            writer.writerow(
                [
                    f.definition,
                    "/".join(f.dimensions),
                    "/".join("" if k is None else k for k in r.key),
                    "" if r.value is None else r.value,
                    "" if r.persons is None else r.persons,
                    "" if r.exact is None else str(r.exact),
                    "true" if r.suppressed else "false",
                    f.as_of.isoformat(),
                    f.window.first.isoformat(),
                    f.window.last.isoformat(),
                    f.k,
                ]
            )
    return buf.getvalue()


def _error(err: VolunteerkitError) -> dict[str, Any]:
    """The error object every command prints: ``{"ok": false, "error": {code, message, ...}}``."""
    return {"ok": False, "error": err.to_dict()}


def _compute(
    store: Any,
    *,
    as_of: datetime,
    window: Window,
    k: int,
    zone: ZoneInfo,
    organization_id: str | None,
    region: str | None,
    rule_set_ids: tuple[str, ...],
) -> list[Figure]:
    stats = Statistics(store.stats, k=k, zone=zone)
    filters = Filters(organization_id=organization_id, region=region)
    return stats.all_figures(as_of=as_of, window=window, filters=filters, rule_set_ids=rule_set_ids)


def stats_command(
    store_url: str,
    *,
    as_of: datetime,
    window: Window | None = None,
    fmt: str = "table",
    k: int = DEFAULT_K,
    zone: ZoneInfo | None = None,
    organization_id: str | None = None,
    region: str | None = None,
    rule_set_ids: tuple[str, ...] = ("cn.cyl.stars",),
) -> tuple[int, str]:
    """Compute every figure of a store (``volunteerkit stats STORE_URL``).

    Args:
        store_url: An existing store (``sqlite:///path.db``, ``postgresql://…``, ``memory:``):
            it is opened with ``create=False`` (see :func:`volunteerkit.stores.open_store`), so
            a missing SQLite file is ``store.missing`` and a database without volunteerkit's
            tables ``store.not_ours``, and nothing is created or changed.
        as_of: The instant (aware).
        window: The window; default the year to date (:func:`year_to_date`).
        fmt: ``table``, ``json`` or ``csv``.
        k: Privacy threshold.
        zone: Time zone of local dates (default ``Asia/Shanghai``).
        organization_id: Only this organization and its children.
        region: Only this GB/T 2260 region and its sub-regions.
        rule_set_ids: Rule sets whose award distribution to include.

    Returns:
        ``(exit status, text)``: 0 and the figures, or 2 and a JSON error object (code,
        bilingual message, path) for bad input.
    """
    from volunteerkit.stores import open_store  # the CLI layer opens stores; the domain does not

    zone = zone or ZoneInfo("Asia/Shanghai")
    try:
        if fmt not in FORMATS:
            raise InvalidInputError(
                "the format must be table, json or csv",
                "格式必须是 table、json 或 csv",
                code="stats.format",
                path="$.fmt",
            )
        require_aware(as_of, "$.as_of")
        window = window or year_to_date(as_of, zone)
        store = open_store(store_url, create=False)  # only reads: creates nothing
        try:
            figures = _compute(
                store,
                as_of=as_of,
                window=window,
                k=k,
                zone=zone,
                organization_id=organization_id,
                region=region,
                rule_set_ids=rule_set_ids,
            )
        finally:
            store.close()
    except VolunteerkitError as err:
        return 2, json.dumps(_error(err), ensure_ascii=False)
    if fmt == "json":
        return 0, json.dumps(unstructure(figures), ensure_ascii=False, indent=2)
    if fmt == "csv":
        return 0, figures_csv(figures)
    return 0, figures_table(figures)


def report_command(
    store_url: str,
    out_path: str | Path,
    *,
    as_of: datetime,
    generated_at: datetime | None = None,
    window: Window | None = None,
    k: int = DEFAULT_K,
    zone: ZoneInfo | None = None,
    organization_id: str | None = None,
    region: str | None = None,
    rule_set_ids: tuple[str, ...] = ("cn.cyl.stars",),
    title: str = "Volunteer service statistics",
    note: str | None = None,
) -> tuple[int, dict[str, Any]]:
    """Write the HTML report of a store (``volunteerkit report STORE_URL OUT``).

    Organization ids in the report are shown with the organizations' names.

    Args:
        store_url: An existing store, opened as by :func:`stats_command` (``create=False``).
        out_path: The HTML file to write.
        as_of: The instant (aware).
        generated_at: Shown as the report's date (default ``as_of``).
        window: The window; default the year to date.
        k: Privacy threshold.
        zone: Time zone of local dates (default ``Asia/Shanghai``).
        organization_id: Only this organization and its children.
        region: Only this GB/T 2260 region and its sub-regions.
        rule_set_ids: Rule sets whose award distribution to chart.
        title: The page title.
        note: A note shown at the top.

    Returns:
        ``(exit status, summary)``: 0 and ``{"ok", "path", "figures", "bytes", "suppressed"}``
        (suppressed = rows hidden), or 2 and an error object (``stats.unwritable`` when the
        file cannot be written).
    """
    from volunteerkit.stores import open_store  # the CLI layer opens stores; the domain does not

    zone = zone or ZoneInfo("Asia/Shanghai")
    try:
        require_aware(as_of, "$.as_of")
        window = window or year_to_date(as_of, zone)
        store = open_store(store_url, create=False)  # only reads: creates nothing
        try:
            figures = _compute(
                store,
                as_of=as_of,
                window=window,
                k=k,
                zone=zone,
                organization_id=organization_id,
                region=region,
                rule_set_ids=rule_set_ids,
            )
            names = {o.id: o.name for o in store.organizations.iter()}
        finally:
            store.close()
    except VolunteerkitError as err:
        return 2, _error(err)
    page = render_report(
        figures, title=title, generated_at=generated_at or as_of, names=names, note=note
    )
    path = Path(out_path)
    try:
        path.write_text(page, encoding="utf-8")
    except OSError as err:  # a missing or read-only folder, a full disk, a directory
        reason = err.strerror or type(err).__name__
        return 2, _error(
            InvalidInputError(
                f"the report cannot be written: {reason}",
                f"无法写入报告:{reason}",
                code="stats.unwritable",
                path="$.out_path",
            )
        )
    return 0, {
        "ok": True,
        "path": str(path),
        "figures": len(figures),
        "bytes": len(page.encode("utf-8")),
        "suppressed": sum(r.suppressed for f in figures for r in f.rows),
    }
