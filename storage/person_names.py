"""The names the chat shows for people, as its mentions gave them: record and look up.

The chat gives a name with its mentions of a person (``thomas`` for a chat id ``U456DEF``); the
latest one per person is kept, so that readers who are not in the chat (the console, the handover
document) see the name rather than the id. The rows are personal data (``docs/rgpd.md``): an
erasure deletes them through their marks, and :func:`forget_unnamed` drops those of people no
longer named anywhere after a retention purge.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime

from sqlalchemy import Table, delete, select
from sqlalchemy.engine import Connection

from storage import privacy
from storage.models import PersonName
from storage.store import upsert_dialect

PERSON_NAME: Table = PersonName.__table__  # type: ignore[attr-defined]


def record(
    connection: Connection, workspace_id: str, names: Mapping[str, str], at: datetime
) -> None:
    """Upsert every ``chat id → name`` in one statement; a row whose name is unchanged is
    left as it is (no write, ``updated_at`` kept)."""
    if not names:
        return
    insert = upsert_dialect(connection).insert(PERSON_NAME)
    connection.execute(
        insert.values([
            {"workspace_id": workspace_id, "user_id": user, "name": name, "updated_at": at}
            for user, name in names.items()
        ]).on_conflict_do_update(
            index_elements=[PERSON_NAME.c.workspace_id, PERSON_NAME.c.user_id],
            set_={"name": insert.excluded.name, "updated_at": insert.excluded.updated_at},
            where=PERSON_NAME.c.name != insert.excluded.name,
        )
    )


def of_workspace(connection: Connection, workspace_id: str) -> dict[str, str]:
    """Every known name of the workspace, by user id."""
    rows = connection.execute(
        select(PERSON_NAME.c.user_id, PERSON_NAME.c.name).where(
            PERSON_NAME.c.workspace_id == workspace_id
        )
    )
    return {str(user): str(name) for user, name in rows}


def of_people(
    connection: Connection, workspace_id: str, people: Collection[str]
) -> dict[str, str]:
    """The known names of ``people``, by user id (one statement; none for nobody)."""
    if not people:
        return {}
    rows = connection.execute(
        select(PERSON_NAME.c.user_id, PERSON_NAME.c.name).where(
            PERSON_NAME.c.workspace_id == workspace_id,
            PERSON_NAME.c.user_id.in_(sorted(people)),
        )
    )
    return {str(user): str(name) for user, name in rows}


def forget_unnamed(connection: Connection, workspace_id: str) -> int:
    """Delete the names of the workspace's people that no other row names any more (after a
    retention purge pseudonymised them); how many went."""
    named = privacy.people(connection, workspace_id, skip=PERSON_NAME.name)
    query = delete(PERSON_NAME).where(PERSON_NAME.c.workspace_id == workspace_id)
    if named:
        query = query.where(PERSON_NAME.c.user_id.not_in(sorted(named)))
    return connection.execute(query).rowcount or 0
