"""Small-count suppression: primary, complementary and total rules."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from volunteerkit.errors import InvalidInputError
from volunteerkit.stats.privacy import check_k, suppress
from volunteerkit.stats.store import RawRow


def _rows(*persons: int) -> list[RawRow]:
    return [RawRow(key=(f"g{i}",), value=p * 10, persons=p) for i, p in enumerate(persons)]


def test_rows_at_or_above_k_are_shown() -> None:
    """Groups of k or more persons keep their value and person count."""
    rows, hidden = suppress(_rows(5, 7), 5, total_persons=12, additive=True)
    assert [(r.value, r.persons, r.suppressed) for r in rows] == [(50, 5, False), (70, 7, False)]
    assert hidden is False


def test_single_small_cell_gets_a_complementary_partner() -> None:
    """One cell below k hides the smallest shown cell too, so it cannot be subtracted back."""
    rows, _ = suppress(_rows(9, 2, 6, 8), 5, total_persons=25, additive=True)
    assert [r.value for r in rows] == [90, None, None, 80]


def test_complementary_suppression_continues_until_k_persons_are_hidden() -> None:
    """Two small cells of 1 and 1 person hide shown cells until the hidden ones hold 5 or more."""
    rows, _ = suppress(_rows(1, 1, 2, 6, 7), 5, total_persons=17, additive=True)
    # 1 + 1 < 5 -> hide g2 (2): 4 < 5 -> hide g3 (6): 10 >= 5.
    assert [r.suppressed for r in rows] == [True, True, True, True, False]


def test_ties_hide_the_first_in_key_order() -> None:
    """Among equally small shown cells, the first in key order is hidden."""
    rows, _ = suppress(_rows(3, 6, 6), 5, total_persons=15, additive=True)
    assert [r.suppressed for r in rows] == [True, True, False]


def test_non_additive_figures_get_primary_suppression_only() -> None:
    """Without a published total, only the small cells themselves are hidden."""
    rows, _ = suppress(_rows(9, 2, 6), 5, total_persons=9, additive=False)
    assert [r.value for r in rows] == [90, None, 60]


def test_whole_figure_below_k_is_suppressed() -> None:
    """A figure covering fewer than k persons hides its total and every row."""
    rows, hidden = suppress(_rows(2, 2), 5, total_persons=4, additive=True)
    assert hidden is True
    assert all(r.suppressed and r.value is None and r.persons is None for r in rows)


def test_k_of_one_suppresses_nothing() -> None:
    """k = 1 disables suppression."""
    rows, hidden = suppress(_rows(1, 1), 1, total_persons=2, additive=True)
    assert [r.value for r in rows] == [10, 10]
    assert hidden is False


def test_a_figure_over_nobody_hides_its_total_unless_k_is_one() -> None:
    """k = 1 suppresses nothing, a zero total included; at k = 5 a figure over nobody is hidden."""
    assert suppress([], 1, total_persons=0, additive=True) == ((), False)
    assert suppress([], 5, total_persons=0, additive=True) == ((), True)


@pytest.mark.parametrize("k", [0, -3, True, 2.5])
def test_invalid_threshold_is_refused(k: object) -> None:
    """A threshold that is not an integer of at least 1 raises stats.k with its path."""
    with pytest.raises(InvalidInputError) as info:
        check_k(k)  # type: ignore[arg-type]
    assert (info.value.code, info.value.path) == ("stats.k", "$.k")


@settings(max_examples=200)
@given(
    persons=st.lists(st.integers(min_value=1, max_value=20), min_size=1, max_size=8),
    k=st.integers(min_value=1, max_value=10),
)
def test_suppression_invariants(persons: list[int], k: int) -> None:
    """Shown cells hold at least k persons; hidden cells together hold at least k (or none).

    And no more is hidden than the rules need (docs/statistics.md, "Suppression rules"): shown
    rows keep their value and persons, nothing is hidden when no row is small, the extra rows
    hidden are the smallest (ties: first in key order), and without the last of them the hidden
    rows would hold fewer than k persons. The groups are disjoint, so the count is exact.
    """
    raw = _rows(*persons)
    total = sum(persons)
    rows, hidden = suppress(raw, k, total_persons=total, additive=True)
    assert [r.key for r in rows] == [r.key for r in raw]
    if hidden:
        assert total < k and all(r.suppressed for r in rows)
        return
    assert hidden is (k > 1 and total < k)
    for r, p in zip(rows, raw, strict=True):
        if r.suppressed:
            assert (r.value, r.persons) == (None, None)
        else:
            assert (r.value, r.persons) == (p.value, p.persons)
            assert p.persons >= k
    small = {i for i, p in enumerate(persons) if p < k}
    gone = {i for i, r in enumerate(rows) if r.suppressed}
    assert small <= gone
    extra = sorted(gone - small, key=lambda i: (persons[i], i))
    if not small:
        assert not gone
    shown = [i for i in range(len(rows)) if i not in gone]
    for i in extra:  # the smallest shown rows go first
        assert all((persons[i], i) < (persons[j], j) for j in shown)
    hidden_persons = sum(persons[i] for i in gone)
    assert hidden_persons == 0 or hidden_persons >= k or not shown
    if extra:  # one fewer would not do
        assert hidden_persons - persons[extra[-1]] < k


def test_a_person_counted_in_several_hidden_rows_is_counted_once() -> None:
    """One volunteer in five small groups is one person, not five: the big group is hidden too.

    Minutes by organization: volunteer v has credit in a, b, c, d and e (1 person each), ten
    others only in f; 11 active in all. The five small rows alone "hold 5" but are one person,
    whose minutes would be the total minus f.
    """
    raw = _rows(1, 1, 1, 1, 1, 10)
    rows, hidden = suppress(raw, 5, total_persons=11, additive=True)
    assert hidden is False
    assert [r.suppressed for r in rows] == [True] * 6


@settings(max_examples=300)
@given(
    groups=st.lists(
        st.sets(st.integers(min_value=0, max_value=9), min_size=1), min_size=1, max_size=6
    ),
    k=st.integers(min_value=1, max_value=8),
)
def test_hidden_rows_hold_k_distinct_persons(groups: list[set[int]], k: int) -> None:
    """Whatever the overlap of the rows' persons, the hidden rows hold k distinct persons or none."""
    raw = [RawRow(key=(f"g{i}",), value=len(g), persons=len(g)) for i, g in enumerate(groups)]
    everyone = set().union(*groups)
    rows, hidden = suppress(raw, k, total_persons=len(everyone), additive=True)
    if hidden:
        return
    in_hidden = set().union(*(g for g, r in zip(groups, rows, strict=True) if r.suppressed))
    assert not in_hidden or len(in_hidden) >= k
