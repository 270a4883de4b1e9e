"""The command language shared by Slack and the console: ``/ent …`` and ``/ent-assign …``."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable

from services import (
    assignments,
    changes,
    conversation,
    departures,
    details,
    entities,
    personal_data,
    projects,
    reports,
    retention,
    undo,
)
from services.assign_args import AssignRequest, parse_assign, quote_known_entity
from services.resolve import Ambiguous, Resolved, resolve_competence
from services.text import normalize
from services.tokenize import ParseFailure, TokenizeError, split_args
from services.turn import Reply, Turn
from services.uai import normalize_uai
from storage import limits
from storage.state import CompetenceInfo, ProjectInfo
from storage.vocab import SUCCESS_FACTORS, EntityKind

ASSIGN = "/ent-assign"
ENT = "/ent"

_SUBCOMMANDS: dict[str, str] = {
    "aide": "help",
    "help": "help",
    "?": "help",
    "statut": "status",
    "status": "status",
    "matrice": "status",
    "etat": "status",
    "lacunes": "gaps",
    "gaps": "gaps",
    "manques": "gaps",
    "questions": "questions",
    "question": "questions",
    "entite": "entity",
    "entites": "entity",
    "entity": "entity",
    "entities": "entity",
    "facteurs": "factors",
    "facteur": "factors",
    "factors": "factors",
    "historique": "history",
    "history": "history",
    "projet": "project",
    "project": "project",
    "desassigner": "unassign",
    "annuler": "undo",
    "undo": "undo",
    "defaire": "undo",
    "unassign": "unassign",
    "retirer": "unassign",
    "assigner": "assign",
    "assign": "assign",
    "contact": "contact",
    "contacts": "contact",
    "prestataire": "provider",
    "provider": "provider",
    "niveau": "service_level",
    "level": "service_level",
    "service-level": "service_level",
    "sla": "service_level",
    "notes": "notes",
    "note": "notes",
    "perenne": "keep",
    "perenniser": "keep",
    "keep": "keep",
    "competence": "competence",
    "competences": "competence",
    "ecoles": "schools",
    "ecole": "schools",
    "schools": "schools",
    "importer": "import",
    "import": "import",
    "importe": "import",
    "school": "schools",
    "etablissements": "schools",
    "perimetre": "schools",
    "local": "local",
    "locales": "local",
    "export": "export",
    "exporter": "export",
    "passation": "export",
    "handover": "export",
    "document": "export",
    "rappels": "schedule",
    "rappel": "schedule",
    "reminders": "schedule",
    "schedule": "schedule",
    "synthese": "digest",
    "digest": "digest",
    "mes-donnees": "my_data",
    "mesdonnees": "my_data",
    "my-data": "my_data",
    "mydata": "my_data",
    "oublier": "forget",
    "forget": "forget",
}
_COMPETENCE_ACTIONS = {
    "ajouter": "add",
    "add": "add",
    "creer": "add",
    "liste": "list",
    "list": "list",
}
_ENTITY_ACTIONS = {
    "ajouter": "add",
    "add": "add",
    "creer": "add",
    "nouvelle": "add",
    "liste": "list",
    "list": "list",
    "lister": "list",
    "renommer": "rename",
    "rename": "rename",
}
_PROJECT_ACTIONS = {
    "creer": "create",
    "create": "create",
    "nouveau": "create",
    "renommer": "rename",
    "rename": "rename",
    "moa": "moa",
    "territoire": "territory",
    "territory": "territory",
    "langue": "language",
    "language": "language",
    "zone": "zone",
    "chef": "lead",
    "lead": "lead",
    "clore": "close",
    "cloturer": "close",
    "fermer": "close",
    "close": "close",
}
_LANGUAGES = {
    "fr": "fr",
    "francais": "fr",
    "french": "fr",
    "en": "en",
    "anglais": "en",
    "english": "en",
}
_DONE = {
    "fait": True,
    "done": True,
    "ok": True,
    "oui": True,
    "yes": True,
    "afaire": False,
    "a-faire": False,
    "todo": False,
    "non": False,
    "no": False,
}
_RENAME_SEPARATORS = {"->", "=>", "en", "to", "→"}
_FACTOR_RANGE = re.compile(r"([0-9])(?:-|–|\.\.)([0-9])")
_ALL_FACTORS = {"tous", "tout", "toutes", "all"}


def _split_word(text: str) -> tuple[str, str]:
    """The first word and the rest; words are separated by any whitespace (tabs too)."""
    parts = text.split(maxsplit=1)
    if not parts:
        return "", ""
    return parts[0], parts[1].strip() if len(parts) > 1 else ""


def _unknown_word(turn: Turn, word: str, choices: dict[str, str], usage: str) -> Reply:
    close = difflib.get_close_matches(normalize(word), list(choices), n=1, cutoff=0.6)
    return turn.error(
        "error",
        code="unknown_command",
        fragment=word,
        suggestion=close[0] if close else None,
        usage=usage,
    )


_READ_ONLY = frozenset({"help", "status", "gaps", "history", "export"})
_LISTS = {"entity": _ENTITY_ACTIONS, "competence": _COMPETENCE_ACTIONS}
_ANY_TIME = frozenset({"help", "my_data", "forget"})
"""Allowed on a closed project, which is otherwise read-only."""
_SHOW_WHEN_BARE = frozenset({"factors", "project"})


def subcommand(text: str) -> tuple[str | None, str]:
    """The canonical name of ``/ent``'s first word (None if unknown), and the rest."""
    word, rest = _split_word(text)
    return (_SUBCOMMANDS.get(normalize(word)) if word else "help"), rest


def allowed_when_closed(command: str, text: str) -> bool:
    """Whether the command still runs on a closed project (its own data, help)."""
    return command.strip().lower() == ENT and subcommand(text)[0] in _ANY_TIME


def changes_project(command: str, text: str) -> bool:
    """Whether the command may change the project (adapters check who may do that).

    Unknown words count as changes: they are refused or explained, never applied.
    """
    name = command.strip().lower()
    if name == ASSIGN:
        return bool(text.strip())
    if name != ENT:
        return True
    sub, rest = subcommand(text)
    if sub in _READ_ONLY:
        return False
    if sub == "my_data":
        return personal_data.changes(rest)
    action, _args = _split_word(rest)
    if sub in _LISTS:
        return bool(action) and _LISTS[sub].get(normalize(action)) != "list"
    if sub in _SHOW_WHEN_BARE:
        return bool(action)
    if sub == "schools":
        from services import schools

        return schools.changes_project(rest)
    if sub == "local":
        from services import school_people

        return school_people.local_changes(rest)
    if sub == "schedule":
        from services import schedule_commands

        return schedule_commands.changes(rest)
    return True


def starts_conversation(command: str, text: str) -> bool:
    """``/ent questions …``: its replies open the conversation."""
    return command.strip().lower() == ENT and subcommand(text)[0] == "questions"


def is_help(command: str, text: str) -> bool:
    return command.strip().lower() == ENT and subcommand(text)[0] == "help"


def run(turn: Turn, command: str, text: str) -> list[Reply]:
    """Run one slash command; the adapters give the command name and its text."""
    name = command.strip().lower()
    if name == ASSIGN:
        if not text.strip():
            return [turn.reply("assign_usage")]
        return [assign_text(turn, text)]
    if name != ENT:
        return [_unknown_word(turn, command.strip(), {ENT: ENT, ASSIGN: ASSIGN}, "help")]
    word, rest = _split_word(text)
    if not word:
        return [help_reply(turn)]
    sub = _SUBCOMMANDS.get(normalize(word))
    if sub is None:
        return [_unknown_word(turn, word, _SUBCOMMANDS, "help")]
    if sub == "help":
        return [help_reply(turn)]
    if sub == "project":
        return [project_command(turn, rest)]
    if sub == "my_data":
        return personal_data.command(turn, rest)
    project = turn.project
    if project is None:
        return [turn.error("no_project")]
    handlers: dict[str, Callable[[Turn, ProjectInfo, str], list[Reply]]] = {
        "status": lambda t, p, _r: [reports.status(t, p)],
        "gaps": lambda t, p, r: [reports.gaps(t, p, r)],
        "questions": conversation.start,
        "entity": lambda t, p, r: [entity_command(t, p, r)],
        "factors": lambda t, p, r: [factors_command(t, p, r)],
        "history": lambda t, p, r: [history_command(t, p, r)],
        "unassign": unassign_command,
        "undo": lambda t, p, _r: [undo.undo(t, p)],
        "assign": lambda t, _p, r: [assign_text(t, r)],
        "contact": lambda t, p, r: departures.remove_command(t, p, r)
        if departures.is_remove(r) else [details.add_contacts(t, p, r)],
        "provider": lambda t, p, r: [details.set_text(t, p, "provider", r, "provider")],
        "service_level": lambda t, p, r: [
            details.set_text(t, p, "service_level", r, "service_level")
        ],
        "notes": lambda t, p, r: [details.set_text(t, p, "notes", r, "notes")],
        "keep": lambda t, p, r: [details.set_keep(t, p, r)],
        "competence": lambda t, p, r: [competence_command(t, p, r)],
        "schools": _schools,
        "import": lambda t, _p, _r: [t.error("matrix_error", code="upload_needed")],
        "export": _export,
        "local": _local,
        "forget": personal_data.forget,
        "schedule": _schedule,
        "digest": _digest,
    }
    return handlers[sub](turn, project, rest)


def help_reply(turn: Turn) -> Reply:
    return turn.reply("help", project=turn.project)


def competence_or_error(
    turn: Turn, project: ProjectInfo, ref: str, usage: str
) -> CompetenceInfo | Reply:
    if not ref.strip():
        return turn.error("error", code="missing_competence", fragment="", usage=usage)
    result = resolve_competence(ref, turn.store.competences(project.id))
    if isinstance(result, Resolved):
        return result.item
    if isinstance(result, Ambiguous):
        return turn.error(
            "error",
            code="ambiguous_competence",
            fragment=ref,
            candidates=result.candidates,
            usage=usage,
        )
    return turn.error(
        "error",
        code="out_of_range" if result.out_of_range else "unknown_competence",
        fragment=ref,
        candidates=result.suggestions,
        usage=usage,
    )


def assign_text(turn: Turn, text: str) -> Reply:
    """``/ent-assign <compétence> <entité> [interne|externe|mixte] [@contacts…] [pérenne]``."""
    project = turn.project
    if project is None:
        return turn.error("no_project")
    competences = turn.store.competences(project.id)
    request = parse_assign(text, competences)
    if isinstance(request, ParseFailure):
        return turn.error(
            "error",
            code=request.code.value,
            fragment=request.fragment,
            candidates=request.candidates,
            usage="assign",
        )
    known = turn.store.entities(project.id)
    if request.provider is not None or request.service_level is not None:
        problem = _details_problem(turn, request)
        if problem is not None:
            return problem
    if not any(normalize(e.name) == normalize(request.entity_name) for e in known):
        rewritten = quote_known_entity(text, [e.name for e in known])
        retry = parse_assign(rewritten, competences) if rewritten else None
        if isinstance(retry, AssignRequest) and normalize(retry.entity_name).endswith(
            normalize(request.entity_name)
        ):
            request = retry
    found = entities.find_or_confirm(
        turn, project, [request.entity_name], {"op": "assign", "text": text}, "assign", known
    )
    if isinstance(found, Reply):
        return found
    owner = assignments.Owner(
        found[0],
        request.sourcing.value if request.sourcing else None,
        request.contacts,
        request.keep.value if request.keep else None,
        request.provider,
        request.service_level,
    )
    return assignments.assign_many(turn, project, request.competences, owner, known)


def _details_problem(turn: Turn, request: AssignRequest) -> Reply | None:
    for field in ("provider", "service_level"):
        value = getattr(request, field)
        if value is not None:
            problem = entities.name_problem(turn, value, field, limits.DETAILS[field])
            if problem is not None:
                return problem
    return None


def competence_command(turn: Turn, project: ProjectInfo, rest: str) -> Reply:
    word, args = _split_word(rest)
    action = _COMPETENCE_ACTIONS.get(normalize(word)) if word else "list"
    if action is None:
        return _unknown_word(turn, word, _COMPETENCE_ACTIONS, "competence_add")
    if action == "list":
        return reports.status(turn, project)
    return details.add_competence(turn, project, args)


def unassign_command(turn: Turn, project: ProjectInfo, rest: str) -> list[Reply]:
    if not rest.strip():
        return [turn.error("error", code="missing_competence", fragment="", usage="unassign")]
    found = details.split_competences(turn, project, rest, "unassign")
    if isinstance(found, Reply):
        return [found]
    competences, extra = found
    if extra:
        return [turn.error("error", code="unknown_competence", fragment=extra, usage="unassign")]
    return [assignments.unassign_many(turn, project, competences)]


def history_command(turn: Turn, project: ProjectInfo, rest: str) -> Reply:
    competence: CompetenceInfo | None = None
    if rest.strip():
        found = competence_or_error(turn, project, rest, "history")
        if isinstance(found, Reply):
            return found
        competence = found
    return reports.history(turn, project, competence)


def _tokens(turn: Turn, text: str, usage: str) -> list[str] | Reply:
    try:
        return [token.value for token in split_args(text)]
    except TokenizeError as exc:
        return turn.error("error", code="unbalanced_quote", fragment=exc.fragment, usage=usage)


def entity_command(turn: Turn, project: ProjectInfo, rest: str) -> Reply:
    word, args = _split_word(rest)
    if not word:
        return reports.entities(turn, project)
    action = _ENTITY_ACTIONS.get(normalize(word))
    if action is None:
        return _unknown_word(turn, word, _ENTITY_ACTIONS, "entity")
    if action == "list":
        return reports.entities(turn, project)
    tokens = _tokens(turn, args, "entity_" + action)
    if isinstance(tokens, Reply):
        return tokens
    if action == "add":
        return add_entity(turn, project, tokens)
    return rename_entity(turn, project, tokens)


def _entity_groups(tokens: list[str]) -> list[list[str]]:
    """``DSI collectivité, DANE académie``: one group of words per entity."""
    groups: list[list[str]] = [[]]
    for token in tokens:
        stripped = token.rstrip(",;")
        if stripped:
            groups[-1].append(stripped)
        if stripped != token:
            groups.append([])
    return [group for group in groups if group]


def _new_entity(
    turn: Turn, tokens: list[str], usage: str
) -> tuple[str, EntityKind | None, str | None] | Reply:
    """One entity to add: its name, and the kind and UAI typed after it."""
    kind: EntityKind | None = None
    uai: str | None = None
    words: list[str] = []
    for token in tokens:
        key = normalize(token)
        candidate = normalize_uai(token)
        if len(candidate) == 8 and candidate[:7].isascii() and candidate[:7].isdigit():
            problem = entities.uai_problem(turn, candidate, usage)
            if problem is not None:
                return problem
            uai = candidate
        elif key in entities.KIND_KEYWORDS and words:
            kind = entities.KIND_KEYWORDS[key]
        else:
            words.append(token)
    name = " ".join(words).strip()
    problem = entities.name_problem(turn, name, usage)
    if problem is not None:
        return problem
    return name, kind, uai


def add_entity(turn: Turn, project: ProjectInfo, tokens: list[str]) -> Reply:
    """``/ent entite ajouter <nom> [type] [UAI]``, or several separated by commas: one is
    created at once, several after one confirmation."""
    usage = "entity_add"
    wanted: list[tuple[str, EntityKind | None, str | None]] = []
    for group in _entity_groups(tokens) or [[]]:
        found = _new_entity(turn, group, usage)
        if isinstance(found, Reply):
            return found
        wanted.append(found)
    existing = {normalize(entity.name) for entity in turn.store.entities(project.id)}
    seen: set[str] = set()
    for name, _kind, _uai in wanted:
        key = normalize(name)
        if key in existing or key in seen:
            return turn.error("error", code="entity_exists", fragment=name, usage=usage)
        seen.add(key)
    if len(wanted) > 1:
        return entities.confirm(
            turn,
            project,
            [name for name, _kind, _uai in wanted],
            {name: kind.value for name, kind, _uai in wanted if kind is not None},
            {name: uai for name, _kind, uai in wanted if uai is not None},
            {},
        )
    name, kind, uai = wanted[0]
    entity = entities.create(turn, project, name, kind, uai)
    return turn.announce("entity_added", entity=entity)


def rename_entity(turn: Turn, project: ProjectInfo, tokens: list[str]) -> Reply:
    usage = "entity_rename"
    if len(tokens) > 2:
        split = next((i for i, t in enumerate(tokens) if t.lower() in _RENAME_SEPARATORS), None)
        if split is not None:
            tokens = [" ".join(tokens[:split]), " ".join(tokens[split + 1 :])]
    if len(tokens) != 2 or not all(t.strip() for t in tokens):
        return turn.error("error", code="rename_args", fragment=" ".join(tokens), usage=usage)
    old_name, new_name = (t.strip() for t in tokens)
    existing = turn.store.entities(project.id)
    target = next((e for e in existing if normalize(e.name) == normalize(old_name)), None)
    if target is None:
        return turn.error(
            "error",
            code="unknown_entity",
            fragment=old_name,
            candidates=[e.name for e in existing][:10],
            usage=usage,
        )
    problem = entities.name_problem(turn, new_name, usage)
    if problem is not None:
        return problem
    clash = next((e for e in existing if normalize(e.name) == normalize(new_name)), None)
    if clash is not None and clash.id != target.id:
        return turn.error("error", code="entity_exists", fragment=new_name, usage=usage)
    if target.name == new_name:
        return turn.reply("entity_unchanged", entity=target)
    changes.rename_entity(turn, project, target, new_name, normalize(new_name))
    return turn.announce("entity_renamed", old=target.name, new=new_name)


def factors_command(turn: Turn, project: ProjectInfo, rest: str) -> Reply:
    words = rest.replace(",", " ").split()
    if not words:
        return reports.factors(turn, project)
    numbers: list[int] = []
    done: bool | None = None
    for word in words:
        key = normalize(word)
        span = _FACTOR_RANGE.fullmatch(word)
        if key in _DONE:
            done = _DONE[key]
        elif key in _ALL_FACTORS:
            numbers.extend(SUCCESS_FACTORS)
        elif span and all(int(n) in SUCCESS_FACTORS for n in span.groups()):
            low, high = sorted(int(n) for n in span.groups())
            numbers.extend(range(low, high + 1))
        elif word.isascii() and word.isdigit() and int(word) in SUCCESS_FACTORS:
            numbers.append(int(word))
        else:
            return turn.error("error", code="bad_factor", fragment=word, usage="factors")
    if not numbers:
        return turn.error("error", code="bad_factor", fragment=rest, usage="factors")
    done = True if done is None else done
    state = turn.store.load_state(project)
    changed = [
        number
        for number in dict.fromkeys(numbers)
        if not (number in state.factors and state.factors[number] == done)
    ]
    changes.save_factor(turn, project, changed, done, state.factors)
    if not changed:
        return reports.factors(turn, project)
    now = {**state.factors, **dict.fromkeys(changed, done)}
    already = [n for n in dict.fromkeys(numbers) if n not in changed]
    return turn.announce(
        "factors_changed", numbers=changed, done=done, already=already, factors=now
    )


def project_command(turn: Turn, rest: str) -> Reply:
    word, args = _split_word(rest)
    project = turn.project
    if not word:
        if project is None:
            return turn.error("no_project")
        return reports.status(turn, project)
    action = _PROJECT_ACTIONS.get(normalize(word))
    if action is None:
        return _unknown_word(turn, word, _PROJECT_ACTIONS, "project")
    name = _unquote(args)
    if action == "create":
        return projects.create(turn, name, "project_create")
    if project is None:
        return turn.error("no_project")
    if action in {"zone", "lead"}:
        from services import schedule_commands

        if action == "zone":
            return schedule_commands.set_zone(turn, project, args)
        return schedule_commands.set_lead(turn, project, args)
    if action == "close":
        return retention.close(turn, project)
    if action == "rename":
        return projects.rename(turn, project, name, "project_rename")
    if action == "territory":
        kind = projects.territory_of(name)
        if kind is None:
            return turn.error(
                "error", code="bad_territory", fragment=name, usage="project_territory"
            )
        updated = projects.update(turn, project, "territory_kind", kind.value)
        return turn.announce("project_set", project=updated, field="territory_kind")
    if action == "language":
        language = _LANGUAGES.get(normalize(name))
        if language is None:
            return turn.error("error", code="bad_language", fragment=name, usage="project_language")
        updated = projects.update(turn, project, "language", language)
        return turn.announce("project_set", project=updated, field="language")
    result = projects.set_moa(turn, project, name, "project_moa")
    if isinstance(result, Reply):
        return result
    return turn.announce("moa_set", project=result)


def _unquote(text: str) -> str:
    text = text.strip()
    for left, right in (('"', '"'), ("«", "»"), ("“", "”")):
        if len(text) >= 2 and text.startswith(left) and text.endswith(right):
            return text[1:-1].strip()
    return text


# The rarely used subcommands, whose modules (tables, calendar, spreadsheets) are loaded
# on first use rather than when the bot starts.


def _schools(turn: Turn, project: ProjectInfo, text: str) -> list[Reply]:
    from services import schools

    return schools.command(turn, project, text)


def _local(turn: Turn, project: ProjectInfo, text: str) -> list[Reply]:
    from services import school_people

    return [school_people.local_command(turn, project, text)]


def _export(turn: Turn, project: ProjectInfo, text: str) -> list[Reply]:
    from services import export

    return export.console_only(turn, project, text)


def _schedule(turn: Turn, project: ProjectInfo, text: str) -> list[Reply]:
    from services import schedule_commands

    return schedule_commands.command(turn, project, text)


def _digest(turn: Turn, project: ProjectInfo, _text: str) -> list[Reply]:
    from services import schedule_commands

    return schedule_commands.digest_now(turn, project)
