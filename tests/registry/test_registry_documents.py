"""Documents come back from the stores as they were registered, on every store.

An MRZ gives a two-digit birth year; its century is inferred against the expiry date and, with a
clock, today's date (``icao_td3_mrz``). The registry parsed a stored MRZ again without a clock, so a
volunteer born in 1930 with a passport valid until 2035 came back with ``birth_date`` 1930-01-01
and ``document.birth_date`` 2030-01-01, a date in the future.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import attrs
import pytest

from volunteerkit import FixedClock
from volunteerkit.registry import (
    ConsentMethod,
    Guardian,
    GuardianConsent,
    GuardianRelationship,
    Keyring,
    Registry,
    VolunteerApplication,
    identity,
)
from volunteerkit.registry.identity import icao_td3_mrz
from volunteerkit.stores import MemoryStore, SQLiteStore

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=timezone(timedelta(hours=8)))


def mrz(birth: str, expiry: str) -> str:
    """A TD3 MRZ of the ICAO specimen with another birth and expiry date, check digits computed."""
    number = "L898902C3" + icao_td3_mrz.calc_check_digit("L898902C3")
    born = birth + icao_td3_mrz.calc_check_digit(birth)
    expires = expiry + icao_td3_mrz.calc_check_digit(expiry)
    optional = "ZE184226B<<<<<" + icao_td3_mrz.calc_check_digit("ZE184226B<<<<<")
    composite = icao_td3_mrz.calc_check_digit(number + born + expires + optional)
    line2 = number + "UTO" + born + "F" + expires + optional + composite
    return "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n" + line2


@pytest.fixture(
    params=[
        "memory",
        "sqlite",
        pytest.param("postgres", marks=pytest.mark.postgres),
        "sqlite-encrypted",
    ]
)
def registry(request: pytest.FixtureRequest) -> Registry:
    if request.param == "postgres":
        store: Any = request.getfixturevalue("make_postgres_store")()
    else:
        store = MemoryStore() if request.param == "memory" else SQLiteStore(":memory:")
    encryption = {"e1": bytes(range(32))} if request.param.endswith("encrypted") else None
    return Registry(
        store,
        clock=FixedClock(NOW),
        keyring=Keyring({"i1": bytes(32)}, encryption_keys=encryption),
    )


def test_an_mrz_birth_date_comes_back_as_registered(registry: Registry) -> None:
    """Born 1930-01-01, passport valid until 2035-01-01: every read says 1930, as registration did."""
    document = identity.parse("icao_td3_mrz", mrz("300101", "350101"), clock=FixedClock(NOW))
    assert document.birth_date == date(1930, 1, 1)
    result = registry.register_volunteer(VolunteerApplication(name="Anna", document=document))
    volunteer = result.volunteer
    assert volunteer.birth_date == date(1930, 1, 1)
    found = registry.find_by_document(document)
    assert found is not None
    listed = [v for v in registry.volunteers() if v.id == volunteer.id]
    for read in (volunteer, registry.get(volunteer.id), registry.resolve(volunteer.id), found,
                 *listed):  # fmt: skip
        assert read.document is not None
        assert read.document.birth_date == date(1930, 1, 1), read
        assert read.document == document


def test_a_guardian_mrz_birth_date_comes_back_as_registered(registry: Registry) -> None:
    """The guardian's document too: born 1930, not 2030 (a minor guardian would then be refused)."""
    guardian_document = identity.parse(
        "icao_td3_mrz", mrz("300101", "350101"), clock=FixedClock(NOW)
    )
    minor = identity.parse("cn_ric", "110105201101010018")  # 15 on the registration date
    guardian = Guardian(
        name="Anna",
        relationship=GuardianRelationship.GRANDPARENT,
        document=guardian_document,
        consent=GuardianConsent(given_at=NOW, method=ConsentMethod.WRITTEN),
    )
    volunteer = registry.register_volunteer(
        VolunteerApplication(name="李想", document=minor, guardian=guardian)
    ).volunteer
    for read in (volunteer, registry.get(volunteer.id)):
        assert read.guardian is not None and read.guardian.document is not None
        assert read.guardian.document.birth_date == date(1930, 1, 1)


def test_a_record_registered_before_its_birth_date_still_opens(registry: Registry) -> None:
    """A record registered "before" its document's birth date opens as before.

    Such a record is written by other means than register_volunteer; its number is parsed
    without a clock.
    """
    document = identity.parse("cn_ric", "11010519491231002X")
    volunteer = registry.register_volunteer(
        VolunteerApplication(name="张丽", document=document)
    ).volunteer
    store: Any = registry._store
    record = store.volunteers.get(volunteer.id)
    early = attrs.evolve(record.volunteer, registered_at=datetime(1949, 1, 1, tzinfo=UTC))
    store.volunteers.update(attrs.evolve(record, volunteer=early))
    opened = registry.get(volunteer.id)
    assert opened.document == document
    assert opened.registered_at == datetime(1949, 1, 1, tzinfo=UTC)
