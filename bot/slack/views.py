"""The assignment form's submission: checked in the acknowledgement, field by field.

Errors come back under their field (``response_action: errors``) and nothing changes;
a valid form closes and the change is posted in the project's channel.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App

from bot.slack import forms
from bot.slack.common import refusal, send_later
from bot.slack.deps import Deps
from bot.slack.outbox import Origin, Private, route
from services import forms as form_service
from services.turn import Reply, Turn

FIRST_FIELD = "competence"
MAX_ERROR = 2000


def register(app: App, deps: Deps) -> None:
    def ack_submission(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        submit(deps, ack, body, view)

    app.view(forms.CALLBACK)(ack_submission)


def submit(deps: Deps, ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
    trigger = body.get("trigger_id")

    def action(values: dict[str, Any]) -> Callable[[Turn], list[Reply]]:
        form = forms.parse(values)
        return lambda turn: form_service.submit(turn, form)

    submit_view(deps, ack, body, view, action, f"trigger:{trigger}" if trigger else None)


def submit_view(
    deps: Deps, ack: Ack, body: dict[str, Any], view: dict[str, Any],
    action: Callable[[dict[str, Any]], Callable[[Turn], list[Reply]]], key: str | None,
    first: str = FIRST_FIELD,
) -> None:
    """A modal's submission: its project from the view's metadata, channel members only,
    applied once per ``key``; errors under their fields (``first`` for the others), else
    the modal closes and the change is posted."""
    workspace = str((body.get("team") or {}).get("id") or view.get("team_id") or "")
    user = str((body.get("user") or {}).get("id") or "")
    meta = forms.metadata(view)
    project_id = meta.get("p")
    project_channel = meta.get("c")
    if not isinstance(project_id, int):
        field_errors(deps, ack, [Reply("stale_button", error=True,
                                       language=deps.settings.bot_language)], view, first)
        return
    refused = refusal(deps, project_channel, user, link=False)
    if refused is not None:
        field_errors(deps, ack, [refused], view, first)
        return
    caller = deps.caller(workspace, user, project_channel, project_id)
    replies = deps.assistant.run(caller, action(view.get("state", {}).get("values", {})), key)
    if any(reply.error for reply in replies):
        field_errors(deps, ack, [reply for reply in replies if reply.error], view, first)
        return
    opened_in = meta.get("o")
    origin = Origin(
        workspace, user, Private.EPHEMERAL if opened_in else Private.DIRECT,
        channel=opened_in or user, project_id=project_id, project_channel=project_channel,
    )
    ack()
    send_later(deps, route(replies, origin).posts)


def field_errors(
    deps: Deps, ack: Ack, replies: list[Reply], view: dict[str, Any], first: str = FIRST_FIELD
) -> None:
    """Show each error under its field; errors of no field (or of a field the form lacks)
    go under ``first``, else under the form's first field."""
    present = [str(block.get("block_id")) for block in view.get("blocks") or []
               if block.get("type") == "input"]
    errors: dict[str, str] = {}
    for reply in replies:
        field = str(reply.data.get("field") or first)
        if present and field not in present:
            field = "new_entity" if field == "entity" and "new_entity" in present else present[0]
        text = deps.messages.plain(reply.template, reply.data, reply.language)[:MAX_ERROR]
        errors[field] = f"{errors[field]}\n{text}" if field in errors else text
    ack(response_action="errors", errors=errors)
