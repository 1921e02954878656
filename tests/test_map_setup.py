"""The two-tier map set up right (SPEC section 9, issue 20): declared clusters, templates that speak the map,
per-unit templates, a sample that never mixes with real files, the 2025 mergers, a second worked example."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import run_cli, run_dirs
from test_two_tier import city_rows

from thidua import schema
from thidua.cli import ROOT
from thidua.config import load_config
from thidua.evaluate import evaluate
from thidua.registry import Registry, parse_registry

CAN_THO = ROOT / "examples" / "can-tho-2026"
HEADER = "ma_don_vi,ten_don_vi,cap,ma_cap_tren,so_don_vi_cap_xa,so_ban_cong_tac_mat_tran,email,cum_thi_dua"


def write_registry(path: Path, rows: list[dict]) -> Path:
    path.write_text(HEADER + "\n" + "\n".join(
        f"{r['ma_don_vi']},{r['ten_don_vi']},{r['cap']},{r.get('ma_cap_tren', '')},,"
        f"{r.get('so_ban_cong_tac_mat_tran', '')},{r.get('email', '')},{r.get('cum_thi_dua', '')}" for r in rows)
        + "\n", encoding="utf-8")
    return path


def city_config(tmp_path: Path, clusters: list[str], rows: list[dict] | None = None) -> Path:
    """The Cần Thơ example's rules over a small city (clusters of 8, 12 and 13 communes), declaring `clusters`."""
    registry = write_registry(tmp_path / "don_vi.csv", city_rows() if rows is None else rows)
    text = (CAN_THO / "config.toml").read_text(encoding="utf-8")
    text = re.sub(r"(?m)^clusters = \[.*?\]$", "clusters = [" + ", ".join(f'"{c}"' for c in clusters) + "]", text,
                  flags=re.S)
    text = text.replace('registry = "don_vi.csv"', f"registry = '{registry}'").replace(
        'templates = "../../templates"', f"templates = '{ROOT / 'templates'}'")
    (tmp_path / "input").mkdir(exist_ok=True)
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def renamed(rows: list[dict], code: str, cluster: str) -> list[dict]:
    return [{**r, "cum_thi_dua": cluster} if r["ma_don_vi"] == code else r for r in rows]


# ---------------------------------------------------------------- declared clusters

def test_the_example_declares_its_ten_clusters():
    config = load_config(CAN_THO / "config.toml")
    assert config.map.clusters == tuple(f"Cụm thi đua số {n}" for n in range(1, 11))


def test_a_cluster_typo_stops_the_run_naming_the_row_and_the_closest_declared_cluster(tmp_path, capsys):
    rows = [{**r, "cum_thi_dua": {"Cụm A": "Cụm 1", "Cụm B": "Cụm 5", "Cụm C": "Cụm 7"}.get(r.get("cum_thi_dua", ""), "")}
            for r in city_rows()]
    # Row 1 is the header, row 2 the province: the commune 31010 stands on row 12.
    config = city_config(tmp_path, ["Cụm 1", "Cụm 5", "Cụm 7"], renamed(rows, "31010", "Cụm thi đua số 05"))
    assert run_cli("--config", str(config), "run")[0] == 2
    message = capsys.readouterr().err
    assert "dòng 12" in message and "\"Cụm thi đua số 05\"" in message and "\"Cụm 5\"" in message
    assert not (tmp_path / "output").exists()


def test_a_blank_cluster_stops_the_run_the_same_way(tmp_path, capsys):
    config = city_config(tmp_path, ["Cụm A", "Cụm B", "Cụm C"], renamed(city_rows(), "31003", ""))
    assert run_cli("--config", str(config), "check", str(tmp_path / "none.xlsx"))[0] == 2
    assert "dòng 5" in capsys.readouterr().err


def test_a_map_without_cluster_scopes_needs_no_declared_clusters(tmp_path):
    config = city_config(tmp_path, [], [{**r, "cum_thi_dua": ""} for r in city_rows()])
    text = config.read_text(encoding="utf-8").replace('scope = "cluster"', 'scope = "province"')
    config.write_text(text, encoding="utf-8")
    code, out = run_cli("--config", str(config), "run")
    assert code in (0, 1), out


def test_cluster_scopes_without_declared_clusters_are_a_config_error(tmp_path, capsys):
    config = city_config(tmp_path, [])
    assert run_cli("--config", str(config), "run")[0] == 2
    assert "map.clusters" in capsys.readouterr().err


def test_a_declared_cluster_with_fewer_than_three_communes_is_a_warning(tmp_path):
    rows = renamed(renamed(city_rows(), "31001", "Cụm D"), "31002", "Cụm D")
    config = load_config(city_config(tmp_path, ["Cụm A", "Cụm B", "Cụm C", "Cụm D", "Cụm E"], rows))
    result = evaluate([], config, Registry(parse_registry(rows)))
    small = {i.params["cluster"]: i.params["communes"] for i in result.issues if i.code == "small-cluster"}
    assert small == {"Cụm D": 2, "Cụm E": 0}
    assert all(i.severity == "warning" for i in result.issues if i.code == "small-cluster")


@pytest.mark.parametrize("typed, expected", [("Cụm thi đua số 05", "Cụm 5"), ("cum 7", "Cụm 7"), ("Cụm số 1", "Cụm 1"),
                                             ("Cum thi dua so 1", "Cụm 1")])
def test_the_closest_declared_cluster_reads_numbers_and_the_words_of_a_cluster_name(typed, expected):
    from thidua.registry import closest_cluster

    assert closest_cluster(typed, ("Cụm 1", "Cụm 5", "Cụm 7", "Cụm 10")) == expected


# ---------------------------------------------------------------- the 2025 mergers

@pytest.mark.parametrize("typed, into", [("Quảng Bình", "Quảng Trị"), ("Đắk Nông", "Lâm Đồng"), ("sóc trăng", "Cần Thơ"),
                                         ("Tỉnh Bà Rịa - Vũng Tàu", "Hồ Chí Minh")])
def test_a_province_merged_in_2025_points_to_the_province_it_merged_into(tmp_path, capsys, typed, into):
    assert run_cli("registry", typed, "--output", str(tmp_path / "x.csv"))[0] == 2
    message = capsys.readouterr().err
    assert into in message and "202/2025/QH15" in message
    assert not (tmp_path / "x.csv").exists()


def test_the_merger_table_takes_the_63_old_provinces_onto_the_34_new_ones():
    from thidua.official import MERGED_INTO, find_province, provinces

    current = {p.name for p in provinces()}
    assert len(current) == 34 and len(MERGED_INTO) == 29 and len(current | set(MERGED_INTO)) == 63
    assert {find_province(into).name for into in MERGED_INTO.values()} <= current


# ---------------------------------------------------------------- the sample never mixes with real files

def test_sample_refuses_an_input_folder_holding_files_it_did_not_write(tmp_path, capsys):
    config = city_config(tmp_path, ["Cụm A", "Cụm B", "Cụm C"])
    real = tmp_path / "input" / "Xã Số 1 - báo cáo thật.xlsx"
    real.write_bytes(b"real")
    assert run_cli("--config", str(config), "sample")[0] == 2
    assert "--output" in capsys.readouterr().err
    assert [p.name for p in (tmp_path / "input").iterdir()] == [real.name] and real.read_bytes() == b"real"


def test_sample_writes_into_the_configs_input_folder_again_and_again_but_not_once_a_real_file_is_there(tmp_path):
    config = city_config(tmp_path, ["Cụm A", "Cụm B", "Cụm C"])
    assert run_cli("--config", str(config), "sample")[0] == 0
    written = sorted(p.name for p in (tmp_path / "input").glob("*.xlsx"))
    assert len(written) == 34
    assert run_cli("--config", str(config), "sample")[0] == 0  # its own files: written again
    assert sorted(p.name for p in (tmp_path / "input").glob("*.xlsx")) == written
    (tmp_path / "input" / "sub").mkdir()
    (tmp_path / "input" / "sub" / "thật.xlsx").write_bytes(b"real")
    assert run_cli("--config", str(config), "sample")[0] == 2
    (tmp_path / "input" / "sub" / "thật.xlsx").unlink()
    (tmp_path / "input" / written[0]).write_bytes(b"a real file under a sample's name")
    assert run_cli("--config", str(config), "sample")[0] == 2


# ---------------------------------------------------------------- templates that speak the map

def workbook_texts(path: Path) -> dict[str, list[str]]:
    """Every text a clerk reads in a workbook, by sheet: cell values and the dropdowns' choices."""
    import openpyxl

    wb = openpyxl.load_workbook(path)
    texts = {}
    for ws in wb.worksheets:
        cells = [str(c.value) for row in ws.iter_rows() for c in row if c.value is not None]
        lists = [str(v.formula1) for v in ws.data_validations.dataValidation if v.type == "list"]
        texts[ws.title] = cells + lists
    return texts


def level_choices(path: Path, sheet: str) -> set[str]:
    import openpyxl

    ws = openpyxl.load_workbook(path)[sheet]
    column = next(c.column_letter for c in ws[3] if c.value == "Cấp")
    [rule] = [v for v in ws.data_validations.dataValidation if str(v.sqref).startswith(f"{column}4")]
    return set(rule.formula1.strip('"').split(","))


def test_a_two_tier_template_speaks_of_communes_and_the_campaigns_year(tmp_path):
    path = tmp_path / "mau.xlsx"
    assert run_cli("--config", str(CAN_THO / "config.toml"), "template", "--output", str(path))[0] == 0
    texts = workbook_texts(path)
    # The template's version names the layout, not a year.
    everything = "\n".join(t for sheet in texts.values() for t in sheet).replace(schema.TEMPLATE_VERSION, "")
    assert "Ủy ban MTTQ Việt Nam xã, phường, đặc khu" in "\n".join(texts["Thông tin"])
    for stale in ("cấp huyện", "thị trấn", "943", "2023", "Tổng số xã, phường"):
        assert stale.casefold() not in everything.casefold(), stale
    assert "2026" in "\n".join(texts["Thông tin"]) and "2026" in "\n".join(texts["Hướng dẫn"])
    named = set(re.findall(r"Trang \"([^\"]+)\"|\"(Đề nghị cá nhân)\"", "\n".join(texts["Hướng dẫn"])))
    assert {n for pair in named for n in pair if n} <= set(texts), "the instructions name a sheet it does not hold"
    for sheet in ("Đề nghị tập thể", "Đề nghị cá nhân"):
        assert level_choices(path, sheet) == {"Cấp tỉnh", "Cấp xã", "Ban công tác Mặt trận"}


def test_the_three_tier_template_still_offers_the_district_level(tmp_path):
    from thidua.names import WORKBOOK_TEMPLATE

    path = ROOT / "templates" / WORKBOOK_TEMPLATE
    assert level_choices(path, "Đề nghị tập thể") == {"Cấp tỉnh", "Cấp huyện", "Cấp xã", "Ban công tác Mặt trận"}


def test_per_unit_templates_carry_each_units_name_code_cluster_year_and_round_locked(tmp_path):
    import openpyxl

    rows = [{**r, "ten_don_vi": "Ủy ban MTTQ Việt Nam xã Hòa An: Đông/Tây"} if r["ma_don_vi"] == "31002" else r
            for r in city_rows()]
    config = city_config(tmp_path, ["Cụm A", "Cụm B", "Cụm C"], rows)
    code, text = run_cli("--config", str(config), "template", "--per-unit", "--output", str(tmp_path / "mau"))
    assert code == 0, text
    names = sorted(p.name for p in (tmp_path / "mau").iterdir())
    assert len(names) == 34 and "Xã Hòa An_ Đông_Tây.xlsx" in names and "Thành phố Cần Thơ.xlsx" in names
    ws = openpyxl.load_workbook(tmp_path / "mau" / "Xã Số 10.xlsx")["Thông tin"]
    values = {ws.cell(r, 1).value: ws.cell(r, 2) for r in range(2, ws.max_row + 1)}
    assert {k: values[k].value for k in ("Đơn vị", "Mã đơn vị", "Cụm thi đua", "Năm", "Đợt")} == {
        "Đơn vị": "Ủy ban MTTQ Việt Nam xã Số 10", "Mã đơn vị": "31010", "Cụm thi đua": "Cụm B", "Năm": 2026,
        "Đợt": "Tổng kết"}
    assert ws.protection.sheet and all(values[k].protection.locked for k in ("Đơn vị", "Mã đơn vị", "Năm", "Đợt"))
    assert not values["Điểm tự chấm"].protection.locked and "Số đơn vị cấp xã" not in values


def test_the_batch_reads_the_per_unit_templates_back_with_no_issue_about_thong_tin(tmp_path):
    from thidua.batch import evaluate_folder
    from thidua.registry import load_registry
    from thidua.workbook import read_submission

    path = city_config(tmp_path, ["Cụm A", "Cụm B", "Cụm C"])
    assert run_cli("--config", str(path), "template", "--per-unit", "--output", str(tmp_path / "mau"))[0] == 0
    config = load_config(path)
    for book in (tmp_path / "mau").iterdir():
        sub = read_submission(book)
        assert sub.issues == () and sub.info.year == 2026 and sub.info.round == "tong-ket", book.name
    result = evaluate_folder(tmp_path / "mau", config, load_registry(config.registry_path))
    assert {i["status"] for i in result.as_json()["inputs"]} == {"processed"}
    # Nothing about who the unit is: only the self-score and the date (Ngày lập) the commune has still to type are
    # asked for.
    about_info = {(i.code, i.cell) for i in result.issues if i.sheet == schema.INFO_SHEET and i.code != "missing-date"}
    assert about_info == {("missing-score", "B8")}
    assert {i.code for i in result.issues if i.sheet == schema.INFO_SHEET} == {"missing-score", "missing-date"}
    code, text = run_cli("--config", str(path), "check", str(tmp_path / "mau" / "Xã Số 1.xlsx"))
    assert "Đơn vị: Ủy ban MTTQ Việt Nam xã Số 1 (mã 31001)" in text and text.count("[") == 2, text


# ---------------------------------------------------------------- a second worked example

QUANG_TRI = ROOT / "examples" / "quang-tri-2026"


def test_the_quang_tri_registry_is_the_official_list_in_seven_declared_clusters():
    from thidua.official import find_province, registry_rows
    from thidua.registry import load_registry

    config = load_config(QUANG_TRI / "config.toml")
    registry = load_registry(config.registry_path)
    official = {r["ma_don_vi"]: r["ten_don_vi"] for r in registry_rows(find_province("Quảng Trị"))}
    assert {u.code: u.name for u in registry.units} == official and len(registry.submitters) == len(official) - 1
    assert config.map.clusters == tuple(f"Cụm {n}" for n in range(1, 8)) == tuple(registry.clusters)
    assert config.province_code == registry.province.code == "44" and config.year == 2026


def test_sample_then_the_batch_with_the_quang_tri_config_gives_a_full_run(tmp_path):
    import json

    from thidua.names import DOCS_DIR, FEEDBACK_DIR, RESULT_JSON

    config = str(QUANG_TRI / "config.toml")
    assert run_cli("--config", config, "sample", "--output", str(tmp_path / "in"))[0] == 0
    code, text = run_cli("--config", config, "run", "--input", str(tmp_path / "in"), "--output", str(tmp_path / "out"))
    assert code in (0, 1), text
    [folder] = run_dirs(tmp_path / "out")
    data = json.loads((folder / RESULT_JSON).read_text(encoding="utf-8"))
    assert {i["status"] for i in data["inputs"]} == {"processed"} and len(data["inputs"]) == 79
    assert len(data["rankings"]["xa"]) == 78 and data["rankings"]["huyen"] == []
    assert {q["cluster"] for q in data["quotas"] if q.get("scope") == "cluster"} == {f"Cụm {n}" for n in range(1, 8)}
    assert len(list(folder.glob("*.xlsx"))) == 1 and len(list((folder / FEEDBACK_DIR).glob("*.xlsx"))) >= 78
    assert len(list((folder / DOCS_DIR).glob("*.docx"))) >= 4


def test_check_on_one_file_does_not_hand_the_province_a_small_cluster_to_fix(tmp_path):
    rows = renamed(renamed(city_rows(), "31001", "Cụm D"), "31002", "Cụm D")
    config = city_config(tmp_path, ["Cụm A", "Cụm B", "Cụm C", "Cụm D"], rows)
    assert run_cli("--config", str(config), "template", "--per-unit", "--output", str(tmp_path / "mau"))[0] == 0
    code, text = run_cli("--config", str(config), "check", str(tmp_path / "mau" / "Xã Số 1.xlsx"))
    assert "Cụm D" not in text.split("\n", 2)[2], text


def test_the_registry_command_says_clusters_must_be_declared_in_the_config(tmp_path):
    code, text = run_cli("registry", "Quảng Trị", "--output", str(tmp_path / "qt.csv"))
    assert code == 0 and "map.clusters" in text


def test_per_unit_instructions_say_what_is_prefilled_and_name_only_sheets_the_book_holds(tmp_path):
    config = city_config(tmp_path, ["Cụm A", "Cụm B", "Cụm C"])
    assert run_cli("--config", str(config), "template", "--per-unit", "--output", str(tmp_path / "mau"))[0] == 0
    for name, prefilled, asked in (("Xã Số 1.xlsx", "cụm thi đua", "điểm tự chấm"),
                                   ("Thành phố Cần Thơ.xlsx", "năm và đợt", "Thẩm định")):
        texts = workbook_texts(tmp_path / "mau" / name)
        guide = "\n".join(texts["Hướng dẫn"])
        assert prefilled in guide.split("ghi sẵn")[0] and asked in guide, name
        named = {n for pair in re.findall(r"Trang \"([^\"]+)\"|\"(Đề nghị cá nhân)\"", guide) for n in pair if n}
        assert named <= set(texts), name
    assert "Thẩm định" not in "\n".join(workbook_texts(tmp_path / "mau" / "Xã Số 1.xlsx")["Hướng dẫn"])


def test_a_commune_name_the_official_list_writes_in_small_letters_gets_its_capitals():
    from thidua.official import Division, proper_name

    assert proper_name("Xã Đắk song") == "Xã Đắk Song"
    assert proper_name("Đặc khu Phú quý") == "Đặc khu Phú Quý"
    for right in ("Xã Đắk Song", "Phường Ninh Kiều", "Phường 5", "Xã Ea H'Leo", "Đặc khu Côn Đảo"):
        assert proper_name(right) == right
    assert Division("1", proper_name("Xã Đắk song"), "xã").place == "xã Đắk Song"


def test_the_lam_dong_registry_writes_dak_song_with_its_capitals():
    from thidua.official import find_province, registry_rows

    names = [r["ten_don_vi"] for r in registry_rows(find_province("Lâm Đồng"))]
    assert any(name.endswith("xã Đắk Song") for name in names)
    assert not any("Đắk song" in name for name in names)
