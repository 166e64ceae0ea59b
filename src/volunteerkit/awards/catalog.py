"""The built-in rule sets, shipped as TOML files in ``volunteerkit/awards/catalog/``.

Each file is an ordinary rule file (the same language partners write) that cites its sources and
says which of them are secondary or unconfirmed. One id may have several versions (``us.pvsa`` has
``2020`` and ``pre-2020``); :func:`load_rule_set` without a version returns the one in effect
latest.

Examples:
    >>> [s.id for s in list_rule_sets()][:3]
    ['ca.on.diploma-hours', 'cn.beijing.stars', 'cn.beijing.stars-trial']
    >>> load_rule_set("cn.cyl.stars").levels[0].hours
    100
"""

from __future__ import annotations

from datetime import date
from functools import cache
from importlib import resources

import attrs

from volunteerkit.awards._messages import message
from volunteerkit.awards.rules import RuleSet, loads_rules
from volunteerkit.errors import InvalidInputError

__all__ = ["CatalogEntry", "UnknownRuleSet", "list_rule_sets", "load_rule_set", "rule_set_text"]


class UnknownRuleSet(InvalidInputError, LookupError):
    """No built-in rule set has the requested id (and version)."""

    default_code = "awards.unknown_rule_set"


@attrs.frozen(kw_only=True)
class CatalogEntry:
    """One built-in rule set.

    Args:
        id: The rule set's id.
        version: Its version.
        name_en: English name.
        name_zh: Chinese name.
        effective_from: First date it applies, if set.
        effective_to: Last date it applies, if set.
        file: The file name in the catalog.
    """

    id: str
    version: str
    name_en: str
    name_zh: str
    effective_from: date | None
    effective_to: date | None
    file: str


@cache
def _all() -> tuple[tuple[CatalogEntry, RuleSet], ...]:
    folder = resources.files("volunteerkit.awards").joinpath("catalog")
    found: list[tuple[CatalogEntry, RuleSet]] = []
    for item in sorted(folder.iterdir(), key=lambda f: f.name):
        if not item.name.endswith(".toml"):
            continue
        rule_set = loads_rules(item.read_text(encoding="utf-8"), format="toml")
        entry = CatalogEntry(
            id=rule_set.id,
            version=rule_set.version,
            name_en=rule_set.name_en,
            name_zh=rule_set.name_zh,
            effective_from=rule_set.effective_from,
            effective_to=rule_set.effective_to,
            file=item.name,
        )
        found.append((entry, rule_set))
    found.sort(key=lambda pair: (pair[0].id, _order(pair[0])))
    return tuple(found)


def _order(entry: CatalogEntry) -> tuple[date, date]:
    return (entry.effective_from or date.min, entry.effective_to or date.max)


def list_rule_sets() -> list[CatalogEntry]:
    """List the built-in rule sets, by id and then from the oldest version.

    Returns:
        One entry per rule set file.
    """
    return [entry for entry, _ in _all()]


def load_rule_set(rule_set_id: str, version: str | None = None) -> RuleSet:
    """Return a built-in rule set.

    Args:
        rule_set_id: Its id, such as ``cn.cyl.stars``.
        version: A version; by default the version in effect latest.

    Returns:
        The rule set.

    Raises:
        UnknownRuleSet: ``awards.unknown_rule_set`` if there is no such rule set or version.
    """
    matches = [rs for entry, rs in _all() if entry.id == rule_set_id]
    if version is not None:
        matches = [rs for rs in matches if rs.version == version]
    if not matches:
        text = f" version {version!r}" if version is not None else ""
        en, zh = message("awards.unknown_rule_set", rule_set=rule_set_id, version_text=text)
        raise UnknownRuleSet(en, zh, code="awards.unknown_rule_set", path="$.rule_set")
    return matches[-1]


def rule_set_text(rule_set_id: str, version: str | None = None) -> str:
    """Return the TOML text of a built-in rule set (to copy and adapt).

    Args:
        rule_set_id: Its id.
        version: A version; by default the version in effect latest.

    Returns:
        The file's text.

    Raises:
        UnknownRuleSet: ``awards.unknown_rule_set`` if there is no such rule set or version.
    """
    wanted = load_rule_set(rule_set_id, version)
    for entry, rule_set in _all():
        if rule_set is wanted:
            folder = resources.files("volunteerkit.awards").joinpath("catalog")
            return folder.joinpath(entry.file).read_text(encoding="utf-8")
    raise AssertionError("unreachable")  # pragma: no cover
