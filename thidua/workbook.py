"""Reading district workbooks: sheets and columns found by their Vietnamese labels, values parsed.

It knows Excel and Vietnamese text, nothing about quotas. Every problem becomes an Issue that names
the file, the sheet and the cell; one bad file never stops the others.
"""

from __future__ import annotations

import functools
import gc
import math
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from python_calamine import CalamineWorkbook
from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell

from . import guard, legacy, schema, terms, xlsx_stream
from .criteria import Marks, code_text
from .issues import Issue, issue
from .names import sha256_of
from .records import Info, NominationRow, ScoreRow, Submission
from .text import (
    LabelIndex,
    ParseError,
    clean,
    label_key,
    lookup,
    match_label,
    parse_date,
    parse_int,
    parse_mark,
    parse_money,
    parse_number,
    strip_diacritics,
    unit_code,
)

SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".xlsb")


SYSTEM_FILES = {"desktop.ini", "thumbs.db"}


def list_inputs(folder: Path) -> list[Path]:
    """Every file under the input folder (sub-folders too), in a stable order; hidden and system files aside."""
    folder = Path(folder)
    return sorted((p for p in folder.rglob("*") if p.is_file() and not _hidden(p.relative_to(folder))),
                  key=lambda p: p.as_posix().casefold())


def _hidden(relative: Path) -> bool:
    return any(part.startswith(".") for part in relative.parts) or relative.name.casefold() in SYSTEM_FILES


def skip_reason(path: Path) -> str | None:
    if path.name.startswith("~$"):
        return "tệp tạm do Excel tạo khi đang mở tệp"
    if path.suffix.lower() not in SPREADSHEET_SUFFIXES:
        return f"đuôi tệp \"{path.suffix or '(không có)'}\""
    return None


# ---------------------------------------------------------------- finding sheets, headers, columns

def find_sheet(names: list[str], wanted: list[str]) -> str | None:
    for name in names:
        if match_label(name, wanted) is not None:
            return name
    return None


@dataclass(frozen=True)
class Header:
    row: int  # 0-based index of the last header row; data starts below it
    columns: dict[str, int]  # field -> 0-based column index
    found: list[str]  # labels present in the header, as typed


def find_label(index: LabelIndex, value: object):
    """A label as typed; failing that, as it reads in a legacy font ("CÊp" typed with .VnTime is "Cấp")."""
    if not isinstance(value, str):
        return None
    found = index.find(value)
    if found is None and not value.isascii():
        key = ("legacy", value)
        if key in index.seen:
            return index.seen[key]
        for decode in legacy.DECODERS.values():
            found = index.find(decode(value))
            if found is not None:
                break
        index.seen[key] = found
    return found


def _match_row(cells, index: LabelIndex) -> dict[str, int]:
    columns: dict[str, int] = {}
    for c, value in enumerate(cells):
        field_name = find_label(index, value)
        if field_name is not None and field_name not in columns:
            columns[field_name] = c
    return columns


def find_header(rows: list[list], sheet: schema.Sheet) -> Header | None:
    """The row among the first few whose cells match the most column labels. A header split over two rows
    (a merged "Hồ sơ" above "Tờ trình | Biên bản | Báo cáo thành tích") is read as one: a column's label is
    the lower cell, or the upper one where the lower is empty (a merged cell keeps its text in the top cell)."""
    index = _column_index(sheet)
    best: Header | None = None
    top = rows[: schema.HEADER_SEARCH_ROWS]
    for r, cells in enumerate(top):
        candidates = [(r, cells)]
        if r + 1 < len(rows):
            below = rows[r + 1]
            width = max(len(cells), len(below))
            merged = [(below[c] if c < len(below) and clean(below[c]) else (cells[c] if c < len(cells) else ""))
                      for c in range(width)]
            candidates.append((r + 1, merged))
        for last, labels in candidates:
            columns = _match_row(labels, index)
            if columns and (best is None or len(columns) > len(best.columns)):
                best = Header(last, columns, [clean(v) for v in labels if clean(v)])
    return best


@functools.cache
def _column_index(sheet: schema.Sheet) -> LabelIndex:
    return LabelIndex({label: column.field for column in sheet.columns for label in column.labels})


# ---------------------------------------------------------------- values

_EXAMPLES = {"score": "87,5", "int": "2", "money": "100.000.000"}


def _at(at: tuple[str, str, str, int]) -> dict[str, Any]:
    return {"file": at[0], "sheet": at[1], "cell": f"{at[2]}{at[3]}", "row": at[3]}


def _parse(column: schema.Column, raw: object, at: tuple[str, str, str, int]) -> tuple[object, Issue | None]:
    """(value, problem) for one cell; blank gives (None or "", None). `at` is (file, sheet, column letter, row):
    the cell's address is spelled out only for a problem."""
    if column.kind in ("score", "int") and isinstance(raw, (int, float)) and not isinstance(raw, bool) \
            and math.isfinite(raw):
        if column.kind == "score" or float(raw).is_integer():
            return float(raw) if column.kind == "score" else int(raw), None
    text = clean(raw)
    try:
        if column.kind == "score":
            return parse_number(raw), None
        if column.kind == "int":
            return parse_int(raw), None
        if column.kind == "money":
            return parse_money(raw), None
    except ParseError:
        return None, issue("bad-number", column=column.label, value=text, example=_EXAMPLES[column.kind], **_at(at))
    if column.kind == "mark":
        return parse_mark(raw), None
    if not text:
        return (None if column.kind in ("level", "award", "merit") else ""), None
    if column.kind == "level":
        code = lookup(text, terms.LEVEL_SPELLINGS)
        problem = None if code else issue("unknown-level", value=text, allowed=", ".join(terms.LEVELS.values()), **_at(at))
        return code, problem
    if column.kind == "award":
        code = lookup(text, terms.AWARD_SPELLINGS)
        allowed = ", ".join(terms.AWARDS[a] for a in terms.NOMINATED_AWARDS)
        return code, None if code else issue("unknown-award", value=text, allowed=allowed, **_at(at))
    if column.kind == "merit":
        code = lookup(text, terms.MERIT_SPELLINGS)
        allowed = ", ".join(terms.MERIT_TYPES.values())
        return code, None if code else issue("unknown-merit-type", value=text, allowed=allowed, **_at(at))
    if column.kind == "gender":
        return lookup(text, terms.GENDER_SPELLINGS) or text, None
    if column.kind == "unit_type":
        return lookup(text, terms.UNIT_TYPE_SPELLINGS) or text, None
    return text, None


def _table(rows: list[list], sheet: schema.Sheet, sheet_name: str, file: str, issues: list[Issue]):
    """Yield (row number, values, column letters, problems) for each non-blank data row of a sheet. The values
    hold "_missing": the labels of the required columns the sheet lacks."""
    header = find_header(rows, sheet)
    if header is None:
        header = Header(0, {}, [])
    absent = tuple(c.label for c in sheet.columns if c.required and c.field not in header.columns)
    for column in sheet.columns:
        if column.required and column.field not in header.columns:
            issues.append(issue("missing-column", file=file, sheet=sheet_name, cell=xl_rowcol_to_cell(header.row, 0),
                                column=column.label, found=", ".join(header.found) or "(không có)"))
    by_field = {c.field: c for c in sheet.columns}
    known = sorted(header.columns.values())
    letters = {c: xl_col_to_name(c) for c in known}
    # One map of field -> column letter for the whole sheet: each row's cells are its letters and its number.
    columns = {"_row": "A", **{f: letters[c] for f, c in header.columns.items()}}
    for r in range(header.row + 1, len(rows)):
        cells = rows[r]
        # A row counts when a column of ours holds something; the district's own extra columns do not.
        if not any(c < len(cells) and _filled(cells[c]) for c in known):
            continue
        if _is_totals(cells, header.columns):
            issues.append(issue("totals-row", file=file, sheet=sheet_name, cell=xl_rowcol_to_cell(r, 0), row=r + 1))
            continue
        values: dict[str, object] = {"_missing": absent}
        problems: list[Issue] = []
        for field_name, c in header.columns.items():
            raw = cells[c] if c < len(cells) else ""
            value, problem = _parse(by_field[field_name], raw, (file, sheet_name, letters[c], r + 1))
            values[field_name] = value
            if problem:
                problems.append(problem)
        yield r + 1, values, columns, tuple(problems)


def _filled(value: object) -> bool:
    if value is None or value == "":
        return False
    if isinstance(value, str):
        return bool(value.strip()) and bool(clean(value))
    return True


_TOTALS = ("tổng cộng", "cộng", "tổng số", "tổng")
_TOTALS_PREFIXES = ("tổng cộng ", "tổng số ", "tổng cộng:", "cộng:")


def _is_totals(cells, columns: dict[str, int]) -> bool:
    """A "Tổng cộng" line under the table: its label stands where the STT or the name would. Typed without
    diacritics the label is also the start of names ("Tong cong ty Dien luc"), so it counts only when the rest
    of the row is a totals row's: no text in our other columns, numbers at most."""
    for field_name in ("stt", "name"):
        c = columns.get(field_name)
        if c is not None and c < len(cells) and isinstance(cells[c], str):
            head = cells[c].lstrip()[:1].casefold()
            if head not in ("t", "c"):
                continue  # the usual case, decided without normalising the text
            key = label_key(cells[c]).rstrip(" :")
            if key in _TOTALS or key.startswith(_TOTALS_PREFIXES):
                return True
            if key.isascii():
                bare = tuple(strip_diacritics(t) for t in _TOTALS)
                if (key in bare or key.startswith(tuple(strip_diacritics(p) for p in _TOTALS_PREFIXES))) \
                        and _no_other_text(cells, columns, c):
                    return True
    return False


def _no_other_text(cells, columns: dict[str, int], label: int) -> bool:
    return not any(c != label and c < len(cells) and isinstance(cells[c], str) and clean(cells[c])
                   for c in columns.values())


def _nominations(rows, sheet: schema.Sheet, sheet_name: str, file: str, issues: list[Issue]):
    kind = "collective" if sheet is schema.COLLECTIVE else "individual"
    for row, v, cells, problems in _table(rows, sheet, sheet_name, file, issues):
        yield NominationRow(
            file=file, sheet=sheet_name, row=row, kind=kind, stt=v.get("stt"), name=v.get("name") or "",
            level=v.get("level"), award=v.get("award"), merit_type=v.get("merit_type"), score=v.get("score"),
            summary=v.get("summary") or "", has_proposal=bool(v.get("has_proposal")),
            has_minutes=bool(v.get("has_minutes")), has_report=bool(v.get("has_report")),
            years_excellent=v.get("years_excellent"), initiatives=v.get("initiatives"),
            contribution=v.get("contribution"), gender=v.get("gender") or "", birth_year=v.get("birth_year"),
            ethnicity=v.get("ethnicity") or "", position=v.get("position") or "",
            workplace=v.get("workplace") or "", note=v.get("note") or "", letters=cells, problems=problems,
            missing_columns=v["_missing"],
        )


def _scores(rows, sheet: schema.Sheet, sheet_name: str, file: str, issues: list[Issue]):
    for row, v, cells, problems in _table(rows, sheet, sheet_name, file, issues):
        yield ScoreRow(
            file=file, sheet=sheet_name, row=row, stt=v.get("stt"), name=v.get("name") or "",
            score=v.get("score"), unit_type=v.get("unit_type") or "", parent=v.get("parent") or "",
            unit_code=unit_code(v.get("unit_code")), note=v.get("note") or "", letters=cells, problems=problems,
        )


def _marks(rows, sheet: schema.Sheet, sheet_name: str, file: str, issues: list[Issue]):
    """Rows of "Chấm điểm chi tiết" (or the province's "Thẩm định chi tiết"): a code and its marks."""
    for row, v, cells, problems in _table(rows, sheet, sheet_name, file, issues):
        issues.extend(problems)
        code = code_text(v.get("code"))
        if not code:
            continue
        self_mark, bonus, deduction = (None if v.get(f) is None else Decimal(str(v.get(f)))
                                       for f in ("self_mark", "bonus", "deduction"))
        marks = Marks(code, self_mark, bonus, deduction, file=file, sheet=sheet_name, row=row,
                      cells=tuple((name, f"{cells[f]}{row}") for name, f in
                                  (("code", "code"), ("self", "self_mark"), ("bonus", "bonus"),
                                   ("deduction", "deduction")) if f in cells))
        yield (unit_code(v.get("unit_code")), marks) if sheet is schema.CRITERIA_APPRAISAL else marks


def _info(rows: list[list], sheet_name: str, file: str, issues: list[Issue]) -> Info:
    """Label in one cell, its value in the cell right beside it (further cells are notes)."""
    fields = (*schema.INFO_FIELDS, schema.CLUSTER_FIELD)
    labels = LabelIndex({label: i for i, f in enumerate(fields) for label in (f.label, *f.aliases)})
    raw: dict[str, object] = {}
    cells: dict[str, str] = {}
    for r, row in enumerate(rows):
        filled = [(c, v) for c, v in enumerate(row) if clean(v)]
        if not filled:
            continue
        index = find_label(labels, filled[0][1])
        if index is None:
            continue
        info_field = fields[index].field
        if info_field in raw:
            continue
        value_col = filled[0][0] + 1  # the value stands right of its label; further columns are notes
        raw[info_field] = row[value_col] if value_col < len(row) else ""
        cells[info_field] = xl_rowcol_to_cell(r, value_col)

    def number(name: str, parser, label: str, example: str = _EXAMPLES["int"]):
        try:
            return parser(raw.get(name))
        except ParseError:
            issues.append(issue("bad-number", file=file, sheet=sheet_name, cell=cells.get(name, ""),
                                column=label, value=clean(raw.get(name)), example=example))
            return None

    year = number("year", parse_int, "Năm")
    date = None
    try:
        date = parse_date(raw.get("date"))
    except ParseError:
        # The example is of the year the file names; the checks of an admitted file say the campaign's year.
        issues.append(issue("bad-date", file=file, sheet=sheet_name, cell=cells.get("date", ""),
                            value=clean(raw.get("date")), year=year if year is not None else ""))
    round_text = clean(raw.get("round"))
    return Info(
        unit_name=clean(raw.get("unit_name")), unit_code=unit_code(raw.get("unit_code")),
        year=year, round=lookup(round_text, terms.ROUND_SPELLINGS), round_text=round_text,
        declared_communes=number("declared_communes", parse_int, "Số đơn vị cấp xã"),
        declared_bctmt=number("declared_bctmt", parse_int, "Số Ban công tác Mặt trận"),
        self_score=number("self_score", parse_number, "Điểm tự chấm", _EXAMPLES["score"]),
        preparer=clean(raw.get("preparer")), phone=clean(raw.get("phone")), email=clean(raw.get("email")),
        date=date, template_version=clean(raw.get("template_version")), cluster=clean(raw.get("cluster")), cells=cells,
        sheet=sheet_name,
    )


# ---------------------------------------------------------------- one file

def _open_book(path: Path) -> CalamineWorkbook:
    """calamine opens a path it can pass to the system as UTF-8; a name that is not (a CP1258 name unzipped on
    Linux) is opened by Python and handed over as a file."""
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:
        with path.open("rb") as fh:
            return CalamineWorkbook.from_filelike(fh)
    return CalamineWorkbook.from_path(str(path))


class _Book:
    """One open workbook: rows of a sheet by name, through calamine or, for oversized sheets, the streaming
    reader; legacy-font text converted, with the issues that reading raised."""

    def __init__(self, path: Path, file: str, scan: guard.Scan, limits: guard.Limits):
        self.path, self.file, self.scan, self.limits = path, file, scan, limits
        self.book = _open_book(path)
        # Sheet names as users read them (a name typed with a legacy font is converted) -> names in the file.
        self.sheets = {(legacy.best(n) or (n,))[0]: n for n in self.book.sheet_names}
        self.names = list(self.sheets)
        shown = {v: k for k, v in self.sheets.items()}
        self.hidden = {shown[m.name] for m in self.book.sheets_metadata
                       if str(m.visible).rsplit(".", 1)[-1] != "Visible" and m.name in shown}
        self.issues: list[Issue] = []

    def rows(self, shown: str) -> list:
        """Rows of the sheet users know as `shown`; issues name it that way too."""
        name = self.sheets[shown]
        where: dict[str, Any] = {"file": self.file, "sheet": shown}
        if name in self.scan.oversized:
            rows, ignored = xlsx_stream.read_sheet(self.path, name, self.limits)
            last_row, last_col = self.scan.oversized[name]
            self.issues.append(issue("sheet-too-large", cell=xl_rowcol_to_cell(last_row - 1, last_col - 1), ignored=ignored,
                                     rows=self.limits.max_rows, columns=self.limits.max_columns, **where))
        else:
            rows = self.book.get_sheet_by_name(name).to_python(skip_empty_area=False)
        if shown in self.hidden:
            self.issues.append(issue("hidden-sheet", what="vẫn được đọc vì trùng tên trang của mẫu", **where))
        for ref in self.scan.formulas_without_value.get(name, []):
            self.issues.append(issue("formula-without-value", cell=ref, **where))
        return self._unlegacy(rows, shown)

    def _unlegacy(self, rows: list, name: str) -> list:
        rows, encoding, converted = legacy.convert_sheet(rows)
        if converted:
            cells = [xl_rowcol_to_cell(r, c) for r, c in converted]
            self.issues.append(issue("legacy-encoding", file=self.file, sheet=name, cell=cells[0], count=len(cells),
                                     encoding=encoding, cells=", ".join(cells[:8]) + (" ..." if len(cells) > 8 else "")))
        return rows

    def close(self) -> None:
        self.book.close()


def _refused(file: str, digest: str, mtime: float, code: str, reason: str) -> Submission:
    return Submission(file, digest, mtime, readable=False, issues=(issue(code, file=file, reason=reason),))


def read_submission(path: Path, file: str | None = None, limits: guard.Limits = guard.Limits()) -> Submission:
    """Read one input file. `file` is the name shown to users (relative to the input folder)."""
    # Reading makes many small objects and no cycles; the cyclic collector would rescan them again and
    # again as they pile up (a large sheet took twice as long), so it waits until the file is read.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _read_submission(path, file, limits)
    finally:
        if enabled:
            gc.enable()


def _read_submission(path: Path, file: str | None, limits: guard.Limits) -> Submission:
    path = Path(path)
    file = display_name(file or path.name)
    try:
        stat = path.stat()
        digest = sha256_of(path)
    except OSError as exc:  # removed, moved or locked since the folder was listed; unreadable for this user
        return _refused(file, "", 0.0, "file-unreadable", _os_reason(exc))
    reason = skip_reason(path)
    if reason:
        return Submission(file, digest, stat.st_mtime, readable=False, skipped=True,
                          issues=(issue("file-skipped", file=file, reason=reason),))
    try:
        scan = guard.scan(path, limits)
        book = _Book(path, file, scan, limits)
    except guard.Refused as refused:
        return _refused(file, digest, stat.st_mtime, refused.code, refused.reason)
    except OSError as exc:
        return _refused(file, digest, stat.st_mtime, "file-unreadable", _os_reason(exc))
    except Exception as exc:  # calamine raises several types for broken, encrypted or foreign files
        code, reason = _describe(exc)
        return _refused(file, digest, stat.st_mtime, code, reason)
    issues: list[Issue] = []
    if scan.macros:
        issues.append(issue("macros-ignored", file=file))
    try:
        return _read_book(book, file, digest, stat.st_mtime, issues)
    except Exception as exc:  # a sheet that calamine cannot decode
        code, reason = _describe(exc)
        return _refused(file, digest, stat.st_mtime, code, reason)
    finally:
        book.close()  # on Windows an open workbook stays locked


def _read_book(book: _Book, file: str, digest: str, mtime: float, issues: list[Issue]) -> Submission:
    """The sheets of an opened workbook: "Thông tin" first, then every data sheet the template has."""
    names = book.names
    info_name = find_sheet(names, [schema.INFO_SHEET, *schema.INFO_SHEET_ALIASES])
    if info_name is None:
        found = ", ".join(names) or "(không có)"
        return Submission(file, digest, mtime, readable=False,
                          issues=(issue("missing-info-sheet", file=file, found=found),))
    info = _info(book.rows(info_name), info_name, file, issues)
    tables: dict[str, tuple | None] = {}
    used = {info_name}
    for sheet in schema.DATA_SHEETS:
        # Every sheet under one of the table's names is read ("Thẩm định" and "Thẩm định cấp huyện" both): rows
        # that repeat one another are then reported, not dropped with a sheet nobody looked at.
        matching = [n for n in names if n not in used and match_label(n, sheet.names) is not None]
        if not matching:
            tables[sheet.key] = None
            continue
        used.update(matching)
        reader = _nominations if sheet in schema.NOMINATION_SHEETS else \
            _marks if sheet in schema.CRITERIA_SHEETS else _scores
        tables[sheet.key] = tuple(row for name in matching for row in reader(book.rows(name), sheet, name, file, issues))
    for name in names:
        if name in used:
            continue
        copied = _copied_sheet(name)
        if copied is not None:
            # Excel names a copied sheet "Đề nghị cá nhân (2)": a clerk who ran out of room, or kept a spare. Its
            # rows are read as rows of the sheet it copies, so none is lost; the warning asks to remove a spare.
            used.add(name)
            reader = _nominations if copied in schema.NOMINATION_SHEETS else \
                _marks if copied in schema.CRITERIA_SHEETS else _scores
            rows = tuple(reader(book.rows(name), copied, name, file, issues))
            tables[copied.key] = (tables[copied.key] or ()) + rows
            issues.append(issue("sheet-copy-read", file=file, sheet=name, original=copied.name, rows=len(rows)))
        else:
            issues += _unread_rows(book, name)
    for name in sorted(book.hidden - used):
        issues.append(issue("hidden-sheet", file=file, sheet=name, what="bị bỏ qua"))
    return Submission(
        file, digest, mtime, readable=True, info=info, sheet_names=tuple(names),
        found_tables=frozenset(k for k, rows in tables.items() if rows is not None),
        communes=tables["communes"] or (), bctmt=tables["bctmt"] or (), appraisals=tables["appraisal"] or (),
        nominations=(tables["collective"] or ()) + (tables["individual"] or ()), issues=tuple(book.issues + issues),
        criteria=tables["criteria"] or (), criteria_appraisals=tables["criteria_appraisal"] or (),
    )


def _os_reason(exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        return "tệp đã bị xóa hoặc chuyển đi trong lúc tổng hợp"
    if isinstance(exc, PermissionError):
        return "tài khoản đang chạy chương trình không có quyền đọc tệp (hoặc tệp đang bị chương trình khác khóa)"
    return f"lỗi khi đọc tệp ({exc.strerror or exc})"


def display_name(name: str) -> str:
    """A file name as users should read it. A name that is not UTF-8 (unzipping a zip made on a Vietnamese
    Windows leaves CP1258 bytes, which Python carries as surrogates) is read as CP1258, else with U+FFFD."""
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        raw = name.encode("utf-8", "surrogateescape")
    try:
        return unicodedata.normalize("NFC", raw.decode("cp1258"))
    except UnicodeDecodeError:
        return raw.decode("utf-8", "replace")


_COPY_SUFFIX = re.compile(r"(.+?)\s*(?:\(\d{1,3}\)|\d{1,3})")


def _copied_sheet(name: str) -> schema.Sheet | None:
    """The data sheet a sheet name copies: "Đề nghị cá nhân (2)" (Excel's name for a copy), "Đề nghị cá nhân 2"."""
    match = _COPY_SUFFIX.fullmatch(name.strip())
    if match is None:
        return None
    return next((s for s in schema.DATA_SHEETS if match_label(match.group(1), s.names) is not None), None)


def _unread_rows(book: _Book, name: str) -> list[Issue]:
    """A sheet of another name that holds rows under one of our tables' headers ("Sheet1" with the nominations
    of "Đề nghị tập thể"): the reader does not guess, but names the sheet, so no row vanishes unsaid."""
    original = book.sheets[name]
    if original in book.scan.oversized:
        return []
    try:
        rows = book.book.get_sheet_by_name(original).to_python(skip_empty_area=False)
    except Exception:  # a chart sheet or another sheet calamine cannot give as cells: it holds no rows of ours
        return []
    headers = [(header, sheet) for sheet in schema.DATA_SHEETS if (header := find_header(rows, sheet)) is not None]
    if not headers:
        return []
    header, sheet = max(headers, key=lambda found: len(found[0].columns))  # the table it resembles most
    if len(header.columns) < 2:
        return []
    known = list(header.columns.values())
    data = [r for r in range(header.row + 1, len(rows)) if any(c < len(rows[r]) and _filled(rows[r][c]) for c in known)]
    if not data:
        return []
    return [issue("sheet-not-read", file=book.file, sheet=name, cell=xl_rowcol_to_cell(data[0], 0), rows=len(data),
                  like=sheet.name)]


def _describe(exc: Exception) -> tuple[str, str]:
    name = type(exc).__name__
    text = str(exc).lower()
    if name == "PasswordError" or "password" in text or "encrypt" in text:
        return "file-protected", "tệp được đặt mật khẩu"
    if name in ("ZipError", "BadZipFile") or "zip" in text:
        return "file-unreadable", "tệp bị hỏng hoặc không phải tệp Excel thật"
    return "file-unreadable", "tệp bị hỏng hoặc không đúng định dạng"
