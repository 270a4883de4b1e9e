"""Reading a CSV file a person brings (a spreadsheet's export): pure functions.

Spreadsheets save CSV as UTF-8 with or without a byte-order mark, or Windows-1252, with
``;`` (French locale) or ``,`` between cells; both imports (schools, the matrix) read
them here.
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass
from typing import Any

MAX_BYTES = 20 * 1024 * 1024
"""A whole académie's directory is a few megabytes; the national one about 40."""


@dataclass(frozen=True, slots=True)
class FileProblem:
    """Why a whole file is refused: nothing of it is imported."""

    code: str
    """``empty``, ``too_big``, ``not_csv``, ``encoding``, ``missing_columns``, ``no_rows``,
    ``too_many_rows``."""
    detail: tuple[str, ...] = ()


def decode(data: bytes) -> tuple[str, str] | FileProblem:
    """The text and the encoding it was read with."""
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[len(codecs.BOM_UTF8) :].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            return FileProblem("encoding")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            return FileProblem("encoding")
    if b"\x00" in data:
        return FileProblem("not_csv")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return FileProblem("encoding")


def delimiter(header: str) -> str | None:
    """The separator the header line uses most (``;``, ``,`` or a tab), if any."""
    counts = {d: header.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else None


def open_reader(data: bytes) -> tuple[Any, str] | FileProblem:
    """A CSV reader over the file (its size, encoding and separator checked first), and
    the encoding it was read with."""
    if len(data) > MAX_BYTES:
        return FileProblem("too_big", (str(MAX_BYTES // (1024 * 1024)),))
    if not data.strip():
        return FileProblem("empty")
    decoded = decode(data)
    if isinstance(decoded, FileProblem):
        return decoded
    text, encoding = decoded
    text = text.lstrip("\ufeff")
    first = next((line for line in text.splitlines() if line.strip()), "")
    separator = delimiter(first)
    if separator is None:
        return FileProblem("not_csv")
    return csv.reader(io.StringIO(text, newline=""), delimiter=separator), encoding


def read_rows(data: bytes) -> tuple[list[tuple[int, list[str]]], str] | FileProblem:
    """The non-blank rows with their file line, and the encoding; header included."""
    opened = open_reader(data)
    if isinstance(opened, FileProblem):
        return opened
    reader, encoding = opened
    rows: list[tuple[int, list[str]]] = []
    try:
        for cells in reader:
            if any(cell.strip() for cell in cells):
                rows.append((reader.line_num, cells))
    except csv.Error:
        return FileProblem("not_csv")
    return rows, encoding
