"""A wrong config or registry stops the run with exit 2 and a message that names the key or the row."""

import tomllib

import pytest
from conftest import run_cli

from thidua.cli import DEFAULT_CONFIG
from thidua.config import parse_config
from thidua.errors import ConfigError, RegistryError
from thidua.registry import parse_registry


def base() -> dict:
    return tomllib.loads(DEFAULT_CONFIG.read_text(encoding="utf-8"))


def test_the_shipped_config_is_valid(config):
    assert config.year == 2023 and config.province_code == "94"
    assert len(config.quotas) == 10 and len(config.ranked_awards) == 6


@pytest.mark.parametrize("edit, key", [
    (lambda d: d["campaign"].pop("year"), "campaign.year"),
    (lambda d: d["campaign"].update(round="giữa năm"), "campaign.round"),
    (lambda d: d["rules"].update(rounding_threshold="nửa"), "rules.rounding_threshold"),
    (lambda d: d["quotas"][0].update(cap=-1), "quotas[1]"),
    (lambda d: d["quotas"][0].update(scope="huyện"), "quotas[1].scope"),
    (lambda d: d["ranked_awards"][1].update(exclude=["CO_X"]), "ranked_awards[2].exclude"),
    (lambda d: d["quotas"][1].update(level="thôn"), "quotas[2].level"),
    (lambda d: d["ranked_awards"][0].update(positions=[3, 1]), "ranked_awards[1].positions"),
    (lambda d: d["eligibility"].update(sudden_min_value="100 triệu"), "eligibility.sudden_min_value"),
])
def test_a_bad_or_missing_key_is_named(edit, key):
    data = base()
    edit(data)
    with pytest.raises(ConfigError, match=key.replace("[", r"\[").replace("]", r"\]")):
        parse_config(data, DEFAULT_CONFIG)


def test_relative_paths_resolve_against_the_config_folder(tmp_path):
    data = base()
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "tieu_chi_cham_diem.csv").write_text("Mã,Nội dung,Điểm chuẩn\n1,Một,100\n", encoding="utf-8")
    config = parse_config(data, tmp_path / "khac.toml")
    assert config.input_dir == tmp_path / "input" and config.registry_path == tmp_path / "data" / "don_vi.csv"
    assert config.criteria is not None and [c.code for c in config.criteria.criteria] == ["1"]


ROW = {"ma_don_vi": "943", "ten_don_vi": "Kế Sách", "cap": "huyen", "ma_cap_tren": "94",
       "so_don_vi_cap_xa": "13", "so_ban_cong_tac_mat_tran": "106", "email": ""}
PROVINCE = {**ROW, "ma_don_vi": "94", "cap": "tinh", "so_don_vi_cap_xa": "", "so_ban_cong_tac_mat_tran": ""}


@pytest.mark.parametrize("rows, words", [
    ([PROVINCE, ROW, ROW], "dòng 4"),  # duplicate code
    ([PROVINCE, {**ROW, "so_don_vi_cap_xa": ""}], "dòng 3"),  # missing count for a district
    ([PROVINCE, {**ROW, "cap": "xa"}], "dòng 3"),  # unknown cap
])
def test_registry_errors_name_the_row(rows, words):
    with pytest.raises(RegistryError, match=words):
        parse_registry(rows)


def test_codes_stay_text():
    units = parse_registry([PROVINCE, {**ROW, "ma_don_vi": "001"}])
    assert units[1].code == "001"


def test_cli_exits_2_with_a_vietnamese_message_on_a_bad_config(tmp_path, capsys):
    bad = tmp_path / "config.toml"
    bad.write_text("[campaign]\nyear = 2023\n", encoding="utf-8")
    code, _ = run_cli("run", "--config", str(bad))
    assert code == 2
    assert "[province]" in capsys.readouterr().err


def test_cli_exits_2_on_a_broken_registry(tmp_path, capsys):
    registry = tmp_path / "don_vi.csv"
    registry.write_text("ma_don_vi,ten_don_vi,cap,ma_cap_tren,so_don_vi_cap_xa,so_ban_cong_tac_mat_tran,email\n"
                        "94,Tỉnh,tinh,,,,\n941,A,huyen,94,,5,\n", encoding="utf-8")
    code, _ = run_cli("run", "--registry", str(registry), "--input", str(tmp_path), "--output", str(tmp_path / "o"))
    assert code == 2
    assert "dòng 3" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_cli_exits_2_when_the_input_folder_is_missing(tmp_path):
    code, _ = run_cli("run", "--input", str(tmp_path / "khong-co"), "--output", str(tmp_path / "o"))
    assert code == 2


def test_the_registry_can_be_an_excel_sheet_with_text_codes(tmp_path):
    import openpyxl

    from thidua.registry import COLUMNS, load_registry

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(list(COLUMNS))
    ws.append(["001", "Ủy ban MTTQ Việt Nam tỉnh Thử", "tinh", None, None, None, "a@example.vn"])
    ws.append(["0011", "Ủy ban MTTQ Việt Nam huyện Một", "huyen", "001", 12, 60, "b@example.vn"])
    wb.save(tmp_path / "don_vi.xlsx")
    registry = load_registry(tmp_path / "don_vi.xlsx")
    assert [u.code for u in registry.units] == ["001", "0011"]
    assert registry.get("0011").communes == 12


def test_sample_and_run_work_from_another_provinces_registry(tmp_path):
    import json

    registry = tmp_path / "don_vi.csv"
    registry.write_text(
        "ma_don_vi,ten_don_vi,cap,ma_cap_tren,so_don_vi_cap_xa,so_ban_cong_tac_mat_tran,email\n"
        "93,Ủy ban MTTQ Việt Nam tỉnh Hậu Giang,tinh,,,,vp@example.vn\n"
        "930,Ủy ban MTTQ Việt Nam thành phố Vị Thanh,huyen,93,9,48,vt@example.vn\n"
        "931,Ủy ban MTTQ Việt Nam huyện Châu Thành A,huyen,93,10,52,cta@example.vn\n", encoding="utf-8")
    config = (DEFAULT_CONFIG.read_text(encoding="utf-8").replace('code = "94"', 'code = "93"')
              .replace('criteria = "data/tieu_chi_cham_diem.csv"', 'criteria = ""'))
    (tmp_path / "config.toml").write_text(config, encoding="utf-8")
    import shutil
    shutil.copytree(DEFAULT_CONFIG.parent / "templates", tmp_path / "templates")
    args = ["--config", str(tmp_path / "config.toml"), "--registry", str(registry)]
    assert run_cli("sample", "--output", str(tmp_path / "in"), *args)[0] == 0
    assert len(list((tmp_path / "in").glob("*.xlsx"))) == 3  # and the hidden list of what sample wrote
    code, _ = run_cli("run", "--input", str(tmp_path / "in"), "--output", str(tmp_path / "out"), *args)
    assert code == 0
    data = json.loads(next((tmp_path / "out").glob("*/ket_qua.json")).read_text(encoding="utf-8"))
    assert len(data["rankings"]["xa"]) == 19 and {i["status"] for i in data["inputs"]} == {"processed"}
