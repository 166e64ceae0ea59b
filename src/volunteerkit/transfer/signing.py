"""Signing and verifying chunks and receipts, with key ids.

Two kinds of keys:

* **HMAC-SHA256** for partners that share a secret (:class:`HmacSigner`; the other side trusts the
  same secret with :meth:`TrustedKey.hmac`). Secrets are at least 32 random bytes.
* **Ed25519** for partners that do not (:class:`Ed25519Signer`; the other side trusts its public
  key with :meth:`TrustedKey.ed25519`). Needs the ``cryptography`` package (optional extra
  ``crypto``), imported only when an Ed25519 key is used.

Every key has an id and belongs to one **party** (a region or platform id, such as
``hami.volunteer-cloud``). A :class:`KeySet` holds the keys a platform trusts; verification
refuses a signature whose key id it does not know (``transfer.unknown_key``), whose key belongs to
another party than the one that must sign or has another algorithm (``transfer.wrong_key``), or that
does not verify (``transfer.signature_invalid``).

What is signed is always a domain-separated message (so a chunk signature can never pass as a
receipt signature): :func:`chunk_message` for chunks, :func:`receipt_message` for receipts. Key
material never appears in ``repr()``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Final, Protocol, runtime_checkable

import attrs

from volunteerkit._serialization import unstructure
from volunteerkit.transfer.canonical import canonical_bytes
from volunteerkit.transfer.errors import PackageRefused, TransferInputError
from volunteerkit.transfer.models import (
    Algorithm,
    ChunkInfo,
    PackageTotals,
    Receipt,
    Signature,
)

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )

__all__ = [
    "CHUNK_CONTEXT",
    "RECEIPT_CONTEXT",
    "Ed25519Signer",
    "HmacSigner",
    "KeySet",
    "Signer",
    "TrustedKey",
    "chunk_message",
    "digest",
    "receipt_message",
]

CHUNK_CONTEXT: Final = b"volunteerkit.transfer/1 chunk\n"
"""Prefix of every signed chunk statement."""

RECEIPT_CONTEXT: Final = b"volunteerkit.transfer/1 receipt\n"
"""Prefix of every signed receipt."""

_KEY_ID: Final = re.compile(r"[A-Za-z0-9._-]{1,64}")
_PARTY: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_SIG_LENGTH: Final = {Algorithm.HMAC_SHA256: 32, Algorithm.ED25519: 64}


def digest(data: bytes) -> str:
    """Return ``sha256:<hex>`` of ``data``.

    Args:
        data: The bytes.

    Returns:
        The digest text used throughout the format.
    """
    return "sha256:" + hashlib.sha256(data).hexdigest()


def chunk_message(
    *,
    header_digest: str,
    totals: PackageTotals,
    chunk: ChunkInfo,
    entries: int,
    credited_minutes: int,
    entries_digest: str,
) -> bytes:
    """Return the bytes a chunk's signature covers.

    The statement binds the chunk to its package (header digest and totals) and its place in it
    (number and count), so a chunk cannot be moved to another package or another position.

    Args:
        header_digest: ``sha256:`` of the canonical header.
        totals: The package totals.
        chunk: The chunk's number and count.
        entries: Entry lines in the chunk.
        credited_minutes: Their credited minutes.
        entries_digest: ``sha256:`` of the entry lines.

    Returns:
        :data:`CHUNK_CONTEXT` followed by the canonical JSON of the statement.
    """
    statement = {
        "chunk": {"count": chunk.count, "number": chunk.number},
        "credited_minutes": credited_minutes,
        "digest": entries_digest,
        "entries": entries,
        "header_digest": header_digest,
        "totals": {"credited_minutes": totals.credited_minutes, "entries": totals.entries},
    }
    return CHUNK_CONTEXT + canonical_bytes(statement)


def receipt_message(receipt: Receipt) -> bytes:
    """Return the bytes a receipt's signature covers.

    Args:
        receipt: The receipt.

    Returns:
        :data:`RECEIPT_CONTEXT` followed by the receipt's canonical JSON.
    """
    return RECEIPT_CONTEXT + canonical_bytes(unstructure(receipt))


def _key_error(detail: str, path: str = "$.key") -> TransferInputError:
    return TransferInputError.of("transfer.key_invalid", path, detail)


def _check_ids(key_id: str, party: str) -> None:
    if not isinstance(key_id, str) or not _KEY_ID.fullmatch(key_id):
        raise _key_error("a key id is 1 to 64 of A-Z a-z 0-9 . _ -", "$.key_id")
    if not isinstance(party, str) or not _PARTY.fullmatch(party):
        raise _key_error("a party is a region or platform id", "$.party")


def _check_message(message: object) -> None:
    if not isinstance(message, bytes | bytearray):
        raise TransferInputError.of("transfer.invalid", "$.message", "bytes to sign")


def _crypto() -> Any:
    try:
        from cryptography.hazmat.primitives.asymmetric import ed25519
    except ImportError:  # pragma: no cover - the test environment has cryptography
        raise TransferInputError.of("transfer.crypto_missing") from None
    return ed25519


@runtime_checkable
class Signer(Protocol):
    """Something that signs messages with one key."""

    @property
    def key_id(self) -> str:
        """The key's id."""
        ...

    @property
    def party(self) -> str:
        """The region or platform the key belongs to."""
        ...

    @property
    def algorithm(self) -> Algorithm:
        """The signature algorithm."""
        ...

    def sign(self, message: bytes) -> Signature:
        """Sign ``message``.

        Args:
            message: The bytes to sign.

        Returns:
            The signature with the key id.
        """
        ...


class HmacSigner:
    """Signs with HMAC-SHA256 under a secret shared with the partner.

    Args:
        key_id: The key's id (1 to 64 of ``A-Z a-z 0-9 . _ -``).
        secret: At least 32 random bytes.
        party: The region or platform that signs with it.

    Raises:
        TransferInputError: ``transfer.key_invalid`` for a bad id, party or secret.
    """

    __slots__ = ("_key_id", "_party", "_secret")

    def __init__(self, key_id: str, secret: bytes, *, party: str) -> None:
        _check_ids(key_id, party)
        if not isinstance(secret, bytes | bytearray) or len(secret) < 32:
            raise _key_error("an HMAC secret is at least 32 random bytes")
        self._key_id = key_id
        self._party = party
        self._secret = bytes(secret)

    @property
    def key_id(self) -> str:
        """The key's id."""
        return self._key_id

    @property
    def party(self) -> str:
        """The region or platform the key belongs to."""
        return self._party

    @property
    def algorithm(self) -> Algorithm:
        """Always :attr:`Algorithm.HMAC_SHA256`."""
        return Algorithm.HMAC_SHA256

    def sign(self, message: bytes) -> Signature:
        """Sign ``message`` (see :meth:`Signer.sign`).

        Args:
            message: The bytes to sign.

        Returns:
            The signature.

        Raises:
            TransferInputError: ``transfer.invalid`` at ``$.message`` if ``message`` is not
                bytes (``None`` was signed as the empty message).
        """
        _check_message(message)
        mac = hmac.new(self._secret, message, hashlib.sha256).digest()
        return Signature(
            algorithm=Algorithm.HMAC_SHA256,
            key_id=self._key_id,
            value=base64.b64encode(mac).decode("ascii"),
        )

    def trusted(self) -> TrustedKey:
        """Return the key as the partner trusts it (the same secret).

        Returns:
            The trusted key.
        """
        return TrustedKey.hmac(self._key_id, self._secret, party=self._party)

    def __repr__(self) -> str:
        """Return a repr without the secret."""
        return f"HmacSigner(key_id={self._key_id!r}, party={self._party!r})"

    def __reduce__(self) -> Any:
        """Refuse pickling, so that secrets do not leak into caches or queues."""
        raise TypeError("an HmacSigner cannot be pickled; rebuild it from your secret store")


class Ed25519Signer:
    """Signs with an Ed25519 private key (needs the ``cryptography`` package).

    Args:
        key_id: The key's id.
        private_key: The 32-byte raw private key (seed).
        party: The region or platform that signs with it.

    Raises:
        TransferInputError: ``transfer.key_invalid`` for a bad id, party or key;
            ``transfer.crypto_missing`` without ``cryptography``.
    """

    __slots__ = ("_key", "_key_id", "_party")

    def __init__(self, key_id: str, private_key: bytes, *, party: str) -> None:
        _check_ids(key_id, party)
        if not isinstance(private_key, bytes | bytearray) or len(private_key) != 32:
            raise _key_error("an Ed25519 private key is 32 raw bytes")
        ed25519 = _crypto()
        self._key: Ed25519PrivateKey = ed25519.Ed25519PrivateKey.from_private_bytes(
            bytes(private_key)
        )
        self._key_id = key_id
        self._party = party

    @classmethod
    def generate(cls, key_id: str, *, party: str) -> Ed25519Signer:
        """Return a signer with a fresh random key.

        Args:
            key_id: The key's id.
            party: The region or platform that signs with it.

        Returns:
            The signer; give :meth:`trusted` (the public key) to partners.
        """
        from cryptography.hazmat.primitives import serialization

        key = _crypto().Ed25519PrivateKey.generate()
        raw = key.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )
        return cls(key_id, raw, party=party)

    @property
    def key_id(self) -> str:
        """The key's id."""
        return self._key_id

    @property
    def party(self) -> str:
        """The region or platform the key belongs to."""
        return self._party

    @property
    def algorithm(self) -> Algorithm:
        """Always :attr:`Algorithm.ED25519`."""
        return Algorithm.ED25519

    @property
    def public_key(self) -> bytes:
        """The 32-byte raw public key."""
        from cryptography.hazmat.primitives import serialization

        return self._key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )

    def sign(self, message: bytes) -> Signature:
        """Sign ``message`` (see :meth:`Signer.sign`).

        Args:
            message: The bytes to sign.

        Returns:
            The signature.

        Raises:
            TransferInputError: ``transfer.invalid`` at ``$.message`` if ``message`` is not
                bytes.
        """
        _check_message(message)
        return Signature(
            algorithm=Algorithm.ED25519,
            key_id=self._key_id,
            value=base64.b64encode(self._key.sign(message)).decode("ascii"),
        )

    def trusted(self) -> TrustedKey:
        """Return the public key as partners trust it.

        Returns:
            The trusted key.
        """
        return TrustedKey.ed25519(self._key_id, self.public_key, party=self._party)

    def __repr__(self) -> str:
        """Return a repr without the private key."""
        return f"Ed25519Signer(key_id={self._key_id!r}, party={self._party!r})"

    def __reduce__(self) -> Any:
        """Refuse pickling, so that private keys do not leak into caches or queues."""
        raise TypeError("an Ed25519Signer cannot be pickled; rebuild it from your secret store")


@attrs.frozen(kw_only=True, repr=False)
class TrustedKey:
    """A key a platform trusts to verify one party's signatures.

    Build with :meth:`hmac` or :meth:`ed25519`.

    Args:
        key_id: The key's id.
        party: The region or platform whose signatures it verifies.
        algorithm: The algorithm.
        material: The shared secret (HMAC) or the raw public key (Ed25519).

    Raises:
        TransferInputError: ``transfer.key_invalid`` for a malformed key id (``$.key_id``) or
            party (``$.party``), an algorithm that is not an :class:`Algorithm`
            (``$.algorithm``), or material that is not bytes of the algorithm's size (``$.key``:
            an HMAC secret of at least 32 bytes, a 32-byte Ed25519 public key). Built directly,
            an empty secret would verify signatures anyone can make.
    """

    key_id: str
    party: str
    algorithm: Algorithm
    material: bytes = attrs.field(eq=False)

    def __attrs_post_init__(self) -> None:
        """Check the key as :meth:`hmac` and :meth:`ed25519` do."""
        _check_ids(self.key_id, self.party)
        if not isinstance(self.algorithm, Algorithm):
            raise _key_error("expected an Algorithm", "$.algorithm")
        material = self.material
        if not isinstance(material, bytes):
            raise _key_error("key material is bytes")
        if self.algorithm is Algorithm.HMAC_SHA256 and len(material) < 32:
            raise _key_error("an HMAC secret is at least 32 random bytes")
        if self.algorithm is Algorithm.ED25519 and len(material) != 32:
            raise _key_error("an Ed25519 public key is 32 raw bytes")

    @classmethod
    def hmac(cls, key_id: str, secret: bytes, *, party: str) -> TrustedKey:
        """Trust a shared HMAC secret.

        Args:
            key_id: The key's id.
            secret: At least 32 bytes.
            party: The party that signs with it.

        Returns:
            The trusted key.

        Raises:
            TransferInputError: ``transfer.key_invalid``.
        """
        _check_ids(key_id, party)
        if not isinstance(secret, bytes | bytearray) or len(secret) < 32:
            raise _key_error("an HMAC secret is at least 32 random bytes")
        return cls(key_id=key_id, party=party, algorithm=Algorithm.HMAC_SHA256, material=bytes(secret))

    @classmethod
    def ed25519(cls, key_id: str, public_key: bytes, *, party: str) -> TrustedKey:
        """Trust an Ed25519 public key.

        Args:
            key_id: The key's id.
            public_key: The 32-byte raw public key.
            party: The party that signs with it.

        Returns:
            The trusted key.

        Raises:
            TransferInputError: ``transfer.key_invalid``.
        """
        _check_ids(key_id, party)
        if not isinstance(public_key, bytes | bytearray) or len(public_key) != 32:
            raise _key_error("an Ed25519 public key is 32 raw bytes")
        return cls(key_id=key_id, party=party, algorithm=Algorithm.ED25519, material=bytes(public_key))

    def __repr__(self) -> str:
        """Return a repr without key material."""
        return (
            f"TrustedKey(key_id={self.key_id!r}, party={self.party!r}, "
            f"algorithm={self.algorithm.value!r})"
        )

    def __reduce__(self) -> Any:
        """Refuse pickling (an HMAC secret must not leak)."""
        raise TypeError("a TrustedKey cannot be pickled; rebuild it from your key store")


class KeySet:
    """The keys a platform trusts, by key id.

    Args:
        keys: Trusted keys (each key id once), or signers (their :meth:`trusted` key is used).

    Raises:
        TransferInputError: ``transfer.key_invalid`` at ``$.key_id`` if a key id appears twice,
            at ``$.keys`` if ``keys`` is not an iterable (text included), at ``$.keys[i]`` for
            an item that is not a trusted key or a signer.
    """

    __slots__ = ("_keys", "_public")

    def __init__(self, keys: Iterable[TrustedKey | HmacSigner | Ed25519Signer]) -> None:
        found: dict[str, TrustedKey] = {}
        try:
            items = None if isinstance(keys, (str, bytes)) else list(keys)
        except TypeError:
            items = None
        if items is None:
            raise _key_error("expected trusted keys or signers", "$.keys")
        for i, item in enumerate(items):
            if not isinstance(item, (TrustedKey, HmacSigner, Ed25519Signer)):
                raise _key_error("expected a TrustedKey or a signer", f"$.keys[{i}]")
            key = item if isinstance(item, TrustedKey) else item.trusted()
            if key.key_id in found:
                raise _key_error("a key id appears twice", "$.key_id")
            found[key.key_id] = key
        self._keys: Mapping[str, TrustedKey] = found
        self._public: dict[str, Ed25519PublicKey] = {}

    def __contains__(self, key_id: object) -> bool:
        """Return whether ``key_id`` is trusted."""
        return key_id in self._keys

    def __len__(self) -> int:
        """Return how many keys are trusted."""
        return len(self._keys)

    def verify(self, signature: Signature, message: bytes, *, party: str, path: str = "$") -> None:
        """Check that ``signature`` is ``party``'s valid signature of ``message``.

        Args:
            signature: The signature.
            message: The signed bytes.
            party: The region or platform that must have signed.
            path: Where the signature is, for errors.

        Raises:
            PackageRefused: ``transfer.unknown_key``, ``transfer.wrong_key`` or
                ``transfer.signature_invalid``.
            TransferInputError: ``transfer.invalid`` at ``$.signature`` or ``$.message`` for an
                argument of the wrong type.
        """
        if not isinstance(signature, Signature):
            raise TransferInputError.of("transfer.invalid", "$.signature", "a Signature")
        _check_message(message)
        key = self._keys.get(signature.key_id)
        if key is None:
            raise PackageRefused.of("transfer.unknown_key", f"{path}.key_id")
        if key.party != party or key.algorithm is not signature.algorithm:
            raise PackageRefused.of("transfer.wrong_key", f"{path}.key_id")
        try:
            raw = base64.b64decode(signature.value.encode("ascii"), validate=True)
        except (binascii.Error, ValueError):
            raise PackageRefused.of("transfer.signature_invalid", f"{path}.value") from None
        if len(raw) != _SIG_LENGTH[key.algorithm] or base64.b64encode(raw).decode() != signature.value:
            raise PackageRefused.of("transfer.signature_invalid", f"{path}.value")
        if key.algorithm is Algorithm.HMAC_SHA256:
            expected = hmac.new(key.material, message, hashlib.sha256).digest()
            if not hmac.compare_digest(expected, raw):
                raise PackageRefused.of("transfer.signature_invalid", f"{path}.value")
            return
        public = self._public.get(key.key_id)
        if public is None:
            public = self._public[key.key_id] = _crypto().Ed25519PublicKey.from_public_bytes(
                key.material
            )
        from cryptography.exceptions import InvalidSignature

        try:
            public.verify(raw, message)
        except InvalidSignature:
            raise PackageRefused.of("transfer.signature_invalid", f"{path}.value") from None

    def __repr__(self) -> str:
        """Return the key ids and parties, never key material."""
        return f"KeySet({sorted((k.key_id, k.party) for k in self._keys.values())!r})"
