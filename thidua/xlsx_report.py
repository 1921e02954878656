"""The consolidated workbook and one feedback workbook per submitting unit. They present the Result only."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

import xlsxwriter

from . import terms
from .changes import Changes
from .issues import CATALOG, Issue
from .names import FEEDBACK_DIR, consolidated_name
from .registry import Unit
from .result import Nomination, Recipient, Result, ScoreLine, UnitView
from .terms import FileStatus, Kind, Severity, Status
from .text import cap_first, fmt_number
from .xlsx_style import Col, Styles, print_setup, write_cell, write_sheets, write_table

_WB_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
               "in_memory": True}


# ---------------------------------------------------------------- shared column sets

def _unit_name(result: Result):
    names = result.short_names
    return lambda code: names.get(code, code)


def _yes(value: bool) -> str:
    return "Có" if value else "Thiếu"


def _awards_text(codes) -> str:
    return "; ".join(terms.award_name(c) for c in codes)


def nomination_columns(result: Result, full: bool = True) -> list[Col]:
    unit = _unit_name(result)
    cols = [
        Col("STT (của đơn vị)", 8, lambda n: n.source.stt),
        Col("Tên tập thể / Họ và tên", 30, lambda n: n.name),
        Col("Đối tượng", 10, lambda n: terms.KINDS[n.kind]),
        Col("Cấp", 18, lambda n: terms.level_name(n.level)),
        Col("Hình thức khen thưởng", 34, lambda n: terms.award_name(n.award or "")),
        Col("Loại khen", 12, lambda n: terms.MERIT_TYPES.get(n.merit_type or "", "")),
        Col("Điểm", 8, lambda n: n.score, "score"),
        Col("Trạng thái", 20, lambda n: terms.STATUSES[n.status], "status"),
        Col("Lý do", 50, lambda n: "; ".join(n.reasons), "wrap"),
    ]
    if full:
        cols[1:1] = [Col("Đơn vị đề nghị", 22, lambda n: unit(n.unit_code))]
    cols += [Col("Tệp", 30, lambda n: n.file), Col("Trang", 16, lambda n: n.sheet), Col("Dòng", 7, lambda n: n.row)]
    return cols


def _nominated(x: tuple[int, Recipient]) -> Nomination:
    """The nomination behind a numbered recipient of a list that holds nominations only."""
    assert x[1].nomination is not None
    return x[1].nomination


def _person_columns(result: Result) -> list[Col]:
    unit = _unit_name(result)
    return [
        Col("STT", 6, lambda x: x[0]),
        Col("Họ và tên", 26, lambda x: x[1].name),
        Col("Giới tính", 9, lambda x: _nominated(x).gender),
        Col("Năm sinh", 9, lambda x: _nominated(x).birth_year),
        Col("Dân tộc", 9, lambda x: _nominated(x).ethnicity),
        Col("Chức vụ", 26, lambda x: _nominated(x).position),
        Col("Đơn vị công tác", 32, lambda x: _nominated(x).workplace),
        Col("Cấp", 18, lambda x: terms.level_name(x[1].level)),
        Col("Đơn vị đề nghị", 22, lambda x: unit(x[1].unit_code)),
        Col("Điểm", 8, lambda x: x[1].score, "score"),
        Col("Tóm tắt thành tích", 60, lambda x: _nominated(x).summary, "wrap"),
    ]


def _basis(result: Result, r: Recipient) -> str:
    if r.ranked is not None and result.by_cluster(r.ranked, r.award):
        return f"Xếp hạng {r.ranked.cluster_rank} {r.ranked.cluster}"
    return f"Xếp hạng {r.rank}" if r.is_ranked else "Đề nghị"


def _level(r: Recipient) -> str:
    return terms.RANKINGS[r.level] if r.is_ranked else terms.level_name(r.level)


def _ranked_summary(result: Result, item: Recipient) -> str:
    r = item.ranked
    assert r is not None
    if result.by_cluster(r, item.award):  # a place counted in the cluster is the cluster's rank
        return f"Xếp hạng {r.cluster_rank} {r.cluster}{result.place_note(r.cluster)}, {fmt_number(r.score)} điểm"
    return f"Xếp hạng {r.rank} toàn {result.province_word}{result.place_note(None)}, {fmt_number(r.score)} điểm"


def _group_columns(result: Result) -> list[Col]:
    unit = _unit_name(result)
    return [
        Col("STT", 6, lambda x: x[0]),
        Col("Tên tập thể", 40, lambda x: x[1].name),
        Col("Cấp", 18, lambda x: _level(x[1])),
        Col("Đơn vị đề nghị", 22, lambda x: unit(x[1].unit_code)),
        Col("Điểm", 8, lambda x: x[1].score, "score"),
        Col("Căn cứ", 16, lambda x: _basis(result, x[1])),
        Col("Tóm tắt thành tích", 60, lambda x: _ranked_summary(result, x[1]) if x[1].is_ranked
            else _nominated(x).summary, "wrap"),
    ]


def issue_columns(result: Result) -> list[Col]:
    unit = _unit_name(result)
    return [
        Col("Mức độ", 10, lambda i: terms.SEVERITIES[i.severity], "status"),
        Col("Vấn đề", 28, lambda i: CATALOG[i.code].title),
        Col("Đơn vị", 22, lambda i: unit(i.unit_code) if i.unit_code else ""),
        Col("Tệp", 32, lambda i: i.file),
        Col("Trang", 18, lambda i: i.sheet),
        Col("Ô", 7, lambda i: i.cell),
        Col("Nội dung và cách sửa", 80, lambda i: i.message, "wrap"),
        Col("Mã lỗi", 22, lambda i: i.code),  # for the office's reference (README); last, so a clerk reads Vietnamese first
    ]


ISSUE_FILE_COLUMN, ISSUE_CELL_COLUMN = 3, 5  # where issue_columns() puts "Tệp" and "Ô" (the links)


def _issue_link(result: Result):
    """A link that opens the input file at the cell ('Ô'), or the file itself ('Tệp'), when the folder is known."""
    def link(i: Issue):
        if not (result.source_folder and i.file):
            return None
        path = Path(result.source_folder) / i.file  # the user's own path syntax (Windows on an office PC)
        if not (i.sheet and i.cell):
            return ISSUE_FILE_COLUMN, f"external:{path}", i.file  # the file itself
        sheet = i.sheet.replace("'", "''")
        return ISSUE_CELL_COLUMN, f"external:{path}#'{sheet}'!{i.cell}", i.cell
    return link


SCORE_SOURCES = {"appraisal": "Thẩm định", "criteria-appraisal": "Thẩm định theo tiêu chí",
                 "criteria": "Tổng các tiêu chí", "typed": "Tự chấm"}
RANKING_SHEETS = {"huyen": "Xếp hạng cấp huyện", "xa": "Xếp hạng cấp xã", "bctmt": "Xếp hạng BCTMT"}


def ranking_columns(result: Result, ranking: str) -> list[Col]:
    unit = _unit_name(result)
    cols = [Col("Xếp thứ", 8, lambda r: r.rank), Col("Tên đơn vị", 40, lambda r: r.name)]
    if ranking == result.submitter_level:  # the submitting committees themselves
        cols += [Col("Mã đơn vị", 10, lambda r: r.unit_code),
                 Col("Nguồn điểm", 16, lambda r: SCORE_SOURCES.get(r.score_source, ""))]
    else:
        if ranking == "bctmt" and result.submitter_level == "huyen":
            cols.append(Col("Thuộc đơn vị cấp xã", 22, lambda r: r.parent))
        label = "Huyện, thị xã, thành phố" if result.submitter_level == "huyen" else "Xã, phường, đặc khu"
        cols.append(Col(label, 24, lambda r: unit(r.unit_code)))
    if result.has_clusters:
        cols += [Col("Cụm thi đua", 18, lambda r: r.cluster or ""), Col("Xếp thứ trong cụm", 10, lambda r: r.cluster_rank)]
    cols += [
        Col("Điểm", 8, lambda r: r.score, "score"),
        Col("Khen thưởng", 44, lambda r: _awards_text(r.awards), "wrap"),
        Col("Chờ Hội đồng xem xét", 40, lambda r: _awards_text(r.needs_review), "wrap"),
        Col("Tệp", 30, lambda r: r.file), Col("Dòng", 7, lambda r: r.row),
    ]
    return cols


def criteria_columns(result: Result, with_unit: bool = True) -> list[Col]:
    """One row per unit and criterion: the unit's marks, the province's, and what changed."""
    unit = _unit_name(result)
    table = {c.code: c for c in result.criteria or ()}

    def text(s: ScoreLine) -> str:
        return table[s.criterion].text if s.criterion in table else ""

    def standard(s: ScoreLine) -> float | None:
        c = table.get(s.criterion)
        return float(c.standard) if c is not None and c.standard is not None else None

    cols = [Col("Đơn vị", 24, lambda s: unit(s.unit_code))] if with_unit else []
    return cols + [
        Col("Mã", 8, lambda s: s.criterion), Col("Nội dung", 50, text, "wrap"),
        Col("Điểm chuẩn", 9, standard, "score"), Col("Tự chấm", 9, lambda s: s.self, "score"),
        Col("Điểm thưởng", 9, lambda s: s.bonus or None, "score"),
        Col("Điểm trừ", 9, lambda s: s.deduction or None, "score"),
        Col("Điểm thẩm định", 10, lambda s: s.appraised, "score"),
        Col("Điểm được tính", 10, lambda s: s.final, "score"),
        Col("Chênh lệch do thẩm định", 11, lambda s: (s.final - s.own) or None, "score"),
        Col("Tình trạng", 22, lambda s: _criterion_state(s, standard(s)), "status"),
    ]


def _criterion_state(s: ScoreLine, standard: float | None) -> str:
    if s.final != s.own:
        return "Thẩm định điều chỉnh"
    return "Chưa đạt điểm chuẩn" if standard is not None and s.self < standard else "Đạt điểm chuẩn"


def _criterion_colour(result: Result):
    table = {c.code: c for c in result.criteria or ()}

    def colour(s: ScoreLine) -> str | None:
        c = table.get(s.criterion)
        if s.final != s.own:
            return Status.NEEDS_REVIEW  # where the province's appraisal differs
        return Severity.WARNING if c is not None and c.standard is not None and s.self < c.standard else None
    return colour


def quota_columns(result: Result) -> list[Col]:
    unit = _unit_name(result)
    return [
        Col("Đơn vị", 24, lambda q: unit(q.unit_code) if q.unit_code else (q.cluster or "Toàn tỉnh")),
        Col("Đối tượng", 10, lambda q: terms.KINDS[q.kind]),
        Col("Cấp", 20, lambda q: terms.level_name(q.level)),
        Col("Hình thức khen thưởng", 34, lambda q: terms.award_name(q.award)),
        Col("Số đơn vị (theo danh sách tỉnh)", 14, lambda q: q.unit_count),
        Col("Chỉ tiêu", 9, lambda q: q.quota, "int"),
        Col("Đã đề nghị", 10, lambda q: q.submitted, "int"),
        Col("Được đề nghị khen", 10, lambda q: q.proposed, "int"),
        Col("Tình trạng", 16, _quota_state, "status"),
    ]


def _quota_state(q) -> str:
    """'Vượt chỉ tiêu', 'Trong chỉ tiêu' (every place used), or 'Còn 1 chưa dùng'; a tie at the cut is the
    council's to decide, not over the quota."""
    if q.tied:
        return terms.STATUSES[Status.NEEDS_REVIEW]
    if q.submitted > q.quota:
        return "Vượt chỉ tiêu"
    return "Trong chỉ tiêu" if q.proposed >= q.quota else f"Còn {q.quota - q.proposed} chưa dùng"


def _quota_status(q) -> str:
    if q.tied:
        return Status.NEEDS_REVIEW
    return Status.OVER_QUOTA if q.submitted > q.quota else (Status.PROPOSED if q.proposed >= q.quota else "")


def cap_columns() -> list[Col]:
    return [
        Col("Đối tượng", 10, lambda c: terms.KINDS[c.kind]),
        Col("Cấp", 20, lambda c: terms.level_name(c.level)),
        Col("Hình thức khen thưởng", 34, lambda c: terms.award_name(c.award)),
        Col("Tổng số theo Kế hoạch", 12, lambda c: c.cap, "int"),
        Col("Tổng chỉ tiêu các đơn vị", 12, lambda c: c.quota_total, "int"),
        Col("Được đề nghị khen", 12, lambda c: c.proposed, "int"),
        Col("Số lượng còn lại", 10, lambda c: c.unused, "int"),
        Col("Danh sách dự phòng (gợi ý, chưa áp dụng)", 60,
            lambda c: "; ".join(f"{n.name} ({fmt_number(n.score)} điểm)" if n.score is not None else n.name
                                for n in c.reserve),
            "wrap"),
    ]


def source_columns(result: Result) -> list[Col]:
    names = result.short_names
    return [
        Col("Tệp", 40, lambda i: i.file),
        # A code the registry does not know names nobody: the file's own Đơn vị says who sent it.
        Col("Đơn vị", 24, lambda i: names.get(i.unit_code) or i.unit_name or i.unit_code),
        Col("Mã đơn vị", 10, lambda i: i.unit_code),
        Col("Ngày lập", 12, lambda i: i.date),
        Col("Trạng thái", 14, lambda i: terms.FILE_STATUSES[i.status], "status"),
        Col("Số dòng đọc được", 10, lambda i: i.rows, "int"),
        Col("Lý do", 50, lambda i: i.reason, "wrap"),
        Col("SHA-256", 68, lambda i: i.sha256),
    ]


_FILE_COLOURS = {FileStatus.PROCESSED: Status.PROPOSED, FileStatus.SUPERSEDED: Severity.WARNING,
                 FileStatus.REJECTED: Severity.ERROR, FileStatus.SKIPPED: Severity.WARNING}


# ---------------------------------------------------------------- changes since the previous run

_FILE_CHANGES = {"new": ("Chưa có tệp", "Tệp mới"), "replaced": ("Tệp đã nhận lần trước", "Gửi lại, thay tệp trước"),
                 "removed": ("Có tệp", "Không còn tệp")}
CHANGES_SHEET = "Thay đổi"


def _ranked_text(rank: int | None, awards, cluster_rank: int | None = None) -> str:
    if rank is None:
        return "Chưa xếp hạng"
    return (f"Hạng {rank}" + (f", hạng {cluster_rank} trong cụm" if cluster_rank is not None else "")
            + (f"; {_awards_text(awards)}" if awards else ""))


def _quota_text(quota: int | None, submitted: int | None, proposed: int | None, none: str) -> str:
    """'Chỉ tiêu 3; đã đề nghị 9, được đề nghị khen 3': a line is listed when any of the three moved, so all are
    shown (the quota alone would read the same before and after)."""
    if quota is None:
        return none
    counts = "" if submitted is None else f"; đã đề nghị {submitted}, được đề nghị khen {proposed}"
    return f"Chỉ tiêu {quota}{counts}"


def change_rows(result: Result, changes: Changes) -> list[tuple[str, str, str, str, object, object]]:
    """(what, unit, name or file, award, before, after): one row per change, files first, as SPEC 10 lists them."""
    unit = _unit_name(result)
    rows: list[tuple[str, str, str, str, object, object]] = []
    rows += [("Tệp", unit(f["unit_code"]), f["file"], "", *_FILE_CHANGES[f["change"]]) for f in changes.files]
    rows += [("Đề nghị khen thưởng", unit(n["unit_code"]), n["name"], terms.award_name(n["award"] or ""),
              terms.STATUSES[n["from"]] if n["from"] else "Chưa có",
              terms.STATUSES[n["to"]] if n["to"] else "Không còn trong danh sách") for n in changes.nominations]
    rows += [(f"Xếp hạng {terms.RANKINGS[r['level']]}", unit(r["unit_code"]), r["name"], "",
              _ranked_text(r["from_rank"], r["from_awards"], r.get("from_cluster_rank")),
              _ranked_text(r["to_rank"], r["to_awards"], r.get("to_cluster_rank")))
             for r in changes.rankings]
    rows += [("Chỉ tiêu", unit(q["unit_code"]) if q["unit_code"] else (q["cluster"] or "Toàn tỉnh"),
              cap_first(terms.describe(q["kind"], q["level"])), terms.award_name(q["award"]),
              _quota_text(q["from"], q.get("from_submitted"), q.get("from_proposed"), "Chưa có"),
              _quota_text(q["to"], q.get("to_submitted"), q.get("to_proposed"), "Không còn"))
             for q in changes.quotas]
    return rows


def changes_heading(changes: Changes) -> str:
    if changes.first_run:
        return "Lần chạy đầu tiên: chưa có lần chạy trước để so sánh."
    if not changes.any:
        return f"Không có thay đổi so với lần chạy {changes.previous_run}."
    return f"Những thay đổi so với lần chạy {changes.previous_run}."


def _changes_sheet(wb, styles: Styles, result: Result, changes: Changes) -> None:
    ws = wb.add_worksheet(CHANGES_SHEET)
    ws.write_string(0, 0, changes_heading(changes), styles.bold)
    # Wide enough for one line a change: xlsxwriter cannot size a row to wrapped text.
    columns = [Col("Mục", 28, lambda r: r[0]), Col("Đơn vị", 24, lambda r: r[1]),
               Col("Tên tập thể, cá nhân / tệp", 42, lambda r: r[2]),
               Col("Hình thức khen thưởng", 36, lambda r: r[3]),
               Col("Lần trước", 44, lambda r: r[4]), Col("Lần này", 44, lambda r: r[5])]
    write_table(ws, styles, columns, change_rows(result, changes), first_row=2)


# ---------------------------------------------------------------- consolidated workbook

def _overview(wb, styles: Styles, result: Result) -> None:
    ws = wb.add_worksheet("Tổng quan")
    ws.set_column(0, 0, 42)
    ws.set_column(1, 8, 14)
    ws.merge_range(0, 0, 0, 7, f"TỔNG HỢP THI ĐUA, KHEN THƯỞNG NĂM {result.year} - {terms.ROUNDS[result.round].upper()}",
                   styles.title)
    ws.write_string(1, 0, result.province_name, styles.label)
    if result.provisional:
        ws.write_string(2, 0, result.provisional_title(), styles.label)
    r = 3
    files = result.input_counts
    counts = [("Tệp đã xử lý", files["processed"]), ("Tệp bị thay thế", files["superseded"]),
              ("Tệp bị từ chối", files["rejected"]), ("Tệp bỏ qua", files["skipped"]),
              ("Số trường hợp đề nghị", len(result.nominations)),
              *[(f"   {terms.STATUSES[s]}", result.stats["status"].get(s, 0)) for s in terms.STATUS_ORDER],
              ("Đơn vị xếp hạng bằng điểm chờ Hội đồng xem xét",
               sum(bool(u.needs_review) for units in result.rankings.values() for u in units)),
              ("Lỗi cần sửa", len(result.errors)), ("Cảnh báo", len(result.warnings))]
    for label, value in counts:
        ws.write_string(r, 0, label, styles.plain)
        ws.write_number(r, 1, value, styles.integer)
        r += 1

    if result.provisional or result.cluster_names:
        r = _progress(ws, styles, result, r + 1)

    r += 1
    ws.write_string(r, 0, "Tổng số theo Kế hoạch và số được đề nghị", styles.label)
    r = _plain_table(ws, styles, cap_columns(), result.caps, r + 1)

    r += 1
    ws.write_string(r, 0, "Số được đề nghị khen theo đơn vị", styles.label)
    lines = {(q.unit_code, q.kind, q.level, q.award): q for q in result.quotas}
    # A unit's proposed/submitted rows per award: a pooled quota (a cluster's, the province's) has no line per unit.
    proposed = Counter((n.unit_code, *n.key) for n in result.with_status(Status.PROPOSED) if n.key)
    submitted = {(n.unit_code, *n.key) for n in result.nominations if n.key}
    ubnd = Counter(r.unit_code for r in result.recipients("BK_UBND_TINH"))
    cols = [Col("Đơn vị", 42, lambda u: u.short_name)]
    keys = [(c.kind, c.level, c.award) for c in result.caps]
    keys += [k for k in dict.fromkeys((q.kind, q.level, q.award) for q in result.quotas) if k not in keys]

    def count(unit_code: str, key: tuple[str, str, str]) -> str | int:
        line = lines.get((unit_code, *key))
        if line is not None:
            return f"{line.proposed}/{line.quota}"
        return proposed[(unit_code, *key)] if (unit_code, *key) in submitted else ""

    for key in keys:
        cols.append(Col(f"{cap_first(terms.describe(key[0], key[1]))} - {terms.award_name(key[2])}", 14,
                        lambda u, key=key: count(u.code, key)))
    cols.append(Col("Bằng khen UBND tỉnh", 14, lambda u: ubnd.get(u.code, 0)))
    r = _plain_table(ws, styles, cols, result.units, r + 1)

    r += 1
    ws.write_string(r, 0, "Cá nhân được đề nghị khen theo giới tính và dân tộc", styles.label)
    r += 1
    for title, stat in (("Giới tính", "proposed_individuals_by_gender"), ("Dân tộc", "proposed_individuals_by_ethnicity")):
        for label, value in sorted(result.stats[stat].items(), key=lambda kv: (-kv[1], kv[0])):
            ws.write_string(r, 0, f"{title}: {label}", styles.plain)
            ws.write_number(r, 1, value, styles.integer)
            r += 1

    area = result.stats.get("priority_area")
    if area:
        r += 1
        ws.write_string(r, 0, "Vùng có đông đồng bào dân tộc thiểu số, vùng sâu, vùng xa", styles.label)
        for label, value in (("Số đơn vị thuộc vùng ưu tiên", len(area["units"])),
                             (f"Trường hợp được đề nghị (trên {area['proposed_total']})", area["proposed"]),
                             (f"Khen theo xếp hạng (trên {area['ranked_awards_total']})", area["ranked_awards"])):
            r += 1
            ws.write_string(r, 0, label, styles.plain)
            ws.write_number(r, 1, value, styles.integer)
        r += 1

    own = result.submitter_level
    districts = result.rankings.get(own, ())
    if districts:
        chart = wb.add_chart({"type": "bar"})
        n = len(districts)
        labels = [c.label for c in ranking_columns(result, own)]
        name_col, score_col = labels.index("Tên đơn vị"), labels.index("Điểm")
        sheet = RANKING_SHEETS[own]
        chart.add_series({
            "name": "Điểm thi đua",
            "categories": [sheet, 1, name_col, n, name_col],
            "values": [sheet, 1, score_col, n, score_col],
            "data_labels": {"value": True},
        })
        chart.set_title({"name": f"Điểm thi đua {terms.RANKINGS[own]}"})
        chart.set_y_axis({"reverse": True})
        chart.set_x_axis({"min": 0, "max": 100})
        chart.set_legend({"none": True})
        chart.set_size({"width": 720, "height": 60 + 22 * min(n, 60)})
        ws.write_string(r + 1, 0, f"Điểm thi đua các đơn vị {terms.level_phrase(own)} (xem trang \"{sheet}\")",
                        styles.label)
        ws.insert_chart(r + 2, 0, chart)
    print_setup(ws)
    ws.activate()


def _progress(ws, styles: Styles, result: Result, r: int) -> int:
    """Who has reported, per cluster and in all, then the units that have not sent (name, cluster)."""
    ws.write_string(r, 0, "Tiến độ gửi báo cáo", styles.label)
    cols = [Col("Cụm thi đua", 42, lambda c: c or f"Toàn {result.province_word}"),
            Col("Đã gửi báo cáo", 14, lambda c: result.progress(c)[0]),
            Col("Tổng số đơn vị", 14, lambda c: result.progress(c)[1]),
            Col("Chưa gửi", 14, lambda c: len(result.missing(c)))]
    if result.rejected_codes:
        cols.append(Col("Đã gửi, tệp bị từ chối", 14, lambda c: len(result.rejected(c))))
    r = _plain_table(ws, styles, cols, [*result.cluster_names, None], r + 1)
    missing = result.missing()
    if missing:
        r += 1
        ws.write_string(r, 0, "Đơn vị chưa gửi báo cáo", styles.label)
        r = _plain_table(ws, styles, [Col("Đơn vị", 42, lambda u: u.short_name),
                                      Col("Cụm thi đua", 14, lambda u: u.cluster)], missing, r + 1)
    sent = result.rejected()
    if sent:
        why = {i.owner: i for i in result.inputs if i.status == FileStatus.REJECTED}
        r += 1
        ws.write_string(r, 0, "Đơn vị đã gửi nhưng tệp bị từ chối", styles.label)
        r = _plain_table(ws, styles, [Col("Đơn vị", 42, lambda u: u.short_name),
                                      Col("Cụm thi đua", 14, lambda u: u.cluster),
                                      Col("Tệp", 30, lambda u: why[u.code].file),
                                      Col("Lý do", 60, lambda u: why[u.code].reason, "wrap")], sent, r + 1)
    return r


def _plain_table(ws, styles: Styles, columns: list[Col], rows, first_row: int) -> int:
    """A table inside a sheet that has other content (no freeze, no autofilter)."""
    ws.set_row(first_row, 48)
    for c, col in enumerate(columns):
        ws.write_string(first_row, c, col.label, styles.header)
    r = first_row
    for item in rows:
        r += 1
        for c, col in enumerate(columns):
            write_cell(ws, r, c, col.get(item), styles.wrap if col.fmt == "wrap" else styles.plain)
    return r + 1


def _award_sheets(wb, styles: Styles, result: Result) -> None:
    own = (result.submitter_level,)
    flags = [r.ranked for code in ("CO_XSTD", "CO_XS") for r in result.recipients(code, rankings=own)]
    flag_cols = [
        Col("STT", 6, lambda x: x[0]),
        Col("Hình thức", 34, lambda x: _awards_text(a for a in x[1].awards if a.startswith("CO_"))),
        Col("Đơn vị", 40, lambda x: x[1].name),
        Col("Điểm", 8, lambda x: x[1].score, "score"),
        Col("Xếp thứ", 8, lambda x: x[1].rank),
    ]
    if result.has_clusters:
        flag_cols += [Col("Cụm thi đua", 18, lambda x: x[1].cluster or ""),
                      Col("Xếp thứ trong cụm", 10, lambda x: x[1].cluster_rank)]
    write_table(wb.add_worksheet("Cờ thi đua"), styles, flag_cols, list(enumerate(flags, 1)))

    # The units' own proposals first, then the districts ranked 4th and 5th.
    bk_groups = sorted(result.recipients("BK_MTTQ_TINH", Kind.COLLECTIVE, own), key=lambda r: r.is_ranked)
    write_table(wb.add_worksheet("BK MTTQ tỉnh - Tập thể"), styles, _group_columns(result), list(enumerate(bk_groups, 1)))
    people = result.recipients("BK_MTTQ_TINH", Kind.INDIVIDUAL)
    write_table(wb.add_worksheet("BK MTTQ tỉnh - Cá nhân"), styles, _person_columns(result), list(enumerate(people, 1)))

    ubnd = result.recipients("BK_UBND_TINH")
    ubnd_cols = [*_person_columns(result)[:2], Col("Đối tượng", 10, lambda x: terms.KINDS[x[1].kind]),
                 Col("Loại khen", 12, lambda x: terms.MERIT_TYPES.get(_nominated(x).merit_type or "", "")),
                 Col("Giá trị đóng góp (đồng)", 16, lambda x: _nominated(x).contribution, "int"),
                 *_person_columns(result)[5:]]
    ubnd_cols[1] = Col("Tên tập thể / Họ và tên", 32, lambda x: x[1].name)
    write_table(wb.add_worksheet("BK UBND tỉnh"), styles, ubnd_cols, list(enumerate(ubnd, 1)))

    tw = result.recipients("BK_TW_MTTQ")
    unit = _unit_name(result)
    tw_cols = [
        Col("STT", 6, lambda x: x[0]),
        Col("Tên tập thể / Họ và tên", 36, lambda x: x[1].name),
        Col("Đối tượng", 12, lambda x: terms.KINDS[x[1].kind]),
        Col("Cấp", 22, lambda x: _level(x[1])),
        Col("Chức vụ", 24, lambda x: "" if x[1].is_ranked else _nominated(x).position),
        Col("Đơn vị", 24, lambda x: unit(x[1].unit_code)),
        Col("Điểm", 8, lambda x: x[1].score, "score"),
        Col("Căn cứ", 16, lambda x: _basis(result, x[1])),
    ]
    write_table(wb.add_worksheet("BK TW MTTQ"), styles, tw_cols, list(enumerate(tw, 1)))


def dossier_columns(result: Result) -> list[Col]:
    unit = _unit_name(result)
    return [
        Col("Đơn vị đề nghị", 22, lambda n: unit(n.unit_code)),
        Col("Tên tập thể / Họ và tên", 30, lambda n: n.name),
        Col("Hình thức khen thưởng", 34, lambda n: terms.award_name(n.award or "")),
        Col("Tờ trình", 10, lambda n: _yes(n.source.has_proposal)),
        Col("Biên bản", 10, lambda n: _yes(n.source.has_minutes)),
        Col("Báo cáo thành tích", 12, lambda n: _yes(n.source.has_report)),
        Col("Hồ sơ", 12, lambda n: "Đủ" if not n.source.missing_documents else "Thiếu", "status"),
        Col("Trạng thái", 20, lambda n: terms.STATUSES[n.status]),
        Col("Tệp", 30, lambda n: n.file), Col("Dòng", 7, lambda n: n.row),
    ]


def write_consolidated(result: Result, folder: Path) -> list[Path]:
    path = Path(folder) / consolidated_name(result.year, result.round)
    # Rows are written in order, so the large sheets stream to disk instead of staying in memory.
    wb = xlsxwriter.Workbook(str(path), {**_WB_OPTIONS, "in_memory": False, "constant_memory": True})
    wb.set_properties({"title": f"Tổng hợp thi đua khen thưởng {result.year}", "author": "thidua"})
    styles = Styles(wb)
    _overview(wb, styles, result)
    for ranking, title in RANKING_SHEETS.items():
        if ranking == "huyen" and result.submitter_level == "xa":
            continue  # no districts since 2025
        write_sheets(wb, title, styles, ranking_columns(result, ranking), result.rankings.get(ranking, ()),
                     status=lambda r: Status.NEEDS_REVIEW if r.needs_review else (Status.PROPOSED if r.awards else None))
    ws = wb.add_worksheet("Chỉ tiêu")
    write_table(ws, styles, quota_columns(result), result.quotas, status=_quota_status)
    _award_sheets(wb, styles, result)
    write_sheets(wb, "Tất cả đề nghị", styles, nomination_columns(result), result.nominations,
                 status=lambda n: n.status)
    write_sheets(wb, "Hồ sơ", styles, dossier_columns(result), result.nominations,
                 status=lambda n: Status.INCOMPLETE_DOSSIER if n.source.missing_documents else Status.PROPOSED)
    write_sheets(wb, "Lỗi - Cảnh báo", styles, issue_columns(result), result.issues,
                 status=lambda i: i.severity, link=_issue_link(result))
    if result.criteria is not None:
        write_sheets(wb, "Chấm điểm chi tiết", styles, criteria_columns(result), result.scores,
                     status=_criterion_colour(result))
    write_table(wb.add_worksheet("Nguồn"), styles, source_columns(result), result.inputs,
                status=lambda i: _FILE_COLOURS[i.status])
    if result.changes is not None:
        _changes_sheet(wb, styles, result, result.changes)
    wb.close()
    return [path]


# ---------------------------------------------------------------- feedback workbooks

def _feedback_lines(result: Result, view: UnitView) -> list[tuple[str, object]]:
    """The label and value rows of the feedback's "Tóm tắt" sheet."""
    unit = result.unit(view.code)
    assert unit is not None, view.code  # feedback is written for the registry's units only
    noms = view.nominations
    errors = [i for i in view.issues if i.severity == Severity.ERROR]
    lines: list[tuple[str, object]] = [
        ("Đơn vị", unit.name),
        ("Đợt", terms.ROUNDS[result.round]),
        ("Tệp đã nhận", "; ".join(f"{i.file} ({terms.FILE_STATUSES[i.status].lower()})" for i in view.inputs)
         or "Chưa nhận được tệp"),
        ("Số trường hợp đề nghị", len(noms)),
        *[(terms.STATUSES[s], sum(n.status == s for n in noms)) for s in terms.STATUS_ORDER],
        ("Lỗi cần sửa", len(errors)),
        ("Cảnh báo", sum(i.severity == Severity.WARNING for i in view.issues)),  # a superseded file's are info
    ]
    own = next((r for r in result.rankings.get(result.submitter_level, ()) if r.unit_code == view.code), None)
    if own:
        # A cluster's flag or Bằng khen goes by the place in the cluster: the unit is told both places.
        in_cluster = (f", thứ {own.cluster_rank} {own.cluster}{result.place_note(own.cluster)}"
                      if own.cluster and own.cluster_rank else "")
        lines.append(("Xếp hạng của đơn vị", f"Hạng {own.rank}{result.place_note(None)}{in_cluster}, "
                      f"{fmt_number(own.score)} điểm" + (f"; {_awards_text(own.awards)}" if own.awards else "")))
    elif unit.cap != "tinh" and any(i.status == FileStatus.PROCESSED for i in view.inputs):
        lines.append(("Xếp hạng của đơn vị", _unranked(errors)))
    for owed in result.dossiers_to_collect(view.code):
        lines.append((f"Hồ sơ cần gửi: {owed.name}", f"{_awards_text(owed.dossier_awards)}: "
                      f"{', '.join(owed.dossier_to_collect)} (03 bộ gốc)"))
    refused = not any(i.status == FileStatus.PROCESSED for i in view.inputs)
    lines.append(("Việc cần làm", _to_do(errors, noms, sum(i.severity == Severity.WARNING for i in view.issues),
                                         refused)))
    return lines


def _feedback_tables(result: Result, view: UnitView) -> list[tuple[str, list[Col], Sequence, Callable]]:
    """The feedback's table sheets: (sheet name, columns, rows, row colour)."""
    ranked = [r for k in ("xa", "bctmt") for r in view.rankings.get(k, ())]
    # The unit's own file and name are the same on every row: the feedback leaves them out.
    cols = [Col("Loại", 22, lambda r: terms.RANKINGS[r.ranking]),
            *[c for c in ranking_columns(result, "bctmt") if c.label not in ("Tệp", "Huyện, thị xã, thành phố")]]
    tables: list[tuple[str, list[Col], Sequence, Callable]] = [
        ("Đề nghị", nomination_columns(result, full=False), view.nominations, lambda n: n.status),
        ("Chỉ tiêu", quota_columns(result), view.quotas, _quota_status),
        ("Xếp hạng", cols, ranked,
         lambda r: Status.NEEDS_REVIEW if r.needs_review else (Status.PROPOSED if r.awards else None)),
        ("Lỗi - Cảnh báo", issue_columns(result), view.issues, lambda i: i.severity),
    ]
    if view.scores:
        tables.append(("Chấm điểm chi tiết", criteria_columns(result, with_unit=False), view.scores,
                       _criterion_colour(result)))
    return tables


def _feedback_title(result: Result) -> str:
    return f"PHẢN HỒI KẾT QUẢ TỔNG HỢP THI ĐUA, KHEN THƯỞNG NĂM {result.year}"


def feedback_fingerprint(result: Result, code: str) -> str:
    """The content of a unit's feedback workbook: every cell value it shows, hashed. The file's bytes differ on
    every run (xlsx holds its creation time); this does not, so `send` mails a unit only when what it would read
    changed. The "Thay đổi" sheet is left out: it compares with the previous run, not with what was sent."""
    view = result.for_unit(code)
    digest = hashlib.sha256()
    head = [_feedback_title(result), _feedback_lines(result, view)]
    digest.update(json.dumps(head, ensure_ascii=False, default=str).encode())
    for name, columns, rows, _ in _feedback_tables(result, view):
        table = [name, [c.label for c in columns], [[c.get(item) for c in columns] for item in rows]]
        digest.update(json.dumps(table, ensure_ascii=False, default=str).encode())
    return digest.hexdigest()


def _feedback(path: Path, result: Result, view: UnitView) -> None:
    unit = result.unit(view.code)
    assert unit is not None, view.code  # feedback is written for the registry's units only
    wb = xlsxwriter.Workbook(str(path), _WB_OPTIONS)
    wb.set_properties({"title": f"Phản hồi - {unit.short_name}", "author": "thidua"})
    styles = Styles(wb)
    ws = wb.add_worksheet("Tóm tắt")
    ws.set_column(0, 0, 34)
    ws.set_column(1, 1, 70)
    print_setup(ws)
    ws.set_row(0, 36)
    ws.merge_range(0, 0, 0, 1, _feedback_title(result), styles.title_wrap)
    for r, (label, value) in enumerate(_feedback_lines(result, view), start=2):
        ws.write_string(r, 0, label, styles.label)
        write_cell(ws, r, 1, value, styles.wrap_left)
    for name, columns, rows, status in _feedback_tables(result, view):
        write_table(wb.add_worksheet(name), styles, columns, rows, status=status)
    if view.changes is not None:
        _changes_sheet(wb, styles, result, view.changes)
    wb.close()


def _to_do(errors: list[Issue], noms: tuple[Nomination, ...], warnings: int, refused: bool = False) -> str:
    """What the unit must do, truly: fix rows only when it has errors; otherwise what its warnings mean."""
    if errors and refused:  # no file of the unit was taken: nothing of it is counted until it sends one again
        return ("Tệp của đơn vị bị từ chối, chưa được tổng hợp: sửa theo lý do nêu ở trang \"Lỗi - Cảnh báo\" rồi "
                "gửi lại tệp về Văn phòng.")
    if errors:
        return "Sửa các dòng ở trang \"Lỗi - Cảnh báo\" rồi gửi lại tệp đã sửa về Văn phòng."
    count = Counter(n.status for n in noms)
    said = [text for n, text in (
        (count[Status.INCOMPLETE_DOSSIER], "trường hợp còn thiếu hồ sơ: bổ sung hồ sơ rồi gửi lại tệp về Văn phòng"),
        (count[Status.INELIGIBLE], "trường hợp chưa đủ tiêu chuẩn, chưa được đưa vào danh sách trình khen"),
        (count[Status.OVER_QUOTA], "trường hợp vượt chỉ tiêu, chưa được đưa vào danh sách trình khen"),
        (count[Status.NEEDS_REVIEW], "trường hợp chờ Hội đồng Thi đua - Khen thưởng xem xét")) if n
        for text in [f"{n} {text}"]]
    if not said and not warnings:
        return "Không có lỗi; không cần gửi lại."
    if warnings:
        said.append(f"xem {warnings} cảnh báo ở trang \"Lỗi - Cảnh báo\"")
    return "Không có lỗi cần sửa. " + cap_first("; ".join(said)) + "."


def _unranked(errors: list[Issue]) -> str:
    """Why a unit that sent its file is not in the ranking: the error on its own score (not on a row of a list)."""
    why = next((i for i in errors if i.code in ("score-out-of-range", "missing-score") and i.row is None), None)
    return "Chưa được xếp hạng" + (f": {why.message}" if why else ".")


def feedback_units(result: Result) -> list[Unit]:
    """The units a feedback workbook is written for: every unit that sent a file (the run fingerprints the same)."""
    return [u for u in result.units if result.for_unit(u.code).inputs]


def write_feedback(result: Result, folder: Path, part: int = 0, parts: int = 1) -> list[Path]:
    """Feedback workbooks of every unit that sent a file; `part` of `parts` of them (to share among processes)."""
    out = Path(folder) / FEEDBACK_DIR
    out.mkdir(exist_ok=True)
    written: list[Path] = []
    for unit in feedback_units(result)[part::parts]:
        path = out / result.feedback_files[unit.code]
        _feedback(path, result, result.for_unit(unit.code))
        written.append(path)
    return written


class FeedbackPart:
    """One share of the feedback workbooks, as a writer that a worker process can run."""

    name = "feedback"

    def __init__(self, part: int, parts: int):
        self.part, self.parts = part, parts

    def __call__(self, result: Result, folder: Path) -> list[Path]:
        return write_feedback(result, folder, self.part, self.parts)


def feedback_writers(parts: int) -> list:
    return [FeedbackPart(i, parts) for i in range(parts)] if parts > 1 else [write_feedback]
