"""The Word documents read back: every list holds exactly the names of ket_qua.json, in the official layout."""

import datetime as dt
import shutil
import zipfile
from collections import Counter

import docx
import pytest
from conftest import info_rows, make_book, run_cli, run_dirs

from thidua.cli import ROOT
from thidua.collation import person_key
from thidua.docx_layout import build_all
from thidua.docx_report import in_words, vietnamese_date
from thidua.names import DOCS_DIR, DOCUMENT_TEMPLATES, DOCUMENTS
from thidua.terms import with_commune

NAME_HEADERS = {"Họ và tên", "Tên tập thể", "Tên tập thể, cá nhân"}


def list_tables(path):
    """(header of the name column, [names]) for every list table of a document."""
    found = []
    for table in docx.Document(path).tables:
        header = [c.text for c in table.rows[0].cells]
        if header and header[0] == "STT" and header[1] in NAME_HEADERS:
            found.append((header[1], [row.cells[1].text for row in table.rows[1:]]))
    return found


def names_in(path) -> Counter:
    return Counter(name for _, names in list_tables(path) for name in names)


def text_of(path) -> str:
    document = docx.Document(path)
    return "\n".join(p.text for p in document.paragraphs)


@pytest.fixture(scope="module")
def documents(sample_run):
    folder, data = sample_run[3], sample_run[4]
    return folder / DOCS_DIR, data


def proposed(data, award, kind=None):
    return [n for n in data["nominations"] if n["status"] == "proposed" and n["award"] == award
            and (kind is None or n["kind"] == kind)]


def ranked(data, award, rankings=("huyen", "xa", "bctmt")):
    """The committees ranked into an award, named as the documents name them (a Ban công tác Mặt trận with its
    commune)."""
    return [with_commune(r["committee"], r["parent"]) if k == "bctmt" else r["committee"]
            for k in rankings for r in data["rankings"][k] if award in r["awards"]]


def test_all_final_round_documents_are_written(documents):
    folder, _ = documents
    assert sorted(p.name for p in folder.iterdir()) == sorted(DOCUMENTS[k] for k in
                                                              ("to_trinh_ubnd", "to_trinh_tw", "quyet_dinh",
                                                               "bao_cao_tong_ket", "bien_ban", "bao_cao_cham_diem"))


def test_ubnd_list_equals_the_proposed_bang_khen_ubnd(documents):
    folder, data = documents
    path = folder / DOCUMENTS["to_trinh_ubnd"]
    expected = proposed(data, "BK_UBND_TINH")
    assert names_in(path) == Counter(n["name"] for n in expected)
    groups = sum(n["kind"] == "collective" for n in expected)
    assert in_words(groups, "tập thể") in text_of(path)


def test_tw_list_equals_ranked_units_and_nominated_people(documents):
    folder, data = documents
    expected = ranked(data, "BK_TW_MTTQ") + [n["name"] for n in proposed(data, "BK_TW_MTTQ")]
    assert names_in(folder / DOCUMENTS["to_trinh_tw"]) == Counter(expected)


def test_decision_lists_flags_and_bang_khen_of_the_province(documents):
    folder, data = documents
    expected = (ranked(data, "CO_XSTD", ("huyen",)) + ranked(data, "CO_XS", ("huyen",))
                + ranked(data, "BK_MTTQ_TINH", ("huyen",)) + [n["name"] for n in proposed(data, "BK_MTTQ_TINH")])
    path = folder / DOCUMENTS["quyet_dinh"]
    assert names_in(path) == Counter(expected)
    people = len(proposed(data, "BK_MTTQ_TINH", "individual"))
    assert in_words(people, "cá nhân") in text_of(path)


def test_people_are_in_vietnamese_alphabetical_order_by_given_name(documents):
    folder, _ = documents
    checked = 0
    for path in folder.glob("*.docx"):
        for header, names in list_tables(path):
            if header == "Họ và tên":
                assert names == sorted(names, key=person_key), path.name
                checked += 1
    assert checked >= 3


def test_layout_follows_decree_30(documents):
    folder, _ = documents
    document = docx.Document(folder / DOCUMENTS["to_trinh_ubnd"])
    first, lists = document.sections[0], document.sections[-1]
    assert (round(first.page_width.mm), round(first.page_height.mm)) == (210, 297)
    assert 20 <= round(first.top_margin.mm) <= 25 and 30 <= round(first.left_margin.mm) <= 35
    assert 15 <= round(first.right_margin.mm) <= 20
    assert lists.page_width > lists.page_height  # the list is a landscape section
    assert first.different_first_page_header_footer  # page numbers from page 2
    assert document.styles["Normal"].font.name == "Times New Roman"
    texts = [p.text for p in document.paragraphs]
    assert any(t.startswith("Sóc Trăng, ngày ") for t in document.tables[0].rows[0].cells[1].paragraphs
               for t in [t.text])
    assert "TỜ TRÌNH" in texts


def test_committed_templates_equal_the_generated_ones(tmp_path):
    build_all(tmp_path)
    for name in DOCUMENT_TEMPLATES.values():
        with zipfile.ZipFile(tmp_path / name) as fresh, zipfile.ZipFile(ROOT / "templates" / name) as committed:
            for part in fresh.namelist():
                if part == "docProps/core.xml":
                    continue  # creation time
                assert fresh.read(part) == committed.read(part), (name, part)


def test_dates_and_numbers_in_words():
    assert vietnamese_date(dt.date(2023, 12, 5), "Sóc Trăng") == "Sóc Trăng, ngày 05 tháng 12 năm 2023"
    assert vietnamese_date(dt.date(2024, 2, 15)) == "ngày 15 tháng 02 năm 2024"
    assert vietnamese_date(dt.date(2024, 3, 1)) == "ngày 01 tháng 3 năm 2024"
    assert in_words(36, "tập thể") == "36 (ba mươi sáu) tập thể"
    assert in_words(3, "cá nhân") == "03 (ba) cá nhân"


def test_text_with_markup_characters_is_written_as_is(tmp_path):
    make_book(tmp_path / "in" / "a.xlsx", {
        "Thông tin": info_rows(code="94", name="Ủy ban MTTQ Việt Nam tỉnh Sóc Trăng"),
        "Đề nghị tập thể": [["Tên tập thể", "Cấp", "Hình thức khen thưởng", "Loại khen", "Tóm tắt thành tích",
                             "Tờ trình", "Biên bản", "Báo cáo thành tích"],
                            ["Công ty <A & B> {{ x }}", "Cấp tỉnh", "BK_UBND_TINH", "Chuyên đề", "Hỗ trợ 5 < 6 & 7",
                             "x", "x", "x"]],
    })
    code, _ = run_cli("run", "--input", str(tmp_path / "in"), "--output", str(tmp_path / "out"))
    [folder] = run_dirs(tmp_path / "out")
    path = folder / DOCS_DIR / DOCUMENTS["to_trinh_ubnd"]
    assert names_in(path) == Counter(["Công ty <A & B> {{ x }}"])


def test_mid_year_round_writes_the_so_ket_report(tmp_path, sample_run):
    config = (ROOT / "config.toml").read_text(encoding="utf-8").replace('round = "tong-ket"', 'round = "so-ket"')
    for folder in ("data", "templates"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    (tmp_path / "config.toml").write_text(config, encoding="utf-8")
    code, _ = run_cli("run", "--config", str(tmp_path / "config.toml"), "--input", str(sample_run[0] / "input"),
                      "--output", str(tmp_path / "out"))
    [folder] = run_dirs(tmp_path / "out")
    report, scoring = sorted((folder / DOCS_DIR).iterdir(), key=lambda p: p.name != DOCUMENTS["bao_cao_so_ket"])
    assert scoring.name == DOCUMENTS["bao_cao_cham_diem"]  # with a criteria table, in either round
    assert report.name == DOCUMENTS["bao_cao_so_ket"]
    text = text_of(report)
    assert "Sơ kết công tác thi đua, khen thưởng 6 tháng đầu năm 2023" in text
    units = [t for t in docx.Document(report).tables if t.rows[0].cells[0].text == "STT"][0]
    assert len(units.rows) == 1 + 11
