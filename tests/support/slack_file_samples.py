"""Sample data for the templates of files moved through Slack (export upload, CSV import)."""

from __future__ import annotations

from typing import Any

from storage.state import ProjectInfo

PROJECT = ProjectInfo(7, "T1", "ENT des collèges <y> & co", "departement", channel_id="C0CHAN0001")
_ERRORS = ("no_channel", "list_failed", "no_file", "download_refused", "download_failed",
           "download_slow")
_REFUSALS = ("not_in_channel", "missing_scope", "is_archived", "ratelimited <y>")

SLACK_FILE_SAMPLES: dict[str, list[dict[str, Any]]] = {
    "export_sending": [{"format": "ods", "channel": "C0CHAN0001"}],
    "export_shared": [{"actor": "U0ALICE01", "format": fmt, "project": PROJECT,
                       "name": "x.ods"} for fmt in ("md", "csv", "ods")],
    "slack_file_fetching": [
        {"channel": "C0CHAN0001", "name": name, "people": people}
        for name in ("", "annuaire <y>.csv") for people in (False, True)
    ],
    "slack_file_error": [
        {"code": code, "fragment": "annuaire <y>.csv", "channel": "C0CHAN0001",
         "detail": "missing_scope", "usage": usage}
        for code in _ERRORS for usage in ("slack_import", "slack_people")
    ] + [
        {"code": "upload_refused", "detail": detail, "channel": "C0CHAN0001"}
        for detail in _REFUSALS
    ] + [{"code": "no_file", "channel": None}, {"code": "list_failed", "detail": "x"}],
}
