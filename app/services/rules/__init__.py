"""Rule versions: publish, approve, activate and retire them; diff and impact (R1–R7, P3).

A version's content never changes once published. Its lifecycle is draft → approved →
active → retired; a rule set has at most one active version. Every change is audited in
the transaction that makes it.
"""

from app.services.rules.impact import BatchImpact, Impact, diff, impact
from app.services.rules.lifecycle import LAPSE_REASON, Activation, activate, approve, retire
from app.services.rules.lookup import (
    ACTIVATORS,
    APPROVERS,
    DRAFT_READERS,
    IN_FORCE,
    PUBLISHERS,
    RuleSetSummary,
    active_version,
    domain_lang,
    get_version,
    level_name,
    list_rule_sets,
    load,
    may_read,
    rule_set,
    semver,
    split_ref,
    status_name,
    versions,
)
from app.services.rules.publishing import Published, RuleFileRefused, publish

__all__ = [
    "ACTIVATORS",
    "APPROVERS",
    "DRAFT_READERS",
    "IN_FORCE",
    "LAPSE_REASON",
    "PUBLISHERS",
    "Activation",
    "BatchImpact",
    "Impact",
    "Published",
    "RuleFileRefused",
    "RuleSetSummary",
    "activate",
    "active_version",
    "approve",
    "diff",
    "domain_lang",
    "get_version",
    "impact",
    "level_name",
    "list_rule_sets",
    "load",
    "may_read",
    "publish",
    "retire",
    "rule_set",
    "semver",
    "split_ref",
    "status_name",
    "versions",
]
