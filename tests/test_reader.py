"""Reading workbooks as clerks make them: by label, in any order, from wherever the header sits."""


from conftest import DATA, info_rows, make_book

from thidua.evaluate import evaluate
from thidua.workbook import read_submission


def test_nfd_labels_and_values_are_read_and_normalised():
    sub = read_submission(DATA / "nfd_labels.xlsx")
    assert sub.readable and sub.info.unit_code == "943" and sub.info.self_score == 88.5
    [row] = sub.nominations
    assert row.name == "Thạch Thị Sà Rây"  # NFC after reading
    assert (row.kind, row.level, row.award, row.score, row.row) == ("individual", "xa", "BK_MTTQ_TINH", 91.0, 2)


def test_shuffled_columns_extra_columns_and_blank_rows():
    sub = read_submission(DATA / "shuffled_columns_extra.xlsx")
    assert [(n.name, n.level, n.award, n.score, n.stt, n.row) for n in sub.nominations] == [
        ("Ủy ban MTTQ Việt Nam xã Phong Nẫm", "xa", "BK_MTTQ_TINH", 93.0, 1, 2),
        ("Ban công tác Mặt trận ấp An Hòa", "bctmt", "BK_MTTQ_TINH", 90.5, 2, 5),
    ]
    assert all(n.has_proposal and n.has_minutes and n.has_report for n in sub.nominations)
    assert sub.nominations[0].cells["score"] == "B2"


def test_header_on_row_3_below_a_title_block():
    sub = read_submission(DATA / "header_on_row_3.xlsx")
    assert [(c.name, c.unit_type, c.score, c.row) for c in sub.communes] == [
        ("Xã An Lạc Tây", "Xã", 95.0, 4), ("Thị trấn Kế Sách", "Thị trấn", 91.5, 5)]


def test_comma_decimals_and_money_in_words():
    sub = read_submission(DATA / "comma_decimals.xlsx")
    assert [(n.score, n.contribution, n.merit_type) for n in sub.nominations] == [
        (87.5, None, None), (None, 120_000_000, "dot-xuat"), (None, 100_000_000, "dot-xuat")]


def test_fixture_batch_is_evaluated_end_to_end(config, registry):
    result = evaluate([read_submission(DATA / "comma_decimals.xlsx")], config, registry)
    assert [n.status for n in result.nominations] == ["proposed", "proposed", "proposed"]


def test_unreadable_values_become_issues_with_their_cell(tmp_path):
    path = make_book(tmp_path / "a.xlsx", {
        "Thông tin": info_rows(),
        "Đề nghị tập thể": [["STT", "Tên tập thể", "Cấp", "Hình thức khen thưởng", "Điểm"],
                            [1, "Xã A", "Cấp xã", "Giấy khen", "chín mươi"],
                            [2, "Xã B", "Cấp thôn", "BK_MTTQ_TINH", 90]],
    })
    sub = read_submission(path)
    found = sorted((i.code, i.sheet, i.cell) for n in sub.nominations for i in n.problems)
    assert found == [("bad-number", "Đề nghị tập thể", "E2"), ("unknown-award", "Đề nghị tập thể", "D2"),
                     ("unknown-level", "Đề nghị tập thể", "C3")]


def test_missing_column_is_reported_and_its_rows_are_invalid(tmp_path, config, registry):
    path = make_book(tmp_path / "a.xlsx", {
        "Thông tin": info_rows(),
        "Đề nghị tập thể": [["STT", "Tên tập thể", "Điểm", "Tờ trình", "Biên bản", "Báo cáo thành tích"],
                            [1, "Xã A", 90, "x", "x", "x"]],
    })
    result = evaluate([read_submission(path)], config, registry)
    missing = [i for i in result.issues if i.code == "missing-column"]
    assert {i.params["column"] for i in missing} == {"Cấp", "Hình thức khen thưởng"}
    # it says which columns it found
    assert missing[0].params["found"] == "STT, Tên tập thể, Điểm, Tờ trình, Biên bản, Báo cáo thành tích"
    assert [n.status for n in result.nominations] == ["invalid"]


def test_lock_files_and_other_files_are_skipped(tmp_path):
    (tmp_path / "~$Kế Sách.xlsx").write_bytes(b"\x00lock")
    (tmp_path / "ghi chú.docx").write_bytes(b"PK\x03\x04")
    for path in tmp_path.iterdir():
        sub = read_submission(path)
        assert sub.skipped and [i.code for i in sub.issues] == ["file-skipped"]


def test_a_broken_file_is_an_issue_not_a_crash(tmp_path):
    path = tmp_path / "hỏng.xlsx"
    path.write_bytes(b"PK\x03\x04 this is not a real workbook")
    sub = read_submission(path)
    assert not sub.readable and [i.code for i in sub.issues] == ["file-unreadable"]


def test_a_workbook_without_the_info_sheet_is_rejected(tmp_path, config, registry):
    path = make_book(tmp_path / "a.xlsx", {"Sheet1": [["x"]]})
    result = evaluate([read_submission(path)], config, registry)
    assert [i.status for i in result.inputs] == ["rejected"]
    assert [i.code for i in result.errors] == ["missing-info-sheet"]


def test_info_values_are_read_beside_their_labels_and_excel_numbers_stay_codes(tmp_path):
    rows = [["Mã đơn vị", 943.0, "ghi chú: mã GSO"], ["Năm", "2023"], ["Điểm tự chấm", None, "bỏ trống"]]
    sub = read_submission(make_book(tmp_path / "a.xlsx", {"Thông tin": rows}))
    assert (sub.info.unit_code, sub.info.year, sub.info.self_score) == ("943", 2023, None)
    assert sub.info.cells["unit_code"] == "B1"
