"""The console answers every line, however odd, and keeps going."""

from __future__ import annotations

from pathlib import Path

from bot.app import Application
from bot.console import parse_line
from tests.support.console import run_console, say

HELP = "• /ent statut — la matrice des 19 compétences"


def test_unknown_commands_get_a_clear_error_and_the_console_goes_on(app: Application) -> None:
    out = say(app, "/foo", "/", "/etn aide", "/ent aide")

    assert "Je ne connais pas la commande « /foo »." in out
    assert "Je ne connais pas la commande « / »." in out
    assert "Vouliez-vous dire « /ent » ?" in out
    assert "Syntaxe : /ent aide — exemple : /ent statut\n" in out
    assert HELP in out, "the line after them was answered"


def test_a_tab_after_the_command_separates_it_like_a_space(app: Application) -> None:
    out = say(app, "/ent\t", "/ent\tprojet\tcreer ENT 35", "/ent\tstatut")

    assert out.count(HELP) == 1
    assert "ENT 35 — qui s'occupe de quoi" in out
    assert "Je ne connais pas" not in out


def test_parse_line_splits_at_any_whitespace() -> None:
    assert parse_line("/ent\tstatut  ") == ("/ent", "statut  ")
    assert parse_line("/ent") == ("/ent", "")
    assert parse_line("/") == ("/", "")
    assert parse_line("bonjour /ent") is None


def test_the_real_console_survives_unknown_commands(database_url: str, tmp_path: Path) -> None:
    result = run_console(
        database_url, "/foo", "/", "/ent\t", "/ent\tstatut", "/ent projet creer Essai",
        "/ent statut", cwd=tmp_path,
    )

    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and "Error" not in result.stderr
    assert "Je ne connais pas la commande « /foo »." in result.stdout
    assert "Je ne connais pas la commande « / »." in result.stdout
    assert "Aucun projet dans ce canal" in result.stdout
    assert "Essai — qui s'occupe de quoi" in result.stdout
