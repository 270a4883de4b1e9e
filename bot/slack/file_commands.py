"""``/ent export``, ``/ent ecoles importer`` and ``/ent importer`` in Slack.

The export is built after the acknowledgement and uploaded to the project's channel, its
announcement being the file's own message (so nothing shows unless the upload completed).
An import takes the newest CSV the caller shared in the project's channel (a resource-person
``confirmer``: the file its check pinned, by id), downloads it with the bot's token and runs
the console's import service; errors go back to the caller
through the command's response_url. Both are changes: non-members are refused.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack

from bot.export import content
from bot.slack import files
from bot.slack.common import ack_with, is_direct, refusal
from bot.slack.delivery import deliver
from bot.slack.deps import Deps
from bot.slack.outbox import Origin, Private, route
from services import commands, matrix_import, school_import, school_people, schools
from services import export as export_service
from services.turn import Caller, Reply, Turn

log = logging.getLogger(__name__)

MEGABYTE = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Request:
    """A slash command that moves a file, and where to answer it."""

    caller: Caller
    channel: str | None
    """The project's channel, as the command's place says."""
    response_url: str | None
    trigger: str | None

    def origin(self, project_id: int | None = None) -> Origin:
        caller = self.caller
        return Origin(
            caller.workspace_id, caller.user_id, Private.RESPOND, channel=caller.channel_id,
            project_id=project_id or caller.project_id, project_channel=self.channel,
            response_url=self.response_url,
        )


def handle(
    deps: Deps, ack: Ack, command: dict[str, Any], caller: Caller, text: str,
    project_channel: str | None,
) -> bool:
    """Answer ``/ent export …`` and ``/ent ecoles [referents] importer …``; False otherwise."""
    sub, rest = commands.subcommand(text)
    request = Request(caller, project_channel, command.get("response_url"),
                      command.get("trigger_id"))
    if sub == "export":
        _export(deps, ack, request, rest)
        return True
    if sub == "import":
        _import_matrix(deps, ack, request, rest.strip().strip('"'))
        return True
    if sub == "schools":
        wanted = schools.upload_request(rest)
        if wanted is not None:
            _import(deps, ack, request, wanted)
            return True
    return False


def send(deps: Deps, request: Request, replies: Sequence[Reply]) -> None:
    """Errors and private replies through the response_url, changes in the channel."""
    deliver(deps, route(replies, request.origin()).posts)


def _channel_of(turn: Turn) -> str | None:
    channel = turn.project.channel_id if turn.project else None
    return channel if channel and not is_direct(channel) else None


# ---------------------------------------------------------------------------- export


def _export(deps: Deps, ack: Ack, request: Request, rest: str) -> None:
    fmt_word, name = export_service.format_and_output(rest.split())
    fmt = export_service.parse_format(fmt_word)
    refused = refusal(deps, request.channel, request.caller.user_id)
    if refused is not None:
        ack_with(deps, ack, [refused])
        return

    def check(turn: Turn) -> list[Reply]:
        if turn.project is None:
            return [turn.error("no_project")]
        if fmt is None:
            return [turn.error("export_error", code="bad_format", fragment=fmt_word)]
        channel = _channel_of(turn)
        if channel is None:
            return [turn.error("slack_file_error", code="no_channel")]
        return [turn.reply("export_sending", format=fmt, channel=channel)]

    def then(channel: str, _language: str) -> None:
        if fmt is not None:  # an unknown format was answered by the check
            share_export(deps, request, fmt, channel, name)

    _check_then(deps, ack, request, check, then)


def _check_then(
    deps: Deps, ack: Ack, request: Request, check: Callable[[Turn], list[Reply]],
    then: Callable[[str, str], None],
) -> None:
    """Acknowledge with ``check``'s answer; if it names the project's channel, run
    ``then(channel, language)`` (the file transfer) after the acknowledgement."""
    replies = deps.assistant.run(request.caller, check, write=False)
    ack_with(deps, ack, replies)
    if not replies or replies[0].error:
        return
    channel, language = str(replies[0].data["channel"]), replies[0].language
    deps.later(lambda: then(channel, language))


def _file_name(wanted: str | None, default: str, fmt: str) -> str:
    """The name typed (``/ent export bilan.ods``) without folders, else the default."""
    base = (wanted or "").replace("\\", "/").rsplit("/", 1)[-1].strip()[:100]
    if not base or base.startswith("."):
        return default
    return base if base.lower().endswith("." + fmt) else f"{base}.{fmt}"


def share_export(
    deps: Deps, request: Request, fmt: str, channel: str, wanted: str | None
) -> None:
    """Build the document and upload it to the project's channel, announced by its message;
    on failure the caller is told why and nothing shows in the channel."""
    replies = deps.assistant.run(
        request.caller, lambda turn: export_service.prepare(turn, fmt), write=False
    )
    if not replies or replies[0].error:
        send(deps, request, replies)
        return
    prepared = replies[0]
    handover: export_service.Handover = prepared.data["handover"]
    data = content(deps.application, handover, fmt, prepared.language)
    name = _file_name(wanted, export_service.file_name(handover.project, fmt), fmt)
    shared = Reply("export_shared", {"actor": request.caller.user_id, "format": fmt,
                                     "project": handover.project, "name": name},
                   language=prepared.language)
    try:
        files.upload(deps.client, channel, data, name, comment(deps, shared))
    except files.FileError as exc:
        log.warning("export upload to %s refused: %s", channel, exc.code)
        send(deps, request, [Reply("slack_file_error", {"code": "upload_refused",
                                                        "detail": exc.code, "channel": channel},
                                   error=True, language=prepared.language)])


def comment(deps: Deps, reply: Reply) -> str:
    """A reply as the mrkdwn text of a file's message (Slack's escaping kept)."""
    rendered = deps.messages.slack(reply.template, reply.data, reply.language)
    texts: list[str] = []
    for block in rendered.blocks:
        if block.get("type") == "section":
            texts.append(str(block["text"]["text"]))
        elif block.get("type") == "context":
            texts.extend(str(element.get("text", "")) for element in block["elements"])
    return "\n".join(texts) or rendered.text


# ---------------------------------------------------------------------------- import


def _import(deps: Deps, ack: Ack, request: Request, wanted: schools.FileRequest) -> None:
    usage = "slack_people" if wanted.people else "slack_import"
    refused = refusal(deps, request.channel, request.caller.user_id)
    if refused is not None:
        ack_with(deps, ack, [refused])
        return

    def check(turn: Turn) -> list[Reply]:
        if turn.project is None:
            return [turn.error("no_project")]
        if not wanted.people:
            parsed = school_import.parse_filters(wanted.filters)
            if isinstance(parsed, school_import.FilterProblem):
                return [turn.error("schools_error", code=parsed.code, fragment=parsed.fragment,
                                   usage=usage)]
        channel = _channel_of(turn)
        if channel is None:
            return [turn.error("slack_file_error", code="no_channel")]
        return [turn.reply("slack_file_fetching", channel=channel, name=wanted.path,
                           people=wanted.people,
                           confirm=wanted.people and school_people.confirms(wanted.filters))]

    _check_then(deps, ack, request, check,
                lambda channel, language: import_shared(deps, request, wanted, channel,
                                                         language))


def fetch(
    deps: Deps, request: Request, name: str | None, channel: str, language: str,
    usage: str, problem_template: str = "schools_error",
) -> tuple[bytes, files.SharedFile] | None:
    """The newest CSV the caller shared in ``channel`` (or the one named) and the file;
    None when the caller was told why not (``problem_template`` for a file that is not
    CSV or too big)."""
    error = _error_to(deps, request, usage, language)
    user = request.caller.user_id
    try:
        listed = files.recent_files(deps.client, channel, user)
    except files.FileError as exc:
        log.warning("files.list in %s failed: %s", channel, exc.code)
        error("slack_file_error", code="list_failed", detail=exc.code, channel=channel)
        return None
    chosen = files.choose(listed, name or None)
    if chosen is None:
        latest = listed[0] if listed and not name else None
        if latest is not None:
            error(problem_template, code="not_csv", fragment=latest.name)
        else:
            error("slack_file_error", code="no_file", fragment=name or "", channel=channel)
        return None
    data = _download(deps, chosen, channel, error, problem_template)
    return None if data is None else (data, chosen)


def fetch_checked(
    deps: Deps, request: Request, channel: str, language: str, usage: str
) -> tuple[bytes, files.SharedFile] | None:
    """The file the caller's pending check pinned, downloaded again by its id (never the
    newest upload); None when the caller was told why not (no check, file deleted)."""
    pin: dict[str, Any] = {}

    def read(turn: Turn) -> list[Reply]:
        found = school_people.pinned(turn, lock=False)
        if found is None:
            return [school_people.not_checked(turn, usage)]
        pin.update(found)
        return []

    refused = deps.assistant.run(request.caller, read, write=False)
    if refused:
        send(deps, request, refused)
        return None
    file_id, name = pin.get("file"), str(pin.get("source", ""))
    error = _error_to(deps, request, usage, language)
    if not file_id:  # checked in the console: no Slack file to confirm
        error("schools_error", code="not_checked")
        return None
    try:
        chosen = files.info(deps.client, str(file_id))
    except files.FileError as exc:
        log.warning("files.info %s failed: %s", file_id, exc.code)
        if exc.code in files.GONE:
            error("schools_error", code="checked_gone", fragment=name)
        else:
            error("slack_file_error", code="list_failed", detail=exc.code, channel=channel)
        return None
    data = _download(deps, chosen, channel, error, "schools_error")
    return None if data is None else (data, chosen)


def _error_to(
    deps: Deps, request: Request, usage: str, language: str
) -> Callable[..., None]:
    """Tell the caller why a file was not taken (through the response_url)."""

    def error(template: str, **data: Any) -> None:
        send(deps, request, [Reply(template, {"usage": usage, **data}, error=True,
                                   language=language)])

    return error


def _download(
    deps: Deps, chosen: files.SharedFile, channel: str, error: Callable[..., None],
    problem_template: str,
) -> bytes | None:
    """The file's bytes within the import limit; None when the caller was told why not."""
    limit = school_import.MAX_BYTES
    if chosen.size > limit:
        error(problem_template, code="too_big", fragment=chosen.name,
              detail=[str(limit // MEGABYTE)])
        return None
    try:
        data = files.download(chosen, deps.client.token or "", deps.settings.slack_api_url,
                              limit)
    except files.FileError as exc:
        error("slack_file_error", code=exc.code, fragment=chosen.name, channel=channel)
        return None
    return data


def import_shared(
    deps: Deps, request: Request, wanted: schools.FileRequest, channel: str, language: str
) -> None:
    """Find, download and import the caller's CSV; all of it, or nothing and why."""
    usage = "slack_people" if wanted.people else "slack_import"
    if wanted.people and school_people.confirms(wanted.filters):
        fetched = fetch_checked(deps, request, channel, language, usage)
    else:
        fetched = fetch(deps, request, wanted.path, channel, language, usage)
    if fetched is None:
        return
    data, file = fetched

    def action(turn: Turn) -> list[Reply]:
        if wanted.people:
            return school_people.people_file(turn, data, file.name, wanted.filters,
                                             usage=usage, file_id=file.id)
        return schools.import_file(turn, data, file.name, wanted.filters, usage=usage)

    key = f"trigger:{request.trigger}" if request.trigger else None
    send(deps, request, deps.assistant.run(request.caller, action, key))


# ---------------------------------------------------------------------------- matrix


def _import_matrix(deps: Deps, ack: Ack, request: Request, name: str) -> None:
    refused = refusal(deps, request.channel, request.caller.user_id)
    if refused is not None:
        ack_with(deps, ack, [refused])
        return

    def check(turn: Turn) -> list[Reply]:
        if turn.project is None:
            return [turn.error("no_project")]
        channel = _channel_of(turn)
        if channel is None:
            return [turn.error("slack_file_error", code="no_channel")]
        return [turn.reply("slack_file_fetching", channel=channel, name=name, people=False)]

    _check_then(deps, ack, request, check,
                lambda channel, language: import_matrix_shared(deps, request, name, channel,
                                                               language))


def import_matrix_shared(
    deps: Deps, request: Request, name: str, channel: str, language: str
) -> None:
    """Download the caller's matrix CSV and show what it would change (``oui`` applies)."""
    fetched = fetch(deps, request, name, channel, language, "matrix", "matrix_error")
    if fetched is None:
        return
    data, file = fetched
    send(deps, request, deps.assistant.run(
        request.caller, lambda turn: matrix_import.check_file(turn, data, file.name)))
