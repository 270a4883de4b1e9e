"""People by the name the chat shows for them, for readers the chat does not render for.

The chat gives a name with its own mentions of a person (:func:`services.answers.mention_labels`);
the latest one of each person is kept (:func:`remember`). Readers who are not in the chat (the
console, the handover document) then see the name instead of the chat id; someone whose name is
not known is shown as before. The chat's own rendering keeps its mentions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from services.turn import Turn
from storage import person_names

_PERSON = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^<>]*)?>|(?<![\w@])([UW][A-Z0-9]{2,})(?!\w)")
"""A mention of a person by chat id (with a name or not), or a bare chat id as the history
writes it."""


def remember(turn: Turn, names: Mapping[str, str]) -> None:
    """Keep ``names`` (chat id → name), in the request's transaction, in one statement;
    nothing at all when there are none (or when there is no project yet)."""
    if names and turn.project is not None:
        person_names.record(turn.store.connection, turn.caller.workspace_id, names,
                            turn.started)


def people_in(texts: Iterable[str | None]) -> set[str]:
    """The chat ids of the people written in ``texts`` (mentions or bare ids)."""
    found: set[str] = set()
    for text in texts:
        if text:
            found.update(m.group(1) or m.group(2) for m in _PERSON.finditer(text))
    return found


def names_in(turn: Turn, texts: Iterable[str | None]) -> dict[str, str]:
    """The known names of the people written in ``texts``; no statement when none is."""
    people = people_in(texts)
    if not people:
        return {}
    return person_names.of_people(turn.store.connection, turn.caller.workspace_id, people)


def shown(text: str, names: Mapping[str, str]) -> str:
    """``text`` with every person whose name is known written ``@name``; others unchanged."""
    if not names or not text:
        return text

    def name(match: re.Match[str]) -> str:
        found = names.get(match.group(1) or match.group(2))
        return match.group(0) if found is None else f"@{found}"

    return _PERSON.sub(name, text)
