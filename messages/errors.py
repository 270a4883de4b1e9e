"""What the error templates may show, typed, with a default for every optional value.

Services give an error's ``code`` and only the details they have; :class:`Messages`
fills in the rest from these defaults before rendering, so a template never meets an
undefined value whichever path produced the error. A service passing a key that is not
a field here is a mistake: tests/test_error_rendering.py finds every error call and
checks its keys against these fields.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class ErrorData:
    """The ``error`` template: what was wrong in a command or an answer."""

    code: str = ""
    fragment: str = ""
    """The offending part, as typed."""
    usage: str = "help"
    """Which syntax line to show (a key of ``_lib.j2``'s ``usage``)."""
    candidates: Sequence[Any] = ()
    """Competences (or entity names, for entity codes) it may have meant."""
    suggestion: str | None = None
    """The known word closest to an unknown command word."""
    expected: str | None = None
    """The UAI check letter expected."""
    limit: int | None = None
    """The length limit a name exceeded."""


@dataclass(frozen=True, slots=True)
class FormErrorData:
    """The ``form_error`` template: the problem of one field of the assignment form."""

    field: str = ""
    code: str = ""
    limit: int | None = None
    fragment: str = ""
    usage: str = "assign"


@dataclass(frozen=True, slots=True)
class PendingQuestionData:
    """The ``schools_people_pending`` template: the other question a person has waiting,
    which a resource-person check met (see ``services.school_people.other_question``)."""

    code: str = ""
    other: str = ""
    """Which question: erase, entities, matrix, project_name or people_elsewhere."""
    source: str = ""
    names: Sequence[str] = ()
    by_lead: bool = False
    target: str = ""


TYPED: dict[str, type[ErrorData] | type[FormErrorData] | type[PendingQuestionData]] = {
    "error": ErrorData,
    "form_error": FormErrorData,
    "schools_people_pending": PendingQuestionData,
}
"""Templates whose data is typed here."""

DEFAULTS: dict[str, dict[str, Any]] = {name: asdict(kind()) for name, kind in TYPED.items()}


def with_defaults(template: str, data: Mapping[str, Any]) -> Mapping[str, Any]:
    """``data`` completed with the template's defaults (``data`` itself if it has none)."""
    defaults = DEFAULTS.get(template)
    if defaults is None:
        return data
    return {**defaults, **data}
