"""``/ent mes-donnees export`` in the console: the person's data written to a JSON file."""

from __future__ import annotations

from pathlib import Path

from bot.app import Application
from services import personal_data
from services.text import normalize
from services.turn import Caller, Reply

_WORDS = {"mes-donnees", "mesdonnees", "my-data", "mydata"}


def is_export(text: str) -> bool:
    words = text.split()
    return len(words) >= 2 and normalize(words[0]) in _WORDS and \
        personal_data.is_export_word(words[1])


def handle(app: Application, caller: Caller, text: str) -> list[Reply] | None:
    """The replies to ``mes-donnees export [FICHIER]``, or None for any other text."""
    if not is_export(text):
        return None
    words = text.split(maxsplit=2)
    replies = app.assistant.run(caller, lambda turn: [personal_data.export(turn)], write=False)
    if not replies or replies[0].error:
        return replies
    reply = replies[0]
    path = Path(words[2]).expanduser() if len(words) == 3 else Path(reply.data["file_name"])
    try:
        path.write_text(reply.data["content"] + "\n", encoding="utf-8")
    except OSError:
        return [Reply("personal_error", {"code": "cannot_write", "fragment": str(path)},
                      error=True, language=reply.language)]
    return [Reply("my_data_written", {"path": str(path), "rows": reply.data["rows"]},
                  language=reply.language)]
