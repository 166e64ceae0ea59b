"""Session 15: what the public API raises is what its docstrings say, and masked numbers."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from volunteerkit.errors import InvalidInputError, VolunteerkitError, join_path
from volunteerkit.registry.identity import SCHEMES, is_masked, mask_number
from volunteerkit.registry.models import SealedNumber
from volunteerkit.transfer.models import VolunteerRef
from volunteerkit.transfer.schema import package_schema

DOCS = Path(__file__).resolve().parents[1] / "docs"


def _volunteer_validator() -> jsonschema.Draft202012Validator:
    schema = {k: v for k, v in package_schema().items() if k != "oneOf"}
    schema["$ref"] = "#/$defs/volunteer"
    return jsonschema.Draft202012Validator(schema)


VOLUNTEER = _volunteer_validator()
INDEX = "k1:" + "0" * 64


def _ref(scheme: str | None, masked: str | None) -> dict[str, object]:
    return {
        "blind_index": INDEX,
        "document_scheme": scheme,
        "masked_number": masked,
        "unified_number": None,
    }


def _model_accepts(scheme: str | None, masked: str | None) -> bool:
    try:
        VolunteerRef(blind_index=INDEX, document_scheme=scheme, masked_number=masked)
    except VolunteerkitError:
        return False
    return True


# ------------------------------------------------------------------ is_masked


@pytest.mark.parametrize("scheme", [*SCHEMES, None, "no_such_scheme"])
@pytest.mark.parametrize("n", [1, 2, 3, 4, 7, 8, 9, 10, 11, 12, 13, 14, 18, 44, 88, 128])
def test_is_masked_accepts_what_mask_number_gives(scheme, n):
    """Whatever the masking gives, for every scheme and length, has the masked shape."""
    number = ("1234567890ABCDEFGHJK<\n" * 8)[:n]
    assert is_masked(scheme, mask_number(scheme or "", number))


@pytest.mark.parametrize(
    ("scheme", "value"),
    [
        ("cn_ric", "11010519491231002X"),  # the full number
        ("cn_ric", "110105194912****2X"),  # a few * in the wrong place
        ("cn_ric", "1101051949123100**"),
        ("cn_ric", "110105*******0002X"),  # one kept character too many
        ("cn_ric", "*10105********002X"),  # a * in the kept start
        ("icao_td3_mrz", "110105********002X"),  # masked with another scheme's rule
        ("cn_ric", ""),
        ("cn_ric", 110105),
        ("cn_ric", None),
    ],
)
def test_is_masked_refuses_other_shapes(scheme, value):
    """A full number, stars elsewhere, another scheme's shape or a non-text value is not masked."""
    assert not is_masked(scheme, value)


# ------------------------------------------------------------------ SealedNumber.masked


@pytest.mark.parametrize(
    "masked",
    ["11010519491231002X", "110105194912310**X", "1101051949123100 2X", "110105****"],
)
def test_a_sealed_number_refuses_a_masked_number_that_is_not_masked(masked):
    """``SealedNumber(masked=<full number>)`` used to show the number in its repr."""
    with pytest.raises(InvalidInputError) as info:
        SealedNumber(scheme="cn_ric", masked=masked, key_id=None, payload="11010519491231002X")
    assert info.value.code == "registry.masked_number"
    assert info.value.path == "$.masked"
    assert "1949" not in str(info.value) and "1949" not in repr(info.value)


def test_a_sealed_number_keeps_the_masks_the_registry_gives():
    """The masks of every scheme (an MRZ keeps less) are accepted; type errors keep their code."""
    for scheme in SCHEMES:
        masked = mask_number(scheme, "P<UTOERIKSSON<<ANNA<MARIA"[: 9 + len(scheme) % 9])
        assert SealedNumber(scheme=scheme, masked=masked, payload="x").masked == masked
    with pytest.raises(InvalidInputError) as info:
        SealedNumber(scheme="cn_ric", masked=None, payload="x")  # type: ignore[arg-type]
    assert (info.value.code, info.value.path) == ("registry.sealed", "$.masked")


# ------------------------------------------------------------------ the published schema


@pytest.mark.parametrize("scheme", sorted(SCHEMES))
@pytest.mark.parametrize("n", [1, 5, 9, 10, 11, 12, 13, 14, 18, 88, 128])
def test_the_schema_accepts_every_masked_number_the_model_accepts(scheme, n):
    """The schema's pattern for a scheme accepts what the registry's masking gives for it."""
    masked = mask_number(scheme, "7" * n)
    assert _model_accepts(scheme, masked)
    assert VOLUNTEER.is_valid(_ref(scheme, masked)), list(
        VOLUNTEER.iter_errors(_ref(scheme, masked))
    )


@pytest.mark.parametrize(
    ("scheme", "masked"),
    [
        ("cn_ric", "11010519491231002X"),
        ("cn_ric", "110105194912****"),  # the old pattern only asked for four *
        ("cn_ric", "****110105194912310"),
        ("cn_ric", "1****0****1****9****"),
        ("cn_ric", "P<UTO*****************X"),  # an MRZ's shape under another scheme
        ("icao_td3_mrz", "110105********002X"),  # and the other way round
        (None, "11010519491231002X"),
    ],
)
def test_the_schema_refuses_a_full_number_or_another_shape(scheme, masked):
    """Neither the schema nor the model takes a number that is not in its scheme's masked form."""
    assert not _model_accepts(scheme, masked)
    assert not VOLUNTEER.is_valid(_ref(scheme, masked))


@st.composite
def _near_masks(draw: st.DrawFn) -> tuple[str | None, str]:
    """A scheme and a text: random, a mask of the scheme or another, or a mask with one change."""
    scheme = draw(st.sampled_from([*sorted(SCHEMES), None, "x"]))
    text = draw(st.text(alphabet="0123456789X*<", min_size=1, max_size=40))
    kind = draw(st.sampled_from(["random", "mask", "other", "changed"]))
    if kind == "random":
        return scheme, text
    rule = scheme or "" if kind != "other" else draw(st.sampled_from(sorted(SCHEMES)))
    masked = mask_number(rule, text.replace("*", "0"))
    if kind == "changed":
        i = draw(st.integers(0, len(masked) - 1))
        masked = masked[:i] + draw(st.sampled_from(["*", "1", ""])) + masked[i + 1 :]
    return scheme, masked


@settings(max_examples=400, deadline=None)
@given(_near_masks())
def test_the_schema_and_the_model_agree_on_masked_numbers(case):
    """For any text, the published schema accepts a masked number exactly when the model does."""
    scheme, masked = case
    assert VOLUNTEER.is_valid(_ref(scheme, masked)) == _model_accepts(scheme, masked)


def test_the_published_schema_file_has_the_strict_pattern():
    """The copy in docs/ carries the per-scheme patterns (and no longer the four-* one)."""
    text = (DOCS / "transfer-package.schema.json").read_text("utf-8")
    assert "(\\\\*.*){4}" not in text
    volunteer = json.loads(text)["$defs"]["volunteer"]
    assert volunteer == package_schema()["$defs"]["volunteer"]
    assert len(volunteer["allOf"]) == 2


# ------------------------------------------------------------------ registry helpers

_D = date(2000, 1, 1)
_NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _registry_cases() -> list[tuple[str, Callable[[], object], str, str]]:
    from volunteerkit.registry import (
        RegistrationPolicy,
        VolunteerRecord,
        age_band,
        age_on,
        anonymised,
        organization_kind,
    )
    from volunteerkit.registry.identity import cn_mobile

    policy = RegistrationPolicy()
    return [
        ("age_on(None)", lambda: age_on(None, _D), "registry.date", "$.birth_date"),
        ("age_on(text day)", lambda: age_on(_D, "2026-01-01"), "registry.date", "$.day"),
        ("age_on(datetime)", lambda: age_on(_D, _NOW), "registry.date", "$.day"),
        ("age_band(None)", lambda: age_band(None, (14,)), "registry.age", "$.age"),
        ("age_band(nan)", lambda: age_band(float("nan"), (14,)), "registry.age", "$.age"),
        ("age_band(bands=None)", lambda: age_band(1, None), "registry.policy", "$.bands"),
        ("age_band(bands=text)", lambda: age_band(1, "14"), "registry.policy", "$.bands"),
        (
            "anonymised(None)",
            lambda: anonymised(None, on=_D, bands=(14,)),
            "registry.record",
            "$.volunteer",
        ),
        ("organization_kind(1.5)", lambda: organization_kind(1.5), "registry.uscc", "$.uscc"),
        (
            "RegistrationPolicy(age_bands=None)",
            lambda: RegistrationPolicy(age_bands=None),
            "registry.policy",
            "$.age_bands",
        ),
        (
            "VolunteerRecord(volunteer=None)",
            lambda: VolunteerRecord(volunteer=None),
            "registry.record",
            "$.volunteer",
        ),
        (
            "local_date(naive)",
            lambda: policy.local_date(datetime(2026, 1, 1)),
            "time.naive_datetime",
            "$.instant",
        ),
        ("local_date(date)", lambda: policy.local_date(_D), "time.not_datetime", "$.instant"),
        ("needs_consent(None)", lambda: policy.needs_consent(None), "registry.age", "$.age"),
        (
            "needs_consent(self_supporting='no')",
            lambda: policy.needs_consent(16, self_supporting="no"),
            "registry.bool",
            "$.self_supporting",
        ),
        (
            "check_applicant(naive now)",
            lambda: policy.check_applicant(_D, now=datetime(2026, 1, 1)),
            "time.naive_datetime",
            "$.now",
        ),
        (
            "check_applicant(None)",
            lambda: policy.check_applicant(None, now=_NOW),
            "registry.date",
            "$.birth_date",
        ),
        (
            "check_applicant(guardian='x')",
            lambda: policy.check_applicant(date(2015, 1, 1), now=_NOW, guardian="x"),
            "registry.guardian",
            "$.guardian",
        ),
        (
            "cn_mobile extra_blocks=None",
            lambda: cn_mobile.validate("13800138000", extra_blocks=None),
            "identity.option.extra_blocks",
            "$.extra_blocks",
        ),
    ]


@pytest.mark.parametrize(
    ("call", "code", "path"),
    [pytest.param(c[1], c[2], c[3], id=c[0]) for c in _registry_cases()],
)
def test_registry_helpers_refuse_bad_input_with_a_typed_error(call, code, path):
    """Wrong types, None, NaN and naive datetimes are typed errors, not TypeError/AttributeError."""
    with pytest.raises(VolunteerkitError) as info:
        call()
    assert (info.value.code, info.value.path) == (code, path)


def test_a_volunteer_record_refuses_a_document_that_is_not_sealed():
    """``VolunteerRecord(document=<text>)`` used to be kept as it was (and shown in repr)."""
    from volunteerkit.registry import VolunteerRecord
    from volunteerkit.testing.conformance_registry import _record

    record = _record(1)
    with pytest.raises(InvalidInputError) as info:
        VolunteerRecord(volunteer=record.volunteer, document="11010519491231002X")
    assert (info.value.code, info.value.path) == ("registry.record", "$.document")


# ------------------------------------------------------------------ transfer


def _transfer_cases() -> list[tuple[str, Callable[[], object], str, str]]:
    from volunteerkit import transfer as tr
    from volunteerkit.transfer.canonical import parse_line

    start = {
        "transfer_id": "01890f3e-0000-7000-8000-000000000001",
        "role": tr.Role.SOURCE,
        "volunteer_id": "v1",
        "source": "hami.cloud",
        "destination": "beijing.cloud",
        "consent": "c1",
        "actor": "clerk",
        "at": _NOW,
    }
    one = tr.new_transfer(**start)
    deep = b"[" * 990 + b"1.5" + b"]" * 990
    return [
        (
            "new_transfer(role=None)",
            lambda: tr.new_transfer(**{**start, "role": None}),
            "transfer.invalid",
            "$.role",
        ),
        ("advance(None)", lambda: tr.advance(None, one.steps[0]), "transfer.invalid", "$.transfer"),
        ("advance(step=None)", lambda: tr.advance(one, None), "transfer.invalid", "$.step"),
        (
            "Transfer(steps=None)",
            lambda: tr.Transfer(
                **{
                    k: getattr(one, k)
                    for k in ("id", "role", "volunteer_id", "source", "destination", "consent")
                },
                steps=None,
            ),
            "transfer.invalid",
            "$.steps",
        ),
        (
            "Transfer(steps=['x'])",
            lambda: tr.Transfer(
                **{
                    k: getattr(one, k)
                    for k in ("id", "role", "volunteer_id", "source", "destination", "consent")
                },
                steps=["x"],
            ),
            "transfer.invalid",
            "$.steps[0]",
        ),
        ("check_canonical(deep)", lambda: tr.check_canonical(deep), "transfer.malformed", "$"),
        (
            "check_canonical(deeper)",
            lambda: tr.check_canonical(b"[" * 5000 + b"]" * 5000),
            "transfer.malformed",
            "$",
        ),
        (
            "parse_line(deeper)",
            lambda: parse_line(b"[" * 5000 + b"]" * 5000),
            "transfer.malformed",
            "$",
        ),
        ("check_canonical(text)", lambda: tr.check_canonical('{"a":1}'), "transfer.invalid", "$"),
        (
            "canonical_bytes(self-holding)",
            lambda: tr.canonical_bytes(_self_holding()),
            "transfer.malformed",
            "$",
        ),
        ("KeySet(None)", lambda: tr.KeySet(None), "transfer.key_invalid", "$.keys"),
        ("KeySet(['x'])", lambda: tr.KeySet(["x"]), "transfer.key_invalid", "$.keys[0]"),
        (
            "verify_package(keys=None)",
            lambda: tr.verify_package(["x.jsonl"], None),
            "transfer.invalid",
            "$.keys",
        ),
        (
            "read_entries(None)",
            lambda: list(tr.read_entries(None, tr.KeySet([]))),
            "transfer.invalid",
            "$.package",
        ),
        (
            "write_package(header=None)",
            lambda: tr.write_package(".", None, [], signer=None),
            "transfer.invalid",
            "$.header",
        ),
    ]


def _self_holding() -> list[object]:
    value: list[object] = []
    value.append(value)
    return value


@pytest.mark.parametrize(
    ("call", "code", "path"),
    [pytest.param(c[1], c[2], c[3], id=c[0]) for c in _transfer_cases()],
)
def test_transfer_functions_refuse_bad_input_with_a_typed_error(call, code, path):
    """None, text for bytes and deeply nested lines are typed errors, not bare Python errors."""
    with pytest.raises(VolunteerkitError) as info:
        call()
    assert (info.value.code, info.value.path) == (code, path)


def test_a_package_line_nested_too_deeply_is_refused(tmp_path):
    """A partner's 1 MiB line of ``[[[[…]]]]`` is ``transfer.malformed``, not a RecursionError."""
    from volunteerkit.transfer import KeySet, PackageRefused, verify_package

    path = tmp_path / "x.jsonl"
    path.write_bytes(b"[" * 100_000 + b"]" * 100_000 + b"\n")
    with pytest.raises(PackageRefused) as info:
        verify_package([path], KeySet([]))
    assert (info.value.code, info.value.path) == ("transfer.malformed", "$.files[0].lines[1]")


def test_transfers_refuses_parts_of_the_wrong_type():
    """``Transfers(...)`` names the part of the wrong type instead of failing later."""
    from volunteerkit.transfer import KeySet, Transfers

    with pytest.raises(VolunteerkitError) as info:
        Transfers(
            None,  # type: ignore[arg-type]
            ledger=None,  # type: ignore[arg-type]
            clock=None,  # type: ignore[arg-type]
            party="hami",
            directory=None,  # type: ignore[arg-type]
            keys=KeySet([]),
        )
    assert (info.value.code, info.value.path) == ("transfer.invalid", "$.store")


# ------------------------------------------------------------------ awards


def _awards_cases() -> list[tuple[str, Callable[[], object], str, str]]:
    from volunteerkit import awards
    from volunteerkit.hours.policy import NATIONAL

    def level(**kw: object) -> object:
        return awards.Level(id="a", name_zh="一", name_en="one", hours=10, **kw)

    return [
        (
            "Counting(include_categories='paid')",
            lambda: awards.Counting(include_categories="paid"),
            "awards.rules.invalid",
            "$.include_categories",
        ),
        (
            "Counting(exclude_categories=None)",
            lambda: awards.Counting(exclude_categories=None),
            "awards.rules.invalid",
            "$.exclude_categories",
        ),
        (
            "Counting(include_sources=None)",
            lambda: awards.Counting(include_sources=None),
            "awards.rules.invalid",
            "$.include_sources",
        ),
        (
            "Level(requires=None)",
            lambda: level(requires=None),
            "awards.rules.invalid",
            "$.requires",
        ),
        ("age_on(None)", lambda: awards.age_on(None, _D), "awards.input.invalid", "$.birth_date"),
        ("age_on(datetime)", lambda: awards.age_on(_D, _NOW), "awards.input.invalid", "$.day"),
        (
            "credit_lines(None)",
            lambda: awards.credit_lines(None),
            "awards.input.invalid",
            "$.accrual",
        ),
        (
            "credit_lines_from_records(None)",
            lambda: awards.credit_lines_from_records(None, [], NATIONAL, as_of=_NOW),
            "hours.invalid_entry",
            "$.entries",
        ),
    ]


@pytest.mark.parametrize(
    ("call", "code", "path"),
    [pytest.param(c[1], c[2], c[3], id=c[0]) for c in _awards_cases()],
)
def test_awards_functions_refuse_bad_input_with_a_typed_error(call, code, path):
    """Text or None for a list, None for a date or an accrual: typed errors with their paths."""
    with pytest.raises(VolunteerkitError) as info:
        call()
    assert (info.value.code, info.value.path) == (code, path)


def test_one_category_given_as_text_is_not_its_letters():
    """``Counting(exclude_categories="paid")`` used to exclude the categories p, a, i and d."""
    from volunteerkit.awards import Counting, RuleSetInvalid

    with pytest.raises(RuleSetInvalid) as info:
        Counting(exclude_categories="paid")
    assert [(p.path, p.code) for p in info.value.problems] == [
        ("$.exclude_categories", "awards.rules.type")
    ]


# ------------------------------------------------------------------ stats


def _stats_cases() -> list[tuple[str, Callable[[], object], str, str]]:
    from volunteerkit import stats
    from volunteerkit.stats import RawRow

    raw = [RawRow(key=(c,), value=n, persons=n) for c, n in (("a", 9), ("b", 2), ("c", 6))]
    return [
        (
            "suppress(total_persons=nan)",
            lambda: stats.suppress(raw, 5, total_persons=float("nan"), additive=True),
            "stats.invalid_argument",
            "$.total_persons",
        ),
        (
            "suppress(total_persons=None)",
            lambda: stats.suppress(raw, 5, total_persons=None, additive=True),
            "stats.invalid_argument",
            "$.total_persons",
        ),
        (
            "suppress(additive='no')",
            lambda: stats.suppress(raw, 5, total_persons=17, additive="no"),
            "stats.invalid_argument",
            "$.additive",
        ),
        (
            "suppress(rows=None)",
            lambda: stats.suppress(None, 5, total_persons=3, additive=True),
            "stats.invalid_argument",
            "$.rows",
        ),
        (
            "suppress(rows=['x'])",
            lambda: stats.suppress(["x"], 5, total_persons=3, additive=True),
            "stats.invalid_argument",
            "$.rows[0]",
        ),
        ("region_prefix(None)", lambda: stats.region_prefix(None), "stats.region", "$.region"),
        ("region_prefix('')", lambda: stats.region_prefix(""), "stats.region", "$.region"),
        ("bar_chart(None)", lambda: stats.bar_chart(None), "stats.invalid_argument", "$.figure"),
        (
            "render_report(None)",
            lambda: stats.render_report(None, title="t", generated_at=_NOW),
            "stats.invalid_argument",
            "$.figures",
        ),
        (
            "render_report(['x'])",
            lambda: stats.render_report(["x"], title="t", generated_at=_NOW),
            "stats.invalid_argument",
            "$.figures[0]",
        ),
        (
            "render_report(naive)",
            lambda: stats.render_report([], title="t", generated_at=datetime(2026, 1, 1)),
            "time.naive_datetime",
            "$.generated_at",
        ),
    ]


@pytest.mark.parametrize(
    ("call", "code", "path"),
    [pytest.param(c[1], c[2], c[3], id=c[0]) for c in _stats_cases()],
)
def test_stats_functions_refuse_bad_input_with_a_typed_error(call, code, path):
    """A NaN person count used to skip the complementary suppression (a privacy leak)."""
    with pytest.raises(VolunteerkitError) as info:
        call()
    assert (info.value.code, info.value.path) == (code, path)


# ------------------------------------------------------------------ award batches, keyring


def _batch_cases() -> list[tuple[str, Callable[[], object], str, str]]:
    from volunteerkit import FixedClock, awards
    from volunteerkit.registry import Keyring
    from volunteerkit.stores import MemoryStore

    rules = awards.load_rule_set("cn.beijing.stars")
    subject = awards.AwardSubject(id="v1", birth_date=date(2000, 1, 1))
    store = MemoryStore()
    clock = FixedClock(_NOW)
    evaluation = awards.evaluate(rules, subject, [], _NOW)
    return [
        (
            "evaluate_one(store=None)",
            lambda: awards.evaluate_one(rules, None, subject, as_of=_NOW),
            "awards.input.invalid",
            "$.store",
        ),
        (
            "evaluate_all(store=None)",
            lambda: list(awards.evaluate_all(rules, None, as_of=_NOW)),
            "awards.input.invalid",
            "$.store",
        ),
        (
            "award_all(store=None)",
            lambda: awards.award_all(rules, None, as_of=_NOW, clock=clock, actor="job"),
            "awards.input.invalid",
            "$.store",
        ),
        (
            "award_subjects(clock=None)",
            lambda: awards.award_subjects(
                rules, store, [subject], as_of=_NOW, clock=None, actor="job"
            ),
            "awards.input.invalid",
            "$.clock",
        ),
        (
            "award_all(actor='')",
            lambda: awards.award_all(rules, store, as_of=_NOW, clock=clock, actor=""),
            "awards.input.invalid",
            "$.actor",
        ),
        (
            "reconcile(held=None)",
            lambda: awards.reconcile(evaluation, None, clock=clock, actor="job"),
            "awards.input.invalid",
            "$.held",
        ),
        (
            "reconcile(decided_later=None)",
            lambda: awards.reconcile(evaluation, [], clock=clock, actor="job", decided_later=None),
            "awards.input.invalid",
            "$.decided_later",
        ),
        (
            "reconcile(clock=None)",
            lambda: awards.reconcile(evaluation, [], clock=None, actor="job"),
            "awards.input.invalid",
            "$.clock",
        ),
        (
            "Keyring.generate(index_key_id=[])",
            lambda: Keyring.generate(index_key_id=[]),
            "registry.keyring",
            "$.index_key_id",
        ),
        (
            "Keyring.generate(encryption_key_id=[])",
            lambda: Keyring.generate(encryption_key_id=[]),
            "registry.keyring",
            "$.encryption_key_id",
        ),
    ]


@pytest.mark.parametrize(
    ("call", "code", "path"),
    [pytest.param(c[1], c[2], c[3], id=c[0]) for c in _batch_cases()],
)
def test_award_batches_and_keyring_refuse_bad_input_with_a_typed_error(call, code, path):
    """A store, clock or collection of the wrong type is named, not an AttributeError later."""
    with pytest.raises(VolunteerkitError) as info:
        call()
    assert (info.value.code, info.value.path) == (code, path)


def test_a_huge_chunk_size_reads_everything_in_one_chunk():
    """``chunk_size=2**63`` was a ValueError from islice; a chunk that large holds all."""
    from volunteerkit import awards
    from volunteerkit.stores import MemoryStore

    rules = awards.load_rule_set("cn.beijing.stars")
    subject = awards.AwardSubject(id="v1")
    found = list(
        awards.evaluate_subjects(rules, MemoryStore(), [subject], as_of=_NOW, chunk_size=2**63)
    )
    assert [e.subject_id for e in found] == ["v1"]


# ------------------------------------------------------------------ serialization


def _self_holding_dict() -> dict[str, object]:
    value: dict[str, object] = {}
    value["a"] = value
    return value


@pytest.mark.parametrize(
    "data",
    [
        pytest.param({"a": float("nan")}, id="NaN"),
        pytest.param({"a": float("inf")}, id="infinity"),
        pytest.param({"a": {1, 2}}, id="set"),
        pytest.param({"a": b"x"}, id="bytes"),
        pytest.param({"a": datetime(2026, 1, 1)}, id="datetime"),
        pytest.param(_self_holding_dict(), id="self-holding"),
    ],
)
def test_dumps_refuses_data_that_is_not_json_ready(data):
    """``dumps`` wrote NaN (that ``loads`` refuses) and raised TypeError/ValueError for the rest."""
    from volunteerkit._serialization import dumps
    from volunteerkit.errors import SerializationError

    with pytest.raises(SerializationError) as info:
        dumps(data)
    assert (info.value.code, info.value.path) == ("serialization.json", None)


def test_to_json_of_something_that_is_no_model_is_a_serialization_error():
    """``to_json(object())`` was a bare TypeError from the json module."""
    from volunteerkit._serialization import to_json
    from volunteerkit.errors import SerializationError

    with pytest.raises(SerializationError) as info:
        to_json(object())
    assert info.value.code == "serialization.json"


def test_a_keys_file_nested_too_deeply_is_key_invalid(tmp_path):
    """``volunteerkit transfer verify --keys deep.json`` ended in a RecursionError traceback."""
    from volunteerkit.transfer.commands import load_keys

    path = tmp_path / "keys.json"
    path.write_text("[" * 5000 + "]" * 5000, encoding="utf-8")
    with pytest.raises(VolunteerkitError) as info:
        load_keys(path)
    assert (info.value.code, info.value.path) == ("transfer.key_invalid", "$")


def test_a_volunteer_s_self_supporting_flag_is_true_or_false():
    """``Volunteer(self_supporting="no")`` was kept, and "no" reads as true."""
    from volunteerkit.registry import Volunteer

    with pytest.raises(InvalidInputError) as info:
        Volunteer(id="v1", name="李娜", registered_at=_NOW, self_supporting="no")
    assert (info.value.code, info.value.path) == ("registry.bool", "$.self_supporting")


def test_a_certified_day_is_a_calendar_date():
    """``CertifiedDay(day=<datetime>)`` was accepted (a datetime is a date to isinstance)."""
    from volunteerkit.transfer import CertifiedDay, PackageRefused

    with pytest.raises(PackageRefused) as info:
        CertifiedDay(day=datetime(2026, 1, 1), minutes=60)
    assert (info.value.code, info.value.path) == ("transfer.schema", "$.day")


@pytest.mark.parametrize(
    ("call", "path"),
    [
        pytest.param(lambda: join_path(None, "$.a"), "$.prefix", id="join_path(None)"),
        pytest.param(lambda: join_path("$.a", 1), "$.rest", id="join_path(rest=1)"),
        pytest.param(lambda: InvalidInputError(path="$.x").at(None), "$.prefix", id="at(None)"),
    ],
)
def test_a_field_path_is_text(call, path):
    """``join_path``/``at`` with a path that is not text were a TypeError/AttributeError."""
    with pytest.raises(InvalidInputError) as info:
        call()
    assert (info.value.code, info.value.path) == ("error.path", path)


@pytest.mark.parametrize(
    ("material", "algorithm_name", "path"),
    [
        pytest.param(b"", "HMAC_SHA256", "$.key", id="empty HMAC secret"),
        pytest.param(b"short", "ED25519", "$.key", id="short Ed25519 key"),
        pytest.param("x" * 32, "HMAC_SHA256", "$.key", id="text for bytes"),
    ],
)
def test_a_trusted_key_built_directly_is_checked(material, algorithm_name, path):
    """``TrustedKey(material=b"")`` was trusted: an empty HMAC secret verifies anyone's MAC."""
    from volunteerkit.transfer import Algorithm, KeySet, TrustedKey

    with pytest.raises(VolunteerkitError) as info:
        KeySet(
            [
                TrustedKey(
                    key_id="k1",
                    party="hami.cloud",
                    algorithm=Algorithm[algorithm_name],
                    material=material,
                )
            ]
        )
    assert (info.value.code, info.value.path) == ("transfer.key_invalid", path)


def _signing_cases() -> list[tuple[str, Callable[[], object], str, str]]:
    from volunteerkit.transfer import Ed25519Signer, HmacSigner, KeySet

    hmac_signer = HmacSigner("k1", b"s" * 32, party="hami.cloud")
    ed_signer = Ed25519Signer("k2", bytes(range(32)), party="hami.cloud")
    keys = KeySet([hmac_signer])
    return [
        ("HmacSigner.sign(None)", lambda: hmac_signer.sign(None), "transfer.invalid", "$.message"),
        ("HmacSigner.sign(text)", lambda: hmac_signer.sign("m"), "transfer.invalid", "$.message"),
        ("Ed25519Signer.sign(None)", lambda: ed_signer.sign(None), "transfer.invalid", "$.message"),
        (
            "KeySet.verify(None)",
            lambda: keys.verify(None, b"m", party="hami.cloud"),
            "transfer.invalid",
            "$.signature",
        ),
    ]


@pytest.mark.parametrize(
    ("call", "code", "path"),
    [pytest.param(c[1], c[2], c[3], id=c[0]) for c in _signing_cases()],
)
def test_signing_refuses_what_is_not_bytes(call, code, path):
    """``HmacSigner.sign(None)`` signed the empty message; others were bare TypeErrors."""
    with pytest.raises(VolunteerkitError) as info:
        call()
    assert (info.value.code, info.value.path) == (code, path)
