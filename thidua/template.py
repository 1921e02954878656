"""The district workbook template (and the same layout filled, for the sample batch), written with xlsxwriter."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import xlsxwriter

from . import schema, terms
from .config import Config
from .names import unit_template_names
from .registry import Registry
from .text import cap_first, fmt_number
from .xlsx_style import Styles, write_cell

TITLE = "Mẫu báo cáo thi đua khen thưởng"
HEADER_ROW = 2  # 0-based: title on row 1, note on row 2, headers on row 3
VALIDATED_ROWS = 1000
FIXED_DATE = dt.datetime(2023, 1, 1)  # document property, so the committed template is reproducible

COUNTED = {"communes": "đơn vị cấp xã", "bctmt": "Ban công tác Mặt trận"}
SUBMITTERS = {"huyen": "Ủy ban MTTQ Việt Nam cấp huyện đề nghị", "xa": "Ủy ban MTTQ Việt Nam cấp xã đề nghị",
              "tinh": "Ủy ban MTTQ Việt Nam tỉnh xét đề nghị"}
SCOPES = {"unit": "", "cluster": " trong cụm thi đua", "province": " toàn tỉnh"}


def quota_lines(config: Config) -> list[str]:
    """Every quota line of the plan, as the instructions sheet tells it to a clerk."""
    rounding = f"nếu số lẻ nhiều hơn {fmt_number(float(config.rounding_threshold))} làm tròn 1"
    lines = []
    for q in config.quotas:
        if q.per_unit is not None:
            each = f"{q.per_unit:02d} {'người' if q.kind == 'individual' else 'tập thể'}"
            each += {"unit": "/đơn vị", "cluster": "/cụm thi đua", "province": " toàn tỉnh"}[q.scope] \
                if q.submitter != "tinh" else ""
        else:
            each = f"cứ {q.per_unit_divisor} {COUNTED[q.count or 'communes']}{SCOPES[q.scope]} chọn 1 ({rounding})"
        pooled = "; các đơn vị trong cụm xét chung theo điểm" if q.scope == "cluster" else \
            ("; xét chung toàn tỉnh theo điểm" if q.scope == "province" else "")
        lines.append(f"   - {cap_first(terms.describe(q.kind, q.level))}, {terms.AWARDS[q.award]}: {each}; "
                     f"do {SUBMITTERS[q.submitter]}{pooled}.")
    return lines


# How the instructions name each row of "Thông tin".
INFO_WORDS = {"unit_name": "tên đơn vị", "unit_code": "mã đơn vị", "cluster": "cụm thi đua", "year": "năm", "round": "đợt",
              "declared_communes": "số đơn vị cấp xã", "declared_bctmt": "số Ban công tác Mặt trận",
              "self_score": "điểm tự chấm", "preparer": "người lập", "phone": "điện thoại", "email": "email",
              "date": "ngày lập"}


def _words(fields: list[str]) -> str:
    words = [INFO_WORDS[f] for f in fields if f in INFO_WORDS]
    return ", ".join(words[:-1]) + " và " + words[-1] if len(words) > 1 else "".join(words)


def instructions(config: Config, two_tier: bool = False, prefilled: tuple[schema.InfoField, ...] = (),
                 locked: frozenset[str] = frozenset(), appraisal: str = "") -> list[str]:
    """The Hướng dẫn sheet. On the two-tier map a commune has no communes to score and no district above it,
    so nothing is said of either; a per-unit template (`prefilled`: its rows of "Thông tin") says what the Văn
    phòng already wrote; `appraisal`: the appraisal sheet the province's own template holds."""
    if prefilled:
        info = (f"Trang \"Thông tin\": {_words([f.field for f in prefilled if f.field in locked])} đã được Văn phòng "
                f"ghi sẵn, không sửa; ghi {_words([f.field for f in prefilled if f.field not in locked])}.")
    elif two_tier:
        info = ("Trang \"Thông tin\": ghi đủ tên, mã đơn vị, năm, đợt (Sơ kết hoặc Tổng kết), số Ban công tác Mặt "
                "trận, điểm tự chấm, người lập, điện thoại, email và ngày lập.")
    else:
        info = ("Trang \"Thông tin\": ghi đủ tên, mã đơn vị, năm, đợt (Sơ kết hoặc Tổng kết), số đơn vị cấp xã, "
                "số Ban công tác Mặt trận, điểm tự chấm, người lập, điện thoại, email và ngày lập.")
    sheets = [info] if two_tier else [
        info, "Trang \"Chấm điểm cấp xã\": mỗi xã, phường, thị trấn một dòng, ghi điểm chấm thi đua (thang 100 điểm)."]
    sheets.append("Trang \"Chấm điểm BCTMT\": mỗi Ban công tác Mặt trận ở khu dân cư của đơn vị một dòng, ghi điểm chấm."
                  if two_tier else
                  "Trang \"Chấm điểm BCTMT\": mỗi Ban công tác Mặt trận ở khu dân cư một dòng, ghi thuộc xã nào và điểm chấm.")
    if appraisal:
        sheets.append(f"Trang \"{appraisal}\" (chỉ trong tệp của tỉnh): mỗi đơn vị được thẩm định một dòng, ghi mã đơn "
                      "vị, tên đơn vị và điểm thẩm định; đơn vị không có dòng ở đây được xếp hạng theo điểm tự chấm.")
    counted = ("số xã, phường và số Ban công tác Mặt trận của cụm lấy theo danh sách đơn vị của tỉnh" if two_tier
               else "số xã, số Ban công tác Mặt trận lấy theo danh sách của tỉnh")
    items = [
        *sheets,
        "Trang \"Đề nghị tập thể\" và \"Đề nghị cá nhân\": mỗi tập thể, cá nhân được đề nghị khen thưởng một dòng. "
        "Chọn \"Cấp\", \"Hình thức khen thưởng\", \"Loại khen\" trong danh sách thả xuống.",
        "Hồ sơ (03 bộ gốc, gửi bằng văn bản giấy về Văn phòng): ở các cột \"Tờ trình\", \"Biên bản\", "
        "\"Báo cáo thành tích\" đánh dấu x khi đã có.",
        f"Số lượng đề nghị theo Kế hoạch ({counted}):",
    ]
    lines = ["HƯỚNG DẪN ĐIỀN MẪU BÁO CÁO THI ĐUA, KHEN THƯỞNG", ""]
    lines += [f"{n}. {text}" for n, text in enumerate(items, start=1)]
    n = len(items)
    lines += [
        *quota_lines(config),
        "   Nếu đề nghị nhiều hơn số lượng, các trường hợp điểm thấp hơn không được xét; khi có trường hợp chưa ghi "
        "điểm thì xét theo thứ tự cột STT.",
        f"{n + 1}. Bằng khen Ủy ban nhân dân tỉnh: ghi \"Loại khen\". Đột xuất: ghi giá trị đóng góp (từ 100 triệu đồng "
        "trở lên). Công trạng: ghi số năm liên tục hoàn thành xuất sắc nhiệm vụ (từ 02 năm) và, với cá nhân (cán bộ, "
        "công chức Ủy ban MTTQ Việt Nam tỉnh), số sáng kiến (từ 02).",
        f"{n + 2}. Điểm ghi số, có thể dùng dấu phẩy (87,5). Ngày ghi theo dạng ngày/tháng/năm (25/11/{config.year}).",
        f"{n + 3}. Không đổi tên các trang và các cột; có thể thêm cột ghi chú riêng ở bên phải.",
        f"{n + 4}. Trước khi gửi chính thức, đơn vị có thể gửi tệp cho Văn phòng kiểm tra trước.",
    ]
    return lines


def info_fields(config: Config, two_tier: bool = False, example_code: str = "", cluster: bool = False,
                province: bool = False) -> tuple[schema.InfoField, ...]:
    """The rows of "Thông tin" for this map, with examples of the campaign's year. A commune is not asked for a
    number of communes, and is told of communes, wards and special zones, not of districts (issue 20)."""
    hints = {"year": f"Năm thi đua, ví dụ {config.year}", "date": f"Ngày/tháng/năm, ví dụ 25/11/{config.year}"}
    skip = {"declared_communes", "declared_bctmt", "self_score"} if province else set()
    if two_tier:
        example = f" (ví dụ {example_code})" if example_code else ""
        hints["unit_name"] = f"Tên Ủy ban MTTQ Việt Nam xã, phường, đặc khu (hoặc {config.province_name})"
        hints["unit_code"] = (f"Mã số xã, phường, đặc khu theo danh mục đơn vị hành chính{example}; "
                              f"{config.province_name} ghi mã {config.province_code}")
        skip.add("declared_communes")
    fields = [replace(f, hint=hints.get(f.field, f.hint)) for f in schema.INFO_FIELDS if f.field not in skip]
    if cluster:
        fields.insert(2, schema.CLUSTER_FIELD)
    return tuple(fields)


def _validations(ws, sheet: schema.Sheet, first: int, last: int, two_tier: bool = False) -> None:
    lists = {
        # Only the levels of this map: since 2025 there is no district to propose.
        "level": [name for code, name in terms.LEVELS.items() if not (two_tier and code == "huyen")],
        "award": [terms.AWARDS[a] for a in terms.NOMINATED_AWARDS],
        "merit": list(terms.MERIT_TYPES.values()),
        "unit_type": list(terms.UNIT_TYPES),
        "mark": ["x"],
        "gender": list(schema.GENDERS),
    }
    for c, column in enumerate(sheet.columns):
        if column.kind in lists:
            ws.data_validation(first, c, last, c, {
                "validate": "list", "source": lists[column.kind], "error_type": "warning",
                "error_title": column.label, "error_message": "Đề nghị chọn trong danh sách.",
            })
        elif column.kind == "score":
            ws.data_validation(first, c, last, c, {
                "validate": "decimal", "criteria": "between", "minimum": 0, "maximum": 100,
                "error_title": column.label, "error_message": "Điểm từ 0 đến 100.",
            })
        elif column.kind in ("int", "money"):
            ws.data_validation(first, c, last, c, {
                "validate": "decimal", "criteria": ">=", "value": 0, "error_type": "warning",
                "error_title": column.label, "error_message": "Đề nghị ghi số không âm.",
            })


def _data_sheet(wb, styles: Styles, sheet: schema.Sheet, rows: list[dict], two_tier: bool = False) -> None:
    ws = wb.add_worksheet(sheet.name)
    last_col = len(sheet.columns) - 1
    ws.merge_range(0, 0, 0, last_col, sheet.name.upper(), styles.title)
    ws.merge_range(1, 0, 1, last_col, sheet.note, styles.note)
    for c, column in enumerate(sheet.columns):
        ws.set_column(c, c, column.width, styles.unlocked)
        ws.write_string(HEADER_ROW, c, column.label, styles.header)
    ws.set_row(HEADER_ROW, 36)
    for r, values in enumerate(rows, start=HEADER_ROW + 1):
        for c, column in enumerate(sheet.columns):
            write_cell(ws, r, c, values.get(column.field), styles.unlocked, styles.unlocked_date)
    last_row = HEADER_ROW + max(VALIDATED_ROWS, len(rows) + 200)
    _validations(ws, sheet, HEADER_ROW + 1, last_row, two_tier)
    ws.freeze_panes(HEADER_ROW + 1, 0)
    ws.protect("", {"insert_rows": True, "delete_rows": True, "format_columns": True, "format_rows": True,
                    "autofilter": True, "sort": True, "select_locked_cells": True, "select_unlocked_cells": True})


def _criteria_sheet(wb, styles: Styles, table, level: str, marks: list[dict]) -> None:
    """"Chấm điểm chi tiết": the criteria filled in and locked, the unit's columns open and limited to each maximum,
    and a running total for the clerk (the batch never trusts it: it adds the marks itself)."""
    sheet = schema.CRITERIA_SCORES
    ws = wb.add_worksheet(sheet.name)
    last_col = len(sheet.columns) - 1
    ws.merge_range(0, 0, 0, last_col, sheet.name.upper(), styles.title)
    ws.merge_range(1, 0, 1, last_col - 2, sheet.note, styles.note)
    for c, column in enumerate(sheet.columns):
        ws.set_column(c, c, column.width, styles.plain if c < 5 else styles.unlocked)
        ws.write_string(HEADER_ROW, c, column.label, styles.header)
    ws.set_row(HEADER_ROW, 36)
    given = {m["code"]: m for m in marks}
    rows = [c for c in table.criteria if c.applies(level)]
    first = HEADER_ROW + 1
    for r, criterion in enumerate(rows, start=first):
        fmt = styles.plain if criterion.leaf else styles.label
        ws.write_string(r, 0, criterion.code, fmt)
        ws.write_string(r, 1, criterion.text, styles.wrap if criterion.leaf else styles.label)
        for c, value in ((2, criterion.standard), (3, criterion.bonus), (4, criterion.deduction)):
            if value is not None:
                ws.write_number(r, c, float(value), fmt)
        if not criterion.leaf:
            for c in range(5, last_col + 1):
                ws.write_blank(r, c, None, styles.plain)  # a group: nothing to mark, and locked
            continue
        m = given.get(criterion.code, {})
        for c, name, most in ((5, "self_mark", criterion.standard), (6, "bonus", criterion.bonus),
                              (7, "deduction", criterion.deduction)):
            write_cell(ws, r, c, m.get(name), styles.unlocked, styles.unlocked_date)
            ws.data_validation(r, c, r, c, {"validate": "decimal", "criteria": "between", "minimum": 0,
                                            "maximum": float(most or 0), "error_title": sheet.columns[c].label,
                                            "error_message": f"Từ 0 đến {fmt_number(float(most or 0))} điểm."})
        write_cell(ws, r, 8, m.get("note"), styles.unlocked, styles.unlocked_date)
    last = first + max(len(rows), 1) - 1
    ws.write_string(1, last_col - 1, "Tổng điểm tạm tính", styles.label)
    ws.write_formula(1, last_col, f"=SUM(F{first + 1}:F{last + 1})+SUM(G{first + 1}:G{last + 1})"
                                  f"-SUM(H{first + 1}:H{last + 1})", styles.label)
    ws.freeze_panes(HEADER_ROW + 1, 2)
    ws.protect("", {"format_columns": True, "format_rows": True, "select_locked_cells": True,
                    "select_unlocked_cells": True})


def _info_sheet(wb, styles: Styles, info: dict, fields: tuple[schema.InfoField, ...],
                locked: frozenset[str] = frozenset()) -> None:
    """Labels, the unit's values and hints; values in `locked` were written by the Văn phòng and stay as they are."""
    ws = wb.add_worksheet(schema.INFO_SHEET)
    ws.set_column(0, 0, 28)
    ws.set_column(1, 1, 44, styles.unlocked)
    ws.set_column(2, 2, 56)
    ws.write_string(0, 0, "Thông tin", styles.header)
    ws.write_string(0, 1, "Nội dung", styles.header)
    ws.write_string(0, 2, "Hướng dẫn", styles.header)
    for r, field in enumerate(fields, start=1):
        ws.write_string(r, 0, field.label, styles.label)
        if field.field in locked:
            write_cell(ws, r, 1, info.get(field.field), styles.plain, styles.date)
            ws.write_string(r, 2, "Văn phòng đã ghi sẵn theo danh sách đơn vị; không sửa", styles.note)
            continue
        write_cell(ws, r, 1, info.get(field.field), styles.unlocked, styles.unlocked_date)
        ws.write_string(r, 2, field.hint, styles.note)
    row = {f.field: i + 1 for i, f in enumerate(fields) if f.field not in locked}
    if "round" in row:
        ws.data_validation(row["round"], 1, row["round"], 1, {"validate": "list", "source": list(terms.ROUNDS.values())})
    if "self_score" in row:
        ws.data_validation(row["self_score"], 1, row["self_score"], 1, {
            "validate": "decimal", "criteria": "between", "minimum": 0, "maximum": 100,
            "error_message": "Điểm từ 0 đến 100."})
    for key in ("declared_communes", "declared_bctmt"):
        if key in row:
            ws.data_validation(row[key], 1, row[key], 1, {"validate": "integer", "criteria": ">=", "value": 0})
    ws.freeze_panes(1, 0)
    ws.protect("", {"select_locked_cells": True, "select_unlocked_cells": True, "format_columns": True})


def _instructions(wb, styles: Styles, lines: list[str]) -> None:
    ws = wb.add_worksheet("Hướng dẫn")
    ws.set_column(0, 0, 120, styles.wrap)
    for r, line in enumerate(lines):
        ws.write_string(r, 0, line, styles.title if r == 0 else styles.wrap)


def write_workbook(path: Path, config: Config, info: dict | None = None, tables: dict[str, list[dict]] | None = None,
                   appraisal: bool = False, two_tier: bool = False, locked: frozenset[str] = frozenset(),
                   example_code: str = "") -> Path:
    """Write the district workbook: blank (the template) or filled with `info` and `tables` (by sheet key).
    `locked`: the fields of "Thông tin" the Văn phòng filled in for one unit (a per-unit template)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tables = tables or {}
    info = {"template_version": schema.TEMPLATE_VERSION, **(info or {})}
    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False})
    wb.set_properties({"title": TITLE, "author": "thidua", "created": FIXED_DATE})
    styles = Styles(wb)
    fields = info_fields(config, two_tier, example_code, cluster="cluster" in locked, province=appraisal and bool(locked))
    appraised = (schema.APPRAISAL_2025 if two_tier else schema.APPRAISAL).name if appraisal and locked else ""
    _instructions(wb, styles, instructions(config, two_tier, fields if locked else (), locked, appraised))
    _info_sheet(wb, styles, info, fields, locked)
    for sheet in schema.DATA_SHEETS:
        if sheet.province_only and not appraisal or sheet.key == "communes" and two_tier:
            continue  # a commune scores no communes (since 2025)
        if sheet in schema.CRITERIA_SHEETS and config.criteria is None:
            continue  # no criteria table: units type their total in "Thông tin"
        if sheet.key == "appraisal" and two_tier:
            sheet = schema.APPRAISAL_2025
        if sheet.key == "criteria":
            if not appraisal:  # the province itself is not scored
                _criteria_sheet(wb, styles, config.criteria, "xa" if two_tier else "huyen", tables.get("criteria", []))
            continue
        _data_sheet(wb, styles, sheet, tables.get(sheet.key, []), two_tier)
    wb.worksheets()[1].activate()
    wb.close()
    return path


def write_template(path: Path, config: Config, two_tier: bool = False, example_code: str = "") -> Path:
    return write_workbook(path, config, two_tier=two_tier, example_code=example_code)


# What the Văn phòng fills in and locks in each unit's own template: a commune never types its code.
PREFILLED = frozenset({"unit_name", "unit_code", "cluster", "year", "round"})


def write_unit_templates(folder: Path, config: Config, registry: Registry) -> list[Path]:
    """One template per submitting unit and one for the province, each with the unit's identity filled in."""
    folder = Path(folder)
    province = registry.province
    units = (*registry.submitters, province)
    names = unit_template_names(units)
    written = []
    for unit in units:
        info = {"unit_name": unit.name, "unit_code": unit.code, "year": config.year, "round": terms.ROUNDS[config.round]}
        locked = PREFILLED if unit.cluster else PREFILLED - {"cluster"}
        if unit.cluster:
            info["cluster"] = unit.cluster
        written.append(write_workbook(folder / names[unit.code], config, info, appraisal=unit is province,
                                      two_tier=registry.two_tier, locked=locked))
    return written
