"""The real command on the sample batch, outputs read back as a clerk would open them."""

import json
import re
from collections import Counter
from pathlib import Path
from urllib.parse import unquote

import openpyxl
from conftest import info_rows, make_book, run_cli, run_dirs

from thidua import schema
from thidua.cli import ROOT
from thidua.issues import CATALOG
from thidua.registry import load_registry
from thidua.workbook import find_header, find_sheet

STATUSES = {"invalid", "ineligible", "incomplete_dossier", "needs_review", "over_quota", "proposed"}


def test_the_run_writes_every_output(sample_run):
    base, code, text, folder, _ = sample_run
    assert code == 0  # the sample has warnings to show, but no error
    names = {p.name for p in folder.iterdir()}
    assert {"ket_qua.json", "nhat_ky.txt", "PhanHoi", "Tổng hợp thi đua khen thưởng 2023 - Tổng kết.xlsx"} <= names
    feedback = sorted(p.name for p in (folder / "PhanHoi").iterdir())
    assert len(feedback) == 12 and "Phản hồi - Huyện Kế Sách.xlsx" in feedback
    assert "Kết quả:" in text and "Đưa vào danh sách trình khen" in text
    assert "TỔNG HỢP THI ĐUA" in (folder / "nhat_ky.txt").read_text(encoding="utf-8")


def test_json_has_the_contract_shape(sample_run):
    data = sample_run[4]
    assert {"year", "round", "inputs", "quotas", "caps", "nominations", "rankings", "issues"} <= set(data)
    assert (data["year"], data["round"]) == (2023, "tong-ket")
    assert {i["status"] for i in data["inputs"]} == {"processed"} and len(data["inputs"]) == 12
    assert all(len(i["sha256"]) == 64 for i in data["inputs"])
    assert {n["status"] for n in data["nominations"]} <= STATUSES
    assert set(data["rankings"]) == {"huyen", "xa", "bctmt"}
    assert len(data["rankings"]["huyen"]) == 11 and len(data["rankings"]["xa"]) == 109
    assert len(data["rankings"]["bctmt"]) == 811
    for i in data["issues"]:
        assert i["code"] in CATALOG and i["severity"] in ("error", "warning") and i["message"]
    # Every record carries at least the keys of SPEC section 4 (extra keys are allowed).
    spec = {
        "inputs": {"file", "sha256", "status", "unit_code", "rows"},
        "quotas": {"unit_code", "kind", "level", "award", "quota", "submitted", "proposed"},
        "caps": {"kind", "level", "award", "cap", "proposed"},
        "nominations": {"file", "sheet", "row", "unit_code", "kind", "name", "level", "award", "score", "status",
                        "reasons"},
        "issues": {"code", "severity", "file", "sheet", "cell", "message"},
    }
    for section, keys in spec.items():
        assert data[section] and all(keys <= set(record) for record in data[section]), section
    for units in data["rankings"].values():
        assert all({"unit_code", "name", "score", "rank", "awards", "needs_review"} <= set(r) for r in units)


def _quota(n, k):  # the plan's rule, written again independently for the check
    return n // k + (1 if 2 * (n % k) > k else 0)


def test_quotas_agree_with_the_plan_applied_by_hand(sample_run):
    data = sample_run[4]
    registry = load_registry(ROOT / "data" / "don_vi.csv")
    divisor = {"xa": 8, "bctmt": 50}
    for line in data["quotas"]:
        unit = registry.get(line["unit_code"])
        if line["award"] == "BK_MTTQ_TINH" and line["level"] in divisor:
            count = unit.communes if line["level"] == "xa" else unit.bctmt
            assert line["quota"] == _quota(count, divisor[line["level"]])
        rows = [n for n in data["nominations"] if n["unit_code"] == line["unit_code"]
                and (n["kind"], n["level"], n["award"]) == (line["kind"], line["level"], line["award"])]
        assert line["submitted"] == len(rows)
        assert line["proposed"] == sum(n["status"] == "proposed" for n in rows) <= line["quota"]
        over = [n for n in rows if n["status"] == "over_quota"]
        kept = [n for n in rows if n["status"] == "proposed"]
        if over and kept and all(n["score"] is not None for n in rows):
            assert min(n["score"] for n in kept) >= max(n["score"] for n in over)
    for cap in data["caps"]:
        assert cap["proposed"] <= cap["cap"]
    kesach = {(q["kind"], q["level"]): q["quota"] for q in data["quotas"]
              if q["unit_code"] == "943" and q["award"] == "BK_MTTQ_TINH"}
    assert kesach[("collective", "xa")] == 2 and kesach[("collective", "bctmt")] == 2  # 13 xã, 106 BCTMT


def test_rankings_award_by_the_ladder(sample_run):
    data = sample_run[4]
    huyen = data["rankings"]["huyen"]
    assert [r["rank"] for r in huyen] == sorted(r["rank"] for r in huyen)
    first = [r for r in huyen if r["rank"] == 1]
    assert len(first) == 1 and "CO_XSTD" in first[0]["awards"]
    xa = data["rankings"]["xa"]
    assert any(r["needs_review"] == ["BK_TW_MTTQ"] for r in xa)  # the sample's tie at the third place
    assert any(i["code"] == "tie-at-cutoff" for i in data["issues"])
    awarded = [r for r in data["rankings"]["bctmt"] if "BK_TW_MTTQ" in r["awards"]]
    assert len(awarded) == 5 and all(r["score"] >= 85 for r in awarded)


def _data_rows(path: Path) -> set[tuple[str, str, int]]:
    """Every non-blank data row of every sheet, found independently with openpyxl."""
    wb = openpyxl.load_workbook(path, read_only=True)
    rows = set()
    for sheet in schema.DATA_SHEETS:
        name = find_sheet(wb.sheetnames, sheet.names)
        if name is None:
            continue
        values = [list(r) for r in wb[name].iter_rows(values_only=True)]
        header = find_header(values, sheet)
        for i, row in enumerate(values[header.row + 1:], start=header.row + 2):
            # The criteria sheet's rows are printed by the template: a row is input once the unit marks it.
            cells = row[5:8] if sheet is schema.CRITERIA_SCORES else row
            if any(v not in (None, "") for v in cells):
                rows.add((path.name, name, i))
    return rows


def test_every_input_row_is_accounted_for_exactly_once(sample_run):
    base, *_, data = sample_run
    expected = set().union(*(_data_rows(p) for p in (base / "input").glob("*.xlsx")))
    seen = Counter((n["file"], n["sheet"], n["row"]) for n in data["nominations"])
    seen.update((r["file"], r["sheet"], r["row"]) for k in ("xa", "bctmt") for r in data["rankings"][k])
    seen.update((r["file"], r["sheet"], r["row"]) for r in data["rankings"]["huyen"] if r["score_source"] == "appraisal")
    seen.update((s["file"], s["sheet"], s["row"]) for s in data["scores"])  # each criterion a unit marked
    seen.update((s["appraisal_file"], "Thẩm định chi tiết", s["appraisal_row"]) for s in data["scores"]
                if s["appraisal_row"])

    ranked_or_nominated = set(seen)
    seen.update({(i["file"], i["sheet"], i["row"]) for i in data["issues"] if i.get("row")} - ranked_or_nominated)
    assert all(count == 1 for count in seen.values())
    assert expected <= set(seen)
    assert sum(i["rows"] for i in data["inputs"]) == len(expected)


def test_consolidated_workbook_reads_back(sample_run):
    folder, data = sample_run[3], sample_run[4]
    wb = openpyxl.load_workbook(folder / "Tổng hợp thi đua khen thưởng 2023 - Tổng kết.xlsx")
    assert wb.sheetnames == ["Tổng quan", "Xếp hạng cấp huyện", "Xếp hạng cấp xã", "Xếp hạng BCTMT", "Chỉ tiêu",
                             "Cờ thi đua", "BK MTTQ tỉnh - Tập thể", "BK MTTQ tỉnh - Cá nhân", "BK UBND tỉnh",
                             "BK TW MTTQ", "Tất cả đề nghị", "Hồ sơ", "Lỗi - Cảnh báo", "Chấm điểm chi tiết", "Nguồn",
                             "Thay đổi"]
    assert wb["Xếp hạng BCTMT"].max_row == 1 + 811
    assert wb["Lỗi - Cảnh báo"].max_row == 1 + len(data["issues"])
    assert wb["Tất cả đề nghị"].max_row == 1 + len(data["nominations"])
    people = [n for n in data["nominations"] if n["status"] == "proposed" and n["award"] == "BK_MTTQ_TINH"
              and n["kind"] == "individual"]
    ws = wb["BK MTTQ tỉnh - Cá nhân"]
    assert sorted(r[1] for r in ws.iter_rows(min_row=2, values_only=True)) == sorted(n["name"] for n in people)
    flags = [r for r in wb["Cờ thi đua"].iter_rows(min_row=2, values_only=True)]
    assert len(flags) == 3
    assert wb["Nguồn"].max_row == 13


def test_feedback_workbook_holds_the_units_rows(sample_run):
    folder, data = sample_run[3], sample_run[4]
    wb = openpyxl.load_workbook(folder / "PhanHoi" / "Phản hồi - Huyện Kế Sách.xlsx")
    assert wb.sheetnames == ["Tóm tắt", "Đề nghị", "Chỉ tiêu", "Xếp hạng", "Lỗi - Cảnh báo", "Chấm điểm chi tiết",
                            "Thay đổi"]
    mine = [n for n in data["nominations"] if n["unit_code"] == "943"]
    assert wb["Đề nghị"].max_row == 1 + len(mine)
    assert wb["Xếp hạng"].max_row == 1 + 13 + 106


def test_a_second_run_keeps_the_first(sample_run):
    base, _, _, first, _ = sample_run
    before = sorted(p.name for p in first.rglob("*"))
    code, _ = run_cli("run", "--input", str(base / "input"), "--output", str(base / "output"))
    runs = run_dirs(base / "output")
    assert len(runs) == 2 and sorted(p.name for p in first.rglob("*")) == before


def test_timings_name_each_writer_on_request(sample_run, tmp_path, monkeypatch, capsys):
    """THIDUA_TIMINGS=1 (what benchmarks/bench_batch.py sets) prints where the seconds went; the run is unchanged."""
    monkeypatch.setenv("THIDUA_TIMINGS", "1")
    for workers in ("1", "2"):
        code, _ = run_cli("run", "--input", str(sample_run[0] / "input"), "--output", str(tmp_path / workers),
                          "--workers", workers)
        [line] = [x for x in capsys.readouterr().err.splitlines() if x.startswith("thidua-timings ")]
        stages = dict(item.split("=") for item in line.split()[1:])
        assert code == 0 and set(stages) == {"start", "read", "evaluate", "write", "write_feedback",
                                             "write_consolidated", "write_documents", "write_json",
                                             "changes", "ledger"}
        [folder] = run_dirs(tmp_path / workers)
        assert re.fullmatch(r"\d{4}-\d\d-\d\d_\d{4}", folder.name) and (folder / "ket_qua.json").is_file()


def test_text_from_inputs_is_never_a_formula(tmp_path):
    make_book(tmp_path / "in" / "a.xlsx", {
        "Thông tin": info_rows(),
        "Đề nghị cá nhân": [["Họ và tên", "Cấp", "Hình thức khen thưởng", "Tờ trình", "Biên bản", "Báo cáo thành tích"],
                            ["=HYPERLINK(\"http://x\",\"bấm\")", "Cấp xã", "BK_MTTQ_TINH", "x", "x", "x"],
                            ["@SUM(1+1)", "Cấp xã", "BK_MTTQ_TINH", "x", "x", "x"]],
    })
    run_cli("run", "--input", str(tmp_path / "in"), "--output", str(tmp_path / "out"))
    [folder] = run_dirs(tmp_path / "out")
    for path in [*folder.glob("*.xlsx"), *(folder / "PhanHoi").glob("*.xlsx")]:
        wb = openpyxl.load_workbook(path)
        for ws in wb:
            for row in ws.iter_rows():
                for cell in row:
                    if isinstance(cell.value, str) and cell.value[:1] in "=@":
                        assert cell.data_type == "s", (path.name, ws.title, cell.coordinate)


def test_check_reports_one_workbook(tmp_path):
    path = make_book(tmp_path / "a.xlsx", {
        "Thông tin": info_rows(),
        "Đề nghị tập thể": [["Tên tập thể", "Cấp", "Hình thức khen thưởng", "Điểm", "Tờ trình", "Biên bản",
                             "Báo cáo thành tích"], ["Xã A", "Cấp xã", "BK_MTTQ_TINH", 120, "x", "x", "x"]],
    })
    code, text = run_cli("check", str(path))
    assert code == 1
    lines = text.splitlines()
    assert lines[:2] == ["Kiểm tra tệp a.xlsx", "Đơn vị: Ủy ban MTTQ Việt Nam huyện Kế Sách (mã 943)"]
    assert "[Lỗi] Đề nghị tập thể / D2: Điểm 120 nằm ngoài thang điểm 0–100. Đề nghị kiểm tra lại ô D2." in lines


def test_an_empty_input_folder_says_so_and_exits_0(tmp_path):
    (tmp_path / "in").mkdir()
    code, text = run_cli("run", "--input", str(tmp_path / "in"), "--output", str(tmp_path / "out"))
    data = json.loads(next((tmp_path / "out").glob("*/ket_qua.json")).read_text(encoding="utf-8"))
    assert code == 0 and data["issues"][0]["code"] == "empty-input"
    assert "chưa có tệp Excel nào" in text


def _contents(folder):
    """Everything a user reads in a run folder, file by file (cell values, paragraphs), without zip metadata."""
    import docx

    seen = {"ket_qua.json": (folder / "ket_qua.json").read_text(encoding="utf-8")}
    for path in sorted(folder.rglob("*.xlsx")):
        wb = openpyxl.load_workbook(path)
        seen[path.relative_to(folder).as_posix()] = [[list(r) for r in ws.iter_rows(values_only=True)] for ws in wb]
    for path in sorted(folder.rglob("*.docx")):
        document = docx.Document(path)
        seen[path.relative_to(folder).as_posix()] = ([p.text for p in document.paragraphs],
                                                     [[c.text for c in row.cells] for t in document.tables
                                                      for row in t.rows])
    return seen


def test_results_are_identical_with_one_or_two_worker_processes(sample_run, tmp_path):
    base = sample_run[0]
    for workers in ("1", "2"):
        code, _ = run_cli("run", "--input", str(base / "input"), "--output", str(tmp_path / workers),
                          "--workers", workers)
        assert code == 0
    [one], [two] = run_dirs(tmp_path / "1"), run_dirs(tmp_path / "2")
    assert _contents(one) == _contents(two)


def test_a_list_longer_than_an_excel_sheet_continues_on_the_next(monkeypatch, tmp_path):
    import xlsxwriter

    from thidua import xlsx_style

    monkeypatch.setattr(xlsx_style, "EXCEL_MAX_ROWS", 4)
    wb = xlsxwriter.Workbook(str(tmp_path / "a.xlsx"))
    columns = [xlsx_style.Col("Số", 8, lambda x: x)]
    sheets = xlsx_style.write_sheets(wb, "Xếp hạng BCTMT", xlsx_style.Styles(wb), columns, range(10))
    wb.close()
    book = openpyxl.load_workbook(tmp_path / "a.xlsx")
    assert book.sheetnames == ["Xếp hạng BCTMT", "Xếp hạng BCTMT (2)", "Xếp hạng BCTMT (3)", "Xếp hạng BCTMT (4)"]
    assert [v for ws in book for (v,) in ws.iter_rows(min_row=2, values_only=True)] == list(range(10))
    assert len(sheets) == 4


def test_overview_chart_plots_the_district_scores(sample_run):
    import re
    import zipfile

    folder = sample_run[3]
    with zipfile.ZipFile(folder / "Tổng hợp thi đua khen thưởng 2023 - Tổng kết.xlsx") as z:
        chart = z.read("xl/charts/chart1.xml").decode("utf-8")
    wb = openpyxl.load_workbook(folder / "Tổng hợp thi đua khen thưởng 2023 - Tổng kết.xlsx")
    header = [c.value for c in wb["Xếp hạng cấp huyện"][1]]
    column = openpyxl.utils.get_column_letter(header.index("Điểm") + 1)
    assert re.search(rf"<c:val><c:numRef><c:f>'Xếp hạng cấp huyện'!\${column}\$2:\${column}\$12</c:f>", chart)


def test_an_issue_links_to_its_cell_and_the_code_comes_last(sample_run):
    wb = openpyxl.load_workbook(next(sample_run[3].glob("Tổng hợp*.xlsx")))
    ws = wb["Lỗi - Cảnh báo"]
    header = [c.value for c in ws[1]]
    assert header[0] == "Mức độ" and header[-1] == "Mã lỗi"
    cell_column = header.index("Ô") + 1
    linked = [row for row in ws.iter_rows(min_row=2) if row[cell_column - 1].hyperlink is not None]
    assert linked
    for row in linked:
        link = row[cell_column - 1].hyperlink
        assert link.location.endswith(f"!{row[cell_column - 1].value}")
        assert unquote(link.target).endswith(row[header.index("Tệp")].value)


def test_the_2023_sample_decides_what_it_decided_before_the_two_tier_map_and_the_criteria(config, registry,
                                                                                        tmp_path):
    """Recorded from the run before the 2025 map and the criteria table were added: without a table, every status,
    quota, rank and award of the 2023 sample stays put."""
    from dataclasses import replace

    from golden import decisions

    from thidua.batch import evaluate_folder
    from thidua.sample import write_sample

    plain = replace(config, criteria=None)
    write_sample(tmp_path, plain, registry)
    result = evaluate_folder(tmp_path, plain, registry)
    recorded = json.loads((Path(__file__).parent / "data" / "sample_2023_decisions.json").read_text(encoding="utf-8"))
    assert "criteria" not in result.as_json()
    assert decisions(json.loads(json.dumps(result.as_json(), default=str))) == recorded


def test_ket_qua_json_is_written_as_one_json_dumps_would_write_it(config, registry, tmp_path):
    """write_json streams the long lists row by row (a national batch's JSON never sits whole in memory); the file
    must still be exactly what json.dumps of the whole object gives, criteria marks included."""
    from thidua.batch import evaluate_folder
    from thidua.result import write_json
    from thidua.sample import write_sample

    write_sample(tmp_path / "in", config, registry)
    result = evaluate_folder(tmp_path / "in", config, registry)
    write_json(result, tmp_path / "ket_qua.json")
    expected = json.dumps(result.as_json(), ensure_ascii=False, default=str)
    assert result.scores and result.rankings["bctmt"]
    written = (tmp_path / "ket_qua.json").read_text(encoding="utf-8")
    # Compared by hand: a failing == on two 400,000-character strings makes pytest's diff run for minutes.
    at = next((i for i, (a, b) in enumerate(zip(written, expected)) if a != b), min(len(written), len(expected)))
    assert len(written) == len(expected) == at, f"{at}: {written[at - 40:at + 40]!r} / {expected[at - 40:at + 40]!r}"


def test_a_run_loads_word_icu_and_mail_only_where_it_uses_them(sample_run, tmp_path):
    """Start-up counts on a province's run: the main process reads and judges; the Word libraries and ICU load in
    the process that writes the documents, and nothing of e-mail loads at all."""
    import subprocess
    import sys

    script = ("import io, sys\nfrom thidua.cli import main\n"
              f"code = main(['run', '--input', {str(sample_run[0] / 'input')!r}, '--output', {str(tmp_path)!r}, "
              "'--workers', '2'], out=io.StringIO())\n"
              "print(code)\nprint('\\n'.join(sorted(sys.modules)))\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, encoding="utf-8")
    code, *modules = done.stdout.split()
    assert code == "0", done.stderr
    assert {"thidua.docx_report", "thidua.batch"} <= set(modules)
    assert not set(modules) & {"docxtpl", "docx", "num2words", "icu", "thidua.mail", "smtplib"}


def _broken_writer(result, folder):
    raise RuntimeError("hỏng giữa chừng")


def test_a_writer_that_fails_leaves_no_run_folder_with_one_or_two_processes(config, registry, tmp_path):
    """Every writer writes into a hidden folder that becomes the run folder only when all have finished: a writer
    failing (here the last one, in whichever process takes it) leaves nothing that looks like a finished run."""
    import pytest

    from thidua.batch import evaluate_folder, write_run
    from thidua.docx_report import docx_writer
    from thidua.sample import write_sample
    from thidua.xlsx_report import write_consolidated, write_feedback

    write_sample(tmp_path / "in", config, registry)
    result = evaluate_folder(tmp_path / "in", config, registry)
    for workers in (1, 2):
        out = tmp_path / f"out{workers}"
        with pytest.raises(RuntimeError, match="hỏng giữa chừng"):
            write_run(result, out, [docx_writer(config), write_consolidated, write_feedback, _broken_writer], [],
                      workers=workers)
        assert list(out.iterdir()) == []
