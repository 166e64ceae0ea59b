"""The command functions the CLI wires in: JSON-ready reports and exit statuses."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from pathlib import Path

import pytest

from volunteerkit.stores import SQLiteStore
from volunteerkit.testing.conformance_transfer import BEIJING, HAMI, TransferScenario
from volunteerkit.transfer.commands import (
    acknowledge_command,
    export_command,
    import_command,
    load_keys,
    verify_command,
)
from volunteerkit.transfer.errors import TransferInputError


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@pytest.fixture
def setup(tmp_path: Path):
    """Hami and Beijing SQLite stores with the scenario's records, their URLs and keys files."""
    hami_db, bj_db = tmp_path / "hami.db", tmp_path / "bj.db"
    hami, bj = SQLiteStore(hami_db), SQLiteStore(bj_db)
    s = TransferScenario(hami, bj, tmp_path)
    hami.close()
    bj.close()
    secret = b"hami-beijing-shared-secret-0001!"
    hami_keys = tmp_path / "hami-keys.json"
    hami_keys.write_text(json.dumps({
        "party": HAMI,
        "signer": {"algorithm": "hmac-sha256", "key_id": "hami-bj-2026", "secret": _b64(secret)},
        "trusted": [{"party": BEIJING, "algorithm": "ed25519", "key_id": "bj-ed-1",
                     "public_key": _b64(s.beijing_signer.public_key)}],
    }))
    bj_keys = tmp_path / "bj-keys.json"
    bj_keys.write_text(json.dumps({
        "party": BEIJING,
        "signer": {"algorithm": "ed25519", "key_id": "bj-ed-1", "private_key": _b64(bytes(range(1, 33)))},
        "trusted": [{"party": HAMI, "algorithm": "hmac-sha256", "key_id": "hami-bj-2026",
                     "secret": _b64(secret)}],
    }))
    now = s.clock.now() + timedelta(hours=1)
    return s, f"sqlite:///{hami_db}", f"sqlite:///{bj_db}", str(hami_keys), str(bj_keys), now


def _export(setup, tmp_path):
    s, hami_url, _bj, hami_keys, _bk, now = setup
    return export_command(
        hami_url, keys_file=hami_keys, out_dir=str(tmp_path / "out"), volunteer_id=s.hami_volunteer,
        destination=BEIJING, consent="consent-77", chunk_size=2, now=now,
    )


def test_export_verify_import_acknowledge(setup, tmp_path):
    """The four commands move the records and report each step as JSON-ready data."""
    _s, hami_url, bj_url, hami_keys, bj_keys, now = setup
    status, report = _export(setup, tmp_path)
    assert status == 0, report
    assert (report["entries"], report["credited_minutes"], report["chunks"]) == (3, 600, 2)
    assert report["volunteer"] == {
        "masked_number": "650502********0125", "document_scheme": "cn_ric", "unified_number": None
    }
    json.dumps(report)
    status, checked = verify_command(list(reversed(report["files"])), keys_file=bj_keys)
    assert status == 0 and checked["package_id"] == report["package_id"]
    receipt_file = str(tmp_path / "receipt.json")
    status, imported = import_command(
        bj_url, report["files"], keys_file=bj_keys, actor="bj-admin", receipt_out=receipt_file, now=now
    )
    assert status == 0, imported
    assert imported["receipt"]["receipt"]["credited_minutes_imported"] == 600
    assert imported["replayed"] is False
    json.dumps(imported)
    status, again = import_command(bj_url, report["files"], keys_file=bj_keys, now=now)
    assert (status, again["replayed"]) == (0, True)
    status, closed = acknowledge_command(hami_url, receipt_file, keys_file=hami_keys, now=now)
    assert status == 0, closed
    assert closed["steps"] == ["requested", "approved", "exported", "imported", "acknowledged"]


def test_a_tampered_package_is_reported_with_its_code(setup, tmp_path):
    """Verify and import report the refusal (code and path) with exit status 1."""
    _s, _h, bj_url, _hk, bj_keys, now = setup
    _status, report = _export(setup, tmp_path)
    first = Path(report["files"][0])
    first.write_bytes(first.read_bytes().replace(b"community", b"communitx", 1))
    status, checked = verify_command(report["files"], keys_file=bj_keys)
    assert status == 1
    assert checked["error"]["code"] == "transfer.digest_mismatch"
    assert checked["error"]["path"].startswith("$.files[0].lines[")
    status, imported = import_command(bj_url, report["files"], keys_file=bj_keys, now=now)
    assert (status, imported["error"]["code"]) == (1, "transfer.digest_mismatch")


def test_bad_arguments_are_reported(setup, tmp_path):
    """An unknown overlap policy, a half-given new transfer and a broken keys file give status 1."""
    s, hami_url, bj_url, hami_keys, bj_keys, now = setup
    status, report = import_command(bj_url, ["x"], keys_file=bj_keys, overlap="merge", now=now)
    assert (status, report["error"]["code"]) == (1, "transfer.invalid")
    status, report = export_command(
        hami_url, keys_file=hami_keys, out_dir=str(tmp_path / "o"), volunteer_id=s.hami_volunteer
    )
    assert (status, report["error"]["path"]) == (1, "$.transfer_id")
    broken = tmp_path / "broken.json"
    broken.write_text('{"party": "x", "signer": {"algorithm": "rsa"}}')
    status, report = verify_command(["x"], keys_file=str(broken))
    assert (status, report["error"]["code"], report["error"]["path"]) == (
        1, "transfer.key_invalid", "$.signer.algorithm"
    )


def test_an_out_folder_that_cannot_be_made_is_reported(setup, tmp_path):
    """Export to a folder under a regular file reports transfer.unwritable, status 1, no write."""
    s, hami_url, _bj, hami_keys, _bk, now = setup
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    status, report = export_command(
        hami_url, keys_file=hami_keys, out_dir=str(blocker / "out"), volunteer_id=s.hami_volunteer,
        destination=BEIJING, consent="consent-77", now=now,
    )
    assert (status, report["error"]["code"], report["error"]["path"]) == (
        1, "transfer.unwritable", "$.out"
    )


def test_a_receipt_that_cannot_be_written_is_reported_and_the_import_replays(setup, tmp_path):
    """An unwritable --receipt gives status 1 and transfer.unwritable; importing again writes it."""
    _s, _h, bj_url, _hk, bj_keys, now = setup
    _status, report = _export(setup, tmp_path)
    status, failed = import_command(
        bj_url, report["files"], keys_file=bj_keys, receipt_out=str(tmp_path / "no" / "r.json"),
        now=now,
    )
    assert (status, failed["error"]["code"], failed["error"]["path"]) == (
        1, "transfer.unwritable", "$.receipt"
    )
    assert "run the import again" in failed["error"]["message"]
    receipt_file = tmp_path / "r.json"
    status, again = import_command(
        bj_url, report["files"], keys_file=bj_keys, receipt_out=str(receipt_file), now=now
    )
    assert (status, again["replayed"]) == (0, True)
    assert json.loads(receipt_file.read_bytes()) == again["receipt"]


@pytest.mark.parametrize(
    ("content", "path"),
    [
        ({"signer": {"algorithm": "hmac-sha256", "secret": "c2VjcmV0" * 6}}, "$.signer.key_id"),
        ({"trusted": [{"algorithm": "hmac-sha256", "key_id": "k1", "secret": "c2VjcmV0" * 6}]},
         "$.trusted[0].party"),
        ({"trusted": [{"algorithm": "ed25519", "party": "sh.volunteer", "key_id": 7,
                       "public_key": "AAAA" * 11}]}, "$.trusted[0].key_id"),
    ],
)
def test_keys_without_a_key_id_or_party_are_refused(tmp_path, content, path):
    """A key whose key id or party is missing or not text is refused, never read as "None"."""
    keys_file = tmp_path / "keys.json"
    keys_file.write_text(json.dumps({"party": BEIJING, **content}))
    with pytest.raises(TransferInputError) as info:
        load_keys(keys_file)
    assert (info.value.code, info.value.path) == ("transfer.key_invalid", path)


def test_keys_files_are_read_without_showing_secrets(setup):
    """load_keys builds the signer and the trusted keys; their repr holds no key material."""
    _s, _h, _b, hami_keys, _bk, _now = setup
    keys = load_keys(hami_keys)
    assert keys.party == HAMI
    assert keys.signer is not None and keys.signer.key_id == "hami-bj-2026"
    assert "bj-ed-1" in keys.keys
    assert "secret" not in repr(keys) and "hami-beijing" not in repr(keys)
    with pytest.raises(TransferInputError) as info:
        load_keys("/nonexistent/keys.json")
    assert info.value.code == "transfer.key_invalid"


def test_paths_with_a_nul_are_reported_not_raised(setup, tmp_path):
    """A NUL in a folder, receipt or keys path gives a report with status 1, code and path.

    Before, each raised a bare ValueError out of the command function. The import itself is done
    when only its receipt cannot be written (a replay writes the receipt).
    """
    s, hami_url, bj_url, hami_keys, bj_keys, now = setup
    status, report = export_command(
        hami_url, keys_file=hami_keys, out_dir="out\x00", volunteer_id=s.hami_volunteer,
        destination=BEIJING, consent="consent-77", now=now,
    )
    assert (status, report["error"]["code"], report["error"]["path"]) == (
        1, "transfer.unwritable", "$.out"
    )
    _status, exported = _export(setup, tmp_path)
    status, report = verify_command(exported["files"], keys_file="keys\x00.json")
    assert (status, report["error"]["code"], report["error"]["path"]) == (
        1, "transfer.key_invalid", "$"
    )
    status, report = import_command(
        bj_url, exported["files"], keys_file=bj_keys, receipt_out="r\x00.json", now=now
    )
    assert (status, report["error"]["code"], report["error"]["path"]) == (
        1, "transfer.unwritable", "$.receipt"
    )
    status, report = acknowledge_command(hami_url, "r\x00.json", keys_file=hami_keys, now=now)
    assert (status, report["error"]["code"], report["error"]["path"]) == (
        1, "transfer.unreadable", "$.receipt"
    )
    with pytest.raises(TransferInputError) as info:
        load_keys(None)  # type: ignore[arg-type]
    assert (info.value.code, info.value.path) == ("transfer.key_invalid", "$")
