"""Render a reply's template to Block Kit JSON (Slack) or to plain text (console).

A template writes mrkdwn text plus a few line markers that become blocks:
``# Title`` (header), ``---`` (divider), ``::context text`` (context block) and
``{{ button(...) }}`` (buttons; consecutive ones share an actions block).
Blank lines separate sections. The Slack rendering autoescapes every value
(macros included, without escaping twice), then gives quotes back: what is left
is exactly Slack's escaping of ``&``, ``<`` and ``>``, so nobody is pinged by a name.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager, nullcontext
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, Template
from markupsafe import Markup

from messages.environments import shared_options
from messages.errors import with_defaults

TEMPLATES = Path(__file__).parent / "templates"
LANGUAGES = ("fr", "en")
MAX_BLOCKS = 50
MAX_SECTION = 3000
MAX_HEADER = 150
BUTTON = "::button "
CONTEXT = "::context "
SLACK_USER = re.compile(r"^[UW][A-Z0-9]{2,}$")
EMOJI = {
    ":white_check_mark:": "✅",
    ":red_circle:": "🔴",
    ":large_orange_circle:": "🟠",
    ":white_circle:": "⚪",
    ":warning:": "⚠️",
    ":tada:": "🎉",
    ":memo:": "📝",
    ":sparkles:": "✨",
    ":raising_hand:": "🙋",
    ":heavy_minus_sign:": "➖",
    ":white_square:": "⬜",
    ":pencil2:": "✏️",
    ":leftwards_arrow_with_hook:": "↩️",
}
EMOJI_CODE = re.compile(r":[a-z0-9_]+:")
NAMES = "names"
"""Data key: ``{user id: name}``; plain text shows those people as ``@name`` (Slack shows
its mentions itself)."""
_NAMES: ContextVar[Mapping[str, str] | None] = ContextVar("ent_bot_names", default=None)
LITERAL_ANGLES = re.compile(r"<(?!@[UW][A-Z0-9]+>|#C[A-Z0-9]+[|>]|https?://|mailto:)([^<>\n]*)>")


def escape_mrkdwn(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@dataclass(frozen=True, slots=True)
class Rendered:
    text: str
    """Short mrkdwn fallback, used by Slack for notifications."""
    blocks: list[dict[str, Any]]


class Messages:
    """The template environments; built once by the app factory."""

    def __init__(self, timezone: str = "Europe/Paris") -> None:
        self.timezone = ZoneInfo(timezone)
        self._slack = self._environment(slack=True)
        self._plain = self._environment(slack=False)
        self._templates: dict[tuple[bool, str], Template] = {}
        """Compiled templates by (Slack?, path): looked up once, not at every render."""
        self._marking: Environment | None = None
        """Built at the first :meth:`marked` (the terminal's), never for Slack."""

    def _environment(self, slack: bool) -> Environment:
        env = Environment(
            autoescape=slack,
            finalize=_no_none,
            **shared_options("slack" if slack else "plain", TEMPLATES),
        )
        env.globals["button"] = _button
        env.filters["mention"] = _mention if slack else _plain_mention
        env.filters["mentions"] = _mentions if slack else _plain_mentions
        env.filters["when"] = self._when
        return env

    def _when(self, value: datetime | None) -> str:
        if value is None:
            return ""
        return value.replace(tzinfo=UTC).astimezone(self.timezone).strftime("%d/%m/%Y %H:%M")

    def plain(self, template: str, data: Mapping[str, Any], language: str = "fr") -> str:
        """The reply as plain text, for the console and for logs."""
        source = self._render(False, template, data, language)
        lines: list[str] = []
        for line in source.split("\n"):
            if line.startswith(BUTTON):
                continue
            if line.startswith(CONTEXT):
                line = line[len(CONTEXT) :]
            elif line.startswith("# "):
                line = line[2:]
            elif line.strip() == "---":
                line = ""
            if line.strip() or (lines and lines[-1]):
                lines.append(line.rstrip())
        text = "\n".join(lines).strip("\n")
        return EMOJI_CODE.sub(lambda m: EMOJI.get(m.group(0), m.group(0)), text)

    def marked(self, template: str, data: Mapping[str, Any], language: str = "fr") -> str:
        """The reply's plain source, line markers and mrkdwn kept, every value between
        :data:`messages.literal.OPEN` and ``CLOSE``: for renderers of their own (the
        terminal's) that turn the markers into styles and show the values as typed."""
        from messages import literal

        if self._marking is None:
            self._marking = literal.environment(TEMPLATES, _plain_mention, self._when, _button)
        language = language if language in LANGUAGES else "fr"
        compiled = self._marking.get_template(f"{language}/{template}.j2")
        with people_named(data):
            return compiled.render(**literal.data(with_defaults(template, data)), lang=language)

    def slack(self, template: str, data: Mapping[str, Any], language: str = "fr") -> Rendered:
        """The reply as Block Kit blocks plus its notification text."""
        source = self._render(True, template, data, language)
        source = source.replace("&#39;", "'").replace("&#34;", '"')
        return _to_blocks(LITERAL_ANGLES.sub(r"&lt;\1&gt;", source))

    def _render(self, slack: bool, template: str, data: Mapping[str, Any], language: str) -> str:
        language = language if language in LANGUAGES else "fr"
        key = (slack, f"{language}/{template}.j2")
        compiled = self._templates.get(key)
        if compiled is None:
            env = self._slack if slack else self._plain
            compiled = self._templates[key] = env.get_template(key[1])
        with nullcontext() if slack else people_named(data):
            return compiled.render(**with_defaults(template, data), lang=language)


def _no_none(value: Any) -> Any:
    return "" if value is None else value


def _mention(user: str) -> Markup:
    if SLACK_USER.match(user):
        return Markup(f"<@{user}>")
    return Markup(escape_mrkdwn(user))


@contextmanager
def people_named(data: Mapping[str, Any]) -> Iterator[None]:
    """While a reply is rendered for a reader not on Slack: the names of its data
    (:data:`NAMES`) for :func:`known_name`."""
    names = data.get(NAMES)
    token = _NAMES.set(names) if names else None
    try:
        yield
    finally:
        if token is not None:
            _NAMES.reset(token)


def known_name(user: str) -> str | None:
    """The name of ``user`` in the reply being rendered outside Slack, if it gives one."""
    return (_NAMES.get() or {}).get(user)


def _plain_mention(user: str) -> str:
    name = known_name(user)
    if name:
        return f"@{name}"
    return f"<@{user}>" if SLACK_USER.match(user) else user


def _mentions(users: Iterable[str]) -> Markup:
    """People, comma-separated: ``{{ a.contacts|mentions }}`` (one Markup, not one each)."""
    return Markup(", ".join(
        [f"<@{user}>" if SLACK_USER.match(user) else escape_mrkdwn(user) for user in users]
    ))


def _plain_mentions(users: Iterable[str]) -> str:
    return ", ".join([_plain_mention(user) for user in users])


def _button(action_id: str, text: str, value: str = "", style: str | None = None) -> Markup:
    element: dict[str, Any] = {
        "type": "button",
        "action_id": action_id,
        "text": {"type": "plain_text", "text": text[:75], "emoji": True},
        "value": value[:2000],
    }
    if style:
        element["style"] = style
    return Markup(BUTTON + json.dumps(element, ensure_ascii=False))


def _to_blocks(source: str) -> Rendered:
    blocks: list[dict[str, Any]] = []
    paragraph: list[str] = []
    fallback = ""

    def flush() -> None:
        text = "\n".join(paragraph).strip("\n")
        paragraph.clear()
        while text:
            chunk, text = _split_section(text)
            blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": chunk}})

    for line in source.split("\n"):
        if line.startswith(BUTTON):
            flush()
            element = json.loads(line[len(BUTTON) :])
            if blocks and blocks[-1]["type"] == "actions" and len(blocks[-1]["elements"]) < 25:
                blocks[-1]["elements"].append(element)
            else:
                blocks.append({"type": "actions", "elements": [element]})
        elif line.startswith(CONTEXT):
            flush()
            blocks.append(
                {
                    "type": "context",
                    "elements": [
                        {"type": "mrkdwn", "text": _clip(line[len(CONTEXT) :], MAX_SECTION)}
                    ],
                }
            )
        elif line.startswith("# "):
            flush()
            fallback = fallback or line[2:].strip()
            title = _unescape(line[2:].strip())[:MAX_HEADER]
            blocks.append({"type": "header", "text": {"type": "plain_text", "text": title}})
        elif line.strip() == "---":
            flush()
            blocks.append({"type": "divider"})
        elif not line.strip():
            flush()
        else:
            paragraph.append(line.rstrip())
            fallback = fallback or line.strip()
    flush()
    if len(blocks) > MAX_BLOCKS:
        blocks = [
            *blocks[: MAX_BLOCKS - 1],
            {"type": "context", "elements": [{"type": "mrkdwn", "text": "…"}]},
        ]
    return Rendered(text=_clip(fallback, MAX_SECTION), blocks=blocks)


def _split_section(text: str) -> tuple[str, str]:
    if len(text) <= MAX_SECTION:
        return text, ""
    cut = text.rfind("\n", 0, MAX_SECTION)
    if cut <= 0:
        cut = len(_clip(text, MAX_SECTION))
    return text[:cut], text[cut:].lstrip("\n")


def _clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, never in the middle of an escape (``&amp;``)."""
    if len(text) <= limit:
        return text
    text = text[:limit]
    amp = text.rfind("&", max(0, limit - 4))
    return text[:amp] if amp >= 0 and ";" not in text[amp:] else text


def _unescape(text: str) -> str:
    """Header blocks are plain_text: Slack shows entities there literally."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
