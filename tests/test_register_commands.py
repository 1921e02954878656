"""record-decision, certificates and history as a clerk runs them, on the Cần Thơ example; outputs read back."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from conftest import run_cli
from pypdf import PdfReader

from thidua.cli import ROOT
from thidua.names import CALIBRATION_FILE, CERTIFICATES_DIR, HISTORY_FILE, LEDGER_FILE, register_file_name

CONFIG = str(ROOT / "examples" / "can-tho-2026" / "config.toml")


@pytest.fixture(scope="module")
def can_tho(tmp_path_factory) -> Path:
    """The example's 2026 run, once: its output folder (the run folder and the ledger beside it)."""
    base = tmp_path_factory.mktemp("can_tho")
    assert run_cli("--config", CONFIG, "sample", "--output", str(base / "input"))[0] == 0
    assert run_cli("--config", CONFIG, "run", "--input", str(base / "input"), "--output", str(base / "output"))[0] == 0
    return base / "output"


@pytest.fixture
def output(can_tho, tmp_path) -> Path:
    """A copy of the example's output folder for one test to change."""
    return Path(shutil.copytree(can_tho, tmp_path / "output"))


def run_folder(output: Path) -> Path:
    [folder] = [p for p in output.iterdir() if p.is_dir() and (p / "ket_qua.json").is_file()]
    return folder


def register_rows(output: Path, year: int = 2026) -> list[dict]:
    ws = openpyxl.load_workbook(output / register_file_name(year)).active
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[0], row)) for row in rows[1:]]


def ledger_rows(output: Path) -> list[tuple]:
    db = sqlite3.connect(output / LEDGER_FILE)
    try:
        return db.execute("SELECT year, issuer, number, recipient, decision_number, revokes FROM register "
                          "ORDER BY id").fetchall()
    finally:
        db.close()


def record(output: Path, *args: str) -> tuple[int, str]:
    return run_cli("--config", CONFIG, "record-decision", *args, str(run_folder(output)))


def test_record_decision_numbers_the_entries_and_writes_the_register(output):
    code, text = record(output, "--number", "125/QĐ-MTTQ-BTT", "--date", "20/12/2026")
    assert code == 0, text
    rows = register_rows(output)
    assert [r["Số vào sổ"] for r in rows] == list(range(1, len(rows) + 1))
    assert {r["Số quyết định"] for r in rows} == {"125/QĐ-MTTQ-BTT"}
    assert {r["Ngày quyết định"].date().isoformat() for r in rows} == {"2026-12-20"}
    assert {"Số vào sổ", "Hình thức", "Tên tập thể, cá nhân", "Đơn vị", "Số quyết định", "Ngày quyết định"} <= set(rows[0])
    # Flags first, then the province's Bằng khen; nobody under review.
    assert rows[0]["Hình thức"] == "Cờ thi đua xuất sắc toàn diện"
    names = {r["Tên tập thể, cá nhân"] for r in rows}
    assert "Ủy ban MTTQ Việt Nam phường Cái Khế" in names and "Ủy ban MTTQ Việt Nam xã Vĩnh Thạnh" not in names
    assert len(ledger_rows(output)) == len(rows)


def test_the_same_decision_twice_changes_nothing_and_says_so(output):
    assert record(output, "--number", "125/QĐ-MTTQ-BTT", "--date", "20/12/2026")[0] == 0
    before, book = ledger_rows(output), (output / register_file_name(2026)).read_bytes()
    code, text = record(output, "--number", "125/qđ-mttq-btt", "--date", "20/12/2026")
    assert code == 0 and "sổ không thay đổi" in text
    assert ledger_rows(output) == before and (output / register_file_name(2026)).read_bytes() == book


def test_include_review_then_revoke_each_a_new_number(output):
    assert record(output, "--number", "125/QĐ-MTTQ-BTT", "--date", "20/12/2026")[0] == 0
    first = len(ledger_rows(output))
    code, text = record(output, "--number", "125/QĐ-MTTQ-BTT", "--date", "20/12/2026", "--include-review",
                        "xã Vĩnh Thạnh")
    assert code == 0, text
    rows = ledger_rows(output)
    assert {r[3] for r in rows[first:]} == {"Ủy ban MTTQ Việt Nam xã Vĩnh Thạnh"}  # only the case the council chose
    [waiting] = [line for line in text.splitlines() if line.startswith("Chưa ghi")]
    assert "xã Vĩnh Thạnh" not in waiting and "xã Vĩnh Trinh" in waiting
    assert "trường hợp (người hoặc đơn vị, hình thức)" in waiting  # says what it counts
    [kept] = [line for line in text.splitlines() if line.startswith("Không ghi")]  # a Cờ holder gets no Bằng khen
    assert "xã Vĩnh Thạnh (Bằng khen Ủy ban MTTQ Việt Nam tỉnh)" in kept
    assert [r[2] for r in rows] == list(range(1, len(rows) + 1))
    code, text = record(output, "--number", "140/QĐ-MTTQ-BTT", "--date", "22/12/2026", "--revoke", "2",
                        "--reason", "Kê khai thành tích không đúng")
    assert code == 0, text
    last = ledger_rows(output)[-1]
    assert (last[2], last[4], last[5]) == (len(rows) + 1, "140/QĐ-MTTQ-BTT", 2)
    book = register_rows(output)
    assert book[1]["Ghi chú"].startswith("Đã thu hồi") and book[-1]["Lý do thu hồi"] == "Kê khai thành tích không đúng"
    # Another issuer keeps its own numbers.
    assert record(output, "--number", "88/QĐ-MTTW-BTT", "--date", "28/12/2026", "--issuer", "tw")[0] == 0
    assert [r[2] for r in ledger_rows(output) if r[1] == "tw"][:3] == [1, 2, 3]


def test_a_revoked_award_is_recorded_again_only_with_again_and_after_the_revocation(output, capsys):
    assert record(output, "--number", "125/QĐ-MTTQ-BTT", "--date", "20/12/2026")[0] == 0
    assert record(output, "--number", "140/QĐ-MTTQ-BTT", "--date", "05/01/2027", "--revoke", "1",
                  "--reason", "Kê khai thành tích không đúng")[0] == 0
    capsys.readouterr()
    before = ledger_rows(output)
    assert record(output, "--number", "150/QĐ-MTTQ-BTT", "--date", "10/01/2027")[0] == 2
    assert "--again" in capsys.readouterr().err
    assert record(output, "--number", "130/QĐ-MTTQ-BTT", "--date", "21/12/2026", "--again")[0] == 2
    assert "140/QĐ-MTTQ-BTT" in capsys.readouterr().err and ledger_rows(output) == before
    # A revocation dated before the award, or under the award's own number, is refused.
    assert record(output, "--number", "141/QĐ-MTTQ-BTT", "--date", "19/12/2026", "--revoke", "2", "--reason", "x")[0] == 2
    assert record(output, "--number", "125/QĐ-MTTQ-BTT", "--date", "20/12/2026", "--revoke", "2", "--reason", "x")[0] == 2
    assert ledger_rows(output) == before
    code, text = record(output, "--number", "150/QĐ-MTTQ-BTT", "--date", "10/01/2027", "--again")
    assert code == 0, text
    assert ledger_rows(output)[-1][2:6] == (len(before) + 1, before[0][3], "150/QĐ-MTTQ-BTT", None)


@pytest.mark.parametrize("args", [
    ("--number", "125", "--date", "20/12/2026"),  # no symbol
    ("--number", "125/QĐ-MTTQ-BTT", "--date", "2026-12-20"),  # not dd/mm/yyyy
    ("--number", "125/QĐ-MTTQ-BTT", "--date", "31/02/2026"),  # no such day
    ("--number", "125/QĐ-MTTQ-BTT", "--date", "20/12/2026", "--revoke", "999", "--reason", "x"),  # no such entry
    ("--number", "125/QĐ-MTTQ-BTT", "--date", "20/12/2026", "--revoke", "1"),  # no reason
])
def test_bad_input_stops_with_exit_2_and_writes_nothing(output, args, capsys):
    before = (output / LEDGER_FILE).read_bytes()
    code, _ = record(output, *args)
    assert code == 2 and capsys.readouterr().err.startswith("Lỗi: ")
    assert (output / LEDGER_FILE).read_bytes() == before
    assert not (output / register_file_name(2026)).exists()


def test_an_issuer_with_no_awards_in_the_run_is_refused(output, capsys):
    import json

    folder = run_folder(output)
    data = json.loads((folder / "ket_qua.json").read_text(encoding="utf-8"))
    # Make the run hold no Bằng khen UBND: the clerk gave the wrong issuer for this run.
    data["nominations"] = [n for n in data["nominations"] if n["award"] != "BK_UBND_TINH"]
    (folder / "ket_qua.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    before = (output / LEDGER_FILE).read_bytes()
    code, _ = record(output, "--number", "1234/QĐ-UBND", "--date", "20/12/2026", "--issuer", "ubnd")
    assert code == 2 and "Bằng khen Ủy ban nhân dân tỉnh" in capsys.readouterr().err
    assert (output / LEDGER_FILE).read_bytes() == before and not (output / register_file_name(2026)).exists()


def test_a_run_folder_not_in_the_ledger_is_refused(output, capsys):
    copy = shutil.copytree(run_folder(output), output / "2026-12-31_2359")
    before = (output / LEDGER_FILE).read_bytes()
    code, _ = run_cli("--config", CONFIG, "record-decision", "--number", "125/QĐ-MTTQ-BTT", "--date", "20/12/2026",
                      str(copy))
    assert code == 2 and "ledger import" in capsys.readouterr().err
    assert (output / LEDGER_FILE).read_bytes() == before and not (output / register_file_name(2026)).exists()
    shutil.rmtree(copy)
    (output / LEDGER_FILE).unlink()  # no ledger at all: refused too, and none is created
    code, _ = record(output, "--number", "125/QĐ-MTTQ-BTT", "--date", "20/12/2026")
    assert code == 2 and not (output / LEDGER_FILE).exists()


def test_certificates_print_the_latest_decision_one_page_per_bang_khen(output):
    assert record(output, "--number", "125/QĐ-MTTQ-BTT", "--date", "20/12/2026")[0] == 0
    code, text = run_cli("--config", CONFIG, "certificates", "--output", str(output))
    assert code == 0, text
    [pdf] = (output / CERTIFICATES_DIR).glob("*.pdf")
    bang_khen = [r for r in register_rows(output) if r["Hình thức"].startswith("Bằng khen")]
    reader = PdfReader(pdf)
    assert len(reader.pages) == len(bang_khen)
    first = reader.pages[0].extract_text()
    assert bang_khen[0]["Tên tập thể, cá nhân"] in first and f"Số vào sổ: {bang_khen[0]['Số vào sổ']}" in first
    code, _ = run_cli("--config", CONFIG, "certificates", "--output", str(output), "--award", "CO_XSTD")
    assert code == 0 and len(PdfReader(next((output / CERTIFICATES_DIR).glob("*CO_XSTD.pdf"))).pages) == 1
    assert run_cli("--config", CONFIG, "certificates", "--output", str(output), "--calibrate")[0] == 0
    assert (output / CERTIFICATES_DIR / CALIBRATION_FILE).is_file()
    assert run_cli("--config", CONFIG, "certificates", "--output", str(output), "--decision", "999/QĐ-X")[0] == 2


def test_certificates_without_a_recorded_decision_stop_with_exit_2(output):
    assert run_cli("--config", CONFIG, "certificates", "--output", str(output))[0] == 2
    assert not (output / CERTIFICATES_DIR).exists()


def test_history_pivots_units_by_year(output):
    assert record(output, "--number", "125/QĐ-MTTQ-BTT", "--date", "20/12/2026")[0] == 0
    code, text = run_cli("--config", CONFIG, "history", "--output", str(output), "--years", "2023-2026")
    assert code == 0, text
    wb = openpyxl.load_workbook(output / HISTORY_FILE)
    rows = list(wb["Theo đơn vị"].iter_rows(values_only=True))
    header = rows[0]
    assert header[:3] == ("Cấp xếp hạng", "Mã đơn vị", "Tên đơn vị")
    assert header[3:] == ("2026 - Điểm", "2026 - Hạng", "2026 - Hạng trong cụm", "2026 - Khen thưởng")
    cai_khe = next(r for r in rows if r[2] == "Phường Cái Khế")
    assert cai_khe[4] == 1 and "Cờ thi đua xuất sắc toàn diện" in cai_khe[6]
    entries = list(wb["Sổ khen thưởng"].iter_rows(values_only=True))
    assert len(entries) - 1 == len(register_rows(output))
    assert run_cli("--config", CONFIG, "history", "--output", str(output), "--years", "2026-2023")[0] == 2
    assert run_cli("--config", CONFIG, "history", "--output", str(output), "--years", "2020")[0] == 2


def test_run_does_not_import_pandas(tmp_path):
    script = ("import sys\nfrom thidua.cli import main\n"
              f"code = main(['sample', '--output', {str(tmp_path / 'in')!r}])\n"
              f"code = main(['run', '--input', {str(tmp_path / 'in')!r}, '--output', {str(tmp_path / 'out')!r}])\n"
              "assert 'pandas' not in sys.modules, 'run imported pandas'\n"
              "assert 'fpdf' not in sys.modules, 'run imported fpdf'\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, encoding="utf-8")
    assert done.returncode == 0, done.stderr[-2000:]


def test_history_before_any_decision_has_an_empty_register(output):
    code, text = run_cli("--config", CONFIG, "history", "--output", str(output))
    assert code == 0, text
    wb = openpyxl.load_workbook(output / HISTORY_FILE)
    assert [c.value for c in wb["Khen thưởng theo năm"][1]] == ["Đơn vị", "Mã đơn vị", "Năm 2026"]
    assert wb["Khen thưởng theo năm"].max_row == 1 and wb["Sổ khen thưởng"].max_row == 1
    assert wb["Theo đơn vị"].max_row == 104  # the header and the 103 communes


def test_a_stored_ledger_of_version_2_keeps_its_register(tmp_path):
    from thidua.ledger import Ledger
    from thidua.register_store import entries

    db = sqlite3.connect(tmp_path / LEDGER_FILE)
    db.executescript((ROOT / "tests" / "data" / "ledger" / "v2.sql").read_text(encoding="utf-8"))
    db.close()
    with Ledger(tmp_path / LEDGER_FILE) as ledger:
        [e] = entries(ledger)
        assert (e.year, e.issuer, e.number, e.recipient, e.gender) == (2023, "tinh", 1, "Nguyễn Văn An", "Nam")
        with pytest.raises(sqlite3.DatabaseError, match="never edited"):
            ledger.db.execute("UPDATE register SET recipient = 'x'")
        with pytest.raises(sqlite3.DatabaseError, match="never removed"):
            ledger.db.execute("DELETE FROM register")


@pytest.mark.parametrize("args, words", [
    (("record-decision", "--number", "125/QĐ-MTTQ-BTT", "--date", "20/12/2026", "--revoke", "abc"),
     ("--revoke", "abc", "số nguyên")),
    (("record-decision", "--date", "20/12/2026"), ("--number",)),
    (("record-decision", "--number", "1/QĐ-X", "--date", "20/12/2026", "--issuer", "huyen"), ("huyen", "tinh, ubnd, tw")),
    (("run", "--workers", "hai"), ("--workers", "hai")),
    (("send", "--bogus"), ("--bogus",)),
    (("khong-co-lenh",), ("khong-co-lenh", "record-decision")),
])
def test_argument_errors_are_vietnamese_with_exit_2(args, words, capsys):
    from thidua.cli import main

    with pytest.raises(SystemExit) as stop:
        main(["--config", CONFIG, *args])
    err = capsys.readouterr().err
    assert stop.value.code == 2 and err.startswith("Lỗi: ")
    assert all(w in err for w in words), err
    for english in ("invalid", "required", "choose from", "usage", "unrecognized", "<Issuer", "argument"):
        assert english not in err, err


def test_issuer_is_accepted_in_any_case(output):
    code, text = record(output, "--number", "88/QĐ-MTTW-BTT", "--date", "28/12/2026", "--issuer", "TW")
    assert code == 0, text
    assert {r[1] for r in ledger_rows(output)} == {"tw"}


def test_the_issuer_and_the_award_are_named_as_documents_name_them(output, capsys):
    code, text = record(output, "--number", "125/QĐ-MTTQ-BTT", "--date", "20/12/2026")
    assert code == 0 and "Ban Thường trực Ủy ban MTTQ Việt Nam thành phố Cần Thơ" in text
    assert {r["Cấp khen"] for r in register_rows(output)} == {"Ban Thường trực Ủy ban MTTQ Việt Nam thành phố Cần Thơ"}
    capsys.readouterr()
    code, _ = run_cli("--config", CONFIG, "certificates", "--output", str(output), "--award", "BK_UBND_TINH")
    err = capsys.readouterr().err
    assert code == 2 and "Bằng khen Ủy ban nhân dân tỉnh" in err and "BK_UBND_TINH" not in err


def test_history_shows_the_awards_as_the_register_holds_them(output):
    assert record(output, "--number", "125/QĐ-MTTQ-BTT", "--date", "20/12/2026")[0] == 0
    assert record(output, "--number", "125/QĐ-MTTQ-BTT", "--date", "20/12/2026", "--include-review",
                  "xã Vĩnh Thạnh")[0] == 0
    cai_khe = next(r for r in register_rows(output) if r["Hình thức"] == "Cờ thi đua xuất sắc toàn diện")
    assert record(output, "--number", "140/QĐ-MTTQ-BTT", "--date", "22/12/2026", "--revoke",
                  str(cai_khe["Số vào sổ"]), "--reason", "Kê khai thành tích không đúng")[0] == 0
    code, text = run_cli("--config", CONFIG, "history", "--output", str(output))
    assert code == 0, text
    wb = openpyxl.load_workbook(output / HISTORY_FILE)
    rows = list(wb["Theo đơn vị"].iter_rows(values_only=True))
    column = rows[0].index("2026 - Khen thưởng")
    awards = {r[2]: r[column] or "" for r in rows[1:]}
    assert "Cờ thi đua xuất sắc toàn diện" not in awards["Phường Cái Khế"]  # revoked
    assert "Bằng khen Ủy ban Trung ương MTTQ Việt Nam" in awards["Phường Cái Khế"]  # tw: not recorded, the run's
    assert awards["Xã Vĩnh Thạnh"].startswith("Cờ thi đua xuất sắc;")  # recorded from review
    assert "Bằng khen Ủy ban MTTQ Việt Nam tỉnh" not in awards["Xã Vĩnh Thạnh"]  # exclude kept it out
    assert "Cờ thi đua xuất sắc" not in awards["Xã Vĩnh Trinh"]
    runs = list(wb["Lần chạy"].iter_rows(values_only=True))
    source = runs[0].index("Khen thưởng theo")
    assert "Sổ theo dõi khen thưởng" in runs[1][source]
    assert {r["Cấp khen"] for r in wb_rows(wb["Sổ khen thưởng"])} == {
        "Ban Thường trực Ủy ban MTTQ Việt Nam thành phố Cần Thơ"}


def wb_rows(sheet) -> list[dict]:
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], r)) for r in rows[1:]]


def test_record_decision_lists_the_double_awards_it_records_and_leaves_out_those_the_decision_lacks(output, capsys):
    import json

    data = json.loads((run_folder(output) / "ket_qua.json").read_text(encoding="utf-8"))
    doubles = {i["params"]["name"] for i in data["issues"] if i["code"] == "double-award"}
    bà_xẩm = "Ban công tác Mặt trận khóm Bà Xẩm 1"
    assert bà_xẩm in doubles
    code, text = record(output, "--number", "125/QĐ-MTTQ-BTT", "--date", "20/12/2026", "--leave-out", "Không Có Ai")
    # The candidates listed, nothing recorded.
    assert code == 2 and bà_xẩm in capsys.readouterr().err and not ledger_rows(output)
    code, text = record(output, "--number", "125/QĐ-MTTQ-BTT", "--date", "20/12/2026", "--leave-out", bà_xẩm.upper())
    assert code == 0, text
    assert bà_xẩm not in {r[3] for r in ledger_rows(output)}
    [listed] = [line for line in text.splitlines() if line.startswith("Đã ghi") and "hai Bằng khen" in line]
    assert bà_xẩm not in listed and "Ban công tác Mặt trận khóm Nhơn Hòa 1" in listed
    [left] = [line for line in text.splitlines() if line.startswith("Không ghi theo --leave-out")]
    assert bà_xẩm in left
    recorded = {r[3] for r in ledger_rows(output)}
    assert {"Ban công tác Mặt trận khóm Nhơn Hòa 1", "Ban công tác Mặt trận ấp Mỹ Hòa 1"} <= recorded
