"""Registry.find_by_document: typed errors for bad arguments, canonical numbers, no leaks."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

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


@pytest.fixture(params=["memory", "sqlite"])
def registry(request: pytest.FixtureRequest) -> Registry:
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
