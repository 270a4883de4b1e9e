"""What every listener shares, built once by the factory."""

from __future__ import annotations

from dataclasses import dataclass

from slack_sdk import WebClient

from bot.app import Application
from bot.settings import Settings
from bot.slack.members import Members
from messages.render import Messages
from services.assistant import Assistant
from services.chat import Chat
from services.turn import Caller


@dataclass(frozen=True, slots=True)
class Deps:
    application: Application
    chat: Chat
    members: Members
    client: WebClient
    """For work after the acknowledgement: retries 429s however long Slack asks."""

    @property
    def assistant(self) -> Assistant:
        return self.application.assistant

    @property
    def messages(self) -> Messages:
        return self.application.messages

    @property
    def settings(self) -> Settings:
        return self.application.settings

    def caller(
        self, workspace: str, user: str, channel: str | None, project_id: int | None = None
    ) -> Caller:
        settings = self.settings
        return Caller(
            workspace_id=workspace, user_id=user, channel_id=channel,
            language=settings.bot_language, timezone=settings.timezone, project_id=project_id,
        )
