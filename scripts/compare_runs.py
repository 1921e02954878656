"""Compare two run folders: ket_qua.json, every workbook cell's value and every document's text.

    python scripts/compare_runs.py output/BEFORE output/AFTER [--ignore-keys summary,params] [--examples 3]

Prints the differences summarised per file and sheet (how many, and the first few) and exits 1 when there is
one, 0 when the runs are identical, so a refactor is proven by its outputs, not by eye. Volatile values (the run
folder's own path, file modification times) are left out. Needs only what requirements.txt installs: workbooks
are read with python-calamine (cell values; a formula counts by its value), documents with python-docx.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from docx import Document
from python_calamine import CalamineWorkbook
from xlsxwriter.utility import xl_rowcol_to_cell


def _strip(value, ignore: set[str]):
    if isinstance(value, dict):
        return {k: _strip(v, ignore) for k, v in value.items() if k not in ignore}
    if isinstance(value, list):
        return [_strip(v, ignore) for v in value]
    return value


def flatten(value, prefix: str = "") -> dict[str, object]:
    if isinstance(value, dict):
        return {k: v for key, item in value.items() for k, v in flatten(item, f"{prefix}.{key}").items()}
    if isinstance(value, list):
        return {k: v for i, item in enumerate(value) for k, v in flatten(item, f"{prefix}[{i}]").items()}
    return {prefix: value}


def workbook_cells(path: Path) -> dict[str, object]:
    """"Sheet!B3" -> value of every non-empty cell."""
    book = CalamineWorkbook.from_path(str(path))
    cells: dict[str, object] = {}
    try:
        for name in book.sheet_names:
            for r, row in enumerate(book.get_sheet_by_name(name).to_python(skip_empty_area=False)):
                for c, value in enumerate(row):
                    if value not in ("", None):
                        cells[f"{name}!{xl_rowcol_to_cell(r, c)}"] = value
    finally:
        book.close()
    return cells


def document_text(path: Path) -> dict[str, object]:
    doc = Document(str(path))
    lines = [p.text for p in doc.paragraphs]
    for t, table in enumerate(doc.tables):
        lines += [f"[table {t}] " + " | ".join(c.text for c in row.cells) for row in table.rows]
    return {f"line {i}": line for i, line in enumerate(lines)}


def snapshot(folder: Path, ignore: set[str]) -> dict[str, dict[str, object]]:
    files: dict[str, dict[str, object]] = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if path.suffix == ".json":
            files[rel] = flatten(_strip(json.loads(path.read_text(encoding="utf-8")), ignore))
        elif path.suffix == ".xlsx":
            files[rel] = workbook_cells(path)
        elif path.suffix == ".docx":
            files[rel] = document_text(path)
        elif path.suffix in (".txt", ".eml"):
            files[rel] = {f"line {i}": x for i, x in enumerate(path.read_text(encoding="utf-8").splitlines())}
    return files


def _part(name: str, key: str) -> str:
    """Where a difference is reported: a workbook's sheet, ket_qua.json's top-level key, or the file."""
    if name.endswith(".xlsx"):
        return f"{name} [{key.partition('!')[0]}]"
    if name.endswith(".json"):
        return f"{name} [{key.lstrip('.').split('.')[0].split('[')[0]}]"
    return name


def differences(before: Path, after: Path, ignore: set[str] = frozenset()) -> list[str]:
    old, new = snapshot(before, set(ignore)), snapshot(after, set(ignore))
    found = [f"only in {before.name}: {f}" for f in sorted(old.keys() - new.keys())]
    found += [f"only in {after.name}: {f}" for f in sorted(new.keys() - old.keys())]
    for name in sorted(old.keys() & new.keys()):
        a, b = old[name], new[name]
        for key in sorted(a.keys() | b.keys()):
            if a.get(key) != b.get(key):
                found.append(f"{name} {key}: {a.get(key)!r} -> {b.get(key)!r}")
    return found


def summary(before: Path, after: Path, ignore: set[str] = frozenset(), examples: int = 3) -> list[str]:
    """The differences grouped per file and sheet: a count, then the first `examples` of them."""
    old, new = snapshot(before, set(ignore)), snapshot(after, set(ignore))
    lines = [f"only in {before.name}: {f}" for f in sorted(old.keys() - new.keys())]
    lines += [f"only in {after.name}: {f}" for f in sorted(new.keys() - old.keys())]
    for name in sorted(old.keys() & new.keys()):
        a, b = old[name], new[name]
        groups: dict[str, list[str]] = {}
        for key in sorted(a.keys() | b.keys()):
            if a.get(key) != b.get(key):
                groups.setdefault(_part(name, key), []).append(f"{key}: {a.get(key)!r} -> {b.get(key)!r}")
        for part, diffs in groups.items():
            lines.append(f"{part}: {len(diffs)} difference{'s' if len(diffs) > 1 else ''}")
            lines += [f"    {d[:200]}" for d in diffs[:examples]]
            if len(diffs) > examples:
                lines.append(f"    ... and {len(diffs) - examples} more")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--ignore-keys", default="", help="JSON keys to leave out, comma-separated")
    parser.add_argument("--examples", type=int, default=3, help="differences shown per file and sheet")
    args = parser.parse_args(argv)
    lines = summary(args.before, args.after, {k for k in args.ignore_keys.split(",") if k}, args.examples)
    print("\n".join(lines) or "identical")
    return 1 if lines else 0


if __name__ == "__main__":
    sys.exit(main())
