"""``/ent mes-donnees …`` in Slack: answered wherever it is typed (a channel or a direct
message, with or without a project), and the export uploaded to the person in a direct
message (files.getUploadURLExternal / files.completeUploadExternal)."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.slack import files
from bot.slack.common import ack_with
from bot.slack.deps import Deps
from services import personal_data
from services.text import normalize
from services.turn import Reply

log = logging.getLogger(__name__)

_WORDS = {"mes-donnees", "mesdonnees", "my-data", "mydata"}


def handle(deps: Deps, ack: Ack, command: dict[str, Any], name: str, text: str) -> bool:
    """Answer ``/ent mes-donnees …``; False for any other command."""
    words = text.split()
    if name != "/ent" or not words or normalize(words[0]) not in _WORDS:
        return False
    workspace = str(command.get("team_id", ""))
    user = str(command.get("user_id", ""))
    caller = deps.caller(workspace, user, str(command.get("channel_id", "")) or None)
    rest = text.split(maxsplit=1)[1] if len(words) > 1 else ""
    if len(words) > 1 and personal_data.is_export_word(words[1]):
        replies = deps.assistant.run(caller, lambda turn: [personal_data.export(turn)],
                                     write=False)
        if not replies or replies[0].error:
            ack_with(deps, ack, replies)
            return True
        exported = replies[0]
        ack_with(deps, ack, [Reply("my_data_sent", {"rows": exported.data["rows"]},
                                   language=exported.language)])
        deps.later(lambda: send_export(deps, user, exported))
        return True
    trigger = command.get("trigger_id")
    key = f"trigger:{trigger}" if trigger and personal_data.changes(rest) else None
    ack_with(deps, ack, deps.assistant.command(caller, "/ent", text, key))
    return True


def send_export(deps: Deps, user: str, exported: Reply) -> None:
    """Upload the JSON to the person's direct-message channel."""
    try:
        opened = deps.client.conversations_open(users=user)
        channel = str((opened.get("channel") or {}).get("id") or "")
        files.upload(deps.client, channel, exported.data["content"].encode("utf-8"),
                     exported.data["file_name"])
    except (SlackApiError, SlackClientError, OSError) as exc:
        log.warning("could not send a personal-data export: %s", type(exc).__name__)
    except files.FileError as exc:
        log.warning("could not send a personal-data export: %s", exc.code)
