"""The core every part builds on: errors, the converter, clocks and time-ordered ids."""

from __future__ import annotations

import enum
import pickle
import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import volunteerkit
from volunteerkit import FixedClock, SystemClock, new_id, structure, unstructure, uuid7
from volunteerkit._ids import uuid7_text, uuid7_time
from volunteerkit.errors import (
    ConflictError,
    InvalidInputError,
    NaiveDatetimeError,
    NotFoundError,
    SerializationError,
    VolunteerkitError,
    join_path,
    mask,
)
from volunteerkit.testing.strategies import aware_datetimes


class Colour(enum.StrEnum):
    RED = "red"
    GREEN = "green"


@attrs.frozen(kw_only=True)
class Inner:
    at: datetime
    rate: Decimal
    colour: Colour
    zone: ZoneInfo


@attrs.frozen(kw_only=True)
class Outer:
    day: date
    minutes: int
    items: list[Inner]
    note: str = ""


def _outer() -> Outer:
    return Outer(
        day=date(2024, 2, 29),
        minutes=90,
        items=[
            Inner(
                at=datetime(2026, 11, 1, 1, 30, tzinfo=timezone(timedelta(hours=-5))),
                rate=Decimal("1.50"),
                colour=Colour.GREEN,
                zone=ZoneInfo("Asia/Kathmandu"),
            )
        ],
    )


def test_converter_round_trip_and_wire_forms() -> None:
    """Datetimes keep their offset, Decimal is a string, zones are names, enums are values."""
    data = unstructure(_outer())
    assert data == {
        "day": "2024-02-29",
        "minutes": 90,
        "note": "",
        "items": [
            {
                "at": "2026-11-01T01:30:00-05:00",
                "rate": "1.50",
                "colour": "green",
                "zone": "Asia/Kathmandu",
            }
        ],
    }
    back = structure(data, Outer)
    assert back == _outer()
    assert type(back.items[0].colour) is Colour


@pytest.mark.parametrize(
    ("change", "code", "path"),
    [
        (
            lambda d: d["items"][0].update(at="2026-11-01T01:30:00"),
            "time.naive_datetime",
            "$.items[0].at",
        ),
        (lambda d: d["items"][0].update(rate=1.5), "serialization.decimal", "$.items[0].rate"),
        (lambda d: d["items"][0].update(rate="NaN"), "serialization.decimal", "$.items[0].rate"),
        (
            lambda d: d["items"][0].update(rate="1e99999999"),
            "serialization.decimal",
            "$.items[0].rate",
        ),
        (
            lambda d: d["items"][0].update(rate="1e-1001"),
            "serialization.decimal",
            "$.items[0].rate",
        ),
        (lambda d: d["items"][0].update(colour="blue"), "serialization.enum", "$.items[0].colour"),
        (
            lambda d: d["items"][0].update(zone="Mars/Olympus"),
            "serialization.zone",
            "$.items[0].zone",
        ),
        (lambda d: d.update(minutes="90"), "serialization.int", "$.minutes"),
        (lambda d: d.update(minutes=True), "serialization.int", "$.minutes"),
        (lambda d: d.update(day="2023-02-29"), "serialization.date", "$.day"),
        (lambda d: d.update(day="2026-W01-1"), "serialization.date", "$.day"),
        (lambda d: d.update(day="2026-001"), "serialization.date", "$.day"),
        (lambda d: d.update(extra=1), "serialization.unknown_field", "$.extra"),
        (lambda d: d.pop("minutes"), "serialization.missing", "$.minutes"),
        (lambda d: d.update(note=7), "serialization.str", "$.note"),
    ],
)
def test_structuring_errors_carry_code_and_path(change, code, path) -> None:
    """Every bad field becomes a VolunteerkitError with a stable code and the field's path."""
    data = unstructure(_outer())
    change(data)
    with pytest.raises(VolunteerkitError) as info:
        structure(data, Outer)
    assert (info.value.code, info.value.path) == (code, path)
    assert info.value.message and info.value.message_zh


@attrs.frozen(kw_only=True)
class Tagged:
    tags: tuple[str, ...] = ()
    pairs: list[tuple[str, int]] = attrs.field(factory=list)


@pytest.mark.parametrize(
    ("data", "path"),
    [
        ({"tags": "first aid"}, "$.tags"),
        ({"tags": {"first aid": 1}}, "$.tags"),
        ({"pairs": [["a", 1], "b1"]}, "$.pairs[1]"),
        ({"pairs": {"a": 1}}, "$.pairs"),
    ],
)
def test_text_or_mapping_for_a_list_is_refused_not_split(data, path) -> None:
    """A string where a list belongs is an error, not a tuple of its characters (or keys)."""
    with pytest.raises(SerializationError) as info:
        structure(data, Tagged)
    assert (info.value.code, info.value.path) == ("serialization.list", path)
    assert structure({"tags": ["first aid"], "pairs": [["a", 1]]}, Tagged) == Tagged(
        tags=("first aid",), pairs=[("a", 1)]
    )


def test_decimal_exponents_up_to_1000_are_kept() -> None:
    """Exponents within ±1000 structure exactly; only absurd ones are refused."""
    assert structure("1e1000", Decimal) == Decimal("1E+1000")
    assert structure("-0.5e-999", Decimal) == Decimal("-5E-1000")
    assert structure("0.000", Decimal) == Decimal("0.000")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (Decimal("NaN"), "decimal must be finite"),
        (Decimal("-Infinity"), "decimal must be finite"),
        (Decimal("sNaN"), "decimal must be finite"),
        (Decimal("1e1001"), "decimal exponent must be within ±1000"),
    ],
)
def test_a_decimal_object_is_checked_as_its_text_is(value: Decimal, message: str) -> None:
    """A Decimal given as an object is refused where its text would be, at its path.

    ``structure`` took any Decimal object unchecked: ``Decimal("NaN")`` passed (and a model
    holding it never equals itself read back), where ``"NaN"`` was refused.
    """
    with pytest.raises(SerializationError) as info:
        structure(
            {"at": "2026-01-01T00:00:00+00:00", "rate": value, "colour": "red", "zone": "UTC"},
            Inner,
        )
    assert (info.value.code, info.value.message, info.value.path) == (
        "serialization.decimal",
        message,
        "$.rate",
    )
    with pytest.raises(SerializationError):
        structure(str(value), Decimal)
    assert structure(Decimal("1.50"), Decimal).as_tuple() == Decimal("1.50").as_tuple()


@pytest.mark.parametrize(
    "name", ["America", "Asia", "localtime", "posixrules", "right/UTC", "posix/Asia/Shanghai"]
)
def test_a_name_that_is_no_iana_zone_is_refused(name: str) -> None:
    """A zone folder, or a system file that is no IANA zone, is serialization.zone.

    ``"America"`` (a folder) was serialization.type, "the wrong type", from a bare
    IsADirectoryError; ``"localtime"`` gave this machine's own zone, and ``posixrules``,
    ``right/…`` and ``posix/…`` zones of the system's folder that the tzdata package lacks, so a
    record written with one could not be read on another machine.
    """
    with pytest.raises(SerializationError) as info:
        structure(
            {"at": "2026-01-01T00:00:00+00:00", "rate": "1", "colour": "red", "zone": name},
            Inner,
        )
    assert (info.value.code, info.value.path) == ("serialization.zone", "$.zone")
    assert structure("Asia/Shanghai", ZoneInfo) == ZoneInfo("Asia/Shanghai")


def test_unstructuring_a_naive_datetime_is_refused() -> None:
    """A naive datetime cannot leave the library either."""
    with pytest.raises(NaiveDatetimeError):
        unstructure(datetime(2026, 1, 1))


def test_json_helpers() -> None:
    """to_json sorts keys and keeps Chinese text; loads refuses NaN and broken JSON."""
    assert volunteerkit.to_json({"b": 1, "a": "志愿"}) == '{"a":"志愿","b":1}'
    assert volunteerkit.from_json(volunteerkit.to_json(_outer()), Outer) == _outer()
    with pytest.raises(SerializationError) as info:
        volunteerkit.from_json('{"minutes": NaN}', Outer)
    assert info.value.code == "serialization.json"
    with pytest.raises(SerializationError) as broken:
        volunteerkit.from_json("{", Outer)
    assert broken.value.code == "serialization.json"


@given(aware_datetimes())
def test_datetimes_round_trip_exactly(value: datetime) -> None:
    """Any aware datetime comes back equal, with the same UTC offset."""
    back = structure(unstructure(value), datetime)
    assert back == value and back.utcoffset() == value.utcoffset()


def test_error_str_shows_code_message_and_path() -> None:
    """str() is '[code] message (at path)'; to_dict() has both languages."""
    err = InvalidInputError("too long", "太长", code="x.too_long", path="$.note")
    assert str(err) == "[x.too_long] too long (at $.note)"
    assert err.to_dict() == {
        "code": "x.too_long",
        "message": "too long",
        "message_zh": "太长",
        "path": "$.note",
    }
    assert str(NotFoundError()) == "[store.not_found] record not found"


def test_errors_survive_pickling() -> None:
    """Errors keep code, messages and path across process boundaries."""
    err = ConflictError(path="$.id")
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is ConflictError
    assert back.to_dict() == err.to_dict()


def test_error_relocation_and_paths() -> None:
    """at() prefixes a containing path; join_path handles roots and absent paths."""
    err = InvalidInputError(path="$.start").at("$.entries[3]")
    assert err.path == "$.entries[3].start"
    assert join_path("$.a", "$") == "$.a"
    assert join_path("$", "$.b") == "$.b"


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("110105194912310018", "110105********0018"),
        ("91350100M000100Y43", "913501********0Y43"),
        ("H1234567", "H1****67"),
        ("A123456(3)", "A1******3)"),
        ("12", "**"),
        ("", ""),
    ],
)
def test_mask_hides_the_middle(value: str, masked: str) -> None:
    """mask() keeps 6 + 4 characters of long values, a quarter each of short ones."""
    assert mask(value) == masked
    assert len(mask(value)) == len(value)


@given(st.text(st.characters(blacklist_characters="*"), min_size=1, max_size=40))
def test_mask_hides_at_least_four_or_half(value: str) -> None:
    """At least min(4, len) characters, and at least half of a short value, are hidden.

    The values hold no ``*``, so every ``*`` of the result is a hidden character (counting ``*``
    in values that have some, as this test once did, miscounts: ``00*0`` masks to ``0**0``).
    """
    masked = mask(value)
    hidden = masked.count("*")
    assert hidden >= min(4, len(value)) or hidden >= len(value) // 2
    start = masked.index("*") if hidden else len(value)
    assert masked == value[:start] + "*" * hidden + value[start + hidden :]


@pytest.mark.parametrize(
    ("kwargs", "path"),
    [
        ({"keep_start": -1}, "$.keep_start"),
        ({"keep_end": -2}, "$.keep_end"),
        ({"keep_start": True}, "$.keep_start"),
        ({"keep_end": 1.5}, "$.keep_end"),
        ({"fill": "ab"}, "$.fill"),
        ({"fill": ""}, "$.fill"),
        ({"value": None}, "$.value"),
        ({"value": 110105194912310018}, "$.value"),
    ],
)
def test_mask_refuses_arguments_that_would_show_the_number(
    kwargs: dict[str, object], path: str
) -> None:
    """Bad mask() arguments are mask.invalid at their path, never a leak or a bare TypeError.

    ``keep_start=-1`` showed all but the last four characters of the number (``value[:-1]``), a
    two-character fill made the result longer than the number, and None raised a TypeError.
    """
    arguments: dict[str, object] = {"value": "110105194912310018", **kwargs}
    with pytest.raises(InvalidInputError) as info:
        mask(**arguments)  # type: ignore[arg-type]
    assert (info.value.code, info.value.path) == ("mask.invalid", path)


@pytest.mark.parametrize(
    ("kwargs", "code", "path"),
    [
        ({"clock": None}, "audit.clock", "$.clock"),
        ({"clock": 5}, "audit.clock", "$.clock"),
        ({"details": [("doc", "cn_ric")]}, "audit.invalid_details", "$.details"),
        ({"details": "x"}, "audit.invalid_details", "$.details"),
    ],
)
def test_record_refuses_what_an_entry_refuses(
    kwargs: dict[str, object], code: str, path: str
) -> None:
    """audit.record gives typed errors at their path, as AuditEntry(...) does.

    A clock that is not a Clock raised a bare AttributeError; details given as pairs were made a
    dict (AuditEntry refuses them), and as text raised a bare ValueError.
    """
    from volunteerkit.audit import record

    arguments: dict[str, object] = {
        "clock": FixedClock(datetime(2026, 1, 1, tzinfo=UTC)),
        "actor": "a",
        "action": "demo.note",
        "subject_type": "demo",
        "subject_id": "s",
        **kwargs,
    }
    clock = arguments.pop("clock")
    with pytest.raises(InvalidInputError) as info:
        record(clock, **arguments)  # type: ignore[arg-type]
    assert (info.value.code, info.value.path) == (code, path)


def test_fixed_clock() -> None:
    """FixedClock refuses naive instants, advances and sets."""
    clock = FixedClock(datetime(2026, 3, 29, 0, 30, tzinfo=UTC))
    assert clock.advance(timedelta(hours=1)) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    with pytest.raises(NaiveDatetimeError):
        clock.set(datetime(2026, 1, 1))
    with pytest.raises(NaiveDatetimeError):
        FixedClock(datetime(2026, 1, 1))
    assert volunteerkit.today_in(clock, ZoneInfo("Asia/Shanghai")) == date(2026, 3, 29)
    assert volunteerkit.today_in(clock, ZoneInfo("America/Los_Angeles")) == date(2026, 3, 28)


def test_system_clock_answers_in_utc() -> None:
    """SystemClock never uses the machine's local zone."""
    assert SystemClock().now().utcoffset() == timedelta(0)


@given(instant=aware_datetimes(), bits=st.integers(0, (1 << 74) - 1))
def test_uuid7_text_is_the_uuid_text(instant: datetime, bits: int) -> None:
    """uuid7_text gives exactly str(uuid7(...)) for any instant and random bits."""
    assert uuid7_text(instant, bits) == str(uuid7(instant, bits))


def test_uuid7_layout_and_order() -> None:
    """UUIDv7: version 7, RFC variant, millisecond time first, so ids sort by time."""
    t = datetime(2026, 11, 28, 1, 2, 3, 456000, tzinfo=UTC)
    u = uuid7(t, 0)
    assert u.version == 7 and u.variant == uuid.RFC_4122
    assert uuid7_time(u) == 1_795_827_723_456
    later = uuid7(t + timedelta(milliseconds=1), (1 << 74) - 1)
    assert str(u) < str(later)
    clock = FixedClock(t)
    assert new_id(clock) != new_id(clock)  # random bits differ within one millisecond
    assert uuid7_time(new_id(clock)) == 1_795_827_723_456


@given(instant=aware_datetimes(), bits=st.integers(0, (1 << 74) - 1))
def test_uuid7_time_is_the_exact_millisecond(instant: datetime, bits: int) -> None:
    """The embedded time is the instant's whole milliseconds since 1970, exactly."""
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    assert uuid7_time(uuid7(instant, bits)) == (instant - epoch) // timedelta(milliseconds=1)


def test_uuid7_time_has_no_float_rounding() -> None:
    """A whole millisecond is kept: ``timestamp() * 1000`` in floats gave one millisecond less."""
    t = datetime(2039, 7, 9, 13, 22, 43, 397000, tzinfo=UTC)
    assert uuid7_time(uuid7_text(t, 0)) == 2_193_830_563_397


def test_uuid7_refuses_instants_before_1970() -> None:
    """Before the epoch the 48-bit time would wrap, and the id would sort after today's."""
    with pytest.raises(InvalidInputError) as info:
        uuid7(datetime(1969, 12, 31, 23, 59, 59, tzinfo=UTC))
    assert (info.value.code, info.value.path) == ("id.before_epoch", "$.instant")
    assert uuid7_time(uuid7(datetime(1970, 1, 1, tzinfo=UTC), 0)) == 0


def test_zones_resolve_from_the_tzdata_dependency_without_a_system_database() -> None:
    """With no system tz database (Windows, slim images), the ``tzdata`` package gives the zones.

    Offsets at instants in 2026: Kathmandu +05:45 and Yangon +06:30 all year; Lord Howe +11:00
    in its summer time (a 30-minute shift) and +10:30 in winter; New York -04:00 until 06:00Z
    on 1 November 2026 and -05:00 from then, when 01:00-02:00 local repeats.
    """
    import zoneinfo

    saved = zoneinfo.TZPATH
    zoneinfo.reset_tzpath(to=[])  # no system folders: only the tzdata package is left
    try:
        expected = [
            ("Asia/Kathmandu", datetime(2026, 7, 1, tzinfo=UTC), timedelta(hours=5, minutes=45)),
            ("Asia/Yangon", datetime(2026, 1, 1, tzinfo=UTC), timedelta(hours=6, minutes=30)),
            ("Australia/Lord_Howe", datetime(2026, 1, 15, tzinfo=UTC), timedelta(hours=11)),
            ("Australia/Lord_Howe", datetime(2026, 7, 15, tzinfo=UTC), timedelta(hours=10.5)),
            ("America/New_York", datetime(2026, 11, 1, 5, 59, tzinfo=UTC), timedelta(hours=-4)),
            ("America/New_York", datetime(2026, 11, 1, 6, 0, tzinfo=UTC), timedelta(hours=-5)),
        ]
        for key, at, offset in expected:
            assert at.astimezone(ZoneInfo.no_cache(key)).utcoffset() == offset, key
    finally:
        zoneinfo.reset_tzpath(to=saved)


@pytest.mark.parametrize("empty_tzpath", [False, True], ids=["system", "tzdata-package"])
def test_a_zone_and_its_tz_database_link_are_the_same_zone(empty_tzpath: bool) -> None:
    """A zone and a tz database link to it are one zone; zones with other rules are not.

    Old names are links (``backward``): Rangoon is Yangon, Katmandu is Kathmandu, Calcutta is
    Kolkata, Chongqing is Shanghai. Shanghai and Taipei are both +08:00 but two zones, and a zone
    read from a file has no name. Both where zoneinfo reads the system's database and where it has
    only the ``tzdata`` package.
    """
    import io
    import zoneinfo
    from importlib import resources

    from volunteerkit._zones import same_zone

    saved = zoneinfo.TZPATH
    if empty_tzpath:
        zoneinfo.reset_tzpath(to=[])
    try:
        z = ZoneInfo.no_cache
        for old, new in [
            ("Asia/Rangoon", "Asia/Yangon"),
            ("Asia/Katmandu", "Asia/Kathmandu"),
            ("Asia/Calcutta", "Asia/Kolkata"),
            ("Asia/Chongqing", "Asia/Shanghai"),
        ]:
            assert same_zone(z(old), z(new)) and same_zone(z(new), z(old)), old
        assert same_zone(z("Asia/Yangon"), z("Asia/Yangon"))
        for a, b in [
            ("Asia/Shanghai", "Asia/Taipei"),
            ("Asia/Yangon", "Asia/Kathmandu"),
            ("Europe/Berlin", "Europe/London"),
        ]:
            assert not same_zone(z(a), z(b)), (a, b)
        data = resources.files("tzdata.zoneinfo").joinpath("Asia", "Yangon").read_bytes()
        unnamed = ZoneInfo.from_file(io.BytesIO(data))
        assert unnamed.key is None
        assert same_zone(unnamed, unnamed)
        assert not same_zone(unnamed, z("Asia/Yangon"))
    finally:
        zoneinfo.reset_tzpath(to=saved)


@pytest.mark.parametrize("bad", ["39.9", True, None, [39.9], pytest.param(10**400, id="10**400")])
def test_a_float_field_takes_only_a_number(bad: object) -> None:
    """A float (a coordinate) is a JSON number: text or a boolean is serialization.float.

    cattrs would call ``float()`` on it, so ``"39.9"`` and ``true`` (as 1.0) passed. An integer
    is a number: 39 reads as 39.0; one beyond any float (10**400) was serialization.type, "the
    wrong type", from the bare OverflowError.
    """
    from volunteerkit.matching import GeoPoint

    with pytest.raises(SerializationError) as info:
        structure({"latitude": bad, "longitude": 116.4}, GeoPoint)
    assert (info.value.code, info.value.path) == ("serialization.float", "$.latitude")
    assert structure({"latitude": 39, "longitude": 116.4}, GeoPoint).latitude == 39.0


@pytest.mark.parametrize("bad", [None, 7, {"a": 1}])
def test_from_json_refuses_what_is_not_json_text(bad: object) -> None:
    """``from_json`` of something that is not text is serialization.json, not a bare TypeError."""
    from volunteerkit import from_json
    from volunteerkit.matching import GeoPoint

    with pytest.raises(SerializationError) as info:
        from_json(bad, GeoPoint)  # type: ignore[arg-type]
    assert info.value.code == "serialization.json"
