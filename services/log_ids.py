"""What logs may say about a person: a stable pseudonym of their Slack user id, never the id.

``user_ref("U024BE7LH")`` is ``user:`` and 10 hex digits of an HMAC-SHA256 of the id, the
same in every process sharing the key, so one person's requests can be followed through
the logs without naming them. :func:`set_key` derives the key from a deployment secret
(``ent-bot`` passes the signing secret), so the pseudonym can't be recomputed from the
workspace's member list by someone who only reads logs.
"""

from __future__ import annotations

import hashlib
import hmac
import re

DEFAULT_KEY = b"ent-bot log pseudonyms v1"
USER_ID = re.compile(r"\b[UW](?=[A-Z0-9]*[0-9])[A-Z0-9]{6,}\b")
"""A Slack user id (``U…``, or ``W…`` on Enterprise Grid): capitals and digits."""

_key = DEFAULT_KEY


def set_key(secret: str | None) -> None:
    """Key the pseudonyms with a deployment secret (none: the built-in key)."""
    global _key
    _key = (
        hashlib.sha256(DEFAULT_KEY + b"\0" + secret.encode("utf-8")).digest()
        if secret else DEFAULT_KEY
    )


def user_ref(user_id: str) -> str:
    """The pseudonym logs show for ``user_id``."""
    digest = hmac.new(_key, user_id.encode("utf-8"), hashlib.sha256).hexdigest()
    return f"user:{digest[:10]}"


def scrub_user_ids(text: str) -> str:
    """``text`` with every Slack user id replaced by its pseudonym."""
    return USER_ID.sub(lambda match: user_ref(match.group(0)), text)
