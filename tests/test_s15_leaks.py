"""S15: full identity numbers never reach an error, its chain, or a repr (audit leaks 1 to 5).

``raise ... from None`` only hides the handled exception from the printed traceback: it stays on
the new error as ``__context__``, where anything that walks the chain (an error reporter, a
debugger, ``err.__context__``) finds it. These tests walk ``__cause__`` and ``__context__`` whether
suppressed or not, and look at each error's repr, str, args and attributes.
"""

from __future__ import annotations

import io
import traceback
from datetime import UTC, datetime
from typing import Any

import pytest

from volunteerkit import FixedClock
from volunteerkit.errors import SerializationError, VolunteerkitError
from volunteerkit.hours.bulk import BulkError, _load_line, import_entries
from volunteerkit.registry import Registry
from volunteerkit.registry.privacy import Keyring
from volunteerkit.stores.memory import MemoryStore

N = "360426199101010071"
"""A valid Chinese resident identity number (test data)."""
MASKED = "360426********0071"
DIGITS = N[6:14]
"""The digits a mask hides: none of them may show anywhere."""


def chain(err: BaseException) -> list[BaseException]:
    """``err`` and every error reachable through ``__cause__`` and ``__context__``."""
    found: list[BaseException] = []
    todo: list[BaseException | None] = [err]
    while todo:
        item = todo.pop()
        if item is None or any(item is seen for seen in found):
            continue
        found.append(item)
        todo += [item.__cause__, item.__context__]
    return found


def texts(err: BaseException) -> list[str]:
    """What anyone holding ``err`` can read: the whole chain, printed or walked."""
    out = ["".join(traceback.format_exception(err))]
    for item in chain(err):
        out += [repr(item), str(item), repr(item.args)]
        out += [repr(value) for value in vars(item).values()]
    return out


def assert_no_number(err: BaseException) -> None:
    """The number, and the digits its mask hides, appear nowhere in or behind ``err``."""
    for text in texts(err):
        assert N not in text
        assert DIGITS not in text
    assert chain(err) == [err]


# --------------------------------------------------------------------------------------------
# leak 2: the memory stores' not-found errors kept the KeyError holding the id given


def _registry(store: MemoryStore) -> Registry:
    return Registry(
        store,
        clock=FixedClock(datetime(2026, 11, 28, tzinfo=UTC)),
        keyring=Keyring({"i1": bytes(32)}, encryption_keys={"e1": bytes(32)}),
    )


def test_registry_get_of_a_number_keeps_no_key_error() -> None:
    """Registry.get(N) on a memory store: the not-found error has no KeyError(N) behind it."""
    with pytest.raises(VolunteerkitError) as info:
        _registry(MemoryStore()).get(N)
    assert (info.value.code, info.value.path) == ("registry.volunteer_not_found", "$.volunteer_id")
    assert info.value.__context__ is None
    assert_no_number(info.value)


@pytest.mark.parametrize(
    ("lookup", "code", "path"),
    [
        (lambda s: s.volunteers.get(N), "registry.volunteer_not_found", None),
        (lambda s: s.organizations.get(N), "registry.organization_not_found", None),
        (lambda s: s.memberships.get(N), "registry.membership_not_found", None),
        (lambda s: s.audit.get(N), "audit.not_found", None),
        (lambda s: s.matching.get_project(N), "matching.not_found", "$.project_id"),
        (lambda s: s.matching.get_slot(N), "matching.not_found", "$.slot_id"),
        (lambda s: s.matching.get_shift(N), "matching.not_found", "$.shift_id"),
    ],
)
def test_memory_store_not_found_keeps_no_key_error(lookup: Any, code: str, path: str | None) -> None:
    """Each memory repository's get(N) raises its not-found error with nothing chained."""
    with pytest.raises(VolunteerkitError) as info:
        lookup(MemoryStore())
    assert (info.value.code, info.value.path) == (code, path)
    assert_no_number(info.value)


# --------------------------------------------------------------------------------------------
# leak 3: a JSON Lines row with a key twice, or malformed, kept the decoder's error behind ours


def test_bulk_duplicate_key_keeps_no_decoder_error() -> None:
    """A row with the key N twice: bulk.duplicate_key at the masked key, nothing chained."""
    with pytest.raises(BulkError) as info:
        _load_line(f'{{"{N}": 1, "{N}": 2}}')
    assert (info.value.code, info.value.path) == ("bulk.duplicate_key", f"$['{MASKED}']")
    assert (info.value.message, info.value.message_zh) == (
        "the key appears more than once",
        "该键出现了不止一次",
    )
    assert_no_number(info.value)


def test_bulk_malformed_line_keeps_no_decoder_error() -> None:
    """A malformed row holding N: serialization.json, without the decoder's error (its doc)."""
    with pytest.raises(SerializationError) as info:
        _load_line(f'{{"volunteer_id": "{N}", ')
    assert (info.value.code, info.value.path) == ("serialization.json", None)
    assert_no_number(info.value)


@pytest.mark.parametrize(("option", "path"), [("format", "$.format"), ("mode", "$.mode")])
def test_bulk_option_given_a_number_keeps_no_value_error(option: str, path: str) -> None:
    """import_entries(format=N) or (mode=N): bulk.invalid_option, without ValueError(N)."""
    kwargs: dict[str, Any] = {"format": "jsonl", option: N}
    with pytest.raises(BulkError) as info:
        import_entries(io.StringIO(""), sink=None, actor="a", **kwargs)  # type: ignore[arg-type]
    assert (info.value.code, info.value.path) == ("bulk.invalid_option", path)
    assert_no_number(info.value)
