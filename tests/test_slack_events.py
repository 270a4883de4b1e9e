"""Events end to end: the bot joins, people answer in the thread or in DMs, Slack retries."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from bot.app import Application
from tests.support import slack_requests as sr
from tests.support.slack_app import ALICE, BOB, CHANNEL, EVE, SlackBot, posted, running_bot, text_of


@pytest.fixture
def bot(app: Application) -> Iterator[SlackBot]:
    with running_bot(app) as running:
        yield running


def joined(bot: SlackBot, inviter: str | None = ALICE) -> sr.HttpResult:
    event = sr.member_joined_channel_event(sr.BOT_USER_ID, CHANNEL, inviter=inviter)
    return bot.send(sr.event_callback(event))


def reply_in_thread(
    thread_ts: str, text: str, user: str = ALICE, **extra: Any
) -> sr.SlackRequest:
    ts = f"{1_800_000_000 + len(text)}.{abs(hash(text)) % 1_000_000:06d}"
    event = {
        "type": "message", "user": user, "text": text, "ts": ts, "thread_ts": thread_ts,
        "parent_user_id": sr.BOT_USER_ID, "channel": CHANNEL, "channel_type": "channel",
        "event_ts": ts, "team": sr.TEAM_ID, **extra,
    }
    return sr.event_callback(event)


def thread_of(bot: SlackBot) -> str:
    """The ts of the last top-level message the bot posted: the conversation's thread."""
    roots = [c for c in bot.fake.calls("chat.postMessage") if not c.params.get("thread_ts")]
    return str(roots[-1].response["ts"])


def test_invited_to_a_new_channel_it_asks_the_project_name_then_the_questions(
    bot: SlackBot,
) -> None:
    assert joined(bot).status == 200
    [welcome] = posted(bot.fake)
    assert "quel est le nom du projet" in text_of(welcome)
    thread = thread_of(bot)

    bot.send(reply_in_thread(thread, "ENT des collèges 35"))

    answers = posted(bot.fake)[1:]
    assert all(post.get("thread_ts") == thread for post in answers)
    assert "maîtrise d'ouvrage" in text_of(answers[-1])
    bot.send(reply_in_thread(thread, "Département d'Ille-et-Vilaine", user=BOB))
    assert "Question clé 1/4" in text_of(posted(bot.fake)[-1])
    assert "Département d'Ille-et-Vilaine" in bot.status()


def test_a_retried_answer_is_applied_once(bot: SlackBot) -> None:
    bot.command("/ent", "projet creer ENT 35")
    bot.command("/ent", "questions")
    thread = thread_of(bot)
    answer = reply_in_thread(thread, "Département d'Ille-et-Vilaine")
    first = bot.send(answer)
    count = len(posted(bot.fake))

    again = bot.send(answer, retry_num=1)
    late = bot.send(answer, retry_num=2)

    assert (first.status, again.status, late.status) == (200, 200, 200)
    assert len(posted(bot.fake)) == count
    history = bot.command("/ent", "historique")
    assert text_of(history.json()).count("Département d'Ille-et-Vilaine") == 1


def test_questions_command_starts_a_thread_and_answers_there_change_the_project(
    bot: SlackBot,
) -> None:
    bot.command("/ent", "projet creer ENT 35")
    bot.command("/ent", "projet moa Département d'Ille-et-Vilaine")
    bot.fake.reset()

    answer = bot.command("/ent", "questions")

    assert (answer.status, answer.body) == (200, "")
    [question] = posted(bot.fake)
    assert "Question clé 1/4" in text_of(question) and "thread_ts" not in question
    thread = thread_of(bot)
    bot.send(reply_in_thread(thread, "DANE Rennes"))
    confirm = bot.fake.calls("chat.postEphemeral")[-1].params
    assert confirm["thread_ts"] == thread and "DANE Rennes" in text_of(confirm)
    bot.send(sr.block_actions(sr.button("confirm_yes", "yes"), user_id=ALICE,
                              channel_id=CHANNEL, response_url=bot.fake.new_response_url()))
    assert "Question clé 2/4" in text_of(posted(bot.fake)[-1])
    assert posted(bot.fake)[-1]["thread_ts"] == thread
    assert "pilotage : DANE Rennes" in bot.status()


def test_bot_messages_and_other_threads_are_ignored(bot: SlackBot) -> None:
    bot.command("/ent", "projet creer ENT 35")
    bot.command("/ent", "questions")
    thread = thread_of(bot)
    before = len(bot.fake.calls())

    bot.send(reply_in_thread(thread, "Région", bot_id="B0OTHER"))
    bot.send(reply_in_thread("1700000000.999999", "Région"))
    bot.send(sr.event_callback({"type": "message", "user": ALICE, "text": "Région",
                                "ts": "1800000000.000001", "channel": CHANNEL}))

    assert len(bot.fake.calls()) == before
    assert "Région" not in bot.status()


def test_someone_outside_the_channel_cannot_answer(bot: SlackBot) -> None:
    bot.command("/ent", "projet creer ENT 35")
    bot.command("/ent", "questions")
    thread = thread_of(bot)

    bot.send(reply_in_thread(thread, "Région Bretagne", user=EVE))

    refusal = bot.fake.calls("chat.postEphemeral")[-1].params
    assert refusal["user"] == EVE and "Seuls les membres" in text_of(refusal)
    assert "Région Bretagne" not in bot.status()


def test_home_tab_shows_the_persons_competences_and_its_buttons_work(bot: SlackBot) -> None:
    bot.command("/ent", "projet creer ENT 35")
    bot.command("/ent-assign", f"7 DSI <@{BOB}|bob>")
    bot.send(sr.block_actions(sr.button("confirm_yes", "yes"), user_id=ALICE,
                              channel_id=CHANNEL, response_url=bot.fake.new_response_url()))
    bot.fake.reset()

    bot.send(sr.event_callback(sr.app_home_opened_event(BOB)))

    [publish] = bot.fake.calls("views.publish")
    assert publish.params["user_id"] == BOB
    home = text_of(publish.params["view"])
    assert "ENT 35" in home and "7.* Hébergement" in home
    values = [e["value"] for b in publish.params["view"]["blocks"] if b["type"] == "actions"
              for e in b["elements"] if e["action_id"] == "gap_take"]
    assert values and values[0].split(":")[0].isdigit()

    bot.send(sr.block_actions(sr.button("gap_take", values[0]), user_id=BOB,
                              view={"id": "V0HOME", "type": "home"}))

    assert f"<@{BOB}> est maintenant contact" in posted(bot.fake)[-1]["text"]
    assert posted(bot.fake)[-1]["channel"] == CHANNEL
    assert bot.fake.calls("views.publish")[-1].params["user_id"] == BOB


def test_direct_messages_ask_which_project_once(bot: SlackBot) -> None:
    bot.fake.set_members("C0CHAN0002", [ALICE])
    bot.command("/ent", "projet creer ENT 35")
    bot.command("/ent", "projet creer ENT 56", channel="C0CHAN0002")
    dm = "D0ALICE01"

    answer = bot.command("/ent", "statut", channel=dm)
    buttons = [e for b in answer.json()["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [b["text"]["text"] for b in buttons] == ["ENT 35", "ENT 56"]

    pick = next(b for b in buttons if b["text"]["text"] == "ENT 35")
    bot.send(sr.block_actions(sr.button("dm_project", pick["value"]), user_id=ALICE,
                              channel_id=dm, response_url=bot.fake.new_response_url()))
    again = bot.command("/ent", "statut", channel=dm)

    assert "ENT 35 — qui s'occupe de quoi" in text_of(again.json())


def test_mentioning_the_bot_runs_a_command(bot: SlackBot) -> None:
    bot.command("/ent", "projet creer ENT 35")
    event = sr.app_mention_event(ALICE, CHANNEL, f"<@{sr.BOT_USER_ID}> facteurs 2 fait")

    bot.send(sr.event_callback(event))

    assert "facteur" in posted(bot.fake)[-1]["text"].lower()
    assert "facteurs clés de succès : 1/3" in bot.status()


def test_the_walk_buttons_go_through_the_uncovered_competences_in_the_thread(
    bot: SlackBot,
) -> None:
    bot.command("/ent", "projet creer ENT 35")
    bot.fake.reset()
    bot.command("/ent", "questions 4")
    [coverage] = posted(bot.fake)
    assert ("walk_yes", "yes") in [(e["action_id"], e["value"]) for b in coverage["blocks"]
                                   if b["type"] == "actions" for e in b["elements"]]
    root = thread_of(bot)

    bot.send(sr.block_actions(sr.button("walk_yes", "yes"), user_id=BOB, channel_id=CHANNEL,
                              message={"ts": root, "text": coverage["text"]},
                              response_url=bot.fake.new_response_url()))
    first = posted(bot.fake)[-1]
    bot.send(reply_in_thread(root, "passer", user=BOB))
    second = posted(bot.fake)[-1]

    assert first["thread_ts"] == second["thread_ts"] == root
    assert "*1/19*" in text_of(first) and "*1.* Fourniture des équipements" in text_of(first)
    assert "*2/19*" in text_of(second)


def test_a_form_for_a_project_that_no_longer_exists_is_refused(bot: SlackBot) -> None:
    request = sr.view_submission(
        "assign_form", {"competence": {"competence": {
            "type": "static_select", "selected_option": sr.option("reseau")}}},
        '{"p": 999, "c": "C0CHAN0001", "o": null}', user_id=ALICE,
    )

    answer = bot.send(request)

    assert answer.json()["response_action"] == "errors"
    assert "pas encore de projet" in answer.json()["errors"]["competence"]
    assert posted(bot.fake) == []
