"""The assignment modal: built from the form service's reply, opened after the acknowledgement,
and its submitted state read back into an :class:`~services.forms.AssignForm`."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from slack_sdk.errors import SlackApiError, SlackClientError

from bot.slack.delivery import deliver
from bot.slack.deps import Deps
from bot.slack.outbox import Origin, Private, route
from bot.slack.texts import labels, plain_text
from services.answers import MAX_NAME_LENGTH, is_user_id
from services.forms import FORM, MAX_NOTES, MAX_PROVIDER, MAX_SERVICE_LEVEL, AssignForm
from services.turn import Reply
from storage.state import AssignmentInfo, CompetenceInfo, EntityInfo, ProjectInfo
from storage.vocab import Keep, Sourcing

log = logging.getLogger(__name__)

CALLBACK = "assign_form"
MAX_OPTIONS = 100
MAX_TITLE = 24


@dataclass(frozen=True, slots=True)
class Opening:
    """A form to open with a trigger, and where to explain if Slack refuses it."""

    reply: Reply
    trigger_id: str
    workspace: str
    user: str
    channel: str | None
    response_url: str | None


def open_later(deps: Deps, opening: Opening) -> None:
    """Open the form after the acknowledgement."""
    deps.later(lambda: open_form(deps, opening))


def open_form(
    deps: Deps, opening: Opening,
    builder: Callable[[Deps, Reply, str | None], dict[str, Any]] | None = None,
) -> None:
    """views.open with the trigger (the assignment form unless ``builder`` makes another);
    if Slack refuses, tell the person privately."""
    view = (builder or build)(deps, opening.reply, opening.channel)
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
    return {"text": plain_text(text), "value": value[:150]}


def _input(
    block: str, label: str, element: dict[str, Any], optional: bool = True, hint: str = ""
) -> dict[str, Any]:
    element = {**element, "action_id": block}
    built: dict[str, Any] = {
        "type": "input", "block_id": block, "label": plain_text(label, 2000),
        "element": element, "optional": optional,
    }
    if hint:
        built["hint"] = plain_text(hint, 2000)
    return built


def _select(
    kind: str, options: list[dict[str, Any]], placeholder: str, chosen: str | None
) -> dict[str, Any]:
    element: dict[str, Any] = {"type": kind, "options": options}
    if kind == "static_select":
        element["placeholder"] = plain_text(placeholder, 150)
    initial = next((o for o in options if o["value"] == chosen), None)
    if initial is not None:
        element["initial_option"] = initial
    return element


def _text_input(limit: int, value: str | None, multiline: bool = False) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "plain_text_input", "max_length": limit}
    if multiline:
        element["multiline"] = True
    if value:
        element["initial_value"] = value[:limit]
    return element


def build(deps: Deps, reply: Reply, opened_in: str | None) -> dict[str, Any]:
    """The modal view for the form service's reply (texts from its template)."""
    data = reply.data
    text = labels(deps.messages, FORM, data, reply.language)
    project: ProjectInfo = data["project"]
    competences: Sequence[CompetenceInfo] = data["competences"]
    known: Sequence[EntityInfo] = data["entities"]
    competence: CompetenceInfo | None = data["competence"]
    current: AssignmentInfo | None = data["a"]
    blocks: list[dict[str, Any]] = [
        {"type": "context", "elements": [plain_text(text.get("intro", ""), 2000)]},
        _input("competence", text["competence"], _select(
            "static_select",
            [_option(text.get(f"c.{c.code}", c.code), c.code) for c in competences][:MAX_OPTIONS],
            text["competence_placeholder"], competence.code if competence else None,
        ), optional=False),
    ]
    if known:
        blocks.append(_input("entity", text["entity"], _select(
            "static_select", [_option(e.name, str(e.id)) for e in known][:MAX_OPTIONS],
            text["entity_placeholder"],
            str(current.entity_id) if current and current.entity_id else None,
        )))
    blocks += [
        _input("new_entity", text["new_entity"], _text_input(MAX_NAME_LENGTH, None),
               hint=text.get("new_entity_hint", "")),
        _input("sourcing", text["sourcing"], _select(
            "radio_buttons", [_option(text[f"sourcing.{s}"], s.value) for s in Sourcing], "",
            current.sourcing if current else None,
        )),
        _input("contacts", text["contacts"], _users(
            text["contacts_placeholder"], current.contacts if current else ()
        )),
        _input("keep", text["keep"], _select(
            "radio_buttons", [_option(text[f"keep.{k}"], k.value) for k in Keep], "",
            current.keep if current else None,
        )),
        _input("service_level", text["service_level"],
               _text_input(MAX_SERVICE_LEVEL, current.service_level if current else None),
               hint=text.get("service_level_hint", "")),
        _input("provider", text["provider"],
               _text_input(MAX_PROVIDER, current.provider if current else None)),
        _input("notes", text["notes"],
               _text_input(MAX_NOTES, current.notes if current else None, multiline=True)),
    ]
    metadata = {"p": project.id, "c": project.channel_id, "o": opened_in}
    return {
        "type": "modal", "callback_id": CALLBACK,
        "title": plain_text(text["title"], MAX_TITLE),
        "submit": plain_text(text["submit"], MAX_TITLE),
        "close": plain_text(text["close"], MAX_TITLE),
        "private_metadata": json.dumps(metadata), "blocks": blocks,
    }


def _users(placeholder: str, contacts: Sequence[str]) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "multi_users_select", "placeholder": plain_text(placeholder, 150),
    }
    initial = [user for user in contacts if is_user_id(user)]
    if initial:
        element["initial_users"] = initial
    return element


def metadata(view: Mapping[str, Any]) -> dict[str, Any]:
    try:
        found = json.loads(str(view.get("private_metadata") or "{}"))
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def parse(values: Mapping[str, Any]) -> AssignForm:
    """The submitted state (``view.state.values``) as a form to check."""

    def element(block: str) -> Mapping[str, Any]:
        found = values.get(block, {}).get(block, {})
        return found if isinstance(found, Mapping) else {}

    def chosen(block: str) -> str | None:
        option = element(block).get("selected_option")
        return str(option["value"]) if isinstance(option, Mapping) and "value" in option else None

    def typed(block: str) -> str | None:
        value = element(block).get("value")
        return str(value) if value is not None else None

    users = element("contacts").get("selected_users") or []
    return AssignForm(
        competence=chosen("competence"), entity_id=chosen("entity"),
        new_entity=typed("new_entity"), sourcing=chosen("sourcing"),
        contacts=tuple(str(user) for user in users), keep=chosen("keep"),
        service_level=typed("service_level"), provider=typed("provider"), notes=typed("notes"),
    )
