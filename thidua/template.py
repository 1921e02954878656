"""The district workbook template (and the same layout filled, for the sample batch), written with xlsxwriter."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import xlsxwriter

from . import schema, terms
from .config import Config
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


def instructions(config: Config) -> list[str]:
    return [
        "HƯỚNG DẪN ĐIỀN MẪU BÁO CÁO THI ĐUA, KHEN THƯỞNG",
        "",
        "1. Trang \"Thông tin\": ghi đủ tên, mã đơn vị, năm, đợt (Sơ kết hoặc Tổng kết), số đơn vị cấp xã, "
        "số Ban công tác Mặt trận, điểm tự chấm, người lập, điện thoại, email và ngày lập.",
        "2. Trang \"Chấm điểm cấp xã\": mỗi xã, phường, thị trấn một dòng, ghi điểm chấm thi đua (thang 100 điểm).",
        "3. Trang \"Chấm điểm BCTMT\": mỗi Ban công tác Mặt trận ở khu dân cư một dòng, ghi thuộc xã nào và điểm chấm.",
        "4. Trang \"Đề nghị tập thể\" và \"Đề nghị cá nhân\": mỗi tập thể, cá nhân được đề nghị khen thưởng một dòng. "
        "Chọn \"Cấp\", \"Hình thức khen thưởng\", \"Loại khen\" trong danh sách thả xuống.",
        "5. Hồ sơ (03 bộ gốc, gửi bằng văn bản giấy về Văn phòng): ở các cột \"Tờ trình\", \"Biên bản\", "
        "\"Báo cáo thành tích\" đánh dấu x khi đã có.",
        "6. Số lượng đề nghị theo Kế hoạch (số xã, số Ban công tác Mặt trận lấy theo danh sách của tỉnh):",
        *quota_lines(config),
        "   Nếu đề nghị nhiều hơn số lượng, các trường hợp điểm thấp hơn không được xét; khi có trường hợp chưa ghi "
        "điểm thì xét theo thứ tự cột STT.",
        "7. Bằng khen Ủy ban nhân dân tỉnh: ghi \"Loại khen\". Đột xuất: ghi giá trị đóng góp (từ 100 triệu đồng trở lên). "
        "Công trạng: ghi số năm liên tục hoàn thành xuất sắc nhiệm vụ (từ 02 năm) và, với cá nhân (cán bộ, công chức "
        "Ủy ban MTTQ Việt Nam tỉnh), số sáng kiến (từ 02).",
        "8. Điểm ghi số, có thể dùng dấu phẩy (87,5). Ngày ghi theo dạng ngày/tháng/năm (25/11/2023).",
        "9. Không đổi tên các trang và các cột; có thể thêm cột ghi chú riêng ở bên phải.",
        "10. Trước khi gửi chính thức, đơn vị có thể gửi tệp cho Văn phòng kiểm tra trước.",
    ]


def _validations(ws, sheet: schema.Sheet, first: int, last: int) -> None:
    lists = {
        "level": list(terms.LEVELS.values()),
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


def _data_sheet(wb, styles: Styles, sheet: schema.Sheet, rows: list[dict]) -> None:
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
    _validations(ws, sheet, HEADER_ROW + 1, last_row)
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


def _info_sheet(wb, styles: Styles, info: dict) -> None:
    ws = wb.add_worksheet(schema.INFO_SHEET)
    ws.set_column(0, 0, 28)
    ws.set_column(1, 1, 44, styles.unlocked)
    ws.set_column(2, 2, 56)
    ws.write_string(0, 0, "Thông tin", styles.header)
    ws.write_string(0, 1, "Nội dung", styles.header)
    ws.write_string(0, 2, "Hướng dẫn", styles.header)
    for r, field in enumerate(schema.INFO_FIELDS, start=1):
        ws.write_string(r, 0, field.label, styles.label)
        write_cell(ws, r, 1, info.get(field.field), styles.unlocked, styles.unlocked_date)
        ws.write_string(r, 2, field.hint, styles.note)
    row = {f.field: i + 1 for i, f in enumerate(schema.INFO_FIELDS)}
    ws.data_validation(row["round"], 1, row["round"], 1, {"validate": "list", "source": list(terms.ROUNDS.values())})
    ws.data_validation(row["self_score"], 1, row["self_score"], 1, {
        "validate": "decimal", "criteria": "between", "minimum": 0, "maximum": 100,
        "error_message": "Điểm từ 0 đến 100."})
    for key in ("declared_communes", "declared_bctmt"):
        ws.data_validation(row[key], 1, row[key], 1, {"validate": "integer", "criteria": ">=", "value": 0})
    ws.freeze_panes(1, 0)
    ws.protect("", {"select_locked_cells": True, "select_unlocked_cells": True, "format_columns": True})


def _instructions(wb, styles: Styles, config: Config) -> None:
    ws = wb.add_worksheet("Hướng dẫn")
    ws.set_column(0, 0, 120, styles.wrap)
    for r, line in enumerate(instructions(config)):
        ws.write_string(r, 0, line, styles.title if r == 0 else styles.wrap)


def write_workbook(path: Path, config: Config, info: dict | None = None, tables: dict[str, list[dict]] | None = None,
                   appraisal: bool = False, two_tier: bool = False) -> Path:
    """Write the district workbook: blank (the template) or filled with `info` and `tables` (by sheet key)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tables = tables or {}
    info = {"template_version": schema.TEMPLATE_VERSION, **(info or {})}
    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False})
    wb.set_properties({"title": TITLE, "author": "thidua", "created": FIXED_DATE})
    styles = Styles(wb)
    _instructions(wb, styles, config)
    _info_sheet(wb, styles, info)
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
        _data_sheet(wb, styles, sheet, tables.get(sheet.key, []))
    wb.worksheets()[1].activate()
    wb.close()
    return path


def write_template(path: Path, config: Config, two_tier: bool = False) -> Path:
    return write_workbook(path, config, two_tier=two_tier)
