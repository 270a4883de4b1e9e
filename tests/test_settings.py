"""Settings come from the environment, then ``.env``, then the defaults; a bad value stops
the start with one line that names the setting and what to type instead."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import Settings, SettingsError, load_settings

ROOT = Path(__file__).resolve().parents[1]


def test_the_environment_wins_over_the_file_and_the_file_over_the_defaults(
    tmp_path: Path,
) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("# comment\nPORT=4000\nTIMEZONE=America/Cayenne\nSLACK_BOT_TOKEN=\n"
                        "bot_language=en\n", encoding="utf-8")

    settings = load_settings(str(env_file), {"PORT": "5000", "HTTP_THREADS": "4"})

    assert settings.port == 5000
    assert settings.http_threads == 4
    assert settings.timezone == "America/Cayenne"
    assert settings.bot_language == "en"
    assert settings.slack_bot_token is None  # an empty value counts as unset
    assert settings.database_url == Settings().database_url


@pytest.mark.parametrize(("environ", "setting", "value"), [
    ({"PORT": "99999"}, "PORT", "99999"),
    ({"HTTP_THREADS": "huit"}, "HTTP_THREADS", "huit"),
    ({"BOT_LANGUAGE": "de"}, "BOT_LANGUAGE", "de"),
    ({"TIMEZONE": "Mars/Base"}, "TIMEZONE", "Mars/Base"),
    ({"DATABASE_URL": "mysql://root:secret@db/ent"}, "DATABASE_URL", "mysql"),
])
def test_a_bad_value_names_the_setting(environ: dict[str, str], setting: str,
                                       value: str) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings(None, environ)

    assert raised.value.setting == setting
    assert raised.value.value == value


def test_a_bad_setting_stops_the_console_with_one_french_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE"))}
    env["DATABASE_URL"] = "mysql://root:secret@db/ent"
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "console"], input="/ent statut\n",
        capture_output=True, text=True, timeout=60, cwd=tmp_path, check=False,
        env={**env, "PYTHONPATH": str(ROOT)},
    )

    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.splitlines() == [
        "ent-bot ne peut pas démarrer : le réglage DATABASE_URL vaut « mysql », attendu : "
        "une adresse sqlite:/// ou postgresql://. Corrigez-le dans l'environnement ou dans le "
        "fichier .env (voir .env.example)."
    ]
    assert "secret" not in done.stderr
