"""The scripted year of SPEC 10 on the Cần Thơ example: last year's run imported into the ledger and its decision
recorded, this year's run, its decision, the certificates, the history. Each step's output is read back."""

from __future__ import annotations

import json
import re
from pathlib import Path

import openpyxl
from conftest import run_cli
from pypdf import PdfReader

from thidua.cli import ROOT
from thidua.config import load_config
from thidua.names import CERTIFICATES_DIR, HISTORY_FILE, LEDGER_FILE, RESULT_JSON, register_file_name

EXAMPLE = ROOT / "examples" / "can-tho-2026"
PT = 25.4 / 72


def config_of_year(folder: Path, year: int) -> Path:
    """The example's config for another year, written elsewhere (its relative paths made absolute)."""
    text = (EXAMPLE / "config.toml").read_text(encoding="utf-8")
    text = re.sub(r"(?m)^year = \d{4}$", f"year = {year}", text)
    text = text.replace('registry = "don_vi.csv"', f'registry = {json.dumps((EXAMPLE / "don_vi.csv").as_posix())}')
    text = text.replace('templates = "../../templates"', f'templates = {json.dumps((ROOT / "templates").as_posix())}')
    path = folder / f"config_{year}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def runs(output: Path) -> list[Path]:
    return sorted(p for p in output.iterdir() if (p / RESULT_JSON).is_file())


def test_a_year_on_the_can_tho_example(tmp_path):
    output = tmp_path / "output"
    last_year, this_year = str(config_of_year(tmp_path, 2025)), str(EXAMPLE / "config.toml")

    # 2025, run before the office had the ledger: its run folder only.
    assert run_cli("--config", last_year, "sample", "--output", str(tmp_path / "in2025"))[0] == 0
    run_cli("--config", last_year, "run", "--input", str(tmp_path / "in2025"), "--output", str(output))
    (output / LEDGER_FILE).unlink()
    [run_2025] = runs(output)

    # 1. ledger import of the 2025 run, and its signed decision recorded.
    code, text = run_cli("--config", last_year, "ledger", "import", str(run_2025))
    assert code == 0, text
    code, text = run_cli("--config", last_year, "record-decision", "--number", "118/QĐ-MTTQ-BTT", "--date",
                         "19/12/2025", str(run_2025))
    assert code == 0, text
    book_2025 = rows(output / register_file_name(2025))
    assert [r["Số vào sổ"] for r in book_2025] == list(range(1, len(book_2025) + 1))
    person = next(r for r in book_2025 if r["Hình thức"] == "Bằng khen Ủy ban MTTQ Việt Nam tỉnh"
                  and r["Chức vụ, đơn vị công tác"] and "Ủy ban MTTQ" not in r["Tên tập thể, cá nhân"])

    # 2. The 2026 run: the person awarded in 2025 and proposed again gets an awarded-last-year info issue.
    assert run_cli("--config", this_year, "sample", "--output", str(tmp_path / "in2026"))[0] == 0
    _, summary = run_cli("--config", this_year, "run", "--input", str(tmp_path / "in2026"), "--output", str(output))
    [_, run_2026] = runs(output)
    result = json.loads((run_2026 / RESULT_JSON).read_text(encoding="utf-8"))
    again = [i for i in result["issues"] if i["code"] == "awarded-last-year"]
    mine = [i for i in again if i["params"]["name"] == person["Tên tập thể, cá nhân"]]
    assert mine and mine[0]["severity"] == "info"
    assert (mine[0]["params"]["entry"], mine[0]["params"]["decision"], mine[0]["params"]["year"]) == (
        person["Số vào sổ"], "118/QĐ-MTTQ-BTT", 2025)
    assert mine[0]["file"] and mine[0]["sheet"] and mine[0]["cell"]
    assert f"Đã được khen năm trước: {len(again)} trường hợp" in summary
    assert result["summary"]["warnings"] == sum(i["severity"] == "warning" for i in result["issues"])
    unit = next(u for u in result["units"] if u["code"] == mine[0]["unit_code"])
    assert unit["summary"]["warnings"] == sum(i["severity"] == "warning" and i["unit_code"] == unit["code"]
                                              for i in result["issues"])  # an info issue is no warning

    # 3. record-decision for tinh: the 2026 register numbers start again at 1.
    code, text = run_cli("--config", this_year, "record-decision", "--number", "125/QĐ-MTTQ-BTT", "--date",
                         "20/12/2026", "--issuer", "tinh", str(run_2026))
    assert code == 0, text
    book_2026 = rows(output / register_file_name(2026))
    assert [r["Số vào sổ"] for r in book_2026] == list(range(1, len(book_2026) + 1))
    assert {r["Số quyết định"] for r in book_2026} == {"125/QĐ-MTTQ-BTT"}
    assert rows(output / register_file_name(2025)) == book_2025  # last year's register untouched

    # 4. certificates: one page per Bằng khen, every field at its position.
    code, text = run_cli("--config", this_year, "certificates", "--output", str(output))
    assert code == 0, text
    [pdf] = (output / CERTIFICATES_DIR).glob("*.pdf")
    bang_khen = [r for r in book_2026 if r["Hình thức"].startswith("Bằng khen")]
    reader = PdfReader(pdf)
    assert len(reader.pages) == len(bang_khen)
    settings = load_config(Path(this_year)).certificates
    first = bang_khen[0]
    for name, expected in (("recipient", first["Tên tập thể, cá nhân"]), ("register", f"Số vào sổ: {first['Số vào sổ']}"),
                           ("decision", "Số quyết định 125/QĐ-MTTQ-BTT ngày 20/12/2026"),
                           ("place_date", "Cần Thơ, ngày 20 tháng 12 năm 2026")):
        box = settings.fields[name]
        [(x, baseline, size)] = [(x, b, s) for text, x, b, s in texts(reader, 0) if text == expected]
        assert box.x - 1 <= x <= box.x + box.width and box.y <= baseline <= box.y + box.height, name
        assert abs(baseline - (box.y + 0.96 * size * PT)) <= 1, name

    # 5. history: the pivot's cells per unit and year, and the register per unit.
    code, text = run_cli("--config", this_year, "history", "--output", str(output), "--years", "2025-2026")
    assert code == 0, text
    wb = openpyxl.load_workbook(output / HISTORY_FILE)
    pivot = rows_of(wb["Theo đơn vị"])
    by_year = {y: {(r["ranking"], r["unit_code"]): r for units in json.loads(
        (run / RESULT_JSON).read_text(encoding="utf-8"))["rankings"].values() for r in units}
        for y, run in ((2025, run_2025), (2026, run_2026))}
    cai_khe = next(r for r in pivot if r["Tên đơn vị"] == "Phường Cái Khế")
    for year in (2025, 2026):
        ranked = by_year[year][("xa", "31120")]
        assert cai_khe[f"{year} - Điểm"] == ranked["score"] and cai_khe[f"{year} - Hạng"] == ranked["rank"]
        assert cai_khe[f"{year} - Hạng trong cụm"] == ranked["cluster_rank"]
    assert "Cờ thi đua xuất sắc toàn diện" in cai_khe["2026 - Khen thưởng"]
    register = rows_of(wb["Sổ khen thưởng"])
    assert len(register) == len(book_2025) + len(book_2026)
    assert {(r["Năm"], r["Số vào sổ"]) for r in register if r["Tên tập thể, cá nhân"] == person["Tên tập thể, cá nhân"]
            and r["Đơn vị"] == person["Đơn vị"]} >= {(2025, person["Số vào sổ"])}


def rows(path: Path) -> list[dict]:
    return rows_of(openpyxl.load_workbook(path).active)


def rows_of(ws) -> list[dict]:
    values = list(ws.iter_rows(values_only=True))
    return [dict(zip(values[0], row)) for row in values[1:]]


def texts(reader: PdfReader, page: int) -> list[tuple[str, float, float, float]]:
    height = float(reader.pages[page].mediabox.height)
    found: list[tuple[str, float, float, float]] = []
    reader.pages[page].extract_text(visitor_text=lambda text, cm, tm, font, size: found.append(
        (text, tm[4] * PT, (height - tm[5]) * PT, size)) if text.strip() else None)
    return found
