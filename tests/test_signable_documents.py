"""The Word documents read as an office of the Front reads them before signing (python-docx, the sample run)."""

import re

import docx
import pytest
from conftest import run_dirs
from test_documents import list_tables, text_of

from thidua.docx_report import in_words, number_words
from thidua.names import DOCS_DIR, DOCUMENTS

FRONT = "Ủy ban MTTQ Việt Nam"


@pytest.fixture(scope="module")
def folder(sample_run):
    return sample_run[3] / DOCS_DIR


def doc(folder, key):
    return docx.Document(folder / DOCUMENTS[key])


def cells(document):
    return [c.text for t in document.tables for row in t.rows for c in row.cells]


def letterhead(document):
    """The issuing body's lines (left cell of the first table) and whether each is bold."""
    left = document.tables[0].rows[0].cells[0]
    return [(p.text, all(r.bold for r in p.runs)) for p in left.paragraphs if p.text and not p.text.startswith("Số:")]


@pytest.mark.parametrize("number, words", [
    (1000, "một nghìn"), (1005, "một nghìn không trăm lẻ năm"), (1024, "một nghìn không trăm hai mươi bốn"),
    (1100, "một nghìn một trăm"), (10050, "mười nghìn không trăm năm mươi"), (100000, "một trăm nghìn"),
    (36, "ba mươi sáu"), (105, "một trăm lẻ năm"),
])
def test_numbers_in_words_as_an_official_document_writes_them(number, words):
    assert number_words(number) == words
    assert in_words(number, "cá nhân") == f"{number:02d} ({words}) cá nhân"


@pytest.mark.parametrize("key", ["to_trinh_ubnd", "to_trinh_tw", "quyet_dinh", "bao_cao_tong_ket"])
def test_the_letterhead_names_the_body_that_signs(folder, key):
    assert letterhead(doc(folder, key)) == [("ỦY BAN MTTQ VIỆT NAM", False), ("TỈNH SÓC TRĂNG", False),
                                            ("BAN THƯỜNG TRỰC", True)]
    assert "TM. BAN THƯỜNG TRỰC" in "\n".join(cells(doc(folder, key)))


def test_the_minutes_are_the_councils_and_marked_as_a_draft(folder):
    document = doc(folder, "bien_ban")
    assert letterhead(document)[-1] == ("HỘI ĐỒNG THI ĐUA - KHEN THƯỞNG", True)
    paragraphs = [p.text for p in document.paragraphs]
    assert paragraphs[0] == "DỰ THẢO"
    subject = paragraphs[paragraphs.index("BIÊN BẢN") + 1]
    assert subject == "Họp Hội đồng Thi đua - Khen thưởng Ủy ban MTTQ Việt Nam tỉnh Sóc Trăng"
    assert any(p.startswith("Kết quả biểu quyết:") for p in paragraphs)
    assert any(p.startswith("Kết luận:") for p in paragraphs)


def test_flags_and_ranked_awards_name_the_committee_not_the_place(folder, sample_run):
    data = sample_run[4]
    ranked = {r["name"]: r["committee"] for k in data["rankings"].values() for r in k if r["awards"]}
    assert ranked["Huyện Mỹ Tú"] == "Ủy ban MTTQ Việt Nam huyện Mỹ Tú"
    assert ranked["Thị trấn Kế Sách"] == "Ủy ban MTTQ Việt Nam thị trấn Kế Sách"
    decision = text_of(folder / DOCUMENTS["quyet_dinh"])
    article_1 = next(line for line in decision.splitlines() if line.startswith("Điều 1."))
    assert "Cờ thi đua xuất sắc toàn diện: Ủy ban MTTQ Việt Nam huyện Mỹ Tú" in article_1
    for key in ("to_trinh_tw", "quyet_dinh", "bien_ban"):
        names = {n for _, listed in list_tables(folder / DOCUMENTS[key]) for n in listed}
        for place, committee in ranked.items():
            assert place == committee or place not in names, (key, place)  # a BCTMT's name is already its body
        assert {c for c in ranked.values() if c in names}, key
    minutes = {n for _, listed in list_tables(folder / DOCUMENTS["bien_ban"]) for n in listed}
    assert "Ủy ban MTTQ Việt Nam Phường 5" in minutes  # a numbered unit keeps its capital


def test_the_decisions_grounds_are_italic_and_its_articles_in_order(folder):
    document = doc(folder, "quyet_dinh")
    paragraphs = document.paragraphs
    grounds = [p for p in paragraphs if p.text.startswith(("Căn cứ", "Xét đề nghị"))]
    assert len(grounds) == 3 and all(all(r.italic for r in p.runs) for p in grounds)
    assert grounds[-1].text.endswith(".") and grounds[1].text.startswith("Căn cứ Kế hoạch số …/KH-MTTQ-BTT ngày …/…/2023")
    articles = [p.text for p in paragraphs if re.match(r"Điều \d+\.", p.text)]
    assert articles[-2] == "Điều 3. Quyết định này có hiệu lực kể từ ngày ký."
    assert "Ủy ban MTTQ Việt Nam các huyện, thị xã, thành phố" in articles[-1]
    assert "- Như Điều 4;" in "\n".join(cells(document))


def test_no_document_sends_to_a_standing_committee_that_is_not_the_ban_thuong_truc(folder):
    for path in folder.glob("*.docx"):
        text = "\n".join(cells(docx.Document(path)))
        assert "- Thường trực" not in text, path.name


def test_the_summary_report_goes_to_the_council_and_names_its_cases(folder, sample_run):
    document = doc(folder, "bao_cao_tong_ket")
    recipients = next(c for c in cells(document) if c.startswith("Nơi nhận:"))
    assert "Hội đồng Thi đua - Khen thưởng" in recipients
    assert "Trung ương" not in recipients and "Tỉnh ủy" not in recipients
    incomplete = [n for n in sample_run[4]["nominations"] if n["status"] == "incomplete_dossier"]
    line = next(p.text for p in document.paragraphs if "còn thiếu hồ sơ" in p.text)
    assert line.startswith(in_words(len(incomplete), "trường hợp"))
    for n in incomplete:
        assert n["name"] in line


def test_the_units_table_partitions_each_units_cases(folder, sample_run):
    document = doc(folder, "bao_cao_tong_ket")
    table = next(t for t in document.tables if t.rows[0].cells[0].text == "STT")
    header = [c.text for c in table.rows[0].cells]
    assert header == ["STT", "Đơn vị", "Điểm", "Xếp thứ", "Số trường hợp đề nghị", "Đưa vào danh sách",
                      "Vượt số lượng", "Chưa đủ tiêu chuẩn, thiếu hồ sơ", "Chờ Hội đồng xem xét"]
    rows = [[c.text for c in row.cells] for row in table.rows[1:]]
    assert len(rows) == 11
    for row in rows:
        submitted, *parts = (int(x) for x in row[4:])
        assert submitted == sum(parts), row
    assert sum(int(r[4]) for r in rows) == sum(n["unit_code"] != "94" for n in sample_run[4]["nominations"])


def test_no_document_says_hang_for_a_place(folder):
    for path in folder.glob("*.docx"):
        headers = [c.text for t in docx.Document(path).tables for c in t.rows[0].cells]
        assert "Hạng" not in headers, path.name


def test_position_and_workplace_read_as_one_phrase(folder):
    for path in folder.glob("*.docx"):
        for text in cells(docx.Document(path)):
            assert f"{FRONT}, {FRONT}" not in text and text.count(FRONT) <= 1 or "Nơi nhận" in text or \
                text.startswith(("ỦY BAN", "Điều")), (path.name, text)
            assert "Ban công tác Mặt trận, Ban công tác Mặt trận" not in text, path.name
    people = [row for header, names in list_tables(folder / DOCUMENTS["to_trinh_tw"]) if header == "Họ và tên"
              for row in names]
    assert people
    tw = docx.Document(folder / DOCUMENTS["to_trinh_tw"])
    positions = [row.cells[2].text for t in tw.tables if t.rows[0].cells[1].text == "Họ và tên" for row in t.rows[1:]]
    assert "Chủ tịch Ủy ban MTTQ Việt Nam thị xã Vĩnh Châu" in positions


def test_the_peoples_committee_list_has_no_empty_score_column(folder):
    document = doc(folder, "to_trinh_ubnd")
    for table in document.tables:
        header = [c.text for c in table.rows[0].cells]
        if header[0] == "STT":
            assert "Điểm" not in header


def test_ranked_achievements_are_in_the_plans_words(folder):
    text = "\n".join(cells(doc(folder, "to_trinh_tw")))
    assert "Xếp thứ nhất trong thực hiện kế hoạch thi đua, khen thưởng năm 2023 (khối Ủy ban MTTQ cấp huyện)" in text
    assert "Xếp hạng" not in text


# ---------------------------------------------------------------- the same, for a city on the 2025 map

@pytest.fixture(scope="module")
def city_run(tmp_path_factory):
    """The worked example of Thành phố Cần Thơ: sample, then run, with the example's own config."""
    from conftest import run_cli

    from thidua.cli import ROOT

    base = tmp_path_factory.mktemp("city")
    config = str(ROOT / "examples" / "can-tho-2026" / "config.toml")
    assert run_cli("--config", config, "sample", "--output", str(base / "in"))[0] == 0
    code, text = run_cli("run", "--config", config, "--input", str(base / "in"), "--output", str(base / "out"))
    assert code == 0, text
    [folder] = run_dirs(base / "out")
    return folder


def test_a_citys_documents_name_the_city_its_communes_and_clusters(city_run):
    folder = city_run / DOCS_DIR
    for key in ("to_trinh_ubnd", "to_trinh_tw", "quyet_dinh", "bao_cao_tong_ket"):
        document = doc(folder, key)
        assert letterhead(document) == [("ỦY BAN MTTQ VIỆT NAM", False), ("THÀNH PHỐ CẦN THƠ", False),
                                        ("BAN THƯỜNG TRỰC", True)]
        text = text_of(folder / DOCUMENTS[key]) + "\n".join(cells(document))
        assert "huyện" not in text.replace("Ủy ban MTTQ Việt Nam các xã", ""), key
        assert "Cần Thơ, ngày … tháng … năm 2026" in text
    decision = text_of(folder / DOCUMENTS["quyet_dinh"])
    assert "Ủy ban MTTQ Việt Nam các xã, phường, đặc khu" in decision
    assert "Bằng khen của Ủy ban MTTQ Việt Nam thành phố Cần Thơ" in decision
    names = {n for _, listed in list_tables(folder / DOCUMENTS["quyet_dinh"]) for n in listed}
    assert "Ủy ban MTTQ Việt Nam phường Cái Khế" in names
    tw = "\n".join(cells(doc(folder, "to_trinh_tw")))
    assert re.search(r"Đơn vị dẫn đầu Cụm thi đua số \d+ trong thực hiện kế hoạch thi đua, khen thưởng năm 2026", tw)
    assert "toàn thành phố" in tw and "toàn tỉnh" not in tw
    ubnd = text_of(folder / DOCUMENTS["to_trinh_ubnd"])
    assert "Chủ tịch Ủy ban nhân dân thành phố" in ubnd and "Ủy ban nhân dân tỉnh" not in ubnd


def test_a_citys_units_table_partitions_each_communes_cases(city_run):
    table = next(t for t in doc(city_run / DOCS_DIR, "bao_cao_tong_ket").tables if t.rows[0].cells[0].text == "STT")
    rows = [[c.text for c in row.cells] for row in table.rows[1:]]
    assert len(rows) == 103
    for row in rows:
        submitted, *parts = (int(x) for x in row[4:])
        assert submitted == sum(parts), row
