"""Service certificates: fields, hours text, certificate number, verification hash, masking."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from volunteerkit import FixedClock, structure, to_json, unstructure
from volunteerkit.errors import NaiveDatetimeError
from volunteerkit.hours import (
    LIFETIME,
    AccrualPolicy,
    CalendarYear,
    DateRange,
    credited_as_of,
    totals,
)
from volunteerkit.hours.certificates import (
    CERTIFICATE_FORMAT,
    Certificate,
    CertificateError,
    CertificateHolder,
    Issuer,
    ServiceLine,
    certificate_number,
    group_service_lines,
    hours_text,
    issue_certificate,
    service_lines,
    verify_certificate,
)
from volunteerkit.registry.identity import InvalidIdentity
from volunteerkit.testing.strategies_certificates import (
    certificates,
    issuers,
)
from volunteerkit.testing.strategies_certificates import (
    service_lines as line_strategy,
)

from .strategies import make_entry

NUMBER = "11010519491231002X"
MASKED = "110105********002X"
SHANGHAI = ZoneInfo("Asia/Shanghai")

ISSUER = Issuer(
    organization_id="bj-org-1",
    name="Chaoyang Volunteers",
    person_in_charge="Li Hua",
    handler="Wang Fang",
    handler_contact="010-12345678",
    seal_ref="seal:bj-org-1/2026",
)
LINES = (
    ServiceLine(
        content="Elderly care", first_day=date(2026, 3, 1), last_day=date(2026, 3, 8), minutes=125
    ),
    ServiceLine(
        content="Library", first_day=date(2026, 4, 1), last_day=date(2026, 4, 1), minutes=60
    ),
)


def issue(**changes: Any) -> Certificate:
    args: dict[str, Any] = {
        "volunteer_name": "张三",
        "document_scheme": "cn_ric",
        "document_number": "11010519491231002x",
        "volunteer_number": "11010000000001",
        "issuer": ISSUER,
        "lines": LINES,
        "total": 185,
        "window": CalendarYear(year=2026),
        "issued_on": date(2026, 11, 28),
        "notes": "Issued on request",
    }
    args.update(changes)
    return issue_certificate(**args)


# --------------------------------------------------------------------------------------------
# hours text


@pytest.mark.parametrize(
    ("minutes", "text"),
    [
        (0, "0.00"),
        (1, "0.02"),
        (5, "0.08"),
        (30, "0.50"),
        (60, "1.00"),
        (125, "2.08"),
        (6001, "100.02"),
    ],
)
def test_hours_text_examples(minutes: int, text: str) -> None:
    """Minutes show as hours with two exact decimals: 125 min is 2.08 h, 1 min is 0.02 h."""
    assert hours_text(minutes) == text


@given(st.integers(min_value=0, max_value=10**12))
def test_hours_text_is_decimal_half_up(minutes: int) -> None:
    """The integer rounding equals Decimal division quantized to 0.01 with ROUND_HALF_UP."""
    expected = (Decimal(minutes) / Decimal(60)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert hours_text(minutes) == str(expected)


@pytest.mark.parametrize("bad", [-1, True, 1.5, "60"])
def test_hours_text_refuses_non_minutes(bad: Any) -> None:
    """Negative, boolean, float and text minutes are refused with certificate.minutes."""
    with pytest.raises(CertificateError) as info:
        hours_text(bad)
    assert info.value.code == "certificate.minutes"


_LONE = b"Zhang San \xe9".decode("utf-8", "surrogateescape")  # a name read with surrogateescape


@pytest.mark.parametrize(
    ("changes", "path"),
    [
        ({"volunteer_name": _LONE}, "$.holder.name"),
        ({"notes": _LONE}, "$.notes"),
        ({"notes": "a\x00b"}, "$.notes"),
    ],
)
def test_text_with_a_lone_surrogate_or_nul_is_refused_with_its_path(
    changes: dict[str, Any], path: str
) -> None:
    """Certificate text must have a UTF-8 form to hash: a lone surrogate is certificate.invalid_text.

    It was a bare UnicodeEncodeError from deep in the hashing. NUL is refused as entries refuse
    it. An Issuer or a ServiceLine refuses such text when it is built.
    """
    with pytest.raises(CertificateError) as info:
        issue(**changes)
    assert (info.value.code, info.value.path) == ("certificate.invalid_text", path)
    for build, field in (
        (lambda: attrs.evolve(ISSUER, name=_LONE), "$.name"),
        (lambda: attrs.evolve(LINES[0], content=_LONE), "$.content"),
    ):
        with pytest.raises(CertificateError) as info:
            build()
        assert (info.value.code, info.value.path) == ("certificate.invalid_text", field)


def test_group_service_lines_refuses_a_day_that_is_not_a_date() -> None:
    """A day given as text is certificate.invalid_field at its index, not a bare TypeError."""
    for days in (
        [("a", date(2026, 1, 1), 5), ("a", "2026-01-02", 5)],
        [("a", date(2026, 1, 1), 5), ("a", datetime(2026, 1, 2, tzinfo=UTC), 5)],
    ):
        with pytest.raises(CertificateError) as info:
            group_service_lines(days)  # type: ignore[arg-type]
        assert (info.value.code, info.value.path) == ("certificate.invalid_field", "$.days[1].day")
    with pytest.raises(CertificateError) as info:
        group_service_lines([("a", date(2026, 1, 1), 5), ("a", date(2026, 1, 2), -5)])
    assert (info.value.code, info.value.path) == ("certificate.minutes", "$.days[1].minutes")



_DAY1 = ("a", date(2026, 1, 1), 5)
_INVALID = "certificate.invalid_field"


@pytest.mark.parametrize(
    ("days", "code", "path"),
    [
        (None, _INVALID, "$.days"),
        (5, _INVALID, "$.days"),
        ([_DAY1, ("a", date(2026, 1, 2))], _INVALID, "$.days[1]"),
        ([_DAY1, "abc"], _INVALID, "$.days[1]"),
        ([_DAY1, None], _INVALID, "$.days[1]"),
        ([_DAY1, (7, date(2026, 1, 2), 5)], _INVALID, "$.days[1].content"),
        ([_DAY1, (" ", date(2026, 1, 2), 5)], "certificate.empty_field", "$.days[1].content"),
        ([_DAY1, ("a\x00", date(2026, 1, 2), 5)], "certificate.invalid_text", "$.days[1].content"),
    ],
)
def test_group_service_lines_refuses_bad_items_at_their_index(
    days: Any, code: str, path: str
) -> None:
    """Not a triple, not iterable, content that is not text: a typed error at the item's path.

    These raised ValueError or TypeError (unpacking), or reported ``$.content`` without saying
    which item it was.
    """
    with pytest.raises(CertificateError) as info:
        group_service_lines(days)
    assert (info.value.code, info.value.path) == (code, path)


# --------------------------------------------------------------------------------------------
# the certificate, exactly

CONTENT = (
    '{"certificate_number":"VK-bj-org-1-2026-XCEL7MHHPDHLG24O",'
    '"format":"volunteerkit.certificate/1",'
    '"holder":{"document_number_masked":"110105********002X","document_scheme":"cn_ric",'
    '"name":"张三","volunteer_number":"11010000000001"},'
    '"issued_on":"2026-11-28",'
    '"issuer":{"handler":"Wang Fang","handler_contact":"010-12345678","name":"Chaoyang Volunteers",'
    '"organization_id":"bj-org-1","person_in_charge":"Li Hua","seal_ref":"seal:bj-org-1/2026"},'
    '"lines":[{"content":"Elderly care","first_day":"2026-03-01","hours":"2.08",'
    '"last_day":"2026-03-08","minutes":125},'
    '{"content":"Library","first_day":"2026-04-01","hours":"1.00","last_day":"2026-04-01",'
    '"minutes":60}],'
    '"notes":"Issued on request","total_hours":"3.08","total_minutes":185,'
    '"window":{"kind":"calendar_year","year":2026}}'
)


def test_certificate_fields_and_canonical_content() -> None:
    """A certificate carries every field of the 2015 guidance; its content is this exact JSON."""
    cert = issue()
    assert cert.holder.name == "张三"
    assert cert.holder.document_scheme == "cn_ric"
    assert cert.holder.document_number == NUMBER  # normalised (upper-case X)
    assert cert.holder.document_number_masked == MASKED
    assert cert.holder.volunteer_number == "11010000000001"
    assert cert.total_minutes == 185
    assert cert.total_hours == "3.08"
    assert cert.lines == LINES
    assert [line.hours for line in cert.lines] == ["2.08", "1.00"]
    assert cert.issuer == ISSUER
    assert cert.issued_on == date(2026, 11, 28)
    assert cert.notes == "Issued on request"
    assert cert.issuer.seal_ref == "seal:bj-org-1/2026"
    canonical = json.dumps(
        cert.content(), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    assert canonical == CONTENT


def test_verification_hash_is_sha256_of_the_canonical_content() -> None:
    """The hash is the SHA-256 hex digest of the UTF-8 canonical content; JSON out adds it."""
    cert = issue()
    digest = hashlib.sha256(CONTENT.encode("utf-8")).hexdigest()
    assert cert.verification_hash == digest
    window = ',"window":{"kind":"calendar_year","year":2026}}'
    assert CONTENT.endswith(window)
    assert cert.to_json() == CONTENT[: -len(window)] + f',"verification_hash":"{digest}"' + window
    data = json.loads(cert.to_json())
    assert data["verification_hash"] == digest
    assert {k: v for k, v in data.items() if k != "verification_hash"} == json.loads(CONTENT)


def test_certificate_number_format_and_derivation() -> None:
    """The number is VK-<issuer>-<year of last service day>-<base32 of 80 bits of SHA-256>."""
    basis = (
        '{"issuer":"bj-org-1","lines":[{"content":"Elderly care","first_day":"2026-03-01",'
        '"hours":"2.08","last_day":"2026-03-08","minutes":125},{"content":"Library",'
        '"first_day":"2026-04-01","hours":"1.00","last_day":"2026-04-01","minutes":60}],'
        '"total_minutes":185,"volunteer_number":"11010000000001",'
        '"window":{"kind":"calendar_year","year":2026}}'
    )
    tail = base64.b32encode(hashlib.sha256(basis.encode()).digest()[:10]).decode()
    assert issue().certificate_number == f"VK-bj-org-1-2026-{tail}"
    assert tail == "XCEL7MHHPDHLG24O"
    assert (
        certificate_number(
            issuer_id="bj-org-1",
            volunteer_number="11010000000001",
            window=CalendarYear(year=2026),
            total_minutes=185,
            lines=LINES,
        )
        == "VK-bj-org-1-2026-XCEL7MHHPDHLG24O"
    )


def test_same_service_same_number_other_details_other_hash() -> None:
    """Re-issuing the same service (other date, notes, handler) keeps the number, not the hash."""
    first = issue()
    again = issue(
        issued_on=date(2027, 1, 5),
        notes="copy",
        issuer=attrs.evolve(ISSUER, handler="Zhao Lei"),
    )
    assert again.certificate_number == first.certificate_number
    assert again.verification_hash != first.verification_hash
    assert issue() == first  # same inputs, same certificate


@pytest.mark.parametrize(
    "changes",
    [
        {"volunteer_number": "11010000000002"},
        {"issuer": attrs.evolve(ISSUER, organization_id="bj-org-2")},
        {"window": DateRange(first=date(2026, 1, 1), last=date(2026, 6, 30))},
        {"lines": (LINES[0],), "total": 125},
        {"lines": (attrs.evolve(LINES[0], content="Elderly Care"), LINES[1])},
    ],
)
def test_other_service_other_number(changes: dict[str, Any]) -> None:
    """A different volunteer, issuer, window or service content gives a different number."""
    assert issue(**changes).certificate_number != issue().certificate_number


def test_number_does_not_depend_on_the_identity_number() -> None:
    """The identity number is not an input of the certificate number (it discloses nothing)."""
    other = issue(document_number="110105195001010012")
    assert other.certificate_number == issue().certificate_number


# --------------------------------------------------------------------------------------------
# masking


def test_repr_and_str_mask_the_identity_number() -> None:
    """repr() and str() of the certificate and its holder never show the full number."""
    cert = issue()
    for text in (repr(cert), str(cert), repr(cert.holder), str(cert.holder)):
        assert NUMBER not in text
        assert MASKED in text
    assert str(cert) == (
        "VK-bj-org-1-2026-XCEL7MHHPDHLG24O: 张三 (cn_ric 110105********002X), 3.08 h, "
        "Chaoyang Volunteers, 2026-11-28"
    )


def test_json_is_masked_unless_identity_is_asked_for() -> None:
    """to_json, to_json of the library and unstructure carry the masked number only by default."""
    cert = issue()
    assert NUMBER not in cert.to_json()
    assert NUMBER not in to_json(cert)
    assert to_json(cert) == cert.to_json()
    assert "document_number" not in unstructure(cert)["holder"]
    assert NUMBER not in json.dumps(unstructure(cert.holder))
    full = json.loads(cert.to_json(include_identity=True))
    assert full["holder"]["document_number"] == NUMBER
    assert full["verification_hash"] == cert.verification_hash


def test_full_number_of_a_masked_certificate_is_unknown() -> None:
    """A certificate read from masked JSON has no full number and cannot output one."""
    masked = verify_certificate(issue().to_json())
    assert masked.holder.document_number is None
    with pytest.raises(CertificateError) as info:
        masked.to_json(include_identity=True)
    assert info.value.code == "certificate.identity_unknown"
    assert info.value.path == "$.document_number"


# --------------------------------------------------------------------------------------------
# verification


def test_verify_round_trips_masked_and_full_json() -> None:
    """Full JSON reads back to an equal certificate; masked JSON to one without the number."""
    cert = issue()
    assert verify_certificate(cert.to_json(include_identity=True)) == cert
    masked = verify_certificate(cert.to_json())
    assert masked == attrs.evolve(cert, holder=attrs.evolve(cert.holder, document_number=None))
    assert verify_certificate(cert.to_dict()) == masked
    assert structure(unstructure(cert), Certificate) == masked


def _tampered(change: Any) -> dict[str, Any]:
    data = issue().to_dict(include_identity=True)
    change(data)
    return data


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d["holder"].update(name="李四"),
        lambda d: d["holder"].update(document_number_masked="110105********0012"),
        lambda d: d["issuer"].update(person_in_charge="Someone Else"),
        lambda d: d["issuer"].update(seal_ref="seal:forged"),
        lambda d: d.update(issued_on="2026-12-01"),
        lambda d: d.update(notes="edited"),
        lambda d: d["lines"][0].update(content="Emergency rescue"),
        lambda d: d.update(verification_hash="0" * 64),
    ],
)
def test_tampering_is_refused_with_hash_mismatch(change: Any) -> None:
    """Changing any content field (or the hash) is refused with certificate.hash_mismatch."""
    data = _tampered(change)
    if data["holder"]["document_number_masked"] != MASKED:
        del data["holder"]["document_number"]
    with pytest.raises(CertificateError) as info:
        verify_certificate(data)
    assert info.value.code == "certificate.hash_mismatch"
    assert info.value.path == "$.verification_hash"


def test_forged_content_with_recomputed_hash_fails_on_the_number() -> None:
    """More minutes with a recomputed hash still fail: the number no longer matches the content."""
    data = issue().to_dict()
    data["lines"][1].update(minutes=600, hours="10.00")
    data.update(total_minutes=725, total_hours="12.08")
    content = {k: v for k, v in data.items() if k != "verification_hash"}
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    data["verification_hash"] = hashlib.sha256(canonical.encode()).hexdigest()
    with pytest.raises(CertificateError) as info:
        verify_certificate(data)
    assert info.value.code == "certificate.number_mismatch"
    assert info.value.path == "$.certificate_number"


@pytest.mark.parametrize(
    ("change", "code", "path"),
    [
        (
            lambda d: d["lines"][0].update(hours="3.00"),
            "certificate.hours_mismatch",
            "$.lines[0].hours",
        ),
        (lambda d: d.update(total_hours="4.00"), "certificate.hours_mismatch", "$.total_hours"),
        (lambda d: d.update(format="other/1"), "certificate.format", "$.format"),
        (
            lambda d: d.update(total_minutes=186, total_hours="3.10"),
            "certificate.total_mismatch",
            "$.total_minutes",
        ),
        (lambda d: d.update(colour="red"), "serialization.unknown_field", "$.colour"),
        (lambda d: d.pop("notes"), "serialization.missing", "$.notes"),
        (lambda d: d["lines"][1].pop("minutes"), "serialization.missing", "$.lines[1].minutes"),
        (lambda d: d.update(lines=[]), "certificate.no_service", "$.lines"),
        (lambda d: d.update(issued_on="2026-02-30"), "serialization.date", "$.issued_on"),
        (
            lambda d: d["issuer"].update(organization_id="bad id"),
            "certificate.issuer_id",
            "$.issuer.organization_id",
        ),
        (
            lambda d: d["holder"].update(document_number="110105195001010012"),
            "certificate.identity_mismatch",
            "$.holder.document_number",
        ),
        (
            lambda d: d["holder"].update(document_number="110105194912310019"),
            "identity.checksum",
            "$.holder.document_number",
        ),
    ],
)
def test_malformed_certificates_are_refused_with_their_code(
    change: Any, code: str, path: str
) -> None:
    """Each kind of malformed certificate JSON is refused with a specific code and path."""
    with pytest.raises(Exception) as info:  # noqa: PT011 - the code is what is checked
        verify_certificate(_tampered(change))
    assert getattr(info.value, "code", None) == code
    assert info.value.path == path  # type: ignore[attr-defined]
    assert "110105194912310019" not in str(info.value)


def test_verify_refuses_non_json() -> None:
    """Text that is not JSON is refused with serialization.json."""
    with pytest.raises(Exception) as info:  # noqa: PT011
        verify_certificate("{not json")
    assert getattr(info.value, "code", None) == "serialization.json"


# --------------------------------------------------------------------------------------------
# issuing rules


@pytest.mark.parametrize(
    ("changes", "code", "path"),
    [
        ({"lines": ()}, "certificate.no_service", "$.lines"),
        ({"total": 186}, "certificate.total_mismatch", "$.total_minutes"),
        ({"window": CalendarYear(year=2025)}, "certificate.line_outside_window", "$.lines[0]"),
        (
            {"issued_on": date(2026, 4, 1) - timedelta(days=1)},
            "certificate.issued_before_service",
            "$.issued_on",
        ),
        ({"issued_on": None}, "certificate.issued_on", "$.issued_on"),
        (
            {"clock": FixedClock(datetime(2026, 11, 28, tzinfo=UTC)), "zone": SHANGHAI},
            "certificate.issued_on",
            "$.issued_on",
        ),
        (
            {"issued_on": None, "clock": FixedClock(datetime(2026, 11, 28, tzinfo=UTC))},
            "certificate.issued_on",
            "$.issued_on",
        ),
        ({"issued_on": datetime(2026, 11, 28, tzinfo=UTC)}, "certificate.issued_on", "$.issued_on"),
        (
            {"document_scheme": "cn_mobile"},
            "certificate.document_scheme",
            "$.holder.document_scheme",
        ),
        ({"document_scheme": "cn_uscc"}, "certificate.document_scheme", "$.holder.document_scheme"),
        (
            {"document_number": "110105194912310019"},
            "identity.checksum",
            "$.holder.document_number",
        ),
        ({"volunteer_name": "  "}, "certificate.empty_field", "$.holder.name"),
        ({"volunteer_number": ""}, "certificate.empty_field", "$.holder.volunteer_number"),
    ],
)
def test_issue_refuses_untruthful_or_incomplete_certificates(
    changes: dict[str, Any], code: str, path: str
) -> None:
    """A certificate whose facts do not hold together is not issued; each case has its code."""
    with pytest.raises(Exception) as info:  # noqa: PT011 - the code is what is checked
        issue(**changes)
    assert getattr(info.value, "code", None) == code
    assert info.value.path == path  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("changes", "code", "path"),
    [
        ({"window": "calendar_year"}, "certificate.invalid_field", "$.window"),
        ({"issuer": None}, "certificate.invalid_field", "$.issuer"),
        ({"issuer": {"organization_id": "bj-org-1"}}, "certificate.invalid_field", "$.issuer"),
        ({"lines": None}, "certificate.invalid_field", "$.lines"),
        (
            {"issued_on": None, "clock": object(), "zone": ZoneInfo("Asia/Shanghai")},
            "certificate.issued_on", "$.issued_on",
        ),
        (
            {"issued_on": None, "clock": FixedClock(datetime(2026, 11, 28, tzinfo=UTC)),
             "zone": "Asia/Shanghai"},
            "certificate.issued_on", "$.issued_on",
        ),
    ],
)  # fmt: skip
def test_issue_refuses_arguments_of_the_wrong_type(
    changes: dict[str, Any], code: str, path: str
) -> None:
    """Wrong types for the window, issuer, lines, clock or zone give a certificate error.

    They used to escape as a bare AttributeError or TypeError from deep inside the checks.
    """
    with pytest.raises(CertificateError) as info:
        issue(**changes)
    assert (info.value.code, info.value.path) == (code, path)


def test_a_clock_answering_naive_time_is_refused() -> None:
    """A clock whose ``now`` is naive is refused, not read in the system's time zone.

    ``astimezone`` on a naive datetime assumes the machine's local zone, so the date of the
    certificate depended on where it was issued from.
    """

    class NaiveClock:
        def now(self) -> datetime:
            return datetime(2026, 11, 28, 23, 30)

    with pytest.raises(NaiveDatetimeError) as info:
        issue(issued_on=None, clock=NaiveClock(), zone=ZoneInfo("Asia/Shanghai"))
    assert (info.value.code, info.value.path) == ("time.naive_datetime", "$.clock")


def test_invalid_identity_number_error_does_not_disclose_it() -> None:
    """The identity error for a bad number names the field, never the number."""
    with pytest.raises(InvalidIdentity) as info:
        issue(document_number="110105194912310019")
    assert "110105194912310019" not in str(info.value) + repr(info.value)
    assert "110105194912310019" not in info.value.message_zh


def test_issued_on_from_an_explicit_clock_in_the_issuers_zone() -> None:
    """With a clock, the date is the clock's date in the given zone (late UTC is next day there)."""
    clock = FixedClock(datetime(2026, 11, 27, 20, 30, tzinfo=UTC))
    cert = issue(issued_on=None, clock=clock, zone=SHANGHAI)
    assert cert.issued_on == date(2026, 11, 28)
    assert cert == issue()


@pytest.mark.parametrize(
    ("kwargs", "code", "path"),
    [
        ({"organization_id": "has space"}, "certificate.issuer_id", "$.organization_id"),
        ({"name": ""}, "certificate.empty_field", "$.name"),
        ({"seal_ref": 3}, "certificate.invalid_field", "$.seal_ref"),
    ],
)
def test_issuer_fields_are_checked(kwargs: dict[str, Any], code: str, path: str) -> None:
    """Issuer fields must be present; the id must be usable in a certificate number."""
    fields = unstructure(ISSUER) | kwargs
    with pytest.raises(CertificateError) as info:
        Issuer(**fields)
    assert (info.value.code, info.value.path) == (code, path)


def test_service_line_days_in_order() -> None:
    """A line whose last day is before its first day is refused at $.last_day."""
    with pytest.raises(CertificateError) as info:
        ServiceLine(content="x", first_day=date(2026, 3, 2), last_day=date(2026, 3, 1), minutes=1)
    assert (info.value.code, info.value.path) == ("certificate.line_dates", "$.last_day")


def test_holder_with_a_number_that_does_not_match_its_mask() -> None:
    """A holder built by hand with a mismatched masked number is refused."""
    with pytest.raises(CertificateError) as info:
        CertificateHolder(
            name="x",
            document_scheme="cn_ric",
            document_number_masked="110105********0012",
            volunteer_number="1",
            document_number=NUMBER,
        )
    assert info.value.code == "certificate.identity_mismatch"


# --------------------------------------------------------------------------------------------
# from the ledger's core: totals and lines


def test_certificate_from_accrued_totals_and_lines() -> None:
    """Lines grouped from an accrual add up to the volunteer's totals for the window."""
    tz = SHANGHAI
    entries = [
        make_entry(
            "a",
            datetime(2026, 3, 1, 9, tzinfo=tz),
            datetime(2026, 3, 1, 11, 5, tzinfo=tz),
            tz,
            activity="elderly-care",
        ),
        make_entry(
            "b",
            datetime(2026, 3, 8, 14, tzinfo=tz),
            datetime(2026, 3, 8, 15, tzinfo=tz),
            tz,
            activity="elderly-care",
        ),
        make_entry(
            "c", datetime(2026, 4, 1, 9, tzinfo=tz), datetime(2026, 4, 1, 9, 30, tzinfo=tz), tz
        ),
        make_entry(
            "d", datetime(2025, 12, 31, 9, tzinfo=tz), datetime(2025, 12, 31, 10, tzinfo=tz), tz
        ),
        make_entry(
            "e",
            datetime(2026, 5, 1, 9, tzinfo=tz),
            datetime(2026, 5, 1, 10, tzinfo=tz),
            tz,
            volunteer="v2",
        ),
    ]
    accrual = credited_as_of(
        entries, [], AccrualPolicy(name="plain"), as_of=datetime(2027, 7, 1, tzinfo=UTC)
    )
    window = CalendarYear(year=2026)
    year = totals(accrual, "v1", window)
    names = {"elderly-care": "Elderly care at Sunshine Home"}
    lines = service_lines(
        accrual, "v1", window=window, content=lambda d: names.get(d.activity_id or "", d.category)
    )
    assert lines == (
        ServiceLine(
            content="Elderly care at Sunshine Home",
            first_day=date(2026, 3, 1),
            last_day=date(2026, 3, 8),
            minutes=185,
        ),
        ServiceLine(
            content="community", first_day=date(2026, 4, 1), last_day=date(2026, 4, 1), minutes=30
        ),
    )
    cert = issue(lines=lines, total=year, window=None)
    assert cert.total_minutes == year.credited_minutes == 215
    assert cert.total_hours == "3.58"
    assert cert.window == window
    everything = service_lines(accrual, "v1")
    assert (
        sum(line.minutes for line in everything)
        == totals(accrual, "v1", LIFETIME).credited_minutes
        == 275
    )
    with pytest.raises(CertificateError) as info:
        issue(lines=lines, total=year, window=CalendarYear(year=2025))
    assert info.value.code == "certificate.window_mismatch"


# --------------------------------------------------------------------------------------------
# properties


@settings(max_examples=60)
@given(certificates())
def test_certificate_round_trips(cert: Certificate) -> None:
    """Full JSON round-trips exactly; masked JSON (the converter's) round-trips without the number."""
    assert structure(cert.to_dict(include_identity=True), Certificate) == cert
    assert verify_certificate(cert.to_json(include_identity=True)) == cert
    without = attrs.evolve(cert, holder=attrs.evolve(cert.holder, document_number=None))
    assert structure(unstructure(cert), Certificate) == without
    assert cert.holder.document_number is not None
    assert cert.holder.document_number not in to_json(cert)


@settings(max_examples=60)
@given(st.lists(line_strategy(), min_size=1, max_size=3), issuers())
def test_lines_and_issuers_round_trip(lines: list[ServiceLine], issuer: Issuer) -> None:
    """Service lines and issuers round-trip through the library converter."""
    assert structure(unstructure(issuer), Issuer) == issuer
    for line in lines:
        assert structure(unstructure(line), ServiceLine) == line


@settings(max_examples=60)
@given(certificates(), st.data())
def test_any_single_change_of_content_is_detected(cert: Certificate, data: st.DataObject) -> None:
    """Changing any one string value of the content makes verification fail."""
    content = cert.to_dict()
    paths: list[tuple[Any, Any]] = [(content, "notes"), (content, "issued_on")]
    paths += [(content["holder"], k) for k in ("name", "volunteer_number")]
    paths += [(content["issuer"], k) for k in sorted(content["issuer"])]
    paths += [(line, "content") for line in content["lines"]]
    where, key = data.draw(st.sampled_from(paths))
    if key == "issued_on":
        where[key] = (date.fromisoformat(where[key]) + timedelta(days=1)).isoformat()
    else:
        where[key] += data.draw(st.sampled_from(["x", "-", "0"]))
    with pytest.raises(CertificateError) as info:
        verify_certificate(content)
    assert info.value.code == "certificate.hash_mismatch"


def test_format_constant() -> None:
    """The format tag written into every certificate is volunteerkit.certificate/1."""
    assert CERTIFICATE_FORMAT == "volunteerkit.certificate/1"
    assert json.loads(issue().to_json())["format"] == CERTIFICATE_FORMAT


def test_certificate_from_the_ledger() -> None:
    """Totals and per-day credit from the Ledger make a certificate whose lines add up."""
    from volunteerkit.hours.ledger import Ledger
    from volunteerkit.stores import MemoryStore

    ledger = Ledger(MemoryStore(), clock=FixedClock(datetime(2026, 11, 28, 1, tzinfo=UTC)))
    tz = SHANGHAI
    recorded = datetime(2026, 11, 1, tzinfo=UTC)  # before the ledger's clock
    ledger.record_many(
        [
            make_entry(
                "a",
                datetime(2026, 3, 1, 9, tzinfo=tz),
                datetime(2026, 3, 1, 11, 5, tzinfo=tz),
                tz,
                category="elderly",
                recorded_at=recorded,
            ),
            make_entry(
                "b",
                datetime(2026, 3, 8, 9, tzinfo=tz),
                datetime(2026, 3, 8, 10, tzinfo=tz),
                tz,
                category="elderly",
                recorded_at=recorded,
            ),
            make_entry(
                "c",
                datetime(2026, 4, 1, 9, tzinfo=tz),
                datetime(2026, 4, 1, 9, 30, tzinfo=tz),
                tz,
                recorded_at=recorded,
            ),
        ],
        actor="clerk",
    )
    window = CalendarYear(year=2026)
    year = ledger.totals("v1", window)
    per_day = ledger.minutes_by(["category", "day"], window, volunteer_id="v1")
    lines = group_service_lines(
        (str(category), date.fromisoformat(str(day)), minutes.credited)
        for (category, day), minutes in per_day.items()
    )
    cert = issue(lines=lines, total=year, window=None)
    assert [(line.content, line.minutes) for line in cert.lines] == [
        ("elderly", 185),
        ("community", 30),
    ]
    assert cert.total_minutes == 215
    assert cert.total_hours == "3.58"


@pytest.fixture(
    params=["memory", "sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def any_store(request: pytest.FixtureRequest, tmp_path: Any) -> Any:
    """An empty store of each backend (a throwaway PostgreSQL server for the last)."""
    from volunteerkit.stores import MemoryStore, SQLiteStore

    if request.param == "memory":
        return MemoryStore()
    if request.param == "sqlite":
        return SQLiteStore(tmp_path / "c.db")
    return request.getfixturevalue("make_postgres_store")()


def test_the_same_service_gets_the_same_certificate_on_every_backend(any_store: Any) -> None:
    """The same service gives the same lines, number and hash on every store.

    Local days are taken in the zone of service: DST days, a zone at +05:45, a year's edges.
    """
    from volunteerkit.hours.ledger import Ledger

    ny, kathmandu = ZoneInfo("America/New_York"), ZoneInfo("Asia/Kathmandu")
    recorded = datetime(2027, 1, 2, tzinfo=UTC)
    ledger = Ledger(any_store, clock=FixedClock(datetime(2027, 1, 30, tzinfo=UTC)))

    def served(local_id: str, start: datetime, minutes: int, zone: ZoneInfo, what: str) -> Any:
        end = (start.astimezone(UTC) + timedelta(minutes=minutes)).astimezone(zone)
        return make_entry(local_id, start, end, zone, category=what, recorded_at=recorded)

    ledger.record_many(
        [
            served("1", datetime(2026, 3, 8, 1, 30, tzinfo=ny), 120, ny, "dst"),  # 23-hour day
            served("2", datetime(2026, 11, 1, 1, 30, tzinfo=ny), 90, ny, "dst"),  # 25-hour day
            served("3", datetime(2026, 3, 31, 20, tzinfo=UTC), 60, kathmandu, "kt"),  # 1 April
            served("4", datetime(2025, 12, 31, 23, tzinfo=UTC), 120, kathmandu, "edge"),  # 2026
            served("5", datetime(2026, 12, 31, 20, tzinfo=UTC), 120, kathmandu, "edge"),  # 2027
        ],
        actor="clerk",
    )
    window = CalendarYear(year=2026)
    per_day = ledger.minutes_by(["category", "day"], window, volunteer_id="v1")
    lines = group_service_lines(
        (str(category), date.fromisoformat(str(day)), minutes.credited)
        for (category, day), minutes in per_day.items()
    )
    cert = issue(lines=lines, total=ledger.totals("v1", window), window=None)
    assert [(ln.content, str(ln.first_day), str(ln.last_day), ln.minutes) for ln in lines] == [
        ("edge", "2026-01-01", "2026-01-01", 120),
        ("dst", "2026-03-08", "2026-11-01", 210),
        ("kt", "2026-04-01", "2026-04-01", 60),
    ]
    assert cert.total_minutes == 390
    assert cert.certificate_number == "VK-bj-org-1-2026-URUNELNQVGC66BRZ"
    assert cert.verification_hash == (
        "6b8dfa0aed05edcf417b7977922f01dd55059c6c04b587907ba06f05041e7fea"
    )
