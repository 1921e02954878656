"""Bằng khen on pre-printed blanks: every field's text read back from the PDF, at its configured place to 1 mm."""

from __future__ import annotations

import dataclasses
import datetime as dt
import tomllib
import unicodedata
from pathlib import Path

import pytest
from fpdf import FPDF
from pypdf import PdfReader

from thidua.certificates import FONT_DIR, write_calibration, write_certificates
from thidua.cli import ROOT
from thidua.config import CERTIFICATE_FIELDS, load_config, parse_config
from thidua.errors import ConfigError
from thidua.register import Entry

EXAMPLE = ROOT / "examples" / "can-tho-2026" / "config.toml"
PT = 25.4 / 72
LONG = ("Đã có thành tích xuất sắc trong công tác vận động Quỹ \"Vì người nghèo\", xây dựng 14 căn nhà Đại đoàn kết, "
        "tham gia giám sát, phản biện xã hội, vận động Nhân dân thực hiện Cuộc vận động \"Toàn dân đoàn kết xây dựng "
        "nông thôn mới, đô thị văn minh\" và phong trào \"Toàn dân bảo vệ an ninh Tổ quốc\" năm 2026")


def settings(offset=(0.0, 0.0), **changes):
    s = load_config(EXAMPLE).certificates
    return dataclasses.replace(s, offset=offset, signer_name="Trần Thị Ngọc Hương", **changes)


def entry(number=7, achievement=LONG, **changes) -> Entry:
    values = dict(year=2026, issuer="tinh", number=number, award="BK_MTTQ_TINH", kind="individual", level="xa",
                  recipient="Nguyễn Thị Ánh Tuyết", unit_code="31120", unit_name="Phường Cái Khế",
                  detail="Phó Chủ tịch Ủy ban MTTQ Việt Nam phường Cái Khế", achievement=achievement,
                  decision_number="125/QĐ-MTTQ-BTT", decision_date=dt.date(2026, 12, 20))
    values.update(changes)
    return Entry(**values)


def pieces(path: Path, page: int = 0) -> list[dict]:
    """Each text run on a page: its text (NFC), start x and baseline in mm from the top-left, size, bold."""
    reader = PdfReader(path)
    height = float(reader.pages[page].mediabox.height)
    found = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            found.append({"text": unicodedata.normalize("NFC", text), "x": tm[4] * PT, "baseline": (height - tm[5]) * PT,
                          "size": size, "bold": "Bold" in str(font.get("/BaseFont", "")) if font else False})
    reader.pages[page].extract_text(visitor_text=visit)
    return found


def width(text: str, size: float, bold: bool) -> float:
    pdf = FPDF(unit="mm")
    pdf.add_font("Check", "B" if bold else "", FONT_DIR / ("LiberationSerif-Bold.ttf" if bold else "LiberationSerif-Regular.ttf"))
    pdf.set_font("Check", "B" if bold else "", size)
    return pdf.get_string_width(text)


def in_box(found: list[dict], box, offset) -> list[dict]:
    x, y = box.x + offset[0], box.y + offset[1]
    return [p for p in found if x - 1 <= p["x"] <= x + box.width + 1 and y <= p["baseline"] <= y + box.height + 1]


EXPECTED = {
    "recipient": "Nguyễn Thị Ánh Tuyết",
    "unit": "Phó Chủ tịch Ủy ban MTTQ Việt Nam phường Cái Khế",
    "achievement": LONG,
    "decision": "Số quyết định 125/QĐ-MTTQ-BTT ngày 20/12/2026",
    "register": "Số vào sổ: 7",
    "place_date": "Cần Thơ, ngày 20 tháng 12 năm 2026",
    "signer_title": "TM. BAN THƯỜNG TRỰC CHỦ TỊCH",
    "signer_name": "Trần Thị Ngọc Hương",
}


@pytest.mark.parametrize("offset", [(0.0, 0.0), (3.0, -2.5)])
def test_every_field_is_printed_in_its_box_with_the_offset(tmp_path, offset):
    s = settings(offset)
    printed = write_certificates([entry()], s, tmp_path / "bk.pdf")
    assert printed.pages == 1 and printed.cut == ()
    found = pieces(printed.path)
    assert len(PdfReader(printed.path).pages) == 1
    claimed = []
    for name, expected in EXPECTED.items():
        box = s.fields[name]
        lines = in_box(found, box, offset)
        claimed += lines
        assert " ".join(p["text"] for p in lines) == unicodedata.normalize("NFC", expected), name
        left, top = box.x + offset[0], box.y + offset[1]
        for i, line in enumerate(lines):
            w = width(line["text"], line["size"], box.bold)
            assert line["bold"] == box.bold
            assert left - 1 <= line["x"] and line["x"] + w <= left + box.width + 1, name
            if box.align == "center":
                assert abs(line["x"] + w / 2 - (left + box.width / 2)) <= 1, name
            elif box.align == "left":
                assert abs(line["x"] - left) <= 1, name
            # The documented rule: line i's baseline is (i + 0.8) line heights below the box's top (1.2 x size).
            assert abs(line["baseline"] - (top + (i + 0.8) * 1.2 * line["size"] * PT)) <= 1, name
            assert line["baseline"] <= top + box.height, name
    assert len(claimed) == len(found)  # nothing printed outside the boxes


def test_a_long_achievement_shrinks_to_fit_its_box_and_stays_on_the_page(tmp_path):
    s = settings()
    box = s.fields["achievement"]
    printed = write_certificates([entry(achievement=LONG + ". " + LONG)], s, tmp_path / "bk.pdf")
    assert printed.cut == () and len(PdfReader(printed.path).pages) == 1
    lines = in_box(pieces(printed.path), box, (0, 0))
    assert min(p["size"] for p in lines) < box.size
    assert " ".join(p["text"] for p in lines) == unicodedata.normalize("NFC", LONG + ". " + LONG)


def test_text_too_long_even_at_the_smallest_size_is_cut_inside_the_box_and_reported(tmp_path):
    s = settings()
    box = s.fields["achievement"]
    printed = write_certificates([entry(number=3, achievement=" ".join([LONG] * 8))], s, tmp_path / "bk.pdf")
    assert printed.cut == ((3, CERTIFICATE_FIELDS["achievement"]),)
    assert len(PdfReader(printed.path).pages) == 1
    lines = in_box(pieces(printed.path), box, (0, 0))
    assert lines[-1]["text"].endswith("…") and all(p["size"] == s.min_size for p in lines)
    assert all(p["baseline"] <= box.y + box.height for p in lines)


def test_one_page_per_entry_with_nfd_input_printed_as_nfc(tmp_path):
    nfd = unicodedata.normalize("NFD", "Ủy ban MTTQ Việt Nam xã Vĩnh Thạnh")
    entries = [entry(number=n, recipient=nfd if n == 2 else "Lê Văn Đức", detail="", achievement="Hoàn thành")
               for n in (1, 2, 3)]
    printed = write_certificates(entries, settings(), tmp_path / "bk.pdf")
    assert len(PdfReader(printed.path).pages) == 3
    texts = [p["text"] for p in pieces(printed.path, 1)]
    assert "Ủy ban MTTQ Việt Nam xã Vĩnh Thạnh" in texts and "Số vào sổ: 2" in texts


def test_the_calibration_page_marks_every_box_with_its_name(tmp_path):
    s = settings((2.0, 1.0))
    path = write_calibration(s, tmp_path / "can_chinh.pdf")
    found = pieces(path)
    for name, label in CERTIFICATE_FIELDS.items():
        inside = " ".join(p["text"] for p in in_box(found, s.fields[name], s.offset))
        assert inside.startswith(f"{label} ({name})"), name
    assert any("[2, 1]" in p["text"] for p in found)


def test_the_font_is_embedded_and_carries_vietnamese(tmp_path):
    path = write_certificates([entry()], settings(), tmp_path / "bk.pdf").path
    fonts = PdfReader(path).pages[0]["/Resources"]["/Font"]
    for ref in fonts.values():
        descendant = ref.get_object()["/DescendantFonts"][0].get_object()
        assert "/FontFile2" in descendant["/FontDescriptor"].get_object()
    assert (FONT_DIR / "LICENSE.txt").is_file()


def _data() -> dict:
    return tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))


@pytest.mark.parametrize("edit, key", [
    (lambda d: d["certificates"].update(ofset=[1, 1]), "certificates.ofset"),
    (lambda d: d["certificates"]["fields"]["recipient"].update(widht=100), "certificates.fields.recipient.widht"),
    (lambda d: d["certificates"]["fields"].pop("signer_name"), "certificates.fields.signer_name"),
    (lambda d: d["certificates"].update(paper=[297]), "certificates.paper"),
    (lambda d: d["certificates"]["fields"]["unit"].update(align="giữa"), "certificates.fields.unit.align"),
    (lambda d: d["certificates"].update(signers={"ubdn": {"name": "X"}}), "certificates.signers.ubdn"),
    (lambda d: d["certificates"].update(signers={"tw": {"nam": "X"}}), "certificates.signers.tw.nam"),
])
def test_a_wrong_certificate_setting_is_named(edit, key):
    data = _data()
    edit(data)
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        parse_config(data, EXAMPLE)


def test_a_decision_is_its_number_in_its_year_of_signing_and_revoked_entries_are_not_printed():
    from thidua.certificates import printable

    old = [entry(number=n, year=2025, decision_date=dt.date(2025, 12, 19), recipient=f"Năm trước {n}") for n in (1, 2)]
    new = [entry(number=n, recipient=f"Năm nay {n}") for n in (1, 2, 3)]
    revoking = entry(number=4, revokes=2, decision_number="140/QĐ-MTTQ-BTT", reason="Sai tên")
    flag = entry(number=5, award="CO_XS", recipient="Ủy ban MTTQ Việt Nam xã Vĩnh Thạnh")
    number, chosen = printable([*old, *new, revoking, flag], "125/qđ-mttq-btt", None)
    assert number == "125/QĐ-MTTQ-BTT" and [e.recipient for e in chosen] == ["Năm nay 1", "Năm nay 3"]
    assert [e.recipient for e in printable([*old, *new, revoking, flag], None, None)[1]] == ["Năm nay 1", "Năm nay 3"]
    assert [e.recipient for e in printable([*new, flag], None, "CO_XS")[1]] == ["Ủy ban MTTQ Việt Nam xã Vĩnh Thạnh"]


def test_a_person_is_named_with_ong_or_ba_when_the_gender_is_known(tmp_path):
    entries = [entry(number=1, gender="Nữ"), entry(number=2, recipient="Lê Văn Đức", gender="Nam"),
               entry(number=3, recipient="Phạm Minh", gender=""),
               entry(number=4, recipient="Ban công tác Mặt trận ấp Mỹ Phước", kind="collective", gender="")]
    path = write_certificates(entries, settings(), tmp_path / "bk.pdf").path
    box = settings().fields["recipient"]
    names = [in_box(pieces(path, page), box, (0, 0))[0]["text"] for page in range(4)]
    assert names == ["Bà Nguyễn Thị Ánh Tuyết", "Ông Lê Văn Đức", "Phạm Minh", "Ban công tác Mặt trận ấp Mỹ Phước"]


def test_each_issuer_signs_its_own_bang_khen(tmp_path):
    s = settings()
    entries = [entry(number=1, issuer="ubnd", award="BK_UBND_TINH"), entry(number=2, issuer="tw", award="BK_TW_MTTQ")]
    path = write_certificates(entries, s, tmp_path / "bk.pdf").path
    ubnd, tw = pieces(path, 0), pieces(path, 1)

    def field(found, name):
        return " ".join(p["text"] for p in in_box(found, s.fields[name], (0, 0)))
    assert field(ubnd, "signer_title") == "TM. ỦY BAN NHÂN DÂN CHỦ TỊCH"
    assert field(ubnd, "place_date") == "Cần Thơ, ngày 20 tháng 12 năm 2026"
    assert field(tw, "signer_title") == "TM. BAN THƯỜNG TRỰC CHỦ TỊCH" and field(tw, "signer_name") == ""
    assert field(tw, "place_date") == "Hà Nội, ngày 20 tháng 12 năm 2026"
    assert field(ubnd, "signer_name") == "" and field(pieces(write_certificates(
        [entry()], s, tmp_path / "tinh.pdf").path), "signer_name") == "Trần Thị Ngọc Hương"


def test_a_box_off_the_paper_after_the_offset_is_refused_and_nothing_is_printed(tmp_path):
    s = settings((-50.0, 0.0))
    with pytest.raises(ConfigError) as refused:
        write_certificates([entry()], s, tmp_path / "bk.pdf")
    message = str(refused.value)
    off = [CERTIFICATE_FIELDS[k] for k, b in s.fields.items() if b.x - 50 < 0]
    assert off and all(name in message for name in off) and "-50" in message
    assert not (tmp_path / "bk.pdf").exists()
    tall = settings((0.0, 0.0), paper=(s.paper[0], 100.0))  # the lower boxes fall below the paper's edge
    with pytest.raises(ConfigError):
        write_certificates([entry()], tall, tmp_path / "bk.pdf")
    # The calibration page still prints: it is how the clerk sees where the boxes went.
    assert write_calibration(s, tmp_path / "calibration.pdf").is_file()


@pytest.mark.parametrize("example", ["can-tho-2026", "quang-tri-2026"])
def test_every_example_can_print_its_bang_khen_and_invents_no_signer(example):
    s = load_config(ROOT / "examples" / example / "config.toml").certificates
    assert s is not None and set(s.fields) == set(CERTIFICATE_FIELDS)
    assert s.signer_name == "" and all(signer.name == "" for signer in s.signers.values())
