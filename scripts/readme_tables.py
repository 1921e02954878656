"""The README's generated tables: the rules read from config.toml, and the issue codes from the catalog.

    python scripts/readme_tables.py           # print both tables
    python scripts/readme_tables.py --write   # replace them in README.md (between their markers)

tests/test_docs.py checks that README.md holds exactly what this prints, so the README cannot drift from the code.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from thidua import terms  # noqa: E402
from thidua.config import Config, load_config  # noqa: E402
from thidua.issues import CATALOG  # noqa: E402
from thidua.text import cap_first, fmt_number  # noqa: E402

MARKERS = {"rules": ("<!-- bang-quy-tac: tạo bằng scripts/readme_tables.py -->", "<!-- /bang-quy-tac -->"),
           "issues": ("<!-- bang-ma-loi: tạo bằng scripts/readme_tables.py -->", "<!-- /bang-ma-loi -->")}
SUBMITTERS = {"tinh": "Ủy ban MTTQ Việt Nam tỉnh", "huyen": "Ủy ban MTTQ Việt Nam cấp huyện"}
COUNTS = {"communes": "đơn vị cấp xã", "bctmt": "Ban công tác Mặt trận"}


def rules_table(config: Config) -> str:
    lines = ["| đối tượng | hình thức | đơn vị xét, đề nghị | số lượng mỗi đơn vị | tổng số toàn tỉnh |",
             "|---|---|---|---|---|"]
    for q in config.quotas:
        each = str(q.per_unit) if q.per_unit is not None else f"cứ {q.per_unit_divisor} {COUNTS[q.count]} chọn 1"
        lines.append(f"| {cap_first(terms.describe(q.kind, q.level))} | {terms.AWARDS[q.award]} | "
                     f"{SUBMITTERS[q.submitter]} | {each} | {q.cap} |")
    lines += ["", "| xếp hạng | hình thức | thứ hạng | điểm tối thiểu | đơn vị được khen gửi hồ sơ |", "|---|---|---|---|---|"]
    for a in config.ranked_awards:
        first, last = a.positions or (1, None)
        where = (f"{first}–{last}" if first != last else str(first)) if last else \
            f"1 đến quota(tổng số, {a.positions_divisor})"
        lines.append(f"| {terms.RANKINGS[a.ranking]} | {terms.AWARDS[a.award]} | {where} | "
                     f"{fmt_number(a.min_score) if a.min_score is not None else '—'} | {'có' if a.dossier else 'không'} |")
    return "\n".join(lines)


def issue_table() -> str:
    lines = ["| mã | mức độ | vấn đề |", "|---|---|---|"]
    lines += [f"| `{code}` | {terms.SEVERITIES[kind.severity]} | {kind.title} |" for code, kind in CATALOG.items()]
    return "\n".join(lines)


def tables(config: Config) -> dict[str, str]:
    return {"rules": rules_table(config), "issues": issue_table()}


def between(text: str, name: str) -> str:
    start, end = MARKERS[name]
    return text[text.index(start) + len(start):text.index(end)].strip("\n")


def rewrite(text: str, config: Config) -> str:
    for name, table in tables(config).items():
        start, end = MARKERS[name]
        text = text[:text.index(start) + len(start)] + "\n" + table + "\n" + text[text.index(end):]
    return text


if __name__ == "__main__":
    config = load_config(ROOT / "config.toml")
    if "--write" in sys.argv:
        readme = ROOT / "README.md"
        readme.write_text(rewrite(readme.read_text(encoding="utf-8"), config), encoding="utf-8")
        print("Đã cập nhật các bảng trong README.md.")
    else:
        print("\n\n".join(tables(config).values()))
