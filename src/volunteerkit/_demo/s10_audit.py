"""Demo step: the store and its audit log."""

from __future__ import annotations

from volunteerkit._demo._context import DemoContext
from volunteerkit.audit import record

TITLE = "The store and its audit log"


def run(ctx: DemoContext) -> None:
    """Show the store, its applied migrations, and an audit entry going in and coming back."""
    ctx.say(f"Store: {ctx.store!r}")
    applied = getattr(ctx.store, "applied_migrations", None)
    if applied is not None:
        ctx.show(
            "schema migrations",
            [f"{part} {version:04d} {name}" for part, version, name in applied()],
        )
    entry = record(
        ctx.clock,
        actor="demo",
        action="demo.start",
        subject_type="demo",
        subject_id="volunteerkit-demo",
        reason="a newcomer runs the demo",
    )
    written = ctx.store.audit.append(entry)
    ctx.show("audit entry written (False means this run replayed an earlier one)", written)
    again = ctx.store.audit.append(entry)
    ctx.show("appending the same entry again writes nothing", not again)
    trail = list(ctx.store.audit.query(subject_type="demo", subject_id="volunteerkit-demo"))
    ctx.show("audit trail of the demo", [f"{e.at.isoformat()} {e.actor} {e.action}" for e in trail])
