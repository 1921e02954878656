"""Scores from the criteria table (SPEC section 8): computed in exact decimals, checked, explained."""

import random
from dataclasses import replace
from decimal import Decimal

import openpyxl
import pytest
from conftest import info_rows, make_book, run_cli
from hypothesis import given, settings
from hypothesis import strategies as st
from test_rules import sub

from thidua.cli import DEFAULT_CONFIG, ROOT
from thidua.criteria import Marks, load_criteria, parse_criteria, score
from thidua.errors import ConfigError
from thidua.evaluate import evaluate
from thidua.names import WORKBOOK_TEMPLATE
from thidua.records import ScoreRow
from thidua.workbook import read_submission

D = Decimal
TABLE = [["Mã", "Nội dung", "Điểm chuẩn", "Điểm thưởng tối đa", "Điểm trừ tối đa", "Áp dụng cho"],
         ["I", "Tổ chức", "30", "", "", ""], ["I.1", "Kiện toàn", "10,5", "", "", ""],
         ["I.2", "Hội họp", "19,5", "2", "1", ""], ["II", "Vận động", "50", "", "", ""],
         ["II.1", "Vì người nghèo", "50", "3", "", ""]]


@pytest.fixture
def table():
    return parse_criteria(TABLE)


def marks(*rows, file="a.xlsx"):
    return [Marks(code, *(None if v is None else D(str(v)) for v in (*values, None, None, None)[:3]), file=file,
                  sheet="Chấm điểm chi tiết",
                  row=4 + i, cells=(("code", f"A{4 + i}"), ("self", f"F{4 + i}"), ("bonus", f"G{4 + i}"),
                                    ("deduction", f"H{4 + i}")))
            for i, (code, *values) in enumerate(rows)]


def total(scored):
    return sum((s.final for s in scored), D(0))


# ---------------------------------------------------------------- the table

def test_the_table_knows_its_groups_leaves_and_scale(table):
    assert [c.code for c in table.leaves("huyen")] == ["I.1", "I.2", "II.1"]
    assert table.scale("huyen") == D("85")  # 80 standard + 5 bonus: a valid total may pass the standard


def test_a_group_whose_parts_do_not_add_up_stops_with_the_row(tmp_path):
    bad = [row[:] for row in TABLE]
    bad[2][2] = "11"
    with pytest.raises(ConfigError, match="dòng 2.*30.*30,5"):
        parse_criteria(bad)
    path = tmp_path / "tieu_chi.csv"
    path.write_text("\n".join(",".join(f'"{v}"' for v in row) for row in bad), encoding="utf-8")
    config = DEFAULT_CONFIG.read_text(encoding="utf-8").replace('criteria = "data/tieu_chi_cham_diem.csv"',
                                                                f'criteria = "{path.as_posix()}"')
    (tmp_path / "config.toml").write_text(config.replace('"data/', f'"{(ROOT / "data").as_posix()}/')
                                          .replace('templates = "templates"', f'templates = "{(ROOT / "templates").as_posix()}"'),
                                          encoding="utf-8")
    code, _ = run_cli("run", "--config", str(tmp_path / "config.toml"), "--input", str(tmp_path))
    assert code == 2


def test_a_table_pasted_from_word_reads_with_its_numbering_and_two_row_header(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["BẢNG TIÊU CHÍ CHẤM ĐIỂM THI ĐUA NĂM 2023"])
    ws.append(["TT", "Nội dung tiêu chí", "Điểm", None, None])
    ws.append([None, None, "Chuẩn", "Thưởng", "Trừ"])
    ws.merge_cells("C2:E2")
    ws.merge_cells("A2:A3")
    ws.merge_cells("B2:B3")
    for row in (["I.", "Công tác tổ chức", "30", None, None], ["1.", "Kiện toàn", "10,5", None, None],
                ["2.", "Hội họp", "19,5", "2", "1"], ["a)", "Họp định kỳ", "12", "2", "1"],
                ["b)", "Báo cáo đúng hạn", "7,5", None, None], ["II.", "Vận động", "70", "3", None],
                ["1.", "Vì người nghèo", "70", "3", None], ["-", "Trừ 1 điểm mỗi tháng chậm", None, None, None]):
        ws.append(row)
    wb.save(tmp_path / "word.xlsx")
    table = load_criteria(tmp_path / "word.xlsx")
    assert [c.code for c in table.leaves("xa")] == ["I.1", "I.2.a", "I.2.b", "II.1"]
    assert table.get("I.2.a").standard == D("12") and table.get("I.1").standard == D("10.5")
    assert table.scale("xa") == D("105")


# ---------------------------------------------------------------- totals and checks

def test_the_total_is_exact_and_may_pass_the_standard(table):
    scored, problems = score(table, "huyen", marks(("I.1", "10.1"), ("I.2", "19.5", "2", "0.2"), ("II.1", "50", "3")),
                             "943", {"file": "a.xlsx"})
    assert problems == [] and total(scored) == D("84.4")  # 10.1 + 19.5 + 2 - 0.2 + 50 + 3, no float drift
    assert total(score(table, "huyen", marks(("I.1", "0.1"), ("I.2", "0.2"), ("II.1", "0")), "943", {})[0]) == D("0.3")


@pytest.mark.parametrize("rows, code, cell, counted", [
    ((("I.1", 11), ("I.2", 19.5), ("II.1", 50)), "criterion-over-max", "F4", D("80")),  # 11 counts 10.5
    ((("I.1", 10), ("I.2", 19.5, 3), ("II.1", 50)), "criterion-over-max", "G5", D("81.5")),  # bonus 3 counts 2
    ((("I.1", 10), ("I.2", 19.5), ("II.1", 50), ("IX.9", 5)), "criterion-unknown", "A7", D("79.5")),
    ((("I.1", None), ("I.2", 19.5), ("II.1", 50)), "criterion-missing", "F4", D("69.5")),
])
def test_each_problem_names_its_cell_and_counts_as_the_spec_says(table, rows, code, cell, counted):
    scored, problems = score(table, "huyen", marks(*rows), "943", {"file": "a.xlsx", "sheet": "Chấm điểm chi tiết"})
    assert [(p.code, p.cell, p.file) for p in problems] == [(code, cell, "a.xlsx")]
    assert total(scored) == counted


def test_a_leaf_the_unit_left_out_counts_zero_with_a_warning(table):
    scored, problems = score(table, "huyen", marks(("I.1", 10)), "943", {"file": "a.xlsx", "sheet": "S"})
    assert {p.params["code"] for p in problems if p.code == "criterion-missing"} == {"I.2", "II.1"}
    assert total(scored) == D("10")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["I.1", "I.2", "II.1", "X"]), st.decimals("0", "60", places=2)),
                max_size=6, unique_by=lambda t: t[0]), st.randoms(use_true_random=False))
def test_the_total_never_depends_on_row_order_and_is_the_sum_of_its_parts(given_marks, rnd):
    table = parse_criteria(TABLE)
    rows = marks(*given_marks)
    scored, _ = score(table, "huyen", rows, "943", {})
    shuffled = rows[:]
    rnd.shuffle(shuffled)
    again, _ = score(table, "huyen", shuffled, "943", {})
    assert total(again) == total(scored)
    assert total(scored) == sum((s.self_mark + s.bonus - s.deduction for s in scored), D(0))
    assert all(s.self_mark <= table.get(s.code).standard for s in scored)


# ---------------------------------------------------------------- ranking scores and their sources

def with_criteria(config, rows=TABLE):
    return replace(config, criteria=parse_criteria(rows))


def district(code, typed, criteria_rows, file=None):
    return replace(sub(code, self_score=typed, file=file), criteria=tuple(marks(*criteria_rows, file=file or f"{code}.xlsx")))


def appraisal_of(code, score_):
    return ScoreRow("94.xlsx", "Thẩm định cấp huyện", 4, None, code, score_, unit_code=code, letters={"score": "C"})


def test_the_computed_total_ranks_and_a_typed_total_that_disagrees_is_reported(config, registry):
    cfg = with_criteria(config)
    result = evaluate([district("943", 99.0, [("I.1", 10), ("I.2", 19.5), ("II.1", 50, 1)])], cfg, registry)
    [row] = result.rankings["huyen"]
    assert (row.score, row.score_source) == (80.5, "criteria")
    [said] = [i for i in result.issues if i.code == "total-mismatch"]
    assert (said.cell, said.params["typed"], said.params["computed"]) == ("B8", "99", "80,5")
    data = result.as_json()
    assert [c["code"] for c in data["criteria"]] == ["I", "I.1", "I.2", "II", "II.1"]
    assert {s["criterion"]: s["self"] for s in data["scores"]} == {"I.1": 10.0, "I.2": 19.5, "II.1": 50.0}


def test_appraisals_take_precedence_in_order(config, registry):
    cfg = with_criteria(config)
    own = [("I.1", 10), ("I.2", 19.5), ("II.1", 50)]
    re_mark = ("943", Marks("II.1", D("45"), None, None, file="94.xlsx", sheet="Thẩm định chi tiết", row=5))

    def ranked(*province_rows, appraisals=()):
        province = replace(sub("94", appraisals=appraisals), criteria_appraisals=tuple(province_rows))
        result = evaluate([district("943", 79.5, own), province], cfg, registry)
        [row] = result.rankings["huyen"]
        return row.score, row.score_source
    assert ranked() == (79.5, "criteria")
    assert ranked(re_mark) == (74.5, "criteria-appraisal")
    assert ranked(re_mark, appraisals=[appraisal_of("943", 70.0)]) == (70.0, "appraisal")
    typed_only = evaluate([sub("943", self_score=77.0)], cfg, registry).rankings["huyen"][0]
    assert (typed_only.score, typed_only.score_source) == (77.0, "typed")


def test_a_table_of_the_real_shape_ranks_units_exactly(config, registry):
    rng = random.Random(7)
    rows = [TABLE[0]]
    for a in range(1, 11):
        rows.append([f"{a}", f"Lĩnh vực {a}", "", "", "", ""])
        for b in range(1, 7):
            rows.append([f"{a}.{b}", f"Nội dung {a}.{b}", "", "", "", ""])
            for c in range(1, 6):
                rows.append([f"{a}.{b}.{c}", f"Tiêu chí {a}.{b}.{c}", "0,5" if c % 2 else "0,25",
                             "0,1" if c == 1 else "", "0,2" if c == 5 else "", ""])
    cfg = with_criteria(config, rows)
    leaves = cfg.criteria.leaves("huyen")
    assert len(leaves) == 300
    units = ["941", "942", "943", "944"]
    marks_of = {u: [(c.code, c.standard - D(rng.choice(["0", "0.25", "0"])) if c.standard > D("0.25") else c.standard,
                     c.bonus if c.bonus and rng.random() < 0.5 else None, c.deduction if c.deduction and rng.random() < 0.3
                     else None) for c in leaves] for u in units}
    result = evaluate([district(u, None, marks_of[u]) for u in units], cfg, registry)
    expected = {u: sum(((m or D(0)) + (b or D(0)) - (d or D(0)) for _, m, b, d in marks_of[u]), D(0)) for u in units}
    got = {r.unit_code: r.score for r in result.rankings["huyen"]}
    assert got == {u: float(v) for u, v in expected.items()}
    order = sorted(units, key=lambda u: -expected[u])
    assert [r.unit_code for r in result.rankings["huyen"]] == order


# ---------------------------------------------------------------- the template and a workbook

def test_the_template_carries_the_criteria_locked_and_limited(config):
    wb = openpyxl.load_workbook(ROOT / "templates" / WORKBOOK_TEMPLATE)
    ws = wb["Chấm điểm chi tiết"]
    assert [c.value for c in ws[3]][:8] == ["Mã", "Nội dung", "Điểm chuẩn", "Điểm thưởng tối đa", "Điểm trừ tối đa",
                                            "Tự chấm", "Điểm thưởng", "Điểm trừ"]
    codes = [ws.cell(r, 1).value for r in range(4, ws.max_row + 1)]
    assert codes == [c.code for c in config.criteria.criteria]
    leaf = codes.index("I.1.1") + 4
    group = codes.index("I.1") + 4
    assert ws.protection.sheet and ws.cell(leaf, 1).protection.locked and ws.cell(group, 6).protection.locked
    assert not ws.cell(leaf, 6).protection.locked
    limits = {str(v.sqref): v.formula2 for v in ws.data_validations.dataValidation}
    assert float(limits[f"F{leaf}"]) == 5
    assert ws["H2"].value == "Tổng điểm tạm tính" and str(ws["I2"].value).startswith("=SUM(F")


def test_a_units_workbook_is_read_and_scored(tmp_path, config, registry):
    cfg = with_criteria(config)
    path = make_book(tmp_path / "a.xlsx", {
        "Thông tin": info_rows(score=80.5),
        "Chấm điểm chi tiết": [["Mã", "Nội dung", "Tự chấm", "Điểm thưởng", "Điểm trừ"], ["I", "Tổ chức"],
                               ["I.1", "Kiện toàn", "10,5"], ["I.2", "Hội họp", 19, 1, "0,5"],
                               ["II.1", "Vì người nghèo", 50.5]]})
    result = evaluate([read_submission(path)], cfg, registry)
    [row] = result.rankings["huyen"]
    assert (row.score, row.score_source) == (80.0, "criteria")  # 50,5 for II.1 counts its maximum, 50
    found = sorted((i.code, i.cell) for i in result.issues if i.code.startswith(("criterion", "total")))
    assert found == [("criterion-over-max", "C5"), ("total-mismatch", "B8")]
