"""Files through the Web API: uploading a document to a channel, finding the CSV a person
shared in a channel (files.list) and downloading it with the bot's token.

Every wait is bounded: the Web API client's timeout, and for a download a socket timeout,
an overall deadline and a size limit.
"""

from __future__ import annotations

import logging
import time
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.error import URLError
from urllib.parse import urlsplit

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError, SlackRequestError

log = logging.getLogger(__name__)

LISTED = 20
"""The person's most recent files looked at (one files.list page)."""
DOWNLOAD_TIMEOUT = 10.0
"""Seconds any read of a download may wait."""
DOWNLOAD_DEADLINE = 60.0
"""Seconds a whole download may take."""
CHUNK = 64 * 1024
_CSV_TYPES = frozenset({"csv", "text"})
_CSV_MIME = frozenset({"text/csv", "application/csv", "text/plain", "application/vnd.ms-excel"})


class FileError(Exception):
    """A Web API file call failed; ``code`` says how (Slack's error, or ours)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True, slots=True)
class SharedFile:
    """A file as files.list describes it."""

    id: str
    name: str
    size: int
    url: str
    filetype: str = ""
    mimetype: str = ""
    created: int = 0

    @property
    def is_csv(self) -> bool:
        return (
            self.filetype.lower() in _CSV_TYPES
            or self.mimetype.lower() in _CSV_MIME
            or self.name.lower().endswith((".csv", ".txt"))
        )


def _error_code(exc: Exception) -> str:
    if isinstance(exc, SlackApiError):
        return str(exc.response.get("error") or "slack_error")
    return "unreachable"


def upload(
    client: WebClient, channel: str, content: bytes, filename: str, comment: str | None = None
) -> None:
    """Share ``content`` as ``filename`` in ``channel`` (files.getUploadURLExternal, the
    upload, files.completeUploadExternal), with ``comment`` as its message. Until the last
    call succeeds nothing shows in the channel; raises :class:`FileError`."""
    try:
        client.files_upload_v2(
            channel=channel, content=content, filename=filename, title=filename,
            initial_comment=comment,
        )
    except (SlackApiError, SlackClientError, SlackRequestError, OSError) as exc:
        raise FileError(_error_code(exc)) from exc


def _shared(item: Mapping[str, Any]) -> SharedFile | None:
    url = str(item.get("url_private_download") or item.get("url_private") or "")
    if not url or item.get("mode") in {"hidden_by_limit", "tombstone"}:
        return None
    return SharedFile(
        id=str(item.get("id") or ""),
        name=str(item.get("name") or item.get("title") or ""),
        size=int(item.get("size") or 0),
        url=url,
        filetype=str(item.get("filetype") or ""),
        mimetype=str(item.get("mimetype") or ""),
        created=int(item.get("created") or item.get("timestamp") or 0),
    )


def recent_files(client: WebClient, channel: str, user: str) -> list[SharedFile]:
    """The files ``user`` shared in ``channel``, newest first; raises :class:`FileError`."""
    try:
        response = client.files_list(channel=channel, user=user, count=LISTED)
    except (SlackApiError, SlackClientError, OSError) as exc:
        raise FileError(_error_code(exc)) from exc
    found = [f for item in response.get("files") or [] if (f := _shared(item)) is not None]
    return sorted(found, key=lambda f: -f.created)


GONE = frozenset({"file_not_found", "file_deleted"})
"""files.info's errors for a file that no longer exists."""


def info(client: WebClient, file_id: str) -> SharedFile:
    """One file by its id (files.info); raises :class:`FileError` (``code`` in :data:`GONE`
    when it was deleted)."""
    try:
        response = client.files_info(file=file_id)
    except (SlackApiError, SlackClientError, OSError) as exc:
        raise FileError(_error_code(exc)) from exc
    found = _shared(response.get("file") or {})
    if found is None:
        raise FileError("file_not_found")
    return found


def choose(files: Sequence[SharedFile], name: str | None = None) -> SharedFile | None:
    """The newest CSV (named ``name``, case ignored, when given)."""
    wanted = name.lower() if name else None
    for file in files:
        if file.is_csv and (wanted is None or file.name.lower() == wanted):
            return file
    return None


def trusted(url: str, api_url: str) -> bool:
    """Whether the bot's token may be sent to ``url``: the Web API's own host, or an
    https host of the same domain (``files.slack.com`` for ``slack.com``)."""
    target, api = urlsplit(url), urlsplit(api_url)
    host, api_host = (target.hostname or "").lower(), (api.hostname or "").lower()
    if not host or not api_host:
        return False
    if host == api_host and target.scheme == api.scheme:
        return True
    domain = ".".join(api_host.split(".")[-2:])
    return target.scheme == "https" and (host == domain or host.endswith("." + domain))


def download(
    file: SharedFile, token: str, api_url: str, limit: int,
    timeout: float = DOWNLOAD_TIMEOUT, deadline: float = DOWNLOAD_DEADLINE,
) -> bytes:
    """At most ``limit`` + 1 bytes of the file (one more says it is too big); raises
    :class:`FileError` (``download_refused``, ``download_failed``, ``download_slow``)."""
    if not trusted(file.url, api_url):
        log.warning("file %s: download address not on Slack's domain", file.id)
        raise FileError("download_refused")
    request = urllib.request.Request(file.url, method="GET")
    request.add_unredirected_header("Authorization", f"Bearer {token}")
    ends = time.monotonic() + deadline
    chunks: list[bytes] = []
    size = 0
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            if answer.headers.get_content_type() == "text/html":
                raise FileError("download_refused")
            while size <= limit:
                if time.monotonic() > ends:
                    raise FileError("download_slow")
                chunk = answer.read(min(CHUNK, limit + 1 - size))
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
    except (URLError, OSError, ValueError) as exc:
        log.warning("file %s: download failed: %s", file.id, type(exc).__name__)
        raise FileError("download_failed") from exc
    return b"".join(chunks)
