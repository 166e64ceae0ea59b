"""Personal data: the keyring for blind indexes and encryption, and anonymisation.

**Blind index.** A person is found by document through a keyed hash, never through the plain
number: ``HMAC-SHA256(key, context || scheme || canonical number)``, written
``"<key id>:<64 hex digits>"``. It cannot be computed without the key, which the embedding
application supplies (and keeps out of the database). The canonical number of a 15-digit
first-generation citizen number is its 18-digit form (GB 11643-1989 numbers are upgraded by
:func:`volunteerkit.registry.identity.parse`), so both forms of one number give the same index.

**Encryption at rest.** Certificates need the plain number (service-records.md: a certificate
carries the identity document type and number), so the stores keep it, sealed with AES-256-GCM
(authenticated encryption from the ``cryptography`` package, optional extra ``crypto``, imported
only when an encryption key is used). The associated data binds each ciphertext to its owner's
id and field, so a ciphertext copied onto another row does not open. **Without an encryption key
the stores keep the plain canonical number**: the blind index still protects lookups, but anyone
who can read the database can read the numbers. Give a key in production.

**Key rotation.** Each key has an id. New writes use the *current* key; lookups try the index
under every index key in the ring, and opening uses the key id stored with the ciphertext. After
adding a new current key, :meth:`~volunteerkit.registry.service.Registry.rekey` moves the stored
records onto it; then the old keys can be dropped from the ring.

**Anonymisation** (:func:`anonymised`) removes a volunteer's personal data and keeps what
statistics need: the id (so hours stay attached), sex, home region, an age band, the registration
time, the status, and the memberships. The Volunteer Service Regulations forbid disclosing
personal data without consent (Art. 20; service-records.md).

Key material never appears in ``repr()``, ``str()`` or error messages.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import importlib.util
import re
import secrets
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final

import attrs

from volunteerkit._text import unstorable
from volunteerkit.errors import IntegrityError, InvalidInputError, UnavailableError
from volunteerkit.registry.identity import IdentityDocument, cn_passport_number
from volunteerkit.registry.models import (
    SealedNumber,
    Volunteer,
    VolunteerRecord,
    VolunteerStatus,
    _check_age,
    age_on,
)

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

__all__ = ["Keyring", "age_band", "anonymised"]

_KEY_ID: Final = re.compile(r"[A-Za-z0-9._-]{1,32}", re.ASCII).fullmatch
_INDEX_CONTEXT: Final = b"volunteerkit/blind-index/v1\x00"
_SEAL_CONTEXT: Final = b"volunteerkit/sealed-number/v1\x00"
_NONCE: Final = 12


def _keyring_error(message: str, message_zh: str, path: str) -> InvalidInputError:
    return InvalidInputError(message, message_zh, code="registry.keyring", path=path)


def _checked_keys(
    keys: Mapping[str, bytes], *, path: str, exact: int | None, minimum: int
) -> dict[str, bytes]:
    if not isinstance(keys, Mapping):
        raise _keyring_error(
            "keys must be a mapping of key id to bytes", "密钥必须是从密钥标识到字节串的映射", path
        )
    checked: dict[str, bytes] = {}
    for key_id, key in keys.items():
        if not isinstance(key_id, str) or _KEY_ID(key_id) is None:
            raise _keyring_error(
                "a key id must be 1 to 32 characters from A-Z, a-z, 0-9, '.', '_' and '-'",
                "密钥标识必须是 1 至 32 个字符,仅含 A-Z、a-z、0-9、'.'、'_' 和 '-'",
                path,
            )
        if not isinstance(key, bytes | bytearray) or (
            len(key) != exact if exact is not None else len(key) < minimum
        ):
            size = f"exactly {exact}" if exact is not None else f"at least {minimum}"
            size_zh = f"恰好 {exact}" if exact is not None else f"至少 {minimum}"
            raise _keyring_error(
                f"each key must be {size} random bytes",
                f"每个密钥必须是{size_zh}个随机字节",
                f"{path}[{key_id!r}]",
            )
        checked[key_id] = bytes(key)
    return checked


def _document_parts(document: object) -> tuple[str, str]:
    """Return a document's scheme and number, refusing anything that is not canonical text.

    The check happens before any encoding, so a number never reaches the ``args`` of a
    ``UnicodeEncodeError`` (which quotes the whole string).
    """
    scheme = number = None
    if isinstance(document, IdentityDocument):
        scheme, number = document.scheme, document.number
    if not (
        isinstance(scheme, str)
        and isinstance(number, str)
        and scheme.isascii()
        and number.isascii()
    ):
        raise InvalidInputError(
            "expected an identity document from volunteerkit.registry.identity.parse",
            "应为 volunteerkit.registry.identity.parse 返回的证件",
            code="registry.document",
            path="$.document",
        )
    return scheme, number


_PERMIT = "cn_hk_macau_mainland_permit"
_MRZ = "icao_td3_mrz"
_PASSPORT = "cn_passport_number"

_Form = tuple[str, str]  # (scheme, number) as the blind index hashes them


def _index_forms(scheme: str, number: str) -> tuple[_Form, tuple[_Form, ...]]:
    """Return what a document's blind index is computed over, and the forms earlier versions used.

    Two documents of one person that the index must find as one:

    * a Mainland Travel Permit for Hong Kong and Macao residents (回乡证) is given in 9 characters
      or in 11, the 9 and the card's issue count (``H12345678``, ``H1234567802``): the index
      covers the 9. Earlier versions indexed the number as given, so a lookup also tries those
      forms: the 9 with each of the 100 issue counts (a renewed card finds the record of the
      card before it);
    * a PRC passport (issuing state ``CHN``) read from its MRZ is the passport whose number was
      typed: when the MRZ's document number is a valid PRC passport number, the index covers
      that number as typed (``cn_passport_number``). Earlier versions indexed the whole MRZ,
      which a lookup by MRZ also tries (a typed number cannot rebuild it).
    """
    if scheme == _PERMIT and len(number) in (9, 11):
        core = number[:9]
        return (scheme, core), tuple((scheme, f"{core}{count:02d}") for count in range(100))
    if scheme == _MRZ:
        lines = number.split("\n")
        if len(lines) == 2 and lines[0][2:5] == "CHN":
            typed = lines[1][:9].rstrip("<")
            if cn_passport_number.is_valid(typed):
                return (_PASSPORT, typed), ((scheme, number),)
    return (scheme, number), ()


def _check_context(context: object) -> str:
    """Refuse a sealing context that is not text UTF-8 can encode (a lone surrogate)."""
    if not isinstance(context, str) or unstorable(context):
        raise InvalidInputError(
            "the context must be text without NUL or lone surrogates",
            "上下文必须是不含 NUL 或孤立代理字符的文本",
            code="registry.context",
            path="$.context",
        )
    return context


def _current(keys: Mapping[str, bytes], current: str | None, path: str) -> str | None:
    if current is not None and not isinstance(current, str):
        raise _keyring_error("a key id must be text", "密钥标识必须是字符串", path)
    if current is None:
        if len(keys) > 1:
            raise _keyring_error(
                "with several keys, say which one is current",
                "有多个密钥时必须指定当前密钥",
                path,
            )
        return next(iter(keys), None)
    if current not in keys:
        raise _keyring_error(
            "the current key id is not in the ring", "当前密钥标识不在密钥环中", path
        )
    return current


class Keyring:
    """The keys an application gives the registry: blind-index keys and encryption keys.

    Args:
        index_keys: Key id -> HMAC-SHA256 key (at least 32 random bytes). At least one.
        current_index_key: The id of the key new blind indexes use (optional with one key).
        encryption_keys: Key id -> AES-256-GCM key (exactly 32 random bytes), or ``None`` to
            keep identity numbers unencrypted in the stores (see the module docstring).
        current_encryption_key: The id of the key new ciphertexts use (optional with one key).

    Raises:
        InvalidInputError: ``registry.keyring`` for a bad key id, a key of the wrong size, no
            index key, or an unknown or missing current key id.
        UnavailableError: ``registry.crypto_missing`` if encryption keys are given but the
            ``cryptography`` package is not installed (``pip install 'volunteerkit[crypto]'``).

    Examples:
        >>> ring = Keyring({"2026a": bytes(range(32))})
        >>> ring.current_index_key, ring.encrypts
        ('2026a', False)
    """

    __slots__ = ("_aead", "_current_enc", "_current_index", "_enc_keys", "_hmacs", "_index_keys")

    def __init__(
        self,
        index_keys: Mapping[str, bytes],
        *,
        current_index_key: str | None = None,
        encryption_keys: Mapping[str, bytes] | None = None,
        current_encryption_key: str | None = None,
    ) -> None:
        self._index_keys = MappingProxyType(
            _checked_keys(index_keys, path="$.index_keys", exact=None, minimum=32)
        )
        if not self._index_keys:
            raise _keyring_error(
                "a keyring needs at least one blind-index key",
                "密钥环至少需要一个盲索引密钥",
                "$.index_keys",
            )
        current = _current(self._index_keys, current_index_key, "$.current_index_key")
        assert current is not None
        self._current_index: str = current
        self._enc_keys = MappingProxyType(
            _checked_keys(encryption_keys or {}, path="$.encryption_keys", exact=32, minimum=32)
        )
        self._current_enc = _current(
            self._enc_keys, current_encryption_key, "$.current_encryption_key"
        )
        if self._enc_keys and importlib.util.find_spec("cryptography") is None:
            raise UnavailableError(
                "encryption needs the 'cryptography' package: pip install 'volunteerkit[crypto]'",
                "加密需要安装 cryptography 包:pip install 'volunteerkit[crypto]'",
                code="registry.crypto_missing",
            )
        self._hmacs = {
            key_id: hmac.new(key, _INDEX_CONTEXT, hashlib.sha256)
            for key_id, key in self._index_keys.items()
        }
        self._aead: dict[str, AESGCM] = {}

    @classmethod
    def generate(cls, *, index_key_id: str = "i1", encryption_key_id: str | None = "e1") -> Keyring:
        """Return a keyring with fresh random keys (for tests, demos and first set-up).

        Store the keys somewhere safe (a secrets manager) and rebuild the ring from them: keys
        generated here and then lost make every blind index unreachable and every sealed
        number unreadable.

        Args:
            index_key_id: The id of the blind-index key.
            encryption_key_id: The id of the encryption key, or ``None`` for no encryption.

        Returns:
            The keyring.

        Raises:
            InvalidInputError: ``registry.keyring`` at ``$.index_key_id`` or
                ``$.encryption_key_id`` for an id that is not 1 to 32 characters from A-Z, a-z,
                0-9, ``.``, ``_`` and ``-``.
            UnavailableError: ``registry.crypto_missing`` if ``encryption_key_id`` is given and
                the ``cryptography`` package is not installed.
        """
        for path, key_id in (
            ("$.index_key_id", index_key_id),
            ("$.encryption_key_id", encryption_key_id),
        ):
            if path == "$.encryption_key_id" and key_id is None:
                continue
            if not isinstance(key_id, str) or _KEY_ID(key_id) is None:
                raise _keyring_error(
                    "a key id must be 1 to 32 characters from A-Z, a-z, 0-9, '.', '_' and '-'",
                    "密钥标识必须是 1 至 32 个字符,仅含 A-Z、a-z、0-9、'.'、'_' 和 '-'",
                    path,
                )
        encryption = (
            None if encryption_key_id is None else {encryption_key_id: secrets.token_bytes(32)}
        )
        return cls({index_key_id: secrets.token_bytes(32)}, encryption_keys=encryption)

    def with_index_key(self, key_id: str, key: bytes) -> Keyring:
        """Return a new ring with ``key`` added as the current blind-index key.

        Args:
            key_id: Its id (not yet in the ring).
            key: At least 32 random bytes.

        Returns:
            The new ring; this one is unchanged.

        Raises:
            InvalidInputError: ``registry.keyring`` if the id is taken or not text, or the key
                is bad.
        """
        if not isinstance(key_id, str) or key_id in self._index_keys:
            raise _keyring_error(
                "the key id is already in the ring", "密钥标识已在密钥环中", "$.key_id"
            )
        return Keyring(
            {**self._index_keys, key_id: key},
            current_index_key=key_id,
            encryption_keys=self._enc_keys,
            current_encryption_key=self._current_enc,
        )

    def with_encryption_key(self, key_id: str, key: bytes) -> Keyring:
        """Return a new ring with ``key`` added as the current encryption key.

        Args:
            key_id: Its id (not yet in the ring).
            key: Exactly 32 random bytes.

        Returns:
            The new ring; this one is unchanged.

        Raises:
            InvalidInputError: ``registry.keyring`` if the id is taken or not text, or the key
                is bad.
        """
        if not isinstance(key_id, str) or key_id in self._enc_keys:
            raise _keyring_error(
                "the key id is already in the ring", "密钥标识已在密钥环中", "$.key_id"
            )
        return Keyring(
            self._index_keys,
            current_index_key=self._current_index,
            encryption_keys={**self._enc_keys, key_id: key},
            current_encryption_key=key_id,
        )

    @property
    def current_index_key(self) -> str:
        """The id of the blind-index key new records use."""
        return self._current_index

    @property
    def current_encryption_key(self) -> str | None:
        """The id of the encryption key new records use, or ``None`` (numbers kept plain)."""
        return self._current_enc

    @property
    def encrypts(self) -> bool:
        """Whether new records have their identity numbers encrypted."""
        return self._current_enc is not None

    def index(self, document: IdentityDocument) -> str:
        """Return the blind index of a document under the current key.

        The 9- and 11-character forms of a 回乡证 have the same index, and so do a PRC passport's
        MRZ and its typed number (see ``_index_forms``).

        Args:
            document: A parsed document (its number is canonical: 18 digits for a RIC).

        Returns:
            ``"<key id>:<64 hex digits>"``.

        Raises:
            InvalidInputError: ``registry.document`` if ``document`` is not a document with an
                ASCII scheme and number (as :func:`~volunteerkit.registry.identity.parse` gives).
        """
        return self._token(self._current_index, *_index_forms(*_document_parts(document))[0])

    def index_as_given(self, document: IdentityDocument) -> str:
        """Return the blind index over the document exactly as given, under the current key.

        That is the index earlier versions wrote for every document. :meth:`index` joins the
        forms of one document (see ``_index_forms``), so two records that earlier versions kept
        apart (one person registered with two forms) would share it: a record rewritten while the
        other holds the joined index keeps this one, until the two are merged.

        Args:
            document: A parsed document.

        Returns:
            ``"<key id>:<64 hex digits>"``.

        Raises:
            InvalidInputError: ``registry.document``, as :meth:`index`.
        """
        return self._token(self._current_index, *_document_parts(document))

    def index_candidates(self, document: IdentityDocument) -> tuple[str, ...]:
        """Return the blind index of a document under every key in the ring, current first.

        Args:
            document: A parsed document.

        Returns:
            The index under each key, then, for a 回乡证 or a PRC passport's MRZ, the indexes of
            the forms earlier versions indexed (see ``_index_forms``); a lookup matches a record
            written under any of them.
            The first is :meth:`index`.

        Raises:
            InvalidInputError: ``registry.document``, as :meth:`index`.
        """
        core, older = _index_forms(*_document_parts(document))
        keys = (self._current_index, *(k for k in self._index_keys if k != self._current_index))
        return tuple(self._token(key_id, *core) for key_id in keys) + tuple(
            self._token(key_id, *form) for key_id in keys for form in older
        )

    def _token(self, key_id: str, scheme: str, number: str) -> str:
        mac = self._hmacs[key_id].copy()
        mac.update(scheme.encode("ascii") + b"\x00" + number.encode("ascii"))
        return f"{key_id}:{mac.hexdigest()}"

    def _cipher(self, key_id: str) -> AESGCM:
        cipher = self._aead.get(key_id)
        if cipher is None:
            if key_id not in self._enc_keys:
                raise InvalidInputError(
                    "the keyring does not hold the encryption key this number was sealed with",
                    "密钥环中没有加密该号码所用的密钥",
                    code="registry.unknown_key",
                    path="$.key_id",
                )
            from cryptography.hazmat.primitives.ciphers.aead import AESGCM

            cipher = self._aead[key_id] = AESGCM(self._enc_keys[key_id])
        return cipher

    @staticmethod
    def _associated(scheme: str, context: str) -> bytes:
        return _SEAL_CONTEXT + scheme.encode("ascii") + b"\x00" + context.encode("utf-8")

    def seal(self, document: IdentityDocument, *, context: str) -> SealedNumber:
        """Seal a document's number for storage: encrypted with the current key, or plain.

        Args:
            document: The document.
            context: What the ciphertext belongs to, such as ``"<volunteer id>/document"``;
                :meth:`open` must be given the same.

        Returns:
            The sealed number (with the masked number for display).

        Raises:
            InvalidInputError: ``registry.document``, as :meth:`index`; ``registry.context`` at
                ``$.context`` if ``context`` is not text (or holds NUL or a lone surrogate).
        """
        _document_parts(document)
        _check_context(context)
        if self._current_enc is None:
            return SealedNumber(
                scheme=document.scheme, masked=document.masked, key_id=None, payload=document.number
            )
        nonce = secrets.token_bytes(_NONCE)
        data = self._cipher(self._current_enc).encrypt(
            nonce, document.number.encode("ascii"), self._associated(document.scheme, context)
        )
        return SealedNumber(
            scheme=document.scheme,
            masked=document.masked,
            key_id=self._current_enc,
            payload=base64.b64encode(nonce + data).decode("ascii"),
        )

    def open(self, sealed: SealedNumber, *, context: str) -> str:
        """Return the plain canonical number of a sealed number.

        Args:
            sealed: The sealed number.
            context: The context it was sealed with.

        Returns:
            The canonical number.

        Raises:
            InvalidInputError: ``registry.unknown_key`` if the ring lacks the key it was sealed
                with; ``registry.sealed`` at ``$.sealed`` if ``sealed`` is not a
                :class:`SealedNumber`; ``registry.context`` as :meth:`seal`.
            IntegrityError: ``registry.seal_invalid`` if the ciphertext does not open (altered,
                or moved to another record).
        """
        if not isinstance(sealed, SealedNumber):
            raise InvalidInputError(
                "expected a SealedNumber",
                "应为 SealedNumber",
                code="registry.sealed",
                path="$.sealed",
            )
        _check_context(context)
        if sealed.key_id is None:
            return sealed.payload
        cipher = self._cipher(sealed.key_id)
        from cryptography.exceptions import InvalidTag

        try:
            raw = base64.b64decode(sealed.payload.encode("ascii"), validate=True)
            plain = cipher.decrypt(
                raw[:_NONCE], raw[_NONCE:], self._associated(sealed.scheme, context)
            )
        except (InvalidTag, ValueError):
            raise IntegrityError(
                "a sealed identity number does not open: it was altered or belongs to another "
                "record",
                "加密的证件号码无法解密:已被篡改或属于其他记录",
                code="registry.seal_invalid",
            ) from None
        return plain.decode("ascii")

    def is_current(self, record: VolunteerRecord) -> bool:
        """Return whether a record's blind index and seals use the current keys.

        Args:
            record: A stored record.

        Returns:
            ``False`` if :meth:`~volunteerkit.registry.service.Registry.rekey` would rewrite it.

        Raises:
            InvalidInputError: ``registry.record`` at ``$.record`` if ``record`` is not a
                :class:`VolunteerRecord`.
        """
        if not isinstance(record, VolunteerRecord):
            raise InvalidInputError(
                "expected a VolunteerRecord",
                "应为 VolunteerRecord",
                code="registry.record",
                path="$.record",
            )
        if record.document_index is not None and record.index_key_id != self._current_index:
            return False
        return all(
            sealed is None or sealed.key_id == self._current_enc
            for sealed in (record.document, record.guardian_document)
        )

    def __repr__(self) -> str:
        """Return a repr with the key ids only, never key material."""
        return (
            f"Keyring(index_keys={sorted(self._index_keys)!r}, "
            f"current_index_key={self._current_index!r}, "
            f"encryption_keys={sorted(self._enc_keys)!r}, "
            f"current_encryption_key={self._current_enc!r})"
        )

    def __reduce__(self) -> Any:
        """Refuse pickling, so that keys do not leak into caches, queues or crash dumps."""
        raise TypeError("a Keyring cannot be pickled; rebuild it from your secret store")


def _check_bands(bands: object) -> None:
    """Refuse age bands that are not strictly increasing whole numbers from 1 to 150."""
    values = tuple(bands) if isinstance(bands, Sequence) and not isinstance(bands, str) else ()
    if (
        not values
        or any(isinstance(v, bool) or not isinstance(v, int) or not 0 < v <= 150 for v in values)
        or list(values) != sorted(set(values))
    ):
        raise InvalidInputError(
            "age bands are given by strictly increasing lower bounds from 1 to 150",
            "年龄段由严格递增的下限(1 至 150)给出",
            code="registry.policy",
            path="$.bands",
        )


def age_band(age: int, bands: Sequence[int]) -> str:
    """Return the label of the age band ``age`` falls in.

    Args:
        age: Completed years.
        bands: Strictly increasing lower bounds, such as ``(14, 18, 25)``.

    Returns:
        ``"0-13"``, ``"14-17"``, ``"18-24"`` and ``"25+"`` for those bounds.

    Raises:
        InvalidInputError: ``registry.age`` at ``$.age`` if ``age`` is not a whole number;
            ``registry.policy`` at ``$.bands`` unless the bounds are strictly increasing whole
            numbers from 1 to 150 (as :attr:`RegistrationPolicy.age_bands` requires).

    Examples:
        >>> age_band(17, (14, 18, 25))
        '14-17'
        >>> age_band(70, (14, 18, 25))
        '25+'
    """
    _check_bands(bands)
    _check_age(age)
    lower = 0
    for bound in bands:
        if age < bound:
            return f"{lower}-{bound - 1}"
        lower = bound
    return f"{lower}+"


def anonymised(volunteer: Volunteer, *, on: date, bands: Sequence[int]) -> Volunteer:
    """Return the volunteer without personal data, keeping what statistics need.

    Kept: id, sex, home region, registration time, merge link, and the age band on ``on``
    (``None`` without a birth date). Removed: name, document, birth date, nationality, phone,
    e-mail, skills, languages, qualifications, guardian. The status becomes ``ANONYMISED``; a
    record that had been merged keeps ``merged_into``, so its hours still lead to the survivor.

    Args:
        volunteer: The volunteer.
        on: The date the age band is computed on.
        bands: Lower bounds of the age bands (see :attr:`RegistrationPolicy.age_bands`).

    Returns:
        The anonymised volunteer (a new object).

    Raises:
        InvalidInputError: ``registry.record`` at ``$.volunteer`` if ``volunteer`` is not a
            :class:`Volunteer`; ``registry.date`` at ``$.on`` if ``on`` is not a calendar date;
            ``registry.policy`` at ``$.bands`` for bands :func:`age_band` refuses.
    """
    if not isinstance(volunteer, Volunteer):
        raise InvalidInputError(
            "expected a Volunteer", "应为 Volunteer", code="registry.record", path="$.volunteer"
        )
    if not isinstance(on, date) or isinstance(on, datetime):
        raise InvalidInputError(
            "expected a calendar date", "应为日历日期", code="registry.date", path="$.on"
        )
    _check_bands(bands)
    band = None
    if volunteer.birth_date is not None:
        band = age_band(age_on(volunteer.birth_date, on), bands)
    return attrs.evolve(
        volunteer,
        name=None,
        document=None,
        birth_date=None,
        nationality=None,
        phone=None,
        email=None,
        skills=(),
        languages=(),
        qualifications=(),
        guardian=None,
        status=VolunteerStatus.ANONYMISED,
        age_band=band,
    )
