"""The criteria table (bảng tiêu chí chấm điểm) and the scores computed from it (SPEC section 8).

Reading the table is an edge (a file the office keeps); scoring is pure: marks in, a total, the marks counted
and the problems out, in exact decimals.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from .errors import ConfigError
from .issues import Issue, issue
from .text import clean, label_key

LABELS = {
    "code": ("Mã", "Mã tiêu chí", "Số TT", "STT", "TT"),
    "text": ("Nội dung", "Tiêu chí", "Nội dung tiêu chí", "Nội dung chấm điểm"),
    "standard": ("Điểm chuẩn", "Chuẩn", "Điểm tối đa"),
    "bonus": ("Điểm thưởng tối đa", "Điểm thưởng", "Thưởng"),
    "deduction": ("Điểm trừ tối đa", "Điểm trừ", "Trừ"),
    "applies_to": ("Áp dụng cho", "Áp dụng", "Đối tượng"),
}
APPLIES = {"": "", "huyen": "huyen", "cap huyen": "huyen", "huyện": "huyen", "xa": "xa", "cap xa": "xa", "xã": "xa"}
_ROMAN = re.compile(r"^(?=[IVXLC]+$)C{0,3}(XC|XL|L?X{0,3})(IX|IV|V?I{0,3})$")
ZERO = Decimal(0)


@dataclass
class Criterion:
    code: str  # the full code, "I.1.a"
    text: str
    standard: Decimal | None
    bonus: Decimal | None  # the most a unit may add
    deduction: Decimal | None  # the most a unit may lose
    applies_to: str  # "", "huyen" or "xa"
    line: int  # in the table file
    parent: str | None = None
    children: list[str] = field(default_factory=list)
    leaf: bool = True

    def applies(self, level: str) -> bool:
        return self.applies_to in ("", level)

    def as_json(self) -> dict:
        return {"code": self.code, "text": self.text, "standard": _num(self.standard), "bonus_max": _num(self.bonus),
                "deduction_max": _num(self.deduction), "applies_to": self.applies_to or None, "parent": self.parent,
                "leaf": self.leaf}


def _num(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


@dataclass(frozen=True)
class CriteriaTable:
    criteria: tuple[Criterion, ...]

    def leaves(self, level: str) -> list[Criterion]:
        return [c for c in self.criteria if c.leaf and c.applies(level)]

    def get(self, code: str) -> Criterion | None:
        return next((c for c in self.criteria if c.code == code), None)

    def scale(self, level: str) -> Decimal:
        """The most a unit can score: every standard mark and every bonus."""
        return sum((c.standard or ZERO) + (c.bonus or ZERO) for c in self.leaves(level)) or Decimal(100)


# ---------------------------------------------------------------- reading the table

def decimal_of(value: object, where: str = "") -> Decimal | None:
    """'2,5', '2.5', 2.5 -> Decimal('2.5'); blank -> None."""
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return Decimal(str(value)).normalize() if value != int(value) else Decimal(int(value))
    text = clean(value).replace(" ", "")
    if not text:
        return None
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    try:
        return Decimal(text)
    except InvalidOperation as exc:
        raise ConfigError(f"Bảng tiêu chí{where}: \"{value}\" không phải là số.") from exc


def code_text(value: object) -> str:
    """A code as written: 'I.1', '1.', 'a)', 1.1 (a number in Excel) -> 'I.1', '1', 'a', '1.1'."""
    if isinstance(value, float):
        value = str(int(value)) if value.is_integer() else repr(value)
    return clean(value).replace(" ", "").rstrip(".)").lstrip("(")


def _kind(code: str) -> int:
    """Where an undotted code sits: Roman numerals above numbers, numbers above letters."""
    if _ROMAN.match(code):
        return 0
    if code.isdigit():
        return 1
    return 2


def _header(rows: list[list]) -> tuple[int, dict[str, int]]:
    """The header row (within the first 10) and each column's index; a two-row header "Điểm" over
    "Chuẩn | Thưởng | Trừ", as a table copied from Word has, is read as one."""
    index = {label_key(label): key for key, labels in LABELS.items() for label in labels}
    for r, row in enumerate(rows[:10]):
        found = {index[label_key(v)]: c for c, v in enumerate(row) if label_key(v) in index}
        if "code" in found and "text" in found:
            if r + 1 < len(rows):
                below = {index[label_key(v)]: c for c, v in enumerate(rows[r + 1]) if label_key(v) in index}
                if {"standard", "bonus", "deduction"} & set(below) and "code" not in below:
                    return r + 1, {**below, **{k: v for k, v in found.items() if k not in below}}
            return r, found
    raise ConfigError("Bảng tiêu chí: không tìm thấy dòng tiêu đề có cột \"Mã\" và \"Nội dung\" trong 10 dòng đầu.")


def _rows_of(path: Path) -> list[list]:
    if path.suffix.lower() in (".xlsx", ".xlsm", ".xls", ".ods"):
        from python_calamine import CalamineWorkbook

        book = CalamineWorkbook.from_path(str(path))
        try:
            return [list(r) for r in book.get_sheet_by_index(0).to_python(skip_empty_area=False)]
        finally:
            book.close()
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return [list(r) for r in csv.reader(fh)]


def load_criteria(path: Path) -> CriteriaTable:
    path = Path(path)
    try:
        rows = _rows_of(path)
    except FileNotFoundError as exc:
        raise ConfigError(f"Không tìm thấy bảng tiêu chí {path}.") from exc
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise ConfigError(f"Không đọc được bảng tiêu chí {path}: {exc}.") from exc
    return parse_criteria(rows)


def parse_criteria(rows: list[list]) -> CriteriaTable:
    """Criteria from table rows: full codes built from the hierarchy, group marks checked against their parts."""
    header, columns = _header(rows)
    criteria: list[Criterion] = []
    by_code: dict[str, Criterion] = {}
    stack: list[tuple[int, Criterion]] = []  # undotted codes: (kind, criterion), the open ancestors
    for r in range(header + 1, len(rows)):
        row = rows[r]

        def cell(key: str, row: list = row) -> object:
            c = columns.get(key)
            return row[c] if c is not None and c < len(row) else None
        code = code_text(cell("code"))
        if not code:
            continue
        line = r + 1
        where = f", dòng {line}"
        parent: str | None
        if "." in code:  # a full path: "I.1.2", "1.a.1"
            parent = code.rsplit(".", 1)[0]
            full = code
            stack = [(_kind(code.split(".")[0]), by_code[parent])] if parent in by_code else []
        else:
            kind = _kind(code)
            while stack and stack[-1][0] >= kind:
                stack.pop()
            parent = stack[-1][1].code if stack else None
            full = f"{parent}.{code}" if parent else code
        if full in by_code:
            raise ConfigError(f"Bảng tiêu chí{where}: mã \"{full}\" trùng với dòng {by_code[full].line}.")
        applies = APPLIES.get(label_key(cell("applies_to")) or "", None)
        if applies is None:
            raise ConfigError(f"Bảng tiêu chí{where}: \"Áp dụng cho\" phải là huyen, xa hoặc để trống.")
        criterion = Criterion(full, clean(cell("text")), decimal_of(cell("standard"), where),
                              decimal_of(cell("bonus"), where), decimal_of(cell("deduction"), where), applies, line,
                              parent if parent in by_code else None)
        criteria.append(criterion)
        by_code[full] = criterion
        if criterion.parent:
            by_code[criterion.parent].children.append(full)
        if "." not in code:
            stack.append((_kind(code), criterion))
    _settle(criteria, by_code)
    return CriteriaTable(tuple(criteria))


def _marked(c: Criterion) -> bool:
    return any(v is not None for v in (c.standard, c.bonus, c.deduction))


def _settle(criteria: list[Criterion], by_code: dict[str, Criterion]) -> None:
    """Decide the leaves and check every group against its parts. A row whose children carry no marks is scored
    as a leaf: its children are notes or per-case rules."""
    for c in reversed(criteria):  # children before parents
        kids = [by_code[k] for k in c.children]
        if not kids or not any(_marked(k) or not k.leaf for k in kids):
            c.leaf = True
            for k in kids:
                k.leaf = False  # a note under a criterion
            continue
        c.leaf = False
        for name, label in (("standard", "Điểm chuẩn"), ("bonus", "Điểm thưởng tối đa"), ("deduction", "Điểm trừ tối đa")):
            given = getattr(c, name)
            parts = sum((_total(k, name, by_code) for k in kids), ZERO)
            if given is not None and given != parts:
                raise ConfigError(f"Bảng tiêu chí, dòng {c.line}: \"{label}\" của mục {c.code} là {_show(given)}, "
                                  f"nhưng các mục con cộng lại {_show(parts)}. Đề nghị sửa cho khớp.")


def _total(c: Criterion, name: str, by_code: dict[str, Criterion]) -> Decimal:
    """A criterion's marks: its own for a leaf, its parts' for a group; a note under a leaf counts nothing."""
    if c.leaf:
        return getattr(c, name) or ZERO
    return sum((_total(by_code[k], name, by_code) for k in c.children), ZERO)


def _show(value: Decimal) -> str:
    return format(value.normalize(), "f").replace(".", ",")


# ---------------------------------------------------------------- scoring a unit

@dataclass(frozen=True)
class Marks:
    """What a unit wrote for one criterion (or the province, appraising it), and where."""

    code: str
    self_mark: Decimal | None
    bonus: Decimal | None
    deduction: Decimal | None
    file: str = ""
    sheet: str = ""
    row: int | None = None
    cells: tuple[tuple[str, str], ...] = ()  # field -> cell

    def cell(self, name: str) -> str:
        return dict(self.cells).get(name, "")

    @property
    def marked(self) -> bool:
        """The unit wrote something: a row the template printed and the unit left blank is not input."""
        return any(v is not None for v in (self.self_mark, self.bonus, self.deduction))


@dataclass(frozen=True)
class Scored:
    """One leaf criterion as counted: the unit's marks, capped at their maxima, and the province's if it re-marked."""

    code: str
    self_mark: Decimal
    bonus: Decimal
    deduction: Decimal
    appraised: Decimal | None = None
    appraised_bonus: Decimal | None = None
    appraised_deduction: Decimal | None = None

    @property
    def own(self) -> Decimal:
        return self.self_mark + self.bonus - self.deduction

    @property
    def final(self) -> Decimal:
        mark = self.appraised if self.appraised is not None else self.self_mark
        bonus = self.appraised_bonus if self.appraised_bonus is not None else self.bonus
        deduction = self.appraised_deduction if self.appraised_deduction is not None else self.deduction
        return mark + bonus - deduction



def _capped(value: Decimal | None, most: Decimal | None, m: Marks, name: str, label: str, unit_code: str,
            problems: list[Issue]) -> Decimal:
    if value is None:
        return ZERO
    if value < 0 or (most is not None and value > most):
        problems.append(issue("criterion-over-max", file=m.file, sheet=m.sheet, row=m.row, cell=m.cell(name),
                              unit_code=unit_code, code=m.code, column=label, value=_show(value),
                              most=_show(most or ZERO)))
        return max(ZERO, min(value, most or ZERO))
    return value


def score(table: CriteriaTable, level: str, marks: list[Marks], unit_code: str, where: dict,
          appraisals: list[Marks] | tuple[Marks, ...] = ()) -> tuple[list[Scored], list[Issue]]:
    """Every applicable leaf criterion of one unit, counted: a mark above its maximum counts at the maximum (an
    error naming the cell), a blank self-mark counts 0 (a warning), a code not in the table counts nothing."""
    problems: list[Issue] = []
    leaves = {c.code: c for c in table.leaves(level)}
    groups = {c.code for c in table.criteria if not c.leaf}
    given: dict[str, Marks] = {}
    for m in marks:
        if m.code in leaves:
            given[m.code] = m
        elif m.code not in groups and (m.self_mark is not None or m.bonus or m.deduction):
            problems.append(issue("criterion-unknown", file=m.file, sheet=m.sheet, row=m.row, cell=m.cell("code"),
                                  unit_code=unit_code, code=m.code))
    re_marked = {a.code: a for a in appraisals if a.code in leaves}
    scored: list[Scored] = []
    for code, c in leaves.items():
        m = given.get(code, Marks(code, None, None, None, **where))
        if m.self_mark is None:
            problems.append(issue("criterion-missing", file=m.file or where.get("file", ""),
                                  sheet=m.sheet or where.get("sheet", ""), row=m.row, cell=m.cell("self"),
                                  unit_code=unit_code, code=code, text=c.text))
        own = _capped(m.self_mark, c.standard, m, "self", "Tự chấm", unit_code, problems)
        bonus = _capped(m.bonus, c.bonus or ZERO, m, "bonus", "Điểm thưởng", unit_code, problems)
        deduction = _capped(m.deduction, c.deduction or ZERO, m, "deduction", "Điểm trừ", unit_code, problems)
        a = re_marked.get(code)
        if a is None:
            scored.append(Scored(code, own, bonus, deduction))
            continue
        scored.append(Scored(
            code, own, bonus, deduction,
            _capped(a.self_mark, c.standard, a, "self", "Điểm thẩm định", unit_code, problems)
            if a.self_mark is not None else None,
            _capped(a.bonus, c.bonus or ZERO, a, "bonus", "Điểm thưởng", unit_code, problems)
            if a.bonus is not None else None,
            _capped(a.deduction, c.deduction or ZERO, a, "deduction", "Điểm trừ", unit_code, problems)
            if a.deduction is not None else None))
    return scored, problems
