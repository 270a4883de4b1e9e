"""schools: a project's perimeter by UAI, local competences, who covers them at each school

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "school",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.String(length=64), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("uai", sa.String(length=8), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("kind_label", sa.String(length=64), nullable=False),
        sa.Column("statut", sa.String(length=16), nullable=True),
        sa.Column("commune", sa.String(length=100), nullable=False),
        sa.Column("departement", sa.String(length=8), nullable=False),
        sa.Column("circonscription", sa.String(length=200), nullable=False),
        sa.Column("etat", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("referent", sa.String(length=200), nullable=True),
        sa.Column("referent_by", sa.String(length=200), nullable=True),
        sa.Column("referent_at", sa.DateTime(), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"]),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspace.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("project_id", "uai"),
    )
    with op.batch_alter_table("school", schema=None) as batch_op:
        batch_op.create_index("ix_school_referent", ["workspace_id", "referent"], unique=False)

    op.create_table(
        "local_competence",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("competence_id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["competence_id"], ["competence.id"]),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"]),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspace.id"]),
        sa.PrimaryKeyConstraint("project_id", "competence_id"),
    )
    op.create_table(
        "school_cover",
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("competence_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.String(length=64), nullable=False),
        sa.Column("person", sa.String(length=200), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["competence_id"], ["competence.id"]),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"]),
        sa.ForeignKeyConstraint(["school_id"], ["school.id"]),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspace.id"]),
        sa.PrimaryKeyConstraint("school_id", "competence_id"),
    )
    with op.batch_alter_table("school_cover", schema=None) as batch_op:
        batch_op.create_index(
            "ix_school_cover_project", ["project_id", "competence_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("school_cover", schema=None) as batch_op:
        batch_op.drop_index("ix_school_cover_project")
    op.drop_table("school_cover")
    op.drop_table("local_competence")
    with op.batch_alter_table("school", schema=None) as batch_op:
        batch_op.drop_index("ix_school_referent")
    op.drop_table("school")
