"""Drafts a leadership can sign (SPEC section 9): provisional while units are missing, names and positions as an
official writes them, one achievement one Bằng khen, reasons that name their scope, no empty or false documents.

A small city of 33 communes in three clusters is built inline (tests/test_two_tier.py) and judged with the worked
example's rules.
"""

import json

import docx
import openpyxl
import pytest
from conftest import info_rows, make_book, run_cli, run_dirs
from test_rules import nom, statuses, sub, with_cap
from test_two_tier import EXAMPLE, city_rows, codes_in, commune, person, with_city_clusters

from thidua.cli import ROOT
from thidua.config import load_config
from thidua.evaluate import evaluate
from thidua.names import DOCUMENTS
from thidua.records import ScoreRow
from thidua.registry import Registry, parse_registry


@pytest.fixture(scope="module")
def city_config():
    return load_config(EXAMPLE / "config.toml")


@pytest.fixture(scope="module")
def city() -> Registry:
    return Registry(parse_registry(city_rows()))


# ---------------------------------------------------------------- reasons name their scope

def test_an_over_quota_row_says_whose_quota_it_exceeded(config, registry, city_config, city):
    # Kế Sách: quota(13, 8) = 2 collectives cấp xã; the third is over the unit's own quota.
    rows = [nom(row=5 + i, name=n, score=s) for i, (n, s) in enumerate((("A", 90), ("B", 85), ("C", 80)))]
    result = evaluate([sub(nominations=rows)], config, registry)
    [over] = [n for n in result.nominations if n.status == "over_quota"]
    assert any("Huyện Kế Sách" in r and "chỉ tiêu 2" in r for r in over.reasons)
    a, b = codes_in(city, "Cụm A")[:2]  # quota(8, 8) = 1 place in the cluster
    result = evaluate([commune(a, [person("An", 90)]), commune(b, [person("Bình", 80)])], city_config, city)
    [over] = [n for n in result.nominations if n.status == "over_quota"]
    assert any("Cụm A: chỉ tiêu 1" in r for r in over.reasons)


def test_a_tie_at_a_pooled_cut_names_the_scope_and_the_place_and_is_no_provincial_cap(city_config, city):
    from thidua.docx_report import report_context

    a, b, c = codes_in(city, "Cụm C")[:3]  # quota(13, 8) = 2 places
    result = evaluate([commune(a, [person("An", 90)]), commune(b, [person("Bình", 88)]),
                       commune(c, [person("Cường", 88)])], city_config, city)
    held = [n for n in result.nominations if n.status == "needs_review"]
    assert len(held) == 2 and all(any("Cụm C" in r and "thứ 2" in r for r in n.reasons) for n in held)
    [tie] = [i for i in result.issues if i.code == "tie-at-cutoff" and "Bình" in str(i.params["names"])]
    assert "Cụm C" in str(tie.params["award"])
    text = "\n".join(line for s in report_context(result, city_config)["sections"] for line in s["lines"])
    assert "vượt tổng số" not in text and "Bình" in text


def test_only_a_provincial_cap_is_said_to_exceed_the_provinces_total(config, registry):
    from thidua.docx_report import report_context

    capped = with_cap(config, 1)
    rows = [nom(row=5, name="A", score=90), nom(row=6, name="B", score=85)]
    result = evaluate([sub(nominations=rows)], capped, registry)
    assert dict(statuses(result))["B"] == "needs_review"
    text = "\n".join(line for s in report_context(result, capped)["sections"] for line in s["lines"])
    assert "vượt tổng số" in text


# ---------------------------------------------------------------- provisional while units are missing

def small_city() -> Registry:
    """Three communes in one cluster: a run where every unit reports."""
    return Registry(parse_registry(city_rows()[:4]))


def document_texts(result, config, folder) -> dict[str, str]:
    """Every document of the run, paragraphs and table cells, by file name."""
    from thidua.docx_report import DocxWriter

    texts = {}
    for path in DocxWriter(config)(result, folder):
        document = docx.Document(path)
        cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
        texts[path.name] = "\n".join([p.text for p in document.paragraphs] + cells)
    return texts


def overview_text(result, folder) -> str:
    from thidua.xlsx_report import write_consolidated

    [path] = write_consolidated(result, folder)
    ws = openpyxl.load_workbook(path, read_only=True)["Tổng quan"]
    return "\n".join(str(v) for row in ws.iter_rows(values_only=True) for v in row if v is not None)


def test_while_units_are_missing_every_text_says_the_result_is_provisional(tmp_path, city_config, city):
    from thidua.cli import summary_lines

    a1, a2, a3 = codes_in(city, "Cụm A")[:3]
    b1 = codes_in(city, "Cụm B")[0]
    result = evaluate([commune(a1, score=95), commune(a2, score=90), commune(a3, score=88), commune(b1, score=93),
                       commune("92")], city_config, city)
    summary = json.loads(json.dumps(result.as_json(), default=str))["summary"]
    assert summary["reported"] == {"units": 4, "of": 33}  # the province's own file is not counted
    assert summary["clusters"] == {"Cụm A": {"reported": 3, "of": 8}, "Cụm B": {"reported": 1, "of": 12},
                                   "Cụm C": {"reported": 0, "of": 13}}
    banner = "KẾT QUẢ TẠM THỜI (4/33 đơn vị đã gửi báo cáo)"
    texts = document_texts(result, city_config, tmp_path)
    assert texts and all(banner in text for text in texts.values())
    for name, text in texts.items():
        for line in text.splitlines():
            if "dẫn đầu" in line or "toàn thành phố" in line:
                assert "(tạm thời, " in line, (name, line)
    decision = texts[DOCUMENTS["quyet_dinh"]]
    assert "dẫn đầu Cụm A (tạm thời, 3/8 đơn vị của cụm đã báo cáo)" in decision
    assert banner in "\n".join(summary_lines(result))
    overview = overview_text(result, tmp_path)
    assert banner in overview and "Cụm C" in overview and "Xã Số 33" in overview  # progress, and who has not sent
    book = openpyxl.load_workbook(next(tmp_path.glob("*.xlsx")), read_only=True)
    claims = [str(v) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for v in row
              if isinstance(v, str) and v.startswith("Xếp hạng ") and "toàn" in v]
    assert claims and all("(tạm thời, 4/33 đơn vị của thành phố đã báo cáo)" in v for v in claims)


def test_when_every_unit_has_reported_nothing_says_provisional(tmp_path, city_config):
    from thidua.cli import summary_lines

    city = small_city()
    result = evaluate([commune(u.code, score=90 - i) for i, u in enumerate(city.submitters)], city_config, city)
    assert result.summary()["reported"] == {"units": 3, "of": 3}
    assert result.summary()["clusters"] == {"Cụm A": {"reported": 3, "of": 3}}
    texts = document_texts(result, city_config, tmp_path)
    assert any("dẫn đầu" in text for text in texts.values())
    everything = "\n".join([*texts.values(), *summary_lines(result), overview_text(result, tmp_path)])
    assert "TẠM THỜI" not in everything and "tạm thời" not in everything


# ---------------------------------------------------------------- names, positions and units as an official writes them

def decision_rows(result, config) -> list[dict]:
    from thidua.docx_report import decision_context

    return [row for part in decision_context(result, config)["parts"] for g in part["groups"] for row in g["rows"]]


def test_a_name_typed_in_capitals_is_written_in_title_case_with_a_warning(city_config, city):
    code = codes_in(city, "Cụm A")[0]
    result = evaluate([commune(code, [person("LÊ THỊ  HOA ", 90), person("Trần Văn Bình", 80, row=6)])],
                      city_config, city)
    assert {n.name for n in result.nominations} == {"Lê Thị Hoa", "Trần Văn Bình"}
    [said] = [i for i in result.issues if i.code == "name-case"]
    assert (said.severity, said.row, said.params["written"]) == ("warning", 5, "Lê Thị Hoa")
    assert "Lê Thị Hoa" in {row["name"] for row in decision_rows(result, city_config)}


def test_a_position_that_already_names_the_workplace_is_written_once(city_config, city):
    code = codes_in(city, "Cụm A")[0]  # Ủy ban MTTQ Việt Nam xã Số 1
    rows = [nom(row=5, kind="individual", name="Lê An", level="xa", score=95,
                position="Chủ tịch Ủy ban MTTQ Việt Nam xã Vĩnh Hoàng",
                workplace="Ủy ban MTTQ Việt Nam xã Vĩnh Hoàng"),
            nom(row=6, kind="individual", name="Lê Bình", level="xa", award="BK_TW_MTTQ", score=94,
                position="Phó Chủ tịch Ủy ban MTTQ Việt Nam xã Số 1", workplace="Xã Số 1"),
            nom(row=7, kind="individual", name="Lê Cường", level="xa", award="BK_UBND_TINH", score=93,
                merit_type="dot-xuat", contribution=200_000_000, position="Chủ tịch",
                workplace="Ủy ban MTTQ Việt Nam xã Số 1")]
    result = evaluate([commune(code, rows)], city_config, city)
    assert [i.row for i in result.issues if i.code == "position-repeats-workplace"] == [5, 6]
    from thidua.docx_report import Lists

    lists = Lists.of(result)
    written = {r.name: lists.row(r)["position"] for a in ("BK_MTTQ_TINH", "BK_TW_MTTQ", "BK_UBND_TINH")
               for r in result.recipients(a, "individual")}
    assert written == {"Lê An": "Chủ tịch Ủy ban MTTQ Việt Nam xã Vĩnh Hoàng",
                       "Lê Bình": "Phó Chủ tịch Ủy ban MTTQ Việt Nam xã Số 1",
                       "Lê Cường": "Chủ tịch Ủy ban MTTQ Việt Nam xã Số 1"}


def test_a_ban_cong_tac_mat_tran_in_a_formal_list_says_its_commune(city_config, city):
    a1, a2 = codes_in(city, "Cụm A")[:2]
    same = "Ban công tác Mặt trận thôn Lai Bình"
    rows = [nom(row=5, name=same, level="bctmt", score=90)]
    result = evaluate([commune(a1, rows), commune(a2, [nom(row=5, name=f"{same}, xã Số 2", level="bctmt", score=89)])],
                      city_config, city)
    names = {row["name"] for row in decision_rows(result, city_config)}
    assert {f"{same}, xã Số 1", f"{same}, xã Số 2"} <= names


# ---------------------------------------------------------------- one achievement, one Bằng khen

def test_two_bang_khen_for_one_holder_are_flagged_for_the_council_and_listed_in_the_minutes(tmp_path, city_config,
                                                                                            city):
    from thidua.docx_report import minutes_context

    a1, a2 = codes_in(city, "Cụm A")[:2]
    an_lac = ScoreRow(f"{a1}.xlsx", "Chấm điểm BCTMT", 5, 1, "Ấp An Lạc", 99.0, letters={"score": "C", "name": "B"})
    rows = [nom(row=5, name="Ban công tác Mặt trận ấp An Lạc", level="bctmt", award="BK_MTTQ_TINH", score=95),
            nom(row=6, kind="individual", name="Lê An", level="xa", award="BK_MTTQ_TINH", score=95),
            nom(row=7, kind="individual", name="LÊ AN", level="xa", award="BK_TW_MTTQ", score=95),
            nom(row=8, kind="individual", name="Trần Bình", level="xa", award="BK_MTTQ_TINH", score=90)]
    result = evaluate([commune(a1, rows, bctmt=[an_lac], score=99), commune(a2, score=80)], city_config, city)
    # The commune ranked first holds Cờ thi đua and BK TW: a flag is a title, not a Bằng khen.
    assert [r.awards for r in result.rankings["xa"] if r.unit_code == a1] == [("CO_XSTD", "BK_TW_MTTQ")]
    doubles = [i for i in result.issues if i.code == "double-award"]
    assert {(i.severity, i.unit_code, i.params["name"]) for i in doubles} == {
        ("warning", a1, "Ban công tác Mặt trận ấp An Lạc"), ("warning", a1, "Lê An")}
    assert all(n.status in ("proposed", "needs_review", "over_quota") for n in result.nominations)
    context = minutes_context(result, city_config)
    assert context["double_award_lines"] and any("Lê An" in line for line in context["double_award_lines"])
    assert not any("Trần Bình" in line for line in context["double_award_lines"])
    minutes = document_texts(result, city_config, tmp_path)[DOCUMENTS["bien_ban"]]
    heading = "Trường hợp được đề nghị hai Bằng khen cho cùng một thành tích"
    assert heading in minutes and "Lê An (Xã Số 1)" in minutes.split(heading, 1)[1]


# ---------------------------------------------------------------- no empty or false documents

def report_lines(result, config) -> list[str]:
    from thidua.docx_report import report_context

    return [line for s in report_context(result, config)["sections"] for line in s["lines"]]


def test_a_to_trinh_with_no_case_is_not_written_and_the_summary_says_why(tmp_path, city_config, city):
    from thidua.cli import summary_lines

    code = codes_in(city, "Cụm A")[0]
    result = evaluate([commune(code, [person("Lê An", 90)])], city_config, city)
    assert not result.recipients("BK_UBND_TINH")
    texts = document_texts(result, city_config, tmp_path)
    assert DOCUMENTS["to_trinh_ubnd"] not in texts and DOCUMENTS["quyet_dinh"] in texts
    assert any(DOCUMENTS["to_trinh_ubnd"] in line for line in summary_lines(result))


def test_the_report_counts_units_against_all_and_claims_no_notification_unless_one_was_sent(city_config, city):
    from dataclasses import replace

    a1, a2 = codes_in(city, "Cụm A")[:2]
    late = sub(code=a2, year=2025, self_score=80.0)  # the wrong year: rejected
    result = evaluate([commune(a1), late, commune("92")], city_config, city)
    lines = report_lines(result, city_config)
    assert any("1/33 đơn vị" in line for line in lines)
    assert not any("đã được thông báo" in line or "đã thông báo" in line for line in lines)
    assert result.notified == ()
    told = report_lines(replace(result, notified=(a2,)), city_config)
    assert any("đã thông báo" in line and "Xã Số 2" in line for line in told)


# ---------------------------------------------------------------- feedback workbooks

def feedback_summary(result, folder, code) -> dict[str, str]:
    from thidua.xlsx_report import write_feedback

    folder.mkdir(parents=True, exist_ok=True)
    write_feedback(result, folder)
    path = folder / "PhanHoi" / result.feedback_files[code]
    ws = openpyxl.load_workbook(path, read_only=True)["Tóm tắt"]
    return {str(row[0]): str(row[1]) for row in ws.iter_rows(values_only=True) if row[0] is not None}


def test_feedback_asks_to_fix_rows_only_when_the_unit_has_errors(tmp_path, city_config, city):
    a1, a2, a3 = codes_in(city, "Cụm A")[:3]
    result = evaluate([commune(a1, [person("LÊ AN", 90), person("Trần Bình", 80, row=6)], score=95),
                       commune(a2, [person("Võ Cường", None)], score=90), commune(a3, score=85)], city_config, city)
    warned = feedback_summary(result, tmp_path / "1", a1)  # a name in capitals; a row over the cluster's quota
    assert warned["Lỗi cần sửa"] == "0" and not warned["Việc cần làm"].startswith("Sửa các dòng")
    failed = feedback_summary(result, tmp_path / "2", a2)  # a pooled row without a score
    assert failed["Việc cần làm"].startswith("Sửa các dòng")
    assert feedback_summary(result, tmp_path / "3", a3)["Việc cần làm"].startswith("Không có lỗi")


def test_a_unit_left_unranked_by_a_score_over_the_maximum_is_told_why(tmp_path, city_config, city):
    a1, a2 = codes_in(city, "Cụm A")[:2]
    result = evaluate([commune(a1, score=105), commune(a2, score=90)], city_config, city)
    assert a1 not in {r.unit_code for r in result.rankings["xa"]}
    told = feedback_summary(result, tmp_path, a1)["Xếp hạng của đơn vị"]
    assert "105" in told and "Chưa được xếp hạng" in told


# ---------------------------------------------------------------- the real command on a provisional two-tier batch

def write_city_batch(base) -> tuple:
    """A registry of 33 communes, files from three of them (one name in capitals, a position that names its
    workplace, a Ban công tác Mặt trận ranked and nominated), a config that points at the product's templates."""
    rows = city_rows()
    registry = base / "don_vi.csv"
    registry.write_text("ma_don_vi,ten_don_vi,cap,ma_cap_tren,so_don_vi_cap_xa,so_ban_cong_tac_mat_tran,email,cum_thi_dua\n"
                        + "\n".join(f"{r['ma_don_vi']},{r['ten_don_vi']},{r['cap']},{r.get('ma_cap_tren', '')},,"
                                    f"{r.get('so_ban_cong_tac_mat_tran', '')},,{r.get('cum_thi_dua', '')}" for r in rows)
                        + "\n", encoding="utf-8")
    people = ["STT", "Họ và tên", "Năm sinh", "Chức vụ", "Đơn vị công tác", "Cấp", "Hình thức khen thưởng", "Điểm",
              "Tờ trình", "Biên bản", "Báo cáo thành tích"]
    groups = ["STT", "Tên tập thể", "Cấp", "Hình thức khen thưởng", "Điểm", "Tờ trình", "Biên bản",
              "Báo cáo thành tích"]
    bctmt = ["STT", "Tên Ban công tác Mặt trận", "Điểm"]
    for n, score in enumerate((95, 91, 70), start=1):
        commune_name = f"Ủy ban MTTQ Việt Nam xã Số {n}"
        sheets = {"Thông tin": info_rows(code=f"31{n:03d}", name=commune_name, year=2026, communes=None, bctmt=10,
                                         score=score),
                  "Chấm điểm BCTMT": [bctmt, [1, "Thôn Lai Bình", 100 - n]]}
        if n == 1:
            sheets["Đề nghị cá nhân"] = [people, [1, "LÊ THỊ  HOA ", 1980, f"Chủ tịch {commune_name}", commune_name,
                                                  "Cấp xã", "Bằng khen UBMTTQ tỉnh", 90, "x", "x", "x"]]
            sheets["Đề nghị tập thể"] = [groups, [1, "Ban công tác Mặt trận thôn Lai Bình", "Ban công tác Mặt trận",
                                                  "Bằng khen UBMTTQ tỉnh", 93, "x", "x", "x"]]
        make_book(base / "in" / f"xa {n}.xlsx", sheets)
    config = (EXAMPLE / "config.toml").read_text(encoding="utf-8").replace(
        'templates = "../../templates"', f'templates = "{(ROOT / "templates").as_posix()}"')
    (base / "config.toml").write_text(with_city_clusters(config), encoding="utf-8")
    return base / "config.toml", registry


def test_a_provisional_two_tier_run_writes_drafts_a_leadership_can_sign(tmp_path):
    config, registry = write_city_batch(tmp_path)
    code, text = run_cli("run", "--config", str(config), "--registry", str(registry), "--input", str(tmp_path / "in"),
                         "--output", str(tmp_path / "out"))
    assert code == 0, text
    assert "KẾT QUẢ TẠM THỜI (3/33 đơn vị đã gửi báo cáo)" in text
    [folder] = run_dirs(tmp_path / "out")
    data = json.loads((folder / "ket_qua.json").read_text(encoding="utf-8"))
    assert data["summary"]["reported"] == {"units": 3, "of": 33}
    assert data["summary"]["clusters"]["Cụm A"] == {"reported": 3, "of": 8}
    codes = {i["code"] for i in data["issues"]}
    assert {"name-case", "position-repeats-workplace", "double-award"} <= codes
    decision = docx.Document(folder / "VanBan" / DOCUMENTS["quyet_dinh"])
    cells = [c.text for t in decision.tables for row in t.rows for c in row.cells]
    assert "Lê Thị Hoa" in cells and "Chủ tịch Ủy ban MTTQ Việt Nam xã Số 1" in cells
    assert "Ban công tác Mặt trận thôn Lai Bình, xã Số 1" in cells
    assert not (folder / "VanBan" / DOCUMENTS["to_trinh_ubnd"]).exists()
    assert f"Không lập \"{DOCUMENTS['to_trinh_ubnd']}\"" in text


def test_a_ban_cong_tac_mat_tran_typed_by_its_place_is_named_as_the_plan_writes_it():
    from thidua.terms import bctmt_name

    assert bctmt_name("Thôn Lai Bình") == "Ban công tác Mặt trận thôn Lai Bình"
    assert bctmt_name("Ấp An Lạc") == "Ban công tác Mặt trận ấp An Lạc"
    assert bctmt_name("Khu phố Đông Hòa") == "Ban công tác Mặt trận khu phố Đông Hòa"
    assert bctmt_name("Ấp 5") == "Ban công tác Mặt trận Ấp 5"  # numbered, as "Phường 5"
    assert bctmt_name("Ban công tác Mặt trận Ấp 5") == "Ban công tác Mặt trận Ấp 5"  # a full name stays as typed
