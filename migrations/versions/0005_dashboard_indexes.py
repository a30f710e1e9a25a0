"""dashboard indexes: an annotator's annotations over time, a batch's arbitrations

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 03:45:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("annotations", schema=None) as batch_op:
        batch_op.create_index(
            "ix_annotations_user_created", ["user_id", "ls_created_at"], unique=False
        )
    with op.batch_alter_table("arbitrations", schema=None) as batch_op:
        batch_op.create_index("ix_arbitrations_batch", ["batch_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("arbitrations", schema=None) as batch_op:
        batch_op.drop_index("ix_arbitrations_batch")
    with op.batch_alter_table("annotations", schema=None) as batch_op:
        batch_op.drop_index("ix_annotations_user_created")
