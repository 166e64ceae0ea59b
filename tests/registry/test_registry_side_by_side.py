"""The Registry over SQLite behaves exactly like the Registry over the in-memory reference store.

Hypothesis draws sequences of actions (register with one of a few documents at one of a few
organizations, change status, merge, anonymise, leave) and runs each on both stores. Every
outcome (created/joined flags, error codes) and the final state (statuses, merge links,
memberships, counts) must agree. Volunteer ids differ between the two runs, so state is compared
through the documents.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from volunteerkit import FixedClock
from volunteerkit.errors import VolunteerkitError
from volunteerkit.registry import (
    Keyring,
    MembershipRole,
    Registry,
    VolunteerApplication,
    VolunteerStatus,
    identity,
)
from volunteerkit.stores import MemoryStore, SQLiteStore

CST = timezone(timedelta(hours=8))
DOCS = [
    ("cn_ric", "11010519491231002X", None),
    ("cn_ric", "110105491231002", None),  # the same person, 15-digit form
    ("cn_hmt_residence_permit", "810000199408230021", None),
    ("hk_hkid", "A123456(3)", date(1994, 8, 23)),  # could be merged with the permit
    ("cn_foreign_pr", "911398199012310021", None),
]
PERSON = [0, 0, 1, 2, 3]  # which person (blind index) each document belongs to
ORGS = 3

actions = st.lists(
    st.one_of(
        st.tuples(st.just("register"), st.integers(0, len(DOCS) - 1), st.integers(0, ORGS - 1)),
        st.tuples(
            st.just("status"),
            st.integers(0, len(DOCS) - 1),
            st.sampled_from(
                [VolunteerStatus.ACTIVE, VolunteerStatus.SUSPENDED, VolunteerStatus.INACTIVE]
            ),
        ),
        st.tuples(st.just("merge"), st.integers(0, len(DOCS) - 1), st.integers(0, len(DOCS) - 1)),
        st.tuples(st.just("anonymise"), st.integers(0, len(DOCS) - 1), st.just(0)),
        st.tuples(st.just("leave"), st.integers(0, len(DOCS) - 1), st.integers(0, ORGS - 1)),
    ),
    max_size=12,
)


class Run:
    """One registry and the ids it gave to documents and organizations."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self.registry = Registry(
            store,
            clock=FixedClock(datetime(2026, 11, 28, 9, tzinfo=CST)),
            keyring=Keyring({"i1": bytes(32)}, encryption_keys={"e1": bytes(range(32))}),
        )
        self.orgs = [self.registry.register_organization(name=f"队{i}").id for i in range(ORGS)]
        self.ids: dict[int, str] = {}  # person -> a volunteer id registered for them

    def do(self, action: tuple[str, int, Any]) -> object:
        kind, doc, arg = action
        scheme, number, born = DOCS[doc]
        person = PERSON[doc]
        try:
            if kind == "register":
                application = VolunteerApplication(
                    name="测试", document=identity.parse(scheme, number), birth_date=born
                )
                result = self.registry.register_volunteer(
                    application, organization_id=self.orgs[arg], role=MembershipRole.MEMBER
                )
                self.ids.setdefault(person, result.volunteer.id)
                return ("ok", result.created, result.joined)
            if person not in self.ids:
                return "unknown"
            vid = self.ids[person]
            if kind == "status":
                return ("ok", self.registry.set_status(vid, arg).status)
            if kind == "merge":
                other = PERSON[arg]
                if other not in self.ids:
                    return "unknown"
                return ("ok", self.registry.merge(self.ids[other], vid).id == self.ids[other])
            if kind == "anonymise":
                return ("ok", self.registry.anonymise(vid).age_band)
            return ("ok", self.registry.leave(vid, self.orgs[arg]).end)
        except VolunteerkitError as err:
            return ("error", err.code)

    def state(self) -> object:
        by_id = {vid: person for person, vid in self.ids.items()}
        people = {}
        for person, vid in sorted(self.ids.items()):
            v = self.registry.get(vid)
            memberships = sorted(
                (self.orgs.index(m.organization_id), m.role.value, m.active, str(m.end))
                for m in self.registry.memberships(vid)
            )
            people[person] = (v.status, by_id.get(v.merged_into or ""), v.age_band, memberships)
        return (
            people,
            self.store.volunteers.count(),
            self.store.memberships.count(),
            sorted(e.action for e in self.store.audit.query()),
        )


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=actions)
def test_sqlite_registry_agrees_with_the_memory_reference(
    tmp_path_factory: Any, steps: list[Any]
) -> None:
    """Every action has the same outcome on both stores, and the final states are equal."""
    sqlite = SQLiteStore(tmp_path_factory.mktemp("side") / "registry.db")
    try:
        reference, real = Run(MemoryStore()), Run(sqlite)
        for step in steps:
            assert real.do(step) == reference.do(step), step
        assert real.state() == reference.state()
    finally:
        sqlite.close()
