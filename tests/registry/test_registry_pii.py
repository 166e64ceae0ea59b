"""Full identity numbers never appear in reprs, strs, audit entries, error messages or logs.

The test registers volunteers with several kinds of documents (a citizen number given in its
15-digit form, a residence permit, a 2023 permanent-residence card, a passport MRZ, an HKID, a
minor with a guardian's document), provokes errors that involve the numbers, and then scans every
text the library produced. At rest, the SQLite file holds no number when an encryption key is
given, and holds the plain canonical number when none is (the documented trade-off).
"""

from __future__ import annotations

import json
import logging
import pickle
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from volunteerkit import FixedClock, to_json
from volunteerkit.errors import VolunteerkitError
from volunteerkit.registry import (
    ConsentMethod,
    DuplicateAction,
    Guardian,
    GuardianConsent,
    GuardianRelationship,
    Keyring,
    RegistrationPolicy,
    Registry,
    VolunteerApplication,
    identity,
)
from volunteerkit.registry.identity import IdentityDocument, cn_ric
from volunteerkit.stores import MemoryStore, SQLiteStore

CST = timezone(timedelta(hours=8))
NOW = datetime(2026, 11, 28, 9, 0, tzinfo=CST)
WINDOW = 8


def ric(born: date, sequence: int) -> str:
    body = f"110105{born:%Y%m%d}{sequence:03d}"
    return body + cn_ric.calc_check_digit(body)


MINOR = ric(date(2011, 6, 1), 21)
PARENT = ric(date(1980, 3, 5), 22)
MRZ = "P<CHNZHANG<<SAN<<<<<<<<<<<<<<<<<<<<<<<<<<<<<\nEA12345676CHN9001011M3001019<<<<<<<<<<<<<<04"
EXPIRED_MRZ = (
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10"
)
NUMBERS = [
    "11010519491231002X",
    "110105491231002",
    "810000199408230021",
    "911398199012310021",
    "A1234563",
    "A123456(3)",
    MINOR,
    PARENT,
    MRZ,
    EXPIRED_MRZ,
]


def pieces(number: str) -> set[str]:
    """The number, its lines (an MRZ), and every stretch of WINDOW characters of it."""
    out = {number, *number.split("\n")}
    compact = number.replace("\n", "")
    out.update(compact[i : i + WINDOW] for i in range(len(compact) - WINDOW + 1))
    return {p for p in out if len(p) >= WINDOW}


def leaks(text: str) -> list[str]:
    return sorted({p for n in NUMBERS for p in pieces(n) if p in text})


def error_texts(err: BaseException) -> list[str]:
    texts = [str(err), repr(err), str(err.args)]
    if isinstance(err, VolunteerkitError):
        texts += [err.message, err.message_zh, json.dumps(err.to_dict(), ensure_ascii=False)]
        texts.append(repr(pickle.loads(pickle.dumps(err)).__dict__))
    return texts


def guardian() -> Guardian:
    return Guardian(
        name="王芳",
        relationship=GuardianRelationship.PARENT,
        phone="+8618612345678",
        document=identity.parse("cn_ric", PARENT),
        consent=GuardianConsent(given_at=NOW, method=ConsentMethod.WRITTEN),
    )


def applications() -> list[VolunteerApplication]:
    def a(scheme: str, number: str, **kw: Any) -> VolunteerApplication:
        return VolunteerApplication(name="测试", document=identity.parse(scheme, number), **kw)

    return [
        a("cn_ric", "110105491231002", phone="13123456789"),
        a("cn_hmt_residence_permit", "810000199408230021"),
        a("cn_foreign_pr", "911398199012310021", languages=["kk", "ru"]),
        a("icao_td3_mrz", MRZ),
        a("hk_hkid", "A123456(3)", birth_date=date(1999, 9, 9)),
        a("cn_ric", MINOR, guardian=guardian()),
    ]


def exercise(
    registry: Registry, store: Any, keyring: Keyring, collect: Callable[[object], None]
) -> list[BaseException]:
    """Register, duplicate, merge, fail in many ways; collect every object shown; return errors."""
    org = registry.register_organization(name="朝阳区志愿者协会", uscc="52110105MJ0123456N")
    collect(org)
    ids = []
    for application in applications():
        collect(application)
        result = registry.register_volunteer(application, organization_id=org.id)
        collect(result)
        collect(result.volunteer)
        collect(result.volunteer.document)
        collect(result.volunteer.guardian)
        ids.append(result.volunteer.id)
    again = registry.register_volunteer(
        VolunteerApplication(name="测试", document=identity.parse("cn_ric", "11010519491231002X"))
    )
    collect(again)
    collect(registry.get(ids[0]))
    collect(registry.find_by_document(identity.parse("cn_ric", "110105491231002")))
    collect(list(registry.volunteers()))
    collect(list(store.volunteers.iter()))
    collect(registry.memberships(ids[0]))
    collect(registry)
    errors: list[BaseException] = []

    def expect(fn: Callable[[], object]) -> None:
        try:
            fn()
        except VolunteerkitError as err:
            errors.append(err)
        else:  # pragma: no cover - every call below must fail
            raise AssertionError("expected an error")

    def attempt(document: IdentityDocument, **kw: Any) -> Callable[[], object]:
        application = VolunteerApplication(name="x", document=document, **kw)
        return lambda: registry.register_volunteer(application)

    expect(attempt(identity.parse("cn_ric", MINOR)))
    expect(attempt(identity.parse("icao_td3_mrz", EXPIRED_MRZ)))
    expect(attempt(identity.parse("cn_ric", "11010519491231002X"), birth_date=date(1950, 1, 1)))
    expect(attempt(IdentityDocument(scheme="cn_ric", number="110105194912310028")))
    expect(attempt(identity.parse("cn_ric", ric(date(2025, 1, 1), 1))))
    expect(lambda: registry.merge(ids[0], ids[1]))
    refusing = Registry(
        store,
        clock=FixedClock(NOW),
        keyring=keyring,
        policy=RegistrationPolicy(on_duplicate=DuplicateAction.REFUSE),
    )
    expect(lambda: refusing.register_volunteer(
        VolunteerApplication(name="x", document=identity.parse("cn_ric", "110105491231002"))))  # fmt: skip
    expect(lambda: identity.validate("cn_ric", "110105194912310028"))
    registry.anonymise(ids[5])
    collect(registry.get(ids[5]))
    return errors


@pytest.fixture(params=["memory-encrypted", "memory-plain", "sqlite-encrypted", "sqlite-plain"])
def setup(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[Any, Keyring, Path | None]]:
    backend, mode = request.param.split("-")
    keyring = (
        Keyring({"i1": bytes(range(32))}, encryption_keys={"e1": bytes(range(32, 64))})
        if mode == "encrypted"
        else Keyring({"i1": bytes(range(32))})
    )
    path = tmp_path / "registry.db" if backend == "sqlite" else None
    store: Any = MemoryStore() if path is None else SQLiteStore(path)
    yield store, keyring, path
    store.close()


def test_no_full_number_in_reprs_audit_errors_or_logs(
    setup: tuple[Any, Keyring, Path | None], caplog: pytest.LogCaptureFixture
) -> None:
    """Every repr/str, audit entry, error text and log line is free of the full numbers."""
    store, keyring, _ = setup
    registry = Registry(store, clock=FixedClock(NOW), keyring=keyring)
    shown: list[str] = []

    def collect(obj: object) -> None:
        shown.extend([repr(obj), str(obj)])

    with caplog.at_level(logging.DEBUG, logger="volunteerkit"):
        errors = exercise(registry, store, keyring, collect)
    assert len(errors) == 8
    assert {getattr(e, "code", "") for e in errors} >= {
        "registry.guardian_consent_required",
        "registry.document_expired",
        "registry.birth_date_mismatch",
        "identity.checksum",
        "registry.too_young",
        "registry.merge_mismatch",
        "registry.duplicate",
    }
    audit = [to_json(entry) for entry in store.audit.query()]
    assert len(audit) == 15  # 1 organization, 6 x (register + join), 1 existing, 1 anonymise
    logs = [record.getMessage() for record in caplog.records]
    assert any("110105********002X" in line for line in logs)
    texts = shown + audit + logs + [t for err in errors for t in error_texts(err)]
    found = {text: leaks(text) for text in texts if leaks(text)}
    assert found == {}
    masked_in_audit = [json.loads(a)["details"].get("document") for a in audit]
    assert "110105********002X" in masked_in_audit


@pytest.mark.parametrize("encrypted", [True, False])
def test_sqlite_file_holds_numbers_only_without_a_key(tmp_path: Path, encrypted: bool) -> None:
    """With an encryption key no number is in the database file; without one it is (documented)."""
    path = tmp_path / "registry.db"
    keyring = (
        Keyring({"i1": bytes(range(32))}, encryption_keys={"e1": bytes(range(32, 64))})
        if encrypted
        else Keyring({"i1": bytes(range(32))})
    )
    store = SQLiteStore(path)
    registry = Registry(store, clock=FixedClock(NOW), keyring=keyring)
    for application in applications():
        registry.register_volunteer(application)
    store.close()
    data = b"".join(p.read_bytes() for p in path.parent.iterdir() if p.name.startswith(path.name))
    canonical = [b"11010519491231002X", b"810000199408230021", MINOR.encode(), PARENT.encode()]
    present = [n for n in canonical if n in data]
    assert present == ([] if encrypted else canonical)
