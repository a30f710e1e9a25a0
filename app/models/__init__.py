"""Persistent models; importing this package registers every table on `Base.metadata`."""

from app.models.audit import AuditEvent, AuditHead
from app.models.base import Base, utcnow
from app.models.datasets import Dataset
from app.models.users import ApiToken, Role, RoleGrant, User

__all__ = [
    "ApiToken",
    "AuditEvent",
    "AuditHead",
    "Base",
    "Dataset",
    "Role",
    "RoleGrant",
    "User",
    "utcnow",
]
