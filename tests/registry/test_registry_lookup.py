"""Registry.find_by_document: typed errors for bad arguments, canonical numbers, no leaks."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest

from volunteerkit import FixedClock
from volunteerkit.errors import InvalidInputError
from volunteerkit.registry import Keyring, Registry, VolunteerApplication, identity
from volunteerkit.registry.identity import IdentityDocument
from volunteerkit.stores import MemoryStore, SQLiteStore

CST = timezone(timedelta(hours=8))
NOW = datetime(2026, 11, 28, 9, 0, tzinfo=CST)
# GB 11643-1999's worked example and its 15-digit first-generation form (identity.md section 1).
NUMBER = "11010519491231002X"


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def registry(request: pytest.FixtureRequest) -> Registry:
    if request.param == "postgres":  # a fresh schema on the session's server
        store: Any = request.getfixturevalue("make_postgres_store")()
    else:
        store = MemoryStore() if request.param == "memory" else SQLiteStore(":memory:")
    return Registry(
        store,
        clock=FixedClock(NOW),
        keyring=Keyring({"i1": bytes(32)}, encryption_keys={"e1": bytes(32)}),
    )


@pytest.mark.parametrize(
    "number",
    [
        "11010519491231002x",
        "110105491231002",
        "１１０１０５１９４９１２３１００２Ｘ",
        "110105 19491231 002X",
    ],
)
def test_a_hand_built_document_with_a_non_canonical_number_finds_the_volunteer(
    registry: Registry, number: str
) -> None:
    """A document built without parse (from stored JSON, say) is canonicalized before lookup.

    Before, a lower-case ``x`` or the 15-digit form missed the volunteer, and full-width digits
    raised a bare ``UnicodeEncodeError`` that carried the whole number in its args.
    """
    registered = registry.register_volunteer(
        VolunteerApplication(name="张丽", document=identity.parse("cn_ric", NUMBER))
    ).volunteer
    found = registry.find_by_document(IdentityDocument(scheme="cn_ric", number=number))
    assert found is not None and found.id == registered.id


@pytest.mark.parametrize("document", [NUMBER, None, 42])
def test_something_else_than_a_document_is_a_typed_error(
    registry: Registry, document: object
) -> None:
    """A string, None or a number gives registry.document at $.document, not AttributeError."""
    with pytest.raises(InvalidInputError) as caught:
        registry.find_by_document(document)  # type: ignore[arg-type]
    assert (caught.value.code, caught.value.path) == ("registry.document", "$.document")
    assert NUMBER not in repr(caught.value.args)


def test_an_invalid_hand_built_number_is_a_typed_error_without_the_number(
    registry: Registry,
) -> None:
    """A hand-built document whose number is not valid gives its identity.* error at $.document.

    The check character of 110105194912310019 is wrong (it should be 8).
    """
    with pytest.raises(InvalidInputError) as caught:
        registry.find_by_document(IdentityDocument(scheme="cn_ric", number="110105194912310019"))
    err = caught.value
    assert (err.code, err.path) == ("identity.checksum", "$.document")
    text = " ".join(
        [str(err), repr(err), repr(err.args), repr(err.__context__), repr(err.__cause__)]
    )
    assert "110105194912310019" not in text


@contextlib.contextmanager
def _as_earlier_versions(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Index documents as given, as versions before the joined forms did."""
    import volunteerkit.registry.privacy as privacy

    with monkeypatch.context() as older:
        older.setattr(privacy, "_index_forms", lambda scheme, number: ((scheme, number), ()))
        yield


def _permit(number: str) -> VolunteerApplication:
    return VolunteerApplication(
        name="陈家明",
        document=identity.parse("cn_hk_macau_mainland_permit", number),
        birth_date=date(1990, 5, 1),  # the permit number carries none
    )


def test_the_9_and_11_character_forms_of_a_hk_macau_permit_are_one_person(
    registry: Registry,
) -> None:
    """H12345678 and H1234567802 (its second card's issue count) register one volunteer.

    The 11-character form is the 9-character lifetime number and a 2-digit issue count
    (identity.md section 2), so every form of the same 9 finds the same person.
    """
    first = registry.register_volunteer(_permit("H1234567802"))
    again = registry.register_volunteer(_permit("H12345678"))
    assert first.created and not again.created
    assert again.volunteer.id == first.volunteer.id
    for number in ("H1234567800", "h12345678", "H1234567802"):
        found = registry.find_by_document(
            identity.parse("cn_hk_macau_mainland_permit", number)
        )
        assert found is not None and found.id == first.volunteer.id
    other = registry.register_volunteer(_permit("M12345678"))  # Macao: another person
    assert other.created


def test_a_permit_indexed_as_given_by_an_older_release_is_still_found(
    registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Records written when the index covered the number as given are found by either form."""
    with _as_earlier_versions(monkeypatch):  # the index over the 11 characters
        legacy = registry.register_volunteer(_permit("H1234567802")).volunteer
    for number in ("H12345678", "H1234567802"):
        found = registry.find_by_document(
            identity.parse("cn_hk_macau_mainland_permit", number)
        )
        assert found is not None and found.id == legacy.id
    assert not registry.register_volunteer(_permit("H12345678")).created
    renewed = registry.register_volunteer(_permit("H1234567803"))  # the next card
    assert not renewed.created and renewed.volunteer.id == legacy.id


def _rotated(registry: Registry) -> Registry:
    """The same store with a new current index key (i2), as after a key rotation."""
    ring = Keyring(
        {"i1": bytes(32), "i2": bytes([2]) * 32},
        current_index_key="i2",
        encryption_keys={"e1": bytes(32)},
    )
    return Registry(registry._store, clock=FixedClock(NOW), keyring=ring)


def test_rekey_keeps_apart_the_records_an_earlier_version_made_of_one_permit(
    registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two records of one 回乡证 (two issue counts, indexed as given) survive a rekey, both found.

    The first takes the joined index under the new key; the second, which would share it, keeps
    its number as given, until an administrator merges the two.
    """
    with _as_earlier_versions(monkeypatch):
        first = registry.register_volunteer(_permit("H1234567801")).volunteer
        second = registry.register_volunteer(_permit("H1234567802")).volunteer
    assert first.id != second.id
    rotated = _rotated(registry)
    assert rotated.rekey() == 2
    assert rotated.rekey() == 0  # every record is on the new key
    held = {
        number: rotated.find_by_document(identity.parse("cn_hk_macau_mainland_permit", number))
        for number in ("H12345678", "H1234567801", "H1234567802")
    }
    assert {v.id for v in held.values() if v is not None} <= {first.id, second.id}
    assert all(v is not None for v in held.values())
    records = {rec.id: rec for rec in registry._store.volunteers.iter()}
    assert {records[first.id].index_key_id, records[second.id].index_key_id} == {"i2"}
    assert records[first.id].document_index != records[second.id].document_index


def test_rekey_keeps_apart_a_whole_mrz_record_and_the_typed_number_of_its_passport(
    registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The record whose document is already in the joined form takes the joined index."""
    with _as_earlier_versions(monkeypatch):
        by_mrz = registry.register_volunteer(_by_mrz()).volunteer
    typed = registry.register_volunteer(  # the whole-MRZ index does not find it: a second record
        VolunteerApplication(
            name="张三",
            document=identity.parse("cn_passport_number", "EA1234567"),
            birth_date=date(1990, 1, 1),
        )
    ).volunteer
    assert typed.id != by_mrz.id
    rotated = _rotated(registry)
    assert rotated.rekey() == 2
    found = rotated.find_by_document(identity.parse("cn_passport_number", "EA1234567"))
    assert found is not None and found.id == typed.id
    found = rotated.find_by_document(identity.parse("icao_td3_mrz", CHN_MRZ))
    assert found is not None and found.id in {typed.id, by_mrz.id}


# A synthetic PRC passport MRZ (identity-vectors.json): document number EA1234567, born 1990-01-01.
CHN_MRZ = (
    "P<CHNZHANG<<SAN<<<<<<<<<<<<<<<<<<<<<<<<<<<<<\nEA12345676CHN9001011M3001019<<<<<<<<<<<<<<04"
)


def _by_mrz() -> VolunteerApplication:
    return VolunteerApplication(name="张三", document=identity.parse("icao_td3_mrz", CHN_MRZ))


def test_a_prc_passport_by_mrz_and_by_typed_number_is_one_person(registry: Registry) -> None:
    """The MRZ's document number is the typed passport number: one volunteer, found by both."""
    by_mrz = registry.register_volunteer(_by_mrz())
    typed = registry.register_volunteer(
        VolunteerApplication(
            name="张三",
            document=identity.parse("cn_passport_number", "ea1234567"),
            birth_date=date(1990, 1, 1),
        )
    )
    assert by_mrz.created and not typed.created
    assert typed.volunteer.id == by_mrz.volunteer.id
    found = registry.find_by_document(identity.parse("icao_td3_mrz", CHN_MRZ))
    assert found is not None and found.id == by_mrz.volunteer.id


def test_an_mrz_indexed_whole_by_an_earlier_version_is_found_by_its_mrz(
    registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Records indexed over the whole MRZ are still found by it (a typed number cannot rebuild it)."""
    with _as_earlier_versions(monkeypatch):
        legacy = registry.register_volunteer(_by_mrz()).volunteer
    found = registry.find_by_document(identity.parse("icao_td3_mrz", CHN_MRZ))
    assert found is not None and found.id == legacy.id
    assert registry.find_by_document(identity.parse("cn_passport_number", "EA1234567")) is None
