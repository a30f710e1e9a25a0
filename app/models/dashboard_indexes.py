"""Indexes the QA dashboard reads by (migration 0005): one annotator's work over time, and
one batch's disagreements. Declared here so that the models and the migrations agree."""

from __future__ import annotations

from sqlalchemy import Index

from app.models.verification import Arbitration
from app.models.work import Annotation

ANNOTATIONS_BY_USER = Index(
    "ix_annotations_user_created",
    Annotation.__table__.c.user_id,
    Annotation.__table__.c.ls_created_at,
)
ARBITRATIONS_BY_BATCH = Index("ix_arbitrations_batch", Arbitration.__table__.c.batch_id)
