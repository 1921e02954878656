"""What a clerk trial on a 2025 province (124 communes, 6 clusters) found in reading, checking and the
README (notes of the trial, defects 4, 5, 7, 11, 12, 13, 15): each test reproduces one finding."""

from __future__ import annotations

import pytest
from conftest import info_rows, make_book, run_cli
from test_two_tier import EXAMPLE, city_rows

from thidua.config import load_config
from thidua.evaluate import evaluate
from thidua.registry import Registry, parse_registry
from thidua.workbook import read_submission


@pytest.fixture(scope="module")
def commune_config():
    return load_config(EXAMPLE / "config.toml")


@pytest.fixture(scope="module")
def communes() -> Registry:
    return Registry(parse_registry(city_rows()))


DOSSIER = ["Tờ trình", "Biên bản", "Báo cáo thành tích"]
HEADER = ["STT", "Tên tập thể", "Cấp", "Hình thức khen thưởng", "Điểm", "Tóm tắt thành tích", *DOSSIER]


def collective_book(path, header=HEADER):
    row = {"STT": 1, "Tên tập thể": "Ủy ban MTTQ Việt Nam xã Phong Nẫm", "Cấp": "Cấp xã",
           "Hình thức khen thưởng": "BK_MTTQ_TINH", "Điểm": 91.5, "Tóm tắt thành tích": "Thành tích xuất sắc",
           "Tờ trình": "x", "Biên bản": "x", "Báo cáo thành tích": "x"}
    return make_book(path, {"Thông tin": info_rows(), "Đề nghị tập thể": [header, [row[h] for h in header]]})


# ---------------------------------------------------------------- 4. a deleted column

def test_a_deleted_dossier_column_is_a_missing_column_not_a_gap_in_every_row(tmp_path, config, registry):
    path = collective_book(tmp_path / "a.xlsx", [h for h in HEADER if h != "Báo cáo thành tích"])
    result = evaluate([read_submission(path)], config, registry)
    missing = [i for i in result.issues if i.code == "missing-column"]
    assert [(i.sheet, i.params["column"]) for i in missing] == [("Đề nghị tập thể", "Báo cáo thành tích")]
    assert missing[0].params["found"] == "STT, Tên tập thể, Cấp, Hình thức khen thưởng, Điểm, Tóm tắt thành tích, " \
                                         "Tờ trình, Biên bản"
    assert not [i for i in result.issues if i.code == "incomplete-dossier"]
    assert [n.status for n in result.nominations] == ["invalid"]
    code, _ = run_cli("check", str(path))
    assert code == 1


def test_a_missing_required_column_is_not_reported_again_on_every_row(tmp_path, config, registry):
    path = collective_book(tmp_path / "a.xlsx", [h for h in HEADER if h != "Cấp"])
    result = evaluate([read_submission(path)], config, registry)
    assert [i.params["column"] for i in result.issues if i.code == "missing-column"] == ["Cấp"]
    assert not [i for i in result.issues if i.code == "missing-value"]
    assert [n.status for n in result.nominations] == ["invalid"]


# ---------------------------------------------------------------- 5. names and positions as clerks type them

def test_a_name_in_mixed_or_lower_case_is_written_in_title_case():
    from thidua.text import title_case

    assert title_case("hoàng văn  PHÚ") == "Hoàng Văn Phú"
    assert title_case("nguyễn thị hoa") == "Nguyễn Thị Hoa"
    assert title_case("LÊ THỊ  HOA ") == "Lê Thị Hoa"
    assert title_case("Thạch Thị Sà Rây") is None  # already as an official writes it


def test_a_position_naming_the_committee_by_its_abbreviation_is_printed_once():
    from thidua import terms

    for position, workplace in [("Chủ tịch UBMTTQ xã Sơn Vĩ", "UB MTTQ xã Sơn Vĩ"),
                                ("Chủ tịch UB MTTQ xã Sơn Vĩ", "Ủy ban MTTQ Việt Nam xã Sơn Vĩ"),
                                ("Phó Chủ tịch Ủy ban MTTQ Việt Nam xã Sơn Vĩ", "MTTQ xã Sơn Vĩ")]:
        assert terms.repeats_workplace(position, workplace), (position, workplace)
        assert terms.position_phrase(position, workplace) == position
    assert not terms.repeats_workplace("Chủ tịch UBMTTQ xã Sơn Vĩ", "UB MTTQ xã Lũng Cú")


def test_the_trial_row_gets_both_warnings(tmp_path, config, registry):
    header = ["STT", "Họ và tên", "Chức vụ", "Đơn vị công tác", "Cấp", "Hình thức khen thưởng", "Điểm", *DOSSIER]
    path = make_book(tmp_path / "a.xlsx", {"Thông tin": info_rows(), "Đề nghị cá nhân": [
        header, [1, "hoàng văn  PHÚ", "Chủ tịch UBMTTQ xã Sơn Vĩ", "UB MTTQ xã Sơn Vĩ", "Cấp xã", "BK_MTTQ_TINH", 90,
                 "x", "x", "x"]]})
    result = evaluate([read_submission(path)], config, registry)
    found = {i.code: i.params for i in result.issues}
    assert found["name-case"]["written"] == "Hoàng Văn Phú"
    assert found["position-repeats-workplace"]["written"] == "Chủ tịch UBMTTQ xã Sơn Vĩ"
    assert [n.name for n in result.nominations] == ["Hoàng Văn Phú"]


# ---------------------------------------------------------------- 15. the campaign's year, every address

def test_the_bad_date_example_is_of_the_campaign_year(tmp_path, config, registry):
    from dataclasses import replace

    later = replace(config, year=2031)
    path = make_book(tmp_path / "a.xlsx", {"Thông tin": info_rows(year=2031, date="31/02/2031"),
                                           "Đề nghị tập thể": [HEADER]})
    result = evaluate([read_submission(path)], later, registry)
    [bad] = [i for i in result.issues if i.code == "bad-date"]
    assert bad.params["year"] == 2031 and "25/11/2031" in bad.message and bad.cell == "B9"


def test_an_invalid_address_is_warned_about_whether_or_not_the_unit_reported(config):
    rows = [{"ma_don_vi": "94", "ten_don_vi": "Ủy ban MTTQ Việt Nam tỉnh Sóc Trăng", "cap": "tinh"},
            {"ma_don_vi": "943", "ten_don_vi": "Ủy ban MTTQ Việt Nam huyện Kế Sách", "cap": "huyen",
             "ma_cap_tren": "94", "so_don_vi_cap_xa": "13", "so_ban_cong_tac_mat_tran": "106",
             "email": "mttq.kesach@example"}]
    result = evaluate([], config, Registry(parse_registry(rows)))
    assert [(i.unit_code, i.params["address"]) for i in result.issues if i.code == "invalid-email"] == \
        [("943", "mttq.kesach@example")]


# ---------------------------------------------------------------- 7. a cluster typed in Thông tin

def _commune_book(path, year, cluster):
    info = info_rows(code="31001", name="Ủy ban MTTQ Việt Nam xã Số 1", year=year, date=f"25/11/{year}")
    info.insert(3, ["Cụm thi đua", cluster])
    return make_book(path, {"Thông tin": info, "Đề nghị tập thể": [HEADER]})


def test_a_cluster_typed_otherwise_than_the_registry_is_warned_and_the_registry_decides(tmp_path, commune_config, communes):
    path = _commune_book(tmp_path / "a.xlsx", commune_config.year, "Cụm C")
    result = evaluate([read_submission(path)], commune_config, communes)
    [found] = [i for i in result.issues if i.code == "cluster-mismatch"]
    assert (found.params["found"], found.params["expected"], found.cell) == ("Cụm C", "Cụm A", "B4")
    assert found.unit_code == "31001" and found.severity == "warning"


def test_the_same_cluster_written_another_way_is_no_warning(tmp_path, commune_config, communes):
    path = _commune_book(tmp_path / "a.xlsx", commune_config.year, "cụm  a")
    result = evaluate([read_submission(path)], commune_config, communes)
    assert not [i for i in result.issues if i.code == "cluster-mismatch"]


# ---------------------------------------------------------------- 11. the registry's errors, all at once

def test_every_bad_cluster_of_the_registry_is_named_in_one_run_with_the_config_used(tmp_path, capsys):
    from test_map_setup import city_config, renamed

    rows = renamed(renamed(city_rows(), "31003", ""), "31020", "Cụm Z")
    config = city_config(tmp_path, ["Cụm A", "Cụm B", "Cụm C"], rows)
    other = config.rename(tmp_path / "tuyen_quang.toml")
    assert run_cli("--config", str(other), "run")[0] == 2
    message = capsys.readouterr().err
    assert "dòng 5" in message and "dòng 22" in message and "\"Cụm Z\"" in message
    assert "tuyen_quang.toml" in message and "config.toml" not in message


def test_every_bad_row_of_the_registry_is_named_at_once():
    from thidua.errors import RegistryError

    rows = city_rows()
    rows[3] = {**rows[3], "cap": "ap"}
    rows[7] = {**rows[7], "so_ban_cong_tac_mat_tran": "mười"}
    rows[9] = {**rows[9], "ma_don_vi": rows[8]["ma_don_vi"]}
    with pytest.raises(RegistryError) as raised:
        parse_registry(rows)
    assert all(f"dòng {n}" in str(raised.value) for n in (5, 9, 11))


# ---------------------------------------------------------------- 12. commands given the wrong kind of path

def test_send_to_a_folder_that_is_not_a_run_says_so(tmp_path, capsys):
    (tmp_path / "khong_co").mkdir()
    code, _ = run_cli("send", str(tmp_path / "khong_co"), "--dry-run")
    err = capsys.readouterr().err
    assert code == 2 and "khong_co" in err and "ket_qua.json" in err and "Không tìm thấy kết quả" not in err
    code, _ = run_cli("send", str(tmp_path / "chua_tao"), "--dry-run")
    err = capsys.readouterr().err
    assert code == 2 and "chua_tao" in err


def test_check_on_a_folder_says_it_is_a_folder_and_how_to_check_its_files(tmp_path, capsys):
    collective_book(tmp_path / "input" / "a.xlsx")
    code, _ = run_cli("check", str(tmp_path / "input"))
    err = capsys.readouterr().err
    assert code == 2 and "thư mục" in err and "a.xlsx" in err


def test_check_on_a_file_that_is_not_a_workbook_fails(tmp_path, capsys):
    path = tmp_path / "don_vi.csv"
    path.write_text("ma_don_vi,ten_don_vi\n", encoding="utf-8")
    code, text = run_cli("check", str(path))
    err = capsys.readouterr().err
    assert code == 2 and "don_vi.csv" in err and "không phải bảng tính" in err


# ---------------------------------------------------------------- 13. check on the two-tier map

def test_check_shows_the_clusters_quota_and_what_the_unit_proposed(tmp_path):
    from test_map_setup import city_config

    from thidua.registry import load_registry

    config_path = city_config(tmp_path, ["Cụm A", "Cụm B", "Cụm C"])
    config = load_config(config_path)
    header = ["STT", "Họ và tên", "Cấp", "Hình thức khen thưởng", "Điểm", *DOSSIER]
    path = make_book(tmp_path / "Xã Số 1.xlsx", {
        "Thông tin": info_rows(code="31001", name="Ủy ban MTTQ Việt Nam xã Số 1", year=config.year,
                               date=f"25/11/{config.year}"),
        "Đề nghị cá nhân": [header, [1, "Lê Văn An", "Cấp xã", "BK_MTTQ_TINH", 90, "x", "x", "x"],
                            [2, "Lê Thị Bình", "Cấp xã", "BK_MTTQ_TINH", 88, "x", "x", "x"]]})
    result = evaluate([read_submission(path)], config, load_registry(config.registry_path))
    [line] = [q for q in result.quotas if q.cluster == "Cụm A" and q.kind == "individual" and q.level == "xa"
              and q.award == "BK_MTTQ_TINH"]
    code, text = run_cli("--config", str(config_path), "check", str(path))
    [shown] = [t for t in text.splitlines() if t.startswith("  ") and "Cụm A" in t]
    assert "đề nghị 2" in shown and f"{line.quota}" in shown


# ---------------------------------------------------------------- 15. the template's version

def test_the_template_version_does_not_look_like_a_campaign_year():
    import re

    from thidua import schema

    assert not re.search(r"(19|20)\d\d", schema.TEMPLATE_VERSION)


# ---------------------------------------------------------------- defects 2 and 8, fixed on main: kept fixed

def _commune_file(path, year, code="31001", name="Ủy ban MTTQ Việt Nam xã Số 1", date=None):
    info = info_rows(code=code, name=name, year=year, date=date or f"25/11/{year}")
    return make_book(path, {"Thông tin": info, "Đề nghị tập thể": [HEADER]})


def test_a_file_with_another_communes_code_is_an_error_and_does_not_replace_its_report(
        tmp_path, commune_config, communes):
    year = commune_config.year
    own = _commune_file(tmp_path / "so1.xlsx", year, date=f"20/11/{year}")
    wrong = _commune_file(tmp_path / "so2.xlsx", year, name="Ủy ban MTTQ Việt Nam xã Số 2", date=f"28/11/{year}")
    result = evaluate([read_submission(own, "so1.xlsx"), read_submission(wrong, "so2.xlsx")], commune_config, communes)
    status = {i.file: i.status for i in result.inputs}
    assert status == {"so1.xlsx": "processed", "so2.xlsx": "rejected"}
    assert [(i.file, i.severity) for i in result.issues if i.code == "unit-mismatch"] == [("so2.xlsx", "error")]


def test_two_files_of_one_date_do_not_call_either_newer(tmp_path, commune_config, communes):
    year = commune_config.year
    subs = [read_submission(_commune_file(tmp_path / f"{n}.xlsx", year), f"{n}.xlsx") for n in ("a", "b")]
    result = evaluate(subs, commune_config, communes)
    [superseded] = [i for i in result.issues if i.code == "superseded"]
    assert "mới hơn" not in superseded.message and f"25/11/{year}" in superseded.params["basis"]


def test_a_position_ending_with_the_abbreviated_committee_takes_the_place_of_the_workplace_once():
    from thidua import terms

    assert terms.position_phrase("Chủ tịch UBMTTQ", "UB MTTQ xã Sơn Vĩ") == "Chủ tịch UBMTTQ xã Sơn Vĩ"
    assert terms.position_phrase("Phó Chủ tịch Ủy ban MTTQ Việt Nam", "MTTQ Xã Sơn Vĩ") == \
        "Phó Chủ tịch Ủy ban MTTQ Việt Nam xã Sơn Vĩ"


def test_a_name_with_an_apostrophe_gets_its_capital_after_the_apostrophe():
    from thidua.text import title_case

    assert title_case("K'BRÌU") == "K'Brìu"
    assert title_case("ka k'brìu") == "Ka K'Brìu"
    assert title_case("H'Hen Niê") is None  # already as an official writes it
