"""The keyring (blind index, sealing, rotation) and anonymisation."""

from __future__ import annotations

import base64
import hashlib
import hmac
import pickle
from collections.abc import Callable
from datetime import UTC, date, datetime

import attrs
import pytest

from volunteerkit.errors import IntegrityError, InvalidInputError
from volunteerkit.registry import (
    Keyring,
    SealedNumber,
    Volunteer,
    VolunteerRecord,
    VolunteerStatus,
    age_band,
    anonymised,
    identity,
)

INDEX_KEY = bytes(range(32))
ENC_KEY = bytes(range(100, 132))
RIC18 = identity.parse("cn_ric", "11010519491231002X")
RIC15 = identity.parse("cn_ric", "110105491231002")


def expected_index(key: bytes, scheme: str, number: str) -> str:
    """The documented construction, computed independently."""
    message = b"volunteerkit/blind-index/v1\x00" + scheme.encode() + b"\x00" + number.encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def test_blind_index_is_the_documented_hmac() -> None:
    """index() is HMAC-SHA256 over context, scheme and canonical number, prefixed by the key id."""
    ring = Keyring({"k1": INDEX_KEY})
    assert ring.index(RIC18) == "k1:" + expected_index(INDEX_KEY, "cn_ric", "11010519491231002X")


def test_fifteen_and_eighteen_digit_forms_collide() -> None:
    """The 15-digit legacy form indexes exactly like its 18-digit form."""
    ring = Keyring({"k1": INDEX_KEY})
    assert RIC15.number == "11010519491231002X"
    assert ring.index(RIC15) == ring.index(RIC18)


def test_index_depends_on_key_and_scheme() -> None:
    """Another key, or another scheme with the same digits, gives another index."""
    a = Keyring({"k1": INDEX_KEY}).index(RIC18)
    b = Keyring({"k1": bytes(32)}).index(RIC18)
    assert a != b
    unkeyed = hashlib.sha256(b"11010519491231002X").hexdigest()
    assert unkeyed not in a
    foreigner = identity.parse("cn_foreign_pr", "911398199012310021")
    permit = identity.parse("cn_hmt_residence_permit", "810000199408230021")
    assert len({Keyring({"k1": INDEX_KEY}).index(d) for d in (RIC18, foreigner, permit)}) == 3


def test_candidates_cover_every_key_current_first() -> None:
    """index_candidates() gives the index under each key, the current one first."""
    ring = Keyring({"old": bytes(32)}).with_index_key("new", INDEX_KEY)
    assert ring.current_index_key == "new"
    assert ring.index_candidates(RIC18) == (
        "new:" + expected_index(INDEX_KEY, "cn_ric", RIC18.number),
        "old:" + expected_index(bytes(32), "cn_ric", RIC18.number),
    )


def test_seal_and_open_with_encryption() -> None:
    """A sealed number opens with the same context; the payload is nonce + AES-GCM ciphertext."""
    ring = Keyring({"k1": INDEX_KEY}, encryption_keys={"e1": ENC_KEY})
    assert ring.encrypts
    sealed = ring.seal(RIC18, context="v1/document")
    assert (sealed.scheme, sealed.masked, sealed.key_id) == ("cn_ric", "110105********002X", "e1")
    raw = base64.b64decode(sealed.payload)
    assert len(raw) == 12 + 18 + 16  # nonce, ciphertext of 18 characters, tag
    assert b"11010519491231002X" not in raw
    assert ring.open(sealed, context="v1/document") == "11010519491231002X"
    assert ring.seal(RIC18, context="v1/document").payload != sealed.payload  # fresh nonce


def test_sealed_number_moved_or_altered_does_not_open() -> None:
    """A ciphertext under another context, or altered, raises registry.seal_invalid."""
    ring = Keyring({"k1": INDEX_KEY}, encryption_keys={"e1": ENC_KEY})
    sealed = ring.seal(RIC18, context="v1/document")
    with pytest.raises(IntegrityError) as info:
        ring.open(sealed, context="v2/document")
    assert info.value.code == "registry.seal_invalid"
    raw = bytearray(base64.b64decode(sealed.payload))
    raw[20] ^= 1
    altered = attrs.evolve(sealed, payload=base64.b64encode(bytes(raw)).decode())
    with pytest.raises(IntegrityError):
        ring.open(altered, context="v1/document")
    with pytest.raises(IntegrityError):
        ring.open(attrs.evolve(sealed, payload="not base64!"), context="v1/document")
    with pytest.raises(IntegrityError):
        ring.open(attrs.evolve(sealed, scheme="hk_hkid"), context="v1/document")


def test_unknown_encryption_key() -> None:
    """Opening a number sealed with a key missing from the ring raises registry.unknown_key."""
    sealed = Keyring({"k1": INDEX_KEY}, encryption_keys={"e1": ENC_KEY}).seal(RIC18, context="c")
    with pytest.raises(InvalidInputError) as info:
        Keyring({"k1": INDEX_KEY}).open(sealed, context="c")
    assert info.value.code == "registry.unknown_key"


def test_plain_mode_keeps_the_canonical_number() -> None:
    """Without an encryption key the payload is the plain canonical number (documented)."""
    ring = Keyring({"k1": INDEX_KEY})
    assert not ring.encrypts
    sealed = ring.seal(RIC15, context="v1/document")
    assert sealed == SealedNumber(
        scheme="cn_ric", masked="110105********002X", key_id=None, payload="11010519491231002X"
    )
    assert ring.open(sealed, context="anything") == "11010519491231002X"


def test_rotation_reads_old_and_writes_new() -> None:
    """After adding keys, old seals still open and new ones use the new key."""
    old = Keyring({"k1": INDEX_KEY}, encryption_keys={"e1": ENC_KEY})
    sealed_old = old.seal(RIC18, context="c")
    new = old.with_encryption_key("e2", bytes(32))
    assert new.current_encryption_key == "e2"
    assert new.open(sealed_old, context="c") == RIC18.number
    assert new.seal(RIC18, context="c").key_id == "e2"
    assert old.current_encryption_key == "e1"  # the old ring is unchanged


def test_is_current() -> None:
    """is_current() tells records written under older keys apart."""
    ring = Keyring({"k1": INDEX_KEY}, encryption_keys={"e1": ENC_KEY})
    volunteer = Volunteer(id="v1", name="张三", registered_at=datetime(2026, 1, 1, tzinfo=UTC))
    current = VolunteerRecord(
        volunteer=volunteer,
        document=ring.seal(RIC18, context="v1/document"),
        document_index=ring.index(RIC18),
    )
    assert ring.is_current(current)
    rotated = ring.with_index_key("k2", bytes(32))
    assert not rotated.is_current(current)
    assert not ring.with_encryption_key("e2", bytes(32)).is_current(current)
    assert rotated.is_current(VolunteerRecord(volunteer=volunteer))


def test_key_material_never_shown() -> None:
    """repr() lists key ids only; pickling a keyring is refused."""
    ring = Keyring({"k1": INDEX_KEY}, encryption_keys={"e1": ENC_KEY})
    text = repr(ring)
    assert text == (
        "Keyring(index_keys=['k1'], current_index_key='k1', encryption_keys=['e1'], "
        "current_encryption_key='e1')"
    )
    for key in (INDEX_KEY, ENC_KEY):
        assert key.hex() not in text
        assert repr(key) not in text
    with pytest.raises(TypeError):
        pickle.dumps(ring)


@pytest.mark.parametrize(
    ("args", "kwargs", "path"),
    [
        (({},), {}, "$.index_keys"),
        (({"k1": b"short"},), {}, "$.index_keys['k1']"),
        (({"k:1": INDEX_KEY},), {}, "$.index_keys"),
        (({"k1": INDEX_KEY, "k2": INDEX_KEY},), {}, "$.current_index_key"),
        (({"k1": INDEX_KEY},), {"current_index_key": "k9"}, "$.current_index_key"),
        (({"k1": INDEX_KEY},), {"encryption_keys": {"e1": bytes(16)}}, "$.encryption_keys['e1']"),
        (({"k1": "a string key"},), {}, "$.index_keys['k1']"),
        (({"k1": INDEX_KEY},), {"current_index_key": ["k1"]}, "$.current_index_key"),
        (
            ({"k1": INDEX_KEY},),
            {"encryption_keys": {"e1": ENC_KEY}, "current_encryption_key": {"e1": 1}},
            "$.current_encryption_key",
        ),
    ],
)
def test_keyring_refuses_bad_keys(
    args: tuple[object, ...], kwargs: dict[str, object], path: str
) -> None:
    """Bad key ids, sizes or current ids raise registry.keyring with the path."""
    with pytest.raises(InvalidInputError) as info:
        Keyring(*args, **kwargs)  # type: ignore[arg-type]
    assert (info.value.code, info.value.path) == ("registry.keyring", path)
    assert INDEX_KEY.hex() not in str(info.value)


def test_adding_an_existing_key_id_is_refused() -> None:
    """with_index_key/with_encryption_key refuse an id already in the ring."""
    ring = Keyring({"k1": INDEX_KEY}, encryption_keys={"e1": ENC_KEY})
    with pytest.raises(InvalidInputError) as index:
        ring.with_index_key("k1", bytes(32))
    assert (index.value.code, index.value.path) == ("registry.keyring", "$.key_id")
    with pytest.raises(InvalidInputError) as enc:
        ring.with_encryption_key("e1", bytes(32))
    assert (enc.value.code, enc.value.path) == ("registry.keyring", "$.key_id")


def test_adding_a_key_id_of_the_wrong_type_is_refused() -> None:
    """An unhashable key id is registry.keyring at $.key_id; before, a bare TypeError."""
    ring = Keyring({"k1": INDEX_KEY}, encryption_keys={"e1": ENC_KEY})
    for add in (ring.with_index_key, ring.with_encryption_key):
        with pytest.raises(InvalidInputError) as info:
            add(["k2"], bytes(32))  # type: ignore[arg-type]
        assert (info.value.code, info.value.path) == ("registry.keyring", "$.key_id")


@pytest.mark.parametrize("encrypts", [True, False])
def test_seal_open_and_is_current_refuse_arguments_of_the_wrong_type(encrypts: bool) -> None:
    """A context that is not text, a sealed number or record of another type: typed errors.

    Before, seal(context=5) and open(context=5) raised a bare AttributeError ('int' object has
    no attribute 'encode') with an encryption key, open("...") and is_current("...") one
    ('str' object has no attribute 'key_id' / 'document_index').
    """
    ring = Keyring({"k1": INDEX_KEY}, encryption_keys={"e1": ENC_KEY} if encrypts else None)
    sealed = ring.seal(RIC18, context="v1/document")
    cases: list[tuple[Callable[[], object], str, str]] = [
        (lambda: ring.seal(RIC18, context=5), "registry.context", "$.context"),  # type: ignore[arg-type]
        (lambda: ring.seal(RIC18, context="a\ud800"), "registry.context", "$.context"),
        (lambda: ring.open(sealed, context=5), "registry.context", "$.context"),  # type: ignore[arg-type]
        (lambda: ring.open("11010519491231002X", context="v1/document"), "registry.sealed", "$.sealed"),  # type: ignore[arg-type]
        (lambda: ring.is_current("v1"), "registry.record", "$.record"),  # type: ignore[arg-type]
    ]  # fmt: skip
    for call, code, path in cases:
        with pytest.raises(InvalidInputError) as info:
            call()
        assert (info.value.code, info.value.path) == (code, path)
        assert "11010519491231002X" not in str(info.value)
    assert ring.open(sealed, context="v1/document") == "11010519491231002X"


def test_generate_makes_distinct_random_keys() -> None:
    """generate() gives working rings with different keys each time."""
    a, b = Keyring.generate(), Keyring.generate(encryption_key_id=None)
    assert a.index(RIC18) != b.index(RIC18)
    assert a.encrypts and not b.encrypts
    assert a.open(a.seal(RIC18, context="c"), context="c") == RIC18.number


@pytest.mark.parametrize(
    ("age", "label"),
    [
        (0, "0-13"),
        (13, "0-13"),
        (14, "14-17"),
        (17, "14-17"),
        (18, "18-24"),
        (64, "55-64"),
        (65, "65+"),
    ],
)
def test_age_bands(age: int, label: str) -> None:
    """Ages fall into the default bands of the policy."""
    assert age_band(age, (14, 18, 25, 35, 45, 55, 65)) == label


def test_anonymised_keeps_statistics_only() -> None:
    """anonymised() removes personal data and keeps id, sex, region, registration, band."""
    volunteer = Volunteer(
        id="v1",
        name="张三",
        document=RIC18,
        birth_date=date(1949, 12, 31),
        sex=identity.Sex.FEMALE,
        nationality="CHN",
        phone="+8613123456789",
        email="z@example.org",
        home_region="110105",
        skills=("急救",),
        languages=("zh",),
        registered_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    gone = anonymised(volunteer, on=date(2026, 11, 28), bands=(14, 18, 25, 35, 45, 55, 65))
    assert gone == Volunteer(
        id="v1",
        sex=identity.Sex.FEMALE,
        home_region="110105",
        registered_at=datetime(2026, 1, 1, tzinfo=UTC),
        status=VolunteerStatus.ANONYMISED,
        age_band="65+",
    )
