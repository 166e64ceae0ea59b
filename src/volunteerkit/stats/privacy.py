"""Small-count suppression, so that a published figure cannot single out a person.

The rules, applied to every figure whose rows count persons (``k`` is the threshold, default 5;
``k = 1`` disables suppression):

1. **Primary suppression.** A row whose group holds fewer than ``k`` distinct persons
   (``1 <= persons < k``) is suppressed: its value and person count are hidden.
2. **Complementary suppression** (additive figures only: rows that partition a published total).
   A suppressed value could be recovered by subtracting the other rows from the total, and two
   suppressed rows together reveal their sum. So while the suppressed rows together may hold
   fewer than ``k`` distinct persons and some row is still shown, the shown row with the fewest
   persons (ties: the first in key order) is suppressed too. A person can count in several rows
   (a volunteer with credit in two months), so the distinct persons of the suppressed rows are
   not their sum: the rule uses the lower bound ``max(largest suppressed row, total persons -
   persons of the shown rows)``, which is the exact count when the rows partition the persons.
   Afterwards either no row is suppressed, or the suppressed rows together hold at least ``k``
   distinct persons, so the difference between the total and the shown rows covers at least
   ``k`` persons.
3. **Total.** If the whole figure holds fewer than ``k`` persons, the total and every row are
   suppressed. A figure over nobody counts as one: its zero total is hidden too (a zero can tell
   that no member of a known small group served), except at ``k = 1``, which suppresses nothing.

Rows with no persons never appear (the backends leave empty groups out), so a zero row is never
suppressed and absence is not a disclosure of a small group.
"""

from __future__ import annotations

from collections.abc import Sequence

from volunteerkit.errors import InvalidInputError
from volunteerkit.stats.models import Row
from volunteerkit.stats.models import _invalid_argument as _invalid
from volunteerkit.stats.store import RawRow

__all__ = ["DEFAULT_K", "check_k", "suppress"]

DEFAULT_K = 5
"""The default threshold: groups of fewer than five persons are suppressed."""


def check_k(k: int) -> int:
    """Return ``k`` if it is a valid threshold.

    Args:
        k: The threshold.

    Returns:
        ``k``.

    Raises:
        InvalidInputError: ``stats.k`` unless ``k`` is an integer of at least 1.
    """
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise InvalidInputError(
            "the privacy threshold k must be an integer of at least 1",
            "隐私阈值 k 必须是不小于 1 的整数",
            code="stats.k",
            path="$.k",
        )
    return k


def _hidden_persons(rows: Sequence[RawRow], hidden: set[int], total_persons: int) -> int:
    """Return a lower bound of the distinct persons in the hidden rows.

    Every person is in at least one row, so those not in a shown row are in a hidden one; and
    the largest hidden row's persons are distinct. When rows partition the persons, the bound
    is exact (the sum of the hidden rows' persons).
    """
    shown = sum(r.persons for i, r in enumerate(rows) if i not in hidden)
    return max(total_persons - shown, max(rows[i].persons for i in hidden))


def _count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _check_suppress_args(rows: object, total_persons: object, additive: object) -> None:
    if not isinstance(rows, Sequence) or isinstance(rows, str | bytes):
        raise _invalid("$.rows", "a sequence of RawRow", "RawRow 序列")
    for i, row in enumerate(rows):
        if not isinstance(row, RawRow) or not (_count(row.value) and _count(row.persons)):
            raise _invalid(
                f"$.rows[{i}]",
                "a RawRow with whole, non-negative value and persons",
                "value 与 persons 为非负整数的 RawRow",
            )
    if not _count(total_persons):
        raise _invalid("$.total_persons", "a whole number from 0", "不小于 0 的整数")
    if not isinstance(additive, bool):
        raise _invalid("$.additive", "True or False", "True 或 False")


def suppress(
    rows: Sequence[RawRow], k: int, *, total_persons: int, additive: bool
) -> tuple[tuple[Row, ...], bool]:
    """Apply the suppression rules to a figure's rows.

    Args:
        rows: The raw rows, in key order.
        k: The threshold (:func:`check_k`).
        total_persons: Distinct persons in the whole figure.
        additive: Whether the rows partition a published total (apply rule 2).

    Returns:
        The published rows, and whether the total is suppressed (rule 3).

    Raises:
        InvalidInputError: ``stats.k`` (see :func:`check_k`); ``stats.invalid_argument`` at
            ``$.rows`` (not a sequence), ``$.rows[i]`` (not a :class:`RawRow` with whole,
            non-negative ``value`` and ``persons``), ``$.total_persons`` (not a whole number
            from 0: a NaN would silently skip the complementary suppression) or ``$.additive``
            (not ``True`` or ``False``).

    Examples:
        >>> raw = [RawRow(key=(c,), value=n, persons=n) for c, n in (("a", 9), ("b", 2), ("c", 6))]
        >>> shown, total_hidden = suppress(raw, 5, total_persons=17, additive=True)
        >>> [r.value for r in shown], total_hidden
        ([9, None, None], False)
    """
    check_k(k)
    _check_suppress_args(rows, total_persons, additive)
    if k > 1 and total_persons < k:
        return tuple(Row(key=r.key, value=None, suppressed=True) for r in rows), True
    hidden = {i for i, r in enumerate(rows) if r.persons < k}
    if additive and hidden:
        while _hidden_persons(rows, hidden, total_persons) < k and len(hidden) < len(rows):
            shown = [i for i in range(len(rows)) if i not in hidden]
            hidden.add(min(shown, key=lambda i: (rows[i].persons, i)))
    return (
        tuple(
            Row(key=r.key, value=None, suppressed=True)
            if i in hidden
            else Row(key=r.key, value=r.value, persons=r.persons)
            for i, r in enumerate(rows)
        ),
        False,
    )
