"""Texts for Block Kit structures built here (modals): rendered from templates, never typed in code.

A labels template writes one ``key: text`` per line; :func:`labels` reads them back.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from messages.render import Messages

MAX_PLAIN = 75
"""Option texts and most plain_text fields of Block Kit stop at 75 characters."""


def labels(
    messages: Messages, template: str, data: Mapping[str, Any], language: str
) -> dict[str, str]:
    """The ``key: text`` lines of ``template``, rendered as plain text."""
    found: dict[str, str] = {}
    for line in messages.plain(template, data, language).splitlines():
        key, sep, text = line.partition(": ")
        if sep and key and " " not in key:
            found[key.strip()] = text.strip()
    return found


def plain_text(text: str, limit: int = MAX_PLAIN) -> dict[str, Any]:
    """A Block Kit plain_text object, cut to ``limit`` characters."""
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return {"type": "plain_text", "text": text or " ", "emoji": True}


def unescape(text: str) -> str:
    """Slack escapes ``&``, ``<`` and ``>`` in what users type; give them back."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
