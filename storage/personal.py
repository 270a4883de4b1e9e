"""Personal-data marks: every column that holds a person says so in the model itself.

A column is marked with :func:`personal`, which puts its category (the register's word for
it, see ``docs/rgpd.md``) and how an erasure treats it into the column's ``info``::

    created_by: str = Field(max_length=200, sa_column_kwargs=personal(Category.AUTHOR))
    notes: str | None = Field(sa_column=Column(Text(), **personal(Category.FREE_TEXT)))

Erasure, export and retention (:mod:`storage.privacy`) find what to touch from these marks
alone, so a new marked column is handled without further code. This module imports no
table: the models import it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import Column, MetaData

PERSONAL = "personal"
ERASE = "erase"


class Category(StrEnum):
    """The categories of personal data of the register (``docs/rgpd.md``)."""

    IDENTIFIER = "identifiant"
    """A person's Slack user id (or, in the console, the name they type under)."""
    AUTHOR = "auteur"
    """Who made a change or gave an answer: a Slack user id or a console name."""
    CONTACT = "contact"
    """A person named as contact, resource person or lead: a Slack user id or a name."""
    FREE_TEXT = "texte libre"
    """Text typed by the team, which may name people."""
    RECIPIENT = "destinataire"
    """Where the bot writes: a channel, or a person for a direct message."""
    NAME = "nom affiché"
    """The name Slack shows for a person, as a labelled mention gave it (``<@U1|thomas>``)."""


class Erase(StrEnum):
    """What an erasure does to a marked column."""

    REPLACE = "replace"
    """The value equal to the person becomes their pseudonym."""
    TEXT = "text"
    """Every mention of the person inside the text (or JSON) becomes their pseudonym."""
    REMOVE = "remove"
    """A list of people: the person is taken out of it (or a single value is cleared)."""
    DELETE_ROW = "delete_row"
    """The row is the person's own (a setting, a pending question): it is deleted."""


@dataclass(frozen=True, slots=True)
class Marked:
    table: str
    column: str
    category: Category
    erase: Erase
    json: bool


def personal(category: Category, erase: Erase | None = None) -> dict[str, Any]:
    """Keyword arguments for ``Column(...)`` / ``sa_column_kwargs`` marking personal data.

    Free text is erased by replacing mentions; any other category by replacing the value.
    """
    if erase is None:
        erase = Erase.TEXT if category is Category.FREE_TEXT else Erase.REPLACE
    return {"info": {PERSONAL: category.value, ERASE: erase.value}}


def mark_of(column: Column[Any]) -> tuple[Category, Erase] | None:
    info = column.info
    if PERSONAL not in info:
        return None
    return Category(info[PERSONAL]), Erase(info.get(ERASE, Erase.REPLACE.value))


def marked_columns(metadata: MetaData) -> list[Marked]:
    """Every marked column of ``metadata``, by table then column order."""
    found: list[Marked] = []
    for table in metadata.sorted_tables:
        for column in table.columns:
            mark = mark_of(column)
            if mark is not None:
                json = column.type.__class__.__name__ == "JSON"
                found.append(Marked(table.name, column.name, mark[0], mark[1], json))
    return found
