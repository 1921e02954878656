"""Writes the small hand-made workbooks in this folder. Run it again only to change them:
python tests/data/make_fixtures.py"""

import sys
import unicodedata
from pathlib import Path

import openpyxl

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/, for the workbook helper of the tests
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from conftest import make_book

HERE = Path(__file__).parent
INFO = [["Đơn vị", "Ủy ban MTTQ Việt Nam huyện Kế Sách"], ["Mã đơn vị", "943"], ["Năm", 2023], ["Đợt", "Tổng kết"],
        ["Số đơn vị cấp xã", 13], ["Số Ban công tác Mặt trận", 106], ["Điểm tự chấm", "88,5"],
        ["Ngày lập", "25/11/2023"]]


def book(name, sheets):
    make_book(HERE / name, sheets)


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


# ---------------------------------------------------------------- real-world and hostile input (issue 4)
# These need tools the product does not: LibreOffice (soffice) for .xls/.ods and cached formula values,
# msoffcrypto-tool for the encrypted workbook. The files they make are committed.

import shutil  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402

import xlsxwriter  # noqa: E402

from thidua.legacy import encode_tcvn3, encode_vni  # noqa: E402

NOMINATIONS = [
    ["STT", "Tên tập thể", "Cấp", "Hình thức khen thưởng", "Điểm", "Tờ trình", "Biên bản", "Báo cáo thành tích"],
    [1, "Ủy ban MTTQ Việt Nam xã Phong Nẫm", "Cấp xã", "Bằng khen Ủy ban MTTQ Việt Nam tỉnh", 91.5, "x", "x", "x"],
    [2, "Ban công tác Mặt trận ấp Đắc Thắng", "Ban công tác Mặt trận", "Bằng khen Ủy ban MTTQ Việt Nam tỉnh", 90,
     "x", "x", "x"],
]


def soffice_convert(source: Path, suffix: str, target: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["soffice", "--headless", "--convert-to", suffix, "--outdir", tmp, str(source)], check=True,
                       capture_output=True, timeout=180)
        shutil.move(str(Path(tmp) / f"{source.stem}.{suffix.split(':')[0]}"), target)


def legacy_books() -> None:
    for name, encode in (("legacy_tcvn3.xlsx", encode_tcvn3), ("legacy_vni.xlsx", encode_vni)):
        def enc(v, encode=encode):
            return encode(v) if isinstance(v, str) else v
        book(name, {
            "Thông tin": [[enc(a), enc(b)] for a, b in INFO],
            enc("Đề nghị tập thể"): [[enc(v) for v in row] for row in NOMINATIONS],
        })


def with_info(info=INFO):
    """A new workbook whose first sheet is "Thông tin"."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    sheet = wb.create_sheet("Thông tin")
    for row in info:
        sheet.append(row)
    return wb


def merged_header_book() -> None:
    wb = with_info()
    ws = wb.create_sheet("Đề nghị tập thể")
    ws.append(["DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG TẬP THỂ"])
    ws.append(["STT", "Tên tập thể", "Cấp", "Hình thức khen thưởng", "Điểm", "Hồ sơ", None, None])
    ws.append([None, None, None, None, None, "Tờ trình", "Biên bản", "Báo cáo thành tích"])
    for row in NOMINATIONS[1:]:
        ws.append(row)
    for col in "ABCDE":
        ws.merge_cells(f"{col}2:{col}3")
    ws.merge_cells("F2:H2")
    ws.merge_cells("A1:H1")
    wb.save(HERE / "merged_two_row_header.xlsx")


def quirks_book() -> None:
    """Numbers typed as text, dates as text and as serial numbers, a totals row, a hidden sheet."""
    wb = with_info([[label, value if label != "Ngày lập" else 45255] for label, value in INFO])  # serial 25/11/2023
    ws = wb.create_sheet("Đề nghị tập thể")
    ws.append(NOMINATIONS[0])
    ws.append(["1", "Ủy ban MTTQ Việt Nam xã Phong Nẫm", "Cấp xã", "Bằng khen Ủy ban MTTQ Việt Nam tỉnh", "91,5", "x",
               "x", "x"])
    ws.append(["2", "Ủy ban MTTQ Việt Nam xã An Lạc Thôn", "Cấp xã", "Bằng khen Ủy ban MTTQ Việt Nam tỉnh", " 90 ",
               "x", "x", "x"])
    ws.append(["Tổng cộng", None, None, None, None, "2", "2", "2"])
    hidden = wb.create_sheet("Ghi chú nội bộ")
    hidden.append(["ghi chú"])
    hidden.sheet_state = "hidden"
    wb.save(HERE / "quirks_text_numbers_totals_hidden.xlsx")


def formula_books() -> None:
    wb = with_info()
    ws = wb.create_sheet("Chấm điểm cấp xã")
    ws.append(["STT", "Tên đơn vị", "Loại đơn vị", "Điểm", "Điểm phần 1", "Điểm phần 2"])
    ws.append([1, "Xã An Lạc Tây", "Xã", "=E2+F2", 50, 45.5])
    ws.append([2, "Xã Phong Nẫm", "Xã", "=E3+F3", 40, 48])
    wb.save(HERE / "formula_no_value.xlsx")  # openpyxl never stores a formula's result
    soffice_convert(HERE / "formula_no_value.xlsx", "xlsx:Calc MS Excel 2007 XML", HERE / "formula_cached.xlsx")


def format_books() -> None:
    soffice_convert(HERE / "comma_decimals.xlsx", "xls:MS Excel 97", HERE / "comma_decimals.xls")
    soffice_convert(HERE / "comma_decimals.xlsx", "ods", HERE / "comma_decimals.ods")
    with tempfile.TemporaryDirectory() as tmp:
        vba = Path(tmp) / "vbaProject.bin"
        vba.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504)  # stands in for a macro project
        wb = xlsxwriter.Workbook(str(HERE / "macros.xlsm"))
        info = wb.add_worksheet("Thông tin")
        for r, (label, value) in enumerate(INFO):
            info.write(r, 0, label)
            info.write(r, 1, value)
        ws = wb.add_worksheet("Đề nghị tập thể")
        for r, row in enumerate(NOMINATIONS):
            ws.write_row(r, 0, row)
        wb.add_vba_project(str(vba))
        wb.close()


def encrypted_book() -> None:
    from msoffcrypto.format.ooxml import OOXMLFile

    with (HERE / "comma_decimals.xlsx").open("rb") as plain, (HERE / "encrypted.xlsx").open("wb") as out:
        OOXMLFile(plain).encrypt("matkhau", out)


if __name__ == "__main__":
    legacy_books()
    merged_header_book()
    quirks_book()
    formula_books()
    format_books()
    encrypted_book()
