"""Compare two run folders: ket_qua.json, every workbook cell and every document's text.

    python scripts/compare_runs.py output/BEFORE output/AFTER [--ignore-keys summary,params]

Prints each difference and exits 1 when there is one, so a refactor is proven by its outputs, not by eye.
Volatile values (the run folder's own path, file modification times) are left out.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from docx import Document
from openpyxl import load_workbook


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
    book = load_workbook(path, read_only=True, data_only=False)
    try:
        return {f"{ws.title}!{cell.coordinate}": cell.value for ws in book.worksheets
                for row in ws.iter_rows() for cell in row if cell.value is not None and hasattr(cell, "coordinate")}
    finally:
        book.close()


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


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--ignore-keys", default="", help="JSON keys to leave out, comma-separated")
    args = parser.parse_args()
    diffs = differences(args.before, args.after, {k for k in args.ignore_keys.split(",") if k})
    print("\n".join(diffs[:500]) or "identical")
    if len(diffs) > 500:
        print(f"... and {len(diffs) - 500} more")
    sys.exit(1 if diffs else 0)
