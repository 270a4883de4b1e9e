"""The schedule modal: *Modifier* under ``/ent rappels`` opens it (after the
acknowledgement, like the assignment form); its submission is checked in the
acknowledgement, errors under their fields, and applied by the schedule commands' service.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from slack_bolt import Ack, App

from bot.slack import forms, views
from bot.slack.actions import Click
from bot.slack.common import Place, place, send_later
from bot.slack.deps import Deps
from bot.slack.outbox import route
from bot.slack.texts import labels, plain_text
from services import schedule_form as service
from services.turn import Reply, Turn
from storage.schedules import DIGEST, REMINDERS

ACTION = "schedule_edit"
CALLBACK = "schedule_form"
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
        deps.later(lambda: forms.open_form(deps, opening, build))
        return
    send_later(deps, route(replies, clicked.origin(where)).posts)


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
    view_id = view.get("id")
    trigger = body.get("trigger_id")
    key = f"view:{view_id}" if view_id else (f"trigger:{trigger}" if trigger else None)

    def action(values: dict[str, Any]) -> Callable[[Turn], list[Reply]]:
        submitted = parse(values)
        return lambda turn: service.submit(turn, submitted)

    views.submit_view(deps, ack, body, view, action, key, service.field(DIGEST, "cadence"))
