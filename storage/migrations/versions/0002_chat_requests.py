"""chat adapters: processed request keys, the project chosen for direct messages

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "processed_request",
        sa.Column("key", sa.String(length=160), nullable=False),
        sa.Column("workspace_id", sa.String(length=64), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    with op.batch_alter_table("processed_request", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_processed_request_received_at"), ["received_at"], unique=False
        )

    op.create_table(
        "direct_project",
        sa.Column("workspace_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=200), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("chosen_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"]),
        sa.PrimaryKeyConstraint("workspace_id", "user_id"),
    )


def downgrade() -> None:
    op.drop_table("direct_project")
    with op.batch_alter_table("processed_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_processed_request_received_at"))
    op.drop_table("processed_request")
