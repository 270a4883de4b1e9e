"""a person's projects by index (assignment contacts, creators, authors)

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "assignment_contact",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("competence_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=200), nullable=False),
        sa.Column("workspace_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["competence_id"], ["competence.id"]),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"]),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspace.id"]),
        sa.PrimaryKeyConstraint("project_id", "competence_id", "user_id"),
    )
    with op.batch_alter_table("assignment_contact", schema=None) as batch_op:
        batch_op.create_index(
            "ix_assignment_contact_person", ["workspace_id", "user_id"], unique=False
        )
    with op.batch_alter_table("project", schema=None) as batch_op:
        batch_op.create_index("ix_project_creator", ["workspace_id", "created_by"], unique=False)
    with op.batch_alter_table("assignment", schema=None) as batch_op:
        batch_op.create_index(
            "ix_assignment_updater", ["workspace_id", "updated_by"], unique=False
        )
    _copy_contacts()


def _copy_contacts() -> None:
    connection = op.get_bind()
    rows = connection.execute(
        sa.text("SELECT workspace_id, project_id, competence_id, contacts FROM assignment")
    )
    copies = []
    for workspace_id, project_id, competence_id, contacts in rows:
        people = json.loads(contacts) if isinstance(contacts, str) else contacts or []
        copies += [
            {"w": workspace_id, "p": project_id, "c": competence_id, "u": user}
            for user in dict.fromkeys(people)
        ]
    if copies:
        connection.execute(
            sa.text(
                "INSERT INTO assignment_contact (workspace_id, project_id, competence_id, user_id)"
                " VALUES (:w, :p, :c, :u)"
            ),
            copies,
        )


def downgrade() -> None:
    with op.batch_alter_table("assignment", schema=None) as batch_op:
        batch_op.drop_index("ix_assignment_updater")
    with op.batch_alter_table("project", schema=None) as batch_op:
        batch_op.drop_index("ix_project_creator")
    with op.batch_alter_table("assignment_contact", schema=None) as batch_op:
        batch_op.drop_index("ix_assignment_contact_person")
    op.drop_table("assignment_contact")
