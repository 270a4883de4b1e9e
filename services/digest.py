"""The digest of a project: where it stands, what changed since the last one, what is left.

Pure: built from a :class:`~storage.state.ProjectState` and its recent history, so the due
pass can build thousands from batched reads. The reply renders within Slack's limits: long
lists are cut, with the count of the rest and the command that shows them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services import gaps as gap_analysis
from services.gaps import Gap, GapKind, Severity
from services.turn import Reply
from storage.state import ProjectState
from storage.store import HistoryRow

MAX_GAPS = 12
MAX_CHANGES = 8
COMPETENCE_KINDS = frozenset({
    GapKind.UNASSIGNED, GapKind.NO_CONTACT, GapKind.NO_SOURCING, GapKind.NO_PROVIDER,
    GapKind.NO_SERVICE_LEVEL, GapKind.KEEP_UNDECIDED, GapKind.CONTACT_LEFT,
})


@dataclass(frozen=True, slots=True)
class GapLine:
    gap: Gap
    who: tuple[str, ...]
    """People who can close it: the contacts, else the project lead."""


def build(
    state: ProjectState,
    history: Sequence[HistoryRow],
    previous_covered: int | None,
    lead: str | None,
    next_at: datetime | None = None,
    late_from: datetime | None = None,
    local: tuple[int, int] | None = None,
    previous_local: int | None = None,
    left: frozenset[int] | set[int] = frozenset(),
) -> Reply:
    """The ``digest`` reply; ``next_at`` and ``late_from`` are local wall-clock times;
    ``local``: the open schools and those with a resource person (None: no perimeter);
    ``left``: competences whose only contact left (gap “contact parti”)."""
    project = state.project
    overall, families = gap_analysis.coverage(state)
    every = gap_analysis.analyse(state, left)
    lines = [
        GapLine(gap, gap.contacts or _contacts(state, gap) or ((lead,) if lead else ()))
        for gap in every if gap.kind in COMPETENCE_KINDS
    ]
    groups: list[dict[str, Any]] = []
    room = MAX_GAPS
    for severity in (Severity.HIGH, Severity.MEDIUM, Severity.LOW):
        members = [line for line in lines if line.gap.severity == severity]
        if members:
            shown = members[:max(room, 0)]
            room -= len(shown)
            groups.append({"severity": int(severity), "lines": shown,
                           "more": len(members) - len(shown)})
    questions = [g.question for g in every if g.kind is GapKind.QUESTION_UNANSWERED]
    factors = [g.factor for g in every if g.kind is GapKind.FACTOR_PENDING]
    unassigned = next((g.competence for g in every if g.kind is GapKind.UNASSIGNED), None)
    data: dict[str, Any] = {
        "project": project,
        "overall": overall,
        "families": families,
        "delta": None if previous_covered is None else overall.covered - previous_covered,
        "changes": list(history[:MAX_CHANGES]),
        "more_changes": max(len(history) - MAX_CHANGES, 0),
        "groups": groups,
        "gap_count": len(lines),
        "questions": questions,
        "factors": factors,
        "next_at": next_at,
        "late_from": late_from,
        "first_unassigned": unassigned,
        "local": _local(local, previous_local),
    }
    return Reply("digest", data, public=True, language=project.language)


def _contacts(state: ProjectState, gap: Gap) -> tuple[str, ...]:
    if gap.competence is None:
        return ()
    assignment = state.assignments.get(gap.competence.id)
    return assignment.contacts if assignment else ()


def _local(local: tuple[int, int] | None, previous: int | None) -> dict[str, Any] | None:
    if local is None or not local[0]:
        return None
    total, covered = local
    return {"total": total, "covered": covered, "percent": round(100 * covered / total),
            "delta": None if previous is None else covered - previous}
