"""the annotator's door: per-server Label Studio ids, door tasks, dead letters, codes

Records and accounts are keyed by (Label Studio server, id): security rule sets may have a
server of their own (L2), and ids repeat across servers. Quarantine reasons become codes
with parameters, rendered where they are read.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 20:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.models.base

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Quarantine reasons written as English prose before 0006, and their codes.
LEGACY_REASONS = (
    ("unknown Label Studio user%", "unknown_user"),
    ("% was deactivated", "deactivated"),
    ("% was not assigned this%", "not_assigned"),
    ("% may not verify it (V3)", "worked_on_batch"),
    ("% held no valid qualification for %", "not_qualified"),
    ("result does not fit %", "result_invalid"),
    ("verdict does not fit %", "result_invalid"),
)


def _server_column() -> sa.Column:
    return sa.Column("ls_server", sa.String(length=20), nullable=False,
                     server_default="default")


def upgrade() -> None:
    for table in ("batches", "practice_attempts"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(_server_column())
    for table in ("annotations", "verification_records"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(_server_column())
            batch_op.add_column(sa.Column("quarantine_params", sa.JSON(), nullable=True))
            batch_op.create_unique_constraint(
                f"uq_{table}_server_ls_id", ["ls_server", "ls_annotation_id"])
        for pattern, code in LEGACY_REASONS:
            op.execute(sa.text(f"UPDATE {table} SET quarantine_reason = :code "
                               "WHERE quarantine_reason LIKE :pattern")
                       .bindparams(code=code, pattern=pattern))
    with op.batch_alter_table("label_studio_accounts", schema=None) as batch_op:
        batch_op.add_column(_server_column())
        batch_op.add_column(sa.Column("deactivated_at",
                                      app.models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_unique_constraint("uq_label_studio_accounts_user_server",
                                          ["user_id", "ls_server"])
        batch_op.create_unique_constraint("uq_label_studio_accounts_server_user",
                                          ["ls_server", "ls_user_id"])
    op.create_table(
        "door_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("unit_key", sa.String(length=80), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.Column("opened_at", app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("lead_seconds", sa.Double(), nullable=False),
        sa.Column("draft", sa.JSON(), nullable=True),
        sa.Column("draft_at", app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ls_server", sa.String(length=20), nullable=False),
        sa.Column("ls_annotation_id", sa.Integer(), nullable=True),
        sa.Column("submitted_at", app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("skip_reason", sa.Text(), nullable=True),
        sa.Column("claim_until", app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["batch_id"], ["batches.id"],
                                name=op.f("fk_door_tasks_batch_id_batches")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_door_tasks_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_door_tasks")),
        sa.UniqueConstraint("kind", "unit_key", "user_id", name="uq_door_tasks_unit_user"),
    )
    with op.batch_alter_table("door_tasks", schema=None) as batch_op:
        batch_op.create_index("ix_door_tasks_user_batch", ["user_id", "batch_id"], unique=False)
    op.create_table(
        "dead_letters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.Column("delivery", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("first_failed_at", app.models.base.UTCDateTime(timezone=True),
                  nullable=False),
        sa.Column("last_failed_at", app.models.base.UTCDateTime(timezone=True),
                  nullable=False),
        sa.Column("resolved_at", app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolution", sa.String(length=12), nullable=True),
        sa.Column("resolved_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["batch_id"], ["batches.id"],
                                name=op.f("fk_dead_letters_batch_id_batches")),
        sa.ForeignKeyConstraint(["resolved_by_id"], ["users.id"],
                                name=op.f("fk_dead_letters_resolved_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dead_letters")),
    )
    with op.batch_alter_table("dead_letters", schema=None) as batch_op:
        batch_op.create_index("ix_dead_letters_open", ["resolved_at"], unique=False)


def downgrade() -> None:
    op.drop_table("dead_letters")
    op.drop_table("door_tasks")
    with op.batch_alter_table("label_studio_accounts", schema=None) as batch_op:
        batch_op.drop_constraint("uq_label_studio_accounts_server_user", type_="unique")
        batch_op.drop_constraint("uq_label_studio_accounts_user_server", type_="unique")
        batch_op.drop_column("deactivated_at")
        batch_op.drop_column("ls_server")
    for table in ("verification_records", "annotations"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(f"uq_{table}_server_ls_id", type_="unique")
            batch_op.drop_column("quarantine_params")
            batch_op.drop_column("ls_server")
    for table in ("practice_attempts", "batches"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("ls_server")
