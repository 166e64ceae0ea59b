r"""Writing, reading and verifying transfer packages as signed chunk files, streaming.

File layout
-----------

A package of N entries is written as ``count = max(1, ceil(N / chunk_size))`` **chunk files**, each
a self-contained JSON Lines file (UTF-8, every line canonical JSON ending in ``\n``; see
:mod:`volunteerkit.transfer.canonical`):

1. a :class:`~volunteerkit.transfer.models.ChunkHead` line: ``type`` ``"head"``, the package
   header, the package totals, and the chunk's ``number`` and ``count``;
2. the chunk's entries, one :class:`~volunteerkit.transfer.models.TransferEntry` a line, in
   strictly increasing id order (origin, then local id, by code point) across the whole package;
3. a :class:`~volunteerkit.transfer.models.ChunkSeal` line: ``type`` ``"seal"``, the chunk's
   entry count, credited minutes, ``sha256`` digest of its entry lines (each with its newline),
   and the source's signature over the chunk statement
   (:func:`~volunteerkit.transfer.signing.chunk_message`).

Chunks may be delivered separately and in any order; a reader is given the set of files.

Verification
------------

:func:`verify_package` reads every file once, line by line (memory does not grow with the number
of entries), and refuses, with a specific code, anything but a complete, untouched package:

* a line that is not UTF-8 JSON (``transfer.malformed``), not canonical (``transfer.not_canonical``),
  or not the format (``transfer.schema``, ``transfer.unsupported_version``);
* a file that ends before its seal (``transfer.truncated``);
* a signature by an unknown key (``transfer.unknown_key``), by a key of another party
  (``transfer.wrong_key``), or that does not verify (``transfer.signature_invalid``);
* entry lines that do not match the sealed digest (``transfer.digest_mismatch``);
* signed counts that do not match the entries, or chunks that do not add up to the package
  totals (``transfer.totals_mismatch``);
* a chunk of another package (``transfer.chunk_foreign``), a chunk given twice
  (``transfer.chunk_duplicate``), a missing chunk (``transfer.chunk_missing``);
* entries out of order or repeated (``transfer.entry_order``);
* a package addressed elsewhere (``transfer.wrong_destination``).

Paths in errors name the file and line: ``$.files[2].lines[15].start`` is the ``start`` field on
line 15 (lines count from 1) of the third file given.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Generator, Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any, Final, TypeVar

import attrs

from volunteerkit._serialization import structure, unstructure
from volunteerkit.errors import VolunteerkitError, join_path
from volunteerkit.hours.models import EntryId
from volunteerkit.transfer.canonical import canonical_bytes, check_canonical
from volunteerkit.transfer.errors import PackageRefused, TransferInputError
from volunteerkit.transfer.models import (
    VERSION,
    ChunkHead,
    ChunkInfo,
    ChunkSeal,
    PackageHeader,
    PackageTotals,
    SignedReceipt,
    TransferEntry,
    entry_from_plain,
    entry_to_plain,
)
from volunteerkit.transfer.signing import KeySet, Signer, chunk_message, digest

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "MAX_LINE_BYTES",
    "ChunkSummary",
    "VerifiedPackage",
    "chunk_file_name",
    "header_digest",
    "load_receipt",
    "read_entries",
    "receipt_bytes",
    "verify_package",
    "write_package",
]

DEFAULT_CHUNK_SIZE: Final = 10_000
"""Entries per chunk file when the writer is not told otherwise."""

MAX_LINE_BYTES: Final = 1 << 20
"""The longest line a reader accepts (1 MiB); a longer one is refused, not buffered."""

_T = TypeVar("_T")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


@attrs.frozen(kw_only=True)
class ChunkSummary:
    """What one verified chunk file holds.

    Args:
        path: The file.
        number: The chunk's number.
        count: The chunk count.
        entries: Its entries.
        credited_minutes: Their credited minutes.
        digest: ``sha256:`` of its entry lines.
        first_id: Its first entry id (``None`` for an empty chunk).
        last_id: Its last entry id.
    """

    path: str
    number: int
    count: int
    entries: int
    credited_minutes: int
    digest: str
    first_id: EntryId | None = None
    last_id: EntryId | None = None


@attrs.frozen(kw_only=True)
class VerifiedPackage:
    """A package whose every chunk was read and verified.

    Args:
        header: The header.
        header_digest: ``sha256:`` of the canonical header.
        totals: The totals (equal to the sum of the chunks).
        chunks: The chunks in number order.
    """

    header: PackageHeader
    header_digest: str
    totals: PackageTotals
    chunks: tuple[ChunkSummary, ...]

    @property
    def files(self) -> tuple[str, ...]:
        """The chunk files in number order."""
        return tuple(c.path for c in self.chunks)


def header_digest(header: PackageHeader) -> str:
    """Return ``sha256:`` of the header's canonical JSON.

    Args:
        header: The header.

    Returns:
        The digest.
    """
    return digest(canonical_bytes(unstructure(header)))


def chunk_file_name(header: PackageHeader, number: int, count: int) -> str:
    """Return the file name the writer gives a chunk (readers never rely on names).

    Args:
        header: The package header.
        number: The chunk's number.
        count: The chunk count.

    Returns:
        ``transfer-<package id>-<number>-of-<count>.jsonl``, with digits padded to 4.
    """
    safe = _UNSAFE.sub("_", header.package_id)
    return f"transfer-{safe}-{number:04d}-of-{count:04d}.jsonl"


# --------------------------------------------------------------------------------------------
# writing


@attrs.define
class _Part:
    path: Path
    entries: int = 0
    credited: int = 0
    hasher: Any = attrs.field(factory=hashlib.sha256)


def _folder_path(directory: str | os.PathLike[str]) -> Path:
    """Check the folder argument of :func:`write_package` and return it as a path.

    Args:
        directory: The folder, as text, bytes or a path object.

    Returns:
        The folder.

    Raises:
        TransferInputError: ``transfer.invalid`` if ``directory`` is none of those,
            ``transfer.unwritable`` for a path no folder can have (empty, with a NUL character,
            or text the file system cannot encode).
    """
    try:
        text = os.fsdecode(directory)
    except TypeError:
        raise TransferInputError.of("transfer.invalid", "$.directory", "a folder path") from None
    if text == "":  # pathlib would read it as the current folder
        raise TransferInputError.of("transfer.unwritable", "$.directory", "an empty path")
    try:
        folder = Path(text)
        encoded = os.fsencode(folder)
    except ValueError:  # a lone surrogate
        raise TransferInputError.of(
            "transfer.unwritable", "$.directory", "the file system cannot encode the path"
        ) from None
    if b"\x00" in encoded:
        raise TransferInputError.of("transfer.unwritable", "$.directory", "a NUL in the path")
    return folder


def write_package(
    directory: str | os.PathLike[str],
    header: PackageHeader,
    entries: Iterable[TransferEntry],
    *,
    signer: Signer,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> VerifiedPackage:
    """Write a package as signed chunk files, streaming (one pass over ``entries``).

    Entry lines are first written to temporary part files in ``directory`` while their digests and
    totals are computed; then each chunk file is written with its head, its entries and its seal,
    and moved into place. Memory does not grow with the number of entries.

    Args:
        directory: An existing folder for the chunk files.
        header: The package header.
        entries: The entries in strictly increasing id order (an iterator is consumed once).
        signer: The source's signer (its party must be the header's source).
        chunk_size: Entries per chunk (at least 1).

    Returns:
        The package as written (file paths, digests, totals).

    Raises:
        TransferInputError: ``transfer.wrong_key`` if the signer is not the source's,
            ``transfer.entry_order`` if entries are out of order or repeated,
            ``transfer.invalid`` for a chunk size below 1, a ``directory`` that is not a path
            (text, bytes or a path object), a ``header`` that is not a :class:`PackageHeader`
            (``$.header``) or a ``signer`` that is not a :class:`Signer` (``$.signer``),
            ``transfer.unwritable`` if the files cannot be
            written in ``directory`` (nothing is left behind then), which includes an empty path,
            one with a NUL character and text the file system cannot encode.
        PackageRefused: If an entry cannot be written canonically (``transfer.not_nfc`` ...).
    """
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1:
        raise TransferInputError.of("transfer.invalid", "$.chunk_size", "at least 1")
    if not isinstance(header, PackageHeader):
        raise TransferInputError.of("transfer.invalid", "$.header", "a PackageHeader")
    if not isinstance(signer, Signer):
        raise TransferInputError.of("transfer.invalid", "$.signer", "a signer")
    if signer.party != header.source:
        raise TransferInputError.of("transfer.wrong_key", "$.signer", "the source must sign")
    folder = _folder_path(directory)
    parts: list[_Part] = []
    firsts: list[EntryId] = []
    lasts: list[EntryId] = []
    handle: IO[bytes] | None = None
    written: list[Path] = []
    try:
        previous: EntryId | None = None
        for index, entry in enumerate(entries):
            if not isinstance(entry, TransferEntry):
                raise TransferInputError.of("transfer.invalid", f"$.entries[{index}]")
            if previous is not None and not entry.id > previous:
                raise TransferInputError.of("transfer.entry_order", f"$.entries[{index}].id")
            previous = entry.id
            if handle is None or parts[-1].entries >= chunk_size:
                if handle is not None:
                    handle.close()
                fd, name = tempfile.mkstemp(prefix=".transfer-", suffix=".part", dir=folder)
                handle = os.fdopen(fd, "wb")
                parts.append(_Part(path=Path(name)))
                firsts.append(entry.id)
                lasts.append(entry.id)
            line = canonical_bytes(entry_to_plain(entry), path=f"$.entries[{index}]") + b"\n"
            handle.write(line)
            part = parts[-1]
            part.hasher.update(line)
            part.entries += 1
            part.credited += entry.credited_minutes
            lasts[-1] = entry.id
        if handle is not None:
            handle.close()
            handle = None
        if not parts:
            fd, name = tempfile.mkstemp(prefix=".transfer-", suffix=".part", dir=folder)
            os.close(fd)
            parts.append(_Part(path=Path(name)))
        totals = PackageTotals(
            entries=sum(p.entries for p in parts), credited_minutes=sum(p.credited for p in parts)
        )
        head_digest = header_digest(header)
        count = len(parts)
        chunks: list[ChunkSummary] = []
        for number, part in enumerate(parts, start=1):
            info = ChunkInfo(number=number, count=count)
            entries_digest = "sha256:" + part.hasher.hexdigest()
            signature = signer.sign(
                chunk_message(
                    header_digest=head_digest,
                    totals=totals,
                    chunk=info,
                    entries=part.entries,
                    credited_minutes=part.credited,
                    entries_digest=entries_digest,
                )
            )
            head = ChunkHead(header=header, totals=totals, chunk=info)
            seal = ChunkSeal(
                entries=part.entries,
                credited_minutes=part.credited,
                digest=entries_digest,
                signature=signature,
            )
            final = folder / chunk_file_name(header, number, count)
            staging = final.with_name(final.name + ".tmp")
            written.append(staging)
            with staging.open("wb") as out, part.path.open("rb") as body:
                out.write(canonical_bytes(unstructure(head)) + b"\n")
                while block := body.read(1 << 20):
                    out.write(block)
                out.write(canonical_bytes(unstructure(seal)) + b"\n")
            os.replace(staging, final)
            written.remove(staging)
            written.append(final)
            chunks.append(
                ChunkSummary(
                    path=str(final),
                    number=number,
                    count=count,
                    entries=part.entries,
                    credited_minutes=part.credited,
                    digest=entries_digest,
                    first_id=firsts[number - 1] if part.entries else None,
                    last_id=lasts[number - 1] if part.entries else None,
                )
            )
        written.clear()
        return VerifiedPackage(
            header=header, header_digest=head_digest, totals=totals, chunks=tuple(chunks)
        )
    except OSError as err:  # a missing or read-only folder, a full disk
        raise TransferInputError.of(
            "transfer.unwritable", "$.directory", err.strerror or type(err).__name__
        ) from None
    finally:
        if handle is not None:
            handle.close()
        for part in parts:
            with contextlib.suppress(FileNotFoundError):
                part.path.unlink()
        for leftover in written:  # a failure part-way: remove what this call wrote
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()


# --------------------------------------------------------------------------------------------
# reading


def _structured(data: Any, cls: type[_T], path: str) -> _T:
    """Structure a parsed line; every refusal becomes a PackageRefused at ``path``.

    The line must also be the canonical spelling of what it holds (times in UTC with
    ``+00:00``, for instance): it must unstructure back to the same data.
    """
    refused: list[tuple[str | None, str]] = []
    try:
        result: Any = entry_from_plain(data) if cls is TransferEntry else structure(data, cls)
    except PackageRefused as err:
        err.path = join_path(path, err.path)
        raise
    except VolunteerkitError as err:
        refused.append((err.path, err.code))
    if refused:  # raised outside the handler: the error and its chain stay out of ours
        raise PackageRefused.of("transfer.schema", join_path(path, refused[0][0]), refused[0][1])
    again = entry_to_plain(result) if isinstance(result, TransferEntry) else unstructure(result)
    if again != data:
        raise PackageRefused.of("transfer.not_canonical", path, "values are not in canonical form")
    typed: _T = result
    return typed


def _lines(handle: IO[bytes], where: str) -> Iterator[tuple[int, bytes]]:
    """Yield ``(line number, bytes without the newline)``; refuse truncated and huge lines."""
    number = 0
    while True:
        line = handle.readline(MAX_LINE_BYTES + 1)
        if not line:
            return
        number += 1
        if not line.endswith(b"\n"):
            if len(line) > MAX_LINE_BYTES:
                raise PackageRefused.of("transfer.line_too_long", f"{where}.lines[{number}]")
            raise PackageRefused.of("transfer.truncated", f"{where}.lines[{number}]")
        yield number, line[:-1]


def _check_version(data: Any, path: str) -> None:
    header = data.get("header") if isinstance(data, dict) else None
    version = header.get("version") if isinstance(header, dict) else None
    if isinstance(version, int) and not isinstance(version, bool) and version != VERSION:
        raise PackageRefused.of(
            "transfer.unsupported_version", f"{path}.header.version", f"this library reads {VERSION}"
        )


_Scan = Generator[TransferEntry, None, tuple[ChunkHead, str, ChunkSummary]]


def _scan(path: str, index: int, keys: KeySet, *, verified: bool = False) -> _Scan:
    """Read one chunk file, yielding its entries, and return its head, header digest and summary.

    The signature and the digest are checked when the seal is reached, at the end of the file.
    With ``verified``, the file was verified before and the caller compares the digest with the
    one it saw then: entry lines are only parsed (their canonical form and schema were checked),
    and a line that no longer parses means the file changed (``transfer.digest_mismatch``).
    """
    where = f"$.files[{index}]"
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed in the finally below
    except (OSError, ValueError):  # ValueError: a NUL, or text the file system cannot encode
        raise PackageRefused.of("transfer.unreadable", where) from None
    try:
        lines = _lines(handle, where)
        first = next(lines, None)
        if first is None:
            raise PackageRefused.of("transfer.truncated", f"{where}.lines[1]")
        head_path = f"{where}.lines[1]"
        data = check_canonical(first[1], path=head_path)
        _check_version(data, head_path)
        head = _structured(data, ChunkHead, head_path)
        head_digest = digest(canonical_bytes(data["header"]))
        hasher = hashlib.sha256()
        count = credited = 0
        first_id: EntryId | None = None
        last_id: EntryId | None = None
        pending: tuple[int, bytes] | None = None
        for number, line in lines:
            if pending is not None:
                entry = _known_line(pending, where) if verified else _entry_line(pending, where)
                if last_id is not None and not entry.id > last_id:
                    raise PackageRefused.of("transfer.entry_order", f"{where}.lines[{pending[0]}].id")
                hasher.update(pending[1])
                hasher.update(b"\n")
                first_id = first_id or entry.id
                last_id = entry.id
                count += 1
                credited += entry.credited_minutes
                yield entry
            pending = (number, line)
        if pending is None:
            raise PackageRefused.of("transfer.truncated", f"{where}.lines[2]")
        seal_path = f"{where}.lines[{pending[0]}]"
        seal_data = check_canonical(pending[1], path=seal_path)
        if not isinstance(seal_data, dict) or seal_data.get("type") != "seal":
            # the last line is an entry: the file was cut after a complete line
            raise PackageRefused.of("transfer.truncated", f"{where}.lines[{pending[0] + 1}]")
        seal = _structured(seal_data, ChunkSeal, seal_path)
        keys.verify(
            seal.signature,
            chunk_message(
                header_digest=head_digest,
                totals=head.totals,
                chunk=head.chunk,
                entries=seal.entries,
                credited_minutes=seal.credited_minutes,
                entries_digest=seal.digest,
            ),
            party=head.header.source,
            path=f"{seal_path}.signature",
        )
        entries_digest = "sha256:" + hasher.hexdigest()
        if entries_digest != seal.digest:
            raise PackageRefused.of("transfer.digest_mismatch", f"{seal_path}.digest")
        if count != seal.entries or credited != seal.credited_minutes:
            raise PackageRefused.of(
                "transfer.totals_mismatch", f"{seal_path}.entries", "the chunk's signed counts"
            )
        summary = ChunkSummary(
            path=str(path),
            number=head.chunk.number,
            count=head.chunk.count,
            entries=count,
            credited_minutes=credited,
            digest=entries_digest,
            first_id=first_id,
            last_id=last_id,
        )
        return head, head_digest, summary
    finally:
        handle.close()


def _known_line(pending: tuple[int, bytes], where: str) -> TransferEntry:
    """An entry line of a file verified before: parse it only (see :func:`_scan`)."""
    try:
        return entry_from_plain(json.loads(pending[1]))
    except Exception:  # the bytes changed since they were verified
        pass  # raised below, outside the handler: the error caught may hold the line
    raise PackageRefused.of("transfer.digest_mismatch", f"{where}.lines[{pending[0]}]")


def _entry_line(pending: tuple[int, bytes], where: str) -> TransferEntry:
    path = f"{where}.lines[{pending[0]}]"
    data = check_canonical(pending[1], path=path)
    if isinstance(data, dict) and data.get("type") in ("head", "seal"):
        raise PackageRefused.of("transfer.schema", f"{path}.type", "an entry line was expected")
    return _structured(data, TransferEntry, path)


def _drain(scan: _Scan) -> tuple[ChunkHead, str, ChunkSummary]:
    while True:
        try:
            next(scan)
        except StopIteration as stop:
            result: tuple[ChunkHead, str, ChunkSummary] = stop.value
            return result


def _check_keys(keys: object) -> None:
    if not isinstance(keys, KeySet):
        raise TransferInputError.of("transfer.invalid", "$.keys", "a KeySet")


def verify_package(
    paths: Sequence[str | os.PathLike[str]],
    keys: KeySet,
    *,
    destination: str | None = None,
) -> VerifiedPackage:
    """Verify a package's complete set of chunk files, reading each once, streaming.

    Args:
        paths: The chunk files, in any order.
        keys: The keys this platform trusts.
        destination: This platform's id: a package addressed elsewhere is refused.

    Returns:
        The verified package (header, totals and chunks in number order).

    Raises:
        PackageRefused: With the code of the first problem found (see the module documentation);
            ``transfer.no_files`` when ``paths`` is empty, ``transfer.unreadable`` at
            ``$.files[i]`` for a file that cannot be opened (missing, or a path with a NUL
            character or text the file system cannot encode).
        TransferInputError: ``transfer.invalid`` at ``$.files`` if ``paths`` is one path or not
            a collection of paths, at ``$.files[i]`` for an item that is not a path, at
            ``$.keys`` if ``keys`` is not a :class:`KeySet`.
    """
    _check_keys(keys)
    if not paths:
        raise PackageRefused.of("transfer.no_files", "$.files")
    if isinstance(paths, (str, bytes, os.PathLike)) or not isinstance(paths, Iterable):
        raise TransferInputError.of("transfer.invalid", "$.files", "a list of chunk file paths")
    reference: tuple[ChunkHead, str] | None = None
    by_number: dict[int, ChunkSummary] = {}
    for index, path in enumerate(paths):
        where = f"$.files[{index}]"
        try:
            text = os.fsdecode(path)
        except TypeError:
            raise TransferInputError.of("transfer.invalid", where, "a file path") from None
        head, head_digest, summary = _drain(_scan(text, index, keys))
        if reference is None:
            reference = (head, head_digest)
            if destination is not None and head.header.destination != destination:
                raise PackageRefused.of("transfer.wrong_destination", f"{where}.lines[1].header.destination")
        elif head_digest != reference[1] or head.totals != reference[0].totals:
            raise PackageRefused.of("transfer.chunk_foreign", f"{where}.lines[1].header")
        elif head.chunk.count != reference[0].chunk.count:
            raise PackageRefused.of("transfer.chunk_foreign", f"{where}.lines[1].chunk.count")
        if summary.number in by_number:
            raise PackageRefused.of("transfer.chunk_duplicate", f"{where}.lines[1].chunk.number")
        by_number[summary.number] = summary
    assert reference is not None
    head, head_digest = reference
    missing = [n for n in range(1, head.chunk.count + 1) if n not in by_number]
    if missing:
        raise PackageRefused.of(
            "transfer.chunk_missing", "$.files", f"chunk {missing[0]} of {head.chunk.count}"
        )
    chunks = tuple(by_number[n] for n in range(1, head.chunk.count + 1))
    previous: EntryId | None = None
    for chunk in chunks:
        if chunk.entries == 0 and head.chunk.count > 1:
            raise PackageRefused.of("transfer.totals_mismatch", "$.files", "an empty chunk")
        if previous is not None and chunk.first_id is not None and not chunk.first_id > previous:
            raise PackageRefused.of(
                "transfer.entry_order", "$.files", f"chunk {chunk.number} starts out of order"
            )
        previous = chunk.last_id or previous
    if (
        sum(c.entries for c in chunks) != head.totals.entries
        or sum(c.credited_minutes for c in chunks) != head.totals.credited_minutes
    ):
        raise PackageRefused.of("transfer.totals_mismatch", "$.files[0].lines[1].totals")
    return VerifiedPackage(
        header=head.header, header_digest=head_digest, totals=head.totals, chunks=chunks
    )


def read_entries(package: VerifiedPackage, keys: KeySet) -> Iterator[TransferEntry]:
    """Stream the entries of a verified package in id order, verifying each chunk again.

    Each file is read again and must still match what :func:`verify_package` saw: a file changed
    in between raises at the end of its chunk (after the entries before it were yielded), so
    consume this iterator inside a transaction.

    Args:
        package: The result of :func:`verify_package`.
        keys: The trusted keys.

    Yields:
        The entries, chunk by chunk.

    Raises:
        PackageRefused: Any code of :func:`verify_package`; ``transfer.digest_mismatch`` or
            ``transfer.chunk_foreign`` if a file changed since it was verified.
        TransferInputError: ``transfer.invalid`` at ``$.package`` or ``$.keys`` for an argument
            of the wrong type (raised when iteration starts).
    """
    if not isinstance(package, VerifiedPackage):
        raise TransferInputError.of("transfer.invalid", "$.package", "a VerifiedPackage")
    _check_keys(keys)
    for index, chunk in enumerate(package.chunks):
        head, head_digest, summary = yield from _scan(chunk.path, index, keys, verified=True)
        if head_digest != package.header_digest or head.chunk.number != chunk.number:
            raise PackageRefused.of("transfer.chunk_foreign", f"$.files[{index}].lines[1]")
        if summary != chunk:
            raise PackageRefused.of("transfer.digest_mismatch", f"$.files[{index}]")


# --------------------------------------------------------------------------------------------
# receipts


def receipt_bytes(signed: SignedReceipt) -> bytes:
    """Return a signed receipt as one line of canonical JSON (what is sent back to the source).

    Args:
        signed: The signed receipt.

    Returns:
        UTF-8 bytes ending in a newline.

    Raises:
        TransferInputError: ``transfer.invalid`` if ``signed`` is not a :class:`SignedReceipt`.
    """
    if not isinstance(signed, SignedReceipt):
        raise TransferInputError.of("transfer.invalid", "$", "a SignedReceipt")
    return canonical_bytes(unstructure(signed)) + b"\n"


def load_receipt(data: bytes) -> SignedReceipt:
    """Read a signed receipt written by :func:`receipt_bytes` (its signature is not checked here).

    Args:
        data: The bytes (a trailing newline is allowed).

    Returns:
        The signed receipt.

    Raises:
        PackageRefused: ``transfer.malformed``, ``transfer.not_canonical`` or ``transfer.schema``.
        TransferInputError: ``transfer.invalid`` if ``data`` is not bytes (text included).
    """
    if not isinstance(data, (bytes, bytearray)):
        raise TransferInputError.of("transfer.invalid", "$", "the receipt's bytes")
    line = bytes(data[:-1] if data.endswith(b"\n") else data)
    return _structured(check_canonical(line, path="$"), SignedReceipt, "$")
