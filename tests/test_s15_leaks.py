"""S15: full identity numbers never reach an error, its chain, or a repr (audit leaks 1 to 5).

``raise ... from None`` only hides the handled exception from the printed traceback: it stays on
the new error as ``__context__``, where anything that walks the chain (an error reporter, a
debugger, ``err.__context__``) finds it. These tests walk ``__cause__`` and ``__context__`` whether
suppressed or not, and look at each error's repr, str, args and attributes.
"""

from __future__ import annotations

import hashlib
import io
import json
import traceback
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from volunteerkit import FixedClock, structure
from volunteerkit.errors import SerializationError, VolunteerkitError
from volunteerkit.hours import CalendarYear, EntryId, Source
from volunteerkit.hours.bulk import BulkError, _load_line, import_entries
from volunteerkit.hours.certificates import (
    Certificate,
    CertificateError,
    CertificateHolder,
    Issuer,
    ServiceLine,
    issue_certificate,
    verify_certificate,
)
from volunteerkit.registry import Registry
from volunteerkit.registry.identity._model import mask_number
from volunteerkit.registry.privacy import Keyring
from volunteerkit.stores.memory import MemoryStore
from volunteerkit.transfer.canonical import canonical_bytes, check_canonical, parse_line
from volunteerkit.transfer.commands import load_keys
from volunteerkit.transfer.errors import PackageRefused, TransferInputError
from volunteerkit.transfer.models import (
    CertifiedDay,
    TransferEntry,
    VolunteerRef,
    entry_from_plain,
    entry_to_plain,
    local_days,
)
from volunteerkit.transfer.package import _known_line, _structured

N = "360426199101010071"
"""A valid Chinese resident identity number (test data)."""
MASKED = "360426********0071"
DIGITS = N[6:14]
"""The digits a mask hides: none of them may show anywhere."""


def chain(err: BaseException) -> list[BaseException]:
    """``err`` and every error reachable through ``__cause__`` and ``__context__``."""
    found: list[BaseException] = []
    todo: list[BaseException | None] = [err]
    while todo:
        item = todo.pop()
        if item is None or any(item is seen for seen in found):
            continue
        found.append(item)
        todo += [item.__cause__, item.__context__]
    return found


def texts(err: BaseException) -> list[str]:
    """What anyone holding ``err`` can read: the whole chain, printed or walked."""
    out = ["".join(traceback.format_exception(err))]
    for item in chain(err):
        out += [repr(item), str(item), repr(item.args)]
        out += [repr(value) for value in vars(item).values()]
    return out


def assert_no_number(err: BaseException) -> None:
    """The number, and the digits its mask hides, appear nowhere in or behind ``err``."""
    for text in texts(err):
        assert N not in text
        assert DIGITS not in text
    assert chain(err) == [err]


# --------------------------------------------------------------------------------------------
# leak 2: the memory stores' not-found errors kept the KeyError holding the id given


def _registry(store: MemoryStore) -> Registry:
    return Registry(
        store,
        clock=FixedClock(datetime(2026, 11, 28, tzinfo=UTC)),
        keyring=Keyring({"i1": bytes(32)}, encryption_keys={"e1": bytes(32)}),
    )


def test_registry_get_of_a_number_keeps_no_key_error() -> None:
    """Registry.get(N) on a memory store: the not-found error has no KeyError(N) behind it."""
    with pytest.raises(VolunteerkitError) as info:
        _registry(MemoryStore()).get(N)
    assert (info.value.code, info.value.path) == ("registry.volunteer_not_found", "$.volunteer_id")
    assert info.value.__context__ is None
    assert_no_number(info.value)


@pytest.mark.parametrize(
    ("lookup", "code", "path"),
    [
        (lambda s: s.volunteers.get(N), "registry.volunteer_not_found", None),
        (lambda s: s.organizations.get(N), "registry.organization_not_found", None),
        (lambda s: s.memberships.get(N), "registry.membership_not_found", None),
        (lambda s: s.audit.get(N), "audit.not_found", None),
        (lambda s: s.matching.get_project(N), "matching.not_found", "$.project_id"),
        (lambda s: s.matching.get_slot(N), "matching.not_found", "$.slot_id"),
        (lambda s: s.matching.get_shift(N), "matching.not_found", "$.shift_id"),
    ],
)
def test_memory_store_not_found_keeps_no_key_error(lookup: Any, code: str, path: str | None) -> None:
    """Each memory repository's get(N) raises its not-found error with nothing chained."""
    with pytest.raises(VolunteerkitError) as info:
        lookup(MemoryStore())
    assert (info.value.code, info.value.path) == (code, path)
    assert_no_number(info.value)


# --------------------------------------------------------------------------------------------
# leak 3: a JSON Lines row with a key twice, or malformed, kept the decoder's error behind ours


def test_bulk_duplicate_key_keeps_no_decoder_error() -> None:
    """A row with the key N twice: bulk.duplicate_key at the masked key, nothing chained."""
    with pytest.raises(BulkError) as info:
        _load_line(f'{{"{N}": 1, "{N}": 2}}')
    assert (info.value.code, info.value.path) == ("bulk.duplicate_key", f"$['{MASKED}']")
    assert (info.value.message, info.value.message_zh) == (
        "the key appears more than once",
        "该键出现了不止一次",
    )
    assert_no_number(info.value)


def test_bulk_malformed_line_keeps_no_decoder_error() -> None:
    """A malformed row holding N: serialization.json, without the decoder's error (its doc)."""
    with pytest.raises(SerializationError) as info:
        _load_line(f'{{"volunteer_id": "{N}", ')
    assert (info.value.code, info.value.path) == ("serialization.json", None)
    assert_no_number(info.value)


@pytest.mark.parametrize(("option", "path"), [("format", "$.format"), ("mode", "$.mode")])
def test_bulk_option_given_a_number_keeps_no_value_error(option: str, path: str) -> None:
    """import_entries(format=N) or (mode=N): bulk.invalid_option, without ValueError(N)."""
    kwargs: dict[str, Any] = {"format": "jsonl", option: N}
    with pytest.raises(BulkError) as info:
        import_entries(io.StringIO(""), sink=None, actor="a", **kwargs)  # type: ignore[arg-type]
    assert (info.value.code, info.value.path) == ("bulk.invalid_option", path)
    assert_no_number(info.value)


# --------------------------------------------------------------------------------------------
# leak 4: a malformed package line kept the decoder's error (the whole line) behind ours


@pytest.mark.parametrize(
    "line",
    [
        f'{{"number": "{N}", '.encode(),  # not JSON: JSONDecodeError.doc is the line
        f'{{"number": "{N}\xff"}}'.encode() + b"\xff",  # not UTF-8: UnicodeDecodeError.object
    ],
)
@pytest.mark.parametrize("read", [parse_line, check_canonical])
def test_a_malformed_package_line_keeps_no_decoder_error(line: bytes, read: Any) -> None:
    """parse_line and check_canonical: transfer.malformed at the path, nothing chained."""
    with pytest.raises(PackageRefused) as info:
        read(line, path="$.files[0].lines[3]")
    assert (info.value.code, info.value.path) == ("transfer.malformed", "$.files[0].lines[3]")
    assert_no_number(info.value)


def test_canonical_bytes_of_a_lone_surrogate_keeps_no_encode_error() -> None:
    """A text with N and a lone surrogate: transfer.malformed, no UnicodeEncodeError (its text)."""
    with pytest.raises(PackageRefused) as info:
        canonical_bytes({"note": N + "\ud800"}, path="$.x")
    assert (info.value.code, info.value.path) == ("transfer.malformed", "$.x")
    assert_no_number(info.value)


_ZONE = ZoneInfo("Asia/Urumqi")
_T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def _plain_entry() -> dict[str, Any]:
    end = _T0 + timedelta(minutes=180)
    return entry_to_plain(
        TransferEntry(
            id=EntryId(origin="hami", local_id="e0000001"),
            organization_id="hami-youth-league",
            category="community",
            start=_T0,
            end=end,
            zone=_ZONE,
            source=Source.ORGANIZATION,
            recorded_by="coordinator-7",
            recorded_at=end,
            certified_by="coordinator-7",
            certified_at=end,
            credited_minutes=180,
            days=tuple(
                CertifiedDay(day=d, minutes=180) for d in local_days(_T0, end, 0, _ZONE)
            ),
        )
    )


@pytest.mark.parametrize(
    ("field", "value", "path"),
    [
        ("zone", N, "$.zone"),  # ZoneInfoNotFoundError names the key
        ("start", N, "$.start"),  # fromisoformat's ValueError quotes the text
        ("days", [{"day": N[:10], "minutes": 180}], "$.days[0].day"),
    ],
)
def test_a_package_entry_holding_a_number_keeps_no_parse_error(
    field: str, value: Any, path: str
) -> None:
    """An entry line with N in a field: the converter's error, without the fast path's error."""
    data = _plain_entry()
    data[field] = value
    with pytest.raises(VolunteerkitError) as info:
        entry_from_plain(data)
    assert info.value.path == path
    assert_no_number(info.value)
    with pytest.raises(PackageRefused) as refused:
        _structured(data, TransferEntry, "$.lines[1]")
    assert (refused.value.code, refused.value.path) == ("transfer.schema", "$.lines[1]" + path[1:])
    assert_no_number(refused.value)


def test_a_keys_file_that_is_not_json_keeps_no_decoder_error(tmp_path: Path) -> None:
    """load_keys of a file that is not JSON: transfer.key_invalid, without the file's text."""
    keys = tmp_path / "keys.json"
    keys.write_text(f'{{"party": "{N}", ', encoding="utf-8")
    with pytest.raises(TransferInputError) as info:
        load_keys(str(keys))
    assert (info.value.code, info.value.path) == ("transfer.key_invalid", "$")
    assert_no_number(info.value)


# --------------------------------------------------------------------------------------------
# leak 5: a "masked" number in a package header only needed four '*'


@pytest.mark.parametrize(
    ("masked", "scheme"),
    [
        (N + "****", "cn_ric"),
        ("****" + N, "cn_ric"),
        (N[:9] + "****" + N[9:], None),
        ("*" * 22, None),
        ("360426********0071", "icao_td3_mrz"),  # an MRZ keeps 5 and 1
    ],
)
def test_a_masked_number_must_have_the_masks_shape(masked: str, scheme: str | None) -> None:
    """VolunteerRef refuses a masked number not in the shape its scheme's masking gives."""
    with pytest.raises(PackageRefused) as info:
        VolunteerRef(blind_index="i1:" + "0" * 64, masked_number=masked, document_scheme=scheme)
    assert (info.value.code, info.value.path) == ("transfer.schema", "$.masked_number")
    assert info.value.message == (
        "a line of the package does not match the transfer format "
        "(not the masked form of a number of its document type)"
    )
    assert_no_number(info.value)


def test_a_masked_number_from_a_package_header_is_checked_at_its_path() -> None:
    """Structuring a header whose reference carries N + '****' fails at its path."""
    ref = {
        "blind_index": "i1:" + "0" * 64,
        "masked_number": N + "****",
        "document_scheme": "cn_ric",
        "unified_number": None,
    }
    with pytest.raises(PackageRefused) as info:
        structure(ref, VolunteerRef)
    assert (info.value.code, info.value.path) == ("transfer.schema", "$.masked_number")
    assert_no_number(info.value)


@pytest.mark.parametrize(
    ("masked", "scheme"),
    [
        (MASKED, "cn_ric"),
        (MASKED, None),
        ("H1****67", "hk_hkid"),
        (mask_number("icao_td3_mrz", "P<CHNZHANG" + "<" * 34), "icao_td3_mrz"),
    ],
)
def test_a_masked_number_in_the_masks_shape_is_accepted(masked: str, scheme: str | None) -> None:
    """What the masking gives for the scheme (what export writes) is accepted as it is."""
    ref = VolunteerRef(blind_index="i1:" + "0" * 64, masked_number=masked, document_scheme=scheme)
    assert ref.masked_number == masked


def test_a_changed_entry_line_keeps_no_decoder_error() -> None:
    """A verified line that no longer parses: transfer.digest_mismatch, without the line."""
    with pytest.raises(PackageRefused) as info:
        _known_line((3, f'{{"note": "{N}", '.encode()), "$.files[0]")
    assert (info.value.code, info.value.path) == ("transfer.digest_mismatch", "$.files[0].lines[3]")
    assert_no_number(info.value)


# --------------------------------------------------------------------------------------------
# leak 1: a certificate without its full number never checked the masked one


def _certificate() -> Certificate:
    return issue_certificate(
        volunteer_name="张三",
        document_scheme="cn_ric",
        document_number=N,
        volunteer_number="11010000000001",
        issuer=Issuer(
            organization_id="bj-org-1",
            name="Chaoyang Volunteers",
            person_in_charge="Li Hua",
            handler="Wang Fang",
            handler_contact="010-12345678",
            seal_ref="seal:bj-org-1/2026",
        ),
        lines=[
            ServiceLine(
                content="Library", first_day=date(2026, 4, 1), last_day=date(2026, 4, 1), minutes=60
            )
        ],
        total=60,
        window=CalendarYear(year=2026),
        issued_on=date(2026, 11, 28),
    )


def _forged(masked: str) -> dict[str, Any]:
    """The certificate's masked JSON with ``masked`` in the holder, and the hash recomputed."""
    data = _certificate().to_dict()
    data["holder"]["document_number_masked"] = masked
    content = {k: v for k, v in data.items() if k != "verification_hash"}
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    data["verification_hash"] = hashlib.sha256(canonical.encode()).hexdigest()
    return data


@pytest.mark.parametrize("masked", [N, N + "****", "3604261991****010071", "*" * 18, "360426"])
def test_verify_refuses_a_masked_number_not_in_the_masks_shape(masked: str) -> None:
    """A forged masked field with a recomputed hash: certificate.masked_number at its path."""
    data = _forged(masked)
    for given in (data, json.dumps(data, ensure_ascii=False)):
        with pytest.raises(CertificateError) as info:
            verify_certificate(given)
        assert (info.value.code, info.value.path) == (
            "certificate.masked_number",
            "$.holder.document_number_masked",
        )
        assert (info.value.message, info.value.message_zh) == (
            "the masked identity number is not in the masked form of its document type",
            "遮蔽证件号码不符合该证件类型的遮蔽格式",
        )
        assert_no_number(info.value)


def test_a_holder_built_with_a_full_number_as_masked_is_refused() -> None:
    """CertificateHolder(document_number_masked=N) is refused at its field, N shown nowhere."""
    with pytest.raises(CertificateError) as info:
        CertificateHolder(
            name="张三",
            document_scheme="cn_ric",
            document_number_masked=N,
            volunteer_number="11010000000001",
        )
    assert (info.value.code, info.value.path) == (
        "certificate.masked_number",
        "$.document_number_masked",
    )
    assert_no_number(info.value)


def test_a_certificate_in_the_masks_shape_still_verifies() -> None:
    """Masked JSON reads back, and so does a right-shaped mask with a recomputed hash (no key)."""
    cert = _certificate()
    assert verify_certificate(cert.to_json()).holder.document_number_masked == MASKED
    other = verify_certificate(_forged("360426********0012"))
    assert other.holder.document_number_masked == "360426********0012"


def test_holder_repr_shows_neither_the_number_nor_the_name() -> None:
    """repr() of a holder (and of its certificate) leaves out the name, as registry models do."""
    cert = _certificate()
    assert repr(cert.holder) == (
        "CertificateHolder(document_scheme='cn_ric', document_number='360426********0071', "
        "volunteer_number='11010000000001')"
    )
    for text in (repr(cert), repr(cert.holder), str(cert), str(cert.holder)):
        assert N not in text
        assert DIGITS not in text
    assert "张三" not in repr(cert)
    assert str(cert.holder) == "张三 (cn_ric 360426********0071)"


# --------------------------------------------------------------------------------------------
# an identity number passed where a scheme or an enum's value goes


def test_a_number_given_as_the_scheme_keeps_no_key_error() -> None:
    """``validate(N, "cn_ric")``, arguments swapped: UnknownScheme, with no KeyError(N) behind."""
    from volunteerkit.registry import identity

    with pytest.raises(VolunteerkitError) as info:
        identity.validate(N, "cn_ric")  # swapped: the number where the scheme goes
    assert (info.value.code, info.value.path) == ("identity.unknown_scheme", "$.scheme")
    assert_no_number(info.value)


def test_a_number_given_as_an_enum_value_keeps_no_value_error() -> None:
    """``structure(N, Source)``: no ``ValueError("'<N>' is not a valid Source")`` behind it."""
    with pytest.raises(SerializationError) as info:
        structure(N, Source)
    assert (info.value.code, info.value.path) == ("serialization.value", "$")
    assert_no_number(info.value)
