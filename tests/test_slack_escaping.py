"""Names that would ping or link in Slack reach it escaped, in the blocks and in the
notification text (``text``) alike."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from bot.app import Application
from messages.render import MAX_SECTION, Messages
from storage.state import ProjectInfo
from tests.support.slack_app import SlackBot, posted, running_bot
from tests.test_templates import STATUS as STATUS_SAMPLE

NAME = "<!channel> <!here> <@U0SPY0001> & co"
ESCAPED = "&lt;!channel&gt; &lt;!here&gt; &lt;@U0SPY0001&gt; &amp; co"
LIVE = ("<!channel>", "<!here>", "<@U0SPY0001>")
BROKEN = re.compile(r"&(?!amp;|lt;|gt;)")


def _live(text: str) -> list[str]:
    return [token for token in LIVE if token in text]


@pytest.fixture(scope="module")
def messages() -> Messages:
    return Messages()


def test_a_title_from_a_name_is_escaped_in_the_notification_text(messages: Messages) -> None:
    project = ProjectInfo(1, "T1", NAME, channel_id="C1")
    rendered = messages.slack("status", {**STATUS_SAMPLE, "project": project})

    assert rendered.blocks[0]["type"] == "header"
    assert rendered.blocks[0]["text"]["text"].startswith(NAME), "plain_text shows it as is"
    assert rendered.text.startswith(ESCAPED)
    assert _live(rendered.text) == []


def test_every_sentence_starting_with_a_name_is_escaped_in_the_text(messages: Messages) -> None:
    project = ProjectInfo(1, "T1", NAME, channel_id="C1")
    for template, data in (
        ("project_created", {"actor": "U0ALICE01", "project": project}),
        ("project_exists", {"project": project}),
        ("help", {"project": project}),
    ):
        rendered = messages.slack(template, data)
        assert _live(rendered.text + json.dumps(rendered.blocks)) == [], template
        assert ESCAPED in rendered.text + json.dumps(rendered.blocks, ensure_ascii=False)


def test_a_long_text_is_never_cut_inside_an_escape(messages: Messages) -> None:
    name = "&" * (MAX_SECTION + 10)
    rendered = messages.slack("project_exists", {"project": ProjectInfo(1, "T1", name)})

    texts = [rendered.text] + [
        block["text"]["text"] for block in rendered.blocks if block["type"] == "section"
    ]
    for text in texts:
        assert len(text) <= MAX_SECTION
        assert not BROKEN.search(text), text[-12:]


@pytest.fixture
def bot(app: Application) -> Iterator[SlackBot]:
    with running_bot(app) as running:
        yield running


def _mrkdwn(message: Any) -> list[str]:
    """The texts Slack reads as mrkdwn: a message's ``text`` and its mrkdwn objects
    (plain_text fields show what they hold and ping nobody)."""
    found: list[str] = []
    if isinstance(message, dict):
        if isinstance(message.get("text"), str) and message.get("type", "mrkdwn") == "mrkdwn":
            found.append(message["text"])
        for value in message.values():
            if isinstance(value, dict | list):
                found += _mrkdwn(value)
    elif isinstance(message, list):
        for item in message:
            found += _mrkdwn(item)
    return found


def test_a_pinging_project_name_reaches_slack_escaped_in_text_and_blocks(bot: SlackBot) -> None:
    typed = NAME.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    bot.command("/ent", f"projet creer {typed}")
    status = bot.command("/ent", "statut").json()
    help_answer = bot.command("/ent", "aide").json()
    bot.command("/ent", "facteurs 1 fait")

    [created, factor] = posted(bot.fake)
    for message in (created, factor, status, help_answer):
        texts = _mrkdwn(message)
        assert texts and _live("\n".join(texts)) == [], texts
    assert ESCAPED in created["text"]
    assert status["text"].startswith(ESCAPED)
    assert all(_live("\n".join(_mrkdwn(call.params))) == [] for call in bot.fake.calls())
