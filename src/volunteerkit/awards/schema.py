"""The JSON Schema of award rule files (draft 2020-12), published as ``docs/award-rules.schema.json``.

:data:`RULES_SCHEMA` describes the *structure* of a rule file: fields, types, allowed values, id
forms, number ranges, "exactly one of ``hours`` and ``minutes``". The loader
(:func:`volunteerkit.awards.parse_rules`) checks a file against this very schema first, so the two
always agree on structure, then checks what a schema cannot say (unique level ids, prerequisites that
exist and come first, dates in order, a ``per_period`` level on a rolling window …); those checks
are listed in :data:`LOADER_ONLY_CODES`.

Editors that understand JSON Schema (VS Code, JetBrains, ``taplo`` for TOML) use the published file
to complete and check rule files as they are typed.
"""

from __future__ import annotations

import json
from typing import Any

from volunteerkit.hours.models import Source

__all__ = ["LOADER_ONLY_CODES", "RULES_SCHEMA", "SCHEMA_ID", "schema_json"]

SCHEMA_ID = "https://volunteerkit.dev/schemas/award-rules-1.json"
"""The ``$id`` of the schema (format 1 of the rule language)."""

LOADER_ONLY_CODES: tuple[str, ...] = (
    "awards.rules.duplicate_level",
    "awards.rules.unknown_prerequisite",
    "awards.rules.prerequisite_order",
    "awards.rules.effective_dates",
    "awards.rules.date_range",
    "awards.rules.age_range",
    "awards.rules.repeat_window",
    "awards.rules.age_on_lifetime",
    "awards.rules.filter_conflict",
)
"""Problems only the loader finds: they relate several fields, which JSON Schema cannot express."""

_ID = r"^[a-z0-9]+([._-][a-z0-9]+)*$"
_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_MONTHS = {"type": "integer", "minimum": 1, "maximum": 1200}


def _text(max_length: int, description: str) -> dict[str, Any]:
    return {"type": "string", "minLength": 1, "maxLength": max_length, "description": description}


def _date(description: str) -> dict[str, Any]:
    return {"type": "string", "format": "date", "pattern": _DATE, "description": description}


def _names(description: str) -> dict[str, Any]:
    return {
        "type": "array",
        "items": {"type": "string", "minLength": 1, "maxLength": 200},
        "uniqueItems": True,
        "description": description,
    }


def _hours_or_minutes(hours: str, minutes: str, what: str) -> dict[str, Any]:
    return {
        hours: {
            "type": "integer",
            "minimum": 1,
            "maximum": 1_000_000,
            "description": f"{what} in whole hours.",
        },
        minutes: {
            "type": "integer",
            "minimum": 1,
            "maximum": 60_000_000,
            "description": f"{what} in minutes (for thresholds that are not whole hours).",
        },
    }


def _kind(kind: str, allowed: list[str], required: list[str]) -> dict[str, Any]:
    return {
        "if": {"properties": {"kind": {"const": kind}}, "required": ["kind"]},
        "then": {"required": required, "propertyNames": {"enum": ["kind", *allowed]}},
    }


_WINDOW: dict[str, Any] = {
    "type": "object",
    "description": "Which local dates of service count.",
    "required": ["kind"],
    "properties": {
        "kind": {
            "enum": [
                "lifetime",
                "since",
                "calendar_year",
                "rolling_months",
                "chosen_period",
                "date_range",
            ],
            "description": (
                "lifetime: every date up to the evaluation date; since: from a date of the subject "
                "(registration, or a named date such as program_start), for `months` if given; "
                "calendar_year: each calendar year is a period; rolling_months: the `months` "
                "months ending on each date; chosen_period: a period of at most `max_months` "
                "months chosen by the certifying organization; date_range: `first` to `last`."
            ),
        },
        "start": {
            "type": "string",
            "pattern": r"^[a-z][a-z0-9_]*$",
            "maxLength": 60,
            "description": "since: 'registration', or the name of a date the subject carries.",
        },
        "months": {**_MONTHS, "description": "since: length; rolling_months: window length."},
        "max_months": {**_MONTHS, "description": "chosen_period: the longest period allowed."},
        "first": _date("date_range: first date (inclusive)."),
        "last": _date("date_range: last date (inclusive)."),
    },
    "additionalProperties": False,
    "allOf": [
        _kind("lifetime", [], []),
        _kind("since", ["start", "months"], ["start"]),
        _kind("calendar_year", [], []),
        _kind("rolling_months", ["months"], ["months"]),
        _kind("chosen_period", ["max_months"], ["max_months"]),
        _kind("date_range", ["first", "last"], ["first", "last"]),
    ],
}

_SOURCES = [s.value for s in Source]

_COUNTING: dict[str, Any] = {
    "type": "object",
    "description": "Which hours count, and which credit is added up.",
    "properties": {
        "credit": {
            "enum": ["credited", "raw", "weighted"],
            "description": (
                "credited: minutes credited by the accrual policy (default); raw: minutes served; "
                "weighted: weighted credit."
            ),
        },
        "include_categories": _names("Only these service categories count (empty: all)."),
        "exclude_categories": _names(
            "These categories never count (e.g. paid, court_ordered, donation)."
        ),
        "include_sources": {
            "type": "array",
            "items": {"enum": _SOURCES},
            "uniqueItems": True,
            "description": "Only hours captured these ways count.",
        },
        "exclude_sources": {
            "type": "array",
            "items": {"enum": _SOURCES},
            "uniqueItems": True,
            "description": "Hours captured these ways never count.",
        },
        "include_organizations": _names("Only hours certified by these organizations count."),
        "exclude_organizations": _names("Hours certified by these organizations never count."),
    },
    "additionalProperties": False,
}

_CITATION: dict[str, Any] = {
    "type": "object",
    "description": "Where the rule comes from.",
    "required": ["title", "status"],
    "properties": {
        "title": _text(500, "The document, page or notice."),
        "url": {"type": "string", "pattern": r"^https?://\S+$", "maxLength": 1000},
        "status": {
            "enum": ["primary", "secondary", "unconfirmed"],
            "description": (
                "primary: the issuing body's own text; secondary: a copy or report by someone "
                "else; unconfirmed: the source could not be checked."
            ),
        },
        "note": {"type": "string", "maxLength": 2000},
    },
    "additionalProperties": False,
}

_AGE: dict[str, Any] = {
    "type": "object",
    "description": "Age band, in completed years, inclusive at both ends.",
    "properties": {
        "min_age": {"type": "integer", "minimum": 0, "maximum": 150},
        "max_age": {"type": "integer", "minimum": 0, "maximum": 150},
        "on": {
            "enum": ["evaluation_date", "period_start", "period_end"],
            "description": "The date the age is taken on (default period_end).",
        },
    },
    "additionalProperties": False,
}

_GROUP: dict[str, Any] = {
    "type": "object",
    "description": "A level for families and groups: every member must reach the minimum.",
    "properties": _hours_or_minutes("member_hours", "member_minutes", "Each member's minimum"),
    "additionalProperties": False,
    "oneOf": [{"required": ["member_hours"]}, {"required": ["member_minutes"]}],
}

_LEVEL: dict[str, Any] = {
    "type": "object",
    "description": "One level of recognition, in order from the lowest.",
    "required": ["id", "name_zh", "name_en"],
    "properties": {
        "id": {"type": "string", "pattern": _ID, "maxLength": 60},
        "name_zh": _text(200, "Name in Chinese."),
        "name_en": _text(200, "Name in English."),
        **_hours_or_minutes("hours", "minutes", "Threshold"),
        "window": {"$ref": "#/$defs/window"},
        "counting": {"$ref": "#/$defs/counting"},
        "age": {"$ref": "#/$defs/age"},
        "group": {"$ref": "#/$defs/group"},
        "requires": {
            "type": "array",
            "items": {"type": "string", "pattern": _ID, "maxLength": 60},
            "uniqueItems": True,
            "description": "Levels that must have been granted before this one.",
        },
        "repeat": {
            "enum": ["once", "per_period", "renewable"],
            "description": (
                "once: granted once (default); per_period: once per period of the window; "
                "renewable: again each time fresh hours reach the threshold."
            ),
        },
        "recommendation": {
            "type": "boolean",
            "description": "Needs a human recommendation: until then the result says awaiting.",
        },
        "min_days": {"type": "integer", "minimum": 1, "maximum": 100_000},
        "min_months": {"type": "integer", "minimum": 1, "maximum": 12_000},
        "min_span_months": {"type": "integer", "minimum": 1, "maximum": 1200},
        "min_span_days": {"type": "integer", "minimum": 1, "maximum": 36_500},
        "authority": {"type": "string", "maxLength": 200, "description": "Who approves it."},
        "note": {"type": "string", "maxLength": 2000},
    },
    "additionalProperties": False,
    "oneOf": [{"required": ["hours"]}, {"required": ["minutes"]}],
    "not": {"required": ["group", "age"], "x-code": "awards.rules.group_age"},
}

_STANDING: dict[str, Any] = {
    "type": "object",
    "description": "An annual minimum to stay in good standing (each complete calendar year).",
    "properties": {
        **_hours_or_minutes("hours", "minutes", "Minimum per calendar year"),
        "note": {"type": "string", "maxLength": 2000},
    },
    "additionalProperties": False,
    "oneOf": [{"required": ["hours"]}, {"required": ["minutes"]}],
}

RULES_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": SCHEMA_ID,
    "title": "volunteerkit award rule set",
    "description": (
        "A rule set of volunteer recognition: ordered levels with thresholds over windows of "
        "service. Rules are data; nothing in a rule file is executed."
    ),
    "type": "object",
    "required": ["id", "version", "name_zh", "name_en", "sources", "levels"],
    "properties": {
        "format": {"const": 1, "description": "Version of the rule language (1)."},
        "id": {"type": "string", "pattern": _ID, "maxLength": 100},
        "version": _text(40, "Version of this rule set, e.g. '2013' or '2020.1'."),
        "name_zh": _text(200, "Name in Chinese."),
        "name_en": _text(200, "Name in English."),
        "effective_from": _date("First date on which awards can be earned under these rules."),
        "effective_to": _date("Last date on which awards can be earned under these rules."),
        "sources": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/citation"}},
        "note": {"type": "string", "maxLength": 4000},
        "note_zh": {"type": "string", "maxLength": 4000},
        "counting": {"$ref": "#/$defs/counting"},
        "window": {"$ref": "#/$defs/window"},
        "standing": {"$ref": "#/$defs/standing"},
        "levels": {
            "type": "array",
            "minItems": 1,
            "maxItems": 200,
            "items": {"$ref": "#/$defs/level"},
        },
    },
    "additionalProperties": False,
    "$defs": {
        "window": _WINDOW,
        "counting": _COUNTING,
        "citation": _CITATION,
        "age": _AGE,
        "group": _GROUP,
        "level": _LEVEL,
        "standing": _STANDING,
    },
}
"""The JSON Schema of a rule file (as a Python dict)."""


def schema_json() -> str:
    """Return the schema as the text published in ``docs/award-rules.schema.json``.

    Returns:
        Indented JSON with sorted keys and a final newline.
    """
    return json.dumps(RULES_SCHEMA, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
