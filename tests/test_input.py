"""Input where every good row ends somewhere (issue 21, points 10-18; issue 20, input points).

Each test reproduces a defect seen on real or hostile input: a file that cannot be opened, a name that is not
UTF-8, good Unicode mistaken for a legacy font, a name mistaken for a totals row, a copied sheet, duplicate rows,
odd dates, a file claiming another unit's code, a huge workbook."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import openpyxl
import pytest
from conftest import info_rows, make_book, run_cli, run_dirs

from thidua import legacy
from thidua.batch import read_folder
from thidua.evaluate import evaluate
from thidua.workbook import read_submission

COLLECTIVE_HEADER = ["STT", "Tên tập thể", "Cấp", "Hình thức khen thưởng", "Điểm", "Tóm tắt thành tích",
                     "Tờ trình", "Biên bản", "Báo cáo thành tích"]


def collective(name="Ủy ban MTTQ Việt Nam xã Phong Nẫm", stt=1, score=91.5):
    return [stt, name, "Cấp xã", "BK_MTTQ_TINH", score, "Thành tích xuất sắc", "x", "x", "x"]


def district_book(path: Path, rows=None, **info) -> Path:
    return make_book(path, {"Thông tin": info_rows(**info),
                            "Đề nghị tập thể": [COLLECTIVE_HEADER, *(rows if rows is not None else [collective()])]})


def codes(issues):
    return [i.code for i in issues]


def run_folder(tmp_path: Path, inputs: Path) -> tuple[int, str, dict, Path]:
    code, text = run_cli("run", "--input", str(inputs), "--output", str(tmp_path / "out"))
    [folder] = run_dirs(tmp_path / "out")
    return code, text, json.loads((folder / "ket_qua.json").read_text(encoding="utf-8")), folder


# ---------------------------------------------------------------- 10. files that cannot be opened

def test_a_file_removed_during_the_run_gets_an_issue_and_the_rest_is_read(tmp_path):
    district_book(tmp_path / "in" / "a.xlsx")
    district_book(tmp_path / "in" / "b.xlsx", code="944", name="Ủy ban MTTQ Việt Nam huyện Mỹ Tú")

    def progress(jobs, total):
        for job in jobs:
            if job[1] == "a.xlsx":
                job[0].unlink()  # gone between the listing and the reading, as a clerk moving files would do
            yield job

    subs = read_folder(tmp_path / "in", progress=progress, workers=1)
    assert [(s.file, s.readable) for s in subs] == [("a.xlsx", False), ("b.xlsx", True)]
    assert codes(subs[0].issues) == ["file-unreadable"] and subs[0].issues[0].file == "a.xlsx"
    assert subs[1].nominations


@pytest.mark.skipif(sys.platform == "win32" or os.geteuid() == 0, reason="chmod 000 binds only a POSIX non-root user")
def test_an_unreadable_workbook_is_an_issue_in_run_and_in_check(tmp_path):
    district_book(tmp_path / "in" / "a.xlsx")
    locked = district_book(tmp_path / "in" / "b.xlsx", code="944", name="Ủy ban MTTQ Việt Nam huyện Mỹ Tú")
    locked.chmod(0)
    try:
        code, _, result, _ = run_folder(tmp_path, tmp_path / "in")
        assert code == 1
        assert {i["file"]: i["status"] for i in result["inputs"]} == {"a.xlsx": "processed", "b.xlsx": "rejected"}
        assert [i["code"] for i in result["issues"] if i["file"] == "b.xlsx"] == ["file-unreadable"]
        code, text = run_cli("check", str(locked))
        assert code == 1 and "Traceback" not in text
    finally:
        locked.chmod(0o644)


def test_check_on_a_file_that_cannot_be_opened_says_so_without_a_traceback(tmp_path, capsys):
    code, text = run_cli("check", str(tmp_path / "khong-co.xlsx"))
    assert code == 2 and "Traceback" not in text + capsys.readouterr().err


# ---------------------------------------------------------------- 11. file names that are not UTF-8

@pytest.mark.skipif(sys.platform == "win32", reason="Windows file names are always Unicode")
def test_a_file_name_that_is_not_utf8_is_shown_readably_and_the_file_is_processed(tmp_path):
    good = district_book(tmp_path / "good.xlsx")
    folder = tmp_path / "in"
    folder.mkdir()
    # "Báo cáo Sóc Trăng.xlsx" as unzipping a CP1258 zip leaves it on Linux: bytes that are not UTF-8.
    raw = os.path.join(os.fsencode(folder), "Báo cáo Sóc Trăng.xlsx".encode("cp1258"))
    with open(raw, "wb") as fh:
        fh.write(good.read_bytes())
    code, _, result, run = run_folder(tmp_path, folder)
    [entry] = result["inputs"]
    assert entry["status"] == "processed" and entry["file"] == "Báo cáo Sóc Trăng.xlsx"
    assert [n["file"] for n in result["nominations"]] == ["Báo cáo Sóc Trăng.xlsx"]
    [book] = run.glob("*.xlsx")
    openpyxl.load_workbook(book)  # well-formed


def test_a_name_in_no_known_encoding_keeps_replacement_characters(tmp_path):
    from thidua.workbook import display_name

    assert display_name("B\udce1o c\udce1o.xlsx") == "Báo cáo.xlsx"
    assert display_name("a\udc81b.xlsx") == "a\ufffdb.xlsx"  # 0x81 is no CP1258 character
    assert display_name("Báo cáo.xlsx") == "Báo cáo.xlsx"


# ---------------------------------------------------------------- 12. good Unicode is no legacy font

GOOD_UNICODE = ["Công ty Cổ phần Mía đường Sóc Trăng®", "Bühler", "3×3", "«Dân vận khéo»", "«…»", "·",
                "Tổ 3 · ấp An Lạc", "Công ty Mía Sóc", "Café Ñam", "A · B", "Ông Ba ® Bà Tư"]


@pytest.mark.parametrize("text", GOOD_UNICODE)
def test_good_unicode_is_never_read_as_a_legacy_font(text):
    assert legacy.best(text) is None
    assert legacy.decodings(text) == {}
    rows, _, converted = legacy.convert_sheet([[text, "Cấp xã"], [legacy.encode_tcvn3("Nguyễn Văn An"), text],
                                               [legacy.encode_tcvn3("Trần Thị Bình"), text]])
    assert rows[0][0] == text and rows[1][1] == text and (0, 0) not in converted


def test_a_company_with_a_registered_mark_keeps_its_name_in_the_result(tmp_path, config, registry):
    sub = read_submission(district_book(tmp_path / "a.xlsx", rows=[
        collective("Công ty Cổ phần Mía đường Sóc Trăng®"), collective("Bühler Việt Nam 3×3 «A·B»", 2)]))
    assert [n.name for n in sub.nominations] == ["Công ty Cổ phần Mía đường Sóc Trăng®", "Bühler Việt Nam 3×3 «A·B»"]
    assert "legacy-encoding" not in codes(sub.issues)


# ---------------------------------------------------------------- 13. totals rows

def test_a_name_that_starts_like_tong_cong_is_a_nomination_not_a_totals_row(tmp_path):
    sub = read_submission(district_book(tmp_path / "a.xlsx", rows=[
        collective("Tổng công ty Điện lực miền Nam"), collective("Tong cong ty Dien luc mien Nam", 2),
        collective("Cộng đồng dân cư ấp An Lạc", 3)]))
    assert [n.name for n in sub.nominations] == ["Tổng công ty Điện lực miền Nam", "Tong cong ty Dien luc mien Nam",
                                                 "Cộng đồng dân cư ấp An Lạc"]
    assert "totals-row" not in codes(sub.issues)


def test_totals_rows_with_or_without_diacritics_are_still_recognised(tmp_path):
    sub = read_submission(district_book(tmp_path / "a.xlsx", rows=[
        collective(), ["", "Tổng cộng", "", "", 91.5], ["Cộng:", "", "", "", ""], ["", "TONG CONG", "", "", 91.5],
        ["", "Tong cong", "Cấp xã", "BK_MTTQ_TINH", 91.5, "", "x", "x", "x"]]))
    assert [(i.code, i.cell) for i in sub.issues] == [("totals-row", "A3"), ("totals-row", "A4"), ("totals-row", "A5")]
    assert [n.name for n in sub.nominations] == ["Ủy ban MTTQ Việt Nam xã Phong Nẫm", "Tong cong"]


# ---------------------------------------------------------------- 14. sheets the reader does not know

INDIVIDUAL_HEADER = ["STT", "Họ và tên", "Giới tính", "Năm sinh", "Cấp", "Hình thức khen thưởng", "Điểm",
                     "Tờ trình", "Biên bản", "Báo cáo thành tích"]


def person(name, stt=1):
    return [stt, name, "Nữ", 1980, "Cấp xã", "BK_MTTQ_TINH", 90, "x", "x", "x"]


def test_rows_on_a_copied_sheet_are_read_with_a_warning(tmp_path, config, registry):
    path = make_book(tmp_path / "a.xlsx", {
        "Thông tin": info_rows(), "Đề nghị cá nhân": [INDIVIDUAL_HEADER, person("Lê Thị Hoa")],
        "Đề nghị cá nhân (2)": [INDIVIDUAL_HEADER, person("Trần Văn Bình"), person("Ngô Thị Cúc", 2)]})
    sub = read_submission(path)
    assert [(n.name, n.sheet, n.row) for n in sub.nominations] == [
        ("Lê Thị Hoa", "Đề nghị cá nhân", 2), ("Trần Văn Bình", "Đề nghị cá nhân (2)", 2),
        ("Ngô Thị Cúc", "Đề nghị cá nhân (2)", 3)]
    [copy] = [i for i in sub.issues if i.code == "sheet-copy-read"]
    assert (copy.sheet, copy.params["original"], copy.params["rows"]) == ("Đề nghị cá nhân (2)", "Đề nghị cá nhân", 2)
    result = evaluate([sub], config, registry)
    assert sorted(n.name for n in result.nominations) == ["Lê Thị Hoa", "Ngô Thị Cúc", "Trần Văn Bình"]


def test_a_sheet_with_data_rows_under_an_unknown_name_is_named_in_an_error(tmp_path):
    path = make_book(tmp_path / "a.xlsx", {
        "Hướng dẫn": [["Hướng dẫn điền mẫu"], ["Ghi mỗi trường hợp một dòng."]],
        "Thông tin": info_rows(), "Đề nghị tập thể": [COLLECTIVE_HEADER, collective()],
        "Sheet1": [COLLECTIVE_HEADER, collective("Ban công tác Mặt trận ấp An Lạc"), [], collective("Xã B", 2)]})
    sub = read_submission(path)
    [lost] = [i for i in sub.issues if i.code == "sheet-not-read"]
    assert (lost.severity, lost.file, lost.sheet, lost.cell) == ("error", "a.xlsx", "Sheet1", "A2")
    assert lost.params["rows"] == 2 and lost.params["like"] == "Đề nghị tập thể"
    assert [n.name for n in sub.nominations] == ["Ủy ban MTTQ Việt Nam xã Phong Nẫm"]


def test_check_no_longer_says_all_is_well_when_a_sheet_is_not_read(tmp_path):
    path = make_book(tmp_path / "a.xlsx", {"Thông tin": info_rows(), "Đề nghị tập thể": [COLLECTIVE_HEADER, collective()],
                                            "Bảng phụ": [COLLECTIVE_HEADER, collective("Xã B", 2)]})
    code, text = run_cli("check", str(path))
    assert code == 1 and "Bảng phụ" in text


# ---------------------------------------------------------------- 15. two rows for one thing

APPRAISAL_HEADER = ["Mã đơn vị", "Tên đơn vị", "Điểm thẩm định"]


def province_book(path: Path, appraisal_sheet="Thẩm định cấp huyện", rows=(), extra=None) -> Path:
    sheets = {"Thông tin": info_rows(code="94", name="Ủy ban MTTQ Việt Nam tỉnh Sóc Trăng"),
              appraisal_sheet: [APPRAISAL_HEADER, *rows]}
    return make_book(path, {**sheets, **(extra or {})})


def test_two_appraisal_rows_for_one_unit_are_both_errors_and_neither_wins(tmp_path, config, registry):
    province = read_submission(province_book(tmp_path / "tinh.xlsx", rows=[
        ["943", "Huyện Kế Sách", 90], ["944", "Huyện Mỹ Tú", 80], ["943", "Huyện Kế Sách", 60]]))
    district = read_submission(district_book(tmp_path / "ks.xlsx", score=88))
    result = evaluate([province, district], config, registry)
    found = [i for i in result.issues if i.code == "duplicate-row"]
    assert sorted((i.severity, i.sheet, i.row) for i in found) == [
        ("error", "Thẩm định cấp huyện", 2), ("error", "Thẩm định cấp huyện", 4)]
    assert {i.params["other"] for i in found} == {2, 4}
    huyen = {r.unit_code: r for r in result.rankings["huyen"]}
    assert "943" not in huyen and huyen["944"].score == 80


def test_two_appraised_marks_for_one_criterion_and_a_criterion_twice_are_errors(tmp_path, config, registry):
    from thidua import schema

    criteria_header = ["Mã", "Tự chấm"]
    district = read_submission(make_book(tmp_path / "ks.xlsx", {
        "Thông tin": info_rows(), "Đề nghị tập thể": [COLLECTIVE_HEADER, collective()],
        schema.CRITERIA_SCORES.name: [criteria_header, ["I.1.1", 5], ["I.1.2", 4], ["I.1.1", 2]]}))
    province = read_submission(province_book(tmp_path / "tinh.xlsx", rows=[], extra={
        schema.CRITERIA_APPRAISAL.name: [["Mã đơn vị", "Mã tiêu chí", "Điểm thẩm định"], ["943", "I.1.2", 3],
                                         ["943", "I.1.2", 1], ["943", "I.1.1", 1]]}))
    result = evaluate([province, district], config, registry)
    found = sorted((i.severity, i.file, i.row, i.params["other"]) for i in result.issues if i.code == "duplicate-row")
    assert found == [("error", "ks.xlsx", 2, 4), ("error", "ks.xlsx", 4, 2),
                     ("error", "tinh.xlsx", 2, 3), ("error", "tinh.xlsx", 3, 2)]


# ---------------------------------------------------------------- 16. dates, and choosing between two files

@pytest.mark.parametrize("typed", ["25/11/2023", "25/11/23", "Ngày 25 tháng 11 năm 2023", "ngày 25/11/2023",
                                   "Sóc Trăng, ngày 25 tháng 11 năm 2023", "25-11-2023", "25.11.2023", "25 / 11 / 2023",
                                   "2023-11-25", "2023-11-25 00:00:00", "25/11/2023 10:30", "11/25/2023",
                                   "25/11/2023.", "ngay 25 thang 11 nam 2023", "25 tháng 11/2023", "25-Nov-2023",
                                   "25 Nov 2023", "25-Nov-23", "25 November 2023"])
def test_dates_are_read_in_the_forms_people_type(typed):
    import datetime as dt

    from thidua.text import parse_date

    assert parse_date(typed) == dt.date(2023, 11, 25)


def _file(tmp_path, name, date, mtime, **info):
    path = district_book(tmp_path / name, rows=[collective(name)], date=date, **info)
    os.utime(path, (mtime, mtime))
    return read_submission(path)


def test_a_blank_or_implausible_date_is_a_warning(tmp_path, config, registry):
    for date, code in (("", "missing-date"), ("25/11/2032", "implausible-date"), ("25/11/2019", "implausible-date")):
        result = evaluate([_file(tmp_path, "a.xlsx", date, 1000)], config, registry)
        [found] = [i for i in result.issues if i.code in ("missing-date", "implausible-date")]
        assert (found.code, found.severity, found.file) == (code, "warning", "a.xlsx")
    result = evaluate([_file(tmp_path, "a.xlsx", "25/11/23", 1000)], config, registry)
    assert not [i for i in result.issues if i.code in ("missing-date", "implausible-date")]


@pytest.mark.parametrize("old_date, new_date, decided_by", [
    ("20/11/2023", "25/11/23", "date"), ("20/11/2023", "Ngày 25 tháng 11 năm 2023", "date"),
    ("20/11/2023", "", "mtime"), ("25/11/2032", "25/11/2023", "mtime")])
def test_the_corrected_file_wins_and_the_reason_given_is_the_true_one(tmp_path, config, registry, old_date, new_date,
                                                                        decided_by):
    old = _file(tmp_path, "cu.xlsx", old_date, 1000)
    new = _file(tmp_path, "moi.xlsx", new_date, 2000)
    result = evaluate([new, old], config, registry)
    assert {i.file: i.status for i in result.inputs} == {"cu.xlsx": "superseded", "moi.xlsx": "processed"}
    [said] = [i for i in result.issues if i.code == "superseded"]
    assert (said.file, said.params["newer"], said.params["decided_by"]) == ("cu.xlsx", "moi.xlsx", decided_by)


def test_two_files_alike_in_date_and_time_say_the_name_decided(tmp_path, config, registry):
    a, b = _file(tmp_path, "a.xlsx", "25/11/2023", 1000), _file(tmp_path, "b.xlsx", "25/11/2023", 1000)
    [said] = [i for i in evaluate([a, b], config, registry).issues if i.code == "superseded"]
    assert said.params["decided_by"] == "name"


# ---------------------------------------------------------------- issue 20: superseded means done

def test_a_rejected_file_followed_by_a_processed_one_is_superseded_and_counts_nothing(tmp_path, config, registry):
    wrong = _file(tmp_path, "sai.xlsx", "20/11/2023", 1000, year=2022)
    fixed = _file(tmp_path, "sua.xlsx", "25/11/2023", 2000)
    result = evaluate([wrong, fixed], config, registry)
    assert {i.file: i.status for i in result.inputs} == {"sai.xlsx": "superseded", "sua.xlsx": "processed"}
    mine = [i for i in result.issues if i.file == "sai.xlsx"]
    assert {i.code: i.severity for i in mine} == {"wrong-year": "info", "superseded": "info"}
    assert not result.errors


def test_a_run_whose_only_errors_are_in_superseded_files_exits_0(tmp_path):
    from thidua.names import FEEDBACK_DIR

    district_book(tmp_path / "in" / "sai.xlsx", year=2022)
    os.utime(tmp_path / "in" / "sai.xlsx", (1000, 1000))
    district_book(tmp_path / "in" / "sua.xlsx", date="26/11/2023")
    code, _, result, run = run_folder(tmp_path, tmp_path / "in")
    assert code == 0 and not [i for i in result["issues"] if i["severity"] == "error"]
    [feedback] = (run / FEEDBACK_DIR).glob("*Kế Sách*.xlsx")
    cells = {row[0]: row[1] for row in openpyxl.load_workbook(feedback)["Tóm tắt"].iter_rows(values_only=True)}
    assert cells["Lỗi cần sửa"] == 0
    warnings = len([i for i in result["issues"] if i["severity"] == "warning" and i["unit_code"] == "943"])
    assert cells["Cảnh báo"] == warnings and f"xem {warnings} cảnh báo" in cells["Việc cần làm"].lower()
    assert not cells["Việc cần làm"].startswith("Sửa")


# ---------------------------------------------------------------- 17. a file that says it is another unit

PROVINCE_NAME = "Ủy ban MTTQ Việt Nam tỉnh Sóc Trăng"


def test_a_second_file_with_the_province_code_is_an_error_naming_both(tmp_path, config, registry):
    real = read_submission(province_book(tmp_path / "tinh.xlsx", rows=[["943", "Huyện Kế Sách", 80]]))
    forged = read_submission(province_book(tmp_path / "zz.xlsx", rows=[["948", "Thị xã Ngã Năm", 100]]))
    result = evaluate([real, forged], config, registry)
    found = [i for i in result.issues if i.code == "province-code-twice"]
    assert sorted((i.severity, i.file, i.params["others"]) for i in found) == [
        ("error", "tinh.xlsx", "zz.xlsx"), ("error", "zz.xlsx", "tinh.xlsx")]


def test_a_district_file_carrying_the_province_code_is_rejected_as_unit_mismatch(tmp_path, config, registry):
    real = read_submission(province_book(tmp_path / "tinh.xlsx", rows=[["943", "Huyện Kế Sách", 80]]))
    forged = read_submission(make_book(tmp_path / "zz.xlsx", {
        "Thông tin": info_rows(code="94", name="Ủy ban MTTQ Việt Nam thị xã Ngã Năm", date="30/11/2023"),
        "Thẩm định cấp huyện": [APPRAISAL_HEADER, ["948", "Thị xã Ngã Năm", 100]]}))
    result = evaluate([real, forged], config, registry)
    assert {i.file: i.status for i in result.inputs} == {"tinh.xlsx": "processed", "zz.xlsx": "rejected"}
    [mismatch] = [i for i in result.issues if i.code == "unit-mismatch"]
    assert (mismatch.severity, mismatch.file, mismatch.cell, mismatch.params["suggestion"]) == \
        ("error", "zz.xlsx", "B2", "948")
    assert {i.file for i in result.issues if i.code == "province-code-twice"} == {"tinh.xlsx", "zz.xlsx"}


@pytest.mark.parametrize("typed", ["UBMTTQ huyện Kế Sách", "Ủy ban MTTQ Việt Nam huyện Kế Sách", "Kế Sách",
                                   "MTTQ KE SACH", "huyện Kế Sách", "Ủy ban Mặt trận Tổ quốc Việt Nam huyện Kế Sách",
                                   "UB MTTQVN H. Kế Sách", "Ủy ban MTTQ Việt Nam huyện Kế Sách, tỉnh Sóc Trăng"])
def test_unit_names_are_matched_tolerantly(tmp_path, config, registry, typed):
    result = evaluate([read_submission(district_book(tmp_path / "a.xlsx", name=typed))], config, registry)
    assert "unit-mismatch" not in codes(result.issues)
    assert {i.status for i in result.inputs} == {"processed"}


@pytest.mark.parametrize("code, typed, suggestion", [("943", "Ủy ban MTTQ Việt Nam huyện Mỹ Tú", "944"),
                                                     ("94", "Ủy ban MTTQ Việt Nam thành phố Sóc Trăng", "941"),
                                                     ("941", "UBMTTQ tỉnh Sóc Trăng", "94")])
def test_a_name_that_contradicts_the_code_is_unit_mismatch(tmp_path, config, registry, code, typed, suggestion):
    result = evaluate([read_submission(district_book(tmp_path / "a.xlsx", code=code, name=typed))], config, registry)
    [found] = [i for i in result.issues if i.code == "unit-mismatch"]
    assert (found.severity, found.params["code"], found.params["suggestion"]) == ("error", code, suggestion)


def test_an_unknown_code_suggests_the_unit_named_in_the_file(tmp_path, config, registry):
    result = evaluate([read_submission(district_book(tmp_path / "a.xlsx", code="999",
                                                     name="Ủy ban MTTQ Việt Nam huyện Mỹ Tú"))], config, registry)
    [found] = [i for i in result.issues if i.code == "unknown-unit"]
    assert found.params["suggestion"] == "944" and "944" in found.message and "951" not in found.message


def test_a_name_that_is_no_unit_at_all_stays_a_warning_and_the_file_is_read(tmp_path, config, registry):
    result = evaluate([read_submission(district_book(tmp_path / "a.xlsx", name="Mặt trận KS"))], config, registry)
    assert {i.status for i in result.inputs} == {"processed"}
    assert [i.severity for i in result.issues if i.code in ("unit-mismatch", "unit-name-mismatch")] == ["warning"]


# ---------------------------------------------------------------- issue 20: each missing document at its own cell

def test_each_missing_dossier_document_is_reported_at_its_own_cell(tmp_path, config, registry):
    row = collective()
    row[7] = row[8] = ""  # Biên bản (H) and Báo cáo thành tích (I) not sent; Tờ trình (G) sent
    result = evaluate([read_submission(district_book(tmp_path / "a.xlsx", rows=[row]))], config, registry)
    found = [i for i in result.issues if i.code == "incomplete-dossier"]
    assert sorted((i.cell, i.params["missing"]) for i in found) == [("H2", "Biên bản"), ("I2", "Báo cáo thành tích")]
    assert [n.status for n in result.nominations] == ["incomplete_dossier"]


# ---------------------------------------------------------------- 18. a huge workbook within every other limit

def test_a_sheet_with_more_data_rows_than_the_limit_is_refused_unopened(tmp_path, config):
    from thidua.config import Limits

    assert config.limits.max_data_rows == 100_000  # [limits] max_data_rows in config.toml
    rows = [collective(f"Ban công tác Mặt trận ấp {i}", i) for i in range(1, 61)]
    path = district_book(tmp_path / "a.xlsx", rows=rows)
    sub = read_submission(path, limits=Limits(max_data_rows=50))
    assert not sub.readable and codes(sub.issues) == ["file-too-large"]
    assert sub.issues[0].params["reason"].startswith("trang \"Đề nghị tập thể\" có 61 dòng")
    assert len(read_submission(path, limits=Limits(max_data_rows=61)).nominations) == 60


def test_the_streaming_reader_gives_the_rows_calamine_gives(tmp_path):
    from thidua import xlsx_stream
    from thidua.config import Limits

    path = district_book(tmp_path / "a.xlsx", rows=[collective(), [], collective("Xã B", 2)])
    wb = openpyxl.load_workbook(path)
    wb["Đề nghị tập thể"]["C9"] = "lạc"
    wb.save(path)
    rows, ignored = xlsx_stream.read_sheet(path, "Đề nghị tập thể", Limits(max_rows=8))
    assert ignored == 1 and len(rows) == 4
    assert rows[0] == COLLECTIVE_HEADER and rows[2] == () and rows[3][1] == "Xã B" and rows[1][4] == 91.5


def test_a_rejected_newer_file_says_truly_why_it_counted_as_newer(tmp_path, config, registry):
    used = _file(tmp_path, "a.xlsx", "25/11/2023", 1000)
    rejected = _file(tmp_path, "b.xlsx", "", 2000, year=2022)
    [said] = [i for i in evaluate([used, rejected], config, registry).issues if i.code == "older-file-used"]
    assert (said.file, said.params["newer"], said.params["decided_by"]) == ("a.xlsx", "b.xlsx", "mtime")


def test_a_province_file_with_both_appraisal_sheets_reads_both_and_flags_the_unit_twice(tmp_path, config, registry):
    province = read_submission(province_book(tmp_path / "tinh.xlsx", appraisal_sheet="Thẩm định", rows=[
        ["943", "Huyện Kế Sách", 90]], extra={"Thẩm định cấp huyện": [APPRAISAL_HEADER, ["943", "Huyện Kế Sách", 60],
                                                                       ["944", "Huyện Mỹ Tú", 80]]}))
    result = evaluate([province], config, registry)
    found = [i for i in result.issues if i.code == "duplicate-row"]
    assert sorted((i.sheet, i.row) for i in found) == [("Thẩm định", 2), ("Thẩm định cấp huyện", 2)]
    assert {r.unit_code: r.score for r in result.rankings["huyen"]} == {"944": 80}


# ---------------------------------------------------------------- hostile retest: sample file names (point 2)

def _registry_with_names(tmp_path: Path, names: dict[str, str]) -> Path:
    import csv

    from thidua.cli import ROOT

    with (ROOT / "data" / "don_vi.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        row["ten_don_vi"] = names.get(row["ma_don_vi"], row["ten_don_vi"])
    path = tmp_path / "don_vi.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_sample_writes_one_file_per_unit_when_names_clean_up_to_the_same_file_name(tmp_path):
    long = "Ủy ban MTTQ Việt Nam huyện " + "Rất Dài " * 20
    registry = _registry_with_names(tmp_path, {"941": "Ủy ban MTTQ Việt Nam huyện Kế: Sách",
                                               "942": "Ủy ban MTTQ Việt Nam huyện Kế/ Sách",
                                               "943": long + "Một", "944": long + "Hai"})
    code, text = run_cli("sample", "--registry", str(registry), "--output", str(tmp_path / "in"))
    written = int(text.split("Đã ghi ")[1].split()[0])
    assert code == 0 and len(list((tmp_path / "in").glob("*.xlsx"))) == written == 12
    code, _ = run_cli("run", "--registry", str(registry), "--input", str(tmp_path / "in"), "--output",
                      str(tmp_path / "out"))
    [folder] = run_dirs(tmp_path / "out")
    data = json.loads((folder / "ket_qua.json").read_text(encoding="utf-8"))
    assert {u["code"] for u in data["units"] if (u.get("summary") or {}).get("processed")} >= {"941", "942", "943",
                                                                                                "944"}


def test_two_units_with_the_same_name_in_the_registry_get_a_warning_naming_both_codes(tmp_path):
    same = "Ủy ban MTTQ Việt Nam huyện Kế Sách"
    registry = _registry_with_names(tmp_path, {"942": same, "943": same})
    assert run_cli("sample", "--registry", str(registry), "--output", str(tmp_path / "in"))[0] == 0
    code, _ = run_cli("run", "--registry", str(registry), "--input", str(tmp_path / "in"), "--output",
                      str(tmp_path / "out"))
    [folder] = run_dirs(tmp_path / "out")
    data = json.loads((folder / "ket_qua.json").read_text(encoding="utf-8"))
    found = [i for i in data["issues"] if i["code"] == "duplicate-unit-name"]
    assert code in (0, 1) and len(found) == 1
    assert found[0]["severity"] == "warning" and found[0]["file"] == "don_vi.csv"
    assert found[0]["params"]["codes"] == "942, 943" and found[0]["related"] == ["942", "943"]


def test_last_years_province_file_left_in_the_folder_is_not_a_second_province_file(tmp_path, config, registry):
    real = read_submission(province_book(tmp_path / "tinh.xlsx", rows=[["943", "Huyện Kế Sách", 80]]))
    old = read_submission(make_book(tmp_path / "tinh 2022.xlsx", {
        "Thông tin": info_rows(code="94", name=PROVINCE_NAME, year=2022, date="30/11/2022")}))
    result = evaluate([real, old], config, registry)
    assert {i.file: i.status for i in result.inputs} == {"tinh.xlsx": "processed", "tinh 2022.xlsx": "rejected"}
    assert [i.code for i in result.issues if i.code == "province-code-twice"] == []
    assert [i.code for i in result.issues if i.file == "tinh 2022.xlsx" and i.severity == "error"] == ["wrong-year"]
