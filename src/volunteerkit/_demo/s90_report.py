"""Demo step: statistics computed in the store, small counts suppressed, and the HTML report."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from volunteerkit._demo._context import DemoContext
from volunteerkit._demo._files import write_demo_text
from volunteerkit.stats import HoursBy, Statistics, VolunteersBy
from volunteerkit.stats.commands import year_to_date
from volunteerkit.stats.report import render_report

TITLE = "Statistics and the HTML report (small counts suppressed)"

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _cells(figure: object) -> dict[str, object]:
    rows = getattr(figure, "rows", ())
    return {
        (" / ".join("(unknown)" if k is None else k for k in row.key) or "all"): (
            "suppressed" if row.suppressed else row.value
        )
        for row in rows
    }


def run(ctx: DemoContext) -> None:
    """Print a few figures at k=5 and k=1, and write the report both ways."""
    store = ctx.store
    as_of = ctx.clock.now()
    window = year_to_date(as_of, SHANGHAI)
    out_dir = Path(str(ctx.data.get("out_dir", ".")))
    names = {o.id: o.name for o in store.organizations.iter()}
    ctx.say(
        f"Figures as of {as_of.isoformat()} for {window.first}..{window.last}, computed by SQL "
        "inside the store."
    )
    for k in (5, 1):
        stats = Statistics(store.stats, k=k, zone=SHANGHAI)
        registered = stats.volunteers(as_of=as_of, window=window)
        by_sex = stats.volunteers(as_of=as_of, window=window, by=VolunteersBy.SEX)
        hours = stats.hours(as_of=as_of, window=window, by=HoursBy.MONTH)
        label = "k=5 (default)" if k == 5 else "k=1 (demo only, no suppression)"
        total = "suppressed" if registered.total is None else registered.total
        ctx.show(f"{label}: registered volunteers", total)
        ctx.show(f"{label}: volunteers by sex", _cells(by_sex))
        ctx.show(f"{label}: credited minutes by month", _cells(hours))
        figures = stats.all_figures(as_of=as_of, window=window, rule_set_ids=("cn.cyl.stars",))
        hidden = sum(r.suppressed for f in figures for r in f.rows)
        shown = sum(not r.suppressed for f in figures for r in f.rows)
        ctx.show(f"{label}: rows shown, rows suppressed", [shown, hidden])
        name = f"demo-report-k{k}.html"  # not volunteerkit report's default name
        page = render_report(
            figures,
            title="Volunteer service statistics" + ("" if k == 5 else " (demo only)"),
            generated_at=as_of,
            names=names,
            note=None
            if k == 5
            else "Demo only, no suppression (k = 1): every small group is shown. Never "
            "publish statistics of real people with k = 1.",
        )
        path = out_dir / name
        write_demo_text(path, page, option="--out-dir")  # only over a report the demo wrote
        ctx.show(f"{label}: report written", str(path))
    ctx.say(
        "With the demo's handful of volunteers every group is smaller than 5, so at k=5 the "
        "report shows almost nothing but 'suppressed': that is the point."
    )
