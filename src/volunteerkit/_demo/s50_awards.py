"""Demo step: Communist Youth League stars from the hours ledger, granted and revoked.

After registering, 张丽 (the first volunteer of the registry step) joins a two-week flood-relief
deployment, 8 hours a day; a second volunteer serves five days. The step evaluates the CYL stars
(hours since registration, read from the store's credit rows), grants them in the award ledger,
shows that a second run grants nothing, then voids a day recorded in error: the next run revokes the
star and says why, and the star comes back, with a new date, when a make-up day is recorded.

Uses ``ctx.data["volunteers"]`` and ``ctx.data["ledger"]`` when earlier steps left them; advances
the clock to 12 December 2026. Running the step again on the same store (``demo --keep``) records
nothing twice and grants nothing twice.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from volunteerkit._demo._context import DemoContext
from volunteerkit.awards import AwardSubject, award_all, evaluate_one, load_rule_set
from volunteerkit.awards.commands import _registry_subject
from volunteerkit.hours import BEIJING_UNIVERSITY, EntryId, ServiceEntry, Source, Status
from volunteerkit.hours.ledger import Ledger

TITLE = "Awards: volunteer stars from the hours ledger, granted and revoked"

BEIJING = ZoneInfo("Asia/Shanghai")


def _shift(
    volunteer: str, organization: str, day: date, name: str, recorded: datetime
) -> ServiceEntry:
    start = datetime(day.year, day.month, day.day, 9, 0, tzinfo=BEIJING)
    return ServiceEntry(
        id=EntryId(origin="demo", local_id=f"{name}-{day.isoformat()}"),
        volunteer_id=volunteer,
        organization_id=organization,
        category="emergency",
        start=start,
        end=start + timedelta(hours=8, minutes=30),
        zone=BEIJING,
        break_minutes=30,
        source=Source.ORGANIZATION,
        recorded_by="coordinator-7",
        recorded_at=recorded,
        note="Flood relief deployment",
    )


def _subject(ctx: DemoContext, volunteer: str) -> AwardSubject:
    found = _registry_subject(ctx.store, volunteer, BEIJING)
    if found is not None and found.registered_on is not None:
        return found
    return AwardSubject(id=volunteer, registered_on=date(2026, 11, 28))


def _name(ctx: DemoContext, volunteer: str) -> str:
    try:
        record = ctx.store.volunteers.get(volunteer)
    except Exception:  # no registry, or not registered: show the id
        return volunteer
    return str(getattr(getattr(record, "volunteer", record), "name", None) or volunteer)


def _held(ctx: DemoContext, rule_set_id: str, volunteer: str) -> list[list[Any]]:
    grants = ctx.store.awards.held(rule_set_id, [volunteer]).get(volunteer, [])
    return [[g.level_id, g.earned_on.isoformat(), str(g.crossing_entry)] for g in grants]


def run(ctx: DemoContext) -> None:
    """Record a deployment, award stars, and revoke one after a correction."""
    if not hasattr(ctx.store, "awards") or not hasattr(ctx.store, "ledger"):
        ctx.say("This store has no award ledger; nothing to show.")
        return
    rules = load_rule_set("cn.cyl.stars")
    ctx.show(
        "rule set",
        f"{rules.name_zh} ({rules.id} {rules.version}): "
        + ", ".join(f"{lv.id} {lv.threshold // 60} h" for lv in rules.levels),
    )
    volunteers = [str(v) for v in ctx.data.get("volunteers", [])][:2]
    organization = str(ctx.data.get("organization", "demo-organization"))
    if len(volunteers) < 2:
        volunteers = ["demo-volunteer-1", "demo-volunteer-2"]
        ctx.say("No registered volunteers from an earlier step: using plain ids.")
    ledger = ctx.data.get("ledger")
    if not isinstance(ledger, Ledger):
        ledger = Ledger(ctx.store, clock=ctx.clock, policy=BEIJING_UNIVERSITY, origin="demo")
    subjects = {v: _subject(ctx, v) for v in volunteers}
    zhang, other = volunteers
    names = {v: _name(ctx, v) for v in volunteers}
    ctx.show("registered on", {names[v]: str(s.registered_on) for v, s in subjects.items()})
    ctx.say("Hours from before registration do not count towards the stars.")

    # the deployment: 29 November to 11 December, 8 h a day; the other volunteer serves 5 days
    ctx.clock.set(datetime(2026, 12, 12, 18, 0, tzinfo=BEIJING))
    recorded = ctx.clock.now()
    days = [date(2026, 11, 29) + timedelta(days=n) for n in range(13)]
    entries = [_shift(zhang, organization, d, "relief-1", recorded) for d in days]
    entries += [_shift(other, organization, d, "relief-2", recorded) for d in days[:5]]
    written = ledger.record_many(entries, actor="coordinator-7").written
    pending = [e.id for e in entries if ledger.state(e.id).status is Status.PENDING]
    if pending:
        ledger.approve_many(pending, actor="project-lead-3")
    ctx.show("deployment days recorded now (0 on a replay)", written)

    as_of = ctx.clock.now()
    run1 = award_all(
        rules, ctx.store, as_of=as_of, clock=ctx.clock, actor="demo-awards", subjects=subjects
    )
    ctx.show(
        "award run (evaluated, granted, revoked)", [run1.evaluated, run1.granted, run1.revoked]
    )
    ctx.show(
        f"{names[zhang]}: stars held (level, earned on, crossing entry)",
        _held(ctx, rules.id, zhang),
    )
    evaluation = evaluate_one(rules, ctx.store, subjects[zhang], as_of=as_of)
    nxt = evaluation.next_level
    if nxt is not None:
        ctx.show(
            f"{names[zhang]}: next star",
            f"{nxt.level_id}: {nxt.counted_minutes // 60} h counted, "
            f"{nxt.remaining_minutes // 60} h {nxt.remaining_minutes % 60} min to go",
        )
    other_eval = evaluate_one(rules, ctx.store, subjects[other], as_of=as_of)
    star1 = other_eval.level("star-1")
    ctx.show(f"{names[other]}: star-1", [star1.status.value, *(r.message for r in star1.reasons)])
    again = award_all(
        rules, ctx.store, as_of=as_of, clock=ctx.clock, actor="demo-awards", subjects=subjects
    )
    ctx.show("the same run again grants nothing", [again.granted, again.revoked])

    # a day recorded in error is voided: the star is no longer supported
    ctx.clock.advance(timedelta(hours=1))
    wrong = EntryId(origin="demo", local_id=f"relief-1-{days[-1].isoformat()}")
    if ledger.state(wrong).status is not Status.VOIDED:
        ledger.void(wrong, actor="project-lead-3", reason="she was on leave that day")
    after = award_all(
        rules,
        ctx.store,
        as_of=ctx.clock.now(),
        clock=ctx.clock,
        actor="demo-awards",
        subjects=subjects,
    )
    ctx.show("after the void (granted, revoked)", [after.granted, after.revoked])
    records = ctx.store.awards.history(rules.id, zhang)
    revocations = [r for r in records if hasattr(r, "reason_code")]
    if revocations:
        ctx.show("why the star was revoked", [revocations[-1].reason, revocations[-1].reason_zh])

    # a make-up day restores it
    ctx.clock.set(datetime(2026, 12, 13, 18, 0, tzinfo=BEIJING))
    makeup = _shift(zhang, organization, date(2026, 12, 13), "makeup", ctx.clock.now())
    ledger.record(makeup, actor="coordinator-7")
    if ledger.state(makeup.id).status is Status.PENDING:
        ledger.approve_many([makeup.id], actor="project-lead-3")
    restored = award_all(
        rules,
        ctx.store,
        as_of=ctx.clock.now(),
        clock=ctx.clock,
        actor="demo-awards",
        subjects=subjects,
    )
    ctx.show("after a make-up day (granted, revoked)", [restored.granted, restored.revoked])
    ctx.show(f"{names[zhang]}: stars held", _held(ctx, rules.id, zhang))
    trail = ctx.store.audit.query(subject_type="volunteer", subject_id=zhang)
    ctx.show(
        "audit trail of the awards",
        [
            f"{e.action} {e.details.get('level', '')} {e.reason}".strip()
            for e in trail
            if e.action.startswith("awards.")
        ],
    )
