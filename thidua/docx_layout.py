"""Builds the Word templates in templates/ (docxtpl: jinja2 inside Word), laid out after Nghị định 30/2020/NĐ-CP.

The office may edit the wording and letterhead of the generated .docx files in Word; this module only
writes the first version (`python -m thidua.docx_layout`) and the tests check the committed files match it.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from .names import DOCUMENT_TEMPLATES

FONT = "Times New Roman"
BODY_PT = 14
CENTER, JUSTIFY, LEFT, RIGHT = (WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.JUSTIFY, WD_ALIGN_PARAGRAPH.LEFT,
                              WD_ALIGN_PARAGRAPH.RIGHT)



# ---------------------------------------------------------------- low-level helpers

def _document() -> DocxDocument:
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(BODY_PT)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    style.paragraph_format.space_after = Pt(0)
    style.paragraph_format.space_before = Pt(0)
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    section.header_distance = Mm(10)
    section.different_first_page_header_footer = True  # no page number on the first page
    _page_number(section.header.paragraphs[0])
    props = doc.core_properties
    props.author = props.last_modified_by = "thidua"
    props.title = ""
    props.created = props.modified = dt.datetime(2023, 1, 1)  # so that regenerating changes nothing
    props.revision = 1
    return doc


def _page_number(paragraph) -> None:
    paragraph.alignment = CENTER
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    rpr = OxmlElement("w:rPr")
    size = OxmlElement("w:sz")
    size.set(qn("w:val"), "26")
    rpr.append(size)
    run.append(rpr)
    text = OxmlElement("w:t")
    text.text = "2"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


def para(container, text: str = "", *, bold=False, italic=False, size: float = BODY_PT, align=JUSTIFY,
         first_indent: float | None = None, before: float = 0, after: float = 0, upper=False):
    """One paragraph with one run; `container` is a Document or a table cell."""
    p = container.add_paragraph()
    p.alignment = align
    fmt = p.paragraph_format
    fmt.space_before, fmt.space_after = Pt(before), Pt(after)
    fmt.line_spacing = 1.15 if size >= 13 else 1.0
    if first_indent is not None:
        fmt.first_line_indent = Mm(first_indent)
    if text:
        run = p.add_run(text.upper() if upper else text)
        run.bold, run.italic = bold, italic
        run.font.size = Pt(size)
        run.font.name = FONT
    return p


def body(doc, text: str, **kw):
    """A body paragraph: 14 pt, justified, first-line indent 12.7 mm, 6 pt after."""
    return para(doc, text, first_indent=12.7, after=6, **kw)


def tag(container, text: str):
    """A paragraph that holds only a docxtpl tag ({%p ... %}): removed when rendered."""
    return para(container, text, size=BODY_PT)


def rule(container, indent_mm: float) -> None:
    """A short horizontal line under a heading: an empty 2 pt paragraph whose bottom border runs between
    narrowed indents, so the heading above keeps its full width."""
    paragraph = para(container, "", size=2, align=CENTER)
    paragraph.paragraph_format.line_spacing = Pt(2)
    _border(paragraph, indent_mm)


def _border(paragraph, indent_mm: float) -> None:
    fmt = paragraph.paragraph_format
    fmt.left_indent = fmt.right_indent = Mm(indent_mm)
    ppr = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("val", "single"), ("sz", "6"), ("space", "1"), ("color", "000000")):
        bottom.set(qn(f"w:{key}"), value)
    borders.append(bottom)
    ppr.insert_element_before(borders, "w:shd", "w:tabs", "w:spacing", "w:ind", "w:jc")


def _no_borders(table) -> None:
    tbl_pr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:val"), "nil")
        borders.append(el)
    tbl_pr.append(borders)


def _first_cell(cell):
    """A fresh cell holds one empty paragraph; use it for the first line instead of leaving a blank."""
    cell._tc.remove(cell.paragraphs[0]._p)
    return cell


def _widths(table, widths_mm: list[float]) -> None:
    """Fixed column widths, written where both Word (tcW) and LibreOffice (tblGrid) read them."""
    table.autofit = False
    tbl = table._tbl
    for col, width in zip(tbl.tblGrid.findall(qn("w:gridCol")), widths_mm):
        col.set(qn("w:w"), str(round(width * 1440 / 25.4)))
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    tbl.tblPr.append(layout)
    for row in table.rows:
        for cell, width in zip(row.cells, widths_mm):
            cell.width = Mm(width)


# ---------------------------------------------------------------- shared blocks

def letterhead(doc, symbol_var: str, title: str, subject: str | None = None, draft: bool = False) -> None:
    """Issuing body left (the parent body, the province, then the issuing body in bold over a short rule), national
    motto right, number and date, then the title and subject. A draft carries "DỰ THẢO" above, not in its subject."""
    if draft:
        para(doc, "DỰ THẢO", bold=True, size=13, align=RIGHT)
    table = doc.add_table(rows=1, cols=2)
    _no_borders(table)
    _widths(table, [70, 95])
    left, right = (_first_cell(c) for c in table.rows[0].cells)
    para(left, "{{ issuer_parent }}", size=12, align=CENTER)
    para(left, "{{ issuer }}", size=12, align=CENTER)
    para(left, "{{ issuer_body }}", bold=True, size=12, align=CENTER)
    rule(left, 20)
    para(left, "", size=6)
    para(left, f"Số:        /{{{{ {symbol_var} }}}}", size=13, align=CENTER)
    para(right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold=True, size=12, align=CENTER)
    para(right, "Độc lập - Tự do - Hạnh phúc", bold=True, size=13, align=CENTER)
    rule(right, 26)
    para(right, "", size=6)
    para(right, "{{ place_date }}", italic=True, size=14, align=CENTER)
    para(doc, title, bold=True, size=14, align=CENTER, before=18)
    if subject:
        para(doc, subject, bold=True, size=14, align=CENTER)
        rule(doc, 62)
    provisional(doc)
    para(doc, "", after=6)


def provisional(doc) -> None:
    """"KẾT QUẢ TẠM THỜI (n/m đơn vị đã gửi báo cáo)" while units are missing; nothing once all have reported."""
    tag(doc, "{%p if provisional %}")
    para(doc, "{{ provisional }}", bold=True, italic=True, size=13, align=CENTER, before=6)
    tag(doc, "{%p endif %}")


def signature(doc, recipients: bool = True) -> None:
    """"Nơi nhận:" on the left (12 pt bold italic, list 11 pt), the signer on the right, kept on one page: the
    signer's name never stands alone at the top of the next page."""
    table = doc.add_table(rows=1, cols=2)
    _no_borders(table)
    _widths(table, [80, 85])
    keep = OxmlElement("w:cantSplit")
    table.rows[0]._tr.get_or_add_trPr().append(keep)
    left, right = (_first_cell(c) for c in table.rows[0].cells)
    if recipients:
        para(left, "Nơi nhận:", bold=True, italic=True, size=12, align=LEFT, before=6)
        tag(left, "{%p for r in recipients %}")
        para(left, "- {{ r }}{{ ';' if not loop.last else '.' }}", size=11, align=LEFT)
        tag(left, "{%p endfor %}")
    else:
        para(left, "")
    para(right, "{{ on_behalf }}", bold=True, size=13, align=CENTER, before=6)
    para(right, "{{ signer_title }}", bold=True, size=13, align=CENTER)
    for _ in range(4):
        para(right, "", size=13)
    para(right, "{{ signer_name }}", bold=True, size=14, align=CENTER)


# A landscape danh sách is a portrait page turned for binding (NĐ 30/2020): the portrait's binding margin
# (left, 30 mm) becomes the top, its right margin (15–20 mm) the bottom, its top and bottom (20 mm) the sides.
LANDSCAPE_MARGINS_MM = {"top": 30, "bottom": 20, "left": 20, "right": 20}


def _tiny_break(doc) -> None:
    """The empty paragraph that carries a section break is set at 1 pt: after a full page it would otherwise
    push a blank page of its own."""
    paragraph = doc.paragraphs[-1]
    fmt = paragraph.paragraph_format
    fmt.space_before = fmt.space_after = Pt(0)
    fmt.line_spacing = Pt(1)
    mark = OxmlElement("w:rPr")
    size = OxmlElement("w:sz")
    size.set(qn("w:val"), "2")
    mark.append(size)
    paragraph._p.get_or_add_pPr().append(mark)


def landscape_section(doc):
    section = doc.add_section(WD_SECTION.NEW_PAGE)
    _tiny_break(doc)
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    m = LANDSCAPE_MARGINS_MM
    section.left_margin, section.right_margin = Mm(m["left"]), Mm(m["right"])
    section.top_margin, section.bottom_margin = Mm(m["top"]), Mm(m["bottom"])
    section.different_first_page_header_footer = False
    return section


def portrait_section(doc):
    section = doc.add_section(WD_SECTION.NEW_PAGE)
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    section.different_first_page_header_footer = False
    return section


def list_table(doc, headers: list[tuple[str, float]], cells: list[str], loop: str) -> None:
    """A bordered table: a header row repeated on every page, and one row per item of `loop`."""
    table = doc.add_table(rows=4, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _widths(table, [w for _, w in headers])
    header = table.rows[0]
    tr_pr = header._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    tr_pr.append(repeat)
    for cell, (label, _) in zip(header.cells, headers):
        para(_first_cell(cell), label, bold=True, size=12, align=CENTER)
    para(_first_cell(table.rows[1].cells[0]), f"{{%tr for row in {loop} %}}", size=12)
    for cell, expression in zip(table.rows[2].cells, cells):
        para(_first_cell(cell), expression, size=12, align=CENTER if expression in ("{{ row.stt }}",) else LEFT)
    para(_first_cell(table.rows[3].cells[0]), "{%tr endfor %}", size=12)
    for row in table.rows[1:]:
        for cell in row.cells:
            if not cell.paragraphs:
                cell.add_paragraph()


def grouped_lists(doc, columns: dict[str, tuple[list, list]]) -> None:
    """Sections of a danh sách: each part has a heading and groups; each group a sub-heading and a table,
    laid out for people (họ và tên, chức vụ) or for collectives (tên tập thể, điểm) as `g.people` says."""
    tag(doc, "{%p for part in parts %}")
    para(doc, "{{ part.title }}", bold=True, size=13, align=LEFT, before=6)
    tag(doc, "{%p for g in part.groups %}")
    para(doc, "{{ g.title }}", bold=True, italic=True, size=13, align=LEFT, before=6, after=3)
    tag(doc, "{%p if g.people %}")
    list_table(doc, *columns["people"], "g.rows")
    tag(doc, "{%p else %}")
    list_table(doc, *columns["groups"], "g.rows")
    tag(doc, "{%p endif %}")
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p endfor %}")


def sections(doc) -> None:
    """Numbered parts of a report ("I. TÌNH HÌNH NHẬN BÁO CÁO" ...), each a title and its paragraphs."""
    tag(doc, "{%p for s in sections %}")
    para(doc, "{{ s.title }}", bold=True, size=14, align=LEFT, before=6, after=3)
    tag(doc, "{%p for line in s.lines %}")
    body(doc, "{{ line }}")
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p endfor %}")


def list_heading(doc, subtitle: str, attached_to: str) -> None:
    para(doc, "DANH SÁCH", bold=True, size=14, align=CENTER)
    para(doc, subtitle, bold=True, size=14, align=CENTER)
    para(doc, attached_to, italic=True, size=13, align=CENTER, after=6)
    provisional(doc)


LIST_COLUMNS = {
    "people": ([("STT", 12), ("Họ và tên", 48), ("Chức vụ, đơn vị công tác", 80), ("Đơn vị đề nghị", 42),
                ("Thành tích tóm tắt", 80)],
               ["{{ row.stt }}", "{{ row.name }}", "{{ row.position }}", "{{ row.unit }}", "{{ row.summary }}"]),
    "groups": ([("STT", 12), ("Tên tập thể", 90), ("Đơn vị đề nghị", 42), ("Điểm", 18), ("Thành tích tóm tắt", 100)],
               ["{{ row.stt }}", "{{ row.name }}", "{{ row.unit }}", "{{ row.score }}", "{{ row.summary }}"]),
}
# The People's Committee's Bằng khen is not scored: its list has no "Điểm" column.
UNSCORED_COLUMNS = {
    "people": LIST_COLUMNS["people"],
    "groups": ([("STT", 12), ("Tên tập thể", 100), ("Đơn vị đề nghị", 50), ("Thành tích tóm tắt", 100)],
               ["{{ row.stt }}", "{{ row.name }}", "{{ row.unit }}", "{{ row.summary }}"]),
}


# ---------------------------------------------------------------- the documents

def proposal(doc, subject: str, addressee: str, grounds: str, ask: str, closing: str, list_subtitle: str,
             columns: dict = LIST_COLUMNS, cite_ubnd_plan: bool = False) -> None:
    """A tờ trình: letterhead, addressee, grounds, the request with its counts, signature, then the danh sách."""
    letterhead(doc, "proposal_symbol", "TỜ TRÌNH", subject)
    para(doc, f"Kính gửi: {addressee}.", size=14, align=CENTER, after=12)
    if cite_ubnd_plan:
        tag(doc, "{%p if ubnd_plan %}")
        body(doc, "Căn cứ {{ ubnd_plan }};")
        tag(doc, "{%p endif %}")
    body(doc, "Căn cứ {{ plan_reference }};")
    body(doc, grounds)
    body(doc, ask)
    tag(doc, "{%p for line in summary_lines %}")
    body(doc, "- {{ line }}")
    tag(doc, "{%p endfor %}")
    body(doc, "(Có danh sách kèm theo).")
    body(doc, closing)
    signature(doc)
    landscape_section(doc)
    list_heading(doc, list_subtitle, "(Kèm theo Tờ trình số        /{{ proposal_symbol }} ngày {{ short_date }} của "
                                     "Ban Thường trực {{ province_name }})")
    grouped_lists(doc, columns)


def proposal_ubnd(doc) -> None:
    proposal(doc, "Về việc đề nghị Chủ tịch Ủy ban nhân dân {{ tinh }} tặng Bằng khen",
             "Chủ tịch Ủy ban nhân dân {{ province_short }}",
             "Căn cứ kết quả xét, đề nghị khen thưởng của Hội đồng Thi đua - Khen thưởng {{ province_name }};",
             "Ban Thường trực {{ province_name }} kính trình Chủ tịch Ủy ban nhân dân {{ tinh }} xem xét, tặng Bằng khen "
             "cho {{ total_text }} đã có thành tích xuất sắc trong phong trào thi đua năm {{ year }}, gồm:",
             "Kính trình Chủ tịch Ủy ban nhân dân {{ tinh }} xem xét, quyết định./.",
             "Tập thể, cá nhân đề nghị Chủ tịch Ủy ban nhân dân {{ tinh }} tặng Bằng khen",
             columns=UNSCORED_COLUMNS, cite_ubnd_plan=True)


def proposal_tw(doc) -> None:
    proposal(doc, "Về việc đề nghị Ủy ban Trung ương MTTQ Việt Nam tặng Bằng khen",
             "Ban Thường trực Ủy ban Trung ương MTTQ Việt Nam",
             "Căn cứ kết quả chấm điểm, xếp hạng thi đua năm {{ year }} và đề nghị của Hội đồng Thi đua - Khen "
             "thưởng {{ province_name }};",
             "Ban Thường trực {{ province_name }} kính trình Ban Thường trực Ủy ban Trung ương MTTQ Việt Nam xem xét, "
             "tặng Bằng khen cho {{ total_text }}, gồm:",
             "Kính trình Ban Thường trực Ủy ban Trung ương MTTQ Việt Nam xem xét, quyết định./.",
             "Tập thể, cá nhân đề nghị Ủy ban Trung ương MTTQ Việt Nam tặng Bằng khen")


def decision(doc) -> None:
    letterhead(doc, "decision_symbol", "QUYẾT ĐỊNH",
               "Về việc tặng Cờ thi đua và Bằng khen năm {{ year }}")
    para(doc, "BAN THƯỜNG TRỰC {{ province_name_upper }}", bold=True, size=14, align=CENTER, after=12)
    body(doc, "Căn cứ Điều lệ Mặt trận Tổ quốc Việt Nam;", italic=True)
    body(doc, "Căn cứ {{ plan_reference }};", italic=True)
    body(doc, "Xét đề nghị của Hội đồng Thi đua - Khen thưởng {{ province_name }}.", italic=True)
    para(doc, "QUYẾT ĐỊNH:", bold=True, size=14, align=CENTER, before=6, after=6)
    tag(doc, "{%p for article in articles %}")
    body(doc, "{{ article }}")
    tag(doc, "{%p endfor %}")
    signature(doc)
    landscape_section(doc)
    list_heading(doc, "Tập thể, cá nhân được tặng Cờ thi đua và Bằng khen của {{ province_name }}",
                 "(Kèm theo Quyết định số        /{{ decision_symbol }} ngày {{ short_date }} của Ban Thường trực "
                 "{{ province_name }})")
    grouped_lists(doc, LIST_COLUMNS)


def report_document(doc, subject: str, activity: str, table_title: str, headers: list, cells: list,
                    closing: str) -> None:
    """A báo cáo: letterhead, the opening sentence, numbered parts, a table of the units, closing, signature."""
    letterhead(doc, "report_symbol", "BÁO CÁO", subject)
    body(doc, f"Thực hiện {{{{ plan_reference }}}}, Ban Thường trực {{{{ province_name }}}} báo cáo {activity} "
              "như sau:")
    sections(doc)
    para(doc, table_title, bold=True, size=14, align=LEFT, before=6, after=3)
    list_table(doc, headers, cells, "units")
    para(doc, "", after=6)
    body(doc, closing)
    signature(doc)


def report(doc) -> None:
    report_document(
        doc, "Kết quả tổng hợp thi đua, khen thưởng năm {{ year }}",
        "kết quả tổng hợp thi đua, khen thưởng năm {{ year }}", "Kết quả theo từng đơn vị:",
        [("STT", 10), ("Đơn vị", 40), ("Điểm", 14), ("Xếp thứ", 14), ("Số trường hợp đề nghị", 20),
         ("Đưa vào danh sách", 20), ("Vượt số lượng", 18), ("Chưa đủ tiêu chuẩn, thiếu hồ sơ", 22),
         ("Chờ Hội đồng xem xét", 20)],
        ["{{ row.stt }}", "{{ row.name }}", "{{ row.score }}", "{{ row.rank }}", "{{ row.submitted }}",
         "{{ row.proposed }}", "{{ row.over_quota }}", "{{ row.not_yet }}", "{{ row.review }}"],
        "Trên đây là báo cáo kết quả tổng hợp thi đua, khen thưởng năm {{ year }} của Ban Thường trực "
        "{{ province_name }}./.")


def minutes(doc) -> None:
    letterhead(doc, "minutes_symbol", "BIÊN BẢN",
               "Họp Hội đồng Thi đua - Khen thưởng {{ province_name }}", draft=True)
    body(doc, "Thời gian: ...... giờ ...... ngày ...... tháng ...... năm {{ year }}.")
    body(doc, "Địa điểm: ..................................................................................")
    body(doc, "Thành phần: có mặt ...... /...... thành viên Hội đồng; vắng mặt ...... (lý do: ......................).")
    body(doc, "Chủ trì: ........................................  Thư ký: ........................................")
    para(doc, "NỘI DUNG", bold=True, size=14, align=CENTER, before=6, after=6)
    body(doc, "Hội đồng xem xét kết quả chấm điểm, xếp hạng thi đua năm {{ year }} và danh sách đề nghị khen thưởng "
              "do Văn phòng tổng hợp từ {{ files_text }} của các đơn vị; biểu quyết từng danh sách dưới đây.")
    tag(doc, "{%p for line in review_lines %}")
    body(doc, "- {{ line }}")
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p if double_award_lines %}")
    para(doc, "Trường hợp được đề nghị hai Bằng khen cho cùng một thành tích", bold=True, size=14, align=LEFT,
         before=6, after=3)
    body(doc, "Luật Thi đua, khen thưởng không tặng nhiều hình thức khen thưởng cho một thành tích. Đề nghị Hội "
              "đồng xem xét, chọn một hình thức cho mỗi trường hợp sau:")
    tag(doc, "{%p for line in double_award_lines %}")
    body(doc, "- {{ line }}")
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p endif %}")
    body(doc, "Kết quả biểu quyết: ghi số phiếu đồng ý của từng trường hợp trong danh sách kèm theo; tổng số thành "
              "viên dự họp ...... /...... .")
    body(doc, "Kết luận: ...............................................................................................")
    body(doc, "Biên bản kết thúc lúc ...... giờ ...... cùng ngày, đã thông qua trước Hội đồng./.")
    table = doc.add_table(rows=1, cols=2)
    _no_borders(table)
    for cell, role in zip(table.rows[0].cells, ("THƯ KÝ", "CHỦ TRÌ")):
        cell = _first_cell(cell)
        para(cell, role, bold=True, size=13, align=CENTER, before=12)
        for _ in range(4):
            para(cell, "", size=13)
    landscape_section(doc)
    para(doc, "DANH SÁCH BIỂU QUYẾT", bold=True, size=14, align=CENTER)
    para(doc, "(Kèm theo Biên bản họp Hội đồng Thi đua - Khen thưởng)", italic=True, size=13, align=CENTER, after=6)
    provisional(doc)
    tag(doc, "{%p for g in votes %}")
    para(doc, "{{ g.title }}", bold=True, size=13, align=LEFT, before=6, after=3)
    list_table(doc, [("STT", 10), ("Tên tập thể, cá nhân", 62), ("Chức vụ, đơn vị công tác", 62),
                     ("Đơn vị đề nghị", 36), ("Điểm", 14), ("Số phiếu đồng ý", 22), ("Tỷ lệ (%)", 16), ("Ghi chú", 35)],
               ["{{ row.stt }}", "{{ row.name }}", "{{ row.position }}", "{{ row.unit }}", "{{ row.score }}", "", "",
                "{{ row.note }}"],
               "g.rows")
    tag(doc, "{%p endfor %}")


def midyear(doc) -> None:
    report_document(
        doc, "Sơ kết công tác thi đua, khen thưởng 6 tháng đầu năm {{ year }}",
        "sơ kết công tác thi đua, khen thưởng 6 tháng đầu năm {{ year }}", "Kết quả chấm điểm tạm thời của các đơn vị:",
        [("STT", 12), ("Đơn vị", 55), ("Điểm", 16), ("Xếp thứ", 16), ("Việc cần bổ sung", 68)],
        ["{{ row.stt }}", "{{ row.name }}", "{{ row.score }}", "{{ row.rank }}", "{{ row.todo }}"],
        "Đề nghị các đơn vị hoàn thành các nội dung còn thiếu{{ deadline_text }} để Ban Thường trực tổng hợp, "
        "xét khen thưởng cuối năm./.")


def scoring(doc) -> None:
    report_document(
        doc, "Kết quả chấm điểm thi đua năm {{ year }}",
        "kết quả chấm điểm thi đua năm {{ year }} theo bảng tiêu chí", "Điểm của các đơn vị:",
        [("STT", 10), ("Đơn vị", 44), ("Cụm thi đua", 28), ("Tổng điểm tự chấm", 20), ("Điểm thẩm định", 20),
         ("Điểm xếp hạng", 20), ("Xếp thứ", 14)],
        ["{{ row.stt }}", "{{ row.name }}", "{{ row.cluster }}", "{{ row.own }}", "{{ row.appraised }}",
         "{{ row.score }}", "{{ row.rank }}"],
        "Trên đây là báo cáo kết quả chấm điểm thi đua năm {{ year }} của Ban Thường trực {{ province_name }}./.")


BUILDERS = {"to_trinh_ubnd": proposal_ubnd, "to_trinh_tw": proposal_tw, "quyet_dinh": decision,
            "bao_cao_tong_ket": report, "bien_ban": minutes, "bao_cao_so_ket": midyear,
            "bao_cao_cham_diem": scoring}


def build(key: str, path: Path) -> Path:
    doc = _document()
    BUILDERS[key](doc)
    buffer = io.BytesIO()
    doc.save(buffer)
    _reproducible_zip(buffer.getvalue(), path)
    return path


def _reproducible_zip(data: bytes, path: Path) -> None:
    """The same document gives the same bytes: zip entries get a fixed date, so git sees no change."""
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(2023, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(fixed, source.read(info.filename))


def build_all(folder: Path) -> list[Path]:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return [build(key, folder / name) for key, name in DOCUMENT_TEMPLATES.items()]


if __name__ == "__main__":
    for written in build_all(Path(__file__).resolve().parent.parent / "templates"):
        print(written)
