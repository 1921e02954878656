"""What a clerk trial on Tỉnh Gia Lai (135 communes, 6 clusters) found (SPEC section 9): names that begin with
another unit's name (Quy Nhơn / Quy Nhơn Nam), a double award under review, templates written over other files,
ranks of cluster awards, and the Báo cáo's table.

A small province with Gia Lai's pairs of names is built inline, judged with the worked example's rules.
"""

import datetime as dt
from dataclasses import replace
from pathlib import Path

import pytest
from test_two_tier import EXAMPLE, commune

from thidua.config import load_config
from thidua.evaluate import evaluate, named_unit, names_unit
from thidua.registry import Registry, parse_registry

# Gia Lai's communes whose name begins with another's (codes as in the official list since 1/7/2025).
PAIRS = [("21583", "phường Quy Nhơn"), ("21592", "phường Quy Nhơn Nam"), ("21910", "phường An Nhơn"),
         ("21925", "phường An Nhơn Bắc"), ("21730", "xã Phù Mỹ"), ("21739", "xã Phù Mỹ Bắc"),
         ("21664", "phường Hoài Nhơn"), ("21673", "phường Hoài Nhơn Nam"), ("21952", "xã Tuy Phước"),
         ("21970", "xã Tuy Phước Đông"), ("23798", "xã Ayun"), ("24044", "phường Ayun Pa")]


def gialai_rows() -> list[dict]:
    rows = [{"ma_don_vi": "52", "ten_don_vi": "Ủy ban MTTQ Việt Nam tỉnh Gia Lai", "cap": "tinh"}]
    for n, (code, name) in enumerate(PAIRS):
        rows.append({"ma_don_vi": code, "ten_don_vi": f"Ủy ban MTTQ Việt Nam {name}", "cap": "xa", "ma_cap_tren": "52",
                     "so_ban_cong_tac_mat_tran": "10", "cum_thi_dua": "Cụm A" if n < 6 else "Cụm B"})
    return rows


@pytest.fixture(scope="module")
def gialai() -> Registry:
    return Registry(parse_registry(gialai_rows()))


@pytest.fixture(scope="module")
def config():
    return load_config(EXAMPLE / "config.toml")


def named(code: str, typed: str, file: str = "", date: dt.date | None = None):
    sub = commune(code)
    return replace(sub, file=file or f"{code}.xlsx", info=replace(sub.info, unit_name=typed, date=date or sub.info.date))


# ---------------------------------------------------------------- 1: a name is matched whole

@pytest.mark.parametrize("short, longer", [(PAIRS[i], PAIRS[i + 1]) for i in range(0, len(PAIRS), 2)])
def test_a_name_that_begins_with_another_units_name_is_not_that_unit(gialai, short, longer):
    (short_code, short_name), (long_code, long_name) = short, longer
    typed_long = f"Ban Thường trực Ủy ban MTTQ Việt Nam {long_name.upper()}"
    assert not names_unit(typed_long, gialai.get(short_code))
    assert names_unit(typed_long, gialai.get(long_code))
    assert not names_unit(f"UBMTTQ {short_name}", gialai.get(long_code))
    assert names_unit(f"UBMTTQ {short_name}, tỉnh Gia Lai", gialai.get(short_code))
    assert named_unit(typed_long, gialai).code == long_code
    assert named_unit(f"Ủy ban MTTQ Việt Nam {short_name} - Gia Lai", gialai).code == short_code


def test_a_file_of_quy_nhon_nam_under_quy_nhons_code_is_a_unit_mismatch(config, gialai):
    own = named("21583", "Ủy ban MTTQ Việt Nam phường Quy Nhơn")
    forged = named("21583", "Ủy ban MTTQ Việt Nam phường Quy Nhơn Nam", file="quy nhon nam.xlsx",
                   date=dt.date(2026, 12, 1))
    result = evaluate([own, forged], config, gialai)
    assert {i.file: i.status for i in result.inputs} == {"21583.xlsx": "processed", "quy nhon nam.xlsx": "rejected"}
    [mismatch] = [i for i in result.issues if i.code == "unit-mismatch"]
    assert mismatch.params["suggestion"] == "21592" and mismatch.file == "quy nhon nam.xlsx"
    assert result.summary()["units_rejected"] == ["Phường Quy Nhơn Nam"]
    # And the other way: Quy Nhơn's file under Quy Nhơn Nam's code.
    result = evaluate([named("21592", "Ủy ban MTTQ Việt Nam phường Quy Nhơn")], config, gialai)
    assert [i.status for i in result.inputs] == ["rejected"]
    assert [i.params["suggestion"] for i in result.issues if i.code == "unit-mismatch"] == ["21583"]


# ---------------------------------------------------------------- 2: an unknown code, then a fixed file

def test_an_unknown_code_under_a_name_that_begins_with_another_is_told_and_then_superseded(config, gialai):
    wrong = named("21529", "Ủy ban MTTQ Việt Nam phường Quy Nhơn Nam", file="sai ma.xlsx", date=dt.date(2026, 11, 20))
    result = evaluate([wrong], config, gialai)
    [unknown] = [i for i in result.issues if i.code == "unknown-unit"]
    assert unknown.params["suggestion"] == "21592"
    assert result.summary()["units_rejected"] == ["Phường Quy Nhơn Nam"]
    assert "Phường Quy Nhơn Nam" not in result.summary()["units_missing"]
    assert [i.file for i in result.for_unit("21592").inputs] == ["sai ma.xlsx"]
    fixed = named("21592", "Ủy ban MTTQ Việt Nam phường Quy Nhơn Nam", file="quy nhon nam.xlsx",
                  date=dt.date(2026, 11, 25))
    result = evaluate([wrong, fixed], config, gialai)
    assert {i.file: i.status for i in result.inputs} == {"sai ma.xlsx": "superseded", "quy nhon nam.xlsx": "processed"}
    assert {i.severity for i in result.issues if i.file == "sai ma.xlsx"} == {"info"}
    summary = result.summary()
    assert summary["errors"] == 0 and summary["units_rejected"] == []
    assert result.for_unit("21592").summary()["errors"] == 0


def test_the_real_command_settles_a_file_with_a_wrong_code_once_the_fixed_one_is_sent(tmp_path):
    import email
    import email.policy
    import json

    from conftest import info_rows, make_book, run_cli, run_dirs
    from test_two_tier import with_city_clusters

    from thidua.cli import ROOT
    from thidua.names import OUTBOX

    registry = tmp_path / "don_vi.csv"
    registry.write_text(
        "ma_don_vi,ten_don_vi,cap,ma_cap_tren,so_don_vi_cap_xa,so_ban_cong_tac_mat_tran,email,cum_thi_dua\n" + "".join(
            f"{r['ma_don_vi']},{r['ten_don_vi']},{r['cap']},{r.get('ma_cap_tren', '')},,"
            f"{r.get('so_ban_cong_tac_mat_tran', '')},,{r.get('cum_thi_dua', '')}\n" for r in gialai_rows()),
        encoding="utf-8")
    config = tmp_path / "config.toml"
    config.write_text(with_city_clusters((EXAMPLE / "config.toml").read_text(encoding="utf-8").replace(
        'templates = "../../templates"', f'templates = "{(ROOT / "templates").as_posix()}"')), encoding="utf-8")
    folder = tmp_path / "in"
    for code, name in PAIRS:
        if code != "21592":
            make_book(folder / f"{code}.xlsx", {"Thông tin": info_rows(
                code=code, name=f"Ủy ban MTTQ Việt Nam {name}", year=2026, communes=None, bctmt=10,
                date="20/11/2026")})
    make_book(folder / "quy nhon nam.xlsx", {"Thông tin": info_rows(
        code="21529", name="Ủy ban MTTQ Việt Nam phường Quy Nhơn Nam", year=2026, communes=None, bctmt=10,
        date="20/11/2026")})

    def run(output: str) -> tuple[int, dict, Path]:
        code, text = run_cli("run", "--config", str(config), "--registry", str(registry), "--input", str(folder),
                             "--output", str(tmp_path / output))
        [run_folder] = run_dirs(tmp_path / output)
        return code, json.loads((run_folder / "ket_qua.json").read_text(encoding="utf-8")), run_folder

    code, data, _ = run("out1")
    assert code == 1 and data["summary"]["units_rejected"] == ["Phường Quy Nhơn Nam"]
    assert data["summary"]["reported"] == {"units": 11, "of": 12}
    make_book(folder / "quy nhon nam sua.xlsx", {"Thông tin": info_rows(
        code="21592", name="Ủy ban MTTQ Việt Nam phường Quy Nhơn Nam", year=2026, communes=None, bctmt=10,
        date="25/11/2026")})
    code, data, run_folder = run("out2")
    assert code == 0 and data["summary"]["errors"] == 0 and data["summary"]["units_rejected"] == []
    assert {i["file"]: i["status"] for i in data["inputs"]}["quy nhon nam.xlsx"] == "superseded"
    assert data["summary"]["reported"] == {"units": 12, "of": 12}
    run_cli("send", str(run_folder), "--config", str(config), "--registry", str(registry))
    messages = [email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
                for p in (run_folder / OUTBOX).glob("*.eml")]
    [lead] = [m for m in messages if "dự thảo" in str(m["Subject"])]
    body = lead.get_body(("plain",)).get_content()
    assert "Lỗi các đơn vị cần sửa: 0" in body and "bị từ chối: Phường Quy Nhơn Nam" not in body


# ---------------------------------------------------------------- 3: a double award under review

def test_a_person_tied_for_one_bang_khen_and_proposed_for_another_is_a_double_award(tmp_path, config):
    from test_drafts import DOCUMENTS, document_texts
    from test_two_tier import city_rows, codes_in, person

    from thidua.docx_report import minutes_context

    city = Registry(parse_registry(city_rows()))
    b, c = codes_in(city, "Cụm C")[:2]
    hoa = [person("Lê Thị Hoa", 88, row=5, award="BK_TW_MTTQ"), person("Lê Thị Hoa", 90, row=6)]
    result = evaluate([commune(b, hoa), commune(c, [person("Trần Văn Nam", 88, award="BK_TW_MTTQ")])], config, city)
    assert {(n.name, n.award): n.status for n in result.nominations} == {
        ("Lê Thị Hoa", "BK_TW_MTTQ"): "needs_review", ("Lê Thị Hoa", "BK_MTTQ_TINH"): "proposed",
        ("Trần Văn Nam", "BK_TW_MTTQ"): "needs_review"}
    doubles = [i for i in result.issues if i.code == "double-award"]
    assert [(i.severity, i.unit_code, i.params["name"]) for i in doubles] == [("warning", b, "Lê Thị Hoa")]
    assert any("Lê Thị Hoa" in line for line in minutes_context(result, config)["double_award_lines"])
    minutes = document_texts(result, config, tmp_path)[DOCUMENTS["bien_ban"]]
    heading = "Trường hợp được đề nghị hai Bằng khen cho cùng một thành tích"
    assert "Lê Thị Hoa" in minutes.split(heading, 1)[1]


# ---------------------------------------------------------------- 4: template --output writes only templates

def test_template_output_never_overwrites_a_file_it_did_not_write(tmp_path):
    from conftest import make_book, run_cli

    filled = tmp_path / "xa 1.xlsx"
    make_book(filled, {"Thông tin": [["Thông tin", "Nội dung"], ["Mã đơn vị", "943"]]})
    readme = tmp_path / "README.md"
    readme.write_text("# Hướng dẫn\n", encoding="utf-8")
    before = filled.read_bytes()
    for target in (filled, readme, tmp_path / "mau.docx"):
        code, _ = run_cli("template", "--output", str(target))
        assert code == 2, target
    assert filled.read_bytes() == before and readme.read_text(encoding="utf-8") == "# Hướng dẫn\n"
    assert not (tmp_path / "mau.docx").exists()
    # Its own blank template it writes, and writes again.
    code, _ = run_cli("template", "--output", str(tmp_path / "mau.xlsx"))
    assert code == 0 and (tmp_path / "mau.xlsx").is_file()
    code, _ = run_cli("template", "--output", str(tmp_path / "mau.xlsx"))
    assert code == 0


def test_template_per_unit_needs_a_folder(tmp_path):
    from conftest import run_cli

    readme = tmp_path / "README.md"
    readme.write_text("# Hướng dẫn\n", encoding="utf-8")
    for target in (readme, tmp_path / "moi.xlsx"):
        code, _ = run_cli("template", "--per-unit", "--output", str(target))
        assert code == 2, target
    assert readme.read_text(encoding="utf-8") == "# Hướng dẫn\n" and not (tmp_path / "moi.xlsx").exists()


# ---------------------------------------------------------------- 5: a cluster's award gives the cluster's rank

def test_a_cluster_award_is_noted_with_the_rank_in_its_cluster(tmp_path, config):
    import openpyxl
    from test_two_tier import city_rows, codes_in

    from thidua.docx_report import minutes_context
    from thidua.xlsx_report import write_consolidated

    city = Registry(parse_registry(city_rows()))
    a1, a2, a3 = codes_in(city, "Cụm A")[:3]
    b1 = codes_in(city, "Cụm B")[0]
    result = evaluate([commune(a1, score=99), commune(a2, score=95), commune(a3, score=91), commune(b1, score=97)],
                      config, city)
    [leader] = [r for r in result.rankings["xa"] if r.unit_code == a2]
    assert leader.awards == ("CO_XS",) and (leader.rank, leader.cluster_rank) == (3, 2)
    notes = {row["name"]: row["note"] for group in minutes_context(result, config)["votes"] for row in group["rows"]
             if "Cờ thi đua xuất sắc" in group["title"] and "toàn diện" not in group["title"]}
    assert notes["Ủy ban MTTQ Việt Nam xã Số 2"] == "Xếp thứ nhì Cụm A (tạm thời, 3/8 đơn vị của cụm đã báo cáo)"
    assert notes["Ủy ban MTTQ Việt Nam xã Số 9"].startswith("Xếp thứ nhất Cụm B (tạm thời")
    # A Bằng khen counted per cluster is summed up with the cluster's rank in the consolidated workbook too.
    [path] = write_consolidated(result, tmp_path)
    rows = list(openpyxl.load_workbook(path, read_only=True)["BK MTTQ tỉnh - Tập thể"].iter_rows(values_only=True))
    [row] = [r for r in rows if r[1] == "Xã Số 3"]
    assert row[-2:] == ("Xếp hạng 3 Cụm A", "Xếp hạng 3 Cụm A (tạm thời, 3/8 đơn vị của cụm đã báo cáo), 91 điểm")
    # The unit's own feedback gives its place in its cluster beside its place in the province.
    from test_drafts import feedback_summary

    told = feedback_summary(result, tmp_path / "fb", a2)["Xếp hạng của đơn vị"]
    assert "thứ 2 Cụm A (tạm thời, 3/8 đơn vị của cụm đã báo cáo)" in told and "Cờ thi đua xuất sắc" in told


# ---------------------------------------------------------------- 6: the Báo cáo lists the units that sent a file

def test_the_reports_table_lists_the_units_that_sent_a_file_and_says_how_many_did_not(tmp_path, config):
    import docx
    from test_drafts import DOCUMENTS
    from test_two_tier import city_rows, codes_in

    from thidua.docx_report import DocxWriter

    city = Registry(parse_registry(city_rows()))
    a1, a2 = codes_in(city, "Cụm A")[:2]
    rejected = replace(commune(a2), info=replace(commune(a2).info, year=2025))
    result = evaluate([commune(a1, score=95), rejected], config, city)
    [path] = [p for p in DocxWriter(config)(result, tmp_path) if p.name == DOCUMENTS["bao_cao_tong_ket"]]
    document = docx.Document(path)
    [table] = [t for t in document.tables if t.rows[0].cells[0].text == "STT" and t.rows[0].cells[1].text == "Đơn vị"]
    assert [row.cells[1].text for row in table.rows[1:]] == ["Xã Số 1", "Xã Số 2"]
    text = "\n".join(p.text for p in document.paragraphs)
    assert "31/33 đơn vị chưa gửi báo cáo" in text
    # "STT" and three digits fit on one line: 12 pt bold is about 2.2 mm a character, plus the cell's margins.
    stt_mm = table.columns[0].width / 36000
    assert stt_mm >= 13, stt_mm


# ---------------------------------------------------------------- 7: smaller things

def test_the_leadership_mail_counts_the_files_received_and_the_units_counted(tmp_path):
    import email
    import email.policy
    import json

    from conftest import info_rows, make_book, run_cli, run_dirs
    from test_drafts import write_city_batch

    from thidua.names import OUTBOX

    config, registry = write_city_batch(tmp_path)
    # Xã Số 2 sent an earlier file too (replaced), and Xã Số 5 a file of last year (rejected): 5 files, 3 units.
    make_book(tmp_path / "in" / "xa 2 cu.xlsx", {"Thông tin": info_rows(
        code="31002", name="Ủy ban MTTQ Việt Nam xã Số 2", year=2026, communes=None, bctmt=10, score=80,
        date="01/11/2026")})
    make_book(tmp_path / "in" / "xa 5.xlsx", {"Thông tin": info_rows(
        code="31005", name="Ủy ban MTTQ Việt Nam xã Số 5", year=2025, communes=None, bctmt=10, date="01/11/2025")})
    run_cli("run", "--config", str(config), "--registry", str(registry), "--input", str(tmp_path / "in"),
            "--output", str(tmp_path / "out"))
    [folder] = run_dirs(tmp_path / "out")
    files = json.loads((folder / "ket_qua.json").read_text(encoding="utf-8"))["summary"]["files"]
    assert (files["processed"], files["superseded"], files["rejected"]) == (3, 1, 1)
    run_cli("send", str(folder), "--config", str(config), "--registry", str(registry))
    messages = [email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
                for p in (folder / OUTBOX).glob("*.eml")]
    [lead] = [m for m in messages if "dự thảo" in str(m["Subject"])]
    for part in ("plain", "html"):
        body = lead.get_body((part,)).get_content()
        assert "Tệp đã nhận: 5 (3 tệp được tổng hợp, 1 tệp được thay bằng bản gửi sau, 1 tệp bị từ chối)" in body
        assert "Đơn vị đã được tổng hợp: 3/33 đơn vị" in body
        assert "11 tệp" not in body and "Báo cáo đã nhận: 3 tệp" not in body


def test_a_position_that_names_a_ban_cong_tac_mat_tran_says_its_commune(config):
    from test_drafts import decision_rows
    from test_rules import nom
    from test_two_tier import city_rows, codes_in

    city = Registry(parse_registry(city_rows()))
    a1, a2 = codes_in(city, "Cụm A")[:2]
    head = "Trưởng ban công tác Mặt trận thôn Lai Bình"

    def leader(name, **typed):
        return nom(row=5, kind="individual", name=name, level="bctmt", score=95, **typed)

    result = evaluate([commune(a1, [leader("Lê Văn An", position=head)]),
                       commune(a2, [leader("Trần Văn Bình", position="Trưởng ban",
                                           workplace="Ban công tác Mặt trận thôn Lai Bình")])], config, city)
    positions = {row["name"]: row["position"] for row in decision_rows(result, config)}
    assert positions == {"Lê Văn An": f"{head}, xã Số 1",
                         "Trần Văn Bình": "Trưởng Ban công tác Mặt trận thôn Lai Bình, xã Số 2"}


def _depth(text: str) -> int:
    depth = deepest = 0
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        deepest = max(deepest, depth)
    return deepest


def test_a_tie_at_a_clusters_cut_is_told_without_brackets_in_brackets(config):
    from test_drafts import report_lines
    from test_two_tier import city_rows, codes_in, person

    from thidua.docx_report import minutes_context

    city = Registry(parse_registry(city_rows()))
    a, b, c = codes_in(city, "Cụm C")[:3]
    result = evaluate([commune(a, [person("An", 90)]), commune(b, [person("Bình", 88)]),
                       commune(c, [person("Cường", 88)])], config, city)
    lines = [*report_lines(result, config), *minutes_context(result, config)["review_lines"]]
    told = [line for line in lines if "Bình" in line and "đồng xếp thứ 2" in line]
    assert told and all(_depth(line) == 1 for line in told), told
    assert all("chỉ tiêu 2" in line for line in told)


def test_the_quota_sheet_says_a_tie_at_a_clusters_cut_waits_for_the_council(tmp_path, config):
    import openpyxl
    from test_two_tier import city_rows, codes_in, person

    from thidua.xlsx_report import write_consolidated

    city = Registry(parse_registry(city_rows()))
    a, b, c = codes_in(city, "Cụm C")[:3]
    result = evaluate([commune(a, [person("An", 90)]), commune(b, [person("Bình", 88)]),
                       commune(c, [person("Cường", 88)])], config, city)
    [line] = [q for q in result.quotas if q.cluster == "Cụm C" and q.award == "BK_MTTQ_TINH" and q.kind == "individual"
              and q.level == "xa"]
    assert (line.quota, line.submitted, line.proposed, line.tied) == (2, 3, 1, 2)
    [path] = write_consolidated(result, tmp_path)
    rows = list(openpyxl.load_workbook(path, read_only=True)["Chỉ tiêu"].iter_rows(values_only=True))
    [row] = [r for r in rows if r[:3] == ("Cụm C", "Cá nhân", "Cấp xã") and r[5:8] == (2, 3, 1)]
    assert row[-1] == "Chờ Hội đồng xem xét"


# Widths in Times New Roman (Liberation Serif) bold 12 pt, measured once: the council's name and the national motto
# each on one line, and "STT" in one line over three digits.
COUNCIL_MM, MOTTO_MM, STT_MM = 76.8, 87.7, 8.0


def test_the_letterhead_and_the_stt_columns_fit_their_text():
    import docx
    from docx.oxml.ns import qn

    from thidua.cli import ROOT
    from thidua.names import DOCUMENT_TEMPLATES

    def mm(twips) -> float:
        return int(twips) * 25.4 / 1440

    for name in DOCUMENT_TEMPLATES.values():
        if not name.endswith(".docx"):
            continue
        document = docx.Document(ROOT / "templates" / name)
        for table in document.tables:
            grid = [mm(c.get(qn("w:w"))) for c in table._tbl.tblGrid.findall(qn("w:gridCol"))]
            margins = table._tbl.tblPr.find(qn("w:tblCellMar"))
            margin = mm(margins.find(qn("w:left")).get(qn("w:w"))) if margins is not None else 1.9
            first = table.rows[0].cells[0].text
            if "{{ issuer_parent }}" in first:
                assert grid[0] - 2 * margin >= COUNCIL_MM and grid[1] - 2 * margin >= MOTTO_MM, (name, grid)
            elif first == "STT":
                assert grid[0] - 2 * margin >= STT_MM, (name, grid)
