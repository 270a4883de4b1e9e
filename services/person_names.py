"""People by the name Slack shows for them, where Slack does not render ``<@U…>`` itself.

Slash commands deliver mentions with a label (``<@U456DEF|thomas>``); the latest label of
each person is kept (:func:`remember`). Readers who are not on Slack (the console, the
handover document) then see ``@thomas`` instead of ``U456DEF``; someone whose name is not
known is shown as before. Slack's own rendering keeps its mentions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from services.answers import mention_labels
from services.turn import Turn
from storage import person_names

_PERSON = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^<>]*)?>|(?<![\w@])([UW][A-Z0-9]{2,})(?!\w)")
"""A Slack mention (labelled or not), or a bare Slack user id as the history writes it."""


def remember(turn: Turn, text: str) -> None:
    """Keep the labels of the mentions in ``text``, in the request's transaction, in one
    statement; nothing at all when it has none (or when there is no project yet)."""
    labels = mention_labels(text)
    if labels and turn.project is not None:
        person_names.record(turn.store.connection, turn.caller.workspace_id, labels,
                            turn.started)


def people_in(texts: Iterable[str | None]) -> set[str]:
    """The Slack user ids written in ``texts`` (mentions or bare ids)."""
    found: set[str] = set()
    for text in texts:
        if text:
            found.update(m.group(1) or m.group(2) for m in _PERSON.finditer(text))
    return found


def names_in(turn: Turn, texts: Iterable[str | None]) -> dict[str, str]:
    """The known names of the Slack users written in ``texts``; no statement when none is."""
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
