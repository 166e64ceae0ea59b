"""The functions behind ``volunteerkit awards check`` and ``volunteerkit awards evaluate``."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from volunteerkit import FixedClock
from volunteerkit.awards.commands import check_command, evaluate_command
from volunteerkit.errors import NaiveDatetimeError
from volunteerkit.hours import NATIONAL, EntryId, ServiceEntry, Source
from volunteerkit.hours.ledger import Ledger
from volunteerkit.registry.models import Volunteer, VolunteerRecord
from volunteerkit.stores import SQLiteStore

from .helpers import BJ

GOOD = """
id = "partner.stars"
version = "2026"
name_zh = "伙伴星级"
name_en = "Partner stars"
[[sources]]
title = "Partner board decision"
status = "primary"
[[levels]]
id = "star-1"
name_zh = "一星"
name_en = "One star"
hours = 50
"""


def test_check_reports_a_valid_file(tmp_path):
    """A valid file: status 0 and a summary of its levels."""
    path = tmp_path / "partner.toml"
    path.write_text(GOOD, encoding="utf-8")
    status, report = check_command(str(path))
    assert status == 0
    assert report == {
        "ok": True,
        "file": str(path),
        "rule_set": "partner.stars",
        "version": "2026",
        "name_en": "Partner stars",
        "name_zh": "伙伴星级",
        "levels": [{"id": "star-1", "name_en": "One star", "name_zh": "一星", "minutes": 3000}],
    }
    json.dumps(report)


def test_check_lists_every_problem(tmp_path):
    """A broken file: status 1 and each problem with its path, code and both messages."""
    path = tmp_path / "partner.toml"
    path.write_text(GOOD.replace("hours = 50", 'hours = -1\nrepeat = "daily"'), encoding="utf-8")
    status, report = check_command(str(path))
    assert status == 1
    assert report["ok"] is False
    assert report["problems"] == [
        {
            "path": "$.levels[0].hours",
            "code": "awards.rules.range",
            "message": "number out of range: 1 to 1000000",
            "message_zh": "数值超出范围:1 至 1000000",
        },
        {
            "path": "$.levels[0].repeat",
            "code": "awards.rules.value",
            "message": "value not allowed here; expected one of: once, per_period, renewable",
            "message_zh": "此处不允许该值;应为以下之一:once, per_period, renewable",
        },
    ]


def test_check_accepts_built_in_ids_and_refuses_unknown_ones(tmp_path):
    """RULES may name a built-in rule set (optionally with a version)."""
    assert check_command("cn.cyl.stars")[1]["levels"][0] == {
        "id": "star-1",
        "name_en": "One-star volunteer",
        "name_zh": "一星级志愿者",
        "minutes": 6000,
    }
    assert check_command("us.pvsa@pre-2020")[1]["version"] == "pre-2020"
    status, report = check_command("no.such.rules")
    assert status == 1
    assert [p["code"] for p in report["problems"]] == ["awards.unknown_rule_set"]
    status, report = check_command(str(tmp_path / "missing.toml"))
    assert (status, [p["code"] for p in report["problems"]]) == (1, ["awards.rules.file"])


SH = ZoneInfo("Asia/Shanghai")


def entry(volunteer: str, n: int, day: date) -> ServiceEntry:
    start = datetime(day.year, day.month, day.day, 8, tzinfo=SH)
    return ServiceEntry(
        id=EntryId(origin="t", local_id=f"{volunteer}-{n:03d}"),
        volunteer_id=volunteer,
        organization_id="o1",
        category="care",
        start=start,
        end=start + timedelta(hours=10),
        zone=SH,
        source=Source.ORGANIZATION,
        recorded_by="staff",
        recorded_at=datetime(2025, 6, 1, tzinfo=UTC),
    )


@pytest.fixture
def store_url(tmp_path):
    """A SQLite store with a registered volunteer and its hours; another without a registry record."""
    path = tmp_path / "store.db"
    store = SQLiteStore(path)
    # registered at 01:00 on 1 January 2025, Beijing time (17:00 UTC the day before)
    volunteer = Volunteer(
        id="v1",
        name="Li Lei",
        birth_date=date(2000, 5, 1),
        registered_at=datetime(2024, 12, 31, 17, 0, tzinfo=UTC),
    )
    store.volunteers.add(VolunteerRecord(volunteer=volunteer))
    ledger = Ledger(store, clock=FixedClock(datetime(2025, 6, 2, tzinfo=UTC)), policy=NATIONAL)
    entries = [entry("v1", n, date(2024, 12, 31) + timedelta(days=n)) for n in range(11)]
    entries += [entry("v2", n, date(2025, 1, 1) + timedelta(days=n)) for n in range(3)]
    ledger.record_many(entries, actor="staff")
    store.close()
    return f"sqlite:///{path}"


def test_evaluate_reads_the_registry_and_yields_json(store_url):
    """Stars of every volunteer with credit, with registration dates from the store's registry."""
    results = list(
        evaluate_command(
            "cn.cyl.stars", store_url, as_of=datetime(2025, 6, 2, 12, tzinfo=BJ), volunteer_ids=None
        )
    )
    assert [r["subject_id"] for r in results] == ["v1", "v2"]
    star = results[0]["levels"][0]
    # 31 December 2024 is before registration (1 January 2025 in Beijing): 100 h on 10 January
    assert star["status"] == "earned"
    assert star["achievements"][0]["earned_on"] == "2025-01-10"
    assert star["achievements"][0]["crossing_entry"] == "t:v1-010"
    assert results[1]["levels"][0]["status"] == "not_applicable"  # v2 is not in the registry
    assert results[1]["levels"][0]["reasons"][0]["code"] == "awards.start_unknown"
    json.dumps(results, ensure_ascii=False)


def test_evaluate_named_volunteers_with_a_rule_file(store_url, tmp_path):
    """Only the volunteers named are evaluated, under a partner's rule file."""
    path = tmp_path / "partner.toml"
    path.write_text(GOOD, encoding="utf-8")
    as_of = datetime(2025, 6, 2, 12, tzinfo=BJ)
    [only] = evaluate_command(str(path), store_url, as_of=as_of, volunteer_ids=["v2"])
    assert only["subject_id"] == "v2"
    assert only["levels"][0]["progress"]["counted_minutes"] == 1800
    with pytest.raises(NaiveDatetimeError):
        evaluate_command("cn.cyl.stars", store_url, as_of=datetime(2025, 6, 2), volunteer_ids=None)


def test_evaluate_opens_only_an_existing_store(tmp_path):
    """evaluate_command reads: a missing SQLite file is store.missing and is not created.

    Before, it created an empty store at a mistyped path and evaluated nobody.
    """
    from volunteerkit.errors import InvalidInputError

    missing = tmp_path / "typo.sqlite"
    with pytest.raises(InvalidInputError) as info:
        list(
            evaluate_command(
                "cn.cyl.stars", f"sqlite:///{missing}", as_of=datetime(2025, 6, 2, tzinfo=BJ),
                volunteer_ids=None,
            )
        )
    assert info.value.code == "store.missing"
    assert not missing.exists()
