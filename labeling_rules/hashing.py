"""Content hash of a rule set: SHA-256 of a canonical JSON form of the parsed document."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from labeling_rules.errors import RuleFileError
from labeling_rules.lint import analyse, analyse_file
from labeling_rules.model import RuleSet


def canonical_json(data: Any) -> str:
    """Return `data` as canonical JSON: sorted keys, no spaces, UTF-8 text kept as is.

    NaN and infinity are written as JSON's common extensions so that any parsed file,
    even one the linter rejects, has a hash.
    """
    return json.dumps(
        data,
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        allow_nan=True,
        default=str,
    )


def content_hash(rule_set_or_text: RuleSet | str | bytes | Path) -> str:
    """Return the SHA-256 (hex) of a rule set's canonical form.

    The hash covers the parsed document, not the bytes: comments, quoting, indentation and
    key order do not change it; any change of a value or of list order does. A `str` or
    `bytes` is YAML text, a Path is read from disk. Raises RuleFileError when the text
    cannot be parsed as YAML (schema errors do not prevent hashing).
    """
    if isinstance(rule_set_or_text, RuleSet):
        data = rule_set_or_text.raw
    else:
        if isinstance(rule_set_or_text, Path):
            document, findings = analyse_file(rule_set_or_text)
        else:
            document, findings = analyse(rule_set_or_text, source_name="<text>")
        if document is None:
            raise RuleFileError(findings)
        data = document.data
    return hashlib.sha256(canonical_json(data).encode("utf-8")).hexdigest()
