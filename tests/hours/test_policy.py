from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import attrs
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from volunteerkit import from_json, structure, to_json, unstructure
from volunteerkit.errors import InvalidInputError, NaiveDatetimeError, SerializationError
from volunteerkit.hours import (
    BEIJING_UNIVERSITY,
    CHECK_IN_OUT,
    NATIONAL,
    PRESETS,
    UNIVERSITY_8H_PER_ACTIVITY,
    AccrualPolicy,
    ApprovalMode,
    ApprovalRule,
    BackfillDeadline,
    CategoryMultiplier,
    InvalidPolicy,
    OverlapRule,
    PolicyViolation,
    Rounding,
    RoundingMode,
    RoundingScope,
    ServiceEntry,
    Source,
    Status,
    TimeWindowMultiplier,
    UnknownPreset,
    Weighting,
    auto_approve_below,
    decide_approval,
    prepare_entry,
    preset,
    round_minutes,
    validate_entry,
)
from volunteerkit.hours.policy import _decide, _decisions_by_source

from .strategies import make_entry, policies, service_entries

SH = ZoneInfo("Asia/Shanghai")
DOWN, NEAREST, UP = RoundingMode.DOWN, RoundingMode.NEAREST, RoundingMode.UP


@pytest.mark.parametrize(
    ("minutes", "unit", "down", "nearest", "up"),
    [
        (0, 30, 0, 0, 0),
        (14, 30, 0, 0, 30),
        (15, 30, 0, 30, 30),  # exact half: ties round half up
        (44, 30, 30, 30, 60),
        (45, 30, 30, 60, 60),
        (60, 30, 60, 60, 60),
        (7, 15, 0, 0, 15),  # 7 < 7.5
        (8, 15, 0, 15, 15),
        (3, 6, 0, 6, 6),  # 0.1 h units: 3 minutes is the half
        (2, 6, 0, 0, 6),
        (89, 60, 60, 60, 120),
        (90, 60, 60, 120, 120),
        (481, 1, 481, 481, 481),
    ],
)
def test_rounding_modes(minutes: int, unit: int, down: int, nearest: int, up: int) -> None:
    """Down, nearest (ties half up) and up give the hand-computed multiples of the unit."""
    assert round_minutes(minutes, unit, DOWN) == down
    assert round_minutes(minutes, unit, NEAREST) == nearest
    assert round_minutes(minutes, unit, UP) == up


def test_caps_must_be_multiples_of_the_rounding_unit_that_follows_them() -> None:
    """Caps must be multiples of the rounding unit that follows them.

    A daily cap under per-day rounding, or a per-entry max under per-entry rounding, must be a
    multiple of the unit; the other cap is free.
    """
    per_day = Rounding(unit_minutes=30, scope=RoundingScope.PER_DAY)
    per_entry = Rounding(unit_minutes=30, scope=RoundingScope.PER_ENTRY)
    with pytest.raises(InvalidPolicy) as info:
        AccrualPolicy(name="x", rounding=per_day, daily_cap_minutes=500)
    assert (info.value.code, info.value.path) == (
        "hours.policy.not_multiple_of_unit",
        "$.daily_cap_minutes",
    )
    with pytest.raises(InvalidPolicy) as info:
        AccrualPolicy(name="x", rounding=per_entry, max_entry_minutes=500)
    assert info.value.path == "$.max_entry_minutes"
    AccrualPolicy(name="x", rounding=per_day, max_entry_minutes=500, daily_cap_minutes=480)
    AccrualPolicy(name="x", rounding=per_entry, max_entry_minutes=480, daily_cap_minutes=500)


@pytest.mark.parametrize(
    ("build", "code", "path"),
    [
        (lambda: Rounding(unit_minutes=0), "hours.policy.not_positive", "$.unit_minutes"),
        (
            lambda: AccrualPolicy(name="x", daily_cap_minutes=0),
            "hours.policy.not_positive",
            "$.daily_cap_minutes",
        ),
        (lambda: AccrualPolicy(name=""), "hours.policy.invalid", "$.name"),
        (
            lambda: ApprovalRule(mode=ApprovalMode.AUTO_BELOW),
            "hours.policy.threshold",
            "$.below_minutes",
        ),
        (
            lambda: ApprovalRule(mode=ApprovalMode.SUBMIT, below_minutes=60),
            "hours.policy.threshold",
            "$.below_minutes",
        ),
        (
            lambda: CategoryMultiplier(category="c", multiplier=Decimal(-1)),
            "hours.policy.multiplier",
            "$.multiplier",
        ),
        (
            lambda: TimeWindowMultiplier(start="24:00", end="06:00", multiplier=Decimal(1)),
            "hours.policy.time_of_day",
            "$.start",
        ),
        (
            lambda: TimeWindowMultiplier(start="06:00", end="06:00", multiplier=Decimal(1)),
            "hours.policy.empty_window",
            "$.end",
        ),
        (
            lambda: Weighting(
                categories=(
                    CategoryMultiplier(category="c", multiplier=Decimal(1)),
                    CategoryMultiplier(category="c", multiplier=Decimal(2)),
                )
            ),
            "hours.policy.duplicate_category",
            "$.categories[1]",
        ),
        (lambda: BackfillDeadline(days=-1), "hours.policy.deadline", "$.days"),
        (lambda: OverlapRule(grace_minutes=-1), "hours.policy.grace", "$.grace_minutes"),
        (lambda: OverlapRule(grace_minutes=1.5), "hours.policy.grace", "$.grace_minutes"),
    ],
)
def test_invalid_policies_raise_typed_errors(build: object, code: str, path: str) -> None:
    """Each malformed policy part raises InvalidPolicy with its code and path."""
    with pytest.raises(InvalidPolicy) as info:
        build()  # type: ignore[operator]
    assert (info.value.code, info.value.path) == (code, path)


def test_policy_refuses_float_multipliers_in_data() -> None:
    """A float multiplier in a rule file is refused (Decimals only)."""
    data = unstructure(AccrualPolicy(name="x"))
    data["weighting"]["categories"] = [{"category": "c", "multiplier": 1.5}]
    with pytest.raises(SerializationError) as info:
        structure(data, AccrualPolicy)
    assert (info.value.code, info.value.path) == (
        "serialization.decimal",
        "$.weighting.categories[0].multiplier",
    )


@pytest.mark.parametrize("policy", list(PRESETS.values()), ids=list(PRESETS))
def test_presets_round_trip_and_are_named(policy: AccrualPolicy) -> None:
    """Every preset round-trips through the converter and JSON, and ``preset(name)`` finds it."""
    assert structure(unstructure(policy), AccrualPolicy) == policy
    assert from_json(to_json(policy), AccrualPolicy) == policy
    assert preset(policy.name) is policy
    assert "service-records.md" in policy.description


def test_preset_values_follow_the_reference() -> None:
    """The presets encode the rules quoted from service-records.md."""
    assert NATIONAL.rounding is None
    assert NATIONAL.daily_cap_minutes is None
    assert NATIONAL.approval.auto_approve_organization_entries
    assert BEIJING_UNIVERSITY.rounding == Rounding(
        unit_minutes=30, mode=RoundingMode.DOWN, scope=RoundingScope.PER_DAY
    )
    assert BEIJING_UNIVERSITY.daily_cap_minutes == 480
    assert BEIJING_UNIVERSITY.backfill == BackfillDeadline(months=1)
    assert UNIVERSITY_8H_PER_ACTIVITY.max_entry_minutes == 480
    assert CHECK_IN_OUT.max_record_minutes == 1440
    assert CHECK_IN_OUT.approval.mode is ApprovalMode.AUTO


def test_unknown_preset_is_a_lookup_error_with_a_code() -> None:
    """An unknown preset name raises UnknownPreset (a LookupError), never a bare KeyError."""
    with pytest.raises(UnknownPreset) as info:
        preset("harvard")
    assert info.value.code == "hours.unknown_preset"
    assert isinstance(info.value, LookupError)


@pytest.mark.parametrize("mode", ["up", "down", None])
def test_round_minutes_refuses_a_mode_given_as_text(mode: object) -> None:
    """A rounding mode that is not a RoundingMode is refused with its path.

    The text ``"up"`` used to fall through to rounding to the nearest unit: 5 minutes in 30-minute
    units gave 0 instead of 30.
    """
    with pytest.raises(InvalidPolicy) as info:
        round_minutes(5, 30, mode)  # type: ignore[arg-type]
    assert (info.value.code, info.value.path) == ("hours.policy.invalid", "$.mode")


@pytest.mark.parametrize("name", [["national"], {"national": 1}])
def test_an_unhashable_preset_name_is_an_unknown_preset(name: object) -> None:
    """A list or dict as a preset name raises UnknownPreset, not a bare TypeError."""
    with pytest.raises(UnknownPreset) as info:
        preset(name)  # type: ignore[arg-type]
    assert (info.value.code, info.value.path) == ("hours.unknown_preset", "$.name")


@pytest.mark.parametrize(
    ("kwargs", "path"),
    [
        ({"categories": 5}, "$.categories"),
        ({"categories": "community"}, "$.categories"),
        ({"time_windows": None}, "$.time_windows"),
    ],
)
def test_weighting_parts_that_are_not_sequences_are_refused(kwargs: dict, path: str) -> None:
    """Categories or time windows that are not a sequence give InvalidPolicy with the path.

    A number or ``None`` used to raise a bare TypeError from ``tuple()``; a string was split
    into characters and refused at ``[0]``.
    """
    with pytest.raises(InvalidPolicy) as info:
        Weighting(**kwargs)
    assert (info.value.code, info.value.path) == ("hours.policy.invalid", path)


@given(policies())
def test_any_policy_round_trips(policy: AccrualPolicy) -> None:
    """``structure(unstructure(policy)) == policy`` for generated policies."""
    assert structure(unstructure(policy), AccrualPolicy) == policy
    assert from_json(to_json(policy), AccrualPolicy) == policy


# ---------------------------------------------------------------------------------------------
# record-time checks


def _entry(start: datetime, end: datetime) -> ServiceEntry:
    return make_entry("1", start, end, SH, status=Status.PENDING)


def test_records_over_24_hours_are_refused() -> None:
    """An entry of 1441 minutes is refused (``hours.too_long`` at ``$.end``); 1440 is allowed."""
    start = datetime(2026, 5, 1, 8, tzinfo=SH)
    now = datetime(2026, 5, 3, tzinfo=SH)
    validate_entry(_entry(start, start + timedelta(minutes=1440)), CHECK_IN_OUT, now=now)
    with pytest.raises(PolicyViolation) as info:
        validate_entry(_entry(start, start + timedelta(minutes=1441)), CHECK_IN_OUT, now=now)
    assert (info.value.code, info.value.path) == ("hours.too_long", "$.end")


@given(
    start=st.datetimes(
        min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC)
    ),
    limit=st.integers(1, 3000),
    excess=st.integers(-150, 150),
    micro=st.integers(0, 999_999),
)
def test_too_long_compares_whole_minutes_between_the_floors_with_the_limit(
    start: datetime, limit: int, excess: int, micro: int
) -> None:
    """``hours.too_long`` is raised exactly when ``duration_minutes`` exceeds the limit.

    ``duration_minutes`` subtracts the floors to the minute of end and start, so a span under
    the limit plus a minute may still exceed it (start at :45 s, end 30 s past the limit): the
    check looks at the floors whenever ``end - start`` reaches the limit, and only skips them
    when it is below.
    """
    end = start + timedelta(minutes=limit, seconds=excess, microseconds=micro)
    assume(end - start >= timedelta(minutes=2))
    entry = make_entry("1", start, end, SH, status=Status.PENDING)
    policy = attrs.evolve(NATIONAL, max_record_minutes=limit, backfill=None)
    now = end + timedelta(days=1)
    if entry.duration_minutes > limit:
        with pytest.raises(PolicyViolation) as info:
            validate_entry(entry, policy, now=now)
        assert (info.value.code, info.value.path) == ("hours.too_long", "$.end")
    else:
        validate_entry(entry, policy, now=now)


@pytest.mark.parametrize("limit", [10**13, 10**20])
def test_a_limit_past_timedeltas_range_refuses_nothing(limit: int) -> None:
    """A maximum of more minutes than a timedelta holds (about 1.4e15) is a valid policy.

    Recording under it raised a bare ``OverflowError``; no entry is that long, so none is
    refused, and an entry one minute over a limit of 10**13 minutes cannot exist to test.
    """
    policy = attrs.evolve(NATIONAL, max_record_minutes=limit, backfill=None)
    start = datetime(2026, 5, 1, 8, tzinfo=SH)
    end = start + timedelta(days=400)
    validate_entry(_entry(start, end), policy, now=end)


def test_a_span_of_the_limit_and_a_half_minute_can_be_one_minute_too_long() -> None:
    """Start 12:00:45, end 30 s past 24 hours: the floors are 1441 minutes apart (limit 1440)."""
    start = datetime(2026, 5, 1, 4, 0, 45, tzinfo=UTC)
    entry = _entry(start, start + timedelta(minutes=1440, seconds=30))
    assert entry.duration_minutes == 1441
    with pytest.raises(PolicyViolation) as info:
        validate_entry(entry, CHECK_IN_OUT, now=datetime(2026, 5, 3, tzinfo=SH))
    assert info.value.code == "hours.too_long"


def test_future_service_is_refused() -> None:
    """Service that ends after ``now`` is refused; ending exactly at ``now`` is fine."""
    start = datetime(2026, 5, 1, 8, tzinfo=SH)
    end = datetime(2026, 5, 1, 10, tzinfo=SH)
    validate_entry(_entry(start, end), NATIONAL, now=end)
    with pytest.raises(PolicyViolation) as info:
        validate_entry(_entry(start, end), NATIONAL, now=end - timedelta(minutes=1))
    assert (info.value.code, info.value.path) == ("hours.future_service", "$.end")


def test_service_before_registration_is_refused() -> None:
    """A registration date is compared with the local start date; a datetime with the instant."""
    entry = _entry(datetime(2026, 5, 1, 0, 30, tzinfo=SH), datetime(2026, 5, 1, 2, tzinfo=SH))
    now = datetime(2026, 6, 1, tzinfo=UTC)
    # 00:30 Shanghai on 1 May is still 30 April in UTC; the local date is what counts.
    validate_entry(entry, NATIONAL, now=now, registered=date(2026, 5, 1))
    with pytest.raises(PolicyViolation) as info:
        validate_entry(entry, NATIONAL, now=now, registered=date(2026, 5, 2))
    assert (info.value.code, info.value.path) == ("hours.before_registration", "$.start")
    with pytest.raises(PolicyViolation) as at:  # 00:30 is before a registration at 01:00
        validate_entry(entry, NATIONAL, now=now, registered=datetime(2026, 5, 1, 1, tzinfo=SH))
    assert (at.value.code, at.value.path) == ("hours.before_registration", "$.start")
    with pytest.raises(NaiveDatetimeError):
        validate_entry(entry, NATIONAL, now=now, registered=datetime(2026, 5, 1))


@pytest.mark.parametrize(
    ("kwargs", "code", "path"),
    [
        ({"registered": "2026-05-01"}, "hours.invalid_registration", "$.registered"),
        ({"registered": 20260501}, "hours.invalid_registration", "$.registered"),
        ({"now": "2026-06-01T00:00Z"}, "time.not_datetime", "$.now"),
        ({"now": date(2026, 6, 1)}, "time.not_datetime", "$.now"),
    ],
)
def test_a_now_or_registration_of_the_wrong_type_is_a_typed_error(kwargs, code, path) -> None:
    """A ``now`` or ``registered`` of the wrong type is refused with a code and path.

    Text or a plain date where an aware instant is needed, or text for a registration date, used
    to raise a bare TypeError or AttributeError.
    """
    entry = _entry(datetime(2026, 5, 1, 9, tzinfo=SH), datetime(2026, 5, 1, 10, tzinfo=SH))
    args = {"now": datetime(2026, 6, 1, tzinfo=UTC), **kwargs}
    with pytest.raises(InvalidInputError) as info:
        validate_entry(entry, NATIONAL, **args)
    assert (info.value.code, info.value.path) == (code, path)


def test_one_month_backfill_deadline_clamps_at_month_end() -> None:
    """Service ending on 2024-01-31 may be recorded until 2024-02-29 24:00 local, not later."""
    entry = make_entry(
        "1", datetime(2024, 1, 31, 20, tzinfo=SH), datetime(2024, 1, 31, 22, tzinfo=SH), SH,
        status=Status.PENDING, source=Source.SELF_DECLARED,
    )  # fmt: skip
    assert BEIJING_UNIVERSITY.backfill is not None
    assert BEIJING_UNIVERSITY.backfill.last_day(entry.end, SH) == date(2024, 2, 29)
    validate_entry(entry, BEIJING_UNIVERSITY, now=datetime(2024, 2, 29, 23, 59, tzinfo=SH))
    with pytest.raises(PolicyViolation) as info:
        validate_entry(entry, BEIJING_UNIVERSITY, now=datetime(2024, 3, 1, 0, 0, tzinfo=SH))
    assert (info.value.code, info.value.path) == ("hours.backfill_deadline", "$.recorded_at")
    transferred = attrs.evolve(entry, source=Source.TRANSFERRED)
    validate_entry(transferred, BEIJING_UNIVERSITY, now=datetime(2025, 1, 1, tzinfo=SH))


def test_backfill_deadline_counts_from_the_local_date_of_the_last_minute() -> None:
    """Service ending exactly at local midnight ended on the previous date (its last minute)."""
    rule = BackfillDeadline(days=0)
    end = datetime(2026, 5, 2, 0, 0, tzinfo=SH)
    assert rule.last_day(end, SH) == date(2026, 5, 1)
    assert rule.deadline(end, SH) == datetime(2026, 5, 2, 0, 0, tzinfo=SH)
    assert BackfillDeadline(days=3).last_day(end, SH) == date(2026, 5, 4)


def test_validate_entry_refuses_a_naive_now() -> None:
    """``now`` must be aware."""
    entry = _entry(datetime(2026, 5, 1, 8, tzinfo=SH), datetime(2026, 5, 1, 9, tzinfo=SH))
    with pytest.raises(NaiveDatetimeError):
        validate_entry(entry, NATIONAL, now=datetime(2026, 6, 1))


@pytest.mark.parametrize(
    ("policy", "source", "minutes", "status", "code"),
    [
        (AccrualPolicy(name="off", approval=ApprovalRule(mode=ApprovalMode.OFF)),
         Source.SELF_DECLARED, 60, Status.APPROVED, "approval.off"),
        (AccrualPolicy(name="submit"), Source.SELF_DECLARED, 60,
         Status.PENDING, "approval.required"),
        (CHECK_IN_OUT, Source.CHECK_IN_OUT, 600, Status.APPROVED, "approval.auto"),
        (NATIONAL, Source.ORGANIZATION, 600, Status.APPROVED, "approval.organization_entry"),
        (NATIONAL, Source.SELF_DECLARED, 600, Status.PENDING, "approval.required"),
        (auto_approve_below(240), Source.SELF_DECLARED, 239,
         Status.APPROVED, "approval.below_threshold"),
        (auto_approve_below(240), Source.SELF_DECLARED, 240, Status.PENDING, "approval.required"),
    ],
)  # fmt: skip
def test_approval_decision(
    policy: AccrualPolicy, source: Source, minutes: int, status: Status, code: str
) -> None:
    """Each approval mode decides pending or approved as documented (threshold is strict)."""
    start = datetime(2026, 5, 1, 8, tzinfo=SH)
    entry = make_entry(
        "1", start, start + timedelta(minutes=minutes + 15), SH,
        break_minutes=15, source=source, status=Status.PENDING,
    )  # fmt: skip
    decision = decide_approval(entry, policy)
    assert (decision.status, decision.code) == (status, code)
    prepared = prepare_entry(entry, policy, now=datetime(2026, 5, 2, tzinfo=SH))
    assert prepared.initial_status is status


@given(policy=policies(), entry=service_entries())
def test_decisions_by_source_are_the_decisions_of_each_entry(
    policy: AccrualPolicy, entry: ServiceEntry
) -> None:
    """The per-source table a large import looks up decides as :func:`decide_approval` does."""
    table = _decisions_by_source(policy)
    assert table.get(entry.source, _decide(entry, policy)) == decide_approval(entry, policy)
    if policy.approval.mode is not ApprovalMode.AUTO_BELOW:
        assert set(table) == set(Source)


def test_below_n_minutes_only_organization_entries_are_decided_by_source() -> None:
    """Auto-approval below N minutes: an entry's minutes decide it, unless staff entered it."""
    table = _decisions_by_source(auto_approve_below(240))
    assert {s: d.code for s, d in table.items()} == {
        Source.ORGANIZATION: "approval.organization_entry"
    }
    base = attrs.evolve(NATIONAL, approval=ApprovalRule(mode=ApprovalMode.SUBMIT))
    assert {d.code for d in _decisions_by_source(base).values()} == {"approval.required"}


def test_auto_approve_below_names_the_derived_policy() -> None:
    """``auto_approve_below`` keeps the base policy and names the result after it."""
    policy = auto_approve_below(120, BEIJING_UNIVERSITY)
    assert policy.name == "beijing_university_auto_below_120"
    assert policy.daily_cap_minutes == 480
    assert policy.approval.below_minutes == 120


@pytest.mark.parametrize("refuse", [True, False], ids=["refusing", "not refusing"])
def test_a_naive_registration_instant_is_refused_whatever_the_policy(refuse: bool) -> None:
    """validate_entry: "NaiveDatetimeError: If ``now`` or a ``registered`` datetime is naive".

    Datetimes are timezone-aware everywhere (DESIGN.md, data rules). A naive ``registered`` was
    accepted in silence when the policy did not refuse service before registration; it is
    ``time.naive_datetime`` at ``$.registered`` under either policy.
    """
    zone = ZoneInfo("UTC")
    entry = make_entry("n", datetime(2026, 3, 7, 20, tzinfo=UTC), datetime(2026, 3, 7, 22, tzinfo=UTC),
                       zone)  # fmt: skip
    policy = attrs.evolve(NATIONAL, refuse_before_registration=refuse)
    with pytest.raises(NaiveDatetimeError) as info:
        validate_entry(entry, policy, now=datetime(2026, 4, 1, tzinfo=UTC),
                       registered=datetime(2026, 1, 1))  # fmt: skip
    assert (info.value.code, info.value.path) == ("time.naive_datetime", "$.registered")
    # an aware instant, or a date, is still accepted
    validate_entry(entry, policy, now=datetime(2026, 4, 1, tzinfo=UTC),
                   registered=datetime(2026, 1, 1, tzinfo=UTC))  # fmt: skip
    validate_entry(entry, policy, now=datetime(2026, 4, 1, tzinfo=UTC), registered=date(2026, 1, 1))
