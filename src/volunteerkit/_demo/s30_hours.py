"""Demo step: recording service hours in the ledger, with corrections, and totals from the store."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from volunteerkit._demo._context import DemoContext
from volunteerkit.hours import BEIJING_UNIVERSITY, EntryId, ServiceEntry, Source, Status
from volunteerkit.hours.ledger import Ledger

TITLE = "Service hours: record, approve, correct, void, and totals computed in the store"

BEIJING = ZoneInfo("Asia/Shanghai")
KATHMANDU = ZoneInfo("Asia/Kathmandu")
YANGON = ZoneInfo("Asia/Yangon")


def _entry(
    local_id: str,
    volunteer: str,
    organization: str,
    category: str,
    start: datetime,
    end: datetime,
    recorded_at: datetime,
    *,
    break_minutes: int = 0,
    note: str = "",
) -> ServiceEntry:
    zone = start.tzinfo
    assert isinstance(zone, ZoneInfo)
    return ServiceEntry(
        id=EntryId(origin="demo", local_id=local_id),
        volunteer_id=volunteer,
        organization_id=organization,
        category=category,
        start=start,
        end=end,
        zone=zone,
        break_minutes=break_minutes,
        source=Source.SELF_DECLARED,
        recorded_by=volunteer,
        recorded_at=recorded_at,
        note=note,
    )


def run(ctx: DemoContext) -> None:
    """Record hours for two volunteers (Beijing; youth service in Kathmandu and Yangon)."""
    volunteers = [str(v) for v in ctx.data.get("volunteers", [])][:2]
    organization = ctx.data.get("organization")
    if len(volunteers) < 2 or organization is None:
        volunteers = ["demo-volunteer-1", "demo-volunteer-2"]
        organization = "demo-organization"
        ctx.say("No registered volunteers from an earlier step: using plain ids " + ", ".join(volunteers))
    organization = str(organization)
    local, abroad = volunteers
    ledger = Ledger(ctx.store, clock=ctx.clock, policy=BEIJING_UNIVERSITY, origin="demo")
    ctx.say(
        "Policy 'beijing_university': half-hour units rounded down per local day, at most 8 h a "
        "day, recorded within one month."
    )
    now = ctx.clock.now()
    entries = [
        _entry("beijing-shift", local, organization, "community",
               datetime(2026, 11, 21, 9, 0, tzinfo=BEIJING),
               datetime(2026, 11, 21, 12, 30, tzinfo=BEIJING), now, break_minutes=30,
               note="Community centre, Dongcheng"),
        _entry("overnight", local, organization, "emergency",
               datetime(2026, 11, 22, 20, 0, tzinfo=BEIJING),
               datetime(2026, 11, 23, 9, 5, tzinfo=BEIJING), now,
               note="Overnight shelter shift"),
        _entry("kathmandu", abroad, organization, "education",
               datetime(2026, 11, 10, 8, 0, tzinfo=KATHMANDU),
               datetime(2026, 11, 10, 14, 15, tzinfo=KATHMANDU), now,
               note="Youth volunteers abroad: school support, Kathmandu"),
        _entry("yangon", abroad, organization, "education",
               datetime(2026, 11, 15, 9, 0, tzinfo=YANGON),
               datetime(2026, 11, 15, 13, 0, tzinfo=YANGON), now,
               note="Youth volunteers abroad: UN office support, Yangon"),
        _entry("yangon-twice", abroad, organization, "education",
               datetime(2026, 11, 16, 9, 0, tzinfo=YANGON),
               datetime(2026, 11, 16, 11, 0, tzinfo=YANGON), now,
               note="Entered twice by mistake"),
    ]
    ctx.data["entries"] = [str(e.id) for e in entries]
    ctx.data["ledger"] = ledger
    result = ledger.record_many(entries, actor="coordinator-7")
    ctx.show("recorded (written, already present)", [result.written, result.already_present])
    replay = result.written == 0
    if replay:
        ctx.say("This store already holds the demo's hours (a replay wrote nothing).")
    else:
        ctx.show("status after recording", ledger.state(entries[0].id).status.value)
    ctx.clock.advance(timedelta(minutes=30))
    if not replay:
        approved = ledger.approve_many([e.id for e in entries], actor="project-lead-3")
        ctx.show("entries approved", approved)
    before_fix = ctx.clock.now()
    ctx.clock.advance(timedelta(minutes=30))
    if not replay:
        ledger.correct(
            EntryId(origin="demo", local_id="yangon"), actor="project-lead-3",
            reason="left at 12:00 for the airport", end=datetime(2026, 11, 15, 12, 0, tzinfo=YANGON),
        )
        ledger.void(
            EntryId(origin="demo", local_id="yangon-twice"), actor="admin-1",
            reason="duplicate of a record kept elsewhere",
        )
    ctx.show(
        f"{abroad}: credited minutes before and after the correction and the void",
        [ledger.totals(abroad, as_of=before_fix).credited_minutes,
         ledger.totals(abroad).credited_minutes],
    )
    state = ledger.state(EntryId(origin="demo", local_id="yangon-twice"))
    ctx.show("the duplicate is kept, voided", state.status is Status.VOIDED)
    for vid in (local, abroad):
        totals = ledger.totals(vid)
        ctx.show(
            f"{vid}: lifetime credited / raw minutes", [totals.credited_minutes, totals.raw_minutes]
        )
        ctx.show(
            f"{vid}: credited minutes by local day",
            {d.isoformat(): m.credited for d, m in totals.by_day.items()},
        )
    ctx.show(
        "credited minutes by category (computed in the store)",
        {str(k[0]): m.credited for k, m in ledger.minutes_by("category").items()},
    )
    ctx.show("active volunteers", ledger.active_volunteers())
