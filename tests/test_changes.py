"""Changes since the last run: a pure function of two snapshots, tested with plain values."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from thidua.changes import Snapshot, awards_text, compare, name_key


# Rows in the ledger's column order (changes.Snapshot).
def file(code, name, sha="a", status="processed"):
    return (name, sha, code, status, 10)


def nom(name, status="proposed", code="943", kind="individual", award="BK_MTTQ_TINH", level="xa"):
    return (code, kind, level, award, name, name_key(name), status, 90.0, "a.xlsx", "Đề nghị cá nhân", 9)


def ranked(name, rank, awards=(), code="943", level="xa", cluster=None, cluster_rank=None):
    return (level, code, name, 90.0, rank, cluster, cluster_rank, awards_text(tuple(awards)))


def quota(n, code="943", scope="unit", cluster=None, award="BK_MTTQ_TINH", submitted=0, proposed=0):
    return (scope, cluster, code, "collective", "xa", award, n, submitted, proposed)


BASE = Snapshot(files=(file("943", "Kế Sách.xlsx"), file("944", "Long Phú.xlsx")),
                nominations=(nom("Nguyễn Văn An"), nom("Trần Thị Bình", "over_quota")),
                rankings=(ranked("Xã Đại Hải", 1, ["CO_XS"]), ranked("Xã Ba Trinh", 2)),
                quotas=(quota(2), quota(3, None, "cluster", "Cụm 3")))


def test_a_first_run_lists_nothing():
    changes = compare(None, None, BASE)
    assert changes.previous_run is None and changes.first_run
    assert changes.as_json() == {"previous_run": None, "files": [], "nominations": [], "rankings": [], "quotas": []}


def test_identical_runs_list_no_change():
    changes = compare("2026-11-30_0915", BASE, BASE)
    assert changes.previous_run == "2026-11-30_0915" and not changes.any
    assert changes.counts() == {"files": 0, "nominations": 0, "rankings": 0, "quotas": 0}


def test_files_new_replaced_removed():
    after = Snapshot(files=(file("943", "Kế Sách.xlsx", sha="b"), file("945", "Mỹ Tú.xlsx"),
                            file("946", "Hỏng.xlsx", status="rejected")))
    assert compare("r1", BASE, after).files == (
        {"unit_code": "943", "file": "Kế Sách.xlsx", "change": "replaced"},
        {"unit_code": "945", "file": "Mỹ Tú.xlsx", "change": "new"},
        {"unit_code": "944", "file": "Long Phú.xlsx", "change": "removed"})


def test_a_file_renamed_with_the_same_content_is_replaced():
    after = Snapshot(files=(file("943", "Kế Sách (sửa).xlsx"), file("944", "Long Phú.xlsx")))
    assert [f["change"] for f in compare("r1", BASE, after).files] == ["replaced"]


def test_nominations_identified_by_unit_kind_normalised_name_and_award():
    after = Snapshot(nominations=(
        nom("  nguyễn  văn AN "),  # the same person, typed differently: unchanged
        nom("Trần Thị Bình", "proposed"),  # moved from over quota to proposed
        nom("Lê Văn Cường", "invalid"),  # new
    ))
    assert compare("r1", BASE, after).nominations == (
        {"unit_code": "943", "kind": "individual", "level": "xa", "award": "BK_MTTQ_TINH", "name": "Trần Thị Bình",
         "from": "over_quota", "to": "proposed"},
        {"unit_code": "943", "kind": "individual", "level": "xa", "award": "BK_MTTQ_TINH", "name": "Lê Văn Cường",
         "from": None, "to": "invalid"})


def test_a_changed_award_is_one_nomination_gone_and_one_new():
    after = Snapshot(nominations=(nom("Nguyễn Văn An", award="BK_UBND_TINH"), nom("Trần Thị Bình", "over_quota")))
    found = compare("r1", BASE, after).nominations
    assert [(n["name"], n["award"], n["from"], n["to"]) for n in found] == [
        ("Nguyễn Văn An", "BK_UBND_TINH", None, "proposed"), ("Nguyễn Văn An", "BK_MTTQ_TINH", "proposed", None)]


def test_diacritics_tell_names_apart():
    after = Snapshot(nominations=(nom("Nguyễn Văn Ân"), nom("Trần Thị Bình", "over_quota")))
    assert [(n["name"], n["from"], n["to"]) for n in compare("r1", BASE, after).nominations] == [
        ("Nguyễn Văn Ân", None, "proposed"), ("Nguyễn Văn An", "proposed", None)]


def test_the_same_name_twice_is_paired_in_order():
    before = Snapshot(nominations=(nom("Nguyễn Văn An"), nom("Nguyễn Văn An", "invalid")))
    after = Snapshot(nominations=(nom("Nguyễn Văn An"), nom("Nguyễn Văn An", "proposed")))
    assert [(n["from"], n["to"]) for n in compare("r1", before, after).nominations] == [("invalid", "proposed")]


def test_rankings_whose_rank_or_awards_changed():
    after = Snapshot(rankings=(ranked("Xã Ba Trinh", 1, ["CO_XS"]), ranked("Xã Đại Hải", 2),
                               ranked("Xã Xuân Hòa", 3)))
    assert compare("r1", BASE, after).rankings == (
        {"level": "xa", "unit_code": "943", "name": "Xã Ba Trinh", "from_rank": 2, "to_rank": 1,
         "from_cluster_rank": None, "to_cluster_rank": None, "from_awards": [], "to_awards": ["CO_XS"]},
        {"level": "xa", "unit_code": "943", "name": "Xã Đại Hải", "from_rank": 1, "to_rank": 2,
         "from_cluster_rank": None, "to_cluster_rank": None, "from_awards": ["CO_XS"], "to_awards": []},
        {"level": "xa", "unit_code": "943", "name": "Xã Xuân Hòa", "from_rank": None, "to_rank": 3,
         "from_cluster_rank": None, "to_cluster_rank": None, "from_awards": [], "to_awards": []})


def test_a_cluster_rank_move_without_a_province_rank_move_is_listed():
    before = Snapshot(rankings=(ranked("Xã A", 5, cluster="Cụm 1", cluster_rank=7),
                                ranked("Xã B", 6, cluster="Cụm 1", cluster_rank=2)))
    after = Snapshot(rankings=(ranked("Xã A", 5, cluster="Cụm 1", cluster_rank=2),
                               ranked("Xã B", 6, cluster="Cụm 1", cluster_rank=2)))
    assert [(r["name"], r["from_rank"], r["to_rank"], r["from_cluster_rank"], r["to_cluster_rank"])
            for r in compare("r1", before, after).rankings] == [("Xã A", 5, 5, 7, 2)]


def test_an_award_won_without_a_rank_move_is_listed():
    after = Snapshot(rankings=(ranked("Xã Đại Hải", 1, ["CO_XS"]), ranked("Xã Ba Trinh", 2, ["BK_MTTQ_TINH"])))
    assert [(r["name"], r["from_awards"], r["to_awards"]) for r in compare("r1", BASE, after).rankings] == [
        ("Xã Ba Trinh", [], ["BK_MTTQ_TINH"])]


def test_quota_lines_whose_quota_changed():
    after = Snapshot(quotas=(quota(2), quota(4, None, "cluster", "Cụm 3"), quota(1, "944")))
    assert compare("r1", BASE, after).quotas == (
        {"scope": "cluster", "cluster": "Cụm 3", "unit_code": None, "kind": "collective", "level": "xa",
         "award": "BK_MTTQ_TINH", "from": 3, "to": 4, "from_submitted": 0, "to_submitted": 0,
         "from_proposed": 0, "to_proposed": 0},
        {"scope": "unit", "cluster": None, "unit_code": "944", "kind": "collective", "level": "xa",
         "award": "BK_MTTQ_TINH", "from": None, "to": 1, "from_submitted": None, "to_submitted": 0,
         "from_proposed": None, "to_proposed": 0})


def test_a_pooled_quota_line_whose_counts_changed_is_listed_for_every_unit_of_its_cluster():
    """A commune re-sends its file: the cluster's line shows 6 names instead of 9, its quota unchanged."""
    before = Snapshot(quotas=(quota(3, None, "cluster", "Cụm 3", submitted=9, proposed=3),
                              quota(2, None, "province", None, award="CO_XS", submitted=4, proposed=2)))
    after = Snapshot(quotas=(quota(3, None, "cluster", "Cụm 3", submitted=6, proposed=3),
                             quota(2, None, "province", None, award="CO_XS", submitted=4, proposed=2)))
    changes = compare("r1", before, after)
    assert changes.quotas == ({"scope": "cluster", "cluster": "Cụm 3", "unit_code": None, "kind": "collective",
                               "level": "xa", "award": "BK_MTTQ_TINH", "from": 3, "to": 3, "from_submitted": 9,
                               "to_submitted": 6, "from_proposed": 3, "to_proposed": 3},)
    assert changes.for_unit("944", cluster="Cụm 3").quotas == changes.quotas
    assert changes.for_unit("944", cluster="Cụm 4").quotas == ()
    assert changes.for_unit("944").quotas == ()  # a unit's own lines only, when its cluster is not said


def test_a_units_own_changes():
    after = Snapshot(files=(file("943", "Kế Sách.xlsx", sha="b"), file("944", "Long Phú.xlsx")),
                     nominations=(nom("Nguyễn Văn An", code="944"), nom("Trần Thị Bình", "proposed")),
                     rankings=BASE.rankings, quotas=BASE.quotas)
    mine = compare("r1", BASE, after).for_unit("944")
    assert mine.files == () and [(n["name"], n["from"], n["to"]) for n in mine.nominations] == [
        ("Nguyễn Văn An", None, "proposed")]


# ---------------------------------------------------------------- properties

STATUSES = ("proposed", "over_quota", "invalid", "needs_review")
_nominations = st.lists(st.tuples(st.sampled_from(["Nguyễn Văn An", "nguyễn văn an", "Trần Thị Bình", "Lê Ân"]),
                                  st.sampled_from(STATUSES), st.sampled_from(["943", "944"]),
                                  st.sampled_from(["BK_MTTQ_TINH", "BK_UBND_TINH"])), max_size=8)
_rankings = st.lists(st.tuples(st.sampled_from(["Xã A", "Xã B", "Xã C"]), st.integers(1, 4),
                               st.sampled_from([(), ("CO_XS",)])), max_size=4, unique_by=lambda r: r[0])


def _snapshot(noms, ranks) -> Snapshot:
    return Snapshot(nominations=tuple(nom(n, s, code=c, award=a) for n, s, c, a in noms),
                    rankings=tuple(ranked(n, r, aw) for n, r, aw in ranks))


@given(_nominations, _rankings)
def test_a_run_compared_with_itself_lists_nothing(noms, ranks):
    assert not compare("r1", _snapshot(noms, ranks), _snapshot(noms, ranks)).any


@given(_nominations, _rankings, _nominations, _rankings)
def test_changes_backwards_are_the_same_changes_reversed(noms_a, ranks_a, noms_b, ranks_b):
    a, b = _snapshot(noms_a, ranks_a), _snapshot(noms_b, ranks_b)
    forward, backward = compare("a", a, b), compare("b", b, a)
    flip = {"from": "to", "to": "from", "from_rank": "to_rank", "to_rank": "from_rank", "from_awards": "to_awards",
            "to_awards": "from_awards", "from_cluster_rank": "to_cluster_rank", "to_cluster_rank": "from_cluster_rank"}

    def as_set(items, keys=lambda k: k):
        # A change names the nominee as the later run spells it: compared by identity, not by spelling.
        return sorted(repr(sorted((keys(k), name_key(v) if k == "name" else v) for k, v in i.items()))
                      for i in items)

    assert as_set(forward.nominations, lambda k: flip.get(k, k)) == as_set(backward.nominations)
    assert as_set(forward.rankings, lambda k: flip.get(k, k)) == as_set(backward.rankings)
