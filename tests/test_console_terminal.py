"""The console in a terminal: tables fitted to the width, styles instead of mrkdwn,
emoji instead of codes; piped output the same text without styles, no marker left, a
name holding markers shown as typed; a quick start."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bench.bench_full_map import WORKSPACE, run_session
from bot.app import Application
from bot.console import CHANNEL
from bot.console_render import Terminal, lines, plain, spans
from messages.literal import CLOSE, OPEN
from messages.render import Messages
from services.gaps import Gap, GapKind, Severity
from services.turn import Caller, Reply
from tests.support.console import ROOT, run_console
from tests.support.terminal import ANSI, MARKUP, row
from tests.test_templates import DSI, SAMPLES, C

BENCH = Caller(WORKSPACE, "U0BENCH", CHANNEL)
ODD = "*Pôle* num_A_B ~x~ `y` & <DSI> :tada:"
"""An entity name holding every mrkdwn marker and escape: shown as typed everywhere."""


def _replies(app: Application, *lines: str) -> list[Reply]:
    replies: list[Reply] = []
    for line in lines:
        replies += app.assistant.command(BENCH, *line.split(" ", 1))
    return replies


def _shown(app: Application, replies: list[Reply], color: bool, width: int | None) -> str:
    out = io.StringIO()
    terminal = Terminal(app.messages, out, color=color, width=width)
    for reply in replies:
        terminal.show(reply)
    return out.getvalue()


def _styled(out: str, code: int, text: str) -> bool:
    """``text`` printed in the style of SGR ``code`` (1 bold, 3 italic, 4 underline…)."""
    return re.search(rf"\x1b\[(?:\d+;)*{code}(?:;\d+)*m{re.escape(text)}", out) is not None


def _framed(out: str) -> list[str]:
    """The lines of the tables."""
    return [line for line in out.splitlines() if line[:1] in ("┏", "┃", "┡", "│", "└")]


def _session(app: Application) -> None:
    run_session(app, CHANNEL)
    app.assistant.command(BENCH, "/ent", "desassigner 1-3")


def test_the_matrix_and_the_gaps_are_tables_fitted_to_the_terminal(app: Application) -> None:
    _session(app)
    replies = _replies(app, "/ent statut", "/ent lacunes")
    narrow = ANSI.sub("", _shown(app, replies, True, 80))
    assert max(len(line) for line in narrow.splitlines()) <= 80
    out = _shown(app, replies, True, 160)
    plain = ANSI.sub("", out)
    assert max(len(line) for line in plain.splitlines()) <= 160
    assert "Prestataire" in plain and "Niveau de service" in plain and "GTI 4 h ouvrées" in plain
    assert "┃" in plain and "│" in plain
    assert "Ce qui manque" in plain and "aucune entité responsable" in plain
    assert row(plain, "6")[1:] == [
        "Fourniture/édition de la solution ENT", "Open Digital Education", "externe", "pérenne",
        "@julie", "Open Digital Education", "GTI 4 h ouvrées",
    ]
    assert row(plain, "1")[1:3] == ["Fourniture des équipements informatiques (mobiles ou non)",
                                    "🔴 personne"]
    assert MARKUP.findall(plain) == []
    assert ":red_circle:" not in plain and "🔴" in plain


def test_styles_replace_the_markers_on_a_terminal(app: Application) -> None:
    _session(app)
    out = _shown(app, _replies(app, "/ent statut", "/ent aide"), True, 120)
    assert _styled(out, 1, "16/19")  # *16/19*, in bold
    assert _styled(out, 1, "DSI")  # *DSI du Département*, in bold
    assert _styled(out, 3, "personne")  # _personne_, in italics
    assert _styled(out, 36, "/ent statut")  # `/ent statut`, in cyan
    assert _styled(out, 4, "ENT des collèges")  # the title, underlined
    assert MARKUP.findall(ANSI.sub("", out)) == []


def test_a_terminal_and_a_pipe_show_the_same_text(
    app: Application, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    _session(app)
    replies = _replies(app, "/ent statut", "/ent lacunes", "/ent aide", "/ent historique 7",
                       "/ent-assign 99 DSI", "/ent facteurs")
    piped = _shown(app, replies, False, None)
    assert "\x1b" not in piped
    terminal = ANSI.sub("", _shown(app, replies, True, 100))
    assert terminal.split() == piped.split()  # the same words, wrapped on the terminal
    assert _framed(terminal) == _framed(piped)
    assert max(len(line) for line in _framed(piped)) == 100


def test_piped_output_has_no_markers_and_no_escape_codes(
    database_url: str, tmp_path: Path
) -> None:
    result = run_console(
        database_url,
        "/ent projet creer ENT 35",
        '/ent-assign 7 OVHcloud externe @thomas niveau "99,9 %"',
        "oui",
        "/ent statut",
        "/ent lacunes",
        "/ent aide",
        "/ent-assign 99 OVHcloud",
        "/ent facteurs",
        cwd=tmp_path,
        env={"COLUMNS": "120"},
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "\x1b" not in out
    assert MARKUP.findall(out) == []
    assert row(out, "7")[1:] == [
        "Hébergement et exploitation de la solution ENT", "OVHcloud", "externe",
        "pérennité à décider", "@thomas", "OVHcloud", "99,9 %",
    ]
    assert max(len(line) for line in _framed(out)) == 120
    assert "⚠️ Il n'y a pas de compétence n°99 : les numéros vont de 1 à 19 (/ent statut les " \
           "affiche).\n" in out
    assert "Syntaxe : /ent-assign <compétences> <entité> [interne|externe|mixte]" in out
    assert "• /ent statut — la matrice des 19 compétences" in out
    assert "⬜ 1. Définir les besoins en moyens humains" in out


def test_a_name_with_markers_is_shown_as_typed(
    app: Application, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    app.assistant.command(BENCH, "/ent", "projet creer ENT 35")
    replies = _replies(app, f'/ent entite ajouter "{ODD}"', f'/ent-assign 7 "{ODD}" externe',
                       "/ent statut", "/ent lacunes tout", "/ent entite liste")
    for color in (False, True):
        out = ANSI.sub("", _shown(app, replies, color, 200))
        assert f"a ajouté l'entité {ODD} (collectivité)." in out
        assert f"a confié 7. Hébergement et exploitation de la solution ENT à {ODD}.\n" in out
        assert row(out, "7")[2:] == [ODD, "externe", "pérennité à décider", ODD]  # no contact
        assert out.count(ODD) >= 5
        assert "🎉" not in out and "&amp;" not in out and "&lt;" not in out


def test_slack_links_mentions_and_channels_read_as_text(app: Application) -> None:
    out = _shown(app, [
        Reply("export_sending", {"channel": "C0PROJET", "format": "md"}),
        Reply("error", {"code": "unknown_entity", "fragment": "<@U0BOB> *x*",
                        "candidates": ["A_B", "*C*"]}),
    ], False, None)
    assert "il sera partagé dans #C0PROJET dans un instant." in out
    assert "« <@U0BOB> *x* »" in out and "A_B, *C*" in out
    assert "⏳" in out and ":hourglass" not in out


def test_the_slack_fallback_text_keeps_its_mrkdwn(app: Application) -> None:
    _session(app)
    [status] = _replies(app, "/ent statut")
    rendered = app.messages.slack(status.template, status.data, status.language)
    assert rendered.text.startswith("ENT des collèges")
    plain = app.messages.plain(status.template, status.data, status.language)
    assert "*6.* Fourniture/édition de la solution ENT → *Open Digital Education*" in plain


def test_a_current_schema_starts_the_console_without_alembic(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from bot import cli\n"
        "status = cli.main(['console', '--user', 'alice'])\n"
        "print('ALEMBIC' if any(m.startswith('alembic') for m in sys.modules) else 'NONE')\n"
        "sys.exit(status)\n"
    )

    def start() -> str:
        result = subprocess.run(
            [sys.executable, "-c", code], input="/ent aide\n", capture_output=True,
            text=True, cwd=tmp_path, timeout=60, check=False,
            env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
        )
        assert result.returncode == 0, result.stderr
        return result.stdout.strip().splitlines()[-1]

    assert start() == "ALEMBIC"  # a new database is migrated
    assert start() == "NONE"  # then the schema is current: nothing to load


def test_every_template_reads_without_markers_in_the_console(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    messages = Messages()
    out = io.StringIO()
    terminal = Terminal(messages, out, color=False)
    left: dict[str, list[str]] = {}
    for template, samples in sorted(SAMPLES.items()):
        for data in samples:
            for language in ("fr", "en"):
                start = out.tell()
                terminal.show(Reply(template, data, language=language))
                shown = out.getvalue()[start:]
                for value in _typed(data):  # shown as typed, whatever it holds
                    shown = shown.replace(value, "")
                found = MARKUP.findall(shown)
                if found:
                    left.setdefault(template, []).extend(found)
    assert left == {}
    assert "\x1b" not in out.getvalue()


def _typed(data: object) -> list[str]:
    """The strings of a sample's data: what a user could have typed."""
    if isinstance(data, str):
        return [data]
    if isinstance(data, dict):
        return [text for value in data.values() for text in _typed(value)]
    if isinstance(data, list | tuple):
        return [text for value in data for text in _typed(value)]
    return []


def test_marks_of_the_template_read_as_text_and_values_as_typed() -> None:
    source = (
        "*Voir* <https://a.b/c_d|la fiche> ou <mailto:x@y.z>, _vite_ ~non~ `/ent aide` "
        "&lt;nom&gt; &amp; <@U0BOB> <#C0CHAN|projet> :tada: :inconnu: "
        f"{OPEN}*x* A_B <@U1> &amp;{CLOSE}\n# Titre {OPEN}_y_{CLOSE}"
    )
    first, second = lines(source)
    assert plain(first) == (
        "Voir la fiche (https://a.b/c_d) ou x@y.z, vite non /ent aide <nom> & @U0BOB "
        "#projet 🎉 :inconnu: *x* A_B <@U1> &amp;"
    )
    assert ("Voir", "bold") in spans(first) and ("vite", "italic") in spans(first)
    assert ("/ent aide", "cyan") in spans(first) and ("non", "strike") in spans(first)
    assert plain(second) == "# Titre _y_"


def test_a_contact_who_left_is_said_in_the_gap_table(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "120")
    left = Gap(GapKind.CONTACT_LEFT, Severity.HIGH, C[6], owner=DSI)
    data = {**SAMPLES["gaps"][0], "gaps": [left], "page": 1}
    for language, said in (("fr", "contact parti, à remplacer"),
                           ("en", "contact left, to be replaced")):
        out = io.StringIO()
        Terminal(Messages(), out, color=False).show(Reply("gaps", data, language=language))
        assert row(out.getvalue(), "🔴")[2:] == [said, DSI.name]
