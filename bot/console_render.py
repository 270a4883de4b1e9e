"""Replies shown in a terminal: styles instead of mrkdwn markers, emoji instead of codes,
tables fitted to the terminal's width for the matrix and the gaps.

Piped output (a file, another program) stays the plain text of
:meth:`messages.render.Messages.plain`, byte for byte: scripts read it. ``rich`` is
loaded only for a terminal.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, TextIO

from messages.render import BUTTON, CONTEXT, EMOJI, EMOJI_CODE, Messages
from services.turn import Reply

if TYPE_CHECKING:
    from rich.console import Console

TABLES = {"status": "terminal_status", "gaps": "terminal_gaps"}
"""Replies that have a terminal form with a table (same data, tab-separated rows)."""
_BOLD = re.compile(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])")
_ITALIC = re.compile(r"(?<![\w_])_([^_\n]+)_(?![\w_])")
_CODE = re.compile(r"`([^`\n]+)`")


def _emoji(text: str) -> str:
    return EMOJI_CODE.sub(lambda m: EMOJI.get(m.group(0), m.group(0)), text)


def styled(text: str) -> str:
    """One line of mrkdwn as ``rich`` markup: ``*bold*``, ``_italic_``, `` `code` ``."""
    from rich.markup import escape

    text = escape(_emoji(text))
    text = _CODE.sub(lambda m: f"[cyan]{m.group(1)}[/cyan]", text)
    text = _BOLD.sub(lambda m: f"[bold]{m.group(1)}[/bold]", text)
    return _ITALIC.sub(lambda m: f"[italic]{m.group(1)}[/italic]", text)


class Terminal:
    """Where the console prints: styled on a terminal, plain text otherwise."""

    def __init__(self, messages: Messages, stdout: TextIO, color: bool,
                 width: int | None = None) -> None:
        self.messages = messages
        self.stdout = stdout
        self.console: Console | None = None
        if color:
            from rich.console import Console

            self.console = Console(file=stdout, force_terminal=True, highlight=False,
                                   emoji=False, width=width, soft_wrap=False)

    def show(self, reply: Reply) -> None:
        if self.console is None:
            self.stdout.write(self.messages.plain(reply.template, reply.data, reply.language))
            self.stdout.write("\n\n")
            return
        template = TABLES.get(reply.template, reply.template)
        source = self.messages.marked(template, reply.data, reply.language)
        self._print(source.strip("\n"))
        self.console.print()

    def _print(self, source: str) -> None:
        assert self.console is not None
        rows: list[list[str]] = []
        blank = True
        for line in source.split("\n"):
            if line.startswith(BUTTON):
                continue
            if "\t" in line:
                rows.append(line.split("\t"))
                continue
            if rows:
                self._table(rows)
                rows = []
            if not line.strip():
                if not blank:
                    self.console.print()
                blank = True
                continue
            blank = False
            self._line(line)
        if rows:
            self._table(rows)

    def _line(self, line: str) -> None:
        from rich.text import Text

        assert self.console is not None
        if line.startswith("# "):
            self.console.print(Text.from_markup(styled(line[2:]), style="bold underline"))
        elif line.startswith(CONTEXT):
            self.console.print(Text.from_markup(styled(line[len(CONTEXT):]), style="dim"))
        elif line.strip() == "---":
            self.console.rule(style="dim")
        else:
            self.console.print(Text.from_markup(styled(line)))

    def _table(self, rows: list[list[str]]) -> None:
        """The header row then the data rows; columns empty in every data row are left out,
        so that the table fits the terminal's width."""
        from rich.table import Table
        from rich.text import Text

        assert self.console is not None
        header, body = rows[0], rows[1:]
        shown = [
            i for i in range(len(header))
            if not body or any(i < len(row) and row[i].strip() for row in body)
        ]
        table = Table(header_style="bold", pad_edge=False, show_lines=False)
        for i in shown:
            table.add_column(Text.from_markup(styled(header[i])))
        for row in body:
            cells = [row[i] if i < len(row) else "" for i in shown]
            table.add_row(*[Text.from_markup(styled(cell)) for cell in cells])
        self.console.print(table)

    def flush(self) -> None:
        self.stdout.flush()

