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
    if not turn.caller.user_id:
        return [turn.reply("joined")]
    return conversation.ask_project_name(turn)
