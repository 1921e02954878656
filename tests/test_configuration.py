"""A typo in the configuration must never silently change a rule, and every file saved by a Windows tool either
reads or stops the run with exit 2 and a sentence naming the file or the key (issue 21, points 19-21)."""

from __future__ import annotations

import shutil
import tomllib

import pytest
from conftest import run_cli

from thidua.cli import DEFAULT_CONFIG, ROOT
from thidua.config import parse_config
from thidua.errors import ConfigError


def base() -> dict:
    return tomllib.loads(DEFAULT_CONFIG.read_text(encoding="utf-8"))


def copy_project_config(folder, edit=lambda text: text):
    """The shipped config in another folder, its relative paths pointing back at the project's data."""
    text = DEFAULT_CONFIG.read_text(encoding="utf-8")
    for key, value in (("registry", "data/don_vi.csv"), ("communes", "data/don_vi_cap_xa.csv"),
                       ("criteria", "data/tieu_chi_cham_diem.csv")):
        text = text.replace(f'{key} = "{value}"', f'{key} = "{(ROOT / value).as_posix()}"')
    text = text.replace('templates = "templates"', f'templates = "{(ROOT / "templates").as_posix()}"')
    path = folder / "config.toml"
    path.write_text(edit(text), encoding="utf-8")
    return path


def run_with(config, tmp_path, *extra):
    (tmp_path / "in").mkdir(exist_ok=True)
    return run_cli("run", "--config", str(config), "--input", str(tmp_path / "in"), "--output",
                   str(tmp_path / "out"), *extra)


# ---------------------------------------------------------------- unknown keys and sections (point 19)

@pytest.mark.parametrize("edit, key, closest", [
    (lambda d: d["ranked_awards"][2].update(min_scor=85), "ranked_awards[3].min_scor", "min_score"),
    (lambda d: d.update(limit={"max_file_mb": 5}), "limit", "limits"),
    (lambda d: d["rules"].update(score_maxx=100), "rules.score_maxx", "score_max"),
    (lambda d: d["quotas"][0].update(per_units=2), "quotas[1].per_units", "per_unit"),
    (lambda d: d["email"].update(smtp_hots="x"), "email.smtp_hots", "smtp_host"),
    (lambda d: d["paths"].update(registy="a.csv"), "paths.registy", "registry"),
    # [map] was added by another change with no list of keys to update: its keys are known all the same
    (lambda d: d.update(map={"cluster": ["Cụm 1"]}), "map.cluster", "clusters"),
])
def test_an_unknown_key_or_section_is_refused_with_the_closest_known_one(edit, key, closest):
    data = base()
    edit(data)
    with pytest.raises(ConfigError) as caught:
        parse_config(data, DEFAULT_CONFIG)
    assert caught.value.args[0].count(f'"{key}"') == 1 and f'"{closest}"' in caught.value.args[0]


def test_a_typo_that_would_drop_the_85_point_floor_stops_the_run(tmp_path, capsys):
    config = copy_project_config(tmp_path, lambda t: t.replace("min_score = 85", "min_scor = 85", 1))
    code, _ = run_with(config, tmp_path)
    assert code == 2 and "min_scor" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_a_key_read_by_the_parser_is_known_without_a_list_to_keep():
    # Keys are known because the parsing code reads them: every optional key of the shipped config is known.
    data = base()
    data["documents"]["recipients"] = {"quyet_dinh": ["Lưu VT"]}
    data["email"].update(username="vanphong", password_env="MAT_KHAU")
    assert parse_config(data, DEFAULT_CONFIG).documents.recipients["quyet_dinh"] == ("Lưu VT",)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_a_score_bound_that_is_not_a_number_is_refused(value):
    data = base()
    data["rules"]["score_max"] = value
    with pytest.raises(ConfigError, match="rules.score_max"):
        parse_config(data, DEFAULT_CONFIG)


def test_min_score_nan_is_refused():
    data = base()
    data["ranked_awards"][2]["min_score"] = float("nan")
    with pytest.raises(ConfigError, match=r"ranked_awards\[3\].min_score"):
        parse_config(data, DEFAULT_CONFIG)


def test_nan_written_in_the_file_is_refused(tmp_path, capsys):
    config = copy_project_config(tmp_path, lambda t: t.replace("score_max = 100", "score_max = nan"))
    assert run_with(config, tmp_path)[0] == 2
    assert "rules.score_max" in capsys.readouterr().err


def test_a_nested_list_in_exclude_is_refused():
    data = base()
    data["ranked_awards"][1]["exclude"] = [["CO_XS"]]
    with pytest.raises(ConfigError, match=r"ranked_awards\[2\].exclude"):
        parse_config(data, DEFAULT_CONFIG)


# ---------------------------------------------------------------- files saved by Windows tools (point 20)

def test_a_config_with_a_utf8_bom_is_read(tmp_path):
    config = copy_project_config(tmp_path)
    config.write_bytes(b"\xef\xbb\xbf" + config.read_bytes())
    assert run_with(config, tmp_path)[0] == 0


def test_a_config_saved_in_cp1258_names_the_file(tmp_path, capsys):
    config = copy_project_config(tmp_path)
    config.write_bytes(config.read_text(encoding="utf-8").encode("cp1258", errors="replace"))
    assert run_with(config, tmp_path)[0] == 2
    err = capsys.readouterr().err
    assert str(config) in err and "UTF-8" in err and "Traceback" not in err


def test_a_commune_list_saved_in_cp1258_names_the_file(tmp_path, capsys):
    communes = tmp_path / "don_vi_cap_xa.csv"
    communes.write_bytes((ROOT / "data" / "don_vi_cap_xa.csv").read_text(encoding="utf-8").encode("cp1258", "replace"))
    config = copy_project_config(tmp_path, lambda t: t.replace((ROOT / "data/don_vi_cap_xa.csv").as_posix(),
                                                              communes.as_posix()))
    assert run_with(config, tmp_path)[0] == 2
    assert "don_vi_cap_xa.csv" in capsys.readouterr().err


def test_a_broken_registry_workbook_names_the_file(tmp_path, capsys):
    broken = tmp_path / "don_vi.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    assert run_with(DEFAULT_CONFIG, tmp_path, "--registry", str(broken))[0] == 2
    assert "don_vi.xlsx" in capsys.readouterr().err


@pytest.mark.parametrize("count", ["1³", "9" * 5000, "١٢"])
def test_a_registry_count_that_is_not_a_plain_number_names_the_row(tmp_path, capsys, count):
    registry = tmp_path / "don_vi.csv"
    registry.write_text("ma_don_vi,ten_don_vi,cap,ma_cap_tren,so_don_vi_cap_xa,so_ban_cong_tac_mat_tran,email\n"
                        f"94,Tỉnh,tinh,,,,\n941,A,huyen,94,{count},5,\n", encoding="utf-8")
    assert run_with(DEFAULT_CONFIG, tmp_path, "--registry", str(registry))[0] == 2
    assert "dòng 3" in capsys.readouterr().err


@pytest.mark.parametrize("edit, key", [
    (lambda d: d["email"].update(from_address="vanphong"), "email.from_address"),
    (lambda d: d["email"].update(from_address="văn.phòng@example.vn"), "email.from_address"),
    (lambda d: d["email"].update(from_name="Văn phòng\r\nBcc: x@example.vn"), "email.from_name"),
    (lambda d: d["email"].update(smtp_host="mail..example.vn"), "email.smtp_host"),
    (lambda d: d["email"].update(smtp_host="-" * 70 + ".vn"), "email.smtp_host"),
    (lambda d: d["email"].update(smtp_port=70000), "email.smtp_port"),
    (lambda d: d["email"].update(leadership=["lanhdao"]), "email.leadership"),
])
def test_bad_mail_settings_are_refused_naming_the_key(edit, key):
    data = base()
    edit(data)
    with pytest.raises(ConfigError, match=key):
        parse_config(data, DEFAULT_CONFIG)


def test_send_without_a_sender_address_exits_2_naming_the_key(tmp_path, capsys, sample_run):
    _, _, _, folder, _ = sample_run
    config = copy_project_config(tmp_path, lambda t: t.replace('from_address = "vanphong@example.vn"',
                                                              'from_address = ""'))
    code, _ = run_cli("send", "--config", str(config), "--dry-run", str(folder))
    assert code == 2 and "email.from_address" in capsys.readouterr().err


def test_a_nul_in_the_output_path_exits_2(tmp_path, capsys):
    code, _ = run_with(DEFAULT_CONFIG, tmp_path, "--output", str(tmp_path / "a\0b"))
    assert code == 2 and "Traceback" not in capsys.readouterr().err


@pytest.mark.parametrize("args", [["template", "--output", "mau\0.xlsx"], ["sample", "--output", "vao\0"],
                                  ["check", "tep\0.xlsx"], ["send", "lan\0chay"], ["--config", "cau\0hinh.toml"]])
def test_a_nul_in_any_path_argument_exits_2_naming_the_option(args, capsys):
    code, _ = run_cli(*args)
    err = capsys.readouterr().err
    assert code == 2 and "NUL" in err


# ---------------------------------------------------------------- paths checked before anything is read or written

@pytest.mark.parametrize("example", ["can-tho-2026", "quang-tri-2026"])
def test_the_example_config_copied_into_a_province_folder_works_unchanged(tmp_path, example):
    province = tmp_path / "tinh"
    province.mkdir()
    shutil.copy(ROOT / "examples" / example / "config.toml", province / "config.toml")
    shutil.copy(ROOT / "examples" / example / "don_vi.csv", province / "don_vi.csv")
    config = province / "config.toml"
    assert run_cli("sample", "--config", str(config))[0] == 0
    code, _ = run_cli("run", "--config", str(config))
    assert code in (0, 1)
    assert list((province / "output").glob("*/VanBan/*.docx"))


@pytest.mark.parametrize("key, edit", [
    ("paths.registry", lambda t: t.replace((ROOT / "data/don_vi.csv").as_posix(), "khong_co.csv")),
    ("paths.templates", lambda t: t.replace(f'templates = "{(ROOT / "templates").as_posix()}"',
                                            'templates = "../../templates"')),
    ("paths.input", lambda t: t),
])
def test_a_missing_path_exits_2_naming_the_key_before_anything_is_written(tmp_path, capsys, key, edit):
    config = copy_project_config(tmp_path, edit)
    if key != "paths.input":
        (tmp_path / "input").mkdir()
    code, _ = run_cli("run", "--config", str(config), "--output", str(tmp_path / "out"))
    assert code == 2 and key in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


@pytest.fixture
def own_templates(tmp_path):
    folder = tmp_path / "mau"
    shutil.copytree(ROOT / "templates", folder)
    return folder


def config_with_templates(tmp_path, folder):
    return copy_project_config(tmp_path, lambda t: t.replace(f'templates = "{(ROOT / "templates").as_posix()}"',
                                                             f'templates = "{folder.as_posix()}"'))


def test_a_missing_word_template_exits_2_naming_it(tmp_path, capsys, own_templates):
    (own_templates / "Quyết định khen thưởng.docx").unlink()
    code, _ = run_with(config_with_templates(tmp_path, own_templates), tmp_path)
    err = capsys.readouterr().err
    assert code == 2 and "Quyết định khen thưởng.docx" in err and "paths.templates" in err
    assert not (tmp_path / "out").exists()


def test_an_unreadable_word_template_exits_2_naming_it(tmp_path, capsys, own_templates):
    (own_templates / "Quyết định khen thưởng.docx").write_bytes(b"not a docx")
    code, _ = run_with(config_with_templates(tmp_path, own_templates), tmp_path)
    assert code == 2 and "Quyết định khen thưởng.docx" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def edit_template(path, old: str, new: str):
    import zipfile

    with zipfile.ZipFile(path) as z:
        parts = {i: z.read(i) for i in z.namelist()}
    xml = parts["word/document.xml"].decode("utf-8")
    assert old in xml
    parts["word/document.xml"] = xml.replace(old, new, 1).encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)


def test_a_broken_tag_in_a_word_template_exits_2_naming_it(tmp_path, capsys, own_templates):
    edit_template(own_templates / "Quyết định khen thưởng.docx", "{{ issuer }}", "{{ issuer")
    code, _ = run_with(config_with_templates(tmp_path, own_templates), tmp_path)
    err = capsys.readouterr().err
    assert code == 2 and "Quyết định khen thưởng.docx" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_a_template_variable_that_does_not_exist_is_a_warning_naming_it(tmp_path, own_templates):
    edit_template(own_templates / "Quyết định khen thưởng.docx", "{{ issuer }}", "{{ issuer }}{{ so_quyet_dinh }}")
    code, text = run_with(config_with_templates(tmp_path, own_templates), tmp_path)
    assert code == 0
    [warning] = [line for line in text.splitlines() if "so_quyet_dinh" in line]
    assert "Quyết định khen thưởng.docx" in warning
    [log] = (tmp_path / "out").glob("*/nhat_ky.txt")
    assert warning.removeprefix("Cảnh báo: ") in log.read_text(encoding="utf-8")


def test_the_shipped_templates_use_no_variable_the_program_lacks(sample_run):
    _, _, text, folder, _ = sample_run
    assert "dùng biến" not in text and "dùng biến" not in (folder / "nhat_ky.txt").read_text(encoding="utf-8")


@pytest.mark.parametrize("damage", ["broken", "missing"])
def test_a_broken_or_missing_mail_template_stops_send_naming_it(tmp_path, capsys, own_templates, sample_run, damage):
    folder = sample_run[3]
    template = own_templates / "thu_phan_hoi.j2"
    if damage == "missing":
        template.unlink()
    else:
        template.write_text(template.read_text(encoding="utf-8").replace("{{ year }}", "{{ year", 1), encoding="utf-8")
    code, _ = run_cli("send", "--config", str(config_with_templates(tmp_path, own_templates)), "--dry-run", str(folder))
    err = capsys.readouterr().err
    assert code == 2 and "thu_phan_hoi.j2" in err and "paths.templates" in err
