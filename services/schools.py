"""``/ent ecoles …``: the project's perimeter of schools, its resource persons, local coverage."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from services import school_import, school_people
from services.changes import Change, record
from services.school_import import tokens
from services.text import normalize
from services.tokenize import TokenizeError
from services.turn import Reply, Turn
from services.uai import is_valid_uai, normalize_uai
from storage import schools as db
from storage.state import ProjectInfo

Progress = Callable[[int, int], None]
"""Told (schools written, schools to write) as an import goes."""

PAGE_SIZE = 20
SHOWN_SKIPPED = 15
SHOWN_GROUPS = 12
_UAI_SHAPE = re.compile(r"[0-9]{7}[A-Za-z]")

ACTIONS: dict[str, str] = {
    "importer": "import",
    "import": "import",
    "charger": "import",
    "ajouter": "add",
    "add": "add",
    "liste": "show",
    "list": "show",
    "voir": "show",
    "show": "show",
    "couverture": "show",
    "coverage": "show",
    "page": "page",
    "referent": "referent",
    "referents": "referent",
    "referente": "referent",
    "ressource": "referent",
    "resource": "referent",
    "competences": "local",
    "local": "local",
    "locales": "local",
}
_FILE_WORDS = frozenset({"importer", "import", "fichier", "file", "csv"})




@dataclass(frozen=True, slots=True)
class FileRequest:
    """A command that needs a file: adapters fetch it, then call :func:`import_file`."""

    path: str
    filters: tuple[str, ...]
    """Filters for a directory; for a resource-person file, the confirmation word."""
    people: bool = False
    """A resource-person CSV (``UAI;personne;compétences``) rather than the directory."""


def _split_word(text: str) -> tuple[str, str]:
    head, _, rest = text.strip().partition(" ")
    return head, rest.strip()


def action_of(text: str) -> tuple[str | None, str]:
    """The ``/ent ecoles`` action and its arguments (``None``: an unknown word)."""
    word, rest = _split_word(text)
    if not word:
        return "show", ""
    return ACTIONS.get(normalize(word)), rest


def changes_project(text: str) -> bool:
    action, rest = action_of(text)
    if action == "local":
        return school_people.local_changes(rest)
    return action not in {"show", "page"}


def _import_words(text: str) -> tuple[str, bool] | None:
    """What follows ``importer`` (or ``referents importer``), and whether it is the
    resource persons' file; None for another action."""
    action, rest = action_of(text)
    people = action == "referent" and normalize(_split_word(rest)[0]) in _FILE_WORDS
    if people:
        return _split_word(rest)[1], True
    return (rest, False) if action == "import" else None


def file_request(text: str) -> FileRequest | None:
    """``importer CHEMIN [filtres…]`` (the text after ``/ent ecoles``), else None."""
    found = _import_words(text)
    if found is None:
        return None
    rest, people = found
    try:
        words = tokens(rest)
    except TokenizeError:
        return None
    if not words or ":" in words[0]:
        return None
    return FileRequest(words[0], tuple(words[1:]), people)


def upload_request(text: str) -> FileRequest | None:
    """``importer [NOM.csv] [filtres…]`` or ``referents importer [NOM.csv] [confirmer]``
    where the file is shared rather than read from a path (Slack): ``path`` is the file's
    name when one is typed, else empty."""
    found = _import_words(text)
    if found is None:
        return None
    rest, people = found
    try:
        words = tokens(rest)
    except TokenizeError:
        words = rest.split()
    named = next((w for w in words if ":" not in w and w.lower().endswith(".csv")), "")
    others = list(words)
    if named:
        others.remove(named)
    return FileRequest(named, tuple(others), people)


def command(turn: Turn, project: ProjectInfo, text: str) -> list[Reply]:
    action, rest = action_of(text)
    if action is None:
        word, _ = _split_word(text)
        return [turn.error("schools_error", code="unknown_action", fragment=word, usage="schools")]
    if action == "show":
        return [coverage(turn, project, 1)]
    if action == "page":
        number = rest.strip()
        if not (number.isascii() and number.isdigit() and int(number) >= 1):
            return [turn.error("schools_error", code="bad_page", fragment=number, usage="page")]
        return [coverage(turn, project, int(number))]
    if action == "import":
        return [turn.error("schools_error", code="upload_needed", fragment="", usage="import")]
    if action == "add":
        return [add(turn, project, rest)]
    if action == "local":
        return [school_people.local_command(turn, project, rest)]
    if normalize(_split_word(rest)[0]) in _FILE_WORDS:
        return [turn.error("schools_error", code="upload_needed", fragment="", usage="people")]
    return [school_people.referent(turn, project, rest)]


def _filters(
    turn: Turn, words: Sequence[str], usage: str = "import"
) -> school_import.Filters | Reply:
    parsed = school_import.parse_filters(words)
    if isinstance(parsed, school_import.FilterProblem):
        return turn.error("schools_error", code=parsed.code, fragment=parsed.fragment,
                          usage=usage)
    return parsed


def existing_fields(turn: Turn, project: ProjectInfo) -> dict[str, dict[str, Any]]:
    return {s.uai: s.directory() for s in db.schools(turn.store.connection, project.id)}


def import_file(
    turn: Turn,
    data: bytes,
    source: str,
    filter_words: Sequence[str],
    progress: Progress | None = None,
    usage: str = "import",
) -> list[Reply]:
    """Import a directory export into the turn's project: all of it, or nothing."""
    project = turn.project
    if project is None:
        return [turn.error("no_project")]
    filters = _filters(turn, filter_words, usage)
    if isinstance(filters, Reply):
        return [filters]
    directory = school_import.read_directory(data, filters)
    if isinstance(directory, school_import.FileProblem):
        return [
            turn.error(
                "schools_error",
                code=directory.code,
                fragment=source,
                detail=list(directory.detail),
                usage=usage,
            )
        ]
    plan = school_import.plan(existing_fields(turn, project), directory)
    write(turn, project, plan, progress)
    if plan.added or plan.updated:
        record(turn, project, [
            Change("schools.import", source[:200], "schools", None,
                   f"+{len(plan.added)} ~{len(plan.updated)}")
        ])
    data_out = {
        "source": source,
        "filters": filters.describe(),
        "total": directory.total,
        "outside": directory.outside,
        "added": len(plan.added),
        "updated": len(plan.updated),
        "unchanged": plan.unchanged,
        "skipped": plan.skipped[:SHOWN_SKIPPED],
        "skipped_count": len(plan.skipped),
        "closing": plan.closing[:SHOWN_SKIPPED],
        "closing_count": len(plan.closing),
        "encoding": directory.encoding,
    }
    if plan.added or plan.updated:
        return [turn.announce("schools_imported", **data_out)]
    return [turn.reply("schools_imported", **data_out)]


def write(
    turn: Turn, project: ProjectInfo, plan: school_import.Plan, progress: Progress | None
) -> None:
    """Bulk writes, one batch at a time so that a terminal can show progress."""
    connection = turn.store.connection
    total = len(plan.added) + len(plan.updated)
    done = 0
    for rows, add_rows in ((plan.added, True), (plan.updated, False)):
        for start in range(0, len(rows), db.BATCH):
            batch = rows[start : start + db.BATCH]
            if add_rows:
                db.add_schools(connection, project.workspace_id, project.id, batch, turn.actor)
            else:
                db.update_schools(connection, project.id, batch)
            done += len(batch)
            if progress is not None:
                progress(done, total)
    if progress is not None and total == 0:
        progress(0, 0)


def add(turn: Turn, project: ProjectInfo, text: str) -> Reply:
    """``ajouter UAI [UAI…]`` or ``ajouter UAI nom de l'école``."""
    try:
        words = tokens(text)
    except TokenizeError as exc:
        return turn.error("error", code="unbalanced_quote", fragment=exc.fragment, usage="help")
    uais = [normalize_uai(w) for w in words if _UAI_SHAPE.fullmatch(w.strip())]
    others = [w for w in words if not _UAI_SHAPE.fullmatch(w.strip())]
    if not uais:
        return turn.error("schools_error", code="missing_uai", fragment=text, usage="add")
    for uai in uais:
        if not is_valid_uai(uai):
            return turn.error(
                "schools_error",
                code="bad_uai",
                fragment=uai,
                expected=school_import.bad_uai_detail(uai),
                usage="add",
            )
    name = " ".join(others).strip()
    if name and len(uais) > 1:
        return turn.error("schools_error", code="one_name", fragment=name, usage="add")
    if len(name) > 200:
        return turn.error("error", code="too_long", fragment=name[:40], limit=200, usage="help")
    existing = existing_fields(turn, project)
    new = [u for u in dict.fromkeys(uais) if u not in existing]
    if not new:
        return turn.reply("schools_added", uais=[], known=uais)
    rows = [school_import.school_row(uai, {"name": name}) for uai in new]
    db.add_schools(
        turn.store.connection, project.workspace_id, project.id, rows, turn.actor, "manuel"
    )
    record(turn, project, [Change("school.add", uai, "name", None, name or uai) for uai in new])
    return turn.announce("schools_added", uais=new, known=[u for u in uais if u in existing],
                         name=name)


def coverage(turn: Turn, project: ProjectInfo, page: int) -> Reply:
    """The local coverage: a fixed number of statements whatever the number of schools."""
    offset = (page - 1) * PAGE_SIZE
    found = db.coverage(turn.store.connection, project.id, offset, PAGE_SIZE)
    uncovered_total = found.total - found.covered
    pages = max(1, -(-uncovered_total // PAGE_SIZE))
    if page > pages:
        return turn.error("schools_error", code="no_such_page", fragment=str(page),
                          pages=pages, usage="page")
    local = school_people.local_view(turn, project, found)
    return turn.reply(
        "schools_coverage",
        project=project,
        total=found.total,
        covered=found.covered,
        closing=found.closing,
        percent=round(100 * found.covered / found.total) if found.total else 0,
        by_kind=_worst(found.by_kind),
        by_circonscription=_worst(found.by_circonscription),
        by_commune=_worst(found.by_commune),
        commune_count=len(found.by_commune),
        uncovered=list(found.uncovered),
        uncovered_total=uncovered_total,
        page=page,
        pages=pages,
        local=local,
    )


_CIRCONSCRIPTION_PREFIX = re.compile(
    r"^circonscription d'inspection (du 1er degre )?(de la |de l'|du |des |de )?"
)


def short_label(key: str) -> str:
    """``Circonscription d'inspection du 1er degré de Fougères`` → ``Fougères``."""
    plain = normalize(key)
    found = _CIRCONSCRIPTION_PREFIX.match(plain)
    return key[found.end() :] if found and found.end() < len(key) else key


def _worst(groups: Sequence[db.Group]) -> list[dict[str, Any]]:
    """The groups with the most schools lacking a resource person first, then by name."""
    named = [g for g in groups if g.key]
    ranked = sorted(named, key=lambda g: (-(g.total - g.covered), g.key))
    return [
        {"label": short_label(g.key), "total": g.total, "covered": g.covered,
         "missing": g.total - g.covered}
        for g in ranked[:SHOWN_GROUPS]
    ]
