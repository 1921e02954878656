"""One smallest input per issue code that no other test pins down: its code, file, sheet and cell.

The workbooks are built as a clerk would type them. In `info_rows()` the values sit in column B: Mã đơn vị B3,
Năm B4, Đợt B5, Số đơn vị cấp xã B6, Số Ban công tác Mặt trận B7, Điểm tự chấm B8, Ngày lập B9.
"""

import pytest
from conftest import info_rows, make_book

from thidua.config import Limits
from thidua.evaluate import evaluate
from thidua.workbook import read_submission

GROUP_HEADER = ["STT", "Tên tập thể", "Cấp", "Hình thức khen thưởng", "Loại khen", "Điểm", "Tờ trình", "Biên bản",
                "Báo cáo thành tích", "Số năm HTXSNV liên tục", "Giá trị đóng góp (đồng)"]
PERSON_HEADER = ["STT", "Họ và tên", "Năm sinh", "Cấp", "Hình thức khen thưởng", "Loại khen", "Điểm", "Tờ trình",
                 "Biên bản", "Báo cáo thành tích", "Số năm HTXSNV liên tục", "Số sáng kiến"]
COMMUNE_HEADER = ["STT", "Tên đơn vị", "Loại đơn vị", "Điểm"]
PROVINCE = dict(code="94", name="Ủy ban MTTQ Việt Nam tỉnh Sóc Trăng", communes=None, bctmt=None, score=None)


def group(*cells):
    return {"Đề nghị tập thể": [GROUP_HEADER, [1, *cells]]}


def issues_of(tmp_path, config, registry, code, books):
    """Read the workbooks ({file name: sheets}), evaluate them as one batch, return the issues with `code`."""
    subs = [read_submission(make_book(tmp_path / name, sheets)) for name, sheets in books.items()]
    return [i for i in evaluate(subs, config, registry).issues if i.code == code]


CASES = {
    # code: (workbooks, (file, sheet, cell))
    "wrong-round": ({"a.xlsx": {"Thông tin": info_rows(round_="Sơ kết")}}, ("a.xlsx", "Thông tin", "B5")),
    "missing-score": ({"a.xlsx": {"Thông tin": info_rows(score=None)}}, ("a.xlsx", "Thông tin", "B8")),
    "bad-date": ({"a.xlsx": {"Thông tin": info_rows(date="31/02/2023")}}, ("a.xlsx", "Thông tin", "B9")),
    "missing-unit-code": ({"a.xlsx": {"Thông tin": info_rows(code="")}}, ("a.xlsx", "Thông tin", "B3")),
    "unknown-unit": ({"a.xlsx": {"Thông tin": info_rows(code="999")}}, ("a.xlsx", "Thông tin", "B3")),
    "wrong-year": ({"a.xlsx": {"Thông tin": info_rows(year=2022)}}, ("a.xlsx", "Thông tin", "B4")),
    "unit-mismatch": ({"a.xlsx": {"Thông tin": info_rows(name="Ủy ban MTTQ Việt Nam huyện Mỹ Tú")}},
                      ("a.xlsx", "Thông tin", "B2")),
    "unit-name-mismatch": ({"a.xlsx": {"Thông tin": info_rows(name="Ủy ban MTTQ Việt Nam huyện Không Có")}},
                           ("a.xlsx", "Thông tin", "B2")),
    "declared-count-mismatch": ({"a.xlsx": {"Thông tin": info_rows(communes=12)}}, ("a.xlsx", "Thông tin", "B6")),
    "missing-sheet": ({"a.xlsx": {"Thông tin": info_rows(), "Đề nghị cá nhân": [PERSON_HEADER],
                                  "Chấm điểm cấp xã": [COMMUNE_HEADER],
                                  "Chấm điểm BCTMT": [["STT", "Tên Ban công tác Mặt trận", "Điểm"]],
                                  "Chấm điểm chi tiết": [["Mã", "Nội dung", "Tự chấm"]]}},
                      ("a.xlsx", "Đề nghị tập thể", "")),
    "unknown-commune": ({"a.xlsx": {"Thông tin": info_rows(),
                                    "Chấm điểm cấp xã": [COMMUNE_HEADER, [1, "Xã Không Có", "Xã", 90]]}},
                        ("a.xlsx", "Chấm điểm cấp xã", "B2")),
    "appraisal-unknown-unit": ({"t.xlsx": {"Thông tin": info_rows(**PROVINCE),
                                           "Thẩm định cấp huyện": [["Mã đơn vị", "Tên đơn vị", "Điểm thẩm định"],
                                                                   ["999", "Huyện X", 90]]}},
                               ("t.xlsx", "Thẩm định cấp huyện", "A2")),
    "not-eligible": ({"a.xlsx": {"Thông tin": info_rows(),
                                 **group("Công ty A", "Cấp huyện", "BK_UBND_TINH", "Đột xuất", None, "x", "x", "x",
                                         None, 50_000_000)}},
                     ("a.xlsx", "Đề nghị tập thể", "E2")),
    "unknown-merit-type": ({"a.xlsx": {"Thông tin": info_rows(),
                                       **group("Công ty A", "Cấp huyện", "BK_UBND_TINH", "Thường xuyên", None,
                                               "x", "x", "x")}},
                           ("a.xlsx", "Đề nghị tập thể", "E2")),
    "unknown-level": ({"a.xlsx": {"Thông tin": info_rows(), **group("Xã A", "Cấp thôn", "BK_MTTQ_TINH", None, 90)}},
                      ("a.xlsx", "Đề nghị tập thể", "C2")),
    "unknown-award": ({"a.xlsx": {"Thông tin": info_rows(), **group("Xã A", "Cấp xã", "Giấy khen", None, 90)}},
                      ("a.xlsx", "Đề nghị tập thể", "D2")),
    "bad-number": ({"a.xlsx": {"Thông tin": info_rows(), **group("Xã A", "Cấp xã", "BK_MTTQ_TINH", None, "chín")}},
                   ("a.xlsx", "Đề nghị tập thể", "F2")),
    "duplicate-person": ({"a.xlsx": {"Thông tin": info_rows(), "Đề nghị cá nhân": [
                              PERSON_HEADER, [1, "Lê Văn Tám", 1980, "Cấp huyện", "BK_MTTQ_TINH", None, 90, "x", "x", "x"]]},
                          "b.xlsx": {"Thông tin": info_rows(code="944", name="Ủy ban MTTQ Việt Nam huyện Mỹ Tú",
                                                            communes=9, bctmt=66), "Đề nghị cá nhân": [
                              PERSON_HEADER, [1, "Lê Văn Tám", 1980, "Cấp huyện", "BK_MTTQ_TINH", None, 88, "x", "x", "x"]]}},
                         ("a.xlsx", "Đề nghị cá nhân", "B2")),
}


@pytest.mark.parametrize("code", CASES)
def test_the_smallest_input_raises_the_code_at_its_cell(code, tmp_path, config, registry):
    books, where = CASES[code]
    found = issues_of(tmp_path, config, registry, code, books)
    # One issue, or one per file where the problem spans files (a person nominated twice names both rows).
    assert len(found) == len(books), [(i.code, i.file, i.sheet, i.cell) for i in found]
    assert where in [(i.file, i.sheet, i.cell) for i in found]


def test_a_file_above_the_size_limit_is_refused_unopened(tmp_path, config, registry):
    path = make_book(tmp_path / "big.xlsx", {"Thông tin": info_rows(), "Ghi chú": [["x" * 1000]] * 2000})
    sub = read_submission(path, limits=Limits(max_file_mb=0))
    [problem] = sub.issues
    assert (problem.code, problem.file, problem.sheet, problem.cell) == ("file-too-large", "big.xlsx", "", "")
    assert not sub.readable and path.stat().st_size > 0
