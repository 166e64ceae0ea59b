"""Chunk files: writing, verifying and reading; every tampering refused with its own code."""

from __future__ import annotations

import json
import shutil
import tracemalloc
from pathlib import Path

import attrs
import pytest

from volunteerkit import structure, unstructure
from volunteerkit.transfer.canonical import canonical_bytes
from volunteerkit.transfer.errors import PackageRefused, TransferInputError
from volunteerkit.transfer.models import ChunkHead, ChunkSeal, PackageTotals
from volunteerkit.transfer.package import (
    chunk_file_name,
    header_digest,
    read_entries,
    verify_package,
    write_package,
)
from volunteerkit.transfer.signing import HmacSigner, KeySet, chunk_message

from .conftest import BEIJING, HAMI, OTHER_SECRET, SECRET, lines_of, make_entry, make_header


def _refused(paths, keys, **kw) -> PackageRefused:
    with pytest.raises(PackageRefused) as info:
        verify_package(paths, keys, **kw)
    return info.value


def _rewrite(path: str, lines: list[bytes]) -> None:
    Path(path).write_bytes(b"".join(lines))


def _resign(path: str, signer, *, totals: PackageTotals | None = None, entries=None) -> None:
    """Rewrite a chunk as its source would (valid digest and signature), with changed content."""
    lines = lines_of(path)
    head = structure(json.loads(lines[0]), ChunkHead)
    if totals is not None:
        head = attrs.evolve(head, totals=totals)
    body = lines[1:-1] if entries is None else [
        canonical_bytes(unstructure(e)) + b"\n" for e in entries
    ]
    import hashlib

    entries_digest = "sha256:" + hashlib.sha256(b"".join(body)).hexdigest()
    credited = sum(json.loads(b)["credited_minutes"] for b in body)
    seal = ChunkSeal(
        entries=len(body),
        credited_minutes=credited,
        digest=entries_digest,
        signature=signer.sign(
            chunk_message(
                header_digest=header_digest(head.header),
                totals=head.totals,
                chunk=head.chunk,
                entries=len(body),
                credited_minutes=credited,
                entries_digest=entries_digest,
            )
        ),
    )
    _rewrite(
        path,
        [canonical_bytes(unstructure(head)) + b"\n", *body, canonical_bytes(unstructure(seal)) + b"\n"],
    )


# ------------------------------------------------------------------------------------ writing


def test_a_package_is_written_as_numbered_signed_chunks(write):
    """Five entries in chunks of two make three files with heads, ordered entries and seals."""
    package = write(n=5, chunk_size=2)
    assert [Path(p).name for p in package.files] == [
        "transfer-0195b7a0-0000-7000-8000-000000000001-0001-of-0003.jsonl",
        "transfer-0195b7a0-0000-7000-8000-000000000001-0002-of-0003.jsonl",
        "transfer-0195b7a0-0000-7000-8000-000000000001-0003-of-0003.jsonl",
    ]
    assert package.totals == PackageTotals(entries=5, credited_minutes=900)
    assert [(c.number, c.count, c.entries, c.credited_minutes) for c in package.chunks] == [
        (1, 3, 2, 360),
        (2, 3, 2, 360),
        (3, 3, 1, 180),
    ]
    head = json.loads(lines_of(package.files[1])[0])
    assert head["chunk"] == {"count": 3, "number": 2}
    assert head["totals"] == {"credited_minutes": 900, "entries": 5}
    seal = json.loads(lines_of(package.files[1])[-1])
    assert seal["type"] == "seal" and seal["entries"] == 2 and seal["digest"] == package.chunks[1].digest
    assert seal["signature"]["key_id"] == "hami-2026"
    assert package.header_digest == header_digest(make_header())
    assert not list(Path(package.files[0]).parent.glob(".transfer-*"))


def test_the_same_content_gives_the_same_bytes(write):
    """Writing the same package twice gives byte-identical files."""
    one, two = write(n=3), write(n=3)
    for a, b in zip(one.files, two.files, strict=True):
        assert Path(a).read_bytes() == Path(b).read_bytes()


def test_an_empty_package_is_one_chunk(write, keys):
    """A package without entries is one chunk with zero totals, and verifies."""
    package = write(n=0)
    assert len(package.files) == 1
    assert verify_package(package.files, keys).totals == PackageTotals(entries=0, credited_minutes=0)
    assert list(read_entries(package, keys)) == []


def test_ed25519_packages_verify(write, ed_signer):
    """A package signed with Ed25519 verifies against the source's public key."""
    package = write(n=3, signer=ed_signer)
    assert verify_package(package.files, KeySet([ed_signer.trusted()])) == package


def test_the_writer_refuses_unordered_entries_and_foreign_signers(tmp_path, hami_signer):
    """Entries out of order, or a signer that is not the source's, are refused."""
    with pytest.raises(TransferInputError) as info:
        write_package(tmp_path, make_header(), [make_entry(2), make_entry(1)], signer=hami_signer)
    assert (info.value.code, info.value.path) == ("transfer.entry_order", "$.entries[1].id")
    beijing = HmacSigner("bj-1", SECRET, party=BEIJING)
    with pytest.raises(TransferInputError) as info:
        write_package(tmp_path, make_header(), [make_entry(1)], signer=beijing)
    assert info.value.code == "transfer.wrong_key"
    assert list(tmp_path.iterdir()) == []


def test_a_folder_that_cannot_be_written_is_a_typed_refusal(tmp_path, hami_signer):
    """A missing folder gives transfer.unwritable at $.directory, not a bare OSError."""
    with pytest.raises(TransferInputError) as info:
        write_package(tmp_path / "missing", make_header(), [make_entry(1)], signer=hami_signer)
    assert (info.value.code, info.value.path) == ("transfer.unwritable", "$.directory")
    assert info.value.message_zh.startswith("无法写入转移包或回执文件")
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------------------------ reading


def test_chunks_verify_in_any_order_and_read_in_id_order(write, keys):
    """Files given in any order verify to the same package; entries come back in order."""
    package = write(n=5, chunk_size=2)
    shuffled = [package.files[2], package.files[0], package.files[1]]
    verified = verify_package(shuffled, keys, destination=BEIJING)
    assert verified == package
    assert [str(e.id) for e in read_entries(verified, keys)] == [
        f"hami:e{i:07d}" for i in range(5)
    ]
    assert list(read_entries(verified, keys)) == [make_entry(i) for i in range(5)]


def test_a_package_for_another_destination_is_refused(write, keys):
    """Beijing refuses a package addressed to Guangzhou."""
    package = write(n=2, destination="gz.volunteer")
    error = _refused(package.files, keys, destination=BEIJING)
    assert (error.code, error.path) == (
        "transfer.wrong_destination",
        "$.files[0].lines[1].header.destination",
    )


# ------------------------------------------------------------------------------------ tampering


def test_a_flipped_byte_anywhere_is_refused(write, keys):
    """Flipping any one byte of a chunk file makes verification fail with a tamper code."""
    package = write(n=1, chunk_size=5)
    path = package.files[0]
    original = Path(path).read_bytes()
    seen: set[str] = set()
    for i in range(len(original)):
        data = bytearray(original)
        data[i] ^= 0x01
        Path(path).write_bytes(bytes(data))
        seen.add(_refused([path], keys).code)
    Path(path).write_bytes(original)
    assert verify_package([path], keys) == package
    assert seen <= {
        "transfer.malformed",
        "transfer.not_canonical",
        "transfer.schema",
        "transfer.unsupported_version",
        "transfer.truncated",
        "transfer.signature_invalid",
        "transfer.unknown_key",
        "transfer.digest_mismatch",
        "transfer.entry_days",
        "transfer.entry_credit",
        "transfer.chunk_number",
        "transfer.not_nfc",
        "transfer.entry_order",
        "transfer.wrong_key",
    }
    assert {"transfer.signature_invalid", "transfer.digest_mismatch", "transfer.malformed"} <= seen


def test_a_changed_entry_is_a_digest_mismatch(write, keys):
    """An entry edited into another valid entry no longer matches the sealed digest."""
    package = write(n=3, chunk_size=3)
    lines = lines_of(package.files[0])
    lines[2] = lines[2].replace(b'"coordinator-7"', b'"coordinator-8"', 1)
    _rewrite(package.files[0], lines)
    error = _refused(package.files, keys)
    assert (error.code, error.path) == ("transfer.digest_mismatch", "$.files[0].lines[5].digest")


def test_a_changed_header_is_a_bad_signature(write, keys):
    """Changing the consent reference in a head breaks the chunk's signature."""
    package = write(n=2, chunk_size=2)
    lines = lines_of(package.files[0])
    lines[0] = lines[0].replace(b"consent-2026-0042", b"consent-2026-0043")
    _rewrite(package.files[0], lines)
    error = _refused(package.files, keys)
    assert (error.code, error.path) == (
        "transfer.signature_invalid",
        "$.files[0].lines[4].signature.value",
    )


def test_a_wrong_secret_is_refused(write, keys):
    """A package signed under Hami's key id with another secret does not verify."""
    package = write(n=2, signer=HmacSigner("hami-2026", OTHER_SECRET, party=HAMI))
    assert _refused(package.files, keys).code == "transfer.signature_invalid"


def test_an_unknown_key_is_refused(write, keys):
    """A package signed by a key Beijing does not trust is refused."""
    package = write(n=2, signer=HmacSigner("hami-2027", SECRET, party=HAMI))
    error = _refused(package.files, keys)
    assert (error.code, error.path) == ("transfer.unknown_key", "$.files[0].lines[4].signature.key_id")


def test_a_key_of_another_party_is_refused(write, hami_signer):
    """A package whose header says Hami, signed with a key trusted for Guangzhou, is refused."""
    gz = HmacSigner("gz-1", SECRET, party="gz.volunteer")
    package = write(n=1, chunk_size=1)
    _resign(package.files[0], gz)
    error = _refused(package.files, KeySet([hami_signer, gz]))
    assert error.code == "transfer.wrong_key"


def test_a_truncated_file_is_refused_wherever_it_is_cut(write, keys):
    """A chunk file cut at any byte is refused as truncated."""
    package = write(n=2, chunk_size=2)
    path = package.files[0]
    original = Path(path).read_bytes()
    codes = set()
    for size in range(len(original)):
        Path(path).write_bytes(original[:size])
        codes.add(_refused([path], keys).code)
    assert codes == {"transfer.truncated"}


def test_a_file_cut_after_an_entry_line_is_truncated(write, keys):
    """Dropping the seal (the file ends after a complete entry line) is truncation."""
    package = write(n=2, chunk_size=2)
    lines = lines_of(package.files[0])
    _rewrite(package.files[0], lines[:-1])
    error = _refused(package.files, keys)
    assert (error.code, error.path) == ("transfer.truncated", "$.files[0].lines[4]")


def test_a_missing_chunk_is_refused(write, keys):
    """Two of three chunks do not make a package."""
    package = write(n=5, chunk_size=2)
    error = _refused([package.files[0], package.files[2]], keys)
    assert (error.code, error.path) == ("transfer.chunk_missing", "$.files")
    assert "chunk 2 of 3" in error.message


def test_a_duplicated_chunk_is_refused(write, keys, tmp_path):
    """A chunk given twice (even as a copy under another name) is refused."""
    package = write(n=5, chunk_size=2)
    copy = tmp_path / "copy.jsonl"
    shutil.copy(package.files[1], copy)
    error = _refused([*package.files, str(copy)], keys)
    assert (error.code, error.path) == ("transfer.chunk_duplicate", "$.files[3].lines[1].chunk.number")


def test_a_chunk_of_another_package_is_refused(write, keys):
    """Chunk 2 of another package by the same source cannot stand in for this one's chunk 2."""
    ours = write(n=4, chunk_size=2)
    theirs = write(n=4, chunk_size=2, package_id="0195b7a0-0000-7000-8000-000000000002")
    error = _refused([ours.files[0], theirs.files[1]], keys)
    assert (error.code, error.path) == ("transfer.chunk_foreign", "$.files[1].lines[1].header")


def test_altered_totals_break_the_signature(write, keys):
    """Editing the totals of a head (without the key) breaks the signature."""
    package = write(n=2, chunk_size=2)
    lines = lines_of(package.files[0])
    lines[0] = lines[0].replace(b'"credited_minutes":360', b'"credited_minutes":3600')
    _rewrite(package.files[0], lines)
    assert _refused(package.files, keys).code == "transfer.signature_invalid"


def test_signed_totals_that_do_not_add_up_are_refused(write, keys, hami_signer):
    """Totals signed by the source but not matching its entries are refused."""
    package = write(n=4, chunk_size=2)
    wrong = PackageTotals(entries=4, credited_minutes=721)
    for path in package.files:
        _resign(path, hami_signer, totals=wrong)
    error = _refused(package.files, keys)
    assert (error.code, error.path) == ("transfer.totals_mismatch", "$.files[0].lines[1].totals")


def test_signed_chunk_counts_that_do_not_match_the_lines_are_refused(write, keys, hami_signer):
    """A seal whose signed counts differ from its entry lines is refused."""
    package = write(n=2, chunk_size=2)
    path = package.files[0]
    lines = lines_of(path)
    seal = structure(json.loads(lines[-1]), ChunkSeal)
    head = structure(json.loads(lines[0]), ChunkHead)
    bad = attrs.evolve(seal, entries=3)
    bad = attrs.evolve(
        bad,
        signature=hami_signer.sign(
            chunk_message(
                header_digest=header_digest(head.header),
                totals=head.totals,
                chunk=head.chunk,
                entries=3,
                credited_minutes=seal.credited_minutes,
                entries_digest=seal.digest,
            )
        ),
    )
    lines[-1] = canonical_bytes(unstructure(bad)) + b"\n"
    _rewrite(path, lines)
    assert _refused([path], keys).code == "transfer.totals_mismatch"


def test_repeated_entries_are_refused_even_when_signed(write, keys, hami_signer):
    """An entry repeated in a chunk (re-signed by the source) is refused: ids are unique."""
    package = write(n=2, chunk_size=2)
    _resign(package.files[0], hami_signer, entries=[make_entry(0), make_entry(0)])
    error = _refused(package.files, keys)
    assert (error.code, error.path) == ("transfer.entry_order", "$.files[0].lines[3].id")


def test_chunks_that_overlap_in_ids_are_refused(write, keys, hami_signer):
    """A chunk whose first id is not after the previous chunk's last id is refused."""
    package = write(n=4, chunk_size=2)
    _resign(package.files[1], hami_signer, entries=[make_entry(1), make_entry(3)])
    error = _refused(package.files, keys)
    assert (error.code, error.path) == ("transfer.entry_order", "$.files")


def test_an_unsupported_version_is_refused(write, keys):
    """A head that says format version 2 is refused with its own code."""
    package = write(n=1, chunk_size=1)
    lines = lines_of(package.files[0])
    lines[0] = lines[0].replace(b'"version":1', b'"version":2')
    _rewrite(package.files[0], lines)
    error = _refused(package.files, keys)
    assert (error.code, error.path) == (
        "transfer.unsupported_version",
        "$.files[0].lines[1].header.version",
    )


def test_no_files_and_unreadable_files_are_refused(keys, tmp_path):
    """An empty file list and a missing file are refused with their codes."""
    assert _refused([], keys).code == "transfer.no_files"
    error = _refused([tmp_path / "nope.jsonl"], keys)
    assert (error.code, error.path) == ("transfer.unreadable", "$.files[0]")


def test_a_file_changed_after_verification_is_refused_while_reading(write, keys, hami_signer):
    """read_entries checks every chunk again: a chunk swapped after verify raises."""
    package = write(n=2, chunk_size=2)
    verified = verify_package(package.files, keys)
    _resign(package.files[0], hami_signer, entries=[make_entry(0), make_entry(5)])
    with pytest.raises(PackageRefused) as info:
        list(read_entries(verified, keys))
    assert info.value.code == "transfer.digest_mismatch"


def test_file_names_are_safe():
    """A package id with ':' gives a file name without it."""
    header = make_header(package_id="bj:0001")
    assert chunk_file_name(header, 1, 12) == "transfer-bj_0001-0001-of-0012.jsonl"


# ------------------------------------------------------------------------------------ memory


def _peak(tmp_path: Path, n: int, signer, keys) -> int:
    folder = tmp_path / f"m{n}"
    folder.mkdir()
    tracemalloc.start()
    try:
        package = write_package(
            folder,
            make_header(),
            (make_entry(i, day=i % 40) for i in range(n)),
            signer=signer,
            chunk_size=50,
        )
        verified = verify_package(package.files, keys)
        count = sum(1 for _ in read_entries(verified, keys))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == n
    return peak


def test_memory_does_not_grow_with_the_number_of_entries(tmp_path, hami_signer, keys):
    """Writing, verifying and reading 4N entries peaks at about the memory of N entries."""
    _peak(tmp_path, 100, hami_signer, keys)  # warm the library's bounded caches
    small = _peak(tmp_path, 250, hami_signer, keys)
    large = _peak(tmp_path, 1000, hami_signer, keys)
    assert large < small * 1.25 + 64 * 1024, (small, large)
