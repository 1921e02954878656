"""What a second reading of the plan found: each point as the sample run and small batches show it."""

import shutil
from dataclasses import replace
from email import message_from_bytes, policy

import docx
import pytest
from conftest import run_cli, run_dirs
from openpyxl import load_workbook
from test_documents import text_of
from test_rules import nom, sub

from thidua.cli import ROOT
from thidua.docx_layout import LANDSCAPE_MARGINS_MM
from thidua.docx_report import SIGNER_DOTS, blank_document_fields
from thidua.evaluate import evaluate
from thidua.mail import send_run
from thidua.names import DOCS_DIR, DOCUMENTS, OUTBOX
from thidua.registry import Registry, load_registry


def _nomination(data, name):
    return next(n for n in data["nominations"] if n["name"] == name)


def test_the_sample_shows_the_provinces_own_central_committee_proposal(sample_run):
    itself = _nomination(sample_run[4], "Ủy ban MTTQ Việt Nam tỉnh Sóc Trăng")
    assert (itself["kind"], itself["level"], itself["award"], itself["status"]) == \
        ("collective", "tinh", "BK_TW_MTTQ", "proposed")
    tw = docx.Document(sample_run[3] / DOCS_DIR / DOCUMENTS["to_trinh_tw"])
    assert any(row.cells[1].text == "Ủy ban MTTQ Việt Nam tỉnh Sóc Trăng" for t in tw.tables for row in t.rows)


def test_the_sample_shows_a_district_person_refused_cong_trang(sample_run):
    row = _nomination(sample_run[4], "Trần Thị Mộng Tuyền")
    assert (row["level"], row["award"], row["status"]) == ("huyen", "BK_UBND_TINH", "ineligible")
    assert row["reasons"] == ["khen công trạng cho cá nhân chỉ dành cho cán bộ, công chức Ủy ban MTTQ Việt Nam "
                              "tỉnh (dòng này ghi cấp \"Cấp huyện\")"]


# ---------------------------------------------------------------- nothing on paper the plan did not say

def test_the_shipped_config_names_no_signer_no_date_and_no_deadline(config):
    d = config.documents
    assert (d.signer_name, d.date, d.deadline) == ("", None, None)
    assert blank_document_fields(config) == ["họ tên người ký (documents.signer_name)",
                                             "ngày ban hành (documents.date)",
                                             "số của Kế hoạch làm căn cứ (documents.plan_number)",
                                             "ngày của Kế hoạch làm căn cứ (documents.plan_date)",
                                             "thời hạn các đơn vị gửi bổ sung (documents.deadline)"]


def test_blank_signer_and_date_stay_blank_on_every_document(sample_run):
    for path in (sample_run[3] / DOCS_DIR).iterdir():
        document = docx.Document(path)
        cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
        if path.name != DOCUMENTS["bien_ban"]:  # the minutes are signed by the chair and the secretary
            assert any(SIGNER_DOTS in c for c in cells), path.name
        assert any("Sóc Trăng, ngày … tháng … năm 2023" in c for c in cells), path.name
        assert not any("2026" in c for c in cells) and "2026" not in text_of(path), path.name


def test_the_run_prints_one_warning_naming_every_blank_document_field(sample_run):
    text = sample_run[2]
    [line] = [x for x in text.splitlines() if "còn để trống" in x]
    for key in ("documents.signer_name", "documents.date", "documents.deadline"):
        assert key in line


def test_a_blank_deadline_says_no_deadline_in_e_mails(sample_run, tmp_path, config):
    run = tmp_path / "run"
    shutil.copytree(sample_run[3], run)
    send_run(run, config, out=None)
    for path in (run / OUTBOX).glob("*.eml"):
        body = message_from_bytes(path.read_bytes(), policy=policy.default).get_body(("plain",)).get_content()
        assert "trước ngày" not in body, path.name


def test_a_set_signer_and_date_are_printed_as_set(sample_run, tmp_path):
    text = (ROOT / "config.toml").read_text(encoding="utf-8")
    text = text.replace('signer_name = ""', 'signer_name = "Nguyễn Văn A"').replace('date = ""', 'date = "05/12/2023"')
    for folder in ("data", "templates"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    (tmp_path / "config.toml").write_text(text, encoding="utf-8")
    code, out = run_cli("run", "--config", str(tmp_path / "config.toml"), "--input", str(sample_run[0] / "input"),
                        "--output", str(tmp_path / "out"))
    assert code == 0 and "documents.signer_name" not in out and "documents.deadline" in out
    [folder] = run_dirs(tmp_path / "out")
    cells = [c.text for t in docx.Document(folder / DOCS_DIR / DOCUMENTS["quyet_dinh"]).tables
             for row in t.rows for c in row.cells]
    assert any("Nguyễn Văn A" in c for c in cells)
    assert any("Sóc Trăng, ngày 05 tháng 12 năm 2023" in c for c in cells)


# ---------------------------------------------------------------- landscape annex pages

def test_landscape_lists_are_a_portrait_page_turned_for_binding(sample_run):
    assert LANDSCAPE_MARGINS_MM == {"top": 30, "bottom": 20, "left": 20, "right": 20}
    for key in ("to_trinh_ubnd", "to_trinh_tw", "quyet_dinh", "bien_ban"):
        document = docx.Document(sample_run[3] / DOCS_DIR / DOCUMENTS[key])
        landscape = [s for s in document.sections if s.page_width > s.page_height]
        assert landscape, key
        for s in landscape:
            margins = {k: round(getattr(s, f"{k}_margin").mm) for k in ("top", "bottom", "left", "right")}
            assert margins == LANDSCAPE_MARGINS_MM, key


# ---------------------------------------------------------------- registration and priority areas

def _registry_with(tmp_path, edit) -> Registry:
    lines = (ROOT / "data" / "don_vi.csv").read_text(encoding="utf-8").splitlines()
    path = tmp_path / "don_vi.csv"
    path.write_text("\n".join(edit(lines)) + "\n", encoding="utf-8")
    return load_registry(path)


def test_registration_and_priority_columns_are_optional(tmp_path):
    without = _registry_with(tmp_path, lambda lines: [",".join(x.split(",")[:7]) for x in lines])
    assert {u.registered for u in without.units} == {None} and not any(u.priority_area for u in without.units)
    shipped = load_registry(ROOT / "data" / "don_vi.csv")
    assert shipped.get("946").registered is False and shipped.get("943").registered is True
    assert {u.code for u in shipped.units if u.priority_area} == {"945", "950", "951"}


def test_a_nominating_unit_without_a_registration_is_warned_not_refused(config, registry, tmp_path):
    reg = Registry(tuple(replace(u, registered=u.code != "943") for u in registry.units), registry.communes)
    result = evaluate([sub(nominations=[nom()])], config, reg)
    [warned] = [i for i in result.issues if i.code == "not-registered"]
    assert (warned.unit_code, warned.severity, warned.file) == ("943", "warning", "943.xlsx")
    assert [n.status for n in result.nominations] == ["proposed"]
    unknown = Registry(tuple(replace(u, registered=None) for u in registry.units), registry.communes)
    assert "not-registered" not in {i.code for i in evaluate([sub(nominations=[nom()])], config, unknown).issues}


def test_awards_in_priority_areas_are_counted_and_reported(sample_run):
    data = sample_run[4]
    area = data["stats"]["priority_area"]
    priority = {"945", "950", "951"}
    proposed = [n for n in data["nominations"] if n["status"] == "proposed"]
    assert area["proposed"] == sum(n["unit_code"] in priority for n in proposed)
    assert area["proposed_total"] == len(proposed)
    assert area["ranked_awards"] == sum(len(r["awards"]) for k in data["rankings"].values() for r in k
                                        if r["unit_code"] in priority)
    report = text_of(sample_run[3] / DOCS_DIR / DOCUMENTS["bao_cao_tong_ket"])
    assert (f"vùng sâu, vùng xa (03 (ba) đơn vị): {area['proposed']}/{area['proposed_total']} trường hợp"
            in report)
    overview = load_workbook(next(sample_run[3].glob("Tổng hợp*.xlsx")), read_only=True)["Tổng quan"]
    values = [row for row in overview.iter_rows(values_only=True)]
    assert ("Số đơn vị thuộc vùng ưu tiên", 3) in [(r[0], r[1]) for r in values]


# ---------------------------------------------------------------- ranked winners still owe a dossier

def test_ranked_central_committee_winners_owe_a_dossier_and_are_listed(sample_run):
    data = sample_run[4]
    owing = [r for k in data["rankings"].values() for r in k if r["dossier_to_collect"]]
    holders = [r for k in data["rankings"].values() for r in k if "BK_TW_MTTQ" in r["awards"]]
    assert owing == holders and owing
    assert {tuple(r["dossier_to_collect"]) for r in owing} == {("Tờ trình", "Biên bản", "Báo cáo thành tích")}
    flags_only = [r for r in data["rankings"]["huyen"] if r["awards"] and "BK_TW_MTTQ" not in r["awards"]]
    assert flags_only and not any(r["dossier_to_collect"] for r in flags_only)
    report = text_of(sample_run[3] / DOCS_DIR / DOCUMENTS["bao_cao_tong_ket"])
    section = report[report.index("HỒ SƠ CẦN THU"):]
    for r in owing:
        assert r["name"].split()[-1] in section
    # ... and the winner's own feedback says what to send.
    unit = next(u for u in data["units"] if u["code"] == owing[0]["unit_code"])
    summary = load_workbook(sample_run[3] / "PhanHoi" / unit["feedback_file"], read_only=True)["Tóm tắt"]
    labels = [row[0] for row in summary.iter_rows(values_only=True) if row and row[0]]
    assert f"Hồ sơ cần gửi: {owing[0]['name']}" in labels


# ---------------------------------------------------------------- illustrative data says so

@pytest.mark.parametrize("path", ["README.md", "data/README.md"])
def test_illustrative_counts_are_said_to_be_illustrative(path):
    text = (ROOT / path).read_text(encoding="utf-8")
    assert "minh họa" in text and "số thật" in text

