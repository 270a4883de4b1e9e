"""Bring the spreadsheet: a matrix kept in a CSV file, one row per competence.

Reading the file is pure (:func:`read_matrix`); :func:`check_file` shows what would change
and leaves a pending confirmation; :func:`apply` writes it after ``oui``, creating the
unknown entities, in the transaction of that answer (the project already locked).
A blank cell leaves its field as it is; the rules of ``/ent-assign`` apply otherwise
(a new entity starts with no contact unless named, an external one is its own provider).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from services import changes, entities
from services.answers import extract_mentions, parse_keep, parse_sourcing, parse_yes_no
from services.assignments import Owner, contacts_problem, owner_values, update_many
from services.csv_files import FileProblem, read_rows
from services.resolve import Ambiguous, Resolved, resolve_competence, resolve_entity
from services.text import has_control_chars, match_key, normalize
from services.turn import Reply, Turn
from storage import limits
from storage.state import AssignmentInfo, CompetenceInfo, EntityInfo, ProjectInfo
from storage.vocab import EntityKind

MATRIX_IMPORT = "matrix_import"
"""The pending kind: a checked matrix waiting for ``oui``."""
MAX_ROWS = 500
SHOWN_BAD = 10
SHOWN_DIFF = 40
_COLUMNS: dict[str, tuple[str, ...]] = {
    "number": ("n", "no", "num", "numero", "nr", "number"),
    "competence": ("competence", "competences", "competency", "skill", "intitule", "libelle"),
    "entity": ("entite", "entite responsable", "entity", "responsable", "owner", "porteur",
               "structure", "organisation"),
    "sourcing": ("sourcing", "mode", "interne externe", "internalisation", "source"),
    "contacts": ("contacts", "contact", "personnes", "personne", "people", "referents",
                 "referent", "person"),
    "keep": ("perenne", "perennite", "keep", "a garder", "perennisation", "a perenniser",
             "perennise"),
    "provider": ("prestataire", "provider", "fournisseur", "supplier", "vendor"),
    "service_level": ("niveau de service", "niveau", "service level", "sla",
                      "niveau de service attendu"),
    "notes": ("notes", "note", "remarques", "remarque", "commentaire", "commentaires",
              "comments", "comment"),
}
COLUMN_LABELS = {"competence": "Compétence", "entity": "Entité"}
_PEOPLE_SEPARATOR = re.compile(r"[,;/\n]+")
_LEADING_NUMBER = re.compile(r"\s*#?([0-9]{1,3})\b")
_TEXT_LIMITS = {"provider": limits.PROVIDER, "service_level": limits.SERVICE_LEVEL,
                "notes": limits.NOTES}


@dataclass(frozen=True, slots=True)
class MatrixRow:
    """One correct row: a competence and what the file says of it (None: left as is)."""

    line: int
    competence: CompetenceInfo
    entity: str
    sourcing: str | None = None
    contacts: tuple[str, ...] = ()
    keep: str | None = None
    provider: str | None = None
    service_level: str | None = None
    notes: str | None = None


@dataclass(frozen=True, slots=True)
class BadRow:
    line: int
    cell: str
    """The competence as the row names it."""
    problem: str
    """``unknown_competence``, ``ambiguous_competence``, ``duplicate``, ``missing_entity``,
    ``bad_entity``, ``ambiguous_entity``, ``bad_sourcing``, ``bad_keep``, ``bad_contacts``,
    ``too_long``."""
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Matrix:
    rows: list[MatrixRow]
    bad: list[BadRow]
    encoding: str


def _column_map(header: Sequence[str]) -> dict[str, int]:
    keys = [match_key(cell) for cell in header]
    found: dict[str, int] = {}
    for exact in (True, False):
        for name, aliases in _COLUMNS.items():
            if name in found:
                continue
            for index, key in enumerate(keys):
                if index in found.values() or not key:
                    continue
                if key in aliases if exact else any(key.startswith(a + " ") for a in aliases):
                    found[name] = index
                    break
    return found


def read_matrix(
    data: bytes, competences: Sequence[CompetenceInfo], existing: Sequence[EntityInfo]
) -> Matrix | FileProblem:
    """Parse and check a matrix file; a problem with the whole file refuses all of it."""
    read = read_rows(data)
    if isinstance(read, FileProblem):
        return read
    rows, encoding = read
    if len(rows) > MAX_ROWS + 1:
        return FileProblem("too_many_rows", (str(MAX_ROWS),))
    columns = _column_map(rows[0][1])
    missing = [label for name, label in COLUMN_LABELS.items()
               if name not in columns and not (name == "competence" and "number" in columns)]
    if missing:
        return FileProblem("missing_columns", tuple(missing))
    good: list[MatrixRow] = []
    bad: list[BadRow] = []
    seen: dict[int, int] = {}
    for line, cells in rows[1:]:
        values = {name: cells[i].strip() if i < len(cells) else ""
                  for name, i in columns.items()}
        checked = _check(line, values, competences, existing, seen)
        if isinstance(checked, BadRow):
            bad.append(checked)
        elif checked is not None:
            good.append(checked)
    if not good and not bad:
        return FileProblem("no_rows")
    return Matrix(good, bad, encoding)


def _competence(
    values: Mapping[str, str], competences: Sequence[CompetenceInfo]
) -> CompetenceInfo | BadRow | None:
    refs = [values.get("number", ""), values.get("competence", "")]
    cell = next((ref for ref in refs if ref), "")
    if not cell:
        return None
    problem = "unknown_competence"
    for ref in [r for r in refs if r]:
        found = resolve_competence(ref, competences)
        if isinstance(found, Resolved):
            return found.item
        if isinstance(found, Ambiguous):
            problem = "ambiguous_competence"
        number = _LEADING_NUMBER.match(ref)
        if number is not None:
            by_number = resolve_competence(number.group(1), competences)
            if isinstance(by_number, Resolved):
                return by_number.item
    return BadRow(0, cell[:60], problem)


def _check(
    line: int,
    values: Mapping[str, str],
    competences: Sequence[CompetenceInfo],
    existing: Sequence[EntityInfo],
    seen: dict[int, int],
) -> MatrixRow | BadRow | None:
    competence = _competence(values, competences)
    if competence is None:
        if any(values.values()):
            return BadRow(line, "", "unknown_competence")
        return None
    if isinstance(competence, BadRow):
        return BadRow(line, competence.cell, competence.problem)
    cell = f"{competence.number}"
    if competence.id in seen:
        return BadRow(line, cell, "duplicate", str(seen[competence.id]))
    seen[competence.id] = line
    details = {k: v for k, v in values.items() if k not in {"number", "competence"}}
    name = " ".join(details.pop("entity", "").split())
    if not name:
        return BadRow(line, cell, "missing_entity") if any(details.values()) else None
    entity = _entity(name, existing)
    if isinstance(entity, BadRow):
        return BadRow(line, cell, entity.problem, entity.detail)
    sourcing = parse_sourcing(details.get("sourcing", "")) if details.get("sourcing") else None
    if details.get("sourcing") and sourcing is None:
        return BadRow(line, cell, "bad_sourcing", details["sourcing"][:40])
    keep = parse_keep(details.get("keep", "")) if details.get("keep") else None
    if details.get("keep") and keep is None:
        return BadRow(line, cell, "bad_keep", details["keep"][:40])
    contacts = _people(details.get("contacts", ""))
    if contacts is None:
        return BadRow(line, cell, "bad_contacts", details["contacts"][:40])
    texts: dict[str, str | None] = {}
    for field, limit in _TEXT_LIMITS.items():
        text = " ".join(details.get(field, "").split()) or None
        if text is not None and (len(text) > limit or has_control_chars(text)):
            return BadRow(line, cell, "too_long", field)
        texts[field] = text
    return MatrixRow(line, competence, entity, sourcing.value if sourcing else None, contacts,
                     keep.value if keep else None, texts["provider"], texts["service_level"],
                     texts["notes"])


def _entity(name: str, existing: Sequence[EntityInfo]) -> str | BadRow:
    """The existing entity's name, or the new name when it can be stored."""
    found = resolve_entity(name, existing)
    if isinstance(found, Resolved):
        return found.item.name
    if isinstance(found, Ambiguous):
        return BadRow(0, "", "ambiguous_entity",
                      ", ".join(e.name for e in found.candidates[:3]))
    too_long = max(len(name), len(normalize(name))) > limits.ENTITY_NAME
    if too_long or has_control_chars(name) or parse_yes_no(name) is not None:
        return BadRow(0, "", "bad_entity", name[:40])
    return name


def _people(cell: str) -> tuple[str, ...] | None:
    """Slack mentions, ``@names`` and plain names, separated by ``,`` ``;`` or ``/``."""
    mentions, rest = extract_mentions(cell)
    names = [" ".join(p.split()) for p in _PEOPLE_SEPARATOR.split(rest) if p.strip()]
    people = tuple(dict.fromkeys([*mentions, *names]))
    if len(people) > limits.CONTACTS:
        return None
    if any(len(p) > limits.PERSON or has_control_chars(p) for p in people):
        return None
    return people


# ---------------------------------------------------------------------------- requests


def check_file(turn: Turn, data: bytes, source: str, usage: str = "matrix") -> list[Reply]:
    """Show what the file would change; leave it pending until ``oui``."""
    project = turn.project
    if project is None:
        return [turn.error("no_project")]
    known = turn.store.entities(project.id)
    competences = turn.store.competences(project.id)
    matrix = read_matrix(data, competences, known)
    if isinstance(matrix, FileProblem):
        return [turn.error("matrix_error", code=matrix.code, fragment=source,
                           detail=list(matrix.detail), usage=usage)]
    current = turn.store.assignments(project.id)
    new_names = _new_names(matrix.rows, known)
    draft = {n: EntityInfo(-i - 1, n, entities.infer_kind(n).value)
             for i, n in enumerate(new_names)}
    diff = _diff(matrix.rows, current, [*known, *draft.values()])
    data_out: dict[str, Any] = {
        "source": source, "diff": diff[:SHOWN_DIFF], "changed": len(diff),
        "unchanged": len(matrix.rows) - len(diff),
        "new_entities": [{"name": e.name, "kind": e.kind} for e in draft.values()],
        "bad": matrix.bad[:SHOWN_BAD], "bad_count": len(matrix.bad),
    }
    caller = turn.caller
    if not diff:
        turn.store.clear_pending(caller.workspace_id, caller.user_id)
        return [turn.reply("matrix_preview", pending=False, **data_out)]
    turn.store.set_pending(caller.workspace_id, turn.actor, project.id, MATRIX_IMPORT, {
        "source": source[:200],
        "rows": [_payload(row) for row in matrix.rows],
        "kinds": {e.name: e.kind for e in draft.values()},
        "bad_count": len(matrix.bad),
    })
    return [turn.reply("matrix_preview", pending=True, **data_out)]


def _new_names(rows: Sequence[MatrixRow], known: Sequence[EntityInfo]) -> list[str]:
    have = {normalize(e.name) for e in known}
    names: dict[str, str] = {}
    for row in rows:
        key = normalize(row.entity)
        if key not in have:
            names.setdefault(key, row.entity)
    return list(names.values())


def _by_name(entity_list: Sequence[EntityInfo]) -> dict[str, EntityInfo]:
    return {normalize(e.name): e for e in entity_list}


def _wanted(
    rows: Sequence[MatrixRow], current: Mapping[int, AssignmentInfo],
    entity_list: Sequence[EntityInfo],
) -> list[tuple[CompetenceInfo, dict[str, Any]]]:
    by_name = _by_name(entity_list)
    wanted = []
    for row in rows:
        owner = Owner(by_name[normalize(row.entity)], row.sourcing, row.contacts, row.keep,
                      row.provider, row.service_level, row.notes)
        wanted.append((row.competence, owner_values(owner, current.get(row.competence.id))))
    return wanted


def _diff(
    rows: Sequence[MatrixRow], current: Mapping[int, AssignmentInfo],
    entity_list: Sequence[EntityInfo],
) -> list[dict[str, Any]]:
    names = {e.id: e.name for e in entity_list}
    diff = []
    for competence, values in _wanted(rows, current, entity_list):
        done = changes.edit(competence, current.get(competence.id), values)
        if done.changed:
            diff.append({"competence": competence, "fields": [
                {"field": name,
                 "old": changes.as_text(name, getattr(done.old, name), names),
                 "new": changes.as_text(name, getattr(done.new, name), names)}
                for name in done.changed]})
    return diff


def _payload(row: MatrixRow) -> dict[str, Any]:
    return {"line": row.line, "competence": row.competence.id, "entity": row.entity,
            "sourcing": row.sourcing, "contacts": list(row.contacts), "keep": row.keep,
            "provider": row.provider, "service_level": row.service_level, "notes": row.notes}


def apply(turn: Turn, project: ProjectInfo, payload: Mapping[str, Any]) -> list[Reply]:
    """Create the unknown entities and write the matrix, with its history (a closed
    project is refused by the assistant, as for any change)."""
    competences = {c.id: c for c in turn.store.competences(project.id)}
    rows = [
        MatrixRow(int(r["line"]), competences[int(r["competence"])], str(r["entity"]),
                  r.get("sourcing"), tuple(r.get("contacts") or ()), r.get("keep"),
                  r.get("provider"), r.get("service_level"), r.get("notes"))
        for r in payload.get("rows", []) if int(r["competence"]) in competences
    ]
    known = list(turn.store.entities(project.id))
    kinds: dict[str, str] = dict(payload.get("kinds", {}))
    created = []
    for name in _new_names(rows, known):
        kind = kinds.get(name)
        known.append(entities.create(turn, project, name, EntityKind(kind) if kind else None))
        created.append(name)
    for row in rows:
        problem = contacts_problem(turn, row.contacts, "matrix") if row.contacts else None
        if problem is not None:
            return [problem]
    current = turn.store.assignments(project.id)
    done = update_many(turn, project, current, _wanted(rows, current, known), known)
    source = str(payload.get("source", ""))
    if not done and not created:
        return [turn.reply("matrix_applied", source=source, competences=[], created=[],
                           skipped=int(payload.get("bad_count", 0)))]
    return [turn.announce("matrix_applied", source=source,
                          competences=[e.competence for e in done], created=created,
                          skipped=int(payload.get("bad_count", 0)))]
