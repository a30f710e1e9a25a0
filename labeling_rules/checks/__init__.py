"""Operability checks: what a schema cannot say about a rule set (R1-R6, V2)."""

from __future__ import annotations

from typing import Any

from labeling_rules.checks.policy import check_policy
from labeling_rules.checks.procedure import check_procedure
from labeling_rules.checks.structure import check_structure
from labeling_rules.report import Reporter


def run_checks(data: dict[str, Any], report: Reporter, file_name: str | None = None) -> None:
    """Run every operability check on a schema-valid rule document."""
    check_structure(data, report)
    check_procedure(data, report)
    check_policy(data, report, file_name)
