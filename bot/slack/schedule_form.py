"""The schedule modal: *Modifier* under ``/ent rappels`` opens it (after the
acknowledgement, like the assignment form); its submission is checked in the
acknowledgement, errors under their fields, and applied by the schedule commands' service.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

from slack_bolt import Ack, App
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.slack import forms
from bot.slack.actions import Click
from bot.slack.common import Place, place, refusal, send_later
from bot.slack.delivery import deliver
from bot.slack.deps import Deps
from bot.slack.outbox import Origin, Private, route
from bot.slack.texts import labels, plain_text
from services import schedule_form as service
from services.turn import Reply
from storage.schedules import DIGEST, REMINDERS

log = logging.getLogger(__name__)

ACTION = "schedule_edit"
CALLBACK = "schedule_form"
MAX_ERROR = 2000
MAX_TIME = 10


def register(app: App, deps: Deps) -> None:
    def ack_click(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        edit(deps, body)

    def ack_submission(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        submit(deps, ack, body, view)

    app.action(ACTION)(ack_click)
    app.view(CALLBACK)(ack_submission)


def edit(deps: Deps, body: dict[str, Any]) -> None:
    """*Modifier*: the modal, prefilled with the project's settings."""
    clicked = Click.of(body)
    project_id, _rest = clicked.target()
    if project_id is None and clicked.value.isdigit():
        project_id = int(clicked.value)
    where = place(deps, clicked.workspace, clicked.user, clicked.channel, project_id)
    if isinstance(where, list):
        send_later(deps, route(where, clicked.origin(Place(None, None))).posts)
        return
    caller = deps.caller(clicked.workspace, clicked.user, clicked.channel, where.project_id)
    replies = deps.assistant.run(caller, service.form, write=False)
    if replies and not replies[0].error and clicked.trigger_id:
        opening = forms.Opening(replies[0], clicked.trigger_id, clicked.workspace,
                                clicked.user, clicked.channel, clicked.response_url)
        deps.later(lambda: open_modal(deps, opening))
        return
    send_later(deps, route(replies, clicked.origin(where)).posts)


def open_modal(deps: Deps, opening: forms.Opening) -> None:
    """views.open with the trigger; if Slack refuses, tell the person privately."""
    view = build(deps, opening.reply, opening.channel)
    try:
        deps.client.views_open(trigger_id=opening.trigger_id, view=view)
    except (SlackApiError, SlackClientError, OSError) as exc:
        log.warning("views.open failed: %s", exc)
        failure = Reply("slack_form_unavailable", error=True, language=opening.reply.language)
        private = Private.RESPOND if opening.response_url else (
            Private.EPHEMERAL if opening.channel else Private.HOME
        )
        origin = Origin(opening.workspace, opening.user, private, channel=opening.channel,
                        response_url=opening.response_url)
        deliver(deps, route([failure], origin).posts)


def _option(text: str, value: str) -> dict[str, Any]:
    return {"text": plain_text(text), "value": value}


def _select(options: list[dict[str, Any]], chosen: str | None,
            placeholder: str) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "static_select", "options": options,
                               "placeholder": plain_text(placeholder, 150)}
    initial = next((o for o in options if o["value"] == chosen), None)
    if initial is not None:
        element["initial_option"] = initial
    return element


def _input(block: str, label: str, element: dict[str, Any], optional: bool = True,
           hint: str = "") -> dict[str, Any]:
    built: dict[str, Any] = {
        "type": "input", "block_id": block, "label": plain_text(label, 2000),
        "element": {**element, "action_id": block}, "optional": optional,
    }
    if hint:
        built["hint"] = plain_text(hint, 2000)
    return built


def build(deps: Deps, reply: Reply, opened_in: str | None) -> dict[str, Any]:
    """The modal view for the schedule form service's reply (texts from its template)."""
    data = reply.data
    text = labels(deps.messages, service.FORM, data, reply.language)
    project = data["project"]
    calendar = data["calendar"]
    blocks: list[dict[str, Any]] = [
        {"type": "context", "elements": [plain_text(text.get("intro", ""), 2000)]},
    ]
    for kind in (DIGEST, REMINDERS):
        described = data[kind]
        blocks += [
            _input(service.field(kind, "cadence"), text[f"{kind}_cadence"], _select(
                [_option(text[f"cadence.{c}"], c) for c in service.CADENCE_CHOICES],
                described.cadence if described is not None else "off",
                text["cadence_placeholder"],
            ), optional=False),
            _input(service.field(kind, "day"), text[f"{kind}_day"], _select(
                [_option(text[f"day.{d}"], d) for d in service.DAY_CHOICES],
                service.initial_day(described, kind), text["cadence_placeholder"],
            ), hint=text.get("day_hint", "")),
            _input(service.field(kind, "time"), text[f"{kind}_time"], {
                "type": "plain_text_input", "max_length": MAX_TIME,
                "initial_value": service.initial_time(described, kind),
            }, hint=text.get("time_hint", "")),
        ]
    options = [_option(text[f"option.{o}"], o) for o in service.OPTIONS]
    ticked = {"paused": calendar.paused, "chart": calendar.chart,
              "ignore_school_holidays": calendar.ignore_school_holidays}
    checkboxes: dict[str, Any] = {"type": "checkboxes", "options": options}
    initial = [o for o in options if ticked[o["value"]]]
    if initial:
        checkboxes["initial_options"] = initial
    blocks.append(_input("options", text["options"], checkboxes))
    metadata = {"p": project.id, "c": project.channel_id, "o": opened_in}
    return {
        "type": "modal", "callback_id": CALLBACK,
        "title": plain_text(text["title"], forms.MAX_TITLE),
        "submit": plain_text(text["submit"], forms.MAX_TITLE),
        "close": plain_text(text["close"], forms.MAX_TITLE),
        "private_metadata": json.dumps(metadata), "blocks": blocks,
    }


def parse(values: Mapping[str, Any]) -> service.ScheduleForm:
    """The submitted state (``view.state.values``) as a form to check."""

    def element(block: str) -> Mapping[str, Any]:
        found = values.get(block, {}).get(block, {})
        return found if isinstance(found, Mapping) else {}

    def chosen(block: str) -> str | None:
        option = element(block).get("selected_option")
        return str(option["value"]) if isinstance(option, Mapping) and "value" in option else None

    def timing(kind: str) -> service.Timing:
        typed = element(service.field(kind, "time")).get("value")
        return service.Timing(chosen(service.field(kind, "cadence")),
                              chosen(service.field(kind, "day")),
                              str(typed) if typed is not None else None)

    ticked = element("options").get("selected_options") or []
    return service.ScheduleForm(
        digest=timing(DIGEST), reminders=timing(REMINDERS),
        options=frozenset(str(o.get("value")) for o in ticked if isinstance(o, Mapping)),
    )


def submit(deps: Deps, ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
    workspace = str((body.get("team") or {}).get("id") or view.get("team_id") or "")
    user = str((body.get("user") or {}).get("id") or "")
    meta = forms.metadata(view)
    project_id = meta.get("p")
    project_channel = meta.get("c")
    if not isinstance(project_id, int):
        _errors(deps, ack, [Reply("stale_button", error=True,
                                  language=deps.settings.bot_language)], view)
        return
    refused = refusal(deps, project_channel, user, link=False)
    if refused is not None:
        _errors(deps, ack, [refused], view)
        return
    caller = deps.caller(workspace, user, project_channel, project_id)
    submitted = parse(view.get("state", {}).get("values", {}))
    view_id = view.get("id")
    trigger = body.get("trigger_id")
    key = f"view:{view_id}" if view_id else (f"trigger:{trigger}" if trigger else None)
    replies = deps.assistant.run(caller, lambda turn: service.submit(turn, submitted), key)
    if any(reply.error for reply in replies):
        _errors(deps, ack, [reply for reply in replies if reply.error], view)
        return
    opened_in = meta.get("o")
    origin = Origin(
        workspace, user, Private.EPHEMERAL if opened_in else Private.DIRECT,
        channel=opened_in or user, project_id=project_id, project_channel=project_channel,
    )
    ack()
    send_later(deps, route(replies, origin).posts)


def _errors(deps: Deps, ack: Ack, replies: list[Reply], view: dict[str, Any]) -> None:
    """Each error under its field; one of no field goes under the first."""
    present = [str(block.get("block_id")) for block in view.get("blocks") or []
               if block.get("type") == "input"]
    first = present[0] if present else service.field(DIGEST, "cadence")
    errors: dict[str, str] = {}
    for reply in replies:
        field = str(reply.data.get("field") or first)
        if present and field not in present:
            field = first
        text = deps.messages.plain(reply.template, reply.data, reply.language)[:MAX_ERROR]
        errors[field] = f"{errors[field]}\n{text}" if field in errors else text
    ack(response_action="errors", errors=errors)
