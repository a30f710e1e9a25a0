"""Validate a rule document against schema.json and word each error for a rule author."""

from __future__ import annotations

import difflib
import json
import math
from functools import lru_cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from labeling_rules.messages import FORMS, TYPE_WORDS
from labeling_rules.report import Reporter
from labeling_rules.source import type_name

SCHEMA_PATH = Path(__file__).with_name("schema.json")
_RANGE_KEYWORDS = {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"}


@lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    """Return the rule-set JSON Schema (Draft 2020-12) shipped beside this module."""
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _validator() -> Draft202012Validator:
    Draft202012Validator.check_schema(schema())
    return Draft202012Validator(schema())


def check_schema(data: Any, report: Reporter) -> None:
    """Report every schema error of `data`, located and worded for a rule author."""
    if _report_non_finite(data, (), report):
        return  # NaN and infinity slip through every numeric bound; nothing else is judged
    errors = sorted(_validator().iter_errors(data), key=lambda e: [str(p) for p in e.path])
    # jsonschema yields one `required` error per missing key, each listing all of them.
    errors = _unique_required(errors)
    # A misspelt key is reported once, as a typo, not also as the required key it misses.
    typos = {
        (tuple(error.absolute_path), key): suggestion
        for error in errors
        if error.validator == "additionalProperties"
        for key, suggestion in _typos(error).items()
    }
    corrected = {(path, suggestion) for (path, _), suggestion in typos.items()}
    for error in errors:
        _report(error, report, typos, corrected)


def _report_non_finite(value: Any, path: tuple[Any, ...], report: Reporter) -> bool:
    """Report every NaN or infinite number under `value`; return True if there was one."""
    if isinstance(value, float) and not math.isfinite(value):
        report.add("E112", path, where=report.where(path), value=value)
        return True
    if not isinstance(value, dict | list):
        return False
    children = value.items() if isinstance(value, dict) else enumerate(value)
    found = [_report_non_finite(child, (*path, key), report) for key, child in children]
    return any(found)


def _unique_required(errors: list[ValidationError]) -> list[ValidationError]:
    seen: set[tuple[Any, ...]] = set()
    unique = []
    for error in errors:
        if error.validator == "required":
            path = tuple(error.absolute_path)
            if path in seen:
                continue
            seen.add(path)
        unique.append(error)
    return unique


def _typos(error: ValidationError) -> dict[str, str]:
    """Return {unknown key: the missing known key it most likely misspells}."""
    allowed = error.schema.get("properties", {})
    missing = [key for key in allowed if key not in error.instance]
    found = {}
    for key in error.instance:
        if key not in allowed:
            close = difflib.get_close_matches(key, missing, n=1, cutoff=0.75)
            if close:
                found[key] = close[0]
    return found


def _report(
    error: ValidationError,
    report: Reporter,
    typos: dict[tuple[Any, str], str],
    corrected: set[tuple[Any, str]],
) -> None:
    path = tuple(error.absolute_path)
    where = report.where(path)
    keyword = error.validator
    lang = report.lang
    if keyword in ("required", "additionalProperties"):
        _report_keys(error, report, typos, corrected)
    elif keyword == "type":
        expected = error.validator_value
        names = [expected] if isinstance(expected, str) else list(expected)
        wanted = " / ".join(TYPE_WORDS[n][lang] for n in names)
        found = TYPE_WORDS.get(type_name(error.instance), {}).get(lang, type_name(error.instance))
        report.add("E102", path, where=where, expected=wanted, found=found)
    elif keyword in ("enum", "const"):
        allowed = error.validator_value if keyword == "enum" else [error.validator_value]
        report.add(
            "E103", path, where=where, value=error.instance, allowed=", ".join(map(str, allowed))
        )
    elif keyword == "pattern" and error.validator_value in FORMS:
        form = FORMS[error.validator_value][lang]
        report.add("E104", path, where=where, value=error.instance, form=form)
    elif keyword in ("minLength", "pattern"):
        report.add("E108", path, where=where)
    elif keyword in _RANGE_KEYWORDS:
        report.add("E105", path, where=where, value=error.instance, bound=_bound(error.schema))
    elif keyword in ("minItems", "minProperties"):
        report.add("E106", path, where=where, minimum=error.validator_value)
    elif keyword in ("maxLength", "maxItems"):
        report.add("E107", path, where=where, maximum=error.validator_value)
    else:
        report.add("E109", path, where=where, detail=error.message)


def _report_keys(
    error: ValidationError,
    report: Reporter,
    typos: dict[tuple[Any, str], str],
    corrected: set[tuple[Any, str]],
) -> None:
    """Report missing, unknown and misspelt keys of one mapping."""
    path = tuple(error.absolute_path)
    where = report.where(path)
    if error.validator == "required":
        for key in error.validator_value:
            if key not in error.instance and (path, key) not in corrected:
                report.add("E100", path, at="key", where=where, key=key)
        return
    allowed = list(error.schema.get("properties", {}))
    for key in error.instance:
        if (path, key) in typos:
            suggestion = typos[(path, key)]
            report.add("E111", (*path, key), at="key", key=key, where=where, suggestion=suggestion)
        elif key not in allowed:
            report.add(
                "E101", (*path, key), at="key", key=key, where=where, allowed=", ".join(allowed)
            )


def _bound(subschema: dict[str, Any]) -> str:
    """Return the allowed range of a numeric schema as text, e.g. '0 < x ≤ 1'."""
    low = high = ""
    if "minimum" in subschema:
        low = f"{subschema['minimum']} ≤ "
    elif "exclusiveMinimum" in subschema:
        low = f"{subschema['exclusiveMinimum']} < "
    if "maximum" in subschema:
        high = f" ≤ {subschema['maximum']}"
    elif "exclusiveMaximum" in subschema:
        high = f" < {subschema['exclusiveMaximum']}"
    return f"{low}x{high}"
