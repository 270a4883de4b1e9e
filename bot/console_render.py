"""Replies shown by the console: styles instead of mrkdwn markers, emoji instead of codes,
links as ``label (address)``, tables for the matrix and the gaps.

One rendering for both outputs: on a terminal with colours and styles, fitted to its
width; piped (a file, another program), the same words without any escape code, tables at
``$COLUMNS`` or 100 columns and one line of text per line of the reply, so that scripts
read a stable text. The reply's source comes
from :meth:`messages.render.Messages.marked`, where what the user typed is marked as a
value: markers are read only in the template's own text, so an entity named ``*x*`` or
``A_B`` is shown as typed. ``rich`` is loaded only for a terminal or a table.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, TextIO

from messages.literal import CLOSE, OPEN
from messages.render import BUTTON, CONTEXT, EMOJI, Messages
from services.turn import Reply

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

TABLES = {"status": "terminal_status", "gaps": "terminal_gaps"}
"""Replies that have a form with a table (same data, tab-separated rows)."""
PIPED_WIDTH = 100
"""Columns of piped output when ``$COLUMNS`` does not say."""
MAX_WORD = 16
"""A table column is at least as wide as its longest word up to this; longer words fold
(nothing is cut off)."""
SYMBOLS = {
    **EMOJI,
    ":heavy_plus_sign:": "➕",
    ":hourglass_flowing_sand:": "⏳",
    ":no_entry:": "⛔",
    ":ok_hand:": "👌",
    ":pushpin:": "📌",
}
"""Every emoji code the templates use (an unknown code is shown as written)."""

_VALUE = re.compile(f"{OPEN}(.*?){CLOSE}", re.DOTALL)
_VALUE_ID = re.compile(f"<([@#]){OPEN}([UWC][A-Z0-9]+){CLOSE}>")
"""``<#{{ channel }}>``: an id given as a value, in the template's mention syntax."""
_SPECIAL = re.compile(
    r"<(?P<target>@[UW][A-Z0-9]+|#C[A-Z0-9]+|![a-z]+|(?:https?://|mailto:)[^|<>\s]+)"
    r"(?:\|(?P<label>[^<>\n]*))?>"
    r"|(?P<emoji>:[a-z0-9_+-]+:)"
    r"|(?P<entity>&(?:amp|lt|gt|quot|#39|#34);)"
)
_ENTITIES = {"&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&#39;": "'", "&#34;": '"'}
_ATOM = "\ue002"
"""Stands for a value, a link, a mention or an emoji while markers are looked for."""
_HIDDEN = "\ue003"
"""Stands for a character of code, where no marker is read."""
_CODE = re.compile(r"`([^`\n]+)`")
_MARKERS = (
    (re.compile(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])"), "bold"),
    (re.compile(r"(?<![\w_])_([^_\n]+)_(?![\w_])"), "italic"),
    (re.compile(r"(?<![\w~])~([^~\n]+)~(?![\w~])"), "strike"),
)


@dataclass(frozen=True, slots=True)
class Atom:
    """Text shown as is, whatever characters it holds."""

    text: str
    style: str = ""


Unit = str | Atom
"""One character of the template's own text, or an atom."""
Span = tuple[str, str]
"""Text and its ``rich`` style ("" for none)."""


def lines(source: str) -> list[list[Unit]]:
    """The marked source as lines of units: values, links, mentions and emoji are atoms;
    the escapes of the template's text are decoded."""
    result: list[list[Unit]] = [[]]
    source = _VALUE_ID.sub(r"<\1\2>", source)
    position = 0
    for value in _VALUE.finditer(source):
        _template_text(source[position:value.start()], result)
        result[-1].append(Atom(value.group(1)))
        position = value.end()
    _template_text(source[position:], result)
    return result


def _template_text(text: str, result: list[list[Unit]]) -> None:
    position = 0
    for found in _SPECIAL.finditer(text):
        _characters(text[position:found.start()], result)
        position = found.end()
        if found.group("entity"):
            result[-1].append(_ENTITIES[found.group("entity")])
        elif found.group("emoji"):
            code = found.group("emoji")
            result[-1].append(Atom(SYMBOLS[code]) if code in SYMBOLS else code)
        else:
            result[-1].append(_link(found.group("target"), found.group("label")))
    _characters(text[position:], result)


def _characters(text: str, result: list[list[Unit]]) -> None:
    for char in text:
        if char == "\n":
            result.append([])
        else:
            result[-1].append(char)


def _link(target: str, label: str | None) -> Atom:
    """``<@U1|bob>`` → @bob, ``<#C1|projet>`` → #projet, ``<!here>`` → @here,
    ``<https://x|la fiche>`` → la fiche (https://x)."""
    if target[0] in "@#":
        return Atom(target[0] + (label or target[1:]), "bold")
    if target[0] == "!":
        return Atom("@" + (label or target[1:]), "bold")
    address = target.removeprefix("mailto:")
    if label and label != address:
        return Atom(f"{label} ({address})", "underline")
    return Atom(address, "underline")


def spans(units: list[Unit]) -> list[Span]:
    """The units as styled text: markers of the template's text become styles."""
    masked = "".join(unit if isinstance(unit, str) else _ATOM for unit in units)
    styles: list[list[str]] = [[] for _ in units]
    dropped: set[int] = set()

    def mark(found: re.Match[str], style: str) -> None:
        dropped.update((found.start(), found.end() - 1))
        for i in range(found.start(1), found.end(1)):
            styles[i].append(style)

    for found in _CODE.finditer(masked):
        mark(found, "cyan")
    masked = _CODE.sub(lambda m: "`" + _HIDDEN * len(m.group(1)) + "`", masked)
    for pattern, style in _MARKERS:
        for found in pattern.finditer(masked):
            mark(found, style)
    result: list[Span] = []
    for i, unit in enumerate(units):
        if i in dropped:
            continue
        text, own = (unit, "") if isinstance(unit, str) else (unit.text, unit.style)
        style = " ".join([*styles[i], own]).strip()
        if result and result[-1][1] == style:
            result[-1] = (result[-1][0] + text, style)
        else:
            result.append((text, style))
    while result and not result[-1][0].rstrip():
        result.pop()
    if result:
        result[-1] = (result[-1][0].rstrip(), result[-1][1])
    return result


def plain(units: list[Unit]) -> str:
    return "".join(text for text, _style in spans(units))


def _prefix(units: list[Unit], prefix: str) -> bool:
    return "".join(u for u in units[: len(prefix)] if isinstance(u, str)) == prefix


def _is_rule(units: list[Unit]) -> bool:
    chars = [u for u in units if isinstance(u, str)]
    return len(chars) == len(units) and "".join(chars).strip() == "---"


def _piped_width() -> int:
    columns = os.environ.get("COLUMNS", "")
    return int(columns) if columns.isdigit() and int(columns) > 0 else PIPED_WIDTH


class Terminal:
    """Where the console prints: styled on a terminal, the same text plain otherwise."""

    def __init__(self, messages: Messages, stdout: TextIO, color: bool,
                 width: int | None = None) -> None:
        self.messages = messages
        self.stdout = stdout
        self.color = color
        self.width = width if width is not None or color else _piped_width()
        self._console: Console | None = None

    @property
    def console(self) -> Console:
        """``rich``, loaded at the first styled line or table."""
        if self._console is None:
            from rich.console import Console

            self._console = Console(
                file=self.stdout, force_terminal=self.color, color_system="auto" if self.color
                else None, highlight=False, emoji=False, markup=False, width=self.width,
                soft_wrap=False,
            )
        return self._console

    def show(self, reply: Reply) -> None:
        template = TABLES.get(reply.template, reply.template)
        source = self.messages.marked(template, reply.data, reply.language)
        rows: list[list[list[Unit]]] = []
        blank = True
        for line in lines(source.strip("\n")):
            if _prefix(line, BUTTON):
                continue
            if "\t" in line:
                rows.append(_cells(line))
                continue
            if rows:
                self._table(rows)
                rows = []
            if not plain(line):
                if not blank:
                    self._write([])
                blank = True
                continue
            blank = False
            self._line(line)
        if rows:
            self._table(rows)
        self._write([])

    def _line(self, line: list[Unit]) -> None:
        if _prefix(line, "# "):
            self._write(spans(line[2:]), "bold underline")
        elif _prefix(line, CONTEXT):
            self._write(spans(line[len(CONTEXT):]), "dim")
        elif _is_rule(line):
            if self.color:
                self.console.rule(style="dim")
            else:
                self.stdout.write("─" * (self.width or PIPED_WIDTH) + "\n")
        else:
            self._write(spans(line))

    def _write(self, line: list[Span], style: str = "") -> None:
        """One line: wrapped between words on a terminal, whole when piped (one line of
        text per line of the reply, for scripts)."""
        if not self.color:
            self.stdout.write("".join(text for text, _style in line) + "\n")
            return
        self.console.print(_text(line, style))

    def _table(self, rows: list[list[list[Unit]]]) -> None:
        """The header row then the data rows; columns empty in every data row are left out,
        so that the table fits the width."""
        from rich.cells import cell_len
        from rich.table import Table

        header, body = rows[0], rows[1:]
        shown = [
            i for i in range(len(header))
            if not body or any(i < len(row) and plain(row[i]) for row in body)
        ]
        cells = [[plain(row[i]) if i < len(row) else "" for i in shown] for row in rows]
        widths = _fit(
            [max(cell_len(row[column]) for row in cells) for column in range(len(shown))],
            [max(cell_len(word) for row in cells for word in [*row[column].split(), ""])
             for column in range(len(shown))],
            self.console.width - 3 * len(shown) - 1,  # borders and a space each side
        )
        table = Table(header_style="bold", show_lines=False)
        for column, i in enumerate(shown):
            table.add_column(_text(spans(header[i])), overflow="fold",
                             width=widths[column] if widths else None)
        for row in body:
            table.add_row(*[_text(spans(row[i]) if i < len(row) else []) for i in shown])
        self.console.print(table)

    def flush(self) -> None:
        self.stdout.flush()


def _fit(natural: list[int], words: list[int], room: int) -> list[int] | None:
    """Column widths within ``room``: the widest column narrows first, down to its longest
    word (up to :data:`MAX_WORD`), then below if it must; None when all fit as they are."""
    if sum(natural) <= room:
        return None
    widths = list(natural)
    floors = [min(word, MAX_WORD) for word in words]
    while sum(widths) > room and max(widths) > 1:
        above = [i for i, width in enumerate(widths) if width > floors[i]]
        candidates = above or range(len(widths))
        widest = max(candidates, key=lambda i: widths[i])
        widths[widest] -= 1
    return widths


def _cells(line: list[Unit]) -> list[list[Unit]]:
    cells: list[list[Unit]] = [[]]
    for unit in line:
        if unit == "\t":
            cells.append([])
        else:
            cells[-1].append(unit)
    return cells


def _text(line: list[Span], style: str = "") -> Text:
    from rich.text import Text

    text = Text(style=style)
    for part, part_style in line:
        text.append(part, style=part_style or None)
    return text
