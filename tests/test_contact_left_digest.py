"""“Contact parti” beyond /ent lacunes: in the digest (read for a whole batch at once) and
in the handover document."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from freezegun import freeze_time

from bot.app import Application
from bot.scheduler import render_payload
from services.digest_pass import plan_digests
from tests.support.console import say
from tests.support.db import count_statements
from tests.support.fake_slack import FakeSlack
from tests.support.scheduled import at, bot, fake, members, project_in
from tests.test_digest_local import digest_posted
from tests.test_outbox import CHANNEL, command

__all__ = ["bot", "fake", "members"]


def _left(app: Application, channel: str = CHANNEL) -> None:
    command(app, "entite ajouter DSI collectivite", channel)
    command(app, "assigner 7 DSI interne @bob", channel)
    assert "@bob" in command(app, "contact retirer @bob", channel)


def test_the_digest_shows_contact_parti(bot: Application, fake: FakeSlack) -> None:
    project_in(bot)
    command(bot, "entite ajouter DSI collectivite")
    command(bot, "assigner 7 DSI interne @bob")
    before = digest_posted(bot, fake, "2026-12-07 08:00")
    assert "contact parti" not in before
    command(bot, "contact retirer @bob")
    after = digest_posted(bot, fake, "2026-12-14 08:00")
    assert "la solution ENT : contact parti, personne à contacter à retrouver" in after


def test_in_english_the_digest_says_the_contact_left(bot: Application, fake: FakeSlack) -> None:
    project_in(bot)
    command(bot, "projet langue en")
    _left(bot)
    posted = digest_posted(bot, fake, "2026-12-07 08:00")
    assert "contact left, a new contact person is needed" in posted


def test_the_handover_document_lists_contact_parti(
    app: Application, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    say(app, "/ent projet creer ENT 35", "/ent entite ajouter DSI collectivite",
        "/ent-assign 7 DSI interne @bob", "/ent contact retirer @bob", "/ent export")
    text = (tmp_path / "ent-35-passation.md").read_text(encoding="utf-8")
    assert "n°7 Hébergement et exploitation de la solution ENT : contact parti" in text


def _statements(app: Application, count: int, first: int) -> int:
    for index in range(first, first + count):
        channel = f"C0CHAN{index:04d}"
        project_in(app, channel=channel)
        _left(app, channel)
    instant: datetime = at(f"2026-12-{7 * (first // 10 + 1):02d} 08:00")
    with freeze_time(instant), count_statements(app.database.engine) as statements:
        planned = plan_digests(app.database, instant, render_payload(app.messages))
    assert planned.queued >= count
    return len(statements)


def test_the_departed_contacts_cost_the_same_statements_for_2_or_6_projects(
    bot: Application,
) -> None:
    assert _statements(bot, 2, 1) == _statements(bot, 6, 10)
