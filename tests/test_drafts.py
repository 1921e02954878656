"""Drafts a leadership can sign (SPEC section 9): provisional while units are missing, names and positions as an
official writes them, one achievement one Bằng khen, reasons that name their scope, no empty or false documents.

A small city of 33 communes in three clusters is built inline (tests/test_two_tier.py) and judged with the worked
example's rules.
"""

import json

import docx
import openpyxl
import pytest
from test_rules import nom, statuses, sub, with_cap
from test_two_tier import EXAMPLE, city_rows, codes_in, commune, person

from thidua.config import load_config
from thidua.evaluate import evaluate
from thidua.names import DOCUMENTS
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

    a1, a2 = codes_in(city, "Cụm A")[:2]
    b1 = codes_in(city, "Cụm B")[0]
    result = evaluate([commune(a1, score=95), commune(a2, score=90), commune(b1, score=93),
                       commune("92")], city_config, city)
    summary = json.loads(json.dumps(result.as_json(), default=str))["summary"]
    assert summary["reported"] == {"units": 3, "of": 33}  # the province's own file is not counted
    assert summary["clusters"] == {"Cụm A": {"reported": 2, "of": 8}, "Cụm B": {"reported": 1, "of": 12},
                                   "Cụm C": {"reported": 0, "of": 13}}
    banner = "KẾT QUẢ TẠM THỜI (3/33 đơn vị đã gửi báo cáo)"
    texts = document_texts(result, city_config, tmp_path)
    assert texts and all(banner in text for text in texts.values())
    for name, text in texts.items():
        for line in text.splitlines():
            if "dẫn đầu" in line or "toàn thành phố" in line:
                assert "(tạm thời, " in line, (name, line)
    decision = texts[DOCUMENTS["quyet_dinh"]]
    assert "dẫn đầu Cụm A (tạm thời, 2/8 đơn vị của cụm đã báo cáo)" in decision
    assert banner in "\n".join(summary_lines(result))
    overview = overview_text(result, tmp_path)
    assert banner in overview and "Cụm C" in overview and "Xã Số 33" in overview  # progress, and who has not sent


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
