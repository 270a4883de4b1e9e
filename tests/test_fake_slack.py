"""The fake Slack server and request builders work with the real Slack clients."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator, Sequence
from socketserver import ThreadingMixIn
from typing import Any
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from slack_bolt import Ack, App, BoltRequest, BoltResponse, Respond
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier
from slack_sdk.webhook import WebhookClient

from tests.support import slack_requests as sr
from tests.support.fake_slack import FakeSlack

SECRET = "test-signing-secret"
BLOCKS: list[dict[str, Any]] = [
    {"type": "section", "text": {"type": "mrkdwn", "text": "*Bonjour* élève"}},
]


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack(
        users={
            "U1": {
                "name": "alice",
                "real_name": "Alice A.",
                "tz": "Europe/Paris",
                "locale": "fr-FR",
            }
        },
        channel_members={"C1": ["U1", "U2"]},
    ) as server:
        yield server
    assert server.internal_errors == []


def client_for(fake: FakeSlack, **kwargs: Any) -> WebClient:
    return WebClient(base_url=fake.base_url, token=fake.token, timeout=5, **kwargs)


# --------------------------------------------------------------------------- Web API


def test_base_url_is_loopback_api(fake: FakeSlack) -> None:
    assert fake.base_url.startswith("http://127.0.0.1:")
    assert fake.base_url.endswith("/api/")


def test_post_message_is_recorded_with_decoded_blocks(fake: FakeSlack) -> None:
    resp = client_for(fake).chat_postMessage(channel="C1", text="salut", blocks=BLOCKS)

    assert resp["ok"] is True
    assert resp["channel"] == "C1"
    assert resp["message"]["blocks"] == BLOCKS
    [call] = fake.wait_for("chat.postMessage")
    assert call.params["blocks"] == BLOCKS
    assert call.params["text"] == "salut"
    assert call.headers["authorization"] == "Bearer xoxb-test"
    assert call.token == "xoxb-test"
    assert call.time <= time.time()


def test_ts_increase_and_form_encoded_json_fields_are_decoded(fake: FakeSlack) -> None:
    client = client_for(fake)
    first = client.chat_postMessage(channel="C1", text="a")["ts"]
    second = client.chat_postMessage(channel="C1", text="b")["ts"]
    assert first == "1700000000.000100"
    assert float(second) > float(first)
    # Form bodies carry blocks as a JSON string; the fake decodes it.
    form = {"channel": "C1", "ts": first, "blocks": json.dumps(BLOCKS)}
    client.api_call("chat.update", data=form)
    client.api_call("chat.update", data=form, files={"file": b"raw-bytes"})
    [urlencoded, multipart] = fake.calls("chat.update")
    assert urlencoded.headers["content-type"] == "application/x-www-form-urlencoded"
    assert multipart.headers["content-type"].startswith("multipart/form-data")
    assert urlencoded.params["blocks"] == multipart.params["blocks"] == BLOCKS
    assert multipart.params["file"] == b"raw-bytes"
    client.chat_delete(channel="C1", ts=second)
    assert fake.calls("chat.delete")[0].headers["content-type"] == (
        "application/x-www-form-urlencoded"
    )
    assert [m["ts"] for m in fake.messages("C1")] == [first]
    assert fake.messages("C1")[0]["blocks"] == BLOCKS


def test_rate_limit_is_retried_with_builtin_handler(fake: FakeSlack) -> None:
    fake.fail_next("chat.postMessage", times=1, status=429, retry_after=0)
    client = client_for(fake, retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=2)])

    resp = client.chat_postMessage(channel="C1", text="retry me")

    assert resp["ok"] is True
    calls = fake.calls("chat.postMessage")
    assert [c.status for c in calls] == [429, 200]


def test_rate_limit_without_handler_raises_with_retry_after(fake: FakeSlack) -> None:
    fake.fail_next("chat.postMessage", retry_after=7)
    with pytest.raises(SlackApiError) as err:
        client_for(fake).chat_postMessage(channel="C1", text="x")
    assert err.value.response.status_code == 429
    assert err.value.response["error"] == "ratelimited"
    assert err.value.response.headers["Retry-After"] == "7"


def test_users_info(fake: FakeSlack) -> None:
    client = client_for(fake)
    user = client.users_info(user="U1", include_locale=True)["user"]
    assert (user["name"], user["real_name"], user["tz"], user["locale"]) == (
        "alice",
        "Alice A.",
        "Europe/Paris",
        "fr-FR",
    )
    assert user["tz_offset"] in (3600, 7200)
    assert "locale" not in client.users_info(user="U1")["user"]
    with pytest.raises(SlackApiError) as err:
        client.users_info(user="U404")
    assert err.value.response["error"] == "user_not_found"


def test_auth_errors_and_unknown_method(fake: FakeSlack) -> None:
    with pytest.raises(SlackApiError) as missing:
        WebClient(base_url=fake.base_url).chat_postMessage(channel="C1", text="x")
    assert missing.value.response["error"] == "not_authed"
    with pytest.raises(SlackApiError) as wrong:
        WebClient(base_url=fake.base_url, token="xoxb-wrong").auth_test()
    assert wrong.value.response["error"] == "invalid_auth"
    with pytest.raises(SlackApiError) as unknown:
        client_for(fake).api_call("nope.nothing")
    assert unknown.value.response["error"] == "unknown_method"


def test_error_next_and_delay(fake: FakeSlack) -> None:
    client = client_for(fake)
    fake.error_next("chat.postMessage", error="channel_not_found")
    with pytest.raises(SlackApiError) as err:
        client.chat_postMessage(channel="C404", text="x")
    assert err.value.response["error"] == "channel_not_found"
    assert client.chat_postMessage(channel="C1", text="x")["ok"] is True

    fake.delay("reactions.add", 0.3)
    started = time.monotonic()
    client.reactions_add(channel="C1", timestamp="1.2", name="eyes")
    assert time.monotonic() - started >= 0.3
    with pytest.raises(SlackApiError) as again:
        client.reactions_add(channel="C1", timestamp="1.2", name="eyes")
    assert again.value.response["error"] == "already_reacted"


def test_conversations_and_ephemeral(fake: FakeSlack) -> None:
    client = client_for(fake)
    assert client.conversations_members(channel="C1")["members"] == ["U1", "U2"]
    page = client.conversations_members(channel="C1", limit=1)
    assert page["members"] == ["U1"]
    cursor = page["response_metadata"]["next_cursor"]
    assert client.conversations_members(channel="C1", cursor=cursor, limit=1)["members"] == ["U2"]
    assert client.conversations_info(channel="C1")["channel"]["is_member"] is False
    client.conversations_join(channel="C1")
    assert client.conversations_info(channel="C1")["channel"]["is_member"] is True
    with pytest.raises(SlackApiError):
        client.conversations_info(channel="C404")
    assert client.chat_postEphemeral(channel="C1", user="U1", text="psst")["message_ts"]
    with pytest.raises(SlackApiError) as err:
        client.chat_postEphemeral(channel="C1", user="U9", text="psst")
    assert err.value.response["error"] == "user_not_in_channel"


def test_views_need_a_fresh_trigger(fake: FakeSlack) -> None:
    client = client_for(fake)
    modal = {
        "type": "modal",
        "callback_id": "cb",
        "title": {"type": "plain_text", "text": "T"},
        "blocks": BLOCKS,
    }
    trigger = fake.new_trigger_id()
    view = client.views_open(trigger_id=trigger, view=modal)["view"]
    assert view["id"].startswith("V")
    assert fake.calls("views.open")[0].params["view"]["callback_id"] == "cb"
    with pytest.raises(SlackApiError) as reused:
        client.views_open(trigger_id=trigger, view=modal)
    assert reused.value.response["error"] == "exchanged_trigger_id"

    fake.trigger_ttl = 0.0
    with pytest.raises(SlackApiError) as expired:
        client.views_open(trigger_id=fake.new_trigger_id(), view=modal)
    assert expired.value.response["error"] == "expired_trigger_id"

    updated = client.views_update(view_id=view["id"], view=modal, hash=view["hash"])["view"]
    assert updated["id"] == view["id"]
    with pytest.raises(SlackApiError) as conflict:
        client.views_update(view_id=view["id"], view=modal, hash=view["hash"])
    assert conflict.value.response["error"] == "hash_conflict"
    home = client.views_publish(user_id="U1", view={"type": "home", "blocks": BLOCKS})["view"]
    assert home["type"] == "home"


def test_wait_for_times_out_with_a_clear_message(fake: FakeSlack) -> None:
    with pytest.raises(AssertionError, match=r"chat\.update"):
        fake.wait_for("chat.update", timeout=0.1)


def test_wait_for_sees_calls_from_other_threads(fake: FakeSlack) -> None:
    def later() -> None:
        time.sleep(0.1)
        client_for(fake).chat_postMessage(channel="C1", text="later")

    threading.Thread(target=later).start()
    assert fake.wait_for("chat.postMessage", timeout=5)[0].params["text"] == "later"


def test_response_url_posts_are_recorded(fake: FakeSlack) -> None:
    url = fake.new_response_url()
    assert url.startswith(fake.url)
    resp = WebhookClient(url).send_dict({"text": "fini", "response_type": "ephemeral"})
    assert (resp.status_code, resp.body) == (200, "ok")
    [call] = fake.wait_for("response_url")
    assert call.params == {"text": "fini", "response_type": "ephemeral"}
    assert call.url == url

    fake.error_next("response_url", error="expired_url")
    assert WebhookClient(url).send(text="late").status_code == 404


def test_reset_forgets_calls_and_injections(fake: FakeSlack) -> None:
    fake.fail_next("auth.test")
    client_for(fake).api_test()
    fake.reset()
    assert fake.calls() == []
    assert client_for(fake).auth_test()["user_id"] == sr.BOT_USER_ID


# --------------------------------------------------------------------------- signed requests


def test_signed_slash_command_verifies_and_tampering_fails() -> None:
    req = sr.slash_command("/ent", "aide moi", "U1", "C1", sr.TEAM_ID)
    headers = req.headers(SECRET)
    verifier = SignatureVerifier(SECRET)

    assert headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert verifier.is_valid_request(req.body, headers)
    fields = parse_qs(req.body)
    assert fields["command"] == ["/ent"]
    assert fields["text"] == ["aide moi"]
    assert verifier.is_valid_request(req.body.replace("aide", "aidE"), headers) is False
    assert SignatureVerifier("other").is_valid_request(req.body, headers) is False
    stale = req.headers(SECRET, timestamp=int(time.time()) - 3600)
    assert verifier.is_valid_request(req.body, stale) is False


def test_interactive_payloads_escape_slashes_and_round_trip() -> None:
    req = sr.block_actions([sr.button("go", "v1")], response_url="http://x/hooks/1")
    body = parse_qs(req.body)["payload"][0]
    assert "http:\\/\\/x\\/hooks\\/1" in body
    assert json.loads(body) == req.payload
    assert SignatureVerifier(SECRET).is_valid_request(req.body, req.headers(SECRET))


# --------------------------------------------------------------------------- with a real Bolt app


def make_app(fake: FakeSlack) -> App:
    return App(
        client=WebClient(base_url=fake.base_url, token=fake.token),
        signing_secret=SECRET,
        process_before_response=True,
    )


def dispatch(app: App, req: sr.SlackRequest, **kwargs: Any) -> BoltResponse:
    return app.dispatch(req.bolt_request(SECRET, **kwargs))


def test_bolt_routes_every_builder(fake: FakeSlack) -> None:
    app = make_app(fake)
    seen: dict[str, Any] = {}

    @app.command("/ent")
    def on_command(ack: Ack, command: dict[str, Any], respond: Respond) -> None:
        seen["command"] = command["text"]
        ack(text="reçu", response_type="ephemeral")
        respond("plus tard")

    @app.action("pick")
    def on_action(ack: Ack, action: dict[str, Any]) -> None:
        seen["action"] = action["selected_users"]
        ack()

    @app.view("form")
    def on_view(ack: Ack, view: dict[str, Any]) -> None:
        seen["view"] = view["state"]["values"]["who"]["who"]["selected_users"]
        ack(response_action="errors", errors={"who": "non"})

    @app.options("search")
    def on_options(ack: Ack, payload: dict[str, Any]) -> None:
        ack(options=[{"text": {"type": "plain_text", "text": payload["value"]}, "value": "new"}])

    @app.event("member_joined_channel")
    def on_join(event: dict[str, Any]) -> None:
        seen["joined"] = event["user"]

    resp = dispatch(
        app, sr.slash_command("/ent", "bonjour", "U1", "C1", response_url=fake.new_response_url())
    )
    assert resp.status == 200
    assert json.loads(resp.body) == {"text": "reçu", "response_type": "ephemeral"}
    assert fake.wait_for("response_url")[0].params["text"] == "plus tard"

    resp = dispatch(
        app,
        sr.block_actions(
            sr.multi_users_select("pick", ["U1", "U2"]),
            message={"ts": "1700000000.000100", "text": "m"},
        ),
    )
    assert resp.status == 200

    state = {"who": {"who": {"type": "multi_users_select", "selected_users": ["U2"]}}}
    resp = dispatch(app, sr.view_submission("form", state, private_metadata="C1"))
    assert json.loads(resp.body) == {"response_action": "errors", "errors": {"who": "non"}}

    resp = dispatch(app, sr.block_suggestion("search", "Maths"))
    assert json.loads(resp.body)["options"][0]["text"]["text"] == "Maths"

    event = sr.member_joined_channel_event("U2", "C1", inviter="U1")
    assert dispatch(app, sr.event_callback(event)).status == 200

    assert seen == {"command": "bonjour", "action": ["U1", "U2"], "view": ["U2"], "joined": "U2"}
    tampered = sr.slash_command("/ent", "x")
    hdrs: dict[str, str | Sequence[str]] = dict(tampered.headers(SECRET))
    bad = app.dispatch(BoltRequest(body=tampered.body + "&x=1", headers=hdrs))
    assert bad.status == 401


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def test_bolt_over_http_with_retry_header(fake: FakeSlack) -> None:
    app = make_app(fake)
    handled: list[str] = []

    @app.event("app_home_opened")
    def on_home(event: dict[str, Any], client: WebClient) -> None:
        handled.append(event["user"])
        client.views_publish(user_id=event["user"], view={"type": "home", "blocks": BLOCKS})

    server = make_server(
        "127.0.0.1", 0, SlackRequestHandler(app), _ThreadingWSGIServer, _QuietHandler
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}/slack/events"
    try:
        challenge = sr.url_verification("abc").send(url, SECRET)
        assert (challenge.status, challenge.json()) == (200, {"challenge": "abc"})

        home = sr.event_callback(sr.app_home_opened_event("U1"))
        assert home.send(url, SECRET).status == 200
        assert home.send(url, SECRET, retry_num=1).status == 200  # Bolt does not drop retries
        assert fake.wait_for("views.publish", count=2)
        assert handled == ["U1", "U1"]

        assert home.send(url, "wrong-secret").status == 401
    finally:
        server.shutdown()
        server.server_close()
