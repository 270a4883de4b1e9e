"""The handover document: everything the team decided, as Markdown, CSV or ODS.

:func:`handover` reads the project in a fixed number of statements; :func:`sheets` lays it
out as tables whose words come from a labels template; :func:`to_csv` and :func:`to_ods`
turn the tables into file contents. Nothing here touches the file system.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from services import gaps as gap_analysis
from services import school_people
from services.gaps import Coverage, Gap
from services.person_names import shown
from services.text import match_key
from services.turn import Reply, Turn
from storage import person_names, privacy
from storage import schools as db
from storage.state import ProjectInfo, ProjectState
from storage.store import HistoryRow, utcnow
from storage.vocab import KEY_QUESTIONS, SUCCESS_FACTORS

FORMATS: dict[str, str] = {
    "md": "md",
    "markdown": "md",
    "csv": "csv",
    "ods": "ods",
    "tableur": "ods",
    "spreadsheet": "ods",
    "opendocument": "ods",
}
HISTORY_LIMIT = 5000
Value = str | int | None


@dataclass(frozen=True, slots=True)
class Handover:
    project: ProjectInfo
    state: ProjectState
    rows: list[dict[str, Any]]
    overall: Coverage
    families: list[Coverage]
    gaps: list[Gap]
    history: list[HistoryRow]
    coverage: db.Coverage
    schools: list[db.SchoolInfo]
    local: list[dict[str, Any]]
    generated_at: datetime = field(default_factory=utcnow)
    names: Mapping[str, str] = field(default_factory=dict)
    """The names Slack shows for the workspace's people: the document is read outside Slack."""

    def who(self, value: str | None) -> str:
        """A person, a list of people or a text, with each person whose name is known
        written ``@name`` (others as stored)."""
        return "" if value is None else shown(value, self.names)


@dataclass(frozen=True, slots=True)
class Sheet:
    name: str
    header: list[str]
    rows: list[list[Value]]


def console_only(turn: Turn, _project: ProjectInfo, _rest: str) -> list[Reply]:
    """In chat, the export is not written on the server's disk."""
    return [turn.error("export_error", code="console_only", fragment="")]


def format_and_output(words: Sequence[str]) -> tuple[str, str | None]:
    """``[format] [file]``: a lone word with a dot or a slash is the file, its extension the
    format (``out.ods``); any other lone word is the format."""
    if len(words) == 1 and ("." in words[0] or "/" in words[0]):
        suffix = words[0].rsplit(".", 1)[-1] if "." in words[0] else ""
        return (suffix if parse_format(suffix) else "md"), words[0]
    if not words:
        return "", None
    return words[0], " ".join(words[1:]) or None


def parse_format(word: str) -> str | None:
    return FORMATS.get(match_key(word)) if word else "md"


def handover(turn: Turn, project: ProjectInfo) -> Handover:
    """The project as the document shows it (a fixed number of statements)."""
    state = turn.store.load_state(project)
    overall, families = gap_analysis.coverage(state)
    rows = []
    for competence in state.competences:
        assignment = state.assignments.get(competence.id)
        entity = state.entity(assignment.entity_id) if assignment else None
        rows.append({"competence": competence, "a": assignment, "entity": entity})
    connection = turn.store.connection
    found = db.coverage(connection, project.id, 0, 0)
    return Handover(
        project=project,
        state=state,
        rows=rows,
        overall=overall,
        families=families,
        gaps=gap_analysis.analyse(state, privacy.contacts_left(connection, project.id)),
        history=turn.store.history(project.id, None, HISTORY_LIMIT),
        coverage=found,
        schools=db.schools(connection, project.id),
        local=school_people.local_view(turn, project, found),
        names=person_names.of_workspace(connection, project.workspace_id),
    )


def prepare(turn: Turn, fmt: str) -> list[Reply]:
    """A reply carrying the handover data; the adapter writes the file, then says where."""
    project = turn.project
    if project is None:
        return [turn.error("no_project")]
    return [turn.reply("export_written", format=fmt, handover=handover(turn, project))]


def file_name(project: ProjectInfo, fmt: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", match_key(project.name)).strip("-")[:60] or "projet"
    return f"{slug}-passation.{fmt}"


def _label(labels: Mapping[str, str], key: str, default: str = "") -> str:
    return labels.get(key, default or key)


def sheets(h: Handover, labels: Mapping[str, str]) -> list[Sheet]:
    """The document's parts as tables, in the project's language (``labels``)."""
    language = h.project.language

    def value(kind: str, v: str | None) -> str:
        return "" if v is None else _label(labels, f"{kind}_{v}", v)

    matrix = Sheet(
        _label(labels, "sheet_matrix"),
        [_label(labels, f"col_{k}") for k in ("number", "competence", "entity", "kind",
                                               "sourcing", "contacts", "provider",
                                               "service_level", "keep", "notes",
                                               "updated_by", "updated_at")],
        [
            [
                r["competence"].number,
                r["competence"].label(language),
                r["entity"].name if r["entity"] else "",
                value("kind", r["entity"].kind) if r["entity"] else "",
                value("sourcing", r["a"].sourcing) if r["a"] else "",
                h.who(", ".join(r["a"].contacts)) if r["a"] else "",
                (r["a"].provider or "") if r["a"] else "",
                (r["a"].service_level or "") if r["a"] else "",
                value("keep", r["a"].keep if r["a"] else "a_decider"),
                h.who(r["a"].notes) if r["a"] else "",
                h.who(r["a"].updated_by) if r["a"] else "",
                _when(r["a"].updated_at) if r["a"] else "",
            ]
            for r in h.rows
        ],
    )
    answers = Sheet(
        _label(labels, "sheet_answers"),
        [_label(labels, f"col_{k}") for k in ("number", "question", "answer", "by", "at")],
        [
            [
                n,
                _label(labels, f"question_{n}"),
                h.who(h.state.answers[n].text) if n in h.state.answers else "",
                h.who(h.state.answers[n].answered_by) if n in h.state.answers else "",
                _when(h.state.answers[n].answered_at) if n in h.state.answers else "",
            ]
            for n in KEY_QUESTIONS
        ],
    )
    factors = Sheet(
        _label(labels, "sheet_factors"),
        [_label(labels, f"col_{k}") for k in ("number", "factor", "done")],
        [
            [n, _label(labels, f"factor_{n}"),
             _label(labels, "yes" if h.state.factors.get(n) else "no")]
            for n in SUCCESS_FACTORS
        ],
    )
    local = Sheet(
        _label(labels, "sheet_local"),
        [_label(labels, f"col_{k}") for k in ("group", "name", "schools", "covered")],
        [["", _label(labels, "all_schools"), h.coverage.total, h.coverage.covered]]
        + [[_label(labels, "col_kind"), g.key, g.total, g.covered] for g in h.coverage.by_kind]
        + [[_label(labels, "col_circonscription"), g.key, g.total, g.covered]
           for g in h.coverage.by_circonscription if g.key]
        + [[_label(labels, "col_commune"), g.key, g.total, g.covered]
           for g in h.coverage.by_commune]
        + [[_label(labels, "col_competence"), f"{c['competence'].number}. "
            f"{c['competence'].label(language)}", h.coverage.total, c["schools"]]
           for c in h.local],
    )
    schools = Sheet(
        _label(labels, "sheet_schools"),
        [_label(labels, f"col_{k}") for k in ("uai", "name", "kind", "statut", "commune",
                                               "circonscription", "etat", "referent")],
        [
            [s.uai, s.name, s.kind_label, value("statut", s.statut), s.commune,
             s.circonscription, value("etat", s.etat.replace(" ", "_")), h.who(s.referent)]
            for s in h.schools
        ],
    )
    gaps = Sheet(
        _label(labels, "sheet_gaps"),
        [_label(labels, f"col_{k}") for k in ("severity", "gap", "subject", "owner")],
        [
            [
                value("severity", str(int(g.severity))),
                value("gap", g.kind.value),
                (f"{g.competence.number}. {g.competence.label(language)}" if g.competence
                 else f"{_label(labels, 'col_question')} {g.question}" if g.question
                 else f"{_label(labels, 'col_factor')} {g.factor}"),
                g.owner.name if g.owner else "",
            ]
            for g in h.gaps
        ],
    )
    history = Sheet(
        _label(labels, "sheet_history"),
        [_label(labels, f"col_{k}") for k in ("at", "by", "action", "subject", "field",
                                               "before", "after")],
        [[_when(r.at), h.who(r.actor), r.action, r.subject, r.field, h.who(r.old_value),
          h.who(r.new_value)] for r in h.history],
    )
    return [matrix, answers, factors, local, schools, gaps, history]


def _when(value: datetime | None) -> str:
    return "" if value is None else value.strftime("%Y-%m-%d %H:%M")


def to_csv(parts: Sequence[Sheet]) -> bytes:
    """One ``;``-separated file, UTF-8 with a byte-order mark: each part under its title."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    for index, sheet in enumerate(parts):
        if index:
            writer.writerow([])
        writer.writerow([sheet.name])
        writer.writerow(sheet.header)
        writer.writerows([["" if v is None else v for v in row] for row in sheet.rows])
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")


_ODS_NAMESPACES = (
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _ods_cell(value: Value) -> str:
    if value is None or value == "":
        return "<table:table-cell/>"
    if isinstance(value, int):
        return (f'<table:table-cell office:value-type="float" office:value="{value}">'
                f"<text:p>{value}</text:p></table:table-cell>")
    text = escape(_NOT_XML.sub("", value))
    return (f'<table:table-cell office:value-type="string"><text:p>{text}</text:p>'
            "</table:table-cell>")


def _ods_table(name: str, sheet: Sheet) -> str:
    """One sheet as OpenDocument XML: odfdo builds a cell per object, far too slowly for
    thousands of schools, so the rows are written as text and parsed once."""
    rows: list[Sequence[Value]] = [sheet.header, *sheet.rows]
    body = "".join(
        "<table:table-row>" + "".join(_ods_cell(v) for v in row) + "</table:table-row>"
        for row in rows
    )
    return f"<table:table {_ODS_NAMESPACES} table:name={quoteattr(name)}>{body}</table:table>"


def to_ods(parts: Sequence[Sheet]) -> bytes:
    """An OpenDocument spreadsheet (packaged by odfdo), one sheet per part."""
    from odfdo import Document, Element

    document = Document("spreadsheet")
    body = document.body
    body.clear()
    used: set[str] = set()
    for sheet in parts:
        name = re.sub(r"[\[\]*?:/\\']", " ", sheet.name)[:31].strip() or "Feuille"
        while name in used:
            name = name[:28] + f" {len(used)}"
        used.add(name)
        body.append(Element.from_tag(_ods_table(name, sheet)))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
