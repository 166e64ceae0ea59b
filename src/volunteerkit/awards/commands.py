"""The ``volunteerkit awards`` commands, as functions the CLI wires in.

* ``volunteerkit awards check RULES``: :func:`check_command` checks a rule file and reports every
  problem with its path, code and messages (exit status 0 when the file is valid, 1 when it has
  problems).
* ``volunteerkit awards evaluate RULES STORE_URL``: :func:`evaluate_command` evaluates every
  volunteer of a store (or the ones named) and yields one JSON-ready evaluation each.

``RULES`` is a rule file (``.toml`` or ``.json``) or the id of a built-in rule set, optionally with
``@version`` (``cn.cyl.stars``, ``us.pvsa@pre-2020``).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, tzinfo
from pathlib import Path
from typing import Any

from volunteerkit._clock import require_aware
from volunteerkit._serialization import unstructure
from volunteerkit.awards.batch import evaluate_all
from volunteerkit.awards.catalog import UnknownRuleSet, load_rule_set
from volunteerkit.awards.engine import AwardSubject
from volunteerkit.awards.rules import RuleSet, RuleSetInvalid, load_rules
from volunteerkit.errors import VolunteerkitError

__all__ = ["check_command", "evaluate_command", "resolve_rules"]


def resolve_rules(rules: str) -> RuleSet:
    """Load a rule file, or a built-in rule set by ``id`` or ``id@version``.

    Args:
        rules: A path to a ``.toml`` or ``.json`` file, or a built-in id.

    Returns:
        The rule set.

    Raises:
        RuleSetInvalid: If the file has problems (every one is listed).
        UnknownRuleSet: If it is neither a file nor a built-in rule set.
    """
    path = Path(rules)
    if path.suffix.lower() in (".toml", ".json") or path.exists():
        return load_rules(path)
    rule_set_id, _, version = rules.partition("@")
    return load_rule_set(rule_set_id, version or None)


def check_command(path: str) -> tuple[int, dict[str, Any]]:
    """Check a rule file (``volunteerkit awards check RULES``).

    Args:
        path: The rule file, or a built-in id.

    Returns:
        ``(exit status, report)``: status 0 and ``{"ok": true, "rule_set", "version", "levels"}``
        for a valid file, status 1 and ``{"ok": false, "problems": [...]}`` (each with ``path``,
        ``code``, ``message``, ``message_zh``) otherwise.
    """
    try:
        rule_set = resolve_rules(path)
    except RuleSetInvalid as err:
        return 1, {
            "ok": False,
            "file": path,
            "problems": [p.to_dict() for p in err.problems],
        }
    except UnknownRuleSet as err:
        return 1, {
            "ok": False,
            "file": path,
            "problems": [
                {
                    "path": "$",
                    "code": err.code,
                    "message": err.message,
                    "message_zh": err.message_zh,
                }
            ],
        }
    return 0, {
        "ok": True,
        "file": path,
        "rule_set": rule_set.id,
        "version": rule_set.version,
        "name_en": rule_set.name_en,
        "name_zh": rule_set.name_zh,
        "levels": [
            {"id": lv.id, "name_en": lv.name_en, "name_zh": lv.name_zh, "minutes": lv.threshold}
            for lv in rule_set.levels
        ],
    }


def _registry_subject(store: Any, volunteer_id: str, zone: tzinfo | None) -> AwardSubject | None:
    """Build a subject from the store's registry, if it has one and knows the volunteer."""
    volunteers = getattr(store, "volunteers", None)
    if volunteers is None or not hasattr(volunteers, "get"):
        return None
    try:
        record = volunteers.get(volunteer_id)
    except VolunteerkitError:
        return None
    person = getattr(record, "volunteer", record)
    birth = getattr(person, "birth_date", None)
    registered_at = getattr(person, "registered_at", None)
    registered: date | None = None
    if isinstance(registered_at, datetime) and registered_at.tzinfo is not None:
        registered = registered_at.astimezone(zone).date()
    return AwardSubject(
        id=volunteer_id,
        birth_date=birth if isinstance(birth, date) else None,
        registered_on=registered,
    )


def evaluate_command(
    rules: str,
    store_url: str,
    *,
    as_of: datetime,
    volunteer_ids: list[str] | None,
) -> Iterator[dict[str, Any]]:
    """Evaluate a store's volunteers (``volunteerkit awards evaluate RULES STORE_URL``).

    Birth and registration dates come from the store's registry when it has one (registration is
    read as a local date in ``as_of``'s offset); otherwise levels that need them do not apply.

    Args:
        rules: A rule file, or a built-in id (``cn.cyl.stars``, ``us.pvsa@pre-2020``).
        store_url: The store (``sqlite:///path.db``, ``postgresql://…``, ``memory:``).
        as_of: The instant evaluated (aware).
        volunteer_ids: Only these volunteers; ``None`` for every volunteer with credit.

    Returns:
        One JSON-ready evaluation per volunteer, streamed; the store is closed at the end.

    Raises:
        NaiveDatetimeError: If ``as_of`` is naive.
        RuleSetInvalid: If the rule file has problems.
        UnknownRuleSet: If ``rules`` is neither a file nor a built-in id.
        InvalidInputError: If the store URL is not supported, or names no volunteerkit store
            (``store.missing``, ``store.not_ours``: see :func:`volunteerkit.stores.open_store`).
    """
    from volunteerkit.stores import open_store  # the CLI layer opens stores; the domain does not

    require_aware(as_of, "$.as_of")
    rule_set = resolve_rules(rules)
    store = open_store(store_url, create=False)  # only reads: creates or migrates nothing new
    zone = as_of.tzinfo

    def subject(volunteer_id: str) -> AwardSubject | None:
        return _registry_subject(store, volunteer_id, zone)

    def results() -> Iterator[dict[str, Any]]:
        try:
            for evaluation in evaluate_all(
                rule_set, store, as_of=as_of, subjects=subject, volunteer_ids=volunteer_ids
            ):
                data: dict[str, Any] = unstructure(evaluation)
                yield data
        finally:
            store.close()

    return results()
