"""The requirement IDs of REGULATION.md with their names (English source, Chinese in the
catalogue, worded after GB/T 45674-2025 and TC260-003) and the clauses behind them."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.services.compliance.model import Requirement

SECTIONS = {
    "rules": _l("Labeling rules"),
    "people": _l("People: training and supervision"),
    "platform": _l("Platform"),
    "verification": _l("Quality assessment and sampling verification"),
    "explaining": _l("Explaining to an inspector"),
}

REQUIREMENTS: tuple[Requirement, ...] = (
    Requirement(
        "R1",
        "rules",
        _l("Rules state objective, data format, annotation method and quality indicators"),
        "B §6a, C §5.3b1",
    ),
    Requirement(
        "R2",
        "rules",
        _l("Separate functional and security rules, each covering annotation and review"),
        "B §6b, C §5.3b2",
    ),
    Requirement("R3", "rules", _l("Rules state the annotation task type"), "B §6c"),
    Requirement(
        "R4",
        "rules",
        _l(
            "Functional rules give positive and negative examples and a "
            "method for recognising risky content"
        ),
        "B §6d–e",
    ),
    Requirement(
        "R5",
        "rules",
        _l("Security rules guide safe, positive responses and cover all 31 risks"),
        "B §6f–g, C §5.3b4",
    ),
    Requirement(
        "R6",
        "rules",
        _l(
            "Rules say how to spot wrong annotations, verify quality and "
            "safety, and respond to incidents"
        ),
        "B §6h–j",
    ),
    Requirement(
        "R7", "rules", _l("Every annotation is bound to its exact rule version"), "Art. 19"
    ),
    Requirement(
        "P1",
        "people",
        _l("Training covers rules, platform use, verification, data security, risk cases and law"),
        "B §7.1a, Art. 8",
    ),
    Requirement(
        "P2",
        "people",
        _l("An exam grants the qualification; every working annotator has a pass record"),
        "B §7.1b, §9.3, C §5.3a2",
    ),
    Requirement(
        "P3",
        "people",
        _l("Periodic retraining; those who fail are suspended or removed"),
        "B §7.1c",
    ),
    Requirement(
        "P4",
        "people",
        _l("Roles of executor, reviewer, arbitrator and supervisor; every assignment recorded"),
        "B §7.2",
    ),
    Requirement(
        "P5",
        "people",
        _l("Annotator and reviewer of an item are different people"),
        "B §7.3e, C §5.3a3",
    ),
    Requirement(
        "P6", "people", _l("Enough time per task; implausibly fast work flagged"), "C §5.3a4"
    ),
    Requirement(
        "P7", "people", _l("Disagreements arbitrated and the decision recorded"), "B §7.3c"
    ),
    Requirement(
        "P8",
        "people",
        _l("Supervisors spot-check each role and record risks and handling"),
        "B §7.3d",
    ),
    Requirement(
        "P9", "people", _l("Access revoked when someone leaves or is disqualified"), "B §7.3f"
    ),
    Requirement(
        "L1",
        "platform",
        _l("Operation logs trace every item and are kept at least six months"),
        "B §5c, §9.1",
    ),
    Requirement(
        "L2", "platform", _l("Security annotation data stored in isolation"), "B §5d, C §5.3d"
    ),
    Requirement(
        "V1",
        "verification",
        _l(
            "Every functional batch spot-checked by a recorded "
            "plan; illegal content voids the batch"
        ),
        "Art. 8, B §8.2g, C §5.3c1",
    ),
    Requirement(
        "V2",
        "verification",
        _l("Every security annotation reviewed; the batch is void when failures exceed 5 %"),
        "B §8.3b–c, C §5.3c2",
    ),
    Requirement(
        "V3",
        "verification",
        _l("Verifiers chosen at random among people who did not work on the batch"),
        "B §8.1c",
    ),
    Requirement(
        "V4",
        "verification",
        _l(
            "Verifiers check intent, constraints, language and quality dimensions with defect codes"
        ),
        "B §8.1d, §8.2b–f",
    ),
    Requirement(
        "V5",
        "verification",
        _l("Flagged items corrected, re-reviewed and archived with full records"),
        "B §8.1e–f",
    ),
    Requirement(
        "V6",
        "verification",
        _l("Verification records hold verifier, time, result, problems and action"),
        "B §8.1g",
    ),
    Requirement(
        "V7",
        "verification",
        _l("Security annotations: at least 3 % per dataset, 200 per covered risk"),
        "B §8.1a–b",
    ),
    Requirement(
        "E1",
        "explaining",
        _l("Source, scale, type, rules and quality evidence of the training data explained"),
        "Art. 19, C §5.1c",
    ),
)

BY_ID: dict[str, Requirement] = {r.id: r for r in REQUIREMENTS}


def requirement(requirement_id: str) -> Requirement:
    """Return the requirement with this ID; raise ValueError naming the known IDs."""
    try:
        return BY_ID[requirement_id]
    except KeyError:
        raise ValueError(
            f"unknown requirement {requirement_id!r}; known: {', '.join(BY_ID)}"
        ) from None
