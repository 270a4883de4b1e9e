"""What every listener shares, built once by the factory."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass

from slack_sdk import WebClient

from bot.app import Application
from bot.settings import Settings
from bot.slack.members import Members
from messages.render import Messages
from services.assistant import Assistant
from services.chat import Chat
from services.turn import Caller

log = logging.getLogger(__name__)


class Later:
    """Runs work after the acknowledgement, on the app's worker threads.

    Bolt's lazy listeners do the same but deep-copy the whole request and its context
    for each lazy function (about a millisecond per request here); this hands over only
    what the work needs, and only when there is work.
    """

    def __init__(self, executor: Executor) -> None:
        self.executor = executor

    def __call__(self, work: Callable[[], None]) -> None:
        self.executor.submit(self._run, work)

    @staticmethod
    def _run(work: Callable[[], None]) -> None:
        try:
            work()
        except Exception:
            log.exception("work after the acknowledgement failed")


@dataclass(frozen=True, slots=True)
class Deps:
    application: Application
    chat: Chat
    members: Members
    client: WebClient
    """For work after the acknowledgement: retries 429s however long Slack asks."""
    later: Later

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
        members = self.members
        return Caller(
            workspace_id=workspace, user_id=user, channel_id=channel,
            language=settings.bot_language, timezone=settings.timezone, project_id=project_id,
            may_see=lambda project: members.may_see(project.channel_id, user),
        )
