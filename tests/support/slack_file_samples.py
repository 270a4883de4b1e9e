"""Sample data for the templates of files moved through Slack (export upload, CSV import)."""

from __future__ import annotations

from typing import Any

from services.gaps import Coverage
from services.home import ProjectHome
from storage.schools import SchoolInfo
from storage.state import ProjectInfo
from tests.support.slack_samples import SLACK_SAMPLES

PROJECT = ProjectInfo(7, "T1", "ENT des collèges <y> & co", "departement", channel_id="C0CHAN0001")
SCHOOLS = [
    SchoolInfo(1, "0350122T", "Collège <y> Anne de Bretagne", "college", "Collège", "public",
               "Rennes", "035", "", "OUVERT", "U0BOB0001"),
    SchoolInfo(2, "0351383N", "Ecole Sainte-Catherine", "ecole", "Ecole", "prive", "",
               "035", "", "A FERMER", "U0BOB0001"),
]
_ERRORS = ("no_channel", "list_failed", "no_file", "download_refused", "download_failed",
           "download_slow")
_REFUSALS = ("not_in_channel", "missing_scope", "is_archived", "ratelimited <y>")

SLACK_FILE_SAMPLES: dict[str, list[dict[str, Any]]] = {
    "home": [*SLACK_SAMPLES["home"], *(
        {"user": "U0BOB0001", "more": False, "projects": [ProjectHome(
            PROJECT, Coverage(None, 3, 19), schools=SCHOOLS, school_count=count)]}
        for count in (1, 2, 12)
    )],
    "export_sending": [{"format": "ods", "channel": "C0CHAN0001"}],
    "export_shared": [{"actor": "U0ALICE01", "format": fmt, "project": PROJECT,
                       "name": "x.ods"} for fmt in ("md", "csv", "ods")],
    "slack_file_fetching": [
        *({"channel": "C0CHAN0001", "name": name, "people": people}
          for name in ("", "annuaire <y>.csv") for people in (False, True)),
        {"channel": "C0CHAN0001", "name": None, "people": True, "confirm": True},
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
