"""``/ent …`` and ``/ent-assign …``: the core's command language, answered in the acknowledgement.

Help, read-outs and errors go back in the HTTP answer itself (ephemeral); changes are
posted in the project's channel after it; ``/ent-assign`` alone opens the form.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.slack import file_commands, forms, personal
from bot.slack.common import ack_with, place, refusal, send_later
from bot.slack.deps import Deps
from bot.slack.outbox import Origin, Private, route
from bot.slack.texts import unescape
from services import commands
from services import forms as form_service
from services.answers import mention_labels
from services.turn import Caller, Reply

COMMANDS = ("/ent", "/ent-assign")


def register(app: App, deps: Deps) -> None:
    def ack_command(ack: Ack, command: dict[str, Any]) -> None:
        run_command(deps, ack, command)

    for name in COMMANDS:
        app.command(name)(ack_command)


def run_command(deps: Deps, ack: Ack, command: dict[str, Any]) -> None:
    workspace = str(command.get("team_id", ""))
    user = str(command.get("user_id", ""))
    channel = str(command.get("channel_id", ""))
    name = str(command.get("command", "")).strip().lower()
    raw = str(command.get("text") or "")
    text = unescape(raw)
    if personal.handle(deps, ack, command, name, text):
        return
    where = place(deps, workspace, user, channel) if not commands.is_help(name, text) else None
    if isinstance(where, list):
        ack_with(deps, ack, where)
        return
    project_id = where.project_id if where else None
    project_channel = where.project_channel if where else channel
    caller = deps.caller(workspace, user, channel, project_id)
    if name == "/ent" and file_commands.handle(deps, ack, command, caller, text, project_channel):
        return
    if name == "/ent-assign" and not text.strip():
        replies = deps.assistant.run(caller, lambda turn: form_service.form(turn), write=False)
        if replies and not replies[0].error:
            ack()
            forms.open_later(deps, forms.Opening(
                replies[0], str(command.get("trigger_id") or ""), workspace, user, channel,
                command.get("response_url"),
            ))
            return
        ack_with(deps, ack, replies)
        return
    replies = _apply(deps, caller, name, text, project_channel, command.get("trigger_id"),
                     mention_labels(raw))
    origin = Origin(
        workspace, user, Private.ACK, channel=channel, project_id=project_id,
        project_channel=project_channel, response_url=command.get("response_url"),
        start_thread=commands.starts_conversation(name, text),
    )
    routed = route(replies, origin)
    ack_with(deps, ack, routed.ack)
    send_later(deps, routed.posts)


def _apply(
    deps: Deps, caller: Caller, name: str, text: str, project_channel: str | None,
    trigger: str | None, names: dict[str, str],
) -> list[Reply]:
    """Run the command; a change needs channel membership and applies once per trigger.

    ``names`` are the labels of Slack's own mentions, read before ``text`` was unescaped
    (a typed ``<@U…|x>`` arrives escaped, so it gives none)."""
    if not commands.changes_project(name, text):
        return deps.assistant.command(caller, name, text)
    refused = refusal(deps, project_channel, caller.user_id)
    if refused is not None:
        return [refused]
    key = f"trigger:{trigger}" if trigger else None
    return deps.assistant.command(caller, name, text, key, names=names)
