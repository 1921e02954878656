"""A streaming reader for worksheets whose cells lie too far apart for python-calamine.

Used only for sheets the guard found oversized (a stray cell at row 1,048,576, say). It walks the sheet XML
with defusedxml's iterparse, keeps the cells inside the row and column limits, and returns rows as the
fast reader does; gaps share one empty row, so a million-row sheet with a few cells costs little.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import defusedxml.ElementTree as SafeET

from .config import Limits
from .guard import NS, column_number, sheet_parts

_M = f"{{{NS['m']}}}"
_REF = re.compile(r"([A-Z]{1,3})([0-9]+)")
EMPTY: tuple = ()


def _shared_strings(zf: zipfile.ZipFile) -> list[str]:
    if "xl/sharedStrings.xml" not in zf.namelist():
        return []
    strings = []
    with zf.open("xl/sharedStrings.xml") as fh:
        for _, el in SafeET.iterparse(fh, events=("end",)):
            if el.tag == f"{_M}si":
                strings.append("".join(t.text or "" for t in el.iter(f"{_M}t")))
                el.clear()
    return strings


def _sheet_part(zf: zipfile.ZipFile, sheet_name: str) -> str:
    return next(part for part, name in sheet_parts(zf).items() if name == sheet_name)


def _value(cell, strings: list[str]):
    kind = cell.get("t", "n")
    if kind == "inlineStr":
        return "".join(t.text or "" for t in cell.iter(f"{_M}t"))
    v = cell.find(f"{_M}v")
    if v is None or v.text is None:
        return ""
    if kind == "s":
        index = int(v.text)
        return strings[index] if 0 <= index < len(strings) else ""
    if kind in ("str", "e"):
        return v.text
    if kind == "b":
        return v.text == "1"
    number = float(v.text)
    return number


def read_sheet(path: Path, sheet_name: str, limits: Limits) -> tuple[list, int]:
    """(rows, cells left out) of one sheet, bounded by limits.max_rows and limits.max_columns. Each row is built
    as a list when its element ends (rows come in order): no record per cell is kept."""
    ignored = 0
    rows: list = []
    pending: list[tuple[int, object]] = []  # (column, value) of the row being read
    at = 0  # its row number

    def flush() -> None:
        if not pending:
            return
        line: list = [""] * max(c for c, _ in pending)
        for c, v in pending:
            line[c - 1] = v
        if at > len(rows):
            rows.extend([EMPTY] * (at - 1 - len(rows)))
            rows.append(line)
        else:  # a row out of order (not what Excel writes): merged into the one already read
            rows[at - 1] = [*rows[at - 1], *[""] * (len(line) - len(rows[at - 1]))]
            for c, v in pending:
                rows[at - 1][c - 1] = v
        pending.clear()

    with zipfile.ZipFile(path) as zf:
        strings = _shared_strings(zf)
        with zf.open(_sheet_part(zf, sheet_name)) as fh:
            for _, el in SafeET.iterparse(fh, events=("end",)):
                if el.tag != f"{_M}c":
                    if el.tag == f"{_M}row":
                        el.clear()
                    continue
                match = _REF.fullmatch(el.get("r", ""))
                if not match:
                    continue
                row, col = int(match.group(2)), column_number(match.group(1))
                if row > limits.max_rows or col > limits.max_columns:
                    ignored += 1
                    continue
                value = _value(el, strings)
                if value != "":
                    if row != at:
                        flush()
                        at = row
                    pending.append((col, value))
    flush()
    return rows, ignored
