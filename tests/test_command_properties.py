"""Property-based: no input crashes the command layer or the conversation, and a
reply that reports an error leaves the database exactly as it was."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.app import Application, build
from bot.settings import Settings
from services.turn import Caller
from tests.support.db import dump

CALLER = Caller("T0PROP", "U0ALICE", "C0PROP")
NASTY = st.sampled_from(
    [
        "<!channel>",
        "<@U123ABC>",
        "<https://evil.example|x>",
        "'; DROP TABLE project; --",
        "\u202eRTL\u202c",
        "🎉",
        '"',
        "«",
        "»",
        "\x00",
        "\n",
        "7-9",
        "20",
        "0",
        "oui",
        "non",
        "passer",
        "retour",
        "stop",
        "externe",
        "pérenne",
        "@bob",
        "x" * 300,
        "questions",
        "questions 2",
        "statut",
        "lacunes",
        "contact 7 moi",
        "competence ajouter",
    ]
)
TEXT = st.lists(st.one_of(st.text(max_size=30), NASTY), max_size=6).map(" ".join)
LINES = st.lists(
    st.tuples(st.sampled_from(["/ent", "/ent-assign", "msg"]), TEXT), min_size=1, max_size=6
)


@pytest.fixture(scope="module")
def shared_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Application]:
    path = tmp_path_factory.mktemp("props") / "ent-bot.db"
    application = build(Settings(database_url=f"sqlite:///{path}"))
    application.assistant.command(CALLER, "/ent", "projet creer Propriétés")
    yield application
    application.close()


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(lines=LINES)
def test_any_input_gets_a_reply_and_errors_change_nothing(
    shared_app: Application, lines: list[tuple[str, str]]
) -> None:
    engine = shared_app.database.engine
    for kind, text in lines:
        before = dump(engine)
        if kind == "msg":
            replies = shared_app.assistant.message(CALLER, text)
        else:
            replies = shared_app.assistant.command(CALLER, kind, text)
        assert replies
        assert all(reply.template != "internal_error" for reply in replies)
        for reply in replies:
            rendered = shared_app.messages.slack(reply.template, reply.data, reply.language)
            assert "<!channel>" not in str(rendered.blocks)
            assert shared_app.messages.plain(reply.template, reply.data, reply.language)
        if any(reply.error for reply in replies):
            assert dump(engine) == before
