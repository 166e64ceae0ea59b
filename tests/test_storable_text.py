"""Text no store can keep (NUL, lone surrogates) is refused by every part's models.

PostgreSQL text cannot hold NUL, and a lone surrogate has no UTF-8 form for SQLite or PostgreSQL,
while the memory store could keep both: the models refuse them so that every backend behaves
alike (``volunteerkit._text``). Each case names a field and the error code it must raise.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest

from volunteerkit import FixedClock
from volunteerkit._text import unstorable
from volunteerkit.audit import record
from volunteerkit.awards.store import Grant
from volunteerkit.errors import InvalidInputError
from volunteerkit.hours import EntryId
from volunteerkit.matching.models import Location
from volunteerkit.registry.models import Qualification

BAD = ["a\x00b", "\ud800", "志愿\udfff"]
_CLOCK = FixedClock(datetime(2026, 11, 28, tzinfo=UTC))


def _audit(text: str) -> object:
    return record(_CLOCK, actor="a", action="x.y", subject_type="t", subject_id="1", reason=text)


def _audit_details(text: str) -> object:
    return record(
        _CLOCK, actor="a", action="x.y", subject_type="t", subject_id="1", details={"k": text}
    )


def _qualification_name(text: str) -> object:
    return Qualification(name=text, issued_on=date(2026, 1, 1))


def _qualification_issuer(text: str) -> object:
    return Qualification(name="first aid", issuer=text, issued_on=date(2026, 1, 1))


def _address(text: str) -> object:
    return Location(address=text)


def _grant_actor(text: str) -> object:
    return Grant(
        id="g1", rule_set_id="cn.cyl.stars", rule_set_version="2024", subject_id="v1",
        level_id="star-1", key="once", earned_on=date(2026, 1, 1),
        crossing_entry=EntryId(origin="bj", local_id="1"), consumed_from=0, consumed_to=6000,
        actor=text, at=_CLOCK.now(),
    )


CASES: list[tuple[Callable[[str], object], str, str]] = [
    (_audit, "audit.nul_character", "$.reason"),
    (_audit_details, "audit.invalid_details", "$.details"),
    (_qualification_name, "registry.text", "$.name"),
    (_qualification_issuer, "registry.text", "$.issuer"),
    (_address, "matching.invalid", "$.address"),
    (_grant_actor, "awards.input.invalid", "$.actor"),
]


@pytest.mark.parametrize("bad", BAD)
@pytest.mark.parametrize(("build", "code", "path"), CASES)
def test_text_no_store_can_keep_is_refused(
    build: Callable[[str], object], code: str, path: str, bad: str
) -> None:
    """NUL and lone surrogates raise the part's typed error with the field's path.

    The same field with storable text (Chinese and a space) is kept exactly as given.
    """
    good = "志愿服务 ok"
    kept = getattr(build(good), path.removeprefix("$."))
    assert kept == ({"k": good} if path == "$.details" else good)
    with pytest.raises(InvalidInputError) as info:
        build(bad)
    assert (info.value.code, info.value.path) == (code, path)
    assert info.value.message_zh


def test_unstorable() -> None:
    """Only NUL and U+D800 to U+DFFF on their own make text unstorable."""
    assert [unstorable(t) for t in ["", "abc", "志愿服务 🙂", *BAD]] == [
        False, False, False, True, True, True,
    ]
