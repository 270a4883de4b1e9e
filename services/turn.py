"""What one request to the bot carries: who asks, where, and the transaction it runs in."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from storage.state import ProjectInfo
from storage.store import Store, utcnow


@dataclass(frozen=True, slots=True)
class Caller:
    workspace_id: str
    user_id: str
    channel_id: str | None
    language: str = "fr"
    timezone: str = "Europe/Paris"
    project_id: int | None = None
    """Set where the channel doesn't say which project (a direct message)."""
    sent_at: datetime | None = None
    """When the person sent the message (naive UTC): an answer sent before the question it
    would now answer was asked is not taken for it."""
    may_see: Callable[[ProjectInfo], bool] | None = field(default=None, compare=False)
    """Which projects the person may see outside their channel (direct messages, home
    page): a project bound to a private channel is for its members only. None: all."""

    def sees(self, project: ProjectInfo) -> bool:
        return self.may_see is None or self.may_see(project)


@dataclass(frozen=True, slots=True)
class Reply:
    """A template to render and its data; ``public`` replies are changes the channel sees."""

    template: str
    data: dict[str, Any] = field(default_factory=dict)
    public: bool = False
    error: bool = False
    language: str = "fr"
    conversation: bool = False
    """Part of the onboarding conversation: chat adapters keep it in its thread."""


@dataclass(slots=True)
class Turn:
    store: Store
    caller: Caller
    project: ProjectInfo | None
    started: datetime = field(default_factory=utcnow)
    """When the request started: the time of every history row it writes, so that its
    changes read as one (``/ent annuler`` takes them back together)."""

    @property
    def language(self) -> str:
        return self.project.language if self.project else self.caller.language

    @property
    def actor(self) -> str:
        return self.caller.user_id

    def reply(self, template: str, **data: Any) -> Reply:
        return Reply(template, data, language=self.language)

    def say(self, template: str, **data: Any) -> Reply:
        """A line of the onboarding conversation."""
        return Reply(template, data, language=self.language, conversation=True)

    def announce(self, template: str, **data: Any) -> Reply:
        return Reply(template, {"actor": self.actor, **data}, public=True, language=self.language)

    def error(self, template: str, **data: Any) -> Reply:
        return Reply(template, data, error=True, language=self.language)
