"""A self-contained HTML report of statistics, with charts drawn as inline SVG.

The page needs no network access: no scripts, no style sheets or fonts from elsewhere, no images
but inline SVG. Every text taken from data (keys, titles, organization names) is escaped.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from datetime import datetime

from volunteerkit._clock import require_aware
from volunteerkit.stats.models import Figure, Row
from volunteerkit.stats.models import _invalid_argument as _invalid

__all__ = ["bar_chart", "render_report"]

_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI","Noto Sans CJK SC",sans-serif;margin:2rem;
color:#1f2933;max-width:60rem}
h1{font-size:1.6rem}h2{font-size:1.2rem;margin-top:2rem}
table{border-collapse:collapse;margin:.5rem 0 1rem}
td,th{border:1px solid #cbd2d9;padding:.2rem .6rem;text-align:left}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.suppressed{color:#7b8794;font-style:italic}
.note{background:#fff3c4;border:1px solid #f0b429;padding:.5rem 1rem}
.meta{color:#52606d;font-size:.9rem}
svg text{font-size:12px;font-family:inherit}
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _label(row: Row, names: Mapping[str, str]) -> str:
    parts = ["(unknown)" if k is None else names.get(k, k) for k in row.key]
    return " / ".join(parts) if parts else "all"


def _value_text(figure: Figure, row: Row) -> str:
    if row.suppressed:
        return "suppressed"  # not "fewer than k": a complementary cell may hold more
    if row.exact is not None:
        return str(row.exact)
    if figure.unit == "minutes" and row.value is not None:
        return f"{row.value:,} min ({row.value / 60:,.1f} h)"
    return f"{row.value:,}" if row.value is not None else ""


def _check_figures(figures: Sequence[object], path: str) -> None:
    for i, figure in enumerate(figures):
        if not isinstance(figure, Figure):
            raise _invalid(path if path == "$.figure" else f"{path}[{i}]", "a Figure", "Figure")


def _check_names(names: object) -> None:
    if names is not None and (
        not isinstance(names, Mapping)
        or not all(isinstance(k, str) and isinstance(v, str) for k, v in names.items())
    ):
        raise _invalid("$.names", "a mapping of text to text, or None", "文本到文本的映射或 None")


def bar_chart(figure: Figure, *, names: Mapping[str, str] | None = None) -> str:
    """Draw a figure's rows as a horizontal bar chart in inline SVG.

    Each bar is a ``rect`` with ``data-key`` and ``data-value`` attributes (``suppressed`` for a
    suppressed row, drawn as an empty outline).

    Args:
        figure: The figure.
        names: Display names for keys (organization ids …).

    Returns:
        The ``<svg>`` element as text.

    Raises:
        InvalidInputError: ``stats.invalid_argument`` at ``$.figure`` or ``$.names`` for an
            argument of the wrong type.
    """
    _check_figures([figure], "$.figure")
    _check_names(names)
    names = names or {}
    rows = list(figure.rows)
    if not rows:
        return '<p class="meta">No data.</p>'
    label_w, bar_w, row_h = 200, 320, 22
    height = row_h * len(rows) + 10
    top = max((r.value or 0 for r in rows), default=0) or 1
    parts = [
        f'<svg role="img" width="{label_w + bar_w + 200}" '
        f'height="{height}" aria-label="{_e(figure.title)}">',
        f"<title>{_e(figure.title)}</title>",
    ]
    for i, row in enumerate(rows):
        y = 5 + i * row_h
        label = _e(_label(row, names))
        parts.append(f'<text x="0" y="{y + 15}">{label}</text>')
        if row.suppressed or row.value is None:
            parts.append(
                f'<rect x="{label_w}" y="{y + 3}" width="{bar_w // 4}" height="{row_h - 6}" '
                f'fill="none" stroke="#9aa5b1" stroke-dasharray="3 2" data-key="{label}" '
                'data-value="suppressed"/>'
            )
        else:
            width = max(1, round(bar_w * row.value / top))
            parts.append(
                f'<rect x="{label_w}" y="{y + 3}" width="{width}" height="{row_h - 6}" '
                f'fill="#2680c2" data-key="{label}" data-value="{row.value}"/>'
            )
        parts.append(
            f'<text x="{label_w + bar_w + 8}" y="{y + 15}">{_e(_value_text(figure, row))}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _table(figure: Figure, names: Mapping[str, str]) -> str:
    head = "".join(f"<th>{_e(d)}</th>" for d in figure.dimensions) or "<th></th>"
    body = []
    for row in figure.rows:
        cells = "".join(
            f"<td>{_e('(unknown)' if k is None else names.get(k, k))}</td>" for k in row.key
        )
        cells = cells or "<td>all</td>"
        cls = "num suppressed" if row.suppressed else "num"
        body.append(f'<tr>{cells}<td class="{cls}">{_e(_value_text(figure, row))}</td></tr>')
    total = ""
    if figure.total is not None:
        span = max(1, len(figure.dimensions))
        total = f'<tr><th colspan="{span}">total</th><td class="num">{figure.total:,}</td></tr>'
    return (
        f"<table><thead><tr>{head}<th>{_e(figure.unit)}</th></tr></thead>"
        f"<tbody>{''.join(body)}{total}</tbody></table>"
    )


def _find(figures: Sequence[Figure], definition: str, dimensions: tuple[str, ...]) -> Figure | None:
    for f in figures:
        if f.definition == definition and f.dimensions == dimensions:
            return f
    return None


def render_report(
    figures: Sequence[Figure],
    *,
    title: str,
    generated_at: datetime,
    names: Mapping[str, str] | None = None,
    note: str | None = None,
) -> str:
    """Render figures as one self-contained HTML page.

    Charts (inline SVG): credited hours by month, registered volunteers by province, and the
    award distribution of each rule set; then a table for every figure, with its definition id,
    window, as-of instant, filters and privacy threshold.

    Args:
        figures: The figures (as :meth:`Statistics.all_figures` returns them).
        title: The page title.
        generated_at: When the report was made (shown on the page).
        names: Display names for keys (organization ids to names).
        note: A note shown prominently at the top (such as "demo only, no suppression").

    Returns:
        The HTML document.

    Raises:
        InvalidInputError: ``stats.invalid_argument`` at ``$.figures`` (not a sequence of
            figures), ``$.figures[i]``, ``$.title`` or ``$.note`` (not text), ``$.names`` (not a
            mapping of text); ``time.not_datetime`` or ``time.naive_datetime`` at
            ``$.generated_at``.
    """
    if not isinstance(figures, Sequence) or isinstance(figures, str | bytes):
        raise _invalid("$.figures", "a sequence of Figure", "Figure 序列")
    _check_figures(figures, "$.figures")
    if not isinstance(title, str):
        raise _invalid("$.title", "text", "文本")
    if note is not None and not isinstance(note, str):
        raise _invalid("$.note", "text or None", "文本或 None")
    require_aware(generated_at, "$.generated_at")
    _check_names(names)
    names = names or {}
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{_e(title)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{_e(title)}</h1>",
        f'<p class="meta">Generated {_e(generated_at.isoformat())}.</p>',
    ]
    if note:
        out.append(f'<p class="note">{_e(note)}</p>')
    if figures:
        first = figures[0]
        out.append(
            f'<p class="meta">As of {_e(first.as_of.isoformat())}; window '
            f"{_e(first.window.first.isoformat())} to {_e(first.window.last.isoformat())}; "
            f"groups of fewer than {first.k} persons are suppressed"
            f"{' (k = 1: nothing is suppressed)' if first.k == 1 else ''}, and as many other "
            "groups as it takes so that they cannot be recovered from the totals.</p>"
        )
    charts = [
        (_find(figures, "hours.credited", ("month",)), "Credited hours by month"),
        (_find(figures, "volunteers.registered", ("province",)), "Volunteers by province"),
        *((f, f.title) for f in figures if f.definition == "awards.held"),
    ]
    for figure, heading in charts:
        if figure is not None:
            out.append(f"<h2>{_e(heading)}</h2>{bar_chart(figure, names=names)}")
    out.append("<h2>All figures</h2>")
    for figure in figures:
        filters = figure.filters
        scope = ", ".join(
            f"{label} {_e(names.get(value, value))}"
            for label, value in (
                ("organization", filters.organization_id),
                ("region", filters.region),
            )
            if value is not None
        )
        dims = f" by {_e(', '.join(figure.dimensions))}" if figure.dimensions else ""
        out.append(
            f"<h3>{_e(figure.title)}{dims}</h3>"
            f'<p class="meta">definition <code>{_e(figure.definition)}</code>'
            f"{'; ' + scope if scope else ''}</p>{_table(figure, names)}"
        )
    out.append("</body></html>")
    return "\n".join(out)
