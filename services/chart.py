"""The digest's coverage chart: one horizontal bar per profile family (and one overall), as a
PNG. matplotlib is imported only when a chart is drawn (never at start-up), on its Agg
backend (no display). Texts come from the caller (rendered from a template)."""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from services.gaps import Coverage
from services.turn import Reply

WIDTH = 6.4
DPI = 100
WANTED = "chart"
"""The digest reply's flag, and the outbox payload's key of the chart to draw."""
TEXTS = "digest_chart"
"""The template of the chart's texts (``key: text`` lines)."""
COVERED_COLOR = "#2eb67d"
MISSING_COLOR = "#e0e0e0"


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    covered: int
    total: int

    @property
    def percent(self) -> int:
        return round(100 * self.covered / self.total) if self.total else 100


def wanted(reply: Reply, chart: bool) -> Reply:
    """The digest ``reply``, flagged to get the chart when the project asked for it."""
    return dataclasses.replace(reply, data={**reply.data, WANTED: True}) if chart else reply


def spec(
    overall: Coverage, families: Sequence[Coverage], texts: Mapping[str, str]
) -> dict[str, Any]:
    """What the outbox keeps to draw the chart later: JSON only (no people named)."""
    bars = [[texts.get("overall", ""), overall.covered, overall.total]] + [
        [texts.get(f"family.{c.family}", str(c.family)), c.covered, c.total] for c in families
    ]
    return {"title": texts.get("title", ""), "axis": texts.get("axis", ""),
            "filename": texts.get("filename", "couverture.png"), "bars": bars}


def bars_of(chart: Mapping[str, Any]) -> list[Bar]:
    return [Bar(str(label), int(covered), int(total))
            for label, covered, total in chart.get("bars") or []]


def png(chart: Mapping[str, Any]) -> bytes:
    """The chart of :func:`spec` drawn as a PNG."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    from matplotlib.figure import Figure  # a Figure needs no pyplot state: thread-safe

    bars = bars_of(chart)
    figure = Figure(figsize=(WIDTH, 1.2 + 0.6 * len(bars)), dpi=DPI)
    axes = figure.subplots()
    labels = [bar.label for bar in bars][::-1]
    percents = [bar.percent for bar in bars][::-1]
    positions = range(len(bars))
    axes.barh(positions, [100] * len(bars), color=MISSING_COLOR)
    axes.barh(positions, percents, color=COVERED_COLOR)
    for position, bar in zip(positions, bars[::-1], strict=True):
        axes.text(min(bar.percent, 100) + 1, position,
                  f"{bar.covered}/{bar.total} ({bar.percent} %)", va="center", fontsize=9)
    axes.set_yticks(list(positions), labels)
    axes.set_xlim(0, 125)
    axes.set_xticks([0, 25, 50, 75, 100])
    axes.set_xlabel(str(chart.get("axis") or ""))
    axes.set_title(str(chart.get("title") or ""))
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()
