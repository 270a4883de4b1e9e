"""Compiled templates (messages/environments.py) are kept between processes, one set per
environment: Slack's escaped code is never run for plain text, nor the other way round."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from messages.render import Messages

ROOT = Path(__file__).resolve().parents[1]
PING = {"name": "<!channel> & co"}


def _render_in_new_process(tmp: Path, kind: str) -> str:
    """``kind`` (slack or plain) of a reply naming ``<!channel>``, in a fresh process whose
    temporary directory is ``tmp`` (so that it shares the cache with the other calls)."""
    code = (
        "import sys\n"
        "from messages.render import Messages\n"
        "m = Messages()\n"
        "data = {'names': [sys.argv[2]]}\n"
        "out = m.slack('entities_created', data).text if sys.argv[1] == 'slack' "
        "else m.plain('entities_created', data)\n"
        "print(out)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, kind, PING["name"]], capture_output=True, text=True,
        timeout=60, cwd=ROOT, check=True, env={**os.environ, "TMPDIR": str(tmp)},
    )
    return done.stdout


@pytest.mark.parametrize("first", ["plain", "slack"])
def test_slack_text_stays_escaped_whichever_environment_compiled_first(
    tmp_path: Path, first: str
) -> None:
    second = "slack" if first == "plain" else "plain"
    outputs = {first: _render_in_new_process(tmp_path, first)}
    outputs[second] = _render_in_new_process(tmp_path, second)
    again = {kind: _render_in_new_process(tmp_path, kind) for kind in ("slack", "plain")}

    assert "&lt;!channel&gt; &amp; co" in outputs["slack"]
    assert "<!channel>" not in outputs["slack"]
    assert "<!channel> & co" in outputs["plain"]
    assert again == outputs
    cached = sorted(p.name.split("-")[2] for p in tmp_path.glob("_jinja2-cache-*/*.cache"))
    assert "slack" in cached and "plain" in cached


def test_without_a_private_cache_folder_templates_are_compiled_as_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / f"_jinja2-cache-{os.getuid()}").write_text("not a folder")
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))

    text = Messages().plain("entities_created", {"names": ["DSI"]})

    assert "DSI" in text
