"""Writes the small hand-made workbooks in this folder. Run it again only to change them:
python tests/data/make_fixtures.py"""

import unicodedata
from pathlib import Path

import openpyxl

HERE = Path(__file__).parent
INFO = [["Đơn vị", "Ủy ban MTTQ Việt Nam huyện Kế Sách"], ["Mã đơn vị", "943"], ["Năm", 2023], ["Đợt", "Tổng kết"],
        ["Số đơn vị cấp xã", 13], ["Số Ban công tác Mặt trận", 106], ["Điểm tự chấm", "88,5"],
        ["Ngày lập", "25/11/2023"]]


def book(name, sheets):
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
    wb.save(HERE / name)


def nfd(text):
    return unicodedata.normalize("NFD", text)


# Labels and values typed in decomposed Unicode (NFD), as some Mac and web tools save them.
book("nfd_labels.xlsx", {
    nfd("Thông tin"): [[nfd(a), nfd(b) if isinstance(b, str) else b] for a, b in INFO],
    nfd("Đề nghị cá nhân"): [
        [nfd(x) for x in ["STT", "Họ và tên", "Cấp", "Hình thức khen thưởng", "Điểm", "Tờ trình", "Biên bản",
                          "Báo cáo thành tích"]],
        [1, nfd("Thạch Thị Sà Rây"), nfd("Cấp xã"), nfd("Bằng khen Ủy ban MTTQ Việt Nam tỉnh"), 91, "x", "x", "x"],
    ],
})

# Columns in another order, an extra column of the district's own, blank rows between the data.
book("shuffled_columns_extra.xlsx", {
    "Thông tin": INFO,
    "Đề nghị tập thể": [
        ["Hình thức khen thưởng", "Điểm", "Tên tập thể", "Ghi chú riêng của huyện", "Cấp", "STT", "Báo cáo thành tích",
         "Tờ trình", "Biên bản"],
        ["BK_MTTQ_TINH", 93, "Ủy ban MTTQ Việt Nam xã Phong Nẫm", "ưu tiên", "Xã", 1, "có", "đủ", "✓"],
        [],
        [None, None, None, None, None, None, None, None, None],
        ["Bằng khen UBMTTQ tỉnh", 90.5, "Ban công tác Mặt trận ấp An Hòa", "", "BCTMT", 2, "x", "x", "x"],
    ],
})

# A title block above the table: the header row is the third row, as in the official template.
book("header_on_row_3.xlsx", {
    "Thông tin": INFO,
    "Chấm điểm cấp xã": [
        ["BẢNG CHẤM ĐIỂM THI ĐUA CẤP XÃ NĂM 2023"],
        ["(Kèm theo báo cáo của Ủy ban MTTQ Việt Nam huyện Kế Sách)"],
        ["STT", "Tên đơn vị", "Loại đơn vị", "Điểm", "Ghi chú"],
        [1, "Xã An Lạc Tây", "Xã", 95, ""],
        [2, "Thị trấn Kế Sách", "Thị trấn", 91.5, ""],
    ],
})

# Scores typed as text with a decimal comma, money typed with words and separators.
book("comma_decimals.xlsx", {
    "Thông tin": INFO,
    "Đề nghị tập thể": [
        ["STT", "Tên tập thể", "Cấp", "Hình thức khen thưởng", "Loại khen", "Điểm", "Tờ trình", "Biên bản",
         "Báo cáo thành tích", "Giá trị đóng góp (đồng)"],
        [1, "Ủy ban MTTQ Việt Nam xã Nhơn Mỹ", "Cấp xã", "Bằng khen Ủy ban MTTQ Việt Nam tỉnh", "", "87,5", "x", "x", "x", ""],
        [2, "Công ty TNHH Thành Đạt", "Cấp huyện", "Bằng khen UBND tỉnh", "Đột xuất", "", "x", "x", "x", "120 triệu"],
        [3, "Doanh nghiệp tư nhân Hưng Phát", "Cấp huyện", "Bằng khen UBND tỉnh", "Đột xuất", "", "x", "x", "x",
         "100.000.000"],
    ],
})
