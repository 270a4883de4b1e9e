"""Which commands only read: anyone may run those; the others change the project.

Mirrors the words of :mod:`services.commands`; anything not known to be read-only
counts as a change, so a new subcommand is protected until listed here.
"""

from __future__ import annotations

from services.text import normalize

_READ_ONLY = frozenset({
    "", "aide", "help", "?", "statut", "status", "matrice", "etat", "lacunes", "gaps", "manques",
    "historique", "history",
})
_LISTS = frozenset({"entite", "entites", "entity", "entities"})
_LIST_ACTIONS = frozenset({"", "liste", "list", "lister"})
_SHOW_WHEN_BARE = frozenset({"facteurs", "facteur", "factors", "projet", "project"})


def changes_project(command: str, text: str) -> bool:
    """True unless ``command text`` is known to only show something."""
    words = text.split(maxsplit=2)
    first = normalize(words[0]) if words else ""
    second = normalize(words[1]) if len(words) > 1 else ""
    name = command.strip().lower()
    if name == "/ent-assign":
        return bool(text.strip())
    if name != "/ent":
        return True
    if first in _READ_ONLY:
        return False
    if first in _LISTS:
        return second not in _LIST_ACTIONS or len(words) > 2
    if first in _SHOW_WHEN_BARE:
        return bool(second)
    return True


def starts_conversation(command: str, text: str) -> bool:
    """``/ent questions …``: its replies open the conversation's thread."""
    words = text.split(maxsplit=1)
    return command.strip().lower() == "/ent" and bool(words) and normalize(words[0]) in {
        "questions", "question",
    }


def is_help(command: str, text: str) -> bool:
    words = text.split(maxsplit=1)
    return command.strip().lower() == "/ent" and (
        not words or normalize(words[0]) in {"aide", "help", "?"}
    )
