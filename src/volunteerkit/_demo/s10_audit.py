"""Demo step: the store and its audit log."""

from __future__ import annotations

from pathlib import Path

from volunteerkit._demo._context import DemoContext
from volunteerkit._demo._files import KEPT_ACTOR, disown_kept_database
from volunteerkit._ids import uuid7_text
from volunteerkit.audit import AuditEntry

TITLE = "The store and its audit log"

_RANDOM_BITS = 0x2_646D_6F2E_7374_6172_74  # fixed ("demo.start"): the same id on every run
_KEPT_BITS = 0x2_646D_6F2E_6B65_6570_74  # fixed ("demo.kept"): recorded once


def _disown(ctx: DemoContext) -> None:
    """Record, before the demo writes, that a SQLite database it did not create is not its own."""
    path = getattr(ctx.store, "path", None)
    if not isinstance(path, str) or path == ":memory:":
        return
    applied_now = list(getattr(ctx.store, "migrations_applied", []))
    # every migration the database records was applied by this open: it held no store before
    created_now = bool(applied_now) and len(applied_now) == len(ctx.store.applied_migrations())
    if not disown_kept_database(Path(path), created_now=created_now):
        return
    now = ctx.clock.now()
    ctx.store.audit.append(
        AuditEntry(
            id=uuid7_text(now, _KEPT_BITS),
            at=now,
            actor=KEPT_ACTOR,
            action="demo.kept",
            subject_type="store",
            subject_id="volunteerkit-demo",
            reason="the demo ran on a database it did not create; it will never replace it",
        )
    )
    ctx.say(
        "This database is not one the demo created (--keep): the demo adds its records to it "
        "and will never remove it."
    )


def run(ctx: DemoContext) -> None:
    """Show the store, its applied migrations, and an audit entry going in and coming back."""
    ctx.say(f"Store: {ctx.store!r}")
    _disown(ctx)
    applied = getattr(ctx.store, "applied_migrations", None)
    if applied is not None:
        ctx.show(
            "schema migrations",
            [f"{part} {version:04d} {name}" for part, version, name in applied()],
        )
    # A time-ordered id with fixed random bits, so that a run on the same store (--keep, --store)
    # replays the entry instead of writing a second one, as every later step replays its own.
    now = ctx.clock.now()
    entry = AuditEntry(
        id=uuid7_text(now, _RANDOM_BITS),
        at=now,
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
