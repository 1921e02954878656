"""The blank template: committed file equals what the command writes; dropdowns, protection, readable back."""

import zipfile

import openpyxl
from conftest import run_cli

from thidua import schema
from thidua.cli import ROOT
from thidua.names import WORKBOOK_TEMPLATE
from thidua.workbook import read_submission


def parts(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {name: z.read(name) for name in z.namelist()}


def test_committed_template_equals_the_generated_one(tmp_path):
    code, _ = run_cli("template", "--output", str(tmp_path / "mau.xlsx"))
    assert code == 0
    assert parts(tmp_path / "mau.xlsx") == parts(ROOT / "templates" / WORKBOOK_TEMPLATE), \
        "Mẫu trong templates/ đã cũ: chạy lại python process.py template rồi commit."


def test_template_has_every_sheet_column_dropdown_and_protection():
    wb = openpyxl.load_workbook(ROOT / "templates" / WORKBOOK_TEMPLATE)
    assert wb.sheetnames == ["Hướng dẫn", "Thông tin", "Chấm điểm cấp xã", "Chấm điểm BCTMT", "Đề nghị tập thể",
                             "Đề nghị cá nhân", "Chấm điểm chi tiết"]
    for sheet in (schema.COMMUNE_SCORES, schema.BCTMT_SCORES, schema.COLLECTIVE, schema.INDIVIDUAL):
        ws = wb[sheet.name]
        headers = [c.value for c in ws[3]]
        assert headers == [c.label for c in sheet.columns]
        assert ws.protection.sheet and ws.freeze_panes == "A4"
        lists = " ".join(str(v.formula1) for v in ws.data_validations.dataValidation if v.type == "list")
        if sheet is schema.COLLECTIVE:
            assert "Ban công tác Mặt trận" in lists and "Bằng khen Ủy ban nhân dân tỉnh" in lists
            assert "Đột xuất" in lists
        scores = [v for v in ws.data_validations.dataValidation if v.type == "decimal" and v.operator in (None, "between")]
        assert any(v.formula1 == "0" and v.formula2 == "100" for v in scores)
    assert [c.value for c in wb["Thông tin"]["A"][1:]] == [f.label for f in schema.INFO_FIELDS]


def test_blank_template_reads_without_errors():
    sub = read_submission(ROOT / "templates" / WORKBOOK_TEMPLATE)
    assert sub.readable and sub.rows == 0 and sub.issues == ()
    assert sub.info.template_version == schema.TEMPLATE_VERSION


def test_the_instructions_list_every_quota_line_and_ask_for_no_command_line(config):
    from thidua.template import instructions

    text = "\n".join(instructions(config))
    assert "Cá nhân cấp xã, Bằng khen Ủy ban MTTQ Việt Nam tỉnh: cứ 8 đơn vị cấp xã chọn 1" in text
    assert "Cá nhân Ban công tác Mặt trận, Bằng khen Ủy ban MTTQ Việt Nam tỉnh: cứ 50 Ban công tác Mặt trận chọn 1" in text
    assert sum(line.startswith("   - ") for line in instructions(config)) == len(config.quotas)
    assert "process.py" not in text and "gửi tệp cho Văn phòng kiểm tra trước" in text
