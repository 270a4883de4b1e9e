"""SQLModel tables. Every row is scoped by workspace (the Slack team id)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.personal import Category, Erase, personal


def _when() -> Any:
    return Field(sa_column=Column(DateTime(), nullable=False))


def _by() -> Any:
    """Who made the change: personal data (see ``docs/rgpd.md``)."""
    return Field(max_length=200, sa_column_kwargs=personal(Category.AUTHOR))


class Workspace(SQLModel, table=True):
    id: str = Field(primary_key=True, max_length=64)
    created_at: datetime = _when()


class Project(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("workspace_id", "channel_id"),
        Index("ix_project_creator", "workspace_id", "created_by"),
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: str = Field(foreign_key="workspace.id", index=True, max_length=64)
    name: str = Field(max_length=200)
    territory_kind: str | None = Field(default=None, max_length=32)
    moa: str | None = Field(default=None, max_length=200)
    language: str = Field(default="fr", max_length=8)
    timezone: str = Field(default="Europe/Paris", max_length=64)
    channel_id: str | None = Field(default=None, max_length=64)
    created_by: str = _by()
    created_at: datetime = _when()


class Entity(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("project_id", "name_key"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: str = Field(foreign_key="workspace.id", max_length=64)
    project_id: int = Field(foreign_key="project.id", index=True)
    name: str = Field(max_length=200)
    name_key: str = Field(max_length=200)
    kind: str = Field(default="autre", max_length=32)
    uai: str | None = Field(default=None, max_length=8)
    created_by: str = _by()
    created_at: datetime = _when()


class Competence(SQLModel, table=True):
    """The catalogue: the sheet's 19 (no workspace, no project) and a project's own."""

    __table_args__ = (UniqueConstraint("project_id", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: str | None = Field(default=None, foreign_key="workspace.id", max_length=64)
    project_id: int | None = Field(default=None, foreign_key="project.id", index=True)
    number: int
    code: str = Field(max_length=64)
    label_fr: str = Field(sa_column=Column(Text(), nullable=False))
    label_en: str = Field(sa_column=Column(Text(), nullable=False))
    families: str = Field(max_length=100)
    profiles_fr: str = Field(default="", max_length=200)
    aliases: str = Field(default="", max_length=200)


class Assignment(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("project_id", "competence_id"),
        Index("ix_assignment_updater", "workspace_id", "updated_by"),
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: str = Field(foreign_key="workspace.id", max_length=64)
    project_id: int = Field(foreign_key="project.id", index=True)
    competence_id: int = Field(foreign_key="competence.id")
    entity_id: int | None = Field(default=None, foreign_key="entity.id")
    sourcing: str | None = Field(default=None, max_length=16)
    contacts: list[str] = Field(
        default_factory=list,
        sa_column=Column(JSON(), nullable=False, **personal(Category.CONTACT, Erase.REMOVE)),
    )
    provider: str | None = Field(
        default=None, max_length=200, sa_column_kwargs=personal(Category.FREE_TEXT)
    )
    service_level: str | None = Field(
        default=None, max_length=500, sa_column_kwargs=personal(Category.FREE_TEXT)
    )
    keep: str = Field(default="a_decider", max_length=16)
    notes: str | None = Field(
        default=None, sa_column=Column(Text(), nullable=True, **personal(Category.FREE_TEXT))
    )
    updated_by: str = _by()
    updated_at: datetime = _when()


class AssignmentContact(SQLModel, table=True):
    """One contact person of an assignment: finds a person's projects through an index.

    Kept in step with ``Assignment.contacts`` by the store, in the same transaction.
    """

    __tablename__ = "assignment_contact"
    __table_args__ = (Index("ix_assignment_contact_person", "workspace_id", "user_id"),)

    project_id: int = Field(foreign_key="project.id", primary_key=True)
    competence_id: int = Field(foreign_key="competence.id", primary_key=True)
    user_id: str = Field(
        primary_key=True, max_length=200,
        sa_column_kwargs=personal(Category.CONTACT, Erase.REMOVE),
    )
    workspace_id: str = Field(foreign_key="workspace.id", max_length=64)


class KeyAnswer(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("project_id", "question"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: str = Field(foreign_key="workspace.id", max_length=64)
    project_id: int = Field(foreign_key="project.id", index=True)
    question: int
    text: str = Field(sa_column=Column(Text(), nullable=False, **personal(Category.FREE_TEXT)))
    data: dict[str, Any] = Field(
        default_factory=dict,
        sa_column=Column(JSON(), nullable=False, **personal(Category.FREE_TEXT)),
    )
    answered_by: str = _by()
    answered_at: datetime = _when()


class SuccessFactor(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("project_id", "factor"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: str = Field(foreign_key="workspace.id", max_length=64)
    project_id: int = Field(foreign_key="project.id", index=True)
    factor: int
    done: bool = False
    updated_by: str = _by()
    updated_at: datetime = _when()


class HistoryEntry(SQLModel, table=True):
    """Append-only log of every change: who, when, what, old → new."""

    __tablename__ = "history"
    __table_args__ = (Index("ix_history_project_competence", "project_id", "competence_id"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: str = Field(foreign_key="workspace.id", max_length=64)
    project_id: int = Field(foreign_key="project.id", index=True)
    competence_id: int | None = Field(default=None, foreign_key="competence.id")
    at: datetime = _when()
    actor: str = _by()
    action: str = Field(max_length=32)
    subject: str = Field(max_length=200)
    field: str = Field(default="", max_length=32)
    old_value: str | None = Field(
        default=None, sa_column=Column(Text(), nullable=True, **personal(Category.FREE_TEXT))
    )
    new_value: str | None = Field(
        default=None, sa_column=Column(Text(), nullable=True, **personal(Category.FREE_TEXT))
    )


class Conversation(SQLModel, table=True):
    """The onboarding conversation of a project, stored so it survives a restart."""

    __table_args__ = (UniqueConstraint("project_id"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: str = Field(foreign_key="workspace.id", max_length=64)
    project_id: int = Field(foreign_key="project.id")
    step: str = Field(max_length=32)
    position: int = 0
    active: bool = True
    data: dict[str, Any] = Field(
        default_factory=dict,
        sa_column=Column(JSON(), nullable=False, **personal(Category.FREE_TEXT)),
    )
    channel_id: str | None = Field(default=None, max_length=64)
    thread_ts: str | None = Field(default=None, max_length=32)
    updated_by: str = _by()
    updated_at: datetime = _when()


class PendingAction(SQLModel, table=True):
    """A change waiting for its author's confirmation (e.g. creating a new entity)."""

    __tablename__ = "pending_action"
    __table_args__ = (UniqueConstraint("workspace_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: str = Field(foreign_key="workspace.id", max_length=64)
    project_id: int | None = Field(default=None, foreign_key="project.id")
    user_id: str = Field(
        max_length=200, sa_column_kwargs=personal(Category.IDENTIFIER, Erase.DELETE_ROW)
    )
    kind: str = Field(max_length=32)
    payload: dict[str, Any] = Field(
        default_factory=dict,
        sa_column=Column(JSON(), nullable=False, **personal(Category.FREE_TEXT)),
    )
    created_at: datetime = _when()


class PersonName(SQLModel, table=True):
    """The name Slack shows for a person, from the last labelled mention (``<@U1|thomas>``)
    of a slash command: shown instead of the id where Slack does not render mentions (the
    console, the handover document). One row per person, deleted with them."""

    __tablename__ = "person_name"

    workspace_id: str = Field(foreign_key="workspace.id", primary_key=True, max_length=64)
    user_id: str = Field(
        primary_key=True, max_length=64,
        sa_column_kwargs=personal(Category.IDENTIFIER, Erase.DELETE_ROW),
    )
    name: str = Field(max_length=200, sa_column_kwargs=personal(Category.NAME, Erase.DELETE_ROW))
    updated_at: datetime = _when()
