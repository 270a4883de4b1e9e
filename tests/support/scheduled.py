"""What the due-pass tests share: a loopback Slack, the app pointed at it, a client, a pass
that never sleeps, and projects created at a fixed instant.

A module chooses the fake Slack's channel members by overriding the ``members`` fixture (the
reminder tests use ``REMINDER_MEMBERS``); it imports the fixtures with its tests and lists
them (``members`` too, unless it overrides it) in its ``__all__``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime

import pytest
from freezegun import freeze_time
from slack_sdk import WebClient

from bot.app import Application
from services.turn import Caller
from tests.support import slack_requests as sr
from tests.support.fake_slack import FakeSlack
from tests.support.slack_app import ALICE, BOB, CHANNEL

WORKSPACE = "T0TEAM0001"
REMINDER_WORKSPACE = sr.TEAM_ID
OTHER = "C0CHAN0002"
REMINDER_MEMBERS: Mapping[str, Sequence[str]] = {CHANNEL: [ALICE, BOB], OTHER: [ALICE, BOB]}
WEEKLY_THURSDAY = "rappels relances hebdomadaire jeudi 10h"
REMINDED = (
    ("/ent", WEEKLY_THURSDAY),
    ("/ent", "rappels synthese off"),
    ("/ent", "entite ajouter DSI collectivite"),
    ("/ent-assign", f"7 DSI externe <@{BOB}>"),
)


@pytest.fixture
def members() -> Mapping[str, Sequence[str]]:
    """Who is in which channel of the fake Slack; override it in a module to change that."""
    return {CHANNEL: [ALICE]}


@pytest.fixture
def fake(members: Mapping[str, Sequence[str]]) -> Iterator[FakeSlack]:
    with FakeSlack(channel_members=members) as running:
        yield running


@pytest.fixture
def bot(app: Application, fake: FakeSlack) -> Application:
    settings = dataclasses.replace(app.settings, **{
        "slack_bot_token": fake.token, "slack_api_url": fake.base_url})
    return dataclasses.replace(app, settings=settings)


def client(fake: FakeSlack) -> WebClient:
    return WebClient(token=fake.token, base_url=fake.base_url, retry_handlers=[], timeout=5)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def no_sleep(_seconds: float) -> None:
    return None


def say(app: Application, text: str, channel: str = CHANNEL, *, workspace: str = WORKSPACE,
        command: str = "/ent") -> str:
    """Alice's command in ``channel``; the replies as plain text."""
    replies = app.assistant.command(Caller(workspace, ALICE, channel), command, text)
    return "\n".join(app.messages.plain(r.template, r.data, r.language) for r in replies)


def project_in(app: Application, channel: str = CHANNEL, name: str = "ENT des collèges 35",
               *, workspace: str = WORKSPACE, created: str = "2026-12-01 10:00",
               then: Sequence[tuple[str, str]] = ()) -> int:
    """A zone B project named ``name`` in ``channel``, created by Alice at ``created``, where
    she then runs the ``then`` commands (slash command, text) at that same instant."""
    with freeze_time(created):
        for command, text in (("/ent", f"projet creer {name}"), ("/ent", "projet zone B"),
                              *then):
            say(app, text, channel, workspace=workspace, command=command)
    with app.database.transaction() as store:
        project = store.project_for_channel(workspace, channel)
    assert project is not None
    return project.id


def reminded_project_in(app: Application, channel: str = CHANNEL, name: str = "ENT 35",
                        created: str = "2026-12-01 10:00") -> int:
    """A zone B project whose lead is Alice, reminders on Thursdays at 10:00, no digest,
    competence 7 external with Bob as its contact."""
    return project_in(app, channel, name, workspace=REMINDER_WORKSPACE, created=created,
                      then=REMINDED)
