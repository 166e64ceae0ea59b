"""Arguments of the wrong kind are typed transfer errors with a code and a path.

Before, a chunk path with a NUL character raised a bare ``ValueError`` and one with a lone
surrogate a ``UnicodeEncodeError`` (a missing file was already ``transfer.unreadable``);
``acknowledge`` given the receipt's bytes raised ``AttributeError``; ``export`` with no folder
raised ``TypeError``, and with an empty one wrote the package into the current folder;
``receipt_bytes(None)`` returned the bytes of JSON ``null``; and the command functions let the
same ``ValueError`` out of their reports.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from volunteerkit.stores import MemoryStore
from volunteerkit.testing.conformance_transfer import TransferScenario
from volunteerkit.transfer.errors import PackageRefused, TransferInputError
from volunteerkit.transfer.models import RejectReason
from volunteerkit.transfer.package import (
    load_receipt,
    receipt_bytes,
    verify_package,
    write_package,
)
from volunteerkit.transfer.workflow import TransferState


@pytest.fixture
def s(tmp_path: Path) -> TransferScenario:
    """Hami and Beijing on memory stores."""
    return TransferScenario(MemoryStore(), MemoryStore(), tmp_path)


READS = {
    "verify": lambda s, files: s.beijing.verify(files),
    "verify_package": lambda s, files: verify_package(files, s.beijing._keys),
    "import_package": lambda s, files: s.beijing.import_package(files, actor="bj-admin"),
    "reject_package": lambda s, files: s.beijing.reject_package(
        files, actor="bj-admin", reason_code=RejectReason.OTHER
    ),
}


@pytest.mark.parametrize("read", sorted(READS))
@pytest.mark.parametrize(
    "bad", ["a\x00b.jsonl", "\ud800.jsonl", b"a\x00b.jsonl", Path("a\x00b.jsonl")]
)
def test_a_path_that_cannot_be_opened_is_transfer_unreadable(s, read, bad):
    """A NUL or a lone surrogate in a chunk path is transfer.unreadable at its index, like a missing file.

    Nothing is written.
    """
    files = s.export(chunk_size=3)
    before = s.beijing_counts()
    with pytest.raises(PackageRefused) as caught:
        READS[read](s, [files[0], bad])
    assert (caught.value.code, caught.value.path) == ("transfer.unreadable", "$.files[1]")
    assert s.beijing_counts() == before


@pytest.mark.parametrize("read", sorted(READS))
@pytest.mark.parametrize("bad", [None, 7, ["x.jsonl"], True])
def test_an_item_that_is_not_a_path_is_transfer_invalid(s, read, bad):
    """A chunk 'path' that is not text, bytes or a path object is transfer.invalid at its index."""
    files = s.export(chunk_size=3)
    before = s.beijing_counts()
    with pytest.raises(TransferInputError) as caught:
        READS[read](s, [files[0], bad])
    assert (caught.value.code, caught.value.path) == ("transfer.invalid", "$.files[1]")
    assert s.beijing_counts() == before


@pytest.mark.parametrize("read", sorted(READS))
@pytest.mark.parametrize("one", ["str", "bytes", "Path", 7, 1.5])
def test_one_path_instead_of_a_list_is_transfer_invalid(s, read, one):
    """``paths`` must be a collection of paths: one path (or a number) is transfer.invalid at $.files.

    Before, a single path given as text was read as a list of one-character paths.
    """
    files = s.export(chunk_size=3)
    paths = {"str": files[0], "bytes": os.fsencode(files[0]), "Path": Path(files[0])}.get(one, one)
    with pytest.raises(TransferInputError) as caught:
        READS[read](s, paths)
    assert (caught.value.code, caught.value.path) == ("transfer.invalid", "$.files")


def test_paths_given_as_bytes_are_exported_to_and_imported(s):
    """Bytes name the same folder and files as text: export writes there, import reads them.

    Before, ``export`` raised a bare ``TypeError`` for a folder given as bytes, and ``verify``
    read chunk paths given as bytes but the import reread each chunk under the text of the bytes
    object (``"b'/tmp/...'"``) and refused the package as transfer.unreadable.
    """
    s.export()
    t = s.hami.request(s.hami_volunteer, destination="bj.volunteer-cloud", consent="c", actor="v")
    s.hami.approve(t.id, actor="hami-admin")
    (s.folder / "bytes").mkdir()
    written = s.hami.export(t.id, os.fsencode(s.folder / "bytes"), actor="hami-admin", chunk_size=2)
    files = written.package.files
    assert [Path(f).parent for f in files] == [s.folder / "bytes"] * 2
    result = s.beijing.import_package([os.fsencode(f) for f in files], actor="bj-admin")
    receipt = result.receipt.receipt
    assert (receipt.entries_imported, receipt.credited_minutes_imported) == (3, 600)


@pytest.mark.parametrize("kind", ["bytes", "receipt", "dict", "none"])
def test_acknowledge_takes_a_signed_receipt_only(s, kind):
    """Anything but a SignedReceipt (its bytes, the unsigned receipt) is transfer.invalid at $.

    The transfer at Hami is left as it was.
    """
    signed = s.beijing.import_package(s.export(), actor="bj-admin").receipt
    given = {
        "bytes": receipt_bytes(signed),
        "receipt": signed.receipt,
        "dict": {"receipt": signed.receipt, "signature": signed.signature},
        "none": None,
    }[kind]
    before = s.hami_store.transfers.get(s.transfer_id)
    with pytest.raises(TransferInputError) as caught:
        s.hami.acknowledge(given, actor="hami-admin")
    assert (caught.value.code, caught.value.path) == ("transfer.invalid", "$")
    assert s.hami_store.transfers.get(s.transfer_id) == before
    assert s.hami.acknowledge(load_receipt(receipt_bytes(signed)), actor="hami-admin").state is (
        TransferState.ACKNOWLEDGED
    )


FOLDERS = [
    (None, "transfer.invalid"),
    (7, "transfer.invalid"),
    (["out"], "transfer.invalid"),
    (b"out\x00", "transfer.unwritable"),
    ("", "transfer.unwritable"),
    ("out\x00", "transfer.unwritable"),
    ("\ud800", "transfer.unwritable"),
    (Path("out\x00"), "transfer.unwritable"),
]


@pytest.mark.parametrize(("folder", "code"), FOLDERS)
def test_export_refuses_a_folder_that_is_not_one(s, monkeypatch, tmp_path, folder, code):
    """No folder, or one no file can be written in, is refused at $.directory; nothing is recorded.

    An empty path is refused rather than read as the current folder.
    """
    monkeypatch.chdir(tmp_path)
    s.export()
    t = s.hami.request(s.hami_volunteer, destination="bj.volunteer-cloud", consent="c", actor="v")
    s.hami.approve(t.id, actor="hami-admin")
    before = (os.listdir(tmp_path), s.hami_store.transfers.get(t.id), s.hami_store.audit.count())
    with pytest.raises(TransferInputError) as caught:
        s.hami.export(t.id, folder, actor="hami-admin")
    assert (caught.value.code, caught.value.path) == (code, "$.directory")
    after = (os.listdir(tmp_path), s.hami_store.transfers.get(t.id), s.hami_store.audit.count())
    assert after == before


@pytest.mark.parametrize(("folder", "code"), FOLDERS)
def test_write_package_refuses_a_folder_that_is_not_one(s, monkeypatch, tmp_path, folder, code):
    """write_package refuses the same folders as export, with the same codes, writing nothing."""
    monkeypatch.chdir(tmp_path)
    package = s.beijing.verify(s.export())
    before = os.listdir(tmp_path)
    with pytest.raises(TransferInputError) as caught:
        write_package(folder, package.header, [], signer=s.hami_signer)
    assert (caught.value.code, caught.value.path) == (code, "$.directory")
    assert os.listdir(tmp_path) == before


@pytest.mark.parametrize("given", [None, "text", {"receipt": 1}, 7])
def test_receipt_bytes_takes_a_signed_receipt_only(given):
    """Anything but a SignedReceipt is transfer.invalid at $ (None gave the bytes of JSON null)."""
    with pytest.raises(TransferInputError) as caught:
        receipt_bytes(given)
    assert (caught.value.code, caught.value.path) == ("transfer.invalid", "$")


@pytest.mark.parametrize("given", [None, "{}", 7, ["{}"]])
def test_load_receipt_takes_bytes_only(given):
    """load_receipt reads bytes: text or anything else is transfer.invalid at $, not a bare error."""
    with pytest.raises(TransferInputError) as caught:
        load_receipt(given)
    assert (caught.value.code, caught.value.path) == ("transfer.invalid", "$")
