"""The bot arrives in a channel: it starts the key questions, or asks the project's name."""

from __future__ import annotations

from services import conversation
from services.turn import Reply, Turn


def greet(turn: Turn) -> list[Reply]:
    """Start (or resume) the conversation of the channel's project; without one, ask
    whoever invited the bot for its name, as the console does."""
    project = turn.project
    if project is not None:
        return conversation.start(turn, project, "")
    caller = turn.caller
    if not caller.user_id:
        return [turn.reply("slack_joined")]
    turn.store.set_pending(
        caller.workspace_id, caller.user_id, None, conversation.ASK_PROJECT_NAME, {}
    )
    return [turn.say("welcome")]
