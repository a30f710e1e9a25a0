"""contract after the door: Label Studio ids unique per server only; no Label Studio queues

Contract: the one-column unique Label Studio ids and the per-person Label Studio views
(annotator_queues, review_queues) are unused since 0006, when people began to work through
the door and records to be keyed by (server, id).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 20:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("annotations", schema=None) as batch_op:
        batch_op.drop_constraint("uq_annotations_ls_annotation_id", type_="unique")
    with op.batch_alter_table("verification_records", schema=None) as batch_op:
        batch_op.drop_constraint("uq_verification_records_ls_annotation_id", type_="unique")
    with op.batch_alter_table("label_studio_accounts", schema=None) as batch_op:
        batch_op.drop_constraint("uq_label_studio_accounts_ls_user_id", type_="unique")
        batch_op.drop_constraint("uq_label_studio_accounts_user_id", type_="unique")
    op.drop_table("annotator_queues")
    op.drop_table("review_queues")


def _queue_table(name: str) -> None:
    op.create_table(
        name,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("ls_view_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=400), nullable=False),
        sa.ForeignKeyConstraint(["batch_id"], ["batches.id"],
                                name=op.f(f"fk_{name}_batch_id_batches")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f(f"fk_{name}_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")),
        sa.UniqueConstraint("batch_id", "user_id", name=op.f(f"uq_{name}_batch_id")),
    )


def downgrade() -> None:
    _queue_table("review_queues")
    _queue_table("annotator_queues")
    with op.batch_alter_table("label_studio_accounts", schema=None) as batch_op:
        batch_op.create_unique_constraint("uq_label_studio_accounts_user_id", ["user_id"])
        batch_op.create_unique_constraint("uq_label_studio_accounts_ls_user_id", ["ls_user_id"])
    with op.batch_alter_table("verification_records", schema=None) as batch_op:
        batch_op.create_unique_constraint("uq_verification_records_ls_annotation_id",
                                          ["ls_annotation_id"])
    with op.batch_alter_table("annotations", schema=None) as batch_op:
        batch_op.create_unique_constraint("uq_annotations_ls_annotation_id",
                                          ["ls_annotation_id"])
