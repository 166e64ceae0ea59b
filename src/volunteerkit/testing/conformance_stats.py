"""Conformance suite of the statistics port: every backend computes the same figures.

Subclass :class:`StatsConformance` with a ``make_store`` fixture (see
:mod:`volunteerkit.testing.conformance`). One data set is built through the public services
(:class:`~volunteerkit.registry.Registry`, :class:`~volunteerkit.hours.ledger.Ledger` and the
award ledger) into the store under test and into a :class:`~volunteerkit.stores.MemoryStore`;
every raw figure of :class:`~volunteerkit.stats.store.StatsRepository`, for every grouping, filter
and two instants, must be equal on both, and a few are checked against hand-computed values.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import pytest

from volunteerkit._clock import FixedClock
from volunteerkit.awards.store import Grant, Revocation
from volunteerkit.hours import NATIONAL, EntryId, ServiceEntry, Source
from volunteerkit.hours.ledger import Ledger
from volunteerkit.hours.store import group_sort_key
from volunteerkit.registry import Keyring, Registry, VolunteerApplication, identity
from volunteerkit.registry.identity import cn_ric, cn_uscc
from volunteerkit.stats.models import Figure, Filters, Window
from volunteerkit.stats.service import AGE_BANDS, Statistics
from volunteerkit.stats.store import (
    PERCENTILES,
    SIZE_BANDS,
    HoursBy,
    RawRow,
    Scope,
    VolunteersBy,
)
from volunteerkit.testing.conformance import _Base

__all__ = ["StatsConformance", "StatsDataset", "build_stats_dataset"]

_SH = ZoneInfo("Asia/Shanghai")
RULE_SET = "cn.cyl.stars"


@attrs.frozen(kw_only=True)
class StatsDataset:
    """What :func:`build_stats_dataset` built, for the tests to query.

    Attributes:
        association: The association's id (type 51, Beijing Chaoyang).
        team: A team under the association (no USCC).
        foundation: A foundation in Shanghai (type 53).
        volunteers: Volunteer ids in registration order.
        before_fix: An instant after every entry was approved, before the correction and void.
        as_of: An instant after everything.
        window: 2026-01-01 to 2026-06-30.
    """

    association: str
    team: str
    foundation: str
    volunteers: tuple[str, ...]
    before_fix: datetime
    as_of: datetime
    window: Window


def _ric(region: str, born: date, sequence: int) -> str:
    body = f"{region}{born:%Y%m%d}{sequence:03d}"
    return body + cn_ric.calc_check_digit(body)


def _uscc(kind: str, code: str) -> str:
    body = kind + "110105" + code
    body += cn_uscc.calc_organization_check_digit(code)
    return body + cn_uscc.calc_check_digit(body)


# (home region, birth date, sequence: odd is male, registration month offset)
_PEOPLE: tuple[tuple[str | None, date, int], ...] = (
    ("110105", date(1990, 5, 1), 11),
    ("110105", date(2000, 7, 9), 12),
    ("110105", date(1985, 1, 30), 13),
    ("110108", date(1978, 3, 3), 14),
    ("110108", date(2003, 2, 28), 15),
    ("110108", date(1960, 12, 1), 16),
    ("310101", date(1995, 6, 6), 17),
    ("310101", date(1999, 9, 9), 18),
    ("310104", date(1970, 4, 4), 19),
    ("429004", date(1988, 8, 8), 21),
    ("429004", date(2001, 1, 1), 22),
    (None, date(1992, 2, 2), 23),
)


def build_stats_dataset(store: Any) -> StatsDataset:
    """Build the conformance data set into ``store`` through the public services.

    Twelve volunteers (Beijing Chaoyang and Haidian, Shanghai, the province-level county Xiantao
    ``429004``, one without a home region), registered from 2025-12-20 every five days; three
    organizations; 59 entries from January to June 2026 in three categories (entered by
    the organization, so approved on recording under the national policy),
    then one corrected and one voided; star grants, one of them revoked.

    Args:
        store: An empty store of any backend.

    Returns:
        The ids and instants the tests query with.
    """
    clock = FixedClock(datetime(2025, 12, 20, 10, 0, tzinfo=_SH))
    keyring = Keyring({"i1": hashlib.sha256(b"stats index").digest()})
    registry = Registry(store, clock=clock, keyring=keyring)
    association = registry.register_organization(
        name="北京朝阳志愿者协会", uscc=_uscc("51", "MJ000001"), actor="test"
    )
    team = registry.register_organization(
        name="望京志愿服务队", parent_id=association.id, actor="test"
    )
    foundation = registry.register_organization(
        name="上海公益基金会", uscc=_uscc("53", "MJ000002"), region="310101", actor="test"
    )
    ids: list[str] = []
    for i, (region, born, seq) in enumerate(_PEOPLE):
        org = (team.id, association.id, foundation.id)[i % 3]
        result = registry.register_volunteer(
            VolunteerApplication(
                name=f"志愿者{i}",
                document=identity.parse("cn_ric", _ric("110105", born, seq)),
                home_region=region,
            ),
            organization_id=org,
            actor="test",
        )
        ids.append(result.volunteer.id)
        clock.advance(timedelta(days=5))
    # A foreign permanent resident, to have a second document scheme.
    foreign = registry.register_volunteer(
        VolunteerApplication(
            name="Aigerim Nurlanova",
            document=identity.parse("cn_foreign_pr", "911398199012310021"),
            home_region="110105",
        ),
        organization_id=association.id,
        actor="test",
    )
    ids.append(foreign.volunteer.id)

    def home(volunteer_id: str) -> str | None:
        region: str | None = store.volunteers.get(volunteer_id).volunteer.home_region
        return region

    clock.advance(timedelta(days=200))  # 2026-07-xx: every service below is in the past
    ledger = Ledger(store, clock=clock, policy=NATIONAL, origin="stats", home_region=home)
    entries: list[ServiceEntry] = []
    categories = ("community", "education", "emergency")
    for i, vid in enumerate(ids):
        org = (team.id, association.id, foundation.id)[i % 3]
        for month in range(1, 7):
            if (i + month) % 4 == 0:
                continue  # some volunteers skip some months
            day = 1 + (i * 3 + month) % 27
            start = datetime(2026, month, day, 9, 0, tzinfo=_SH)
            entries.append(
                ServiceEntry(
                    id=EntryId(origin="stats", local_id=f"e{i}-{month}"),
                    volunteer_id=vid,
                    organization_id=org,
                    category=categories[(i + month) % 3],
                    start=start,
                    end=start + timedelta(minutes=30 * (1 + (i * month) % 7)),
                    zone=_SH,
                    source=Source.ORGANIZATION,
                    recorded_by="coordinator",
                    recorded_at=clock.now(),
                )
            )
    ledger.record_many(entries, actor="coordinator")
    clock.advance(timedelta(hours=1))
    before_fix = clock.now()
    clock.advance(timedelta(hours=1))
    first = entries[0]
    ledger.correct(
        first.id, actor="lead", reason="left early", end=first.start + timedelta(minutes=10)
    )
    ledger.void(entries[1].id, actor="lead", reason="duplicate")
    clock.advance(timedelta(hours=1))

    def grant(n: int, subject: str, level: str, at: datetime) -> Grant:
        return Grant(
            id=f"00000000-0000-7000-8000-{n:012d}",
            rule_set_id=RULE_SET,
            rule_set_version="2013",
            subject_id=subject,
            level_id=level,
            key="once",
            earned_on=date(2026, 6, 1),
            crossing_entry=entries[0].id,
            consumed_from=0,
            consumed_to=6000,
            at=at,
            actor="batch",
        )

    t = clock.now()
    grants = [grant(n, ids[n], "star-1", t) for n in range(8)]
    grants += [grant(20 + n, ids[n], "star-2", t) for n in range(3)]
    store.awards.grant(grants)
    clock.advance(timedelta(hours=1))
    store.awards.revoke(
        [
            Revocation(
                id="00000000-0000-7000-9000-000000000001",
                rule_set_id=RULE_SET,
                subject_id=ids[0],
                level_id="star-2",
                key="once",
                at=clock.now(),
                actor="admin",
                reason_code="awards.no_longer_supported",
                reason="hours corrected",
                reason_zh="时长已更正",
            )
        ]
    )
    clock.advance(timedelta(hours=1))
    return StatsDataset(
        association=association.id,
        team=team.id,
        foundation=foundation.id,
        volunteers=tuple(ids),
        before_fix=before_fix.astimezone(UTC),
        as_of=clock.now().astimezone(UTC),
        window=Window(first=date(2026, 1, 1), last=date(2026, 6, 30)),
    )


def _scopes(data: StatsDataset) -> list[Scope]:
    filters = [
        Filters(),
        Filters(organization_id=data.association),
        Filters(organization_id=data.team),
        Filters(region="110000"),
        Filters(region="110100"),
        Filters(region="310101"),
        Filters(region="420000"),
        Filters(organization_id=data.association, region="110108"),
    ]
    windows = [
        data.window,
        Window(first=date(2026, 1, 1), last=date(2026, 1, 31)),
        Window(first=date(2025, 12, 1), last=date(2026, 2, 28)),
    ]
    return [
        Scope(as_of=t, window=w, filters=f, zone=_SH)
        for t in (data.before_fix, data.as_of)
        for w in windows
        for f in filters
    ]


def _labelled(rows: list[RawRow], data: StatsDataset) -> list[RawRow]:
    """Rows with organization ids replaced by labels (ids differ between two stores)."""
    names = {data.association: "association", data.team: "team", data.foundation: "foundation"}
    out = [
        attrs.evolve(r, key=tuple(names.get(k, k) if k is not None else None for k in r.key))
        for r in rows
    ]
    return sorted(out, key=lambda r: group_sort_key(r.key))


def _figures(repo: Any, scope: Scope, data: StatsDataset) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for by in VolunteersBy:
        for new in (False, True):
            out[f"volunteers/{by}/{new}"] = repo.volunteers(scope, by, new=new, age_bands=AGE_BANDS)
    for hb in HoursBy:
        out[f"active/{hb}"] = _labelled(repo.active(scope, hb), data)
        out[f"minutes/{hb}"] = _labelled(repo.minutes(scope, hb), data)
    out["per_volunteer"] = repo.minutes_per_volunteer(scope, PERCENTILES)
    out["retained"] = repo.retained(scope, (1, 2, 3, 6))
    out["awards"] = repo.award_levels(scope, RULE_SET)
    out["organizations"] = repo.organizations(scope, SIZE_BANDS)
    return out


def _relabel(figure: Figure, names: dict[str, str]) -> Figure:
    rows = tuple(
        attrs.evolve(r, key=tuple(names.get(k, k) if k is not None else None for k in r.key))
        for r in figure.rows
    )
    return attrs.evolve(figure, rows=tuple(sorted(rows, key=lambda r: group_sort_key(r.key))))


class StatsConformance(_Base):
    """Every statistics figure equals the memory reference's on the same data."""

    @pytest.fixture
    def pair(self, store: Any) -> Iterator[tuple[Any, tuple[Any, StatsDataset], StatsDataset]]:
        """The store under test and a memory store, both holding the data set."""
        from volunteerkit.stores import MemoryStore

        reference = MemoryStore()
        data = build_stats_dataset(store)
        ref_data = build_stats_dataset(reference)
        yield store, (reference, ref_data), data
        reference.close()

    def test_every_raw_figure_matches_the_memory_reference(
        self, pair: tuple[Any, tuple[Any, StatsDataset], StatsDataset]
    ) -> None:
        """For every grouping, filter, window and instant the backend's rows equal memory's."""
        store, (reference, ref_data), data = pair
        for scope, ref_scope in zip(_scopes(data), _scopes(ref_data), strict=True):
            got = _figures(store.stats, scope, data)
            want = _figures(reference.stats, ref_scope, ref_data)
            for name, value in want.items():
                assert got[name] == value, (name, scope.filters, scope.window, scope.as_of)

    def test_published_figures_match_the_memory_reference(
        self, pair: tuple[Any, tuple[Any, StatsDataset], StatsDataset]
    ) -> None:
        """The suppressed figures of the service are equal on both stores, for k = 1 and 5."""
        store, (reference, ref_data), data = pair
        names = {data.association: "association", data.team: "team", data.foundation: "foundation"}
        ref_names = {
            ref_data.association: "association",
            ref_data.team: "team",
            ref_data.foundation: "foundation",
        }
        for k in (1, 5):
            got = Statistics(store.stats, k=k).all_figures(
                as_of=data.as_of, window=data.window, rule_set_ids=(RULE_SET,)
            )
            want = Statistics(reference.stats, k=k).all_figures(
                as_of=ref_data.as_of, window=ref_data.window, rule_set_ids=(RULE_SET,)
            )
            assert [_relabel(f, names) for f in got] == [_relabel(f, ref_names) for f in want]

    def test_hand_computed_figures(
        self, pair: tuple[Any, tuple[Any, StatsDataset], StatsDataset]
    ) -> None:
        """Counts that follow from the data set by hand: volunteers, regions, kinds, awards."""
        store, _, data = pair
        scope = Scope(as_of=data.as_of, window=data.window, zone=_SH)
        repo = store.stats
        assert repo.volunteers(scope, VolunteersBy.ALL, new=False, age_bands=AGE_BANDS) == [
            RawRow(key=(), value=13, persons=13)
        ]
        # Registered 2025-12-20 and every 5 days: 12-20, 12-25, 12-30 before 2026.
        assert repo.volunteers(scope, VolunteersBy.ALL, new=True, age_bands=AGE_BANDS) == [
            RawRow(key=(), value=10, persons=10)
        ]
        provinces = repo.volunteers(scope, VolunteersBy.PROVINCE, new=False, age_bands=AGE_BANDS)
        assert [(r.key, r.value) for r in provinces] == [
            ((None,), 1),
            (("110000",), 7),
            (("310000",), 3),
            (("420000",), 2),
        ]
        documents = repo.volunteers(scope, VolunteersBy.DOCUMENT, new=False, age_bands=AGE_BANDS)
        assert [(r.key, r.value) for r in documents] == [
            (("cn_foreign_pr",), 1),
            (("cn_ric",), 12),
        ]
        hubei = Scope(as_of=data.as_of, window=data.window, filters=Filters(region="420000"))
        assert (
            repo.volunteers(hubei, VolunteersBy.ALL, new=False, age_bands=AGE_BANDS)[0].value == 2
        )
        assert repo.award_levels(scope, RULE_SET) == [
            RawRow(key=("star-1",), value=8, persons=8),
            RawRow(key=("star-2",), value=2, persons=2),
        ]
        kinds = repo.organizations(scope, SIZE_BANDS)
        assert [(r.key, r.value) for r in kinds] == [
            (("foundation", "1-9"), 1),
            (("social_organization", "1-9"), 1),
            (("unregistered", "1-9"), 1),
        ]

    def test_hand_computed_january_activity_retention_and_percentiles(
        self, pair: tuple[Any, tuple[Any, StatsDataset], StatsDataset]
    ) -> None:
        """January 2026's figures, worked out from how the data set is built.

        Volunteer i (0-12) serves once in month m unless (i + m) % 4 == 0, for 30 * (1 + i*m % 7)
        minutes; i = 0's January entry was corrected to 10 minutes and its February one voided.
        January: everyone but 3, 7 and 11, so 10 persons and 10 + 60 + 90 + 150 + 180 + 210 + 60
        + 90 + 120 + 180 = 1,150 minutes; nearest-rank percentiles of [10, 60, 60, 90, 90, 120,
        150, 180, 180, 210] at 10/25/50/75/90 are 10, 60, 90, 180, 180. Active again one month
        later (February: not 2, 6, 10, nor 0, voided): 1, 4, 5, 8, 9, 12 = 6; two months (March:
        not 1, 5, 9): 7; three (April: not 0, 4, 8, 12): 6; six (July, no service): 0.

        These hold on the memory store itself, which the other tests of this class use as the
        reference, so there they compare it with itself.
        """
        store, _, data = pair
        january = Scope(
            as_of=data.as_of,
            window=Window(first=date(2026, 1, 1), last=date(2026, 1, 31)),
            zone=_SH,
        )
        repo = store.stats
        assert repo.active(january, HoursBy.ALL) == [RawRow(key=(), value=10, persons=10)]
        assert repo.minutes(january, HoursBy.ALL) == [RawRow(key=(), value=1150, persons=10)]
        assert repo.minutes_per_volunteer(january, PERCENTILES) == (10, 1150, [10, 60, 90, 180, 180])
        assert repo.retained(january, (1, 2, 3, 6)) == (10, [6, 7, 6, 0])

    def test_correction_and_void_change_only_later_figures(
        self, pair: tuple[Any, tuple[Any, StatsDataset], StatsDataset]
    ) -> None:
        """As of before the fix the corrected and voided minutes still count; after, not."""
        store, _, data = pair
        before = Scope(as_of=data.before_fix, window=data.window, zone=_SH)
        after = Scope(as_of=data.as_of, window=data.window, zone=_SH)
        total_before = store.stats.minutes(before, HoursBy.ALL)[0].value
        total_after = store.stats.minutes(after, HoursBy.ALL)[0].value
        # Entry e0-1 went from 30 minutes to 10, and e0-2 (30 minutes) was voided.
        assert total_before - total_after == 20 + 30
