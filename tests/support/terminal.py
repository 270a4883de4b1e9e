"""Read the tables the console prints, as a user reads them: row by row, cell by cell."""

from __future__ import annotations

import re

ANSI = re.compile(r"\x1b\[[0-9;]*m")
MARKUP = re.compile(r"(?<![\w*])\*[^*\n]+\*(?![\w*])|(?<![\w_])_[^_\n]+_(?![\w_])|`|<[@#!h]"
                    r"|&(?:amp|lt|gt);|:[a-z0-9_]+:")
"""What Slack's mrkdwn would leave in a text that is not meant for Slack."""


def table_rows(out: str) -> list[list[str]]:
    """Every body row of the tables in ``out``: a row starts where its first cell is not
    empty; a cell's wrapped lines are joined by a space."""
    rows: list[list[str]] = []
    for line in ANSI.sub("", out).splitlines():
        if not line.startswith("│"):
            continue
        cells = [cell.strip() for cell in line.strip().strip("│").split("│")]
        if cells[0] or not rows:
            rows.append(cells)
        else:
            joined = zip(rows[-1], cells, strict=True)
            rows[-1] = [" ".join(part for part in pair if part) for pair in joined]
    return rows


def row(out: str, first: str) -> list[str]:
    """The last row printed whose first cell is ``first`` (a status row by its number)."""
    found = [cells for cells in table_rows(out) if cells[0] == first]
    assert found, f"no table row {first!r} in:\n{out}"
    return found[-1]
