"""The plan's rules on plain values: status precedence, eligibility, quotas, caps, rankings. No files."""

import datetime as dt
from dataclasses import replace
from fractions import Fraction

from thidua.evaluate import evaluate
from thidua.records import Info, NominationRow, ScoreRow, Submission
from thidua.rules import judge

FULL = dict(has_proposal=True, has_minutes=True, has_report=True)


def nom(row=5, kind="collective", name="Ủy ban MTTQ Việt Nam xã An Hiệp", level="xa", award="BK_MTTQ_TINH",
        score=90.0, stt=None, **kw) -> NominationRow:
    values = {**FULL, **kw}
    return NominationRow(file="f.xlsx", sheet="Đề nghị tập thể" if kind == "collective" else "Đề nghị cá nhân",
                         row=row, kind=kind, stt=stt, name=name, level=level, award=award,
                         merit_type=values.pop("merit_type", None), score=score,
                         letters={"score": "F", "_row": "A"}, **values)


def sub(code="943", nominations=(), communes=(), bctmt=(), appraisals=(), file=None, date=dt.date(2023, 11, 25),
        self_score=88.0, year=2023, mtime=0.0) -> Submission:
    info = Info(unit_name="x", unit_code=code, year=year, round="tong-ket", self_score=self_score, date=date,
                cells={"self_score": "B8"})
    file = file or f"{code}.xlsx"
    return Submission(file=file, sha256="0", mtime=mtime, readable=True, info=info,
                      nominations=tuple(replace(n, file=file) for n in nominations),
                      communes=tuple(communes), bctmt=tuple(bctmt), appraisals=tuple(appraisals),
                      found_tables=frozenset({"communes", "bctmt", "collective", "individual"}))


def with_cap(config, cap):
    """The config with a provincial cap of `cap` on collectives cấp xã (Bằng khen Ủy ban MTTQ tỉnh)."""
    return replace(config, quotas=tuple(replace(q, cap=cap) if q.key == ("collective", "xa", "BK_MTTQ_TINH") else q
                                        for q in config.quotas))


def statuses(result):
    return [(n.name, n.status) for n in result.nominations]


# ---------------------------------------------------------------- one row

def test_precedence_invalid_before_ineligible_before_dossier(config, registry):
    unit = registry.get("943")
    row = nom(award="BK_UBND_TINH", level="xa", merit_type="dot-xuat", contribution=50_000_000, score=120,
              has_report=False)
    assert judge(row, unit, config).status == "invalid"  # score 120 out of range
    assert judge(replace(row, score=90), unit, config).status == "ineligible"  # 50 triệu < 100 triệu
    assert judge(replace(row, score=90, contribution=100_000_000), unit, config).status == "incomplete_dossier"
    assert judge(replace(row, score=90, contribution=100_000_000, has_report=True), unit, config).status == "candidate"


def test_missing_required_values_make_the_row_invalid(config, registry):
    unit = registry.get("943")
    verdict = judge(nom(name="", level=None), unit, config)
    assert verdict.status == "invalid"
    assert {i.code for i in verdict.issues} == {"missing-value"}
    assert len(verdict.issues) == 2


def test_a_row_within_its_quota_needs_no_score(config, registry):
    # Plan: the province chooses its own 4 collectives and 18 individuals; nothing ranks them, so no score.
    assert judge(nom(score=None), registry.get("943"), config).status == "candidate"
    assert judge(nom(level="tinh", name="Ban Phong trào", score=None), registry.province, config).status == "candidate"
    result = evaluate([sub(code="94", nominations=[nom(level="tinh", name="Ban Phong trào", score=None)])],
                      config, registry)
    assert statuses(result) == [("Ban Phong trào", "proposed")]
    assert "ordered-by-stt" not in {i.code for i in result.issues}


def test_more_rows_than_places_with_scores_missing_go_by_the_units_stt(config, registry):
    # Kế Sách: quota(13, 8) = 2 collectives cấp xã; three rows, one without a score.
    rows = [nom(row=5, name="A", score=80, stt=3), nom(row=6, name="B", score=None, stt=1),
            nom(row=7, name="C", score=95, stt=2)]
    result = evaluate([sub(nominations=rows)], config, registry)
    assert statuses(result) == [("A", "over_quota"), ("B", "proposed"), ("C", "proposed")]
    [said] = [i for i in result.issues if i.code == "ordered-by-stt"]
    assert (said.unit_code, said.sheet, said.cell) == ("943", "Đề nghị tập thể", "F6")


def test_the_province_proposes_itself_for_the_central_committees_bang_khen(config, registry):
    # Plan 5.1a: "Ủy ban Mặt trận Tổ quốc Việt Nam cấp tỉnh có thành tích xuất sắc" — the province only, one row.
    itself = nom(level="tinh", award="BK_TW_MTTQ", name="Ủy ban MTTQ Việt Nam tỉnh Sóc Trăng", score=95)
    assert judge(itself, registry.province, config).status == "candidate"
    assert [i.code for i in judge(itself, registry.get("943"), config).issues] == ["level-not-for-unit"]
    second = replace(itself, row=6, name="Ban Phong trào", score=90)
    result = evaluate([sub(code="94", nominations=[itself, second])], config, registry)
    assert statuses(result) == [("Ủy ban MTTQ Việt Nam tỉnh Sóc Trăng", "proposed"), ("Ban Phong trào", "over_quota")]


def test_combinations_the_plan_does_not_allow(config, registry):
    district, province = registry.get("943"), registry.province
    verdict = judge(nom(level="huyen", award="BK_MTTQ_TINH"), district, config)  # collective huyen is ranked, not nominated
    assert [i.code for i in verdict.issues] == ["award-not-allowed"]
    verdict = judge(nom(level="tinh"), district, config)  # only the province proposes its own collectives
    assert [i.code for i in verdict.issues] == ["level-not-for-unit"]
    assert judge(nom(level="tinh"), province, config).status == "candidate"
    assert judge(nom(award="CO_XS"), district, config).status == "invalid"


def test_merit_rules_for_bang_khen_ubnd(config, registry):
    unit = registry.province
    person = nom(kind="individual", name="Trần Thị Lan", level="tinh", award="BK_UBND_TINH", merit_type="cong-trang",
                 years_excellent=2, initiatives=2)
    assert judge(person, unit, config).status == "candidate"
    assert judge(replace(person, initiatives=1), unit, config).status == "ineligible"
    assert judge(replace(person, years_excellent=1), unit, config).status == "ineligible"
    group = replace(person, kind="collective", initiatives=None)
    assert judge(group, unit, config).status == "candidate"  # initiatives are asked of individuals only
    # Plan 4.1c: công trạng for individuals is for provincial front staff only.
    district_person = replace(person, level="xa")
    verdict = judge(district_person, registry.get("943"), config)
    assert verdict.status == "ineligible" and [i.code for i in verdict.issues] == ["not-eligible"]
    assert "cán bộ, công chức Ủy ban MTTQ Việt Nam tỉnh" in verdict.reasons[0]
    # ... while a district's collective needs only the two years, and no initiatives.
    district_group = replace(group, level="huyen", name="Ủy ban MTTQ Việt Nam xã An Hiệp")
    assert judge(district_group, registry.get("943"), config).status == "candidate"
    assert judge(replace(district_group, years_excellent=1), registry.get("943"), config).status == "ineligible"
    assert judge(replace(person, merit_type="chuyen-de", years_excellent=None), unit, config).status == "candidate"
    assert judge(replace(person, merit_type=None), unit, config).status == "invalid"


# ---------------------------------------------------------------- quotas and caps

def test_over_quota_keeps_the_best_scores_then_the_units_own_order(config, registry):
    # Kế Sách: 13 communes -> quota(13, 8) = 2
    rows = [nom(row=5, name="A", score=88, stt=1), nom(row=6, name="B", score=92, stt=2),
            nom(row=7, name="C", score=88, stt=3), nom(row=8, name="D", score=70, stt=4)]
    result = evaluate([sub(nominations=rows)], config, registry)
    assert statuses(result) == [("A", "proposed"), ("B", "proposed"), ("C", "over_quota"), ("D", "over_quota")]
    line = next(q for q in result.quotas if q.unit_code == "943" and q.level == "xa" and q.kind == "collective")
    assert (line.quota, line.submitted, line.proposed) == (2, 4, 2)
    assert sum(i.code == "over-quota" for i in result.issues) == 2


def test_rows_with_problems_do_not_use_quota_places(config, registry):
    rows = [nom(row=5, name="A", score=95, has_minutes=False), nom(row=6, name="B", score=90),
            nom(row=7, name="C", score=85)]
    result = evaluate([sub(nominations=rows)], config, registry)
    assert statuses(result) == [("A", "incomplete_dossier"), ("B", "proposed"), ("C", "proposed")]
    line = next(q for q in result.quotas if q.unit_code == "943" and q.level == "xa" and q.kind == "collective")
    assert (line.submitted, line.proposed) == (3, 2)


def test_provincial_cap_sends_the_lowest_scores_to_the_council(config, registry):
    cfg = with_cap(config, 2)
    subs = [sub("941", [nom(name="P1", score=91)]), sub("942", [nom(name="P2", score=80)]),
            sub("943", [nom(name="P3", score=95)])]
    result = evaluate(subs, cfg, registry)
    assert dict(statuses(result)) == {"P1": "proposed", "P2": "needs_review", "P3": "proposed"}
    assert [i.code for i in result.issues if i.code == "provincial-cap-exceeded"] == ["provincial-cap-exceeded"]
    cap = next(c for c in result.caps if c.level == "xa" and c.kind == "collective")
    assert (cap.cap, cap.proposed, cap.unused) == (2, 2, 0)


def test_unused_provincial_places_list_the_best_over_quota_rows_as_reserve(config, registry):
    rows = [nom(row=5, name="A", score=95), nom(row=6, name="B", score=94), nom(row=7, name="C", score=93)]
    result = evaluate([sub("943", rows)], config, registry)
    cap = next(c for c in result.caps if c.level == "xa" and c.kind == "collective")
    assert cap.unused == 12 and [n.name for n in cap.reserve] == ["C"]
    assert dict(statuses(result))["C"] == "over_quota"  # a suggestion only, never applied


def test_bang_khen_ubnd_has_no_quota(config, registry):
    rows = [nom(row=r, name=f"Công ty {r}", level="huyen", award="BK_UBND_TINH", merit_type="chuyen-de", score=None)
            for r in range(5, 25)]
    result = evaluate([sub("943", rows)], config, registry)
    assert {s for _, s in statuses(result)} == {"proposed"}


# ---------------------------------------------------------------- files and rankings

def test_later_ngay_lap_wins_and_the_other_file_is_superseded(config, registry):
    old = sub("943", [nom(name="cũ")], file="a.xlsx", date=dt.date(2023, 11, 20), mtime=99)
    new = sub("943", [nom(name="mới")], file="b.xlsx", date=dt.date(2023, 11, 25), mtime=1)
    result = evaluate([new, old], config, registry)
    assert {i.file: i.status for i in result.inputs} == {"a.xlsx": "superseded", "b.xlsx": "processed"}
    assert [n.name for n in result.nominations] == ["mới"]


def test_same_date_falls_back_to_modification_time(config, registry):
    a = sub("943", file="a.xlsx", mtime=5)
    b = sub("943", file="b.xlsx", mtime=9)
    result = evaluate([a, b], config, registry)
    assert {i.file: i.status for i in result.inputs} == {"a.xlsx": "superseded", "b.xlsx": "processed"}


def test_other_year_and_unknown_unit_are_rejected(config, registry):
    result = evaluate([sub("943", year=2022), sub("999")], config, registry)
    assert {i.status for i in result.inputs} == {"rejected"}
    assert {i.code for i in result.errors} >= {"wrong-year", "unknown-unit"}


def test_appraised_score_overrides_the_self_score(config, registry):
    appraisal = ScoreRow("p.xlsx", "Thẩm định cấp huyện", 4, None, "Kế Sách", 70.0, unit_code="943",
                         letters={"score": "C"})
    subs = [sub("943", self_score=99), sub("941", self_score=80), sub("94", appraisals=[appraisal])]
    result = evaluate(subs, config, registry)
    ranked = {r.unit_code: (r.rank, r.score, r.score_source) for r in result.rankings["huyen"]}
    assert ranked == {"941": (1, 80.0, "typed"), "943": (2, 70.0, "appraisal")}


def test_district_ladder_with_a_tie_at_the_flag_cutoff(config, registry):
    scores = {"941": 95, "942": 93, "943": 93, "944": 90, "945": 86, "946": 84}
    result = evaluate([sub(code, self_score=s) for code, s in scores.items()], config, registry)
    by_code = {r.unit_code: r for r in result.rankings["huyen"]}
    assert by_code["941"].awards == ("CO_XSTD", "BK_TW_MTTQ")
    assert by_code["942"].awards == ("CO_XS",) and by_code["942"].needs_review == ("BK_TW_MTTQ",)
    assert by_code["944"].awards == ("BK_MTTQ_TINH",)
    assert by_code["945"].awards == ("BK_MTTQ_TINH",)
    assert by_code["946"].awards == ()  # fifth or sixth place, but below 85
    ties = [i for i in result.issues if i.code == "tie-at-cutoff"]
    assert len(ties) == 1 and set(ties[0].related) == {"942", "943"}


def test_communes_ranked_province_wide(config, registry):
    def commune(name, score, row):
        return ScoreRow("x", "Chấm điểm cấp xã", row, None, name, score, letters={"score": "D"})
    subs = [sub("941", communes=[commune("Phường 1", 97, 4), commune("Phường 2", 96.5, 5)]),
            sub("942", communes=[commune("Xã An Hiệp", 96.5, 4), commune("Xã Phú Tâm", 99, 5),
                                 commune("Xã Thiện Mỹ", None, 6)])]
    result = evaluate(subs, config, registry)
    ranked = [(r.name, r.rank, r.awards, r.needs_review) for r in result.rankings["xa"]]
    assert ranked[:2] == [("Xã Phú Tâm", 1, ("BK_TW_MTTQ",), ()), ("Phường 1", 2, ("BK_TW_MTTQ",), ())]
    assert {r[0] for r in ranked[2:]} == {"Phường 2", "Xã An Hiệp"}
    assert all(r[3] == ("BK_TW_MTTQ",) for r in ranked[2:])
    missing = [i for i in result.errors if i.code == "missing-value"]
    assert [(i.sheet, i.row) for i in missing] == [("Chấm điểm cấp xã", 6)]


def test_a_tie_among_many_names_ten_and_counts_the_rest(config, registry):
    """A tie of 25 communes at the cut must stay a message a person can read; every commune is still on its row."""
    rows = [ScoreRow("x", "Chấm điểm cấp xã", 4 + i, None, f"Xã Số {i:02d}", 96.0, letters={"score": "D"})
            for i in range(25)]
    result = evaluate([sub("941", communes=rows)], config, registry)
    [tie] = [i for i in result.issues if i.code == "tie-at-cutoff"]
    assert tie.params["names"] == ", ".join(f"Xã Số {i:02d}" for i in range(10)) + " và 15 đơn vị khác"
    assert sum(bool(r.needs_review) for r in result.rankings["xa"]) == 25


def test_same_person_twice_in_the_batch_is_a_warning(config, registry):
    a = nom(kind="individual", name="Thạch Thị Sà Rây", level="xa", birth_year=1980)
    b = nom(kind="individual", name="Thạch Thị Sà  Rây", level="xa", birth_year=1980)
    result = evaluate([sub("941", [a]), sub("942", [b])], config, registry)
    assert sum(i.code == "duplicate-person" for i in result.issues) == 2


def test_declared_counts_that_differ_from_the_registry_are_warnings(config, registry):
    s = sub("943")
    s = replace(s, info=replace(s.info, declared_communes=14, declared_bctmt=106,
                                cells={"declared_communes": "B6"}))
    result = evaluate([s], config, registry)
    found = [i for i in result.issues if i.code == "declared-count-mismatch"]
    assert [(i.severity, i.cell) for i in found] == [("warning", "B6")]
    line = next(q for q in result.quotas if q.unit_code == "943" and q.level == "xa" and q.kind == "collective")
    assert line.quota == 2  # from the registry's 13, not the declared 14


# ---------------------------------------------------------------- edges of the rules

def test_a_score_exactly_at_the_minimum_gets_the_award(config, registry):
    # BK TW MTTQ for districts: positions 1..quota(11, 5) = 2, "đạt từ 85 điểm trở lên".
    result = evaluate([sub("941", self_score=90), sub("943", self_score=85), sub("944", self_score=84.9)],
                      config, registry)
    awards = {r.unit_code: r.awards for r in result.rankings["huyen"]}
    assert "BK_TW_MTTQ" in awards["943"] and "BK_TW_MTTQ" not in awards["944"]


def test_a_tie_straddling_a_provincial_cap_goes_to_the_council_whole(config, registry):
    cfg = with_cap(config, 2)
    subs = [sub("941", [nom(name="P1", score=95)]), sub("942", [nom(name="P2", score=90)]),
            sub("943", [nom(name="P3", score=90)])]
    result = evaluate(subs, cfg, registry)
    assert dict(statuses(result)) == {"P1": "proposed", "P2": "needs_review", "P3": "needs_review"}
    assert sorted(i.unit_code for i in result.issues if i.code == "provincial-cap-exceeded") == ["942", "943"]


def test_a_rejected_newer_file_leaves_the_older_one_in_use_with_a_warning(config, registry):
    old = sub("943", [nom(name="cũ")], file="a.xlsx", date=dt.date(2023, 11, 20))
    newer_wrong_year = sub("943", [nom(name="mới")], file="b.xlsx", date=dt.date(2023, 11, 28), year=2022)
    result = evaluate([newer_wrong_year, old], config, registry)
    assert {i.file: i.status for i in result.inputs} == {"a.xlsx": "processed", "b.xlsx": "rejected"}
    assert [n.name for n in result.nominations] == ["cũ"]
    [said] = [i for i in result.issues if i.code == "older-file-used"]
    assert (said.file, said.unit_code, said.params["newer"]) == ("a.xlsx", "943", "b.xlsx")
    # An older rejected file says nothing of the kind.
    older_wrong_year = replace(newer_wrong_year, info=replace(newer_wrong_year.info, date=dt.date(2023, 11, 1)))
    assert "older-file-used" not in {i.code for i in evaluate([older_wrong_year, old], config, registry).issues}


def test_without_a_date_on_every_file_the_later_saved_file_wins(config, registry):
    # Issue 21.16: a corrected file left undated lost to an older dated one. Dates decide only when all files have one.
    dated = sub("943", [nom(name="có ngày")], file="a.xlsx", date=dt.date(2023, 11, 20), mtime=1)
    undated = sub("943", [nom(name="không ngày")], file="b.xlsx", date=None, mtime=99)
    result = evaluate([undated, dated], config, registry)
    assert {i.file: i.status for i in result.inputs} == {"a.xlsx": "superseded", "b.xlsx": "processed"}


def test_the_rounding_threshold_is_configuration(config, registry):
    # Mỹ Tú has 9 communes: 9/8 = 1.125, one place at 0,5; two when any part above 0,1 rounds up.
    rows = [nom(row=5, name="A", score=95), nom(row=6, name="B", score=94)]

    def line(cfg):
        result = evaluate([sub("944", rows)], cfg, registry)
        return next(q for q in result.quotas
                    if q.unit_code == "944" and (q.kind, q.level, q.award) == ("collective", "xa", "BK_MTTQ_TINH"))
    assert (line(config).quota, line(config).proposed) == (1, 1)
    lenient = replace(config, rounding_threshold=Fraction(1, 10))
    assert (line(lenient).quota, line(lenient).proposed) == (2, 2)


def test_a_sudden_award_without_a_contribution_value_is_not_eligible(config, registry):
    row = nom(name="Công ty A", level="huyen", award="BK_UBND_TINH", merit_type="dot-xuat", score=None)
    verdict = judge(row, registry.get("943"), config)
    assert verdict.status == "ineligible" and verdict.reasons == ("khen đột xuất nhưng chưa ghi giá trị đóng góp",)
    assert judge(replace(row, contribution=100_000_000), registry.get("943"), config).status == "candidate"
