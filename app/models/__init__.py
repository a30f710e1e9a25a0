"""Persistent models; importing this package registers every table on `Base.metadata`."""

from app.models.audit import AuditEvent, AuditHead
from app.models.base import Base, utcnow
from app.models.dashboard_indexes import ANNOTATIONS_BY_USER, ARBITRATIONS_BY_BATCH
from app.models.datasets import Dataset
from app.models.door import DeadLetter, DoorTask
from app.models.jobs import Job
from app.models.rules import RuleSetRecord, RuleVersion, VersionStatus
from app.models.training import ExamAttempt, PracticeAttempt
from app.models.users import ApiToken, Role, RoleGrant, User
from app.models.verification import (
    AgreementReport,
    Arbitration,
    BatchDecision,
    ConsensusLabel,
    Correction,
    Release,
    ReviewProject,
    ReviewTask,
    SupervisionCheck,
    SwitchingState,
    VerificationPlan,
    VerificationRecord,
)
from app.models.work import (
    DEFAULT_SERVER,
    Annotation,
    Assignment,
    Batch,
    BatchState,
    Item,
    LabelStudioAccount,
    Qualification,
)

__all__ = [
    "DEFAULT_SERVER",
    "ANNOTATIONS_BY_USER",
    "ARBITRATIONS_BY_BATCH",
    "ExamAttempt",
    "Job",
    "PracticeAttempt",
    "Annotation",
    "DeadLetter",
    "DoorTask",
    "Assignment",
    "Batch",
    "BatchState",
    "Item",
    "LabelStudioAccount",
    "Qualification",
    "RuleSetRecord",
    "RuleVersion",
    "VersionStatus",
    "ApiToken",
    "AuditEvent",
    "AuditHead",
    "Base",
    "Dataset",
    "Role",
    "RoleGrant",
    "User",
    "utcnow",
    "AgreementReport",
    "Arbitration",
    "BatchDecision",
    "ConsensusLabel",
    "Correction",
    "Release",
    "ReviewProject",
    "ReviewTask",
    "SupervisionCheck",
    "SwitchingState",
    "VerificationPlan",
    "VerificationRecord",
]
