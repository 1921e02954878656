"""Values as people type them into Excel."""

import datetime as dt
import unicodedata

import pytest

from thidua import terms
from thidua.text import ParseError, clean, lookup, match_label, parse_date, parse_mark, parse_money, parse_number, safe_filename


@pytest.mark.parametrize("typed, value", [
    ("87,5", 87.5), ("87.5", 87.5), (" 90 ", 90.0), (87.5, 87.5), (90, 90.0), ("", None), (None, None),
])
def test_scores(typed, value):
    assert parse_number(typed) == value


@pytest.mark.parametrize("typed", ["tám mươi", "87,5,1", "87.5.1"])
def test_unreadable_scores(typed):
    with pytest.raises(ParseError):
        parse_number(typed)


@pytest.mark.parametrize("typed, value", [
    ("100.000.000", 100_000_000), ("100,000,000", 100_000_000), ("100 000 000", 100_000_000),
    ("100 triệu", 100_000_000), ("0,1 tỷ", 100_000_000), ("1,5 tỷ", 1_500_000_000), (150000000, 150_000_000),
    ("120.000.000 đồng", 120_000_000), ("80 triệu đồng", 80_000_000), ("1.250.000,5", 1_250_001),
])
def test_money(typed, value):
    assert parse_money(typed) == value


@pytest.mark.parametrize("typed", ["x", "X", "có", "Có", "đủ", "1", "✓", 1, True])
def test_dossier_marks_present(typed):
    assert parse_mark(typed) is True


@pytest.mark.parametrize("typed", ["", None, "không", "thiếu", 0, "chưa"])
def test_dossier_marks_missing(typed):
    assert parse_mark(typed) is False


def test_labels_match_in_nfd_with_odd_spaces_and_case():
    nfd = unicodedata.normalize("NFD", "Hình thức\u00a0 khen THƯỞNG")
    assert match_label(nfd, ["Hình thức khen thưởng"]) == 0


def test_labels_match_without_diacritics_only_as_a_fallback():
    assert match_label("Ho va ten", ["Họ và tên"]) == 0
    assert match_label("Điểm", ["Diem", "Điểm"]) == 1  # an exact match wins over a loose one


def test_levels_and_awards_in_short_and_long_forms():
    assert lookup("Cấp xã", terms.LEVEL_SPELLINGS) == "xa"
    assert lookup("BCTMT", terms.LEVEL_SPELLINGS) == "bctmt"
    assert lookup("tỉnh", terms.LEVEL_SPELLINGS) == "tinh"
    assert lookup("Bằng khen Ủy ban nhân dân tỉnh", terms.AWARD_SPELLINGS) == "BK_UBND_TINH"
    assert lookup("bang khen uy ban mttq viet nam tinh", terms.AWARD_SPELLINGS) == "BK_MTTQ_TINH"
    assert lookup("BK_TW_MTTQ", terms.AWARD_SPELLINGS) == "BK_TW_MTTQ"
    assert lookup("Giấy khen", terms.AWARD_SPELLINGS) is None


def test_dates_from_excel_and_text():
    assert parse_date("05/12/2023") == dt.date(2023, 12, 5)
    assert parse_date(dt.datetime(2023, 12, 5, 8, 30)) == dt.date(2023, 12, 5)
    assert parse_date(45265) == dt.date(2023, 12, 5)  # Excel serial number
    with pytest.raises(ParseError):
        parse_date("31/02/2023")


def test_clean_removes_zero_width_and_normalises():
    assert clean("\u200bNguyễn\u00a0 Văn  An ") == "Nguyễn Văn An"
    assert clean(unicodedata.normalize("NFD", "Kế Sách")) == "Kế Sách"
    assert clean(943.0) == "943"


@pytest.mark.parametrize("name", ["CON", "Huyện A/B", 'Xã "C"?', "a" * 300, " . "])
def test_file_names_are_safe_on_windows(name):
    safe = safe_filename(name)
    assert safe and not set('<>:"/\\|?*') & set(safe)
    assert safe.split(".")[0].upper() not in {"CON", "PRN", "AUX", "NUL"}
    assert len(safe) <= 120


def test_gender_and_unit_type_spellings_never_borrow_each_others_table():
    from thidua import schema
    from thidua.workbook import _parse

    column = {c.field: c for c in schema.INDIVIDUAL.columns}["gender"]
    kind = {c.field: c for c in schema.COMMUNE_SCORES.columns}["unit_type"]
    at = ("f.xlsx", "s", "A", 1)
    for _ in range(200):  # many calls, as over a whole sheet
        assert _parse(column, "nữ", at)[0] == "Nữ"
        assert _parse(kind, "phường", at)[0] == "Phường"
        assert _parse(kind, "Xa", at)[0] == "Xã"
