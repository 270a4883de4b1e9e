"""Reading the national school directory (Annuaire de l'éducation) export: pure functions.

The export is ``;``-separated, UTF-8 with or without a byte-order mark (Windows-1252 when a
spreadsheet saved it again), one row per school, a few UAIs on several rows. Filters are
``clé:valeur`` words (``type:college statut:public commune:Rennes``), accents and case ignored.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from services.csv_files import MAX_BYTES as MAX_BYTES
from services.csv_files import FileProblem as FileProblem
from services.csv_files import decode as decode
from services.csv_files import open_reader
from services.text import match_key
from services.tokenize import split_args
from services.uai import expected_letter, is_valid_uai, normalize_uai

MAX_ROWS = 100_000
_QUOTED_VALUE = re.compile(r'(?<!\S)([^\s:"]+):"([^"]*)"')

OPEN = "OUVERT"
CLOSING = "A FERMER"
CLOSED = "FERME"

_COLUMNS: dict[str, tuple[str, ...]] = {
    "uai": ("identifiant de l etablissement", "uai", "code uai", "numero uai", "identifiant"),
    "name": ("nom etablissement", "nom de l etablissement", "nom", "appellation officielle"),
    "kind_label": ("type etablissement", "type"),
    "statut": ("statut public prive", "statut", "secteur", "secteur public prive"),
    "commune": ("nom commune", "commune", "libelle commune"),
    "departement": ("code departement", "departement"),
    "circonscription": ("nom circonscription", "circonscription"),
    "etat": ("etat",),
}
REQUIRED = ("uai", "name")
COLUMN_LABELS = {
    "uai": "Identifiant_de_l_etablissement",
    "name": "Nom_etablissement",
    "kind_label": "Type_etablissement",
    "statut": "Statut_public_prive",
    "commune": "Nom_commune",
    "departement": "Code_departement",
    "circonscription": "nom_circonscription",
}
_FILTER_COLUMN = {"kind": "kind_label"}

_FILTER_KEYS = {
    "type": "kind",
    "types": "kind",
    "statut": "statut",
    "status": "statut",
    "secteur": "statut",
    "commune": "commune",
    "communes": "commune",
    "ville": "commune",
    "city": "commune",
    "departement": "departement",
    "dept": "departement",
    "dep": "departement",
    "department": "departement",
    "circonscription": "circonscription",
    "circo": "circonscription",
    "district": "circonscription",
}
FILTER_WORDS = tuple(sorted({"type", "statut", "commune", "departement", "circonscription"}))
_KIND_ALIASES = {
    "school": "ecole",
    "schools": "ecole",
    "primary": "ecole",
    "primaire": "ecole",
    "middle": "college",
    "high": "lycee",
}
_STATUT = {
    "public": "public",
    "publique": "public",
    "publics": "public",
    "publiques": "public",
    "prive": "prive",
    "privee": "prive",
    "prives": "prive",
    "privees": "prive",
    "private": "prive",
}
_LIMITS = {"name": 200, "kind_label": 64, "commune": 100, "circonscription": 200}


def tokens(text: str) -> list[str]:
    """Arguments, with ``clé:"deux mots"`` kept as one (raises TokenizeError)."""
    return [token.value for token in split_args(_QUOTED_VALUE.sub(r'"\1:\2"', text))]


@dataclass(frozen=True, slots=True)
class Filters:
    """Values per field; a row passes when every field given matches one of its values."""

    values: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.values)

    def matches(self, row: Mapping[str, Any]) -> bool:
        return all(
            any(_matches(name, str(row.get(name) or ""), wanted) for wanted in wanted_values)
            for name, wanted_values in self.values.items()
        )

    def describe(self) -> list[str]:
        """``clé:valeur`` words as the user could type them again."""
        words = []
        for name, values in self.values.items():
            key = next(k for k, v in _FILTER_KEYS.items() if v == name)
            words += [f"{key}:{value}" for value in values]
        return words


@dataclass(frozen=True, slots=True)
class FilterProblem:
    code: str
    """``unknown_filter`` (a key nobody knows) or ``empty_filter`` (``type:``)."""
    fragment: str


def _plural(key: str) -> str:
    return key[:-1] if len(key) > 4 and key.endswith("s") else key


def _matches(name: str, value: str, wanted: str) -> bool:
    if name == "departement":
        return value.lstrip("0") == wanted.lstrip("0")
    if name == "statut":
        return value == wanted
    key = match_key(value)
    if name == "kind":
        return key == wanted or key.startswith(wanted + " ")
    if name == "circonscription":
        return f" {wanted} " in f" {key} "
    return key == wanted


def parse_filters(words: Sequence[str]) -> Filters | FilterProblem:
    """``type:college statut:public``; several values for a key (``type:college,lycee``) widen."""
    values: dict[str, list[str]] = {}
    for word in words:
        raw_key, sep, raw_value = word.partition(":")
        if not sep:
            raw_key, sep, raw_value = word.partition("=")
        name = _FILTER_KEYS.get(match_key(raw_key)) if sep else None
        if name is None:
            return FilterProblem("unknown_filter", word)
        for part in raw_value.split(","):
            value = match_key(part)
            if not value:
                continue
            if name == "kind":
                value = _KIND_ALIASES.get(value, _plural(value))
            elif name == "statut":
                found = _STATUT.get(value)
                if found is None:
                    return FilterProblem("bad_statut", word)
                value = found
            elif name == "departement":
                value = value.replace(" ", "")
            values.setdefault(name, []).append(value)
        if name not in values:
            return FilterProblem("empty_filter", word)
    return Filters({name: tuple(dict.fromkeys(v)) for name, v in values.items()})


@dataclass(frozen=True, slots=True)
class Skipped:
    line: int
    uai: str
    reason: str
    """``bad_uai``, ``duplicate``, ``no_name``, ``closed``."""
    detail: str = ""
    """The expected check letter, or the line of the first row for a duplicate."""


@dataclass(frozen=True, slots=True)
class Directory:
    """The schools a file describes, after the filters."""

    rows: list[dict[str, Any]]
    skipped: list[Skipped]
    outside: int
    """Rows outside the filters (not listed one by one)."""
    total: int
    encoding: str
    lines: dict[str, int] = field(default_factory=dict)
    """The file line each kept school was read from."""


def _column_map(header: Sequence[str]) -> dict[str, int]:
    keys = [match_key(name) for name in header]
    found: dict[str, int] = {}
    for name, aliases in _COLUMNS.items():
        for alias in aliases:
            if alias in keys:
                found[name] = keys.index(alias)
                break
    return found


def _statut(value: str) -> str | None:
    return _STATUT.get(match_key(value))


def _etat(value: str) -> str:
    key = match_key(value)
    if key in {"a fermer", "closing"}:
        return CLOSING
    if key in {"ferme", "fermee", "closed"}:
        return CLOSED
    return OPEN


def school_row(uai: str, values: Mapping[str, str]) -> dict[str, Any]:
    """A school's directory fields from a file's (or a user's) raw values."""
    kind_label = values.get("kind_label", "").strip()
    row: dict[str, Any] = {
        "uai": uai,
        "name": " ".join(values.get("name", "").split()),
        "kind": match_key(kind_label)[:64],
        "kind_label": kind_label,
        "statut": _statut(values.get("statut", "")),
        "commune": values.get("commune", "").strip(),
        "departement": values.get("departement", "").strip()[:8],
        "circonscription": values.get("circonscription", "").strip(),
        "etat": _etat(values.get("etat", "")),
    }
    for name, limit in _LIMITS.items():
        row[name] = row[name][:limit]
    return row


def bad_uai_detail(uai: str) -> str:
    """The expected check letter when the 7 digits are there, else ``""``."""
    try:
        return expected_letter(uai)
    except ValueError:
        return ""


def read_directory(data: bytes, filters: Filters) -> Directory | FileProblem:
    """Parse an export; a problem with the whole file refuses all of it."""
    opened = open_reader(data)
    if isinstance(opened, FileProblem):
        return opened
    reader, encoding = opened
    try:
        header: list[str] = next(reader, [])
        columns = _column_map(header)
        missing = [COLUMN_LABELS[name] for name in REQUIRED if name not in columns]
        if missing:
            return FileProblem("missing_columns", tuple(missing))
        needed = [_FILTER_COLUMN.get(name, name) for name in filters.values]
        absent = [COLUMN_LABELS[name] for name in needed if name not in columns]
        if absent:
            return FileProblem("missing_columns", tuple(absent))
        return _rows(reader, columns, filters, encoding)
    except csv.Error:
        return FileProblem("not_csv")


def _rows(
    reader: Any, columns: Mapping[str, int], filters: Filters, encoding: str
) -> Directory | FileProblem:
    rows: list[dict[str, Any]] = []
    skipped: list[Skipped] = []
    first_line: dict[str, int] = {}
    outside = total = 0
    width = max(columns.values()) + 1
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue
        total += 1
        if total > MAX_ROWS:
            return FileProblem("too_many_rows", (str(MAX_ROWS),))
        line = reader.line_num
        cells = [*cells, *([""] * (width - len(cells)))]
        values = {name: cells[index] for name, index in columns.items()}
        uai = normalize_uai(values["uai"])
        row = school_row(uai, values)
        if not filters.matches(row):
            outside += 1
            continue
        if not is_valid_uai(uai):
            skipped.append(Skipped(line, uai[:20], "bad_uai", bad_uai_detail(uai)))
            continue
        if uai in first_line:
            skipped.append(Skipped(line, uai, "duplicate", str(first_line[uai])))
            continue
        first_line[uai] = line
        if not row["name"]:
            skipped.append(Skipped(line, uai, "no_name"))
            continue
        rows.append(row)
    if total == 0:
        return FileProblem("no_rows")
    return Directory(rows, skipped, outside, total, encoding, first_line)


@dataclass(frozen=True, slots=True)
class Plan:
    """What an import changes in a perimeter."""

    added: list[dict[str, Any]]
    updated: list[dict[str, Any]]
    unchanged: int
    skipped: list[Skipped]
    closing: list[dict[str, Any]]
    """Schools the file newly marks ``A FERMER`` or ``FERME``."""


def plan(existing: Mapping[str, Mapping[str, Any]], directory: Directory) -> Plan:
    """Compare the file's schools with the perimeter's (UAI → directory fields)."""
    added: list[dict[str, Any]] = []
    updated: list[dict[str, Any]] = []
    closing: list[dict[str, Any]] = []
    skipped = list(directory.skipped)
    unchanged = 0
    for row in directory.rows:
        before = existing.get(row["uai"])
        if before is None:
            if row["etat"] == CLOSED:
                skipped.append(Skipped(directory.lines.get(row["uai"], 0), row["uai"], "closed"))
                continue
            added.append(row)
            continue
        if all(before.get(name) == row[name] for name in row if name != "uai"):
            unchanged += 1
            continue
        updated.append(row)
        if row["etat"] != OPEN and before.get("etat") != row["etat"]:
            closing.append(row)
    return Plan(added, updated, unchanged, skipped, closing)

