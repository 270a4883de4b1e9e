"""Buttons: under gap lists and on the home tab (*Assigner*, *Je m'en occupe*, *Marquer
pérenne*), the confirmations, the conversation's yes/no, and the direct-message project picker.

A button's value is a competence code, or ``<project id>:<code>`` on the home tab where
no channel says which project it is; a reminder's buttons (*C'est fait*, *Reporter d'une
semaine*, *Ce n'est pas moi*) carry ``<project id>:<gap key>``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App

from bot.slack import forms
from bot.slack.common import Place, place, refusal, send_later
from bot.slack.deps import Deps
from bot.slack.outbox import Origin, Private, route
from services import actions, direct, reminders
from services import forms as form_service
from services.turn import Caller, Reply, Turn

CHANGES: dict[str, Callable[[Turn, str], list[Reply]]] = {
    "gap_take": actions.take,
    "gap_keep": actions.keep,
    **reminders.buttons(),
}


@dataclass(frozen=True, slots=True)
class Click:
    """Who clicked what, where."""

    workspace: str
    user: str
    action_id: str
    value: str
    channel: str | None
    thread_ts: str | None
    response_url: str | None
    trigger_id: str | None
    in_home: bool

    @classmethod
    def of(cls, body: dict[str, Any]) -> Click:
        action = (body.get("actions") or [{}])[0]
        container = body.get("container") or {}
        message = body.get("message") or {}
        channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
        view = body.get("view") or {}
        return cls(
            workspace=str((body.get("team") or {}).get("id") or ""),
            user=str((body.get("user") or {}).get("id") or ""),
            action_id=str(action.get("action_id") or ""),
            value=str(action.get("value") or ""),
            channel=str(channel) if channel else None,
            thread_ts=message.get("thread_ts"),
            response_url=body.get("response_url"),
            trigger_id=body.get("trigger_id"),
            in_home=container.get("type") == "view" and view.get("type") == "home",
        )

    def target(self) -> tuple[int | None, str]:
        """(project id, competence code) from the button's value."""
        head, sep, tail = self.value.partition(":")
        if sep and head.isdigit():
            return int(head), tail
        return None, self.value

    def origin(self, where: Place, replace_original: bool = False) -> Origin:
        if self.in_home:
            private = Private.HOME
        elif self.response_url:
            private = Private.RESPOND
        else:
            private = Private.EPHEMERAL
        return Origin(
            self.workspace, self.user, private, channel=self.channel, thread_ts=self.thread_ts,
            project_id=where.project_id, project_channel=where.project_channel,
            response_url=self.response_url, replace_original=replace_original,
        )


def register(app: App, deps: Deps) -> None:
    def ack_click(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        click(deps, body)

    for action_id in (*CHANGES, "gap_assign", "confirm_yes", "confirm_no", "walk_yes", "walk_no",
                      "dm_project"):
        app.action(action_id)(ack_click)


def click(deps: Deps, body: dict[str, Any]) -> None:
    """Apply the click now (its answer to Slack is empty); post about it after."""
    clicked = Click.of(body)
    if clicked.action_id == "dm_project":
        replies = _choose(deps, clicked)
        send_later(deps, route(replies, clicked.origin(Place(None, None), True)).posts)
        return
    project_id, code = clicked.target()
    where = place(deps, clicked.workspace, clicked.user, clicked.channel, project_id)
    if isinstance(where, list):
        send_later(deps, route(where, clicked.origin(Place(None, None))).posts)
        return
    caller = deps.caller(clicked.workspace, clicked.user, clicked.channel, where.project_id)
    if clicked.action_id == "gap_assign":
        _assign(deps, clicked, caller, code, where)
        return
    replies = _change(deps, clicked, caller, code, where)
    replace_original = clicked.action_id.startswith("confirm_")
    send_later(deps, route(replies, clicked.origin(where, replace_original)).posts)


def _change(deps: Deps, clicked: Click, caller: Caller, code: str, where: Place) -> list[Reply]:
    if clicked.action_id != "confirm_no" and clicked.action_id not in reminders.BUTTONS:
        # A reminder's buttons change only what reminders say: any contact may use them.
        refused = refusal(deps, where.project_channel, clicked.user)
        if refused is not None:
            return [refused]
    key = f"trigger:{clicked.trigger_id}" if clicked.trigger_id else None
    change = CHANGES.get(clicked.action_id)
    if change is not None:
        return deps.assistant.run(caller, lambda turn: change(turn, code), key)
    if clicked.action_id.startswith("confirm_"):
        return deps.assistant.confirm(caller, clicked.action_id == "confirm_yes", key)
    answer = "oui" if clicked.action_id == "walk_yes" else "non"
    return deps.assistant.message(caller, answer, key=key)


def _choose(deps: Deps, clicked: Click) -> list[Reply]:
    if not clicked.value.isdigit():
        return [Reply("stale_button", error=True, language=deps.settings.bot_language)]
    caller = deps.caller(clicked.workspace, clicked.user, clicked.channel)
    key = f"trigger:{clicked.trigger_id}" if clicked.trigger_id else None
    return deps.assistant.run(caller, lambda turn: direct.choose(turn, int(clicked.value)), key)


def _assign(
    deps: Deps, clicked: Click, caller: Caller, code: str, where: Place
) -> None:
    """*Assigner*: the form, prefilled with the competence, opens after the acknowledgement."""
    replies = deps.assistant.run(caller, lambda turn: form_service.form(turn, code), write=False)
    if replies and not replies[0].error and clicked.trigger_id:
        forms.open_later(deps, forms.Opening(
            replies[0], clicked.trigger_id, clicked.workspace, clicked.user, clicked.channel,
            clicked.response_url,
        ))
        return
    send_later(deps, route(replies, clicked.origin(where)).posts)
