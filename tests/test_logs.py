"""Logs carry ids and pseudonyms, never Slack user ids, names or what people typed."""

from __future__ import annotations

import io
import logging
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.app import Application
from bot.logs import PersonalDataFilter, install, is_ours
from services import log_ids
from services.log_ids import scrub_user_ids, user_ref
from services.turn import Caller, Reply, Turn
from tests.support import slack_requests as sr
from tests.support.slack_app import ALICE, BOB, CHANNEL, SlackBot, running_bot, text_of

SECRET_WORD = "Zorglub"
"""In every name and text the test types: it must reach no log line."""
PERSONAL = re.compile(rf"{ALICE}|{BOB}|{SECRET_WORD}|alice|bob", re.IGNORECASE)


@pytest.fixture(autouse=True)
def default_key() -> Iterator[None]:
    yield
    log_ids.set_key(None)


def test_user_ref_is_a_short_stable_pseudonym_keyed_by_the_deployment() -> None:
    first = user_ref(ALICE)

    assert re.fullmatch(r"user:[0-9a-f]{10}", first)
    assert user_ref(ALICE) == first and user_ref(BOB) != first
    log_ids.set_key("signing-secret")
    assert user_ref(ALICE) not in {first, user_ref(BOB)}


def test_only_user_ids_are_replaced() -> None:
    line = f"UPDATE by {ALICE} in C0CHAN0001 of T0ENT0001 (W0123ABCD, U123)"

    assert scrub_user_ids(line) == (
        f"UPDATE by {user_ref(ALICE)} in C0CHAN0001 of T0ENT0001 ({user_ref('W0123ABCD')}, U123)"
    )


def _record(level: int, message: str, pathname: str, exc: bool = False) -> logging.LogRecord:
    exc_info = None
    if exc:
        try:
            raise ValueError(f"bad value for {ALICE}")
        except ValueError:
            exc_info = sys.exc_info()
    return logging.LogRecord("any", level, pathname, 1, message, None, exc_info)


def test_the_filter_drops_library_chatter_and_pseudonymises_the_rest() -> None:
    library = "/usr/lib/python3/site-packages/slack_sdk/web/base_client.py"
    ours = str(pytest.importorskip("bot.slack.delivery").__file__)
    keep = PersonalDataFilter()

    assert not keep.filter(_record(logging.DEBUG, f"json_body: {ALICE}", library))
    assert not keep.filter(_record(logging.INFO, "SELECT 1", library))
    warning = _record(logging.WARNING, f"failed for {ALICE}", library, exc=True)
    assert keep.filter(warning)
    assert warning.getMessage() == f"failed for {user_ref(ALICE)}"
    assert warning.exc_text and ALICE not in warning.exc_text
    assert user_ref(ALICE) in warning.exc_text
    debug = _record(logging.DEBUG, f"sent to {ALICE}", ours)
    assert keep.filter(debug) and debug.getMessage() == f"sent to {user_ref(ALICE)}"


@pytest.fixture
def bot(app: Application) -> Iterator[SlackBot]:
    with running_bot(app) as running:
        yield running


def _crash(turn: Turn) -> list[Reply]:
    """A service with a bug, whose exception names the person."""
    raise LookupError(f"no contact row for {turn.caller.user_id}")


def _lines(records: list[logging.LogRecord]) -> list[str]:
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    return [formatter.format(record) for record in records]


class _Recorder(logging.Handler):
    """Every record, unfiltered (pytest's own handlers may carry the filter already)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_requests_normal_and_failing_log_no_personal_data(bot: SlackBot) -> None:
    stream = io.StringIO()
    filtered = logging.StreamHandler(stream)
    install(handlers=[filtered])
    root = logging.getLogger()
    recorder = _Recorder()
    root.addHandler(filtered)
    root.addHandler(recorder)
    level = root.level
    root.setLevel(logging.DEBUG)
    try:
        bot.command("/ent", f"projet creer Projet {SECRET_WORD}")
        bot.command("/ent-assign", f'7 "DSI {SECRET_WORD}" externe <@{BOB}|bob>')
        bot.send(sr.block_actions(
            sr.button("confirm_yes", "yes"), user_id=ALICE, channel_id=CHANNEL,
            response_url=bot.fake.new_response_url(),
        ))
        bot.command("/ent", f"notes 7 note privée de {SECRET_WORD}")
        bot.command("/ent", f"pas une commande {SECRET_WORD}")
        bot.fake.fail_next("views.publish", times=5, status=500)
        bot.command("/ent", f"prestataire 7 {SECRET_WORD} SAS")
        crashed = bot.application.assistant.run(
            Caller("T0ENT0001", ALICE, CHANNEL), _crash, key=f"command:{SECRET_WORD}"
        )
        with bot.application.database.engine.begin() as connection:
            connection.execute(text("DROP TABLE history"))
        refused = bot.command("/ent", f"niveau 7 réponse sous 4 h {SECRET_WORD}")
    finally:
        root.removeHandler(filtered)
        root.removeHandler(recorder)
        root.setLevel(level)

    assert [reply.template for reply in crashed] == ["internal_error"]
    assert "rien n'a été modifié" in text_of(refused.json())
    raw = _lines(recorder.records)
    assert any(SECRET_WORD in line for line in raw), "library debug lines carry what was typed"
    ours = [record.getMessage() for record in recorder.records if is_ours(record)]
    assert ours and [line for line in ours if PERSONAL.search(line)] == []
    kept = stream.getvalue()
    assert "request failed" in kept and "could not send home" in kept, kept
    assert user_ref(ALICE) in kept
    assert PERSONAL.findall(kept) == []


@pytest.mark.parametrize("configured", [True, False], ids=["basicConfig", "no handler"])
def test_install_filters_what_the_process_prints(configured: bool) -> None:
    script = (
        "import logging\n"
        + ("logging.basicConfig(level=logging.WARNING)\n" if configured else "")
        + "from bot.logs import install\n"
        "install('signing-secret')\n"
        f"logging.getLogger('bot.x').warning('could not send to {ALICE}')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
        check=True, cwd=Path(__file__).resolve().parents[1],
    )

    log_ids.set_key("signing-secret")
    assert ALICE not in done.stderr
    assert f"could not send to {user_ref(ALICE)}" in done.stderr
