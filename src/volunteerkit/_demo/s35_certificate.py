"""Demo step: a service certificate from the ledger, and the demo's entries exported to CSV."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from volunteerkit._demo._context import DemoContext
from volunteerkit._demo._files import write_demo_file
from volunteerkit.hours import CalendarYear, EntryId
from volunteerkit.hours.bulk import Progress, export_entries, import_entries, render_progress
from volunteerkit.hours.certificates import (
    CertificateError,
    Issuer,
    group_service_lines,
    issue_certificate,
    verify_certificate,
)
from volunteerkit.hours.ledger import Ledger

TITLE = "A service certificate from the ledger, and the hours exported to CSV"

BEIJING = ZoneInfo("Asia/Shanghai")
_ISSUER_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def run(ctx: DemoContext) -> None:
    """Certify the first volunteer's hours of the year; export and re-import the demo's entries."""
    ledger = ctx.data.get("ledger")
    ids = ctx.data.get("entries")
    if not isinstance(ledger, Ledger) or not ids:
        ctx.say("No hours were recorded by an earlier step: nothing to certify or export.")
        return
    volunteers = [str(v) for v in ctx.data.get("volunteers", [])] or ["demo-volunteer-1"]
    volunteer = volunteers[0]
    organization = str(ctx.data.get("organization") or "demo-organization")
    if not _ISSUER_ID.fullmatch(organization):
        organization = "demo-organization"
    # The holder's name and identity document come from the registry step when it ran (the
    # registry opens the sealed number for the certificate); otherwise from a public test vector.
    name, scheme, number = "张三 (demo)", "cn_ric", "11010519491231002X"
    issuer_name = "Demo Community Volunteer Service Team"
    registry: Any = ctx.data.get("registry")
    if registry is not None and ctx.data.get("volunteers"):
        person = registry.get(volunteer)
        if person.name is not None and person.document is not None:
            name, scheme, number = person.name, person.document.scheme, person.document.number
        issuer_name = registry.get_organization(organization).name

    year = CalendarYear(year=ctx.clock.now().astimezone(BEIJING).year)
    totals = ledger.totals(volunteer, year)
    per_day = ledger.minutes_by(["category", "day"], year, volunteer_id=volunteer)
    lines = group_service_lines(
        (str(category), date.fromisoformat(str(day)), minutes.credited)
        for (category, day), minutes in per_day.items()
    )
    if not lines:
        ctx.say(f"{volunteer} has no credited hours in {year.year}: no certificate to issue.")
    else:
        ctx.say(
            "Order 67: whoever recorded the service certifies it. The certificate is built from "
            "the ledger's own credit for the year, and dated by the demo's clock in Beijing."
        )
        cert = issue_certificate(
            volunteer_name=name,
            document_scheme=scheme,
            document_number=number,
            volunteer_number=volunteer,
            issuer=Issuer(
                organization_id=organization,
                name=issuer_name,
                person_in_charge="Li Hua",
                handler="Wang Fang",
                handler_contact="010-12345678",
                seal_ref=f"seal-register:{organization}/{year.year}",
            ),
            lines=lines,
            total=totals,
            clock=ctx.clock,
            zone=BEIJING,
            notes="Issued free of charge at the volunteer's request (Regulations Art. 19).",
        )
        ctx.show("certificate (identity number masked)", cert)
        ctx.show("certificate number", cert.certificate_number)
        ctx.show(
            "hours (exact, half up, from integer minutes)", [cert.total_hours, cert.total_minutes]
        )
        ctx.show("verification hash (SHA-256 of the canonical content)", cert.verification_hash)
        back = verify_certificate(cert.to_json())
        ctx.show(
            "read back from its JSON, it verifies", back.verification_hash == cert.verification_hash
        )
        forged = json.loads(cert.to_json())
        forged["lines"][0]["content"] = "emergency rescue"
        try:
            verify_certificate(forged)
        except CertificateError as err:
            ctx.show("a changed certificate is refused with", err.code)

    out = Path(str(ctx.data.get("out_dir", "."))) / "demo-hours.csv"
    stored = ctx.store.ledger.get_entries([EntryId.parse(str(i)) for i in ids])
    entries = [stored[EntryId.parse(str(i))] for i in ids if EntryId.parse(str(i)) in stored]
    # overwrites only a demo-hours.csv that an earlier run wrote (see _demo._files)
    written = write_demo_file(out, lambda path: export_entries(entries, path), option="--out-dir")
    ctx.data["export_csv"] = str(out)
    ctx.show(f"entries exported to {out.name}", written)
    seen: list[str] = []

    def progress(p: Progress) -> None:
        seen.append(render_progress(p, width=20))

    report = import_entries(
        out, format="csv", sink=ledger, actor="coordinator-7", progress=progress
    )
    ctx.show(
        "importing the export again (read, written, unchanged)",
        [report.rows_read, report.imported, report.unchanged],
    )
    if seen:
        ctx.show("progress line", seen[-1])
