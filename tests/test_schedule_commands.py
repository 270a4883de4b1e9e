"""``/ent rappels``, ``/ent projet zone|chef`` and ``/ent synthese`` as a person types them;
Slack's channel_archive and the bot's removal pause the channel's schedules."""

from __future__ import annotations

import pytest

from bot.app import Application
from services.turn import Caller
from storage import schedules as schedule_store
from tests.support import slack_requests as sr
from tests.support.db import dump
from tests.support.slack_app import ALICE, CHANNEL, running_bot

WORKSPACE = "T1"


def say(app: Application, text: str, user: str = "alice") -> str:
    replies = app.assistant.command(Caller(WORKSPACE, user, "C1"), "/ent", text)
    return "\n".join(app.messages.plain(r.template, r.data, r.language) for r in replies)


@pytest.fixture
def project(app: Application) -> Application:
    say(app, "projet creer ENT des collèges 35")
    return app


def test_the_default_is_a_weekly_monday_digest_and_no_reminders(project: Application) -> None:
    shown = say(project, "rappels")
    assert "chaque semaine, le lundi à 09h00" in shown
    assert "Relances des lacunes (messages privés)* : désactivée" in shown


def test_changing_the_digest_and_reminders_shows_the_next_dates(project: Application) -> None:
    changed = say(project, "rappels synthese quotidienne 8h30")
    assert "a changé la synthèse" in changed and "chaque jour ouvré à 08h30" in changed
    reminders = say(project, "rappels relances hebdomadaire jeudi 10h")
    assert "le jeudi à 10h00" in reminders and "prochaines : jeudi" in reminders
    assert "désactivée" in say(project, "rappels synthese off")


@pytest.mark.parametrize(("text", "expected"), [
    ("rappels synthese hebdomadaire dimanche", "Jour inconnu : `dimanche`"),
    ("rappels synthese hebdomadaire lundi 25h", "Heure impossible : `25h`"),
    ("rappels synthese annuelle", "Rythme inconnu : `annuelle`"),
    ("rappels frequence", "Je ne connais pas `frequence`"),
    ("rappels vacances peutetre", "`ignorer`"),
    ("projet zone D", "Zone inconnue : `D`"),
    ("projet chef", "Qui est le chef de projet ?"),
])
def test_bad_input_says_what_is_accepted_and_changes_nothing(
    project: Application, text: str, expected: str
) -> None:
    before = dump(project.database.engine)
    answer = say(project, text)
    assert expected in answer and "Rien n'a été changé." in answer
    assert dump(project.database.engine) == before


def test_zone_alsace_lead_pause_and_holidays_are_stored(project: Application) -> None:
    assert "zone B, Alsace-Moselle" in say(project, "projet zone B 67")
    assert "chef de projet : <@U0BOB0001>" in say(project, "projet chef <@U0BOB0001>")
    assert "vacances scolaires ignorées" in say(project, "rappels vacances ignorer")
    assert "En pause" in say(project, "rappels pause")
    assert "En pause" not in say(project, "rappels reprise")
    with project.database.transaction() as store:
        project_id = store.projects(WORKSPACE)[0].id
        saved = schedule_store.calendar(store.connection, project_id)
    assert (saved.zone, saved.subdivision, saved.lead, saved.ignore_school_holidays,
            saved.paused) == ("B", "6AE", "U0BOB0001", True, False)


def test_english_words_work_too(project: Application) -> None:
    assert "le lundi à 09h00" in say(project, "reminders digest weekly monday 9am")
    assert "vos relances sont coupées" in say(project, "rappels me off") + say(project, "rappels")


def test_digest_now_prints_the_digest(project: Application) -> None:
    say(project, "projet zone B")
    shown = say(project, "synthese")
    assert "ENT des collèges 35 — synthèse" in shown
    assert "Couverture : *0/19*" in shown and "Prochaine synthèse : lundi" in shown


def test_an_archived_channel_or_the_bot_removed_pauses_its_schedules(app: Application) -> None:
    with running_bot(app) as bot:
        bot.command("/ent", "projet creer ENT 35")
        archived = sr.event_callback({"type": "channel_archive", "channel": CHANNEL,
                                      "user": ALICE})
        assert bot.send(archived).status == 200
        with app.database.transaction() as store:
            pid = store.project_for_channel(sr.TEAM_ID, CHANNEL)
            assert pid is not None
            paused = schedule_store.calendar(store.connection, pid.id)
        assert (paused.paused, paused.paused_reason) == (True, "is_archived")
        bot.command("/ent", "rappels reprise")
        removed = sr.event_callback({"type": "member_left_channel", "channel": CHANNEL,
                                     "user": sr.BOT_USER_ID, "channel_type": "C"})
        bot.send(removed)
        with app.database.transaction() as store:
            again = schedule_store.calendar(store.connection, pid.id)
        assert (again.paused, again.paused_reason) == (True, "not_in_channel")
