"""Name each gap the evidence shows, and say what to do about it.

The status of every requirement comes from `app.services.compliance`; this module only
turns the records behind a status into lines an inspector and a QA lead can act on: which
annotator worked without a pass record, which batch was never spot-checked, which items of
a security batch nobody reviewed. The "what to do" advice is one sentence per requirement.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Batch, Item, ReviewTask, RuleVersion, User
from app.services.compliance.verification_checks import PAST_ANNOTATION, SETTLED
from app.services.qualification_review import unqualified_annotations
from app.services.verification import decisions, plans

MAX_NAMED = 20  # items named one by one before the rest are counted

REMEDIES = {
    "R1": _l(
        "Complete the rule set (objective, data format, method, quality indicators) until "
        "`labelgate rules lint` passes; publish, approve and activate the new version."
    ),
    "R2": _l(
        "Keep functional and security annotation in separate rule sets, each with its "
        "annotation and review sections; publish and activate them."
    ),
    "R3": _l("State the task type in the rule set; publish and activate the new version."),
    "R4": _l(
        "Add positive and negative examples and the method for recognising risky content "
        "to the functional rules; publish and activate the new version."
    ),
    "R5": _l(
        "Add safe-response guidance and examples, and map all 31 risks of Annex A, in the "
        "security rules; publish and activate the new version."
    ),
    "R6": _l(
        "Add how to spot wrong annotations, how quality and safety are verified, and the "
        "incident-response procedure to the rules; publish and activate the new version."
    ),
    "R7": _l(
        "Re-sync the batches so that every annotation is bound to the rule version it was "
        "made under; annotations without one must be quarantined and redone."
    ),
    "P1": _l(
        "Require the missing training modules in the rule set and have every annotator take them."
    ),
    "P2": _l(
        "Stop the annotator's work, have them pass the rule set's exams and practice, and "
        "have the annotations made without a pass re-verified or redone."
    ),
    "P3": _l(
        "Re-examine people after every major rule change and at the set interval; suspend "
        "those who fail."
    ),
    "P4": _l(
        "Grant the executor, reviewer, arbitrator and supervisor roles through the "
        "workbench so that every assignment is recorded."
    ),
    "P5": _l(
        "Give the review to someone who did not annotate the item, and keep strict "
        "separation of duties on."
    ),
    "P6": _l("Look into the submissions flagged as too fast and have rushed ones redone."),
    "P7": _l("Have an arbitrator decide every open disagreement."),
    "P8": _l(
        "Have a supervisor spot-check the batch's reviewers and arbitrators and close the "
        "check with the risks found and their handling."
    ),
    "P9": _l("Deactivate the account and revoke its roles and its Label Studio access."),
    "L1": _l(
        "Find out why the audit chain breaks where named, restore the trail from a backup, "
        "and keep retention at six months or more."
    ),
    "L2": _l(
        "Keep security batches in their own Label Studio projects, open only to the "
        "people on their access list."
    ),
    "V1": _l(
        "Draw a spot-check plan for the batch (`labelgate verify plan BATCH`), have the "
        "sample reviewed and decide the batch before its labels are used."
    ),
    "V2": _l(
        "Have every item of the security batch reviewed by at least one reviewer, then "
        "decide the batch."
    ),
    "V3": _l("Draw verifiers at random among qualified people who did not work on the batch."),
    "V4": _l(
        "Use a review form that asks for intent, constraints, language quality and the "
        "quality dimensions with defect codes."
    ),
    "V5": _l(
        "Finish each correction: have it re-reviewed by an independent verifier, then archive it."
    ),
    "V6": _l(
        "Re-ingest the verdicts so that each records verifier, time, result, problems and "
        "action taken."
    ),
    "V7": _l(
        "Annotate more security data for the dataset: at least 3 per cent of its annotations and "
        "200 per covered risk."
    ),
    "E1": _l(
        "Complete the dataset's provenance in the data register: licence, collection "
        "record, contract and user authorisation."
    ),
}


def unqualified_work(session: Session, batch_ids: set[int]) -> list[dict]:
    """Return, per annotator and rule set, the annotations made without a valid pass (P2)."""
    grouped: dict[tuple[int, int], dict] = {}
    for ann in unqualified_annotations(session, limit=100_000):
        if ann.batch_id not in batch_ids:
            continue
        version = session.get(RuleVersion, ann.rule_version_id)
        entry = grouped.setdefault(
            (ann.user_id, version.rule_set_id),
            {
                "user_id": ann.user_id,
                "rule_set": version.rule_set.key,
                "annotations": 0,
                "batches": set(),
            },
        )
        entry["annotations"] += 1
        entry["batches"].add(session.get(Batch, ann.batch_id).name)
    people = dict(
        session.execute(
            select(User.id, User.email).where(User.id.in_([k[0] for k in grouped] or [-1]))
        ).all()
    )
    return [
        {
            "annotator": people.get(e["user_id"], "?"),
            "rule_set": e["rule_set"],
            "annotations": e["annotations"],
            "batches": sorted(e["batches"]),
        }
        for _key, e in sorted(grouped.items(), key=lambda kv: people.get(kv[0][0], ""))
    ]


def unchecked_batches(session: Session, batches: list[Batch]) -> list[dict]:
    """Return functional batches past annotation without a spot-check plan, and settled ones
    without a decision (V1, as the compliance check counts them)."""
    result = []
    for batch in batches:
        if batch.kind != "functional" or batch.state not in PAST_ANNOTATION:
            continue
        plan = plans.latest_plan(session, batch.id)
        if plan is None or not plan.reason:
            result.append({"batch": batch.name, "state": batch.state, "problem": "no_plan"})
        elif batch.state in SETTLED and plans.latest_decision(session, batch.id) is None:
            result.append({"batch": batch.name, "state": batch.state, "problem": "no_decision"})
    return result


def unreviewed_security_items(session: Session, batches: list[Batch]) -> list[dict]:
    """Return, per decided security batch, the items no counted verdict covers (V2)."""
    result = []
    for batch in batches:
        decision = plans.latest_decision(session, batch.id)
        if batch.kind != "security" or decision is None or decision.decision == "void":
            continue
        reviewed = set()
        for task in session.scalars(select(ReviewTask).where(ReviewTask.batch_id == batch.id)):
            if decisions.counted_verdict(session, task.id) is not None:
                reviewed.add(task.item_id)
        items = dict(
            session.execute(
                select(Item.id, Item.external_id).where(Item.batch_id == batch.id)
            ).all()
        )
        missing = sorted(set(items) - reviewed)
        if missing:
            result.append(
                {
                    "batch": batch.name,
                    "state": batch.state,
                    "decision": decision.decision,
                    "unreviewed": len(missing),
                    "of": len(items),
                    "items": [items[i] for i in missing[:MAX_NAMED]],
                }
            )
    return result
