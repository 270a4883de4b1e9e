"""The renderer's shortcuts (compiled templates kept, contact lists joined at once) give
the same text as before, for each language and each output."""

from __future__ import annotations

from messages.render import Messages
from storage.state import AssignmentInfo
from tests.test_templates import DSI, PROJECT, STATUS, C

CONTACTS = ("U0ALICE01", "bob <b> & co", "W0ENTERPRISE1")


def _status(contacts: tuple[str, ...]) -> dict[str, object]:
    row = {"competence": C[6], "a": AssignmentInfo(7, DSI.id, "externe", contacts, keep="oui"),
           "entity": DSI}
    return {**STATUS, "rows": [row]}


def test_contacts_are_mentioned_or_escaped_in_slack_and_kept_as_typed_in_plain() -> None:
    messages = Messages()
    data = _status(CONTACTS)

    slack = messages.slack("status", data).blocks
    plain = messages.plain("status", data)

    line = next(b["text"]["text"] for b in slack if "7.*" in b.get("text", {}).get("text", ""))
    assert line.endswith(
        "(externe, pérenne) — <@U0ALICE01>, bob &lt;b&gt; &amp; co, <@W0ENTERPRISE1>"
    )
    assert "(externe, pérenne) — <@U0ALICE01>, bob <b> & co, <@W0ENTERPRISE1>" in plain
    assert "(externe, pérenne)\n" in messages.plain("status", _status(())) + "\n"
    assert "DSI du Département &lt;IT&gt; &amp; co" in line


def test_each_language_and_output_keeps_its_own_compiled_template() -> None:
    messages = Messages()
    data = {**STATUS, "project": PROJECT}

    first = [messages.slack("status", data, language).text for language in ("fr", "en", "de")]
    plain = messages.plain("status", data, "en")
    again = [messages.slack("status", data, language).text for language in ("fr", "en", "de")]

    assert first == again
    assert first[0].endswith("qui s'occupe de quoi") and first[1].endswith("who does what")
    assert first[2] == first[0], "an unknown language falls back to French"
    assert plain.startswith(PROJECT.name + " — who does what")
    assert "&#39;" not in first[0] and "'" in first[0]
