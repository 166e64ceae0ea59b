"""Keyring.index, index_candidates and seal refuse what is not a parsed document, without leaks.

Before, a hand-built document with full-width digits raised a bare ``UnicodeEncodeError`` whose
``args`` quote the whole number, and a document without a number raised ``AttributeError``.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from volunteerkit.errors import InvalidInputError
from volunteerkit.registry import Keyring, identity
from volunteerkit.registry.identity import IdentityDocument

RING = Keyring({"i1": bytes(32)}, encryption_keys={"e1": bytes(32)})
FULL_WIDTH = "１１０１０５１９４９１２３１００２Ｘ"  # GB 11643's example 11010519491231002X

CALLS: dict[str, Callable[[object], object]] = {
    "index": lambda d: RING.index(d),  # type: ignore[arg-type]
    "index_candidates": lambda d: RING.index_candidates(d),  # type: ignore[arg-type]
    "seal": lambda d: RING.seal(d, context="v/document"),  # type: ignore[arg-type]
}


@pytest.mark.parametrize("call", sorted(CALLS))
@pytest.mark.parametrize(
    "document",
    [
        IdentityDocument(scheme="cn_ric", number=FULL_WIDTH),
        IdentityDocument(scheme="cn_ric", number=None),  # type: ignore[arg-type]
        IdentityDocument(scheme=None, number="11010519491231002X"),  # type: ignore[arg-type]
        "11010519491231002X",
        None,
    ],
    ids=["full-width", "no-number", "no-scheme", "str", "none"],
)
def test_not_a_parsed_document_is_a_typed_error_without_the_number(
    call: str, document: object
) -> None:
    """Each call raises registry.document at $.document; nothing in the error holds the number."""
    with pytest.raises(InvalidInputError) as caught:
        CALLS[call](document)
    err = caught.value
    assert (err.code, err.path) == ("registry.document", "$.document")
    assert err.__context__ is None and err.__cause__ is None
    text = f"{err} {err!r} {err.args!r} {err.to_dict()!r}"
    assert FULL_WIDTH not in text and "11010519491231002X" not in text


def test_a_parsed_document_still_indexes_and_seals() -> None:
    """A document from parse gives the same index as before and seals as before."""
    document = identity.parse("cn_ric", FULL_WIDTH)
    assert RING.index(document) == RING.index_candidates(document)[0]
    sealed = RING.seal(document, context="v/document")
    assert RING.open(sealed, context="v/document") == "11010519491231002X"
