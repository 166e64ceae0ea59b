"""The ``volunteerkit transfer`` commands, as functions the CLI wires in.

Each returns ``(exit status, JSON-ready dict)``: status 0 and ``{"ok": true, ...}`` on success,
status 1 and ``{"ok": false, "error": {"code", "message", "message_zh", "path"}}`` when the library
refuses (a tampered package, an unknown volunteer, a step the transfer's state does not allow).

* ``volunteerkit transfer export STORE_URL --keys KEYS --out DIR (--transfer ID | --volunteer ID
  --destination PARTY --consent REF)``: :func:`export_command`;
* ``volunteerkit transfer verify FILE... --keys KEYS``: :func:`verify_command` (writes nothing);
* ``volunteerkit transfer import STORE_URL FILE... --keys KEYS [--receipt FILE]``:
  :func:`import_command`;
* ``volunteerkit transfer acknowledge STORE_URL RECEIPT --keys KEYS``: :func:`acknowledge_command`.

The keys file (JSON) says who this platform is, how it signs, and whom it trusts; byte strings
are standard base64::

    {
      "party": "bj.volunteer-cloud",
      "signer": {"algorithm": "ed25519", "key_id": "bj-ed-1", "private_key": "..."},
      "trusted": [
        {"party": "hami.volunteer-cloud", "algorithm": "hmac-sha256", "key_id": "hami-bj-2026",
         "secret": "..."},
        {"party": "sh.volunteer", "algorithm": "ed25519", "key_id": "sh-1", "public_key": "..."}
      ]
    }

An HMAC signer has ``"secret"`` instead of ``"private_key"``. Keep the file out of the database and
readable only by the platform's operators.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from collections.abc import Sequence
from contextlib import suppress
from datetime import datetime
from pathlib import Path
from typing import Any

import attrs

from volunteerkit._clock import Clock, FixedClock, SystemClock, require_aware
from volunteerkit._serialization import from_json, unstructure
from volunteerkit.errors import VolunteerkitError
from volunteerkit.hours.ledger import Ledger
from volunteerkit.hours.policy import AccrualPolicy, preset
from volunteerkit.transfer.errors import TransferInputError
from volunteerkit.transfer.models import Algorithm, SignedReceipt
from volunteerkit.transfer.package import (
    DEFAULT_CHUNK_SIZE,
    VerifiedPackage,
    load_receipt,
    receipt_bytes,
    verify_package,
)
from volunteerkit.transfer.service import ExportResult, OverlapPolicy, RegistryDirectory, Transfers
from volunteerkit.transfer.signing import Ed25519Signer, HmacSigner, KeySet, Signer, TrustedKey

__all__ = [
    "KeysFile",
    "acknowledge_command",
    "export_command",
    "import_command",
    "load_keys",
    "verify_command",
]

_UNREADABLE: Any = object()
"""What :func:`load_keys` read from a file that is not readable JSON."""


@attrs.frozen(kw_only=True)
class KeysFile:
    """A platform's keys as read by :func:`load_keys`.

    Args:
        party: This platform's region or platform id.
        signer: Its signer, or ``None`` (it can then only verify).
        keys: The keys it trusts.
    """

    party: str
    signer: Signer | None
    keys: KeySet


def _bytes(item: dict[str, Any], name: str, path: str) -> bytes:
    value = item.get(name)
    try:
        if not isinstance(value, str):
            raise ValueError(name)
        return base64.b64decode(value.encode("ascii"), validate=True)
    except (ValueError, binascii.Error):
        raise TransferInputError.of("transfer.key_invalid", f"{path}.{name}", "base64 expected") from None


def _text(item: dict[str, Any], name: str, path: str) -> str:
    value = item.get(name)
    if not isinstance(value, str):
        raise TransferInputError.of("transfer.key_invalid", f"{path}.{name}", "text expected")
    return value


def _signer(item: Any, party: str, path: str) -> Signer:
    if not isinstance(item, dict):
        raise TransferInputError.of("transfer.key_invalid", path, "an object expected")
    algorithm = item.get("algorithm")
    if algorithm not in (Algorithm.ED25519.value, Algorithm.HMAC_SHA256.value):
        raise TransferInputError.of(
            "transfer.key_invalid", f"{path}.algorithm", "ed25519 or hmac-sha256"
        )
    key_id = _text(item, "key_id", path)
    if algorithm == Algorithm.ED25519.value:
        return Ed25519Signer(key_id, _bytes(item, "private_key", path), party=party)
    return HmacSigner(key_id, _bytes(item, "secret", path), party=party)


def _trusted(item: Any, path: str) -> TrustedKey:
    if not isinstance(item, dict):
        raise TransferInputError.of("transfer.key_invalid", path, "an object expected")
    algorithm = item.get("algorithm")
    if algorithm not in (Algorithm.ED25519.value, Algorithm.HMAC_SHA256.value):
        raise TransferInputError.of(
            "transfer.key_invalid", f"{path}.algorithm", "ed25519 or hmac-sha256"
        )
    key_id, party = _text(item, "key_id", path), _text(item, "party", path)
    if algorithm == Algorithm.ED25519.value:
        return TrustedKey.ed25519(key_id, _bytes(item, "public_key", path), party=party)
    return TrustedKey.hmac(key_id, _bytes(item, "secret", path), party=party)


def load_keys(path: str | os.PathLike[str]) -> KeysFile:
    """Read a keys file (format in the module documentation).

    Args:
        path: The file.

    Returns:
        The party, its signer and the keys it trusts.

    Raises:
        TransferInputError: ``transfer.key_invalid`` for an unreadable or malformed file (not
            UTF-8 JSON, or nested too deeply to parse).
    """
    data: Any = None
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, TypeError, ValueError, RecursionError):  # not a path, a NUL, deep nesting
        data = _UNREADABLE  # raised below: a JSONDecodeError holds the file's text (the keys)
    if data is _UNREADABLE:
        raise TransferInputError.of("transfer.key_invalid", "$", "a readable JSON file expected")
    if not isinstance(data, dict) or not isinstance(data.get("party"), str):
        raise TransferInputError.of("transfer.key_invalid", "$.party", "the platform id")
    party = data["party"]
    signer = None if data.get("signer") is None else _signer(data["signer"], party, "$.signer")
    trusted = data.get("trusted", [])
    if not isinstance(trusted, list):
        raise TransferInputError.of("transfer.key_invalid", "$.trusted", "a list expected")
    keys = KeySet(_trusted(item, f"$.trusted[{i}]") for i, item in enumerate(trusted))
    return KeysFile(party=party, signer=signer, keys=keys)


def _clock(now: datetime | None) -> Clock:
    # The command line is the edge of an application: unless told the time, it reads the clock.
    return SystemClock() if now is None else FixedClock(require_aware(now, "$.now"))


def _failure(err: VolunteerkitError) -> tuple[int, dict[str, Any]]:
    return 1, {"ok": False, "error": err.to_dict()}


def _transfers(store: Any, keys: KeysFile, clock: Clock) -> Transfers:
    stored = store.ledger.get_setting("policy")
    policy = preset("national") if stored is None else from_json(stored, AccrualPolicy)
    ledger = Ledger(store, clock=clock, policy=policy, origin=keys.party)
    return Transfers(
        store,
        ledger=ledger,
        clock=clock,
        party=keys.party,
        directory=RegistryDirectory(store),
        keys=keys.keys,
        signer=keys.signer,
    )


def _package_summary(package: VerifiedPackage) -> dict[str, Any]:
    header = package.header
    return {
        "package_id": header.package_id,
        "transfer_id": header.transfer_id,
        "source": header.source,
        "destination": header.destination,
        "created_at": header.created_at.isoformat(),
        "policy": header.policy,
        "volunteer": {
            "masked_number": header.volunteer.masked_number,
            "document_scheme": header.volunteer.document_scheme,
            "unified_number": header.volunteer.unified_number,
        },
        "header_digest": package.header_digest,
        "entries": package.totals.entries,
        "credited_minutes": package.totals.credited_minutes,
        "chunks": len(package.chunks),
        "files": list(package.files),
    }


def export_command(
    url: str,
    *,
    keys_file: str,
    out_dir: str,
    actor: str = "cli",
    transfer_id: str | None = None,
    volunteer_id: str | None = None,
    destination: str | None = None,
    consent: str | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    now: datetime | None = None,
) -> tuple[int, dict[str, Any]]:
    """Export a transfer package (``volunteerkit transfer export``).

    Either export an approved transfer (``transfer_id``), or request, approve and export one in a
    single step for a volunteer (``volunteer_id``, ``destination`` and ``consent``).

    Args:
        url: The store (``sqlite:///path``, ``postgresql://...``).
        keys_file: The keys file.
        out_dir: The folder for the chunk files (created if missing).
        actor: Who exports (for the audit log).
        transfer_id: An approved transfer.
        volunteer_id: The volunteer, for a new transfer.
        destination: The receiving platform, for a new transfer.
        consent: The volunteer's consent reference, for a new transfer.
        chunk_size: Entries per chunk file.
        now: The instant to use instead of the system clock.

    Returns:
        ``(status, report)`` with the transfer id, the package summary and the files.
    """
    from volunteerkit.stores import open_store

    try:
        keys = load_keys(keys_file)
        try:
            Path(out_dir).mkdir(parents=True, exist_ok=True)
        except (OSError, TypeError, ValueError) as err:  # TypeError, ValueError: a bad path
            detail = err.strerror if isinstance(err, OSError) else "not a usable path"
            raise TransferInputError.of(
                "transfer.unwritable", "$.out", detail or type(err).__name__
            ) from None
        store = open_store(url)
        try:
            transfers = _transfers(store, keys, _clock(now))
            if transfer_id is not None:
                result = transfers.export(transfer_id, out_dir, actor=actor, chunk_size=chunk_size)
            elif volunteer_id is None or destination is None or consent is None:
                raise TransferInputError.of(
                    "transfer.invalid",
                    "$.transfer_id",
                    "a transfer, or volunteer, destination and consent",
                )
            else:
                result = _request_and_export(
                    store, transfers, volunteer_id, destination, consent, actor, out_dir,
                    chunk_size,
                )  # fmt: skip
        finally:
            store.close()
    except VolunteerkitError as err:
        return _failure(err)
    return 0, {
        "ok": True,
        "transfer_id": result.transfer.id,
        "state": result.transfer.state.value,
        **_package_summary(result.package),
    }


def _request_and_export(
    store: Any,
    transfers: Transfers,
    volunteer_id: str,
    destination: str,
    consent: str,
    actor: str,
    out_dir: str,
    chunk_size: int,
) -> ExportResult:
    """Request, approve and export a new transfer as one step: all of it is recorded, or none.

    Before, the request and the approval were committed first, so an export that failed (a
    chunk size below 1, a folder that cannot be written) left an approved transfer behind, and
    every retry of the command one more.
    """
    result: ExportResult | None = None
    try:
        with store.transaction():
            requested = transfers.request(
                volunteer_id, destination=destination, consent=consent, actor=actor
            )
            approved = transfers.approve(requested.id, actor=actor)
            result = transfers.export(approved.id, out_dir, actor=actor, chunk_size=chunk_size)
    except BaseException:
        if result is not None:  # written, but the transaction did not commit: no files left
            for path in result.package.files:
                with suppress(OSError):
                    os.remove(path)
        raise
    return result


def verify_command(paths: Sequence[str], *, keys_file: str) -> tuple[int, dict[str, Any]]:
    """Verify a package addressed to this platform, writing nothing (``volunteerkit transfer verify``).

    Args:
        paths: The chunk files, in any order.
        keys_file: The keys file (its party must be the package's destination).

    Returns:
        ``(status, report)``: the package summary, or the refusal with its code and path.
    """
    try:
        keys = load_keys(keys_file)
        package = verify_package(paths, keys.keys, destination=keys.party)
    except VolunteerkitError as err:
        return _failure(err)
    return 0, {"ok": True, **_package_summary(package)}


def _write_receipt(path: str, signed: SignedReceipt) -> None:
    """Write the receipt file; a failure says how to get the receipt of the import just made."""
    data = receipt_bytes(signed)
    try:
        Path(path).write_bytes(data)
    except (OSError, TypeError, ValueError) as err:  # TypeError, ValueError: a bad path
        detail = err.strerror if isinstance(err, OSError) else "not a usable path"
        raise TransferInputError.of(
            "transfer.unwritable",
            "$.receipt",
            f"{detail or type(err).__name__}; the package was imported: run the import "
            "again with another --receipt to write its receipt",
        ) from None


def import_command(
    url: str,
    paths: Sequence[str],
    *,
    keys_file: str,
    actor: str = "cli",
    overlap: str = OverlapPolicy.KEEP_AND_FLAG.value,
    volunteer_id: str | None = None,
    receipt_out: str | None = None,
    now: datetime | None = None,
) -> tuple[int, dict[str, Any]]:
    """Import a package into a store and sign a receipt (``volunteerkit transfer import``).

    Args:
        url: The destination store.
        paths: Every chunk file of the package.
        keys_file: The keys file (with a signer, for the receipt).
        actor: Who imports (for the audit log).
        overlap: ``keep_and_flag`` or ``skip``.
        volunteer_id: The local volunteer the package is expected for.
        receipt_out: Where to write the signed receipt for the source.
        now: The instant to use instead of the system clock.

    Returns:
        ``(status, report)`` with the receipt, the local volunteer and whether this was a replay;
        status 1 with ``transfer.unwritable`` if the receipt file cannot be written (the import
        is done then: running it again replays it and writes the same receipt).
    """
    from volunteerkit.stores import open_store

    try:
        try:
            policy = OverlapPolicy(overlap)
        except ValueError:
            raise TransferInputError.of("transfer.invalid", "$.overlap", "keep_and_flag or skip") from None
        keys = load_keys(keys_file)
        store = open_store(url)
        try:
            result = _transfers(store, keys, _clock(now)).import_package(
                paths, actor=actor, overlap=policy, volunteer_id=volunteer_id
            )
        finally:
            store.close()
        if receipt_out is not None:
            _write_receipt(receipt_out, result.receipt)
    except VolunteerkitError as err:
        return _failure(err)
    return 0, {
        "ok": True,
        "transfer_id": result.transfer.id,
        "volunteer_id": result.volunteer_id,
        "replayed": result.replayed,
        "receipt_file": receipt_out,
        "receipt": unstructure(result.receipt),
    }


def acknowledge_command(
    url: str,
    receipt_file: str,
    *,
    keys_file: str,
    actor: str = "cli",
    now: datetime | None = None,
) -> tuple[int, dict[str, Any]]:
    """Verify a destination's receipt and close the transfer (``volunteerkit transfer acknowledge``).

    Args:
        url: The source store.
        receipt_file: The receipt the destination sent.
        keys_file: The keys file (trusting the destination's key).
        actor: Who records it.
        now: The instant to use instead of the system clock.

    Returns:
        ``(status, report)`` with the transfer's state and steps.
    """
    from volunteerkit.stores import open_store

    try:
        keys = load_keys(keys_file)
        try:
            data = Path(receipt_file).read_bytes()
        except (OSError, TypeError, ValueError):  # TypeError, ValueError: a bad path
            raise TransferInputError.of("transfer.unreadable", "$.receipt") from None
        signed = load_receipt(data)
        store = open_store(url)
        try:
            transfer = _transfers(store, keys, _clock(now)).acknowledge(signed, actor=actor)
        finally:
            store.close()
    except VolunteerkitError as err:
        return _failure(err)
    return 0, {
        "ok": True,
        "transfer_id": transfer.id,
        "state": transfer.state.value,
        "reason_code": None if transfer.reason_code is None else transfer.reason_code.value,
        "steps": [step.state.value for step in transfer.steps],
    }
