"""Real-world and hostile input: every file read or explained, nothing lost, nothing crashes."""

import hashlib
import io
import json
import random
import shutil
import zipfile

import openpyxl
import pytest
from conftest import DATA, info_rows, make_book, run_cli, run_dirs

from thidua.config import Limits
from thidua.evaluate import evaluate
from thidua.legacy import best, decode_tcvn3, decode_vni, encode_tcvn3, encode_vni, tcvn3_table, vietnamese_letters
from thidua.workbook import read_submission

NOMINATIONS = [("Ủy ban MTTQ Việt Nam xã Phong Nẫm", "xa", 91.5), ("Ban công tác Mặt trận ấp Đắc Thắng", "bctmt", 90.0)]


def nominations(sub):
    return [(n.name, n.level, n.score) for n in sub.nominations]


def codes(sub):
    return [i.code for i in sub.issues]


# ---------------------------------------------------------------- formats

@pytest.mark.parametrize("name", ["comma_decimals.xls", "comma_decimals.ods"])
def test_xls_and_ods_read_like_xlsx(name):
    expected = read_submission(DATA / "comma_decimals.xlsx")
    sub = read_submission(DATA / name)
    assert sub.readable and codes(sub) == []
    assert [(n.name, n.level, n.award, n.score, n.contribution) for n in sub.nominations] == \
        [(n.name, n.level, n.award, n.score, n.contribution) for n in expected.nominations]


def test_xlsm_is_read_as_data_and_its_macros_are_not_run():
    sub = read_submission(DATA / "macros.xlsm")
    assert nominations(sub) == NOMINATIONS and codes(sub) == ["macros-ignored"]


# ---------------------------------------------------------------- Vietnamese text

def test_every_vietnamese_letter_with_every_tone_round_trips_through_both_legacy_encodings():
    letters = vietnamese_letters()
    assert len(letters) == 134
    for letter in letters:
        assert decode_vni(encode_vni(letter)) == letter
        if letter.islower() or letter in "ĂÂÊÔƠƯĐ":  # TCVN3 capitals with tones come from a capitals font
            assert decode_tcvn3(encode_tcvn3(letter)) == letter
    assert len(set(tcvn3_table().values())) == len(tcvn3_table())


@pytest.mark.parametrize("encode, name", [(encode_tcvn3, "TCVN3"), (encode_vni, "VNI")])
def test_a_legacy_cell_is_recognised_and_converted(encode, name):
    for text in ["Nguyễn Thị Thuỷ", "Thạch Thị Sà Rây", "Hình thức khen thưởng", "Đặng Văn Ơn"]:
        assert best(encode(text)) == (text, name)
    assert best("Nguyễn Thị Thuỷ") is None  # Unicode is left alone


@pytest.mark.parametrize("fixture, encoding", [("legacy_tcvn3.xlsx", "TCVN3"), ("legacy_vni.xlsx", "VNI")])
def test_a_whole_legacy_workbook_reads_with_a_warning_per_sheet(fixture, encoding, config, registry):
    sub = read_submission(DATA / fixture)
    assert nominations(sub) == NOMINATIONS
    assert sub.info.unit_name == "Ủy ban MTTQ Việt Nam huyện Kế Sách" and sub.info.unit_code == "943"
    warnings = [i for i in sub.issues if i.code == "legacy-encoding"]
    assert {i.sheet for i in warnings} == {"Thông tin", "Đề nghị tập thể"}
    assert all(i.params["encoding"] == encoding and i.cell for i in warnings)
    result = evaluate([sub], config, registry)
    assert [n.status for n in result.nominations] == ["proposed", "proposed"]
    assert not any(i.code in ("unit-mismatch", "unit-name-mismatch") for i in result.issues)


# ---------------------------------------------------------------- Excel quirks

def test_merged_and_two_row_headers():
    assert nominations(read_submission(DATA / "merged_two_row_header.xlsx")) == NOMINATIONS


def test_formulas_use_their_saved_value_and_a_missing_one_is_reported():
    cached = read_submission(DATA / "formula_cached.xlsx")
    assert [(c.name, c.score) for c in cached.communes] == [("Xã An Lạc Tây", 95.5), ("Xã Phong Nẫm", 88.0)]
    missing = read_submission(DATA / "formula_no_value.xlsx")
    assert [(i.code, i.sheet, i.cell) for i in missing.issues] == [
        ("formula-without-value", "Chấm điểm cấp xã", "D2"), ("formula-without-value", "Chấm điểm cấp xã", "D3")]


def test_text_numbers_serial_dates_totals_rows_and_hidden_sheets():
    sub = read_submission(DATA / "quirks_text_numbers_totals_hidden.xlsx")
    assert [(n.stt, n.score) for n in sub.nominations] == [(1, 91.5), (2, 90.0)]
    assert str(sub.info.date) == "2023-11-25"
    assert [(i.code, i.sheet, i.cell) for i in sub.issues] == [
        ("totals-row", "Đề nghị tập thể", "A4"), ("hidden-sheet", "Ghi chú nội bộ", "")]


def test_a_hidden_sheet_with_one_of_our_names_is_still_read(tmp_path):
    path = make_book(tmp_path / "a.xlsx", {"Thông tin": info_rows(),
                                            "Đề nghị tập thể": [["Tên tập thể", "Cấp", "Hình thức khen thưởng",
                                                                 "Tờ trình", "Biên bản", "Báo cáo thành tích"],
                                                                ["Xã A", "Cấp xã", "BK_MTTQ_TINH", "x", "x", "x"]]})
    wb = openpyxl.load_workbook(path)
    wb["Đề nghị tập thể"].sheet_state = "hidden"
    wb.save(path)
    sub = read_submission(path)
    assert [n.name for n in sub.nominations] == ["Xã A"] and codes(sub) == ["hidden-sheet"]


# ---------------------------------------------------------------- broken and hostile files

def test_encrypted_workbook_is_explained():
    sub = read_submission(DATA / "encrypted.xlsx")
    assert not sub.readable and codes(sub) == ["file-protected"] and sub.issues[0].params["reason"] == "tệp được đặt mật khẩu"


def test_truncated_and_fake_files(tmp_path):
    good = (DATA / "comma_decimals.xlsx").read_bytes()
    (tmp_path / "cut.xlsx").write_bytes(good[: len(good) // 2])
    (tmp_path / "text.xlsx").write_text("đây không phải bảng tính", encoding="utf-8")
    (tmp_path / "empty.xls").write_bytes(b"")
    for path in tmp_path.iterdir():
        sub = read_submission(path)
        assert not sub.readable and codes(sub) == ["file-unreadable"], path.name


def _rewrite(source, target, change):
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info, change(info.filename, zin.read(info.filename)))
    return target


def test_zip_bomb_is_refused_before_inflating(tmp_path):
    bomb = tmp_path / "bom.xlsx"
    shutil.copy(DATA / "comma_decimals.xlsx", bomb)
    with zipfile.ZipFile(bomb, "a", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/media/zeros.xml", b"\0" * (30 * 2**20))
    sub = read_submission(bomb, limits=Limits(max_inflated_mb=20))
    assert codes(sub) == ["file-unsafe"] and "bom nén" in str(sub.issues[0].params["reason"])
    sub = read_submission(bomb)  # within the default limits, but far too compressible
    assert codes(sub) == ["file-unsafe"]


def test_a_zip_that_lies_about_its_sizes_is_refused(tmp_path):
    data = bytearray((DATA / "comma_decimals.xlsx").read_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as z:
        info = z.getinfo("xl/worksheets/sheet2.xml")
    # Shrink the declared size of one part in its central directory entry.
    central = data.rfind(b"PK\x01\x02" , 0, data.rfind(b"PK\x05\x06"))
    while central != -1:
        name_len = int.from_bytes(data[central + 28:central + 30], "little")
        if data[central + 46:central + 46 + name_len] == info.filename.encode():
            data[central + 24:central + 28] = (10).to_bytes(4, "little")
            break
        central = data.rfind(b"PK\x01\x02", 0, central)
    (tmp_path / "lie.xlsx").write_bytes(bytes(data))
    sub = read_submission(tmp_path / "lie.xlsx")
    assert not sub.readable and codes(sub) in (["file-unreadable"], ["file-unsafe"])


def test_xml_entity_attacks_are_refused(tmp_path):
    laughs = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
              + b"".join(b'<!ENTITY lol%d "%s">' % (i, b"&lol%d;" % (i - 1) * 10 if i > 1 else b"&lol;" * 10)
                         for i in range(1, 10)) + b"]>")
    external = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
    for name, prefix in (("laughs.xlsx", laughs), ("external.xlsx", external)):
        def inject(part, body, prefix=prefix):
            return prefix + body.split(b"?>", 1)[-1] if part == "xl/worksheets/sheet2.xml" else body
        path = _rewrite(DATA / "comma_decimals.xlsx", tmp_path / name, inject)
        sub = read_submission(path)
        assert codes(sub) == ["file-unsafe"], name


def test_a_stray_cell_a_million_rows_down_costs_little(tmp_path):
    path = make_book(tmp_path / "far.xlsx", {
        "Thông tin": info_rows(),
        "Đề nghị tập thể": [["Tên tập thể", "Cấp", "Hình thức khen thưởng", "Tờ trình", "Biên bản",
                             "Báo cáo thành tích"], ["Xã A", "Cấp xã", "BK_MTTQ_TINH", "x", "x", "x"]],
    })
    wb = openpyxl.load_workbook(path)
    wb["Đề nghị tập thể"]["A1048576"] = " "
    wb["Đề nghị tập thể"]["XFD2"] = "x"
    wb.save(path)
    sub = read_submission(path)  # python-calamine alone would try to allocate 17 billion cells here
    assert [n.name for n in sub.nominations] == ["Xã A"]
    assert [(i.code, i.sheet) for i in sub.issues] == [("sheet-too-large", "Đề nghị tập thể")]


# ---------------------------------------------------------------- the batch

def test_a_folder_mixing_every_case_finishes_and_keeps_every_good_row(tmp_path):
    folder = tmp_path / "input"
    folder.mkdir()
    for name in ("comma_decimals.xls", "legacy_tcvn3.xlsx", "encrypted.xlsx", "macros.xlsm",
                 "quirks_text_numbers_totals_hidden.xlsx", "formula_cached.xlsx"):
        shutil.copy(DATA / name, folder / name)
    (folder / "~$lock.xlsx").write_bytes(b"lock")
    (folder / "hỏng.xlsx").write_bytes(b"PK\x03\x04broken")
    (folder / "ghi chú.txt").write_text("x", encoding="utf-8")
    make_book(folder / "năm cũ.xlsx", {"Thông tin": info_rows(code="944", year=2022)})
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}
    code, _ = run_cli("run", "--input", str(folder), "--output", str(tmp_path / "out"))
    assert code == 1
    after = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}
    assert before == after  # inputs are never modified
    [run] = run_dirs(tmp_path / "out")
    data = json.loads((run / "ket_qua.json").read_text(encoding="utf-8"))
    status = {i["file"]: i["status"] for i in data["inputs"]}
    assert status["encrypted.xlsx"] == "rejected" and status["hỏng.xlsx"] == "rejected"
    assert status["năm cũ.xlsx"] == "rejected" and status["ghi chú.txt"] == "skipped"
    assert status["~$lock.xlsx"] == "skipped"
    # five workbooks of unit 943: the latest Ngày lập wins, the others are superseded but listed
    assert sum(s == "processed" for s in status.values()) == 1
    assert sum(s == "superseded" for s in status.values()) == 4
    assert len(status) == 10


def test_an_output_folder_that_cannot_be_written_exits_2(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "blocked").write_text("a file where the output folder should be", encoding="utf-8")
    code, _ = run_cli("run", "--input", str(tmp_path / "in"), "--output", str(tmp_path / "blocked" / "out"))
    assert code == 2


def test_an_interrupted_run_leaves_the_previous_run_and_nothing_that_looks_complete(tmp_path, monkeypatch):
    from thidua import xlsx_report

    shutil.copy(DATA / "comma_decimals.xlsx", tmp_path / "a.xlsx")
    (tmp_path / "in").mkdir()
    shutil.copy(DATA / "comma_decimals.xlsx", tmp_path / "in" / "a.xlsx")
    out = tmp_path / "out"
    assert run_cli("run", "--input", str(tmp_path / "in"), "--output", str(out))[0] == 0
    [first] = run_dirs(out)
    before = sorted(p.name for p in first.rglob("*"))

    def interrupted(result, folder):
        raise KeyboardInterrupt
    monkeypatch.setattr(xlsx_report, "write_feedback", interrupted)
    code, _ = run_cli("run", "--input", str(tmp_path / "in"), "--output", str(out))
    assert code == 2
    assert run_dirs(out) == [first] and sorted(p.name for p in first.rglob("*")) == before


def test_feedback_names_stay_unique_and_valid_on_windows(config):
    from thidua.names import feedback_file_names
    from thidua.registry import Unit

    units = [Unit("1", "Huyện A/B", "huyen", "", 1, 1, ""), Unit("2", "huyện a/b", "huyen", "", 1, 1, ""),
             Unit("3", "CON", "huyen", "", 1, 1, "")]
    names = feedback_file_names(units)
    assert len({n.casefold() for n in names.values()}) == 3
    assert all(not set('<>:"/\\|?*') & set(n) for n in names.values())


def test_text_starting_like_a_formula_is_written_as_text_everywhere(tmp_path):
    dangerous = ["=1+2", "+84 299", "-5", "@SUM(A1)", "\tTab", "\rCR"]
    make_book(tmp_path / "in" / "a.xlsx", {
        "Thông tin": info_rows(),
        "Đề nghị cá nhân": [["Họ và tên", "Cấp", "Hình thức khen thưởng", "Chức vụ"]]
        + [[f"{d} Nguyễn Văn A", "Cấp xã", "BK_MTTQ_TINH", d] for d in dangerous],
    })
    run_cli("run", "--input", str(tmp_path / "in"), "--output", str(tmp_path / "out"))
    [run] = run_dirs(tmp_path / "out")
    seen = 0
    for path in [*run.glob("*.xlsx"), *(run / "PhanHoi").glob("*.xlsx")]:
        for ws in openpyxl.load_workbook(path):
            for row in ws.iter_rows():
                for cell in row:
                    if isinstance(cell.value, str) and cell.value[:1] in "=+-@\t\r":
                        assert cell.data_type == "s"
                        seen += 1
    assert seen >= len(dangerous)


FILE_LEVEL = {"file-unreadable", "file-unsafe", "file-too-large", "file-protected", "missing-info-sheet",
              "missing-unit-code", "unknown-unit", "wrong-year"}


def test_fuzzed_workbooks_never_crash_the_batch(tmp_path, config, registry):
    """Flip bytes of a valid workbook (fixed seed, bounded cases): each is read, or rejected with an issue that
    names it, and another unit's good file in the same batch is judged exactly as on its own."""
    other = read_submission(make_book(tmp_path / "good.xlsx", {
        "Thông tin": info_rows(code="944", name="Ủy ban MTTQ Việt Nam huyện Mỹ Tú", communes=9, bctmt=66),
        "Đề nghị tập thể": [["STT", "Tên tập thể", "Cấp", "Hình thức khen thưởng", "Điểm", "Tờ trình", "Biên bản",
                             "Báo cáo thành tích"], [1, "Ủy ban MTTQ Việt Nam xã Mỹ Hương", "Cấp xã", "BK_MTTQ_TINH",
                                                     91, "x", "x", "x"]]}))
    alone = [n.as_json() for n in evaluate([other], config, registry).nominations]
    assert [n["status"] for n in alone] == ["proposed"]
    good = (DATA / "comma_decimals.xlsx").read_bytes()
    rng = random.Random(4)
    rejected = 0
    for case in range(60):
        data = bytearray(good)
        for _ in range(rng.randint(1, 20)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        path = tmp_path / f"f{case}.xlsx"
        path.write_bytes(bytes(data))
        sub = read_submission(path)
        result = evaluate([other, sub], config, registry)
        [status] = [i.status for i in result.inputs if i.file == path.name]
        if status == "rejected":
            rejected += 1
            assert any(i.file == path.name and i.code in FILE_LEVEL for i in result.issues), case
        else:
            assert status == "processed" and sub.readable, case
        assert [n.as_json() for n in result.nominations if n.unit_code == "944"] == alone, case
    assert rejected  # with this seed most flips break the zip's checksums: the rejection path is exercised
