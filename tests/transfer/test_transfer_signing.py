"""Signatures: HMAC and Ed25519 with key ids bound to parties; refusals with codes."""

from __future__ import annotations

import base64
import pickle

import attrs
import pytest

from volunteerkit.transfer.errors import PackageRefused, TransferInputError
from volunteerkit.transfer.models import Algorithm
from volunteerkit.transfer.signing import (
    Ed25519Signer,
    HmacSigner,
    KeySet,
    TrustedKey,
    digest,
)

from .conftest import BEIJING, HAMI, OTHER_SECRET, SECRET

MESSAGE = b"volunteerkit.transfer/1 chunk\n{}"


def test_hmac_signature_is_the_rfc_2104_value():
    """HMAC-SHA256 of a fixed message under a fixed key has a known value."""
    signer = HmacSigner("k1", b"\x0b" * 32, party=HAMI)
    signature = signer.sign(b"Hi There")
    assert signature.algorithm is Algorithm.HMAC_SHA256
    assert signature.key_id == "k1"
    assert base64.b64decode(signature.value).hex() == (
        "198a607eb44bfbc69903a0f1cf2bbdc5ba0aa3f3d9ae3c1c7a3b1696a0b68cf7"
    )


def test_ed25519_signature_is_deterministic_and_verifies(ed_signer):
    """Ed25519 signatures of one message under one key are identical and verify."""
    one, two = ed_signer.sign(MESSAGE), ed_signer.sign(MESSAGE)
    assert one == two
    assert len(base64.b64decode(one.value)) == 64
    KeySet([ed_signer.trusted()]).verify(one, MESSAGE, party=HAMI)


@pytest.mark.parametrize("kind", ["hmac", "ed25519"])
def test_a_flipped_bit_in_the_message_or_signature_is_refused(kind, ed_signer):
    """Changing one bit of the message or the signature fails with signature_invalid."""
    signer = ed_signer if kind == "ed25519" else HmacSigner("k1", SECRET, party=HAMI)
    keys = KeySet([signer])
    signature = signer.sign(MESSAGE)
    keys.verify(signature, MESSAGE, party=HAMI)
    with pytest.raises(PackageRefused) as info:
        keys.verify(signature, MESSAGE[:-1] + b"]", party=HAMI, path="$.sig")
    assert (info.value.code, info.value.path) == ("transfer.signature_invalid", "$.sig.value")
    raw = bytearray(base64.b64decode(signature.value))
    raw[0] ^= 1
    flipped = attrs.evolve(signature, value=base64.b64encode(bytes(raw)).decode())
    with pytest.raises(PackageRefused) as info:
        keys.verify(flipped, MESSAGE, party=HAMI)
    assert info.value.code == "transfer.signature_invalid"


def test_a_wrong_secret_under_a_known_key_id_is_refused():
    """A signature made with another secret under the trusted key id does not verify."""
    forged = HmacSigner("k1", OTHER_SECRET, party=HAMI).sign(MESSAGE)
    with pytest.raises(PackageRefused) as info:
        KeySet([HmacSigner("k1", SECRET, party=HAMI)]).verify(forged, MESSAGE, party=HAMI)
    assert info.value.code == "transfer.signature_invalid"


def test_an_unknown_key_id_is_refused():
    """A signature by a key id the platform does not trust is refused as unknown_key."""
    signature = HmacSigner("k9", SECRET, party=HAMI).sign(MESSAGE)
    with pytest.raises(PackageRefused) as info:
        KeySet([HmacSigner("k1", SECRET, party=HAMI)]).verify(
            signature, MESSAGE, party=HAMI, path="$.s"
        )
    assert (info.value.code, info.value.path) == ("transfer.unknown_key", "$.s.key_id")


def test_a_key_of_another_party_is_refused(ed_signer):
    """Beijing's valid key cannot sign for Hami; nor can a key be used with another algorithm."""
    beijing = HmacSigner("bj-1", SECRET, party=BEIJING)
    keys = KeySet([beijing, ed_signer])
    with pytest.raises(PackageRefused) as info:
        keys.verify(beijing.sign(MESSAGE), MESSAGE, party=HAMI)
    assert info.value.code == "transfer.wrong_key"
    forged = attrs.evolve(ed_signer.sign(MESSAGE), algorithm=Algorithm.HMAC_SHA256)
    with pytest.raises(PackageRefused) as info:
        keys.verify(forged, MESSAGE, party=HAMI)
    assert info.value.code == "transfer.wrong_key"


def test_malformed_signature_values_are_refused():
    """Signature bytes of the wrong length, or non-canonical base64, do not verify."""
    signer = HmacSigner("k1", SECRET, party=HAMI)
    keys = KeySet([signer])
    good = signer.sign(MESSAGE)
    short = attrs.evolve(good, value=base64.b64encode(b"x" * 31).decode())
    with pytest.raises(PackageRefused) as info:
        keys.verify(short, MESSAGE, party=HAMI)
    assert info.value.code == "transfer.signature_invalid"


@pytest.mark.parametrize(
    ("make", "path"),
    [
        (lambda: HmacSigner("k1", b"short", party=HAMI), "$.key"),
        (lambda: HmacSigner("bad id", SECRET, party=HAMI), "$.key_id"),
        (lambda: HmacSigner("k1", SECRET, party="-bad"), "$.party"),
        (lambda: Ed25519Signer("k1", b"x" * 31, party=HAMI), "$.key"),
        (lambda: TrustedKey.ed25519("k1", b"x" * 33, party=HAMI), "$.key"),
        (lambda: KeySet([HmacSigner("k1", SECRET, party=HAMI)] * 2), "$.key_id"),
    ],
)
def test_bad_keys_are_refused(make, path):
    """Short secrets, bad ids or parties, wrong key sizes and repeated key ids are refused."""
    with pytest.raises(TransferInputError) as info:
        make()
    assert (info.value.code, info.value.path) == ("transfer.key_invalid", path)


def test_key_material_never_shows_and_never_pickles(ed_signer):
    """repr shows ids only, and signers and keys refuse to be pickled."""
    hmac_signer = HmacSigner("k1", SECRET, party=HAMI)
    shown = repr(hmac_signer) + repr(ed_signer) + repr(hmac_signer.trusted()) + repr(
        KeySet([hmac_signer])
    )
    assert SECRET.decode() not in shown and "k1" in shown
    for item in (hmac_signer, ed_signer, hmac_signer.trusted()):
        with pytest.raises(TypeError):
            pickle.dumps(item)


def test_digest_is_sha256_hex():
    """digest() is 'sha256:' and the hex SHA-256."""
    assert digest(b"abc") == (
        "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )
