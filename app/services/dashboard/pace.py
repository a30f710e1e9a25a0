"""Too fast to be careful (P6): how the workbench flags implausibly quick annotations.

No standard gives a number of seconds, so the bar is set by the people doing the same work:
an annotation is *too fast* when its time on the item (Label Studio's lead time) is below the
5th percentile of all counted lead times of its rule set, or below a floor (2 s by default,
`LABELGATE_DASHBOARD_TOO_FAST_FLOOR_SECONDS`), whichever is higher. By construction about 5 %
of a careful population falls under its own 5th percentile, so one quick item means
nothing: an *annotator* is flagged when more than 10 % of at least 20 timed annotations are
too fast — twice what the population shows.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, false, select
from sqlalchemy.orm import Session

from app.models import Annotation, RuleVersion
from app.services.dashboard.sql import grouped_quantiles
from app.services.verification.units import counted


@dataclass(frozen=True)
class PacePolicy:
    """The P6 bar: percentile of the rule set's lead times, floor, and the annotator flag."""

    percentile: float = 0.05
    floor_seconds: float = 2.0
    flag_share: float = 0.10
    min_items: int = 20


def policy_from(config) -> PacePolicy:
    """Return the policy with the deployment's floor (`DASHBOARD_TOO_FAST_FLOOR_SECONDS`)."""
    floor = float(config.get("DASHBOARD_TOO_FAST_FLOOR_SECONDS", PacePolicy.floor_seconds))
    if floor < 0:
        raise ValueError("DASHBOARD_TOO_FAST_FLOOR_SECONDS must be zero or more seconds")
    return PacePolicy(floor_seconds=floor)


def thresholds(session: Session, policy: PacePolicy) -> dict[int, float]:
    """Return {rule version id: seconds below which an annotation is too fast}."""
    stmt = counted(
        select(RuleVersion.rule_set_id, Annotation.lead_time).join(
            RuleVersion, RuleVersion.id == Annotation.rule_version_id
        )
    )
    per_set = grouped_quantiles(
        session, stmt, RuleVersion.rule_set_id, Annotation.lead_time, policy.percentile
    )
    versions = session.execute(select(RuleVersion.id, RuleVersion.rule_set_id)).all()
    return {vid: max(policy.floor_seconds, per_set.get(sid, 0.0)) for vid, sid in versions}


def too_fast(limits: dict[int, float]):
    """Return a SQL condition true for an annotation faster than its rule version's bar."""
    if not limits:
        return false()
    bar = case(limits, value=Annotation.rule_version_id, else_=0.0)
    return Annotation.lead_time < bar


def flagged(too_fast_items: int, timed_items: int, policy: PacePolicy) -> bool:
    """Tell whether an annotator's share of too-fast items calls for a look."""
    return timed_items >= policy.min_items and too_fast_items > policy.flag_share * timed_items
