"""The demo's matching step: places everyone, rosters every position, and replays idempotently."""

from __future__ import annotations

import io

from volunteerkit._demo import s40_matching
from volunteerkit._demo._context import DemoContext
from volunteerkit.stores import MemoryStore


def _run(ctx):
    ctx.step = s40_matching.TITLE
    s40_matching.run(ctx)
    return ctx.out.getvalue()


def test_step_uses_registered_ids_and_stores_once():
    """With ids from the registry step, the four are placed, 12 positions rostered, replay adds 0."""
    store = MemoryStore()
    ids = ["vol-a", "vol-b", "vol-c", "vol-d"]
    ctx = DemoContext(store=store, data={"volunteers": ids}, out=io.StringIO())
    text = _run(ctx)
    assert "previous step" in text
    assert sorted(a.volunteer_id for a in store.matching.role_assignments()) == ids
    assert len(list(store.matching.shift_assignments())) == 12
    again = DemoContext(store=store, data={"volunteers": ids}, out=io.StringIO())
    assert '"new role assignments": 0, "new shift assignments": 0' in _run(again)
    assert ctx.data["matching_run"] == "demo-roles-20261128"


def test_step_without_registry_builds_its_own_example():
    """Without registry ids the step says so and uses its own volunteers."""
    store = MemoryStore()
    ctx = DemoContext(store=store, out=io.StringIO())
    text = _run(ctx)
    assert "uses four example volunteers" in text
    assert [p.slot_id for p in store.matching.role_assignments(volunteer_id="demo-v1")] == [
        "demo-first-aid"
    ]
