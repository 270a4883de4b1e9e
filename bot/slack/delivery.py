"""Sending routed replies with the Web API, after the acknowledgement."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.webhook import WebhookClient

from bot.slack import notices
from bot.slack.deps import Deps
from bot.slack.outbox import Kind, Post, chunks, render
from messages.render import Rendered
from services import home
from services.log_ids import user_ref
from services.turn import Reply

log = logging.getLogger(__name__)

MAX_HOME_BLOCKS = 100
NOT_POSTABLE = frozenset({"not_in_channel", "channel_not_found"})


def deliver(deps: Deps, posts: Sequence[Post]) -> None:
    """Send every post; a failure is logged and the others still go."""
    for post in posts:
        try:
            notices.deliver(deps, post, lambda chosen: _send(deps, chosen),
                            lambda chosen: _elsewhere(deps, chosen))
        except (SlackApiError, SlackClientError, OSError) as exc:
            where = post.channel or (user_ref(post.user) if post.user else None)
            log.warning("could not send %s to %s: %s", post.kind, where, exc)


def _send(deps: Deps, post: Post) -> None:
    if post.kind is Kind.HOME:
        if post.user:
            publish_home(deps, post.workspace, post.user, post.replies)
        return
    rendered = render(deps.messages, post.replies)
    match post.kind:
        case Kind.CHANNEL if post.channel:
            _public(deps, post, post.channel, rendered)
        case Kind.THREAD | Kind.DIRECT if post.channel:
            message(deps, post.channel, rendered, post.thread_ts)
        case Kind.START if post.channel:
            start_thread(deps, post.workspace, post.channel, rendered)
        case Kind.CONVERSATION if post.channel:
            thread = _conversation_thread(deps, post, post.channel)
            if thread is None:
                start_thread(deps, post.workspace, post.channel, rendered)
            else:
                message(deps, thread[0], rendered, thread[1])
        case Kind.EPHEMERAL if post.channel and post.user:
            for blocks in chunks(rendered.blocks):
                deps.client.chat_postEphemeral(
                    channel=post.channel, user=post.user, text=rendered.text, blocks=blocks,
                    thread_ts=post.thread_ts,
                )
        case Kind.RESPOND if post.response_url:
            respond(deps, post.response_url, rendered, post.replace_original)
        case _:
            log.warning("nowhere to send a %s post (channel %s)", post.kind, post.channel)


def _public(deps: Deps, post: Post, channel: str, rendered: Rendered) -> None:
    """Post a change in the channel; a channel the bot is not in still sees it when the
    request has a response_url (slash commands)."""
    try:
        message(deps, channel, rendered)
    except SlackApiError as exc:
        if exc.response.get("error") not in NOT_POSTABLE or not post.response_url:
            raise
        respond(deps, post.response_url, rendered, response_type="in_channel")


def _elsewhere(deps: Deps, post: Post) -> None:
    """A change the bot cannot post in its channel: shown there through the request's
    response_url, if it has one."""
    if post.response_url:
        respond(deps, post.response_url, render(deps.messages, post.replies),
                response_type="in_channel")
    else:
        log.warning("could not post a change in %s", post.channel)


def _conversation_thread(deps: Deps, post: Post, channel: str) -> tuple[str, str] | None:
    project_id = post.project_id
    if project_id is None:
        project = deps.chat.channel_project(post.workspace, channel)
        project_id = project.id if project is not None else None
    if project_id is None:
        return None
    return deps.chat.conversation_thread(post.workspace, project_id)


def message(deps: Deps, channel: str, rendered: Rendered, thread_ts: str | None = None) -> str:
    """chat.postMessage (several when too long); the first message's ts."""
    first = ""
    for blocks in chunks(rendered.blocks):
        response = deps.client.chat_postMessage(
            channel=channel, text=rendered.text, blocks=blocks, thread_ts=thread_ts,
            unfurl_links=False, unfurl_media=False,
        )
        first = first or str(response.get("ts") or "")
        thread_ts = thread_ts or first or None
    return first


def start_thread(deps: Deps, workspace: str, channel: str, rendered: Rendered) -> None:
    """Post a new message; its thread becomes the conversation of the channel's project."""
    ts = message(deps, channel, rendered)
    project = deps.chat.channel_project(workspace, channel)
    if ts and project is not None:
        deps.chat.bind_thread(workspace, project.id, channel, ts)


def respond(
    deps: Deps, url: str, rendered: Rendered, replace_original: bool = False,
    response_type: str = "ephemeral",
) -> None:
    """Answer through a response_url (ephemeral unless told)."""
    webhook = WebhookClient(url, timeout=10, retry_handlers=deps.client.retry_handlers)
    for blocks in chunks(rendered.blocks):
        answer = webhook.send(
            text=rendered.text, blocks=blocks, response_type=response_type,
            replace_original=replace_original,
        )
        if answer.status_code >= 400:
            log.warning("response_url answered %s", answer.status_code)
        replace_original = False


def publish_home(
    deps: Deps, workspace: str, user: str, notices: Sequence[Reply] = ()
) -> None:
    """Build and publish ``user``'s home tab, with ``notices`` on top."""
    replies = deps.assistant.run(deps.caller(workspace, user, None), home.home, write=False)
    blocks = render(deps.messages, notices).blocks if notices else []
    if blocks:
        blocks.append({"type": "divider"})
    blocks += render(deps.messages, replies).blocks
    deps.client.views_publish(
        user_id=user, view={"type": "home", "blocks": blocks[:MAX_HOME_BLOCKS]}
    )



