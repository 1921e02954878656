"""The map since 1 July 2025: communes submit to the province, in emulation clusters (SPEC section 7).

A small city is built inline: clusters of 8, 12 and 13 communes, judged with the worked example's rules
(examples/can-tho-2026/config.toml).
"""

import json
import re
import shutil
from collections import Counter

import pytest
from conftest import info_rows, make_book, run_cli, run_dirs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_rules import nom, statuses, sub

from thidua.cli import ROOT
from thidua.config import load_config
from thidua.errors import RegistryError
from thidua.evaluate import evaluate
from thidua.official import find_province, registry_rows
from thidua.records import ScoreRow
from thidua.registry import Registry, load_registry, parse_registry

EXAMPLE = ROOT / "examples" / "can-tho-2026"
SIZES = {"Cụm A": 8, "Cụm B": 12, "Cụm C": 13}


@pytest.fixture(scope="module")
def city_config():
    return load_config(EXAMPLE / "config.toml")


def city_rows() -> list[dict]:
    rows = [{"ma_don_vi": "92", "ten_don_vi": "Ủy ban MTTQ Việt Nam thành phố Cần Thơ", "cap": "tinh"}]
    n = 0
    for cluster, size in SIZES.items():
        for _ in range(size):
            n += 1
            rows.append({"ma_don_vi": f"31{n:03d}", "ten_don_vi": f"Ủy ban MTTQ Việt Nam xã Số {n}", "cap": "xa",
                         "ma_cap_tren": "92", "so_ban_cong_tac_mat_tran": "10", "cum_thi_dua": cluster})
    return rows


@pytest.fixture(scope="module")
def city() -> Registry:
    return Registry(parse_registry(city_rows()))


def with_city_clusters(config_text: str) -> str:
    """The example's config text with this city's clusters declared in place of its own (SPEC section 9)."""
    return re.sub(r"(?ms)^clusters = \[.*?\]$", f"clusters = {json.dumps(list(SIZES), ensure_ascii=False)}", config_text)


def codes_in(city: Registry, cluster: str) -> list[str]:
    return [u.code for u in city.clusters[cluster]]


def commune(code, nominations=(), bctmt=(), score=80.0, **kw):
    return sub(code, nominations, bctmt=bctmt, self_score=score, year=2026, **kw)


def person(name, score, row=5, level="xa", award="BK_MTTQ_TINH"):
    return nom(row=row, kind="individual", name=name, level=level, award=award, score=score)


def province_with(*appraisals):
    rows = [ScoreRow("92.xlsx", "Thẩm định", 4 + i, None, code, score, unit_code=code, letters={"score": "C"})
            for i, (code, score) in enumerate(appraisals)]
    return commune("92", appraisals=rows)


# ---------------------------------------------------------------- registry

def test_the_registry_knows_the_map_and_its_clusters(city):
    assert city.two_tier and city.submitter_level == "xa"
    assert {name: len(units) for name, units in city.clusters.items()} == SIZES
    assert city.total("communes", city.clusters["Cụm C"]) == 13 and city.total("bctmt") == 330


def test_a_registry_that_mixes_districts_and_communes_stops_with_exit_2(tmp_path):
    path = tmp_path / "don_vi.csv"
    path.write_text("ma_don_vi,ten_don_vi,cap,ma_cap_tren,so_don_vi_cap_xa,so_ban_cong_tac_mat_tran,email\n"
                    "92,Ủy ban MTTQ Việt Nam thành phố Cần Thơ,tinh,,,,\n"
                    "31001,Ủy ban MTTQ Việt Nam phường Ninh Kiều,xa,92,,12,\n"
                    "916,Ủy ban MTTQ Việt Nam huyện Phong Điền,huyen,92,7,50,\n", encoding="utf-8")
    with pytest.raises(RegistryError, match="dòng 4"):
        load_registry(path)
    code, _ = run_cli("sample", "--registry", str(path), "--output", str(tmp_path / "in"))
    assert code == 2


def test_the_official_list_gives_every_commune_of_a_province():
    for typed in ("Cần Thơ", "can tho", "TP Cần Thơ", "Thành phố Cần Thơ"):
        assert find_province(typed).code == "92"
    rows = registry_rows(find_province("Cần Thơ"))
    assert rows[0]["ten_don_vi"] == "Ủy ban MTTQ Việt Nam thành phố Cần Thơ" and len(rows) == 104
    assert {r["cap"] for r in rows[1:]} == {"xa"} and all(len(r["ma_don_vi"]) == 5 for r in rows[1:])
    assert "Ủy ban MTTQ Việt Nam phường Ninh Kiều" in {r["ten_don_vi"] for r in rows}


def test_the_registry_command_writes_a_file_to_fill_and_refuses_unknown_names(tmp_path):
    code, text = run_cli("registry", "tỉnh cao bằng", "--output", str(tmp_path / "cb.csv"))
    assert code == 0 and "cum_thi_dua" in text
    lines = (tmp_path / "cb.csv").read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].endswith(",cum_thi_dua") and lines[1].startswith("04,Ủy ban MTTQ Việt Nam tỉnh Cao Bằng,tinh")
    assert run_cli("registry", "Cần Thớ Mới", "--output", str(tmp_path / "x.csv"))[0] == 2
    assert not (tmp_path / "x.csv").exists()


def test_the_example_registry_has_the_103_communes_in_clusters_of_8_to_13(city_config):
    registry = load_registry(city_config.registry_path)
    assert len(registry.submitters) == 103 and registry.two_tier
    assert all(8 <= len(units) <= 13 for units in registry.clusters.values())
    official = {r["ma_don_vi"]: r["ten_don_vi"] for r in registry_rows(find_province("Cần Thơ"))}
    assert {u.code: u.name for u in registry.units} == official


# ---------------------------------------------------------------- pooled quotas

def test_pooled_quotas_follow_the_clusters_size(city_config, city):
    result = evaluate([commune(codes_in(city, c)[0]) for c in SIZES], city_config, city)
    line = {q.cluster: q.quota for q in result.quotas if (q.kind, q.level, q.award) == ("individual", "xa", "BK_MTTQ_TINH")}
    assert line == {"Cụm A": 1, "Cụm B": 1, "Cụm C": 2}  # quota(8, 8), quota(12, 8), quota(13, 8)
    assert all(q.unit_code is None and q.scope == "cluster" for q in result.quotas if q.cluster)


def test_a_cluster_proposes_its_best_across_communes_and_a_tie_at_the_cut_goes_to_the_council(city_config, city):
    a, b, c = codes_in(city, "Cụm C")[:3]  # quota(13, 8) = 2 places
    subs = [commune(a, [person("An", 90)]), commune(b, [person("Bình", 88)]), commune(c, [person("Cường", 88)])]
    result = evaluate(subs, city_config, city)
    assert dict(statuses(result)) == {"An": "proposed", "Bình": "needs_review", "Cường": "needs_review"}
    [tie] = [i for i in result.issues if i.code == "tie-at-cutoff" and "Bình" in str(i.params["names"])]
    assert set(tie.related) == {b, c} and tie.params["places"] == 1
    d = codes_in(city, "Cụm C")[3]
    result = evaluate([*subs, commune(d, [person("Dũng", 70)])], city_config, city)
    assert dict(statuses(result))["Dũng"] == "over_quota"
    assert "pooled-over-quota" in {i.code for i in result.issues if i.unit_code == d}


def test_a_pooled_row_needs_a_score(city_config, city):
    code = codes_in(city, "Cụm A")[0]
    result = evaluate([commune(code, [person("An", None)])], city_config, city)
    assert dict(statuses(result)) == {"An": "invalid"}
    [problem] = [i for i in result.issues if i.code == "missing-score"]
    assert (problem.unit_code, problem.cell) == (code, "F5")


def test_a_commune_does_not_nominate_itself_for_what_the_ranking_gives(city_config, city):
    code = codes_in(city, "Cụm A")[0]
    result = evaluate([commune(code, [nom(level="xa", award="BK_MTTQ_TINH")])], city_config, city)
    assert [i.code for i in result.issues if i.severity == "error"] == ["award-not-allowed"]


# ---------------------------------------------------------------- ranked communes

def ranked(result):
    return {r.unit_code: r for r in result.rankings["xa"]}


def test_communes_are_ranked_by_their_own_scores_within_their_cluster_and_the_province(city_config, city):
    a1, a2 = codes_in(city, "Cụm A")[:2]
    b1 = codes_in(city, "Cụm B")[0]
    result = evaluate([commune(a1, score=90), commune(a2, score=95), commune(b1, score=93)], city_config, city)
    rows = ranked(result)
    assert result.rankings["huyen"] == ()
    assert [(rows[c].rank, rows[c].cluster, rows[c].cluster_rank) for c in (a2, b1, a1)] == \
        [(1, "Cụm A", 1), (2, "Cụm B", 1), (3, "Cụm A", 2)]
    assert rows[a2].awards == ("CO_XSTD", "BK_TW_MTTQ")  # quota(33, 35) = 1 place province-wide
    # The province-wide flag holder is excluded: the cluster's flag goes to the next commune of its cluster.
    assert "CO_XS" in rows[a1].awards and "CO_XS" not in rows[a2].awards
    assert "CO_XS" in rows[b1].awards
    data = json.loads(json.dumps(result.as_json(), default=str))
    assert {k for r in data["rankings"]["xa"] for k in ("cluster", "cluster_rank")} and \
        data["rankings"]["xa"][0]["cluster"] == "Cụm A"


def test_a_tie_at_a_clusters_first_place_goes_to_the_council(city_config, city):
    a1, a2, a3 = codes_in(city, "Cụm A")[:3]
    b1 = codes_in(city, "Cụm B")[0]
    result = evaluate([commune(b1, score=99), commune(a1, score=92), commune(a2, score=92), commune(a3, score=80)],
                      city_config, city)
    rows = ranked(result)
    assert rows[a1].needs_review == rows[a2].needs_review == ("CO_XS", "BK_MTTQ_TINH")
    assert not rows[a1].awards and "CO_XS" not in rows[a3].awards
    ties = [i for i in result.issues if i.code == "tie-at-cutoff" and set(i.related) == {a1, a2}]
    assert len(ties) == 2 and all("Cụm A" in str(i.params["award"]) for i in ties)


def test_an_appraisal_changes_a_clusters_leader(city_config, city):
    a1, a2 = codes_in(city, "Cụm A")[:2]
    b1 = codes_in(city, "Cụm B")[0]
    subs = [commune(b1, score=99), commune(a1, score=94), commune(a2, score=90)]
    assert "CO_XS" in ranked(evaluate(subs, city_config, city))[a1].awards
    appraised = ranked(evaluate([*subs, province_with((a1, 88.0))], city_config, city))
    assert "CO_XS" in appraised[a2].awards and "CO_XS" not in appraised[a1].awards
    assert (appraised[a1].score, appraised[a1].score_source) == (88.0, "appraisal")


def test_a_communes_own_score_sheet_rows_are_kept_as_issues(city_config, city):
    code = codes_in(city, "Cụm A")[0]
    row = ScoreRow("x.xlsx", "Chấm điểm cấp xã", 4, 1, "Xã Số 1", 90.0, letters={"name": "B", "_row": "A"})
    result = evaluate([commune(code, communes=[row])], city_config, city)
    [kept] = [i for i in result.issues if i.code == "row-not-used"]
    assert (kept.sheet, kept.row, kept.cell) == ("Chấm điểm cấp xã", 4, "A4")


# ---------------------------------------------------------------- properties

@st.composite
def city_batches(draw, city):
    subs = []
    for code in draw(st.lists(st.sampled_from([u.code for u in city.submitters]), min_size=1, max_size=12,
                              unique=True)):
        people = [person(f"{code}-{r}", draw(st.sampled_from([80.0, 85.0, 85.0, 90.0, 95.5])), row=r + 5,
                         level=draw(st.sampled_from(["xa", "bctmt"])))
                  for r in range(draw(st.integers(0, 3)))]
        subs.append(commune(code, people, score=draw(st.sampled_from([80.0, 88.0, 88.0, 92.0]))))
    return subs


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_every_pooled_scope_proposes_at_most_its_quota_whatever_the_file_order(city_config, city, data):
    subs = data.draw(city_batches(city))
    result = evaluate(subs, city_config, city)
    for q in result.quotas:
        assert q.proposed <= q.quota
    proposed = Counter((city.cluster_of(n.unit_code), n.key) for n in result.nominations if n.status == "proposed")
    for q in (q for q in result.quotas if q.scope == "cluster"):
        assert proposed[(q.cluster, (q.kind, q.level, q.award))] == q.proposed
    shuffled = data.draw(st.permutations(subs))
    assert evaluate(shuffled, city_config, city).as_json() == result.as_json()


# ---------------------------------------------------------------- a batch made by hand, as a commune clerk would

def test_a_hand_made_two_tier_batch_is_judged_by_the_examples_rules(tmp_path, city_config):
    rows = city_rows()
    registry = tmp_path / "don_vi.csv"
    registry.write_text("ma_don_vi,ten_don_vi,cap,ma_cap_tren,so_don_vi_cap_xa,so_ban_cong_tac_mat_tran,email,cum_thi_dua\n"
                        + "\n".join(f"{r['ma_don_vi']},{r['ten_don_vi']},{r['cap']},{r.get('ma_cap_tren', '')},,"
                                    f"{r.get('so_ban_cong_tac_mat_tran', '')},,{r.get('cum_thi_dua', '')}" for r in rows)
                        + "\n", encoding="utf-8")
    people = ["STT", "Họ và tên", "Năm sinh", "Cấp", "Hình thức khen thưởng", "Điểm", "Tờ trình", "Biên bản",
              "Báo cáo thành tích"]
    bctmt = ["STT", "Tên Ban công tác Mặt trận", "Điểm"]
    for n, (score, nominee) in enumerate([(95, ("Lê An", 90)), (91, ("Trần Bình", 86)), (70, None)], start=1):
        sheets = {"Thông tin": info_rows(code=f"31{n:03d}", name=f"Ủy ban MTTQ Việt Nam xã Số {n}", year=2026,
                                         communes=None, bctmt=10, score=score),
                  "Chấm điểm BCTMT": [bctmt, [1, f"Ban công tác Mặt trận ấp {n}", 80 + n]]}
        if nominee:
            sheets["Đề nghị cá nhân"] = [people, [1, nominee[0], 1980, "Cấp xã", "Bằng khen UBMTTQ tỉnh", nominee[1],
                                                  "x", "x", "x"]]
        make_book(tmp_path / "in" / f"xa {n}.xlsx", sheets)
    for folder in ("templates",):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    config = (EXAMPLE / "config.toml").read_text(encoding="utf-8").replace('templates = "../../templates"',
                                                                           'templates = "templates"')
    config = with_city_clusters(config)
    (tmp_path / "config.toml").write_text(config, encoding="utf-8")
    code, text = run_cli("run", "--config", str(tmp_path / "config.toml"), "--registry", str(registry),
                         "--input", str(tmp_path / "in"), "--output", str(tmp_path / "out"))
    assert code == 0, text
    [folder] = run_dirs(tmp_path / "out")
    data = json.loads((folder / "ket_qua.json").read_text(encoding="utf-8"))
    status = {n["name"]: n["status"] for n in data["nominations"]}
    assert status == {"Lê An": "proposed", "Trần Bình": "over_quota"}  # one place in Cụm A: quota(8, 8)
    xa = {r["unit_code"]: r for r in data["rankings"]["xa"]}
    assert xa["31001"]["awards"] == ["CO_XSTD", "BK_TW_MTTQ"] and "CO_XS" in xa["31002"]["awards"]
    assert xa["31003"]["awards"] == [] and data["rankings"]["huyen"] == []
    assert {r["unit_code"] for r in data["rankings"]["bctmt"]} == {"31001", "31002", "31003"}
    assert sorted(p.name for p in (folder / "PhanHoi").iterdir()) == [f"Phản hồi - Xã Số {n}.xlsx" for n in (1, 2, 3)]
    assert "Xếp hạng cấp huyện" not in text


def test_check_works_on_a_communes_file(tmp_path):
    path = make_book(tmp_path / "xa.xlsx", {
        "Thông tin": info_rows(code="31135", name="Ủy ban MTTQ Việt Nam phường Ninh Kiều", year=2026, communes=None,
                               bctmt=12, score=90),
        "Chấm điểm BCTMT": [["STT", "Tên Ban công tác Mặt trận", "Điểm"], [1, "Ban công tác Mặt trận khu vực 1", 90]]})
    code, text = run_cli("check", str(path), "--config", str(EXAMPLE / "config.toml"))
    assert text.splitlines()[1] == "Đơn vị: Ủy ban MTTQ Việt Nam phường Ninh Kiều (mã 31135)"
    assert "Chấm điểm cấp xã" not in text and code == 0, text
