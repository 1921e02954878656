"""What a clerk trial on a two-tier province found in the documents, counts and mails (SPEC section 9): a unit
whose file was rejected has sent one and is told why; no zero counts on paper; the province is never missing;
dossier lines name only the awards that need one; one count of units everywhere.

The city of 33 communes in three clusters is built inline (tests/test_two_tier.py).
"""

import email
import email.policy
import json
from dataclasses import replace

import openpyxl
import pytest
from conftest import make_book, run_cli, run_dirs
from test_drafts import feedback_summary, overview_text, report_lines, write_city_batch
from test_two_tier import EXAMPLE, city_rows, codes_in, commune, person

from thidua.config import load_config
from thidua.evaluate import evaluate
from thidua.names import OUTBOX
from thidua.records import Submission
from thidua.registry import Registry, parse_registry


@pytest.fixture(scope="module")
def city_config():
    return load_config(EXAMPLE / "config.toml")


@pytest.fixture(scope="module")
def city() -> Registry:
    return Registry(parse_registry(city_rows()))


def bad_code(code: str, name: str):
    """A commune's file with a code the registry does not know, its Đơn vị naming the commune."""
    sub = commune(code)
    return replace(sub, file="sai ma.xlsx", info=replace(sub.info, unit_name=name))


# ---------------------------------------------------------------- 3: a rejected file was sent

def test_a_unit_whose_only_file_was_rejected_is_not_missing_and_gets_its_feedback(tmp_path, city_config, city):
    from thidua.cli import summary_lines
    from thidua.xlsx_report import write_consolidated

    a1, a2 = codes_in(city, "Cụm A")[:2]
    result = evaluate([commune(a1), bad_code("3100", "Ủy ban MTTQ Việt Nam xã Số 2")], city_config, city)
    summary = result.summary()
    assert "Xã Số 2" not in summary["units_missing"] and summary["units_rejected"] == ["Xã Số 2"]
    assert not [i for i in result.issues if i.code == "missing-submission" and i.unit_code == a2]
    view = result.for_unit(a2)
    assert [i.file for i in view.inputs] == ["sai ma.xlsx"]
    assert [i.code for i in view.issues if i.severity == "error"] == ["unknown-unit"]
    assert view.summary()["must_fix"]
    told = feedback_summary(result, tmp_path / "fb", a2)
    assert "sai ma.xlsx" in told["Tệp đã nhận"] and "gửi lại" in told["Việc cần làm"]
    for text in (*report_lines(result, city_config), *summary_lines(result)):
        if "Chưa" in text and "gửi" in text or "Chưa nhận" in text:
            assert "Xã Số 2" not in text, text
    assert any("tệp bị từ chối" in t and "Xã Số 2" in t for t in report_lines(result, city_config))
    assert any("tệp bị từ chối" in t and "Xã Số 2" in t for t in summary_lines(result))
    overview = overview_text(result, tmp_path)
    assert "Đơn vị đã gửi nhưng tệp bị từ chối" in overview
    [path] = write_consolidated(result, tmp_path)
    rows = list(openpyxl.load_workbook(path, read_only=True)["Nguồn"].iter_rows(values_only=True))
    [row] = [r for r in rows if r[0] == "sai ma.xlsx"]
    assert row[1] == "Ủy ban MTTQ Việt Nam xã Số 2" and row[2] == "3100"


def test_a_file_of_the_wrong_year_is_sent_not_missing_and_an_unreadable_one_names_nobody(city_config, city):
    a1, a2, a3 = codes_in(city, "Cụm A")[:3]
    late = replace(commune(a2), info=replace(commune(a2).info, year=2025))
    unreadable = Submission("hong.xlsx", "0", 0.0, readable=False)
    result = evaluate([commune(a1), late, unreadable], city_config, city)
    assert result.summary()["units_rejected"] == ["Xã Số 2"]
    assert "Xã Số 3" in result.summary()["units_missing"]  # nothing says whose the file is
    assert [u.code for u in result.missing("Cụm A")][:1] == [a3]


def test_a_file_naming_one_unit_under_anothers_code_was_sent_by_the_unit_it_names(city_config, city):
    a1, a2 = codes_in(city, "Cụm A")[:2]
    forged = bad_code(a1, "Ủy ban MTTQ Việt Nam xã Số 2")  # Xã Số 2's file carrying Xã Số 1's code
    result = evaluate([commune(a1), forged], city_config, city)
    assert {i.file: i.status for i in result.inputs} == {f"{a1}.xlsx": "processed", "sai ma.xlsx": "rejected"}
    assert result.summary()["units_rejected"] == ["Xã Số 2"] and "Xã Số 2" not in result.summary()["units_missing"]
    view = result.for_unit(a2)
    assert [i.file for i in view.inputs] == ["sai ma.xlsx"] and "unit-mismatch" in {i.code for i in view.issues}


def test_a_rejected_file_of_a_named_unit_is_superseded_by_its_later_good_file(city_config, city):
    import datetime as dt

    a2 = codes_in(city, "Cụm A")[1]
    old = replace(bad_code("3100", "Ủy ban MTTQ Việt Nam xã Số 2"), info=replace(
        bad_code("3100", "Ủy ban MTTQ Việt Nam xã Số 2").info, date=dt.date(2026, 11, 1)))
    new = replace(commune(a2), info=replace(commune(a2).info, date=dt.date(2026, 11, 20)))
    result = evaluate([old, new], city_config, city)
    assert {i.file: i.status for i in result.inputs} == {"sai ma.xlsx": "superseded", f"{a2}.xlsx": "processed"}
    assert result.for_unit(a2).summary()["errors"] == 0


def test_the_real_command_mails_the_unit_whose_file_was_rejected(tmp_path):
    config, registry = write_city_batch(tmp_path)
    registry.write_text(registry.read_text(encoding="utf-8").replace(
        "31005,Ủy ban MTTQ Việt Nam xã Số 5,xa,92,,10,,", "31005,Ủy ban MTTQ Việt Nam xã Số 5,xa,92,,10,xaso5@example.vn,"),
        encoding="utf-8")
    make_book(tmp_path / "in" / "xa 5.xlsx", {"Thông tin": [
        ["Thông tin", "Nội dung"], ["Đơn vị", "Ủy ban MTTQ Việt Nam xã Số 5"], ["Mã đơn vị", "3105"], ["Năm", 2026],
        ["Đợt", "Tổng kết"], ["Điểm tự chấm", 80], ["Ngày lập", "25/11/2026"]]})
    run_cli("run", "--config", str(config), "--registry", str(registry), "--input", str(tmp_path / "in"),
            "--output", str(tmp_path / "out"))
    [folder] = run_dirs(tmp_path / "out")
    data = json.loads((folder / "ket_qua.json").read_text(encoding="utf-8"))
    assert data["summary"]["units_rejected"] == ["Xã Số 5"] and "Xã Số 5" not in data["summary"]["units_missing"]
    code, text = run_cli("send", str(folder), "--config", str(config), "--registry", str(registry))
    messages = [email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
                for p in (folder / OUTBOX).glob("*.eml")]
    [mail] = [m for m in messages if "Xã Số 5" in str(m["Subject"])]
    body = mail.get_body(("plain",)).get_content()
    assert "gửi lại" in body
    [lead] = [m for m in messages if "dự thảo" in str(m["Subject"])]
    body = lead.get_body(("plain",)).get_content()
    assert "3/33 đơn vị" in body and "tệp bị từ chối: Xã Số 5" in body
    assert "Thành phố Cần Thơ" not in body.split("chưa nhận")[1]


# ---------------------------------------------------------------- 6: no zero counts on paper

def test_no_document_prints_a_zero_count(city_config, city):
    from thidua.docx_report import decision_context, in_words_joined, tw_context

    assert in_words_joined([(0, "tập thể"), (1, "cá nhân")], " và ") == "01 (một) cá nhân"
    assert in_words_joined([(2, "tập thể"), (1, "cá nhân")], " và ") == "02 (hai) tập thể và 01 (một) cá nhân"
    a1 = codes_in(city, "Cụm A")[0]
    result = evaluate([commune(a1, [person("Lê An", 90)], score=95)], city_config, city)
    tw = tw_context(result, city_config)
    # One kind only: its groups are counted, not the same number twice ("01 tập thể, gồm: 01 tập thể").
    assert tw["summary_lines"] == ["Ủy ban MTTQ Việt Nam cấp xã: 01 (một) tập thể."]
    assert tw["total_text"] == "01 (một) tập thể"
    decision = decision_context(result, city_config)
    assert not any("00 (không)" in a for a in decision["articles"])
    assert not any("00 (không)" in line for line in report_lines(result, city_config))


# ---------------------------------------------------------------- 9: the province is never missing; long lists

def test_the_province_is_never_missing_and_a_long_list_names_ten(city_config, city):
    from thidua.cli import summary_lines

    a1 = codes_in(city, "Cụm A")[0]
    result = evaluate([commune(a1)], city_config, city)
    [line] = [t for t in report_lines(result, city_config) if t.startswith("Chưa nhận được báo cáo của")]
    assert "Cần Thơ" not in line and "và 22 đơn vị khác" in line and "Tổng quan" in line
    [line] = [t for t in summary_lines(result) if t.startswith("Chưa gửi báo cáo")]
    assert "và 22 đơn vị khác" in line
    assert not [i for i in result.issues if i.code == "missing-submission" and i.unit_code == "92"]
    assert "Thành phố Cần Thơ" not in result.summary()["units_missing"]


# ---------------------------------------------------------------- 10: dossiers only for awards that need one

def test_a_dossier_line_names_only_the_awards_whose_config_requires_a_dossier(tmp_path, city_config, city):
    from thidua.docx_report import _dossier_lines

    a1 = codes_in(city, "Cụm A")[0]
    result = evaluate([commune(a1, score=95)], city_config, city)
    [top] = [r for r in result.rankings["xa"] if r.unit_code == a1]
    assert "CO_XSTD" in top.awards and top.dossier_awards == ("BK_TW_MTTQ",)
    [line] = [t for t in _dossier_lines(result) if "Xã Số 1" in t or "xã Số 1" in t]
    assert "Cờ thi đua" not in line and "Bằng khen" in line
    told = feedback_summary(result, tmp_path, a1)
    [owed] = [v for k, v in told.items() if k.startswith("Hồ sơ cần gửi")]
    assert "Cờ thi đua" not in owed and "Bằng khen" in owed


# ---------------------------------------------------------------- 14: one count of units; real nominations

def test_one_count_of_units_everywhere_and_the_overview_shows_each_units_nominations(tmp_path, city_config, city):
    from thidua.xlsx_report import write_consolidated

    a1, a2 = codes_in(city, "Cụm A")[:2]
    result = evaluate([commune(a1, [person("Lê An", 90), person("Trần Bình", 88, row=6)]), commune(a2),
                       commune("92")], city_config, city)
    summary = result.summary()
    assert (summary["units_received"], summary["units_total"]) == (2, 33)
    assert summary["reported"] == {"units": 2, "of": 33}
    [path] = write_consolidated(result, tmp_path)
    rows = list(openpyxl.load_workbook(path, read_only=True)["Tổng quan"].iter_rows(values_only=True))
    start = next(i for i, r in enumerate(rows) if r[0] == "Số được đề nghị khen theo đơn vị")
    header = rows[start + 1]
    [col] = [c for c, v in enumerate(header) if v and "cấp xã" in str(v).casefold() and "Ủy ban MTTQ" in str(v)
             and "cá nhân" in str(v).casefold()]
    [mine] = [r for r in rows[start + 2:] if r[0] == "Xã Số 1"]
    assert str(mine[col]) == "1"  # one proposed of two (the cluster's quota is one)


# ---------------------------------------------------------------- must fix only what is the unit's to fix

def test_over_quota_and_missing_dossier_rows_are_not_errors_the_unit_must_fix(tmp_path, city_config, city):
    from thidua.mail import _render

    a1 = codes_in(city, "Cụm A")[0]
    result = evaluate([commune(a1, [person("Lê An", 90), person("Trần Bình", 88, row=6),
                                    replace(person("Võ Cường", 87, row=7), has_report=False)])], city_config, city)
    summary = result.for_unit(a1).summary()
    assert summary["over_quota"] == 1 and summary["incomplete"] == 1 and summary["errors"] == 0
    assert not summary["must_fix"]
    context = {**summary, "year": 2026, "round_name": "Tổng kết", "province_name": "x", "from_name": "y",
               "deadline": "", "unit_name": "Xã Số 1", "unit_full_name": "Ủy ban MTTQ Việt Nam xã Số 1",
               "attachment": "a.xlsx"}
    _, text, html = _render(EXAMPLE.parent.parent / "templates", "thu_phan_hoi.j2", context)
    assert "sửa các dòng" not in text and "không có lỗi cần sửa" in text
    assert "bổ sung hồ sơ" in text and "vượt chỉ tiêu" in text.split("không có lỗi cần sửa")[1]
    assert "bổ sung hồ sơ" in html
